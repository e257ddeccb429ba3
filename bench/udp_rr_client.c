/* udp_rr_client: UDP request/response rate over fastack (ff_* API).
 *
 * Sends requests to a UDP echo server (examples/udp_echo) and counts
 * answered requests per second, first with one request outstanding at a
 * time (latency-bound), then with a window of several (throughput-bound).
 * The measurement itself is rr.h, shared with the kernel client.
 *
 *   udp_rr_client --conf client.ini
 *
 * The command line belongs to ff_init; the benchmark reads the environment:
 *   FASTACK_RR_DST      server address        (198.18.1.1)
 *   FASTACK_RR_PORT     server UDP port       (7)
 *   FASTACK_RR_SECONDS  seconds per window    (3)
 *   FASTACK_RR_WINDOWS  window sizes, "1,32"  (1,32)
 *   FASTACK_RR_SIZE     request bytes, 8..1472 (64)
 * Prints one "RESULT fastack window=N ... tps=X" line per window, then the
 * stack's counters.  Exits 1 if the server never answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"
#include "rr.h"

#define MAX_WINDOWS 8
#define WARMUP_NS 15000000000ull /* memif link-up and ARP */

struct client {
	int fd;
	struct sockaddr_in dst;
	struct rr rr;
	unsigned windows[MAX_WINDOWS];
	unsigned nwindows, phase; /* phase 0 = warm-up */
	double seconds;
	uint64_t warmup_end;
	int status;
};

static ssize_t ff_send_fn(void *ctx, const void *buf, size_t len)
{
	struct client *c = ctx;

	return ff_sendto(c->fd, buf, len, 0, (const struct linux_sockaddr *)&c->dst,
	                 sizeof(c->dst));
}

static ssize_t ff_recv_fn(void *ctx, void *buf, size_t len)
{
	struct client *c = ctx;

	return ff_recv(c->fd, buf, len, 0);
}

static int client_loop(void *arg)
{
	struct client *c = arg;
	uint64_t now = rr_now_ns();

	rr_step(&c->rr, now);
	if (c->phase == 0) {
		if (c->rr.done == 0 && now < c->warmup_end)
			return 0;
		if (c->rr.done == 0) {
			fprintf(stderr, "udp_rr_client: no answer from the server\n");
			c->status = 1;
			ff_stop_run();
			return 0;
		}
	} else {
		if (!rr_phase_over(&c->rr, now))
			return 0;
		rr_report(&c->rr, "fastack");
	}
	if (c->phase == c->nwindows) {
		ff_stop_run();
		return 0;
	}
	rr_phase(&c->rr, c->windows[c->phase], c->seconds, now);
	c->phase++;
	return 0;
}

static const char *env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int main(int argc, char *argv[])
{
	static struct client c;
	char wins[64], *save = NULL;
	int on = 1;

	c.fd = -1;
	c.dst.sin_family = AF_INET;
	c.dst.sin_port = htons((uint16_t)atoi(env("FASTACK_RR_PORT", "7")));
	if (inet_pton(AF_INET, env("FASTACK_RR_DST", "198.18.1.1"), &c.dst.sin_addr) != 1) {
		fprintf(stderr, "udp_rr_client: FASTACK_RR_DST is not an IPv4 address\n");
		return 2;
	}
	c.seconds = atof(env("FASTACK_RR_SECONDS", "3"));
	snprintf(wins, sizeof(wins), "%s", env("FASTACK_RR_WINDOWS", "1,32"));
	for (char *t = strtok_r(wins, ",", &save); t && c.nwindows < MAX_WINDOWS;
	     t = strtok_r(NULL, ",", &save))
		c.windows[c.nwindows++] = (unsigned)atoi(t);
	if (c.seconds <= 0 || c.nwindows == 0) {
		fprintf(stderr, "udp_rr_client: bad FASTACK_RR_SECONDS or FASTACK_RR_WINDOWS\n");
		return 2;
	}

	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, "udp_rr_client: ff_init failed\n");
		return 1;
	}
	c.fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	if (c.fd < 0 || ff_ioctl(c.fd, FIONBIO, &on) < 0) {
		perror("udp_rr_client: socket");
		return 1;
	}
	rr_init(&c.rr, (size_t)atoi(env("FASTACK_RR_SIZE", "64")), ff_send_fn, ff_recv_fn, &c);
	c.warmup_end = rr_now_ns() + WARMUP_NS;
	rr_phase(&c.rr, 1, (double)WARMUP_NS / 1e9, rr_now_ns());

	ff_run(client_loop, &c);

	ff_stats_print(stdout);
	fflush(stdout);
	ff_close(c.fd);
	return c.status;
}
