/* co.c: the coroutine runtime of one stack: stacks, the scheduler,
 * parking, and the two guards (the watchdog and the overflow handler).
 *
 * Call order: ff_co_spawn() (creates s->co on first use) -> co_run(s) once
 * per loop pass (stack_pass_end) -> co_fini(s) (stack_destroy).
 *
 * Switching: co_switch (co_switch.S) saves the callee-saved registers on
 * the running stack and loads another's; the scheduler (co_run, on the
 * loop's own stack) resumes a coroutine, which runs until it parks,
 * yields or returns, each of which switches back to the scheduler.
 * Coroutines never switch to each other directly, so there is one
 * "return address" (rt->sched_sp) and no chain to unwind.  Under
 * AddressSanitizer each switch is announced (__sanitizer_start_switch_fiber
 * / __sanitizer_finish_switch_fiber) so ASan knows which stack is live.
 *
 * Scheduling: rt->ready holds coroutines made ready (spawned, woken), in
 * FIFO order; co_run resumes them until none is left or fastack.co.batch
 * resumptions were made.  A yield goes to rt->yielded, spliced onto ready
 * at the end of the run: a yielding coroutine waits for the next pass, so
 * the loop (RX, timers, TX) always gets its turn.
 *
 * Stacks: one mapping each, MAP_NORESERVE (pages cost memory once
 * touched), with CO_GUARD bytes at the low end made PROT_NONE; a returned
 * coroutine's stack goes to a free list (up to fastack.co.pool_max), kept
 * by size, and a spawn of the same size takes it back.
 *
 * Guards: a coroutine that runs fastack.co.watchdog_ms without switching
 * back is seen by the watchdog thread (one per process, sampling every
 * runtime's switch counter) and reported on stderr with its name, while it
 * runs.  A stack overflow faults on the guard; the SIGSEGV handler (on an
 * alternate signal stack, as the faulting one is unusable) names the
 * coroutine and aborts; a fault elsewhere goes to the handler that was
 * there before.  The watchdog list and the handler are process-wide on
 * purpose (there is one signal table and one clock per process).
 */
#include "co/co.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ff_co.h"

#include "base/log.h"
#include "stack/stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define CO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CO_ASAN 1
#endif
#endif
#ifdef CO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define CO_GUARD (64u * 1024u) /* PROT_NONE below each stack */
#define CO_ALTSTACK (64u * 1024u)
#define CO_FINI_ROUNDS 1000 /* scheduler runs co_fini gives cancelled coroutines */

void co_switch(void **save_sp, void *new_sp);
void co_trampoline(void);

/* A free stack in the pool: the header lives at the stack's low end. */
struct co_free_stack {
	struct co_free_stack *next;
	void *base;
	size_t maplen, size;
};

struct co_rt {
	struct stack *s;
	struct list_node ready;   /* struct ff_co.run: to resume this run */
	struct list_node yielded; /* yielded this run: ready at the next */
	struct list_node all;     /* every coroutine alive or unjoined */
	unsigned nalive;          /* spawned and not returned */
	struct ff_co *running;
	void *sched_sp; /* the scheduler's stack pointer while a coroutine runs */
	void *sched_fake;
	const void *sched_bottom;
	size_t sched_size;
	size_t def_stack; /* ff_co_set_stack_size */
	uint64_t next_id;
	struct co_free_stack *pool;
	unsigned npool;
	/* watchdog (shared with its thread) */
	uint64_t wd_ms;
	uint64_t wd_seq;          /* bumped at every switch (atomic) */
	struct ff_co *wd_co;      /* the running coroutine (atomic) */
	int wd_busy;              /* the watchdog is reading wd_co (atomic) */
	uint64_t wd_hogs;         /* reports made (atomic) */
	uint64_t wd_last_seq;     /* watchdog thread only */
	uint64_t wd_since_ns;     /* watchdog thread only */
	uint64_t wd_reported_seq; /* watchdog thread only */
	struct co_rt *wd_next;    /* in the watchdog's list */
};

static __thread struct ff_co *co_tls_running __attribute__((tls_model("initial-exec")));

/* ---- AddressSanitizer fiber annotations ---- */

static inline void asan_start(void **fake, const void *bottom, size_t size)
{
#ifdef CO_ASAN
	__sanitizer_start_switch_fiber(fake, bottom, size);
#else
	(void)fake, (void)bottom, (void)size;
#endif
}

static inline void asan_finish(void *fake, const void **bottom, size_t *size)
{
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(fake, bottom, size);
#else
	(void)fake, (void)bottom, (void)size;
#endif
}

static inline void asan_unpoison(void *p, size_t n)
{
#ifdef CO_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
	(void)p, (void)n;
#endif
}

/* ---- the watchdog ---- */

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct co_rt *wd_list;
static pthread_t wd_thread;
static bool wd_running, wd_stop;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void wd_check(struct co_rt *rt, uint64_t now)
{
	uint64_t seq = __atomic_load_n(&rt->wd_seq, __ATOMIC_ACQUIRE);
	struct ff_co *co;

	if (seq != rt->wd_last_seq) {
		rt->wd_last_seq = seq;
		rt->wd_since_ns = now;
		return;
	}
	/* Odd: a coroutine is running (resume makes it odd, the switch back
	 * even again). */
	if (!(seq & 1) || rt->wd_reported_seq == seq ||
	    now - rt->wd_since_ns < rt->wd_ms * 1000000ull)
		return;
	/* The coroutine cannot be freed while wd_busy is set and the sequence
	 * is unchanged (co_free waits for wd_busy after its switch back). */
	__atomic_store_n(&rt->wd_busy, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	co = __atomic_load_n(&rt->wd_co, __ATOMIC_ACQUIRE);
	if (co && __atomic_load_n(&rt->wd_seq, __ATOMIC_SEQ_CST) == seq) {
		fprintf(stderr,
		        "fastack: coroutine '%s' (id %" PRIu64 ", stack %u) has run %" PRIu64
		        " ms without yielding (fastack.co.watchdog_ms %" PRIu64 ")\n",
		        co->name, co->id, rt->s->id, (uint64_t)((now - rt->wd_since_ns) / 1000000u),
		        rt->wd_ms);
		rt->wd_reported_seq = seq;
		__atomic_add_fetch(&rt->wd_hogs, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&rt->wd_busy, 0, __ATOMIC_RELEASE);
}

static void *wd_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 5 * 1000000 };
		uint64_t now = mono_ns();

		pthread_mutex_lock(&wd_lock);
		if (wd_stop) {
			pthread_mutex_unlock(&wd_lock);
			return NULL;
		}
		for (struct co_rt *rt = wd_list; rt; rt = rt->wd_next)
			wd_check(rt, now);
		pthread_mutex_unlock(&wd_lock);
		nanosleep(&ts, NULL);
	}
}

static void wd_add(struct co_rt *rt)
{
	pthread_mutex_lock(&wd_lock);
	rt->wd_next = wd_list;
	wd_list = rt;
	if (!wd_running) {
		wd_stop = false;
		wd_running = pthread_create(&wd_thread, NULL, wd_main, NULL) == 0;
		if (!wd_running)
			LOG_WARN("coroutines: no watchdog thread: %s", strerror(errno));
	}
	pthread_mutex_unlock(&wd_lock);
}

static void wd_del(struct co_rt *rt)
{
	bool join = false;

	pthread_mutex_lock(&wd_lock);
	for (struct co_rt **p = &wd_list; *p; p = &(*p)->wd_next)
		if (*p == rt) {
			*p = rt->wd_next;
			break;
		}
	if (!wd_list && wd_running) {
		wd_stop = true;
		wd_running = false;
		join = true;
	}
	pthread_mutex_unlock(&wd_lock);
	if (join)
		pthread_join(wd_thread, NULL);
}

/* ---- the overflow handler ---- */

static struct sigaction segv_prev;
static pthread_once_t segv_once = PTHREAD_ONCE_INIT;

static size_t put_str(char *b, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		b[at++] = *s++;
	return at;
}

static size_t put_hex(char *b, size_t at, size_t cap, uintptr_t v)
{
	char d[2 + 2 * sizeof(v)];
	int n = 0;

	do {
		d[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	at = put_str(b, at, cap, "0x");
	while (n > 0 && at + 1 < cap)
		b[at++] = d[--n];
	return at;
}

static void co_segv(int sig, siginfo_t *si, void *uctx)
{
	struct ff_co *co = co_tls_running;
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uctx;
	if (co && a >= (uintptr_t)co->base && a < (uintptr_t)co->lo) {
		char msg[256];
		size_t n = 0;

		n = put_str(msg, n, sizeof(msg), "fastack: coroutine '");
		n = put_str(msg, n, sizeof(msg), co->name);
		n = put_str(msg, n, sizeof(msg), "': stack overflow (guard page hit at ");
		n = put_hex(msg, n, sizeof(msg), a);
		n = put_str(msg, n, sizeof(msg), "; stack size ");
		n = put_hex(msg, n, sizeof(msg), co->size);
		n = put_str(msg, n, sizeof(msg), "), aborting\n");
		if (write(STDERR_FILENO, msg, n) < 0) {
			/* nothing more to do: we abort anyway */
		}
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	/* Not an overflow of ours: the previous handler takes the fault when
	 * the instruction runs again. */
	sigaction(sig, &segv_prev, NULL);
}

static void segv_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = co_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &segv_prev) < 0)
		LOG_WARN("coroutines: no SIGSEGV handler: %s", strerror(errno));
}

/* The handler runs on an alternate stack: each thread with coroutines
 * needs one (kept for the thread's life; one that exists is used). */
static void altstack_ensure(void)
{
	static __thread bool done;
	stack_t ss, old;

	if (done)
		return;
	done = true;
	if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
		return;
	ss.ss_sp =
	    mmap(NULL, CO_ALTSTACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED)
		return;
	ss.ss_size = CO_ALTSTACK;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) < 0)
		munmap(ss.ss_sp, CO_ALTSTACK);
}

/* ---- stacks ---- */

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) & ~(pg - 1);
}

static int stack_get(struct co_rt *rt, struct ff_co *co, size_t size)
{
	struct stack *s = rt->s;

	for (struct co_free_stack **p = &rt->pool; *p; p = &(*p)->next) {
		struct co_free_stack *f = *p;

		if (f->size != size)
			continue;
		*p = f->next;
		rt->npool--;
		co->base = f->base;
		co->maplen = f->maplen;
		co->size = size;
		co->lo = (char *)f->base + CO_GUARD;
		return 0;
	}
	co->maplen = CO_GUARD + size;
	co->base = mmap(NULL, co->maplen, PROT_READ | PROT_WRITE,
	                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (co->base == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(co->base, CO_GUARD, PROT_NONE) < 0) {
		munmap(co->base, co->maplen);
		return -ENOMEM;
	}
	co->lo = (char *)co->base + CO_GUARD;
	co->size = size;
	STAT_INC(s, co, co_stacks_mapped);
	return 0;
}

static void stack_put(struct co_rt *rt, struct ff_co *co)
{
	struct co_free_stack *f;

	if (!co->base)
		return;
	/* Frames that were live when the coroutine last ran leave ASan's
	 * poison behind; the next user starts clean. */
	asan_unpoison(co->lo, co->size);
	if (rt->npool >= (unsigned)KNOB(rt->s, CO_POOL_MAX)) {
		munmap(co->base, co->maplen);
	} else {
		f = co->lo;
		*f = (struct co_free_stack){ rt->pool, co->base, co->maplen, co->size };
		rt->pool = f;
		rt->npool++;
	}
	co->base = co->lo = NULL;
}

/* The first frame of a new stack: co_switch pops it and returns into
 * co_trampoline, which calls entry(co) (co_switch.S). */
static void stack_frame(struct ff_co *co, void (*entry)(struct ff_co *))
{
	uint64_t *hi = (uint64_t *)(((uintptr_t)co->lo + co->size) & ~(uintptr_t)15);
	uint64_t *sp = hi - 10;
	uint32_t mxcsr;
	uint16_t fcw;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	hi[-1] = 0;
	hi[-2] = 0;
	hi[-3] = (uint64_t)(uintptr_t)co_trampoline; /* ret */
	hi[-4] = 0;                                  /* rbp */
	hi[-5] = 0;                                  /* rbx */
	hi[-6] = (uint64_t)(uintptr_t)entry;         /* r12 */
	hi[-7] = (uint64_t)(uintptr_t)co;            /* r13 */
	hi[-8] = 0;                                  /* r14 */
	hi[-9] = 0;                                  /* r15 */
	hi[-10] = (uint64_t)mxcsr | ((uint64_t)fcw << 32);
	co->sp = sp;
}

/* ---- the runtime ---- */

struct co_rt *co_rt_get(struct stack *s)
{
	struct co_rt *rt = s->co;

	if (rt)
		return rt;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->s = s;
	list_init(&rt->ready);
	list_init(&rt->yielded);
	list_init(&rt->all);
	rt->def_stack = page_round((size_t)KNOB(s, CO_STACK_SIZE));
	rt->wd_ms = (uint64_t)KNOB(s, CO_WATCHDOG_MS);
	pthread_once(&segv_once, segv_install);
	altstack_ensure();
	if (rt->wd_ms)
		wd_add(rt);
	s->co = rt;
	return rt;
}

struct stack *co_stack(const struct ff_co *co)
{
	return co->rt->s;
}

unsigned co_stacks_pooled(const struct stack *s)
{
	return s->co ? s->co->npool : 0;
}

struct ff_co *co_current(struct stack *s)
{
	return s->co ? s->co->running : NULL;
}

static void co_free(struct co_rt *rt, struct ff_co *co)
{
	list_del(&co->all);
	if (rt->wd_ms) {
		/* The watchdog may be printing this coroutine's name. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		while (__atomic_load_n(&rt->wd_busy, __ATOMIC_ACQUIRE))
			sched_yield();
	}
	free(co);
}

static void wd_mark(struct co_rt *rt, struct ff_co *co)
{
	if (rt->wd_ms) {
		__atomic_store_n(&rt->wd_co, co, __ATOMIC_RELEASE);
		__atomic_store_n(&rt->wd_seq, rt->wd_seq + 1, __ATOMIC_RELEASE);
	}
}

/* Runs in the coroutine, on its own stack, from co_trampoline. */
static void co_main(struct ff_co *co)
{
	struct co_rt *rt = co->rt;

	asan_finish(NULL, &rt->sched_bottom, &rt->sched_size);
	co->fn(co->arg);
	co->state = CO_DONE;
	asan_start(NULL, rt->sched_bottom, rt->sched_size); /* this stack ends */
	co_switch(&co->sp, rt->sched_sp);
	__builtin_unreachable();
}

/* A coroutine returned: its stack goes back, its joiner is woken. */
static void co_finish(struct co_rt *rt, struct ff_co *co)
{
	struct stack *s = rt->s;

	rt->nalive--;
	STAT_INC(s, co, co_finished);
	stack_put(rt, co);
	if (co->joiner)
		co_wake(co->joiner, 0);
	if (co->detached)
		co_free(rt, co);
}

static void co_resume(struct co_rt *rt, struct ff_co *co)
{
	co->state = CO_RUNNING;
	co->started = true;
	rt->running = co;
	co_tls_running = co;
	wd_mark(rt, co);
	STAT_INC(rt->s, co, co_switches);
	asan_start(&rt->sched_fake, co->lo, co->size);
	co_switch(&rt->sched_sp, co->sp);
	asan_finish(rt->sched_fake, NULL, NULL);
	wd_mark(rt, NULL);
	rt->running = NULL;
	co_tls_running = NULL;
	if (co->state == CO_DONE)
		co_finish(rt, co);
}

/* From the running coroutine back to the scheduler. */
static void co_suspend(struct co_rt *rt, struct ff_co *co)
{
	asan_start(&co->asan_fake, rt->sched_bottom, rt->sched_size);
	co_switch(&co->sp, rt->sched_sp);
	asan_finish(co->asan_fake, &rt->sched_bottom, &rt->sched_size);
}

static unsigned co_run_rt(struct co_rt *rt, uint64_t budget)
{
	unsigned n = 0;

	while (!list_empty(&rt->ready) && budget--) {
		struct ff_co *co = list_first_entry(&rt->ready, struct ff_co, run);

		list_del(&co->run);
		co_resume(rt, co);
		n++;
	}
	if (!list_empty(&rt->ready))
		STAT_INC(rt->s, co, co_batch_full);
	while (!list_empty(&rt->yielded)) {
		struct ff_co *co = list_first_entry(&rt->yielded, struct ff_co, run);

		list_del(&co->run);
		list_add_tail(&rt->ready, &co->run);
	}
	return n;
}

void co_run(struct stack *s)
{
	struct co_rt *rt = s->co;
	struct stack *prev;

	if (!rt)
		return;
	if (rt->wd_ms)
		s->stats.co.co_hogs = __atomic_load_n(&rt->wd_hogs, __ATOMIC_RELAXED);
	if (list_empty(&rt->ready) || rt->running)
		return;
	prev = stack_current();
	if (prev != s)
		stack_set_current(s);
	co_run_rt(rt, (uint64_t)KNOB(s, CO_BATCH));
	if (prev != s)
		stack_set_current(prev);
}

void co_fini(struct stack *s)
{
	struct co_rt *rt = s->co;
	struct list_node *pos, *tmp;
	struct stack *prev;
	unsigned rounds = 0;

	if (!rt)
		return;
	prev = stack_current();
	stack_set_current(s);
	/* Cancel everything alive and let it unwind. */
	list_for_each_safe (pos, tmp, &rt->all) {
		struct ff_co *co = list_entry(pos, struct ff_co, all);

		if (co->state != CO_DONE)
			ff_co_cancel(co);
	}
	while (rt->nalive && rounds++ < CO_FINI_ROUNDS)
		co_run_rt(rt, UINT64_MAX);
	list_for_each_safe (pos, tmp, &rt->all) {
		struct ff_co *co = list_entry(pos, struct ff_co, all);

		if (co->state != CO_DONE) {
			LOG_ERR("stack %u: coroutine '%s' did not end when cancelled; its "
			        "stack is freed, what it holds is not",
			        s->id, co->name);
			timer_cancel(s->wheel, &co->tmo);
			if (co->unhook)
				co->unhook(co);
			list_del(&co->run);
			stack_put(rt, co);
		}
		co_free(rt, co);
	}
	while (rt->pool) {
		struct co_free_stack *f = rt->pool;

		rt->pool = f->next;
		munmap(f->base, f->maplen);
	}
	if (rt->wd_ms)
		wd_del(rt);
	s->stats.co.co_hogs = rt->wd_hogs;
	s->co = NULL;
	free(rt);
	stack_set_current(prev);
}

/* ---- parking ---- */

static void co_timer_fire(struct timer *t, void *ctx)
{
	struct ff_co *co = container_of(t, struct ff_co, tmo);

	(void)ctx;
	co_wake(co, co->sleeping ? 0 : -ETIMEDOUT);
}

void co_wake(struct ff_co *co, int rc)
{
	struct co_rt *rt = co->rt;
	struct stack *s = rt->s;

	if (co->state != CO_PARKED)
		return;
	if (co->unhook) {
		co->unhook(co);
		co->unhook = NULL;
	}
	timer_cancel(s->wheel, &co->tmo);
	co->wake_rc = rc;
	co->state = CO_READY;
	list_add_tail(&rt->ready, &co->run);
	if (rc == -ETIMEDOUT)
		STAT_INC(s, co, co_timeouts);
	else if (rc == -ECANCELED)
		STAT_INC(s, co, co_cancels);
	else if (rc == -EBADF)
		STAT_INC(s, co, co_closed_waits);
}

int co_park(struct ff_co *co, uint64_t deadline)
{
	struct co_rt *rt = co->rt;
	struct stack *s = rt->s;
	int rc = 0;

	if (co->cancelled)
		rc = -ECANCELED;
	else if (deadline != CO_NO_DEADLINE && deadline <= s->now)
		rc = -ETIMEDOUT;
	if (rc) {
		if (co->unhook)
			co->unhook(co);
		co->unhook = NULL;
		return rc;
	}
	if (deadline != CO_NO_DEADLINE)
		timer_arm(s->wheel, &co->tmo, deadline);
	co->state = CO_PARKED;
	STAT_INC(s, co, co_parks);
	co_suspend(rt, co);
	return co->wake_rc;
}

uint64_t co_deadline(struct stack *s, int timeout_ms)
{
	if (timeout_ms < 0)
		return CO_NO_DEADLINE;
	return s->now + (uint64_t)timeout_ms * 1000000ull;
}

int co_enter(struct stack **sp, struct ff_co **cop)
{
	struct stack *s = stack_current();
	struct ff_co *co;

	if (!s)
		return -EBADF;
	co = co_current(s);
	if (!co)
		return -EPERM;
	if (co->cancelled)
		return -ECANCELED;
	*sp = s;
	*cop = co;
	return 0;
}

/* ---- ff_co_* ---- */

static inline long ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

static int check_stack_size(size_t bytes)
{
	return bytes < FF_CO_STACK_MIN || bytes > FF_CO_STACK_MAX ? -EINVAL : 0;
}

int ff_co_attr_init(struct ff_co_attr *attr)
{
	struct stack *s = stack_current();

	if (!attr)
		return (int)ret(-EINVAL);
	memset(attr, 0, sizeof(*attr));
	attr->stack_size = s && s->co ? s->co->def_stack
	                   : s        ? (size_t)KNOB(s, CO_STACK_SIZE)
	                              : FF_CO_STACK_MIN;
	return 0;
}

ff_co_t *ff_co_spawn(ff_co_fn fn, void *arg, const struct ff_co_attr *attr)
{
	struct stack *s = stack_current();
	struct co_rt *rt;
	struct ff_co *co;
	size_t size;
	int rc;

	if (!s) {
		errno = EBADF;
		return NULL;
	}
	if (!fn || (attr && check_stack_size(attr->stack_size) < 0)) {
		errno = EINVAL;
		return NULL;
	}
	rt = co_rt_get(s);
	if (!rt) {
		errno = ENOMEM;
		return NULL;
	}
	if (rt->nalive >= (unsigned)KNOB(s, CO_MAX)) {
		STAT_INC(s, co, co_spawn_limit);
		errno = EAGAIN;
		return NULL;
	}
	size = attr ? page_round(attr->stack_size) : rt->def_stack;
	co = calloc(1, sizeof(*co));
	if (!co) {
		STAT_INC(s, co, co_nomem);
		errno = ENOMEM;
		return NULL;
	}
	rc = stack_get(rt, co, size);
	if (rc < 0) {
		free(co);
		STAT_INC(s, co, co_nomem);
		errno = -rc;
		return NULL;
	}
	co->rt = rt;
	co->id = ++rt->next_id;
	co->fn = fn;
	co->arg = arg;
	co->detached = attr && attr->detached;
	timer_init(&co->tmo, co_timer_fire);
	list_init(&co->run);
	if (attr && attr->name)
		snprintf(co->name, sizeof(co->name), "%s", attr->name);
	else
		snprintf(co->name, sizeof(co->name), "co-%" PRIu64, co->id);
	stack_frame(co, co_main);
	co->state = CO_READY;
	list_add_tail(&rt->ready, &co->run);
	list_add_tail(&rt->all, &co->all);
	rt->nalive++;
	STAT_INC(s, co, co_spawned);
	return co;
}

int ff_co_set_stack_size(size_t bytes)
{
	struct stack *s = stack_current();
	struct co_rt *rt;

	if (!s)
		return (int)ret(-EBADF);
	if (check_stack_size(bytes) < 0)
		return (int)ret(-EINVAL);
	rt = co_rt_get(s);
	if (!rt)
		return (int)ret(-ENOMEM);
	rt->def_stack = page_round(bytes);
	return 0;
}

size_t ff_co_get_stack_size(void)
{
	struct stack *s = stack_current();

	if (!s)
		return 0;
	return s->co ? s->co->def_stack : page_round((size_t)KNOB(s, CO_STACK_SIZE));
}

ff_co_t *ff_co_self(void)
{
	struct stack *s = stack_current();

	return s ? co_current(s) : NULL;
}

const char *ff_co_name(const ff_co_t *co)
{
	return co ? co->name : NULL;
}

unsigned ff_co_count(void)
{
	struct stack *s = stack_current();

	return s && s->co ? s->co->nalive : 0;
}

int ff_co_yield(void)
{
	struct stack *s = stack_current();
	struct ff_co *co = s ? co_current(s) : NULL;

	if (!s)
		return (int)ret(-EBADF);
	if (!co)
		return (int)ret(-EPERM);
	co->state = CO_READY;
	list_add_tail(&co->rt->yielded, &co->run);
	co_suspend(co->rt, co);
	return co->cancelled ? (int)ret(-ECANCELED) : 0;
}

int ff_co_sleep_ms(uint64_t ms)
{
	struct stack *s;
	struct ff_co *co;
	int rc = co_enter(&s, &co);

	if (rc < 0)
		return (int)ret(rc);
	if (ms > UINT64_MAX / 2000000ull)
		ms = UINT64_MAX / 2000000ull;
	co->sleeping = true;
	rc = co_park(co, s->now + ms * 1000000ull);
	co->sleeping = false;
	return rc == -ETIMEDOUT ? 0 : (int)ret(rc); /* a 0 ms sleep: a pass */
}

uint64_t ff_co_now_ns(void)
{
	struct stack *s = stack_current();

	return s ? s->now : 0;
}

uint64_t ff_co_now_ms(void)
{
	return ff_co_now_ns() / 1000000ull;
}

static void join_unhook(struct ff_co *co)
{
	struct ff_co *target = co->wait;

	if (target->joiner == co)
		target->joiner = NULL;
}

int ff_co_join(ff_co_t *target, int timeout_ms)
{
	struct stack *s;
	struct ff_co *co;
	int rc;

	if (!target)
		return (int)ret(-EINVAL);
	rc = co_enter(&s, &co);
	if (rc < 0)
		return (int)ret(rc);
	if (target == co || target->detached || target->rt != co->rt || target->joiner)
		return (int)ret(-EINVAL);
	if (target->state != CO_DONE) {
		target->joiner = co;
		co->wait = target;
		co->unhook = join_unhook;
		rc = co_park(co, co_deadline(s, timeout_ms));
		if (rc < 0)
			return (int)ret(rc);
	}
	co_free(co->rt, target);
	return 0;
}

int ff_co_detach(ff_co_t *co)
{
	if (!co || co->detached)
		return (int)ret(-EINVAL);
	if (co->state == CO_DONE) {
		co_free(co->rt, co);
		return 0;
	}
	co->detached = true;
	return 0;
}

int ff_co_cancel(ff_co_t *co)
{
	if (!co || co->state == CO_DONE)
		return (int)ret(co ? -ESRCH : -EINVAL);
	co->cancelled = true;
	co_wake(co, -ECANCELED);
	return 0;
}

int ff_co_cancel_all(void)
{
	struct stack *s = stack_current();
	struct list_node *pos, *tmp;
	int n = 0;

	if (!s)
		return (int)ret(-EBADF);
	if (!s->co)
		return 0;
	list_for_each_safe (pos, tmp, &s->co->all) {
		struct ff_co *co = list_entry(pos, struct ff_co, all);

		if (co->state != CO_DONE && !co->cancelled && co != s->co->running) {
			co->cancelled = true;
			co_wake(co, -ECANCELED);
			n++;
		}
	}
	return n;
}

int ff_co_cancelled(void)
{
	ff_co_t *co = ff_co_self();

	return co && co->cancelled;
}
