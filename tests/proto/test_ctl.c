/* test_ctl.c: the control channel's request handling (src/ctl) with the
 * stack passing traffic.
 *
 * Two stacks on the in-memory link (h_pair): a serves the channel on a
 * socket in a temporary directory, and b sends it one UDP datagram every
 * millisecond of virtual time, which a must receive in the same pass.  The
 * test is every client: real Unix sockets, non-blocking, written and read
 * between passes.  Each pass a's ctl_poll runs as ff_run's loop runs it;
 * time is virtual, so the timeouts (a slow request, a client that does not
 * read) are reached in milliseconds of real time.
 *
 * Cases: a request answered; malformed requests (unknown verb, bad bytes,
 * bad arguments) answered with an error and the connection kept; an
 * oversized frame answered and closed; a slow request closed at its
 * deadline; a client gone mid-answer; a flood of pipelined requests from a
 * client that never reads; more clients than slots; a live capture (the
 * frames, the second start refused, stopped when nobody reads); and with three stacks
 * (h_multi) a request reaching every stack, the answers merged in stack
 * order, a knob set in all of them.  Every case checks that the traffic
 * never stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

#include "ff_api.h"

#include "ctl/ctl.h"
#include "stack/stack.h"

/* ---- the fixture ---- */

struct fx {
	struct h_pair h;
	struct ctl *ctl;
	char dir[64];
	int rx_fd, tx_fd; /* a's receiving socket, b's sending one */
	unsigned sent, lost;
};

static struct ctl *open_ctl(struct stack *const *s, unsigned n, const char *dir)
{
	struct ctl_opts o = { .dir = dir, .name = "test.0" };
	char err[256];
	struct ctl *c = ctl_open(s, n, &o, err, sizeof(err));

	CHECK(c != NULL, "ctl_open: %s", err);
	return c;
}

static void fx_ms(struct fx *f);

static void fx_create(struct fx *f)
{
	struct sockaddr_in a;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/fastack-test-ctl.XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL, "mkdtemp");
	h_pair_create(&f->h, NULL, NULL, NULL);
	f->ctl = open_ctl(&f->h.a, 1, f->dir);
	stack_set_current(f->h.a);
	f->rx_fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(ff_bind(f->rx_fd, h_sin4(&a, NULL, 7000), sizeof(a)) == 0, "bind");
	stack_set_current(f->h.b);
	f->tx_fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	/* ARP resolves in the first passes; from then on every datagram counts */
	for (int i = 0; i < 5; i++)
		fx_ms(f);
	f->sent = f->lost = 0;
}

/* One millisecond: b sends a datagram, both stacks pass, a's channel is
 * polled, a must have the datagram. */
static void fx_ms(struct fx *f)
{
	struct sockaddr_in a;
	char buf[64];

	stack_set_current(f->h.b);
	ff_sendto(f->tx_fd, "ping", 4, 0, h_sin4(&a, "198.18.0.1", 7000), sizeof(a));
	f->sent++;
	f->h.now += 1000000;
	h_pair_pass(&f->h);
	ctl_poll(f->h.a);
	stack_set_current(f->h.a);
	if (ff_recvfrom(f->rx_fd, buf, sizeof(buf), 0, NULL, NULL) != 4)
		f->lost++;
}

static void fx_run(struct fx *f, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++)
		fx_ms(f);
}

static void fx_destroy(struct fx *f)
{
	CHECK(f->lost == 0, "%u of %u datagrams not received in their pass", f->lost, f->sent);
	stack_set_current(f->h.a);
	ff_close(f->rx_fd);
	stack_set_current(f->h.b);
	ff_close(f->tx_fd);
	ctl_close(f->ctl);
	h_pair_destroy(&f->h);
	rmdir(f->dir);
}

/* ---- clients ---- */

static int client(const struct ctl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl_path(c));
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s", strerror(errno));
	return fd;
}

static void send_raw(int fd, const void *p, size_t n)
{
	CHECK(write(fd, p, n) == (ssize_t)n, "write: %s", strerror(errno));
}

static void send_req(int fd, const char *req)
{
	uint8_t buf[CTL_HDR + CTL_REQ_MAX];
	size_t n = strlen(req);

	ctl_hdr_put(buf, (uint32_t)n);
	memcpy(buf + CTL_HDR, req, n);
	send_raw(fd, buf, CTL_HDR + n);
}

/* Reads one framed answer, running passes until it is complete (at most
 * ms of them); returns its body (malloc'd, NUL-terminated) or NULL. */
static char *read_answer(struct fx *f, int fd, unsigned ms)
{
	uint8_t hdr[CTL_HDR];
	size_t got = 0, need = CTL_HDR;
	char *body = NULL;

	for (unsigned i = 0; i <= ms; i++) {
		for (;;) {
			ssize_t n =
			    read(fd, got < CTL_HDR ? (char *)hdr + got : body + got - CTL_HDR,
			         need - got);

			if (n <= 0)
				break;
			got += (size_t)n;
			if (got == CTL_HDR && need == CTL_HDR) {
				need = CTL_HDR + ctl_hdr_get(hdr);
				body = calloc(1, need - CTL_HDR + 1);
			}
			if (got == need)
				return body;
		}
		if (f)
			fx_ms(f);
	}
	free(body);
	return NULL;
}

/* True when the server closed fd (read gives EOF or a reset). */
static bool closed_by_server(int fd)
{
	char b[4096];
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN);
}

#define EXPECT_ANSWER(f, fd, prefix)                                                       \
	do {                                                                               \
		char *ans_ = read_answer(f, fd, 50);                                       \
		CHECK(ans_ &&strncmp(ans_, prefix, strlen(prefix)) == 0,                   \
		      "answer '%.80s', expected '%s...'", ans_ ? ans_ : "(none)", prefix); \
		free(ans_);                                                                \
	} while (0)

/* ---- cases ---- */

TEST(ctl_stat_answered_with_every_counter)
{
	struct fx f;
	char *ans;
	int fd;

	fx_create(&f);
	fx_run(&f, 5);
	fd = client(f.ctl);
	send_req(fd, "stat");
	ans = read_answer(&f, fd, 50);
	CHECK(ans && strncmp(ans, "ok\n", 3) == 0, "answer '%.40s'", ans ? ans : "(none)");
	CHECK(ans && strstr(ans, "counter\tstack=0\tname=udp.udps_ipackets\tvalue="),
	      "no udps_ipackets record");
	CHECK(ans && strstr(ans, "gauge\tstack=0\tname=mem.pool_free"), "no pool gauge");
	free(ans);
	/* the connection stays for the next request */
	send_req(fd, "sysctl net.inet.ip.ttl");
	ans = read_answer(&f, fd, 50);
	CHECK(ans && strstr(ans, "knob\tstack=0\tname=net.inet.ip.ttl\tvalue=64\tdefault=64"
	                         "\trange=1..255"),
	      "sysctl answer '%.200s'", ans ? ans : "(none)");
	free(ans);
	close(fd);
	CHECK_EQ(ctl_stats(f.ctl)->answers, 2);
	fx_destroy(&f);
}

TEST(ctl_malformed_requests_get_an_error_and_the_connection_stays)
{
	static const char *const bad[][2] = {
		{ "frobnicate", "error unknown request 'frobnicate'" },
		{ "stat\x01", "error request holds a byte 0x01" },
		{ "route add 10.0.0.0/33 198.18.0.2", "error bad destination" },
		{ "route add 10.0.0.1/8 198.18.0.2", "error destination '10.0.0.1/8' has host" },
		{ "route get 1.2.3", "error bad address" },
		{ "sysctl no.such.knob", "error unknown knob 'no.such.knob'" },
		{ "sysctl net.inet.ip.ttl 256", "error net.inet.ip.ttl: out of range: '256' "
		                                "(accepts 1..255)" },
		{ "sysctl net.inet.ip.ttl many", "error net.inet.ip.ttl: bad value" },
		{ "sysctl kern.maxfiles 100", "error kern.maxfiles sizes a table" },
		{ "ifconfig port7 mtu 1400", "error port7: no such interface" },
		{ "ifconfig port0 mtu 9000", "error port0: MTU 9000 above the link's" },
		{ "ifconfig port00 mtu 1400", "error bad interface name" },
		{ "arp del 198.18.0.99", "error 198.18.0.99: no such entry" },
		{ "route del 10.1.0.0/16", "error no such route" },
		{ "stat stat", "error bad arguments to 'stat'" },
		{ "                ", "error empty request" },
	};
	struct fx f;
	int fd;

	fx_create(&f);
	fd = client(f.ctl);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_req(fd, bad[i][0]);
		EXPECT_ANSWER(&f, fd, bad[i][1]);
	}
	send_req(fd, "info");
	EXPECT_ANSWER(&f, fd, "ok\nproc\tpid=");
	close(fd);
	CHECK_EQ(KNOB(f.h.a, IP_DEFTTL), 64);
	fx_destroy(&f);
}

TEST(ctl_oversized_and_empty_frames_are_answered_then_closed)
{
	static const uint32_t lens[] = { CTL_REQ_MAX + 1, 0, 0xffffffffu };
	struct fx f;

	fx_create(&f);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t hdr[CTL_HDR];
		int fd = client(f.ctl);

		ctl_hdr_put(hdr, lens[i]);
		send_raw(fd, hdr, sizeof(hdr));
		EXPECT_ANSWER(&f, fd, "error request of ");
		fx_run(&f, 3);
		CHECK(closed_by_server(fd), "frame of %u bytes: connection still open", lens[i]);
		close(fd);
	}
	CHECK_EQ(ctl_stats(f.ctl)->bad_requests, 3);
	fx_destroy(&f);
}

TEST(ctl_slow_request_is_closed_at_its_deadline_and_others_served)
{
	struct fx f;
	int slow, quick;

	fx_create(&f);
	slow = client(f.ctl);
	send_raw(slow, "\0\0", 2); /* half a header, then nothing */
	fx_run(&f, 1000);
	quick = client(f.ctl);
	send_req(quick, "info");
	EXPECT_ANSWER(&f, quick, "ok\n");
	CHECK(!closed_by_server(slow), "closed before its deadline");
	fx_run(&f, 1100);
	CHECK(closed_by_server(slow), "a request begun 2.1 s ago is still open");
	CHECK_EQ(ctl_stats(f.ctl)->slow_closed, 1);
	close(slow);
	close(quick);
	fx_destroy(&f);
}

TEST(ctl_client_gone_mid_answer_and_while_its_request_is_with_the_stacks)
{
	struct fx f;
	int fd;

	fx_create(&f);
	/* Pipelined requests the client never reads fill the socket buffer:
	 * the server stops mid-answer (EAGAIN), then the client goes. */
	fd = client(f.ctl);
	for (int i = 0; i < 40; i++)
		send_req(fd, "stat");
	fx_run(&f, 200);
	CHECK(ctl_stats(f.ctl)->answers < 40, "all %lu answered into a full buffer?",
	      (unsigned long)ctl_stats(f.ctl)->answers);
	close(fd);
	fx_run(&f, 5);
	CHECK_EQ(ctl_stats(f.ctl)->write_closed, 1);
	/* gone right after asking: the stacks' answer is dropped */
	fd = client(f.ctl);
	send_req(fd, "sockets");
	fx_run(&f, 1); /* accepted, read, posted */
	close(fd);
	fx_run(&f, 5);
	fd = client(f.ctl);
	send_req(fd, "info");
	EXPECT_ANSWER(&f, fd, "ok\n");
	close(fd);
	fx_destroy(&f);
}

TEST(ctl_flood_of_requests_costs_a_bounded_amount_per_pass)
{
	struct fx f;
	unsigned before;
	int fd[4];

	fx_create(&f);
	for (int k = 0; k < 4; k++) {
		fd[k] = client(f.ctl);
		for (int i = 0; i < 200; i++)
			send_req(fd[k], "info");
	}
	before = (unsigned)ctl_stats(f.ctl)->answers;
	/* one request to the stacks at a time, one tick per ms: 100 ms answer
	 * at most 100 of the 800, and the datagram of every ms still arrives
	 * (fx_destroy checks). */
	fx_run(&f, 100);
	CHECK(ctl_stats(f.ctl)->answers - before <= 100, "%lu answers in 100 ticks",
	      (unsigned long)(ctl_stats(f.ctl)->answers - before));
	CHECK(ctl_stats(f.ctl)->answers - before >= 40, "only %lu answers in 100 ticks",
	      (unsigned long)(ctl_stats(f.ctl)->answers - before));
	for (int k = 0; k < 4; k++)
		close(fd[k]);
	fx_run(&f, 5);
	fx_destroy(&f);
}

TEST(ctl_more_clients_than_slots_are_refused_and_the_rest_served)
{
	struct fx f;
	int fd[40];
	unsigned refused = 0, served = 0;

	fx_create(&f);
	for (int i = 0; i < 40; i++) {
		fd[i] = client(f.ctl);
		if (i % 4 == 3)
			fx_ms(&f); /* the backlog is 16: let the server accept */
	}
	fx_run(&f, 20);
	for (int i = 0; i < 40; i++)
		send(fd[i], "\0\0\0\4info", 8, MSG_NOSIGNAL);
	for (int i = 0; i < 40; i++) {
		char *ans = read_answer(&f, fd[i], 100);

		if (ans && strncmp(ans, "ok\n", 3) == 0)
			served++;
		else if (closed_by_server(fd[i]))
			refused++;
		free(ans);
		close(fd[i]);
	}
	CHECK_EQ(served, 16);
	CHECK_EQ(refused, 24);
	CHECK_EQ(ctl_stats(f.ctl)->refused_full, 24);
	fx_destroy(&f);
}

TEST(ctl_stale_socket_is_replaced_and_a_live_one_refused)
{
	char dir[64], path[96], err[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct h_one h;
	struct ctl *c;
	struct ctl_opts o = { .name = "test.0" };
	struct stat st;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/fastack-test-ctl.XXXXXX");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	o.dir = dir;
	snprintf(path, sizeof(path), "%s/test.0.sock", dir);
	/* a socket file whose process is gone: bound, never listening */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	close(fd);
	h_one_create(&h, NULL, NULL);
	c = ctl_open(&h.s, 1, &o, err, sizeof(err));
	CHECK(c != NULL, "stale file not replaced: %s", err);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	/* a second server on the same name */
	CHECK(ctl_open(&h.s, 1, &o, err, sizeof(err)) == NULL && errno == EADDRINUSE,
	      "a live socket was taken over");
	CHECK(strstr(err, "another running process serves it") != NULL, "err '%s'", err);
	ctl_close(c);
	CHECK(stat(path, &st) < 0, "socket file left behind");
	h_one_destroy(&h);
	rmdir(dir);
}

TEST(ctl_capture_sees_the_frames_and_stops_when_unread)
{
	struct fx f;
	char *ans;
	int fd;

	fx_create(&f);
	fd = client(f.ctl);
	send_req(fd, "capture start 64");
	EXPECT_ANSWER(&f, fd, "ok\n");
	CHECK(f.h.a->ports[0]->tap != NULL, "no tap on port0");
	send_req(fd, "capture start 64");
	EXPECT_ANSWER(&f, fd, "error a capture is running already");
	fx_run(&f, 10);
	send_req(fd, "capture read");
	ans = read_answer(&f, fd, 50);
	/* b's datagrams in (cut to 64 bytes), and nothing else: a sends none */
	CHECK(ans && strstr(ans, "frame\tstack=0\tport=0\tdir=in\t"), "no frame in '%.200s'",
	      ans ? ans : "(none)");
	CHECK(ans && strstr(ans, "\tlen=46\tdata=02000000000102000000000208004500"),
	      "the datagram's frame is not there: '%.300s'", ans ? ans : "(none)");
	CHECK(ans && strstr(ans, "\tdropped=0\n"), "dropped: '%.300s'", ans ? ans : "(none)");
	free(ans);
	/* unread for 5 s: the capture stops itself, the taps go */
	fx_run(&f, 5200);
	CHECK(f.h.a->ports[0]->tap == NULL, "capture still on after 5 s unread");
	send_req(fd, "capture read");
	EXPECT_ANSWER(&f, fd, "error no capture is running");
	close(fd);
	fx_destroy(&f);
}

/* ---- several stacks in the process ---- */

TEST(ctl_request_reaches_every_stack_and_answers_merge_in_order)
{
	struct h_multi h;
	char dir[64], *ans = NULL;
	struct ctl *c;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/fastack-test-ctl.XXXXXX");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	h_multi_create(&h, 3, NULL, NULL, NULL);
	c = open_ctl(h.s, 3, dir);
	fd = client(c);
	send_req(fd, "sysctl net.inet.ip.ttl 33");
	for (int i = 0; i < 50 && !ans; i++) {
		h.now += 1000000;
		h_multi_pass(&h);
		for (unsigned k = 0; k < 3; k++)
			ctl_poll(h.s[k]);
		ans = read_answer(NULL, fd, 0);
	}
	CHECK(ans != NULL, "no answer");
	if (ans) {
		char *p0 = strstr(ans, "stack=0\tname=net.inet.ip.ttl\tvalue=33");
		char *p1 = strstr(ans, "stack=1\tname=net.inet.ip.ttl\tvalue=33");
		char *p2 = strstr(ans, "stack=2\tname=net.inet.ip.ttl\tvalue=33");

		CHECK(p0 && p1 && p2 && p0 < p1 && p1 < p2, "answer '%s'", ans);
	}
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ(KNOB(h.s[k], IP_DEFTTL), 33);
	free(ans);
	close(fd);
	ctl_close(c);
	for (unsigned k = 0; k < 3; k++)
		CHECK(h.s[k]->ctl == NULL, "stack %u still attached", k);
	h_multi_destroy(&h);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
