/* fuzz_frame.c: libFuzzer target feeding arbitrary Ethernet frames to a
 * stack (DESIGN.md test layer 5).
 *
 * One stack on a capture port (tests/harness), 198.18.0.1/24, with a UDP
 * socket bound to port 7 and a TCP listener on port 80 so that input reaches
 * every layer.  Each input is split into frames (2-byte big-endian length
 * prefixes; what is left is the last frame), injected, and the stack runs a
 * pass; virtual time moves 7 ms per input so timers (ARP, TCP) fire too.
 * Everything the stack sends is freed; queued datagrams are read; a
 * connection that got accepted is closed.  The sanitizers and the pool
 * check (every 4096 inputs, after a full teardown) find what goes wrong.
 *
 *   meson setup build-fuzz -Dfuzz=true --buildtype=debugoptimized (CC=clang)
 *   ninja -C build-fuzz fuzz/fuzz_frame && build-fuzz/fuzz/fuzz_frame -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "ff_api.h"
#include "fuzz_stack.h"
#include "harness.h"

static struct h_one h;
static int udp_fd = -1, tcp_fd = -1;
static unsigned inputs;

static void setup(void)
{
	fuzz_one_serving(&h, &udp_fd, &tcp_fd);
}

static void teardown_and_check(void)
{
	h_one_destroy(&h); /* checks the pool is full again */
	if (harness_failures())
		abort();
	h.s = NULL;
}

static void drain(void)
{
	struct rte_mbuf *m;
	char buf[2048];
	int fd;

	while ((m = cap_port_pop(h.cap)) != NULL)
		rte_pktmbuf_free(m);
	while (ff_recv(udp_fd, buf, sizeof(buf), 0) >= 0)
		;
	while ((fd = ff_accept(tcp_fd, NULL, NULL)) >= 0) {
		ff_read(fd, buf, sizeof(buf));
		ff_close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h.s)
		setup();
	while (size > 0) {
		size_t len = size;
		struct rte_mbuf *m;

		if (size > 2) {
			size_t want = (size_t)data[0] << 8 | data[1];
			if (want > 0 && want <= size - 2) {
				data += 2;
				size -= 2;
				len = want;
			}
		}
		m = harness_frame(h.pool, data, len);
		if (m)
			cap_port_inject(h.cap, m);
		data += len;
		size -= len;
	}
	h.now += 7000000ull;
	h_one_pass(&h);
	drain();
	if (++inputs % 4096 == 0)
		teardown_and_check();
	return 0;
}
