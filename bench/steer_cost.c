/* steer_cost.c: what one request costs with 1 and with N stacks, counted in
 * instructions, on the harness's N-queue link and virtual time (no NIC, no
 * threads, nothing else running: callgrind's count is exact and repeatable).
 *
 *   steer_cost STACKS MODE    MODE: hw (the link steers by the ports' RSS,
 *                             as a NIC) or soft (one queue: stack 0 hands
 *                             the others their frames and sends for them)
 *
 * The peer opens CONNS connections to port 80, on which every stack
 * listens and echoes; then ROUNDS rounds, each: the peer writes 64 bytes on
 * every connection, five passes, every stack echoes what it read, five
 * passes, the peer reads every echo (software RSS needs a pass more each
 * way: a frame handed over, or sent through stack 0, waits for its pass).  measured_rounds() is the part to count
 * (bench/steer_cost.sh: valgrind --tool=callgrind
 * --toggle-collect=measured_rounds); idle_passes() runs as many passes with
 * no traffic, so that the cost of polling N stacks can be told apart.  Both
 * the peer's work and the stacks' are counted: the peer's is the same for
 * every STACKS, so a difference is the stacks'.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_api.h"
#include "harness.h"

#define CONNS 64
#define ROUNDS 200
#define PASSES_PER_ROUND 10

static struct h_multi h;
static int lfd[H_MULTI_MAX], cfd[CONNS], sfd[H_MULTI_MAX][CONNS], nacc[H_MULTI_MAX];

static void passes(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		h.now += 1000000ull;
		h_multi_pass(&h);
	}
}

static unsigned echoed; /* requests whose 64 bytes came back */

__attribute__((noinline)) void measured_rounds(unsigned *requests);
__attribute__((noinline)) void idle_passes(unsigned n);

void measured_rounds(unsigned *requests)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	for (unsigned r = 0; r < ROUNDS; r++) {
		stack_set_current(h.peer);
		for (unsigned c = 0; c < CONNS; c++)
			if (ff_write(cfd[c], buf, sizeof(buf)) == (ssize_t)sizeof(buf))
				(*requests)++;
		passes(PASSES_PER_ROUND / 2);
		for (unsigned i = 0; i < h.n; i++) {
			stack_set_current(h.s[i]);
			for (int k = 0; k < nacc[i]; k++) {
				ssize_t n = ff_read(sfd[i][k], buf, sizeof(buf));

				if (n > 0)
					ff_write(sfd[i][k], buf, (size_t)n);
			}
		}
		passes(PASSES_PER_ROUND / 2);
		stack_set_current(h.peer);
		for (unsigned c = 0; c < CONNS; c++)
			if (ff_read(cfd[c], buf, sizeof(buf)) == (ssize_t)sizeof(buf))
				echoed++;
	}
}

void idle_passes(unsigned n)
{
	passes(n);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1, requests = 0, total = 0;
	const char *mode = argc > 2 ? argv[2] : "hw";

	if (n < 1 || n > H_MULTI_MAX || (strcmp(mode, "hw") && strcmp(mode, "soft"))) {
		fprintf(stderr, "usage: steer_cost STACKS(1..%d) hw|soft\n", H_MULTI_MAX);
		return 2;
	}
	harness_eal_init();
	if (strcmp(mode, "soft") == 0)
		h_multi_create_soft(&h, n, 1, NULL);
	else
		h_multi_create(&h, n, NULL, NULL, NULL);
	for (unsigned i = 0; i < n; i++) {
		stack_set_current(h.s[i]);
		lfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (ff_bind(lfd[i], h_sin4(&a, NULL, 80), sizeof(a)) < 0 ||
		    ff_listen(lfd[i], CONNS) < 0)
			return 1;
	}
	for (unsigned c = 0; c < CONNS; c++) {
		stack_set_current(h.peer);
		cfd[c] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ff_connect(cfd[c], h_sin4(&a, "198.18.0.1", 80), sizeof(a));
		passes(c == 0 ? 5 : 0);
	}
	passes(20);
	for (unsigned i = 0; i < n; i++) {
		int fd;

		stack_set_current(h.s[i]);
		while ((fd = ff_accept(lfd[i], NULL, NULL)) >= 0)
			sfd[i][nacc[i]++] = fd;
		total += (unsigned)nacc[i];
	}
	if (total != CONNS) {
		fprintf(stderr, "steer_cost: %u of %u connections accepted\n", total, CONNS);
		return 1;
	}
	measured_rounds(&requests);
	idle_passes(ROUNDS * PASSES_PER_ROUND);
	printf("steer_cost: %u stacks (%s), %u requests of 64 bytes echoed over %u connections "
	       "(per stack:",
	       n, mode, requests, CONNS);
	for (unsigned i = 0; i < n; i++)
		printf(" %d", nacc[i]);
	printf("), %u echoed, %u passes of each stack\n", echoed, ROUNDS * PASSES_PER_ROUND);
	h_multi_destroy(&h);
	if (echoed != requests)
		return 1;
	return harness_failures() ? 1 : 0;
}
