/* ctl_cap.c: live capture from a running stack (`fastack capture`), the
 * stack's side.
 *
 * capture start SNAPLEN sets a tap on every port of the stack (port.h: one
 * branch a burst when no capture runs); the tap copies each frame received
 * and each frame offered for sending, cut to SNAPLEN, with the stack's
 * clock, into a buffer of CTL_CAP_BYTES, and counts what does not fit
 * (dropped: the reader is too slow).  capture read hands the buffer over as
 * records (the frame in hex) and empties it; capture stop removes the taps.
 * Everything runs on the stack's own thread, so tap and read never race.  A
 * capture nobody reads for CTL_CAP_IDLE_NS stops itself (a client that died
 * leaves nothing behind).  The filter (BPF) and the pcapng file are the
 * client's (tools/fastack.c): the stack never runs foreign code.
 */
#include "ctl/ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "port/port.h"
#include "stack/stack.h"

struct ctl_cap {
	uint8_t *buf;
	size_t len;
	uint32_t snaplen;
	uint64_t frames, dropped, last_read;
};

/* Each frame in the buffer: this header, then caplen bytes. */
struct cap_rec {
	uint64_t ts; /* s->now */
	uint32_t len, caplen;
	uint16_t port;
	uint8_t tx;
};

static void cap_tap(struct port *p, struct rte_mbuf *const *pkts, uint16_t n, bool tx)
{
	struct ctl_cap *c = p->tap_arg;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		uint32_t caplen = m->pkt_len < c->snaplen ? m->pkt_len : c->snaplen;
		struct cap_rec r = { .ts = *p->now,
			             .len = m->pkt_len,
			             .caplen = caplen,
			             .port = p->index,
			             .tx = tx };
		uint8_t *dst = c->buf + c->len + sizeof(r);
		const void *d;

		if (c->len + sizeof(r) + caplen > CTL_CAP_BYTES) {
			c->dropped++;
			continue;
		}
		d = rte_pktmbuf_read(m, 0, caplen, dst);
		if (!d) {
			c->dropped++;
			continue;
		}
		if (d != dst)
			memcpy(dst, d, caplen);
		memcpy(c->buf + c->len, &r, sizeof(r));
		c->len += sizeof(r) + caplen;
		c->frames++;
	}
}

void ctl_cap_stop(struct stack *s, struct ctl_stack *cs)
{
	if (!cs->cap)
		return;
	for (unsigned i = 0; i < s->nports; i++)
		if (s->ports[i]->tap_arg == cs->cap) {
			s->ports[i]->tap = NULL;
			s->ports[i]->tap_arg = NULL;
		}
	free(cs->cap->buf);
	free(cs->cap);
	cs->cap = NULL;
}

void ctl_cap_tick(struct stack *s, struct ctl_stack *cs)
{
	if (s->now - cs->cap->last_read > CTL_CAP_IDLE_NS)
		ctl_cap_stop(s, cs);
}

static void cap_read(struct stack *s, struct ctl_cap *c, struct ctl_buf *o)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;

	while (off < c->len) {
		struct cap_rec r;
		char *line;

		memcpy(&r, c->buf + off, sizeof(r));
		line = malloc(2 * (size_t)r.caplen + 1);
		if (!line) {
			o->overflow = true;
			break;
		}
		for (uint32_t i = 0; i < r.caplen; i++) {
			line[2 * i] = hex[c->buf[off + sizeof(r) + i] >> 4];
			line[2 * i + 1] = hex[c->buf[off + sizeof(r) + i] & 15];
		}
		line[2 * r.caplen] = '\0';
		ctl_buf_printf(
		    o, "frame\tstack=%u\tport=%u\tdir=%s\tts_ns=%" PRIu64 "\tlen=%u\tdata=%s\n",
		    s->id, r.port, r.tx ? "out" : "in", r.ts, r.len, line);
		free(line);
		off += sizeof(r) + r.caplen;
	}
	ctl_buf_printf(
	    o, "capture\tstack=%u\tnow_ns=%" PRIu64 "\tframes=%" PRIu64 "\tdropped=%" PRIu64 "\n",
	    s->id, s->now, c->frames, c->dropped);
	c->len = 0;
	c->last_read = s->now;
}

void ctl_cap_answer(struct stack *s, struct ctl_stack *cs, struct ctl_box *b)
{
	switch (b->req.verb) {
	case CTL_CAP_START:
		if (cs->cap) {
			b->rc = -EBUSY;
			snprintf(b->err, sizeof(b->err), "a capture is running already");
			return;
		}
		cs->cap = calloc(1, sizeof(*cs->cap));
		if (!cs->cap || !(cs->cap->buf = malloc(CTL_CAP_BYTES))) {
			free(cs->cap);
			cs->cap = NULL;
			b->rc = -ENOMEM;
			snprintf(b->err, sizeof(b->err), "no memory for the capture buffer");
			return;
		}
		cs->cap->snaplen = b->req.snaplen;
		cs->cap->last_read = s->now;
		for (unsigned i = 0; i < s->nports; i++) {
			s->ports[i]->tap_arg = cs->cap;
			s->ports[i]->tap = cap_tap;
		}
		return;
	case CTL_CAP_READ:
		if (!cs->cap) {
			b->rc = -ENOENT;
			snprintf(b->err, sizeof(b->err), "no capture is running");
			return;
		}
		cap_read(s, cs->cap, &b->out);
		return;
	default:
		ctl_cap_stop(s, cs);
		return;
	}
}
