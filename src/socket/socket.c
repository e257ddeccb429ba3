/* socket.c: the descriptor table, socket life cycle, readiness fan-out,
 * address conversion and SOL_SOCKET options.  See socket.h.
 *
 * The descriptor table is an array of (kind, object) entries grown in
 * FD_GROW steps up to kern.maxfiles; entry i is descriptor base + i (base:
 * fastack.fd_reserve, at least SOCK_FD_BASE); `lowest` is a hint below
 * which no entry is free, so allocation is lowest-free-first without
 * rescanning the used prefix each time. */
#include "socket/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "event/event.h"
#include "stack/stack.h"

struct fd_entry {
	enum fd_kind kind;
	bool cloexec; /* FD_CLOEXEC: the descriptor's, not the object's */
	void *obj;
};

struct sock_table {
	struct fd_entry *fds;
	unsigned cap;                                      /* entries allocated */
	unsigned used;                                     /* descriptors in use */
	unsigned lowest;                                   /* no free entry below this index */
	unsigned base;                                     /* descriptor of entry 0 */
	const struct proto_ops *proto[SOCK_SEQPACKET + 1]; /* by SOCK_* type */
};

#define FD_GROW 1024u

int sock_init(struct stack *s)
{
	s->socks = calloc(1, sizeof(*s->socks));
	if (!s->socks)
		return -ENOMEM;
	/* Read once: the numbering cannot move under open descriptors. */
	s->socks->base = (unsigned)KNOB(s, SOCK_FD_RESERVE);
	if (s->socks->base < SOCK_FD_BASE)
		s->socks->base = SOCK_FD_BASE;
	return 0;
}

static void close_one(struct stack *s, int fd, enum fd_kind k, void *obj)
{
	(void)k;
	(void)obj;
	fd_close(s, fd);
}

void sock_close_all(struct stack *s)
{
	if (s->socks)
		fd_foreach(s, close_one);
}

void sock_fini(struct stack *s)
{
	if (!s->socks)
		return;
	sock_close_all(s);
	free(s->socks->fds);
	free(s->socks);
	s->socks = NULL;
}

void sock_register_proto(struct stack *s, int type, const struct proto_ops *ops)
{
	if (type >= 0 && type <= SOCK_SEQPACKET)
		s->socks->proto[type] = ops;
}

/* ---- descriptors ---- */

/* Grows the table so that index i exists (i < kern.maxfiles). */
static int fd_grow(struct stack *s, unsigned i)
{
	struct sock_table *t = s->socks;
	unsigned max = (unsigned)KNOB(s, SOCK_MAX_FDS);
	unsigned ncap = t->cap;
	struct fd_entry *n;

	if (i < t->cap)
		return 0;
	while (ncap <= i)
		ncap += FD_GROW;
	if (ncap > max)
		ncap = max;
	n = realloc(t->fds, ncap * sizeof(*n));
	if (!n) {
		STAT_INC(s, sock, so_nomem);
		return -ENOMEM;
	}
	memset(n + t->cap, 0, (ncap - t->cap) * sizeof(*n));
	t->fds = n;
	t->cap = ncap;
	return 0;
}

/* Fills the free entry i (FD_CLOEXEC clear, as for a dup). */
static int fd_set_entry(struct sock_table *t, unsigned i, enum fd_kind kind, void *obj)
{
	t->fds[i].kind = kind;
	t->fds[i].cloexec = false;
	t->fds[i].obj = obj;
	t->used++;
	if (i == t->lowest)
		t->lowest = i + 1;
	return (int)(i + t->base);
}

int fd_alloc(struct stack *s, enum fd_kind kind, void *obj)
{
	struct sock_table *t = s->socks;
	unsigned max = (unsigned)KNOB(s, SOCK_MAX_FDS);
	unsigned i;
	int rc;

	for (i = t->lowest; i < t->cap; i++)
		if (t->fds[i].kind == FD_FREE)
			break;
	if (i >= max) {
		STAT_INC(s, sock, so_nofd);
		return -EMFILE;
	}
	rc = fd_grow(s, i);
	if (rc < 0)
		return rc;
	t->lowest = i; /* every entry below i is in use */
	return fd_set_entry(t, i, kind, obj);
}

/* The table index of descriptor fd, or -1 if it is outside the table. */
static long fd_index(const struct sock_table *t, int fd)
{
	if (fd < 0 || (unsigned)fd < t->base || (unsigned)fd - t->base >= t->cap)
		return -1;
	return (long)((unsigned)fd - t->base);
}

void *fd_get(struct stack *s, int fd, enum fd_kind kind, int *err)
{
	struct sock_table *t = s->socks;
	long i = fd_index(t, fd);

	if (i < 0 || t->fds[i].kind == FD_FREE) {
		*err = -EBADF;
		return NULL;
	}
	if (t->fds[i].kind != kind) {
		*err = kind == FD_SOCKET ? -ENOTSOCK : -EINVAL;
		return NULL;
	}
	return t->fds[i].obj;
}

enum fd_kind fd_kind(struct stack *s, int fd)
{
	struct sock_table *t = s->socks;
	long i = fd_index(t, fd);

	return i < 0 ? FD_FREE : t->fds[i].kind;
}

bool fd_cloexec(struct stack *s, int fd)
{
	long i = fd_index(s->socks, fd);

	return i >= 0 && s->socks->fds[i].cloexec;
}

void fd_set_cloexec(struct stack *s, int fd, bool on)
{
	long i = fd_index(s->socks, fd);

	if (i >= 0 && s->socks->fds[i].kind != FD_FREE)
		s->socks->fds[i].cloexec = on;
}

void fd_release(struct stack *s, int fd)
{
	struct sock_table *t = s->socks;
	long i = fd_index(t, fd);

	if (i < 0 || t->fds[i].kind == FD_FREE)
		return;
	t->fds[i].kind = FD_FREE;
	t->fds[i].obj = NULL;
	t->used--;
	if ((unsigned)i < t->lowest)
		t->lowest = (unsigned)i;
}

int fd_close(struct stack *s, int fd)
{
	switch (fd_kind(s, fd)) {
	case FD_SOCKET:
		return sock_close(s, fd);
	case FD_EPOLL:
	case FD_KQUEUE:
		return event_close(s, fd);
	default:
		return -EBADF;
	}
}

/* One more descriptor refers to the object of entry e. */
static void fd_hold(struct stack *s, const struct fd_entry *e, int oldfd)
{
	if (e->kind == FD_SOCKET)
		((struct socket *)e->obj)->refs++;
	else
		event_hold(s, oldfd);
}

int fd_dup(struct stack *s, int oldfd, int newfd)
{
	struct sock_table *t = s->socks;
	long oi = fd_index(t, oldfd);
	struct fd_entry e;
	unsigned ni;
	int rc;

	if (oi < 0 || t->fds[oi].kind == FD_FREE)
		return -EBADF;
	e = t->fds[oi];
	if (newfd < 0) {
		rc = fd_alloc(s, e.kind, e.obj);
		if (rc >= 0)
			fd_hold(s, &e, oldfd);
		return rc;
	}
	if (newfd == oldfd)
		return newfd; /* dup2(fd, fd): nothing to do */
	/* Outside the stack's numbers (kernel's below fd_reserve, or beyond
	 * kern.maxfiles): Linux's dup2 says EBADF for a newfd out of range. */
	if ((unsigned)newfd < t->base || (unsigned)newfd >= (unsigned)fd_limit(s))
		return -EBADF;
	ni = (unsigned)newfd - t->base;
	rc = fd_grow(s, ni);
	if (rc < 0)
		return rc;
	fd_hold(s, &e, oldfd);
	if (t->fds[ni].kind != FD_FREE)
		fd_close(s, newfd); /* silently, as dup2 does */
	return fd_set_entry(t, ni, e.kind, e.obj);
}

int fd_limit(struct stack *s)
{
	return (int)(s->socks->base + (unsigned)KNOB(s, SOCK_MAX_FDS));
}

void fd_foreach(struct stack *s, void (*fn)(struct stack *s, int fd, enum fd_kind k, void *obj))
{
	struct sock_table *t = s->socks;

	for (unsigned i = 0; i < t->cap; i++)
		if (t->fds[i].kind != FD_FREE)
			fn(s, (int)(i + t->base), t->fds[i].kind, t->fds[i].obj);
}

/* ---- sockets ---- */

static struct socket *sock_new(struct stack *s, int family, int type, int protocol,
                               const struct proto_ops *ops)
{
	struct socket *so = calloc(1, sizeof(*so));

	if (!so)
		return NULL;
	so->stack = s;
	so->fd = -1;
	so->refs = 1;
	so->family = family;
	so->type = type;
	so->protocol = protocol;
	so->rcvlowat = 1;
	so->ops = ops;
	list_init(&so->watchers);
	return so;
}

int sock_create(struct stack *s, int domain, int type, int protocol)
{
	const struct proto_ops *ops;
	struct socket *so;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fd, rc;

	/* Linux's order: flags, family, type range, type, protocol. */
	if (base & ~0xf)
		return -EINVAL;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (base > SOCK_PACKET)
		return -EINVAL;
	if (base != SOCK_DGRAM && base != SOCK_STREAM)
		return -ESOCKTNOSUPPORT; /* SOCK_RAW, SOCK_SEQPACKET, ... */
	if (base == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (base == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	ops = s->socks->proto[base];
	if (!ops)
		return -EPROTONOSUPPORT;
	so = sock_new(s, domain, base, base == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP, ops);
	if (!so) {
		STAT_INC(s, sock, so_nomem);
		return -ENOMEM;
	}
	so->nonblock = (type & SOCK_NONBLOCK) != 0;
	/* The descriptor first: a full table costs no protocol work. */
	fd = fd_alloc(s, FD_SOCKET, so);
	if (fd < 0) {
		free(so);
		return fd;
	}
	fd_set_cloexec(s, fd, (type & SOCK_CLOEXEC) != 0);
	so->fd = fd;
	rc = ops->attach(s, so);
	if (rc < 0) {
		if (rc == -ENOMEM)
			STAT_INC(s, sock, so_nomem);
		fd_release(s, fd);
		free(so);
		return rc;
	}
	STAT_INC(s, sock, so_created);
	return fd;
}

int sock_accept(struct stack *s, struct socket *listener, struct socket **out, int flags)
{
	struct socket *nso;
	int fd, rc;

	if (!listener->ops->accept)
		return -EOPNOTSUPP;
	if (!(listener->state & SS_ISLISTENING))
		return -EINVAL;
	nso = sock_new(s, listener->family, listener->type, listener->protocol, listener->ops);
	if (!nso)
		return -ENOMEM;
	/* Options a connection inherits from its listener. */
	nso->rcvbuf = listener->rcvbuf;
	nso->sndbuf = listener->sndbuf;
	nso->keepalive = listener->keepalive;
	nso->linger_on = listener->linger_on;
	nso->linger = listener->linger;
	nso->rcvtimeo = listener->rcvtimeo;
	nso->sndtimeo = listener->sndtimeo;
	nso->rcvlowat = listener->rcvlowat;
	nso->nonblock = (flags & SOCK_NONBLOCK) != 0;
	fd = fd_alloc(s, FD_SOCKET, nso);
	if (fd < 0) {
		free(nso);
		return fd;
	}
	fd_set_cloexec(s, fd, (flags & SOCK_CLOEXEC) != 0);
	rc = listener->ops->accept(s, listener, nso);
	if (rc < 0) {
		fd_release(s, fd);
		free(nso);
		return rc;
	}
	nso->fd = fd;
	nso->state |= SS_ISCONNECTED | SS_ISBOUND;
	STAT_INC(s, sock, so_created);
	*out = nso;
	return fd;
}

int sock_close(struct stack *s, int fd)
{
	struct list_node *pos, *tmp;
	struct socket *so;
	int err = 0;

	so = fd_get(s, fd, FD_SOCKET, &err);
	if (!so)
		return err;
	if (so->refs > 1) {
		/* Another descriptor keeps the socket open: only the
		 * registrations keyed by this descriptor go (kqueue). */
		list_for_each_safe (pos, tmp, &so->watchers) {
			struct sock_watch *w = list_entry(pos, struct sock_watch, link);
			if (w->fd_bound && w->fd == fd) {
				list_del(&w->link);
				w->detach(w);
			}
		}
		so->refs--;
		fd_release(s, fd);
		return 0;
	}
	while (!list_empty(&so->watchers)) {
		struct sock_watch *w = list_first_entry(&so->watchers, struct sock_watch, link);
		list_del(&w->link);
		w->detach(w);
	}
	fd_release(s, fd);
	so->ops->detach(s, so);
	free(so);
	STAT_INC(s, sock, so_closed);
	return 0;
}

int sock_error(struct socket *so, bool clear)
{
	int e;

	if (so->ops->error)
		return so->ops->error(so, clear);
	e = so->so_error;
	if (clear)
		so->so_error = 0;
	return e;
}

unsigned fd_count(struct stack *s)
{
	return s->socks ? s->socks->used : 0;
}

/* ---- readiness ---- */

void sock_wakeup(struct socket *so, uint32_t events)
{
	struct list_node *pos, *tmp;

	list_for_each_safe (pos, tmp, &so->watchers) {
		struct sock_watch *w = list_entry(pos, struct sock_watch, link);
		w->notify(w, events);
	}
}

uint32_t sock_poll(struct socket *so)
{
	return so->ops->poll(so);
}

void sock_watch_add(struct socket *so, struct sock_watch *w)
{
	list_add_tail(&so->watchers, &w->link);
}

void sock_watch_del(struct sock_watch *w)
{
	list_del(&w->link);
}

/* ---- addresses ---- */

int sock_addr_from_user(const struct socket *so, const struct sockaddr *sa, socklen_t len,
                        struct sock_addr *out)
{
	memset(out, 0, sizeof(*out));
	if ((int)len < 0 || len > (socklen_t)sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (!sa && len > 0)
		return -EFAULT;
	if (so->family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		if (len < (socklen_t)sizeof(*sin))
			return -EINVAL;
		if (sin->sin_family != AF_INET)
			return -EAFNOSUPPORT;
		out->addr = ip_addr_v4(sin->sin_addr.s_addr);
		out->port = ntohs(sin->sin_port);
		return 0;
	}
	/* AF_INET6: RFC 2133's sockaddr_in6 (without sin6_scope_id) is the
	 * shortest Linux accepts. */
	if (len < (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
		return -EINVAL;
	{
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (sin6->sin6_family != AF_INET6)
			return -EAFNOSUPPORT; /* FIXME(ipv6): AF_INET on AF_INET6 sockets */
		out->addr.family = AF_INET6;
		memcpy(out->addr.v6, &sin6->sin6_addr, 16);
		out->port = ntohs(sin6->sin6_port);
	}
	return 0;
}

void sock_addr_to_user(const struct sock_addr *a, struct sockaddr *sa, socklen_t *len)
{
	union {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
	socklen_t full;

	memset(&u, 0, sizeof(u));
	if (a->addr.family == AF_INET6) {
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(a->port);
		memcpy(&u.sin6.sin6_addr, a->addr.v6, 16);
		full = sizeof(u.sin6);
	} else {
		u.sin.sin_family = AF_INET;
		u.sin.sin_port = htons(a->port);
		u.sin.sin_addr.s_addr = a->addr.family == AF_INET ? a->addr.v4 : 0;
		full = sizeof(u.sin);
	}
	if (sa && len)
		memcpy(sa, &u, *len < full ? *len : full);
	if (len)
		*len = full;
}

/* ---- options ---- */

int sock_opt_int(const void *val, socklen_t len, int *out)
{
	if (!val || len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int opt_timeval(const void *val, socklen_t len, struct timeval *out)
{
	struct timeval tv;

	if (!val || len < (socklen_t)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM; /* as Linux and FreeBSD */
	if (tv.tv_sec < 0)
		tv.tv_sec = tv.tv_usec = 0;
	*out = tv;
	return 0;
}

int sock_put_opt(void *val, socklen_t *len, const void *v, size_t size)
{
	size_t n = *len < size ? *len : size;

	if (n && !val)
		return -EFAULT;
	if (n)
		memcpy(val, v, n);
	*len = (socklen_t)n;
	return 0;
}

int sock_put_int(void *val, socklen_t *len, int v)
{
	return sock_put_opt(val, len, &v, sizeof(v));
}

/* The protocol learns of options it must act on. */
static int proto_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                        socklen_t len)
{
	return so->ops->setopt ? so->ops->setopt(s, so, level, name, val, len) : 0;
}

int sock_setopt(struct stack *s, struct socket *so, int level, int name, const void *val,
                socklen_t len)
{
	int v, rc;

	if (level != SOL_SOCKET) {
		if (!so->ops->setopt)
			return -ENOPROTOOPT;
		return so->ops->setopt(s, so, level, name, val, len);
	}
	switch (name) {
	case SO_LINGER: {
		struct linger l;
		if (!val || len < (socklen_t)sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		so->linger_on = l.l_onoff != 0;
		if (l.l_onoff)
			so->linger = l.l_linger;
		return proto_setopt(s, so, level, name, val, len);
	}
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		/* Kept for getsockopt; nothing ever waits (socket.h). */
		return opt_timeval(val, len, name == SO_RCVTIMEO ? &so->rcvtimeo : &so->sndtimeo);
	case SO_RCVBUF:
	case SO_SNDBUF:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_BROADCAST:
	case SO_RCVLOWAT:
		break;
	default:
		return -ENOPROTOOPT;
	}
	rc = sock_opt_int(val, len, &v);
	if (rc < 0)
		return rc;
	switch (name) {
	case SO_RCVBUF:
	case SO_SNDBUF:
		/* FreeBSD keeps the value asked for (Linux doubles it);
		 * beyond sb_max_adj ENOBUFS (sbreserve).  Below 1 a TCP
		 * socket says EINVAL (FreeBSD's sosetopt); other sockets
		 * raise it to a floor. */
		if (v < 1 && so->type == SOCK_STREAM)
			return -EINVAL;
		if (v > stack_sb_max_adj(s))
			return -ENOBUFS;
		if (v < 1024 && so->type != SOCK_STREAM)
			v = 1024;
		if (name == SO_RCVBUF)
			so->rcvbuf = (uint32_t)v;
		else
			so->sndbuf = (uint32_t)v;
		break;
	case SO_REUSEADDR:
		so->reuseaddr = v != 0;
		break;
	case SO_REUSEPORT:
		so->reuseport = v != 0;
		break;
	case SO_KEEPALIVE:
		so->keepalive = v != 0;
		break;
	case SO_BROADCAST:
		so->broadcast = v != 0;
		break;
	case SO_RCVLOWAT:
		so->rcvlowat = v < 1 ? 1 : v;
		break;
	}
	return proto_setopt(s, so, level, name, val, len);
}

int sock_getopt(struct stack *s, struct socket *so, int level, int name, void *val, socklen_t *len)
{
	if (!len)
		return -EFAULT;
	if (level != SOL_SOCKET) {
		if (!so->ops->getopt)
			return -ENOPROTOOPT;
		return so->ops->getopt(s, so, level, name, val, len);
	}
	switch (name) {
	case SO_TYPE:
		return sock_put_int(val, len, so->type);
	case SO_PROTOCOL:
		return sock_put_int(val, len, so->protocol);
	case SO_DOMAIN:
		return sock_put_int(val, len, so->family);
	case SO_ERROR:
		return sock_put_int(val, len, sock_error(so, true)); /* read, hence cleared */
	case SO_ACCEPTCONN:
		return sock_put_int(val, len, (so->state & SS_ISLISTENING) != 0);
	case SO_RCVBUF:
		return sock_put_int(val, len, (int)so->rcvbuf);
	case SO_SNDBUF:
		return sock_put_int(val, len, (int)so->sndbuf);
	case SO_REUSEADDR:
		return sock_put_int(val, len, so->reuseaddr);
	case SO_REUSEPORT:
		return sock_put_int(val, len, so->reuseport);
	case SO_KEEPALIVE:
		return sock_put_int(val, len, so->keepalive);
	case SO_BROADCAST:
		return sock_put_int(val, len, so->broadcast);
	case SO_RCVLOWAT:
		return sock_put_int(val, len, so->rcvlowat);
	case SO_SNDLOWAT:
		return sock_put_int(val, len, 1);
	case SO_RCVTIMEO:
		return sock_put_opt(val, len, &so->rcvtimeo, sizeof(so->rcvtimeo));
	case SO_SNDTIMEO:
		return sock_put_opt(val, len, &so->sndtimeo, sizeof(so->sndtimeo));
	case SO_LINGER: {
		struct linger l = { .l_onoff = so->linger_on, .l_linger = so->linger };

		return sock_put_opt(val, len, &l, sizeof(l));
	}
	default:
		return -ENOPROTOOPT;
	}
}

size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}
