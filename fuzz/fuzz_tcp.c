/* fuzz_tcp.c: libFuzzer target that mutates and injects the segments of
 * live TCP connections between two stacks (issue 17, part 5).
 *
 * Set-up, per input: two seeded stacks (stack_create_seeded, so a crash
 * replays bit for bit) on capture ports, a = 198.18.0.1 and b = 198.18.0.2
 * (tests/harness h_relay), listeners on a:80 and b:81.  This file is the
 * link: what a stack sends waits in a queue per direction (q[0] from a,
 * q[1] from b) until an operation delivers, drops, duplicates, reorders or
 * changes it.
 *
 * Input:
 *   byte 0   knobs: bit 0 timestamps+window scale (rfc1323), bit 1 SACK,
 *            bit 2 ECN, bit 3 CUBIC, bit 4 no delayed ACK, bit 5 small
 *            buffers (4 KiB: zero windows, persist), bit 6 SYN cache of 1
 *            (SYN cookies), bit 7 tail loss probes;
 *   byte 1   scenario (below, modulo SCEN_COUNT): a scripted prelude that
 *            leaves connections in given states with their segments in
 *            the queues;
 *   rest     operations, one opcode byte each and its arguments (a byte
 *            reader that returns 0 past the end), at most MAX_OPS:
 *     DELIVER dir n      deliver the first n+1 frames of q[dir], run a pass
 *     DROP dir           drop the head of q[dir]
 *     MUTATE dir mask .. change the head of q[dir] and deliver it: flags,
 *                        seq/ack (offsets from the live values, or wild),
 *                        window, options, payload length, IP TOS (ECN),
 *                        a bad checksum
 *     DUP dir, SWAP dir  duplicate the head / swap the first two
 *     INJECT ...         a segment on a flow seen so far, to either stack,
 *                        seq and ack relative to the receiver's RCV.NXT,
 *                        RCV.ADV, IRS / SND.NXT, SND.UNA, SND.MAX, ISS
 *                        (read from its tcpcb), with timestamps (echoing
 *                        what each side sent), SACK blocks, SYN options,
 *                        payload
 *     TIME t             advance virtual time (1 ms .. 10 min; big steps go
 *                        timer deadline to deadline), optionally
 *                        delivering everything on the way
 *     APP side k call .. socket calls: write, read, close, shutdown,
 *                        SO_LINGER 0 + close, options, connect (to the
 *                        other's listener, a closed port, the other's fixed
 *                        ports for a simultaneous open; from a fixed port
 *                        to revisit TIME_WAIT), accept, TCP_INFO
 *     FLUSH              deliver everything both ways, 1 ms a pass, until
 *                        the link is quiet (at most 200 passes)
 *     ICMP dir t code mtu an ICMP error quoting the head of q[dir], back to
 *                        its sender (fragmentation needed, unreachable,
 *                        time exceeded, source quench)
 *
 * End of every input: every descriptor closed, then the link delivers
 * everything while virtual time runs from deadline to deadline until both
 * connection tables are empty (at most DRAIN_NS); then no descriptor, no
 * control block may be left and both pools must be full (h_relay_destroy),
 * otherwise abort() with a description, so that libFuzzer reports it.  An
 * input whose stacks exchange more than MAX_FRAMES frames (an ACK storm:
 * two stacks answering each other without end) aborts too.
 *
 * FUZZ_TCP_STATES=1 in the environment prints, at exit, how many inputs
 * reached each TCP state (and a listener with a non-empty SYN queue), for
 * the coverage figures of fuzz/README.md; FUZZ_TCP_STATES=2 also the states
 * of each input.  FUZZ_TCP_TRACE=1 prints every frame delivered, with its
 * virtual time in ms, tcpdump-style (replaying a crash: fuzz/README.md).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *   ninja -C build-fuzz fuzz/fuzz_tcp
 *   python3 fuzz/make_seeds.py --tcp corpus-tcp
 *   build-fuzz/fuzz/fuzz_tcp -max_total_time=60 corpus-tcp
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "base/timer.h"
#include "ff_api.h"
#include "fuzz_input.h"
#include "harness.h"
#include "socket/socket.h"
#include "tcp/tcp.h"
#include "tcp/tcp_priv.h"
#include "wire/tcp.h"

/* Linux option names (netinet/tcp.h clashes with the stack's TH_* names). */
#define SO_TCP_NODELAY 1
#define SO_TCP_MAXSEG 2
#define SO_TCP_KEEPIDLE 4
#define SO_TCP_KEEPINTVL 5
#define SO_TCP_INFO 11

#define FRAME_MAX 1600
#define QLEN 64       /* frames a direction holds; more push out the oldest */
#define MAX_SOCKS 24  /* descriptors tracked (both stacks) */
#define MAX_FLOWS 16  /* 4-tuples seen on the link */
#define MAX_OPS 512   /* operations per input */
#define PORT_A 80     /* listener on a */
#define PORT_B 81     /* listener on b */
#define PORT_CLOSED 9 /* nobody listens */
#define FIXED_PORT 40000
#define DRAIN_NS (4ull * 3600 * 1000000000ull) /* 4 virtual hours */
#define ETH_HLEN 14
/* Frames one input may move: its writes (at most MAX_OPS x 64 KiB) take
 * some 50,000 segments and ACKs; ten times that is a storm. */
#define MAX_FRAMES 500000u

/* ---- the link ---- */

struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

struct queue {
	struct frame f[QLEN];
	unsigned head, n;
};

/* Both directions' last segment, per 4-tuple (ports on a and on b). */
struct flow {
	uint16_t port[2];
	uint32_t seq_end[2]; /* seq + len (+SYN/FIN) of the last segment from side i */
	uint32_t ack[2];
	uint32_t tsval[2];
};

static struct {
	struct rte_mempool *pool[2];
	struct h_relay h;
	struct stack *s[2];
	struct queue q[2]; /* q[i]: frames side i sent, for side 1 - i */
	struct flow flows[MAX_FLOWS];
	unsigned nflows;
	struct {
		int fd;
		unsigned side;
	} socks[MAX_SOCKS];
	unsigned nsocks;
	int lfd[2];
	unsigned states_seen; /* bit per TCP state this input, + bit 15: SYN queue */
	unsigned frames;      /* delivered this input */
} F;

static const uint32_t ADDR[2] = { RTE_BE32(0xc6120001), RTE_BE32(0xc6120002) };
static const uint8_t MAC[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
static uint8_t pattern[70000];

/* Inputs that reached each state (FUZZ_TCP_STATES). */
static unsigned long state_inputs[16], total_inputs;
static bool verbose; /* FUZZ_TCP_STATES=2: each input's states */
static bool trace;   /* FUZZ_TCP_TRACE=1: every frame delivered, tcpdump-style */

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_tcp: %s\n", what);
	abort();
}

static struct frame *q_at(struct queue *q, unsigned i)
{
	return &q->f[(q->head + i) % QLEN];
}

static void q_pop(struct queue *q)
{
	if (q->n) {
		q->head = (q->head + 1) % QLEN;
		q->n--;
	}
}

static struct frame *q_push(struct queue *q)
{
	if (q->n == QLEN)
		q_pop(q); /* the oldest is lost */
	q->n++;
	return q_at(q, q->n - 1);
}

/* TCP header of frame f, or NULL (not IPv4/TCP to one of us). */
static uint8_t *frame_tcp(struct frame *f, unsigned *ihl)
{
	uint8_t *ip = f->b + ETH_HLEN;

	if (f->len < ETH_HLEN + 40 || f->b[12] != 0x08 || f->b[13] != 0x00 || (ip[0] >> 4) != 4 ||
	    ip[9] != IPPROTO_TCP)
		return NULL;
	*ihl = (ip[0] & 15u) * 4u;
	if (*ihl < 20 || f->len < ETH_HLEN + *ihl + 20)
		return NULL;
	return ip + *ihl;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct flow *flow_find(uint16_t port_a, uint16_t port_b, bool add)
{
	for (unsigned i = 0; i < F.nflows; i++)
		if (F.flows[i].port[0] == port_a && F.flows[i].port[1] == port_b)
			return &F.flows[i];
	if (!add || F.nflows == MAX_FLOWS)
		return NULL;
	memset(&F.flows[F.nflows], 0, sizeof(F.flows[0]));
	F.flows[F.nflows].port[0] = port_a;
	F.flows[F.nflows].port[1] = port_b;
	return &F.flows[F.nflows++];
}

/* Remembers what side `from` sent on its flow. */
static void flow_note(unsigned from, struct frame *f)
{
	unsigned ihl;
	uint8_t *th = frame_tcp(f, &ihl);
	uint16_t sport, dport, tot;
	unsigned thl, len;
	struct tcp_opts o;
	struct flow *fl;

	if (!th)
		return;
	sport = (uint16_t)(th[0] << 8 | th[1]);
	dport = (uint16_t)(th[2] << 8 | th[3]);
	fl = from == 0 ? flow_find(sport, dport, true) : flow_find(dport, sport, true);
	if (!fl)
		return;
	thl = (th[12] >> 4) * 4u;
	tot = (uint16_t)(f->b[ETH_HLEN + 2] << 8 | f->b[ETH_HLEN + 3]);
	if (thl < 20 || ihl + thl > tot || ETH_HLEN + tot > f->len)
		return;
	len = tot - ihl - thl;
	fl->seq_end[from] = get32(th + 4) + len + !!(th[13] & TH_SYN) + !!(th[13] & TH_FIN);
	fl->ack[from] = get32(th + 8);
	wire_tcp_opts_parse(th + 20, thl - 20, th[13] & TH_SYN, &o);
	if (o.present & TOF_TS)
		fl->tsval[from] = o.tsval;
}

/* Moves what the stacks sent into the link's queues. */
static void collect(void)
{
	for (unsigned i = 0; i < 2; i++) {
		struct port *cap = i == 0 ? F.h.cap_a : F.h.cap_b;
		struct rte_mbuf *m;

		while ((m = cap_port_pop(cap)) != NULL) {
			if (m->pkt_len <= FRAME_MAX) {
				struct frame *f = q_push(&F.q[i]);
				const void *d = rte_pktmbuf_read(m, 0, m->pkt_len, f->b);

				if (d != f->b)
					memcpy(f->b, d, m->pkt_len);
				f->len = (uint16_t)m->pkt_len;
				flow_note(i, f);
			}
			rte_pktmbuf_free(m);
		}
	}
}

static void record_states(void);

static void pass(void)
{
	h_relay_pass(&F.h);
	collect();
	record_states();
}

/* Hands len bytes of frame to side `to` (no pass). */
static void inject(unsigned to, const uint8_t *b, unsigned len)
{
	struct rte_mbuf *m = harness_frame(F.pool[to], b, len);
	char d[200];

	if (!m)
		return;
	if (++F.frames > MAX_FRAMES)
		fail("a frame storm: more than 500,000 frames crossed the link in one input "
		     "(two stacks answering each other without end? FUZZ_TCP_TRACE=1 shows it)");
	if (trace)
		fprintf(stderr, "%10.3f %s %s\n", (double)(F.h.now - 1000000000ull) / 1e6,
		        to ? "a > b" : "b > a", harness_describe(m, d, sizeof(d)));
	cap_port_inject(to == 0 ? F.h.cap_a : F.h.cap_b, m);
}

/* Delivers the head of q[dir] to the other side (no pass). */
static void deliver_head(unsigned dir)
{
	struct frame *f;

	if (!F.q[dir].n)
		return;
	f = q_at(&F.q[dir], 0);
	inject(1 - dir, f->b, f->len);
	q_pop(&F.q[dir]);
}

static void deliver_all(void)
{
	while (F.q[0].n || F.q[1].n) {
		deliver_head(0);
		deliver_head(1);
	}
}

/* Checksums of an IPv4/TCP frame after a change (tot: IP total length). */
static void fix_sums(uint8_t *b, bool bad)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(b + ETH_HLEN);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(b + ETH_HLEN + (ih->version_ihl & 15) * 4);

	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	if (bad)
		th->cksum ^= 0x1234;
}

/* ---- live values ---- */

/* Side i's control block for flow fl, or NULL. */
static struct tcpcb *flow_pcb(unsigned i, const struct flow *fl)
{
	struct tcp_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	memcpy(k.laddr, &ADDR[i], 4);
	memcpy(k.faddr, &ADDR[1 - i], 4);
	k.lport = rte_cpu_to_be_16(fl->port[i]);
	k.fport = rte_cpu_to_be_16(fl->port[1 - i]);
	return tcp_hash_lookup(F.s[i], &k);
}

static void record_states(void)
{
	for (unsigned f = 0; f < F.nflows; f++)
		for (unsigned i = 0; i < 2; i++) {
			struct tcpcb *tp = flow_pcb(i, &F.flows[f]);

			if (tp)
				F.states_seen |= 1u << tp->t_state;
		}
	for (unsigned i = 0; i < 2; i++) {
		uint8_t any[16] = { 0 };
		struct tcpcb *l =
		    tcp_listener_lookup(F.s[i], AF_INET, any, rte_cpu_to_be_16(80 + i));

		if (l && l->q_incomp)
			F.states_seen |= 1u << 15;
	}
}

/* ---- operations ---- */

static void op_mutate(struct in *in, unsigned dir)
{
	uint8_t mask = u8(in);
	struct frame *f;
	uint8_t *th, *ip;
	unsigned ihl, thl, tot, plen;
	uint8_t buf[FRAME_MAX];
	bool bad = false;

	if (!F.q[dir].n)
		return;
	f = q_at(&F.q[dir], 0);
	th = frame_tcp(f, &ihl);
	if (!th) {
		deliver_head(dir);
		return;
	}
	ip = f->b + ETH_HLEN;
	thl = (th[12] >> 4) * 4u;
	tot = (unsigned)(ip[2] << 8 | ip[3]);
	if (thl < 20 || ihl + thl > tot || ETH_HLEN + tot > f->len) {
		deliver_head(dir);
		return;
	}
	plen = tot - ihl - thl;
	/* Rebuild in buf: headers, options, payload. */
	memcpy(buf, f->b, ETH_HLEN + ihl + 20);
	{
		uint8_t *nth = buf + ETH_HLEN + ihl;
		uint8_t opts[40];
		unsigned olen = thl - 20, nplen = plen;
		const uint8_t *payload = th + thl;
		uint8_t pbuf[1460];

		memcpy(opts, th + 20, olen);
		if (mask & 0x01)
			nth[13] ^= u8(in);
		if (mask & 0x02)
			put32(nth + 4, get32(nth + 4) + (uint32_t)(int32_t)(int16_t)u16(in));
		if (mask & 0x04)
			put32(nth + 8, get32(nth + 8) + (uint32_t)(int32_t)(int16_t)u16(in));
		if (mask & 0x08) {
			uint16_t w = u16(in);
			nth[14] = (uint8_t)(w >> 8);
			nth[15] = (uint8_t)w;
		}
		if (mask & 0x10) {
			olen = u8(in) % 41u;
			for (unsigned i = 0; i < olen; i++)
				opts[i] = u8(in);
			while (olen % 4)
				opts[olen++] = TCPOPT_EOL;
		}
		if (mask & 0x20) {
			nplen = u16(in) % 1461u;
			for (unsigned i = 0; i < nplen; i++)
				pbuf[i] = i < plen ? payload[i] : pattern[i];
			payload = pbuf;
		}
		if (mask & 0x40) {
			uint8_t v = u8(in);
			buf[ETH_HLEN + 1] = (uint8_t)((buf[ETH_HLEN + 1] & ~3u) | (v & 3u));
			bad = (v & 0x80) != 0;
		}
		if (mask & 0x80) {
			put32(nth + 4, u32(in));
			if (u8(in) & 1)
				put32(nth + 8, u32(in));
		}
		if (ETH_HLEN + ihl + 20 + olen + nplen > FRAME_MAX)
			nplen = FRAME_MAX - (ETH_HLEN + ihl + 20 + olen);
		nth[12] = (uint8_t)(((20 + olen) / 4) << 4 | (nth[12] & 0x0f));
		memcpy(nth + 20, opts, olen);
		memcpy(nth + 20 + olen, payload, nplen);
		tot = ihl + 20 + olen + nplen;
		buf[ETH_HLEN + 2] = (uint8_t)(tot >> 8);
		buf[ETH_HLEN + 3] = (uint8_t)tot;
	}
	fix_sums(buf, bad);
	q_pop(&F.q[dir]);
	inject(1 - dir, buf, ETH_HLEN + tot);
	pass();
}

/* A segment from side 1 - to on flow fl, to side `to`, seq/ack relative to
 * the receiver's control block when it has one. */
static void op_inject(struct in *in)
{
	struct flow *fl;
	unsigned to, sel, from;
	uint8_t flags, buf[FRAME_MAX];
	struct tcpcb *tp;
	uint32_t seq, ack;
	int32_t seq_off, ack_off;
	uint16_t win, plen = 0;
	struct tcp_opts o;
	unsigned olen, tot;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(buf + ETH_HLEN);
	uint8_t *th = buf + ETH_HLEN + 20;

	if (!F.nflows)
		return;
	fl = &F.flows[u8(in) % F.nflows];
	to = u8(in) & 1;
	from = 1 - to;
	flags = u8(in);
	sel = u8(in);
	seq_off = (int16_t)u16(in);
	ack_off = (int16_t)u16(in);
	win = u16(in);
	tp = flow_pcb(to, fl);
	if (tp) {
		const uint32_t sb[4] = { tp->rcv_nxt, tp->rcv_adv, tp->irs, 0 };
		const uint32_t ab[4] = { tp->snd_nxt, tp->snd_una, tp->snd_max, tp->iss };
		seq = sb[sel & 3];
		ack = ab[(sel >> 2) & 3];
	} else {
		seq = fl->seq_end[from];
		ack = fl->seq_end[to];
	}
	if ((sel & 3) == 3)
		seq = u32(in);
	seq += (uint32_t)seq_off;
	ack += (uint32_t)ack_off;
	memset(&o, 0, sizeof(o));
	if (sel & 0x10) {
		o.present |= TOF_TS;
		o.tsval = fl->tsval[from] + (uint32_t)(int32_t)(int8_t)u8(in);
		o.tsecr = fl->tsval[to];
	}
	if (sel & 0x20) {
		uint32_t base = tp ? tp->snd_una : ack;
		o.present |= TOF_SACK;
		o.nsack = (uint8_t)(1 + u8(in) % 3);
		for (unsigned i = 0; i < o.nsack; i++) {
			o.sack[i].start = base + (uint32_t)(int32_t)(int16_t)u16(in);
			o.sack[i].end = o.sack[i].start + u16(in);
		}
	}
	if (sel & 0x40) {
		o.present |= TOF_MSS | TOF_SCALE | TOF_SACKPERM;
		o.mss = u16(in);
		o.wscale = u8(in) % 16;
	}
	if (sel & 0x80)
		plen = u16(in) % 1461u;
	olen = wire_tcp_opts_emit(th + 20, 40, &o);
	tot = 20 + 20 + olen + plen;
	memcpy(buf, MAC[to], 6);
	memcpy(buf + 6, MAC[from], 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(ih, 0, 20);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)tot);
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = ADDR[from];
	ih->dst_addr = ADDR[to];
	tcp_hdr_put(th, fl->port[from], fl->port[to], seq, ack, 20 + olen, flags, win);
	memcpy(th + 20 + olen, pattern, plen);
	fix_sums(buf, false);
	inject(to, buf, ETH_HLEN + tot);
	pass();
}

/* An ICMP error about the head of q[dir] (it quotes the frame's IP header
 * and first 8 TCP bytes, so it names a segment in flight), sent back to the
 * side that sent it, as a router on the way would: destination unreachable
 * (fragmentation needed with the input's next-hop MTU, port or host
 * unreachable, ...), source quench, time exceeded, parameter problem. */
static void op_icmp(struct in *in, unsigned dir)
{
	static const uint8_t types[4] = { 3, 3, 11, 4 };
	uint8_t t = u8(in), code = u8(in) % 16, buf[ETH_HLEN + 20 + 8 + 60 + 8];
	uint16_t mtu = u16(in);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(buf + ETH_HLEN);
	uint8_t *ic = buf + ETH_HLEN + 20;
	struct frame *f;
	unsigned ihl, qlen;
	uint16_t ck;

	if (!F.q[dir].n || !frame_tcp(q_at(&F.q[dir], 0), &ihl))
		return;
	f = q_at(&F.q[dir], 0);
	qlen = ihl + 8;
	memcpy(buf, MAC[dir], 6);
	memcpy(buf + 6, MAC[1 - dir], 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(ih, 0, 20);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + qlen));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_ICMP;
	ih->src_addr = ADDR[1 - dir];
	ih->dst_addr = ADDR[dir];
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	ic[0] = types[t & 3];
	ic[1] = (t & 3) == 0 ? 4 : code; /* 3/4: fragmentation needed */
	ic[2] = ic[3] = ic[4] = ic[5] = 0;
	ic[6] = (uint8_t)(mtu >> 8);
	ic[7] = (uint8_t)mtu;
	memcpy(ic + 8, f->b + ETH_HLEN, qlen);
	ck = (uint16_t)~rte_raw_cksum(ic, 8 + qlen);
	memcpy(ic + 2, &ck, 2);
	inject(dir, buf, ETH_HLEN + 20 + 8 + qlen);
	pass();
}

static void op_time(struct in *in)
{
	static const unsigned ms_table[16] = {
		1, 2, 5, 10, 20, 40, 100, 200, 500, 1000, 3000, 10000, 30000, 60000, 120000, 600000
	};
	uint8_t t = u8(in);
	uint64_t target = F.h.now + ms_table[t & 15] * 1000000ull;
	bool auto_deliver = (t & 0x10) != 0;

	while (F.h.now < target) {
		uint64_t next = F.h.now + 1000000ull;

		if (ms_table[t & 15] > 200 && !(auto_deliver && (F.q[0].n || F.q[1].n))) {
			uint64_t da = timer_wheel_next_deadline(F.s[0]->wheel);
			uint64_t db = timer_wheel_next_deadline(F.s[1]->wheel);
			uint64_t d = da < db ? da : db;

			next = d > F.h.now ? d : F.h.now + 1000000ull;
		}
		F.h.now = next < target ? next : target;
		if (auto_deliver)
			deliver_all();
		pass();
	}
}

static void flush(void)
{
	for (unsigned i = 0; i < 200; i++) {
		deliver_all();
		F.h.now += 1000000ull;
		pass();
		if (!F.q[0].n && !F.q[1].n)
			break;
	}
}

static int sock_add(unsigned side, int fd)
{
	if (fd < 0)
		return -1;
	if (F.nsocks == MAX_SOCKS) {
		stack_set_current(F.s[side]);
		ff_close(fd);
		return -1;
	}
	F.socks[F.nsocks].fd = fd;
	F.socks[F.nsocks].side = side;
	F.nsocks++;
	return fd;
}

static void sock_forget(unsigned k)
{
	F.socks[k] = F.socks[--F.nsocks];
}

static struct linux_sockaddr *sin4(struct sockaddr_in *a, uint32_t addr, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = addr;
	a->sin_port = htons(port);
	return (struct linux_sockaddr *)a;
}

/* A non-blocking connect from side to the other side's port (local port
 * lport, 0 = ephemeral). */
static int connect_from(unsigned side, uint16_t port, uint16_t lport)
{
	struct sockaddr_in a;
	int fd, one = 1;

	stack_set_current(F.s[side]);
	fd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (lport) {
		ff_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ff_bind(fd, sin4(&a, 0, lport), sizeof(a));
	}
	ff_connect(fd, sin4(&a, ADDR[1 - side], port), sizeof(a));
	return sock_add(side, fd);
}

static void accept_on(unsigned side)
{
	stack_set_current(F.s[side]);
	sock_add(side, ff_accept4(F.lfd[side], NULL, NULL, SOCK_NONBLOCK));
}

static void op_app(struct in *in)
{
	static char rbuf[70000];
	unsigned side = u8(in) & 1, call = u8(in) % 10, k;
	uint8_t arg = u8(in);
	int fd = -1, v;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (call == 6) {
		/* To the other side's listener, to its port of our own
		 * listener (nobody listens), to a closed port, or to one of
		 * its fixed ports (a simultaneous open when it connects back
		 * from there); from an ephemeral or a fixed port. */
		const uint16_t dst[4] = { side ? PORT_A : PORT_B, side ? PORT_B : PORT_A,
			                  PORT_CLOSED, (uint16_t)(FIXED_PORT + ((arg >> 5) & 3)) };
		connect_from(side, dst[arg & 3],
		             (arg & 4) ? (uint16_t)(FIXED_PORT + ((arg >> 3) & 3)) : 0);
		return;
	}
	if (call == 7) {
		accept_on(side);
		return;
	}
	/* Calls on a descriptor of this side. */
	{
		unsigned n = 0, pick = u8(in);
		for (k = 0; k < F.nsocks; k++)
			if (F.socks[k].side == side)
				n++;
		if (!n)
			return;
		pick %= n;
		for (k = 0; k < F.nsocks; k++)
			if (F.socks[k].side == side && pick-- == 0)
				break;
		fd = F.socks[k].fd;
	}
	stack_set_current(F.s[side]);
	switch (call) {
	case 0: /* write */
		ff_write(fd, pattern, (size_t)(arg + 1) * 256u);
		break;
	case 1: /* read */
		ff_read(fd, rbuf, (size_t)(arg + 1) * 256u);
		break;
	case 2:
		ff_close(fd);
		sock_forget(k);
		break;
	case 3:
		ff_shutdown(fd, arg % 3);
		break;
	case 4:
		ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		ff_close(fd);
		sock_forget(k);
		break;
	case 5:
		v = arg >> 3;
		switch (arg & 7) {
		case 0:
			ff_setsockopt(fd, IPPROTO_TCP, SO_TCP_NODELAY, &v, sizeof(v));
			break;
		case 1:
			v = 4096 << (v & 7);
			ff_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
			break;
		case 2:
			v = 4096 << (v & 7);
			ff_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
			break;
		case 3:
			v = 1;
			ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
			v = 1 + (arg >> 3);
			ff_setsockopt(fd, IPPROTO_TCP, SO_TCP_KEEPIDLE, &v, sizeof(v));
			ff_setsockopt(fd, IPPROTO_TCP, SO_TCP_KEEPINTVL, &v, sizeof(v));
			break;
		case 4:
			v = 64 + (arg >> 3) * 50;
			ff_setsockopt(fd, IPPROTO_TCP, SO_TCP_MAXSEG, &v, sizeof(v));
			break;
		default:
			v = (arg >> 3) & 1;
			ff_setsockopt(fd, IPPROTO_TCP, SO_TCP_NODELAY, &v, sizeof(v));
			break;
		}
		break;
	case 8: {
		uint8_t ti[256];
		socklen_t len = sizeof(ti);
		ff_getsockopt(fd, IPPROTO_TCP, SO_TCP_INFO, ti, &len);
		break;
	}
	default: /* write a little (Nagle, small segments) */
		ff_write(fd, pattern, 1u + arg % 100u);
		break;
	}
	F.h.now += 1000; /* a microsecond: the call's pass */
	pass();
}

/* ---- scenarios: connections driven to a state, segments in flight ---- */

enum scen {
	SCEN_NONE,
	SCEN_SYN_SENT,     /* b SYN_SENT, its SYN at the head of q[1] */
	SCEN_SYN_RECEIVED, /* a's child SYN_RECEIVED, the SYN-ACK in q[0] */
	SCEN_ESTABLISHED,  /* data both ways in flight */
	SCEN_FIN_WAIT_1,   /* a closed: its FIN in q[0] */
	SCEN_FIN_WAIT_2,   /* a FIN_WAIT_2, b CLOSE_WAIT */
	SCEN_CLOSING,      /* both closed, the FINs crossed: both CLOSING */
	SCEN_LAST_ACK,     /* b LAST_ACK, its FIN in q[1] */
	SCEN_TIME_WAIT,    /* a TIME_WAIT, its last ACK in q[0] */
	SCEN_SYN_QUEUE,    /* three SYN_RECEIVED children on a's listener */
	SCEN_ALL,          /* one connection in each state above, at once */
	SCEN_COUNT
};

/* An established connection b -> a:80 (accepted); returns the index of
 * b's socket (a's is the one added right after it). */
static void established(void)
{
	connect_from(1, PORT_A, 0);
	flush();
	accept_on(0);
}

static int last_fd(unsigned side)
{
	for (unsigned k = F.nsocks; k-- > 0;)
		if (F.socks[k].side == side)
			return F.socks[k].fd;
	return -1;
}

static void close_last(unsigned side)
{
	for (unsigned k = F.nsocks; k-- > 0;)
		if (F.socks[k].side == side) {
			stack_set_current(F.s[side]);
			ff_close(F.socks[k].fd);
			sock_forget(k);
			return;
		}
}

static void app_pass(void)
{
	F.h.now += 1000;
	pass();
}

static void scenario(enum scen sc)
{
	switch (sc) {
	case SCEN_NONE:
	case SCEN_COUNT:
		break;
	case SCEN_SYN_SENT:
		connect_from(1, PORT_A, 0);
		app_pass();
		break;
	case SCEN_SYN_RECEIVED:
		scenario(SCEN_SYN_SENT);
		deliver_head(1);
		app_pass();
		break;
	case SCEN_ESTABLISHED:
		established();
		stack_set_current(F.s[0]);
		ff_write(last_fd(0), pattern, 5000);
		stack_set_current(F.s[1]);
		ff_write(last_fd(1), pattern, 3000);
		app_pass();
		break;
	case SCEN_FIN_WAIT_1:
		established();
		close_last(0);
		app_pass();
		break;
	case SCEN_FIN_WAIT_2:
		scenario(SCEN_FIN_WAIT_1);
		flush();
		break;
	case SCEN_CLOSING:
		established();
		close_last(0);
		close_last(1);
		app_pass();
		/* The FINs cross: each arrives before the other's ACK. */
		deliver_head(0);
		deliver_head(1);
		app_pass();
		break;
	case SCEN_LAST_ACK:
		scenario(SCEN_FIN_WAIT_2);
		close_last(1);
		app_pass();
		break;
	case SCEN_TIME_WAIT:
		scenario(SCEN_LAST_ACK);
		deliver_head(1);
		app_pass();
		break;
	case SCEN_SYN_QUEUE:
		for (int i = 0; i < 3; i++)
			scenario(SCEN_SYN_RECEIVED);
		break;
	case SCEN_ALL:
		/* Each connection leaves its frames in the queues; the
		 * ones that need a quiet link come first. */
		scenario(SCEN_FIN_WAIT_2);
		scenario(SCEN_CLOSING);
		scenario(SCEN_TIME_WAIT);
		scenario(SCEN_ESTABLISHED);
		scenario(SCEN_SYN_RECEIVED);
		scenario(SCEN_SYN_SENT);
		break;
	}
}

/* ---- one input ---- */

static void setup(uint8_t kb)
{
	int64_t knobs[KNOB_COUNT];
	struct sockaddr_in a;

	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	knobs[KNOB_TCP_MAXCONN] = 64;
	knobs[KNOB_SOCK_MAX_FDS] = 64;
	knobs[KNOB_ARP_GRATUITOUS] = 0;
	knobs[KNOB_TCP_RFC1323] = kb & 0x01 ? 1 : 0;
	knobs[KNOB_TCP_SACK] = kb & 0x02 ? 1 : 0;
	knobs[KNOB_TCP_ECN] = kb & 0x04 ? 1 : 0;
	knobs[KNOB_TCP_CC] = kb & 0x08 ? 1 : 0;
	knobs[KNOB_TCP_DELAYED_ACK] = kb & 0x10 ? 0 : 1;
	if (kb & 0x20) {
		knobs[KNOB_TCP_SENDSPACE] = 4096;
		knobs[KNOB_TCP_RECVSPACE] = 4096;
	}
	if (kb & 0x40)
		knobs[KNOB_TCP_SYNCACHE_LIMIT] = 1;
	knobs[KNOB_TCP_TLP] = kb & 0x80 ? 1 : 0;

	F.q[0].head = F.q[0].n = F.q[1].head = F.q[1].n = 0;
	F.nflows = F.nsocks = F.frames = 0;
	F.states_seen = 0;
	h_relay_create(&F.h, F.pool[0], F.pool[1], knobs, 1);
	F.s[0] = F.h.a;
	F.s[1] = F.h.b;
	for (unsigned i = 0; i < 2; i++) {
		stack_set_current(F.s[i]);
		F.lfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (F.lfd[i] < 0 ||
		    ff_bind(F.lfd[i], sin4(&a, 0, (uint16_t)(PORT_A + i)), sizeof(a)) < 0 ||
		    ff_listen(F.lfd[i], 8) < 0)
			fail("cannot set up the listeners");
	}
}

/* Closes everything and runs the link until both tables are empty; then
 * nothing may be left. */
static void teardown(void)
{
	uint64_t end;
	char why[160];

	for (unsigned k = 0; k < F.nsocks; k++) {
		stack_set_current(F.s[F.socks[k].side]);
		ff_close(F.socks[k].fd);
	}
	F.nsocks = 0;
	for (unsigned i = 0; i < 2; i++) {
		stack_set_current(F.s[i]);
		ff_close(F.lfd[i]);
	}
	end = F.h.now + DRAIN_NS;
	for (;;) {
		unsigned conns;

		deliver_all();
		pass();
		conns = tcp_conn_count(F.s[0]) + tcp_conn_count(F.s[1]);
		if (!conns && !F.q[0].n && !F.q[1].n)
			break;
		if (F.h.now >= end) {
			snprintf(why, sizeof(why),
			         "%u connection(s) still in the tables after %llu virtual hours",
			         conns, DRAIN_NS / 3600000000000ull);
			fail(why);
		}
		if (F.q[0].n || F.q[1].n) {
			F.h.now += 1000000ull;
		} else {
			uint64_t da = timer_wheel_next_deadline(F.s[0]->wheel);
			uint64_t db = timer_wheel_next_deadline(F.s[1]->wheel);
			uint64_t d = da < db ? da : db;

			F.h.now = d > F.h.now && d != UINT64_MAX ? d : F.h.now + 1000000ull;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		if (fd_count(F.s[i]) || tcp_pcb_count(F.s[i])) {
			snprintf(why, sizeof(why),
			         "stack %c: %u descriptor(s), %u control block(s) left", 'a' + i,
			         fd_count(F.s[i]), tcp_pcb_count(F.s[i]));
			fail(why);
		}
	}
	h_relay_destroy(&F.h);
	if (harness_failures())
		fail("mbufs missing from the pools (above)");
}

static void print_states(void)
{
	printf("fuzz_tcp: %lu inputs; inputs that reached each state:\n", total_inputs);
	for (int st = 0; st <= 10; st++)
		printf("  %-12s %lu\n", tcp_state_name(st), state_inputs[st]);
	printf("  %-12s %lu\n", "SYN queue", state_inputs[15]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)('a' + i % 26);
	F.pool[0] = harness_pool(8191);
	F.pool[1] = harness_pool(8191);
	if (getenv("FUZZ_TCP_STATES"))
		atexit(print_states);
	verbose = getenv("FUZZ_TCP_STATES") && atoi(getenv("FUZZ_TCP_STATES")) == 2;
	trace = getenv("FUZZ_TCP_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint8_t kb = u8(&in), sc = u8(&in);

	setup(kb);
	scenario((enum scen)(sc % SCEN_COUNT));
	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		uint8_t op = u8(&in);

		switch (op % 10) {
		case 0: {
			uint8_t a = u8(&in);
			for (unsigned i = 0; i <= (a >> 1) % 8u; i++)
				deliver_head(a & 1);
			pass();
			break;
		}
		case 1:
			q_pop(&F.q[u8(&in) & 1]);
			break;
		case 2:
			op_mutate(&in, u8(&in) & 1);
			break;
		case 3: {
			unsigned d = u8(&in) & 1;
			if (F.q[d].n) {
				struct frame copy = *q_at(&F.q[d], 0);
				*q_push(&F.q[d]) = copy;
			}
			break;
		}
		case 4: {
			unsigned d = u8(&in) & 1;
			if (F.q[d].n >= 2) {
				struct frame t = *q_at(&F.q[d], 0);
				*q_at(&F.q[d], 0) = *q_at(&F.q[d], 1);
				*q_at(&F.q[d], 1) = t;
			}
			break;
		}
		case 5:
			op_inject(&in);
			break;
		case 6:
			op_time(&in);
			break;
		case 7:
			op_app(&in);
			break;
		case 8:
			flush();
			break;
		default:
			op_icmp(&in, u8(&in) & 1);
			break;
		}
	}
	total_inputs++;
	if (verbose)
		fprintf(stderr, "fuzz_tcp: states 0x%04x\n", F.states_seen);
	for (int st = 0; st < 16; st++)
		if (F.states_seen & (1u << st))
			state_inputs[st]++;
	teardown();
	return 0;
}
