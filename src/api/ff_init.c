/* ff_init.c: ff_init / ff_run / ff_stop_run, and the counter and knob
 * extensions (ff_stats_*, ff_sysctl_knob).
 *
 * ff_init: configuration (file + command line) -> EAL -> packet pool ->
 * ports (configured by the primary process, opened by every process on the
 * queue of its proc-id) -> stack with its netifs and routes.  Every failure
 * prints one clear line and returns -1; nothing half-made is left running.
 *
 * ff_run: the poll loop (DESIGN.md principle 1): read the clock once, RX and
 * the stack, timers, the application's loop function, TX flush; then, if
 * the pass received nothing and [dpdk] idle_sleep is set, sleep that long
 * (F-Stack's power saving: latency for CPU).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ff_api.h"

#include "base/log.h"
#include "base/pkt.h"
#include "port/port_dpdk.h"
#include "port/port_fault.h"
#include "port/port_pcap.h"
#include "stack/stack.h"

#define EAL_MAX_ARGS 64

/* Splits cfg->eal_args on white space into argv (in buf). */
static int split_args(char *buf, char **argv, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -E2BIG;
		argv[n++] = tok;
	}
	return n;
}

/* The index of the proc_id-th set bit of mask, or -1. */
static int nth_lcore(uint64_t mask, unsigned n)
{
	for (int bit = 0; bit < 64; bit++)
		if ((mask >> bit) & 1) {
			if (n == 0)
				return bit;
			n--;
		}
	return -1;
}

static int eal_start(const struct config *cfg, char *extra)
{
	char *argv[EAL_MAX_ARGS];
	char lcore[16], proc[32], mem[32], prefix[64], channels[16];
	int argc = 0, n, lc;

	lc = nth_lcore(cfg->lcore_mask, cfg->proc_id);
	if (lc < 0) {
		fprintf(stderr, "fastack: proc-id %u has no lcore in lcore_mask 0x%" PRIx64 "\n",
		        cfg->proc_id, cfg->lcore_mask);
		return -EINVAL;
	}
	snprintf(lcore, sizeof(lcore), "%d", lc);
	argv[argc++] = "fastack";
	argv[argc++] = "-l";
	argv[argc++] = lcore;
	argv[argc++] = "--log-level=lib.eal:error";
	argv[argc++] = "--no-telemetry";
	snprintf(proc, sizeof(proc), "--proc-type=%s",
	         cfg->proc_type == PROC_SECONDARY ? "secondary"
	         : cfg->proc_type == PROC_AUTO    ? "auto"
	                                          : "primary");
	argv[argc++] = proc;
	if (cfg->channel) {
		snprintf(channels, sizeof(channels), "-n%u", cfg->channel);
		argv[argc++] = channels;
	}
	if (cfg->no_huge) {
		argv[argc++] = "--no-huge";
		snprintf(mem, sizeof(mem), "-m%u", 256 + cfg->nb_mbufs / 256);
		argv[argc++] = mem;
	}
	/* Where no prefix is given: one process alone keeps no files behind
	 * (--in-memory; with --no-huge, which refuses --in-memory, a private
	 * prefix and no shared config); several processes share "fastack". */
	if (!strstr(cfg->eal_args, "--file-prefix") && !strstr(cfg->eal_args, "--in-memory")) {
		bool alone =
		    __builtin_popcountll(cfg->lcore_mask) == 1 && cfg->proc_type == PROC_PRIMARY;
		if (alone && !cfg->no_huge) {
			argv[argc++] = "--in-memory";
		} else if (alone) {
			snprintf(prefix, sizeof(prefix), "--file-prefix=fastack-%d", (int)getpid());
			argv[argc++] = prefix;
			argv[argc++] = "--no-shconf";
		} else {
			argv[argc++] = "--file-prefix=fastack";
		}
	}
	n = split_args(extra, argv + argc, EAL_MAX_ARGS - argc - 1);
	if (n < 0) {
		fprintf(stderr, "fastack: [dpdk] eal_args: too many arguments\n");
		return n;
	}
	argc += n;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "fastack: EAL initialisation failed: %s\n",
		        rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static struct port *open_port(const struct config *cfg, struct rte_mempool **pools,
                              unsigned nqueues, uint16_t port_id)
{
	const struct port_cfg *pc = &cfg->ports[port_id];
	struct port_dpdk_conf dc;
	char err[CFG_ERR_LEN];
	struct port *p;

	port_dpdk_conf_from_config(&dc, cfg, port_id);
	if (rte_eal_process_type() == RTE_PROC_PRIMARY &&
	    port_dpdk_setup(port_id, (uint16_t)nqueues, pools, &dc, err, sizeof(err)) < 0) {
		fprintf(stderr, "fastack: port %u: %s\n", port_id, err);
		return NULL;
	}
	p = port_dpdk_open(port_id, (uint16_t)cfg->proc_id, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "fastack: port %u: %s\n", port_id, err);
		return NULL;
	}
	if (fault_cfg_active(&pc->fault)) {
		struct port *w = port_fault_wrap(p, &pc->fault);
		if (!w) {
			fprintf(stderr, "fastack: port %u: cannot set up fault injection\n",
			        port_id);
			port_close(p);
			return NULL;
		}
		p = w;
	}
	if (pc->pcap[0] || cfg->pcap_enable) {
		struct port_pcap_conf pcf = { .path = pc->pcap,
			                      .snaplen = cfg->pcap_snaplen,
			                      .savelen = cfg->pcap_savelen };
		char path[PATH_MAX];
		struct port *w;

		/* [pcap] enable=1: F-Stack's cpu<lcore> names, one file per port. */
		if (!pc->pcap[0]) {
			int n =
			    snprintf(path, sizeof(path), "%s/cpu%d_port%u.pcap", cfg->pcap_savepath,
			             nth_lcore(cfg->lcore_mask, cfg->proc_id), port_id);
			if (n < 0 || (size_t)n >= sizeof(path)) {
				fprintf(stderr, "fastack: port %u: [pcap] savepath: too long\n",
				        port_id);
				port_close(p);
				return NULL;
			}
			pcf.path = path;
		}
		w = port_pcap_wrap_conf(p, &pcf, err, sizeof(err));
		if (!w) {
			fprintf(stderr, "fastack: port %u: pcap: %s\n", port_id, err);
			port_close(p);
			return NULL;
		}
		p = w;
	}
	return p;
}

/* Pools: one per stack (proc-id), named so every process finds its own. */
static struct rte_mempool *pool_get(const struct config *cfg, unsigned idx)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	snprintf(name, sizeof(name), "fastack_pool_%u", idx);
	mp = rte_mempool_lookup(name);
	if (mp)
		return mp;
	mp = rte_pktmbuf_pool_create(name, cfg->nb_mbufs, 256, PKT_PRIV_SIZE,
	                             RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!mp)
		fprintf(stderr, "fastack: cannot create packet pool (%u mbufs): %s\n",
		        cfg->nb_mbufs, rte_strerror(rte_errno));
	return mp;
}

int ff_init(int argc, char *const argv[])
{
	static struct config cfg; /* read-only after ff_init */
	struct rte_mempool *pools[RTE_MAX_LCORE] = { 0 };
	char err[CFG_ERR_LEN], extra[sizeof(cfg.eal_args)];
	unsigned nqueues, i;
	struct stack *s;
	int rc;

	if (stack_current()) {
		fprintf(stderr, "fastack: ff_init called twice\n");
		errno = EALREADY;
		return -1;
	}
	config_defaults(&cfg);
	if (config_from_args(&cfg, argc, argv, err, sizeof(err)) < 0 ||
	    config_validate(&cfg, err, sizeof(err)) < 0 ||
	    config_check_runnable(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fastack: %s\n", err);
		errno = EINVAL;
		return -1;
	}
	/* Before any stack exists, as log.h requires. */
	if (log_set_level((enum log_level)cfg.log_level) < 0) {
		fprintf(stderr, "fastack: ff_init called while a stack exists\n");
		errno = EBUSY;
		return -1;
	}
	for (i = 0; i < cfg.nb_warn; i++)
		LOG_WARN("%s", cfg.warn[i]);
	if (cfg.warn_lost)
		LOG_WARN("%s: %u more warnings not shown", cfg.file, cfg.warn_lost);
	snprintf(extra, sizeof(extra), "%s", cfg.eal_args);
	rc = eal_start(&cfg, extra);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	nqueues = (unsigned)__builtin_popcountll(cfg.lcore_mask);
	if (rte_eal_process_type() == RTE_PROC_PRIMARY) {
		for (i = 0; i < nqueues; i++)
			if (!(pools[i] = pool_get(&cfg, i)))
				goto fail_eal;
	} else if (!(pools[cfg.proc_id] = pool_get(&cfg, cfg.proc_id))) {
		goto fail_eal;
	}
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "fastack: no DPDK port found (name one with [dpdk] eal_args, e.g. "
		                "--vdev=net_af_packet0,iface=veth0)\n");
		goto fail_eal;
	}
	s = stack_create(cfg.proc_id, pools[cfg.proc_id], cfg.knob, stack_clock_ns());
	if (!s) {
		fprintf(stderr, "fastack: cannot create the stack: %s\n", strerror(errno));
		goto fail_eal;
	}
	stack_set_current(s);
	s->idle_sleep_us = cfg.idle_sleep_us;
	for (i = 0; i < cfg.nb_ports; i++) {
		uint16_t pid = cfg.port_list[i];
		struct port *p;
		int idx;

		if (!rte_eth_dev_is_valid_port(pid)) {
			fprintf(stderr,
			        "fastack: port_list names port %u, but DPDK has %u port(s)\n", pid,
			        rte_eth_dev_count_avail());
			goto fail_stack;
		}
		p = open_port(&cfg, pools, nqueues, pid);
		if (!p)
			goto fail_stack;
		idx = stack_add_port(s, p);
		if (idx < 0) {
			port_close(p);
			fprintf(stderr, "fastack: port %u: %s\n", pid, strerror(-idx));
			goto fail_stack;
		}
		rc = stack_set_ifaddr(s, (unsigned)idx, &cfg.ports[pid].ifa);
		if (rc < 0) {
			fprintf(stderr, "fastack: port %u: addresses: %s\n", pid, strerror(-rc));
			goto fail_stack;
		}
		for (unsigned v = 0; v < cfg.nb_vlans; v++) {
			const struct vlan_cfg *vc = &cfg.vlans[v];
			if (!vc->present || vc->port != pid)
				continue;
			rc = stack_add_netif(s, p, vc->vlan_id, &vc->ifa);
			if (rc < 0) {
				fprintf(stderr, "fastack: vlan %u on port %u: %s\n", vc->vlan_id,
				        pid, strerror(-rc));
				goto fail_stack;
			}
		}
	}
	/* Send the gratuitous ARPs now rather than at the first pass. */
	stack_pass_end(s);
	return 0;

fail_stack:
	stack_destroy(s);
fail_eal:
	rte_eal_cleanup();
	errno = EINVAL;
	return -1;
}

static void loop_time_add(struct stack *s, bool busy, uint64_t ns)
{
	if (busy)
		s->stats.loop_busy_ns += ns;
	else
		s->stats.loop_idle_ns += ns;
}

/* [dpdk] idle_sleep: a syscall, on idle passes only. */
static void idle_sleep(uint32_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

void ff_run(loop_func_t loop, void *arg)
{
	struct stack *s = stack_current();

	if (!s) {
		fprintf(stderr, "fastack: ff_run before ff_init\n");
		return;
	}
	/*
	 * The clock is read once per pass (s->clock_ns): the reading that ends
	 * a pass, whose time goes to busy or idle by whether it received
	 * anything, is also the next pass's now.  An idle_sleep is idle time.
	 */
	uint64_t now = s->clock_ns();

	s->stop = false;
	while (!s->stop) {
		bool busy = stack_pass_begin(s, now) != 0;
		uint64_t next;

		if (loop)
			loop(arg);
		stack_pass_end(s);
		if (!busy && s->idle_sleep_us && !s->stop) {
			s->stats.loop_sleeps++;
			idle_sleep(s->idle_sleep_us);
		}
		next = s->clock_ns();
		loop_time_add(s, busy, next - now);
		now = next;
	}
}

void ff_stop_run(void)
{
	struct stack *s = stack_current();

	if (s)
		s->stop = true;
}

/* ---- counters ---- */

int ff_stats_foreach(ff_stat_fn fn, void *arg)
{
	struct stack *s = stack_current();
	char name[96];
	int n = 0;

	if (!s || !fn) {
		errno = s ? EINVAL : ENXIO;
		return -1;
	}
	for (unsigned g = 0; g < stack_counter_ngroups; g++) {
		const struct counter_group *cg = &stack_counter_groups[g];
		const uint64_t *base =
		    (const uint64_t *)(const void *)((const char *)&s->stats + cg->offset);
		for (unsigned i = 0; i < cg->n; i++, n++) {
			snprintf(name, sizeof(name), "%s.%s", cg->name, cg->descs[i].name);
			fn(name, base[i], cg->descs[i].desc, arg);
		}
	}
	return n;
}

struct stat_find {
	const char *name;
	uint64_t *value;
	bool found;
};

static void stat_find_fn(const char *name, uint64_t value, const char *desc, void *arg)
{
	struct stat_find *f = arg;

	(void)desc;
	if (strcmp(name, f->name) == 0) {
		*f->value = value;
		f->found = true;
	}
}

int ff_stats_get(const char *name, uint64_t *value)
{
	struct stat_find f = { name, value, false };

	if (!name || !value) {
		errno = EINVAL;
		return -1;
	}
	if (ff_stats_foreach(stat_find_fn, &f) < 0)
		return -1;
	if (!f.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static void stat_print_fn(const char *name, uint64_t value, const char *desc, void *arg)
{
	if (value)
		fprintf(arg, "%-32s %14" PRIu64 "  %s\n", name, value, desc);
}

void ff_stats_print(void *f)
{
	ff_stats_foreach(stat_print_fn, f ? f : stdout);
}

int ff_pool_info(struct ff_pool_info *pi)
{
	struct stack *s = stack_current();

	if (!s || !pi) {
		errno = s ? EINVAL : ENXIO;
		return -1;
	}
	pi->size = s->mem.size;
	pi->free = stack_mem_free_now(s);
	pi->free_lowest = s->mem.free_lowest < pi->free ? s->mem.free_lowest : pi->free;
	pi->level = s->mem.level;
	return 0;
}

int ff_sysctl_knob(const char *name, int64_t *oldval, const int64_t *newval)
{
	struct stack *s = stack_current();
	int id;

	if (!s) {
		errno = ENXIO;
		return -1;
	}
	if (!name || (id = knob_find(name)) < 0) {
		errno = ENOENT;
		return -1;
	}
	if (oldval)
		*oldval = s->knob[id];
	if (newval) {
		if (*newval < knob_table[id].min || *newval > knob_table[id].max) {
			errno = ERANGE;
			return -1;
		}
		s->knob[id] = *newval;
		stack_mem_set_limits(s); /* the fastack.mem.* knobs take effect at once */
	}
	return 0;
}
