/* tcp_subr.c: TCP layer state and the services the other TCP files share.
 *
 * Call order: tcp_init() from stack_create (after udp); connections come and
 * go through tcp_pcb_alloc()/tcp_pcb_free(); tcp_fini() from stack_destroy
 * aborts every connection left (RSTs go out while the lower layers live).
 *
 * Connection table: one rte_hash per stack keyed by struct tcp_key (local
 * and foreign address and port, family), no locking flags (one thread owns
 * the stack).  Listeners and bound-but-unconnected endpoints are few and sit
 * on two lists; a listener lookup prefers an exact local address over the
 * wildcard.  So that bind() also sees ports held only by connections
 * (active opens, accepted children, TIME_WAIT), a per-stack array counts
 * the hashed connections on each local port (256 KiB per stack); a bind to
 * a specific address on a busy port then scans the table once to compare
 * addresses (rare: most binds use the wildcard or a free port).
 *
 * Timers (DESIGN.md): each tcpcb holds three deadlines in ns (0 = off):
 *   t_rexmt_at   retransmission, or persist when TF_PERSIST;
 *   t_keep_at    keepalive, connection-establishment (keepinit), FIN_WAIT_2
 *                after close, or 2*MSL in TIME_WAIT;
 *   t_delack_at  delayed ACK;
 * and one wheel timer always armed at the earliest of them
 * (tcp_timer_update).  When it fires, each due deadline is handled.
 *
 * ISN (RFC 6528): ISN = M + F(4-tuple, secret), M a 4 microsecond clock and
 * F SipHash-2-4 under a per-stack random key.  Timestamps start at a per-
 * connection offset from the same kind of hash (RFC 7323 section 5.4).
 * The keys come from getrandom(); a seeded stack (stack_create_seeded,
 * tests and fuzzers only) derives them from its seed instead.
 *
 * SYN cookies (RFC 4987 section 3.6), our layout of the 32-bit ISS:
 *   bits 31..8  24 bits of SipHash(cookie key; 4-tuple, peer ISN, time slot,
 *               bits 7..0)
 *   bits  7..5  MSS index into tcp_cookie_mss[]
 *   bits  4..1  peer window shift + 1 (0 = no window scale option)
 *   bit      0  peer sent SACK-permitted
 * The time slot is s->now / 64 s; a cookie is valid in its slot and the
 * next one (64..128 s).  Timestamps ride along unencoded: an ACK carrying
 * a timestamp means the peer offered them (our SYN-ACK echoed them only
 * then).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "base/log.h"
#include "ip/ip4.h"
#include "ip/route.h"
#include "port/port.h"
#include "socket/socket.h"
#include "stack/stack.h"
#include "tcp/tcp_priv.h"

struct tcp_layer {
	struct rte_hash *conns;
	struct list_node listeners; /* tcpcb.link, state LISTEN */
	struct list_node bound;     /* tcpcb.link, bound, not connected */
	uint32_t *lport_conns;      /* [local port, host order]: hashed connections */
	tcp_notify_fn notify;
	uint64_t isn_key[2], cookie_key[2], ts_key[2];
	uint32_t nconns;           /* in the hash */
	uint32_t npcbs;            /* allocated, any state (leak checks) */
	uint32_t nsyn;             /* half-open (TF_LIMITED) */
	uint32_t rst_sec, rst_cnt; /* closed-port RST rate limit */
	struct tcp_reass_acct reass;
	struct list_node memwait; /* tcpcb.memwait: writers waiting for the pool */
};

struct tcp_reass_acct *tcp_reass_acct(struct stack *s)
{
	return s->tcp ? &s->tcp->reass : NULL;
}

void tcp_mem_wait(struct stack *s, struct tcpcb *tp)
{
	if (!list_node_linked(&tp->memwait)) {
		list_add_tail(&s->tcp->memwait, &tp->memwait);
		s->mem.waiters = true;
	}
}

void tcp_mem_wake(struct stack *s)
{
	struct tcp_layer *t = s->tcp;

	s->mem.waiters = false;
	while (t && !list_empty(&t->memwait)) {
		struct tcpcb *tp = list_first_entry(&t->memwait, struct tcpcb, memwait);

		list_del(&tp->memwait);
		if (tp->owner && !(tp->t_flags & TF_DETACHED))
			tcp_notify(s, tp, TCP_EV_OUT);
	}
}

bool tcp_rst_allowed(struct stack *s)
{
	/* As FreeBSD's badport_bandlim: RSTs for closed ports share the ICMP
	 * error limit (net.inet.icmp.icmplim per second; 0 = no limit). */
	struct tcp_layer *t = s->tcp;
	uint32_t sec = (uint32_t)(s->now / 1000000000ull);
	int64_t lim = KNOB(s, ICMP_LIM);

	if (lim <= 0)
		return true;
	if (sec != t->rst_sec) {
		t->rst_sec = sec;
		t->rst_cnt = 0;
	}
	if (t->rst_cnt >= lim) {
		STAT_INC(s, tcp, tcps_rstlimited);
		return false;
	}
	t->rst_cnt++;
	return true;
}

/* The ack war limit, as FreeBSD has it (tcp_send_challenge_ack; its
 * RACK and BBR stacks, ctf_ack_war_checks, apply the same budget to the
 * ACKs of drop-after-ACK answers): per connection at most
 * net.inet.tcp.ack_war_cnt such ACKs in a window of ack_war_timewindow ms;
 * a window ends when more than that has passed since it began, and the
 * next such ACK opens a new one.  Either knob 0 turns the limit off.  RFC
 * 5961 section 7 asks this of challenge ACKs; a peer can provoke the other
 * answers just as cheaply (out-of-window, old duplicate and PAWS-failed
 * segments, ACKs of data never sent), and Linux limits those too
 * (tcp_oow_rate_limited). */
bool tcp_ack_war_allowed(struct stack *s, struct tcpcb *tp)
{
	int64_t cnt = KNOB(s, TCP_ACK_WAR_CNT), win = KNOB(s, TCP_ACK_WAR_TIMEWINDOW);
	uint32_t now = tcp_ms(s);

	if (cnt <= 0 || win <= 0)
		return true;
	if (tp->chal_cnt == 0 || now - tp->chal_start > (uint32_t)win) {
		tp->chal_start = now;
		tp->chal_cnt = 0;
	}
	if (tp->chal_cnt >= cnt)
		return false;
	tp->chal_cnt++;
	return true;
}

struct tcp_layer *tcp_st(struct stack *s)
{
	return s->tcp;
}

static const char *const state_names[] = {
	"CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT",
	"FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",   "TIME_WAIT",
};

const char *tcp_state_name(int state)
{
	if (state < 0 || state >= (int)ARRAY_SIZE(state_names))
		return "?";
	return state_names[state];
}

/* ---- SipHash-2-4 (Aumasson, Bernstein 2012) over 32-bit words ---- */

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

/* SipHash-2-4 of len bytes (a multiple of 8 is not required). */
static uint64_t siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = { key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		          key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull };
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t tcp_new_isn(struct stack *s, const struct tcp_key *k)
{
	/* RFC 6528 section 3: M is a timer ticking every 4 microseconds. */
	uint32_t m = (uint32_t)(s->now / 4000u);

	return m + (uint32_t)siphash(s->tcp->isn_key, k, sizeof(*k));
}

uint32_t tcp_ts_offset(struct stack *s, const struct tcp_key *k)
{
	return (uint32_t)siphash(s->tcp->ts_key, k, sizeof(*k));
}

#define COOKIE_SLOT_NS (64ull * 1000000000ull)

static uint32_t cookie_hash(struct stack *s, const struct tcp_key *k, uint32_t irs, uint64_t slot,
                            uint8_t low)
{
	struct {
		struct tcp_key k;
		uint32_t irs;
		uint32_t low;
		uint64_t slot;
	} in;

	memset(&in, 0, sizeof(in));
	in.k = *k;
	in.irs = irs;
	in.low = low;
	in.slot = slot;
	return (uint32_t)siphash(s->tcp->cookie_key, &in, sizeof(in)) & 0xffffff00u;
}

static const uint16_t tcp_cookie_mss[8] = { 216, 536, 1200, 1360, 1400, 1440, 1452, 1460 };

uint32_t tcp_cookie_make(struct stack *s, const struct tcp_key *k, uint32_t irs, uint8_t mss_idx,
                         uint8_t ws_idx, bool sack)
{
	uint8_t low = (uint8_t)((mss_idx & 7) << 5 | (ws_idx & 15) << 1 | (sack ? 1 : 0));

	return cookie_hash(s, k, irs, s->now / COOKIE_SLOT_NS, low) | low;
}

/* The index of the largest cookie MSS not above mss. */
uint8_t tcp_cookie_mss_idx(uint16_t mss)
{
	uint8_t i = 7;

	while (i > 0 && tcp_cookie_mss[i] > mss)
		i--;
	return i;
}

bool tcp_cookie_check(struct stack *s, const struct tcp_key *k, uint32_t irs, uint32_t iss,
                      uint16_t *mss, uint8_t *ws, bool *sack)
{
	uint64_t slot = s->now / COOKIE_SLOT_NS;
	uint8_t low = (uint8_t)iss;

	for (unsigned age = 0; age < 2 && age <= slot; age++) {
		if (cookie_hash(s, k, irs, slot - age, low) == (iss & 0xffffff00u)) {
			*mss = tcp_cookie_mss[low >> 5];
			*ws = (uint8_t)((low >> 1) & 15);
			*sack = low & 1;
			return true;
		}
	}
	return false;
}

/* ---- layer life cycle ---- */

/* A secret key: from the kernel's entropy, or from the stack's PRNG when
 * that fails or when the stack is seeded (stack_create_seeded: tests and
 * fuzzers replay ISNs and cookies exactly). */
static void rand_key(struct stack *s, uint64_t key[2])
{
	if (s->seeded || getrandom(key, 16, GRND_NONBLOCK) != 16) {
		key[0] = stack_rand(s);
		key[1] = stack_rand(s);
	}
}

int tcp_init(struct stack *s)
{
	struct tcp_layer *t;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = (uint32_t)KNOB(s, TCP_MAXCONN),
		.key_len = sizeof(struct tcp_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	t = rte_zmalloc("fastack_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (!t)
		return -ENOMEM;
	rand_key(s, t->isn_key);
	rand_key(s, t->cookie_key);
	rand_key(s, t->ts_key);
	hp.hash_func_init_val = (uint32_t)t->isn_key[1];
	/* Names are global to the process: make them unique per stack. */
	snprintf(name, sizeof(name), "tcp%u_%" PRIxPTR, s->id, (uintptr_t)t & 0xffffffffu);
	t->conns = rte_hash_create(&hp);
	t->lport_conns = rte_zmalloc("fastack_tcp_lports", 65536 * sizeof(uint32_t), 0);
	if (!t->conns || !t->lport_conns) {
		rte_hash_free(t->conns);
		rte_free(t->lport_conns);
		rte_free(t);
		return -ENOMEM;
	}
	list_init(&t->listeners);
	list_init(&t->reass.conns);
	list_init(&t->memwait);
	list_init(&t->bound);
	/* Sockets are the default owners; tests may set their own callback. */
	t->notify = tcp_so_notify;
	s->tcp = t;
	sock_register_proto(s, SOCK_STREAM, tcp_so_ops());
	return 0;
}

/* Stack teardown: a socket still owning tp must not free it again. */
static void tcp_orphan(struct tcp_layer *t, struct tcpcb *tp)
{
	if (tp->owner && t->notify == tcp_so_notify)
		tcp_so_orphan(tp->owner);
	tp->owner = NULL;
}

void tcp_fini(struct stack *s)
{
	struct tcp_layer *t = s->tcp;
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (!t)
		return;
	/* Abort everything: connections (RST where synchronized), listeners
	 * (which abort their children), bound endpoints.  The table is read
	 * once into an array: deleting while iterating would restart. */
	if (t->nconns) {
		struct tcpcb **all = calloc(t->nconns, sizeof(*all));
		uint32_t n = 0;

		while (all && n < t->nconns && rte_hash_iterate(t->conns, &key, &data, &iter) >= 0)
			all[n++] = data;
		for (uint32_t i = 0; i < n; i++) {
			struct tcpcb *tp = all[i];

			if (!(tp->t_flags & TF_HASHED))
				continue;
			tcp_orphan(t, tp);
			tcp_hash_remove(s, tp);
			if (tp->t_state >= TCPS_SYN_RECEIVED && tp->t_state != TCPS_TIME_WAIT)
				tcp_send_rst(s, tp);
			tcp_pcb_free(s, tp);
		}
		free(all);
	}
	while (!list_empty(&t->listeners)) {
		struct tcpcb *tp = list_first_entry(&t->listeners, struct tcpcb, link);

		tcp_orphan(t, tp);
		tcp_pcb_free(s, tp);
	}
	while (!list_empty(&t->bound)) {
		struct tcpcb *tp = list_first_entry(&t->bound, struct tcpcb, link);

		tcp_orphan(t, tp);
		tcp_pcb_free(s, tp);
	}
	/* Connections that ended while owned are on no list: their sockets
	 * free them when closed (sock_fini runs after us; tcp_pcb_free then
	 * needs only s->wheel).  None of them holds out-of-order data. */
	while (!list_empty(&t->memwait))
		list_del(t->memwait.next);
	while (!list_empty(&t->reass.conns))
		tcp_reass_free(s, list_first_entry(&t->reass.conns, struct tcpcb, reass_link));
	rte_hash_free(t->conns);
	rte_free(t->lport_conns);
	rte_free(t);
	s->tcp = NULL;
}

void tcp_set_notify(struct stack *s, tcp_notify_fn fn)
{
	s->tcp->notify = fn;
}

void tcp_notify(struct stack *s, struct tcpcb *tp, unsigned ev)
{
	if (tp->owner && s->tcp->notify)
		s->tcp->notify(s, tp->owner, ev);
}

unsigned tcp_conn_count(struct stack *s)
{
	return s->tcp->nconns;
}

unsigned tcp_pcb_count(struct stack *s)
{
	return s->tcp->npcbs;
}

size_t tcp_pcb_size(void)
{
	return sizeof(struct tcpcb);
}

/* ---- control blocks ---- */

static void tcp_timer_fire(struct timer *t, void *ctx);

struct tcpcb *tcp_pcb_alloc(struct stack *s, void *owner)
{
	struct tcpcb *tp = calloc(1, sizeof(*tp));

	if (!tp) {
		STAT_INC(s, tcp, tcps_nomem);
		return NULL;
	}
	s->tcp->npcbs++;
	timer_init(&tp->timer, tcp_timer_fire);
	list_init(&tp->link);
	list_init(&tp->incq);
	list_init(&tp->acceptq);
	list_init(&tp->reass_link);
	list_init(&tp->memwait);
	pktq_init(&tp->rcvq);
	tp->owner = owner;
	tp->t_state = TCPS_CLOSED;
	tp->snd.hiwat = (uint32_t)KNOB(s, TCP_SENDSPACE);
	tp->rcv_hiwat = (uint32_t)KNOB(s, TCP_RECVSPACE);
	tp->cc_id = (uint8_t)KNOB(s, TCP_CC);
	tp->t_fb = (uint8_t)KNOB(s, TCP_FUNCTIONS_DEFAULT);
	tp->ip_ttl = (uint8_t)KNOB(s, IP_DEFTTL); /* FreeBSD's tcp_newtcpcb */
	tp->t_maxseg = (uint16_t)KNOB(s, TCP_MSSDFLT);
	tp->t_rxtcur_ms = (uint32_t)KNOB(s, TCP_REXMIT_INITIAL);
	tp->t_linger = UINT16_MAX; /* SO_LINGER off */
	return tp;
}

void tcp_pcb_free(struct stack *s, struct tcpcb *tp)
{
	struct tcp_layer *t = s->tcp;

	if (tp->t_flags & TF_HASHED)
		tcp_hash_remove(s, tp);
	if (tp->t_flags & TF_LIMITED) {
		t->nsyn--;
		tp->t_flags &= ~TF_LIMITED;
	}
	if (tp->t_state == TCPS_LISTEN)
		tcp_listener_drop_children(s, tp);
	if (tp->listener) {
		if (tp->t_flags & TF_ACCEPTQ)
			tp->listener->q_len--;
		else
			tp->listener->q_incomp--;
		tp->listener = NULL;
	}
	list_del(&tp->link);
	list_del(&tp->memwait);
	timer_cancel(s->wheel, &tp->timer);
	tcp_sndbuf_free(&tp->snd);
	pktq_free(&tp->rcvq);
	tcp_reass_free(s, tp);
	free(tp->sack);
	tcp_rack_free(tp);
	free(tp);
	if (t)
		t->npcbs--; /* after tcp_fini, sockets free what they still own */
}

void tcp_listener_drop_children(struct stack *s, struct tcpcb *l)
{
	while (!list_empty(&l->acceptq)) {
		struct tcpcb *c = list_first_entry(&l->acceptq, struct tcpcb, link);

		list_del(&c->link);
		c->t_flags &= ~TF_ACCEPTQ;
		c->listener = NULL;
		l->q_len--;
		tcp_send_rst(s, c);
		tcp_pcb_free(s, c);
	}
	while (!list_empty(&l->incq)) {
		struct tcpcb *c = list_first_entry(&l->incq, struct tcpcb, link);

		list_del(&c->link);
		c->listener = NULL;
		l->q_incomp--;
	}
}

static void key_make(struct tcp_key *k)
{
	memset(k->pad, 0, sizeof(k->pad));
}

int tcp_hash_insert(struct stack *s, struct tcpcb *tp)
{
	int rc;

	key_make(&tp->key);
	rc = rte_hash_add_key_data(s->tcp->conns, &tp->key, tp);
	if (rc < 0) {
		STAT_INC(s, tcp, tcps_nomem);
		return -ENOBUFS;
	}
	tp->t_flags |= TF_HASHED;
	s->tcp->nconns++;
	s->tcp->lport_conns[rte_be_to_cpu_16(tp->key.lport)]++;
	return 0;
}

void tcp_hash_remove(struct stack *s, struct tcpcb *tp)
{
	if (!(tp->t_flags & TF_HASHED))
		return;
	rte_hash_del_key(s->tcp->conns, &tp->key);
	tp->t_flags &= ~TF_HASHED;
	s->tcp->nconns--;
	s->tcp->lport_conns[rte_be_to_cpu_16(tp->key.lport)]--;
}

struct tcpcb *tcp_hash_lookup(struct stack *s, const struct tcp_key *k)
{
	void *data;

	if (rte_hash_lookup_data(s->tcp->conns, k, &data) < 0)
		return NULL;
	return data;
}

static bool addr_any(const uint8_t *a, uint8_t family)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, family == AF_INET6 ? 16 : 4) == 0;
}

static bool addr_eq(const uint8_t *a, const uint8_t *b, uint8_t family)
{
	return memcmp(a, b, family == AF_INET6 ? 16 : 4) == 0;
}

struct tcpcb *tcp_listener_lookup(struct stack *s, uint8_t family, const uint8_t *laddr,
                                  uint16_t lport)
{
	struct tcpcb *wild = NULL;
	struct list_node *pos;

	list_for_each (pos, &s->tcp->listeners) {
		struct tcpcb *tp = list_entry(pos, struct tcpcb, link);

		if (tp->key.lport != lport || tp->key.family != family)
			continue;
		if (addr_eq(tp->key.laddr, laddr, family))
			return tp;
		if (!wild && addr_any(tp->key.laddr, family))
			wild = tp;
	}
	return wild;
}

void tcp_listener_add(struct stack *s, struct tcpcb *tp)
{
	list_del(&tp->link);
	tp->t_flags &= ~TF_ON_BOUNDLIST;
	list_add_tail(&s->tcp->listeners, &tp->link);
}

void tcp_bound_add(struct stack *s, struct tcpcb *tp)
{
	list_del(&tp->link);
	list_add_tail(&s->tcp->bound, &tp->link);
	tp->t_flags |= TF_ON_BOUNDLIST;
}

void tcp_bound_remove(struct stack *s, struct tcpcb *tp)
{
	(void)s;
	if (tp->t_flags & TF_ON_BOUNDLIST) {
		list_del(&tp->link);
		tp->t_flags &= ~TF_ON_BOUNDLIST;
	}
}

static bool port_conflict(const struct tcpcb *o, const struct tcpcb *self, uint8_t family,
                          const uint8_t *laddr, uint16_t lport, bool reuse)
{
	if (o == self || o->key.lport != lport || o->key.family != family)
		return false;
	if (!addr_any(o->key.laddr, family) && !addr_any(laddr, family) &&
	    !addr_eq(o->key.laddr, laddr, family))
		return false;
	if (self && (self->t_flags & TF_REUSEPORT) && (o->t_flags & TF_REUSEPORT))
		return false;
	/* SO_REUSEADDR (Linux semantics): sharing with a socket that is not
	 * listening is fine when both ask for it. */
	if (reuse && (o->t_flags & TF_REUSEADDR) && o->t_state != TCPS_LISTEN)
		return false;
	return true;
}

bool tcp_port_in_use(struct stack *s, const struct tcpcb *self, uint8_t family,
                     const uint8_t *laddr, uint16_t lport, bool reuse)
{
	struct list_node *pos;

	list_for_each (pos, &s->tcp->listeners)
		if (port_conflict(list_entry(pos, struct tcpcb, link), self, family, laddr, lport,
		                  reuse))
			return true;
	list_for_each (pos, &s->tcp->bound)
		if (port_conflict(list_entry(pos, struct tcpcb, link), self, family, laddr, lport,
		                  reuse))
			return true;
	return false;
}

bool tcp_port_held(struct stack *s, uint8_t family, const uint8_t *laddr, uint16_t lport)
{
	struct tcp_layer *t = s->tcp;
	uint32_t iter = 0;
	const void *key;
	void *data;

	if (t->lport_conns[rte_be_to_cpu_16(lport)] == 0)
		return false;
	if (addr_any(laddr, family))
		return true;
	/* A specific address: is one of those connections on it? */
	while (rte_hash_iterate(t->conns, &key, &data, &iter) >= 0) {
		const struct tcpcb *tp = data;

		if (tp->key.lport == lport && tp->key.family == family &&
		    addr_eq(tp->key.laddr, laddr, family))
			return true;
	}
	return false;
}

bool tcp_syn_limit_take(struct stack *s, struct tcpcb *tp)
{
	/* Half-open connections live in the connection table (FreeBSD keeps
	 * them apart, in the syncache): they may take half of it at most, so
	 * that a SYN flood, answered with cookies beyond, never leaves the
	 * connections it does not stop without a slot. */
	if (s->tcp->nsyn >= (uint32_t)KNOB(s, TCP_SYNCACHE_LIMIT) ||
	    s->tcp->nsyn >= (uint32_t)KNOB(s, TCP_MAXCONN) / 2)
		return false;
	s->tcp->nsyn++;
	tp->t_flags |= TF_LIMITED;
	return true;
}

void tcp_syn_limit_release(struct stack *s, struct tcpcb *tp)
{
	if (tp->t_flags & TF_LIMITED) {
		s->tcp->nsyn--;
		tp->t_flags &= ~TF_LIMITED;
	}
}

void tcp_route_init(struct stack *s, struct tcpcb *tp, const struct tcp_key *k)
{
	unsigned mss = (unsigned)KNOB(s, TCP_MSSDFLT);
	struct netif *ifp = NULL;
	uint32_t dst;

	if (k->family == AF_INET) {
		memcpy(&dst, k->faddr, 4);
		ifp = ip4_output_netif(s, dst);
	}
	/* IPv4 + TCP headers: MTU - 40, however small (FreeBSD's tcp_mssopt
	 * announces that, unclamped; mssdflt only without a route).  What we
	 * send stays within the MTU (no fragmentation here). */
	if (ifp && ifp->mtu > 40)
		mss = ifp->mtu - 40u;
	if (tp->t_user_mss && tp->t_user_mss < mss)
		mss = tp->t_user_mss;
	tp->t_advmss = (uint16_t)mss;
	if (ifp && (ifp->port->offloads & PORT_OFF_TX_TCP_CKSUM))
		tp->t_flags |= TF_TXCSUM;
	else
		tp->t_flags &= ~TF_TXCSUM;
}

/* FreeBSD's tcp_mss(): once the MSS is known (mss: the segment size
 * without options), each buffer at least one segment large grows to a whole
 * number of segments, unless that passes kern.ipc.maxsockbuf's sb_max_adj
 * (sbreserve fails there and the buffer stays).  A buffer is never
 * shrunk.  getsockopt(SO_RCVBUF/SO_SNDBUF) reports the result. */
void tcp_buf_round(struct stack *s, struct tcpcb *tp, unsigned mss)
{
	uint32_t *bufs[2] = { &tp->snd.hiwat, &tp->rcv_hiwat };

	if (mss == 0)
		return;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t b = *bufs[i];

		if (b < mss || (i == 1 && b == mss))
			continue; /* send: >= mss; receive: > mss (FreeBSD) */
		b = (b + mss - 1) / mss * mss;
		if ((int64_t)b <= stack_sb_max_adj(s) && b > *bufs[i])
			*bufs[i] = (uint32_t)b;
	}
}

uint8_t tcp_pick_rscale(struct stack *s, uint32_t rcv_hiwat)
{
	/* As FreeBSD: the smallest shift that lets the window cover the
	 * largest socket buffer (so SO_RCVBUF may grow later). */
	uint64_t want = (uint64_t)KNOB(s, TCP_MAXSOCKBUF);
	uint8_t sc = 0;

	if (rcv_hiwat > want)
		want = rcv_hiwat;
	while (sc < TCP_MAX_WINSHIFT && ((uint64_t)TCP_MAXWIN << sc) < want)
		sc++;
	return sc;
}

/* ---- state changes and endings ---- */

void tcp_set_state(struct stack *s, struct tcpcb *tp, int state)
{
	(void)s;
	tp->t_state = (uint8_t)state;
}

struct tcpcb *tcp_close_conn(struct stack *s, struct tcpcb *tp)
{
	struct tcpcb *l = tp->listener;

	STAT_INC(s, tcp, tcps_closed);
	tcp_hash_remove(s, tp);
	tcp_syn_limit_release(s, tp);
	tp->t_state = TCPS_CLOSED;
	tp->t_rexmt_at = tp->t_keep_at = tp->t_delack_at = 0;
	timer_cancel(s->wheel, &tp->timer);
	tcp_sndbuf_free(&tp->snd);
	tcp_reass_free(s, tp);
	if (l || !tp->owner || (tp->t_flags & TF_DETACHED)) {
		/* Not accepted yet, or its owner is gone: nobody to tell. */
		tcp_pcb_free(s, tp);
		return NULL;
	}
	tcp_notify(s, tp,
	           TCP_EV_IN | TCP_EV_OUT | TCP_EV_HUP | TCP_EV_DOWN |
	               (tp->so_error ? TCP_EV_ERR : 0));
	return tp;
}

struct tcpcb *tcp_drop(struct stack *s, struct tcpcb *tp, int err)
{
	if (tp->t_state >= TCPS_SYN_RECEIVED && tp->t_state != TCPS_TIME_WAIT) {
		tcp_send_rst(s, tp);
		STAT_INC(s, tcp, tcps_drops);
	} else {
		STAT_INC(s, tcp, tcps_conndrops);
	}
	if (err)
		tp->so_error = (int16_t)err;
	/* What was received stays readable before the error is reported
	 * (FreeBSD's soisdisconnected keeps so_rcv; Linux its receive
	 * queue). */
	return tcp_close_conn(s, tp);
}

/* ---- RTT and RTO (RFC 6298) ---- */

void tcp_rtt_update(struct stack *s, struct tcpcb *tp, uint32_t rtt_us)
{
	STAT_INC(s, tcp, tcps_rttupdated);
	if (rtt_us == 0)
		rtt_us = 1;
	if (tp->t_srtt == 0 || tp->t_rxtshift > TCP_MAXRXTSHIFT / 4) {
		/* (2.2) first measurement; also the first after more than
		 * three backoffs, when the path may have changed (FreeBSD's
		 * TCP_RTT_INVALIDATE: the estimate is kept while backing
		 * off, and started again here). */
		tp->t_srtt = rtt_us;
		tp->t_rttvar = rtt_us / 2;
	} else {
		/* (2.3) beta = 1/4, alpha = 1/8 */
		uint32_t d = tp->t_srtt > rtt_us ? tp->t_srtt - rtt_us : rtt_us - tp->t_srtt;

		tp->t_rttvar = tp->t_rttvar - tp->t_rttvar / 4 + d / 4;
		tp->t_srtt = tp->t_srtt - tp->t_srtt / 8 + rtt_us / 8;
	}
	tp->t_rxtshift = 0;
	tp->t_rxtcur_ms = tcp_rto_ms(s, tp);
}

/* FreeBSD's TCP_REXMTVAL: SRTT + 4 RTTVAR (at least the clock granularity,
 * 1 ms, for the variance term: RFC 6298 2.2/2.3), not below
 * net.inet.tcp.rexmit_min; net.inet.tcp.rexmit_initial before any sample
 * (RFC 6298 2.1). */
static uint64_t rexmtval_ms(struct stack *s, const struct tcpcb *tp)
{
	uint64_t var = 4ull * tp->t_rttvar, v;

	if (tp->t_srtt == 0 && tp->t_rttvar == 0)
		return (uint64_t)KNOB(s, TCP_REXMIT_INITIAL);
	if (var < 1000)
		var = 1000;
	v = (tp->t_srtt + var + 999) / 1000;
	return v < (uint64_t)KNOB(s, TCP_REXMIT_MIN) ? (uint64_t)KNOB(s, TCP_REXMIT_MIN) : v;
}

/* The RTO before any backoff: REXMTVAL plus net.inet.tcp.rexmit_slop once
 * there is a sample (FreeBSD's TCPT_RANGESET in tcp_xmit_timer), the
 * initial RTO as it is before (FreeBSD's t_rxtcur = TCPTV_RTOBASE). */
uint32_t tcp_rto_ms(struct stack *s, const struct tcpcb *tp)
{
	uint64_t rto = rexmtval_ms(s, tp);

	if (tp->t_srtt != 0 || tp->t_rttvar != 0)
		rto += (uint64_t)KNOB(s, TCP_REXMIT_SLOP);
	return rto > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : (uint32_t)rto;
}

/* ---- the connection timer ---- */

void tcp_timer_update(struct stack *s, struct tcpcb *tp)
{
	uint64_t d = 0;

	if (tp->t_rexmt_at)
		d = tp->t_rexmt_at;
	if (tp->t_keep_at && (!d || tp->t_keep_at < d))
		d = tp->t_keep_at;
	if (tp->t_delack_at && (!d || tp->t_delack_at < d))
		d = tp->t_delack_at;
	if (tp->rack && tcp_rack_timer_at(tp) && (!d || tcp_rack_timer_at(tp) < d))
		d = tcp_rack_timer_at(tp);
	if (!d) {
		timer_cancel(s->wheel, &tp->timer);
		return;
	}
	/* Re-arming is O(1); skip it when the slot already holds this tick. */
	if (timer_armed(&tp->timer) &&
	    tp->timer.expire == d / s->wheel->tick_ns + (d % s->wheel->tick_ns != 0))
		return;
	timer_arm(s->wheel, &tp->timer, d);
}

/* The retransmission timeout after t_rxtshift backoffs, as FreeBSD 14's
 * tcp_timer_rexmt computes it (RFC 6298 5.5, doubling): the base times
 * 2^shift, plus net.inet.tcp.rexmit_slop, at most 64 s.  The base is
 * net.inet.tcp.rexmit_initial for a SYN or SYN-ACK (tcp_backoff[] for SYNs
 * too; the syncache times its SYN-ACKs the same way), REXMTVAL otherwise.
 * With the defaults a SYN leaves at 0, 1, 3.2, 7.4, 15.6, 31.8 and 64 s,
 * and data with one 100 ms RTT sample goes again 0.5, 0.8, 1.4, 2.6 s ...
 * after the previous transmission. */
static uint64_t backed_off_ms(struct stack *s, const struct tcpcb *tp)
{
	unsigned shift = tp->t_rxtshift < TCP_MAXRXTSHIFT ? tp->t_rxtshift : TCP_MAXRXTSHIFT;
	uint64_t rto;

	if (shift == 0)
		return tcp_rto_ms(s, tp);
	if (tp->t_state < TCPS_ESTABLISHED)
		rto = (uint64_t)KNOB(s, TCP_REXMIT_INITIAL);
	else
		rto = rexmtval_ms(s, tp);
	/* FreeBSD's tcp_backoff[] stops doubling at 512. */
	rto = (rto << (shift < 9 ? shift : 9)) + (uint64_t)KNOB(s, TCP_REXMIT_SLOP);
	return rto > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : rto;
}

/* The progress clock (net.inet.tcp.maxunacktime, FreeBSD's t_acktime):
 * running while data waits to be sent or acknowledged, from the moment it
 * started waiting or SND.UNA last moved; stopped when nothing waits. */
static void progress_start(struct stack *s, struct tcpcb *tp)
{
	if (!tp->t_acktime_ns)
		tp->t_acktime_ns = s->now + 1;
}

void tcp_progress_note(struct stack *s, struct tcpcb *tp)
{
	tp->t_acktime_ns = tp->snd.cc ? s->now + 1 : 0;
}

/* FreeBSD's tcp_maxunacktime_check: no progress for maxunacktime (a peer
 * that keeps its window shut while answering every probe included); the
 * socket's TCP_USER_TIMEOUT overrides the knob (FreeBSD's Linux emulation
 * maps that option onto TCP_MAXUNACKTIME).  Counts tcps_progdrops. */
static bool progress_expired(struct stack *s, const struct tcpcb *tp)
{
	uint64_t lim =
	    tp->t_maxunacktime ? tp->t_maxunacktime : (uint64_t)KNOB(s, TCP_MAXUNACKTIME);

	if (!lim || !tp->t_acktime_ns || s->now + 1 - tp->t_acktime_ns < lim * 1000000ull)
		return false;
	STAT_INC(s, tcp, tcps_progdrops);
	return true;
}

void tcp_rexmt_arm(struct stack *s, struct tcpcb *tp)
{
	progress_start(s, tp);
	tp->t_flags &= ~TF_PERSIST;
	tp->t_tlp &= (uint8_t)~TLP_PTO;
	tp->t_rxtcur_ms = (uint32_t)backed_off_ms(s, tp);
	tp->t_rexmt_at = s->now + (uint64_t)tp->t_rxtcur_ms * 1000000ull;
	tcp_timer_update(s, tp);
}

void tcp_rexmt_stop(struct stack *s, struct tcpcb *tp)
{
	if (!tp->snd.cc)
		tp->t_acktime_ns = 0;
	tp->t_rexmt_at = 0;
	tp->t_flags &= ~TF_PERSIST;
	tp->t_tlp &= (uint8_t)~TLP_PTO;
	tcp_timer_update(s, tp);
}

/* The persist interval as FreeBSD 14's tcp_setpersist computes it: a base
 * times 2^t_rxtshift (doubling stops at 512, tcp_backoff[]), plus
 * net.inet.tcp.rexmit_slop, within [5 s, 60 s] (TCPTV_PERSMIN/PERSMAX).
 * The base is 4 SRTT + 8 RTTVAR: 4.4BSD's (SRTT + 2 RTTVAR) read through
 * FreeBSD's wider fixed-point scales (SRTT x32, RTTVAR x16 where 4.4BSD
 * had x8, x4); before any RTT sample RTTVAR is FreeBSD's initial
 * rexmit_initial / 4, so the base is 2 rexmit_initial.  The defaults give
 * without a sample 5, 5, 8.2, 16.2, 32.2, 60, 60 ... s; with a 100 ms
 * sample (base 0.8 s) 5, 5, 5, 6.6, 13, 25.8, 51.4, 60 ... s. */
static uint64_t persist_ms(struct stack *s, const struct tcpcb *tp)
{
	unsigned shift = tp->t_rxtshift < 9 ? tp->t_rxtshift : 9;
	uint64_t base, t;

	if (tp->t_srtt == 0 && tp->t_rttvar == 0)
		base = 2ull * (uint64_t)KNOB(s, TCP_REXMIT_INITIAL);
	else
		base = (4ull * tp->t_srtt + 8ull * tp->t_rttvar) / 1000u;
	t = (base << shift) + (uint64_t)KNOB(s, TCP_REXMIT_SLOP);
	if (t < TCP_PERSMIN_MS)
		t = TCP_PERSMIN_MS;
	return t > TCP_PERSMAX_MS ? TCP_PERSMAX_MS : t;
}

void tcp_persist_arm(struct stack *s, struct tcpcb *tp)
{
	uint64_t t = persist_ms(s, tp);

	progress_start(s, tp);
	tp->t_flags |= TF_PERSIST;
	tp->t_tlp &= (uint8_t)~TLP_PTO;
	tp->t_rexmt_at = s->now + t * 1000000ull;
	tcp_timer_update(s, tp);
}

/* Tail loss probes (RFC 8985 section 7), fastack.tcp.tlp: a connection in
 * the open state (not recovering, not backed off, not persisting) with SACK
 * and an RTT estimate, and no probe outstanding, waits PTO = 2 SRTT (plus
 * the worst-case delayed ACK, 200 ms, when one segment is in flight, else
 * plus 2 ms as Linux) rather than the RTO for an ACK; if none comes, one
 * probe goes out (tcp_tlp_send: new data, or the last segment again) to
 * draw an ACK whose SACK information starts fast recovery instead of a
 * timeout.  A PTO that would not come before the RTO is not used. */
static bool tlp_applies(struct stack *s, const struct tcpcb *tp)
{
	return (KNOB(s, TCP_TLP) || tp->t_fb == TCP_FB_RACK) && (tp->t_flags & TF_SACK_PERMIT) &&
	       tp->t_srtt && tp->t_state >= TCPS_ESTABLISHED && tp->t_state != TCPS_TIME_WAIT &&
	       !(tp->t_flags & (TF_FASTRECOVERY | TF_PERSIST)) && !(tp->t_tlp & TLP_OUT) &&
	       tp->t_rxtshift == 0 && tp->snd_max != tp->snd_una;
}

void tcp_pto_or_rexmt_arm(struct stack *s, struct tcpcb *tp)
{
	uint64_t pto_ns, rto_ns;

	if (!tlp_applies(s, tp)) {
		tcp_rexmt_arm(s, tp);
		return;
	}
	pto_ns = 2ull * tp->t_srtt * 1000ull;
	pto_ns += (tp->snd_max - tp->snd_una <= tp->t_maxseg) ? 200000000ull : 2000000ull;
	rto_ns = backed_off_ms(s, tp) * 1000000ull;
	if (pto_ns >= rto_ns) {
		tcp_rexmt_arm(s, tp);
		return;
	}
	tp->t_flags &= ~TF_PERSIST;
	tp->t_tlp |= TLP_PTO;
	tp->t_rxtcur_ms = (uint32_t)(rto_ns / 1000000ull);
	tp->t_rexmt_at = s->now + pto_ns;
	tcp_timer_update(s, tp);
}

static bool keepalive_on(struct stack *s, const struct tcpcb *tp)
{
	return (tp->t_flags & TF_KEEPALIVE) || KNOB(s, TCP_ALWAYS_KEEPALIVE);
}

void tcp_keep_arm(struct stack *s, struct tcpcb *tp)
{
	uint64_t ms;

	switch (tp->t_state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		ms = (uint64_t)KNOB(s, TCP_KEEPINIT);
		break;
	case TCPS_TIME_WAIT:
		return; /* tcp_2msl_arm */
	case TCPS_FIN_WAIT_2:
		if (tp->t_flags & TF_DETACHED) {
			/* FreeBSD: finwait2_timeout with fast_finwait2_recycle,
			 * else the keepalive's idle limit (keepcnt *
			 * keepintvl, 600 s); any segment restarts it. */
			if (KNOB(s, TCP_FAST_FINWAIT2_RECYCLE))
				ms = (uint64_t)KNOB(s, TCP_FINWAIT2_TIMEOUT);
			else
				ms = (uint64_t)(tp->keepcnt ? tp->keepcnt
				                            : (uint32_t)KNOB(s, TCP_KEEPCNT)) *
				     (tp->keepintvl ? tp->keepintvl
				                    : (uint64_t)KNOB(s, TCP_KEEPINTVL));
			break;
		}
		/* fall through */
	default:
		if (!keepalive_on(s, tp) || tp->t_state > TCPS_CLOSING) {
			tp->t_keep_at = 0;
			tcp_timer_update(s, tp);
			return;
		}
		ms = tp->keepidle ? tp->keepidle : (uint64_t)KNOB(s, TCP_KEEPIDLE);
		break;
	}
	tp->t_keepcnt_sent = 0;
	tp->t_keep_at = s->now + ms * 1000000ull;
	tcp_timer_update(s, tp);
}

void tcp_2msl_arm(struct stack *s, struct tcpcb *tp)
{
	tp->t_keep_at = s->now + 2ull * (uint64_t)KNOB(s, TCP_MSL) * 1000000ull;
	tp->t_rexmt_at = 0;
	tp->t_delack_at = 0;
	tp->t_tlp = 0;
	tcp_rack_free(tp); /* nothing left to send */
	tp->t_flags &= ~(TF_PERSIST | TF_DELACK);
	tcp_timer_update(s, tp);
}

void tcp_delack_arm(struct stack *s, struct tcpcb *tp)
{
	tp->t_flags |= TF_DELACK;
	if (!tp->t_delack_at) {
		tp->t_delack_at = s->now + (uint64_t)KNOB(s, TCP_DELACKTIME) * 1000000ull;
		tcp_timer_update(s, tp);
	}
}

/* Retransmission timeout (RFC 6298 section 5.4-5.7, RFC 5681 (4)). */
static struct tcpcb *timer_rexmt(struct stack *s, struct tcpcb *tp)
{
	uint32_t mss = tp->t_maxseg;

	if (tp->t_state >= TCPS_ESTABLISHED && progress_expired(s, tp))
		return tcp_drop(s, tp, ETIMEDOUT);
	if (++tp->t_rxtshift > TCP_MAXRXTSHIFT ||
	    (tp->t_state == TCPS_SYN_RECEIVED && (tp->t_flags & TF_PASSIVE) &&
	     tp->t_rxtshift > KNOB(s, TCP_SYNCACHE_REXMTLIMIT))) {
		if (tp->t_state == TCPS_SYN_RECEIVED && (tp->t_flags & TF_PASSIVE)) {
			/* A half-open connection is forgotten silently, as
			 * FreeBSD's syncache entry (a late ACK then meets
			 * the listener: cookie check or RST). */
			STAT_INC(s, tcp, tcps_sc_aborted);
			return tcp_close_conn(s, tp);
		}
		STAT_INC(s, tcp, tcps_timeoutdrop);
		return tcp_drop(s, tp, tp->t_softerror ? tp->t_softerror : ETIMEDOUT);
	}
	if (tp->snd_una == tp->snd_max && tp->t_state >= TCPS_ESTABLISHED) {
		/* Nothing was in flight: this timer retries what failed to
		 * leave (tcp_output.c send_failed), with no congestion signal,
		 * since nothing was lost on the path.  Failing again re-arms it,
		 * one backoff further; sending nothing leaves it off. */
		tp->t_rexmt_at = 0;
		tcp_output(s, tp);
		if (tp->snd_una == tp->snd_max && !tp->t_rexmt_at)
			tp->t_rxtshift = 0;
		return tp;
	}
	STAT_INC(s, tcp, tcps_rexmttimeo);
	if (tp->t_state == TCPS_SYN_RECEIVED && (tp->t_flags & TF_PASSIVE))
		STAT_INC(s, tcp, tcps_sc_retransmitted);
	tp->t_rxtundo = 0;
	if (tp->t_state >= TCPS_ESTABLISHED) {
		/* ssthresh from the flight on the first timeout only; what
		 * it changes is kept to be restored if the timeout proves
		 * spurious (tcp_input.c rto_undo; the retransmission below
		 * leaves at t_badrxtwin, its timestamp). */
		if (tp->t_rxtshift == 1) {
			tp->snd_cwnd_prev = tp->snd_cwnd;
			tp->snd_ssthresh_prev = tp->snd_ssthresh;
			tp->snd_recover_prev = tp->snd_recover;
			tp->cc_prev = tp->cc;
			tp->t_badrxtwin = tcp_ms(s);
			tp->t_rxtundo = RXT_PREVVALID;
			if (tp->t_flags & TF_FASTRECOVERY)
				tp->t_rxtundo |= RXT_WASFR;
			tcp_cc(tp)->cong_signal(s, tp, CC_RTO);
		}
		tp->snd_cwnd = mss; /* RFC 5681 (4): LW = 1 segment */
		if (tp->t_ecn & ECN_PERMIT)
			tp->t_ecn |= ECN_SND_CWR; /* RFC 3168 6.1.2 */
	} else if (tp->t_state == TCPS_SYN_RECEIVED &&
	           tp->t_rxtshift > KNOB(s, TCP_ECN_MAXRETRIES)) {
		/* No ECE once net.inet.tcp.ecn.maxretries (1) SYN-ACKs went
		 * out with it: it may be what gets lost. */
		tp->t_ecn &= (uint8_t)~ECN_PERMIT;
	} else if (tp->t_state == TCPS_SYN_SENT && tp->t_rxtshift == 3 &&
	           KNOB(s, TCP_REXMIT_DROP_OPTIONS)) {
		/* net.inet.tcp.rexmit_drop_options: from the third SYN
		 * retransmission on, no window scale, timestamps or SACK (a
		 * middlebox may drop SYNs with options; FreeBSD's
		 * tcp_timer_rexmt). */
		tp->t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK);
	}
	tp->t_flags &= ~TF_FASTRECOVERY;
	tp->t_tlp = 0;
	tp->t_dupacks = 0;
	tp->snd_recover = tp->snd_max;
	tp->t_rtttime = 0; /* Karn: no sample from a retransmission */
	if (!tcp_rack_rto(s, tp)) {
		/* FreeBSD's stack: the scoreboard is forgotten, go back N. */
		tcp_sack_clear(tp);
		tp->snd_nxt = tp->snd_una;
	}
	tp->t_rexmt_at = 0;
	tcp_rexmt_arm(s, tp);
	tcp_output(s, tp);
	return tp;
}

/* FreeBSD's tcp_totbackoff: the sum of tcp_backoff[], 1 + 2 + ... + 512
 * and three more 512s. */
#define TCP_TOTBACKOFF 2559u
/* FreeBSD's tcp_maxpersistidle: TCPTV_KEEP_IDLE (no sysctl). */
#define TCP_MAXPERSISTIDLE_MS 7200000u

/* The persist timer, as FreeBSD 14's tcp_timer_persist: a connection that
 * makes no progress for net.inet.tcp.maxunacktime is dropped (off by
 * default, as FreeBSD); so is one whose peer has sent nothing since the
 * probes reached the full backoff (TCP_MAXRXTSHIFT) and for
 * tcp_maxpersistidle or REXMTVAL * tcp_totbackoff, or for TCPTV_PERSMAX
 * after the owner closed it (tcps_persistdrop).  A peer that answers
 * every probe (with window 0) keeps the connection alive by FreeBSD's
 * idle rules: maxunacktime is the policy that bounds it. */
static struct tcpcb *timer_persist(struct stack *s, struct tcpcb *tp)
{
	uint32_t idle = tcp_ms(s) - tp->t_rcvtime;

	STAT_INC(s, tcp, tcps_persisttimeo);
	if (progress_expired(s, tp))
		return tcp_drop(s, tp, ETIMEDOUT);
	if ((tp->t_rxtshift >= TCP_MAXRXTSHIFT &&
	     (idle >= TCP_MAXPERSISTIDLE_MS || idle >= rexmtval_ms(s, tp) * TCP_TOTBACKOFF)) ||
	    (tp->t_state > TCPS_CLOSE_WAIT && idle >= TCP_PERSMAX_MS)) {
		STAT_INC(s, tcp, tcps_persistdrop);
		return tcp_drop(s, tp, ETIMEDOUT);
	}
	tp->t_rexmt_at = 0;
	tp->t_flags &= ~TF_PERSIST;
	if (tp->snd_wnd > 0)
		tp->t_rxtshift = 0; /* a small window: data, not a probe */
	else if (tp->t_rxtshift < TCP_MAXRXTSHIFT)
		tp->t_rxtshift++;
	tp->t_flags |= TF_FORCEDATA;
	tp->snd_nxt = tp->snd_una; /* probe with the first unacknowledged byte */
	tcp_output(s, tp);
	tp->t_flags &= ~TF_FORCEDATA;
	/* Still shut: the next probe (FreeBSD re-arms before it sends).  Also
	 * when the probe carried the last byte waiting: nothing else would
	 * ever probe again. */
	if (!tp->t_rexmt_at && tp->snd.cc && tp->snd_wnd == 0)
		tcp_persist_arm(s, tp);
	return tp;
}

static struct tcpcb *timer_keep(struct stack *s, struct tcpcb *tp)
{
	tp->t_keep_at = 0;
	switch (tp->t_state) {
	case TCPS_TIME_WAIT:
		return tcp_close_conn(s, tp);
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		STAT_INC(s, tcp, tcps_keepdrops);
		if (tp->t_flags & TF_PASSIVE)
			return tcp_close_conn(s, tp); /* silently, as above */
		return tcp_drop(s, tp, tp->t_softerror ? tp->t_softerror : ETIMEDOUT);
	case TCPS_FIN_WAIT_2:
		if (tp->t_flags & TF_DETACHED) {
			STAT_INC(s, tcp, tcps_finwait2_drops);
			return tcp_close_conn(s, tp);
		}
		break;
	default:
		break;
	}
	STAT_INC(s, tcp, tcps_keeptimeo);
	if (!keepalive_on(s, tp) || tp->t_state > TCPS_CLOSING)
		return tp;
	if (tp->t_keepcnt_sent >= (tp->keepcnt ? tp->keepcnt : (uint32_t)KNOB(s, TCP_KEEPCNT))) {
		STAT_INC(s, tcp, tcps_keepdrops);
		return tcp_drop(s, tp, ETIMEDOUT);
	}
	/* A probe: SEG.SEQ = SND.UNA - 1 makes the peer answer with an ACK
	 * (RFC 1122 section 4.2.3.6); no garbage byte, as FreeBSD. */
	STAT_INC(s, tcp, tcps_keepprobe);
	tcp_send_seg(s, tp, tp->snd_una - 1, 0, TH_ACK);
	tp->t_keepcnt_sent++;
	tp->t_keep_at =
	    s->now + (uint64_t)(tp->keepintvl ? tp->keepintvl : (uint32_t)KNOB(s, TCP_KEEPINTVL)) *
	                 1000000ull;
	return tp;
}

static void tcp_timer_fire(struct timer *t, void *ctx)
{
	struct stack *s = ctx;
	struct tcpcb *tp = container_of(t, struct tcpcb, timer);

	if (tp->t_delack_at && tp->t_delack_at <= s->now) {
		tp->t_delack_at = 0;
		if (tp->t_flags & TF_DELACK) {
			tp->t_flags &= ~TF_DELACK;
			tp->t_flags |= TF_ACKNOW;
			STAT_INC(s, tcp, tcps_delack);
			tcp_output(s, tp);
		}
	}
	if (tp->rack && tcp_rack_timer_at(tp) && tcp_rack_timer_at(tp) <= s->now)
		tcp_rack_timeout(s, tp);
	if (tp->t_rexmt_at && tp->t_rexmt_at <= s->now) {
		if (tp->t_tlp & TLP_PTO) {
			tp->t_rexmt_at = 0;
			tp->t_tlp &= (uint8_t)~TLP_PTO;
			tcp_tlp_send(s, tp);
		} else {
			tp = (tp->t_flags & TF_PERSIST) ? timer_persist(s, tp) : timer_rexmt(s, tp);
			if (!tp)
				return;
		}
	}
	if (tp->t_keep_at && tp->t_keep_at <= s->now) {
		tp = timer_keep(s, tp);
		if (!tp)
			return;
	}
	if (tp->t_state != TCPS_CLOSED)
		tcp_timer_update(s, tp);
}

/* ---- the tools' view (tcp_conn_walk) ---- */

static void conn_info(struct stack *s, const struct tcpcb *tp, struct tcp_conn_info *ci)
{
	(void)s;
	memset(ci, 0, sizeof(*ci));
	ci->family = tp->key.family;
	memcpy(ci->laddr, tp->key.laddr, sizeof(ci->laddr));
	memcpy(ci->faddr, tp->key.faddr, sizeof(ci->faddr));
	ci->lport = rte_be_to_cpu_16(tp->key.lport);
	ci->fport = rte_be_to_cpu_16(tp->key.fport);
	ci->state = tp->t_state;
	ci->sendq = tp->snd.cc;
	ci->recvq = tp->rcvq.bytes;
	ci->q_len = tp->q_len;
	ci->q_incomp = tp->q_incomp;
	ci->q_limit = tp->q_limit;
	ci->sack = (tp->t_flags & TF_SACK_PERMIT) != 0;
	ci->ts = (tp->t_flags & TF_RCVD_TSTMP) && (tp->t_flags & TF_REQ_TSTMP);
	ci->wscale = (tp->t_flags & TF_RCVD_SCALE) && (tp->t_flags & TF_REQ_SCALE);
	ci->ecn = (tp->t_ecn & ECN_PERMIT) != 0;
	ci->detached = (tp->t_flags & TF_DETACHED) != 0;
	ci->snd_wnd = tp->snd_wnd;
	ci->rcv_wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	ci->rcv_ooo = tp->reass_bytes;
	ci->iss = tp->iss;
	ci->irs = tp->irs;
	ci->snd_una = tp->snd_una;
	ci->snd_nxt = tp->snd_nxt;
	ci->rcv_nxt = tp->rcv_nxt;
	ci->cc = tcp_cc_name(tp->cc_id);
	tcp_info_get(tp, &ci->ti);
}

bool tcp_conn_walk(struct stack *s, uint32_t *cursor, unsigned max,
                   void (*fn)(const struct tcp_conn_info *ci, void *arg), void *arg)
{
	struct tcp_layer *t = s->tcp;
	struct tcp_conn_info ci;
	struct list_node *pos;
	const void *key;
	void *data;
	unsigned n = 0;

	if (*cursor == 0) {
		list_for_each (pos, &t->listeners) {
			conn_info(s, list_entry(pos, struct tcpcb, link), &ci);
			fn(&ci, arg);
		}
		list_for_each (pos, &t->bound) {
			conn_info(s, list_entry(pos, struct tcpcb, link), &ci);
			fn(&ci, arg);
		}
	}
	while (n < max && rte_hash_iterate(t->conns, &key, &data, cursor) >= 0) {
		conn_info(s, data, &ci);
		fn(&ci, arg);
		n++;
	}
	return n == max;
}
