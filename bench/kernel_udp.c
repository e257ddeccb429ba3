/* kernel_udp: the Linux-socket side of the UDP request/response benchmark,
 * with the same logic as the fastack programs, so that the two figures
 * differ only in the stack underneath:
 *
 *   kernel_udp server PORT
 *       echo server: a non-blocking socket on epoll, polled with a zero
 *       timeout (as examples/udp_echo polls ff_epoll_wait once per pass),
 *       each datagram sent back to its sender.  Stops on SIGINT/SIGTERM.
 *   kernel_udp client ADDR PORT SECONDS WINDOWS SIZE
 *       the rr.h measurement on a non-blocking socket in a busy loop;
 *       WINDOWS is a list such as 1,32.  Prints "RESULT kernel ..." lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rr.h"

#define MAX_EVENTS 64
#define BUDGET 256

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int server(int port)
{
	static char buf[65536];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN }, events[MAX_EVENTS];
	unsigned long long received = 0, echoed = 0;
	int fd, ep;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("kernel_udp server: socket/bind");
		return 1;
	}
	ep = epoll_create1(0);
	ev.data.fd = fd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("kernel_udp server: epoll");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("kernel_udp: listening on UDP port %d (epoll)\n", port);
	fflush(stdout);
	while (!stop_requested) {
		int n = epoll_wait(ep, events, MAX_EVENTS, 0);

		for (int i = 0; i < n; i++) {
			for (int k = 0; k < BUDGET; k++) {
				struct sockaddr_in from;
				socklen_t fromlen = sizeof(from);
				ssize_t len = recvfrom(fd, buf, sizeof(buf), 0,
				                       (struct sockaddr *)&from, &fromlen);
				if (len < 0)
					break;
				received++;
				if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&from,
				           fromlen) == len)
					echoed++;
			}
		}
	}
	printf("kernel_udp: stopped: %llu datagrams received, %llu echoed\n", received, echoed);
	close(ep);
	close(fd);
	return 0;
}

static ssize_t k_send(void *ctx, const void *buf, size_t len)
{
	return send(*(int *)ctx, buf, len, 0);
}

static ssize_t k_recv(void *ctx, void *buf, size_t len)
{
	return recv(*(int *)ctx, buf, len, 0);
}

static int client(const char *addr, int port, double seconds, char *windows, size_t size)
{
	static struct rr r;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char *save = NULL;
	uint64_t end;
	int fd;

	dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
		fprintf(stderr, "kernel_udp client: bad address %s\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("kernel_udp client: socket/connect");
		return 1;
	}
	rr_init(&r, size, k_send, k_recv, &fd);
	/* Warm-up: until the first answer (10 s at most). */
	end = rr_now_ns() + 10000000000ull;
	rr_phase(&r, 1, 10, rr_now_ns());
	while (r.done == 0 && rr_now_ns() < end)
		rr_step(&r, rr_now_ns());
	if (r.done == 0) {
		fprintf(stderr, "kernel_udp client: no answer from %s:%d\n", addr, port);
		return 1;
	}
	for (char *t = strtok_r(windows, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t now = rr_now_ns();

		rr_phase(&r, (unsigned)atoi(t), seconds, now);
		while (!rr_phase_over(&r, now)) {
			rr_step(&r, now);
			now = rr_now_ns();
		}
		rr_report(&r, "kernel");
	}
	close(fd);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return server(atoi(argv[2]));
	if (argc == 7 && strcmp(argv[1], "client") == 0)
		return client(argv[2], atoi(argv[3]), atof(argv[4]), argv[5],
		              (size_t)atoi(argv[6]));
	fprintf(stderr, "usage: kernel_udp server PORT\n"
	                "       kernel_udp client ADDR PORT SECONDS WINDOWS SIZE\n");
	return 2;
}
