/* udp.h: UDP (RFC 768) datagram sockets.
 *
 * udp_input() validates a datagram (length, checksum), finds the best
 * matching socket (connected 4-tuple, then bound address, then wildcard) and
 * queues the mbuf on its receive queue untouched (zero copy); a closed port
 * gets ICMP port unreachable (rate limited) unless net.inet.udp.blackhole.
 * The sockets themselves are the SOCK_DGRAM proto_ops (socket.h); udp.c
 * has the details and the rules.
 */
#ifndef FASTACK_UDP_UDP_H
#define FASTACK_UDP_UDP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "base/addr.h"
#include "base/counters.h"

struct stack;
struct netif;

#define UDP_STATS(X)                                                                   \
	X(udps_ipackets, "datagrams received")                                         \
	X(udps_delivered, "datagrams queued to a socket")                              \
	X(udps_opackets, "datagrams sent")                                             \
	X(udps_hdrops, "dropped: shorter than a UDP header")                           \
	X(udps_badlen, "dropped: UDP length disagrees with the IP length")             \
	X(udps_badsum, "dropped: checksum bad")                                        \
	X(udps_noport, "dropped: no socket on the port (port unreachable sent)")       \
	X(udps_noportbcast, "dropped: broadcast/multicast to a port with no socket")   \
	X(udps_fullsock, "dropped: socket receive buffer full")                        \
	X(udps_memdrop, "dropped: memory pressure, socket above fastack.mem.sock_min") \
	X(udps_hdrsplit, "dropped: UDP header split across mbuf segments")
COUNTER_STRUCT(udp_stats, UDP_STATS);

int udp_init(struct stack *s);
void udp_fini(struct stack *s);
/* Consumes m (pointing at the UDP header; IP header in the headroom,
 * m->l3_len set). */
void udp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* An ICMP error (err: a positive errno, e.g. ECONNREFUSED for port
 * unreachable, EHOSTUNREACH, EMSGSIZE) about a datagram we sent from
 * (src, sport) to (dst, dport), as quoted in the ICMP message (addresses in
 * network order, ports in host order).  Connected sockets for that 4-tuple
 * get so_error = err and an EPOLLERR wakeup; others ignore it (FreeBSD's
 * udp_ctlinput, Linux without IP_RECVERR).  For icmp_input to call. */
void udp_ctlinput(struct stack *s, int err, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport);

/* For the tools (src/ctl: netstat): one bound socket. */
struct udp_sock_info {
	struct ip_addr laddr, faddr; /* faddr family 0 unless connected */
	uint16_t lport, fport;       /* host order */
	uint32_t recvq;              /* bytes waiting to be read */
};
void udp_sock_foreach(struct stack *s, void (*fn)(const struct udp_sock_info *ui, void *arg),
                      void *arg);

#endif
