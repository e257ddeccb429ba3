/* udp.h: UDP (RFC 768) datagram sockets.
 *
 * udp_input() validates a datagram (length, checksum), finds the best
 * matching socket (connected 4-tuple, then bound address, then wildcard) and
 * queues the mbuf on its receive queue untouched (zero copy); a closed port
 * gets ICMP port unreachable (rate limited) unless net.inet.udp.blackhole.
 */
#ifndef FASTACK_UDP_UDP_H
#define FASTACK_UDP_UDP_H

#include <rte_mbuf.h>

#include "base/counters.h"

struct stack;
struct netif;

#define UDP_STATS(X)                                                                 \
	X(udps_ipackets, "datagrams received")                                       \
	X(udps_delivered, "datagrams queued to a socket")                            \
	X(udps_opackets, "datagrams sent")                                           \
	X(udps_hdrops, "dropped: shorter than a UDP header")                         \
	X(udps_badlen, "dropped: UDP length disagrees with the IP length")           \
	X(udps_badsum, "dropped: checksum bad")                                      \
	X(udps_noport, "dropped: no socket on the port (port unreachable sent)")     \
	X(udps_noportbcast, "dropped: broadcast/multicast to a port with no socket") \
	X(udps_fullsock, "dropped: socket receive buffer full")
COUNTER_STRUCT(udp_stats, UDP_STATS);

int udp_init(struct stack *s);
void udp_fini(struct stack *s);
/* Consumes m (pointing at the UDP header; IP header in the headroom,
 * m->l3_len set). */
void udp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);

#endif
