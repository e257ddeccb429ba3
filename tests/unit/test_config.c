/* test_config.c: the configuration layer (src/stack/config*.c, knobs.c).
 *
 * One test per class of mistake, each asserting the exact message a user
 * sees ("file:line: [section] key: what is wrong"), and positive tests: the
 * defaults, a file with every key fastack has (conf/fstack.ini), a file in
 * the shape of F-Stack's stock config.ini (conf/fstack_stock.ini) with the
 * warnings it gives, --set overrides, the command line, and a dump that
 * loads back to the same values.  The F-Stack keys fastack does not
 * implement: accepted with a warning where the value asks for nothing
 * fastack lacks (fstack_ignored), an error naming what is missing otherwise
 * (fstack_refused).
 *
 * No EAL, no stack: this binary links only the configuration objects, so it
 * has its own small runner (same output as tests/harness: one line per
 * failed check, "ok/FAIL name" per test, "N passed, N failed" at the end).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "base/log.h"
#include "stack/config.h"
#include "stack/knobs.h"
#include "tcp/tcp.h"

/* ---- runner ---- */

static unsigned cur_failures;

static void fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	printf("  test_config.c:%d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	cur_failures++;
}

#define CHECK(cond)                                     \
	do {                                            \
		if (!(cond))                            \
			fail_at(__LINE__, "%s", #cond); \
	} while (0)
#define CHECK_EQ(a, b)                                                                        \
	do {                                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);                           \
		if (a_ != b_)                                                                 \
			fail_at(__LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
	} while (0)
#define CHECK_STR(a, b)                                                                         \
	do {                                                                                    \
		const char *a_ = (a), *b_ = (b);                                                \
		if (strcmp(a_, b_) != 0)                                                        \
			fail_at(__LINE__, "%s\n      got:      \"%s\"\n      expected: \"%s\"", \
			        #a, a_, b_);                                                    \
	} while (0)

/* ---- helpers ---- */

static struct config cfg; /* large: not on the stack */
static char err[CFG_ERR_LEN];

/* Loads text as "t.ini" over the defaults, then validates; the result of
 * whichever failed first (err holds the message). */
static int load(const char *text)
{
	int rc;

	config_defaults(&cfg);
	rc = config_load_string(&cfg, "t.ini", text, err, sizeof(err));
	if (rc == 0)
		rc = config_validate(&cfg, err, sizeof(err));
	return rc;
}

/* Expects text to be refused with exactly want. */
#define EXPECT_ERR(text, want) expect_err_(__LINE__, (text), (want))
static void expect_err_(int line, const char *text, const char *want)
{
	int rc = load(text);

	if (rc == 0)
		fail_at(line, "accepted, expected \"%s\"", want);
	else if (strcmp(err, want) != 0)
		fail_at(line, "message\n      got:      \"%s\"\n      expected: \"%s\"", err, want);
}

#define EXPECT_OK(text) expect_ok_(__LINE__, (text))
static void expect_ok_(int line, const char *text)
{
	if (load(text) != 0)
		fail_at(line, "refused: %s", err);
}

/* Runs config_from_args on a NULL-terminated list after argv[0]. */
static int args_(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "prog";
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(&cfg);
	return config_from_args(&cfg, argc, argv, err, sizeof(err));
}
#define ARGS(...) args_(__VA_ARGS__, (const char *)NULL)

#define EXPECT_ARGS_ERR(want, ...)                                            \
	do {                                                                  \
		if (ARGS(__VA_ARGS__) == 0)                                   \
			fail_at(__LINE__, "accepted, expected \"%s\"", want); \
		else if (strcmp(err, want) != 0)                              \
			fail_at(__LINE__,                                     \
			        "message\n      got:      \"%s\"\n      "     \
			        "expected: \"%s\"",                           \
			        err, want);                                   \
	} while (0)

static uint32_t ip4(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static const char *str_of(const struct ip_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static unsigned i;

	return ip_addr_str(a, buf[i++ % 4], sizeof(buf[0]));
}

#define PORT0 "[dpdk]\nport_list=0\n[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\n"

/* ---- positive ---- */

static void test_defaults(void)
{
	config_defaults(&cfg);
	CHECK_EQ(cfg.lcore_mask, 1);
	CHECK_EQ(cfg.channel, 0); /* unset: the EAL's choice */
	CHECK(cfg.promiscuous);
	CHECK(!cfg.tx_csum_offload_skip && !cfg.no_huge);
	CHECK_EQ(cfg.idle_sleep_us, 0);
	CHECK(!cfg.pcap_enable);
	CHECK_EQ(cfg.pcap_snaplen, 262144);
	CHECK_EQ(cfg.pcap_savelen, 0);
	CHECK_STR(cfg.pcap_savepath, ".");
	CHECK_EQ(cfg.nb_warn, 0);
	CHECK_EQ(cfg.nb_ports, 1);
	CHECK_EQ(cfg.port_list[0], 0);
	CHECK_EQ(cfg.nb_mbufs, 8191);
	CHECK_STR(cfg.eal_args, "");
	CHECK_EQ(cfg.log_level, LOG_LVL_WARN);
	CHECK_EQ(cfg.proc_type, PROC_PRIMARY);
	CHECK_EQ(cfg.proc_id, 0);
	CHECK_EQ(cfg.nb_vlans, 0);
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++) {
		CHECK_EQ(cfg.ports[i].id, i);
		CHECK(!cfg.ports[i].present);
		CHECK_EQ(cfg.ports[i].mtu, 0);
		CHECK_EQ(cfg.ports[i].fault.seed, 1);
		CHECK_EQ(cfg.ports[i].fault.dir, FAULT_DIR_BOTH);
		CHECK(!fault_cfg_active(&cfg.ports[i].fault));
		CHECK_EQ(cfg.ports[i].ifa.addr.family, 0);
	}
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		CHECK_EQ(cfg.knob[i], knob_table[i].def);
	/* The defaults alone do not make a usable configuration: port 0 has
	 * no addresses. */
	CHECK(config_validate(&cfg, err, sizeof(err)) < 0);
	CHECK_STR(err, "[dpdk] port_list: port 0 has no [port0] section (port_list defaults to 0)");
}

static void test_full_file(void)
{
	const struct port_cfg *p0 = &cfg.ports[0], *p1 = &cfg.ports[1];
	const struct vlan_cfg *v0 = &cfg.vlans[0], *v1 = &cfg.vlans[1];
	int rc;

	config_defaults(&cfg);
	rc = config_load_file(&cfg, CONF_DIR "/fstack.ini", err, sizeof(err));
	if (rc < 0) {
		fail_at(__LINE__, "refused: %s", err);
		return;
	}
	rc = config_validate(&cfg, err, sizeof(err));
	if (rc < 0)
		fail_at(__LINE__, "invalid: %s", err);
	CHECK_STR(cfg.file, CONF_DIR "/fstack.ini");
	CHECK_EQ(cfg.lcore_mask, 0xf);
	CHECK_EQ(cfg.channel, 2);
	CHECK(!cfg.promiscuous && cfg.tx_csum_offload_skip && cfg.no_huge);
	CHECK_EQ(cfg.idle_sleep_us, 50);
	CHECK(cfg.pcap_enable);
	CHECK_EQ(cfg.pcap_snaplen, 128);
	CHECK_EQ(cfg.pcap_savelen, 1048576);
	CHECK_STR(cfg.pcap_savepath, "/tmp");
	CHECK_EQ(cfg.nb_warn, 0); /* only keys fastack has */
	CHECK_EQ(cfg.nb_ports, 2);
	CHECK_EQ(cfg.port_list[0], 0);
	CHECK_EQ(cfg.port_list[1], 1);
	CHECK_EQ(cfg.nb_mbufs, 16383);
	CHECK_STR(cfg.eal_args,
	          "--no-pci --vdev=net_af_packet0,iface=veth0 --vdev=net_af_packet1,iface=veth1");
	CHECK_EQ(cfg.log_level, LOG_LVL_INFO);

	CHECK(p0->present && p1->present && !cfg.ports[2].present);
	CHECK_EQ(p0->ifa.addr.v4, ip4("198.18.0.1"));
	CHECK_EQ(p0->ifa.netmask.v4, ip4("255.255.255.0"));
	CHECK_EQ(p0->ifa.broadcast.v4, ip4("198.18.0.255"));
	CHECK_EQ(p0->ifa.gateway.v4, ip4("198.18.0.254"));
	CHECK_STR(str_of(&p0->ifa.addr6), "2001:2::1");
	CHECK_EQ(p0->ifa.prefix_len6, 64);
	CHECK_STR(str_of(&p0->ifa.gateway6), "fe80::1");
	CHECK_EQ(p0->mtu, 1500);
	CHECK_STR(p0->pcap, "/tmp/fastack-port0.pcap");
	CHECK(p0->fault.loss == 0.02 && p0->fault.dup == 0.01 && p0->fault.reorder == 0.005);
	CHECK(p0->fault.corrupt == 0);
	CHECK_EQ(p0->fault.delay_us, 250);
	CHECK_EQ(p0->fault.seed, 42);
	CHECK_EQ(p0->fault.dir, FAULT_DIR_RX);
	CHECK(fault_cfg_active(&p0->fault));

	/* port1: white space, an inline comment, a derived broadcast. */
	CHECK_EQ(p1->ifa.addr.v4, ip4("198.19.1.1"));
	CHECK_EQ(p1->ifa.netmask.v4, ip4("255.255.0.0"));
	CHECK_EQ(p1->ifa.broadcast.v4, ip4("198.19.255.255"));
	CHECK_EQ(p1->ifa.gateway.family, 0);
	CHECK_EQ(p1->ifa.addr6.family, 0);
	CHECK_EQ(p1->fault.dir, FAULT_DIR_BOTH);
	CHECK(!fault_cfg_active(&p1->fault));

	CHECK_EQ(cfg.nb_vlans, 2);
	CHECK(v0->present && v1->present);
	CHECK_EQ(v0->port, 0);
	CHECK_EQ(v0->vlan_id, 100);
	CHECK_EQ(v0->ifa.addr.v4, ip4("198.18.100.1"));
	CHECK_EQ(v0->ifa.broadcast.v4, ip4("198.18.100.255"));
	CHECK_EQ(v0->ifa.gateway.v4, ip4("198.18.100.254"));
	CHECK_EQ(v1->port, 1);
	CHECK_EQ(v1->vlan_id, 4094);
	CHECK_EQ(v1->ifa.addr.family, 0);
	CHECK_STR(str_of(&v1->ifa.addr6), "2001:2:0:1::1");

	CHECK_EQ(cfg.knob[KNOB_IP_DEFTTL], 32);
	CHECK_EQ(cfg.knob[KNOB_UDP_BLACKHOLE], 1);
	CHECK_EQ(cfg.knob[KNOB_ARP_MAX_ENTRIES], 2048);
	CHECK_EQ(cfg.knob[KNOB_ICMP_ECHO], knob_table[KNOB_ICMP_ECHO].def);
	CHECK_EQ(cfg.knob[KNOB_TCP_CC], 1);
}

/* A file in the shape of F-Stack's stock config.ini loads: what fastack has
 * is honoured, and every key without effect here gives one warning naming
 * its line, in file order. */
static void test_fstack_stock(void)
{
	static const struct {
		unsigned line;
		const char *key; /* "[section] key" */
	} want[] = {
		{ 11, "[dpdk] numa_on" },
		{ 13, "[dpdk] tso" },
		{ 14, "[dpdk] vlan_strip" },
		{ 17, "[dpdk] pkt_tx_delay" },
		{ 20, "[dpdk] nb_vdev" },
		{ 21, "[dpdk] nb_bond" },
		{ 37, "[port0] vip_ifname" },
		{ 38, "[port0] vip_prefix_len" },
		{ 41, "[kni] enable" },
		{ 42, "[kni] method" },
		{ 43, "[kni] tcp_port" },
		{ 44, "[kni] udp_port" },
		{ 47, "[freebsd.boot] hz" },
		{ 50, "[freebsd.boot] net.inet.tcp.syncache.hashsize" },
		{ 51, "[freebsd.boot] net.inet.tcp.syncache.bucketlimit" },
		{ 52, "[freebsd.boot] net.inet.tcp.tcbhashsize" },
		{ 53, "[freebsd.boot] kern.ncallout" },
		{ 54, "[freebsd.boot] kern.features.inet6" },
		{ 55, "[freebsd.boot] net.inet6.ip6.auto_linklocal" },
		{ 56, "[freebsd.boot] net.inet6.ip6.accept_rtadv" },
		{ 57, "[freebsd.boot] net.inet6.icmp6.rediraccept" },
		{ 58, "[freebsd.boot] net.inet6.ip6.forwarding" },
		{ 67, "[freebsd.sysctl] net.inet.tcp.nolocaltimewait" },
		{ 69, "[freebsd.sysctl] net.inet.tcp.sendbuf_max" },
		{ 70, "[freebsd.sysctl] net.inet.tcp.recvbuf_max" },
		{ 71, "[freebsd.sysctl] net.inet.tcp.sendbuf_auto" },
		{ 72, "[freebsd.sysctl] net.inet.tcp.recvbuf_auto" },
		{ 73, "[freebsd.sysctl] net.inet.tcp.sendbuf_inc" },
		{ 74, "[freebsd.sysctl] net.inet.tcp.recvbuf_inc" },
		{ 80, "[freebsd.sysctl] net.inet.ip.redirect" },
		{ 81, "[freebsd.sysctl] net.inet.ip.forwarding" },
	};
	const char *path = CONF_DIR "/fstack_stock.ini";
	const struct port_cfg *p0 = &cfg.ports[0];
	char prefix[256];
	int rc;

	config_defaults(&cfg);
	rc = config_load_file(&cfg, path, err, sizeof(err));
	if (rc < 0) {
		fail_at(__LINE__, "refused: %s", err);
		return;
	}
	if (config_validate(&cfg, err, sizeof(err)) < 0)
		fail_at(__LINE__, "invalid: %s", err);
	CHECK_EQ(cfg.nb_warn, sizeof(want) / sizeof(want[0]));
	CHECK_EQ(cfg.warn_lost, 0);
	for (unsigned i = 0; i < cfg.nb_warn && i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(prefix, sizeof(prefix), "%s:%u: %s: ignored: ", path, want[i].line,
		         want[i].key);
		if (strncmp(cfg.warn[i], prefix, strlen(prefix)) != 0 ||
		    strlen(cfg.warn[i]) < strlen(prefix) + 10)
			fail_at(__LINE__,
			        "warning %u\n      got:      \"%s\"\n      expected: \"%s...\"", i,
			        cfg.warn[i], prefix);
	}
	/* A few in full: what the user reads. */
	snprintf(prefix, sizeof(prefix),
	         "%s:17: [dpdk] pkt_tx_delay: ignored: TX is flushed at the end of every loop "
	         "pass, never later than this delay",
	         path);
	CHECK_STR(cfg.warn[3], prefix);
	snprintf(prefix, sizeof(prefix),
	         "%s:71: [freebsd.sysctl] net.inet.tcp.sendbuf_auto: ignored: socket buffers are "
	         "not auto-sized: a send buffer stays at net.inet.tcp.sendspace (or SO_SNDBUF)",
	         path);
	CHECK_STR(cfg.warn[25], prefix);

	/* Honoured. */
	CHECK_EQ(cfg.knob[KNOB_SOCK_FD_RESERVE], 1024); /* fd_reserve=1024 */
	CHECK(!cfg.symmetric_rss);                      /* symmetric_rss=0: the device's own key */
	CHECK_EQ(cfg.lcore_mask, 1);
	CHECK_EQ(cfg.channel, 4);
	CHECK(cfg.promiscuous && !cfg.tx_csum_offload_skip);
	CHECK_EQ(cfg.idle_sleep_us, 0);
	CHECK_EQ(cfg.nb_ports, 1);
	CHECK(!cfg.pcap_enable);
	CHECK_EQ(cfg.pcap_snaplen, 96);
	CHECK_EQ(cfg.pcap_savelen, 16777216);
	CHECK_STR(cfg.pcap_savepath, ".");
	CHECK_EQ(p0->ifa.addr.v4, ip4("198.18.1.2"));
	CHECK_EQ(p0->ifa.netmask.v4, ip4("255.255.255.0"));
	CHECK_EQ(p0->ifa.broadcast.v4, ip4("198.18.1.255"));
	CHECK_EQ(p0->ifa.gateway.v4, ip4("198.18.1.1"));
	CHECK_STR(str_of(&p0->ifa.addr6), "2001:2::2");
	CHECK_EQ(cfg.knob[KNOB_SOCK_MAX_FDS], 262144); /* kern.ipc.maxsockets */
	CHECK_EQ(cfg.knob[KNOB_TCP_SOMAXCONN], 32768);
	CHECK_EQ(cfg.knob[KNOB_TCP_MAXSOCKBUF], 16777216);
	CHECK_EQ(cfg.knob[KNOB_ARP_MAXHOLD], 5);
	CHECK_EQ(cfg.knob[KNOB_TCP_FAST_FINWAIT2_RECYCLE], 1);
	CHECK_EQ(cfg.knob[KNOB_TCP_SENDSPACE], 16384);
	CHECK_EQ(cfg.knob[KNOB_TCP_RECVSPACE], 8192);
	CHECK_EQ(cfg.knob[KNOB_TCP_CC], tcp_cc_find("cubic"));
	CHECK_EQ(cfg.knob[KNOB_TCP_SACK], 1);
	CHECK_EQ(cfg.knob[KNOB_TCP_BLACKHOLE], 1);
	CHECK_EQ(cfg.knob[KNOB_TCP_MSL], 2000);
	CHECK_EQ(cfg.knob[KNOB_TCP_DELAYED_ACK], 0);
	CHECK_EQ(cfg.knob[KNOB_UDP_BLACKHOLE], 1);
	/* Ignored keys change nothing. */
	CHECK_EQ(cfg.knob[KNOB_TCP_MAXCONN], knob_table[KNOB_TCP_MAXCONN].def);
	CHECK_EQ(cfg.knob[KNOB_TCP_SYNCACHE_LIMIT], knob_table[KNOB_TCP_SYNCACHE_LIMIT].def);
}

/* F-Stack keys whose value asks for nothing fastack lacks: accepted, one
 * warning each, in any of the value's forms. */
static void test_fstack_ignored(void)
{
	EXPECT_OK(PORT0 "[dpdk]\nnb_vdev=0\ntso=off\nnb_bond=0x0\n");
	CHECK_EQ(cfg.nb_warn, 3);
	CHECK_STR(cfg.warn[0], "t.ini:7: [dpdk] nb_vdev: ignored: no virtio-user device is "
	                       "asked for");
	CHECK_STR(cfg.warn[1], "t.ini:8: [dpdk] tso: ignored: fastack does not use TCP "
	                       "segmentation offload");
	CHECK_STR(cfg.warn[2], "t.ini:9: [dpdk] nb_bond: ignored: no bonded port is asked for");
	EXPECT_OK(PORT0 "vip_addr=\n[freebsd.sysctl]\nnet.inet.ip.forwarding=no\n"
	                "net.inet.tcp.functions_default=freebsd\n");
	CHECK_EQ(cfg.nb_warn, 2); /* functions_default is a knob (freebsd, rack) */
	CHECK_STR(cfg.warn[0], "t.ini:6: [port0] vip_addr: ignored: the list of secondary "
	                       "addresses is empty");
	CHECK_STR(cfg.warn[1], "t.ini:8: [freebsd.sysctl] net.inet.ip.forwarding: ignored: "
	                       "fastack is a host: it does not forward");
	/* FreeBSD names are taken in either FreeBSD section. */
	EXPECT_OK(PORT0 "[freebsd.boot]\nnet.inet.ip.forwarding=0\n[freebsd.sysctl]\n"
	                "kern.ncallout=1000\n");
	CHECK_EQ(cfg.nb_warn, 2);
	/* A --set is named as such. */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "--set",
	         "freebsd.sysctl.net.inet.ip.redirect=1") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		CHECK_EQ(cfg.nb_warn, 1);
		CHECK_STR(cfg.warn[0], "--set freebsd.sysctl.net.inet.ip.redirect=1: "
		                       "[freebsd.sysctl] net.inet.ip.redirect: ignored: only a "
		                       "router sends ICMP redirects, and fastack does not forward");
	}
	/* More than CFG_WARN_MAX: kept up to it, the rest counted. */
	{
		static char text[8192];
		size_t n = (size_t)snprintf(text, sizeof(text), "%s[kni]\n", PORT0);

		for (unsigned i = 0; i < CFG_WARN_MAX + 5; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "method=reject\n");
		EXPECT_OK(text);
		CHECK_EQ(cfg.nb_warn, CFG_WARN_MAX);
		CHECK_EQ(cfg.warn_lost, 5);
	}
}

/* The keys of F-Stack's current stock config.ini that fastack does not act
 * on (issue 15): each accepted with its one-line warning when its value
 * asks for nothing fastack lacks, refused otherwise; [dpdk] memory= and
 * F-Stack's log file keys are taken. */
static void test_fstack_current_stock(void)
{
	EXPECT_OK(PORT0 "[dpdk]\nvlan_filter=1,2,4-6\nmemory=512\nfstack_log_level=7\n"
	                "fstack_log_file_prefix=/tmp/fs-\n[rss_check]\nenable=0\n"
	                "rss_tbl=0 198.18.1.1 198.18.2.1 80;0 198.18.1.1 198.18.2.1 443\n"
	                "[freebsd.sysctl]\nnet.add_addr_allfibs=1\nnet.inet.tcp.maxtcptw=128\n"
	                "net.inet.ip.portrange.randomized=1\nnet.inet.ip.portrange.randomtime=0\n"
	                "net.inet.tcp.hpts.skip_swi=1\nnet.inet.tcp.hpts.minsleep=250\n"
	                "net.inet.tcp.hpts.maxsleep=51200\n");
	CHECK_EQ(cfg.memory_mb, 512);
	CHECK_EQ(cfg.fstack_log_level, 7);
	CHECK_STR(cfg.fstack_log_prefix, "/tmp/fs-");
	CHECK_EQ(cfg.nb_warn, 10);
	CHECK_STR(cfg.warn[0], "t.ini:7: [dpdk] vlan_filter: ignored: VLAN ids are filtered in "
	                       "software: a frame whose id no [vlanN] names is dropped "
	                       "(eth.eth_novlan), the NIC's filter is not used");
	CHECK_STR(cfg.warn[1], "t.ini:12: [rss_check] enable: ignored: the static table of local "
	                       "ports stays off");
	CHECK_STR(cfg.warn[2], "t.ini:13: [rss_check] rss_tbl: ignored: only used with "
	                       "[rss_check] enable=1");
	CHECK_STR(cfg.warn[3], "t.ini:15: [freebsd.sysctl] net.add_addr_allfibs: ignored: "
	                       "fastack has one routing table (no FIBs to add an address's "
	                       "routes to)");
	CHECK_STR(cfg.warn[4], "t.ini:16: [freebsd.sysctl] net.inet.tcp.maxtcptw: ignored: "
	                       "TIME_WAIT connections are bounded with the others by "
	                       "fastack.tcp.maxconn");
	CHECK_STR(cfg.warn[5], "t.ini:17: [freebsd.sysctl] net.inet.ip.portrange.randomized: "
	                       "ignored: ephemeral ports are always chosen at random");
	CHECK_STR(cfg.warn[7], "t.ini:19: [freebsd.sysctl] net.inet.tcp.hpts.skip_swi: ignored: "
	                       "HPTS paces FreeBSD's rack and bbr stacks, which fastack does not "
	                       "have");
	/* Defaults: no memory given, no log file. */
	EXPECT_OK(PORT0);
	CHECK_EQ(cfg.memory_mb, 0);
	CHECK_EQ(cfg.fstack_log_level, 0);
	CHECK_STR(cfg.fstack_log_prefix, "./f-stack-");
	/* What fastack lacks is refused. */
	EXPECT_ERR(PORT0 "[rss_check]\nenable=1\n",
	           "t.ini:7: [rss_check] enable: '1' is not supported by fastack (the static "
	           "table of local ports for active opens (F-Stack's ff_rss_check table) is not "
	           "implemented; only 0 is accepted)");
	EXPECT_ERR(PORT0 "[freebsd.sysctl]\nnet.inet.ip.portrange.randomized=0\n",
	           "t.ini:7: [freebsd.sysctl] net.inet.ip.portrange.randomized: '0' is not "
	           "supported by fastack (sequential choice of ephemeral ports is not "
	           "implemented; only 1 is accepted)");
	EXPECT_ERR("[dpdk]\nfstack_log_level=9\n",
	           "t.ini:2: [dpdk] fstack_log_level: '9' is out of range 0..8");
	EXPECT_ERR("[dpdk]\nmemory=0\n", "t.ini:2: [dpdk] memory: '0' is out of range "
	                                 "1..1048576 (MiB)");
}

/* kern.ipc.maxsockets sets kern.maxfiles, unless the file sets kern.maxfiles
 * itself (before or after it). */
static void test_fstack_maxsockets(void)
{
	EXPECT_OK(PORT0 "[freebsd.boot]\nkern.ipc.maxsockets=1000\n");
	CHECK_EQ(cfg.knob[KNOB_SOCK_MAX_FDS], 1000);
	CHECK_EQ(cfg.nb_warn, 0);
	EXPECT_OK(PORT0 "[freebsd.boot]\nkern.ipc.maxsockets=1000\n[freebsd.sysctl]\n"
	                "kern.maxfiles=2000\n");
	CHECK_EQ(cfg.knob[KNOB_SOCK_MAX_FDS], 2000);
	EXPECT_OK(PORT0 "[freebsd.sysctl]\nkern.maxfiles=2000\n[freebsd.boot]\n"
	                "kern.ipc.maxsockets=1000\n");
	CHECK_EQ(cfg.knob[KNOB_SOCK_MAX_FDS], 2000);
	CHECK_EQ(cfg.nb_warn, 1);
	CHECK_STR(cfg.warn[0], "t.ini:9: [freebsd.boot] kern.ipc.maxsockets: ignored: "
	                       "kern.maxfiles is given at line 7");
	EXPECT_ERR(PORT0 "[freebsd.sysctl]\nkern.ipc.maxsockets=8\n",
	           "t.ini:7: [freebsd.sysctl] kern.ipc.maxsockets: '8' is out of range "
	           "16..16777216 (descriptors)");
	EXPECT_ERR(PORT0 "[freebsd.boot]\nkern.ipc.maxsockets=many\n",
	           "t.ini:7: [freebsd.boot] kern.ipc.maxsockets: 'many' is not a number");
}

/* F-Stack keys and sections whose value asks for something fastack does
 * not do: an error with file:line that says what is missing. */
static void test_fstack_refused(void)
{
	EXPECT_ERR(PORT0 "[dpdk]\nnb_bond=1\n",
	           "t.ini:7: [dpdk] nb_bond: '1' is not supported by fastack (bonding is not "
	           "implemented; only 0 is accepted)");
	EXPECT_ERR("[dpdk]\nnb_vdev=2\n",
	           "t.ini:2: [dpdk] nb_vdev: '2' is not supported by fastack (virtio-user devices "
	           "are not created from [vdevN]: give --vdev=virtio_user0,path=... in eal_args; "
	           "only 0 is accepted)");
	EXPECT_ERR("[dpdk]\nnb_vdev=0\n[vdev0]\npath=/tmp/vhost-user0\n",
	           "t.ini:3: [vdev0]: F-Stack section not supported by fastack (virtio-user "
	           "devices are not created from it: give --vdev=virtio_user0,path=... in [dpdk] "
	           "eal_args)");
	EXPECT_ERR("[bond0]\nmode=4\n", "t.ini:1: [bond0]: F-Stack section not supported by "
	                                "fastack (bonding is not implemented)");
	EXPECT_ERR(PORT0 "vip_addr=198.18.0.3;198.18.0.4\n",
	           "t.ini:6: [port0] vip_addr: '198.18.0.3;198.18.0.4' is not supported by "
	           "fastack (secondary addresses are not implemented; only an empty value is "
	           "accepted)");
	EXPECT_ERR(PORT0 "vip_addr6=2001:2::3\n",
	           "t.ini:6: [port0] vip_addr6: '2001:2::3' is not supported by fastack "
	           "(secondary addresses are not implemented; only an empty value is accepted)");
	EXPECT_ERR(PORT0 "slave_port_list=0,1\n", "t.ini:6: [port0] slave_port_list: not "
	                                          "supported by fastack (bonding is not "
	                                          "implemented)");
	EXPECT_ERR(PORT0 "lcore_list=0\n", "t.ini:6: [port0] lcore_list: not supported by fastack "
	                                   "(every lcore of lcore_mask serves every port)");
	EXPECT_ERR(PORT0 "[kni]\nmethod=reject\nenable=1\n",
	           "t.ini:8: [kni] enable: '1' is not supported by fastack (KNI, the exception "
	           "path to the kernel, is not implemented; only 0 is accepted)");
	EXPECT_ERR(PORT0 "[freebsd.sysctl]\nnet.inet.ip.forwarding=1\n",
	           "t.ini:7: [freebsd.sysctl] net.inet.ip.forwarding: '1' is not supported by "
	           "fastack (forwarding between interfaces (a router) is not implemented; only 0 "
	           "is accepted)");
	EXPECT_ERR(PORT0 "[freebsd.boot]\nnet.inet6.ip6.forwarding=on\n",
	           "t.ini:7: [freebsd.boot] net.inet6.ip6.forwarding: 'on' is not supported by "
	           "fastack (forwarding between interfaces (a router) is not implemented; only 0 "
	           "is accepted)");
	EXPECT_ERR("[dpdk]\ntso=1\n", "t.ini:2: [dpdk] tso: '1' is not supported by fastack (TCP "
	                              "segmentation offload is not implemented; only 0 is "
	                              "accepted)");
	/* symmetric_rss is a key of fastack's own now (F-Stack's stock file
	 * says 0: the device's key). */
	EXPECT_OK(PORT0 "[dpdk]\nsymmetric_rss=0\nsoft_rss=0\n");
	CHECK(!cfg.symmetric_rss && !cfg.soft_rss);
	EXPECT_OK(PORT0);
	CHECK(cfg.symmetric_rss && cfg.soft_rss);
	/* tcp_ecn is net.inet.tcp.ecn.enable (ECN is implemented), with its range. */
	EXPECT_OK(PORT0 "[freebsd.boot]\ntcp_ecn=1\n");
	CHECK_EQ(cfg.knob[KNOB_TCP_ECN], 1);
	EXPECT_OK(PORT0 "[freebsd.boot]\ntcp_ecn=0\n");
	CHECK_EQ(cfg.knob[KNOB_TCP_ECN], 0);
	EXPECT_ERR("[freebsd.boot]\ntcp_ecn=3\n",
	           "t.ini:2: [freebsd.boot] tcp_ecn: '3' is out of range 0..2 (mode)");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.tcp.cc.algorithm=vegas\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.tcp.cc.algorithm: 'vegas' is not one of "
	           "newreno, cubic");
	/* An ignored key's value still has to have its form. */
	EXPECT_ERR("[freebsd.boot]\nhz=1OO\n", "t.ini:2: [freebsd.boot] hz: '1OO' is not a number");
	EXPECT_ERR("[dpdk]\nvlan_strip=2\n", "t.ini:2: [dpdk] vlan_strip: '2' is not a boolean "
	                                     "(0/1, yes/no, on/off, true/false)");
	/* Run-time knobs belong in [freebsd.sysctl]. */
	EXPECT_ERR("[freebsd.boot]\nnet.inet.tcp.sendspace=16384\n",
	           "t.ini:2: [freebsd.boot] net.inet.tcp.sendspace: a run-time knob: set it in "
	           "[freebsd.sysctl]");
	/* Names nobody knows are still errors, with the closest known name. */
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.ip.forwardng=0\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.ip.forwardng: unknown knob (did you mean "
	           "net.inet.ip.forwarding?)");
	EXPECT_ERR("[freebsd.boot]\nhzz=100\n",
	           "t.ini:2: [freebsd.boot] hzz: unknown tunable (did you mean hz?)");
	EXPECT_ERR("[freebsd.boot]\nnet.inet.tcp.nosuch=1\n",
	           "t.ini:2: [freebsd.boot] net.inet.tcp.nosuch: unknown tunable (see "
	           "docs/knobs.md)");
	EXPECT_ERR("[kni]\nenabel=0\n",
	           "t.ini:2: [kni] enabel: unknown key (did you mean enable?)");
	EXPECT_ERR("[pcap]\nsnaplne=96\n",
	           "t.ini:2: [pcap] snaplne: unknown key (did you mean snaplen?)");
	EXPECT_ERR("[dpdk]\nidle_slep=0\n",
	           "t.ini:2: [dpdk] idle_slep: unknown key (did you mean idle_sleep?)");
	/* A key of one section is unknown in another. */
	EXPECT_ERR("[dpdk]\nhz=100\n", "t.ini:2: [dpdk] hz: unknown key (see docs/knobs.md)");
	EXPECT_ERR("[freebsd.sysctl]\nfd_reserve=1024\n",
	           "t.ini:2: [freebsd.sysctl] fd_reserve: unknown knob (see docs/knobs.md)");
	/* --set too. */
	EXPECT_ARGS_ERR("--set dpdk.nb_bond=2: [dpdk] nb_bond: '2' is not supported by fastack "
	                "(bonding is not implemented; only 0 is accepted)",
	                "-c", CONF_DIR "/two_lcores.ini", "--set", "dpdk.nb_bond=2");
}

/* [pcap]: F-Stack's keys, checked as fastack's. */
static void test_pcap_section(void)
{
	EXPECT_OK(PORT0 "[pcap]\nenable=yes\nsnaplen=94\nsavelen=8388608\nsavepath=/tmp\n");
	CHECK(cfg.pcap_enable);
	CHECK_EQ(cfg.pcap_snaplen, 94);
	CHECK_EQ(cfg.pcap_savelen, 8388608);
	CHECK_STR(cfg.pcap_savepath, "/tmp");
	CHECK_EQ(cfg.nb_warn, 0);
	EXPECT_ERR("[pcap]\nsnaplen=0\n",
	           "t.ini:2: [pcap] snaplen: '0' is out of range 1..262144 (bytes)");
	EXPECT_ERR("[pcap]\nsnaplen=262145\n",
	           "t.ini:2: [pcap] snaplen: '262145' is out of range 1..262144 (bytes)");
	EXPECT_ERR("[pcap]\nsavelen=big\n", "t.ini:2: [pcap] savelen: 'big' is not a number");
	EXPECT_ERR(PORT0 "[pcap]\nenable=1\nsavepath=\n",
	           "t.ini:8: [pcap] savepath: empty (enable=1 writes its files there)");
	EXPECT_ERR("[pcap]\nenable=0\n[pcap]\nenable=1\n",
	           "t.ini:4: [pcap] enable: key given twice, first at line 2");
	/* --set reaches it. */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "--set", "pcap.snaplen=200") < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(cfg.pcap_snaplen, 200);
}

/* Syntax inih and our reader accept: comments, CRLF, a BOM, indentation,
 * "key: value", empty lines; the last line without a newline. */
static void test_syntax_accepted(void)
{
	EXPECT_OK("\xEF\xBB\xBF; comment\r\n# comment\r\n[dpdk]\r\n  port_list = 0\r\n\r\n"
	          "[ port0 ]   ; trailing comment\r\n\taddr: 198.18.0.1\r\n"
	          "  netmask=255.255.255.0\r\n"
	          "  gateway=198.18.0.254");
	CHECK_EQ(cfg.ports[0].ifa.gateway.v4, ip4("198.18.0.254"));
	/* An indented line is a key of its own, not the continuation of the
	 * previous value (inih's multi-line values are off). */
	EXPECT_OK(PORT0 "  gateway=198.18.0.254\n  mtu=9000\n");
	CHECK_EQ(cfg.ports[0].ifa.gateway.v4, ip4("198.18.0.254"));
	CHECK_EQ(cfg.ports[0].mtu, 9000);
	/* An empty section is fine where the section is known. */
	EXPECT_OK(PORT0 "[freebsd.sysctl]\n");
	/* Booleans and numbers in their accepted forms. */
	EXPECT_OK(PORT0 "[dpdk]\npromiscuous=Off\ntx_csum_offoad_skip=TRUE\nno_huge=yes\n"
	                "nb_mbufs=0x4000\nlcore_mask=FF\n");
	CHECK(!cfg.promiscuous && cfg.tx_csum_offload_skip && cfg.no_huge);
	CHECK_EQ(cfg.nb_mbufs, 0x4000);
	CHECK_EQ(cfg.lcore_mask, 0xff);
}

static void test_broadcast_derived(void)
{
	EXPECT_OK("[dpdk]\nport_list=0\n[port0]\naddr=198.18.5.9\nnetmask=255.255.252.0\n");
	CHECK_EQ(cfg.ports[0].ifa.broadcast.v4, ip4("198.18.7.255"));
	/* Given, it is kept. */
	EXPECT_OK(PORT0 "broadcast=198.18.0.127\n");
	CHECK_EQ(cfg.ports[0].ifa.broadcast.v4, ip4("198.18.0.127"));
}

static void test_overrides(void)
{
	int rc;

	rc = ARGS("--conf", CONF_DIR "/two_lcores.ini", "--set", "port0.addr=198.18.0.9",
	          "--set=freebsd.sysctl.net.inet.ip.ttl=17", "--set",
	          "dpdk.eal_args=--no-pci --vdev=net_tap0,iface=fst0", "-p1", "-t", "secondary",
	          "--set", "port0.addr=198.18.0.10");
	if (rc < 0) {
		fail_at(__LINE__, "refused: %s", err);
		return;
	}
	CHECK_EQ(config_validate(&cfg, err, sizeof(err)), 0);
	/* Applied in order, after the file: the last one wins. */
	CHECK_EQ(cfg.ports[0].ifa.addr.v4, ip4("198.18.0.10"));
	CHECK_EQ(cfg.ports[0].ifa.broadcast.v4, ip4("198.18.0.255"));
	CHECK_EQ(cfg.ports[0].ifa.gateway.v4, ip4("198.18.0.254")); /* from the file */
	CHECK_EQ(cfg.knob[KNOB_IP_DEFTTL], 17);
	CHECK_STR(cfg.eal_args, "--no-pci --vdev=net_tap0,iface=fst0");
	CHECK_EQ(cfg.proc_id, 1);
	CHECK_EQ(cfg.proc_type, PROC_SECONDARY);
	CHECK_EQ(cfg.lcore_mask, 3);

	/* Every spelling of the options; "--" ends them. */
	rc = ARGS("-c" CONF_DIR "/two_lcores.ini", "--proc-id=1", "--proc-type=auto", "--",
	          "--not-ours", "x");
	CHECK_EQ(rc, 0);
	CHECK_EQ(cfg.proc_id, 1);
	CHECK_EQ(cfg.proc_type, PROC_AUTO);
	rc = ARGS("--conf=" CONF_DIR "/two_lcores.ini", "-p", "0", "-tprimary");
	CHECK_EQ(rc, 0);
	CHECK_EQ(cfg.proc_type, PROC_PRIMARY);

	/* --set creates what the file lacks: a second port, a VLAN. */
	rc = ARGS("-c", CONF_DIR "/two_lcores.ini", "--set", "dpdk.port_list=0,1", "--set",
	          "port1.addr=198.18.1.1", "--set", "port1.netmask=255.255.255.0", "--set",
	          "vlan3.port=1", "--set", "vlan3.vlan_id=7", "--set", "vlan3.addr6=2001:2:0:7::1",
	          "--set", "vlan3.prefix_len=64");
	if (rc < 0)
		fail_at(__LINE__, "refused: %s", err);
	else if (config_validate(&cfg, err, sizeof(err)) < 0)
		fail_at(__LINE__, "invalid: %s", err);
	CHECK(cfg.ports[1].present);
	CHECK_EQ(cfg.ports[1].ifa.broadcast.v4, ip4("198.18.1.255"));
	CHECK_EQ(cfg.nb_vlans, 4);
	CHECK(cfg.vlans[3].present && !cfg.vlans[0].present);
	CHECK_EQ(cfg.vlans[3].vlan_id, 7);
}

/* config_dump writes a file that loads back into the same values. */
static void dump_roundtrip(const char *path)
{
	static struct config first;
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	FILE *f;

	config_defaults(&first);
	if (config_load_file(&first, path, err, sizeof(err)) < 0) {
		fail_at(__LINE__, "refused: %s", err);
		return;
	}
	f = open_memstream(&a, &alen);
	config_dump(&first, f);
	fclose(f);
	config_defaults(&cfg);
	if (config_load_string(&cfg, "dump.ini", a, err, sizeof(err)) < 0 ||
	    config_validate(&cfg, err, sizeof(err)) < 0) {
		fail_at(__LINE__, "dump refused: %s\n%s", err, a);
		free(a);
		return;
	}
	snprintf(cfg.file, sizeof(cfg.file), "%s", first.file);
	f = open_memstream(&b, &blen);
	config_dump(&cfg, f);
	fclose(f);
	CHECK_STR(b, a);
	CHECK(cfg.ports[0].fault.reorder == first.ports[0].fault.reorder);
	CHECK(memcmp(cfg.knob, first.knob, sizeof(cfg.knob)) == 0);
	CHECK_EQ(cfg.nb_warn, 0); /* the dump holds only what has effect */
	free(a);
	free(b);
}

static void test_dump_roundtrip(void)
{
	dump_roundtrip(CONF_DIR "/fstack.ini");
	dump_roundtrip(CONF_DIR "/fstack_stock.ini");
}

/* A string key set empty where its default is not ([pcap] savepath,
 * default ".") is dumped as "savepath=", not left out: the dump loaded
 * back with "." (found by fuzz/fuzz_config). */
static void test_dump_empty_string(void)
{
	static struct config first;
	char *a = NULL;
	size_t alen;
	FILE *f;

	config_defaults(&first);
	CHECK_EQ(config_load_string(&first, "t.ini", "[pcap]\nsavepath=\n", err, sizeof(err)), 0);
	CHECK_STR(first.pcap_savepath, "");
	f = open_memstream(&a, &alen);
	config_dump(&first, f);
	fclose(f);
	CHECK(strstr(a, "\nsavepath=\n") != NULL);
	config_defaults(&cfg);
	CHECK_EQ(config_load_string(&cfg, "dump.ini", a, err, sizeof(err)), 0);
	CHECK_STR(cfg.pcap_savepath, "");
	free(a);
}

static void test_knob_parse(void)
{
	int64_t v = -1;

	CHECK_EQ(knob_find("net.inet.ip.ttl"), KNOB_IP_DEFTTL);
	CHECK_EQ(knob_find("net.inet.ip.nosuch"), -ENOENT);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "64", &v), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "0x40", &v), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "256", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "0", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "-1", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "99999999999999999999", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "", &v), -EINVAL);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "64k", &v), -EINVAL);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, " 64", &v), -EINVAL);
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "yes", &v), -EINVAL); /* not a bool knob */
	CHECK_EQ(knob_parse(KNOB_IP_DEFTTL, "0x", &v), -EINVAL);
	CHECK_EQ(v, 64); /* untouched by failures */
	for (unsigned i = 0; i < 8; i++) {
		static const char *const words[] = { "1", "yes", "On",  "TRUE",
			                             "0", "no",  "off", "false" };
		CHECK_EQ(knob_parse(KNOB_ICMP_ECHO, words[i], &v), 0);
		CHECK_EQ(v, i < 4);
	}
	CHECK_EQ(knob_parse(KNOB_ICMP_ECHO, "2", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_ICMP_ECHO, "maybe", &v), -EINVAL);
	CHECK_EQ(knob_parse(KNOB_COUNT, "1", &v), -EINVAL);
	/* A name-valued knob takes FreeBSD's names, or their index. */
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "cubic", &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "newreno", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "1", &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "2", &v), -ERANGE);
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "Cubic", &v), -EINVAL);
	CHECK_EQ(knob_parse(KNOB_TCP_CC, "vegas", &v), -EINVAL);
	CHECK_EQ(v, 1);
	{
		char buf[64];

		CHECK_STR(knob_range_str(KNOB_TCP_CC, buf, sizeof(buf)), "newreno, cubic");
		CHECK_STR(knob_value_str(KNOB_TCP_CC, 1, buf, sizeof(buf)), "cubic");
		CHECK_STR(knob_range_str(KNOB_IP_DEFTTL, buf, sizeof(buf)), "1..255");
		CHECK_STR(knob_value_str(KNOB_IP_DEFTTL, 64, buf, sizeof(buf)), "64");
	}
	CHECK(knob_value_name(KNOB_TCP_CC, 2) == NULL);
	CHECK(knob_value_name(KNOB_IP_DEFTTL, 1) == NULL);
	/* The knob's range is exactly the congestion control modules. */
	for (int i = 0; i <= knob_table[KNOB_TCP_CC].max; i++) {
		CHECK(tcp_cc_name(i) != NULL);
		CHECK_STR(knob_value_name(KNOB_TCP_CC, i), tcp_cc_name(i));
	}
	CHECK(tcp_cc_name((int)knob_table[KNOB_TCP_CC].max + 1) == NULL);
	/* Every default is inside its range and every name is unique; knobs
	 * of unit "name" have a name for every value, and only they. */
	for (unsigned i = 0; i < KNOB_COUNT; i++) {
		bool named = strcmp(knob_table[i].unit, "name") == 0;

		CHECK(knob_table[i].min <= knob_table[i].def &&
		      knob_table[i].def <= knob_table[i].max);
		CHECK_EQ(knob_find(knob_table[i].name), i);
		for (int64_t x = knob_table[i].min; x <= knob_table[i].max && x < 1000; x++)
			CHECK_EQ(knob_value_name((enum knob_id)i, x) != NULL, named);
	}
}

/* The example in docs/config.md loads and validates. */
static void test_doc_example(void)
{
	FILE *f = fopen(DOCS_DIR "/config.md", "r");
	static char text[16384];
	char *start, *end;
	size_t n;

	if (!f) {
		fail_at(__LINE__, "%s/config.md: %s", DOCS_DIR, strerror(errno));
		return;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	start = strstr(text, "```ini\n");
	end = start ? strstr(start + 7, "```") : NULL;
	if (!end) {
		fail_at(__LINE__, "no ```ini block in docs/config.md");
		return;
	}
	*end = '\0';
	config_defaults(&cfg);
	if (config_load_string(&cfg, "config.md", start + 7, err, sizeof(err)) < 0 ||
	    config_validate(&cfg, err, sizeof(err)) < 0)
		fail_at(__LINE__, "docs/config.md example: %s", err);
	else if (config_check_runnable(&cfg, err, sizeof(err)) < 0)
		fail_at(__LINE__, "docs/config.md example does not run: %s", err);
	CHECK_EQ(cfg.lcore_mask, 2);
	CHECK_EQ(cfg.ports[0].ifa.broadcast.v4, ip4("198.18.0.255"));
	CHECK_EQ(cfg.vlans[0].vlan_id, 100);
}

/* ---- one test per class of mistake ---- */

static void test_unknown_section(void)
{
	EXPECT_ERR("[dpdk]\nport_list=0\n[nosuch]\n",
	           "t.ini:3: [nosuch]: unknown section (expected dpdk, portN, vlanN, pcap, kni, "
	           "rss_check, freebsd.boot or freebsd.sysctl)");
	EXPECT_ERR("[dpkd]\n", "t.ini:1: [dpkd]: unknown section (did you mean [dpdk]?)");
	EXPECT_ERR("[freebsd.bot]\n",
	           "t.ini:1: [freebsd.bot]: unknown section (did you mean [freebsd.boot]?)");
	/* F-Stack's sections that fastack reads, empty. */
	EXPECT_OK(PORT0 "[pcap]\n[kni]\n[freebsd.boot]\n");
	EXPECT_ERR("[bond0]\n", "t.ini:1: [bond0]: F-Stack section not supported by fastack "
	                        "(bonding is not implemented)");
	EXPECT_ERR("[port8]\n", "t.ini:1: [port8]: port id out of range 0..7");
	EXPECT_ERR("[vlan16]\n", "t.ini:1: [vlan16]: VLAN section number out of range 0..15");
	EXPECT_ERR("[port01]\n", "t.ini:1: [port01]: unknown section (did you mean [port0]?)");
}

static void test_unknown_key(void)
{
	EXPECT_ERR("[dpdk]\nport_list=0\n\n[port0]\nadress=198.18.0.1\n",
	           "t.ini:5: [port0] adress: unknown key (see docs/knobs.md)");
	EXPECT_ERR(PORT0 "gatway=198.18.0.254\n",
	           "t.ini:6: [port0] gatway: unknown key (did you mean gateway?)");
	EXPECT_ERR("[dpdk]\ntx_csum_offload_skip=1\n",
	           "t.ini:2: [dpdk] tx_csum_offload_skip: unknown key (did you mean "
	           "tx_csum_offoad_skip?)");
	/* A [portN] key in [dpdk] and the reverse. */
	EXPECT_ERR("[dpdk]\naddr=198.18.0.1\n", "t.ini:2: [dpdk] addr: unknown key (see "
	                                        "docs/knobs.md)");
	EXPECT_ERR("[port0]\nvlan_id=5\n",
	           "t.ini:2: [port0] vlan_id: unknown key (see docs/knobs.md)");
	/* F-Stack keys fastack refuses, with what to do instead. */
	EXPECT_ERR("[dpdk]\nfile_prefix=x\n", "t.ini:2: [dpdk] file_prefix: not supported by "
	                                      "fastack (give --file-prefix in eal_args)");
	EXPECT_ERR(PORT0 "if_name=eno7\n", "t.ini:6: [port0] if_name: not supported by fastack "
	                                   "(ports are named by their DPDK port id in port_list)");
	/* Knobs. */
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.udp.nosuchknob=1\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.udp.nosuchknob: unknown knob (see "
	           "docs/knobs.md)");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.ip.tll=1\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.ip.tll: unknown knob (did you mean "
	           "net.inet.ip.ttl?)");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.tcp.functions_defaults=freebsd\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.tcp.functions_defaults: unknown knob (did "
	           "you mean net.inet.tcp.functions_default?)");
}

static void test_bad_address(void)
{
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\naddr=198.18.0.300\n",
	           "t.ini:4: [port0] addr: '198.18.0.300' is not an IPv4 address");
	EXPECT_ERR("[port0]\naddr=198.18.0.1/24\n", "t.ini:2: [port0] addr: '198.18.0.1/24' is "
	                                            "not an IPv4 address (give the prefix with "
	                                            "netmask=)");
	EXPECT_ERR("[port0]\ngateway=\n", "t.ini:2: [port0] gateway: '' is not an IPv4 address");
	EXPECT_ERR("[port0]\naddr=198.18.0.01\n",
	           "t.ini:2: [port0] addr: '198.18.0.01' is not an IPv4 address");
	EXPECT_ERR("[port0]\naddr6=2001:2::zz\n",
	           "t.ini:2: [port0] addr6: '2001:2::zz' is not an IPv6 address");
	EXPECT_ERR("[port0]\naddr6=198.18.0.1\n",
	           "t.ini:2: [port0] addr6: '198.18.0.1' is not an IPv6 address");
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\naddr=224.0.0.1\nnetmask=255.255.255.0\n",
	           "t.ini:4: [port0] addr: 224.0.0.1 is not a unicast address");
	EXPECT_ERR(PORT0 "addr6=ff02::1\nprefix_len=64\n",
	           "t.ini:6: [port0] addr6: ff02::1 is not a unicast address");
}

static void test_netmask(void)
{
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\naddr=198.18.0.1\nnetmask=255.0.255.0\n",
	           "t.ini:5: [port0] netmask: '255.0.255.0' is not a contiguous netmask");
	EXPECT_ERR("[port0]\nnetmask=0.255.255.255\n",
	           "t.ini:2: [port0] netmask: '0.255.255.255' is not a contiguous netmask");
	EXPECT_ERR("[port0]\nnetmask=24\n",
	           "t.ini:2: [port0] netmask: '24' is not an IPv4 address");
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\naddr=198.18.0.1\n",
	           "t.ini:3: [port0] netmask: missing (addr needs one)");
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\nnetmask=255.255.255.0\n",
	           "t.ini:4: [port0] netmask: given without addr");
	EXPECT_OK("[dpdk]\nport_list=0\n[port0]\naddr=198.18.0.1\nnetmask=255.255.255.255\n");
	CHECK_EQ(cfg.ports[0].ifa.broadcast.v4, ip4("198.18.0.1"));
}

static void test_out_of_range(void)
{
	/* A knob. */
	EXPECT_ERR(
	    "[freebsd.sysctl]\nnet.inet.ip.ttl=300\n",
	    "t.ini:2: [freebsd.sysctl] net.inet.ip.ttl: '300' is out of range 1..255 (hops)");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.ip.ttl=lots\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.ip.ttl: 'lots' is not a number");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.icmp.echo_enable=maybe\n",
	           "t.ini:2: [freebsd.sysctl] net.inet.icmp.echo_enable: 'maybe' is not a "
	           "boolean (0/1, yes/no, on/off, true/false)");
	/* [dpdk] keys. */
	EXPECT_ERR("[dpdk]\nchannel=99\n", "t.ini:2: [dpdk] channel: '99' is out of range 1..32");
	EXPECT_ERR("# a comment\n[dpdk]\nnb_mbufs=lots\n",
	           "t.ini:3: [dpdk] nb_mbufs: 'lots' is not a number");
	EXPECT_ERR("[dpdk]\nnb_mbufs=100\n",
	           "t.ini:2: [dpdk] nb_mbufs: '100' is out of range 512..16777216 (mbufs)");
	EXPECT_ERR("[dpdk]\nnb_mbufs=99999999999999999999999\n",
	           "t.ini:2: [dpdk] nb_mbufs: '99999999999999999999999' is out of range "
	           "512..16777216 (mbufs)");
	EXPECT_ERR("[dpdk]\nnb_mbufs=-1\n", "t.ini:2: [dpdk] nb_mbufs: '-1' is not a number");
	EXPECT_ERR("[dpdk]\npromiscuous=2\n", "t.ini:2: [dpdk] promiscuous: '2' is not a boolean "
	                                      "(0/1, yes/no, on/off, true/false)");
	EXPECT_ERR("[dpdk]\nlcore_mask=0\n", "t.ini:2: [dpdk] lcore_mask: '0' selects no lcore");
	EXPECT_ERR("[dpdk]\nlcore_mask=0x10000000000000000\n",
	           "t.ini:2: [dpdk] lcore_mask: '0x10000000000000000' names lcores above 63");
	EXPECT_ERR("[dpdk]\nlcore_mask=0xg\n",
	           "t.ini:2: [dpdk] lcore_mask: '0xg' is not a hexadecimal mask");
	EXPECT_ERR("[dpdk]\nlog_level=loud\n",
	           "t.ini:2: [dpdk] log_level: 'loud' is not one of error, warning, info, debug");
	EXPECT_ERR("[dpdk]\nport_list=0,8\n", "t.ini:2: [dpdk] port_list: port 8 is out of "
	                                      "range 0..7");
	EXPECT_ERR("[dpdk]\nport_list=0,0\n", "t.ini:2: [dpdk] port_list: port 0 is listed twice");
	EXPECT_ERR("[dpdk]\nport_list=3-1\n", "t.ini:2: [dpdk] port_list: '3-1' is an empty range");
	EXPECT_ERR("[dpdk]\nport_list=\n",
	           "t.ini:2: [dpdk] port_list: expected a list of port ids such as 0,2-3");
	EXPECT_ERR("[dpdk]\nport_list=0,,1\n",
	           "t.ini:2: [dpdk] port_list: expected a list of port ids such as 0,2-3");
	/* [portN] keys. */
	EXPECT_ERR("[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\nfault_loss=1.5\n",
	           "t.ini:4: [port0] fault_loss: '1.5' is out of range 0..1");
	EXPECT_ERR("[port0]\nfault_dup=nan\n", "t.ini:2: [port0] fault_dup: 'nan' is not a number");
	EXPECT_ERR("[port0]\nfault_dup=-0.1\n",
	           "t.ini:2: [port0] fault_dup: '-0.1' is out of range 0..1");
	EXPECT_ERR("[port0]\nfault_dir=up\n",
	           "t.ini:2: [port0] fault_dir: 'up' is not one of rx, tx, both");
	EXPECT_ERR("[port0]\nprefix_len=129\n",
	           "t.ini:2: [port0] prefix_len: '129' is out of range 0..128 (bits)");
	EXPECT_ERR("[port0]\nmtu=65536\n",
	           "t.ini:2: [port0] mtu: '65536' is out of range 0..65535 (bytes)");
	EXPECT_ERR(PORT0 "mtu=60\n", "t.ini:6: [port0] mtu: 60 is below the minimum 68");
	EXPECT_ERR(PORT0 "mtu=1000\naddr6=2001:2::1\nprefix_len=64\n",
	           "t.ini:6: [port0] mtu: 1000 is below the minimum 1280 of IPv6");
	{
		char text[PATH_MAX + 64];

		snprintf(text, sizeof(text), "[port0]\npcap=/%0*d\n", PATH_MAX - 1, 0);
		EXPECT_ERR(text, "t.ini:2: line longer than 199 characters");
	}
}

static void test_missing_file(void)
{
	int rc;

	config_defaults(&cfg);
	rc = config_load_file(&cfg, CONF_DIR "/no-such-file.ini", err, sizeof(err));
	CHECK_EQ(rc, -ENOENT);
	CHECK_STR(err, CONF_DIR "/no-such-file.ini: No such file or directory");
	EXPECT_ARGS_ERR(CONF_DIR "/no-such-file.ini: No such file or directory", "--conf",
	                CONF_DIR "/no-such-file.ini");
	/* Without --conf: config.ini in the working directory. */
	CHECK_EQ(chdir(CONF_DIR), 0);
	EXPECT_ARGS_ERR("config.ini: No such file or directory", "-p", "0");
	/* A directory is not a file. */
	config_defaults(&cfg);
	rc = config_load_file(&cfg, CONF_DIR, err, sizeof(err));
	CHECK_EQ(rc, -EISDIR);
	CHECK_STR(err, CONF_DIR ": Is a directory");
}

static void test_error_in_file(void)
{
	int rc;

	config_defaults(&cfg);
	rc = config_load_file(&cfg, CONF_DIR "/bad_key.ini", err, sizeof(err));
	CHECK_EQ(rc, -EINVAL);
	CHECK_STR(err,
	          CONF_DIR "/bad_key.ini:6: [port0] netmsk: unknown key (did you mean netmask?)");
}

static void test_duplicate_key(void)
{
	EXPECT_ERR("[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\naddr=198.18.0.2\n",
	           "t.ini:4: [port0] addr: key given twice, first at line 2");
	/* Also across two headers of one section. */
	EXPECT_ERR("[dpdk]\nchannel=4\n[port0]\n[dpdk]\nchannel=2\n",
	           "t.ini:5: [dpdk] channel: key given twice, first at line 2");
	EXPECT_ERR("[freebsd.sysctl]\nnet.inet.ip.ttl=3\n\nnet.inet.ip.ttl=4\n",
	           "t.ini:4: [freebsd.sysctl] net.inet.ip.ttl: key given twice, first at line 2");
	/* The same key in two ports is not a duplicate. */
	EXPECT_OK("[dpdk]\nport_list=0,1\n[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\n"
	          "[port1]\naddr=198.18.1.1\nnetmask=255.255.255.0\n");
}

static void test_gateway_outside(void)
{
	EXPECT_ERR(PORT0 "gateway=198.18.1.1\n",
	           "t.ini:6: [port0] gateway: 198.18.1.1 is outside the network 198.18.0.0/24 of "
	           "addr");
	EXPECT_ERR(PORT0 "gateway=198.18.0.1\n",
	           "t.ini:6: [port0] gateway: 198.18.0.1 is the interface's own address");
	EXPECT_ERR(PORT0 "broadcast=198.19.0.255\n",
	           "t.ini:6: [port0] broadcast: 198.19.0.255 is outside the network "
	           "198.18.0.0/24 of addr");
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\ngateway=198.18.0.254\n",
	           "t.ini:4: [port0] gateway: given without addr");
	EXPECT_ERR(PORT0 "addr6=2001:2::1\nprefix_len=64\ngateway6=2001:2:0:1::fe\n",
	           "t.ini:8: [port0] gateway6: 2001:2:0:1::fe is neither link-local nor inside "
	           "addr6/64");
	EXPECT_OK(PORT0 "addr6=2001:2::1\nprefix_len=64\ngateway6=2001:2::fe\n");
	EXPECT_OK(PORT0 "addr6=2001:2::1\nprefix_len=64\ngateway6=fe80::1\n");
}

static void test_ipv6_needs_prefix(void)
{
	EXPECT_ERR(PORT0 "addr6=2001:2::1\n", "t.ini:6: [port0] addr6: needs prefix_len");
	EXPECT_ERR(PORT0 "prefix_len=64\n", "t.ini:6: [port0] prefix_len: given without addr6");
	EXPECT_ERR(PORT0 "gateway6=fe80::1\n", "t.ini:6: [port0] gateway6: given without addr6");
	/* prefix_len=0 is a prefix length like any other. */
	EXPECT_OK(PORT0 "addr6=2001:2::1\nprefix_len=0\n");
}

static void test_port_list_sections(void)
{
	EXPECT_ERR("[dpdk]\nport_list=0,1\n[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\n",
	           "t.ini:2: [dpdk] port_list: port 1 has no [port1] section");
	EXPECT_ERR("[port1]\naddr=198.18.1.1\nnetmask=255.255.255.0\n",
	           "t.ini: [dpdk] port_list: port 0 has no [port0] section (port_list defaults "
	           "to 0)");
	EXPECT_ERR(PORT0 "[port1]\naddr=198.18.1.1\nnetmask=255.255.255.0\n",
	           "t.ini:6: [port1]: port 1 is not in [dpdk] port_list");
	/* A [portN] with no addr. */
	EXPECT_ERR("[dpdk]\nport_list=0\n[port0]\nmtu=1500\n",
	           "t.ini:3: [port0] addr: missing (every port in port_list needs addr and "
	           "netmask)");
}

static void test_bad_vlan(void)
{
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=0\n",
	           "t.ini:8: [vlan0] vlan_id: '0' is out of range 1..4094");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=4095\n",
	           "t.ini:8: [vlan0] vlan_id: '4095' is out of range 1..4094");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\naddr=198.18.10.1\nnetmask=255.255.255.0\n",
	           "t.ini:6: [vlan0] vlan_id: missing (1..4094)");
	EXPECT_ERR(PORT0 "[vlan0]\nvlan_id=10\naddr=198.18.10.1\nnetmask=255.255.255.0\n",
	           "t.ini:6: [vlan0] port: missing (the port the VLAN rides on)");
	EXPECT_ERR(PORT0 "[vlan0]\nport=1\nvlan_id=10\n",
	           "t.ini:7: [vlan0] port: port 1 is not in [dpdk] port_list");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=10\n",
	           "t.ini:6: [vlan0] addr: missing (a VLAN needs addr and netmask, or addr6 and "
	           "prefix_len)");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=10\naddr=198.18.10.1\nnetmask=255.255.255.0\n"
	                 "[vlan2]\nport=0\nvlan_id=10\naddr=198.18.11.1\nnetmask=255.255.255.0\n",
	           "t.ini:13: [vlan2] vlan_id: 10 on port 0 is already [vlan0]");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=10\naddr=198.18.0.1\nnetmask=255.255.255.0\n",
	           "t.ini:9: [vlan0] addr: 198.18.0.1 is also the address of [port0]");
	EXPECT_ERR(PORT0 "[vlan0]\nport=0\nvlan_id=10\naddr=198.18.10.1\nnetmask=255.255.255.0\n"
	                 "gateway=198.18.0.254\n",
	           "t.ini:11: [vlan0] gateway: 198.18.0.254 is outside the network "
	           "198.18.10.0/24 of addr");
	EXPECT_OK(PORT0 "[vlan0]\nport=0\nvlan_id=10\naddr=198.18.10.1\nnetmask=255.255.255.0\n"
	                "[vlan1]\nport=0\nvlan_id=11\naddr6=2001:2:0:b::1\nprefix_len=64\n");
}

static void test_syntax_errors(void)
{
	EXPECT_ERR("[dpdk]\nlcore_mask 1\n",
	           "t.ini:2: [dpdk] 'lcore_mask 1': expected key=value, [section] or a comment");
	EXPECT_ERR("lcore_mask 1\n", "t.ini:1: 'lcore_mask 1': expected key=value, [section] or "
	                             "a comment");
	EXPECT_ERR("[dpdk\n", "t.ini:1: [dpdk: missing ] in section header");
	EXPECT_ERR("[dpdk] x\n", "t.ini:1: [dpdk] x: text after ] in section header");
	EXPECT_ERR("=1\n", "t.ini:1: '=1': missing key before '='");
	EXPECT_ERR("lcore_mask=1\n[dpdk]\n", "t.ini:1: lcore_mask: key outside any section");
	{
		/* A NUL byte in a file (a string cannot hold one). */
		static const char nul[] = "[dpdk]\nchannel=4\0x\n";
		char path[] = "/tmp/fastack-test-config-XXXXXX", want[64];
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		if (!f) {
			fail_at(__LINE__, "mkstemp: %s", strerror(errno));
			return;
		}
		fwrite(nul, 1, sizeof(nul) - 1, f);
		fclose(f);
		config_defaults(&cfg);
		CHECK_EQ(config_load_file(&cfg, path, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
		CHECK_STR(err, want);
		unlink(path);
	}
}

static void test_bad_set(void)
{
	const char *conf = CONF_DIR "/two_lcores.ini";

	EXPECT_ARGS_ERR("--set port0.adress=198.18.0.9: [port0] adress: unknown key (see "
	                "docs/knobs.md)",
	                "-c", conf, "--set", "port0.adress=198.18.0.9");
	EXPECT_ARGS_ERR("--set port0.addr=198.18.0.300: [port0] addr: '198.18.0.300' is not an "
	                "IPv4 address",
	                "-c", conf, "--set", "port0.addr=198.18.0.300");
	EXPECT_ARGS_ERR("--set port0.addr: expected SECTION.KEY=VALUE", "-c", conf, "--set",
	                "port0.addr");
	EXPECT_ARGS_ERR("--set addr=198.18.0.9: expected SECTION.KEY=VALUE", "-c", conf, "--set",
	                "addr=198.18.0.9");
	EXPECT_ARGS_ERR("--set port0.=1: expected SECTION.KEY=VALUE", "-c", conf, "--set",
	                "port0.=1");
	EXPECT_ARGS_ERR("--set nosuch.a=1: [nosuch]: unknown section (expected dpdk, portN, vlanN, "
	                "pcap, kni, rss_check, freebsd.boot or freebsd.sysctl)",
	                "-c", conf, "--set", "nosuch.a=1");
	EXPECT_ARGS_ERR("--set freebsd.sysctl.net.inet.ip.ttl=0: [freebsd.sysctl] net.inet.ip.ttl: "
	                "'0' is out of range 1..255 (hops)",
	                "-c", conf, "--set", "freebsd.sysctl.net.inet.ip.ttl=0");
	EXPECT_ARGS_ERR("--set: missing its argument", "-c", conf, "--set");
	/* A --set that breaks a cross-check is named as such by validate. */
	if (ARGS("-c", conf, "--set", "port0.gateway=198.18.9.1") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		CHECK(config_validate(&cfg, err, sizeof(err)) < 0);
		CHECK_STR(err, "--set: [port0] gateway: 198.18.9.1 is outside the network "
		               "198.18.0.0/24 of addr");
	}
	/* The file's errors come before the --set ones. */
	EXPECT_ARGS_ERR(CONF_DIR "/bad_key.ini:6: [port0] netmsk: unknown key (did you mean "
	                         "netmask?)",
	                "-c", CONF_DIR "/bad_key.ini", "--set", "port0.nosuch=1");
}

static void test_bad_proc_id(void)
{
	const char *conf = CONF_DIR "/two_lcores.ini";

	EXPECT_ARGS_ERR("--proc-id 2: lcore_mask 0x3 has 2 lcores, so proc-id must be 0..1", "-c",
	                conf, "-p", "2");
	EXPECT_ARGS_ERR("--proc-id 1: lcore_mask 0x1 has 1 lcore, so proc-id must be 0..0", "-c",
	                conf, "-p", "1", "--set", "dpdk.lcore_mask=1");
	EXPECT_ARGS_ERR("--proc-id 'x': expected a number 0..63", "-c", conf, "--proc-id", "x");
	EXPECT_ARGS_ERR("--proc-id '64': expected a number 0..63", "-c", conf, "--proc-id=64");
	EXPECT_ARGS_ERR("--proc-type 'tertiary': expected primary, secondary or auto", "-c", conf,
	                "-t", "tertiary");
	/* validate checks it too, for a cfg changed after config_from_args. */
	if (ARGS("-c", conf, "-p", "1") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		cfg.lcore_mask = 0x4;
		CHECK(config_validate(&cfg, err, sizeof(err)) < 0);
		CHECK_STR(err, "--proc-id 1: lcore_mask 0x4 has 1 lcore, so proc-id must be 0..0");
	}
}

/* What runs: a mask of several lcores as threads of one primary process;
 * processes mode with several lcores is refused, and so is an lcore this
 * process may not run on, each naming the key and the fix. */
static void test_lcores_runnable(void)
{
	if (ARGS("-c", CONF_DIR "/two_lcores.ini") < 0 ||
	    config_validate(&cfg, err, sizeof(err)) < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(config_check_runnable(&cfg, err, sizeof(err)), 0);
	/* --proc-id on a mask of several lcores: processes mode, not built. */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "-p", "1", "-t", "secondary") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		CHECK(config_check_runnable(&cfg, err, sizeof(err)) < 0);
		CHECK_STR(err, CONF_DIR "/two_lcores.ini:3: [dpdk] lcore_mask: 0x3 selects 2 "
		                        "lcores, which run as 2 threads of one primary process; "
		                        "processes mode with several lcores (--proc-type=secondary "
		                        "--proc-id=1) is not built: run one process with "
		                        "--proc-type=primary --proc-id=0, or give each process a "
		                        "mask of one lcore");
	}
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "-p", "1") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		CHECK(config_check_runnable(&cfg, err, sizeof(err)) < 0);
		CHECK(strstr(err, "(--proc-type=primary --proc-id=1) is not built") != NULL);
	}
	/* An lcore beyond the CPUs of this machine (bit 63: no test machine
	 * has 64 CPUs allowed to it... and if it has, bit 63 of a 2-bit mask
	 * still shows the check passing). */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "--set", "dpdk.lcore_mask=0x8000000000000001") <
	    0) {
		fail_at(__LINE__, "refused: %s", err);
	} else if (config_check_runnable(&cfg, err, sizeof(err)) < 0) {
		CHECK(strstr(err, "--set: [dpdk] lcore_mask: 0x8000000000000001 names lcore 63, "
		                  "which is not a CPU this process may run on (CPUs ") == err);
		CHECK(strstr(err, "): use a mask within 0x") != NULL);
	}
	/* One lcore: runnable. */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "--set", "dpdk.lcore_mask=0x2") < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(config_check_runnable(&cfg, err, sizeof(err)), 0);
	/* F-Stack's stock config.ini uses one lcore: it runs. */
	config_defaults(&cfg);
	if (config_load_file(&cfg, CONF_DIR "/fstack_stock.ini", err, sizeof(err)) < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(config_check_runnable(&cfg, err, sizeof(err)), 0);
	/* The defaults: one lcore. */
	config_defaults(&cfg);
	CHECK_EQ(config_check_runnable(&cfg, err, sizeof(err)), 0);
}

/* Arguments that are no option belong to the application and are skipped
 * wherever they stand, as F-Stack's getopt_long skips them: redis's port
 * passes its redis.conf after F-Stack's options; F-Stack's own options
 * after them still count; "--" ends the options. */
static void test_application_arguments(void)
{
	if (ARGS("--conf", CONF_DIR "/two_lcores.ini", "--proc-type=primary", "--proc-id=0",
	         "redis.conf") < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(cfg.proc_type, PROC_PRIMARY);
	if (ARGS("stray", "-", "-c", CONF_DIR "/two_lcores.ini", "also", "-p", "1", "-t",
	         "secondary", "last") < 0) {
		fail_at(__LINE__, "refused: %s", err);
	} else {
		CHECK_EQ(cfg.proc_id, 1);
		CHECK_EQ(cfg.proc_type, PROC_SECONDARY);
		CHECK_EQ(cfg.lcore_mask, 0x3);
	}
	/* After "--" even options are the application's. */
	if (ARGS("-c", CONF_DIR "/two_lcores.ini", "--", "--bogus", "-p", "7") < 0)
		fail_at(__LINE__, "refused: %s", err);
	else
		CHECK_EQ(cfg.proc_id, 0);
	/* The file named is still the one loaded: a missing one is refused. */
	CHECK(ARGS("redis.conf", "-c", CONF_DIR "/no_such_file.ini") < 0);
}

static void test_bad_option(void)
{
	EXPECT_ARGS_ERR("unknown option '--bogus' (fastack takes -c/--conf FILE, -t/--proc-type "
	                "primary|secondary|auto, -p/--proc-id N and --set SECTION.KEY=VALUE)",
	                "--bogus");
	EXPECT_ARGS_ERR("unknown option '-x' (fastack takes -c/--conf FILE, -t/--proc-type "
	                "primary|secondary|auto, -p/--proc-id N and --set SECTION.KEY=VALUE)",
	                "-x", "1");
	/* An unknown option is refused wherever it stands, also after an
	 * argument that is the application's. */
	EXPECT_ARGS_ERR("unknown option '--port' (fastack takes -c/--conf FILE, -t/--proc-type "
	                "primary|secondary|auto, -p/--proc-id N and --set SECTION.KEY=VALUE)",
	                "-c", CONF_DIR "/two_lcores.ini", "redis.conf", "--port", "6380");
	EXPECT_ARGS_ERR("-c: missing its argument", "-c");
	EXPECT_ARGS_ERR("--conf: missing its argument", "--conf");
	EXPECT_ARGS_ERR("unknown option '--conference=x' (fastack takes -c/--conf FILE, "
	                "-t/--proc-type primary|secondary|auto, -p/--proc-id N and --set "
	                "SECTION.KEY=VALUE)",
	                "--conference=x");
}

/* Every row of the key table can be documented, and each default parses
 * (config_defaults would have logged otherwise; check a few values). */
static void test_key_table(void)
{
	struct config_key_info ki;
	unsigned n = 0, foreign = 0;

	for (unsigned i = 0; config_key_info(i, &ki) == 0; i++) {
		CHECK(ki.section && ki.name && ki.def && ki.unit && ki.desc);
		if (ki.foreign) {
			foreign++;
			CHECK(strcmp(ki.section, "?") != 0);
			/* Exactly one of: sets a knob, ignored (some values),
			 * refused (every value). */
			CHECK((ki.sets != NULL) + (ki.ignored != NULL) +
			          (ki.refused != NULL && ki.ignored == NULL) ==
			      1);
			CHECK(!ki.sets || knob_find(ki.sets) >= 0);
			/* Values are listed where some are accepted. */
			CHECK_EQ(ki.range[0] != 0, ki.ignored != NULL || ki.sets != NULL);
		} else {
			CHECK(ki.range[0] && ki.desc[0]);
			CHECK(n < CFG_KEYS_MAX);
		}
		n++;
	}
	CHECK(n > 30);
	CHECK(foreign > 40);
	CHECK_EQ(config_key_info(n, &ki), -ENOENT);
}

/* ---- main ---- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "defaults", test_defaults },
	{ "full_file", test_full_file },
	{ "fstack_stock", test_fstack_stock },
	{ "fstack_current_stock", test_fstack_current_stock },
	{ "fstack_ignored", test_fstack_ignored },
	{ "fstack_maxsockets", test_fstack_maxsockets },
	{ "fstack_refused", test_fstack_refused },
	{ "pcap_section", test_pcap_section },
	{ "syntax_accepted", test_syntax_accepted },
	{ "broadcast_derived", test_broadcast_derived },
	{ "overrides", test_overrides },
	{ "dump_roundtrip", test_dump_roundtrip },
	{ "dump_empty_string", test_dump_empty_string },
	{ "knob_parse", test_knob_parse },
	{ "key_table", test_key_table },
	{ "doc_example", test_doc_example },
	{ "unknown_section", test_unknown_section },
	{ "unknown_key", test_unknown_key },
	{ "bad_address", test_bad_address },
	{ "netmask", test_netmask },
	{ "out_of_range", test_out_of_range },
	{ "missing_file", test_missing_file },
	{ "error_in_file", test_error_in_file },
	{ "duplicate_key", test_duplicate_key },
	{ "gateway_outside", test_gateway_outside },
	{ "ipv6_needs_prefix", test_ipv6_needs_prefix },
	{ "port_list_sections", test_port_list_sections },
	{ "bad_vlan", test_bad_vlan },
	{ "syntax_errors", test_syntax_errors },
	{ "bad_set", test_bad_set },
	{ "bad_proc_id", test_bad_proc_id },
	{ "application_arguments", test_application_arguments },
	{ "bad_option", test_bad_option },
	{ "lcores_runnable", test_lcores_runnable },
};

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool run = argc <= 1;

		for (int a = 1; a < argc; a++)
			run |= strcmp(argv[a], tests[i].name) == 0;
		if (!run)
			continue;
		cur_failures = 0;
		tests[i].fn();
		printf("%s %s\n", cur_failures ? "FAIL" : "ok  ", tests[i].name);
		if (cur_failures)
			failed++;
		else
			passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
