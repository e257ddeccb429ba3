/* test_multi.c: N stacks in one process, each owning queue i of one port
 * (threads mode's shape), on the in-memory link and virtual time
 * (tests/harness: h_multi).  A peer stack talks to them.
 *
 * Hardware RSS (h_multi_create): the link steers what the peer sends as a
 * NIC would, by the Toeplitz hash of the ports' own key and RETA (ARP, which
 * a NIC cannot hash, to queue 0).  Software RSS (h_multi_create_soft): the
 * link spreads frames by another hash, or puts them all on one queue, and
 * the stacks hand each frame to its owner.  Shown:
 *  - ARP: one stack answers a request, every stack learns from it; a reply
 *    reaches the stack that asked, whichever queue it lands on;
 *  - TCP: connections from the peer and to the peer land on one stack and
 *    stay there (data echoed byte for byte, no RST anywhere), with hardware
 *    and with software RSS (4 queues by another hash, and 1 queue);
 *  - the ephemeral ports of connect and of an unbound sendto hash, with the
 *    port's key and RETA, to the calling stack, and exhaustion is per stack;
 *  - ICMP errors reach the stack owning the flow they quote;
 *  - a full ring drops under rss.rss_ring_full, nothing is lost uncounted;
 *  - descriptors, listeners and counters are per stack; ff_stats_total_*
 *    sums them over the process; ff_stack_index / ff_stack_count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ff_api.h"
#include "harness.h"
#include "stack/proc.h"

#define N 4
#define NCONN 64
#define US_IP "198.18.0.1"
#define PEER_IP "198.18.0.2"

static int64_t knobs[KNOB_COUNT];

static const int64_t *knobs_with(int id, int64_t v)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	if (id >= 0)
		knobs[id] = v;
	return knobs;
}

static uint64_t stat_of(struct stack *s, const char *name)
{
	uint64_t v = 0;

	stack_set_current(s);
	if (ff_stats_get(name, &v) < 0)
		harness_fail(__FILE__, __LINE__, "no counter %s", name);
	return v;
}

static uint64_t total_of(const char *name)
{
	uint64_t v = 0;

	if (ff_stats_total_get(name, &v) < 0)
		harness_fail(__FILE__, __LINE__, "no total %s", name);
	return v;
}

/* The stack that owns the flow between the peer's port and ours, by the
 * ports' own RSS. */
static unsigned owner_of(const struct h_multi *h, uint16_t peer_port, uint16_t our_port)
{
	return rss_stack_v4(&h->rss, h_ip4(PEER_IP), h_ip4(US_IP), htons(peer_port),
	                    htons(our_port));
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (ff_getsockname(fd, (struct linux_sockaddr *)&a, &alen) < 0)
		return 0;
	return ntohs(a.sin_port);
}

/* A UDP socket bound to port on every stack: fd[i] on stack i. */
static void udp_bind_everywhere(struct h_multi *h, int *fd, uint16_t port)
{
	struct sockaddr_in a;

	for (unsigned i = 0; i < h->n; i++) {
		stack_set_current(h->s[i]);
		fd[i] = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_bind(fd[i], h_sin4(&a, NULL, port), sizeof(a)), 0);
	}
}

TEST(context_and_index)
{
	static struct h_multi h;

	h_multi_create(&h, N, NULL, NULL, NULL);
	CHECK_EQ(ff_stack_count(), N);
	CHECK_EQ(proc_get()->nstacks, N);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		CHECK_EQ(ff_stack_index(), i);
	}
	h_multi_destroy(&h);
	CHECK_EQ(proc_get()->nstacks, 0);
}

TEST(hash_is_the_nics_toeplitz_and_the_key_symmetric)
{
	struct port_rss r;

	CHECK_EQ(rss_init(&r, N, N, 0, 0, false), 0);
	for (uint32_t i = 1; i < 500; i++) {
		uint32_t a = htonl(0xc6120000u + i * 7919u), b = htonl(0xc6120001u + i * 104729u);
		uint16_t pa = htons((uint16_t)(i * 31u)), pb = htons((uint16_t)(80u + i));

		CHECK_EQ(rss_hash_v4(&r, a, b, pa, pb), rss_hash_v4(&r, b, a, pb, pa));
	}
	/* The hash is the NIC's Toeplitz, input in the NIC's order (source
	 * address, destination address, source port, destination port): the
	 * verification example of Microsoft's RSS specification, with its
	 * key. */
	{
		static const uint8_t ms_key[40] = {
			0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
			0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
			0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
			0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
		};

		memcpy(r.key, ms_key, sizeof(ms_key));
		CHECK_EQ(rss_hash_v4(&r, h_ip4("66.9.149.187"), h_ip4("161.142.100.80"),
		                     htons(2794), htons(1766)),
		         0x51ccc178u);
		CHECK_EQ(rss_hash_v4(&r, h_ip4("66.9.149.187"), h_ip4("161.142.100.80"), 0, 0),
		         0x323e8fc2u);
	}
	/* A non-power-of-two table, a key too short: refused. */
	CHECK_EQ(rss_init(&r, N, N, 0, 100, false), -EINVAL);
	CHECK_EQ(rss_init(&r, N, N, 8, 0, false), -EINVAL);
	CHECK_EQ(rss_init(&r, 2, 3, 0, 0, false), -EINVAL);
}

/* One stack answers a request (the one whose queue got it); every stack
 * learns the asker from its copy. */
TEST(arp_request_answered_once_learnt_everywhere)
{
	static struct h_multi h;
	struct sockaddr_in a;
	char buf[16];
	int pfd, fd[N];
	unsigned q;

	h_multi_create(&h, N, NULL, NULL, knobs_with(KNOB_ARP_GRATUITOUS, 0));
	udp_bind_everywhere(&h, fd, 7);
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(pfd, h_sin4(&a, NULL, 5000), sizeof(a)), 0);
	CHECK_EQ(ff_sendto(pfd, "ping", 4, 0, h_sin4(&a, US_IP, 7), sizeof(a)), 4);
	h_multi_run_ms(&h, 5);

	CHECK_EQ(stat_of(h.peer, "arp.arp_txrequests"), 1);
	CHECK_EQ(stat_of(h.peer, "arp.arp_rxreplies"), 1);
	CHECK_EQ(stat_of(h.s[0], "arp.arp_txreplies"), 1);
	CHECK_EQ(stat_of(h.s[0], "rss.rss_copies"), N - 1);
	for (unsigned i = 0; i < N; i++) {
		CHECK_EQ(stat_of(h.s[i], "arp.arp_rxrequests"), 1);
		if (i > 0) {
			CHECK_EQ(stat_of(h.s[i], "arp.arp_txreplies"), 0);
			CHECK_EQ(stat_of(h.s[i], "rss.rss_copies_in"), 1);
		}
	}

	/* The datagram reached the one stack its flow hashes to. */
	q = owner_of(&h, 5000, 7);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		CHECK_EQ(ff_recv(fd[i], buf, sizeof(buf), 0), i == q ? 4 : -1);
	}
	CHECK_EQ(total_of("udp.udps_delivered"), 1);

	/* Every stack learnt the peer from its copy: each sends to it
	 * without asking. */
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		snprintf(buf, sizeof(buf), "from %u", i);
		CHECK_EQ(ff_sendto(fd[i], buf, 6, 0, h_sin4(&a, PEER_IP, 5000), sizeof(a)), 6);
	}
	h_multi_run_ms(&h, 2);
	CHECK_EQ(total_of("arp.arp_txrequests"), 0);
	stack_set_current(h.peer);
	for (unsigned i = 0; i < N; i++)
		CHECK_EQ(ff_recv(pfd, buf, sizeof(buf), 0), 6);
	CHECK_EQ(total_of("udp.udps_opackets"), N);
	h_multi_destroy(&h);
}

/* Stack 2 asks; the reply lands on another queue (0 with hardware RSS,
 * which cannot hash ARP); the asker resolves from its copy and sends what
 * it held.  The reply is addressed to the address every stack has, so every
 * stack learns the peer from it and none needs to ask again. */
static void arp_reply_reaches_asker(struct h_multi *h)
{
	struct sockaddr_in a;
	char buf[16];
	int pfd, fd;

	stack_set_current(h->peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(pfd, h_sin4(&a, NULL, 5000), sizeof(a)), 0);
	for (unsigned k = 0; k < N; k++) {
		unsigned i = (k + 2) % N;

		stack_set_current(h->s[i]);
		fd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_sendto(fd, "held", 4, 0, h_sin4(&a, PEER_IP, 5000), sizeof(a)), 4);
		h_multi_run_ms(h, 6); /* through stack 0's queue: a pass more each way */
		CHECK_EQ(stat_of(h->s[i], "arp.arp_rxreplies"), 1);
		stack_set_current(h->peer);
		CHECK_EQ(ff_recv(pfd, buf, sizeof(buf), 0), 4);
	}
	CHECK_EQ(stat_of(h->s[2], "arp.arp_txrequests"), 1);
	CHECK_EQ(stat_of(h->s[2], "arp.arp_held"), 1);
	CHECK_EQ(total_of("arp.arp_txrequests"), 1);
	CHECK_EQ(total_of("arp.arp_held"), 1);
	CHECK_EQ(total_of("rss.rss_copies"), N - 1);
	CHECK_EQ(total_of("rss.rss_ring_full"), 0);
}

TEST(arp_reply_reaches_the_stack_that_asked)
{
	static struct h_multi h;

	h_multi_create(&h, N, NULL, NULL, knobs_with(KNOB_ARP_GRATUITOUS, 0));
	arp_reply_reaches_asker(&h);
	h_multi_destroy(&h);
	h_multi_create_soft(&h, N, 1, knobs_with(KNOB_ARP_GRATUITOUS, 0));
	arp_reply_reaches_asker(&h);
	h_multi_destroy(&h);
}

/* NCONN connections from the peer to port 80, on which every stack
 * listens, and NCONN from the stacks (in turn) to the peer's port 8080;
 * each echoes 8 bytes back.  Every connection stays on one stack, the one
 * the ports' RSS names. */
static void tcp_both_directions(struct h_multi *h)
{
	int lfd[N], cfd[NCONN], sfd[N][NCONN], nacc[N] = { 0 }, want[N] = { 0 };
	int afd[NCONN], plfd, pafd[NCONN], npa = 0;
	struct sockaddr_in a;
	socklen_t alen;
	char buf[32];

	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h->s[i]);
		lfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_bind(lfd[i], h_sin4(&a, NULL, 80), sizeof(a)), 0);
		CHECK_EQ(ff_listen(lfd[i], NCONN), 0);
		CHECK_EQ(lfd[i], lfd[0]); /* descriptor tables are per stack */
	}
	stack_set_current(h->peer);
	plfd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(plfd, h_sin4(&a, NULL, 8080), sizeof(a)), 0);
	CHECK_EQ(ff_listen(plfd, NCONN), 0);
	for (unsigned c = 0; c < NCONN; c++) {
		stack_set_current(h->peer);
		cfd[c] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_connect(cfd[c], h_sin4(&a, US_IP, 80), sizeof(a)), -1);
		CHECK_EQ(errno, EINPROGRESS);
		want[owner_of(h, local_port(cfd[c]), 80)]++;
		/* Active opens from stack c % N. */
		stack_set_current(h->s[c % N]);
		afd[c] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_connect(afd[c], h_sin4(&a, PEER_IP, 8080), sizeof(a)), -1);
		CHECK_EQ(errno, EINPROGRESS);
		CHECK_EQ(owner_of(h, 8080, local_port(afd[c])), c % N);
		if (c == 0) { /* ARP first: the others need not wait in its hold queue */
			h_multi_run_ms(h, 3);
		}
	}
	h_multi_run_ms(h, 10);

	/* Each stack accepted exactly the connections that hash to it. */
	for (unsigned i = 0; i < N; i++) {
		int fd;

		stack_set_current(h->s[i]);
		while ((fd = ff_accept(lfd[i], NULL, NULL)) >= 0) {
			alen = sizeof(a);
			CHECK_EQ(ff_getpeername(fd, (struct linux_sockaddr *)&a, &alen), 0);
			CHECK_EQ(owner_of(h, ntohs(a.sin_port), 80), i);
			sfd[i][nacc[i]++] = fd;
		}
		CHECK_EQ(errno, EAGAIN);
		CHECK_EQ(nacc[i], want[i]);
		CHECK(want[i] > 0, "stack %u got no connection", i);
	}
	stack_set_current(h->peer);
	while (npa < NCONN && (pafd[npa] = ff_accept(plfd, NULL, NULL)) >= 0)
		npa++;
	CHECK_EQ(npa, NCONN);

	/* Data both ways: the accepting side echoes what it reads. */
	for (unsigned c = 0; c < NCONN; c++) {
		stack_set_current(h->peer);
		snprintf(buf, sizeof(buf), "conn %03u", c);
		CHECK_EQ(ff_write(cfd[c], buf, 8), 8);
		stack_set_current(h->s[c % N]);
		snprintf(buf, sizeof(buf), "actv %03u", c);
		CHECK_EQ(ff_write(afd[c], buf, 8), 8);
	}
	h_multi_run_ms(h, 5);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h->s[i]);
		for (int k = 0; k < nacc[i]; k++) {
			CHECK_EQ(ff_read(sfd[i][k], buf, sizeof(buf)), 8);
			CHECK_EQ(ff_write(sfd[i][k], buf, 8), 8);
		}
	}
	stack_set_current(h->peer);
	for (int k = 0; k < npa; k++) {
		CHECK_EQ(ff_read(pafd[k], buf, sizeof(buf)), 8);
		CHECK_EQ(ff_write(pafd[k], buf, 8), 8);
	}
	h_multi_run_ms(h, 5);
	for (unsigned c = 0; c < NCONN; c++) {
		char want_buf[16];

		stack_set_current(h->peer);
		memset(buf, 0, sizeof(buf));
		snprintf(want_buf, sizeof(want_buf), "conn %03u", c);
		CHECK_EQ(ff_read(cfd[c], buf, sizeof(buf)), 8);
		CHECK(memcmp(buf, want_buf, 8) == 0, "conn %u read '%.8s'", c, buf);
		stack_set_current(h->s[c % N]);
		memset(buf, 0, sizeof(buf));
		snprintf(want_buf, sizeof(want_buf), "actv %03u", c);
		CHECK_EQ(ff_read(afd[c], buf, sizeof(buf)), 8);
		CHECK(memcmp(buf, want_buf, 8) == 0, "active %u read '%.8s'", c, buf);
	}

	/* No stack saw another's segment: no RST anywhere. */
	CHECK_EQ(total_of("tcp.tcps_sndrst"), 0);
	CHECK_EQ(stat_of(h->peer, "tcp.tcps_sndrst"), 0);
	CHECK_EQ(stat_of(h->peer, "tcp.tcps_rcvreset"), 0);
	CHECK_EQ(total_of("tcp.tcps_connects"), NCONN);
	CHECK_EQ(total_of("tcp.tcps_accepts"), NCONN);
	CHECK_EQ(total_of("rss.rss_ring_full"), 0);
}

TEST(tcp_both_directions_hardware_rss)
{
	static struct h_multi h;

	h_multi_create(&h, N, NULL, NULL, NULL);
	tcp_both_directions(&h);
	CHECK_EQ(total_of("rss.rss_handed_out"), 0); /* the NIC steered every segment */
	h_multi_destroy(&h);
}

TEST(tcp_both_directions_software_rss_four_queues)
{
	static struct h_multi h;

	h_multi_create_soft(&h, N, N, NULL);
	tcp_both_directions(&h);
	CHECK(total_of("rss.rss_handed_out") > 0);
	CHECK_EQ(total_of("rss.rss_handed_out"), total_of("rss.rss_handed_in"));
	h_multi_destroy(&h);
}

/* One queue: stack 0 receives everything and hands over what is not its
 * own; stacks 1..3 send through stack 0's queue. */
TEST(tcp_both_directions_software_rss_one_queue)
{
	static struct h_multi h;

	h_multi_create_soft(&h, N, 1, NULL);
	tcp_both_directions(&h);
	CHECK(stat_of(h.s[0], "rss.rss_handed_out") > 0);
	for (unsigned i = 1; i < N; i++) {
		CHECK_EQ(stat_of(h.s[i], "port.rx_packets"), 0);
		CHECK(stat_of(h.s[i], "rss.rss_handed_in") > 0);
		CHECK(stat_of(h.s[i], "rss.rss_tx_proxied") > 0);
	}
	CHECK_EQ(total_of("rss.rss_handed_out"), total_of("rss.rss_handed_in"));
	h_multi_destroy(&h);
}

/* The port an unbound sendto takes hashes to the sender's stack; so do the
 * ports of connect.  The range is shared out: each stack gets its share and
 * then EADDRNOTAVAIL. */
TEST(ephemeral_ports_hash_to_their_stack)
{
	static struct h_multi h;
	struct sockaddr_in a;
	unsigned got[N] = { 0 };
	char buf[8];
	int fd, pfd;

	h_multi_create(&h, N, NULL, NULL,
	               knobs_with(KNOB_TCP_PORTRANGE_FIRST, 65536 - 64)); /* 64 ports */
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(pfd, h_sin4(&a, NULL, 53), sizeof(a)), 0);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		for (;;) {
			fd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
			CHECK(fd >= 0);
			if (ff_sendto(fd, "q", 1, 0, h_sin4(&a, PEER_IP, 53), sizeof(a)) < 0)
				break;
			CHECK_EQ(owner_of(&h, 53, local_port(fd)), i);
			got[i]++;
		}
		CHECK_EQ(errno, EADDRNOTAVAIL);
		ff_close(fd);
	}
	/* The 64 ports split among the stacks as the RETA does. */
	CHECK_EQ(got[0] + got[1] + got[2] + got[3], 64);
	for (unsigned i = 0; i < N; i++)
		CHECK(got[i] > 0, "stack %u: no port of 64 hashes to it", i);
	h_multi_run_ms(&h, 5);
	/* Each datagram arrived; the peer's answers reach their senders. */
	stack_set_current(h.peer);
	for (unsigned k = 0; k < 64; k++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);

		CHECK_EQ(
		    ff_recvfrom(pfd, buf, sizeof(buf), 0, (struct linux_sockaddr *)&from, &flen),
		    1);
		CHECK_EQ(ff_sendto(pfd, "r", 1, 0, (struct linux_sockaddr *)&from, flen), 1);
	}
	h_multi_run_ms(&h, 5);
	for (unsigned i = 0; i < N; i++)
		CHECK_EQ(stat_of(h.s[i], "udp.udps_delivered"), got[i]);
	CHECK_EQ(total_of("udp.udps_noport"), 0);

	/* TCP connect: the same share of the same 64 ports, counted from the
	 * hash for the peer's port 8080 (nothing needs to listen: the SYNs
	 * are not answered within the test). */
	for (unsigned i = 0; i < N; i++) {
		unsigned want = 0, n = 0;

		for (unsigned p = 65536 - 64; p < 65536; p++)
			want += owner_of(&h, 8080, (uint16_t)p) == i;
		stack_set_current(h.s[i]);
		for (;;) {
			fd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			CHECK(fd >= 0);
			if (ff_connect(fd, h_sin4(&a, PEER_IP, 8080), sizeof(a)) < 0 &&
			    errno != EINPROGRESS)
				break;
			CHECK_EQ(owner_of(&h, 8080, local_port(fd)), i);
			n++;
		}
		CHECK_EQ(errno, EADDRNOTAVAIL);
		ff_close(fd);
		CHECK_EQ(n, want);
	}
	h_multi_destroy(&h);
}

/* Stack i sends to a closed port of the peer; the peer's port unreachable
 * quotes the datagram; the NIC hashes the error by its addresses alone,
 * and the stack that gets it hands it to stack i, whose connected socket
 * reports ECONNREFUSED. */
static void icmp_error_to_owner(struct h_multi *h)
{
	struct sockaddr_in a;
	char buf[8];
	int fd[N];

	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h->s[i]);
		fd[i] = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_connect(fd[i], h_sin4(&a, PEER_IP, 9), sizeof(a)), 0);
		CHECK_EQ(owner_of(h, 9, local_port(fd[i])), i);
		CHECK_EQ(ff_send(fd[i], "x", 1, 0), 1);
	}
	h_multi_run_ms(h, 5);
	CHECK_EQ(stat_of(h->peer, "icmp.icps_error"), N);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h->s[i]);
		CHECK_EQ(ff_recv(fd[i], buf, sizeof(buf), 0), -1);
		CHECK_EQ(errno, ECONNREFUSED);
		CHECK_EQ(stat_of(h->s[i], "icmp.icps_ctlinput"), 1);
	}
}

TEST(icmp_errors_reach_the_stack_of_the_quoted_flow)
{
	static struct h_multi h;

	h_multi_create(&h, N, NULL, NULL, NULL);
	icmp_error_to_owner(&h);
	/* All N errors came from one address pair: one queue got them all. */
	CHECK_EQ(total_of("rss.rss_handed_out"), N - 1);
	h_multi_destroy(&h);
	h_multi_create_soft(&h, N, 1, NULL);
	icmp_error_to_owner(&h);
	h_multi_destroy(&h);
}

/* A ring of 4: stack 0 alone receives 64 datagrams in one pass, most for
 * the others; what does not fit is dropped and counted, the rest
 * delivered. */
TEST(full_ring_drops_are_counted)
{
	static struct h_multi h;
	struct sockaddr_in a;
	uint64_t delivered, dropped, want_out = 0, delivered_before = 0, handed_before;
	int pfd, fd[N];

	h_multi_create_soft(&h, N, 1, knobs_with(KNOB_RSS_RING, 4));
	udp_bind_everywhere(&h, fd, 7);
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_sendto(pfd, "arp", 3, 0, h_sin4(&a, US_IP, 7), sizeof(a)), 3);
	h_multi_run_ms(&h, 10); /* the peer has resolved us */
	stack_set_current(h.peer);
	ff_close(pfd);
	for (unsigned i = 0; i < N; i++) {
		char buf[8];

		stack_set_current(h.s[i]);
		while (ff_recv(fd[i], buf, sizeof(buf), 0) > 0)
			delivered_before++;
	}
	handed_before = stat_of(h.s[0], "rss.rss_handed_out");
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	for (uint16_t k = 0; k < 64; k++) {
		CHECK_EQ(ff_bind(pfd, h_sin4(&a, NULL, (uint16_t)(20000 + k)), sizeof(a)), 0);
		CHECK_EQ(ff_sendto(pfd, "d", 1, 0, h_sin4(&a, US_IP, 7), sizeof(a)), 1);
		ff_close(pfd);
		pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (owner_of(&h, (uint16_t)(20000 + k), 7) != 0)
			want_out++;
	}
	h_multi_run_ms(&h, 3);
	CHECK_EQ(delivered_before, 1);
	delivered = total_of("udp.udps_delivered") - delivered_before;
	dropped = stat_of(h.s[0], "rss.rss_ring_full");
	CHECK(dropped > 0);
	CHECK_EQ(stat_of(h.s[0], "rss.rss_handed_out") - handed_before + dropped, want_out);
	CHECK_EQ(delivered + dropped, 64);
	h_multi_destroy(&h);
}

/* A test's own steering: everything to the last queue (ARP too).  That
 * stack answers and copies ARP to the others; the others' ports receive
 * nothing. */
static int steer_last(void *arg, const struct rte_mbuf *m, unsigned nqueues)
{
	(void)m;
	(*(unsigned *)arg)++;
	return (int)nqueues - 1;
}

TEST(steering_given_by_the_test)
{
	static struct h_multi h;
	struct sockaddr_in a;
	unsigned steered = 0;
	int pfd;

	h_multi_create(&h, N, steer_last, &steered, NULL);
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_sendto(pfd, "x", 1, 0, h_sin4(&a, US_IP, 9), sizeof(a)), 1);
	h_multi_run_ms(&h, 5);
	CHECK(steered >= 2); /* the ARP request and the datagram */
	for (unsigned i = 0; i + 1 < N; i++)
		CHECK_EQ(stat_of(h.s[i], "port.rx_packets"), 0);
	CHECK_EQ(total_of("arp.arp_txreplies"), 1);
	CHECK_EQ(stat_of(h.s[N - 1], "arp.arp_txreplies"), 1);
	CHECK_EQ(stat_of(h.s[N - 1], "udp.udps_ipackets"), 1);
	CHECK_EQ(total_of("udp.udps_ipackets"), 1);
	h_multi_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
