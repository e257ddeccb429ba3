/* icmp.c: ICMP for IPv4 (RFC 792, RFC 1122 section 3.2.2): echo, and the
 * errors the stack sends.
 *
 * Input (icmp_input, from ip4_input with m at the ICMP header, the IP
 * header in the headroom): length (icps_tooshort), checksum over the whole
 * message (icps_checksum), type (icps_badtype beyond 18).  Echo requests
 * are answered unless sent to a broadcast/multicast address
 * (icps_bmcastecho; RFC 1122 section 3.2.2.6 allows silence) or disabled by
 * net.inet.icmp.echo_enable (icps_noecho).  Other messages are counted
 * (icps_inhist_other); errors go on to the transports (below), the rest is
 * dropped.
 *
 * Errors received (icmp_ctlinput; FreeBSD's pr_ctlinput): destination
 * unreachable, time exceeded and parameter problem are handed to the
 * transport that sent the quoted datagram; source quench (deprecated, RFC
 * 6633) and redirects (FIXME: routes are not updated) are not acted on
 * (icps_ctl_ignored).  Checks, each with its counter:
 *   - the code is known for the type (icps_badcode);
 *   - the error was not sent to a broadcast address (icps_errbcast: RFC
 *     1122 section 3.2.2 forbids that, so it is forged or broken);
 *   - the quote holds the offending IP header and 8 bytes of its payload
 *     (RFC 792), IHL included (icps_badlen);
 *   - the quoted datagram is one we could have sent: IPv4, source one of
 *     our addresses, not a later fragment (no transport header), not to a
 *     broadcast or multicast address (we get no errors about those)
 *     (icps_badquote).
 * Then (icps_ctlinput):
 *   - TCP: tcp_ctlinput() with type, code, the next-hop MTU of a
 *     "fragmentation needed" (RFC 1191) and the quote; TCP finds the
 *     connection by the quoted 4-tuple and checks the quoted sequence
 *     number (RFC 5927), and counts what it ignores (tcps_icmp_ignored);
 *   - UDP: only hard errors (icmp_errno: port or protocol unreachable,
 *     administratively prohibited, ...), as Linux reports them to sockets
 *     without IP_RECVERR; udp_ctlinput() sets so_error on the connected
 *     socket of the quoted 4-tuple.  Soft errors: icps_ctl_ignored;
 *   - another quoted protocol: icps_ctl_ignored.
 * icmp_errno() maps (type, code) to an errno with Linux's values, which
 * are what applications check.
 *
 * Echo reply: the request's mbuf is reused in place (when only we hold it
 * and the ICMP header is in its first segment, else it is copied first):
 * the type becomes 0 and the checksum is updated incrementally (RFC 1624),
 * which is exact because the request's checksum was verified; the payload,
 * however long or segmented, is not read again.  ip4_output then writes a
 * new IP header in front (source = the request's destination, TOS kept,
 * no options: FIXME: record-route/timestamp options are not reflected as
 * RFC 1122 section 3.2.2.6 suggests).
 *
 * Errors (icmp_error), RFC 1122 section 3.2.2 / RFC 1812 section 4.3.2.7:
 * never about an ICMP error message (icps_oldicmp), a datagram to a
 * broadcast or multicast address or received as a link-layer broadcast
 * (icps_errbmcast), a fragment other than the first (icps_errfrag), or a
 * datagram whose source is not one host (icps_errbadsrc).  The quote is
 * the offending IP header (with its options) plus the first 8 bytes of its
 * payload: RFC 792's minimum and FreeBSD's default (net.inet.icmp.quotelen
 * = 8), chosen over RFC 1812's "as much as fits in 576 bytes" because
 * FreeBSD is our reference where the RFCs leave the choice.  Errors are
 * rate limited by a token bucket of net.inet.icmp.icmplim messages per
 * second, holding at most one second's worth (0 disables errors):
 * icps_ratelimited.  Time is s->now.
 */
#include "ip/ip4.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>

#include "eth/eth.h"
#include "ip/ip4_priv.h"
#include "stack/stack.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "wire/cksum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define ICMP_NS_PER_S 1000000000ull
#define ICMP_QUOTELEN 8 /* payload bytes quoted after the IP header */
/* Bytes of a received error's quote read for the transports: the longest
 * IP header and the 8 bytes RFC 792 guarantees. */
#define ICMP_CTL_QUOTE_MAX (60 + 8)

struct icmp_state {
	uint64_t credit; /* token bucket, in 1e-9 messages */
	uint64_t last;   /* s->now at the last refill */
};

/* ---- rate limit ---- */

static bool icmp_error_allowed(struct stack *s)
{
	struct icmp_state *st = s->icmp;
	uint64_t lim = (uint64_t)KNOB(s, ICMP_LIM);
	uint64_t el = s->now > st->last ? s->now - st->last : 0;

	st->last = s->now;
	if (lim == 0)
		return false;
	if (el > ICMP_NS_PER_S)
		el = ICMP_NS_PER_S; /* the bucket holds one second at most */
	st->credit += el * lim;
	if (st->credit > lim * ICMP_NS_PER_S)
		st->credit = lim * ICMP_NS_PER_S;
	if (st->credit < ICMP_NS_PER_S)
		return false;
	st->credit -= ICMP_NS_PER_S;
	return true;
}

/* ---- echo ---- */

static bool mbuf_exclusive(const struct rte_mbuf *m)
{
	for (; m; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

static void icmp_echo_reply(struct stack *s, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	struct ip4_out o = {
		.src = ip->dst_addr,
		.dst = ip->src_addr,
		.proto = IPPROTO_ICMP,
		.tos = ip->type_of_service,
	};
	struct rte_icmp_hdr *ic;
	uint16_t old_word, new_word;

	if (!mbuf_exclusive(m) || m->data_len < sizeof(*ic)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);

		rte_pktmbuf_free(m);
		if (!c || c->data_len < sizeof(*ic)) {
			STAT_INC(s, icmp, icps_nomem);
			rte_pktmbuf_free(c);
			return;
		}
		m = c;
	}
	ic = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	memcpy(&old_word, &ic->icmp_type, sizeof(old_word));
	ic->icmp_type = ICMP_ECHOREPLY;
	ic->icmp_code = 0;
	memcpy(&new_word, &ic->icmp_type, sizeof(new_word));
	ic->icmp_cksum = wire_cksum_adjust16(ic->icmp_cksum, old_word, new_word);
	/* A packet going out again: forget what the NIC said on receive. */
	m->ol_flags = 0;
	m->packet_type = 0;
	m->tx_offload = 0;
	m->vlan_tci = 0;
	if (ip4_output(s, m, &o) == 0)
		STAT_INC(s, icmp, icps_outhist_echoreply);
}

/* ---- errors received ---- */

/* Destination unreachable codes (RFC 792, RFC 1122 section 3.2.2.1, RFC
 * 1812 section 5.2.7.1) as Linux reports them: errno, and hard (the
 * destination refuses) or soft (it may pass, RFC 1122 section 4.2.3.9). */
static const struct {
	uint8_t err;
	bool hard;
} unreach_errs[16] = {
	[0] = { ENETUNREACH, false },   /* net unreachable */
	[1] = { EHOSTUNREACH, false },  /* host unreachable */
	[2] = { ENOPROTOOPT, true },    /* protocol unreachable */
	[3] = { ECONNREFUSED, true },   /* port unreachable */
	[4] = { EMSGSIZE, false },      /* fragmentation needed and DF set */
	[5] = { EOPNOTSUPP, false },    /* source route failed */
	[6] = { ENETUNREACH, true },    /* destination network unknown */
	[7] = { EHOSTDOWN, true },      /* destination host unknown */
	[8] = { ENONET, true },         /* source host isolated */
	[9] = { ENETUNREACH, true },    /* network administratively prohibited */
	[10] = { EHOSTUNREACH, true },  /* host administratively prohibited */
	[11] = { ENETUNREACH, false },  /* network unreachable for TOS */
	[12] = { EHOSTUNREACH, false }, /* host unreachable for TOS */
	[13] = { EHOSTUNREACH, true },  /* communication administratively prohibited */
	[14] = { EHOSTUNREACH, true },  /* host precedence violation */
	[15] = { EHOSTUNREACH, true },  /* precedence cutoff in effect */
};

int icmp_errno(uint8_t type, uint8_t code, bool *hard)
{
	*hard = false;
	switch (type) {
	case ICMP_UNREACH:
		if (code >= RTE_DIM(unreach_errs))
			return 0;
		*hard = unreach_errs[code].hard;
		return unreach_errs[code].err;
	case ICMP_TIMXCEED: /* in transit (0), reassembly (1) */
		return code <= 1 ? EHOSTUNREACH : 0;
	case ICMP_PARAMPROB: /* pointer (0), missing option (1), bad length (2) */
		*hard = code <= 2;
		return code <= 2 ? EPROTO : 0;
	default:
		return 0;
	}
}

/* The error message m (at the ICMP header, ic parsed, checksum verified),
 * received in the IPv4 header oip: validated, then handed to the transport
 * that sent the quoted datagram.  Does not consume m. */
static void icmp_ctlinput(struct stack *s, const struct netif *ifp, const struct rte_mbuf *m,
                          const struct icmp_info *ic, const struct rte_ipv4_hdr *oip)
{
	uint8_t buf[ICMP_CTL_QUOTE_MAX], rest[4];
	uint32_t qlen, hlen, src, dst;
	uint16_t frag, sport, dport;
	const uint8_t *q;
	bool hard;
	int err;

	if (ic->type == ICMP_SOURCEQUENCH || ic->type == ICMP_REDIRECT) {
		STAT_INC(s, icmp, icps_ctl_ignored);
		return;
	}
	err = icmp_errno(ic->type, ic->code, &hard);
	if (err == 0) {
		STAT_INC(s, icmp, icps_badcode);
		return;
	}
	if (ip4_is_broadcast(s, ifp, oip->dst_addr)) {
		STAT_INC(s, icmp, icps_errbcast);
		return;
	}
	if (ic->len < WIRE_ICMP_HLEN + sizeof(struct rte_ipv4_hdr) + 8) {
		STAT_INC(s, icmp, icps_badlen);
		return;
	}
	qlen = ic->len - WIRE_ICMP_HLEN;
	if (qlen > sizeof(buf))
		qlen = sizeof(buf);
	q = rte_pktmbuf_read(m, WIRE_ICMP_HLEN, qlen, buf);
	if (!q) {
		STAT_INC(s, icmp, icps_badlen); /* shorter than ic->len: cannot be */
		return;
	}
	hlen = (q[0] & 15u) * 4u;
	if ((q[0] >> 4) != 4 || hlen < sizeof(struct rte_ipv4_hdr)) {
		STAT_INC(s, icmp, icps_badquote);
		return;
	}
	if (qlen < hlen + 8) {
		STAT_INC(s, icmp, icps_badlen);
		return;
	}
	memcpy(&src, q + 12, 4);
	memcpy(&dst, q + 16, 4);
	frag = (uint16_t)(q[6] << 8 | q[7]);
	if (!ip4_is_local(s, src) || (frag & WIRE_IP4_OFFMASK) || wire_ip4_is_multicast(dst) ||
	    ip4_is_broadcast(s, NULL, dst)) {
		STAT_INC(s, icmp, icps_badquote);
		return;
	}
	switch (q[9]) {
	case IPPROTO_TCP: {
		uint16_t mtu = 0;

		if (ic->type == ICMP_UNREACH && ic->code == ICMP_UNREACH_NEEDFRAG) {
			memcpy(rest, &ic->rest, sizeof(rest));
			mtu = (uint16_t)(rest[2] << 8 | rest[3]); /* RFC 1191 */
		}
		STAT_INC(s, icmp, icps_ctlinput);
		tcp_ctlinput(s, ic->type, ic->code, mtu, q, qlen);
		return;
	}
	case IPPROTO_UDP:
		if (!hard) {
			STAT_INC(s, icmp, icps_ctl_ignored);
			return;
		}
		sport = (uint16_t)(q[hlen] << 8 | q[hlen + 1]);
		dport = (uint16_t)(q[hlen + 2] << 8 | q[hlen + 3]);
		STAT_INC(s, icmp, icps_ctlinput);
		udp_ctlinput(s, err, src, sport, dst, dport);
		return;
	default:
		STAT_INC(s, icmp, icps_ctl_ignored);
		return;
	}
}

void icmp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);
	struct icmp_info ic;

	if (wire_icmp_parse(m, m->pkt_len, &ic) < 0) {
		STAT_INC(s, icmp, icps_tooshort);
		goto drop;
	}
	if (!wire_icmp_cksum_ok(m, ic.len)) {
		STAT_INC(s, icmp, icps_checksum);
		goto drop;
	}
	if (ic.type > ICMP_MAXTYPE) {
		STAT_INC(s, icmp, icps_badtype);
		goto drop;
	}
	if (ic.type != ICMP_ECHO) {
		STAT_INC(s, icmp, icps_inhist_other);
		if (wire_icmp_is_error(ic.type))
			icmp_ctlinput(s, ifp, m, &ic, ip);
		goto drop;
	}
	STAT_INC(s, icmp, icps_inhist_echo);
	if (!ip4_is_local(s, ip->dst_addr)) {
		STAT_INC(s, icmp, icps_bmcastecho);
		goto drop;
	}
	if (!KNOB(s, ICMP_ECHO)) {
		STAT_INC(s, icmp, icps_noecho);
		goto drop;
	}
	icmp_echo_reply(s, m, ip);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* ---- errors ---- */

void icmp_error(struct stack *s, struct rte_mbuf *m, uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *ip;
	unsigned hlen = m->l3_len, qlen;
	struct rte_mbuf *n;
	struct ip4_out o;
	uint8_t *p;

	if (hlen < sizeof(*ip) || m->data_off < hlen)
		return; /* caller broke the contract: no IP header to quote */
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)hlen);
	if (rte_be_to_cpu_16(ip->fragment_offset) & WIRE_IP4_OFFMASK) {
		STAT_INC(s, icmp, icps_errfrag);
		return;
	}
	if (ip->next_proto_id == IPPROTO_ICMP) {
		uint8_t t, tb;
		const uint8_t *tp = rte_pktmbuf_read(m, 0, 1, &tb);

		t = tp ? *tp : ICMP_UNREACH;
		if (!tp || wire_icmp_is_error(t) || t > ICMP_MAXTYPE) {
			STAT_INC(s, icmp, icps_oldicmp);
			return;
		}
	}
	if (!wire_ip4_is_host(ip->src_addr) || ip4_is_broadcast(s, NULL, ip->src_addr)) {
		STAT_INC(s, icmp, icps_errbadsrc);
		return;
	}
	if (wire_ip4_is_multicast(ip->dst_addr) || ip4_is_broadcast(s, NULL, ip->dst_addr) ||
	    eth_rx_was_group(m, hlen)) {
		STAT_INC(s, icmp, icps_errbmcast);
		return;
	}
	if (!icmp_error_allowed(s)) {
		STAT_INC(s, icmp, icps_ratelimited);
		return;
	}

	qlen = m->pkt_len < ICMP_QUOTELEN ? m->pkt_len : ICMP_QUOTELEN;
	n = rte_pktmbuf_alloc(s->pool);
	p = n ? (uint8_t *)rte_pktmbuf_append(n, (uint16_t)(WIRE_ICMP_HLEN + hlen + qlen)) : NULL;
	if (!p) {
		STAT_INC(s, icmp, icps_nomem);
		rte_pktmbuf_free(n);
		return;
	}
	wire_icmp_emit(p, type, code, 0);
	memcpy(p + WIRE_ICMP_HLEN, ip, hlen);
	if (qlen) {
		uint8_t *q = p + WIRE_ICMP_HLEN + hlen;
		const void *d = rte_pktmbuf_read(m, 0, qlen, q);

		if (d != q)
			memcpy(q, d, qlen);
	}
	((struct rte_icmp_hdr *)p)->icmp_cksum =
	    wire_cksum_final(wire_cksum_buf(p, WIRE_ICMP_HLEN + hlen + qlen));
	memset(&o, 0, sizeof(o));
	o.src = ip4_is_local(s, ip->dst_addr) ? ip->dst_addr : 0;
	o.dst = ip->src_addr;
	o.proto = IPPROTO_ICMP;
	if (ip4_output(s, n, &o) == 0)
		STAT_INC(s, icmp, icps_error);
}

/* ---- life cycle ---- */

int icmp_init(struct stack *s)
{
	s->icmp = rte_zmalloc("fastack_icmp", sizeof(*s->icmp), RTE_CACHE_LINE_SIZE);
	if (!s->icmp)
		return -ENOMEM;
	s->icmp->last = s->now;
	s->icmp->credit = (uint64_t)KNOB(s, ICMP_LIM) * ICMP_NS_PER_S; /* start full */
	return 0;
}

void icmp_fini(struct stack *s)
{
	rte_free(s->icmp);
	s->icmp = NULL;
}
