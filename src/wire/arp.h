/* arp.h: the ARP packet for Ethernet/IPv4 (RFC 826; DPDK's rte_arp_hdr):
 * parse and emit.
 *
 * wire_arp_parse() checks, in this order: enough bytes for the fixed part
 * (hardware/protocol types and lengths, opcode), the formats (hardware type
 * Ethernet, protocol IPv4, lengths 6 and 4), then enough bytes for the
 * addresses.  The opcode is returned as is; the caller judges it.
 */
#ifndef FASTACK_WIRE_ARP_H
#define FASTACK_WIRE_ARP_H

#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define WIRE_ARP_LEN ((unsigned)sizeof(struct rte_arp_hdr)) /* 28 */

/* Reasons wire_arp_parse() fails (returned negated). */
enum wire_arp_err {
	WIRE_ARP_TOOSHORT = 1, /* truncated */
	WIRE_ARP_BADFORMAT,    /* not Ethernet/IPv4, or wrong address lengths */
};

struct arp_info {
	uint16_t op; /* host order */
	struct rte_ether_addr sha, tha;
	uint32_t sip, tip; /* network order */
};

/* Parses the ARP packet at the start of m (trailing bytes, e.g. Ethernet
 * padding, are ignored).  0, or -WIRE_ARP_*. */
int wire_arp_parse(const struct rte_mbuf *m, struct arp_info *out);

/* Writes WIRE_ARP_LEN bytes at buf: an Ethernet/IPv4 ARP packet. */
void wire_arp_emit(void *buf, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
                   const struct rte_ether_addr *tha, uint32_t tip);

#endif
