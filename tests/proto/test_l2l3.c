/* test_l2l3.c: Ethernet/802.1Q, ARP, IPv4, ICMP and routing of one stack on
 * a capture port (tests/harness): frames are injected byte by byte, what
 * the stack sends is checked byte by byte, and every drop must move its
 * own counter and nothing else.  Time is virtual (h_one_run_ms).
 *
 * The stack is "us": 198.18.0.1/24, 02:00:00:00:00:01.  The peer is
 * 198.18.0.2, 02:00:00:00:00:02.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "harness.h"
#include "eth/arp.h"
#include "eth/eth.h"
#include "ip/ip4.h"
#include "ip/route.h"
#include "port/port_fault.h"
#include "port/port_memlink.h"
#include "port/port_pcap.h"
#include "wire/icmp.h"

#define MS 1000000ull

static const struct rte_ether_addr US_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr OTHER_MAC = { { 0x02, 0, 0, 0, 0, 0x03 } };
static const struct rte_ether_addr BCAST_MAC = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr ZERO_MAC = { { 0 } };

static uint32_t ip(const char *s)
{
	return h_ip4(s);
}
#define US ip("198.18.0.1")
#define PEER ip("198.18.0.2")

/* ---- fixtures ---- */

static int64_t knobs[KNOB_COUNT];

static const int64_t *knobs_default(void)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	return knobs;
}

static void setup(struct h_one *h)
{
	h_one_create(h, NULL, knobs_default());
}

/* With knobs[] already set by the test. */
static void setup_knobs(struct h_one *h)
{
	h_one_create(h, NULL, knobs);
}

/* ---- frame building ---- */

struct pkt {
	uint8_t b[9100];
	size_t len;
};

/* Reference Internet checksum, byte by byte (independent of src/wire). */
static uint16_t ref_cksum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t s = seed;

	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s; /* host order */
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet header (tags: 0-terminated list of TPID, TCI pairs). */
static size_t pk_eth(struct pkt *p, const struct rte_ether_addr *dst,
                     const struct rte_ether_addr *src, const uint16_t *tags, uint16_t type)
{
	size_t n = 12;

	memcpy(p->b, dst->addr_bytes, 6);
	memcpy(p->b + 6, src->addr_bytes, 6);
	for (; tags && tags[0]; tags += 2) {
		put16(p->b + n, tags[0]);
		put16(p->b + n + 2, tags[1]);
		n += 4;
	}
	put16(p->b + n, type);
	p->len = n + 2;
	return p->len;
}

static void pk_arp(struct pkt *p, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
                   const struct rte_ether_addr *tha, uint32_t tip)
{
	uint8_t *a = p->b + p->len;

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha->addr_bytes, 6);
	memcpy(a + 14, &sip, 4);
	memcpy(a + 18, tha->addr_bytes, 6);
	memcpy(a + 24, &tip, 4);
	p->len += 28;
}

/* An ARP frame from the peer's MAC to dst. */
static void arp_frame(struct pkt *p, const struct rte_ether_addr *dst, uint16_t op,
                      const struct rte_ether_addr *sha, uint32_t sip,
                      const struct rte_ether_addr *tha, uint32_t tip)
{
	pk_eth(p, dst, &PEER_MAC, NULL, RTE_ETHER_TYPE_ARP);
	pk_arp(p, op, sha, sip, tha, tip);
}

/* IPv4 header + l4 bytes, appended; returns the IP header offset. */
static size_t pk_ip(struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                    size_t l4len)
{
	size_t off = p->len;
	uint8_t *h = p->b + off;

	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + l4len));
	put16(h + 4, 0x4242);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	put16(h + 10, ref_cksum(h, 20, 0));
	memcpy(h + 20, l4, l4len);
	p->len += 20 + l4len;
	return off;
}

static void ip_fix_cksum(struct pkt *p, size_t ipoff)
{
	uint8_t *h = p->b + ipoff;
	unsigned hl = (h[0] & 0xf) * 4u;

	h[10] = h[11] = 0;
	put16(h + 10, ref_cksum(h, hl, 0));
}

/* ICMP echo request: id, seq, n payload bytes (pattern). */
static size_t icmp_echo(uint8_t *buf, uint16_t id, uint16_t seq, size_t n)
{
	buf[0] = ICMP_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	put16(buf + 4, id);
	put16(buf + 6, seq);
	for (size_t i = 0; i < n; i++)
		buf[8 + i] = (uint8_t)(i * 7 + 3);
	put16(buf + 2, ref_cksum(buf, 8 + n, 0));
	return 8 + n;
}

/* A full frame: peer -> us, IPv4 proto with l4 bytes. */
static size_t ip_frame(struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                       size_t l4len)
{
	pk_eth(p, &US_MAC, &PEER_MAC, NULL, RTE_ETHER_TYPE_IPV4);
	return pk_ip(p, src, dst, proto, l4, l4len);
}

static void echo_frame(struct pkt *p, uint32_t dst, size_t payload)
{
	uint8_t l4[9000];
	size_t n = icmp_echo(l4, 0x77, 1, payload);

	ip_frame(p, PEER, dst, IPPROTO_ICMP, l4, n);
}

static struct rte_mbuf *mk(struct h_one *h, const struct pkt *p)
{
	struct rte_mbuf *m = harness_frame(h->pool, p->b, p->len);

	if (!m)
		abort();
	return m;
}

/* A chain of p cut into segments of the given lengths (the last one takes
 * the rest). */
static struct rte_mbuf *mk_chain(struct h_one *h, const struct pkt *p, const uint16_t *cuts,
                                 unsigned ncuts)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	size_t off = 0;

	for (unsigned i = 0; i <= ncuts && off < p->len; i++) {
		size_t n = i < ncuts ? cuts[i] : p->len - off;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(h->pool);

		if (!seg)
			abort();
		memcpy(rte_pktmbuf_append(seg, (uint16_t)n), p->b + off, n);
		off += n;
		if (!head) {
			head = seg;
		} else {
			prev->next = seg;
			head->nb_segs++;
			head->pkt_len += (uint32_t)n;
		}
		prev = seg;
	}
	return head;
}

static void inject_m(struct h_one *h, struct rte_mbuf *m)
{
	cap_port_inject(h->cap, m);
	h_one_pass(h);
}

static void inject(struct h_one *h, const struct pkt *p)
{
	inject_m(h, mk(h, p));
}

/* ---- expectations ---- */

/* Counters that count traffic rather than decisions: checked only when a
 * test names them. */
static bool traffic_counter(const char *name)
{
	static const char *const t[] = { "eth_ipackets", "eth_opackets", "ips_total",
		                         "ips_delivered", "ips_localout" };

	for (unsigned i = 0; i < RTE_DIM(t); i++)
		if (strcmp(name, t[i]) == 0)
			return true;
	return false;
}

/* Every counter (port and loop groups aside) moved by exactly what the
 * NULL-terminated "name=delta" list says, and nothing else moved. */
static void expect_counters_(const char *file, int line, struct h_one *h,
                             const struct stack_stats *before, ...)
{
	const char *want[32];
	unsigned nwant = 0;
	bool seen[32] = { false };
	va_list ap;
	const char *w;

	va_start(ap, before);
	while ((w = va_arg(ap, const char *)) != NULL && nwant < 32)
		want[nwant++] = w;
	va_end(ap);

	for (unsigned g = 0; g < stack_counter_ngroups; g++) {
		const struct counter_group *cg = &stack_counter_groups[g];

		if (strcmp(cg->name, "port") == 0 || strcmp(cg->name, "loop") == 0)
			continue;
		for (unsigned i = 0; i < cg->n; i++) {
			size_t off = cg->offset + i * sizeof(uint64_t);
			uint64_t b = *(const uint64_t *)((const char *)before + off);
			uint64_t a = *(const uint64_t *)((const char *)&h->s->stats + off);
			const char *name = cg->descs[i].name;
			size_t nl = strlen(name);
			long long exp = 0;
			bool listed = false;

			for (unsigned k = 0; k < nwant; k++) {
				if (strncmp(want[k], name, nl) == 0 && want[k][nl] == '=') {
					exp = atoll(want[k] + nl + 1);
					listed = true;
					seen[k] = true;
				}
			}
			if (!listed && traffic_counter(name))
				continue;
			if ((long long)(a - b) != exp)
				harness_fail(file, line, "counter %s moved by %lld, expected %lld",
				             name, (long long)(a - b), exp);
		}
	}
	for (unsigned k = 0; k < nwant; k++)
		if (!seen[k])
			harness_fail(file, line, "no counter named in \"%s\"", want[k]);
}
#define EXPECT_COUNTERS(h, before, ...) \
	expect_counters_(__FILE__, __LINE__, h, before, __VA_ARGS__, (const char *)NULL)
#define EXPECT_NO_COUNTERS(h, before) \
	expect_counters_(__FILE__, __LINE__, h, before, (const char *)NULL)

/* Pops the next frame sent into p (flat); fails if none. */
static bool expect_sent_(const char *file, int line, struct h_one *h, struct pkt *p)
{
	struct rte_mbuf *m = cap_port_pop(h->cap);

	if (!m) {
		harness_fail(file, line, "expected a frame, nothing was sent");
		p->len = 0;
		return false;
	}
	p->len = m->pkt_len < sizeof(p->b) ? m->pkt_len : sizeof(p->b);
	{
		const void *d = rte_pktmbuf_read(m, 0, (uint32_t)p->len, p->b);

		if (d && d != p->b)
			memcpy(p->b, d, p->len);
	}
	rte_pktmbuf_free(m);
	return true;
}
#define EXPECT_SENT(h, p) expect_sent_(__FILE__, __LINE__, h, p)

/* Like EXPECT_SENT, keeping the mbuf (caller frees). */
static struct rte_mbuf *expect_sent_m_(const char *file, int line, struct h_one *h)
{
	struct rte_mbuf *m = cap_port_pop(h->cap);

	if (!m)
		harness_fail(file, line, "expected a frame, nothing was sent");
	return m;
}
#define EXPECT_SENT_M(h) expect_sent_m_(__FILE__, __LINE__, h)

static void expect_nothing_(const char *file, int line, struct h_one *h)
{
	struct rte_mbuf *m;
	char d[256];

	while ((m = cap_port_pop(h->cap)) != NULL) {
		harness_fail(file, line, "unexpected frame: %s", harness_describe(m, d, sizeof(d)));
		rte_pktmbuf_free(m);
	}
}
#define EXPECT_NOTHING(h) expect_nothing_(__FILE__, __LINE__, h)

/* Checks an ARP frame: Ethernet dst, op, sender, target. */
static void check_arp_(const char *file, int line, const struct pkt *p,
                       const struct rte_ether_addr *edst, uint16_t op,
                       const struct rte_ether_addr *sha, uint32_t sip,
                       const struct rte_ether_addr *tha, uint32_t tip)
{
	struct pkt want;

	pk_eth(&want, edst, &US_MAC, NULL, RTE_ETHER_TYPE_ARP);
	pk_arp(&want, op, sha, sip, tha, tip);
	if (p->len != want.len || memcmp(p->b, want.b, want.len) != 0) {
		char hx[3 * 64 + 1] = "";
		for (size_t i = 0; i < p->len && i < 64; i++)
			sprintf(hx + 3 * i, "%02x ", p->b[i]);
		harness_fail(file, line, "ARP frame differs (len %zu, want %zu): %s", p->len,
		             want.len, hx);
	}
}
#define CHECK_ARP(p, ...) check_arp_(__FILE__, __LINE__, p, __VA_ARGS__)

/* Checks the Ethernet + IPv4 header of a frame we sent; returns the IP
 * header offset. */
static size_t check_ip_(const char *file, int line, const struct pkt *p,
                        const struct rte_ether_addr *edst, uint32_t src, uint32_t dst,
                        uint8_t proto, size_t l4len)
{
	const uint8_t *h = p->b + 14;

	if (p->len < 34) {
		harness_fail(file, line, "frame too short for IPv4: %zu", p->len);
		return 14;
	}
	if (memcmp(p->b, edst->addr_bytes, 6) || memcmp(p->b + 6, US_MAC.addr_bytes, 6) ||
	    get16(p->b + 12) != RTE_ETHER_TYPE_IPV4)
		harness_fail(file, line, "Ethernet header wrong");
	if (h[0] != 0x45)
		harness_fail(file, line, "version/IHL %02x", h[0]);
	if (get16(h + 2) != 20 + l4len || p->len != 14 + 20 + l4len)
		harness_fail(file, line, "IP total length %u, frame %zu, want l4 %zu", get16(h + 2),
		             p->len, l4len);
	if (h[9] != proto)
		harness_fail(file, line, "protocol %u, want %u", h[9], proto);
	if (memcmp(h + 12, &src, 4) || memcmp(h + 16, &dst, 4))
		harness_fail(file, line, "addresses wrong");
	if (h[8] != 64)
		harness_fail(file, line, "TTL %u", h[8]);
	if (ref_cksum(h, 20, 0) != 0)
		harness_fail(file, line, "IP header checksum bad");
	return 14;
}
#define CHECK_IP(p, ...) check_ip_(__FILE__, __LINE__, p, __VA_ARGS__)

static void peer_resolved(struct h_one *h)
{
	CHECK_EQ(arp_add_static(h->s, 0, PEER, &PEER_MAC), 0);
}

/* ---- ARP ---- */

TEST(arp_request_for_us_is_answered_and_learnt)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	setup(&h);
	b = h.s->stats;
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REPLY, &US_MAC, US, &PEER_MAC, PEER);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "eth_ipackets=1", "eth_opackets=1", "arp_rxrequests=1",
	                "arp_txreplies=1");
	/* We were the target: the sender is now REACHABLE, so an IP packet
	 * to it goes out without a request. */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(h.pool);
		struct ip4_out o = { .dst = PEER, .proto = 253 };

		memcpy(rte_pktmbuf_append(m, 4), "abcd", 4);
		CHECK_EQ(ip4_output(h.s, m, &o), 0);
		h_one_pass(&h);
		if (EXPECT_SENT(&h, &p))
			CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 4);
		EXPECT_NOTHING(&h);
	}
	h_one_destroy(&h);
}

static struct rte_mbuf *payload(struct h_one *h, uint8_t mark, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);

	memset(d, mark, n);
	return m;
}

static int send_to(struct h_one *h, uint32_t dst, uint8_t mark)
{
	struct ip4_out o = { .dst = dst, .proto = 253 };

	return ip4_output(h->s, payload(h, mark, 8), &o);
}

struct arp_find {
	uint32_t ip;
	bool found;
	struct arp_entry_info e;
};

static void arp_find_cb(const struct arp_entry_info *e, void *arg)
{
	struct arp_find *f = arg;

	if (e->ip == f->ip) {
		f->found = true;
		f->e = *e;
	}
}

static struct arp_find arp_find(struct h_one *h, uint32_t a)
{
	struct arp_find f = { .ip = a };

	arp_foreach(h->s, arp_find_cb, &f);
	return f;
}

TEST(arp_we_resolve_hold_and_release)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;
	struct arp_find f;

	setup(&h);
	b = h.s->stats;
	CHECK_EQ(send_to(&h, PEER, 0xa1), 0);
	CHECK_EQ(send_to(&h, PEER, 0xa2), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
	EXPECT_NOTHING(&h);
	f = arp_find(&h, PEER);
	CHECK(f.found && f.e.state == ARP_INCOMPLETE && f.e.held == 2);
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=1", "arp_held=2", "ips_localout=2");

	b = h.s->stats;
	arp_frame(&p, &US_MAC, RTE_ARP_OP_REPLY, &PEER_MAC, PEER, &US_MAC, US);
	inject(&h, &p);
	for (uint8_t mark = 0xa1; mark <= 0xa2; mark++) {
		if (EXPECT_SENT(&h, &p)) {
			CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 8);
			CHECK_EQ(p.b[34], mark); /* in order */
		}
	}
	EXPECT_NOTHING(&h);
	f = arp_find(&h, PEER);
	CHECK(f.found && f.e.state == ARP_REACHABLE && f.e.held == 0);
	CHECK(rte_is_same_ether_addr(&f.e.mac, &PEER_MAC));
	EXPECT_COUNTERS(&h, &b, "arp_rxreplies=1");
	h_one_destroy(&h);
}

/* A stack whose entries go stale after 2 s and are refreshed at most every
 * 500 ms (maxtries unanswered requests, 0: the default), that has learnt the
 * peer from its request. */
static void setup_peer_learnt(struct h_one *h, int64_t maxtries)
{
	struct pkt p;

	knobs_default();
	knobs[KNOB_ARP_MAX_AGE] = 2; /* seconds */
	knobs[KNOB_ARP_RETRY_MS] = 500;
	if (maxtries)
		knobs[KNOB_ARP_MAXTRIES] = maxtries;
	setup_knobs(h);
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	inject(h, &p);
	cap_port_clear(h->cap);
}

TEST(arp_reachable_goes_stale_after_max_age_and_is_refreshed)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	setup_peer_learnt(&h, 0);
	CHECK(arp_find(&h, PEER).e.state == ARP_REACHABLE);
	h_one_run_ms(&h, 1999);
	CHECK(arp_find(&h, PEER).e.state == ARP_REACHABLE, "still fresh before max_age");
	h_one_run_ms(&h, 1);
	CHECK(arp_find(&h, PEER).e.state == ARP_STALE, "stale at max_age");
	EXPECT_NOTHING(&h);

	/* A STALE entry is used as is, and refreshed by a unicast request
	 * (RFC 1122 2.3.2.1) at most every retry_ms. */
	b = h.s->stats;
	CHECK_EQ(send_to(&h, PEER, 1), 0);
	CHECK_EQ(send_to(&h, PEER, 2), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
	for (int i = 0; i < 2; i++)
		if (EXPECT_SENT(&h, &p))
			CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 8);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=1", "ips_localout=2");
	h_one_run_ms(&h, 500);
	b = h.s->stats;
	CHECK_EQ(send_to(&h, PEER, 3), 0);
	h_one_pass(&h);
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=1", "ips_localout=1");
	cap_port_clear(h.cap);

	/* The reply makes it REACHABLE again. */
	arp_frame(&p, &US_MAC, RTE_ARP_OP_REPLY, &PEER_MAC, PEER, &US_MAC, US);
	inject(&h, &p);
	CHECK(arp_find(&h, PEER).e.state == ARP_REACHABLE);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* A STALE entry whose host stopped answering: the unicast requests go
 * unanswered (maxtries of them, retry_ms apart, sent only while the entry
 * is used); the next use deletes it (arp_stalefail) and resolves anew by
 * broadcast, the packet waiting in the new INCOMPLETE entry. */
TEST(arp_stale_entry_of_a_silent_host_is_resolved_anew)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	setup_peer_learnt(&h, 3);
	h_one_run_ms(&h, 2000);
	CHECK(arp_find(&h, PEER).e.state == ARP_STALE, "stale at max_age");
	b = h.s->stats;
	for (int k = 1; k <= 3; k++) {
		CHECK_EQ(send_to(&h, PEER, (uint8_t)k), 0);
		h_one_pass(&h);
		if (EXPECT_SENT(&h, &p))
			CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
		if (EXPECT_SENT(&h, &p))
			CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 8); /* still to the old MAC */
		EXPECT_NOTHING(&h);
		CHECK_EQ(arp_find(&h, PEER).e.tries, k);
		h_one_run_ms(&h, 499);
		CHECK_EQ(send_to(&h, PEER, 9), 0); /* before retry_ms: no request */
		h_one_pass(&h);
		if (EXPECT_SENT(&h, &p))
			CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 8);
		EXPECT_NOTHING(&h);
		h_one_run_ms(&h, 1);
	}
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=3", "ips_localout=6");
	/* Three unanswered: this use gives the entry up and broadcasts. */
	b = h.s->stats;
	CHECK_EQ(send_to(&h, PEER, 4), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
	EXPECT_NOTHING(&h);
	CHECK(arp_find(&h, PEER).e.state == ARP_INCOMPLETE, "resolving anew");
	EXPECT_COUNTERS(&h, &b, "arp_stalefail=1", "arp_txrequests=1", "arp_held=1",
	                "ips_localout=1");
	/* The host answers from a new MAC: the held packet goes there. */
	arp_frame(&p, &US_MAC, RTE_ARP_OP_REPLY, &OTHER_MAC, PEER, &US_MAC, US);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_IP(&p, &OTHER_MAC, US, PEER, 253, 8);
	EXPECT_NOTHING(&h);
	CHECK(arp_find(&h, PEER).e.state == ARP_REACHABLE);
	h_one_destroy(&h);
}

TEST(arp_incomplete_retried_then_given_up)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	knobs_default();
	knobs[KNOB_ARP_RETRY_MS] = 100;
	knobs[KNOB_ARP_MAXTRIES] = 3;
	setup_knobs(&h);
	b = h.s->stats;
	CHECK_EQ(send_to(&h, PEER, 1), 0);
	CHECK_EQ(send_to(&h, PEER, 2), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
	for (int k = 2; k <= 3; k++) {
		h_one_run_ms(&h, 99);
		EXPECT_NOTHING(&h);
		h_one_run_ms(&h, 1);
		if (EXPECT_SENT(&h, &p))
			CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, PEER);
		EXPECT_NOTHING(&h);
		CHECK_EQ(arp_find(&h, PEER).e.tries, k);
	}
	h_one_run_ms(&h, 99);
	CHECK(arp_find(&h, PEER).found);
	h_one_run_ms(&h, 1);
	CHECK(!arp_find(&h, PEER).found, "given up after maxtries");
	h_one_run_ms(&h, 1000);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=3", "arp_held=2", "arp_timeouts=1", "arp_dropped=2",
	                "ips_localout=2");
	h_one_destroy(&h); /* the held mbufs must be back */
}

TEST(arp_hold_queue_overflow_drops_oldest)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	knobs_default();
	knobs[KNOB_ARP_MAXHOLD] = 2;
	setup_knobs(&h);
	b = h.s->stats;
	for (uint8_t i = 1; i <= 5; i++)
		CHECK_EQ(send_to(&h, PEER, i), 0);
	h_one_pass(&h);
	cap_port_clear(h.cap); /* the request */
	CHECK_EQ(arp_find(&h, PEER).e.held, 2);
	EXPECT_COUNTERS(&h, &b, "arp_txrequests=1", "arp_held=5", "arp_holddrop=3",
	                "ips_localout=5");
	arp_frame(&p, &US_MAC, RTE_ARP_OP_REPLY, &PEER_MAC, PEER, &US_MAC, US);
	inject(&h, &p);
	for (uint8_t mark = 4; mark <= 5; mark++)
		if (EXPECT_SENT(&h, &p))
			CHECK_EQ(p.b[34], mark);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

TEST(arp_gratuitous_announce_and_merge)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	setup(&h);
	b = h.s->stats;
	arp_announce(h.s, &h.s->ifs[0]);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, US);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_txgratuitous=1");

	/* A gratuitous ARP of a host we do not know creates nothing (we are
	 * not its target) ... */
	b = h.s->stats;
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, PEER);
	inject(&h, &p);
	CHECK(!arp_find(&h, PEER).found);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_rxrequests=1", "arp_notforus=1");
	/* ... but updates a host we know (RFC 826 merge): the peer moved. */
	peer_resolved(&h); /* static: not changed by ARP */
	CHECK_EQ(arp_del(h.s, 0, PEER), 0);
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	inject(&h, &p);
	cap_port_clear(h.cap);
	pk_eth(&p, &BCAST_MAC, &OTHER_MAC, NULL, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &OTHER_MAC, PEER, &ZERO_MAC, PEER);
	inject(&h, &p);
	{
		struct arp_find f = arp_find(&h, PEER);

		CHECK(f.found && rte_is_same_ether_addr(&f.e.mac, &OTHER_MAC));
	}
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

TEST(arp_static_entries_are_not_overwritten)
{
	struct h_one h;
	struct pkt p;
	struct arp_find f;

	setup(&h);
	peer_resolved(&h);
	pk_eth(&p, &BCAST_MAC, &OTHER_MAC, NULL, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &OTHER_MAC, PEER, &ZERO_MAC, US);
	inject(&h, &p);
	cap_port_clear(h.cap);
	f = arp_find(&h, PEER);
	CHECK(f.found && f.e.permanent && rte_is_same_ether_addr(&f.e.mac, &PEER_MAC));
	h_one_run_ms(&h, 100);
	CHECK_EQ(arp_add_static(h.s, 0, PEER, &BCAST_MAC), -EINVAL);
	CHECK_EQ(arp_add_static(h.s, 9, PEER, &PEER_MAC), -EINVAL);
	CHECK_EQ(arp_del(h.s, 0, ip("198.18.0.77")), -ENOENT);
	h_one_destroy(&h);
}

TEST(arp_conflict_detected_and_defended_once)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;

	setup(&h);
	b = h.s->stats;
	/* Someone else announces our address. */
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, US, &ZERO_MAC, US);
	inject(&h, &p);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, US);
	EXPECT_NOTHING(&h); /* defended once within DEFEND_INTERVAL */
	EXPECT_COUNTERS(&h, &b, "arp_rxrequests=2", "arp_dupaddr=2", "arp_defended=1",
	                "arp_txgratuitous=1");
	h_one_run_ms(&h, 10000);
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REPLY, &PEER_MAC, US, &US_MAC, US);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC, US);
	h_one_destroy(&h);
}

TEST(arp_probe_is_answered_without_learning)
{
	struct h_one h;
	struct pkt p;

	setup(&h);
	/* RFC 5227 probe for our address: sender IP 0. */
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, 0, &ZERO_MAC, US);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REPLY, &US_MAC, US, &PEER_MAC, 0);
	EXPECT_NOTHING(&h);
	CHECK(!arp_find(&h, 0).found);
	h_one_destroy(&h);
}

TEST(arp_hostile_input_counted_never_answered)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p, good;
	static const struct rte_ether_addr MCAST_MAC = { { 0x01, 0, 0x5e, 0, 0, 1 } };

	setup(&h);
	arp_frame(&good, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);

	/* Wrong hardware type, protocol type, hardware and protocol lengths. */
	static const struct {
		unsigned off;
		uint8_t val;
	} fmt[] = { { 14 + 1, 6 }, { 14 + 2, 0x86 }, { 14 + 4, 8 }, { 14 + 5, 16 } };
	for (unsigned i = 0; i < RTE_DIM(fmt); i++) {
		p = good;
		p.b[fmt[i].off] = fmt[i].val;
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "arp_badformat=1");
	}
	/* Truncated: inside the fixed part, and inside the addresses. */
	static const size_t cut[] = { 14, 14 + 5, 14 + 8, 14 + 27 };
	for (unsigned i = 0; i < RTE_DIM(cut); i++) {
		p = good;
		p.len = cut[i];
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "arp_tooshort=1");
	}
	/* Unknown operation (RARP request). */
	p = good;
	p.b[14 + 7] = 3;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_badop=1");
	/* Sender MAC broadcast, multicast, zero, ours. */
	const struct rte_ether_addr *bad_sha[] = { &BCAST_MAC, &MCAST_MAC, &ZERO_MAC, &US_MAC };
	for (unsigned i = 0; i < RTE_DIM(bad_sha); i++) {
		arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, bad_sha[i], PEER, &ZERO_MAC, US);
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "arp_rxrequests=1", "arp_badsender=1");
	}
	/* Sender IP broadcast, subnet broadcast, multicast, loopback. */
	const char *bad_sip[] = { "255.255.255.255", "198.18.0.255", "224.0.0.1", "127.0.0.1" };
	for (unsigned i = 0; i < RTE_DIM(bad_sip); i++) {
		arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, ip(bad_sip[i]), &ZERO_MAC,
		          US);
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "arp_rxrequests=1", "arp_badsender=1");
	}
	/* A request for another host: no answer, no entry. */
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, ip("198.18.0.9"));
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "arp_rxrequests=1", "arp_notforus=1");
	CHECK(!arp_find(&h, PEER).found);
	/* The good one still works after all that. */
	inject(&h, &good);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REPLY, &US_MAC, US, &PEER_MAC, PEER);
	h_one_destroy(&h);
}

TEST(arp_cache_full_evicts_oldest_stale_else_drops)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;
	char a[32];

	knobs_default();
	knobs[KNOB_ARP_MAX_ENTRIES] = 8;
	knobs[KNOB_ARP_MAX_AGE] = 1;
	setup_knobs(&h);
	/* Eight unresolved neighbours fill the cache. */
	for (int i = 0; i < 8; i++) {
		snprintf(a, sizeof(a), "198.18.0.%d", 10 + i);
		CHECK_EQ(send_to(&h, ip(a), 1), 0);
	}
	b = h.s->stats;
	CHECK_EQ(send_to(&h, ip("198.18.0.30"), 1), 0);
	EXPECT_COUNTERS(&h, &b, "arp_cachefull=1", "ips_localout=1");
	h_one_run_ms(&h, 10000); /* all given up */
	cap_port_clear(h.cap);

	/* Eight hosts resolved, one after the other, then aged to STALE. */
	for (int i = 0; i < 8; i++) {
		snprintf(a, sizeof(a), "198.18.0.%d", 10 + i);
		arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, ip(a), &ZERO_MAC, US);
		inject(&h, &p);
		h_one_run_ms(&h, 10);
	}
	h_one_run_ms(&h, 1000);
	CHECK(arp_find(&h, ip("198.18.0.10")).e.state == ARP_STALE);
	cap_port_clear(h.cap);
	b = h.s->stats;
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, ip("198.18.0.40"), &ZERO_MAC, US);
	inject(&h, &p);
	CHECK(!arp_find(&h, ip("198.18.0.10")).found, "oldest stale evicted");
	CHECK(arp_find(&h, ip("198.18.0.11")).found);
	CHECK(arp_find(&h, ip("198.18.0.40")).found);
	EXPECT_COUNTERS(&h, &b, "arp_rxrequests=1", "arp_txreplies=1");
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

/* ---- Ethernet and VLANs ---- */

TEST(eth_hostile_frames)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;
	static const struct rte_ether_addr MCAST_MAC = { { 0x01, 0, 0x5e, 0, 0, 1 } };

	setup(&h);
	/* Shorter than an Ethernet header. */
	arp_frame(&p, &US_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	p.len = 13;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_ipackets=1", "eth_tooshort=1");
	p.len = 0;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_tooshort=1");

	/* Not our MAC; a multicast MAC for ARP/IPv4. */
	pk_eth(&p, &OTHER_MAC, &PEER_MAC, NULL, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_notforus=1");
	echo_frame(&p, US, 8);
	memcpy(p.b, MCAST_MAC.addr_bytes, 6);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_notforus=1");

	/* Nested tags: 0x8100 in 0x8100, 802.1ad, 0x9100; a tag cut short. */
	static const uint16_t nested[][5] = { { 0x8100, 0, 0x8100, 0, 0 },
		                              { 0x88a8, 5, 0x8100, 0, 0 },
		                              { 0x88a8, 5, 0, 0, 0 },
		                              { 0x9100, 5, 0x8100, 0, 0 } };
	for (unsigned i = 0; i < RTE_DIM(nested); i++) {
		pk_eth(&p, &US_MAC, &PEER_MAC, nested[i], RTE_ETHER_TYPE_ARP);
		pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_COUNTERS(&h, &b, "eth_badvlan=1");
	}
	pk_eth(&p, &US_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 5, 0 }, RTE_ETHER_TYPE_ARP);
	p.len = 16;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_badvlan=1");
	/* VID 4095 is reserved. */
	pk_eth(&p, &US_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 0xfff, 0 }, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_badvlan=1");
	/* A VLAN with no interface. */
	pk_eth(&p, &US_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 42, 0 }, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_novlan=1");
	/* Hardware-stripped tag, no interface; stripped plus a tag in the
	 * frame. */
	{
		struct rte_mbuf *m;

		arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
		m = mk(&h, &p);
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN;
		m->vlan_tci = 42;
		b = h.s->stats;
		inject_m(&h, m);
		EXPECT_COUNTERS(&h, &b, "eth_novlan=1");

		pk_eth(&p, &US_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 0, 0 },
		       RTE_ETHER_TYPE_ARP);
		pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
		m = mk(&h, &p);
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN;
		m->vlan_tci = 0;
		b = h.s->stats;
		inject_m(&h, m);
		EXPECT_COUNTERS(&h, &b, "eth_badvlan=1");
	}
	/* IPv6, LLDP, an 802.3 length field. */
	pk_eth(&p, &US_MAC, &PEER_MAC, NULL, RTE_ETHER_TYPE_IPV6);
	memset(p.b + p.len, 0, 40);
	p.len += 40;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_noipv6=1");
	pk_eth(&p, &US_MAC, &PEER_MAC, NULL, 0x88cc);
	p.len += 20;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_noproto=1");
	pk_eth(&p, &US_MAC, &PEER_MAC, NULL, 46);
	p.len += 46;
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "eth_noproto=1");
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

TEST(vlan_netif_tagged_and_stripped)
{
	struct h_one h;
	struct pkt p, want;
	struct ifaddr_cfg ifa = h_ifaddr("198.18.1.1", "255.255.255.0", NULL);
	uint32_t us1 = ip("198.18.1.1"), peer1 = ip("198.18.1.2");
	int idx;

	setup(&h);
	idx = stack_add_netif(h.s, h.cap, 100, &ifa);
	CHECK_EQ(idx, 1);
	h_one_pass(&h);
	cap_port_clear(h.cap); /* its gratuitous ARP */

	/* Tagged request on VLAN 100: a tagged reply. */
	pk_eth(&p, &BCAST_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 100, 0 }, RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, peer1, &ZERO_MAC, us1);
	inject(&h, &p);
	pk_eth(&want, &PEER_MAC, &US_MAC, (const uint16_t[]){ 0x8100, 100, 0 }, RTE_ETHER_TYPE_ARP);
	pk_arp(&want, RTE_ARP_OP_REPLY, &US_MAC, us1, &PEER_MAC, peer1);
	if (EXPECT_SENT(&h, &p))
		CHECK(p.len == want.len && memcmp(p.b, want.b, want.len) == 0);
	EXPECT_NOTHING(&h);

	/* The same with the tag stripped by the port. */
	{
		struct rte_mbuf *m;

		pk_eth(&p, &BCAST_MAC, &PEER_MAC, NULL, RTE_ETHER_TYPE_ARP);
		pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, peer1, &ZERO_MAC, us1);
		m = mk(&h, &p);
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN;
		m->vlan_tci = 0x2000 | 100; /* PCP 1 */
		inject_m(&h, m);
		if (EXPECT_SENT(&h, &p))
			CHECK(p.len == want.len && memcmp(p.b, want.b, want.len) == 0);
	}
	/* A request for the VLAN address arriving untagged is not for the
	 * untagged netif. */
	arp_frame(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, us1);
	inject(&h, &p);
	EXPECT_NOTHING(&h);
	/* Priority-tagged (VID 0) frames belong to the untagged netif. */
	pk_eth(&p, &BCAST_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 0x6000, 0 },
	       RTE_ETHER_TYPE_ARP);
	pk_arp(&p, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &PEER_MAC, RTE_ARP_OP_REPLY, &US_MAC, US, &PEER_MAC, PEER);
	/* IP out of the VLAN netif is tagged. */
	CHECK_EQ(send_to(&h, peer1, 9), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p)) {
		CHECK(get16(p.b + 12) == 0x8100 && (get16(p.b + 14) & 0xfff) == 100);
		CHECK(get16(p.b + 16) == RTE_ETHER_TYPE_IPV4);
		CHECK(memcmp(p.b + 18 + 12, &us1, 4) == 0);
	}
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* ---- ICMP echo ---- */

/* Checks an echo reply to an echo_frame() request of n payload bytes. */
static void check_echo_reply_(const char *file, int line, const struct pkt *p, size_t n)
{
	uint8_t req[9100];
	const uint8_t *ic = p->b + 34;

	check_ip_(file, line, p, &PEER_MAC, US, PEER, IPPROTO_ICMP, 8 + n);
	if (p->len < 34 + 8 + n)
		return;
	icmp_echo(req, 0x77, 1, n);
	if (ic[0] != ICMP_ECHOREPLY || ic[1] != 0)
		harness_fail(file, line, "type %u code %u", ic[0], ic[1]);
	if (ref_cksum(ic, 8 + n, 0) != 0)
		harness_fail(file, line, "ICMP checksum bad (%02x%02x)", ic[2], ic[3]);
	if (memcmp(ic + 4, req + 4, 4 + n) != 0)
		harness_fail(file, line, "id/seq/payload differ");
}
#define CHECK_ECHO_REPLY(p, n) check_echo_reply_(__FILE__, __LINE__, p, n)

TEST(icmp_echo_small_and_1472)
{
	static const size_t sizes[] = { 0, 1, 56, 1472 };

	for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
		struct h_one h;
		struct stack_stats b;
		struct pkt p;

		setup(&h);
		peer_resolved(&h);
		b = h.s->stats;
		echo_frame(&p, US, sizes[i]);
		inject(&h, &p);
		if (EXPECT_SENT(&h, &p))
			CHECK_ECHO_REPLY(&p, sizes[i]);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "icps_inhist_echo=1", "icps_outhist_echoreply=1",
		                "ips_delivered=1", "ips_localout=1");
		h_one_destroy(&h);
	}
}

/* RFC 1122 section 3.2.1.7: a host MUST NOT discard a datagram because it
 * arrived with a TTL below 2; the TTL plays no part in local delivery (a
 * TTL of 0 included: no router would have forwarded it, but the host has
 * nothing to decrement).  The reply carries our own default TTL. */
TEST(ip4_low_ttl_is_delivered)
{
	static const uint8_t ttls[] = { 0, 1 };

	for (unsigned i = 0; i < RTE_DIM(ttls); i++) {
		struct h_one h;
		struct stack_stats b;
		struct pkt p;

		setup(&h);
		peer_resolved(&h);
		b = h.s->stats;
		echo_frame(&p, US, 56);
		p.b[14 + 8] = ttls[i];
		ip_fix_cksum(&p, 14);
		inject(&h, &p);
		if (EXPECT_SENT(&h, &p)) {
			CHECK_ECHO_REPLY(&p, 56);
			CHECK_EQ(p.b[14 + 8], KNOB(h.s, IP_DEFTTL));
		}
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "icps_inhist_echo=1", "icps_outhist_echoreply=1",
		                "ips_delivered=1", "ips_localout=1");
		h_one_destroy(&h);
	}
}

TEST(icmp_echo_multisegment_and_padding)
{
	struct h_one h;
	struct pkt p, req;
	/* ICMP header in the first segment; alone in the second; cut across
	 * three (both make the reply path copy first); two halves. */
	static const uint16_t cuts[][4] = {
		{ 100, 1001, 3 }, { 34, 500, 9 }, { 35, 1, 1 }, { 1000, 513 }
	};
	static const unsigned ncuts[] = { 3, 3, 3, 2 };

	setup(&h);
	peer_resolved(&h);
	for (unsigned i = 0; i < RTE_DIM(cuts); i++) {
		echo_frame(&p, US, 1472);
		inject_m(&h, mk_chain(&h, &p, cuts[i], ncuts[i]));
		if (EXPECT_SENT(&h, &p))
			CHECK_ECHO_REPLY(&p, 1472);
		EXPECT_NOTHING(&h);
	}
	/* The IP header split from the Ethernet header's segment: no port does
	 * that; counted, not crashed. */
	{
		struct stack_stats b = h.s->stats;

		echo_frame(&p, US, 8);
		inject_m(&h, mk_chain(&h, &p, (const uint16_t[]){ 14, 10 }, 2));
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "ips_hdrsplit=1");
	}
	/* A short request padded to the 60-byte minimum: the reply carries
	 * no padding. */
	echo_frame(&p, US, 4);
	memset(p.b + p.len, 0xee, 60 - p.len);
	p.len = 60;
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ECHO_REPLY(&p, 4);
	/* Padding in a separate segment, and across two. */
	echo_frame(&p, US, 4);
	memset(p.b + p.len, 0xee, 60 - p.len);
	p.len = 60;
	req = p;
	inject_m(&h, mk_chain(&h, &req, (const uint16_t[]){ 46 }, 1));
	if (EXPECT_SENT(&h, &p))
		CHECK_ECHO_REPLY(&p, 4);
	inject_m(&h, mk_chain(&h, &req, (const uint16_t[]){ 40, 10 }, 2));
	if (EXPECT_SENT(&h, &p))
		CHECK_ECHO_REPLY(&p, 4);
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

TEST(icmp_echo_with_checksum_offloads)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;
	struct rte_mbuf *m;

	setup(&h);
	peer_resolved(&h);
	h.cap->offloads = PORT_OFF_RX_IPV4_CKSUM | PORT_OFF_TX_IPV4_CKSUM;

	/* TX: the header checksum is left to the port. */
	echo_frame(&p, US, 56);
	inject(&h, &p);
	m = EXPECT_SENT_M(&h);
	if (m) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		CHECK((m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM)) ==
		      (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM));
		CHECK_EQ(m->l2_len, 14);
		CHECK_EQ(m->l3_len, 20);
		CHECK(d[14 + 10] == 0 && d[14 + 11] == 0);
		CHECK_EQ(ref_cksum(d + 34, 64, 0), 0); /* ICMP is ours to sum */
		rte_pktmbuf_free(m);
	}
	/* RX: the port's verdict is trusted, both ways. */
	echo_frame(&p, US, 56);
	m = mk(&h, &p);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	b = h.s->stats;
	inject_m(&h, m);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "ips_badsum=1");
	p.b[14 + 10] ^= 0xff; /* corrupt, but the port says good */
	m = mk(&h, &p);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	inject_m(&h, m);
	m = EXPECT_SENT_M(&h);
	rte_pktmbuf_free(m);
	/* Unknown verdict: checked in software. */
	m = mk(&h, &p);
	b = h.s->stats;
	inject_m(&h, m);
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "ips_badsum=1");
	h_one_destroy(&h);
}

TEST(icmp_echo_refused_cases)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p;
	uint8_t l4[64];
	size_t n;

	knobs_default();
	knobs[KNOB_ICMP_ECHO] = 0;
	setup_knobs(&h);
	peer_resolved(&h);
	echo_frame(&p, US, 8);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_inhist_echo=1", "icps_noecho=1");
	h.s->knob[KNOB_ICMP_ECHO] = 1;

	/* To the subnet broadcast and to 255.255.255.255. */
	echo_frame(&p, ip("198.18.0.255"), 8);
	memcpy(p.b, BCAST_MAC.addr_bytes, 6);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_inhist_echo=1", "icps_bmcastecho=1");
	echo_frame(&p, 0xffffffffu, 8);
	memcpy(p.b, BCAST_MAC.addr_bytes, 6);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_inhist_echo=1", "icps_bmcastecho=1");

	/* Bad checksum, too short, unknown type, other types. */
	n = icmp_echo(l4, 1, 1, 8);
	l4[9] ^= 1;
	ip_frame(&p, PEER, US, IPPROTO_ICMP, l4, n);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_checksum=1");
	ip_frame(&p, PEER, US, IPPROTO_ICMP, l4, 7);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_tooshort=1");
	memset(l4, 0, 8);
	l4[0] = 99;
	put16(l4 + 2, ref_cksum(l4, 8, 0));
	ip_frame(&p, PEER, US, IPPROTO_ICMP, l4, 8);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_badtype=1");
	memset(l4, 0, 8);
	l4[0] = ICMP_ECHOREPLY;
	put16(l4 + 2, ref_cksum(l4, 8, 0));
	ip_frame(&p, PEER, US, IPPROTO_ICMP, l4, 8);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "icps_inhist_other=1");
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* ---- ICMP errors ---- */

TEST(icmp_protocol_unreachable_quotes_header_and_8_bytes)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p, req;
	uint8_t l4[32];

	setup(&h);
	peer_resolved(&h);
	for (unsigned i = 0; i < sizeof(l4); i++)
		l4[i] = (uint8_t)(0x30 + i);
	ip_frame(&req, PEER, US, 99, l4, sizeof(l4));
	b = h.s->stats;
	inject(&h, &req);
	if (EXPECT_SENT(&h, &p)) {
		const uint8_t *ic = p.b + 34;

		CHECK_IP(&p, &PEER_MAC, US, PEER, IPPROTO_ICMP, 8 + 20 + 8);
		CHECK(ic[0] == ICMP_UNREACH && ic[1] == ICMP_UNREACH_PROTOCOL);
		CHECK_EQ(ref_cksum(ic, 36, 0), 0);
		CHECK(ic[4] == 0 && ic[5] == 0 && ic[6] == 0 && ic[7] == 0);
		CHECK(memcmp(ic + 8, req.b + 14, 28) == 0, "quote = IP header + 8 bytes");
	}
	EXPECT_NOTHING(&h);
	EXPECT_COUNTERS(&h, &b, "ips_noproto=1", "icps_error=1", "ips_localout=1");
	h_one_destroy(&h);
}

/* A received datagram in the state a transport layer hands to icmp_error:
 * data at the transport header, IP and Ethernet headers in the headroom. */
static struct rte_mbuf *as_received(struct h_one *h, const struct pkt *p)
{
	struct rte_mbuf *m = mk(h, p);
	unsigned hl = (p->b[14] & 0xf) * 4u;

	m->l2_len = 14;
	m->l3_len = hl;
	rte_pktmbuf_adj(m, (uint16_t)(14 + hl));
	return m;
}

TEST(icmp_port_unreachable_and_rate_limit)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p, req;
	uint8_t udp[12] = { 0x04, 0xd2, 0x00, 0x07, 0x00, 0x0c, 0, 0, 'a', 'b', 'c', 'd' };
	struct rte_mbuf *m;

	knobs_default();
	knobs[KNOB_ICMP_LIM] = 5;
	setup_knobs(&h);
	peer_resolved(&h);
	ip_frame(&req, PEER, US, IPPROTO_UDP, udp, sizeof(udp));

	m = as_received(&h, &req);
	icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
	rte_pktmbuf_free(m);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p)) {
		const uint8_t *ic = p.b + 34;

		CHECK_IP(&p, &PEER_MAC, US, PEER, IPPROTO_ICMP, 8 + 20 + 8);
		CHECK(ic[0] == 3 && ic[1] == 3);
		CHECK_EQ(ref_cksum(ic, 36, 0), 0);
		CHECK(memcmp(ic + 8, req.b + 14, 28) == 0);
	}
	/* The bucket held 5: 4 left now, then nothing. */
	b = h.s->stats;
	for (int i = 0; i < 10; i++) {
		m = as_received(&h, &req);
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
		rte_pktmbuf_free(m);
	}
	h_one_pass(&h);
	EXPECT_COUNTERS(&h, &b, "icps_error=4", "icps_ratelimited=6", "ips_localout=4");
	cap_port_clear(h.cap);
	/* 5 per second: one more after 200 ms, not before. */
	h_one_run_ms(&h, 199);
	b = h.s->stats;
	for (int i = 0; i < 2; i++) {
		m = as_received(&h, &req);
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
		rte_pktmbuf_free(m);
	}
	EXPECT_COUNTERS(&h, &b, "icps_ratelimited=2");
	h_one_run_ms(&h, 1);
	b = h.s->stats;
	for (int i = 0; i < 2; i++) {
		m = as_received(&h, &req);
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
		rte_pktmbuf_free(m);
	}
	EXPECT_COUNTERS(&h, &b, "icps_error=1", "icps_ratelimited=1", "ips_localout=1");
	/* After a long quiet time the burst is one second's worth, no more. */
	h_one_run_ms(&h, 5000);
	b = h.s->stats;
	for (int i = 0; i < 8; i++) {
		m = as_received(&h, &req);
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
		rte_pktmbuf_free(m);
	}
	EXPECT_COUNTERS(&h, &b, "icps_error=5", "icps_ratelimited=3", "ips_localout=5");
	/* Credit never piles up beyond the bucket: 1 s quiet, 1 error (4
	 * left), 0.9 s more (+4.5, capped at 5), then 5 and no more. */
	h_one_run_ms(&h, 1000);
	m = as_received(&h, &req);
	icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
	rte_pktmbuf_free(m);
	h_one_run_ms(&h, 900);
	b = h.s->stats;
	for (int i = 0; i < 10; i++) {
		m = as_received(&h, &req);
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
		rte_pktmbuf_free(m);
	}
	EXPECT_COUNTERS(&h, &b, "icps_error=5", "icps_ratelimited=5", "ips_localout=5");
	/* Protocol unreachables share the bucket. */
	h.s->knob[KNOB_ICMP_LIM] = 0; /* 0 disables errors */
	ip_frame(&p, PEER, US, 99, udp, 8);
	b = h.s->stats;
	inject(&h, &p);
	EXPECT_COUNTERS(&h, &b, "ips_noproto=1", "icps_ratelimited=1");
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

TEST(icmp_error_suppression_rfc1122)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt req;
	struct rte_mbuf *m;
	uint8_t l4[16];

	setup(&h);
	peer_resolved(&h);
#define TRY(counter)                                                 \
	do {                                                         \
		b = h.s->stats;                                      \
		m = as_received(&h, &req);                           \
		icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT); \
		rte_pktmbuf_free(m);                                 \
		h_one_pass(&h);                                      \
		EXPECT_NOTHING(&h);                                  \
		EXPECT_COUNTERS(&h, &b, counter "=1");               \
	} while (0)

	/* About an ICMP error (destination unreachable) and an unknown type. */
	memset(l4, 0, sizeof(l4));
	l4[0] = ICMP_UNREACH;
	ip_frame(&req, PEER, US, IPPROTO_ICMP, l4, sizeof(l4));
	TRY("icps_oldicmp");
	l4[0] = 200;
	ip_frame(&req, PEER, US, IPPROTO_ICMP, l4, sizeof(l4));
	TRY("icps_oldicmp");
	/* To a broadcast, a multicast, and as a link-layer broadcast. */
	ip_frame(&req, PEER, ip("198.18.0.255"), IPPROTO_UDP, l4, 8);
	TRY("icps_errbmcast");
	ip_frame(&req, PEER, ip("224.0.0.9"), IPPROTO_UDP, l4, 8);
	TRY("icps_errbmcast");
	ip_frame(&req, PEER, US, IPPROTO_UDP, l4, 8);
	memcpy(req.b, BCAST_MAC.addr_bytes, 6);
	TRY("icps_errbmcast");
	/* A later fragment. */
	ip_frame(&req, PEER, US, IPPROTO_UDP, l4, 8);
	req.b[14 + 7] = 10;
	ip_fix_cksum(&req, 14);
	TRY("icps_errfrag");
	/* Sources that are no single host. */
	static const char *bad[] = { "0.0.0.0",         "127.0.0.1",    "224.1.2.3",
		                     "255.255.255.255", "198.18.0.255", "240.0.0.1" };
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		ip_frame(&req, ip(bad[i]), US, IPPROTO_UDP, l4, 8);
		TRY("icps_errbadsrc");
	}
	/* An echo request (a query) does get an error. */
	icmp_echo(l4, 1, 1, 8);
	ip_frame(&req, PEER, US, IPPROTO_ICMP, l4, 16);
	m = as_received(&h, &req);
	icmp_error(h.s, m, ICMP_UNREACH, ICMP_UNREACH_PORT);
	rte_pktmbuf_free(m);
	h_one_pass(&h);
	m = EXPECT_SENT_M(&h);
	rte_pktmbuf_free(m);
#undef TRY
	h_one_destroy(&h);
}

/* ---- IPv4 input validation ---- */

TEST(ip4_hostile_headers)
{
	struct h_one h;
	struct stack_stats b;
	struct pkt p, good;

	setup(&h);
	peer_resolved(&h);
	echo_frame(&good, US, 8);
#define BAD(counter, ...)                              \
	do {                                           \
		p = good;                              \
		__VA_ARGS__;                           \
		b = h.s->stats;                        \
		inject(&h, &p);                        \
		EXPECT_NOTHING(&h);                    \
		EXPECT_COUNTERS(&h, &b, counter "=1"); \
	} while (0)

	BAD("ips_toosmall", p.len = 14 + 19);
	BAD("ips_toosmall", p.len = 14);
	BAD("ips_badvers", p.b[14] = 0x65; ip_fix_cksum(&p, 14));
	BAD("ips_badhlen", p.b[14] = 0x44);
	BAD("ips_badhlen", p.b[14] = 0x40);
	BAD("ips_badhlen", p.b[14] = 0x4f); /* 60 bytes, frame has 36 */
	BAD("ips_badlen", put16(p.b + 16, 19); ip_fix_cksum(&p, 14));
	BAD("ips_tooshort", put16(p.b + 16, 37); ip_fix_cksum(&p, 14));
	BAD("ips_tooshort", put16(p.b + 16, 36); ip_fix_cksum(&p, 14); p.len -= 1);
	BAD("ips_badsum", p.b[14 + 8] = 1);
	BAD("ips_badsum", p.b[14 + 10] ^= 0x80);
	/* Sources: broadcast, subnet broadcast, multicast, 0, loopback, ours,
	 * class E; destination loopback. */
	static const char *srcs[] = { "255.255.255.255", "198.18.0.255", "224.0.0.1", "0.0.0.0",
		                      "127.0.0.1",       "198.18.0.1",   "240.1.1.1" };
	for (unsigned i = 0; i < RTE_DIM(srcs); i++) {
		uint32_t a = ip(srcs[i]);
		BAD("ips_badaddr", memcpy(p.b + 26, &a, 4); ip_fix_cksum(&p, 14));
	}
	{
		uint32_t a = ip("127.0.0.1");
		BAD("ips_badaddr", memcpy(p.b + 30, &a, 4); ip_fix_cksum(&p, 14));
	}
	/* Destinations not ours: another host, multicast. */
	{
		uint32_t a = ip("198.18.0.9"), g = ip("224.0.0.1");
		BAD("ips_notforus", memcpy(p.b + 30, &a, 4); ip_fix_cksum(&p, 14));
		BAD("ips_notforus", memcpy(p.b + 30, &g, 4); ip_fix_cksum(&p, 14));
	}
	/* Unicast to us in a link-layer broadcast (RFC 1122 3.3.6). */
	BAD("ips_l2bcast", memcpy(p.b, BCAST_MAC.addr_bytes, 6));
	/* Fragments: MF, an offset, both. */
	BAD("ips_fragments", p.b[14 + 6] = 0x20; ip_fix_cksum(&p, 14));
	BAD("ips_fragments", p.b[14 + 7] = 0x01; ip_fix_cksum(&p, 14));
	BAD("ips_fragments", p.b[14 + 6] = 0x3f; p.b[14 + 7] = 0xff; ip_fix_cksum(&p, 14));
	/* DF alone is no fragment. */
	p = good;
	p.b[14 + 6] = 0x40;
	ip_fix_cksum(&p, 14);
	inject(&h, &p);
	if (EXPECT_SENT(&h, &p))
		CHECK_ECHO_REPLY(&p, 8);
	/* Broadcast TCP. */
	{
		uint8_t tcp[20] = { 0 };
		ip_frame(&p, PEER, ip("198.18.0.255"), IPPROTO_TCP, tcp, 20);
		memcpy(p.b, BCAST_MAC.addr_bytes, 6);
		b = h.s->stats;
		inject(&h, &p);
		EXPECT_NOTHING(&h);
		EXPECT_COUNTERS(&h, &b, "ips_badbcast=1");
	}
	/* Options are skipped: an echo with a 4-byte NOP option is answered. */
	{
		uint8_t l4[64];
		size_t n = icmp_echo(l4, 0x77, 1, 8);

		pk_eth(&p, &US_MAC, &PEER_MAC, NULL, RTE_ETHER_TYPE_IPV4);
		pk_ip(&p, PEER, US, IPPROTO_ICMP, l4, n);
		memmove(p.b + 14 + 24, p.b + 14 + 20, n);
		memset(p.b + 14 + 20, 1, 4);
		p.b[14] = 0x46;
		put16(p.b + 16, (uint16_t)(24 + n));
		p.len += 4;
		ip_fix_cksum(&p, 14);
		inject(&h, &p);
		if (EXPECT_SENT(&h, &p))
			CHECK_ECHO_REPLY(&p, 8);
	}
	EXPECT_NOTHING(&h);
#undef BAD
	h_one_destroy(&h);
}

/* ---- routes and output ---- */

struct rt_count {
	unsigned n;
};

static void rt_count_cb(const struct route4 *r, void *arg)
{
	(void)r;
	((struct rt_count *)arg)->n++;
}

TEST(route_connected_default_static)
{
	struct h_one h;
	struct ifaddr_cfg ifa = h_ifaddr("198.18.0.1", "255.255.255.0", "198.18.0.254");
	struct netif *ifp;
	uint32_t nh;
	struct rt_count c = { 0 };

	h_one_create(&h, &ifa, knobs_default());
	CHECK_EQ(route4_lookup(h.s, PEER, &ifp, &nh), 0);
	CHECK(ifp == &h.s->ifs[0] && nh == PEER, "connected: next hop is the destination");
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.5"), &ifp, &nh), 0);
	CHECK(nh == ip("198.18.0.254"), "default: the gateway");
	/* A more specific static route wins; deleting it falls back. */
	CHECK_EQ(route4_add(h.s, ip("198.19.5.0"), 24, ip("198.18.0.253"), 0), 0);
	CHECK_EQ(route4_add(h.s, ip("198.19.5.5"), 32, ip("198.18.0.252"), 0), 0);
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.5"), &ifp, &nh), 0);
	CHECK(nh == ip("198.18.0.252"));
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.6"), &ifp, &nh), 0);
	CHECK(nh == ip("198.18.0.253"));
	CHECK_EQ(route4_del(h.s, ip("198.19.5.5"), 32), 0);
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.5"), &ifp, &nh), 0);
	CHECK(nh == ip("198.18.0.253"));
	/* Replace keeps one route; host bits are masked off. */
	CHECK_EQ(route4_add(h.s, ip("198.19.5.77"), 24, ip("198.18.0.251"), 0), 0);
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.5"), &ifp, &nh), 0);
	CHECK(nh == ip("198.18.0.251"));
	route4_foreach(h.s, rt_count_cb, &c);
	CHECK_EQ(c.n, 3); /* connected, default, 198.19.5.0/24 */
	CHECK_EQ(route4_del(h.s, ip("198.19.5.0"), 24), 0);
	CHECK_EQ(route4_del(h.s, ip("198.19.5.0"), 24), -ESRCH);
	CHECK_EQ(route4_del(h.s, 0, 0), 0);
	CHECK_EQ(route4_lookup(h.s, ip("198.19.5.5"), &ifp, &nh), -ENETUNREACH);
	CHECK_EQ(route4_add(h.s, 0, 33, 0, 0), -EINVAL);
	CHECK_EQ(route4_add(h.s, 0, 8, 0, 7), -EINVAL);
	/* The table is bounded. */
	{
		int rc = 0;
		unsigned added = 0;

		for (unsigned i = 0; i < ROUTE4_MAX + 5 && rc == 0; i++) {
			rc = route4_add(h.s, rte_cpu_to_be_32(0xc6130000u + (i << 2)), 30, 0, 0);
			added += rc == 0;
		}
		CHECK_EQ(rc, -ENOSPC);
		CHECK_EQ(added, ROUTE4_MAX - 1);
	}
	h_one_destroy(&h);
}

TEST(ip4_output_paths)
{
	struct h_one h;
	struct ifaddr_cfg ifa = h_ifaddr("198.18.0.1", "255.255.255.0", "198.18.0.254");
	struct stack_stats b;
	struct pkt p;
	struct ip4_out o = { .proto = 253 };
	uint16_t id1, id2;

	h_one_create(&h, &ifa, knobs_default());
	peer_resolved(&h);

	/* Via the gateway: ARP asks for the gateway, not the destination. */
	CHECK_EQ(send_to(&h, ip("198.19.9.9"), 1), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_ARP(&p, &BCAST_MAC, RTE_ARP_OP_REQUEST, &US_MAC, US, &ZERO_MAC,
		          ip("198.18.0.254"));
	EXPECT_NOTHING(&h);

	/* Limited and directed broadcast, multicast: no ARP. */
	CHECK_EQ(send_to(&h, 0xffffffffu, 1), 0);
	CHECK_EQ(send_to(&h, ip("198.18.0.255"), 1), 0);
	CHECK_EQ(send_to(&h, ip("224.0.0.251"), 1), 0);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_IP(&p, &BCAST_MAC, US, 0xffffffffu, 253, 8);
	if (EXPECT_SENT(&h, &p))
		CHECK_IP(&p, &BCAST_MAC, US, ip("198.18.0.255"), 253, 8);
	if (EXPECT_SENT(&h, &p)) {
		const struct rte_ether_addr mc = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb } };
		CHECK_IP(&p, &mc, US, ip("224.0.0.251"), 253, 8);
	}
	EXPECT_NOTHING(&h);

	/* IDs increment; TTL, TOS and DF as asked. */
	o.dst = PEER;
	o.tos = 0x10;
	o.df = 1;
	CHECK_EQ(ip4_output(h.s, payload(&h, 1, 8), &o), 0);
	CHECK_EQ(ip4_output(h.s, payload(&h, 1, 8), &o), 0);
	h_one_pass(&h);
	EXPECT_SENT(&h, &p);
	id1 = get16(p.b + 18);
	CHECK(p.b[15] == 0x10 && p.b[20] == 0x40);
	EXPECT_SENT(&h, &p);
	id2 = get16(p.b + 18);
	CHECK_EQ((uint16_t)(id1 + 1), id2);

	/* Larger than the MTU: 1480 bytes of payload fit, 1481 do not. */
	b = h.s->stats;
	CHECK_EQ(ip4_output(h.s, payload(&h, 1, 1480), &o), 0);
	CHECK_EQ(ip4_output(h.s, payload(&h, 1, 1481), &o), -EMSGSIZE);
	h_one_pass(&h);
	if (EXPECT_SENT(&h, &p))
		CHECK_IP(&p, &PEER_MAC, US, PEER, 253, 1480);
	EXPECT_COUNTERS(&h, &b, "ips_toolong=1", "ips_localout=1");

	/* No route; our own address. */
	CHECK_EQ(route4_del(h.s, 0, 0), 0);
	b = h.s->stats;
	CHECK_EQ(send_to(&h, ip("198.19.9.9"), 1), -ENETUNREACH);
	CHECK_EQ(send_to(&h, US, 1), -ENETUNREACH);
	EXPECT_COUNTERS(&h, &b, "ips_noroute=1", "ips_localdst=1");
	CHECK_EQ(ip4_select_src(h.s, PEER), US);
	CHECK_EQ(ip4_select_src(h.s, ip("198.19.9.9")), 0);
	CHECK(ip4_is_local(h.s, US) && !ip4_is_local(h.s, PEER));
	CHECK(ip4_is_broadcast(h.s, NULL, ip("198.18.0.255")));
	CHECK(ip4_is_broadcast(h.s, NULL, ip("198.18.0.0")));
	CHECK(!ip4_is_broadcast(h.s, NULL, PEER));
	EXPECT_NOTHING(&h);
	h_one_destroy(&h);
}

/* ---- robustness ---- */

TEST(mutated_frames_never_crash_or_leak)
{
	struct h_one h;
	struct pkt seeds[6], p;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t l4[64];

	setup(&h);
	peer_resolved(&h);
	arp_frame(&seeds[0], &BCAST_MAC, RTE_ARP_OP_REQUEST, &PEER_MAC, PEER, &ZERO_MAC, US);
	arp_frame(&seeds[1], &US_MAC, RTE_ARP_OP_REPLY, &PEER_MAC, PEER, &US_MAC, US);
	echo_frame(&seeds[2], US, 56);
	ip_frame(&seeds[3], PEER, US, 99, l4, 16);
	pk_eth(&seeds[4], &US_MAC, &PEER_MAC, (const uint16_t[]){ 0x8100, 0, 0 },
	       RTE_ETHER_TYPE_IPV4);
	pk_ip(&seeds[4], PEER, US, IPPROTO_ICMP, l4, icmp_echo(l4, 1, 2, 20));
	echo_frame(&seeds[5], ip("198.18.0.255"), 8);
	for (unsigned it = 0; it < 20000; it++) {
		unsigned nflip;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = seeds[x % RTE_DIM(seeds)];
		nflip = 1 + (unsigned)(x >> 8) % 4;
		for (unsigned k = 0; k < nflip; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p.b[(x >> 16) % p.len] ^= (uint8_t)(1u << ((x >> 40) % 8));
		}
		if ((x >> 50) % 4 == 0)
			p.len = (size_t)(x >> 20) % (p.len + 1); /* truncate */
		if ((x >> 52) % 3 == 0 && (it & 1))
			ip_fix_cksum(&p, 14); /* get past the checksum sometimes */
		if (p.len > 34 && (x >> 54) % 2)
			inject_m(&h,
			         mk_chain(&h, &p, (const uint16_t[]){ (uint16_t)(p.len / 2) }, 1));
		else
			inject(&h, &p);
		if (it % 64 == 0) {
			h_one_run_ms(&h, 50);
			cap_port_clear(h.cap);
		}
	}
	cap_port_clear(h.cap);
	CHECK_EQ(h.s->stats.eth.eth_ipackets, 20000);
	h_one_destroy(&h);
}

/* ---- two stacks on an in-memory link ---- */

TEST(pair_resolve_and_ping_over_memlink)
{
	struct h_pair h;
	struct rte_mbuf *m;
	uint8_t l4[64];
	size_t n = icmp_echo(l4, 9, 9, 56);
	struct ip4_out o = { .dst = PEER, .proto = IPPROTO_ICMP };

	h_pair_create(&h, NULL, NULL, knobs_default());
	m = rte_pktmbuf_alloc(h.pool_a);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), l4, n);
	CHECK_EQ(ip4_output(h.a, m, &o), 0);
	h_pair_run_ms(&h, 5);
	CHECK_EQ(h.a->stats.arp.arp_txrequests, 1);
	CHECK_EQ(h.b->stats.arp.arp_txreplies, 1);
	CHECK_EQ(h.b->stats.arp.arp_txrequests, 0); /* b learnt a from its request */
	CHECK_EQ(h.b->stats.icmp.icps_inhist_echo, 1);
	CHECK_EQ(h.b->stats.icmp.icps_outhist_echoreply, 1);
	CHECK_EQ(h.a->stats.icmp.icps_inhist_other, 1); /* the reply */
	CHECK_EQ(h.a->stats.icmp.icps_checksum + h.a->stats.ip4.ips_badsum, 0);
	h_pair_destroy(&h);
}

/* A port wrapped twice, as ff_init stacks [portN] (the port, fault
 * injection, capture): every layer of the chain runs on the stack's clock
 * and counts into the stack's counters (stack_add_port sets the outermost
 * port's; each wrapper hands them down, port_lower_sync).  Were the fault
 * layer under the capture left on a clock of its own, the delayed frame
 * would never be sent, and its counters would be read by nobody. */
TEST(wrapped_port_chain_runs_on_the_stacks_clock_and_counters)
{
	static const struct rte_ether_addr mac_a = { { 0x02, 0, 0, 0, 0, 0x01 } };
	static const struct rte_ether_addr mac_b = { { 0x02, 0, 0, 0, 0, 0x02 } };
	const struct fault_cfg f = { .delay_us = 3000, .seed = 1, .dir = FAULT_DIR_TX };
	struct ifaddr_cfg ia = h_ifaddr("198.18.0.1", "255.255.255.0", NULL);
	struct ifaddr_cfg ib = h_ifaddr("198.18.0.2", "255.255.255.0", NULL);
	struct rte_mempool *pool_a = harness_pool(1023), *pool_b = harness_pool(1023);
	uint64_t now = 1000000000ull;
	struct stack *a = stack_create(0, pool_a, knobs_default(), now);
	struct stack *b = stack_create(1, pool_b, knobs_default(), now);
	char path[] = "/tmp/fastack-chain-XXXXXX", err[128];
	struct port *pa, *pb;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(port_memlink_pair(&pa, &pb, &mac_a, &mac_b, 64), 0);
	pa = port_fault_wrap(pa, &f);
	CHECK(pa != NULL);
	pa = port_pcap_wrap(pa, path, err, sizeof(err));
	CHECK(pa != NULL);
	CHECK_EQ(stack_add_port(a, pa), 0);
	CHECK_EQ(stack_add_port(b, pb), 0);
	CHECK_EQ(stack_set_ifaddr(b, 0, &ib), 0);
	CHECK_EQ(stack_set_ifaddr(a, 0, &ia), 0); /* a's gratuitous ARP */
	for (unsigned ms = 0; ms <= 5; ms++) {
		h_pass_two(a, b, now);
		/* Held for 3 ms of the stacks' time, then delivered. */
		CHECK_EQ(b->stats.eth.eth_ipackets, ms < 3 ? 0u : 1u);
		now += 1000000ull;
	}
	CHECK_EQ(a->stats.port.fault_delayed, 1);
	CHECK_EQ(a->stats.port.tx_packets, 1);
	CHECK_EQ(b->stats.arp.arp_rxrequests, 1);
	stack_destroy(a);
	stack_destroy(b);
	CHECK_POOL_FULL(pool_a);
	CHECK_POOL_FULL(pool_b);
	rte_mempool_free(pool_a);
	rte_mempool_free(pool_b);
	unlink(path);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
