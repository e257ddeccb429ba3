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
 * (FreeBSD's filt_soread/filt_sowrite.)  EV_EOF is set when the receive
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
 * EV_DISPATCH disables.  Only sockets can be watched (EBADF otherwise).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/event_priv.h"
#include "socket/socket.h"
#include "stack/stack.h"

struct kqueue {
	struct list_node knotes; /* struct knote, by kqlink */
	struct list_node ready;  /* struct knote, by rdlink */
	unsigned nready;
};

struct knote {
	struct sock_watch w;
	struct kqueue *kq;
	struct socket *so;
	uintptr_t ident;
	short filter;
	unsigned short flags; /* EV_ONESHOT, EV_CLEAR, EV_DISPATCH, EV_RECEIPT */
	unsigned int fflags;
	int64_t sdata;
	void *udata;
	bool enabled;
	bool pending; /* woken since last reported (EV_CLEAR) */
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

static void kn_free(struct knote *kn)
{
	kn_ready_del(kn);
	list_del(&kn->kqlink);
	free(kn);
}

/* The socket is closing: FreeBSD removes its knotes on close. */
static void kn_detach(struct sock_watch *w)
{
	kn_free(container_of(w, struct knote, w));
}

static struct knote *kn_find(struct kqueue *kq, struct socket *so, short filter)
{
	struct list_node *pos;

	list_for_each (pos, &so->watchers) {
		struct sock_watch *w = list_entry(pos, struct sock_watch, link);
		struct knote *kn = container_of(w, struct knote, w);
		if (w->notify == kn_notify && kn->kq == kq && kn->filter == filter)
			return kn;
	}
	return NULL;
}

/* Fills kev if the knote's condition holds; returns whether it does. */
static bool kn_active(struct knote *kn, struct kevent *kev)
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
	memset(kev, 0, sizeof(*kev));
	kev->ident = kn->ident;
	kev->filter = kn->filter;
	kev->flags = (unsigned short)(kn->flags & (EV_ONESHOT | EV_CLEAR | EV_DISPATCH));
	kev->fflags = 0;
	if (eof) {
		kev->flags |= EV_EOF;
		kev->fflags = (unsigned)sock_error(so, false);
	}
	kev->data = data;
	kev->udata = kn->udata;
	return true;
}

int kqueue_create_fd(struct stack *s)
{
	struct kqueue *kq = calloc(1, sizeof(*kq));
	int fd;

	if (!kq)
		return -ENOMEM;
	list_init(&kq->knotes);
	list_init(&kq->ready);
	fd = fd_alloc(s, FD_KQUEUE, kq);
	if (fd < 0)
		free(kq);
	return fd;
}

void kqueue_destroy(struct kqueue *kq)
{
	while (!list_empty(&kq->knotes)) {
		struct knote *kn = list_first_entry(&kq->knotes, struct knote, kqlink);
		sock_watch_del(&kn->w);
		kn_free(kn);
	}
	free(kq);
}

/* Applies one change; 0 or -errno. */
static int kq_change(struct stack *s, struct kqueue *kq, const struct kevent *kev)
{
	struct socket *so;
	struct knote *kn;
	struct kevent tmp;
	int err;

	if (kev->filter != EVFILT_READ && kev->filter != EVFILT_WRITE)
		return -EINVAL;
	if (kev->ident > (uintptr_t)INT32_MAX)
		return -EBADF;
	so = fd_get(s, (int)kev->ident, FD_SOCKET, &err);
	if (!so)
		return -EBADF;
	kn = kn_find(kq, so, kev->filter);
	if (kev->flags & EV_DELETE) {
		if (!kn)
			return -ENOENT;
		sock_watch_del(&kn->w);
		kn_free(kn);
		return 0;
	}
	if (!kn) {
		if (!(kev->flags & EV_ADD))
			return -ENOENT;
		kn = calloc(1, sizeof(*kn));
		if (!kn)
			return -ENOMEM;
		kn->w.notify = kn_notify;
		kn->w.detach = kn_detach;
		kn->kq = kq;
		kn->so = so;
		kn->ident = kev->ident;
		kn->filter = kev->filter;
		kn->enabled = true;
		list_init(&kn->rdlink);
		list_add_tail(&kq->knotes, &kn->kqlink);
		sock_watch_add(so, &kn->w);
	}
	if (kev->flags & EV_ADD) {
		kn->flags = kev->flags & KN_KEEP_FLAGS;
		kn->fflags = kev->fflags;
		kn->sdata = kev->data;
		kn->udata = kev->udata;
		kn->enabled = true;
	}
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
                  struct kevent *eventlist, int nevents,
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
		int rc = kq_change(s, kq, &changes[i]);
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
		kn->pending = false;
		if (kn->flags & EV_ONESHOT) {
			sock_watch_del(&kn->w);
			kn_free(kn);
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
