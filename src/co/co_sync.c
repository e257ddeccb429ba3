/* co_sync.c: mutex, condition and channel for the coroutines of one stack.
 *
 * No atomics and no locks underneath: the coroutines of a stack run one at
 * a time on its thread, so these only decide who parks and who is woken.
 * Each waiter is a struct co_waiter on the parked coroutine's own stack,
 * linked on the object's FIFO queue; its unhook unlinks it, so a waiter
 * that times out or is cancelled leaves the queue at once.  A mutex is
 * handed over: unlock gives it to the first waiter before waking it, so a
 * coroutine that arrives later cannot take it first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ff_co.h"

#include "co/co.h"
#include "stack/stack.h"

static inline long ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

struct co_waiter {
	struct list_node link;
	struct ff_co *co;
};

static void waiter_unhook(struct ff_co *co)
{
	struct co_waiter *w = co->wait;

	list_del(&w->link);
}

/* co_enter (the caller's stack and coroutine), then -EINVAL unless both
 * arguments are given. */
static int enter2(struct stack **s, struct ff_co **co, const void *a, const void *b)
{
	int rc = co_enter(s, co);

	if (rc < 0)
		return rc;
	return a && b ? 0 : -EINVAL;
}

/* Parks co on queue q until woken, the deadline or a cancel. */
static int wait_on(struct ff_co *co, struct list_node *q, uint64_t dl)
{
	struct co_waiter w = { .co = co };

	list_add_tail(q, &w.link);
	co->wait = &w;
	co->unhook = waiter_unhook;
	return co_park(co, dl);
}

/* Wakes the first waiter of q; returns it (NULL: none). */
static struct ff_co *wake_first(struct list_node *q, int rc)
{
	struct ff_co *co;

	if (list_empty(q))
		return NULL;
	co = list_first_entry(q, struct co_waiter, link)->co;
	co_wake(co, rc);
	return co;
}

static void wake_all(struct list_node *q, int rc)
{
	while (wake_first(q, rc))
		;
}

/* A zeroed object of size bytes whose wait queue is at q_off (NULL and
 * ENOMEM if there is no memory). */
static void *obj_new(size_t size, size_t q_off)
{
	char *o = calloc(1, size);

	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	list_init((struct list_node *)(o + q_off));
	return o;
}

/* Frees o unless busy: 0, or -1 with EINVAL (NULL) / EBUSY. */
static int obj_free(void *o, bool busy)
{
	if (!o)
		return (int)ret(-EINVAL);
	if (busy)
		return (int)ret(-EBUSY);
	free(o);
	return 0;
}

/* ---- mutex ---- */

struct ff_co_mutex {
	struct ff_co *owner;
	struct list_node waiters;
};

ff_co_mutex_t *ff_co_mutex_create(void)
{
	return obj_new(sizeof(struct ff_co_mutex), offsetof(struct ff_co_mutex, waiters));
}

int ff_co_mutex_destroy(ff_co_mutex_t *m)
{
	return obj_free(m, m && (m->owner || !list_empty(&m->waiters)));
}

int ff_co_mutex_lock(ff_co_mutex_t *m, int timeout_ms)
{
	struct stack *s;
	struct ff_co *co;
	int rc = enter2(&s, &co, m, m);

	if (rc < 0)
		return (int)ret(rc);
	if (m->owner == co)
		return (int)ret(-EDEADLK);
	if (!m->owner) {
		m->owner = co;
		return 0;
	}
	rc = wait_on(co, &m->waiters, co_deadline(s, timeout_ms));
	return (int)ret(rc); /* woken by unlock: handed over, m->owner == co */
}

int ff_co_mutex_trylock(ff_co_mutex_t *m)
{
	struct ff_co *co = ff_co_self();

	if (!m)
		return (int)ret(-EINVAL);
	if (!co)
		return (int)ret(-EPERM);
	if (m->owner)
		return (int)ret(m->owner == co ? -EDEADLK : -EBUSY);
	m->owner = co;
	return 0;
}

static void mutex_release(struct ff_co_mutex *m)
{
	m->owner = NULL;
	if (!list_empty(&m->waiters)) {
		struct ff_co *next = list_first_entry(&m->waiters, struct co_waiter, link)->co;

		m->owner = next;
		co_wake(next, 0);
	}
}

int ff_co_mutex_unlock(ff_co_mutex_t *m)
{
	if (!m)
		return (int)ret(-EINVAL);
	if (!m->owner || m->owner != ff_co_self())
		return (int)ret(-EPERM);
	mutex_release(m);
	return 0;
}

/* ---- condition ---- */

struct ff_co_cond {
	struct list_node waiters;
};

ff_co_cond_t *ff_co_cond_create(void)
{
	return obj_new(sizeof(struct ff_co_cond), offsetof(struct ff_co_cond, waiters));
}

int ff_co_cond_destroy(ff_co_cond_t *c)
{
	return obj_free(c, c && !list_empty(&c->waiters));
}

int ff_co_cond_wait(ff_co_cond_t *c, ff_co_mutex_t *m, int timeout_ms)
{
	struct stack *s;
	struct ff_co *co;
	bool cancelled;
	int rc = enter2(&s, &co, c, m);

	if (rc < 0)
		return (int)ret(rc);
	if (m->owner != co)
		return (int)ret(-EPERM);
	mutex_release(m);
	rc = wait_on(co, &c->waiters, co_deadline(s, timeout_ms));
	/* The mutex is taken again whatever ended the wait (a cancel too, as
	 * pthread_cond_wait does), so the caller's unlock stays right. */
	cancelled = co->cancelled;
	co->cancelled = false;
	while (m->owner != co) {
		if (!m->owner) {
			m->owner = co;
			break;
		}
		wait_on(co, &m->waiters, CO_NO_DEADLINE);
		cancelled |= co->cancelled;
		co->cancelled = false;
	}
	co->cancelled = cancelled;
	return (int)ret(rc);
}

int ff_co_cond_signal(ff_co_cond_t *c)
{
	if (!c)
		return (int)ret(-EINVAL);
	wake_first(&c->waiters, 0);
	return 0;
}

int ff_co_cond_broadcast(ff_co_cond_t *c)
{
	if (!c)
		return (int)ret(-EINVAL);
	wake_all(&c->waiters, 0);
	return 0;
}

/* ---- channel ---- */

struct ff_co_chan {
	size_t esz;
	unsigned cap, head, n;
	bool closed;
	struct list_node senders, receivers;
	unsigned char buf[];
};

ff_co_chan_t *ff_co_chan_create(size_t elem_size, unsigned capacity)
{
	struct ff_co_chan *ch;

	if (!elem_size || !capacity || elem_size > (1u << 20) || capacity > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	ch = calloc(1, sizeof(*ch) + elem_size * capacity);
	if (!ch) {
		errno = ENOMEM;
		return NULL;
	}
	ch->esz = elem_size;
	ch->cap = capacity;
	list_init(&ch->senders);
	list_init(&ch->receivers);
	return ch;
}

int ff_co_chan_destroy(ff_co_chan_t *ch)
{
	return obj_free(ch, ch && (!list_empty(&ch->senders) || !list_empty(&ch->receivers)));
}

int ff_co_chan_send(ff_co_chan_t *ch, const void *elem, int timeout_ms)
{
	struct stack *s;
	struct ff_co *co;
	uint64_t dl;
	int rc = enter2(&s, &co, ch, elem);

	if (rc < 0)
		return (int)ret(rc);
	dl = co_deadline(s, timeout_ms);
	for (;;) {
		if (ch->closed)
			return (int)ret(-EPIPE);
		if (ch->n < ch->cap) {
			unsigned slot = (ch->head + ch->n) % ch->cap;

			memcpy(ch->buf + (size_t)slot * ch->esz, elem, ch->esz);
			ch->n++;
			wake_first(&ch->receivers, 0);
			return 0;
		}
		rc = wait_on(co, &ch->senders, dl);
		if (rc < 0)
			return (int)ret(rc);
	}
}

int ff_co_chan_recv(ff_co_chan_t *ch, void *elem, int timeout_ms)
{
	struct stack *s;
	struct ff_co *co;
	uint64_t dl;
	int rc = enter2(&s, &co, ch, elem);

	if (rc < 0)
		return (int)ret(rc);
	dl = co_deadline(s, timeout_ms);
	for (;;) {
		if (ch->n) {
			memcpy(elem, ch->buf + (size_t)ch->head * ch->esz, ch->esz);
			ch->head = (ch->head + 1) % ch->cap;
			ch->n--;
			wake_first(&ch->senders, 0);
			return 1;
		}
		if (ch->closed)
			return 0;
		rc = wait_on(co, &ch->receivers, dl);
		if (rc < 0)
			return (int)ret(rc);
	}
}

int ff_co_chan_close(ff_co_chan_t *ch)
{
	if (!ch)
		return (int)ret(-EINVAL);
	ch->closed = true;
	wake_all(&ch->senders, 0);
	wake_all(&ch->receivers, 0);
	return 0;
}
