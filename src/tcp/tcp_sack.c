/* tcp_sack.c: selective acknowledgements (RFC 2018) and the loss-recovery
 * scoreboard (RFC 6675).
 *
 * Sender: the scoreboard is a sorted array of disjoint SACKed ranges above
 * SND.UNA (allocated on the first SACK block, net.inet.tcp.sack.maxholes
 * entries; when full, the block nearest the top is dropped, which only
 * costs a spurious retransmission).  Every ACK trims it to SND.UNA; blocks
 * outside (SND.UNA, SND.MAX] and D-SACK blocks (RFC 2883) below SND.UNA
 * are ignored; one inside a block already known (a D-SACK of SACKed data)
 * changes nothing.  tcp_sack_update says whether an ACK told anything new,
 * which is what makes it a duplicate ACK under RFC 6675 (tcp_input.c).
 * The holes are the gaps between SND.UNA and the highest
 * SACKed byte; all of them are taken as lost once recovery starts (as
 * FreeBSD does, a simplification of RFC 6675 IsLost()).  rxmit_hi marks how
 * far holes have been retransmitted in this episode, so
 *
 *   pipe = (SND.MAX - highest SACKed) + retransmitted bytes still in holes
 *
 * and NextSeg() is the first hole byte at or above rxmit_hi.
 *
 * Lost retransmissions (an extension in the spirit of RFC 8985 section
 * 6.2, ordered by transmission rather than by time): fence is SND.MAX when
 * the latest hole was retransmitted.  Once the peer SACKs data above the
 * fence, everything retransmitted before it should have arrived; holes
 * still open below rxmit_hi were lost again, so rxmit_hi goes back to
 * SND.UNA and they are sent once more, without waiting for the RTO.  (With
 * reordering this may retransmit spuriously; the window is not reduced
 * again within the episode.)
 *
 * Receiver: the blocks to report come from the out-of-order queue; the
 * first one holds the most recently received segment (RFC 2018 section 4).
 */
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"

void tcp_sack_clear(struct tcpcb *tp)
{
	if (tp->sack) {
		tp->sack->n = 0;
		tp->sack->sacked = 0;
		tp->sack->rxmit_hi = tp->snd_una;
		tp->sack->fence_set = false;
	}
}

static void recount(struct tcp_sack *sk)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < sk->n; i++)
		sum += sk->blk[i].end - sk->blk[i].start;
	sk->sacked = sum;
}

/* Adds [start, end) to the scoreboard; false if it was all SACKed already. */
static bool insert_block(struct tcp_sack *sk, uint32_t start, uint32_t end)
{
	unsigned i = 0, j;

	/* Find the first block that ends at or after start. */
	while (i < sk->n && SEQ_LT(sk->blk[i].end, start))
		i++;
	if (i < sk->n && SEQ_LEQ(sk->blk[i].start, start) && SEQ_LEQ(end, sk->blk[i].end))
		return false;
	/* Merge every block overlapping or touching [start, end). */
	j = i;
	while (j < sk->n && SEQ_LEQ(sk->blk[j].start, end)) {
		start = SEQ_MIN(start, sk->blk[j].start);
		end = SEQ_MAX(end, sk->blk[j].end);
		j++;
	}
	if (j > i) {
		sk->blk[i].start = start;
		sk->blk[i].end = end;
		memmove(&sk->blk[i + 1], &sk->blk[j], (sk->n - j) * sizeof(sk->blk[0]));
		sk->n = (uint16_t)(sk->n - (j - i - 1));
		return true;
	}
	if (sk->n == sk->max) {
		if (i == sk->n)
			return false; /* above everything and no room: forget it */
		sk->n--;              /* drop the top block */
	}
	memmove(&sk->blk[i + 1], &sk->blk[i], (sk->n - i) * sizeof(sk->blk[0]));
	sk->blk[i].start = start;
	sk->blk[i].end = end;
	sk->n++;
	return true;
}

bool tcp_sack_update(struct stack *s, struct tcpcb *tp, const struct tcp_opts *o)
{
	struct tcp_sack *sk = tp->sack;
	bool news = false;
	unsigned i;

	if (!sk && (o->present & TOF_SACK) && o->nsack) {
		unsigned max = (unsigned)KNOB(s, TCP_SACK_MAXBLOCKS);

		sk = calloc(1, sizeof(*sk) + max * sizeof(sk->blk[0]));
		if (!sk)
			return true; /* cannot judge: count it (RFC 5681) */
		sk->max = (uint16_t)max;
		sk->rxmit_hi = tp->snd_una;
		tp->sack = sk;
	}
	if (!sk)
		return false;
	/* Trim to SND.UNA. */
	for (i = 0; i < sk->n && SEQ_LEQ(sk->blk[i].end, tp->snd_una); i++)
		;
	if (i) {
		memmove(&sk->blk[0], &sk->blk[i], (sk->n - i) * sizeof(sk->blk[0]));
		sk->n = (uint16_t)(sk->n - i);
	}
	if (sk->n && SEQ_LT(sk->blk[0].start, tp->snd_una))
		sk->blk[0].start = tp->snd_una;
	if (SEQ_LT(sk->rxmit_hi, tp->snd_una))
		sk->rxmit_hi = tp->snd_una;
	if (o->present & TOF_SACK) {
		for (i = 0; i < o->nsack; i++) {
			uint32_t st = o->sack[i].start, en = o->sack[i].end;

			STAT_INC(s, tcp, tcps_sack_rcv_blocks);
			if (!SEQ_LT(st, en) || SEQ_LEQ(en, tp->snd_una) || SEQ_GT(en, tp->snd_max))
				continue; /* D-SACK or bogus: tolerated, ignored */
			if (SEQ_LT(st, tp->snd_una))
				st = tp->snd_una;
			news |= insert_block(sk, st, en);
		}
	}
	recount(sk);
	if (sk->fence_set && sk->n && (tp->t_flags & TF_FASTRECOVERY) &&
	    SEQ_GT(sk->blk[sk->n - 1].end, sk->fence) && SEQ_GT(sk->rxmit_hi, tp->snd_una) &&
	    SEQ_LT(tp->snd_una, sk->blk[0].start)) {
		STAT_INC(s, tcp, tcps_sack_lostrexmt);
		sk->rxmit_hi = tp->snd_una;
		sk->fence_set = false;
	}
	return news;
}

void tcp_sack_rexmitted(struct tcpcb *tp, uint32_t end)
{
	if (!tp->sack)
		return;
	tp->sack->rxmit_hi = end;
	tp->sack->fence = tp->snd_max;
	tp->sack->fence_set = true;
}

uint32_t tcp_sack_pipe(const struct tcpcb *tp)
{
	const struct tcp_sack *sk = tp->sack;
	uint32_t fack, rex = 0, prev;

	if (!sk || sk->n == 0)
		return tp->snd_max - tp->snd_una;
	fack = sk->blk[sk->n - 1].end;
	prev = tp->snd_una;
	for (unsigned i = 0; i < sk->n; i++) {
		/* hole [prev, blk.start), retransmitted up to rxmit_hi */
		uint32_t hend = sk->blk[i].start;
		uint32_t r = SEQ_MIN(hend, sk->rxmit_hi);

		if (SEQ_GT(r, prev))
			rex += r - prev;
		prev = sk->blk[i].end;
	}
	return (tp->snd_max - fack) + rex;
}

int tcp_sack_nextseg(struct tcpcb *tp, uint32_t *seq, uint32_t *len)
{
	const struct tcp_sack *sk = tp->sack;
	uint32_t prev = tp->snd_una;

	if (!sk)
		return -1;
	for (unsigned i = 0; i < sk->n; i++) {
		uint32_t from = SEQ_MAX(prev, sk->rxmit_hi);

		if (SEQ_LT(from, sk->blk[i].start)) {
			*seq = from;
			*len = sk->blk[i].start - from;
			return 0;
		}
		prev = sk->blk[i].end;
	}
	return -1;
}

/* The SACK blocks of an ACK (RFC 2018 section 4, as FreeBSD's
 * tcp_update_sack_list orders them): first the block holding the segment
 * that triggered the ACK (the latest out-of-order arrival, or the block
 * holding a duplicate, RFC 2883 4.1.2), then the blocks reported most
 * recently, in the order they were reported (a block that has since grown
 * or merged is the one holding what was reported), then any other block in
 * sequence order.  The blocks come from the reassembly queue itself, so
 * none is ever stale or a subset of another.  The order sent is remembered
 * for the next ACK. */
unsigned tcp_sack_blocks(struct tcpcb *tp, struct tcp_sack_block *b, unsigned max)
{
	struct tcp_sack_block all[TCP_MAX_SACK * 4];
	bool used[TCP_MAX_SACK * 4] = { false };
	unsigned n = 0, out = 0;
	const struct rte_mbuf *m = tp->reass;

	/* Contiguous ranges of the out-of-order queue. */
	while (m && n < ARRAY_SIZE(all)) {
		uint32_t st = (uint32_t)pkt_meta((struct rte_mbuf *)(uintptr_t)m)->time;
		uint32_t en = st + m->pkt_len;

		if (n && all[n - 1].end == st)
			all[n - 1].end = en;
		else {
			all[n].start = st;
			all[n].end = en;
			n++;
		}
		m = pkt_meta((struct rte_mbuf *)(uintptr_t)m)->nextpkt;
	}
	for (unsigned h = 0; h <= tp->rcv_sack_nhist && out < max; h++) {
		/* h == 0: the latest arrival; then the history. */
		uint32_t a = h == 0 ? tp->rcv_sack_start : tp->rcv_sack_hist[h - 1];
		uint32_t z = h == 0 ? tp->rcv_sack_end : a + 1;

		for (unsigned i = 0; i < n; i++)
			if (!used[i] && SEQ_LEQ(all[i].start, a) && SEQ_GEQ(all[i].end, z)) {
				used[i] = true;
				b[out++] = all[i];
				break;
			}
	}
	for (unsigned i = 0; i < n && out < max; i++)
		if (!used[i])
			b[out++] = all[i];
	tp->rcv_sack_nhist = (uint8_t)RTE_MIN(out, (unsigned)TCP_MAX_SACK);
	for (unsigned i = 0; i < tp->rcv_sack_nhist; i++)
		tp->rcv_sack_hist[i] = b[i].start;
	return out;
}
