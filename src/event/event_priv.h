/* event_priv.h: what the event files share with each other. */
#ifndef FASTACK_EVENT_EVENT_PRIV_H
#define FASTACK_EVENT_EVENT_PRIV_H

struct epoll;
struct kqueue;

void epoll_destroy(struct epoll *ep);
void kqueue_destroy(struct kqueue *kq);

#endif
