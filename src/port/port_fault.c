/* port_fault.c: the fault-injecting wrapper (see port_fault.h for what it
 * does; this file is how).
 *
 * Per direction (RX, TX) the wrapper keeps a PRNG and two hold queues:
 * `delay` (due = arrival + delay) and `reorder` (due = arrival + 2 * delay or
 * 1 ms).  Each is a FIFO whose due times never decrease, because the clock
 * does not go back and the hold time of a queue is fixed; releasing due
 * frames is therefore a merge of two queue heads.  RX has a third queue,
 * `ready`, of frames waiting for room in the caller's burst array
 * (duplicates and released frames can outnumber what one burst returns).
 *
 * fault_frame() draws the same FAULT_DRAWS random values for every frame,
 * used or not (loss, dup, and corrupt/bit/reorder for the original and for a
 * duplicate that may not exist), so the stream stays aligned whatever is
 * configured and whatever happened to earlier frames.
 */
#include "port/port_fault.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include <rte_common.h>

#include "base/pkt.h"
#include "port/port_priv.h"

enum { FAULT_RX = 0, FAULT_TX = 1 };

#define FAULT_REORDER_MIN_NS 1000000ull /* reorder hold without delay: 1 ms */
#define FAULT_TX_CHUNK 32
/* Random values per frame: loss, dup, then (corrupt, bit position,
 * reorder) for the original and for a possible duplicate. */
#define FAULT_DRAWS 8

struct fault_side {
	uint64_t rng;        /* splitmix64 state */
	struct pktq delay;   /* held for delay_ns */
	struct pktq reorder; /* held for hold_ns: later frames overtake */
	struct pktq ready;   /* RX: released, waiting for the caller */
	bool on;             /* faults apply in this direction */
};

struct fault_priv {
	struct fault_cfg cfg;
	uint64_t delay_ns, hold_ns;
	uint32_t hold_max;
	struct fault_side side[2];
};

/* splitmix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number
 * generators", OOPSLA 2014). */
static uint64_t fault_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability prob, from one random value. */
static bool fault_chance(uint64_t r, double prob)
{
	return prob > 0 && (double)(r >> 11) * 0x1.0p-53 < prob;
}

/* Flips bit (r & 7) of byte (r >> 3) % pkt_len. */
static void fault_flip(struct rte_mbuf *m, uint64_t r)
{
	uint32_t off = (uint32_t)((r >> 3) % m->pkt_len);
	struct rte_mbuf *seg = m;

	while (seg && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg) /* NULL only for a chain shorter than its pkt_len */
		rte_pktmbuf_mtod(seg, uint8_t *)[off] ^= (uint8_t)(1u << (r & 7));
}

/* Corrupts *m in place (or a private copy of it).  False when it could not
 * (empty frame, no mbuf for the copy). */
static bool fault_corrupt(struct rte_mbuf **m, unsigned dir, uint64_t r)
{
	if ((*m)->pkt_len == 0 || port_mbuf_own(m) < 0)
		return false;
	if (dir == FAULT_TX) {
		if ((*m)->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK))
			port_sw_tx_cksum(*m);
	} else {
		port_rx_cksum_forget(*m);
	}
	fault_flip(*m, r);
	return true;
}

static unsigned fault_nheld(const struct fault_side *d)
{
	return d->delay.n + d->reorder.n;
}

/* Corrupt / reorder / delay one copy of a frame: it ends in a hold queue or
 * in out (to go now). */
static void fault_place(struct port *p, struct fault_priv *fp, unsigned dir, struct rte_mbuf *m,
                        uint64_t now, const uint64_t r[3], struct pktq *out)
{
	struct fault_side *d = &fp->side[dir];
	uint64_t r_corrupt = r[0], r_pos = r[1], r_reorder = r[2];
	struct pktq *q;
	uint64_t due;

	if (fault_chance(r_corrupt, fp->cfg.corrupt) && fault_corrupt(&m, dir, r_pos))
		p->stats->fault_corrupted++;
	if (fault_chance(r_reorder, fp->cfg.reorder)) {
		q = &d->reorder;
		due = now + fp->hold_ns;
	} else if (fp->delay_ns) {
		q = &d->delay;
		due = now + fp->delay_ns;
	} else {
		pktq_push(out, m);
		return;
	}
	if (fault_nheld(d) >= fp->hold_max) {
		p->stats->fault_overflow++;
		rte_pktmbuf_free(m);
		return;
	}
	if (q == &d->reorder)
		p->stats->fault_reordered++;
	else
		p->stats->fault_delayed++;
	pkt_meta(m)->time = due;
	pktq_push(q, m);
}

static void fault_frame(struct port *p, struct fault_priv *fp, unsigned dir, struct rte_mbuf *m,
                        uint64_t now, struct pktq *out)
{
	struct fault_side *d = &fp->side[dir];
	uint64_t r[FAULT_DRAWS];
	struct rte_mbuf *copy = NULL;

	for (unsigned i = 0; i < FAULT_DRAWS; i++)
		r[i] = fault_rand(&d->rng);

	if (fault_chance(r[0], fp->cfg.loss)) {
		p->stats->fault_lost++;
		p->stats->fault_lost_bytes += rte_pktmbuf_pkt_len(m);
		rte_pktmbuf_free(m);
		return;
	}
	if (fault_chance(r[1], fp->cfg.dup)) {
		copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (copy)
			p->stats->fault_duplicated++;
	}
	fault_place(p, fp, dir, m, now, r + 2, out);
	if (copy)
		fault_place(p, fp, dir, copy, now, r + 5, out);
}

/* Moves every held frame due by now to out, earliest first. */
static void fault_release(struct fault_side *d, uint64_t now, struct pktq *out)
{
	for (;;) {
		struct rte_mbuf *a = d->delay.head, *b = d->reorder.head;
		uint64_t ta = a ? pkt_meta(a)->time : UINT64_MAX;
		uint64_t tb = b ? pkt_meta(b)->time : UINT64_MAX;

		if (a && ta <= now && ta <= tb)
			pktq_push(out, pktq_pop(&d->delay));
		else if (b && tb <= now)
			pktq_push(out, pktq_pop(&d->reorder));
		else
			break;
	}
}

/* Sends everything in out through the port below; frees and counts what it
 * refuses. */
static void fault_tx_out(struct port *p, struct pktq *out)
{
	struct port *lower = p->lower;
	struct rte_mbuf *burst[FAULT_TX_CHUNK];

	while (out->n) {
		uint16_t n = 0, done = 0, k;

		while (n < FAULT_TX_CHUNK && out->n)
			burst[n++] = pktq_pop(out);
		do {
			k = lower->ops->tx_burst(lower, burst + done, (uint16_t)(n - done));
			done = (uint16_t)(done + k);
		} while (k > 0 && done < n);
		for (uint16_t i = done; i < n; i++)
			rte_pktmbuf_free(burst[i]);
		p->stats->tx_dropped += (uint64_t)(n - done);
	}
}

static void fault_tx_release(struct port *p, struct fault_priv *fp, uint64_t now)
{
	struct fault_side *d = &fp->side[FAULT_TX];
	struct pktq out;

	if (!d->on || fault_nheld(d) == 0)
		return;
	pktq_init(&out);
	fault_release(d, now, &out);
	fault_tx_out(p, &out);
}

static uint16_t fault_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct fault_priv *fp = p->priv;
	struct fault_side *d = &fp->side[FAULT_RX];
	struct port *lower = p->lower;
	uint64_t now = *p->now;
	struct rte_mbuf *m;
	uint16_t out = 0;

	port_lower_sync(p);
	fault_tx_release(p, fp, now);
	if (!d->on)
		return lower->ops->rx_burst(lower, pkts, n);
	fault_release(d, now, &d->ready);
	if (d->ready.n < n) {
		uint16_t k = lower->ops->rx_burst(lower, pkts, (uint16_t)(n - d->ready.n));

		for (uint16_t i = 0; i < k; i++)
			fault_frame(p, fp, FAULT_RX, pkts[i], now, &d->ready);
	}
	while (out < n && (m = pktq_pop(&d->ready)) != NULL)
		pkts[out++] = m;
	return out;
}

static uint16_t fault_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct fault_priv *fp = p->priv;
	struct fault_side *d = &fp->side[FAULT_TX];
	uint64_t now = *p->now;
	struct pktq out;

	port_lower_sync(p);
	if (!d->on)
		return p->lower->ops->tx_burst(p->lower, pkts, n);
	pktq_init(&out);
	fault_release(d, now, &out); /* sent earlier: they go first */
	for (uint16_t i = 0; i < n; i++)
		fault_frame(p, fp, FAULT_TX, pkts[i], now, &out);
	fault_tx_out(p, &out);
	return n;
}

static void fault_close(struct port *p)
{
	struct fault_priv *fp = p->priv;

	for (unsigned i = 0; i < 2; i++) {
		pktq_free(&fp->side[i].delay);
		pktq_free(&fp->side[i].reorder);
		pktq_free(&fp->side[i].ready);
	}
	port_close(p->lower);
	port_free(p);
}

static const struct port_ops fault_ops = {
	.rx_burst = fault_rx_burst,
	.tx_burst = fault_tx_burst,
	.close = fault_close,
};

static bool fault_prob_ok(double x)
{
	return !isnan(x) && x >= 0 && x <= 1;
}

struct port *port_fault_wrap(struct port *lower, const struct fault_cfg *f)
{
	struct fault_priv *fp;
	struct port *p;

	if (!lower || !f || !fault_prob_ok(f->loss) || !fault_prob_ok(f->dup) ||
	    !fault_prob_ok(f->reorder) || !fault_prob_ok(f->corrupt) ||
	    (f->dir != FAULT_DIR_BOTH && f->dir != FAULT_DIR_RX && f->dir != FAULT_DIR_TX)) {
		errno = EINVAL;
		return NULL;
	}
	p = port_alloc(&fault_ops, lower->name, sizeof(*fp));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	fp = p->priv;
	fp->cfg = *f;
	fp->delay_ns = (uint64_t)f->delay_us * 1000u;
	fp->hold_ns = f->delay_us ? 2 * fp->delay_ns : FAULT_REORDER_MIN_NS;
	fp->hold_max = PORT_FAULT_HOLD_MAX;
	for (unsigned i = 0; i < 2; i++) {
		struct fault_side *d = &fp->side[i];

		/* Distinct streams per direction from one seed. */
		d->rng = f->seed ^ (i == FAULT_TX ? 0x6a09e667f3bcc909ull : 0);
		pktq_init(&d->delay);
		pktq_init(&d->reorder);
		pktq_init(&d->ready);
	}
	fp->side[FAULT_RX].on = f->dir != FAULT_DIR_TX;
	fp->side[FAULT_TX].on = f->dir != FAULT_DIR_RX;
	p->lower = lower;
	p->mac = lower->mac;
	p->mtu = lower->mtu;
	p->offloads = lower->offloads;
	return p;
}

void port_fault_poll(struct port *p)
{
	if (p->ops != &fault_ops)
		return;
	port_lower_sync(p);
	fault_tx_release(p, p->priv, *p->now);
}

void port_fault_set_hold_max(struct port *p, uint32_t n)
{
	if (p->ops == &fault_ops)
		((struct fault_priv *)p->priv)->hold_max = n;
}

unsigned port_fault_held(const struct port *p)
{
	const struct fault_priv *fp = p->priv;

	if (p->ops != &fault_ops)
		return 0;
	return fault_nheld(&fp->side[0]) + fault_nheld(&fp->side[1]) + fp->side[0].ready.n;
}
