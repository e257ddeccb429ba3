/* ff_socket.c: the POSIX-like ff_* socket, descriptor and event calls.
 *
 * This is the one place where errors become -1 + errno (STYLE habit 10):
 * each function finds the calling thread's stack, checks its arguments,
 * calls the socket or event layer (which return 0/-errno) and converts.
 * errno values are Linux's.
 *
 * Choices where fastack differs from a kernel (documented in docs/ too):
 *   - nothing blocks: a "blocking" socket with nothing to read, or an
 *     ff_epoll_wait/ff_kevent/ff_poll/ff_select with a timeout (> 0 or
 *     -1/NULL), returns at once with what is there (EAGAIN / 0 events),
 *     as in F-Stack, whose application runs inside the stack's loop;
 *   - a thread without a stack (ff_init not called) gets EBADF;
 *   - ff_sysctl is in ff_compat.c (knobs by FreeBSD's name-to-OID call);
 *   - ff_dup/ff_dup2 share the object (socket, epoll, kqueue) among
 *     descriptors (socket.h);
 *   - FIONREAD on UDP gives the size of the next datagram (Linux), while
 *     kqueue's EVFILT_READ data gives all bytes queued (FreeBSD);
 *   - SO_RCVBUF/SO_SNDBUF keep the value set (FreeBSD; Linux doubles it),
 *     up to kern.ipc.maxsockbuf (ENOBUFS beyond);
 *   - MSG_WAITALL on a blocking TCP socket says EAGAIN until the whole
 *     request is queued (or the stream ends or fails), then returns it all;
 *     on a non-blocking one, what there is (as Linux);
 *   - SO_LINGER with a time (even a negative one) makes ff_close return at
 *     once while the connection closes gracefully (FreeBSD's non-blocking
 *     soclose); only a zero time resets it (src/tcp/tcp_usrreq.c);
 *   - shutdown(SHUT_RD) of a TCP connection discards what is queued and
 *     what arrives later (FreeBSD's sorflush; Linux still returns it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "ff_api.h"

#include "api/api.h"

#include "base/compiler.h"
#include "event/event.h"
#include "ip/route.h"
#include "socket/socket.h"
#include "stack/stack.h"

/* Converts an internal result (>= 0 or -errno) to the API's. */
static inline long ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* The calling thread's stack, or NULL with errno (ff_init not called). */
#define STACK_OR_FAIL(s)                   \
	struct stack *s = stack_current(); \
	if (unlikely(!s)) {                \
		errno = EBADF;             \
		return -1;                 \
	}

#define SOCK_OR_FAIL(s, so, fd)                       \
	struct socket *so;                            \
	do {                                          \
		int err_ = 0;                         \
		so = fd_get(s, fd, FD_SOCKET, &err_); \
		if (!so)                              \
			return ret(err_);             \
	} while (0)

int ff_socket(int domain, int type, int protocol)
{
	STACK_OR_FAIL(s);
	return (int)ret(sock_create(s, domain, type, protocol));
}

int ff_bind(int fd, const struct linux_sockaddr *addr, socklen_t addrlen)
{
	struct sock_addr a;
	int rc;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	rc = sock_addr_from_user(so, (const struct sockaddr *)addr, addrlen, &a);
	if (rc < 0)
		return (int)ret(rc);
	return (int)ret(so->ops->bind(s, so, &a));
}

int ff_connect(int fd, const struct linux_sockaddr *name, socklen_t namelen)
{
	struct sock_addr a;
	int rc;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (name && namelen >= (socklen_t)sizeof(sa_family_t) && name->sa_family == AF_UNSPEC)
		return (int)ret(so->ops->connect(s, so, NULL));
	rc = sock_addr_from_user(so, (const struct sockaddr *)name, namelen, &a);
	if (rc < 0)
		return (int)ret(rc);
	return (int)ret(so->ops->connect(s, so, &a));
}

int ff_listen(int fd, int backlog)
{
	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (!so->ops->listen)
		return (int)ret(-EOPNOTSUPP);
	return (int)ret(so->ops->listen(s, so, backlog));
}

int ff_accept4(int fd, struct linux_sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct socket *nso;
	struct sock_addr a;
	int nfd;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return (int)ret(-EINVAL);
	if (addr && !addrlen)
		return (int)ret(-EFAULT);
	if (addrlen && (int)*addrlen < 0)
		return (int)ret(-EINVAL);
	nfd = sock_accept(s, so, &nso, flags);
	if (nfd < 0)
		return (int)ret(nfd);
	if (addr && nso->ops->peername(nso, &a) == 0)
		sock_addr_to_user(&a, (struct sockaddr *)addr, addrlen);
	return nfd;
}

int ff_accept(int fd, struct linux_sockaddr *addr, socklen_t *addrlen)
{
	return ff_accept4(fd, addr, addrlen, 0);
}

int ff_close(int fd)
{
	STACK_OR_FAIL(s);
	return (int)ret(fd_close(s, fd));
}

int ff_shutdown(int fd, int how)
{
	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return (int)ret(-EINVAL);
	return (int)ret(so->ops->shutdown(s, so, how));
}

static int name_common(int fd, struct linux_sockaddr *name, socklen_t *namelen, bool peer)
{
	struct sock_addr a;
	int rc;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (!name || !namelen)
		return (int)ret(-EFAULT);
	if ((int)*namelen < 0)
		return (int)ret(-EINVAL);
	rc = peer ? so->ops->peername(so, &a) : so->ops->sockname(so, &a);
	if (rc < 0)
		return (int)ret(rc);
	sock_addr_to_user(&a, (struct sockaddr *)name, namelen);
	return 0;
}

int ff_getpeername(int fd, struct linux_sockaddr *name, socklen_t *namelen)
{
	return name_common(fd, name, namelen, true);
}

int ff_getsockname(int fd, struct linux_sockaddr *name, socklen_t *namelen)
{
	return name_common(fd, name, namelen, false);
}

int ff_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if ((int)optlen < 0)
		return (int)ret(-EINVAL);
	if (!optval && optlen)
		return (int)ret(-EFAULT);
	return (int)ret(sock_setopt(s, so, level, optname, optval, optlen));
}

int ff_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if (!optlen)
		return (int)ret(-EFAULT);
	/* A length shorter than the value is no error: the value is cut to
	 * it (Linux); a NULL buffer is one only if there is room. */
	if ((int)*optlen < 0)
		return (int)ret(-EINVAL);
	if (!optval && *optlen)
		return (int)ret(-EFAULT);
	return (int)ret(sock_getopt(s, so, level, optname, optval, optlen));
}

/* ---- data ---- */

/* 0, or -EINVAL (count, or a total beyond SSIZE_MAX as Linux) / -EFAULT
 * (a missing buffer). */
static int iov_check(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	if (iovcnt && !iov)
		return -EFAULT;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EFAULT;
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return 0;
}

static ssize_t send_common(int fd, const struct iovec *iov, int iovcnt, int flags,
                           const struct sockaddr *to, socklen_t tolen)
{
	struct sock_addr a;
	int rc;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if ((rc = iov_check(iov, iovcnt)) < 0)
		return ret(rc);
	if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR | MSG_CONFIRM))
		return ret(-EOPNOTSUPP);
	if (to && so->type == SOCK_STREAM) {
		/* A connection ignores the address; only its length is
		 * checked (Linux's move_addr_to_kernel, then tcp_sendmsg). */
		if ((int)tolen < 0 || tolen > (socklen_t)sizeof(struct sockaddr_storage))
			return ret(-EINVAL);
		to = NULL;
	}
	if (to) {
		rc = sock_addr_from_user(so, to, tolen, &a);
		if (rc < 0)
			return ret(rc);
	}
	return ret(so->ops->send(s, so, iov, iovcnt, flags, to ? &a : NULL));
}

/* is_read: read()/readv(), which return 0 for nothing asked without asking
 * the protocol (Linux's sock_read_iter); recv* go on (TCP says ENOTCONN,
 * EAGAIN, an error, ...). */
static ssize_t recv_common(int fd, const struct iovec *iov, int iovcnt, int flags,
                           struct sockaddr *from, socklen_t *fromlen, int *msg_flags, bool is_read)
{
	struct sock_addr a;
	ssize_t n;
	int rc;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	if ((rc = iov_check(iov, iovcnt)) < 0)
		return ret(rc);
	if (is_read && iov_total(iov, iovcnt) == 0)
		return 0;
	if (flags &
	    ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_WAITALL | MSG_CMSG_CLOEXEC | MSG_NOSIGNAL))
		return ret(-EOPNOTSUPP);
	if (from && !fromlen)
		return ret(-EFAULT);
	if (from && (int)*fromlen < 0)
		return ret(-EINVAL);
	memset(&a, 0, sizeof(a));
	n = so->ops->recv(s, so, iov, iovcnt, flags, from ? &a : NULL, msg_flags);
	if (n >= 0 && from) {
		if (a.addr.family)
			sock_addr_to_user(&a, from, fromlen);
		else
			*fromlen = 0;
	}
	return ret(n);
}

ssize_t ff_write(int fd, const void *buf, size_t nbytes)
{
	struct iovec iov = { (void *)(uintptr_t)buf, nbytes };
	ssize_t n;

	if (api_zc_write(fd, buf, nbytes, &n))
		return n; /* an ff_zc_mbuf_get chain (ff_compat_zc.c) */
	return send_common(fd, &iov, 1, 0, NULL, 0);
}

ssize_t ff_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return send_common(fd, iov, iovcnt, 0, NULL, 0);
}

ssize_t ff_send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	return send_common(fd, &iov, 1, flags, NULL, 0);
}

ssize_t ff_sendto(int fd, const void *buf, size_t len, int flags, const struct linux_sockaddr *to,
                  socklen_t tolen)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	return send_common(fd, &iov, 1, flags, (const struct sockaddr *)to, tolen);
}

ssize_t ff_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	/* A name of length 0 is no name (Linux's copy_msghdr_from_user). */
	return send_common(fd, msg->msg_iov, (int)msg->msg_iovlen, flags,
	                   msg->msg_namelen ? (const struct sockaddr *)msg->msg_name : NULL,
	                   msg->msg_namelen);
}

ssize_t ff_read(int fd, void *buf, size_t nbytes)
{
	struct iovec iov = { buf, nbytes };
	return recv_common(fd, &iov, 1, 0, NULL, NULL, NULL, true);
}

ssize_t ff_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return recv_common(fd, iov, iovcnt, 0, NULL, NULL, NULL, true);
}

ssize_t ff_recv(int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { buf, len };
	return recv_common(fd, &iov, 1, flags, NULL, NULL, NULL, false);
}

ssize_t ff_recvfrom(int fd, void *buf, size_t len, int flags, struct linux_sockaddr *from,
                    socklen_t *fromlen)
{
	struct iovec iov = { buf, len };
	return recv_common(fd, &iov, 1, flags, (struct sockaddr *)from, fromlen, NULL, false);
}

ssize_t ff_recvmsg(int fd, struct msghdr *msg, int flags)
{
	socklen_t namelen;
	int mflags = 0;
	ssize_t n;

	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	namelen = msg->msg_namelen;
	n = recv_common(fd, msg->msg_iov, (int)msg->msg_iovlen, flags,
	                (struct sockaddr *)msg->msg_name, msg->msg_name ? &namelen : NULL, &mflags,
	                false);
	if (n >= 0) {
		msg->msg_namelen = msg->msg_name ? namelen : 0;
		msg->msg_controllen = 0; /* no ancillary data */
		msg->msg_flags = mflags;
	}
	return n;
}

/* ---- descriptor control ---- */

int ff_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int arg = 0;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	/* Only the commands that take an argument read it (a two-argument
	 * call passes none); F_SETFL and F_SETFD take an int. */
	if (cmd == F_SETFL || cmd == F_SETFD) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	switch (cmd) {
	case F_GETFL:
		return O_RDWR | (so->nonblock ? O_NONBLOCK : 0);
	case F_SETFL:
		so->nonblock = (arg & O_NONBLOCK) != 0;
		return 0;
	case F_GETFD:
		return fd_cloexec(s, fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_set_cloexec(s, fd, (arg & FD_CLOEXEC) != 0);
		return 0;
	default:
		return (int)ret(-EINVAL);
	}
}

int ff_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	int *argp;

	STACK_OR_FAIL(s);
	SOCK_OR_FAIL(s, so, fd);
	va_start(ap, request);
	argp = va_arg(ap, int *);
	va_end(ap);
	if (!argp)
		return (int)ret(-EFAULT);
	switch (request) {
	case FIONBIO:
		so->nonblock = *argp != 0;
		return 0;
	case FIONREAD:
		/* Linux's tcp_ioctl(SIOCINQ): EINVAL on a listener. */
		if (so->state & SS_ISLISTENING)
			return (int)ret(-EINVAL);
		*argp = (int)(so->ops->fionread ? so->ops->fionread(so) : so->ops->readable(so));
		return 0;
	default:
		return (int)ret(-ENOTTY);
	}
}

int ff_dup(int oldfd)
{
	STACK_OR_FAIL(s);
	return (int)ret(fd_dup(s, oldfd, -1));
}

int ff_dup2(int oldfd, int newfd)
{
	STACK_OR_FAIL(s);
	/* fd_dup treats a negative newfd as "any"; dup2 says EBADF. */
	if (newfd < 0)
		return (int)ret(-EBADF);
	return (int)ret(fd_dup(s, oldfd, newfd));
}

int ff_fdisused(int fd)
{
	struct stack *s = stack_current();

	return s && fd_kind(s, fd) != FD_FREE;
}

int ff_getmaxfd(void)
{
	struct stack *s = stack_current();

	return s ? fd_limit(s) : 0;
}

void ff_get_traffic(void *buffer)
{
	struct stack *s = stack_current();
	struct ff_traffic_args t = { 0 };

	if (!buffer)
		return;
	if (s) {
		t.rx_packets = s->stats.port.rx_packets;
		t.rx_bytes = s->stats.port.rx_bytes;
		t.tx_packets = s->stats.port.tx_packets;
		t.tx_bytes = s->stats.port.tx_bytes;
	}
	memcpy(buffer, &t, sizeof(t));
}

/* ---- events ---- */

/* The size is a hint nobody needs (Linux ignores it since 2.6.8, F-Stack's
 * ff_epoll_create ignores it, and F-Stack's examples pass 0): any size of
 * 0 or more is accepted; a negative one is EINVAL, as Linux says for it. */
int ff_epoll_create(int size)
{
	STACK_OR_FAIL(s);
	if (size < 0)
		return (int)ret(-EINVAL);
	return (int)ret(epoll_create_fd(s));
}

int ff_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	STACK_OR_FAIL(s);
	return (int)ret(epoll_ctl_fd(s, epfd, op, fd, event));
}

int ff_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	(void)timeout; /* never blocks: see event.h */
	STACK_OR_FAIL(s);
	return (int)ret(epoll_wait_fd(s, epfd, events, maxevents));
}

int ff_kqueue(void)
{
	STACK_OR_FAIL(s);
	return (int)ret(kqueue_create_fd(s));
}

/* CLOCK_REALTIME in ns if a change asks for an absolute timer, else 0:
 * the one wall-clock reading the kqueue needs, taken here, not inside. */
static uint64_t kevent_wall_ns(const struct kevent *changes, int nchanges)
{
	struct timespec ts;

	for (int i = 0; changes && i < nchanges; i++) {
		if (changes[i].filter == EVFILT_TIMER && (changes[i].fflags & NOTE_ABSTIME) &&
		    clock_gettime(CLOCK_REALTIME, &ts) == 0)
			return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	return 0;
}

int ff_kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
              int nevents, const struct timespec *timeout)
{
	(void)timeout;
	STACK_OR_FAIL(s);
	return (int)ret(kqueue_kevent(s, kq, changelist, nchanges, eventlist, nevents,
	                              kevent_wall_ns(changelist, nchanges), NULL, NULL));
}

struct do_each_arg {
	void *cursor;
	void (*do_each)(void **, struct kevent *);
};

static void do_each_emit(void *arg, const struct kevent *kev)
{
	struct do_each_arg *a = arg;
	struct kevent copy = *kev;

	a->do_each(&a->cursor, &copy);
}

int ff_kevent_do_each(int kq, const struct kevent *changelist, int nchanges, void *eventlist,
                      int nevents, const struct timespec *timeout,
                      void (*do_each)(void **, struct kevent *))
{
	struct do_each_arg a = { eventlist, do_each };

	(void)timeout;
	STACK_OR_FAIL(s);
	if (!do_each)
		return ff_kevent(kq, changelist, nchanges, eventlist, nevents, timeout);
	return (int)ret(kqueue_kevent(s, kq, changelist, nchanges, NULL, nevents,
	                              kevent_wall_ns(changelist, nchanges), do_each_emit, &a));
}

int ff_poll(struct pollfd fds[], nfds_t nfds, int timeout)
{
	(void)timeout;
	STACK_OR_FAIL(s);
	return (int)ret(event_poll(s, fds, nfds));
}

int ff_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
              struct timeval *timeout)
{
	(void)timeout;
	STACK_OR_FAIL(s);
	return (int)ret(event_select(s, nfds, readfds, writefds, exceptfds));
}

/* ---- misc ---- */

/* The system's wall clock, read with clock_gettime and never through the
 * symbol gettimeofday: F-Stack's nginx port defines its own gettimeofday
 * that calls this one, so calling gettimeofday here would recurse for ever
 * in a static link.  tz, obsolete, is zeroed as glibc does. */
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 31)
int ff_gettimeofday(struct timeval *tv, void *tz)
#else
int ff_gettimeofday(struct timeval *tv, struct timezone *tz)
#endif
{
	struct timespec ts;

	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	if (!tv)
		return 0;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

static int sa_ip4(const struct linux_sockaddr *sa, uint32_t *out)
{
	const struct sockaddr_in *sin = (const void *)sa;

	if (!sa || sa->sa_family != AF_INET)
		return -EAFNOSUPPORT;
	*out = sin->sin_addr.s_addr;
	return 0;
}

int ff_route_ctl(enum FF_ROUTE_CTL req, enum FF_ROUTE_FLAG flag, struct linux_sockaddr *dst,
                 struct linux_sockaddr *gw, struct linux_sockaddr *netmask)
{
	uint32_t d, g = 0, m = 0xffffffffu;
	struct netif *ifp;
	uint32_t nh;
	int rc;

	STACK_OR_FAIL(s);
	if (req != FF_ROUTE_ADD && req != FF_ROUTE_DEL && req != FF_ROUTE_CHANGE)
		return (int)ret(-EINVAL);
	if (flag != FF_RTF_HOST && flag != FF_RTF_GATEWAY)
		return (int)ret(-EINVAL);
	if ((rc = sa_ip4(dst, &d)) < 0)
		return (int)ret(rc);
	if (flag != FF_RTF_HOST && netmask && (rc = sa_ip4(netmask, &m)) < 0)
		return (int)ret(rc);
	if ((~rte_be_to_cpu_32(m) & (~rte_be_to_cpu_32(m) + 1)) != 0)
		return (int)ret(-EINVAL); /* non-contiguous mask */
	if (req == FF_ROUTE_DEL)
		return (int)ret(route4_del(s, d & m, (uint8_t)__builtin_popcount(m)));
	if (flag == FF_RTF_GATEWAY || gw) {
		if ((rc = sa_ip4(gw, &g)) < 0)
			return (int)ret(rc);
	}
	/* The netif is the one that reaches the gateway (or the net itself). */
	rc = route4_lookup(s, g ? g : d, &ifp, &nh);
	if (rc < 0)
		return (int)ret(rc);
	if (g && nh != g)
		return (int)ret(-ENETUNREACH); /* the gateway must be on a link */
	if (req == FF_ROUTE_CHANGE)
		route4_del(s, d & m, (uint8_t)__builtin_popcount(m));
	return (int)ret(route4_add(s, d & m, (uint8_t)__builtin_popcount(m), g, ifp->index));
}
