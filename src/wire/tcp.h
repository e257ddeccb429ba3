/* tcp.h: the TCP header and options (RFC 9293 section 3.1; DPDK's
 * rte_tcp_hdr): parse into struct tcp_seg, and emit options.
 *
 * wire_tcp_parse() checks that the fixed header is there and that the data
 * offset covers it and stays inside the segment; then it parses the options
 * with wire_tcp_opts_parse().  Options are judged one by one, as RFC 9293
 * section 3.1 and RFC 1122 section 4.2.2.5 ask ("be prepared to handle an
 * illegal option length ... without crashing"), and as FreeBSD's
 * tcp_dooptions() does:
 *
 *   - EOL ends the list; NOP is one byte;
 *   - any other kind needs a length byte, and a length of at least 2 that
 *     stays inside the option area; otherwise parsing stops there (options
 *     already parsed are kept) and TOF_MALFORMED is set;
 *   - a known option with the wrong length is skipped (by its length) and
 *     TOF_MALFORMED is set; unknown kinds are skipped;
 *   - MSS, window scale and SACK-permitted count only in a SYN; SACK blocks
 *     only outside a SYN (RFC 2018: SACK-permitted is a SYN option);
 *   - a window shift above 14 is taken as 14 (RFC 7323 section 2.3);
 *   - SACK: length 2 + 8n, n >= 1; the first TCP_MAX_SACK blocks are kept;
 *   - a repeated option: the last one wins.
 *
 * wire_tcp_opts_emit() lays options out as FreeBSD does (tcpdump of a
 * FreeBSD SYN: "mss 1460,nop,wscale 6,sackOK,TS val .. ecr 0"): MSS, then
 * NOP + window scale, SACK-permitted, NOPs to align the timestamps, then
 * NOPs + SACK blocks, as many as fit in 40 bytes; the end is padded with
 * EOL to a multiple of 4.
 */
#ifndef FASTACK_WIRE_TCP_H
#define FASTACK_WIRE_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#define WIRE_TCP_MIN_HLEN 20u
#define WIRE_TCP_MAX_OPTLEN 40u

/* Header flags (the tcp_flags byte), RFC 9293 / RFC 3168 names. */
#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PUSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG
#define TH_URG RTE_TCP_URG_FLAG
#define TH_ECE RTE_TCP_ECE_FLAG
#define TH_CWR RTE_TCP_CWR_FLAG

/* Option kinds and lengths (RFC 9293, RFC 7323, RFC 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MAXSEG 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERMITTED 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8
#define TCPOLEN_MAXSEG 4
#define TCPOLEN_WINDOW 3
#define TCPOLEN_SACK_PERMITTED 2
#define TCPOLEN_SACK 8 /* per block */
#define TCPOLEN_TIMESTAMP 10

#define TCP_MAX_WINSHIFT 14
#define TCP_MAX_SACK 4 /* blocks kept from one segment (40 bytes hold 4) */

/* struct tcp_opts.present */
#define TOF_MSS 0x01
#define TOF_SCALE 0x02
#define TOF_SACKPERM 0x04
#define TOF_TS 0x08
#define TOF_SACK 0x10
#define TOF_MALFORMED 0x80 /* an option had a bad length (parse only) */

struct tcp_sack_block {
	uint32_t start, end; /* host order */
};

struct tcp_opts {
	uint8_t present; /* TOF_* */
	uint8_t wscale;  /* shift, <= 14 */
	uint8_t nsack;   /* blocks in sack[] */
	uint16_t mss;
	uint32_t tsval, tsecr; /* host order */
	struct tcp_sack_block sack[TCP_MAX_SACK];
};

/* A parsed segment: header fields in host order, options, payload length.
 * The payload starts hlen bytes into the segment. */
struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win; /* as sent (unscaled) */
	uint16_t urp;
	uint8_t flags; /* TH_* */
	uint8_t hlen;  /* header + options, bytes */
	uint8_t ecn;   /* the IP header's ECN field (filled in by tcp_input, not parsed) */
	uint32_t len;  /* payload bytes */
	struct tcp_opts opt;
};

/* Reasons wire_tcp_parse() fails (returned negated). */
enum wire_tcp_err {
	WIRE_TCP_TOOSHORT = 1, /* shorter than the fixed header */
	WIRE_TCP_BADOFF,       /* data offset < 5 words or past the segment */
};

/* Parses the seglen-byte segment at the start of m (seglen <= pkt_len).
 * 0, or -WIRE_TCP_*.  Bad options do not fail the parse: see above. */
int wire_tcp_parse(const struct rte_mbuf *m, uint32_t seglen, struct tcp_seg *out);

/* Parses len bytes of options at p (syn: the segment carries SYN). */
void wire_tcp_opts_parse(const uint8_t *p, unsigned len, bool syn, struct tcp_opts *out);

/* Writes the options o->present asks for (TOF_MSS, TOF_SCALE, TOF_SACKPERM,
 * TOF_TS, TOF_SACK with o->nsack blocks; SACK blocks that do not fit are
 * left out) into buf, which holds room bytes (at most 40 are used).
 * Returns the length written, a multiple of 4. */
unsigned wire_tcp_opts_emit(uint8_t *buf, unsigned room, const struct tcp_opts *o);

#endif
