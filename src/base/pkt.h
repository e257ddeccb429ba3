/* pkt.h: per-packet metadata in the mbuf private area, and packet queues.
 *
 * Every mempool the stack creates reserves PKT_PRIV_SIZE bytes of private
 * area per mbuf (rte_pktmbuf_pool_create's priv_size).  It carries the link
 * of a packet queue (socket receive queues, the ARP hold queue, fault-delay
 * queues) so queues need no allocation, and a timestamp for those that delay.
 *
 * Header offsets on receive: each layer records its header length in the
 * mbuf's l2_len/l3_len/l4_len as it strips the header with rte_pktmbuf_adj(),
 * so an upper layer can still find, e.g., the IP source address of a UDP
 * datagram sitting in a receive queue (it is in the headroom, never copied).
 */
#ifndef FASTACK_BASE_PKT_H
#define FASTACK_BASE_PKT_H

#include <stdint.h>

#include <rte_mbuf.h>

struct pkt_meta {
	struct rte_mbuf *nextpkt; /* next packet in a pktq */
	uint64_t time;            /* queue-specific timestamp (ns) */
};

#define PKT_PRIV_SIZE 16
_Static_assert(sizeof(struct pkt_meta) <= PKT_PRIV_SIZE, "pkt_meta too large");
_Static_assert(PKT_PRIV_SIZE % RTE_MBUF_PRIV_ALIGN == 0, "priv size alignment");

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return (struct pkt_meta *)rte_mbuf_to_priv(m);
}

/* A FIFO of packets (each possibly a multi-segment chain). */
struct pktq {
	struct rte_mbuf *head, *tail;
	uint32_t n;     /* packets */
	uint32_t bytes; /* sum of pkt_len */
};

static inline void pktq_init(struct pktq *q)
{
	q->head = q->tail = NULL;
	q->n = q->bytes = 0;
}

static inline void pktq_push(struct pktq *q, struct rte_mbuf *m)
{
	pkt_meta(m)->nextpkt = NULL;
	if (q->tail)
		pkt_meta(q->tail)->nextpkt = m;
	else
		q->head = m;
	q->tail = m;
	q->n++;
	q->bytes += m->pkt_len;
}

static inline struct rte_mbuf *pktq_pop(struct pktq *q)
{
	struct rte_mbuf *m = q->head;
	if (!m)
		return NULL;
	q->head = pkt_meta(m)->nextpkt;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	q->bytes -= m->pkt_len;
	pkt_meta(m)->nextpkt = NULL;
	return m;
}

static inline void pktq_free(struct pktq *q)
{
	struct rte_mbuf *m;
	while ((m = pktq_pop(q)) != NULL)
		rte_pktmbuf_free(m);
}

/* Cuts the chain m to len bytes (len <= pkt_len): rte_pktmbuf_trim only
 * trims within the last segment. */
static inline void pkt_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *rest;
	uint32_t left = len;
	uint16_t nfree = 0;

	if (m->pkt_len <= len)
		return;
	while (left > seg->data_len) {
		left -= seg->data_len;
		seg = seg->next;
	}
	seg->data_len = (uint16_t)left;
	rest = seg->next;
	seg->next = NULL;
	for (struct rte_mbuf *r = rest; r; r = r->next)
		nfree++;
	m->nb_segs = (uint16_t)(m->nb_segs - nfree);
	m->pkt_len = len;
	rte_pktmbuf_free(rest);
}

#endif
