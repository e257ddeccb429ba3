/* test_icmp_ctl.c: ICMP errors received, handed to the transports
 * (src/ip/icmp.c -> tcp_ctlinput, udp_ctlinput).
 *
 * One stack ("us", 198.18.0.1) on a capture port: the test catches a
 * segment or datagram the stack sent, wraps it in an ICMP error as a router
 * (198.18.0.254) or the peer (198.18.0.2) would, quoting the IP header and
 * the first bytes of the transport header, injects it, and checks what the
 * connection or socket did: a refused connect, PMTUD, soft errors kept for
 * a timeout, ECONNREFUSED on a connected UDP socket (next recv or send,
 * EPOLLERR).  Every malformed or foreign error is dropped with its counter
 * and changes nothing.  The last test runs on two stacks: a real port
 * unreachable made by one stack reaches the other's connected socket.
 *
 * Also the IPv4 plumbing the transports share for checksums: the one RX
 * verdict (ip4_rx_l4_cksum_ok), UDP's TX offload request on the wire, and
 * ip4_output completing a requested checksum in software when the port
 * lacks the offload.  Teardown checks that no mbuf leaked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "harness.h"
#include "eth/eth.h"
#include "ip/ip4.h"
#include "port/port.h"
#include "tcp/tcp_priv.h"
#include "test_tcp_lib.h"
#include "wire/cksum.h"
#include "wire/icmp.h"

#define US_IP "198.18.0.1"
#define PEER_IP "198.18.0.2"
#define ROUTER_IP "198.18.0.254"

static const struct rte_ether_addr US_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };

#define ICMPS(t) (&(t)->h.s->stats.icmp)
#define TCPS(t) (&(t)->h.s->stats.tcp)

/* ---- frames ---- */

/* An ICMP error as the test sends it. */
struct icmp_msg {
	uint8_t type, code;
	uint16_t mtu;     /* next-hop MTU of a "fragmentation needed" */
	const char *from; /* outer source (default: the router) */
	const char *to;   /* outer destination (default: us) */
	bool bad_cksum;
	unsigned split; /* > 0: the frame comes in two mbufs, cut here */
};

static void inject_icmp(struct t *t, const struct icmp_msg *im, const uint8_t *quote, size_t qlen)
{
	static uint8_t buf[2048];
	struct rte_ether_hdr *eh = (void *)buf;
	struct rte_ipv4_hdr *ih = (void *)(buf + 14);
	uint8_t *ic = buf + 34;
	size_t len = 34 + WIRE_ICMP_HLEN + qlen;
	struct rte_mbuf *m;

	memset(buf, 0, 42);
	eh->dst_addr = US_MAC;
	eh->src_addr = PEER_MAC;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(len - 14));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_ICMP;
	ih->src_addr = h_ip4(im->from ? im->from : ROUTER_IP);
	ih->dst_addr = h_ip4(im->to ? im->to : US_IP);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	ic[0] = im->type;
	ic[1] = im->code;
	ic[6] = (uint8_t)(im->mtu >> 8);
	ic[7] = (uint8_t)im->mtu;
	memcpy(ic + WIRE_ICMP_HLEN, quote, qlen);
	{
		uint16_t ck = wire_cksum_final(wire_cksum_buf(ic, WIRE_ICMP_HLEN + qlen));

		if (im->bad_cksum)
			ck ^= 0x0101;
		memcpy(ic + 2, &ck, 2);
	}
	if (im->split && im->split < len) {
		struct rte_mbuf *tail = harness_frame(t->h.pool, buf + im->split, len - im->split);

		m = harness_frame(t->h.pool, buf, im->split);
		CHECK(m && tail && rte_pktmbuf_chain(m, tail) == 0);
	} else {
		m = harness_frame(t->h.pool, buf, len);
	}
	cap_port_inject(t->h.cap, m);
	h_one_pass(&t->h);
}

/* Pops the next frame the stack sent with IP protocol proto (others are
 * freed); NULL if none. */
static struct rte_mbuf *pop_proto(struct t *t, uint8_t proto)
{
	struct rte_mbuf *m;

	h_one_pass(&t->h);
	while ((m = cap_port_pop(t->h.cap)) != NULL) {
		const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, 14);

		if (m->pkt_len >= 34 && ip[9] == proto)
			return m;
		rte_pktmbuf_free(m);
	}
	return NULL;
}

/* Copies the IP header and what follows of frame m (up to max bytes): the
 * quote an ICMP error carries.  Frees m. */
static size_t quote_of(struct rte_mbuf *m, uint8_t *q, size_t max)
{
	size_t n = 0;

	if (!m)
		return 0;
	n = m->pkt_len - 14 < max ? m->pkt_len - 14 : max;
	CHECK(rte_pktmbuf_read(m, 14, (uint32_t)n, q) != NULL);
	if (rte_pktmbuf_read(m, 14, (uint32_t)n, q) != q)
		memcpy(q, rte_pktmbuf_mtod_offset(m, const uint8_t *, 14), n);
	rte_pktmbuf_free(m);
	return n;
}

/* A connect whose SYN is caught: its quote (28 bytes) in q. */
static void connect_and_quote(struct t *t, uint8_t *q)
{
	struct ip_addr peer = ip_addr_v4(h_ip4(PEER_IP));

	t->c = tcp_pcb_new(t->h.s, &owner_c);
	CHECK_EQ(tcp_connect(t->h.s, t->c, &peer, PEER_PORT), 0);
	CHECK_EQ(quote_of(pop_proto(t, IPPROTO_TCP), q, 28), 28);
}

/* ---- TCP ---- */

TEST(tcp_port_unreachable_on_the_wire_refuses_a_connect)
{
	struct t t;
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	connect_and_quote(&t, q);
	/* Host unreachable is soft (RFC 1122 4.2.3.9): still connecting. */
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_HOST }, q,
	            28);
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_SENT);
	CHECK_EQ(t.c->t_softerror, EHOSTUNREACH);
	CHECK_EQ(ICMPS(&t)->icps_ctlinput, 1);
	/* Port unreachable from the peer is hard: refused. */
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ECONNREFUSED);
	CHECK(t.ev_c & TCP_EV_ERR, "events 0x%x", t.ev_c);
	CHECK_EQ(ICMPS(&t)->icps_ctlinput, 2);
	CHECK_EQ(ICMPS(&t)->icps_inhist_other, 2);
	EXPECT_NOTHING(&t, 5); /* no RST for a connection that never was */
	t_teardown(&t);
}

TEST(tcp_administratively_prohibited_refuses_a_connect)
{
	struct t t;
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	connect_and_quote(&t, q);
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_UNREACH, .code = 13 }, q, 28);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), ECONNREFUSED); /* FreeBSD's icmp_errmap */
	t_teardown(&t);
}

TEST(tcp_fragmentation_needed_on_the_wire_lowers_the_mss)
{
	struct t t;
	static char d[1460];
	uint8_t q[600];
	size_t n;

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	memset(d, 'm', sizeof(d));
	CHECK_EQ(t_write(&t, d, sizeof(d)), (ssize_t)sizeof(d));
	/* A router quotes as much as fits in 576 bytes (RFC 1812 4.3.2.3). */
	n = quote_of(pop_proto(&t, IPPROTO_TCP), q, 576 - 20 - 8);
	CHECK_EQ(n, 548);
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_NEEDFRAG, .mtu = 1000 },
	    q, n);
	CHECK_EQ(t.c->t_maxseg, 960);
	CHECK_EQ(TCPS(&t)->tcps_icmp_mtu, 1);
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 1, .ack = PEER_ISS + 1, .flags = TH_ACK,
	                            .data = d, .len = 960 }));
	EXPECT_SENT(&t, NOW,
	            ((struct tseg){ US, .seq = t.iss + 961, .ack = PEER_ISS + 1,
	                            .flags = TH_PUSH | TH_ACK, .data = d, .len = 500 }));
	/* The same error again (a larger MTU than the MSS now): ignored. */
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_NEEDFRAG, .mtu = 1000 },
	    q, n);
	CHECK_EQ(TCPS(&t)->tcps_icmp_ignored, 1);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	t_teardown(&t);
}

/* Time exceeded in transit aborts a connect at once (FreeBSD,
 * net.inet.tcp.icmp_may_rst 1); with icmp_may_rst 0 it is a soft error,
 * reported when the connect times out. */
TEST(tcp_time_exceeded_is_a_soft_error_reported_at_timeout)
{
	struct t t;
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	connect_and_quote(&t, q);
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_TIMXCEED }, q, 28);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), EHOSTUNREACH);
	cap_port_clear(t.h.cap);
	t_teardown(&t);

	t_knobs_default(&t);
	t.knobs[KNOB_TCP_KEEPINIT] = 3000;
	t.knobs[KNOB_TCP_ICMP_MAY_RST] = 0;
	t_setup(&t);
	connect_and_quote(&t, q);
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_TIMXCEED }, q, 28);
	CHECK_EQ(tcp_state(t.c), TCPS_SYN_SENT);
	CHECK_EQ(tcp_error(t.c, false), 0);
	h_one_run_ms(&t.h, 3100);
	CHECK_EQ(tcp_state(t.c), TCPS_CLOSED);
	CHECK_EQ(tcp_error(t.c, false), EHOSTUNREACH);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

TEST(tcp_hard_error_does_not_abort_an_established_connection)
{
	struct t t;
	uint8_t q[28];

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, NULL);
	CHECK_EQ(t_write(&t, "abc", 3), 3);
	CHECK_EQ(quote_of(pop_proto(&t, IPPROTO_TCP), q, 28), 28);
	/* RFC 5927 section 4.2: soft in synchronized states (as FreeBSD,
	 * Linux). */
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	CHECK_EQ(tcp_error(t.c, false), 0);
	CHECK_EQ(t.c->t_softerror, ECONNREFUSED);
	/* The data is still delivered when the peer answers. */
	SEND(&t, ((struct tseg){ PEER, .seq = PEER_ISS + 1, .ack = t.iss + 4, .flags = TH_ACK }));
	CHECK_EQ(t.c->snd_una, t.iss + 4);
	t_teardown(&t);
}

/* Every error that is malformed, not ours, or not acted on: its counter,
 * and the connection it seems to be about is untouched. */
TEST(foreign_and_malformed_errors_are_counted_and_ignored)
{
	struct t t;
	uint8_t q[60], bad[60];
	const struct icmp_msg unreach = { .type = ICMP_UNREACH,
		                          .code = ICMP_UNREACH_NEEDFRAG,
		                          .mtu = 600 };
	struct icmp_msg im;
	struct icmp_stats c;
	uint32_t other = h_ip4("198.18.0.9");

	t_knobs_default(&t);
	t_setup(&t);
	T_PASSIVE(&t, (&(struct tcp_opts){ .present = TOF_MSS, .mss = 1460 }));
	CHECK_EQ(t_write(&t, "abc", 3), 3);
	CHECK_EQ(quote_of(pop_proto(&t, IPPROTO_TCP), q, 28), 28);
	memset(&c, 0, sizeof(c));

	/* Too short to hold an IP header and 8 bytes. */
	inject_icmp(&t, &unreach, q, 27);
	CHECK_EQ(ICMPS(&t)->icps_badlen, ++c.icps_badlen);
	/* The quoted header says 60 bytes; 28 are there. */
	memcpy(bad, q, 28);
	bad[0] = 0x4f;
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_badlen, ++c.icps_badlen);
	/* Not IPv4; a bad header length. */
	bad[0] = 0x65;
	inject_icmp(&t, &unreach, bad, 28);
	bad[0] = 0x44;
	inject_icmp(&t, &unreach, bad, 28);
	c.icps_badquote += 2;
	CHECK_EQ(ICMPS(&t)->icps_badquote, c.icps_badquote);
	/* Not sent by us: another source. */
	memcpy(bad, q, 28);
	memcpy(bad + 12, &other, 4);
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_badquote, ++c.icps_badquote);
	/* A later fragment (no transport header in it). */
	memcpy(bad, q, 28);
	bad[6] = 0x00;
	bad[7] = 0x10;
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_badquote, ++c.icps_badquote);
	/* About a broadcast (we get no errors about those). */
	memcpy(bad, q, 28);
	memset(bad + 19, 0xff, 1);
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_badquote, ++c.icps_badquote);
	/* Unknown codes. */
	im = (struct icmp_msg){ .type = ICMP_UNREACH, .code = 16 };
	inject_icmp(&t, &im, q, 28);
	im = (struct icmp_msg){ .type = ICMP_TIMXCEED, .code = 2 };
	inject_icmp(&t, &im, q, 28);
	im = (struct icmp_msg){ .type = ICMP_PARAMPROB, .code = 3 };
	inject_icmp(&t, &im, q, 28);
	c.icps_badcode += 3;
	CHECK_EQ(ICMPS(&t)->icps_badcode, c.icps_badcode);
	/* Sent to a broadcast address (RFC 1122 3.2.2 forbids it). */
	im = unreach;
	im.to = "198.18.0.255";
	inject_icmp(&t, &im, q, 28);
	CHECK_EQ(ICMPS(&t)->icps_errbcast, ++c.icps_errbcast);
	/* Source quench (RFC 6633), redirect: not acted on. */
	im = (struct icmp_msg){ .type = ICMP_SOURCEQUENCH };
	inject_icmp(&t, &im, q, 28);
	im = (struct icmp_msg){ .type = ICMP_REDIRECT, .code = 1 };
	inject_icmp(&t, &im, q, 28);
	c.icps_ctl_ignored += 2;
	CHECK_EQ(ICMPS(&t)->icps_ctl_ignored, c.icps_ctl_ignored);
	/* A quoted protocol without ctlinput (an echo request of ours). */
	memcpy(bad, q, 28);
	bad[9] = IPPROTO_ICMP;
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_ctl_ignored, ++c.icps_ctl_ignored);
	/* A bad ICMP checksum. */
	im = unreach;
	im.bad_cksum = true;
	inject_icmp(&t, &im, q, 28);
	CHECK_EQ(ICMPS(&t)->icps_checksum, 1);
	/* Valid, but TCP finds no such connection, or a sequence number out
	 * of the flight (RFC 5927): tcps_icmp_ignored. */
	memcpy(bad, q, 28);
	bad[20] ^= 0x40; /* another local port */
	inject_icmp(&t, &unreach, bad, 28);
	memcpy(bad, q, 28);
	bad[24] ^= 0x80; /* seq 2^31 away */
	inject_icmp(&t, &unreach, bad, 28);
	CHECK_EQ(ICMPS(&t)->icps_ctlinput, 2);
	CHECK_EQ(TCPS(&t)->tcps_icmp_ignored, 2);

	/* Nothing reached the connection. */
	CHECK_EQ(tcp_state(t.c), TCPS_ESTABLISHED);
	CHECK_EQ(t.c->t_softerror, 0);
	CHECK_EQ(t.c->t_maxseg, 1460);
	CHECK_EQ(TCPS(&t)->tcps_icmp_mtu, 0);
	/* And the real thing still works, split over two mbufs. */
	im = unreach;
	im.split = 34 + 8 + 22;
	inject_icmp(&t, &im, q, 28);
	CHECK_EQ(t.c->t_maxseg, 560);
	CHECK_EQ(TCPS(&t)->tcps_icmp_mtu, 1);
	t_teardown(&t);
}

/* ---- UDP ---- */

static struct linux_sockaddr *sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

TEST(udp_port_unreachable_reaches_the_connected_socket)
{
	struct t t;
	struct sockaddr_in a;
	struct epoll_event ev;
	uint8_t q[28];
	char buf[8];
	int fd, ep;

	t_knobs_default(&t);
	t_setup(&t);
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ff_connect(fd, sin4(&a, PEER_IP, 9), sizeof(a)), 0);
	ep = ff_epoll_create(1);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = fd };
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	CHECK_EQ(ff_send(fd, "ping", 4, 0), 4);
	CHECK_EQ(quote_of(pop_proto(&t, IPPROTO_UDP), q, 28), 28);

	/* Soft errors do not reach a socket (Linux without IP_RECVERR). */
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_HOST }, q,
	            28);
	inject_icmp(&t, &(struct icmp_msg){ .type = ICMP_TIMXCEED }, q, 28);
	CHECK_EQ(ICMPS(&t)->icps_ctl_ignored, 2);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 0);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);

	/* Port unreachable: EPOLLERR, then the next recv fails once. */
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_EQ(ICMPS(&t)->icps_ctlinput, 1);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 1);
	CHECK(ev.events & EPOLLERR, "events 0x%x", ev.events);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);

	/* Again, now reported by the next send. */
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_ERR(ff_send(fd, "ping", 4, 0), ECONNREFUSED);
	CHECK_EQ(ff_send(fd, "ping", 4, 0), 4);

	/* An error quoting another destination port: not this socket's. */
	q[23] ^= 1;
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(fd), 0);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

TEST(udp_unconnected_socket_ignores_port_unreachable)
{
	struct t t;
	struct sockaddr_in a;
	uint8_t q[28];
	char buf[8];
	int fd;

	t_knobs_default(&t);
	t_setup(&t);
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ff_sendto(fd, "ping", 4, 0, sin4(&a, PEER_IP, 9), sizeof(a)), 4);
	CHECK_EQ(quote_of(pop_proto(&t, IPPROTO_UDP), q, 28), 28);
	inject_icmp(
	    &t,
	    &(struct icmp_msg){ .type = ICMP_UNREACH, .code = ICMP_UNREACH_PORT, .from = PEER_IP },
	    q, 28);
	CHECK_EQ(ICMPS(&t)->icps_ctlinput, 1);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	CHECK_EQ(ff_sendto(fd, "ping", 4, 0, sin4(&a, PEER_IP, 9), sizeof(a)), 4);
	CHECK_EQ(ff_close(fd), 0);
	cap_port_clear(t.h.cap);
	t_teardown(&t);
}

/* Two stacks: b has no socket on the port, answers with a real ICMP port
 * unreachable (icmp_error), and a's connected socket sees ECONNREFUSED. */
TEST(udp_port_unreachable_between_two_stacks)
{
	struct h_pair h;
	struct sockaddr_in a;
	char buf[8];
	int fd;

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.a);
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ff_connect(fd, sin4(&a, PEER_IP, 4444), sizeof(a)), 0);
	CHECK_EQ(ff_send(fd, "ping", 4, 0), 4);
	h_pair_run_ms(&h, 5);
	CHECK_EQ(h.b->stats.icmp.icps_error, 1);
	CHECK_EQ(h.a->stats.icmp.icps_ctlinput, 1);
	stack_set_current(h.a);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	CHECK_EQ(ff_close(fd), 0);
	h_pair_destroy(&h);
}

/* ---- checksum plumbing (ip4) ---- */

TEST(rx_l4_verdict_is_the_ports_when_it_looked)
{
	struct t t;
	static const uint8_t seg[20] = { 0x13, 0x88, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02 };
	uint32_t src = h_ip4(PEER_IP), dst = h_ip4(US_IP);
	struct netif *ifp;
	struct rte_mbuf *m;

	t_knobs_default(&t);
	t_setup(&t);
	ifp = &t.h.s->ifs[0];
	m = harness_frame(t.h.pool, seg, sizeof(seg)); /* checksum field 0: wrong */
	CHECK(!ip4_rx_l4_cksum_ok(NULL, m, 20, src, dst, IPPROTO_TCP));
	CHECK(!ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP)); /* no offload */
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	CHECK(!ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP)); /* not trusted */
	t.h.cap->offloads |= PORT_OFF_RX_L4_CKSUM;
	CHECK(ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP));
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE; /* data verified */
	CHECK(ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP));
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN; /* software */
	CHECK(!ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP));
	{
		uint16_t ck;

		CHECK_EQ(wire_ip4_l4_cksum(m, 0, 20, src, dst, IPPROTO_TCP, &ck), 0);
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 16), &ck, 2);
		CHECK(ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP));
		m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
		CHECK(!ip4_rx_l4_cksum_ok(ifp, m, 20, src, dst, IPPROTO_TCP));
	}
	rte_pktmbuf_free(m);
	t_teardown(&t);
}

/* Checks the UDP frame m: offload requested (pseudo-header sum in the
 * field) or a complete software sum. */
static void check_udp_frame(struct rte_mbuf *m, bool offloaded)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t src, dst;
	uint16_t l4len = (uint16_t)(m->pkt_len - 34), field;

	memcpy(&src, d + 26, 4);
	memcpy(&dst, d + 30, 4);
	memcpy(&field, d + 34 + 6, 2);
	if (offloaded) {
		CHECK((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM);
		CHECK(m->ol_flags & RTE_MBUF_F_TX_IPV4);
		CHECK_EQ(field, wire_ip4_phdr_sum(src, dst, IPPROTO_UDP, l4len));
	} else {
		CHECK_EQ(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
		CHECK(field != 0);
		rte_pktmbuf_adj(m, 34);
		CHECK(wire_ip4_l4_cksum_ok(m, 0, l4len, src, dst, IPPROTO_UDP));
	}
	rte_pktmbuf_free(m);
}

TEST(udp_checksum_offload_on_the_wire_and_software_fallback)
{
	struct t t;
	struct sockaddr_in a;
	struct rte_mbuf *m;
	int fd;

	t_knobs_default(&t);
	t_setup(&t);
	t.h.cap->offloads |= PORT_OFF_TX_UDP_CKSUM;
	fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ff_sendto(fd, "abc", 3, 0, sin4(&a, PEER_IP, 9), sizeof(a)), 3);
	m = pop_proto(&t, IPPROTO_UDP);
	CHECK(m != NULL);
	if (m)
		check_udp_frame(m, true);
	CHECK_EQ(ff_close(fd), 0);
	/* A transport asks for the offload on a port without it (a route
	 * that moved): ip4_output completes the sum in software. */
	t.h.cap->offloads &= ~PORT_OFF_TX_UDP_CKSUM;
	{
		static const uint8_t udp[12] = {
			0x13, 0x88, 0, 9, 0, 12, 0, 0, 'd', 'a', 't', 'a'
		};
		struct ip4_out o = { .src = h_ip4(US_IP),
			             .dst = h_ip4(PEER_IP),
			             .proto = IPPROTO_UDP };
		uint16_t phdr = wire_ip4_phdr_sum(o.src, o.dst, IPPROTO_UDP, sizeof(udp));

		m = harness_frame(t.h.pool, udp, sizeof(udp));
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 6), &phdr, 2);
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		m->l4_len = 8;
		CHECK_EQ(ip4_output(t.h.s, m, &o), 0);
		CHECK_EQ(t.h.s->stats.ip4.ips_swcsum, 1);
		m = pop_proto(&t, IPPROTO_UDP);
		CHECK(m != NULL);
		if (m)
			check_udp_frame(m, false);
	}
	t_teardown(&t);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
