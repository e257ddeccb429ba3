/* helloworld: an HTTP/1.1 server on fastack, driven by kqueue.
 *
 * F-Stack's helloworld, grown up: ff_init() with the command line (--conf
 * FILE, --proc-type, --proc-id), a non-blocking listening socket registered
 * with ff_kevent(EVFILT_READ), and ff_run() calling loop() once per pass of
 * the stack's poll loop.  loop() collects what is ready (zero timeout: the
 * loop never blocks), accepts as many connections as the listener's event
 * reports (kevent data = accept queue length), and lets the HTTP logic of
 * examples/http/http_conn.c read, parse and answer (GET /, GET /bytes/N,
 * POST /hash; see examples/http/http_conn.h).
 *
 * Each connection has an EVFILT_READ filter, enabled while it wants input,
 * and an EVFILT_WRITE filter, added the first time a response is blocked on
 * a full send buffer and enabled only while it is.
 *
 * Environment (the command line belongs to ff_init, as in F-Stack):
 *   FASTACK_HTTP_PORT     TCP port (default 80)
 *   FASTACK_HTTP_IDLE_MS  idle keep-alive connections are closed after this
 *                         (default 60000; 0 = never)
 *   FASTACK_HTTP_HEADER_MS  a request's head must be complete this long after
 *                         its first byte, however slowly it trickles in
 *                         (slowloris; default 10000; 0 = never)
 *   FASTACK_ACCEPT_PAUSE_MS  how long accepting stops after ff_accept fails
 *                         for lack of descriptors or memory (default 100;
 *                         examples/common/accept_pause.h)
 *   FASTACK_HTTP_SEND_TIMEOUT_MS  a client that takes none of a response
 *                         this long is dropped (TCP_USER_TIMEOUT, as nginx's
 *                         send_timeout; default 60000; 0 = never)
 *   FASTACK_HTTP_SNDBUF   SO_SNDBUF of accepted connections (default: the
 *                         stack's net.inet.tcp.sendspace)
 *
 * SIGINT or SIGTERM stops the loop; the program then closes every
 * connection, prints its own tallies and every non-zero stack counter
 * (ff_stats_print), and exits 0.
 *
 * With several lcores (threads mode) every stack listens on the port on its
 * first pass and serves the connections RSS brings it; each reports as
 * helloworld[i], then the totals over every stack follow
 * (examples/common/per_stack.h).
 *
 *   helloworld --conf config.ini
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"

#include "../common/accept_pause.h"
#include "../common/per_stack.h"
#include "../http/http_conn.h"

#define NAME "helloworld"
#define MAX_EVENTS 512
#define BACKLOG 4096
#define ACCEPT_BUDGET 256 /* connections accepted per pass */

/* Per descriptor: the connection and the state of its two filters. */
struct slot {
	struct http_conn *c;
	bool rd_on;    /* EVFILT_READ enabled */
	bool wr_added; /* EVFILT_WRITE exists */
	bool wr_on;    /* ... and is enabled */
};

struct app {
	bool up, done; /* set up on the stack's first pass; finished */
	char name[24]; /* helloworld, or helloworld[i] with several stacks */
	int lfd, kq;
	struct http_server srv;
	struct slot *slots; /* indexed by descriptor */
	size_t nslots;
	uint64_t last_sweep_ms;
	long long sndbuf;
	unsigned long long accept_errors, kevent_errors;
	struct accept_pause pause;
	int last_errno;
};

static volatile sig_atomic_t stop_requested;
static int http_port;

/* A signal may land on any thread (DPDK starts its own), and ff_stop_run()
 * acts on the calling thread's stack: the handler only raises a flag, and
 * the loop, on the stack's thread, stops the stack. */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static struct slot *slot_get(struct app *a, int fd)
{
	if ((size_t)fd >= a->nslots) {
		size_t n = a->nslots ? a->nslots : 1024;
		struct slot *t;

		while (n <= (size_t)fd)
			n *= 2;
		t = realloc(a->slots, n * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + a->nslots, 0, (n - a->nslots) * sizeof(*t));
		a->slots = t;
		a->nslots = n;
	}
	return &a->slots[fd];
}

static void conn_gone(int fd, void *arg)
{
	struct app *a = arg;

	memset(&a->slots[fd], 0, sizeof(a->slots[fd]));
}

static void change(struct app *a, int fd, short filter, unsigned short flags)
{
	struct kevent kev;

	EV_SET(&kev, fd, filter, flags, 0, 0, NULL);
	if (ff_kevent(a->kq, &kev, 1, NULL, 0, NULL) < 0) {
		a->kevent_errors++;
		a->last_errno = errno;
	}
}

/* Runs a connection and brings its filters in line with what it wants. */
static void conn_event(struct app *a, int fd)
{
	struct slot *sl = &a->slots[fd];
	bool rd, wr;
	unsigned want;

	if (!sl->c)
		return; /* closed earlier in this batch */
	want = http_conn_run(sl->c);
	if (want & HTTP_CLOSED) {
		memset(sl, 0, sizeof(*sl)); /* ff_close removed the filters */
		return;
	}
	rd = want & HTTP_WANT_READ;
	wr = want & HTTP_WANT_WRITE;
	if (rd != sl->rd_on) {
		change(a, fd, EVFILT_READ, rd ? EV_ENABLE : EV_DISABLE);
		sl->rd_on = rd;
	}
	if (wr != sl->wr_on) {
		if (wr && !sl->wr_added) {
			change(a, fd, EVFILT_WRITE, EV_ADD | EV_ENABLE);
			sl->wr_added = true;
		} else {
			change(a, fd, EVFILT_WRITE, wr ? EV_ENABLE : EV_DISABLE);
		}
		sl->wr_on = wr;
	}
}

static void accept_some(struct app *a, int64_t pending)
{
	if (pending < 1)
		pending = 1;
	if (pending > ACCEPT_BUDGET)
		pending = ACCEPT_BUDGET;
	for (int64_t i = 0; i < pending; i++) {
		struct http_conn *c;
		struct slot *sl;
		int fd = ff_accept(a->lfd, NULL, NULL), on = 1;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				a->accept_errors++;
				a->last_errno = errno;
				if (accept_pause_wanted(errno)) {
					/* stop watching the listener for a while */
					change(a, a->lfd, EVFILT_READ, EV_DISABLE);
					accept_pause_start(&a->pause, a->srv.now_ms);
				}
			}
			return;
		}
		ff_ioctl(fd, FIONBIO, &on);
		if (a->sndbuf > 0) {
			int v = (int)a->sndbuf;

			ff_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		}
		sl = slot_get(a, fd);
		if (!sl) {
			a->srv.st.no_memory++;
			ff_close(fd);
			continue;
		}
		c = http_conn_open(&a->srv, fd);
		if (!c)
			continue;
		sl->c = c;
		sl->rd_on = true;
		sl->wr_added = sl->wr_on = false;
		change(a, fd, EVFILT_READ, EV_ADD);
	}
}

static int app_setup(struct app *a);
static void app_finish(struct app *a);

static int loop(void *arg)
{
	struct app *a = &((struct app *)arg)[ff_stack_index()];
	struct kevent events[MAX_EVENTS];
	int n;

	if (!a->up) {
		a->up = true;
		if (app_setup(a) < 0) {
			per_stack_fail();
			return 0;
		}
	}
	if (stop_requested) {
		if (!a->done) {
			a->done = true;
			app_finish(a);
			per_stack_finished();
		}
		return 0;
	}
	a->srv.now_ms = http_clock_ms();
	if (a->srv.now_ms - a->last_sweep_ms >= 1000) {
		a->last_sweep_ms = a->srv.now_ms;
		http_server_sweep(&a->srv, conn_gone, a);
	}
	if (accept_pause_over(&a->pause, a->srv.now_ms))
		change(a, a->lfd, EVFILT_READ, EV_ENABLE);
	n = ff_kevent(a->kq, NULL, 0, events, MAX_EVENTS, NULL);
	for (int i = 0; i < n; i++) {
		int fd = (int)events[i].ident;

		if (events[i].flags & EV_ERROR) {
			a->kevent_errors++;
			a->last_errno = (int)events[i].data;
		} else if (fd == a->lfd) {
			accept_some(a, events[i].data);
		} else {
			/* EV_EOF too: the read then sees the end of the stream */
			conn_event(a, fd);
		}
	}
	return 0;
}

/* The listener and kqueue of the calling thread's stack. */
static int app_setup(struct app *a)
{
	struct kevent kev;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int on = 1;

	if (ff_stack_count() > 1)
		snprintf(a->name, sizeof(a->name), NAME "[%d]", ff_stack_index());
	else
		snprintf(a->name, sizeof(a->name), NAME);
	a->srv.now_ms = a->last_sweep_ms = http_clock_ms();
	a->lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (a->lfd < 0) {
		perror(NAME ": ff_socket");
		return -1;
	}
	if (ff_ioctl(a->lfd, FIONBIO, &on) < 0) {
		perror(NAME ": ff_ioctl(FIONBIO)");
		return -1;
	}
	sin.sin_port = htons((uint16_t)http_port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(a->lfd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0) {
		perror(NAME ": ff_bind");
		return -1;
	}
	if (http_listener_setup(&a->srv, a->lfd) < 0) {
		perror(NAME ": TCP_USER_TIMEOUT");
		return -1;
	}
	if (ff_listen(a->lfd, BACKLOG) < 0) {
		perror(NAME ": ff_listen");
		return -1;
	}
	a->kq = ff_kqueue();
	if (a->kq < 0) {
		perror(NAME ": ff_kqueue");
		return -1;
	}
	EV_SET(&kev, a->lfd, EVFILT_READ, EV_ADD, 0, BACKLOG, NULL);
	if (ff_kevent(a->kq, &kev, 1, NULL, 0, NULL) < 0) {
		perror(NAME ": ff_kevent");
		return -1;
	}
	per_stack_lock();
	printf("%s: listening on TCP port %d (kqueue)\n", a->name, http_port);
	per_stack_unlock();
	return 0;
}

/* Stopping: this stack's tallies, its connections closed, its counters. */
static void app_finish(struct app *a)
{
	per_stack_lock();
	http_stats_print(&a->srv, a->name);
	printf("%s: accept errors %llu, accept pauses %llu, kevent errors %llu", a->name,
	       a->accept_errors, (unsigned long long)a->pause.pauses, a->kevent_errors);
	if (a->last_errno)
		printf(" (last error: %s)", strerror(a->last_errno));
	printf("\n");
	http_server_close_all(&a->srv);
	ff_close(a->kq);
	ff_close(a->lfd);
	ff_stats_print(stdout);
	per_stack_unlock();
	free(a->slots);
	a->slots = NULL;
}

int main(int argc, char *argv[])
{
	static struct app apps[PER_STACK_MAX]; /* one per stack: per_stack.h */

	http_port = http_env_port("FASTACK_HTTP_PORT", 80);
	for (unsigned i = 0; i < PER_STACK_MAX; i++) {
		struct app *a = &apps[i];

		a->lfd = a->kq = -1;
		http_server_init(&a->srv);
		a->sndbuf = http_env_num("FASTACK_HTTP_SNDBUF", 0);
		if (http_port < 0 || http_server_env(&a->srv) < 0 || a->sndbuf < 0 ||
		    a->sndbuf > (1 << 30) || accept_pause_init(&a->pause) < 0) {
			fprintf(stderr, NAME ": " HTTP_ENV_USAGE "\n");
			return 2;
		}
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ff_run(loop, apps);
	if (ff_stack_count() > 1 && !per_stack_rc) {
		printf(NAME ": every stack together:\n");
		ff_stats_total_print(stdout);
	}
	fflush(stdout);
	return per_stack_rc;
}
