/* pattern.c: see pattern.h. */
#include "pattern.h"

static uint8_t pattern_buf[PATTERN_PERIOD + PATTERN_SPAN];
static int pattern_ready;

void pattern_init(void)
{
	uint32_t x = 1;

	if (pattern_ready)
		return;
	for (uint32_t j = 0; j < PATTERN_PERIOD; j++) {
		pattern_buf[j] = (uint8_t)(x >> 16);
		x = (1103515245u * x + 12345u) & 0x7fffffffu;
	}
	for (uint32_t j = 0; j < PATTERN_SPAN; j++)
		pattern_buf[PATTERN_PERIOD + j] = pattern_buf[j];
	pattern_ready = 1;
}

const uint8_t *pattern_at(uint64_t offset)
{
	return pattern_buf + offset % PATTERN_PERIOD;
}
