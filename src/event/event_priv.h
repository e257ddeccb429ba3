/* event_priv.h: what the event files share with each other. */
#ifndef FASTACK_EVENT_EVENT_PRIV_H
#define FASTACK_EVENT_EVENT_PRIV_H

struct epoll;
struct kqueue;

void epoll_destroy(struct epoll *ep);
void kqueue_destroy(struct kqueue *kq);
/* The count of descriptors referring to an instance (fd_dup). */
unsigned *epoll_refs(struct epoll *ep);
unsigned *kqueue_refs(struct kqueue *kq);

#endif
