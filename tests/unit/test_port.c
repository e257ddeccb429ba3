/* test_port.c: the port layer (src/port): TX buffering and accounting, the
 * in-memory link, the fault injector, the pcap tap, and an ethdev port on the
 * net_ring PMD (a loopback: what a queue sends, it receives).
 *
 * Self-contained on purpose (no stack, no harness library): it links only
 * the port objects, so it runs while the layers above are being written.
 * Every test ends with a leak check (the pool is full again).
 *
 * Usage: test_port [test-name...]   (no name: all tests)
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <math.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "base/log.h"
#include "base/pkt.h"
#include "port/port.h"
#include "port/port_dpdk.h"
#include "port/port_fault.h"
#include "port/port_memlink.h"
#include "port/port_pcap.h"
#include "port/port_priv.h"

/* ---- a tiny runner ---- */

static unsigned failures;
static const char *cur_test;

static void fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	fprintf(stderr, "%s:%d: %s: ", file, line, cur_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK(cond, ...)                                                           \
	do {                                                                       \
		if (!(cond))                                                       \
			fail(__FILE__, __LINE__, "CHECK(" #cond ") " __VA_ARGS__); \
	} while (0)
#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);                             \
		if (a_ != b_)                                                                   \
			fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, \
			     b_);                                                               \
	} while (0)

/* ---- fixtures ---- */

static struct rte_mempool *pool;
#define POOL_SIZE 4095
static uint64_t now;         /* the fake stack clock (ns) */
static struct port_stats st; /* the fake stack's port counters */
static const struct rte_ether_addr MAC_A = { { 0x02, 0, 0, 0, 0, 0x0a } };
static const struct rte_ether_addr MAC_B = { { 0x02, 0, 0, 0, 0, 0x0b } };

#define US 1000ull
#define MS 1000000ull

/* What stack_add_port() does. */
static struct port *attach(struct port *p)
{
	p->now = &now;
	p->stats = &st;
	return p;
}

#define FRAME_HDRS \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define SEQ_OFF FRAME_HDRS

/* An Ethernet/IPv4/UDP frame 198.18.0.1:1000 -> 198.18.0.2:2000 carrying
 * seq (4 bytes) then a byte pattern; len bytes of payload (>= 4); valid
 * checksums. */
static struct rte_mbuf *mk_frame(uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint8_t *pl;

	if (!m) {
		fail(__FILE__, __LINE__, "pool empty");
		return NULL;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(FRAME_HDRS + len));
	eh->dst_addr = MAC_B;
	eh->src_addr = MAC_A;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*uh) + len));
	ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120001);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120002);
	uh = (struct rte_udp_hdr *)(ip + 1);
	uh->src_port = rte_cpu_to_be_16(1000);
	uh->dst_port = rte_cpu_to_be_16(2000);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = 0;
	pl = (uint8_t *)(uh + 1);
	{
		uint32_t be = rte_cpu_to_be_32(seq);

		memcpy(pl, &be, 4);
	}
	for (uint16_t i = 4; i < len; i++)
		pl[i] = (uint8_t)(seq * 7 + i);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	return m;
}

static uint32_t frame_seq(const struct rte_mbuf *m)
{
	uint32_t v;
	const void *p = rte_pktmbuf_read(m, SEQ_OFF, 4, &v);

	if (!p)
		return UINT32_MAX;
	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

static uint32_t frame_seq_bytes(const uint8_t *data, uint32_t len)
{
	uint32_t v;

	if (len < SEQ_OFF + 4)
		return UINT32_MAX;
	memcpy(&v, data + SEQ_OFF, 4);
	return rte_be_to_cpu_32(v);
}

/* Software check of both checksums: 0 good, -1 IP bad, -2 UDP bad. */
static int frame_cksum_ok(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));

	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		return -1;
	if (rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, sizeof(struct rte_ether_hdr) + sizeof(*ip)))
		return -2;
	return 0;
}

/* tcpdump-like one-liner for failure messages. */
static const char *describe(const struct rte_mbuf *m, char *buf, size_t len)
{
	snprintf(buf, len, "frame len %u segs %u seq %u", m->pkt_len, m->nb_segs, frame_seq(m));
	return buf;
}

/* Copies a frame's bytes into buf (at most cap). */
static uint32_t frame_bytes(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap)
{
	uint32_t n = RTE_MIN(m->pkt_len, cap);

	if (n)
		memcpy(buf, rte_pktmbuf_read(m, 0, n, buf), n);
	return n;
}

static void send_all(struct port *p, uint32_t first, unsigned n, uint16_t len)
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = mk_frame(first + i, len);

		if (m)
			port_tx(p, m);
	}
	port_tx_flush(p);
}

/* Receives everything available (up to max) into out; returns count. */
static unsigned recv_all(struct port *p, struct rte_mbuf **out, unsigned max)
{
	unsigned n = 0;
	uint16_t k;

	do {
		struct rte_mbuf *tmp[32];

		k = port_rx_burst(p, tmp, 32);
		for (uint16_t i = 0; i < k; i++) {
			if (n < max)
				out[n++] = tmp[i];
			else
				rte_pktmbuf_free(tmp[i]);
		}
	} while (k > 0);
	return n;
}

static void free_all(struct rte_mbuf **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(v[i]);
}

static void pair(struct port **a, struct port **b, uint32_t cap)
{
	int rc = port_memlink_pair(a, b, &MAC_A, &MAC_B, cap);

	if (rc < 0) {
		fprintf(stderr, "port_memlink_pair: %s\n", strerror(-rc));
		exit(2);
	}
}

static struct fault_cfg fcfg(double loss, double dup, double reorder, double corrupt,
                             uint32_t delay_us, enum fault_dir dir)
{
	return (struct fault_cfg){ .loss = loss,
		                   .dup = dup,
		                   .reorder = reorder,
		                   .corrupt = corrupt,
		                   .delay_us = delay_us,
		                   .seed = 42,
		                   .dir = dir };
}

/* ---- port.c ---- */

static void test_tx_buffer_early_flush(void)
{
	struct port *a, *b;
	struct rte_mbuf *got[PORT_TX_BUF + 8];
	unsigned n;

	pair(&a, &b, 256);
	attach(a);
	attach(b);
	for (uint32_t i = 0; i < PORT_TX_BUF - 1; i++)
		port_tx(a, mk_frame(i, 10));
	CHECK_EQ(port_memlink_pending(b), 0); /* buffered, not sent */
	port_tx(a, mk_frame(PORT_TX_BUF - 1, 10));
	CHECK_EQ(port_memlink_pending(b), PORT_TX_BUF); /* full buffer went out */
	CHECK_EQ(a->tx_n, 0);
	port_tx(a, mk_frame(PORT_TX_BUF, 10));
	port_tx_flush(a);
	CHECK_EQ(st.tx_packets, PORT_TX_BUF + 1);
	CHECK_EQ(st.tx_bytes, (PORT_TX_BUF + 1) * (FRAME_HDRS + 10));
	CHECK_EQ(st.tx_dropped, 0);
	n = recv_all(b, got, RTE_DIM(got));
	CHECK_EQ(n, PORT_TX_BUF + 1);
	CHECK_EQ(st.rx_packets, PORT_TX_BUF + 1);
	CHECK_EQ(st.rx_bytes, (PORT_TX_BUF + 1) * (FRAME_HDRS + 10));
	free_all(got, n);
	/* Close flushes what is still buffered (it then waits at b, freed by
	 * b's close). */
	port_tx(a, mk_frame(99, 10));
	port_close(a);
	CHECK_EQ(st.tx_packets, PORT_TX_BUF + 2);
	port_close(b);
}

/* ---- memlink ---- */

static void test_memlink_both_ways_in_order(void)
{
	struct port *a, *b;
	struct rte_mbuf *got[64];
	char d[96];
	unsigned n;

	pair(&a, &b, 64);
	attach(a);
	attach(b);
	CHECK(rte_is_same_ether_addr(&a->mac, &MAC_A));
	CHECK(rte_is_same_ether_addr(&b->mac, &MAC_B));
	CHECK_EQ(a->offloads, 0);
	send_all(a, 100, 20, 50);
	send_all(b, 200, 30, 60);
	n = recv_all(b, got, 64);
	CHECK_EQ(n, 20);
	for (unsigned i = 0; i < n; i++) {
		if (frame_seq(got[i]) != 100 + i)
			fail(__FILE__, __LINE__, "b got %s, expected seq %u",
			     describe(got[i], d, sizeof(d)), 100 + i);
		CHECK_EQ(got[i]->ol_flags, 0);
		CHECK(frame_cksum_ok(got[i]) == 0);
	}
	free_all(got, n);
	n = recv_all(a, got, 64);
	CHECK_EQ(n, 30);
	for (unsigned i = 0; i < n; i++)
		if (frame_seq(got[i]) != 200 + i)
			fail(__FILE__, __LINE__, "a got %s, expected seq %u",
			     describe(got[i], d, sizeof(d)), 200 + i);
	free_all(got, n);
	CHECK_EQ(st.tx_packets, 50);
	CHECK_EQ(st.rx_packets, 50);
	port_close(a);
	port_close(b);
}

static void test_memlink_overflow_counted(void)
{
	struct port *a, *b;
	struct rte_mbuf *got[64];
	unsigned n;

	pair(&a, &b, 8);
	attach(a);
	attach(b);
	send_all(a, 0, 20, 10);
	CHECK_EQ(st.tx_packets, 8);
	CHECK_EQ(st.tx_dropped, 12);
	CHECK_EQ(port_memlink_pending(b), 8);
	n = recv_all(b, got, 64);
	CHECK_EQ(n, 8);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(frame_seq(got[i]), i);
	free_all(got, n);
	/* Room again after the receiver drained the queue. */
	send_all(a, 20, 8, 10);
	CHECK_EQ(st.tx_dropped, 12);
	/* Frames in flight both ways at close, closed in both orders. */
	send_all(b, 0, 5, 10);
	port_close(b);
	send_all(a, 0, 3, 10); /* to a closed end: refused */
	CHECK_EQ(st.tx_dropped, 15);
	port_close(a);

	pair(&a, &b, 8);
	attach(a);
	attach(b);
	send_all(a, 0, 5, 10);
	send_all(b, 0, 5, 10);
	port_close(a);
	port_close(b);
}

static void test_memlink_bad_args(void)
{
	struct port *a = NULL, *b = NULL;

	CHECK_EQ(port_memlink_pair(&a, &b, &MAC_A, &MAC_B, 0), -EINVAL);
	CHECK_EQ(port_memlink_pair(&a, &b, &MAC_A, &MAC_B, 1u << 30), -EINVAL);
	CHECK_EQ(port_memlink_pair(&a, &b, NULL, &MAC_B, 8), -EINVAL);
	CHECK(a == NULL && b == NULL);
}

static void test_memlink_oversize_dropped(void)
{
	struct port *a, *b;
	struct rte_mbuf *got[8];
	unsigned n;

	pair(&a, &b, 64);
	attach(a);
	attach(b);
	b->mtu = 100; /* largest frame: 100 + 18 */
	send_all(a, 0, 1, 100 + 18 - FRAME_HDRS);
	send_all(a, 1, 1, 100 + 18 - FRAME_HDRS + 1);
	n = recv_all(b, got, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(st.rx_oversize, 1);
	free_all(got, n);
	port_close(a);
	port_close(b);
}

/* A frame sharing its buffer (a clone, as a TCP retransmission queue keeps)
 * reaches the peer as a copy: the receiver may write into it. */
static void test_memlink_shared_frames_copied(void)
{
	struct port *a, *b;
	struct rte_mbuf *orig = mk_frame(7, 40), *clone, *got[4];
	uint8_t before[128], after[128];
	unsigned n;

	pair(&a, &b, 64);
	attach(a);
	attach(b);
	frame_bytes(orig, before, sizeof(before));
	clone = rte_pktmbuf_clone(orig, pool);
	port_tx(a, clone);
	port_tx_flush(a);
	n = recv_all(b, got, 4);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK(got[0] != clone && RTE_MBUF_DIRECT(got[0]));
		CHECK_EQ(rte_mbuf_refcnt_read(orig), 1); /* the clone was freed */
		rte_pktmbuf_mtod(got[0], uint8_t *)[SEQ_OFF] ^= 0xff;
		frame_bytes(orig, after, sizeof(after));
		CHECK(memcmp(before, after, orig->pkt_len) == 0, "original changed");
	}
	free_all(got, n);
	rte_pktmbuf_free(orig);
	port_close(a);
	port_close(b);
}

/* Pretend offloads: TX fills in what the flags ask, RX gives verdicts. */
static void test_memlink_offloads(void)
{
	struct port *a, *b;
	struct rte_mbuf *m, *got[8];
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	unsigned n;

	pair(&a, &b, 64);
	port_memlink_set_offloads(a, PORT_MEMLINK_OFFLOADS);
	port_memlink_set_offloads(b, PORT_MEMLINK_OFFLOADS);
	CHECK_EQ(a->offloads, PORT_MEMLINK_OFFLOADS);
	attach(a);
	attach(b);
	/* 1: checksums left to the "NIC" (pseudo-header sum in the UDP field,
	 * as DPDK specifies). */
	m = mk_frame(1, 33);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uh = (struct rte_udp_hdr *)(ip + 1);
	ip->hdr_checksum = 0;
	uh->dgram_cksum = rte_ipv4_phdr_cksum(ip, 0);
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
	port_tx(a, m);
	/* 2: complete in software already. */
	port_tx(a, mk_frame(2, 33));
	/* 3: bad UDP checksum; 4: bad IP header checksum. */
	m = mk_frame(3, 33);
	rte_pktmbuf_mtod(m, uint8_t *)[SEQ_OFF + 10] ^= 1;
	port_tx(a, m);
	m = mk_frame(4, 33);
	rte_pktmbuf_mtod(m, uint8_t *)[sizeof(struct rte_ether_hdr) + 8] ^= 1; /* TTL */
	port_tx(a, m);
	port_tx_flush(a);
	n = recv_all(b, got, 8);
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK_EQ(frame_cksum_ok(got[0]), 0);
		CHECK_EQ(got[0]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
		CHECK_EQ(got[0]->ol_flags,
		         RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		CHECK_EQ(got[1]->ol_flags,
		         RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		CHECK_EQ(got[2]->ol_flags,
		         RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD);
		CHECK_EQ(got[3]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
		         RTE_MBUF_F_RX_IP_CKSUM_BAD);
	}
	free_all(got, n);
	/* A clone with offload requests (a TCP retransmission) is copied on
	 * its way and keeps its requests. */
	{
		struct rte_mbuf *orig = mk_frame(6, 500);

		ip = rte_pktmbuf_mtod_offset(orig, struct rte_ipv4_hdr *,
		                             sizeof(struct rte_ether_hdr));
		uh = (struct rte_udp_hdr *)(ip + 1);
		ip->hdr_checksum = 0;
		uh->dgram_cksum = rte_ipv4_phdr_cksum(ip, 0);
		orig->l2_len = sizeof(struct rte_ether_hdr);
		orig->l3_len = sizeof(*ip);
		orig->ol_flags |=
		    RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
		port_tx(a, rte_pktmbuf_clone(orig, pool));
		port_tx_flush(a);
		n = recv_all(b, got, 8);
		CHECK_EQ(n, 1);
		if (n == 1) {
			CHECK_EQ(frame_cksum_ok(got[0]), 0);
			CHECK_EQ(got[0]->ol_flags,
			         RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		}
		free_all(got, n);
		CHECK_EQ(ip->hdr_checksum, 0); /* the original is untouched */
		rte_pktmbuf_free(orig);
	}
	/* Without TX offload on a, the same request goes out unfilled. */
	port_memlink_set_offloads(a, 0);
	m = mk_frame(5, 33);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip->hdr_checksum = 0;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	port_tx(a, m);
	port_tx_flush(a);
	n = recv_all(b, got, 8);
	CHECK_EQ(n, 1);
	if (n == 1)
		CHECK_EQ(got[0]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
		         RTE_MBUF_F_RX_IP_CKSUM_BAD);
	free_all(got, n);
	port_close(a);
	port_close(b);
}

/* ---- fault ---- */

#define PATTERN_MAX 4000

/* Sends n frames a->b through a fault wrapper on a (TX) or b (RX) and
 * returns the seqs b received in pattern[] (count in *got). */
static void fault_run(const struct fault_cfg *f, unsigned n, uint32_t *pattern, unsigned *got)
{
	struct port *a, *b, *w;
	struct rte_mbuf *rx[64];

	pair(&a, &b, 1024);
	w = port_fault_wrap(f->dir == FAULT_DIR_TX ? a : b, f);
	CHECK(w != NULL);
	if (!w)
		exit(2);
	if (f->dir == FAULT_DIR_TX)
		a = w;
	else
		b = w;
	attach(a);
	attach(b);
	*got = 0;
	for (unsigned sent = 0; sent < n;) {
		unsigned k = RTE_MIN(32u, n - sent), r;

		send_all(a, sent, k, 20);
		sent += k;
		r = recv_all(b, rx, RTE_DIM(rx));
		for (unsigned i = 0; i < r; i++) {
			if (pattern && *got < PATTERN_MAX)
				pattern[*got] = frame_seq(rx[i]);
			(*got)++;
		}
		free_all(rx, r);
	}
	port_close(a);
	port_close(b);
}

static void test_fault_seed_deterministic(void)
{
	struct fault_cfg f = fcfg(0.3, 0, 0, 0, 0, FAULT_DIR_RX);
	static uint32_t p1[PATTERN_MAX], p2[PATTERN_MAX], p3[PATTERN_MAX]; /* room for dups */
	unsigned n1, n2, n3;

	memset(&st, 0, sizeof(st));
	fault_run(&f, 2000, p1, &n1);
	CHECK_EQ(st.fault_lost, 2000 - n1);
	fault_run(&f, 2000, p2, &n2);
	CHECK_EQ(n1, n2);
	CHECK(memcmp(p1, p2, sizeof(uint32_t) * RTE_MIN(n1, n2)) == 0, "patterns differ");
	f.seed = 43;
	fault_run(&f, 2000, p3, &n3);
	CHECK(n1 != n3 || memcmp(p1, p3, sizeof(uint32_t) * n1) != 0, "seed ignored");
	/* The same seed on TX gives its own (still reproducible) pattern. */
	f.seed = 42;
	f.dir = FAULT_DIR_TX;
	fault_run(&f, 2000, p3, &n3);
	fault_run(&f, 2000, p2, &n2);
	CHECK(n2 == n3 && memcmp(p2, p3, sizeof(uint32_t) * n2) == 0, "TX patterns differ");
	/* The loss pattern does not move when another probability changes
	 * (duplicates follow their original at once: drop them to compare). */
	f = fcfg(0.3, 0.5, 0, 0, 0, FAULT_DIR_RX);
	fault_run(&f, 2000, p2, &n2);
	n3 = 0;
	for (unsigned i = 0; i < n2; i++)
		if (i == 0 || p2[i] != p2[i - 1])
			p2[n3++] = p2[i];
	CHECK(n2 > n3, "no duplicates");
	CHECK(n1 == n3 && memcmp(p1, p2, sizeof(uint32_t) * n1) == 0, "loss pattern moved %u %u %u",
	      n1, n2, n3);
}

static void test_fault_loss_rate(void)
{
	const unsigned n = 100000;
	const double rates[] = { 0.01, 0.1, 0.5 };

	for (unsigned i = 0; i < RTE_DIM(rates); i++) {
		struct fault_cfg f =
		    fcfg(rates[i], 0, 0, 0, 0, i == 1 ? FAULT_DIR_TX : FAULT_DIR_RX);
		double lost;
		unsigned got;

		memset(&st, 0, sizeof(st));
		fault_run(&f, n, NULL, &got);
		lost = (double)(n - got) / n;
		/* binomial sd <= 0.0016 at n = 100k; allow ~4 sd */
		CHECK(fabs(lost - rates[i]) < 0.006, "rate %.3f: lost %.4f", rates[i], lost);
		CHECK_EQ(st.fault_lost, n - got);
	}
	/* Extremes are exact. */
	{
		struct fault_cfg f = fcfg(1.0, 0, 0, 0, 0, FAULT_DIR_BOTH);
		unsigned got;

		fault_run(&f, 1000, NULL, &got);
		CHECK_EQ(got, 0);
		f.loss = 0;
		f.dup = 1e-300; /* active, but never fires */
		fault_run(&f, 1000, NULL, &got);
		CHECK_EQ(got, 1000);
	}
}

static void test_fault_dup_exact_copies(void)
{
	for (int dir = FAULT_DIR_RX; dir <= FAULT_DIR_TX; dir++) {
		struct fault_cfg f = fcfg(0, 1.0, 0, 0, 0, (enum fault_dir)dir);
		struct port *a, *b, *w;
		struct rte_mbuf *rx[64], *m;
		uint8_t x[256], y[256];
		unsigned n;

		memset(&st, 0, sizeof(st));
		pair(&a, &b, 64);
		w = port_fault_wrap(dir == FAULT_DIR_TX ? a : b, &f);
		if (dir == FAULT_DIR_TX)
			a = attach(w);
		else
			b = attach(w);
		attach(a);
		attach(b);
		m = mk_frame(1, 100);
		port_tx(a, m);
		port_tx(a, mk_frame(2, 4));
		port_tx_flush(a);
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 4);
		CHECK_EQ(st.fault_duplicated, 2);
		for (unsigned i = 0; i + 1 < n; i += 2) {
			uint32_t lx = frame_bytes(rx[i], x, sizeof(x));
			uint32_t ly = frame_bytes(rx[i + 1], y, sizeof(y));

			CHECK(rx[i] != rx[i + 1]);
			CHECK(lx == ly && memcmp(x, y, lx) == 0, "copy %u differs", i / 2);
			CHECK_EQ(frame_seq(rx[i]), i / 2 + 1);
			CHECK(RTE_MBUF_DIRECT(rx[i + 1]) && rte_mbuf_refcnt_read(rx[i + 1]) == 1);
		}
		free_all(rx, n);
		port_close(a);
		port_close(b);
	}
}

static unsigned bit_diff(const uint8_t *x, const uint8_t *y, uint32_t len)
{
	unsigned d = 0;

	for (uint32_t i = 0; i < len; i++)
		d += (unsigned)__builtin_popcount(x[i] ^ y[i]);
	return d;
}

static void test_fault_corrupt_one_bit(void)
{
	for (int dir = FAULT_DIR_RX; dir <= FAULT_DIR_TX; dir++) {
		struct fault_cfg f = fcfg(0, 0, 0, 1.0, 0, (enum fault_dir)dir);
		struct port *a, *b, *w;
		struct rte_mbuf *rx[64], *orig[40];
		uint8_t x[256], y[256];
		unsigned n, hdr_hits = 0, bad_cksum = 0;
		char d[96];

		memset(&st, 0, sizeof(st));
		pair(&a, &b, 64);
		w = port_fault_wrap(dir == FAULT_DIR_TX ? a : b, &f);
		if (dir == FAULT_DIR_TX)
			a = w;
		else
			b = w;
		attach(a);
		attach(b);
		/* Send clones: the originals (kept here) must not change. */
		for (unsigned i = 0; i < 40; i++) {
			orig[i] = mk_frame(i, 30);
			port_tx(a, rte_pktmbuf_clone(orig[i], pool));
		}
		port_tx_flush(a);
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 40);
		CHECK_EQ(st.fault_corrupted, 40);
		for (unsigned i = 0; i < n; i++) {
			uint32_t lx = frame_bytes(orig[i], x, sizeof(x));
			uint32_t ly = frame_bytes(rx[i], y, sizeof(y));
			unsigned bits = lx == ly ? bit_diff(x, y, lx) : 99;

			if (bits != 1)
				fail(__FILE__, __LINE__, "dir %d: %s differs by %u bits", dir,
				     describe(rx[i], d, sizeof(d)), bits);
			if (bit_diff(x, y, FRAME_HDRS))
				hdr_hits++;
			if (frame_cksum_ok(rx[i]) != 0)
				bad_cksum++;
		}
		/* 42 of 72 bytes are headers: the flip lands there too. */
		CHECK(hdr_hits > 5 && hdr_hits < 35, "dir %d: %u header hits", dir, hdr_hits);
		/* Every flip outside the Ethernet header breaks a checksum. */
		CHECK(bad_cksum >= 25, "dir %d: only %u bad checksums", dir, bad_cksum);
		free_all(rx, n);
		free_all(orig, 40);
		port_close(a);
		port_close(b);
	}
}

/* A chain is corrupted anywhere along it, still by exactly one bit. */
static void test_fault_corrupt_chain(void)
{
	struct fault_cfg f = fcfg(0, 0, 0, 1.0, 0, FAULT_DIR_RX);
	struct port *a, *b;
	struct rte_mbuf *rx[64];
	static uint8_t x[1024], y[1024];
	unsigned n, in_tail = 0;

	pair(&a, &b, 64);
	b = attach(port_fault_wrap(b, &f));
	attach(a);
	for (unsigned i = 0; i < 30; i++) {
		struct rte_mbuf *m = mk_frame(i, 60), *tail = rte_pktmbuf_alloc(pool);

		memset(rte_pktmbuf_append(tail, 500), (int)i, 500);
		rte_pktmbuf_chain(m, tail);
		port_tx(a, m);
	}
	port_tx_flush(a);
	n = recv_all(b, rx, 64);
	CHECK_EQ(n, 30);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *want = mk_frame(i, 60);
		uint32_t lx, ly;

		memset(rte_pktmbuf_append(want, 500), (int)i, 500);
		lx = frame_bytes(want, x, sizeof(x));
		ly = frame_bytes(rx[i], y, sizeof(y));
		CHECK(lx == ly && bit_diff(x, y, lx) == 1, "frame %u: %u bits differ", i,
		      lx == ly ? bit_diff(x, y, lx) : 99);
		CHECK_EQ(rx[i]->nb_segs, 2);
		if (lx == ly && bit_diff(x + FRAME_HDRS + 60, y + FRAME_HDRS + 60, 500))
			in_tail++;
		rte_pktmbuf_free(want);
	}
	CHECK(in_tail > 10, "only %u flips in the second segment", in_tail);
	free_all(rx, n);
	port_close(a);
	port_close(b);
}

/* On TX, checksums the NIC was to fill in are filled in before the flip,
 * so the receiver sees wire corruption (a bad checksum), not a frame that
 * the NIC made valid again. */
static void test_fault_corrupt_tx_offload(void)
{
	struct fault_cfg f = fcfg(0, 0, 0, 1.0, 0, FAULT_DIR_TX);
	struct port *a, *b;
	struct rte_mbuf *rx[64];
	unsigned n, bad = 0, flagged = 0;

	pair(&a, &b, 64);
	port_memlink_set_offloads(a, PORT_MEMLINK_OFFLOADS);
	port_memlink_set_offloads(b, PORT_MEMLINK_OFFLOADS);
	a = attach(port_fault_wrap(a, &f));
	attach(b);
	CHECK_EQ(a->offloads, PORT_MEMLINK_OFFLOADS);
	for (unsigned i = 0; i < 40; i++) {
		struct rte_mbuf *m = mk_frame(i, 200);
		struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		ip->hdr_checksum = 0;
		uh->dgram_cksum = rte_ipv4_phdr_cksum(ip, 0);
		m->l2_len = sizeof(struct rte_ether_hdr);
		m->l3_len = sizeof(*ip);
		m->ol_flags |=
		    RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
		port_tx(a, m);
	}
	port_tx_flush(a);
	n = recv_all(b, rx, 64);
	CHECK_EQ(n, 40);
	for (unsigned i = 0; i < n; i++) {
		uint64_t fl = rx[i]->ol_flags;

		if (frame_cksum_ok(rx[i]) != 0)
			bad++;
		if ((fl & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		    (fl & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			flagged++;
	}
	/* Flips in the 14-byte Ethernet header (or a tagged/odd frame) aside,
	 * every frame is caught, by the software check and by the RX verdict. */
	CHECK(bad >= 34, "only %u of 40 bad", bad);
	CHECK(flagged >= 30, "only %u of 40 flagged", flagged);
	free_all(rx, n);
	port_close(a);
	port_close(b);
}

/* RX corruption clears the checksum verdicts a NIC gave. */
static void test_fault_corrupt_rx_forgets_verdict(void)
{
	struct fault_cfg f = fcfg(0, 0, 0, 1.0, 0, FAULT_DIR_RX);
	struct port *a, *b;
	struct rte_mbuf *rx[8];
	unsigned n;

	pair(&a, &b, 64);
	port_memlink_set_offloads(b, PORT_MEMLINK_OFFLOADS);
	b = attach(port_fault_wrap(b, &f));
	attach(a);
	send_all(a, 0, 4, 64);
	n = recv_all(b, rx, 8);
	CHECK_EQ(n, 4);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(rx[i]->ol_flags &
		             (RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK),
		         0);
	free_all(rx, n);
	port_close(a);
	port_close(b);
}

/* Reordering: held-back frames are overtaken by later ones and arrive after
 * their hold time (1 ms without delay; 2 x delay with it). */
static void test_fault_reorder_overtakes(void)
{
	for (int with_delay = 0; with_delay <= 1; with_delay++) {
		struct fault_cfg f = fcfg(0, 0, 0.2, 0, with_delay ? 300 : 0, FAULT_DIR_RX);
		uint64_t hold = with_delay ? 600 * US : 1 * MS;
		struct port *a, *b;
		struct rte_mbuf *rx[64];
		uint32_t seqs[400];
		uint64_t sent_at[200];
		uint64_t base = with_delay ? 300 * US : 0;
		unsigned got = 0, inversions = 0, odd = 0;

		memset(&st, 0, sizeof(st));
		now = 0;
		pair(&a, &b, 1024);
		b = attach(port_fault_wrap(b, &f));
		attach(a);
		/* One frame every 50 us for 200 frames, then 3 ms of silence; the
		 * receiver polls every 50 us, so a frame arrives exactly after
		 * `base` (on time) or `hold` (held back). */
		for (unsigned t = 0; t < 260; t++, now += 50 * US) {
			unsigned r;

			if (t < 200) {
				sent_at[t] = now;
				send_all(a, t, 1, 20);
			}
			r = recv_all(b, rx, 64);
			for (unsigned i = 0; i < r && got < 400; i++) {
				uint32_t s = frame_seq(rx[i]);

				if (s >= 200 ||
				    (now - sent_at[s] != base && now - sent_at[s] != hold))
					odd++;
				seqs[got++] = s;
			}
			free_all(rx, r);
		}
		CHECK_EQ(odd, 0);
		CHECK_EQ(got, 200);
		CHECK(st.fault_reordered > 20 && st.fault_reordered < 70, "%" PRIu64 " reordered",
		      st.fault_reordered);
		for (unsigned i = 1; i < got; i++)
			if (seqs[i] < seqs[i - 1])
				inversions++;
		CHECK(inversions > 10, "only %u inversions", inversions);
		CHECK_EQ(port_fault_held(b), 0);
		port_close(a);
		port_close(b);
	}
	now = 0;
}

static void test_fault_delay_holds(void)
{
	for (int dir = FAULT_DIR_RX; dir <= FAULT_DIR_TX; dir++) {
		struct fault_cfg f = fcfg(0, 0, 0, 0, 500, (enum fault_dir)dir);
		struct port *a, *b, *w;
		struct rte_mbuf *rx[64];
		unsigned n;

		memset(&st, 0, sizeof(st));
		now = 1000 * MS;
		pair(&a, &b, 64);
		w = port_fault_wrap(dir == FAULT_DIR_TX ? a : b, &f);
		if (dir == FAULT_DIR_TX)
			a = w;
		else
			b = w;
		attach(a);
		attach(b);
		send_all(a, 0, 5, 20); /* at t0 */
		CHECK_EQ(recv_all(b, rx, 64), 0);
		now += 200 * US;
		send_all(a, 5, 5, 20); /* at t0 + 200 us */
		CHECK_EQ(recv_all(b, rx, 64), 0);
		CHECK_EQ(st.fault_delayed, 10);
		CHECK_EQ(port_fault_held(w), 10);
		now += 299 * US; /* t0 + 499 us: nothing due */
		port_tx_flush(a);
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 0);
		free_all(rx, n);
		now += 1 * US; /* t0 + 500 us: the first five */
		if (dir == FAULT_DIR_TX)
			port_fault_poll(w);
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 5);
		for (unsigned i = 0; i < n; i++)
			CHECK_EQ(frame_seq(rx[i]), i);
		free_all(rx, n);
		now += 199 * US;
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 0);
		now += 1 * US; /* t0 + 700 us: the rest */
		if (dir == FAULT_DIR_TX)
			port_tx_flush(a); /* an empty flush releases TX-held frames */
		n = recv_all(b, rx, 64);
		CHECK_EQ(n, 5);
		for (unsigned i = 0; i < n; i++)
			CHECK_EQ(frame_seq(rx[i]), 5 + i);
		free_all(rx, n);
		if (dir == FAULT_DIR_TX) {
			/* TX-held frames also leave on the wrapper's rx_burst. */
			send_all(a, 10, 3, 20);
			now += 500 * US;
			n = recv_all(a, rx, 64); /* a's own receive path */
			CHECK_EQ(n, 0);
			CHECK_EQ(port_memlink_pending(b), 3);
			n = recv_all(b, rx, 64);
			free_all(rx, n);
		}
		CHECK_EQ(port_fault_held(w), 0);
		port_close(a);
		port_close(b);
	}
	now = 0;
}

static void test_fault_overflow_counted(void)
{
	struct fault_cfg f = fcfg(0, 0, 0, 0, 100, FAULT_DIR_RX);
	struct port *a, *b;
	struct rte_mbuf *rx[64];
	unsigned n;

	memset(&st, 0, sizeof(st));
	now = 0;
	pair(&a, &b, 64);
	b = attach(port_fault_wrap(b, &f));
	attach(a);
	port_fault_set_hold_max(b, 10);
	send_all(a, 0, 25, 20);
	n = recv_all(b, rx, 64);
	CHECK_EQ(n, 0);
	CHECK_EQ(st.fault_delayed, 10);
	CHECK_EQ(st.fault_overflow, 15);
	now += 100 * US;
	n = recv_all(b, rx, 64);
	CHECK_EQ(n, 10);
	free_all(rx, n);
	port_close(a);
	port_close(b);
}

static void test_fault_close_with_held_frames(void)
{
	struct fault_cfg f = fcfg(0, 0.5, 0.3, 0, 1000, FAULT_DIR_BOTH);
	struct port *a, *b;
	struct rte_mbuf *rx[8];
	unsigned n;

	now = 0;
	pair(&a, &b, 64);
	a = attach(port_fault_wrap(a, &f));
	b = attach(port_fault_wrap(b, &f));
	send_all(a, 0, 20, 20);
	send_all(b, 0, 20, 20);
	CHECK(port_fault_held(a) >= 20 && port_fault_held(b) >= 20);
	now += 1000 * US; /* the delayed ones reach the link, not the reordered */
	port_fault_poll(a);
	port_fault_poll(b);
	n = port_rx_burst(b, rx, 2); /* some left in b's RX hold and ready queues */
	free_all(rx, n);
	CHECK(port_fault_held(b) > 0);
	CHECK(port_memlink_pending(b->lower) > 0);
	port_close(a);
	port_close(b);
	now = 0;
}

static void test_fault_bad_config(void)
{
	struct port *a, *b;
	struct fault_cfg f = fcfg(1.5, 0, 0, 0, 0, FAULT_DIR_BOTH);

	pair(&a, &b, 8);
	errno = 0;
	CHECK(port_fault_wrap(a, &f) == NULL && errno == EINVAL);
	f.loss = NAN;
	CHECK(port_fault_wrap(a, &f) == NULL && errno == EINVAL);
	f.loss = -0.1;
	CHECK(port_fault_wrap(a, &f) == NULL && errno == EINVAL);
	f.loss = 0;
	f.dir = (enum fault_dir)7;
	CHECK(port_fault_wrap(a, &f) == NULL && errno == EINVAL);
	CHECK(port_fault_wrap(NULL, &f) == NULL);
	port_close(a);
	port_close(b);
}

/* ---- pcap ---- */

#define PCAP_PATH "/tmp/fastack-test-port-%d.pcap"

/* Frames sent and received through a pcap-wrapped port come back from
 * libpcap byte for byte, with their timestamps, readable before close. */
static void test_pcap_roundtrip(void)
{
	char path[64], err[256], perr[PCAP_ERRBUF_SIZE];
	struct port *a, *b;
	struct rte_mbuf *rx[16], *chain, *tail;
	uint8_t want[8][2048];
	uint32_t want_len[8];
	uint64_t want_ts[8];
	unsigned nw = 0, n;
	pcap_t *pc;

	snprintf(path, sizeof(path), PCAP_PATH, getpid());
	pair(&a, &b, 64);
	a = port_pcap_wrap(a, path, err, sizeof(err));
	CHECK(a != NULL, "%s", err);
	if (!a)
		return;
	attach(a);
	attach(b);
	/* TX: a plain frame at t=1.5 s, a two-segment chain at t=2.000001 s. */
	now = 1500 * MS;
	port_tx(a, mk_frame(1, 100));
	want_len[nw] = frame_bytes(a->tx_buf[0], want[nw], 2048);
	want_ts[nw++] = now;
	port_tx_flush(a);
	now = 2000 * MS + 1 * US;
	chain = mk_frame(2, 60);
	tail = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(tail, 500), 0xab, 500);
	rte_pktmbuf_chain(chain, tail);
	want_len[nw] = frame_bytes(chain, want[nw], 2048);
	want_ts[nw++] = now;
	port_tx(a, chain);
	port_tx_flush(a);
	/* RX: two frames from b at t=3 s. */
	now = 3000 * MS;
	send_all(b, 10, 2, 1000);
	n = recv_all(a, rx, 16);
	CHECK_EQ(n, 2);
	for (unsigned i = 0; i < n && nw < 8; i++) {
		want_len[nw] = frame_bytes(rx[i], want[nw], 2048);
		want_ts[nw++] = now;
	}
	free_all(rx, n);
	n = recv_all(b, rx, 16);
	free_all(rx, n);

	/* Read while the port is still open (flushed per burst). */
	pc = pcap_open_offline(path, perr);
	CHECK(pc != NULL, "%s", perr);
	if (pc) {
		struct pcap_pkthdr *h;
		const u_char *data;
		unsigned i = 0;
		int64_t us, first_us = 0;

		CHECK_EQ(pcap_datalink(pc), DLT_EN10MB);
		CHECK_EQ(pcap_snapshot(pc), PORT_PCAP_SNAPLEN);
		while (pcap_next_ex(pc, &h, &data) == 1) {
			if (i >= nw) {
				fail(__FILE__, __LINE__, "extra record %u", i);
				break;
			}
			CHECK_EQ(h->caplen, want_len[i]);
			CHECK_EQ(h->len, want_len[i]);
			/* Stack time shifted to wall-clock time at the first
			 * record: the spacing is the stack's, to the microsecond. */
			us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
			if (i == 0) {
				struct timeval tv;
				gettimeofday(&tv, NULL);
				first_us = us;
				CHECK(llabs(us - ((int64_t)tv.tv_sec * 1000000 + tv.tv_usec)) <
				          60000000,
				      "first record %lld us is not near the wall clock",
				      (long long)us);
			}
			CHECK_EQ(us - first_us,
			         (int64_t)(want_ts[i] / 1000) - (int64_t)(want_ts[0] / 1000));
			CHECK(h->caplen == want_len[i] && memcmp(data, want[i], h->caplen) == 0,
			      "record %u differs", i);
			i++;
		}
		CHECK_EQ(i, nw);
		pcap_close(pc);
	}
	CHECK_EQ(st.pcap_errors, 0);
	port_close(a);
	port_close(b);
	unlink(path);
	now = 0;
}

static void test_pcap_errors(void)
{
	char path[64], err[256] = "";
	struct port *a, *b, *w;
	struct rlimit old, lim;

	pair(&a, &b, 64);
	/* Cannot create: a clear message, and a is still ours. */
	w = port_pcap_wrap(a, "/nonexistent-dir/x.pcap", err, sizeof(err));
	CHECK(w == NULL);
	CHECK(strstr(err, "/nonexistent-dir/x.pcap") != NULL, "message: %s", err);
	/* Write errors (file size limit) are counted, never fatal. */
	snprintf(path, sizeof(path), PCAP_PATH, getpid());
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 200; /* header + one small record */
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	w = port_pcap_wrap(a, path, err, sizeof(err));
	CHECK(w != NULL, "%s", err);
	if (w) {
		struct rte_mbuf *rx[8];
		unsigned n;

		a = attach(w);
		attach(b);
		memset(&st, 0, sizeof(st));
		send_all(a, 0, 1, 20);   /* 24 + 16 + 62: fits */
		send_all(a, 1, 3, 1000); /* does not */
		CHECK_EQ(st.pcap_errors, 3);
		CHECK_EQ(st.tx_packets, 4); /* the frames still went out */
		n = recv_all(b, rx, 8);
		CHECK_EQ(n, 4);
		free_all(rx, n);
	}
	setrlimit(RLIMIT_FSIZE, &old);
	if (w) {
		/* The file was cut back to its last good burst: still readable,
		 * and later bursts line up. */
		char perr[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *data;
		unsigned records = 0;
		pcap_t *pc;

		send_all(a, 7, 2, 30);
		CHECK_EQ(st.pcap_errors, 3);
		pc = pcap_open_offline(path, perr);
		CHECK(pc != NULL, "%s", perr);
		while (pc && pcap_next_ex(pc, &h, &data) == 1) {
			CHECK_EQ(frame_seq_bytes(data, h->caplen), records == 0 ? 0 : 6 + records);
			records++;
		}
		CHECK_EQ(records, 3);
		if (pc)
			pcap_close(pc);
		recv_all(b, NULL, 0);
	}
	port_close(a);
	port_close(b);
	unlink(path);
}

/* Reads a capture file's records: their seq numbers, caplen and len; the
 * count, or -1 if libpcap cannot open it. */
static int pcap_read_seqs(const char *path, uint32_t *seq, uint32_t *caplen, uint32_t *len,
                          const u_char **last, unsigned max, int *snaplen)
{
	static u_char last_data[128];
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, perr);
	unsigned n = 0;

	if (!pc)
		return -1;
	*snaplen = pcap_snapshot(pc);
	while (pcap_next_ex(pc, &h, &data) == 1 && n < max) {
		seq[n] = frame_seq_bytes(data, h->caplen);
		caplen[n] = h->caplen;
		len[n] = h->len;
		memcpy(last_data, data, RTE_MIN(h->caplen, (uint32_t)sizeof(last_data)));
		n++;
	}
	*last = last_data;
	pcap_close(pc);
	return (int)n;
}

/* [pcap] snaplen and savelen: frames are cut to snaplen (a chain too, inside
 * its second segment) with their length kept; files rotate before they would
 * pass savelen, through PORT_PCAP_FILES names, the oldest overwritten. */
static void test_pcap_snaplen_rotate(void)
{
	enum { SNAP = 64, REC = 16 + SNAP, PER_FILE = 3, FRAMES = 35 };
	char base[64], path[80], err[256];
	struct port_pcap_conf c = { .path = base, .snaplen = SNAP, .savelen = 24 + PER_FILE * REC };
	struct port *a, *b, *w;
	struct rte_mbuf *chain, *tail;

	snprintf(base, sizeof(base), "/tmp/fastack-test-port-%d-ring.pcap", getpid());
	pair(&a, &b, 64);
	w = port_pcap_wrap_conf(a, &c, err, sizeof(err));
	CHECK(w != NULL, "%s", err);
	if (!w) {
		port_close(a);
		port_close(b);
		return;
	}
	a = attach(w);
	attach(b);
	memset(&st, 0, sizeof(st));
	/* Frames 0..33 in bursts of 4 (rotations fall inside bursts), then a
	 * chain of 52 + 500 bytes. */
	for (uint32_t i = 0; i < FRAMES - 1; i += 4) {
		send_all(a, i, RTE_MIN(4u, (unsigned)(FRAMES - 1 - i)), 100);
		recv_all(b, NULL, 0);
	}
	chain = mk_frame(FRAMES - 1, 10);
	tail = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(tail, 500), 0xab, 500);
	rte_pktmbuf_chain(chain, tail);
	port_tx(a, chain);
	port_tx_flush(a);
	recv_all(b, NULL, 0);
	CHECK_EQ(st.pcap_errors, 0);

	/* 12 files' worth: _10 and _11 went to _0 and _1.  Read while open. */
	for (unsigned f = 0; f < PORT_PCAP_FILES; f++) {
		uint32_t seq[8], caplen[8], len[8];
		unsigned first = f < 2 ? (10 + f) * PER_FILE : f * PER_FILE;
		unsigned want = RTE_MIN((unsigned)PER_FILE, FRAMES - first);
		const u_char *last;
		struct stat sb;
		int n, snap = 0;

		snprintf(path, sizeof(path), "/tmp/fastack-test-port-%d-ring_%u.pcap", getpid(), f);
		n = pcap_read_seqs(path, seq, caplen, len, &last, 8, &snap);
		CHECK_EQ(n, (int)want);
		CHECK_EQ(snap, SNAP);
		CHECK(stat(path, &sb) == 0 && (uint64_t)sb.st_size <= c.savelen, "%s: %lld bytes",
		      path, (long long)sb.st_size);
		for (int i = 0; i < n; i++) {
			bool is_chain = first + (unsigned)i == FRAMES - 1;

			CHECK_EQ(seq[i], first + (unsigned)i);
			CHECK_EQ(caplen[i], SNAP);
			CHECK_EQ(len[i], is_chain ? FRAME_HDRS + 10 + 500 : FRAME_HDRS + 100);
			if (is_chain)
				CHECK(last[FRAME_HDRS + 10] == 0xab && last[SNAP - 1] == 0xab,
				      "the chain's second segment is not in its record");
		}
	}
	snprintf(path, sizeof(path), "/tmp/fastack-test-port-%d-ring_%u.pcap", getpid(),
	         PORT_PCAP_FILES);
	CHECK(access(path, F_OK) != 0, "%s exists", path);
	CHECK(access(base, F_OK) != 0, "%s exists", base);
	port_close(a);
	port_close(b);

	/* A record larger than savelen has a file to itself. */
	c.savelen = 50;
	pair(&a, &b, 64);
	w = port_pcap_wrap_conf(a, &c, err, sizeof(err));
	CHECK(w != NULL, "%s", err);
	if (w) {
		a = attach(w);
		attach(b);
		send_all(a, 100, 3, 100);
		recv_all(b, NULL, 0);
		for (unsigned f = 0; f < 3; f++) {
			uint32_t seq[4], caplen[4], len[4];
			const u_char *last;
			int snap;

			snprintf(path, sizeof(path), "/tmp/fastack-test-port-%d-ring_%u.pcap",
			         getpid(), f);
			CHECK_EQ(pcap_read_seqs(path, seq, caplen, len, &last, 4, &snap), 1);
			CHECK_EQ(seq[0], 100 + f);
		}
	}
	port_close(a);
	port_close(b);
	/* snaplen above the pcap limit is refused. */
	c.snaplen = PORT_PCAP_SNAPLEN + 1;
	pair(&a, &b, 8);
	CHECK(port_pcap_wrap_conf(a, &c, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "snaplen") != NULL, "message: %s", err);
	port_close(a);
	port_close(b);
	for (unsigned f = 0; f < PORT_PCAP_FILES; f++) {
		snprintf(path, sizeof(path), "/tmp/fastack-test-port-%d-ring_%u.pcap", getpid(), f);
		unlink(path);
	}
}

/* ---- dpdk (net_ring: a loopback ethdev) ---- */

static void test_dpdk_ring_loopback(void)
{
	struct rte_mempool *pools[1] = { pool };
	struct port_dpdk_conf c = { .promiscuous = true, .link_timeout_ms = 1000 };
	char err[256] = "";
	uint16_t pid;
	struct port *p;
	struct rte_mbuf *rx[16], *chain, *tail;
	unsigned n;
	int rc;

	if (rte_eth_dev_get_port_by_name("net_ring0", &pid) != 0) {
		fail(__FILE__, __LINE__, "no net_ring0 (EAL --vdev)");
		return;
	}
	/* Errors first: they must say what is wrong. */
	rc = port_dpdk_setup(RTE_MAX_ETHPORTS - 1, 1, pools, &c, err, sizeof(err));
	CHECK_EQ(rc, -ENODEV);
	CHECK(strstr(err, "no such DPDK port") != NULL, "%s", err);
	rc = port_dpdk_setup(pid, 64, pools, &c, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "queues") != NULL && strstr(err, "net_ring0") != NULL, "%s", err);
	c.mtu = 10;
	rc = port_dpdk_setup(pid, 1, pools, &c, err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "mtu 10 outside") != NULL, "%s", err);
	c.mtu = 0;
	p = port_dpdk_open(RTE_MAX_ETHPORTS - 1, 0, err, sizeof(err));
	CHECK(p == NULL);

	rc = port_dpdk_setup(pid, 1, pools, &c, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc < 0) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK(port_dpdk_open(pid, 1, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no queue 1") != NULL, "%s", err);
	p = port_dpdk_open(pid, 0, err, sizeof(err));
	CHECK(p != NULL, "%s", err);
	if (!p)
		return;
	attach(p);
	CHECK(strcmp(p->name, "net_ring0") == 0, "name %s", p->name);
	CHECK_EQ(p->offloads, 0);
	CHECK(p->mtu >= 1500, "mtu %u", p->mtu);
	memset(&st, 0, sizeof(st));
	send_all(p, 0, 10, 100);
	chain = mk_frame(10, 60);
	tail = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(tail, 300), 0xcd, 300);
	rte_pktmbuf_chain(chain, tail);
	port_tx(p, chain);
	port_tx_flush(p);
	CHECK_EQ(st.tx_packets, 11);
	n = recv_all(p, rx, 16);
	CHECK_EQ(n, 11);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(frame_seq(rx[i]), i);
	if (n == 11)
		CHECK_EQ(rx[10]->pkt_len, FRAME_HDRS + 60 + 300);
	free_all(rx, n);
	port_close(p);
	port_dpdk_shutdown(pid);
}

/* ---- main ---- */

/* Live rte_malloc allocations (ports, links, rings). */
static unsigned heap_allocs(void)
{
	struct rte_malloc_socket_stats ms;
	unsigned n = 0;

	for (int sock = 0; sock < RTE_MAX_NUMA_NODES; sock++)
		if (rte_malloc_get_socket_stats(sock, &ms) == 0)
			n += ms.alloc_count;
	return n;
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(n)                 \
	{                    \
#n, test_##n \
	}
	T(tx_buffer_early_flush),
	T(memlink_both_ways_in_order),
	T(memlink_overflow_counted),
	T(memlink_bad_args),
	T(memlink_oversize_dropped),
	T(memlink_shared_frames_copied),
	T(memlink_offloads),
	T(fault_seed_deterministic),
	T(fault_loss_rate),
	T(fault_dup_exact_copies),
	T(fault_corrupt_one_bit),
	T(fault_corrupt_chain),
	T(fault_corrupt_tx_offload),
	T(fault_corrupt_rx_forgets_verdict),
	T(fault_reorder_overtakes),
	T(fault_delay_holds),
	T(fault_overflow_counted),
	T(fault_close_with_held_frames),
	T(fault_bad_config),
	T(pcap_roundtrip),
	T(pcap_errors),
	T(pcap_snaplen_rotate),
	T(dpdk_ring_loopback),
#undef T
};

/* Removes the EAL runtime directory (--file-prefix is per process here, so
 * nothing else uses it); call after rte_eal_cleanup(). */
static void remove_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char rundir[PATH_MAX];
	/* --in-memory with --no-huge is refused by this DPDK build ("--legacy-mem
	 * is not compatible with --in-memory"): no shared config and a private
	 * file prefix do the same job. */
	char prefix[64];
	char *eal[] = { "test_port",
		        "--no-huge",
		        "--no-pci",
		        "--no-shconf",
		        prefix,
		        "-l",
		        "0",
		        "-m",
		        "256",
		        "--log-level=error",
		        "--no-telemetry",
		        "--vdev=net_ring0" };
	unsigned passed = 0, failed = 0, heap_before;

	log_set_level(LOG_LVL_ERR); /* the pcap test provokes warnings */
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_port_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	pool = rte_pktmbuf_pool_create("test_port", POOL_SIZE, 0, PKT_PRIV_SIZE,
	                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!pool) {
		fprintf(stderr, "pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	for (unsigned i = 0; i < RTE_DIM(tests); i++) {
		unsigned before = failures;
		bool selected = argc < 2;

		for (int j = 1; j < argc; j++)
			if (strcmp(argv[j], tests[i].name) == 0)
				selected = true;
		if (!selected)
			continue;
		cur_test = tests[i].name;
		memset(&st, 0, sizeof(st));
		now = 0;
		heap_before = heap_allocs();
		tests[i].fn();
		if (heap_allocs() > heap_before)
			fail(__FILE__, __LINE__, "rte_malloc leak: %u allocations, %u before",
			     heap_allocs(), heap_before);
		if (rte_mempool_avail_count(pool) != POOL_SIZE)
			fail(__FILE__, __LINE__, "mbuf leak: %u of %u free",
			     rte_mempool_avail_count(pool), POOL_SIZE);
		if (failures == before) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
		if (rte_mempool_avail_count(pool) != POOL_SIZE)
			break; /* later tests need a full pool to judge leaks */
	}
	printf("%u passed, %u failed\n", passed, failed);
	rte_mempool_free(pool);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(rundir);
	return failed ? 1 : 0;
}
