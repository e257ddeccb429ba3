/* ff_mt.h: F-Stack's micro-thread names on fastack's coroutines (fastack
 * extension).
 *
 * The calls of F-Stack's micro-thread library (adapter/micro_thread) whose
 * signatures are plain C, as inline functions over ff_co.h, so code written
 * for them in this subset builds with a recompile.  What differs:
 *   - micro threads are fastack coroutines: they run on the stack of the
 *     thread that started them, inside ff_run's loop (no mt_init_frame:
 *     ff_init and ff_run start everything);
 *   - a timeout fails with errno ETIMEDOUT; a call outside a coroutine fails
 *     with EPERM (F-Stack has no such case: it always runs in one);
 *   - descriptors are fastack's (ff_socket), and addresses have Linux's
 *     struct sockaddr layout (struct linux_sockaddr);
 *   - mt_write and mt_send return once all bytes are taken (as F-Stack's
 *     do), or the count taken before a timeout or error;
 *   - mt_wait_events takes and returns EPOLL* bits (EPOLLIN, EPOLLOUT);
 *   - mt_start_thread returns the coroutine (detached), NULL with errno;
 *   - mt_time_ms is the stack's clock (the current pass's now), as
 *     F-Stack's is the time cached by its loop;
 *   - mt_sleep and mt_set_stack_size return nothing, as in F-Stack; errors
 *     are left in errno (EINVAL: a stack size of 0 or beyond
 *     FF_CO_STACK_MAX);
 *   - the C++-only calls (mt_tcpsendrcv with its reference argument and
 *     class-based helpers) are not here: ff_co_tcp_sendrcv and
 *     ff_co_udp_sendrcv are their C forms.
 */
#ifndef FF_MT_H
#define FF_MT_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ff_co.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline void mt_sleep(int ms)
{
	ff_co_sleep_ms(ms < 0 ? 0 : (uint64_t)ms);
}

static inline unsigned long long mt_time_ms(void)
{
	return ff_co_now_ms();
}

static inline ssize_t mt_read(int fd, void *buf, size_t nbyte, int timeout)
{
	return ff_co_read(fd, buf, nbyte, timeout);
}

static inline ssize_t mt_write(int fd, const void *buf, size_t nbyte, int timeout)
{
	return ff_co_write(fd, buf, nbyte, timeout);
}

static inline ssize_t mt_recv(int fd, void *buf, int len, int flags, int timeout)
{
	return ff_co_recv(fd, buf, len < 0 ? 0 : (size_t)len, flags, timeout);
}

static inline ssize_t mt_send(int fd, const void *buf, size_t nbyte, int flags, int timeout)
{
	return ff_co_send(fd, buf, nbyte, flags, timeout);
}

static inline int mt_recvfrom(int fd, void *buf, int len, int flags, struct sockaddr *from,
                              socklen_t *fromlen, int timeout)
{
	return (int)ff_co_recvfrom(fd, buf, len < 0 ? 0 : (size_t)len, flags,
	                           (struct linux_sockaddr *)from, fromlen, timeout);
}

static inline int mt_sendto(int fd, const void *msg, int len, int flags, const struct sockaddr *to,
                            int tolen, int timeout)
{
	return (int)ff_co_sendto(fd, msg, len < 0 ? 0 : (size_t)len, flags,
	                         (const struct linux_sockaddr *)to, (socklen_t)tolen, timeout);
}

static inline int mt_connect(int fd, const struct sockaddr *addr, int addrlen, int timeout)
{
	return ff_co_connect(fd, (const struct linux_sockaddr *)addr, (socklen_t)addrlen, timeout);
}

static inline int mt_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int timeout)
{
	return ff_co_accept(fd, (struct linux_sockaddr *)addr, addrlen, timeout);
}

static inline int mt_wait_events(int fd, int events, int timeout)
{
	return ff_co_wait_events(fd, (uint32_t)events, timeout);
}

static inline void *mt_start_thread(void *entry, void *args)
{
	struct ff_co_attr attr;

	if (ff_co_attr_init(&attr) < 0)
		return NULL;
	attr.detached = 1;
	return ff_co_spawn((ff_co_fn)entry, args, &attr);
}

static inline void mt_set_stack_size(unsigned int bytes)
{
	ff_co_set_stack_size(bytes);
}

#ifdef __cplusplus
}
#endif

#endif
