/* tcp.h: TCP (RFC 9293 and friends), the layer's interface.
 *
 * Two faces:
 *   - to IP: tcp_input() takes a received segment (m at the TCP header, the
 *     IP header readable in the headroom at data - m->l3_len, as UDP);
 *   - to the socket layer (and the protocol tests): the user requests of
 *     RFC 9293 section 3.10 on a connection handle (struct tcpcb), in
 *     tcp_usrreq.c: tcp_pcb_new, tcp_bind, tcp_listen, tcp_connect,
 *     tcp_accept, tcp_send, tcp_recv, tcp_shutdown, tcp_close, tcp_abort,
 *     tcp_renew, option get/set and readiness (tcp_poll).
 *
 * tcp_socket.c turns these into the socket layer's proto_ops (registered
 * for SOCK_STREAM by tcp_init) and is the default notify callback.
 *
 * Readiness flows back through one per-stack callback (tcp_set_notify):
 * TCP calls it with the connection's owner (the socket, as given to
 * tcp_pcb_new/tcp_accept) and TCP_EV_* bits whenever something the owner
 * may wait for happened.  The owner then asks tcp_poll() for the level.
 *
 * Life cycle of a tcpcb: created by tcp_pcb_new() (or by a listener for an
 * incoming SYN, owner NULL until accepted); the owner gives it up with
 * tcp_close() (graceful, FIN; RST with SO_LINGER 0) or tcp_abort() (RST),
 * after which TCP frees it by itself when the connection has ended
 * (TIME_WAIT expired, LAST_ACK acknowledged, reset, timed out).  A
 * connection that ends while still owned stays allocated, in CLOSED, so
 * that the owner can read the error (tcp_error) and remaining data.
 *
 * Counters follow FreeBSD's tcpstat names (netstat -s -p tcp).
 */
#ifndef FASTACK_TCP_TCP_H
#define FASTACK_TCP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "base/addr.h"
#include "base/counters.h"

struct stack;
struct netif;
struct tcpcb;

#define TCP_STATS(X)                                                                     \
	X(tcps_rcvtotal, "segments received")                                            \
	X(tcps_rcvpack, "in-sequence data segments received")                            \
	X(tcps_rcvbyte, "in-sequence data bytes received")                               \
	X(tcps_rcvshort, "dropped: shorter than a TCP header")                           \
	X(tcps_rcvbadoff, "dropped: bad data offset")                                    \
	X(tcps_rcvbadsum, "dropped: bad checksum")                                       \
	X(tcps_rcvmemdrop, "dropped: memory pressure (receive queue or reassembly)")     \
	X(tcps_rcvduppack, "duplicate-only segments received")                           \
	X(tcps_rcvdupbyte, "duplicate bytes received")                                   \
	X(tcps_rcvpartduppack, "segments with some duplicate data")                      \
	X(tcps_rcvoopack, "out-of-order segments queued")                                \
	X(tcps_rcvoobyte, "out-of-order bytes queued")                                   \
	X(tcps_rcvpackafterwin, "segments with data beyond the window")                  \
	X(tcps_rcvbyteafterwin, "bytes beyond the window")                               \
	X(tcps_rcvafterclose, "segments with data after the owner closed (RST sent)")    \
	X(tcps_rcvwinprobe, "window probes received")                                    \
	X(tcps_rcvwinupd, "window updates received")                                     \
	X(tcps_rcvdupack, "duplicate ACKs received")                                     \
	X(tcps_sack_noinfo, "duplicate ACKs without new SACK information (not counted)") \
	X(tcps_rcvacktoomuch, "dropped: ACK for data not yet sent")                      \
	X(tcps_rcvackpack, "ACKs for new data received")                                 \
	X(tcps_rcvackbyte, "bytes acknowledged by received ACKs")                        \
	X(tcps_rcvghostack, "dropped: ACK below the window (RFC 5961 challenge ACK)")    \
	X(tcps_pawsdrop, "dropped: PAWS (old timestamp)")                                \
	X(tcps_tsmissing, "dropped: no timestamp on a connection using them (RFC 7323)") \
	X(tcps_noport, "dropped: no connection or listener (RST sent)")                  \
	X(tcps_icmp_mtu, "ICMP fragmentation needed: MSS lowered (PMTUD)")               \
	X(tcps_icmp_ignored, "ICMP errors ignored (no connection, bad sequence, other)") \
	X(tcps_rstlimited, "RSTs to closed ports not sent: net.inet.icmp.icmplim")       \
	X(tcps_badsyn, "dropped: bad SYN (unacceptable ACK in SYN_SENT etc.)")           \
	X(tcps_badrst, "dropped: RST not acceptable")                                    \
	X(tcps_listendrop, "dropped: listen queue full")                                 \
	X(tcps_reassfull, "dropped: reassembly queue full")                              \
	X(tcps_reass_overflows,                                                          \
	  "dropped: out of order, stack-wide limit net.inet.tcp.reass.maxsegments")      \
	X(tcps_reass_purged, "out-of-order segments given back under memory pressure")   \
	X(tcps_sndmemwait, "sends refused: send buffer above its share under pressure")  \
	X(tcps_sndretry, "transmissions retried after a failure for lack of buffers")    \
	X(tcps_badopt, "segments with malformed options")                                \
	X(tcps_rcvreset, "RSTs accepted")                                                \
	X(tcps_chalack, "challenge ACKs sent (RFC 5961)")                                \
	X(tcps_chalack_limited, "challenge ACKs not sent: rate limit")                   \
	X(tcps_ackwar_limited, "ACKs to out-of-window segments not sent: ack_war_cnt")   \
	X(tcps_synchallenge, "SYNs in a synchronized state (RFC 5961 section 4)")        \
	X(tcps_rstchallenge, "in-window RSTs not at RCV.NXT (RFC 5961 section 3)")       \
	X(tcps_tw_rst_ignored, "RSTs ignored in TIME_WAIT (RFC 1337)")                   \
	X(tcps_tw_reuse, "TIME_WAIT connections replaced by a new SYN")                  \
	X(tcps_tw_syn_dropped, "SYNs dropped in TIME_WAIT: old duplicates")              \
	X(tcps_sndtotal, "segments sent")                                                \
	X(tcps_sndpack, "data segments sent")                                            \
	X(tcps_sndbyte, "data bytes sent")                                               \
	X(tcps_sndrexmitpack, "data segments retransmitted")                             \
	X(tcps_sndrexmitbyte, "data bytes retransmitted")                                \
	X(tcps_sndrexmitbad, "retransmission timeouts undone (timestamps: spurious)")    \
	X(tcps_sndacks, "ACK-only segments sent")                                        \
	X(tcps_delack, "delayed ACKs sent")                                              \
	X(tcps_sndwinup, "window update segments sent")                                  \
	X(tcps_sndprobe, "window probes sent")                                           \
	X(tcps_sndctrl, "control segments sent (SYN, FIN, RST)")                         \
	X(tcps_sndrst, "RSTs sent")                                                      \
	X(tcps_snderr, "segments not sent: no mbuf or no route")                         \
	X(tcps_snd_csum_offload, "segments sent with the checksum left to the port")     \
	X(tcps_connattempt, "connections initiated")                                     \
	X(tcps_accepts, "connections accepted (SYN_RECEIVED -> ESTABLISHED)")            \
	X(tcps_connects, "connections established")                                      \
	X(tcps_closed, "connections closed")                                             \
	X(tcps_drops, "connections dropped (RST received or sent)")                      \
	X(tcps_conndrops, "embryonic connections dropped")                               \
	X(tcps_timeoutdrop, "connections dropped: retransmission timeout")               \
	X(tcps_rexmttimeo, "retransmission timeouts")                                    \
	X(tcps_persisttimeo, "persist timeouts")                                         \
	X(tcps_persistdrop, "dropped in persist: peer silent past the backoff")          \
	X(tcps_progdrops, "dropped: no progress for net.inet.tcp.maxunacktime")          \
	X(tcps_keeptimeo, "keepalive timeouts")                                          \
	X(tcps_keepprobe, "keepalive probes sent")                                       \
	X(tcps_keepdrops, "connections dropped by keepalive or connect timeout")         \
	X(tcps_finwait2_drops, "FIN_WAIT_2 connections dropped (finwait2_timeout)")      \
	X(tcps_rttupdated, "RTT samples taken")                                          \
	X(tcps_segstimed, "segments timed for RTT")                                      \
	X(tcps_sack_recovery_episode, "SACK recovery episodes")                          \
	X(tcps_sack_lostrexmt, "SACK recovery: retransmissions found lost, sent again")  \
	X(tcps_sack_rexmits, "segments retransmitted in SACK recovery")                  \
	X(tcps_sack_rcv_blocks, "SACK blocks received")                                  \
	X(tcps_sack_send_blocks, "SACK blocks sent")                                     \
	X(tcps_newreno_recovery, "NewReno fast recovery episodes")                       \
	X(tcps_limited_transmit, "segments sent by limited transmit (RFC 3042)")         \
	X(tcps_tlp_probes, "tail loss probes sent (RFC 8985, fastack.tcp.tlp)")          \
	X(tcps_tlp_recovered, "tail loss probes that repaired a loss (cwnd reduced)")    \
	X(tcps_rack_lost, "RACK: segments found lost by time (RFC 8985)")                \
	X(tcps_rack_reotimeo, "RACK: reordering timer expirations")                      \
	X(tcps_rack_recovery_episode, "RACK: recovery episodes (cwnd reduced)")          \
	X(tcps_rack_reordering, "RACK: reordering seen (first time per connection)")     \
	X(tcps_dsack_count, "D-SACK blocks received (RFC 2883)")                         \
	X(tcps_dsack_bytes, "bytes reported by D-SACK blocks")                           \
	X(tcps_dsack_undo, "recoveries undone: all resent data D-SACKed (RFC 3708)")     \
	X(tcps_sc_added, "SYN queue: entries added")                                     \
	X(tcps_sc_completed, "SYN queue: handshakes completed")                          \
	X(tcps_sc_retransmitted, "SYN queue: SYN-ACKs retransmitted")                    \
	X(tcps_sc_dropped, "SYN queue: SYNs dropped (queue full, no cookies)")           \
	X(tcps_sc_sockfail, "handshakes completed with no room for a connection")        \
	X(tcps_sc_sendcookie, "SYN cookies sent")                                        \
	X(tcps_sc_recvcookie, "SYN cookies accepted")                                    \
	X(tcps_sc_badcookie, "dropped: ACK with an invalid SYN cookie (RST sent)")       \
	X(tcps_sc_aborted, "SYN queue: entries aborted (RST or too many retransmits)")   \
	X(tcps_sc_dupsyn, "SYN queue: duplicate SYNs (SYN-ACK sent again)")              \
	X(tcps_tw_responds, "TIME_WAIT: segments answered with an ACK")                  \
	X(tcps_ecn_shs, "ECN handshakes (RFC 3168): ECN in use on the connection")       \
	X(tcps_ecn_ce, "CE-marked segments received (ECE echoed)")                       \
	X(tcps_ecn_rcwnd, "congestion window reductions for an ECE")                     \
	X(tcps_nomem, "connections not created: no memory or connection table full")

COUNTER_STRUCT(tcp_stats, TCP_STATS);

/* TCP states, RFC 9293 section 3.3.2, in FreeBSD's order (synchronized
 * states are >= TCPS_ESTABLISHED). */
enum tcp_state {
	TCPS_CLOSED = 0,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_FIN_WAIT_1,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
};
const char *tcp_state_name(int state);

/* Events passed to the notify callback. */
#define TCP_EV_IN 0x01   /* data, EOF, error, or (listener) a connection to accept */
#define TCP_EV_OUT 0x02  /* connected and send space available */
#define TCP_EV_HUP 0x04  /* receive side closed: peer's FIN, SHUT_RD, or ended */
#define TCP_EV_ERR 0x08  /* the connection failed: tcp_error() says why */
#define TCP_EV_CONN 0x10 /* an active open completed */
#define TCP_EV_DOWN 0x20 /* both directions closed, ended, or never connected */

typedef void (*tcp_notify_fn)(struct stack *s, void *owner, unsigned events);

/* Layer life cycle (stack.c layers[]). */
int tcp_init(struct stack *s);
void tcp_fini(struct stack *s);
/* The pool fell below fastack.mem.minwat: drops reassembly queues, the
 * largest first, until it is back at fastack.mem.lowat (src/stack/mem.h). */
void tcp_mem_reclaim(struct stack *s);
/* Consumes m (pointing at the TCP header; IP header in the headroom,
 * m->l3_len set). */
void tcp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m);
/* An ICMP error about a segment we sent (FreeBSD's tcp_ctlinput), for the
 * ICMP layer to call: type/code as received, next_mtu from a "fragmentation
 * needed" message (0 if none), inner = the quoted IPv4 header followed by
 * at least 8 bytes of our TCP header, len bytes in all.  Acts on
 * destination unreachables: PMTUD (RFC 1191; RFC 5927 checks: the quoted
 * sequence number must be in SND.UNA..SND.MAX), hard errors during
 * connection set-up, soft errors kept for a later timeout (RFC 1122
 * 4.2.3.9). */
void tcp_ctlinput(struct stack *s, uint8_t type, uint8_t code, uint16_t next_mtu, const void *inner,
                  size_t len);
/* Sets the stack's readiness callback (the socket layer, or a test). */
void tcp_set_notify(struct stack *s, tcp_notify_fn fn);

/* ---- user requests (tcp_usrreq.c); 0 or -errno unless said otherwise ---- */

/* A new unconnected TCP endpoint owned by owner; NULL and errno on failure. */
struct tcpcb *tcp_pcb_new(struct stack *s, void *owner);
/* Binds the local address (any = wildcard) and port (host order, 0 = pick an
 * ephemeral one).  -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL. */
int tcp_bind(struct stack *s, struct tcpcb *tp, const struct ip_addr *addr, uint16_t port);
/* Passive open with an accept-queue limit (backlog, clamped to
 * kern.ipc.somaxconn). */
int tcp_listen(struct stack *s, struct tcpcb *tp, int backlog);
/* Active open: sends the SYN and returns 0 (completion comes as
 * TCP_EV_CONN|TCP_EV_OUT, failure as TCP_EV_ERR). */
int tcp_connect(struct stack *s, struct tcpcb *tp, const struct ip_addr *addr, uint16_t port);
/* Pops an established connection from a listener's accept queue and gives
 * it to owner.  NULL with *err = -EAGAIN when the queue is empty, -EINVAL
 * when tp is not listening. */
struct tcpcb *tcp_accept(struct stack *s, struct tcpcb *listener, void *owner, int *err);
/* Copies up to the send space into the send buffer and sends what the
 * window allows.  Bytes taken, or -EAGAIN (no space), -EPIPE (shut down
 * for writing or connection closed), -ENOTCONN, or the connection's error. */
ssize_t tcp_send(struct stack *s, struct tcpcb *tp, const struct iovec *iov, int iovcnt, int flags);
/* Queues the n bytes of chain m (ff_zc_mbuf_get's: single segments by
 * m->next, data from data_off 0) without copying: n, with m the send
 * buffer's; or -errno (EAGAIN: no room for all n) with m still the
 * caller's. */
ssize_t tcp_send_chain(struct stack *s, struct tcpcb *tp, struct rte_mbuf *m, uint32_t n);
/* The same through a TCP socket (marks it out of room on EAGAIN). */
struct socket;
ssize_t tcp_so_send_chain(struct stack *s, struct socket *so, struct rte_mbuf *m, uint32_t n);
/* Copies received data out.  flags: MSG_PEEK, MSG_WAITALL (returns -EAGAIN
 * unless the whole request can be satisfied, EOF and errors aside).  Bytes,
 * 0 at end of stream, -EAGAIN, -ENOTCONN, or the connection's error. */
ssize_t tcp_recv(struct stack *s, struct tcpcb *tp, const struct iovec *iov, int iovcnt, int flags);
/* SHUT_RD, SHUT_WR, SHUT_RDWR. */
int tcp_shutdown(struct stack *s, struct tcpcb *tp, int how);
/* The owner lets go.  Graceful close (FIN after queued data), or RST when
 * SO_LINGER is on with a zero timeout.  tp must not be used afterwards. */
void tcp_close(struct stack *s, struct tcpcb *tp);
/* The owner lets go with a RST. */
void tcp_abort(struct stack *s, struct tcpcb *tp);
/* A fresh endpoint in place of tp, whose connection has ended (CLOSED):
 * same owner, the user's options (buffer sizes, keepalive, linger, address
 * reuse, TCP_NODELAY, TCP_MAXSEG, the keepalive times, the congestion
 * control), bound again to tp's local address and port if rebind (the
 * port is dropped if taken since); tp is freed.  NULL (tp untouched)
 * without memory.  Linux's tcp_disconnect: connect() may try again after
 * a failure. */
struct tcpcb *tcp_renew(struct stack *s, struct tcpcb *tp, bool rebind);

/* Level-triggered readiness, TCP_EV_* bits (IN, OUT, HUP, ERR). */
unsigned tcp_poll(const struct stack *s, const struct tcpcb *tp);
/* Bytes readable now (FIONREAD). */
uint32_t tcp_readable(const struct tcpcb *tp);
/* Send space free: SO_SNDBUF less what is queued; under memory pressure
 * (src/stack/mem.h) at most what keeps the buffer within
 * fastack.mem.sock_min and within the peer's window, and nothing at all
 * once the pool is down to its reserve. */
uint32_t tcp_sendspace(const struct stack *s, const struct tcpcb *tp);
/* A writer found no space because the pool is at its reserve: tp's owner
 * hears TCP_EV_OUT when the pool is above it again (tcp_mem_wake). */
void tcp_mem_wait(struct stack *s, struct tcpcb *tp);
/* The pool is above its reserve again: wakes the writers waiting. */
void tcp_mem_wake(struct stack *s);
/* The pending error (SO_ERROR semantics: cleared when read). */
int tcp_error(struct tcpcb *tp, bool clear);
int tcp_state(const struct tcpcb *tp);
/* Addresses (ports host order).  -ENOTCONN for the peer when unconnected. */
int tcp_local(const struct tcpcb *tp, struct ip_addr *a, uint16_t *port);
int tcp_peer(const struct tcpcb *tp, struct ip_addr *a, uint16_t *port);

/* Options (setsockopt/getsockopt).  Values are ints unless said otherwise. */
enum tcp_opt {
	TCP_OPT_NODELAY,       /* TCP_NODELAY */
	TCP_OPT_MAXSEG,        /* TCP_MAXSEG */
	TCP_OPT_KEEPALIVE,     /* SO_KEEPALIVE */
	TCP_OPT_KEEPIDLE,      /* TCP_KEEPIDLE, seconds */
	TCP_OPT_KEEPINTVL,     /* TCP_KEEPINTVL, seconds */
	TCP_OPT_KEEPCNT,       /* TCP_KEEPCNT */
	TCP_OPT_SNDBUF,        /* SO_SNDBUF, bytes */
	TCP_OPT_RCVBUF,        /* SO_RCVBUF, bytes */
	TCP_OPT_LINGER,        /* SO_LINGER: -1 off, else seconds */
	TCP_OPT_REUSEADDR,     /* SO_REUSEADDR */
	TCP_OPT_REUSEPORT,     /* SO_REUSEPORT */
	TCP_OPT_CONGESTION_ID, /* TCP_CONGESTION as a module id (tcp_cc_find) */
	TCP_OPT_ACCEPTCONN,    /* SO_ACCEPTCONN (get only) */
	TCP_OPT_USER_TIMEOUT,  /* TCP_USER_TIMEOUT, ms; 0 = net.inet.tcp.maxunacktime */
	TCP_OPT_IP_TOS,        /* IP_TOS: the low byte is kept (FreeBSD's inp_ip_tos) */
	TCP_OPT_IP_TTL,        /* IP_TTL: the low byte is kept (inp_ip_ttl) */
};
int tcp_setopt(struct stack *s, struct tcpcb *tp, enum tcp_opt opt, int val);
int tcp_getopt(struct stack *s, const struct tcpcb *tp, enum tcp_opt opt, int *val);
/* Congestion control modules by name ("newreno", "cubic"): id or -ENOENT;
 * and the name of an id (NULL if none). */
int tcp_cc_find(const char *name);
const char *tcp_cc_name(int id);
/* Names of net.inet.tcp.functions_default: "freebsd" (0), "rack" (1); NULL
 * past the last. */
const char *tcp_stack_name(int id);

/* The subset of Linux struct tcp_info that TCP_INFO fills; the socket layer
 * copies it into the Linux layout. */
struct tcp_info_lite {
	uint8_t state, ca_state, retransmits, backoff, options, snd_wscale, rcv_wscale;
	uint32_t rto_us, snd_mss, rcv_mss, unacked, sacked, lost, retrans;
	uint32_t rtt_us, rttvar_us, snd_ssthresh, snd_cwnd, advmss, rcv_space;
	uint32_t total_retrans;
	uint64_t bytes_acked, bytes_received;
};
void tcp_info_get(const struct tcpcb *tp, struct tcp_info_lite *ti);

/* For the tools (src/ctl: netstat, ss): one endpoint as they show it. */
struct tcp_conn_info {
	uint8_t family;
	uint8_t laddr[16], faddr[16];      /* IPv4: first 4 bytes, network order */
	uint16_t lport, fport;             /* host order */
	uint8_t state;                     /* TCPS_* */
	uint32_t sendq, recvq;             /* bytes held to send (from SND.UNA), to read */
	uint16_t q_len, q_incomp, q_limit; /* listeners: accept queue, SYN queue, limit */
	bool sack, ts, wscale, ecn, detached;
	uint32_t snd_wnd, rcv_wnd, rcv_ooo; /* bytes; out-of-order bytes held */
	uint32_t iss, irs, snd_una, snd_nxt, rcv_nxt;
	const char *cc;
	struct tcp_info_lite ti;
};
/* Visits the stack's TCP endpoints, at most max connections per call:
 * listeners and bound endpoints first (when *cursor is 0), then the
 * connection table from *cursor.  Returns true while more remain (call again
 * with the same cursor, in a later pass: the table may change in between,
 * and an endpoint is then seen once or not at all). */
bool tcp_conn_walk(struct stack *s, uint32_t *cursor, unsigned max,
                   void (*fn)(const struct tcp_conn_info *ci, void *arg), void *arg);

/* Memory accounting: bytes of one control block (sizeof), for the report. */
size_t tcp_pcb_size(void);
/* Connections in the stack's table (any state but LISTEN/CLOSED). */
unsigned tcp_conn_count(struct stack *s);
/* Control blocks allocated, in any state (listeners, bound, connections,
 * ended ones still owned): 0 once everything is closed (leak checks). */
unsigned tcp_pcb_count(struct stack *s);

#endif
