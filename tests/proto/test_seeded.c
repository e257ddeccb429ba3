/* test_seeded.c: stack_create_seeded (the fuzzers' deterministic hook):
 * the same seed gives the same frames, bit for bit, ISNs, SYN cookies and
 * timestamps included; another seed gives other ISNs.
 *
 * Two seeded stacks on capture ports (h_relay), the test moving every frame
 * across: a listener on a with a SYN cache of one entry, two connections
 * from b (the second one answered with a SYN cookie), data both ways with
 * timestamps on, then both closed.  Every frame that crossed is hashed in
 * order (FNV-1a), and the ISS of each SYN-ACK kept. */
#include "tcp/tcp.h"
#include "test_tcp_sock.h"

struct run {
	uint64_t hash;   /* of every frame, in order */
	unsigned frames; /* that crossed */
	uint32_t synack_iss[2];
	unsigned nsynack;
};

static void note(struct run *r, const struct rte_mbuf *m)
{
	uint8_t buf[2048];
	const uint8_t *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	for (uint32_t i = 0; i < m->pkt_len; i++)
		r->hash = (r->hash ^ p[i]) * 0x100000001b3ull;
	r->frames++;
	/* A SYN-ACK (IPv4, TCP, no IP options): its sequence number. */
	if (m->pkt_len >= 54 && p[23] == IPPROTO_TCP && (p[47] & 0x12) == 0x12 && r->nsynack < 2)
		r->synack_iss[r->nsynack++] =
		    (uint32_t)p[38] << 24 | (uint32_t)p[39] << 16 | (uint32_t)p[40] << 8 | p[41];
}

/* Moves what each stack sent to the other, then runs both, for ms. */
static void run_link(struct h_relay *h, struct run *r, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		struct rte_mbuf *m;

		while ((m = cap_port_pop(h->cap_a)) != NULL) {
			note(r, m);
			cap_port_inject(h->cap_b, m);
		}
		while ((m = cap_port_pop(h->cap_b)) != NULL) {
			note(r, m);
			cap_port_inject(h->cap_a, m);
		}
		h->now += 1000000ull;
		h_relay_pass(h);
	}
}

static struct run scenario(struct rte_mempool *pa, struct rte_mempool *pb, uint64_t seed)
{
	int64_t knobs[KNOB_COUNT];
	struct h_relay h;
	struct sockaddr_in a;
	struct run r = { .hash = 0xcbf29ce484222325ull };
	int lfd, cfd[2], sfd[2];
	char buf[4096];

	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	knobs[KNOB_TCP_SYNCACHE_LIMIT] = 1; /* the second SYN gets a cookie */
	h_relay_create(&h, pa, pb, knobs, seed);
	stack_set_current(h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(lfd, sin4(&a, NULL, 80), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 8), 0);
	stack_set_current(h.b);
	for (int i = 0; i < 2; i++) {
		cfd[i] = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK(ff_connect(cfd[i], sin4(&a, A_IP, 80), sizeof(a)) < 0);
	}
	run_link(&h, &r, 20);
	stack_set_current(h.a);
	for (int i = 0; i < 2; i++) {
		sfd[i] = ff_accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		CHECK(sfd[i] >= 0);
		CHECK_EQ(ff_write(sfd[i], "hello", 5), 5);
	}
	stack_set_current(h.b);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(ff_write(cfd[i], "world!", 6), 6);
	run_link(&h, &r, 100);
	for (int i = 0; i < 2; i++) {
		stack_set_current(h.a);
		CHECK_EQ(ff_read(sfd[i], buf, sizeof(buf)), 6);
		CHECK_EQ(ff_close(sfd[i]), 0);
		stack_set_current(h.b);
		CHECK_EQ(ff_read(cfd[i], buf, sizeof(buf)), 5);
		CHECK_EQ(ff_close(cfd[i]), 0);
	}
	stack_set_current(h.a);
	CHECK_EQ(ff_close(lfd), 0);
	run_link(&h, &r, 200);
	CHECK_EQ(r.nsynack, 2);
	CHECK(h.a->stats.tcp.tcps_sc_sendcookie >= 1, "(a SYN cookie was sent)");
	run_link(&h, &r, 70000); /* TIME_WAIT ends */
	CHECK_EQ(tcp_conn_count(h.a) + tcp_conn_count(h.b), 0);
	h_relay_destroy(&h);
	return r;
}

TEST(same_seed_same_frames)
{
	struct rte_mempool *pa = harness_pool(1023), *pb = harness_pool(1023);
	struct run r1 = scenario(pa, pb, 42), r2 = scenario(pa, pb, 42);

	CHECK(r1.frames > 20, "(%u frames)", r1.frames);
	CHECK_EQ(r1.frames, r2.frames);
	CHECK(r1.hash == r2.hash, "(frames differ between two runs with seed 42)");
	CHECK_EQ(r1.synack_iss[0], r2.synack_iss[0]);
	CHECK_EQ(r1.synack_iss[1], r2.synack_iss[1]);
	rte_mempool_free(pa);
	rte_mempool_free(pb);
}

TEST(other_seed_other_isn)
{
	struct rte_mempool *pa = harness_pool(1023), *pb = harness_pool(1023);
	struct run r1 = scenario(pa, pb, 42), r2 = scenario(pa, pb, 43);

	CHECK(r1.synack_iss[0] != r2.synack_iss[0], "(ISS %u with both seeds)", r1.synack_iss[0]);
	CHECK(r1.synack_iss[1] != r2.synack_iss[1], "(cookie %u with both seeds)",
	      r1.synack_iss[1]);
	CHECK(r1.hash != r2.hash);
	rte_mempool_free(pa);
	rte_mempool_free(pb);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
