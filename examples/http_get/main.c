/* http_get: an HTTP/1.1 client on fastack that downloads one resource and
 * prints the SHA-256 of its body.
 *
 *   http_get --conf client.ini -- HOST PORT PATH
 *
 * Connects with non-blocking ff_connect() (EINPROGRESS, then EPOLLOUT and
 * SO_ERROR), sends "GET PATH HTTP/1.1" with "Connection: close", reads the
 * status line and header fields (at most HEAD_MAX bytes), then the body:
 * Content-Length bytes, or up to the server's FIN when there is no length.
 * The body is hashed as it arrives and never stored.  A chunked response is
 * refused (the servers this is meant for send lengths).  Prints
 *
 *   http_get: status 200, 1073741824 body bytes in 9.876 s (108.7 MB/s)
 *   http_get: sha256 <64 hex digits>
 *
 * then the stack's counters, and exits 0 for a complete 2xx body, 1 for
 * anything else.  The run is bounded by FASTACK_CLIENT_TIMEOUT_S (default
 * 120) seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>

#include "ff_api.h"

#include "../http/sha256.h"

#define NAME "http_get"
#define HEAD_MAX 16384

enum gstate { G_CONNECTING, G_SENDING, G_HEAD, G_BODY, G_DONE };

struct get {
	struct sockaddr_in peer;
	int fd, epfd;
	enum gstate st;
	bool ok;
	char req[1024];
	size_t req_len, req_off;
	char head[HEAD_MAX];
	size_t head_len;
	int status;
	bool has_length;
	uint64_t length, got;
	struct sha256 sha;
	double t0, t_head, deadline;
	const char *why;
	int err;
};

static volatile sig_atomic_t stop_requested;
static char rbuf[65536];

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

static void done(struct get *g, bool ok, const char *why, int err)
{
	g->st = G_DONE;
	g->ok = ok;
	g->why = why;
	g->err = err;
	ff_close(g->fd);
	ff_stop_run();
}

static void body(struct get *g, const char *p, size_t n)
{
	if (g->has_length && n > g->length - g->got) {
		done(g, false, "more body than Content-Length", 0);
		return;
	}
	sha256_update(&g->sha, p, n);
	g->got += n;
	if (g->has_length && g->got == g->length)
		done(g, g->status / 100 == 2, g->status / 100 == 2 ? "" : "status not 2xx", 0);
}

/* Parses the status line and fields in g->head[0 .. end). */
static int parse_head(struct get *g, size_t end)
{
	char *p = g->head, *lim = g->head + end, *eol;

	if (sscanf(p, "HTTP/%*d.%*d %d", &g->status) != 1)
		return -1;
	for (p = memchr(p, '\n', (size_t)(lim - p)) + 1; p < lim; p = eol + 1) {
		char *v;

		eol = memchr(p, '\n', (size_t)(lim - p));
		if (!eol)
			break;
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		v = strchr(p, ':');
		if (!v)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (strcasecmp(p, "content-length") == 0) {
			char *e;

			g->length = strtoull(v, &e, 10);
			if (e == v)
				return -1;
			g->has_length = true;
		} else if (strcasecmp(p, "transfer-encoding") == 0) {
			return -2;
		}
	}
	return 0;
}

static void run(struct get *g)
{
	if (g->st == G_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (ff_getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			done(g, false, "connect", err);
			return;
		}
		g->st = G_SENDING;
	}
	if (g->st == G_SENDING) {
		while (g->req_off < g->req_len) {
			ssize_t n = ff_write(g->fd, g->req + g->req_off, g->req_len - g->req_off);

			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				done(g, false, "write", errno);
				return;
			}
			g->req_off += (size_t)n;
		}
		struct epoll_event e = { .events = EPOLLIN };
		ff_epoll_ctl(g->epfd, EPOLL_CTL_MOD, g->fd, &e);
		g->st = G_HEAD;
	}
	while (g->st == G_HEAD || g->st == G_BODY) {
		ssize_t n;

		if (g->st == G_HEAD)
			n = ff_read(g->fd, g->head + g->head_len, sizeof(g->head) - g->head_len);
		else
			n = ff_read(g->fd, rbuf, sizeof(rbuf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			done(g, false, "read", errno);
			return;
		}
		if (n == 0) {
			if (g->st == G_BODY && !g->has_length)
				done(g, g->status / 100 == 2, "", 0);
			else
				done(g, false, "early EOF", 0);
			return;
		}
		if (g->st == G_BODY) {
			body(g, rbuf, (size_t)n);
			continue;
		}
		g->head_len += (size_t)n;
		char *e = memmem(g->head, g->head_len, "\r\n\r\n", 4);
		if (!e) {
			if (g->head_len == sizeof(g->head))
				done(g, false, "response head too large", 0);
			continue;
		}
		size_t end = (size_t)(e + 4 - g->head), rest = g->head_len - end;
		int rc = parse_head(g, end);

		if (rc < 0) {
			done(g, false, rc == -2 ? "chunked response: not supported" : "bad head",
			     0);
			return;
		}
		g->t_head = now_s();
		g->st = G_BODY;
		if (g->has_length && g->length == 0) {
			done(g, g->status / 100 == 2, "", 0);
			return;
		}
		if (rest)
			body(g, g->head + end, rest);
	}
}

static int loop(void *arg)
{
	struct get *g = arg;
	struct epoll_event ev[4];
	int n;

	if (stop_requested) {
		done(g, false, "interrupted", 0);
		return 0;
	}
	if (now_s() > g->deadline) {
		done(g, false, "timed out", 0);
		return 0;
	}
	n = ff_epoll_wait(g->epfd, ev, 4, 0);
	if (n > 0 && g->st != G_DONE)
		run(g);
	return 0;
}

int main(int argc, char *argv[])
{
	struct get g = { .fd = -1, .epfd = -1 };
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN };
	const char *ts = getenv("FASTACK_CLIENT_TIMEOUT_S");
	double timeout = ts && *ts ? atof(ts) : 120, secs;
	uint8_t digest[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN];
	int args, on = 1, port;

	for (args = 1; args < argc && strcmp(argv[args], "--") != 0; args++)
		;
	args++;
	if (argc - args != 3) {
		fprintf(stderr, "usage: " NAME " --conf FILE -- HOST PORT PATH\n");
		return 2;
	}
	port = atoi(argv[args + 1]);
	g.peer.sin_family = AF_INET;
	g.peer.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[args], &g.peer.sin_addr) != 1 || port < 1 || port > 65535 ||
	    argv[args + 2][0] != '/' || timeout <= 0) {
		fprintf(stderr, NAME ": bad address, port or path\n");
		return 2;
	}
	g.req_len =
	    (size_t)snprintf(g.req, sizeof(g.req),
	                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: fastack-http_get\r\n"
	                     "Accept: */*\r\nConnection: close\r\n\r\n",
	                     argv[args + 2], argv[args], port);
	if (g.req_len >= sizeof(g.req)) {
		fprintf(stderr, NAME ": path too long\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sha256_init(&g.sha);
	g.fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	g.epfd = ff_epoll_create(4);
	if (g.fd < 0 || g.epfd < 0 || ff_ioctl(g.fd, FIONBIO, &on) < 0 ||
	    ff_epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.fd, &e) < 0) {
		perror(NAME ": socket set-up");
		return 1;
	}
	g.t0 = now_s();
	g.deadline = g.t0 + timeout;
	if (ff_connect(g.fd, (struct linux_sockaddr *)&g.peer, sizeof(g.peer)) < 0 &&
	    errno != EINPROGRESS) {
		perror(NAME ": ff_connect");
		return 1;
	}
	printf(NAME ": GET http://%s:%d%s\n", argv[args], port, argv[args + 2]);
	fflush(stdout);

	ff_run(loop, &g);

	secs = now_s() - g.t0;
	sha256_final(&g.sha, digest);
	sha256_hex(digest, hex);
	printf(NAME ": status %d, %llu body bytes in %.3f s (%.1f MB/s)%s%s%s%s\n", g.status,
	       (unsigned long long)g.got, secs, secs > 0 ? (double)g.got / secs / 1e6 : 0.0,
	       g.ok ? "" : "; FAILED: ", g.ok ? "" : g.why, g.err ? ": " : "",
	       g.err ? strerror(g.err) : "");
	printf(NAME ": sha256 %s\n", hex);
	ff_stats_print(stdout);
	fflush(stdout);
	ff_close(g.epfd);
	return g.ok ? 0 : 1;
}
