/* kqueue.c: native kqueue instances (FreeBSD kevent(2) semantics) on
 * socket watchers, for EVFILT_READ and EVFILT_WRITE.
 *
 * A knote is one (kqueue, socket, filter) registration, a watcher on the
 * socket.  A wakeup marks it pending and links it onto the kqueue's ready
 * list.  ff_kevent first applies the changelist (errors become EV_ERROR
 * entries in the eventlist while there is room, as FreeBSD does; else the
 * call fails with that errno), then walks the ready list.  As in FreeBSD,
 * a call that wrote any EV_ERROR entry (errors, or EV_RECEIPT
 * acknowledgements) returns their count without collecting events, so
 * EV_RECEIPT makes bulk changes without draining anything; an entry that
 * finds no room ends the change processing there (with the error, or with
 * the count so far for a receipt):
 *
 *   filter   active when                               data
 *   READ     bytes queued (at least the low-water       bytes readable
 *            mark), EOF, error; listener: a connection  (listener: accept
 *            to accept                                  queue length)
 *   WRITE    send space of at least the low-water       send space
 *            mark, EOF or error; a stream socket only
 *            once connected
 *
 * (FreeBSD's filt_soread/filt_sowrite.)  Two filters watch no socket:
 *
 *   USER     triggered (NOTE_TRIGGER) until reported     the data of the
 *            with EV_CLEAR; fflags: the 24 stored bits,   last change
 *            which each change combines with its own
 *            (NOTE_FFNOP/FFAND/FFOR/FFCOPY)
 *   TIMER    expired at least once since last reported;   expirations since
 *            periodic unless EV_ONESHOT or NOTE_ABSTIME;  last reported
 *            data in NOTE_SECONDS/MSECONDS (default)/
 *            USECONDS/NSECONDS; EV_CLEAR always set
 *
 * Their ident is any value (not a descriptor); a kqueue keeps them on its
 * own list, looked up by (ident, filter).  A timer is a timer on the
 * stack's wheel, so it runs on the stack clock (virtual in tests) and
 * fires at the pass after its deadline (1 ms ticks): a shorter period
 * fires once per tick with data = the periods elapsed, as FreeBSD counts
 * missed expirations.  An absolute time (NOTE_ABSTIME) is CLOCK_REALTIME,
 * converted once at registration with the reading ff_kevent takes.  At
 * most kern.kq_calloutmax timers per stack (ENOMEM beyond, as FreeBSD).
 * The filters fastack has no source for (AIO, VNODE, PROC, SIGNAL,
 * PROCDESC, FS, LIO, SENDFILE, EMPTY) fail with EINVAL, counted in
 * ev_kevent_nofilter; a filter number FreeBSD does not know too.  EV_EOF is set when the receive
 * direction is closed (READ: the peer's FIN, shutdown(SHUT_RD), a reset) or
 * we can send no more (WRITE: shutdown(SHUT_WR), a reset); fflags then
 * holds the socket error as sock_error() keeps it (0 after a FIN,
 * ECONNRESET after a RST until it is read), else 0.  READ honours a
 * low-water mark (NOTE_LOWAT's data, else SO_RCVLOWAT) unless at EOF or in
 * error.  WRITE's low-water mark is NOTE_LOWAT's data, else FreeBSD's
 * so_snd.sb_lowat default: MCLBYTES (2048), at most the send buffer
 * (soreserve).  An error without EOF makes either filter active without
 * EV_EOF.  The levels are the socket's epoll bits (sock_poll) and SS_CANT*
 * state; a bare EPOLLHUP (a never-connected TCP socket) is no event here,
 * as in FreeBSD.
 * EV_CLEAR reports once per wakeup; EV_ONESHOT deletes after reporting;
 * EV_DISPATCH disables.  READ and WRITE watch sockets only (EBADF
 * otherwise).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/event_priv.h"
#include "socket/socket.h"
#include "stack/stack.h"

struct kqueue {
	struct stack *s;
	struct list_node knotes; /* socket knotes, by kqlink */
	struct list_node unotes; /* USER and TIMER knotes, by kqlink */
	struct list_node ready;  /* struct knote, by rdlink */
	unsigned nready;
	unsigned refs; /* descriptors referring to it */
};

struct knote {
	struct sock_watch w; /* READ, WRITE */
	struct timer timer;  /* TIMER */
	struct kqueue *kq;
	struct socket *so; /* READ, WRITE; NULL for USER and TIMER */
	uintptr_t ident;
	short filter;
	unsigned short flags; /* EV_ONESHOT, EV_CLEAR, EV_DISPATCH, EV_RECEIPT */
	unsigned int fflags;  /* READ, WRITE: NOTE_LOWAT; USER: the stored 24 bits;
	                        TIMER: unit and NOTE_ABSTIME */
	int64_t sdata;        /* READ, WRITE: low-water mark; USER: data;
	                        TIMER: period in ns */
	void *udata;
	bool enabled;
	bool pending;   /* woken since last reported (EV_CLEAR) */
	bool triggered; /* USER: NOTE_TRIGGER seen, not yet cleared */
	uint64_t fired; /* TIMER: expirations since last reported */
	uint64_t due;   /* TIMER: the deadline armed (stack clock, ns) */
	struct list_node kqlink;
	struct list_node rdlink;
};

#define KN_KEEP_FLAGS (EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_RECEIPT)
#define KQ_SND_LOWAT 2048 /* FreeBSD's so_snd.sb_lowat default (MCLBYTES) */

static void kn_ready_add(struct knote *kn)
{
	if (list_node_linked(&kn->rdlink))
		return;
	list_add_tail(&kn->kq->ready, &kn->rdlink);
	kn->kq->nready++;
}

static void kn_ready_del(struct knote *kn)
{
	if (!list_node_linked(&kn->rdlink))
		return;
	list_del(&kn->rdlink);
	kn->kq->nready--;
}

static void kn_notify(struct sock_watch *w, uint32_t events)
{
	struct knote *kn = container_of(w, struct knote, w);
	uint32_t want = kn->filter == EVFILT_READ
	                    ? EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR
	                    : EPOLLOUT | EPOLLHUP | EPOLLERR | SOCK_WAKE_SPACE;

	if (events && !(events & want))
		return;
	kn->pending = true;
	if (kn->enabled)
		kn_ready_add(kn);
}

/* Unlinks and frees a knote; the caller has detached it from its socket
 * (sock_watch_del) or the socket is detaching it. */
static void kn_free(struct knote *kn)
{
	kn_ready_del(kn);
	list_del(&kn->kqlink);
	if (kn->filter == EVFILT_TIMER) {
		timer_cancel(kn->kq->s->wheel, &kn->timer);
		kn->kq->s->kq_timers--;
	}
	free(kn);
}

/* The socket is closing: FreeBSD removes its knotes on close. */
static void kn_detach(struct sock_watch *w)
{
	kn_free(container_of(w, struct knote, w));
}

/* Removes a knote whatever it watches. */
static void kn_delete(struct knote *kn)
{
	if (kn->so)
		sock_watch_del(&kn->w);
	kn_free(kn);
}

static struct knote *kn_find(struct kqueue *kq, struct socket *so, uintptr_t ident, short filter)
{
	struct list_node *pos;

	list_for_each (pos, &so->watchers) {
		struct sock_watch *w = list_entry(pos, struct sock_watch, link);
		struct knote *kn = container_of(w, struct knote, w);
		if (w->notify == kn_notify && kn->kq == kq && kn->filter == filter &&
		    kn->ident == ident)
			return kn;
	}
	return NULL;
}

/* A USER or TIMER knote by (ident, filter). */
static struct knote *kn_find_ident(struct kqueue *kq, uintptr_t ident, short filter)
{
	struct list_node *pos;

	list_for_each (pos, &kq->unotes) {
		struct knote *kn = list_entry(pos, struct knote, kqlink);
		if (kn->ident == ident && kn->filter == filter)
			return kn;
	}
	return NULL;
}

/* Fills kev if a socket knote's condition holds; returns whether it does. */
static bool kn_sock_active(struct knote *kn, struct kevent *kev)
{
	struct socket *so = kn->so;
	uint32_t lvl = sock_poll(so);
	bool eof;
	int64_t data;

	if (kn->filter == EVFILT_READ) {
		data = so->ops->readable ? so->ops->readable(so) : 0;
		if (so->state & SS_ISLISTENING) {
			/* kn_data = sol_qlen; active while a connection waits. */
			if (!(lvl & EPOLLIN))
				return false;
			eof = false;
		} else {
			eof = (lvl & EPOLLRDHUP) != 0 || (so->state & SS_CANTRCVMORE);
			if (!eof && !(lvl & (EPOLLIN | EPOLLERR)))
				return false;
			if (!eof && !(lvl & EPOLLERR)) {
				int64_t lowat =
				    (kn->fflags & NOTE_LOWAT) ? kn->sdata : so->rcvlowat;

				if (lowat > 1 && data < lowat)
					return false;
			}
		}
	} else {
		eof = (so->state & SS_CANTSENDMORE) != 0;
		data = so->ops->writable ? so->ops->writable(so) : 0;
		if (!eof && !(lvl & EPOLLERR)) {
			int64_t lowat = (kn->fflags & NOTE_LOWAT)   ? kn->sdata
			                : so->sndbuf < KQ_SND_LOWAT ? so->sndbuf
			                                            : KQ_SND_LOWAT;

			/* A connection-oriented socket is not writable until
			 * connected (FreeBSD: PR_CONNREQUIRED, SS_ISCONNECTED). */
			if (so->type == SOCK_STREAM && !(so->state & SS_ISCONNECTED))
				return false;
			if (data < lowat)
				return false;
		}
	}
	kev->data = data;
	if (eof) {
		kev->flags |= EV_EOF;
		kev->fflags = (unsigned)sock_error(so, false);
	}
	return true;
}

/* Fills kev if the knote's condition holds; returns whether it does. */
static bool kn_active(struct knote *kn, struct kevent *kev)
{
	memset(kev, 0, sizeof(*kev));
	kev->ident = kn->ident;
	kev->filter = kn->filter;
	kev->flags = (unsigned short)(kn->flags & (EV_ONESHOT | EV_CLEAR | EV_DISPATCH));
	kev->udata = kn->udata;
	switch (kn->filter) {
	case EVFILT_USER:
		kev->fflags = kn->fflags & NOTE_FFLAGSMASK; /* control bits: NOTE_FFNOP */
		kev->data = kn->sdata;
		return kn->triggered;
	case EVFILT_TIMER:
		kev->data = (int64_t)kn->fired;
		return kn->fired > 0;
	default:
		return kn_sock_active(kn, kev);
	}
}

/* What reporting consumes (EV_CLEAR's "state"): a USER trigger, a
 * TIMER's expiration count.  The stored USER fflags and data stay. */
static void kn_reported(struct knote *kn)
{
	kn->pending = false;
	if (kn->filter == EVFILT_TIMER)
		kn->fired = 0;
	else if (kn->filter == EVFILT_USER && (kn->flags & EV_CLEAR))
		kn->triggered = false;
}

/* ---- EVFILT_TIMER ---- */

/* The period in ns of a timer change, or -errno.  One unit at most;
 * milliseconds when none is named (FreeBSD). */
static int64_t timer_period_ns(const struct kevent *kev)
{
	unsigned unit =
	    kev->fflags & (NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS | NOTE_NSECONDS);
	int64_t mult;

	if (kev->fflags &
	    ~(NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS | NOTE_NSECONDS | NOTE_ABSTIME))
		return -EINVAL;
	switch (unit) {
	case NOTE_SECONDS:
		mult = 1000000000;
		break;
	case 0:
	case NOTE_MSECONDS:
		mult = 1000000;
		break;
	case NOTE_USECONDS:
		mult = 1000;
		break;
	case NOTE_NSECONDS:
		mult = 1;
		break;
	default:
		return -EINVAL;
	}
	if (kev->data < 0)
		return -EINVAL;
	return kev->data > INT64_MAX / mult ? INT64_MAX : kev->data * mult;
}

static bool timer_periodic(const struct knote *kn)
{
	return !(kn->flags & EV_ONESHOT) && !(kn->fflags & NOTE_ABSTIME);
}

static void kn_timer_arm(struct knote *kn, uint64_t due)
{
	kn->due = due;
	timer_arm(kn->kq->s->wheel, &kn->timer, due);
}

/* The wheel fired: count the periods that elapsed and re-arm a periodic
 * timer on its own grid (no drift from the tick rounding). */
static void kn_timer_fire(struct timer *t, void *ctx)
{
	struct knote *kn = container_of(t, struct knote, timer);
	struct stack *s = ctx;
	uint64_t n = 1;

	if (timer_periodic(kn)) {
		uint64_t period = (uint64_t)kn->sdata;

		if (s->now > kn->due)
			n += (s->now - kn->due) / period;
		kn_timer_arm(kn, kn->due + n * period);
	}
	kn->fired += n;
	kn->pending = true;
	if (kn->enabled)
		kn_ready_add(kn);
}

/* EV_ADD of a timer, new or not: (re)starts it, forgetting expirations
 * not yet reported (FreeBSD's filt_timertouch).  wall_ns: CLOCK_REALTIME
 * for NOTE_ABSTIME. */
static int kn_timer_start(struct knote *kn, const struct kevent *kev, uint64_t wall_ns)
{
	struct stack *s = kn->kq->s;
	int64_t ns = timer_period_ns(kev);
	uint64_t due;

	if (ns < 0)
		return (int)ns;
	kn->fflags = kev->fflags;
	kn->fired = 0;
	kn->pending = false;
	kn_ready_del(kn);
	if (kev->fflags & NOTE_ABSTIME) {
		/* An absolute time already past fires at once. */
		uint64_t ahead = (uint64_t)ns > wall_ns ? (uint64_t)ns - wall_ns : 0;

		due = ahead > UINT64_MAX - s->now ? UINT64_MAX : s->now + ahead;
	} else {
		/* A periodic timer of 0 has a period of one unit (FreeBSD). */
		if (ns == 0 && timer_periodic(kn))
			ns = timer_period_ns(&(struct kevent){ .fflags = kev->fflags, .data = 1 });
		due = (uint64_t)ns > UINT64_MAX - s->now ? UINT64_MAX : s->now + (uint64_t)ns;
	}
	kn->sdata = ns;
	kn_timer_arm(kn, due);
	return 0;
}

/* ---- EVFILT_USER ---- */

/* A change to a user event: NOTE_TRIGGER, then the fflags operation on the
 * stored 24 bits (a new knote starts from the change's bits), and the data
 * as given. */
static void kn_user_touch(struct knote *kn, const struct kevent *kev, bool created)
{
	unsigned bits = kev->fflags & NOTE_FFLAGSMASK;

	if (kev->fflags & NOTE_TRIGGER)
		kn->triggered = true;
	if (created) {
		kn->fflags = bits;
	} else {
		switch (kev->fflags & NOTE_FFCTRLMASK) {
		case NOTE_FFAND:
			kn->fflags &= bits;
			break;
		case NOTE_FFOR:
			kn->fflags |= bits;
			break;
		case NOTE_FFCOPY:
			kn->fflags = bits;
			break;
		default: /* NOTE_FFNOP */
			break;
		}
	}
	kn->sdata = kev->data;
	if (kn->triggered)
		kn->pending = true;
}

int kqueue_create_fd(struct stack *s)
{
	struct kqueue *kq = calloc(1, sizeof(*kq));
	int fd;

	if (!kq)
		return -ENOMEM;
	kq->s = s;
	list_init(&kq->knotes);
	list_init(&kq->unotes);
	list_init(&kq->ready);
	kq->refs = 1;
	fd = fd_alloc(s, FD_KQUEUE, kq);
	if (fd < 0)
		free(kq);
	return fd;
}

unsigned *kqueue_refs(struct kqueue *kq)
{
	return &kq->refs;
}

void kqueue_destroy(struct kqueue *kq)
{
	while (!list_empty(&kq->knotes))
		kn_delete(list_first_entry(&kq->knotes, struct knote, kqlink));
	while (!list_empty(&kq->unotes))
		kn_delete(list_first_entry(&kq->unotes, struct knote, kqlink));
	free(kq);
}

static struct knote *kn_new(struct kqueue *kq, const struct kevent *kev, struct socket *so)
{
	struct knote *kn = calloc(1, sizeof(*kn));

	if (!kn)
		return NULL;
	kn->kq = kq;
	kn->so = so;
	kn->ident = kev->ident;
	kn->filter = kev->filter;
	kn->enabled = true;
	list_init(&kn->rdlink);
	if (so) {
		kn->w.notify = kn_notify;
		kn->w.detach = kn_detach;
		kn->w.fd = (int)kev->ident;
		kn->w.fd_bound = true; /* FreeBSD's knote_fdclose */
		list_add_tail(&kq->knotes, &kn->kqlink);
		sock_watch_add(so, &kn->w);
	} else {
		list_add_tail(&kq->unotes, &kn->kqlink);
	}
	if (kn->filter == EVFILT_TIMER) {
		timer_init(&kn->timer, kn_timer_fire);
		kq->s->kq_timers++;
	}
	return kn;
}

/* The knote a change names: found, or made for EV_ADD; NULL with *err. */
static struct knote *kq_lookup(struct stack *s, struct kqueue *kq, const struct kevent *kev,
                               bool *created, int *err)
{
	struct socket *so = NULL;
	struct knote *kn;

	*created = false;
	switch (kev->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		if (kev->ident > (uintptr_t)INT32_MAX ||
		    !(so = fd_get(s, (int)kev->ident, FD_SOCKET, err))) {
			*err = -EBADF;
			return NULL;
		}
		kn = kn_find(kq, so, kev->ident, kev->filter);
		break;
	case EVFILT_USER:
	case EVFILT_TIMER:
		kn = kn_find_ident(kq, kev->ident, kev->filter);
		break;
	default:
		/* No source in fastack (AIO, VNODE, PROC, SIGNAL, ...), or
		 * no such filter: EINVAL as FreeBSD's for an unknown one. */
		STAT_INC(s, ev, ev_kevent_nofilter);
		*err = -EINVAL;
		return NULL;
	}
	if (kn || (kev->flags & EV_DELETE))
		goto out;
	if (!(kev->flags & EV_ADD)) {
		*err = -ENOENT;
		return NULL;
	}
	if (kev->filter == EVFILT_TIMER && s->kq_timers >= (uint64_t)KNOB(s, KQ_CALLOUTMAX)) {
		STAT_INC(s, ev, ev_kevent_notimer);
		*err = -ENOMEM;
		return NULL;
	}
	kn = kn_new(kq, kev, so);
	if (!kn) {
		*err = -ENOMEM;
		return NULL;
	}
	*created = true;
out:
	if (!kn)
		*err = -ENOENT;
	return kn;
}

/* Applies one change; 0 or -errno.  wall_ns: CLOCK_REALTIME (NOTE_ABSTIME). */
static int kq_change(struct stack *s, struct kqueue *kq, const struct kevent *kev, uint64_t wall_ns)
{
	struct knote *kn;
	struct kevent tmp;
	bool created;
	int err = 0;

	kn = kq_lookup(s, kq, kev, &created, &err);
	if (!kn)
		return err;
	if (kev->flags & EV_DELETE) {
		kn_delete(kn);
		return 0;
	}
	if (kev->flags & EV_ADD) {
		kn->flags = kev->flags & KN_KEEP_FLAGS;
		kn->udata = kev->udata;
		kn->enabled = true;
		if (kn->filter == EVFILT_TIMER) {
			kn->flags |= EV_CLEAR; /* always, as FreeBSD sets it */
			err = kn_timer_start(kn, kev, wall_ns);
			if (err < 0) {
				if (created)
					kn_delete(kn);
				return err;
			}
		} else if (kn->filter != EVFILT_USER) {
			kn->fflags = kev->fflags;
			kn->sdata = kev->data;
		}
	}
	if (kn->filter == EVFILT_USER)
		kn_user_touch(kn, kev, created);
	if (kev->flags & EV_DISABLE) {
		kn->enabled = false;
		kn_ready_del(kn);
		return 0;
	}
	if (kev->flags & EV_ENABLE)
		kn->enabled = true;
	/* What is already the case is reported (and counts as a wakeup). */
	if (kn->enabled && kn_active(kn, &tmp)) {
		kn->pending = true;
		kn_ready_add(kn);
	}
	return 0;
}

/* Whether kq is still open as kqfd after a callback ran. */
static bool kq_alive(struct stack *s, int kqfd, const struct kqueue *kq)
{
	int err;

	return fd_get(s, kqfd, FD_KQUEUE, &err) == kq;
}

int kqueue_kevent(struct stack *s, int kqfd, const struct kevent *changes, int nchanges,
                  struct kevent *eventlist, int nevents, uint64_t wall_ns,
                  void (*emit)(void *arg, const struct kevent *kev), void *arg)
{
	struct kqueue *kq;
	unsigned budget;
	int n = 0, err;

	kq = fd_get(s, kqfd, FD_KQUEUE, &err);
	if (!kq)
		return err == -EINVAL ? -EBADF : err;
	if (nchanges < 0 || nevents < 0 || nevents > KNOB(s, EPOLL_MAX_EVENTS))
		return -EINVAL;
	if ((nchanges && !changes) || (nevents && !eventlist && !emit))
		return -EFAULT;
	for (int i = 0; i < nchanges; i++) {
		int rc = kq_change(s, kq, &changes[i], wall_ns);
		struct kevent e;

		if (rc == 0 && !(changes[i].flags & EV_RECEIPT))
			continue;
		if (n >= nevents)
			return rc < 0 ? rc : n; /* no room to say it: stop here */
		e = changes[i];
		e.flags = EV_ERROR;
		e.data = rc < 0 ? -rc : 0;
		n++;
		if (!emit) {
			eventlist[n - 1] = e;
		} else {
			emit(arg, &e);
			if (!kq_alive(s, kqfd, kq))
				return n;
		}
	}
	if (n > 0)
		return n; /* EV_ERROR entries written: no events this time */
	if (nevents > 0)
		STAT_INC(s, ev, ev_kevent_waits);
	for (budget = kq->nready; budget > 0 && n < nevents && kq->nready > 0; budget--) {
		struct knote *kn = list_first_entry(&kq->ready, struct knote, rdlink);
		struct kevent e;

		STAT_INC(s, ev, ev_kevent_examined);
		kn_ready_del(kn);
		if (!kn->enabled)
			continue;
		if ((kn->flags & EV_CLEAR) && !kn->pending)
			continue;
		if (!kn_active(kn, &e))
			continue;
		/* The knote's bookkeeping is done before the event is handed
		 * out: ff_kevent_do_each's callback may close the socket (which
		 * frees its knotes) or even the kqueue. */
		kn_reported(kn);
		if (kn->flags & EV_ONESHOT) {
			kn_delete(kn);
		} else if (kn->flags & EV_DISPATCH) {
			kn->enabled = false;
		} else if (!(kn->flags & EV_CLEAR)) {
			kn_ready_add(kn); /* level: stays while active */
		}
		n++;
		if (!emit) {
			eventlist[n - 1] = e;
		} else {
			emit(arg, &e);
			if (!kq_alive(s, kqfd, kq))
				break;
		}
	}
	return n;
}
