/* port_priv.h: what port implementations share (not for layers above).
 *
 *  - port_alloc()/port_free(): one cache-aligned block holding struct port,
 *    a fallback clock and counter set (so a port works before a stack adopts
 *    it: p->now and p->stats are never NULL), and the implementation's
 *    private state (p->priv);
 *  - port_lower_sync(): wrappers pass their clock and counters down, so that
 *    a port below a wrapper counts into the owning stack's port_stats;
 *  - mbuf helpers: exclusive ownership tests and software checksum
 *    "offloads" (port_cksum.c), used by the in-memory link to behave like a
 *    NIC and by the fault injector to corrupt frames as a wire would.
 */
#ifndef FASTACK_PORT_PORT_PRIV_H
#define FASTACK_PORT_PORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "port/port.h"

/* Allocates a zeroed port with priv_size bytes of private state (p->priv,
 * cache-line aligned), ops, name (truncated to fit), mtu 1500.  NULL on
 * failure. */
struct port *port_alloc(const struct port_ops *ops, const char *name, size_t priv_size);
/* Frees a port from port_alloc() (not what it holds or wraps). */
void port_free(struct port *p);

/* Wrappers call this before using p->lower. */
static inline void port_lower_sync(struct port *p)
{
	p->lower->now = p->now;
	p->lower->stats = p->stats;
}

/* True when every segment of m is a direct mbuf that only m references, so
 * its bytes may be changed without touching another packet (a TCP
 * retransmission queue holds clones of what it sends). */
bool port_mbuf_exclusive(const struct rte_mbuf *m);
/* Makes *m exclusive (port_mbuf_exclusive) by replacing it with a copy from
 * its own pool when needed; the original is freed.  0, or -ENOMEM with *m
 * unchanged. */
int port_mbuf_own(struct rte_mbuf **m);

/* Does in software what the TX checksum flags of m ask of a NIC (IPv4 header
 * checksum, TCP/UDP checksum over IPv4 or IPv6, using l2_len/l3_len) and
 * clears those flags.  m must be exclusive.  Requests that do not fit the
 * frame are cleared and left undone (the peer will see a bad checksum). */
void port_sw_tx_cksum(struct rte_mbuf *m);
/* Classifies the checksums of a received Ethernet frame as a NIC with the
 * given PORT_OFF_RX_* offloads would: sets RTE_MBUF_F_RX_IP_CKSUM_GOOD/BAD
 * and RTE_MBUF_F_RX_L4_CKSUM_GOOD/BAD, or leaves them UNKNOWN when the frame
 * is not plain IPv4/IPv6 TCP/UDP or is malformed (the stack then checks in
 * software and counts the reason). */
void port_sw_rx_cksum(struct rte_mbuf *m, uint32_t offloads);
/* Clears every RX checksum verdict of m (UNKNOWN). */
static inline void port_rx_cksum_forget(struct rte_mbuf *m)
{
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK |
	                 RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK | RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD);
}

#endif
