/* port_dpdk.c: ethdev ports (see port_dpdk.h for the call order).
 *
 * Setup follows the ethdev life cycle: dev_info -> configure (queues, RSS,
 * MTU, port-level offloads) -> adjust descriptor counts -> RX/TX queue setup
 * -> promiscuous -> start -> poll the link.  Every failure message names the
 * port and its device so a configuration mistake is found without a debugger.
 *
 * The data path is a thin shim over rte_eth_rx_burst/rte_eth_tx_burst, with
 * rte_eth_tx_prepare (offload fix-ups some PMDs need) and, for PMDs that
 * cannot send mbuf chains, a copy into one segment.
 */
#include "port/port_dpdk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "base/log.h"
#include "port/port_priv.h"
#include "port/port_rss.h"

#define DPDK_RX_CSUM                                                    \
	(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
	 RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define DPDK_TX_CSUM                                                    \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
	 RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
#define DPDK_LINK_POLL_MS 10
/* Room for the Ethernet header, one 802.1Q tag and the FCS beyond the MTU. */
#define DPDK_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 4 + RTE_ETHER_CRC_LEN)

struct dpdk_priv {
	uint16_t port_id, queue_id;
	bool linearize; /* the PMD cannot send chains */
};

static uint16_t dpdk_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dpdk_priv *dp = p->priv;

	return rte_eth_rx_burst(dp->port_id, dp->queue_id, pkts, n);
}

/* Replaces a chain by a one-segment copy.  0 or -ENOMEM (*m unchanged). */
static int dpdk_linearize(struct rte_mbuf **m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(*m, (*m)->pool, 0, UINT32_MAX);

	if (!c)
		return -ENOMEM;
	if (c->nb_segs > 1) { /* longer than one buffer: cannot be sent */
		rte_pktmbuf_free(c);
		return -EMSGSIZE;
	}
	rte_pktmbuf_free(*m);
	*m = c;
	return 0;
}

static uint16_t dpdk_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dpdk_priv *dp = p->priv;
	uint16_t k = n;

	if (n == 0)
		return 0;
	if (unlikely(dp->linearize)) {
		for (k = 0; k < n; k++)
			if (pkts[k]->nb_segs > 1 && dpdk_linearize(&pkts[k]) < 0)
				break;
	}
	/* Frames from the first that fails preparation on are refused. */
	k = rte_eth_tx_prepare(dp->port_id, dp->queue_id, pkts, k);
	return rte_eth_tx_burst(dp->port_id, dp->queue_id, pkts, k);
}

static void dpdk_close(struct port *p)
{
	port_free(p);
}

static const struct port_ops dpdk_ops = {
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.close = dpdk_close,
};

static void dpdk_dev_name(uint16_t port_id, char *name)
{
	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		snprintf(name, RTE_ETH_NAME_MAX_LEN, "port%u", port_id);
}

/* Waits up to timeout_ms for link up.  0, or -ENETDOWN. */
static int dpdk_link_wait(uint16_t port_id, unsigned timeout_ms, struct rte_eth_link *link)
{
	for (unsigned waited = 0;; waited += DPDK_LINK_POLL_MS) {
		memset(link, 0, sizeof(*link));
		if (rte_eth_link_get_nowait(port_id, link) == -ENOTSUP) {
			link->link_status = RTE_ETH_LINK_UP; /* PMD cannot tell */
			return 0;
		}
		if (link->link_status == RTE_ETH_LINK_UP)
			return 0;
		if (waited >= timeout_ms)
			return -ENETDOWN;
		rte_delay_us_sleep(DPDK_LINK_POLL_MS * 1000);
	}
}

static void dpdk_offload_str(uint32_t off, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", off & PORT_OFF_RX_IPV4_CKSUM ? " rx-ipv4" : "",
	         off & PORT_OFF_RX_L4_CKSUM ? " rx-l4" : "",
	         off & PORT_OFF_TX_IPV4_CKSUM ? " tx-ipv4" : "",
	         off & PORT_OFF_TX_UDP_CKSUM ? " tx-udp" : "",
	         off & PORT_OFF_TX_TCP_CKSUM ? " tx-tcp" : "");
	if (!*buf)
		snprintf(buf, len, " none");
}

static uint32_t dpdk_port_offloads(uint64_t rx, uint64_t tx)
{
	uint32_t off = 0;

	if (rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		off |= PORT_OFF_RX_IPV4_CKSUM;
	if ((rx & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) && (rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM))
		off |= PORT_OFF_RX_L4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		off |= PORT_OFF_TX_IPV4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		off |= PORT_OFF_TX_UDP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		off |= PORT_OFF_TX_TCP_CKSUM;
	return off;
}

/* With several stacks, after start: the RETA spread over the queues, and
 * hardware mode when the device hashes IPv4 TCP and UDP, took the table,
 * and reports the key the stacks hash with; otherwise r stays in software
 * mode (the stacks check every frame's owner). */
static void dpdk_rss_table(uint16_t port_id, const char *name, const struct rte_eth_dev_info *info,
                           uint64_t hf, uint16_t nq, bool device_key, struct port_rss *r)
{
	struct rte_eth_rss_reta_entry64 reta[RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_rss_conf rc = { .rss_key = r->key, .rss_key_len = (uint8_t)r->key_len };
	uint8_t want[RSS_KEY_MAX];
	int ret;

	if (nq < r->nstacks || nq < 2 || !info->reta_size || info->reta_size != r->reta_size ||
	    !(hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) || !(hf & RTE_ETH_RSS_NONFRAG_IPV4_UDP))
		return;
	memset(reta, 0, sizeof(reta));
	for (unsigned i = 0; i < r->reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = r->reta[i];
	}
	ret = rte_eth_dev_rss_reta_update(port_id, reta, r->reta_size);
	if (ret < 0) {
		LOG_WARN("port %u (%s): RETA of %u entries not taken (%s): software RSS", port_id,
		         name, r->reta_size, strerror(-ret));
		return;
	}
	memcpy(want, r->key, sizeof(want));
	ret = rte_eth_dev_rss_hash_conf_get(port_id, &rc);
	if (ret < 0 || (!device_key && memcmp(want, r->key, r->key_len) != 0)) {
		LOG_WARN("port %u (%s): the RSS key cannot be read back or is not ours: software "
		         "RSS",
		         port_id, name);
		memcpy(r->key, want, sizeof(want));
		return;
	}
	r->soft = false;
}

void port_dpdk_conf_from_config(struct port_dpdk_conf *dc, const struct config *cfg,
                                uint16_t port_id)
{
	memset(dc, 0, sizeof(*dc));
	dc->promiscuous = cfg->promiscuous;
	dc->tx_csum_offload_skip = cfg->tx_csum_offload_skip;
	dc->soft_rss = cfg->soft_rss;
	dc->device_rss_key = !cfg->symmetric_rss;
	if (port_id < CFG_MAX_PORTS)
		dc->mtu = cfg->ports[port_id].mtu;
}

int port_dpdk_setup(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *const *pools,
                    const struct port_dpdk_conf *c, char *err, size_t errlen)
{
	static const struct port_dpdk_conf defaults;
	char name[RTE_ETH_NAME_MAX_LEN], offs[64];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	struct port_rss rss;
	uint16_t nb_rxd, nb_txd, mtu, nstacks;
	uint32_t room, timeout, key_len;
	uint64_t hf;
	int socket, rc;

	if (!c)
		c = &defaults;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		snprintf(err, errlen, "port %u: only the primary process sets up ports", port_id);
		return -EPERM;
	}
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen,
		         "port %u: no such DPDK port (%u probed; a virtual device needs "
		         "e.g. eal_args=--vdev=net_af_xdp0,iface=veth0)",
		         port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	dpdk_dev_name(port_id, name);
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): cannot get device info: %s", port_id, name,
		         strerror(-rc));
		return rc;
	}
	nstacks = nb_queues;
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		if (!c->soft_rss) {
			snprintf(err, errlen,
			         "port %u (%s, %s): %u queues wanted, the device has at most %u RX "
			         "and %u TX queues (af_packet: qpairs=N; af_xdp: queue_count=N; or "
			         "[dpdk] soft_rss=1 to share fewer queues in software)",
			         port_id, name, info.driver_name, nb_queues, info.max_rx_queues,
			         info.max_tx_queues);
			return -EINVAL;
		}
		if (strcmp(info.driver_name, "net_af_xdp") == 0) {
			/* Seen on a veth: two stacks on one af_xdp queue echo a
			 * few thousand frames, then lose a third of them (issue
			 * 9, tests/integ/73_multicore_af_xdp.sh); refused until
			 * understood rather than run broken. */
			snprintf(err, errlen,
			         "port %u (%s, net_af_xdp): %u stacks on %u queues: software RSS "
			         "over net_af_xdp is not supported (it loses frames); give the "
			         "device one queue per stack (queue_count=%u), or use "
			         "net_af_packet",
			         port_id, name, nb_queues,
			         RTE_MIN(info.max_rx_queues, info.max_tx_queues), nb_queues);
			return -EINVAL;
		}
		nb_queues = (uint16_t)RTE_MIN(info.max_rx_queues, info.max_tx_queues);
	}

	if (nb_queues == 0 || !pools) {
		snprintf(err, errlen, "port %u (%s): no queues or no mbuf pools", port_id, name);
		return -EINVAL;
	}
	for (uint16_t q = 0; q < nb_queues; q++) {
		if (!pools[q]) {
			snprintf(err, errlen, "port %u (%s): no mbuf pool for queue %u", port_id,
			         name, q);
			return -EINVAL;
		}
	}
	memset(&conf, 0, sizeof(conf));
	hf = (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV4) &
	     info.flow_type_rss_offloads;
	key_len = info.hash_key_size ? info.hash_key_size : RSS_KEY_LEN;
	if (nstacks > 1 &&
	    rss_init(&rss, nstacks, nb_queues, key_len <= RSS_KEY_MAX ? key_len : RSS_KEY_LEN,
	             info.reta_size && info.reta_size <= RSS_RETA_MAX ? info.reta_size : 0,
	             true) < 0) {
		snprintf(err, errlen, "port %u (%s): %u stacks: too many for RSS", port_id, name,
		         nstacks);
		return -EINVAL;
	}
	if (nb_queues > 1) {
		if (hf) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			if (!c->device_rss_key && key_len <= RSS_KEY_MAX) {
				conf.rx_adv_conf.rss_conf.rss_key = rss.key;
				conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)key_len;
			}
		} else {
			LOG_WARN("port %u (%s): no RSS; frames reach queues as the device "
			         "spreads them, the stacks steer them in software",
			         port_id, name);
		}
	}

	/* MTU, and whether one mbuf holds a full frame. */
	mtu = c->mtu;
	if (mtu == 0 && rte_eth_dev_get_mtu(port_id, &mtu) < 0)
		mtu = RTE_ETHER_MTU;
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		snprintf(err, errlen, "port %u (%s): mtu %u outside the device's %u..%u", port_id,
		         name, mtu, info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	conf.rxmode.mtu = mtu;
	room = UINT32_MAX;
	for (uint16_t q = 0; q < nb_queues; q++)
		room = RTE_MIN(
		    room, (uint32_t)(rte_pktmbuf_data_room_size(pools[q]) - RTE_PKTMBUF_HEADROOM));
	if ((uint32_t)mtu + DPDK_L2_OVERHEAD > room) {
		if (!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
			snprintf(err, errlen,
			         "port %u (%s): mtu %u needs %u-byte buffers, the pool has %u "
			         "and the device cannot scatter",
			         port_id, name, mtu, mtu + DPDK_L2_OVERHEAD, room);
			return -EINVAL;
		}
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	}

	if (!c->rx_csum_offload_skip)
		conf.rxmode.offloads |= info.rx_offload_capa & DPDK_RX_CSUM;
	if (!c->tx_csum_offload_skip)
		conf.txmode.offloads |= info.tx_offload_capa & DPDK_TX_CSUM;
	conf.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): configure (%u queues, mtu %u) failed: %s",
		         port_id, name, nb_queues, mtu, strerror(-rc));
		return rc;
	}
	if (c->mtu) {
		/* Some PMDs (af_packet, tap) change the kernel interface here. */
		rc = rte_eth_dev_set_mtu(port_id, c->mtu);
		if (rc < 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "port %u (%s): cannot set mtu %u: %s", port_id, name,
			         c->mtu, strerror(-rc));
			return rc;
		}
	}

	nb_rxd = c->nb_rxd ? c->nb_rxd : PORT_DPDK_NB_DESC;
	nb_txd = c->nb_txd ? c->nb_txd : PORT_DPDK_NB_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): descriptor counts: %s", port_id, name,
		         strerror(-rc));
		return rc;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (uint16_t q = 0; q < nb_queues; q++) {
		struct rte_eth_rxconf rxq = info.default_rxconf;
		struct rte_eth_txconf txq = info.default_txconf;

		rxq.offloads = conf.rxmode.offloads;
		txq.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned)socket, &rxq, pools[q]);
		if (rc < 0) {
			snprintf(err, errlen, "port %u (%s): RX queue %u setup failed: %s", port_id,
			         name, q, strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned)socket, &txq);
		if (rc < 0) {
			snprintf(err, errlen, "port %u (%s): TX queue %u setup failed: %s", port_id,
			         name, q, strerror(-rc));
			return rc;
		}
	}

	if (c->promiscuous) {
		rc = rte_eth_promiscuous_enable(port_id);
		if (rc < 0)
			LOG_WARN("port %u (%s): cannot enable promiscuous mode: %s", port_id, name,
			         strerror(-rc));
	}

	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): start failed: %s", port_id, name,
		         strerror(-rc));
		return rc;
	}

	timeout = c->link_timeout_ms ? c->link_timeout_ms : PORT_DPDK_LINK_TIMEOUT_MS;
	if (dpdk_link_wait(port_id, timeout, &link) < 0) {
		if (!c->link_down_ok) {
			snprintf(err, errlen,
			         "port %u (%s): link still down after %u ms (is the interface "
			         "and its peer up? for memif: is the other side running?)",
			         port_id, name, timeout);
			rte_eth_dev_stop(port_id);
			return -ENETDOWN;
		}
		LOG_WARN("port %u (%s): link still down after %u ms; going on", port_id, name,
		         timeout);
	}
	if (nstacks > 1)
		dpdk_rss_table(port_id, name, &info, hf, nb_queues, c->device_rss_key, &rss);
	if (c->rss)
		*c->rss = rss;
	dpdk_offload_str(dpdk_port_offloads(conf.rxmode.offloads, conf.txmode.offloads), offs,
	                 sizeof(offs));
	LOG_INFO("port %u (%s, %s): %u queue(s) for %u stack(s)%s, mtu %u, %u/%u descriptors, "
	         "link %s %u Mb/s, offloads:%s%s",
	         port_id, name, info.driver_name, nb_queues, nstacks,
	         nstacks < 2 ? ""
	         : rss.soft  ? ", software RSS"
	                     : ", hardware RSS",
	         mtu, nb_rxd, nb_txd, link.link_status ? "up" : "down", link.link_speed, offs,
	         conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS ? " tx-multiseg" : "");
	return 0;
}

struct port *port_dpdk_open(uint16_t port_id, uint16_t queue_id, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct dpdk_priv *dp;
	struct port *p;
	int rc;

	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "port %u: no such DPDK port (%u probed)", port_id,
		         rte_eth_dev_count_avail());
		return NULL;
	}
	dpdk_dev_name(port_id, name);
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc == 0)
		rc = rte_eth_dev_conf_get(port_id, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port %u (%s): cannot read device state: %s", port_id, name,
		         strerror(-rc));
		return NULL;
	}
	if (queue_id >= info.nb_rx_queues || queue_id >= info.nb_tx_queues) {
		snprintf(err, errlen,
		         "port %u (%s): no queue %u (%u RX / %u TX configured; more stacks than "
		         "queues?)",
		         port_id, name, queue_id, info.nb_rx_queues, info.nb_tx_queues);
		return NULL;
	}
	p = port_alloc(&dpdk_ops, name, sizeof(*dp));
	if (!p) {
		snprintf(err, errlen, "port %u (%s): out of memory", port_id, name);
		return NULL;
	}
	dp = p->priv;
	dp->port_id = port_id;
	dp->queue_id = queue_id;
	dp->linearize = !(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	if (rte_eth_macaddr_get(port_id, &p->mac) < 0 ||
	    rte_eth_dev_get_mtu(port_id, &p->mtu) < 0) {
		snprintf(err, errlen, "port %u (%s): cannot read MAC address or MTU", port_id,
		         name);
		port_free(p);
		return NULL;
	}
	p->offloads = dpdk_port_offloads(conf.rxmode.offloads, conf.txmode.offloads);
	return p;
}

static void intr_barrier_cb(void *arg)
{
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
}

/* Waits until the EAL interrupt thread has finished whatever callback it
 * was running when the port closed.  A PMD whose control channel runs there
 * (net_memif) can still be inside its handler for the closed device, and
 * rte_eal_cleanup() then unmaps the memory under it (seen as a SIGSEGV in
 * eal-intr-thread at exit, about one run in thirty with both memif ends in
 * one process).  The interrupt thread runs callbacks one at a time and an
 * alarm is one of them, so once ours has run, the handler has returned and
 * the closed device's callbacks are unregistered.  Bounded: 1 s. */
static void intr_barrier(void)
{
	int done = 0;

	if (rte_eal_alarm_set(1, intr_barrier_cb, &done) < 0)
		return;
	for (int i = 0; i < 10000 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++)
		rte_delay_us_sleep(100);
	if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		rte_eal_alarm_cancel(intr_barrier_cb, &done);
		LOG_WARN("port shutdown: the EAL interrupt thread did not answer within 1 s");
	}
}

void port_dpdk_shutdown(uint16_t port_id)
{
	int rc;

	struct rte_eth_dev_info info;

	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	/* Give back mbufs whose transmission completed but which the PMD has
	 * not reclaimed yet (af_xdp frees them on its next TX burst). */
	if (rte_eth_dev_info_get(port_id, &info) == 0)
		for (uint16_t q = 0; q < info.nb_tx_queues; q++)
			rte_eth_tx_done_cleanup(port_id, q, 0);
	rc = rte_eth_dev_stop(port_id);
	if (rc < 0)
		LOG_WARN("port %u: stop failed: %s", port_id, strerror(-rc));
	rc = rte_eth_dev_close(port_id);
	if (rc < 0)
		LOG_WARN("port %u: close failed: %s", port_id, strerror(-rc));
	intr_barrier();
}
