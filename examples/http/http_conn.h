/* http_conn.h: the HTTP/1.1 server logic shared by examples/helloworld
 * (kqueue) and examples/helloworld_epoll: connections, the incremental
 * request parser, the responses.  It knows nothing of the event API: the
 * program accepts a connection, hands it to http_conn_open(), and calls
 * http_conn_run() whenever the socket is readable or writable; the result
 * says what to wait for next (readable, writable) or that the connection is
 * gone (closed with ff_close and freed).
 *
 * Resources served (HTTP/1.1, RFC 9110/9112):
 *
 *   GET|HEAD /            a short fixed text ("Hello from fastack\n")
 *   GET|HEAD /bytes/N     N bytes of the pattern of pattern.h (N <= 2^40),
 *                         streamed from a static table: never buffered
 *   POST     /hash        the SHA-256 of the request body (Content-Length or
 *                         chunked), as 64 hex digits and a newline
 *   anything else         404 (405 for a known path with the wrong method)
 *
 * Connections: keep-alive by default for HTTP/1.1 and on request for
 * HTTP/1.0; "Connection: close" honoured.  Pipelined requests are parsed
 * one at a time from the buffer: the next one waits until the response to
 * the previous one has been handed to the socket, and nothing more is read
 * while a response is blocked (back-pressure).  The request line and header
 * fields together may take HTTP_HEAD_MAX bytes: a longer head gets 431, a
 * malformed one 400 (501 for a transfer coding other than chunked, 505 for
 * an HTTP version other than 1.x, 417 for an unknown expectation); each of
 * these is sent with "Connection: close", then the connection is half-closed
 * and what the client still sends is read and discarded until its FIN (at
 * most HTTP_DRAIN_MAX bytes, for at most drain_ms), so the client sees the
 * answer rather than a reset.  "Expect: 100-continue" gets a 100 response
 * before the body is read.
 */
#ifndef FASTACK_EXAMPLES_HTTP_CONN_H
#define FASTACK_EXAMPLES_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define HTTP_HEAD_MAX 8192          /* request line + header fields */
#define HTTP_BYTES_MAX (1ull << 40) /* largest /bytes/N */
#define HTTP_DRAIN_MAX (1u << 20)   /* discarded after an error response */
#define HTTP_WRITE_BUDGET (1u << 20)

/* http_conn_run() results (a mask). */
#define HTTP_WANT_READ 0x1u
#define HTTP_WANT_WRITE 0x2u
#define HTTP_CLOSED 0x4u /* closed and freed: forget the pointer */

struct http_stats {
	uint64_t conns_opened, conns_closed, conns_max;
	uint64_t requests;        /* complete request heads parsed */
	uint64_t status[6];       /* responses by class: [2] = 2xx, ... */
	uint64_t bytes_in;        /* read from sockets */
	uint64_t bytes_out;       /* written to sockets */
	uint64_t body_bytes;      /* request body bytes (hashed or discarded) */
	uint64_t closed_by_peer;  /* EOF between requests */
	uint64_t eof_mid_request; /* EOF inside a request */
	uint64_t read_errors;     /* ff_read failed (reset, ...) */
	uint64_t write_errors;    /* ff_write failed (EPIPE, reset, ...) */
	uint64_t idle_timeouts;   /* closed by the idle or drain timer */
	uint64_t header_timeouts; /* closed: a request head took too long (slowloris) */
	uint64_t no_memory;       /* connection refused: malloc failed */
};

struct http_conn;

struct http_server {
	struct http_stats st;
	struct http_conn *conns; /* every open connection */
	uint64_t nconns;
	uint64_t now_ms;          /* set by the program once per loop pass */
	uint64_t idle_ms;         /* idle keep-alive connections are closed (0: never) */
	uint64_t header_ms;       /* a request head must be complete this long after its
	                     * first byte, however the bytes trickle in (0: never) */
	uint64_t drain_ms;        /* how long an error response's drain may last */
	uint64_t send_timeout_ms; /* a peer that takes nothing of what is sent
	                           * this long is dropped (TCP_USER_TIMEOUT, as
	                           * nginx's send_timeout; 0: never) */
};

/* Server defaults: idle 60 s, header 10 s, drain 2 s, send timeout 60 s;
 * also fills in the pattern. */
void http_server_init(struct http_server *srv);
/* What the programs' environment variables must be, for their error. */
#define HTTP_ENV_USAGE                                                                           \
	"FASTACK_HTTP_PORT must be a port number (1..65535), FASTACK_HTTP_IDLE_MS, "             \
	"FASTACK_HTTP_HEADER_MS, FASTACK_HTTP_SEND_TIMEOUT_MS and FASTACK_HTTP_SNDBUF numbers, " \
	"FASTACK_ACCEPT_PAUSE_MS 1..60000"
/* Takes FASTACK_HTTP_IDLE_MS, FASTACK_HTTP_HEADER_MS and
 * FASTACK_HTTP_SEND_TIMEOUT_MS from the environment; -1 (nothing changed)
 * if one is not a number. */
int http_server_env(struct http_server *srv);
/* Options of the listening socket that accepted ones inherit: the send
 * timeout (TCP_USER_TIMEOUT).  0, or -1 with errno. */
int http_listener_setup(const struct http_server *srv, int lfd);
/* Takes a connected socket.  NULL (the socket closed) if out of memory. */
struct http_conn *http_conn_open(struct http_server *srv, int fd);
/* Does all it can (read, parse, respond) without blocking. */
unsigned http_conn_run(struct http_conn *c);
int http_conn_fd(const struct http_conn *c);
/* Closes connections idle past their time (idle_ms, or drain_ms after an
 * error response) and those whose request head is not complete header_ms
 * after its first byte; the program calls it now and then (once a second:
 * the deadlines hold to within that).  Calls gone(fd, arg) for each before
 * closing it. */
void http_server_sweep(struct http_server *srv, void (*gone)(int fd, void *arg), void *arg);
/* Closes every connection (at exit). */
void http_server_close_all(struct http_server *srv);
/* The port in environment variable var (def if unset); -1 if malformed. */
int http_env_port(const char *var, int def);
/* A non-negative number in environment variable var (def if unset); -1 if
 * malformed. */
long long http_env_num(const char *var, long long def);
/* Milliseconds of CLOCK_MONOTONIC (the application's clock, not the
 * stack's). */
uint64_t http_clock_ms(void);
/* Prints the counters on one or two lines, prefixed by name. */
void http_stats_print(const struct http_server *srv, const char *name);
/* The stack's packet-buffer pool (ff_pool_info), one line. */
void http_pool_print(const char *name);

#endif
