/* harness.c: see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "base/pkt.h"
#include "eth/arp.h"
#include "port/port_memlink.h"
#include "port/port_fault.h"
#include "port/port_priv.h"
#include "stack/proc.h"
#include "stack/steer.h"

/* ---- runner ---- */

#define MAX_TESTS 512

static struct {
	const char *name;
	test_fn fn;
} tests[MAX_TESTS];
static unsigned ntests;
static unsigned cur_failures;
static const char *cur_name;

void harness_register(const char *name, test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

static void trace_print(void);

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "  %s:%d: [%s] ", file, line, cur_name ? cur_name : "?");
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (cur_failures == 0)
		trace_print();
	fflush(stdout);
	cur_failures++;
}

unsigned harness_failures(void)
{
	return cur_failures;
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int harness_main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		cur_name = tests[i].name;
		cur_failures = 0;
		tests[i].fn();
		if (cur_failures) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* ---- EAL and pools ---- */

static char eal_prefix[64];

static void eal_cleanup(void)
{
	char path[128];

	rte_eal_cleanup();
	/* --no-shconf still leaves the runtime directory behind. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", eal_prefix);
	rmdir(path);
}

void harness_eal_init(void)
{
	static bool done;
	char prefix[80];
	/* --in-memory is refused together with --no-huge (legacy memory) on
	 * DPDK 22.11, so: no shared config and a per-process prefix. */
	char *args[] = { "fastack-test",
		         "--no-huge",
		         "--no-pci",
		         "--no-shconf",
		         prefix,
		         "-l",
		         "0",
		         "-m",
		         "512",
		         "--log-level=error",
		         "--no-telemetry" };

	if (done)
		return;
	snprintf(eal_prefix, sizeof(eal_prefix), "fastack-test-%d", (int)getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", eal_prefix);
	if (rte_eal_init((int)ARRAY_SIZE(args), args) < 0) {
		fprintf(stderr, "harness: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
	atexit(eal_cleanup);
	done = true;
}

struct rte_mempool *harness_pool(unsigned n)
{
	static unsigned seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	harness_eal_init();
	snprintf(name, sizeof(name), "hpool%u", seq++);
	mp = rte_pktmbuf_pool_create(name, n, 0, PKT_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
	                             SOCKET_ID_ANY);
	if (!mp) {
		fprintf(stderr, "harness: pool %s: %s\n", name, rte_strerror(rte_errno));
		exit(2);
	}
	return mp;
}

void harness_check_pool_full_(struct rte_mempool *pool, const char *file, int line)
{
	unsigned avail = rte_mempool_avail_count(pool);

	if (avail != pool->size)
		harness_fail(file, line, "mbuf leak in %s: %u of %u free", pool->name, avail,
		             pool->size);
}

/* ---- frames ---- */

struct rte_mbuf *harness_frame(struct rte_mempool *pool, const void *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	size_t off = 0;
	struct rte_mbuf *seg = m;

	if (!m)
		return NULL;
	/* Fill as many segments as the length needs. */
	while (off < len) {
		size_t room = rte_pktmbuf_tailroom(seg);
		size_t chunk = len - off < room ? len - off : room;
		memcpy(rte_pktmbuf_append(seg, (uint16_t)chunk), (const char *)bytes + off, chunk);
		if (seg != m) {
			m->pkt_len += (uint32_t)chunk;
		}
		off += chunk;
		if (off < len) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(pool);
			if (!n) {
				rte_pktmbuf_free(m);
				return NULL;
			}
			seg->next = n;
			m->nb_segs++;
			seg = n;
		}
	}
	return m;
}

static const char *ip_str(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static void describe_tcp(const struct rte_tcp_hdr *th, unsigned len, char *out, size_t outlen)
{
	char flags[8];
	unsigned n = 0, hl = (unsigned)(th->data_off >> 4) * 4u;

	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		flags[n++] = 'S';
	if (th->tcp_flags & RTE_TCP_FIN_FLAG)
		flags[n++] = 'F';
	if (th->tcp_flags & RTE_TCP_RST_FLAG)
		flags[n++] = 'R';
	if (th->tcp_flags & RTE_TCP_PSH_FLAG)
		flags[n++] = 'P';
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		flags[n++] = '.';
	flags[n] = 0;
	snprintf(out, outlen, "Flags [%s], seq %u, ack %u, win %u, length %d", flags,
	         rte_be_to_cpu_32(th->sent_seq), rte_be_to_cpu_32(th->recv_ack),
	         rte_be_to_cpu_16(th->rx_win), (int)len - (int)hl);
}

const char *harness_describe(const struct rte_mbuf *m, char *buf, size_t len)
{
	uint8_t tmp[256];
	uint32_t cap = m->pkt_len < sizeof(tmp) ? m->pkt_len : sizeof(tmp);
	const uint8_t *p = rte_pktmbuf_read(m, 0, cap, tmp);
	const struct rte_ether_hdr *eh = (const void *)p;
	unsigned off = sizeof(*eh);
	uint16_t type;
	char vlan[24] = "", a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], l4[160];

	if (cap < sizeof(*eh)) {
		snprintf(buf, len, "runt frame, length %u", m->pkt_len);
		return buf;
	}
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN && cap >= off + 4) {
		const struct rte_vlan_hdr *vh = (const void *)(p + off);
		snprintf(vlan, sizeof(vlan), "vlan %u, ", rte_be_to_cpu_16(vh->vlan_tci) & 0xfff);
		type = rte_be_to_cpu_16(vh->eth_proto);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_ARP && cap >= off + sizeof(struct rte_arp_hdr)) {
		const struct rte_arp_hdr *ah = (const void *)(p + off);
		uint16_t op = rte_be_to_cpu_16(ah->arp_opcode);
		if (op == RTE_ARP_OP_REQUEST)
			snprintf(buf, len, "%sARP, Request who-has %s tell %s, length %u", vlan,
			         ip_str(ah->arp_data.arp_tip, a), ip_str(ah->arp_data.arp_sip, b),
			         m->pkt_len);
		else
			snprintf(
			    buf, len,
			    "%sARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x, length %u", vlan,
			    ip_str(ah->arp_data.arp_sip, a), ah->arp_data.arp_sha.addr_bytes[0],
			    ah->arp_data.arp_sha.addr_bytes[1], ah->arp_data.arp_sha.addr_bytes[2],
			    ah->arp_data.arp_sha.addr_bytes[3], ah->arp_data.arp_sha.addr_bytes[4],
			    ah->arp_data.arp_sha.addr_bytes[5], m->pkt_len);
		return buf;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && cap >= off + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ih = (const void *)(p + off);
		unsigned hl = (ih->version_ihl & 0xf) * 4u;
		unsigned tot = rte_be_to_cpu_16(ih->total_length);
		const uint8_t *l4p = p + off + hl;
		unsigned l4len = tot > hl ? tot - hl : 0;

		l4[0] = 0;
		if (ih->next_proto_id == IPPROTO_ICMP && cap >= off + hl + 8) {
			const struct rte_icmp_hdr *ic = (const void *)l4p;
			snprintf(l4, sizeof(l4), "ICMP type %u code %u, id %u, seq %u, length %u",
			         ic->icmp_type, ic->icmp_code, rte_be_to_cpu_16(ic->icmp_ident),
			         rte_be_to_cpu_16(ic->icmp_seq_nb), l4len);
		} else if (ih->next_proto_id == IPPROTO_UDP && cap >= off + hl + 8) {
			const struct rte_udp_hdr *uh = (const void *)l4p;
			snprintf(buf, len, "%sIP %s.%u > %s.%u: UDP, length %d", vlan,
			         ip_str(ih->src_addr, a), rte_be_to_cpu_16(uh->src_port),
			         ip_str(ih->dst_addr, b), rte_be_to_cpu_16(uh->dst_port),
			         (int)rte_be_to_cpu_16(uh->dgram_len) - 8);
			return buf;
		} else if (ih->next_proto_id == IPPROTO_TCP && cap >= off + hl + 20) {
			const struct rte_tcp_hdr *th = (const void *)l4p;
			describe_tcp(th, l4len, l4, sizeof(l4));
			snprintf(buf, len, "%sIP %s.%u > %s.%u: %s", vlan, ip_str(ih->src_addr, a),
			         rte_be_to_cpu_16(th->src_port), ip_str(ih->dst_addr, b),
			         rte_be_to_cpu_16(th->dst_port), l4);
			return buf;
		} else {
			snprintf(l4, sizeof(l4), "proto %u, length %u", ih->next_proto_id, l4len);
		}
		snprintf(buf, len, "%sIP %s > %s: %s", vlan, ip_str(ih->src_addr, a),
		         ip_str(ih->dst_addr, b), l4);
		return buf;
	}
	snprintf(buf, len, "%sethertype 0x%04x, length %u", vlan, type, m->pkt_len);
	return buf;
}

/* ---- capture port ---- */

struct cap_priv {
	struct pktq rx; /* injected, for the stack to receive */
	struct pktq tx; /* what the stack sent */
	unsigned sent;
};

static uint16_t cap_rx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct cap_priv *c = p->priv;
	uint16_t i = 0;

	while (i < n && c->rx.head)
		pkts[i++] = pktq_pop(&c->rx);
	return i;
}

static uint16_t cap_tx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct cap_priv *c = p->priv;

	for (uint16_t i = 0; i < n; i++) {
		pktq_push(&c->tx, pkts[i]);
		c->sent++;
	}
	return n;
}

static void cap_close(struct port *p)
{
	struct cap_priv *c = p->priv;

	pktq_free(&c->rx);
	pktq_free(&c->tx);
	free(c);
	free(p);
}

static const struct port_ops cap_ops = {
	.rx_burst = cap_rx,
	.tx_burst = cap_tx,
	.close = cap_close,
};

struct port *cap_port_create(const struct rte_ether_addr *mac)
{
	struct port *p = calloc(1, sizeof(*p));
	struct cap_priv *c = calloc(1, sizeof(*c));

	if (!p || !c)
		abort();
	pktq_init(&c->rx);
	pktq_init(&c->tx);
	p->ops = &cap_ops;
	p->priv = c;
	p->mac = *mac;
	p->mtu = RTE_ETHER_MTU;
	snprintf(p->name, sizeof(p->name), "cap");
	return p;
}

void cap_port_inject(struct port *p, struct rte_mbuf *m)
{
	pktq_push(&((struct cap_priv *)p->priv)->rx, m);
}

struct rte_mbuf *cap_port_pop(struct port *p)
{
	return pktq_pop(&((struct cap_priv *)p->priv)->tx);
}

unsigned cap_port_sent(struct port *p)
{
	return ((struct cap_priv *)p->priv)->sent;
}

void cap_port_clear(struct port *p)
{
	pktq_free(&((struct cap_priv *)p->priv)->tx);
}

/* ---- fixtures ---- */

uint32_t h_ip4(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1) {
		fprintf(stderr, "harness: bad address %s\n", dotted);
		abort();
	}
	return a.s_addr;
}

struct ifaddr_cfg h_ifaddr(const char *addr, const char *mask, const char *gw)
{
	struct ifaddr_cfg ifa;

	memset(&ifa, 0, sizeof(ifa));
	ifa.addr = ip_addr_v4(h_ip4(addr));
	ifa.netmask = ip_addr_v4(h_ip4(mask));
	if (gw)
		ifa.gateway = ip_addr_v4(h_ip4(gw));
	return ifa;
}

static const uint64_t T0 = 1000000000ull; /* virtual time starts at 1 s */

void h_one_create(struct h_one *h, const struct ifaddr_cfg *ifa, const int64_t *knobs)
{
	struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct ifaddr_cfg def = h_ifaddr("198.18.0.1", "255.255.255.0", NULL);
	int idx;

	memset(h, 0, sizeof(*h));
	h->pool = harness_pool(4095);
	h->now = T0;
	h->s = stack_create(0, h->pool, knobs, h->now);
	if (!h->s) {
		fprintf(stderr, "harness: stack_create failed\n");
		exit(2);
	}
	stack_set_current(h->s);
	h->cap = cap_port_create(&mac);
	idx = stack_add_port(h->s, h->cap);
	if (idx < 0 || stack_set_ifaddr(h->s, (unsigned)idx, ifa ? ifa : &def) < 0) {
		fprintf(stderr, "harness: cannot configure the stack\n");
		exit(2);
	}
	/* Start from a quiet wire: drop the gratuitous ARP. */
	h_one_pass(h);
	cap_port_clear(h->cap);
}

void h_one_pass(struct h_one *h)
{
	stack_pass_begin(h->s, h->now);
	stack_pass_end(h->s);
}

void h_one_run_ms(struct h_one *h, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		h->now += 1000000ull;
		h_one_pass(h);
	}
}

void h_one_destroy(struct h_one *h)
{
	stack_destroy(h->s);
	h->s = NULL;
	CHECK_POOL_FULL(h->pool);
	rte_mempool_free(h->pool);
}

/* ---- frame trace of the pair's link ----
 *
 * The in-memory link describes every frame that crosses it (after the
 * sender's fault injection, before the receiver's) into a ring of the last
 * TRACE_LINES lines; the first failure of a test prints the ring, so a
 * failing two-stack test shows, tcpdump-style, what was on the wire. */

#define TRACE_LINES 40

static struct {
	const struct h_pair *pair; /* the live pair, NULL if none */
	unsigned next, used;
	char line[TRACE_LINES][200];
} trace;

/* Called by the link for every frame that crosses it. */
static void trace_tap(void *arg, unsigned from, const struct rte_mbuf *m)
{
	const struct h_pair *h = arg;
	char d[180];

	snprintf(trace.line[trace.next], sizeof(trace.line[0]), "%8.3f %s %s", (h->now - T0) / 1e6,
	         from == 0 ? "a > b" : "b > a", harness_describe(m, d, sizeof(d)));
	trace.next = (trace.next + 1) % TRACE_LINES;
	if (trace.used < TRACE_LINES)
		trace.used++;
}

static void trace_print(void)
{
	if (!trace.pair || trace.used == 0)
		return;
	printf("  last %u frames on the link (virtual ms since the pair started):\n", trace.used);
	for (unsigned i = 0; i < trace.used; i++)
		printf("    %s\n",
		       trace.line[(trace.next + TRACE_LINES - trace.used + i) % TRACE_LINES]);
}

void h_pair_create(struct h_pair *h, const struct fault_cfg *fault_a,
                   const struct fault_cfg *fault_b, const int64_t *knobs)
{
	struct rte_ether_addr mac_a = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct rte_ether_addr mac_b = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct ifaddr_cfg ia = h_ifaddr("198.18.0.1", "255.255.255.0", NULL);
	struct ifaddr_cfg ib = h_ifaddr("198.18.0.2", "255.255.255.0", NULL);
	struct port *pa, *pb;
	int ra, rb;

	memset(h, 0, sizeof(*h));
	h->pool_a = harness_pool(8191);
	h->pool_b = harness_pool(8191);
	h->now = T0;
	h->a = stack_create(0, h->pool_a, knobs, h->now);
	h->b = stack_create(1, h->pool_b, knobs, h->now);
	if (!h->a || !h->b || port_memlink_pair(&pa, &pb, &mac_a, &mac_b, 4096) < 0) {
		fprintf(stderr, "harness: cannot create the pair\n");
		exit(2);
	}
	port_memlink_set_tap(pa, trace_tap, h);
	if (fault_a && fault_cfg_active(fault_a))
		pa = port_fault_wrap(pa, fault_a);
	if (fault_b && fault_cfg_active(fault_b))
		pb = port_fault_wrap(pb, fault_b);
	if (!pa || !pb) {
		fprintf(stderr, "harness: cannot wrap the link\n");
		exit(2);
	}
	ra = stack_add_port(h->a, pa);
	rb = stack_add_port(h->b, pb);
	if (ra < 0 || rb < 0 || stack_set_ifaddr(h->a, (unsigned)ra, &ia) < 0 ||
	    stack_set_ifaddr(h->b, (unsigned)rb, &ib) < 0) {
		fprintf(stderr, "harness: cannot configure the pair\n");
		exit(2);
	}
	trace.pair = h;
	trace.next = trace.used = 0;
	h_pair_pass(h);
}

void h_pass_two(struct stack *a, struct stack *b, uint64_t now)
{
	stack_set_current(a);
	stack_pass_begin(a, now);
	stack_pass_end(a);
	stack_set_current(b);
	stack_pass_begin(b, now);
	stack_pass_end(b);
}

void h_pair_pass(struct h_pair *h)
{
	h_pass_two(h->a, h->b, h->now);
}

void h_pair_run_ms(struct h_pair *h, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		h->now += 1000000ull;
		h_pair_pass(h);
	}
}

void h_pair_destroy(struct h_pair *h)
{
	if (trace.pair == h)
		trace.pair = NULL;
	stack_destroy(h->a);
	stack_destroy(h->b);
	CHECK_POOL_FULL(h->pool_a);
	CHECK_POOL_FULL(h->pool_b);
	rte_mempool_free(h->pool_a);
	rte_mempool_free(h->pool_b);
}

/* ---- N stacks behind one port of N queues ---- */

/* The peer's port: one memlink pair per queue; TX steered, RX from all. */
struct steer_port {
	struct port *ends[H_MULTI_MAX]; /* the peer's end of queue i's link */
	unsigned n, next_rx;
	h_steer_fn steer;
	void *arg;
};

static bool peer_send(struct port *end, struct rte_mbuf *m)
{
	if (end->ops->tx_burst(end, &m, 1) == 1)
		return true;
	rte_pktmbuf_free(m);
	return false;
}

static uint16_t peer_tx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct steer_port *sp = p->priv;

	for (uint16_t i = 0; i < n; i++) {
		int q = sp->steer(sp->arg, pkts[i], sp->n);

		if (q == H_STEER_ALL) {
			for (unsigned k = 1; k < sp->n; k++) {
				struct rte_mbuf *c =
				    rte_pktmbuf_copy(pkts[i], pkts[i]->pool, 0, UINT32_MAX);
				if (!c || !peer_send(sp->ends[k], c))
					p->stats->tx_dropped++;
			}
			q = 0;
		}
		if (q < 0 || (unsigned)q >= sp->n) {
			rte_pktmbuf_free(pkts[i]);
			p->stats->tx_dropped++;
		} else if (!peer_send(sp->ends[q], pkts[i])) {
			p->stats->tx_dropped++;
		}
	}
	return n; /* every frame taken: sent, or freed and counted */
}

static uint16_t peer_rx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct steer_port *sp = p->priv;
	uint16_t got = 0;

	for (unsigned k = 0; k < sp->n && got < n; k++) {
		struct port *end = sp->ends[(sp->next_rx + k) % sp->n];

		got += end->ops->rx_burst(end, pkts + got, (uint16_t)(n - got));
	}
	sp->next_rx = (sp->next_rx + 1) % sp->n;
	return got;
}

static void peer_close(struct port *p)
{
	struct steer_port *sp = p->priv;

	for (unsigned k = 0; k < sp->n; k++)
		port_close(sp->ends[k]);
	port_free(p);
}

static const struct port_ops peer_ops = { peer_rx, peer_tx, peer_close };

uint32_t h_flow_hash(uint32_t a1, uint32_t a2, uint16_t p1, uint16_t p2)
{
	/* Symmetric: the same for (a1, p1) <-> (a2, p2) swapped. */
	uint32_t x = (a1 ^ a2) ^ ((uint32_t)(p1 ^ p2) * 0x10001u);

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* The IPv4 header of an untagged frame and its ports (0 unless TCP or
 * UDP); NULL when the frame is not IPv4 or too short. */
static const struct rte_ipv4_hdr *frame_ip4(const struct rte_mbuf *m, uint16_t *p1, uint16_t *p2)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	size_t hl;

	*p1 = *p2 = 0;
	if (m->data_len < sizeof(*eh) + sizeof(*ip) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return NULL;
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	hl = (size_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
	    m->data_len >= sizeof(*eh) + hl + 4) {
		const uint16_t *ports = (const uint16_t *)((const uint8_t *)ip + hl);

		*p1 = ports[0];
		*p2 = ports[1];
	}
	return ip;
}

int h_steer_flow(void *arg, const struct rte_mbuf *m, unsigned nqueues)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	uint16_t p1, p2;

	(void)arg;
	if (m->data_len < sizeof(*eh))
		return 0;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return H_STEER_ALL;
	ip = frame_ip4(m, &p1, &p2);
	if (!ip)
		return 0;
	return (int)(h_flow_hash(ip->src_addr, ip->dst_addr, p1, p2) % nqueues);
}

int h_steer_rss(void *arg, const struct rte_mbuf *m, unsigned nqueues)
{
	const struct port_rss *r = arg;
	const struct rte_ipv4_hdr *ip;
	uint16_t p1, p2;

	(void)nqueues;
	/* What a NIC hashes nothing of (ARP, too short) has hash 0. */
	ip = frame_ip4(m, &p1, &p2);
	if (!ip)
		return r->reta[0];
	return (int)rss_stack_v4(r, ip->src_addr, ip->dst_addr, p1, p2);
}

static void multi_create(struct h_multi *h, unsigned n, unsigned nqueues, bool soft,
                         h_steer_fn steer, void *steer_arg, const int64_t *knobs)
{
	struct rte_ether_addr mac_s = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct rte_ether_addr mac_p = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct ifaddr_cfg is = h_ifaddr("198.18.0.1", "255.255.255.0", NULL);
	struct ifaddr_cfg ip = h_ifaddr("198.18.0.2", "255.255.255.0", NULL);
	struct proc pc = { .nstacks = n };
	struct port *pp = port_alloc(&peer_ops, "steer", sizeof(struct steer_port));
	struct steer_port *sp = pp ? pp->priv : NULL;
	int r;

	memset(h, 0, sizeof(*h));
	if (n == 0 || n > H_MULTI_MAX || nqueues == 0 || nqueues > n || !pp ||
	    rss_init(&h->rss, n, nqueues, 0, 0, soft) < 0) {
		fprintf(stderr, "harness: h_multi_create: %u stacks, %u queues\n", n, nqueues);
		exit(2);
	}
	h->n = n;
	h->now = T0;
	h->pool_peer = harness_pool(8191);
	h->peer = stack_create(H_MULTI_PEER_ID, h->pool_peer, knobs, h->now);
	sp->n = nqueues;
	sp->steer = steer ? steer : h_steer_rss;
	sp->arg = steer ? steer_arg : &h->rss;
	for (unsigned i = 0; i < n; i++) {
		struct port *mine, *theirs;

		h->pools[i] = harness_pool(8191);
		h->s[i] = stack_create(i, h->pools[i], knobs, h->now);
		if (!h->s[i] || port_memlink_pair(&theirs, &mine, &mac_p, &mac_s, 4096) < 0) {
			fprintf(stderr, "harness: cannot create stack %u of %u\n", i, n);
			exit(2);
		}
		if (i < nqueues) {
			sp->ends[i] = theirs;
		} else {
			/* No queue of its own: it sends through stack
			 * i % nqueues (stack/steer.h). */
			port_close(theirs);
			mine = steer_proxy_wrap(mine, i % nqueues);
		}
		if (!mine || (mine->rss = &h->rss, (r = stack_add_port(h->s[i], mine)) < 0) ||
		    stack_set_ifaddr(h->s[i], (unsigned)r, &is) < 0) {
			fprintf(stderr, "harness: cannot create stack %u of %u\n", i, n);
			exit(2);
		}
		pc.stacks[i] = h->s[i];
		pc.lcore[i] = i;
	}
	pp->mac = mac_p;
	if (!h->peer || (r = stack_add_port(h->peer, pp)) < 0 ||
	    stack_set_ifaddr(h->peer, (unsigned)r, &ip) < 0 || proc_set(&pc) < 0 ||
	    steer_link(h->s, n) < 0) {
		fprintf(stderr, "harness: cannot create the peer of %u stacks\n", n);
		exit(2);
	}
	h_multi_pass(h);
}

void h_multi_create(struct h_multi *h, unsigned n, h_steer_fn steer, void *steer_arg,
                    const int64_t *knobs)
{
	multi_create(h, n, n, false, steer, steer_arg, knobs);
}

void h_multi_create_soft(struct h_multi *h, unsigned n, unsigned nqueues, const int64_t *knobs)
{
	multi_create(h, n, nqueues, true, h_steer_flow_arp0, NULL, knobs);
}

int h_steer_flow_arp0(void *arg, const struct rte_mbuf *m, unsigned nqueues)
{
	int q = h_steer_flow(arg, m, nqueues);

	return q == H_STEER_ALL ? 0 : q;
}

void h_multi_pass(struct h_multi *h)
{
	stack_set_current(h->peer);
	stack_pass_begin(h->peer, h->now);
	stack_pass_end(h->peer);
	for (unsigned i = 0; i < h->n; i++) {
		stack_set_current(h->s[i]);
		stack_pass_begin(h->s[i], h->now);
		stack_pass_end(h->s[i]);
	}
}

void h_multi_run_ms(struct h_multi *h, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		h->now += 1000000ull;
		h_multi_pass(h);
	}
}

void h_multi_destroy(struct h_multi *h)
{
	proc_clear();
	steer_unlink(h->s, h->n);
	stack_destroy(h->peer);
	for (unsigned i = 0; i < h->n; i++)
		stack_destroy(h->s[i]);
	CHECK_POOL_FULL(h->pool_peer);
	rte_mempool_free(h->pool_peer);
	for (unsigned i = 0; i < h->n; i++) {
		CHECK_POOL_FULL(h->pools[i]);
		rte_mempool_free(h->pools[i]);
	}
}

struct linux_sockaddr *h_sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

/* ---- a seeded pair joined by the caller (h_relay) ---- */

void h_relay_create(struct h_relay *h, struct rte_mempool *pool_a, struct rte_mempool *pool_b,
                    const int64_t *knobs, uint64_t seed)
{
	struct rte_ether_addr mac_a = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct rte_ether_addr mac_b = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct ifaddr_cfg ia = h_ifaddr("198.18.0.1", "255.255.255.0", NULL);
	struct ifaddr_cfg ib = h_ifaddr("198.18.0.2", "255.255.255.0", NULL);
	int ra, rb;

	memset(h, 0, sizeof(*h));
	h->pool_a = pool_a;
	h->pool_b = pool_b;
	h->now = T0;
	h->a = stack_create_seeded(0, pool_a, knobs, h->now, seed);
	h->b = stack_create_seeded(1, pool_b, knobs, h->now, seed);
	if (!h->a || !h->b) {
		fprintf(stderr, "harness: cannot create the relay pair\n");
		exit(2);
	}
	h->cap_a = cap_port_create(&mac_a);
	h->cap_b = cap_port_create(&mac_b);
	ra = stack_add_port(h->a, h->cap_a);
	rb = stack_add_port(h->b, h->cap_b);
	if (ra < 0 || rb < 0 || stack_set_ifaddr(h->a, (unsigned)ra, &ia) < 0 ||
	    stack_set_ifaddr(h->b, (unsigned)rb, &ib) < 0 ||
	    arp_add_static(h->a, (uint16_t)ra, ib.addr.v4, &mac_b) < 0 ||
	    arp_add_static(h->b, (uint16_t)rb, ia.addr.v4, &mac_a) < 0) {
		fprintf(stderr, "harness: cannot configure the relay pair\n");
		exit(2);
	}
	/* Start from a quiet wire: drop the gratuitous ARPs. */
	h_relay_pass(h);
	cap_port_clear(h->cap_a);
	cap_port_clear(h->cap_b);
}

void h_relay_pass(struct h_relay *h)
{
	h_pass_two(h->a, h->b, h->now);
}

void h_relay_destroy(struct h_relay *h)
{
	stack_set_current(h->a);
	stack_destroy(h->a);
	stack_set_current(h->b);
	stack_destroy(h->b);
	stack_set_current(NULL);
	h->a = h->b = NULL;
	CHECK_POOL_FULL(h->pool_a);
	CHECK_POOL_FULL(h->pool_b);
}
