/* config.c: the configuration file (INI, F-Stack's sections and keys, format
 * in config.h) and the command line, into struct config.
 *
 * Call order (ff_init):
 *
 *     config_defaults(cfg)                every key and knob at its default
 *     config_from_args(cfg, argc, argv)   options -> config_load_file(--conf)
 *                                         -> each --set, in order -> derived
 *                                         values -> proc-id check
 *     config_validate(cfg)                cross-checks between keys
 *     cfg->warn[]                         logged by ff_init
 *
 * F-Stack's own config.ini loads.  The rule for every key:
 *
 *   - a key fastack understands is honoured (cfg_keys[], the knob table);
 *   - an F-Stack key, or a FreeBSD tunable or sysctl that F-Stack users set,
 *     that has no effect here is accepted when its value asks for nothing
 *     fastack lacks (nb_vdev=0, tso=0, net.inet.ip.forwarding=0, hz=100,
 *     table sizes in [freebsd.boot]), with one warning
 *     "file:line: [section] key: ignored: why" in cfg->warn;
 *   - the same key with a value that asks for something fastack does not do
 *     (nb_bond=1, vip_addr=..., [kni] enable=1, functions_default=rack) is an
 *     error that says what is missing;
 *   - any other name is an error, with a "did you mean" when one is close.
 *
 * The known names are listed one by one (cfg_foreign[]), never by prefix: a
 * misspelt sysctl is an error, not a silently ignored line.
 *
 * One table (cfg_keys[], STYLE habit 8) describes every key of [dpdk],
 * [pcap], [portN] and [vlanN]: name, type, where it is stored, range,
 * default, unit and description.  The parser, the defaults (each default is a
 * string that goes through the same parser), config_dump() and docs/knobs.md
 * (config_key_info()) all come from it; [freebsd.sysctl] uses the knob table
 * of knobs.h the same way, and cfg_foreign[] documents itself too.
 *
 * Line numbers.  Debian's libinih is built without line numbers in the
 * handler, so the file is fed through ini_parse_stream() by our own reader,
 * which counts lines, and also checks what inih would skip or misread:
 * section headers (so that an empty unknown section is still an error, and
 * reported at its own line), lines without '=', over-long lines (inih cuts
 * lines at INI_MAX_LINE), and leading white space (stripped, so inih never
 * takes an indented line for the continuation of the previous value).  The
 * first error stops the parse: the reader then reports end of input.
 *
 * Provenance.  Every key set records where it came from (key_line[] in
 * config.h: a line, or --set), so config_validate() can name the line of,
 * e.g., a gateway outside its network, and so "unset" (broadcast derived
 * from addr and netmask, prefix_len required with addr6) is known.
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

#include <ini.h>

#include "base/compiler.h"
#include "base/log.h"
#include "stack/config_priv.h"

/* ---- the key table ---- */

enum cfg_type {
	CT_BOOL,     /* 0/1, yes/no, on/off, true/false */
	CT_UINT,     /* unsigned integer of field size, within min..max */
	CT_HEXMASK,  /* hexadecimal bit mask (0x optional), not zero */
	CT_PORTLIST, /* "0,2-3": struct config's port_list and nb_ports */
	CT_IP4,      /* dotted quad */
	CT_NETMASK,  /* dotted quad, contiguous ones */
	CT_IP6,      /* RFC 4291 text form */
	CT_STR,      /* text shorter than the field */
	CT_PROB,     /* probability 0..1 (double) */
	CT_FAULTDIR, /* rx|tx|both (enum fault_dir) */
	CT_LOGLEVEL, /* error|warning|info|debug (enum log_level in an int) */
};

/* Which struct a key's offset is into. */
enum cfg_scope {
	SC_DPDK, /* struct config */
	SC_PORT, /* struct port_cfg */
	SC_VLAN, /* struct vlan_cfg */
	SC_IFA,  /* struct ifaddr_cfg of a port or a VLAN */
	SC_PCAP, /* struct config ([pcap]) */
};

struct cfg_key {
	const char *name;
	enum cfg_scope scope;
	enum cfg_type type;
	uint32_t off, size; /* of the field */
	uint64_t min, max;  /* CT_UINT */
	const char *def;    /* as written in a file; NULL: unset */
	const char *unit;
	const char *desc;
};

enum cfg_key_id {
	K_LCORE_MASK,
	K_CHANNEL,
	K_PROMISCUOUS,
	K_TX_CSUM_OFFLOAD_SKIP,
	K_IDLE_SLEEP,
	K_PORT_LIST,
	K_NB_MBUFS,
	K_NO_HUGE,
	K_EAL_ARGS,
	K_LOG_LEVEL,
	K_PCAP_ENABLE,
	K_PCAP_SNAPLEN,
	K_PCAP_SAVELEN,
	K_PCAP_SAVEPATH,
	K_ADDR,
	K_NETMASK,
	K_BROADCAST,
	K_GATEWAY,
	K_ADDR6,
	K_PREFIX_LEN,
	K_GATEWAY6,
	K_MTU,
	K_PCAP,
	K_FAULT_LOSS,
	K_FAULT_DUP,
	K_FAULT_REORDER,
	K_FAULT_CORRUPT,
	K_FAULT_DELAY_US,
	K_FAULT_SEED,
	K_FAULT_DIR,
	K_VLAN_PORT,
	K_VLAN_ID,
	K_COUNT
};
_Static_assert(K_COUNT <= CFG_KEYS_MAX, "raise CFG_KEYS_MAX in config.h");

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

static const struct cfg_key cfg_keys[K_COUNT] = {
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

enum sec_kind { SEC_NONE, SEC_DPDK, SEC_PORT, SEC_VLAN, SEC_SYSCTL, SEC_BOOT, SEC_PCAP, SEC_KNI };

struct sect {
	enum sec_kind kind;
	unsigned idx; /* N of [portN] / [vlanN] */
};

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

#define IN_(kind) (1u << (kind))
#define IN_FREEBSD (IN_(SEC_BOOT) | IN_(SEC_SYSCTL))
#define IN_IFACE (IN_(SEC_PORT) | IN_(SEC_VLAN))

/* The form a value must have even when it is ignored (a typo in it is still
 * an error). */
enum fv_type { FV_TEXT, FV_BOOL, FV_UINT };

/* One key of F-Stack's (or a FreeBSD tunable or sysctl that F-Stack users
 * set) that fastack does not implement, and the values it takes anyway:
 *
 *   ignored NULL              every value is an error: refused says why;
 *   ignored set, ok NULL      every value (of its type) is accepted with the
 *                             warning "ignored: <ignored>";
 *   ignored set, ok "a|b"     a and b are (with the warning), others are
 *                             errors: refused says what fastack lacks;
 *   sets                      honoured under another name: sets that knob.
 */
struct cfg_foreign {
	unsigned in; /* the sections it may appear in: IN_() bits */
	const char *name;
	enum fv_type type;
	const char *ok;      /* '|'-separated values; "" is the empty value */
	const char *ignored; /* why an accepted value makes no difference here */
	const char *refused; /* what fastack lacks, for the other values */
	const char *sets;    /* a knob name */
};

#define NO_IPV6 "IPv6 is not implemented yet (README.md, Not implemented yet)"
#define KNI_OFF "only used with [kni] enable=1"
#define NO_AUTOSIZE "socket buffers are not auto-sized"
#define NO_FORWARDING "forwarding between interfaces (a router) is not implemented"
#define IS_HOST "fastack is a host: it does not forward"
#define NO_TSO "TCP segmentation offload is not implemented"
#define SYNCACHE_HASH                                  \
	"it sizes FreeBSD's syncache hash; half-open " \
	"connections are bounded by net.inet.tcp.syncache.cachelimit"

static const struct cfg_foreign cfg_foreign[] = {
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
	{ IN_(SEC_DPDK), "symmetric_rss", FV_BOOL, "0", "the NIC's own RSS key is used",
	  "a symmetric RSS key is not implemented" },
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

	/* [freebsd.boot]: F-Stack's own words */
	{ IN_(SEC_BOOT), "hz", FV_UINT, NULL,
	  "timers run on a 1 ms wheel driven by the stack clock, not on a tick rate" },
	{ IN_(SEC_BOOT), "fd_reserve", FV_UINT, NULL,
	  "descriptors are numbered from 3 in fastack's own table (kern.maxfiles), apart from "
	  "the kernel's" },
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
	{ IN_FREEBSD, "net.inet.tcp.functions_default", FV_TEXT, "freebsd",
	  "fastack's one TCP implementation behaves as FreeBSD's default stack",
	  "only FreeBSD's default TCP stack is implemented (no rack, no bbr)" },
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
	{ IN_FREEBSD, "net.inet.tcp.tso", FV_BOOL, "0",
	  "fastack does not use TCP segmentation offload", NO_TSO },
};

static const char *sect_label(struct sect sc, char *buf, size_t len)
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
	{ "dpdk", SEC_DPDK },
	{ "pcap", SEC_PCAP },
	{ "kni", SEC_KNI },
	{ "freebsd.boot", SEC_BOOT },
	{ "freebsd.sysctl", SEC_SYSCTL },
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

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Resolves a section name; 0, or -EINVAL with the reason in why. */
static int sect_resolve(const char *name, struct sect *sc, char *why, size_t len)
{
	struct cfg_suggest sg;
	unsigned n;

	for (unsigned i = 0; i < ARRAY_SIZE(sec_named); i++) {
		if (strcmp(name, sec_named[i].name) == 0) {
			*sc = (struct sect){ sec_named[i].kind, 0 };
			return 0;
		}
	}
	if (has_prefix(name, "port") && parse_index(name + 4, &n) == 0) {
		if (n >= CFG_MAX_PORTS) {
			snprintf(why, len, "port id out of range 0..%u",
			         (unsigned)CFG_MAX_PORTS - 1);
			return -EINVAL;
		}
		*sc = (struct sect){ SEC_PORT, n };
		return 0;
	}
	if (has_prefix(name, "vlan") && parse_index(name + 4, &n) == 0) {
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

		if (strcmp(name, r) == 0 || (sec_refused[i].numbered && has_prefix(name, r) &&
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
		         "unknown section (expected dpdk, portN, vlanN, pcap, kni, "
		         "freebsd.boot or freebsd.sysctl)");
	return -EINVAL;
}

/* ---- messages ---- */

/* Where a value comes from, for the message prefix. */
struct where {
	const char *file; /* may be "" */
	uint32_t line;    /* 0: none; CFG_LINE_SET: a --set option */
	const char *set;  /* the --set argument, if known */
};

/* Writes "<where>: <message>" into buf. */
static void where_vfmt(char *buf, size_t len, const struct where *w, const char *fmt, va_list ap)
{
	size_t n = 0;
	int r;

	if (w && w->set)
		r = snprintf(buf, len, "--set %s: ", w->set);
	else if (w && w->line == CFG_LINE_SET)
		r = snprintf(buf, len, "--set: ");
	else if (w && w->file && w->file[0] && w->line)
		r = snprintf(buf, len, "%s:%u: ", w->file, w->line);
	else if (w && w->file && w->file[0])
		r = snprintf(buf, len, "%s: ", w->file);
	else
		r = 0;
	if (r > 0)
		n = (size_t)r < len ? (size_t)r : len - 1;
	vsnprintf(buf + n, len - n, fmt, ap);
}

/* Writes "<where>: <message>" into err; returns -EINVAL. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen,
                                                      const struct where *w, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	where_vfmt(err, errlen, w, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Adds "<where>: <message>" to cfg->warn (or counts it when full). */
__attribute__((format(printf, 3, 4))) static void warn(struct config *cfg, const struct where *w,
                                                       const char *fmt, ...)
{
	va_list ap;

	if (cfg->nb_warn >= CFG_WARN_MAX) {
		cfg->warn_lost++;
		return;
	}
	va_start(ap, fmt);
	where_vfmt(cfg->warn[cfg->nb_warn++], sizeof(cfg->warn[0]), w, fmt, ap);
	va_end(ap);
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

static unsigned netmask_len(uint32_t be)
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
static int parse_value(const struct cfg_key *k, const char *v, void *dst, char *why, size_t len)
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

/* ---- applying one key ---- */

/* Lines where each key was first given in the file being parsed, for
 * "key given twice". */
struct seen {
	uint32_t dpdk[K_COUNT];
	uint32_t port[CFG_MAX_PORTS][K_COUNT];
	uint32_t vlan[CFG_MAX_VLANS][K_COUNT];
	uint32_t knob[KNOB_COUNT];
};

static bool scope_in(enum cfg_scope scope, enum sec_kind kind)
{
	switch (kind) {
	case SEC_DPDK:
		return scope == SC_DPDK;
	case SEC_PORT:
		return scope == SC_PORT || scope == SC_IFA;
	case SEC_VLAN:
		return scope == SC_VLAN || scope == SC_IFA;
	case SEC_PCAP:
		return scope == SC_PCAP;
	default:
		return false;
	}
}

/* Marks a port or VLAN section as given (line: of its header, or 0). */
static void sect_enter(struct config *cfg, struct sect sc, uint32_t line)
{
	if (sc.kind == SEC_PORT) {
		struct port_cfg *pc = &cfg->ports[sc.idx];

		pc->present = true;
		if (!pc->line)
			pc->line = line;
	} else if (sc.kind == SEC_VLAN) {
		struct vlan_cfg *vc = &cfg->vlans[sc.idx];

		vc->present = true;
		if (!vc->line)
			vc->line = line;
		if (cfg->nb_vlans < sc.idx + 1)
			cfg->nb_vlans = sc.idx + 1;
	}
}

/* Reports a value knob id refused (rc from knob_parse) under key name. */
static int knob_fail(char *err, size_t errlen, const struct where *w, const char *label,
                     const char *name, enum knob_id id, const char *value, int rc)
{
	const struct knob_desc *kd = &knob_table[id];
	char range[64];

	knob_range_str(id, range, sizeof(range));
	if (strcmp(kd->unit, "name") == 0)
		return fail(err, errlen, w, "%s %s: '%s' is not one of %s", label, name, value,
		            range);
	if (rc == -ERANGE)
		return fail(err, errlen, w, "%s %s: '%s' is out of range %s (%s)", label, name,
		            value, range, kd->unit);
	return fail(err, errlen, w, "%s %s: '%s' is not %s", label, name, value,
	            strcmp(kd->unit, "bool") == 0 ? "a boolean (0/1, yes/no, on/off, true/false)"
	                                          : "a number");
}

static int apply_knob(struct config *cfg, enum knob_id id, const char *value, const struct where *w,
                      struct seen *seen, char *err, size_t errlen)
{
	const char *name = knob_table[id].name;
	int64_t v;
	int rc;

	if (seen) {
		if (seen->knob[id])
			return fail(err, errlen, w,
			            "[freebsd.sysctl] %s: key given twice, first at line %u", name,
			            seen->knob[id]);
		seen->knob[id] = w->line;
	}
	rc = knob_parse(id, value, &v);
	if (rc < 0)
		return knob_fail(err, errlen, w, "[freebsd.sysctl]", name, id, value, rc);
	cfg->knob[id] = v;
	return 0;
}

/* Whether value is one of f->ok (in the form of f->type: "off" is "0"). */
static bool foreign_value_ok(const struct cfg_foreign *f, const char *value)
{
	const char *ok = f->ok;

	for (;;) {
		size_t n = strcspn(ok, "|");
		char one[32];
		uint64_t a, b;
		bool x, y;

		snprintf(one, sizeof(one), "%.*s", (int)n, ok);
		if (strcmp(one, value) == 0)
			return true;
		if (f->type == FV_BOOL && cfg_parse_bool(one, &x) == 0 &&
		    cfg_parse_bool(value, &y) == 0 && x == y)
			return true;
		if (f->type == FV_UINT && cfg_parse_u64(one, &a) == 0 &&
		    cfg_parse_u64(value, &b) == 0 && a == b)
			return true;
		if (!ok[n])
			return false;
		ok += n + 1;
	}
}

/* "0", "0 or off", "an empty value": f->ok for messages and docs. */
static const char *foreign_ok_str(const struct cfg_foreign *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!f->ok[0]) {
		snprintf(buf, len, "an empty value");
		return buf;
	}
	for (const char *o = f->ok; *o && n + 5 < len; o++) {
		if (*o == '|')
			n += (size_t)snprintf(buf + n, len - n, " or ");
		else
			buf[n++] = *o;
	}
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

/* A key of cfg_foreign[]: honoured under another name, ignored with a
 * warning, or refused (see the table). */
static int apply_foreign(struct config *cfg, const struct cfg_foreign *f, const char *label,
                         const char *value, const struct where *w, struct seen *seen, char *err,
                         size_t errlen)
{
	char okbuf[64];
	uint64_t u;
	bool b;

	if (f->type == FV_BOOL && cfg_parse_bool(value, &b) < 0)
		return fail(err, errlen, w,
		            "%s %s: '%s' is not a boolean (0/1, yes/no, on/off, true/false)", label,
		            f->name, value);
	if (f->type == FV_UINT && cfg_parse_u64(value, &u) < 0)
		return fail(err, errlen, w, "%s %s: '%s' is not a number", label, f->name, value);
	if (f->sets) {
		enum knob_id id = (enum knob_id)knob_find(f->sets);
		int64_t v;
		int rc;

		/* The knob's own name, given in this file, wins wherever it is. */
		if (seen && seen->knob[id]) {
			warn(cfg, w, "%s %s: ignored: %s is given at line %u", label, f->name,
			     f->sets, seen->knob[id]);
			return 0;
		}
		rc = knob_parse(id, value, &v);
		if (rc < 0)
			return knob_fail(err, errlen, w, label, f->name, id, value, rc);
		cfg->knob[id] = v;
		return 0;
	}
	if (!f->ignored)
		return fail(err, errlen, w, "%s %s: not supported by fastack (%s)", label, f->name,
		            f->refused);
	if (f->ok && !foreign_value_ok(f, value))
		return fail(err, errlen, w,
		            "%s %s: '%s' is not supported by fastack (%s; only %s is accepted)",
		            label, f->name, value, f->refused,
		            foreign_ok_str(f, okbuf, sizeof(okbuf)));
	warn(cfg, w, "%s %s: ignored: %s", label, f->name, f->ignored);
	return 0;
}

static const struct cfg_foreign *foreign_find(enum sec_kind kind, const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cfg_foreign); i++)
		if ((cfg_foreign[i].in & IN_(kind)) && strcmp(cfg_foreign[i].name, name) == 0)
			return &cfg_foreign[i];
	return NULL;
}

/* The error for a name nothing in section sc knows, with the closest name
 * the section takes. */
static int unknown_key(struct sect sc, const char *label, const char *name, const struct where *w,
                       char *err, size_t errlen)
{
	const char *what = sc.kind == SEC_SYSCTL ? "knob" : sc.kind == SEC_BOOT ? "tunable" : "key";
	struct cfg_suggest sg;

	cfg_suggest_begin(&sg, name);
	for (unsigned i = 0; i < K_COUNT; i++)
		if (scope_in(cfg_keys[i].scope, sc.kind))
			cfg_suggest_offer(&sg, cfg_keys[i].name);
	for (unsigned i = 0; sc.kind == SEC_SYSCTL && i < KNOB_COUNT; i++)
		cfg_suggest_offer(&sg, knob_table[i].name);
	for (unsigned i = 0; i < ARRAY_SIZE(cfg_foreign); i++)
		if (cfg_foreign[i].in & IN_(sc.kind))
			cfg_suggest_offer(&sg, cfg_foreign[i].name);
	if (sg.best)
		return fail(err, errlen, w, "%s %s: unknown %s (did you mean %s?)", label, name,
		            what, sg.best);
	return fail(err, errlen, w, "%s %s: unknown %s (see docs/knobs.md)", label, name, what);
}

/* Sets key name of section sc to value.  seen (NULL for --set) catches
 * duplicates within one file. */
static int apply(struct config *cfg, struct sect sc, const char *name, const char *value,
                 const struct where *w, struct seen *seen, char *err, size_t errlen)
{
	char lbuf[24], why[256];
	const char *label = sect_label(sc, lbuf, sizeof(lbuf));
	const struct cfg_foreign *f;
	const struct cfg_key *k = NULL;
	uint32_t *key_line, *seen_line = NULL;
	unsigned id;
	char *base;
	int rc, kid;

	kid = knob_find(name);
	if (sc.kind == SEC_SYSCTL && kid >= 0)
		return apply_knob(cfg, (enum knob_id)kid, value, w, seen, err, errlen);
	for (id = 0; id < K_COUNT; id++) {
		if (scope_in(cfg_keys[id].scope, sc.kind) && strcmp(cfg_keys[id].name, name) == 0) {
			k = &cfg_keys[id];
			break;
		}
	}
	if (!k) {
		f = foreign_find(sc.kind, name);
		if (f)
			return apply_foreign(cfg, f, label, value, w, seen, err, errlen);
		if (sc.kind == SEC_BOOT && kid >= 0)
			return fail(err, errlen, w,
			            "%s %s: a run-time knob: set it in [freebsd.sysctl]", label,
			            name);
		return unknown_key(sc, label, name, w, err, errlen);
	}

	switch (sc.kind) {
	case SEC_DPDK:
	case SEC_PCAP:
		base = (char *)cfg;
		key_line = cfg->dpdk_key_line;
		if (seen)
			seen_line = &seen->dpdk[id];
		break;
	case SEC_PORT:
		base = k->scope == SC_IFA ? (char *)&cfg->ports[sc.idx].ifa
		                          : (char *)&cfg->ports[sc.idx];
		key_line = cfg->ports[sc.idx].key_line;
		if (seen)
			seen_line = &seen->port[sc.idx][id];
		break;
	default: /* SEC_VLAN */
		base = k->scope == SC_IFA ? (char *)&cfg->vlans[sc.idx].ifa
		                          : (char *)&cfg->vlans[sc.idx];
		key_line = cfg->vlans[sc.idx].key_line;
		if (seen)
			seen_line = &seen->vlan[sc.idx][id];
		break;
	}
	if (seen_line) {
		if (*seen_line)
			return fail(err, errlen, w, "%s %s: key given twice, first at line %u",
			            label, name, *seen_line);
		*seen_line = w->line;
	}
	rc = parse_value(k, value, k->type == CT_PORTLIST ? (void *)cfg : base + k->off, why,
	                 sizeof(why));
	if (rc < 0)
		return fail(err, errlen, w, "%s %s: %s", label, name, why);
	key_line[id] = w->line;
	sect_enter(cfg, sc, 0);
	return 0;
}

/* Values that follow from others unless given: broadcast = addr | ~netmask. */
static void ifa_derive(struct ifaddr_cfg *ifa, const uint32_t *key_line)
{
	if (!key_line[K_BROADCAST] && ifa->addr.family == AF_INET && ifa->netmask.family == AF_INET)
		ifa->broadcast = ip_addr_v4(ifa->addr.v4 | ~ifa->netmask.v4);
}

static void config_derive(struct config *cfg)
{
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++)
		ifa_derive(&cfg->ports[i].ifa, cfg->ports[i].key_line);
	for (unsigned i = 0; i < CFG_MAX_VLANS; i++)
		ifa_derive(&cfg->vlans[i].ifa, cfg->vlans[i].key_line);
}

/* ---- defaults ---- */

/* Applies the defaults of scope's keys to obj (and of the address keys to ifa,
 * when given). */
static void defaults_apply(struct config *cfg, void *obj, struct ifaddr_cfg *ifa,
                           enum cfg_scope scope)
{
	char why[128];

	for (unsigned id = 0; id < K_COUNT; id++) {
		const struct cfg_key *k = &cfg_keys[id];
		void *dst;

		if (!k->def || (k->scope != scope && !(k->scope == SC_IFA && ifa)))
			continue;
		if (k->type == CT_PORTLIST)
			dst = cfg;
		else
			dst = (k->scope == SC_IFA ? (char *)ifa : (char *)obj) + k->off;
		if (parse_value(k, k->def, dst, why, sizeof(why)) < 0)
			LOG_ERR("config: default of %s: %s", k->name, why); /* a table bug */
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	defaults_apply(cfg, cfg, NULL, SC_DPDK);
	defaults_apply(cfg, cfg, NULL, SC_PCAP);
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++) {
		cfg->ports[i].id = (uint16_t)i;
		defaults_apply(cfg, &cfg->ports[i], &cfg->ports[i].ifa, SC_PORT);
	}
	for (unsigned i = 0; i < CFG_MAX_VLANS; i++)
		defaults_apply(cfg, &cfg->vlans[i], &cfg->vlans[i].ifa, SC_VLAN);
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		cfg->knob[i] = knob_table[i].def;
	cfg->proc_type = PROC_PRIMARY;
	cfg->proc_id = 0;
}

/* ---- the file ---- */

struct parse {
	struct config *cfg;
	const char *name; /* for messages */
	char *err;
	size_t errlen;
	int rc; /* first error */

	FILE *f;          /* source: a file, */
	const char *text; /* or a string */
	char *buf;        /* getline's buffer */
	size_t bufcap;

	uint32_t lineno;
	struct sect sect; /* the section being read */
	struct seen seen;
};

static int parse_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_fail(struct parse *p, const char *fmt, ...)
{
	struct where w = { .file = p->name, .line = p->lineno };
	char msg[CFG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->rc = fail(p->err, p->errlen, &w, "%s", msg);
	return p->rc;
}

/* The next raw line (without its newline) or NULL at the end. */
static const char *next_line(struct parse *p, size_t *len)
{
	if (p->f) {
		ssize_t n = getline(&p->buf, &p->bufcap, p->f);

		if (n < 0) {
			if (ferror(p->f)) {
				int e = errno ? errno : EIO;
				struct where w = { .file = p->name };

				fail(p->err, p->errlen, &w, "%s", strerror(e));
				p->rc = -e;
			}
			return NULL;
		}
		*len = (size_t)n;
		if (*len && p->buf[*len - 1] == '\n')
			(*len)--;
		return p->buf;
	} else {
		const char *s = p->text, *nl;

		if (!*s)
			return NULL;
		nl = strchr(s, '\n');
		*len = nl ? (size_t)(nl - s) : strlen(s);
		p->text = nl ? nl + 1 : s + *len;
		return s;
	}
}

/* A section header line "[name]" (comment allowed after it). */
static int read_section(struct parse *p, const char *line)
{
	const char *close = strchr(line, ']'), *after;
	char name[128], why[256];
	size_t n;

	if (!close)
		return parse_fail(p, "%s: missing ] in section header", line);
	for (after = close + 1; *after == ' ' || *after == '\t'; after++)
		;
	if (*after && *after != ';' && *after != '#')
		return parse_fail(p, "%s: text after ] in section header", line);
	line++;
	while (*line == ' ' || *line == '\t')
		line++;
	n = (size_t)(close - line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, line, n);
	name[n] = '\0';
	if (sect_resolve(name, &p->sect, why, sizeof(why)) < 0) {
		p->sect.kind = SEC_NONE;
		return parse_fail(p, "[%s]: %s", name, why);
	}
	sect_enter(p->cfg, p->sect, p->lineno);
	return 0;
}

/* inih's reader: one line per call, checked and counted (see the top). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *line;
	size_t len;

	if (p->rc)
		return NULL;
	line = next_line(p, &len);
	if (!line)
		return NULL;
	p->lineno++;
	if (len && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len)) {
		parse_fail(p, "NUL byte in line");
		return NULL;
	}
	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3; /* UTF-8 byte order mark */
		len -= 3;
	}
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len >= (size_t)num) {
		parse_fail(p, "line longer than %d characters", num - 1);
		return NULL;
	}
	memcpy(str, line, len);
	str[len] = '\0';

	if (str[0] == '\0' || str[0] == ';' || str[0] == '#')
		return str;
	if (str[0] == '[') {
		if (read_section(p, str) < 0)
			return NULL;
		return str;
	}
	len = strcspn(str, "=:");
	if (!str[len]) {
		char lbuf[24];
		const char *label = sect_label(p->sect, lbuf, sizeof(lbuf));

		parse_fail(p, "%s%s'%s': expected key=value, [section] or a comment", label,
		           label[0] ? " " : "", str);
		return NULL;
	}
	if (len == 0) {
		parse_fail(p, "'%s': missing key before '%c'", str, str[0]);
		return NULL;
	}
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct where w = { .file = p->name, .line = p->lineno };

	(void)section; /* p->sect, resolved by the reader */
	if (p->rc)
		return 0;
	if (p->sect.kind == SEC_NONE) {
		parse_fail(p, "%s: key outside any section", name);
		return 0;
	}
	p->rc = apply(p->cfg, p->sect, name, value, &w, &p->seen, p->err, p->errlen);
	return p->rc == 0;
}

static int parse_run(struct parse *p)
{
	int r;

	if (p->err && p->errlen)
		p->err[0] = '\0';
	snprintf(p->cfg->file, sizeof(p->cfg->file), "%s", p->name);
	r = ini_parse_stream(reader, p, handler, p);
	free(p->buf);
	p->buf = NULL;
	if (p->rc)
		return p->rc;
	if (r != 0) {
		/* The reader catches what inih rejects; this is a safety net. */
		p->lineno = r > 0 ? (uint32_t)r : 0;
		parse_fail(p, "%s", r == -2 ? "out of memory" : "syntax error");
		return r == -2 ? -ENOMEM : -EINVAL;
	}
	config_derive(p->cfg);
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	p->f = fopen(path, "r");
	if (!p->f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(p);
		return rc;
	}
	p->cfg = cfg;
	p->name = path;
	p->err = err;
	p->errlen = errlen;
	rc = parse_run(p);
	fclose(p->f);
	free(p);
	return rc;
}

int config_load_string(struct config *cfg, const char *name, const char *text, char *err,
                       size_t errlen)
{
	struct parse *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	p->text = text;
	p->cfg = cfg;
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	rc = parse_run(p);
	free(p);
	return rc;
}

/* ---- the command line ---- */

enum cli_opt { OPT_CONF, OPT_PROC_TYPE, OPT_PROC_ID, OPT_SET };

static const struct {
	char short_name; /* 0: none */
	const char *long_name;
} cli_opts[] = {
	[OPT_CONF] = { 'c', "conf" },
	[OPT_PROC_TYPE] = { 't', "proc-type" },
	[OPT_PROC_ID] = { 'p', "proc-id" },
	[OPT_SET] = { 0, "set" },
};

#define CLI_USAGE                                                                            \
	"fastack takes -c/--conf FILE, -t/--proc-type primary|secondary|auto, -p/--proc-id " \
	"N and --set SECTION.KEY=VALUE"

#define OPT_END 100 /* "--": the rest belongs to the application */

/* Reads the option at argv[*i] (advancing *i past its argument).  Returns
 * an enum cli_opt, OPT_END, or -EINVAL with err. */
static int next_opt(int argc, char *const argv[], int *i, const char **val, char *err,
                    size_t errlen)
{
	const char *a = argv[*i], *eq = NULL;
	int opt = -1;

	if (strcmp(a, "--") == 0)
		return OPT_END;
	if (a[0] == '-' && a[1] == '-') {
		size_t n;

		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		for (unsigned o = 0; o < ARRAY_SIZE(cli_opts); o++)
			if (strlen(cli_opts[o].long_name) == n &&
			    strncmp(cli_opts[o].long_name, a + 2, n) == 0)
				opt = (int)o;
		if (opt >= 0 && eq) {
			*val = eq + 1;
			return opt;
		}
	} else if (a[0] == '-' && a[1]) {
		for (unsigned o = 0; o < ARRAY_SIZE(cli_opts); o++)
			if (cli_opts[o].short_name && cli_opts[o].short_name == a[1])
				opt = (int)o;
		if (opt >= 0 && a[2]) {
			*val = a + 2;
			return opt;
		}
	} else {
		return fail(err, errlen, NULL, "unexpected argument '%s' (%s)", a, CLI_USAGE);
	}
	if (opt < 0)
		return fail(err, errlen, NULL, "unknown option '%s' (%s)", a, CLI_USAGE);
	if (*i + 1 >= argc)
		return fail(err, errlen, NULL, "%s: missing its argument", a);
	*val = argv[++*i];
	return opt;
}

/* proc-id N runs on the Nth set bit of lcore_mask (as in F-Stack). */
static int check_proc_id(const struct config *cfg, char *err, size_t errlen)
{
	unsigned n = (unsigned)__builtin_popcountll(cfg->lcore_mask);

	if (cfg->proc_id < n)
		return 0;
	return fail(err, errlen, NULL,
	            "--proc-id %u: lcore_mask 0x%" PRIx64
	            " has %u lcore%s, so proc-id must be 0..%u",
	            cfg->proc_id, cfg->lcore_mask, n, n == 1 ? "" : "s", n ? n - 1 : 0);
}

/* One --set SECTION.KEY=VALUE. */
static int apply_set(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	struct where w = { .line = CFG_LINE_SET, .set = arg };
	char lhs[256], why[256];
	const char *eq = strchr(arg, '='), *key;
	struct sect sc;
	size_t n;

	n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || n == 0 || n >= sizeof(lhs))
		return fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
	memcpy(lhs, arg, n);
	lhs[n] = '\0';
	if (has_prefix(lhs, "freebsd.sysctl.")) {
		lhs[strlen("freebsd.sysctl")] = '\0';
		key = lhs + strlen("freebsd.sysctl") + 1;
	} else {
		char *dot = strchr(lhs, '.');

		if (!dot)
			return fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
		*dot = '\0';
		key = dot + 1;
	}
	if (!*key)
		return fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
	if (sect_resolve(lhs, &sc, why, sizeof(why)) < 0)
		return fail(err, errlen, &w, "[%s]: %s", lhs, why);
	return apply(cfg, sc, key, eq + 1, &w, NULL, err, errlen);
}

int config_from_args(struct config *cfg, int argc, char *const argv[], char *err, size_t errlen)
{
	const char *conf = "config.ini", *val;
	uint64_t u;
	int i, opt, rc;

	if (err && errlen)
		err[0] = '\0';
	/* Pass 1: options, the file. */
	for (i = 1; i < argc; i++) {
		opt = next_opt(argc, argv, &i, &val, err, errlen);
		if (opt < 0)
			return opt;
		if (opt == OPT_END)
			break;
		switch (opt) {
		case OPT_CONF:
			conf = val;
			break;
		case OPT_PROC_TYPE:
			if (strcmp(val, "primary") == 0)
				cfg->proc_type = PROC_PRIMARY;
			else if (strcmp(val, "secondary") == 0)
				cfg->proc_type = PROC_SECONDARY;
			else if (strcmp(val, "auto") == 0)
				cfg->proc_type = PROC_AUTO;
			else
				return fail(err, errlen, NULL,
				            "--proc-type '%s': expected primary, secondary or auto",
				            val);
			break;
		case OPT_PROC_ID:
			rc = cfg_parse_u64(val, &u);
			if (rc < 0 || u > 63)
				return fail(err, errlen, NULL,
				            "--proc-id '%s': expected a number 0..63", val);
			cfg->proc_id = (unsigned)u;
			break;
		case OPT_SET:
			break; /* pass 2 */
		}
	}
	rc = config_load_file(cfg, conf, err, errlen);
	if (rc < 0)
		return rc;
	/* Pass 2: --set overrides, in order, on top of the file. */
	for (i = 1; i < argc; i++) {
		opt = next_opt(argc, argv, &i, &val, err, errlen);
		if (opt == OPT_END)
			break;
		if (opt == OPT_SET) {
			rc = apply_set(cfg, val, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	config_derive(cfg);
	return check_proc_id(cfg, err, errlen);
}

/* ---- validation ---- */

/* Where key id of a section was set (its header when the key was not). */
static struct where where_key(const struct config *cfg, const uint32_t *key_line,
                              uint32_t sect_line, unsigned id)
{
	struct where w = { .file = cfg->file, .line = key_line[id] };

	if (!w.line)
		w.line = sect_line;
	return w;
}

static bool v4_in_net(uint32_t a, uint32_t net, uint32_t mask)
{
	return (a & mask) == (net & mask);
}

static bool v6_in_prefix(const uint8_t *a, const uint8_t *p, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes) != 0)
		return false;
	if (bits) {
		uint8_t m = (uint8_t)(0xff << (8 - bits));

		return (a[bytes] & m) == (p[bytes] & m);
	}
	return true;
}

static bool v4_unicast(uint32_t be)
{
	uint32_t h = ntohl(be);

	/* not 0/8 ("this network"), 127/8 (loopback), 224/4 (multicast) or
	 * 240/4 (reserved, broadcast) -- RFC 1122 3.2.1.3, RFC 5735 */
	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 14;
}

/* "198.18.0.0/24": the network of an interface's IPv4 address. */
static const char *net_str(const struct ifaddr_cfg *ifa, char buf[INET6_ADDRSTRLEN + 4])
{
	uint32_t net = ifa->addr.v4 & ifa->netmask.v4;
	size_t n;

	inet_ntop(AF_INET, &net, buf, INET6_ADDRSTRLEN);
	n = strlen(buf);
	snprintf(buf + n, INET6_ADDRSTRLEN + 4 - n, "/%u", netmask_len(ifa->netmask.v4));
	return buf;
}

/* Checks one interface's addresses.  need4: addr+netmask required. */
static int ifa_validate(const struct config *cfg, const char *label, const struct ifaddr_cfg *ifa,
                        const uint32_t *key_line, uint32_t sect_line, bool need4, char *err,
                        size_t errlen)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 4];
	struct where w;

#define W(id) (w = where_key(cfg, key_line, sect_line, (id)), &w)
	if (ifa->addr.family != AF_INET) {
		if (ifa->netmask.family)
			return fail(err, errlen, W(K_NETMASK), "%s netmask: given without addr",
			            label);
		if (ifa->gateway.family)
			return fail(err, errlen, W(K_GATEWAY), "%s gateway: given without addr",
			            label);
		if (key_line[K_BROADCAST])
			return fail(err, errlen, W(K_BROADCAST), "%s broadcast: given without addr",
			            label);
		if (need4)
			return fail(
			    err, errlen, W(K_ADDR),
			    "%s addr: missing (every port in port_list needs addr and netmask)",
			    label);
	} else {
		uint32_t mask = ifa->netmask.v4;

		if (!v4_unicast(ifa->addr.v4))
			return fail(err, errlen, W(K_ADDR), "%s addr: %s is not a unicast address",
			            label, ip_addr_str(&ifa->addr, a, sizeof(a)));
		if (ifa->netmask.family != AF_INET)
			return fail(err, errlen, W(K_NETMASK),
			            "%s netmask: missing (addr needs one)", label);
		if (ifa->broadcast.family == AF_INET &&
		    !v4_in_net(ifa->broadcast.v4, ifa->addr.v4, mask))
			return fail(err, errlen, W(K_BROADCAST),
			            "%s broadcast: %s is outside the network %s of addr", label,
			            ip_addr_str(&ifa->broadcast, a, sizeof(a)), net_str(ifa, b));
		if (ifa->gateway.family == AF_INET) {
			if (!v4_in_net(ifa->gateway.v4, ifa->addr.v4, mask))
				return fail(err, errlen, W(K_GATEWAY),
				            "%s gateway: %s is outside the network %s of addr",
				            label, ip_addr_str(&ifa->gateway, a, sizeof(a)),
				            net_str(ifa, b));
			if (ifa->gateway.v4 == ifa->addr.v4)
				return fail(err, errlen, W(K_GATEWAY),
				            "%s gateway: %s is the interface's own address", label,
				            ip_addr_str(&ifa->gateway, a, sizeof(a)));
		}
	}
	if (ifa->addr6.family != AF_INET6) {
		if (key_line[K_PREFIX_LEN])
			return fail(err, errlen, W(K_PREFIX_LEN),
			            "%s prefix_len: given without addr6", label);
		if (ifa->gateway6.family)
			return fail(err, errlen, W(K_GATEWAY6), "%s gateway6: given without addr6",
			            label);
	} else {
		if (ip_addr_is_any(&ifa->addr6) || ifa->addr6.v6[0] == 0xff)
			return fail(err, errlen, W(K_ADDR6),
			            "%s addr6: %s is not a unicast address", label,
			            ip_addr_str(&ifa->addr6, a, sizeof(a)));
		if (!key_line[K_PREFIX_LEN])
			return fail(err, errlen, W(K_ADDR6), "%s addr6: needs prefix_len", label);
		if (ifa->gateway6.family == AF_INET6) {
			const uint8_t *g = ifa->gateway6.v6;
			bool link_local = g[0] == 0xfe && (g[1] & 0xc0) == 0x80; /* fe80::/10 */

			if (!link_local && !v6_in_prefix(g, ifa->addr6.v6, ifa->prefix_len6))
				return fail(
				    err, errlen, W(K_GATEWAY6),
				    "%s gateway6: %s is neither link-local nor inside addr6/%u",
				    label, ip_addr_str(&ifa->gateway6, a, sizeof(a)),
				    ifa->prefix_len6);
		}
	}
#undef W
	return 0;
}

static bool port_listed(const struct config *cfg, unsigned port)
{
	for (unsigned i = 0; i < cfg->nb_ports; i++)
		if (cfg->port_list[i] == port)
			return true;
	return false;
}

/* Interfaces in one list, for the checks across them. */
struct ifa_ref {
	char label[24];
	const struct ifaddr_cfg *ifa;
	const uint32_t *key_line;
	uint32_t sect_line;
};

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	struct ifa_ref refs[CFG_MAX_PORTS + CFG_MAX_VLANS];
	char a[INET6_ADDRSTRLEN];
	unsigned nrefs = 0;
	struct where w;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = check_proc_id(cfg, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg->pcap_enable && !cfg->pcap_savepath[0]) {
		w = where_key(cfg, cfg->dpdk_key_line, 0, K_PCAP_SAVEPATH);
		return fail(err, errlen, &w,
		            "[pcap] savepath: empty (enable=1 writes its files there)");
	}
	if (cfg->nb_ports == 0) {
		w = where_key(cfg, cfg->dpdk_key_line, 0, K_PORT_LIST);
		return fail(err, errlen, &w, "[dpdk] port_list: names no port");
	}
	for (unsigned i = 0; i < cfg->nb_ports; i++) {
		unsigned p = cfg->port_list[i];

		if (!cfg->ports[p].present) {
			w = where_key(cfg, cfg->dpdk_key_line, 0, K_PORT_LIST);
			return fail(err, errlen, &w,
			            "[dpdk] port_list: port %u has no [port%u] section%s", p, p,
			            cfg->dpdk_key_line[K_PORT_LIST] ? ""
			                                            : " (port_list defaults to 0)");
		}
	}
	for (unsigned p = 0; p < CFG_MAX_PORTS; p++) {
		const struct port_cfg *pc = &cfg->ports[p];
		struct ifa_ref *r;

		if (!pc->present)
			continue;
		if (!port_listed(cfg, p)) {
			w = (struct where){ .file = cfg->file, .line = pc->line };
			if (!w.line)
				w.line = CFG_LINE_SET;
			return fail(err, errlen, &w, "[port%u]: port %u is not in [dpdk] port_list",
			            p, p);
		}
		r = &refs[nrefs++];
		snprintf(r->label, sizeof(r->label), "[port%u]", p);
		r->ifa = &pc->ifa;
		r->key_line = pc->key_line;
		r->sect_line = pc->line;
		rc = ifa_validate(cfg, r->label, &pc->ifa, pc->key_line, pc->line, true, err,
		                  errlen);
		if (rc < 0)
			return rc;
		if (pc->mtu && (pc->mtu < 68 || (pc->ifa.addr6.family && pc->mtu < 1280))) {
			w = where_key(cfg, pc->key_line, pc->line, K_MTU);
			/* RFC 791: every host takes 68 bytes; RFC 8200 section 5: IPv6 needs 1280. */
			return fail(err, errlen, &w, "[port%u] mtu: %u is below the minimum %u%s",
			            p, pc->mtu, pc->ifa.addr6.family ? 1280 : 68,
			            pc->ifa.addr6.family ? " of IPv6" : "");
		}
	}
	for (unsigned v = 0; v < cfg->nb_vlans; v++) {
		const struct vlan_cfg *vc = &cfg->vlans[v];
		struct ifa_ref *r;

		if (!vc->present)
			continue;
		r = &refs[nrefs++];
		snprintf(r->label, sizeof(r->label), "[vlan%u]", v);
		r->ifa = &vc->ifa;
		r->key_line = vc->key_line;
		r->sect_line = vc->line;
		w = where_key(cfg, vc->key_line, vc->line, K_VLAN_PORT);
		if (!vc->key_line[K_VLAN_PORT])
			return fail(err, errlen, &w,
			            "%s port: missing (the port the VLAN rides on)", r->label);
		if (!port_listed(cfg, vc->port))
			return fail(err, errlen, &w, "%s port: port %u is not in [dpdk] port_list",
			            r->label, vc->port);
		w = where_key(cfg, vc->key_line, vc->line, K_VLAN_ID);
		if (vc->vlan_id < 1 || vc->vlan_id > 4094)
			return fail(err, errlen, &w, "%s vlan_id: missing (1..4094)", r->label);
		for (unsigned o = 0; o < v; o++) {
			const struct vlan_cfg *oc = &cfg->vlans[o];

			if (oc->present && oc->port == vc->port && oc->vlan_id == vc->vlan_id)
				return fail(err, errlen, &w,
				            "%s vlan_id: %u on port %u is already [vlan%u]",
				            r->label, vc->vlan_id, vc->port, o);
		}
		if (vc->ifa.addr.family != AF_INET && vc->ifa.addr6.family != AF_INET6) {
			w = where_key(cfg, vc->key_line, vc->line, K_ADDR);
			return fail(err, errlen, &w,
			            "%s addr: missing (a VLAN needs addr and netmask, or addr6 and "
			            "prefix_len)",
			            r->label);
		}
		rc = ifa_validate(cfg, r->label, &vc->ifa, vc->key_line, vc->line, false, err,
		                  errlen);
		if (rc < 0)
			return rc;
	}
	/* One address, one interface. */
	for (unsigned i = 0; i < nrefs; i++) {
		for (unsigned j = 0; j < i; j++) {
			const struct ip_addr *x[2] = { &refs[i].ifa->addr, &refs[i].ifa->addr6 };
			const struct ip_addr *y[2] = { &refs[j].ifa->addr, &refs[j].ifa->addr6 };

			for (unsigned k = 0; k < 2; k++) {
				if (!x[k]->family || !ip_addr_eq(x[k], y[k]))
					continue;
				w = where_key(cfg, refs[i].key_line, refs[i].sect_line,
				              k ? K_ADDR6 : K_ADDR);
				return fail(err, errlen, &w, "%s %s: %s is also the address of %s",
				            refs[i].label, k ? "addr6" : "addr",
				            ip_addr_str(x[k], a, sizeof(a)), refs[j].label);
			}
		}
	}
	return 0;
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
	if (i < ARRAY_SIZE(cfg_foreign)) {
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
			foreign_ok_str(f, info->range, sizeof(info->range));
		else if (f->ignored || f->sets)
			snprintf(info->range, sizeof(info->range), "%s",
			         f->type == FV_BOOL   ? "0/1, yes/no, on/off, true/false"
			         : f->type == FV_UINT ? "any number"
			                              : "any value");
		return 0;
	}
	i -= (unsigned)ARRAY_SIZE(cfg_foreign);
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
