/* tcp_cc.c: congestion control modules (RFC 5681 framework).
 *
 * A module answers four events (struct tcp_cc_ops): connection start, new
 * data acknowledged outside recovery, a congestion signal (three duplicate
 * ACKs or a retransmission timeout), and the end of a recovery episode.
 * Fast retransmit/recovery itself (when to enter, NewReno partial ACKs,
 * SACK-based loss recovery) lives in tcp_input.c and is shared.
 *
 * Modules, by id (net.inet.tcp.cc.algorithm, TCP_CONGESTION):
 *   0 newreno  RFC 6928 initial window; RFC 5681 slow start (with RFC
 *              3465 byte counting, L = net.inet.tcp.abc_l_var, 1 after an
 *              RTO) and congestion avoidance; RFC 6582 recovery exit;
 *   1 cubic    RFC 9438: W_cubic(t) = C (t - K)^3 + W_max with C = 0.4,
 *              beta = 0.7, fast convergence, and the Reno-friendly region
 *              W_est; slow start as newreno.
 */
#include <math.h>
#include <string.h>

#include "stack/stack.h"
#include "tcp/tcp_priv.h"

#define CWND_MAX (1u << 30)

static uint32_t flight(const struct tcpcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

static uint32_t half_flight(const struct tcpcb *tp)
{
	uint32_t h = flight(tp) / 2, min = 2u * tp->t_maxseg;

	return h < min ? min : h;
}

/* The largest window the peer could ever offer: cwnd beyond it is of no
 * use (FreeBSD caps it there too). */
static uint32_t cwnd_cap(const struct tcpcb *tp)
{
	uint64_t w = (uint64_t)TCP_MAXWIN << tp->snd_scale;

	return w < CWND_MAX ? (uint32_t)w : CWND_MAX;
}

/* RFC 3465 byte counting: cwnd grows by the bytes acknowledged, at most
 * L = net.inet.tcp.abc_l_var segments per ACK; L = 1 segment in the slow
 * start that follows a retransmission timeout (section 2.3), seen, as
 * FreeBSD sees it, from SND.NXT being behind SND.MAX (go-back-N). */
static void slow_start(struct stack *s, struct tcpcb *tp, uint32_t acked)
{
	uint32_t l = tp->snd_nxt == tp->snd_max ? (uint32_t)KNOB(s, TCP_ABC_L_VAR) : 1u;
	uint64_t lim = (uint64_t)l * tp->t_maxseg;
	uint32_t inc = acked < lim ? acked : (uint32_t)lim;
	uint32_t cap = cwnd_cap(tp);

	if (tp->snd_cwnd < cap)
		tp->snd_cwnd = cap - tp->snd_cwnd < inc ? cap : tp->snd_cwnd + inc;
}

/* ---- NewReno ---- */

/* Initial window (RFC 6928, FreeBSD's tcp_compute_initwnd):
 * min(N * MSS, max(2 * MSS, N * 1460)), N = initcwnd_segments (10), so a
 * large MSS does not make a large first flight: 14,600 bytes or two
 * segments. */
static void nr_conn_init(struct stack *s, struct tcpcb *tp)
{
	uint64_t n = (uint64_t)KNOB(s, TCP_INITCWND), mss = tp->t_maxseg;
	uint64_t lim = 2 * mss > n * 1460 ? 2 * mss : n * 1460;
	uint64_t iw = n * mss < lim ? n * mss : lim;

	/* RFC 5681 section 3.1: one segment if the SYN was lost. */
	tp->snd_cwnd = tp->t_rxtshift ? tp->t_maxseg : (uint32_t)iw;
	if (!tp->snd_ssthresh)
		tp->snd_ssthresh = CWND_MAX;
	memset(&tp->cc, 0, sizeof(tp->cc));
}

/* RFC 5681 section 3.1: slow start while cwnd <= ssthresh (the RFC lets
 * cwnd == ssthresh go either way; FreeBSD slow-starts), else congestion
 * avoidance: one SMSS per cwnd of acknowledged bytes (equation 3 in its
 * byte-counting form, RFC 3465 section 2.1), i.e. about one SMSS per RTT. */
static void nr_ack_received(struct stack *s, struct tcpcb *tp, uint32_t acked)
{
	if (tp->snd_cwnd <= tp->snd_ssthresh) {
		tp->cc.bytes_acked = 0;
		slow_start(s, tp, acked);
		return;
	}
	tp->cc.bytes_acked += acked;
	if (tp->cc.bytes_acked >= tp->snd_cwnd) {
		tp->cc.bytes_acked -= tp->snd_cwnd;
		if (tp->snd_cwnd + tp->t_maxseg <= cwnd_cap(tp))
			tp->snd_cwnd += tp->t_maxseg;
	}
}

static void nr_cong_signal(struct stack *s, struct tcpcb *tp, enum cc_signal sig)
{
	(void)s;
	tp->snd_ssthresh = half_flight(tp); /* RFC 5681 equation 4 */
	tp->cc.bytes_acked = 0;
	if (sig == CC_RTO)
		tp->snd_cwnd = tp->t_maxseg;
	if (sig == CC_ECN) {
		/* FreeBSD's newreno: half of cwnd in whole segments, at least
		 * two; cwnd drops to it at once. */
		uint32_t mss = tp->t_maxseg, w = tp->snd_cwnd / 2 / mss;

		tp->snd_ssthresh = tp->snd_cwnd = (w < 2 ? 2 : w) * mss;
	}
}

static void nr_post_recovery(struct stack *s, struct tcpcb *tp)
{
	uint32_t pipe = flight(tp);

	(void)s;
	/* RFC 6582 section 3.2 (3), option 1. */
	if (pipe < tp->snd_ssthresh)
		tp->snd_cwnd = (pipe > tp->t_maxseg ? pipe : tp->t_maxseg) + tp->t_maxseg;
	else
		tp->snd_cwnd = tp->snd_ssthresh;
}

static const struct tcp_cc_ops cc_newreno = {
	.name = "newreno",
	.conn_init = nr_conn_init,
	.ack_received = nr_ack_received,
	.cong_signal = nr_cong_signal,
	.post_recovery = nr_post_recovery,
};

/* ---- CUBIC (RFC 9438) ---- */

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

static void cubic_conn_init(struct stack *s, struct tcpcb *tp)
{
	nr_conn_init(s, tp);
}

/* W_cubic(t) in bytes, t in seconds (RFC 9438 equation 1). */
static double cubic_w(const struct tcpcb *tp, double t)
{
	double k = tp->cc.k_ms / 1000.0, d = t - k;
	double seg = tp->t_maxseg;

	return (CUBIC_C * d * d * d) * seg + tp->cc.w_max;
}

static void cubic_ack_received(struct stack *s, struct tcpcb *tp, uint32_t acked)
{
	double t, rtt, target, cwnd = tp->snd_cwnd, seg = tp->t_maxseg;
	double alpha = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);

	if (tp->snd_cwnd < tp->snd_ssthresh) {
		slow_start(s, tp, acked);
		return;
	}
	if (!tp->cc.epoch_start) {
		/* A new congestion avoidance epoch (RFC 9438 section 4.2). */
		tp->cc.epoch_start = s->now;
		tp->cc.cwnd_epoch = tp->snd_cwnd;
		tp->cc.w_est = tp->snd_cwnd;
		if (tp->cc.w_max > tp->snd_cwnd) {
			double k = cbrt((tp->cc.w_max - cwnd) / seg / CUBIC_C);

			tp->cc.k_ms = (uint32_t)(k * 1000.0);
		} else {
			tp->cc.k_ms = 0;
			tp->cc.w_max = tp->snd_cwnd;
		}
	}
	t = (double)(s->now - tp->cc.epoch_start) / 1e9;
	rtt = tp->t_srtt ? tp->t_srtt / 1e6 : 0.1;
	/* Reno-friendly estimate (section 4.3). */
	tp->cc.w_est += (uint32_t)(alpha * seg * acked / cwnd);
	target = cubic_w(tp, t + rtt);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	if (cubic_w(tp, t) < tp->cc.w_est) {
		/* Reno-friendly region: follow W_est. */
		if (tp->cc.w_est > tp->snd_cwnd)
			tp->snd_cwnd = tp->cc.w_est > CWND_MAX ? CWND_MAX : tp->cc.w_est;
		return;
	}
	/* Concave/convex region: (target - cwnd) / cwnd segments per segment
	 * acknowledged (section 4.4/4.5), accumulated in bytes. */
	tp->cc.bytes_acked += (uint32_t)((target - cwnd) * acked / cwnd);
	if (tp->cc.bytes_acked >= seg / 8 || tp->cc.bytes_acked >= 1) {
		uint32_t inc = tp->cc.bytes_acked;

		tp->cc.bytes_acked = 0;
		tp->snd_cwnd = tp->snd_cwnd + inc > CWND_MAX ? CWND_MAX : tp->snd_cwnd + inc;
	}
}

static void cubic_cong_signal(struct stack *s, struct tcpcb *tp, enum cc_signal sig)
{
	uint32_t cwnd = tp->snd_cwnd, ss;

	(void)s;
	/* Fast convergence (section 4.7). */
	if (cwnd < tp->cc.w_last_max)
		tp->cc.w_max = (uint32_t)(cwnd * (1.0 + CUBIC_BETA) / 2.0);
	else
		tp->cc.w_max = cwnd;
	tp->cc.w_last_max = cwnd;
	ss = (uint32_t)(cwnd * CUBIC_BETA); /* section 4.6 */
	if (ss < 2u * tp->t_maxseg)
		ss = 2u * tp->t_maxseg;
	tp->snd_ssthresh = ss;
	tp->cc.epoch_start = 0;
	tp->cc.bytes_acked = 0;
	if (sig == CC_RTO) {
		tp->snd_cwnd = tp->t_maxseg;
		tp->cc.w_last_max = 0; /* section 4.8: restart from slow start */
	}
	if (sig == CC_ECN)
		tp->snd_cwnd = ss; /* section 4.6: an ECE reduces at once */
}

static void cubic_post_recovery(struct stack *s, struct tcpcb *tp)
{
	(void)s;
	tp->snd_cwnd = tp->snd_ssthresh;
}

static const struct tcp_cc_ops cc_cubic = {
	.name = "cubic",
	.conn_init = cubic_conn_init,
	.ack_received = cubic_ack_received,
	.cong_signal = cubic_cong_signal,
	.post_recovery = cubic_post_recovery,
};

const struct tcp_cc_ops *const tcp_cc_modules[TCP_CC_NMOD] = { &cc_newreno, &cc_cubic };

int tcp_cc_find(const char *name)
{
	for (int i = 0; i < TCP_CC_NMOD; i++)
		if (strcmp(tcp_cc_modules[i]->name, name) == 0)
			return i;
	return -ENOENT;
}

const char *tcp_cc_name(int id)
{
	return id >= 0 && id < TCP_CC_NMOD ? tcp_cc_modules[id]->name : NULL;
}
