/* test_port_pmd.c: the ethdev port (src/port/port_dpdk.c) on real virtual
 * PMDs, driven by tests/unit/port_pmd.sh inside a network namespace it
 * creates (needs root; the script skips otherwise).
 *
 *   test_port_pmd <EAL args> -- kernel   one port on a kernel interface
 *                                        (af_packet/af_xdp on a veth, tap):
 *                                        ARP, ICMP echo, UDP to a closed port
 *                                        (the kernel answers port unreachable
 *                                        only if our UDP checksum is right),
 *                                        a bad checksum (no answer), a
 *                                        two-segment frame
 *   test_port_pmd <EAL args> -- pair     ports 0 and 1 joined (memif server
 *                                        and client): frames both ways, a
 *                                        chain, TX checksum offload
 *   optional after the mode: --hook "CMD" runs CMD after setup (e.g. give
 *   the tap interface its address).  PMD_QUEUES=N in the environment sets
 *   the device up with N queue pairs (queue 0 is used).
 *
 * Every mode first checks the offload probing: p->offloads holds exactly
 * the PORT_OFF_* checksum bits that rte_eth_dev_info_get's rx/tx_offload_capa
 * offer (none on net_af_packet: checksums in software), and, where the PMD
 * offers any, the port set up again with tx_csum_offload_skip,
 * rx_csum_offload_skip, and from a config with [dpdk] tx_csum_offoad_skip=1
 * (port_dpdk_conf_from_config, as ff_init does) has them cleared.
 *
 * It prints what the PMD offers (dev_info) and what the port enabled, one
 * line per check failure, and exits non-zero on failure.  Addresses:
 * 198.18.77.1 (us), 198.18.77.2 (the kernel side).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "base/log.h"
#include "base/pkt.h"
#include "port/port.h"
#include "port/port_dpdk.h"
#include "stack/config.h"

#define OUR_IP 0xc6124d01u  /* 198.18.77.1 (RTE_IPV4() shifts an int: UB) */
#define PEER_IP 0xc6124d02u /* 198.18.77.2 */

static unsigned failures;
static struct rte_mempool *pool;
static uint64_t now;
static struct port_stats st;
static struct rte_ether_addr peer_mac;
static bool peer_known;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void print_capa(const char *what, uint64_t capa, bool rx)
{
	printf("  %s offloads:", what);
	for (int b = 0; b < 64; b++)
		if (capa & (1ull << b))
			printf(" %s", rx ? rte_eth_dev_rx_offload_name(1ull << b)
			                 : rte_eth_dev_tx_offload_name(1ull << b));
	printf("%s\n", capa ? "" : " none");
}

static void print_port(uint16_t id, const struct port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	rte_eth_dev_info_get(id, &info);
	rte_eth_link_get_nowait(id, &link);
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	printf("port %u: name %s driver %s mac %s mtu %u (range %u..%u) queues <= %u/%u "
	       "rss 0x%" PRIx64 " link %s %u Mb/s\n",
	       id, p->name, info.driver_name, mac, p->mtu, info.min_mtu, info.max_mtu,
	       info.max_rx_queues, info.max_tx_queues, info.flow_type_rss_offloads,
	       link.link_status ? "up" : "down", link.link_speed);
	print_capa("rx capa", info.rx_offload_capa, true);
	print_capa("tx capa", info.tx_offload_capa, false);
	printf("  port offloads: 0x%x%s%s%s%s%s\n", p->offloads,
	       p->offloads & PORT_OFF_RX_IPV4_CKSUM ? " rx-ipv4" : "",
	       p->offloads & PORT_OFF_RX_L4_CKSUM ? " rx-l4" : "",
	       p->offloads & PORT_OFF_TX_IPV4_CKSUM ? " tx-ipv4" : "",
	       p->offloads & PORT_OFF_TX_UDP_CKSUM ? " tx-udp" : "",
	       p->offloads & PORT_OFF_TX_TCP_CKSUM ? " tx-tcp" : "");
}

/* ---- offload probing ---- */

/* The PORT_OFF_* bits a port must record for what the PMD offers, read from
 * dev_info here, independently of port_dpdk.c: a bit needs every capability
 * in its row, and a skip flag clears its direction. */
static uint32_t offloads_expected(uint16_t id, bool rx_skip, bool tx_skip)
{
	static const struct {
		bool rx;
		uint64_t need;
		uint32_t bit;
	} rows[] = {
		{ true, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, PORT_OFF_RX_IPV4_CKSUM },
		{ true, RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
		  PORT_OFF_RX_L4_CKSUM },
		{ false, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, PORT_OFF_TX_IPV4_CKSUM },
		{ false, RTE_ETH_TX_OFFLOAD_UDP_CKSUM, PORT_OFF_TX_UDP_CKSUM },
		{ false, RTE_ETH_TX_OFFLOAD_TCP_CKSUM, PORT_OFF_TX_TCP_CKSUM },
	};
	struct rte_eth_dev_info info;
	uint32_t want = 0;

	if (rte_eth_dev_info_get(id, &info) != 0) {
		fail("port %u: dev_info", id);
		return 0;
	}
	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		uint64_t capa = rows[i].rx ? info.rx_offload_capa : info.tx_offload_capa;

		if ((capa & rows[i].need) == rows[i].need && !(rows[i].rx ? rx_skip : tx_skip))
			want |= rows[i].bit;
	}
	return want;
}

/* Closes *pp, stops the device, sets it up with c and opens it again. */
static void port_redo(uint16_t id, struct port **pp, uint16_t nq, struct rte_mempool **pools,
                      const struct port_dpdk_conf *c, uint64_t *clock, struct port_stats *stats)
{
	char err[512];

	port_close(*pp);
	*pp = NULL;
	rte_eth_dev_stop(id);
	if (port_dpdk_setup(id, nq, pools, c, err, sizeof(err)) < 0) {
		fail("setup again: %s", err);
		return;
	}
	*pp = port_dpdk_open(id, 0, err, sizeof(err));
	if (!*pp) {
		fail("open again: %s", err);
		return;
	}
	(*pp)->now = clock;
	(*pp)->stats = stats;
}

static void check_offloads(uint16_t id, struct port **pp, uint16_t nq, struct rte_mempool **pools,
                           const struct port_dpdk_conf *base)
{
	static const char ini[] = "[dpdk]\nport_list=0\ntx_csum_offoad_skip=1\n"
	                          "[port0]\naddr=198.18.77.1\nnetmask=255.255.255.0\n";
	struct rte_eth_dev_info info;
	struct port_dpdk_conf c;
	static struct config cfg;
	uint32_t want = offloads_expected(id, false, false);
	char err[512];

	rte_eth_dev_info_get(id, &info);
	if ((*pp)->offloads != want)
		fail("port %u (%s): offloads 0x%x, the PMD offers 0x%x", id, info.driver_name,
		     (*pp)->offloads, want);
	if (strcmp(info.driver_name, "net_af_packet") == 0 && (*pp)->offloads != 0)
		fail("net_af_packet has no checksum offloads, the port says 0x%x", (*pp)->offloads);
	if (want == 0) {
		printf("  offloads: none offered, none recorded (checksums in software)\n");
		return;
	}
	c = *base;
	c.tx_csum_offload_skip = true;
	port_redo(id, pp, nq, pools, &c, &now, &st);
	if (*pp && (*pp)->offloads != offloads_expected(id, false, true))
		fail("tx_csum_offload_skip: offloads 0x%x, want 0x%x", (*pp)->offloads,
		     offloads_expected(id, false, true));
	c = *base;
	c.rx_csum_offload_skip = true;
	if (*pp)
		port_redo(id, pp, nq, pools, &c, &now, &st);
	if (*pp && (*pp)->offloads != offloads_expected(id, true, false))
		fail("rx_csum_offload_skip: offloads 0x%x, want 0x%x", (*pp)->offloads,
		     offloads_expected(id, true, false));
	/* The config key, through the translation ff_init uses. */
	config_defaults(&cfg);
	if (config_load_string(&cfg, "skip.ini", ini, err, sizeof(err)) < 0) {
		fail("config: %s", err);
		return;
	}
	port_dpdk_conf_from_config(&c, &cfg, 0);
	if (!c.tx_csum_offload_skip)
		fail("[dpdk] tx_csum_offoad_skip=1 does not reach the port's setup");
	c.link_timeout_ms = base->link_timeout_ms;
	c.link_down_ok = base->link_down_ok;
	if (*pp)
		port_redo(id, pp, nq, pools, &c, &now, &st);
	if (*pp && (*pp)->offloads &
	               (PORT_OFF_TX_IPV4_CKSUM | PORT_OFF_TX_UDP_CKSUM | PORT_OFF_TX_TCP_CKSUM))
		fail("[dpdk] tx_csum_offoad_skip=1: TX offloads still on (0x%x)", (*pp)->offloads);
	/* Back to the full set for the checks that follow. */
	if (*pp)
		port_redo(id, pp, nq, pools, base, &now, &st);
	if (*pp && (*pp)->offloads != want)
		fail("set up again without skips: offloads 0x%x, want 0x%x", (*pp)->offloads, want);
	printf("  offloads: 0x%x as offered; cleared by tx/rx_csum_offload_skip and "
	       "[dpdk] tx_csum_offoad_skip\n",
	       want);
}

/* ---- frames ---- */

static void *put(struct rte_mbuf *m, uint16_t len)
{
	void *p = rte_pktmbuf_append(m, len);

	if (!p) {
		fprintf(stderr, "no room in mbuf\n");
		exit(2);
	}
	return p;
}

static struct rte_mbuf *alloc(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!m) {
		fprintf(stderr, "pool empty\n");
		exit(2);
	}
	return m;
}

static struct rte_mbuf *mk_arp(const struct port *p, uint16_t op, const struct rte_ether_addr *tha,
                               uint32_t tip)
{
	struct rte_mbuf *m = alloc();
	struct rte_ether_hdr *eh = put(m, sizeof(*eh) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	if (op == RTE_ARP_OP_REPLY)
		eh->dst_addr = *tha;
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = p->mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(OUR_IP);
	memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	if (tha)
		ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}

enum cksum_mode { CK_SW, CK_OFFLOAD, CK_BAD };

/* Ethernet/IPv4 header for proto with plen bytes after it. */
static struct rte_ipv4_hdr *mk_ip(struct rte_mbuf *m, const struct port *p,
                                  const struct rte_ether_addr *dst, uint8_t proto, uint16_t plen)
{
	struct rte_ether_hdr *eh = put(m, sizeof(*eh) + sizeof(struct rte_ipv4_hdr));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	static uint16_t id;

	eh->dst_addr = *dst;
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + plen));
	ip->packet_id = rte_cpu_to_be_16(id++);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(OUR_IP);
	ip->dst_addr = rte_cpu_to_be_32(PEER_IP);
	return ip;
}

/* UDP to dport with len payload bytes; split puts the payload in a second
 * segment. */
static struct rte_mbuf *mk_udp(const struct port *p, const struct rte_ether_addr *dst,
                               uint16_t dport, uint16_t len, enum cksum_mode ck, bool split)
{
	struct rte_mbuf *m = alloc(), *tail = m;
	struct rte_ipv4_hdr *ip =
	    mk_ip(m, p, dst, IPPROTO_UDP, (uint16_t)(sizeof(struct rte_udp_hdr) + len));
	struct rte_udp_hdr *uh = put(m, sizeof(*uh));
	uint8_t *pl;

	uh->src_port = rte_cpu_to_be_16(40000);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = 0;
	if (split) {
		tail = alloc();
		pl = put(tail, len);
		rte_pktmbuf_chain(m, tail);
	} else {
		pl = put(m, len);
	}
	for (uint16_t i = 0; i < len; i++)
		pl[i] = (uint8_t)i;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	if (ck == CK_OFFLOAD && (p->offloads & PORT_OFF_TX_UDP_CKSUM)) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		uh->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		uh->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, m->l2_len + m->l3_len);
		if (ck == CK_BAD)
			uh->dgram_cksum ^= 0x0101;
	}
	if (ck == CK_OFFLOAD && (p->offloads & PORT_OFF_TX_IPV4_CKSUM))
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_mbuf *mk_ping(const struct port *p, uint16_t seq)
{
	struct rte_mbuf *m = alloc();
	struct rte_ipv4_hdr *ip =
	    mk_ip(m, p, &peer_mac, IPPROTO_ICMP, sizeof(struct rte_icmp_hdr) + 56);
	struct rte_icmp_hdr *ic = put(m, sizeof(*ic) + 56);

	memset(ic, 0, sizeof(*ic) + 56);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(0x1234);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + 56);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* ---- receive ---- */

struct seen {
	unsigned arp_replies, echo_replies, port_unreach, udp;
	uint64_t last_flags;
};

static const char *rx_flags(uint64_t f, char *buf, size_t len)
{
	static const char *const ip[] = { "ip-unknown", "ip-bad", "ip-good", "ip-none" };
	static const char *const l4[] = { "l4-unknown", "l4-bad", "l4-good", "l4-none" };
	unsigned i =
	    (f & RTE_MBUF_F_RX_IP_CKSUM_BAD ? 1 : 0) | (f & RTE_MBUF_F_RX_IP_CKSUM_GOOD ? 2 : 0);
	unsigned j =
	    (f & RTE_MBUF_F_RX_L4_CKSUM_BAD ? 1 : 0) | (f & RTE_MBUF_F_RX_L4_CKSUM_GOOD ? 2 : 0);

	snprintf(buf, len, "%s %s", ip[i], l4[j]);
	return buf;
}

/* Handles one frame from the kernel side: answers ARP, counts replies. */
static void rx_one(struct port *p, struct rte_mbuf *m, struct seen *s)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	char fl[64];

	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);

		if (ah->arp_data.arp_sip == rte_cpu_to_be_32(PEER_IP)) {
			peer_mac = ah->arp_data.arp_sha;
			peer_known = true;
		}
		if (ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
			s->arp_replies++;
		else if (ah->arp_data.arp_tip == rte_cpu_to_be_32(OUR_IP))
			port_tx(p, mk_arp(p, RTE_ARP_OP_REPLY, &ah->arp_data.arp_sha,
			                  rte_be_to_cpu_32(ah->arp_data.arp_sip)));
	} else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);

		s->last_flags = m->ol_flags;
		if (ip->next_proto_id == IPPROTO_ICMP && ic->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
			s->echo_replies++;
			printf("  rx echo reply, flags: %s\n",
			       rx_flags(m->ol_flags, fl, sizeof(fl)));
		} else if (ip->next_proto_id == IPPROTO_ICMP && ic->icmp_type == 3 &&
		           ic->icmp_code == 3) {
			s->port_unreach++;
			printf("  rx port unreachable, flags: %s\n",
			       rx_flags(m->ol_flags, fl, sizeof(fl)));
		} else if (ip->next_proto_id == IPPROTO_UDP) {
			s->udp++;
		}
	}
	rte_pktmbuf_free(m);
}

/* Polls for ms milliseconds (or until cond is met). */
static void poll_for(struct port *p, unsigned ms, struct seen *s, const unsigned *counter,
                     unsigned want)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (rte_get_timer_cycles() < end) {
		struct rte_mbuf *pkts[32];
		uint16_t n = port_rx_burst(p, pkts, 32);

		for (uint16_t i = 0; i < n; i++)
			rx_one(p, pkts[i], s);
		port_tx_flush(p);
		if (counter && *counter >= want)
			return;
		if (!n)
			rte_delay_us_sleep(200);
	}
}

static unsigned long snmp_udp(const char *field)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char names[1024], vals[1024];
	unsigned long v = 0;

	if (!f)
		return 0;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		char *sn, *sv, *n, *val;

		if (strncmp(names, "Udp:", 4) != 0)
			continue;
		n = strtok_r(names, " \n", &sn);
		val = strtok_r(vals, " \n", &sv);
		while (n && val) {
			if (strcmp(n, field) == 0)
				v = strtoul(val, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			val = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

/* ---- modes ---- */

static void mode_kernel(struct port *p)
{
	struct seen s = { 0 };
	unsigned long csum_before;

	port_tx(p, mk_arp(p, RTE_ARP_OP_REQUEST, NULL, PEER_IP));
	port_tx_flush(p);
	poll_for(p, 3000, &s, &s.arp_replies, 1);
	if (!peer_known) {
		fail("no ARP reply from the kernel");
		return;
	}
	printf("  ARP ok\n");
	for (uint16_t i = 0; i < 3; i++)
		port_tx(p, mk_ping(p, i));
	port_tx_flush(p);
	poll_for(p, 2000, &s, &s.echo_replies, 3);
	if (s.echo_replies != 3)
		fail("%u of 3 echo replies", s.echo_replies);

	/* UDP to a closed port: software checksum, then offloaded. */
	port_tx(p, mk_udp(p, &peer_mac, 9, 100, CK_SW, false));
	port_tx_flush(p);
	poll_for(p, 2000, &s, &s.port_unreach, 1);
	if (s.port_unreach != 1)
		fail("no port unreachable for a UDP datagram with a software checksum");
	port_tx(p, mk_udp(p, &peer_mac, 9, 100, CK_OFFLOAD, false));
	port_tx_flush(p);
	poll_for(p, 2000, &s, &s.port_unreach, 2);
	if (s.port_unreach != 2)
		fail("no port unreachable for a UDP datagram with TX offload (offloads 0x%x)",
		     p->offloads);
	/* A two-segment frame (sent whole or linearized by the port). */
	port_tx(p, mk_udp(p, &peer_mac, 9, 700, CK_SW, true));
	port_tx_flush(p);
	poll_for(p, 2000, &s, &s.port_unreach, 3);
	if (s.port_unreach != 3)
		fail("no port unreachable for a two-segment frame");
	port_tx(p, mk_udp(p, &peer_mac, 9, 700, CK_OFFLOAD, true));
	port_tx_flush(p);
	poll_for(p, 2000, &s, &s.port_unreach, 4);
	if (s.port_unreach != 4)
		fail("no port unreachable for a two-segment frame with TX offload");
	/* A bad checksum: the kernel drops it (counted), no answer. */
	csum_before = snmp_udp("InCsumErrors");
	port_tx(p, mk_udp(p, &peer_mac, 9, 100, CK_BAD, false));
	port_tx_flush(p);
	poll_for(p, 500, &s, NULL, 0);
	if (s.port_unreach != 4)
		fail("the kernel answered a UDP datagram with a bad checksum");
	if (snmp_udp("InCsumErrors") != csum_before + 1)
		fail("kernel InCsumErrors %lu -> %lu, expected +1", csum_before,
		     snmp_udp("InCsumErrors"));
	printf("  kernel checks done: %u echo replies, %u port unreachable\n", s.echo_replies,
	       s.port_unreach);
}

static void mode_pair(struct port *a, struct port *b)
{
	struct rte_mbuf *pkts[64];
	unsigned got = 0, chains = 0, good = 0, bad = 0;
	uint64_t end;

	peer_mac = b->mac;
	/* Poll both ends first, as a stack would: a memif server can send only
	 * into buffers its client has posted from its receive path. */
	for (unsigned i = 0; i < 10; i++) {
		uint16_t n = port_rx_burst(a, pkts, 64);

		n = (uint16_t)(n + port_rx_burst(b, pkts + n, (uint16_t)(64 - n)));
		for (uint16_t j = 0; j < n; j++)
			rte_pktmbuf_free(pkts[j]);
		rte_delay_us_sleep(1000);
	}
	for (unsigned i = 0; i < 20; i++)
		port_tx(a, mk_udp(a, &b->mac, (uint16_t)(1000 + i), 200, CK_SW, i % 5 == 4));
	for (unsigned i = 0; i < 5; i++)
		port_tx(a, mk_udp(a, &b->mac, (uint16_t)(2000 + i), 200, CK_OFFLOAD, false));
	port_tx_flush(a);
	end = rte_get_timer_cycles() + rte_get_timer_hz() * 2;
	while (got < 25 && rte_get_timer_cycles() < end) {
		uint16_t n = port_rx_burst(b, pkts, 64);

		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			const struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(
			    m, const struct rte_udp_hdr *,
			    sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
			    m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
			uint16_t dport = rte_be_to_cpu_16(uh->dst_port);
			unsigned want = got < 20 ? 1000 + got : 2000 + got - 20;

			if (dport != want)
				fail("pair: frame %u has port %u, expected %u", got, dport, want);
			if (m->pkt_len != sizeof(struct rte_ether_hdr) + 20 + 8 + 200)
				fail("pair: frame %u length %u", got, m->pkt_len);
			if (m->nb_segs > 1)
				chains++;
			if (rte_raw_cksum(ip, sizeof(*ip)) == 0xffff &&
			    rte_ipv4_udptcp_cksum_mbuf_verify(
			        m, ip, sizeof(struct rte_ether_hdr) + 20) == 0)
				good++;
			else
				bad++;
			got++;
			rte_pktmbuf_free(m);
		}
	}
	if (got != 25)
		fail("pair: %u of 25 frames arrived", got);
	printf("  pair: %u frames, %u multi-segment on arrival, %u good / %u bad checksums\n", got,
	       chains, good, bad);
	if (bad && !(a->offloads & PORT_OFF_TX_UDP_CKSUM))
		fail("pair: %u bad checksums", bad);
	if (bad)
		printf("  (offloaded checksums are not filled in by this PMD pair)\n");
}

/* Removes the EAL runtime directory (--file-prefix is per process here, so
 * nothing else uses it); call after rte_eal_cleanup(). */
static void remove_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char rundir[PATH_MAX];
	struct port_dpdk_conf conf = { .promiscuous = true,
		                       .link_timeout_ms = 100,
		                       .link_down_ok = true };
	struct rte_mempool *pools[8];
	uint16_t nq = getenv("PMD_QUEUES") ? (uint16_t)atoi(getenv("PMD_QUEUES")) : 1;
	struct port *ports[2] = { NULL, NULL };
	const char *mode, *hook = NULL;
	char err[512], drv[64];
	unsigned nports, held, held_at_start;
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= rc;
	argv += rc;
	mode = argc > 1 ? argv[1] : "kernel";
	if (argc > 3 && strcmp(argv[2], "--hook") == 0)
		hook = argv[3];
	log_set_level(LOG_LVL_INFO);
	pool = rte_pktmbuf_pool_create("pmd", 8191, 0, PKT_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
	                               SOCKET_ID_ANY);
	if (!pool) {
		fprintf(stderr, "pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	for (unsigned i = 0; i < RTE_DIM(pools); i++)
		pools[i] = pool;
	if (nq < 1 || nq > RTE_DIM(pools))
		nq = 1;
	nports = strcmp(mode, "pair") == 0 ? 2 : 1;
	if (rte_eth_dev_count_avail() < nports) {
		fprintf(stderr, "need %u ports, have %u\n", nports, rte_eth_dev_count_avail());
		return 2;
	}
	for (uint16_t i = 0; i < nports; i++) {
		rc = port_dpdk_setup(i, nq, pools, &conf, err, sizeof(err));
		if (rc < 0) {
			fail("setup: %s", err);
			return 1;
		}
		ports[i] = port_dpdk_open(i, 0, err, sizeof(err));
		if (!ports[i]) {
			fail("open: %s", err);
			return 1;
		}
		ports[i]->now = &now;
		ports[i]->stats = &st;
	}
	held_at_start = pool->size - rte_mempool_avail_count(pool);
	{
		struct rte_eth_dev_info info;

		rte_eth_dev_info_get(0, &info);
		snprintf(drv, sizeof(drv), "%s", info.driver_name);
	}
	if (hook && system(hook) != 0)
		fail("hook failed: %s", hook);
	/* Wait for the link (memif: both ends must be up). */
	for (unsigned t = 0; t < 500; t++) {
		struct rte_eth_link l0, l1 = { .link_status = 1 };

		rte_eth_link_get_nowait(0, &l0);
		if (nports > 1)
			rte_eth_link_get_nowait(1, &l1);
		if (l0.link_status && l1.link_status)
			break;
		rte_delay_us_sleep(10000);
	}
	for (uint16_t i = 0; i < nports; i++) {
		check_offloads(i, &ports[i], nq, pools, &conf);
		if (!ports[i])
			return 1;
		print_port(i, ports[i]);
	}
	if (nports == 1)
		mode_kernel(ports[0]);
	else
		mode_pair(ports[0], ports[1]);
	printf("  counters: rx %" PRIu64 " tx %" PRIu64 " tx_dropped %" PRIu64 "\n", st.rx_packets,
	       st.tx_packets, st.tx_dropped);
	for (uint16_t i = 0; i < nports; i++) {
		port_close(ports[i]);
		port_dpdk_shutdown(i);
	}
	/* Some PMDs (af_xdp) keep their posted RX buffers even after close:
	 * compare with what they held right after start. */
	held = pool->size - rte_mempool_avail_count(pool);
	if (held)
		printf("  the PMD still holds %u mbufs after close (%u after start)\n", held,
		       held_at_start);
	if (held > held_at_start && strcmp(drv, "net_af_xdp") == 0 &&
	    held - held_at_start <= st.tx_packets)
		printf("  (af_xdp: %u transmitted mbufs not reclaimed at close)\n",
		       held - held_at_start);
	else if (held > held_at_start)
		fail("mbuf leak: %u held after close, %u after start", held, held_at_start);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	/* DPDK 22.11's rte_eal_cleanup() unmaps the EAL memory while the
	 * interrupt thread still runs; memif's control sockets keep that thread
	 * busy at close, and it then reads an interrupt handle in the unmapped
	 * memory (SIGSEGV in eal-intr-thread, about one run in twenty).  With a
	 * memif port the process exits without it: nothing of the EAL outlives
	 * the process but the runtime directory, removed below. */
	if (strcmp(drv, "net_memif") != 0)
		rte_eal_cleanup();
	remove_runtime_dir(rundir);
	return failures ? 1 : 0;
}
