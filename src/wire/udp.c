/* udp.c: UDP parse and emit (see udp.h). */
#include "wire/udp.h"

int wire_udp_parse(const struct rte_mbuf *m, uint32_t iplen, struct udp_info *out)
{
	struct rte_udp_hdr buf;
	const struct rte_udp_hdr *uh;

	if (iplen < WIRE_UDP_HLEN || iplen > rte_pktmbuf_pkt_len(m))
		return -WIRE_UDP_TOOSHORT;
	uh = rte_pktmbuf_read(m, 0, sizeof(*uh), &buf);
	if (!uh)
		return -WIRE_UDP_TOOSHORT;
	out->sport = rte_be_to_cpu_16(uh->src_port);
	out->dport = rte_be_to_cpu_16(uh->dst_port);
	out->len = rte_be_to_cpu_16(uh->dgram_len);
	out->cksum = uh->dgram_cksum;
	if (out->len < WIRE_UDP_HLEN || out->len > iplen)
		return -WIRE_UDP_BADLEN;
	return 0;
}

void wire_udp_emit(void *buf, uint16_t sport, uint16_t dport, uint16_t len)
{
	struct rte_udp_hdr *uh = buf;

	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16(len);
	uh->dgram_cksum = 0;
}
