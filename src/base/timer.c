/* timer.c: see timer.h for the design. */
#include "base/timer.h"

#define SLOT_MASK (TIMER_WHEEL_SLOTS - 1)

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ns, uint64_t tick_ns)
{
	w->tick_ns = tick_ns;
	w->cur = now_ns / tick_ns;
	w->narmed = 0;
	w->running = false;
	for (unsigned i = 0; i < TIMER_WHEEL_SLOTS; i++)
		list_init(&w->slots[i]);
}

void timer_init(struct timer *t, timer_fn fn)
{
	list_init(&t->node);
	t->expire = 0;
	t->fn = fn;
}

void timer_cancel(struct timer_wheel *w, struct timer *t)
{
	if (!timer_armed(t))
		return;
	list_del(&t->node);
	w->narmed--;
}

void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t deadline_ns)
{
	/* Round up: never fire before the deadline. */
	uint64_t tick = deadline_ns / w->tick_ns + (deadline_ns % w->tick_ns != 0);
	/* w->cur is the next tick to process (or, while running, the one being
	 * processed); a timer armed from a callback goes at least one tick on so a
	 * run always ends. */
	uint64_t min = w->running ? w->cur + 1 : w->cur;

	timer_cancel(w, t);
	if (tick < min)
		tick = min;
	t->expire = tick;
	list_add_tail(&w->slots[tick & SLOT_MASK], &t->node);
	w->narmed++;
}

static unsigned fire_slot(struct timer_wheel *w, uint64_t upto, unsigned idx, void *ctx)
{
	struct list_node *head = &w->slots[idx];
	struct list_node *pos, *tmp;
	unsigned fired = 0;

	list_for_each_safe (pos, tmp, head) {
		struct timer *t = list_entry(pos, struct timer, node);
		if (t->expire > upto)
			continue;
		list_del(&t->node);
		w->narmed--;
		fired++;
		t->fn(t, ctx);
		/* The callback may have cancelled or armed others, tmp included. */
		tmp = head->next;
	}
	return fired;
}

unsigned timer_wheel_run(struct timer_wheel *w, uint64_t now_ns, void *ctx)
{
	uint64_t now_tick = now_ns / w->tick_ns;
	unsigned fired = 0;

	if (now_tick < w->cur)
		return 0;
	w->running = true;
	while (w->cur <= now_tick) {
		if (w->narmed == 0) {
			w->cur = now_tick + 1;
			break;
		}
		fired += fire_slot(w, w->cur, (unsigned)(w->cur & SLOT_MASK), ctx);
		w->cur++;
	}
	w->running = false;
	return fired;
}

uint64_t timer_wheel_next_deadline(const struct timer_wheel *w)
{
	uint64_t best = UINT64_MAX;

	if (w->narmed == 0)
		return UINT64_MAX;
	for (unsigned i = 0; i < TIMER_WHEEL_SLOTS; i++) {
		const struct list_node *head = &w->slots[(w->cur + i) & SLOT_MASK];
		const struct list_node *pos;
		list_for_each (pos, head) {
			const struct timer *t = list_entry(pos, struct timer, node);
			if (t->expire < best)
				best = t->expire;
		}
		/* Anything in this slot due within the first round is the earliest. */
		if (best <= w->cur + i)
			break;
	}
	return best == UINT64_MAX ? best : best * w->tick_ns;
}
