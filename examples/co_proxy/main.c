/* co_proxy: a TCP proxy on fastack written blocking-style: client ->
 * fastack -> upstream, both legs on the stack, coroutines per connection
 * (include/ff_co.h).
 *
 * The accept coroutine spawns one coroutine per client; it connects to the
 * upstream (ff_co_connect), then spawns a second coroutine for the
 * upstream -> client direction and copies client -> upstream itself.  Each
 * direction is a loop of ff_co_read and ff_co_write; at EOF it passes the
 * half-close on (ff_shutdown SHUT_WR) and ends.  An error on either leg
 * cancels the other direction (ff_co_cancel: its parked read or write
 * returns ECANCELED).  The direction that ends last closes both sockets:
 * nothing is shared between connections, and no lock exists.
 *
 * Environment (the command line belongs to ff_init):
 *   FASTACK_PROXY_PORT      port to listen on (8080)
 *   FASTACK_PROXY_UPSTREAM  upstream IPv4 address:port (required)
 *   FASTACK_PROXY_IDLE_MS   a direction idle this long ends the connection
 *                           (300000)
 *
 * SIGINT/SIGTERM stops the loop; it prints its tallies ("co_proxy:
 * stopped: ...") and the stack's counters, and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_api.h"
#include "ff_co.h"

#include "../common/co_server.h"

#define NAME "co_proxy"
#define BUF 65536

struct stats {
	unsigned long long opened, closed, open, up_connect_errors, bytes_up, bytes_down;
	unsigned long long errors, spawn_errors;
};

static struct stats st;
static struct sockaddr_in upstream;
static int idle_ms = 300000;
static struct co_server srv = { .conn_name = "proxy-up", .pause_ms = 100 };

/* One proxied connection, shared by its two directions (0: client ->
 * upstream, 1: upstream -> client); the last to end closes both sockets. */
struct conn {
	int fd[2]; /* client, upstream */
	unsigned refs;
	ff_co_t *co[2]; /* each direction's coroutine while it runs */
};

static void conn_put(struct conn *c)
{
	if (--c->refs)
		return;
	ff_close(c->fd[0]);
	if (c->fd[1] >= 0)
		ff_close(c->fd[1]);
	free(c);
	st.closed++;
	st.open--;
}

/* Copies direction i until EOF (then half-closes the other leg) or an
 * error (then cancels the other direction, parked in its read or write). */
static void copy(struct conn *c, int i)
{
	int from = c->fd[i], to = c->fd[!i];
	unsigned long long *bytes = i ? &st.bytes_down : &st.bytes_up;
	char *buf = malloc(BUF);

	while (buf) {
		ssize_t n = ff_co_read(from, buf, BUF, idle_ms);

		if (n == 0) {
			ff_shutdown(to, SHUT_WR);
			break;
		}
		if (n < 0 || ff_co_write(to, buf, (size_t)n, idle_ms) != n) {
			if (errno != ECANCELED) {
				st.errors++;
				if (c->co[!i])
					ff_co_cancel(c->co[!i]);
			}
			break;
		}
		*bytes += (unsigned long long)n;
	}
	free(buf);
	c->co[i] = NULL;
	conn_put(c);
}

static void down_main(void *arg)
{
	copy(arg, 1);
}

static void conn_main(void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	int cfd = (int)(intptr_t)arg;
	struct ff_co_attr attr;

	st.opened++;
	st.open++;
	if (!c) {
		ff_close(cfd);
		st.closed++;
		st.open--;
		return;
	}
	*c =
	    (struct conn){ { cfd, ff_socket(AF_INET, SOCK_STREAM, 0) }, 1, { ff_co_self(), NULL } };
	if (c->fd[1] < 0 || ff_co_connect(c->fd[1], (struct linux_sockaddr *)&upstream,
	                                  sizeof(upstream), 10000) < 0) {
		st.up_connect_errors++;
		conn_put(c);
		return;
	}
	ff_co_attr_init(&attr);
	attr.name = "proxy-down";
	attr.detached = 1;
	c->co[1] = ff_co_spawn(down_main, c, &attr);
	if (!c->co[1]) {
		st.spawn_errors++;
		conn_put(c);
		return;
	}
	c->refs++;
	copy(c, 0);
}

int main(int argc, char *argv[])
{
	const char *port_s = getenv("FASTACK_PROXY_PORT"), *up = getenv("FASTACK_PROXY_UPSTREAM");
	const char *idle_s = getenv("FASTACK_PROXY_IDLE_MS");
	char host[64];
	unsigned uport = 0;
	int port = port_s ? atoi(port_s) : 8080;

	if (idle_s)
		idle_ms = atoi(idle_s);
	upstream.sin_family = AF_INET;
	if (port <= 0 || port > 65535 || idle_ms <= 0 || !up ||
	    sscanf(up, "%63[0-9.]:%u", host, &uport) != 2 || uport == 0 || uport > 65535 ||
	    inet_pton(AF_INET, host, &upstream.sin_addr) != 1) {
		fprintf(stderr, NAME ": FASTACK_PROXY_UPSTREAM must be IPv4:port, "
		                     "FASTACK_PROXY_PORT 1..65535, FASTACK_PROXY_IDLE_MS > 0\n");
		return 2;
	}
	upstream.sin_port = htons((uint16_t)uport);
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, NAME ": ff_init failed\n");
		return 1;
	}
	srv.conn = conn_main;
	if (co_server_start(&srv, NAME, (uint16_t)port, 1024) < 0)
		return 1;
	printf(NAME ": listening on TCP port %d, upstream %s:%u (coroutines)\n", port, host, uport);
	fflush(stdout);

	ff_run(co_server_loop, NULL);
	co_server_shut_down(&srv);

	printf(NAME
	       ": stopped: connections opened %llu closed %llu open %llu; upstream connect "
	       "errors %llu; bytes up %llu down %llu; copy errors %llu, accept errors %llu, spawn "
	       "errors %llu\n",
	       st.opened, st.closed, st.open, st.up_connect_errors, st.bytes_up, st.bytes_down,
	       st.errors, srv.accept_errors, st.spawn_errors + srv.spawn_errors);
	ff_stats_print(stdout);
	fflush(stdout);
	return 0;
}
