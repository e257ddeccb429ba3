/* config_priv.h: value parsers shared by the knob table (knobs.c) and the
 * configuration parser (config.c).  Each returns 0 or -EINVAL (not the
 * expected form) / -ERANGE (does not fit). */
#ifndef FASTACK_STACK_CONFIG_PRIV_H
#define FASTACK_STACK_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An unsigned integer: decimal, or hexadecimal with 0x.  No sign, no
 * white space, no suffix. */
int cfg_parse_u64(const char *s, uint64_t *out);
/* A signed integer in the same forms, with an optional '-'. */
int cfg_parse_i64(const char *s, int64_t *out);
/* 0/1, yes/no, on/off, true/false (any case). */
int cfg_parse_bool(const char *s, bool *out);
/* The candidate closest to word by edit distance if it is close enough to
 * be a likely typo, else NULL.  Call cfg_suggest_begin() first, then
 * cfg_suggest_offer() for each candidate. */
struct cfg_suggest {
	const char *word;
	const char *best;
	unsigned best_dist;
};
void cfg_suggest_begin(struct cfg_suggest *sg, const char *word);
void cfg_suggest_offer(struct cfg_suggest *sg, const char *candidate);

#endif
