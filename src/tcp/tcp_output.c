/* tcp_output.c: deciding what to send, and building segments.
 *
 * tcp_output(tp) is called whenever something may have become sendable
 * (user data, an ACK that opened the window or moved SND.UNA, a timer, a
 * flag such as TF_ACKNOW).  It loops, sending one segment per pass, until
 * nothing more is due:
 *
 *   1. the flags the state calls for (RFC 9293 section 3.10; the FreeBSD
 *      tcp_outflags table): SYN in SYN_SENT, SYN|ACK in SYN_RECEIVED, FIN
 *      in FIN_WAIT_1/CLOSING/LAST_ACK once all data is out;
 *   2. in SACK recovery (RFC 6675 section 5): retransmit the next hole
 *      while pipe < cwnd, then new data;
 *   3. the usable window: min(SND.WND, cwnd) (+ up to two segments of
 *      limited transmit, RFC 3042), or one byte to probe a zero window;
 *   4. whether to send now: a full segment; everything left when idle or
 *      with TCP_NODELAY (Nagle, RFC 1122 section 4.2.3.4); half the
 *      largest window the peer offered (sender SWS avoidance); a
 *      retransmission; a window update worth two segments or half the
 *      buffer (receiver SWS avoidance, RFC 1122 section 4.2.3.3); a pending
 *      ACK; a control flag;
 *   5. otherwise, with data queued and nothing in flight (a closed window,
 *      or one sender SWS avoidance will not fill), the persist timer.
 *
 * Segments: a header mbuf (TCP header and options), followed by indirect
 * mbufs attached to the send buffer's mbufs (small payloads are copied
 * instead).  The checksum is left to the port (RTE_MBUF_F_TX_TCP_CKSUM with
 * the pseudo-header sum in the field, DPDK's contract; counted in
 * tcps_snd_csum_offload) when the connection's route leads to a port with
 * PORT_OFF_TX_TCP_CKSUM (TF_TXCSUM, from tcp_route_init; segments without
 * a connection ask ip4_output_netif), else computed here.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_mbuf.h>

#include "eth/eth.h"
#include "ip/ip4.h"
#include "port/port.h"
#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "wire/cksum.h"

#define TCP_COPY_MAX 128 /* payloads up to this size are copied, not attached */

/* ---- send buffer ---- */

uint32_t tcp_sndbuf_append(struct stack *s, struct sndbuf *sb, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint32_t done = 0;

	while (done < len) {
		struct rte_mbuf *m = sb->tail;
		uint32_t room = m ? rte_pktmbuf_tailroom(m) : 0;
		uint32_t n;

		if (room == 0) {
			m = rte_pktmbuf_alloc(s->pool);
			if (!m)
				break;
			/* The send buffer needs no headroom: segments get their
			 * own header mbuf. */
			m->data_off = 0;
			if (sb->tail)
				sb->tail->next = m;
			else
				sb->head = m;
			sb->tail = m;
			room = rte_pktmbuf_tailroom(m);
		}
		n = len - done < room ? len - done : room;
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), p + done, n);
		m->data_len = (uint16_t)(m->data_len + n);
		m->pkt_len = m->data_len;
		done += n;
	}
	sb->cc += done;
	return done;
}

void tcp_sndbuf_adopt(struct sndbuf *sb, struct rte_mbuf *m, uint32_t n)
{
	/* The chain's buffers become the buffer's own: one segment each, as
	 * tcp_sndbuf_append makes them (data from data_off 0 on). */
	struct rte_mbuf *last = m;

	for (struct rte_mbuf *seg = m; seg; seg = seg->next) {
		seg->pkt_len = seg->data_len;
		seg->nb_segs = 1;
		last = seg;
	}
	if (sb->tail)
		sb->tail->next = m;
	else
		sb->head = m;
	sb->tail = last;
	sb->cc += n;
}

void tcp_sndbuf_drop(struct sndbuf *sb, uint32_t n)
{
	if (n > sb->cc)
		n = sb->cc;
	sb->cc -= n;
	sb->una_pos += n;
	sb->off += n;
	while (sb->head && sb->off >= sb->head->data_len) {
		struct rte_mbuf *m = sb->head;

		sb->off -= m->data_len;
		sb->head = m->next;
		if (!sb->head)
			sb->tail = NULL;
		if (sb->hint == m)
			sb->hint = NULL;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
}

void tcp_sndbuf_free(struct sndbuf *sb)
{
	while (sb->head) {
		struct rte_mbuf *m = sb->head;

		sb->head = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	sb->tail = sb->hint = NULL;
	sb->una_pos += sb->cc;
	sb->cc = sb->off = 0;
}

/* The mbuf holding stream offset o (from SND.UNA) and the offset in it. */
static struct rte_mbuf *sndbuf_find(struct sndbuf *sb, uint32_t o, uint32_t *in)
{
	uint64_t want = sb->una_pos + o, pos;
	struct rte_mbuf *m;

	if (sb->hint && sb->hint_pos <= want) {
		m = sb->hint;
		pos = sb->hint_pos;
	} else {
		m = sb->head;
		pos = sb->una_pos - sb->off;
	}
	while (m && pos + m->data_len <= want) {
		pos += m->data_len;
		m = m->next;
	}
	if (!m)
		return NULL;
	sb->hint = m;
	sb->hint_pos = pos;
	*in = (uint32_t)(want - pos);
	return m;
}

/* Appends len bytes of the send buffer from offset o to the packet m. */
static int sndbuf_put(struct stack *s, struct sndbuf *sb, struct rte_mbuf *m, uint32_t o,
                      uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
	uint32_t in = 0;
	struct rte_mbuf *src = sndbuf_find(sb, o, &in);

	if (len <= TCP_COPY_MAX && len <= rte_pktmbuf_tailroom(m)) {
		uint8_t *dst = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);

		while (len > 0 && src) {
			uint32_t n = src->data_len - in;

			if (n > len)
				n = len;
			memcpy(dst, rte_pktmbuf_mtod_offset(src, uint8_t *, in), n);
			dst += n;
			len -= n;
			src = src->next;
			in = 0;
		}
		return len ? -EINVAL : 0;
	}
	while (len > 0 && src) {
		uint32_t n = src->data_len - in;
		struct rte_mbuf *mi = rte_pktmbuf_alloc(s->pool);

		if (!mi)
			return -ENOBUFS;
		if (n > len)
			n = len;
		rte_pktmbuf_attach(mi, src);
		mi->data_off = (uint16_t)(src->data_off + in);
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		last->next = mi;
		last = mi;
		m->nb_segs++;
		m->pkt_len += n;
		len -= n;
		src = src->next;
		in = 0;
	}
	return len ? -EINVAL : 0;
}

/* ---- segments ---- */

uint32_t tcp_rcv_space(const struct stack *s, const struct tcpcb *tp)
{
	const struct stack_mem *mem = &s->mem;
	uint32_t used = tp->rcvq.bytes;
	uint32_t space = used >= tp->rcv_hiwat ? 0 : tp->rcv_hiwat - used;

	/* Under memory pressure the window offered shrinks to what the
	 * queue may still take (src/stack/mem.h); rcv_window never moves the
	 * right edge back, so it closes as the peer fills it. */
	if (mem->level != MEM_OK) {
		uint32_t lim =
		    mem->avail > mem->reserve && mem->sock_min > used ? mem->sock_min - used : 0;

		if (space > lim)
			space = lim;
	}
	return space;
}

/* The window to advertise, unscaled; updates rcv_adv. */
static uint16_t rcv_window(const struct stack *s, struct tcpcb *tp, bool syn)
{
	uint32_t space = tcp_rcv_space(s, tp);
	/* Unscaled on a SYN (RFC 7323 2.2) and until ESTABLISHED: FreeBSD
	 * takes rcv_scale into use only then. */
	uint8_t sc = syn || tp->t_state < TCPS_ESTABLISHED ? 0 : tp->rcv_scale;
	uint32_t win;

	if (tp->t_flags & TF_SHUT_RD)
		space = tp->rcv_hiwat; /* data is discarded anyway */
	/* Receiver SWS avoidance (RFC 1122 section 4.2.3.3). */
	if (space < tp->rcv_hiwat / 4 && space < tp->t_maxseg)
		space = 0;
	if (space > (TCP_MAXWIN << sc))
		space = TCP_MAXWIN << sc;
	/* Never shrink the window we offered (RFC 9293 section 3.8.6). */
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) && space < tp->rcv_adv - tp->rcv_nxt)
		space = tp->rcv_adv - tp->rcv_nxt;
	/* Rounded up to a whole unit of the scale, so that the right edge
	 * never moves back by a fraction of one (FreeBSD's roundup2). */
	win = (space + (1u << sc) - 1) >> sc;
	if (win > TCP_MAXWIN)
		win = TCP_MAXWIN;
	if (SEQ_GT(tp->rcv_nxt + (win << sc), tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + (win << sc);
	return (uint16_t)win;
}

static void fill_addrs(const struct tcp_key *k, uint32_t *src, uint32_t *dst)
{
	memcpy(src, k->laddr, 4);
	memcpy(dst, k->faddr, 4);
}

/* Whether every segment of m but the last has an even length.  Some ports
 * sum the segments of a chain one by one as if each started on an even
 * offset (net_tap's TX checksum in DPDK 22.11), which is wrong after an odd
 * one; such chains get their checksum in software. */
static bool segs_even(const struct rte_mbuf *m)
{
	for (; m->next; m = m->next)
		if (m->data_len & 1)
			return false;
	return true;
}

/* Finishes and sends a segment whose header mbuf m starts with room for
 * the TCP header (hlen bytes, options already written at +20); hw: the
 * port computes the checksum; tos: the IP header's TOS byte (ECN field
 * included), ttl: its TTL (0: net.inet.ip.ttl). */
static int emit(struct stack *s, const struct tcp_key *k, struct rte_mbuf *m, unsigned hlen,
                uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, bool hw, uint8_t tos,
                uint8_t ttl)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	uint32_t src, dst;
	uint16_t ck;
	int rc;

	if (k->family != AF_INET) {
		/* FIXME(ipv6): TCP over IPv6 once ip6 lands. */
		rte_pktmbuf_free(m);
		STAT_INC(s, tcp, tcps_snderr);
		return -EAFNOSUPPORT;
	}
	th->src_port = k->lport;
	th->dst_port = k->fport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
	fill_addrs(k, &src, &dst);
	if (hw && segs_even(m)) {
		th->cksum = wire_ip4_phdr_sum(src, dst, IPPROTO_TCP, m->pkt_len);
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		m->l4_len = hlen;
		STAT_INC(s, tcp, tcps_snd_csum_offload);
	} else if (wire_ip4_l4_cksum(m, 0, m->pkt_len, src, dst, IPPROTO_TCP, &ck) < 0) {
		rte_pktmbuf_free(m);
		STAT_INC(s, tcp, tcps_snderr);
		return -EINVAL;
	} else {
		th->cksum = ck;
	}
	STAT_INC(s, tcp, tcps_sndtotal);
	rc = ip4_output(
	    s, m,
	    &(struct ip4_out){
	        .src = src, .dst = dst, .proto = IPPROTO_TCP, .tos = tos, .ttl = ttl, .df = 1 });
	if (rc < 0)
		STAT_INC(s, tcp, tcps_snderr);
	return rc;
}

void tcp_respond(struct stack *s, const struct tcp_key *k, uint32_t seq, uint32_t ack,
                 uint8_t flags, uint16_t win)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);
	struct netif *ifp = NULL;
	uint32_t dst;

	if (!m) {
		STAT_INC(s, tcp, tcps_snderr);
		return;
	}
	if (k->family == AF_INET) {
		memcpy(&dst, k->faddr, 4);
		ifp = ip4_output_netif(s, dst);
	}
	if (!rte_pktmbuf_append(m, WIRE_TCP_MIN_HLEN)) {
		rte_pktmbuf_free(m);
		STAT_INC(s, tcp, tcps_snderr);
		return;
	}
	if (flags & TH_RST)
		STAT_INC(s, tcp, tcps_sndrst);
	else
		STAT_INC(s, tcp, tcps_sndacks);
	emit(s, k, m, WIRE_TCP_MIN_HLEN, seq, ack, flags, win,
	     ifp && (ifp->port->offloads & PORT_OFF_TX_TCP_CKSUM), 0, 0);
}

/* ECN (RFC 3168 section 6.1, as FreeBSD 14's tcp_ecn.c): the ECE/CWR flags
 * a segment about to leave carries, and its IP ECN field (*ecn).
 *   SYN      ECE|CWR when we ask (net.inet.tcp.ecn.enable = 1), on the
 *            first SYN and net.inet.tcp.ecn.maxretries (1) retransmissions;
 *   SYN-ACK  ECE when the peer's SYN asked and we agreed (enable >= 1):
 *            dropped from the second SYN-ACK retransmission on (tcp_timer);
 *   else     once negotiated: new data (not a retransmission, not a
 *            one-byte window probe) goes out ECT(0), the first after a
 *            window reduction with CWR; every segment carries ECE while a
 *            CE mark waits for the peer's CWR. */
static uint8_t ecn_flags(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len,
                         uint8_t flags, uint8_t *ecn)
{
	uint8_t add = 0;

	*ecn = 0;
	if (flags & TH_RST)
		return 0;
	if (flags & TH_SYN) {
		if (flags & TH_ACK)
			return (tp->t_ecn & ECN_PERMIT) ? TH_ECE : 0;
		if (tp->t_rxtshift == 0 && KNOB(s, TCP_ECN) == 1)
			tp->t_ecn |= ECN_REQ;
		if (tp->t_rxtshift > KNOB(s, TCP_ECN_MAXRETRIES))
			tp->t_ecn &= (uint8_t)~ECN_REQ;
		return (tp->t_ecn & ECN_REQ) ? TH_ECE | TH_CWR : 0;
	}
	if (!(tp->t_ecn & ECN_PERMIT) || tp->t_state < TCPS_ESTABLISHED)
		return 0;
	if (len && SEQ_GEQ(seq, tp->snd_max) && !((tp->t_flags & TF_FORCEDATA) && len == 1)) {
		*ecn = IPECN_ECT0;
		if (tp->t_ecn & ECN_SND_CWR) {
			add |= TH_CWR;
			tp->t_ecn &= (uint8_t)~ECN_SND_CWR;
		}
	}
	if (tp->t_ecn & ECN_SND_ECE)
		add |= TH_ECE;
	return add;
}

/* A segment did not leave (no buffer, no route, a full queue): nothing
 * may then wait for an event that will not come.  A FIN that failed with
 * nothing else outstanding once left its connection, and the buffers it
 * held, stuck for good.  So, as FreeBSD's tcp_output does on ENOBUFS:
 * what occupies sequence space (data, SYN, FIN) is left to the
 * retransmission timer, which backs off and in the end gives up as for any
 * retransmission; a bare ACK or window update to the delayed-ACK timer.  A
 * RST is not retried: the connection is being dropped, and the peer's next
 * segment meets a closed port. */
static void send_failed(struct stack *s, struct tcpcb *tp, uint32_t len, uint8_t flags)
{
	if (flags & TH_RST)
		return;
	STAT_INC(s, tcp, tcps_sndretry);
	if (tp->t_flags & TF_FORCEDATA)
		return; /* a window probe: the persist timer goes on */
	if (len || (flags & (TH_SYN | TH_FIN))) {
		if (!tp->t_rexmt_at)
			tcp_rexmt_arm(s, tp);
	} else {
		tcp_delack_arm(s, tp);
	}
}

int tcp_send_seg_f(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags,
                   uint8_t *flags_out)
{
	struct tcp_opts o;
	struct rte_mbuf *m;
	uint8_t *hdr;
	unsigned optlen, hlen;
	uint8_t obuf[WIRE_TCP_MAX_OPTLEN];
	bool syn = (flags & TH_SYN) != 0;
	uint8_t ecn = 0;
	uint16_t win;
	int rc;

	memset(&o, 0, sizeof(o));
	if (syn) {
		o.present |= TOF_MSS;
		o.mss = tp->t_advmss;
		if (tp->t_flags & TF_REQ_SCALE) {
			o.present |= TOF_SCALE;
			o.wscale = tp->request_r_scale;
		}
		if (tp->t_flags & TF_REQ_SACK)
			o.present |= TOF_SACKPERM;
	}
	if ((tp->t_flags & TF_REQ_TSTMP) && (syn || (tp->t_flags & TF_RCVD_TSTMP))) {
		o.present |= TOF_TS;
		o.tsval = tcp_ms(s) + tp->ts_offset;
		o.tsecr = tp->ts_recent;
	}
	if (!syn && (tp->t_flags & TF_SACK_PERMIT) &&
	    (tp->reass || tp->rcv_dsack_start != tp->rcv_dsack_end)) {
		unsigned n = 0;

		/* A duplicate goes first, reported once (RFC 2883 4.1,
		 * FreeBSD's D-SACK); the blocks that do not fit the option
		 * space are left out from the end. */
		if (tp->rcv_dsack_start != tp->rcv_dsack_end) {
			o.sack[n].start = tp->rcv_dsack_start;
			o.sack[n++].end = tp->rcv_dsack_end;
			if (flags & TH_ACK)
				tp->rcv_dsack_start = tp->rcv_dsack_end;
		}
		n += tcp_sack_blocks(tp, o.sack + n, TCP_MAX_SACK - n);
		o.nsack = (uint8_t)n;
		if (o.nsack) {
			o.present |= TOF_SACK;
			STAT_ADD(s, tcp, tcps_sack_send_blocks, o.nsack);
		}
	}
	optlen = o.present ? wire_tcp_opts_emit(obuf, sizeof(obuf), &o) : 0;
	hlen = WIRE_TCP_MIN_HLEN + optlen;
	/* t_maxseg already leaves room for timestamps; SACK blocks take
	 * their room from the data (the MTU is fixed). */
	if (len && optlen > ((o.present & TOF_TS) ? 12u : 0u)) {
		uint32_t extra = optlen - ((o.present & TOF_TS) ? 12u : 0u);
		uint32_t room = tp->t_maxseg > extra ? tp->t_maxseg - extra : 1;

		if (len > room) {
			len = room;
			flags &= (uint8_t)~TH_FIN; /* the FIN follows the cut data */
		}
	}

	/* PSH when the segment empties the send buffer (FreeBSD, Linux:
	 * RFC 9293 section 3.9.1 leaves it to the sender). */
	if (len && seq + len == tp->snd_una + tp->snd.cc)
		flags |= TH_PUSH;
	flags |= ecn_flags(s, tp, seq, len, flags, &ecn);

	m = rte_pktmbuf_alloc(s->pool);
	if (!m)
		goto nobufs;
	hdr = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hlen);
	if (!hdr)
		goto nobufs;
	memcpy(hdr + WIRE_TCP_MIN_HLEN, obuf, optlen);
	if (len) {
		rc = sndbuf_put(s, &tp->snd, m, seq - tp->snd_una, len);
		if (rc < 0)
			goto nobufs;
		if ((tp->t_flags & TF_FORCEDATA) && len == 1) {
			/* A window probe, new byte or not (FreeBSD). */
			STAT_INC(s, tcp, tcps_sndprobe);
		} else if (SEQ_LT(seq, tp->snd_max)) {
			STAT_INC(s, tcp, tcps_sndrexmitpack);
			STAT_ADD(s, tcp, tcps_sndrexmitbyte, len);
			tp->total_retrans++;
		} else {
			STAT_INC(s, tcp, tcps_sndpack);
			STAT_ADD(s, tcp, tcps_sndbyte, len);
		}
	} else if (flags & (TH_SYN | TH_FIN | TH_RST)) {
		STAT_INC(s, tcp, tcps_sndctrl);
	} else if (tp->t_flags & TF_FORCEDATA) {
		STAT_INC(s, tcp, tcps_sndprobe);
	} else if (tp->t_flags & (TF_ACKNOW | TF_DELACK)) {
		STAT_INC(s, tcp, tcps_sndacks);
	} else {
		STAT_INC(s, tcp, tcps_sndwinup);
	}
	if (flags & TH_RST)
		STAT_INC(s, tcp, tcps_sndrst);
	win = (flags & TH_RST) ? 0 : rcv_window(s, tp, syn);
	/* FreeBSD's tcp_output: the socket's IP_TOS with its ECN bits
	 * replaced by TCP's own (RFC 3168), the socket's IP_TTL. */
	rc = emit(s, &tp->key, m, hlen, seq, (flags & TH_ACK) ? tp->rcv_nxt : 0, flags, win,
	          (tp->t_flags & TF_TXCSUM) != 0, (uint8_t)((tp->ip_tos & ~3u) | ecn), tp->ip_ttl);
	if (rc < 0) {
		send_failed(s, tp, len, flags);
		return rc;
	}
	if (len && tp->t_fb == TCP_FB_RACK)
		tcp_rack_sent(s, tp, seq, len);
	if (flags & TH_ACK) {
		tp->last_ack_sent = tp->rcv_nxt;
		tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
		if (tp->t_delack_at) {
			tp->t_delack_at = 0;
			tcp_timer_update(s, tp);
		}
	}
	if (flags_out)
		*flags_out = flags;
	return (int)len;
nobufs:
	rte_pktmbuf_free(m);
	STAT_INC(s, tcp, tcps_snderr);
	send_failed(s, tp, len, flags);
	return -ENOBUFS;
}

int tcp_send_seg(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	return tcp_send_seg_f(s, tp, seq, len, flags, NULL);
}

void tcp_send_ack(struct stack *s, struct tcpcb *tp)
{
	tp->t_flags |= TF_ACKNOW;
	tcp_send_seg(s, tp, tp->snd_nxt, 0, TH_ACK);
}

void tcp_send_rst(struct stack *s, struct tcpcb *tp)
{
	if (tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_CLOSED ||
	    tp->t_state == TCPS_LISTEN)
		return;
	tcp_send_seg(s, tp, tp->snd_max, 0, TH_RST | TH_ACK);
}

/* The flags each state sends (FIN only once all data is out). */
static const uint8_t tcp_outflags[] = {
	[TCPS_CLOSED] = TH_RST | TH_ACK,
	[TCPS_LISTEN] = 0,
	[TCPS_SYN_SENT] = TH_SYN,
	[TCPS_SYN_RECEIVED] = TH_SYN | TH_ACK,
	[TCPS_ESTABLISHED] = TH_ACK,
	[TCPS_CLOSE_WAIT] = TH_ACK,
	[TCPS_FIN_WAIT_1] = TH_FIN | TH_ACK,
	[TCPS_CLOSING] = TH_FIN | TH_ACK,
	[TCPS_LAST_ACK] = TH_FIN | TH_ACK,
	[TCPS_FIN_WAIT_2] = TH_ACK,
	[TCPS_TIME_WAIT] = TH_ACK,
};

/* After sending [seq, seq+len) with flags: advance SND.NXT/SND.MAX, time
 * the segment, arm the retransmission timer. */
static void sent_seg(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	uint32_t end = seq + len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
	bool fresh = SEQ_GT(end, tp->snd_max);

	if (flags & TH_FIN)
		tp->t_flags |= TF_SENTFIN;
	if (SEQ_GT(end, tp->snd_nxt))
		tp->snd_nxt = end;
	if (SEQ_GT(end, tp->snd_max)) {
		/* New data: time it unless timestamps do (RFC 6298 / Karn). */
		if (!tp->t_rtttime && !(tp->t_flags & TF_RCVD_TSTMP) && seq == tp->snd_max) {
			tp->t_rtttime = s->now;
			tp->t_rtseq = seq;
			STAT_INC(s, tcp, tcps_segstimed);
		}
		tp->snd_max = end;
	}
	if (end != seq && (!tp->t_rexmt_at || (tp->t_flags & TF_PERSIST)) &&
	    (!(tp->t_flags & TF_FORCEDATA) || tp->snd_wnd > 0)) {
		/* RFC 6298 (5.1): start the timer if it is not running (or
		 * the loss probe timer, RFC 8985 7.2). */
		tcp_pto_or_rexmt_arm(s, tp);
	} else if (fresh && (tp->t_tlp & TLP_PTO)) {
		tcp_pto_or_rexmt_arm(s, tp); /* restarted by new data */
	}
}

/* The tail loss probe (RFC 8985 section 7.3): one segment of new data if
 * the peer's window takes it (cwnd aside), else the last segment sent
 * again; it is remembered (t_tlp_high) so that its ACK can tell whether it
 * repaired a loss (tcp_input.c), and the RTO is armed behind it. */
void tcp_tlp_send(struct stack *s, struct tcpcb *tp)
{
	uint32_t mss = tp->t_maxseg, flight = tp->snd_max - tp->snd_una;
	uint32_t data_end = tp->snd_una + tp->snd.cc;
	uint8_t fl = TH_ACK;
	bool rexmit = false;
	uint32_t seq, len;
	int rc;

	if (flight == 0 || tp->t_state < TCPS_ESTABLISHED)
		return; /* nothing to probe for (cannot happen: the timer stops) */
	if (!(tp->t_flags & TF_SENTFIN) && SEQ_GT(data_end, tp->snd_max) && tp->snd_wnd > flight) {
		seq = tp->snd_max;
		len = data_end - seq;
		if (len > mss)
			len = mss;
		if (len > tp->snd_wnd - flight)
			len = tp->snd_wnd - flight;
		if ((tcp_outflags[tp->t_state] & TH_FIN) && seq + len == data_end)
			fl |= TH_FIN;
	} else {
		uint32_t end = (tp->t_flags & TF_SENTFIN) ? data_end : tp->snd_max;

		len = end - tp->snd_una < mss ? end - tp->snd_una : mss;
		seq = end - len;
		if (tp->t_flags & TF_SENTFIN)
			fl |= TH_FIN;
		rexmit = true;
	}
	rc = tcp_send_seg_f(s, tp, seq, len, fl, &fl);
	if (rc >= 0) {
		STAT_INC(s, tcp, tcps_tlp_probes);
		if (rexmit)
			tp->t_rtttime = 0; /* Karn */
		else
			sent_seg(s, tp, seq, (uint32_t)rc, fl);
		tp->t_tlp |= TLP_OUT | (rexmit ? TLP_REXMIT : 0);
		tp->t_tlp_high = tp->snd_max;
	}
	tcp_rexmt_arm(s, tp);
}

int tcp_output(struct stack *s, struct tcpcb *tp)
{
	/* Idle when called, for the whole burst (FreeBSD): a write into an
	 * idle connection sends all of it, the last partial segment too,
	 * before Nagle holds anything back. */
	const bool idle = tp->snd_max == tp->snd_una;
	unsigned guard = 0;

	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN)
		return 0;
	for (;;) {
		uint8_t flags = tcp_outflags[tp->t_state];
		uint32_t off = tp->snd_nxt - tp->snd_una;
		uint32_t cc = tp->snd.cc;
		uint32_t mss = tp->t_maxseg;
		uint32_t win, len = 0, fin_seq;
		bool send = false, fin_again;
		int rc;

		if (++guard > 100000)
			return 0; /* cannot happen: each pass sends or stops */
		if ((flags & TH_SYN) && SEQ_GT(tp->snd_nxt, tp->iss))
			flags &= (uint8_t)~TH_SYN;
		if (tp->t_state < TCPS_ESTABLISHED) {
			/* No data on SYNs: only the handshake itself. */
			if (!(flags & TH_SYN) && (!(tp->t_flags & TF_ACKNOW) || !(flags & TH_ACK)))
				return 0;
			len = 0;
			off = 0;
			cc = 0;
			goto decide;
		}

		/* RACK (tcp_rack.c): what it found lost goes first; new data
		 * as the pipe leaves room in cwnd, in recovery or not. */
		if (tp->rack) {
			rc = tcp_rack_output(s, tp, &win);
			if (rc < 0)
				return rc;
			if (rc > 0)
				continue;
			win += off; /* the window counts from SND.NXT here */
			if (win > tp->snd_wnd)
				win = tp->snd_wnd;
		} else if ((tp->t_flags & (TF_FASTRECOVERY | TF_SACK_PERMIT)) ==
		               (TF_FASTRECOVERY | TF_SACK_PERMIT) &&
		           tp->sack) {
			uint32_t hseq, hlen;
			uint32_t pipe = tcp_sack_pipe(tp);

			if (pipe + mss > tp->snd_cwnd && !(tp->t_flags & TF_ACKNOW))
				return 0;
			if (pipe + mss <= tp->snd_cwnd && tcp_sack_nextseg(tp, &hseq, &hlen) == 0) {
				if (hlen > mss)
					hlen = mss;
				rc = tcp_send_seg(s, tp, hseq, hlen, TH_ACK);
				if (rc < 0)
					return rc;
				STAT_INC(s, tcp, tcps_sack_rexmits);
				tcp_sack_rexmitted(tp, hseq + (uint32_t)rc);
				tp->t_rtttime = 0;
				if (!tp->t_rexmt_at || (tp->t_flags & TF_PERSIST))
					tcp_rexmt_arm(s, tp);
				continue;
			}
			/* No hole: new data if the pipe allows (rule 2). */
			win = tp->snd_cwnd > pipe ? tp->snd_cwnd - pipe : 0;
			win += off; /* the window counts from SND.NXT here */
			if (win > tp->snd_wnd)
				win = tp->snd_wnd;
		} else {
			win = tp->snd_wnd < tp->snd_cwnd ? tp->snd_wnd : tp->snd_cwnd;
			/* Limited transmit (RFC 3042): one more segment per
			 * duplicate ACK, for the first two. */
			if (tp->t_dupacks > 0 && tp->t_dupacks < 3 && KNOB(s, TCP_RFC3042) &&
			    !(tp->t_flags & TF_FASTRECOVERY)) {
				uint32_t extra = tp->t_dupacks * mss;
				uint32_t lim = tp->snd_cwnd + extra;

				win = tp->snd_wnd < lim ? tp->snd_wnd : lim;
			}
		}
		if ((tp->t_flags & TF_FORCEDATA) && win == 0)
			win = 1; /* persist probe */

		if (cc > off) {
			uint32_t avail = (cc < win ? cc : win);

			len = avail > off ? avail - off : 0;
		}
		if (len > mss)
			len = mss;

	decide:
		fin_seq = tp->snd_una + tp->snd.cc;
		/* Our FIN is out and unacknowledged, nothing is being resent:
		 * whatever this pass sends (an ACK, a window update) carries
		 * the FIN again at its own sequence number, as FreeBSD's
		 * tcp_output does ("if resending a FIN, be sure not to use a
		 * new sequence number"); by itself it is no reason to send. */
		fin_again = (flags & TH_FIN) && (tp->t_flags & TF_SENTFIN) && !len &&
		            tp->snd_nxt == tp->snd_max && tp->snd_max == fin_seq + 1;
		if ((flags & TH_FIN) && !fin_again && tp->snd_nxt + len != fin_seq)
			flags &= (uint8_t)~TH_FIN;

		if (len) {
			if (len == mss)
				send = true;
			else if ((idle || (tp->t_flags & TF_NODELAY)) && off + len >= cc)
				send = true; /* Nagle: nothing unacknowledged */
			else if (tp->t_flags & TF_FORCEDATA)
				send = true;
			else if (tp->max_sndwnd && len >= tp->max_sndwnd / 2)
				send = true;
			else if (SEQ_LT(tp->snd_nxt, tp->snd_max))
				send = true;
		}
		if (!send && tp->t_state >= TCPS_ESTABLISHED && !(tp->t_flags & TF_RCVD_FIN)) {
			/* Window update (RFC 1122 section 4.2.3.3). */
			uint32_t space = tcp_rcv_space(s, tp);
			uint32_t maxw = TCP_MAXWIN << tp->rcv_scale;
			uint32_t open =
			    SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;

			if (space > maxw)
				space = maxw;
			if (space > open) {
				uint32_t adv = space - open;

				if (adv >= 2 * mss || 2 * adv >= tp->rcv_hiwat)
					send = true;
			}
		}
		if (tp->t_flags & TF_ACKNOW)
			send = true;
		if (flags & (TH_SYN | TH_RST))
			send = true;
		if ((flags & TH_FIN) && !fin_again)
			send = true;
		if (!send) {
			/* Data held back with nothing in flight: a closed
			 * window (RFC 9293 3.8.6.1), or one too small to
			 * fill (sender SWS avoidance, RFC 1122 4.2.3.4, whose
			 * override timer this is): the persist timer probes,
			 * or sends what the window takes (FreeBSD). */
			if (cc > off && !tp->t_rexmt_at) {
				tp->t_rxtshift = 0;
				tcp_persist_arm(s, tp);
			}
			return 0;
		}
		{
			uint32_t seq = fin_again ? fin_seq : tp->snd_nxt;

			if (flags & TH_SYN)
				seq = tp->iss;
			rc = tcp_send_seg_f(s, tp, seq, len, flags, &flags);
			if (rc < 0)
				return rc; /* a timer retries it (send_failed) */
			len = (uint32_t)rc;
			sent_seg(s, tp, seq, len, flags);
		}
		if ((!len && !(flags & (TH_SYN | TH_FIN))) || fin_again)
			return 0; /* a pure ACK or window update: done */
		if (flags & TH_SYN)
			return 0;
		if (tp->t_flags & TF_FORCEDATA)
			return 0;
	}
}
