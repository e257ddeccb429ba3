/* test_tcp_mem.c: the packet-buffer budget (src/stack/mem.h) as TCP meets
 * it, one stack against a scripted peer (test_tcp_lib.h).
 *
 * The stack's pool has 4095 buffers (harness h_one) and no per-lcore
 * cache, so the free count is exact: a test drives the pool to a level by
 * taking buffers itself (grab_to) and gives them back (release).  With
 * the default knobs: lowat 25 % (1023 free), minwat 10 % (409), reserve
 * 204, net.inet.tcp.reass.maxsegments 4095 / 16 = 255, sock_min 4096.
 *
 * What is shown: an out-of-order flood cannot take more than the
 * stack-wide reassembly limit, while the stack keeps answering ARP,
 * completing handshakes and delivering in-order data; under pressure the
 * reassembly queues are given back largest first; send buffers take only
 * sock_min and what the peer's window takes, and a writer refused at the
 * reserve is woken when the pool recovers; receive windows shrink and data
 * beyond sock_min is left unacknowledged; a FIN or an ACK that fails for
 * lack of buffers is sent by a timer once buffers are back, and with none
 * ever coming back the connection times out instead of hanging.  Every
 * test ends with every buffer back in the pool (t_teardown).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_ether.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"
#include "wire/arp.h"
#include "wire/ether.h"

#define STATS(t) (&(t)->h.s->stats.tcp)
#define MSTATS(t) (&(t)->h.s->stats.mem)

/* ---- the pool ---- */

#define GRAB_MAX 4096
static struct rte_mbuf *grabbed[GRAB_MAX];
static unsigned ngrabbed;

/* Takes buffers from the stack's pool until target are free. */
static void grab_to(struct t *t, uint32_t target)
{
	while (stack_mem_free_now(t->h.s) > target && ngrabbed < GRAB_MAX) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t->h.pool);

		if (!m)
			break;
		grabbed[ngrabbed++] = m;
	}
	CHECK_EQ(stack_mem_free_now(t->h.s), target);
}

static void release(void)
{
	while (ngrabbed)
		rte_pktmbuf_free(grabbed[--ngrabbed]);
}

/* ---- connections from several peer ports ---- */

struct pconn {
	uint16_t port;
	uint32_t iss; /* ours */
	struct tcpcb *tp;
};

static void listen_wide(struct t *t)
{
	struct ip_addr any = ip_addr_v4(0);

	t->l = tcp_pcb_new(t->h.s, &owner_l);
	CHECK(t->l != NULL);
	CHECK_EQ(tcp_bind(t->h.s, t->l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t->h.s, t->l, 1024), 0);
}

/* A handshake from peer port `port`, accepted. */
static void open_from(struct t *t, struct pconn *c, uint16_t port)
{
	struct tcp_seg sa;
	int err;

	c->port = port;
	SEND(t, ((struct tseg){ PEER, .sport = port, .seq = PEER_ISS, .flags = TH_SYN }));
	sa = EXPECT_SENT(t, NOW,
	                 ((struct tseg){ US, .dport = port, .any_seq = true, .ack = PEER_ISS + 1,
	                                 .flags = TH_SYN | TH_ACK }));
	c->iss = sa.seq;
	SEND(t, ((struct tseg){ PEER, .sport = port, .seq = PEER_ISS + 1, .ack = c->iss + 1,
	                        .flags = TH_ACK }));
	c->tp = tcp_accept(t->h.s, t->l, &owner_c, &err);
	CHECK(c->tp != NULL, "accept: %d", err);
}

/* n one-byte segments leaving a hole before each: all out of order. */
static void send_holes(struct t *t, const struct pconn *c, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		SEND(t, ((struct tseg){ PEER, .sport = c->port, .seq = PEER_ISS + 2 + 2 * k,
		                        .ack = c->iss + 1, .flags = TH_ACK, PAYLOAD("x") }));
		cap_port_clear(t->h.cap); /* the duplicate ACKs */
	}
}

static void close_all(struct t *t, struct pconn *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (c[i].tp)
			tcp_abort(t->h.s, c[i].tp);
}

/* An ARP request for 198.18.0.1 from a host the stack has never seen;
 * true when the stack answered it. */
static bool arp_answered(struct t *t)
{
	static const struct rte_ether_addr who = { { 0x02, 0, 0, 0, 0, 0x77 } };
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero = { { 0 } };
	uint8_t f[RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr)];
	struct rte_mbuf *m;
	bool answered = false;

	cap_port_clear(t->h.cap);
	wire_eth_emit(f, &bcast, &who, 0, RTE_ETHER_TYPE_ARP);
	wire_arp_emit(f + RTE_ETHER_HDR_LEN, RTE_ARP_OP_REQUEST, &who, h_ip4("198.18.0.77"), &zero,
	              h_ip4("198.18.0.1"));
	cap_port_inject(t->h.cap, harness_frame(t->h.pool, f, sizeof(f)));
	h_one_pass(&t->h);
	while ((m = cap_port_pop(t->h.cap)) != NULL) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);

		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
		    ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
			answered = true;
		rte_pktmbuf_free(m);
	}
	return answered;
}

/* ---- reassembly ---- */

/* The attack that froze the stack for good: many connections, each with
 * a full reassembly queue of one-byte segments, each in its own 2 KiB
 * buffer.  The stack-wide limit holds; everything else still works. */
TEST(ooo_flood_is_held_to_the_stack_limit_and_the_stack_keeps_talking)
{
	static struct pconn c[60];
	struct t t;
	char buf[8];

	t_knobs_default(&t);
	t_setup(&t);
	listen_wide(&t);
	for (unsigned i = 0; i < 60; i++)
		open_from(&t, &c[i], (uint16_t)(6000 + i));
	for (unsigned i = 0; i < 60; i++)
		send_holes(&t, &c[i], 100);
	/* 6000 out-of-order segments sent; the stack kept 255. */
	CHECK_EQ(tcp_reass_acct(t.h.s)->segs, t.h.s->mem.reass_max);
	CHECK_EQ(t.h.s->mem.reass_max, 4095 / 16);
	CHECK_EQ(STATS(&t)->tcps_rcvoopack, 255);
	CHECK_EQ(STATS(&t)->tcps_reass_overflows, 6000 - 255);
	CHECK(stack_mem_free_now(t.h.s) > t.h.s->mem.lowat);
	/* ARP, a new handshake, and in-order data all still work. */
	CHECK(arp_answered(&t));
	{
		struct pconn n;

		open_from(&t, &n, 7000);
		SEND(&t, ((struct tseg){ PEER, .sport = 7000, .seq = PEER_ISS + 1, .ack = n.iss + 1,
		                         .flags = TH_ACK | TH_PUSH, PAYLOAD("hello") }));
		CHECK_EQ(tcp_recv(t.h.s, n.tp, &(struct iovec){ buf, sizeof(buf) }, 1, 0), 5);
		CHECK(memcmp(buf, "hello", 5) == 0);
		tcp_abort(t.h.s, n.tp);
	}
	/* The hole of the first connection filled: what it queued is read
	 * in order. */
	SEND(&t, ((struct tseg){ PEER, .sport = c[0].port, .seq = PEER_ISS + 1, .ack = c[0].iss + 1,
	                         .flags = TH_ACK, PAYLOAD("a") }));
	CHECK_EQ(tcp_readable(c[0].tp), 2); /* "a" and the first queued "x" */
	close_all(&t, c, 60);
	CHECK_EQ(tcp_reass_acct(t.h.s)->segs, 0);
	t_teardown(&t);
}

/* Below minwat the reassembly queues are dropped, the largest first,
 * until the pool is back at lowat. */
TEST(pool_below_minwat_purges_the_largest_reassembly_queue_first)
{
	static struct pconn c[3];
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_MEM_LOWAT] = 25;  /* 1023 free */
	t.knobs[KNOB_MEM_MINWAT] = 24; /* 982 free */
	t_setup(&t);
	listen_wide(&t);
	for (unsigned i = 0; i < 3; i++)
		open_from(&t, &c[i], (uint16_t)(6000 + i));
	send_holes(&t, &c[0], 100);
	send_holes(&t, &c[1], 50);
	send_holes(&t, &c[2], 10);
	CHECK_EQ(tcp_reass_acct(t.h.s)->segs, 160);
	grab_to(&t, 960);
	h_one_pass(&t.h);
	CHECK_EQ(MSTATS(&t)->mem_min_entered, 1);
	CHECK_EQ(STATS(&t)->tcps_reass_purged, 100);
	CHECK_EQ(c[0].tp->reass_n, 0);
	CHECK_EQ(c[1].tp->reass_n, 50);
	CHECK_EQ(c[2].tp->reass_n, 10);
	CHECK_EQ(t.h.s->mem.level, MEM_OK); /* 1060 free */
	/* Under pressure new out-of-order data is refused outright. */
	grab_to(&t, 1000);
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_LOW);
	SEND(&t, ((struct tseg){ PEER, .sport = c[2].port, .seq = PEER_ISS + 500,
	                         .ack = c[2].iss + 1, .flags = TH_ACK, PAYLOAD("y") }));
	CHECK_EQ(STATS(&t)->tcps_rcvmemdrop, 1);
	CHECK_EQ(c[2].tp->reass_n, 10);
	release();
	close_all(&t, c, 3);
	t_teardown(&t);
}

/* ---- send buffers ---- */

TEST(send_buffer_under_pressure_takes_sock_min_and_what_the_window_takes)
{
	static uint8_t data[65536];
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	grab_to(&t, 1000); /* LOW */
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_LOW);
	CHECK_EQ(tcp_sendspace(t.h.s, t.c), 4096);
	CHECK_EQ(t_write(&t, data, sizeof(data)), 4096);
	CHECK_EQ(t_write(&t, data, sizeof(data)), -EAGAIN);
	CHECK_EQ(STATS(&t)->tcps_sndmemwait, 1);
	CHECK_EQ(tcp_poll(t.h.s, t.c) & TCP_EV_OUT, 0);
	cap_port_clear(t.h.cap);
	/* The peer takes it all but closes its window: nothing more. */
	t.ev_c = 0;
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 4096,
	                         .flags = TH_ACK, .win = 0 }));
	CHECK(t.ev_c & TCP_EV_OUT); /* space freed: a writer tries again */
	CHECK_EQ(tcp_sendspace(t.h.s, t.c), 0);
	CHECK_EQ(t_write(&t, data, 10), -EAGAIN);
	/* The window opens: the writer hears of it and may send. */
	t.ev_c = 0;
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1 + 4096,
	                         .flags = TH_ACK, .win = 2000 }));
	CHECK(t.ev_c & TCP_EV_OUT);
	CHECK_EQ(tcp_sendspace(t.h.s, t.c), 2000);
	CHECK_EQ(t_write(&t, data, sizeof(data)), 2000);
	cap_port_clear(t.h.cap);
	release();
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_OK);
	/* The whole buffer again: net.inet.tcp.sendspace rounded up to whole
	 * segments of the default MSS 536 (tcp_buf_round), 33232. */
	CHECK_EQ(tcp_sendspace(t.h.s, t.c), 33232 - 2000);
	t_teardown(&t);
}

TEST(writer_refused_at_the_reserve_is_woken_when_the_pool_recovers)
{
	static uint8_t data[1000];
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	grab_to(&t, t.h.s->mem.reserve);
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_MIN);
	CHECK_EQ(t_write(&t, data, sizeof(data)), -EAGAIN);
	CHECK(t.h.s->mem.waiters);
	t.ev_c = 0;
	h_one_pass(&t.h);
	CHECK_EQ(t.ev_c & TCP_EV_OUT, 0); /* still at the reserve: no news */
	release();
	h_one_pass(&t.h);
	CHECK(t.ev_c & TCP_EV_OUT);
	CHECK(!t.h.s->mem.waiters);
	CHECK_EQ(t_write(&t, data, sizeof(data)), (ssize_t)sizeof(data));
	t_teardown(&t);
}

/* ---- receive side ---- */

TEST(receive_window_shrinks_and_data_past_sock_min_is_left_unacknowledged)
{
	static char data[1460];
	struct t t;
	struct tcp_seg a;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	memset(data, 'd', sizeof(data));
	grab_to(&t, 1000);
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_LOW);
	/* Three full segments fit under sock_min (4096): the queue holds 4380
	 * after the third; the ACK offers no more than the window already
	 * promised. */
	for (unsigned i = 0; i < 3; i++) {
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 1460 * i, .ack = t.iss + 1,
		                         .flags = TH_ACK, .data = data, .len = 1460 }));
		a = EXPECT_SENT(
		    &t, NOW,
		    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + 1460 * (i + 1),
		                    .flags = TH_ACK }));
	}
	CHECK_EQ(a.win, 65535 - 3 * 1460); /* the right edge stays where it was */
	/* A fourth is dropped: not acknowledged, counted. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 4380, .ack = t.iss + 1,
	                         .flags = TH_ACK, .data = data, .len = 1460 }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + 4380, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rcvmemdrop, 1);
	CHECK_EQ(tcp_readable(t.c), 4380);
	/* The application reads: the window offered is what sock_min allows
	 * now, not the whole buffer. */
	{
		char rb[4380];

		CHECK_EQ(t_read(&t, rb, sizeof(rb)), 4380);
	}
	release();
	h_one_pass(&t.h);
	CHECK_EQ(t.h.s->mem.level, MEM_OK);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1 + 4380, .ack = t.iss + 1,
	                         .flags = TH_ACK, .data = data, .len = 1460 }));
	EXPECT_SENT(
	    &t, NOW,
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1 + 5840, .flags = TH_ACK }));
	t_teardown(&t);
}

/* ---- each holder drives the pool itself ---- */

/* A new client is still served: handshake, request, response. */
static void still_serves(struct t *t, uint16_t port)
{
	struct pconn n;
	char buf[16];

	CHECK(arp_answered(t));
	cap_port_clear(t->h.cap);
	open_from(t, &n, port);
	if (!n.tp)
		return;
	SEND(t, ((struct tseg){ PEER, .sport = port, .seq = PEER_ISS + 1, .ack = n.iss + 1,
	                        .flags = TH_ACK | TH_PUSH, PAYLOAD("GET") }));
	cap_port_clear(t->h.cap); /* its ACK */
	CHECK_EQ(tcp_recv(t->h.s, n.tp, &(struct iovec){ buf, sizeof(buf) }, 1, 0), 3);
	CHECK_EQ(tcp_send(t->h.s, n.tp, &(struct iovec){ "200 OK", 6 }, 1, 0), 6);
	EXPECT_SENT(t, NOW,
	            ((struct tseg){ US, .dport = port, .seq = n.iss + 1, .ack = PEER_ISS + 4,
	                            .flags = TH_ACK | TH_PUSH, PAYLOAD("200 OK") }));
	tcp_abort(t->h.s, n.tp);
	cap_port_clear(t->h.cap);
}

/* Peers that never acknowledge: every send buffer fills until the pool
 * is at lowat; past it each connection gets sock_min, and the reserve is
 * never touched. */
TEST(send_buffers_of_peers_that_never_ack_stop_at_the_watermark)
{
	static struct pconn c[300];
	static uint8_t data[65536];
	struct t t;

	t_knobs_default(&t);
	t_setup(&t);
	listen_wide(&t);
	for (unsigned i = 0; i < 300; i++) {
		cap_port_clear(t.h.cap);
		open_from(&t, &c[i], (uint16_t)(6000 + i));
		if (!c[i].tp)
			break;
		tcp_send(t.h.s, c[i].tp, &(struct iovec){ data, sizeof(data) }, 1, 0);
		h_one_pass(&t.h); /* the segments leave */
		CHECK(stack_mem_free_now(t.h.s) > t.h.s->mem.reserve);
	}
	cap_port_clear(t.h.cap);
	h_one_pass(&t.h);
	CHECK(MSTATS(&t)->mem_low_entered >= 1);
	CHECK(c[0].tp->snd.cc == c[0].tp->snd.hiwat); /* before the pressure: SO_SNDBUF */
	CHECK(c[0].tp->snd.hiwat >= 32768);
	CHECK(c[299].tp->snd.cc <= 4096); /* under it: sock_min */
	CHECK(t.h.s->mem.free_lowest > t.h.s->mem.reserve);
	still_serves(&t, 9000);
	close_all(&t, c, 300);
	t_teardown(&t);
}

/* An application that never reads: receive queues fill until the pool is
 * at lowat, then take sock_min each and no more. */
TEST(receive_queues_of_an_application_that_never_reads_stop_at_the_watermark)
{
	static struct pconn c[120];
	static uint8_t data[1460];
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_DELAYED_ACK] = 0;
	t_setup(&t);
	listen_wide(&t);
	for (unsigned i = 0; i < 120; i++) {
		cap_port_clear(t.h.cap);
		open_from(&t, &c[i], (uint16_t)(6000 + i));
		if (!c[i].tp)
			break;
		for (unsigned k = 0; k < 44; k++) /* 64 KiB, the whole window */
			SEND(&t,
			     ((struct tseg){ PEER, .sport = c[i].port,
			                     .seq = PEER_ISS + 1 + 1460 * k, .ack = c[i].iss + 1,
			                     .flags = TH_ACK, .data = data, .len = 1460 }));
		CHECK(stack_mem_free_now(t.h.s) > t.h.s->mem.reserve);
	}
	cap_port_clear(t.h.cap);
	CHECK(MSTATS(&t)->mem_low_entered >= 1);
	CHECK(STATS(&t)->tcps_rcvmemdrop > 0);
	CHECK(t.h.s->mem.free_lowest > t.h.s->mem.reserve);
	still_serves(&t, 9000);
	close_all(&t, c, 120);
	t_teardown(&t);
}

/* SYNs from addresses nobody answers ARP for: the SYN-ACKs wait in the
 * ARP hold queues until the pool is at lowat; after that they are not
 * held (arp_holdmemdrop). */
TEST(arp_hold_queues_of_unresolved_peers_stop_at_the_watermark)
{
	struct t t;

	t_knobs_default(&t);
	t.knobs[KNOB_ARP_MAXHOLD] = 1024;
	t_setup(&t);
	listen_wide(&t);
	/* 200 hosts of 198.18.0.0/24 that never answer ARP, 20 SYNs each. */
	for (unsigned i = 0; i < 4000; i++)
		SEND(&t, ((struct tseg){
		             PEER, .saddr = h_ip4("198.18.0.10") + rte_cpu_to_be_32(i % 200),
		             .sport = (uint16_t)(10000 + i), .seq = PEER_ISS, .flags = TH_SYN }));
	CHECK(t.h.s->stats.arp.arp_held > 0);
	CHECK(t.h.s->stats.arp.arp_holdmemdrop > 0);
	CHECK(MSTATS(&t)->mem_low_entered >= 1);
	CHECK(t.h.s->mem.free_lowest > t.h.s->mem.reserve);
	still_serves(&t, 9000);
	t_teardown(&t);
}

/* ---- transmissions that fail ---- */

/* The second half of the freeze: the application's close made a FIN that
 * could not be sent for lack of buffers, with nothing else outstanding,
 * and no timer ever tried again. */
TEST(fin_that_finds_no_buffer_goes_out_when_buffers_are_back)
{
	struct t t;
	unsigned sent;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	sent = cap_port_sent(t.h.cap);
	grab_to(&t, 0);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	CHECK_EQ(STATS(&t)->tcps_sndretry, 1);
	CHECK_EQ(cap_port_sent(t.h.cap), sent);
	release();
	/* The retransmission timer (1 s before any RTT sample) sends it. */
	EXPECT_SENT(
	    &t, AT_MS(1000),
	    ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_FIN | TH_ACK }));
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 2,
	                         .flags = TH_FIN | TH_ACK }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 2, .ack = PEER_ISS + 2, .flags = TH_ACK }));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0); /* a retry, not a loss */
	t_teardown(&t);
}

TEST(fin_that_never_finds_a_buffer_times_out_and_frees_everything)
{
	struct t t;
	uint64_t closed;
	unsigned sent;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t_write(&t, "data", 4), 4);
	cap_port_clear(t.h.cap);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 5, .flags = TH_ACK }));
	sent = cap_port_sent(t.h.cap);
	grab_to(&t, 0);
	tcp_close(t.h.s, t.c);
	t.c = NULL;
	closed = STATS(&t)->tcps_closed;
	/* Backing off to 64 s, twelve times: well under 15 minutes. */
	for (unsigned i = 0; i < 15 * 60 && STATS(&t)->tcps_closed == closed; i++)
		h_one_run_ms(&t.h, 1000);
	CHECK_EQ(STATS(&t)->tcps_closed, closed + 1);
	CHECK(STATS(&t)->tcps_sndretry >= 12);
	CHECK_EQ(cap_port_sent(t.h.cap), sent);
	release();
	t_teardown(&t);
}

/* A delayed ACK whose buffer is missing is sent by the same timer later. */
TEST(ack_that_finds_no_buffer_is_sent_by_the_delayed_ack_timer)
{
	struct t t;
	unsigned sent;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 1, .flags = TH_ACK,
	                         PAYLOAD("abc") }));
	sent = cap_port_sent(t.h.cap);
	grab_to(&t, 0);
	h_one_run_ms(&t.h, 45); /* the delayed ACK is due at 40 ms: no buffer */
	CHECK_EQ(cap_port_sent(t.h.cap), sent);
	CHECK(STATS(&t)->tcps_sndretry >= 1);
	release();
	EXPECT_SENT(&t, WITHIN_MS(40),
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 4, .flags = TH_ACK }));
	t_teardown(&t);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
