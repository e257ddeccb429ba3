/* tcp_echo_client: a TCP echo client on fastack, driven by epoll.
 *
 *   tcp_echo_client --conf client.ini -- HOST PORT [BYTES [CONNECTIONS]]
 *
 * Opens CONNECTIONS (default 1) connections to HOST:PORT at once with
 * non-blocking ff_connect() (EINPROGRESS, then EPOLLOUT and SO_ERROR), sends
 * BYTES (default 1 MiB) of the pattern of examples/http/pattern.h on each
 * (each connection starting at its own offset), checks that every byte
 * comes back in order, shuts its side down after the last byte, and waits
 * for the server's FIN.  Prints one line per failed connection and a
 * summary, then the stack's counters; exits 0 only if every connection
 * echoed every byte.  The whole run is bounded by FASTACK_CLIENT_TIMEOUT_S
 * (default 60) seconds.
 *
 * With several lcores (threads mode) stack k opens connections k, k + n,
 * ... (each picks local ports whose replies RSS brings back to it), reports
 * its share as tcp_echo_client[k], and the totals follow
 * (examples/common/per_stack.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "ff_api.h"

#include "../common/per_stack.h"
#include "../http/pattern.h"

#define NAME "tcp_echo_client"
#define MAX_EVENTS 512

enum cstate { C_CONNECTING, C_RUNNING, C_DONE, C_FAILED };

struct conn {
	unsigned id; /* connection number over the whole program */
	int fd;
	enum cstate st;
	uint64_t base; /* pattern offset of byte 0 */
	uint64_t sent, rcvd;
	bool shut; /* SHUT_WR done */
	uint32_t registered;
};

/* One per stack (per_stack.h): stack k runs connections k, k + n, ... */
struct app {
	bool up, done;
	struct sockaddr_in peer;
	uint64_t bytes;
	unsigned nconns, ndone, nok;
	struct conn *conns;
	int epfd;
	double t0, deadline;
};

static volatile sig_atomic_t stop_requested;
static __thread char rbuf[65536]; /* per thread: every stack reads into its own */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void finish(struct app *a, struct conn *c, bool ok, const char *why, int err)
{
	if (c->st == C_DONE || c->st == C_FAILED)
		return;
	if (!ok)
		printf(NAME ": connection %u: %s%s%s (sent %llu, echoed %llu of %llu)\n", c->id,
		       why, err ? ": " : "", err ? strerror(err) : "", (unsigned long long)c->sent,
		       (unsigned long long)c->rcvd, (unsigned long long)a->bytes);
	c->st = ok ? C_DONE : C_FAILED;
	ff_close(c->fd);
	a->ndone++;
	a->nok += ok;
}

static void set_interest(struct app *a, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u32 = (uint32_t)(c - a->conns) };

	if (ev != c->registered && ff_epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->registered = ev;
}

static void conn_run(struct app *a, struct conn *c)
{
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (ff_getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			finish(a, c, false, "connect", err);
			return;
		}
		c->st = C_RUNNING;
	}
	/* send */
	while (c->sent < a->bytes) {
		uint64_t k = a->bytes - c->sent;
		ssize_t n;

		if (k > PATTERN_SPAN)
			k = PATTERN_SPAN;
		n = ff_write(c->fd, pattern_at(c->base + c->sent), (size_t)k);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			finish(a, c, false, "write", errno);
			return;
		}
		c->sent += (uint64_t)n;
	}
	if (c->sent == a->bytes && !c->shut) {
		ff_shutdown(c->fd, SHUT_WR);
		c->shut = true;
	}
	/* receive and check */
	for (;;) {
		ssize_t n = ff_read(c->fd, rbuf, sizeof(rbuf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			finish(a, c, false, "read", errno);
			return;
		}
		if (n == 0) {
			if (c->rcvd == a->bytes)
				finish(a, c, true, "", 0);
			else
				finish(a, c, false, "early EOF", 0);
			return;
		}
		if (c->rcvd + (uint64_t)n > a->bytes) {
			finish(a, c, false, "more bytes than sent", 0);
			return;
		}
		for (ssize_t off = 0; off < n;) {
			size_t k = (size_t)n - (size_t)off;

			if (k > PATTERN_SPAN)
				k = PATTERN_SPAN;
			if (memcmp(rbuf + off, pattern_at(c->base + c->rcvd), k) != 0) {
				size_t j = 0;
				const uint8_t *p = pattern_at(c->base + c->rcvd);

				while (j < k && (uint8_t)rbuf[off + j] == p[j])
					j++;
				c->rcvd += j;
				finish(a, c, false, "echoed byte differs", 0);
				return;
			}
			c->rcvd += k;
			off += (ssize_t)k;
		}
	}
	set_interest(a, c, c->sent < a->bytes ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static int start(struct app *a, struct conn *c);

/* The first pass of a stack: its epoll instance, its connections opened. */
static int app_setup(struct app *a)
{
	a->epfd = ff_epoll_create(MAX_EVENTS);
	if (a->epfd < 0) {
		perror(NAME ": ff_epoll_create");
		return -1;
	}
	for (unsigned k = 0; k < a->nconns; k++)
		if (start(a, &a->conns[k]) < 0)
			return -1;
	return 0;
}

/* The last: what is still open fails, the stack's share is reported. */
static void app_finish(struct app *a)
{
	for (unsigned k = 0; k < a->nconns; k++) {
		struct conn *c = &a->conns[k];

		if (c->st == C_CONNECTING || c->st == C_RUNNING)
			finish(a, c, false, stop_requested ? "interrupted" : "timed out", 0);
	}
	if (ff_stack_count() > 1) {
		per_stack_lock();
		printf(NAME "[%d]: %u of %u connections echoed every byte\n", ff_stack_index(),
		       a->nok, a->nconns);
		ff_stats_print(stdout);
		per_stack_unlock();
	}
	ff_close(a->epfd);
}

static int loop(void *arg)
{
	struct app *a = &((struct app *)arg)[ff_stack_index()];
	struct epoll_event events[MAX_EVENTS];
	int n;

	if (!a->up) {
		a->up = true;
		if (app_setup(a) < 0) {
			per_stack_fail();
			return 0;
		}
	}
	if (a->done)
		return 0;
	if (stop_requested || a->ndone == a->nconns || now_s() > a->deadline) {
		a->done = true;
		app_finish(a);
		per_stack_finished();
		return 0;
	}
	n = ff_epoll_wait(a->epfd, events, MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		struct conn *c = &a->conns[events[i].data.u32];

		if (c->st == C_CONNECTING || c->st == C_RUNNING)
			conn_run(a, c);
	}
	return 0;
}

static int start(struct app *a, struct conn *c)
{
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN };
	int on = 1;

	c->fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || ff_ioctl(c->fd, FIONBIO, &on) < 0) {
		perror(NAME ": ff_socket");
		return -1;
	}
	c->registered = e.events;
	e.data.u32 = (uint32_t)(c - a->conns);
	if (ff_epoll_ctl(a->epfd, EPOLL_CTL_ADD, c->fd, &e) < 0) {
		perror(NAME ": ff_epoll_ctl");
		return -1;
	}
	if (ff_connect(c->fd, (struct linux_sockaddr *)&a->peer, sizeof(a->peer)) < 0 &&
	    errno != EINPROGRESS) {
		finish(a, c, false, "connect", errno);
		return 0;
	}
	c->st = C_CONNECTING;
	return 0;
}

int main(int argc, char *argv[])
{
	static struct app apps[PER_STACK_MAX];
	struct app a = { .bytes = 1 << 20, .nconns = 1, .epfd = -1 };
	const char *ts = getenv("FASTACK_CLIENT_TIMEOUT_S");
	double timeout = ts && *ts ? atof(ts) : 60, secs;
	int args, nst;
	unsigned long long total = 0;
	unsigned nok = 0;

	for (args = 1; args < argc && strcmp(argv[args], "--") != 0; args++)
		;
	args++;
	if (argc - args < 2 || argc - args > 4) {
		fprintf(stderr, "usage: " NAME " --conf FILE -- HOST PORT [BYTES [CONNECTIONS]]\n");
		return 2;
	}
	a.peer.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[args], &a.peer.sin_addr) != 1 || atoi(argv[args + 1]) < 1 ||
	    atoi(argv[args + 1]) > 65535) {
		fprintf(stderr, NAME ": bad address or port\n");
		return 2;
	}
	a.peer.sin_port = htons((uint16_t)atoi(argv[args + 1]));
	if (argc - args > 2)
		a.bytes = strtoull(argv[args + 2], NULL, 10);
	if (argc - args > 3)
		a.nconns = (unsigned)atoi(argv[args + 3]);
	if (a.nconns < 1 || a.nconns > 100000 || timeout <= 0) {
		fprintf(stderr, NAME ": CONNECTIONS must be 1..100000, the timeout positive\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pattern_init();
	a.t0 = now_s();
	a.deadline = a.t0 + timeout;
	/* Stack k opens connections k, k + n, k + 2n, ... */
	nst = ff_stack_count();
	for (int k = 0; k < nst; k++) {
		struct app *s = &apps[k];

		*s = a;
		s->nconns = (a.nconns - (unsigned)k + (unsigned)nst - 1) / (unsigned)nst;
		s->conns = calloc(s->nconns ? s->nconns : 1, sizeof(*s->conns));
		if (!s->conns) {
			fprintf(stderr, NAME ": out of memory\n");
			return 1;
		}
		for (unsigned j = 0; j < s->nconns; j++) {
			s->conns[j].id = (unsigned)k + j * (unsigned)nst;
			s->conns[j].base = (uint64_t)s->conns[j].id * 7919;
		}
	}
	printf(NAME ": %u connection%s to %s:%s, %llu bytes each\n", a.nconns,
	       a.nconns == 1 ? "" : "s", argv[args], argv[args + 1], (unsigned long long)a.bytes);
	fflush(stdout);

	ff_run(loop, apps);

	secs = now_s() - a.t0;
	for (int k = 0; k < nst; k++) {
		for (unsigned j = 0; j < apps[k].nconns; j++)
			total += apps[k].conns[j].rcvd;
		nok += apps[k].nok;
		free(apps[k].conns);
	}
	printf(NAME ": %u of %u connections echoed every byte; %llu bytes echoed in %.3f s "
	            "(%.1f MB/s)\n",
	       nok, a.nconns, total, secs, secs > 0 ? (double)total / secs / 1e6 : 0.0);
	if (nst > 1)
		printf(NAME ": every stack together:\n");
	ff_stats_total_print(stdout);
	fflush(stdout);
	return per_stack_rc ? per_stack_rc : nok == a.nconns ? 0 : 1;
}
