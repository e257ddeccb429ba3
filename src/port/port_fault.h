/* port_fault.h: a fault-injecting wrapper for any port (the impairments of
 * DESIGN.md's protocol and integration tests; this kernel has no netem).
 *
 * Configured by struct fault_cfg (port_fault_cfg.h; the [portN] fault_* keys
 * of the configuration fill it in).
 * In each direction that f->dir selects, every frame meets, in this order:
 *
 *   loss       dropped with probability f->loss                  (fault_lost)
 *   dup        with probability f->dup a full copy (rte_pktmbuf_copy, not a
 *              clone) follows the original; from here on both go their own
 *              way                                                (fault_duplicated)
 *   corrupt    with probability f->corrupt one random bit of one random byte
 *              anywhere in the frame (headers included) is flipped; checksums
 *              upstream then reject it.  A frame sharing buffers is copied
 *              first; on TX, checksums the NIC was asked to fill in are
 *              computed first (the wire is what gets corrupted); on RX, the
 *              NIC's checksum verdicts are cleared                (fault_corrupted)
 *   reorder    with probability f->reorder the frame is held back for
 *              2 * f->delay_us (1 ms when delay_us is 0), so frames sent after
 *              it overtake it                                     (fault_reordered)
 *   delay      otherwise, when f->delay_us > 0, the frame is held for
 *              delay_us                                           (fault_delayed)
 *
 * Time is the owning stack's clock (*p->now, ns): with virtual time, frames
 * are held until a test advances it.  Held frames wait in bounded FIFOs
 * (struct pktq via the mbuf private area); beyond PORT_FAULT_HOLD_MAX frames
 * per direction a frame is dropped (fault_overflow).
 *
 * When held frames leave: RX-held frames on a later rx_burst; TX-held frames
 * on a later tx_burst (port_tx_flush() calls it every loop pass, even with
 * nothing to send), on every rx_burst (the stack receives every pass), or on
 * port_fault_poll().  Frames the port below refuses are freed and counted in
 * tx_dropped.  The wrapper itself takes every frame it is offered.
 *
 * Randomness: a splitmix64 generator per direction seeded from f->seed, so a
 * seed gives the same pattern on every run whatever the other direction does.
 * Every frame draws the same number of values, so e.g. the loss pattern does
 * not change when only f->dup changes.
 *
 * Counters go to p->stats (the owning stack's port_stats).  port_close()
 * frees every held frame and closes the wrapped port.
 *
 * Stacking: ff_init wraps [portN] as dpdk -> fault -> pcap, so the capture
 * shows what the stack sees (after RX faults, before TX faults).
 */
#ifndef FASTACK_PORT_PORT_FAULT_H
#define FASTACK_PORT_PORT_FAULT_H

#include <stdint.h>

#include "port/port.h"
#include "port/port_fault_cfg.h"

#define PORT_FAULT_HOLD_MAX 4096 /* frames held per direction (delay + reorder) */

/* Wraps lower (mac, mtu, offloads and name are copied from it).  Returns NULL
 * with errno EINVAL (a probability outside 0..1, an unknown dir) or ENOMEM;
 * lower is then still the caller's. */
struct port *port_fault_wrap(struct port *lower, const struct fault_cfg *f);

/* Sends the TX-held frames that are due by *p->now.  Not needed when the
 * port is polled by a stack (see above).  No-op on other ports. */
void port_fault_poll(struct port *p);

/* Changes the per-direction hold limit (tests; default PORT_FAULT_HOLD_MAX). */
void port_fault_set_hold_max(struct port *p, uint32_t n);

/* Frames held now in both directions (tests). */
unsigned port_fault_held(const struct port *p);

#endif
