/* co.h: the coroutine runtime's interface to the stack (its two hooks) and
 * to the files of src/co (parking and waking).
 *
 * Hooks: stack_pass_end() calls co_run(s) before the TX flush (the
 * scheduler, one bounded run per pass, so what coroutines send leaves in
 * the same pass); stack_destroy() calls co_fini(s) before closing the
 * descriptors (coroutines are cancelled and run to their end, so they
 * close what they hold while every layer is up).  s->co is NULL until the
 * first ff_co_spawn on the stack: a stack without coroutines pays one NULL
 * test per pass.
 *
 * Parking (co_park): the calling coroutine links itself where its waker
 * will find it (a socket's watcher list, a mutex's queue), sets an unhook
 * for that link, and parks with an optional deadline on the stack's timer
 * wheel.  co_wake(co, rc) makes it ready with result rc: 0 from its waker,
 * -ETIMEDOUT from the timer, -ECANCELED from ff_co_cancel, -EBADF when the
 * descriptor it waits on is closed.  Whatever wakes it, the unhook runs and
 * the timer is cancelled, so a parked coroutine is linked in exactly one
 * wait and a woken one in none.
 */
#ifndef FASTACK_CO_CO_H
#define FASTACK_CO_CO_H

#include <stdbool.h>
#include <stdint.h>

#include "base/counters.h"
#include "base/list.h"
#include "base/timer.h"

struct stack;
struct co_rt;

#define CO_STATS(X)                                                                 \
	X(co_spawned, "coroutines spawned")                                         \
	X(co_finished, "coroutines that returned")                                  \
	X(co_spawn_limit, "spawns refused: fastack.co.max coroutines alive")        \
	X(co_nomem, "spawns refused: no memory for the coroutine or its stack")     \
	X(co_switches, "resumptions of a coroutine by the scheduler")               \
	X(co_parks, "parks (socket, sleep, join, mutex, condition, channel)")       \
	X(co_timeouts, "parks ended by their deadline")                             \
	X(co_cancels, "parks ended by a cancel")                                    \
	X(co_closed_waits, "parks ended because the descriptor was closed")         \
	X(co_batch_full, "scheduler runs that left ready coroutines for next pass") \
	X(co_hogs, "coroutines reported running past fastack.co.watchdog_ms")       \
	X(co_stacks_mapped, "coroutine stacks mapped (not taken from the pool)")
COUNTER_STRUCT(co_stats, CO_STATS);

enum co_state { CO_READY, CO_RUNNING, CO_PARKED, CO_DONE };

#define CO_NO_DEADLINE UINT64_MAX

/* One coroutine (the public ff_co_t). */
struct ff_co {
	void *sp;             /* saved stack pointer while not running */
	struct co_rt *rt;     /* its stack's runtime */
	struct list_node run; /* in rt->ready while ready */
	struct list_node all; /* in rt->all while alive */
	uint64_t id;
	enum co_state state;
	bool cancelled, detached, started;
	bool sleeping;                    /* the deadline ends the park normally (a sleep) */
	int wake_rc;                      /* what ended the last park */
	void (*unhook)(struct ff_co *co); /* unlinks it from its wait */
	void *wait;                       /* the wait's object, for unhook */
	struct timer tmo;                 /* the park's deadline */
	struct ff_co *joiner;             /* parked in ff_co_join on this one */
	void (*fn)(void *arg);
	void *arg;
	/* Stack: [base, base + guard) is PROT_NONE, [lo, lo + size) usable. */
	void *base;
	size_t maplen;
	void *lo;
	size_t size;
	void *asan_fake; /* ASan's fake stack while switched out */
	char name[32];
};

/* Hooks (see above). */
void co_run(struct stack *s);
void co_fini(struct stack *s);

/* The running coroutine of s (NULL in the loop itself). */
struct ff_co *co_current(struct stack *s);
/* The runtime of s, created on first use (NULL: no memory). */
struct co_rt *co_rt_get(struct stack *s);
struct stack *co_stack(const struct ff_co *co);
/* Stacks kept in s's pool for reuse (tests: every stack came back). */
unsigned co_stacks_pooled(const struct stack *s);

/* Parks the running coroutine co until co_wake or deadline (ns on the
 * stack's clock, CO_NO_DEADLINE for none); returns the wake's rc.  The
 * caller linked it into its wait and set co->unhook/co->wait first; a
 * cancelled coroutine does not park: -ECANCELED at once (after unhook). */
int co_park(struct ff_co *co, uint64_t deadline);
/* Makes a parked co ready with result rc (nothing if it is not parked). */
void co_wake(struct ff_co *co, int rc);
/* Deadline of a timeout in ms from now (negative: none). */
uint64_t co_deadline(struct stack *s, int timeout_ms);

/* The caller's stack and coroutine for a call that may park: 0, or -EBADF
 * (no stack), -EPERM (not in a coroutine), -ECANCELED (cancelled). */
int co_enter(struct stack **s, struct ff_co **co);

#endif
