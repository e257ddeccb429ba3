/* port_rss.h: how a port's frames are spread over the stacks of a process
 * (docs/ARCHITECTURE.md "Multi-core: RSS").
 *
 * One struct port_rss per ethdev port, filled by port_dpdk_setup (or a test),
 * read-only afterwards and shared by the stacks of the process (read-only
 * lines: no stack ever writes it).  It holds the Toeplitz key the NIC hashes
 * with and the redirection table (RETA) that maps a hash to a stack:
 *
 *     stack = reta[hash & (reta_size - 1)]
 *
 * the hash being Toeplitz over (src addr, dst addr, src port, dst port) for
 * TCP and UDP over IPv4 and over the two addresses for other IPv4, as NICs
 * compute it (rte_softrss, host-order tuple).  The default key is the
 * symmetric one (0x6d5a repeated, F-Stack's symmetric_rss): both directions
 * of a flow hash alike, so a connection's segments and the ICMP errors about
 * it meet on one stack.
 *
 * soft: the PMD does not steer by this hash (no RSS, or fewer RX queues than
 * stacks: net_af_packet, net_tap, net_memif, af_xdp on a veth); the stack
 * that receives a frame computes its owner with rss_frame_owner and hands it
 * over (stack/steer.h).  With hardware RSS only the frames a NIC cannot
 * steer by flow are looked at: ARP (every stack needs it) and ICMP errors
 * (their owner is the flow quoted inside).
 *
 * nqueues: the queues the port really has (<= nstacks); a stack whose index
 * is >= nqueues has no queue of its own and sends through stack
 * (index % nqueues) (stack/steer.h).
 */
#ifndef FASTACK_PORT_PORT_RSS_H
#define FASTACK_PORT_PORT_RSS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define RSS_KEY_LEN 40    /* the Toeplitz key of most NICs */
#define RSS_KEY_MAX 64    /* room for longer device keys (52 bytes on some) */
#define RSS_RETA_MAX 512  /* largest table kept */
#define RSS_RETA_SOFT 128 /* table size in software mode */

/* rss_frame_owner results besides a stack index. */
#define RSS_OWNER_ALL (-1)  /* ARP: processed here, copied to every other stack */
#define RSS_OWNER_HERE (-2) /* no flow to follow: processed where it arrived */

struct port_rss {
	uint8_t key[RSS_KEY_MAX] __rte_aligned(8); /* as the NIC takes it */
	uint16_t key_len;
	uint16_t reta_size; /* a power of 2, <= RSS_RETA_MAX */
	uint16_t nstacks;   /* stacks of the process */
	uint16_t nqueues;   /* queues the port has (1..nstacks) */
	bool soft;          /* frames are steered in software */
	uint8_t reta[RSS_RETA_MAX];
};

/* Fills r for nstacks stacks over nqueues queues: the symmetric key (key_len
 * bytes, RSS_KEY_LEN if 0), a reta_size-entry table (RSS_RETA_SOFT if 0)
 * spreading entry i to stack i % nstacks, software mode as given.  -EINVAL
 * on sizes out of range. */
int rss_init(struct port_rss *r, unsigned nstacks, unsigned nqueues, unsigned key_len,
             unsigned reta_size, bool soft);

/* The Toeplitz hash of an IPv4 flow as the NIC computes it for a frame from
 * (saddr, sport) to (daddr, dport); addresses and ports in network order
 * (ports 0 for a 2-tuple hash). */
uint32_t rss_hash_v4(const struct port_rss *r, uint32_t saddr, uint32_t daddr, uint16_t sport,
                     uint16_t dport);
/* The stack a hash belongs to. */
static inline unsigned rss_stack_of(const struct port_rss *r, uint32_t hash)
{
	return r->reta[hash & (uint32_t)(r->reta_size - 1)];
}
/* The stack that receives frames from (faddr, fport) to (laddr, lport). */
static inline unsigned rss_stack_v4(const struct port_rss *r, uint32_t faddr, uint32_t laddr,
                                    uint16_t fport, uint16_t lport)
{
	return rss_stack_of(r, rss_hash_v4(r, faddr, laddr, fport, lport));
}

/* The stack that owns a received Ethernet frame (m's data at the Ethernet
 * header, untagged or one 802.1Q tag): a stack index, RSS_OWNER_ALL (ARP)
 * or RSS_OWNER_HERE.  TCP and UDP over IPv4 (first fragments only): their
 * 4-tuple; ICMP errors (unreachable, source quench, redirect, time
 * exceeded, parameter problem) quoting TCP or UDP: the quoted flow as its
 * replies travel (the quoted header is one this host sent); anything else,
 * or too short to tell: RSS_OWNER_HERE (the receiving stack decides, and
 * counts, whatever is wrong with it).  flows: look at TCP and UDP (software
 * mode); without it they are RSS_OWNER_HERE (the NIC steered them). */
int rss_frame_owner(const struct port_rss *r, const struct rte_mbuf *m, bool flows);

#endif
