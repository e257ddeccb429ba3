/* mem.c: the packet-buffer budget (see mem.h for the policy).
 *
 * Call order: stack_mem_init() once the knobs are set (stack_create);
 * stack_mem_sample() at the start of each pass and after each RX burst
 * (stack_pass_begin); stack_mem_admit() wherever a socket's buffer would
 * grow.
 */
#include "stack/mem.h"

#include <string.h>

#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "stack/stack.h"

void stack_mem_init(struct stack *s)
{
	struct stack_mem *m = &s->mem;
	const struct rte_mempool_ops *ops = rte_mempool_get_ops(s->pool->ops_index);
	uint64_t size = s->pool->size;

	memset(m, 0, sizeof(*m));
	m->size = (uint32_t)size;
	stack_mem_set_limits(s);
	/* DPDK's default handlers keep the free buffers in an rte_ring
	 * ("ring_mp_mc", "ring_sp_sc", ...): its count is two loads.  Any
	 * other handler is asked through rte_mempool_avail_count. */
	if (ops && strncmp(ops->name, "ring_", 5) == 0)
		m->ring = s->pool->pool_data;
	m->avail = stack_mem_free_now(s);
	m->free_lowest = m->avail;
}

void stack_mem_set_limits(struct stack *s)
{
	struct stack_mem *m = &s->mem;
	uint64_t size = m->size;

	m->lowat = (uint32_t)(size * (uint64_t)KNOB(s, MEM_LOWAT) / 100);
	m->minwat = (uint32_t)(size * (uint64_t)KNOB(s, MEM_MINWAT) / 100);
	if (m->minwat > m->lowat)
		m->minwat = m->lowat; /* minwat is at most lowat (docs/knobs.md) */
	m->reserve = m->minwat / 2;
	m->sock_min = (uint32_t)KNOB(s, MEM_SOCK_MIN);
	m->reass_max = KNOB(s, TCP_REASS_MAXSEGMENTS) ? (uint32_t)KNOB(s, TCP_REASS_MAXSEGMENTS)
	                                              : (uint32_t)(size / 16);
}

uint32_t stack_mem_free_slow(struct stack *s)
{
	return rte_mempool_avail_count(s->pool);
}

void stack_mem_update(struct stack *s)
{
	struct stack_mem *m = &s->mem;
	uint8_t old = m->level;

	if (m->waiters && m->avail > m->reserve)
		tcp_mem_wake(s);
	if (m->avail >= m->lowat) {
		m->level = MEM_OK;
		return;
	}
	m->level = m->avail < m->minwat ? MEM_MIN : MEM_LOW;
	if (m->level > old) {
		if (old == MEM_OK)
			s->stats.mem.mem_low_entered++;
		if (m->level == MEM_MIN)
			s->stats.mem.mem_min_entered++;
	}
	if (m->level == MEM_MIN) {
		tcp_mem_reclaim(s);
		m->avail = stack_mem_free_now(s);
		m->level = m->avail >= m->lowat ? MEM_OK : m->avail < m->minwat ? MEM_MIN : MEM_LOW;
	}
}

bool stack_mem_admit(struct stack *s, uint32_t held)
{
	const struct stack_mem *m = &s->mem;

	if (m->level == MEM_OK)
		return true;
	if (held < m->sock_min && m->avail > m->reserve)
		return true;
	s->stats.mem.mem_refused++;
	return false;
}
