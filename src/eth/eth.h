/* eth.h: network interfaces, Ethernet/802.1Q demultiplexing and output.
 *
 * A netif is an addressed interface: a port, optionally a VLAN on it
 * ([vlanN] sections), with its IPv4/IPv6 addresses.  RX: port frames go to
 * eth_input(), which picks the netif by VLAN tag and hands the payload to ARP,
 * IPv4 or IPv6.  TX: eth_output() prepends the Ethernet (and 802.1Q) header
 * and queues the frame on the netif's port.
 *
 * Accepted destinations: the port's MAC and broadcast.  Other group
 * (multicast) MACs are dropped (eth_notforus) since no multicast group is
 * joined, except for IPv6, whose neighbour discovery will need them.  One
 * 802.1Q tag (in the frame, or stripped by the port) selects a VLAN netif;
 * stacked tags are dropped (eth_badvlan).  eth.c has the details.
 */
#ifndef FASTACK_ETH_ETH_H
#define FASTACK_ETH_ETH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "base/addr.h"
#include "base/counters.h"

struct stack;
struct port;

#define ETH_STATS(X)                                                                  \
	X(eth_ipackets, "frames received")                                            \
	X(eth_opackets, "frames sent")                                                \
	X(eth_tooshort, "dropped: shorter than an Ethernet header")                   \
	X(eth_badvlan, "dropped: malformed or nested 802.1Q tag")                     \
	X(eth_novlan, "dropped: VLAN id with no interface")                           \
	X(eth_notforus, "dropped: destination MAC not ours, not broadcast/multicast") \
	X(eth_noproto, "dropped: unsupported ethertype")                              \
	X(eth_noipv6, "dropped: IPv6 (not implemented yet)")                          \
	X(eth_nomem, "dropped: no mbuf headroom/buffer for output")
COUNTER_STRUCT(eth_stats, ETH_STATS);

struct netif {
	struct port *port;
	uint16_t index;   /* in stack->ifs */
	uint16_t vlan_id; /* 0: untagged */
	uint16_t mtu;     /* IP MTU */
	struct rte_ether_addr mac;
	/* IPv4 (family 0 when unset) */
	struct ip_addr addr4, mask4, bcast4;
	/* IPv6 (family 0 when unset) */
	struct ip_addr addr6;
	uint8_t prefix6;
};

/* Consumes a received frame. */
void eth_input(struct stack *s, struct port *p, struct rte_mbuf *m);
/* Prepends Ethernet (+802.1Q) header for ethertype (host order) to dst and
 * queues the frame on ifp's port; consumes m in every case. */
void eth_output(struct stack *s, struct netif *ifp, struct rte_mbuf *m, uint16_t ethertype,
                const struct rte_ether_addr *dst);

/* The netif of port p for VLAN id vlan_id (0: untagged), or NULL. */
struct netif *eth_netif_find(struct stack *s, const struct port *p, uint16_t vlan_id);

/* On receive, the Ethernet header stays in the headroom (eth_input records
 * its length in m->l2_len).  True when the frame m was sent to a group
 * (broadcast or multicast) MAC address; above is the number of bytes
 * stripped since the Ethernet header (0 in ip4_input, m->l3_len in a
 * transport layer).  False when the header is no longer there. */
static inline bool eth_rx_was_group(const struct rte_mbuf *m, unsigned above)
{
	const struct rte_ether_hdr *eh;

	if (m->l2_len < sizeof(*eh) || m->data_off < above + m->l2_len)
		return false;
	eh = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)(above + m->l2_len));
	return rte_is_multicast_ether_addr(&eh->dst_addr);
}

#endif
