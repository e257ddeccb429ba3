/* udp.c: UDP (RFC 768) over IPv4: input, demultiplexing, sockets.
 *
 * Input: udp_input() (from ip4_input, m at the UDP header, the IP header in
 * the headroom) checks the header (wire_udp_parse: udps_hdrops,
 * udps_badlen; not whole in the first segment: udps_hdrsplit), trims IP
 * payload beyond the UDP length, verifies the checksum (udps_badsum; the
 * port's verdict when it offers RX L4 checksums and has one, else
 * software; 0 means none over IPv4), then finds the socket among the pcbs
 * bound to the destination port:
 *
 *     connected, peer = source          best
 *     bound to the destination address  next
 *     bound to the wildcard             last
 *
 * Ties (sockets sharing a port with SO_REUSEADDR/SO_REUSEPORT) go to the
 * most recently bound one, as in FreeBSD and in Linux without a reuseport
 * group (no load balancing within a stack: with one stack per core, RSS
 * already spreads flows over the stacks).  Broadcasts go to every matching
 * socket (clones share the buffer, so each still sees the IP header);
 * multicast is not joined and never delivered (udps_noportbcast).
 *
 * The datagram is queued as it came, header stripped with rte_pktmbuf_adj
 * and m->l4_len set (zero copy: recvfrom finds the source address and port
 * in the headroom at data - l4_len - l3_len).  The queue is bounded as
 * FreeBSD's sbspace(): payload bytes against SO_RCVBUF, buffer memory
 * (buf_len of every segment) against 8 x SO_RCVBUF, so empty datagrams
 * cannot grow it without bound (udps_fullsock).  No socket: ICMP port
 * unreachable (icmp_error applies the RFC 1122 rules and the rate limit),
 * unless net.inet.udp.blackhole (udps_noport either way); broadcasts get no
 * ICMP (udps_noportbcast).
 *
 * Output: the payload is copied once from the user's iovecs into an mbuf
 * chain (several segments when it exceeds one mbuf's room), the header is
 * added, and the checksum is computed in software, or left to the port when
 * the route's port offers PORT_OFF_TX_UDP_CKSUM (udp_send asks the routing
 * table for the outgoing netif itself: one extra rte_lpm lookup, so that
 * ip4_output's interface stays as it is); ip4_output() routes and sends.
 * No fragmentation yet: more than the MTU is EMSGSIZE (from ip4_output).
 * Limits as FreeBSD: a datagram larger than SO_SNDBUF (default
 * net.inet.udp.maxdgram) or than 65507 bytes is EMSGSIZE.
 *
 * Bind rules (as Linux for UDP): a port may be shared when every socket on
 * it set SO_REUSEADDR, or every one set SO_REUSEPORT; otherwise two
 * bindings conflict when their local addresses overlap (equal, or either a
 * wildcard).  Ephemeral ports come from net.inet.ip.portrange.first..last,
 * from a per-stack cursor that starts at a random place, and never share a
 * port with any other socket.  With several stacks, a socket bound by its
 * first sendto or connect gets a port whose replies from that peer hash to
 * this stack's queue (stack/steer.h); bind(port 0) cannot know the peer.
 *
 * Errors: udp_ctlinput() (for ICMP unreachables) sets so_error on the
 * connected socket the error is about; the next send or receive reports it
 * once (as Linux and FreeBSD).  Unconnected sockets never see them.
 */
#include "udp/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "base/pkt.h"
#include "eth/eth.h"
#include "ip/ip4.h"
#include "ip/route.h"
#include "port/port.h"
#include "socket/socket.h"
#include "stack/stack.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define UDP_HASH_SIZE 1024u /* buckets by local port */
#define UDP_MAX_PAYLOAD 65507u
#define UDP_RCV_MEMFACTOR 8u /* FreeBSD sb_efficiency */

struct udp_pcb {
	struct socket *so;
	struct sock_addr local;   /* addr any = wildcard; port 0 = unbound */
	struct sock_addr foreign; /* valid when connected */
	bool connected;
	bool addr_bound;        /* local.addr set by bind() (not by connect) */
	uint8_t ttl;            /* IP_TTL; 0 = net.inet.ip.ttl */
	uint8_t tos;            /* IP_TOS */
	struct list_node hlink; /* in the local port's bucket (when bound) */
	struct pktq rcvq;
	uint32_t rcv_charge; /* buffer memory queued (sum of mbuf buf_len) */
};

struct udp_state {
	struct list_node hash[UDP_HASH_SIZE];
	uint16_t next_port; /* ephemeral cursor */
};

static struct list_node *bucket(struct stack *s, uint16_t port)
{
	return &s->udp->hash[port & (UDP_HASH_SIZE - 1)];
}

/* Buffer memory a queued chain holds. */
static uint32_t truesize(const struct rte_mbuf *m)
{
	uint32_t n = 0;

	for (; m; m = m->next)
		n += m->buf_len;
	return n;
}

/* ---- input ---- */

/* How well p matches a datagram from (src, sport) to (dst, dport): 0 no,
 * else higher is more specific. */
static int pcb_match(const struct udp_pcb *p, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport)
{
	int score = 1;

	if (p->local.port != dport || p->local.addr.family != AF_INET)
		return 0;
	if (p->local.addr.v4 != 0) {
		if (p->local.addr.v4 != dst)
			return 0;
		score += 2;
	}
	if (p->connected) {
		if (p->foreign.addr.v4 != src || p->foreign.port != sport)
			return 0;
		score += 4;
	}
	return score;
}

static bool rx_cksum_ok(const struct netif *ifp, const struct rte_mbuf *m,
                        const struct udp_info *ui, uint32_t src, uint32_t dst)
{
	if (ui->cksum == 0)
		return true; /* RFC 768: no checksum computed (IPv4) */
	return ip4_rx_l4_cksum_ok(ifp, m, ui->len, src, dst, IPPROTO_UDP);
}

/* Queues m on p's socket; consumes m. */
static void udp_deliver(struct stack *s, struct udp_pcb *p, struct rte_mbuf *m)
{
	struct socket *so = p->so;
	uint32_t charge = truesize(m);
	uint32_t payload = m->pkt_len - (uint32_t)sizeof(struct rte_udp_hdr);

	if ((so->state & SS_CANTRCVMORE) || p->rcvq.bytes + payload > so->rcvbuf ||
	    p->rcv_charge + charge > so->rcvbuf * UDP_RCV_MEMFACTOR) {
		STAT_INC(s, udp, udps_fullsock);
		rte_pktmbuf_free(m);
		return;
	}
	if (!stack_mem_admit(s, p->rcvq.bytes)) {
		/* Memory pressure (src/stack/mem.h). */
		STAT_INC(s, udp, udps_memdrop);
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(struct rte_udp_hdr));
	m->l4_len = sizeof(struct rte_udp_hdr);
	p->rcv_charge += charge;
	pktq_push(&p->rcvq, m);
	STAT_INC(s, udp, udps_delivered);
	sock_wakeup(so, EPOLLIN | EPOLLRDNORM);
}

/* Broadcast: every matching socket gets the datagram (clones of m, the
 * last one m itself).  Consumes m. */
static void udp_input_bcast(struct stack *s, struct rte_mbuf *m, uint32_t src, uint32_t dst,
                            const struct udp_info *ui)
{
	struct udp_pcb *last = NULL;
	struct list_node *pos;

	list_for_each (pos, bucket(s, ui->dport)) {
		struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);
		bool addr_ok = p->local.addr.v4 == 0 || p->local.addr.v4 == dst;

		if (p->local.port != ui->dport || p->local.addr.family != AF_INET || !addr_ok)
			continue;
		if (p->connected && (p->foreign.addr.v4 != src || p->foreign.port != ui->sport))
			continue;
		if (last) {
			struct rte_mbuf *c = rte_pktmbuf_clone(m, s->pool);

			if (c)
				udp_deliver(s, last, c);
			else
				STAT_INC(s, udp, udps_fullsock);
		}
		last = p;
	}
	if (!last) {
		STAT_INC(s, udp, udps_noportbcast);
		rte_pktmbuf_free(m);
		return;
	}
	udp_deliver(s, last, m);
}

void udp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ih =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);
	uint32_t src = ih->src_addr, dst = ih->dst_addr;
	struct udp_pcb *best = NULL;
	struct list_node *pos;
	struct udp_info ui;
	int best_score = 0, rc;

	STAT_INC(s, udp, udps_ipackets);
	rc = wire_udp_parse(m, m->pkt_len, &ui);
	if (rc == -WIRE_UDP_TOOSHORT) {
		STAT_INC(s, udp, udps_hdrops);
		goto drop;
	}
	if (rc < 0) {
		STAT_INC(s, udp, udps_badlen);
		goto drop;
	}
	/* The queued datagram is stripped of its header with rte_pktmbuf_adj
	 * and recvfrom reads the source port back from the headroom: both need
	 * the header in the first segment (as IP needs its own there). */
	if (m->data_len < sizeof(struct rte_udp_hdr)) {
		STAT_INC(s, udp, udps_hdrsplit);
		goto drop;
	}
	pkt_trim_to(m, ui.len); /* IP payload beyond the UDP length */
	if (!rx_cksum_ok(ifp, m, &ui, src, dst)) {
		STAT_INC(s, udp, udps_badsum);
		goto drop;
	}
	if (wire_ip4_is_multicast(dst)) {
		STAT_INC(s, udp, udps_noportbcast); /* no group is ever joined */
		goto drop;
	}
	if (ip4_is_broadcast(s, ifp, dst)) {
		udp_input_bcast(s, m, src, dst, &ui);
		return;
	}
	list_for_each (pos, bucket(s, ui.dport)) {
		struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);
		int sc = pcb_match(p, src, ui.sport, dst, ui.dport);

		if (sc > best_score) {
			best_score = sc;
			best = p;
		}
	}
	if (!best) {
		STAT_INC(s, udp, udps_noport);
		if (!KNOB(s, UDP_BLACKHOLE))
			icmp_error(s, m, 3 /* unreachable */, 3 /* port */);
		goto drop;
	}
	udp_deliver(s, best, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

void udp_ctlinput(struct stack *s, int err, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport)
{
	struct list_node *pos;

	if (!s->udp || err <= 0)
		return;
	list_for_each (pos, bucket(s, sport)) {
		struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);

		if (!p->connected || p->local.port != sport || p->foreign.port != dport ||
		    p->foreign.addr.v4 != dst)
			continue;
		if (p->local.addr.v4 != 0 && p->local.addr.v4 != src)
			continue;
		p->so->so_error = err;
		sock_wakeup(p->so, EPOLLERR);
	}
}

/* ---- binding ---- */

static bool addr_overlap(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_addr_is_any(a) || ip_addr_is_any(b) || ip_addr_eq(a, b);
}

/* -EADDRINUSE when binding me to (addr, port) conflicts. */
static int bind_conflict(struct stack *s, struct udp_pcb *me, const struct ip_addr *addr,
                         uint16_t port)
{
	struct list_node *pos;

	list_for_each (pos, bucket(s, port)) {
		struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);

		if (p == me || p->local.port != port || !addr_overlap(&p->local.addr, addr))
			continue;
		if (p->so->reuseaddr && me->so->reuseaddr)
			continue;
		if (p->so->reuseport && me->so->reuseport)
			continue;
		return -EADDRINUSE;
	}
	return 0;
}

static bool port_in_use(struct stack *s, uint16_t port)
{
	struct list_node *pos;

	list_for_each (pos, bucket(s, port)) {
		if (list_entry(pos, struct udp_pcb, hlink)->local.port == port)
			return true;
	}
	return false;
}

/* The first datagram's peer, when an unbound socket is bound by sending or
 * connecting: the ephemeral port is one whose replies reach this stack. */
struct rss_peer {
	const struct port_rss *rss; /* NULL: any port will do */
	uint32_t laddr, faddr;      /* network order */
	uint16_t fport;             /* host order */
};

static int do_bind(struct stack *s, struct udp_pcb *p, const struct ip_addr *addr, uint16_t port,
                   const struct rss_peer *rp)
{
	if (port == 0) {
		uint32_t first = (uint32_t)KNOB(s, TCP_PORTRANGE_FIRST);
		uint32_t last = (uint32_t)KNOB(s, TCP_PORTRANGE_LAST);
		uint32_t n = last >= first ? last - first + 1 : 0;

		for (uint32_t i = 0; i < n; i++) {
			uint16_t cand = (uint16_t)(first + (s->udp->next_port + i) % n);

			if (rp &&
			    !steer_flow_mine(s, rp->rss, rp->laddr, rp->faddr,
			                     rte_cpu_to_be_16(cand), rte_cpu_to_be_16(rp->fport)))
				continue;
			if (!port_in_use(s, cand)) {
				port = cand;
				s->udp->next_port = (uint16_t)((s->udp->next_port + i + 1) % n);
				break;
			}
		}
		if (port == 0)
			return -EADDRNOTAVAIL; /* range exhausted (Linux: EAGAIN) */
	} else {
		int rc = bind_conflict(s, p, addr, port);

		if (rc < 0)
			return rc;
	}
	p->local.addr = *addr;
	p->local.port = port;
	/* At the head: the most recent binding wins ties (see above). */
	list_add_head(bucket(s, port), &p->hlink);
	p->so->state |= SS_ISBOUND;
	return 0;
}

/* ---- user requests ---- */

static int udp_attach(struct stack *s, struct socket *so)
{
	struct udp_pcb *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->so = so;
	p->local.addr.family = (uint8_t)so->family;
	list_init(&p->hlink);
	pktq_init(&p->rcvq);
	so->pcb = p;
	so->rcvbuf = (uint32_t)KNOB(s, UDP_RECVSPACE);
	so->sndbuf = (uint32_t)KNOB(s, UDP_MAXDGRAM);
	return 0;
}

static void udp_detach(struct stack *s, struct socket *so)
{
	struct udp_pcb *p = so->pcb;

	(void)s;
	if (list_node_linked(&p->hlink))
		list_del(&p->hlink);
	pktq_free(&p->rcvq);
	free(p);
	so->pcb = NULL;
}

static int udp_bind(struct stack *s, struct socket *so, const struct sock_addr *a)
{
	struct udp_pcb *p = so->pcb;
	int rc;

	if (a->addr.family != AF_INET)
		return -EAFNOSUPPORT; /* FIXME(ipv6): IPv6 UDP lands with IPv6 */
	if (p->local.port != 0)
		return -EINVAL;
	if (!ip_addr_is_any(&a->addr) && !ip4_is_local(s, a->addr.v4))
		return -EADDRNOTAVAIL;
	rc = do_bind(s, p, &a->addr, a->port, NULL);
	if (rc == 0)
		p->addr_bound = !ip_addr_is_any(&a->addr);
	return rc;
}

/* Binds an unbound socket to an ephemeral port before it first sends to
 * (or connects to) dst from src: with several stacks, a port whose replies
 * from dst come to this stack (stack/steer.h). */
static int autobind(struct stack *s, struct udp_pcb *p, const struct sock_addr *dst, uint32_t src)
{
	struct ip_addr any = ip_addr_v4(0);
	struct rss_peer rp = { steer_rss_to(s, dst->addr.v4), src, dst->addr.v4, dst->port };

	if (p->local.port != 0)
		return 0;
	return do_bind(s, p, &any, 0, rp.rss ? &rp : NULL);
}

static int udp_connect(struct stack *s, struct socket *so, const struct sock_addr *a)
{
	struct udp_pcb *p = so->pcb;
	uint32_t src;
	int rc;

	if (!a) {
		/* AF_UNSPEC: dissolve the association; a source address the
		 * route chose goes back to the wildcard (the port stays, as in
		 * FreeBSD). */
		p->connected = false;
		if (!p->addr_bound && so->family == AF_INET)
			p->local.addr = ip_addr_v4(0);
		so->state &= ~SS_ISCONNECTED;
		return 0;
	}
	if (a->addr.family != AF_INET)
		return -EAFNOSUPPORT; /* FIXME(ipv6) */
	if (a->port == 0)
		return -EADDRNOTAVAIL; /* as FreeBSD's in_pcbconnect_setup */
	if (ip4_is_broadcast(s, NULL, a->addr.v4) && !so->broadcast)
		return -EACCES; /* as Linux */
	src = p->addr_bound ? p->local.addr.v4 : ip4_select_src(s, a->addr.v4);
	if (src == 0)
		return -ENETUNREACH;
	rc = autobind(s, p, a, src);
	if (rc < 0)
		return rc;
	/* The local address becomes the one the route gives (FreeBSD's
	 * in_pcbconnect), unless bound to one. */
	p->local.addr = ip_addr_v4(src);
	p->foreign = *a;
	p->connected = true;
	so->state |= SS_ISCONNECTED;
	return 0;
}

/* Copies len bytes from iov into a new chain with hdr bytes of header room
 * appended in front of the payload (the headroom stays for the lower
 * headers); NULL when the pool runs dry. */
static struct rte_mbuf *chain_from_iov(struct rte_mempool *mp, const struct iovec *iov, size_t len,
                                       size_t hdr)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(mp), *seg = head;
	int vi = 0;
	size_t voff = 0, left = len;

	if (!head)
		return NULL;
	if (!rte_pktmbuf_append(head, (uint16_t)hdr))
		goto fail;
	while (left > 0) {
		size_t room = rte_pktmbuf_tailroom(seg), chunk;
		char *dst;

		if (room == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(mp);

			if (!n)
				goto fail;
			seg->next = n;
			head->nb_segs++;
			seg = n;
			continue;
		}
		while (iov[vi].iov_len == voff) {
			vi++;
			voff = 0;
		}
		chunk = MIN(room, MIN(left, iov[vi].iov_len - voff));
		dst = rte_pktmbuf_mtod_offset(seg, char *, seg->data_len);
		memcpy(dst, (const char *)iov[vi].iov_base + voff, chunk);
		seg->data_len = (uint16_t)(seg->data_len + chunk);
		head->pkt_len += (uint32_t)chunk;
		voff += chunk;
		left -= chunk;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/* Whether the port that dst is routed through computes UDP checksums. */
static bool tx_cksum_offload(struct stack *s, uint32_t dst)
{
	struct netif *ifp;
	uint32_t nh;

	if (wire_ip4_is_lbcast(dst) || route4_lookup(s, dst, &ifp, &nh) < 0)
		return false;
	return (ifp->port->offloads & PORT_OFF_TX_UDP_CKSUM) != 0;
}

static ssize_t udp_send(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
                        int flags, const struct sock_addr *to)
{
	struct udp_pcb *p = so->pcb;
	struct ip4_out out = { .proto = IPPROTO_UDP, .ttl = p->ttl, .tos = p->tos };
	size_t len = iov_total(iov, iovcnt);
	struct rte_udp_hdr *uh;
	struct sock_addr dst;
	struct rte_mbuf *m;
	uint16_t ulen;
	int rc;

	(void)flags; /* MSG_DONTWAIT: nothing blocks anyway */
	if (so->state & SS_CANTSENDMORE)
		return -EPIPE;
	if (so->so_error)
		return sock_error_take(so);
	if (to) {
		dst = *to;
	} else if (p->connected) {
		dst = p->foreign;
	} else {
		return -EDESTADDRREQ;
	}
	if (dst.addr.family != AF_INET)
		return -EAFNOSUPPORT; /* FIXME(ipv6) */
	if (dst.port == 0)
		return -EINVAL; /* as Linux */
	if (len > UDP_MAX_PAYLOAD || len > so->sndbuf)
		return -EMSGSIZE;
	if (ip4_is_broadcast(s, NULL, dst.addr.v4) && !so->broadcast)
		return -EACCES;
	out.dst = dst.addr.v4;
	out.src = p->local.addr.v4 ? p->local.addr.v4 : ip4_select_src(s, dst.addr.v4);
	if (out.src == 0)
		return -ENETUNREACH;
	rc = autobind(s, p, &dst, out.src);
	if (rc < 0)
		return rc;
	m = chain_from_iov(s->pool, iov, len, sizeof(struct rte_udp_hdr));
	if (!m)
		return -ENOBUFS;
	ulen = (uint16_t)(len + sizeof(struct rte_udp_hdr));
	uh = rte_pktmbuf_mtod(m, struct rte_udp_hdr *);
	wire_udp_emit(uh, p->local.port, dst.port, ulen);
	if (tx_cksum_offload(s, out.dst)) {
		/* DPDK's contract: the pseudo-header sum in the field. */
		uh->dgram_cksum = wire_ip4_phdr_sum(out.src, out.dst, IPPROTO_UDP, ulen);
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		m->l4_len = sizeof(struct rte_udp_hdr);
	} else {
		uint16_t ck;

		wire_ip4_l4_cksum(m, 0, ulen, out.src, out.dst, IPPROTO_UDP, &ck);
		uh->dgram_cksum = ck == 0 ? 0xffff : ck; /* RFC 768 */
	}
	rc = ip4_output(s, m, &out);
	if (rc < 0)
		return rc;
	STAT_INC(s, udp, udps_opackets);
	return (ssize_t)len;
}

static ssize_t udp_recv(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
                        int flags, struct sock_addr *from, int *msg_flags)
{
	struct udp_pcb *p = so->pcb;
	struct rte_mbuf *m = p->rcvq.head;
	size_t want = iov_total(iov, iovcnt), copied = 0;
	uint32_t off = 0;

	(void)s;
	/* A pending error comes first (Linux's __skb_recv_udp). */
	if (so->so_error)
		return sock_error_take(so);
	if (!m)
		return (so->state & SS_CANTRCVMORE) ? 0 : -EAGAIN;
	for (int i = 0; i < iovcnt && off < m->pkt_len; i++) {
		uint32_t n = (uint32_t)MIN((size_t)(m->pkt_len - off), iov[i].iov_len);
		const void *src;

		if (n == 0)
			continue;
		src = rte_pktmbuf_read(m, off, n, iov[i].iov_base);
		if (src != iov[i].iov_base)
			memcpy(iov[i].iov_base, src, n);
		off += n;
		copied += n;
	}
	if (from) {
		const struct rte_udp_hdr *uh =
		    rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, -(int)m->l4_len);
		const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(
		    m, const struct rte_ipv4_hdr *, -(int)(m->l4_len + m->l3_len));

		from->addr = ip_addr_v4(ih->src_addr);
		from->port = rte_be_to_cpu_16(uh->src_port);
	}
	if (m->pkt_len > want && msg_flags)
		*msg_flags |= MSG_TRUNC;
	if (flags & MSG_TRUNC)
		copied = m->pkt_len; /* the real length (Linux) */
	if (!(flags & MSG_PEEK)) {
		pktq_pop(&p->rcvq);
		p->rcv_charge -= truesize(m);
		rte_pktmbuf_free(m);
	}
	return (ssize_t)copied;
}

static int udp_shutdown(struct stack *s, struct socket *so, int how)
{
	struct udp_pcb *p = so->pcb;

	(void)s;
	if (!p->connected)
		return -ENOTCONN;
	if (how == SHUT_RD || how == SHUT_RDWR)
		so->state |= SS_CANTRCVMORE;
	if (how == SHUT_WR || how == SHUT_RDWR)
		so->state |= SS_CANTSENDMORE;
	sock_wakeup(so, EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLOUT);
	return 0;
}

static int udp_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                      socklen_t len)
{
	struct udp_pcb *p = so->pcb;
	int v;

	(void)s;
	if (level == SOL_SOCKET)
		return 0; /* stored by the socket layer; read when used */
	if (level != IPPROTO_IP || so->family != AF_INET)
		return -ENOPROTOOPT;
	if (name != IP_TTL && name != IP_TOS)
		return -ENOPROTOOPT;
	if (sock_opt_int(val, len, &v) < 0)
		return -EINVAL;
	if (name == IP_TTL) {
		if (v == -1)
			v = 0; /* back to the default */
		if (v < 0 || v > 255)
			return -EINVAL;
		p->ttl = (uint8_t)v;
	} else {
		p->tos = (uint8_t)v;
	}
	return 0;
}

static int udp_getopt(struct stack *s, struct socket *so, int level, int name, void *val,
                      socklen_t *len)
{
	struct udp_pcb *p = so->pcb;
	int v;

	if (level == SOL_SOCKET)
		return 0; /* SO_ERROR: nothing beyond so_error */
	if (level != IPPROTO_IP || so->family != AF_INET)
		return -ENOPROTOOPT;
	if (name == IP_TTL)
		v = p->ttl ? p->ttl : (int)KNOB(s, IP_DEFTTL);
	else if (name == IP_TOS)
		v = p->tos;
	else
		return -ENOPROTOOPT;
	if (!val || *len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static uint32_t udp_poll(struct socket *so)
{
	struct udp_pcb *p = so->pcb;
	uint32_t ev = 0;

	if (p->rcvq.n)
		ev |= EPOLLIN | EPOLLRDNORM;
	if (!(so->state & SS_CANTSENDMORE))
		ev |= EPOLLOUT | EPOLLWRNORM;
	if (so->so_error)
		ev |= EPOLLERR;
	if (so->state & SS_CANTRCVMORE)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if ((so->state & (SS_CANTRCVMORE | SS_CANTSENDMORE)) == (SS_CANTRCVMORE | SS_CANTSENDMORE))
		ev |= EPOLLHUP;
	return ev;
}

/* Payload bytes queued (FreeBSD's sb_cc: kqueue data). */
static uint32_t udp_readable(struct socket *so)
{
	return ((struct udp_pcb *)so->pcb)->rcvq.bytes;
}

/* Size of the next datagram (Linux FIONREAD on UDP). */
static uint32_t udp_fionread(struct socket *so)
{
	struct rte_mbuf *m = ((struct udp_pcb *)so->pcb)->rcvq.head;

	return m ? m->pkt_len : 0;
}

/* Nothing is queued for sending: the space is the largest datagram. */
static uint32_t udp_writable(struct socket *so)
{
	return so->state & SS_CANTSENDMORE ? 0 : so->sndbuf;
}

static int udp_sockname(struct socket *so, struct sock_addr *a)
{
	*a = ((struct udp_pcb *)so->pcb)->local;
	if (a->addr.family == 0)
		a->addr.family = (uint8_t)so->family;
	return 0;
}

static int udp_peername(struct socket *so, struct sock_addr *a)
{
	struct udp_pcb *p = so->pcb;

	if (!p->connected)
		return -ENOTCONN;
	*a = p->foreign;
	return 0;
}

static const struct proto_ops udp_ops = {
	.attach = udp_attach,
	.detach = udp_detach,
	.bind = udp_bind,
	.connect = udp_connect,
	.listen = NULL,
	.accept = NULL,
	.send = udp_send,
	.recv = udp_recv,
	.shutdown = udp_shutdown,
	.setopt = udp_setopt,
	.getopt = udp_getopt,
	.poll = udp_poll,
	.readable = udp_readable,
	.writable = udp_writable,
	.fionread = udp_fionread,
	.sockname = udp_sockname,
	.peername = udp_peername,
};

int udp_init(struct stack *s)
{
	s->udp = calloc(1, sizeof(*s->udp));
	if (!s->udp)
		return -ENOMEM;
	for (unsigned i = 0; i < UDP_HASH_SIZE; i++)
		list_init(&s->udp->hash[i]);
	s->udp->next_port = (uint16_t)(stack_rand(s) & 0x7fff);
	sock_register_proto(s, SOCK_DGRAM, &udp_ops);
	return 0;
}

void udp_fini(struct stack *s)
{
	free(s->udp);
	s->udp = NULL;
}

void udp_sock_foreach(struct stack *s, void (*fn)(const struct udp_sock_info *ui, void *arg),
                      void *arg)
{
	struct list_node *pos;

	for (unsigned b = 0; b < UDP_HASH_SIZE; b++) {
		list_for_each (pos, &s->udp->hash[b]) {
			const struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);
			struct udp_sock_info ui = {
				.laddr = p->local.addr,
				.lport = p->local.port,
				.recvq = p->rcvq.bytes,
			};

			if (p->connected) {
				ui.faddr = p->foreign.addr;
				ui.fport = p->foreign.port;
			}
			fn(&ui, arg);
		}
	}
}
