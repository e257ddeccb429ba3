/* test_tcp_state.c: TCP state transitions, RST and RFC 5961 cases, data
 * and timers, one stack against a scripted peer (test_tcp_lib.h).
 *
 * Unless a test says otherwise the stack runs without RFC 7323 options and
 * without SACK, so segments carry only MSS in SYNs; delayed ACKs are on
 * (40 ms).  The handshake's RTT sample is ~0 ms, so the RTO is
 * 1 ms + net.inet.tcp.rexmit_slop (200 ms), rounded: 202 ms.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"

#define STATS(t) (&(t)->h.s->stats.tcp)
/* The smallest RTO: net.inet.tcp.rexmit_min (30 ms) + rexmit_slop (200 ms),
 * what an RTT sample of about 0 gives (FreeBSD's TCP_REXMTVAL, then
 * TCPT_RANGESET); before any sample the RTO is rexmit_initial, and a
 * passive open without timestamps takes none (FreeBSD's syncache). */
#define RTO0 230
#define RTO_INIT 1000

/* ---- opening ---- */

TEST(passive_open)
{
	struct t t;
	struct tcp_seg sa;
	int err;

	t_knobs_default(&t);
	t_setup(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
	                         .opt = { .present = TOF_MSS, .mss = 1460 } }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK,
	                    .check_win = true, .win = 65535, .check_opts = true,
	                    .opt = { .present = TOF_MSS, .mss = 1460 } }));
	t.iss = sa.seq;
	CHECK_EQ(STATS(&t)->tcps_sc_added, 1);
	CHECK(tcp_accept(t.h.s, t.l, &owner_c, &err) == NULL);
	CHECK_EQ(err, -EAGAIN);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	CHECK(t.ev_l & TCP_EV_IN);
	CHECK(tcp_poll(t.h.s, t.l) & TCP_EV_IN);
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	CHECK_EQ(STATS(&t)->tcps_accepts, 1);
	CHECK(tcp_poll(t.h.s, t.c) & TCP_EV_OUT);
	EXPECT_NOTHING(&t, 1000);
	t_teardown(&t);
}

TEST(active_open)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_ACTIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	CHECK(t.ev_c & TCP_EV_CONN);
	CHECK(t.ev_c & TCP_EV_OUT);
	CHECK_EQ(STATS(&t)->tcps_connects, 1);
	CHECK(t.us_port >= 10000);
	t_teardown(&t);
}

/* The SYN carries FreeBSD's option layout: mss, nop, wscale, sackOK, TS. */
TEST(syn_option_order_is_freebsds)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct rte_mbuf *m;
	uint8_t opts[20];
	static const uint8_t want[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2, 8, 10 };

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RFC1323] = 1;
	t.knobs[KNOB_TCP_SACK] = 1;
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	h_one_pass(&t.h);
	m = cap_port_pop(t.h.cap);
	CHECK(m != NULL);
	if (m) {
		const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *, 34);

		CHECK_EQ(th[12] >> 4, 10); /* 20 + 20 bytes of options */
		memcpy(opts, th + 20, sizeof(opts));
		CHECK(memcmp(opts, want, sizeof(want)) == 0,
		      "options %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x",
		      opts[0], opts[1], opts[2], opts[3], opts[4], opts[5], opts[6], opts[7],
		      opts[8], opts[9], opts[10], opts[11]);
		rte_pktmbuf_free(m);
	}
	t_teardown(&t);
}

TEST(simultaneous_open)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	/* .sport 0: any port (ours is ephemeral); US templates then use it. */
	syn = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = 0, .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	t.iss = syn.seq;
	t.us_port = syn.sport;
	CHECK(syn.sport >= KNOB(t.h.s, TCP_PORTRANGE_FIRST) &&
	          syn.sport <= KNOB(t.h.s, TCP_PORTRANGE_LAST),
	      "source port %u outside the ephemeral range", syn.sport);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_RECEIVED);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	/* The peer's SYN,ACK: its SYN is the one we have (old, trimmed), its
	 * ACK establishes us, and is answered (RFC 9293 figure 8, line 7). */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS, .ack = t.iss + 1, .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	CHECK(t.ev_c & TCP_EV_CONN);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_synchallenge, 0);
	/* Data flows. */
	CHECK_EQ(t_write(&t, "sim", 3), 3);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("sim") }));
	/* A SYN-ACK with another sequence number is still a challenge. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 7, .ack = t.iss + 1,
	                         .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_synchallenge, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* SYN retransmissions as FreeBSD 14 times them (tcp_subr.c): 1 s, then
 * 1 s * 2^k + rexmit_slop (0, 1, 3.2, 7.4, 15.6, ... s); keepinit ends the
 * attempt. */
TEST(syn_retransmitted_with_backoff_then_timeout)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_KEEPINIT] = 10000;
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	h_one_pass(&t.h);
	syn = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = 0, .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	(void)syn;
	t.us_port = syn.sport;
	t.iss = syn.seq;
	/* FreeBSD 14: 1 s, then 1 s * 2^k + rexmit_slop (200 ms). */
	EXPECT_SENT(&t, AT_MS(1000), ((struct tseg){ US, .seq = t.iss, .flags = TH_SYN }));
	EXPECT_SENT(&t, AT_MS(2200), ((struct tseg){ US, .seq = t.iss, .flags = TH_SYN }));
	EXPECT_SENT(&t, AT_MS(4200), ((struct tseg){ US, .seq = t.iss, .flags = TH_SYN }));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 3);
	/* At 7.4 s; the next would leave at 15.6 s, but keepinit (10 s) gives
	 * up first: no RST for an unanswered SYN. */
	EXPECT_NOTHING(&t, 2700);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, true), ETIMEDOUT);
	CHECK(t.ev_c & TCP_EV_ERR);
	CHECK_EQ(STATS(&t)->tcps_keepdrops, 1);
	t_teardown(&t);
}

/* Text and FIN on the SYN-ACK (RFC 9293 3.10.7.3: processing goes on at
 * the sixth step): taken up to what the receive buffer holds; a segment
 * cut there loses its FIN (FreeBSD trims to rcv_wnd and drops the FIN).
 * The ACK goes out at once and covers what was kept. */
TEST(syn_ack_text_is_kept_up_to_the_buffer)
{
	static char d[3000];
	char got[sizeof(d)];
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;
	struct t t;

	memset(d, 's', sizeof(d));
	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_RCVBUF, 2048), 0);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = 0, .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	t.iss = syn.seq;
	t.us_port = syn.sport;
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .ack = t.iss + 1,
	                         .flags = TH_SYN | TH_ACK | TH_FIN, .data = d, .len = 3000 }));
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + 2048, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rcvbyteafterwin, 3000 - 2048);
	CHECK_EQ(t_read(&t, got, sizeof(got)), 2048);
	/* The window opens again (a window update)... */
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + 2048,
	                            .flags = TH_ACK, .check_win = true, .win = 2048 }));
	/* ...and the peer sends the rest again, with the FIN: CLOSE_WAIT. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 2048, .ack = t.iss + 1,
	                         .flags = TH_FIN | TH_ACK, .data = d, .len = 3000 - 2048 }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSE_WAIT);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 3002, .flags = TH_ACK }));
	CHECK_EQ(t_read(&t, got, sizeof(got)), 3000 - 2048);
	CHECK_EQ(t_read(&t, got, sizeof(got)), 0);
	t_teardown(&t);
}

TEST(syn_sent_rst_refuses_and_bad_ack_is_reset)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = 0, .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	t.us_port = syn.sport;
	t.iss = syn.seq;
	harness_failures();
	/* SYN,ACK acknowledging something we never sent: RST <SEQ=SEG.ACK>. */
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS, .ack = t.iss + 99, .flags = TH_SYN | TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = t.iss + 99, .flags = TH_RST }));
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_SENT);
	/* A RST without an acceptable ACK is ignored. */
	SEND(&t, ((struct tseg){ PEER, .seq = 0, .flags = TH_RST }));
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_SENT);
	/* RST,ACK acknowledging our SYN: connection refused. */
	SEND(&t, ((struct tseg){ PEER, .seq = 0, .ack = t.iss + 1, .flags = TH_RST | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ECONNREFUSED);
	{
		char b[4];
		CHECK_EQ(t_read(&t, b, 4), -ECONNREFUSED);
		CHECK_EQ(t_read(&t, b, 4), 0);
	}
	EXPECT_NOTHING(&t, 3000);
	t_teardown(&t);
}

/* ---- CLOSED: RFC 9293 3.10.7.1 ---- */

TEST(closed_port_answers_rst)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = 0, .ack = PEER_ISS + 1, .flags = TH_RST | TH_ACK }));
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS, .ack = 777, .flags = TH_ACK, PAYLOAD("xy") }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = 777, .flags = TH_RST }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_RST }));
	EXPECT_NOTHING(&t, 10);
	CHECK_EQ(STATS(&t)->tcps_noport, 3);
	t_teardown(&t);
}

TEST(blackhole_knob_silences_rst)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_BLACKHOLE] = 1;
	t_setup(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_NOTHING(&t, 10);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .ack = 777, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = 777, .flags = TH_RST }));
	t_teardown(&t);
}

TEST(malformed_segments_are_counted)
{
	struct t t;
	uint8_t seg[40];

	t_knobs_default(&t);
	t_setup(&t);
	t_listen(&t);
	/* Shorter than a header. */
	memset(seg, 0, sizeof(seg));
	t_inject_raw(&t, seg, 12, false);
	CHECK_EQ(STATS(&t)->tcps_rcvshort, 1);
	/* Data offset below 5 words, and past the segment. */
	seg[0] = PEER_PORT >> 8;
	seg[1] = PEER_PORT & 0xff;
	seg[3] = US_PORT;
	seg[12] = 4 << 4;
	seg[13] = TH_SYN;
	t_inject_raw(&t, seg, 20, true);
	seg[12] = 15 << 4;
	t_inject_raw(&t, seg, 24, true);
	CHECK_EQ(STATS(&t)->tcps_rcvbadoff, 2);
	/* Bad checksum. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN, .bad_cksum = true }));
	CHECK_EQ(STATS(&t)->tcps_rcvbadsum, 1);
	/* An option with a length running past the header: counted, SYN
	 * still answered. */
	seg[12] = 6 << 4;
	seg[20] = TCPOPT_MAXSEG;
	seg[21] = 9;
	t_inject_raw(&t, seg, 24, true);
	CHECK_EQ(STATS(&t)->tcps_badopt, 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .any_seq = true, .ack = 1, .flags = TH_SYN | TH_ACK }));
	EXPECT_NOTHING(&t, 5);
	t_teardown(&t);
}

/* ---- data ---- */

TEST(data_delayed_ack_then_every_second_segment)
{
	struct t t;
	char buf[4000], full[1460];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("abcdef") }));
	CHECK(t.ev_c & TCP_EV_IN);
	CHECK_EQ(tcp_readable(t.c), 6);
	EXPECT_SENT(&t, AT_MS(40),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 7, .flags = TH_ACK }));
	CHECK_EQ(t_read(&t, buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "abcdef", 6) == 0);
	CHECK_EQ(t_read(&t, buf, sizeof(buf)), -EAGAIN);
	memset(full, 'x', sizeof(full));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 7, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = full, .len = 1460 }));
	EXPECT_NOTHING(&t, 5);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 7 + 1460, .ack = t.iss + 1,
	                         .flags = TH_ACK, .data = full, .len = 1460 }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 7 + 2920, .flags = TH_ACK }));
	CHECK_EQ(t_read(&t, buf, sizeof(buf)), 2920);
	t_teardown(&t);
}

TEST(out_of_order_is_reassembled_with_immediate_acks)
{
	struct t t;
	char buf[64];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 4, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("defg") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(tcp_readable(t.c), 0);
	/* Overlapping duplicate of the queued part. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 6, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("fghij") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("abc") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 11, .flags = TH_ACK }));
	CHECK_EQ(t_read(&t, buf, sizeof(buf)), 10);
	CHECK(memcmp(buf, "abcdefghij", 10) == 0);
	CHECK_EQ(STATS(&t)->tcps_rcvoopack, 2);
	t_teardown(&t);
}

TEST(send_nagle_and_ack)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	CHECK_EQ(t_write(&t, "a", 1), 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("a") }));
	/* Nagle: the next small write waits for the ACK. */
	CHECK_EQ(t_write(&t, "bc", 2), 2);
	EXPECT_NOTHING(&t, 50);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("bc") }));
	/* TCP_NODELAY sends at once. */
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_NODELAY, 1), 0);
	CHECK_EQ(t_write(&t, "d", 1), 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 4, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("d") }));
	t_teardown(&t);
}

/* A write into an idle connection goes out whole, its last partial segment
 * too, PSH on the segment that empties the buffer (FreeBSD: "idle" is
 * taken once per output call); Nagle holds what comes while data is
 * unacknowledged. */
TEST(write_into_an_idle_connection_sends_its_tail)
{
	static char d[2500];
	struct t t;

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (char)('a' + i % 26);
	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1000 }));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 1000 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1001, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d + 1000, .len = 1000 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2001, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d + 2000, .len = 500 }));
	CHECK_EQ(t_write(&t, "x", 1), 1);
	EXPECT_NOTHING(&t, 100);
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2501, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2501, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("x") }));
	t_teardown(&t);
}

/* TCP_MAXSEG on a connection lowers the segment size at once (FreeBSD),
 * never raises it; getsockopt reports the size in use. */
TEST(tcp_maxseg_lowers_the_segment_size_of_a_connection)
{
	static char d[1200];
	struct t t;
	int v;

	memset(d, 'm', sizeof(d));
	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1000 }));
	CHECK_EQ(tcp_getopt(t.h.s, t.c, TCP_OPT_MAXSEG, &v), 0);
	CHECK_EQ(v, 1000);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_MAXSEG, 500), 0);
	CHECK_EQ(tcp_getopt(t.h.s, t.c, TCP_OPT_MAXSEG, &v), 0);
	CHECK_EQ(v, 500);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_MAXSEG, 800), 0);
	CHECK_EQ(tcp_getopt(t.h.s, t.c, TCP_OPT_MAXSEG, &v), 0);
	CHECK_EQ(v, 500);
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 500 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 501, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 500 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1001, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 200 }));
	t_teardown(&t);
}

TEST(rto_backoff_and_karn)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t_write(&t, "hello", 5), 5);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("hello") }));
	/* No RTT sample yet: 1 s, then 1 s * 2^k + 200 ms (FreeBSD 14). */
	EXPECT_SENT(&t, AT_MS(RTO_INIT),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("hello") }));
	EXPECT_SENT(&t, AT_MS(2 * RTO_INIT + 200),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("hello") }));
	EXPECT_SENT(&t, AT_MS(4 * RTO_INIT + 200),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("hello") }));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 3);
	/* The ACK of a retransmitted segment gives no RTT sample (Karn). */
	h_one_run_ms(&t.h, 500);
	{
		uint64_t before = STATS(&t)->tcps_rttupdated;

		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 6,
		                         .flags = TH_ACK }));
		CHECK_EQ(STATS(&t)->tcps_rttupdated, before);
	}
	EXPECT_NOTHING(&t, 3000);
	t_teardown(&t);
}

TEST(too_many_retransmissions_drop_the_connection)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t_write(&t, "x", 1), 1);
	h_one_run_ms(&t.h, 15 * 60 * 1000);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ETIMEDOUT);
	CHECK_EQ(STATS(&t)->tcps_timeoutdrop, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* ---- closing ---- */

TEST(active_close_to_time_wait)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	CHECK_EQ(tcp_state(t.c), TCPS_FIN_WAIT_1);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(t_write(&t, "x", 1), -EPIPE);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_FIN_WAIT_2);
	/* Half-close: data still flows towards us. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK,
	                         PAYLOAD("late") }));
	CHECK_EQ(tcp_readable(t.c), 4);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 5, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 6, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	/* A retransmitted FIN is ACKed again (and restarts 2MSL). */
	h_one_run_ms(&t.h, 1000);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 5, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 6, .flags = TH_ACK }));
	/* RFC 1337: a RST in TIME_WAIT is ignored. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 6, .flags = TH_RST }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	CHECK_EQ(STATS(&t)->tcps_tw_rst_ignored, 1);
	/* 2 * MSL = 60 s. */
	h_one_run_ms(&t.h, 59000);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	h_one_run_ms(&t.h, 1100);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	{
		char b[8];
		CHECK_EQ(t_read(&t, b, 8), 4);
		CHECK_EQ(t_read(&t, b, 8), 0);
	}
	EXPECT_NOTHING(&t, 10);
	t_teardown(&t);
}

TEST(passive_close_through_last_ack)
{
	struct t t;
	char b[4];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSE_WAIT);
	CHECK(t.ev_c & TCP_EV_HUP);
	CHECK_EQ(t_read(&t, b, 4), 0);
	CHECK_EQ(t_write(&t, "bye", 3), 3);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 2,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("bye") }));
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 4, .ack = PEER_ISS + 2, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 2, .ack = t.iss + 5, .flags = TH_ACK }));
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(STATS(&t)->tcps_closed, 1);
	EXPECT_NOTHING(&t, 1000);
	t_teardown(&t);
}

TEST(simultaneous_close_through_closing)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
	                         .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSING);
	/* The ACK repeats our unacknowledged FIN (FreeBSD tcp_output). */
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 2, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 2, .ack = t.iss + 2, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	t_teardown(&t);
}

TEST(fin_is_retransmitted)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t_write(&t, "ab", 2), 2);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("ab") }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 3, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	/* The data is ACKed, the FIN is not: the FIN alone goes again. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 3, .flags = TH_ACK }));
	EXPECT_SENT(
	    &t, WITHIN_MS(RTO0 + 5),
	    ((struct tseg){ US, .seq = t.iss + 3, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 4, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_FIN_WAIT_2);
	t_teardown(&t);
}

TEST(close_with_linger_zero_sends_rst)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_LINGER, 0), 0);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_RST | TH_ACK }));
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	t_teardown(&t);
}

/* SO_LINGER with a time (FreeBSD, non-blocking): close returns at once and
 * the connection closes gracefully in the background, data first, FIN
 * after; no RST, whatever the time. */
TEST(close_with_linger_time_is_graceful)
{
	struct t t;
	int v;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_LINGER, 1), 0);
	CHECK_EQ(tcp_getopt(t.h.s, t.c, TCP_OPT_LINGER, &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(t_write(&t, "last", 4), 4);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("last") }));
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	/* The FIN waits for nothing but the data ahead of it. */
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 5, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	/* Beyond the linger time, unacknowledged: still retransmitting, not
	 * reset. */
	h_one_run_ms(&t.h, 1500);
	EXPECT_SENT(&t, WITHIN_MS(RTO0 * 4),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_FIN | TH_PUSH | TH_ACK, PAYLOAD("last") }));
	cap_port_clear(t.h.cap);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 6,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 6, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_sndrst, 0);
	t_teardown(&t);
}

TEST(data_after_close_is_answered_with_rst)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK,
	                         PAYLOAD("more") }));
	/* As a closed port answers (FreeBSD's dropwithreset): <SEQ=SEG.ACK>,
	 * no ACK. */
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = t.iss + 2, .flags = TH_RST }));
	CHECK_EQ(STATS(&t)->tcps_rcvafterclose, 1);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	t_teardown(&t);
}

/* ---- RST and RFC 5961 ---- */

TEST(rst_exact_resets_in_window_challenges_outside_ignored)
{
	struct t t;
	char b[4];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 100, .flags = TH_RST }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 200000, .flags = TH_RST }));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_badrst, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .flags = TH_RST }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK(t.ev_c & TCP_EV_ERR);
	CHECK_EQ(t_read(&t, b, 4), -ECONNRESET);
	CHECK_EQ(t_write(&t, "x", 1), -EPIPE);
	EXPECT_NOTHING(&t, 5);
	t_teardown(&t);
}

TEST(syn_in_established_gets_rate_limited_challenge_acks)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	for (int i = 0; i < 7; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1000 + (uint32_t)i,
		                         .flags = TH_SYN }));
	for (int i = 0; i < 5; i++)
		EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_chalack, 5);
	CHECK_EQ(STATS(&t)->tcps_chalack_limited, 2);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	/* A new window of the limit. */
	h_one_run_ms(&t.h, 1001);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	t_teardown(&t);
}

TEST(ack_checks_rfc5961)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	/* ACK for data never sent: ACK back, drop (data ignored). */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 500, .flags = TH_ACK,
	                         PAYLOAD("zz") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(tcp_readable(t.c), 0);
	CHECK_EQ(STATS(&t)->tcps_rcvacktoomuch, 1);
	/* ACK far below SND.UNA - MAX.SND.WND: challenge ACK. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss - 200000, .flags = TH_ACK,
	                         PAYLOAD("zz") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rcvghostack, 1);
	CHECK_EQ(tcp_readable(t.c), 0);
	/* Below ISS + 1 though within MAX.SND.WND: an ACK of nothing we
	 * ever sent, a challenge ACK too (FreeBSD's ghost-ACK check). */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss - 10, .flags = TH_ACK,
	                         PAYLOAD("zz") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rcvghostack, 2);
	CHECK_EQ(tcp_readable(t.c), 0);
	/* An old but acceptable ACK (below SND.UNA, above ISS): data
	 * accepted. */
	CHECK_EQ(t_write(&t, "0123456789", 10), 10);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("0123456789") }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 11, .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 5, .flags = TH_ACK,
	                         PAYLOAD("ok") }));
	CHECK_EQ(tcp_readable(t.c), 2);
	t_teardown(&t);
}

TEST(out_of_window_data_gets_an_ack)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 70000, .ack = t.iss + 1,
	                         .flags = TH_ACK, PAYLOAD("far") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rcvpackafterwin, 1);
	/* Old duplicate data: ACK, nothing delivered. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS - 10, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("old") }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	CHECK_EQ(tcp_readable(t.c), 0);
	CHECK_EQ(STATS(&t)->tcps_rcvduppack, 1);
	t_teardown(&t);
}

TEST(syn_received_rst_returns_to_listen)
{
	struct t t;
	struct tcp_seg sa;

	t_knobs_default(&t);
	t_setup(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	/* A retransmitted SYN gets the SYN-ACK again. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = sa.seq, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .flags = TH_RST }));
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	EXPECT_NOTHING(&t, 3000);
	CHECK_EQ(tcp_poll(t.h.s, t.l) & TCP_EV_IN, 0);
	t_teardown(&t);
}

TEST(syn_ack_retransmitted_then_given_up)
{
	struct t t;
	struct tcp_seg sa;

	t_knobs_default(&t);
	t_setup(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	/* 1 s, then 1 s * 2^k + 200 ms (FreeBSD 14 syncache_timeout). */
	EXPECT_SENT(
	    &t, AT_MS(1000),
	    ((struct tseg){ US, .seq = sa.seq, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	EXPECT_SENT(
	    &t, AT_MS(2200),
	    ((struct tseg){ US, .seq = sa.seq, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	EXPECT_SENT(
	    &t, AT_MS(4200),
	    ((struct tseg){ US, .seq = sa.seq, .ack = PEER_ISS + 1, .flags = TH_SYN | TH_ACK }));
	/* net.inet.tcp.syncache.rexmtlimit = 3: then it is forgotten,
	 * silently (FreeBSD's syncache), at 8.2 s. */
	EXPECT_NOTHING(&t, 8300);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(STATS(&t)->tcps_sc_aborted, 1);
	/* The late ACK meets the listener: not a valid cookie, RST. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = sa.seq + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = sa.seq + 1, .flags = TH_RST }));
	CHECK_EQ(STATS(&t)->tcps_sc_badcookie, 1);
	t_teardown(&t);
}

/* ---- windows and timers ---- */

/* Zero-window probes (RFC 9293 3.8.6.1) timed as FreeBSD 14's
 * tcp_setpersist (tcp_subr.c persist_ms): base * 2^k + rexmit_slop within
 * [5 s, 60 s], the base 4 SRTT + 8 RTTVAR, or 2 s before any RTT sample
 * (this passive open without timestamps has none).  Each probe is one byte
 * of new data, answered by the peer with a zero window. */
TEST(zero_window_probe_with_backoff)
{
	static const unsigned no_sample[] = { 5000, 5000, 8200, 16200, 32200, 60000, 60000 };
	/* SRTT 100 ms, RTTVAR 50 ms: base 800 ms. */
	static const unsigned rtt_100ms[] = { 5000, 5000, 5000, 6600, 13000, 25800, 51400, 60000 };

	for (int v = 0; v < 2; v++) {
		const unsigned *iv = v ? rtt_100ms : no_sample;
		unsigned n = v ? ARRAY_SIZE(rtt_100ms) : ARRAY_SIZE(no_sample);
		struct t t;

		t_knobs_default(&t);
		t_setup(&t);
		T_PASSIVE(&t, NULL);
		if (v)
			tcp_rtt_update(t.h.s, t.c, 100000);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
		                         .flags = TH_ACK, .win = 0 }));
		CHECK_EQ(t_write(&t, "abc", 3), 3);
		for (unsigned k = 0; k < n; k++) {
			/* Not accepted: the next comes later (backoff). */
			EXPECT_SENT(&t, AT_MS(iv[k]),
			            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
			                            .flags = TH_ACK, PAYLOAD("a") }));
			SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
			                         .flags = TH_ACK, .win = 0 }));
		}
		CHECK_EQ(STATS(&t)->tcps_persisttimeo, n);
		CHECK_EQ(STATS(&t)->tcps_sndprobe, n);
		CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
		/* The window opens: everything goes. */
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
		                         .flags = TH_ACK, .win = 1000 }));
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
		                            .flags = TH_PUSH | TH_ACK, PAYLOAD("abc") }));
		t_teardown(&t);
	}
}

/* Sender SWS avoidance (RFC 1122 4.2.3.4) holds data back while the usable
 * window is below an MSS and half the largest window offered; with nothing
 * in flight the persist timer (FreeBSD, net.inet.tcp.persmin 5 s) is the
 * override: it sends what the window takes. */
TEST(small_window_is_filled_by_the_persist_timer)
{
	static char d[2000];
	struct t t;

	memset(d, 'w', sizeof(d));
	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1000 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .win = 800 }));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_NOTHING(&t, 4900);
	EXPECT_SENT(&t, WITHIN_MS(200),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 800 }));
	/* That was data, not a probe: lost, it is retransmitted by the RTO
	 * (no RTT sample yet: 1 s). */
	EXPECT_SENT(&t, WITHIN_MS(RTO_INIT + 5),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 800 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 801, .flags = TH_ACK,
	                         .win = 8000 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 801, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 1000 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1801, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 200 }));
	CHECK_EQ(STATS(&t)->tcps_sndprobe, 0);
	t_teardown(&t);
}

TEST(receiver_advertises_zero_window_and_updates_it)
{
	struct t t;
	static char big[1460];
	char buf[8192];
	uint32_t seq = PEER_ISS + 1;

	t_knobs_default(&t);
	/* 16 segments of the default MSS (no MSS option from the peer):
	 * tcp_buf_round leaves it as it is. */
	t.knobs[KNOB_TCP_RECVSPACE] = 8576;
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	memset(big, 'q', sizeof(big));
	for (int i = 0; i < 5; i++) {
		SEND(&t, ((struct tseg){ PEER, .seq = seq, .ack = t.iss + 1, .flags = TH_ACK,
		                         .data = big, .len = 1460 }));
		seq += 1460;
		cap_port_clear(t.h.cap);
	}
	SEND(&t, ((struct tseg){ PEER, .seq = seq, .ack = t.iss + 1, .flags = TH_ACK, .data = big,
	                         .len = 8576 - 5 * 1460 }));
	seq += 8576 - 5 * 1460;
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = seq, .flags = TH_ACK,
	                            .check_win = true, .win = 0 }));
	/* Reading half opens the window: an update is sent. */
	CHECK_EQ(t_read(&t, buf, 4096), 4096);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = seq, .flags = TH_ACK,
	                            .check_win = true, .win = 4096 }));
	t_teardown(&t);
}

TEST(keepalive_probes_then_drop)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_KEEPIDLE] = 10000;
	t.knobs[KNOB_TCP_KEEPINTVL] = 1000;
	t.knobs[KNOB_TCP_KEEPCNT] = 3;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	EXPECT_SENT(&t, AT_MS(10000),
	            ((struct tseg){ US, .seq = t.iss, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	/* An answer resets the count and the idle time. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, AT_MS(10000),
	            ((struct tseg){ US, .seq = t.iss, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, AT_MS(1000),
	            ((struct tseg){ US, .seq = t.iss, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, AT_MS(1000),
	            ((struct tseg){ US, .seq = t.iss, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	EXPECT_SENT(
	    &t, AT_MS(1000),
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_RST | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ETIMEDOUT);
	CHECK_EQ(STATS(&t)->tcps_keepprobe, 4);
	t_teardown(&t);
}

/* ---- more user-request and interplay cases ---- */

TEST(bind_conflicts_and_reuse)
{
	struct t t;
	struct ip_addr any = ip_addr_v4(0), us = ip_addr_v4(h_ip4("198.18.0.1"));
	struct ip_addr other = ip_addr_v4(h_ip4("198.18.0.77"));
	struct tcpcb *a, *b, *c;

	t_knobs_default(&t);
	t_setup(&t);
	a = tcp_pcb_new(t.h.s, NULL);
	b = tcp_pcb_new(t.h.s, NULL);
	c = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_bind(t.h.s, a, &any, 8000), 0);
	CHECK_EQ(tcp_bind(t.h.s, a, &any, 8001), -EINVAL); /* already bound */
	CHECK_EQ(tcp_bind(t.h.s, b, &us, 8000), -EADDRINUSE);
	CHECK_EQ(tcp_bind(t.h.s, b, &other, 8002), -EADDRNOTAVAIL);
	CHECK_EQ(tcp_listen(t.h.s, a, 5), 0);
	/* SO_REUSEADDR does not share a port with a listener. */
	CHECK_EQ(tcp_setopt(t.h.s, b, TCP_OPT_REUSEADDR, 1), 0);
	CHECK_EQ(tcp_bind(t.h.s, b, &us, 8000), -EADDRINUSE);
	/* Port 0: an ephemeral port from net.inet.ip.portrange.first/last. */
	CHECK_EQ(tcp_bind(t.h.s, c, &any, 0), 0);
	{
		struct ip_addr la;
		uint16_t port;

		tcp_local(c, &la, &port);
		CHECK(port >= 10000, "ephemeral port %u", port);
	}
	tcp_close(t.h.s, a);
	tcp_close(t.h.s, b);
	tcp_close(t.h.s, c);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	t_teardown(&t);
}

/* Ports held only by connections (the listener gone: accepted children,
 * TIME_WAIT) are seen by bind(); SO_REUSEADDR lets a new listener in (the
 * server restart), as FreeBSD. */
TEST(bind_sees_ports_held_by_connections)
{
	struct t t;
	struct ip_addr any = ip_addr_v4(0), us = ip_addr_v4(h_ip4("198.18.0.1"));
	struct tcpcb *b, *d;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	tcp_close(t.h.s, t.l);
	t.l = NULL;
	b = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_bind(t.h.s, b, &any, US_PORT), -EADDRINUSE);
	CHECK_EQ(tcp_bind(t.h.s, b, &us, US_PORT), -EADDRINUSE);
	/* Another port is free. */
	CHECK_EQ(tcp_bind(t.h.s, b, &us, US_PORT + 1), 0);
	tcp_close(t.h.s, b);
	/* Active close to TIME_WAIT: the port is still held. */
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	b = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_bind(t.h.s, b, &any, US_PORT), -EADDRINUSE);
	/* SO_REUSEADDR: bind and listen beside the TIME_WAIT connection. */
	CHECK_EQ(tcp_setopt(t.h.s, b, TCP_OPT_REUSEADDR, 1), 0);
	CHECK_EQ(tcp_bind(t.h.s, b, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t.h.s, b, 5), 0);
	tcp_close(t.h.s, b);
	/* TIME_WAIT over (2 MSL): the port is free for anyone. */
	h_one_run_ms(&t.h, 61000);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	d = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_bind(t.h.s, d, &us, US_PORT), 0);
	tcp_close(t.h.s, d);
	t_teardown(&t);
}

TEST(accept_queue_full_drops_the_handshake_ack)
{
	struct t t;
	struct ip_addr any = ip_addr_v4(0);
	struct tcp_seg s1, s2;
	int err;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_SYNCOOKIES] = 0;
	t_setup(&t);
	t.l = tcp_pcb_new(t.h.s, &owner_l);
	CHECK_EQ(tcp_bind(t.h.s, t.l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t.h.s, t.l, 1), 0);
	/* Backlog 1 queues two (FreeBSD's sonewconn: more than 3/2 of the
	 * backlog is full). */
	for (uint16_t port = 6000; port <= 6001; port++) {
		SEND(&t, ((struct tseg){ .sport = port,
		                         .dport = US_PORT,
		                         .win = 65535,
		                         .seq = 1,
		                         .flags = TH_SYN }));
		s1 = EXPECT_SENT(&t, NOW,
		                 ((struct tseg){ .sport = US_PORT,
		                                 .dport = port,
		                                 .any_seq = true,
		                                 .ack = 2,
		                                 .flags = TH_SYN | TH_ACK }));
		SEND(&t, ((struct tseg){ .sport = port,
		                         .dport = US_PORT,
		                         .win = 65535,
		                         .seq = 2,
		                         .ack = s1.seq + 1,
		                         .flags = TH_ACK }));
	}
	/* The queue is full now: a new SYN is dropped (no cookies). */
	SEND(&t, ((struct tseg){
	             .sport = 6002, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	EXPECT_NOTHING(&t, 5);
	CHECK_EQ(STATS(&t)->tcps_listendrop, 1);
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	/* Room again: the retransmitted SYN gets through. */
	SEND(&t, ((struct tseg){
	             .sport = 6002, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	s2 = EXPECT_SENT(&t, NOW,
	                 ((struct tseg){ .sport = US_PORT,
	                                 .dport = 6002,
	                                 .any_seq = true,
	                                 .ack = 2,
	                                 .flags = TH_SYN | TH_ACK }));
	(void)s2;
	{
		/* The second connection queued before the drop. */
		struct tcpcb *c2 = tcp_accept(t.h.s, t.l, &owner_c, &err);

		CHECK(c2 != NULL);
		if (c2)
			tcp_abort(t.h.s, c2);
	}
	CHECK(tcp_accept(t.h.s, t.l, &owner_c, &err) == NULL);
	CHECK_EQ(err, -EAGAIN);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

TEST(fin_wait_2_times_out_after_close)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_FINWAIT2_TIMEOUT] = 5000;
	t.knobs[KNOB_TCP_FAST_FINWAIT2_RECYCLE] = 1;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	h_one_run_ms(&t.h, 4900);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	h_one_run_ms(&t.h, 200);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(STATS(&t)->tcps_finwait2_drops, 1);
	EXPECT_NOTHING(&t, 10);
	t_teardown(&t);
}

/* Without net.inet.tcp.fast_finwait2_recycle (FreeBSD's default), a closed
 * connection in FIN_WAIT_2 lives until idle for keepcnt * keepintvl
 * (8 * 75 s); a segment from the peer starts that over. */
TEST(fin_wait_2_after_close_lives_until_idle_for_keepcnt_keepintvl)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	h_one_run_ms(&t.h, 590000);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	/* Still alive at 590 s: its FIN is acknowledged (TIME_WAIT). */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	t_teardown(&t);

	/* Idle: dropped at 600 s. */
	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	h_one_run_ms(&t.h, 300000);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2, .flags = TH_ACK }));
	h_one_run_ms(&t.h, 599000);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	h_one_run_ms(&t.h, 2000);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	CHECK_EQ(STATS(&t)->tcps_finwait2_drops, 1);
	EXPECT_NOTHING(&t, 10);
	t_teardown(&t);
}

TEST(recv_peek_and_waitall)
{
	struct t t;
	char b[16];
	struct iovec iov = { b, 8 };

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("12345") }));
	CHECK_EQ(tcp_recv(t.h.s, t.c, &iov, 1, MSG_PEEK), 5);
	CHECK_EQ(tcp_readable(t.c), 5);
	CHECK_EQ(tcp_recv(t.h.s, t.c, &iov, 1, MSG_WAITALL), -EAGAIN);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 6, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("678") }));
	CHECK_EQ(tcp_recv(t.h.s, t.c, &iov, 1, MSG_WAITALL), 8);
	CHECK(memcmp(b, "12345678", 8) == 0);
	/* Partial reads across segments. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 9, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("abc") }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 12, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("def") }));
	CHECK_EQ(t_read(&t, b, 2), 2);
	CHECK_EQ(t_read(&t, b + 2, 3), 3);
	CHECK_EQ(t_read(&t, b + 5, 9), 1);
	CHECK(memcmp(b, "abcdef", 6) == 0);
	t_teardown(&t);
}

/* The response piggybacks the delayed ACK (no separate ACK); Nagle holds
 * the second small write until the first is ACKed. */
TEST(nagle_and_delayed_ack_interplay)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("GET") }));
	h_one_run_ms(&t.h, 10);
	CHECK_EQ(t_write(&t, "200", 3), 3);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 4,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("200") }));
	CHECK_EQ(t_write(&t, "OK", 2), 2);
	EXPECT_NOTHING(&t, 100); /* no delayed ACK either: nothing to ACK */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 4, .ack = t.iss + 4, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 4, .ack = PEER_ISS + 4,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("OK") }));
	t_teardown(&t);
}

TEST(limited_transmit_sends_new_data_on_early_dupacks)
{
	struct t t;
	static char d[1460 * 6];

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_INITCWND] = 2;
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	memset(d, 'L', sizeof(d));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 1460 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 1460, .ack = PEER_ISS + 1,
	                            .flags = TH_ACK, .data = d, .len = 1460 }));
	EXPECT_NOTHING(&t, 0); /* cwnd = 2 segments */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 2920, .ack = PEER_ISS + 1,
	                            .flags = TH_ACK, .data = d, .len = 1460 }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 4380, .ack = PEER_ISS + 1,
	                            .flags = TH_ACK, .data = d, .len = 1460 }));
	CHECK_EQ(STATS(&t)->tcps_limited_transmit, 2);
	t_teardown(&t);
}

TEST(mss_follows_the_route_mtu_and_tcp_maxseg)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_MAXSEG, 1000), 0);
	CHECK_EQ(tcp_setopt(t.h.s, t.c, TCP_OPT_MAXSEG, 50), -EINVAL);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ .dport = PEER_PORT,
	                            .any_seq = true,
	                            .flags = TH_SYN,
	                            .check_opts = true,
	                            .opt = { .present = TOF_MSS, .mss = 1000 } }));
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), -EALREADY);
	t_teardown(&t);
}

/* Bad input never crashes, leaks or hangs: random headers, flags,
 * options (any bytes), lengths and sequence numbers near the live ones,
 * against a listener and an established connection. */
/* Once with timestamps (most random segments then fail RFC 7323's check),
 * once without (they reach the state machine); loss probes on. */
static void random_segments(uint8_t present)
{
	struct t t;
	uint64_t x = 0x9E3779B97F4A7C15ull ^ present;
	uint8_t seg[120];

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RFC1323] = 1;
	t.knobs[KNOB_TCP_SACK] = 1;
	t.knobs[KNOB_TCP_TLP] = 1;
	t_setup(&t);
	T_PASSIVE(&t,
	          (&(struct tcp_opts){ .present = present, .mss = 1460, .wscale = 3, .tsval = 1 }));
	CHECK_EQ(t_write(&t, "data in flight", 14), 14);
	for (int i = 0; i < 20000; i++) {
		unsigned len, off;
		uint32_t v;

		for (unsigned j = 0; j < sizeof(seg); j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			seg[j] = (uint8_t)x;
		}
		len = 20 + (unsigned)(x % 100);
		off = 5 + (unsigned)((x >> 8) % 11);
		seg[0] = PEER_PORT >> 8;
		seg[1] = PEER_PORT & 0xff;
		seg[2] = 0;
		seg[3] = US_PORT;
		seg[12] = (uint8_t)(off << 4);
		if (x & 1) { /* sequence and ACK near the live values */
			v = rte_cpu_to_be_32(PEER_ISS + 1 + (uint32_t)((x >> 16) % 3000) - 1000);
			memcpy(seg + 4, &v, 4);
			v = rte_cpu_to_be_32(t.iss + (uint32_t)((x >> 32) % 40) - 20);
			memcpy(seg + 8, &v, 4);
		}
		if ((x >> 40) % 4 == 0)
			seg[3] = 81; /* a closed port */
		t_inject_raw(&t, seg, len, (x >> 3) % 8 != 0);
		if (i % 100 == 0)
			h_one_run_ms(&t.h, 50);
		cap_port_clear(t.h.cap);
	}
	CHECK(STATS(&t)->tcps_rcvtotal >= 20000);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

TEST(random_segments_are_survived)
{
	random_segments(TOF_MSS | TOF_SACKPERM | TOF_TS | TOF_SCALE);
	random_segments(TOF_MSS | TOF_SACKPERM | TOF_SCALE);
}

/* Closing a listener aborts the connection waiting in its accept queue
 * with a RST (FreeBSD's soclose: soabort); the half-open one lives on as
 * FreeBSD's syncache entry does: its SYN-ACK is retransmitted until given
 * up, and the peer's ACK is answered as a closed port would answer it. */
TEST(listener_close_resets_its_children)
{
	struct t t;
	struct tcp_seg a, b;

	t_knobs_default(&t);
	t_setup(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){
	             .sport = 6001, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	a = EXPECT_SENT(&t, NOW,
	                ((struct tseg){ .sport = US_PORT,
	                                .dport = 6001,
	                                .any_seq = true,
	                                .ack = 2,
	                                .flags = TH_SYN | TH_ACK }));
	SEND(&t, ((struct tseg){ .sport = 6001,
	                         .dport = US_PORT,
	                         .win = 65535,
	                         .seq = 2,
	                         .ack = a.seq + 1,
	                         .flags = TH_ACK }));
	SEND(&t, ((struct tseg){
	             .sport = 6002, .dport = US_PORT, .win = 65535, .seq = 1, .flags = TH_SYN }));
	b = EXPECT_SENT(&t, NOW,
	                ((struct tseg){ .sport = US_PORT,
	                                .dport = 6002,
	                                .any_seq = true,
	                                .ack = 2,
	                                .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(tcp_conn_count(t.h.s), 2);
	tcp_close(t.h.s, t.l);
	t.l = NULL;
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ .sport = US_PORT,
	                            .dport = 6001,
	                            .seq = a.seq + 1,
	                            .ack = 2,
	                            .flags = TH_RST | TH_ACK }));
	EXPECT_NOTHING(&t, 0);
	CHECK_EQ(tcp_conn_count(t.h.s), 1);
	EXPECT_SENT(&t, AT_MS(1000),
	            ((struct tseg){ .sport = US_PORT,
	                            .dport = 6002,
	                            .seq = b.seq,
	                            .ack = 2,
	                            .flags = TH_SYN | TH_ACK }));
	SEND(&t, ((struct tseg){ .sport = 6002,
	                         .dport = US_PORT,
	                         .win = 65535,
	                         .seq = 2,
	                         .ack = b.seq + 1,
	                         .flags = TH_ACK }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ .sport = US_PORT, .dport = 6002, .seq = b.seq + 1, .flags = TH_RST }));
	/* Given up silently after syncache.rexmtlimit retransmissions. */
	h_one_run_ms(&t.h, 15000);
	cap_port_clear(t.h.cap);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	/* The port is free again. */
	t_listen(&t);
	t_teardown(&t);
}

TEST(closed_port_rsts_are_rate_limited)
{
	struct t t;
	unsigned sent = 0;
	struct rte_mbuf *m;

	t_knobs_default(&t);
	t.knobs[KNOB_ICMP_LIM] = 10;
	t_setup(&t);
	for (uint32_t i = 0; i < 25; i++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + i, .flags = TH_SYN }));
	while ((m = cap_port_pop(t.h.cap)) != NULL) {
		sent++;
		rte_pktmbuf_free(m);
	}
	CHECK_EQ(sent, 10);
	CHECK_EQ(STATS(&t)->tcps_rstlimited, 15);
	h_one_run_ms(&t.h, 1000);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = 0, .ack = PEER_ISS + 1, .flags = TH_RST | TH_ACK }));
	t_teardown(&t);
}

/* Sequence numbers wrap around 2^32 (RFC 9293 section 3.4): the peer's
 * ISS sits just below it; segments cross it in and out of order. */
TEST(sequence_space_wraps)
{
	struct t t;
	const uint32_t iss = 0xffffff00u;
	static char d[3][200];
	char buf[600];
	struct tcp_seg sa;
	int err;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	t_listen(&t);
	SEND(&t, ((struct tseg){ PEER, .seq = iss, .flags = TH_SYN }));
	sa = EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .any_seq = true, .ack = iss + 1, .flags = TH_SYN | TH_ACK }));
	t.iss = sa.seq;
	SEND(&t, ((struct tseg){ PEER, .seq = iss + 1, .ack = t.iss + 1, .flags = TH_ACK }));
	t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
	CHECK(t.c != NULL);
	if (!t.c)
		goto out;
	for (int i = 0; i < 3; i++)
		memset(d[i], 'a' + i, sizeof(d[i]));
	/* [iss+201, iss+401) crosses 2^32; it comes before [iss+1, iss+201). */
	SEND(&t, ((struct tseg){ PEER, .seq = iss + 201, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = d[1], .len = 200 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = iss + 1, .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = iss + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = d[0], .len = 200 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = iss + 401, .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = iss + 401, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = d[2], .len = 200 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = iss + 601, .flags = TH_ACK }));
	CHECK_EQ(t_read(&t, buf, sizeof(buf)), 600);
	CHECK(memcmp(buf, d[0], 200) == 0 && memcmp(buf + 200, d[1], 200) == 0 &&
	      memcmp(buf + 400, d[2], 200) == 0);
	/* An old duplicate from before the wrap is recognised as such. */
	SEND(&t, ((struct tseg){ PEER, .seq = iss + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = d[0], .len = 200 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = iss + 601, .flags = TH_ACK }));
	CHECK_EQ(tcp_readable(t.c), 0);
out:
	t_teardown(&t);
}

TEST(fin_wait_1_straight_to_time_wait)
{
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	/* The peer's FIN acknowledges ours in the same segment. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	t_teardown(&t);
}

TEST(shutdown_while_connecting_sends_fin_after_the_handshake)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(&t, NOW,
	                  ((struct tseg){ .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	t.iss = syn.seq;
	t.us_port = syn.sport;
	CHECK_EQ(t_write(&t, "early", 5), -EAGAIN);
	CHECK_EQ(tcp_shutdown(t.h.s, t.c, SHUT_WR), 0);
	EXPECT_NOTHING(&t, 10);
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS, .ack = t.iss + 1, .flags = TH_SYN | TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_FIN_WAIT_1);
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	t_teardown(&t);
}

TEST(close_in_syn_sent_frees_quietly)
{
	struct t t;
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t_knobs_default(&t);
	t_setup(&t);
	t.c = tcp_pcb_new(t.h.s, &owner_c);
	CHECK_EQ(tcp_connect(t.h.s, t.c, &peer, PEER_PORT), 0);
	syn = EXPECT_SENT(&t, NOW,
	                  ((struct tseg){ .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
	t.us_port = syn.sport;
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	EXPECT_NOTHING(&t, 3000);
	/* A late SYN-ACK finds no connection: RST. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .ack = syn.seq + 1,
	                         .flags = TH_SYN | TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = syn.seq + 1, .flags = TH_RST }));
	t_teardown(&t);
}

/* ---- RST in the closing states (RFC 9293 3.10.7.4, RFC 5961 section 3) ----
 * Each state meets, in turn, a RST outside the window (dropped, counted),
 * one in the window but not at RCV.NXT (challenge ACK), and one at RCV.NXT
 * (the connection is dropped: ECONNRESET in all five, as FreeBSD and
 * Linux report it; nothing is sent, then or later). */

enum rst_case { RST_CLOSE_WAIT, RST_FIN_WAIT_1, RST_FIN_WAIT_2, RST_CLOSING, RST_LAST_ACK };

/* Brings t->c to the state; returns the peer's next sequence number
 * (our RCV.NXT) and sets *snd_nxt to ours. */
static uint32_t rst_fixture(struct t *t, enum rst_case c, uint32_t *snd_nxt)
{
	T_PASSIVE(t, NULL);
	if (c == RST_CLOSE_WAIT || c == RST_LAST_ACK) {
		SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1,
		                        .flags = TH_FIN | TH_ACK }));
		EXPECT_SENT(
		    t, NOW,
		    ((struct tseg){ US, .seq = t->iss + 1, .ack = PEER_ISS + 2, .flags = TH_ACK }));
		*snd_nxt = t->iss + 1;
		if (c == RST_LAST_ACK) {
			CHECK_EQ(tcp_shutdown(t->h.s, t->c, SHUT_WR), 0);
			EXPECT_SENT(t, NOW,
			            ((struct tseg){ US, .seq = t->iss + 1, .ack = PEER_ISS + 2,
			                            .flags = TH_FIN | TH_ACK }));
			*snd_nxt = t->iss + 2;
		}
		return PEER_ISS + 2;
	}
	CHECK_EQ(tcp_shutdown(t->h.s, t->c, SHUT_WR), 0);
	EXPECT_SENT(t, NOW,
	            ((struct tseg){ US, .seq = t->iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_FIN | TH_ACK }));
	*snd_nxt = t->iss + 2;
	if (c == RST_FIN_WAIT_2)
		SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 2,
		                        .flags = TH_ACK }));
	if (c == RST_CLOSING) {
		/* The peer's FIN crosses ours (it does not ACK it). */
		SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1,
		                        .flags = TH_FIN | TH_ACK }));
		EXPECT_SENT(t, NOW,
		            ((struct tseg){ US, .seq = t->iss + 1, .ack = PEER_ISS + 2,
		                            .flags = TH_FIN | TH_ACK }));
		return PEER_ISS + 2;
	}
	return PEER_ISS + 1;
}

TEST(rst_in_the_closing_states)
{
	static const struct {
		enum rst_case c;
		int state;
	} cases[] = {
		{ RST_CLOSE_WAIT, TCPS_CLOSE_WAIT }, { RST_FIN_WAIT_1, TCPS_FIN_WAIT_1 },
		{ RST_FIN_WAIT_2, TCPS_FIN_WAIT_2 }, { RST_CLOSING, TCPS_CLOSING },
		{ RST_LAST_ACK, TCPS_LAST_ACK },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct t t;
		uint32_t rcv_nxt, snd_nxt;
		char b[4];

		t_knobs_default(&t);
		t_setup(&t);
		rcv_nxt = rst_fixture(&t, cases[i].c, &snd_nxt);
		CHECK(tcp_state(t.c) == cases[i].state, "%s: in %s", tcp_state_name(cases[i].state),
		      tcp_state_name(tcp_state(t.c)));
		/* Outside the window: dropped. */
		SEND(&t, ((struct tseg){ PEER, .seq = rcv_nxt + 200000, .flags = TH_RST }));
		EXPECT_NOTHING(&t, 5);
		CHECK_EQ(STATS(&t)->tcps_badrst, 1);
		CHECK_EQ(tcp_state(t.c), cases[i].state);
		/* In the window, not at RCV.NXT: a challenge ACK. */
		SEND(&t, ((struct tseg){ PEER, .seq = rcv_nxt + 100, .flags = TH_RST }));
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = snd_nxt, .ack = rcv_nxt, .flags = TH_ACK }));
		CHECK_EQ(STATS(&t)->tcps_rstchallenge, 1);
		CHECK_EQ(STATS(&t)->tcps_chalack, 1);
		CHECK_EQ(tcp_state(t.c), cases[i].state);
		/* At RCV.NXT: the connection is dropped. */
		SEND(&t, ((struct tseg){ PEER, .seq = rcv_nxt, .flags = TH_RST }));
		CHECK(tcp_state(t.c) == TCPS_CLOSED, "%s: RST at RCV.NXT left %s",
		      tcp_state_name(cases[i].state), tcp_state_name(tcp_state(t.c)));
		CHECK(t.ev_c & TCP_EV_ERR, "%s: no error event", tcp_state_name(cases[i].state));
		CHECK(tcp_error(t.c, false) == ECONNRESET, "%s: error %d",
		      tcp_state_name(cases[i].state), tcp_error(t.c, false));
		CHECK_EQ(t_read(&t, b, sizeof(b)), -ECONNRESET);
		CHECK_EQ(STATS(&t)->tcps_rcvreset, 1);
		CHECK_EQ(STATS(&t)->tcps_drops, 1);
		CHECK_EQ(tcp_conn_count(t.h.s), 0);
		EXPECT_NOTHING(&t, 3000); /* no FIN retransmission, no RST */
		t_teardown(&t);
	}
}

/* TIME_WAIT answers as FreeBSD's tcp_twcheck: nothing for a segment
 * without ACK, for an old SYN, for a RST, or for the exact bare ACK
 * <SEQ=RCV.NXT><ACK=SND.NXT>; an ACK <SEQ=SND.NXT><ACK=RCV.NXT> for
 * anything else with an ACK -- data, an old ACK, PSH -- however many
 * (no challenge-ACK budget); 2 MSL restarts only for the retransmitted
 * FIN (its sequence number RCV.NXT - 1). */
TEST(time_wait_answers_as_tcp_twcheck)
{
	struct t t;
	uint32_t ours, theirs;

	t_knobs_default(&t);
	t_setup(&t);
	rst_fixture(&t, RST_FIN_WAIT_2, &ours);
	SEND(&t,
	     ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = ours, .flags = TH_FIN | TH_ACK }));
	theirs = PEER_ISS + 2;
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	SEND(&t, ((struct tseg){ PEER, .seq = theirs, .ack = ours, .flags = TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = theirs, .flags = TH_PUSH, PAYLOAD("no ack") }));
	SEND(&t, ((struct tseg){ PEER, .seq = theirs - 1, .flags = TH_SYN }));
	SEND(&t, ((struct tseg){ PEER, .seq = theirs, .ack = ours, .flags = TH_RST | TH_ACK }));
	EXPECT_NOTHING(&t, 10);
	CHECK_EQ(STATS(&t)->tcps_tw_syn_dropped, 1);
	CHECK_EQ(STATS(&t)->tcps_tw_rst_ignored, 1);
	for (int i = 0; i < 8; i++) {
		SEND(&t, ((struct tseg){ PEER, .seq = theirs, .ack = ours - 1, .flags = TH_ACK }));
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	}
	SEND(&t, ((struct tseg){ PEER, .seq = theirs, .ack = ours, .flags = TH_PUSH | TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	SEND(&t,
	     ((struct tseg){ PEER, .seq = theirs, .ack = ours, .flags = TH_ACK, PAYLOAD("late") }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_tw_responds, 10);
	CHECK_EQ(STATS(&t)->tcps_chalack, 0);
	/* 2 MSL (60 s): a FIN that is not the retransmitted one does not
	 * restart it, the retransmitted one does. */
	h_one_run_ms(&t.h, 50000);
	SEND(&t, ((struct tseg){ PEER, .seq = theirs, .ack = ours, .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	h_one_run_ms(&t.h, 9000);
	SEND(&t, ((struct tseg){ PEER, .seq = theirs - 1, .ack = ours, .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW, ((struct tseg){ US, .seq = ours, .ack = theirs, .flags = TH_ACK }));
	h_one_run_ms(&t.h, 59000);
	CHECK_EQ(tcp_state(t.c), TCPS_TIME_WAIT);
	h_one_run_ms(&t.h, 1100);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	t_teardown(&t);
}

/* ---- ECN (RFC 3168; net.inet.tcp.ecn.enable = 2, FreeBSD's default) ---- */

/* Passive open with an ECN-setup SYN (MSS 1000): the SYN-ACK agrees. */
static void ecn_passive(struct t *t)
{
	struct tcp_seg sa;
	int err;

	t_listen(t);
	SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN | TH_ECE | TH_CWR,
	                        .opt = { .present = TOF_MSS, .mss = 1000 } }));
	sa = EXPECT_SENT(t, NOW,
	                 ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1,
	                                 .flags = TH_SYN | TH_ACK | TH_ECE }));
	t->iss = sa.seq;
	SEND(t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1, .flags = TH_ACK }));
	t->c = tcp_accept(t->h.s, t->l, &owner_c, &err);
	CHECK(t->c != NULL);
	CHECK_EQ(STATS(t)->tcps_ecn_shs, 1);
}

/* An ECE halves the window at once with NewReno (FreeBSD: half of cwnd
 * in whole segments) and takes it to beta = 0.7 with CUBIC; a second ECE
 * before the data then in flight is acknowledged changes nothing, and the
 * window does not grow meanwhile (the ACK that gets past it included);
 * then an ECE reduces again.
 * (ecn-ece-reduces-cwnd pins the NewReno case on the wire.) */
TEST(ecn_ece_reduces_cwnd_once_per_window)
{
	static char d[30000];

	for (int cc = 0; cc < 2; cc++) {
		uint32_t first = cc ? 7000 : 5000, second = cc ? 4900 : 2000;
		struct t t;

		t_knobs_default(&t);
		t.knobs[KNOB_TCP_CC] = cc;
		t_setup(&t);
		ecn_passive(&t);
		CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
		cap_port_clear(t.h.cap);
		CHECK_EQ(t.c->snd_cwnd, 10000);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2001,
		                         .flags = TH_ACK | TH_ECE }));
		CHECK_EQ(t.c->snd_cwnd, first);
		CHECK_EQ(t.c->snd_ssthresh, first);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 6001,
		                         .flags = TH_ACK | TH_ECE }));
		CHECK_EQ(t.c->snd_cwnd, first);
		CHECK_EQ(STATS(&t)->tcps_ecn_rcwnd, 1);
		/* Everything that was in flight at the ECE (10,000 bytes) is
		 * acknowledged: the next ECE counts. */
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 10002,
		                         .flags = TH_ACK }));
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 11001,
		                         .flags = TH_ACK | TH_ECE }));
		CHECK_EQ(STATS(&t)->tcps_ecn_rcwnd, 2);
		CHECK(t.c->snd_cwnd <= second, "cwnd %u after the second ECE", t.c->snd_cwnd);
		cap_port_clear(t.h.cap);
		t_teardown(&t);
	}
}

/* ---- MSS from the route MTU (RFC 9293 3.7.1, RFC 6691) ----
 * Over an interface with a jumbo or an IPv6-minimum MTU the MSS option of
 * our SYN and SYN-ACK is MTU - 40, and data segments are that size (the
 * peer offering as much); a peer offering less is what we send.  The
 * initial window is RFC 6928's min(10 MSS, max(2 MSS, 14600)): two
 * segments at 8960, ten at 1240. */

static void set_mtu(struct t *t, uint16_t mtu)
{
	t->h.cap->mtu = mtu;
	t->h.s->ifs[0].mtu = mtu;
}

TEST(mss_from_a_non_1500_route_mtu)
{
	static const uint16_t mtus[] = { 9000, 1280 };
	static char d[3 * 8960 + 100];

	memset(d, 'j', sizeof(d));
	for (unsigned i = 0; i < ARRAY_SIZE(mtus); i++) {
		uint16_t mss = (uint16_t)(mtus[i] - 40);
		uint32_t iw = mtus[i] == 9000 ? 2 : 10, total = mss * (iw + 1) + 100, sent = 0;
		struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
		struct tcpcb *a;
		struct t t;

		t_knobs_default(&t);
		t_setup(&t);
		set_mtu(&t, mtus[i]);
		/* Passive: the SYN-ACK announces MTU - 40. */
		t_listen(&t);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS, .flags = TH_SYN,
		                         .opt = { .present = TOF_MSS, .mss = mss } }));
		t.iss = EXPECT_SENT(&t, NOW,
		                    ((struct tseg){ US, .any_seq = true, .ack = PEER_ISS + 1,
		                                    .flags = TH_SYN | TH_ACK, .check_opts = true,
		                                    .opt = { .present = TOF_MSS, .mss = mss } }))
		            .seq;
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1,
		                         .flags = TH_ACK }));
		{
			int err;

			t.c = tcp_accept(t.h.s, t.l, &owner_c, &err);
		}
		CHECK(t.c != NULL);
		if (!t.c) {
			t_teardown(&t);
			continue;
		}
		/* Full-sized segments, as many as the initial window holds. */
		CHECK_EQ(t_write(&t, d, total), total);
		for (uint32_t k = 0; k < iw; k++, sent += mss)
			EXPECT_SENT(
			    &t, NOW,
			    ((struct tseg){ US, .seq = t.iss + 1 + sent, .ack = PEER_ISS + 1,
			                    .flags = TH_ACK, .data = d, .len = mss }));
		EXPECT_NOTHING(&t, 0);
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + sent,
		                         .flags = TH_ACK }));
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = t.iss + 1 + sent, .ack = PEER_ISS + 1,
		                            .flags = TH_ACK, .data = d, .len = mss }));
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = t.iss + 1 + sent + mss, .ack = PEER_ISS + 1,
		                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 100 }));
		/* Active: the SYN announces MTU - 40 too. */
		a = tcp_pcb_new(t.h.s, NULL);
		CHECK_EQ(tcp_connect(t.h.s, a, &peer, PEER_PORT + 1), 0);
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ .dport = PEER_PORT + 1,
		                            .any_seq = true,
		                            .flags = TH_SYN,
		                            .check_opts = true,
		                            .opt = { .present = TOF_MSS, .mss = mss } }));
		tcp_abort(t.h.s, a);
		t_teardown(&t);
	}
}

TEST(peer_mss_below_ours_clamps_what_we_send)
{
	static char d[2000];
	struct t t;

	memset(d, 'c', sizeof(d));
	t_knobs_default(&t);
	t_setup(&t);
	set_mtu(&t, 9000);
	T_ACTIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 536 }));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	for (uint32_t k = 0; k < 3; k++)
		EXPECT_SENT(&t, NOW,
		            ((struct tseg){ US, .seq = t.iss + 1 + 536 * k, .ack = PEER_ISS + 1,
		                            .flags = TH_ACK, .data = d, .len = 536 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1 + 3 * 536, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 2000 - 3 * 536 }));
	t_teardown(&t);
}

/* ---- reassembly queue bound (net.inet.tcp.reass.maxqueuelen) ----
 * With the first 10 bytes missing, out-of-order segments fill the queue;
 * beyond its limit they are dropped and counted in tcps_reassfull (each
 * still draws the immediate duplicate ACK, RFC 5681 4.2), and hold no
 * mbuf.  The hole filled, the queue drains; the dropped segments sent
 * again complete the data. */
TEST(reassembly_queue_is_bounded)
{
	enum { SEG = 10, MAXQ = 8, NSEG = MAXQ + 3 };
	static char d[(NSEG + 1) * SEG];
	char got[sizeof(d)];
	struct t t;
	unsigned base;

	for (unsigned i = 0; i < sizeof(d); i++)
		d[i] = (char)('a' + i % 26);
	t_knobs_default(&t);
	t.knobs[KNOB_TCP_REASS_MAXQUEUELEN] = MAXQ;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	cap_port_clear(t.h.cap);
	base = rte_mempool_in_use_count(t.h.pool);
	for (unsigned k = 1; k <= NSEG; k++) {
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + k * SEG, .ack = t.iss + 1,
		                         .flags = TH_ACK, .data = d + k * SEG, .len = SEG }));
		EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK }));
	}
	CHECK_EQ(t.c->reass_n, MAXQ);
	CHECK_EQ(STATS(&t)->tcps_rcvoopack, MAXQ);
	CHECK_EQ(STATS(&t)->tcps_reassfull, NSEG - MAXQ);
	/* One mbuf per queued segment, none for the dropped ones. */
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base + MAXQ);
	CHECK_EQ(tcp_readable(t.c), 0);
	/* The hole is filled: the queue drains up to the first dropped one. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         .data = d, .len = SEG }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + (MAXQ + 1) * SEG,
	                            .flags = TH_ACK }));
	CHECK_EQ(t.c->reass_n, 0);
	CHECK_EQ(tcp_readable(t.c), (MAXQ + 1) * SEG);
	/* The peer sends the dropped ones again (in order now). */
	for (unsigned k = MAXQ + 1; k <= NSEG; k++)
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + k * SEG, .ack = t.iss + 1,
		                         .flags = TH_ACK, .data = d + k * SEG, .len = SEG }));
	CHECK_EQ(tcp_readable(t.c), sizeof(d));
	CHECK_EQ(t_read(&t, got, sizeof(got)), (ssize_t)sizeof(got));
	CHECK(memcmp(got, d, sizeof(d)) == 0);
	cap_port_clear(t.h.cap);
	CHECK_EQ(rte_mempool_in_use_count(t.h.pool), base);
	t_teardown(&t);
}

/* ---- receiver SWS avoidance (RFC 1122 4.2.3.3, RFC 9293 3.8.6.2.2) ----
 * 8760-byte receive buffer (6 x MSS 1460), filled: window 0.  Reading does not send
 * a window update until the right edge can move by two segments (2920
 * bytes; FreeBSD's rule, beyond RFC 1122's min(buffer / 2, MSS)), and a
 * segment sent meanwhile (the ACK of a window probe) offers no window
 * until it reaches min(buffer / 4, MSS), 1460 bytes (FreeBSD's, which here
 * is also the RFC's min(buffer / 2, MSS)). */
static uint32_t fill_8k(struct t *t)
{
	static char big[1460];
	uint32_t seq = PEER_ISS + 1;

	memset(big, 'q', sizeof(big));
	T_PASSIVE(t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	for (int i = 0; i < 5; i++) {
		SEND(t, ((struct tseg){ PEER, .seq = seq, .ack = t->iss + 1, .flags = TH_ACK,
		                        .data = big, .len = 1460 }));
		seq += 1460;
	}
	cap_port_clear(t->h.cap);
	SEND(t, ((struct tseg){ PEER, .seq = seq, .ack = t->iss + 1, .flags = TH_ACK, .data = big,
	                        .len = 8760 - 5 * 1460 }));
	seq += 8760 - 5 * 1460;
	EXPECT_SENT(t, NOW,
	            ((struct tseg){ US, .seq = t->iss + 1, .ack = seq, .flags = TH_ACK,
	                            .check_win = true, .win = 0 }));
	return seq;
}

TEST(receiver_sws_avoidance_holds_small_window_updates)
{
	static const uint32_t reads[] = { 1, 99, 900, 459, 1, 1459 }; /* 2919 in all */
	char buf[8192];
	uint32_t seq, total = 0;
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RECVSPACE] = 8760; /* 6 x 1460: not rounded */
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	seq = fill_8k(&t);
	for (unsigned i = 0; i < ARRAY_SIZE(reads); i++) {
		CHECK_EQ(t_read(&t, buf, reads[i]), reads[i]);
		total += reads[i];
		EXPECT_NOTHING(&t, 0);
	}
	CHECK_EQ(total, 2919);
	EXPECT_NOTHING(&t, 1000);
	/* The 2920th byte read: the update goes out. */
	CHECK_EQ(t_read(&t, buf, 1), 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = seq, .flags = TH_ACK,
	                            .check_win = true, .win = 2920 }));
	CHECK_EQ(STATS(&t)->tcps_sndwinup, 1);
	t_teardown(&t);

	/* What an ACK carries meanwhile: a one-byte probe fits the free
	 * buffer (FreeBSD's RCV.WND is the free space, never less than what
	 * was advertised), is taken, and the ACK offers no window below
	 * min(buffer / 4, MSS). */
	t_knobs_default(&t);
	t.knobs[KNOB_TCP_RECVSPACE] = 8760; /* 6 x 1460: not rounded */
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	seq = fill_8k(&t);
	{
		static const struct {
			uint32_t read, win;
		} steps[] = { { 1000, 0 }, { 460, 0 }, { 3, 1460 } };

		for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
			CHECK_EQ(t_read(&t, buf, steps[i].read), steps[i].read);
			EXPECT_NOTHING(&t, 0);
			SEND(&t, ((struct tseg){ PEER, .seq = seq, .ack = t.iss + 1,
			                         .flags = TH_ACK, PAYLOAD("p") }));
			seq++;
			EXPECT_SENT(
			    &t, NOW,
			    ((struct tseg){ US, .seq = t.iss + 1, .ack = seq, .flags = TH_ACK,
			                    .check_win = true, .win = steps[i].win }));
		}
	}
	CHECK_EQ(STATS(&t)->tcps_rcvwinprobe, 0);
	CHECK_EQ(tcp_readable(t.c), 8760 - 1463 + 3);
	t_teardown(&t);
}

/* ---- ephemeral ports (net.inet.ip.portrange.first/last) ----
 * connect() takes its local port from the range; with four ports, four
 * connections to one peer use all of them; a fifth gets EADDRNOTAVAIL
 * (FreeBSD's and Linux's errno); another peer port still has a 4-tuple
 * free on each; bind(port 0), which needs a port nobody holds, fails. */
TEST(ephemeral_port_range_is_honoured_until_exhausted)
{
	enum { FIRST = 40000, LAST = 40003, N = LAST - FIRST + 1 };
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2")), any = ip_addr_v4(0);
	struct tcpcb *c[N + 2];
	bool used[N] = { false };
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_PORTRANGE_FIRST] = FIRST;
	t.knobs[KNOB_TCP_PORTRANGE_LAST] = LAST;
	t_setup(&t);
	for (int i = 0; i < N; i++) {
		struct tcp_seg syn;

		c[i] = tcp_pcb_new(t.h.s, NULL);
		CHECK_EQ(tcp_connect(t.h.s, c[i], &peer, PEER_PORT), 0);
		syn = EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN }));
		CHECK(syn.sport >= FIRST && syn.sport <= LAST, "port %u", syn.sport);
		if (syn.sport >= FIRST && syn.sport <= LAST) {
			CHECK(!used[syn.sport - FIRST], "port %u twice", syn.sport);
			used[syn.sport - FIRST] = true;
		}
	}
	c[N] = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_connect(t.h.s, c[N], &peer, PEER_PORT), -EADDRNOTAVAIL);
	EXPECT_NOTHING(&t, 0);
	CHECK_EQ(tcp_bind(t.h.s, c[N], &any, 0), -EADDRNOTAVAIL);
	/* Another peer port: a 4-tuple is free, on a port of the range. */
	c[N + 1] = tcp_pcb_new(t.h.s, NULL);
	CHECK_EQ(tcp_connect(t.h.s, c[N + 1], &peer, PEER_PORT + 1), 0);
	{
		struct tcp_seg syn = EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ .dport = PEER_PORT + 1, .any_seq = true, .flags = TH_SYN }));

		CHECK(syn.sport >= FIRST && syn.sport <= LAST, "port %u", syn.sport);
	}
	for (int i = 0; i < N + 2; i++)
		tcp_abort(t.h.s, c[i]);
	CHECK_EQ(tcp_conn_count(t.h.s), 0);
	t_teardown(&t);
}

/* ---- one wheel timer per connection (DESIGN.md) ----
 * With a retransmission, a delayed ACK and the keepalive all pending, the
 * stack's wheel holds exactly one timer for the connection, armed at the
 * earliest deadline; as deadlines fire or stop it stays one, until the
 * connection goes. */
static uint64_t tick_of(const struct t *t, uint64_t ns)
{
	uint64_t tk = t->h.s->wheel->tick_ns;

	return ns / tk + (ns % tk != 0);
}

static uint64_t earliest(const struct tcpcb *tp)
{
	uint64_t d = UINT64_MAX;

	if (tp->t_rexmt_at && tp->t_rexmt_at < d)
		d = tp->t_rexmt_at;
	if (tp->t_keep_at && tp->t_keep_at < d)
		d = tp->t_keep_at;
	if (tp->t_delack_at && tp->t_delack_at < d)
		d = tp->t_delack_at;
	return d;
}

TEST(one_wheel_timer_per_connection)
{
	struct t t;
	uint32_t base;

	t_knobs_default(&t);
	t_setup(&t);
	base = t.h.s->wheel->narmed;
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t.h.s->wheel->narmed, base + 1); /* keepalive */
	CHECK_EQ(t_write(&t, "abc", 3), 3);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, PAYLOAD("abc") }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("xy") }));
	CHECK(t.c->t_rexmt_at && t.c->t_delack_at && t.c->t_keep_at);
	CHECK_EQ(t.h.s->wheel->narmed, base + 1);
	CHECK(timer_armed(&t.c->timer));
	CHECK_EQ(t.c->timer.expire, tick_of(&t, t.c->t_delack_at));
	/* The delayed ACK fires; the retransmission is next. */
	EXPECT_SENT(&t, AT_MS(40),
	            ((struct tseg){ US, .seq = t.iss + 4, .ack = PEER_ISS + 3, .flags = TH_ACK }));
	CHECK(t.c->t_delack_at == 0 && t.c->t_rexmt_at && t.c->t_keep_at);
	CHECK_EQ(t.h.s->wheel->narmed, base + 1);
	CHECK_EQ(t.c->timer.expire, tick_of(&t, earliest(t.c)));
	CHECK_EQ(t.c->timer.expire, tick_of(&t, t.c->t_rexmt_at));
	/* Our data is ACKed: the keepalive alone. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 3, .ack = t.iss + 4, .flags = TH_ACK }));
	CHECK(t.c->t_rexmt_at == 0 && t.c->t_keep_at);
	CHECK_EQ(t.h.s->wheel->narmed, base + 1);
	CHECK_EQ(t.c->timer.expire, tick_of(&t, t.c->t_keep_at));
	tcp_abort(t.h.s, t.c);
	t.c = NULL;
	CHECK_EQ(t.h.s->wheel->narmed, base);
	t_teardown(&t);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
