/* udp_echo: a UDP echo server on fastack, driven by epoll.
 *
 * Written the way an F-Stack program is: ff_init() with the command line
 * (--conf FILE, --proc-type, --proc-id), one non-blocking UDP socket
 * registered with ff_epoll_ctl(), and ff_run() calling echo_loop() once per
 * pass of the stack's poll loop.  echo_loop() asks epoll what is ready
 * (timeout 0: the loop never blocks) and sends every datagram it reads back
 * to its sender, byte for byte.
 *
 * The UDP port is 7 (RFC 862), or the value of the environment variable
 * FASTACK_ECHO_PORT (the command line belongs to ff_init, as in F-Stack).
 * SIGINT or SIGTERM stops the loop; the program then prints its own tallies
 * and every non-zero stack counter (ff_stats_print), and exits 0.
 *
 * With several lcores (threads mode) every stack binds the port on its
 * first pass and echoes what RSS brings it; each reports as udp_echo[i],
 * then the totals over every stack follow (examples/common/per_stack.h).
 *
 *   udp_echo --conf config.ini
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"

#include "../common/per_stack.h"

#define ECHO_DEFAULT_PORT 7
#define ECHO_MAX_EVENTS 64
#define ECHO_BUDGET 256 /* datagrams per socket per pass, so TX gets flushed */

struct echo {
	bool up, done; /* set up on the stack's first pass; finished */
	int fd;
	int epfd;
	unsigned long long received, echoed, send_errors;
	int last_errno;
};

static volatile sig_atomic_t stop_requested;
static int echo_port_num;
static __thread char buf[65536]; /* per thread: every stack receives into its own */

/* A signal may land on any thread (DPDK starts its own), and ff_stop_run()
 * acts on the calling thread's stack: so the handler only raises a flag,
 * and the loop, on the stack's thread, stops the stack. */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Reads what the socket holds (up to the budget) and echoes each datagram. */
static void echo_drain(struct echo *e)
{
	for (int i = 0; i < ECHO_BUDGET; i++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = ff_recvfrom(e->fd, buf, sizeof(buf), 0, (struct linux_sockaddr *)&from,
		                        &fromlen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				e->last_errno = errno;
			return;
		}
		e->received++;
		if (ff_sendto(e->fd, buf, (size_t)n, 0, (struct linux_sockaddr *)&from, fromlen) ==
		    n) {
			e->echoed++;
		} else {
			e->send_errors++;
			e->last_errno = errno;
		}
	}
}

/* The socket and epoll instance of the calling thread's stack. */
static int echo_setup(struct echo *e)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int on = 1;

	e->fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	if (e->fd < 0) {
		perror("udp_echo: ff_socket");
		return -1;
	}
	if (ff_ioctl(e->fd, FIONBIO, &on) < 0) {
		perror("udp_echo: ff_ioctl(FIONBIO)");
		return -1;
	}
	sin.sin_port = htons((uint16_t)echo_port_num);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(e->fd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("udp_echo: ff_bind");
		return -1;
	}
	e->epfd = ff_epoll_create(1);
	if (e->epfd < 0) {
		perror("udp_echo: ff_epoll_create");
		return -1;
	}
	ev.data.fd = e->fd;
	if (ff_epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0) {
		perror("udp_echo: ff_epoll_ctl");
		return -1;
	}
	per_stack_lock();
	per_stack_prefix("udp_echo");
	printf("listening on UDP port %d (epoll)\n", echo_port_num);
	per_stack_unlock();
	return 0;
}

/* Stopping: this stack's tallies and counters, its descriptors closed. */
static void echo_finish(struct echo *e)
{
	per_stack_lock();
	per_stack_prefix("udp_echo");
	printf("stopped: %llu datagrams received, %llu echoed, %llu send errors", e->received,
	       e->echoed, e->send_errors);
	if (e->last_errno)
		printf(" (last error: %s)", strerror(e->last_errno));
	printf("\n");
	ff_stats_print(stdout);
	per_stack_unlock();
	ff_close(e->epfd);
	ff_close(e->fd);
}

static int echo_loop(void *arg)
{
	struct echo *e = &((struct echo *)arg)[ff_stack_index()];
	struct epoll_event events[ECHO_MAX_EVENTS];
	int n;

	if (!e->up) {
		e->up = true;
		if (echo_setup(e) < 0) {
			per_stack_fail();
			return 0;
		}
	}
	if (stop_requested) {
		if (!e->done) {
			e->done = true;
			echo_finish(e);
			per_stack_finished();
		}
		return 0;
	}
	n = ff_epoll_wait(e->epfd, events, ECHO_MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		if (events[i].data.fd == e->fd && (events[i].events & (EPOLLIN | EPOLLERR)))
			echo_drain(e);
	}
	return 0;
}

static int echo_port(void)
{
	const char *s = getenv("FASTACK_ECHO_PORT");
	char *end;
	long v;

	if (!s || !*s)
		return ECHO_DEFAULT_PORT;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

int main(int argc, char *argv[])
{
	static struct echo e[PER_STACK_MAX]; /* one per stack: per_stack.h */

	echo_port_num = echo_port();
	if (echo_port_num < 0) {
		fprintf(stderr, "udp_echo: FASTACK_ECHO_PORT must be a port number (1..65535)\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		/* ff_init has said what was wrong. */
		fprintf(stderr, "udp_echo: ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ff_run(echo_loop, e);
	if (ff_stack_count() > 1 && !per_stack_rc) {
		printf("udp_echo: every stack together:\n");
		ff_stats_total_print(stdout);
		fflush(stdout);
	}
	return per_stack_rc;
}
