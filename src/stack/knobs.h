/* knobs.h: the one table of run-time knobs (STYLE habit 8).
 *
 * Every tunable the protocol code reads is listed here once: its id, its name
 * (FreeBSD's sysctl name where FreeBSD has the knob), default, range, unit and
 * description.  The configuration file sets them in [freebsd.sysctl] (as
 * F-Stack does), `fastack sysctl` reads and writes them, and docs/knobs.md is
 * generated from this table.  Each stack holds its own copy of the values
 * (stack->knob[]), read with KNOB(s, ID).
 *
 * X(id, name, default, min, max, unit, description)
 */
#ifndef FASTACK_STACK_KNOBS_H
#define FASTACK_STACK_KNOBS_H

#include <stdint.h>

#define KNOBS(X)                                                                                \
	X(ARP_MAX_ENTRIES, "net.link.ether.inet.max_entries", 1024, 8, 1048576, "entries",      \
	  "ARP cache size; a full cache evicts the oldest stale entry, else drops")             \
	X(ARP_MAX_AGE, "net.link.ether.inet.max_age", 1200, 1, 86400, "s",                      \
	  "lifetime of a resolved ARP entry before it goes stale")                              \
	X(ARP_MAXHOLD, "net.link.ether.inet.maxhold", 16, 1, 1024, "packets",                   \
	  "packets held per unresolved neighbour while ARP resolves it")                        \
	X(ARP_MAXTRIES, "net.link.ether.inet.maxtries", 5, 1, 100, "requests",                  \
	  "ARP requests sent before an unresolved entry is given up")                           \
	X(ARP_RETRY_MS, "net.link.ether.inet.retry_ms", 1000, 10, 60000, "ms",                  \
	  "interval between ARP requests for an unresolved neighbour")                          \
	X(ARP_GRATUITOUS, "net.link.ether.inet.garp", 1, 0, 1, "bool",                          \
	  "send a gratuitous ARP for each address when the stack starts")                       \
	X(IP_DEFTTL, "net.inet.ip.ttl", 64, 1, 255, "hops", "TTL of packets the stack sends")   \
	X(ICMP_LIM, "net.inet.icmp.icmplim", 200, 0, 1000000, "packets/s",                      \
	  "rate limit of ICMP errors (unreachables); 0 disables them")                          \
	X(ICMP_ECHO, "net.inet.icmp.echo_enable", 1, 0, 1, "bool", "answer ICMP echo requests") \
	X(UDP_RECVSPACE, "net.inet.udp.recvspace", 42080, 1024, 67108864, "bytes",              \
	  "default UDP receive buffer (SO_RCVBUF)")                                             \
	X(UDP_MAXDGRAM, "net.inet.udp.maxdgram", 9216, 512, 65507, "bytes",                     \
	  "default UDP send buffer: largest datagram sent (SO_SNDBUF)")                         \
	X(UDP_BLACKHOLE, "net.inet.udp.blackhole", 0, 0, 1, "bool",                             \
	  "drop datagrams to closed ports silently instead of ICMP port unreachable")           \
	X(SOCK_MAX_FDS, "kern.maxfiles", 65536, 16, 16777216, "descriptors",                    \
	  "size of the per-stack descriptor table")                                             \
	X(EPOLL_MAX_EVENTS, "fastack.epoll.max_events", 65536, 1, 16777216, "events",           \
	  "largest maxevents accepted by ff_epoll_wait / nevents by ff_kevent")

enum knob_id {
#define KNOB_ENUM_(id, name, def, min, max, unit, desc) KNOB_##id,
	KNOBS(KNOB_ENUM_)
#undef KNOB_ENUM_
	    KNOB_COUNT
};

struct knob_desc {
	const char *name;
	int64_t def, min, max;
	const char *unit;
	const char *desc;
};

/* The table, indexed by enum knob_id. */
extern const struct knob_desc knob_table[KNOB_COUNT];

/* Looks a knob up by name; returns its id or -ENOENT. */
int knob_find(const char *name);
/* Parses and range-checks value for knob id; 0 or -EINVAL / -ERANGE. */
int knob_parse(enum knob_id id, const char *value, int64_t *out);

#define KNOB(s, id) ((s)->knob[KNOB_##id])

#endif
