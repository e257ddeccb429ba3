/* fuzz_input.h: what the operation-driven fuzz targets share (fuzz_tcp.c,
 * fuzz_packetdrill.c): the byte reader, and the TCP header they craft.
 * Past the end of the input every read gives 0, so any prefix of an input
 * is an input, and a target's loop ends when in->n reaches 0.  Multi-byte
 * values are big-endian. */
#ifndef FASTACK_FUZZ_INPUT_H
#define FASTACK_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct in {
	const uint8_t *p;
	size_t n; /* bytes left */
};

static inline uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);

	return (uint16_t)(hi << 8 | u8(in));
}

static inline uint32_t u32(struct in *in)
{
	uint32_t hi = u16(in);

	return hi << 16 | u16(in);
}

/* Writes the 20-byte TCP header at th (checksum 0, urgent pointer 0; hlen:
 * header and options, a multiple of 4). */
static inline void tcp_hdr_put(uint8_t *th, uint16_t sport, uint16_t dport, uint32_t seq,
                               uint32_t ack, unsigned hlen, uint8_t flags, uint16_t win)
{
	const uint32_t w[5] = { (uint32_t)sport << 16 | dport, seq, ack,
		                (uint32_t)(hlen / 4) << 28 | (uint32_t)flags << 16 | win, 0 };

	for (int i = 0; i < 20; i++)
		th[i] = (uint8_t)(w[i / 4] >> (24 - 8 * (i % 4)));
}

#endif
