/* http_conn.c: see http_conn.h.
 *
 * A connection is a small state machine driven by http_conn_run():
 *
 *   HEAD   read until a complete request head is buffered, parse it
 *   BODY   consume the request body (Content-Length bytes, or chunks),
 *          hashing it for POST /hash and discarding it otherwise
 *   SEND   hand the response to the socket: the head (and a short body)
 *          from c->out, then a /bytes/N body straight from the pattern
 *          table; EAGAIN leaves it here until the socket is writable
 *   DRAIN  after an error response: half-closed, discard input until EOF
 *
 * After SEND the connection goes back to HEAD (keep-alive), to BODY (the
 * response was a 100 Continue), to DRAIN (error) or is closed (Connection:
 * close).  Input is read only in HEAD, BODY and DRAIN, so a client that
 * pipelines faster than it reads fills its own socket buffers, not ours.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "ff_api.h"

#include "http_conn.h"
#include "pattern.h"

#define HELLO_BODY "Hello from fastack\n"
#define CHUNK_LINE_MAX 1024 /* a chunk-size line with its extensions */
#define TRAILER_MAX 8192    /* all trailer fields together */

enum conn_state { CS_HEAD, CS_BODY, CS_SEND, CS_DRAIN };
enum route { R_HELLO, R_BYTES, R_HASH, R_NOT_FOUND, R_BAD_METHOD };
/* Chunked transfer coding (RFC 9112 section 7.1), one byte at a time. */
enum chunk_state {
	CH_SIZE,         /* hex digits of chunk-size */
	CH_EXT,          /* chunk-ext up to the end of the line */
	CH_SIZE_LF,      /* CR seen after the size line */
	CH_DATA,         /* chunk-data, body_left bytes to go */
	CH_DATA_CR,      /* the CRLF after chunk-data */
	CH_DATA_LF,      /* CR seen after chunk-data */
	CH_TRAILER,      /* start of a trailer line (an empty one ends the body) */
	CH_TRAILER_LINE, /* inside a trailer field line */
	CH_END_LF,       /* CR of the final empty line seen */
	CH_DONE,
};

struct http_conn {
	struct http_server *srv;
	struct http_conn *prev, *next;
	int fd;
	enum conn_state st;
	uint64_t last_ms; /* last progress (idle and drain timers) */
	uint64_t head_ms; /* the first byte of the request head came (HEAD) */
	bool head_started;

	/* the request being handled */
	enum route route;
	bool head_only;  /* HEAD: no body in the response */
	bool keep_alive; /* the connection outlives this response */
	bool http10;
	uint64_t nbytes;   /* /bytes/N */
	const char *allow; /* R_BAD_METHOD: the Allow field */

	/* its body */
	bool chunked;
	enum chunk_state ch;
	uint64_t body_left; /* Content-Length bytes, or of the current chunk */
	uint32_t ch_len;    /* bytes of the current size line / of all trailers */
	bool hashing;
	struct sha256 sha;
	uint64_t drained;

	/* the response */
	enum conn_state after; /* where SEND goes when done */
	bool error_close;      /* an error response: half-close and drain */
	size_t out_len, out_off;
	uint64_t stream_off, stream_left;
	char out[512];

	size_t in_len, scan; /* buffered input; where the head search resumes */
	char in[HTTP_HEAD_MAX];
};

static void tchar_init(void);

/* ---- bookkeeping ---- */

void http_server_init(struct http_server *srv)
{
	memset(srv, 0, sizeof(*srv));
	srv->idle_ms = 60000;
	srv->header_ms = 10000;
	srv->send_timeout_ms = 60000;
	srv->drain_ms = 2000;
	pattern_init();
	tchar_init();
}

int http_conn_fd(const struct http_conn *c)
{
	return c->fd;
}

struct http_conn *http_conn_open(struct http_server *srv, int fd)
{
	struct http_conn *c = malloc(sizeof(*c));

	if (!c) {
		srv->st.no_memory++;
		ff_close(fd);
		return NULL;
	}
	c->srv = srv;
	c->fd = fd;
	c->st = CS_HEAD;
	c->last_ms = srv->now_ms;
	c->head_started = false;
	c->in_len = c->scan = 0;
	c->out_len = c->out_off = 0;
	c->stream_left = 0;
	c->error_close = false;
	c->prev = NULL;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	srv->st.conns_opened++;
	if (srv->nconns > srv->st.conns_max)
		srv->st.conns_max = srv->nconns;
	return c;
}

static void conn_close(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	srv->st.conns_closed++;
	ff_close(c->fd);
	free(c);
}

void http_server_sweep(struct http_server *srv, void (*gone)(int fd, void *arg), void *arg)
{
	struct http_conn *c = srv->conns, *next;

	for (; c; c = next) {
		uint64_t idle = srv->now_ms - c->last_ms;

		next = c->next;
		if ((c->st == CS_DRAIN && idle >= srv->drain_ms) ||
		    (srv->idle_ms && idle >= srv->idle_ms)) {
			srv->st.idle_timeouts++;
		} else if (c->st == CS_HEAD && c->head_started && srv->header_ms &&
		           srv->now_ms - c->head_ms >= srv->header_ms) {
			/* A byte now and then keeps a connection from being
			 * idle, not its request head from being late. */
			srv->st.header_timeouts++;
		} else {
			continue;
		}
		if (gone)
			gone(c->fd, arg);
		conn_close(c);
	}
}

void http_server_close_all(struct http_server *srv)
{
	while (srv->conns)
		conn_close(srv->conns);
}

void http_stats_print(const struct http_server *srv, const char *name)
{
	const struct http_stats *s = &srv->st;

	printf("%s: stopped: connections opened %llu closed %llu open %llu max %llu; "
	       "requests %llu; responses 1xx %llu 2xx %llu 3xx %llu 4xx %llu 5xx %llu\n",
	       name, (unsigned long long)s->conns_opened, (unsigned long long)s->conns_closed,
	       (unsigned long long)srv->nconns, (unsigned long long)s->conns_max,
	       (unsigned long long)s->requests, (unsigned long long)s->status[1],
	       (unsigned long long)s->status[2], (unsigned long long)s->status[3],
	       (unsigned long long)s->status[4], (unsigned long long)s->status[5]);
	printf("%s: bytes in %llu out %llu body %llu; closed by peer %llu, eof mid-request %llu, "
	       "read errors %llu, write errors %llu, timeouts %llu, header deadline closes %llu, "
	       "no memory %llu\n",
	       name, (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	       (unsigned long long)s->body_bytes, (unsigned long long)s->closed_by_peer,
	       (unsigned long long)s->eof_mid_request, (unsigned long long)s->read_errors,
	       (unsigned long long)s->write_errors, (unsigned long long)s->idle_timeouts,
	       (unsigned long long)s->header_timeouts, (unsigned long long)s->no_memory);
	http_pool_print(name);
}

void http_pool_print(const char *name)
{
	struct ff_pool_info pi;

	if (ff_pool_info(&pi) == 0)
		printf("%s: pool: %llu buffers, %llu free, fewest free %llu, pressure level %d\n",
		       name, (unsigned long long)pi.size, (unsigned long long)pi.free,
		       (unsigned long long)pi.free_lowest, pi.level);
}

long long http_env_num(const char *var, long long def)
{
	const char *s = getenv(var);
	char *end;
	long long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	return v;
}

int http_server_env(struct http_server *srv)
{
	long long idle = http_env_num("FASTACK_HTTP_IDLE_MS", (long long)srv->idle_ms);
	long long head = http_env_num("FASTACK_HTTP_HEADER_MS", (long long)srv->header_ms);
	long long snd =
	    http_env_num("FASTACK_HTTP_SEND_TIMEOUT_MS", (long long)srv->send_timeout_ms);

	if (idle < 0 || head < 0 || snd < 0 || snd > 2147483647)
		return -1;
	srv->idle_ms = (uint64_t)idle;
	srv->header_ms = (uint64_t)head;
	srv->send_timeout_ms = (uint64_t)snd;
	return 0;
}

int http_listener_setup(const struct http_server *srv, int lfd)
{
	/* A peer that stops reading (a zero window) or vanishes with data
	 * outstanding holds its send buffer until this ends it: without it,
	 * FreeBSD's default keeps probing forever. */
	unsigned ms = (unsigned)srv->send_timeout_ms;

	return ff_setsockopt(lfd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
}

int http_env_port(const char *var, int def)
{
	long long v = http_env_num(var, def);

	return v >= 1 && v <= 65535 ? (int)v : -1;
}

uint64_t http_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- responses ---- */

static const char *reason(int code)
{
	switch (code) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* Queues a response: the head, a short body (or, with stream, a /bytes
 * body of c->nbytes), and sets where SEND goes next. */
static void respond(struct http_conn *c, int code, const char *extra, const char *body, bool stream)
{
	uint64_t blen = stream ? c->nbytes : strlen(body);
	const char *conn = "";
	int n;

	if (!c->keep_alive)
		conn = "Connection: close\r\n";
	else if (c->http10)
		conn = "Connection: keep-alive\r\n";
	n = snprintf(c->out, sizeof(c->out),
	             "HTTP/1.1 %d %s\r\nServer: fastack\r\nContent-Type: text/plain\r\n"
	             "Content-Length: %llu\r\n%s%s\r\n%s",
	             code, reason(code), (unsigned long long)blen, extra, conn,
	             stream || c->head_only ? "" : body);
	c->out_len = (size_t)n < sizeof(c->out) ? (size_t)n : sizeof(c->out) - 1;
	c->out_off = 0;
	c->stream_off = 0;
	c->stream_left = stream && !c->head_only ? c->nbytes : 0;
	c->srv->st.status[code / 100]++;
	c->after = c->keep_alive ? CS_HEAD : CS_DRAIN;
	c->st = CS_SEND;
}

/* GET / is the benchmark's request: its three possible answers (keep-alive,
 * close, HTTP/1.0 keep-alive) are formatted once and copied from then on. */
static void respond_hello(struct http_conn *c)
{
	static char cache[3][160];
	static size_t cache_len[3];
	int v = !c->keep_alive ? 1 : c->http10 ? 2 : 0;

	if (c->head_only) {
		respond(c, 200, "", HELLO_BODY, false);
		return;
	}
	if (!cache_len[v]) {
		respond(c, 200, "", HELLO_BODY, false);
		if (c->out_len < sizeof(cache[v])) {
			memcpy(cache[v], c->out, c->out_len);
			cache_len[v] = c->out_len;
		}
		return;
	}
	memcpy(c->out, cache[v], cache_len[v]);
	c->out_len = cache_len[v];
	c->out_off = 0;
	c->stream_off = 0;
	c->stream_left = 0;
	c->srv->st.status[2]++;
	c->after = c->keep_alive ? CS_HEAD : CS_DRAIN;
	c->st = CS_SEND;
}

/* An error: the answer, then half-close and drain (see http_conn.h). */
static void respond_error(struct http_conn *c, int code)
{
	char body[64];

	c->keep_alive = false;
	c->head_only = false;
	c->error_close = true;
	snprintf(body, sizeof(body), "%d %s\n", code, reason(code));
	respond(c, code, "", body, false);
}

static void respond_continue(struct http_conn *c)
{
	c->out_len = (size_t)snprintf(c->out, sizeof(c->out), "HTTP/1.1 100 Continue\r\n\r\n");
	c->out_off = 0;
	c->stream_left = 0;
	c->srv->st.status[1]++;
	c->after = CS_BODY;
	c->st = CS_SEND;
}

/* The body has been consumed: answer the request. */
static void respond_request(struct http_conn *c)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN + 1];

	switch (c->route) {
	case R_HELLO:
		respond_hello(c);
		break;
	case R_BYTES:
		respond(c, 200, "", "", true);
		break;
	case R_HASH:
		sha256_final(&c->sha, digest);
		sha256_hex(digest, hex);
		strcat(hex, "\n");
		respond(c, 200, "", hex, false);
		break;
	case R_BAD_METHOD:
		respond(c, 405, c->allow, "405 Method Not Allowed\n", false);
		break;
	case R_NOT_FOUND:
		respond(c, 404, "", "404 Not Found\n", false);
		break;
	}
}

/* ---- request head ---- */

/* RFC 9110 5.6.2 tchar, as a table (filled by http_server_init). */
static bool tchar_tab[256];

static void tchar_init(void)
{
	for (int ch = 0; ch < 256; ch++)
		tchar_tab[ch] = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		                (ch >= 'A' && ch <= 'Z') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_tchar(unsigned char ch)
{
	return tchar_tab[ch];
}

static bool is_token(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)p[i]))
			return false;
	return true;
}

static bool name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* Does the comma-separated list (RFC 9110 5.6.1) contain token tok? */
static bool list_has(const char *p, size_t n, const char *tok)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		s = i;
		while (i < n && p[i] != ',')
			i++;
		e = i;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e > s && name_is(p + s, e - s, tok))
			return true;
	}
	return false;
}

/* A decimal number of at most max; false if not one. */
static bool parse_dec(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (v > (max - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

/* Finds the end of the head (the byte after the empty line), searching
 * from where the last search stopped; 0 if not there yet. */
static size_t head_end(struct http_conn *c)
{
	const char *p = c->in + c->scan, *lim = c->in + c->in_len;

	while ((p = memchr(p, '\n', (size_t)(lim - p))) != NULL) {
		size_t i = (size_t)(p++ - c->in);

		if (i + 1 < c->in_len && c->in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < c->in_len && c->in[i + 1] == '\r' && c->in[i + 2] == '\n')
			return i + 3;
	}
	/* The last two bytes may begin a terminator: look at them again. */
	c->scan = c->in_len > 2 ? c->in_len - 2 : 0;
	return 0;
}

/* Parses the request head in c->in[0 .. end).  Returns 0, or the status of
 * an error response (400, 417, 501, 505). */
static int parse_head(struct http_conn *c, size_t end)
{
	const char *p = c->in, *lim = c->in + end;
	const char *line, *eol, *sp1, *sp2, *target, *q;
	size_t tlen, mlen;
	bool has_cl = false, has_te = false, has_host = false, conn_close = false,
	     conn_keep = false, expect_continue = false, is_get, is_head, is_post;
	uint64_t cl = 0;

	/* Request line: method SP request-target SP HTTP-version (RFC 9112 3). */
	eol = memchr(p, '\n', (size_t)(lim - p));
	line = p;
	p = eol + 1;
	if (eol > line && eol[-1] == '\r')
		eol--;
	sp1 = memchr(line, ' ', (size_t)(eol - line));
	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2)
		return 400;
	mlen = (size_t)(sp1 - line);
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	if (!is_token(line, mlen) || tlen == 0 || target[0] != '/')
		return 400;
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)target[i] <= ' ' || target[i] == 0x7f)
			return 400;
	if (eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return 400;
	if (sp2[6] != '1')
		return 505;
	c->http10 = sp2[8] == '0';

	/* Header fields (RFC 9112 5): field-name ":" OWS field-value OWS. */
	while (p < lim) {
		const char *colon, *v, *ve;
		size_t nlen;

		eol = memchr(p, '\n', (size_t)(lim - p));
		line = p;
		p = eol + 1;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			break; /* the empty line */
		if (line[0] == ' ' || line[0] == '\t')
			return 400; /* obs-fold: RFC 9112 5.2 lets us reject it */
		for (q = line; q < eol; q++)
			if (*q == '\r' || *q == '\0')
				return 400; /* bare CR, NUL */
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			return 400;
		nlen = (size_t)(colon - line);
		if (!is_token(line, nlen))
			return 400; /* also whitespace before the colon (RFC 9112 5.1) */
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (name_is(line, nlen, "content-length")) {
			uint64_t v2;

			if (!parse_dec(v, (size_t)(ve - v), UINT64_MAX >> 2, &v2))
				return 400;
			if (has_cl && v2 != cl)
				return 400; /* differing lengths: RFC 9112 6.3 */
			has_cl = true;
			cl = v2;
		} else if (name_is(line, nlen, "transfer-encoding")) {
			if (has_te)
				return 501;
			has_te = true;
			if (!name_is(v, (size_t)(ve - v), "chunked"))
				return 501; /* only chunked is understood */
		} else if (name_is(line, nlen, "connection")) {
			conn_close |= list_has(v, (size_t)(ve - v), "close");
			conn_keep |= list_has(v, (size_t)(ve - v), "keep-alive");
		} else if (name_is(line, nlen, "host")) {
			if (has_host)
				return 400; /* RFC 9112 3.2 */
			has_host = true;
		} else if (name_is(line, nlen, "expect")) {
			if (!name_is(v, (size_t)(ve - v), "100-continue"))
				return 417;
			expect_continue = true;
		}
	}
	if (!c->http10 && !has_host)
		return 400; /* RFC 9112 3.2: a 1.1 request without Host */
	if (has_cl && has_te)
		return 400; /* RFC 9112 6.1: may be a smuggling attempt */

	c->keep_alive = c->http10 ? conn_keep && !conn_close : !conn_close;
	c->chunked = has_te;
	c->ch = CH_SIZE;
	c->ch_len = 0;
	c->body_left = has_te ? 0 : cl;

	/* Route on the path (the query, if any, is ignored). */
	q = memchr(target, '?', tlen);
	if (q)
		tlen = (size_t)(q - target);
	is_get = mlen == 3 && memcmp(c->in, "GET", 3) == 0;
	is_head = mlen == 4 && memcmp(c->in, "HEAD", 4) == 0;
	is_post = mlen == 4 && memcmp(c->in, "POST", 4) == 0;
	c->head_only = is_head;
	c->hashing = false;
	c->nbytes = 0;
	c->allow = "Allow: GET, HEAD\r\n";
	if (tlen == 1) {
		c->route = is_get || is_head ? R_HELLO : R_BAD_METHOD;
	} else if (tlen > 7 && memcmp(target, "/bytes/", 7) == 0) {
		if (!parse_dec(target + 7, tlen - 7, HTTP_BYTES_MAX, &c->nbytes))
			c->route = R_NOT_FOUND;
		else
			c->route = is_get || is_head ? R_BYTES : R_BAD_METHOD;
	} else if (tlen == 5 && memcmp(target, "/hash", 5) == 0) {
		c->route = is_post ? R_HASH : R_BAD_METHOD;
		c->allow = "Allow: POST\r\n";
		if (is_post) {
			c->hashing = true;
			sha256_init(&c->sha);
		}
	} else {
		c->route = R_NOT_FOUND;
	}
	c->after = CS_BODY;
	if (expect_continue && !c->http10 && (has_te || cl > 0))
		return -100;
	return 0;
}

/* ---- request body ---- */

static void body_take(struct http_conn *c, const char *p, size_t n)
{
	if (c->hashing)
		sha256_update(&c->sha, p, n);
	c->srv->st.body_bytes += n;
}

/* Consumes body bytes from p[0..n).  Returns the number used (the rest
 * belongs to the next request), or -1 on a chunked-coding syntax error.
 * The body is complete when it returns with c->ch == CH_DONE (chunked) or
 * c->body_left == 0 (Content-Length). */
static long body_consume(struct http_conn *c, const char *p, size_t n)
{
	size_t i = 0;

	if (!c->chunked) {
		size_t k = c->body_left < n ? (size_t)c->body_left : n;

		body_take(c, p, k);
		c->body_left -= k;
		return (long)k;
	}
	while (i < n && c->ch != CH_DONE) {
		unsigned char ch = (unsigned char)p[i];

		switch (c->ch) {
		case CH_SIZE: {
			int d = ch >= '0' && ch <= '9'   ? ch - '0'
			        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
			                                 : -1;

			if (d >= 0) {
				if (c->body_left >> 58)
					return -1; /* chunk-size overflow */
				c->body_left = c->body_left << 4 | (uint64_t)d;
			} else if (c->ch_len == 0) {
				return -1; /* no digits */
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->ch = CH_EXT;
			} else if (ch == '\r') {
				c->ch = CH_SIZE_LF;
			} else if (ch == '\n') {
				c->ch = c->body_left ? CH_DATA : CH_TRAILER;
				c->ch_len = 0;
				i++;
				continue;
			} else {
				return -1;
			}
			if (++c->ch_len > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		}
		case CH_EXT:
			if (ch == '\r')
				c->ch = CH_SIZE_LF;
			else if (ch == '\n')
				c->ch = c->body_left ? CH_DATA : CH_TRAILER, c->ch_len = 0;
			if (++c->ch_len > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->ch = c->body_left ? CH_DATA : CH_TRAILER;
			c->ch_len = 0;
			i++;
			break;
		case CH_DATA: {
			size_t k = n - i < c->body_left ? n - i : (size_t)c->body_left;

			body_take(c, p + i, k);
			c->body_left -= k;
			i += k;
			if (!c->body_left)
				c->ch = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch == '\r')
				c->ch = CH_DATA_LF;
			else if (ch == '\n')
				c->ch = CH_SIZE;
			else
				return -1;
			c->ch_len = 0;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->ch = CH_SIZE;
			c->ch_len = 0;
			i++;
			break;
		case CH_TRAILER:
			if (ch == '\r')
				c->ch = CH_END_LF;
			else if (ch == '\n')
				c->ch = CH_DONE;
			else
				c->ch = CH_TRAILER_LINE;
			i++;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\n')
				c->ch = CH_TRAILER;
			i++;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return -1;
			c->ch = CH_DONE;
			i++;
			break;
		case CH_DONE:
			break;
		}
		if (c->ch == CH_TRAILER || c->ch == CH_TRAILER_LINE || c->ch == CH_END_LF) {
			/* the size line's length is no longer needed: count trailers */
			if (++c->ch_len > TRAILER_MAX)
				return -1;
		}
	}
	return (long)i;
}

static bool body_done(const struct http_conn *c)
{
	return c->chunked ? c->ch == CH_DONE : c->body_left == 0;
}

/* ---- I/O ---- */

static void in_consume(struct http_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	c->scan = 0;
}

/* Reads into the buffer.  >0 bytes, 0 EOF, -EAGAIN, or -errno. */
static long read_in(struct http_conn *c)
{
	ssize_t n = ff_read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	c->in_len += (size_t)n;
	c->srv->st.bytes_in += (uint64_t)n;
	if (n)
		c->last_ms = c->srv->now_ms;
	return n;
}

/* Writes what SEND has pending, within *budget bytes.  0 all written,
 * -EAGAIN socket full (or budget spent), -errno on error. */
static int send_pending(struct http_conn *c, uint64_t *budget)
{
	while (c->out_off < c->out_len || c->stream_left) {
		struct iovec iov[2];
		int cnt = 0;
		ssize_t n;

		if (*budget == 0)
			return -EAGAIN;
		if (c->out_off < c->out_len) {
			iov[cnt].iov_base = c->out + c->out_off;
			iov[cnt++].iov_len = c->out_len - c->out_off;
		}
		if (c->stream_left) {
			uint64_t k = c->stream_left < PATTERN_SPAN ? c->stream_left : PATTERN_SPAN;

			iov[cnt].iov_base = (void *)pattern_at(c->stream_off);
			iov[cnt++].iov_len = (size_t)k;
		}
		n = ff_writev(c->fd, iov, cnt);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		c->srv->st.bytes_out += (uint64_t)n;
		c->last_ms = c->srv->now_ms;
		*budget = (uint64_t)n < *budget ? *budget - (uint64_t)n : 0;
		if (c->out_off < c->out_len) {
			size_t h = c->out_len - c->out_off;

			if ((size_t)n < h) {
				c->out_off += (size_t)n;
				continue;
			}
			c->out_off = c->out_len;
			n -= (ssize_t)h;
		}
		c->stream_off += (uint64_t)n;
		c->stream_left -= (uint64_t)n;
	}
	return 0;
}

unsigned http_conn_run(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	uint64_t budget = HTTP_WRITE_BUDGET;
	long n;
	int rc;

	for (;;) {
		switch (c->st) {
		case CS_SEND:
			rc = send_pending(c, &budget);
			if (rc == -EAGAIN)
				return HTTP_WANT_WRITE;
			if (rc < 0) {
				srv->st.write_errors++;
				conn_close(c);
				return HTTP_CLOSED;
			}
			if (c->after == CS_DRAIN && !c->error_close) {
				/* Connection: close, cleanly: FIN after the data. */
				conn_close(c);
				return HTTP_CLOSED;
			}
			if (c->after == CS_DRAIN) {
				ff_shutdown(c->fd, SHUT_WR);
				c->drained = 0;
			}
			c->st = c->after;
			continue;

		case CS_HEAD: {
			size_t skip = 0, end;

			/* The head's deadline runs from its first byte (empty
			 * lines before it included). */
			if (c->in_len && !c->head_started) {
				c->head_started = true;
				c->head_ms = srv->now_ms;
			}

			/* RFC 9112 2.2: ignore empty lines before a request. */
			while (skip < c->in_len && (c->in[skip] == '\r' || c->in[skip] == '\n'))
				skip++;
			if (skip)
				in_consume(c, skip);
			end = c->in_len ? head_end(c) : 0;
			if (end) {
				c->head_started = false;
				srv->st.requests++;
				rc = parse_head(c, end);
				in_consume(c, end);
				if (rc > 0) {
					respond_error(c, rc);
				} else if (rc == -100) {
					respond_continue(c);
				} else {
					c->st = CS_BODY;
				}
				continue;
			}
			if (c->in_len == sizeof(c->in)) {
				srv->st.requests++;
				c->http10 = false;
				respond_error(c, 431);
				continue;
			}
			break; /* read more */
		}

		case CS_BODY:
			if (c->in_len) {
				n = body_consume(c, c->in, c->in_len);
				if (n < 0) {
					respond_error(c, 400);
					continue;
				}
				in_consume(c, (size_t)n);
			}
			if (body_done(c)) {
				respond_request(c);
				continue;
			}
			break; /* read more */

		case CS_DRAIN:
			if (c->in_len) {
				c->drained += c->in_len;
				c->in_len = 0;
			}
			if (c->drained > HTTP_DRAIN_MAX) {
				conn_close(c);
				return HTTP_CLOSED;
			}
			break;
		}

		/* HEAD, BODY and DRAIN come here for more input. */
		n = read_in(c);
		if (n == -EAGAIN)
			return HTTP_WANT_READ;
		if (n < 0 || n == 0) {
			if (n < 0)
				srv->st.read_errors++;
			else if (c->st == CS_DRAIN || (c->st == CS_HEAD && c->in_len == 0))
				srv->st.closed_by_peer++;
			else
				srv->st.eof_mid_request++;
			conn_close(c);
			return HTTP_CLOSED;
		}
	}
}
