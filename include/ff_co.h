/* ff_co.h: coroutines on the stack's own loop (fastack extension).
 *
 * Blocking-style network code without threads or locks: each coroutine has
 * its own stack and runs on the thread of the fastack stack it was spawned
 * on, inside that stack's poll loop.  A blocking call (ff_co_read,
 * ff_co_accept, ...) tries the non-blocking ff_* call; when it would block,
 * only the calling coroutine parks on the descriptor's readiness (the same
 * watcher lists epoll and kqueue use, nothing is scanned), and the loop goes
 * on; the coroutine is resumed by the scheduler, which runs once per loop
 * pass (ready coroutines in FIFO order, at most fastack.co.batch of them).
 *
 * Call order: ff_init(); ff_co_spawn(main_co, ...); ff_run(loop, arg).  The
 * loop function may be NULL-like (return 0): the coroutines do the work.
 *
 * Time is the stack's clock (the now of the current loop pass, in ns:
 * virtual time in protocol tests); timeouts are in milliseconds, a negative
 * timeout waits without a deadline, and a deadline fires on the first pass
 * at or after it (the stack's timer wheel: 1 ms ticks, never early).
 *
 * Errors are -1 (NULL for pointers) with errno:
 *   EPERM      a call that may park, made outside a coroutine
 *   EBADF      no stack on this thread (ff_init not called), a bad
 *              descriptor, or the descriptor was closed (by another
 *              coroutine) while the caller was parked on it
 *   ECANCELED  the coroutine was cancelled (ff_co_cancel): the call it was
 *              parked in returns this, and so does every later call that
 *              would park, so the coroutine can only clean up and return
 *   ETIMEDOUT  the timeout passed
 *   EAGAIN     ff_co_spawn past fastack.co.max coroutines alive
 *   EINVAL     a stack size of 0 or beyond FF_CO_STACK_MAX, a NULL entry, a
 *              join of a detached coroutine or of oneself
 *   ENOMEM     no memory for a coroutine or its stack (each stack is two
 *              kernel mappings: vm.max_map_count, 65530 by default, allows
 *              about 32,000 coroutines in a process)
 *
 * A coroutine that runs for fastack.co.watchdog_ms without yielding is
 * reported on stderr with its name (and counted: co.co_hogs); a coroutine
 * that overflows its stack hits a guard page, and the process aborts after
 * printing the coroutine's name.  Everything a coroutine creates (mutexes,
 * conditions, channels) belongs to its stack: use it only on that stack.
 */
#ifndef FF_CO_H
#define FF_CO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ff_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

typedef struct ff_co ff_co_t;
typedef void (*ff_co_fn)(void *arg);

#define FF_CO_NAME_MAX 32                      /* with the NUL */
#define FF_CO_STACK_MIN 16384u                 /* smallest stack size accepted */
#define FF_CO_STACK_MAX (256u * 1024u * 1024u) /* largest stack size accepted */

struct ff_co_attr {
	const char *name;  /* copied (truncated to FF_CO_NAME_MAX - 1); NULL: "co-<id>" */
	size_t stack_size; /* bytes, FF_CO_STACK_MIN..FF_CO_STACK_MAX, rounded up to pages */
	int detached;      /* freed when it returns; cannot be joined */
};

/* attr with the stack's current default stack size, no name, joinable. */
int ff_co_attr_init(struct ff_co_attr *attr);

/* Spawns a coroutine on the calling thread's stack; it first runs at the
 * next scheduler run (this pass's end, or the next pass).  attr NULL: the
 * defaults, joinable.  The handle is valid until ff_co_join (or, detached,
 * until the coroutine returns). */
ff_co_t *ff_co_spawn(ff_co_fn fn, void *arg, const struct ff_co_attr *attr);
/* The default stack size for later spawns on this stack (starts at the knob
 * fastack.co.stack_size).  0, or -1 with EINVAL. */
int ff_co_set_stack_size(size_t bytes);
size_t ff_co_get_stack_size(void);

/* The running coroutine (NULL outside one). */
ff_co_t *ff_co_self(void);
const char *ff_co_name(const ff_co_t *co);
/* Coroutines alive on the calling thread's stack (spawned, not returned). */
unsigned ff_co_count(void);

/* Lets every other ready coroutine and the rest of the loop run: resumes at
 * the next scheduler run.  0, or -1 (EPERM, ECANCELED). */
int ff_co_yield(void);
/* Parks for ms milliseconds of the stack's clock.  0, or -1 (EPERM,
 * ECANCELED). */
int ff_co_sleep_ms(uint64_t ms);
/* The stack's clock: the now of the current pass, ns and ms. */
uint64_t ff_co_now_ns(void);
uint64_t ff_co_now_ms(void);

/* Waits for co to return (timeout_ms < 0: no deadline) and frees it.  0, or
 * -1: EINVAL (detached, or the caller itself), ETIMEDOUT, ECANCELED, EPERM. */
int ff_co_join(ff_co_t *co, int timeout_ms);
/* co is freed when it returns (at once if it has). */
int ff_co_detach(ff_co_t *co);
/* Cancels co: the call it is parked in (or its next one that would park)
 * returns ECANCELED, as every later one does; co is expected to release
 * what it holds and return.  Not started yet: it starts, and its first call
 * that would park returns ECANCELED.  Cancelling oneself is allowed.  0, or
 * -1: EINVAL (NULL), ESRCH (co has returned). */
int ff_co_cancel(ff_co_t *co);
/* Cancels every coroutine of the calling thread's stack but the caller
 * (a program's shutdown: ff_run again until ff_co_count() is 0).  Returns
 * how many were cancelled. */
int ff_co_cancel_all(void);
/* 1 if the calling coroutine was cancelled, else 0. */
int ff_co_cancelled(void);

/* ---- blocking-style socket calls (ff_* semantics, but parking) ----
 *
 * Each returns as its ff_* call does once it would not block.  Reads
 * return what is there (at least one byte, 0 at EOF); writes and sends
 * return once all of the data was taken (or, if a timeout or an error came
 * after some of it was, the count taken). */
int ff_co_accept(int fd, struct linux_sockaddr *addr, socklen_t *addrlen, int timeout_ms);
/* Connects (a TCP socket: waits for the handshake; the outcome as
 * SO_ERROR would say it: ECONNREFUSED, ETIMEDOUT, ...). */
int ff_co_connect(int fd, const struct linux_sockaddr *addr, socklen_t addrlen, int timeout_ms);
ssize_t ff_co_read(int fd, void *buf, size_t nbytes, int timeout_ms);
ssize_t ff_co_readv(int fd, const struct iovec *iov, int iovcnt, int timeout_ms);
ssize_t ff_co_write(int fd, const void *buf, size_t nbytes, int timeout_ms);
ssize_t ff_co_writev(int fd, const struct iovec *iov, int iovcnt, int timeout_ms);
ssize_t ff_co_recv(int fd, void *buf, size_t len, int flags, int timeout_ms);
ssize_t ff_co_send(int fd, const void *buf, size_t len, int flags, int timeout_ms);
ssize_t ff_co_recvfrom(int fd, void *buf, size_t len, int flags, struct linux_sockaddr *from,
                       socklen_t *fromlen, int timeout_ms);
ssize_t ff_co_sendto(int fd, const void *buf, size_t len, int flags,
                     const struct linux_sockaddr *to, socklen_t tolen, int timeout_ms);
/* Parks until fd is ready for one of events (EPOLLIN, EPOLLOUT, ...):
 * returns the ready EPOLL* bits (EPOLLERR/EPOLLHUP always count), or -1. */
int ff_co_wait_events(int fd, uint32_t events, int timeout_ms);

/* Request/response helpers (F-Stack's mt_tcpsendrcv, mt_udpsendrcv): a new
 * socket for each exchange, closed before returning; timeout_ms bounds the
 * whole exchange.
 *
 * TCP: connects to dst, sends req, reads into buf until msglen says a whole
 * message is there: msglen(buf, have, arg) returns the message's length
 * (> 0, at most have), 0 for "need more", < 0 for "malformed" (EBADMSG).
 * Returns the message length; EMSGSIZE if buf fills first, ECONNRESET if
 * the peer closes first. */
typedef int (*ff_co_msglen_fn)(const void *buf, size_t have, void *arg);
ssize_t ff_co_tcp_sendrcv(const struct linux_sockaddr *dst, socklen_t dstlen, const void *req,
                          size_t reqlen, void *buf, size_t buflen, ff_co_msglen_fn msglen,
                          void *arg, int timeout_ms);
/* UDP: sends req to dst and returns the length of the first datagram that
 * comes back from dst (others are ignored). */
ssize_t ff_co_udp_sendrcv(const struct linux_sockaddr *dst, socklen_t dstlen, const void *req,
                          size_t reqlen, void *buf, size_t buflen, int timeout_ms);

/* ---- coordination between the coroutines of one stack ---- */

typedef struct ff_co_mutex ff_co_mutex_t;
typedef struct ff_co_cond ff_co_cond_t;
typedef struct ff_co_chan ff_co_chan_t;

ff_co_mutex_t *ff_co_mutex_create(void);
/* EBUSY while held or waited for. */
int ff_co_mutex_destroy(ff_co_mutex_t *m);
/* Hand-over in FIFO order: an unlock gives the mutex to the first waiter.
 * EDEADLK when the caller holds it already. */
int ff_co_mutex_lock(ff_co_mutex_t *m, int timeout_ms);
/* EBUSY when held by another coroutine (never parks; EPERM outside one). */
int ff_co_mutex_trylock(ff_co_mutex_t *m);
/* EPERM unless the calling coroutine holds it. */
int ff_co_mutex_unlock(ff_co_mutex_t *m);

ff_co_cond_t *ff_co_cond_create(void);
int ff_co_cond_destroy(ff_co_cond_t *c);
/* Releases m, parks until signalled (or the timeout, or a cancel), takes m
 * again (without a deadline) before returning. */
int ff_co_cond_wait(ff_co_cond_t *c, ff_co_mutex_t *m, int timeout_ms);
int ff_co_cond_signal(ff_co_cond_t *c);
int ff_co_cond_broadcast(ff_co_cond_t *c);

/* A FIFO of capacity elements of elem_size bytes each (capacity >= 1). */
ff_co_chan_t *ff_co_chan_create(size_t elem_size, unsigned capacity);
/* EBUSY while coroutines wait on it. */
int ff_co_chan_destroy(ff_co_chan_t *ch);
/* Parks while the channel is full.  EPIPE once closed. */
int ff_co_chan_send(ff_co_chan_t *ch, const void *elem, int timeout_ms);
/* Parks while the channel is empty: 1 (an element), 0 (closed and empty). */
int ff_co_chan_recv(ff_co_chan_t *ch, void *elem, int timeout_ms);
/* Wakes every waiter: senders get EPIPE, receivers drain, then get 0. */
int ff_co_chan_close(ff_co_chan_t *ch);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
