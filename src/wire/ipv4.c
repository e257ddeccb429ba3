/* ipv4.c: IPv4 header parse and emit (see ipv4.h). */
#include "wire/ipv4.h"

#include "wire/cksum.h"

int wire_ip4_parse(const struct rte_mbuf *m, struct ip4_hdr_info *out)
{
	struct rte_ipv4_hdr buf;
	const struct rte_ipv4_hdr *ih;
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint16_t frag;

	ih = rte_pktmbuf_read(m, 0, sizeof(*ih), &buf);
	if (!ih)
		return -WIRE_IP4_TOOSMALL;
	if ((ih->version_ihl >> 4) != 4)
		return -WIRE_IP4_BADVERS;
	out->hlen = (uint16_t)((ih->version_ihl & 0x0f) * 4u);
	if (out->hlen < WIRE_IP4_MIN_HLEN || out->hlen > pkt_len)
		return -WIRE_IP4_BADHLEN;
	out->tot_len = rte_be_to_cpu_16(ih->total_length);
	if (out->tot_len < out->hlen)
		return -WIRE_IP4_BADLEN;
	if (out->tot_len > pkt_len)
		return -WIRE_IP4_TOOSHORT;
	frag = rte_be_to_cpu_16(ih->fragment_offset);
	out->src = ih->src_addr;
	out->dst = ih->dst_addr;
	out->id = rte_be_to_cpu_16(ih->packet_id);
	out->frag_off = (uint16_t)((frag & WIRE_IP4_OFFMASK) * 8u);
	out->df = (frag & WIRE_IP4_DF) != 0;
	out->mf = (frag & WIRE_IP4_MF) != 0;
	out->tos = ih->type_of_service;
	out->ttl = ih->time_to_live;
	out->proto = ih->next_proto_id;
	return 0;
}

bool wire_ip4_hdr_cksum_ok(const struct rte_mbuf *m, unsigned hlen)
{
	uint16_t sum;

	if (wire_cksum_mbuf(m, 0, hlen, &sum) < 0)
		return false;
	return sum == 0xffff;
}

void wire_ip4_emit(void *buf, const struct ip4_fields *f, bool cksum)
{
	struct rte_ipv4_hdr *ih = buf;

	ih->version_ihl = RTE_IPV4_VHL_DEF; /* version 4, 5 words */
	ih->type_of_service = f->tos;
	ih->total_length = rte_cpu_to_be_16(f->tot_len);
	ih->packet_id = rte_cpu_to_be_16(f->id);
	ih->fragment_offset = rte_cpu_to_be_16(f->df ? WIRE_IP4_DF : 0);
	ih->time_to_live = f->ttl;
	ih->next_proto_id = f->proto;
	ih->hdr_checksum = 0;
	ih->src_addr = f->src;
	ih->dst_addr = f->dst;
	if (cksum)
		ih->hdr_checksum = wire_cksum_final(wire_cksum_buf(ih, sizeof(*ih)));
}
