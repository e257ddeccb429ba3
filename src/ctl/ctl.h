/* ctl.h: the control channel, the one way into a running stack from
 * outside its process (the `fastack` command).
 *
 * One Unix stream socket per process, /run/fastack/<file-prefix>.<proc-id>.sock
 * (ctl_open), speaking the protocol of ctl_proto.h.  The socket is served
 * from the poll loop, never from a thread of its own:
 *
 *   stack 0's pass   ctl_poll -> (each CTL_TICK_NS) accept, read, parse,
 *                    post to every stack's mailbox, collect, write
 *   stack i's pass   ctl_poll -> (each CTL_TICK_NS) answer its mailbox
 *
 * Each stack answers from its own thread, in its own pass, into its own
 * mailbox (struct ctl_box): the server never touches a stack's state and a
 * stack never waits for the server, so no stack is ever locked.  The server
 * merges the parts (stack order) and writes the answer.  Work per tick is
 * bounded (CTL_* limits in ctl.c): a flood of requests or a stuck client
 * costs the loop a few system calls a millisecond, never a stall; between
 * ticks the hook costs one compare.  docs/ARCHITECTURE.md "Control channel"
 * has the design and its limits.
 *
 * Call order: ctl_open() after the stacks exist (ff_init, or a test) ->
 * ctl_poll(s) once per pass of every stack -> ctl_close() after every loop
 * has stopped.
 */
#ifndef FASTACK_CTL_CTL_H
#define FASTACK_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "ctl/ctl_proto.h"
#include "stack/stack.h"

#define CTL_TICK_NS 1000000ull /* how often a pass looks at the channel */
#define CTL_DEFAULT_DIR "/run/fastack"

struct ctl;

/* A growable answer buffer. */
struct ctl_buf {
	char *p;
	size_t len, cap;
	bool overflow; /* past CTL_ANS_MAX: the rest was cut */
};

/* One stack's mailbox.  state is the hand-over: the server writes req and
 * sets POSTED (release); the stack answers into out and sets DONE (release);
 * the server takes out and sets IDLE.  Between those edges exactly one side
 * touches the rest. */
enum { CTL_BOX_IDLE, CTL_BOX_POSTED, CTL_BOX_DONE };
struct ctl_box {
	uint32_t state;
	struct ctl_req req;
	struct ctl_buf out; /* records */
	int rc;             /* 0 or -errno */
	char err[CTL_ERR_LEN];
	uint32_t cursor; /* a walk over several passes (sockets) */
	bool started;
} __rte_cache_aligned;

struct ctl_cap;

/* What a stack's pass reaches through s->ctl. */
struct ctl_stack {
	uint64_t due;        /* next tick (s->now) */
	struct ctl *srv;     /* stack 0 only: the server */
	struct ctl_cap *cap; /* a live capture (ctl_cap.c); NULL: none */
	struct ctl_box box;
} __rte_cache_aligned;

struct ctl_opts {
	const char *dir;  /* NULL: CTL_DEFAULT_DIR */
	const char *name; /* socket file name, e.g. "fastack-123.0" (".sock" added) */
	gid_t gid;        /* group of the socket when group_set (mode 0660), else 0600 */
	bool group_set;
};

/* Creates the socket and attaches a ctl_stack to each stack (s->ctl).
 * Returns NULL with errno set (the message in err). */
struct ctl *ctl_open(struct stack *const *stacks, unsigned n, const struct ctl_opts *o, char *err,
                     size_t errlen);
/* Closes every client and the socket, removes the file, detaches the
 * stacks. */
void ctl_close(struct ctl *c);
/* The socket's path. */
const char *ctl_path(const struct ctl *c);

void ctl_poll_slow(struct stack *s, struct ctl_stack *cs);

/* The hook in the poll loop, after stack_pass_end: between ticks one
 * compare (no channel: one load). */
static inline void ctl_poll(struct stack *s)
{
	struct ctl_stack *cs = s->ctl;

	if (unlikely(cs != NULL) && unlikely(s->now >= cs->due))
		ctl_poll_slow(s, cs);
}

/* Server statistics (for the tests and `fastack info`). */
struct ctl_stats {
	uint64_t accepted, refused_full, requests, bad_requests, answers, slow_closed, write_closed,
	    ticks;
};
const struct ctl_stats *ctl_stats(const struct ctl *c);

/* ---- ctl_stack.c: a stack answers one request (its own thread) ---- */

/* Answers req for stack s into box (box->out, box->rc, box->err); returns
 * true when done, false when it will continue in a later pass (a long
 * walk). */
bool ctl_stack_answer(struct stack *s, struct ctl_box *box);

/* ---- ctl_cap.c: live capture, in the stack's own pass ---- */

#define CTL_CAP_BYTES (2u << 20)            /* frames buffered per stack between reads */
#define CTL_CAP_IDLE_NS (5000ull * 1000000) /* no read this long: stopped */

/* capture start / read / stop for stack s (box->req.verb). */
void ctl_cap_answer(struct stack *s, struct ctl_stack *cs, struct ctl_box *box);
/* Stops a capture nobody reads any more (each tick). */
void ctl_cap_tick(struct stack *s, struct ctl_stack *cs);
/* Removes the taps and the buffer (nothing if no capture runs). */
void ctl_cap_stop(struct stack *s, struct ctl_stack *cs);

/* Appends a formatted record (or anything) to b; bounded by CTL_ANS_MAX. */
void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_buf_free(struct ctl_buf *b);

#endif
