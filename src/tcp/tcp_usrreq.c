/* tcp_usrreq.c: the user requests of RFC 9293 section 3.10 (OPEN, SEND,
 * RECEIVE, CLOSE, ABORT, STATUS) on a tcpcb, for the socket layer's
 * SOCK_STREAM operations and for the protocol tests.
 *
 * errno conventions follow Linux (what F-Stack applications check):
 * connect on a connected endpoint -EISCONN, while connecting -EALREADY;
 * send before the handshake completes -EAGAIN (non-blocking), after
 * shutdown(SHUT_WR), on a closed connection, and on a never-connected or
 * listening endpoint -EPIPE (never a signal; Linux's sk_stream_wait_connect
 * -- FreeBSD says ENOTCONN for the last two); recv on a never-connected
 * endpoint -ENOTCONN; a pending error (reset, timeout) is returned once,
 * then cleared (SO_ERROR semantics); shutdown of a CLOSED endpoint (or one
 * in TIME_WAIT) -ENOTCONN, of a listener SHUT_WR is a no-op and SHUT_RD
 * stops listening (Linux's inet_shutdown; see tcp_shutdown); a receive of
 * 0 bytes is 0 only when data is queued.
 *
 * Close (FreeBSD's tcp_disconnect): SO_LINGER with a zero timeout aborts
 * with a RST; otherwise unread data is discarded and a FIN follows the
 * queued data.  SO_LINGER with a non-zero time: close returns at once and
 * the connection closes gracefully in the background, exactly as without
 * SO_LINGER.  That is FreeBSD's soclose() for a non-blocking socket (it
 * waits only for blocking ones), and nothing may block in a run-to-
 * completion loop; the time is kept for getsockopt.  (Linux would block a
 * blocking close up to the time, then also leave the connection to finish
 * on its own: neither OS resets it when the time runs out.)
 *
 * Binding: a port conflicts with listeners and bound endpoints as
 * tcp_port_in_use() says (Linux's SO_REUSEADDR rule), and with connections
 * holding it (tcp_port_held: established, accepted, TIME_WAIT) unless the
 * binding socket has SO_REUSEADDR or SO_REUSEPORT (FreeBSD's rule).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ip/ip4.h"
#include "stack/stack.h"
#include "tcp/tcp_priv.h"

struct tcpcb *tcp_pcb_new(struct stack *s, void *owner)
{
	struct tcpcb *tp = tcp_pcb_alloc(s, owner);

	if (!tp)
		errno = ENOMEM;
	return tp;
}

static int pick_port(struct stack *s, struct tcpcb *tp, const struct tcp_key *conn)
{
	uint32_t first = (uint32_t)KNOB(s, TCP_PORTRANGE_FIRST);
	uint32_t last = (uint32_t)KNOB(s, TCP_PORTRANGE_LAST);
	const struct port_rss *rss = NULL;
	uint32_t n, start, la = 0, fa = 0;

	if (last < first) {
		uint32_t t = first;
		first = last;
		last = t;
	}
	n = last - first + 1;
	start = (uint32_t)(stack_rand(s) % n);
	/* With several stacks, an active open takes only ports whose segments
	 * from the peer reach this stack (stack/steer.h): a 1/N share of the
	 * range, so exhaustion comes N times sooner per stack. */
	if (conn) {
		memcpy(&fa, conn->faddr, 4);
		memcpy(&la, conn->laddr, 4);
		rss = steer_rss_to(s, fa);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(first + (start + i) % n);
		uint16_t be = rte_cpu_to_be_16(port);

		if (rss && !steer_flow_mine(s, rss, la, fa, be, conn->fport))
			continue;

		if (tcp_port_in_use(s, tp, tp->key.family, tp->key.laddr, be, false))
			continue;
		/* bind(port 0) takes a port no connection holds; connect may
		 * share one with connections to other peers (4-tuples stay
		 * unique, as Linux and FreeBSD). */
		if (!conn && tcp_port_held(s, tp->key.family, tp->key.laddr, be))
			continue;
		if (conn) {
			struct tcp_key k = *conn;

			k.lport = be;
			if (tcp_hash_lookup(s, &k))
				continue;
		}
		tp->key.lport = be;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

/* An IPv6 address a socket may bind: the unspecified address or one of
 * the netifs' addr6. */
static bool v6_bindable(const struct stack *s, const uint8_t *a)
{
	static const uint8_t any[16];

	if (memcmp(a, any, 16) == 0)
		return true;
	for (unsigned i = 0; i < s->nifs; i++)
		if (s->ifs[i].addr6.family == AF_INET6 && memcmp(s->ifs[i].addr6.v6, a, 16) == 0)
			return true;
	return false;
}

int tcp_bind(struct stack *s, struct tcpcb *tp, const struct ip_addr *addr, uint16_t port)
{
	uint8_t la[16] = { 0 };
	int rc;

	if ((tp->t_flags & TF_BOUND) || tp->t_state != TCPS_CLOSED)
		return -EINVAL;
	if (addr->family == AF_INET6) {
		/* IPv6 endpoints bind and listen (FreeBSD's v6only default: apart
		 * from IPv4's, so both may hold a port); no IPv6 segment reaches
		 * them until the IP layer has IPv6 (README, Not implemented yet). */
		if (!v6_bindable(s, addr->v6))
			return -EADDRNOTAVAIL;
		memcpy(la, addr->v6, 16);
	} else if (addr->family == AF_INET) {
		if (addr->v4 != 0 && !ip4_is_local(s, addr->v4))
			return -EADDRNOTAVAIL;
		memcpy(la, &addr->v4, 4);
	} else {
		return -EAFNOSUPPORT;
	}
	tp->key.family = addr->family;
	memcpy(tp->key.laddr, la, sizeof(la));
	if (port == 0) {
		rc = pick_port(s, tp, NULL);
		if (rc < 0)
			return rc;
	} else {
		if (tcp_port_in_use(s, tp, addr->family, la, rte_cpu_to_be_16(port),
		                    (tp->t_flags & TF_REUSEADDR) != 0))
			return -EADDRINUSE;
		/* Connections holding the port (TIME_WAIT included) conflict
		 * unless this socket has SO_REUSEADDR or SO_REUSEPORT
		 * (FreeBSD's in_pcbbind_setup: with either, only unconnected
		 * endpoints are looked at). */
		if (!(tp->t_flags & (TF_REUSEADDR | TF_REUSEPORT)) &&
		    tcp_port_held(s, addr->family, la, rte_cpu_to_be_16(port)))
			return -EADDRINUSE;
		tp->key.lport = rte_cpu_to_be_16(port);
	}
	tp->t_flags |= TF_BOUND;
	tcp_bound_add(s, tp);
	return 0;
}

int tcp_listen(struct stack *s, struct tcpcb *tp, int backlog)
{
	int64_t max = KNOB(s, TCP_SOMAXCONN);
	int rc;

	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
		return -EINVAL;
	if (backlog < 0 || backlog > max)
		backlog = (int)max; /* FreeBSD: out of range means somaxconn */
	if (backlog == 0)
		backlog = 1;
	if (tp->t_state == TCPS_LISTEN) {
		tp->q_limit = (uint16_t)backlog;
		return 0;
	}
	if (!(tp->t_flags & TF_BOUND)) {
		struct ip_addr any = ip_addr_v4(0);

		rc = tcp_bind(s, tp, &any, 0);
		if (rc < 0)
			return rc;
	}
	/* Two listeners on one address and port need SO_REUSEPORT. */
	{
		struct tcpcb *o =
		    tcp_listener_lookup(s, tp->key.family, tp->key.laddr, tp->key.lport);

		if (o && !((o->t_flags & TF_REUSEPORT) && (tp->t_flags & TF_REUSEPORT)) &&
		    memcmp(o->key.laddr, tp->key.laddr, 16) == 0)
			return -EADDRINUSE;
	}
	tp->q_limit = (uint16_t)backlog;
	tcp_set_state(s, tp, TCPS_LISTEN);
	tcp_listener_add(s, tp);
	return 0;
}

int tcp_connect(struct stack *s, struct tcpcb *tp, const struct ip_addr *addr, uint16_t port)
{
	struct tcp_key k;
	uint32_t src;
	int64_t r = KNOB(s, TCP_RFC1323);
	int rc;

	switch (tp->t_state) {
	case TCPS_CLOSED:
		if (tp->t_flags & TF_CONNECTED_ONCE)
			return -EISCONN;
		break;
	case TCPS_LISTEN:
		return -EOPNOTSUPP;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EALREADY;
	default:
		return -EISCONN;
	}
	/* No IPv6 route exists until the IP layer has IPv6. */
	if (addr->family == AF_INET6)
		return -ENETUNREACH;
	if (addr->family != AF_INET)
		return -EAFNOSUPPORT;
	if (addr->v4 == 0 || port == 0)
		return -EADDRNOTAVAIL;
	if (tp->t_flags & TF_BOUND) {
		memcpy(&src, tp->key.laddr, 4);
	} else {
		src = 0;
		tp->key.family = AF_INET;
	}
	if (src == 0) {
		/* The application's chooser first (F-Stack's pcblddr hook): an
		 * address that is not ours is refused, as bind() would. */
		src = stack_pcbladdr4(addr->v4, rte_cpu_to_be_16(port));
		if (src != 0 && !ip4_is_local(s, src))
			return -EADDRNOTAVAIL;
	}
	if (src == 0) {
		src = ip4_select_src(s, addr->v4);
		if (src == 0)
			return -ENETUNREACH;
	}
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	memcpy(k.laddr, &src, 4);
	memcpy(k.faddr, &addr->v4, 4);
	k.fport = rte_cpu_to_be_16(port);
	if (!(tp->t_flags & TF_BOUND)) {
		memcpy(tp->key.laddr, k.laddr, 16);
		rc = pick_port(s, tp, &k);
		if (rc < 0)
			return rc;
	}
	k.lport = tp->key.lport;
	if (tcp_hash_lookup(s, &k))
		return -EADDRINUSE;
	tcp_bound_remove(s, tp);
	tp->key = k;
	rc = tcp_hash_insert(s, tp);
	if (rc < 0)
		return -EAGAIN;
	tp->t_flags |= TF_BOUND | TF_CONNECTED_ONCE;

	tcp_route_init(s, tp, &k);
	tp->t_maxseg = tp->t_advmss;
	if (r == 1 || r == 2) {
		tp->t_flags |= TF_REQ_SCALE;
		tp->request_r_scale = tcp_pick_rscale(s, tp->rcv_hiwat);
	}
	if (r == 1 || r == 3)
		tp->t_flags |= TF_REQ_TSTMP;
	if (KNOB(s, TCP_SACK))
		tp->t_flags |= TF_REQ_SACK;
	tp->ts_offset = tcp_ts_offset(s, &k);
	tp->iss = tcp_new_isn(s, &k);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss;
	tcp_set_state(s, tp, TCPS_SYN_SENT);
	STAT_INC(s, tcp, tcps_connattempt);
	tcp_keep_arm(s, tp);
	tcp_output(s, tp);
	return 0;
}

struct tcpcb *tcp_accept(struct stack *s, struct tcpcb *l, void *owner, int *err)
{
	struct tcpcb *tp;

	(void)s;
	if (l->t_state != TCPS_LISTEN) {
		*err = -EINVAL;
		return NULL;
	}
	if (list_empty(&l->acceptq)) {
		*err = -EAGAIN;
		return NULL;
	}
	tp = list_first_entry(&l->acceptq, struct tcpcb, link);
	list_del(&tp->link);
	tp->t_flags &= ~TF_ACCEPTQ;
	tp->t_flags |= TF_CONNECTED_ONCE;
	l->q_len--;
	tp->listener = NULL;
	tp->owner = owner;
	*err = 0;
	return tp;
}

static int take_error(struct tcpcb *tp)
{
	int e = tp->so_error;

	tp->so_error = 0;
	return -e;
}

/* May data be queued now?  0, or the error a send returns. */
static int send_state(struct tcpcb *tp)
{
	if (tp->so_error)
		return take_error(tp);
	switch (tp->t_state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EAGAIN;
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		if (tp->t_flags & TF_SHUT_WR)
			return -EPIPE;
		return 0;
	default:
		return -EPIPE; /* CLOSED, LISTEN, or a FIN sent */
	}
}

/* The room for n more bytes (0: none, counted; the writer may wait for the
 * pool). */
static uint32_t send_room(struct stack *s, struct tcpcb *tp)
{
	uint32_t space = tcp_sendspace(s, tp);

	if (space == 0 && s->mem.level != MEM_OK && tp->snd.cc < tp->snd.hiwat) {
		STAT_INC(s, tcp, tcps_sndmemwait);
		s->stats.mem.mem_refused++;
		if (s->mem.avail <= s->mem.reserve)
			tcp_mem_wait(s, tp);
	}
	return space;
}

ssize_t tcp_send(struct stack *s, struct tcpcb *tp, const struct iovec *iov, int iovcnt, int flags)
{
	uint32_t space, total = 0;
	int rc;

	(void)flags;
	if ((rc = send_state(tp)) < 0)
		return rc;
	{
		size_t want = 0;

		for (int i = 0; i < iovcnt; i++)
			want += iov[i].iov_len;
		if (want == 0)
			return 0; /* nothing to send: 0, as Linux's tcp_sendmsg */
	}
	space = send_room(s, tp);
	if (space == 0)
		return -EAGAIN;
	for (int i = 0; i < iovcnt && space > 0; i++) {
		uint32_t n = iov[i].iov_len < space ? (uint32_t)iov[i].iov_len : space;
		uint32_t got = tcp_sndbuf_append(s, &tp->snd, iov[i].iov_base, n);

		total += got;
		space -= got;
		if (got < n)
			break; /* no mbufs */
	}
	if (total == 0)
		return -EAGAIN;
	tcp_output(s, tp);
	return total;
}

ssize_t tcp_send_chain(struct stack *s, struct tcpcb *tp, struct rte_mbuf *m, uint32_t n)
{
	int rc;

	if ((rc = send_state(tp)) < 0)
		return rc;
	if (n == 0)
		return 0;
	/* All or nothing: the chain is one write, and stays the caller's
	 * until there is room for all of it. */
	if (send_room(s, tp) < n)
		return -EAGAIN;
	tcp_sndbuf_adopt(&tp->snd, m, n);
	tcp_output(s, tp);
	return n;
}

ssize_t tcp_recv(struct stack *s, struct tcpcb *tp, const struct iovec *iov, int iovcnt, int flags)
{
	uint32_t avail = tp->rcvq.bytes, want = 0, done = 0;
	struct rte_mbuf *pkt;
	uint32_t pkt_off = 0;
	int vi = 0;
	size_t voff = 0;

	for (int i = 0; i < iovcnt; i++)
		want += (uint32_t)iov[i].iov_len;
	/* A receive of 0 bytes is 0 when data is queued; with nothing
	 * queued it answers as any receive would (EAGAIN, 0 at EOF, the
	 * error): Linux's tcp_recvmsg, whose target is never below 1. */
	if (want == 0 && avail > 0)
		return 0;
	if (avail == 0) {
		if (tp->so_error)
			return take_error(tp);
		if (tp->t_flags & (TF_RCVD_FIN | TF_SHUT_RD))
			return 0;
		if (tp->t_state == TCPS_CLOSED)
			return (tp->t_flags & TF_CONNECTED_ONCE) ? 0 : -ENOTCONN;
		if (tp->t_state == TCPS_LISTEN)
			return -ENOTCONN;
		return -EAGAIN;
	}
	if ((flags & MSG_WAITALL) && avail < want && !(tp->t_flags & TF_RCVD_FIN) &&
	    tp->t_state != TCPS_CLOSED && !tp->so_error)
		return -EAGAIN;

	pkt = tp->rcvq.head;
	while (pkt && done < want && vi < iovcnt) {
		/* Copy from pkt at pkt_off. */
		struct rte_mbuf *seg = pkt;
		uint32_t off = pkt_off;

		while (seg && off >= seg->data_len) {
			off -= seg->data_len;
			seg = seg->next;
		}
		while (seg && done < want && vi < iovcnt) {
			uint32_t n = seg->data_len - off;
			size_t room = iov[vi].iov_len - voff;

			if (n > room)
				n = (uint32_t)room;
			memcpy((uint8_t *)iov[vi].iov_base + voff,
			       rte_pktmbuf_mtod_offset(seg, uint8_t *, off), n);
			done += n;
			off += n;
			pkt_off += n;
			voff += n;
			if (voff == iov[vi].iov_len) {
				vi++;
				voff = 0;
			}
			if (off == seg->data_len) {
				seg = seg->next;
				off = 0;
			}
		}
		if (pkt_off >= pkt->pkt_len) {
			pkt = pkt_meta(pkt)->nextpkt;
			pkt_off = 0;
		}
	}
	if (flags & MSG_PEEK)
		return done;

	/* Consume what was copied. */
	{
		uint32_t left = done;

		while (left) {
			struct rte_mbuf *h = tp->rcvq.head;

			if (h->pkt_len <= left) {
				left -= h->pkt_len;
				rte_pktmbuf_free(pktq_pop(&tp->rcvq));
				continue;
			}
			/* Partial: trim the head packet in place. */
			tp->rcvq.bytes -= left;
			while (left) {
				struct rte_mbuf *n;

				if (left < h->data_len) {
					h->data_off = (uint16_t)(h->data_off + left);
					h->data_len = (uint16_t)(h->data_len - left);
					h->pkt_len -= left;
					left = 0;
					break;
				}
				/* Drop the first segment, promote the next. */
				left -= h->data_len;
				n = h->next;
				n->pkt_len = h->pkt_len - h->data_len;
				n->nb_segs = (uint16_t)(h->nb_segs - 1);
				pkt_meta(n)->nextpkt = pkt_meta(h)->nextpkt;
				h->next = NULL;
				h->nb_segs = 1;
				rte_pktmbuf_free_seg(h);
				tp->rcvq.head = n;
				if (tp->rcvq.tail == h)
					tp->rcvq.tail = n;
				h = n;
			}
		}
	}
	/* The window may have opened enough for an update (SWS rules in
	 * tcp_output decide). */
	if (tp->t_state >= TCPS_ESTABLISHED && tp->t_state != TCPS_TIME_WAIT)
		tcp_output(s, tp);
	return done;
}

/* RFC 9293 3.10.4 CLOSE for the sending direction (FreeBSD tcp_usrclosed). */
static void usrclosed(struct stack *s, struct tcpcb *tp)
{
	tp->t_flags |= TF_SHUT_WR;
	switch (tp->t_state) {
	case TCPS_ESTABLISHED:
		tcp_set_state(s, tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(s, tp, TCPS_LAST_ACK);
		break;
	default:
		return; /* SYN states: the FIN follows establishment */
	}
	tcp_output(s, tp);
}

/* shutdown(SHUT_RD) on a listener: Linux's tcp_disconnect of a listening
 * socket (inet_csk_listen_stop): the children waiting for accept and the
 * half-open ones are reset, and the endpoint is back to bound and closed
 * (it may listen again).  Applications use it to wake a thread blocked in
 * accept. */
static void unlisten(struct stack *s, struct tcpcb *tp)
{
	tcp_listener_drop_children(s, tp);
	tcp_set_state(s, tp, TCPS_CLOSED);
	tcp_bound_add(s, tp); /* off the listener list, still holding the port */
}

int tcp_shutdown(struct stack *s, struct tcpcb *tp, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (tp->t_state == TCPS_LISTEN) {
		/* Linux's inet_shutdown: SHUT_WR does nothing (0). */
		if (how != SHUT_WR) {
			unlisten(s, tp);
			tcp_notify(s, tp, TCP_EV_IN | TCP_EV_OUT | TCP_EV_DOWN);
		}
		return 0;
	}
	/* TIME_WAIT: the socket is closed already (Linux's sk_state). */
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_TIME_WAIT)
		return -ENOTCONN;
	if (how == SHUT_RD || how == SHUT_RDWR) {
		tp->t_flags |= TF_SHUT_RD;
		pktq_free(&tp->rcvq);
	}
	if (how == SHUT_WR || how == SHUT_RDWR)
		usrclosed(s, tp);
	tcp_notify(s, tp, TCP_EV_IN | TCP_EV_OUT);
	return 0;
}

void tcp_close(struct stack *s, struct tcpcb *tp)
{
	tp->t_flags |= TF_DETACHED;
	tp->owner = NULL;
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
		tcp_pcb_free(s, tp);
		return;
	case TCPS_SYN_SENT:
		tcp_close_conn(s, tp);
		return;
	default:
		break;
	}
	if (tp->t_flags & TF_LINGER0) {
		tcp_drop(s, tp, ECONNABORTED);
		return;
	}
	pktq_free(&tp->rcvq);
	tp->t_flags |= TF_SHUT_RD;
	usrclosed(s, tp);
	if (tp->t_state == TCPS_FIN_WAIT_2)
		tcp_keep_arm(s, tp); /* finwait2_timeout now applies */
}

void tcp_abort(struct stack *s, struct tcpcb *tp)
{
	tp->t_flags |= TF_DETACHED;
	tp->owner = NULL;
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN) {
		tcp_pcb_free(s, tp);
		return;
	}
	tcp_drop(s, tp, ECONNABORTED);
}

void tcp_pcb_copy_opts(struct tcpcb *tp, const struct tcpcb *from)
{
	tp->t_flags |= from->t_flags & (TF_NODELAY | TF_KEEPALIVE | TF_LINGER0);
	tp->snd.hiwat = from->snd.hiwat;
	tp->rcv_hiwat = from->rcv_hiwat;
	tp->cc_id = from->cc_id;
	tp->t_fb = from->t_fb; /* a listener's children use its stack (FreeBSD) */
	tp->keepidle = from->keepidle;
	tp->keepintvl = from->keepintvl;
	tp->keepcnt = from->keepcnt;
	tp->t_maxunacktime = from->t_maxunacktime;
	tp->t_linger = from->t_linger;
	tp->t_user_mss = from->t_user_mss;
	tp->ip_tos = from->ip_tos; /* the syncache's sc_ip_tos, sc_ip_ttl */
	tp->ip_ttl = from->ip_ttl;
}

struct tcpcb *tcp_renew(struct stack *s, struct tcpcb *old, bool rebind)
{
	struct tcpcb *tp = tcp_pcb_alloc(s, old->owner);
	struct ip_addr la;
	uint16_t lport;

	if (!tp)
		return NULL;
	tcp_pcb_copy_opts(tp, old);
	tp->t_flags |= old->t_flags & (TF_REUSEADDR | TF_REUSEPORT);
	tcp_local(old, &la, &lport);
	old->owner = NULL;
	tcp_pcb_free(s, old); /* releases the port first */
	if (rebind)
		tcp_bind(s, tp, &la, lport); /* fails only if taken since: unbound then */
	return tp;
}

uint32_t tcp_readable(const struct tcpcb *tp)
{
	/* A listener's "readable" count is its accept queue (FreeBSD's
	 * filt_soread: kn_data = sol_qlen). */
	if (tp->t_state == TCPS_LISTEN)
		return tp->q_len;
	return tp->rcvq.bytes;
}

uint32_t tcp_sendspace(const struct stack *s, const struct tcpcb *tp)
{
	const struct stack_mem *m = &s->mem;
	uint32_t space = tp->snd.cc >= tp->snd.hiwat ? 0 : tp->snd.hiwat - tp->snd.cc;
	uint32_t lim;

	if (m->level == MEM_OK || space == 0)
		return space;
	if (m->avail <= m->reserve)
		return 0;
	/* Under pressure a connection keeps what the peer takes now, up to
	 * sock_min held: one whose peer stops reading (window 0) holds no
	 * more than it had, one that keeps reading keeps being served. */
	lim = m->sock_min > tp->snd.cc ? m->sock_min - tp->snd.cc : 0;
	if (tp->snd_wnd < tp->snd.cc + lim)
		lim = tp->snd_wnd > tp->snd.cc ? tp->snd_wnd - tp->snd.cc : 0;
	return space < lim ? space : lim;
}

/* Linux's tcp_poll (net/ipv4/tcp.c), with sk_shutdown read as:
 *   RCV_SHUTDOWN  the peer's FIN, shutdown(SHUT_RD), or the connection has
 *                 ended (reset, timeout, refused: tcp_done sets both);
 *   SEND_SHUTDOWN shutdown(SHUT_WR), or the connection has ended.
 *
 *   LISTEN                            IN while the accept queue is not empty
 *   both shut down, or CLOSED         HUP (a never-connected socket too)
 *   RCV_SHUTDOWN                      IN | RDHUP
 *   not SYN_SENT/SYN_RECEIVED         IN if data; OUT if the free send
 *                                     space is at least half of what is
 *                                     queued (sk_stream_is_writeable), or
 *                                     SEND_SHUTDOWN (a write then fails at
 *                                     once with EPIPE)
 *   a pending error                   ERR
 *
 * So a fresh socket is OUT|HUP, a reset or refused one
 * IN|OUT|ERR|HUP|RDHUP (ERR until the error is read), a half-closed one
 * (peer's FIN) IN|OUT|RDHUP, one shut down for writing OUT, and one closed
 * both ways IN|OUT|HUP|RDHUP: the values a Linux box gives. */
unsigned tcp_poll(const struct stack *s, const struct tcpcb *tp)
{
	bool ended = tp->t_state == TCPS_CLOSED && (tp->t_flags & TF_CONNECTED_ONCE);
	bool rcv_shut = ended || (tp->t_flags & (TF_RCVD_FIN | TF_SHUT_RD));
	bool snd_shut = ended || (tp->t_flags & TF_SHUT_WR);
	unsigned ev = 0;

	if (tp->t_state == TCPS_LISTEN)
		return tp->q_len ? TCP_EV_IN : 0;
	if ((rcv_shut && snd_shut) || tp->t_state == TCPS_CLOSED)
		ev |= TCP_EV_DOWN;
	if (rcv_shut)
		ev |= TCP_EV_HUP; /* IN | RDHUP */
	if (tp->t_state != TCPS_SYN_SENT && tp->t_state != TCPS_SYN_RECEIVED) {
		if (tp->rcvq.bytes)
			ev |= TCP_EV_IN;
		uint32_t space = tcp_sendspace(s, tp);

		if (snd_shut || (space > 0 && space >= tp->snd.cc / 2))
			ev |= TCP_EV_OUT;
	}
	if (tp->so_error)
		ev |= TCP_EV_ERR;
	return ev;
}

int tcp_error(struct tcpcb *tp, bool clear)
{
	int e = tp->so_error;

	if (clear)
		tp->so_error = 0;
	return e;
}

int tcp_state(const struct tcpcb *tp)
{
	return tp->t_state;
}

static void key_addr(uint8_t family, const uint8_t *a, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family ? family : AF_INET;
	if (out->family == AF_INET6)
		memcpy(out->v6, a, 16);
	else
		memcpy(&out->v4, a, 4);
}

int tcp_local(const struct tcpcb *tp, struct ip_addr *a, uint16_t *port)
{
	key_addr(tp->key.family, tp->key.laddr, a);
	*port = rte_be_to_cpu_16(tp->key.lport);
	return 0;
}

/* Linux's inet_getname: no peer in CLOSED (never connected, or the
 * connection ended: reset, refused, timed out; TIME_WAIT too, where the
 * socket itself is closed) or SYN_SENT; FreeBSD's getpeername says
 * ENOTCONN there too (not SS_ISCONNECTED). */
int tcp_peer(const struct tcpcb *tp, struct ip_addr *a, uint16_t *port)
{
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN ||
	    tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_TIME_WAIT)
		return -ENOTCONN;
	if (tp->key.fport == 0)
		return -ENOTCONN;
	key_addr(tp->key.family, tp->key.faddr, a);
	*port = rte_be_to_cpu_16(tp->key.fport);
	return 0;
}

static void set_flag(struct tcpcb *tp, uint32_t f, int on)
{
	if (on)
		tp->t_flags |= f;
	else
		tp->t_flags &= ~f;
}

int tcp_setopt(struct stack *s, struct tcpcb *tp, enum tcp_opt opt, int val)
{
	switch (opt) {
	case TCP_OPT_NODELAY:
		set_flag(tp, TF_NODELAY, val);
		if (val)
			tcp_output(s, tp);
		return 0;
	case TCP_OPT_MAXSEG:
		/* Linux's range; 0 takes a value set back. */
		if (val != 0 && (val < 88 || val > 32767))
			return -EINVAL;
		tp->t_user_mss = (uint16_t)val;
		if (val == 0)
			return 0;
		if (tp->t_state >= TCPS_ESTABLISHED) {
			/* Lowers the segment size in use at once (FreeBSD);
			 * like the MSS, it leaves room for the timestamps. */
			unsigned mss = (unsigned)val - ((tp->t_flags & TF_RCVD_TSTMP) ? 12u : 0u);

			if (mss < tp->t_maxseg)
				tp->t_maxseg = (uint16_t)mss;
		}
		return 0;
	case TCP_OPT_KEEPALIVE:
		set_flag(tp, TF_KEEPALIVE, val);
		if (tp->t_state >= TCPS_ESTABLISHED)
			tcp_keep_arm(s, tp);
		return 0;
	case TCP_OPT_KEEPIDLE:
	case TCP_OPT_KEEPINTVL:
		if (val < 1 || val > 32767)
			return -EINVAL;
		if (opt == TCP_OPT_KEEPIDLE)
			tp->keepidle = (uint32_t)val * 1000u;
		else
			tp->keepintvl = (uint32_t)val * 1000u;
		if (tp->t_state >= TCPS_ESTABLISHED)
			tcp_keep_arm(s, tp);
		return 0;
	case TCP_OPT_KEEPCNT:
		if (val < 1 || val > 127)
			return -EINVAL;
		tp->keepcnt = (uint32_t)val;
		return 0;
	case TCP_OPT_SNDBUF:
	case TCP_OPT_RCVBUF:
		if (val < 1)
			return -EINVAL;
		if (val > stack_sb_max_adj(s))
			return -ENOBUFS;
		if (opt == TCP_OPT_SNDBUF)
			tp->snd.hiwat = (uint32_t)val;
		else
			tp->rcv_hiwat = (uint32_t)val;
		return 0;
	case TCP_OPT_LINGER:
		set_flag(tp, TF_LINGER0, val == 0);
		tp->t_linger = val < 0 ? UINT16_MAX : (uint16_t)(val > 65534 ? 65534 : val);
		return 0;
	case TCP_OPT_REUSEADDR:
		set_flag(tp, TF_REUSEADDR, val);
		return 0;
	case TCP_OPT_REUSEPORT:
		set_flag(tp, TF_REUSEPORT, val);
		return 0;
	case TCP_OPT_CONGESTION_ID:
		if (val < 0 || val >= TCP_CC_NMOD)
			return -ENOENT;
		if (tp->cc_id != val) {
			tp->cc_id = (uint8_t)val;
			memset(&tp->cc, 0, sizeof(tp->cc));
		}
		return 0;
	case TCP_OPT_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL; /* as Linux */
		tp->t_maxunacktime = (uint32_t)val;
		return 0;
	case TCP_OPT_IP_TOS:
		tp->ip_tos = (uint8_t)val;
		return 0;
	case TCP_OPT_IP_TTL:
		tp->ip_ttl = (uint8_t)val;
		return 0;
	case TCP_OPT_ACCEPTCONN:
		return -ENOPROTOOPT;
	}
	return -ENOPROTOOPT;
}

int tcp_getopt(struct stack *s, const struct tcpcb *tp, enum tcp_opt opt, int *val)
{
	switch (opt) {
	case TCP_OPT_NODELAY:
		*val = (tp->t_flags & TF_NODELAY) != 0;
		return 0;
	case TCP_OPT_MAXSEG:
		*val = tp->t_state >= TCPS_ESTABLISHED ? tp->t_maxseg
		       : tp->t_user_mss                ? tp->t_user_mss
		                                       : (int)KNOB(s, TCP_MSSDFLT);
		return 0;
	case TCP_OPT_KEEPALIVE:
		*val = (tp->t_flags & TF_KEEPALIVE) != 0;
		return 0;
	case TCP_OPT_KEEPIDLE:
		*val =
		    (int)((tp->keepidle ? tp->keepidle : (uint32_t)KNOB(s, TCP_KEEPIDLE)) / 1000u);
		return 0;
	case TCP_OPT_KEEPINTVL:
		*val = (int)((tp->keepintvl ? tp->keepintvl : (uint32_t)KNOB(s, TCP_KEEPINTVL)) /
		             1000u);
		return 0;
	case TCP_OPT_KEEPCNT:
		*val = (int)(tp->keepcnt ? tp->keepcnt : (uint32_t)KNOB(s, TCP_KEEPCNT));
		return 0;
	case TCP_OPT_USER_TIMEOUT:
		*val = (int)tp->t_maxunacktime; /* Linux: what was set, 0 unset */
		return 0;
	case TCP_OPT_IP_TOS:
		*val = tp->ip_tos;
		return 0;
	case TCP_OPT_IP_TTL:
		*val = tp->ip_ttl;
		return 0;
	case TCP_OPT_SNDBUF:
		*val = (int)tp->snd.hiwat;
		return 0;
	case TCP_OPT_RCVBUF:
		*val = (int)tp->rcv_hiwat;
		return 0;
	case TCP_OPT_LINGER:
		*val = tp->t_linger == UINT16_MAX ? -1 : tp->t_linger;
		return 0;
	case TCP_OPT_REUSEADDR:
		*val = (tp->t_flags & TF_REUSEADDR) != 0;
		return 0;
	case TCP_OPT_REUSEPORT:
		*val = (tp->t_flags & TF_REUSEPORT) != 0;
		return 0;
	case TCP_OPT_CONGESTION_ID:
		*val = tp->cc_id;
		return 0;
	case TCP_OPT_ACCEPTCONN:
		*val = tp->t_state == TCPS_LISTEN;
		return 0;
	}
	return -ENOPROTOOPT;
}

void tcp_info_get(const struct tcpcb *tp, struct tcp_info_lite *ti)
{
	memset(ti, 0, sizeof(*ti));
	ti->state = tp->t_state;
	ti->ca_state = (tp->t_flags & TF_FASTRECOVERY) ? 3 : tp->t_rxtshift ? 4 : 0;
	ti->retransmits = tp->t_rxtshift;
	ti->backoff = tp->t_rxtshift;
	ti->options = (uint8_t)(((tp->t_flags & TF_RCVD_TSTMP) ? 1 : 0) |
	                        ((tp->t_flags & TF_SACK_PERMIT) ? 2 : 0) |
	                        ((tp->t_flags & TF_RCVD_SCALE) ? 4 : 0));
	ti->snd_wscale = tp->snd_scale;
	ti->rcv_wscale = tp->rcv_scale;
	ti->rto_us = tp->t_rxtcur_ms * 1000u;
	ti->snd_mss = tp->t_maxseg;
	ti->rcv_mss = tp->t_advmss;
	/* Linux counts segments in flight (packets_out): a partial one is one. */
	ti->unacked =
	    tp->t_maxseg ? (tp->snd_max - tp->snd_una + tp->t_maxseg - 1u) / tp->t_maxseg : 0;
	ti->sacked = tp->sack && tp->t_maxseg ? tp->sack->sacked / tp->t_maxseg : 0;
	ti->retrans = 0;
	ti->rtt_us = tp->t_srtt;
	ti->rttvar_us = tp->t_rttvar;
	ti->snd_ssthresh = tp->t_maxseg ? tp->snd_ssthresh / tp->t_maxseg : 0;
	ti->snd_cwnd = tp->t_maxseg ? tp->snd_cwnd / tp->t_maxseg : 0;
	ti->advmss = tp->t_advmss;
	ti->rcv_space = tp->rcv_hiwat;
	ti->total_retrans = tp->total_retrans;
	ti->bytes_acked = tp->bytes_acked;
	ti->bytes_received = tp->bytes_received;
}
