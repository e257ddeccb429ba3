/* arp.h: ARP (RFC 826) and the per-stack neighbour cache for IPv4.
 *
 * Entries are INCOMPLETE (request sent, packets held), REACHABLE (resolved,
 * within net.link.ether.inet.max_age), or STALE (aged; still used, refreshed
 * by the next request/reply).  The cache, the per-entry hold queue and the
 * request retries are bounded by knobs; everything that hits a bound is
 * counted.  Timers run off the stack's wheel.
 */
#ifndef FASTACK_ETH_ARP_H
#define FASTACK_ETH_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "base/counters.h"

struct stack;
struct netif;

#define ARP_STATS(X)                                                                     \
	X(arp_rxrequests, "requests received")                                           \
	X(arp_rxreplies, "replies received")                                             \
	X(arp_txrequests, "requests sent")                                               \
	X(arp_txreplies, "replies sent")                                                 \
	X(arp_txgratuitous, "gratuitous ARPs sent")                                      \
	X(arp_tooshort, "dropped: truncated ARP packet")                                 \
	X(arp_badformat, "dropped: hardware/protocol type or length not Ethernet/IPv4")  \
	X(arp_badop, "dropped: unknown operation")                                       \
	X(arp_badsender, "dropped: sender address invalid (broadcast, multicast, ours)") \
	X(arp_notforus, "ignored: target address not ours")                              \
	X(arp_dupaddr, "another host claims one of our addresses")                       \
	X(arp_held, "packets held awaiting resolution")                                  \
	X(arp_holddrop, "dropped: hold queue full (net.link.ether.inet.maxhold)")        \
	X(arp_holdmemdrop, "dropped, not held: memory pressure (src/stack/mem.h)")       \
	X(arp_timeouts, "entries given up unresolved; held packets dropped")             \
	X(arp_stalefail, "stale entries deleted: unicast requests went unanswered")      \
	X(arp_dropped, "dropped: packets held by an entry given up or deleted")          \
	X(arp_defended, "gratuitous ARPs sent to defend an address (RFC 5227)")          \
	X(arp_cachefull, "dropped: cache full (net.link.ether.inet.max_entries)")        \
	X(arp_nomem, "dropped: no mbuf for a request or reply")
COUNTER_STRUCT(arp_stats, ARP_STATS);

int arp_init(struct stack *s);
void arp_fini(struct stack *s);
/* Consumes an ARP packet (m points at the ARP header). */
void arp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* Sends m (an IPv4 packet, no L2 header) to next hop nh (network order) on
 * ifp: at once if resolved, else held while a request goes out.  Consumes m. */
void arp_output(struct stack *s, struct netif *ifp, uint32_t nh, struct rte_mbuf *m);
/* Gratuitous ARP for ifp's IPv4 address. */
void arp_announce(struct stack *s, struct netif *ifp);

/* For the tools and tests: visits every entry. */
enum arp_state { ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE };
struct arp_entry_info {
	uint32_t ip; /* network order */
	struct rte_ether_addr mac;
	enum arp_state state;
	uint16_t ifindex;
	uint32_t held;
	uint64_t expire_ns; /* REACHABLE: when it goes stale; INCOMPLETE: next
			       request; STALE: earliest next refresh request */
	bool permanent;     /* arp_add_static */
	uint8_t tries;      /* requests sent for the current resolution */
};
void arp_foreach(struct stack *s, void (*fn)(const struct arp_entry_info *e, void *arg), void *arg);
/* Adds a permanent entry (arp -s); 0 or -errno. */
int arp_add_static(struct stack *s, uint16_t ifindex, uint32_t ip,
                   const struct rte_ether_addr *mac);
/* Deletes an entry (arp -d), static or not; its held packets are dropped
 * (arp_dropped).  0 or -ENOENT. */
int arp_del(struct stack *s, uint16_t ifindex, uint32_t ip);

#endif
