/* test_tcp_lib.c: see test_tcp_lib.h. */
#include "test_tcp_lib.h"

#include <arpa/inet.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "base/timer.h"
#include "eth/arp.h"
#include "socket/socket.h"
#include "wire/cksum.h"

int owner_l, owner_c;

static const struct rte_ether_addr US_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };

static struct t *cur_t;

static void notify(struct stack *s, void *owner, unsigned ev)
{
	(void)s;
	if (!cur_t)
		return;
	if (owner == &owner_l)
		cur_t->ev_l |= ev;
	else if (owner == &owner_c)
		cur_t->ev_c |= ev;
}

void t_knobs_default(struct t *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		t->knobs[i] = knob_table[i].def;
	/* Plain segments unless a test asks for options. */
	t->knobs[KNOB_TCP_RFC1323] = 0;
	t->knobs[KNOB_TCP_SACK] = 0;
	t->knobs[KNOB_TCP_MAXCONN] = 1024;
}

void t_setup(struct t *t)
{
	h_one_create(&t->h, NULL, t->knobs);
	CHECK_EQ(arp_add_static(t->h.s, 0, h_ip4("198.18.0.2"), &PEER_MAC), 0);
	tcp_set_notify(t->h.s, notify);
	cur_t = t;
	t->us_port = US_PORT;
}

/* Runs s (and the link, through pass) until its connection table is empty:
 * virtual time jumps from timer deadline to timer deadline, at most
 * T_DRAIN_NS.  True if the table emptied. */
#define T_DRAIN_NS (30ull * 60 * 1000000000ull) /* 30 virtual minutes */
static bool drain(struct stack *const *s, unsigned n, uint64_t *now, void (*pass)(void *),
                  void *arg)
{
	uint64_t end = *now + T_DRAIN_NS;

	for (;;) {
		uint64_t next = UINT64_MAX;
		unsigned conns = 0;

		pass(arg); /* delivers what is in flight */
		for (unsigned i = 0; i < n; i++) {
			uint64_t d = timer_wheel_next_deadline(s[i]->wheel);

			conns += tcp_conn_count(s[i]);
			if (d < next)
				next = d;
		}
		if (conns == 0)
			return true;
		if (*now >= end)
			return false;
		*now = next > *now && next != UINT64_MAX ? next : *now + 1000000ull;
	}
}

static void one_pass(void *arg)
{
	struct h_one *h = arg;

	h_one_pass(h);
	cap_port_clear(h->cap); /* nobody answers: what was sent is dropped */
}

static void pair_pass(void *arg)
{
	h_pair_pass(arg);
}

/* STYLE #11: no control block outlives its test.  What the test let go of
 * may still be ending (TIME_WAIT, FIN retransmissions, FIN_WAIT_2): the
 * stack runs on until its table is empty; then no control block may be
 * left (a connection that never ends, or a block nobody can reach, fails
 * here rather than being freed quietly by tcp_fini). */
static void check_no_pcbs(const char *file, int line, struct stack *s, const char *name,
                          bool drained)
{
	if (!drained)
		harness_fail(file, line, "%s: %u connection(s) still in the table after %llu min",
		             name, tcp_conn_count(s), T_DRAIN_NS / 60000000000ull);
	else if (tcp_pcb_count(s) != 0)
		harness_fail(file, line, "%s: %u control block(s) leaked", name, tcp_pcb_count(s));
}

void t_teardown(struct t *t)
{
	bool ok;

	if (t->c)
		tcp_abort(t->h.s, t->c);
	if (t->l)
		tcp_close(t->h.s, t->l);
	t->c = t->l = NULL;
	ok = drain(&t->h.s, 1, &t->h.now, one_pass, &t->h);
	check_no_pcbs(__FILE__, __LINE__, t->h.s, "us", ok);
	cur_t = NULL;
	h_one_destroy(&t->h);
}

void t_pair_teardown_(const char *file, int line, struct h_pair *h)
{
	struct stack *s[2] = { h->a, h->b };
	bool ok;

	if (fd_count(h->a) || fd_count(h->b))
		harness_fail(file, line, "descriptors left open: a %u, b %u", fd_count(h->a),
		             fd_count(h->b));
	ok = drain(s, 2, &h->now, pair_pass, h);
	check_no_pcbs(file, line, h->a, "a", ok);
	check_no_pcbs(file, line, h->b, "b", ok);
	h_pair_destroy(h);
}

static void build(struct t *t, const struct tseg *sg, uint8_t *buf, size_t *outlen)
{
	struct rte_ether_hdr *eh = (void *)buf;
	struct rte_ipv4_hdr *ih = (void *)(buf + 14);
	struct rte_tcp_hdr *th = (void *)(buf + 34);
	uint8_t obuf[40];
	unsigned optlen = sg->opt.present ? wire_tcp_opts_emit(obuf, sizeof(obuf), &sg->opt) : 0;
	unsigned hlen = 20 + optlen;
	size_t l4len = hlen + sg->len;
	uint16_t ck;

	memset(buf, 0, 54);
	eh->dst_addr = US_MAC;
	eh->src_addr = PEER_MAC;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = sg->saddr ? sg->saddr : h_ip4("198.18.0.2");
	ih->dst_addr = h_ip4("198.18.0.1");
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th->src_port = rte_cpu_to_be_16(sg->sport);
	th->dst_port = rte_cpu_to_be_16(sg->dport == US_PORT ? t->us_port : sg->dport);
	th->sent_seq = rte_cpu_to_be_32(sg->seq);
	th->recv_ack = rte_cpu_to_be_32(sg->ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = sg->flags;
	th->rx_win = rte_cpu_to_be_16((uint16_t)sg->win);
	memcpy(buf + 54, obuf, optlen);
	if (sg->len)
		memcpy(buf + 34 + hlen, sg->data, sg->len);
	ck = rte_ipv4_udptcp_cksum(ih, th);
	th->cksum = sg->bad_cksum ? (uint16_t)(ck ^ 0x5a5a) : ck;
	*outlen = 34 + l4len;
}

static const char *describe_tseg(const struct tseg *sg, bool from_us, char *buf, size_t n)
{
	char fl[8];
	unsigned k = 0;

	if (sg->flags & TH_SYN)
		fl[k++] = 'S';
	if (sg->flags & TH_FIN)
		fl[k++] = 'F';
	if (sg->flags & TH_RST)
		fl[k++] = 'R';
	if (sg->flags & TH_PUSH)
		fl[k++] = 'P';
	if (sg->flags & TH_ACK)
		fl[k++] = '.';
	fl[k] = 0;
	snprintf(buf, n, "IP %s.%u > %s.%u: Flags [%s], seq %s%u, ack %s%u, win %s%u, length %u",
	         from_us ? "198.18.0.1" : "198.18.0.2", sg->sport,
	         from_us ? "198.18.0.2" : "198.18.0.1", sg->dport, fl, sg->any_seq ? "*" : "",
	         sg->seq, sg->any_ack ? "*" : "", sg->ack, sg->check_win ? "" : "*", sg->win,
	         sg->len);
	return buf;
}

void t_send_(const char *file, int line, struct t *t, const struct tseg *sg)
{
	static uint8_t buf[70000];
	size_t len;
	struct rte_mbuf *m;

	build(t, sg, buf, &len);
	m = harness_frame(t->h.pool, buf, len);
	if (!m) {
		harness_fail(file, line, "no mbuf for the frame");
		return;
	}
	cap_port_inject(t->h.cap, m);
	h_one_pass(&t->h);
}

void t_inject_raw(struct t *t, const void *l4, size_t l4len, bool fix_cksum)
{
	static uint8_t buf[2000];
	struct rte_ipv4_hdr *ih = (void *)(buf + 14);
	struct rte_ether_hdr *eh = (void *)buf;

	memset(buf, 0, 34);
	eh->dst_addr = US_MAC;
	eh->src_addr = PEER_MAC;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = h_ip4("198.18.0.2");
	ih->dst_addr = h_ip4("198.18.0.1");
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	memcpy(buf + 34, l4, l4len);
	if (fix_cksum && l4len >= 20) {
		struct rte_tcp_hdr *th = (void *)(buf + 34);

		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	}
	cap_port_inject(t->h.cap, harness_frame(t->h.pool, buf, 34 + l4len));
	h_one_pass(&t->h);
}

/* Pops the next TCP frame the stack sent (others are freed). */
static struct rte_mbuf *pop_tcp(struct t *t)
{
	struct rte_mbuf *m;

	while ((m = cap_port_pop(t->h.cap)) != NULL) {
		const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, const void *, 14);

		if (m->pkt_len >= 54 && ih->next_proto_id == IPPROTO_TCP)
			return m;
		rte_pktmbuf_free(m);
	}
	return NULL;
}

static bool parse_sent(struct rte_mbuf *m, struct tcp_seg *seg, bool *cksum_ok)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, const void *, 14);
	uint32_t l4 = rte_be_to_cpu_16(ih->total_length) - 20u;

	rte_pktmbuf_adj(m, 34);
	*cksum_ok = wire_ip4_l4_cksum_ok(m, 0, l4, ih->src_addr, ih->dst_addr, IPPROTO_TCP);
	return wire_tcp_parse(m, l4, seg) == 0;
}

struct tcp_seg t_expect_(const char *file, int line, struct t *t, struct twin w,
                         const struct tseg *sg)
{
	struct tcp_seg seg;
	struct rte_mbuf *m = NULL;
	char a[200], b[200];
	unsigned ms = 0;
	bool ok;

	memset(&seg, 0, sizeof(seg));
	h_one_pass(&t->h);
	for (;;) {
		m = pop_tcp(t);
		if (m || ms >= w.hi)
			break;
		h_one_run_ms(&t->h, 1);
		ms++;
	}
	if (!m) {
		harness_fail(file, line, "nothing sent within %u ms; expected %s", w.hi,
		             describe_tseg(sg, true, b, sizeof(b)));
		return seg;
	}
	harness_describe(m, a, sizeof(a));
	if (ms < w.lo)
		harness_fail(file, line, "sent after %u ms, expected at %u ms: %s", ms, w.lo, a);
	if (!parse_sent(m, &seg, &ok)) {
		harness_fail(file, line, "unparsable segment: %s", a);
		rte_pktmbuf_free(m);
		return seg;
	}
	{
		bool bad = false;

		if (!ok) {
			harness_fail(file, line, "bad checksum: %s", a);
			bad = true;
		}
		bad |= sg->sport && seg.sport != sg->sport &&
		       !(sg->sport == US_PORT && seg.sport == t->us_port);
		bad |= seg.dport != sg->dport;
		bad |= !sg->any_seq && seg.seq != sg->seq;
		bad |= !sg->any_ack && (sg->flags & TH_ACK) && seg.ack != sg->ack;
		bad |= seg.flags != sg->flags;
		bad |= sg->check_win && seg.win != sg->win;
		bad |= seg.len != sg->len;
		if (!bad && sg->len && sg->data) {
			uint8_t tmp[2048];
			const void *p = rte_pktmbuf_read(
			    m, seg.hlen, sg->len < sizeof(tmp) ? sg->len : sizeof(tmp), tmp);

			bad |= !p || memcmp(p, sg->data,
			                    sg->len < sizeof(tmp) ? sg->len : sizeof(tmp)) != 0;
		}
		if (!bad && sg->check_opts) {
			uint8_t want = sg->opt.present,
			        got = seg.opt.present & (uint8_t)~TOF_MALFORMED;

			bad |= want != got;
			bad |= (want & TOF_MSS) && sg->opt.mss && seg.opt.mss != sg->opt.mss;
			bad |= (want & TOF_SCALE) && seg.opt.wscale != sg->opt.wscale;
			bad |= (want & TOF_TS) && sg->opt.tsecr && seg.opt.tsecr != sg->opt.tsecr;
			bad |= (want & TOF_SACK) && sg->opt.nsack &&
			       (seg.opt.nsack != sg->opt.nsack ||
			        memcmp(seg.opt.sack, sg->opt.sack,
			               sg->opt.nsack * sizeof(seg.opt.sack[0])));
			if (bad)
				harness_fail(file, line,
				             "options: present 0x%02x mss %u ws %u ts %u/%u nsack "
				             "%u; expected present 0x%02x",
				             got, seg.opt.mss, seg.opt.wscale, seg.opt.tsval,
				             seg.opt.tsecr, seg.opt.nsack, want);
		}
		if (bad)
			harness_fail(file, line, "sent     %s\n      expected %s", a,
			             describe_tseg(sg, true, b, sizeof(b)));
	}
	rte_pktmbuf_free(m);
	return seg;
}

void t_nothing_(const char *file, int line, struct t *t, unsigned ms)
{
	char a[200];

	h_one_pass(&t->h);
	for (unsigned i = 0; i <= ms; i++) {
		struct rte_mbuf *m = pop_tcp(t);

		if (m) {
			harness_fail(file, line, "unexpected after %u ms: %s", i,
			             harness_describe(m, a, sizeof(a)));
			rte_pktmbuf_free(m);
			return;
		}
		if (i < ms)
			h_one_run_ms(&t->h, 1);
	}
}

unsigned t_collect(struct t *t, struct tcp_seg *out, unsigned max)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	h_one_pass(&t->h);
	while ((m = pop_tcp(t)) != NULL) {
		struct tcp_seg seg;
		bool ok;

		if (n < max && parse_sent(m, &seg, &ok))
			out[n++] = seg;
		rte_pktmbuf_free(m);
	}
	return n;
}

void t_listen(struct t *t)
{
	struct ip_addr any = ip_addr_v4(0);

	t->l = tcp_pcb_new(t->h.s, &owner_l);
	CHECK(t->l != NULL);
	CHECK_EQ(tcp_bind(t->h.s, t->l, &any, US_PORT), 0);
	CHECK_EQ(tcp_listen(t->h.s, t->l, 16), 0);
}

void t_passive_(const char *file, int line, struct t *t, const struct tcp_opts *o)
{
	struct tcp_seg sa;
	int err;

	t_listen(t);
	{
		struct tseg syn = { PEER, .seq = PEER_ISS, .flags = TH_SYN };

		if (o)
			syn.opt = *o;
		t_send_(file, line, t, &syn);
	}
	{
		struct tseg exp = { US, .any_seq = true, .ack = PEER_ISS + 1,
			            .flags = TH_SYN | TH_ACK };

		sa = t_expect_(file, line, t, NOW, &exp);
	}
	t->iss = sa.seq;
	{
		struct tseg ack = { PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1, .flags = TH_ACK };

		if (o && (o->present & TOF_TS)) {
			ack.opt.present = TOF_TS;
			ack.opt.tsval = o->tsval + 1;
			ack.opt.tsecr = sa.opt.tsval;
		}
		t_send_(file, line, t, &ack);
	}
	t->c = tcp_accept(t->h.s, t->l, &owner_c, &err);
	if (!t->c)
		harness_fail(file, line, "accept failed: %d", err);
	else if (tcp_state(t->c) != TCPS_ESTABLISHED)
		harness_fail(file, line, "state %s after the handshake",
		             tcp_state_name(tcp_state(t->c)));
}

void t_active_(const char *file, int line, struct t *t, const struct tcp_opts *o)
{
	struct ip_addr peer = ip_addr_v4(h_ip4("198.18.0.2"));
	struct tcp_seg syn;

	t->c = tcp_pcb_new(t->h.s, &owner_c);
	if (tcp_connect(t->h.s, t->c, &peer, PEER_PORT) != 0)
		harness_fail(file, line, "connect failed");
	{
		struct tseg exp = {
			.sport = 0, .dport = PEER_PORT, .any_seq = true, .flags = TH_SYN
		};

		h_one_pass(&t->h);
		{
			struct rte_mbuf *m = pop_tcp(t);
			bool ok;

			if (!m) {
				harness_fail(file, line, "no SYN sent");
				return;
			}
			parse_sent(m, &syn, &ok);
			rte_pktmbuf_free(m);
			(void)exp;
		}
	}
	if (syn.flags != TH_SYN)
		harness_fail(file, line, "expected a SYN, flags 0x%x", syn.flags);
	t->iss = syn.seq;
	t->us_port = syn.sport;
	{
		struct tseg sa = { .sport = PEER_PORT,
			           .dport = US_PORT,
			           .win = 65535,
			           .seq = PEER_ISS,
			           .ack = t->iss + 1,
			           .flags = TH_SYN | TH_ACK };

		if (o)
			sa.opt = *o;
		t_send_(file, line, t, &sa);
	}
	{
		struct tseg exp = { US, .seq = t->iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK };

		t_expect_(file, line, t, NOW, &exp);
	}
	if (tcp_state(t->c) != TCPS_ESTABLISHED)
		harness_fail(file, line, "state %s after the handshake",
		             tcp_state_name(tcp_state(t->c)));
}

ssize_t t_write(struct t *t, const void *buf, size_t n)
{
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	return tcp_send(t->h.s, t->c, &iov, 1, 0);
}

ssize_t t_read(struct t *t, void *buf, size_t n)
{
	struct iovec iov = { buf, n };

	return tcp_recv(t->h.s, t->c, &iov, 1, 0);
}
