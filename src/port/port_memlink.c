/* port_memlink.c: the in-memory link (see port_memlink.h).
 *
 * Design: struct memlink is shared by the two ends and holds one ring per
 * direction: ring[i] carries frames towards end i.  End i transmits into
 * ring[1 - i] and receives from ring[i].  The rings are single-producer and
 * single-consumer, so each end may run in its own thread.
 *
 * Closing: an end marks itself closed (the peer then refuses to send to it)
 * and drops its reference; the last reference drains both rings, so a frame
 * enqueued while the other end was closing is not lost to a leak.
 */
#include "port/port_memlink.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "port/port_priv.h"

#define MEMLINK_MAX_CAPACITY (1u << 24)
/* Largest frame accepted on receive beyond the MTU: Ethernet header and one
 * 802.1Q tag (no FCS on this link). */
#define MEMLINK_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 4)

struct memlink {
	struct rte_ring *ring[2]; /* ring[i]: frames towards end i */
	int refs;                 /* ends not yet closed (atomic) */
	bool closed[2];           /* end i closed (atomic) */
	port_memlink_tap_fn tap;  /* see port_memlink_set_tap */
	void *tap_arg;
};

struct memlink_end {
	struct memlink *link;
	unsigned side; /* 0 (a) or 1 (b) */
};

static void memlink_drain(struct rte_ring *r)
{
	struct rte_mbuf *m[32];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(r, (void **)m, RTE_DIM(m), NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
}

static uint16_t memlink_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct memlink_end *e = p->priv;
	uint32_t max_len = (uint32_t)p->mtu + MEMLINK_L2_OVERHEAD;
	unsigned k, i, out = 0;

	k = rte_ring_dequeue_burst(e->link->ring[e->side], (void **)pkts, n, NULL);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->pkt_len > max_len) {
			p->stats->rx_oversize++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* Fresh metadata, as from a NIC. */
		m->ol_flags = 0;
		m->packet_type = 0;
		m->tx_offload = 0;
		m->vlan_tci = 0;
		m->vlan_tci_outer = 0;
		m->hash.rss = 0;
		m->port = p->index;
		if (p->offloads & (PORT_OFF_RX_IPV4_CKSUM | PORT_OFF_RX_L4_CKSUM))
			port_sw_rx_cksum(m, p->offloads);
		pkts[out++] = m;
	}
	return (uint16_t)out;
}

static uint16_t memlink_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct memlink_end *e = p->priv;
	struct rte_ring *r = e->link->ring[1 - e->side];
	const uint64_t cksum_req = RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK;
	unsigned room, i;

	if (__atomic_load_n(&e->link->closed[1 - e->side], __ATOMIC_ACQUIRE))
		return 0;
	room = rte_ring_free_count(r);
	if (n > room)
		n = (uint16_t)room;
	for (i = 0; i < n; i++) {
		/* The receiver may write into what it gets: hand over only frames
		 * nobody else references (pkts[i] is replaced by a copy if not). */
		if (port_mbuf_own(&pkts[i]) < 0)
			break;
		if (pkts[i]->ol_flags & cksum_req) {
			if (!(p->offloads & PORT_OFF_TX_IPV4_CKSUM))
				pkts[i]->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
			if (!(p->offloads & PORT_OFF_TX_TCP_CKSUM) &&
			    (pkts[i]->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM)
				pkts[i]->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
			if (!(p->offloads & PORT_OFF_TX_UDP_CKSUM) &&
			    (pkts[i]->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM)
				pkts[i]->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
			port_sw_tx_cksum(pkts[i]);
		}
	}
	if (e->link->tap)
		for (unsigned j = 0; j < i; j++)
			e->link->tap(e->link->tap_arg, e->side, pkts[j]);
	return (uint16_t)rte_ring_enqueue_burst(r, (void **)pkts, i, NULL);
}

void port_memlink_set_tap(struct port *p, port_memlink_tap_fn fn, void *arg)
{
	struct memlink_end *e = p->priv;

	e->link->tap = fn;
	e->link->tap_arg = arg;
}

static void memlink_close(struct port *p)
{
	struct memlink_end *e = p->priv;
	struct memlink *l = e->link;

	__atomic_store_n(&l->closed[e->side], true, __ATOMIC_RELEASE);
	memlink_drain(l->ring[e->side]);
	if (__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		memlink_drain(l->ring[0]);
		memlink_drain(l->ring[1]);
		rte_free(l->ring[0]);
		rte_free(l->ring[1]);
		rte_free(l);
	}
	port_free(p);
}

static const struct port_ops memlink_ops = {
	.rx_burst = memlink_rx_burst,
	.tx_burst = memlink_tx_burst,
	.close = memlink_close,
};

static struct rte_ring *memlink_ring(uint32_t capacity)
{
	uint32_t size = rte_align32pow2(capacity + 1);
	ssize_t bytes = rte_ring_get_memsize(size);
	struct rte_ring *r;

	if (bytes < 0)
		return NULL;
	r = rte_zmalloc("fastack_memlink_ring", (size_t)bytes, RTE_CACHE_LINE_SIZE);
	if (!r)
		return NULL;
	if (rte_ring_init(r, "memlink", capacity, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ) <
	    0) {
		rte_free(r);
		return NULL;
	}
	return r;
}

int port_memlink_pair(struct port **a, struct port **b, const struct rte_ether_addr *mac_a,
                      const struct rte_ether_addr *mac_b, uint32_t capacity)
{
	const struct rte_ether_addr *macs[2] = { mac_a, mac_b };
	static const char *const names[2] = { "memlink.a", "memlink.b" };
	struct port *ends[2] = { NULL, NULL };
	struct memlink *l;
	unsigned i;

	if (!a || !b || !mac_a || !mac_b || capacity == 0 || capacity > MEMLINK_MAX_CAPACITY)
		return -EINVAL;
	l = rte_zmalloc("fastack_memlink", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (!l)
		return -ENOMEM;
	l->ring[0] = memlink_ring(capacity);
	l->ring[1] = memlink_ring(capacity);
	if (!l->ring[0] || !l->ring[1])
		goto nomem;
	for (i = 0; i < 2; i++) {
		struct memlink_end *e;

		ends[i] = port_alloc(&memlink_ops, names[i], sizeof(*e));
		if (!ends[i])
			goto nomem;
		e = ends[i]->priv;
		e->link = l;
		e->side = i;
		ends[i]->mac = *macs[i];
	}
	l->refs = 2;
	*a = ends[0];
	*b = ends[1];
	return 0;
nomem:
	port_free(ends[0]);
	rte_free(l->ring[0]);
	rte_free(l->ring[1]);
	rte_free(l);
	return -ENOMEM;
}

void port_memlink_set_offloads(struct port *p, uint32_t offloads)
{
	if (p->ops != &memlink_ops)
		return;
	p->offloads = offloads & PORT_MEMLINK_OFFLOADS;
}

unsigned port_memlink_pending(const struct port *p)
{
	const struct memlink_end *e = p->priv;

	if (p->ops != &memlink_ops)
		return 0;
	return rte_ring_count(e->link->ring[e->side]);
}
