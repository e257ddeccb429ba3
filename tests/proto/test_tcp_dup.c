/* test_tcp_dup.c: ff_dup and ff_dup2 (src/socket/socket.c fd_dup) as
 * POSIX dup/dup2: descriptors sharing one socket, epoll instance or kqueue,
 * which lives until the last of them closes.
 *
 * A TCP connection goes on carrying data through a dup after the original
 * descriptor closed, and the peer sees the FIN only at the last close;
 * dup2 onto an open socket closes that socket first (its peer sees the
 * FIN); dup2(fd, fd) is fd.  Registrations: epoll items are keyed by
 * (socket, descriptor) and outlive their descriptor until the socket's
 * last close (Linux's ep_find/eventpoll_release); kqueue knotes are keyed
 * by descriptor and go when it closes (FreeBSD's knote_fdclose).  Errors
 * are Linux's: EBADF for a descriptor not open or a dup2 target out of
 * range (here: below fastack.fd_reserve or at or above ff_getmaxfd()),
 * EMFILE when the table (kern.maxfiles) is full.
 */
#include <limits.h>

#include "test_tcp_sock.h"

#define PORT 8080

#define IORH (EPOLLIN | EPOLLOUT | EPOLLRDHUP)

/* fd on the calling stack reads exactly want (a string) now. */
#define EXPECT_READ(fd, want)                                               \
	do {                                                                \
		char b_[64];                                                \
		ssize_t n_ = ff_read((fd), b_, sizeof(b_));                 \
		CHECK_EQ(n_, (ssize_t)strlen(want));                        \
		if (n_ > 0)                                                 \
			CHECK(memcmp(b_, (want), (size_t)n_) == 0, "data"); \
	} while (0)

TEST(dup_carries_data_after_the_original_closes_and_fin_waits_for_the_last)
{
	struct conn c;
	int d;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
	d = ff_dup(c.sfd);
	CHECK(d >= 0 && d != c.sfd && ff_fdisused(d));
	/* Both descriptors are the one connection: data through either. */
	CHECK_EQ(ff_write(c.sfd, "one", 3), 3);
	CHECK_EQ(ff_write(d, "two", 3), 3);
	h_pair_run_ms(&c.h, 300); /* "two" waits for the ACK of "one" (Nagle) */
	ON(c.h.b);
	EXPECT_READ(c.cfd, "onetwo");
	CHECK_EQ(ff_write(c.cfd, "back", 4), 4);
	h_pair_run_ms(&c.h, 2);
	/* The original closes: the connection does not. */
	ON(c.h.a);
	CHECK_EQ(ff_close(c.sfd), 0);
	CHECK(!ff_fdisused(c.sfd));
	CHECK_ERR(ff_write(c.sfd, "x", 1), EBADF);
	EXPECT_READ(d, "back");
	CHECK_EQ(ff_write(d, "three", 5), 5);
	h_pair_run_ms(&c.h, 200);
	ON(c.h.b);
	EXPECT_READ(c.cfd, "three");
	EXPECT_LEVEL(c.cfd, EPOLLOUT); /* no FIN */
	CHECK_ERR(ff_read(c.cfd, (char[4]){ 0 }, 4), EAGAIN);
	ON(c.h.a);
	EXPECT_LEVEL(d, EPOLLOUT);
	/* The last descriptor closes: now the FIN. */
	CHECK_EQ(ff_close(d), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IORH);
	CHECK_EQ(ff_read(c.cfd, (char[4]){ 0 }, 4), 0);
	c.sfd = -1;
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(dup2_replaces_an_open_socket_and_dup2_onto_itself_is_a_no_op)
{
	struct conn c;
	int cfd2, sfd2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	CONN_MORE(&c, &cfd2, &sfd2);
	ON(c.h.a);
	CHECK_EQ(ff_dup2(c.sfd, c.sfd), c.sfd);
	CHECK(ff_fdisused(c.sfd));
	/* sfd2 is closed first (its connection ends: FIN to cfd2), then
	 * refers to the first connection. */
	CHECK_EQ(ff_dup2(c.sfd, sfd2), sfd2);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(cfd2, IORH);
	CHECK_EQ(ff_read(cfd2, (char[4]){ 0 }, 4), 0);
	ON(c.h.a);
	CHECK_EQ(ff_write(sfd2, "via2", 4), 4);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_READ(c.cfd, "via2");
	/* dup2 onto a descriptor of the same socket: still one socket. */
	ON(c.h.a);
	CHECK_EQ(ff_dup2(sfd2, c.sfd), c.sfd);
	CHECK_EQ(ff_close(c.sfd), 0);
	CHECK_EQ(ff_write(sfd2, "ok", 2), 2);
	h_pair_run_ms(&c.h, 300); /* after the delayed ACK of "via2" (Nagle) */
	ON(c.h.b);
	EXPECT_READ(c.cfd, "ok");
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	ON(c.h.a);
	CHECK_EQ(ff_close(sfd2), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IORH);
	CHECK_EQ(ff_close(cfd2), 0);
	c.sfd = -1;
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* Events reported by ep now: the count; their data.u64 in *tags (bit per
 * tag). */
static int ep_tags(int ep, uint64_t *tags)
{
	struct epoll_event e[8];
	int n = ff_epoll_wait(ep, e, 8, 0);

	*tags = 0;
	for (int i = 0; i < n; i++)
		*tags |= 1ull << e[i].data.u64;
	return n;
}

TEST(epoll_items_are_keyed_by_socket_and_descriptor_as_linux)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn c;
	uint64_t tags;
	int d, ep, ep2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
	d = ff_dup(c.sfd);
	ep = ff_epoll_create(1);
	CHECK(d >= 0 && ep >= 0);
	ev.data.u64 = 1;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, c.sfd, &ev), 0);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, c.sfd, &ev), EEXIST);
	ev.data.u64 = 2;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev), 0); /* another key */
	CHECK_EQ(ep_tags(ep, &tags), 0);
	ON(c.h.b);
	CHECK_EQ(ff_write(c.cfd, "hi", 2), 2);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.a);
	CHECK_EQ(ep_tags(ep, &tags), 2);
	CHECK_EQ(tags, 6u);
	/* The epoll instance dup'd: the original closes, the copy works. */
	ep2 = ff_dup(ep);
	CHECK(ep2 >= 0);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ep_tags(ep2, &tags), 2);
	/* sfd closes: its item stays while d keeps the socket open (Linux),
	 * but can no longer be named. */
	CHECK_EQ(ff_close(c.sfd), 0);
	CHECK_EQ(ep_tags(ep2, &tags), 2);
	CHECK_EQ(tags, 6u);
	CHECK_ERR(ff_epoll_ctl(ep2, EPOLL_CTL_DEL, c.sfd, NULL), EBADF);
	CHECK_EQ(ff_epoll_ctl(ep2, EPOLL_CTL_DEL, d, NULL), 0);
	CHECK_EQ(ep_tags(ep2, &tags), 1);
	CHECK_EQ(tags, 2u);
	/* The last close of the socket removes the remaining item. */
	CHECK_EQ(ff_close(d), 0);
	CHECK_EQ(ep_tags(ep2, &tags), 0);
	CHECK_EQ(ff_close(ep2), 0);
	c.sfd = -1;
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(kqueue_knotes_are_keyed_by_descriptor_as_freebsd)
{
	struct kevent ch[2], out[4];
	struct conn c;
	int d, kq, kq2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
	d = ff_dup(c.sfd);
	kq = ff_kqueue();
	CHECK(d >= 0 && kq >= 0);
	EV_SET(&ch[0], c.sfd, EVFILT_READ, EV_ADD, 0, 0, NULL);
	EV_SET(&ch[1], d, EVFILT_READ, EV_ADD, 0, 0, NULL);
	CHECK_EQ(ff_kevent(kq, ch, 2, NULL, 0, NULL), 0);
	ON(c.h.b);
	CHECK_EQ(ff_write(c.cfd, "hey", 3), 3);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.a);
	CHECK_EQ(ff_kevent(kq, NULL, 0, out, 4, NULL), 2);
	CHECK((out[0].ident == (uintptr_t)c.sfd && out[1].ident == (uintptr_t)d) ||
	      (out[0].ident == (uintptr_t)d && out[1].ident == (uintptr_t)c.sfd));
	CHECK_EQ(out[0].data, 3);
	/* The kqueue dup'd, the original closed: the copy works. */
	kq2 = ff_dup(kq);
	CHECK(kq2 >= 0);
	CHECK_EQ(ff_close(kq), 0);
	/* sfd closes: its knote goes with it; d's stays. */
	CHECK_EQ(ff_close(c.sfd), 0);
	CHECK_EQ(ff_kevent(kq2, NULL, 0, out, 4, NULL), 1);
	CHECK_EQ(out[0].ident, (uintptr_t)d);
	CHECK_EQ(out[0].data, 3);
	EV_SET(&ch[0], c.sfd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	CHECK_ERR(ff_kevent(kq2, ch, 1, NULL, 0, NULL), EBADF);
	CHECK_EQ(ff_close(d), 0);
	CHECK_EQ(ff_kevent(kq2, NULL, 0, out, 4, NULL), 0);
	CHECK_EQ(ff_close(kq2), 0);
	c.sfd = -1;
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(errors_ebadf_emfile_and_fd_reserve)
{
	int64_t k[KNOB_COUNT];
	struct h_one h;
	int fd, n, top;

	for (unsigned i = 0; i < KNOB_COUNT; i++)
		k[i] = knob_table[i].def;
	k[KNOB_SOCK_FD_RESERVE] = 1024;
	k[KNOB_SOCK_MAX_FDS] = 16;
	h_one_create(&h, NULL, k);
	ON(h.s);
	top = ff_getmaxfd(); /* 1040: 1024..1039 are the stack's */
	CHECK_EQ(top, 1040);
	CHECK_ERR(ff_dup(-1), EBADF);
	CHECK_ERR(ff_dup(1024), EBADF); /* not open */
	CHECK_ERR(ff_dup(0), EBADF);    /* the kernel's */
	CHECK_ERR(ff_dup2(1024, 1025), EBADF);
	CHECK_ERR(ff_dup2(1024, 1024), EBADF); /* dup2(fd, fd) of a closed fd */
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fd, 1024);
	/* dup2 targets outside the stack's numbers. */
	CHECK_ERR(ff_dup2(fd, -1), EBADF);
	CHECK_ERR(ff_dup2(fd, 2), EBADF);
	CHECK_ERR(ff_dup2(fd, 1023), EBADF);
	CHECK_ERR(ff_dup2(fd, top), EBADF);
	CHECK_ERR(ff_dup2(fd, INT_MAX), EBADF);
	/* The highest number is a valid target; dup takes the lowest free. */
	CHECK_EQ(ff_dup2(fd, top - 1), top - 1);
	for (n = 1; n < 15; n++)
		CHECK_EQ(ff_dup(fd), 1024 + n);
	CHECK_ERR(ff_dup(fd), EMFILE);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, 0), EMFILE);
	/* All 16 are the one socket: closing 15 leaves it open. */
	for (n = 0; n < 15; n++)
		CHECK_EQ(ff_close(1024 + n), 0);
	CHECK_EQ(fd_count(h.s), 1u);
	{
		int v = 0;
		socklen_t len = sizeof(v);

		CHECK_EQ(ff_getsockopt(top - 1, SOL_SOCKET, SO_TYPE, &v, &len), 0);
		CHECK_EQ(v, SOCK_DGRAM);
	}
	CHECK_EQ(ff_close(top - 1), 0);
	CHECK_EQ(fd_count(h.s), 0u);
	CHECK_EQ(h.s->stats.sock.so_closed, 1u);
	h_one_destroy(&h);
}

/* O_NONBLOCK belongs to the socket, shared by its descriptors; FD_CLOEXEC
 * to each descriptor, clear on a dup (POSIX). */
TEST(nonblock_is_shared_cloexec_is_per_descriptor)
{
	struct h_one h;
	int fd, d;

	h_one_create(&h, NULL, NULL);
	ON(h.s);
	fd = ff_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ff_fcntl(fd, F_GETFD), FD_CLOEXEC);
	d = ff_dup(fd);
	CHECK(d >= 0);
	CHECK_EQ(ff_fcntl(d, F_GETFD), 0);
	CHECK_EQ(ff_fcntl(d, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(ff_fcntl(fd, F_SETFD, 0), 0);
	CHECK_EQ(ff_fcntl(d, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(ff_fcntl(fd, F_GETFD), 0);
	CHECK_EQ(ff_fcntl(d, F_GETFL) & O_NONBLOCK, 0);
	CHECK_EQ(ff_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ff_fcntl(d, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_EQ(ff_dup2(fd, d), d); /* a dup2 target's FD_CLOEXEC is clear */
	CHECK_EQ(ff_fcntl(d, F_GETFD), 0);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(ff_close(d), 0);
	CHECK_EQ(fd_count(h.s), 0u);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
