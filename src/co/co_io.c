/* co_io.c: blocking-style socket calls for coroutines.
 *
 * Each call tries its non-blocking ff_* call; while that says EAGAIN (or
 * EINPROGRESS for a connect) the coroutine parks on the descriptor's
 * readiness and tries again when woken.  The park is a watcher on the
 * socket (struct sock_watch, the registration epoll items and kqueue
 * knotes use): sock_wakeup() calls its notify, which makes the coroutine
 * ready when what changed is what it waits for; a close of the descriptor
 * calls its detach, which wakes it with EBADF.  Nothing is scanned, and a
 * socket nobody waits on costs nothing.
 *
 * Timeouts are turned into one deadline on the stack's clock at entry, so
 * repeated parks of one call (spurious wakeups, partial writes) share it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ff_co.h"

#include "co/co.h"
#include "socket/socket.h"
#include "stack/stack.h"

static inline long ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

#define IO_WAKE (EPOLLERR | EPOLLHUP)

struct fd_wait {
	struct sock_watch w;
	struct ff_co *co;
	uint32_t mask;
};

static void fdw_notify(struct sock_watch *w, uint32_t ev)
{
	struct fd_wait *fw = container_of(w, struct fd_wait, w);

	if (ev == 0 || (ev & (fw->mask | IO_WAKE | EPOLLRDHUP)) ||
	    ((ev & SOCK_WAKE_SPACE) && (fw->mask & EPOLLOUT)))
		co_wake(fw->co, 0);
}

/* The descriptor is being closed (the watch is already unlinked). */
static void fdw_detach(struct sock_watch *w)
{
	co_wake(container_of(w, struct fd_wait, w)->co, -EBADF);
}

static void fdw_unhook(struct ff_co *co)
{
	struct fd_wait *fw = co->wait;

	sock_watch_del(&fw->w); /* idempotent: a detached watch is unlinked */
}

/* Back to the loop for one pass, not parked on anything (the level says
 * ready while the call said EAGAIN: try again next pass, never spin). */
static int co_pass(struct ff_co *co)
{
	int rc;

	/* A yield is a park whose waker is the next scheduler run. */
	rc = ff_co_yield();
	(void)co;
	return rc < 0 ? -errno : 0;
}

/* Parks co until fd is ready for mask (or an error/hangup), the deadline,
 * a cancel or a close.  0 or -errno. */
static int wait_fd(struct stack *s, struct ff_co *co, int fd, uint32_t mask, uint64_t dl)
{
	struct fd_wait fw;
	struct socket *so;
	int err = 0;

	so = fd_get(s, fd, FD_SOCKET, &err);
	if (!so)
		return err;
	if (sock_poll(so) & (mask | IO_WAKE))
		return co_pass(co);
	fw.co = co;
	fw.mask = mask;
	fw.w.notify = fdw_notify;
	fw.w.detach = fdw_detach;
	list_init(&fw.w.link);
	sock_watch_add(so, &fw.w);
	co->wait = &fw;
	co->unhook = fdw_unhook;
	return co_park(co, dl);
}

/* Retries expr (a ff_* call: -1 + errno) while it says EAGAIN, parking on
 * fd for mask in between.  Yields the call's result, or -1 with errno. */
#define RETRY(s, co, fd, mask, dl, expr)                   \
	({                                                 \
		ssize_t r_;                                \
		for (;;) {                                 \
			int w_;                            \
			r_ = (expr);                       \
			if (r_ >= 0 || errno != EAGAIN)    \
				break;                     \
			w_ = wait_fd(s, co, fd, mask, dl); \
			if (w_ < 0) {                      \
				errno = -w_;               \
				r_ = -1;                   \
				break;                     \
			}                                  \
		}                                          \
		r_;                                        \
	})

/* Entry of every call: the stack, the coroutine and the deadline. */
#define ENTER(s, co, dl, timeout_ms)             \
	struct stack *s;                         \
	struct ff_co *co;                        \
	uint64_t dl;                             \
	do {                                     \
		int e_ = co_enter(&s, &co);      \
		if (e_ < 0)                      \
			return ret(e_);          \
		dl = co_deadline(s, timeout_ms); \
	} while (0)

/* One send of the rest of buf (what a stream takes of it). */
typedef ssize_t (*put_fn)(int fd, const void *buf, size_t len, const void *ctx);

/* Puts all of buf with fn, parking for space: the count, or -1 (errno)
 * when nothing was taken before the error. */
static ssize_t put_all(struct stack *s, struct ff_co *co, int fd, const char *buf, size_t len,
                       uint64_t dl, put_fn fn, const void *ctx)
{
	size_t done = 0;

	do {
		ssize_t r = RETRY(s, co, fd, EPOLLOUT, dl, fn(fd, buf + done, len - done, ctx));

		if (r < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)r;
	} while (done < len);
	return (ssize_t)done;
}

static ssize_t put_write(int fd, const void *buf, size_t len, const void *ctx)
{
	(void)ctx;
	return ff_write(fd, buf, len);
}

static ssize_t put_send(int fd, const void *buf, size_t len, const void *ctx)
{
	return ff_send(fd, buf, len, *(const int *)ctx);
}

struct sendto_ctx {
	int flags;
	const struct linux_sockaddr *to;
	socklen_t tolen;
};

static ssize_t put_sendto(int fd, const void *buf, size_t len, const void *ctx)
{
	const struct sendto_ctx *c = ctx;

	return ff_sendto(fd, buf, len, c->flags, c->to, c->tolen);
}

/* A datagram goes whole or not at all: one send, retried for space. */
static bool is_stream(struct stack *s, int fd)
{
	int err = 0;
	struct socket *so = fd_get(s, fd, FD_SOCKET, &err);

	return so && so->type == SOCK_STREAM;
}

int ff_co_accept(int fd, struct linux_sockaddr *addr, socklen_t *addrlen, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return (int)RETRY(s, co, fd, EPOLLIN, dl, ff_accept(fd, addr, addrlen));
}

static int co_connect_dl(struct stack *s, struct ff_co *co, int fd,
                         const struct linux_sockaddr *addr, socklen_t addrlen, uint64_t dl)
{
	socklen_t len = sizeof(int);
	int err = 0, rc;

	if (ff_connect(fd, addr, addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EALREADY)
		return -errno;
	for (;;) {
		struct socket *so = fd_get(s, fd, FD_SOCKET, &err);

		if (!so)
			return err;
		if (!(so->state & SS_ISCONNECTING) || (sock_poll(so) & (EPOLLOUT | IO_WAKE)))
			break;
		rc = wait_fd(s, co, fd, EPOLLOUT, dl);
		if (rc < 0)
			return rc;
	}
	if (ff_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

int ff_co_connect(int fd, const struct linux_sockaddr *addr, socklen_t addrlen, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return (int)ret(co_connect_dl(s, co, fd, addr, addrlen, dl));
}

ssize_t ff_co_read(int fd, void *buf, size_t nbytes, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return RETRY(s, co, fd, EPOLLIN, dl, ff_read(fd, buf, nbytes));
}

ssize_t ff_co_readv(int fd, const struct iovec *iov, int iovcnt, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return RETRY(s, co, fd, EPOLLIN, dl, ff_readv(fd, iov, iovcnt));
}

ssize_t ff_co_recv(int fd, void *buf, size_t len, int flags, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return RETRY(s, co, fd, EPOLLIN, dl, ff_recv(fd, buf, len, flags));
}

static ssize_t co_recvfrom_dl(struct stack *s, struct ff_co *co, int fd, void *buf, size_t len,
                              int flags, struct linux_sockaddr *from, socklen_t *fromlen,
                              uint64_t dl)
{
	return RETRY(s, co, fd, EPOLLIN, dl, ff_recvfrom(fd, buf, len, flags, from, fromlen));
}

ssize_t ff_co_recvfrom(int fd, void *buf, size_t len, int flags, struct linux_sockaddr *from,
                       socklen_t *fromlen, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return co_recvfrom_dl(s, co, fd, buf, len, flags, from, fromlen, dl);
}

ssize_t ff_co_write(int fd, const void *buf, size_t nbytes, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	if (!is_stream(s, fd))
		return RETRY(s, co, fd, EPOLLOUT, dl, ff_write(fd, buf, nbytes));
	return put_all(s, co, fd, buf, nbytes, dl, put_write, NULL);
}

ssize_t ff_co_send(int fd, const void *buf, size_t len, int flags, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	if (!is_stream(s, fd))
		return RETRY(s, co, fd, EPOLLOUT, dl, ff_send(fd, buf, len, flags));
	return put_all(s, co, fd, buf, len, dl, put_send, &flags);
}

static ssize_t co_sendto_dl(struct stack *s, struct ff_co *co, int fd, const void *buf, size_t len,
                            int flags, const struct linux_sockaddr *to, socklen_t tolen,
                            uint64_t dl)
{
	struct sendto_ctx c = { flags, to, tolen };

	if (!is_stream(s, fd))
		return RETRY(s, co, fd, EPOLLOUT, dl, ff_sendto(fd, buf, len, flags, to, tolen));
	return put_all(s, co, fd, buf, len, dl, put_sendto, &c);
}

ssize_t ff_co_sendto(int fd, const void *buf, size_t len, int flags,
                     const struct linux_sockaddr *to, socklen_t tolen, int timeout_ms)
{
	ENTER(s, co, dl, timeout_ms);
	return co_sendto_dl(s, co, fd, buf, len, flags, to, tolen, dl);
}

ssize_t ff_co_writev(int fd, const struct iovec *iov, int iovcnt, int timeout_ms)
{
	size_t total, done, skip;
	ssize_t r;

	ENTER(s, co, dl, timeout_ms);
	if (iovcnt < 0 || (iovcnt > 0 && !iov))
		return ret(-EINVAL);
	r = RETRY(s, co, fd, EPOLLOUT, dl, ff_writev(fd, iov, iovcnt));
	if (r < 0 || !is_stream(s, fd))
		return r;
	total = iov_total(iov, iovcnt);
	done = (size_t)r;
	/* A partial write: the rest, entry by entry. */
	skip = done;
	for (int i = 0; i < iovcnt && done < total; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		r = put_all(s, co, fd, (const char *)iov[i].iov_base + skip, l - skip, dl,
		            put_write, NULL);
		if (r < 0)
			return (ssize_t)done;
		done += (size_t)r;
		if ((size_t)r < l - skip)
			return (ssize_t)done;
		skip = 0;
	}
	return (ssize_t)done;
}

int ff_co_wait_events(int fd, uint32_t events, int timeout_ms)
{
	struct socket *so;
	int err = 0, rc;

	ENTER(s, co, dl, timeout_ms);
	for (;;) {
		uint32_t now;

		so = fd_get(s, fd, FD_SOCKET, &err);
		if (!so)
			return (int)ret(err);
		now = sock_poll(so) & (events | IO_WAKE);
		if (now)
			return (int)now;
		rc = wait_fd(s, co, fd, events, dl);
		if (rc < 0)
			return (int)ret(rc);
	}
}

/* ---- request/response helpers ---- */

static int addr_family(const struct linux_sockaddr *dst, socklen_t dstlen)
{
	if (!dst || dstlen < (socklen_t)sizeof(struct linux_sockaddr))
		return -EINVAL;
	return dst->sa_family;
}

ssize_t ff_co_tcp_sendrcv(const struct linux_sockaddr *dst, socklen_t dstlen, const void *req,
                          size_t reqlen, void *buf, size_t buflen, ff_co_msglen_fn msglen,
                          void *arg, int timeout_ms)
{
	size_t have = 0;
	ssize_t rc;
	int fd, fam;

	ENTER(s, co, dl, timeout_ms);
	fam = addr_family(dst, dstlen);
	if (fam < 0 || !msglen || (!buf && buflen) || (!req && reqlen))
		return ret(-EINVAL);
	fd = ff_socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	rc = co_connect_dl(s, co, fd, dst, dstlen, dl);
	if (rc < 0)
		goto out;
	rc = put_all(s, co, fd, req, reqlen, dl, put_write, NULL);
	if (rc < 0 || (size_t)rc < reqlen) {
		rc = rc < 0 ? -errno : -ETIMEDOUT;
		goto out;
	}
	for (;;) {
		int m;

		if (have == buflen) {
			rc = -EMSGSIZE;
			break;
		}
		rc = RETRY(s, co, fd, EPOLLIN, dl, ff_read(fd, (char *)buf + have, buflen - have));
		if (rc < 0) {
			rc = -errno;
			break;
		}
		if (rc == 0) {
			rc = -ECONNRESET;
			break;
		}
		have += (size_t)rc;
		m = msglen(buf, have, arg);
		if (m < 0 || (size_t)m > have) {
			rc = -EBADMSG;
			break;
		}
		if (m > 0) {
			rc = m;
			break;
		}
	}
out:
	ff_close(fd);
	return ret(rc);
}

ssize_t ff_co_udp_sendrcv(const struct linux_sockaddr *dst, socklen_t dstlen, const void *req,
                          size_t reqlen, void *buf, size_t buflen, int timeout_ms)
{
	struct sockaddr_storage from;
	ssize_t rc;
	int fd, fam;

	ENTER(s, co, dl, timeout_ms);
	fam = addr_family(dst, dstlen);
	if (fam < 0 || dstlen > (socklen_t)sizeof(from) || (!buf && buflen) || (!req && reqlen))
		return ret(-EINVAL);
	fd = ff_socket(fam, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	rc = co_sendto_dl(s, co, fd, req, reqlen, 0, dst, dstlen, dl);
	if (rc < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		socklen_t fl = sizeof(from);

		rc = co_recvfrom_dl(s, co, fd, buf, buflen, 0, (struct linux_sockaddr *)&from, &fl,
		                    dl);
		if (rc < 0) {
			rc = -errno;
			break;
		}
		/* Only dst's answer counts (address and port). */
		if (fl == dstlen && memcmp(&from, dst, fam == AF_INET ? 8 : fl) == 0)
			break;
	}
out:
	ff_close(fd);
	return ret(rc);
}
