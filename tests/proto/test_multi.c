/* test_multi.c: N stacks in one process, each owning queue i of one port
 * (threads mode's shape), on the in-memory link and virtual time
 * (tests/harness: h_multi).  A peer stack talks to them; what it sends is
 * steered to queue h_flow_hash(4-tuple) % N, ARP to every queue.  Shown:
 *  - ARP: a request reaches every stack, each answers and learns the peer
 *    (none needs to ask afterwards);
 *  - TCP: 64 connections from the peer land on the stack the hash names
 *    and stay there (data echoed byte for byte, no stack sends a RST for
 *    another's connection);
 *  - UDP: a datagram reaches the stack its flow hashes to, only that one;
 *  - descriptors, listeners and counters are per stack; ff_stats_total_*
 *    sums them over the process; ff_stack_index / ff_stack_count.
 * Active opens from the N stacks are not shown: their ephemeral ports do not
 * follow the hash yet (issue 9, RSS-aware ports).
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

/* The queue the peer's frames of flow (peer_port -> our port) go to. */
static unsigned queue_of(uint16_t peer_port, uint16_t our_port)
{
	return h_flow_hash(h_ip4(PEER_IP), h_ip4(US_IP), htons(peer_port), htons(our_port)) % N;
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

TEST(arp_reaches_every_stack)
{
	static struct h_multi h;
	struct sockaddr_in a;
	char buf[16];
	int pfd, fd[N], q;

	h_multi_create(&h, N, NULL, NULL, NULL);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		fd[i] = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_bind(fd[i], h_sin4(&a, NULL, 7), sizeof(a)), 0);
	}
	stack_set_current(h.peer);
	pfd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(pfd, h_sin4(&a, NULL, 5000), sizeof(a)), 0);
	CHECK_EQ(ff_sendto(pfd, "ping", 4, 0, h_sin4(&a, US_IP, 7), sizeof(a)), 4);
	h_multi_run_ms(&h, 5);

	/* The peer's gratuitous ARP and its request went to every queue;
	 * every stack answered the request. */
	CHECK_EQ(stat_of(h.peer, "arp.arp_txgratuitous"), 1);
	CHECK_EQ(stat_of(h.peer, "arp.arp_txrequests"), 1);
	CHECK_EQ(stat_of(h.peer, "arp.arp_rxreplies"), N);
	for (unsigned i = 0; i < N; i++) {
		CHECK_EQ(stat_of(h.s[i], "arp.arp_rxrequests"), 2);
		CHECK_EQ(stat_of(h.s[i], "arp.arp_txreplies"), 1);
	}
	CHECK_EQ(total_of("arp.arp_rxrequests"), 2 * N);

	/* The datagram reached the one stack its flow hashes to. */
	q = (int)queue_of(5000, 7);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		CHECK_EQ(ff_recv(fd[i], buf, sizeof(buf), 0), (int)i == q ? 4 : -1);
		CHECK_EQ(stat_of(h.s[i], "udp.udps_delivered"), (int)i == q ? 1 : 0);
	}
	CHECK_EQ(total_of("udp.udps_delivered"), 1);

	/* Every stack learnt the peer from the request: each sends to it
	 * without asking. */
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		snprintf(buf, sizeof(buf), "from %u", i);
		CHECK_EQ(ff_sendto(fd[i], buf, 6, 0, h_sin4(&a, PEER_IP, 5000), sizeof(a)), 6);
	}
	h_multi_run_ms(&h, 2);
	for (unsigned i = 0; i < N; i++)
		CHECK_EQ(stat_of(h.s[i], "arp.arp_txrequests"), 0);
	stack_set_current(h.peer);
	for (unsigned i = 0; i < N; i++)
		CHECK_EQ(ff_recv(pfd, buf, sizeof(buf), 0), 6);
	CHECK_EQ(total_of("udp.udps_opackets"), N);
	h_multi_destroy(&h);
}

TEST(tcp_connections_stay_on_their_stack)
{
	static struct h_multi h;
	int lfd[N], cfd[NCONN], sfd[N][NCONN], nacc[N] = { 0 }, want[N] = { 0 };
	uint16_t cport[NCONN];
	struct sockaddr_in a;
	socklen_t alen;
	uint64_t rcvpack = 0;
	char buf[32];

	h_multi_create(&h, N, NULL, NULL, NULL);
	/* Every stack listens on port 80: its own listener, its own
	 * descriptor table (the same first descriptor on each). */
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		lfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_bind(lfd[i], h_sin4(&a, NULL, 80), sizeof(a)), 0);
		CHECK_EQ(ff_listen(lfd[i], NCONN), 0);
		CHECK_EQ(lfd[i], lfd[0]);
	}
	stack_set_current(h.peer);
	for (unsigned c = 0; c < NCONN; c++) {
		cfd[c] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_EQ(ff_connect(cfd[c], h_sin4(&a, US_IP, 80), sizeof(a)), -1);
		CHECK_EQ(errno, EINPROGRESS);
		alen = sizeof(a);
		CHECK_EQ(ff_getsockname(cfd[c], (struct linux_sockaddr *)&a, &alen), 0);
		cport[c] = ntohs(a.sin_port);
		want[queue_of(cport[c], 80)]++;
		if (c == 0) { /* ARP first: the others need not wait in its hold queue */
			h_multi_run_ms(&h, 2);
			stack_set_current(h.peer);
		}
	}
	h_multi_run_ms(&h, 10);

	/* Each stack accepted exactly the connections that hash to it. */
	for (unsigned i = 0; i < N; i++) {
		int fd;

		stack_set_current(h.s[i]);
		while ((fd = ff_accept(lfd[i], NULL, NULL)) >= 0) {
			alen = sizeof(a);
			CHECK_EQ(ff_getpeername(fd, (struct linux_sockaddr *)&a, &alen), 0);
			CHECK_EQ(queue_of(ntohs(a.sin_port), 80), i);
			sfd[i][nacc[i]++] = fd;
		}
		CHECK_EQ(errno, EAGAIN);
		CHECK_EQ(nacc[i], want[i]);
		CHECK(want[i] > 0, "stack %u got no connection: pick another seed", i);
	}

	/* Data both ways: each stack echoes what it reads. */
	stack_set_current(h.peer);
	for (unsigned c = 0; c < NCONN; c++) {
		snprintf(buf, sizeof(buf), "conn %03u", c);
		CHECK_EQ(ff_write(cfd[c], buf, 8), 8);
	}
	h_multi_run_ms(&h, 5);
	for (unsigned i = 0; i < N; i++) {
		stack_set_current(h.s[i]);
		for (int k = 0; k < nacc[i]; k++) {
			CHECK_EQ(ff_read(sfd[i][k], buf, sizeof(buf)), 8);
			CHECK_EQ(ff_write(sfd[i][k], buf, 8), 8);
		}
	}
	h_multi_run_ms(&h, 5);
	stack_set_current(h.peer);
	for (unsigned c = 0; c < NCONN; c++) {
		char want_buf[16];

		memset(buf, 0, sizeof(buf));
		snprintf(want_buf, sizeof(want_buf), "conn %03u", c);
		CHECK_EQ(ff_read(cfd[c], buf, sizeof(buf)), 8);
		CHECK(memcmp(buf, want_buf, 8) == 0, "conn %u read '%.8s'", c, buf);
	}

	/* No stack saw another's segment: no RST anywhere; per-stack counters
	 * add up to the total. */
	CHECK_EQ(total_of("tcp.tcps_sndrst"), 0);
	CHECK_EQ(stat_of(h.peer, "tcp.tcps_rcvreset"), 0);
	for (unsigned i = 0; i < N; i++) {
		uint64_t v = stat_of(h.s[i], "tcp.tcps_rcvpack");

		CHECK(v >= (uint64_t)nacc[i]);
		rcvpack += v;
	}
	CHECK_EQ(total_of("tcp.tcps_rcvpack"), rcvpack);
	h_multi_destroy(&h);
}

/* A test's own steering: everything to the last queue (ARP too).  Only
 * that stack answers, and the others see nothing. */
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
