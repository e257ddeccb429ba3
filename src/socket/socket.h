/* socket.h: sockets, the per-stack descriptor table, and readiness.
 *
 * A socket is protocol-independent state (type, options, error, flags) plus
 * a protocol control block reached through a struct proto_ops, one per
 * protocol (UDP in src/udp, TCP in src/tcp).  The ff_* API (src/api) checks
 * arguments, finds the socket by descriptor and calls the socket functions
 * here, which call the protocol.
 *
 * Descriptors: one table per stack, holding sockets, epoll instances and
 * kqueues (a kind tag per entry).  Numbers are small ints, the lowest free
 * first (as POSIX), from SOCK_FD_BASE up to kern.maxfiles; the table grows
 * on demand.
 *
 * Readiness (DESIGN.md, "Events"): a socket keeps a list of watchers (epoll
 * items, kqueue knotes).  Protocol code calls sock_wakeup(so, events) when
 * something a user may wait for happened; each watcher's notify callback
 * pushes itself onto its instance's ready list in O(1).  Nothing ever scans
 * all sockets.  The level is asked with sock_poll() (EPOLL* bits).
 *
 * fastack sockets never block: where a blocking socket would sleep, the
 * call returns EAGAIN (F-Stack's loop model: the application is called from
 * the stack's own loop and must return to it).
 */
#ifndef FASTACK_SOCKET_SOCKET_H
#define FASTACK_SOCKET_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/addr.h"
#include "base/counters.h"
#include "base/list.h"

struct stack;
struct socket;

#define SOCK_STATS(X)                                                        \
	X(so_created, "sockets created")                                     \
	X(so_closed, "sockets closed")                                       \
	X(so_nofd, "socket() failed: descriptor table full (kern.maxfiles)") \
	X(so_nomem, "socket() failed: no memory")
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
};

/* Socket state bits (so->state). */
#define SS_ISCONNECTED 0x0001u /* a peer is set (connected UDP; TCP established) */
#define SS_ISLISTENING 0x0002u
#define SS_CANTRCVMORE 0x0004u  /* shut down for reading, or EOF seen */
#define SS_CANTSENDMORE 0x0008u /* shut down for writing */
#define SS_ISBOUND 0x0010u
#define SS_ISCONNECTING 0x0020u

/* One protocol's user requests.  Every slot gets the stack and the socket;
 * returns are 0 / byte counts or -errno. */
struct proto_ops {
	/* Creates the protocol control block (so->pcb). */
	int (*attach)(struct stack *s, struct socket *so);
	/* The descriptor is closed: release the pcb (a protocol may keep the
	 * connection alive on its own, as TCP does for a graceful close). */
	void (*detach)(struct stack *s, struct socket *so);
	/* Binds to a local address (port 0: an ephemeral port). */
	int (*bind)(struct stack *s, struct socket *so, const struct sock_addr *a);
	/* Sets the peer (UDP) or starts an active open (TCP: -EINPROGRESS);
	 * a NULL address dissolves a UDP association (AF_UNSPEC). */
	int (*connect)(struct stack *s, struct socket *so, const struct sock_addr *a);
	/* Passive open with a backlog (NULL for protocols without it). */
	int (*listen)(struct stack *s, struct socket *so, int backlog);
	/* Takes a connection from the accept queue into the new socket nso
	 * (NULL for protocols without it). */
	int (*accept)(struct stack *s, struct socket *so, struct socket *nso);
	/* Sends from iov (to: NULL for the connected peer).  Bytes taken. */
	ssize_t (*send)(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
	                int flags, const struct sock_addr *to);
	/* Receives into iov; fills *from when not NULL and *msg_flags
	 * (MSG_TRUNC).  Bytes (the datagram's full size with MSG_TRUNC). */
	ssize_t (*recv)(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
	                int flags, struct sock_addr *from, int *msg_flags);
	/* SHUT_RD / SHUT_WR / SHUT_RDWR. */
	int (*shutdown)(struct stack *s, struct socket *so, int how);
	/* Protocol-level options (IPPROTO_TCP, ...) and SOL_SOCKET options the
	 * protocol must know of (called after the socket layer stored them). */
	int (*setopt)(struct stack *s, struct socket *so, int level, int name, const void *val,
	              socklen_t len);
	int (*getopt)(struct stack *s, struct socket *so, int level, int name, void *val,
	              socklen_t *len);
	/* Readiness level: EPOLLIN/OUT/ERR/HUP/RDHUP bits. */
	uint32_t (*poll)(struct socket *so);
	/* Bytes readable (FIONREAD, kqueue data); send space (kqueue data). */
	uint32_t (*readable)(struct socket *so);
	uint32_t (*writable)(struct socket *so);
	/* FIONREAD: Linux semantics (UDP: size of the next datagram; TCP:
	 * bytes readable). */
	uint32_t (*fionread)(struct socket *so);
	/* Local and peer addresses (-ENOTCONN for an unconnected peer). */
	int (*sockname)(struct socket *so, struct sock_addr *a);
	int (*peername)(struct socket *so, struct sock_addr *a);
};

struct socket {
	struct stack *stack;
	int fd;
	int family;     /* AF_INET, AF_INET6 */
	int type;       /* SOCK_DGRAM, SOCK_STREAM */
	int protocol;   /* IPPROTO_UDP, IPPROTO_TCP */
	uint32_t state; /* SS_* */
	bool nonblock;  /* O_NONBLOCK (informational: nothing ever blocks) */
	bool cloexec;   /* FD_CLOEXEC (kept for F_GETFD) */
	int so_error;   /* pending error (positive errno), SO_ERROR */
	/* SOL_SOCKET options */
	uint32_t rcvbuf, sndbuf;
	bool reuseaddr, reuseport, keepalive, broadcast;
	int linger; /* -1: off; else seconds */
	const struct proto_ops *ops;
	void *pcb;
	struct list_node watchers; /* struct sock_watch */
};

int sock_init(struct stack *s);
void sock_fini(struct stack *s);

/* Descriptor table. */
int fd_alloc(struct stack *s, enum fd_kind kind, void *obj);
/* The object of fd if it is of kind; NULL with *err = -EBADF (no such
 * descriptor) or -ENOTSOCK (another kind) otherwise. */
void *fd_get(struct stack *s, int fd, enum fd_kind kind, int *err);
enum fd_kind fd_kind(struct stack *s, int fd);
void fd_release(struct stack *s, int fd);
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

/* Readiness. */
void sock_wakeup(struct socket *so, uint32_t events);
uint32_t sock_poll(struct socket *so);
void sock_watch_add(struct socket *so, struct sock_watch *w);
void sock_watch_del(struct sock_watch *w);

/* Linux sockaddr <-> sock_addr.  from: -EINVAL (length), -EAFNOSUPPORT
 * (family not the socket's). */
int sock_addr_from_user(const struct socket *so, const struct sockaddr *sa, socklen_t len,
                        struct sock_addr *out);
/* Writes a sockaddr of a's family, truncated to *len; *len = full size. */
void sock_addr_to_user(const struct sock_addr *a, struct sockaddr *sa, socklen_t *len);

/* Socket options (SOL_SOCKET here; other levels go to the protocol). */
int sock_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                socklen_t len);
int sock_getopt(struct stack *s, struct socket *so, int level, int name, void *val, socklen_t *len);

/* Copies between iovecs and flat memory (bounded by the iovec total). */
size_t iov_total(const struct iovec *iov, int iovcnt);

#endif
