/* steer.h: the stacks of one process handing frames to each other
 * (docs/ARCHITECTURE.md "Multi-core: RSS").
 *
 * Each stack of a group has one inbound ring (rte_ring, multi-producer,
 * single-consumer, fastack.rss.ring entries).  What goes through it:
 *
 *   - software RSS: a frame a stack received but another owns
 *     (rss_frame_owner, port_rss.h) is handed over, not copied; the owner
 *     processes it as if its own queue had received it;
 *   - ARP: the stack that received a request or reply processes it (and
 *     alone answers it) and gives every other stack a copy, which they learn
 *     from without answering (steer_rx_copy());
 *   - TX through another stack's queue: a stack whose index is beyond the
 *     port's queues has a proxy port (steer_proxy_wrap) whose frames are
 *     sent by stack (index % nqueues) at its next pass.
 *
 * A full ring drops the frame under its name (rss.rss_ring_full,
 * rss.rss_tx_ring_full); nothing waits.  The ring is the one shared
 * structure on the data path: its producer and consumer heads are cache
 * lines written by two stacks.  Frames keep the pool they came from: a
 * frame of stack i's pool handed to stack j is freed by j into i's pool.
 *
 * Call order: stacks created with their ports (all stacks the same ports in
 * the same order) -> steer_link(stacks, n) -> passes (stack_pass_begin
 * calls steer_rx and steer_drain) -> steer_unlink(stacks, n) (drops what
 * the rings still hold) -> stack_destroy each.
 */
#ifndef FASTACK_STACK_STEER_H
#define FASTACK_STACK_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "base/counters.h"
#include "port/port.h"
#include "port/port_rss.h"

struct stack;

#define RSS_STATS(X)                                                                      \
	X(rss_handed_out, "frames handed to the stack that owns them (software RSS)")     \
	X(rss_handed_in, "frames another stack handed to this one")                       \
	X(rss_ring_full, "dropped: the owner's ring was full")                            \
	X(rss_copies, "ARP frames copied to the other stacks")                            \
	X(rss_copy_nomem, "ARP copies not made: no buffer")                               \
	X(rss_copies_in, "ARP copies received from another stack (learnt, not answered)") \
	X(rss_tx_proxied, "frames sent through another stack's queue")                    \
	X(rss_tx_ring_full, "dropped: the sending stack's ring was full")                 \
	X(rss_unlinked, "dropped: handed over while the stacks were not linked")
COUNTER_STRUCT(rss_stats, RSS_STATS);

#define STEER_MAX 64 /* stacks in a group */

/* A stack's part of its group (struct stack's `steer`). */
struct stack_steer {
	unsigned n;                       /* stacks in the group; 0: alone */
	struct rte_ring *ring[STEER_MAX]; /* every stack's inbound ring */
	bool rx_copy;                     /* the frame in hand is another stack's copy */
};

/* Joins n stacks (stacks[i]->id == i) into a group: one inbound ring each.
 * 0, -EINVAL or -ENOMEM (nothing linked). */
int steer_link(struct stack *const *stacks, unsigned n);
/* Unjoins them: no more hand-overs; what the rings hold is freed. */
void steer_unlink(struct stack *const *stacks, unsigned n);

/* Called by the pass for each frame p received when the stack is in a
 * group and p has RSS: true when the frame was handed to its owner (m is
 * no longer the caller's); false when this stack processes it (ARP copies
 * already sent). */
bool steer_rx(struct stack *s, struct port *p, struct rte_mbuf *m);
/* Processes (or transmits) what other stacks handed to s. */
unsigned steer_drain(struct stack *s);

/* The RSS of the port that frames from faddr arrive on, when s is one of
 * several stacks; NULL when any local port will do (one stack, no route,
 * or a port without RSS). */
const struct port_rss *steer_rss_to(struct stack *s, uint32_t faddr);
/* True when frames from (faddr, fport) to (laddr, lport) reach s (network
 * order; r from steer_rss_to, NULL: always true). */
bool steer_flow_mine(const struct stack *s, const struct port_rss *r, uint32_t laddr,
                     uint32_t faddr, uint16_t lport, uint16_t fport);

/* A port for a stack without a queue of its own on lower's device: takes
 * lower's address, MTU and offloads; receives nothing (its frames come
 * through the ring); what it sends goes to stack `owner`, which sends it
 * on its own queue.  lower is only kept to be closed.  NULL on failure. */
struct port *steer_proxy_wrap(struct port *lower, unsigned owner);

#endif
