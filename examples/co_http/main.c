/* co_http: an HTTP/1.1 server on fastack written blocking-style, one
 * coroutine per connection (include/ff_co.h).
 *
 * main() sets up the listener and spawns the accept coroutine, then runs
 * the stack's loop (ff_run); the loop function only watches for SIGTERM.
 * The accept coroutine parks in ff_co_accept and spawns a detached
 * coroutine per connection, which reads a request head (ff_co_read),
 * answers it (ff_co_write) and goes round again while the connection is
 * kept alive: the code reads as a threaded server's would, and runs on the
 * stack's thread with no locks.
 *
 * Resources (the subset of examples/helloworld that benchmarks and the
 * integration tests use):
 *   GET|HEAD /          "Hello from fastack\n"
 *   GET|HEAD /bytes/N   N bytes of the pattern of examples/http/pattern.h
 *   anything else       404 (a body in the request is read and dropped)
 * Keep-alive by default for HTTP/1.1, on request for HTTP/1.0;
 * "Connection: close" honoured; a head over HEAD_MAX bytes gets 431 and the
 * connection closes; a malformed one 400.
 *
 * Environment (the command line belongs to ff_init):
 *   FASTACK_HTTP_PORT       TCP port (80)
 *   FASTACK_HTTP_IDLE_MS    a connection with no request this long closes
 *                           (60000)
 *   FASTACK_HTTP_HEADER_MS  a request head must be complete this long
 *                           after its first byte (10000)
 *   FASTACK_ACCEPT_PAUSE_MS accepting stops this long after ff_accept fails
 *                           for lack of descriptors or memory (100)
 *
 * SIGINT/SIGTERM stops the loop; it prints its tallies ("co_http:
 * stopped: ...") and the stack's counters, and exits 0.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ff_api.h"
#include "ff_co.h"

#include "../common/co_server.h"

#include "../http/pattern.h"

#define NAME "co_http"
#define HEAD_MAX 8192
#define BACKLOG 4096
#define CHUNK 65536

struct stats {
	unsigned long long opened, closed, open, requests, status[6], bytes_in, bytes_out;
	unsigned long long eof_mid_request, read_errors, write_errors, timeouts;
};

/* Whether the connection stays open after a response, and whether the
 * response says so (an HTTP/1.0 client's keep-alive, RFC 9112 9.3). */
enum { KEEP_NO, KEEP_YES, KEEP_SAY };

static struct stats st;
static int idle_ms = 60000, header_ms = 10000, pause_ms = 100;
static struct co_server srv = { .conn_name = "http-conn" };

static long env_num(const char *var, long def, long max)
{
	const char *v = getenv(var);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > max)
		return -1;
	return n;
}

/* Writes all of buf; false on an error (counted). */
static bool put(int fd, const void *buf, size_t len)
{
	ssize_t n = ff_co_write(fd, buf, len, idle_ms);

	if (n > 0)
		st.bytes_out += (unsigned long long)n;
	if (n != (ssize_t)len) {
		st.write_errors++;
		return false;
	}
	return true;
}

static bool respond(int fd, int status, const char *reason, const char *body, uint64_t len,
                    bool head_only, int keep)
{
	char hdr[256];
	int n;

	st.status[status / 100]++;
	n = snprintf(hdr, sizeof(hdr),
	             "HTTP/1.1 %d %s\r\nServer: fastack-co\r\nContent-Type: text/plain\r\n"
	             "Content-Length: %llu\r\n%s\r\n",
	             status, reason, (unsigned long long)len,
	             keep == KEEP_SAY   ? "Connection: keep-alive\r\n"
	             : keep == KEEP_YES ? ""
	                                : "Connection: close\r\n");
	if (body && !head_only) {
		/* Head and a small body in one write: two would meet Nagle's
		 * algorithm and the client's delayed ACK. */
		struct iovec iov[2] = { { hdr, (size_t)n }, { (void *)body, (size_t)len } };
		ssize_t w = ff_co_writev(fd, iov, 2, idle_ms);

		if (w > 0)
			st.bytes_out += (unsigned long long)w;
		if (w != (ssize_t)(n + len)) {
			st.write_errors++;
			return false;
		}
		return true;
	}
	if (!put(fd, hdr, (size_t)n))
		return false;
	if (head_only)
		return true;
	for (uint64_t off = 0; off < len;) {
		size_t l = len - off < CHUNK ? (size_t)(len - off) : CHUNK;

		if (!put(fd, pattern_at(off), l))
			return false;
		off += l;
	}
	return true;
}

/* "/": its responses, made once (one for each keep mode), written whole. */
static struct {
	char buf[256];
	size_t head, len;
} hello_resp[3];

static void hello_init(void)
{
	static const char *conn[] = { [KEEP_NO] = "Connection: close\r\n",
		                      [KEEP_YES] = "",
		                      [KEEP_SAY] = "Connection: keep-alive\r\n" };

	for (int k = 0; k < 3; k++) {
		int n = snprintf(hello_resp[k].buf, sizeof(hello_resp[k].buf),
		                 "HTTP/1.1 200 OK\r\nServer: fastack-co\r\nContent-Type: "
		                 "text/plain\r\nContent-Length: 19\r\n%s\r\n",
		                 conn[k]);

		hello_resp[k].head = (size_t)n;
		memcpy(hello_resp[k].buf + n, "Hello from fastack\n", 19);
		hello_resp[k].len = (size_t)n + 19;
	}
}

static bool hello(int fd, bool head_only, int keep)
{
	st.status[2]++;
	return put(fd, hello_resp[keep].buf,
	           head_only ? hello_resp[keep].head : hello_resp[keep].len);
}

/* One pass over the header fields of a head (NUL-terminated): the
 * Connection value (copied, NUL-terminated; empty if absent) and the
 * Content-Length (0 if absent). */
static void scan_fields(const char *head, char *conn, size_t connlen, unsigned long long *clen)
{
	conn[0] = 0;
	*clen = 0;
	for (const char *p = strchr(head, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		const char *f = p + 1, *v, *e;
		size_t nl;

		if ((f[0] | 0x20) != 'c')
			continue;
		if (strncasecmp(f, "connection:", 11) == 0)
			nl = 11;
		else if (strncasecmp(f, "content-length:", 15) == 0)
			nl = 15;
		else
			continue;
		v = f + nl;
		while (*v == ' ' || *v == '\t')
			v++;
		e = v;
		while (*e && *e != '\r' && *e != '\n')
			e++;
		if (nl == 15)
			*clen = strtoull(v, NULL, 10);
		else
			snprintf(conn, connlen, "%.*s", (int)(e - v), v);
	}
}

/* Answers one request whose head is in[0..head) (NUL-terminated there).
 * Returns whether the connection stays open. */
static bool serve(int fd, char *in, size_t head, size_t *have)
{
	char *line_end = in + strcspn(in, "\r\n"), *method = in, *target = NULL, *version = NULL;
	unsigned long long n = 0, body = 0;
	bool head_only;
	char val[64], *end, *sp;
	int keep;

	st.requests++;
	/* method SP target SP HTTP/1.x */
	sp = memchr(method, ' ', (size_t)(line_end - method));
	if (sp) {
		*sp = 0;
		target = sp + 1;
		sp = memchr(target, ' ', (size_t)(line_end - target));
	}
	if (sp) {
		*sp = 0;
		version = sp + 1;
	}
	if (!version || line_end - version != 8 || strncmp(version, "HTTP/1.", 7) != 0) {
		respond(fd, 400, "Bad Request", "bad request\n", 12, false, false);
		return false;
	}
	scan_fields(line_end, val, sizeof(val), &body);
	keep = version[7] != '0' ? KEEP_YES : KEEP_NO;
	if (val[0])
		keep = strcasecmp(val, "close") == 0 ? KEEP_NO
		       : keep                        ? KEEP_YES
		       : strcasecmp(val, "keep-alive") == 0
		           ? KEEP_SAY /* HTTP/1.0 keeps it only if the answer says so */
		           : KEEP_NO;
	/* A body is read and dropped: what is past the head first. */
	memmove(in, in + head, *have - head);
	*have -= head;
	while (body) {
		size_t take = *have < body ? *have : (size_t)body;

		if (take) {
			memmove(in, in + take, *have - take);
			*have -= take;
			body -= take;
			continue;
		}
		ssize_t r = ff_co_read(fd, in, HEAD_MAX, idle_ms);
		if (r <= 0) {
			st.eof_mid_request++;
			return false;
		}
		st.bytes_in += (unsigned long long)r;
		*have = (size_t)r;
	}
	head_only = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !head_only)
		return respond(fd, 405, "Method Not Allowed", "method not allowed\n", 19, false,
		               keep) &&
		       keep;
	if (strcmp(target, "/") == 0)
		return hello(fd, head_only, keep) && keep;
	if (strncmp(target, "/bytes/", 7) == 0) {
		errno = 0;
		n = strtoull(target + 7, &end, 10);
		if (!errno && *end == 0 && target[7] && n <= (1ull << 40))
			return respond(fd, 200, "OK", NULL, n, head_only, keep) && keep;
	}
	return respond(fd, 404, "Not Found", "not found\n", 10, head_only, keep) && keep;
}

/* The end of the head in in[0..have) (index past the blank line), or 0. */
static size_t head_end(const char *in, size_t have)
{
	const char *p = in, *lim = in + have;

	while ((p = memchr(p, '\n', (size_t)(lim - p))) != NULL) {
		size_t i = (size_t)(p++ - in);

		if (i + 1 < have && in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < have && in[i + 1] == '\r' && in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *in = malloc(HEAD_MAX + 1);
	size_t have = 0, head;

	st.opened++;
	st.open++;
	while (in) {
		uint64_t first = have ? ff_co_now_ms() : 0; /* a pipelined head began */

		while ((head = head_end(in, have)) == 0) {
			int to =
			    have ? (int)(first + (uint64_t)header_ms - ff_co_now_ms()) : idle_ms;
			ssize_t r;

			if (have == HEAD_MAX) {
				respond(fd, 431, "Request Header Fields Too Large", "too large\n",
				        10, false, false);
				goto out;
			}
			r = ff_co_read(fd, in + have, HEAD_MAX - have, to < 0 ? 0 : to);
			if (r == 0 && have)
				st.eof_mid_request++;
			if (r < 0 && errno == ETIMEDOUT)
				st.timeouts++;
			else if (r < 0)
				st.read_errors++;
			if (r <= 0)
				goto out;
			if (!have)
				first = ff_co_now_ms();
			have += (size_t)r;
			st.bytes_in += (unsigned long long)r;
		}
		in[head - 1] = 0;
		if (!serve(fd, in, head, &have))
			break;
	}
out:
	free(in);
	ff_close(fd);
	st.closed++;
	st.open--;
}

int main(int argc, char *argv[])
{
	long port = env_num("FASTACK_HTTP_PORT", 80, 65535);

	idle_ms = (int)env_num("FASTACK_HTTP_IDLE_MS", 60000, 86400000);
	header_ms = (int)env_num("FASTACK_HTTP_HEADER_MS", 10000, 86400000);
	pause_ms = (int)env_num("FASTACK_ACCEPT_PAUSE_MS", 100, 60000);
	if (port <= 0 || idle_ms < 0 || header_ms < 0 || pause_ms <= 0) {
		fprintf(stderr, NAME ": FASTACK_HTTP_PORT must be 1..65535, FASTACK_HTTP_IDLE_MS "
		                     "and FASTACK_HTTP_HEADER_MS numbers, FASTACK_ACCEPT_PAUSE_MS "
		                     "1..60000\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	pattern_init();
	hello_init();
	srv.conn = conn_main;
	srv.pause_ms = (uint64_t)pause_ms;
	if (co_server_start(&srv, NAME, (uint16_t)port, BACKLOG) < 0)
		return 1;
	printf(NAME ": listening on TCP port %ld (coroutines)\n", port);
	fflush(stdout);

	ff_run(co_server_loop, NULL);
	co_server_shut_down(&srv);

	printf(NAME ": stopped: connections opened %llu closed %llu open %llu; requests %llu; "
	            "responses 2xx %llu 4xx %llu 5xx %llu\n",
	       st.opened, st.closed, st.open, st.requests, st.status[2], st.status[4],
	       st.status[5]);
	printf(NAME ": bytes in %llu out %llu; eof mid-request %llu, read errors %llu, write "
	            "errors %llu, timeouts %llu; accept errors %llu, spawn errors %llu; coroutines "
	            "alive %u\n",
	       st.bytes_in, st.bytes_out, st.eof_mid_request, st.read_errors, st.write_errors,
	       st.timeouts, srv.accept_errors, srv.spawn_errors, ff_co_count());
	ff_stats_print(stdout);
	fflush(stdout);
	return 0;
}
