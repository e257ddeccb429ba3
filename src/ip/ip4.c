/* ip4.c: IPv4 input validation and delivery, and output (RFC 791,
 * RFC 1122 section 3.2.1 and 3.3.6).
 *
 * Input (ip4_input, from eth_input with m at the IP header).  Each check
 * drops with its own counter, in this order:
 *   1. structure (wire_ip4_parse): ips_toosmall, ips_badvers, ips_badhlen,
 *      ips_badlen (total length < header length), ips_tooshort (frame
 *      shorter than the total length); a header not contiguous in the
 *      first segment: ips_hdrsplit;
 *   2. header checksum: the port's verdict when it offers
 *      PORT_OFF_RX_IPV4_CKSUM and gave one, else software: ips_badsum;
 *   3. bytes beyond the total length (Ethernet padding) are trimmed;
 *   4. source: must be a host address (not 0/8, 127/8, multicast, class E
 *      or 255.255.255.255), not the receiving netif's broadcast address,
 *      and not one of ours; a 127/8 destination is refused too (RFC 1122
 *      section 3.2.1.3: loopback never appears on a wire): ips_badaddr;
 *   5. destination: one of our addresses on any netif (the weak host
 *      model, as FreeBSD's default), else a broadcast address of the
 *      receiving netif (ip4_is_broadcast), else ips_notforus (multicast
 *      included: no group is joined).  A unicast datagram that came in a
 *      link-layer broadcast is dropped (RFC 1122 section 3.3.6 SHOULD):
 *      ips_l2bcast;
 *   6. fragments (MF or an offset): ips_fragments (no reassembly yet);
 *   7. broadcasts reach UDP and ICMP only (ICMP then refuses echo to a
 *      broadcast, icps_bmcastecho): ips_badbcast;
 *   8. options are skipped (FIXME: no option is acted on); the TTL does
 *      not matter for local delivery;
 *   9. m->l3_len = header length, the header is stripped (it stays in the
 *      headroom for the upper layer: rte_pktmbuf_mtod_offset(m,
 *      struct rte_ipv4_hdr *, -(int)m->l3_len)) and the protocol takes m:
 *      ICMP -> icmp_input, UDP -> udp_input, TCP -> tcp_input; anything
 *      else -> ips_noproto and an ICMP protocol unreachable (icmp_error
 *      applies the RFC 1122 rules and the rate limit).
 * The transports judge their checksums with ip4_rx_l4_cksum_ok().
 *
 * Output (ip4_output): route (255.255.255.255 goes out of the netif owning
 * the source address, or the first addressed one), source selection, MTU
 * check (no fragmentation yet: ips_toolong, -EMSGSIZE), header fill with a
 * per-stack incrementing IP ID (FreeBSD increments one too), header
 * checksum by the port (PORT_OFF_TX_IPV4_CKSUM) or in software, then
 * arp_output (which sends broadcasts and multicasts straight out).  An L4
 * checksum the transport left to a port that turns out not to offer it
 * (the route changed since the transport looked) is completed here in
 * software (ips_swcsum).
 * A datagram to one of our own addresses is refused (ips_localdst) until
 * a loopback path exists.
 */
#include "ip/ip4.h"

#include <errno.h>
#include <netinet/in.h>

#include <rte_malloc.h>

#include "base/pkt.h"
#include "eth/arp.h"
#include "eth/eth.h"
#include "ip/ip4_priv.h"
#include "ip/route.h"
#include "stack/stack.h"
#include "tcp/tcp.h"
#include "udp/udp.h"
#include "wire/cksum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

struct ip4_state {
	uint16_t next_id; /* IP ID of the next datagram */
};

static uint32_t netif_ip4(const struct netif *ifp)
{
	return ifp->addr4.family == AF_INET ? ifp->addr4.v4 : 0;
}

bool ip4_is_local(struct stack *s, uint32_t a)
{
	for (unsigned i = 0; i < s->nifs; i++)
		if (s->ifs[i].addr4.family == AF_INET && s->ifs[i].addr4.v4 == a)
			return true;
	return false;
}

static bool netif_is_broadcast(const struct netif *ifp, uint32_t a)
{
	uint32_t mask;

	if (ifp->addr4.family != AF_INET)
		return false;
	if (ifp->bcast4.family == AF_INET && a == ifp->bcast4.v4)
		return true;
	mask = ifp->mask4.family == AF_INET ? ifp->mask4.v4 : 0xffffffffu;
	/* The network address of a /30 or wider net (all-zeros host part). */
	return rte_be_to_cpu_32(mask) <= 0xfffffffcu && a == (ifp->addr4.v4 & mask);
}

bool ip4_is_broadcast(struct stack *s, const struct netif *ifp, uint32_t a)
{
	if (wire_ip4_is_lbcast(a) || a == 0)
		return true;
	if (ifp)
		return netif_is_broadcast(ifp, a);
	for (unsigned i = 0; i < s->nifs; i++)
		if (netif_is_broadcast(&s->ifs[i], a))
			return true;
	return false;
}

bool ip4_rx_l4_cksum_ok(const struct netif *ifp, const struct rte_mbuf *m, uint32_t len,
                        uint32_t src, uint32_t dst, uint8_t proto)
{
	if (ifp && (ifp->port->offloads & PORT_OFF_RX_L4_CKSUM)) {
		switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
		case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
		case RTE_MBUF_F_RX_L4_CKSUM_NONE: /* data verified, field not */
			return true;
		case RTE_MBUF_F_RX_L4_CKSUM_BAD:
			return false;
		default: /* UNKNOWN: the port did not look */
			break;
		}
	}
	return wire_ip4_l4_cksum_ok(m, 0, len, src, dst, proto);
}

static bool ip4_rx_cksum_ok(const struct netif *ifp, const struct rte_mbuf *m, unsigned hlen)
{
	if (ifp->port->offloads & PORT_OFF_RX_IPV4_CKSUM) {
		switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
		case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		case RTE_MBUF_F_RX_IP_CKSUM_NONE: /* header known intact */
			return true;
		case RTE_MBUF_F_RX_IP_CKSUM_BAD:
			return false;
		default:
			break; /* unknown: check in software */
		}
	}
	return wire_ip4_hdr_cksum_ok(m, hlen);
}

void ip4_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	struct ip4_hdr_info ih;
	bool bcast = false;

	STAT_INC(s, ip4, ips_total);
	switch (-wire_ip4_parse(m, &ih)) {
	case 0:
		break;
	case WIRE_IP4_TOOSMALL:
		STAT_INC(s, ip4, ips_toosmall);
		goto drop;
	case WIRE_IP4_BADVERS:
		STAT_INC(s, ip4, ips_badvers);
		goto drop;
	case WIRE_IP4_BADHLEN:
		STAT_INC(s, ip4, ips_badhlen);
		goto drop;
	case WIRE_IP4_BADLEN:
		STAT_INC(s, ip4, ips_badlen);
		goto drop;
	default:
		STAT_INC(s, ip4, ips_tooshort);
		goto drop;
	}
	if (m->data_len < ih.hlen) {
		STAT_INC(s, ip4, ips_hdrsplit);
		goto drop;
	}
	if (!ip4_rx_cksum_ok(ifp, m, ih.hlen)) {
		STAT_INC(s, ip4, ips_badsum);
		goto drop;
	}
	pkt_trim_to(m, ih.tot_len);

	if (!wire_ip4_is_host(ih.src) || netif_is_broadcast(ifp, ih.src) ||
	    ip4_is_local(s, ih.src) || wire_ip4_is_loopback(ih.dst)) {
		STAT_INC(s, ip4, ips_badaddr);
		goto drop;
	}
	if (ip4_is_local(s, ih.dst)) {
		if (eth_rx_was_group(m, 0)) {
			STAT_INC(s, ip4, ips_l2bcast);
			goto drop;
		}
	} else if (ip4_is_broadcast(s, ifp, ih.dst)) {
		bcast = true;
	} else {
		STAT_INC(s, ip4, ips_notforus);
		goto drop;
	}
	if (wire_ip4_is_fragment(&ih)) {
		/* FIXME(reassembly): rte_ip_frag. */
		STAT_INC(s, ip4, ips_fragments);
		goto drop;
	}
	if (bcast && ih.proto != IPPROTO_UDP && ih.proto != IPPROTO_ICMP) {
		STAT_INC(s, ip4, ips_badbcast);
		goto drop;
	}

	m->l3_len = ih.hlen;
	rte_pktmbuf_adj(m, ih.hlen);
	switch (ih.proto) {
	case IPPROTO_ICMP:
		STAT_INC(s, ip4, ips_delivered);
		icmp_input(s, ifp, m);
		return;
	case IPPROTO_UDP:
		STAT_INC(s, ip4, ips_delivered);
		udp_input(s, ifp, m);
		return;
	case IPPROTO_TCP:
		STAT_INC(s, ip4, ips_delivered);
		tcp_input(s, ifp, m);
		return;
	default:
		/* RFC 1122 section 3.2.2.1: protocol unreachable. */
		STAT_INC(s, ip4, ips_noproto);
		icmp_error(s, m, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL);
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

/* The netif a limited broadcast from src leaves by. */
static struct netif *ip4_bcast_netif(struct stack *s, uint32_t src)
{
	struct netif *first = NULL;

	for (unsigned i = 0; i < s->nifs; i++) {
		struct netif *ifp = &s->ifs[i];

		if (ifp->addr4.family != AF_INET)
			continue;
		if (src && ifp->addr4.v4 == src)
			return ifp;
		if (!first)
			first = ifp;
	}
	return first;
}

uint32_t ip4_select_src(struct stack *s, uint32_t dst)
{
	struct netif *ifp;
	uint32_t nh;

	if (wire_ip4_is_lbcast(dst)) {
		ifp = ip4_bcast_netif(s, 0);
		return ifp ? netif_ip4(ifp) : 0;
	}
	if (route4_lookup(s, dst, &ifp, &nh) < 0)
		return 0;
	return netif_ip4(ifp);
}

struct netif *ip4_output_netif(struct stack *s, uint32_t dst)
{
	struct netif *ifp;
	uint32_t nh;

	if (wire_ip4_is_lbcast(dst))
		return ip4_bcast_netif(s, 0);
	return route4_lookup(s, dst, &ifp, &nh) < 0 ? NULL : ifp;
}

/* A TCP/UDP checksum requested from a port that does not offer it: done
 * here, over the pseudo-header with the addresses going out. */
static void l4_cksum_fallback(struct stack *s, const struct netif *ifp, struct rte_mbuf *m,
                              uint32_t src, uint32_t dst, uint8_t proto)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint32_t need = 0, off = 0;
	uint16_t ck, *field;

	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM) {
		need = PORT_OFF_TX_TCP_CKSUM;
		off = 16; /* th_sum */
	} else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
		need = PORT_OFF_TX_UDP_CKSUM;
		off = 6; /* uh_sum */
	}
	if (!need || (ifp->port->offloads & need) || m->data_len < off + 2)
		return;
	field = rte_pktmbuf_mtod_offset(m, uint16_t *, off);
	*field = 0;
	if (wire_ip4_l4_cksum(m, 0, m->pkt_len, src, dst, proto, &ck) < 0)
		return;
	if (ck == 0 && proto == IPPROTO_UDP)
		ck = 0xffff; /* RFC 768: 0 means none */
	*field = ck;
	m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
	STAT_INC(s, ip4, ips_swcsum);
}

int ip4_output(struct stack *s, struct rte_mbuf *m, const struct ip4_out *o)
{
	struct ip4_fields f;
	struct netif *ifp;
	uint32_t nh, src;
	void *h;
	bool hw;
	int rc;

	if (ip4_is_local(s, o->dst)) {
		/* FIXME(loopback): deliver to ourselves through a queue. */
		STAT_INC(s, ip4, ips_localdst);
		rc = -ENETUNREACH;
		goto drop;
	}
	if (wire_ip4_is_lbcast(o->dst)) {
		ifp = ip4_bcast_netif(s, o->src);
		nh = o->dst;
		rc = ifp ? 0 : -ENETUNREACH;
	} else {
		rc = route4_lookup(s, o->dst, &ifp, &nh);
		if (wire_ip4_is_multicast(o->dst))
			nh = o->dst; /* the route only picks the netif */
	}
	src = rc == 0 ? (o->src ? o->src : netif_ip4(ifp)) : 0;
	if (rc < 0 || src == 0) {
		STAT_INC(s, ip4, ips_noroute);
		rc = -ENETUNREACH;
		goto drop;
	}
	if (m->pkt_len + sizeof(struct rte_ipv4_hdr) > ifp->mtu) {
		/* FIXME(fragmentation): fragment unless DF. */
		STAT_INC(s, ip4, ips_toolong);
		rc = -EMSGSIZE;
		goto drop;
	}
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
		l4_cksum_fallback(s, ifp, m, src, o->dst, o->proto);
	h = rte_pktmbuf_prepend(m, sizeof(struct rte_ipv4_hdr));
	if (!h) {
		STAT_INC(s, ip4, ips_odropped);
		rc = -ENOBUFS;
		goto drop;
	}
	f.src = src;
	f.dst = o->dst;
	f.tot_len = (uint16_t)m->pkt_len;
	f.id = s->ip4->next_id++;
	f.tos = o->tos;
	f.ttl = o->ttl ? o->ttl : (uint8_t)KNOB(s, IP_DEFTTL);
	f.proto = o->proto;
	f.df = o->df;
	hw = (ifp->port->offloads & PORT_OFF_TX_IPV4_CKSUM) != 0;
	wire_ip4_emit(h, &f, !hw);
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	if (hw)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4; /* DPDK wants it with any L4 offload */
	STAT_INC(s, ip4, ips_localout);
	arp_output(s, ifp, nh, m);
	return 0;
drop:
	rte_pktmbuf_free(m);
	return rc;
}

int ip4_init(struct stack *s)
{
	int rc;

	s->ip4 = rte_zmalloc("fastack_ip4", sizeof(*s->ip4), RTE_CACHE_LINE_SIZE);
	if (!s->ip4)
		return -ENOMEM;
	s->ip4->next_id = (uint16_t)stack_rand(s);
	rc = icmp_init(s);
	if (rc < 0) {
		rte_free(s->ip4);
		s->ip4 = NULL;
	}
	return rc;
}

void ip4_fini(struct stack *s)
{
	icmp_fini(s);
	rte_free(s->ip4);
	s->ip4 = NULL;
}
