/* tcp_input.c: segment arrival (RFC 9293 section 3.10.7).
 *
 * tcp_input() validates (length, data offset, checksum), finds the
 * connection by 4-tuple or else a listener, strips the header so that m
 * holds only payload, and hands over to:
 *
 *   no connection, no listener   CLOSED (3.10.7.1): RST unless the segment
 *                                is one (net.inet.tcp.blackhole aside);
 *   listen_input()               LISTEN (3.10.7.2): a SYN creates a child in
 *                                SYN_RECEIVED (the bounded SYN queue), or,
 *                                the queue being full, is answered with a
 *                                SYN cookie (RFC 4987); an ACK may carry a
 *                                valid cookie;
 *   time_wait_input()            TIME_WAIT, as FreeBSD's tcp_twcheck (RFC
 *                                1337; a new SYN may start over);
 *   syn_sent()                   SYN_SENT (3.10.7.3);
 *   syn_received_passive()       a half-open passive connection first
 *                                answers as FreeBSD's syncache would;
 *   do_segment()                 every other state (3.10.7.4), in FreeBSD's
 *                                order: RST check (RFC 5961 section 3),
 *                                SYN check (RFC 5961 section 4), PAWS (RFC
 *                                7323 section 5),
 *                                sequence check with trimming to the window,
 *                                ACK processing (RFC 5961 section 5,
 *                                duplicate ACKs, fast retransmit/recovery:
 *                                RFC 5681, RFC 6582, RFC 6675, RFC 3042),
 *                                window update, text, FIN.
 *
 * Every way out that discards a segment is a labelled path with a counter
 * (tcps_*).  Receive-side data: in-order payload goes to the receive queue
 * as it came (no copy); out-of-order payload goes to the reassembly queue
 * (tcp_reass_insert), trimmed against its neighbours.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_ip.h>

#include "eth/eth.h"
#include "ip/ip4.h"
#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "wire/icmp.h"

/* Payloads up to this size are copied into the receive queue's last
 * buffer when it has room (see rcvq_append). */
#define TCP_RCV_COMPACT_MAX 512

/* ---- mbuf helpers ---- */

/* Removes n bytes from the front of the chain; returns the new head, or
 * NULL (chain freed) when nothing is left. */
static struct rte_mbuf *m_adj_front(struct rte_mbuf *m, uint32_t n)
{
	while (m && n) {
		struct rte_mbuf *next;

		if (n < m->data_len) {
			m->data_off = (uint16_t)(m->data_off + n);
			m->data_len = (uint16_t)(m->data_len - n);
			m->pkt_len -= n;
			break;
		}
		n -= m->data_len;
		next = m->next;
		if (next) {
			next->pkt_len = m->pkt_len - m->data_len;
			next->nb_segs = (uint16_t)(m->nb_segs - 1);
		}
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (m && m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Cuts the chain to len bytes (pkt_trim_to); NULL (chain freed) when len
 * is 0. */
static struct rte_mbuf *m_trim_to(struct rte_mbuf *m, uint32_t len)
{
	if (len == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	pkt_trim_to(m, len);
	return m;
}

static inline uint32_t mseq(struct rte_mbuf *m)
{
	return (uint32_t)pkt_meta(m)->time;
}

static inline struct rte_mbuf *mnext(struct rte_mbuf *m)
{
	return pkt_meta(m)->nextpkt;
}

/* ---- reassembly ---- */

/* A segment joins or leaves tp's reassembly queue: the connection's counts,
 * the stack's (net.inet.tcp.reass.maxsegments), and the list of
 * connections holding some, which tcp_mem_reclaim walks. */
static void reass_charge(struct stack *s, struct tcpcb *tp, uint32_t len)
{
	struct tcp_reass_acct *a = tcp_reass_acct(s);

	if (tp->reass_n++ == 0)
		list_add_tail(&a->conns, &tp->reass_link);
	tp->reass_bytes += len;
	a->segs++;
}

static void reass_uncharge(struct stack *s, struct tcpcb *tp, uint32_t len)
{
	struct tcp_reass_acct *a = tcp_reass_acct(s);

	tp->reass_bytes -= len;
	if (--tp->reass_n == 0)
		list_del(&tp->reass_link);
	if (a)
		a->segs--;
}

void tcp_reass_free(struct stack *s, struct tcpcb *tp)
{
	struct tcp_reass_acct *a = tcp_reass_acct(s);
	struct rte_mbuf *m = tp->reass;

	while (m) {
		struct rte_mbuf *n = mnext(m);

		pkt_meta(m)->nextpkt = NULL;
		rte_pktmbuf_free(m);
		m = n;
	}
	if (a)
		a->segs -= tp->reass_n;
	if (tp->reass_n)
		list_del(&tp->reass_link);
	tp->reass = NULL;
	tp->reass_n = 0;
	tp->reass_bytes = 0;
}

void tcp_mem_reclaim(struct stack *s)
{
	struct tcp_reass_acct *a = tcp_reass_acct(s);

	/* FreeBSD drains reassembly queues when mbufs run short (tcp_drain);
	 * here the largest goes first, so the connections an attacker fills
	 * lose theirs before anyone else does. */
	while (a && !list_empty(&a->conns)) {
		struct tcpcb *big = NULL;
		struct list_node *n;

		list_for_each (n, &a->conns) {
			struct tcpcb *tp = list_entry(n, struct tcpcb, reass_link);

			if (!big || tp->reass_n > big->reass_n)
				big = tp;
		}
		STAT_ADD(s, tcp, tcps_reass_purged, big->reass_n);
		tcp_reass_free(s, big);
		if (stack_mem_free_now(s) >= s->mem.lowat)
			break;
	}
}

/* A duplicate [start, end) to report in the next ACK (D-SACK, RFC 2883
 * 4.1; FreeBSD reports duplicates this way when SACK is on). */
static void dsack_note(struct tcpcb *tp, uint32_t start, uint32_t end)
{
	if (!(tp->t_flags & TF_SACK_PERMIT) || !SEQ_LT(start, end))
		return;
	tp->rcv_dsack_start = start;
	tp->rcv_dsack_end = end;
	tp->t_flags |= TF_ACKNOW;
}

static void reass_insert(struct stack *s, struct tcpcb *tp, uint32_t seq, struct rte_mbuf *m)
{
	struct rte_mbuf **pp = &tp->reass, *prev = NULL, *cur;
	uint32_t len = m->pkt_len;

	/* The stack's limits (src/stack/mem.h): out-of-order data is the
	 * first thing given up, since the peer still has it. */
	if (tcp_reass_acct(s)->segs >= s->mem.reass_max) {
		STAT_INC(s, tcp, tcps_reass_overflows);
		rte_pktmbuf_free(m);
		return;
	}
	if (s->mem.level != MEM_OK) {
		STAT_INC(s, tcp, tcps_rcvmemdrop);
		rte_pktmbuf_free(m);
		return;
	}
	/* Find the first queued segment starting after seq. */
	while (*pp && SEQ_LEQ(mseq(*pp), seq)) {
		prev = *pp;
		pp = &pkt_meta(*pp)->nextpkt;
	}
	if (prev) {
		uint32_t pend = mseq(prev) + prev->pkt_len;

		if (SEQ_GEQ(pend, seq + len)) {
			STAT_INC(s, tcp, tcps_rcvduppack);
			STAT_ADD(s, tcp, tcps_rcvdupbyte, len);
			dsack_note(tp, seq, seq + len);
			/* The block holding it is reported next (RFC 2883
			 * 4.1.2). */
			tp->rcv_sack_start = seq;
			tp->rcv_sack_end = seq + len;
			rte_pktmbuf_free(m);
			return;
		}
		if (SEQ_GT(pend, seq)) {
			dsack_note(tp, seq, pend);
			m = m_adj_front(m, pend - seq);
			len -= pend - seq;
			seq = pend;
		}
	}
	/* Remove or trim the queued segments the new one covers. */
	while ((cur = *pp) != NULL && SEQ_GT(seq + len, mseq(cur))) {
		uint32_t cend = mseq(cur) + cur->pkt_len;

		if (SEQ_GEQ(seq + len, cend)) {
			dsack_note(tp, mseq(cur), cend);
			*pp = mnext(cur);
			reass_uncharge(s, tp, cur->pkt_len);
			pkt_meta(cur)->nextpkt = NULL;
			rte_pktmbuf_free(cur);
			continue;
		}
		/* Partial overlap: cut the new segment's tail. */
		dsack_note(tp, mseq(cur), seq + len);
		m = m_trim_to(m, mseq(cur) - seq);
		len = mseq(cur) - seq;
		break;
	}
	if (!m)
		return;
	if (tp->reass_n >= KNOB(s, TCP_REASS_MAXQUEUELEN)) {
		STAT_INC(s, tcp, tcps_reassfull);
		rte_pktmbuf_free(m);
		return;
	}
	STAT_INC(s, tcp, tcps_rcvoopack);
	STAT_ADD(s, tcp, tcps_rcvoobyte, len);
	pkt_meta(m)->time = seq;
	pkt_meta(m)->nextpkt = *pp;
	*pp = m;
	reass_charge(s, tp, len);
	tp->rcv_sack_start = seq;
	tp->rcv_sack_end = seq + len;
}

static void rcvq_append(struct stack *s, struct tcpcb *tp, struct rte_mbuf *m)
{
	STAT_INC(s, tcp, tcps_rcvpack);
	STAT_ADD(s, tcp, tcps_rcvbyte, m->pkt_len);
	tp->bytes_received += m->pkt_len;
	tp->rcv_nxt += m->pkt_len;
	if (tp->t_flags & TF_SHUT_RD) {
		rte_pktmbuf_free(m); /* nobody will read it */
		return;
	}
	/* Zero copy where it pays: a small payload is copied into the room
	 * left in the last buffer of the queue (FreeBSD's sbcompress), so a
	 * stream of small segments does not pin one 2 KiB mbuf each. */
	{
		struct rte_mbuf *t = tp->rcvq.tail;

		if (t && m->pkt_len <= TCP_RCV_COMPACT_MAX && t->nb_segs == 1 &&
		    RTE_MBUF_DIRECT(t) && rte_mbuf_refcnt_read(t) == 1 &&
		    rte_pktmbuf_tailroom(t) >= m->pkt_len) {
			uint32_t n = m->pkt_len, off = t->data_len;

			for (struct rte_mbuf *g = m; g; g = g->next) {
				memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, off),
				       rte_pktmbuf_mtod(g, uint8_t *), g->data_len);
				off += g->data_len;
			}
			t->data_len = (uint16_t)(t->data_len + n);
			t->pkt_len += n;
			tp->rcvq.bytes += n;
			rte_pktmbuf_free(m);
			return;
		}
	}
	pktq_push(&tp->rcvq, m);
}

/* Moves what became in-order from the reassembly queue to the receive
 * queue; true if anything moved. */
static bool reass_pull(struct stack *s, struct tcpcb *tp)
{
	bool moved = false;
	struct rte_mbuf *m;

	while ((m = tp->reass) != NULL && SEQ_LEQ(mseq(m), tp->rcv_nxt)) {
		uint32_t seq = mseq(m), len = m->pkt_len;

		tp->reass = mnext(m);
		pkt_meta(m)->nextpkt = NULL;
		reass_uncharge(s, tp, len);
		if (SEQ_LEQ(seq + len, tp->rcv_nxt)) {
			rte_pktmbuf_free(m);
			continue;
		}
		m = m_adj_front(m, tp->rcv_nxt - seq);
		rcvq_append(s, tp, m);
		moved = true;
	}
	return moved;
}

/* ---- helpers ---- */

/* RFC 5961 section 7: challenge ACKs, rate limited per connection (the
 * ack war limit, shared with the drop-after-ACK answers). */
static void challenge_ack(struct stack *s, struct tcpcb *tp)
{
	if (!tcp_ack_war_allowed(s, tp)) {
		STAT_INC(s, tcp, tcps_chalack_limited);
		return;
	}
	STAT_INC(s, tcp, tcps_chalack);
	tcp_send_ack(s, tp);
}

/* A RST answering segment seg that found no connection (3.10.7.1). */
static void reset_for(struct stack *s, const struct tcp_key *k, const struct tcp_seg *seg)
{
	uint32_t slen =
	    seg->len + ((seg->flags & TH_SYN) ? 1 : 0) + ((seg->flags & TH_FIN) ? 1 : 0);

	if (seg->flags & TH_RST)
		return;
	if (KNOB(s, TCP_BLACKHOLE) == 2 || (KNOB(s, TCP_BLACKHOLE) == 1 && (seg->flags & TH_SYN)))
		return;
	if (!tcp_rst_allowed(s))
		return;
	if (seg->flags & TH_ACK)
		tcp_respond(s, k, seg->ack, 0, TH_RST, 0);
	else
		tcp_respond(s, k, 0, seg->seq + slen, TH_RST | TH_ACK, 0);
}

static unsigned clamp_mss(struct stack *s, unsigned mss)
{
	if (mss < (unsigned)KNOB(s, TCP_MINMSS))
		mss = (unsigned)KNOB(s, TCP_MINMSS);
	return mss;
}

/* Options of a received SYN (or SYN-ACK): what both sides agreed to. */
static void syn_options(struct stack *s, struct tcpcb *tp, const struct tcp_opts *o, bool active)
{
	int64_t r = KNOB(s, TCP_RFC1323);
	bool scale_ok = r == 1 || r == 2, ts_ok = r == 1 || r == 3;
	unsigned peer;

	if ((o->present & TOF_SCALE) && scale_ok && (!active || (tp->t_flags & TF_REQ_SCALE))) {
		tp->t_flags |= TF_RCVD_SCALE | TF_REQ_SCALE;
		tp->snd_scale = o->wscale;
		if (!active)
			tp->request_r_scale = tcp_pick_rscale(s, tp->rcv_hiwat);
		tp->rcv_scale = tp->request_r_scale;
	} else {
		tp->t_flags &= ~(TF_RCVD_SCALE | TF_REQ_SCALE);
		tp->snd_scale = tp->rcv_scale = 0;
	}
	if ((o->present & TOF_TS) && ts_ok && (!active || (tp->t_flags & TF_REQ_TSTMP))) {
		tp->t_flags |= TF_RCVD_TSTMP | TF_REQ_TSTMP;
		tp->ts_recent = o->tsval;
		tp->ts_recent_age_ms = tcp_ms(s);
	} else {
		tp->t_flags &= ~(TF_RCVD_TSTMP | TF_REQ_TSTMP);
	}
	if ((o->present & TOF_SACKPERM) && KNOB(s, TCP_SACK) &&
	    (!active || (tp->t_flags & TF_REQ_SACK)))
		tp->t_flags |= TF_SACK_PERMIT | TF_REQ_SACK;
	else
		tp->t_flags &= ~(TF_SACK_PERMIT | TF_REQ_SACK);
	peer = (o->present & TOF_MSS) && o->mss ? o->mss : (unsigned)KNOB(s, TCP_MSSDFLT);
	tp->t_peermss = (uint16_t)peer;
	peer = clamp_mss(s, peer);
	tp->t_maxseg = (uint16_t)(peer < tp->t_advmss ? peer : tp->t_advmss);
	/* FreeBSD's tcp_mss() on an active open: the buffers become whole
	 * segments when the SYN-ACK (or the SYN of a simultaneous open)
	 * carries an MSS; a passive open's are rounded when it is
	 * established (established(), as syncache_socket). */
	if (active && (o->present & TOF_MSS))
		tcp_buf_round(s, tp, tp->t_maxseg);
	/* Room for the timestamp option in every segment (RFC 7323 / 6691). */
	if ((tp->t_flags & TF_RCVD_TSTMP) && tp->t_maxseg > 12 + 64)
		tp->t_maxseg = (uint16_t)(tp->t_maxseg - 12);
}

static void established(struct stack *s, struct tcpcb *tp)
{
	if (tp->t_flags & TF_PASSIVE)
		tcp_buf_round(s, tp, RTE_MIN(clamp_mss(s, tp->t_peermss), tp->t_advmss));
	tcp_set_state(s, tp, TCPS_ESTABLISHED);
	tcp_syn_limit_release(s, tp);
	tcp_cc(tp)->conn_init(s, tp);
	tp->snd_recover = tp->snd_una;
	tcp_keep_arm(s, tp);
}

/* ---- LISTEN ---- */

/* An ECN-setup SYN (RFC 3168 6.1.1: ECE and CWR) that we agree to
 * (net.inet.tcp.ecn.enable 1 or 2; FreeBSD's tcp_ecn_syncache_add). */
static bool ecn_setup_syn(struct stack *s, const struct tcp_seg *seg)
{
	return (seg->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR) && KNOB(s, TCP_ECN) >= 1;
}

/* Fills a child of listener l for the 4-tuple k from a SYN. */
static struct tcpcb *child_new(struct stack *s, struct tcpcb *l, const struct tcp_key *k)
{
	struct tcpcb *tp = tcp_pcb_alloc(s, NULL);

	if (!tp)
		return NULL;
	tp->key = *k;
	tp->t_flags |= TF_PASSIVE | TF_BOUND;
	tcp_pcb_copy_opts(tp, l);
	tcp_route_init(s, tp, k);
	tp->ts_offset = tcp_ts_offset(s, k);
	return tp;
}

/* A handshake completed (its ACK came) but no connection can be made of
 * it: the accept queue is full, or the connection table or memory is.
 * FreeBSD's syncache_socket fails the same way when sonewconn does, and
 * answers with a RST (net.inet.tcp.syncache.rst_on_sock_fail, not rate
 * limited) so the peer learns at once; with the knob off the ACK is just
 * dropped.  Counted in tcps_listendrop, as FreeBSD, and tcps_sc_sockfail. */
static void handshake_no_room(struct stack *s, const struct tcp_key *k, const struct tcp_seg *seg)
{
	STAT_INC(s, tcp, tcps_listendrop);
	STAT_INC(s, tcp, tcps_sc_sockfail);
	if (KNOB(s, TCP_SC_RST_SOCK_FAIL))
		tcp_respond(s, k, seg->ack, 0, TH_RST, 0);
}

/* A SYN to listener l.  The SYN queue holds the half-open connections;
 * when it, the accept queue, the connection table or memory is full, a SYN
 * cookie answers instead (net.inet.tcp.syncookies; FreeBSD's syncache
 * answers a SYN whatever the accept queue holds), and without cookies the
 * SYN is dropped: tcps_listendrop for a full accept queue (as FreeBSD and
 * Linux count it), tcps_sc_dropped otherwise. */
static void listen_syn(struct stack *s, struct tcpcb *l, const struct tcp_key *k,
                       const struct tcp_seg *seg, const uint32_t *iss_floor)
{
	struct tcpcb *tp;

	if (tcp_acceptq_full(l)) {
		if (!KNOB(s, TCP_SYNCOOKIES)) {
			STAT_INC(s, tcp, tcps_listendrop);
			return;
		}
		goto cookie;
	}
	if (l->q_incomp >= l->q_limit)
		goto cookie; /* the SYN queue is full */
	tp = child_new(s, l, k);
	if (!tp)
		goto cookie;
	if (!tcp_syn_limit_take(s, tp)) {
		tcp_pcb_free(s, tp);
		goto cookie;
	}
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	if (ecn_setup_syn(s, seg))
		tp->t_ecn |= ECN_PERMIT;
	tp->iss = tcp_new_isn(s, k);
	if (iss_floor && SEQ_LT(tp->iss, *iss_floor))
		tp->iss = *iss_floor; /* above the old incarnation (as Linux) */
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss;
	syn_options(s, tp, &seg->opt, false);
	tp->snd_wnd = seg->win; /* never scaled in a SYN (RFC 7323 2.2) */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = seg->seq;
	if (tcp_hash_insert(s, tp) < 0) {
		tcp_pcb_free(s, tp); /* the connection table is full */
		goto cookie;
	}
	tp->listener = l;
	l->q_incomp++;
	list_add_tail(&l->incq, &tp->link);
	tcp_set_state(s, tp, TCPS_SYN_RECEIVED);
	STAT_INC(s, tcp, tcps_sc_added);
	tcp_keep_arm(s, tp);
	/* FIXME(tfo): data on a SYN is dropped (the peer sends it again). */
	tcp_output(s, tp);
	return;

cookie:
	if (!KNOB(s, TCP_SYNCOOKIES)) {
		STAT_INC(s, tcp, tcps_sc_dropped);
		return;
	}
	{
		/* A SYN-ACK from a control block on the stack: nothing kept. */
		struct tcpcb tmp;
		uint8_t ws_idx;

		memset(&tmp, 0, sizeof(tmp));
		pktq_init(&tmp.rcvq);
		tmp.key = *k;
		tmp.rcv_hiwat = l->rcv_hiwat;
		tmp.t_user_mss = l->t_user_mss;
		tmp.ip_tos = l->ip_tos;
		tmp.ip_ttl = l->ip_ttl;
		tcp_route_init(s, &tmp, k);
		tmp.ts_offset = tcp_ts_offset(s, k);
		syn_options(s, &tmp, &seg->opt, false);
		tmp.irs = seg->seq;
		tmp.rcv_nxt = seg->seq + 1;
		if (ecn_setup_syn(s, seg))
			tmp.t_ecn |= ECN_PERMIT; /* the SYN-ACK says yes; the cookie forgets it */
		ws_idx = (tmp.t_flags & TF_RCVD_SCALE) ? (uint8_t)(tmp.snd_scale + 1) : 0;
		tmp.iss = tcp_cookie_make(s, k, seg->seq, tcp_cookie_mss_idx(tmp.t_peermss), ws_idx,
		                          (tmp.t_flags & TF_SACK_PERMIT) != 0);
		tmp.snd_una = tmp.snd_nxt = tmp.snd_max = tmp.iss;
		tmp.t_state = TCPS_SYN_RECEIVED;
		STAT_INC(s, tcp, tcps_sc_sendcookie);
		tcp_send_seg(s, &tmp, tmp.iss, 0, TH_SYN | TH_ACK);
	}
}

static void do_segment(struct stack *s, struct tcpcb *tp, struct tcp_seg *seg, struct rte_mbuf *m);

/* An ACK to a listener: a completed SYN cookie handshake? */
static void listen_cookie_ack(struct stack *s, struct tcpcb *l, const struct tcp_key *k,
                              struct tcp_seg *seg, struct rte_mbuf *m)
{
	uint16_t mss;
	uint8_t ws;
	bool sack;
	struct tcpcb *tp;
	struct tcp_opts o;

	if (!KNOB(s, TCP_SYNCOOKIES) ||
	    !tcp_cookie_check(s, k, seg->seq - 1, seg->ack - 1, &mss, &ws, &sack)) {
		if (KNOB(s, TCP_SYNCOOKIES))
			STAT_INC(s, tcp, tcps_sc_badcookie);
		else
			STAT_INC(s, tcp, tcps_noport);
		reset_for(s, k, seg);
		rte_pktmbuf_free(m);
		return;
	}
	if (tcp_acceptq_full(l) || !(tp = child_new(s, l, k))) {
		handshake_no_room(s, k, seg);
		rte_pktmbuf_free(m);
		return;
	}
	STAT_INC(s, tcp, tcps_sc_recvcookie);
	tp->t_flags |= TF_COOKIE;
	/* Rebuild what the SYN told us from the cookie. */
	memset(&o, 0, sizeof(o));
	o.present = TOF_MSS;
	o.mss = mss;
	if (ws) {
		o.present |= TOF_SCALE;
		o.wscale = (uint8_t)(ws - 1);
	}
	if (sack)
		o.present |= TOF_SACKPERM;
	if (seg->opt.present & TOF_TS) {
		o.present |= TOF_TS;
		o.tsval = seg->opt.tsval;
	}
	syn_options(s, tp, &o, false);
	tp->irs = seg->seq - 1;
	tp->rcv_nxt = seg->seq;
	/* What the cookie SYN-ACK offered (rcv_window of a SYN). */
	tp->rcv_adv = tp->rcv_nxt + (tp->rcv_hiwat < TCP_MAXWIN ? tp->rcv_hiwat : TCP_MAXWIN);
	tp->iss = seg->ack - 1;
	tp->snd_una = tp->iss;
	tp->snd_nxt = tp->snd_max = tp->iss + 1;
	tp->last_ack_sent = tp->rcv_nxt; /* the cookie SYN-ACK acknowledged it */
	tp->snd_recover = tp->iss;
	tp->snd_wl1 = seg->seq - 1;
	if (tcp_hash_insert(s, tp) < 0) {
		tcp_pcb_free(s, tp);
		handshake_no_room(s, k, seg);
		rte_pktmbuf_free(m);
		return;
	}
	tp->listener = l;
	l->q_incomp++;
	list_add_tail(&l->incq, &tp->link);
	tcp_set_state(s, tp, TCPS_SYN_RECEIVED);
	/* The ACK completes the handshake through the normal path. */
	do_segment(s, tp, seg, m);
}

/* iss_floor: the SYN replaces a TIME_WAIT connection, whose sequence
 * numbers the new ISS must be above (RFC 9293 3.10.7.4); NULL otherwise. */
static void listen_input(struct stack *s, struct tcpcb *l, const struct tcp_key *k,
                         struct tcp_seg *seg, struct rte_mbuf *m, const uint32_t *iss_floor)
{
	if (seg->flags & TH_RST)
		goto drop;
	if ((seg->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		/* A SYN-ACK is bogus on a listener: <SEQ=SEG.ACK><CTL=RST>
		 * (FreeBSD tcp_input, "SYN|ACK invalid"). */
		STAT_INC(s, tcp, tcps_badsyn);
		reset_for(s, k, seg);
		goto drop;
	}
	if (seg->flags & TH_ACK) {
		listen_cookie_ack(s, l, k, seg, m);
		return;
	}
	if (!(seg->flags & TH_SYN)) {
		STAT_INC(s, tcp, tcps_badsyn);
		goto drop;
	}
	/* A SYN, or a SYN+FIN: FreeBSD (net.inet.tcp.drop_synfin = 0) takes
	 * the latter as a SYN; the FIN is ignored, as data on a SYN is.  With
	 * drop_synfin 1 it is dropped (tcps_badsyn). */
	if ((seg->flags & TH_FIN) && KNOB(s, TCP_DROP_SYNFIN)) {
		STAT_INC(s, tcp, tcps_badsyn);
		goto drop;
	}
	listen_syn(s, l, k, seg, iss_floor);
drop:
	rte_pktmbuf_free(m);
}

/* ---- SYN_SENT (3.10.7.3) ---- */

static void process_fin(struct stack *s, struct tcpcb *tp);

/* Text and FIN on the SYN-ACK that established tp (RFC 9293 3.10.7.3:
 * "continue processing at the sixth step"): the data, trimmed to the
 * receive buffer (a trimmed segment loses its FIN), is queued in order;
 * FreeBSD acknowledges it at once (the delayed-ACK timer it arms for the
 * data makes DELAY_ACK() false when the text is queued). */
static void syn_ack_text(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg,
                         struct rte_mbuf *m)
{
	uint32_t space = tcp_rcv_space(s, tp), len = m ? m->pkt_len : 0;
	bool fin = (seg->flags & TH_FIN) != 0;

	if (len > space) {
		STAT_INC(s, tcp, tcps_rcvpackafterwin);
		STAT_ADD(s, tcp, tcps_rcvbyteafterwin, len - space);
		m = m_trim_to(m, space);
		len = space;
		fin = false;
	}
	if (m) {
		rcvq_append(s, tp, m);
		tcp_notify(s, tp, TCP_EV_IN);
	}
	if (fin)
		process_fin(s, tp);
}

static void syn_sent(struct stack *s, struct tcpcb *tp, struct tcp_seg *seg, struct rte_mbuf *m)
{
	uint8_t fl = seg->flags;

	if ((fl & TH_ACK) && (SEQ_LEQ(seg->ack, tp->iss) || SEQ_GT(seg->ack, tp->snd_max))) {
		STAT_INC(s, tcp, tcps_badsyn);
		if (!(fl & TH_RST))
			tcp_respond(s, &tp->key, seg->ack, 0, TH_RST, 0);
		goto drop;
	}
	if (fl & TH_RST) {
		if (fl & TH_ACK) {
			STAT_INC(s, tcp, tcps_rcvreset);
			tcp_drop(s, tp, ECONNREFUSED);
		} else {
			STAT_INC(s, tcp, tcps_badrst);
		}
		goto drop;
	}
	if (!(fl & TH_SYN)) {
		STAT_INC(s, tcp, tcps_badsyn);
		goto drop;
	}
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	syn_options(s, tp, &seg->opt, true);
	tp->snd_wnd = seg->win;
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = seg->seq;
	if (fl & TH_ACK) {
		/* Our SYN is acknowledged: ESTABLISHED.  ECN if we asked and
		 * the SYN-ACK agrees: ECE without CWR (RFC 3168 6.1.1; a host
		 * that did not ask MUST NOT use it, whatever FreeBSD's
		 * tcp_ecn_input_syn_sent accepts). */
		if ((tp->t_ecn & ECN_REQ) && (fl & (TH_ECE | TH_CWR)) == TH_ECE) {
			tp->t_ecn |= ECN_PERMIT;
			STAT_INC(s, tcp, tcps_ecn_shs);
		}
		tp->t_ecn &= (uint8_t)~ECN_REQ;
		if (tp->t_flags & TF_RCVD_TSTMP && (seg->opt.present & TOF_TS) && seg->opt.tsecr)
			tcp_rtt_update(s, tp,
			               (tcp_ms(s) - (seg->opt.tsecr - tp->ts_offset)) * 1000u);
		else if (tp->t_rtttime && tp->t_rxtshift == 0)
			tcp_rtt_update(s, tp, (uint32_t)((s->now - tp->t_rtttime) / 1000u));
		tp->t_rtttime = 0;
		tp->snd_una = seg->ack;
		tp->snd_wl2 = seg->ack;
		tcp_rexmt_stop(s, tp);
		established(s, tp);
		STAT_INC(s, tcp, tcps_connects);
		if (tp->t_flags & TF_SHUT_WR)
			tcp_set_state(s, tp, TCPS_FIN_WAIT_1); /* closed while connecting */
		tcp_notify(s, tp, TCP_EV_CONN | TCP_EV_OUT);
		syn_ack_text(s, tp, seg, m);
		tp->t_flags |= TF_ACKNOW;
		tcp_output(s, tp);
		return;
	}
	/* Simultaneous open: SYN_RECEIVED, send SYN,ACK (same ISS).
	 * FIXME(tfo): data on the SYN is dropped (the peer sends it again). */
	tcp_set_state(s, tp, TCPS_SYN_RECEIVED);
	tp->snd_nxt = tp->iss;
	tp->t_rtttime = 0;
	tcp_output(s, tp);
drop:
	rte_pktmbuf_free(m);
}

/* ---- the synchronized states (3.10.7.4) ---- */

/* RCV.WND for the acceptability tests: the free buffer space, but never
 * less than what was advertised (FreeBSD tcp_do_segment's rcv_wnd). */
static uint32_t rcv_wnd_now(const struct stack *s, const struct tcpcb *tp)
{
	uint32_t adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t space = tcp_rcv_space(s, tp);

	return space > adv ? space : adv;
}

/* A half-open passive connection (SYN_RECEIVED from a listener) answers
 * what arrives as FreeBSD's syncache, which holds such connections, does
 * (tcp_syncache.c, and tcp_input's listen-socket checks); RFC 9293
 * 3.10.7.4 either agrees or leaves the choice open:
 *   (its listener closed: answered as a closed port, the entry kept);
 *   RST     at RCV.NXT: back to LISTEN; elsewhere in the window: an ACK,
 *           not rate limited; outside: ignored (syncache_chkrst);
 *   SYN     without ACK, whatever its sequence number: the SYN-ACK again,
 *           its timer restarted (syncache_add finds the entry); with an
 *           ACK: <SEQ=SEG.ACK><CTL=RST>, the entry kept;
 *   no ACK  dropped (the listener's "SYN is missing");
 *   ACK     dropped silently if it fails PAWS or lacks a timestamp the SYN
 *           had; <SEQ=SEG.ACK><CTL=RST> and the half-open connection gone
 *           if SEG.ACK is not ISS+1 or SEG.SEQ is outside (IRS, IRS +
 *           RCV.WND] (syncache_expand takes the entry out before checking);
 *           otherwise on to do_segment, which completes the handshake.
 * Returns true when do_segment goes on with the segment; false when it
 * was consumed (m freed, tp maybe freed). */
static bool syn_received_passive(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg,
                                 struct rte_mbuf *m)
{
	uint8_t fl = seg->flags;
	uint32_t wnd = tp->rcv_hiwat < TCP_MAXWIN ? tp->rcv_hiwat : TCP_MAXWIN;
	const struct tcp_opts *o = &seg->opt;

	if (!tp->listener) {
		/* Its listener is gone (tcp_listener_drop_children): FreeBSD
		 * finds no listening socket for the segment and answers as a
		 * closed port; the syncache entry goes on until it times out. */
		STAT_INC(s, tcp, tcps_noport);
		reset_for(s, &tp->key, seg);
		goto consumed;
	}
	if (fl & TH_RST) {
		if (seg->seq == tp->rcv_nxt) {
			STAT_INC(s, tcp, tcps_rcvreset);
			STAT_INC(s, tcp, tcps_sc_aborted);
			tcp_close_conn(s, tp);
		} else if (SEQ_GT(seg->seq, tp->rcv_nxt) && SEQ_LT(seg->seq, tp->rcv_nxt + wnd)) {
			STAT_INC(s, tcp, tcps_rstchallenge);
			tcp_send_ack(s, tp);
		} else {
			STAT_INC(s, tcp, tcps_badrst);
		}
		goto consumed;
	}
	if (fl & TH_SYN) {
		STAT_INC(s, tcp, tcps_badsyn);
		if (fl & TH_ACK) {
			if (tcp_rst_allowed(s))
				tcp_respond(s, &tp->key, seg->ack, 0, TH_RST, 0);
			goto consumed;
		}
		STAT_INC(s, tcp, tcps_sc_dupsyn);
		if (!ecn_setup_syn(s, seg))
			tp->t_ecn &= (uint8_t)~ECN_PERMIT; /* the peer fell back */
		if ((tp->t_flags & TF_RCVD_TSTMP) && (o->present & TOF_TS)) {
			tp->ts_recent = o->tsval;
			tp->ts_recent_age_ms = tcp_ms(s);
		} else if (tp->t_flags & TF_RCVD_TSTMP) {
			/* The peer dropped timestamps: so do we (syncache_add). */
			tp->t_flags &= ~(TF_RCVD_TSTMP | TF_REQ_TSTMP);
			tp->t_maxseg = (uint16_t)RTE_MIN(clamp_mss(s, tp->t_peermss), tp->t_advmss);
		}
		tp->t_rxtshift = 0;
		tp->snd_nxt = tp->iss;
		tcp_output(s, tp);
		tcp_rexmt_arm(s, tp);
		goto consumed;
	}
	if (!(fl & TH_ACK)) {
		STAT_INC(s, tcp, tcps_badsyn);
		goto consumed;
	}
	if (tp->t_flags & TF_RCVD_TSTMP) {
		if (!(o->present & TOF_TS)) {
			STAT_INC(s, tcp, tcps_tsmissing);
			goto consumed;
		}
		if (SEQ_LT(o->tsval, tp->ts_recent)) {
			STAT_INC(s, tcp, tcps_pawsdrop);
			goto consumed;
		}
	}
	if (seg->ack != tp->iss + 1 || SEQ_LEQ(seg->seq, tp->irs) ||
	    SEQ_GT(seg->seq, tp->irs + wnd)) {
		STAT_INC(s, tcp, tcps_badsyn);
		STAT_INC(s, tcp, tcps_sc_aborted);
		if (tcp_rst_allowed(s))
			tcp_respond(s, &tp->key, seg->ack, 0, TH_RST, 0);
		tcp_close_conn(s, tp);
		goto consumed;
	}
	return true;
consumed:
	rte_pktmbuf_free(m);
	return false;
}

/* ECN on a connection that negotiated it (RFC 3168 6.1.2-6.1.3, as
 * FreeBSD's tcp_ecn_input_segment and cc_cong_signal(CC_ECN)): CWR from
 * the peer ends our ECE echo (and is ACKed at once); a CE mark starts it;
 * an ECE reduces the congestion window, at most once per window of data
 * (until SND.UNA passes what was in flight), and our next new data carries
 * CWR. */
static void ecn_input(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg, uint8_t fl)
{
	if (fl & TH_CWR) {
		tp->t_ecn &= (uint8_t)~ECN_SND_ECE;
		tp->t_flags |= TF_ACKNOW;
	}
	if (seg->ecn == IPECN_CE) {
		STAT_INC(s, tcp, tcps_ecn_ce);
		tp->t_ecn |= ECN_SND_ECE;
	}
	if ((fl & (TH_ECE | TH_SYN | TH_ACK)) != (TH_ECE | TH_ACK))
		return;
	if ((tp->t_ecn & ECN_CONG) && SEQ_LT(seg->ack, tp->t_ecn_recover))
		return;
	STAT_INC(s, tcp, tcps_ecn_rcwnd);
	tcp_cc(tp)->cong_signal(s, tp, CC_ECN);
	tp->t_ecn |= ECN_CONG | ECN_SND_CWR;
	tp->t_ecn_recover = tp->snd_max + 1;
}

/* The oldest acceptable SEG.ACK (RFC 5961 section 5.2): SND.UNA -
 * MAX.SND.WND, or ISS + 1 while that is stricter (an ACK of nothing we
 * ever sent, FreeBSD's ghost ACK check; given up for good once SND.UNA is
 * a whole maximal window past the ISS, TF_NO_ISS_CHECK, so that sequence
 * wrap cannot fool it). */
static uint32_t ack_min(struct tcpcb *tp)
{
	uint32_t old = tp->snd_una - tp->max_sndwnd;

	if (!(tp->t_flags & TF_NO_ISS_CHECK) &&
	    SEQ_GEQ(tp->snd_una, tp->iss + (TCP_MAXWIN << tp->snd_scale)))
		tp->t_flags |= TF_NO_ISS_CHECK;
	if (!(tp->t_flags & TF_NO_ISS_CHECK) && SEQ_GT(tp->iss + 1, old))
		return tp->iss + 1;
	return old;
}

/* New data after the owner closed (RFC 1122 4.2.2.13, FreeBSD's
 * tcps_rcvafterclose): the connection is closed and the segment answered
 * with a RST as a closed port would answer it (FreeBSD's dropwithreset:
 * <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 * without an ACK). */
static void rcv_after_close(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg)
{
	const struct tcp_key k = tp->key;

	STAT_INC(s, tcp, tcps_rcvafterclose);
	STAT_INC(s, tcp, tcps_drops);
	tcp_close_conn(s, tp); /* detached: freed */
	if (seg->flags & TH_ACK)
		tcp_respond(s, &k, seg->ack, 0, TH_RST, 0);
	else
		tcp_respond(s, &k, 0, seg->seq + seg->len + ((seg->flags & TH_FIN) ? 1 : 0),
		            TH_RST | TH_ACK, 0);
}

static void fast_retransmit(struct stack *s, struct tcpcb *tp);

/* A loss probe is outstanding and the peer SACKs data while SND.UNA stays
 * below it: what was sent before the probe (at least a PTO earlier) and is
 * neither ACKed nor SACKed is lost (RFC 8985 section 7.4, RACK's view). */
static bool tlp_found_hole(const struct tcpcb *tp)
{
	return (tp->t_tlp & TLP_OUT) && tp->sack && tp->sack->sacked &&
	       SEQ_LT(tp->snd_una, tp->t_tlp_high) && !(tp->t_flags & TF_FASTRECOVERY);
}

/* Duplicate ACK handling (RFC 5681 section 3.2, RFC 6582, RFC 6675 5). */
static void dup_ack(struct stack *s, struct tcpcb *tp)
{
	uint32_t mss = tp->t_maxseg;
	bool sack = (tp->t_flags & TF_SACK_PERMIT) != 0;

	STAT_INC(s, tcp, tcps_rcvdupack);
	if (!tp->t_rexmt_at || (tp->t_flags & TF_PERSIST)) {
		tp->t_dupacks = 0;
		return;
	}
	if (tp->t_flags & TF_FASTRECOVERY) {
		if (!sack)
			tp->snd_cwnd += mss; /* inflate (RFC 5681 step 4) */
		tcp_output(s, tp);
		return;
	}
	if (tp->t_dupacks < 255)
		tp->t_dupacks++;
	/* RFC 6675 section 5 (IsLost): more than (DupThresh - 1) segments
	 * SACKed above SND.UNA also means the first one is lost. */
	if (sack && tp->t_dupacks < 3 && tp->sack && tp->sack->sacked > 2u * mss)
		tp->t_dupacks = 3;
	if (tlp_found_hole(tp))
		tp->t_dupacks = 3;
	if (tp->t_dupacks < 3) {
		if (KNOB(s, TCP_RFC3042)) {
			uint32_t before = tp->snd_max;

			tcp_output(s, tp);
			if (tp->snd_max != before)
				STAT_INC(s, tcp, tcps_limited_transmit);
		}
		return;
	}
	if (tp->t_dupacks > 3)
		return;
	/* Third duplicate: fast retransmit, unless this loss belongs to an
	 * episode already handled (RFC 6582 section 3.2 step 2). */
	if (SEQ_LEQ(tp->snd_una, tp->snd_recover) && tp->snd_recover != tp->snd_una) {
		tp->t_dupacks = 0;
		return;
	}
	fast_retransmit(s, tp);
}

/* Loss detected at SND.UNA: fast retransmit and recovery (RFC 5681 3.2
 * steps 2-3, RFC 6582, RFC 6675 section 5). */
static void fast_retransmit(struct stack *s, struct tcpcb *tp)
{
	uint32_t mss = tp->t_maxseg;
	bool sack = (tp->t_flags & TF_SACK_PERMIT) != 0;

	tp->t_tlp = 0;
	tp->t_dupacks = 3;
	tcp_cc(tp)->cong_signal(s, tp, CC_DUPACK_RECOVERY);
	if (tp->t_ecn & ECN_PERMIT)
		tp->t_ecn |= ECN_SND_CWR; /* the reduction is told (RFC 3168 6.1.2) */
	tp->snd_recover = tp->snd_max;
	tp->t_flags |= TF_FASTRECOVERY;
	tp->t_rtttime = 0;
	{
		uint32_t len = tp->snd.cc < mss ? tp->snd.cc : mss;

		if (len)
			tcp_send_seg(s, tp, tp->snd_una, len, TH_ACK);
		tcp_rexmt_arm(s, tp);
		if (sack) {
			STAT_INC(s, tcp, tcps_sack_recovery_episode);
			if (tp->sack)
				tcp_sack_rexmitted(tp, tp->snd_una + len);
			tp->snd_cwnd = tp->snd_ssthresh;
		} else {
			STAT_INC(s, tcp, tcps_newreno_recovery);
			tp->snd_cwnd = tp->snd_ssthresh + 3 * mss;
		}
	}
	tcp_output(s, tp);
}

static void process_fin(struct stack *s, struct tcpcb *tp)
{
	if (tp->t_flags & TF_RCVD_FIN)
		return;
	tp->t_flags |= TF_RCVD_FIN | TF_ACKNOW;
	tp->t_flags &= ~TF_FIN_PENDING;
	tp->rcv_nxt++;
	switch (tp->t_state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(s, tp, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		tcp_set_state(s, tp, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_set_state(s, tp, TCPS_TIME_WAIT);
		tcp_2msl_arm(s, tp);
		break;
	default:
		break;
	}
	tcp_notify(s, tp, TCP_EV_IN | TCP_EV_HUP);
}

/* A spurious retransmission timeout (FreeBSD's "bad retransmit", the
 * detection of RFC 3522 Eifel): after the first timeout, an ACK echoing a
 * timestamp older than the retransmission answers the original
 * transmission, which was delayed, not lost.  Without timestamps nothing
 * is guessed (FreeBSD also takes an ACK within SRTT/2 of the
 * retransmission as proof; we do not). */
static bool rto_was_spurious(const struct tcpcb *tp, const struct tcp_opts *o)
{
	return (tp->t_rxtundo & RXT_PREVVALID) && (tp->t_flags & TF_RCVD_TSTMP) &&
	       (o->present & TOF_TS) && o->tsecr &&
	       SEQ_LT(o->tsecr - tp->ts_offset, tp->t_badrxtwin);
}

/* The timeout's response is taken back (FreeBSD's CC_RTO_ERR): cwnd,
 * ssthresh and the recovery point as they were before it, fast recovery
 * too if it struck during one, and sending resumes at SND.MAX instead of
 * going back N (what is still missing is found as losses are), and the
 * congestion module's state too: CUBIC's W_max, K and epoch as they were
 * (FreeBSD's cubic keeps undo copies for CC_RTO_ERR), so the window grows
 * on the curve the timeout interrupted. */
static void rto_undo(struct stack *s, struct tcpcb *tp)
{
	STAT_INC(s, tcp, tcps_sndrexmitbad);
	tp->snd_cwnd = tp->snd_cwnd_prev;
	tp->snd_ssthresh = tp->snd_ssthresh_prev;
	tp->snd_recover = tp->snd_recover_prev;
	tp->cc = tp->cc_prev;
	if (tp->t_rxtundo & RXT_WASFR)
		tp->t_flags |= TF_FASTRECOVERY;
	tp->snd_nxt = tp->snd_max;
	tp->t_rxtundo = 0;
	tcp_rack_rto_undo(tp);
}

/* Handles an ACK that moves SND.UNA; false if tp was freed. */
static bool new_ack(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg,
                    struct tcpcb **out)
{
	uint32_t ack = seg->ack;
	uint32_t acked = ack - tp->snd_una, data_acked;
	bool fin_acked = false, tlp_cut = false;

	STAT_INC(s, tcp, tcps_rcvackpack);
	if (tp->t_rxtshift == 1 && rto_was_spurious(tp, &seg->opt))
		rto_undo(s, tp);
	/* RTT sample (RFC 7323 section 4 with timestamps, retransmissions
	 * included; else the timed segment, never a retransmitted one:
	 * Karn).  The echo names the transmission that the peer's ACK
	 * answers (TS.Recent comes from the segment that reached its left
	 * edge: a retransmission that filled the hole, or the original if
	 * that arrived after all), so RFC 6298 section 3 lets it be used;
	 * FreeBSD does. */
	if ((tp->t_flags & TF_RCVD_TSTMP) && (seg->opt.present & TOF_TS) && seg->opt.tsecr) {
		uint32_t rtt_ms = tcp_ms(s) - (seg->opt.tsecr - tp->ts_offset);

		if (rtt_ms < 60u * 1000u)
			tcp_rtt_update(s, tp, rtt_ms * 1000u + 1);
	} else if (tp->t_rtttime && SEQ_GT(ack, tp->t_rtseq) && !(tp->t_flags & TF_RCVD_TSTMP)) {
		tcp_rtt_update(s, tp, (uint32_t)((s->now - tp->t_rtttime) / 1000u));
		tp->t_rtttime = 0;
	}
	if ((tp->t_flags & TF_SENTFIN) && ack == tp->snd_max && tp->snd_una + tp->snd.cc + 1 == ack)
		fin_acked = true;
	data_acked = acked - (fin_acked ? 1 : 0);
	if (data_acked > tp->snd.cc)
		data_acked = tp->snd.cc;

	/* The loss probe is acknowledged (RFC 8985 section 7.4): a
	 * retransmitted one that the peer does not report as a duplicate
	 * (D-SACK, RFC 2883: a first block below the ACK) repaired a loss,
	 * which calls for the congestion response of a fast recovery. */
	if ((tp->t_tlp & TLP_OUT) && SEQ_GEQ(ack, tp->t_tlp_high)) {
		const struct tcp_opts *o = &seg->opt;
		bool dsack = (o->present & TOF_SACK) && o->nsack && SEQ_LEQ(o->sack[0].end, ack);

		if ((tp->t_tlp & TLP_REXMIT) && !dsack && !(tp->t_flags & TF_FASTRECOVERY)) {
			STAT_INC(s, tcp, tcps_tlp_recovered);
			tcp_cc(tp)->cong_signal(s, tp, CC_DUPACK_RECOVERY);
			tp->snd_cwnd = tp->snd_ssthresh;
			tlp_cut = true;
		}
		tp->t_tlp &= (uint8_t) ~(TLP_OUT | TLP_REXMIT);
	}

	if (tp->t_flags & TF_FASTRECOVERY) {
		if (SEQ_GEQ(ack, tp->snd_recover)) {
			/* Full ACK: recovery ends. */
			tp->t_flags &= ~TF_FASTRECOVERY;
			tp->t_dupacks = 0;
			tp->snd_una = ack;
			tcp_cc(tp)->post_recovery(s, tp);
		} else if (!(tp->t_flags & TF_SACK_PERMIT)) {
			/* NewReno partial ACK (RFC 6582 section 3.2 step 5):
			 * retransmit the next segment, deflate cwnd. */
			uint32_t len;

			tcp_sndbuf_drop(&tp->snd, data_acked);
			tp->snd_una = ack;
			len = tp->snd.cc < tp->t_maxseg ? tp->snd.cc : tp->t_maxseg;
			if (len)
				tcp_send_seg(s, tp, ack, len, TH_ACK);
			tp->snd_cwnd = tp->snd_cwnd > acked ? tp->snd_cwnd - acked : 0;
			tp->snd_cwnd += tp->t_maxseg;
			data_acked = 0;
		}
	} else {
		/* After an ECE the window does not grow until what was in
		 * flight then is acknowledged, that ACK included (FreeBSD
		 * calls cc_ack_received before it leaves recovery). */
		bool ecn_cong = (tp->t_ecn & ECN_CONG) != 0;

		tp->t_dupacks = 0;
		if (ecn_cong && SEQ_GEQ(ack, tp->t_ecn_recover))
			tp->t_ecn &= (uint8_t)~ECN_CONG;
		if (!tlp_cut && !ecn_cong)
			tcp_cc(tp)->ack_received(s, tp, data_acked);
	}
	tcp_sndbuf_drop(&tp->snd, data_acked);
	tp->snd_una = ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	tp->bytes_acked += data_acked;
	STAT_ADD(s, tcp, tcps_rcvackbyte, acked);
	if (tp->sack)
		tcp_sack_update(s, tp, &seg->opt);
	/* RFC 6298 (5.2)/(5.3). */
	if (tp->snd_una == tp->snd_max) {
		/* The backoff stays until an RTT sample clears it
		 * (tcp_xmit_timer), as FreeBSD keeps t_rxtshift and the
		 * backed-off t_rxtcur: without timestamps (Karn) the next
		 * timeout then waits as long as the last one did. */
		if (!(tp->t_flags & TF_PERSIST))
			tcp_rexmt_stop(s, tp);
	} else if (!(tp->t_flags & TF_PERSIST)) {
		tcp_pto_or_rexmt_arm(s, tp);
	}
	if (acked && tp->owner && tcp_sendspace(s, tp) > 0 && !(tp->t_flags & TF_SHUT_WR))
		tcp_notify(s, tp, TCP_EV_OUT);

	if (fin_acked) {
		switch (tp->t_state) {
		case TCPS_FIN_WAIT_1:
			tcp_set_state(s, tp, TCPS_FIN_WAIT_2);
			tcp_keep_arm(s, tp);
			break;
		case TCPS_CLOSING:
			tcp_set_state(s, tp, TCPS_TIME_WAIT);
			tcp_2msl_arm(s, tp);
			break;
		case TCPS_LAST_ACK:
			*out = tcp_close_conn(s, tp);
			return false;
		default:
			break;
		}
	}
	return true;
}

/* RFC 9293 3.10.7.4 fifth step: SND.WND from a segment that is not older
 * than the last one used (SND.WL1, SND.WL2). */
static void update_window(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t ack,
                          uint32_t tiwin, uint32_t tlen)
{
	if (!(SEQ_LT(tp->snd_wl1, seq) || (tp->snd_wl1 == seq && SEQ_LEQ(tp->snd_wl2, ack))))
		return;
	if (tlen == 0 && tp->snd_wl2 == ack && tiwin > tp->snd_wnd)
		STAT_INC(s, tcp, tcps_rcvwinupd);
	/* Under memory pressure the send space follows the peer's window
	 * (tcp_sendspace): a window that opens is news to a writer. */
	if (tiwin > tp->snd_wnd && s->mem.level != MEM_OK && tp->owner &&
	    !(tp->t_flags & TF_SHUT_WR)) {
		tp->snd_wnd = tiwin;
		tcp_notify(s, tp, TCP_EV_OUT);
	}
	tp->snd_wnd = tiwin;
	tp->snd_wl1 = seq;
	tp->snd_wl2 = ack;
	if (tiwin > tp->max_sndwnd)
		tp->max_sndwnd = tiwin;
	if (tiwin > 0 && (tp->t_flags & TF_PERSIST)) {
		/* The window opened: leave persist; the probe byte is sent
		 * again with what follows it. */
		tp->t_flags &= ~TF_PERSIST;
		tp->t_rexmt_at = 0;
		tp->t_rxtshift = 0;
		tp->snd_nxt = tp->snd_una;
		tcp_timer_update(s, tp);
	}
}

static void do_segment(struct stack *s, struct tcpcb *tp, struct tcp_seg *seg, struct rte_mbuf *m)
{
	uint8_t fl = seg->flags;
	uint32_t seq = seg->seq, tlen = seg->len;
	uint32_t tiwin = seg->win;
	uint32_t rcv_wnd, todrop;
	uint32_t seq0 = seq; /* SEG.SEQ (past an old SYN trimmed off) */
	const bool had_fin = (fl & TH_FIN) != 0;
	const struct tcp_opts *o = &seg->opt;

	tp->t_rcvtime = tcp_ms(s); /* the peer is not silent (persist) */
	if (tp->t_state == TCPS_SYN_SENT) {
		syn_sent(s, tp, seg, m);
		return;
	}
	if (tp->t_state == TCPS_SYN_RECEIVED && (tp->t_flags & TF_PASSIVE) &&
	    !syn_received_passive(s, tp, seg, m))
		return;
	if (!(fl & TH_SYN))
		tiwin <<= tp->snd_scale;

	/* RFC 7323 section 3.2: once timestamps are in use, a segment
	 * without one (RSTs aside) SHOULD be dropped; FreeBSD does, silently
	 * (net.inet.tcp.tolerate_missing_ts 0). */
	if ((tp->t_flags & TF_RCVD_TSTMP) && !(o->present & TOF_TS) && !(fl & TH_RST)) {
		STAT_INC(s, tcp, tcps_tsmissing);
		goto drop;
	}

	/* Keepalive: any segment shows the peer is alive. */
	if (tp->t_state >= TCPS_ESTABLISHED && tp->t_state <= TCPS_FIN_WAIT_2)
		tcp_keep_arm(s, tp);

	/* First: RST (RFC 5961 section 3.2), against the last ACK sent
	 * rather than RCV.NXT, so that a delayed ACK does not move the
	 * target (FreeBSD tcp_do_segment: last_ack_sent; a closed window
	 * takes exactly that sequence number). */
	if (fl & TH_RST) {
		uint32_t las = tp->last_ack_sent, wnd = rcv_wnd_now(s, tp);

		if (!((SEQ_GEQ(seq, las) && SEQ_LT(seq, las + wnd)) || (wnd == 0 && seq == las))) {
			STAT_INC(s, tcp, tcps_badrst);
			goto drop;
		}
		/* net.inet.tcp.insecure_rst: anywhere in the window resets
		 * (RFC 793, before RFC 5961). */
		if (seq != las && !KNOB(s, TCP_INSECURE_RST)) {
			STAT_INC(s, tcp, tcps_rstchallenge);
			challenge_ack(s, tp);
			goto drop;
		}
		STAT_INC(s, tcp, tcps_rcvreset);
		STAT_INC(s, tcp, tcps_drops);
		rte_pktmbuf_free(m);
		/* SYN_RECEIVED (a simultaneous open): refused; ESTABLISHED,
		 * FIN_WAIT_1/2, CLOSE_WAIT (RFC 9293 3.10.7.4: "connection
		 * reset"), and CLOSING, LAST_ACK, where the RFC only closes:
		 * FreeBSD (and Linux) report ECONNRESET there too.  What was
		 * received stays readable before the error (both do). */
		tp->so_error = tp->t_state == TCPS_SYN_RECEIVED ? ECONNREFUSED : ECONNRESET;
		tcp_close_conn(s, tp);
		return;
	}

	/* SYN in a synchronized state (RFC 5961 section 4). */
	if (fl & TH_SYN) {
		if (tp->t_state == TCPS_SYN_RECEIVED && seq == tp->irs) {
			if (!(fl & TH_ACK)) {
				/* Our SYN-ACK was lost: send it again. */
				tp->snd_nxt = tp->iss;
				tcp_output(s, tp);
				goto drop;
			}
			/* Simultaneous open (RFC 9293 figure 8): the peer's
			 * SYN-ACK.  Its SYN is the one we have, old now:
			 * trimmed off (3.10.7.4 first step); the ACK
			 * completes the handshake, and is answered. */
			fl &= (uint8_t)~TH_SYN;
			seq++;
			seq0++;
			tp->t_flags |= TF_ACKNOW;
		} else if (KNOB(s, TCP_INSECURE_SYN) && SEQ_GEQ(seq, tp->last_ack_sent) &&
		           SEQ_LT(seq, tp->last_ack_sent + rcv_wnd_now(s, tp))) {
			/* net.inet.tcp.insecure_syn (RFC 793, before RFC
			 * 5961): a SYN in the window resets the connection,
			 * answered as tcp_dropwithreset answers it (not rate
			 * limited: FreeBSD's BANDLIM_UNLIMITED). */
			uint32_t slen = seg->len + 1u + ((fl & TH_FIN) ? 1u : 0u);
			struct tcp_key k = tp->key;

			STAT_INC(s, tcp, tcps_drops);
			rte_pktmbuf_free(m);
			tp->so_error = ECONNRESET;
			tcp_close_conn(s, tp);
			if (fl & TH_ACK)
				tcp_respond(s, &k, seg->ack, 0, TH_RST, 0);
			else
				tcp_respond(s, &k, 0, seg->seq + slen, TH_RST | TH_ACK, 0);
			return;
		} else {
			STAT_INC(s, tcp, tcps_synchallenge);
			challenge_ack(s, tp);
			goto drop;
		}
	}

	/* PAWS (RFC 7323 section 5.3): an old timestamp drops the segment;
	 * FreeBSD answers only one that carries data. */
	if ((tp->t_flags & TF_RCVD_TSTMP) && (o->present & TOF_TS) && tp->ts_recent &&
	    SEQ_LT(o->tsval, tp->ts_recent)) {
		if (tcp_ms(s) - tp->ts_recent_age_ms > 24u * 24 * 3600 * 1000) {
			tp->ts_recent = 0; /* too old to compare (section 5.5) */
		} else {
			STAT_INC(s, tcp, tcps_pawsdrop);
			if (tlen)
				goto dropafterack_limited;
			goto drop;
		}
	}

	if ((tp->t_ecn & ECN_PERMIT) && tp->t_state >= TCPS_ESTABLISHED)
		ecn_input(s, tp, seg, fl);

	/* Sequence check: trim to the window (3.10.7.4 first step). */
	rcv_wnd = rcv_wnd_now(s, tp);
	todrop = tp->rcv_nxt - seq;
	if ((int32_t)todrop > 0) {
		if (todrop > tlen || (todrop == tlen && !(fl & TH_FIN))) {
			/* Entirely old: ACK it (a lost ACK?), keep the ACK
			 * field; the ACK is one of the ack war limit's. */
			STAT_INC(s, tcp, tcps_rcvduppack);
			STAT_ADD(s, tcp, tcps_rcvdupbyte, tlen);
			fl &= (uint8_t)~TH_FIN;
			todrop = tlen;
			if (tcp_ack_war_allowed(s, tp)) {
				tp->t_flags |= TF_ACKNOW;
				dsack_note(tp, seq, seq + todrop);
			} else {
				STAT_INC(s, tcp, tcps_ackwar_limited);
			}
		} else {
			STAT_INC(s, tcp, tcps_rcvpartduppack);
			STAT_ADD(s, tcp, tcps_rcvdupbyte, todrop);
			dsack_note(tp, seq, seq + todrop);
		}
		if (m)
			m = m_adj_front(m, todrop);
		seq += todrop;
		tlen -= todrop;
	}
	/* New data after close() while the peer's FIN is still to come (FreeBSD:
	 * TF_CLOSED, no FIN received; in CLOSING and LAST_ACK the text is just
	 * ignored, as any after a FIN). */
	if ((tp->t_flags & TF_DETACHED) && !(tp->t_flags & TF_RCVD_FIN) && tlen) {
		rte_pktmbuf_free(m);
		rcv_after_close(s, tp, seg);
		return;
	}
	todrop = (seq + tlen) - (tp->rcv_nxt + rcv_wnd);
	if ((int32_t)todrop > 0) {
		STAT_INC(s, tcp, tcps_rcvpackafterwin);
		if (todrop >= tlen) {
			STAT_ADD(s, tcp, tcps_rcvbyteafterwin, tlen);
			if (rcv_wnd == 0 && seq == tp->rcv_nxt) {
				STAT_INC(s, tcp, tcps_rcvwinprobe);
				if (tcp_ack_war_allowed(s, tp))
					tp->t_flags |= TF_ACKNOW;
				else
					STAT_INC(s, tcp, tcps_ackwar_limited);
			} else {
				goto dropafterack_limited;
			}
		} else {
			STAT_ADD(s, tcp, tcps_rcvbyteafterwin, todrop);
		}
		if (m)
			m = m_trim_to(m, tlen - (todrop > tlen ? tlen : todrop));
		tlen -= todrop > tlen ? tlen : todrop;
		fl &= (uint8_t) ~(TH_FIN | TH_PUSH);
	}

	/* Timestamps: remember the peer's (RFC 7323 section 4.3). */
	if ((tp->t_flags & TF_RCVD_TSTMP) && (o->present & TOF_TS) &&
	    SEQ_LEQ(seq0, tp->last_ack_sent) &&
	    SEQ_LEQ(tp->last_ack_sent, seq0 + seg->len + (had_fin ? 1 : 0)) &&
	    SEQ_GEQ(o->tsval, tp->ts_recent)) {
		tp->ts_recent = o->tsval;
		tp->ts_recent_age_ms = tcp_ms(s);
	}

	/* ACK processing. */
	if (!(fl & TH_ACK)) {
		if (tp->t_flags & TF_ACKNOW)
			goto dropafterack;
		goto drop;
	}
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (SEQ_LEQ(seg->ack, tp->snd_una) || SEQ_GT(seg->ack, tp->snd_max)) {
			STAT_INC(s, tcp, tcps_badsyn);
			/* FreeBSD's BANDLIM_RST_OPENPORT: within icmplim. */
			if (tcp_rst_allowed(s))
				tcp_respond(s, &tp->key, seg->ack, 0, TH_RST, 0);
			goto drop;
		}
		if (tp->t_flags & TF_PASSIVE) {
			struct tcpcb *l = tp->listener;

			if (l && tcp_acceptq_full(l)) {
				/* No room in the accept queue (handshake_no_room);
				 * with rst_on_sock_fail off the half-open
				 * connection waits for the ACK again (a cookie's
				 * has nothing to wait for). */
				handshake_no_room(s, &tp->key, seg);
				if ((tp->t_flags & TF_COOKIE) || KNOB(s, TCP_SC_RST_SOCK_FAIL)) {
					rte_pktmbuf_free(m);
					tcp_close_conn(s, tp);
					return;
				}
				goto drop;
			}
			if (l) {
				l->q_incomp--;
				l->q_len++;
				list_del(&tp->link);
				list_add_tail(&l->acceptq, &tp->link);
				tp->t_flags |= TF_ACCEPTQ;
			}
			STAT_INC(s, tcp, tcps_accepts);
			STAT_INC(s, tcp, tcps_sc_completed);
		} else {
			STAT_INC(s, tcp, tcps_connects);
		}
		/* The SYN is acknowledged; the ACK may cover data too.  RTT
		 * sample: the echoed timestamp (RFC 7323 section 4), else
		 * the timed SYN-ACK of a simultaneous open unless it was
		 * retransmitted (Karn).  A passive open without timestamps
		 * takes none: FreeBSD's syncache times no SYN-ACK, so the
		 * first RTO stays net.inet.tcp.rexmit_initial. */
		if ((tp->t_flags & TF_RCVD_TSTMP) && (o->present & TOF_TS) && o->tsecr) {
			uint32_t rtt_ms = tcp_ms(s) - (o->tsecr - tp->ts_offset);

			if (rtt_ms < 60u * 1000u)
				tcp_rtt_update(s, tp, rtt_ms * 1000u + 1);
		} else if (tp->t_rtttime && tp->t_rxtshift == 0 &&
		           !(tp->t_flags & (TF_RCVD_TSTMP | TF_PASSIVE))) {
			tcp_rtt_update(s, tp, (uint32_t)((s->now - tp->t_rtttime) / 1000u));
		}
		tp->t_rtttime = 0;
		if (tp->t_ecn & ECN_PERMIT)
			STAT_INC(s, tcp, tcps_ecn_shs);
		tp->snd_una++;
		tp->snd_wnd = tiwin;
		tp->max_sndwnd = tiwin > tp->max_sndwnd ? tiwin : tp->max_sndwnd;
		tp->snd_wl1 = seq;
		tp->snd_wl2 = seg->ack;
		tcp_rexmt_stop(s, tp);
		established(s, tp);
		if (tp->listener)
			tcp_notify(s, tp->listener, TCP_EV_IN);
		else
			tcp_notify(s, tp, TCP_EV_CONN | TCP_EV_OUT);
		if (tp->t_state == TCPS_ESTABLISHED && (tp->t_flags & TF_SHUT_WR)) {
			/* Closed while the handshake ran: FIN now. */
			tcp_set_state(s, tp, TCPS_FIN_WAIT_1);
		}
	}

	/* RFC 5961 section 5.2: ACK acceptability. */
	if (SEQ_GT(seg->ack, tp->snd_max)) {
		STAT_INC(s, tcp, tcps_rcvacktoomuch);
		goto dropafterack_limited;
	}
	if (SEQ_LT(seg->ack, ack_min(tp))) {
		STAT_INC(s, tcp, tcps_rcvghostack);
		challenge_ack(s, tp);
		goto drop;
	}
	if (SEQ_LEQ(seg->ack, tp->snd_una)) {
		/* A duplicate ACK: RFC 5681 section 2 (no data, SND.UNA, the
		 * window unchanged, data outstanding).  With SACK in use (the
		 * ACK has blocks, or the scoreboard holds some) it must tell
		 * something new, RFC 6675 section 2 (then a moved window
		 * does not matter): an ACK repeating known blocks, or
		 * carrying only a D-SACK (RFC 2883), is no sign of a loss --
		 * FreeBSD's SACK_NOCHANGE rule. */
		bool sack_info = (tp->t_flags & TF_SACK_PERMIT) && (o->present & TOF_SACK);

		if (tlen == 0 && seg->ack == tp->snd_una && (tiwin == tp->snd_wnd || sack_info) &&
		    tp->snd_max != tp->snd_una && !(fl & (TH_SYN | TH_FIN))) {
			bool news = true;

			if (tp->t_flags & TF_SACK_PERMIT) {
				news = tcp_sack_update(s, tp, o);
				if (!sack_info && !(tp->sack && tp->sack->n))
					news = true; /* no SACK in play: RFC 5681 */
			}
			update_window(s, tp, seq, seg->ack, tiwin, tlen);
			if (tp->rack) {
				/* RACK (tcp_rack.c): time, not DupThresh. */
				STAT_INC(s, tcp, tcps_rcvdupack);
				tcp_rack_ack(s, tp, o);
				tcp_output(s, tp);
			} else if (news) {
				dup_ack(s, tp);
			} else {
				STAT_INC(s, tcp, tcps_rcvdupack);
				STAT_INC(s, tcp, tcps_sack_noinfo);
			}
			goto drop; /* nothing else in a pure duplicate */
		}
		if (seg->ack == tp->snd_una && !(tp->t_flags & TF_FASTRECOVERY))
			tp->t_dupacks = 0;
		if (tp->rack && seg->ack == tp->snd_una)
			tcp_rack_ack(s, tp, o); /* SACK blocks on data count too */
	} else {
		struct tcpcb *gone = NULL;

		/* SACK blocks are recorded after the cumulative ACK moved
		 * (new_ack trims the scoreboard first). */
		if (!new_ack(s, tp, seg, &gone)) {
			rte_pktmbuf_free(m);
			return;
		}
		tcp_progress_note(s, tp);
		if ((tp->t_flags & TF_SACK_PERMIT) && (o->present & TOF_SACK))
			tcp_sack_update(s, tp, o);
		if (tp->rack)
			tcp_rack_ack(s, tp, o);
		else if (tlp_found_hole(tp))
			fast_retransmit(s, tp);
		if (tp->t_state == TCPS_TIME_WAIT && had_fin)
			tcp_2msl_arm(s, tp);
	}

	/* Window update (RFC 9293 3.10.7.4, fifth step). */
	update_window(s, tp, seq, seg->ack, tiwin, tlen);

	/* Segment text (seventh step). */
	if (tlen && m) {
		switch (tp->t_state) {
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
			if (seq == tp->rcv_nxt && !(tp->t_flags & TF_SHUT_RD) &&
			    !stack_mem_admit(s, tp->rcvq.bytes)) {
				/* Memory pressure (src/stack/mem.h): the data
				 * is left unacknowledged, and the window the
				 * ACK offers has shrunk. */
				STAT_INC(s, tcp, tcps_rcvmemdrop);
				tp->t_flags |= TF_ACKNOW;
				break;
			}
			if (seq == tp->rcv_nxt && !tp->reass) {
				rcvq_append(s, tp, m);
				m = NULL;
				if (KNOB(s, TCP_DELAYED_ACK) && !(tp->t_flags & TF_DELACK) &&
				    !(fl & TH_FIN))
					tcp_delack_arm(s, tp);
				else
					tp->t_flags |= TF_ACKNOW;
			} else {
				/* Out of order: queue, ACK at once (RFC 5681 4.2). */
				if (seq == tp->rcv_nxt) {
					rcvq_append(s, tp, m);
				} else {
					reass_insert(s, tp, seq, m);
				}
				m = NULL;
				if (reass_pull(s, tp) && (tp->t_flags & TF_FIN_PENDING) &&
				    tp->rcv_nxt == tp->rcv_fin_seq)
					process_fin(s, tp);
				tp->t_flags |= TF_ACKNOW;
			}
			if (tp->rcvq.n)
				tcp_notify(s, tp, TCP_EV_IN);
			break;
		default:
			break; /* no more data expected after a FIN */
		}
	}
	rte_pktmbuf_free(m);
	m = NULL;
	if ((tp->t_flags & TF_FIN_PENDING) && tp->rcv_nxt == tp->rcv_fin_seq)
		process_fin(s, tp);

	/* FIN (eighth step). */
	if (fl & TH_FIN) {
		if (seq + tlen == tp->rcv_nxt) {
			if (tp->t_state == TCPS_TIME_WAIT) {
				tp->t_flags |= TF_ACKNOW;
				tcp_2msl_arm(s, tp);
			} else {
				process_fin(s, tp);
			}
		} else if (!(tp->t_flags & TF_RCVD_FIN)) {
			tp->t_flags |= TF_FIN_PENDING | TF_ACKNOW;
			tp->rcv_fin_seq = seq + tlen;
		}
	} else if (had_fin && tp->t_state == TCPS_TIME_WAIT) {
		/* A retransmitted FIN: ACK it and restart 2MSL. */
		tp->t_flags |= TF_ACKNOW;
		tcp_2msl_arm(s, tp);
	}
	tcp_output(s, tp);
	return;

dropafterack_limited:
	/* An answer a peer can provoke at will: within the ack war limit. */
	if (!tcp_ack_war_allowed(s, tp)) {
		STAT_INC(s, tcp, tcps_ackwar_limited);
		goto drop;
	}
dropafterack:
	/* The ACK comes from tcp_output, as FreeBSD's does (with our FIN
	 * again while it is unacknowledged). */
	rte_pktmbuf_free(m);
	tp->t_flags |= TF_ACKNOW;
	tcp_output(s, tp);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* ---- ICMP errors ---- */

/* RFC 1122 section 4.2.3.9, RFC 5927, as FreeBSD: PMTUD (RFC 1191) on
 * "fragmentation needed"; a hard error (icmp_errno: port or protocol
 * unreachable, administratively prohibited, ...) refuses a connection
 * attempt in SYN_SENT; everything else, and any error once synchronized
 * (RFC 5927 section 4.2: never abort a connection on an ICMP message), is
 * a soft error: kept in t_softerror and reported only if the connection
 * times out.  Errnos are Linux's (icmp_errno). */
/* The errno an ICMP error means to TCP, as FreeBSD's icmp_errmap() gives
 * it, and whether it aborts a connection in SYN_SENT (*hard: FreeBSD's
 * tcp_drop_syn_sent, with net.inet.tcp.icmp_may_rst): unreachable net,
 * host, source route, unknown net or host, isolated, TOS net or host, host
 * precedence, precedence cutoff -> EHOSTUNREACH (soft); fragmentation
 * needed -> EMSGSIZE (path MTU); protocol, port, net, host or filter
 * prohibited -> ECONNREFUSED (hard); time exceeded in transit ->
 * EHOSTUNREACH (hard); parameter problem (pointer, missing option) ->
 * ENOPROTOOPT (soft); anything else 0 (ignored).  A soft error is kept and
 * reported if the connection then times out (tcp_notify's t_softerror). */
static int tcp_icmp_errmap(struct stack *s, uint8_t type, uint8_t code, bool *hard)
{
	*hard = false;
	switch (type) {
	case ICMP_UNREACH:
		switch (code) {
		case ICMP_UNREACH_NEEDFRAG:
			return EMSGSIZE;
		case ICMP_UNREACH_PROTOCOL:
		case ICMP_UNREACH_PORT:
		case ICMP_UNREACH_NET_PROHIB:
		case ICMP_UNREACH_HOST_PROHIB:
		case ICMP_UNREACH_FILTER_PROHIB:
			*hard = KNOB(s, TCP_ICMP_MAY_RST) != 0;
			return ECONNREFUSED;
		default:
			return code <= ICMP_UNREACH_PRECEDENCE_CUTOFF ? EHOSTUNREACH : 0;
		}
	case ICMP_TIMXCEED:
		if (code != ICMP_TIMXCEED_INTRANS)
			return 0;
		*hard = KNOB(s, TCP_ICMP_MAY_RST) != 0;
		return EHOSTUNREACH;
	case ICMP_PARAMPROB:
		return code <= 1 ? ENOPROTOOPT : 0;
	default:
		return 0;
	}
}

void tcp_ctlinput(struct stack *s, uint8_t type, uint8_t code, uint16_t next_mtu, const void *inner,
                  size_t len)
{
	const uint8_t *p = inner;
	struct tcp_key k;
	struct tcpcb *tp;
	unsigned hlen;
	uint32_t seq;
	bool hard;
	int err;

	if (!p || len < 20 || (p[0] >> 4) != 4)
		goto ignore;
	hlen = (p[0] & 15u) * 4u;
	if (hlen < 20 || len < hlen + 8 || p[9] != IPPROTO_TCP)
		goto ignore;
	err = tcp_icmp_errmap(s, type, code, &hard);
	if (err == 0)
		goto ignore; /* source quench (RFC 6633), redirects, unknown codes */
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	memcpy(k.laddr, p + 12, 4); /* we sent it: source = us */
	memcpy(k.faddr, p + 16, 4);
	memcpy(&k.lport, p + hlen, 2);
	memcpy(&k.fport, p + hlen + 2, 2);
	tp = tcp_hash_lookup(s, &k);
	if (!tp)
		goto ignore;
	seq = (uint32_t)p[hlen + 4] << 24 | (uint32_t)p[hlen + 5] << 16 |
	      (uint32_t)p[hlen + 6] << 8 | p[hlen + 7];
	/* RFC 5927 section 4.1: only for data in flight. */
	if (SEQ_LT(seq, tp->snd_una) || SEQ_GEQ(seq, tp->snd_max))
		goto ignore;
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		unsigned mtu = next_mtu, mss;

		if (mtu == 0 || mtu < 68)
			goto ignore; /* FIXME(pmtud): plateau table for old routers */
		mss = mtu - 40u - ((tp->t_flags & TF_RCVD_TSTMP) ? 12u : 0u);
		if (mss < (unsigned)KNOB(s, TCP_MINMSS))
			mss = (unsigned)KNOB(s, TCP_MINMSS);
		if (mss >= tp->t_maxseg)
			goto ignore;
		STAT_INC(s, tcp, tcps_icmp_mtu);
		tp->t_maxseg = (uint16_t)mss;
		/* Send again what was too big, now in smaller segments. */
		tp->snd_nxt = tp->snd_una;
		tp->t_rtttime = 0;
		tcp_output(s, tp);
		return;
	}
	if (tp->t_state == TCPS_SYN_SENT && hard) {
		tcp_drop(s, tp, err);
		return;
	}
	/* FreeBSD's tcp_notify: a connection not yet established that has
	 * backed off more than three times and already heard a soft error
	 * gives up now with this one. */
	if (tp->t_state < TCPS_ESTABLISHED && tp->t_rxtshift > 3 && tp->t_softerror) {
		tcp_drop(s, tp, err);
		return;
	}
	tp->t_softerror = (int16_t)err;
	return;
ignore:
	STAT_INC(s, tcp, tcps_icmp_ignored);
}

/* ---- entry ---- */

/* TIME_WAIT (RFC 9293 3.10.7.4 as FreeBSD's tcp_twcheck reads it):
 *   RST                  ignored (RFC 1337);
 *   SYN without ACK      above the old RCV.NXT: a new incarnation (RFC
 *                        9293 MAY-2); the old connection ends and the SYN is
 *                        looked up again (returns true, *iss_floor set: the
 *                        new ISS must be above the old sequence space);
 *                        otherwise an old duplicate, dropped -- whatever its
 *                        timestamp (RFC 6191 would let a newer one in;
 *                        FreeBSD does not);
 *   no ACK               dropped;
 *   no timestamp         dropped if the connection used them (RFC 7323 3.2);
 *   a retransmitted FIN  (its sequence number RCV.NXT - 1) restarts 2 MSL;
 *   anything but the exact bare ACK <SEQ=RCV.NXT><ACK=SND.NXT> (data, other
 *                        flags, an old or too new ACK) is answered with an
 *                        ACK, not rate limited.
 * Returns false when the segment was consumed. */
static bool time_wait_input(struct stack *s, struct tcpcb *tp, const struct tcp_seg *seg,
                            struct rte_mbuf *m, uint32_t *iss_floor)
{
	uint8_t fl = seg->flags;

	if (fl & TH_RST) {
		STAT_INC(s, tcp, tcps_tw_rst_ignored);
		goto drop;
	}
	if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
		if (!SEQ_GT(seg->seq, tp->rcv_nxt)) {
			STAT_INC(s, tcp, tcps_tw_syn_dropped);
			goto drop;
		}
		STAT_INC(s, tcp, tcps_tw_reuse);
		*iss_floor = tp->snd_max + TCP_MAXWIN + 2;
		tcp_close_conn(s, tp);
		return true;
	}
	if (!(fl & TH_ACK))
		goto drop;
	if ((tp->t_flags & TF_RCVD_TSTMP) && !(seg->opt.present & TOF_TS)) {
		STAT_INC(s, tcp, tcps_tsmissing);
		goto drop;
	}
	if ((fl & TH_FIN) && seg->seq + seg->len + ((fl & TH_SYN) ? 1u : 0u) + 1u == tp->rcv_nxt)
		tcp_2msl_arm(s, tp);
	if (fl != TH_ACK || seg->len || seg->seq != tp->rcv_nxt || seg->ack != tp->snd_nxt) {
		STAT_INC(s, tcp, tcps_tw_responds);
		tcp_send_ack(s, tp);
	}
drop:
	rte_pktmbuf_free(m);
	return false;
}

void tcp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ih =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);
	struct tcp_seg seg;
	struct tcp_key k;
	struct tcpcb *tp;
	uint32_t len = m->pkt_len;

	STAT_INC(s, tcp, tcps_rcvtotal);
	switch (-wire_tcp_parse(m, len, &seg)) {
	case 0:
		break;
	case WIRE_TCP_BADOFF:
		STAT_INC(s, tcp, tcps_rcvbadoff);
		goto drop;
	default:
		STAT_INC(s, tcp, tcps_rcvshort);
		goto drop;
	}
	if (!ip4_rx_l4_cksum_ok(ifp, m, len, ih->src_addr, ih->dst_addr, IPPROTO_TCP)) {
		STAT_INC(s, tcp, tcps_rcvbadsum);
		goto drop;
	}
	if (seg.opt.present & TOF_MALFORMED)
		STAT_INC(s, tcp, tcps_badopt);
	seg.ecn = ih->type_of_service & IPECN_MASK;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	memcpy(k.laddr, &ih->dst_addr, 4);
	memcpy(k.faddr, &ih->src_addr, 4);
	k.lport = rte_cpu_to_be_16(seg.dport);
	k.fport = rte_cpu_to_be_16(seg.sport);

	/* Keep only the payload. */
	m = m_adj_front(m, seg.hlen);

	tp = tcp_hash_lookup(s, &k);
	if (tp && tp->t_state == TCPS_TIME_WAIT) {
		/* A new incarnation replaced TIME_WAIT: the SYN is looked up
		 * again, as FreeBSD's tcp_twcheck has it: a listener takes
		 * it, else it is answered as a closed port. */
		uint32_t iss_floor;
		struct tcpcb *l;

		if (!time_wait_input(s, tp, &seg, m, &iss_floor))
			return;
		l = tcp_listener_lookup(s, k.family, k.laddr, k.lport);
		if (l) {
			listen_input(s, l, &k, &seg, m, &iss_floor);
			return;
		}
		tp = NULL;
	}
	if (tp) {
		do_segment(s, tp, &seg, m);
		return;
	}
	tp = tcp_listener_lookup(s, k.family, k.laddr, k.lport);
	if (tp) {
		listen_input(s, tp, &k, &seg, m, NULL);
		return;
	}
	STAT_INC(s, tcp, tcps_noport);
	reset_for(s, &k, &seg);
	rte_pktmbuf_free(m);
	return;
drop:
	rte_pktmbuf_free(m);
}
