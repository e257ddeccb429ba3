/* libfastack_packetdrill.c: fastack behind packetdrill's shared-object
 * interface (packetdrill --so_filename=libfastack_packetdrill.so).
 *
 * packetdrill loads this object, calls packetdrill_interface_init(flags,
 * &ifc) once, and from then on drives one fastack stack through the function
 * table: socket calls, netdev_send (a bare IP packet from the scripted peer)
 * and netdev_receive (the next IP packet the stack sent), usleep and
 * gettimeofday (the table: packetdrill_interface.h; test_adapter.c drives it
 * the same way in meson test).  README.md in this directory lists the
 * --so_flags.
 *
 * Design
 *
 * Time.  The stack runs on a virtual clock (DESIGN.md principle 4), which
 * packetdrill reads through gettimeofday and moves through usleep:
 *   - usleep(us) advances the clock by us at once, running the stack at
 *     every timer deadline on the way, so a 60 s TIME_WAIT takes no real time
 *     and every segment leaves at the exact instant its timer fired;
 *   - gettimeofday() advances it by 1 us per call (packetdrill spins on it
 *     for the last few microseconds before an event);
 *   - netdev_receive(), when nothing has been sent yet, advances it from
 *     timer deadline to timer deadline until the stack sends something, or
 *     gives up after rx_timeout virtual seconds (packetdrill itself never
 *     times this call out in this mode).
 * Timing is therefore deterministic: the same script gives the same times
 * on every run, whatever the machine's load.
 *
 * Threads.  packetdrill makes calls marked blocking in a script ("...") on
 * a second thread and waits until that thread really sleeps.  Every entry
 * point takes pd->lock, so calls are serialised.  fastack sockets never
 * block, so blocking is emulated here for sockets without O_NONBLOCK: the
 * call is tried; on EAGAIN the thread sleeps on a condition variable (a
 * real sleep, as packetdrill checks in /proc) until the stack has made
 * progress (a frame in, a timer fired, another call ran) or its deadline
 * (poll/epoll_wait timeout) passed, and then tries again.  Whoever made
 * the progress "kicks" the sleepers and waits until each has retried and
 * either finished or gone back to sleep, so a woken call completes at the
 * virtual instant it became possible, before the clock moves on; the time
 * packetdrill reads right after such a call returns is that instant.
 * A call that would block on packetdrill's main thread (a script that does
 * not mark it with "...") cannot be woken by anyone: it moves the clock
 * itself, like a real sleep would, and fails after block_limit.
 *
 * Descriptors.  packetdrill closes the live descriptors of sockets a script
 * leaves open with the real close(2) at the end of a run.  So each fastack
 * descriptor is shadowed by a real descriptor (/dev/null) whose number is
 * the one packetdrill sees; calls translate it.  Descriptors that are not
 * ours (pipes) go to the real system calls.
 *
 * Link.  One port carries Ethernet frames between the stack and this file:
 * netdev_send prepends an Ethernet header, what the stack transmits is
 * stripped of its header and queued for netdev_receive; ARP requests are
 * answered at once and the gateway and peer are static ARP entries, so the
 * stack never waits for resolution.
 *
 * Values are Linux ABI values throughout (the ff_* API takes them as is).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "ff_api.h"

#include "base/pkt.h"
#include "base/timer.h"
#include "eth/arp.h"
#include "port/port.h"
#include "socket/socket.h"
#include "stack/knobs.h"
#include "stack/stack.h"

#include "packetdrill_interface.h"

__attribute__((visibility("default"))) void
packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc);

/* ---- state ---- */

#define PD_MAX_FD 4096                  /* real descriptor numbers we can shadow */
#define PD_POOL_SIZE 16383              /* mbufs */
#define PD_T0 (1000ull * 1000000000ull) /* virtual clock starts at 1000 s */
#define PD_NS_PER_US 1000ull
#define PD_NS_PER_MS 1000000ull
#define PD_NS_PER_S 1000000000ull
#define PD_NEVER UINT64_MAX

/* A packet the stack sent, waiting for netdev_receive. */
struct pd_out {
	struct pd_out *next;
	uint64_t time; /* ns, virtual */
	uint32_t len;  /* bytes of IP packet */
	uint8_t data[];
};

/* A thread sleeping in an emulated blocking call. */
struct pd_waiter {
	struct pd_waiter *next;
	uint64_t deadline; /* ns; PD_NEVER for none */
	bool kicked;       /* told to retry */
	bool owed;         /* the kicker waits for it to settle */
};

struct pd {
	pthread_mutex_t lock;
	pthread_cond_t wake;   /* sleepers wait here for a kick */
	pthread_cond_t settle; /* kickers wait here for sleepers to settle */
	struct pd_waiter *waiters;
	unsigned owed;         /* kicked sleepers not yet settled */
	pthread_t main_thread; /* packetdrill's main thread (it called init) */

	uint64_t now;        /* virtual clock, ns */
	uint64_t next_timer; /* the wheel's earliest deadline, after the last pass */

	struct rte_mempool *pool;
	struct stack *s;
	struct port *port;
	struct pktq rxq; /* frames for the stack's next RX burst */
	struct pd_out *out_head, **out_tail;

	/* --so_flags */
	uint32_t local_ip, netmask, gateway, remote_ip; /* network order */
	uint16_t mtu;
	uint64_t rx_timeout;  /* ns */
	uint64_t block_limit; /* ns */
	bool trace;
	bool leak_check;
	int64_t knobs[KNOB_COUNT];

	struct rte_ether_addr mac, peer_mac;
	int fdmap[PD_MAX_FD]; /* real fd -> fastack fd, -1 if not ours */
	char eal_prefix[64];
	bool eal_up;

	/* The sysctl channel (pd_sysctl_*): a directory holding the `sysctl`
	 * command the scripts' shell commands find first in PATH and the two
	 * FIFOs it talks through; a thread serves it. */
	char ctl_dir[64];
	pthread_t ctl_thread;
	bool ctl_up;
	bool ctl_stop; /* read and written with __atomic builtins */
};

/* The running instance, for the exit handler (one per process). */
static struct pd *pd_instance;

/* Per thread: a kick this thread must still acknowledge, and the time at
 * which its last emulated blocking call finished (packetdrill reads the
 * clock right after such a call returns; another thread may have moved the
 * clock on in between). */
static __thread bool tl_owed;
static __thread bool tl_slept;
static __thread bool tl_ret_valid;
static __thread uint64_t tl_ret_time;

static void pd_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void pd_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "libfastack_packetdrill: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ---- tracing (so_flags trace=1) ---- */

static void pd_trace(const struct pd *pd, const char *dir, const uint8_t *ip, uint32_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], fl[8];
	unsigned hl, n = 0;

	if (!pd->trace)
		return;
	if (len < 20 || (ip[0] >> 4) != 4) {
		fprintf(stderr, "%.6f %s non-IPv4 packet, %u bytes\n",
		        (double)(pd->now - PD_T0) / 1e9, dir, len);
		return;
	}
	hl = (ip[0] & 0xfu) * 4u;
	inet_ntop(AF_INET, ip + 12, a, sizeof(a));
	inet_ntop(AF_INET, ip + 16, b, sizeof(b));
	if (ip[9] == IPPROTO_TCP && len >= hl + 20) {
		const uint8_t *th = ip + hl;
		unsigned thl = (th[12] >> 4) * 4u;
		if (th[13] & 0x02)
			fl[n++] = 'S';
		if (th[13] & 0x01)
			fl[n++] = 'F';
		if (th[13] & 0x04)
			fl[n++] = 'R';
		if (th[13] & 0x08)
			fl[n++] = 'P';
		if (th[13] & 0x10)
			fl[n++] = '.';
		fl[n] = 0;
		fprintf(stderr, "%.6f %s %s:%u > %s:%u [%s] seq %u ack %u win %u len %d\n",
		        (double)(pd->now - PD_T0) / 1e9, dir, a, (th[0] << 8) | th[1], b,
		        (th[2] << 8) | th[3], fl,
		        (unsigned)((th[4] << 24) | (th[5] << 16) | (th[6] << 8) | th[7]),
		        (unsigned)((th[8] << 24) | (th[9] << 16) | (th[10] << 8) | th[11]),
		        (th[14] << 8) | th[15], (int)len - (int)hl - (int)thl);
		return;
	}
	fprintf(stderr, "%.6f %s %s > %s proto %u len %u\n", (double)(pd->now - PD_T0) / 1e9, dir,
	        a, b, ip[9], len);
}

/* ---- the port: Ethernet frames to and from packetdrill ---- */

static uint16_t pd_port_rx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct pd *pd = p->priv;
	uint16_t i = 0;

	while (i < n && pd->rxq.head)
		pkts[i++] = pktq_pop(&pd->rxq);
	return i;
}

/* Answers an ARP request for any address but ours with the peer's MAC. */
static void pd_arp_answer(struct pd *pd, const struct rte_arp_hdr *req)
{
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	struct rte_mbuf *m;

	if (rte_be_to_cpu_16(req->arp_opcode) != RTE_ARP_OP_REQUEST ||
	    req->arp_data.arp_tip == pd->local_ip)
		return;
	m = rte_pktmbuf_alloc(pd->pool);
	if (!m)
		return;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	if (!eh) {
		rte_pktmbuf_free(m);
		return;
	}
	ah = (struct rte_arp_hdr *)(eh + 1);
	eh->dst_addr = pd->mac;
	eh->src_addr = pd->peer_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	*ah = *req;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_sha = pd->peer_mac;
	ah->arp_data.arp_sip = req->arp_data.arp_tip;
	ah->arp_data.arp_tha = req->arp_data.arp_sha;
	ah->arp_data.arp_tip = req->arp_data.arp_sip;
	pktq_push(&pd->rxq, m);
}

static uint16_t pd_port_tx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct pd *pd = p->priv;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr ehb;
		const struct rte_ether_hdr *eh = rte_pktmbuf_read(m, 0, sizeof(ehb), &ehb);
		uint16_t type = eh ? rte_be_to_cpu_16(eh->ether_type) : 0;

		if (type == RTE_ETHER_TYPE_ARP) {
			struct rte_arp_hdr ahb;
			const struct rte_arp_hdr *ah =
			    rte_pktmbuf_read(m, sizeof(ehb), sizeof(ahb), &ahb);
			if (ah)
				pd_arp_answer(pd, ah);
		} else if (type == RTE_ETHER_TYPE_IPV4 || type == RTE_ETHER_TYPE_IPV6) {
			uint32_t len = m->pkt_len - (uint32_t)sizeof(ehb);
			struct pd_out *o = malloc(sizeof(*o) + len);
			if (o) {
				const void *src = rte_pktmbuf_read(m, sizeof(ehb), len, o->data);
				if (src != o->data)
					memcpy(o->data, src, len);
				o->next = NULL;
				o->time = pd->now;
				o->len = len;
				*pd->out_tail = o;
				pd->out_tail = &o->next;
				pd_trace(pd, ">", o->data, len);
			}
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static void pd_port_close(struct port *p)
{
	struct pd *pd = p->priv;

	pktq_free(&pd->rxq);
	free(p);
}

static const struct port_ops pd_port_ops = {
	.rx_burst = pd_port_rx,
	.tx_burst = pd_port_tx,
	.close = pd_port_close,
};

/* ---- clock, passes and kicks ---- */

/* Runs the stack once at pd->now (RX, timers, TX), again while ARP answers
 * wait in the RX queue, and remembers the next timer deadline. */
static void pd_pass(struct pd *pd)
{
	for (int i = 0; i < 4; i++) {
		stack_pass_begin(pd->s, pd->now);
		stack_pass_end(pd->s);
		if (!pd->rxq.head)
			break;
	}
	pd->next_timer = timer_wheel_next_deadline(pd->s->wheel);
	/* A deadline the pass did not clear is run again one tick later
	 * rather than at the same instant forever. */
	if (pd->next_timer <= pd->now)
		pd->next_timer = pd->now + STACK_TICK_NS;
}

static uint64_t pd_waiter_deadline(const struct pd *pd)
{
	uint64_t d = PD_NEVER;

	for (const struct pd_waiter *w = pd->waiters; w; w = w->next)
		d = min_u64(d, w->deadline);
	return d;
}

/* Tells every sleeping call to retry, and waits until each has finished or
 * gone back to sleep, so that it acts at this virtual instant. */
static void pd_kick(struct pd *pd)
{
	bool any = false;

	for (struct pd_waiter *w = pd->waiters; w; w = w->next) {
		if (!w->kicked) {
			w->kicked = true;
			w->owed = true;
			pd->owed++;
			any = true;
		}
	}
	if (!any)
		return;
	pthread_cond_broadcast(&pd->wake);
	while (pd->owed)
		pthread_cond_wait(&pd->settle, &pd->lock);
}

/* This thread acknowledges the kick it got (it finished its call or goes
 * back to sleep). */
static void pd_settle_self(struct pd *pd)
{
	if (!tl_owed)
		return;
	tl_owed = false;
	pd->owed--;
	pthread_cond_broadcast(&pd->settle);
}

/* Moves the clock to target, running the stack at every timer deadline and
 * waking sleepers at theirs on the way. */
static void pd_advance(struct pd *pd, uint64_t target)
{
	for (;;) {
		uint64_t wd = pd_waiter_deadline(pd);
		uint64_t t = min_u64(target, min_u64(pd->next_timer, wd));
		bool progress = false;

		if (t > pd->now)
			pd->now = t;
		if (pd->next_timer <= pd->now) {
			pd_pass(pd);
			progress = true;
		}
		if (progress || wd <= pd->now)
			pd_kick(pd);
		if (pd->now >= target && pd->next_timer > pd->now &&
		    pd_waiter_deadline(pd) > pd->now)
			return;
	}
}

/* Every socket call runs inside one pass at the current instant: what is
 * due runs first, what the call sends leaves at the end, and sleepers get
 * to retry. */
static void pd_op_begin(struct pd *pd)
{
	stack_pass_begin(pd->s, pd->now);
}

static void pd_op_end(struct pd *pd)
{
	stack_pass_end(pd->s);
	if (pd->rxq.head)
		pd_pass(pd);
	pd->next_timer = timer_wheel_next_deadline(pd->s->wheel);
	if (pd->next_timer <= pd->now)
		pd->next_timer = pd->now + STACK_TICK_NS;
	pd_kick(pd);
}

/* Sleeps until kicked (the stack made progress, or deadline passed). */
static void pd_sleep(struct pd *pd, uint64_t deadline)
{
	struct pd_waiter w = { .deadline = deadline };

	pd_settle_self(pd);
	w.next = pd->waiters;
	pd->waiters = &w;
	while (!w.kicked)
		pthread_cond_wait(&pd->wake, &pd->lock);
	for (struct pd_waiter **pp = &pd->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	}
	tl_owed = w.owed;
	tl_slept = true;
}

/* One wait of an emulated blocking call.  0 to try again, -ETIMEDOUT when
 * deadline has passed, -EDEADLK when nothing can ever wake the call. */
static int pd_wait(struct pd *pd, uint64_t deadline, uint64_t started)
{
	if (pd->now >= deadline)
		return -ETIMEDOUT;
	if (!pthread_equal(pthread_self(), pd->main_thread)) {
		pd_sleep(pd, deadline);
		return 0;
	}
	/* On packetdrill's main thread nobody else will move the clock: do it
	 * here, as a real sleep lets time pass. */
	if (min_u64(pd->next_timer, deadline) == PD_NEVER || pd->now - started > pd->block_limit) {
		fprintf(stderr,
		        "libfastack_packetdrill: a blocking call on packetdrill's main thread "
		        "cannot complete (mark it with \"...\" in the script)\n");
		return -EDEADLK;
	}
	pd_advance(pd, min_u64(pd->next_timer, deadline));
	return 0;
}

/* ---- entry and exit of every call ---- */

#define PD_ENTER(pd)                           \
	struct pd *pd = (struct pd *)userdata; \
	pthread_mutex_lock(&pd->lock);         \
	stack_set_current(pd->s);              \
	tl_slept = false

/* Leaves with rc, keeping err as errno when rc < 0. */
static long pd_leave(struct pd *pd, long rc, int err)
{
	pd_settle_self(pd);
	if (tl_slept) {
		tl_ret_valid = true;
		tl_ret_time = pd->now;
	}
	pthread_mutex_unlock(&pd->lock);
	if (rc < 0)
		errno = err;
	return rc;
}

/* ---- descriptors ---- */

/* The fastack descriptor behind real descriptor fd, or -1. */
static int pd_fa(const struct pd *pd, int fd)
{
	if (fd < 0 || fd >= PD_MAX_FD)
		return -1;
	return pd->fdmap[fd];
}

/* Shadows fastack descriptor fa with a real one; closes fa on failure. */
static int pd_fd_new(struct pd *pd, int fa)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= PD_MAX_FD) {
		close(fd);
		fd = -1;
		errno = EMFILE;
	}
	if (fd < 0) {
		int e = errno;
		ff_close(fa);
		errno = e;
		return -1;
	}
	pd->fdmap[fd] = fa;
	return fd;
}

/* Is a call on fastack socket fa with flags to wait rather than fail with
 * EAGAIN? */
static bool pd_blocking(struct pd *pd, int fa, int flags)
{
	int err = 0;
	struct socket *so;

	if (flags & MSG_DONTWAIT)
		return false;
	so = fd_get(pd->s, fa, FD_SOCKET, &err);
	return so && !so->nonblock;
}

/* ---- socket calls ---- */

static int pd_socket(void *userdata, int domain, int type, int protocol)
{
	int fa, fd = -1, err = 0;

	PD_ENTER(pd);
	pd_op_begin(pd);
	fa = ff_socket(domain, type, protocol);
	err = errno;
	if (fa >= 0) {
		fd = pd_fd_new(pd, fa);
		err = errno;
	}
	pd_op_end(pd);
	return (int)pd_leave(pd, fd, err);
}

static int pd_bind(void *userdata, int fd, const struct sockaddr *addr, socklen_t len)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_bind(pd_fa(pd, fd), (const struct linux_sockaddr *)addr, len);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_listen(void *userdata, int fd, int backlog)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_listen(pd_fa(pd, fd), backlog);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_accept(void *userdata, int fd, struct sockaddr *addr, socklen_t *len)
{
	uint64_t started;
	int fa, rc, err;

	PD_ENTER(pd);
	started = pd->now;
	fa = pd_fa(pd, fd);
	for (;;) {
		pd_op_begin(pd);
		rc = ff_accept(fa, (struct linux_sockaddr *)addr, len);
		err = errno;
		if (rc >= 0) {
			rc = pd_fd_new(pd, rc);
			err = errno;
		}
		pd_op_end(pd);
		if (rc >= 0 || err != EAGAIN || !pd_blocking(pd, fa, 0))
			break;
		if (pd_wait(pd, PD_NEVER, started) < 0)
			break;
	}
	return (int)pd_leave(pd, rc, err);
}

static int pd_connect(void *userdata, int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t started;
	int fa, rc, err;

	PD_ENTER(pd);
	started = pd->now;
	fa = pd_fa(pd, fd);
	pd_op_begin(pd);
	rc = ff_connect(fa, (const struct linux_sockaddr *)addr, len);
	err = errno;
	pd_op_end(pd);
	if (rc < 0 && err == EINPROGRESS && pd_blocking(pd, fa, 0)) {
		/* A blocking connect returns when the handshake ends, with
		 * what a second connect() then says (0, or the error), which
		 * also leaves the socket connected as Linux's does. */
		for (;;) {
			struct pollfd p = { .fd = fa, .events = POLLOUT };

			pd_op_begin(pd);
			if (ff_poll(&p, 1, 0) > 0) {
				rc = ff_connect(fa, (const struct linux_sockaddr *)addr, len);
				err = errno;
			}
			pd_op_end(pd);
			if (p.revents)
				break;
			if (pd_wait(pd, PD_NEVER, started) < 0)
				break;
		}
	}
	return (int)pd_leave(pd, rc, err);
}

/* Receives through ff_recvmsg, waiting while a blocking socket has
 * nothing. */
static ssize_t pd_recv_common(struct pd *pd, int fd, struct msghdr *msg, int flags)
{
	uint64_t started = pd->now;
	int fa = pd_fa(pd, fd), err;
	ssize_t n;

	if (fa < 0) {
		/* Not ours (a pipe): the real call. */
		n = readv(fd, msg->msg_iov, (int)msg->msg_iovlen);
		return pd_leave(pd, n, errno);
	}
	for (;;) {
		pd_op_begin(pd);
		n = ff_recvmsg(fa, msg, flags);
		err = errno;
		pd_op_end(pd);
		if (n >= 0 || err != EAGAIN || !pd_blocking(pd, fa, flags))
			break;
		if (pd_wait(pd, PD_NEVER, started) < 0)
			break;
	}
	return pd_leave(pd, n, err);
}

static ssize_t pd_read(void *userdata, int fd, void *buf, size_t count)
{
	struct iovec iov = { buf, count };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	PD_ENTER(pd);
	return pd_recv_common(pd, fd, &msg, 0);
}

static ssize_t pd_readv(void *userdata, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };

	PD_ENTER(pd);
	return pd_recv_common(pd, fd, &msg, 0);
}

static ssize_t pd_recv(void *userdata, int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	PD_ENTER(pd);
	return pd_recv_common(pd, fd, &msg, flags);
}

static ssize_t pd_recvfrom(void *userdata, int fd, void *buf, size_t len, int flags,
                           struct sockaddr *src, socklen_t *srclen)
{
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_name = src,
		              .msg_namelen = srclen ? *srclen : 0,
		              .msg_iov = &iov,
		              .msg_iovlen = 1 };
	ssize_t n;

	PD_ENTER(pd);
	if (!src)
		msg.msg_name = NULL;
	n = pd_recv_common(pd, fd, &msg, flags);
	if (n >= 0 && srclen)
		*srclen = msg.msg_namelen;
	return n;
}

static ssize_t pd_recvmsg(void *userdata, int fd, struct msghdr *msg, int flags)
{
	PD_ENTER(pd);
	return pd_recv_common(pd, fd, msg, flags);
}

/* Sends through ff_sendmsg.  A blocking socket takes everything before the
 * call returns (Linux): what does not fit waits for send space. */
static ssize_t pd_send_common(struct pd *pd, int fd, const struct msghdr *msg, int flags)
{
	uint64_t started = pd->now;
	int fa = pd_fa(pd, fd), err = 0, cnt = (int)msg->msg_iovlen;
	struct iovec *iov;
	struct msghdr m = *msg;
	ssize_t total = 0, n;

	if (fa < 0) {
		n = writev(fd, msg->msg_iov, cnt);
		return pd_leave(pd, n, errno);
	}
	iov = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(*iov));
	if (!iov)
		return pd_leave(pd, -1, ENOMEM);
	if (cnt > 0)
		memcpy(iov, msg->msg_iov, (size_t)cnt * sizeof(*iov));
	m.msg_iov = iov;
	for (;;) {
		pd_op_begin(pd);
		n = ff_sendmsg(fa, &m, flags);
		err = errno;
		pd_op_end(pd);
		if (n > 0) {
			size_t left = (size_t)n;
			total += n;
			/* Step over what was taken. */
			while (m.msg_iovlen && left >= m.msg_iov->iov_len) {
				left -= m.msg_iov->iov_len;
				m.msg_iov++;
				m.msg_iovlen--;
			}
			if (m.msg_iovlen) {
				m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + left;
				m.msg_iov->iov_len -= left;
			}
			while (m.msg_iovlen && m.msg_iov->iov_len == 0) {
				m.msg_iov++;
				m.msg_iovlen--;
			}
			if (!m.msg_iovlen || !pd_blocking(pd, fa, flags))
				break;
			continue;
		}
		if (n == 0 || err != EAGAIN || !pd_blocking(pd, fa, flags))
			break;
		if (pd_wait(pd, PD_NEVER, started) < 0)
			break;
	}
	free(iov);
	if (total > 0)
		return pd_leave(pd, total, 0);
	return pd_leave(pd, n, err);
}

static ssize_t pd_write(void *userdata, int fd, const void *buf, size_t count)
{
	struct iovec iov = { (void *)buf, count };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	PD_ENTER(pd);
	return pd_send_common(pd, fd, &msg, 0);
}

static ssize_t pd_writev(void *userdata, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };

	PD_ENTER(pd);
	return pd_send_common(pd, fd, &msg, 0);
}

static ssize_t pd_send(void *userdata, int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	PD_ENTER(pd);
	return pd_send_common(pd, fd, &msg, flags);
}

static ssize_t pd_sendto(void *userdata, int fd, const void *buf, size_t len, int flags,
                         const struct sockaddr *dst, socklen_t dstlen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_name = (void *)dst,
		              .msg_namelen = dst ? dstlen : 0,
		              .msg_iov = &iov,
		              .msg_iovlen = 1 };

	PD_ENTER(pd);
	return pd_send_common(pd, fd, &msg, flags);
}

static ssize_t pd_sendmsg(void *userdata, int fd, const struct msghdr *msg, int flags)
{
	PD_ENTER(pd);
	return pd_send_common(pd, fd, msg, flags);
}

static int pd_fcntl(void *userdata, int fd, int cmd, ...)
{
	int arg = 0, rc, fa;
	va_list ap;

	/* Only the commands that take an argument read one: a two-argument
	 * call passes none. */
	if (cmd == F_SETFL || cmd == F_SETFD) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	PD_ENTER(pd);
	fa = pd_fa(pd, fd);
	if (fa < 0) {
		rc = (cmd == F_SETFL || cmd == F_SETFD) ? fcntl(fd, cmd, arg) : fcntl(fd, cmd);
		return (int)pd_leave(pd, rc, errno);
	}
	pd_op_begin(pd);
	if (cmd == F_SETFL || cmd == F_SETFD)
		rc = ff_fcntl(fa, cmd, (long)arg);
	else
		rc = ff_fcntl(fa, cmd);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_ioctl(void *userdata, int fd, unsigned long request, ...)
{
	void *argp;
	va_list ap;
	int rc;

	va_start(ap, request);
	argp = va_arg(ap, void *);
	va_end(ap);
	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_ioctl(pd_fa(pd, fd), request, argp);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_close(void *userdata, int fd)
{
	int fa, rc;

	PD_ENTER(pd);
	fa = pd_fa(pd, fd);
	if (fa < 0) {
		rc = close(fd);
		return (int)pd_leave(pd, rc, errno);
	}
	pd_op_begin(pd);
	rc = ff_close(fa);
	int err = errno;
	pd->fdmap[fd] = -1;
	close(fd);
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_shutdown(void *userdata, int fd, int how)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_shutdown(pd_fa(pd, fd), how);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_getsockopt(void *userdata, int fd, int level, int name, void *val, socklen_t *len)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_getsockopt(pd_fa(pd, fd), level, name, val, len);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_setsockopt(void *userdata, int fd, int level, int name, const void *val,
                         socklen_t len)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_setsockopt(pd_fa(pd, fd), level, name, val, len);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

/* The deadline of a poll-style timeout in ms (< 0: none). */
static uint64_t pd_deadline_ms(const struct pd *pd, int timeout)
{
	return timeout < 0 ? PD_NEVER : pd->now + (uint64_t)timeout * PD_NS_PER_MS;
}

static int pd_poll(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct pollfd *fa;
	uint64_t started, deadline;
	int rc, err = 0;

	PD_ENTER(pd);
	started = pd->now;
	deadline = pd_deadline_ms(pd, timeout);
	fa = calloc(nfds ? nfds : 1, sizeof(*fa));
	if (!fa)
		return (int)pd_leave(pd, -1, ENOMEM);
	for (nfds_t i = 0; i < nfds; i++) {
		fa[i] = fds[i];
		/* A descriptor that is not ours reads as invalid (POLLNVAL). */
		fa[i].fd = fds[i].fd < 0
		               ? -1
		               : (pd_fa(pd, fds[i].fd) < 0 ? INT32_MAX : pd_fa(pd, fds[i].fd));
	}
	for (;;) {
		pd_op_begin(pd);
		rc = ff_poll(fa, nfds, 0);
		err = errno;
		pd_op_end(pd);
		if (rc != 0 || timeout == 0)
			break;
		if (pd_wait(pd, deadline, started) < 0)
			break;
	}
	for (nfds_t i = 0; i < nfds; i++)
		fds[i].revents = fa[i].revents;
	free(fa);
	return (int)pd_leave(pd, rc, err);
}

static int pd_epoll_create(void *userdata, int size)
{
	int fa, fd = -1, err;

	PD_ENTER(pd);
	pd_op_begin(pd);
	fa = ff_epoll_create(size);
	err = errno;
	if (fa >= 0) {
		fd = pd_fd_new(pd, fa);
		err = errno;
	}
	pd_op_end(pd);
	return (int)pd_leave(pd, fd, err);
}

static int pd_epoll_ctl(void *userdata, int epfd, int op, int fd, struct epoll_event *ev)
{
	int rc;

	PD_ENTER(pd);
	pd_op_begin(pd);
	rc = ff_epoll_ctl(pd_fa(pd, epfd), op, pd_fa(pd, fd), ev);
	int err = errno;
	pd_op_end(pd);
	return (int)pd_leave(pd, rc, err);
}

static int pd_epoll_wait(void *userdata, int epfd, struct epoll_event *events, int maxevents,
                         int timeout)
{
	uint64_t started, deadline;
	int rc, err = 0;

	PD_ENTER(pd);
	started = pd->now;
	deadline = pd_deadline_ms(pd, timeout);
	for (;;) {
		pd_op_begin(pd);
		rc = ff_epoll_wait(pd_fa(pd, epfd), events, maxevents, 0);
		err = errno;
		pd_op_end(pd);
		if (rc != 0 || timeout == 0)
			break;
		if (pd_wait(pd, deadline, started) < 0)
			break;
	}
	return (int)pd_leave(pd, rc, err);
}

static int pd_pipe(void *userdata, int pipefd[2])
{
	(void)userdata;
	return pipe(pipefd);
}

static int pd_splice(void *userdata, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
                     size_t len, unsigned int flags)
{
	(void)userdata;
	(void)fd_in;
	(void)off_in;
	(void)fd_out;
	(void)off_out;
	(void)len;
	(void)flags;
	errno = ENOSYS;
	return -1;
}

/* ---- packets and time ---- */

static int pd_netdev_send(void *userdata, const void *buf, size_t count)
{
	struct rte_ether_hdr eh;
	struct rte_mbuf *head, *seg;
	const uint8_t *src = buf;
	size_t left = count;
	uint8_t ver = count ? src[0] >> 4 : 0;

	PD_ENTER(pd);
	if (count == 0 || (ver != 4 && ver != 6))
		return (int)pd_leave(pd, -1, EINVAL);
	eh.dst_addr = pd->mac;
	eh.src_addr = pd->peer_mac;
	eh.ether_type = rte_cpu_to_be_16(ver == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	head = rte_pktmbuf_alloc(pd->pool);
	if (!head)
		return (int)pd_leave(pd, -1, ENOBUFS);
	memcpy(rte_pktmbuf_append(head, sizeof(eh)), &eh, sizeof(eh));
	seg = head;
	/* Long packets go into a chain of segments. */
	while (left) {
		uint16_t room = rte_pktmbuf_tailroom(seg);
		size_t take = left < room ? left : room;
		if (take == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(pd->pool);
			if (!n || rte_pktmbuf_chain(head, n) < 0) {
				rte_pktmbuf_free(n);
				rte_pktmbuf_free(head);
				return (int)pd_leave(pd, -1, ENOBUFS);
			}
			seg = n;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(seg, uint8_t *, seg->data_len), src, take);
		seg->data_len = (uint16_t)(seg->data_len + take);
		head->pkt_len += (uint32_t)take;
		src += take;
		left -= take;
	}
	pd_trace(pd, "<", buf, (uint32_t)count);
	pktq_push(&pd->rxq, head);
	pd_pass(pd);
	pd_kick(pd);
	return (int)pd_leave(pd, 0, 0);
}

static int pd_netdev_receive(void *userdata, void *buf, size_t *count, long long *time_usecs)
{
	struct pd_out *o;
	uint64_t deadline;

	PD_ENTER(pd);
	deadline = pd->now + pd->rx_timeout;
	/* Let time pass until the stack sends something. */
	while (!pd->out_head && pd->now < deadline)
		pd_advance(pd, min_u64(deadline, min_u64(pd->next_timer, pd_waiter_deadline(pd))));
	o = pd->out_head;
	if (!o) {
		fprintf(stderr,
		        "libfastack_packetdrill: the stack sent nothing for %.3f s "
		        "(virtual; so_flags rx_timeout)\n",
		        (double)pd->rx_timeout / 1e9);
		*count = 0;
		*time_usecs = (long long)(pd->now / PD_NS_PER_US);
		return (int)pd_leave(pd, 0, 0);
	}
	pd->out_head = o->next;
	if (!pd->out_head)
		pd->out_tail = &pd->out_head;
	if (*count > o->len)
		*count = o->len;
	memcpy(buf, o->data, *count);
	*time_usecs = (long long)(o->time / PD_NS_PER_US);
	free(o);
	return (int)pd_leave(pd, 0, 0);
}

static int pd_usleep(void *userdata, useconds_t usec)
{
	PD_ENTER(pd);
	pd_advance(pd, pd->now + (uint64_t)usec * PD_NS_PER_US);
	return (int)pd_leave(pd, 0, 0);
}

static int pd_gettimeofday(void *userdata, struct timeval *tv, struct timezone *tz)
{
	uint64_t t;

	(void)tz;
	PD_ENTER(pd);
	if (tl_ret_valid) {
		/* Right after an emulated blocking call: when it returned. */
		tl_ret_valid = false;
		t = tl_ret_time;
	} else {
		pd_advance(pd, pd->now + PD_NS_PER_US);
		t = pd->now;
	}
	tv->tv_sec = (time_t)(t / PD_NS_PER_S);
	tv->tv_usec = (suseconds_t)((t % PD_NS_PER_S) / PD_NS_PER_US);
	return (int)pd_leave(pd, 0, 0);
}

/* ---- set-up and tear-down ---- */

/* ---- sysctl from a script's shell commands ----
 *
 * FreeBSD-style scripts change knobs mid-script with a shell command, e.g.
 *     +0 `sysctl -w net.inet.tcp.insecure_rst=1`
 * which packetdrill runs with system(3) at the script's time, on its main
 * thread.  The adapter puts a directory first in PATH whose `sysctl` (a
 * shell script written at init) hands its arguments to this process through
 * a FIFO (FASTACK_PD_SYSCTL names the directory) and prints what comes back
 * through another; a thread here reads the request, applies it to the live
 * stack under the lock (stack_knob_set: the virtual clock does not move, so
 * the change takes effect at the command's instant) and answers.  Words:
 *     name=value, or -w name=value   set (sysctl(8) on FreeBSD and Linux)
 *     name                           print "name: value" (FreeBSD's format)
 *     -n                             print values only
 * An unknown name or a bad value is an error (exit status 1 and a message,
 * as sysctl(8) gives), so a script that needs a knob fastack lacks fails. */

static const char pd_sysctl_sh[] =
    "#!/bin/sh\n"
    "# sysctl for packetdrill scripts run by libfastack_packetdrill.so: the\n"
    "# words go to the adapter, which applies them to its stack.\n"
    "d=${FASTACK_PD_SYSCTL:?not run by the fastack packetdrill adapter}\n"
    "printf '%s\\n' \"$@\" >\"$d/req\" || exit 1\n"
    "rc=1\n"
    "while IFS= read -r line; do\n"
    "\tcase $line in\n"
    "\t'out '*) printf '%s\\n' \"${line#out }\" ;;\n"
    "\t'err '*) printf 'sysctl: %s\\n' \"${line#err }\" >&2 ;;\n"
    "\t'exit '*) rc=${line#exit } ;;\n"
    "\tesac\n"
    "done <\"$d/rep\"\n"
    "exit \"$rc\"\n";

/* One word of a request; appends "out ..."/"err ..." lines to rep.
 * Returns false on an error. */
static bool pd_sysctl_word(struct pd *pd, char *w, bool quiet, FILE *rep)
{
	char *eq = strchr(w, '=');
	char vbuf[64];
	int64_t v;
	int id, rc;

	if (eq)
		*eq = 0;
	id = knob_find(w);
	if (id < 0) {
		fprintf(rep, "err unknown oid '%s'\n", w);
		return false;
	}
	if (!eq) {
		knob_value_str((enum knob_id)id, pd->s->knob[id], vbuf, sizeof(vbuf));
		if (quiet)
			fprintf(rep, "out %s\n", vbuf);
		else
			fprintf(rep, "out %s: %s\n", w, vbuf);
		return true;
	}
	rc = knob_parse((enum knob_id)id, eq + 1, &v);
	if (rc == 0)
		rc = stack_knob_set(pd->s, (enum knob_id)id, v);
	if (rc < 0) {
		knob_range_str((enum knob_id)id, vbuf, sizeof(vbuf));
		fprintf(rep, "err %s=%s: %s (accepts %s)\n", w, eq + 1,
		        rc == -ERANGE ? "out of range" : "invalid argument", vbuf);
		return false;
	}
	knob_value_str((enum knob_id)id, pd->s->knob[id], vbuf, sizeof(vbuf));
	if (!quiet)
		fprintf(rep, "out %s: %s\n", w, vbuf);
	return true;
}

/* Serves one request: the words (one a line) in req, the answer in rep. */
static void pd_sysctl_serve(struct pd *pd, char *req, FILE *rep)
{
	bool quiet = false, ok = true, any = false;
	char *save = NULL;

	pthread_mutex_lock(&pd->lock);
	for (char *w = strtok_r(req, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(w, "-w") || !strcmp(w, "-q"))
			continue;
		if (!strcmp(w, "-n")) {
			quiet = true;
			continue;
		}
		if (w[0] == '-') {
			fprintf(rep, "err unsupported option %s\n", w);
			ok = false;
			continue;
		}
		any = true;
		if (!pd_sysctl_word(pd, w, quiet, rep))
			ok = false;
	}
	if (any && ok)
		pd_kick(pd); /* a knob may let a waiting call go on */
	pthread_mutex_unlock(&pd->lock);
	if (!any) {
		fprintf(rep, "err usage: sysctl [-n] [-w] name[=value] ...\n");
		ok = false;
	}
	fprintf(rep, "exit %d\n", ok ? 0 : 1);
}

static void *pd_sysctl_thread(void *arg)
{
	struct pd *pd = arg;
	char req_path[96], rep_path[96];

	snprintf(req_path, sizeof(req_path), "%s/req", pd->ctl_dir);
	snprintf(rep_path, sizeof(rep_path), "%s/rep", pd->ctl_dir);
	for (;;) {
		char buf[4096];
		size_t n = 0;
		ssize_t r;
		FILE *rep;
		int fd = open(req_path, O_RDONLY | O_CLOEXEC); /* waits for a writer */

		if (fd < 0)
			return NULL;
		while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
			n += (size_t)r;
		close(fd);
		if (__atomic_load_n(&pd->ctl_stop, __ATOMIC_ACQUIRE))
			return NULL; /* pd_sysctl_stop's empty request */
		buf[n] = 0;
		rep = fopen(rep_path, "we"); /* waits for the command to read */
		if (!rep)
			continue;
		if (n == sizeof(buf) - 1)
			fprintf(rep, "err request too long\nexit 1\n");
		else
			pd_sysctl_serve(pd, buf, rep);
		fclose(rep);
	}
	return NULL;
}

static void pd_sysctl_remove(struct pd *pd)
{
	static const char *const names[] = { "sysctl", "req", "rep" };
	char path[96];

	for (unsigned i = 0; i < RTE_DIM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", pd->ctl_dir, names[i]);
		unlink(path);
	}
	rmdir(pd->ctl_dir);
}

static void pd_sysctl_start(struct pd *pd)
{
	char path[96], *newpath;
	const char *old = getenv("PATH");
	FILE *f;

	snprintf(pd->ctl_dir, sizeof(pd->ctl_dir), "/tmp/fastack-pd-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(pd->ctl_dir))
		pd_die("sysctl channel: mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/req", pd->ctl_dir);
	if (mkfifo(path, 0600) < 0)
		pd_die("sysctl channel: mkfifo: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/rep", pd->ctl_dir);
	if (mkfifo(path, 0600) < 0)
		pd_die("sysctl channel: mkfifo: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sysctl", pd->ctl_dir);
	f = fopen(path, "we");
	if (!f || fputs(pd_sysctl_sh, f) < 0 || fclose(f) != 0 || chmod(path, 0700) < 0)
		pd_die("sysctl channel: cannot write %s", path);
	if (asprintf(&newpath, "%s%s%s", pd->ctl_dir, old && *old ? ":" : "", old ? old : "") < 0)
		pd_die("out of memory");
	if (setenv("PATH", newpath, 1) < 0 || setenv("FASTACK_PD_SYSCTL", pd->ctl_dir, 1) < 0)
		pd_die("sysctl channel: setenv: %s", strerror(errno));
	free(newpath);
	if (pthread_create(&pd->ctl_thread, NULL, pd_sysctl_thread, pd) != 0)
		pd_die("sysctl channel: cannot start its thread");
	pd->ctl_up = true;
}

static void pd_sysctl_stop(struct pd *pd)
{
	char path[96];
	int fd;

	if (!pd->ctl_up)
		return;
	pd->ctl_up = false;
	/* The thread waits in open(2) for a writer: an empty request with
	 * the stop flag set ends it (no pthread_cancel: the sanitizers'
	 * thread teardown does not survive it). */
	__atomic_store_n(&pd->ctl_stop, true, __ATOMIC_RELEASE);
	snprintf(path, sizeof(path), "%s/req", pd->ctl_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		pthread_join(pd->ctl_thread, NULL);
	} else {
		pthread_detach(pd->ctl_thread);
	}
	pd_sysctl_remove(pd);
}

static void pd_eal_cleanup(struct pd *pd)
{
	char path[128];

	if (!pd->eal_up)
		return;
	pd->eal_up = false;
	rte_eal_cleanup();
	/* --no-shconf still leaves the runtime directory behind. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", pd->eal_prefix);
	rmdir(path);
}

/* packetdrill exits without calling free when a script fails. */
static void pd_atexit(void)
{
	char path[128];

	if (pd_instance && pd_instance->ctl_up)
		pd_sysctl_remove(pd_instance); /* the thread dies with the process */
	if (!pd_instance || !pd_instance->eal_up)
		return;
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", pd_instance->eal_prefix);
	rmdir(path);
}

static void pd_free(void *userdata)
{
	struct pd *pd = userdata;
	unsigned avail;

	pd_sysctl_stop(pd);
	pthread_mutex_lock(&pd->lock);
	stack_set_current(pd->s);
	stack_destroy(pd->s);
	pd->s = NULL;
	while (pd->out_head) {
		struct pd_out *o = pd->out_head;
		pd->out_head = o->next;
		free(o);
	}
	avail = rte_mempool_avail_count(pd->pool);
	if (avail != PD_POOL_SIZE)
		fprintf(stderr, "libfastack_packetdrill: %u mbufs not returned to the pool\n",
		        PD_POOL_SIZE - avail);
	rte_mempool_free(pd->pool);
	pd_eal_cleanup(pd);
	pthread_mutex_unlock(&pd->lock);
	pd_instance = NULL;
	if (pd->leak_check && avail != PD_POOL_SIZE)
		exit(3);
	free(pd);
}

static uint32_t pd_parse_ip(const char *key, const char *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		pd_die("so_flags: %s: not an IPv4 address: %s", key, v);
	/* DESIGN.md: tests use 198.18.0.0/15 only. */
	if ((ntohl(a.s_addr) & 0xfffe0000u) != 0xc6120000u)
		pd_die("so_flags: %s: %s is outside 198.18.0.0/15", key, v);
	return a.s_addr;
}

static unsigned long pd_parse_num(const char *key, const char *v, unsigned long max)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n > max)
		pd_die("so_flags: %s: bad value %s", key, v);
	return n;
}

/* key=value words separated by commas or blanks. */
static void pd_parse_flags(struct pd *pd, const char *flags)
{
	char *copy, *save = NULL;

	if (!flags)
		return;
	copy = strdup(flags);
	if (!copy)
		pd_die("out of memory");
	for (char *w = strtok_r(copy, ", \t\n", &save); w; w = strtok_r(NULL, ", \t\n", &save)) {
		char *v = strchr(w, '=');
		int id;

		if (!v)
			pd_die("so_flags: expected key=value, got %s", w);
		*v++ = 0;
		if (!strcmp(w, "local_ip")) {
			pd->local_ip = pd_parse_ip(w, v);
		} else if (!strcmp(w, "netmask")) {
			struct in_addr a;
			if (inet_pton(AF_INET, v, &a) != 1)
				pd_die("so_flags: netmask: bad value %s", v);
			pd->netmask = a.s_addr;
		} else if (!strcmp(w, "gateway")) {
			pd->gateway = pd_parse_ip(w, v);
		} else if (!strcmp(w, "remote_ip")) {
			pd->remote_ip = pd_parse_ip(w, v);
		} else if (!strcmp(w, "mtu")) {
			pd->mtu = (uint16_t)pd_parse_num(w, v, 9000);
			if (pd->mtu < 68)
				pd_die("so_flags: mtu: %s is too small", v);
		} else if (!strcmp(w, "rx_timeout")) {
			pd->rx_timeout = pd_parse_num(w, v, 86400) * PD_NS_PER_S;
		} else if (!strcmp(w, "block_limit")) {
			pd->block_limit = pd_parse_num(w, v, 864000) * PD_NS_PER_S;
		} else if (!strcmp(w, "trace")) {
			pd->trace = pd_parse_num(w, v, 1) != 0;
		} else if (!strcmp(w, "leak_check")) {
			pd->leak_check = pd_parse_num(w, v, 1) != 0;
		} else if ((id = knob_find(w)) >= 0) {
			int64_t val;
			if (knob_parse((enum knob_id)id, v, &val) < 0)
				pd_die("so_flags: %s: bad value %s (range %lld..%lld)", w, v,
				       (long long)knob_table[id].min,
				       (long long)knob_table[id].max);
			pd->knobs[id] = val;
		} else {
			pd_die("so_flags: unknown key %s", w);
		}
	}
	free(copy);
}

/* The EAL parses its arguments with getopt_long, which keeps its state in
 * optind, optarg and optopt.  packetdrill's executable has its own copies of
 * these (copy relocations), which is what the C library's getopt_long
 * reads and writes; this object is loaded with RTLD_DEEPBIND, so it and the
 * DPDK libraries it brings along bind to the C library's originals, which
 * getopt_long never touches: the EAL would read a NULL optarg.  The DPDK
 * libraries find this getopt_long first (deep binding puts this object
 * ahead in their search list); it carries the state across. */
__attribute__((visibility("default"))) int getopt_long(int argc, char *const argv[],
                                                       const char *optstring,
                                                       const struct option *longopts,
                                                       int *longindex);
int getopt_long(int argc, char *const argv[], const char *optstring, const struct option *longopts,
                int *longindex)
{
	static int (*real)(int, char *const[], const char *, const struct option *, int *);
	static int *x_optind, *x_optopt;
	static char **x_optarg;
	int rc;

	if (!real) {
		/* The main program's scope: the executable's copies. */
		void *self = dlopen(NULL, RTLD_NOW);

		real = (int (*)(int, char *const[], const char *, const struct option *,
		                int *))dlsym(RTLD_NEXT, "getopt_long");
		x_optind = self ? dlsym(self, "optind") : NULL;
		x_optopt = self ? dlsym(self, "optopt") : NULL;
		x_optarg = self ? dlsym(self, "optarg") : NULL;
		if (!real || !x_optind || !x_optopt || !x_optarg)
			pd_die("cannot find getopt_long's state");
	}
	*x_optind = optind;
	rc = real(argc, argv, optstring, longopts, longindex);
	optind = *x_optind;
	optopt = *x_optopt;
	optarg = *x_optarg;
	return rc;
}

static void pd_eal_init(struct pd *pd)
{
	char prefix[96];
	char *args[] = { "fastack-packetdrill",
		         "--no-huge",
		         "--no-pci",
		         "--no-shconf",
		         prefix,
		         "-l",
		         "0",
		         "-m",
		         "512",
		         "--log-level=error",
		         "--no-telemetry" };
	cpu_set_t cpus;
	bool have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;

	snprintf(pd->eal_prefix, sizeof(pd->eal_prefix), "fastack-pd-%d", (int)getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", pd->eal_prefix);
	if (rte_eal_init((int)RTE_DIM(args), args) < 0)
		pd_die("rte_eal_init failed: %s", rte_strerror(rte_errno));
	pd->eal_up = true;
	/* The EAL pins its caller to lcore 0; packetdrill's threads should
	 * keep running where they ran before. */
	if (have_cpus)
		sched_setaffinity(0, sizeof(cpus), &cpus);
}

void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
	struct pd *pd = calloc(1, sizeof(*pd));
	struct ifaddr_cfg ifa;
	int idx;

	if (!pd)
		pd_die("out of memory");
	pthread_mutex_init(&pd->lock, NULL);
	pthread_cond_init(&pd->wake, NULL);
	pthread_cond_init(&pd->settle, NULL);
	pd->main_thread = pthread_self();
	pd->out_tail = &pd->out_head;
	pktq_init(&pd->rxq);
	for (int i = 0; i < PD_MAX_FD; i++)
		pd->fdmap[i] = -1;

	/* Defaults: the addresses run.sh gives packetdrill. */
	pd->local_ip = htonl(0xc6120001u);  /* 198.18.0.1 */
	pd->netmask = htonl(0xffffff00u);   /* /24 */
	pd->gateway = htonl(0xc61200feu);   /* 198.18.0.254 */
	pd->remote_ip = htonl(0xc6120101u); /* 198.18.1.1 */
	pd->mtu = RTE_ETHER_MTU;
	/* Long enough for FreeBSD's default keepalive to drop an idle
	 * connection (keepidle + keepcnt * keepintvl = 7800 s): a script
	 * written for FreeBSD may wait that long for a segment. */
	pd->rx_timeout = 10000 * PD_NS_PER_S;
	pd->block_limit = 3600 * PD_NS_PER_S;
	pd->leak_check = true;
	for (int i = 0; i < KNOB_COUNT; i++)
		pd->knobs[i] = knob_table[i].def;
	pd->knobs[KNOB_ARP_GRATUITOUS] = 0; /* a quiet wire from the start */
	pd_parse_flags(pd, flags);

	pd_eal_init(pd);
	pd_instance = pd;
	atexit(pd_atexit);
	pd->pool = rte_pktmbuf_pool_create("pd_pool", PD_POOL_SIZE, 0, PKT_PRIV_SIZE,
	                                   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!pd->pool)
		pd_die("packet pool: %s", rte_strerror(rte_errno));

	pd->now = PD_T0;
	pd->s = stack_create(0, pd->pool, pd->knobs, pd->now);
	if (!pd->s)
		pd_die("stack_create: %s", strerror(errno));
	stack_set_current(pd->s);

	pd->mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x01 } };
	pd->peer_mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x02 } };
	pd->port = calloc(1, sizeof(*pd->port));
	if (!pd->port)
		pd_die("out of memory");
	pd->port->ops = &pd_port_ops;
	pd->port->priv = pd;
	pd->port->mac = pd->mac;
	pd->port->mtu = pd->mtu;
	snprintf(pd->port->name, sizeof(pd->port->name), "packetdrill");
	idx = stack_add_port(pd->s, pd->port);
	if (idx < 0)
		pd_die("stack_add_port: %s", strerror(-idx));

	memset(&ifa, 0, sizeof(ifa));
	ifa.addr = ip_addr_v4(pd->local_ip);
	ifa.netmask = ip_addr_v4(pd->netmask);
	ifa.gateway = ip_addr_v4(pd->gateway);
	if (stack_set_ifaddr(pd->s, (unsigned)idx, &ifa) < 0)
		pd_die("cannot configure %s", "the interface address");
	/* The scripted peer answers for every address but ours. */
	if (arp_add_static(pd->s, (uint16_t)idx, pd->gateway, &pd->peer_mac) < 0 ||
	    ((pd->remote_ip & pd->netmask) == (pd->local_ip & pd->netmask) &&
	     arp_add_static(pd->s, (uint16_t)idx, pd->remote_ip, &pd->peer_mac) < 0))
		pd_die("cannot add static ARP entries");
	pd_pass(pd);
	pd_sysctl_start(pd);

	memset(ifc, 0, sizeof(*ifc));
	ifc->userdata = pd;
	ifc->free = pd_free;
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
}
