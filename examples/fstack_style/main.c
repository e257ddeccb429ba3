/* fstack_style: a program written the way F-Stack's example programs are,
 * to show they build and run on fastack unchanged.
 *
 * What such programs rely on, and this one uses:
 *   - the headers ff_config.h, ff_api.h and ff_log.h, and DPDK's own
 *     (rte_lcore.h: rte_lcore_id()), found through pkg-config;
 *   - per-thread state in __thread variables, set up lazily by the first
 *     call of the loop function (F-Stack's thread mode);
 *   - ff_ioctl(FIONBIO) on the listener, SO_REUSEPORT, ff_kevent with
 *     EVFILT_READ, the listener's event data taken as the number of
 *     connections to accept, EV_EOF to close;
 *   - ff_log with FF_LOGTYPE_FSTACK_APP, its stream redirected to a file of
 *     the program's with ff_log_reset_stream, levels set with
 *     ff_log_set_global_level / ff_log_set_level.
 *
 * It answers every read with one fixed HTTP/1.1 response (keep-alive).
 * When ff_accept runs out of descriptors or memory it stops watching the
 * listener for ACCEPT_PAUSE_MS (as nginx does, for 500 ms) rather than
 * asking again on every pass while the connection waits in the queue.
 * Environment: FASTACK_HTTP_PORT (80), FASTACK_APP_LOG (./fstack_style.log).
 * SIGINT/SIGTERM stops it; it then prints its tallies and the stack's
 * counters.  Built by meson, and by .ci/run from outside the tree with
 * nothing but `pkg-config --cflags --libs libfastack` (step "pkgconfig").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <rte_lcore.h>

#include "ff_config.h"
#include "ff_api.h"
#include "ff_log.h"

#define MAX_EVENTS 512
#define ACCEPT_PAUSE_MS 100

#define BODY "Hello from an F-Stack app\n"
#define BODY_LEN "26"
_Static_assert(sizeof(BODY) - 1 == 26, "BODY_LEN must be the body's length");

static const char reply[] = "HTTP/1.1 200 OK\r\n"
                            "Server: fastack\r\n"
                            "Content-Type: text/plain\r\n"
                            "Content-Length: " BODY_LEN "\r\n"
                            "Connection: keep-alive\r\n"
                            "\r\n" BODY;

static __thread int kq = -1;
static __thread int lfd = -1;
static __thread struct kevent events[MAX_EVENTS];
static __thread long long paused_until; /* ms; 0 = accepting */
static unsigned long n_accepted, n_replies, n_closed, n_pauses;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void die(const char *what)
{
	ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "%s failed: %d, %s\n", what, errno,
	       strerror(errno));
	fprintf(stderr, "fstack_style: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void init_thread(void)
{
	struct sockaddr_in addr;
	struct kevent kev;
	const char *p = getenv("FASTACK_HTTP_PORT");
	int on = 1;

	if (kq >= 0)
		return;
	kq = ff_kqueue();
	if (kq < 0)
		die("ff_kqueue");
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("ff_socket");
	ff_ioctl(lfd, FIONBIO, &on);
	ff_setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	bzero(&addr, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(p ? (uint16_t)atoi(p) : 80);
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ff_bind(lfd, (struct linux_sockaddr *)&addr, sizeof(addr)) < 0)
		die("ff_bind");
	if (ff_listen(lfd, MAX_EVENTS) < 0)
		die("ff_listen");
	EV_SET(&kev, lfd, EVFILT_READ, EV_ADD, 0, MAX_EVENTS, NULL);
	if (ff_kevent(kq, &kev, 1, NULL, 0, NULL) < 0)
		die("ff_kevent");
	ff_log(FF_LOG_INFO, FF_LOGTYPE_FSTACK_APP, "listening on TCP port %u, lcore %u\n",
	       ntohs(addr.sin_port), rte_lcore_id());
	printf("fstack_style: listening on TCP port %u\n", ntohs(addr.sin_port));
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* EV_DISABLE or EV_ENABLE the listener's EVFILT_READ. */
static void listener_filter(unsigned short flags)
{
	struct kevent kev;

	EV_SET(&kev, lfd, EVFILT_READ, flags, 0, 0, NULL);
	if (ff_kevent(kq, &kev, 1, NULL, 0, NULL) < 0)
		ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "ff_kevent failed: %s\n",
		       strerror(errno));
}

static void accept_all(int available)
{
	struct kevent kev;

	do {
		int cfd = ff_accept(lfd, NULL, NULL);

		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				listener_filter(EV_DISABLE);
				paused_until = now_ms() + ACCEPT_PAUSE_MS;
				n_pauses++;
			}
			if (errno != EAGAIN)
				ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "ff_accept failed: %s\n",
				       strerror(errno));
			break;
		}
		EV_SET(&kev, cfd, EVFILT_READ, EV_ADD, 0, 0, NULL);
		if (ff_kevent(kq, &kev, 1, NULL, 0, NULL) < 0) {
			ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "ff_kevent failed: %s\n",
			       strerror(errno));
			ff_close(cfd);
			break;
		}
		n_accepted++;
		ff_log(FF_LOG_DEBUG, FF_LOGTYPE_FSTACK_APP, "accepted fd %d\n", cfd);
	} while (--available > 0);
}

static int loop(void *arg)
{
	(void)arg;
	if (stopping) {
		ff_stop_run();
		return 0;
	}
	init_thread();
	if (paused_until && now_ms() >= paused_until) {
		paused_until = 0;
		listener_filter(EV_ENABLE);
	}

	int n = ff_kevent(kq, NULL, 0, events, MAX_EVENTS, NULL);

	if (n < 0) {
		ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "ff_kevent failed: %s\n",
		       strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = (int)events[i].ident;

		if (events[i].flags & EV_EOF) {
			ff_close(fd);
			n_closed++;
		} else if (fd == lfd) {
			accept_all((int)events[i].data);
		} else if (events[i].filter == EVFILT_READ) {
			char buf[4096];
			ssize_t r = ff_read(fd, buf, sizeof(buf));

			if (r <= 0)
				continue;
			if (ff_write(fd, reply, sizeof(reply) - 1) < 0) {
				ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "ff_write failed: %s\n",
				       strerror(errno));
				ff_close(fd);
				n_closed++;
			} else {
				n_replies++;
			}
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	const char *path = getenv("FASTACK_APP_LOG");
	FILE *log;

	if (ff_init(argc, argv) < 0) {
		fprintf(stderr, "fstack_style: ff_init failed\n");
		return 1;
	}
	log = fopen(path ? path : "./fstack_style.log", "a+");
	if (!log)
		die("fopen log file");
	ff_log_reset_stream(log);
	ff_log_set_global_level(FF_LOG_DEBUG);
	ff_log_set_level(FF_LOGTYPE_FSTACK_APP, FF_LOG_DEBUG);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ff_run(loop, NULL);

	ff_log(FF_LOG_INFO, FF_LOGTYPE_FSTACK_APP, "stopped: %lu accepted, %lu replies\n",
	       n_accepted, n_replies);
	ff_log_close();
	fclose(log);
	printf("fstack_style: stopped: accepted %lu replies %lu closed %lu accept pauses %lu\n",
	       n_accepted, n_replies, n_closed, n_pauses);
	ff_stats_print(stdout);
	return 0;
}
