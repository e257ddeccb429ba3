/* tcp.c: TCP header and option parsing, option emission (see tcp.h). */
#include "wire/tcp.h"

#include <string.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void wire_tcp_opts_parse(const uint8_t *p, unsigned len, bool syn, struct tcp_opts *out)
{
	memset(out, 0, sizeof(*out));
	while (len > 0) {
		uint8_t kind = p[0], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2 || p[1] < 2 || p[1] > len) {
			out->present |= TOF_MALFORMED;
			break;
		}
		olen = p[1];
		switch (kind) {
		case TCPOPT_MAXSEG:
			if (olen != TCPOLEN_MAXSEG) {
				out->present |= TOF_MALFORMED;
			} else if (syn) {
				out->present |= TOF_MSS;
				out->mss = get16(p + 2);
			}
			break;
		case TCPOPT_WINDOW:
			if (olen != TCPOLEN_WINDOW) {
				out->present |= TOF_MALFORMED;
			} else if (syn) {
				out->present |= TOF_SCALE;
				out->wscale = p[2] > TCP_MAX_WINSHIFT ? TCP_MAX_WINSHIFT : p[2];
			}
			break;
		case TCPOPT_SACK_PERMITTED:
			if (olen != TCPOLEN_SACK_PERMITTED)
				out->present |= TOF_MALFORMED;
			else if (syn)
				out->present |= TOF_SACKPERM;
			break;
		case TCPOPT_TIMESTAMP:
			if (olen != TCPOLEN_TIMESTAMP) {
				out->present |= TOF_MALFORMED;
			} else {
				out->present |= TOF_TS;
				out->tsval = get32(p + 2);
				out->tsecr = get32(p + 6);
			}
			break;
		case TCPOPT_SACK:
			if (olen < 2 + TCPOLEN_SACK || (olen - 2) % TCPOLEN_SACK != 0) {
				out->present |= TOF_MALFORMED;
			} else if (!syn) {
				unsigned n = (olen - 2u) / TCPOLEN_SACK;

				if (n > TCP_MAX_SACK)
					n = TCP_MAX_SACK;
				out->present |= TOF_SACK;
				out->nsack = (uint8_t)n;
				for (unsigned i = 0; i < n; i++) {
					out->sack[i].start = get32(p + 2 + i * TCPOLEN_SACK);
					out->sack[i].end = get32(p + 6 + i * TCPOLEN_SACK);
				}
			}
			break;
		default:
			break; /* unknown: skipped by its length */
		}
		p += olen;
		len -= olen;
	}
}

int wire_tcp_parse(const struct rte_mbuf *m, uint32_t seglen, struct tcp_seg *out)
{
	struct rte_tcp_hdr hbuf;
	uint8_t obuf[WIRE_TCP_MAX_OPTLEN];
	const struct rte_tcp_hdr *th;
	const uint8_t *opts;
	unsigned hlen;

	if (seglen < WIRE_TCP_MIN_HLEN || seglen > rte_pktmbuf_pkt_len(m))
		return -WIRE_TCP_TOOSHORT;
	th = rte_pktmbuf_read(m, 0, sizeof(*th), &hbuf);
	if (!th)
		return -WIRE_TCP_TOOSHORT;
	hlen = (th->data_off >> 4) * 4u;
	if (hlen < WIRE_TCP_MIN_HLEN || hlen > seglen)
		return -WIRE_TCP_BADOFF;
	out->sport = rte_be_to_cpu_16(th->src_port);
	out->dport = rte_be_to_cpu_16(th->dst_port);
	out->seq = rte_be_to_cpu_32(th->sent_seq);
	out->ack = rte_be_to_cpu_32(th->recv_ack);
	out->win = rte_be_to_cpu_16(th->rx_win);
	out->urp = rte_be_to_cpu_16(th->tcp_urp);
	out->flags = th->tcp_flags;
	out->hlen = (uint8_t)hlen;
	out->len = seglen - hlen;
	if (hlen == WIRE_TCP_MIN_HLEN) {
		memset(&out->opt, 0, sizeof(out->opt));
		return 0;
	}
	opts = rte_pktmbuf_read(m, WIRE_TCP_MIN_HLEN, hlen - WIRE_TCP_MIN_HLEN, obuf);
	if (!opts)
		return -WIRE_TCP_BADOFF; /* not reached: hlen <= seglen <= pkt_len */
	wire_tcp_opts_parse(opts, hlen - WIRE_TCP_MIN_HLEN, (out->flags & TH_SYN) != 0, &out->opt);
	return 0;
}

unsigned wire_tcp_opts_emit(uint8_t *buf, unsigned room, const struct tcp_opts *o)
{
	unsigned n = 0;

	if (room > WIRE_TCP_MAX_OPTLEN)
		room = WIRE_TCP_MAX_OPTLEN;
	room &= ~3u; /* the header ends on a 32-bit boundary */
	if ((o->present & TOF_MSS) && n + TCPOLEN_MAXSEG <= room) {
		buf[n] = TCPOPT_MAXSEG;
		buf[n + 1] = TCPOLEN_MAXSEG;
		put16(buf + n + 2, o->mss);
		n += TCPOLEN_MAXSEG;
	}
	if ((o->present & TOF_SCALE) && n + 1 + TCPOLEN_WINDOW <= room) {
		buf[n++] = TCPOPT_NOP;
		buf[n] = TCPOPT_WINDOW;
		buf[n + 1] = TCPOLEN_WINDOW;
		buf[n + 2] = o->wscale > TCP_MAX_WINSHIFT ? TCP_MAX_WINSHIFT : o->wscale;
		n += TCPOLEN_WINDOW;
	}
	if ((o->present & TOF_SACKPERM) && n + TCPOLEN_SACK_PERMITTED <= room) {
		buf[n] = TCPOPT_SACK_PERMITTED;
		buf[n + 1] = TCPOLEN_SACK_PERMITTED;
		n += TCPOLEN_SACK_PERMITTED;
	}
	if (o->present & TOF_TS) {
		unsigned pad = (4u + 2u - n % 4u) % 4u; /* TS starts at 2 mod 4 */

		if (n + pad + TCPOLEN_TIMESTAMP <= room) {
			while (pad--)
				buf[n++] = TCPOPT_NOP;
			buf[n] = TCPOPT_TIMESTAMP;
			buf[n + 1] = TCPOLEN_TIMESTAMP;
			put32(buf + n + 2, o->tsval);
			put32(buf + n + 6, o->tsecr);
			n += TCPOLEN_TIMESTAMP;
		}
	}
	if ((o->present & TOF_SACK) && o->nsack > 0) {
		unsigned pad = (4u + 2u - n % 4u) % 4u;
		unsigned k = o->nsack > TCP_MAX_SACK ? TCP_MAX_SACK : o->nsack;

		while (k > 0 && n + pad + 2 + k * TCPOLEN_SACK > room)
			k--;
		if (k > 0) {
			while (pad--)
				buf[n++] = TCPOPT_NOP;
			buf[n] = TCPOPT_SACK;
			buf[n + 1] = (uint8_t)(2 + k * TCPOLEN_SACK);
			for (unsigned i = 0; i < k; i++) {
				put32(buf + n + 2 + i * TCPOLEN_SACK, o->sack[i].start);
				put32(buf + n + 6 + i * TCPOLEN_SACK, o->sack[i].end);
			}
			n += 2 + k * TCPOLEN_SACK;
		}
	}
	while (n % 4u)
		buf[n++] = TCPOPT_EOL;
	return n;
}
