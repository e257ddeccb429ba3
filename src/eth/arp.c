/* arp.c: ARP (RFC 826) and the per-stack IPv4 neighbour cache.
 *
 * Call order: arp_init() at stack creation; arp_input() per received ARP
 * packet; arp_output() per IPv4 packet to a next hop; entry timers fire from
 * the stack's wheel; arp_fini() at the end.
 *
 * The cache.  Entries live in one array of net.link.ether.inet.max_entries
 * slots, indexed by the position rte_hash gives their key (next-hop address,
 * netif index).  States and their timer:
 *
 *   state       entered when                      timer (entry->timer)
 *   ----------  --------------------------------  ----------------------------
 *   INCOMPLETE  arp_output() misses: a broadcast  every retry_ms: another
 *               request goes out, packets wait    request, until maxtries were
 *               in the entry's hold queue         sent; then the entry is given
 *               (at most maxhold; the oldest is   up (arp_timeouts) and its held
 *               dropped first, arp_holddrop)      packets dropped (arp_dropped)
 *   REACHABLE   a request/reply from the host     at max_age: -> STALE
 *               (RFC 826 merge, below)
 *   STALE       max_age passed without news       none; while used, a unicast
 *                                                 request (RFC 1122 2.3.2.1)
 *                                                 goes out at most every
 *                                                 retry_ms; a reply -> REACHABLE;
 *                                                 maxtries unanswered -> the
 *                                                 next use deletes the entry
 *                                                 (arp_stalefail) and resolves
 *                                                 anew by broadcast
 *
 * A permanent entry (arp_add_static) is REACHABLE forever and never changed
 * by received packets.  A full cache evicts its oldest STALE entry (a list
 * keeps them in the order they went stale); with none, the new entry is
 * refused (arp_cachefull) and the packet dropped.
 *
 * Input, in the order of RFC 826's packet reception algorithm, preceded by
 * the checks a hostile network needs (each drop counted):
 *   - length, hardware/protocol type and lengths (wire_arp_parse), opcode;
 *   - sender MAC must be unicast, not zero, not ours (our own frame looped
 *     back); sender IP must be 0 (an RFC 5227 probe) or a host address, not
 *     the netif's broadcast -> arp_badsender;
 *   - sender IP = our address from another MAC: a conflict (arp_dupaddr);
 *     we defend with one gratuitous ARP per 10 s (RFC 5227 section 2.4(c),
 *     DEFEND_INTERVAL) and drop the packet;
 *   - merge: an existing entry for the sender IP takes the sender MAC;
 *   - only if the target IP is the receiving netif's address: create the
 *     entry if it was not merged, and answer a request on that netif.
 *   Probes (sender IP 0) are answered but create no entry.
 *
 * A host that stopped answering (or moved to another MAC without telling)
 * is found out by its STALE entry's unanswered unicast requests, as Linux's
 * PROBE state does (RFC 1122 2.3.2.1 "unicast poll"): traffic keeps going
 * to the old MAC meanwhile, then waits in a new INCOMPLETE entry.
 */
#include "eth/arp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "base/list.h"
#include "base/pkt.h"
#include "base/timer.h"
#include "eth/eth.h"
#include "stack/stack.h"
#include "wire/arp.h"
#include "wire/ether.h"
#include "wire/ipv4.h"

#define ARP_NS_PER_MS 1000000ull
#define ARP_NS_PER_S 1000000000ull
#define ARP_DEFEND_INTERVAL_NS (10 * ARP_NS_PER_S) /* RFC 5227 DEFEND_INTERVAL */

struct arp_key {
	uint32_t ip; /* network order */
	uint16_t ifindex;
	uint16_t zero; /* keeps the key free of uninitialised padding */
};

struct arp_entry {
	struct arp_key key;
	struct rte_ether_addr mac;
	uint8_t in_use;
	uint8_t state; /* enum arp_state */
	uint8_t permanent;
	uint8_t tries;   /* requests sent for the current resolution */
	uint64_t expire; /* see arp_entry_info.expire_ns */
	struct timer timer;
	struct pktq hold;
	struct list_node stale; /* in arp_table.stale while STALE */
};

struct arp_table {
	struct rte_hash *hash;
	struct arp_entry *e; /* [max], indexed by hash position */
	uint32_t max, n;
	struct list_node stale; /* STALE entries, oldest first */
	uint64_t defend_after[STACK_MAX_NETIF];
};

static const struct rte_ether_addr zero_mac;

static uint64_t retry_ns(struct stack *s)
{
	return (uint64_t)KNOB(s, ARP_RETRY_MS) * ARP_NS_PER_MS;
}

static struct netif *entry_netif(struct stack *s, const struct arp_entry *e)
{
	return &s->ifs[e->key.ifindex];
}

/* ---- sending ---- */

/* Builds and queues one ARP packet; false (counted) without an mbuf. */
static bool arp_send(struct stack *s, struct netif *ifp, uint16_t op,
                     const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *tha,
                     uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);
	char *p;

	if (!m || !(p = rte_pktmbuf_append(m, WIRE_ARP_LEN))) {
		STAT_INC(s, arp, arp_nomem);
		rte_pktmbuf_free(m);
		return false;
	}
	wire_arp_emit(p, op, &ifp->mac, sip, tha, tip);
	eth_output(s, ifp, m, RTE_ETHER_TYPE_ARP, eth_dst);
	return true;
}

static uint32_t netif_ip4(const struct netif *ifp)
{
	return ifp->addr4.family == AF_INET ? ifp->addr4.v4 : 0;
}

/* A request for e's address: broadcast while resolving, unicast to the
 * known MAC when refreshing a STALE entry. */
static void arp_request(struct stack *s, struct arp_entry *e, const struct rte_ether_addr *dst)
{
	struct netif *ifp = entry_netif(s, e);

	if (arp_send(s, ifp, RTE_ARP_OP_REQUEST, dst, &zero_mac, netif_ip4(ifp), e->key.ip))
		STAT_INC(s, arp, arp_txrequests);
}

void arp_announce(struct stack *s, struct netif *ifp)
{
	uint32_t a = netif_ip4(ifp);
	struct rte_ether_addr bcast;

	if (!a)
		return;
	memset(&bcast, 0xff, sizeof(bcast));
	/* RFC 5227 section 3: an ARP request with sender and target IP both
	 * ours, target MAC zero. */
	if (arp_send(s, ifp, RTE_ARP_OP_REQUEST, &bcast, &zero_mac, a, a))
		STAT_INC(s, arp, arp_txgratuitous);
}

/* ---- the cache ---- */

static struct arp_key arp_key_make(uint32_t ip, uint16_t ifindex)
{
	struct arp_key k;

	memset(&k, 0, sizeof(k));
	k.ip = ip;
	k.ifindex = ifindex;
	return k;
}

static struct arp_entry *arp_lookup(struct arp_table *t, uint32_t ip, uint16_t ifindex)
{
	struct arp_key k = arp_key_make(ip, ifindex);
	int32_t pos = rte_hash_lookup(t->hash, &k);

	if (pos < 0 || (uint32_t)pos >= t->max)
		return NULL;
	return &t->e[pos];
}

static void arp_timer_fire(struct timer *tm, void *ctx);

static void arp_entry_delete(struct stack *s, struct arp_entry *e)
{
	struct arp_table *t = s->arp;

	timer_cancel(s->wheel, &e->timer);
	if (e->hold.n) {
		STAT_ADD(s, arp, arp_dropped, e->hold.n);
		pktq_free(&e->hold);
	}
	if (list_node_linked(&e->stale))
		list_del(&e->stale);
	rte_hash_del_key(t->hash, &e->key);
	memset(e, 0, sizeof(*e));
	timer_init(&e->timer, arp_timer_fire);
	list_init(&e->stale);
	t->n--;
}

/* A new INCOMPLETE entry, evicting the oldest STALE one if the cache is
 * full; NULL if nothing can be evicted. */
static struct arp_entry *arp_entry_create(struct stack *s, uint32_t ip, uint16_t ifindex)
{
	struct arp_table *t = s->arp;
	struct arp_key k = arp_key_make(ip, ifindex);
	struct arp_entry *e;
	int32_t pos;

	for (;;) {
		pos = t->n < t->max ? rte_hash_add_key(t->hash, &k) : -ENOSPC;
		if (pos >= 0)
			break;
		if (list_empty(&t->stale))
			return NULL;
		arp_entry_delete(s, list_first_entry(&t->stale, struct arp_entry, stale));
	}
	if ((uint32_t)pos >= t->max) { /* not expected from rte_hash */
		rte_hash_del_key(t->hash, &k);
		return NULL;
	}
	e = &t->e[pos];
	memset(e, 0, sizeof(*e));
	e->key = k;
	e->in_use = 1;
	e->state = ARP_INCOMPLETE;
	timer_init(&e->timer, arp_timer_fire);
	pktq_init(&e->hold);
	list_init(&e->stale);
	t->n++;
	return e;
}

/* RFC 826 merge: e learns mac and becomes REACHABLE for max_age; packets
 * held for it go out. */
static void arp_entry_resolve(struct stack *s, struct arp_entry *e,
                              const struct rte_ether_addr *mac)
{
	struct netif *ifp = entry_netif(s, e);
	struct rte_mbuf *m;

	if (e->permanent)
		return;
	e->mac = *mac;
	e->state = ARP_REACHABLE;
	e->tries = 0;
	e->expire = s->now + (uint64_t)KNOB(s, ARP_MAX_AGE) * ARP_NS_PER_S;
	if (list_node_linked(&e->stale))
		list_del(&e->stale);
	timer_arm(s->wheel, &e->timer, e->expire);
	while ((m = pktq_pop(&e->hold)) != NULL)
		eth_output(s, ifp, m, RTE_ETHER_TYPE_IPV4, &e->mac);
}

static void arp_timer_fire(struct timer *tm, void *ctx)
{
	struct stack *s = ctx;
	struct arp_entry *e = container_of(tm, struct arp_entry, timer);
	struct rte_ether_addr bcast;

	switch (e->state) {
	case ARP_INCOMPLETE:
		if (e->tries >= KNOB(s, ARP_MAXTRIES)) {
			STAT_INC(s, arp, arp_timeouts);
			arp_entry_delete(s, e);
			return;
		}
		memset(&bcast, 0xff, sizeof(bcast));
		arp_request(s, e, &bcast);
		e->tries++;
		e->expire = s->now + retry_ns(s);
		timer_arm(s->wheel, &e->timer, e->expire);
		return;
	case ARP_REACHABLE:
		e->state = ARP_STALE;
		e->expire = s->now; /* a refresh may go out at once */
		list_add_tail(&s->arp->stale, &e->stale);
		return;
	default:
		return;
	}
}

/* ---- output ---- */

static void arp_hold(struct stack *s, struct arp_entry *e, struct rte_mbuf *m)
{
	if (s->mem.level != MEM_OK) {
		/* Memory pressure (src/stack/mem.h): a sender whose peer is
		 * unresolved sends again (TCP) or loses the datagram. */
		rte_pktmbuf_free(m);
		STAT_INC(s, arp, arp_holdmemdrop);
		return;
	}
	if (e->hold.n >= KNOB(s, ARP_MAXHOLD)) {
		rte_pktmbuf_free(pktq_pop(&e->hold));
		STAT_INC(s, arp, arp_holddrop);
	}
	pktq_push(&e->hold, m);
	STAT_INC(s, arp, arp_held);
}

void arp_output(struct stack *s, struct netif *ifp, uint32_t nh, struct rte_mbuf *m)
{
	struct rte_ether_addr dst;
	struct arp_entry *e;

	if (wire_ip4_is_lbcast(nh) || (ifp->bcast4.family == AF_INET && nh == ifp->bcast4.v4)) {
		memset(&dst, 0xff, sizeof(dst));
		eth_output(s, ifp, m, RTE_ETHER_TYPE_IPV4, &dst);
		return;
	}
	if (wire_ip4_is_multicast(nh)) {
		wire_eth_ip4_mcast(nh, &dst);
		eth_output(s, ifp, m, RTE_ETHER_TYPE_IPV4, &dst);
		return;
	}
	e = arp_lookup(s->arp, nh, ifp->index);
	if (e && e->state == ARP_STALE && s->now >= e->expire &&
	    e->tries >= KNOB(s, ARP_MAXTRIES)) {
		/* maxtries unicast requests, retry_ms apart, went unanswered. */
		STAT_INC(s, arp, arp_stalefail);
		arp_entry_delete(s, e);
		e = NULL;
	}
	if (e && e->state != ARP_INCOMPLETE) {
		if (e->state == ARP_STALE && s->now >= e->expire) {
			arp_request(s, e, &e->mac);
			e->tries++;
			e->expire = s->now + retry_ns(s);
		}
		eth_output(s, ifp, m, RTE_ETHER_TYPE_IPV4, &e->mac);
		return;
	}
	if (e) {
		arp_hold(s, e, m);
		return;
	}
	e = arp_entry_create(s, nh, ifp->index);
	if (!e) {
		STAT_INC(s, arp, arp_cachefull);
		rte_pktmbuf_free(m);
		return;
	}
	arp_hold(s, e, m);
	memset(&dst, 0xff, sizeof(dst));
	arp_request(s, e, &dst);
	e->tries = 1;
	e->expire = s->now + retry_ns(s);
	timer_arm(s->wheel, &e->timer, e->expire);
}

/* ---- input ---- */

static bool arp_sender_ip_ok(const struct netif *ifp, uint32_t sip)
{
	if (sip == 0)
		return true; /* RFC 5227 probe */
	if (!wire_ip4_is_host(sip))
		return false;
	return !(ifp->bcast4.family == AF_INET && sip == ifp->bcast4.v4);
}

static void arp_defend(struct stack *s, struct netif *ifp)
{
	struct arp_table *t = s->arp;

	if (s->now < t->defend_after[ifp->index])
		return;
	t->defend_after[ifp->index] = s->now + ARP_DEFEND_INTERVAL_NS;
	arp_announce(s, ifp);
	STAT_INC(s, arp, arp_defended);
}

void arp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	struct arp_info a;
	struct arp_entry *e = NULL;
	uint32_t our = netif_ip4(ifp);
	int rc;

	rc = wire_arp_parse(m, &a);
	if (rc == -WIRE_ARP_TOOSHORT) {
		STAT_INC(s, arp, arp_tooshort);
		goto drop;
	}
	if (rc < 0) {
		STAT_INC(s, arp, arp_badformat);
		goto drop;
	}
	if (a.op == RTE_ARP_OP_REQUEST) {
		STAT_INC(s, arp, arp_rxrequests);
	} else if (a.op == RTE_ARP_OP_REPLY) {
		STAT_INC(s, arp, arp_rxreplies);
	} else {
		STAT_INC(s, arp, arp_badop);
		goto drop;
	}
	if (!rte_is_unicast_ether_addr(&a.sha) || rte_is_zero_ether_addr(&a.sha) ||
	    rte_is_same_ether_addr(&a.sha, &ifp->mac) || !arp_sender_ip_ok(ifp, a.sip)) {
		STAT_INC(s, arp, arp_badsender);
		goto drop;
	}
	if (our && a.sip == our) {
		STAT_INC(s, arp, arp_dupaddr);
		if (!s->steer.rx_copy) /* the stack that received it defends */
			arp_defend(s, ifp);
		goto drop;
	}
	/* RFC 826: "If the pair <protocol type, sender protocol address> is
	 * already in my translation table, update the sender hardware address
	 * field of the entry with the new information in the packet". */
	if (a.sip)
		e = arp_lookup(s->arp, a.sip, ifp->index);
	if (e)
		arp_entry_resolve(s, e, &a.sha);
	/* "?Am I the target protocol address?" */
	if (!our || a.tip != our) {
		STAT_INC(s, arp, arp_notforus);
		goto drop;
	}
	/* "If Merge_flag is false, add the triplet ... to the table". */
	if (!e && a.sip) {
		e = arp_entry_create(s, a.sip, ifp->index);
		if (e)
			arp_entry_resolve(s, e, &a.sha);
		else
			STAT_INC(s, arp, arp_cachefull); /* still answered */
	}
	/* Another stack's copy (stack/steer.h): that stack answered. */
	if (a.op == RTE_ARP_OP_REQUEST && !s->steer.rx_copy) {
		if (arp_send(s, ifp, RTE_ARP_OP_REPLY, &a.sha, &a.sha, our, a.sip))
			STAT_INC(s, arp, arp_txreplies);
	}
drop:
	rte_pktmbuf_free(m);
}

/* ---- tables for the tools ---- */

void arp_foreach(struct stack *s, void (*fn)(const struct arp_entry_info *e, void *arg), void *arg)
{
	struct arp_table *t = s->arp;

	for (uint32_t i = 0; i < t->max; i++) {
		const struct arp_entry *e = &t->e[i];
		struct arp_entry_info info;

		if (!e->in_use)
			continue;
		memset(&info, 0, sizeof(info));
		info.ip = e->key.ip;
		info.ifindex = e->key.ifindex;
		info.mac = e->mac;
		info.state = (enum arp_state)e->state;
		info.held = e->hold.n;
		info.expire_ns = e->permanent ? UINT64_MAX : e->expire;
		info.permanent = e->permanent;
		info.tries = e->tries;
		fn(&info, arg);
	}
}

int arp_add_static(struct stack *s, uint16_t ifindex, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_entry *e;

	if (ifindex >= s->nifs || !wire_ip4_is_host(ip) || !rte_is_valid_assigned_ether_addr(mac))
		return -EINVAL;
	e = arp_lookup(s->arp, ip, ifindex);
	if (!e) {
		e = arp_entry_create(s, ip, ifindex);
		if (!e)
			return -ENOSPC;
	}
	e->permanent = 0;
	arp_entry_resolve(s, e, mac); /* flushes what was held */
	timer_cancel(s->wheel, &e->timer);
	e->permanent = 1;
	return 0;
}

int arp_del(struct stack *s, uint16_t ifindex, uint32_t ip)
{
	struct arp_entry *e = arp_lookup(s->arp, ip, ifindex);

	if (!e)
		return -ENOENT;
	arp_entry_delete(s, e);
	return 0;
}

/* ---- life cycle ---- */

int arp_init(struct stack *s)
{
	struct arp_table *t;
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];

	t = rte_zmalloc("fastack_arp", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (!t)
		return -ENOMEM;
	t->max = (uint32_t)KNOB(s, ARP_MAX_ENTRIES);
	list_init(&t->stale);
	t->e =
	    rte_zmalloc("fastack_arp_entries", (size_t)t->max * sizeof(*t->e), RTE_CACHE_LINE_SIZE);
	if (!t->e)
		goto nomem;
	/* rte_hash names are global to the process: the stack's address
	 * makes them unique. */
	snprintf(name, sizeof(name), "arp_%p", (void *)s);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = t->max;
	hp.key_len = sizeof(struct arp_key);
	hp.hash_func = rte_jhash;
	hp.hash_func_init_val = (uint32_t)stack_rand(s);
	hp.socket_id = SOCKET_ID_ANY;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->hash = rte_hash_create(&hp);
	if (!t->hash)
		goto nomem;
	s->arp = t;
	return 0;
nomem:
	rte_free(t->e);
	rte_free(t);
	return -ENOMEM;
}

void arp_fini(struct stack *s)
{
	struct arp_table *t = s->arp;

	if (!t)
		return;
	for (uint32_t i = 0; i < t->max; i++) {
		struct arp_entry *e = &t->e[i];

		if (!e->in_use)
			continue;
		timer_cancel(s->wheel, &e->timer);
		pktq_free(&e->hold);
	}
	rte_hash_free(t->hash);
	rte_free(t->e);
	rte_free(t);
	s->arp = NULL;
}
