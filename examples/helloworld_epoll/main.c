/* helloworld_epoll: an HTTP/1.1 server on fastack, driven by epoll.
 *
 * The shape of F-Stack's example programs: ff_init() with the command line
 * (--conf FILE, --proc-type, --proc-id), a non-blocking listening socket
 * registered with ff_epoll_ctl(), and ff_run() calling loop() once per pass
 * of the stack's poll loop; loop() asks epoll what is ready (timeout 0: the
 * loop never blocks), accepts new connections and lets the HTTP logic of
 * examples/http/http_conn.c read, parse and answer.  What is served, and how
 * keep-alive, pipelining and errors are handled, is described in
 * examples/http/http_conn.h: GET /, GET /bytes/N, POST /hash.
 *
 * Interest follows what each connection waits for: EPOLLIN while it wants
 * input, EPOLLOUT while a response is blocked on a full send buffer (and
 * then no EPOLLIN: a client that pipelines faster than it reads is held
 * back by TCP's flow control, not by our memory).
 *
 * Environment (the command line belongs to ff_init, as in F-Stack):
 *   FASTACK_HTTP_PORT     TCP port (default 80)
 *   FASTACK_HTTP_IDLE_MS  idle keep-alive connections are closed after this
 *                         (default 60000; 0 = never)
 *   FASTACK_HTTP_HEADER_MS, FASTACK_ACCEPT_PAUSE_MS  as for helloworld
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
 *   helloworld_epoll --conf config.ini
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
#include "../http/http_conn.h"

#define NAME "helloworld_epoll"
#define MAX_EVENTS 512
#define ACCEPT_BUDGET 256 /* connections accepted per pass */
#define BACKLOG 4096

struct app {
	int lfd, epfd;
	struct http_server srv;
	struct http_conn **by_fd; /* connections indexed by descriptor */
	size_t by_fd_len;
	uint64_t last_sweep_ms;
	long long sndbuf;
	unsigned long long accept_errors, ctl_errors;
	struct accept_pause pause;
	int last_errno;
};

static volatile sig_atomic_t stop_requested;

/* Watches the listener for EPOLLIN, or for nothing (an accept pause). */
static void listener_watch(struct app *a, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)a->lfd << 32 | events };

	if (ff_epoll_ctl(a->epfd, EPOLL_CTL_MOD, a->lfd, &ev) < 0) {
		a->ctl_errors++;
		a->last_errno = errno;
	}
}

/* A signal may land on any thread (DPDK starts its own), and ff_stop_run()
 * acts on the calling thread's stack: the handler only raises a flag, and
 * the loop, on the stack's thread, stops the stack. */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int by_fd_set(struct app *a, int fd, struct http_conn *c)
{
	if ((size_t)fd >= a->by_fd_len) {
		size_t n = a->by_fd_len ? a->by_fd_len : 1024;
		struct http_conn **t;

		while (n <= (size_t)fd)
			n *= 2;
		t = realloc(a->by_fd, n * sizeof(*t));
		if (!t)
			return -1;
		memset(t + a->by_fd_len, 0, (n - a->by_fd_len) * sizeof(*t));
		a->by_fd = t;
		a->by_fd_len = n;
	}
	a->by_fd[fd] = c;
	return 0;
}

static void conn_gone(int fd, void *arg)
{
	struct app *a = arg;

	a->by_fd[fd] = NULL;
}

/* What a connection waits for, as epoll interest. */
static uint32_t interest(unsigned want)
{
	return (want & HTTP_WANT_READ ? EPOLLIN | EPOLLRDHUP : 0) |
	       (want & HTTP_WANT_WRITE ? EPOLLOUT : 0);
}

/* Runs a connection and updates its registration. */
static void conn_event(struct app *a, int fd, uint32_t registered)
{
	struct http_conn *c = a->by_fd[fd];
	unsigned want;
	uint32_t ev;

	if (!c)
		return;
	want = http_conn_run(c);
	if (want & HTTP_CLOSED) {
		a->by_fd[fd] = NULL; /* ff_close removed the registration */
		return;
	}
	ev = interest(want);
	if (ev != registered) {
		struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)fd << 32 | ev };

		if (ff_epoll_ctl(a->epfd, EPOLL_CTL_MOD, fd, &e) < 0) {
			a->ctl_errors++;
			a->last_errno = errno;
		}
	}
}

static void accept_some(struct app *a)
{
	for (int i = 0; i < ACCEPT_BUDGET; i++) {
		struct epoll_event e;
		struct http_conn *c;
		int fd = ff_accept(a->lfd, NULL, NULL), on = 1;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				a->accept_errors++;
				a->last_errno = errno;
				if (accept_pause_wanted(errno)) {
					listener_watch(a, 0);
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
		c = http_conn_open(&a->srv, fd);
		if (!c)
			continue;
		if (by_fd_set(a, fd, c) < 0) {
			a->srv.st.no_memory++;
			http_server_close_all(&a->srv); /* out of memory: give up */
			ff_stop_run();
			return;
		}
		/* data.u64: the descriptor and the interest it is registered with */
		e.events = EPOLLIN | EPOLLRDHUP;
		e.data.u64 = (uint64_t)fd << 32 | e.events;
		if (ff_epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			a->ctl_errors++;
			a->last_errno = errno;
		}
	}
}

static int loop(void *arg)
{
	struct app *a = arg;
	struct epoll_event events[MAX_EVENTS];
	int n;

	if (stop_requested) {
		ff_stop_run();
		return 0;
	}
	a->srv.now_ms = http_clock_ms();
	if (a->srv.now_ms - a->last_sweep_ms >= 1000) {
		a->last_sweep_ms = a->srv.now_ms;
		http_server_sweep(&a->srv, conn_gone, a);
	}
	if (accept_pause_over(&a->pause, a->srv.now_ms))
		listener_watch(a, EPOLLIN);
	n = ff_epoll_wait(a->epfd, events, MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		int fd = (int)(events[i].data.u64 >> 32);

		if (fd == a->lfd)
			accept_some(a);
		else
			conn_event(a, fd, (uint32_t)events[i].data.u64);
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct app a = { .lfd = -1, .epfd = -1 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int port = http_env_port("FASTACK_HTTP_PORT", 80), on = 1;

	http_server_init(&a.srv);
	a.sndbuf = http_env_num("FASTACK_HTTP_SNDBUF", 0);
	if (port < 0 || http_server_env(&a.srv) < 0 || a.sndbuf < 0 || a.sndbuf > (1 << 30) ||
	    accept_pause_init(&a.pause) < 0) {
		fprintf(stderr, NAME ": " HTTP_ENV_USAGE "\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	a.srv.now_ms = a.last_sweep_ms = http_clock_ms();

	a.lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (a.lfd < 0) {
		perror(NAME ": ff_socket");
		return 1;
	}
	if (ff_ioctl(a.lfd, FIONBIO, &on) < 0) {
		perror(NAME ": ff_ioctl(FIONBIO)");
		return 1;
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(a.lfd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0) {
		perror(NAME ": ff_bind");
		return 1;
	}
	if (http_listener_setup(&a.srv, a.lfd) < 0) {
		perror(NAME ": TCP_USER_TIMEOUT");
		return 1;
	}
	if (ff_listen(a.lfd, BACKLOG) < 0) {
		perror(NAME ": ff_listen");
		return 1;
	}
	a.epfd = ff_epoll_create(MAX_EVENTS);
	if (a.epfd < 0) {
		perror(NAME ": ff_epoll_create");
		return 1;
	}
	ev.data.u64 = (uint64_t)a.lfd << 32 | EPOLLIN;
	if (ff_epoll_ctl(a.epfd, EPOLL_CTL_ADD, a.lfd, &ev) < 0) {
		perror(NAME ": ff_epoll_ctl");
		return 1;
	}
	printf(NAME ": listening on TCP port %d (epoll)\n", port);
	fflush(stdout);

	ff_run(loop, &a);

	http_stats_print(&a.srv, NAME);
	printf(NAME ": accept errors %llu, accept pauses %llu, epoll_ctl errors %llu",
	       a.accept_errors, (unsigned long long)a.pause.pauses, a.ctl_errors);
	if (a.last_errno)
		printf(" (last error: %s)", strerror(a.last_errno));
	printf("\n");
	http_server_close_all(&a.srv);
	ff_close(a.epfd);
	ff_close(a.lfd);
	ff_stats_print(stdout);
	fflush(stdout);
	free(a.by_fd);
	return 0;
}
