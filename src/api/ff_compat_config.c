/* ff_compat_config.c: ff_global_cfg (include/ff_config.h), F-Stack's view
 * of the configuration, filled once by ff_init; and F-Stack's log file
 * ([dpdk] fstack_log_level, ff_log_open_set in ff_log.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ff_config.h"
#include "ff_log.h"

#include "api/api.h"
#include "stack/config.h"

struct ff_config ff_global_cfg;

/* The strings and the port list ff_global_cfg points at. */
static struct {
	char file[PATH_MAX];
	char mask[24];
	char proc_type[16];
	char prefix[PATH_MAX];
	char savepath[PATH_MAX];
	uint16_t ports[CFG_MAX_PORTS];
} store;

void api_compat_config_fill(const struct config *cfg)
{
	struct ff_config *g = &ff_global_cfg;
	FILE *open_log = g->log.f;

	memset(g, 0, sizeof(*g));
	snprintf(store.file, sizeof(store.file), "%s", cfg->file);
	snprintf(store.mask, sizeof(store.mask), "%" PRIx64, cfg->lcore_mask);
	snprintf(store.proc_type, sizeof(store.proc_type), "%s",
	         cfg->proc_type == PROC_SECONDARY ? "secondary"
	         : cfg->proc_type == PROC_AUTO    ? "auto"
	                                          : "primary");
	snprintf(store.prefix, sizeof(store.prefix), "%s", cfg->fstack_log_prefix);
	snprintf(store.savepath, sizeof(store.savepath), "%s", cfg->pcap_savepath);
	memcpy(store.ports, cfg->port_list, sizeof(store.ports));

	g->filename = store.file;
	g->dpdk.proc_type = store.proc_type;
	g->dpdk.lcore_mask = store.mask;
	g->dpdk.nb_channel = (int)cfg->channel;
	g->dpdk.memory = (int)cfg->memory_mb;
	g->dpdk.no_huge = cfg->no_huge;
	g->dpdk.nb_procs = __builtin_popcountll(cfg->lcore_mask);
	g->dpdk.proc_id = (int)cfg->proc_id;
	g->dpdk.promiscuous = cfg->promiscuous;
	g->dpdk.numa_on = 1;
	g->dpdk.tx_csum_offoad_skip = cfg->tx_csum_offload_skip;
	g->dpdk.idle_sleep = cfg->idle_sleep_us;
	g->dpdk.nb_ports = (int)cfg->nb_ports;
	g->dpdk.portid_list = store.ports;
	g->log.level = (int)cfg->fstack_log_level;
	g->log.dir = store.prefix;
	g->log.f = open_log;
	g->pcap.enable = cfg->pcap_enable;
	g->pcap.snap_len = cfg->pcap_snaplen;
	g->pcap.save_len =
	    (uint32_t)(cfg->pcap_savelen > UINT32_MAX ? UINT32_MAX : cfg->pcap_savelen);
	g->pcap.save_path = store.savepath;
	g->freebsd.hz = 1000;
	if (g->log.level > 0)
		ff_log_open_set();
}
