/* port.c: the generic half of every port: TX buffering and flushing, RX
 * accounting, close, and the allocation shared by implementations.
 *
 * Call order per loop pass: port_rx_burst() (any number of times), port_tx()
 * per frame, port_tx_flush() once at the end of the pass (stack_pass_end).
 * port_tx_flush() always calls the port's tx_burst, even with no frame, so
 * that wrappers holding frames (fault delay) get a chance every pass.
 */
#include "port/port.h"

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "port/port_priv.h"

/* The allocation behind every port: the port, its fallback clock and
 * counters (used until a stack sets p->now/p->stats), then p->priv. */
struct port_block {
	struct port port;
	struct port_stats stats;
	uint64_t now;
};

#define PORT_PRIV_OFFSET RTE_ALIGN_CEIL(sizeof(struct port_block), RTE_CACHE_LINE_SIZE)

struct port *port_alloc(const struct port_ops *ops, const char *name, size_t priv_size)
{
	struct port_block *b;
	struct port *p;

	b = rte_zmalloc("fastack_port", PORT_PRIV_OFFSET + priv_size, RTE_CACHE_LINE_SIZE);
	if (!b)
		return NULL;
	p = &b->port;
	p->ops = ops;
	p->priv = priv_size ? (char *)b + PORT_PRIV_OFFSET : NULL;
	p->now = &b->now;
	p->stats = &b->stats;
	p->mtu = RTE_ETHER_MTU;
	if (name) {
		size_t len = strnlen(name, sizeof(p->name) - 1);

		memcpy(p->name, name, len);
		p->name[len] = '\0';
	}
	return p;
}

void port_free(struct port *p)
{
	if (p)
		rte_free(container_of(p, struct port_block, port));
}

void port_tx(struct port *p, struct rte_mbuf *m)
{
	p->tx_buf[p->tx_n++] = m;
	if (p->tx_n == PORT_TX_BUF)
		port_tx_flush(p);
}

void port_tx_flush(struct port *p)
{
	uint16_t n = p->tx_n, done = 0, k;
	uint64_t bytes = 0;

	if (unlikely(p->tap != NULL) && n)
		p->tap(p, p->tx_buf, n, true);
	for (uint16_t i = 0; i < n; i++)
		bytes += p->tx_buf[i]->pkt_len;
	p->tx_n = 0;
	/* Retry while the port makes progress (a ring may take a burst in
	 * parts); stop at the first refusal.  One call even when n == 0. */
	do {
		k = p->ops->tx_burst(p, p->tx_buf + done, (uint16_t)(n - done));
		done = (uint16_t)(done + k);
	} while (k > 0 && done < n);
	for (uint16_t i = done; i < n; i++) {
		bytes -= p->tx_buf[i]->pkt_len;
		rte_pktmbuf_free(p->tx_buf[i]);
	}
	p->stats->tx_packets += done;
	p->stats->tx_bytes += bytes;
	p->stats->tx_dropped += (uint64_t)(n - done);
}

uint16_t port_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k = p->ops->rx_burst(p, pkts, n);
	uint64_t bytes = 0;

	if (unlikely(p->tap != NULL) && k)
		p->tap(p, pkts, k, false);
	for (uint16_t i = 0; i < k; i++)
		bytes += pkts[i]->pkt_len;
	p->stats->rx_packets += k;
	p->stats->rx_bytes += bytes;
	return k;
}

void port_close(struct port *p)
{
	if (!p)
		return;
	port_tx_flush(p);
	p->ops->close(p);
}

bool port_mbuf_exclusive(const struct rte_mbuf *m)
{
	for (; m; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

int port_mbuf_own(struct rte_mbuf **m)
{
	struct rte_mbuf *c;

	if (port_mbuf_exclusive(*m))
		return 0;
	c = rte_pktmbuf_copy(*m, (*m)->pool, 0, UINT32_MAX);
	if (!c)
		return -ENOMEM;
	rte_pktmbuf_free(*m);
	*m = c;
	return 0;
}
