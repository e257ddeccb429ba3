/* tcp_socket.c: TCP as the socket layer's SOCK_STREAM protocol (struct
 * proto_ops), on top of the user requests of tcp_usrreq.c.
 *
 * This file sees only the public tcp.h (not tcp_priv.h), so that it can use
 * Linux's <netinet/tcp.h> (TCP_* option names, struct tcp_info) without
 * clashing with the TH_* names of wire/tcp.h.
 *
 * Readiness: tcp_init() makes tcp_so_notify() the stack's TCP notify
 * callback; it turns TCP_EV_* into EPOLL* bits for sock_wakeup() and keeps
 * the socket's SS_* state bits in step (SS_CANTRCVMORE on the peer's FIN,
 * both SS_CANT* bits when the connection ends: FreeBSD's socantrcvmore and
 * soisdisconnected, which kqueue's EV_EOF reads).  The level comes from
 * tcp_poll() (Linux's tcp_poll values, see there):
 *
 *   TCP_EV_IN   -> EPOLLIN | EPOLLRDNORM      TCP_EV_OUT  -> EPOLLOUT | EPOLLWRNORM
 *   TCP_EV_HUP  -> EPOLLIN | EPOLLRDHUP       TCP_EV_ERR  -> EPOLLERR
 *   TCP_EV_DOWN -> EPOLLHUP
 *
 * Send space freed by an ACK (TCP_EV_OUT alone) wakes epoll only once a
 * writer has run out of room (so->nospace: a send that found too little,
 * or a poll that found the socket not writable) and it is writable again,
 * as Linux's tcp_check_space; otherwise it goes out as SOCK_WAKE_SPACE,
 * for kqueue alone.
 *
 * The socket error lives in the tcpcb only (tcp_so_error is the socket
 * layer's error slot), so SO_ERROR, kqueue's EV_EOF fflags, recv and send
 * all see the same value.
 *
 * connect() answers from the socket's view of its attempt (SS_ISCONNECTING,
 * Linux's __inet_stream_connect): EINPROGRESS starts it; while the
 * handshake runs EALREADY; once it has ended, the next connect() says how,
 * once: 0 if it succeeded (EISCONN from then on), else the error (or
 * ECONNABORTED when the error was read already), and the socket is fresh
 * again (tcp_renew: options kept, a bind() too), so a later connect()
 * starts a new attempt.  A listener says EISCONN.  SS_ISBOUND records a
 * bind() by the user (Linux's SOCK_BINDPORT_LOCK), which outlives a failed
 * attempt.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>

#include "socket/socket.h"
#include "stack/stack.h"
#include "tcp/tcp.h"

/* Used by tcp_subr.c (tcp_init, tcp_fini). */
void tcp_so_notify(struct stack *s, void *owner, unsigned ev);
void tcp_so_orphan(void *owner);
const void *tcp_so_ops(void);

static uint32_t ev_to_epoll(unsigned ev)
{
	uint32_t e = 0;

	if (ev & TCP_EV_IN)
		e |= EPOLLIN | EPOLLRDNORM;
	if (ev & TCP_EV_OUT)
		e |= EPOLLOUT | EPOLLWRNORM;
	if (ev & TCP_EV_HUP)
		e |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (ev & TCP_EV_ERR)
		e |= EPOLLERR;
	if (ev & TCP_EV_DOWN)
		e |= EPOLLHUP;
	return e;
}

void tcp_so_notify(struct stack *s, void *owner, unsigned ev)
{
	struct socket *so = owner;
	uint32_t e = ev_to_epoll(ev);

	if (ev & TCP_EV_CONN) {
		struct tcpcb *tp = so->pcb;
		int v;

		so->state |= SS_ISCONNECTED;
		if (tp) { /* the buffers were rounded to the MSS (tcp_buf_round) */
			tcp_getopt(s, tp, TCP_OPT_SNDBUF, &v);
			so->sndbuf = (uint32_t)v;
			tcp_getopt(s, tp, TCP_OPT_RCVBUF, &v);
			so->rcvbuf = (uint32_t)v;
		}
	}
	if (ev & TCP_EV_HUP)
		so->state |= SS_CANTRCVMORE;
	/* TCP_EV_DOWN is notified when the connection ends (tcp_close_conn),
	 * or a listener stops: only a connection has directions to close. */
	if ((ev & TCP_EV_DOWN) && !(so->state & SS_ISLISTENING))
		so->state |= SS_CANTRCVMORE | SS_CANTSENDMORE;
	if (ev == TCP_EV_OUT) {
		if (so->nospace && (sock_poll(so) & EPOLLOUT))
			so->nospace = false;
		else
			e = SOCK_WAKE_SPACE;
	}
	sock_wakeup(so, e);
}

void tcp_so_orphan(void *owner)
{
	((struct socket *)owner)->pcb = NULL;
}

static struct tcpcb *pcb(struct socket *so)
{
	return so->pcb;
}

/* The connection is over as far as the socket can tell (Linux's sk_state
 * is CLOSE once its connection waits in TIME_WAIT). */
static bool ended(struct tcpcb *tp)
{
	return tcp_state(tp) == TCPS_CLOSED || tcp_state(tp) == TCPS_TIME_WAIT;
}

static void apply_sockopts(struct stack *s, struct socket *so, struct tcpcb *tp)
{
	tcp_setopt(s, tp, TCP_OPT_REUSEADDR, so->reuseaddr);
	tcp_setopt(s, tp, TCP_OPT_REUSEPORT, so->reuseport);
}

static int tcp_so_attach(struct stack *s, struct socket *so)
{
	struct tcpcb *tp = tcp_pcb_new(s, so);
	int v;

	if (!tp)
		return -ENOMEM;
	so->pcb = tp;
	tcp_getopt(s, tp, TCP_OPT_SNDBUF, &v);
	so->sndbuf = (uint32_t)v;
	tcp_getopt(s, tp, TCP_OPT_RCVBUF, &v);
	so->rcvbuf = (uint32_t)v;
	return 0;
}

static void tcp_so_detach(struct stack *s, struct socket *so)
{
	struct tcpcb *tp = pcb(so);

	so->pcb = NULL;
	if (!tp)
		return;
	tcp_setopt(s, tp, TCP_OPT_LINGER, sock_linger(so));
	tcp_close(s, tp);
}

static int tcp_so_bind(struct stack *s, struct socket *so, const struct sock_addr *a)
{
	int rc;

	if (!pcb(so))
		return -EINVAL;
	apply_sockopts(s, so, pcb(so));
	rc = tcp_bind(s, pcb(so), &a->addr, a->port);
	if (rc == 0)
		so->state |= SS_ISBOUND;
	return rc;
}

static int tcp_so_connect(struct stack *s, struct socket *so, const struct sock_addr *a)
{
	struct tcpcb *tp = pcb(so);
	int rc;

	if (!tp)
		return -EINVAL;
	if (so->state & SS_ISCONNECTING) {
		/* The attempt this socket started (see the file comment);
		 * the address is not looked at, as in Linux. */
		if (tcp_state(tp) == TCPS_SYN_SENT || tcp_state(tp) == TCPS_SYN_RECEIVED)
			return -EALREADY;
		so->state &= ~SS_ISCONNECTING;
		if (!ended(tp))
			return 0;
		rc = tcp_error(tp, true);
		if (tcp_state(tp) == TCPS_CLOSED) {
			struct tcpcb *fresh = tcp_renew(s, tp, (so->state & SS_ISBOUND) != 0);

			if (fresh) {
				struct ip_addr la;
				uint16_t lport;

				so->pcb = fresh;
				so->state &= ~(SS_ISCONNECTED | SS_CANTRCVMORE | SS_CANTSENDMORE);
				so->nospace = false;
				tcp_local(fresh, &la, &lport);
				if (lport == 0)
					so->state &= ~SS_ISBOUND;
			}
		}
		return rc ? -rc : -ECONNABORTED;
	}
	/* AF_UNSPEC dissolves nothing on TCP (FreeBSD): soconnectat says
	 * EISCONN to a connected socket of a protocol that needs connections,
	 * and tcp_usr_connect refuses any family but AF_INET before it
	 * looks at the socket (a listening one included). */
	if (!a)
		return (so->state & SS_ISCONNECTED) ? -EISCONN : -EAFNOSUPPORT;
	if (so->state & SS_ISLISTENING)
		return -EISCONN;
	apply_sockopts(s, so, tp);
	rc = tcp_connect(s, tp, &a->addr, a->port);
	if (rc < 0) {
		/* An established connection that ended stays EISCONN, as in
		 * Linux; an attempt whose end was reported was renewed above
		 * (unless memory ran out: then ECONNABORTED). */
		if (rc == -EISCONN && !(so->state & SS_ISCONNECTED) && ended(tp))
			return -ECONNABORTED;
		return rc;
	}
	so->state |= SS_ISCONNECTING;
	return -EINPROGRESS;
}

static int tcp_so_listen(struct stack *s, struct socket *so, int backlog)
{
	int rc;

	if (!pcb(so))
		return -EINVAL;
	apply_sockopts(s, so, pcb(so));
	/* An IPv6 socket listening unbound takes an ephemeral port on the
	 * unspecified IPv6 address (tcp_listen's own bind is IPv4's). */
	if (so->family == AF_INET6 && !(so->state & SS_ISBOUND)) {
		struct ip_addr any6 = { .family = AF_INET6 };

		/* EINVAL: bound already, or not closed (tcp_listen judges). */
		rc = tcp_bind(s, pcb(so), &any6, 0);
		if (rc < 0 && rc != -EINVAL)
			return rc;
	}
	rc = tcp_listen(s, pcb(so), backlog);
	if (rc == 0)
		so->state |= SS_ISLISTENING | SS_ISBOUND;
	return rc;
}

static int tcp_so_accept(struct stack *s, struct socket *so, struct socket *nso)
{
	struct tcpcb *tp;
	int err, v;

	if (!pcb(so))
		return -EINVAL;
	tp = tcp_accept(s, pcb(so), nso, &err);
	if (!tp)
		return err;
	nso->pcb = tp;
	tcp_getopt(s, tp, TCP_OPT_SNDBUF, &v);
	nso->sndbuf = (uint32_t)v;
	tcp_getopt(s, tp, TCP_OPT_RCVBUF, &v);
	nso->rcvbuf = (uint32_t)v;
	return 0;
}

static ssize_t tcp_so_send(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
                           int flags, const struct sock_addr *to)
{
	ssize_t n;

	(void)to; /* ignored on a connection, as Linux does */
	if (!pcb(so))
		return -EPIPE;
	n = tcp_send(s, pcb(so), iov, iovcnt, flags);
	/* Out of room: the writer waits for space (Linux's SOCK_NOSPACE). */
	if ((so->state & SS_ISCONNECTED) &&
	    (n == -EAGAIN || (n >= 0 && (size_t)n < iov_total(iov, iovcnt))))
		so->nospace = true;
	return n;
}

ssize_t tcp_so_send_chain(struct stack *s, struct socket *so, struct rte_mbuf *m, uint32_t n)
{
	ssize_t rc;

	if (!pcb(so))
		return -EPIPE;
	rc = tcp_send_chain(s, pcb(so), m, n);
	if (rc == -EAGAIN && (so->state & SS_ISCONNECTED))
		so->nospace = true;
	return rc;
}

static ssize_t tcp_so_recv(struct stack *s, struct socket *so, const struct iovec *iov, int iovcnt,
                           int flags, struct sock_addr *from, int *msg_flags)
{
	if (msg_flags)
		*msg_flags = 0;
	/* No source address on a stream: recvfrom's *fromlen and recvmsg's
	 * msg_namelen come back 0 (Linux's tcp_recvmsg leaves the name
	 * alone; FreeBSD fills it only for PR_ADDR protocols). */
	if (from)
		memset(from, 0, sizeof(*from));
	if (!pcb(so))
		return 0;
	/* MSG_WAITALL waits for the whole request on a blocking socket; as
	 * nothing blocks here, tcp_recv says EAGAIN until it is all there.
	 * Non-blocking (O_NONBLOCK or MSG_DONTWAIT), Linux returns what there
	 * is (tcp_recvmsg stops when the timeout is 0), and so do we. */
	if ((flags & MSG_WAITALL) && (so->nonblock || (flags & MSG_DONTWAIT)))
		flags &= ~MSG_WAITALL;
	return tcp_recv(s, pcb(so), iov, iovcnt, flags);
}

static int tcp_so_shutdown(struct stack *s, struct socket *so, int how)
{
	int rc;

	if (!pcb(so))
		return -ENOTCONN;
	if (so->state & SS_ISLISTENING) {
		/* SHUT_WR: nothing; SHUT_RD: the listener stops (tcp_shutdown). */
		rc = tcp_shutdown(s, pcb(so), how);
		if (rc == 0 && tcp_state(pcb(so)) != TCPS_LISTEN)
			so->state &= ~SS_ISLISTENING;
		return rc;
	}
	rc = tcp_shutdown(s, pcb(so), how);
	if (rc == 0) {
		if (how == SHUT_RD || how == SHUT_RDWR)
			so->state |= SS_CANTRCVMORE;
		if (how == SHUT_WR || how == SHUT_RDWR)
			so->state |= SS_CANTSENDMORE;
		/* Linux's inet_shutdown: an attempt found established is
		 * connected from now on (connect() then says EISCONN). */
		if (tcp_state(pcb(so)) >= TCPS_ESTABLISHED && !ended(pcb(so)))
			so->state &= ~SS_ISCONNECTING;
	}
	return rc;
}

/* IP_TOS and IP_TTL on a TCP socket, as FreeBSD's ip_ctloutput: an int,
 * kept as its low byte (no range check), used on every segment the
 * connection sends (tcp_output: the ECN bits of the TOS are TCP's own) and
 * inherited by a listener's connections (the syncache copies them).  The
 * TTL starts at net.inet.ip.ttl (tcp_newtcpcb).  Other IP options:
 * ENOPROTOOPT. */
static int ip_setopt(struct stack *s, struct socket *so, struct tcpcb *tp, int name,
                     const void *val, socklen_t len)
{
	int v, rc;

	if (so->family != AF_INET || (name != IP_TOS && name != IP_TTL))
		return -ENOPROTOOPT;
	rc = sock_opt_int(val, len, &v);
	if (rc < 0)
		return rc;
	return tcp_setopt(s, tp, name == IP_TOS ? TCP_OPT_IP_TOS : TCP_OPT_IP_TTL, v);
}

static int ip_getopt(struct stack *s, const struct socket *so, struct tcpcb *tp, int name, int *v)
{
	if (so->family != AF_INET || (name != IP_TOS && name != IP_TTL))
		return -ENOPROTOOPT;
	return tcp_getopt(s, tp, name == IP_TOS ? TCP_OPT_IP_TOS : TCP_OPT_IP_TTL, v);
}

static int tcp_so_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                         socklen_t len)
{
	struct tcpcb *tp = pcb(so);
	int v, rc;

	if (!tp)
		return level == SOL_SOCKET ? 0 : -EINVAL;
	if (level == SOL_SOCKET) {
		/* The socket layer stored the value already; TCP's floor (2048)
		 * is what getsockopt then reports, as it is what is used. */
		switch (name) {
		case SO_RCVBUF:
			rc = tcp_setopt(s, tp, TCP_OPT_RCVBUF, (int)so->rcvbuf);
			tcp_getopt(s, tp, TCP_OPT_RCVBUF, &v);
			so->rcvbuf = (uint32_t)v;
			return rc;
		case SO_SNDBUF:
			rc = tcp_setopt(s, tp, TCP_OPT_SNDBUF, (int)so->sndbuf);
			tcp_getopt(s, tp, TCP_OPT_SNDBUF, &v);
			so->sndbuf = (uint32_t)v;
			return rc;
		case SO_KEEPALIVE:
			return tcp_setopt(s, tp, TCP_OPT_KEEPALIVE, so->keepalive);
		case SO_LINGER:
			return tcp_setopt(s, tp, TCP_OPT_LINGER, sock_linger(so));
		case SO_REUSEADDR:
		case SO_REUSEPORT:
			apply_sockopts(s, so, tp);
			return 0;
		default:
			return 0;
		}
	}
	if (level == IPPROTO_IP)
		return ip_setopt(s, so, tp, name, val, len);
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (name == TCP_CONGESTION) {
		char nm[16];
		size_t n = len < sizeof(nm) - 1 ? len : sizeof(nm) - 1;

		if (len < 1)
			return -EINVAL; /* as Linux */
		if (!val)
			return -EFAULT;
		memcpy(nm, val, n);
		nm[n] = 0;
		rc = tcp_cc_find(nm);
		if (rc < 0)
			return -ENOENT;
		return tcp_setopt(s, tp, TCP_OPT_CONGESTION_ID, rc);
	}
	rc = sock_opt_int(val, len, &v);
	if (rc < 0)
		return rc;
	switch (name) {
	case TCP_NODELAY:
		return tcp_setopt(s, tp, TCP_OPT_NODELAY, v != 0);
	case TCP_MAXSEG:
		return tcp_setopt(s, tp, TCP_OPT_MAXSEG, v);
	case TCP_KEEPIDLE:
		return tcp_setopt(s, tp, TCP_OPT_KEEPIDLE, v);
	case TCP_KEEPINTVL:
		return tcp_setopt(s, tp, TCP_OPT_KEEPINTVL, v);
	case TCP_KEEPCNT:
		return tcp_setopt(s, tp, TCP_OPT_KEEPCNT, v);
	case TCP_USER_TIMEOUT:
		return tcp_setopt(s, tp, TCP_OPT_USER_TIMEOUT, v);
	default:
		return -ENOPROTOOPT;
	}
}

/* Linux's TCP state numbers (include/net/tcp_states.h).  TIME_WAIT is 7
 * (CLOSE), not 6: a Linux socket whose connection waits in TIME_WAIT is
 * itself closed (a separate timewait sock holds the 4-tuple), and that is
 * what its TCP_INFO says. */
static uint8_t linux_state(int st)
{
	static const uint8_t map[] = {
		[TCPS_CLOSED] = 7,       [TCPS_LISTEN] = 10,     [TCPS_SYN_SENT] = 2,
		[TCPS_SYN_RECEIVED] = 3, [TCPS_ESTABLISHED] = 1, [TCPS_CLOSE_WAIT] = 8,
		[TCPS_FIN_WAIT_1] = 4,   [TCPS_CLOSING] = 11,    [TCPS_LAST_ACK] = 9,
		[TCPS_FIN_WAIT_2] = 5,   [TCPS_TIME_WAIT] = 7,
	};

	return st >= 0 && st < (int)(sizeof(map) / sizeof(map[0])) ? map[st] : 7;
}

static int tcp_so_getopt(struct stack *s, struct socket *so, int level, int name, void *val,
                         socklen_t *len)
{
	struct tcpcb *tp = pcb(so);
	int v, rc;

	/* Linux's ip_getsockopt: unknown IP options ENOPROTOOPT, other
	 * levels EOPNOTSUPP (setsockopt says ENOPROTOOPT for both). */
	if (level != IPPROTO_IP && level != IPPROTO_TCP)
		return -EOPNOTSUPP;
	if (!tp)
		return -EINVAL;
	if (level == IPPROTO_IP) {
		rc = ip_getopt(s, so, tp, name, &v);
		if (rc < 0)
			return rc;
		if (!val || *len < (socklen_t)sizeof(int))
			return -EINVAL;
		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
		return 0;
	}
	switch (name) {
	case TCP_CONGESTION: {
		/* Linux's TCP_CA_NAME_MAX bytes, the name zero-padded. */
		char nm[16] = { 0 };

		tcp_getopt(s, tp, TCP_OPT_CONGESTION_ID, &v);
		strncpy(nm, tcp_cc_name(v), sizeof(nm) - 1);
		return sock_put_opt(val, len, nm, sizeof(nm));
	}
	case TCP_INFO: {
		struct tcp_info ti;
		struct tcp_info_lite l;

		tcp_info_get(tp, &l);
		memset(&ti, 0, sizeof(ti));
		ti.tcpi_state = linux_state(l.state);
		ti.tcpi_ca_state = l.ca_state;
		ti.tcpi_retransmits = l.retransmits;
		ti.tcpi_backoff = l.backoff;
		ti.tcpi_options = l.options;
		ti.tcpi_snd_wscale = l.snd_wscale & 15;
		ti.tcpi_rcv_wscale = l.rcv_wscale & 15;
		ti.tcpi_rto = l.rto_us;
		ti.tcpi_snd_mss = l.snd_mss;
		ti.tcpi_rcv_mss = l.rcv_mss;
		ti.tcpi_unacked = l.unacked;
		ti.tcpi_sacked = l.sacked;
		ti.tcpi_rtt = l.rtt_us;
		ti.tcpi_rttvar = l.rttvar_us;
		ti.tcpi_snd_ssthresh = l.snd_ssthresh;
		ti.tcpi_snd_cwnd = l.snd_cwnd;
		ti.tcpi_advmss = l.advmss;
		ti.tcpi_rcv_space = l.rcv_space;
		ti.tcpi_total_retrans = l.total_retrans;
		return sock_put_opt(val, len, &ti, sizeof(ti));
	}
	case TCP_NODELAY:
		rc = tcp_getopt(s, tp, TCP_OPT_NODELAY, &v);
		break;
	case TCP_MAXSEG:
		rc = tcp_getopt(s, tp, TCP_OPT_MAXSEG, &v);
		break;
	case TCP_KEEPIDLE:
		rc = tcp_getopt(s, tp, TCP_OPT_KEEPIDLE, &v);
		break;
	case TCP_KEEPINTVL:
		rc = tcp_getopt(s, tp, TCP_OPT_KEEPINTVL, &v);
		break;
	case TCP_KEEPCNT:
		rc = tcp_getopt(s, tp, TCP_OPT_KEEPCNT, &v);
		break;
	case TCP_USER_TIMEOUT:
		rc = tcp_getopt(s, tp, TCP_OPT_USER_TIMEOUT, &v);
		break;
	default:
		return -ENOPROTOOPT;
	}
	return rc < 0 ? rc : sock_put_int(val, len, v);
}

static uint32_t tcp_so_poll(struct socket *so)
{
	uint32_t e;

	if (!pcb(so))
		return EPOLLHUP;
	e = ev_to_epoll(tcp_poll(so->stack, pcb(so)));
	/* Linux's tcp_poll: a connection found not writable has a writer
	 * waiting for space (and, with the pool at its reserve, for the pool:
	 * no ACK may come to say so). */
	if (!(e & EPOLLOUT) && (so->state & SS_ISCONNECTED)) {
		so->nospace = true;
		if (so->stack->mem.level != MEM_OK &&
		    so->stack->mem.avail <= so->stack->mem.reserve)
			tcp_mem_wait(so->stack, pcb(so));
	}
	return e;
}

/* The one place the socket error is kept (socket.h, proto_ops.error). */
static int tcp_so_error(struct socket *so, bool clear)
{
	return pcb(so) ? tcp_error(pcb(so), clear) : 0;
}

/* kqueue's EVFILT_READ data: bytes queued, or a listener's connections
 * ready to accept (FreeBSD's filt_soread). */
static uint32_t tcp_so_readable(struct socket *so)
{
	return pcb(so) ? tcp_readable(pcb(so)) : 0;
}

/* FIONREAD (Linux's SIOCINQ): bytes queued.  A listener is EINVAL, which
 * ff_ioctl says before asking. */
static uint32_t tcp_so_fionread(struct socket *so)
{
	return pcb(so) && tcp_state(pcb(so)) != TCPS_LISTEN ? tcp_readable(pcb(so)) : 0;
}

static uint32_t tcp_so_writable(struct socket *so)
{
	return pcb(so) ? tcp_sendspace(so->stack, pcb(so)) : 0;
}

static int tcp_so_sockname(struct socket *so, struct sock_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!pcb(so)) {
		a->addr.family = (uint8_t)so->family;
		return 0;
	}
	return tcp_local(pcb(so), &a->addr, &a->port);
}

static int tcp_so_peername(struct socket *so, struct sock_addr *a)
{
	if (!pcb(so))
		return -ENOTCONN;
	return tcp_peer(pcb(so), &a->addr, &a->port);
}

static const struct proto_ops tcp_ops = {
	.attach = tcp_so_attach,
	.detach = tcp_so_detach,
	.bind = tcp_so_bind,
	.connect = tcp_so_connect,
	.listen = tcp_so_listen,
	.accept = tcp_so_accept,
	.send = tcp_so_send,
	.recv = tcp_so_recv,
	.shutdown = tcp_so_shutdown,
	.setopt = tcp_so_setopt,
	.getopt = tcp_so_getopt,
	.error = tcp_so_error,
	.poll = tcp_so_poll,
	.readable = tcp_so_readable,
	.writable = tcp_so_writable,
	.fionread = tcp_so_fionread,
	.sockname = tcp_so_sockname,
	.peername = tcp_so_peername,
};

const void *tcp_so_ops(void)
{
	return &tcp_ops;
}
