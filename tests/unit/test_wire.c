/* test_wire.c: the pure wire code (src/wire/) on byte vectors: checksums
 * (RFC 1071 / RFC 1624, hand-computed vectors, multi-segment chains with odd
 * segment lengths), and parse/emit of Ethernet/802.1Q, ARP, IPv4, ICMP, UDP
 * and TCP with its options, including truncated and malformed input. */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "harness.h"
#include "wire/arp.h"
#include "wire/cksum.h"
#include "wire/ether.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

static struct rte_mempool *pool;

static struct rte_mempool *wpool(void)
{
	if (!pool)
		pool = harness_pool(1023);
	return pool;
}

/* A frame holding len bytes of data. */
static struct rte_mbuf *frame(const void *data, size_t len)
{
	struct rte_mbuf *m = harness_frame(wpool(), data, len);

	if (!m)
		abort();
	return m;
}

/* A chain whose segments hold seglens[0..n) bytes of data in turn. */
static struct rte_mbuf *chain(const uint8_t *data, const uint16_t *seglens, unsigned n)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *seg = rte_pktmbuf_alloc(wpool());

		if (!seg)
			abort();
		memcpy(rte_pktmbuf_append(seg, seglens[i]), data + off, seglens[i]);
		off += seglens[i];
		if (!head) {
			head = seg;
		} else {
			prev->next = seg;
			head->nb_segs++;
			head->pkt_len += seglens[i];
		}
		prev = seg;
	}
	return head;
}

/* Reference RFC 1071 sum, byte by byte, in the memory-order convention of
 * wire/cksum.h. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return rte_cpu_to_be_16((uint16_t)s);
}

static size_t hex(const char *h, uint8_t *out)
{
	size_t n = 0;

	while (h[0] && h[1]) {
		if (h[0] == ' ') {
			h++;
			continue;
		}
		char b[3] = { h[0], h[1], 0 };
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		h += 2;
	}
	return n;
}

/* ---- checksums ---- */

TEST(cksum_rfc1071_example)
{
	/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(rte_be_to_cpu_16(wire_cksum_buf(b, sizeof(b))), 0xddf2);
	CHECK_EQ(rte_be_to_cpu_16(wire_cksum_final(wire_cksum_buf(b, sizeof(b)))), 0x220d);
	/* Odd length: the last byte is padded with zero. */
	CHECK_EQ(rte_be_to_cpu_16(wire_cksum_buf(b, 7)), 0xddf2 - 0xf7);
}

TEST(cksum_ip4_header_vector)
{
	/* 192.168.0.1 -> 192.168.0.199 UDP, checksum b861 (by hand). */
	uint8_t h[20];
	struct rte_mbuf *m;

	hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", h);
	m = frame(h, sizeof(h));
	CHECK(wire_ip4_hdr_cksum_ok(m, 20));
	h[10] = h[11] = 0;
	CHECK_EQ(rte_be_to_cpu_16(wire_cksum_final(wire_cksum_buf(h, 20))), 0xb861);
	CHECK_EQ(rte_be_to_cpu_16(rte_ipv4_cksum((const struct rte_ipv4_hdr *)h)), 0xb861);
	/* One bit flipped anywhere fails. */
	for (unsigned i = 0; i < 20; i++) {
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

		d[i] ^= 0x10;
		CHECK(!wire_ip4_hdr_cksum_ok(m, 20), "flip in byte %u", i);
		d[i] ^= 0x10;
	}
	rte_pktmbuf_free(m);
}

TEST(cksum_ip4_emit_matches_vector)
{
	uint8_t want[20], got[20];
	struct ip4_fields f = {
		.src = rte_cpu_to_be_32(0xc0a80001),
		.dst = rte_cpu_to_be_32(0xc0a800c7),
		.tot_len = 0x73,
		.id = 0,
		.ttl = 64,
		.proto = 17,
		.df = 1,
	};

	hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", want);
	wire_ip4_emit(got, &f, true);
	CHECK(memcmp(got, want, 20) == 0);
	wire_ip4_emit(got, &f, false);
	CHECK(got[10] == 0 && got[11] == 0);
}

TEST(cksum_icmp_and_udp_vectors)
{
	uint8_t icmp[12], pkt[10];
	struct rte_mbuf *m;
	uint16_t ck;

	/* Echo request id 0x1234 seq 1 "abcd": checksum 2104 (by hand). */
	hex("0800 0000 1234 0001 6162 6364", icmp);
	CHECK_EQ(rte_be_to_cpu_16(wire_cksum_final(wire_cksum_buf(icmp, 12))), 0x2104);
	icmp[2] = 0x21;
	icmp[3] = 0x04;
	m = frame(icmp, 12);
	CHECK(wire_icmp_cksum_ok(m, 12));
	rte_pktmbuf_free(m);

	/* UDP 198.18.0.1.1234 -> 198.18.0.2.80 "hi": checksum 0627. */
	hex("04d2 0050 000a 0000 6869", pkt);
	m = frame(pkt, 10);
	CHECK_EQ(wire_ip4_l4_cksum(m, 0, 10, rte_cpu_to_be_32(0xc6120001),
	                           rte_cpu_to_be_32(0xc6120002), 17, &ck),
	         0);
	CHECK_EQ(rte_be_to_cpu_16(ck), 0x0627);
	rte_pktmbuf_mtod(m, uint8_t *)[6] = 0x06;
	rte_pktmbuf_mtod(m, uint8_t *)[7] = 0x27;
	CHECK(wire_ip4_l4_cksum_ok(m, 0, 10, rte_cpu_to_be_32(0xc6120001),
	                           rte_cpu_to_be_32(0xc6120002), 17));
	CHECK(!wire_ip4_l4_cksum_ok(m, 0, 10, rte_cpu_to_be_32(0xc6120001),
	                            rte_cpu_to_be_32(0xc6120003), 17));
	CHECK(wire_ip4_l4_cksum(m, 0, 11, 0, 0, 17, &ck) == -EINVAL);
	rte_pktmbuf_free(m);
}

TEST(cksum_mbuf_odd_segments)
{
	static uint8_t data[6000];
	/* Segment lengths (each fits a 2 KB mbuf), summing to 6000. */
	static const uint16_t layouts[][8] = {
		{ 1001, 1900, 1099, 1900, 100 },     { 1, 1, 1900, 1900, 1900, 298 },
		{ 3, 1500, 1, 1, 1495, 1500, 1500 }, { 1900, 1900, 1900, 300 },
		{ 999, 1, 1000, 1900, 1900, 200 },   { 1, 1, 1, 1, 295, 1900, 1900, 1901 },
	};
	static const unsigned nsegs[] = { 5, 6, 7, 4, 6, 8 };

	srand(7);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xf0 | (rand() & 0x0f)); /* large words: carries */
	for (unsigned l = 0; l < RTE_DIM(layouts); l++) {
		struct rte_mbuf *m = chain(data, layouts[l], nsegs[l]);
		static const uint32_t offs[] = { 0, 1, 2, 999, 1000, 1001, 1002, 3333 };

		CHECK_EQ(m->pkt_len, 6000);
		for (unsigned k = 0; k < RTE_DIM(offs); k++) {
			uint32_t off = offs[k];
			uint32_t lens[] = { 0, 1, 7, 1500, 6000 - off };

			for (unsigned j = 0; j < RTE_DIM(lens); j++) {
				uint16_t sum = 0;

				CHECK_EQ(wire_cksum_mbuf(m, off, lens[j], &sum), 0);
				if (sum != ref_sum(data + off, lens[j]))
					harness_fail(__FILE__, __LINE__,
					             "layout %u off %u len %u: %04x != %04x", l,
					             off, lens[j], sum,
					             ref_sum(data + off, lens[j]));
			}
		}
		{
			uint16_t sum;

			CHECK(wire_cksum_mbuf(m, 1, 6000, &sum) == -EINVAL);
		}
		rte_pktmbuf_free(m);
	}
}

TEST(cksum_adjust16_matches_recompute)
{
	uint8_t msg[64];

	srand(11);
	for (unsigned iter = 0; iter < 2000; iter++) {
		uint16_t ck, old_word, new_word;
		unsigned w = (unsigned)rand() % 31 + 1; /* word index, not the field */

		for (unsigned i = 0; i < sizeof(msg); i++)
			msg[i] = (uint8_t)rand();
		if (iter % 7 == 0)
			memset(msg, 0xff, sizeof(msg)); /* sums near 0xffff */
		msg[0] = msg[1] = 0;
		ck = wire_cksum_final(wire_cksum_buf(msg, sizeof(msg)));
		memcpy(msg, &ck, 2);
		memcpy(&old_word, msg + 2 * w, 2);
		new_word = (uint16_t)rand();
		if (iter % 5 == 0)
			new_word = 0;
		memcpy(msg + 2 * w, &new_word, 2);
		ck = wire_cksum_adjust16(ck, old_word, new_word);
		memcpy(msg, &ck, 2);
		if (wire_cksum_buf(msg, sizeof(msg)) != 0xffff) {
			harness_fail(__FILE__, __LINE__, "iteration %u: message does not verify",
			             iter);
			break;
		}
	}
}

/* ---- Ethernet ---- */

TEST(eth_parse_untagged_tagged_and_bad)
{
	uint8_t f[64];
	struct eth_hdr_info eh;
	struct rte_mbuf *m;

	memset(f, 0, sizeof(f));
	hex("020000000001 020000000002 0800", f);
	m = frame(f, 60);
	CHECK_EQ(wire_eth_parse(m, &eh), 0);
	CHECK_EQ(eh.type, 0x0800);
	CHECK_EQ(eh.hlen, 14);
	CHECK_EQ(eh.tagged, 0);
	CHECK_EQ(eh.src.addr_bytes[5], 2);
	rte_pktmbuf_free(m);

	m = frame(f, 13);
	CHECK_EQ(wire_eth_parse(m, &eh), -WIRE_ETH_TOOSHORT);
	rte_pktmbuf_free(m);

	hex("020000000001 020000000002 8100 2064 0806", f); /* PCP 1, VID 100, ARP */
	m = frame(f, 60);
	CHECK_EQ(wire_eth_parse(m, &eh), 0);
	CHECK_EQ(eh.type, 0x0806);
	CHECK_EQ(eh.hlen, 18);
	CHECK_EQ(eh.tagged, 1);
	CHECK_EQ(eh.vlan_tci & WIRE_VLAN_ID_MASK, 100);
	rte_pktmbuf_free(m);

	m = frame(f, 16); /* tag cut short */
	CHECK_EQ(wire_eth_parse(m, &eh), -WIRE_ETH_BADVLAN);
	rte_pktmbuf_free(m);

	hex("020000000001 020000000002 8100 0064 8100 00c8 0800", f); /* nested */
	m = frame(f, 60);
	CHECK_EQ(wire_eth_parse(m, &eh), -WIRE_ETH_BADVLAN);
	rte_pktmbuf_free(m);

	hex("020000000001 020000000002 88a8 0064 8100 00c8 0800", f); /* 802.1ad */
	m = frame(f, 60);
	CHECK_EQ(wire_eth_parse(m, &eh), -WIRE_ETH_BADVLAN);
	rte_pktmbuf_free(m);

	hex("020000000001 020000000002 9100 0064 0800", f);
	m = frame(f, 60);
	CHECK_EQ(wire_eth_parse(m, &eh), -WIRE_ETH_BADVLAN);
	rte_pktmbuf_free(m);
}

TEST(eth_emit_and_mcast_map)
{
	struct rte_ether_addr a = { { 0x02, 0, 0, 0, 0, 1 } }, b = { { 0x02, 0, 0, 0, 0, 2 } };
	struct rte_ether_addr mc;
	uint8_t buf[18], want[18];

	wire_eth_emit(buf, &a, &b, 0, 0x0800);
	hex("020000000001 020000000002 0800", want);
	CHECK(memcmp(buf, want, 14) == 0);
	CHECK_EQ(wire_eth_hlen(0), 14);
	wire_eth_emit(buf, &a, &b, 4094, 0x0806);
	hex("020000000001 020000000002 8100 0ffe 0806", want);
	CHECK(memcmp(buf, want, 18) == 0);
	CHECK_EQ(wire_eth_hlen(7), 18);
	/* 239.255.129.5 -> 01:00:5e:7f:81:05 (bit 24 of the group dropped). */
	wire_eth_ip4_mcast(rte_cpu_to_be_32(0xefff8105), &mc);
	hex("01005e7f8105", want);
	CHECK(memcmp(mc.addr_bytes, want, 6) == 0);
}

/* ---- ARP ---- */

TEST(arp_parse_emit_and_bad)
{
	uint8_t p[28], e[28];
	struct rte_ether_addr sha = { { 2, 0, 0, 0, 0, 2 } }, tha = { { 0 } };
	struct arp_info a;
	struct rte_mbuf *m;

	/* who-has 198.18.0.1 tell 198.18.0.2 */
	hex("0001 0800 06 04 0001 020000000002 c6120002 000000000000 c6120001", p);
	wire_arp_emit(e, 1, &sha, rte_cpu_to_be_32(0xc6120002), &tha, rte_cpu_to_be_32(0xc6120001));
	CHECK(memcmp(p, e, 28) == 0);
	m = frame(p, 28);
	CHECK_EQ(wire_arp_parse(m, &a), 0);
	CHECK_EQ(a.op, 1);
	CHECK(a.sip == rte_cpu_to_be_32(0xc6120002));
	CHECK(a.tip == rte_cpu_to_be_32(0xc6120001));
	CHECK(rte_is_same_ether_addr(&a.sha, &sha));
	rte_pktmbuf_free(m);

	for (unsigned len = 0; len < 28; len++) {
		m = frame(p, len);
		CHECK_EQ(wire_arp_parse(m, &a), -WIRE_ARP_TOOSHORT);
		rte_pktmbuf_free(m);
	}
	{
		static const unsigned byte[] = { 1, 2, 4, 5 };
		for (unsigned i = 0; i < RTE_DIM(byte); i++) {
			memcpy(e, p, 28);
			e[byte[i]] ^= 0x01; /* htype 0, ptype 0x0900, hlen 7, plen 5 */
			m = frame(e, 28);
			CHECK_EQ(wire_arp_parse(m, &a), -WIRE_ARP_BADFORMAT);
			rte_pktmbuf_free(m);
		}
	}
	/* Bad format is reported even when truncated after the fixed part. */
	memcpy(e, p, 28);
	e[5] = 16;
	m = frame(e, 10);
	CHECK_EQ(wire_arp_parse(m, &a), -WIRE_ARP_BADFORMAT);
	rte_pktmbuf_free(m);
}

/* ---- IPv4 ---- */

static const char *IP_UDP =
    "4500 001e 1234 0000 4011 0000 c6120002 c6120001 04d2 0050 000a 0000 6869";

static struct rte_mbuf *ip_frame(uint8_t *p, size_t len, bool fix_cksum)
{
	if (fix_cksum) {
		unsigned hl = (p[0] & 0x0f) * 4u;
		uint16_t ck;

		p[10] = p[11] = 0;
		if (hl >= 20 && hl <= len) {
			ck = wire_cksum_final(wire_cksum_buf(p, hl));
			memcpy(p + 10, &ck, 2);
		}
	}
	return frame(p, len);
}

TEST(ip4_parse_good_and_padding)
{
	uint8_t p[64];
	size_t n = hex(IP_UDP, p);
	struct ip4_hdr_info ih;
	struct rte_mbuf *m;

	memset(p + n, 0, sizeof(p) - n);
	m = ip_frame(p, 46, true); /* 16 bytes of Ethernet padding */
	CHECK_EQ(wire_ip4_parse(m, &ih), 0);
	CHECK(wire_ip4_hdr_cksum_ok(m, ih.hlen));
	CHECK_EQ(ih.hlen, 20);
	CHECK_EQ(ih.tot_len, 30);
	CHECK_EQ(ih.id, 0x1234);
	CHECK_EQ(ih.proto, 17);
	CHECK_EQ(ih.ttl, 64);
	CHECK(!wire_ip4_is_fragment(&ih));
	CHECK(ih.src == rte_cpu_to_be_32(0xc6120002));
	rte_pktmbuf_free(m);

	p[6] = 0x60; /* DF + MF */
	p[7] = 0x03; /* offset 3 * 8 */
	m = ip_frame(p, n, true);
	CHECK_EQ(wire_ip4_parse(m, &ih), 0);
	CHECK(ih.df && ih.mf);
	CHECK_EQ(ih.frag_off, 24);
	CHECK(wire_ip4_is_fragment(&ih));
	rte_pktmbuf_free(m);
}

TEST(ip4_parse_each_error)
{
	uint8_t p[80], q[80];
	size_t n = hex(IP_UDP, p);
	struct ip4_hdr_info ih;
	struct rte_mbuf *m;

	m = ip_frame(p, 19, false);
	CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_TOOSMALL);
	rte_pktmbuf_free(m);

	memcpy(q, p, n);
	q[0] = 0x65; /* version 6 */
	m = ip_frame(q, n, true);
	CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_BADVERS);
	rte_pktmbuf_free(m);

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(q, p, n);
		q[0] = (uint8_t)(0x40 | ihl);
		m = ip_frame(q, n, true);
		CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_BADHLEN);
		rte_pktmbuf_free(m);
	}
	memcpy(q, p, n);
	q[0] = 0x4f; /* 60-byte header in a 30-byte packet */
	m = ip_frame(q, n, false);
	CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_BADHLEN);
	rte_pktmbuf_free(m);

	memcpy(q, p, n);
	q[2] = 0;
	q[3] = 19; /* total length < header length */
	m = ip_frame(q, n, true);
	CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_BADLEN);
	rte_pktmbuf_free(m);

	memcpy(q, p, n);
	q[3] = 31; /* one byte more than the frame */
	m = ip_frame(q, n, true);
	CHECK_EQ(wire_ip4_parse(m, &ih), -WIRE_IP4_TOOSHORT);
	rte_pktmbuf_free(m);

	/* Options: IHL 6 with a NOP word is fine. */
	memset(q, 0, sizeof(q));
	memcpy(q, p, 20);
	q[0] = 0x46;
	q[3] = 34;
	memset(q + 20, 1, 4);
	memcpy(q + 24, p + 20, 10);
	m = ip_frame(q, 34, true);
	CHECK_EQ(wire_ip4_parse(m, &ih), 0);
	CHECK_EQ(ih.hlen, 24);
	CHECK(wire_ip4_hdr_cksum_ok(m, 24));
	rte_pktmbuf_free(m);
}

TEST(ip4_address_classes)
{
#define A(x) rte_cpu_to_be_32(x)
	CHECK(wire_ip4_is_host(A(0xc6120001)));
	CHECK(!wire_ip4_is_host(A(0)));
	CHECK(!wire_ip4_is_host(A(0x00000001)));
	CHECK(!wire_ip4_is_host(A(0x7f000001)));
	CHECK(!wire_ip4_is_host(A(0xe0000001)));
	CHECK(!wire_ip4_is_host(A(0xf0000001)));
	CHECK(!wire_ip4_is_host(0xffffffffu));
	CHECK(wire_ip4_is_multicast(A(0xefffffff)));
	CHECK(!wire_ip4_is_multicast(A(0xdfffffff)));
	CHECK(wire_ip4_is_lbcast(0xffffffffu));
#undef A
}

/* ---- ICMP and UDP ---- */

TEST(icmp_parse)
{
	uint8_t p[12];
	struct icmp_info ic;
	struct rte_mbuf *m;

	hex("0800 2104 1234 0001 6162 6364", p);
	m = frame(p, 12);
	CHECK_EQ(wire_icmp_parse(m, 12, &ic), 0);
	CHECK_EQ(ic.type, ICMP_ECHO);
	CHECK_EQ(ic.id, 0x1234);
	CHECK_EQ(ic.seq, 1);
	CHECK_EQ(wire_icmp_parse(m, 7, &ic), -WIRE_ICMP_TOOSHORT);
	CHECK_EQ(wire_icmp_parse(m, 13, &ic), -WIRE_ICMP_TOOSHORT);
	rte_pktmbuf_free(m);
	CHECK(wire_icmp_is_error(ICMP_UNREACH) && wire_icmp_is_error(ICMP_TIMXCEED));
	CHECK(!wire_icmp_is_error(ICMP_ECHO) && !wire_icmp_is_error(ICMP_ECHOREPLY));
}

TEST(udp_parse)
{
	uint8_t p[12];
	struct udp_info u;
	struct rte_mbuf *m;

	hex("04d2 0050 000a 0627 6869 0000", p);
	m = frame(p, 12);
	CHECK_EQ(wire_udp_parse(m, 12, &u), 0); /* UDP length 10 < 12: caller trims */
	CHECK_EQ(u.sport, 1234);
	CHECK_EQ(u.dport, 80);
	CHECK_EQ(u.len, 10);
	CHECK_EQ(wire_udp_parse(m, 9, &u), -WIRE_UDP_BADLEN);
	CHECK_EQ(wire_udp_parse(m, 7, &u), -WIRE_UDP_TOOSHORT);
	CHECK_EQ(wire_udp_parse(m, 13, &u), -WIRE_UDP_TOOSHORT);
	rte_pktmbuf_mtod(m, uint8_t *)[5] = 7; /* length 7 < 8 */
	CHECK_EQ(wire_udp_parse(m, 12, &u), -WIRE_UDP_BADLEN);
	rte_pktmbuf_free(m);
	wire_udp_emit(p, 1234, 80, 10);
	CHECK(p[0] == 0x04 && p[1] == 0xd2 && p[3] == 0x50 && p[5] == 10 && p[6] == 0);
}

/* ---- TCP ---- */

TEST(tcp_parse_syn_with_options)
{
	uint8_t p[60];
	struct tcp_seg sg;
	struct rte_mbuf *m;

	/* SYN seq 1000, win 65535, mss 1460,nop,wscale 7,sackOK,TS val 1 ecr 0 */
	size_t n = hex("c000 0050 000003e8 00000000 a0 02 ffff 0000 0000"
	               "020405b4 01030307 0402 080a0000000100000000",
	               p);
	CHECK_EQ(n, 40);
	m = frame(p, n);
	CHECK_EQ(wire_tcp_parse(m, 40, &sg), 0);
	CHECK_EQ(sg.sport, 49152);
	CHECK_EQ(sg.dport, 80);
	CHECK_EQ(sg.seq, 1000);
	CHECK_EQ(sg.flags, TH_SYN);
	CHECK_EQ(sg.win, 65535);
	CHECK_EQ(sg.hlen, 40);
	CHECK_EQ(sg.len, 0);
	CHECK_EQ(sg.opt.present, TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS);
	CHECK_EQ(sg.opt.mss, 1460);
	CHECK_EQ(sg.opt.wscale, 7);
	CHECK_EQ(sg.opt.tsval, 1);
	CHECK_EQ(sg.opt.tsecr, 0);
	CHECK_EQ(wire_tcp_parse(m, 19, &sg), -WIRE_TCP_TOOSHORT);
	CHECK_EQ(wire_tcp_parse(m, 39, &sg), -WIRE_TCP_BADOFF); /* options past the end */
	CHECK_EQ(wire_tcp_parse(m, 41, &sg), -WIRE_TCP_TOOSHORT);
	rte_pktmbuf_mtod(m, uint8_t *)[12] = 0x40; /* data offset 4 */
	CHECK_EQ(wire_tcp_parse(m, 40, &sg), -WIRE_TCP_BADOFF);
	rte_pktmbuf_free(m);
}

TEST(tcp_parse_ack_with_payload_ignores_syn_options)
{
	uint8_t p[60];
	struct tcp_seg sg;
	struct rte_mbuf *m;
	/* ACK with mss (ignored outside SYN), nop,nop,TS, sack 2 blocks, "xy" */
	size_t n = hex("0050 c000 00000001 00000002 e0 10 0100 0000 0000"
	               "020405b4 0101080a 0000000a 0000000b 0101 0512 00000064 000000c8"
	               "0000012c 00000190 7879",
	               p);

	m = frame(p, n);
	CHECK_EQ(wire_tcp_parse(m, (uint32_t)n, &sg), 0);
	CHECK_EQ(sg.hlen, 56);
	CHECK_EQ(sg.len, 2);
	CHECK_EQ(sg.opt.present, TOF_TS | TOF_SACK);
	CHECK_EQ(sg.opt.tsval, 10);
	CHECK_EQ(sg.opt.tsecr, 11);
	CHECK_EQ(sg.opt.nsack, 2);
	CHECK_EQ(sg.opt.sack[0].start, 100);
	CHECK_EQ(sg.opt.sack[0].end, 200);
	CHECK_EQ(sg.opt.sack[1].start, 300);
	CHECK_EQ(sg.opt.sack[1].end, 400);
	rte_pktmbuf_free(m);
}

/* Parses hex options as a SYN (syn) or not and returns the result. */
static struct tcp_opts opts_of(const char *h, bool syn)
{
	uint8_t b[64];
	struct tcp_opts o;
	size_t n = hex(h, b);

	wire_tcp_opts_parse(b, (unsigned)n, syn, &o);
	return o;
}

TEST(tcp_options_malformed_and_odd)
{
	struct tcp_opts o;

	/* Empty, only NOPs, EOL first: nothing. */
	o = opts_of("", true);
	CHECK_EQ(o.present, 0);
	o = opts_of("01010101", true);
	CHECK_EQ(o.present, 0);
	o = opts_of("00 020405b4", true); /* EOL ends the list */
	CHECK_EQ(o.present, 0);
	/* A kind with no length byte at the end. */
	o = opts_of("020405b4 02", true);
	CHECK_EQ(o.present, TOF_MSS | TOF_MALFORMED);
	CHECK_EQ(o.mss, 1460);
	/* Length 0 and 1 would loop forever or step back: stop. */
	o = opts_of("0800 080a0000000100000002", false);
	CHECK_EQ(o.present, TOF_MALFORMED);
	o = opts_of("1e01 020405b4", true);
	CHECK_EQ(o.present, TOF_MALFORMED);
	/* Length beyond the option area. */
	o = opts_of("0101 080a00000001", false);
	CHECK_EQ(o.present, TOF_MALFORMED);
	/* Wrong lengths of known options: skipped, the rest still parsed. */
	o = opts_of("0203 05 01 030407 01 080a0000000100000002", true);
	CHECK_EQ(o.present, TOF_TS | TOF_MALFORMED);
	CHECK_EQ(o.tsval, 1);
	o = opts_of("0403 00 0402", true);
	CHECK_EQ(o.present, TOF_SACKPERM | TOF_MALFORMED);
	/* SACK: length 9 (not 2 + 8n) and 2 (no block) are malformed. */
	o = opts_of("0509 0000000100000002 00", false);
	CHECK_EQ(o.present, TOF_MALFORMED);
	o = opts_of("0502", false);
	CHECK_EQ(o.present, TOF_MALFORMED);
	/* SACK in a SYN is ignored. */
	o = opts_of("050a 00000001 00000002", true);
	CHECK_EQ(o.present, 0);
	/* Window shift above 14 is taken as 14 (RFC 7323 2.3). */
	o = opts_of("030315", true);
	CHECK_EQ(o.present, TOF_SCALE);
	CHECK_EQ(o.wscale, 14);
	/* Unknown kinds are skipped by their length. */
	o = opts_of("1e04 abcd 020405dc", true);
	CHECK_EQ(o.present, TOF_MSS);
	CHECK_EQ(o.mss, 1500);
	/* MSS/WS/SACK-permitted outside a SYN are ignored. */
	o = opts_of("020405b4 010303 07 0402", false);
	CHECK_EQ(o.present, 0);
	/* Repeated: the last wins. */
	o = opts_of("02040064 020405b4", true);
	CHECK_EQ(o.mss, 1460);
	/* Four SACK blocks fit in 34 bytes, and are all kept. */
	o = opts_of("0101 0522 00000001 00000002 00000003 00000004 00000005 00000006"
	            " 00000007 00000008",
	            false);
	CHECK_EQ(o.present, TOF_SACK);
	CHECK_EQ(o.nsack, 4);
	CHECK_EQ(o.sack[3].end, 8);
}

TEST(tcp_options_truncated_everywhere)
{
	/* Every prefix of a full option list parses without reading past it
	 * (ASan watches) and never reports an option it did not see whole. */
	uint8_t full[40], *b;
	size_t n =
	    hex("020405b4 01030307 0402 080a0000000100000002 0101 050a 00000001 00000002", full);

	for (size_t len = 0; len <= n; len++) {
		struct tcp_opts o;

		b = malloc(len ? len : 1);
		memcpy(b, full, len);
		wire_tcp_opts_parse(b, (unsigned)len, true, &o);
		if (len < 4)
			CHECK(!(o.present & TOF_MSS), "len %zu", len);
		if (len < 20)
			CHECK(!(o.present & TOF_TS), "len %zu", len);
		free(b);
	}
}

TEST(tcp_options_emit_layout_and_roundtrip)
{
	struct tcp_opts o = { 0 }, back;
	uint8_t buf[40], want[40];
	unsigned n;

	/* SYN: mss 1460,nop,wscale 6,sackOK,TS val 7 ecr 0 (20 bytes). */
	o.present = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS;
	o.mss = 1460;
	o.wscale = 6;
	o.tsval = 7;
	n = wire_tcp_opts_emit(buf, sizeof(buf), &o);
	CHECK_EQ(n, 20);
	hex("020405b4 01030306 0402 080a0000000700000000", want);
	CHECK(memcmp(buf, want, 20) == 0);
	wire_tcp_opts_parse(buf, n, true, &back);
	CHECK_EQ(back.present, o.present);
	CHECK_EQ(back.mss, 1460);
	CHECK_EQ(back.wscale, 6);
	CHECK_EQ(back.tsval, 7);

	/* ACK: nop,nop,TS then nop,nop,sack; 4 blocks requested, 3 fit. */
	memset(&o, 0, sizeof(o));
	o.present = TOF_TS | TOF_SACK;
	o.tsval = 1;
	o.tsecr = 2;
	o.nsack = 4;
	for (unsigned i = 0; i < 4; i++) {
		o.sack[i].start = 10 * i + 1;
		o.sack[i].end = 10 * i + 5;
	}
	n = wire_tcp_opts_emit(buf, sizeof(buf), &o);
	CHECK_EQ(n, 40);
	CHECK(buf[0] == 1 && buf[1] == 1 && buf[2] == 8 && buf[12] == 1 && buf[13] == 1);
	CHECK(buf[14] == 5 && buf[15] == 26);
	wire_tcp_opts_parse(buf, n, false, &back);
	CHECK_EQ(back.present, TOF_TS | TOF_SACK);
	CHECK_EQ(back.nsack, 3);
	CHECK_EQ(back.sack[2].end, 25);

	/* Only MSS + sackOK: padded with EOL to 8. */
	memset(&o, 0, sizeof(o));
	o.present = TOF_MSS | TOF_SACKPERM;
	o.mss = 536;
	n = wire_tcp_opts_emit(buf, sizeof(buf), &o);
	CHECK_EQ(n, 8);
	hex("02040218 0402 0000", want);
	CHECK(memcmp(buf, want, 8) == 0);

	/* Too little room: only what fits. */
	o.present = TOF_MSS | TOF_TS;
	n = wire_tcp_opts_emit(buf, 12, &o);
	CHECK_EQ(n, 4);
}

TEST(teardown_pool_full)
{
	if (pool) {
		CHECK_POOL_FULL(pool);
		rte_mempool_free(pool);
		pool = NULL;
	}
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
