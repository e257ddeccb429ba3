/* ip4.h: IPv4 input validation and output (RFC 791, RFC 1122), with ICMP.
 *
 * Input (ip4_input): version, header length, total length against the frame,
 * header checksum (hardware result when the port has it), source address
 * sanity, destination (ours, or a broadcast: broadcasts reach UDP and ICMP
 * only); options are skipped; fragments are counted and dropped until
 * reassembly lands; link padding is trimmed.  Delivers to ICMP, UDP (and
 * TCP) with m pointing at the transport header, m->pkt_len = the IP payload
 * length, and m->l3_len set; the IP header stays in the headroom:
 *
 *     const struct rte_ipv4_hdr *ih =
 *         rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);
 *
 * (and the Ethernet header before it: eth_rx_was_group() tells a link-layer
 * broadcast).  Every drop has its counter; ip4.c lists the order.
 *
 * Output (ip4_output): routes (route.h), fills the header, checksums it (or
 * leaves it to the port's offload: then it sets RTE_MBUF_F_TX_IPV4 |
 * RTE_MBUF_F_TX_IP_CKSUM and m->l3_len; eth_output sets m->l2_len), resolves
 * the next hop (ARP) and sends.  A transport layer asking for an L4
 * checksum offload (when ip4_output_netif(dst)->port offers it) sets its
 * RTE_MBUF_F_TX_{UDP,TCP}_CKSUM flag and the pseudo-header sum
 * (wire_ip4_phdr_sum, with the source from ip4_select_src) before calling;
 * ip4_output adds RTE_MBUF_F_TX_IPV4.  Should the route have moved to a
 * port without that offload (a cached decision, a route change), ip4_output
 * completes the checksum in software (ips_swcsum), so a request is never
 * wrong on the wire.
 *
 * Received L4 checksums: ip4_rx_l4_cksum_ok() is the one verdict TCP and
 * UDP use (the port's when it looked, else software).
 *
 * ICMP errors received (RFC 1122 section 3.2.2.1, 4.2.3.9) are validated
 * by icmp.c and handed to the transport that sent the quoted datagram:
 * tcp_ctlinput() and udp_ctlinput() (icmp.c has the rules).
 */
#ifndef FASTACK_IP_IP4_H
#define FASTACK_IP_IP4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "base/counters.h"

struct stack;
struct netif;

#define IP4_STATS(X)                                                                     \
	X(ips_total, "packets received")                                                 \
	X(ips_delivered, "packets delivered to upper layers")                            \
	X(ips_localout, "packets sent")                                                  \
	X(ips_tooshort, "dropped: frame shorter than the IP total length")               \
	X(ips_toosmall, "dropped: shorter than a minimal IP header")                     \
	X(ips_badvers, "dropped: IP version not 4")                                      \
	X(ips_badhlen, "dropped: header length < 20 or beyond the packet")               \
	X(ips_badlen, "dropped: total length < header length")                           \
	X(ips_badsum, "dropped: header checksum bad")                                    \
	X(ips_badaddr, "dropped: source is broadcast/multicast/loopback/ours")           \
	X(ips_notforus, "dropped: destination not one of our addresses")                 \
	X(ips_fragments, "dropped: fragments (reassembly not implemented yet)")          \
	X(ips_noproto, "dropped: unknown/unsupported protocol")                          \
	X(ips_hdrsplit, "dropped: IP header split across mbuf segments")                 \
	X(ips_badbcast, "dropped: broadcast for a protocol other than UDP and ICMP")     \
	X(ips_l2bcast, "dropped: link-layer broadcast to a unicast address (RFC 1122)")  \
	X(ips_noroute, "dropped on output: no route to destination")                     \
	X(ips_localdst, "dropped on output: to our own address (no loopback yet)")       \
	X(ips_toolong, "dropped on output: larger than the MTU, DF or no fragmentation") \
	X(ips_odropped, "dropped on output: no buffer")                                  \
	X(ips_swcsum, "L4 checksums completed in software: the port lacks the offload")
COUNTER_STRUCT(ip4_stats, IP4_STATS);

#define ICMP_STATS(X)                                                              \
	X(icps_inhist_echo, "echo requests received")                              \
	X(icps_outhist_echoreply, "echo replies sent")                             \
	X(icps_inhist_other, "other ICMP messages received")                       \
	X(icps_tooshort, "dropped: ICMP message too short")                        \
	X(icps_checksum, "dropped: ICMP checksum bad")                             \
	X(icps_badtype, "dropped: unknown or unhandled type")                      \
	X(icps_bmcastecho, "dropped: echo to broadcast/multicast")                 \
	X(icps_noecho, "dropped: echo while net.inet.icmp.echo_enable is 0")       \
	X(icps_error, "ICMP errors sent (unreachables)")                           \
	X(icps_oldicmp, "no error sent: offending packet was an ICMP error")       \
	X(icps_errbmcast, "no error sent: offending packet was broadcast/mcast")   \
	X(icps_errfrag, "no error sent: offending packet was a later fragment")    \
	X(icps_errbadsrc, "no error sent: offending source not a host address")    \
	X(icps_ratelimited, "no error sent: rate limit (net.inet.icmp.icmplim)")   \
	X(icps_nomem, "no reply/error sent: no mbuf")                              \
	X(icps_ctlinput, "errors passed to TCP/UDP (ctlinput)")                    \
	X(icps_ctl_ignored, "errors not passed on: type or protocol not acted on") \
	X(icps_badcode, "dropped: error code unknown for its type")                \
	X(icps_badlen, "dropped: error quoting less than an IP header + 8 bytes")  \
	X(icps_badquote, "dropped: quoted datagram not one we sent")               \
	X(icps_errbcast, "dropped: error sent to a broadcast address")
COUNTER_STRUCT(icmp_stats, ICMP_STATS);

/* Output parameters for one packet. */
struct ip4_out {
	uint32_t src, dst; /* network order; src 0 = choose from the route */
	uint8_t proto;
	uint8_t ttl; /* 0 = net.inet.ip.ttl */
	uint8_t tos;
	uint8_t df; /* set Don't Fragment */
};

int ip4_init(struct stack *s);
void ip4_fini(struct stack *s);
/* Consumes m (pointing at the IPv4 header). */
void ip4_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* m holds the transport header and payload; prepends the IPv4 header and
 * sends.  Consumes m.  Returns 0 or -errno (-ENETUNREACH, -EMSGSIZE,
 * -ENOBUFS). */
int ip4_output(struct stack *s, struct rte_mbuf *m, const struct ip4_out *o);
/* Chooses the source address for dst (the outgoing interface's); 0 if no
 * route. */
uint32_t ip4_select_src(struct stack *s, uint32_t dst);
/* True if a is one of this stack's IPv4 addresses. */
bool ip4_is_local(struct stack *s, uint32_t a);
/* True if a is a broadcast address for ifp (or, ifp NULL, for any netif):
 * 255.255.255.255, the netif's directed broadcast, and the old BSD forms
 * with a zero host part (0.0.0.0, the network address of a /30 or wider),
 * which RFC 1122 section 3.3.6 says hosts SHOULD accept. */
bool ip4_is_broadcast(struct stack *s, const struct netif *ifp, uint32_t a);
/* The netif a datagram to dst leaves by (ip4_output's choice), or NULL when
 * there is no route: transports ask it for the port's TX offloads. */
struct netif *ip4_output_netif(struct stack *s, uint32_t dst);
/* The verdict on the TCP or UDP checksum of the len-byte message at the
 * start of m, with the pseudo-header (src, dst, proto): the port's when it
 * offers PORT_OFF_RX_L4_CKSUM and looked at this packet, else computed.
 * ifp NULL means software.  (UDP's checksum 0, "none", is UDP's to check
 * first.) */
bool ip4_rx_l4_cksum_ok(const struct netif *ifp, const struct rte_mbuf *m, uint32_t len,
                        uint32_t src, uint32_t dst, uint8_t proto);

/* ICMP (icmp.c) */
void icmp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* Sends an ICMP error (type, code) about the received packet m, whose data
 * still starts at the transport header (IP header in the headroom, m->l3_len
 * set).  Applies RFC 1122 suppression rules and the rate limit.  Does not
 * consume m. */
void icmp_error(struct stack *s, struct rte_mbuf *m, uint8_t type, uint8_t code);
/* The errno an ICMP error (type, code) stands for, as Linux reports it
 * (ECONNREFUSED for port unreachable, EHOSTUNREACH, ENETUNREACH, EMSGSIZE
 * for fragmentation needed, EPROTO for a parameter problem, ...), and in
 * *hard whether it is a hard error (the destination refuses for good) as
 * opposed to a soft one that may pass (net/host unreachable, time
 * exceeded, fragmentation needed).  0 when the message is not an error the
 * transports act on (source quench, redirect, unknown code). */
int icmp_errno(uint8_t type, uint8_t code, bool *hard);

#endif
