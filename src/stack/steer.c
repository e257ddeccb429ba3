/* steer.c: hand-overs between the stacks of a group (steer.h).
 *
 * A frame in a ring carries its port index and its kind in m->port (the
 * ethdev port id is of no use past the receive burst):
 *   STEER_RX   received by another stack, this one owns it;
 *   STEER_COPY another stack's copy of an ARP frame: learn, do not answer;
 *   STEER_TX   to be sent on this stack's queue of that port.
 */
#include "stack/steer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "base/log.h"
#include "port/port_priv.h"
#include "stack/stack.h"

#define STEER_KIND_MASK 0xc000
#define STEER_RX 0x0000
#define STEER_COPY 0x4000
#define STEER_TX 0x8000
#define STEER_PORT_MASK 0x3fff
#define STEER_DRAIN_BURSTS 8 /* ring bursts taken per pass */

static const struct port_ops proxy_ops;
struct proxy_priv {
	struct stack *s; /* the port's stack (steer_link) */
	unsigned owner;
};
static unsigned ring_serial; /* ring names: written by the thread that links */

int steer_link(struct stack *const *stacks, unsigned n)
{
	struct rte_ring *rings[STEER_MAX] = { 0 };
	char name[RTE_RING_NAMESIZE];

	if (n < 1 || n > STEER_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!stacks[i] || stacks[i]->id != i || stacks[i]->steer.n)
			return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		unsigned size = (unsigned)KNOB(stacks[i], RSS_RING);

		snprintf(name, sizeof(name), "fastack_steer%u_%u", ring_serial, i);
		rings[i] =
		    rte_ring_create(name, size, SOCKET_ID_ANY, RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (!rings[i]) {
			LOG_ERR("stack %u: cannot create its ring of %u frames: %s", i, size,
			        rte_strerror(rte_errno));
			while (i-- > 0)
				rte_ring_free(rings[i]);
			return -ENOMEM;
		}
	}
	ring_serial++;
	for (unsigned i = 0; i < n; i++) {
		struct stack_steer *st = &stacks[i]->steer;

		/* Proxy ports learn their stack. */
		for (unsigned k = 0; k < stacks[i]->nports; k++)
			for (struct port *q = stacks[i]->ports[k]; q; q = q->lower)
				if (q->ops == &proxy_ops)
					((struct proxy_priv *)q->priv)->s = stacks[i];

		st->n = n;
		for (unsigned k = 0; k < n; k++)
			st->ring[k] = rings[k];
	}
	return 0;
}

void steer_unlink(struct stack *const *stacks, unsigned n)
{
	struct rte_ring *rings[STEER_MAX] = { 0 };
	void *m;

	for (unsigned i = 0; i < n && i < STEER_MAX; i++) {
		for (unsigned k = 0; k < stacks[i]->nports; k++)
			for (struct port *q = stacks[i]->ports[k]; q; q = q->lower)
				if (q->ops == &proxy_ops)
					((struct proxy_priv *)q->priv)->s = NULL;
		rings[i] = stacks[i]->steer.ring[i];
		stacks[i]->steer.n = 0;
		memset(stacks[i]->steer.ring, 0, sizeof(stacks[i]->steer.ring));
	}
	for (unsigned i = 0; i < n && i < STEER_MAX; i++) {
		if (!rings[i])
			continue;
		while (rte_ring_dequeue(rings[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(rings[i]);
	}
}

/* Gives m to stack `to` as `kind`; false (m freed) when its ring is full or
 * the stacks are not linked (the caller counts). */
static bool steer_put(struct stack *s, unsigned to, uint16_t kind, uint16_t index,
                      struct rte_mbuf *m)
{
	struct rte_ring *r = to < s->steer.n ? s->steer.ring[to] : NULL;

	if (unlikely(!r)) {
		STAT_INC(s, rss, rss_unlinked);
		rte_pktmbuf_free(m);
		return false;
	}
	m->port = (uint16_t)(kind | (index & STEER_PORT_MASK));
	if (unlikely(rte_ring_enqueue(r, m) != 0)) {
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

/* ARP: every other stack gets a copy from this stack's pool. */
static void steer_copy_all(struct stack *s, struct port *p, struct rte_mbuf *m)
{
	for (unsigned k = 0; k < s->steer.n; k++) {
		struct rte_mbuf *c;

		if (k == s->id)
			continue;
		c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
		if (!c) {
			STAT_INC(s, rss, rss_copy_nomem);
			continue;
		}
		if (steer_put(s, k, STEER_COPY, p->index, c))
			STAT_INC(s, rss, rss_copies);
		else
			STAT_INC(s, rss, rss_ring_full);
	}
}

bool steer_rx(struct stack *s, struct port *p, struct rte_mbuf *m)
{
	int o = rss_frame_owner(p->rss, m, p->rss->soft);

	if (o == RSS_OWNER_HERE || o == (int)s->id)
		return false;
	if (o == RSS_OWNER_ALL) {
		steer_copy_all(s, p, m);
		return false;
	}
	if (steer_put(s, (unsigned)o, STEER_RX, p->index, m))
		STAT_INC(s, rss, rss_handed_out);
	else
		STAT_INC(s, rss, rss_ring_full);
	return true;
}

/* Processes one burst taken from the ring; returns the frames received
 * (TX frames are sent on, not counted). */
static unsigned steer_burst(struct stack *s, void **objs, unsigned n, unsigned *tx_ports)
{
	unsigned rx = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];
		uint16_t kind = m->port & STEER_KIND_MASK, idx = m->port & STEER_PORT_MASK;

		if (unlikely(idx >= s->nports)) { /* the stacks' ports differ: a bug */
			STAT_INC(s, rss, rss_unlinked);
			rte_pktmbuf_free(m);
			continue;
		}
		if (kind == STEER_TX) {
			/* On the device port itself, below any wrapper: the
			 * sender's wrappers have seen the frame already. */
			struct port *b = s->ports[idx];

			while (b->lower)
				b = b->lower;
			port_tx(b, m);
			*tx_ports |= 1u << idx;
			continue;
		}
		rx++;
		if (kind == STEER_COPY) {
			STAT_INC(s, rss, rss_copies_in);
			s->steer.rx_copy = true;
			eth_input(s, s->ports[idx], m);
			s->steer.rx_copy = false;
		} else {
			STAT_INC(s, rss, rss_handed_in);
			eth_input(s, s->ports[idx], m);
		}
	}
	return rx;
}

unsigned steer_drain(struct stack *s)
{
	struct rte_ring *r = s->steer.ring[s->id];
	void *objs[STACK_RX_BURST];
	unsigned n, rx = 0, tx_ports = 0;

	if (unlikely(!r))
		return 0;
	/* Up to STEER_DRAIN_BURSTS bursts a pass: a stack that receives or
	 * sends for several others gets that many frames per pass. */
	for (unsigned b = 0; b < STEER_DRAIN_BURSTS; b++) {
		n = rte_ring_dequeue_burst(r, objs, STACK_RX_BURST, NULL);
		if (!n)
			break;
		rx += steer_burst(s, objs, n, &tx_ports);
	}
	for (unsigned i = 0; tx_ports; i++, tx_ports >>= 1) {
		struct port *b = s->ports[i];

		if (!(tx_ports & 1))
			continue;
		while (b->lower)
			b = b->lower;
		port_tx_flush(b);
	}
	return rx;
}

const struct port_rss *steer_rss_to(struct stack *s, uint32_t faddr)
{
	struct netif *ifp;

	if (s->steer.n <= 1)
		return NULL;
	ifp = ip4_output_netif(s, faddr);
	return ifp && ifp->port ? ifp->port->rss : NULL;
}

bool steer_flow_mine(const struct stack *s, const struct port_rss *r, uint32_t laddr,
                     uint32_t faddr, uint16_t lport, uint16_t fport)
{
	return !r || rss_stack_v4(r, faddr, laddr, fport, lport) == s->id;
}

/* ---- the proxy port of a stack without a queue ---- */

static uint16_t proxy_rx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	(void)p;
	(void)pkts;
	(void)n;
	return 0;
}

static uint16_t proxy_tx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct proxy_priv *pp = p->priv;
	struct stack *s = pp->s;

	if (unlikely(!s))
		return 0; /* not linked: port_tx_flush frees and counts */
	for (uint16_t i = 0; i < n; i++) {
		if (steer_put(s, pp->owner, STEER_TX, p->index, pkts[i]))
			STAT_INC(s, rss, rss_tx_proxied);
		else
			STAT_INC(s, rss, rss_tx_ring_full);
	}
	return n; /* every frame taken: queued, or freed and counted */
}

static void proxy_close(struct port *p)
{
	if (p->lower)
		port_close(p->lower);
	port_free(p);
}

static const struct port_ops proxy_ops = { proxy_rx, proxy_tx, proxy_close };

struct port *steer_proxy_wrap(struct port *lower, unsigned owner)
{
	struct port *p = port_alloc(&proxy_ops, lower->name, sizeof(struct proxy_priv));
	struct proxy_priv *pp;

	if (!p)
		return NULL;
	pp = p->priv;
	pp->owner = owner;
	p->lower = lower;
	p->mac = lower->mac;
	p->mtu = lower->mtu;
	p->offloads = lower->offloads;
	p->rss = lower->rss;
	return p;
}
