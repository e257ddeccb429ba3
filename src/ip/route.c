/* route.c: the per-stack IPv4 routing table (see route.h).
 *
 * Routes live in the stack's own array of ROUTE4_MAX slots; DPDK's rte_lpm
 * maps a destination to the slot index of its longest matching prefix
 * (its "next hop" is our index).  rte_lpm takes prefixes of 1..32 bits, so
 * the default route (depth 0) is kept aside and used when the LPM misses.
 *
 * Call order: route4_init() at stack creation; route4_add()/route4_del()
 * from configuration (stack_set_ifaddr) and the tools; route4_lookup() per
 * packet sent; route4_fini() at the end.
 */
#include "ip/route.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_lpm.h>
#include <rte_malloc.h>

#include "stack/stack.h"

#define ROUTE4_TBL8S 256 /* LPM groups for prefixes longer than /24 */

struct route4_table {
	struct rte_lpm *lpm;
	int def; /* slot of the default route, or -1 */
	unsigned n;
	struct route4 r[ROUTE4_MAX];
};

static uint32_t prefix_mask(uint8_t depth)
{
	return depth ? rte_cpu_to_be_32(~0u << (32 - depth)) : 0;
}

static int route4_find(const struct route4_table *t, uint32_t dst, uint8_t depth)
{
	for (int i = 0; i < ROUTE4_MAX; i++)
		if (t->r[i].in_use && t->r[i].dst == dst && t->r[i].depth == depth)
			return i;
	return -1;
}

int route4_add(struct stack *s, uint32_t dst, uint8_t depth, uint32_t gateway, uint16_t ifindex)
{
	struct route4_table *t = s->rt4;
	struct route4 *r;
	bool fresh = false;
	int i;

	if (depth > 32 || ifindex >= s->nifs)
		return -EINVAL;
	dst &= prefix_mask(depth);
	i = route4_find(t, dst, depth);
	if (i < 0) {
		for (i = 0; i < ROUTE4_MAX && t->r[i].in_use; i++)
			;
		if (i == ROUTE4_MAX)
			return -ENOSPC;
		fresh = true;
	}
	if (depth > 0) {
		int rc = rte_lpm_add(t->lpm, rte_be_to_cpu_32(dst), depth, (uint32_t)i);

		if (rc < 0)
			return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	} else {
		t->def = i;
	}
	r = &t->r[i];
	r->dst = dst;
	r->depth = depth;
	r->gateway = gateway;
	r->ifindex = ifindex;
	r->in_use = 1;
	if (fresh)
		t->n++;
	return 0;
}

int route4_del(struct stack *s, uint32_t dst, uint8_t depth)
{
	struct route4_table *t = s->rt4;
	int i;

	if (depth > 32)
		return -EINVAL;
	dst &= prefix_mask(depth);
	i = route4_find(t, dst, depth);
	if (i < 0)
		return -ESRCH;
	if (depth > 0)
		rte_lpm_delete(t->lpm, rte_be_to_cpu_32(dst), depth);
	else
		t->def = -1;
	memset(&t->r[i], 0, sizeof(t->r[i]));
	t->n--;
	return 0;
}

int route4_lookup(struct stack *s, uint32_t dst, struct netif **ifp, uint32_t *nexthop)
{
	struct route4_table *t = s->rt4;
	const struct route4 *r;
	uint32_t idx;

	if (rte_lpm_lookup(t->lpm, rte_be_to_cpu_32(dst), &idx) == 0 && idx < ROUTE4_MAX)
		r = &t->r[idx];
	else if (t->def >= 0)
		r = &t->r[t->def];
	else
		return -ENETUNREACH;
	*ifp = &s->ifs[r->ifindex];
	*nexthop = r->gateway ? r->gateway : dst;
	return 0;
}

void route4_foreach(struct stack *s, void (*fn)(const struct route4 *r, void *arg), void *arg)
{
	struct route4_table *t = s->rt4;

	for (unsigned i = 0; i < ROUTE4_MAX; i++)
		if (t->r[i].in_use)
			fn(&t->r[i], arg);
}

int route4_init(struct stack *s)
{
	struct rte_lpm_config cfg = { .max_rules = ROUTE4_MAX, .number_tbl8s = ROUTE4_TBL8S };
	struct route4_table *t;
	char name[RTE_LPM_NAMESIZE];

	t = rte_zmalloc("fastack_rt4", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (!t)
		return -ENOMEM;
	/* LPM names are global to the process: the stack's address makes
	 * them unique. */
	snprintf(name, sizeof(name), "rt4_%p", (void *)s);
	t->lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
	if (!t->lpm) {
		rte_free(t);
		return -ENOMEM;
	}
	t->def = -1;
	s->rt4 = t;
	return 0;
}

void route4_fini(struct stack *s)
{
	struct route4_table *t = s->rt4;

	if (!t)
		return;
	rte_lpm_free(t->lpm);
	rte_free(t);
	s->rt4 = NULL;
}
