/* packetdrill_interface.h: the function table of packetdrill's
 * shared-object mode (packetdrill --so_filename=...), as fastack's adapter
 * (libfastack_packetdrill.c) fills it in and its test (test_adapter.c)
 * drives it.
 *
 * packetdrill dlopen()s the object, looks up packetdrill_interface_init
 * and calls it once with the --so_flags string; the object fills in the
 * table.  From then on packetdrill calls through the table: every slot
 * takes the table's userdata first and otherwise behaves as the system
 * call of the same name (-1 and errno on failure, Linux ABI values);
 * netdev_send/netdev_receive carry bare IP packets between the scripted
 * peer and the stack; free ends the instance.
 *
 * Declared here member for member, in packetdrill's order (the layout is
 * the ABI), so that nothing of packetdrill's sources is needed to build.
 */
#ifndef FASTACK_TESTS_PACKETDRILL_INTERFACE_H
#define FASTACK_TESTS_PACKETDRILL_INTERFACE_H

#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct packetdrill_interface {
	void *userdata;
	/* Ends the instance; sockets may still be open. */
	void (*free)(void *userdata);
	int (*socket)(void *userdata, int domain, int type, int protocol);
	int (*bind)(void *userdata, int fd, const struct sockaddr *addr, socklen_t len);
	int (*listen)(void *userdata, int fd, int backlog);
	int (*accept)(void *userdata, int fd, struct sockaddr *addr, socklen_t *len);
	int (*connect)(void *userdata, int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*read)(void *userdata, int fd, void *buf, size_t count);
	ssize_t (*readv)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(void *userdata, int fd, void *buf, size_t len, int flags);
	ssize_t (*recvfrom)(void *userdata, int fd, void *buf, size_t len, int flags,
	                    struct sockaddr *src, socklen_t *srclen);
	ssize_t (*recvmsg)(void *userdata, int fd, struct msghdr *msg, int flags);
	ssize_t (*write)(void *userdata, int fd, const void *buf, size_t count);
	ssize_t (*writev)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*send)(void *userdata, int fd, const void *buf, size_t len, int flags);
	ssize_t (*sendto)(void *userdata, int fd, const void *buf, size_t len, int flags,
	                  const struct sockaddr *dst, socklen_t dstlen);
	ssize_t (*sendmsg)(void *userdata, int fd, const struct msghdr *msg, int flags);
	int (*fcntl)(void *userdata, int fd, int cmd, ...);
	int (*ioctl)(void *userdata, int fd, unsigned long request, ...);
	int (*close)(void *userdata, int fd);
	int (*shutdown)(void *userdata, int fd, int how);
	int (*getsockopt)(void *userdata, int fd, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(void *userdata, int fd, int level, int name, const void *val,
	                  socklen_t len);
	int (*poll)(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);
	/* A packet from the scripted peer to the stack: 0 or -1. */
	int (*netdev_send)(void *userdata, const void *buf, size_t count);
	/* The next packet the stack sent: *count in = room, out = length;
	 * *time_usecs = when it was sent.  0 or -1. */
	int (*netdev_receive)(void *userdata, void *buf, size_t *count, long long *time_usecs);
	int (*usleep)(void *userdata, useconds_t usec);
	int (*gettimeofday)(void *userdata, struct timeval *tv, struct timezone *tz);
	int (*epoll_create)(void *userdata, int size);
	int (*epoll_ctl)(void *userdata, int epfd, int op, int fd, struct epoll_event *ev);
	int (*epoll_wait)(void *userdata, int epfd, struct epoll_event *events, int maxevents,
	                  int timeout);
	int (*pipe)(void *userdata, int pipefd[2]);
	int (*splice)(void *userdata, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
	              size_t len, unsigned int flags);
};

/* The one symbol packetdrill looks up: fills in *ifc from flags (the
 * --so_flags string, may be NULL). */
typedef void (*packetdrill_interface_init_t)(const char *flags, struct packetdrill_interface *ifc);

#endif
