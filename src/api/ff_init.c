/* ff_init.c: ff_init / ff_run / ff_stop_run, and the counter and knob
 * extensions (ff_stats_*, ff_sysctl_knob).
 *
 * ff_init: configuration (file + command line) -> api_proc_start(): EAL
 * on the lcores of the mask -> packet pools (one per stack) -> per stack i:
 * queue i of every port (the ports configured with N queues by the primary
 * process), netifs and routes -> the process context (stack/proc.h).  Every
 * failure prints one clear line and returns -1; nothing half-made is left
 * running.
 *
 * ff_run: the poll loop (DESIGN.md principle 1): read the clock once, RX and
 * the stack, timers, the application's loop function, TX flush; then, if
 * the pass received nothing and [dpdk] idle_sleep is set, sleep that long
 * (F-Stack's power saving: latency for CPU).  In threads mode it runs on
 * every lcore of the process, one stack each (see ff_run below).
 */
#include <errno.h>
#include <grp.h>
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
#include "ctl/ctl.h"
#include "base/pkt.h"
#include "port/port_dpdk.h"
#include "port/port_fault.h"
#include "port/port_pcap.h"
#include "stack/proc.h"
#include "stack/stack.h"
#include "stack/steer.h"
#include "api/api.h"

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

/* The stacks this process runs: one per lcore of the mask (threads mode;
 * with one lcore, the one stack of processes mode too: docs/ARCHITECTURE.md
 * "Process and lcore"). */
static unsigned proc_nstacks(const struct config *cfg)
{
	return (unsigned)__builtin_popcountll(cfg->lcore_mask);
}

static int eal_start(const struct config *cfg, char *extra)
{
	char *argv[EAL_MAX_ARGS];
	char lcore[PROC_MAX_STACKS * 4], proc[32], mem[32], prefix[64], channels[16];
	int argc = 0, n, lc;
	size_t off = 0;

	/* -l: the lcores of this process's stacks; the first is the main
	 * lcore, the calling thread's. */
	for (unsigned i = 0; i < proc_nstacks(cfg); i++) {
		lc = nth_lcore(cfg->lcore_mask, i);
		off += (size_t)snprintf(lcore + off, sizeof(lcore) - off, "%s%d", i ? "," : "", lc);
	}
	if (nth_lcore(cfg->lcore_mask, cfg->proc_id) < 0) {
		fprintf(stderr, "fastack: proc-id %u has no lcore in lcore_mask 0x%" PRIx64 "\n",
		        cfg->proc_id, cfg->lcore_mask);
		return -EINVAL;
	}
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
	if (cfg->no_huge)
		argv[argc++] = "--no-huge";
	if (cfg->memory_mb || cfg->no_huge) {
		/* [dpdk] memory= (F-Stack's -m), or enough for the pools. */
		snprintf(mem, sizeof(mem), "-m%u",
		         cfg->memory_mb ? cfg->memory_mb : 256 + cfg->nb_mbufs / 256);
		argv[argc++] = mem;
	}
	/* Where no prefix is given: one process alone keeps no files behind
	 * (--in-memory; with --no-huge, which refuses --in-memory, a private
	 * prefix and no shared config); several processes share "fastack".  A
	 * primary runs the stacks of every lcore of the mask: it is alone. */
	if (!strstr(cfg->eal_args, "--file-prefix") && !strstr(cfg->eal_args, "--in-memory")) {
		bool alone = cfg->proc_type == PROC_PRIMARY;
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

/* How each ethdev port spreads frames over the stacks (port_rss.h):
 * written by ports_setup before any stack exists, read-only afterwards. */
static struct port_rss port_rss[RTE_MAX_ETHPORTS];

/* Per process: the primary configures every port of port_list with one
 * queue per stack (fewer, and software RSS, where the device has fewer),
 * queue i taking its buffers from pool i. */
static int ports_setup(const struct config *cfg, struct rte_mempool **pools, unsigned nqueues)
{
	char err[CFG_ERR_LEN];

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	for (unsigned k = 0; k < cfg->nb_ports; k++) {
		uint16_t pid = cfg->port_list[k];
		struct port_dpdk_conf dc;

		port_dpdk_conf_from_config(&dc, cfg, pid);
		dc.rss = &port_rss[pid];
		if (port_dpdk_setup(pid, (uint16_t)nqueues, pools, &dc, err, sizeof(err)) < 0) {
			fprintf(stderr, "fastack: port %u: %s\n", pid, err);
			return -EINVAL;
		}
	}
	return 0;
}

/* Per lcore: queue `queue` of port port_id (set up by ports_setup), with the
 * wrappers the configuration asks for.  With several stacks the port gets
 * the device's RSS (port_rss.h); a stack beyond the device's queues gets a
 * proxy port that sends through stack (queue % queues) (stack/steer.h). */
static struct port *open_port(const struct config *cfg, uint16_t port_id, unsigned queue,
                              unsigned nstacks)
{
	const struct port_cfg *pc = &cfg->ports[port_id];
	const struct port_rss *rss = nstacks > 1 ? &port_rss[port_id] : NULL;
	unsigned nq = rss && rss->nqueues ? rss->nqueues : nstacks;
	char err[CFG_ERR_LEN];
	struct port *p;

	p = port_dpdk_open(port_id, (uint16_t)(queue % nq), err, sizeof(err));
	if (!p) {
		fprintf(stderr, "fastack: port %u: %s\n", port_id, err);
		return NULL;
	}
	p->rss = rss;
	if (queue >= nq) {
		struct port *w = steer_proxy_wrap(p, queue % nq);

		if (!w) {
			fprintf(stderr, "fastack: port %u: out of memory\n", port_id);
			port_close(p);
			return NULL;
		}
		p = w;
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
			             nth_lcore(cfg->lcore_mask, queue), port_id);
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
	p->rss = rss;
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

/* Stack i: its pool, its queue i on every port, addresses, VLANs. */
static struct stack *stack_start(const struct config *cfg, struct rte_mempool *pool, unsigned i,
                                 unsigned nstacks)
{
	struct stack *s;
	int rc;

	s = stack_create(i, pool, cfg->knob, stack_clock_ns());
	if (!s) {
		fprintf(stderr, "fastack: cannot create stack %u: %s\n", i, strerror(errno));
		return NULL;
	}
	s->idle_sleep_us = cfg->idle_sleep_us;
	for (unsigned k = 0; k < cfg->nb_ports; k++) {
		uint16_t pid = cfg->port_list[k];
		struct port *p;
		int idx;

		p = open_port(cfg, pid, i, nstacks);
		if (!p)
			goto fail;
		idx = stack_add_port(s, p);
		if (idx < 0) {
			port_close(p);
			fprintf(stderr, "fastack: port %u: %s\n", pid, strerror(-idx));
			goto fail;
		}
		rc = stack_set_ifaddr(s, (unsigned)idx, &cfg->ports[pid].ifa);
		if (rc < 0) {
			fprintf(stderr, "fastack: port %u: addresses: %s\n", pid, strerror(-rc));
			goto fail;
		}
		for (unsigned v = 0; v < cfg->nb_vlans; v++) {
			const struct vlan_cfg *vc = &cfg->vlans[v];
			if (!vc->present || vc->port != pid)
				continue;
			rc = stack_add_netif(s, p, vc->vlan_id, &vc->ifa);
			if (rc < 0) {
				fprintf(stderr, "fastack: vlan %u on port %u: %s\n", vc->vlan_id,
				        pid, strerror(-rc));
				goto fail;
			}
		}
	}
	return s;
fail:
	stack_destroy(s);
	return NULL;
}

/* The process's control channel: lives as long as the process, like the
 * process context; its socket file is removed at exit. */
static struct ctl *proc_ctl;

static void ctl_unlink_at_exit(void)
{
	if (proc_ctl)
		unlink(ctl_path(proc_ctl));
}

/* The control channel of the process (ctl/ctl.h): named after the DPDK file
 * prefix and the proc-id.  A process that cannot serve it still runs: the
 * warning says why. */
static void ctl_start(const struct config *cfg, struct stack *const *stacks, unsigned n)
{
	struct ctl_opts o = { .dir = cfg->ctl_dir };
	const char *rt = rte_eal_get_runtime_dir(), *base = strrchr(rt, '/');
	char name[96], err[256];

	if (!cfg->ctl_enable)
		return;
	if (strstr(cfg->eal_args, "--file-prefix") || cfg->proc_type != PROC_PRIMARY)
		snprintf(name, sizeof(name), "%s.%u", base ? base + 1 : rt, cfg->proc_id);
	else
		snprintf(name, sizeof(name), "fastack-%d.%u", (int)getpid(), cfg->proc_id);
	o.name = name;
	if (cfg->ctl_group[0]) {
		struct group *g = getgrnam(cfg->ctl_group);

		if (!g) {
			LOG_WARN("control channel off: [dpdk] ctl_group: no group '%s'",
			         cfg->ctl_group);
			return;
		}
		o.gid = g->gr_gid;
		o.group_set = true;
	}
	proc_ctl = ctl_open(stacks, n, &o, err, sizeof(err));
	if (!proc_ctl) {
		LOG_WARN("control channel off: %s", err);
		return;
	}
	atexit(ctl_unlink_at_exit);
}

int api_proc_start(const struct config *cfg)
{
	struct rte_mempool *pools[RTE_MAX_LCORE] = { 0 };
	struct proc pc = { .cfg = cfg };
	char extra[sizeof(cfg->eal_args)];
	unsigned nqueues, i;
	int rc;

	if (proc_get()->nstacks || stack_current()) {
		fprintf(stderr, "fastack: ff_init called twice\n");
		errno = EALREADY;
		return -1;
	}
	/* Before any stack exists, as log.h requires. */
	if (log_set_level((enum log_level)cfg->log_level) < 0) {
		fprintf(stderr, "fastack: ff_init called while a stack exists\n");
		errno = EBUSY;
		return -1;
	}
	for (i = 0; i < cfg->nb_warn; i++)
		LOG_WARN("%s", cfg->warn[i]);
	if (cfg->warn_lost)
		LOG_WARN("%s: %u more warnings not shown", cfg->file, cfg->warn_lost);
	snprintf(extra, sizeof(extra), "%s", cfg->eal_args);
	rc = eal_start(cfg, extra);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	nqueues = (unsigned)__builtin_popcountll(cfg->lcore_mask);
	if (nqueues > PROC_MAX_STACKS || nqueues > RTE_MAX_LCORE) {
		fprintf(stderr, "fastack: lcore_mask 0x%" PRIx64 ": more than %u lcores\n",
		        cfg->lcore_mask,
		        RTE_MAX_LCORE < PROC_MAX_STACKS ? RTE_MAX_LCORE : PROC_MAX_STACKS);
		goto fail_eal;
	}
	if (rte_eal_process_type() == RTE_PROC_PRIMARY) {
		for (i = 0; i < nqueues; i++)
			if (!(pools[i] = pool_get(cfg, i)))
				goto fail_eal;
	} else if (!(pools[cfg->proc_id] = pool_get(cfg, cfg->proc_id))) {
		goto fail_eal;
	}
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "fastack: no DPDK port found (name one with [dpdk] eal_args, e.g. "
		                "--vdev=net_af_packet0,iface=veth0)\n");
		goto fail_eal;
	}
	for (i = 0; i < cfg->nb_ports; i++)
		if (!rte_eth_dev_is_valid_port(cfg->port_list[i])) {
			fprintf(stderr,
			        "fastack: port_list names port %u, but DPDK has %u port(s)\n",
			        cfg->port_list[i], rte_eth_dev_count_avail());
			goto fail_eal;
		}
	if (ports_setup(cfg, pools, nqueues) < 0)
		goto fail_eal;
	/* One stack per lcore of this process (stacks_of() in eal_start). */
	pc.nstacks = proc_nstacks(cfg);
	for (i = 0; i < pc.nstacks; i++) {
		pc.lcore[i] = (unsigned)nth_lcore(cfg->lcore_mask, i);
		pc.stacks[i] = stack_start(cfg, pools[i], i, pc.nstacks);
		if (!pc.stacks[i])
			goto fail_stacks;
	}
	if (pc.nstacks > 1 && (rc = steer_link(pc.stacks, pc.nstacks)) < 0) {
		fprintf(stderr, "fastack: cannot link the %u stacks: %s\n", pc.nstacks,
		        strerror(-rc));
		goto fail_stacks;
	}
	rc = proc_set(&pc);
	if (rc < 0) {
		fprintf(stderr, "fastack: process context: %s\n", strerror(-rc));
		if (pc.nstacks > 1)
			steer_unlink(pc.stacks, pc.nstacks);
		goto fail_stacks;
	}
	/* Send the gratuitous ARPs now rather than at the first pass (once
	 * linked: a stack without a queue sends through another's ring). */
	for (i = 0; i < pc.nstacks; i++)
		stack_pass_end(pc.stacks[i]);
	stack_set_current(pc.stacks[0]); /* the calling thread runs stack 0 */
	ctl_start(cfg, pc.stacks, pc.nstacks);
	return 0;

fail_stacks:
	while (i-- > 0)
		stack_destroy(pc.stacks[i]);
fail_eal:
	rte_eal_cleanup();
	errno = EINVAL;
	return -1;
}

int ff_init(int argc, char *const argv[])
{
	static struct config cfg; /* read-only after ff_init (the process context's) */
	char err[CFG_ERR_LEN];

	if (proc_get()->nstacks || stack_current()) {
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
	if (api_proc_start(&cfg) < 0)
		return -1;
	api_compat_config_fill(&cfg); /* ff_global_cfg, F-Stack's log file */
	return 0;
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

/* The poll loop of one stack, on the calling thread, until its stop flag. */
static void stack_loop(struct stack *s, loop_func_t loop, void *arg)
{
	/*
	 * The clock is read once per pass (s->clock_ns): the reading that ends
	 * a pass, whose time goes to busy or idle by whether it received
	 * anything, is also the next pass's now.  An idle_sleep is idle time.
	 */
	uint64_t now = s->clock_ns();

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		bool busy = stack_pass_begin(s, now) != 0;
		uint64_t next;

		if (loop)
			loop(arg);
		stack_pass_end(s);
		ctl_poll(s);
		if (!busy && s->idle_sleep_us && !s->stop) {
			s->stats.loop_sleeps++;
			idle_sleep(s->idle_sleep_us);
		}
		next = s->clock_ns();
		loop_time_add(s, busy, next - now);
		now = next;
	}
}

struct lcore_run {
	struct stack *s;
	loop_func_t loop;
	void *arg;
};

/* A worker lcore of threads mode: its stack becomes the thread's own. */
static int lcore_main(void *arg)
{
	struct lcore_run *r = arg;

	stack_set_current(r->s);
	stack_loop(r->s, r->loop, r->arg);
	return 0;
}

static void stop_all(const struct proc *pc)
{
	for (unsigned i = 0; i < pc->nstacks; i++)
		__atomic_store_n(&pc->stacks[i]->stop, true, __ATOMIC_RELEASE);
}

/*
 * Threads mode: called on the main lcore (stack 0's thread) with several
 * stacks in the process context, ff_run launches the loop on every other
 * lcore (rte_eal_remote_launch), runs stack 0's itself, and returns when
 * every loop has stopped.  Anywhere else (one stack, or a stack a test made)
 * it runs the calling thread's stack only.
 */
void ff_run(loop_func_t loop, void *arg)
{
	static struct lcore_run runs[PROC_MAX_STACKS];
	const struct proc *pc = proc_get();
	struct stack *s = stack_current();
	unsigned launched = 1;

	if (!s) {
		fprintf(stderr, "fastack: ff_run before ff_init\n");
		return;
	}
	if (pc->nstacks < 2 || pc->stacks[0] != s) {
		s->stop = false;
		stack_loop(s, loop, arg);
		return;
	}
	for (unsigned i = 0; i < pc->nstacks; i++)
		pc->stacks[i]->stop = false;
	for (; launched < pc->nstacks; launched++) {
		runs[launched] = (struct lcore_run){ pc->stacks[launched], loop, arg };
		if (rte_eal_remote_launch(lcore_main, &runs[launched], pc->lcore[launched]) < 0) {
			fprintf(stderr, "fastack: cannot start stack %u on lcore %u\n", launched,
			        pc->lcore[launched]);
			stop_all(pc);
			break;
		}
	}
	stack_loop(s, loop, arg);
	for (unsigned i = 1; i < launched; i++)
		rte_eal_wait_lcore(pc->lcore[i]);
}

/* Stops every stack of the process (the calling thread's alone when it is
 * not in the context); each loop ends after its current pass. */
void ff_stop_run(void)
{
	struct stack *s = stack_current();

	if (proc_stack_index(s) >= 0)
		stop_all(proc_get());
	else if (s)
		__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
}

int ff_stack_index(void)
{
	struct stack *s = stack_current();

	if (!s) {
		errno = ENXIO;
		return -1;
	}
	return (int)s->id;
}

int ff_stack_count(void)
{
	const struct proc *pc = proc_get();

	if (pc->nstacks)
		return (int)pc->nstacks;
	if (stack_current())
		return 1; /* a stack outside any context (tests): alone */
	errno = ENXIO;
	return -1;
}

/* ---- counters ---- */

/* Visits every counter, each summed over stacks[0..n-1]. */
static int stats_visit(struct stack *const *stacks, unsigned n, ff_stat_fn fn, void *arg)
{
	char name[96];
	int count = 0;

	for (unsigned g = 0; g < stack_counter_ngroups; g++) {
		const struct counter_group *cg = &stack_counter_groups[g];

		for (unsigned i = 0; i < cg->n; i++, count++) {
			uint64_t v = 0;

			for (unsigned k = 0; k < n; k++) {
				const uint64_t *base =
				    (const uint64_t *)(const void *)((const char *)&stacks[k]
				                                         ->stats +
				                                     cg->offset);
				v += __atomic_load_n(&base[i], __ATOMIC_RELAXED);
			}
			snprintf(name, sizeof(name), "%s.%s", cg->name, cg->descs[i].name);
			fn(name, v, cg->descs[i].desc, arg);
		}
	}
	return count;
}

int ff_stats_foreach(ff_stat_fn fn, void *arg)
{
	struct stack *s = stack_current();

	if (!s || !fn) {
		errno = s ? EINVAL : ENXIO;
		return -1;
	}
	return stats_visit(&s, 1, fn, arg);
}

int ff_stats_total_foreach(ff_stat_fn fn, void *arg)
{
	const struct proc *pc = proc_get();
	struct stack *s = stack_current();

	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	if (pc->nstacks)
		return stats_visit(pc->stacks, pc->nstacks, fn, arg);
	if (s)
		return stats_visit(&s, 1, fn, arg); /* a stack outside any context */
	errno = ENXIO;
	return -1;
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

static int stat_find(int (*visit)(ff_stat_fn, void *), const char *name, uint64_t *value)
{
	struct stat_find f = { name, value, false };

	if (!name || !value) {
		errno = EINVAL;
		return -1;
	}
	if (visit(stat_find_fn, &f) < 0)
		return -1;
	if (!f.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int ff_stats_get(const char *name, uint64_t *value)
{
	return stat_find(ff_stats_foreach, name, value);
}

int ff_stats_total_get(const char *name, uint64_t *value)
{
	return stat_find(ff_stats_total_foreach, name, value);
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

void ff_stats_total_print(void *f)
{
	ff_stats_total_foreach(stat_print_fn, f ? f : stdout);
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
		int rc = stack_knob_set(s, (enum knob_id)id, *newval);

		if (rc < 0) {
			errno = -rc;
			return -1;
		}
	}
	return 0;
}
