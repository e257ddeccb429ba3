/* test_tcp_transfer.c: bulk transfers between two stacks on the in-memory
 * link, both directions at once, under loss, reordering and duplication
 * (fault injection on both link ends).
 *
 * Each side sends XFER bytes (64 MiB by default; TCP_XFER_MB overrides)
 * of a pattern that depends only on the stream offset, then shuts down
 * writing; each side checks every received byte against the pattern, and
 * the FNV-1a hash of what was received must equal that of what was sent.
 * The run must end (all data and both FINs delivered) within a virtual
 * time limit, the connections must close, and no mbuf may leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "stack/stack.h"
#include "tcp/tcp.h"
#include "tcp/tcp_priv.h"

#define CHUNK 65536

static int owner_a, owner_b;

static inline uint8_t pattern(uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9E3779B97F4A7C15ull;

	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (off & 7)));
}

struct side {
	struct stack *s;
	struct tcpcb *tp;
	uint64_t sent, rcvd;
	uint64_t hash_sent, hash_rcvd;
	bool shut, eof;
	uint64_t bad_at; /* first mismatching offset + 1 */
};

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void pump(struct side *d, uint64_t total)
{
	static uint8_t buf[CHUNK];

	/* Write what fits. */
	while (!d->shut && d->sent < total) {
		size_t n = total - d->sent < CHUNK ? (size_t)(total - d->sent) : CHUNK;
		size_t space = tcp_sendspace(d->tp);
		struct iovec iov;
		ssize_t r;

		if (space == 0)
			break;
		if (n > space)
			n = space;
		iov.iov_base = buf;
		iov.iov_len = n;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(d->sent + i);
		r = tcp_send(d->s, d->tp, &iov, 1, 0);
		if (r <= 0)
			break;
		d->hash_sent = fnv(d->hash_sent, buf, (size_t)r);
		d->sent += (uint64_t)r;
	}
	if (!d->shut && d->sent == total) {
		if (tcp_shutdown(d->s, d->tp, SHUT_WR) == 0)
			d->shut = true;
	}
	/* Read everything. */
	while (!d->eof) {
		struct iovec iov = { buf, CHUNK };
		ssize_t r = tcp_recv(d->s, d->tp, &iov, 1, 0);

		if (r == 0) {
			d->eof = true;
			break;
		}
		if (r < 0)
			break;
		for (ssize_t i = 0; i < r && !d->bad_at; i++)
			if (buf[i] != pattern(d->rcvd + (uint64_t)i))
				d->bad_at = d->rcvd + (uint64_t)i + 1;
		d->hash_rcvd = fnv(d->hash_rcvd, buf, (size_t)r);
		d->rcvd += (uint64_t)r;
	}
}

static uint64_t xfer_bytes(void)
{
	const char *e = getenv("TCP_XFER_MB");

	return (e ? strtoull(e, NULL, 10) : 64) << 20;
}

static void transfer(double loss, double reorder, double dup, int cc, uint64_t seed)
{
	struct h_pair h;
	struct fault_cfg f = { .loss = loss, .reorder = reorder, .dup = dup, .seed = seed };
	struct fault_cfg f2 = f;
	int64_t knobs[KNOB_COUNT];
	struct side a = { .hash_sent = 0xcbf29ce484222325ull, .hash_rcvd = 0xcbf29ce484222325ull };
	struct side b = a;
	struct tcpcb *l;
	struct ip_addr any = ip_addr_v4(0), addr_a = ip_addr_v4(h_ip4("198.18.0.1"));
	uint64_t total = xfer_bytes();
	unsigned ms = 0, limit_ms = 6 * 3600 * 1000;
	int err;

	f2.seed = seed * 7 + 1;
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	knobs[KNOB_TCP_MAXCONN] = 1024;
	knobs[KNOB_TCP_MSL] = 1000;
	knobs[KNOB_TCP_CC] = cc;
	knobs[KNOB_TCP_SENDSPACE] = 256 * 1024;
	knobs[KNOB_TCP_RECVSPACE] = 256 * 1024;
	h_pair_create(&h, &f, &f2, knobs);
	a.s = h.a;
	b.s = h.b;
	/* Owners here are not sockets: no readiness callback (polling). */
	tcp_set_notify(h.a, NULL);
	tcp_set_notify(h.b, NULL);

	l = tcp_pcb_new(h.a, NULL);
	CHECK_EQ(tcp_bind(h.a, l, &any, 8080), 0);
	CHECK_EQ(tcp_listen(h.a, l, 8), 0);
	b.tp = tcp_pcb_new(h.b, &owner_b);
	CHECK_EQ(tcp_connect(h.b, b.tp, &addr_a, 8080), 0);
	while (!a.tp && ms < 60000) {
		h_pair_run_ms(&h, 1);
		ms++;
		a.tp = tcp_accept(h.a, l, &owner_a, &err);
	}
	CHECK(a.tp != NULL, "no connection after %u ms", ms);
	if (!a.tp)
		goto out;
	while (ms < limit_ms && !(a.eof && b.eof && a.shut && b.shut)) {
		pump(&a, total);
		pump(&b, total);
		h_pair_run_ms(&h, 1);
		ms++;
		if (tcp_state(a.tp) == TCPS_CLOSED && !a.eof)
			break;
		if (tcp_state(b.tp) == TCPS_CLOSED && !b.eof)
			break;
	}
	printf("  loss %.0f%% reorder %.0f%% dup %.0f%% %s: %u ms virtual, a->b %llu, b->a %llu "
	       "bytes, rexmit a %llu b %llu, rto a %llu b %llu, sack rexmit a %llu b %llu\n",
	       loss * 100, reorder * 100, dup * 100, tcp_cc_name(cc), ms,
	       (unsigned long long)b.rcvd, (unsigned long long)a.rcvd,
	       (unsigned long long)h.a->stats.tcp.tcps_sndrexmitpack,
	       (unsigned long long)h.b->stats.tcp.tcps_sndrexmitpack,
	       (unsigned long long)h.a->stats.tcp.tcps_rexmttimeo,
	       (unsigned long long)h.b->stats.tcp.tcps_rexmttimeo,
	       (unsigned long long)h.a->stats.tcp.tcps_sack_rexmits,
	       (unsigned long long)h.b->stats.tcp.tcps_sack_rexmits);
	if (!(a.eof && b.eof))
		for (int i = 0; i < 2; i++) {
			struct tcpcb *tp = i ? b.tp : a.tp;
			printf(
			    "  %c: %s una %u nxt %u max %u wnd %u cwnd %u ssth %u cc %u | rcv_nxt "
			    "%u adv %u rcvq %u reass %u flags %x dup %u shift %u stats %s\n",
			    'a' + i, tcp_state_name(tp->t_state), tp->snd_una - tp->iss,
			    tp->snd_nxt - tp->iss, tp->snd_max - tp->iss, tp->snd_wnd, tp->snd_cwnd,
			    tp->snd_ssthresh, tp->snd.cc, tp->rcv_nxt - tp->irs,
			    tp->rcv_adv - tp->irs, tp->rcvq.bytes, tp->reass_n, tp->t_flags,
			    tp->t_dupacks, tp->t_rxtshift, "");
		}
	if (!(a.eof && b.eof))
		for (int i = 0; i < 2; i++) {
			const uint64_t *c = (const uint64_t *)&(i ? h.b : h.a)->stats.tcp;
			static const char *names[] = {
#define N_(n, d) #n,
				TCP_STATS(N_)
#undef N_
			};
			printf("  %c:", 'a' + i);
			for (unsigned j = 0; j < sizeof(names) / sizeof(names[0]); j++)
				if (c[j])
					printf(" %s=%llu", names[j], (unsigned long long)c[j]);
			printf("\n");
		}
	printf("  srtt a %u us rttvar %u rto %u ms | b srtt %u rttvar %u rto %u ms\n", a.tp->t_srtt,
	       a.tp->t_rttvar, a.tp->t_rxtcur_ms, b.tp->t_srtt, b.tp->t_rttvar, b.tp->t_rxtcur_ms);
	CHECK(a.eof && b.eof, "stalled: a state %s rcvd %llu, b state %s rcvd %llu",
	      tcp_state_name(tcp_state(a.tp)), (unsigned long long)a.rcvd,
	      tcp_state_name(tcp_state(b.tp)), (unsigned long long)b.rcvd);
	CHECK_EQ(a.rcvd, total);
	CHECK_EQ(b.rcvd, total);
	CHECK(a.bad_at == 0, "a: data differs at offset %llu", (unsigned long long)a.bad_at - 1);
	CHECK(b.bad_at == 0, "b: data differs at offset %llu", (unsigned long long)b.bad_at - 1);
	CHECK(a.hash_rcvd == b.hash_sent, "hash b->a differs");
	CHECK(b.hash_rcvd == a.hash_sent, "hash a->b differs");
	/* Both close; TIME_WAIT (2 s here) ends; nothing may remain. */
	tcp_close(h.a, a.tp);
	tcp_close(h.b, b.tp);
	a.tp = b.tp = NULL;
	h_pair_run_ms(&h, 5000);
	CHECK_EQ(tcp_conn_count(h.a), 0);
	CHECK_EQ(tcp_conn_count(h.b), 0);
out:
	if (a.tp)
		tcp_abort(h.a, a.tp);
	if (b.tp)
		tcp_abort(h.b, b.tp);
	tcp_close(h.a, l);
	h_pair_destroy(&h);
}

TEST(transfer_clean_newreno)
{
	transfer(0, 0, 0, 0, 1);
}

TEST(transfer_loss1_reorder_dup)
{
	transfer(0.01, 0.01, 0.01, 0, 2);
}

TEST(transfer_loss5_reorder_dup)
{
	transfer(0.05, 0.02, 0.01, 0, 3);
}

TEST(transfer_loss10_reorder_dup)
{
	transfer(0.10, 0.02, 0.01, 0, 4);
}

TEST(transfer_loss2_reorder)
{
	transfer(0.02, 0.01, 0, 0, 9);
}

TEST(transfer_loss1_cubic)
{
	transfer(0.01, 0.01, 0.01, 1, 5);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
