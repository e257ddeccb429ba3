/* icmp.h: ICMP for IPv4 (RFC 792; DPDK's rte_icmp_hdr): types, parse, emit.
 *
 * The message starts with type, code and checksum; the next four bytes
 * depend on the type (identifier and sequence number for echo, unused or
 * the next-hop MTU for unreachables, RFC 1191).
 */
#ifndef FASTACK_WIRE_ICMP_H
#define FASTACK_WIRE_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_icmp.h>
#include <rte_mbuf.h>

/* Types (RFC 792, RFC 950). */
#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_SOURCEQUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMP_ROUTERADVERT 9
#define ICMP_ROUTERSOLICIT 10
#define ICMP_TIMXCEED 11
#define ICMP_PARAMPROB 12
#define ICMP_TSTAMP 13
#define ICMP_TSTAMPREPLY 14
#define ICMP_IREQ 15
#define ICMP_IREQREPLY 16
#define ICMP_MASKREQ 17
#define ICMP_MASKREPLY 18
#define ICMP_MAXTYPE 18

/* Codes of ICMP_UNREACH (RFC 792, RFC 1122 section 3.2.2.1). */
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4
/* ... RFC 1812 section 5.2.7.1 */
#define ICMP_UNREACH_NET_PROHIB 9
#define ICMP_UNREACH_HOST_PROHIB 10
#define ICMP_UNREACH_FILTER_PROHIB 13
#define ICMP_UNREACH_PRECEDENCE_CUTOFF 15

/* Codes of ICMP_TIMXCEED. */
#define ICMP_TIMXCEED_INTRANS 0

#define WIRE_ICMP_HLEN 8u

/* Error messages (as opposed to queries): never answered with an error
 * (RFC 1122 section 3.2.2). */
static inline bool wire_icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIMXCEED || type == ICMP_PARAMPROB;
}

/* Reasons wire_icmp_parse() fails (returned negated). */
enum wire_icmp_err {
	WIRE_ICMP_TOOSHORT = 1, /* shorter than the 8-byte header */
};

struct icmp_info {
	uint8_t type, code;
	uint16_t id, seq; /* host order (echo) */
	uint32_t rest;    /* bytes 4..7 as they lie in memory */
	uint32_t len;     /* message length, header included */
};

/* Parses the len-byte ICMP message at the start of m (len <= pkt_len).
 * 0, or -WIRE_ICMP_*. */
int wire_icmp_parse(const struct rte_mbuf *m, uint32_t len, struct icmp_info *out);
/* True when the checksum over the len-byte message verifies. */
bool wire_icmp_cksum_ok(const struct rte_mbuf *m, uint32_t len);

/* Writes the 8-byte header at buf with checksum 0; rest is bytes 4..7 in
 * memory order. */
void wire_icmp_emit(void *buf, uint8_t type, uint8_t code, uint32_t rest);

#endif
