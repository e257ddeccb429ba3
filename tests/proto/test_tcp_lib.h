/* test_tcp_lib.h: segment-template machinery for the TCP protocol tests
 * (STYLE habit 11).
 *
 * One stack ("us", 198.18.0.1) on a capture port talks to a scripted peer
 * (198.18.0.2, port PEER_PORT).  A test writes the conversation as
 * segments with designated initializers:
 *
 *   SEND(t, (struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t->iss + 1,
 *                          .flags = TH_ACK, PAYLOAD("abcdef") });
 *   EXPECT_SENT(t, AT_MS(40), (struct tseg){ US, .seq = t->iss + 1,
 *                          .ack = PEER_ISS + 7, .flags = TH_ACK });
 *   EXPECT_NOTHING(t, 200);
 *
 * SEND builds the frame (Ethernet, IPv4, TCP with options and checksum)
 * and runs one pass.  EXPECT_SENT advances virtual time 1 ms per pass
 * until the stack sends a TCP segment, failing when it comes outside the
 * window (NOW, AT_MS(n), WITHIN_MS(n)) or differs from the template; a
 * mismatch prints both as tcpdump-style lines.  The parsed segment is
 * returned so a test can learn, e.g., the stack's ISS.  t_teardown()
 * lets go of t->c and t->l, runs the stack on (virtual time, deadline to
 * deadline) until its connection table is empty, fails the test if any
 * control block is left (STYLE #11), then destroys the stack and checks
 * that no mbuf leaked.  T_PAIR_TEARDOWN does the same for two stacks driven
 * through the socket API, after checking that the test closed every
 * descriptor.
 */
#ifndef FASTACK_TESTS_PROTO_TCP_TEST_H
#define FASTACK_TESTS_PROTO_TCP_TEST_H

#include "harness.h"
#include "tcp/tcp.h"
#include "wire/tcp.h"

#define PEER_PORT 5000
#define US_PORT 80
#define PEER_ISS 1000000u

struct tseg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t win;    /* sent as is; checked when check_win */
	bool check_win;  /* expect: compare the window */
	bool any_seq;    /* expect: do not compare seq */
	bool any_ack;    /* expect: do not compare ack */
	bool check_opts; /* expect: compare opt.present (and values set) */
	const void *data;
	uint32_t len;
	struct tcp_opts opt;
	bool bad_cksum; /* send: corrupt the checksum */
	uint32_t saddr; /* send: IPv4 source (network order); 0 = the peer, 198.18.0.2 */
};

#define PEER .sport = PEER_PORT, .dport = US_PORT, .win = 65535
#define US .sport = US_PORT, .dport = PEER_PORT
#define PAYLOAD(str) .data = (str), .len = sizeof(str) - 1

struct twin {
	unsigned lo, hi; /* ms from now */
};
#define NOW ((struct twin){ 0, 0 })
#define AT_MS(n) ((struct twin){ (n), (n) + 1 })
#define WITHIN_MS(n) ((struct twin){ 0, (n) })

struct t {
	struct h_one h;
	struct tcpcb *l;     /* listener */
	struct tcpcb *c;     /* the connection under test */
	uint32_t iss;        /* the stack's ISS */
	uint16_t us_port;    /* our port (ephemeral on active opens) */
	unsigned ev_l, ev_c; /* events seen by the owners (OR) */
	int64_t knobs[KNOB_COUNT];
};

/* Knobs: defaults, then a test's changes before t_setup(). */
void t_knobs_default(struct t *t);
void t_setup(struct t *t);
void t_teardown(struct t *t);
void t_pair_teardown_(const char *file, int line, struct h_pair *h);
#define T_PAIR_TEARDOWN(h) t_pair_teardown_(__FILE__, __LINE__, (h))
void t_send_(const char *file, int line, struct t *t, const struct tseg *sg);
struct tcp_seg t_expect_(const char *file, int line, struct t *t, struct twin w,
                         const struct tseg *sg);
void t_nothing_(const char *file, int line, struct t *t, unsigned ms);
/* Runs one pass, then pops every TCP segment the stack has sent (parsed
 * into out, up to max; the frames are freed); returns how many were
 * kept. */
unsigned t_collect(struct t *t, struct tcp_seg *out, unsigned max);
/* A raw frame (Ethernet onwards) from the peer. */
void t_inject_raw(struct t *t, const void *l4, size_t l4len, bool fix_cksum);

#define SEND(t, seg)                                    \
	do {                                            \
		struct tseg sg_ = seg;                  \
		t_send_(__FILE__, __LINE__, (t), &sg_); \
	} while (0)
#define EXPECT_SENT(t, w, seg)                                 \
	({                                                     \
		struct tseg sg_ = seg;                         \
		t_expect_(__FILE__, __LINE__, (t), (w), &sg_); \
	})
#define EXPECT_NOTHING(t, ms) t_nothing_(__FILE__, __LINE__, (t), (ms))

/* Fixtures that jump to a state. */
void t_listen(struct t *t);
/* Passive open to ESTABLISHED with the given SYN options; t->c accepted. */
void t_passive_(const char *file, int line, struct t *t, const struct tcp_opts *syn_opts);
#define T_PASSIVE(t, o) t_passive_(__FILE__, __LINE__, (t), (o))
/* Active open to ESTABLISHED (peer SYN-ACK with opts). */
void t_active_(const char *file, int line, struct t *t, const struct tcp_opts *synack_opts);
#define T_ACTIVE(t, o) t_active_(__FILE__, __LINE__, (t), (o))

/* Application side. */
ssize_t t_write(struct t *t, const void *buf, size_t n);
ssize_t t_read(struct t *t, void *buf, size_t n);

extern int owner_l, owner_c;

#endif
