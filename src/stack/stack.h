/* stack.h: struct stack, one per core, holding all of a stack's state
 * (DESIGN.md principle 2: shared nothing), and the loop pass.
 *
 * A stack is driven in passes (principle 1):
 *
 *     stack_pass_begin(s, now)    clock in, RX burst from every port, carry
 *                                 each frame through the layers, run timers
 *     <application work>          ff_run's loop function, or a test's steps
 *     stack_pass_end(s)           flush TX on every port
 *
 * The clock is read once per pass by the caller and stored in s->now
 * (principle 4); protocol code reads s->now only.  ff_run() reads it through
 * s->clock_ns (stack_clock_ns, the monotonic clock, unless a test put its
 * own there: one indirect call per pass, nothing per packet), once per pass:
 * the reading that ends a pass (its busy/idle time) is the next one's now.
 * Tests that drive passes themselves pass virtual time.
 *
 * The stack of the calling thread is found with stack_current() (a
 * thread-local pointer, the only way the F-Stack API, which has no stack
 * argument, can reach it); all internal functions take the stack explicitly.
 */
#ifndef FASTACK_STACK_STACK_H
#define FASTACK_STACK_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "base/counters.h"
#include "base/timer.h"
#include "co/co.h"
#include "eth/arp.h"
#include "eth/eth.h"
#include "event/event.h"
#include "ip/ip4.h"
#include "port/port.h"
#include "socket/socket.h"
#include "stack/compat.h"
#include "stack/config.h"
#include "stack/knobs.h"
#include "stack/mem.h"
#include "stack/steer.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

#define STACK_MAX_PORTS 8
#define STACK_MAX_NETIF 24 /* ports + VLANs */
#define STACK_RX_BURST 32
#define STACK_TICK_NS 1000000ull /* timer wheel resolution: 1 ms */

struct stack_stats {
	struct port_stats port;
	struct eth_stats eth;
	struct arp_stats arp;
	struct ip4_stats ip4;
	struct icmp_stats icmp;
	struct udp_stats udp;
	struct tcp_stats tcp;
	struct sock_stats sock;
	struct event_stats ev;
	struct mem_stats mem;
	struct co_stats co;
	struct rss_stats rss;
	/* loop accounting (fastack top) */
	uint64_t loop_passes, loop_busy_passes, loop_busy_ns, loop_idle_ns, loop_sleeps;
};

/* Per-layer private state, allocated by each layer's init. */
struct arp_table;
struct route4_table;
struct ip4_state;
struct icmp_state;
struct udp_state;
struct tcp_layer;
struct sock_table;
struct ctl_stack;

struct stack {
	unsigned id;              /* stack index (proc-id / thread index) */
	uint64_t now;             /* ns; set once per pass */
	struct rte_mempool *pool; /* packet buffers of this stack */
	struct stack_mem mem;     /* their budget (mem.h) */
	int64_t knob[KNOB_COUNT]; /* this stack's knob values */

	struct port *ports[STACK_MAX_PORTS];
	unsigned nports;
	struct netif ifs[STACK_MAX_NETIF];
	unsigned nifs;

	struct timer_wheel *wheel;

	struct arp_table *arp;
	struct route4_table *rt4;
	struct ip4_state *ip4;
	struct icmp_state *icmp;
	struct udp_state *udp;
	struct tcp_layer *tcp;
	struct sock_table *socks;
	struct co_rt *co;   /* coroutines (src/co), NULL until the first spawn */
	uint64_t kq_timers; /* EVFILT_TIMER knotes (kern.kq_calloutmax) */

	struct stack_steer steer; /* the group of stacks this one hands frames to */

	struct stack_stats stats;
	uint64_t rand_state;        /* xorshift state for the stack's PRNG */
	bool seeded;                /* stack_create_seeded: no entropy from outside */
	volatile bool stop;         /* ff_stop_run() */
	uint64_t (*clock_ns)(void); /* ff_run's clock: stack_clock_ns (tests count
	                               or drive it) */
	uint32_t idle_sleep_us;     /* ff_run sleeps this long after a pass that
	                               received nothing ([dpdk] idle_sleep) */
	struct stack_compat compat; /* F-Stack's zero-copy chains (compat.h) */
	struct ctl_stack *ctl;      /* control channel mailbox (ctl/ctl.h); NULL: none */
} __rte_cache_aligned;

/* The free buffers in s's pool now (mem.h): its ring plus this lcore's
 * cache; pools that are not ring-based ask rte_mempool_avail_count. */
static inline uint32_t stack_mem_free_now(struct stack *s)
{
	struct rte_mempool *mp = s->pool;
	unsigned lc = rte_lcore_id();
	uint32_t n;

	if (unlikely(!s->mem.ring))
		return stack_mem_free_slow(s);
	n = rte_ring_count(s->mem.ring);
	if (mp->cache_size && lc < RTE_MAX_LCORE)
		n += mp->local_cache[lc].len;
	return n;
}

/* Samples the pool (mem.h): at the start of each pass and after each RX
 * burst. */
static inline void stack_mem_sample(struct stack *s)
{
	struct stack_mem *m = &s->mem;

	m->avail = stack_mem_free_now(s);
	if (unlikely(m->avail < m->free_lowest))
		m->free_lowest = m->avail;
	if (unlikely(m->avail < m->lowat || m->level != MEM_OK || m->waiters))
		stack_mem_update(s);
}

/* The largest socket buffer SO_RCVBUF/SO_SNDBUF may set: FreeBSD's
 * sb_max_adj, kern.ipc.maxsockbuf scaled by MCLBYTES / (MSIZE + MCLBYTES)
 * (2048 / 2304: what mbuf headers would cost there). */
static inline int64_t stack_sb_max_adj(const struct stack *s)
{
	int64_t max = KNOB(s, TCP_MAXSOCKBUF);

	return max > INT64_MAX / 2048 ? max / 2304 * 2048 : max * 2048 / 2304;
}

/* Creates a stack with no ports.  knobs may be NULL (defaults).  The pool is
 * the stack's packet pool (created by the caller; PKT_PRIV_SIZE private
 * area).  Returns NULL on failure (errno set). */
struct stack *stack_create(unsigned id, struct rte_mempool *pool, const int64_t *knobs,
                           uint64_t now);
/* Tests and fuzz targets only: a stack that takes no entropy from outside.
 * Everything stack_create draws at random comes from seed instead: the PRNG
 * state (stack_rand: ephemeral ports, IP ids, hash seeds) and, from it, the
 * TCP secrets (ISN key, SYN-cookie key, timestamp-offset key; tcp_init), so
 * that the same calls on the same virtual clock give the same segments, bit
 * for bit, on every run (a fuzzer's crash replays).  Not exported (only ff_*
 * is: src/libfastack.map), no knob, no config key: neither a peer nor an
 * operator reaches it, and predictable ISNs or cookies never reach a
 * deployed stack. */
struct stack *stack_create_seeded(unsigned id, struct rte_mempool *pool, const int64_t *knobs,
                                  uint64_t now, uint64_t seed);
/* Closes every socket, port and table; frees the stack. */
void stack_destroy(struct stack *s);
/* Sets knob id of a running stack to v (range-checked: -ERANGE), with the
 * effects a change has at once: the fastack.mem.* limits are recomputed, and
 * action knobs (unit "action": net.inet.tcp.hostcache.purgenow) act and
 * read 0 again, as FreeBSD's do.  0 or -errno. */
int stack_knob_set(struct stack *s, enum knob_id id, int64_t v);
/* Attaches a port (the stack owns it from now on) and returns its netif index
 * for the untagged interface, or -errno. */
int stack_add_port(struct stack *s, struct port *p);
/* Adds a netif on port p (vlan_id 0 = untagged, already made by
 * stack_add_port) with addresses; installs the connected and default routes.
 * Returns the netif index or -errno. */
int stack_add_netif(struct stack *s, struct port *p, uint16_t vlan_id,
                    const struct ifaddr_cfg *ifa);
/* Configures the addresses of an existing netif (index) and its routes. */
int stack_set_ifaddr(struct stack *s, unsigned ifindex, const struct ifaddr_cfg *ifa);

/* One loop pass, in two halves (see above).  Returns the number of frames
 * received. */
unsigned stack_pass_begin(struct stack *s, uint64_t now);
void stack_pass_end(struct stack *s);

/* The calling thread's stack. */
struct stack *stack_current(void);
void stack_set_current(struct stack *s);

/* A fast per-stack PRNG (xorshift64*): ISNs use a keyed hash, not this. */
uint64_t stack_rand(struct stack *s);

/* Counter groups, for ff_stats_* and the tools. */
struct counter_group {
	const char *name;
	const struct counter_desc *descs;
	unsigned n;
	size_t offset; /* of the group in struct stack_stats */
};
extern const struct counter_group stack_counter_groups[];
extern const unsigned stack_counter_ngroups;

/* Monotonic clock in ns (for ff_run and tools; protocol code uses s->now). */
uint64_t stack_clock_ns(void);

#endif
