/* udp_echo_kqueue: the UDP echo server of examples/udp_echo, driven by
 * kqueue instead of epoll (as F-Stack's kqueue examples are written).
 *
 * ff_init() with the command line, one non-blocking UDP socket with an
 * EVFILT_READ filter on an ff_kqueue(), and ff_run() calling echo_loop()
 * once per pass.  echo_loop() collects events with ff_kevent() and a zero
 * timeout, and for every readable socket sends each datagram it reads back
 * to its sender.  For a socket, EVFILT_READ's data is the number of bytes
 * waiting; the loop reads until the socket says EAGAIN anyway.
 *
 * Port: 7, or FASTACK_ECHO_PORT.  SIGINT/SIGTERM stop the loop; the program
 * prints its tallies and the stack's counters, and exits 0.
 *
 *   udp_echo_kqueue --conf config.ini
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"

#define ECHO_DEFAULT_PORT 7
#define ECHO_MAX_EVENTS 64
#define ECHO_BUDGET 256 /* datagrams per socket per pass, so TX gets flushed */

struct echo {
	int fd;
	int kq;
	unsigned long long received, echoed, send_errors, event_errors;
	int last_errno;
};

static volatile sig_atomic_t stop_requested;
static char buf[65536];

/* Only a flag: the signal may arrive on a DPDK thread, and ff_stop_run()
 * must run on the stack's own thread (see echo_loop). */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

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

static int echo_loop(void *arg)
{
	static const struct timespec zero = { 0, 0 };
	struct echo *e = arg;
	struct kevent events[ECHO_MAX_EVENTS];
	int n;

	if (stop_requested) {
		ff_stop_run();
		return 0;
	}
	n = ff_kevent(e->kq, NULL, 0, events, ECHO_MAX_EVENTS, &zero);
	for (int i = 0; i < n; i++) {
		const struct kevent *ev = &events[i];

		if (ev->flags & EV_ERROR) {
			e->event_errors++;
			e->last_errno = (int)ev->data;
			continue;
		}
		if ((int)ev->ident == e->fd && ev->filter == EVFILT_READ)
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
	struct echo e = { .fd = -1, .kq = -1 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct kevent change;
	int port = echo_port(), on = 1;

	if (port < 0) {
		fprintf(stderr, "udp_echo_kqueue: FASTACK_ECHO_PORT must be a port number "
		                "(1..65535)\n");
		return 2;
	}
	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, "udp_echo_kqueue: ff_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	e.fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	if (e.fd < 0) {
		perror("udp_echo_kqueue: ff_socket");
		return 1;
	}
	if (ff_ioctl(e.fd, FIONBIO, &on) < 0) {
		perror("udp_echo_kqueue: ff_ioctl(FIONBIO)");
		return 1;
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(e.fd, (struct linux_sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("udp_echo_kqueue: ff_bind");
		return 1;
	}
	e.kq = ff_kqueue();
	if (e.kq < 0) {
		perror("udp_echo_kqueue: ff_kqueue");
		return 1;
	}
	EV_SET(&change, e.fd, EVFILT_READ, EV_ADD, 0, 0, NULL);
	if (ff_kevent(e.kq, &change, 1, NULL, 0, NULL) < 0) {
		perror("udp_echo_kqueue: ff_kevent(EV_ADD)");
		return 1;
	}
	printf("udp_echo_kqueue: listening on UDP port %d (kqueue)\n", port);
	fflush(stdout);

	ff_run(echo_loop, &e);

	printf("udp_echo_kqueue: stopped: %llu datagrams received, %llu echoed, %llu send errors, "
	       "%llu event errors",
	       e.received, e.echoed, e.send_errors, e.event_errors);
	if (e.last_errno)
		printf(" (last error: %s)", strerror(e.last_errno));
	printf("\n");
	ff_stats_print(stdout);
	fflush(stdout);
	ff_close(e.kq);
	ff_close(e.fd);
	return 0;
}
