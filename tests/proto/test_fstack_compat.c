/* test_fstack_compat.c: what F-Stack's own example programs ask of the
 * API beyond plain IPv4 sockets (issue 15), through the public ff_* calls:
 *   - an IPv6 TCP socket binds the unspecified address and listens beside
 *     the IPv4 listener of the same port (FreeBSD's v6only default), as
 *     F-Stack's main.c built with -DINET6 does; it never hears a segment
 *     until the IP layer has IPv6, and its connect() finds no route;
 *   - ff_epoll_create(0) makes an instance (F-Stack ignores the size).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ff_api.h"
#include "ff_config.h"
#include "harness.h"
#include "stack/stack.h"

#define CHECK_ERR(call, e)                                                                \
	do {                                                                              \
		errno = 0;                                                                \
		long r_ = (long)(call);                                                   \
		int e_ = errno;                                                           \
		if (r_ != -1 || e_ != (e))                                                \
			harness_fail(__FILE__, __LINE__,                                  \
			             "%s = %ld, errno %d (%s), expected "                 \
			             "-1, errno %d (%s)",                                 \
			             #call, r_, e_, strerror(e_), (int)(e), strerror(e)); \
	} while (0)

static struct linux_sockaddr *sin6(struct sockaddr_in6 *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	if (ip)
		CHECK_EQ(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	return (struct linux_sockaddr *)a;
}

static struct linux_sockaddr *sin4(struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	return (struct linux_sockaddr *)a;
}

TEST(ipv6_listener_beside_ipv4_as_fstack_main_c)
{
	struct h_one h;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6, got;
	socklen_t len = sizeof(got);
	int fd4, fd6, dup6, c6, u6, kq;
	struct kevent kev;

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	/* main.c's order: the IPv4 listener on port 80, then the IPv6 one. */
	fd4 = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd4 >= 0);
	CHECK_EQ(ff_bind(fd4, sin4(&a4, 80), sizeof(a4)), 0);
	CHECK_EQ(ff_listen(fd4, 512), 0);
	fd6 = ff_socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(fd6 >= 0);
	CHECK_EQ(ff_bind(fd6, sin6(&a6, NULL, 80), sizeof(a6)), 0);
	CHECK_EQ(ff_listen(fd6, 512), 0);
	kq = ff_kqueue();
	EV_SET(&kev, fd6, EVFILT_READ, EV_ADD, 0, 512, NULL);
	CHECK_EQ(ff_kevent(kq, &kev, 1, NULL, 0, NULL), 0);
	CHECK_EQ(ff_getsockname(fd6, (struct linux_sockaddr *)&got, &len), 0);
	CHECK_EQ(len, sizeof(got));
	CHECK_EQ(got.sin6_family, AF_INET6);
	CHECK_EQ(ntohs(got.sin6_port), 80);
	/* A second IPv6 listener on the port is refused; an address that is
	 * no netif's is not bindable. */
	dup6 = ff_socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_ERR(ff_bind(dup6, sin6(&a6, NULL, 80), sizeof(a6)), EADDRINUSE);
	CHECK_ERR(ff_bind(dup6, sin6(&a6, "2001:2::9", 81), sizeof(a6)), EADDRNOTAVAIL);
	/* An IPv6 listener without bind takes an ephemeral port. */
	CHECK_EQ(ff_listen(dup6, 4), 0);
	len = sizeof(got);
	CHECK_EQ(ff_getsockname(dup6, (struct linux_sockaddr *)&got, &len), 0);
	CHECK(ntohs(got.sin6_port) != 0);
	/* No IPv6 route exists: connect says so. */
	c6 = ff_socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(ff_connect(c6, sin6(&a6, "2001:2::2", 80), sizeof(a6)), ENETUNREACH);
	/* IPv6 UDP is not there yet. */
	u6 = ff_socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_ERR(ff_bind(u6, sin6(&a6, NULL, 53), sizeof(a6)), EAFNOSUPPORT);
	CHECK_EQ(ff_close(u6), 0);
	CHECK_EQ(ff_close(c6), 0);
	CHECK_EQ(ff_close(dup6), 0);
	CHECK_EQ(ff_close(kq), 0);
	CHECK_EQ(ff_close(fd6), 0);
	CHECK_EQ(ff_close(fd4), 0);
	h_one_destroy(&h);
}

TEST(epoll_create_ignores_the_size)
{
	struct h_one h;
	int ep;

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	ep = ff_epoll_create(0);
	CHECK(ep >= 0);
	CHECK_EQ(ff_close(ep), 0);
	ep = ff_epoll_create(100000);
	CHECK(ep >= 0);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_ERR(ff_epoll_create(-1), EINVAL);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
