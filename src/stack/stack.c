/* stack.c: struct stack life cycle, netifs, and the loop pass.
 *
 * Call order: stack_create() -> stack_add_port() / stack_add_netif() /
 * stack_set_ifaddr() -> { stack_pass_begin(); app; stack_pass_end(); }* ->
 * stack_destroy().  Layers are initialised bottom-up and torn down top-down
 * so that closing sockets may still send (e.g. a TCP RST) into live layers.
 */
#include "stack/stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "base/log.h"
#include "ip/route.h"

/* Initial-exec TLS (DESIGN.md): one load from the thread pointer, no
 * __tls_get_addr call, also in the shared library. */
static __thread struct stack *current_stack __attribute__((tls_model("initial-exec")));

struct stack *stack_current(void)
{
	return current_stack;
}

void stack_set_current(struct stack *s)
{
	current_stack = s;
}

int stack_knob_set(struct stack *s, enum knob_id id, int64_t v)
{
	if (v < knob_table[id].min || v > knob_table[id].max)
		return -ERANGE;
	s->knob[id] = v;
	switch (id) {
	case KNOB_TCP_HC_PURGENOW:
		/* FreeBSD's tcp_hc_purge_internal(1).  fastack keeps no host
		 * cache: an MTU, RTT or ssthresh learnt lives with its
		 * connection only, so there is nothing to forget. */
		s->knob[id] = 0;
		break;
	default:
		break;
	}
	stack_mem_set_limits(s); /* the fastack.mem.* knobs take effect at once */
	return 0;
}

uint64_t stack_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t stack_rand(struct stack *s)
{
	/* xorshift64* (Vigna); state never 0. */
	uint64_t x = s->rand_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rand_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Layer init/fini pairs, bottom-up. */
static const struct {
	const char *name;
	int (*init)(struct stack *s);
	void (*fini)(struct stack *s);
} layers[] = {
	{ "arp", arp_init, arp_fini }, { "route", route4_init, route4_fini },
	{ "ip4", ip4_init, ip4_fini }, { "socket", sock_init, sock_fini },
	{ "udp", udp_init, udp_fini }, { "tcp", tcp_init, tcp_fini },
};

static struct stack *stack_create_(unsigned id, struct rte_mempool *pool, const int64_t *knobs,
                                   uint64_t now, const uint64_t *seed)
{
	struct stack *s;
	unsigned i;
	int rc;

	/* Plain heap (not rte_malloc): the control structures are small, and
	 * LeakSanitizer then sees every pointer they hold. */
	s = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->now = now;
	s->pool = pool;
	s->clock_ns = stack_clock_ns;
	for (i = 0; i < KNOB_COUNT; i++)
		s->knob[i] = knobs ? knobs[i] : knob_table[i].def;
	if (seed) {
		/* SplitMix64 of the seed: nearby seeds give unrelated streams. */
		uint64_t z = *seed + 0x9E3779B97F4A7C15ull;

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		s->rand_state = (z ^ (z >> 31) ^ ((uint64_t)id << 32)) | 1;
		s->seeded = true;
	} else {
		s->rand_state = (now ^ ((uint64_t)id << 32) ^ (uintptr_t)s) | 1;
	}

	s->wheel = calloc(1, sizeof(*s->wheel));
	if (!s->wheel) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	timer_wheel_init(s->wheel, now, STACK_TICK_NS);
	stack_mem_init(s);

	for (i = 0; i < ARRAY_SIZE(layers); i++) {
		rc = layers[i].init(s);
		if (rc < 0) {
			LOG_ERR("stack %u: %s init failed: %s", id, layers[i].name, strerror(-rc));
			while (i-- > 0)
				layers[i].fini(s);
			free(s->wheel);
			free(s);
			errno = -rc;
			return NULL;
		}
	}
	log_level_hold();
	return s;
}

struct stack *stack_create(unsigned id, struct rte_mempool *pool, const int64_t *knobs,
                           uint64_t now)
{
	return stack_create_(id, pool, knobs, now, NULL);
}

struct stack *stack_create_seeded(unsigned id, struct rte_mempool *pool, const int64_t *knobs,
                                  uint64_t now, uint64_t seed)
{
	return stack_create_(id, pool, knobs, now, &seed);
}

void stack_destroy(struct stack *s)
{
	unsigned i;

	if (!s)
		return;
	/* Sockets first (they may still emit), then flush and close ports, then
	 * the tables below. */
	/* Descriptors first, while every protocol is still up (a close may
	 * still send), then the layers top-down. */
	co_fini(s); /* coroutines end first: they close what they hold */
	sock_close_all(s);
	stack_compat_fini(s);
	for (i = ARRAY_SIZE(layers); i-- > 0;)
		layers[i].fini(s);
	for (i = 0; i < s->nports; i++)
		port_close(s->ports[i]);
	if (current_stack == s)
		current_stack = NULL;
	free(s->wheel);
	free(s);
	log_level_release();
}

int stack_add_port(struct stack *s, struct port *p)
{
	struct netif *ifp;

	if (s->nports >= STACK_MAX_PORTS || s->nifs >= STACK_MAX_NETIF)
		return -ENOSPC;
	p->index = (uint16_t)s->nports;
	p->now = &s->now;
	p->stats = &s->stats.port;
	s->ports[s->nports++] = p;

	ifp = &s->ifs[s->nifs];
	memset(ifp, 0, sizeof(*ifp));
	ifp->port = p;
	ifp->index = (uint16_t)s->nifs;
	ifp->vlan_id = 0;
	ifp->mtu = p->mtu ? p->mtu : RTE_ETHER_MTU;
	ifp->mac = p->mac;
	return (int)s->nifs++;
}

int stack_set_ifaddr(struct stack *s, unsigned ifindex, const struct ifaddr_cfg *ifa)
{
	struct netif *ifp;
	uint32_t mask, net;
	int rc;

	if (ifindex >= s->nifs)
		return -ENODEV;
	ifp = &s->ifs[ifindex];
	if (ifa->addr.family == AF_INET) {
		if (ifa->netmask.family != AF_INET)
			return -EINVAL;
		mask = rte_be_to_cpu_32(ifa->netmask.v4);
		ifp->addr4 = ifa->addr;
		ifp->mask4 = ifa->netmask;
		if (ifa->broadcast.family == AF_INET)
			ifp->bcast4 = ifa->broadcast;
		else
			ifp->bcast4 = ip_addr_v4(ifa->addr.v4 | rte_cpu_to_be_32(~mask));
		net = ifa->addr.v4 & ifa->netmask.v4;
		rc = route4_add(s, net, (uint8_t)__builtin_popcount(mask), 0, ifp->index);
		if (rc < 0)
			return rc;
		if (ifa->gateway.family == AF_INET && ifa->gateway.v4 != 0) {
			rc = route4_add(s, 0, 0, ifa->gateway.v4, ifp->index);
			if (rc < 0)
				return rc;
		}
		if (KNOB(s, ARP_GRATUITOUS))
			arp_announce(s, ifp);
	}
	if (ifa->addr6.family == AF_INET6) {
		/* FIXME(ipv6): addresses are kept; IPv6 input/output is a later issue. */
		ifp->addr6 = ifa->addr6;
		ifp->prefix6 = ifa->prefix_len6;
	}
	return 0;
}

int stack_add_netif(struct stack *s, struct port *p, uint16_t vlan_id, const struct ifaddr_cfg *ifa)
{
	struct netif *ifp;
	unsigned i;
	int rc;

	if (vlan_id == 0 || vlan_id > 4094)
		return -EINVAL;
	for (i = 0; i < s->nifs; i++)
		if (s->ifs[i].port == p && s->ifs[i].vlan_id == vlan_id)
			return -EEXIST;
	if (s->nifs >= STACK_MAX_NETIF)
		return -ENOSPC;
	ifp = &s->ifs[s->nifs];
	memset(ifp, 0, sizeof(*ifp));
	ifp->port = p;
	ifp->index = (uint16_t)s->nifs;
	ifp->vlan_id = vlan_id;
	ifp->mtu = p->mtu ? p->mtu : RTE_ETHER_MTU; /* the tag is outside the MTU */
	ifp->mac = p->mac;
	s->nifs++;
	rc = stack_set_ifaddr(s, ifp->index, ifa);
	if (rc < 0) {
		s->nifs--;
		return rc;
	}
	return ifp->index;
}

unsigned stack_pass_begin(struct stack *s, uint64_t now)
{
	struct rte_mbuf *pkts[STACK_RX_BURST];
	unsigned total = 0;

	s->now = now;
	s->stats.loop_passes++;
	stack_mem_sample(s);
	for (unsigned i = 0; i < s->nports; i++) {
		struct port *p = s->ports[i];
		uint16_t n = port_rx_burst(p, pkts, STACK_RX_BURST);

		if (!n)
			continue;
		/* The burst took buffers from the pool: what it carries in
		 * is admitted by the level it left. */
		stack_mem_sample(s);
		for (uint16_t j = 0; j < n; j++) {
			if (j + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[j + 1], void *));
			if (unlikely(stack_dispatcher_on()) && !stack_dispatch(s, p, pkts[j]))
				continue;
			if (p->rss && s->steer.n > 1 && steer_rx(s, p, pkts[j]))
				continue;
			eth_input(s, p, pkts[j]);
		}
		total += n;
	}
	if (s->steer.n > 1)
		total += steer_drain(s);
	timer_wheel_run(s->wheel, now, s);
	if (total)
		s->stats.loop_busy_passes++;
	return total;
}

void stack_pass_end(struct stack *s)
{
	co_run(s); /* coroutines made ready by this pass (src/co) */
	for (unsigned i = 0; i < s->nports; i++)
		port_tx_flush(s->ports[i]);
}

#define GROUP(gname, field, LIST)                                \
	{                                                        \
		gname, field##_descs, ARRAY_SIZE(field##_descs), \
		    offsetof(struct stack_stats, field)          \
	}

COUNTER_DESC_TABLE(port_descs, PORT_STATS);
COUNTER_DESC_TABLE(eth_descs, ETH_STATS);
COUNTER_DESC_TABLE(arp_descs, ARP_STATS);
COUNTER_DESC_TABLE(ip4_descs, IP4_STATS);
COUNTER_DESC_TABLE(icmp_descs, ICMP_STATS);
COUNTER_DESC_TABLE(udp_descs, UDP_STATS);
COUNTER_DESC_TABLE(tcp_descs, TCP_STATS);
COUNTER_DESC_TABLE(sock_descs, SOCK_STATS);
COUNTER_DESC_TABLE(ev_descs, EVENT_STATS);
COUNTER_DESC_TABLE(mem_descs, MEM_STATS);
COUNTER_DESC_TABLE(co_descs, CO_STATS);
COUNTER_DESC_TABLE(rss_descs, RSS_STATS);

#define LOOP_STATS(X)                                               \
	X(loop_passes, "loop passes")                               \
	X(loop_busy_passes, "loop passes that received packets")    \
	X(loop_busy_ns, "ns spent in passes that received packets") \
	X(loop_idle_ns, "ns spent in passes that received nothing") \
	X(loop_sleeps, "idle passes followed by an idle_sleep")
COUNTER_DESC_TABLE(loop_descs, LOOP_STATS);
_Static_assert(offsetof(struct stack_stats, loop_sleeps) ==
                   offsetof(struct stack_stats, loop_passes) + 4 * sizeof(uint64_t),
               "loop counters must stay contiguous and in LOOP_STATS order");

const struct counter_group stack_counter_groups[] = {
	GROUP("port", port, PORT_STATS),
	GROUP("eth", eth, ETH_STATS),
	GROUP("arp", arp, ARP_STATS),
	GROUP("ip", ip4, IP4_STATS),
	GROUP("icmp", icmp, ICMP_STATS),
	GROUP("udp", udp, UDP_STATS),
	GROUP("tcp", tcp, TCP_STATS),
	GROUP("socket", sock, SOCK_STATS),
	GROUP("event", ev, EVENT_STATS),
	GROUP("mem", mem, MEM_STATS),
	GROUP("co", co, CO_STATS),
	GROUP("rss", rss, RSS_STATS),
	{ "loop", loop_descs, ARRAY_SIZE(loop_descs), offsetof(struct stack_stats, loop_passes) },
};
const unsigned stack_counter_ngroups = ARRAY_SIZE(stack_counter_groups);
