/* test_sock_udp.c: UDP sockets through the ff_* API (src/socket, src/udp,
 * src/api/ff_socket.c).
 *
 *  - between two stacks on the in-memory link (h_pair): datagrams of 0, 1,
 *    1472 bytes and scatter/gather ones arrive byte for byte with the right
 *    source; connect() filters, AF_UNSPEC dissolves; MSG_PEEK, MSG_TRUNC,
 *    FIONREAD; the receive buffer bound; size limits; broadcast rules;
 *  - on one stack with a capture port (h_one): frames injected byte by
 *    byte: port unreachable and net.inet.udp.blackhole, hostile headers
 *    (each with its own counter), checksum 0 and 0xffff, ephemeral ports,
 *    bind rules;
 *  - the counters through ff_stats_foreach / ff_stats_get / ff_stats_print
 *    (every counter of struct stack_stats visited once, under its name);
 *  - the errno of every API call that can fail, fcntl/ioctl, socket
 *    options, and descriptor numbering.
 *
 * The stack under test is "us" (a): 198.18.0.1, 02:00:00:00:00:01; the peer
 * (b) is 198.18.0.2, 02:00:00:00:00:02.  ff_* calls act on the stack chosen
 * with stack_set_current() (on()).  Every test ends with the pool checks of
 * h_one_destroy / h_pair_destroy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rte_ether.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "harness.h"
#include "eth/arp.h"
#include "stack/stack.h"
#include "udp/udp.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"

static const struct rte_ether_addr US_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };

/* ---- helpers ---- */

static struct linux_sockaddr *sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

static void on(struct stack *s)
{
	stack_set_current(s);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

/* A UDP socket on the current stack, bound to the wildcard address and
 * port (0: left unbound); -1 (and a failure) if that did not work. */
static int udp_sock_(const char *file, int line, uint16_t port)
{
	struct sockaddr_in a;
	int fd = ff_socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		harness_fail(file, line, "ff_socket: errno %d", errno);
		return -1;
	}
	if (port && ff_bind(fd, sin4(&a, NULL, port), sizeof(a)) != 0)
		harness_fail(file, line, "ff_bind(%u): errno %d", port, errno);
	return fd;
}
#define UDP_SOCK(port) udp_sock_(__FILE__, __LINE__, port)

/* ff_sendto of n pattern bytes (seed) to ip:port; checks it took all. */
static void send_to_(const char *file, int line, int fd, const char *ip, uint16_t port, size_t n,
                     unsigned seed)
{
	static uint8_t buf[70000];
	struct sockaddr_in a;
	ssize_t r;

	fill(buf, n, seed);
	r = ff_sendto(fd, buf, n, 0, sin4(&a, ip, port), sizeof(a));
	if (r != (ssize_t)n)
		harness_fail(file, line, "ff_sendto(%zu bytes) = %zd, errno %d", n, r, errno);
}
#define SEND_TO(fd, ip, port, n, seed) send_to_(__FILE__, __LINE__, fd, ip, port, n, seed)

/* ff_recvfrom of one datagram: n pattern bytes (seed) from ip:port. */
static void recv_from_(const char *file, int line, int fd, size_t n, unsigned seed, const char *ip,
                       uint16_t port)
{
	static uint8_t want[70000], got[70000];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	ssize_t r;

	memset(&from, 0xee, sizeof(from));
	memset(got, 0xee, n + 1);
	r = ff_recvfrom(fd, got, sizeof(got), 0, (struct linux_sockaddr *)&from, &len);
	if (r != (ssize_t)n) {
		harness_fail(file, line, "ff_recvfrom = %zd (errno %d), expected %zu bytes", r,
		             r < 0 ? errno : 0, n);
		return;
	}
	fill(want, n, seed);
	if (memcmp(got, want, n) != 0)
		harness_fail(file, line, "payload of %zu bytes differs", n);
	if (got[n] != 0xee)
		harness_fail(file, line, "ff_recvfrom wrote beyond the datagram");
	if (len != sizeof(from) || from.sin_family != AF_INET ||
	    from.sin_addr.s_addr != h_ip4(ip) || ntohs(from.sin_port) != port)
		harness_fail(file, line, "source %s:%u (family %d, len %u), expected %s:%u",
		             inet_ntoa(from.sin_addr), ntohs(from.sin_port), from.sin_family,
		             (unsigned)len, ip, port);
}
#define RECV_FROM(fd, n, seed, ip, port) recv_from_(__FILE__, __LINE__, fd, n, seed, ip, port)

/* The call failed with -1 and errno e. */

static int64_t knobs[KNOB_COUNT];

static int64_t *knobs_default(void)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	return knobs;
}

static uint64_t avail(struct rte_mempool *mp)
{
	return rte_mempool_avail_count(mp);
}

/* ---- frames for h_one (peer -> us) ---- */

struct frame {
	uint8_t b[9200];
	size_t len;
};

#define F_IP 14u
#define F_UDP 34u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reference one's complement sum, byte by byte (independent of src/wire). */
static uint32_t sum_bytes(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum of the datagram at f->b + F_UDP of ulen bytes as it
 * should be sent (0 computed is sent as 0xffff). */
static uint16_t udp_cksum_of(const uint8_t *ip, const uint8_t *udp, size_t ulen)
{
	uint8_t ph[12];
	uint32_t s;
	uint16_t c;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	put16(ph + 10, (uint16_t)ulen);
	s = sum_bytes(0, ph, 12);
	s = sum_bytes(s, udp, 6); /* the checksum field itself counts as 0 */
	s = sum_bytes(s, udp + 8, ulen - 8);
	c = (uint16_t)~fold(s);
	return c ? c : 0xffff;
}

static void ip_fix(struct frame *f)
{
	uint8_t *h = f->b + F_IP;

	h[10] = h[11] = 0;
	put16(h + 10, (uint16_t)~fold(sum_bytes(0, h, 20)));
}

/* Ethernet + IPv4 + UDP from src:sport to dst:dport with n pattern bytes
 * (seed), valid checksums. */
static void udp_frame(struct frame *f, const char *src, uint16_t sport, const char *dst,
                      uint16_t dport, size_t n, unsigned seed)
{
	uint8_t *ip = f->b + F_IP, *u = f->b + F_UDP;
	uint32_t s = h_ip4(src), d = h_ip4(dst);

	memcpy(f->b, US_MAC.addr_bytes, 6);
	memcpy(f->b + 6, PEER_MAC.addr_bytes, 6);
	put16(f->b + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + n));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	ip_fix(f);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + n));
	fill(u + 8, n, seed);
	put16(u + 6, udp_cksum_of(ip, u, 8 + n));
	f->len = F_UDP + 8 + n;
}

static void inject(struct h_one *h, const struct frame *f)
{
	struct rte_mbuf *m = harness_frame(h->pool, f->b, f->len);

	if (!m)
		abort();
	cap_port_inject(h->cap, m);
	h_one_pass(h);
}

/* A chain of f cut after the given byte counts (the last segment takes the
 * rest). */
static void inject_chain(struct h_one *h, const struct frame *f, const size_t *cuts, unsigned ncuts)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	size_t off = 0;

	for (unsigned i = 0; i <= ncuts; i++) {
		size_t n = i < ncuts ? cuts[i] : f->len - off;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(h->pool);

		if (!seg)
			abort();
		memcpy(rte_pktmbuf_append(seg, (uint16_t)n), f->b + off, n);
		off += n;
		if (!head) {
			head = seg;
		} else {
			prev->next = seg;
			head->nb_segs++;
			head->pkt_len += (uint32_t)n;
		}
		prev = seg;
	}
	cap_port_inject(h->cap, head);
	h_one_pass(h);
}

/* Pops the next frame the stack sent, flattened into f (len 0: none). */
static bool pop_sent(struct h_one *h, struct frame *f)
{
	struct rte_mbuf *m = cap_port_pop(h->cap);
	const void *d;

	f->len = 0;
	if (!m)
		return false;
	f->len = m->pkt_len < sizeof(f->b) ? m->pkt_len : sizeof(f->b);
	d = rte_pktmbuf_read(m, 0, (uint32_t)f->len, f->b);
	if (d && d != f->b)
		memcpy(f->b, d, f->len);
	rte_pktmbuf_free(m);
	return true;
}

static void expect_nothing_(const char *file, int line, struct h_one *h)
{
	struct rte_mbuf *m;
	char d[256];

	while ((m = cap_port_pop(h->cap)) != NULL) {
		harness_fail(file, line, "unexpected frame: %s", harness_describe(m, d, sizeof(d)));
		rte_pktmbuf_free(m);
	}
}
#define EXPECT_NOTHING(h) expect_nothing_(__FILE__, __LINE__, h)

/* The UDP counters moved by exactly the given deltas (in UDP_STATS order),
 * the others not at all. */
struct udp_delta {
	long ipackets, delivered, opackets, hdrops, badlen, badsum, noport, noportbcast, fullsock,
	    memdrop, hdrsplit;
};
static void expect_udp_(const char *file, int line, const struct udp_stats *before,
                        const struct udp_stats *now, struct udp_delta d)
{
	const long want[] = { d.ipackets, d.delivered,   d.opackets, d.hdrops,  d.badlen,  d.badsum,
		              d.noport,   d.noportbcast, d.fullsock, d.memdrop, d.hdrsplit };
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)now;
	static const char *const names[] = {
#define NAME_(n, desc) #n,
		UDP_STATS(NAME_)
#undef NAME_
	};

	_Static_assert(sizeof(want) / sizeof(want[0]) == sizeof(names) / sizeof(names[0]),
	               "udp_delta out of step with UDP_STATS");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((long)(a[i] - b[i]) != want[i])
			harness_fail(file, line, "udp.%s moved by %ld, expected %ld", names[i],
			             (long)(a[i] - b[i]), want[i]);
}
#define EXPECT_UDP(before, now, ...) \
	expect_udp_(__FILE__, __LINE__, before, now, (struct udp_delta){ __VA_ARGS__ })

static void one_setup(struct h_one *h, const int64_t *kn)
{
	h_one_create(h, NULL, kn ? kn : knobs_default());
	CHECK_EQ(arp_add_static(h->s, 0, h_ip4(B_IP), &PEER_MAC), 0);
}

/* ================= UDP between two stacks ================= */

TEST(udp_sendto_recvfrom_sizes_byte_exact)
{
	static const size_t sizes[] = { 0, 1, 1472, 100, 0 };
	struct h_pair h;
	int sfd, rfd;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	rfd = UDP_SOCK(7000);
	on(h.a);
	sfd = UDP_SOCK(5000);
	for (unsigned i = 0; i < RTE_DIM(sizes); i++)
		SEND_TO(sfd, B_IP, 7000, sizes[i], i);
	CHECK_EQ(h.a->stats.udp.udps_opackets, RTE_DIM(sizes));
	h_pair_run_ms(&h, 5); /* ARP, then the held datagrams */
	on(h.b);
	CHECK_EQ(h.b->stats.udp.udps_delivered, RTE_DIM(sizes));
	for (unsigned i = 0; i < RTE_DIM(sizes); i++)
		RECV_FROM(rfd, sizes[i], i, A_IP, 5000);
	CHECK_ERR(ff_recvfrom(rfd, NULL, 0, 0, NULL, NULL), EAGAIN);
	/* And back: the reply goes to the source we were told. */
	SEND_TO(rfd, A_IP, 5000, 33, 9);
	h_pair_run_ms(&h, 2);
	on(h.a);
	RECV_FROM(sfd, 33, 9, B_IP, 7000);
	CHECK_EQ(ff_close(sfd), 0);
	on(h.b);
	CHECK_EQ(ff_close(rfd), 0);
	h_pair_destroy(&h);
}

TEST(udp_scatter_gather_sendmsg_writev_readv_recvmsg)
{
	struct h_pair h;
	struct sockaddr_in to, from;
	uint8_t src[1472], want[1472], dst[3][1000];
	struct iovec iov[6], riov[3];
	struct msghdr msg;
	int sfd, cfd, rfd;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	rfd = UDP_SOCK(7000);
	on(h.a);
	sfd = UDP_SOCK(5000);
	cfd = UDP_SOCK(5001);
	fill(src, sizeof(src), 1);
	/* 1472 bytes from six pieces, one of them empty. */
	iov[0] = (struct iovec){ src, 1 };
	iov[1] = (struct iovec){ src + 1, 0 };
	iov[2] = (struct iovec){ src + 1, 700 };
	iov[3] = (struct iovec){ src + 701, 3 };
	iov[4] = (struct iovec){ src + 704, 767 };
	iov[5] = (struct iovec){ src + 1471, 1 };
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = sin4(&to, B_IP, 7000);
	msg.msg_namelen = sizeof(to);
	msg.msg_iov = iov;
	msg.msg_iovlen = 6;
	CHECK_EQ(ff_sendmsg(sfd, &msg, 0), 1472);
	/* The same through writev on a connected socket, then send and write. */
	CHECK_EQ(ff_connect(cfd, sin4(&to, B_IP, 7000), sizeof(to)), 0);
	CHECK_EQ(ff_writev(cfd, iov, 6), 1472);
	CHECK_EQ(ff_send(cfd, src, 10, 0), 10);
	CHECK_EQ(ff_write(cfd, src, 11), 11);
	/* sendmsg without a name on the connected socket. */
	msg.msg_name = NULL;
	msg.msg_namelen = 0;
	CHECK_EQ(ff_sendmsg(cfd, &msg, 0), 1472);
	h_pair_run_ms(&h, 5);

	on(h.b);
	/* recvmsg scattering over three buffers. */
	memset(dst, 0, sizeof(dst));
	riov[0] = (struct iovec){ dst[0], 100 };
	riov[1] = (struct iovec){ dst[1], 1000 };
	riov[2] = (struct iovec){ dst[2], 1000 };
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = riov;
	msg.msg_iovlen = 3;
	msg.msg_flags = -1;
	CHECK_EQ(ff_recvmsg(rfd, &msg, 0), 1472);
	memcpy(want, dst[0], 100);
	memcpy(want + 100, dst[1], 1000);
	memcpy(want + 1100, dst[2], 372);
	CHECK(memcmp(want, src, 1472) == 0);
	CHECK_EQ(msg.msg_flags, 0);
	CHECK_EQ(msg.msg_namelen, sizeof(from));
	CHECK_EQ(from.sin_addr.s_addr, h_ip4(A_IP));
	CHECK_EQ(ntohs(from.sin_port), 5000);
	/* readv of the writev'd one. */
	memset(dst, 0, sizeof(dst));
	CHECK_EQ(ff_readv(rfd, riov, 3), 1472);
	memcpy(want, dst[0], 100);
	memcpy(want + 100, dst[1], 1000);
	memcpy(want + 1100, dst[2], 372);
	CHECK(memcmp(want, src, 1472) == 0);
	RECV_FROM(rfd, 10, 1, A_IP, 5001);
	RECV_FROM(rfd, 11, 1, A_IP, 5001);
	RECV_FROM(rfd, 1472, 1, A_IP, 5001);
	h_pair_destroy(&h);
}

/* With a 9000-byte MTU on both ends, a datagram spans several mbufs on the
 * way out (chain_from_iov) and arrives as a chain: both must stay exact. */
TEST(udp_jumbo_datagram_as_mbuf_chain)
{
	struct h_pair h;
	static uint8_t got[8000];
	uint8_t want[8000];
	struct iovec riov[40];
	int sfd, rfd;

	h_pair_create(&h, NULL, NULL, NULL);
	h.a->ports[0]->mtu = h.b->ports[0]->mtu = 9000;
	h.a->ifs[0].mtu = h.b->ifs[0].mtu = 9000;
	on(h.b);
	rfd = UDP_SOCK(7000);
	on(h.a);
	sfd = UDP_SOCK(5000);
	SEND_TO(sfd, B_IP, 7000, 8000, 5);
	SEND_TO(sfd, B_IP, 7000, 4097, 6);
	h_pair_run_ms(&h, 5);
	on(h.b);
	/* Into 40 buffers of 200 bytes. */
	for (unsigned i = 0; i < 40; i++)
		riov[i] = (struct iovec){ got + 200 * i, 200 };
	CHECK_EQ(ff_readv(rfd, riov, 40), 8000);
	fill(want, 8000, 5);
	CHECK(memcmp(got, want, 8000) == 0);
	RECV_FROM(rfd, 4097, 6, A_IP, 5000);
	CHECK_EQ(h.b->stats.udp.udps_badsum, 0);
	h_pair_destroy(&h);
}

/* ff_stats_foreach: adds up the counters of drops ("dropped: ..."). */
static void sum_drops(const char *name, uint64_t value, const char *desc, void *arg)
{
	(void)name;
	if (strncmp(desc, "dropped:", 8) == 0)
		*(uint64_t *)arg += value;
}

/* The foundation's fault injection on the in-memory link itself: with loss,
 * duplication, reordering, delay and bit flips on a's end (both ways, so ARP
 * is impaired too), every datagram b hands out is one a sent, byte for byte;
 * every one missing is explained by a frame lost or corrupted; corrupted
 * frames are dropped under a checksum counter; nothing leaks (the pools are
 * checked full by h_pair_destroy). */
TEST(udp_over_an_impaired_memlink_every_delivery_is_exact)
{
	enum { N = 3000, BATCH = 50 };
	static const struct fault_cfg f = { .loss = 0.05,
		                            .dup = 0.05,
		                            .reorder = 0.05,
		                            .corrupt = 0.10,
		                            .delay_us = 300,
		                            .seed = 11 };
	static uint8_t buf[1472], want[1472];
	static uint16_t seen[N];
	struct sockaddr_in to, from;
	struct h_pair h;
	unsigned distinct = 0, total = 0, bad = 0;
	uint64_t lost, corrupted, cksum, drops = 0;
	int sfd, rfd;

	memset(seen, 0, sizeof(seen));
	h_pair_create(&h, &f, NULL, NULL);
	on(h.b);
	rfd = UDP_SOCK(7000);
	on(h.a);
	sfd = UDP_SOCK(5000);
	for (uint32_t seq = 0; seq < N; seq += BATCH) {
		on(h.a);
		for (uint32_t k = seq; k < seq + BATCH; k++) {
			size_t n = 4 + (k * 37u) % (sizeof(buf) - 4);

			fill(buf, n, k);
			memcpy(buf, &k, 4);
			CHECK_EQ(ff_sendto(sfd, buf, n, 0, sin4(&to, B_IP, 7000), sizeof(to)),
			         (ssize_t)n);
		}
		h_pair_run_ms(&h, 20);
		on(h.b);
		for (;;) {
			socklen_t len = sizeof(from);
			ssize_t r = ff_recvfrom(rfd, buf, sizeof(buf), 0,
			                        (struct linux_sockaddr *)&from, &len);
			uint32_t k;

			if (r < 0) {
				CHECK_EQ(errno, EAGAIN);
				break;
			}
			total++;
			memcpy(&k, buf, 4);
			if (r < 4 || k >= N || (size_t)r != 4 + (k * 37u) % (sizeof(buf) - 4)) {
				bad++;
				continue;
			}
			fill(want, (size_t)r, k);
			memcpy(want, &k, 4);
			if (memcmp(buf, want, (size_t)r) != 0 ||
			    from.sin_addr.s_addr != h_ip4(A_IP) || ntohs(from.sin_port) != 5000) {
				bad++;
				continue;
			}
			if (seen[k]++ == 0)
				distinct++;
		}
	}
	lost = h.a->stats.port.fault_lost;
	corrupted = h.a->stats.port.fault_corrupted;
	cksum = h.b->stats.ip4.ips_badsum + h.b->stats.udp.udps_badsum;
	printf("  %u sent, %u delivered (%u distinct), %" PRIu64 " lost, %" PRIu64
	       " corrupted (%" PRIu64 " dropped by checksum), %" PRIu64 " duplicated, %" PRIu64
	       " reordered\n",
	       N, total, distinct, lost, corrupted, cksum, h.a->stats.port.fault_duplicated,
	       h.a->stats.port.fault_reordered);
	CHECK_EQ(bad, 0);
	CHECK_EQ(h.a->stats.udp.udps_opackets, N);
	CHECK_EQ(h.b->stats.udp.udps_delivered, total);
	CHECK_EQ(h.b->stats.udp.udps_fullsock, 0);
	/* Every impairment happened, and each missing datagram is explained. */
	CHECK(lost > 0 && corrupted > 0 && cksum > 0);
	CHECK(h.a->stats.port.fault_duplicated > 0 && h.a->stats.port.fault_reordered > 0);
	CHECK(h.a->stats.port.fault_delayed > 0);
	CHECK(distinct < N && N - distinct <= lost + corrupted + h.a->stats.arp.arp_holddrop);
	/* Frames are conserved by the link, and every frame b received was
	 * delivered or dropped under a name. */
	CHECK_EQ(h.b->stats.port.rx_packets,
	         h.a->stats.port.tx_packets - lost + h.a->stats.port.fault_duplicated);
	on(h.b);
	CHECK_EQ(ff_stats_foreach(sum_drops, &drops) > 0, true);
	CHECK_EQ(h.b->stats.port.rx_packets, h.b->stats.udp.udps_delivered + drops +
	                                         h.b->stats.arp.arp_rxrequests +
	                                         h.b->stats.arp.arp_rxreplies);
	CHECK(total > distinct); /* duplicates are delivered: UDP does not dedupe */
	CHECK(cksum <= corrupted);
	on(h.a);
	CHECK_EQ(ff_close(sfd), 0);
	on(h.b);
	CHECK_EQ(ff_close(rfd), 0);
	h_pair_destroy(&h);
}

TEST(udp_getsockname_getpeername)
{
	struct h_pair h;
	struct sockaddr_in a, n;
	socklen_t len;
	int fd;
	uint16_t eph;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	fd = UDP_SOCK(0);
	/* Unbound: 0.0.0.0:0. */
	len = sizeof(n);
	memset(&n, 0xff, sizeof(n));
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(len, sizeof(n));
	CHECK_EQ(n.sin_family, AF_INET);
	CHECK_EQ(n.sin_addr.s_addr, 0);
	CHECK_EQ(n.sin_port, 0);
	len = sizeof(n);
	CHECK_ERR(ff_getpeername(fd, (struct linux_sockaddr *)&n, &len), ENOTCONN);
	/* Bound to our address and a port. */
	CHECK_EQ(ff_bind(fd, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	len = sizeof(n);
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(n.sin_addr.s_addr, h_ip4(A_IP));
	CHECK_EQ(ntohs(n.sin_port), 6000);
	/* A short buffer gets the start and the full length. */
	len = 4;
	memset(&n, 0xee, sizeof(n));
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(len, sizeof(n));
	CHECK_EQ(ntohs(n.sin_port), 6000);
	CHECK_EQ(n.sin_addr.s_addr, 0xeeeeeeeeu);
	CHECK_EQ(ff_close(fd), 0);

	/* connect() on an unbound socket: an ephemeral port and the route's
	 * source address; the peer is reported. */
	fd = UDP_SOCK(0);
	CHECK_EQ(ff_connect(fd, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	len = sizeof(n);
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(n.sin_addr.s_addr, h_ip4(A_IP));
	eph = ntohs(n.sin_port);
	CHECK(eph >= knob_table[KNOB_TCP_PORTRANGE_FIRST].def &&
	          eph <= knob_table[KNOB_TCP_PORTRANGE_LAST].def,
	      "ephemeral port %u", eph);
	len = sizeof(n);
	CHECK_EQ(ff_getpeername(fd, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(len, sizeof(n));
	CHECK_EQ(n.sin_family, AF_INET);
	CHECK_EQ(n.sin_addr.s_addr, h_ip4(B_IP));
	CHECK_EQ(ntohs(n.sin_port), 7000);
	h_pair_destroy(&h);
}

TEST(udp_ephemeral_ports_from_the_range_until_exhausted)
{
	struct h_one h;
	struct sockaddr_in a, n;
	socklen_t len;
	int fds[5], seen = 0;

	knobs_default();
	knobs[KNOB_TCP_PORTRANGE_FIRST] = 40000;
	knobs[KNOB_TCP_PORTRANGE_LAST] = 40003;
	one_setup(&h, knobs);
	/* sendto, connect, bind to port 0, bind to our address and port 0:
	 * four sockets, four different ports of 40000..40003. */
	for (int i = 0; i < 5; i++)
		fds[i] = UDP_SOCK(0);
	SEND_TO(fds[0], B_IP, 9, 3, 0);
	CHECK_EQ(ff_connect(fds[1], sin4(&a, B_IP, 9), sizeof(a)), 0);
	CHECK_EQ(ff_bind(fds[2], sin4(&a, NULL, 0), sizeof(a)), 0);
	CHECK_EQ(ff_bind(fds[3], sin4(&a, A_IP, 0), sizeof(a)), 0);
	for (int i = 0; i < 4; i++) {
		len = sizeof(n);
		CHECK_EQ(ff_getsockname(fds[i], (struct linux_sockaddr *)&n, &len), 0);
		CHECK(ntohs(n.sin_port) >= 40000 && ntohs(n.sin_port) <= 40003, "port %u",
		      ntohs(n.sin_port));
		if (ntohs(n.sin_port) >= 40000 && ntohs(n.sin_port) <= 40003) {
			CHECK(!(seen & (1 << (ntohs(n.sin_port) - 40000))), "port %u twice",
			      ntohs(n.sin_port));
			seen |= 1 << (ntohs(n.sin_port) - 40000);
		}
	}
	/* The range is used up. */
	CHECK_ERR(ff_sendto(fds[4], "x", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), EADDRNOTAVAIL);
	CHECK_ERR(ff_connect(fds[4], sin4(&a, B_IP, 9), sizeof(a)), EADDRNOTAVAIL);
	/* An explicit port outside the range is still fine; one inside is in
	 * use. */
	CHECK_ERR(ff_bind(fds[4], sin4(&a, NULL, 40002), sizeof(a)), EADDRINUSE);
	/* A closed socket gives its port back. */
	CHECK_EQ(ff_close(fds[2]), 0);
	CHECK_EQ(ff_connect(fds[4], sin4(&a, B_IP, 9), sizeof(a)), 0);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

TEST(udp_connect_filters_other_sources)
{
	struct h_pair h;
	struct sockaddr_in a;
	int c, w, s1, s2;
	int v = 1;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	c = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(c, sin4(&a, NULL, 7000), sizeof(a)), 0);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 5000), sizeof(a)), 0);
	on(h.a);
	s1 = UDP_SOCK(5000);
	s2 = UDP_SOCK(5001);
	SEND_TO(s1, B_IP, 7000, 10, 1);
	SEND_TO(s2, B_IP, 7000, 20, 2); /* not from the connected peer */
	h_pair_run_ms(&h, 5);
	on(h.b);
	CHECK_EQ(h.b->stats.udp.udps_noport, 1);
	RECV_FROM(c, 10, 1, A_IP, 5000);
	CHECK_ERR(ff_recv(c, NULL, 0, 0), EAGAIN);
	/* The stranger got a port unreachable. */
	CHECK_EQ(h.b->stats.icmp.icps_error, 1);

	/* A wildcard socket sharing the port takes what the connected one
	 * does not want; the connected one still gets its peer's. */
	w = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(w, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(w, sin4(&a, NULL, 7000), sizeof(a)), 0);
	on(h.a);
	SEND_TO(s2, B_IP, 7000, 21, 3);
	SEND_TO(s1, B_IP, 7000, 11, 4);
	h_pair_run_ms(&h, 2);
	on(h.b);
	RECV_FROM(w, 21, 3, A_IP, 5001);
	RECV_FROM(c, 11, 4, A_IP, 5000);
	CHECK_ERR(ff_recv(w, NULL, 0, 0), EAGAIN);
	CHECK_ERR(ff_recv(c, NULL, 0, 0), EAGAIN);
	/* The connected socket sends to its peer without an address, and
	 * sendto with another address still goes there. */
	CHECK_EQ(ff_send(c, "abc", 3, 0), 3);
	SEND_TO(c, A_IP, 5001, 4, 8);
	h_pair_run_ms(&h, 2);
	on(h.a);
	{
		char buf[8];
		CHECK_EQ(ff_recv(s1, buf, sizeof(buf), 0), 3);
		CHECK(memcmp(buf, "abc", 3) == 0);
	}
	RECV_FROM(s2, 4, 8, B_IP, 7000);
	h_pair_destroy(&h);
}

TEST(udp_connect_af_unspec_dissolves)
{
	struct h_pair h;
	struct sockaddr_in a, n;
	struct linux_sockaddr unspec;
	socklen_t len;
	int c, s1, s2;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	c = UDP_SOCK(7000);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 5000), sizeof(a)), 0);
	len = sizeof(n);
	CHECK_EQ(ff_getsockname(c, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(n.sin_addr.s_addr, h_ip4(B_IP)); /* chosen by the route */
	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	CHECK_EQ(ff_connect(c, &unspec, sizeof(unspec)), 0);
	len = sizeof(n);
	CHECK_ERR(ff_getpeername(c, (struct linux_sockaddr *)&n, &len), ENOTCONN);
	CHECK_ERR(ff_send(c, "x", 1, 0), EDESTADDRREQ);
	/* Bound to the wildcard again, on the same port. */
	len = sizeof(n);
	CHECK_EQ(ff_getsockname(c, (struct linux_sockaddr *)&n, &len), 0);
	CHECK_EQ(n.sin_addr.s_addr, 0);
	CHECK_EQ(ntohs(n.sin_port), 7000);
	/* Dissolving twice is harmless. */
	CHECK_EQ(ff_connect(c, &unspec, sizeof(unspec)), 0);
	on(h.a);
	s1 = UDP_SOCK(5000);
	s2 = UDP_SOCK(5001);
	SEND_TO(s1, B_IP, 7000, 10, 1);
	SEND_TO(s2, B_IP, 7000, 20, 2);
	h_pair_run_ms(&h, 5);
	on(h.b);
	RECV_FROM(c, 10, 1, A_IP, 5000);
	RECV_FROM(c, 20, 2, A_IP, 5001);
	CHECK_EQ(h.b->stats.udp.udps_noport, 0);
	h_pair_destroy(&h);
}

TEST(udp_msg_peek_msg_trunc_fionread)
{
	struct h_pair h;
	struct sockaddr_in from;
	socklen_t len;
	uint8_t buf[2000], want[2000];
	struct iovec iov;
	struct msghdr msg;
	int s, r, n;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	r = UDP_SOCK(7000);
	n = -1;
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	on(h.a);
	s = UDP_SOCK(5000);
	SEND_TO(s, B_IP, 7000, 100, 1);
	SEND_TO(s, B_IP, 7000, 300, 2);
	SEND_TO(s, B_IP, 7000, 0, 3);
	SEND_TO(s, B_IP, 7000, 50, 4);
	h_pair_run_ms(&h, 5);
	on(h.b);
	/* FIONREAD: the size of the next datagram (Linux), not the total. */
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 100);
	/* MSG_PEEK leaves it there, twice, with the source. */
	len = sizeof(from);
	CHECK_EQ(ff_recvfrom(r, buf, sizeof(buf), MSG_PEEK, (struct linux_sockaddr *)&from, &len),
	         100);
	CHECK_EQ(ntohs(from.sin_port), 5000);
	CHECK_EQ(ff_recv(r, buf, 10, MSG_PEEK), 10);
	fill(want, 100, 1);
	CHECK(memcmp(buf, want, 10) == 0);
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 100);
	RECV_FROM(r, 100, 1, A_IP, 5000);
	/* A short buffer: the rest of the datagram is lost; MSG_TRUNC gives
	 * the real length; recvmsg says MSG_TRUNC. */
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 300);
	memset(&msg, 0, sizeof(msg));
	iov = (struct iovec){ buf, 64 };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	CHECK_EQ(ff_recvmsg(r, &msg, MSG_PEEK), 64);
	CHECK(msg.msg_flags & MSG_TRUNC, "msg_flags 0x%x", msg.msg_flags);
	msg.msg_flags = 0;
	CHECK_EQ(ff_recvmsg(r, &msg, MSG_TRUNC | MSG_PEEK), 300);
	CHECK(msg.msg_flags & MSG_TRUNC, "msg_flags 0x%x", msg.msg_flags);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(ff_recv(r, buf, 64, MSG_TRUNC), 300);
	fill(want, 300, 2);
	CHECK(memcmp(buf, want, 64) == 0);
	CHECK_EQ(buf[64], 0);
	/* The empty datagram: FIONREAD 0 but readable (0 bytes, not EAGAIN). */
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	msg.msg_flags = -1;
	CHECK_EQ(ff_recvmsg(r, &msg, 0), 0);
	CHECK_EQ(msg.msg_flags, 0);
	/* A fitting recvmsg: no MSG_TRUNC. */
	iov.iov_len = sizeof(buf);
	msg.msg_flags = -1;
	CHECK_EQ(ff_recvmsg(r, &msg, 0), 50);
	CHECK_EQ(msg.msg_flags, 0);
	CHECK_ERR(ff_recv(r, buf, sizeof(buf), MSG_PEEK), EAGAIN);
	CHECK_EQ(ff_ioctl(r, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	h_pair_destroy(&h);
}

TEST(udp_rcvbuf_overflow_counted_no_leak)
{
	struct h_pair h;
	int s, r, v;
	socklen_t len;
	unsigned fit, bl;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	r = UDP_SOCK(7000);
	v = 1024;
	CHECK_EQ(ff_setsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 1024);
	on(h.a);
	s = UDP_SOCK(5000);
	/* 2 x 500 payload bytes fit in 1024, the third does not. */
	for (int i = 0; i < 3; i++)
		SEND_TO(s, B_IP, 7000, 500, (unsigned)i);
	h_pair_run_ms(&h, 5);
	CHECK_EQ(h.b->stats.udp.udps_delivered, 2);
	CHECK_EQ(h.b->stats.udp.udps_fullsock, 1);
	on(h.b);
	{
		uint64_t v64 = 0;

		CHECK_EQ(ff_stats_get("udp.udps_fullsock", &v64), 0);
		CHECK_EQ(v64, 1);
	}
	RECV_FROM(r, 500, 0, A_IP, 5000);
	/* Room again for one. */
	on(h.a);
	SEND_TO(s, B_IP, 7000, 500, 7);
	h_pair_run_ms(&h, 2);
	on(h.b);
	RECV_FROM(r, 500, 1, A_IP, 5000);
	RECV_FROM(r, 500, 7, A_IP, 5000);
	/* Empty datagrams cost buffer memory: 8 x SO_RCVBUF of mbufs. */
	bl = rte_pktmbuf_data_room_size(h.pool_a); /* buf_len of each mbuf */
	fit = 8 * 1024 / bl;
	on(h.a);
	for (unsigned i = 0; i < fit + 3; i++)
		SEND_TO(s, B_IP, 7000, 0, 0);
	h_pair_run_ms(&h, 2);
	CHECK_EQ(h.b->stats.udp.udps_delivered, 3 + fit);
	CHECK_EQ(h.b->stats.udp.udps_fullsock, 1 + 3);
	/* Close with datagrams still queued: they go back to the pool. */
	on(h.b);
	CHECK_EQ(ff_close(r), 0);
	h_pair_destroy(&h);
}

TEST(udp_send_size_limits_emsgsize)
{
	struct h_one h;
	static uint8_t big[70000];
	struct sockaddr_in a;
	uint64_t free0;
	int s, v;

	one_setup(&h, NULL);
	s = UDP_SOCK(5000);
	free0 = avail(h.pool);
	/* More than the MTU (no fragmentation): EMSGSIZE, counted by IP. */
	CHECK_ERR(ff_sendto(s, big, 1473, 0, sin4(&a, B_IP, 7), sizeof(a)), EMSGSIZE);
	CHECK_EQ(h.s->stats.ip4.ips_toolong, 1);
	/* More than SO_SNDBUF (net.inet.udp.maxdgram, 9216): EMSGSIZE. */
	CHECK_ERR(ff_sendto(s, big, 9217, 0, sin4(&a, B_IP, 7), sizeof(a)), EMSGSIZE);
	/* More than 65507 even with a big SO_SNDBUF. */
	v = 100000;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	CHECK_ERR(ff_sendto(s, big, 65508, 0, sin4(&a, B_IP, 7), sizeof(a)), EMSGSIZE);
	CHECK_ERR(ff_sendto(s, big, 65507, 0, sin4(&a, B_IP, 7), sizeof(a)), EMSGSIZE);
	CHECK_EQ(h.s->stats.ip4.ips_toolong, 2);
	CHECK_EQ(avail(h.pool), free0); /* nothing held by the failures */
	CHECK_EQ(h.s->stats.udp.udps_opackets, 0);
	h_one_pass(&h);
	EXPECT_NOTHING(&h);
	/* 1472 goes. */
	CHECK_EQ(ff_sendto(s, big, 1472, 0, sin4(&a, B_IP, 7), sizeof(a)), 1472);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

TEST(udp_broadcast_needs_so_broadcast)
{
	struct h_pair h;
	struct sockaddr_in a;
	int s, r, r2, r_uni, v = 1;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	r = UDP_SOCK(0);
	r2 = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(r, sin4(&a, NULL, 7000), sizeof(a)), 0);
	CHECK_EQ(ff_bind(r2, sin4(&a, NULL, 7000), sizeof(a)), 0);
	r_uni = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(r_uni, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(r_uni, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	on(h.a);
	s = UDP_SOCK(5000);
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, "255.255.255.255", 7000), sizeof(a)), EACCES);
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, "198.18.0.255", 7000), sizeof(a)), EACCES);
	CHECK_ERR(ff_connect(s, sin4(&a, "198.18.0.255", 7000), sizeof(a)), EACCES);
	CHECK_EQ(h.a->stats.udp.udps_opackets, 0);
	v = 1;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), 0);
	SEND_TO(s, "255.255.255.255", 7000, 12, 1);
	SEND_TO(s, "198.18.0.255", 7000, 13, 2);
	h_pair_run_ms(&h, 2);
	on(h.b);
	/* Each wildcard socket gets both (one of them a clone of the mbuf);
	 * the one bound to the unicast address none. */
	RECV_FROM(r, 12, 1, A_IP, 5000);
	RECV_FROM(r, 13, 2, A_IP, 5000);
	RECV_FROM(r2, 12, 1, A_IP, 5000);
	RECV_FROM(r2, 13, 2, A_IP, 5000);
	CHECK_ERR(ff_recv(r_uni, NULL, 0, 0), EAGAIN);
	/* A unicast datagram goes to one socket only: the address-bound one. */
	on(h.a);
	SEND_TO(s, B_IP, 7000, 14, 3);
	h_pair_run_ms(&h, 2);
	on(h.b);
	RECV_FROM(r_uni, 14, 3, A_IP, 5000);
	CHECK_ERR(ff_recv(r, NULL, 0, 0), EAGAIN);
	CHECK_ERR(ff_recv(r2, NULL, 0, 0), EAGAIN);
	/* No ICMP for broadcasts nobody wants. */
	CHECK_EQ(ff_close(r), 0);
	CHECK_EQ(ff_close(r2), 0);
	on(h.a);
	SEND_TO(s, "198.18.0.255", 7000, 13, 2);
	h_pair_run_ms(&h, 2);
	CHECK_EQ(h.b->stats.udp.udps_noportbcast, 1);
	CHECK_EQ(h.b->stats.icmp.icps_error, 0);
	h_pair_destroy(&h);
}

TEST(udp_bind_rules)
{
	struct h_one h;
	struct sockaddr_in a;
	struct frame f;
	int x, y, z, v = 1;

	one_setup(&h, NULL);
	/* Plain: the second bind of the port fails, in every address mix. */
	x = UDP_SOCK(7000);
	y = UDP_SOCK(0);
	CHECK_ERR(ff_bind(y, sin4(&a, NULL, 7000), sizeof(a)), EADDRINUSE);
	CHECK_ERR(ff_bind(y, sin4(&a, A_IP, 7000), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_close(x), 0);
	x = UDP_SOCK(0);
	CHECK_EQ(ff_bind(x, sin4(&a, A_IP, 7000), sizeof(a)), 0);
	CHECK_ERR(ff_bind(y, sin4(&a, NULL, 7000), sizeof(a)), EADDRINUSE);
	/* Binding twice: EINVAL (even to another port). */
	CHECK_ERR(ff_bind(x, sin4(&a, A_IP, 7000), sizeof(a)), EINVAL);
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, 7001), sizeof(a)), EINVAL);
	/* An address that is not ours. */
	CHECK_ERR(ff_bind(y, sin4(&a, "198.18.0.77", 7002), sizeof(a)), EADDRNOTAVAIL);
	CHECK_ERR(ff_bind(y, sin4(&a, B_IP, 7002), sizeof(a)), EADDRNOTAVAIL);
	/* y is still unbound after the failures. */
	CHECK_EQ(ff_bind(y, sin4(&a, NULL, 7002), sizeof(a)), 0);
	CHECK_EQ(ff_close(x), 0);
	CHECK_EQ(ff_close(y), 0);

	/* SO_REUSEADDR on both. */
	x = UDP_SOCK(0);
	y = UDP_SOCK(0);
	z = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(x, sin4(&a, NULL, 7000), sizeof(a)), 0);
	CHECK_EQ(ff_bind(y, sin4(&a, NULL, 7000), sizeof(a)), 0);
	/* ... but not for a third without it. */
	CHECK_ERR(ff_bind(z, sin4(&a, NULL, 7000), sizeof(a)), EADDRINUSE);
	/* SO_REUSEPORT alone does not join a SO_REUSEADDR group. */
	CHECK_EQ(ff_setsockopt(z, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	CHECK_ERR(ff_bind(z, sin4(&a, NULL, 7000), sizeof(a)), EADDRINUSE);
	/* The most recent binding gets unicast datagrams (udp.c). */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 5, 1);
	inject(&h, &f);
	CHECK_ERR(ff_recv(x, NULL, 0, 0), EAGAIN);
	RECV_FROM(y, 5, 1, B_IP, 5000);
	CHECK_EQ(ff_close(x), 0);
	CHECK_EQ(ff_close(y), 0);
	CHECK_EQ(ff_close(z), 0);

	/* Ports 1024 apart share a hash bucket: each still gets its own. */
	x = UDP_SOCK(7000 + 1024);
	y = UDP_SOCK(7000 + 2048);
	udp_frame(&f, B_IP, 5000, A_IP, 7000 + 2048, 6, 2);
	inject(&h, &f);
	CHECK_ERR(ff_recv(x, NULL, 0, 0), EAGAIN);
	RECV_FROM(y, 6, 2, B_IP, 5000);
	CHECK_EQ(ff_close(x), 0);
	udp_frame(&f, B_IP, 5000, A_IP, 7000 + 1024, 6, 2);
	inject(&h, &f);
	CHECK_EQ(h.s->stats.udp.udps_noport, 1);
	CHECK_EQ(ff_close(y), 0);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 5, 1);

	/* SO_REUSEPORT on both. */
	x = UDP_SOCK(0);
	y = UDP_SOCK(0);
	z = UDP_SOCK(0);
	CHECK_EQ(ff_setsockopt(x, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(y, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(x, sin4(&a, NULL, 7000), sizeof(a)), 0);
	CHECK_EQ(ff_bind(y, sin4(&a, A_IP, 7000), sizeof(a)), 0);
	CHECK_ERR(ff_bind(z, sin4(&a, A_IP, 7000), sizeof(a)), EADDRINUSE);
	/* The one bound to the address wins over the wildcard one. */
	inject(&h, &f);
	CHECK_ERR(ff_recv(x, NULL, 0, 0), EAGAIN);
	RECV_FROM(y, 5, 1, B_IP, 5000);
	h_one_destroy(&h);
}

/* ================= frames on one stack ================= */

/* Checks an ICMP port unreachable quoting the datagram in req. */
static void check_port_unreach_(const char *file, int line, const struct frame *p,
                                const struct frame *req)
{
	const uint8_t *ip = p->b + F_IP, *ic = p->b + F_UDP;
	uint32_t us = h_ip4(A_IP), peer = h_ip4(B_IP);

	if (p->len != 14 + 20 + 8 + 20 + 8) {
		harness_fail(file, line, "ICMP frame length %zu", p->len);
		return;
	}
	if (memcmp(p->b, PEER_MAC.addr_bytes, 6) || memcmp(p->b + 6, US_MAC.addr_bytes, 6) ||
	    get16(p->b + 12) != 0x0800)
		harness_fail(file, line, "Ethernet header wrong");
	if (ip[0] != 0x45 || ip[9] != IPPROTO_ICMP || get16(ip + 2) != 56 ||
	    memcmp(ip + 12, &us, 4) || memcmp(ip + 16, &peer, 4))
		harness_fail(file, line, "IP header wrong");
	if (fold(sum_bytes(0, ip, 20)) != 0xffff)
		harness_fail(file, line, "IP checksum bad");
	if (ic[0] != 3 || ic[1] != 3)
		harness_fail(file, line, "ICMP type %u code %u, want 3/3", ic[0], ic[1]);
	if (fold(sum_bytes(0, ic, 36)) != 0xffff)
		harness_fail(file, line, "ICMP checksum bad");
	if (memcmp(ic + 8, req->b + F_IP, 28) != 0)
		harness_fail(file, line, "quote is not the IP header and 8 bytes");
}
#define CHECK_PORT_UNREACH(p, req) check_port_unreach_(__FILE__, __LINE__, p, req)

TEST(udp_closed_port_icmp_unreachable_and_blackhole)
{
	struct h_one h;
	struct udp_stats b;
	struct frame f, p;
	int64_t on1 = 1, old = -1;

	one_setup(&h, NULL);
	udp_frame(&f, B_IP, 5000, A_IP, 9999, 20, 1);
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .noport = 1);
	CHECK(pop_sent(&h, &p), "no ICMP sent");
	if (p.len)
		CHECK_PORT_UNREACH(&p, &f);
	EXPECT_NOTHING(&h);
	/* A socket on another port changes nothing. */
	UDP_SOCK(9998);
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .noport = 1);
	CHECK(pop_sent(&h, &p), "no ICMP sent");
	/* net.inet.udp.blackhole=1: counted, nothing sent. */
	CHECK_EQ(ff_sysctl_knob("net.inet.udp.blackhole", &old, &on1), 0);
	CHECK_EQ(old, 0);
	b = h.s->stats.udp;
	inject(&h, &f);
	h_one_pass(&h);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .noport = 1);
	EXPECT_NOTHING(&h);
	CHECK_EQ(h.s->stats.icmp.icps_error, 2);
	h_one_destroy(&h);

	/* The same knob given at creation. */
	knobs_default();
	knobs[KNOB_UDP_BLACKHOLE] = 1;
	one_setup(&h, knobs);
	b = h.s->stats.udp;
	inject(&h, &f);
	h_one_pass(&h);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .noport = 1);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

TEST(udp_hostile_headers_counted)
{
	struct h_one h;
	struct udp_stats b;
	struct frame f;
	uint8_t *ip, *u;
	int s;

	one_setup(&h, NULL);
	s = UDP_SOCK(7000);
	ip = f.b + F_IP;
	u = f.b + F_UDP;

	/* IP payload of 4 bytes: no room for a UDP header. */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 0, 0);
	put16(ip + 2, 24);
	ip_fix(&f);
	f.len = F_IP + 24;
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .hdrops = 1);
	/* Even 0 bytes of IP payload. */
	put16(ip + 2, 20);
	ip_fix(&f);
	f.len = F_IP + 20;
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .hdrops = 1);

	/* UDP length beyond the IP payload. */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 10, 0);
	put16(u + 4, 19);
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .badlen = 1);
	/* UDP length below 8 (0 and 7). */
	put16(u + 4, 7);
	b = h.s->stats.udp;
	inject(&h, &f);
	put16(u + 4, 0);
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 2, .badlen = 2);

	/* A bad checksum. */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 10, 0);
	u[6] ^= 0x01;
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .badsum = 1);
	/* A payload byte changed under a good checksum. */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 10, 0);
	u[12] ^= 0x80;
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .badsum = 1);
	CHECK_ERR(ff_recv(s, NULL, 0, 0), EAGAIN);

	/* Checksum 0: none computed, accepted (IPv4). */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 10, 3);
	put16(u + 6, 0);
	u[12] ^= 0x80; /* not verified, so not noticed */
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .delivered = 1);
	{
		uint8_t got[16], want[10];

		CHECK_EQ(ff_recv(s, got, sizeof(got), 0), 10);
		fill(want, 10, 3);
		want[4] ^= 0x80;
		CHECK(memcmp(got, want, 10) == 0);
	}

	/* A UDP length shorter than the IP payload: the excess is cut. */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 10, 4);
	put16(u + 4, 8 + 6);
	put16(u + 6, udp_cksum_of(ip, u, 14));
	b = h.s->stats.udp;
	inject(&h, &f);
	EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .delivered = 1);
	RECV_FROM(s, 6, 4, B_IP, 5000);
	h_one_pass(&h);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* A frame may arrive as a chain.  The UDP header must be in the first
 * segment (as the IP header must: ips_hdrsplit), since the queued datagram
 * is stripped of it there and recvfrom reads the source port back from the
 * headroom; a chain cut before its end is dropped (udps_hdrsplit) rather
 * than delivered with the header as payload and a wrong source.  Cut
 * anywhere after it, the datagram comes out whole. */
TEST(udp_input_chain_cut_anywhere)
{
	static const struct {
		size_t cuts[2];
		bool split;
	} c[] = {
		{ { F_UDP, 1 }, true },      /* IP header alone in the first segment */
		{ { F_UDP + 3, 9 }, true },  /* the UDP header split */
		{ { F_UDP + 7, 1 }, true },  /* one byte short */
		{ { F_UDP + 8, 5 }, false }, /* the header alone */
		{ { F_UDP + 9, 1 }, false }, /* one payload byte with it */
		{ { 60, 1000 }, false },
	};
	struct h_one h;
	struct udp_stats b;
	struct frame f;
	int s;

	one_setup(&h, NULL);
	s = UDP_SOCK(7000);
	for (unsigned i = 0; i < RTE_DIM(c); i++) {
		udp_frame(&f, B_IP, 5000 + (uint16_t)i, A_IP, 7000, 1400, i);
		b = h.s->stats.udp;
		inject_chain(&h, &f, c[i].cuts, 2);
		if (c[i].split) {
			EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .hdrsplit = 1);
			CHECK_ERR(ff_recv(s, NULL, 0, 0), EAGAIN);
			continue;
		}
		EXPECT_UDP(&b, &h.s->stats.udp, .ipackets = 1, .delivered = 1);
		RECV_FROM(s, 1400, i, B_IP, 5000 + i);
	}
	/* A UDP length shorter than the IP payload cuts the chain: the
	 * segments beyond go back to the pool at once. */
	{
		static const size_t cut[2] = { 60, 300 };
		uint64_t free0 = avail(h.pool);

		udp_frame(&f, B_IP, 5000, A_IP, 7000, 1400, 7);
		put16(f.b + F_UDP + 4, 8 + 100);
		put16(f.b + F_UDP + 6, udp_cksum_of(f.b + F_IP, f.b + F_UDP, 108));
		inject_chain(&h, &f, cut, 2);
		CHECK_EQ(avail(h.pool), free0 - 2); /* two segments queued */
		RECV_FROM(s, 100, 7, B_IP, 5000);
		CHECK_EQ(avail(h.pool), free0);
	}
	h_one_pass(&h);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* RFC 768: a computed checksum of 0 is sent as 0xffff (0 means "none"),
 * and 0xffff is accepted on input. */
TEST(udp_checksum_zero_sent_as_ffff)
{
	struct h_one h;
	struct sockaddr_in a;
	struct frame f, p;
	uint8_t pl[16];
	uint32_t sum;
	uint16_t fix;
	int s;

	one_setup(&h, NULL);
	s = UDP_SOCK(5000);
	/* Find a payload whose checksum is 0: the last two bytes balance the
	 * sum of everything else to 0xffff. */
	udp_frame(&f, A_IP, 5000, B_IP, 7000, 16, 2); /* as we will send it */
	memset(f.b + F_UDP + 8 + 14, 0, 2);
	put16(f.b + F_UDP + 6, 0);
	{
		uint8_t ph[12];

		memcpy(ph, f.b + F_IP + 12, 8);
		ph[8] = 0;
		ph[9] = 17;
		put16(ph + 10, 24);
		sum = fold(sum_bytes(sum_bytes(0, ph, 12), f.b + F_UDP, 24));
	}
	fix = (uint16_t)~sum;
	put16(f.b + F_UDP + 8 + 14, fix);
	memcpy(pl, f.b + F_UDP + 8, 16);
	CHECK_EQ(ff_sendto(s, pl, 16, 0, sin4(&a, B_IP, 7000), sizeof(a)), 16);
	h_one_pass(&h);
	CHECK(pop_sent(&h, &p), "nothing sent");
	if (p.len == F_UDP + 24) {
		CHECK_EQ(get16(p.b + F_UDP + 6), 0xffff);
		CHECK(memcmp(p.b + F_UDP + 8, pl, 16) == 0);
		CHECK_EQ(
		    fold(sum_bytes(sum_bytes(0, p.b + F_IP + 12, 8), p.b + F_UDP, 24) + 17 + 24),
		    0xffff);
	} else {
		CHECK(false, "frame length %zu", p.len);
	}
	/* The same datagram coming in (addresses swapped keep the sum). */
	udp_frame(&f, B_IP, 7000, A_IP, 5000, 16, 2);
	memcpy(f.b + F_UDP + 8, pl, 16);
	put16(f.b + F_UDP + 6, udp_cksum_of(f.b + F_IP, f.b + F_UDP, 24));
	CHECK_EQ(get16(f.b + F_UDP + 6), 0xffff);
	inject(&h, &f);
	CHECK_EQ(ff_recv(s, pl, sizeof(pl), 0), 16);
	CHECK_EQ(h.s->stats.udp.udps_badsum, 0);
	h_one_destroy(&h);
}

/* What we send: header fields, checksum, TTL and TOS options. */
TEST(udp_output_frame_and_ip_options)
{
	struct h_one h;
	struct sockaddr_in a;
	struct frame p;
	uint8_t want[300];
	int s, v;
	socklen_t len;

	one_setup(&h, NULL);
	s = UDP_SOCK(5000);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	v = 5;
	CHECK_EQ(ff_setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = 0xb8;
	CHECK_EQ(ff_setsockopt(s, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	v = 256;
	CHECK_ERR(ff_setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	fill(want, 300, 9);
	CHECK_EQ(ff_sendto(s, want, 300, 0, sin4(&a, B_IP, 7000), sizeof(a)), 300);
	h_one_pass(&h);
	CHECK(pop_sent(&h, &p), "nothing sent");
	if (p.len == F_UDP + 308) {
		const uint8_t *ip = p.b + F_IP, *u = p.b + F_UDP;

		CHECK(memcmp(p.b, PEER_MAC.addr_bytes, 6) == 0);
		CHECK_EQ(ip[8], 5);
		CHECK_EQ(ip[1], 0xb8);
		CHECK_EQ(fold(sum_bytes(0, ip, 20)), 0xffff);
		CHECK_EQ(get16(u), 5000);
		CHECK_EQ(get16(u + 2), 7000);
		CHECK_EQ(get16(u + 4), 308);
		CHECK_EQ(get16(u + 6), udp_cksum_of(ip, u, 308));
		CHECK(memcmp(u + 8, want, 300) == 0);
	} else {
		CHECK(false, "frame length %zu", p.len);
	}
	/* -1 restores the default TTL. */
	v = -1;
	CHECK_EQ(ff_setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* An ICMP error about a datagram of a connected socket (udp_ctlinput)
 * is reported once, by the next call; unconnected sockets never see it. */
TEST(udp_ctlinput_error_reported_once)
{
	struct h_one h;
	struct sockaddr_in a;
	int c, u, v;
	socklen_t len;
	char buf[8];

	one_setup(&h, NULL);
	c = UDP_SOCK(5000);
	CHECK_EQ(ff_connect(c, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	u = UDP_SOCK(5001);
	udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 5000, h_ip4(B_IP), 7000);
	udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 5001, h_ip4(B_IP), 7000);
	/* Another peer port: not about c. */
	udp_ctlinput(h.s, EHOSTUNREACH, h_ip4(A_IP), 5000, h_ip4(B_IP), 7001);
	CHECK_ERR(ff_recv(c, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK_ERR(ff_recv(c, buf, sizeof(buf), 0), EAGAIN);
	CHECK_ERR(ff_recv(u, buf, sizeof(buf), 0), EAGAIN);
	udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 5000, h_ip4(B_IP), 7000);
	CHECK_ERR(ff_send(c, "x", 1, 0), ECONNREFUSED);
	CHECK_EQ(ff_send(c, "x", 1, 0), 1);
	udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 5000, h_ip4(B_IP), 7000);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, ECONNREFUSED);
	CHECK_EQ(ff_getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, 0);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

/* The same through the wire: a connected socket's datagram to a closed
 * port comes back as ICMP port unreachable, reported once as
 * ECONNREFUSED; an unconnected socket does not hear of it. */
TEST(udp_port_unreachable_reaches_connected_socket)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct epoll_event ev;
	int c, u, ep;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	c = UDP_SOCK(5000);
	u = UDP_SOCK(5001);
	CHECK_EQ(ff_connect(c, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	ep = ff_epoll_create(1);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
	CHECK_EQ(ff_send(c, "abc", 3, 0), 3);
	SEND_TO(u, B_IP, 7000, 3, 0);
	h_pair_run_ms(&h, 5);
	on(h.a);
	CHECK_EQ(h.b->stats.udp.udps_noport, 2);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 1);
	CHECK_EQ(ev.events, EPOLLERR);
	CHECK_ERR(ff_recv(c, NULL, 0, 0), ECONNREFUSED);
	CHECK_ERR(ff_recv(c, NULL, 0, 0), EAGAIN);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 0);
	CHECK_ERR(ff_recv(u, NULL, 0, 0), EAGAIN);
	h_pair_destroy(&h);
}

TEST(udp_shutdown)
{
	struct h_one h;
	struct sockaddr_in a;
	struct frame f;
	int s;
	char buf[8];

	one_setup(&h, NULL);
	s = UDP_SOCK(7000);
	CHECK_ERR(ff_shutdown(s, SHUT_WR), ENOTCONN);
	CHECK_ERR(ff_shutdown(s, 3), EINVAL);
	CHECK_EQ(ff_connect(s, sin4(&a, B_IP, 5000), sizeof(a)), 0);
	CHECK_EQ(ff_shutdown(s, SHUT_WR), 0);
	CHECK_ERR(ff_send(s, "x", 1, 0), EPIPE);
	/* Still receives until SHUT_RD; then reads give 0 (EOF). */
	udp_frame(&f, B_IP, 5000, A_IP, 7000, 3, 1);
	inject(&h, &f);
	CHECK_EQ(ff_recv(s, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ff_shutdown(s, SHUT_RD), 0);
	CHECK_EQ(ff_recv(s, buf, sizeof(buf), 0), 0);
	inject(&h, &f);
	CHECK_EQ(ff_recv(s, buf, sizeof(buf), 0), 0);
	h_one_destroy(&h);
}

/* ================= counters through the API ================= */

#define STATS_N (sizeof(struct stack_stats) / sizeof(uint64_t))

struct stat_visit {
	unsigned n;
	char names[STATS_N][96];
	uint64_t values[STATS_N];
	bool bad_desc;
};

static void stat_visit_fn(const char *name, uint64_t value, const char *desc, void *arg)
{
	struct stat_visit *v = arg;

	if (!desc || !*desc)
		v->bad_desc = true;
	if (v->n < STATS_N) {
		snprintf(v->names[v->n], sizeof(v->names[0]), "%s", name);
		v->values[v->n] = value;
	}
	v->n++;
}

/* ff_stats_foreach visits every counter of struct stack_stats exactly once
 * (each slot holds a distinct value, and every value comes back once), under
 * a unique "group.counter" name with a description; ff_stats_get and
 * ff_stats_print agree with it; and the names are the fields the layers
 * count in (one per group, read from the struct directly). */
TEST(api_stats_foreach_visits_every_counter)
{
	static const struct {
		const char *name;
		size_t offset;
	} named[] = {
#define NAMED(n, field) { n, offsetof(struct stack_stats, field) }
		NAMED("port.rx_packets", port.rx_packets),
		NAMED("port.pcap_errors", port.pcap_errors),
		NAMED("eth.eth_ipackets", eth.eth_ipackets),
		NAMED("arp.arp_rxrequests", arp.arp_rxrequests),
		NAMED("ip.ips_total", ip4.ips_total),
		NAMED("icmp.icps_checksum", icmp.icps_checksum),
		NAMED("udp.udps_badsum", udp.udps_badsum),
		NAMED("tcp.tcps_rcvtotal", tcp.tcps_rcvtotal),
		NAMED("socket.so_created", sock.so_created),
		NAMED("event.ev_epoll_waits", ev.ev_epoll_waits),
		NAMED("loop.loop_passes", loop_passes),
		NAMED("loop.loop_sleeps", loop_sleeps),
#undef NAMED
	};
	static struct stat_visit v;
	static bool seen[STATS_N];
	struct h_one h;
	uint64_t *slot, val;
	char *text = NULL;
	size_t len = 0;
	unsigned lines = 0;
	FILE *f;

	one_setup(&h, NULL);
	on(h.s);
	_Static_assert(sizeof(struct stack_stats) % sizeof(uint64_t) == 0,
	               "struct stack_stats holds nothing but uint64_t counters");
	slot = (uint64_t *)(void *)&h.s->stats;
	for (unsigned i = 0; i < STATS_N; i++)
		slot[i] = 1000 + i;
	memset(&v, 0, sizeof(v));
	memset(seen, 0, sizeof(seen));
	CHECK_EQ(ff_stats_foreach(stat_visit_fn, &v), (int)STATS_N);
	CHECK_EQ(v.n, STATS_N);
	CHECK(!v.bad_desc, "a counter without a description");
	for (unsigned i = 0; i < v.n && i < STATS_N; i++) {
		uint64_t k = v.values[i] - 1000;

		CHECK(k < STATS_N && !seen[k], "%s = %llu: not a slot, or one visited twice",
		      v.names[i], (unsigned long long)v.values[i]);
		if (k < STATS_N)
			seen[k] = true;
		CHECK(strchr(v.names[i], '.') != NULL, "%s: not group.counter", v.names[i]);
		for (unsigned j = 0; j < i; j++)
			CHECK(strcmp(v.names[i], v.names[j]) != 0, "%s named twice", v.names[i]);
		val = 0;
		CHECK_EQ(ff_stats_get(v.names[i], &val), 0);
		CHECK_EQ(val, v.values[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(named); i++) {
		val = 0;
		CHECK(ff_stats_get(named[i].name, &val) == 0, "%s: not found", named[i].name);
		CHECK(val == slot[named[i].offset / sizeof(uint64_t)],
		      "%s = %llu, the field holds %llu", named[i].name, (unsigned long long)val,
		      (unsigned long long)slot[named[i].offset / sizeof(uint64_t)]);
	}
	/* ff_stats_print: one line per non-zero counter (here all of them),
	 * each "name value description". */
	f = open_memstream(&text, &len);
	CHECK(f != NULL);
	ff_stats_print(f);
	fclose(f);
	for (char *l = text, *nl; l && *l; l = nl + 1, lines++) {
		char name[96];
		unsigned long long x;
		bool line_ok;

		nl = strchr(l, '\n');
		CHECK(nl != NULL);
		if (!nl)
			break;
		line_ok = sscanf(l, "%95s %llu", name, &x) == 2 && ff_stats_get(name, &val) == 0 &&
		          val == x;
		CHECK(line_ok, "ff_stats_print line: %.*s", (int)(nl - l), l);
	}
	CHECK_EQ(lines, STATS_N);
	free(text);
	/* A zero counter is not printed, but still visited. */
	h.s->stats.udp.udps_badsum = 0;
	CHECK_EQ(ff_stats_get("udp.udps_badsum", &val), 0);
	CHECK_EQ(val, 0);
	/* Errors: unknown name, no callback, no stack. */
	CHECK_ERR(ff_stats_get("udp.nosuchcounter", &val), ENOENT);
	CHECK_ERR(ff_stats_get("udp_badsum", &val), ENOENT);
	CHECK_ERR(ff_stats_foreach(NULL, NULL), EINVAL);
	stack_set_current(NULL);
	CHECK_ERR(ff_stats_foreach(stat_visit_fn, &v), ENXIO);
	CHECK_ERR(ff_stats_get("udp.udps_badsum", &val), ENXIO);
	on(h.s);
	memset(&h.s->stats, 0, sizeof(h.s->stats));
	h_one_destroy(&h);
}

/* ================= the API's errors ================= */

TEST(api_errno_descriptors)
{
	struct h_one h;
	struct sockaddr_in a;
	int s, ep, kq;
	char buf[4];

	one_setup(&h, NULL);
	s = UDP_SOCK(0);
	ep = ff_epoll_create(1);
	kq = ff_kqueue();
	CHECK(ep >= 0 && kq >= 0);
	/* EBADF: never opened, negative, 0..2, closed. */
	CHECK_ERR(ff_bind(99, sin4(&a, NULL, 1), sizeof(a)), EBADF);
	CHECK_ERR(ff_close(99), EBADF);
	CHECK_ERR(ff_close(-1), EBADF);
	CHECK_ERR(ff_close(0), EBADF);
	CHECK_ERR(ff_sendto(2, "x", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), EBADF);
	CHECK_ERR(ff_recv(1 << 30, buf, 1, 0), EBADF);
	CHECK_ERR(ff_fcntl(99, F_GETFL), EBADF);
	CHECK_ERR(ff_ioctl(99, FIONBIO, &(int){ 1 }), EBADF);
	CHECK_EQ(ff_close(s), 0);
	CHECK_ERR(ff_close(s), EBADF);
	CHECK_ERR(ff_send(s, "x", 1, 0), EBADF);
	CHECK_ERR(ff_recv(s, buf, 1, 0), EBADF);
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)), EBADF);
	CHECK_ERR(ff_getsockname(s, (struct linux_sockaddr *)&a, &(socklen_t){ sizeof(a) }), EBADF);
	/* ENOTSOCK: an epoll or kqueue descriptor where a socket is wanted. */
	CHECK_ERR(ff_bind(ep, sin4(&a, NULL, 1), sizeof(a)), ENOTSOCK);
	CHECK_ERR(ff_connect(kq, sin4(&a, B_IP, 1), sizeof(a)), ENOTSOCK);
	CHECK_ERR(ff_sendto(ep, "x", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), ENOTSOCK);
	CHECK_ERR(ff_recv(kq, buf, 1, 0), ENOTSOCK);
	CHECK_ERR(ff_listen(ep, 1), ENOTSOCK);
	CHECK_ERR(ff_getsockopt(ep, SOL_SOCKET, SO_TYPE, buf, &(socklen_t){ 4 }), ENOTSOCK);
	CHECK_ERR(ff_shutdown(kq, SHUT_RDWR), ENOTSOCK);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(kq), 0);
	CHECK_ERR(ff_close(ep), EBADF);
	/* EBADF: dup of a descriptor not open. */
	CHECK_ERR(ff_dup(3), EBADF);
	CHECK_ERR(ff_dup2(3, 4), EBADF);
	/* A thread without a stack. */
	stack_set_current(NULL);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, 0), EBADF);
	CHECK_ERR(ff_close(3), EBADF);
	CHECK_ERR(ff_epoll_create(1), EBADF);
	stack_set_current(h.s);
	h_one_destroy(&h);
}

TEST(api_errno_socket_and_addresses)
{
	struct h_one h;
	struct sockaddr_in a;
	struct sockaddr_in6 a6;
	struct sockaddr_storage ss;
	int s, s6;

	one_setup(&h, NULL);
	/* ff_socket. */
	CHECK_ERR(ff_socket(AF_UNIX, SOCK_DGRAM, 0), EAFNOSUPPORT);
	CHECK_ERR(ff_socket(AF_PACKET, SOCK_DGRAM, 0), EAFNOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_RAW, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM | 0x40000000, 0), EINVAL);
	CHECK_ERR(ff_socket(AF_INET, 77, 0), EINVAL);
	s = ff_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK(s >= 0);
	/* Lengths. */
	CHECK_ERR(ff_bind(s, sin4(&a, NULL, 7000), sizeof(a) - 1), EINVAL);
	CHECK_ERR(ff_bind(s, sin4(&a, NULL, 7000), 0), EINVAL);
	CHECK_ERR(ff_bind(s, sin4(&a, NULL, 7000), (socklen_t)-1), EINVAL);
	CHECK_ERR(ff_bind(s, sin4(&a, NULL, 7000), sizeof(ss) + 1), EINVAL);
	CHECK_ERR(ff_connect(s, sin4(&a, B_IP, 7000), 8), EINVAL);
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, B_IP, 7000), 15), EINVAL);
	CHECK_ERR(ff_bind(s, NULL, sizeof(a)), EFAULT);
	/* Families: an AF_INET6 address on an AF_INET socket. */
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_port = htons(7000);
	CHECK_ERR(ff_bind(s, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(ff_connect(s, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(ff_sendto(s, "x", 1, 0, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	/* A longer sockaddr (a sockaddr_storage) is fine. */
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sin4(&a, NULL, 7000), sizeof(a));
	CHECK_EQ(ff_bind(s, (struct linux_sockaddr *)&ss, sizeof(ss)), 0);
	/* IPv6 UDP is not there yet (FIXME(ipv6) in udp.c). */
	s6 = ff_socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK(s6 >= 0);
	CHECK_ERR(ff_bind(s6, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(ff_bind(s6, sin4(&a, NULL, 7000), sizeof(a)), EINVAL); /* too short */
	/* Port 0 as destination. */
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, B_IP, 0), sizeof(a)), EINVAL);
	CHECK_ERR(ff_connect(s, sin4(&a, B_IP, 0), sizeof(a)), EADDRNOTAVAIL);
	/* No route. */
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, "198.19.1.1", 9), sizeof(a)), ENETUNREACH);
	{
		int u = UDP_SOCK(0);

		CHECK_ERR(ff_connect(u, sin4(&a, "198.19.1.1", 9), sizeof(a)), ENETUNREACH);
	}
	/* Our own address: no loopback yet (ip4.c). */
	CHECK_ERR(ff_sendto(s, "x", 1, 0, sin4(&a, A_IP, 9), sizeof(a)), ENETUNREACH);
	h_one_destroy(&h);
}

TEST(api_errno_data_calls)
{
	struct h_one h;
	struct sockaddr_in a;
	struct iovec iov[2];
	struct msghdr msg;
	socklen_t len;
	char buf[8];
	int s, v;

	one_setup(&h, NULL);
	s = UDP_SOCK(7000);
	/* EDESTADDRREQ: nowhere to send. */
	CHECK_ERR(ff_send(s, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(ff_write(s, "x", 1), EDESTADDRREQ);
	memset(&msg, 0, sizeof(msg));
	iov[0] = (struct iovec){ buf, 1 };
	msg.msg_iov = iov;
	msg.msg_iovlen = 1;
	CHECK_ERR(ff_sendmsg(s, &msg, 0), EDESTADDRREQ);
	/* EOPNOTSUPP: stream calls and flags UDP does not have. */
	CHECK_ERR(ff_listen(s, 5), EOPNOTSUPP);
	CHECK_ERR(ff_accept(s, NULL, NULL), EOPNOTSUPP);
	CHECK_ERR(ff_accept4(s, NULL, NULL, SOCK_NONBLOCK), EOPNOTSUPP);
	CHECK_ERR(ff_sendto(s, "x", 1, MSG_OOB, sin4(&a, B_IP, 9), sizeof(a)), EOPNOTSUPP);
	CHECK_ERR(ff_recv(s, buf, 1, MSG_OOB), EOPNOTSUPP);
	/* EAGAIN: nothing queued (never blocks, whatever O_NONBLOCK says). */
	CHECK_ERR(ff_recv(s, buf, sizeof(buf), 0), EAGAIN);
	CHECK_ERR(ff_read(s, buf, sizeof(buf)), EAGAIN);
	CHECK_ERR(ff_recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(ff_recvmsg(s, &msg, 0), EAGAIN);
	CHECK_ERR(ff_readv(s, iov, 1), EAGAIN);
	/* EFAULT. */
	CHECK_ERR(ff_sendto(s, NULL, 5, 0, sin4(&a, B_IP, 9), sizeof(a)), EFAULT);
	CHECK_ERR(ff_recv(s, NULL, 5, 0), EFAULT);
	CHECK_ERR(ff_sendmsg(s, NULL, 0), EFAULT);
	CHECK_ERR(ff_recvmsg(s, NULL, 0), EFAULT);
	CHECK_ERR(ff_writev(s, NULL, 1), EFAULT);
	CHECK_ERR(ff_recvfrom(s, buf, 1, 0, (struct linux_sockaddr *)&a, NULL), EFAULT);
	/* (A NULL msg_name is no name whatever msg_namelen says, as Linux.) */
	msg.msg_name = NULL;
	msg.msg_namelen = sizeof(a);
	CHECK_ERR(ff_sendmsg(s, &msg, 0), EDESTADDRREQ);
	len = sizeof(a);
	CHECK_ERR(ff_getsockname(s, NULL, &len), EFAULT);
	CHECK_ERR(ff_getsockname(s, (struct linux_sockaddr *)&a, NULL), EFAULT);
	CHECK_ERR(ff_getpeername(s, NULL, &len), EFAULT);
	CHECK_ERR(ff_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
	CHECK_ERR(ff_getsockopt(s, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(int)), EFAULT);
	CHECK_ERR(ff_ioctl(s, FIONREAD, NULL), EFAULT);
	/* EINVAL: counts and lengths. */
	CHECK_ERR(ff_writev(s, iov, -1), EINVAL);
	CHECK_ERR(ff_writev(s, iov, IOV_MAX + 1), EINVAL);
	CHECK_ERR(ff_readv(s, iov, -1), EINVAL);
	len = (socklen_t)-1;
	CHECK_ERR(ff_recvfrom(s, buf, 1, 0, (struct linux_sockaddr *)&a, &len), EINVAL);
	CHECK_ERR(ff_getsockname(s, (struct linux_sockaddr *)&a, &len), EINVAL);
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	len = (socklen_t)-1; /* (a short length is no error: the value is cut) */
	CHECK_ERR(ff_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), EINVAL);
	CHECK_ERR(ff_shutdown(s, -1), EINVAL);
	/* ENOPROTOOPT: unknown options and levels. */
	v = 1;
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, 9999, &v, sizeof(v)), ENOPROTOOPT);
	len = sizeof(v);
	CHECK_ERR(ff_getsockopt(s, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(s, IPPROTO_IP, 9999, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(s, 12345, 1, &v, sizeof(v)), ENOPROTOOPT);
	/* ENOTTY: an unknown ioctl; ENOENT: FreeBSD's fixed MIB numbers
	 * (knobs are reached by name, FreeBSD's {0, 3}). */
	CHECK_ERR(ff_ioctl(s, 0x5401 /* TCGETS */, &v), ENOTTY);
	CHECK_ERR(ff_sysctl((int[]){ 1, 2 }, 2, NULL, NULL, NULL, 0), ENOENT);
	/* Nothing was sent by any of it. */
	h_one_pass(&h);
	EXPECT_NOTHING(&h);
	CHECK_EQ(h.s->stats.udp.udps_opackets, 0);
	h_one_destroy(&h);
}

TEST(api_fcntl_ioctl)
{
	struct h_one h;
	int s, t, v;

	one_setup(&h, NULL);
	s = UDP_SOCK(0);
	/* Two-argument F_GETFL. */
	CHECK_EQ(ff_fcntl(s, F_GETFL), O_RDWR);
	CHECK_EQ(ff_fcntl(s, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ff_fcntl(s, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	CHECK_EQ(ff_fcntl(s, F_SETFL, ff_fcntl(s, F_GETFL) & ~O_NONBLOCK), 0);
	CHECK_EQ(ff_fcntl(s, F_GETFL), O_RDWR);
	/* FIONBIO. */
	v = 1;
	CHECK_EQ(ff_ioctl(s, FIONBIO, &v), 0);
	CHECK_EQ(ff_fcntl(s, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	v = 0;
	CHECK_EQ(ff_ioctl(s, FIONBIO, &v), 0);
	CHECK_EQ(ff_fcntl(s, F_GETFL) & O_NONBLOCK, 0);
	/* FD_CLOEXEC. */
	CHECK_EQ(ff_fcntl(s, F_GETFD), 0);
	CHECK_EQ(ff_fcntl(s, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(ff_fcntl(s, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(ff_fcntl(s, F_DUPFD, 0), EINVAL);
	CHECK_ERR(ff_fcntl(s, 12345), EINVAL);
	/* Flags at creation. */
	t = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(t >= 0);
	CHECK_EQ(ff_fcntl(t, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(ff_fcntl(t, F_GETFD), FD_CLOEXEC);
	h_one_destroy(&h);
}

TEST(api_socket_options)
{
	struct h_one h;
	int s, v;
	socklen_t len;
	struct timeval tv;
	struct linger lg;

	one_setup(&h, NULL);
	s = UDP_SOCK(0);
#define GET(level, name, want)                                        \
	do {                                                          \
		v = -12345;                                           \
		len = sizeof(v);                                      \
		CHECK_EQ(ff_getsockopt(s, level, name, &v, &len), 0); \
		CHECK_EQ(len, sizeof(int));                           \
		CHECK_EQ(v, want);                                    \
	} while (0)
	GET(SOL_SOCKET, SO_TYPE, SOCK_DGRAM);
	GET(SOL_SOCKET, SO_PROTOCOL, IPPROTO_UDP);
	GET(SOL_SOCKET, SO_DOMAIN, AF_INET);
	GET(SOL_SOCKET, SO_ERROR, 0);
	GET(SOL_SOCKET, SO_ACCEPTCONN, 0);
	/* Defaults: net.inet.udp.recvspace and net.inet.udp.maxdgram. */
	GET(SOL_SOCKET, SO_RCVBUF, 42080);
	GET(SOL_SOCKET, SO_SNDBUF, 9216);
	/* FreeBSD keeps the value (Linux would double it). */
	v = 5000;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_RCVBUF, 5000);
	v = 65536;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_SNDBUF, 65536);
	/* Beyond kern.ipc.maxsockbuf: ENOBUFS, value unchanged. */
	v = (int)knob_table[KNOB_TCP_MAXSOCKBUF].def + 1;
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), ENOBUFS);
	GET(SOL_SOCKET, SO_SNDBUF, 65536);
	/* Booleans. */
	GET(SOL_SOCKET, SO_REUSEADDR, 0);
	v = 7;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_REUSEADDR, 1);
	v = 1;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_REUSEPORT, 1);
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_BROADCAST, 1);
	v = 0;
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), 0);
	GET(SOL_SOCKET, SO_BROADCAST, 0);
	/* Timeouts are kept. */
	tv = (struct timeval){ 3, 500000 };
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	CHECK_EQ(ff_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	CHECK(tv.tv_sec == 3 && tv.tv_usec == 500000);
	tv = (struct timeval){ 0, 1000000 };
	CHECK_ERR(ff_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
	/* SO_LINGER. */
	lg = (struct linger){ 1, 9 };
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	memset(&lg, 0, sizeof(lg));
	len = sizeof(lg);
	CHECK_EQ(ff_getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 1 && lg.l_linger == 9);
#undef GET
	h_one_destroy(&h);
}

TEST(api_descriptors_lowest_free_first)
{
	struct h_one h;
	int fd[6], ep, kq;
	uint64_t nofd;

	one_setup(&h, NULL);
	/* A fresh stack hands out 3, 4, 5, ... (0..2 stay free). */
	for (int i = 0; i < 3; i++) {
		fd[i] = ff_socket(AF_INET, SOCK_DGRAM, 0);
		CHECK_EQ(fd[i], 3 + i);
	}
	ep = ff_epoll_create(1);
	CHECK_EQ(ep, 6);
	kq = ff_kqueue();
	CHECK_EQ(kq, 7);
	/* Closed numbers come back lowest first, whatever their kind was. */
	CHECK_EQ(ff_close(fd[1]), 0);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(fd[0]), 0);
	CHECK_EQ(ff_kqueue(), 3);
	CHECK_EQ(ff_socket(AF_INET, SOCK_DGRAM, 0), 4);
	CHECK_EQ(ff_epoll_create(1), 6);
	CHECK_EQ(ff_socket(AF_INET, SOCK_DGRAM, 0), 8);
	h_one_destroy(&h);

	/* kern.maxfiles = 16: 16 descriptors, 3..18, then EMFILE (counted). */
	knobs_default();
	knobs[KNOB_SOCK_MAX_FDS] = 16;
	one_setup(&h, knobs);
	for (int i = 3; i < 19; i++)
		CHECK_EQ(ff_socket(AF_INET, SOCK_DGRAM, 0), i);
	nofd = h.s->stats.sock.so_nofd;
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, 0), EMFILE);
	CHECK_ERR(ff_epoll_create(1), EMFILE);
	CHECK_ERR(ff_kqueue(), EMFILE);
	CHECK_EQ(h.s->stats.sock.so_nofd, nofd + 3);
	CHECK_EQ(ff_close(9), 0);
	CHECK_EQ(ff_epoll_create(1), 9);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
