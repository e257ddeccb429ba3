/* icmp.c: ICMP parse and emit (see icmp.h). */
#include "wire/icmp.h"

#include <string.h>

#include "wire/cksum.h"

int wire_icmp_parse(const struct rte_mbuf *m, uint32_t len, struct icmp_info *out)
{
	struct rte_icmp_hdr buf;
	const struct rte_icmp_hdr *ic;

	if (len < WIRE_ICMP_HLEN || len > rte_pktmbuf_pkt_len(m))
		return -WIRE_ICMP_TOOSHORT;
	ic = rte_pktmbuf_read(m, 0, sizeof(*ic), &buf);
	if (!ic)
		return -WIRE_ICMP_TOOSHORT;
	out->type = ic->icmp_type;
	out->code = ic->icmp_code;
	out->id = rte_be_to_cpu_16(ic->icmp_ident);
	out->seq = rte_be_to_cpu_16(ic->icmp_seq_nb);
	memcpy(&out->rest, &ic->icmp_ident, sizeof(out->rest));
	out->len = len;
	return 0;
}

bool wire_icmp_cksum_ok(const struct rte_mbuf *m, uint32_t len)
{
	uint16_t sum;

	if (wire_cksum_mbuf(m, 0, len, &sum) < 0)
		return false;
	return sum == 0xffff;
}

void wire_icmp_emit(void *buf, uint8_t type, uint8_t code, uint32_t rest)
{
	struct rte_icmp_hdr *ic = buf;

	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	memcpy(&ic->icmp_ident, &rest, sizeof(rest));
}
