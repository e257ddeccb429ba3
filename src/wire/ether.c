/* ether.c: Ethernet/802.1Q parse and emit (see ether.h). */
#include "wire/ether.h"

int wire_eth_parse(const struct rte_mbuf *m, struct eth_hdr_info *out)
{
	struct rte_ether_hdr ehb;
	struct rte_vlan_hdr vhb;
	const struct rte_ether_hdr *eh;
	const struct rte_vlan_hdr *vh;
	uint16_t type;

	eh = rte_pktmbuf_read(m, 0, sizeof(*eh), &ehb);
	if (!eh)
		return -WIRE_ETH_TOOSHORT;
	out->dst = eh->dst_addr;
	out->src = eh->src_addr;
	out->tagged = 0;
	out->vlan_tci = 0;
	out->hlen = sizeof(*eh);
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN) {
		vh = rte_pktmbuf_read(m, sizeof(*eh), sizeof(*vh), &vhb);
		if (!vh)
			return -WIRE_ETH_BADVLAN;
		out->tagged = 1;
		out->vlan_tci = rte_be_to_cpu_16(vh->vlan_tci);
		out->hlen += sizeof(*vh);
		type = rte_be_to_cpu_16(vh->eth_proto);
		if (wire_eth_is_vlan_type(type))
			return -WIRE_ETH_BADVLAN; /* 0x8100 in 0x8100: nested */
	} else if (wire_eth_is_vlan_type(type)) {
		return -WIRE_ETH_BADVLAN; /* 802.1ad / 0x9100 outer tag */
	}
	out->type = type;
	return 0;
}

void wire_eth_emit(void *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
                   uint16_t vlan_id, uint16_t type)
{
	struct rte_ether_hdr *eh = buf;

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	if (vlan_id) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vlan_id & WIRE_VLAN_ID_MASK);
		vh->eth_proto = rte_cpu_to_be_16(type);
	} else {
		eh->ether_type = rte_cpu_to_be_16(type);
	}
}

void wire_eth_ip4_mcast(uint32_t grp, struct rte_ether_addr *out)
{
	uint32_t h = rte_be_to_cpu_32(grp);

	out->addr_bytes[0] = 0x01;
	out->addr_bytes[1] = 0x00;
	out->addr_bytes[2] = 0x5e;
	out->addr_bytes[3] = (uint8_t)((h >> 16) & 0x7f);
	out->addr_bytes[4] = (uint8_t)(h >> 8);
	out->addr_bytes[5] = (uint8_t)h;
}
