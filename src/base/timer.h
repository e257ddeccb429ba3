/* timer.h: a hashed timing wheel, one per stack (Varghese & Lauck, scheme 6).
 *
 * Time is an input: the wheel never reads a clock.  timer_wheel_run(w, now)
 * fires every timer whose deadline is <= now, in tick order.  Deadlines are
 * rounded up to the next tick, so a timer never fires early.  Arm, re-arm and
 * cancel are O(1); a slot holds every timer whose tick maps to it, and timers
 * for a later round stay in the slot until their tick comes.
 *
 * Call order: timer_wheel_init() once; timer_init() per timer; timer_arm() /
 * timer_cancel() at will (also from inside a callback); timer_wheel_run() once
 * per loop pass.
 */
#ifndef FASTACK_BASE_TIMER_H
#define FASTACK_BASE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/list.h"

#define TIMER_WHEEL_SLOTS 4096u /* power of two */

struct timer;
/* ctx is the argument given to timer_wheel_run() (the stack). */
typedef void (*timer_fn)(struct timer *t, void *ctx);

struct timer {
	struct list_node node; /* linked in a slot while armed */
	uint64_t expire;       /* tick at which it fires */
	timer_fn fn;
};

struct timer_wheel {
	uint64_t tick_ns; /* resolution */
	uint64_t cur;     /* next tick to process */
	uint32_t narmed;  /* timers in the wheel */
	bool running;     /* inside timer_wheel_run() */
	struct list_node slots[TIMER_WHEEL_SLOTS];
};

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ns, uint64_t tick_ns);
void timer_init(struct timer *t, timer_fn fn);
/* Arms (or re-arms) t to fire at deadline_ns; a past deadline fires on the
 * next run. */
void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t deadline_ns);
void timer_cancel(struct timer_wheel *w, struct timer *t);
static inline bool timer_armed(const struct timer *t)
{
	return list_node_linked(&t->node);
}
/* Fires due timers; returns how many fired. */
unsigned timer_wheel_run(struct timer_wheel *w, uint64_t now_ns, void *ctx);
/* Earliest pending deadline in ns, or UINT64_MAX if none.  Walks at most one
 * round of slots; meant for idle sleeping, not for the per-packet path. */
uint64_t timer_wheel_next_deadline(const struct timer_wheel *w);

#endif
