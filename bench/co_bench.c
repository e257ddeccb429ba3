/* co_bench: what a coroutine costs (src/co).
 *
 *   build/bench/co_bench [coroutines]
 *
 *  0. the bare switch (co_switch between two contexts, no scheduler);
 *  1. switch: K coroutines yield in a loop; every scheduler run resumes
 *     each once (fastack.co.batch above K), so a round trip is one resume
 *     (scheduler -> coroutine) and one yield (coroutine -> scheduler).
 *     Printed: ns per round trip, and per switch (half of it), with the
 *     cost of an empty loop pass taken out (measured alone first);
 *  2. memory: N coroutines (10,000 unless given) spawned and parked in a
 *     sleep; printed: resident memory (RSS, /proc/self/statm) and address
 *     space added per parked coroutine, with the default stack size
 *     (fastack.co.stack_size) and 64 KiB guard.
 *
 * One stack without ports on the EAL without hugepages (as the tests run);
 * the clock is the thread's cpu time around whole runs.  A benchmark, not a test:
 * other work on the cpu skews the figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ff_co.h"
#include "harness.h"
#include "stack/stack.h"

#define K 64
#define ROUNDS 200000

/* The thread's cpu time: time the scheduler of the machine gave to other
 * work does not count (the cpus are shared). */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The bare switch (src/co/co_switch.S, internal): two contexts handing
 * control back and forth, no scheduler. */
void co_switch(void **save_sp, void *new_sp);
void co_trampoline(void);
static void *main_sp, *ping_sp;

static void ping(void *arg)
{
	(void)arg;
	for (;;)
		co_switch(&ping_sp, main_sp);
}

static double bare_switch_ns(void)
{
	static uint64_t stk[4096] __attribute__((aligned(16)));
	uint64_t *hi = stk + 4096, t0;

	/* The frame co_switch pops (as src/co/co.c builds it). */
	hi[-3] = (uint64_t)(uintptr_t)co_trampoline;
	hi[-6] = (uint64_t)(uintptr_t)ping;
	hi[-7] = 0;
	hi[-10] = 0x1f80 | (0x37full << 32);
	ping_sp = hi - 10;
	co_switch(&main_sp, ping_sp);
	t0 = mono_ns();
	for (unsigned i = 0; i < ROUNDS * 10; i++)
		co_switch(&main_sp, ping_sp);
	return (double)(mono_ns() - t0) / (ROUNDS * 10.0 * 2);
}

static void yielder(void *arg)
{
	for (unsigned i = 0; i < ROUNDS; i++)
		ff_co_yield();
	(*(unsigned *)arg)++;
}

static void parked(void *arg)
{
	(void)arg;
	ff_co_sleep_ms(1000000000);
}

static void statm(long *vm_kib, long *rss_kib)
{
	long pg = sysconf(_SC_PAGESIZE) / 1024, size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			size = res = 0;
		fclose(f);
	}
	*vm_kib = size * pg;
	*rss_kib = res * pg;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10000, done = 0;
	struct rte_mempool *pool;
	struct stack *s;
	uint64_t t0, empty_ns, run_ns, now = 1000000000ull;
	long vm0, rss0, vm1, rss1;

	harness_eal_init();
	pool = harness_pool(1023);
	s = stack_create(0, pool, NULL, now);
	if (!s || n == 0) {
		fprintf(stderr, "co_bench: no stack (or 0 coroutines)\n");
		return 1;
	}
	stack_set_current(s);

	/* 1. switch cost */
	printf("bare co_switch: %.1f ns per switch (callee-saved registers, MXCSR, x87 "
	       "control word)\n",
	       bare_switch_ns());
	t0 = mono_ns();
	for (unsigned i = 0; i < ROUNDS; i++) {
		stack_pass_begin(s, now);
		stack_pass_end(s);
	}
	empty_ns = mono_ns() - t0;
	for (unsigned i = 0; i < K; i++)
		ff_co_spawn(yielder, &done, NULL);
	stack_pass_begin(s, now); /* first resume: the entry, not a switch back */
	stack_pass_end(s);
	t0 = mono_ns();
	for (unsigned i = 0; i < ROUNDS; i++) {
		stack_pass_begin(s, now);
		stack_pass_end(s);
	}
	run_ns = mono_ns() - t0;
	if (done != K)
		fprintf(stderr, "co_bench: %u of %u coroutines finished\n", done, K);
	{
		double rt = (double)(run_ns - empty_ns) / ((double)ROUNDS * K);

		printf("switch: %u coroutines x %u yields: %.1f ns per yield/resume round trip, "
		       "%.1f ns per switch (empty pass %.1f ns, taken out)\n",
		       K, ROUNDS, rt, rt / 2, (double)empty_ns / ROUNDS);
	}

	/* 2. memory per parked coroutine */
	statm(&vm0, &rss0);
	for (unsigned i = 0; i < n; i++)
		if (!ff_co_spawn(parked, NULL, NULL)) {
			fprintf(stderr, "co_bench: spawn %u failed\n", i);
			return 1;
		}
	stack_pass_begin(s, now);
	stack_pass_end(s);
	statm(&vm1, &rss1);
	printf("memory: %u parked coroutines (stack %zu KiB + 64 KiB guard): %.2f KiB resident "
	       "and %.1f KiB of address space each\n",
	       ff_co_count(), ff_co_get_stack_size() / 1024, (double)(rss1 - rss0) / n,
	       (double)(vm1 - vm0) / n);
	stack_destroy(s);
	rte_mempool_free(pool);
	return 0;
}
