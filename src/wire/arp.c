/* arp.c: ARP parse and emit (see arp.h). */
#include "wire/arp.h"

#include <stddef.h>

/* Bytes up to and including the opcode. */
#define ARP_FIXED_LEN offsetof(struct rte_arp_hdr, arp_data)

int wire_arp_parse(const struct rte_mbuf *m, struct arp_info *out)
{
	struct rte_arp_hdr buf;
	const struct rte_arp_hdr *ah;

	if (rte_pktmbuf_pkt_len(m) < ARP_FIXED_LEN)
		return -WIRE_ARP_TOOSHORT;
	ah = rte_pktmbuf_read(m, 0, ARP_FIXED_LEN, &buf);
	if (!ah)
		return -WIRE_ARP_TOOSHORT;
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != sizeof(uint32_t))
		return -WIRE_ARP_BADFORMAT;
	ah = rte_pktmbuf_read(m, 0, WIRE_ARP_LEN, &buf);
	if (!ah)
		return -WIRE_ARP_TOOSHORT;
	out->op = rte_be_to_cpu_16(ah->arp_opcode);
	out->sha = ah->arp_data.arp_sha;
	out->tha = ah->arp_data.arp_tha;
	out->sip = ah->arp_data.arp_sip;
	out->tip = ah->arp_data.arp_tip;
	return 0;
}

void wire_arp_emit(void *buf, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
                   const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_arp_hdr *ah = buf;

	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = *sha;
	ah->arp_data.arp_sip = sip;
	ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = tip;
}
