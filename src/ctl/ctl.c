/* ctl.c: the control channel's server (ctl.h), run from stack 0's pass.
 *
 * Each tick (CTL_TICK_NS of s->now) stack 0's ctl_poll_slow:
 *
 *   1. accepts at most CTL_ACCEPT_PER_TICK clients (past CTL_MAX_CLIENTS a
 *      new one is closed at once: refused_full);
 *   2. gives every client one non-blocking read or one send of at most
 *      CTL_WRITE_PER_TICK bytes; a request is parsed when its frame is
 *      complete (ctl_req_parse), a bad one answered at once, without the
 *      stacks;
 *   3. when no request is with the stacks, posts the next complete one
 *      (round robin over clients) to every stack's mailbox; when every
 *      mailbox is DONE, the client's answer is the status line and the
 *      stacks' parts in stack order, sent from those buffers as they are.
 *
 * Every stack, stack 0 included, answers its mailbox in its own tick
 * (ctl_stack.c).  A client that takes longer than CTL_REQ_TIMEOUT_NS to
 * send a request it has begun, or CTL_WRITE_TIMEOUT_NS to take an answer,
 * or stays idle CTL_IDLE_TIMEOUT_NS, is closed (slow_closed, write_closed);
 * one that disconnects mid-answer is closed at its send's error, and a
 * request of its that is still with the stacks is finished and discarded.
 * Nothing here blocks and nothing takes a lock.
 */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "stack/proc.h"

#define CTL_MAX_CLIENTS 16
#define CTL_ACCEPT_PER_TICK 4
#define CTL_WRITE_PER_TICK (256u << 10)
#define CTL_REQ_TIMEOUT_NS (2000ull * 1000000)
#define CTL_WRITE_TIMEOUT_NS (10000ull * 1000000)
#define CTL_IDLE_TIMEOUT_NS (60000ull * 1000000)

/* READ -> QUEUED (a complete request) -> WAIT (with the stacks) -> WRITE -> READ */
enum cl_state { CL_FREE, CL_READ, CL_QUEUED, CL_WAIT, CL_WRITE };

struct ctl_client {
	int fd;
	enum cl_state st;
	uint8_t in[CTL_HDR + CTL_REQ_MAX];
	uint32_t in_len;
	uint64_t deadline; /* of the state's timeout */
	struct ctl_req req;
	/* the answer: parts[0] the frame header and status, then the stacks' */
	struct ctl_buf parts[PROC_MAX_STACKS + 1];
	unsigned nparts, part;
	size_t off;
	bool close_after; /* a framing error: answer, then close */
};

struct ctl {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nstacks;
	struct stack *stacks[PROC_MAX_STACKS];
	struct ctl_stack *cs[PROC_MAX_STACKS];
	struct ctl_client cl[CTL_MAX_CLIENTS];
	int active;  /* client whose request is with the stacks; -1: none */
	bool orphan; /* ... and that client is gone: discard the answer */
	unsigned rr; /* next client to look at for a queued request */
	struct ctl_stats st;
};

const char *ctl_path(const struct ctl *c)
{
	return c->path;
}

const struct ctl_stats *ctl_stats(const struct ctl *c)
{
	return &c->st;
}

/* ---- clients ---- */

static void client_reset_answer(struct ctl_client *k)
{
	for (unsigned i = 0; i < k->nparts; i++)
		ctl_buf_free(&k->parts[i]);
	k->nparts = k->part = 0;
	k->off = 0;
}

static void client_close(struct ctl *c, struct ctl_client *k)
{
	if (c->active == (int)(k - c->cl))
		c->orphan = true;
	close(k->fd);
	client_reset_answer(k);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

/* Starts sending parts[0..nparts): parts[0] gets the frame header. */
static void client_answer(struct ctl_client *k, uint64_t now)
{
	size_t total = 0;

	for (unsigned i = 0; i < k->nparts; i++)
		total += k->parts[i].len;
	total -= CTL_HDR;
	ctl_hdr_put((uint8_t *)k->parts[0].p, (uint32_t)total);
	k->st = CL_WRITE;
	k->part = 0;
	k->off = 0;
	k->deadline = now + CTL_WRITE_TIMEOUT_NS;
}

/* An answer made here, without the stacks (a bad request). */
static void client_error(struct ctl_client *k, const char *msg, uint64_t now)
{
	client_reset_answer(k);
	k->nparts = 1;
	ctl_buf_printf(&k->parts[0], "0000error %s\n", msg);
	if (k->parts[0].overflow) {
		k->nparts = 0;
		k->close_after = true;
		k->st = CL_READ;
		return;
	}
	client_answer(k, now);
}

static void client_read(struct ctl *c, struct ctl_client *k, uint64_t now)
{
	uint32_t want, body;
	char err[CTL_ERR_LEN];
	ssize_t n;

	if (k->in_len < CTL_HDR)
		want = CTL_HDR - k->in_len;
	else
		want = CTL_HDR + ctl_hdr_get(k->in) - k->in_len;
	n = read(k->fd, k->in + k->in_len, want);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c, k);
		return;
	}
	if (n < 0) {
		if (now > k->deadline) {
			c->st.slow_closed++;
			client_close(c, k);
		}
		return;
	}
	if (k->in_len == 0)
		k->deadline = now + CTL_REQ_TIMEOUT_NS;
	k->in_len += (uint32_t)n;
	if (k->in_len < CTL_HDR)
		return;
	body = ctl_hdr_get(k->in);
	if (body == 0 || body > CTL_REQ_MAX) {
		/* The framing cannot be trusted past this: answer and close. */
		c->st.bad_requests++;
		snprintf(err, sizeof(err), "request of %u bytes (1..%u)", body, CTL_REQ_MAX);
		k->close_after = true;
		client_error(k, err, now);
		return;
	}
	if (k->in_len < CTL_HDR + body)
		return;
	c->st.requests++;
	k->in_len = 0;
	if (ctl_req_parse((const char *)k->in + CTL_HDR, body, &k->req, err, sizeof(err)) < 0) {
		c->st.bad_requests++;
		client_error(k, err, now);
		return;
	}
	k->st = CL_QUEUED;
}

static void client_write(struct ctl *c, struct ctl_client *k, uint64_t now)
{
	size_t budget = CTL_WRITE_PER_TICK;

	while (budget && k->part < k->nparts) {
		struct ctl_buf *b = &k->parts[k->part];
		size_t len = b->len - k->off;
		ssize_t n;

		if (len > budget)
			len = budget;
		if (len == 0) {
			k->part++;
			k->off = 0;
			continue;
		}
		n = send(k->fd, b->p + k->off, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (now > k->deadline) {
					c->st.write_closed++;
					client_close(c, k);
				}
				return;
			}
			c->st.write_closed++;
			client_close(c, k); /* gone mid-answer (EPIPE, ECONNRESET) */
			return;
		}
		k->off += (size_t)n;
		budget -= (size_t)n;
		k->deadline = now + CTL_WRITE_TIMEOUT_NS;
		if ((size_t)n < len)
			return;
	}
	if (k->part < k->nparts)
		return;
	c->st.answers++;
	client_reset_answer(k);
	if (k->close_after) {
		client_close(c, k);
		return;
	}
	k->st = CL_READ;
	k->deadline = now + CTL_IDLE_TIMEOUT_NS;
}

static void accept_clients(struct ctl *c, uint64_t now)
{
	for (unsigned i = 0; i < CTL_ACCEPT_PER_TICK; i++) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *k = NULL;

		if (fd < 0)
			return;
		for (unsigned j = 0; j < CTL_MAX_CLIENTS; j++)
			if (c->cl[j].st == CL_FREE) {
				k = &c->cl[j];
				break;
			}
		if (!k) {
			c->st.refused_full++;
			close(fd);
			continue;
		}
		c->st.accepted++;
		memset(k, 0, sizeof(*k));
		k->fd = fd;
		k->st = CL_READ;
		k->deadline = now + CTL_IDLE_TIMEOUT_NS;
	}
}

/* ---- the stacks' mailboxes ---- */

static void post(struct ctl *c, struct ctl_client *k)
{
	c->active = (int)(k - c->cl);
	c->orphan = false;
	for (unsigned i = 0; i < c->nstacks; i++) {
		struct ctl_box *b = &c->cs[i]->box;

		b->req = k->req;
		b->started = false;
		memset(&b->out, 0, sizeof(b->out));
		__atomic_store_n(&b->state, CTL_BOX_POSTED, __ATOMIC_RELEASE);
	}
}

/* Every stack done: the answer goes to the client (or away). */
static void collect(struct ctl *c, uint64_t now)
{
	struct ctl_client *k = &c->cl[c->active];
	const struct ctl_box *bad = NULL;
	bool overflow = false;

	for (unsigned i = 0; i < c->nstacks; i++)
		if (__atomic_load_n(&c->cs[i]->box.state, __ATOMIC_ACQUIRE) != CTL_BOX_DONE)
			return;
	for (unsigned i = 0; i < c->nstacks; i++) {
		if (c->cs[i]->box.rc < 0 && !bad)
			bad = &c->cs[i]->box;
		overflow |= c->cs[i]->box.out.overflow;
	}
	if (!c->orphan) {
		client_reset_answer(k);
		if (bad || overflow) {
			client_error(k, bad ? bad->err : "answer too large", now);
		} else {
			ctl_buf_printf(&k->parts[0], "0000ok\n");
			if (k->req.verb == CTL_INFO)
				ctl_buf_printf(
				    &k->parts[0],
				    "proc\tpid=%d\tstacks=%u\tsocket=%s\tclients_accepted=%" PRIu64
				    "\trequests=%" PRIu64 "\tbad_requests=%" PRIu64 "\n",
				    (int)getpid(), c->nstacks, c->path, c->st.accepted,
				    c->st.requests, c->st.bad_requests);
			k->nparts = 1;
			for (unsigned i = 0; i < c->nstacks; i++) {
				k->parts[k->nparts++] = c->cs[i]->box.out;
				memset(&c->cs[i]->box.out, 0, sizeof(c->cs[i]->box.out));
			}
			if (k->parts[0].overflow)
				client_error(k, "out of memory", now);
			else
				client_answer(k, now);
		}
	}
	for (unsigned i = 0; i < c->nstacks; i++) {
		ctl_buf_free(&c->cs[i]->box.out);
		__atomic_store_n(&c->cs[i]->box.state, CTL_BOX_IDLE, __ATOMIC_RELEASE);
	}
	c->active = -1;
}

static void server_tick(struct ctl *c, uint64_t now)
{
	c->st.ticks++;
	accept_clients(c, now);
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *k = &c->cl[i];

		if (k->st == CL_READ)
			client_read(c, k, now);
		else if (k->st == CL_WRITE)
			client_write(c, k, now);
	}
	if (c->active >= 0)
		collect(c, now);
	if (c->active < 0) {
		for (unsigned j = 0; j < CTL_MAX_CLIENTS; j++) {
			struct ctl_client *k = &c->cl[(c->rr + j) % CTL_MAX_CLIENTS];

			if (k->st == CL_QUEUED) {
				c->rr = (unsigned)(k - c->cl) + 1;
				post(c, k);
				k->st = CL_WAIT; /* until collect */
				break;
			}
		}
	}
}

void ctl_poll_slow(struct stack *s, struct ctl_stack *cs)
{
	cs->due = s->now + CTL_TICK_NS;
	if (unlikely(cs->cap != NULL))
		ctl_cap_tick(s, cs);
	if (cs->srv)
		server_tick(cs->srv, s->now);
	if (__atomic_load_n(&cs->box.state, __ATOMIC_ACQUIRE) == CTL_BOX_POSTED &&
	    ctl_stack_answer(s, &cs->box))
		__atomic_store_n(&cs->box.state, CTL_BOX_DONE, __ATOMIC_RELEASE);
}

/* ---- opening ---- */

static int fail_open(char *err, size_t errlen, int e, const char *what, const char *path)
{
	snprintf(err, errlen, "control socket %s: %s: %s", path, what, strerror(e));
	errno = e;
	return -e;
}

/* A file at path: a live server answers connect (EADDRINUSE), a stale one
 * (its process gone) refuses and is removed. */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (fd < 0)
		return fail_open(err, errlen, errno, "socket", sa->sun_path);
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		rc = fail_open(err, errlen, EADDRINUSE, "another running process serves it",
		               sa->sun_path);
	else if (errno == ECONNREFUSED)
		unlink(sa->sun_path);
	close(fd);
	return rc;
}

struct ctl *ctl_open(struct stack *const *stacks, unsigned n, const struct ctl_opts *o, char *err,
                     size_t errlen)
{
	const char *dir = o->dir ? o->dir : CTL_DEFAULT_DIR;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c;
	int len;

	if (n == 0 || n > PROC_MAX_STACKS) {
		fail_open(err, errlen, EINVAL, "stacks", dir);
		return NULL;
	}
	len = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, o->name);
	if (len < 0 || (size_t)len >= sizeof(sa.sun_path)) {
		fail_open(err, errlen, ENAMETOOLONG, "path", dir);
		return NULL;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fail_open(err, errlen, errno, "mkdir", dir);
		return NULL;
	}
	if (clear_stale(&sa, err, errlen) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		fail_open(err, errlen, ENOMEM, "alloc", sa.sun_path);
		return NULL;
	}
	c->active = -1;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", sa.sun_path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		fail_open(err, errlen, errno, "socket", c->path);
		free(c);
		return NULL;
	}
	/* Mode and group before listen: nobody connects until then. */
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (o->group_set && chown(c->path, (uid_t)-1, o->gid) < 0) ||
	    chmod(c->path, o->group_set ? 0660 : 0600) < 0 || listen(c->lfd, 16) < 0) {
		fail_open(err, errlen, errno, "bind", c->path);
		close(c->lfd);
		unlink(c->path);
		free(c);
		return NULL;
	}
	c->nstacks = n;
	for (unsigned i = 0; i < n; i++) {
		c->stacks[i] = stacks[i];
		c->cs[i] = rte_zmalloc(NULL, sizeof(*c->cs[i]), RTE_CACHE_LINE_SIZE);
		if (!c->cs[i]) {
			c->nstacks = i;
			ctl_close(c);
			fail_open(err, errlen, ENOMEM, "alloc", sa.sun_path);
			return NULL;
		}
		c->cs[i]->due = stacks[i]->now;
	}
	c->cs[0]->srv = c;
	for (unsigned i = 0; i < n; i++)
		stacks[i]->ctl = c->cs[i];
	return c;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].st != CL_FREE)
			client_close(c, &c->cl[i]);
	for (unsigned i = 0; i < c->nstacks; i++) {
		ctl_cap_stop(c->stacks[i], c->cs[i]);
		if (c->stacks[i]->ctl == c->cs[i])
			c->stacks[i]->ctl = NULL;
		ctl_buf_free(&c->cs[i]->box.out);
		rte_free(c->cs[i]);
	}
	close(c->lfd);
	unlink(c->path);
	free(c);
}
