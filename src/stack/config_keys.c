/* config_keys.c: the configuration's keys as data (config.c has the call
 * order and the rules).
 *
 * cfg_keys[]: every key of [dpdk], [pcap], [portN] and [vlanN] with its type,
 * field, range, default, unit and description (STYLE habit 8); the sections
 * (cfg_sect_resolve) and the F-Stack keys and sections fastack does not
 * implement (cfg_foreign[], sec_refused[]); a value's text to its field and
 * back (cfg_parse_value, format_value); and what is generated from the
 * tables: config_dump() and config_key_info() (docs/knobs.md).
 */
#include "stack/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/log.h"
#include "stack/config_priv.h"

/* ---- the key table ---- */

#define KEY_(id, name_, scope_, type_, stype, m, min_, max_, def_, unit_, desc_) \
	[id] = { .name = name_,                                                  \
		 .scope = scope_,                                                \
		 .type = type_,                                                  \
		 .off = offsetof(stype, m),                                      \
		 .size = sizeof(((stype *)0)->m),                                \
		 .min = min_,                                                    \
		 .max = max_,                                                    \
		 .def = def_,                                                    \
		 .unit = unit_,                                                  \
		 .desc = desc_ }
#define DPDK_(id, name, type, m, min, max, def, unit, desc) \
	KEY_(id, name, SC_DPDK, type, struct config, m, min, max, def, unit, desc)
#define IFA_(id, name, type, m, min, max, def, unit, desc) \
	KEY_(id, name, SC_IFA, type, struct ifaddr_cfg, m, min, max, def, unit, desc)
#define PORT_(id, name, type, m, min, max, def, unit, desc) \
	KEY_(id, name, SC_PORT, type, struct port_cfg, m, min, max, def, unit, desc)
#define VLAN_(id, name, type, m, min, max, def, unit, desc) \
	KEY_(id, name, SC_VLAN, type, struct vlan_cfg, m, min, max, def, unit, desc)
#define PCAP_(id, name, type, m, min, max, def, unit, desc) \
	KEY_(id, name, SC_PCAP, type, struct config, m, min, max, def, unit, desc)

const struct cfg_key cfg_keys[K_COUNT] = {
	/* [dpdk] */
	DPDK_(K_LCORE_MASK, "lcore_mask", CT_HEXMASK, lcore_mask, 0, 0, "1", "",
	      "lcores to run on, a hexadecimal mask; proc-id N runs on the Nth set bit"),
	DPDK_(K_CHANNEL, "channel", CT_UINT, channel, 1, 32, NULL, "",
	      "memory channels, passed to the EAL (-n); unset: the EAL's own choice"),
	DPDK_(K_PROMISCUOUS, "promiscuous", CT_BOOL, promiscuous, 0, 1, "1", "bool",
	      "put the ports in promiscuous mode"),
	DPDK_(K_TX_CSUM_OFFLOAD_SKIP, "tx_csum_offoad_skip", CT_BOOL, tx_csum_offload_skip, 0, 1,
	      "0", "bool", "never use TX checksum offload (the name is F-Stack's spelling)"),
	DPDK_(K_IDLE_SLEEP, "idle_sleep", CT_UINT, idle_sleep_us, 0, 1000000, "0", "us",
	      "after a loop pass that received nothing, sleep this long (saves power, adds "
	      "up to this much latency); 0: poll without sleeping"),
	DPDK_(K_SYMMETRIC_RSS, "symmetric_rss", CT_BOOL, symmetric_rss, 0, 1, "1", "bool",
	      "with several lcores: hash with the symmetric RSS key (both directions of a flow "
	      "alike); 0: keep the device's own key"),
	DPDK_(K_SOFT_RSS, "soft_rss", CT_BOOL, soft_rss, 0, 1, "1", "bool",
	      "with several lcores: where a port has fewer queues than lcores or no usable RSS, "
	      "the stacks steer frames to each other in software; 0: such a port is an error"),
	DPDK_(K_PORT_LIST, "port_list", CT_PORTLIST, port_list, 0, CFG_MAX_PORTS - 1, "0", "",
	      "the ports (DPDK ethdev ids, in probe order) the stack uses; each needs a [portN]"),
	DPDK_(K_NB_MBUFS, "nb_mbufs", CT_UINT, nb_mbufs, 512, 16777216, "8191", "mbufs",
	      "size of each stack's packet pool"),
	DPDK_(K_NO_HUGE, "no_huge", CT_BOOL, no_huge, 0, 1, "0", "bool",
	      "run the EAL without hugepages (--no-huge)"),
	DPDK_(K_EAL_ARGS, "eal_args", CT_STR, eal_args, 0, 0, "", "",
	      "extra EAL arguments, split at white space, e.g. --vdev=net_af_xdp0,iface=veth0"),
	DPDK_(K_LOG_LEVEL, "log_level", CT_LOGLEVEL, log_level, 0, 0, "warning", "",
	      "fastack's log level"),
	DPDK_(K_MEMORY, "memory", CT_UINT, memory_mb, 1, 1048576, NULL, "MiB",
	      "memory the EAL reserves at start (-m); unset: the EAL's own choice (with no_huge, "
	      "256 + nb_mbufs / 256)"),
	DPDK_(
	    K_FSTACK_LOG_LEVEL, "fstack_log_level", CT_UINT, fstack_log_level, 0, 8, "0", "",
	    "F-Stack's log file: 0, none (messages go to stderr); 1..8, ff_init opens "
	    "<fstack_log_file_prefix><proc-id>.log, sends every ff_log message there and sets the "
	    "library's log types (FF_LOGTYPE_FSTACK_LIB, _FREEBSD) to this level; ff_log_close "
	    "closes it"),
	DPDK_(K_FSTACK_LOG_PREFIX, "fstack_log_file_prefix", CT_STR, fstack_log_prefix, 0, 0,
	      "./f-stack-", "", "start of the log file's path (fstack_log_level)"),
	DPDK_(K_CTL, "ctl", CT_BOOL, ctl_enable, 0, 1, "1", "bool",
	      "serve the control channel (the `fastack` command) on a Unix socket "
	      "ctl_dir/<file-prefix>.<proc-id>.sock"),
	DPDK_(K_CTL_DIR, "ctl_dir", CT_STR, ctl_dir, 0, 0, "/run/fastack", "",
	      "directory of the control sockets"),
	DPDK_(K_CTL_GROUP, "ctl_group", CT_STR, ctl_group, 0, 0, "", "",
	      "group allowed to use the control socket (mode 0660); empty: its owner alone (0600)"),

	/* [pcap] */
	PCAP_(K_PCAP_ENABLE, "enable", CT_BOOL, pcap_enable, 0, 1, "0", "bool",
	      "capture every port of port_list into savepath/cpu<lcore>_port<N>.pcap (a port's "
	      "own pcap= wins)"),
	PCAP_(K_PCAP_SNAPLEN, "snaplen", CT_UINT, pcap_snaplen, 1, 262144, "262144", "bytes",
	      "bytes kept of each frame, in every capture (longer frames are cut, their length "
	      "kept)"),
	PCAP_(K_PCAP_SAVELEN, "savelen", CT_UINT, pcap_savelen, 0, 1099511627776ull, "0", "bytes",
	      "largest capture file, in every capture: files are then numbered name_0.pcap to "
	      "name_9.pcap, the next begun before one would grow past savelen, the eleventh "
	      "overwriting the first; 0: one file of any size"),
	PCAP_(K_PCAP_SAVEPATH, "savepath", CT_STR, pcap_savepath, 0, 0, ".", "",
	      "directory of the enable=1 capture files"),

	/* [portN] and [vlanN]: addresses */
	IFA_(K_ADDR, "addr", CT_IP4, addr, 0, 0, NULL, "", "IPv4 address (required on a port)"),
	IFA_(K_NETMASK, "netmask", CT_NETMASK, netmask, 0, 0, NULL, "",
	     "IPv4 netmask (required with addr)"),
	IFA_(K_BROADCAST, "broadcast", CT_IP4, broadcast, 0, 0, NULL, "",
	     "IPv4 broadcast address; unset: addr | ~netmask"),
	IFA_(K_GATEWAY, "gateway", CT_IP4, gateway, 0, 0, NULL, "",
	     "IPv4 default router; must be inside addr/netmask"),
	IFA_(K_ADDR6, "addr6", CT_IP6, addr6, 0, 0, NULL, "", "IPv6 address"),
	IFA_(K_PREFIX_LEN, "prefix_len", CT_UINT, prefix_len6, 0, 128, NULL, "bits",
	     "prefix length of addr6 (required with addr6)"),
	IFA_(K_GATEWAY6, "gateway6", CT_IP6, gateway6, 0, 0, NULL, "",
	     "IPv6 default router; link-local or inside addr6/prefix_len"),

	/* [portN] */
	PORT_(K_MTU, "mtu", CT_UINT, mtu, 0, 65535, "0", "bytes",
	      "IP MTU of the port; 0: the PMD's default"),
	PORT_(K_PCAP, "pcap", CT_STR, pcap, 0, 0, "", "",
	      "write every frame the stack receives and sends on this port to this pcap file"),
	PORT_(K_FAULT_LOSS, "fault_loss", CT_PROB, fault.loss, 0, 0, "0", "probability",
	      "fault injection: drop a frame"),
	PORT_(K_FAULT_DUP, "fault_dup", CT_PROB, fault.dup, 0, 0, "0", "probability",
	      "fault injection: send a frame twice"),
	PORT_(K_FAULT_REORDER, "fault_reorder", CT_PROB, fault.reorder, 0, 0, "0", "probability",
	      "fault injection: hold a frame back (2 x fault_delay_us, or 1 ms) so later ones "
	      "overtake it"),
	PORT_(K_FAULT_CORRUPT, "fault_corrupt", CT_PROB, fault.corrupt, 0, 0, "0", "probability",
	      "fault injection: flip one random bit of a frame"),
	PORT_(K_FAULT_DELAY_US, "fault_delay_us", CT_UINT, fault.delay_us, 0, 10000000, "0", "us",
	      "fault injection: delay every frame"),
	PORT_(K_FAULT_SEED, "fault_seed", CT_UINT, fault.seed, 0, UINT64_MAX, "1", "",
	      "fault injection: seed of the random generator (same seed, same pattern)"),
	PORT_(K_FAULT_DIR, "fault_dir", CT_FAULTDIR, fault.dir, 0, 0, "both", "",
	      "fault injection: the direction(s) faults apply to"),

	/* [vlanN] */
	VLAN_(K_VLAN_PORT, "port", CT_UINT, port, 0, CFG_MAX_PORTS - 1, NULL, "",
	      "the port (one of port_list) the VLAN rides on (required)"),
	VLAN_(K_VLAN_ID, "vlan_id", CT_UINT, vlan_id, 1, 4094, NULL, "",
	      "802.1Q VLAN identifier (required; unique per port)"),
};

/* ---- sections ---- */

/* Sections of F-Stack's that fastack refuses whole; "numbered" ones take a
 * number (vdev0). */
static const struct {
	const char *name;
	bool numbered;
	const char *display; /* in docs/knobs.md */
	const char *hint;
} sec_refused[] = {
	{ "vdev", true, "[vdevN]",
	  "virtio-user devices are not created from it: give --vdev=virtio_user0,path=... in "
	  "[dpdk] eal_args" },
	{ "bond", true, "[bondN]", "bonding is not implemented" },
};

/* ---- F-Stack keys fastack does not implement ---- */

#define NO_IPV6 "IPv6 is not implemented yet (README.md, Not implemented yet)"
#define KNI_OFF "only used with [kni] enable=1"
#define NO_AUTOSIZE "socket buffers are not auto-sized"
#define NO_FORWARDING "forwarding between interfaces (a router) is not implemented"
#define IS_HOST "fastack is a host: it does not forward"
#define NO_TSO "TCP segmentation offload is not implemented"
#define NO_HPTS "HPTS paces FreeBSD's rack and bbr stacks, which fastack does not have"
#define SYNCACHE_HASH                                  \
	"it sizes FreeBSD's syncache hash; half-open " \
	"connections are bounded by net.inet.tcp.syncache.cachelimit"

const struct cfg_foreign cfg_foreign[] = {
	/* [dpdk] */
	{ IN_(SEC_DPDK), "base_virtaddr", FV_TEXT, .refused = "give --base-virtaddr in eal_args" },
	{ IN_(SEC_DPDK), "file_prefix", FV_TEXT, .refused = "give --file-prefix in eal_args" },
	{ IN_(SEC_DPDK), "pci_whitelist", FV_TEXT, .refused = "give -a <PCI address> in eal_args" },
	{ IN_(SEC_DPDK), "allow", FV_TEXT, .refused = "give -a <PCI address> in eal_args" },
	{ IN_(SEC_DPDK), "numa_on", FV_BOOL, NULL,
	  "each stack's packet pool is always on the NUMA node of its lcore" },
	{ IN_(SEC_DPDK), "tso", FV_BOOL, "0", "fastack does not use TCP segmentation offload",
	  NO_TSO },
	{ IN_(SEC_DPDK), "lro", FV_BOOL, "0", "fastack does not use large receive offload",
	  "large receive offload is not implemented" },
	{ IN_(SEC_DPDK), "vlan_strip", FV_BOOL, NULL,
	  "VLAN tags are always removed in software ([vlanN]), never by the NIC" },
	{ IN_(SEC_DPDK), "pkt_tx_delay", FV_UINT, NULL,
	  "TX is flushed at the end of every loop pass, never later than this delay" },
	{ IN_(SEC_DPDK), "vlan_filter", FV_TEXT, NULL,
	  "VLAN ids are filtered in software: a frame whose id no [vlanN] names is dropped "
	  "(eth.eth_novlan), the NIC's filter is not used" },
	{ IN_(SEC_DPDK), "nb_vdev", FV_UINT, "0", "no virtio-user device is asked for",
	  "virtio-user devices are not created from [vdevN]: give --vdev=virtio_user0,path=... "
	  "in eal_args" },
	{ IN_(SEC_DPDK), "nb_bond", FV_UINT, "0", "no bonded port is asked for",
	  "bonding is not implemented" },
	{ IN_(SEC_DPDK), "max_pkt_burst", FV_UINT,
	  .refused = "the burst size is fixed at build time" },

	/* [portN] (and F-Stack's VLAN sections) */
	{ IN_(SEC_PORT), "if_name", FV_TEXT,
	  .refused = "ports are named by their DPDK port id in port_list" },
	{ IN_(SEC_PORT), "lcore_list", FV_TEXT,
	  .refused = "every lcore of lcore_mask serves every port" },
	{ IN_(SEC_PORT), "slave_port_list", FV_TEXT, .refused = "bonding is not implemented" },
	{ IN_IFACE, "vip_ifname", FV_TEXT, NULL,
	  "it names the interface of vip_addr, which fastack does not implement" },
	{ IN_IFACE, "vip_addr", FV_TEXT, "", "the list of secondary addresses is empty",
	  "secondary addresses are not implemented" },
	{ IN_IFACE, "vip_addr6", FV_TEXT, "", "the list of secondary addresses is empty",
	  "secondary addresses are not implemented" },
	{ IN_IFACE, "vip_prefix_len", FV_UINT, NULL,
	  "it is the prefix length of vip_addr6, which fastack does not implement" },

	/* [kni] */
	{ IN_(SEC_KNI), "enable", FV_BOOL, "0", "the exception path to the kernel stays off",
	  "KNI, the exception path to the kernel, is not implemented" },
	{ IN_(SEC_KNI), "method", FV_TEXT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "tcp_port", FV_TEXT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "udp_port", FV_TEXT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "kni_action", FV_TEXT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "console_packets_ratelimit", FV_UINT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "general_packets_ratelimit", FV_UINT, NULL, KNI_OFF },
	{ IN_(SEC_KNI), "kernel_packets_ratelimit", FV_UINT, NULL, KNI_OFF },

	/* [rss_check] */
	{ IN_(SEC_RSS_CHECK), "enable", FV_BOOL, "0", "the static table of local ports stays off",
	  "the static table of local ports for active opens (F-Stack's ff_rss_check table) is not "
	  "implemented" },
	{ IN_(SEC_RSS_CHECK), "rss_tbl", FV_TEXT, NULL, "only used with [rss_check] enable=1" },

	/* [freebsd.boot]: F-Stack's own words */
	{ IN_(SEC_BOOT), "hz", FV_UINT, NULL,
	  "timers run on a 1 ms wheel driven by the stack clock, not on a tick rate" },
	{ IN_(SEC_BOOT), "fd_reserve", FV_UINT, .sets = "fastack.fd_reserve" },
	{ IN_(SEC_BOOT), "physmem", FV_UINT, NULL, "packet memory is sized by [dpdk] nb_mbufs" },
	{ IN_(SEC_BOOT), "memsz_MB", FV_UINT, NULL, "packet memory is sized by [dpdk] nb_mbufs" },
	{ IN_(SEC_BOOT), "tcp_ecn", FV_UINT, .sets = "net.inet.tcp.ecn.enable" },

	/* FreeBSD tunables and sysctls ([freebsd.boot] or [freebsd.sysctl]) */
	{ IN_FREEBSD, "kern.ipc.maxsockets", FV_UINT, .sets = "kern.maxfiles" },
	{ IN_FREEBSD, "kern.ncallout", FV_UINT, NULL,
	  "it sizes FreeBSD's callout table; fastack's timer wheel has no fixed size" },
	{ IN_FREEBSD, "net.inet.tcp.tcbhashsize", FV_UINT, NULL,
	  "it sizes FreeBSD's connection hash; fastack's table is sized by fastack.tcp.maxconn" },
	{ IN_FREEBSD, "net.inet.tcp.syncache.hashsize", FV_UINT, NULL, SYNCACHE_HASH },
	{ IN_FREEBSD, "net.inet.tcp.syncache.bucketlimit", FV_UINT, NULL, SYNCACHE_HASH },
	{ IN_FREEBSD, "kern.features.inet6", FV_BOOL, NULL,
	  "a read-only FreeBSD feature flag; " NO_IPV6 },
	{ IN_FREEBSD, "net.inet6.ip6.auto_linklocal", FV_BOOL, NULL, NO_IPV6 },
	{ IN_FREEBSD, "net.inet6.ip6.accept_rtadv", FV_UINT, NULL, NO_IPV6 },
	{ IN_FREEBSD, "net.inet6.icmp6.rediraccept", FV_BOOL, NULL, NO_IPV6 },
	{ IN_FREEBSD, "net.inet6.ip6.forwarding", FV_BOOL, "0", IS_HOST, NO_FORWARDING },
	{ IN_FREEBSD, "net.inet.ip.forwarding", FV_BOOL, "0", IS_HOST, NO_FORWARDING },
	{ IN_FREEBSD, "net.inet.ip.redirect", FV_BOOL, NULL,
	  "only a router sends ICMP redirects, and fastack does not forward" },
	{ IN_FREEBSD, "net.inet.tcp.sendbuf_auto", FV_BOOL, NULL,
	  NO_AUTOSIZE ": a send buffer stays at net.inet.tcp.sendspace (or SO_SNDBUF)" },
	{ IN_FREEBSD, "net.inet.tcp.recvbuf_auto", FV_BOOL, NULL,
	  NO_AUTOSIZE ": a receive buffer stays at net.inet.tcp.recvspace (or SO_RCVBUF)" },
	{ IN_FREEBSD, "net.inet.tcp.sendbuf_max", FV_UINT, NULL,
	  NO_AUTOSIZE "; SO_SNDBUF is bounded by kern.ipc.maxsockbuf" },
	{ IN_FREEBSD, "net.inet.tcp.recvbuf_max", FV_UINT, NULL,
	  NO_AUTOSIZE "; SO_RCVBUF is bounded by kern.ipc.maxsockbuf" },
	{ IN_FREEBSD, "net.inet.tcp.sendbuf_inc", FV_UINT, NULL, NO_AUTOSIZE },
	{ IN_FREEBSD, "net.inet.tcp.recvbuf_inc", FV_UINT, NULL, NO_AUTOSIZE },
	{ IN_FREEBSD, "net.inet.tcp.nolocaltimewait", FV_BOOL, NULL,
	  "fastack has no connections to its own addresses (no loopback)" },
	{ IN_FREEBSD, "net.add_addr_allfibs", FV_BOOL, NULL,
	  "fastack has one routing table (no FIBs to add an address's routes to)" },
	{ IN_FREEBSD, "net.inet.tcp.maxtcptw", FV_UINT, NULL,
	  "TIME_WAIT connections are bounded with the others by fastack.tcp.maxconn" },
	{ IN_FREEBSD, "net.inet.ip.portrange.randomized", FV_BOOL, "1",
	  "ephemeral ports are always chosen at random",
	  "sequential choice of ephemeral ports is not implemented" },
	{ IN_FREEBSD, "net.inet.ip.portrange.randomtime", FV_UINT, NULL,
	  "ephemeral ports are always chosen at random, never sequentially for a while" },
	{ IN_FREEBSD, "net.inet.tcp.hpts.skip_swi", FV_BOOL, NULL, NO_HPTS },
	{ IN_FREEBSD, "net.inet.tcp.hpts.minsleep", FV_UINT, NULL, NO_HPTS },
	{ IN_FREEBSD, "net.inet.tcp.hpts.maxsleep", FV_UINT, NULL, NO_HPTS },
	{ IN_FREEBSD, "net.inet.tcp.tso", FV_BOOL, "0",
	  "fastack does not use TCP segmentation offload", NO_TSO },
};
const unsigned cfg_nforeign = ARRAY_SIZE(cfg_foreign);

const char *cfg_sect_label(struct sect sc, char *buf, size_t len)
{
	switch (sc.kind) {
	case SEC_DPDK:
		return "[dpdk]";
	case SEC_PORT:
		snprintf(buf, len, "[port%u]", sc.idx);
		return buf;
	case SEC_VLAN:
		snprintf(buf, len, "[vlan%u]", sc.idx);
		return buf;
	case SEC_SYSCTL:
		return "[freebsd.sysctl]";
	case SEC_BOOT:
		return "[freebsd.boot]";
	case SEC_PCAP:
		return "[pcap]";
	case SEC_KNI:
		return "[kni]";
	case SEC_RSS_CHECK:
		return "[rss_check]";
	case SEC_NONE:
		break;
	}
	return "";
}

/* Sections with a fixed name. */
static const struct {
	const char *name;
	enum sec_kind kind;
} sec_named[] = {
	{ "dpdk", SEC_DPDK },         { "pcap", SEC_PCAP },
	{ "kni", SEC_KNI },           { "rss_check", SEC_RSS_CHECK },
	{ "freebsd.boot", SEC_BOOT }, { "freebsd.sysctl", SEC_SYSCTL },
};

/* Parses "N" after a prefix: digits, no leading zero; 0, or -EINVAL. */
static int parse_index(const char *s, unsigned *out)
{
	unsigned v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

bool cfg_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Resolves a section name; 0, or -EINVAL with the reason in why. */
int cfg_sect_resolve(const char *name, struct sect *sc, char *why, size_t len)
{
	struct cfg_suggest sg;
	unsigned n;

	for (unsigned i = 0; i < ARRAY_SIZE(sec_named); i++) {
		if (strcmp(name, sec_named[i].name) == 0) {
			*sc = (struct sect){ sec_named[i].kind, 0 };
			return 0;
		}
	}
	if (cfg_has_prefix(name, "port") && parse_index(name + 4, &n) == 0) {
		if (n >= CFG_MAX_PORTS) {
			snprintf(why, len, "port id out of range 0..%u",
			         (unsigned)CFG_MAX_PORTS - 1);
			return -EINVAL;
		}
		*sc = (struct sect){ SEC_PORT, n };
		return 0;
	}
	if (cfg_has_prefix(name, "vlan") && parse_index(name + 4, &n) == 0) {
		if (n >= CFG_MAX_VLANS) {
			snprintf(why, len, "VLAN section number out of range 0..%u",
			         (unsigned)CFG_MAX_VLANS - 1);
			return -EINVAL;
		}
		*sc = (struct sect){ SEC_VLAN, n };
		return 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(sec_refused); i++) {
		const char *r = sec_refused[i].name;

		if (strcmp(name, r) == 0 || (sec_refused[i].numbered && cfg_has_prefix(name, r) &&
		                             parse_index(name + strlen(r), &n) == 0)) {
			snprintf(why, len, "F-Stack section not supported by fastack (%s)",
			         sec_refused[i].hint);
			return -EINVAL;
		}
	}
	cfg_suggest_begin(&sg, name);
	for (unsigned i = 0; i < ARRAY_SIZE(sec_named); i++)
		cfg_suggest_offer(&sg, sec_named[i].name);
	cfg_suggest_offer(&sg, "port0");
	cfg_suggest_offer(&sg, "vlan0");
	if (sg.best)
		snprintf(why, len, "unknown section (did you mean [%s]?)", sg.best);
	else
		snprintf(why, len,
		         "unknown section (expected dpdk, portN, vlanN, pcap, kni, rss_check, "
		         "freebsd.boot or freebsd.sysctl)");
	return -EINVAL;
}

/* ---- values ---- */

static void store_uint(void *dst, uint32_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)dst = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)dst = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	default:
		*(uint64_t *)dst = v;
		break;
	}
}

static uint64_t load_uint(const void *src, uint32_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)src;
	case 2:
		return *(const uint16_t *)src;
	case 4:
		return *(const uint32_t *)src;
	default:
		return *(const uint64_t *)src;
	}
}

static const char *const fault_dir_names[] = {
	[FAULT_DIR_BOTH] = "both", [FAULT_DIR_RX] = "rx", [FAULT_DIR_TX] = "tx"
};
static const char *const log_level_names[] = { [LOG_LVL_ERR] = "error",
	                                       [LOG_LVL_WARN] = "warning",
	                                       [LOG_LVL_INFO] = "info",
	                                       [LOG_LVL_DEBUG] = "debug" };

static int name_index(const char *const *names, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static bool netmask_contiguous(uint32_t be)
{
	uint32_t inv = ~ntohl(be);

	return (inv & (inv + 1)) == 0;
}

unsigned cfg_netmask_len(uint32_t be)
{
	return (unsigned)__builtin_popcount(be);
}

/* "1-3,5" -> ids; 0 or -EINVAL with why. */
static int parse_port_list(const char *s, uint16_t *ids, unsigned *n, char *why, size_t len)
{
	unsigned count = 0;
	bool seen[CFG_MAX_PORTS] = { false };

	for (;;) {
		uint64_t lo, hi;
		char tok[32], *dash;
		size_t tl;

		while (*s == ' ' || *s == '\t')
			s++;
		tl = strcspn(s, ",");
		while (tl && (s[tl - 1] == ' ' || s[tl - 1] == '\t'))
			tl--;
		if (tl == 0 || tl >= sizeof(tok))
			goto bad;
		memcpy(tok, s, tl);
		tok[tl] = '\0';
		dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (cfg_parse_u64(tok, &lo) < 0)
			goto bad;
		hi = lo;
		if (dash && cfg_parse_u64(dash + 1, &hi) < 0)
			goto bad;
		if (hi < lo) {
			snprintf(why, len, "'%s-%s' is an empty range", tok, dash + 1);
			return -EINVAL;
		}
		if (hi >= CFG_MAX_PORTS) {
			snprintf(why, len, "port %" PRIu64 " is out of range 0..%u", hi,
			         (unsigned)CFG_MAX_PORTS - 1);
			return -EINVAL;
		}
		for (uint64_t p = lo; p <= hi; p++) {
			if (seen[p]) {
				snprintf(why, len, "port %" PRIu64 " is listed twice", p);
				return -EINVAL;
			}
			seen[p] = true;
			ids[count++] = (uint16_t)p;
		}
		s += strcspn(s, ",");
		if (*s != ',')
			break;
		s++;
	}
	*n = count;
	return 0;
bad:
	snprintf(why, len, "expected a list of port ids such as 0,2-3");
	return -EINVAL;
}

/* Parses value for key k into the field at dst (cfg for CT_PORTLIST).
 * Nothing is written on failure; why gets the reason. */
int cfg_parse_value(const struct cfg_key *k, const char *v, void *dst, char *why, size_t len)
{
	struct ip_addr a = { 0 };
	uint64_t u;
	double d;
	char *end;
	bool b;
	int i, rc;

	switch (k->type) {
	case CT_BOOL:
		if (cfg_parse_bool(v, &b) < 0) {
			snprintf(why, len,
			         "'%s' is not a boolean (0/1, yes/no, on/off, true/false)", v);
			return -EINVAL;
		}
		*(bool *)dst = b;
		return 0;
	case CT_UINT:
		rc = cfg_parse_u64(v, &u);
		if (rc == -EINVAL) {
			snprintf(why, len, "'%s' is not a number", v);
			return rc;
		}
		if (rc < 0 || u < k->min || u > k->max) {
			snprintf(why, len, "'%s' is out of range %" PRIu64 "..%" PRIu64 "%s%s%s", v,
			         k->min, k->max, k->unit[0] ? " (" : "", k->unit,
			         k->unit[0] ? ")" : "");
			return -ERANGE;
		}
		store_uint(dst, k->size, u);
		return 0;
	case CT_HEXMASK: {
		const char *h = v;

		if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
			h += 2;
		if (!*h || h[strspn(h, "0123456789abcdefABCDEF")]) {
			snprintf(why, len, "'%s' is not a hexadecimal mask", v);
			return -EINVAL;
		}
		while (h[0] == '0' && h[1])
			h++;
		if (strlen(h) > 16) {
			snprintf(why, len, "'%s' names lcores above 63", v);
			return -ERANGE;
		}
		u = strtoull(h, NULL, 16);
		if (u == 0) {
			snprintf(why, len, "'%s' selects no lcore", v);
			return -ERANGE;
		}
		*(uint64_t *)dst = u;
		return 0;
	}
	case CT_PORTLIST: {
		struct config *cfg = dst;
		uint16_t ids[CFG_MAX_PORTS];
		unsigned n;

		rc = parse_port_list(v, ids, &n, why, len);
		if (rc < 0)
			return rc;
		memcpy(cfg->port_list, ids, n * sizeof(ids[0]));
		cfg->nb_ports = n;
		return 0;
	}
	case CT_IP4:
	case CT_NETMASK:
		if (inet_pton(AF_INET, v, &a.v4) != 1) {
			snprintf(why, len, "'%s' is not an IPv4 address%s", v,
			         strchr(v, '/') ? " (give the prefix with netmask=)" : "");
			return -EINVAL;
		}
		if (k->type == CT_NETMASK && !netmask_contiguous(a.v4)) {
			snprintf(why, len, "'%s' is not a contiguous netmask", v);
			return -EINVAL;
		}
		a.family = AF_INET;
		*(struct ip_addr *)dst = a;
		return 0;
	case CT_IP6:
		if (inet_pton(AF_INET6, v, a.v6) != 1) {
			snprintf(why, len, "'%s' is not an IPv6 address%s", v,
			         strchr(v, '/') ? " (give the prefix with prefix_len=)" : "");
			return -EINVAL;
		}
		a.family = AF_INET6;
		*(struct ip_addr *)dst = a;
		return 0;
	case CT_STR:
		if (strlen(v) >= k->size) {
			snprintf(why, len, "longer than %u characters", k->size - 1);
			return -ERANGE;
		}
		memcpy(dst, v, strlen(v) + 1);
		return 0;
	case CT_PROB:
		errno = 0;
		d = strtod(v, &end);
		if (end == v || *end || errno == ERANGE || !isfinite(d)) {
			snprintf(why, len, "'%s' is not a number", v);
			return -EINVAL;
		}
		if (d < 0 || d > 1) {
			snprintf(why, len, "'%s' is out of range 0..1", v);
			return -ERANGE;
		}
		*(double *)dst = d;
		return 0;
	case CT_FAULTDIR:
		i = name_index(fault_dir_names, ARRAY_SIZE(fault_dir_names), v);
		if (i < 0) {
			snprintf(why, len, "'%s' is not one of rx, tx, both", v);
			return -EINVAL;
		}
		*(enum fault_dir *)dst = (enum fault_dir)i;
		return 0;
	case CT_LOGLEVEL:
		i = name_index(log_level_names, ARRAY_SIZE(log_level_names), v);
		if (i < 0) {
			snprintf(why, len, "'%s' is not one of error, warning, info, debug", v);
			return -EINVAL;
		}
		*(int *)dst = i;
		return 0;
	}
	snprintf(why, len, "internal error: key type %d", (int)k->type);
	return -EINVAL;
}

/* Formats the field at src (cfg for CT_PORTLIST) as parse_value reads it. */
static const char *format_value(const struct cfg_key *k, const void *src, char *buf, size_t len)
{
	const struct ip_addr *a = src;
	size_t n = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CT_BOOL:
		snprintf(buf, len, "%d", *(const bool *)src ? 1 : 0);
		break;
	case CT_UINT:
		snprintf(buf, len, "%" PRIu64, load_uint(src, k->size));
		break;
	case CT_HEXMASK:
		snprintf(buf, len, "0x%" PRIx64, *(const uint64_t *)src);
		break;
	case CT_PORTLIST: {
		const struct config *cfg = src;

		for (unsigned i = 0; i < cfg->nb_ports && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? "," : "",
			                      cfg->port_list[i]);
		break;
	}
	case CT_IP4:
	case CT_NETMASK:
	case CT_IP6:
		if (a->family)
			ip_addr_str(a, buf, len);
		break;
	case CT_STR:
		snprintf(buf, len, "%s", (const char *)src);
		break;
	case CT_PROB:
		snprintf(buf, len, "%.17g", *(const double *)src);
		break;
	case CT_FAULTDIR: {
		unsigned i = (unsigned)*(const enum fault_dir *)src;

		snprintf(buf, len, "%s",
		         i < ARRAY_SIZE(fault_dir_names) ? fault_dir_names[i] : "?");
		break;
	}
	case CT_LOGLEVEL: {
		unsigned i = (unsigned)*(const int *)src;

		snprintf(buf, len, "%s",
		         i < ARRAY_SIZE(log_level_names) ? log_level_names[i] : "?");
		break;
	}
	}
	return buf;
}

/* ---- dump and documentation ---- */

static void dump_keys(FILE *f, enum cfg_scope scope, const void *obj, const struct ifaddr_cfg *ifa,
                      const struct config *cfg)
{
	char buf[PATH_MAX + 16];

	for (unsigned id = 0; id < K_COUNT; id++) {
		const struct cfg_key *k = &cfg_keys[id];
		const void *src;

		if (k->scope != scope && !(k->scope == SC_IFA && ifa))
			continue;
		if (k->type == CT_PORTLIST)
			src = cfg;
		else
			src = (k->scope == SC_IFA ? (const char *)ifa : (const char *)obj) + k->off;
		/* Unset addresses stay out; prefix_len only with addr6. */
		if ((k->type == CT_IP4 || k->type == CT_NETMASK || k->type == CT_IP6) &&
		    !((const struct ip_addr *)src)->family)
			continue;
		if (id == K_PREFIX_LEN && !ifa->addr6.family)
			continue;
		/* An empty string stays out only where that is the default:
		 * "savepath=" must not load back as savepath=. */
		if (k->type == CT_STR && !*(const char *)src && !*k->def)
			continue;
		/* A number with no default below its minimum is unset (channel). */
		if (k->type == CT_UINT && !k->def && load_uint(src, k->size) < k->min)
			continue;
		fprintf(f, "%s=%s\n", k->name, format_value(k, src, buf, sizeof(buf)));
	}
}

void config_dump(const struct config *cfg, FILE *f)
{
	char buf[64];

	fprintf(f, "; fastack configuration%s%s\n", cfg->file[0] ? " from " : "", cfg->file);
	fprintf(f, "; command line: --proc-type %s --proc-id %u\n",
	        cfg->proc_type == PROC_SECONDARY ? "secondary"
	        : cfg->proc_type == PROC_AUTO    ? "auto"
	                                         : "primary",
	        cfg->proc_id);
	fprintf(f, "[dpdk]\n");
	dump_keys(f, SC_DPDK, cfg, NULL, cfg);
	fprintf(f, "\n[pcap]\n");
	dump_keys(f, SC_PCAP, cfg, NULL, cfg);
	for (unsigned p = 0; p < CFG_MAX_PORTS; p++) {
		if (!cfg->ports[p].present)
			continue;
		fprintf(f, "\n[port%u]\n", p);
		dump_keys(f, SC_PORT, &cfg->ports[p], &cfg->ports[p].ifa, cfg);
	}
	for (unsigned v = 0; v < cfg->nb_vlans; v++) {
		if (!cfg->vlans[v].present)
			continue;
		fprintf(f, "\n[vlan%u]\n", v);
		dump_keys(f, SC_VLAN, &cfg->vlans[v], &cfg->vlans[v].ifa, cfg);
	}
	fprintf(f, "\n[freebsd.sysctl]\n");
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		fprintf(f, "%s=%s\n", knob_table[i].name,
		        knob_value_str((enum knob_id)i, cfg->knob[i], buf, sizeof(buf)));
}

static const char *const scope_names[] = {
	[SC_DPDK] = "dpdk",        [SC_PORT] = "portN", [SC_VLAN] = "vlanN",
	[SC_IFA] = "portN, vlanN", [SC_PCAP] = "pcap",
};

/* The sections of a cfg_foreign row, for the docs. */
static const char *foreign_sections(unsigned in)
{
	static const struct {
		unsigned in;
		const char *label;
	} labels[] = {
		{ IN_(SEC_DPDK), "[dpdk]" },
		{ IN_(SEC_PORT), "[portN]" },
		{ IN_IFACE, "[portN], [vlanN]" },
		{ IN_(SEC_KNI), "[kni]" },
		{ IN_(SEC_RSS_CHECK), "[rss_check]" },
		{ IN_(SEC_BOOT), "[freebsd.boot]" },
		{ IN_FREEBSD, "[freebsd.boot], [freebsd.sysctl]" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(labels); i++)
		if (labels[i].in == in)
			return labels[i].label;
	return "?"; /* test_config's key_table test catches it */
}

int config_key_info(unsigned i, struct config_key_info *info)
{
	memset(info, 0, sizeof(*info));
	if (i < K_COUNT) {
		const struct cfg_key *k = &cfg_keys[i];

		info->section = scope_names[k->scope];
		info->name = k->name;
		info->def = k->def ? k->def : "";
		info->unit = k->unit;
		info->desc = k->desc;
		switch (k->type) {
		case CT_BOOL:
			snprintf(info->range, sizeof(info->range),
			         "0/1, yes/no, on/off, true/false");
			break;
		case CT_UINT:
			snprintf(info->range, sizeof(info->range), "%" PRIu64 "..%" PRIu64, k->min,
			         k->max);
			break;
		case CT_HEXMASK:
			snprintf(info->range, sizeof(info->range), "hex, 1..0xffffffffffffffff");
			break;
		case CT_PORTLIST:
			snprintf(info->range, sizeof(info->range), "ids 0..%u, e.g. 0,2-3",
			         (unsigned)CFG_MAX_PORTS - 1);
			break;
		case CT_IP4:
			snprintf(info->range, sizeof(info->range), "IPv4 address");
			break;
		case CT_NETMASK:
			snprintf(info->range, sizeof(info->range),
			         "contiguous, e.g. 255.255.255.0");
			break;
		case CT_IP6:
			snprintf(info->range, sizeof(info->range), "IPv6 address");
			break;
		case CT_STR:
			snprintf(info->range, sizeof(info->range), "text, up to %u characters",
			         k->size - 1);
			break;
		case CT_PROB:
			snprintf(info->range, sizeof(info->range), "0..1");
			break;
		case CT_FAULTDIR:
			snprintf(info->range, sizeof(info->range), "rx, tx, both");
			break;
		case CT_LOGLEVEL:
			snprintf(info->range, sizeof(info->range), "error, warning, info, debug");
			break;
		}
		return 0;
	}
	i -= K_COUNT;
	if (i < cfg_nforeign) {
		const struct cfg_foreign *f = &cfg_foreign[i];

		info->section = foreign_sections(f->in);
		info->name = f->name;
		info->def = "";
		info->unit = "";
		info->desc = "";
		info->foreign = true;
		info->ignored = f->ignored;
		info->refused = f->refused;
		info->sets = f->sets;
		if (f->ok)
			cfg_foreign_ok_str(f, info->range, sizeof(info->range));
		else if (f->ignored || f->sets)
			snprintf(info->range, sizeof(info->range), "%s",
			         f->type == FV_BOOL   ? "0/1, yes/no, on/off, true/false"
			         : f->type == FV_UINT ? "any number"
			                              : "any value");
		return 0;
	}
	i -= (unsigned)cfg_nforeign;
	if (i < ARRAY_SIZE(sec_refused)) {
		info->section = sec_refused[i].display;
		info->name = ""; /* the whole section */
		info->def = "";
		info->unit = "";
		info->desc = "";
		info->foreign = true;
		info->refused = sec_refused[i].hint;
		return 0;
	}
	return -ENOENT;
}
