/* counters.h: named per-stack counters, defined once as X-macro lists.
 *
 * Each layer declares its counters as a list, e.g.
 *
 *     #define UDP_STATS(X) \
 *         X(udps_ipackets, "datagrams received") \
 *         X(udps_badsum,   "dropped: bad checksum")
 *
 * and gets a struct of uint64_t fields (COUNTER_STRUCT) and a name table
 * (COUNTER_DESC) from that single list, so the tools and ff_stats_*() never
 * disagree with the code.  Names follow FreeBSD's (ips_badsum, udps_noport)
 * where FreeBSD has the counter.  Counters are plain per-stack fields: a stack
 * is one thread, so no atomics are needed.
 */
#ifndef FASTACK_BASE_COUNTERS_H
#define FASTACK_BASE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

struct counter_desc {
	const char *name;
	const char *desc;
};

#define COUNTER_FIELD_(name, desc) uint64_t name;
#define COUNTER_DESC_(name, desc) { #name, desc },

/* struct NAME { uint64_t field; ... } from a counter list. */
#define COUNTER_STRUCT(sname, LIST)  \
	struct sname {               \
		LIST(COUNTER_FIELD_) \
	}

/* static const struct counter_desc arr[] from a counter list. */
#define COUNTER_DESC_TABLE(arr, LIST) \
	static const struct counter_desc arr[] = { LIST(COUNTER_DESC_) }

#define STAT_INC(s, group, name) ((s)->stats.group.name++)
#define STAT_ADD(s, group, name, n) ((s)->stats.group.name += (n))

#endif
