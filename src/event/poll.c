/* poll.c: ff_poll / ff_select over fastack descriptors, and closing of
 * event descriptors.  Both answer at once (nothing blocks). */
#include <errno.h>

#include "event/event.h"
#include "event/event_priv.h"
#include "socket/socket.h"
#include "stack/stack.h"

static unsigned *event_refs(struct stack *s, int fd)
{
	int err = 0;

	switch (fd_kind(s, fd)) {
	case FD_EPOLL:
		return epoll_refs(fd_get(s, fd, FD_EPOLL, &err));
	case FD_KQUEUE:
		return kqueue_refs(fd_get(s, fd, FD_KQUEUE, &err));
	default:
		return NULL;
	}
}

void event_hold(struct stack *s, int fd)
{
	unsigned *refs = event_refs(s, fd);

	if (refs)
		(*refs)++;
}

int event_close(struct stack *s, int fd)
{
	unsigned *refs = event_refs(s, fd);
	enum fd_kind k = fd_kind(s, fd);
	int err = 0;
	void *obj;

	if (!refs)
		return -EBADF;
	obj = fd_get(s, fd, k, &err);
	fd_release(s, fd);
	if (--*refs > 0)
		return 0; /* another descriptor keeps the instance open */
	if (k == FD_EPOLL)
		epoll_destroy(obj);
	else
		kqueue_destroy(obj);
	return 0;
}

int event_poll(struct stack *s, struct pollfd *fds, nfds_t nfds)
{
	int n = 0, err = 0;

	if (nfds && !fds)
		return -EFAULT;
	if (nfds > (nfds_t)KNOB(s, SOCK_MAX_FDS))
		return -EINVAL;
	for (nfds_t i = 0; i < nfds; i++) {
		struct socket *so;

		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		so = fd_get(s, fds[i].fd, FD_SOCKET, &err);
		if (!so) {
			fds[i].revents = POLLNVAL;
		} else {
			/* POLL* and EPOLL* bits have the same values on Linux. */
			uint32_t lvl = sock_poll(so);
			fds[i].revents =
			    (short)(lvl & ((uint32_t)(uint16_t)fds[i].events | POLLERR | POLLHUP));
		}
		if (fds[i].revents)
			n++;
	}
	return n;
}

int event_select(struct stack *s, int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds)
{
	fd_set r, w, e;
	int n = 0, err = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	for (int fd = 0; fd < nfds; fd++) {
		bool wr = rfds && FD_ISSET(fd, rfds), ww = wfds && FD_ISSET(fd, wfds);
		bool we = efds && FD_ISSET(fd, efds);
		struct socket *so;
		uint32_t lvl;

		if (!wr && !ww && !we)
			continue;
		so = fd_get(s, fd, FD_SOCKET, &err);
		if (!so)
			return -EBADF;
		lvl = sock_poll(so);
		/* Linux's POLLIN_SET and POLLOUT_SET: a hang-up is readable
		 * (a read says 0 or the error) but not writable. */
		if (wr && (lvl & (EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLHUP | EPOLLERR))) {
			FD_SET(fd, &r);
			n++;
		}
		if (ww && (lvl & (EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND | EPOLLERR))) {
			FD_SET(fd, &w);
			n++;
		}
		/* Exceptional conditions (out-of-band data) never arise. */
	}
	if (rfds)
		*rfds = r;
	if (wfds)
		*wfds = w;
	if (efds)
		*efds = e;
	return n;
}
