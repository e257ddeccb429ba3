/* rr.h: the UDP request/response measurement, shared word for word by the
 * fastack client (udp_rr_client.c, ff_* sockets) and the kernel client
 * (kernel_udp.c, Linux sockets), so the two figures differ only in the
 * stack underneath.
 *
 * A request is `size` bytes whose first 8 hold a sequence number; the echo
 * server sends it back unchanged.  rr_step() is called over and over (from
 * ff_run's loop, or a busy loop on a non-blocking kernel socket): it takes
 * every reply that is there, then sends new requests until `window` are
 * outstanding.  A transaction is one request answered.  If no reply comes
 * for RR_STALL_NS (0.5 s: a busy machine can deschedule a side for 100 ms)
 * while requests are out, they are written off as lost and the window is
 * refilled; replies to written-off requests are ignored.
 *
 * Call order: rr_init() -> rr_phase(window 1) and rr_step() until
 * rr->done > 0 (warm-up: link, ARP) -> per window size, rr_phase() and
 * rr_step() until rr_phase_over().
 */
#ifndef FASTACK_BENCH_RR_H
#define FASTACK_BENCH_RR_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define RR_MAX_SIZE 1472
#define RR_STALL_NS 500000000ull /* 500 ms without a reply: requests lost */

struct rr {
	/* what to do */
	unsigned window;
	size_t size;
	/* how: send returns bytes or -1/errno, recv likewise (non-blocking) */
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
	/* state */
	uint64_t next_seq;  /* sequence number of the next request */
	uint64_t floor_seq; /* replies below this were written off */
	unsigned inflight;
	uint64_t last_reply_ns;
	uint64_t phase_start_ns, phase_end_ns;
	/* results of the current phase */
	uint64_t done, lost, bad, send_errors;
	unsigned char buf[RR_MAX_SIZE];
};

static inline uint64_t rr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void rr_init(struct rr *r, size_t size, ssize_t (*send)(void *, const void *, size_t),
                           ssize_t (*recv)(void *, void *, size_t), void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->size = size < 8 ? 8 : size > RR_MAX_SIZE ? RR_MAX_SIZE : size;
	r->send = send;
	r->recv = recv;
	r->ctx = ctx;
	r->window = 1;
}

/* Starts a measurement phase of `seconds` with `window` outstanding. */
static inline void rr_phase(struct rr *r, unsigned window, double seconds, uint64_t now)
{
	r->window = window ? window : 1;
	r->floor_seq = r->next_seq; /* whatever is still out belongs to the last phase */
	r->inflight = 0;
	r->done = r->lost = r->bad = r->send_errors = 0;
	r->phase_start_ns = now;
	r->last_reply_ns = now;
	r->phase_end_ns = now + (uint64_t)(seconds * 1e9);
}

static inline bool rr_phase_over(const struct rr *r, uint64_t now)
{
	return now >= r->phase_end_ns;
}

static inline void rr_step(struct rr *r, uint64_t now)
{
	ssize_t n;

	while ((n = r->recv(r->ctx, r->buf, sizeof(r->buf))) >= 0) {
		uint64_t seq;

		if ((size_t)n != r->size) {
			r->bad++;
			continue;
		}
		memcpy(&seq, r->buf, sizeof(seq));
		if (seq < r->floor_seq || seq >= r->next_seq)
			continue; /* late answer to a written-off request */
		if (now < r->phase_end_ns)
			r->done++;
		if (r->inflight)
			r->inflight--;
		r->last_reply_ns = now;
	}
	if (r->inflight && now - r->last_reply_ns > RR_STALL_NS) {
		r->lost += r->inflight;
		r->inflight = 0;
		r->floor_seq = r->next_seq;
		r->last_reply_ns = now;
	}
	if (now >= r->phase_end_ns)
		return;
	while (r->inflight < r->window) {
		memset(r->buf, 0x5a, r->size);
		memcpy(r->buf, &r->next_seq, sizeof(r->next_seq));
		if (r->send(r->ctx, r->buf, r->size) != (ssize_t)r->size) {
			r->send_errors++;
			break;
		}
		r->next_seq++;
		r->inflight++;
	}
}

/* Prints one result line; `who` is "fastack" or "kernel". */
static inline void rr_report(const struct rr *r, const char *who)
{
	double secs = (double)(r->phase_end_ns - r->phase_start_ns) / 1e9;
	double tps = secs > 0 ? (double)r->done / secs : 0;

	printf("RESULT %s window=%u size=%zu transactions=%llu seconds=%.2f tps=%.0f "
	       "lost=%llu bad=%llu send_errors=%llu\n",
	       who, r->window, r->size, (unsigned long long)r->done, secs, tps,
	       (unsigned long long)r->lost, (unsigned long long)r->bad,
	       (unsigned long long)r->send_errors);
	fflush(stdout);
}

#endif
