/* tcp_echo: a TCP echo server (RFC 862) on fastack, driven by epoll.
 *
 * F-Stack's program shape: ff_init() with the command line, a non-blocking
 * listening socket in an epoll instance, ff_run() calling loop() once per
 * pass.  Every byte a client sends comes back to it.  Each connection has a
 * buffer of ECHO_BUF bytes: input is read only while there is room, and the
 * socket waits for EPOLLOUT when the peer does not take the echo as fast as
 * it sends (so a client that never reads is held back by TCP's window).
 * When the client shuts down its side, the rest is echoed and the
 * connection closed.
 *
 * Environment: FASTACK_ECHO_PORT (default 7); FASTACK_ACCEPT_PAUSE_MS (100):
 * how long accepting stops when ff_accept fails for lack of descriptors or
 * memory (examples/common/accept_pause.h).  SIGINT/SIGTERM: stop, print
 * tallies and the stack's counters (ff_stats_print), exit 0.
 *
 *   tcp_echo --conf config.ini
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"

#include "../common/accept_pause.h"

#define NAME "tcp_echo"
#define ECHO_DEFAULT_PORT 7
#define ECHO_BUF 65536
#define MAX_EVENTS 512
#define BACKLOG 4096

struct conn {
	int fd;
	bool eof;            /* the client has shut down its side */
	uint32_t registered; /* epoll interest */
	size_t head, len;    /* bytes buf[head .. head + len) wait to go back */
	char buf[ECHO_BUF];
};

struct app {
	int lfd, epfd;
	struct conn **conns; /* by descriptor */
	size_t nconns;
	unsigned long long accepted, closed, open, bytes, errors;
	struct accept_pause pause;
	int last_errno;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1; /* the loop stops the stack, on its own thread */
}

static void conn_close(struct app *a, struct conn *c)
{
	a->conns[c->fd] = NULL;
	ff_close(c->fd);
	free(c);
	a->closed++;
	a->open--;
}

/* Echoes what it can; returns false if the connection was closed. */
static bool conn_run(struct app *a, struct conn *c)
{
	uint32_t want;

	for (;;) {
		ssize_t n;

		if (c->len) {
			n = ff_write(c->fd, c->buf + c->head, c->len);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				a->errors++;
				a->last_errno = errno;
				conn_close(a, c);
				return false;
			}
			c->head += (size_t)n;
			c->len -= (size_t)n;
			a->bytes += (unsigned long long)n;
			if (c->len)
				break; /* partial: the send buffer is full */
			c->head = 0;
		}
		if (c->eof) {
			conn_close(a, c); /* all echoed */
			return false;
		}
		n = ff_read(c->fd, c->buf, sizeof(c->buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			a->errors++;
			a->last_errno = errno;
			conn_close(a, c);
			return false;
		}
		if (n == 0)
			c->eof = true;
		c->len = (size_t)n;
	}
	want = c->len ? EPOLLOUT : EPOLLIN | EPOLLRDHUP;
	if (want != c->registered) {
		struct epoll_event ev = { .events = want, .data.fd = c->fd };

		if (ff_epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
			c->registered = want;
	}
	return true;
}

/* Watches the listener for EPOLLIN, or for nothing (an accept pause). */
static void listener_watch(struct app *a, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = a->lfd };

	if (ff_epoll_ctl(a->epfd, EPOLL_CTL_MOD, a->lfd, &ev) < 0) {
		a->errors++;
		a->last_errno = errno;
	}
}

static void accept_some(struct app *a)
{
	for (int i = 0; i < 256; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		int fd = ff_accept(a->lfd, NULL, NULL), on = 1;
		struct conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				a->errors++;
				a->last_errno = errno;
				if (accept_pause_wanted(errno)) {
					listener_watch(a, 0);
					accept_pause_start(&a->pause, accept_pause_clock_ms());
				}
			}
			return;
		}
		ff_ioctl(fd, FIONBIO, &on);
		if ((size_t)fd >= a->nconns) {
			size_t n = a->nconns ? a->nconns * 2 : 1024;
			struct conn **t;

			while (n <= (size_t)fd)
				n *= 2;
			t = realloc(a->conns, n * sizeof(*t));
			if (!t) {
				ff_close(fd);
				a->errors++;
				continue;
			}
			memset(t + a->nconns, 0, (n - a->nconns) * sizeof(*t));
			a->conns = t;
			a->nconns = n;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			ff_close(fd);
			a->errors++;
			continue;
		}
		c->fd = fd;
		c->registered = ev.events;
		a->conns[fd] = c;
		a->accepted++;
		a->open++;
		ev.data.fd = fd;
		if (ff_epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			a->errors++;
			a->last_errno = errno;
			conn_close(a, c);
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
	if (a->pause.until_ms && accept_pause_over(&a->pause, accept_pause_clock_ms()))
		listener_watch(a, EPOLLIN);
	n = ff_epoll_wait(a->epfd, events, MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		int fd = events[i].data.fd;

		if (fd == a->lfd)
			accept_some(a);
		else if ((size_t)fd < a->nconns && a->conns[fd])
			conn_run(a, a->conns[fd]);
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct app a = { .lfd = -1, .epfd = -1 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *ps = getenv("FASTACK_ECHO_PORT");
	int port = ECHO_DEFAULT_PORT, on = 1;

	if (ps && *ps) {
		char *end;
		long v = strtol(ps, &end, 10);

		if (*end || v < 1 || v > 65535) {
			fprintf(stderr, NAME ": FASTACK_ECHO_PORT must be a port number\n");
			return 2;
		}
		port = (int)v;
	}
	if (accept_pause_init(&a.pause) < 0) {
		fprintf(stderr, NAME ": FASTACK_ACCEPT_PAUSE_MS must be 1..60000\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	a.lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (a.lfd < 0 || ff_ioctl(a.lfd, FIONBIO, &on) < 0) {
		perror(NAME ": ff_socket");
		return 1;
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(a.lfd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0 ||
	    ff_listen(a.lfd, BACKLOG) < 0) {
		perror(NAME ": ff_bind/ff_listen");
		return 1;
	}
	a.epfd = ff_epoll_create(MAX_EVENTS);
	ev.data.fd = a.lfd;
	if (a.epfd < 0 || ff_epoll_ctl(a.epfd, EPOLL_CTL_ADD, a.lfd, &ev) < 0) {
		perror(NAME ": ff_epoll");
		return 1;
	}
	printf(NAME ": listening on TCP port %d (epoll)\n", port);
	fflush(stdout);

	ff_run(loop, &a);

	printf(NAME ": stopped: connections accepted %llu closed %llu open %llu; "
	            "bytes echoed %llu; errors %llu; accept pauses %llu",
	       a.accepted, a.closed, a.open, a.bytes, a.errors, (unsigned long long)a.pause.pauses);
	if (a.last_errno)
		printf(" (last error: %s)", strerror(a.last_errno));
	printf("\n");
	for (size_t fd = 0; fd < a.nconns; fd++)
		if (a.conns[fd])
			conn_close(&a, a.conns[fd]);
	ff_close(a.epfd);
	ff_close(a.lfd);
	ff_stats_print(stdout);
	fflush(stdout);
	free(a.conns);
	return 0;
}
