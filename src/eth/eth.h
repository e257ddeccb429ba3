/* eth.h: network interfaces, Ethernet/802.1Q demultiplexing and output.
 *
 * A netif is an addressed interface: a port, optionally a VLAN on it
 * ([vlanN] sections), with its IPv4/IPv6 addresses.  RX: port frames go to
 * eth_input(), which picks the netif by VLAN tag and hands the payload to ARP,
 * IPv4 or IPv6.  TX: eth_output() prepends the Ethernet (and 802.1Q) header
 * and queues the frame on the netif's port.
 */
#ifndef FASTACK_ETH_ETH_H
#define FASTACK_ETH_ETH_H

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

#endif
