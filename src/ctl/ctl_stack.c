/* ctl_stack.c: what a stack answers to a control request, on its own thread
 * in its own pass (ctl.h): records in the format of ctl_proto.h, each with
 * stack=N.  Requests that change something (sysctl, route, arp, ifconfig)
 * are applied by every stack to itself, each in its own pass.
 *
 * The request was checked by ctl_req_parse before it was posted; what only
 * the stack can check (an interface that exists, a route that is there, a
 * knob that can change while running) ends in box->rc and box->err.
 */
#include "ctl/ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/arp.h"
#include "eth/eth.h"
#include "ip/route.h"
#include "stack/mem.h"
#include "stack/stack.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

#define CTL_CONNS_PER_PASS 256 /* connections a stack describes per pass */

void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t want = b->cap ? b->cap * 2 : 4096;
		while (want < b->len + (size_t)n + 1)
			want *= 2;
		char *np = b->len + (size_t)n + 1 > CTL_ANS_MAX ? NULL : realloc(b->p, want);
		if (!np) {
			b->overflow = true;
			return;
		}
		b->p = np;
		b->cap = want;
	}
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const char *ip4_str(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static void ifname(const struct netif *ifp, char *buf, size_t len)
{
	if (ifp->vlan_id)
		snprintf(buf, len, "port%u.%u", ifp->port->index, ifp->vlan_id);
	else
		snprintf(buf, len, "port%u", ifp->port->index);
}

static struct netif *netif_by_name(struct stack *s, const char *name)
{
	char buf[32];

	for (unsigned i = 0; i < s->nifs; i++) {
		ifname(&s->ifs[i], buf, sizeof(buf));
		if (strcmp(buf, name) == 0)
			return &s->ifs[i];
	}
	return NULL;
}

static int fail(struct ctl_box *b, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	b->rc = rc;
	return rc;
}

/* ---- reading ---- */

static void answer_info(struct stack *s, struct ctl_buf *o)
{
	ctl_buf_printf(o,
	               "stack\tstack=%u\tports=%u\tinterfaces=%u\ttcp_conns=%u\tpool_size=%u"
	               "\tpool_free=%u\tpool_free_lowest=%u\n",
	               s->id, s->nports, s->nifs, tcp_conn_count(s), s->mem.size, s->mem.avail,
	               s->mem.free_lowest);
}

static void offload_str(uint32_t off, char *buf, size_t len)
{
	static const char *const names[] = { "rx_ipv4_cksum", "rx_l4_cksum", "tx_ipv4_cksum",
		                             "tx_udp_cksum", "tx_tcp_cksum" };
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (off & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i]);
	if (!n)
		snprintf(buf, len, "none");
}

static void answer_ifconfig(struct stack *s, struct ctl_buf *o)
{
	const struct port_stats *ps = &s->stats.port;

	for (unsigned i = 0; i < s->nifs; i++) {
		const struct netif *ifp = &s->ifs[i];
		char name[32], a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], bc[INET_ADDRSTRLEN], off[96];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		ifname(ifp, name, sizeof(name));
		rte_ether_format_addr(mac, sizeof(mac), &ifp->mac);
		offload_str(ifp->port->offloads, off, sizeof(off));
		ctl_buf_printf(o,
		               "if\tstack=%u\tname=%s\tdevice=%s\tvlan=%u\tmac=%s\tmtu=%u"
		               "\tlink_mtu=%u\toffloads=%s",
		               s->id, name, ifp->port->name, ifp->vlan_id, mac, ifp->mtu,
		               ifp->port->mtu, off);
		if (ifp->addr4.family == AF_INET)
			ctl_buf_printf(o, "\tinet=%s\tnetmask=%s\tprefixlen=%d\tbroadcast=%s",
			               ip4_str(ifp->addr4.v4, a), ip4_str(ifp->mask4.v4, m),
			               __builtin_popcount(ifp->mask4.v4),
			               ip4_str(ifp->bcast4.v4, bc));
		ctl_buf_printf(o, "\n");
	}
	ctl_buf_printf(
	    o,
	    "ifstat\tstack=%u\trx_packets=%" PRIu64 "\trx_bytes=%" PRIu64 "\ttx_packets=%" PRIu64
	    "\ttx_bytes=%" PRIu64 "\ttx_dropped=%" PRIu64 "\trx_dropped=%" PRIu64 "\n",
	    s->id, ps->rx_packets, ps->rx_bytes, ps->tx_packets, ps->tx_bytes, ps->tx_dropped,
	    ps->rx_oversize + s->stats.eth.eth_tooshort + s->stats.eth.eth_badvlan +
	        s->stats.eth.eth_novlan + s->stats.eth.eth_noproto + s->stats.eth.eth_noipv6);
}

struct walk {
	struct stack *s;
	struct ctl_buf *o;
};

static void route_rec(const struct route4 *r, void *arg)
{
	struct walk *w = arg;
	char d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], name[32];

	ifname(&w->s->ifs[r->ifindex], name, sizeof(name));
	ctl_buf_printf(w->o, "route\tstack=%u\tdestination=%s/%u\tgateway=%s\tinterface=%s\n",
	               w->s->id, ip4_str(r->dst, d), r->depth,
	               r->gateway ? ip4_str(r->gateway, g) : "link", name);
}

static const char *const arp_states[] = {
	[ARP_INCOMPLETE] = "incomplete", [ARP_REACHABLE] = "reachable", [ARP_STALE] = "stale"
};

static void arp_rec(const struct arp_entry_info *e, void *arg)
{
	struct walk *w = arg;
	char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], name[32];
	int64_t left = (int64_t)(e->expire_ns - w->s->now) / 1000000;

	ifname(&w->s->ifs[e->ifindex], name, sizeof(name));
	rte_ether_format_addr(mac, sizeof(mac), &e->mac);
	ctl_buf_printf(w->o,
	               "arp\tstack=%u\taddress=%s\tmac=%s\tstate=%s\tinterface=%s\tpermanent=%u"
	               "\texpires_ms=%" PRId64 "\theld=%u\ttries=%u\n",
	               w->s->id, ip4_str(e->ip, ip),
	               e->state == ARP_INCOMPLETE ? "(incomplete)" : mac,
	               e->permanent ? "permanent" : arp_states[e->state], name, e->permanent,
	               e->permanent ? 0 : left, e->held, e->tries);
}

static const char *addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void tcp_rec(const struct tcp_conn_info *ci, void *arg)
{
	struct walk *w = arg;
	const struct tcp_info_lite *ti = &ci->ti;
	char l[64], f[64];

	ctl_buf_printf(
	    w->o, "tcp\tstack=%u\tstate=%s\tlocal=%s:%u\tforeign=%s:%u\trecvq=%u\tsendq=%u",
	    w->s->id, tcp_state_name(ci->state), addr_str(ci->family, ci->laddr, l, sizeof(l)),
	    ci->lport, addr_str(ci->family, ci->faddr, f, sizeof(f)), ci->fport, ci->recvq,
	    ci->sendq);
	if (ci->state == TCPS_LISTEN) {
		ctl_buf_printf(w->o, "\taccept_queue=%u\tsyn_queue=%u\tbacklog=%u\n", ci->q_len,
		               ci->q_incomp, ci->q_limit);
		return;
	}
	ctl_buf_printf(w->o,
	               "\trtt_us=%u\trttvar_us=%u\trto_ms=%u\tcwnd=%u\tssthresh=%u\tmss=%u"
	               "\tadvmss=%u\tretrans=%u\ttotal_retrans=%u\tbackoff=%u\tunacked=%u"
	               "\tsacked=%u\tsack=%u\tecn=%u\tts=%u\twscale=%u\tsnd_wscale=%u"
	               "\trcv_wscale=%u\tcc=%s\tsnd_wnd=%u\trcv_wnd=%u\trcv_ooo=%u"
	               "\tbytes_acked=%" PRIu64 "\tbytes_received=%" PRIu64 "\torphan=%u\n",
	               ti->rtt_us, ti->rttvar_us, ti->rto_us / 1000, ti->snd_cwnd, ti->snd_ssthresh,
	               ti->snd_mss, ti->advmss, ti->retransmits, ti->total_retrans, ti->backoff,
	               ti->unacked, ti->sacked, ci->sack, ci->ecn, ci->ts, ci->wscale,
	               ti->snd_wscale, ti->rcv_wscale, ci->cc ? ci->cc : "?", ci->snd_wnd,
	               ci->rcv_wnd, ci->rcv_ooo, ti->bytes_acked, ti->bytes_received, ci->detached);
}

static void udp_rec(const struct udp_sock_info *ui, void *arg)
{
	struct walk *w = arg;
	char l[64], f[64];

	ip_addr_str(&ui->laddr, l, sizeof(l));
	if (ui->laddr.family == 0)
		snprintf(l, sizeof(l), "0.0.0.0");
	if (ui->faddr.family)
		ip_addr_str(&ui->faddr, f, sizeof(f));
	else
		snprintf(f, sizeof(f), "*");
	ctl_buf_printf(w->o, "udp\tstack=%u\tlocal=%s:%u\tforeign=%s:%s%u\trecvq=%u\tsendq=0\n",
	               w->s->id, l, ui->lport, f, ui->faddr.family ? "" : "*",
	               ui->faddr.family ? ui->fport : 0, ui->recvq);
}

static void answer_stat(struct stack *s, struct ctl_buf *o)
{
	for (unsigned g = 0; g < stack_counter_ngroups; g++) {
		const struct counter_group *cg = &stack_counter_groups[g];
		const uint64_t *v = (const uint64_t *)((const char *)&s->stats + cg->offset);

		for (unsigned i = 0; i < cg->n; i++)
			ctl_buf_printf(
			    o, "counter\tstack=%u\tname=%s.%s\tvalue=%" PRIu64 "\tdesc=%s\n", s->id,
			    cg->name, cg->descs[i].name, v[i], cg->descs[i].desc);
	}
	ctl_buf_printf(o, "gauge\tstack=%u\tname=tcp.connections\tvalue=%u\tdesc=%s\n", s->id,
	               tcp_conn_count(s), "TCP connections in the table (not LISTEN/CLOSED)");
	ctl_buf_printf(o, "gauge\tstack=%u\tname=mem.pool_free\tvalue=%u\tdesc=%s\n", s->id,
	               s->mem.avail, "free packet buffers in the stack's pool");
	ctl_buf_printf(o, "gauge\tstack=%u\tname=mem.pool_size\tvalue=%u\tdesc=%s\n", s->id,
	               s->mem.size, "packet buffers in the stack's pool");
}

/* Knobs that size tables when the stack is created: changing them later
 * would leave the tables as they are, so they are refused while running. */
static bool knob_boot_only(enum knob_id id)
{
	return id == KNOB_TCP_MAXCONN || id == KNOB_ARP_MAX_ENTRIES || id == KNOB_SOCK_MAX_FDS;
}

static void knob_rec(struct stack *s, struct ctl_buf *o, enum knob_id id)
{
	const struct knob_desc *k = &knob_table[id];
	char val[32], def[32], range[64];

	ctl_buf_printf(o,
	               "knob\tstack=%u\tname=%s\tvalue=%s\tdefault=%s\trange=%s\tunit=%s"
	               "\twritable=%u\tdesc=%s\n",
	               s->id, k->name, knob_value_str(id, s->knob[id], val, sizeof(val)),
	               knob_value_str(id, k->def, def, sizeof(def)),
	               knob_range_str(id, range, sizeof(range)), k->unit, !knob_boot_only(id),
	               k->desc);
}

/* ---- changing ---- */

static int sysctl_set(struct stack *s, struct ctl_box *b)
{
	enum knob_id id = (enum knob_id)b->req.knob;
	int64_t v = b->req.value;
	const char *name = knob_table[id].name;

	if (knob_boot_only(id))
		return fail(b, -EPERM,
		            "%s sizes a table when the stack starts: set it in the "
		            "configuration file ([freebsd.sysctl])",
		            name);
	if (id == KNOB_TCP_PORTRANGE_FIRST && v > KNOB(s, TCP_PORTRANGE_LAST))
		return fail(b, -ERANGE, "%s: above net.inet.ip.portrange.last (%" PRId64 ")", name,
		            KNOB(s, TCP_PORTRANGE_LAST));
	if (id == KNOB_TCP_PORTRANGE_LAST && v < KNOB(s, TCP_PORTRANGE_FIRST))
		return fail(b, -ERANGE, "%s: below net.inet.ip.portrange.first (%" PRId64 ")", name,
		            KNOB(s, TCP_PORTRANGE_FIRST));
	s->knob[id] = v;
	if (id == KNOB_MEM_LOWAT || id == KNOB_MEM_MINWAT || id == KNOB_MEM_SOCK_MIN ||
	    id == KNOB_TCP_REASS_MAXSEGMENTS)
		stack_mem_set_limits(s);
	knob_rec(s, &b->out, id);
	return 0;
}

static int if_addr(struct stack *s, struct ctl_box *b, struct netif *ifp)
{
	uint32_t mask = htonl(~0u << (32 - b->req.depth));
	struct ifaddr_cfg ifa = { .addr = ip_addr_v4(b->req.addr), .netmask = ip_addr_v4(mask) };
	int rc;

	if ((b->req.addr & ~mask) == 0 || (b->req.addr | mask) == 0xffffffffu)
		return fail(b, -EINVAL, "%s: the network or broadcast address of its prefix",
		            b->req.ifname);
	if (ifp->addr4.family == AF_INET)
		route4_del(s, ifp->addr4.v4 & ifp->mask4.v4,
		           (uint8_t)__builtin_popcount(ifp->mask4.v4));
	rc = stack_set_ifaddr(s, ifp->index, &ifa);
	if (rc < 0)
		return fail(b, rc, "%s: %s", b->req.ifname, strerror(-rc));
	return 0;
}

static int route_add(struct stack *s, struct ctl_box *b)
{
	struct netif *ifp;
	uint32_t nh;
	char g[INET_ADDRSTRLEN];
	int rc;

	if (route4_lookup(s, b->req.gateway, &ifp, &nh) < 0 || nh != b->req.gateway)
		return fail(b, -ENETUNREACH, "gateway %s is not on a connected network",
		            ip4_str(b->req.gateway, g));
	rc = route4_add(s, b->req.addr, b->req.depth, b->req.gateway, ifp->index);
	if (rc < 0)
		return fail(b, rc, "route add: %s", rc == -ENOSPC ? "table full" : strerror(-rc));
	return 0;
}

static int route_get(struct stack *s, struct ctl_box *b)
{
	struct netif *ifp;
	uint32_t nh;
	char d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], name[32];

	if (route4_lookup(s, b->req.addr, &ifp, &nh) < 0)
		return fail(b, -ENETUNREACH, "no route to %s", ip4_str(b->req.addr, d));
	ifname(ifp, name, sizeof(name));
	ctl_buf_printf(&b->out, "route\tstack=%u\tdestination=%s\tnexthop=%s\tinterface=%s\n",
	               s->id, ip4_str(b->req.addr, d), ip4_str(nh, g), name);
	return 0;
}

static int arp_delete(struct stack *s, struct ctl_box *b)
{
	char a[INET_ADDRSTRLEN];
	bool found = false;

	for (unsigned i = 0; i < s->nifs; i++)
		if (arp_del(s, (uint16_t)i, b->req.addr) == 0)
			found = true;
	if (!found)
		return fail(b, -ENOENT, "%s: no such entry", ip4_str(b->req.addr, a));
	return 0;
}

bool ctl_stack_answer(struct stack *s, struct ctl_box *b)
{
	const struct ctl_req *r = &b->req;
	struct walk w = { s, &b->out };
	struct netif *ifp = NULL;
	bool first = !b->started;

	b->started = true;
	if (first) {
		b->rc = 0;
		b->err[0] = '\0';
		b->cursor = 0;
	}
	if ((r->verb == CTL_IF_MTU || r->verb == CTL_IF_ADDR) &&
	    !(ifp = netif_by_name(s, r->ifname))) {
		fail(b, -ENODEV, "%s: no such interface", r->ifname);
		return true;
	}
	switch (r->verb) {
	case CTL_INFO:
		answer_info(s, &b->out);
		break;
	case CTL_IFCONFIG:
		answer_ifconfig(s, &b->out);
		break;
	case CTL_IF_MTU:
		if (r->mtu > ifp->port->mtu) {
			fail(b, -ERANGE, "%s: MTU %u above the link's %u", r->ifname, r->mtu,
			     ifp->port->mtu);
			break;
		}
		ifp->mtu = (uint16_t)r->mtu;
		break;
	case CTL_IF_ADDR:
		if_addr(s, b, ifp);
		break;
	case CTL_ROUTE:
		route4_foreach(s, route_rec, &w);
		break;
	case CTL_ROUTE_ADD:
		route_add(s, b);
		break;
	case CTL_ROUTE_DEL:
		if (route4_del(s, r->addr, r->depth) < 0)
			fail(b, -ESRCH, "no such route");
		break;
	case CTL_ROUTE_GET:
		route_get(s, b);
		break;
	case CTL_ARP:
		arp_foreach(s, arp_rec, &w);
		break;
	case CTL_ARP_DEL:
		arp_delete(s, b);
		break;
	case CTL_SOCKETS:
		if (first)
			udp_sock_foreach(s, udp_rec, &w);
		if (tcp_conn_walk(s, &b->cursor, CTL_CONNS_PER_PASS, tcp_rec, &w))
			return false;
		break;
	case CTL_STAT:
		answer_stat(s, &b->out);
		break;
	case CTL_SYSCTL:
		for (unsigned i = 0; i < KNOB_COUNT; i++)
			if (r->knob < 0 || (unsigned)r->knob == i)
				knob_rec(s, &b->out, (enum knob_id)i);
		break;
	case CTL_SYSCTL_SET:
		sysctl_set(s, b);
		break;
	case CTL_CAP_START:
	case CTL_CAP_READ:
	case CTL_CAP_STOP:
		if (s->ctl)
			ctl_cap_answer(s, s->ctl, b);
		else
			fail(b, -ENXIO, "no control channel on this stack");
		break;
	case CTL_VERB_COUNT:
		break;
	}
	return true;
}
