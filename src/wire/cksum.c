/* cksum.c: checksums over mbuf chains (see cksum.h). */
#include "wire/cksum.h"

#include <errno.h>

int wire_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *sum)
{
	const struct rte_mbuf *seg = m;
	uint32_t acc = 0, done = 0;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -EINVAL;
	/* Find the segment holding byte off. */
	while (seg && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (done < len) {
		uint32_t chunk;
		uint16_t s;

		if (!seg)
			return -EINVAL; /* pkt_len disagrees with the chain */
		chunk = seg->data_len - off;
		if (chunk > len - done)
			chunk = len - done;
		s = rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const char *, off), chunk);
		/* A chunk starting at an odd position of the message has its
		 * bytes in the other halves of the message's 16-bit words:
		 * its folded sum is byte-swapped (RFC 1071 section 2(B)). */
		if (done & 1)
			s = rte_bswap16(s);
		acc += s;
		done += chunk;
		seg = seg->next;
		off = 0;
	}
	*sum = wire_cksum_fold(acc);
	return 0;
}

int wire_ip4_l4_cksum(const struct rte_mbuf *m, uint32_t off, uint32_t l4len, uint32_t src,
                      uint32_t dst, uint8_t proto, uint16_t *ck)
{
	uint16_t sum;
	int rc = wire_cksum_mbuf(m, off, l4len, &sum);

	if (rc < 0)
		return rc;
	*ck = wire_cksum_final(wire_cksum_add(sum, wire_ip4_phdr_sum(src, dst, proto, l4len)));
	return 0;
}

bool wire_ip4_l4_cksum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t l4len, uint32_t src,
                          uint32_t dst, uint8_t proto)
{
	uint16_t sum;

	if (wire_cksum_mbuf(m, off, l4len, &sum) < 0)
		return false;
	return wire_cksum_add(sum, wire_ip4_phdr_sum(src, dst, proto, l4len)) == 0xffff;
}
