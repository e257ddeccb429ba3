/* epoll.c: native epoll instances (Linux semantics) on socket watchers.
 *
 * An epitem is one (instance, socket, descriptor) registration: as Linux
 * keys items by (file, fd), a socket dup'd to two descriptors can be added
 * under each, and an item stays after its descriptor closes until the
 * socket's last descriptor does (socket.h).  It sits on the
 * socket's watcher list; a wakeup links it onto the instance's ready list
 * (O(1)).  ff_epoll_wait walks at most the items that were ready when it
 * started: each is asked for its level, and reported if any interesting bit
 * is set.  Level-triggered items go back to the tail of the ready list
 * (they stay reported while ready); edge-triggered items leave it until the
 * next wakeup; EPOLLONESHOT items are disabled until EPOLL_CTL_MOD.
 */
#include <errno.h>
#include <stdlib.h>

#include "event/event.h"
#include "event/event_priv.h"
#include "socket/socket.h"
#include "stack/stack.h"

struct epoll {
	struct list_node items; /* struct epitem, by eplink */
	struct list_node ready; /* struct epitem, by rdlink */
	unsigned nready;
	unsigned refs; /* descriptors referring to it */
};

struct epitem {
	struct sock_watch w;
	struct epoll *ep;
	struct socket *so;
	uint32_t events; /* interest, with EPOLLET / EPOLLONESHOT */
	epoll_data_t data;
	bool disabled; /* a one-shot item that fired */
	struct list_node eplink;
	struct list_node rdlink;
};

#define EP_ALWAYS (EPOLLERR | EPOLLHUP) /* reported whether asked or not */
#define EP_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)

static void ep_ready_add(struct epitem *it)
{
	if (list_node_linked(&it->rdlink))
		return;
	list_add_tail(&it->ep->ready, &it->rdlink);
	it->ep->nready++;
}

static void ep_ready_del(struct epitem *it)
{
	if (!list_node_linked(&it->rdlink))
		return;
	list_del(&it->rdlink);
	it->ep->nready--;
}

static void ep_notify(struct sock_watch *w, uint32_t events)
{
	struct epitem *it = container_of(w, struct epitem, w);

	if (it->disabled)
		return;
	if (events & SOCK_WAKE_SPACE) {
		events &= ~SOCK_WAKE_SPACE;
		if (!events)
			return; /* space Linux would not wake anyone for */
	}
	if (events && !(events & (it->events | EP_ALWAYS)))
		return;
	ep_ready_add(it);
}

static void ep_item_free(struct epitem *it)
{
	ep_ready_del(it);
	list_del(&it->eplink);
	free(it);
}

/* The socket is closing: its registrations vanish (as Linux does when the
 * last reference to a file goes). */
static void ep_detach(struct sock_watch *w)
{
	ep_item_free(container_of(w, struct epitem, w));
}

static struct epitem *ep_find(struct epoll *ep, struct socket *so, int fd)
{
	struct list_node *pos;

	list_for_each (pos, &so->watchers) {
		struct sock_watch *w = list_entry(pos, struct sock_watch, link);
		if (w->notify == ep_notify && w->fd == fd &&
		    container_of(w, struct epitem, w)->ep == ep)
			return container_of(w, struct epitem, w);
	}
	return NULL;
}

int epoll_create_fd(struct stack *s)
{
	struct epoll *ep = calloc(1, sizeof(*ep));
	int fd;

	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	ep->refs = 1;
	fd = fd_alloc(s, FD_EPOLL, ep);
	if (fd < 0)
		free(ep);
	return fd;
}

unsigned *epoll_refs(struct epoll *ep)
{
	return &ep->refs;
}

void epoll_destroy(struct epoll *ep)
{
	while (!list_empty(&ep->items)) {
		struct epitem *it = list_first_entry(&ep->items, struct epitem, eplink);
		sock_watch_del(&it->w);
		ep_item_free(it);
	}
	free(ep);
}

int epoll_ctl_fd(struct stack *s, int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct epoll *ep;
	struct socket *so;
	struct epitem *it;
	int err;

	ep = fd_get(s, epfd, FD_EPOLL, &err);
	if (!ep)
		return err; /* -EBADF, or -EINVAL: not an epoll descriptor */
	if (fd == epfd)
		return -EINVAL;
	so = fd_get(s, fd, FD_SOCKET, &err);
	if (!so)
		return err == -ENOTSOCK ? -EPERM : err; /* nested instances: not supported */
	it = ep_find(ep, so, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (!ev)
			return -EFAULT;
		if (it)
			return -EEXIST;
		it = calloc(1, sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->w.notify = ep_notify;
		it->w.detach = ep_detach;
		it->w.fd = fd; /* fd_bound false: the item outlives fd (Linux) */
		it->ep = ep;
		it->so = so;
		it->events = ev->events;
		it->data = ev->data;
		list_init(&it->rdlink);
		list_add_tail(&ep->items, &it->eplink);
		sock_watch_add(so, &it->w);
		break;
	case EPOLL_CTL_MOD:
		if (!ev)
			return -EFAULT;
		if (!it)
			return -ENOENT;
		if ((ev->events | it->events) & EPOLLEXCLUSIVE)
			return -EINVAL; /* as Linux */
		it->events = ev->events;
		it->data = ev->data;
		it->disabled = false;
		ep_ready_del(it);
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		sock_watch_del(&it->w);
		ep_item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
	/* Report what is already the case. */
	if (sock_poll(so) & (it->events | EP_ALWAYS))
		ep_ready_add(it);
	return 0;
}

int epoll_wait_fd(struct stack *s, int epfd, struct epoll_event *events, int maxevents)
{
	struct epoll *ep;
	unsigned budget;
	int n = 0, err;

	ep = fd_get(s, epfd, FD_EPOLL, &err);
	if (!ep)
		return err;
	if (maxevents <= 0 || maxevents > KNOB(s, EPOLL_MAX_EVENTS))
		return -EINVAL;
	if (!events)
		return -EFAULT;
	STAT_INC(s, ev, ev_epoll_waits);
	for (budget = ep->nready; budget > 0 && n < maxevents && ep->nready > 0; budget--) {
		struct epitem *it = list_first_entry(&ep->ready, struct epitem, rdlink);
		uint32_t rev;

		STAT_INC(s, ev, ev_epoll_examined);
		rev = sock_poll(it->so) & ((it->events & ~EP_FLAGS) | EP_ALWAYS);

		ep_ready_del(it);
		if (!rev)
			continue;
		events[n].events = rev;
		events[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		else if (!(it->events & EPOLLET))
			ep_ready_add(it); /* level-triggered: stays while ready */
	}
	return n;
}
