/* fuzz_ctl.c: libFuzzer target for the control channel's requests
 * (src/ctl): the parser every byte a client sends goes through, and what a
 * stack does with whatever the parser lets through.
 *
 * Input: a request body, as a client sends it after the 4-byte length
 * (any bytes, any length: the server refuses a frame longer than
 * CTL_REQ_MAX before parsing, the parser checks again).  ctl_req_parse
 * runs on it; when it accepts, the request goes to one stack
 * (tests/harness h_one, 198.18.0.1/24, with a UDP socket and a TCP
 * listener) through its mailbox as ctl.c posts it, and ctl_stack_answer
 * runs until it says it is done (a walk over connections takes several
 * calls), a pass of the stack after each.  Changes stay between inputs
 * (routes, knobs, addresses, MTUs), as they would on a running stack.
 *
 * What must hold: no crash, no sanitizer report, no leak; an error is a
 * terminated one-line message; an accepted request's answer is records of
 * printable text, one per line, and an error from the stack a message too;
 * every 2048 inputs a full teardown with every mbuf back in the pool.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
 *   ninja -C build-fuzz fuzz/fuzz_ctl
 *   python3 fuzz/make_seeds.py --ctl corpus-ctl
 *   build-fuzz/fuzz/fuzz_ctl -max_total_time=60 corpus-ctl
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "fuzz_stack.h"
#include "harness.h"

#include "ff_api.h"

#include "ctl/ctl.h"

static struct h_one h;
static int udp_fd = -1, tcp_fd = -1;
static unsigned inputs;

static void die(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_ctl: %s: '%s'\n", what, text);
	abort();
}

static void setup(void)
{
	fuzz_one_serving(&h, &udp_fd, &tcp_fd);
}

static void check_line(const char *s, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n')
			die(what, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_box box;
	char err[CTL_ERR_LEN];

	if (!h.s) {
		harness_eal_init();
		setup();
	}
	memset(err, 'x', sizeof(err));
	if (ctl_req_parse((const char *)data, size, &box.req, err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n'))
			die("unterminated or multi-line error", "");
	} else {
		box.started = false;
		for (unsigned calls = 0; !ctl_stack_answer(h.s, &box); calls++) {
			if (calls > 100000)
				die("answer does not end", "");
			h_one_pass(&h);
		}
		if (box.rc < 0 && (!box.err[0] || strchr(box.err, '\n')))
			die("stack error without a one-line message", box.err);
		if (box.out.len && (box.out.p[box.out.len - 1] != '\n'))
			die("answer does not end a line", box.out.p);
		check_line(box.out.p ? box.out.p : "", box.out.len, "control byte in an answer");
		ctl_buf_free(&box.out);
	}
	h.now += 1000000;
	h_one_pass(&h);
	if (++inputs % 2048 == 0) {
		ff_close(udp_fd);
		ff_close(tcp_fd);
		h_one_destroy(&h); /* checks the pool is full again */
		if (harness_failures())
			abort();
		h.s = NULL;
	}
	return 0;
}
