/* harness.h: the test harness shared by unit and protocol tests.
 *
 *  - a tiny runner: TEST(name) { ... } registers a test; CHECK()/CHECK_EQ()
 *    record failures with file:line; harness_main() runs every test (or those
 *    named on the command line) and ends with "N passed, N failed";
 *  - EAL start-up without hugepages or PCI, and packet pools;
 *  - a capture port: records every frame a stack sends, and injects frames
 *    into it, so a test can speak to a stack byte by byte;
 *  - two stacks joined by an in-memory link on virtual time (the protocol
 *    test bed), with optional fault injection;
 *  - tcpdump-style one-line decoding of frames for failure messages, and a
 *    trace of the last frames on a pair's link, printed at a test's first
 *    failure;
 *  - leak checks: every pool must be full again at teardown.
 */
#ifndef FASTACK_TESTS_HARNESS_H
#define FASTACK_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "port/port_rss.h"
#include "stack/config.h"
#include "stack/stack.h"

/* ---- runner ---- */

typedef void (*test_fn)(void);
void harness_register(const char *name, test_fn fn);
int harness_main(int argc, char **argv);
void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Failures so far in the running test. */
unsigned harness_failures(void);

#define TEST(name)                                                     \
	static void test_##name(void);                                 \
	__attribute__((constructor)) static void register_##name(void) \
	{                                                              \
		harness_register(#name, test_##name);                  \
	}                                                              \
	static void test_##name(void)

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			harness_fail(__FILE__, __LINE__, "CHECK(" #cond ") " __VA_ARGS__); \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);                             \
		if (a_ != b_)                                                                   \
			harness_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
			             a_, #b, b_);                                               \
	} while (0)

/* call must return -1 with errno e (an ff_* call's failure). */
#define CHECK_ERR(call, e)                                                                \
	do {                                                                              \
		errno = 0;                                                                \
		long r_ = (long)(call);                                                   \
		int e_ = errno;                                                           \
		if (r_ != -1 || e_ != (e))                                                \
			harness_fail(__FILE__, __LINE__,                                  \
			             "%s = %ld, errno %d (%s), expected "                 \
			             "-1, errno %d (%s)",                                 \
			             #call, r_, e_, strerror(e_), (int)(e), strerror(e)); \
	} while (0)

/* ---- EAL and pools ---- */

/* Starts the EAL once per process (--no-huge --no-pci --in-memory). */
void harness_eal_init(void);
/* A packet pool with PKT_PRIV_SIZE private area; unique name per call. */
struct rte_mempool *harness_pool(unsigned n);
/* Fails the test unless every mbuf of pool is back. */
void harness_check_pool_full_(struct rte_mempool *pool, const char *file, int line);
#define CHECK_POOL_FULL(pool) harness_check_pool_full_(pool, __FILE__, __LINE__)

/* ---- frames ---- */

/* A frame holding a copy of len bytes. */
struct rte_mbuf *harness_frame(struct rte_mempool *pool, const void *bytes, size_t len);
/* One-line tcpdump-like description of a frame (Ethernet onwards). */
const char *harness_describe(const struct rte_mbuf *m, char *buf, size_t len);

/* ---- capture port ---- */

/* A port that keeps what the stack sends and delivers what the test injects. */
struct port *cap_port_create(const struct rte_ether_addr *mac);
/* Queues a frame for the stack's next RX burst (takes ownership). */
void cap_port_inject(struct port *p, struct rte_mbuf *m);
/* Pops the oldest frame the stack sent (caller frees), or NULL. */
struct rte_mbuf *cap_port_pop(struct port *p);
unsigned cap_port_sent(struct port *p);
/* Frees everything the stack sent so far. */
void cap_port_clear(struct port *p);

/* ---- fixtures ---- */

/* One stack on a capture port with address 198.18.0.1/24 unless cfg gives
 * another; mac 02:00:00:00:00:01. */
struct h_one {
	struct rte_mempool *pool;
	struct stack *s;
	struct port *cap;
	uint64_t now;
};
void h_one_create(struct h_one *h, const struct ifaddr_cfg *ifa, const int64_t *knobs);
/* Runs one pass at h->now. */
void h_one_pass(struct h_one *h);
/* Advances virtual time by ms milliseconds, one pass per millisecond. */
void h_one_run_ms(struct h_one *h, unsigned ms);
void h_one_destroy(struct h_one *h);

/* Two stacks joined by an in-memory link: a is 198.18.0.1/24 (mac ...:01),
 * b is 198.18.0.2/24 (mac ...:02).  fault_a/fault_b (may be NULL) wrap the
 * link ends. */
struct h_pair {
	struct rte_mempool *pool_a, *pool_b;
	struct stack *a, *b;
	uint64_t now;
};
void h_pair_create(struct h_pair *h, const struct fault_cfg *fault_a,
                   const struct fault_cfg *fault_b, const int64_t *knobs);
/* One pass of each stack at h->now (a first). */
void h_pair_pass(struct h_pair *h);
/* One pass of a, then of b, at now, each as the current stack. */
void h_pass_two(struct stack *a, struct stack *b, uint64_t now);
void h_pair_run_ms(struct h_pair *h, unsigned ms);
void h_pair_destroy(struct h_pair *h);

/* N stacks behind one port, and one peer stack on the other end of the
 * link (threads mode's shape, on virtual time).  Stack i (198.18.0.1/24,
 * mac ...:01, id i) is the process context (stack/proc.h) and a steering
 * group (stack/steer.h) until h_multi_destroy; the peer (198.18.0.2/24, mac
 * ...:02, id H_MULTI_PEER_ID) has one queue.  Every stack's port has the
 * RSS of h->rss (port_rss.h: the symmetric key, entry i to stack i % n).
 *
 * h_multi_create: the port has N queues and the link steers what the peer
 * sends as a NIC with RSS would: steer() picks the queue (a queue index, or
 * H_STEER_ALL: a copy to every queue); NULL means h_steer_rss, the NIC
 * hashing with h->rss (ARP, which it cannot hash, to queue 0).
 * h_multi_create_soft: software RSS: the port has nqueues <= N queues,
 * spread by a hash of the harness's own (h_flow_hash, as a kernel's fanout
 * would, ARP to queue 0); the stacks find each frame's owner themselves and
 * hand it over; stacks from nqueues on have no queue and send through
 * stack i % nqueues. */
#define H_MULTI_MAX 8
#define H_MULTI_PEER_ID 100
#define H_STEER_ALL (-1)
typedef int (*h_steer_fn)(void *arg, const struct rte_mbuf *m, unsigned nqueues);
struct h_multi {
	unsigned n;
	struct rte_mempool *pool_peer, *pools[H_MULTI_MAX];
	struct stack *peer, *s[H_MULTI_MAX];
	struct port_rss rss;
	uint64_t now;
};
void h_multi_create(struct h_multi *h, unsigned n, h_steer_fn steer, void *steer_arg,
                    const int64_t *knobs);
void h_multi_create_soft(struct h_multi *h, unsigned n, unsigned nqueues, const int64_t *knobs);
/* One pass of the peer, then of each stack in order, at h->now. */
void h_multi_pass(struct h_multi *h);
void h_multi_run_ms(struct h_multi *h, unsigned ms);
/* Unlinks and destroys every stack, checks every pool is full, clears the
 * context. */
void h_multi_destroy(struct h_multi *h);
/* A NIC's RSS: arg is the struct port_rss; IPv4 TCP and UDP by their
 * 4-tuple, other IPv4 by addresses, the rest to reta[0]. */
int h_steer_rss(void *arg, const struct rte_mbuf *m, unsigned nqueues);
/* Another flow hash (h_flow_hash: symmetric, not Toeplitz): ARP to every
 * queue; IPv4 TCP and UDP by the 4-tuple, other IPv4 by its addresses;
 * anything else to queue 0.  h_steer_flow_arp0: the same, ARP to queue 0. */
int h_steer_flow(void *arg, const struct rte_mbuf *m, unsigned nqueues);
int h_steer_flow_arp0(void *arg, const struct rte_mbuf *m, unsigned nqueues);
/* That hash, from addresses and ports in network order. */
uint32_t h_flow_hash(uint32_t a1, uint32_t a2, uint16_t p1, uint16_t p2);
/* Two seeded stacks (stack_create_seeded: every run the same, bit for bit)
 * on capture ports, a 198.18.0.1/24 (mac ...:01) and b 198.18.0.2/24 (mac
 * ...:02), each with a static ARP entry for the other.  Nothing crosses by
 * itself: the caller is the link, moving frames with cap_port_pop from one
 * end and cap_port_inject into the other (and may change, drop, reorder or
 * add them on the way: the TCP fuzz target).  The pools are the caller's
 * (kept across many pairs); h_relay_destroy checks they are full again. */
struct h_relay {
	struct rte_mempool *pool_a, *pool_b;
	struct stack *a, *b;
	struct port *cap_a, *cap_b;
	uint64_t now;
};
void h_relay_create(struct h_relay *h, struct rte_mempool *pool_a, struct rte_mempool *pool_b,
                    const int64_t *knobs, uint64_t seed);
/* One pass of each stack at h->now (a first); nothing is moved. */
void h_relay_pass(struct h_relay *h);
/* Destroys both stacks, frees what waits on the capture ports, and fails
 * the running test unless both pools are full. */
void h_relay_destroy(struct h_relay *h);

/* Address helpers (host order in, network order out). */
uint32_t h_ip4(const char *dotted);
/* Fills a (ip NULL: any address) and returns it as the ff_* API takes it. */
struct sockaddr_in;
struct linux_sockaddr;
struct linux_sockaddr *h_sin4(struct sockaddr_in *a, const char *ip, uint16_t port);
struct ifaddr_cfg h_ifaddr(const char *addr, const char *mask, const char *gw);

#endif
