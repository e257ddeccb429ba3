/* test_tcp_options.c: RFC 7323 (window scale, timestamps, PAWS), RFC 2018
 * SACK blocks, fast retransmit (RFC 5681/6582) and SACK recovery (RFC
 * 6675), SYN cookies (RFC 4987), TIME_WAIT reuse, CUBIC against its
 * formula (RFC 9438).  Scripted peer as in test_tcp_state.c.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#if defined(__SANITIZE_ADDRESS__)
/* sanitizer/allocator_interface.h, which GCC does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include <rte_ip.h>
#include <rte_malloc.h>

#include "ff_api.h"

#include "port/port.h"
#include "port/port_priv.h"
#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"
#include "wire/cksum.h"

#define STATS(t) (&(t)->h.s->stats.tcp)
/* The RTO after a ~0 ms handshake sample: 1 ms + rexmit_slop, rounded, with
 * room to spare. */
#define RTO_MS 260
#define TSOPTS(v, e)                                          \
	{                                                     \
		.present = TOF_TS, .tsval = (v), .tsecr = (e) \
	}

/* cc: net.inet.tcp.cc.algorithm's index (0 newreno, 1 cubic). */
static void setup_rfc1323_cc(struct t *t, int cc)
{
	t_knobs_default(t);
	t->knobs[KNOB_TCP_RFC1323] = 1;
	t->knobs[KNOB_TCP_SACK] = 1;
	t->knobs[KNOB_TCP_CC] = cc;
	t_setup(t);
}

static void setup_rfc1323(struct t *t)
{
	setup_rfc1323_cc(t, 0);
}

TEST(window_scale_timestamps_sack_negotiated)
{
	struct t t;
	struct tcp_seg sa, d;
	struct tcp_info_lite ti;
	int err;

	setup_rfc1323(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                         .opt = { .present = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS,
	                                  .mss = 1460,
	                                  .wscale = 7,
	                                  .tsval = 100 } }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK,
	                    .check_opts = true,
	                    .opt = { .present = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS,
	                             .mss = 1460,
	                             .wscale = 6,
	                             .tsecr = 100 } }));
	t.iss = sa.seq;
	SEND(&t, ((struct tseg){ .sport = PEER_PORT,
	                         .dport = US_PORT,
	                         .win = 100,
	                         .seq = PEER_ISS + 1,
	                         .ack = t.iss + 1,
	                         .flags = TH_ACK,
	                         .opt = TSOPTS(101, sa.opt.tsval) }));
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	if (!t.c)
		goto out;
	tcp_info_get(t.c, &ti);
	CHECK_EQ(ti.snd_wscale, 7);
	CHECK_EQ(ti.rcv_wscale, 6);
	CHECK_EQ(ti.options & 7, 7);
	CHECK_EQ(ti.snd_mss, 1448); /* 1460 - 12 bytes of timestamps */
	CHECK_EQ(t.c->snd_wnd, 100u << 7);
	/* Data carries TS, echoing the peer's latest value; window scaled. */
	CHECK_EQ(t_write(&t, "x", 1), 1);
	d = EXPECT_SENT(&t, NOW,
	                ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                                .flags = TH_PUSH | TH_ACK, PAYLOAD("x"), .check_opts = true,
	                                .opt = TSOPTS(0, 101), .check_win = true,
	                                .win = 1027 })); /* 65700 (45 x 1460) >> 6, rounded up */
	CHECK(d.opt.tsval - sa.opt.tsval < 10);
out:
	t_teardown(&t);
}

TEST(window_scale_extremes_0_and_14)
{
	for (int ws = 0; ws <= 15; ws += 15) {
		struct t t;
		struct tcp_seg sa;
		int err;

		setup_rfc1323(&t);
		t_listen(&t);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
		                         .opt = { .present = TOF_MSS | TOF_SCALE,
		                                  .mss = 1460,
		                                  .wscale = (uint8_t)ws } }));
		sa = EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1,
		                    .flags = TH_SYN | TH_ACK, .check_opts = true,
		                    .opt = { .present = TOF_MSS | TOF_SCALE, .wscale = 6 } }));
		t.iss = sa.seq;
		SEND(&t, ((struct tseg){ .sport = PEER_PORT,
		                         .dport = US_PORT,
		                         .win = 1,
		                         .seq = PEER_ISS + 1,
		                         .ack = t.iss + 1,
		                         .flags = TH_ACK }));
		t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
		CHECK(t.c != NULL);
		if (t.c) {
			/* 15 is taken as 14 (RFC 7323 section 2.3). */
			CHECK_EQ(t.c->snd_scale, ws ? 14 : 0);
			CHECK_EQ(t.c->snd_wnd, ws ? 1u << 14 : 1u);
		}
		t_teardown(&t);
	}
}

TEST(no_options_when_the_peer_offers_none)
{
	struct t t;

	setup_rfc1323(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK,
	                    .check_opts = true, .opt = { .present = TOF_MSS, .mss = 1460 } }));
	t_teardown(&t);
}

/* Passive open with timestamps (MSS 1460: 1448 with them) whose handshake
 * takes rtt_ms: the echo in the ACK is the first RTT sample (RFC 7323
 * section 4).  The peer's next TSval is 300.  On failure t is torn down. */
static bool ts_passive_with_rtt_cc(struct t *t, unsigned rtt_ms, int cc)
{
	struct tcp_seg sa;
	int err;

	setup_rfc1323_cc(t, cc);
	t_listen(t);
	SEND(t,
	     ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                     .opt = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 100 } }));
	sa = EXPECT_SENT(
	    t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	t->iss = sa.seq;
	h_one_run_ms(&t->h, rtt_ms);
	SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1, .flags = TH_ACK,
	                        .opt = TSOPTS(200, sa.opt.tsval) }));
	t->c = tcp_accept(t->h.s, t->l, &owner_c, &err);
	CHECK(t->c != NULL);
	if (!t->c)
		t_teardown(t);
	return t->c != NULL;
}

static bool ts_passive_with_rtt(struct t *t, unsigned rtt_ms)
{
	return ts_passive_with_rtt_cc(t, rtt_ms, 0);
}

/* The handshake's echoed timestamp is the first RTT sample of a passive
 * open (RFC 7323 section 4): 100 ms gives RTO = 100 + 4 * 50 + 200 (slop)
 * ms, not the initial 1 s. */
TEST(timestamps_give_an_rtt_sample_at_the_passive_handshake)
{
	struct t t;

	if (!ts_passive_with_rtt(&t, 100))
		return;
	CHECK(t.c->t_srtt >= 100000 && t.c->t_srtt <= 101000, "srtt %u us", t.c->t_srtt);
	CHECK_EQ(t_write(&t, "r", 1), 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("r") }));
	EXPECT_SENT(&t, ((struct twin){ 495, 510 }),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("r") }));
	t_teardown(&t);
}

/* ---- RTO from RTT samples (RFC 6298) with timestamps ----
 *
 * Our samples are rtt + 1 us (FreeBSD's "+ 1 tick"), so a 100 ms
 * handshake gives SRTT 100.001 ms, RTTVAR 50 ms: REXMTVAL = SRTT + 4 RTTVAR
 * = 301 ms (rounded up), RTO = REXMTVAL + rexmit_slop = 501 ms, and the
 * k-th backoff REXMTVAL * 2^k + rexmit_slop (FreeBSD's tcp_timer_rexmt):
 * 802, 1404, 2608 ms.  With timestamps an ACK of retransmitted data still
 * gives a sample, from its echo (RFC 6298 section 3: the timestamp tells
 * which transmission is answered; FreeBSD takes it). */
static struct tcp_seg expect_data_at(struct t *t, struct twin w, uint32_t seq, const char *d)
{
	return EXPECT_SENT(t, w,
	                   ((struct tseg){ US, .seq = seq, .ack = PEER_ISS + 1,
	                                   .flags = TH_PUSH | TH_ACK, .data = d, .len = 1 }));
}

static void ts_ack(struct t *t, uint32_t ack, uint32_t tsval, uint32_t tsecr)
{
	SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = ack, .flags = TH_ACK,
	                        .opt = TSOPTS(tsval, tsecr) }));
}

TEST(rto_from_samples_karn_with_timestamps)
{
	struct t t;
	struct tcp_seg d;
	uint32_t u;

	if (!ts_passive_with_rtt(&t, 100))
		return;
	u = t.iss + 1;
	CHECK_EQ(t.c->t_srtt, 100001);
	CHECK_EQ(t.c->t_rttvar, 50000);
	/* Lost twice: 501 ms, then 802 ms later. */
	CHECK_EQ(t_write(&t, "a", 1), 1);
	expect_data_at(&t, NOW, u, "a");
	expect_data_at(&t, AT_MS(501), u, "a");
	d = expect_data_at(&t, AT_MS(802), u, "a");
	/* The second retransmission is ACKed 100 ms later, echoing its own
	 * timestamp: a 100 ms sample, smoothed in (two backoffs keep the
	 * estimate): SRTT unchanged, RTTVAR 3/4 * 50 = 37.5 ms, RTO
	 * 100 + 150 + 200 = 451 ms (rounded up). */
	h_one_run_ms(&t.h, 100);
	ts_ack(&t, u + 1, 300, d.opt.tsval);
	CHECK_EQ(t.c->t_srtt, 100001);
	CHECK_EQ(t.c->t_rttvar, 37500);
	CHECK_EQ(t.c->t_rxtshift, 0);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitbad, 0);
	/* One timeout, ACKed 50 ms after the retransmission with its echo:
	 * the retransmission repaired a loss (no undo: cwnd stays at the
	 * timeout's one segment, grown by the byte ACKed), and the 50 ms
	 * sample gives SRTT 93.751, RTTVAR 40.625 ms: RTO 457 ms. */
	CHECK_EQ(t_write(&t, "b", 1), 1);
	expect_data_at(&t, NOW, u + 1, "b");
	d = expect_data_at(&t, AT_MS(451), u + 1, "b");
	h_one_run_ms(&t.h, 50);
	ts_ack(&t, u + 2, 301, d.opt.tsval);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitbad, 0);
	CHECK_EQ(t.c->snd_cwnd, t.c->t_maxseg + 1);
	CHECK_EQ(t.c->t_srtt, 93751);
	CHECK_EQ(t.c->t_rttvar, 40625);
	CHECK_EQ(t_write(&t, "c", 1), 1);
	expect_data_at(&t, NOW, u + 2, "c");
	expect_data_at(&t, AT_MS(457), u + 2, "c");
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 4);
	t_teardown(&t);
}

/* A spurious timeout (FreeBSD's bad retransmit, RFC 3522's detection):
 * the original was only delayed, and the ACK after the first
 * retransmission echoes the original's timestamp.  The timeout's cwnd and
 * ssthresh are taken back, sending resumes at SND.MAX, and the echo is a
 * sample of 601 ms: SRTT 162.626, RTTVAR 162.75 ms, RTO 814 + 200 ms. */
TEST(spurious_rto_is_undone_when_the_echo_predates_the_retransmission)
{
	static char d[3000];
	struct t t;
	struct tcp_seg o;
	uint32_t u, cwnd0, ssthresh0;

	if (!ts_passive_with_rtt(&t, 100))
		return;
	u = t.iss + 1;
	memset(d, 'q', sizeof(d));
	cwnd0 = t.c->snd_cwnd;
	ssthresh0 = t.c->snd_ssthresh;
	CHECK_EQ(t.c->t_maxseg, 1448);
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	o = EXPECT_SENT(&t, NOW,
	                ((struct tseg){ US, .seq = u, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                                .data = d, .len = 1448 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = u + 1448, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 1448 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = u + 2896, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 104 }));
	/* The timeout: one segment (cwnd 1 MSS), go-back-N from SND.UNA. */
	EXPECT_SENT(&t, AT_MS(501),
	            ((struct tseg){ US, .seq = u, .ack = PEER_ISS + 1, .flags = TH_ACK, .data = d,
	                            .len = 1448 }));
	CHECK_EQ(t.c->snd_cwnd, 1448);
	CHECK(t.c->snd_ssthresh != ssthresh0);
	/* The first segment's ACK arrives, echoing its original transmission. */
	h_one_run_ms(&t.h, 100);
	ts_ack(&t, u + 1448, 300, o.opt.tsval);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitbad, 1);
	CHECK_EQ(t.c->snd_ssthresh, ssthresh0);
	CHECK(t.c->snd_cwnd >= cwnd0, "cwnd %u, before the timeout %u", t.c->snd_cwnd, cwnd0);
	CHECK_EQ(t.c->snd_nxt, t.c->snd_max);
	CHECK_EQ(t.c->t_srtt, 162626);
	CHECK_EQ(t.c->t_rttvar, 162750);
	/* Nothing is sent again: the rest is in flight already. */
	EXPECT_NOTHING(&t, 0);
	/* ... and when it is lost after all, the RTO (1014 ms) resends it. */
	EXPECT_SENT(&t, AT_MS(1014),
	            ((struct tseg){ US, .seq = u + 1448, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 1448 }));
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* A spurious timeout under CUBIC: the undo restores the module's state
 * with cwnd and ssthresh (FreeBSD's cubic keeps undo copies for
 * CC_RTO_ERR): W_max, K and the epoch running before the timeout, not the
 * timeout's (W_max from the cwnd then, no epoch). */
TEST(spurious_rto_undo_restores_cubics_w_max_and_epoch)
{
	static char d[3000];
	struct t t;
	struct tcp_seg o;
	struct tcp_cc_state before;
	uint32_t u;

	if (!ts_passive_with_rtt_cc(&t, 100, 1))
		return;
	u = t.iss + 1;
	memset(d, 'q', sizeof(d));
	/* An earlier recovery from 20 segments: congestion avoidance. */
	t.c->snd_cwnd = 20 * 1448;
	tcp_cc(t.c)->cong_signal(t.h.s, t.c, CC_DUPACK_RECOVERY);
	tcp_cc(t.c)->post_recovery(t.h.s, t.c);
	CHECK_EQ(t.c->cc.w_max, 20u * 1448u);
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = u, .ack = PEER_ISS + 1, .flags = TH_ACK, .data = d,
	                            .len = 1448 }));
	o = EXPECT_SENT(&t, NOW,
	                ((struct tseg){ US, .seq = u + 1448, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                                .data = d, .len = 1448 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = u + 2896, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 104 }));
	/* The first segment's ACK starts an epoch on the curve. */
	h_one_run_ms(&t.h, 100);
	ts_ack(&t, u + 1448, 300, o.opt.tsval);
	CHECK(t.c->cc.epoch_start != 0);
	CHECK(t.c->cc.k_ms != 0);
	before = t.c->cc;
	/* The timeout: W_max from cwnd, the epoch ended. */
	h_one_run_ms(&t.h, 1000);
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 1);
	CHECK_EQ(t.c->cc.epoch_start, 0);
	CHECK(t.c->cc.w_max != before.w_max, "W_max %u unchanged by the timeout", t.c->cc.w_max);
	/* The ACK of the rest echoes the second segment's first transmission. */
	cap_port_clear(t.h.cap);
	ts_ack(&t, u + 3000, 301, o.opt.tsval);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitbad, 1);
	CHECK_EQ(t.c->cc.w_max, before.w_max);
	CHECK_EQ(t.c->cc.w_last_max, before.w_last_max);
	CHECK_EQ(t.c->cc.k_ms, before.k_ms);
	CHECK_EQ(t.c->cc.epoch_start, before.epoch_start);
	CHECK_EQ(t.c->cc.cwnd_epoch, before.cwnd_epoch);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* RFC 6298 section 5 note / FreeBSD 14's TCP_RTT_INVALIDATE: after more
 * than three backoffs the next sample starts the estimate afresh; up to
 * three it is smoothed in.  A 300 ms sample after 3 backoffs: SRTT 125,
 * RTTVAR 87.5 ms, RTO 476 + 200 ms; after 4: SRTT 300, RTTVAR 150 ms, RTO
 * 901 + 200 ms. */
TEST(rtt_estimate_restarts_after_more_than_three_backoffs)
{
	static const unsigned backoff_ms[] = { 501, 802, 1404, 2608 };

	for (unsigned k = 3; k <= 4; k++) {
		struct t t;
		struct tcp_seg d;
		uint32_t u;

		if (!ts_passive_with_rtt(&t, 100))
			return;
		u = t.iss + 1;
		CHECK_EQ(t_write(&t, "a", 1), 1);
		d = expect_data_at(&t, NOW, u, "a");
		for (unsigned i = 0; i < k; i++)
			d = expect_data_at(&t, AT_MS(backoff_ms[i]), u, "a");
		CHECK_EQ(t.c->t_rxtshift, k);
		h_one_run_ms(&t.h, 300);
		ts_ack(&t, u + 1, 300, d.opt.tsval);
		CHECK_EQ(t.c->t_srtt, k == 3 ? 125001u : 300001u);
		CHECK_EQ(t.c->t_rttvar, k == 3 ? 87500u : 150000u);
		CHECK_EQ(t_write(&t, "b", 1), 1);
		expect_data_at(&t, NOW, u + 1, "b");
		expect_data_at(&t, AT_MS(k == 3 ? 676 : 1101), u + 1, "b");
		cap_port_clear(t.h.cap);
		t_teardown(&t);
	}
}

/* RFC 7323 section 3.2 (FreeBSD): once timestamps are in use, a segment
 * without one is dropped (RSTs excepted). */
TEST(segment_without_timestamp_is_dropped_once_they_are_in_use)
{
	struct t t;
	struct tcp_seg a;
	char b[8];

	setup_rfc1323(&t);
	T_PASSIVE(&t, (&(struct tcp_opts)TSOPTS(100, 0)));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
	                         .flags = TH_PUSH | TH_ACK, PAYLOAD("nots") }));
	EXPECT_NOTHING(&t, 100);
	CHECK_EQ(tcp_readable(t.c), 0);
	CHECK_EQ(STATS(&t)->tcps_tsmissing, 1);
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_PUSH | TH_ACK,
	                     PAYLOAD("ts"), .opt = TSOPTS(300, 0) }));
	a = EXPECT_SENT(&t, WITHIN_MS(100),
	                ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 3, .flags = TH_ACK,
	                                .check_opts = true, .opt = TSOPTS(0, 300) }));
	(void)a;
	CHECK_EQ(t_read(&t, b, sizeof(b)), 2);
	/* A RST needs none. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 3, .flags = TH_RST }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	t_teardown(&t);
}

/* With window scaling the window field is rounded up to a whole unit
 * (FreeBSD's roundup2): the buffer, 65536 rounded up to 123 segments of the
 * default MSS 536 (tcp_buf_round: the peer sent no MSS) = 65928, less 100
 * bytes is 1028.6 units at scale 6, advertised as 1029. */
TEST(scaled_window_is_rounded_up)
{
	static const char d[100];
	struct t t;

	setup_rfc1323(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_SCALE, .wscale = 7 }));
	CHECK_EQ(t.c->rcv_scale, 6);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
	                         .flags = TH_PUSH | TH_ACK, .data = d, .len = sizeof(d) }));
	EXPECT_SENT(&t, WITHIN_MS(100),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 101, .flags = TH_ACK,
	                            .win = 1029, .check_win = true }));
	t_teardown(&t);
}

TEST(paws_rejects_old_timestamps)
{
	struct t t;

	setup_rfc1323(&t);
	T_PASSIVE(&t,
	          (&(struct tcp_opts){ .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 5000 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("new"), .opt = TSOPTS(5010, 0) }));
	CHECK_EQ(tcp_readable(t.c), 3);
	cap_port_clear(t.h.cap);
	/* An older timestamp: dropped, ACKed. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 4, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("old"), .opt = TSOPTS(4000, 0) }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 4, .flags = TH_ACK,
	                            .check_opts = true, .opt = TSOPTS(0, 5010) }));
	CHECK_EQ(tcp_readable(t.c), 3);
	CHECK_EQ(STATS(&t)->tcps_pawsdrop, 1);
	/* A RST is exempt from PAWS (RFC 7323 section 5.3). */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 4, .flags = TH_RST, .opt = TSOPTS(1, 0) }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	t_teardown(&t);
}

TEST(sack_blocks_report_the_latest_first)
{
	struct t t;

	setup_rfc1323(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS | TOF_SACKPERM, .mss = 1460 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 11, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("bbbbb") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .check_opts = true,
	                            .opt = { .present = TOF_SACK,
	                                     .nsack = 1,
	                                     .sack = { { PEER_ISS + 11, PEER_ISS + 16 } } } }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 21, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("ccccc") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .check_opts = true,
	                            .opt = { .present = TOF_SACK,
	                                     .nsack = 2,
	                                     .sack = { { PEER_ISS + 21, PEER_ISS + 26 },
	                                               { PEER_ISS + 11, PEER_ISS + 16 } } } }));
	/* Filling the first hole: the ACK moves, one block remains. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("aaaaaaaaaa") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 16, .flags = TH_ACK,
	                            .check_opts = true,
	                            .opt = { .present = TOF_SACK,
	                                     .nsack = 1,
	                                     .sack = { { PEER_ISS + 21, PEER_ISS + 26 } } } }));
	t_teardown(&t);
}

static char seg_data[8][1460];

static void send_segments(struct t *t, int n)
{
	for (int i = 0; i < n; i++) {
		memset(seg_data[i], 'A' + i, 1460);
		CHECK_EQ(t_write(t, seg_data[i], 1460), 1460);
	}
	for (int i = 0; i < n; i++)
		EXPECT_SENT(t, NOW,
		            ((struct tseg){ US, .seq = t->iss + 1 + 1460u * (uint32_t)i,
		                            .ack = PEER_ISS + 1, .flags = TH_PUSH | TH_ACK,
		                            .data = seg_data[i], .len = 1460 }));
}

TEST(fast_retransmit_and_newreno_partial_ack)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	send_segments(&t, 6);
	/* Segments 1 and 3 lost: the peer ACKs segment 0, then duplicates. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 1460,
	                         .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 1460,
	                         .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 1460,
	                         .flags = TH_ACK }));
	EXPECT_NOTHING(&t, 0); /* limited transmit: nothing new to send */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 1460,
	                         .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 1460, .ack = PEER_ISS + 1,
	                            .flags = TH_ACK, .data = seg_data[1], .len = 1460 }));
	CHECK_EQ(STATS(&t)->tcps_newreno_recovery, 1);
	/* Partial ACK (up to segment 3): segment 3 goes at once. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 3 * 1460,
	                         .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 3 * 1460, .ack = PEER_ISS + 1,
	                            .flags = TH_ACK, .data = seg_data[3], .len = 1460 }));
	CHECK(t.c->t_flags & TF_FASTRECOVERY);
	/* Full ACK: recovery ends. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 6 * 1460,
	                         .flags = TH_ACK }));
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	CHECK(t.c->snd_cwnd <= t.c->snd_ssthresh + 1460);
	EXPECT_NOTHING(&t, 1000);
	t_teardown(&t);
}

static void sack_dupack(struct t *t, uint32_t ack, int nblk, const uint32_t (*blk)[2])
{
	struct tseg sg = { PEER, .seq = PEER_ISS + 1, .ack = ack, .flags = TH_ACK };

	sg.opt.present = TOF_SACK;
	sg.opt.nsack = (uint8_t)nblk;
	for (int i = 0; i < nblk; i++) {
		sg.opt.sack[i].start = blk[i][0];
		sg.opt.sack[i].end = blk[i][1];
	}
	SEND(t, sg);
}

/* A SACK connection (MSS 1460, no timestamps) that has sent n segments
 * of seg_data; returns the first one's sequence number. */
static uint32_t sack_conn_sending(struct t *t, int n)
{
	t_knobs_default(t);
	t->knobs[KNOB_TCP_SACK] = 1;
	t_setup(t);
	T_PASSIVE(t, (&(struct tcp_opts){ .present = TOF_MSS | TOF_SACKPERM, .mss = 1460 }));
	send_segments(t, n);
	return t->iss + 1;
}

TEST(sack_recovery_fills_several_holes)
{
	struct t t;
	uint32_t b;

	b = sack_conn_sending(&t, 8);
	/* Holes: segments 0, 2 and 4; SACKed: 1, 3, 5-7. */
	{
		const uint32_t s1[][2] = { { b + 1460, b + 2920 } };
		const uint32_t s2[][2] = { { b + 4380, b + 5840 }, { b + 1460, b + 2920 } };
		const uint32_t s3[][2] = { { b + 7300, b + 11680 },
			                   { b + 4380, b + 5840 },
			                   { b + 1460, b + 2920 } };

		sack_dupack(&t, b, 1, s1);
		sack_dupack(&t, b, 2, s2);
		sack_dupack(&t, b, 3, s3);
	}
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	/* The first hole at once, then the others as the pipe allows. */
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = 1460 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b + 2920, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[2], .len = 1460 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b + 5840, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[4], .len = 1460 }));
	EXPECT_NOTHING(&t, 0);
	/* Everything arrives: full ACK, recovery over, nothing resent. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = b + 8 * 1460, .flags = TH_ACK }));
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	CHECK_EQ(STATS(&t)->tcps_sack_rexmits, 2);
	EXPECT_NOTHING(&t, 1000);
	t_teardown(&t);
}

/* RFC 6675 section 5 (IsLost): more than DupThresh - 1 segments SACKed
 * above SND.UNA mean the first is lost: one duplicate ACK reporting three
 * segments starts recovery. */
TEST(sack_of_three_segments_starts_recovery_at_once)
{
	struct t t;
	uint32_t b;

	b = sack_conn_sending(&t, 5);
	{
		const uint32_t blk[][2] = { { b + 1460, b + 4 * 1460 } };

		sack_dupack(&t, b, 1, blk);
	}
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = 1460 }));
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	CHECK_EQ(STATS(&t)->tcps_rcvdupack, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* RFC 6675 section 2: with SACK, an ACK carrying new SACK information is
 * a duplicate even when its window differs (RFC 5681 would not count
 * it).  Each ACK here SACKs more (half a segment, one, two). */
TEST(sack_dupacks_count_when_the_window_moves)
{
	struct t t;
	uint32_t b;

	b = sack_conn_sending(&t, 5);
	for (int i = 0; i < 3; i++) {
		/* Two segments SACKed at most: IsLost does not apply. */
		struct tseg sg = { PEER, .seq = PEER_ISS + 1, .ack = b, .flags = TH_ACK,
			           .win = (uint32_t)(60000 - 5000 * i) };

		sg.opt.present = TOF_SACK;
		sg.opt.nsack = 1;
		sg.opt.sack[0].start = b + 1460;
		sg.opt.sack[0].end = b + 1460 + (i ? 1460u * (uint32_t)i : 730);
		SEND(&t, sg);
		if (i < 2)
			EXPECT_NOTHING(&t, 0);
	}
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = 1460 }));
	CHECK_EQ(STATS(&t)->tcps_rcvdupack, 3);
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* D-SACK from the peer (RFC 2883): a first block below SND.UNA, or inside
 * a later block, reports a duplicate.  It is no new SACK information, so
 * it is no duplicate ACK (RFC 6675 section 2; FreeBSD's SACK_NOCHANGE: the
 * ACK is not counted toward DupThresh), and the scoreboard ignores it: in
 * recovery neither the blocks nor the pipe change, nothing is sent, no
 * second recovery starts, cwnd stays. */
TEST(dsack_from_peer_is_ignored_by_the_scoreboard)
{
	struct t t;
	uint32_t b, pipe, cwnd, ssthresh;
	uint64_t rexmits;
	struct tcp_sack_block sb[4];
	unsigned n;

	b = sack_conn_sending(&t, 8);
	/* Segment 0 arrives, 1 is lost, 2 is SACKed: one duplicate. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = b + 1460, .flags = TH_ACK }));
	{
		const uint32_t s2[][2] = { { b + 2920, b + 4380 } };
		/* Segment 0 again (below SND.UNA), then the known block. */
		const uint32_t below[][2] = { { b, b + 1460 }, { b + 2920, b + 4380 } };
		/* Half of segment 2 again (inside the next block). */
		const uint32_t inside[][2] = { { b + 2920, b + 3650 }, { b + 2920, b + 4380 } };

		sack_dupack(&t, b + 1460, 1, s2);
		CHECK_EQ(t.c->t_dupacks, 1);
		sack_dupack(&t, b + 1460, 2, below);
		sack_dupack(&t, b + 1460, 2, inside);
		sack_dupack(&t, b + 1460, 1, inside); /* a D-SACK alone */
	}
	EXPECT_NOTHING(&t, 0);
	CHECK_EQ(t.c->t_dupacks, 1);
	CHECK_EQ(STATS(&t)->tcps_rcvdupack, 4);
	CHECK_EQ(STATS(&t)->tcps_sack_noinfo, 3);
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 0);
	/* Two more with news: recovery (three segments SACKed), segment 1
	 * resent. */
	{
		const uint32_t s3[][2] = { { b + 2920, b + 5840 } };
		const uint32_t s4[][2] = { { b + 2920, b + 7300 } };

		sack_dupack(&t, b + 1460, 1, s3);
		sack_dupack(&t, b + 1460, 1, s4);
	}
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b + 1460, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[1], .len = 1460 }));
	cap_port_clear(t.h.cap);
	n = t.c->sack->n;
	CHECK_EQ(n, 1);
	memcpy(sb, t.c->sack->blk, n * sizeof(sb[0]));
	pipe = tcp_sack_pipe(t.c);
	cwnd = t.c->snd_cwnd;
	ssthresh = t.c->snd_ssthresh;
	rexmits = STATS(&t)->tcps_sndrexmitpack;
	/* In recovery: both D-SACK forms, with the known block. */
	{
		const uint32_t below[][2] = { { b, b + 1460 }, { b + 2920, b + 7300 } };
		const uint32_t inside[][2] = { { b + 4380, b + 5840 }, { b + 2920, b + 7300 } };

		sack_dupack(&t, b + 1460, 2, below);
		sack_dupack(&t, b + 1460, 2, inside);
	}
	EXPECT_NOTHING(&t, 0);
	CHECK_EQ(t.c->sack->n, n);
	CHECK(memcmp(sb, t.c->sack->blk, n * sizeof(sb[0])) == 0, "scoreboard changed");
	CHECK_EQ(tcp_sack_pipe(t.c), pipe);
	CHECK_EQ(t.c->snd_cwnd, cwnd);
	CHECK_EQ(t.c->snd_ssthresh, ssthresh);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitpack, rexmits);
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	CHECK_EQ(STATS(&t)->tcps_sack_noinfo, 5);
	/* Everything arrives: recovery ends, once. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = b + 8 * 1460, .flags = TH_ACK }));
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* ---- tail loss probes (RFC 8985 section 7, fastack.tcp.tlp) ----
 *
 * SACK without timestamps.  A passive handshake without timestamps gives
 * no RTT sample (FreeBSD's syncache times no SYN-ACK), so the setup feeds
 * one of 1 ms: PTO = 2 SRTT + 2 ms = 4 ms against an RTO of 230 ms. */
static char tlp_d[12000];

static void tlp_setup(struct t *t, bool tlp, size_t write)
{
	for (size_t i = 0; i < sizeof(tlp_d); i++)
		tlp_d[i] = (char)('A' + i % 23);
	t_knobs_default(t);
	t->knobs[KNOB_TCP_SACK] = 1;
	t->knobs[KNOB_TCP_TLP] = tlp;
	t_setup(t);
	T_PASSIVE(t, (&(struct tcp_opts){ .present = TOF_MSS | TOF_SACKPERM, .mss = 1000 }));
	tcp_rtt_update(t->h.s, t->c, 1000);
	CHECK_EQ(t_write(t, tlp_d, write), (ssize_t)write);
	for (uint32_t off = 0; off < write && off < 10000; off += 1000) {
		bool last = off + 1000 >= write;

		EXPECT_SENT(t, NOW,
		            ((struct tseg){ US, .seq = t->iss + 1 + off, .ack = PEER_ISS + 1,
		                            .flags = (uint8_t)(last ? TH_PUSH | TH_ACK : TH_ACK),
		                            .data = tlp_d + off, .len = 1000 }));
	}
}

/* The peer's ACKs are lost: the last segment goes again after the PTO,
 * and its ACK (no D-SACK: it repaired a loss) reduces cwnd. */
TEST(tail_loss_probe_that_repairs_a_loss_reduces_cwnd)
{
	struct t t;

	tlp_setup(&t, true, 3000);
	EXPECT_SENT(
	    &t, WITHIN_MS(5),
	    ((struct tseg){ US, .seq = t.iss + 2001, .ack = PEER_ISS + 1, .flags = TH_PUSH | TH_ACK,
	                    .data = tlp_d + 2000, .len = 1000 }));
	CHECK_EQ(STATS(&t)->tcps_tlp_probes, 1);
	EXPECT_NOTHING(&t, 50); /* one probe; then the RTO */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 3001, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_tlp_recovered, 1);
	CHECK_EQ(t.c->snd_cwnd, 2000); /* ssthresh = max(FlightSize / 2, 2 SMSS) */
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0);
	t_teardown(&t);
}

/* The probe was not needed: the peer reports it as a duplicate (D-SACK),
 * cwnd is kept. */
TEST(tail_loss_probe_reported_as_duplicate_keeps_cwnd)
{
	struct t t;
	uint32_t b;

	tlp_setup(&t, true, 3000);
	b = t.iss + 1;
	EXPECT_SENT(
	    &t, WITHIN_MS(5),
	    ((struct tseg){ US, .seq = b + 2000, .ack = PEER_ISS + 1, .flags = TH_PUSH | TH_ACK,
	                    .data = tlp_d + 2000, .len = 1000 }));
	SEND(&t,
	     ((struct tseg){
	         PEER, .seq = PEER_ISS + 1, .ack = b + 3000, .flags = TH_ACK,
	         .opt = { .present = TOF_SACK, .nsack = 1, .sack = { { b + 2000, b + 3000 } } } }));
	CHECK_EQ(STATS(&t)->tcps_tlp_recovered, 0);
	CHECK(t.c->snd_cwnd >= 10000, "cwnd %u", t.c->snd_cwnd);
	t_teardown(&t);
}

/* The first segment was lost: the probe's SACK shows the hole, and fast
 * recovery retransmits it at once instead of waiting for the RTO. */
TEST(tail_loss_probe_reveals_a_hole_for_fast_retransmit)
{
	struct t t;
	uint32_t b;

	tlp_setup(&t, true, 3000);
	b = t.iss + 1;
	EXPECT_SENT(
	    &t, WITHIN_MS(5),
	    ((struct tseg){ US, .seq = b + 2000, .ack = PEER_ISS + 1, .flags = TH_PUSH | TH_ACK,
	                    .data = tlp_d + 2000, .len = 1000 }));
	SEND(&t, ((struct tseg){
	             PEER, .seq = PEER_ISS + 1, .ack = b, .flags = TH_ACK,
	             .opt = { .present = TOF_SACK,
	                      .nsack = 2,
	                      .sack = { { b + 2000, b + 3000 }, { b + 1000, b + 3000 } } } }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = tlp_d, .len = 1000 }));
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = b + 3000, .flags = TH_ACK }));
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0);
	t_teardown(&t);
}

/* With data waiting beyond cwnd, the probe is new data (the window
 * allows it); without the knob there is no probe, only the RTO. */
TEST(tail_loss_probe_prefers_new_data_and_needs_the_knob)
{
	struct t t;

	tlp_setup(&t, true, 12000); /* 10 segments fill the initial cwnd */
	EXPECT_SENT(&t, WITHIN_MS(5),
	            ((struct tseg){ US, .seq = t.iss + 10001, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = tlp_d + 10000, .len = 1000 }));
	CHECK_EQ(STATS(&t)->tcps_tlp_probes, 1);
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 11001, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_tlp_recovered, 0); /* new data repairs nothing */
	cap_port_clear(t.h.cap);
	t_teardown(&t);

	tlp_setup(&t, false, 3000);
	EXPECT_NOTHING(&t, 150);
	EXPECT_SENT(&t, WITHIN_MS(100),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = tlp_d, .len = 1000 }));
	CHECK_EQ(STATS(&t)->tcps_tlp_probes, 0);
	t_teardown(&t);
}

/* A listener with backlog 1 whose SYN queue a SYN from port 6000 fills. */
static void syn_queue_fill(struct t *t)
{
	struct ip_addr any = ip_addr_v4(0);

	t->l = tcp_pcb_new(t->h.s, &owner_l);
	CHECK_EQ(tcp_bind(t->h.s, t->l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t->h.s, t->l, 1), 0);
	SEND(t, ((struct tseg){
	            .sport = 6000, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	EXPECT_SENT(t, NOW,
	            ((struct tseg){ .sport = US_PORT,
	                            .dport = 6000,
	                            .any_seq = true,
	                            .ack = 2,
	                            .flags = TH_SYN | TH_ACK }));
}

TEST(syn_cookies_when_the_syn_queue_is_full)
{
	struct t t;
	struct tcp_seg c;
	int err;

	t_knobs_default(&t);
	t_setup(&t);
	syn_queue_fill(&t);
	/* The second is answered with a cookie; nothing is kept. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                         .opt = { .present = TOF_MSS, .mss = 1400 } }));
	c = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_sc_sendcookie, 1);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	/* A forged cookie: RST. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = c.seq + 0x100 + 1,
	                         .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = c.seq + 0x101, .flags = TH_RST }));
	CHECK_EQ(STATS(&t)->tcps_sc_badcookie, 1);
	/* The real one completes the handshake, with the MSS it encoded. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = c.seq + 1, .flags = TH_ACK,
	                         PAYLOAD("GET") }));
	CHECK_EQ(STATS(&t)->tcps_sc_recvcookie, 1);
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	if (t.c) {
		CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
		CHECK_EQ(tcp_readable(t.c), 3);
		CHECK_EQ(t.c->t_maxseg, 1400);
	}
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* With net.inet.tcp.syncookies 0 a SYN that finds the SYN queue full is
 * dropped, counted in tcps_sc_dropped, and leaves nothing behind: no
 * answer, no control block; the peer's ACK guessing a handshake is then a
 * closed port's (RST). */
TEST(syn_queue_full_without_cookies_drops_the_syn)
{
	struct t t;
	unsigned pcbs;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_SYNCOOKIES] = 0;
	t_setup(&t);
	syn_queue_fill(&t);
	pcbs = tcp_pcb_count(t.h.s);
	CHECK_EQ(pcbs, 2); /* the listener and the half-open connection */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                         .opt = { .present = TOF_MSS, .mss = 1400 } }));
	EXPECT_NOTHING(&t, 500);
	CHECK_EQ(STATS(&t)->tcps_sc_dropped, 1);
	CHECK_EQ(STATS(&t)->tcps_sc_sendcookie, 0);
	CHECK_EQ(STATS(&t)->tcps_sc_added, 1);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	CHECK_EQ(tcp_pcb_count(t.h.s), pcbs);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = 12345, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = 12345, .flags = TH_RST }));
	cap_port_clear(t.h.cap); /* the first SYN-ACK's retransmissions */
	t_teardown(&t);
}

TEST(time_wait_is_replaced_by_a_new_syn)
{
	struct t t;
	int err;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	cap_port_clear(t.h.cap);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 100000, .flags = TH_SYN }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 100001,
	                            .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_tw_reuse, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	tcp_close(t.h.s, t.c);
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c == NULL);
	t_teardown(&t);
}

/* TIME_WAIT without timestamps (FreeBSD's tcp_twcheck): a SYN whose
 * sequence number is not above the old RCV.NXT is an old duplicate,
 * dropped silently (no challenge ACK); the connection stays in TIME_WAIT
 * and its 2 MSL run is not restarted. */
TEST(time_wait_drops_an_old_syn)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	cap_port_clear(t.h.cap);
	h_one_run_ms(&t.h, 30000);
	/* RCV.NXT is PEER_ISS + 2: at it, and below it. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 2, .flags = TH_SYN }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS - 5000, .flags = TH_SYN }));
	EXPECT_NOTHING(&t, 10);
	CHECK_EQ(STATS(&t)->tcps_tw_syn_dropped, 2);
	CHECK_EQ(STATS(&t)->tcps_tw_reuse, 0);
	CHECK_EQ(STATS(&t)->tcps_synchallenge, 0);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	/* 2 MSL from the FIN, not from the SYNs. */
	h_one_run_ms(&t.h, 29850);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	h_one_run_ms(&t.h, 200);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	t_teardown(&t);
}

/* With timestamps too, a SYN below the old RCV.NXT is an old duplicate,
 * whether its TSval is older or newer than TS.Recent: FreeBSD's
 * tcp_twcheck looks only at the sequence number (RFC 6191 would let the
 * newer one in; RFC 9293 3.10.7.4 MAY-2 leaves the choice).  One above
 * RCV.NXT starts a new incarnation, whose ISS is above every sequence
 * number of the old one (RFC 9293 3.10.7.4), even when the clock part of
 * the ISN (RFC 6528) would not be: here the old connection is made to
 * have sent a gigabyte. */
TEST(time_wait_judges_a_new_syn_by_its_sequence_number)
{
	struct t t;
	struct tcp_opts syn_opts = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 100 };
	struct tcp_seg sa;
	uint32_t old_max;

	setup_rfc1323(&t);
	T_PASSIVE(&t, &syn_opts);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK, .opt = TSOPTS(200, 0) }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	CHECK_EQ(t.c->ts_recent, 200);
	cap_port_clear(t.h.cap);
	t.c->snd_max = t.c->snd_nxt = t.iss + (1u << 30);
	old_max = t.c->snd_max;
	/* Below RCV.NXT, older timestamp: dropped. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS - 5000, .flags = TH_SYN,
	                     .opt = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 150 } }));
	EXPECT_NOTHING(&t, 10);
	CHECK_EQ(STATS(&t)->tcps_tw_syn_dropped, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	/* Below RCV.NXT, newer timestamp: dropped as well. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS - 5000, .flags = TH_SYN,
	                     .opt = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 300 } }));
	EXPECT_NOTHING(&t, 10);
	CHECK_EQ(STATS(&t)->tcps_tw_syn_dropped, 2);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	/* Above RCV.NXT: a new connection. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 5000, .flags = TH_SYN,
	                     .opt = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 300 } }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 5001, .flags = TH_SYN | TH_ACK,
	                    .check_opts = true,
	                    .opt = { .present = TOF_MSS | TOF_TS, .mss = 1460, .tsecr = 300 } }));
	CHECK_EQ(STATS(&t)->tcps_tw_reuse, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK(SEQ_GT(sa.seq, old_max), "new ISS %u not above the old SND.MAX %u", sa.seq, old_max);
	t_teardown(&t);
}

/* A new SYN for a TIME_WAIT connection with no listener behind it (we
 * made the old connection): the old one ends and the SYN is answered as a
 * closed port would be (FreeBSD's tcp_twcheck then its lookup again). */
TEST(time_wait_new_syn_without_a_listener_is_reset)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_ACTIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	cap_port_clear(t.h.cap);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 100, .flags = TH_SYN }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = 0, .ack = PEER_ISS + 101, .flags = TH_RST | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(STATS(&t)->tcps_noport, 1);
	t_teardown(&t);
}

/* ---- slow start and congestion avoidance (NewReno) ----
 * The scripted peer ACKs each flight as a whole round (RTT ~0), with one
 * ACK per segment unless said otherwise; MSS 1000, no timestamps, a window
 * (scale 7) that never limits.  Flights, in segments:
 *   initial window (RFC 6928, initcwnd_segments 10)               10
 *   slow start, one ACK per segment: +1 SMSS per ACK              20
 *   one ACK per 2 segments: +2 SMSS per ACK (RFC 3465, L = 2)     40
 *   one ACK per 4 segments: still +2 SMSS per ACK (L caps it)     60
 *   none ACKed: RTO, ssthresh = 30 segments, cwnd 1 (RFC 5681 (4));
 *   the retransmission's ACK covers all 60: +1 SMSS only (L = 1 after an
 *   RTO, RFC 3465 section 2.3; FreeBSD)                            2
 *   slow start again                                               4, 8, 16
 *   ... up to cwnd 31 (slow start while cwnd <= ssthresh, FreeBSD) 31
 *   congestion avoidance: +1 SMSS per cwnd of ACKed bytes         32, 33, 34 */
static char cc_data[400000];

static unsigned take_flight(struct t *t, uint32_t *max)
{
	struct tcp_seg segs[128];
	unsigned n = t_collect(t, segs, ARRAY_SIZE(segs));

	for (unsigned i = 0; i < n; i++) {
		CHECK(segs[i].seq == *max && segs[i].len == 1000,
		      "segment %u: seq %u len %u, expected %u len 1000", i, segs[i].seq,
		      segs[i].len, *max);
		*max = segs[i].seq + segs[i].len;
	}
	return n;
}

/* ACKs everything up to *max, per segments an ACK; returns the segments
 * sent in response (the next flight). */
static unsigned ack_flight(struct t *t, uint32_t *una, uint32_t *max, unsigned per)
{
	uint32_t end = *max;
	unsigned sent = 0;

	while (SEQ_LT(*una, end)) {
		*una = end - *una > per * 1000u ? *una + per * 1000u : end;
		SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = *una, .flags = TH_ACK }));
		sent += take_flight(t, max);
	}
	return sent;
}

TEST(slow_start_and_congestion_avoidance_flights)
{
	static const unsigned per[] = { 1, 2, 4 }, ss[] = { 20, 40, 60 };
	static const unsigned after_rto[] = { 4, 8, 16, 31, 32, 33, 34 };
	struct t t;
	uint32_t una, max;
	unsigned n;

	memset(cc_data, 'c', sizeof(cc_data));
	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RFC1323] = 2; /* window scaling only */
	t.knobs[KNOB_TCP_SENDSPACE] = 512 * 1024;
	t_setup(&t);
	T_PASSIVE(&t,
	          (&(struct tcp_opts){ .present = TOF_MSS | TOF_SCALE, .mss = 1000, .wscale = 7 }));
	CHECK_EQ(t.c->t_maxseg, 1000);
	CHECK_EQ(t_write(&t, cc_data, sizeof(cc_data)), (ssize_t)sizeof(cc_data));
	una = max = t.iss + 1;
	n = take_flight(&t, &max);
	CHECK_EQ(n, 10);
	EXPECT_NOTHING(&t, 0);
	for (unsigned r = 0; r < ARRAY_SIZE(per); r++) {
		n = ack_flight(&t, &una, &max, per[r]);
		CHECK(n == ss[r], "slow start round %u (an ACK per %u): %u segments, expected %u",
		      r + 2, per[r], n, ss[r]);
	}
	/* Nothing ACKed: the RTO resends the first segment, cwnd 1. */
	EXPECT_SENT(
	    &t, WITHIN_MS(RTO_MS),
	    ((struct tseg){ US, .seq = una, .ack = PEER_ISS + 1, .flags = TH_ACK, .len = 1000 }));
	EXPECT_NOTHING(&t, 0);
	CHECK_EQ(t.c->snd_ssthresh, 30000);
	CHECK_EQ(t.c->snd_cwnd, 1000);
	una = max;
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = una, .flags = TH_ACK }));
	n = take_flight(&t, &max);
	CHECK(n == 2, "after the RTO's ACK: %u segments, expected 2 (L = 1)", n);
	for (unsigned r = 0; r < ARRAY_SIZE(after_rto); r++) {
		n = ack_flight(&t, &una, &max, 1);
		CHECK(n == after_rto[r], "round %u after the RTO: %u segments, expected %u", r + 2,
		      n, after_rto[r]);
	}
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* CUBIC (RFC 9438): after a loss at W_max, cwnd follows
 * W_cubic(t) = C (t - K)^3 + W_max, K = cbrt(W_max (1 - beta) / C), aiming
 * one RTT ahead (section 4.4: target = W_cubic(t + RTT)).  With a 500 ms
 * RTT the Reno-friendly estimate (section 4.3) stays below the curve. */
TEST(cubic_growth_follows_its_formula)
{
	struct t t;
	struct tcpcb *tp;
	const double mss = 1000, wmax_seg = 100, rtt = 0.5;
	double k;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_CC] = 1;
	t_setup(&t);
	tp = tcp_pcb_new(t.h.s, NULL);
	tp->t_maxseg = (uint16_t)mss;
	tp->t_srtt = (uint32_t)(rtt * 1e6);
	tp->snd_una = 0;
	tp->snd_max = (uint32_t)(wmax_seg * mss);
	tp->snd_cwnd = (uint32_t)(wmax_seg * mss);
	tcp_cc(tp)->cong_signal(t.h.s, tp, CC_DUPACK_RECOVERY);
	CHECK_EQ(tp->snd_ssthresh, (uint32_t)(0.7 * wmax_seg * mss));
	tcp_cc(tp)->post_recovery(t.h.s, tp);
	CHECK_EQ(tp->snd_cwnd, tp->snd_ssthresh);
	k = cbrt(wmax_seg * (1 - 0.7) / 0.4);
	/* One cwnd of ACKs per RTT, for 8 s; compare every second. */
	for (int step = 0; step < 16; step++) {
		uint32_t w = tp->snd_cwnd;
		double ts = step * rtt, d0 = ts - k, d1 = ts + rtt - k;
		double lo = 0.4 * d0 * d0 * d0 + wmax_seg, hi = 0.4 * d1 * d1 * d1 + wmax_seg, got;

		for (uint32_t a = 0; a < w; a += (uint32_t)mss)
			tcp_cc(tp)->ack_received(t.h.s, tp, (uint32_t)mss);
		got = tp->snd_cwnd / mss;
		/* Per-ACK growth closes part of the gap each RTT: cwnd lies
		 * between W_cubic(t) and W_cubic(t + RTT), one segment of slack. */
		if (step % 2 == 1)
			CHECK(got >= lo - 1.0 && got <= hi + 1.0,
			      "t=%.1f s: cwnd %.1f segments, W_cubic(t) %.1f, W_cubic(t+RTT) %.1f",
			      ts, got, lo, hi);
		t.h.now += (uint64_t)(rtt * 1e9);
		t.h.s->now = t.h.now;
	}
	CHECK(tp->snd_cwnd / mss > wmax_seg); /* convex region reached */
	tcp_close(t.h.s, tp);
	t_teardown(&t);
}

TEST(syn_cookie_keeps_wscale_sack_and_timestamps)
{
	struct t t;
	struct ip_addr any = ip_addr_v4(0);
	struct tcp_seg c;
	int err;

	setup_rfc1323(&t);
	t.l = tcp_pcb_new(t.h.s, &owner_l);
	CHECK_EQ(tcp_bind(t.h.s, t.l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t.h.s, t.l, 1), 0);
	SEND(&t, ((struct tseg){
	             .sport = 6000, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	cap_port_clear(t.h.cap);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                         .opt = { .present = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS,
	                                  .mss = 1460,
	                                  .wscale = 9,
	                                  .tsval = 777 } }));
	c = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK,
	                    .check_opts = true,
	                    .opt = { .present = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS,
	                             .mss = 1460,
	                             .wscale = 6,
	                             .tsecr = 777 } }));
	CHECK_EQ(STATS(&t)->tcps_sc_sendcookie, 1);
	SEND(&t, ((struct tseg){ .sport = PEER_PORT,
	                         .dport = US_PORT,
	                         .win = 10,
	                         .seq = PEER_ISS + 1,
	                         .ack = c.seq + 1,
	                         .flags = TH_ACK,
	                         .opt = TSOPTS(778, c.opt.tsval) }));
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	if (t.c) {
		CHECK_EQ(t.c->snd_scale, 9);
		CHECK_EQ(t.c->rcv_scale, 6);
		CHECK_EQ(t.c->snd_wnd, 10u << 9);
		CHECK(t.c->t_flags & TF_SACK_PERMIT);
		CHECK(t.c->t_flags & TF_RCVD_TSTMP);
		CHECK_EQ(t.c->ts_recent, 778);
		/* Our segments carry timestamps continuing the cookie's clock. */
		CHECK_EQ(t_write(&t, "z", 1), 1);
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = c.seq + 1, .ack = PEER_ISS + 1,
		                            .flags = TH_PUSH | TH_ACK, PAYLOAD("z"),
		                            .check_opts = true, .opt = TSOPTS(0, 778) }));
	}
	t_teardown(&t);
}

/* ICMP errors (tcp_ctlinput): PMTUD lowers the MSS and resends smaller;
 * a quoted sequence number outside the flight is ignored (RFC 5927);
 * port unreachable refuses a connection attempt. */
static size_t quote(uint8_t *q, uint16_t sport, uint32_t seq)
{
	uint32_t a = h_ip4("198.18.0.1"), b = h_ip4("198.18.0.2");

	memset(q, 0, 28);
	q[0] = 0x45;
	q[9] = IPPROTO_TCP;
	memcpy(q + 12, &a, 4);
	memcpy(q + 16, &b, 4);
	q[20] = (uint8_t)(sport >> 8);
	q[21] = (uint8_t)sport;
	q[22] = PEER_PORT >> 8;
	q[23] = PEER_PORT & 0xff;
	q[24] = (uint8_t)(seq >> 24);
	q[25] = (uint8_t)(seq >> 16);
	q[26] = (uint8_t)(seq >> 8);
	q[27] = (uint8_t)seq;
	return 28;
}

TEST(icmp_fragmentation_needed_lowers_the_mss)
{
	struct t t;
	static char d[1460];
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	memset(d, 'm', sizeof(d));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 1460 }));
	/* A quoted sequence number outside the flight: ignored. */
	tcp_ctlinput(t.h.s, 3, 4, 1000, q, quote(q, US_PORT, t.iss + 5000));
	CHECK_EQ(t.c->t_maxseg, 1460);
	CHECK_EQ(STATS(&t)->tcps_icmp_ignored, 1);
	tcp_ctlinput(t.h.s, 3, 4, 1000, q, quote(q, US_PORT, t.iss + 1));
	CHECK_EQ(t.c->t_maxseg, 960);
	CHECK_EQ(STATS(&t)->tcps_icmp_mtu, 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 960 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 961, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 500 }));
	t_teardown(&t);
}

TEST(icmp_port_unreachable_refuses_a_connect)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(&t, NOW,
	                  ((struct tseg){ .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	/* Host unreachable is soft: kept for the timeout. */
	tcp_ctlinput(t.h.s, 3, 1, 0, q, quote(q, syn.sport, syn.seq));
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_SENT);
	CHECK_EQ(tcp_error(t.c, false), 0);
	CHECK_EQ(t.c->t_softerror, EHOSTUNREACH);
	tcp_ctlinput(t.h.s, 3, 3, 0, q, quote(q, syn.sport, syn.seq));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ECONNREFUSED);
	/* Garbage is counted, never read past its length. */
	tcp_ctlinput(t.h.s, 3, 3, 0, q, 10);
	tcp_ctlinput(t.h.s, 3, 3, 0, NULL, 0);
	CHECK_EQ(STATS(&t)->tcps_icmp_ignored, 2);
	t_teardown(&t);
}

TEST(icmp_soft_error_is_reported_on_timeout)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;
	uint8_t q[28];

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_KEEPINIT] = 3000;
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(&t, NOW,
	                  ((struct tseg){ .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	tcp_ctlinput(t.h.s, 3, 0, 0, q, quote(q, syn.sport, syn.seq));
	h_one_run_ms(&t.h, 3100);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), EHOSTUNREACH); /* FreeBSD icmp_errmap: net unreachable */
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* A retransmission that is lost again is sent again once the peer SACKs
 * data sent after it, without waiting for the RTO. */
TEST(sack_lost_retransmission_is_sent_again)
{
	struct t t;
	uint32_t b;

	b = sack_conn_sending(&t, 6);
	{
		const uint32_t s1[][2] = { { b + 1460, b + 2920 } };
		const uint32_t s2[][2] = { { b + 1460, b + 4380 } };
		const uint32_t s3[][2] = { { b + 1460, b + 5840 } };

		sack_dupack(&t, b, 1, s1);
		sack_dupack(&t, b, 1, s2);
		sack_dupack(&t, b, 1, s3);
	}
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = 1460 }));
	EXPECT_NOTHING(&t, 0);
	for (int i = 6; i < 8; i++) {
		memset(seg_data[i], 'A' + i, 1460);
		CHECK_EQ(t_write(&t, seg_data[i], 1460), 1460);
	}
	EXPECT_NOTHING(&t, 0); /* pipe = cwnd */
	{
		const uint32_t s4[][2] = { { b + 1460, b + 7300 } };

		sack_dupack(&t, b, 1, s4);
	}
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b + 6 * 1460, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[6], .len = 1460 }));
	/* Segment 6, sent after the retransmission of 0, arrives; 0 does not. */
	{
		const uint32_t s5[][2] = { { b + 1460, b + 7300 }, { b + 8760, b + 10220 } };

		sack_dupack(&t, b, 2, s5);
	}
	CHECK_EQ(STATS(&t)->tcps_sack_lostrexmt, 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = 1460 }));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* Small in-order segments are gathered into one receive buffer (FreeBSD's
 * sbcompress): 100 one-byte segments pin one mbuf, not 100. */
TEST(small_segments_share_a_receive_buffer)
{
	struct t t;
	char b[128];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	for (uint32_t i = 0; i < 100; i++) {
		char c = (char)('0' + i % 10);

		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + i, .ack = t.iss + 1,
		                         .flags = TH_ACK, .data = &c, .len = 1 }));
	}
	CHECK_EQ(tcp_readable(t.c), 100);
	CHECK_EQ(t.c->rcvq.n, 1);
	CHECK_EQ(t_read(&t, b, sizeof(b)), 100);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(b[i], '0' + i % 10);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* Zero-copy receive: a full-sized in-order segment stays in the mbuf it
 * arrived in (headers trimmed off) until the application has read all of
 * it; the pool's in-use count rises by one per unread segment, a partial
 * read keeps the mbuf, reading its last byte gives it back. */
static void quiet_wire(struct t *t)
{
	h_one_pass(&t->h); /* what a read sent (window updates) leaves */
	cap_port_clear(t->h.cap);
}

TEST(full_segments_stay_in_their_mbufs_until_read)
{
	static char d[4][1460], r[4 * 1460];
	struct t t;
	unsigned base;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	cap_port_clear(t.h.cap);
	base = rte_mempool_in_use_count(t.h.pool);
	for (uint32_t i = 0; i < 4; i++) {
		memset(d[i], 'k' + (int)i, sizeof(d[i]));
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 1460 * i, .ack = t.iss + 1,
		                         .flags = TH_ACK, .data = d[i], .len = 1460 }));
		cap_port_clear(t.h.cap); /* our ACKs */
		CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base + i + 1);
		CHECK_EQ(t.c->rcvq.n, i + 1);
	}
	CHECK_EQ(tcp_readable(t.c), 4 * 1460);
	/* Most of the first segment: its mbuf stays. */
	CHECK_EQ(t_read(&t, r, 1000), 1000);
	quiet_wire(&t);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base + 4);
	CHECK_EQ(t.c->rcvq.n, 4);
	/* Its last byte and half of the second: one mbuf back. */
	CHECK_EQ(t_read(&t, r + 1000, 460 + 730), 460 + 730);
	quiet_wire(&t);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base + 3);
	CHECK_EQ(t.c->rcvq.n, 3);
	/* The rest: all back. */
	CHECK_EQ(t_read(&t, r + 2190, sizeof(r) - 2190), (ssize_t)sizeof(r) - 2190);
	quiet_wire(&t);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base);
	CHECK_EQ(t.c->rcvq.n, 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK(memcmp(r + 1460 * i, d[i], 1460) == 0, "segment %u differs", i);
	t_teardown(&t);
}

/* DESIGN.md budget: an idle established connection under 1 KiB, measured.
 * N connections are opened by the scripted peer and accepted through the
 * socket API (ff_accept: a struct socket and a descriptor slot each), then
 * left idle; what they cost is
 *   - the heap bytes they hold: the growth of malloc's in-use bytes
 *     (mallinfo2: chunk headers and rounding included; the descriptor table
 *     grows by realloc, its share is in the growth too) over the N, after a
 *     few to warm up; under ASan, the sanitizer's allocated-byte count
 *     (requested sizes);
 *   - rte_malloc bytes they hold (DPDK heap statistics; none expected);
 *   - their share of the connection table: the rte_hash is allocated whole
 *     at start-up for net.inet.tcp.maxconn (fastack.tcp.maxconn) entries,
 *     so its cost per entry is measured as the heap difference between two
 *     stacks whose tables differ by that many entries;
 *   - no mbufs (both buffers empty). */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

static size_t rte_heap_in_use(void)
{
	size_t sum = 0;

	for (unsigned i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	}
	return sum;
}

/* rte_malloc bytes of a stack whose table has maxconn entries. */
static size_t stack_rte_bytes(struct rte_mempool *pool, const int64_t *knobs, int64_t maxconn)
{
	int64_t k[KNOB_COUNT];
	size_t before = rte_heap_in_use(), used;
	struct stack *s;

	memcpy(k, knobs, sizeof(k));
	k[KNOB_TCP_MAXCONN] = maxconn;
	s = stack_create(7, pool, k, 1000000000ull);
	CHECK(s != NULL);
	used = rte_heap_in_use() - before;
	if (s)
		stack_destroy(s);
	return used;
}

TEST(memory_per_idle_connection)
{
	enum { WARM = 24, N = 1000 };
	static int fds[WARM + N];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(US_PORT) };
	size_t heap0 = 0, rte0 = 0, heap1, rte1;
	double per_heap, per_rte, per_hash, total;
	struct t t;
	int lfd;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_MAXCONN] = 4096;
	t_setup(&t);
	{
		size_t a = stack_rte_bytes(t.h.pool, t.knobs, 4096);
		size_t b = stack_rte_bytes(t.h.pool, t.knobs, 8192);

		per_hash = b > a ? (double)(b - a) / 4096 : 0;
	}
	stack_set_current(t.h.s);
	tcp_set_notify(t.h.s, tcp_so_notify); /* sockets own these connections */
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	CHECK_EQ(ff_bind(lfd, (struct linux_sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ff_listen(lfd, 64), 0);
	for (int i = 0; i < WARM + N; i++) {
		uint16_t port = (uint16_t)(20000 + i);
		struct tcp_seg sent[4];

		if (i == WARM) {
			heap0 = heap_in_use();
			rte0 = rte_heap_in_use();
		}
		SEND(&t, ((struct tseg){ .sport = port,
		                         .dport = US_PORT,
		                         .win = 65535,
		                         .seq = PEER_ISS,
		                         .flags = TH_SYN }));
		if (t_collect(&t, sent, 4) != 1 || sent[0].flags != (TH_SYN | TH_ACK)) {
			CHECK(false, "connection %d: no SYN-ACK", i);
			break;
		}
		SEND(&t, ((struct tseg){ .sport = port,
		                         .dport = US_PORT,
		                         .win = 65535,
		                         .seq = PEER_ISS + 1,
		                         .ack = sent[0].seq + 1,
		                         .flags = TH_ACK }));
		fds[i] = ff_accept(lfd, NULL, NULL);
		CHECK(fds[i] >= 0, "accept %d", i);
	}
	h_one_run_ms(&t.h, 1000); /* idle */
	cap_port_clear(t.h.cap);
	heap1 = heap_in_use();
	rte1 = rte_heap_in_use();
	CHECK_EQ(tcp_conn_count(t.h.s), WARM + N);
	per_heap = ((double)heap1 - (double)heap0) / N;
	per_rte = ((double)rte1 - (double)rte0) / N;
	total = per_heap + per_rte + per_hash;
	printf("  idle connection (measured over %d): heap %.0f bytes (tcpcb %zu, struct socket, "
	       "descriptor slot, allocator overhead), rte_malloc %.0f, connection table %.0f per "
	       "entry: %.0f bytes; mbufs held %u\n",
	       N, per_heap, tcp_pcb_size(), per_rte, per_hash, total,
	       rte_mempool_in_use_count(t.h.pool));
	CHECK(per_heap >= (double)tcp_pcb_size(), "heap growth %.0f below one tcpcb", per_heap);
	CHECK(per_hash >= (double)sizeof(struct tcp_key), "table entry %.0f below one key",
	      per_hash);
	CHECK(total < 1024, "%.0f bytes per idle connection", total);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), 0);
	for (int i = 0; i < WARM + N; i++)
		if (fds[i] >= 0)
			ff_close(fds[i]);
	ff_close(lfd);
	t_teardown(&t);
}

/* Checksum offload: the segment leaves with RTE_MBUF_F_TX_TCP_CKSUM and the
 * pseudo-header sum in the field (DPDK's contract), which the port then
 * completes.  Checks the next frame the stack sent, frees it, and returns
 * its sequence number. */
static uint32_t check_offloaded(struct t *t, const char *what)
{
	struct rte_mbuf *m;
	const uint8_t *d;
	uint32_t src, dst, seq;
	uint16_t l4len, field;

	h_one_pass(&t->h);
	m = cap_port_pop(t->h.cap);
	CHECK(m != NULL, "%s: nothing sent", what);
	if (!m)
		return 0;
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	memcpy(&src, d + 14 + 12, 4);
	memcpy(&dst, d + 14 + 16, 4);
	memcpy(&seq, d + 34 + 4, 4);
	l4len = (uint16_t)(m->pkt_len - 34);
	memcpy(&field, d + 34 + 16, 2);
	CHECK((m->ol_flags & (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4)) ==
	          (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4),
	      "%s: ol_flags 0x%llx", what, (unsigned long long)m->ol_flags);
	CHECK(m->l2_len == 14 && m->l3_len == 20 && m->l4_len == (d[34 + 12] >> 4) * 4u,
	      "%s: l2 %u l3 %u l4 %u", what, m->l2_len, m->l3_len, m->l4_len);
	CHECK_EQ(field, wire_ip4_phdr_sum(src, dst, IPPROTO_TCP, l4len));
	port_sw_tx_cksum(m); /* what the NIC does */
	rte_pktmbuf_adj(m, 34);
	CHECK(wire_ip4_l4_cksum_ok(m, 0, l4len, src, dst, IPPROTO_TCP), "%s: bad sum", what);
	rte_pktmbuf_free(m);
	return rte_be_to_cpu_32(seq);
}

TEST(checksum_offload_leaves_the_sum_to_the_port)
{
	struct t t;
	uint8_t raw[20];
	int err;

	t_knobs_default(&t);
	t_setup(&t);
	t.h.cap->offloads |= PORT_OFF_TX_TCP_CKSUM;
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	t.iss = check_offloaded(&t, "SYN-ACK");
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	if (!t.c) {
		t_teardown(&t);
		return;
	}
	CHECK_EQ(t_write(&t, "data", 4), 4);
	CHECK_EQ(check_offloaded(&t, "data"), t.iss + 1);
	/* A closed port's RST (no connection) is offloaded too. */
	memset(raw, 0, sizeof(raw));
	raw[0] = PEER_PORT >> 8;
	raw[1] = PEER_PORT & 0xff;
	raw[3] = 81;
	raw[12] = 5 << 4;
	raw[13] = TH_SYN;
	t_inject_raw(&t, raw, sizeof(raw), true);
	check_offloaded(&t, "RST");
	CHECK_EQ(STATS(&t)->tcps_snd_csum_offload, 3);
	CHECK_EQ(t.h.s->stats.ip4.ips_swcsum, 0);

	/* The route moves to a port without the offload: ip4_output
	 * completes what the connection still asks for (EXPECT_SENT checks
	 * the sum). */
	t.h.cap->offloads &= ~PORT_OFF_TX_TCP_CKSUM;
	h_one_run_ms(&t.h, 300); /* the retransmission */
	EXPECT_SENT(&t, WITHIN_MS(1000),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("data") }));
	CHECK_EQ(t.h.s->stats.ip4.ips_swcsum, 1);
	t_teardown(&t);
}

/* A segment whose data spans two send-buffer mbufs at an odd offset has an
 * odd-length segment inside its chain: such chains are summed in software
 * (some ports, net_tap, get them wrong), the others are offloaded. */
TEST(checksum_offload_skips_chains_with_odd_pieces)
{
	static char d[3000];
	struct t t;
	unsigned sent = 0, odd = 0;
	struct rte_mbuf *m;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1089 }));
	t.c->t_flags |= TF_TXCSUM; /* as if the port had offered it */
	t.h.cap->offloads |= PORT_OFF_TX_TCP_CKSUM;
	memset(d, 'o', sizeof(d));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	h_one_pass(&t.h);
	while ((m = cap_port_pop(t.h.cap)) != NULL) {
		bool interior_odd = false;

		for (struct rte_mbuf *g = m; g->next; g = g->next)
			interior_odd |= (g->data_len & 1) != 0;
		odd += interior_odd;
		sent++;
		CHECK_EQ((m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) != 0, !interior_odd);
		rte_pktmbuf_free(m);
	}
	CHECK(sent >= 2 && odd >= 1, "%u segments, %u with odd pieces (mbuf size %u)", sent, odd,
	      (unsigned)RTE_MBUF_DEFAULT_BUF_SIZE);
	CHECK_EQ(STATS(&t)->tcps_snd_csum_offload, sent - odd);
	t_teardown(&t);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
