/* port.h: the packet I/O interface every layer above sends and receives
 * through, and the ports that implement it.
 *
 * A port is an ops struct plus state.  Implementations:
 *   - dpdk:    an ethdev queue (any PMD: af_packet, af_xdp, tap, memif, NICs);
 *   - memlink: one end of an in-memory link joining two stacks in one process
 *              (the protocol test bed; runs on the stacks' virtual time);
 * and wrappers that stack on any port (smoltcp FaultInjector/PcapWriter):
 *   - fault:   seeded loss, duplication, reordering, delay, corruption;
 *   - pcap:    writes every frame in both directions to a pcap file.
 *
 * Call order: open/create -> (wrap) -> stack_add_port(); then per loop pass
 * port_rx_burst() and port_tx() / port_tx_flush(); port_close() at the end.
 *
 * Ownership: rx_burst hands the mbufs to the caller.  tx_burst takes what it
 * returns the count of; port_tx_flush() frees (and counts) whatever a port
 * did not take, so nothing leaks and nothing is held back (STYLE habit 9).
 * port_tx_flush() calls tx_burst every time, also with n == 0, so that a
 * wrapper holding frames (fault delay) can release them once per pass.
 *
 * Headers: port_dpdk.h, port_memlink.h, port_fault.h, port_pcap.h; shared
 * helpers for implementations in port_priv.h.  A port that no stack has
 * adopted yet has its own clock (0) and counters, so p->now and p->stats
 * are never NULL; stack_add_port() points them at the stack's.
 */
#ifndef FASTACK_PORT_PORT_H
#define FASTACK_PORT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "base/counters.h"

#define PORT_TX_BUF 64 /* frames queued per port before an early flush */

#define PORT_STATS(X)                                                                              \
	X(rx_packets, "frames received from ports")                                                \
	X(rx_bytes, "bytes received from ports")                                                   \
	X(tx_packets, "frames taken by ports")                                                     \
	X(tx_bytes, "bytes taken by ports")                                                        \
	X(tx_dropped, "dropped: port did not take the frame (queue full)")                         \
	X(rx_oversize, "dropped: received frame longer than the link MTU")                         \
	X(fault_lost, "fault injection: frames dropped")                                           \
	X(fault_lost_bytes, "fault injection: bytes of frames dropped")                            \
	X(fault_duplicated, "fault injection: frames duplicated")                                  \
	X(fault_reordered, "fault injection: frames reordered")                                    \
	X(fault_delayed, "fault injection: frames delayed")                                        \
	X(fault_corrupted, "fault injection: frames corrupted")                                    \
	X(fault_overflow, "fault injection: dropped, delay queue full")                            \
	X(pcap_errors, "capture: frames not written")                                              \
	X(dispatch_responded,                                                                      \
	  "frames the application's packet dispatcher answered, sent back out")                    \
	X(dispatch_dropped, "dropped: the packet dispatcher said FF_DISPATCH_ERROR (or no queue)") \
	X(dispatch_other_queue, "dropped: the packet dispatcher named another stack's queue")      \
	X(raw_sent, "frames the application sent with ff_dpdk_raw_packet_send")
COUNTER_STRUCT(port_stats, PORT_STATS);

/* Offload capabilities the stack may rely on (probed from the PMD). */
#define PORT_OFF_RX_IPV4_CKSUM (1u << 0)
#define PORT_OFF_RX_L4_CKSUM (1u << 1)
#define PORT_OFF_TX_IPV4_CKSUM (1u << 2)
#define PORT_OFF_TX_UDP_CKSUM (1u << 3)
#define PORT_OFF_TX_TCP_CKSUM (1u << 4)

struct port;
struct port_rss;

struct port_ops {
	/* Receives up to n frames into pkts; returns how many. */
	uint16_t (*rx_burst)(struct port *p, struct rte_mbuf **pkts, uint16_t n);
	/* Offers n frames; returns how many were taken (the caller keeps the
	 * rest). */
	uint16_t (*tx_burst)(struct port *p, struct rte_mbuf **pkts, uint16_t n);
	/* Releases the port, every frame it still holds, and the wrapped port. */
	void (*close)(struct port *p);
};

struct port {
	const struct port_ops *ops;
	struct port *lower;       /* the wrapped port (wrappers only) */
	void *priv;               /* implementation state */
	const uint64_t *now;      /* owning stack's clock (ns), for delays */
	struct port_stats *stats; /* owning stack's port counters */
	char name[32];
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint32_t offloads;          /* PORT_OFF_* */
	uint16_t index;             /* index in the stack's port array */
	const struct port_rss *rss; /* how the device spreads frames over the
	                               stacks (port_rss.h); NULL: one stack */
	uint16_t tx_n;              /* frames waiting in tx_buf */
	/* A live capture (src/ctl, `fastack capture`): sees every burst
	 * received and every burst offered to the port; NULL (one branch a
	 * burst) when none runs. */
	void (*tap)(struct port *p, struct rte_mbuf *const *pkts, uint16_t n, bool tx);
	void *tap_arg;
	struct rte_mbuf *tx_buf[PORT_TX_BUF];
};

/* Queues one frame for transmission; flushes early when the buffer is full. */
void port_tx(struct port *p, struct rte_mbuf *m);
/* Hands every queued frame to the port; frees and counts what it refuses. */
void port_tx_flush(struct port *p);
uint16_t port_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n);
/* Flushes, then closes the port (and what it wraps). */
void port_close(struct port *p);

#endif
