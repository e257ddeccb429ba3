/* ipv4.h: the IPv4 header (RFC 791; DPDK's rte_ipv4_hdr): parse, emit, and
 * address classes.
 *
 * wire_ip4_parse() validates the structure in the order of RFC 1122
 * section 3.2.1 and FreeBSD's ip_input(): at least a minimal header,
 * version 4, a header length of 5..15 words that fits the packet, a total
 * length that covers the header and does not pass the packet.  The header
 * checksum is checked separately (wire_ip4_hdr_cksum_ok) because a port may
 * have checked it already.  After success, every field of the parsed
 * struct is within the packet.
 *
 * Addresses are in network byte order everywhere.
 */
#ifndef FASTACK_WIRE_IPV4_H
#define FASTACK_WIRE_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define WIRE_IP4_MIN_HLEN 20u
#define WIRE_IP4_MAX_HLEN 60u
#define WIRE_IP4_DF 0x4000u      /* Don't Fragment, in fragment_offset */
#define WIRE_IP4_MF 0x2000u      /* More Fragments */
#define WIRE_IP4_OFFMASK 0x1fffu /* fragment offset, 8-byte units */

/* Reasons wire_ip4_parse() fails (returned negated). */
enum wire_ip4_err {
	WIRE_IP4_TOOSMALL = 1, /* shorter than a minimal header */
	WIRE_IP4_BADVERS,      /* version not 4 */
	WIRE_IP4_BADHLEN,      /* IHL < 5, or header longer than the packet */
	WIRE_IP4_BADLEN,       /* total length < header length */
	WIRE_IP4_TOOSHORT,     /* packet shorter than the total length */
};

struct ip4_hdr_info {
	uint32_t src, dst;
	uint16_t hlen;     /* bytes, 20..60 */
	uint16_t tot_len;  /* bytes, hlen..pkt_len */
	uint16_t id;       /* host order */
	uint16_t frag_off; /* offset in bytes */
	uint8_t tos, ttl, proto;
	uint8_t df, mf;
};

/* Parses the IPv4 header at the start of m (pkt_len may exceed the total
 * length: link padding).  0, or -WIRE_IP4_*. */
int wire_ip4_parse(const struct rte_mbuf *m, struct ip4_hdr_info *out);

/* True if the header checksum over the first hlen bytes of m verifies. */
bool wire_ip4_hdr_cksum_ok(const struct rte_mbuf *m, unsigned hlen);

static inline bool wire_ip4_is_fragment(const struct ip4_hdr_info *h)
{
	return h->mf || h->frag_off;
}

/* Fields of a header to emit (no options). */
struct ip4_fields {
	uint32_t src, dst;
	uint16_t tot_len; /* bytes, header included */
	uint16_t id;      /* host order */
	uint8_t tos, ttl, proto;
	uint8_t df;
};

/* Writes a 20-byte header at buf; the checksum is filled in when cksum is
 * true, else left 0 (for the port's offload). */
void wire_ip4_emit(void *buf, const struct ip4_fields *f, bool cksum);

/* Address classes (RFC 1122 section 3.2.1.3, RFC 5735). */
static inline uint32_t wire_ip4_h(uint32_t a)
{
	return rte_be_to_cpu_32(a);
}
static inline bool wire_ip4_is_multicast(uint32_t a)
{
	return (wire_ip4_h(a) & 0xf0000000u) == 0xe0000000u;
}
static inline bool wire_ip4_is_lbcast(uint32_t a)
{
	return a == 0xffffffffu;
}
static inline bool wire_ip4_is_loopback(uint32_t a)
{
	return (wire_ip4_h(a) >> 24) == 127;
}
/* Class E (240/4), 255.255.255.255 included. */
static inline bool wire_ip4_is_classe(uint32_t a)
{
	return (wire_ip4_h(a) & 0xf0000000u) == 0xf0000000u;
}
/* 0/8, "this network": a source only while bootstrapping. */
static inline bool wire_ip4_is_thisnet(uint32_t a)
{
	return (wire_ip4_h(a) >> 24) == 0;
}
/* Can a be the address of one host (a valid source of a datagram that
 * is not a bootstrap)?  Not 0/8, loopback, multicast, class E/broadcast. */
static inline bool wire_ip4_is_host(uint32_t a)
{
	return !wire_ip4_is_thisnet(a) && !wire_ip4_is_loopback(a) && !wire_ip4_is_multicast(a) &&
	       !wire_ip4_is_classe(a);
}

#endif
