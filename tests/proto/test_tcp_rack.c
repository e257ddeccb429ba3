/* test_tcp_rack.c: RACK-TLP (RFC 8985) and D-SACK undo (RFC 3708), the
 * loss recovery of net.inet.tcp.functions_default=rack (src/tcp/tcp_rack.c),
 * one stack against a scripted peer on virtual time.
 *
 * The connection: passive open with SACK, MSS 1460, no timestamps; eight
 * segments of data leave at once (T0).  The peer answers 1 ms later, so
 * RACK's RTT is 1 ms and its reordering window, once reordering is seen,
 * min_RTT/4 + net.inet.tcp.rack.pkt_delay = 0.25 + 1 ms. */
#include <stdio.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"

#define MSS 1460u
#define STATS(t) (&(t)->h.s->stats.tcp)

static char seg_data[8][MSS];

static uint32_t rack_conn(struct t *t, int fb, int n)
{
	t_knobs_default(t);
	t->knobs[KNOB_TCP_SACK] = 1;
	t->knobs[KNOB_TCP_FUNCTIONS_DEFAULT] = fb;
	t_setup(t);
	T_PASSIVE(t, (&(struct tcp_opts){ .present = TOF_MSS | TOF_SACKPERM, .mss = MSS }));
	for (int i = 0; i < n; i++) {
		memset(seg_data[i], 'a' + i, MSS);
		CHECK_EQ(t_write(t, seg_data[i], MSS), (ssize_t)MSS);
	}
	for (int i = 0; i < n; i++)
		EXPECT_SENT(
		    t, NOW,
		    ((struct tseg){ US, .seq = t->iss + 1 + MSS * (uint32_t)i, .ack = PEER_ISS + 1,
		                    .flags = TH_PUSH | TH_ACK, .data = seg_data[i], .len = MSS }));
	return t->iss + 1;
}

/* The peer's ACK of `ack` with SACK blocks [from, to) (nblk of them). */
static void ack_sack(struct t *t, uint32_t ack, unsigned nblk, const uint32_t (*blk)[2])
{
	struct tseg sg = { PEER, .seq = PEER_ISS + 1, .ack = ack, .flags = TH_ACK };

	sg.opt.present = nblk ? TOF_SACK : 0;
	sg.opt.nsack = (uint8_t)nblk;
	for (unsigned i = 0; i < nblk; i++) {
		sg.opt.sack[i].start = blk[i][0];
		sg.opt.sack[i].end = blk[i][1];
	}
	SEND(t, sg);
}

static struct tseg seg_of(const struct t *t, uint32_t b, unsigned i)
{
	(void)t;
	return (struct tseg){ US,
		              .seq = b + MSS * i,
		              .ack = PEER_ISS + 1,
		              .flags = TH_ACK,
		              .data = seg_data[i],
		              .len = MSS };
}

/* Segment 0 comes after segment 1 (the peer SACKs 1, then ACKs both):
 * reordering is seen, and nothing is resent. */
static void show_reordering(struct t *t, uint32_t b)
{
	const uint32_t s1[][2] = { { b + MSS, b + 2 * MSS } };

	EXPECT_NOTHING(t, 1);
	ack_sack(t, b, 1, s1);
	EXPECT_NOTHING(t, 0);
	ack_sack(t, b + 2 * MSS, 0, NULL);
	CHECK_EQ(STATS(t)->tcps_rack_reordering, t->c->t_fb == TCP_FB_RACK ? 1u : 0u);
}

/* Segment 2 is overtaken by 3, 4 and 5: three duplicate ACKs SACK them. */
static void overtake_segment_2(struct t *t, uint32_t b)
{
	for (uint32_t k = 1; k <= 3; k++) {
		const uint32_t blk[][2] = { { b + 3 * MSS, b + (3 + k) * MSS } };

		ack_sack(t, b + 2 * MSS, 1, blk);
	}
}

/* RFC 8985 section 3.4: once reordering was seen, three segments SACKed
 * above a hole are no proof of loss within the reordering window: the
 * late segment's ACK comes, nothing is resent, cwnd is not reduced.
 * FreeBSD's stack (DupThresh, IsLost) resends at the third ACK. */
TEST(rack_reordering_causes_no_retransmission)
{
	struct t t;
	uint32_t b, cwnd;

	b = rack_conn(&t, TCP_FB_RACK, 8);
	show_reordering(&t, b);
	cwnd = t.c->snd_cwnd;
	overtake_segment_2(&t, b);
	EXPECT_NOTHING(&t, 0);
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	ack_sack(&t, b + 8 * MSS, 0, NULL); /* segment 2 arrived */
	EXPECT_NOTHING(&t, 1000);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitpack, 0);
	CHECK_EQ(STATS(&t)->tcps_rack_recovery_episode, 0);
	CHECK(t.c->snd_cwnd >= cwnd, "cwnd %u < %u", t.c->snd_cwnd, cwnd);
	t_teardown(&t);

	b = rack_conn(&t, TCP_FB_FREEBSD, 8);
	show_reordering(&t, b);
	overtake_segment_2(&t, b);
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 2));
	CHECK_EQ(STATS(&t)->tcps_sack_recovery_episode, 1);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* Segment 2 is really lost: the reordering timer finds it RACK.rtt +
 * reo_wnd after it left (T0 + 2.25 ms, i.e. within 3 ms), long before the
 * RTO (230 ms at least); one recovery episode, one retransmission. */
TEST(rack_reordering_timer_finds_a_loss_before_the_rto)
{
	struct t t;
	uint32_t b;

	b = rack_conn(&t, TCP_FB_RACK, 8);
	show_reordering(&t, b);
	overtake_segment_2(&t, b);
	EXPECT_NOTHING(&t, 0);
	EXPECT_SENT(&t, WITHIN_MS(3), seg_of(&t, b, 2));
	CHECK_EQ(STATS(&t)->tcps_rack_reotimeo, 1);
	CHECK_EQ(STATS(&t)->tcps_rack_lost, 1);
	CHECK_EQ(STATS(&t)->tcps_rack_recovery_episode, 1);
	CHECK(t.c->t_flags & TF_FASTRECOVERY);
	ack_sack(&t, b + 8 * MSS, 0, NULL);
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	EXPECT_NOTHING(&t, 1000);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitpack, 1);
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0);
	t_teardown(&t);
}

/* A tail loss (RFC 8985 section 7): the last three segments are lost
 * with every ACK.  The loss probe (PTO = 2 SRTT + 2 ms, the last segment
 * again: nothing new to send) is SACKed; that delivery makes the two
 * segments sent before it lost by RACK's rule, and both go at once --
 * no RTO.  Loss probes need no fastack.tcp.tlp here. */
TEST(rack_tail_loss_is_repaired_by_the_probe_without_rto)
{
	struct t t;
	uint32_t b;

	b = rack_conn(&t, TCP_FB_RACK, 8);
	EXPECT_NOTHING(&t, 1);
	ack_sack(&t, b + 5 * MSS, 0, NULL); /* an RTT sample: 1 ms */
	CHECK(t.c->t_srtt > 0);
	EXPECT_SENT(&t, WITHIN_MS(5),
	            ((struct tseg){ US, .seq = b + 7 * MSS, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = seg_data[7], .len = MSS }));
	CHECK_EQ(STATS(&t)->tcps_tlp_probes, 1);
	EXPECT_NOTHING(&t, 1); /* sooner would be the original's SACK (min_RTT) */
	{
		const uint32_t blk[][2] = { { b + 7 * MSS, b + 8 * MSS } };

		ack_sack(&t, b + 5 * MSS, 1, blk);
	}
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 5));
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 6));
	CHECK_EQ(STATS(&t)->tcps_rack_lost, 2);
	ack_sack(&t, b + 8 * MSS, 0, NULL);
	EXPECT_NOTHING(&t, 1000);
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 0);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitpack, 3); /* the probe and the two holes */
	t_teardown(&t);
}

/* RFC 3708: before any reordering was seen, three segments SACKed above
 * segment 0 make it lost at once (RACK's DupThresh rule); it is resent
 * and cwnd halved.  Then the peer ACKs everything and reports the
 * retransmission as a duplicate (D-SACK): segment 0 was late, not lost,
 * so cwnd and ssthresh are restored; the reordering window grows. */
TEST(rack_dsack_undoes_a_spurious_recovery)
{
	struct t t;
	uint32_t b, cwnd, ssthresh;

	b = rack_conn(&t, TCP_FB_RACK, 8);
	cwnd = t.c->snd_cwnd;
	ssthresh = t.c->snd_ssthresh;
	EXPECT_NOTHING(&t, 1);
	{
		const uint32_t blk[][2] = { { b + MSS, b + 4 * MSS } };

		ack_sack(&t, b, 1, blk);
	}
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 0));
	CHECK_EQ(STATS(&t)->tcps_rack_recovery_episode, 1);
	CHECK(t.c->snd_cwnd < cwnd, "cwnd %u not reduced", t.c->snd_cwnd);
	{
		const uint32_t dsack[][2] = { { b, b + MSS } };

		ack_sack(&t, b + 8 * MSS, 1, dsack);
	}
	CHECK_EQ(STATS(&t)->tcps_dsack_count, 1);
	CHECK_EQ(STATS(&t)->tcps_dsack_undo, 1);
	CHECK(t.c->snd_cwnd >= cwnd, "cwnd %u < %u", t.c->snd_cwnd, cwnd);
	CHECK_EQ(t.c->snd_ssthresh, ssthresh);
	CHECK(!(t.c->t_flags & TF_FASTRECOVERY));
	t_teardown(&t);
}

/* A D-SACK for data that was never resent (a copy the network made: here
 * inside the SACKed block) undoes nothing: the loss may have been real,
 * and the retransmission's own D-SACK never comes. */
TEST(rack_dsack_of_other_data_keeps_the_reduction)
{
	struct t t;
	uint32_t b, cwnd;

	b = rack_conn(&t, TCP_FB_RACK, 8);
	cwnd = t.c->snd_cwnd;
	EXPECT_NOTHING(&t, 1);
	{
		const uint32_t blk[][2] = { { b + MSS, b + 4 * MSS } };

		ack_sack(&t, b, 1, blk);
	}
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 0));
	{
		const uint32_t blk[][2] = { { b + 2 * MSS, b + 3 * MSS },
			                    { b + MSS, b + 4 * MSS } };

		ack_sack(&t, b, 2, blk);
	}
	CHECK_EQ(STATS(&t)->tcps_dsack_count, 1);
	ack_sack(&t, b + 8 * MSS, 0, NULL); /* the retransmission repaired it */
	CHECK_EQ(STATS(&t)->tcps_dsack_undo, 0);
	CHECK(t.c->snd_cwnd < cwnd, "cwnd %u restored", t.c->snd_cwnd);
	t_teardown(&t);
}

/* After a retransmission timeout RACK resends what was not SACKed, in
 * order, as cwnd (one segment, then slow start) allows: SACKed data never
 * goes again (FreeBSD's stack forgets the scoreboard and goes back N). */
TEST(rack_rto_resends_only_what_was_not_sacked)
{
	struct t t;
	uint32_t b;

	b = rack_conn(&t, TCP_FB_RACK, 4);
	/* No ACK at all: the probe (the last segment), then the RTO (1 s
	 * without an RTT sample). */
	EXPECT_SENT(&t, WITHIN_MS(1100),
	            ((struct tseg){ US, .seq = b, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = seg_data[0], .len = MSS }));
	CHECK_EQ(STATS(&t)->tcps_rexmttimeo, 1);
	/* Segments 2 and 3 had arrived. */
	{
		const uint32_t blk[][2] = { { b + 2 * MSS, b + 4 * MSS } };

		ack_sack(&t, b + MSS, 1, blk);
	}
	EXPECT_SENT(&t, NOW, seg_of(&t, b, 1));
	ack_sack(&t, b + 4 * MSS, 0, NULL);
	EXPECT_NOTHING(&t, 3000);
	CHECK_EQ(STATS(&t)->tcps_sndrexmitpack, 2);
	t_teardown(&t);
}

/* The send map against arbitrary ACKs: 20,000 ACKs with cumulative
 * points and up to four SACK blocks anywhere near the flight (inside,
 * overlapping, below SND.UNA, beyond SND.MAX, empty, reversed), time
 * moving on now and then, new data written as room appears.  Nothing
 * crashes or leaks (ASan), and once the peer ACKs everything the
 * connection has nothing in flight. */
TEST(rack_survives_arbitrary_acks_and_sack_blocks)
{
	static char data[4096];
	struct t t;
	uint64_t x = 0x2545F4914F6CDD1Dull;

	rack_conn(&t, TCP_FB_RACK, 8);
	memset(data, 'r', sizeof(data));
	for (int i = 0; i < 20000; i++) {
		struct tseg sg = { PEER, .seq = PEER_ISS + 1, .flags = TH_ACK };
		uint32_t una = t.c->snd_una, flight = t.c->snd_max - una;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sg.ack = una + (uint32_t)(x % (flight + 1)) * ((x >> 60) == 0);
		sg.opt.nsack = (uint8_t)((x >> 8) % 5);
		sg.opt.present = sg.opt.nsack ? TOF_SACK : 0;
		for (unsigned b = 0; b < sg.opt.nsack; b++) {
			uint64_t y = x * (b + 3) + (x >> (b * 7));
			uint32_t st = una - 3000 + (uint32_t)(y % (flight + 6000));
			uint32_t len = (uint32_t)((y >> 20) % (4 * MSS)) - MSS / 2;

			sg.opt.sack[b].start = st;
			sg.opt.sack[b].end = st + len;
		}
		SEND(&t, sg);
		if ((x >> 24) % 16 == 0)
			h_one_run_ms(&t.h, (unsigned)((x >> 28) % 4));
		if (tcp_sendspace(t.h.s, t.c) > sizeof(data))
			t_write(&t, data, sizeof(data));
		cap_port_clear(t.h.cap);
	}
	/* Everything arrives: nothing left in flight, nothing waits. */
	for (int i = 0; i < 200 && t.c->snd_una != t.c->snd_max; i++) {
		SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.c->snd_max,
		                         .flags = TH_ACK }));
		h_one_run_ms(&t.h, 1);
		cap_port_clear(t.h.cap);
	}
	printf("  %llu segments sent, %llu resent, %llu found lost, %llu D-SACKs, %llu undone, "
	       "%llu RTOs\n",
	       (unsigned long long)STATS(&t)->tcps_sndpack,
	       (unsigned long long)STATS(&t)->tcps_sndrexmitpack,
	       (unsigned long long)STATS(&t)->tcps_rack_lost,
	       (unsigned long long)STATS(&t)->tcps_dsack_count,
	       (unsigned long long)STATS(&t)->tcps_dsack_undo,
	       (unsigned long long)STATS(&t)->tcps_rexmttimeo);
	CHECK_EQ(t.c->snd_una, t.c->snd_max);
	CHECK(STATS(&t)->tcps_rack_lost > 0, "the map was never exercised");
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
