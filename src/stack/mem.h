/* mem.h: the stack's packet-buffer budget (STYLE habit 15).
 *
 * One pool of mbufs per stack feeds everything: the frames received (and
 * the NIC's RX ring, refilled from it), the frames sent, and every queue
 * that keeps buffers: TCP send buffers, receive and reassembly queues, UDP
 * receive queues, the ARP hold queue.  If peers can make those queues grow
 * until the pool is empty, the stack stops for good: it can no longer
 * receive (not even ARP) nor send (not even the FIN or RST that would free
 * buffers).  So the pool is watched and the holders give way, in order:
 *
 *   free buffers      level  what the holders do
 *   >= lowat          OK     each grows up to its own per-socket limits
 *   <  lowat          LOW    no new out-of-order TCP data is queued
 *                            (tcps_rcvmemdrop); send buffers, TCP receive
 *                            queues and UDP receive queues take new data
 *                            only while the socket holds less than
 *                            fastack.mem.sock_min bytes there (Linux's
 *                            tcp_wmem[0]: every connection can still make
 *                            progress), and advertised windows shrink to
 *                            that; the ARP hold queue takes nothing
 *   <  minwat         MIN    as LOW, and the reassembly queues are dropped,
 *                            largest first, until free buffers are back at
 *                            lowat (tcps_reass_purged); in-order data for a
 *                            socket above sock_min is dropped, unacknowledged
 *                            (the peer sends it again)
 *   <= reserve        MIN    no socket takes any new data at all: what is
 *                            left (minwat / 2) is the stack's own, to receive
 *                            and to send ACKs, RSTs, SYN-ACKs, FINs and ARP
 *
 * lowat and minwat are fastack.mem.lowat and fastack.mem.minwat percent of
 * the pool.  Independently of the level, the reassembly queues of all
 * connections together hold at most net.inet.tcp.reass.maxsegments
 * segments (FreeBSD's global limit, a 16th of the pool by default).
 *
 * The free count is sampled at the start of each pass and after each RX
 * burst (stack_mem_sample): the pool's ring plus this lcore's cache, two
 * loads and a subtraction for DPDK's ring-based pools (the only other lcores
 * that could cache this pool's buffers are none: a pool belongs to one
 * stack).  Between two samples a holder sees the level of the last one; a
 * burst can take at most STACK_RX_BURST buffers per port meanwhile, which
 * the reserve covers.
 */
#ifndef FASTACK_STACK_MEM_H
#define FASTACK_STACK_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/counters.h"

struct stack;
struct rte_ring;

enum mem_level { MEM_OK = 0, MEM_LOW, MEM_MIN };

#define MEM_STATS(X)                                                                      \
	X(mem_low_entered, "times the pool's free buffers fell below fastack.mem.lowat")  \
	X(mem_min_entered, "times the pool's free buffers fell below fastack.mem.minwat") \
	X(mem_refused, "socket buffer growth refused under memory pressure")
COUNTER_STRUCT(mem_stats, MEM_STATS);

struct stack_mem {
	uint32_t size;         /* buffers in the pool */
	uint32_t avail;        /* free at the last sample */
	uint32_t lowat;        /* free buffers below which the level is LOW */
	uint32_t minwat;       /* ... MIN */
	uint32_t reserve;      /* ... no socket takes new data */
	uint32_t sock_min;     /* bytes a socket may always hold (fastack.mem.sock_min) */
	uint32_t reass_max;    /* stack-wide reassembly limit, segments */
	uint8_t level;         /* enum mem_level */
	bool waiters;          /* writers wait for the pool to leave its reserve */
	uint32_t free_lowest;  /* fewest free buffers seen (ff_pool_info) */
	struct rte_ring *ring; /* the pool's ring, when it is ring-based */
};

/* Sets the budget from the pool and the knobs (stack_create). */
void stack_mem_init(struct stack *s);
/* Recomputes the watermarks and limits from the knobs (ff_sysctl_knob). */
void stack_mem_set_limits(struct stack *s);
/* The level, the waiters and MIN's reclaim, after a sample that was not
 * plainly OK (stack_mem_sample's slow path). */
void stack_mem_update(struct stack *s);
/* rte_mempool_avail_count, for pools that are not ring-based. */
uint32_t stack_mem_free_slow(struct stack *s);
/* May a socket that holds `held` bytes in one of its buffers take more?
 * Counts a refusal (mem_refused). */
bool stack_mem_admit(struct stack *s, uint32_t held);
/* stack_mem_sample() and stack_mem_free_now() are inline, in stack.h
 * (they need struct stack): the free count is the pool's ring plus this
 * lcore's cache, and the common case of a sample (plenty free, nothing
 * waiting) is a few loads and two compares; anything else goes to
 * stack_mem_update. */

#endif
