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

#include <stddef.h>
#include <stdint.h>

/* TCP knobs (src/tcp). */
#define TCP_KNOBS(X)                                                                             \
	X(TCP_SENDSPACE, "net.inet.tcp.sendspace", 32768, 1, 2147483647, "bytes",                \
	  "default TCP send buffer (SO_SNDBUF); rounded up to whole segments once the MSS is "   \
	  "known")                                                                               \
	X(TCP_RECVSPACE, "net.inet.tcp.recvspace", 65536, 1, 2147483647, "bytes",                \
	  "default TCP receive buffer (SO_RCVBUF); rounded up to whole segments once the MSS "   \
	  "is known")                                                                            \
	X(TCP_MAXSOCKBUF, "kern.ipc.maxsockbuf", 2097152, 2304, INT64_MAX, "bytes",              \
	  "largest socket buffer (SO_RCVBUF/SO_SNDBUF up to 8/9 of it, FreeBSD's sb_max_adj); "  \
	  "also sizes the window scale we request (RFC 7323)")                                   \
	X(TCP_SOMAXCONN, "kern.ipc.somaxconn", 4096, 1, 65535, "connections",                    \
	  "largest listen backlog (accept queue); the SYN queue holds as many")                  \
	X(TCP_MAXCONN, "fastack.tcp.maxconn", 65536, 16, 16777216, "connections",                \
	  "size of the per-stack connection table")                                              \
	X(TCP_DELAYED_ACK, "net.inet.tcp.delayed_ack", 1, 0, 1, "bool",                          \
	  "delay ACKs (RFC 1122 4.2.3.2); every second full segment is still ACKed at once")     \
	X(TCP_DELACKTIME, "net.inet.tcp.delacktime", 40, 1, 500, "ms", "delayed ACK timeout")    \
	X(TCP_MSSDFLT, "net.inet.tcp.mssdflt", 536, 88, 65495, "bytes",                          \
	  "MSS assumed when the peer sends no MSS option")                                       \
	X(TCP_MINMSS, "net.inet.tcp.minmss", 216, 88, 1460, "bytes",                             \
	  "smallest MSS accepted from a peer (smaller values are raised to it)")                 \
	X(TCP_RFC1323, "net.inet.tcp.rfc1323", 1, 0, 3, "mode",                                  \
	  "RFC 7323: 0 off, 1 window scaling and timestamps, 2 scaling only, 3 timestamps only") \
	X(TCP_SACK, "net.inet.tcp.sack.enable", 1, 0, 1, "bool", "SACK (RFC 2018, RFC 6675)")    \
	X(TCP_RFC3042, "net.inet.tcp.rfc3042", 1, 0, 1, "bool", "limited transmit (RFC 3042)")   \
	X(TCP_CC, "net.inet.tcp.cc.algorithm", 0, 0, 1, "name",                                  \
	  "default congestion control: newreno (RFC 5681/6582) or cubic (RFC 9438); "            \
	  "the module's index (0, 1) is accepted too")                                           \
	X(TCP_INITCWND, "net.inet.tcp.initcwnd_segments", 10, 1, 1000, "segments",               \
	  "initial congestion window (RFC 6928)")                                                \
	X(TCP_ABC_L_VAR, "net.inet.tcp.abc_l_var", 2, 1, 65536, "segments",                      \
	  "largest cwnd growth per ACK in slow start (RFC 3465 L)")                              \
	X(TCP_KEEPINIT, "net.inet.tcp.keepinit", 75000, 1000, 3600000, "ms",                     \
	  "connection establishment timeout")                                                    \
	X(TCP_KEEPIDLE, "net.inet.tcp.keepidle", 7200000, 1000, 2147483647, "ms",                \
	  "idle time before the first keepalive probe")                                          \
	X(TCP_KEEPINTVL, "net.inet.tcp.keepintvl", 75000, 100, 2147483647, "ms",                 \
	  "interval between keepalive probes")                                                   \
	X(TCP_KEEPCNT, "net.inet.tcp.keepcnt", 8, 1, 1000, "probes",                             \
	  "unanswered keepalive probes before the connection is dropped")                        \
	X(TCP_ALWAYS_KEEPALIVE, "net.inet.tcp.always_keepalive", 1, 0, 1, "bool",                \
	  "probe idle connections even without SO_KEEPALIVE (FreeBSD's default)")                \
	X(TCP_MSL, "net.inet.tcp.msl", 30000, 10, 600000, "ms",                                  \
	  "maximum segment lifetime; TIME_WAIT lasts twice this")                                \
	X(TCP_FINWAIT2_TIMEOUT, "net.inet.tcp.finwait2_timeout", 60000, 1000, 3600000, "ms",     \
	  "FIN_WAIT_2 lifetime once the owner has closed, with fast_finwait2_recycle")           \
	X(TCP_FAST_FINWAIT2_RECYCLE, "net.inet.tcp.fast_finwait2_recycle", 0, 0, 1, "bool",      \
	  "closed FIN_WAIT_2 connections end after finwait2_timeout, else after "                \
	  "keepcnt * keepintvl idle")                                                            \
	X(TCP_REXMIT_MIN, "net.inet.tcp.rexmit_min", 30, 1, 60000, "ms",                         \
	  "lower bound of the retransmission timeout")                                           \
	X(TCP_REXMIT_SLOP, "net.inet.tcp.rexmit_slop", 200, 0, 60000, "ms",                      \
	  "added to the computed retransmission timeout")                                        \
	X(TCP_REXMIT_INITIAL, "net.inet.tcp.rexmit_initial", 1000, 1, 60000, "ms",               \
	  "retransmission timeout before any RTT sample (RFC 6298)")                             \
	X(TCP_SYNCOOKIES, "net.inet.tcp.syncookies", 1, 0, 1, "bool",                            \
	  "answer SYNs with SYN cookies when the SYN queue is full (RFC 4987)")                  \
	X(TCP_SYNCACHE_LIMIT, "net.inet.tcp.syncache.cachelimit", 15360, 1, 16777216, "entries", \
	  "half-open connections per stack (at most half of fastack.tcp.maxconn)")               \
	X(TCP_SYNCACHE_REXMTLIMIT, "net.inet.tcp.syncache.rexmtlimit", 3, 0, 100, "segments",    \
	  "SYN-ACK retransmissions before a half-open connection is given up")                   \
	X(TCP_REASS_MAXQUEUELEN, "net.inet.tcp.reass.maxqueuelen", 100, 1, 100000, "segments",   \
	  "out-of-order segments held per connection")                                           \
	X(TCP_REASS_MAXSEGMENTS, "net.inet.tcp.reass.maxsegments", 0, 0, 16777216, "segments",   \
	  "out-of-order segments held by all connections together; 0 = a 16th of the pool")      \
	X(TCP_TLP, "fastack.tcp.tlp", 0, 0, 1, "bool",                                           \
	  "tail loss probes (RFC 8985 section 7) with SACK; off as in FreeBSD's default stack")  \
	X(TCP_FUNCTIONS_DEFAULT, "net.inet.tcp.functions_default", 0, 0, 1, "name",              \
	  "loss recovery of new connections: freebsd (DupThresh, RFC 5681/6582/6675) or rack "   \
	  "(RACK-TLP, RFC 8985, with D-SACK undo, RFC 3708; needs SACK); 0, 1 accepted too")     \
	X(TCP_RACK_REORDER_THRESH, "net.inet.tcp.rack.reorder_thresh", 2, 0, 16, "shift",        \
	  "RACK's reordering window starts at min_RTT >> this (RFC 8985: min_RTT/4)")            \
	X(TCP_RACK_PKT_DELAY, "net.inet.tcp.rack.pkt_delay", 1000, 0, 1000000, "us",             \
	  "added to RACK's reordering window (FreeBSD rack's slop for coarse clocks)")           \
	X(TCP_SACK_MAXBLOCKS, "net.inet.tcp.sack.maxholes", 32, 4, 1024, "blocks",               \
	  "SACK scoreboard blocks kept per connection")                                          \
	X(TCP_ACK_WAR_TIMEWINDOW, "net.inet.tcp.ack_war_timewindow", 1000, 0, 60000, "ms",       \
	  "window of the ack war limit: challenge ACKs (RFC 5961 section 7) and ACKs to "        \
	  "out-of-window, old or PAWS-failed segments; 0 = unlimited")                           \
	X(TCP_ACK_WAR_CNT, "net.inet.tcp.ack_war_cnt", 5, 0, 1000000, "ACKs",                    \
	  "such ACKs per connection per ack_war_timewindow; 0 = unlimited")                      \
	X(TCP_MAXUNACKTIME, "net.inet.tcp.maxunacktime", 0, 0, 2147483647, "ms",                 \
	  "drop a connection whose data waits this long without an ACK moving SND.UNA "          \
	  "(a peer holding its window closed included); 0 = never")                              \
	X(TCP_SC_RST_SOCK_FAIL, "net.inet.tcp.syncache.rst_on_sock_fail", 1, 0, 1, "bool",       \
	  "answer a completed handshake that finds no room for a connection with a RST")         \
	X(TCP_BLACKHOLE, "net.inet.tcp.blackhole", 0, 0, 2, "mode",                              \
	  "segments to closed ports: 0 RST, 1 no RST for SYNs, 2 never RST")                     \
	X(TCP_ECN, "net.inet.tcp.ecn.enable", 2, 0, 2, "mode",                                   \
	  "ECN (RFC 3168): 0 off, 1 also ask for it on active opens, 2 only when the peer asks") \
	X(TCP_ECN_MAXRETRIES, "net.inet.tcp.ecn.maxretries", 1, 0, 2147483647, "segments",       \
	  "retransmitted SYNs and SYN-ACKs that still ask for or agree to ECN")                  \
	X(TCP_INSECURE_RST, "net.inet.tcp.insecure_rst", 0, 0, 1, "bool",                        \
	  "a RST anywhere in the window resets the connection (no RFC 5961 challenge ACK)")      \
	X(TCP_INSECURE_SYN, "net.inet.tcp.insecure_syn", 0, 0, 1, "bool",                        \
	  "a SYN in the window of a synchronized connection resets it (no RFC 5961 "             \
	  "challenge ACK)")                                                                      \
	X(TCP_DROP_SYNFIN, "net.inet.tcp.drop_synfin", 0, 0, 1, "bool",                          \
	  "a listener drops a SYN that carries FIN instead of taking it as a SYN")               \
	X(TCP_REXMIT_DROP_OPTIONS, "net.inet.tcp.rexmit_drop_options", 0, 0, 1, "bool",          \
	  "the third SYN retransmission and later ones carry no window scale, timestamp "        \
	  "or SACK option")                                                                      \
	X(TCP_ICMP_MAY_RST, "net.inet.tcp.icmp_may_rst", 1, 0, 1, "bool",                        \
	  "ICMP unreachables meaning refused (port, protocol, prohibited) and time exceeded "    \
	  "abort a connection in SYN_SENT; 0: they are soft errors")                             \
	X(TCP_HC_PURGENOW, "net.inet.tcp.hostcache.purgenow", 0, -2147483648LL, 2147483647,      \
	  "action",                                                                              \
	  "writing any value purges the host cache (there is none: no per-host "                 \
	  "metric outlives its connection); reads 0")                                            \
	X(TCP_PORTRANGE_FIRST, "net.inet.ip.portrange.first", 10000, 1024, 65535, "port",        \
	  "first ephemeral port")                                                                \
	X(TCP_PORTRANGE_LAST, "net.inet.ip.portrange.last", 65535, 1024, 65535, "port",          \
	  "last ephemeral port")

/* Coroutine knobs (src/co). */
#define CO_KNOBS(X)                                                                      \
	X(CO_STACK_SIZE, "fastack.co.stack_size", 65536, 16384, 268435456, "bytes",      \
	  "default coroutine stack size (ff_co_set_stack_size changes it per stack); a " \
	  "64 KiB guard below each stack is not counted")                                \
	X(CO_MAX, "fastack.co.max", 1000000, 1, 16777216, "coroutines",                  \
	  "coroutines alive per stack; ff_co_spawn past it fails with EAGAIN")           \
	X(CO_BATCH, "fastack.co.batch", 1024, 1, 16777216, "resumptions",                \
	  "coroutine resumptions per loop pass at most; the rest run on the next pass")  \
	X(CO_POOL_MAX, "fastack.co.pool_max", 1024, 0, 16777216, "stacks",               \
	  "stacks of returned coroutines kept mapped for reuse")                         \
	X(CO_WATCHDOG_MS, "fastack.co.watchdog_ms", 1000, 0, 3600000, "ms",              \
	  "report a coroutine that runs this long without yielding (0: no watchdog)")

#define KNOBS(X)                                                                                \
	X(ARP_MAX_ENTRIES, "net.link.ether.inet.max_entries", 1024, 8, 1048576, "entries",      \
	  "ARP cache size; a full cache evicts the oldest stale entry, else drops")             \
	X(ARP_MAX_AGE, "net.link.ether.inet.max_age", 1200, 1, 86400, "s",                      \
	  "lifetime of a resolved ARP entry before it goes stale")                              \
	X(ARP_MAXHOLD, "net.link.ether.inet.maxhold", 16, 1, 1024, "packets",                   \
	  "packets held per unresolved neighbour while ARP resolves it")                        \
	X(ARP_MAXTRIES, "net.link.ether.inet.maxtries", 5, 1, 100, "requests",                  \
	  "ARP requests sent before an unresolved entry, or a stale one, is given up")          \
	X(ARP_RETRY_MS, "net.link.ether.inet.retry_ms", 1000, 10, 60000, "ms",                  \
	  "interval between ARP requests for an unresolved neighbour")                          \
	X(ARP_GRATUITOUS, "net.link.ether.inet.garp", 1, 0, 1, "bool",                          \
	  "send a gratuitous ARP for each address when the stack starts")                       \
	X(RSS_RING, "fastack.rss.ring", 4096, 4, 65536, "frames",                               \
	  "frames each stack's ring from the other stacks holds (software RSS, ARP copies)")    \
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
	  "most descriptors open at once per stack (from fastack.fd_reserve)")                  \
	X(SOCK_FD_RESERVE, "fastack.fd_reserve", 0, 0, 1073741824, "descriptors",               \
	  "descriptors are numbered from this (at least 3), leaving those below to the "        \
	  "kernel (F-Stack's [freebsd.boot] fd_reserve); read when the stack starts")           \
	X(EPOLL_MAX_EVENTS, "fastack.epoll.max_events", 65536, 1, 16777216, "events",           \
	  "largest maxevents accepted by ff_epoll_wait / nevents by ff_kevent")                 \
	X(KQ_CALLOUTMAX, "kern.kq_calloutmax", 4096, 0, 16777216, "timers",                     \
	  "most EVFILT_TIMER events registered at once (per stack; ENOMEM beyond)")             \
	X(MEM_LOWAT, "fastack.mem.lowat", 25, 2, 90, "% of pool",                               \
	  "free packet buffers below which sockets hold at most fastack.mem.sock_min per "      \
	  "buffer and out-of-order data is dropped")                                            \
	X(MEM_MINWAT, "fastack.mem.minwat", 10, 2, 90, "% of pool",                             \
	  "free packet buffers below which reassembly queues are dropped, largest first "       \
	  "(at most fastack.mem.lowat)")                                                        \
	X(MEM_SOCK_MIN, "fastack.mem.sock_min", 4096, 0, 1048576, "bytes",                      \
	  "what each socket buffer may still hold under memory pressure (Linux tcp_wmem[0])")   \
	CO_KNOBS(X)                                                                             \
	TCP_KNOBS(X)

enum knob_id {
#define KNOB_ENUM_(id, name, def, min, max, unit, desc) KNOB_##id,
	KNOBS(KNOB_ENUM_)
#undef KNOB_ENUM_
	    KNOB_COUNT
};

/* Knobs whose values are names (unit "name"): value v of the knob is the
 * name fn(v) returns (NULL past the last), as FreeBSD's sysctl takes it; the
 * names live with the code they select.  X(id, fn) */
#define KNOB_NAMED(X) X(TCP_CC, tcp_cc_name) X(TCP_FUNCTIONS_DEFAULT, tcp_stack_name)

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
/* Parses and range-checks value for knob id: a number, a boolean word for
 * unit "bool", a name for unit "name".  0 or -EINVAL / -ERANGE. */
int knob_parse(enum knob_id id, const char *value, int64_t *out);
/* The name of value v of a name-valued knob; NULL when the knob has no names
 * or v names nothing. */
const char *knob_value_name(enum knob_id id, int64_t v);
/* Value v of knob id as the configuration file takes it (its name, if it
 * has one); returns buf. */
const char *knob_value_str(enum knob_id id, int64_t v, char *buf, size_t len);
/* The values knob id accepts, "1..255" or "newreno, cubic"; returns buf. */
const char *knob_range_str(enum knob_id id, char *buf, size_t len);

#define KNOB(s, id) ((s)->knob[KNOB_##id])

#endif
