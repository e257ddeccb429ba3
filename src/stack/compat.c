/* compat.c: the stack's side of F-Stack's calls beyond sockets (compat.h). */
#include "stack/compat.h"

#include <netinet/in.h>
#include <string.h>

#include "ff_api.h"

#include "stack/proc.h"
#include "stack/stack.h"

/* The process's dispatcher: F-Stack has one per process.  The functions
 * are published by one atomic pointer to an immutable copy (two slots, so
 * a reader never sees a half-written one). */
static struct stack_dispatcher dispatchers[2];
static struct stack_dispatcher *dispatcher_cur;
static unsigned dispatcher_next;

void stack_dispatcher_set(const struct stack_dispatcher *d)
{
	struct stack_dispatcher *slot;

	if (!d || (!d->plain && !d->with_ctx)) {
		__atomic_store_n(&dispatcher_cur, NULL, __ATOMIC_RELEASE);
		return;
	}
	slot = &dispatchers[dispatcher_next];
	dispatcher_next ^= 1;
	*slot = *d;
	__atomic_store_n(&dispatcher_cur, slot, __ATOMIC_RELEASE);
}

bool stack_dispatcher_on(void)
{
	return __atomic_load_n(&dispatcher_cur, __ATOMIC_RELAXED) != NULL;
}

static uint16_t proc_queues(void)
{
	unsigned n = proc_get()->nstacks;

	return (uint16_t)(n ? n : 1);
}

bool stack_dispatch(struct stack *s, struct port *p, struct rte_mbuf *m)
{
	const struct stack_dispatcher *d = __atomic_load_n(&dispatcher_cur, __ATOMIC_ACQUIRE);
	uint16_t len = rte_pktmbuf_data_len(m), queue = (uint16_t)s->id;
	uint16_t room = (uint16_t)(len + rte_pktmbuf_tailroom(m));
	void *data = rte_pktmbuf_mtod(m, void *);
	int v;

	if (!d)
		return true;
	if (d->plain)
		v = d->plain(data, &len, queue, proc_queues());
	else
		v = d->with_ctx(data, &len, queue, proc_queues(),
		                (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0, m->vlan_tci);
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
