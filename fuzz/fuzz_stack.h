/* fuzz_stack.h: the one-stack fixture fuzz_frame.c and fuzz_ctl.c share:
 * tests/harness h_one (198.18.0.1/24) with a UDP socket bound to port 7 and
 * a TCP listener on port 80, so that frames and requests find something to
 * talk to.  Aborts if the sockets cannot be made. */
#ifndef FASTACK_FUZZ_STACK_H
#define FASTACK_FUZZ_STACK_H

#include <stdlib.h>

#include <netinet/in.h>

#include "ff_api.h"
#include "harness.h"

static inline void fuzz_one_serving(struct h_one *h, int *udp_fd, int *tcp_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1;

	h_one_create(h, NULL, NULL);
	*udp_fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons(7);
	if (*udp_fd < 0 || ff_bind(*udp_fd, (struct linux_sockaddr *)&a, sizeof(a)) < 0)
		abort();
	*tcp_fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(80);
	ff_setsockopt(*tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (*tcp_fd < 0 || ff_bind(*tcp_fd, (struct linux_sockaddr *)&a, sizeof(a)) < 0 ||
	    ff_listen(*tcp_fd, 16) < 0)
		abort();
}

#endif
