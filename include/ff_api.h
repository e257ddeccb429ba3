/* ff_api.h: the fastack application API.
 *
 * The same functions, types and semantics as F-Stack's ff_api.h, so F-Stack
 * programs build unchanged; errors are -1 with errno set to Linux values.
 * Extensions (not in F-Stack) are marked "fastack extension".
 *
 * A program calls ff_init() once, then ff_run(loop, arg): the loop function
 * is called once per pass of the stack's poll loop, and does its socket work
 * with non-blocking ff_* calls, typically driven by ff_epoll_wait() or
 * ff_kevent() with a zero timeout.
 */
#ifndef FF_API_H
#define FF_API_H

#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "ff_epoll.h"
#include "ff_errno.h"
#include "ff_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The sockaddr of F-Stack's API: Linux layout. */
/* Everything declared here is exported from libfastack (which is built with
 * -fvisibility=hidden; src/libfastack.map lists ff_* only). */
#pragma GCC visibility push(default)

struct linux_sockaddr {
	short sa_family;
	char sa_data[14];
};

/* Linux's and FreeBSD's numbers for AF_INET6 (F-Stack's programs convert
 * between them; fastack's API takes Linux's, AF_INET6 of <sys/socket.h>). */
#define AF_INET6_LINUX 10
#define PF_INET6_LINUX AF_INET6_LINUX
#define AF_INET6_FREEBSD 28
#define PF_INET6_FREEBSD AF_INET6_FREEBSD

typedef int (*loop_func_t)(void *arg);

/* Starts the EAL, reads the configuration (--conf FILE, --proc-type,
 * --proc-id), brings the ports up and creates this process's stacks (one
 * per lcore of lcore_mask; the calling thread's is stack 0).  Returns 0,
 * or -1 after printing what was wrong. */
int ff_init(int argc, char *const argv[]);
/* Runs the poll loop, calling loop(arg) once per pass, until ff_stop_run().
 * With several stacks (threads mode), called on ff_init's thread, it runs
 * the loop on every lcore of the mask, each thread on its own stack, and
 * returns when all have stopped. */
void ff_run(loop_func_t loop, void *arg);
/* Makes ff_run() return after the current pass: every stack's loop. */
void ff_stop_run(void);

/* POSIX-like socket API. */
int ff_fcntl(int fd, int cmd, ...);
int ff_sysctl(const int *name, unsigned int namelen, void *oldp, size_t *oldlenp, const void *newp,
              size_t newlen);
int ff_ioctl(int fd, unsigned long request, ...);

int ff_socket(int domain, int type, int protocol);
int ff_setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen);
int ff_getsockopt(int s, int level, int optname, void *optval, socklen_t *optlen);
int ff_listen(int s, int backlog);
int ff_bind(int s, const struct linux_sockaddr *addr, socklen_t addrlen);
int ff_accept(int s, struct linux_sockaddr *addr, socklen_t *addrlen);
int ff_accept4(int s, struct linux_sockaddr *addr, socklen_t *addrlen, int flags);
int ff_connect(int s, const struct linux_sockaddr *name, socklen_t namelen);
int ff_close(int fd);
int ff_shutdown(int s, int how);
int ff_getpeername(int s, struct linux_sockaddr *name, socklen_t *namelen);
int ff_getsockname(int s, struct linux_sockaddr *name, socklen_t *namelen);

ssize_t ff_read(int d, void *buf, size_t nbytes);
ssize_t ff_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t ff_write(int fd, const void *buf, size_t nbytes);
ssize_t ff_writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t ff_send(int s, const void *buf, size_t len, int flags);
ssize_t ff_sendto(int s, const void *buf, size_t len, int flags, const struct linux_sockaddr *to,
                  socklen_t tolen);
ssize_t ff_sendmsg(int s, const struct msghdr *msg, int flags);
ssize_t ff_recv(int s, void *buf, size_t len, int flags);
ssize_t ff_recvfrom(int s, void *buf, size_t len, int flags, struct linux_sockaddr *from,
                    socklen_t *fromlen);
ssize_t ff_recvmsg(int s, struct msghdr *msg, int flags);

int ff_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
              struct timeval *timeout);
int ff_poll(struct pollfd fds[], nfds_t nfds, int timeout);

int ff_kqueue(void);
int ff_kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
              int nevents, const struct timespec *timeout);
int ff_kevent_do_each(int kq, const struct kevent *changelist, int nchanges, void *eventlist,
                      int nevents, const struct timespec *timeout,
                      void (*do_each)(void **, struct kevent *));

/* tz as glibc >= 2.31 declares gettimeofday's (and F-Stack for it). */
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 31)
int ff_gettimeofday(struct timeval *tv, void *tz);
#else
int ff_gettimeofday(struct timeval *tv, struct timezone *tz);
#endif
int ff_dup(int oldfd);
int ff_dup2(int oldfd, int newfd);

/* Non-zero if fd is one of the calling thread's stack's descriptors. */
int ff_fdisused(int fd);
/* The most descriptors the stack hands out (kern.maxfiles). */
int ff_getmaxfd(void);
/* The ports' traffic so far; buffer holds a struct ff_traffic_args. */
struct ff_traffic_args {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};
void ff_get_traffic(void *buffer);

/* Routing table control (F-Stack's ff_route_ctl). */
enum FF_ROUTE_CTL { FF_ROUTE_ADD, FF_ROUTE_DEL, FF_ROUTE_CHANGE };
enum FF_ROUTE_FLAG { FF_RTF_HOST, FF_RTF_GATEWAY };
int ff_route_ctl(enum FF_ROUTE_CTL req, enum FF_ROUTE_FLAG flag, struct linux_sockaddr *dst,
                 struct linux_sockaddr *gw, struct linux_sockaddr *netmask);

/* --- F-Stack's calls beyond sockets (src/api/ff_compat*.c; README,
 * "F-Stack's API and configuration in fastack") --- */

/* Threads that share the creating thread's stack (F-Stack gives the new
 * thread its creator's context): the start routine may call ff_* on the
 * creator's stack, which it must not do while the creator's ff_run runs. */
int ff_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start_routine)(void *),
                      void *arg);
int ff_pthread_join(pthread_t thread, void **retval);

/* Packet dispatcher: shown every received frame before Ethernet input, on
 * every stack of the process.  Its verdict: the queue (stack index) that
 * is to handle the frame (its own: processed as usual; another stack's:
 * dropped and counted, fastack has no hand-over between stacks yet),
 * FF_DISPATCH_ERROR: the frame is dropped (counted), FF_DISPATCH_RESPONSE:
 * the frame, changed in place to *len bytes, goes back out of its port. */
#define FF_DISPATCH_ERROR (-1)
#define FF_DISPATCH_RESPONSE (-2)
typedef int (*dispatch_func_t)(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues);
struct ff_dispatcher_context {
	struct {
		uint8_t stripped;  /* the NIC removed the 802.1Q tag */
		uint16_t vlan_tci; /* and this was its TCI */
	} vlan;
};
typedef int (*dispatch_func_context_t)(void *data, uint16_t *len, uint16_t queue_id,
                                       uint16_t nb_queues, struct ff_dispatcher_context context);
/* Registers (NULL: removes) the process's dispatcher; the last call wins. */
void ff_regist_packet_dispatcher(dispatch_func_t func);
void ff_regist_packet_dispatcher_context(dispatch_func_context_t func);
/* Sends a whole Ethernet frame of total bytes, as given, out of DPDK port
 * port_id (one of [dpdk] port_list) of the calling thread's stack.  0, or
 * -1 with errno (EBADF: no stack; ENODEV: not a port of the stack;
 * EINVAL: bad length; ENOBUFS: no packet buffer). */
int ff_dpdk_raw_packet_send(void *data, int total, uint16_t port_id);

/* Source address choice for connect(): F-Stack asks this function for the
 * local address of an active open.  fastack picks the source from its
 * routes; registering a function is refused (it is not called): see
 * ff_regist_pcblddr_fun's entry in the README. */
typedef int (*pcblddr_func_t)(uint16_t family, void *dst_addr, uint16_t dst_port, void *src_addr);
void ff_regist_pcblddr_fun(pcblddr_func_t func);

/* FreeBSD-numbered calls of F-Stack's tools.  The option and ioctl calls
 * take FreeBSD's numbers and translate those fastack knows to the Linux
 * calls (ff_setsockopt, ff_ioctl); any other is -1/ENOPROTOOPT or ENOTTY.
 * ff_rtioctl (routing sockets) and ff_ngctl (netgraph) are -1/EOPNOTSUPP. */
int ff_ioctl_freebsd(int fd, unsigned long request, ...);
int ff_setsockopt_freebsd(int s, int level, int optname, const void *optval, socklen_t optlen);
int ff_getsockopt_freebsd(int s, int level, int optname, void *optval, socklen_t *optlen);
int ff_rtioctl(int fib, void *data, unsigned *plen, unsigned maxlen);
enum FF_NGCTL_CMD { NGCTL_SOCKET, NGCTL_BIND, NGCTL_CONNECT, NGCTL_SEND, NGCTL_RECV, NGCTL_CLOSE };
int ff_ngctl(int cmd, void *data);

/* Zero-copy write.  ff_zc_mbuf_get takes packet buffers for len bytes from
 * the calling thread's stack; ff_zc_mbuf_write copies the application's
 * bytes into them (several calls append); ff_write(fd, m->bsd_mbuf, n) of
 * a TCP socket then links those buffers into the send buffer without a
 * copy (n at most the bytes written; the rest is freed).  If the socket has
 * no room for all n bytes, ff_write says EAGAIN and the chain stays the
 * application's, to write later; ff_zc_mbuf_get with an m still holding
 * an unwritten chain frees that chain first.  ff_zc_mbuf_read copies the
 * chain's bytes out. */
struct ff_zc_mbuf {
	void *bsd_mbuf;     /* the chain's head: what ff_write takes */
	void *bsd_mbuf_off; /* the buffer being written */
	int off;            /* bytes written so far (not for the application) */
	int len;            /* bytes the chain holds */
};
int ff_zc_mbuf_get(struct ff_zc_mbuf *m, int len);
/* Appends len bytes: len, or -1/EINVAL (no chain, or past m->len). */
int ff_zc_mbuf_write(struct ff_zc_mbuf *m, const char *data, int len);
/* Copies up to len bytes of what was written, from the start: the count,
 * or -1/EINVAL. */
int ff_zc_mbuf_read(struct ff_zc_mbuf *m, const char *data, int len);

/* F-Stack's LD_PRELOAD thread contexts (a FreeBSD struct thread per user
 * thread).  fastack has no such context: ff_adapt_user_thread_add and
 * ff_switch_curthread return NULL with errno ENOTSUP; the other two do
 * nothing for the NULL they were given and refuse anything else (EINVAL). */
void *ff_adapt_user_thread_add(void *parent);
void ff_adapt_user_thread_exit(void *td);
void *ff_switch_curthread(void *new_curthread);
void ff_restore_curthread(void *old_curthread);

/* --- fastack extensions --- */

/* Counters: visits every counter of the calling thread's stack as
 * ("group.name", value, description).  Returns the number visited. */
typedef void (*ff_stat_fn)(const char *name, uint64_t value, const char *desc, void *arg);
int ff_stats_foreach(ff_stat_fn fn, void *arg);
/* Reads one counter by "group.name" (e.g. "ip.ips_badsum"); 0 or -1/ENOENT. */
int ff_stats_get(const char *name, uint64_t *value);
/* Prints every non-zero counter to f (a FILE *), one per line. */
void ff_stats_print(void *f);
/* The same counters, each summed over every stack of the process (threads
 * mode: one stack per lcore).  While other stacks run, each value is read
 * without stopping them: a snapshot that may be a few passes apart between
 * counters; exact once ff_run has returned.  Same returns as above. */
int ff_stats_total_foreach(ff_stat_fn fn, void *arg);
int ff_stats_total_get(const char *name, uint64_t *value);
void ff_stats_total_print(void *f);
/* The calling thread's stack: its index 0..ff_stack_count()-1 (stack i runs
 * on the i-th lcore of lcore_mask and owns queue i of every port), and the
 * number of stacks in the process.  -1/ENXIO on a thread with no stack.
 * Descriptors are per stack: each ff_* call acts on the calling thread's. */
int ff_stack_index(void);
int ff_stack_count(void);
/* The calling thread's packet-buffer pool (gauges, not counters): its
 * size, the buffers free now and the fewest seen free, and the pressure
 * level (0 ok, 1 below fastack.mem.lowat, 2 below fastack.mem.minwat). */
struct ff_pool_info {
	uint64_t size, free, free_lowest;
	int level;
};
int ff_pool_info(struct ff_pool_info *pi);
/* Reads or writes a knob by its sysctl name (e.g. "net.inet.icmp.icmplim").
 * oldval may be NULL; newval NULL reads only.  0 or -1 (ENOENT, ERANGE).  A
 * knob whose values are names (net.inet.tcp.cc.algorithm: newreno, cubic)
 * is read and written as the index of its name (docs/knobs.md). */
int ff_sysctl_knob(const char *name, int64_t *oldval, const int64_t *newval);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
