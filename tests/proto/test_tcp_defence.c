/* test_tcp_defence.c: what a peer can provoke, bounded (issue 17).
 *
 * One stack against a scripted peer (test_tcp_lib.h), on virtual time:
 *   - the ack war limit (FreeBSD's net.inet.tcp.ack_war_cnt ACKs per
 *     ack_war_timewindow ms, per connection): floods of out-of-window,
 *     old and PAWS-failed segments get ack_war_cnt ACKs per window, the
 *     rest are counted (tcps_ackwar_limited); challenge ACKs draw on the
 *     same budget; a new window opens once more than the window has
 *     passed; either knob 0 turns the limit off, as in FreeBSD;
 *   - the persist timer's ends: net.inet.tcp.maxunacktime (or the
 *     socket's TCP_USER_TIMEOUT) drops a connection whose peer answers
 *     every probe with window 0
 *     (tcps_progdrops, ETIMEDOUT, its buffers back in the pool); a silent
 *     peer is dropped after the full backoff when it has been silent for
 *     REXMTVAL * tcp_totbackoff, or for TCPTV_PERSMAX once the owner has
 *     closed (tcps_persistdrop), as FreeBSD 14's tcp_timer_persist;
 *   - a listener out of room: a full accept queue answers SYNs with
 *     cookies, and a completed handshake that finds no room gets a RST
 *     (net.inet.tcp.syncache.rst_on_sock_fail, tcps_sc_sockfail) from a
 *     cookie and from a half-open connection alike; a full connection
 *     table answers with cookies instead of dropping the SYN.
 * Two stacks through the ff_* API: a full descriptor table (kern.maxfiles)
 * makes ff_accept fail with EMFILE, the connection stays queued, and is
 * accepted at once when a descriptor is closed.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_mempool.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"
#include "test_tcp_sock.h"

#define STATS(t) (&(t)->h.s->stats.tcp)
#define FAR_AHEAD 10000000u /* far beyond any window we offer */

/* An ACK of ours at the current state (no data outstanding). */
#define OUR_ACK(t, rcv) ((struct tseg){ US, .seq = (t)->iss + 1, .ack = (rcv), .flags = TH_ACK })

/* n segments of data far beyond the window. */
static void send_out_of_window(struct t *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + FAR_AHEAD + i,
		                        .ack = t->iss + 1, .flags = TH_ACK, PAYLOAD("x") }));
}

/* ---- the ack war limit ---- */

TEST(out_of_window_flood_gets_ack_war_cnt_acks_per_window)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	send_out_of_window(&t, 20);
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 1));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_rcvpackafterwin, 20);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 15);
	/* Still the same window at 1000 ms after it opened (FreeBSD: a new
	 * one only once more than ack_war_timewindow has passed). */
	h_one_run_ms(&t.h, 1000 - 5);
	send_out_of_window(&t, 1);
	EXPECT_NOTHING(&t, 1);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 16);
	/* The window restarts: five more, and no more. */
	send_out_of_window(&t, 8);
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 1));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 19);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	/* In-window data is still taken and ACKed (the limit covers only the
	 * answers a peer provokes). */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("ok") }));
	EXPECT_SENT(&t, AT_MS(40), OUR_ACK(&t, PEER_ISS + 3));
	t_teardown(&t);
}

TEST(challenge_acks_and_out_of_window_acks_share_the_budget)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	/* Three SYNs (RFC 5961 section 4: challenge ACKs), then segments
	 * out of the window: five ACKs in all. */
	for (uint32_t i = 0; i < 3; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 500 + i, .flags = TH_SYN }));
	send_out_of_window(&t, 4);
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 1));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_chalack, 3);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 2);
	/* An in-window RST not at RCV.NXT: its challenge ACK is over budget. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 100, .flags = TH_RST }));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_chalack_limited, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	t_teardown(&t);
}

TEST(old_duplicates_and_too_new_acks_are_limited)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("abc") }));
	EXPECT_SENT(&t, AT_MS(40), OUR_ACK(&t, PEER_ISS + 4));
	/* The same segment again and again (all old), and ACKs of data we
	 * never sent: five answers per window together. */
	for (int i = 0; i < 4; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
		                         .flags = TH_ACK, PAYLOAD("abc") }));
	for (int i = 0; i < 4; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 4, .ack = t.iss + 1000,
		                         .flags = TH_ACK, PAYLOAD("d") }));
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 4));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_rcvduppack, 4);
	CHECK_EQ(STATS(&t)->tcps_rcvacktoomuch, 4);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 3);
	CHECK_EQ(tcp_readable(t.c), 3);
	t_teardown(&t);
}

TEST(paws_failed_flood_is_limited)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RFC1323] = 1;
	t_setup(&t);
	T_PASSIVE(&t,
	          (&(struct tcp_opts){ .present = TOF_MSS | TOF_TS, .mss = 1460, .tsval = 5000 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("new"), .opt = { .present = TOF_TS, .tsval = 5010 } }));
	cap_port_clear(t.h.cap);
	for (int i = 0; i < 12; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 4, .ack = t.iss + 1,
		                         .flags = TH_ACK, PAYLOAD("old"),
		                         .opt = { .present = TOF_TS, .tsval = 4000 } }));
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 4, .flags = TH_ACK }));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_pawsdrop, 12);
	CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 7);
	CHECK_EQ(tcp_readable(t.c), 3);
	t_teardown(&t);
}

TEST(ack_war_knobs_at_zero_turn_the_limit_off)
{
	for (int v = 0; v < 2; v++) {
		struct t t;

		t_knobs_default(&t);
		if (v)
			t.knobs[KNOB_TCP_ACK_WAR_TIMEWINDOW] = 0;
		else
			t.knobs[KNOB_TCP_ACK_WAR_CNT] = 0;
		t_setup(&t);
		T_PASSIVE(&t, NULL);
		send_out_of_window(&t, 20);
		for (int i = 0; i < 20; i++)
			EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 1));
		for (uint32_t i = 0; i < 10; i++)
			SEND(&t,
			     ((struct tseg){ PEER, .seq = PEER_ISS + 500 + i, .flags = TH_SYN }));
		for (int i = 0; i < 10; i++)
			EXPECT_SENT(&t, NOW, OUR_ACK(&t, PEER_ISS + 1));
		EXPECT_NOTHING(&t, 5);
		CHECK_EQ(STATS(&t)->tcps_ackwar_limited, 0);
		CHECK_EQ(STATS(&t)->tcps_chalack_limited, 0);
		t_teardown(&t);
	}
}

/* ---- persist: the ends of a closed window ---- */

/* The peer closes its window; the owner writes "abc" (held back). */
static void zero_window_with_data(struct t *t)
{
	SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1, .flags = TH_ACK,
	                        .win = 0 }));
	CHECK_EQ(t_write(t, "abc", 3), 3);
}

/* The RST of tcp_drop: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>. */
#define DROP_RST(t) \
	((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_RST | TH_ACK })
#define PROBE(t)                                                                       \
	((struct tseg){ US, .seq = (t)->iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK, \
	                PAYLOAD("a") })

/* The knob, and the socket's TCP_USER_TIMEOUT with the knob off. */
TEST(maxunacktime_drops_a_peer_that_keeps_its_window_shut)
{
	/* Probes 5, 5, 8.2 s apart (no RTT sample: FreeBSD's backoff); the
	 * fourth timeout comes 34.4 s after the data started waiting. */
	static const unsigned iv[] = { 5000, 5000, 8200 };

	for (int v = 0; v < 2; v++) {
		struct t t;
		unsigned base;
		char b[4];

		t_knobs_default(&t);
		if (!v)
			t.knobs[KNOB_TCP_MAXUNACKTIME] = 30000;
		t_setup(&t);
		T_PASSIVE(&t, NULL);
		if (v)
			CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_USER_TIMEOUT, 30000), 0);
		base = rte_mempool_in_use_count(t.h.pool);
		zero_window_with_data(&t);
		CHECK(rte_mempool_in_use_count(t.h.pool) > base);
		for (unsigned k = 0; k < ARRAY_SIZE(iv); k++) {
			EXPECT_SENT(&t, AT_MS(iv[k]), PROBE(&t));
			/* Answered at once, the window still shut: alive,
			 * but no progress. */
			SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
			                         .flags = TH_ACK, .win = 0 }));
		}
		CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
		/* 34.4 s without progress >= 30 s: dropped with a RST. */
		EXPECT_SENT(&t, AT_MS(16200), DROP_RST(&t));
		CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
		CHECK_EQ(STATS(&t)->tcps_progdrops, 1);
		CHECK_EQ(STATS(&t)->tcps_persistdrop, 0);
		CHECK(t.ev_c & TCP_EV_ERR);
		CHECK_EQ(t_read(&t, b, sizeof(b)), -ETIMEDOUT);
		/* The send buffer is back in the pool. */
		CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base);
		t_teardown(&t);
	}
}

TEST(maxunacktime_restarts_with_each_ack_that_moves_snd_una)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_MAXUNACKTIME] = 12000;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	zero_window_with_data(&t);
	EXPECT_SENT(&t, AT_MS(5000), PROBE(&t));
	/* The peer takes the probe's byte (progress), window still 0. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK,
	                         .win = 0 }));
	EXPECT_SENT(&t, AT_MS(5000),
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            PAYLOAD("b") }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 3, .flags = TH_ACK,
	                         .win = 0 }));
	/* From now on the peer takes nothing: probes 5 and 10 s after the
	 * last progress (alive), and at 15 s (>= 12 s) the drop. */
	for (int k = 0; k < 2; k++) {
		EXPECT_SENT(&t, AT_MS(5000),
		            ((struct tseg){ US, .seq = t.iss + 3, .ack = PEER_ISS + 1,
		                            .flags = TH_PUSH | TH_ACK, PAYLOAD("c") }));
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 3,
		                         .flags = TH_ACK, .win = 0 }));
	}
	EXPECT_SENT(&t, AT_MS(5000), DROP_RST(&t));
	CHECK_EQ(STATS(&t)->tcps_progdrops, 1);
	t_teardown(&t);
}

/* A probe carrying the last byte waiting leaves the persist timer armed
 * (it once left no timer at all: the connection hung, silent). */
TEST(probe_of_the_last_byte_keeps_the_persist_timer)
{
	static const unsigned iv[] = { 5000, 5000, 8200, 16200 };
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .win = 0 }));
	CHECK_EQ(t_write(&t, "z", 1), 1);
	for (unsigned k = 0; k < ARRAY_SIZE(iv); k++) {
		EXPECT_SENT(&t, AT_MS(iv[k]),
		            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
		                            .flags = TH_PUSH | TH_ACK, PAYLOAD("z") }));
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
		                         .flags = TH_ACK, .win = 0 }));
	}
	/* The window opens: the byte goes, and is acknowledged. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .win = 100 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("z") }));
	t_teardown(&t);
}

TEST(silent_peer_is_dropped_after_the_full_persist_backoff)
{
	/* No answer ever: probes 5, 5, 8.2, 16.2, 32.2 s apart, then every
	 * 60 s.  The 13th timeout finds the full backoff; the drop waits for
	 * the peer's silence to reach REXMTVAL (1 s, no sample) * 2559: the
	 * 47th timeout, 2586.6 s after the data began waiting. */
	static const unsigned head[] = { 5000, 5000, 8200, 16200, 32200 };
	struct t t;
	unsigned base;
	char b[4];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	base = rte_mempool_in_use_count(t.h.pool);
	zero_window_with_data(&t);
	for (unsigned k = 0; k < 46; k++)
		EXPECT_SENT(&t, AT_MS(k < ARRAY_SIZE(head) ? head[k] : 60000), PROBE(&t));
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	EXPECT_SENT(&t, AT_MS(60000), DROP_RST(&t));
	CHECK_EQ(STATS(&t)->tcps_persistdrop, 1);
	CHECK_EQ(STATS(&t)->tcps_sndprobe, 46);
	CHECK_EQ(t_read(&t, b, sizeof(b)), -ETIMEDOUT);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base);
	t_teardown(&t);
}

TEST(closed_connection_in_persist_ends_after_persmax_of_silence)
{
	static const unsigned iv[] = { 5000, 5000, 8200, 16200 };
	struct t t;
	unsigned base;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	base = rte_mempool_in_use_count(t.h.pool);
	zero_window_with_data(&t);
	tcp_close(t.h.s, t.c); /* FIN_WAIT_1 with "abc" and the FIN waiting */
	t.c = NULL;
	for (unsigned k = 0; k < ARRAY_SIZE(iv); k++)
		EXPECT_SENT(&t, AT_MS(iv[k]), PROBE(&t));
	/* 66.6 s of silence >= TCPTV_PERSMAX (60 s): dropped. */
	EXPECT_SENT(&t, AT_MS(32200), DROP_RST(&t));
	CHECK_EQ(STATS(&t)->tcps_persistdrop, 1);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base);
	t_teardown(&t);
}

/* ---- a listener out of room ---- */

static struct tcp_seg syn_from(struct t *t, uint16_t port)
{
	SEND(t, ((struct tseg){
	            .sport = port, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	return EXPECT_SENT(t, NOW,
	                   ((struct tseg){ .sport = US_PORT,
	                                   .dport = port,
	                                   .any_seq = true,
	                                   .ack = 2,
	                                   .flags = TH_SYN | TH_ACK }));
}

static void ack_from(struct t *t, uint16_t port, uint32_t their_iss)
{
	SEND(t, ((struct tseg){ .sport = port,
	                        .dport = US_PORT,
	                        .win = 65535,
	                        .seq = 2,
	                        .ack = their_iss + 1,
	                        .flags = TH_ACK }));
}

TEST(full_accept_queue_answers_with_cookies_and_resets_the_handshake)
{
	struct t t;
	struct ip_addr any = ip_addr_v4(0);
	struct tcp_seg a1, a2, a3;
	int err;

	t_knobs_default(&t);
	t_setup(&t);
	t.l = tcp_pcb_new(t.h.s, &owner_l);
	CHECK_EQ(tcp_bind(t.h.s, t.l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t.h.s, t.l, 1), 0);
	/* Backlog 1 queues two (FreeBSD's sonewconn: 3/2 of the backlog). */
	a1 = syn_from(&t, 6000);
	ack_from(&t, 6000, a1.seq);
	a1 = syn_from(&t, 6001);
	ack_from(&t, 6001, a1.seq);
	CHECK_EQ(STATS(&t)->tcps_accepts, 2);
	/* The accept queue is full: the SYN gets a cookie... */
	a2 = syn_from(&t, 6002);
	CHECK_EQ(STATS(&t)->tcps_sc_sendcookie, 1);
	CHECK_EQ(STATS(&t)->tcps_listendrop, 0);
	/* ... and its ACK, still finding no room, a RST (FreeBSD's
	 * syncache.rst_on_sock_fail). */
	ack_from(&t, 6002, a2.seq);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = US_PORT, .dport = 6002, .seq = a2.seq + 1, .flags = TH_RST }));
	CHECK_EQ(STATS(&t)->tcps_listendrop, 1);
	CHECK_EQ(STATS(&t)->tcps_sc_sockfail, 1);
	/* Room again: the next handshake completes at once. */
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	a3 = syn_from(&t, 6003);
	ack_from(&t, 6003, a3.seq);
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_accepts, 3);
	for (int i = 0; i < 2; i++) {
		tcp_abort(t.h.s, t.c);
		t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
		CHECK(t.c != NULL);
	}
	t_teardown(&t);
}

TEST(half_open_connection_finding_a_full_queue_is_reset)
{
	for (int rst = 0; rst < 2; rst++) {
		struct t t;
		struct ip_addr any = ip_addr_v4(0);
		struct tcp_seg a[3];
		int err;

		t_knobs_default(&t);
		t.knobs[KNOB_TCP_SC_RST_SOCK_FAIL] = rst;
		t_setup(&t);
		t.l = tcp_pcb_new(t.h.s, &owner_l);
		CHECK_EQ(tcp_bind(t.h.s, t.l, &any, US_PORT), 0);
		CHECK_EQ(tcp_listen(t.h.s, t.l, 2), 0);
		a[0] = syn_from(&t, 6001);
		a[1] = syn_from(&t, 6002);
		ack_from(&t, 6001, a[0].seq);
		a[2] = syn_from(&t, 6003);
		ack_from(&t, 6002, a[1].seq);
		/* Backlog 2 queues four (FreeBSD's sonewconn: more than 3/2
		 * of the backlog is full). */
		for (uint16_t port = 6004; port <= 6005; port++) {
			struct tcp_seg sa = syn_from(&t, port);

			ack_from(&t, port, sa.seq);
		}
		CHECK_EQ(STATS(&t)->tcps_sc_sendcookie, 0);
		CHECK_EQ(STATS(&t)->tcps_sc_added, 5);
		/* Four queued: the fifth handshake finds no room. */
		ack_from(&t, 6003, a[2].seq);
		CHECK_EQ(STATS(&t)->tcps_listendrop, 1);
		CHECK_EQ(STATS(&t)->tcps_sc_sockfail, 1);
		if (rst) {
			EXPECT_SENT(&t, NOW,
			            ((struct tseg){ .sport = US_PORT,
			                            .dport = 6003,
			                            .seq = a[2].seq + 1,
			                            .flags = TH_RST }));
			CHECK_EQ(tcp_conn_count(t.h.s), 4);
		} else {
			/* Knob off: dropped, the half-open one waits for the
			 * ACK again (Linux's tcp_abort_on_overflow 0). */
			EXPECT_NOTHING(&t, 5);
			CHECK_EQ(tcp_conn_count(t.h.s), 5);
			t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
			tcp_abort(t.h.s, t.c);
			t.c = NULL;
			ack_from(&t, 6003, a[2].seq);
			CHECK_EQ(STATS(&t)->tcps_accepts, 5);
		}
		t_teardown(&t);
	}
}

TEST(full_connection_table_answers_syns_with_cookies)
{
	struct t t;
	unsigned cookies = 0, conns;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_MAXCONN] = 16;
	t_setup(&t);
	t_listen(&t);
	/* 40 SYNs: every one is answered, by a cookie once the table is full
	 * (its buckets may fill before 16 entries). */
	for (uint16_t i = 0; i < 40; i++) {
		uint64_t sent = STATS(&t)->tcps_sc_sendcookie;

		(void)syn_from(&t, (uint16_t)(7000 + i));
		cookies += STATS(&t)->tcps_sc_sendcookie != sent;
	}
	conns = tcp_conn_count(t.h.s);
	CHECK(conns <= 16 && conns >= 8, "%u connections", conns);
	CHECK_EQ(cookies, 40 - conns);
	CHECK_EQ(STATS(&t)->tcps_sc_dropped, 0);
	t_teardown(&t);
}

/* ---- descriptors: kern.maxfiles ---- */

TEST(accept_with_a_full_descriptor_table_says_emfile_and_keeps_the_connection)
{
	/* kern.maxfiles 17 on both stacks: descriptors 3..19.  The server's
	 * listener and 16 accepted connections fill its table; the client's
	 * 17 sockets fill its own. */
	int64_t knobs[KNOB_COUNT];
	struct h_pair h;
	struct sockaddr_in a;
	int lfd, cfd[17], sfd[17], n = 0, fd, nofd;
	char buf[8];

	for (int i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	knobs[KNOB_SOCK_MAX_FDS] = 17;
	h_pair_create(&h, NULL, NULL, knobs);
	ON(h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(lfd, sin4(&a, NULL, 8080), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 8), 0);
	ON(h.b);
	for (int i = 0; i < 17; i++) {
		cfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK(cfd[i] >= 0);
		CHECK_ERR(ff_connect(cfd[i], sin4(&a, A_IP, 8080), sizeof(a)), EINPROGRESS);
		h_pair_run_ms(&h, 2);
		ON(h.a);
		while ((fd = ff_accept(lfd, NULL, NULL)) >= 0)
			sfd[n++] = fd;
		ON(h.b);
	}
	h_pair_run_ms(&h, 2); /* the last handshake's ACK reaches a */
	CHECK_EQ(n, 16);
	ON(h.a);
	nofd = (int)h.a->stats.sock.so_nofd;
	CHECK(nofd >= 1);
	/* The 17th waits in the accept queue: EMFILE, as often as asked, and
	 * the listener stays readable (Linux). */
	CHECK_ERR(ff_accept(lfd, NULL, NULL), EMFILE);
	CHECK_ERR(ff_accept(lfd, NULL, NULL), EMFILE);
	CHECK_EQ(h.a->stats.sock.so_nofd, (uint64_t)nofd + 2);
	{
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		CHECK_EQ(ff_poll(&p, 1, 0), 1);
		CHECK(p.revents & POLLIN);
	}
	/* One descriptor closed: accepted at once, and it works. */
	CHECK_EQ(ff_close(sfd[0]), 0);
	sfd[0] = ff_accept(lfd, NULL, NULL);
	CHECK(sfd[0] >= 0);
	ON(h.b);
	CHECK_EQ(ff_write(cfd[16], "hi", 2), 2);
	h_pair_run_ms(&h, 2);
	ON(h.a);
	CHECK_EQ(ff_read(sfd[0], buf, sizeof(buf)), 2);
	/* Full again: EMFILE whether or not a connection waits (Linux takes
	 * the descriptor first); with one free, the empty queue says EAGAIN. */
	CHECK_ERR(ff_accept(lfd, NULL, NULL), EMFILE);
	CHECK_EQ(ff_close(sfd[1]), 0);
	sfd[1] = -1;
	CHECK_ERR(ff_accept(lfd, NULL, NULL), EAGAIN);
	for (int i = 0; i < 16; i++)
		if (sfd[i] >= 0)
			ff_close(sfd[i]);
	ff_close(lfd);
	ON(h.b);
	for (int i = 0; i < 17; i++)
		ff_close(cfd[i]);
	T_PAIR_TEARDOWN(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
