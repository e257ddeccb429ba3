/* event.h: epoll and kqueue instances, and poll/select, over fastack
 * sockets.
 *
 * Both epoll and kqueue are native (neither is emulated on the other): each
 * registration is a watcher on the socket (struct sock_watch); the socket
 * layer's sock_wakeup() calls the watcher, which links itself onto its
 * instance's ready list in O(1).  A wait walks only the ready list and asks
 * each socket for its current level (sock_poll) before reporting, so stale
 * entries fall off and level-triggered entries stay while still ready.
 *
 * Nothing blocks: a timeout other than zero is accepted and the call
 * returns at once with what is ready (the application runs inside the
 * stack's loop, F-Stack's model).
 */
#ifndef FASTACK_EVENT_EVENT_H
#define FASTACK_EVENT_EVENT_H

#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include "base/counters.h"
#include "ff_event.h"

struct stack;

/* What the waits cost: entries examined are ready-list entries, never
 * registrations, so examined / waits is the work per wait whatever the
 * number of sockets watched. */
#define EVENT_STATS(X)                                                        \
	X(ev_epoll_waits, "epoll_wait calls")                                 \
	X(ev_epoll_examined, "ready-list entries examined by epoll_wait")     \
	X(ev_kevent_waits, "kevent calls that asked for events")              \
	X(ev_kevent_examined, "ready-list entries examined by kevent")        \
	X(ev_kevent_nofilter, "kevent changes naming a filter fastack lacks") \
	X(ev_kevent_notimer, "EVFILT_TIMER refused: kern.kq_calloutmax reached")
COUNTER_STRUCT(event_stats, EVENT_STATS);

/* Closes an epoll or kqueue descriptor (and every registration of it). */
int event_close(struct stack *s, int fd);
/* One more descriptor refers to the epoll instance or kqueue at fd (fd_dup);
 * event_close frees it when the last one closes. */
void event_hold(struct stack *s, int fd);

int epoll_create_fd(struct stack *s);
int epoll_ctl_fd(struct stack *s, int epfd, int op, int fd, const struct epoll_event *ev);
int epoll_wait_fd(struct stack *s, int epfd, struct epoll_event *events, int maxevents);

int kqueue_create_fd(struct stack *s);
/* FreeBSD kevent(2) semantics (changes, then events).  emit is called for
 * each event to report (for ff_kevent_do_each); NULL writes to eventlist.
 * wall_ns is CLOCK_REALTIME in ns, read at the API boundary when a change
 * asks for an absolute timer (NOTE_ABSTIME), else 0. */
int kqueue_kevent(struct stack *s, int kq, const struct kevent *changes, int nchanges,
                  struct kevent *eventlist, int nevents, uint64_t wall_ns,
                  void (*emit)(void *arg, const struct kevent *kev), void *arg);

/* poll(2)/select(2) over fastack descriptors, non-blocking. */
int event_poll(struct stack *s, struct pollfd *fds, nfds_t nfds);
int event_select(struct stack *s, int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds);

#endif
