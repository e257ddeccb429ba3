/* co_server.h: what the coroutine examples (co_http, co_proxy) share: the
 * accept coroutine, and the stop (SIGINT/SIGTERM stops ff_run's loop; then
 * every coroutine is cancelled and the loop runs until they have ended, so
 * each closes what it holds, and the listener closes last).
 *
 * Use: after ff_init, co_server_start(&srv, ...) (signals, listener, the
 * accept coroutine); ff_run(co_server_loop, NULL); co_server_shut_down().
 * Header-only, so that each example stays one file plus what it shares.
 */
#ifndef FASTACK_EXAMPLES_CO_SERVER_H
#define FASTACK_EXAMPLES_CO_SERVER_H

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ff_api.h"
#include "ff_co.h"

/* The accept coroutine's argument. */
struct co_server {
	int lfd;
	ff_co_fn conn;                    /* spawned (detached) per connection, arg = fd */
	const char *conn_name;            /* its coroutines' name */
	uint64_t pause_ms;                /* after a failed accept (EMFILE, ENOMEM, ...) */
	unsigned long long accept_errors; /* failed ff_co_accept calls */
	unsigned long long spawn_errors;  /* connections closed: no coroutine */
};

static volatile sig_atomic_t co_server_stop;

static void co_server_on_signal(int sig)
{
	(void)sig;
	co_server_stop = 1;
}

/* The signal may land on any thread (DPDK starts its own): the handler
 * raises a flag, and the loop, on the stack's thread, stops the stack. */
static inline void co_server_signals(void)
{
	signal(SIGINT, co_server_on_signal);
	signal(SIGTERM, co_server_on_signal);
}

static inline int co_server_loop(void *arg)
{
	(void)arg;
	if (co_server_stop)
		ff_stop_run();
	return 0;
}

/* Accepts until cancelled; each connection gets its own coroutine.  Out of
 * descriptors or memory, it sleeps pause_ms rather than spin (as nginx
 * pauses accepting). */
static inline void co_server_accept(void *arg)
{
	struct co_server *srv = arg;
	struct ff_co_attr attr;

	ff_co_attr_init(&attr);
	attr.detached = 1;
	attr.name = srv->conn_name;
	for (;;) {
		int fd = ff_co_accept(srv->lfd, NULL, NULL, -1);

		if (fd < 0) {
			if (errno == ECANCELED)
				return;
			srv->accept_errors++;
			ff_co_sleep_ms(srv->pause_ms);
			continue;
		}
		if (!ff_co_spawn(srv->conn, (void *)(intptr_t)fd, &attr)) {
			srv->spawn_errors++;
			ff_close(fd);
		}
	}
}

/* Signals, the listener on port (any address) and the accept coroutine:
 * 0, or -1 after saying what failed (prefixed by name). */
static inline int co_server_start(struct co_server *srv, const char *name, uint16_t port,
                                  int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct ff_co_attr attr;

	co_server_signals();
	srv->lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (srv->lfd < 0 || ff_bind(srv->lfd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0 ||
	    ff_listen(srv->lfd, backlog) < 0) {
		fprintf(stderr, "%s: listener: %s\n", name, strerror(errno));
		return -1;
	}
	ff_co_attr_init(&attr);
	attr.name = "accept";
	if (!ff_co_spawn(co_server_accept, srv, &attr)) {
		fprintf(stderr, "%s: ff_co_spawn: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* After the stop: the cancelled coroutines end (2 s at most, on the
 * stack's clock). */
static inline int co_server_drain(void *arg)
{
	uint64_t *until = arg;

	if (!*until)
		*until = ff_co_now_ms() + 2000;
	if (!ff_co_count() || ff_co_now_ms() >= *until)
		ff_stop_run();
	return 0;
}

static inline void co_server_shut_down(struct co_server *srv)
{
	uint64_t until = 0;

	ff_co_cancel_all();
	ff_run(co_server_drain, &until);
	ff_close(srv->lfd);
}

#endif
