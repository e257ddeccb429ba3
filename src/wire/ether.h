/* ether.h: Ethernet II and IEEE 802.1Q headers (DPDK's rte_ether_hdr and
 * rte_vlan_hdr): parse and emit.
 *
 * wire_eth_parse() reads the header at the start of a frame, steps over at
 * most one 802.1Q tag and reports the inner ethertype.  It rejects a frame
 * too short for its header, a truncated tag, and stacked tags (IEEE 802.1ad
 * S-tag 0x88a8, the pre-standard 0x9100, or a second 0x8100): the stack does
 * not do QinQ.
 */
#ifndef FASTACK_WIRE_ETHER_H
#define FASTACK_WIRE_ETHER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define WIRE_ETHER_TYPE_QINQ_OLD 0x9100 /* pre-802.1ad stacked tag */
#define WIRE_VLAN_ID_MASK 0x0fff

/* Reasons wire_eth_parse() fails (returned negated). */
enum wire_eth_err {
	WIRE_ETH_TOOSHORT = 1, /* shorter than the 14-byte header */
	WIRE_ETH_BADVLAN,      /* truncated 802.1Q tag, or stacked tags */
};

struct eth_hdr_info {
	struct rte_ether_addr dst, src;
	uint16_t type;     /* ethertype after the tag, host order */
	uint16_t vlan_tci; /* host order; meaningful when tagged */
	uint8_t tagged;    /* an 802.1Q tag was present in the frame */
	uint8_t hlen;      /* 14, or 18 with a tag */
};

static inline bool wire_eth_is_vlan_type(uint16_t type)
{
	return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
	       type == WIRE_ETHER_TYPE_QINQ_OLD;
}

/* Parses the Ethernet (and 802.1Q) header at the start of m.  0, or
 * -WIRE_ETH_*. */
int wire_eth_parse(const struct rte_mbuf *m, struct eth_hdr_info *out);

/* Header length for a frame with (vlan_id != 0) or without a tag. */
static inline unsigned wire_eth_hlen(uint16_t vlan_id)
{
	return vlan_id ? sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr)
	               : sizeof(struct rte_ether_hdr);
}

/* Writes wire_eth_hlen(vlan_id) bytes at buf: dst, src, then the tag (PCP 0,
 * vlan_id) if vlan_id != 0, then type (host order). */
void wire_eth_emit(void *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
                   uint16_t vlan_id, uint16_t type);

/* The Ethernet group address of IPv4 multicast group grp (network order):
 * 01:00:5e followed by the low 23 bits (RFC 1112 section 6.4). */
void wire_eth_ip4_mcast(uint32_t grp, struct rte_ether_addr *out);

#endif
