/* socket.h: sockets, the per-stack descriptor table, and readiness.
 *
 * (Interface under construction: the socket layer's owner completes it.)
 */
#ifndef FASTACK_SOCKET_SOCKET_H
#define FASTACK_SOCKET_SOCKET_H

#include "base/counters.h"

struct stack;

#define SOCK_STATS(X)                    \
	X(so_created, "sockets created") \
	X(so_closed, "sockets closed")   \
	X(so_nofd, "socket() failed: descriptor table full (kern.maxfiles)")
COUNTER_STRUCT(sock_stats, SOCK_STATS);

int sock_init(struct stack *s);
void sock_fini(struct stack *s);

#endif
