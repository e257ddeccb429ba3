/* compat.c: the stack's side of F-Stack's calls beyond sockets (compat.h). */
#include "stack/compat.h"

#include <netinet/in.h>
#include <string.h>

#include "ff_api.h"

#include "stack/proc.h"
#include "stack/stack.h"

/* The process's dispatcher: F-Stack has one per process.  Each shape is
 * one atomic pointer (a change while stacks run is seen frame by frame; for
 * a moment a frame may meet the old function or none). */
static struct stack_dispatcher dispatcher;

void stack_dispatcher_set(const struct stack_dispatcher *d)
{
	struct stack_dispatcher none = { 0 };

	if (!d)
		d = &none;
	__atomic_store_n(&dispatcher.plain, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&dispatcher.with_ctx, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&dispatcher.with_ctx, d->with_ctx, __ATOMIC_RELEASE);
	__atomic_store_n(&dispatcher.plain, d->plain, __ATOMIC_RELEASE);
}

bool stack_dispatcher_on(void)
{
	return __atomic_load_n(&dispatcher.plain, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&dispatcher.with_ctx, __ATOMIC_RELAXED);
}

static uint16_t proc_queues(void)
{
	unsigned n = proc_get()->nstacks;

	return (uint16_t)(n ? n : 1);
}

bool stack_dispatch(struct stack *s, struct port *p, struct rte_mbuf *m)
{
	int (*plain)(void *, uint16_t *, uint16_t, uint16_t) =
	    __atomic_load_n(&dispatcher.plain, __ATOMIC_ACQUIRE);
	int (*with_ctx)(void *, uint16_t *, uint16_t, uint16_t, uint8_t, uint16_t) =
	    __atomic_load_n(&dispatcher.with_ctx, __ATOMIC_ACQUIRE);
	uint16_t len = rte_pktmbuf_data_len(m), queue = (uint16_t)s->id;
	uint16_t room = (uint16_t)(len + rte_pktmbuf_tailroom(m));
	void *data = rte_pktmbuf_mtod(m, void *);
	int v;

	if (plain)
		v = plain(data, &len, queue, proc_queues());
	else if (with_ctx)
		v = with_ctx(data, &len, queue, proc_queues(),
		             (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0, m->vlan_tci);
	else
		return true;
	if (v == queue)
		return true;
	if (v == FF_DISPATCH_RESPONSE && len > 0 && len <= room && m->nb_segs == 1) {
		/* Answered in place: out of the port it came from. */
		m->data_len = len;
		m->pkt_len = len;
		m->ol_flags = 0;
		p->stats->dispatch_responded++;
		port_tx(p, m);
		return false;
	}
	if (v >= 0 && v < proc_queues())
		p->stats->dispatch_other_queue++;
	else
		p->stats->dispatch_dropped++;
	rte_pktmbuf_free(m);
	return false;
}

static stack_pcbladdr_fn pcbladdr;

void stack_pcbladdr_set(stack_pcbladdr_fn fn)
{
	__atomic_store_n(&pcbladdr, fn, __ATOMIC_RELEASE);
}

uint32_t stack_pcbladdr4(uint32_t dst, uint16_t port)
{
	stack_pcbladdr_fn fn = __atomic_load_n(&pcbladdr, __ATOMIC_ACQUIRE);
	struct in_addr d = { dst }, src = { 0 };

	if (!fn || fn(AF_INET, &d, port, &src) != 0)
		return 0;
	return src.s_addr;
}

void stack_compat_fini(struct stack *s)
{
	struct stack_compat *c = &s->compat;

	for (unsigned i = 0; i < c->nzc; i++)
		rte_pktmbuf_free(c->zc[i]);
	c->nzc = 0;
}
