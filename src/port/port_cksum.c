/* port_cksum.c: checksum offloads done in software, as a NIC would do them.
 *
 * The in-memory link pretends to be a NIC with checksum offloads when asked
 * (port_memlink_set_offloads), so that the stack's offload path is tested as
 * much as its software path: on TX it fills in the checksums the mbuf flags
 * ask for (RTE_MBUF_F_TX_IP_CKSUM, RTE_MBUF_F_TX_{TCP,UDP}_CKSUM, with
 * l2_len/l3_len, as DPDK specifies), on RX it classifies checksums into the
 * RTE_MBUF_F_RX_*_CKSUM_{GOOD,BAD} flags.  The fault injector uses the TX half
 * to finish a frame before corrupting it, so corruption hits the wire bytes.
 *
 * Checksums: RFC 791 (IPv4 header), RFC 768 (UDP; 0 means "none" over IPv4,
 * is invalid over IPv6: RFC 8200 section 8.1), RFC 9293 (TCP).
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "port/port_priv.h"

#define TCP_CKSUM_OFF 16 /* offsetof(struct rte_tcp_hdr, cksum) */
#define UDP_CKSUM_OFF 6  /* offsetof(struct rte_udp_hdr, dgram_cksum) */

void port_sw_tx_cksum(struct rte_mbuf *m)
{
	uint64_t fl = m->ol_flags;
	uint64_t l4 = fl & RTE_MBUF_F_TX_L4_MASK;
	uint32_t l3off = m->l2_len, l4off = (uint32_t)m->l2_len + m->l3_len;
	uint32_t fieldoff;
	uint16_t *field;

	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
	if ((fl & RTE_MBUF_F_TX_IP_CKSUM) && m->l3_len >= sizeof(struct rte_ipv4_hdr) &&
	    l4off <= m->data_len) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3off);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, m->l3_len);
	}
	if (l4 != RTE_MBUF_F_TX_TCP_CKSUM && l4 != RTE_MBUF_F_TX_UDP_CKSUM)
		return;
	fieldoff = l4off + (l4 == RTE_MBUF_F_TX_TCP_CKSUM ? TCP_CKSUM_OFF : UDP_CKSUM_OFF);
	if (fieldoff + 2 > m->data_len)
		return;
	field = rte_pktmbuf_mtod_offset(m, uint16_t *, fieldoff);
	if ((fl & RTE_MBUF_F_TX_IPV6) && m->l3_len >= sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *ip6 =
		    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3off);

		if (l4off + rte_be_to_cpu_16(ip6->payload_len) -
		        (m->l3_len - sizeof(struct rte_ipv6_hdr)) >
		    m->pkt_len)
			return;
		*field = 0;
		*field = rte_ipv6_udptcp_cksum_mbuf(m, ip6, (uint16_t)l4off);
	} else if (m->l3_len >= sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3off);
		uint16_t tot = rte_be_to_cpu_16(ip->total_length);

		if (tot < m->l3_len || l3off + tot > m->pkt_len)
			return;
		*field = 0;
		*field = rte_ipv4_udptcp_cksum_mbuf(m, ip, (uint16_t)l4off);
	}
}

/* RX L4 verdict for TCP/UDP at l4off; proto and payload length already
 * checked against the frame. */
static uint64_t rx_l4_v4(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4off)
{
	if (ip->next_proto_id == IPPROTO_UDP) {
		uint16_t buf;
		const uint16_t *ck = rte_pktmbuf_read(m, l4off + UDP_CKSUM_OFF, 2, &buf);

		if (!ck || *ck == 0) /* 0: no checksum (RFC 768) */
			return RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	}
	return rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, (uint16_t)l4off) == 0
	           ? RTE_MBUF_F_RX_L4_CKSUM_GOOD
	           : RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

void port_sw_rx_cksum(struct rte_mbuf *m, uint32_t offloads)
{
	uint8_t buf[sizeof(struct rte_ipv6_hdr) > 60 ? sizeof(struct rte_ipv6_hdr) : 60];
	const struct rte_ether_hdr *eh;
	struct rte_ether_hdr ehbuf;
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t type;

	port_rx_cksum_forget(m);
	if (!(offloads & (PORT_OFF_RX_IPV4_CKSUM | PORT_OFF_RX_L4_CKSUM)))
		return;
	eh = rte_pktmbuf_read(m, 0, sizeof(ehbuf), &ehbuf);
	if (!eh)
		return;
	type = eh->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh;
		struct rte_vlan_hdr vhbuf;

		vh = rte_pktmbuf_read(m, off, sizeof(vhbuf), &vhbuf);
		if (!vh)
			return;
		type = vh->eth_proto;
		off += sizeof(vhbuf);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip;
		uint32_t hl, tot;
		uint64_t ipv;

		ip = rte_pktmbuf_read(m, off, sizeof(*ip), buf);
		if (!ip || (ip->version_ihl >> 4) != 4)
			return;
		hl = (ip->version_ihl & 0xf) * 4u;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (hl < sizeof(*ip) || tot < hl || off + tot > m->pkt_len)
			return; /* malformed: the stack says why */
		ip = rte_pktmbuf_read(m, off, hl, buf);
		if (!ip)
			return;
		ipv = rte_raw_cksum(ip, hl) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD
		                                      : RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if (offloads & PORT_OFF_RX_IPV4_CKSUM)
			m->ol_flags |= ipv;
		if (!(offloads & PORT_OFF_RX_L4_CKSUM) || ipv != RTE_MBUF_F_RX_IP_CKSUM_GOOD)
			return;
		/* Fragments are not checked (as most NICs). */
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
			return;
		if (ip->next_proto_id == IPPROTO_TCP   ? tot - hl < sizeof(struct rte_tcp_hdr)
		    : ip->next_proto_id == IPPROTO_UDP ? tot - hl < sizeof(struct rte_udp_hdr)
		                                       : true)
			return;
		m->ol_flags |= rx_l4_v4(m, ip, off + hl);
	} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6;
		const uint16_t *ck;
		uint32_t plen;
		uint16_t ckbuf;

		if (!(offloads & PORT_OFF_RX_L4_CKSUM))
			return;
		ip6 = rte_pktmbuf_read(m, off, sizeof(*ip6), buf);
		if (!ip6 || (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
			return;
		plen = rte_be_to_cpu_16(ip6->payload_len);
		if (off + sizeof(*ip6) + plen > m->pkt_len)
			return;
		off += sizeof(*ip6);
		if (ip6->proto == IPPROTO_TCP) {
			if (plen < sizeof(struct rte_tcp_hdr))
				return;
		} else if (ip6->proto == IPPROTO_UDP) {
			if (plen < sizeof(struct rte_udp_hdr))
				return;
			ck = rte_pktmbuf_read(m, off + UDP_CKSUM_OFF, 2, &ckbuf);
			if (!ck)
				return;
			if (*ck == 0) { /* RFC 8200 section 8.1: invalid */
				m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
				return;
			}
		} else {
			return; /* extension headers: left to the stack */
		}
		m->ol_flags |= rte_ipv6_udptcp_cksum_mbuf_verify(m, ip6, (uint16_t)off) == 0
		                   ? RTE_MBUF_F_RX_L4_CKSUM_GOOD
		                   : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	}
}
