/* test_api_compat.c: the F-Stack calls beyond sockets that F-Stack programs
 * use (include/ff_log.h, include/ff_config.h, ff_fdisused, ff_getmaxfd,
 * ff_get_traffic, ff_gettimeofday), descriptors numbered above fd_reserve,
 * and fastack's own log level, the
 * process-wide setting that is fixed while any stack exists (src/base/log.h).
 *
 * That this file includes ff_config.h and ff_log.h beside ff_api.h, as
 * F-Stack's own examples do, is part of the test: it must build.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ff_config.h"
#include "ff_api.h"
#include "ff_epoll.h"
#include "ff_log.h"
#include "harness.h"
#include "base/log.h"
#include "stack/stack.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"

/* Everything written to f so far, as a string (static buffer). */
static const char *contents(FILE *f)
{
	static char buf[4096];
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

TEST(ff_log_levels_types_and_stream)
{
	FILE *f = tmpfile();

	CHECK(f != NULL);
	CHECK_EQ(ff_log_reset_stream(f), 0);
	ff_log_set_global_level(FF_LOG_DEBUG);
	CHECK_EQ(ff_log_set_level(FF_LOGTYPE_FSTACK_APP, FF_LOG_INFO), 0);
	CHECK_EQ(ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "first %d\n", 1), 0);
	CHECK_EQ(ff_log(FF_LOG_INFO, FF_LOGTYPE_FSTACK_APP, "second %s\n", "two"), 0);
	/* Above the type's level: not written (not an error). */
	CHECK_EQ(ff_log(FF_LOG_DEBUG, FF_LOGTYPE_FSTACK_APP, "hidden-by-type\n"), 0);
	/* Above the global level: not written either. */
	ff_log_set_global_level(FF_LOG_ERR);
	CHECK_EQ(ff_log(FF_LOG_WARNING, FF_LOGTYPE_FSTACK_APP, "hidden-by-global\n"), 0);
	CHECK_EQ(ff_log(FF_LOG_CRIT, FF_LOGTYPE_FSTACK_APP, "third\n"), 0);
	ff_log_set_global_level(FF_LOG_DEBUG);
	/* Another type keeps its own level. */
	CHECK_EQ(ff_log_set_level(FF_LOGTYPE_USER2, FF_LOG_DEBUG), 0);
	CHECK_EQ(ff_log(FF_LOG_DEBUG, FF_LOGTYPE_USER2, "fourth\n"), 0);

	const char *c = contents(f);
	CHECK(strstr(c, "first 1\n") && strstr(c, "second two\n") && strstr(c, "third\n") &&
	          strstr(c, "fourth\n"),
	      "log stream holds: '%s'", c);
	CHECK(!strstr(c, "hidden"), "filtered messages were written: '%s'", c);

	/* Misuse is refused, never written. */
	CHECK_EQ(ff_log(0, FF_LOGTYPE_FSTACK_APP, "bad level\n"), -1);
	CHECK_EQ(ff_log(FF_LOG_MAX + 1, FF_LOGTYPE_FSTACK_APP, "bad level\n"), -1);
	CHECK_EQ(ff_log(FF_LOG_ERR, FF_LOGTYPE_FIRST_EXT_ID, "bad type\n"), -1);
	CHECK_EQ(ff_log_set_level(FF_LOGTYPE_FIRST_EXT_ID, FF_LOG_INFO), -1);
	CHECK_EQ(ff_log_set_level(FF_LOGTYPE_FSTACK_APP, 0), -1);
	CHECK(!strstr(contents(f), "bad"));

	/* ff_log_close closes F-Stack's own log file, not the application's
	 * stream: F-Stack's main.c gives its file, then calls ff_log_close,
	 * and logs on into its file.  Back to stderr with a NULL stream. */
	ff_log_close();
	CHECK_EQ(ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "after-close\n"), 0);
	CHECK(strstr(contents(f), "after-close"));
	CHECK_EQ(ff_log_reset_stream(NULL), 0);
	CHECK_EQ(ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, "to-stderr\n"), 0);
	CHECK(!strstr(contents(f), "to-stderr"));
	fclose(f);
	ff_log_set_level(FF_LOGTYPE_FSTACK_APP, FF_LOG_INFO);
}

/* The log level is set before any stack exists and is fixed while one does
 * (stacks on other threads read it without a lock). */
TEST(log_level_fixed_while_a_stack_exists)
{
	enum log_level before = log_get_level();
	struct h_one a, b;

	CHECK_EQ(log_set_level(LOG_LVL_INFO), 0);
	CHECK_EQ(log_get_level(), LOG_LVL_INFO);
	CHECK_EQ(log_set_level(before), 0);
	h_one_create(&a, NULL, NULL);
	CHECK_EQ(log_set_level(LOG_LVL_DEBUG), -EBUSY);
	CHECK_EQ(log_get_level(), before);
	h_one_create(&b, NULL, NULL);
	h_one_destroy(&a);
	/* One stack still runs. */
	CHECK_EQ(log_set_level(LOG_LVL_DEBUG), -EBUSY);
	CHECK_EQ(log_get_level(), before);
	h_one_destroy(&b);
	CHECK_EQ(log_set_level(LOG_LVL_ERR), 0);
	CHECK_EQ(log_get_level(), LOG_LVL_ERR);
	CHECK_EQ(log_set_level(before), 0);
}

TEST(ff_fdisused_getmaxfd_and_traffic)
{
	struct h_pair h;
	struct ff_traffic_args t0, t1;
	struct sockaddr_in a;
	int fd;

	/* No stack on this thread yet: nothing is ours. */
	stack_set_current(NULL);
	CHECK_EQ(ff_fdisused(3), 0);
	CHECK_EQ(ff_getmaxfd(), 0);
	memset(&t0, 0xff, sizeof(t0));
	ff_get_traffic(&t0);
	CHECK_EQ(t0.rx_packets, 0);
	CHECK_EQ(t0.tx_bytes, 0);

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.a);
	CHECK_EQ(ff_getmaxfd(), 3 + KNOB(h.a, SOCK_MAX_FDS)); /* 3..: fd_reserve 0 */
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK(ff_fdisused(fd));
	CHECK(!ff_fdisused(fd + 1));
	CHECK(!ff_fdisused(-1));
	CHECK(!ff_fdisused(0));

	ff_get_traffic(&t0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(9);
	a.sin_addr.s_addr = h_ip4(B_IP);
	CHECK_EQ(ff_sendto(fd, "hello", 5, 0, (struct linux_sockaddr *)&a, sizeof(a)), 5);
	h_pair_run_ms(&h, 5);
	stack_set_current(h.a);
	ff_get_traffic(&t1);
	/* ARP request + the datagram out, ARP reply + port unreachable in. */
	CHECK_EQ(t1.tx_packets - t0.tx_packets, h.a->stats.port.tx_packets - t0.tx_packets);
	CHECK(t1.tx_packets - t0.tx_packets >= 2, "tx %lu",
	      (unsigned long)(t1.tx_packets - t0.tx_packets));
	CHECK(t1.rx_packets - t0.rx_packets >= 2, "rx %lu",
	      (unsigned long)(t1.rx_packets - t0.rx_packets));
	CHECK_EQ(t1.rx_bytes, h.a->stats.port.rx_bytes);
	CHECK_EQ(t1.tx_bytes, h.a->stats.port.tx_bytes);
	ff_get_traffic(NULL); /* ignored */

	CHECK_EQ(ff_close(fd), 0);
	CHECK(!ff_fdisused(fd));
	h_pair_destroy(&h);
}

/* fd_reserve (F-Stack's [freebsd.boot] key, fastack.fd_reserve): the
 * stack numbers its descriptors from it, so a program that holds kernel
 * descriptors too (redis's port routes every call by ff_fdisused) never
 * takes one for the other.  kern.maxfiles still bounds how many. */
TEST(fd_reserve_numbers_descriptors_above_the_kernels)
{
	int64_t k[KNOB_COUNT];
	struct h_one h;
	int fds[17], kfd, n;

	for (unsigned i = 0; i < KNOB_COUNT; i++)
		k[i] = knob_table[i].def;
	k[KNOB_SOCK_FD_RESERVE] = 1024;
	k[KNOB_SOCK_MAX_FDS] = 16;
	h_one_create(&h, NULL, k);
	stack_set_current(h.s);
	CHECK_EQ(ff_getmaxfd(), 1024 + 16);
	/* A kernel descriptor, as the program's own files and sockets are. */
	kfd = open("/dev/null", O_RDONLY);
	CHECK(kfd >= 0 && kfd < 1024);
	fds[0] = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(fds[0], 1024);
	CHECK(ff_fdisused(fds[0]));
	CHECK(!ff_fdisused(kfd));
	/* Below the reserve nothing is the stack's: every call says EBADF and
	 * leaves the kernel's descriptor alone. */
	errno = 0;
	CHECK_EQ(ff_close(kfd), -1);
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK_EQ(ff_write(kfd, "x", 1), -1);
	CHECK_EQ(errno, EBADF);
	CHECK(fcntl(kfd, F_GETFD) >= 0);
	for (int fd = 0; fd < 1024; fd++)
		CHECK(!ff_fdisused(fd), "fd %d", fd);
	/* Epoll and kqueue descriptors share the numbering; the lowest free
	 * comes first; kern.maxfiles of them at most. */
	fds[1] = ff_epoll_create(1);
	fds[2] = ff_kqueue();
	CHECK_EQ(fds[1], 1025);
	CHECK_EQ(fds[2], 1026);
	for (n = 3; n < 16; n++) {
		fds[n] = ff_socket(AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(fds[n], 1024 + n);
	}
	errno = 0;
	CHECK_EQ(ff_socket(AF_INET, SOCK_DGRAM, 0), -1);
	CHECK_EQ(errno, EMFILE);
	CHECK_EQ(ff_close(fds[5]), 0);
	CHECK(!ff_fdisused(1029));
	CHECK_EQ(ff_socket(AF_INET, SOCK_DGRAM, 0), 1029);
	CHECK(!ff_fdisused(1024 + 16));
	for (n = 0; n < 16; n++)
		CHECK_EQ(ff_close(1024 + n), 0);
	close(kfd);
	h_one_destroy(&h);
}

/* This program defines its own gettimeofday on top of ff_gettimeofday, as
 * F-Stack's nginx port does: ff_gettimeofday must read the clock without
 * calling gettimeofday, else the two would call each other for ever. */
static unsigned own_gettimeofday_calls;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	own_gettimeofday_calls++;
	return ff_gettimeofday(tv, tz);
}

TEST(ff_gettimeofday_is_the_system_clock)
{
	struct timeval a, b;
	struct timespec ts;
	struct timezone tz = { 5, 5 };

	own_gettimeofday_calls = 0;
	CHECK_EQ(ff_gettimeofday(&a, &tz), 0);
	CHECK_EQ(own_gettimeofday_calls, 0);
	CHECK(tz.tz_minuteswest == 0 && tz.tz_dsttime == 0);
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
	CHECK(ts.tv_sec - a.tv_sec <= 1 && ts.tv_sec >= a.tv_sec);
	CHECK_EQ(gettimeofday(&b, NULL), 0); /* the program's, through ours */
	CHECK_EQ(own_gettimeofday_calls, 1);
	CHECK(b.tv_sec - a.tv_sec <= 1 && b.tv_sec >= a.tv_sec);
	CHECK(a.tv_usec >= 0 && a.tv_usec < 1000000);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
