/* test_threads.c: threads mode (src/api/ff_init.c, src/stack/proc.h): one
 * process, two stacks on two EAL lcores, through the ff_* API.
 *
 * The configuration asks for lcore_mask=3 on a net_null port (two queues, no
 * RX), from a string, so the test starts it with config_check_runnable and
 * api_proc_start(), the halves of ff_init after reading the file.  Shown:
 *  - the process context: two stacks, stack i on the i-th lcore of the mask
 *    owning queue i of the port, the calling thread on stack 0;
 *  - ff_run runs the loop on both lcores, each thread on its own stack
 *    (ff_stack_index, rte_lcore_id); ff_stop_run on either thread stops
 *    both, and ff_run returns when both have stopped; it runs again after;
 *  - descriptors are per stack: both stacks hand out the same first
 *    descriptor and both bind UDP port 7;
 *  - counters per stack (loop.loop_passes = the loop calls each thread
 *    counted) and their total over the process (ff_stats_total_*).
 *
 * Needs two lcores (0 and 1) and nothing else (no root, no hugepages).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_lcore.h>

#include "ff_api.h"
#include "harness.h"
#include "api/api.h"
#include "stack/proc.h"

#define NSTACKS 2
#define MIN_PASSES 50

static struct config cfg; /* the process context points at it */

static const char conf[] = "[dpdk]\n"
                           "lcore_mask=3\n"
                           "port_list=0\n"
                           "no_huge=1\n"
                           "nb_mbufs=2047\n"
                           "eal_args=--no-pci --vdev=net_null0,no-rx=1\n"
                           "log_level=error\n"
                           "[port0]\n"
                           "addr=198.18.0.1\n"
                           "netmask=255.255.255.0\n";

/* Starts the process once (the EAL starts once per process). */
static bool started(void)
{
	static int state; /* 0 not tried, 1 up, -1 failed */
	char err[CFG_ERR_LEN];

	if (state < 0)
		harness_fail(__FILE__, __LINE__, "the process did not start (see above)");
	if (state)
		return state > 0;
	state = -1;
	config_defaults(&cfg);
	if (config_load_string(&cfg, "threads.ini", conf, err, sizeof(err)) < 0 ||
	    config_validate(&cfg, err, sizeof(err)) < 0) {
		harness_fail(__FILE__, __LINE__, "configuration: %s", err);
		return false;
	}
	/* What ff_init checks: two lcores of one primary process run. */
	CHECK_EQ(config_check_runnable(&cfg, err, sizeof(err)), 0);
	if (api_proc_start(&cfg) != 0) {
		harness_fail(__FILE__, __LINE__, "api_proc_start: errno %d", errno);
		return false;
	}
	state = 1;
	return true;
}

/* What each thread saw, written by that thread only. */
struct seen {
	unsigned passes; /* atomic: the others read it to decide when to stop */
	unsigned lcore;
	pthread_t thread;
	int index, fd, bind_rc, bind_errno;
};

struct run {
	struct seen seen[NSTACKS];
	unsigned stopper; /* the stack whose thread calls ff_stop_run */
	int bad_index;    /* a thread whose ff_stack_index was out of range */
};

static int loop_fn(void *arg)
{
	struct run *r = arg;
	int i = ff_stack_index();
	struct seen *me;
	bool all = true;

	if (i < 0 || i >= NSTACKS) {
		r->bad_index = i;
		ff_stop_run();
		return 0;
	}
	me = &r->seen[i];
	if (__atomic_load_n(&me->passes, __ATOMIC_RELAXED) == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };

		me->index = i;
		me->lcore = rte_lcore_id();
		me->thread = pthread_self();
		me->fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
		me->bind_rc = ff_bind(me->fd, (struct linux_sockaddr *)&a, sizeof(a));
		me->bind_errno = me->bind_rc ? errno : 0;
	}
	__atomic_fetch_add(&me->passes, 1, __ATOMIC_RELAXED);
	for (unsigned k = 0; k < NSTACKS; k++)
		all &= __atomic_load_n(&r->seen[k].passes, __ATOMIC_RELAXED) >= MIN_PASSES;
	if (all && (unsigned)i == r->stopper)
		ff_stop_run();
	return 0;
}

TEST(context)
{
	const struct proc *pc;

	if (!started())
		return;
	pc = proc_get();
	CHECK_EQ(ff_stack_count(), NSTACKS);
	CHECK_EQ(pc->nstacks, NSTACKS);
	CHECK_EQ(ff_stack_index(), 0); /* the calling thread runs stack 0 */
	CHECK(stack_current() == pc->stacks[0]);
	CHECK(pc->cfg == &cfg);
	for (unsigned i = 0; i < pc->nstacks; i++) {
		CHECK_EQ(pc->stacks[i]->id, i);
		CHECK_EQ(pc->lcore[i], i); /* lcore_mask=3: lcores 0 and 1 */
		CHECK_EQ(pc->stacks[i]->nports, 1);
		CHECK(pc->stacks[i]->pool != pc->stacks[0]->pool || i == 0);
	}
	CHECK_EQ(rte_lcore_id(), 0);
	CHECK_EQ(rte_lcore_count(), NSTACKS);
}

/* Runs ff_run until every stack made MIN_PASSES passes, stopped from
 * stopper's thread; checks what each thread saw. */
static void run_once(struct run *r, unsigned stopper, uint64_t passes_before[NSTACKS])
{
	const struct proc *pc = proc_get();
	uint64_t total = 0, v;

	memset(r, 0, sizeof(*r));
	r->stopper = stopper;
	r->bad_index = 0;
	ff_run(loop_fn, r);
	/* Back here: every loop has stopped (the worker is waiting again). */
	CHECK_EQ(rte_eal_get_lcore_state(1), WAIT);
	CHECK_EQ(r->bad_index, 0);
	for (unsigned i = 0; i < NSTACKS; i++) {
		const struct seen *s = &r->seen[i];

		CHECK(s->passes >= MIN_PASSES);
		CHECK_EQ(s->index, i);
		CHECK_EQ(s->lcore, pc->lcore[i]);
		/* loop(arg) is called once per pass: the stack's own counter. */
		CHECK_EQ(pc->stacks[i]->stats.loop_passes - passes_before[i], s->passes);
		total += pc->stacks[i]->stats.loop_passes;
	}
	CHECK(!pthread_equal(r->seen[0].thread, r->seen[1].thread));
	CHECK(pthread_equal(r->seen[0].thread, pthread_self()));
	CHECK_EQ(ff_stats_total_get("loop.loop_passes", &v), 0);
	CHECK_EQ(v, total);
	CHECK_EQ(ff_stats_get("loop.loop_passes", &v), 0); /* this thread: stack 0 */
	CHECK_EQ(v, pc->stacks[0]->stats.loop_passes);
}

TEST(run_on_every_lcore)
{
	const struct proc *pc = proc_get();
	uint64_t before[NSTACKS];
	static struct run r;

	if (!started())
		return;
	for (unsigned i = 0; i < NSTACKS; i++)
		before[i] = pc->stacks[i]->stats.loop_passes;
	/* Stopped from the worker's thread: both stop. */
	run_once(&r, 1, before);
	/* Descriptors are per stack: the same first number on each, and
	 * each stack's own port 7. */
	CHECK(r.seen[0].fd >= 0);
	CHECK_EQ(r.seen[1].fd, r.seen[0].fd);
	CHECK_EQ(r.seen[0].bind_rc, 0);
	CHECK_EQ(r.seen[1].bind_rc, 0);
	CHECK_EQ(r.seen[1].bind_errno, 0);

	/* Again, stopped from the main thread's stack: ff_run runs again. */
	for (unsigned i = 0; i < NSTACKS; i++)
		before[i] = pc->stacks[i]->stats.loop_passes;
	run_once(&r, 0, before);
	/* The port 7 sockets are still there: a second bind on each stack's
	 * own table is refused. */
	CHECK_EQ(r.seen[0].bind_errno, EADDRINUSE);
	CHECK_EQ(r.seen[1].bind_errno, EADDRINUSE);
}

/* The total is the sum over stacks of every counter, by name. */
struct sum_check {
	unsigned n, bad;
};

static void total_fn(const char *name, uint64_t value, const char *desc, void *arg)
{
	const struct proc *pc = proc_get();
	struct sum_check *c = arg;
	uint64_t sum = 0, v;

	(void)desc;
	for (unsigned i = 0; i < pc->nstacks; i++) {
		stack_set_current(pc->stacks[i]);
		if (ff_stats_get(name, &v) == 0)
			sum += v;
	}
	stack_set_current(pc->stacks[0]);
	c->n++;
	if (sum != value) {
		if (!c->bad)
			harness_fail(__FILE__, __LINE__, "%s: total %lu, sum %lu", name,
			             (unsigned long)value, (unsigned long)sum);
		c->bad++;
	}
}

static void count_fn(const char *name, uint64_t value, const char *desc, void *arg)
{
	(void)name;
	(void)value;
	(void)desc;
	(*(int *)arg)++;
}

TEST(stats_total)
{
	const struct proc *pc = proc_get();
	struct sum_check c = { 0, 0 };
	uint64_t before[NSTACKS], v;
	static struct run r;
	int per_stack = 0;

	if (!started())
		return;
	for (unsigned i = 0; i < NSTACKS; i++)
		before[i] = pc->stacks[i]->stats.loop_passes;
	run_once(&r, 1, before); /* both stacks' counters move */
	CHECK_EQ(ff_stats_foreach(count_fn, &per_stack), ff_stats_total_foreach(total_fn, &c));
	CHECK_EQ((int)c.n, per_stack);
	CHECK_EQ(c.bad, 0);
	CHECK(c.n > 100);
	/* Each thread's loop opened one socket on its own stack. */
	CHECK_EQ(ff_stats_total_get("socket.so_created", &v), 0);
	CHECK_EQ(v, pc->stacks[0]->stats.sock.so_created + pc->stacks[1]->stats.sock.so_created);
	CHECK(pc->stacks[1]->stats.sock.so_created >= 1);
	CHECK_EQ(ff_stats_total_get("no.such", &v), -1);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(ff_stats_total_foreach(NULL, NULL), -1);
	CHECK_EQ(errno, EINVAL);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
