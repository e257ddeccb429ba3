/* pattern.h: the byte pattern of the HTTP example's /bytes/N responses.
 *
 * Byte i of every /bytes/N body is pattern_block[i % PATTERN_PERIOD]; the
 * block is the high byte of a 31-bit linear congruential sequence
 *
 *     x(0) = 1,  x(j+1) = (1103515245 * x(j) + 12345) mod 2^31,
 *     block[j] = (x(j) >> 16) & 0xff,
 *
 * so a client in any language can rebuild the body and check its hash.  The
 * period is a prime (65521), so no error of a whole number of segments or
 * pages can line up with it and go unnoticed.
 */
#ifndef FASTACK_EXAMPLES_PATTERN_H
#define FASTACK_EXAMPLES_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_PERIOD 65521u
#define PATTERN_SPAN 65536u /* largest run pattern_at() returns */

/* Computes the block (once; later calls do nothing). */
void pattern_init(void);
/* A pointer to bytes offset .. offset + PATTERN_SPAN - 1 of the pattern
 * (the block is stored followed by its own beginning, so any run of up to
 * PATTERN_SPAN bytes is contiguous). */
const uint8_t *pattern_at(uint64_t offset);

#endif
