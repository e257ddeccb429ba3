/* config_validate.c: the cross-checks between keys (config_validate) and
 * what this build cannot run yet (config_check_runnable).  Messages name
 * the line a value came from (key_line[], config.h).
 */
#include "stack/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/log.h"
#include "stack/config_priv.h"

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
	snprintf(buf + n, INET6_ADDRSTRLEN + 4 - n, "/%u", cfg_netmask_len(ifa->netmask.v4));
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
			return cfg_fail(err, errlen, W(K_NETMASK), "%s netmask: given without addr",
			                label);
		if (ifa->gateway.family)
			return cfg_fail(err, errlen, W(K_GATEWAY), "%s gateway: given without addr",
			                label);
		if (key_line[K_BROADCAST])
			return cfg_fail(err, errlen, W(K_BROADCAST),
			                "%s broadcast: given without addr", label);
		if (need4)
			return cfg_fail(
			    err, errlen, W(K_ADDR),
			    "%s addr: missing (every port in port_list needs addr and netmask)",
			    label);
	} else {
		uint32_t mask = ifa->netmask.v4;

		if (!v4_unicast(ifa->addr.v4))
			return cfg_fail(err, errlen, W(K_ADDR),
			                "%s addr: %s is not a unicast address", label,
			                ip_addr_str(&ifa->addr, a, sizeof(a)));
		if (ifa->netmask.family != AF_INET)
			return cfg_fail(err, errlen, W(K_NETMASK),
			                "%s netmask: missing (addr needs one)", label);
		if (ifa->broadcast.family == AF_INET &&
		    !v4_in_net(ifa->broadcast.v4, ifa->addr.v4, mask))
			return cfg_fail(err, errlen, W(K_BROADCAST),
			                "%s broadcast: %s is outside the network %s of addr", label,
			                ip_addr_str(&ifa->broadcast, a, sizeof(a)),
			                net_str(ifa, b));
		if (ifa->gateway.family == AF_INET) {
			if (!v4_in_net(ifa->gateway.v4, ifa->addr.v4, mask))
				return cfg_fail(err, errlen, W(K_GATEWAY),
				                "%s gateway: %s is outside the network %s of addr",
				                label, ip_addr_str(&ifa->gateway, a, sizeof(a)),
				                net_str(ifa, b));
			if (ifa->gateway.v4 == ifa->addr.v4)
				return cfg_fail(err, errlen, W(K_GATEWAY),
				                "%s gateway: %s is the interface's own address",
				                label, ip_addr_str(&ifa->gateway, a, sizeof(a)));
		}
	}
	if (ifa->addr6.family != AF_INET6) {
		if (key_line[K_PREFIX_LEN])
			return cfg_fail(err, errlen, W(K_PREFIX_LEN),
			                "%s prefix_len: given without addr6", label);
		if (ifa->gateway6.family)
			return cfg_fail(err, errlen, W(K_GATEWAY6),
			                "%s gateway6: given without addr6", label);
	} else {
		if (ip_addr_is_any(&ifa->addr6) || ifa->addr6.v6[0] == 0xff)
			return cfg_fail(err, errlen, W(K_ADDR6),
			                "%s addr6: %s is not a unicast address", label,
			                ip_addr_str(&ifa->addr6, a, sizeof(a)));
		if (!key_line[K_PREFIX_LEN])
			return cfg_fail(err, errlen, W(K_ADDR6), "%s addr6: needs prefix_len",
			                label);
		if (ifa->gateway6.family == AF_INET6) {
			const uint8_t *g = ifa->gateway6.v6;
			bool link_local = g[0] == 0xfe && (g[1] & 0xc0) == 0x80; /* fe80::/10 */

			if (!link_local && !v6_in_prefix(g, ifa->addr6.v6, ifa->prefix_len6))
				return cfg_fail(
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
	rc = cfg_check_proc_id(cfg, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg->pcap_enable && !cfg->pcap_savepath[0]) {
		w = where_key(cfg, cfg->dpdk_key_line, 0, K_PCAP_SAVEPATH);
		return cfg_fail(err, errlen, &w,
		                "[pcap] savepath: empty (enable=1 writes its files there)");
	}
	if (cfg->nb_ports == 0) {
		w = where_key(cfg, cfg->dpdk_key_line, 0, K_PORT_LIST);
		return cfg_fail(err, errlen, &w, "[dpdk] port_list: names no port");
	}
	for (unsigned i = 0; i < cfg->nb_ports; i++) {
		unsigned p = cfg->port_list[i];

		if (!cfg->ports[p].present) {
			w = where_key(cfg, cfg->dpdk_key_line, 0, K_PORT_LIST);
			return cfg_fail(
			    err, errlen, &w, "[dpdk] port_list: port %u has no [port%u] section%s",
			    p, p,
			    cfg->dpdk_key_line[K_PORT_LIST] ? "" : " (port_list defaults to 0)");
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
			return cfg_fail(err, errlen, &w,
			                "[port%u]: port %u is not in [dpdk] port_list", p, p);
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
			return cfg_fail(err, errlen, &w,
			                "[port%u] mtu: %u is below the minimum %u%s", p, pc->mtu,
			                pc->ifa.addr6.family ? 1280 : 68,
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
			return cfg_fail(err, errlen, &w,
			                "%s port: missing (the port the VLAN rides on)", r->label);
		if (!port_listed(cfg, vc->port))
			return cfg_fail(err, errlen, &w,
			                "%s port: port %u is not in [dpdk] port_list", r->label,
			                vc->port);
		w = where_key(cfg, vc->key_line, vc->line, K_VLAN_ID);
		if (vc->vlan_id < 1 || vc->vlan_id > 4094)
			return cfg_fail(err, errlen, &w, "%s vlan_id: missing (1..4094)", r->label);
		for (unsigned o = 0; o < v; o++) {
			const struct vlan_cfg *oc = &cfg->vlans[o];

			if (oc->present && oc->port == vc->port && oc->vlan_id == vc->vlan_id)
				return cfg_fail(err, errlen, &w,
				                "%s vlan_id: %u on port %u is already [vlan%u]",
				                r->label, vc->vlan_id, vc->port, o);
		}
		if (vc->ifa.addr.family != AF_INET && vc->ifa.addr6.family != AF_INET6) {
			w = where_key(cfg, vc->key_line, vc->line, K_ADDR);
			return cfg_fail(
			    err, errlen, &w,
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
				return cfg_fail(err, errlen, &w,
				                "%s %s: %s is also the address of %s",
				                refs[i].label, k ? "addr6" : "addr",
				                ip_addr_str(x[k], a, sizeof(a)), refs[j].label);
			}
		}
	}
	return 0;
}

/* The CPUs this process may run on, as "0-1,4" (for messages), and the
 * mask of the first 64. */
static uint64_t cpus_allowed(char *buf, size_t len)
{
	cpu_set_t set;
	uint64_t mask = 0;
	size_t off = 0;
	int from = -1;

	buf[0] = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return ~0ull; /* cannot tell: let the EAL decide */
	for (int c = 0; c <= CPU_SETSIZE; c++) {
		bool in = c < CPU_SETSIZE && CPU_ISSET(c, &set);

		if (in && c < 64)
			mask |= 1ull << c;
		if (in && from < 0)
			from = c;
		if (!in && from >= 0) {
			int n = from == c - 1
			            ? snprintf(buf + off, len - off, "%s%d", off ? "," : "", from)
			            : snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "",
			                       from, c - 1);
			if (n > 0 && (size_t)n < len - off)
				off += (size_t)n;
			from = -1;
		}
	}
	return mask;
}

/*
 * What this build and this machine can run.  Every lcore of the mask must
 * be a CPU this process may use.  A mask of several lcores runs as threads
 * of one process (one stack per lcore, docs/ARCHITECTURE.md "Process and
 * lcore"); processes mode with several lcores (a secondary, or a proc-id
 * other than 0) is not built and refused here rather than run broken.
 */
int config_check_runnable(const struct config *cfg, char *err, size_t errlen)
{
	unsigned n = (unsigned)__builtin_popcountll(cfg->lcore_mask);
	char cpus[128];
	uint64_t allowed = cpus_allowed(cpus, sizeof(cpus)), missing;
	struct where w;

	if (err && errlen)
		err[0] = '\0';
	w = where_key(cfg, cfg->dpdk_key_line, 0, K_LCORE_MASK);
	missing = cfg->lcore_mask & ~allowed;
	if (missing)
		return cfg_fail(err, errlen, &w,
		                "[dpdk] lcore_mask: 0x%" PRIx64
		                " names lcore %d, which is not a CPU "
		                "this process may run on (CPUs %s): use a mask within 0x%" PRIx64,
		                cfg->lcore_mask, __builtin_ctzll(missing), cpus, allowed);
	if (n <= 1)
		return 0;
	if (cfg->proc_type != PROC_PRIMARY || cfg->proc_id != 0)
		return cfg_fail(
		    err, errlen, &w,
		    "[dpdk] lcore_mask: 0x%" PRIx64 " selects %u lcores, which run as %u "
		    "threads of one primary process; processes mode with several lcores "
		    "(--proc-type=%s --proc-id=%u) is not built: run one process with "
		    "--proc-type=primary --proc-id=0, or give each process a mask of one "
		    "lcore",
		    cfg->lcore_mask, n, n,
		    cfg->proc_type == PROC_SECONDARY ? "secondary"
		    : cfg->proc_type == PROC_AUTO    ? "auto"
		                                     : "primary",
		    cfg->proc_id);
	return 0;
}
