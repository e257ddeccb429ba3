/* knobs.c: the knob table generated from the KNOBS X-list of knobs.h, its
 * lookup and value parsing, and the small value parsers that the
 * configuration parser (config.c) shares with it (config_priv.h).
 *
 * Name-valued knobs (unit "name", KNOB_NAMED in knobs.h) take a name or the
 * number it stands for; their names come from the code that owns them (the
 * congestion control modules for net.inet.tcp.cc.algorithm), so the table
 * holds numbers and there is one list of names.
 *
 * knob_find() is a linear scan: the table is small and is searched only while
 * the configuration is read or `fastack sysctl` names a knob, never on the
 * data path (which indexes stack->knob[] by enum knob_id).
 */
#include "stack/knobs.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "stack/config_priv.h"
#include "tcp/tcp.h" /* tcp_cc_name: the names of net.inet.tcp.cc.algorithm */

const struct knob_desc knob_table[KNOB_COUNT] = {
#define KNOB_ROW_(id, name_, def_, min_, max_, unit_, desc_)                                       \
	[KNOB_##id] = {                                                                            \
		.name = name_, .def = def_, .min = min_, .max = max_, .unit = unit_, .desc = desc_ \
	},
	KNOBS(KNOB_ROW_)
#undef KNOB_ROW_
};

/* A default outside its own range is a mistake in knobs.h; catch it at
 * compile time. */
#define KNOB_CHECK_(id, name, def, min, max, unit, desc) \
	_Static_assert((min) <= (def) && (def) <= (max), "knob " name ": default out of range");
KNOBS(KNOB_CHECK_)
#undef KNOB_CHECK_

int knob_find(const char *name)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		if (strcmp(knob_table[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

const char *knob_value_name(enum knob_id id, int64_t v)
{
	switch (id) {
#define KNOB_NAME_CASE_(kid, fn)                                                      \
	case KNOB_##kid:                                                              \
		if (v < knob_table[KNOB_##kid].min || v > knob_table[KNOB_##kid].max) \
			return NULL;                                                  \
		return fn((int)v);
		KNOB_NAMED(KNOB_NAME_CASE_)
#undef KNOB_NAME_CASE_
	default:
		return NULL;
	}
}

const char *knob_value_str(enum knob_id id, int64_t v, char *buf, size_t len)
{
	const char *name = knob_value_name(id, v);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

const char *knob_range_str(enum knob_id id, char *buf, size_t len)
{
	const struct knob_desc *k = &knob_table[id];
	size_t n = 0;

	buf[0] = '\0';
	if (strcmp(k->unit, "name") != 0) {
		snprintf(buf, len, "%" PRId64 "..%" PRId64, k->min, k->max);
		return buf;
	}
	for (int64_t v = k->min; v <= k->max && n < len; v++) {
		const char *name = knob_value_name(id, v);

		n += (size_t)snprintf(buf + n, len - n, "%s%s", v > k->min ? ", " : "",
		                      name ? name : "?");
	}
	return buf;
}

int knob_parse(enum knob_id id, const char *value, int64_t *out)
{
	const struct knob_desc *k;
	int64_t v;
	bool b;

	if ((unsigned)id >= KNOB_COUNT || !value)
		return -EINVAL;
	k = &knob_table[id];
	if (strcmp(k->unit, "name") == 0) {
		for (v = k->min; v <= k->max; v++) {
			const char *name = knob_value_name(id, v);

			if (name && strcmp(name, value) == 0) {
				*out = v;
				return 0;
			}
		}
	}
	if (strcmp(k->unit, "bool") == 0 && cfg_parse_bool(value, &b) == 0) {
		v = b;
	} else {
		int rc = cfg_parse_i64(value, &v);

		if (rc < 0)
			return rc;
	}
	if (v < k->min || v > k->max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* ---- value parsers (config_priv.h) ---- */

int cfg_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10, digits = 0;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (digits == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int cfg_parse_i64(const char *s, int64_t *out)
{
	bool neg = s[0] == '-';
	uint64_t u;
	int rc;

	rc = cfg_parse_u64(neg ? s + 1 : s, &u);
	if (rc < 0)
		return rc;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > (uint64_t)INT64_MAX)
			return -ERANGE;
		*out = (int64_t)u;
	}
	return 0;
}

int cfg_parse_bool(const char *s, bool *out)
{
	static const struct {
		const char *word;
		bool val;
	} words[] = {
		{ "1", true },  { "yes", true }, { "on", true },   { "true", true },
		{ "0", false }, { "no", false }, { "off", false }, { "false", false },
	};

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i].word) == 0) {
			*out = words[i].val;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- "did you mean" ---- */

#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and transpositions of neighbours each cost 1 (the common typos). */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned rows[3][SUGGEST_MAX_LEN + 1];
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned d = prev[j] + 1;

			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		unsigned *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void cfg_suggest_begin(struct cfg_suggest *sg, const char *word)
{
	size_t len = strlen(word);

	sg->word = word;
	sg->best = NULL;
	/* Longer words tolerate more typos; very short ones only one. */
	sg->best_dist = len >= 6 ? 3 : 2; /* accept strictly below this */
}

void cfg_suggest_offer(struct cfg_suggest *sg, const char *candidate)
{
	unsigned d = edit_distance(sg->word, candidate);

	if (d > 0 && d < sg->best_dist) {
		sg->best = candidate;
		sg->best_dist = d;
	}
}
