/* ff_epoll.h: the epoll API of fastack sockets (Linux <sys/epoll.h> types
 * and flag values, as in F-Stack). */
#ifndef FF_EPOLL_H
#define FF_EPOLL_H

#include <sys/epoll.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is exported from libfastack (which is built with
 * -fvisibility=hidden; src/libfastack.map lists ff_* only). */
#pragma GCC visibility push(default)

int ff_epoll_create(int size);
int ff_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
int ff_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
