/* test_adapter.c: the packetdrill adapter (libfastack_packetdrill.so)
 * driven through its function table as packetdrill drives it, without
 * packetdrill (which is not a Debian package, so CI has none).
 *
 *   test_adapter PATH/libfastack_packetdrill.so [TEST ...]
 *
 * Each test runs in a child process of its own, because the adapter starts
 * the DPDK EAL, which a process can do once: the child dlopen()s the
 * adapter with packetdrill's flags (RTLD_DEEPBIND included, except under
 * ASan, which refuses it), calls packetdrill_interface_init with the
 * --so_flags run.sh passes, plays the scripted peer through netdev_send /
 * netdev_receive with IPv4 packets built here (src/wire), and ends as
 * packetdrill ends a run: the real descriptors closed, then free() with
 * the fastack sockets still open.  The adapter's leak_check makes free()
 * exit non-zero if an mbuf is missing; under ASan, LeakSanitizer checks the
 * rest at the child's exit.  The parent counts a child that exits non-zero
 * or dies as a failure.
 *
 * What is checked: socket/bind/listen, a passive handshake (the SYN-ACK's
 * flags and options), accept() returning the peer's real address, data
 * both ways; a blocking accept() and read() on a second thread that sleep
 * (in the kernel, burning no CPU) until a packet wakes them, and return at
 * the virtual instant of that packet; netdev_receive giving up at its own
 * deadline (rx_timeout) when the stack sends nothing; gettimeofday/usleep
 * on the virtual clock; fcntl(F_GETFL) with two arguments and Linux values;
 * free() with sockets open in several states.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#include "packetdrill_interface.h"

/* The addresses and flags tests/packetdrill/run.sh gives the adapter. */
#define LOCAL_IP "198.18.0.1"
#define PEER_IP "198.18.1.1"
#define BASE_FLAGS                                                          \
	"local_ip=" LOCAL_IP " gateway=198.18.0.254 netmask=255.255.255.0 " \
	"remote_ip=" PEER_IP

#define US_PORT 8080
#define PEER_PORT 40000
#define PEER_ISS 1000000u
#define PEER_TSVAL 100u

/* The adapter's virtual clock starts at 1000 s; the MSS it announces is
 * MTU 1500 - 40; FreeBSD picks window scale 6 (hs-passive-*.pkt). */
#define T0_US 1000000000ll
#define OUR_MSS 1460
#define OUR_WSCALE 6

#if defined(__SANITIZE_ADDRESS__)
#define PDT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDT_ASAN 1
#endif
#endif
#ifdef PDT_ASAN
#define PDT_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)
#else
/* As packetdrill's so_testing.c opens the object. */
#define PDT_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE | RTLD_DEEPBIND)
#endif

/* ---- one adapter instance in a child process ---- */

struct pdt {
	struct packetdrill_interface ifc;
	void *ud;
	int fds[16]; /* real descriptors to close at the end, as packetdrill does */
	unsigned nfds;
	uint32_t iss; /* the stack's ISS on the connection under test */
};

static const char *so_path;

/* Remembers a descriptor the adapter returned. */
static int pdt_fd(struct pdt *t, int fd)
{
	if (fd >= 0 && t->nfds < RTE_DIM(t->fds))
		t->fds[t->nfds++] = fd;
	return fd;
}

/* Runs body against a fresh adapter made with flags, in a child. */
static void pdt_run_(const char *file, int line, const char *flags, void (*body)(struct pdt *))
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		harness_fail(file, line, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct pdt t = { .nfds = 0 };
		packetdrill_interface_init_t init;
		void *h = dlopen(so_path, PDT_DLOPEN_FLAGS);

		if (!h) {
			harness_fail(file, line, "dlopen: %s", dlerror());
			_exit(2);
		}
		init = (packetdrill_interface_init_t)dlsym(h, "packetdrill_interface_init");
		if (!init) {
			harness_fail(file, line, "dlsym: %s", dlerror());
			_exit(2);
		}
		init(flags, &t.ifc);
		t.ud = t.ifc.userdata;
		body(&t);
		/* packetdrill's end of a run: close(2) on the live descriptors,
		 * then free with the fastack sockets behind them still open. */
		for (unsigned i = 0; i < t.nfds; i++)
			close(t.fds[i]);
		t.ifc.free(t.ud);
		/* Forget the instance, so that LeakSanitizer sees it if free()
		 * left it allocated. */
		memset(&t, 0, sizeof(t));
		dlclose(h);
		exit(harness_failures() ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		harness_fail(file, line, "waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		harness_fail(file, line, "the child died of signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		harness_fail(file, line, "the child exited with status %d%s", WEXITSTATUS(status),
		             WEXITSTATUS(status) == 3 ? " (the adapter's leak check: mbufs missing)"
		                                      : "");
}
#define PDT_RUN(flags, body) pdt_run_(__FILE__, __LINE__, (flags), (body))

/* ---- packets ---- */

static uint32_t ip(const char *dotted)
{
	return h_ip4(dotted);
}

/* A segment from the peer: the header fields of sg (host order; sg->len
 * payload bytes from data), with the options sg->opt asks for. */
static void peer_send_(const char *file, int line, struct pdt *t, const struct tcp_seg *sg,
                       const void *data)
{
	uint8_t pkt[WIRE_IP4_MIN_HLEN + WIRE_TCP_MIN_HLEN + WIRE_TCP_MAX_OPTLEN + 2048];
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)pkt;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(pkt + WIRE_IP4_MIN_HLEN);
	uint8_t *opts = (uint8_t *)(th + 1);
	unsigned optlen = wire_tcp_opts_emit(opts, WIRE_TCP_MAX_OPTLEN, &sg->opt);
	unsigned thl = WIRE_TCP_MIN_HLEN + optlen;
	size_t len = WIRE_IP4_MIN_HLEN + thl + sg->len;
	int rc;

	if (sg->len > 2048) {
		harness_fail(file, line, "payload of %u bytes too long for the test", sg->len);
		return;
	}
	wire_ip4_emit(pkt,
	              &(struct ip4_fields){ .src = ip(PEER_IP),
	                                    .dst = ip(LOCAL_IP),
	                                    .tot_len = (uint16_t)len,
	                                    .ttl = 64,
	                                    .proto = IPPROTO_TCP,
	                                    .df = 1 },
	              true);
	th->src_port = rte_cpu_to_be_16(sg->sport);
	th->dst_port = rte_cpu_to_be_16(sg->dport);
	th->sent_seq = rte_cpu_to_be_32(sg->seq);
	th->recv_ack = rte_cpu_to_be_32(sg->ack);
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->tcp_flags = sg->flags;
	th->rx_win = rte_cpu_to_be_16(sg->win);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (sg->len)
		memcpy(pkt + WIRE_IP4_MIN_HLEN + thl, data, sg->len);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	rc = t->ifc.netdev_send(t->ud, pkt, len);
	if (rc != 0)
		harness_fail(file, line, "netdev_send: %d (%s)", rc, strerror(errno));
}
#define PEER_SEND(t, seg, data)                                    \
	do {                                                       \
		struct tcp_seg sg_ = seg;                          \
		peer_send_(__FILE__, __LINE__, (t), &sg_, (data)); \
	} while (0)

/* A segment of a synchronized connection from peer_port: seq and ack
 * relative to the peer's and the stack's ISS (1: the first byte), a
 * timestamp option with tsval, data (a string, or NULL) as payload. */
static void peer_seg_(const char *file, int line, struct pdt *t, uint16_t peer_port, uint32_t seq,
                      uint32_t ack, uint8_t flags, const char *data, uint32_t tsval)
{
	struct tcp_seg sg = { .sport = peer_port,
		              .dport = US_PORT,
		              .seq = PEER_ISS + seq,
		              .ack = t->iss + ack,
		              .flags = flags,
		              .win = 1024,
		              .len = data ? (uint32_t)strlen(data) : 0,
		              .opt = { .present = TOF_TS, .tsval = tsval } };

	peer_send_(file, line, t, &sg, data);
}
#define PEER_SEG(t, port, seq, ack, flags, data, tsval) \
	peer_seg_(__FILE__, __LINE__, (t), (port), (seq), (ack), (flags), (data), (tsval))

/* The next packet the stack sent: a well-formed TCP/IPv4 packet from us to
 * the peer, its header parsed into *sg and its payload copied to data (up
 * to room bytes), its virtual send time (us) in *when.  false, after a
 * failure, for anything else. */
static bool stack_sent_(const char *file, int line, struct pdt *t, struct tcp_seg *sg, void *data,
                        size_t room, long long *when)
{
	uint8_t pkt[4096];
	size_t n = sizeof(pkt);
	const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)pkt;
	const struct rte_tcp_hdr *th;
	unsigned hl, tl, thl;
	int rc;

	memset(sg, 0, sizeof(*sg));
	rc = t->ifc.netdev_receive(t->ud, pkt, &n, when);
	if (rc != 0 || n == 0) {
		harness_fail(file, line, "netdev_receive: rc %d, %zu bytes: the stack sent nothing",
		             rc, n);
		return false;
	}
	hl = (pkt[0] & 0xfu) * 4u;
	if (n < WIRE_IP4_MIN_HLEN || (pkt[0] >> 4) != 4 || hl < WIRE_IP4_MIN_HLEN ||
	    n < hl + WIRE_TCP_MIN_HLEN || ih->next_proto_id != IPPROTO_TCP) {
		harness_fail(file, line, "not a TCP/IPv4 packet (%zu bytes, first byte %#x)", n,
		             pkt[0]);
		return false;
	}
	tl = rte_be_to_cpu_16(ih->total_length);
	th = (const struct rte_tcp_hdr *)(pkt + hl);
	thl = (th->data_off >> 4) * 4u;
	if (tl != n || thl < WIRE_TCP_MIN_HLEN || hl + thl > n) {
		harness_fail(file, line, "bad lengths: %zu bytes, total length %u, TCP header %u",
		             n, tl, thl);
		return false;
	}
	if (ih->src_addr != ip(LOCAL_IP) || ih->dst_addr != ip(PEER_IP))
		harness_fail(file, line, "addresses %#x > %#x, expected " LOCAL_IP " > " PEER_IP,
		             rte_be_to_cpu_32(ih->src_addr), rte_be_to_cpu_32(ih->dst_addr));
	if (wire_cksum_buf(ih, hl) != 0xffff)
		harness_fail(file, line, "bad IP header checksum");
	if (rte_ipv4_udptcp_cksum_verify(ih, th) != 0)
		harness_fail(file, line, "bad TCP checksum");
	sg->sport = rte_be_to_cpu_16(th->src_port);
	sg->dport = rte_be_to_cpu_16(th->dst_port);
	sg->seq = rte_be_to_cpu_32(th->sent_seq);
	sg->ack = rte_be_to_cpu_32(th->recv_ack);
	sg->flags = th->tcp_flags;
	sg->win = rte_be_to_cpu_16(th->rx_win);
	sg->hlen = (uint8_t)thl;
	sg->len = (uint32_t)(n - hl - thl);
	wire_tcp_opts_parse((const uint8_t *)(th + 1), thl - WIRE_TCP_MIN_HLEN,
	                    (sg->flags & TH_SYN) != 0, &sg->opt);
	if (data)
		memcpy(data, pkt + hl + thl, sg->len < room ? sg->len : room);
	return true;
}
#define STACK_SENT(t, sg, data, room, when) \
	stack_sent_(__FILE__, __LINE__, (t), (sg), (data), (room), (when))

/* The virtual clock, in us. */
static long long vnow(struct pdt *t)
{
	struct timeval tv;

	CHECK_EQ(t->ifc.gettimeofday(t->ud, &tv, NULL), 0);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static double real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fixtures ---- */

/* socket, bind to port, listen: the listener's descriptor. */
static int pdt_listen(struct pdt *t, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_port = htons(port),
		                   .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, fd = pdt_fd(t, t->ifc.socket(t->ud, AF_INET, SOCK_STREAM, IPPROTO_TCP));

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	CHECK_EQ(t->ifc.setsockopt(t->ud, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	CHECK_EQ(t->ifc.bind(t->ud, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(t->ifc.listen(t->ud, fd, 8), 0);
	return fd;
}

/* The peer's SYN (every option) from peer_port, and the SYN-ACK it gets:
 * flags, sequence numbers and options as FreeBSD lays them out.  Sets
 * t->iss. */
static void pdt_syn(struct pdt *t, uint16_t peer_port)
{
	struct tcp_seg sa;
	long long sent = vnow(t), when = 0;

	PEER_SEND(
	    t,
	    ((struct tcp_seg){ .sport = peer_port,
	                       .dport = US_PORT,
	                       .seq = PEER_ISS,
	                       .flags = TH_SYN,
	                       .win = 65535,
	                       .opt = { .present = TOF_MSS | TOF_SACKPERM | TOF_TS | TOF_SCALE,
	                                .mss = 1460,
	                                .wscale = 7,
	                                .tsval = PEER_TSVAL } }),
	    NULL);
	if (!STACK_SENT(t, &sa, NULL, 0, &when))
		return;
	CHECK_EQ(sa.flags, TH_SYN | TH_ACK);
	CHECK_EQ(sa.sport, US_PORT);
	CHECK_EQ(sa.dport, peer_port);
	CHECK_EQ(sa.ack, PEER_ISS + 1);
	CHECK_EQ(sa.len, 0);
	CHECK_EQ(sa.win, 65535);
	CHECK_EQ(sa.opt.present, TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS);
	CHECK_EQ(sa.opt.mss, OUR_MSS);
	CHECK_EQ(sa.opt.wscale, OUR_WSCALE);
	CHECK_EQ(sa.opt.tsecr, PEER_TSVAL);
	/* Sent when the SYN came in (gettimeofday moves the clock 1 us). */
	CHECK(when >= sent && when <= sent + 10, "SYN-ACK at %lld us, SYN at %lld us", when, sent);
	t->iss = sa.seq;
}

/* The ACK that completes the handshake, from peer_port. */
static void pdt_ack(struct pdt *t, uint16_t peer_port)
{
	PEER_SEG(t, peer_port, 1, 1, TH_ACK, NULL, PEER_TSVAL + 1);
}

/* What accept() filled in is peer_port at PEER_IP. */
static void check_peer_addr_(const char *file, int line, const struct sockaddr_in *sin,
                             socklen_t len, uint16_t peer_port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	if (len != sizeof(*sin) || sin->sin_family != AF_INET ||
	    sin->sin_addr.s_addr != ip(PEER_IP) || ntohs(sin->sin_port) != peer_port)
		harness_fail(file, line, "accept: peer %s:%u (family %u, len %u), expected %s:%u",
		             a, ntohs(sin->sin_port), sin->sin_family, (unsigned)len, PEER_IP,
		             peer_port);
}
#define CHECK_PEER_ADDR(sin, len, port) check_peer_addr_(__FILE__, __LINE__, (sin), (len), (port))

/* A passive open from peer_port completed and accepted: the new
 * descriptor. */
static int pdt_established(struct pdt *t, int lfd, uint16_t peer_port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	pdt_syn(t, peer_port);
	pdt_ack(t, peer_port);
	memset(&sin, 0xa5, sizeof(sin));
	fd = pdt_fd(t, t->ifc.accept(t->ud, lfd, (struct sockaddr *)&sin, &len));
	CHECK(fd >= 0, "accept: %s", strerror(errno));
	CHECK_PEER_ADDR(&sin, len, peer_port);
	return fd;
}

/* ---- blocking calls on a second thread ---- */

enum blocked_op { OP_ACCEPT, OP_READ };

struct blocked {
	struct pdt *t;
	enum blocked_op op;
	int fd;
	pthread_t thread;
	atomic_int tid;
	atomic_bool done;
	long rc;
	int err;
	struct sockaddr_in sin;
	socklen_t len;
	char buf[64];
	long long ret_us; /* the virtual time right after the call returned */
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;

	atomic_store(&b->tid, gettid());
	b->len = sizeof(b->sin);
	if (b->op == OP_ACCEPT)
		b->rc = b->t->ifc.accept(b->t->ud, b->fd, (struct sockaddr *)&b->sin, &b->len);
	else
		b->rc = b->t->ifc.read(b->t->ud, b->fd, b->buf, sizeof(b->buf));
	b->err = errno;
	/* packetdrill reads the clock right after a blocking call returns. */
	b->ret_us = vnow(b->t);
	atomic_store(&b->done, true);
	return NULL;
}

/* The state letter of thread tid in /proc (R running, S sleeping...). */
static char thread_state(int tid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

static double thread_cpu_s(pthread_t th)
{
	clockid_t cid;
	struct timespec ts;

	if (pthread_getcpuclockid(th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts op on fd on a second thread and checks that it blocks: asleep in
 * the kernel (as packetdrill waits for it to be), not returned, and using
 * no CPU over 300 ms of real time. */
static void blocked_start_(const char *file, int line, struct blocked *b, struct pdt *t,
                           enum blocked_op op, int fd)
{
	double start = real_s(), cpu0, cpu1;
	char st = '?';

	memset(b, 0, sizeof(*b));
	b->t = t;
	b->op = op;
	b->fd = fd;
	if (pthread_create(&b->thread, NULL, blocked_main, b) != 0) {
		harness_fail(file, line, "pthread_create failed");
		exit(1);
	}
	/* Asleep within 5 s of real time. */
	while (real_s() - start < 5) {
		int tid = atomic_load(&b->tid);
		if (tid && (st = thread_state(tid)) == 'S')
			break;
		usleep(1000);
	}
	if (st != 'S')
		harness_fail(file, line, "the blocked call's thread is not asleep (state %c)", st);
	cpu0 = thread_cpu_s(b->thread);
	usleep(300000);
	cpu1 = thread_cpu_s(b->thread);
	if (atomic_load(&b->done))
		harness_fail(file, line, "the call returned %ld (%s) instead of blocking", b->rc,
		             strerror(b->err));
	if (cpu0 < 0 || cpu1 - cpu0 > 0.020)
		harness_fail(file, line, "the blocked thread used %.1f ms of CPU in 300 ms",
		             (cpu1 - cpu0) * 1e3);
	if (thread_state(atomic_load(&b->tid)) != 'S')
		harness_fail(file, line, "the blocked call's thread woke up by itself");
}
#define BLOCKED_START(b, t, op, fd) blocked_start_(__FILE__, __LINE__, (b), (t), (op), (fd))

/* Waits (5 s of real time at most) for the call to have returned. */
static void blocked_join_(const char *file, int line, struct blocked *b)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	if (pthread_timedjoin_np(b->thread, NULL, &dl) != 0) {
		harness_fail(file, line, "the blocked call did not return within 5 s");
		exit(1); /* the thread still holds the adapter */
	}
}
#define BLOCKED_JOIN(b) blocked_join_(__FILE__, __LINE__, (b))

/* ---- the tests ---- */

/* socket/bind/listen, a passive handshake, accept with the peer's real
 * address, data both ways. */
static void body_handshake_and_data(struct pdt *t)
{
	struct tcp_seg sg;
	char buf[64];
	long long when;
	int lfd = pdt_listen(t, US_PORT), fd;

	fd = pdt_established(t, lfd, PEER_PORT);
	if (fd < 0)
		return;
	/* Peer to us. */
	PEER_SEG(t, PEER_PORT, 1, 1, TH_ACK | TH_PUSH, "hello", PEER_TSVAL + 2);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(t->ifc.read(t->ud, fd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0, "read %.5s", buf);
	/* Us to the peer: the data carries the ACK of "hello". */
	CHECK_EQ(t->ifc.write(t->ud, fd, "world!", 6), 6);
	if (STACK_SENT(t, &sg, buf, sizeof(buf), &when)) {
		CHECK_EQ(sg.flags, TH_ACK | TH_PUSH);
		CHECK_EQ(sg.seq, t->iss + 1);
		CHECK_EQ(sg.ack, PEER_ISS + 6);
		CHECK_EQ(sg.len, 6);
		CHECK(memcmp(buf, "world!", 6) == 0, "sent %.6s", buf);
		CHECK_EQ(sg.opt.present, TOF_TS);
		CHECK_EQ(sg.opt.tsecr, PEER_TSVAL + 2);
	}
	PEER_SEG(t, PEER_PORT, 6, 7, TH_ACK, NULL, PEER_TSVAL + 3);
	/* Nothing is waiting to be read on a connection now idle. */
	CHECK_EQ(t->ifc.recv(t->ud, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
}
TEST(handshake_and_data)
{
	PDT_RUN(BASE_FLAGS, body_handshake_and_data);
}

/* A blocking accept() on a second thread sleeps until the handshake's last
 * ACK, and returns at that virtual instant with the peer's address; then a
 * blocking read() sleeps until data comes. */
static void body_blocking_calls(struct pdt *t)
{
	struct blocked b;
	long long ack_at;
	int lfd = pdt_listen(t, US_PORT);

	BLOCKED_START(&b, t, OP_ACCEPT, lfd);
	pdt_syn(t, PEER_PORT);
	CHECK(!atomic_load(&b.done), "accept returned on the SYN");
	ack_at = vnow(t);
	pdt_ack(t, PEER_PORT);
	BLOCKED_JOIN(&b);
	CHECK(b.rc >= 0, "accept: %s", strerror(b.err));
	if (b.rc < 0)
		return;
	pdt_fd(t, (int)b.rc);
	CHECK_PEER_ADDR(&b.sin, b.len, PEER_PORT);
	CHECK(b.ret_us >= ack_at && b.ret_us <= ack_at + 10,
	      "accept returned at %lld us, the ACK came at %lld us", b.ret_us, ack_at);

	BLOCKED_START(&b, t, OP_READ, (int)b.rc);
	/* Virtual time passing does not wake it either. */
	CHECK_EQ(t->ifc.usleep(t->ud, 250000), 0);
	CHECK(!atomic_load(&b.done), "read returned %ld without data", b.rc);
	PEER_SEG(t, PEER_PORT, 1, 1, TH_ACK | TH_PUSH, "ping", PEER_TSVAL + 2);
	BLOCKED_JOIN(&b);
	CHECK_EQ(b.rc, 4);
	CHECK(memcmp(b.buf, "ping", 4) == 0, "read %.4s", b.buf);
}
TEST(blocking_calls)
{
	PDT_RUN(BASE_FLAGS, body_blocking_calls);
}

/* With rx_timeout=2, netdev_receive returns after 2 virtual seconds when
 * the stack sends nothing: no packet (0 bytes), the time it gave up, and
 * almost no real time spent. */
static void body_rx_deadline(struct pdt *t)
{
	uint8_t buf[2048];
	size_t n = sizeof(buf);
	long long when = 0, before;
	double start;

	pdt_listen(t, US_PORT);
	before = vnow(t);
	start = real_s();
	CHECK_EQ(t->ifc.netdev_receive(t->ud, buf, &n, &when), 0);
	CHECK_EQ(n, 0);
	CHECK(when >= before + 2000000 && when <= before + 2000010,
	      "gave up at %lld us, asked at %lld us", when, before);
	CHECK(vnow(t) >= when, "the clock went back");
	CHECK(real_s() - start < 1.0, "took %.2f s of real time", real_s() - start);
}
TEST(rx_deadline)
{
	PDT_RUN(BASE_FLAGS " rx_timeout=2", body_rx_deadline);
}

/* gettimeofday and usleep read and move the virtual clock: it starts at
 * 1000 s, moves 1 us per gettimeofday, and an hour of usleep takes no real
 * time. */
static void body_virtual_clock(struct pdt *t)
{
	long long t0, t1, t2;
	double start = real_s();

	t0 = vnow(t);
	CHECK(t0 >= T0_US && t0 < T0_US + 1000, "the clock starts at %lld us", t0);
	t1 = vnow(t);
	CHECK_EQ(t1 - t0, 1);
	CHECK_EQ(t->ifc.usleep(t->ud, 1500000), 0);
	t2 = vnow(t);
	CHECK_EQ(t2 - t1, 1500000 + 1);
	for (int i = 0; i < 3600; i++)
		CHECK_EQ(t->ifc.usleep(t->ud, 1000000), 0);
	CHECK_EQ(vnow(t) - t2, 3600ll * 1000000 + 1);
	CHECK(real_s() - start < 2.0, "an hour of virtual time took %.2f s", real_s() - start);
}
TEST(virtual_clock)
{
	PDT_RUN(BASE_FLAGS, body_virtual_clock);
}

/* fcntl with two arguments (F_GETFL passes none) and Linux's values:
 * O_RDWR is 2, O_NONBLOCK 04000. */
static void body_fcntl(struct pdt *t)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd = pdt_listen(t, US_PORT);
	long long before;

	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_GETFL), 02);
	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_SETFL, 04000), 0);
	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_GETFL), 02 | 04000);
	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_GETFD), 0);
	/* Non-blocking now: accept fails at once, the clock hardly moves. */
	before = vnow(t);
	CHECK_EQ(t->ifc.accept(t->ud, lfd, (struct sockaddr *)&sin, &len), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(vnow(t) - before < 10, "a non-blocking accept took %lld us", vnow(t) - before);
	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_SETFL, 0), 0);
	CHECK_EQ(t->ifc.fcntl(t->ud, lfd, F_GETFL), 02);
	/* A descriptor that is not a socket of ours. */
	CHECK_EQ(t->ifc.fcntl(t->ud, 4000, F_GETFL), -1);
	CHECK_EQ(errno, EBADF);
}
TEST(fcntl_linux_values)
{
	PDT_RUN(BASE_FLAGS, body_fcntl);
}

/* free() with sockets open in several states: a listener with a connection
 * in its SYN queue and one not yet accepted, an established connection with
 * data unread and data unacknowledged (a retransmission timer running), an
 * epoll instance.  pdt_run_ then frees the instance: the adapter's leak
 * check and ASan judge. */
static void body_free_open(struct pdt *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct tcp_seg sg;
	long long when;
	int lfd = pdt_listen(t, US_PORT), fd, ep;

	fd = pdt_established(t, lfd, PEER_PORT);
	if (fd < 0)
		return;
	PEER_SEG(t, PEER_PORT, 1, 1, TH_ACK | TH_PUSH, "unread!", PEER_TSVAL + 2);
	CHECK_EQ(t->ifc.write(t->ud, fd, "unacked", 7), 7);
	if (STACK_SENT(t, &sg, NULL, 0, &when))
		CHECK_EQ(sg.len, 7);
	/* Accepted by nobody, and half open. */
	pdt_syn(t, PEER_PORT + 1);
	pdt_ack(t, PEER_PORT + 1);
	pdt_syn(t, PEER_PORT + 2);
	ep = pdt_fd(t, t->ifc.epoll_create(t->ud, 1));
	CHECK(ep >= 0, "epoll_create: %s", strerror(errno));
	CHECK_EQ(t->ifc.epoll_ctl(t->ud, ep, EPOLL_CTL_ADD, fd, &ev), 0);
}
TEST(free_with_sockets_open)
{
	PDT_RUN(BASE_FLAGS, body_free_open);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH/libfastack_packetdrill.so [TEST ...]\n", argv[0]);
		return 2;
	}
	so_path = argv[1];
	return harness_main(argc - 1, argv + 1);
}
