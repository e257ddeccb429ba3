/* eth.c: Ethernet II / IEEE 802.1Q receive demultiplexing and output.
 *
 * Receive (eth_input, called per frame by stack_pass_begin):
 *   1. parse the header (wire_eth_parse): too short -> eth_tooshort;
 *      a truncated tag, an 802.1ad/0x9100 outer tag, or a tag inside a tag
 *      -> eth_badvlan;
 *   2. the VLAN id comes from the frame's one tag, or from m->vlan_tci when
 *      the port stripped it (RTE_MBUF_F_RX_VLAN_STRIPPED); a stripped tag
 *      plus a tag in the frame is nesting -> eth_badvlan.  Id 4095 is
 *      reserved -> eth_badvlan; id 0 is a priority tag (IEEE 802.1Q): the
 *      frame belongs to the untagged interface;
 *   3. the netif is the one of (port, vlan id); none -> eth_novlan;
 *   4. destination MAC policy: our own MAC and broadcast are accepted;
 *      other group (multicast) addresses are dropped as eth_notforus,
 *      because the stack joins no multicast group (no IGMP, and IPv4
 *      multicast delivery is not implemented) -- except for IPv6, where
 *      they reach the IPv6 check (eth_noipv6) so that neighbour discovery
 *      can take them over later;
 *   5. m->l2_len records the header length and the header is stripped (it
 *      stays in the headroom: eth_rx_was_group reads it back);
 *   6. ARP -> arp_input, IPv4 -> ip4_input, IPv6 -> eth_noipv6 (not yet),
 *      anything else (802.3 length fields included) -> eth_noproto.
 * Frames shorter than the 60-byte Ethernet minimum are accepted: software
 * ports (veth, TAP) deliver them unpadded.
 *
 * Output (eth_output): prepends the header (and the 802.1Q tag of a VLAN
 * netif: the tag is inserted in software), records m->l2_len for checksum
 * offloads, and queues the frame on the port.
 */
#include "eth/eth.h"

#include "eth/arp.h"
#include "ip/ip4.h"
#include "port/port.h"
#include "stack/stack.h"
#include "wire/ether.h"

#define VLAN_ID_RESERVED 0x0fff

struct netif *eth_netif_find(struct stack *s, const struct port *p, uint16_t vlan_id)
{
	for (unsigned i = 0; i < s->nifs; i++) {
		struct netif *ifp = &s->ifs[i];

		if (ifp->port == p && ifp->vlan_id == vlan_id)
			return ifp;
	}
	return NULL;
}

void eth_input(struct stack *s, struct port *p, struct rte_mbuf *m)
{
	struct eth_hdr_info eh;
	struct netif *ifp;
	uint16_t vid = 0;
	bool tagged = false;
	int rc;

	STAT_INC(s, eth, eth_ipackets);
	rc = wire_eth_parse(m, &eh);
	if (rc == -WIRE_ETH_TOOSHORT) {
		STAT_INC(s, eth, eth_tooshort);
		goto drop;
	}
	if (rc < 0)
		goto badvlan;
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		if (eh.tagged)
			goto badvlan; /* one tag stripped, another in the frame */
		vid = m->vlan_tci & WIRE_VLAN_ID_MASK;
		tagged = true;
	} else if (eh.tagged) {
		vid = eh.vlan_tci & WIRE_VLAN_ID_MASK;
		tagged = true;
	}
	if (tagged && vid == VLAN_ID_RESERVED)
		goto badvlan;
	ifp = eth_netif_find(s, p, vid);
	if (!ifp) {
		STAT_INC(s, eth, eth_novlan);
		goto drop;
	}
	if (rte_is_multicast_ether_addr(&eh.dst)) {
		if (!rte_is_broadcast_ether_addr(&eh.dst) && eh.type != RTE_ETHER_TYPE_IPV6) {
			STAT_INC(s, eth, eth_notforus);
			goto drop;
		}
	} else if (!rte_is_same_ether_addr(&eh.dst, &ifp->mac)) {
		STAT_INC(s, eth, eth_notforus);
		goto drop;
	}
	if (m->data_len < eh.hlen) {
		/* Header split across segments: no port does this. */
		STAT_INC(s, eth, eth_tooshort);
		goto drop;
	}
	m->l2_len = eh.hlen;
	rte_pktmbuf_adj(m, eh.hlen);

	switch (eh.type) {
	case RTE_ETHER_TYPE_ARP:
		arp_input(s, ifp, m);
		return;
	case RTE_ETHER_TYPE_IPV4:
		ip4_input(s, ifp, m);
		return;
	case RTE_ETHER_TYPE_IPV6:
		/* FIXME(ipv6): IPv6 input is a later issue. */
		STAT_INC(s, eth, eth_noipv6);
		goto drop;
	default:
		STAT_INC(s, eth, eth_noproto);
		goto drop;
	}

badvlan:
	STAT_INC(s, eth, eth_badvlan);
drop:
	rte_pktmbuf_free(m);
}

void eth_output(struct stack *s, struct netif *ifp, struct rte_mbuf *m, uint16_t ethertype,
                const struct rte_ether_addr *dst)
{
	unsigned hlen = wire_eth_hlen(ifp->vlan_id);
	char *h = rte_pktmbuf_prepend(m, (uint16_t)hlen);

	if (!h) {
		STAT_INC(s, eth, eth_nomem);
		rte_pktmbuf_free(m);
		return;
	}
	wire_eth_emit(h, dst, &ifp->mac, ifp->vlan_id, ethertype);
	m->l2_len = hlen;
	STAT_INC(s, eth, eth_opackets);
	port_tx(ifp->port, m);
}
