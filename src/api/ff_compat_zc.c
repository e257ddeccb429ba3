/* ff_compat_zc.c: F-Stack's zero-copy write (ff_zc_mbuf_get,
 * ff_zc_mbuf_write, ff_write of the chain; include/ff_api.h).
 *
 * ff_zc_mbuf_get takes buffers from the calling thread's stack's pool and
 * lists the chain's head in the stack (struct stack_compat): that list is
 * how ff_write tells a chain from the application's own bytes, since
 * F-Stack's programs pass the chain where a buffer would go.  The chain is
 * single segments linked by next, each filled from data_off 0, which is
 * the TCP send buffer's own form, so ff_write links the buffers as they are
 * (tcp_send_chain).  A chain that is never written is freed when the
 * application asks for another in the same struct ff_zc_mbuf, or when the
 * stack ends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_mbuf.h>

#include "ff_api.h"

#include "api/api.h"
#include "base/compiler.h"
#include "socket/socket.h"
#include "stack/stack.h"
#include "tcp/tcp.h"

static int fail(int e)
{
	errno = e;
	return -1;
}

/* The index of head in s's list, or -1. */
static int zc_find(const struct stack *s, const void *head)
{
	const struct stack_compat *c = &s->compat;

	if (!head)
		return -1;
	for (unsigned i = 0; i < c->nzc; i++)
		if (c->zc[i] == head)
			return (int)i;
	return -1;
}

static void zc_forget(struct stack *s, int i)
{
	struct stack_compat *c = &s->compat;

	c->zc[i] = c->zc[--c->nzc];
}

int ff_zc_mbuf_get(struct ff_zc_mbuf *m, int len)
{
	struct stack *s = stack_current();
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t room, need;
	int i;

	if (!s)
		return fail(EBADF);
	if (!m || len <= 0)
		return fail(EINVAL);
	/* The same struct again: the chain it held was never written. */
	if ((i = zc_find(s, m->bsd_mbuf)) >= 0) {
		rte_pktmbuf_free(s->compat.zc[i]);
		zc_forget(s, i);
	}
	memset(m, 0, sizeof(*m));
	if (s->compat.nzc == STACK_ZC_MAX)
		return fail(ENOBUFS);
	room = rte_pktmbuf_data_room_size(s->pool);
	need = ((uint32_t)len + room - 1) / room;
	/* Never into the reserve kept for the stack's own frames (mem.h). */
	if (stack_mem_free_now(s) < need + s->mem.reserve)
		return fail(ENOBUFS);
	for (uint32_t k = 0; k < need; k++) {
		struct rte_mbuf *b = rte_pktmbuf_alloc(s->pool);

		if (!b) {
			rte_pktmbuf_free(head);
			return fail(ENOBUFS);
		}
		b->data_off = 0;
		if (tail) {
			tail->next = b;
			head->nb_segs++;
		} else {
			head = b;
		}
		tail = b;
	}
	s->compat.zc[s->compat.nzc++] = head;
	m->bsd_mbuf = head;
	m->bsd_mbuf_off = head;
	m->off = 0;
	m->len = len;
	return 0;
}

int ff_zc_mbuf_write(struct ff_zc_mbuf *m, const char *data, int len)
{
	struct stack *s = stack_current();
	struct rte_mbuf *b;
	int done = 0;

	if (!s)
		return fail(EBADF);
	if (!m || zc_find(s, m->bsd_mbuf) < 0 || len < 0 || (len > 0 && !data) ||
	    len > m->len - m->off)
		return fail(EINVAL);
	b = m->bsd_mbuf_off;
	while (done < len) {
		uint32_t n = rte_pktmbuf_tailroom(b);

		if (n == 0) {
			b = b->next;
			continue; /* there is one: len fits in m->len */
		}
		if (n > (uint32_t)(len - done))
			n = (uint32_t)(len - done);
		memcpy(rte_pktmbuf_mtod_offset(b, char *, b->data_len), data + done, n);
		b->data_len = (uint16_t)(b->data_len + n);
		done += (int)n;
	}
	((struct rte_mbuf *)m->bsd_mbuf)->pkt_len += (uint32_t)len;
	m->bsd_mbuf_off = b;
	m->off += len;
	return len;
}

int ff_zc_mbuf_read(struct ff_zc_mbuf *m, const char *data, int len)
{
	struct stack *s = stack_current();
	char *out = (char *)(uintptr_t)data;
	int done = 0;

	if (!s)
		return fail(EBADF);
	if (!m || zc_find(s, m->bsd_mbuf) < 0 || len < 0 || (len > 0 && !data))
		return fail(EINVAL);
	for (struct rte_mbuf *b = m->bsd_mbuf; b && done < len; b = b->next) {
		int n = b->data_len < len - done ? b->data_len : len - done;

		memcpy(out + done, rte_pktmbuf_mtod(b, char *), (size_t)n);
		done += n;
	}
	return done;
}

/* Cuts chain head to n bytes (n <= its length), freeing what follows. */
static void zc_trim(struct rte_mbuf *head, uint32_t n)
{
	struct rte_mbuf *b = head;

	for (;;) {
		if (n <= b->data_len) {
			b->data_len = (uint16_t)n;
			rte_pktmbuf_free(b->next);
			b->next = NULL;
			return;
		}
		n -= b->data_len;
		b = b->next;
	}
}

bool api_zc_write(int fd, const void *buf, size_t nbytes, ssize_t *out)
{
	struct stack *s = stack_current();
	struct rte_mbuf *head;
	struct socket *so;
	int i, err = 0;

	if (likely(!s || s->compat.nzc == 0))
		return false;
	if ((i = zc_find(s, buf)) < 0)
		return false;
	head = s->compat.zc[i];
	*out = -1;
	so = fd_get(s, fd, FD_SOCKET, &err);
	if (!so) {
		errno = -err;
		return true;
	}
	if (so->protocol != IPPROTO_TCP) {
		errno = EOPNOTSUPP; /* zero-copy is TCP's (as F-Stack's) */
		return true;
	}
	if (nbytes > head->pkt_len) {
		errno = EINVAL; /* more than was written into the chain */
		return true;
	}
	if (nbytes == 0) {
		*out = 0;
		return true;
	}
	zc_trim(head, (uint32_t)nbytes);
	head->pkt_len = (uint32_t)nbytes;
	*out = tcp_so_send_chain(s, so, head, (uint32_t)nbytes);
	if (*out < 0) {
		errno = (int)-*out;
		*out = -1;
		return true;
	}
	zc_forget(s, i);
	return true;
}
