/* port_rss.c: the Toeplitz key, the redirection table and a frame's owner
 * (port_rss.h). */
#include "port/port_rss.h"

#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_thash.h>

/* Two bytes repeated: with this key the hash of (a, b, pa, pb) equals that of
 * (b, a, pb, pa), since the key repeats every 16 bits and the addresses and
 * the ports sit 32 and 16 bits apart (Woo and Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling"). */
static const uint8_t sym_pair[2] = { 0x6d, 0x5a };

int rss_init(struct port_rss *r, unsigned nstacks, unsigned nqueues, unsigned key_len,
             unsigned reta_size, bool soft)
{
	if (key_len == 0)
		key_len = RSS_KEY_LEN;
	if (reta_size == 0)
		reta_size = RSS_RETA_SOFT;
	if (nstacks == 0 || nstacks > 255 || nqueues == 0 || nqueues > nstacks || key_len < 16 ||
	    key_len > RSS_KEY_MAX || reta_size > RSS_RETA_MAX || (reta_size & (reta_size - 1)) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < key_len; i++)
		r->key[i] = sym_pair[i & 1];
	r->key_len = (uint16_t)key_len;
	r->reta_size = (uint16_t)reta_size;
	r->nstacks = (uint16_t)nstacks;
	r->nqueues = (uint16_t)nqueues;
	r->soft = soft;
	for (unsigned i = 0; i < reta_size; i++)
		r->reta[i] = (uint8_t)(i % nstacks);
	return 0;
}

uint32_t rss_hash_v4(const struct port_rss *r, uint32_t saddr, uint32_t daddr, uint16_t sport,
                     uint16_t dport)
{
	uint32_t t[3];

	t[0] = rte_be_to_cpu_32(saddr);
	t[1] = rte_be_to_cpu_32(daddr);
	t[2] = (uint32_t)rte_be_to_cpu_16(sport) << 16 | rte_be_to_cpu_16(dport);
	return rte_softrss(t, 3, r->key);
}

/* An IPv4 header at off in m's first segment, with ports when it carries
 * TCP or UDP; false when too short or not plain.  Ports are 0 when the
 * datagram carries anything else. */
static bool ip4_flow(const struct rte_mbuf *m, uint32_t off, uint32_t *src, uint32_t *dst,
                     uint16_t *sport, uint16_t *dport, uint8_t *proto, uint32_t *l4off)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t hl;

	if (off + sizeof(*ip) > m->data_len)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	hl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || hl < sizeof(*ip) || off + hl > m->data_len)
		return false;
	*src = ip->src_addr;
	*dst = ip->dst_addr;
	*proto = ip->next_proto_id;
	*l4off = off + hl;
	*sport = *dport = 0;
	/* A fragment other than the first has no ports (NICs hash it by
	 * address): fastack drops fragments anyway, wherever they land. */
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (*proto == IPPROTO_TCP || *proto == IPPROTO_UDP) {
		const uint16_t *ports;

		if (*l4off + 4 > m->data_len)
			return false;
		ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, *l4off);
		*sport = ports[0];
		*dport = ports[1];
	}
	return true;
}

static bool icmp_is_error(uint8_t type)
{
	return type == 3 /* destination unreachable */ || type == 4 /* source quench */ ||
	       type == 5 /* redirect */ || type == 11 /* time exceeded */ ||
	       type == 12 /* parameter problem */;
}

int rss_frame_owner(const struct port_rss *r, const struct rte_mbuf *m, bool flows)
{
	const struct rte_ether_hdr *eh;
	uint32_t off = sizeof(*eh), src, dst, l4off;
	uint16_t type, sport, dport;
	uint8_t proto;

	if (m->data_len < sizeof(*eh))
		return RSS_OWNER_HERE;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = eh->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh;

		if (m->data_len < off + sizeof(*vh))
			return RSS_OWNER_HERE;
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, off);
		type = vh->eth_proto;
		off += sizeof(*vh);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return RSS_OWNER_ALL;
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    !ip4_flow(m, off, &src, &dst, &sport, &dport, &proto, &l4off))
		return RSS_OWNER_HERE;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return flows ? (int)rss_stack_v4(r, src, dst, sport, dport) : RSS_OWNER_HERE;
	if (proto == IPPROTO_ICMP && l4off + sizeof(struct rte_icmp_hdr) <= m->data_len) {
		const struct rte_icmp_hdr *ic =
		    rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, l4off);

		if (icmp_is_error(ic->icmp_type) &&
		    ip4_flow(m, l4off + sizeof(*ic), &src, &dst, &sport, &dport, &proto, &l4off) &&
		    (proto == IPPROTO_TCP || proto == IPPROTO_UDP))
			/* The quoted datagram went from us (src, sport) to the
			 * peer: its flow's frames come from (dst, dport). */
			return (int)rss_stack_v4(r, dst, src, dport, sport);
	}
	return RSS_OWNER_HERE;
}
