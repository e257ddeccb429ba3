/* config.h: the parsed configuration (INI file + command line).
 *
 * File format (F-Stack's, where F-Stack has the key; our extensions marked *):
 *
 *   [dpdk]
 *   lcore_mask=1            hex mask of lcores; proc-id N runs on the Nth set bit
 *   channel=4               memory channels (EAL -n); unset: the EAL's choice
 *   promiscuous=1
 *   tx_csum_offoad_skip=0   (sic, F-Stack's spelling) 1 = never use TX csum offload
 *   idle_sleep=0            us to sleep after a loop pass that received nothing
 *   symmetric_rss=1         the symmetric RSS key (0: the device's own)
 *   soft_rss=1            * steer in software where a port has fewer queues than
 *                           stacks or no usable RSS (0: such a port is an error)
 *   port_list=0             ports (ethdev ids, in probe order) the stack uses
 *   nb_mbufs=8191         * mbufs in the packet pool
 *   no_huge=0             * run the EAL without hugepages (--no-huge)
 *   eal_args=             * extra EAL arguments, e.g. --vdev=net_af_xdp0,iface=veth0
 *   log_level=warning     * error|warning|info|debug
 *
 *   [pcap]                  capture every port (F-Stack's section)
 *   enable=0  snaplen=262144  savelen=0  savepath=.
 *
 *   [portN]
 *   addr=198.18.0.1  netmask=255.255.255.0  broadcast=198.18.0.255
 *   gateway=198.18.0.254
 *   addr6=2001:2::1  prefix_len=64  gateway6=2001:2::fe
 *   mtu=1500              * (0 = the PMD's)
 *   pcap=/path/file.pcap  * capture every frame of this port to a pcap file
 *   fault_loss=0.02       * fault injection probabilities (0..1) and delays:
 *   fault_dup=0  fault_reorder=0  fault_corrupt=0
 *   fault_delay_us=0  fault_seed=1  fault_dir=both   (rx|tx|both)
 *
 *   [vlanN]               * a tagged interface (F-Stack's [vlanN] differ: N is the id)
 *   port=0 vlan_id=100 addr=... netmask=... broadcast=... gateway=... addr6=...
 *
 *   [freebsd.sysctl]
 *   <knob name>=<value>     any knob of knobs.h
 *
 * F-Stack keys and sections fastack does not implement ([kni], [freebsd.boot],
 * nb_vdev, tso, FreeBSD sysctls, ...) are listed in config.c: a value that
 * asks for nothing fastack lacks is accepted with a warning (cfg->warn), any
 * other value is an error.
 *
 * Command line (as F-Stack): -c/--conf FILE, -t/--proc-type primary|secondary|auto,
 * -p/--proc-id N; plus --set section.key=value* overrides applied after the file.
 * Any mistake is reported as "file:line: [section] key: what is wrong".
 */
#ifndef FASTACK_STACK_CONFIG_H
#define FASTACK_STACK_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/addr.h"
#include "port/port_fault_cfg.h" /* struct fault_cfg: the [portN] fault_* keys */
#include "stack/knobs.h"

#define CFG_MAX_PORTS 8
#define CFG_MAX_VLANS 16
#define CFG_ERR_LEN 512
/* Where a value came from, kept per key for config_validate's messages: a
 * line of cfg->file, 0 = the default, or CFG_LINE_SET = a --set option. */
#define CFG_KEYS_MAX 48 /* slots per section (config.c checks its table fits) */
#define CFG_LINE_SET UINT32_MAX
#define CFG_WARN_MAX 64 /* warnings kept; more are counted in warn_lost */

struct ifaddr_cfg {
	struct ip_addr addr, netmask, broadcast, gateway; /* IPv4; family 0 if unset */
	struct ip_addr addr6, gateway6;                   /* IPv6; family 0 if unset */
	uint8_t prefix_len6;
};

struct port_cfg {
	bool present; /* a [portN] section was given */
	uint16_t id;  /* N */
	struct ifaddr_cfg ifa;
	uint16_t mtu;
	char pcap[PATH_MAX];
	struct fault_cfg fault;
	uint32_t line;                   /* of its [portN] header (0: none) */
	uint32_t key_line[CFG_KEYS_MAX]; /* per config key: see CFG_LINE_SET */
};

struct vlan_cfg {
	bool present;
	uint16_t port;    /* port id it rides on */
	uint16_t vlan_id; /* 1..4094 */
	struct ifaddr_cfg ifa;
	uint32_t line;                   /* of its [vlanN] header (0: none) */
	uint32_t key_line[CFG_KEYS_MAX]; /* per config key: see CFG_LINE_SET */
};

enum proc_type { PROC_PRIMARY = 0, PROC_SECONDARY, PROC_AUTO };

struct config {
	char file[PATH_MAX];

	/* [dpdk] */
	uint64_t lcore_mask;
	unsigned channel; /* 0: not given */
	bool promiscuous, tx_csum_offload_skip, no_huge;
	bool symmetric_rss, soft_rss; /* several stacks: port_rss.h */
	uint32_t idle_sleep_us;
	uint16_t port_list[CFG_MAX_PORTS];
	unsigned nb_ports;
	unsigned nb_mbufs;
	char eal_args[1024];
	int log_level;
	unsigned memory_mb;               /* EAL -m; 0: not given */
	unsigned fstack_log_level;        /* 0: no log file; 1..8: ff_log_open_set */
	char fstack_log_prefix[PATH_MAX]; /* the file is <prefix><proc-id>.log */
	bool ctl_enable;
	char ctl_dir[80]; /* a socket path holds 108 bytes */
	char ctl_group[64];

	/* [pcap] */
	bool pcap_enable;
	uint32_t pcap_snaplen;
	uint64_t pcap_savelen;
	char pcap_savepath[PATH_MAX];

	uint32_t dpdk_key_line[CFG_KEYS_MAX]; /* [dpdk] and [pcap] keys: see CFG_LINE_SET */

	/* command line */
	enum proc_type proc_type;
	unsigned proc_id;

	struct port_cfg ports[CFG_MAX_PORTS]; /* indexed by port id */
	struct vlan_cfg vlans[CFG_MAX_VLANS];
	unsigned nb_vlans;

	/* [freebsd.sysctl] */
	int64_t knob[KNOB_COUNT];

	/* "file:line: [section] key: ignored: why", one per F-Stack key that was
	 * accepted without effect; ff_init logs them at start-up. */
	char warn[CFG_WARN_MAX][CFG_ERR_LEN];
	unsigned nb_warn, warn_lost;
};

/* Fills cfg with defaults (every knob at its default). */
void config_defaults(struct config *cfg);
/* Parses an INI file into cfg (on top of what is there).  0, or -errno with
 * a message "file:line: [section] key: reason" in err. */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);
/* Same, from a string (tests); name is used in messages. */
int config_load_string(struct config *cfg, const char *name, const char *text, char *err,
                       size_t errlen);
/* Parses F-Stack's command line (--conf, --proc-type, --proc-id, --set);
 * loads the file named by --conf (default "config.ini").  0 or -errno + err. */
int config_from_args(struct config *cfg, int argc, char *const argv[], char *err, size_t errlen);
/* Cross-checks (port_list names configured ports, addresses inside their
 * networks, ...).  0 or -EINVAL + err. */
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* Refuses a valid configuration this build cannot run yet: an lcore_mask
 * of several lcores (one stack per queue: multi-core is not done).  0 or
 * -EINVAL + err naming the key and the fix. */
int config_check_runnable(const struct config *cfg, char *err, size_t errlen);

/* Writes cfg as a configuration file that loads back into the same values
 * (debugging; `fastack` tools). */
void config_dump(const struct config *cfg, FILE *f);

/* One row of the configuration key table, for generated documentation
 * (tools/gen_knobs_doc.c -> docs/knobs.md).  Rows of keys fastack
 * implements come first (foreign false), then the F-Stack keys and sections
 * it does not (foreign true; def, unit and desc ""). */
struct config_key_info {
	const char *section; /* "dpdk", "pcap", "portN", "vlanN", "portN, vlanN"; for a
	                        foreign key or section "[name]", "[a], [b]" */
	const char *name;    /* "" for a whole foreign section */
	const char *def;     /* as written in a file; "" = unset */
	const char *unit;    /* may be "" */
	const char *desc;
	char range[64]; /* accepted values; foreign: those accepted and ignored
	                   ("" when none is) */
	bool foreign;
	const char *ignored; /* foreign: why the values of range have no effect */
	const char *refused; /* foreign: why other values are errors; NULL: none are */
	const char *sets;    /* foreign: the knob it sets instead, or NULL */
};
/* Fills info with row i; 0, or -ENOENT past the last row. */
int config_key_info(unsigned i, struct config_key_info *info);

#endif
