/* cksum.h: the Internet checksum (RFC 1071) over buffers and mbuf chains,
 * incremental update (RFC 1624), and the IPv4 pseudo-header (RFC 768,
 * RFC 9293 section 3.1).
 *
 * Convention: every "sum" here is the folded 16-bit one's-complement sum of
 * the data read as 16-bit words in memory order, as rte_raw_cksum() returns
 * it.  The value to store in a header field is ~sum (wire_cksum_final), and
 * a received message is intact when the sum over it, checksum field
 * included, is 0xffff.  Values taken from headers (network-order fields as
 * they lie in memory) can be fed in directly; nothing is byte-swapped.
 *
 * Why not rte_raw_cksum_mbuf(): in DPDK 22.11 it truncates a segment's
 * unfolded 32-bit sum to 16 bits before byte-swapping it when the segment
 * starts at an odd offset, so chains with an odd-length segment get a wrong
 * sum (tests/unit/test_wire.c, cksum_mbuf_odd_segments, shows the case).
 * wire_cksum_mbuf() folds first.
 */
#ifndef FASTACK_WIRE_CKSUM_H
#define FASTACK_WIRE_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

static inline uint16_t wire_cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/* One's-complement addition of two folded sums. */
static inline uint16_t wire_cksum_add(uint16_t a, uint16_t b)
{
	return wire_cksum_fold((uint32_t)a + b);
}

/* The value to put in a checksum field for a message whose sum (with the
 * field zeroed) is sum. */
static inline uint16_t wire_cksum_final(uint16_t sum)
{
	return (uint16_t)~sum;
}

/* Sum over len bytes of buf. */
static inline uint16_t wire_cksum_buf(const void *buf, size_t len)
{
	return rte_raw_cksum(buf, len);
}

/* Sum over len bytes of the chain m from byte off (relative to the data
 * start of the first segment); segments may have any length, odd ones
 * included.  0 and *sum set, or -EINVAL when off + len passes pkt_len. */
int wire_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *sum);

/* RFC 1624 equation 3: the new checksum field after one 16-bit word of the
 * message changed from old_word to new_word (all three in memory order). */
static inline uint16_t wire_cksum_adjust16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
	uint32_t s = (uint16_t)~cksum;

	s += (uint16_t)~old_word;
	s += new_word;
	return (uint16_t)~wire_cksum_fold(s);
}

/* Sum of the IPv4 pseudo-header: source, destination (network order as in
 * the header), protocol and the transport length (host order). */
static inline uint16_t wire_ip4_phdr_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len)
{
	uint32_t s = 0;

	s += src & 0xffff;
	s += src >> 16;
	s += dst & 0xffff;
	s += dst >> 16;
	s += rte_cpu_to_be_16((uint16_t)proto);
	s += rte_cpu_to_be_16((uint16_t)l4len);
	return wire_cksum_fold(s);
}

/* The TCP/UDP checksum field value for the l4len bytes at off in m with the
 * pseudo-header (src, dst, proto); the field itself must be zero in m.  UDP
 * callers map a result of 0 to 0xffff (RFC 768).  Returns 0 and sets *ck,
 * or -EINVAL when the range passes the packet. */
int wire_ip4_l4_cksum(const struct rte_mbuf *m, uint32_t off, uint32_t l4len, uint32_t src,
                      uint32_t dst, uint8_t proto, uint16_t *ck);
/* True when the TCP/UDP message at off (l4len bytes, checksum field
 * included) verifies against the pseudo-header. */
bool wire_ip4_l4_cksum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t l4len, uint32_t src,
                          uint32_t dst, uint8_t proto);

#endif
