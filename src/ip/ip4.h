/* ip4.h: IPv4 input validation and output (RFC 791, RFC 1122), with ICMP.
 *
 * Input (ip4_input): version, header length, total length against the frame,
 * header checksum (hardware result when the port has it), TTL, source
 * address sanity; options are skipped; fragments are counted and dropped
 * until reassembly lands.  Delivers to ICMP, UDP (and TCP) with m pointing at
 * the transport header and m->l3_len set.
 *
 * Output (ip4_output): routes (route.h), fills the header, checksums it (or
 * leaves it to the port's offload), resolves the next hop (ARP) and sends.
 */
#ifndef FASTACK_IP_IP4_H
#define FASTACK_IP_IP4_H

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
	X(ips_noroute, "dropped on output: no route to destination")                     \
	X(ips_toolong, "dropped on output: larger than the MTU, DF or no fragmentation") \
	X(ips_odropped, "dropped on output: no buffer")
COUNTER_STRUCT(ip4_stats, IP4_STATS);

#define ICMP_STATS(X)                                                            \
	X(icps_inhist_echo, "echo requests received")                            \
	X(icps_outhist_echoreply, "echo replies sent")                           \
	X(icps_inhist_other, "other ICMP messages received")                     \
	X(icps_tooshort, "dropped: ICMP message too short")                      \
	X(icps_checksum, "dropped: ICMP checksum bad")                           \
	X(icps_badtype, "dropped: unknown or unhandled type")                    \
	X(icps_bmcastecho, "dropped: echo to broadcast/multicast")               \
	X(icps_error, "ICMP errors sent (unreachables)")                         \
	X(icps_oldicmp, "no error sent: offending packet was an ICMP error")     \
	X(icps_ratelimited, "no error sent: rate limit (net.inet.icmp.icmplim)") \
	X(icps_nomem, "no reply/error sent: no mbuf")
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

/* ICMP (icmp.c) */
void icmp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* Sends an ICMP error (type, code) about the received packet m, whose data
 * still starts at the transport header (IP header in the headroom, m->l3_len
 * set).  Applies RFC 1122 suppression rules and the rate limit.  Does not
 * consume m. */
void icmp_error(struct stack *s, struct rte_mbuf *m, uint8_t type, uint8_t code);

#endif
