/* udp.c: UDP (RFC 768) over IPv4: input, demultiplexing, sockets.
 *
 * Input: udp_input() (from ip4_input, m at the UDP header, the IP header in
 * the headroom) checks the header (wire_udp_parse), trims IP payload beyond
 * the UDP length, verifies the checksum (the port's verdict when it offers
 * RX L4 checksums, else software; 0 means none), then finds the socket:
 * among the pcbs bound to the destination port, a connected one matching
 * the source wins over one bound to the destination address, which wins
 * over a wildcard one.  Broadcasts go to every matching socket.  The
 * datagram is queued as it came, header stripped (zero copy); the queue is
 * bounded by SO_RCVBUF payload bytes and 8 x SO_RCVBUF of buffer memory
 * (FreeBSD's sbspace(), so empty datagrams cannot grow it without bound).  No socket: ICMP port unreachable, rate limited, unless
 * net.inet.udp.blackhole or a broadcast.
 *
 * Output: the payload is copied once from the user's iovecs into an mbuf
 * chain, the header and checksum (software) are added, ip4_output() routes
 * and sends.  No fragmentation yet: more than the MTU is EMSGSIZE.
 *
 * Bind rules (as Linux for UDP): a port may be shared when every socket on
 * it set SO_REUSEADDR, or every one set SO_REUSEPORT; otherwise two
 * bindings conflict when their local addresses overlap (equal, or either a
 * wildcard).
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

static uint32_t truesize(const struct rte_mbuf *m)
{
	uint32_t n = 0;

	for (; m; m = m->next)
		n += m->buf_len;
	return n;
}

/* ---- input ---- */

/* How well pcb matches a datagram from (src, sport) to (dst, dport); 0: no. */
static int pcb_match(const struct udp_pcb *p, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport, bool bcast)
{
	int score = 1;

	if (p->local.port != dport || p->local.addr.family != AF_INET)
		return 0;
	if (p->local.addr.v4 != 0) {
		if (p->local.addr.v4 != dst && !bcast)
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
	if (ifp->port->offloads & PORT_OFF_RX_L4_CKSUM) {
		switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
		case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
			return true;
		case RTE_MBUF_F_RX_L4_CKSUM_BAD:
			return false;
		default:
			break;
		}
	}
	return wire_ip4_l4_cksum_ok(m, 0, ui->len, src, dst, IPPROTO_UDP);
}

/* Queues m on pcb's socket; consumes m. */
static void udp_deliver(struct stack *s, struct udp_pcb *p, struct rte_mbuf *m)
{
	struct socket *so = p->so;
	uint32_t charge = truesize(m);

	/* As FreeBSD's sbspace(): payload bytes against SO_RCVBUF, and buffer
	 * memory against UDP_RCV_MEMFACTOR times that (empty datagrams cost
	 * memory, not bytes). */
	if ((so->state & SS_CANTRCVMORE) || p->rcvq.bytes + m->pkt_len - 8 > so->rcvbuf ||
	    p->rcv_charge + charge > so->rcvbuf * UDP_RCV_MEMFACTOR) {
		STAT_INC(s, udp, udps_fullsock);
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(struct rte_udp_hdr));
	m->l4_len = sizeof(struct rte_udp_hdr);
	pkt_meta(m)->time = charge;
	p->rcv_charge += charge;
	pktq_push(&p->rcvq, m);
	STAT_INC(s, udp, udps_delivered);
	sock_wakeup(so, EPOLLIN);
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
	bool bcast;

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
	pkt_trim_to(m, ui.len);
	if (!rx_cksum_ok(ifp, m, &ui, src, dst)) {
		STAT_INC(s, udp, udps_badsum);
		goto drop;
	}
	bcast = ip4_is_broadcast(s, ifp, dst);
	if (bcast) {
		/* Every matching socket gets a copy; the last one takes m. */
		struct udp_pcb *last = NULL;

		list_for_each (pos, bucket(s, ui.dport)) {
			struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);
			if (!pcb_match(p, src, ui.sport, dst, ui.dport, true) || !p->so->broadcast)
				continue;
			if (last) {
				struct rte_mbuf *c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
				if (c)
					udp_deliver(s, last, c);
				else
					STAT_INC(s, udp, udps_fullsock);
			}
			last = p;
		}
		if (!last) {
			STAT_INC(s, udp, udps_noportbcast);
			goto drop;
		}
		udp_deliver(s, last, m);
		return;
	}
	list_for_each (pos, bucket(s, ui.dport)) {
		struct udp_pcb *p = list_entry(pos, struct udp_pcb, hlink);
		int sc = pcb_match(p, src, ui.sport, dst, ui.dport, false);
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

/* ---- binding ---- */

static bool addr_overlap(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_addr_is_any(a) || ip_addr_is_any(b) || ip_addr_eq(a, b);
}

/* -EADDRINUSE when binding so to (addr, port) conflicts. */
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

static int do_bind(struct stack *s, struct udp_pcb *p, const struct ip_addr *addr, uint16_t port)
{
	if (port == 0) {
		uint32_t first = (uint32_t)KNOB(s, TCP_PORTRANGE_FIRST);
		uint32_t last = (uint32_t)KNOB(s, TCP_PORTRANGE_LAST);
		uint32_t n = last >= first ? last - first + 1 : 0;

		for (uint32_t i = 0; i < n; i++) {
			uint16_t cand = (uint16_t)(first + (s->udp->next_port + i) % n);
			if (!port_in_use(s, cand)) {
				port = cand;
				s->udp->next_port = (uint16_t)((s->udp->next_port + i + 1) % n);
				break;
			}
		}
		if (port == 0)
			return -EADDRNOTAVAIL;
	} else {
		int rc = bind_conflict(s, p, addr, port);
		if (rc < 0)
			return rc;
	}
	p->local.addr = *addr;
	p->local.port = port;
	list_add_tail(bucket(s, port), &p->hlink);
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

	if (p->local.port != 0)
		return -EINVAL;
	if (a->addr.family != AF_INET)
		return -EAFNOSUPPORT; /* FIXME(ipv6): IPv6 UDP lands with IPv6 */
	if (!ip_addr_is_any(&a->addr) && !ip4_is_local(s, a->addr.v4))
		return -EADDRNOTAVAIL;
	return do_bind(s, p, &a->addr, a->port);
}

static int autobind(struct stack *s, struct udp_pcb *p)
{
	struct ip_addr any = ip_addr_v4(0);

	if (p->local.port != 0)
		return 0;
	return do_bind(s, p, &any, 0);
}

static int udp_connect(struct stack *s, struct socket *so, const struct sock_addr *a)
{
	struct udp_pcb *p = so->pcb;
	uint32_t src;
	int rc;

	if (!a) { /* AF_UNSPEC: dissolve the association */
		p->connected = false;
		so->state &= ~SS_ISCONNECTED;
		return 0;
	}
	if (a->addr.family != AF_INET)
		return -EAFNOSUPPORT;
	if (a->port == 0)
		return -EADDRNOTAVAIL;
	src = ip4_select_src(s, a->addr.v4);
	if (src == 0)
		return -ENETUNREACH;
	rc = autobind(s, p);
	if (rc < 0)
		return rc;
	/* The local address becomes the one the route gives (as FreeBSD's
	 * in_pcbconnect), unless bound to one already. */
	if (ip_addr_is_any(&p->local.addr))
		p->local.addr = ip_addr_v4(src);
	p->foreign = *a;
	p->connected = true;
	so->state |= SS_ISCONNECTED;
	return 0;
}

/* Copies len bytes from iov into a new chain (headroom kept for the
 * headers); NULL when the pool is empty. */
static struct rte_mbuf *chain_from_iov(struct rte_mempool *mp, const struct iovec *iov, int iovcnt,
                                       size_t len, size_t hdr)
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
		if (seg != head)
			head->pkt_len += (uint32_t)chunk;
		else
			head->pkt_len = head->data_len;
		voff += chunk;
		left -= chunk;
	}
	(void)iovcnt;
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

static ssize_t udp_send(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
                        int flags, const struct sock_addr *to)
{
	struct udp_pcb *p = so->pcb;
	struct ip4_out out = { .proto = IPPROTO_UDP };
	size_t len = iov_total(iov, iovcnt);
	struct sock_addr dst;
	struct rte_mbuf *m;
	uint16_t ck;
	int rc;

	(void)flags;
	if (so->state & SS_CANTSENDMORE)
		return -EPIPE;
	if (to) {
		dst = *to;
	} else if (p->connected) {
		dst = p->foreign;
	} else {
		return -EDESTADDRREQ;
	}
	if (dst.addr.family != AF_INET)
		return -EAFNOSUPPORT;
	if (dst.port == 0)
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD || len > so->sndbuf)
		return -EMSGSIZE;
	if (ip4_is_broadcast(s, NULL, dst.addr.v4) && !so->broadcast)
		return -EACCES;
	rc = autobind(s, p);
	if (rc < 0)
		return rc;
	out.dst = dst.addr.v4;
	out.src = p->local.addr.v4 ? p->local.addr.v4 : ip4_select_src(s, dst.addr.v4);
	if (out.src == 0 && !wire_ip4_is_lbcast(dst.addr.v4))
		return -ENETUNREACH;
	m = chain_from_iov(s->pool, iov, iovcnt, len, sizeof(struct rte_udp_hdr));
	if (!m)
		return -ENOBUFS;
	wire_udp_emit(rte_pktmbuf_mtod(m, void *), p->local.port, dst.port,
	              (uint16_t)(len + sizeof(struct rte_udp_hdr)));
	if (out.src != 0) {
		wire_ip4_l4_cksum(m, 0, m->pkt_len, out.src, out.dst, IPPROTO_UDP, &ck);
		rte_pktmbuf_mtod(m, struct rte_udp_hdr *)->dgram_cksum = ck == 0 ? 0xffff : ck;
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
	if (!m) {
		if (so->so_error) {
			int e = so->so_error;
			so->so_error = 0;
			return -e;
		}
		return (so->state & SS_CANTRCVMORE) ? 0 : -EAGAIN;
	}
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
	if (!(flags & MSG_PEEK)) {
		pktq_pop(&p->rcvq);
		p->rcv_charge -= (uint32_t)pkt_meta(m)->time;
		if (flags & MSG_TRUNC)
			copied = m->pkt_len;
		rte_pktmbuf_free(m);
	} else if (flags & MSG_TRUNC) {
		copied = m->pkt_len;
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
	sock_wakeup(so, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
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

/* Bytes queued (FreeBSD's sb_cc: kqueue data). */
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
	.setopt = NULL,
	.getopt = NULL,
	.poll = udp_poll,
	.readable = udp_readable,
	.fionread = udp_fionread,
	.writable = udp_writable,
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
