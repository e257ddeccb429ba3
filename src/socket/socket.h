/* socket.h: sockets, the per-stack descriptor table, and readiness.
 *
 * A socket is protocol-independent state (type, options, error, flags) plus
 * a protocol control block reached through a struct proto_ops, one per
 * protocol (UDP in src/udp, TCP in src/tcp).  The ff_* API (src/api) checks
 * arguments, finds the socket by descriptor and calls the socket functions
 * here, which call the protocol.  Everything here returns 0 / a count or
 * -errno; only src/api sets errno.
 *
 * Descriptors: one table per stack, holding sockets, epoll instances and
 * kqueues (a kind tag per entry).  Numbers are small ints, the lowest free
 * first (as POSIX), from fastack.fd_reserve (F-Stack's [freebsd.boot]
 * fd_reserve: the numbers below it are left to the kernel, so a program
 * that uses both kinds tells them apart with ff_fdisused) but never below
 * SOCK_FD_BASE (3: 0..2 are never handed out, so a fastack descriptor is
 * never mistaken for stdin/stdout/stderr); kern.maxfiles of them at most.
 * The table grows on demand in chunks of 1024 entries, so a large
 * kern.maxfiles costs nothing until it is used.  Descriptors of
 * different stacks are independent (each stack has its own 3, 4, ...).
 * Several descriptors may refer to one object (fd_dup: ff_dup/ff_dup2, as
 * POSIX): sockets, epoll instances and kqueues count the descriptors that
 * refer to them (refs), and a close ends the object's life only when its
 * last descriptor goes; until then it only releases the number.  As POSIX,
 * O_NONBLOCK lives on the object (shared by its descriptors) and
 * FD_CLOEXEC on the descriptor (clear on a new one: fd_cloexec).
 *
 * Readiness (DESIGN.md, "Events"): a socket keeps a list of watchers (epoll
 * items, kqueue knotes).  Protocol code calls sock_wakeup(so, events) when
 * something a user may wait for happened; each watcher's notify callback
 * pushes itself onto its instance's ready list in O(1).  Nothing ever scans
 * all sockets.  The level is asked with sock_poll() (EPOLL* bits), which is
 * what epoll/kqueue/poll/select report, so a spurious wakeup is harmless.
 * On the last close, every watcher's detach callback runs first (the epoll
 * item or knote disappears, as when the last reference to a file goes in
 * Linux and FreeBSD).  A registration records the descriptor it was made
 * through (w->fd): kqueue's knotes are keyed by it and go when that
 * descriptor closes, even if the socket lives on under another (FreeBSD's
 * knote_fdclose, w->fd_bound); epoll's items are keyed by (socket, fd) and
 * stay until the socket's last close (Linux: an item outlives the closed
 * descriptor while a dup keeps the file open).
 *
 * fastack sockets never block: where a blocking socket would sleep, the
 * call returns EAGAIN (F-Stack's loop model: the application is called from
 * the stack's own loop and must return to it).  O_NONBLOCK is kept only so
 * that F_GETFL reports what was set.
 *
 * Addresses: struct sock_addr (an ip_addr and a host-order port) inside;
 * Linux sockaddr_in / sockaddr_in6 at the API (struct linux_sockaddr has the
 * layout of struct sockaddr), converted with the checks Linux makes
 * (sock_addr_from_user).  IPv6: AF_INET6 sockets can be created, and their
 * addresses are converted and validated, but UDP bind/connect/send on them
 * returns EAFNOSUPPORT until IPv6 lands (FIXME(ipv6)); IPv4-mapped
 * addresses on AF_INET6 sockets are not supported either.
 *
 * Plugging a protocol in (TCP does this in tcp_init):
 *   1. sock_register_proto(s, SOCK_STREAM, &ops) at init;
 *   2. attach() allocates the pcb into so->pcb and sets so->rcvbuf/sndbuf
 *      defaults; detach() releases it (or orphans it: the connection may
 *      live on, but must not touch the struct socket, which is freed);
 *   3. the protocol keeps so->state (SS_*) in step and calls
 *      sock_wakeup(so, EPOLL* bits) on every change a user may wait for
 *      (data, space, connection, EOF, error; SOCK_WAKE_SPACE for space
 *      epoll is not to hear of), and SS_CANTRCVMORE / SS_CANTSENDMORE
 *      once a direction is closed (kqueue's EV_EOF);
 *   4. a pending error the next call reports lives in one place: the
 *      protocol's error() slot when it has one (TCP keeps it in the tcpcb),
 *      else so->so_error.  sock_error() reads it for SO_ERROR (which clears
 *      it) and for kqueue's EV_EOF fflags (which do not);
 *   5. poll() answers the level; readable()/writable() give kqueue's data.
 * A NULL listen/accept slot makes ff_listen/ff_accept EOPNOTSUPP; a NULL
 * setopt/getopt makes non-SOL_SOCKET levels ENOPROTOOPT.
 */
#ifndef FASTACK_SOCKET_SOCKET_H
#define FASTACK_SOCKET_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/addr.h"
#include "base/counters.h"
#include "base/list.h"

struct stack;
struct socket;

#define SOCK_STATS(X)                                           \
	X(so_created, "sockets created")                        \
	X(so_closed, "sockets closed")                          \
	X(so_nofd, "no descriptor: table full (kern.maxfiles)") \
	X(so_nomem, "socket or descriptor table: no memory")
COUNTER_STRUCT(sock_stats, SOCK_STATS);

#define SOCK_FD_BASE 3 /* 0..2 stay free, as in a process */

/* An endpoint address: IPv4 or IPv6 address and a port (host order). */
struct sock_addr {
	struct ip_addr addr;
	uint16_t port;
};

/* Descriptor kinds. */
enum fd_kind { FD_FREE = 0, FD_SOCKET, FD_EPOLL, FD_KQUEUE };

/* A registration of an event instance on a socket. */
struct sock_watch {
	struct list_node link; /* in socket->watchers */
	/* Something happened on the socket (EPOLL* bits of what changed). */
	void (*notify)(struct sock_watch *w, uint32_t events);
	/* The socket is going away: drop the registration (and free it). */
	void (*detach)(struct sock_watch *w);
	int fd;        /* the descriptor the registration was made through */
	bool fd_bound; /* dropped when fd closes (kqueue), not at the last close */
};

/* Socket state bits (so->state). */
#define SS_ISCONNECTED 0x0001u /* a peer is set (connected UDP; TCP established) */
#define SS_ISLISTENING 0x0002u
#define SS_CANTRCVMORE 0x0004u  /* shut down for reading, or EOF seen */
#define SS_CANTSENDMORE 0x0008u /* shut down for writing */
#define SS_ISBOUND 0x0010u
/* A connect() said EINPROGRESS and no later connect() (or shutdown) has
 * reported how the attempt ended: Linux's SS_CONNECTING, which decides
 * what the next connect() says (EALREADY, 0 once, the error). */
#define SS_ISCONNECTING 0x0020u

/* A sock_wakeup() bit beside the EPOLL* ones: send space grew on a stream
 * socket whose writer has not run out of it (nospace clear), which wakes
 * no epoll instance (Linux's tcp_check_space) but is news to kqueue's
 * EVFILT_WRITE (FreeBSD's sowwakeup on every ACK).  Not an EPOLL* value. */
#define SOCK_WAKE_SPACE (1u << 27)

/* One protocol's user requests.  Every slot gets the stack and the socket;
 * returns are 0 / byte counts or -errno.  The socket layer has already
 * checked the descriptor, the arguments' shape and converted addresses;
 * the protocol checks what only it knows (state, address usability). */
struct proto_ops {
	/* socket(): creates the protocol control block (so->pcb) and sets the
	 * protocol's defaults (so->rcvbuf, so->sndbuf). */
	int (*attach)(struct stack *s, struct socket *so);
	/* close(): the descriptor is gone; release the pcb (a protocol may keep
	 * the connection alive on its own, as TCP does for a graceful close,
	 * but must not touch so afterwards: it is freed on return). */
	void (*detach)(struct stack *s, struct socket *so);
	/* bind(): to a local address (port 0: an ephemeral port).  -EINVAL if
	 * already bound, -EADDRINUSE, -EADDRNOTAVAIL, -EAFNOSUPPORT. */
	int (*bind)(struct stack *s, struct socket *so, const struct sock_addr *a);
	/* connect(): sets the peer (UDP) or starts an active open (TCP:
	 * -EINPROGRESS); a NULL address (AF_UNSPEC) dissolves the association. */
	int (*connect)(struct stack *s, struct socket *so, const struct sock_addr *a);
	/* listen(): passive open with a backlog (NULL: EOPNOTSUPP). */
	int (*listen)(struct stack *s, struct socket *so, int backlog);
	/* accept(): takes a connection from the accept queue into the new
	 * socket nso, already in the descriptor table (NULL: EOPNOTSUPP;
	 * -EAGAIN when the queue is empty). */
	int (*accept)(struct stack *s, struct socket *so, struct socket *nso);
	/* send/sendto/sendmsg/write: from iov (to: NULL for the connected
	 * peer; flags: MSG_* as given).  Bytes taken, or -EAGAIN, -EMSGSIZE,
	 * -EDESTADDRREQ, -ENOBUFS, -EPIPE, ... */
	ssize_t (*send)(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
	                int flags, const struct sock_addr *to);
	/* recv/recvfrom/recvmsg/read: into iov; fills *from when not NULL and
	 * ORs MSG_TRUNC into *msg_flags (when not NULL) if a datagram did not
	 * fit.  Bytes copied (the datagram's full size with MSG_TRUNC in
	 * flags), 0 at EOF, or -EAGAIN when nothing is there. */
	ssize_t (*recv)(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
	                int flags, struct sock_addr *from, int *msg_flags);
	/* shutdown(): SHUT_RD / SHUT_WR / SHUT_RDWR (already checked). */
	int (*shutdown)(struct stack *s, struct socket *so, int how);
	/* setsockopt/getsockopt: protocol levels (IPPROTO_IP, IPPROTO_TCP, ...)
	 * and SOL_SOCKET options the protocol must know of (setopt is called
	 * after the socket layer stored them; getopt only for other levels).
	 * NULL: other levels are ENOPROTOOPT. */
	int (*setopt)(struct stack *s, struct socket *so, int level, int name, const void *val,
	              socklen_t len);
	int (*getopt)(struct stack *s, struct socket *so, int level, int name, void *val,
	              socklen_t *len);
	/* The pending error (positive errno, 0 if none), cleared when clear is
	 * set: for protocols that keep it themselves.  NULL: so->so_error. */
	int (*error)(struct socket *so, bool clear);
	/* Readiness level now: EPOLLIN/OUT/ERR/HUP/RDHUP (and RDNORM/WRNORM)
	 * bits.  Cheap; called on every report. */
	uint32_t (*poll)(struct socket *so);
	/* Bytes readable (kqueue EVFILT_READ data: FreeBSD's sb_cc, all bytes
	 * queued; a listener: connections waiting) and send space (EVFILT_WRITE
	 * data: FreeBSD's sbspace). */
	uint32_t (*readable)(struct socket *so);
	uint32_t (*writable)(struct socket *so);
	/* FIONREAD: Linux semantics (UDP: size of the next datagram; TCP:
	 * bytes readable).  NULL: readable() is used. */
	uint32_t (*fionread)(struct socket *so);
	/* getsockname/getpeername (-ENOTCONN for an unconnected peer). */
	int (*sockname)(struct socket *so, struct sock_addr *a);
	int (*peername)(struct socket *so, struct sock_addr *a);
};

struct socket {
	struct stack *stack;
	int fd;         /* the descriptor it was created with (may be closed) */
	unsigned refs;  /* descriptors referring to it (fd_dup) */
	int family;     /* AF_INET, AF_INET6 */
	int type;       /* SOCK_DGRAM, SOCK_STREAM */
	int protocol;   /* IPPROTO_UDP, IPPROTO_TCP */
	uint32_t state; /* SS_* */
	bool nonblock;  /* O_NONBLOCK (informational: nothing ever blocks) */
	bool nospace;   /* a writer found no room (Linux's SOCK_NOSPACE): the
	                 * next growth of send space wakes epoll */
	int so_error;   /* pending error (positive errno) unless ops->error */
	/* SOL_SOCKET options */
	uint32_t rcvbuf, sndbuf; /* SO_RCVBUF, SO_SNDBUF: bytes, not doubled */
	bool reuseaddr, reuseport, keepalive, broadcast;
	bool linger_on;          /* SO_LINGER l_onoff */
	int linger;              /* SO_LINGER l_linger as last set with l_onoff (Linux
	                          * keeps it when lingering is turned off) */
	struct timeval rcvtimeo; /* SO_RCVTIMEO: kept, never waited on */
	struct timeval sndtimeo; /* SO_SNDTIMEO: kept, never waited on */
	int rcvlowat;            /* SO_RCVLOWAT: kept (>= 1) */
	const struct proto_ops *ops;
	void *pcb;                 /* the protocol's control block */
	struct list_node watchers; /* struct sock_watch */
};

int sock_init(struct stack *s);
void sock_fini(struct stack *s);

/* Descriptor table. */
int fd_alloc(struct stack *s, enum fd_kind kind, void *obj);
/* One past the highest descriptor the table can hand out (ff_getmaxfd). */
int fd_limit(struct stack *s);
/* The object of fd if it is of kind; NULL otherwise, with *err = -EBADF
 * (no such descriptor), or for another kind -ENOTSOCK when a socket was
 * asked for and -EINVAL when an epoll/kqueue was (Linux's epoll_ctl). */
void *fd_get(struct stack *s, int fd, enum fd_kind kind, int *err);
enum fd_kind fd_kind(struct stack *s, int fd);
void fd_release(struct stack *s, int fd);
/* FD_CLOEXEC of a descriptor (kept for F_GETFD; nothing here execs). */
bool fd_cloexec(struct stack *s, int fd);
void fd_set_cloexec(struct stack *s, int fd, bool on);
/* Closes a descriptor of any kind (the object goes with its last one):
 * 0 or -EBADF. */
int fd_close(struct stack *s, int fd);
/* dup (newfd < 0: the lowest free descriptor) and dup2 (newfd: closed
 * first if open): the new descriptor refers to oldfd's object.  Returns the
 * descriptor or -EBADF (oldfd not open; newfd outside the stack's range
 * [fd_reserve, ff_getmaxfd())), -EMFILE (dup: table full), -ENOMEM. */
int fd_dup(struct stack *s, int oldfd, int newfd);
/* Calls fn for every descriptor in use (for shutdown and the tools). */
void fd_foreach(struct stack *s, void (*fn)(struct stack *s, int fd, enum fd_kind k, void *obj));

/* Sockets. */
/* Creates a socket and its descriptor: fd or -errno (-EAFNOSUPPORT,
 * -ESOCKTNOSUPPORT, -EPROTONOSUPPORT, -EMFILE/-ENFILE, -ENOMEM). */
int sock_create(struct stack *s, int domain, int type, int protocol);
/* The protocols register themselves (udp_init, tcp_init). */
void sock_register_proto(struct stack *s, int type, const struct proto_ops *ops);
/* Creates a socket for a connection accepted on listener (fd or -errno). */
int sock_accept(struct stack *s, struct socket *listener, struct socket **nso, int flags);
/* Closes the socket behind fd (detaches watchers, then the protocol). */
int sock_close(struct stack *s, int fd);
/* Closes every descriptor (stack teardown). */
void sock_close_all(struct stack *s);
/* Descriptors in use (sockets, epoll instances, kqueues): for the tests'
 * leak checks. */
unsigned fd_count(struct stack *s);

/* Readiness.  sock_wakeup: events are the EPOLL* bits of what changed (0:
 * "something"); watchers recheck the level with sock_poll() when they
 * report, so over-notifying is safe and under-notifying is a bug. */
void sock_wakeup(struct socket *so, uint32_t events);
uint32_t sock_poll(struct socket *so);
void sock_watch_add(struct socket *so, struct sock_watch *w);
void sock_watch_del(struct sock_watch *w);

/* Linux sockaddr <-> sock_addr, with Linux's checks in Linux's order:
 * -EFAULT (NULL with a length), -EINVAL (length negative, beyond a
 * sockaddr_storage, or shorter than the socket family's sockaddr: 16 for
 * AF_INET, 24 for AF_INET6), -EAFNOSUPPORT (family not the socket's). */
int sock_addr_from_user(const struct socket *so, const struct sockaddr *sa, socklen_t len,
                        struct sock_addr *out);
/* Writes a sockaddr of a's family, truncated to *len; *len = full size. */
void sock_addr_to_user(const struct sock_addr *a, struct sockaddr *sa, socklen_t *len);

/* Socket options (SOL_SOCKET here; other levels go to the protocol). */
int sock_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                socklen_t len);
int sock_getopt(struct stack *s, struct socket *so, int level, int name, void *val, socklen_t *len);

/* SO_LINGER as a protocol acts on it at close: -1 off, 0 abort (RST), else
 * seconds (a negative l_linger is no abort: Linux waits "forever", FreeBSD
 * keeps the value; INT_MAX here). */
static inline int sock_linger(const struct socket *so)
{
	if (!so->linger_on)
		return -1;
	return so->linger < 0 ? INT32_MAX : so->linger;
}

/* Copies an option's value out as Linux's getsockopt does: at most *len
 * bytes (a shorter buffer gets the first ones, no error), *len becomes what
 * was copied; -EFAULT for a NULL buffer with room.  *len is not negative
 * (ff_getsockopt says EINVAL first). */
int sock_put_opt(void *val, socklen_t *len, const void *v, size_t size);
/* sock_put_opt of an int option's value. */
int sock_put_int(void *val, socklen_t *len, int v);
/* Reads an int option's value for setsockopt: -EINVAL for a NULL or short
 * buffer (Linux's "optlen < sizeof(int)"). */
int sock_opt_int(const void *val, socklen_t len, int *out);

/* Total length of an iovec array. */
size_t iov_total(const struct iovec *iov, int iovcnt);

/* The socket's pending error (positive errno or 0), from the one place it
 * lives (see "Plugging a protocol in", 4); clear: SO_ERROR semantics. */
int sock_error(struct socket *so, bool clear);

/* Takes the pending error (SO_ERROR semantics): -errno and clears it, or 0. */
static inline int sock_error_take(struct socket *so)
{
	return -sock_error(so, true);
}

#endif
