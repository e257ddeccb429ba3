/* tcp_rack.c: RACK-TLP loss detection (RFC 8985) and D-SACK based undo
 * (RFC 3708), the loss recovery of net.inet.tcp.functions_default=rack
 * (FreeBSD's RACK stack, tcp_rack(4); Linux's default).  A connection
 * without SACK keeps FreeBSD's DupThresh recovery (so does FreeBSD, which
 * hands such a connection back to its base stack).
 *
 * The send map: one record per transmitted segment of data, in sequence
 * order over [SND.UNA, SND.MAX), with the stack's time (s->now) of its
 * latest transmission and whether it was SACKed, retransmitted, or is
 * taken as lost and waits to go again.  Records live in one array (live
 * ones at [off, off + n)); an ACK drops them from the front, a
 * retransmission of part of one splits it.
 *
 * RACK (RFC 8985 section 6.2), on every acceptable ACK:
 *   - each segment delivered now (cumulatively ACKed or SACKed, not
 *     before) updates RACK.xmit_ts/end_seq/rtt when it was sent later than
 *     the one recorded; a retransmitted one only when the delivery cannot
 *     be the original's (the timestamp echo is not older than the
 *     retransmission, and the RTT is not below min_RTT: step 2);
 *   - a segment delivered below the highest SACKed sequence (RACK.fack)
 *     that was never retransmitted shows reordering; so does a D-SACK;
 *   - the reordering window is 0 while no reordering was seen and the
 *     connection is recovering or has DupThresh (3) segments SACKed, else
 *     (min_RTT >> net.inet.tcp.rack.reorder_thresh) * reo_wnd_mult, at most
 *     SRTT, plus net.inet.tcp.rack.pkt_delay (FreeBSD's slop);
 *     reo_wnd_mult grows by one per round trip with a D-SACK and falls
 *     back to 1 after 16 recoveries without one (section 6.2 step 4);
 *   - a segment sent before the most recently delivered one (time, then
 *     sequence, as the tie-break) is lost once RACK.rtt + reo_wnd has
 *     passed since it left; one that is not yet is waited for by the
 *     reordering timer, armed for the earliest such deadline (the RFC arms
 *     it for the latest; the earliest recovers sooner).
 * Segments found lost start a recovery episode (one congestion response
 * per episode: none while SND.UNA is below the point of the last one, as
 * RFC 6582); the first of them goes at once (RFC 6675 section 5 (4.3)),
 * the others are sent again before new data, as the pipe (flight - SACKed - lost)
 * leaves room in cwnd (tcp_output.c); new data follows under the same
 * pipe rule in or out of recovery, so a SACKed segment makes room at once
 * (limited transmit's job).
 *
 * TLP (section 7) is tcp_subr.c's probe timer and tcp_output.c's probe,
 * always on here: a probe's delivery makes what was sent a PTO before it
 * lost by the rule above, so a tail loss is repaired by fast recovery,
 * not by the RTO.  An RTO (section 6.3) marks every segment not SACKed
 * lost and keeps the scoreboard: cwnd restarts at one segment and the
 * lost ones go again in order, never a SACKed one (FreeBSD's base stack
 * goes back N instead).
 *
 * Undo (RFC 3708, as Linux and FreeBSD's RACK): the episode's congestion
 * response is recorded (cwnd, ssthresh, the congestion control state);
 * each retransmission in the episode counts one, each D-SACK of data
 * above the episode's start takes away the segments it covers; when none
 * is left (every retransmission arrived twice: nothing was lost) and no
 * segment waits as lost, cwnd, ssthresh and CUBIC's W_max/epoch are
 * restored and the episode ends (tcps_dsack_undo).  A D-SACK of data still
 * on the map counts only if that data was resent.  A segment taken as
 * lost that is ACKed or SACKed before it went again is the same evidence
 * (an episode may end that way with no retransmission at all).  A D-SACK below
 * SND.UNA cannot be told from one for a duplicate made by the network;
 * like Linux, it is counted.
 */
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"

#define RSEG_SACKED 0x01 /* SACKed (kept until cumulatively ACKed) */
#define RSEG_LOST 0x02   /* taken as lost, not sent again since */
#define RSEG_RETRANS 0x04

#define RACK_DUPTHRESH 3
#define RACK_REO_PERSIST 16 /* recoveries a grown reordering window lasts */

struct rack_seg {
	uint64_t xmit_ns; /* latest transmission */
	uint32_t start, end;
	uint8_t flags; /* RSEG_* */
};

struct tcp_rack {
	struct rack_seg *seg;
	uint32_t off, n, cap; /* live records: seg[off .. off + n) */
	/* RFC 8985 section 6.1 */
	uint64_t xmit_ns;     /* RACK.xmit_ts: latest sent among delivered */
	uint32_t end_seq;     /* RACK.end_seq */
	uint32_t rtt_us;      /* RACK.rtt */
	uint32_t min_rtt_us;  /* 0 = no sample yet */
	uint32_t fack;        /* highest SACKed sequence */
	uint32_t dsack_round; /* SND.MAX when reo_wnd_mult last grew */
	uint64_t reo_at;      /* reordering timer, ns; 0 = off */
	uint8_t reo_mult, reo_persist;
	bool fack_set, reord_seen, dsack_round_set, in_rec, undo_valid;
	bool undo_evidence; /* a D-SACK or a delivery proved a loss wrong */
	bool rexmit_now;    /* recovery began: the first lost one goes at once */
	/* Sums over the live records. */
	uint32_t sacked, lost; /* bytes SACKed; bytes lost, not yet resent */
	uint32_t retrans_n;    /* records retransmitted */
	/* The episode's undo record (RFC 3708). */
	uint32_t undo_marker, undo_retrans, undo_cwnd, undo_ssthresh;
	struct tcp_cc_state undo_cc;
};

static inline struct rack_seg *rseg(const struct tcp_rack *r, uint32_t i)
{
	return &r->seg[r->off + i];
}

/* Adds (sign 1) or takes away (-1) a record's share of the sums. */
static void acct(struct tcp_rack *r, const struct rack_seg *g, int sign)
{
	uint32_t len = g->end - g->start;

	if (g->flags & RSEG_SACKED)
		r->sacked += (uint32_t)sign * len;
	if (g->flags & RSEG_LOST)
		r->lost += (uint32_t)sign * len;
	if (g->flags & RSEG_RETRANS)
		r->retrans_n += (uint32_t)sign;
}

static void set_flags(struct tcp_rack *r, struct rack_seg *g, uint8_t set, uint8_t clear)
{
	acct(r, g, -1);
	g->flags = (uint8_t)((g->flags | set) & ~clear);
	acct(r, g, 1);
}

void tcp_rack_free(struct tcpcb *tp)
{
	if (tp->rack) {
		free(tp->rack->seg);
		free(tp->rack);
		tp->rack = NULL;
	}
}

/* Room for `extra` more records at the end; false when memory ran out. */
static bool room(struct tcp_rack *r, uint32_t extra)
{
	struct rack_seg *g;
	uint32_t cap;

	if (r->off + r->n + extra <= r->cap)
		return true;
	if (r->off) {
		memmove(r->seg, r->seg + r->off, r->n * sizeof(*r->seg));
		r->off = 0;
		if (r->n + extra <= r->cap)
			return true;
	}
	cap = r->cap ? 2 * r->cap : 64;
	while (cap < r->n + extra)
		cap *= 2;
	g = realloc(r->seg, cap * sizeof(*g));
	if (!g)
		return false;
	r->seg = g;
	r->cap = cap;
	return true;
}

/* Index of the first record ending after seq (n if none). */
static uint32_t find(const struct tcp_rack *r, uint32_t seq)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (SEQ_LEQ(rseg(r, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Record i becomes [start, at) and [at, end) (start < at < end). */
static bool split(struct tcp_rack *r, uint32_t i, uint32_t at)
{
	struct rack_seg *g;

	if (!room(r, 1))
		return false;
	g = rseg(r, i);
	memmove(g + 1, g, (r->n - i) * sizeof(*g));
	r->n++;
	g[0].end = at;
	g[1].start = at;
	if (g->flags & RSEG_RETRANS)
		r->retrans_n++;
	return true;
}

/* [start, end) falls on record boundaries (records split as needed);
 * returns the index of its first record, or UINT32_MAX without memory. */
static uint32_t cut(struct tcp_rack *r, uint32_t start, uint32_t end)
{
	uint32_t i = find(r, start), j;

	if (i < r->n && SEQ_LT(rseg(r, i)->start, start) && !split(r, i++, start))
		return UINT32_MAX;
	j = find(r, end);
	if (j < r->n && SEQ_LT(rseg(r, j)->start, end) && !split(r, j, end))
		return UINT32_MAX;
	return i;
}

/* Out of memory: the connection goes on with FreeBSD's recovery (its
 * scoreboard, tcp_sack.c, was kept all along). */
static void give_up(struct stack *s, struct tcpcb *tp)
{
	STAT_INC(s, tcp, tcps_nomem);
	tcp_rack_free(tp);
	tp->t_fb = TCP_FB_FREEBSD;
}

void tcp_rack_sent(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len)
{
	struct tcp_rack *r = tp->rack;
	uint32_t end = seq + len, top, i;

	if (!r) {
		if (tp->t_fb != TCP_FB_RACK || !(tp->t_flags & TF_SACK_PERMIT) || !len)
			return;
		r = calloc(1, sizeof(*r));
		if (!r) {
			give_up(s, tp);
			return;
		}
		r->reo_mult = 1;
		tp->rack = r;
	}
	top = r->n ? rseg(r, r->n - 1)->end : seq;
	/* Sent before: a retransmission of the records it covers. */
	if (r->n && SEQ_LT(seq, top) && SEQ_GT(end, rseg(r, 0)->start)) {
		uint32_t rs = SEQ_MAX(seq, rseg(r, 0)->start), re = SEQ_MIN(end, top);

		i = cut(r, rs, re);
		if (i == UINT32_MAX) {
			give_up(s, tp);
			return;
		}
		for (; i < r->n && SEQ_LT(rseg(r, i)->start, re); i++) {
			struct rack_seg *g = rseg(r, i);

			set_flags(r, g, RSEG_RETRANS, RSEG_LOST);
			g->xmit_ns = s->now;
			if (r->undo_valid)
				r->undo_retrans++;
		}
	}
	/* Beyond the top: new records (at most one MSS each). */
	if (SEQ_GT(end, top) || !r->n) {
		uint32_t from = r->n ? SEQ_MAX(seq, top) : seq;
		struct rack_seg *g;

		if (!room(r, 1)) {
			give_up(s, tp);
			return;
		}
		g = rseg(r, r->n++);
		g->start = from;
		g->end = end;
		g->xmit_ns = s->now;
		g->flags = 0;
	}
}

/* RFC 8985 section 6.2 step 2: a delivery of record g (o: the ACK's
 * options, for the timestamp echo). */
static void update(struct stack *s, struct tcpcb *tp, struct tcp_rack *r, const struct rack_seg *g,
                   const struct tcp_opts *o)
{
	uint32_t rtt_us = (uint32_t)((s->now - g->xmit_ns) / 1000u);

	if (g->flags & RSEG_RETRANS) {
		/* Possibly the original's delivery: no sample from it. */
		if ((tp->t_flags & TF_RCVD_TSTMP) && (o->present & TOF_TS) && o->tsecr &&
		    SEQ_LT(o->tsecr - tp->ts_offset, (uint32_t)(g->xmit_ns / 1000000u)))
			return;
		if (rtt_us < r->min_rtt_us)
			return;
	}
	if (!r->min_rtt_us || rtt_us < r->min_rtt_us)
		r->min_rtt_us = rtt_us ? rtt_us : 1;
	if (g->xmit_ns > r->xmit_ns || (g->xmit_ns == r->xmit_ns && SEQ_GT(g->end, r->end_seq))) {
		r->xmit_ns = g->xmit_ns;
		r->end_seq = g->end;
		r->rtt_us = rtt_us;
	}
}

/* A newly delivered record below RACK.fack (before this ACK), sent once:
 * the network reordered it (section 6.2 step 3). */
static void reorder_check(struct stack *s, struct tcp_rack *r, const struct rack_seg *g,
                          uint32_t fack, bool fack_set)
{
	if (fack_set && SEQ_LT(g->end, fack) && !(g->flags & RSEG_RETRANS)) {
		if (!r->reord_seen)
			STAT_INC(s, tcp, tcps_rack_reordering);
		r->reord_seen = true;
	}
}

/* RFC 8985 section 6.2 step 4, in ns. */
static uint64_t reo_wnd_ns(struct stack *s, const struct tcpcb *tp, const struct tcp_rack *r)
{
	uint64_t w;

	if (!r->reord_seen &&
	    ((tp->t_flags & TF_FASTRECOVERY) || r->sacked >= RACK_DUPTHRESH * tp->t_maxseg))
		return 0;
	w = (uint64_t)(r->min_rtt_us >> KNOB(s, TCP_RACK_REORDER_THRESH)) * r->reo_mult;
	if (tp->t_srtt && w > tp->t_srtt)
		w = tp->t_srtt;
	return (w + (uint64_t)KNOB(s, TCP_RACK_PKT_DELAY)) * 1000u;
}

/* Section 6.2 step 5: marks what is lost, arms the reordering timer for
 * what may be yet; returns the number of records newly lost. */
static unsigned detect_loss(struct stack *s, struct tcpcb *tp, struct tcp_rack *r)
{
	uint64_t reo = reo_wnd_ns(s, tp, r), wait = 0;
	uint64_t rtt_ns = (uint64_t)r->rtt_us * 1000u;
	unsigned lost = 0;

	if (!r->xmit_ns || (!r->sacked && !r->retrans_n)) {
		/* Nothing delivered out of order and nothing resent: every
		 * record left after the last delivered one. */
		r->reo_at = 0;
		return 0;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		struct rack_seg *g = rseg(r, i);
		uint64_t due;

		if (g->flags & (RSEG_SACKED | RSEG_LOST))
			continue;
		if (!(r->xmit_ns > g->xmit_ns ||
		      (r->xmit_ns == g->xmit_ns && SEQ_GT(r->end_seq, g->end))))
			continue; /* sent after the latest delivery: too early */
		due = g->xmit_ns + rtt_ns + reo;
		if (due <= s->now) {
			set_flags(r, g, RSEG_LOST, 0);
			STAT_INC(s, tcp, tcps_rack_lost);
			lost++;
		} else if (!wait || due - s->now < wait) {
			wait = due - s->now;
		}
	}
	r->reo_at = wait ? s->now + wait : 0;
	return lost;
}

/* Segments were found lost: a recovery episode with one congestion
 * response (RFC 5681 3.2, RFC 6675 5), unless one is under way or the
 * loss belongs to an episode already answered (RFC 6582: SND.UNA not past
 * the recovery point, as after an RTO). */
static void enter_recovery(struct stack *s, struct tcpcb *tp, struct tcp_rack *r)
{
	if (tp->t_flags & TF_FASTRECOVERY)
		return;
	if (SEQ_LT(tp->snd_una, tp->snd_recover))
		return;
	tp->t_tlp = 0;
	r->undo_cwnd = tp->snd_cwnd;
	r->undo_ssthresh = tp->snd_ssthresh;
	r->undo_cc = tp->cc;
	r->undo_marker = tp->snd_una;
	r->undo_retrans = 0;
	r->undo_valid = true;
	r->undo_evidence = false;
	tcp_cc(tp)->cong_signal(s, tp, CC_DUPACK_RECOVERY);
	if (tp->t_ecn & ECN_PERMIT)
		tp->t_ecn |= ECN_SND_CWR; /* RFC 3168 6.1.2 */
	tp->snd_recover = tp->snd_max;
	tp->t_flags |= TF_FASTRECOVERY;
	tp->t_rtttime = 0;
	tp->snd_cwnd = tp->snd_ssthresh;
	r->in_rec = true;
	r->rexmit_now = true; /* RFC 6675 section 5 step (4.3) */
	STAT_INC(s, tcp, tcps_rack_recovery_episode);
	STAT_INC(s, tcp, tcps_sack_recovery_episode);
	tcp_rexmt_arm(s, tp); /* no loss probe while recovering */
}

/* Every retransmission of the episode was D-SACKed: the reduction is
 * taken back (RFC 3708 section 3). */
static void undo(struct stack *s, struct tcpcb *tp, struct tcp_rack *r)
{
	STAT_INC(s, tcp, tcps_dsack_undo);
	tp->cc = r->undo_cc;
	if (tp->snd_cwnd < r->undo_cwnd)
		tp->snd_cwnd = r->undo_cwnd;
	if (tp->snd_ssthresh < r->undo_ssthresh)
		tp->snd_ssthresh = r->undo_ssthresh;
	tp->t_flags &= ~TF_FASTRECOVERY;
	tp->t_dupacks = 0;
	tp->snd_recover = tp->snd_una;
	r->in_rec = false;
	r->undo_valid = false;
}

/* A D-SACK (RFC 2883) for [st, en). */
static void dsack(struct stack *s, struct tcpcb *tp, struct tcp_rack *r, uint32_t st, uint32_t en)
{
	uint32_t mss = tp->t_maxseg, segs = (en - st + mss - 1) / mss;

	STAT_INC(s, tcp, tcps_dsack_count);
	STAT_ADD(s, tcp, tcps_dsack_bytes, en - st);
	if (!r->reord_seen)
		STAT_INC(s, tcp, tcps_rack_reordering);
	r->reord_seen = true;
	/* Section 6.2 step 4: one step per round trip with a D-SACK. */
	if (!r->dsack_round_set || SEQ_GEQ(tp->snd_una, r->dsack_round)) {
		if (r->reo_mult < UINT8_MAX)
			r->reo_mult++;
		r->dsack_round = tp->snd_max;
		r->dsack_round_set = true;
	}
	r->reo_persist = RACK_REO_PERSIST;
	if (!r->undo_valid || !r->undo_retrans || SEQ_LEQ(en, r->undo_marker))
		return;
	if (SEQ_GT(en, tp->snd_una)) {
		/* Still on the map: only a resent segment counts. */
		uint32_t i = find(r, SEQ_MAX(st, tp->snd_una));

		if (i >= r->n || !(rseg(r, i)->flags & RSEG_RETRANS) ||
		    SEQ_GEQ(rseg(r, i)->start, en))
			return;
	}
	r->undo_retrans = r->undo_retrans > segs ? r->undo_retrans - segs : 0;
	r->undo_evidence = true;
}

/* The first block is a D-SACK (RFC 2883 section 4): at or below the
 * cumulative ACK, or inside the second block. */
static bool is_dsack(const struct tcp_opts *o, uint32_t ack)
{
	uint32_t st = o->sack[0].start, en = o->sack[0].end;

	if (!SEQ_LT(st, en))
		return false;
	if (SEQ_LEQ(en, ack))
		return true;
	return o->nsack > 1 && SEQ_GEQ(st, o->sack[1].start) && SEQ_LEQ(en, o->sack[1].end);
}

bool tcp_rack_ack(struct stack *s, struct tcpcb *tp, const struct tcp_opts *o)
{
	struct tcp_rack *r = tp->rack;
	uint32_t fack = r ? r->fack : 0;
	bool fack_set = r && r->fack_set;
	unsigned i0 = 0, lost;
	uint64_t reo_at;

	if (!r)
		return false;
	/* Cumulatively acknowledged records: delivered now unless SACKed
	 * before. */
	while (r->n && SEQ_LEQ(rseg(r, 0)->end, tp->snd_una)) {
		struct rack_seg *g = rseg(r, 0);

		if (!(g->flags & RSEG_SACKED)) {
			update(s, tp, r, g, o);
			reorder_check(s, r, g, fack, fack_set);
		}
		if (g->flags & RSEG_LOST)
			r->undo_evidence = true; /* arrived without being resent */
		acct(r, g, -1);
		r->off++;
		r->n--;
	}
	if (r->n && SEQ_LT(rseg(r, 0)->start, tp->snd_una)) {
		struct rack_seg *g = rseg(r, 0);

		acct(r, g, -1);
		g->start = tp->snd_una;
		acct(r, g, 1);
	}
	if (!r->n)
		r->off = 0;
	if ((o->present & TOF_SACK) && o->nsack) {
		if (is_dsack(o, tp->snd_una)) {
			dsack(s, tp, r, o->sack[0].start, o->sack[0].end);
			i0 = 1;
		}
		for (unsigned b = i0; b < o->nsack; b++) {
			uint32_t st = o->sack[b].start, en = o->sack[b].end, i;

			if (!SEQ_LT(st, en) || SEQ_LEQ(en, tp->snd_una) || SEQ_GT(en, tp->snd_max))
				continue;
			if (SEQ_LT(st, tp->snd_una))
				st = tp->snd_una;
			i = cut(r, st, en);
			if (i == UINT32_MAX) {
				give_up(s, tp);
				return false;
			}
			for (; i < r->n && SEQ_LT(rseg(r, i)->start, en); i++) {
				struct rack_seg *g = rseg(r, i);

				if (g->flags & RSEG_SACKED)
					continue;
				if (g->flags & RSEG_LOST)
					r->undo_evidence = true;
				set_flags(r, g, RSEG_SACKED, RSEG_LOST);
				update(s, tp, r, g, o);
				reorder_check(s, r, g, fack, fack_set);
			}
			if (!r->fack_set || SEQ_GT(en, r->fack))
				r->fack = en;
			r->fack_set = true;
		}
	}
	if (r->in_rec && !(tp->t_flags & TF_FASTRECOVERY)) {
		/* The episode ended (full ACK): a grown window lasts 16
		 * recoveries.  Its undo record stays: the D-SACKs that
		 * prove it spurious may come after (RFC 3708 section 3). */
		r->in_rec = false;
		if (r->reo_persist && --r->reo_persist == 0)
			r->reo_mult = 1;
	}
	/* RFC 3708: every retransmission of the episode arrived twice, and
	 * whatever else was taken as lost arrived without one. */
	if (r->undo_valid && r->undo_evidence && !r->undo_retrans && !r->lost)
		undo(s, tp, r);
	reo_at = r->reo_at;
	lost = detect_loss(s, tp, r);
	if (r->reo_at != reo_at)
		tcp_timer_update(s, tp);
	if (lost)
		enter_recovery(s, tp, r);
	return r->lost != 0;
}

void tcp_rack_timeout(struct stack *s, struct tcpcb *tp)
{
	struct tcp_rack *r = tp->rack;

	if (!r)
		return;
	r->reo_at = 0;
	STAT_INC(s, tcp, tcps_rack_reotimeo);
	if (detect_loss(s, tp, r))
		enter_recovery(s, tp, r);
	tcp_output(s, tp);
}

bool tcp_rack_rto(struct stack *s, struct tcpcb *tp)
{
	struct tcp_rack *r = tp->rack;

	(void)s;
	if (!r || !r->n || tp->t_state < TCPS_ESTABLISHED)
		return false;
	for (uint32_t i = 0; i < r->n; i++) {
		struct rack_seg *g = rseg(r, i);

		if (!(g->flags & RSEG_SACKED))
			set_flags(r, g, RSEG_LOST, 0);
	}
	r->reo_at = 0;
	r->in_rec = false;
	r->undo_valid = false;
	return true;
}

void tcp_rack_rto_undo(struct tcpcb *tp)
{
	struct tcp_rack *r = tp->rack;

	if (!r)
		return;
	for (uint32_t i = 0; i < r->n; i++)
		if (rseg(r, i)->flags & RSEG_LOST)
			set_flags(r, rseg(r, i), 0, RSEG_LOST);
}

static uint32_t pipe_bytes(const struct tcpcb *tp)
{
	const struct tcp_rack *r = tp->rack;
	uint32_t flight = tp->snd_max - tp->snd_una, out;

	/* Data only: an outstanding FIN takes no room in cwnd. */
	if ((tp->t_flags & TF_SENTFIN) && flight)
		flight--;

	if (!r)
		return flight;
	out = r->sacked + r->lost;
	return flight > out ? flight - out : 0;
}

int tcp_rack_output(struct stack *s, struct tcpcb *tp, uint32_t *room)
{
	struct tcp_rack *r = tp->rack;
	uint32_t pipe = pipe_bytes(tp), mss = tp->t_maxseg;
	int rc;

	*room = tp->snd_cwnd > pipe ? tp->snd_cwnd - pipe : 0;
	if (!r->lost || (*room < mss && !r->rexmit_now))
		return 0;
	r->rexmit_now = false;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct rack_seg *g = rseg(r, i);
		uint32_t len = g->end - g->start;

		if (!(g->flags & RSEG_LOST))
			continue;
		rc = tcp_send_seg(s, tp, g->start, len > mss ? mss : len, TH_ACK);
		if (rc < 0)
			return rc;
		STAT_INC(s, tcp, tcps_sack_rexmits);
		tp->t_rtttime = 0; /* Karn */
		if (!tp->t_rexmt_at || (tp->t_flags & TF_PERSIST))
			tcp_rexmt_arm(s, tp);
		return 1;
	}
	return 0;
}

uint64_t tcp_rack_timer_at(const struct tcpcb *tp)
{
	return tp->rack ? tp->rack->reo_at : 0;
}

const char *tcp_stack_name(int id)
{
	static const char *const names[] = { [TCP_FB_FREEBSD] = "freebsd", [TCP_FB_RACK] = "rack" };

	return id >= 0 && id < (int)ARRAY_SIZE(names) ? names[id] : NULL;
}
