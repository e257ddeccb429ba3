/* udp.h: the UDP header (RFC 768; DPDK's rte_udp_hdr): parse and emit.
 *
 * wire_udp_parse() follows FreeBSD's udp_input(): the header must be there,
 * and the UDP length must cover the header and not pass what IP delivered.
 * A UDP length shorter than the IP payload is valid; the caller trims the
 * excess.  Checksums: wire/cksum.h (wire_ip4_l4_cksum_ok; 0 = none).
 */
#ifndef FASTACK_WIRE_UDP_H
#define FASTACK_WIRE_UDP_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_udp.h>

#define WIRE_UDP_HLEN 8u

/* Reasons wire_udp_parse() fails (returned negated). */
enum wire_udp_err {
	WIRE_UDP_TOOSHORT = 1, /* fewer than 8 bytes */
	WIRE_UDP_BADLEN,       /* length < 8 or beyond the IP payload */
};

struct udp_info {
	uint16_t sport, dport; /* host order */
	uint16_t len;          /* UDP length, header included */
	uint16_t cksum;        /* as in the header (0: none) */
};

/* Parses the UDP header at the start of m; iplen is the transport length
 * IP delivered (<= pkt_len).  0, or -WIRE_UDP_*. */
int wire_udp_parse(const struct rte_mbuf *m, uint32_t iplen, struct udp_info *out);

/* Writes the 8-byte header at buf (ports and length in host order,
 * checksum 0). */
void wire_udp_emit(void *buf, uint16_t sport, uint16_t dport, uint16_t len);

#endif
