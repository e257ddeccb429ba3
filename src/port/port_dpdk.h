/* port_dpdk.h: an ethdev queue as a port (any PMD: NICs, and the virtual
 * ones the tests use: net_af_packet, net_af_xdp, net_tap, net_memif).
 *
 * Call order (ff_init):
 *
 *   primary process:   port_dpdk_setup(id, nb_queues, pools, &conf, err, len)
 *                      once per ethdev: configure, queues, offloads, start,
 *                      wait for link;
 *   every process/stack: p = port_dpdk_open(id, queue, err, len)
 *                      one queue of a started ethdev; secondary processes
 *                      only open (the primary set the device up);
 *   then optional wrappers (port_fault_wrap, port_pcap_wrap), stack_add_port;
 *   at exit: port_close(p) for each port (the device keeps running), then in
 *   the primary port_dpdk_shutdown(id).
 *
 * Offloads: setup enables RX IPv4/UDP/TCP checksum offload (unless
 * conf->rx_csum_offload_skip) and TX IPv4/UDP/TCP checksum offload (unless
 * conf->tx_csum_offload_skip, from [dpdk] tx_csum_offoad_skip) where the PMD
 * offers them; open reports in p->offloads the PORT_OFF_* bits actually
 * enabled (tests/unit/test_port_pmd.c checks them against dev_info).  The
 * stack must still check per-mbuf flags on RX (a PMD may say
 * UNKNOWN) and set l2_len/l3_len and RTE_MBUF_F_TX_* for TX offloads
 * (DPDK's rules; the L4 checksum field holds the pseudo-header sum).
 * Multi-segment frames are sent as they are when the PMD declares
 * RTE_ETH_TX_OFFLOAD_MULTI_SEGS, otherwise copied into one segment first.
 * VLAN tags stay in the frames (no VLAN strip/insert offload).
 */
#ifndef FASTACK_PORT_PORT_DPDK_H
#define FASTACK_PORT_PORT_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "port/port.h"
#include "stack/config.h"

#define PORT_DPDK_NB_DESC 1024          /* default RX/TX descriptors per queue */
#define PORT_DPDK_LINK_TIMEOUT_MS 10000 /* default wait for link up */

struct port_dpdk_conf {
	uint16_t mtu;              /* 0: keep the device's */
	uint16_t nb_rxd, nb_txd;   /* 0: PORT_DPDK_NB_DESC (adjusted to the PMD) */
	bool promiscuous;          /* failure to enable is only a warning */
	bool tx_csum_offload_skip; /* never enable TX checksum offloads */
	bool rx_csum_offload_skip; /* never enable RX checksum offloads */
	unsigned link_timeout_ms;  /* 0: PORT_DPDK_LINK_TIMEOUT_MS */
	bool link_down_ok;         /* link still down at the timeout: warn, go on */
	/* Several stacks (nb_queues > 1): */
	bool soft_rss;        /* fewer queues than stacks, or no usable RSS: steer in
	                         software (port_rss.h); false: such a port is an error */
	bool device_rss_key;  /* keep the device's RSS key ([dpdk] symmetric_rss=0) */
	struct port_rss *rss; /* if set, filled with how frames reach the stacks */
};

/* The setup of ethdev port_id as the configuration asks for it: [dpdk]
 * promiscuous and tx_csum_offoad_skip (F-Stack's spelling), [portN] mtu;
 * everything else at its default. */
void port_dpdk_conf_from_config(struct port_dpdk_conf *dc, const struct config *cfg,
                                uint16_t port_id);

/* Primary process only: configures ethdev port_id for nb_queues stacks: one
 * RX and TX queue pair each, RX queue q filling from pools[q] (nb_queues
 * entries: one pool per stack; the same pool may be repeated).  With several
 * stacks, RSS over IPv4 TCP and UDP with the symmetric key (unless
 * conf->device_rss_key) and a RETA spread over the queues; conf->rss gets
 * the key and table (hardware RSS), or, when the device takes no key or
 * table or hashes neither TCP nor UDP, software mode.  A device with fewer
 * queue pairs than stacks gets as many as it has, in software mode, when
 * conf->soft_rss; otherwise it is an error naming the fix.  Also sets the
 * MTU, promiscuous mode, checksum offloads; starts it and waits for the link.
 * conf may be NULL (all defaults).  0, or -errno with a message naming the
 * port, its PMD and what to check in err. */
int port_dpdk_setup(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *const *pools,
                    const struct port_dpdk_conf *conf, char *err, size_t errlen);

/* Wraps queue queue_id of started ethdev port_id (any process).  p->name is
 * the device name (e.g. "net_af_xdp0"); mac, mtu and offloads are filled in.
 * NULL with a message in err. */
struct port *port_dpdk_open(uint16_t port_id, uint16_t queue_id, char *err, size_t errlen);

/* Primary process, after every port on it is closed: stops and closes the
 * device (frees what the PMD holds). */
void port_dpdk_shutdown(uint16_t port_id);

#endif
