/* route.h: the per-stack IPv4 routing table on DPDK rte_lpm.
 *
 * Routes: connected networks (one per configured address), the default
 * gateway, and static routes (ff_route_ctl / `fastack route`).  A lookup
 * returns the outgoing netif and the next hop (the gateway, or the
 * destination itself when it is on a connected network).
 */
#ifndef FASTACK_IP_ROUTE_H
#define FASTACK_IP_ROUTE_H

#include <stdint.h>

struct stack;
struct netif;

#define ROUTE4_MAX 1024

struct route4 {
	uint32_t dst;     /* network order */
	uint8_t depth;    /* prefix length */
	uint32_t gateway; /* network order; 0 = connected */
	uint16_t ifindex;
	uint8_t in_use;
};

int route4_init(struct stack *s);
void route4_fini(struct stack *s);
/* Adds (or replaces) a route.  0 or -errno (-EINVAL, -ENOSPC). */
int route4_add(struct stack *s, uint32_t dst, uint8_t depth, uint32_t gateway, uint16_t ifindex);
int route4_del(struct stack *s, uint32_t dst, uint8_t depth);
/* Longest-prefix match: 0 with *ifp and *nexthop set, or -ENETUNREACH. */
int route4_lookup(struct stack *s, uint32_t dst, struct netif **ifp, uint32_t *nexthop);
void route4_foreach(struct stack *s, void (*fn)(const struct route4 *r, void *arg), void *arg);

#endif
