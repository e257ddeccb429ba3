/* ff_compat.c: F-Stack's calls beyond sockets (include/ff_api.h, "F-Stack's
 * calls beyond sockets"), each doing what F-Stack's does where fastack has
 * the mechanism, and otherwise failing with the documented errno (README,
 * "F-Stack's API and configuration in fastack"):
 *   - ff_pthread_create/join: the new thread runs on its creator's stack;
 *   - ff_regist_packet_dispatcher(_context): every received frame is shown
 *     to it and its verdict honoured (src/stack/compat.c);
 *   - ff_dpdk_raw_packet_send: the frame goes out of the port as given;
 *   - ff_regist_pcblddr_fun: connect() asks it for the source address;
 *   - ff_{get,set}sockopt_freebsd, ff_ioctl_freebsd: FreeBSD's numbers
 *     translated to the Linux calls for the options fastack has;
 *   - ff_sysctl: FreeBSD's sysctl.name2oid ({0, 3}) gives fastack's OID of
 *     a knob name, which ff_sysctl then reads and writes (int, int64 or
 *     the value's name, as the knob is);
 *   - ff_rtioctl, ff_ngctl, the LD_PRELOAD thread contexts: refused.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rte_mbuf.h>

#include "ff_api.h"

#include "stack/compat.h"
#include "stack/knobs.h"
#include "stack/proc.h"
#include "stack/stack.h"

static int fail(int e)
{
	errno = e;
	return -1;
}

/* ---- threads ---- */

struct thread_start {
	struct stack *s;
	void *(*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_start t = *(struct thread_start *)p;

	free(p);
	stack_set_current(t.s);
	return t.fn(t.arg);
}

int ff_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start_routine)(void *),
                      void *arg)
{
	struct thread_start *t;
	int rc;

	if (!thread || !start_routine)
		return EINVAL; /* pthread_create's convention: the error, not errno */
	t = malloc(sizeof(*t));
	if (!t)
		return ENOMEM;
	t->s = stack_current();
	t->fn = start_routine;
	t->arg = arg;
	rc = pthread_create(thread, attr, thread_main, t);
	if (rc != 0)
		free(t);
	return rc;
}

int ff_pthread_join(pthread_t thread, void **retval)
{
	return pthread_join(thread, retval);
}

/* ---- packet dispatcher, raw send, source address ---- */

static void *ctx_fn;

static int with_ctx(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues,
                    uint8_t vlan_stripped, uint16_t vlan_tci)
{
	dispatch_func_context_t fn =
	    (dispatch_func_context_t)__atomic_load_n(&ctx_fn, __ATOMIC_ACQUIRE);
	struct ff_dispatcher_context c;

	memset(&c, 0, sizeof(c));
	c.vlan.stripped = vlan_stripped;
	c.vlan.vlan_tci = vlan_stripped ? vlan_tci : 0;
	return fn(data, len, queue_id, nb_queues, c);
}

void ff_regist_packet_dispatcher(dispatch_func_t func)
{
	struct stack_dispatcher d = { .plain = func };

	stack_dispatcher_set(&d);
}

void ff_regist_packet_dispatcher_context(dispatch_func_context_t func)
{
	struct stack_dispatcher d = { .with_ctx = func ? with_ctx : NULL };

	__atomic_store_n(&ctx_fn, (void *)func, __ATOMIC_RELEASE);
	stack_dispatcher_set(&d);
}

/* The stack's port that is DPDK port port_id: the configuration's port_list
 * order is the stack's port order; without a configuration (tests) the
 * stack's port index. */
static struct port *port_by_id(struct stack *s, uint16_t port_id)
{
	const struct config *cfg = proc_get()->cfg;

	if (!cfg)
		return port_id < s->nports ? s->ports[port_id] : NULL;
	for (unsigned i = 0; i < cfg->nb_ports && i < s->nports; i++)
		if (cfg->port_list[i] == port_id)
			return s->ports[i];
	return NULL;
}

int ff_dpdk_raw_packet_send(void *data, int total, uint16_t port_id)
{
	struct stack *s = stack_current();
	struct rte_mbuf *m;
	struct port *p;

	if (!s)
		return fail(EBADF);
	if (!(p = port_by_id(s, port_id)))
		return fail(ENODEV);
	if (!data || total < RTE_ETHER_HDR_LEN ||
	    total > rte_pktmbuf_data_room_size(s->pool) - RTE_PKTMBUF_HEADROOM)
		return fail(EINVAL);
	if (!(m = rte_pktmbuf_alloc(s->pool)))
		return fail(ENOBUFS);
	memcpy(rte_pktmbuf_append(m, (uint16_t)total), data, (size_t)total);
	p->stats->raw_sent++;
	port_tx(p, m);
	return 0;
}

void ff_regist_pcblddr_fun(pcblddr_func_t func)
{
	stack_pcbladdr_set((stack_pcbladdr_fn)func);
}

/* ---- FreeBSD-numbered option and ioctl calls ---- */

#define FBSD_SOL_SOCKET 0xffff

/* FreeBSD's (level, name) and Linux's, for the options fastack has. */
static const struct {
	int fl, fn, ll, ln;
} fbsd_opts[] = {
	{ FBSD_SOL_SOCKET, 0x0002, SOL_SOCKET, SO_ACCEPTCONN },
	{ FBSD_SOL_SOCKET, 0x0004, SOL_SOCKET, SO_REUSEADDR },
	{ FBSD_SOL_SOCKET, 0x0008, SOL_SOCKET, SO_KEEPALIVE },
	{ FBSD_SOL_SOCKET, 0x0020, SOL_SOCKET, SO_BROADCAST },
	{ FBSD_SOL_SOCKET, 0x0080, SOL_SOCKET, SO_LINGER },
	{ FBSD_SOL_SOCKET, 0x0200, SOL_SOCKET, SO_REUSEPORT },
	{ FBSD_SOL_SOCKET, 0x1001, SOL_SOCKET, SO_SNDBUF },
	{ FBSD_SOL_SOCKET, 0x1002, SOL_SOCKET, SO_RCVBUF },
	{ FBSD_SOL_SOCKET, 0x1003, SOL_SOCKET, SO_SNDLOWAT },
	{ FBSD_SOL_SOCKET, 0x1004, SOL_SOCKET, SO_RCVLOWAT },
	{ FBSD_SOL_SOCKET, 0x1005, SOL_SOCKET, SO_SNDTIMEO },
	{ FBSD_SOL_SOCKET, 0x1006, SOL_SOCKET, SO_RCVTIMEO },
	{ FBSD_SOL_SOCKET, 0x1007, SOL_SOCKET, SO_ERROR },
	{ FBSD_SOL_SOCKET, 0x1008, SOL_SOCKET, SO_TYPE },
	{ IPPROTO_TCP, 1, IPPROTO_TCP, TCP_NODELAY },
	{ IPPROTO_TCP, 2, IPPROTO_TCP, TCP_MAXSEG },
	{ IPPROTO_TCP, 64, IPPROTO_TCP, TCP_CONGESTION },
	{ IPPROTO_TCP, 256, IPPROTO_TCP, TCP_KEEPIDLE },
	{ IPPROTO_TCP, 512, IPPROTO_TCP, TCP_KEEPINTVL },
	{ IPPROTO_TCP, 1024, IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_IP, 3, IPPROTO_IP, IP_TOS },
	{ IPPROTO_IP, 4, IPPROTO_IP, IP_TTL },
};

static int fbsd_opt(int level, int name, int *ll, int *ln)
{
	for (size_t i = 0; i < sizeof(fbsd_opts) / sizeof(fbsd_opts[0]); i++)
		if (fbsd_opts[i].fl == level && fbsd_opts[i].fn == name) {
			*ll = fbsd_opts[i].ll;
			*ln = fbsd_opts[i].ln;
			return 0;
		}
	return -1;
}

int ff_setsockopt_freebsd(int s, int level, int optname, const void *optval, socklen_t optlen)
{
	int ll, ln;

	if (fbsd_opt(level, optname, &ll, &ln) < 0)
		return fail(ENOPROTOOPT);
	return ff_setsockopt(s, ll, ln, optval, optlen);
}

int ff_getsockopt_freebsd(int s, int level, int optname, void *optval, socklen_t *optlen)
{
	int ll, ln;

	if (fbsd_opt(level, optname, &ll, &ln) < 0)
		return fail(ENOPROTOOPT);
	return ff_getsockopt(s, ll, ln, optval, optlen);
}

/* FreeBSD's _IOW('f', 126, int) and _IOR('f', 127, int). */
#define FBSD_FIONBIO 0x8004667eUL
#define FBSD_FIONREAD 0x4004667fUL

int ff_ioctl_freebsd(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == FBSD_FIONBIO)
		return ff_ioctl(fd, FIONBIO, arg);
	if (request == FBSD_FIONREAD)
		return ff_ioctl(fd, FIONREAD, arg);
	return fail(ENOTTY);
}

int ff_rtioctl(int fib, void *data, unsigned *plen, unsigned maxlen)
{
	(void)fib;
	(void)data;
	(void)plen;
	(void)maxlen;
	/* FreeBSD routing-socket messages: fastack has no routing socket;
	 * routes are changed with ff_route_ctl. */
	return fail(EOPNOTSUPP);
}

int ff_ngctl(int cmd, void *data)
{
	(void)cmd;
	(void)data;
	return fail(EOPNOTSUPP); /* netgraph is FreeBSD's; fastack has none */
}

/* ---- LD_PRELOAD thread contexts ---- */

void *ff_adapt_user_thread_add(void *parent)
{
	(void)parent;
	errno = ENOTSUP; /* no per-thread FreeBSD context exists to make */
	return NULL;
}

void ff_adapt_user_thread_exit(void *td)
{
	if (td)
		errno = EINVAL; /* never made by ff_adapt_user_thread_add */
}

void *ff_switch_curthread(void *new_curthread)
{
	(void)new_curthread;
	errno = ENOTSUP;
	return NULL;
}

void ff_restore_curthread(void *old_curthread)
{
	if (old_curthread)
		errno = EINVAL;
}

/* ---- ff_sysctl: knobs by FreeBSD's name-to-OID protocol ---- */

/* fastack's OIDs: {FF_SYSCTL_OID_BASE, knob index}.  FreeBSD's top level
 * numbers stop at CTL_P1003_1B (9) plus a few; this one is clear of them. */
#define FF_SYSCTL_OID_BASE 0x7f5a

static int sysctl_name2oid(void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
	char name[128];
	int id, *out = oldp;

	if (!newp || newlen == 0 || newlen >= sizeof(name) || !oldlenp)
		return fail(EINVAL);
	memcpy(name, newp, newlen);
	name[newlen] = '\0';
	if ((id = knob_find(name)) < 0)
		return fail(ENOENT);
	if (!oldp || *oldlenp < 2 * sizeof(int)) {
		*oldlenp = 2 * sizeof(int);
		return oldp ? fail(ENOMEM) : 0;
	}
	out[0] = FF_SYSCTL_OID_BASE;
	out[1] = id;
	*oldlenp = 2 * sizeof(int);
	return 0;
}

static int sysctl_knob(int id, void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
	const struct knob_desc *k = &knob_table[id];
	int64_t v, nv;
	size_t size;
	const char *vname;

	if (ff_sysctl_knob(k->name, &v, NULL) < 0)
		return -1;
	vname = knob_value_name((enum knob_id)id, v);
	size = vname ? strlen(vname) + 1 : (k->max > INT_MAX || k->min < INT_MIN) ? 8 : 4;
	if (oldlenp) {
		if (oldp) {
			if (*oldlenp < size)
				return fail(ENOMEM);
			if (vname)
				memcpy(oldp, vname, size);
			else if (*oldlenp >= 8 && size == 8)
				memcpy(oldp, &v, 8);
			else {
				int iv = (int)v;

				memcpy(oldp, &iv, 4);
				size = 4;
			}
		}
		*oldlenp = size;
	}
	if (!newp)
		return 0;
	if (vname) {
		char buf[64];

		if (newlen == 0 || newlen >= sizeof(buf))
			return fail(EINVAL);
		memcpy(buf, newp, newlen);
		buf[newlen] = '\0';
		if (knob_parse((enum knob_id)id, buf, &nv) < 0)
			return fail(EINVAL);
	} else if (newlen == 4) {
		int iv;

		memcpy(&iv, newp, 4);
		nv = iv;
	} else if (newlen == 8) {
		memcpy(&nv, newp, 8);
	} else {
		return fail(EINVAL);
	}
	return ff_sysctl_knob(k->name, NULL, &nv) < 0 && errno == ERANGE ? fail(EINVAL) : 0;
}

int ff_sysctl(const int *name, unsigned int namelen, void *oldp, size_t *oldlenp, const void *newp,
              size_t newlen)
{
	if (!stack_current())
		return fail(ENXIO);
	if (!name || namelen < 2)
		return fail(EINVAL);
	if (namelen == 2 && name[0] == 0 && name[1] == 3)
		return sysctl_name2oid(oldp, oldlenp, newp, newlen);
	if (namelen == 2 && name[0] == FF_SYSCTL_OID_BASE && name[1] >= 0 && name[1] < KNOB_COUNT)
		return sysctl_knob(name[1], oldp, oldlenp, newp, newlen);
	/* FreeBSD's own numbers (CTL_NET ...) and its other sysctl.* nodes:
	 * ask by name ({0, 3}) first. */
	return fail(ENOENT);
}
