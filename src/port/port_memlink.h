/* port_memlink.h: an in-memory Ethernet link joining two ports (two stacks)
 * in one process: the protocol test bed (DESIGN.md, test layer 2).
 *
 * What one end sends, the other end receives, in order, through a bounded
 * queue per direction (a lock-free single-producer/single-consumer ring, so
 * the two stacks may also run in two threads).  Frames pass by reference
 * when the sender owns them exclusively; a frame sharing buffers with
 * another packet (a clone from a TCP retransmission queue) is copied, as a
 * NIC would hand the receiver fresh buffers.  On receive, the mbuf metadata
 * (ol_flags, packet_type, l2_len, ...) is reset as a NIC would.
 *
 * The link has no clock: delay, loss and the rest come from the fault
 * wrapper (port_fault.h) stacked on either end.
 *
 * Limits and drops:
 *   - a full queue refuses frames (tx_burst takes fewer), which
 *     port_tx_flush() frees and counts as tx_dropped of the sender;
 *   - a frame longer than the receiving end's p->mtu + 18 (Ethernet header
 *     and one 802.1Q tag; no FCS) is dropped on receive (rx_oversize);
 *   - frames sent after the other end closed are refused (tx_dropped).
 *
 * Offloads: none by default (the stack computes every checksum).
 * port_memlink_set_offloads() makes an end pretend to be a NIC with checksum
 * offloads: TX computes what the mbuf flags request, RX sets the
 * RTE_MBUF_F_RX_*_CKSUM_* verdicts, so both checksum paths get tested.
 *
 * Closing: each end is closed with port_close(), in any order; frames in
 * flight towards a closed end are freed, and the shared state goes with the
 * last end.
 */
#ifndef FASTACK_PORT_PORT_MEMLINK_H
#define FASTACK_PORT_PORT_MEMLINK_H

#include <stdint.h>

#include <rte_ether.h>

#include "port/port.h"

#define PORT_MEMLINK_OFFLOADS                                                     \
	(PORT_OFF_RX_IPV4_CKSUM | PORT_OFF_RX_L4_CKSUM | PORT_OFF_TX_IPV4_CKSUM | \
	 PORT_OFF_TX_UDP_CKSUM | PORT_OFF_TX_TCP_CKSUM)

/* Creates the two ends of a link; capacity is the number of frames each
 * direction holds (1..2^24).  Ends are named "memlink.a"/"memlink.b",
 * have mtu 1500 and no offloads.  0, or -EINVAL / -ENOMEM (nothing
 * allocated, *a and *b untouched). */
int port_memlink_pair(struct port **a, struct port **b, const struct rte_ether_addr *mac_a,
                      const struct rte_ether_addr *mac_b, uint32_t capacity);

/* Sets the checksum offloads an end pretends to have (a subset of
 * PORT_MEMLINK_OFFLOADS; other bits are ignored).  Call before the port is
 * wrapped or attached: wrappers and stacks copy p->offloads. */
void port_memlink_set_offloads(struct port *p, uint32_t offloads);

/* A tap: fn(arg, from, m) is called for every frame the link takes, from end
 * `from` (0: a, 1: b), in the sender's thread before the receiver can see it
 * (tests: the harness keeps a tcpdump-style trace of the link).  fn must
 * not keep or change m.  NULL turns it off.  Set on either end, it serves
 * both directions. */
typedef void (*port_memlink_tap_fn)(void *arg, unsigned from, const struct rte_mbuf *m);
void port_memlink_set_tap(struct port *p, port_memlink_tap_fn fn, void *arg);

/* Frames waiting in the queue towards this end (tests). */
unsigned port_memlink_pending(const struct port *p);

#endif
