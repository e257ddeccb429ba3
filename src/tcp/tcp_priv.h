/* tcp_priv.h: the TCP control block and the functions the TCP files share.
 *
 * Files and their roles:
 *   tcp_subr.c    layer state, connection table (rte_hash by 4-tuple) and
 *                 listeners, tcpcb life cycle, ISN (RFC 6528), SYN cookies
 *                 (RFC 4987), RST/ACK generation without a connection, the
 *                 connection timer (one wheel slot holding the earliest of
 *                 the retransmit/persist, keepalive/2MSL and delayed-ACK
 *                 deadlines), RTT estimation (RFC 6298);
 *   tcp_input.c   segment arrival (RFC 9293 section 3.10.7);
 *   tcp_output.c  deciding what to send and building segments;
 *   tcp_sack.c    SACK scoreboard (sender) and blocks to report (receiver);
 *   tcp_cc.c      congestion control modules: NewReno and CUBIC;
 *   tcp_rack.c    RACK-TLP loss detection (RFC 8985) and D-SACK undo
 *                 (RFC 3708) for net.inet.tcp.functions_default=rack;
 *   tcp_usrreq.c  user requests;
 *   tcp_socket.c  the socket layer's SOCK_STREAM proto_ops on top of them.
 *
 * Buffers (DESIGN.md, zero copy where it pays):
 *   - send buffer: a chain of direct mbufs (struct sndbuf) holding every byte
 *     from SND.UNA on; segments carry indirect mbufs attached to those, so a
 *     retransmission copies nothing; ACKed mbufs are freed from the front;
 *   - receive buffer: a pktq of received payload chains (the TCP header
 *     trimmed off); reading copies out and frees from the front;
 *   - out-of-order queue: a sorted list of payload chains, with their
 *     sequence number in the pkt_meta time field, bounded by
 *     net.inet.tcp.reass.maxqueuelen and by the receive window per
 *     connection, by net.inet.tcp.reass.maxsegments for the stack, and
 *     given back under memory pressure (src/stack/mem.h);
 *   - under memory pressure the send buffer and the receive queue take new
 *     data only up to fastack.mem.sock_min (stack_mem_admit).
 */
#ifndef FASTACK_TCP_TCP_PRIV_H
#define FASTACK_TCP_TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "base/addr.h"
#include "base/list.h"
#include "base/pkt.h"
#include "base/timer.h"
#include "tcp/tcp.h"
#include "wire/tcp.h"

/* Sequence space arithmetic (RFC 9293 section 3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))

#define TCP_MAXWIN 65535u
#define TCP_MAXRXTSHIFT 12
#define TCP_RTO_MAX_MS 64000u     /* FreeBSD TCPTV_REXMTMAX */
#define TCP_PERSMIN_MS 5000u      /* FreeBSD TCPTV_PERSMIN */
#define TCP_PERSMAX_MS 60000u     /* FreeBSD TCPTV_PERSMAX */
#define TCP_SYN_RTO_FALLBACK 3000 /* RFC 6298 section 5.7 */
#define TCP_DEFAULT_MSS 1460u

/* Connection key: IPv4 or IPv6 (IPv6 from the first struct). */
struct tcp_key {
	uint8_t laddr[16], faddr[16]; /* IPv4: first 4 bytes, network order */
	uint16_t lport, fport;        /* network order */
	uint8_t family;
	uint8_t pad[3];
};

/* Flags (t_flags). */
#define TF_ACKNOW 0x00000001       /* send an ACK now */
#define TF_DELACK 0x00000002       /* an ACK is being delayed */
#define TF_NODELAY 0x00000004      /* TCP_NODELAY: no Nagle */
#define TF_SENTFIN 0x00000008      /* our FIN has been sent (snd_max covers it) */
#define TF_RCVD_SCALE 0x00000010   /* peer sent window scale */
#define TF_REQ_SCALE 0x00000020    /* we asked for window scale */
#define TF_RCVD_TSTMP 0x00000040   /* peer sent timestamps */
#define TF_REQ_TSTMP 0x00000080    /* we asked for timestamps */
#define TF_SACK_PERMIT 0x00000100  /* both sides SACK-permitted */
#define TF_REQ_SACK 0x00000200     /* we sent SACK-permitted */
#define TF_FASTRECOVERY 0x00000400 /* in fast recovery (NewReno or SACK) */
#define TF_FORCEDATA 0x00000800    /* persist probe: send 1 byte into a zero window */
#define TF_PERSIST 0x00001000      /* the rexmt deadline is the persist timer */
#define TF_DETACHED 0x00002000     /* the owner has closed: free when done */
#define TF_SHUT_WR 0x00004000      /* no more user data: FIN after the buffer */
#define TF_SHUT_RD 0x00008000      /* reading shut down: discard arrivals */
#define TF_RCVD_FIN 0x00010000     /* the peer's FIN has been processed */
#define TF_KEEPALIVE 0x00020000    /* SO_KEEPALIVE */
#define TF_LINGER0 0x00040000      /* SO_LINGER on with 0 s */
#define TF_REUSEADDR 0x00080000
#define TF_REUSEPORT 0x00100000
#define TF_BOUND 0x00200000          /* has a local port */
#define TF_ON_BOUNDLIST 0x00400000   /* on the bound (not connected) list */
#define TF_HASHED 0x00800000         /* in the connection table */
#define TF_PASSIVE 0x01000000        /* opened by a listener */
#define TF_ACCEPTQ 0x02000000        /* on the listener's accept queue */
#define TF_FIN_PENDING 0x04000000    /* an out-of-order FIN is at rcv_fin_seq */
#define TF_CONNECTED_ONCE 0x08000000 /* was connected (errno choices) */
#define TF_COOKIE 0x10000000         /* created from a SYN cookie */
#define TF_LIMITED 0x20000000        /* counts against the stack's SYN limit */
#define TF_TXCSUM 0x40000000         /* the route's port computes TCP checksums */
#define TF_NO_ISS_CHECK 0x80000000u  /* SND.UNA is a window past ISS: no ghost-ACK check */

/* ECN state (t_ecn; RFC 3168). */
#define ECN_PERMIT 0x01  /* negotiated: data goes out ECT(0) */
#define ECN_REQ 0x02     /* our SYN asked for it (net.inet.tcp.ecn.enable 1) */
#define ECN_SND_ECE 0x04 /* a CE mark came in: ECE on our ACKs until CWR */
#define ECN_SND_CWR 0x08 /* the window was reduced: CWR on the next new data */
#define ECN_CONG 0x10    /* reduced for an ECE until SND.UNA passes t_ecn_recover */
/* IP ECN codepoints (RFC 3168 section 5). */
#define IPECN_MASK 0x03
#define IPECN_ECT0 0x02
#define IPECN_CE 0x03

/* Tail loss probe state (t_tlp; RFC 8985 section 7, fastack.tcp.tlp). */
#define TLP_PTO 0x01    /* t_rexmt_at is the probe timeout, not the RTO */
#define TLP_OUT 0x02    /* a probe is outstanding (up to t_tlp_high) */
#define TLP_REXMIT 0x04 /* ... and it was a retransmission */

/* t_fb: the loss recovery a connection uses (net.inet.tcp.functions_default,
 * taken when the control block is made; FreeBSD's TCP function blocks). */
#define TCP_FB_FREEBSD 0 /* DupThresh: RFC 5681, 6582, 6675 */
#define TCP_FB_RACK 1    /* RACK-TLP (tcp_rack.c); with SACK only */

/* t_rxtundo: after the first retransmission timeout (timer_rexmt). */
#define RXT_PREVVALID 0x01 /* the *_prev fields and t_badrxtwin hold */
#define RXT_WASFR 0x02     /* it struck during fast recovery */

/* The send buffer: data from SND.UNA on, in direct mbufs. */
struct sndbuf {
	struct rte_mbuf *head, *tail; /* single segments linked by m->next */
	uint32_t off;                 /* bytes of head already acknowledged */
	uint32_t cc;                  /* bytes held (from SND.UNA) */
	uint32_t hiwat;               /* limit (SO_SNDBUF) */
	uint64_t una_pos;             /* stream position of SND.UNA */
	struct rte_mbuf *hint;        /* last mbuf found by a lookup */
	uint64_t hint_pos;            /* stream position of hint's first byte */
};

/* Congestion control state (union of the modules' needs). */
struct tcp_cc_state {
	uint32_t w_max;       /* CUBIC: cwnd before the last reduction, bytes */
	uint32_t w_last_max;  /* CUBIC: fast convergence */
	uint32_t k_ms;        /* CUBIC: K in ms */
	uint32_t cwnd_epoch;  /* CUBIC: cwnd at the start of the epoch */
	uint64_t epoch_start; /* CUBIC: ns, 0 = no epoch */
	uint32_t w_est;       /* CUBIC: Reno-friendly estimate, bytes */
	uint32_t bytes_acked; /* congestion avoidance byte counting */
};

/* SACK scoreboard (sender side), allocated on first use. */
struct tcp_sack {
	uint32_t rxmit_hi; /* bytes below this in holes were retransmitted */
	uint32_t fence;    /* SND.MAX when the last hole was retransmitted */
	bool fence_set;
	uint32_t sacked;             /* bytes SACKed above snd_una */
	uint16_t n, max;             /* blocks in use, capacity */
	struct tcp_sack_block blk[]; /* sorted, disjoint, above snd_una */
};

struct tcpcb {
	struct timer timer;  /* one wheel slot: the earliest deadline below */
	uint64_t t_rexmt_at; /* retransmit or persist (TF_PERSIST); 0 = off */
	uint64_t t_keep_at;  /* keepalive / keepinit / FIN_WAIT_2 / 2MSL */
	uint64_t t_delack_at;
	struct tcp_key key;
	struct list_node link; /* bound list, listener list, or accept queue */
	void *owner;
	struct tcpcb *listener; /* passive opens until accepted */
	uint32_t t_flags;
	uint8_t t_state;
	uint8_t snd_scale, rcv_scale, request_r_scale;
	uint8_t t_rxtshift;
	uint8_t t_dupacks;
	uint8_t t_keepcnt_sent; /* unanswered keepalive probes */
	uint8_t cc_id;
	uint8_t t_tlp;           /* TLP_*: tail loss probe state */
	uint8_t t_ecn;           /* ECN_*: RFC 3168 state */
	uint8_t ip_tos, ip_ttl;  /* IP_TOS (ECN bits from t_ecn), IP_TTL (0: net.inet.ip.ttl) */
	uint8_t t_rxtundo;       /* RXT_*: the first RTO may be undone */
	uint8_t t_fb;            /* TCP_FB_*: loss recovery (functions_default) */
	int16_t so_error;        /* positive errno */
	int16_t t_softerror;     /* ICMP soft error, reported on timeout */
	uint16_t t_maxseg;       /* MSS for sending (options excluded) */
	uint16_t t_peermss;      /* MSS the peer announced */
	uint16_t t_advmss;       /* MSS we announced */
	uint16_t t_user_mss;     /* TCP_MAXSEG, 0 = none */
	uint16_t t_linger;       /* seconds (SO_LINGER) */
	uint16_t chal_cnt;       /* ack war limit: ACKs in the window */
	uint32_t chal_start;     /* ms, start of the ack war window */
	uint32_t t_rcvtime;      /* ms, last segment received */
	uint64_t t_acktime_ns;   /* progress clock (now + 1), 0 = off */
	uint32_t t_maxunacktime; /* ms, TCP_USER_TIMEOUT; 0 = knob */
	uint32_t keepidle, keepintvl, keepcnt; /* per socket; 0 = knob */

	/* Send sequence variables (RFC 9293 section 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2, snd_wnd, max_sndwnd;
	uint32_t snd_cwnd, snd_ssthresh, snd_recover;
	/* Receive sequence variables. */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_fin_seq;
	/* RTT (RFC 6298), in microseconds. */
	uint32_t t_srtt, t_rttvar, t_rxtcur_ms;
	uint32_t t_rtseq; /* sequence number being timed */
	/* The first RTO's undo record (FreeBSD's *_prev, t_badrxtwin): the
	 * window before it, and when (tcp_ms) the retransmission left. */
	uint32_t snd_cwnd_prev, snd_ssthresh_prev, snd_recover_prev;
	struct tcp_cc_state cc_prev; /* CUBIC's W_max, K, epoch ... (CC_RTO_ERR) */
	uint32_t t_badrxtwin;
	uint32_t t_tlp_high;    /* SND.MAX after the outstanding loss probe */
	uint32_t t_ecn_recover; /* SND.MAX at the last ECE reduction (once per window) */
	uint64_t t_rtttime;     /* ns when it was sent; 0 = not timing */
	/* Timestamps (RFC 7323). */
	uint32_t ts_recent, ts_recent_age_ms, ts_offset;
	uint32_t last_ack_sent;

	struct sndbuf snd;
	struct pktq rcvq;            /* in-order payload waiting for the owner */
	uint32_t rcv_hiwat;          /* SO_RCVBUF */
	struct rte_mbuf *reass;      /* out-of-order payload, sorted */
	struct list_node reass_link; /* on the layer's list while reass is not empty */
	struct list_node memwait;    /* a writer waits for the pool (tcp_mem_wait) */
	uint16_t reass_n;
	uint32_t reass_bytes;
	uint32_t rcv_sack_start, rcv_sack_end;   /* most recent out-of-order arrival */
	uint32_t rcv_sack_hist[TCP_MAX_SACK];    /* a sequence number in each block last */
	uint8_t rcv_sack_nhist;                  /*   reported, in the order reported */
	uint32_t rcv_dsack_start, rcv_dsack_end; /* a duplicate to report once (RFC 2883) */
	struct tcp_sack *sack;                   /* sender scoreboard, NULL until needed */
	struct tcp_rack *rack;                   /* TCP_FB_RACK: segments sent, NULL until then */

	struct tcp_cc_state cc;

	/* Listener: half-open children (SYN queue), accept queue of
	 * established ones, and counts. */
	struct list_node incq;
	struct list_node acceptq;
	uint16_t q_limit, q_len, q_incomp;

	/* TCP_INFO accounting */
	uint32_t total_retrans;
	uint64_t bytes_acked, bytes_received;
};

/* Congestion control module (RFC 5681 framework). */
enum cc_signal { CC_DUPACK_RECOVERY, CC_RTO, CC_ECN };
struct tcp_cc_ops {
	const char *name;
	/* Connection established (or created): initial state. */
	void (*conn_init)(struct stack *s, struct tcpcb *tp);
	/* New data acknowledged outside recovery: grow cwnd. */
	void (*ack_received)(struct stack *s, struct tcpcb *tp, uint32_t acked);
	/* Loss detected: set ssthresh (and cwnd for RTO); CC_ECN: an ECE,
	 * ssthresh and cwnd both to the reduced window (RFC 3168 6.1.2). */
	void (*cong_signal)(struct stack *s, struct tcpcb *tp, enum cc_signal sig);
	/* Recovery ended (full ACK). */
	void (*post_recovery)(struct stack *s, struct tcpcb *tp);
};
extern const struct tcp_cc_ops *const tcp_cc_modules[];
#define TCP_CC_NMOD 2
static inline const struct tcp_cc_ops *tcp_cc(const struct tcpcb *tp)
{
	return tcp_cc_modules[tp->cc_id];
}

/* ---- tcp_subr.c ---- */
struct tcp_layer;
/* Reassembly memory of the whole stack (src/stack/mem.h). */
struct tcp_reass_acct {
	struct list_node conns; /* tcpcb.reass_link: the connections holding some */
	uint32_t segs;          /* segments they hold together */
};
/* The stack's; NULL once tcp_fini ran. */
struct tcp_reass_acct *tcp_reass_acct(struct stack *s);
struct tcpcb *tcp_pcb_alloc(struct stack *s, void *owner);
/* Frees every buffer and the block; unhashes, unlinks, cancels the timer. */
void tcp_pcb_free(struct stack *s, struct tcpcb *tp);
int tcp_hash_insert(struct stack *s, struct tcpcb *tp);
void tcp_hash_remove(struct stack *s, struct tcpcb *tp);
struct tcpcb *tcp_hash_lookup(struct stack *s, const struct tcp_key *k);
struct tcpcb *tcp_listener_lookup(struct stack *s, uint8_t family, const uint8_t *laddr,
                                  uint16_t lport);
void tcp_listener_add(struct stack *s, struct tcpcb *tp);
/* A listener goes away (close, or shutdown of a listening socket): the
 * connections in its accept queue are aborted with a RST (FreeBSD's
 * soclose: soabort -> tcp_drop); half-open ones are left to themselves, as
 * FreeBSD's syncache entries outlive their listener: the SYN-ACK is still
 * retransmitted until given up, and what the peer sends is answered as a
 * closed port would answer it (tcp_input.c). */
void tcp_listener_drop_children(struct stack *s, struct tcpcb *l);
void tcp_bound_add(struct stack *s, struct tcpcb *tp);
void tcp_bound_remove(struct stack *s, struct tcpcb *tp);
/* A listener or bound endpoint other than self conflicts with binding
 * (laddr, lport) (reuse: self has SO_REUSEADDR). */
bool tcp_port_in_use(struct stack *s, const struct tcpcb *self, uint8_t family,
                     const uint8_t *laddr, uint16_t lport, bool reuse);
/* A connection in the table (any state, TIME_WAIT included) holds lport on
 * an address overlapping laddr (the wildcard overlaps all). */
bool tcp_port_held(struct stack *s, uint8_t family, const uint8_t *laddr, uint16_t lport);
uint32_t tcp_new_isn(struct stack *s, const struct tcp_key *k);
uint32_t tcp_ts_offset(struct stack *s, const struct tcp_key *k);
uint32_t tcp_cookie_make(struct stack *s, const struct tcp_key *k, uint32_t irs, uint8_t mss_idx,
                         uint8_t ws_idx, bool sack);
bool tcp_cookie_check(struct stack *s, const struct tcp_key *k, uint32_t irs, uint32_t iss,
                      uint16_t *mss, uint8_t *ws, bool *sack);
/* TCP's millisecond clock (timestamps, rate limits). */
static inline uint32_t tcp_ms(const struct stack *s);
/* Timers. */
void tcp_timer_update(struct stack *s, struct tcpcb *tp);
void tcp_rexmt_arm(struct stack *s, struct tcpcb *tp);
void tcp_rexmt_stop(struct stack *s, struct tcpcb *tp);
/* After new data went out or an ACK moved SND.UNA with data still in
 * flight: the tail loss probe timeout when TLP applies, else the RTO. */
void tcp_pto_or_rexmt_arm(struct stack *s, struct tcpcb *tp);
void tcp_persist_arm(struct stack *s, struct tcpcb *tp);
void tcp_keep_arm(struct stack *s, struct tcpcb *tp);
void tcp_delack_arm(struct stack *s, struct tcpcb *tp);
void tcp_2msl_arm(struct stack *s, struct tcpcb *tp);
/* RTT sample (microseconds) per RFC 6298. */
void tcp_rtt_update(struct stack *s, struct tcpcb *tp, uint32_t rtt_us);
uint32_t tcp_rto_ms(struct stack *s, const struct tcpcb *tp);
/* Connection end: sets the error, notifies, and frees if detached.
 * Returns NULL when tp was freed. */
struct tcpcb *tcp_drop(struct stack *s, struct tcpcb *tp, int err);
struct tcpcb *tcp_close_conn(struct stack *s, struct tcpcb *tp);
void tcp_set_state(struct stack *s, struct tcpcb *tp, int state);
void tcp_notify(struct stack *s, struct tcpcb *tp, unsigned ev);
/* Sends a bare segment (RST or ACK) answering a received one, without a
 * connection: addresses from the key (ours = local). */
void tcp_respond(struct stack *s, const struct tcp_key *k, uint32_t seq, uint32_t ack,
                 uint8_t flags, uint16_t win);
/* Route facts taken when a connection to k starts (as FreeBSD's
 * tcp_mss): t_advmss from the route's MTU (capped by t_user_mss, TCP_MAXSEG)
 * and TF_TXCSUM when the outgoing port offers PORT_OFF_TX_TCP_CKSUM.  (If
 * the route later moves to a port without it, ip4_output completes the
 * checksum in software.) */
void tcp_route_init(struct stack *s, struct tcpcb *tp, const struct tcp_key *k);
uint8_t tcp_pick_rscale(struct stack *s, uint32_t rcv_hiwat);
void tcp_buf_round(struct stack *s, struct tcpcb *tp, unsigned mss);
/* The accept queue of listener l takes no more connections: FreeBSD's
 * sonewconn refuses once it holds more than 3/2 of the backlog (backlog 1:
 * two connections wait; 4: seven). */
static inline bool tcp_acceptq_full(const struct tcpcb *l)
{
	return l->q_len > 3u * l->q_limit / 2u;
}
/* The stack's TCP state. */
struct tcp_layer *tcp_st(struct stack *s);
bool tcp_syn_limit_take(struct stack *s, struct tcpcb *tp);
void tcp_syn_limit_release(struct stack *s, struct tcpcb *tp);
uint8_t tcp_cookie_mss_idx(uint16_t mss);
/* Closed-port RSTs left in this second (counts tcps_rstlimited). */
bool tcp_rst_allowed(struct stack *s);
/* The per-connection ack war limit (FreeBSD's net.inet.tcp.ack_war_cnt per
 * ack_war_timewindow): may one more ACK that a peer can provoke at will
 * (challenge ACK, answer to an out-of-window segment) go out?  The caller
 * counts what is not sent. */
bool tcp_ack_war_allowed(struct stack *s, struct tcpcb *tp);
/* SND.UNA moved: the progress clock (net.inet.tcp.maxunacktime) restarts,
 * or stops when nothing is left to send or acknowledge. */
void tcp_progress_note(struct stack *s, struct tcpcb *tp);

/* --- tcp_output.c --- */
int tcp_output(struct stack *s, struct tcpcb *tp);
/* Sends one segment: seq, len bytes of data from the send buffer at
 * (seq - snd_una), flags; options as the state asks. */
int tcp_send_seg(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags);
/* The same, returning the data bytes actually sent (SACK options may cut
 * the segment; a cut segment loses its FIN) and the flags sent. */
int tcp_send_seg_f(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len, uint8_t flags,
                   uint8_t *flags_out);
/* Appends len bytes to the send buffer; returns bytes taken. */
uint32_t tcp_sndbuf_append(struct stack *s, struct sndbuf *sb, const void *data, uint32_t len);
/* Links chain m (single segments by m->next, n bytes in all, data from
 * data_off 0) at the end of the buffer: its buffers become the buffer's. */
void tcp_sndbuf_adopt(struct sndbuf *sb, struct rte_mbuf *m, uint32_t n);
void tcp_send_ack(struct stack *s, struct tcpcb *tp);
/* Sends the tail loss probe (the PTO fired) and arms the RTO. */
void tcp_tlp_send(struct stack *s, struct tcpcb *tp);
void tcp_send_rst(struct stack *s, struct tcpcb *tp);
/* Receive buffer space for the window (smaller under memory pressure). */
uint32_t tcp_rcv_space(const struct stack *s, const struct tcpcb *tp);
void tcp_sndbuf_drop(struct sndbuf *sb, uint32_t n);
void tcp_sndbuf_free(struct sndbuf *sb);

/* ---- tcp_sack.c ---- */
/* Records o's SACK blocks; true if they told something new (a block or
 * part of one not SACKed before: RFC 6675's DupAck test). */
bool tcp_sack_update(struct stack *s, struct tcpcb *tp, const struct tcp_opts *o);
void tcp_sack_clear(struct tcpcb *tp);
/* A hole was retransmitted (at SND.MAX now): for lost-retransmission
 * detection. */
void tcp_sack_rexmitted(struct tcpcb *tp, uint32_t end);
/* Next hole to retransmit in recovery: 0 and *seq, *len set, or -1. */
int tcp_sack_nextseg(struct tcpcb *tp, uint32_t *seq, uint32_t *len);
uint32_t tcp_sack_pipe(const struct tcpcb *tp);
/* Receiver: the SACK blocks to send (most recent first). */
unsigned tcp_sack_blocks(struct tcpcb *tp, struct tcp_sack_block *b, unsigned max);

/* ---- tcp_rack.c (t_fb == TCP_FB_RACK with SACK; every call is a no-op
 * while tp->rack is NULL) ---- */
struct tcp_rack;
/* [seq, seq + len) of data left (first transmission or again). */
void tcp_rack_sent(struct stack *s, struct tcpcb *tp, uint32_t seq, uint32_t len);
/* An acceptable ACK was processed (SND.UNA moved or not): deliveries,
 * reordering, D-SACK, loss detection, recovery entry; true when the loss
 * detection found segments lost (tcp_output then retransmits them). */
bool tcp_rack_ack(struct stack *s, struct tcpcb *tp, const struct tcp_opts *o);
/* Retransmission timeout: true if RACK takes it (every segment not SACKed
 * is lost and goes again as cwnd allows; SND.NXT stays), false for the
 * go-back-N of FreeBSD's stack. */
bool tcp_rack_rto(struct stack *s, struct tcpcb *tp);
/* The timeout was spurious (rto_undo): nothing is lost after all. */
void tcp_rack_rto_undo(struct tcpcb *tp);
/* tcp_output's first step: the lowest segment found lost goes again if
 * the pipe (RFC 6675: data in flight, neither SACKed nor lost) leaves an
 * MSS in cwnd (1, or -errno); else 0 and *room = cwnd - pipe. */
int tcp_rack_output(struct stack *s, struct tcpcb *tp, uint32_t *room);
/* The reordering timer's deadline (ns), 0 = none. */
uint64_t tcp_rack_timer_at(const struct tcpcb *tp);
/* The reordering timer fired. */
void tcp_rack_timeout(struct stack *s, struct tcpcb *tp);
void tcp_rack_free(struct tcpcb *tp);

/* ---- tcp_usrreq.c ---- */
/* Gives tp the user's options from `from` (a listener's child, a renewed
 * endpoint): TCP_NODELAY, SO_KEEPALIVE, SO_LINGER, buffer sizes,
 * congestion control, keepalive times, TCP_MAXSEG. */
void tcp_pcb_copy_opts(struct tcpcb *tp, const struct tcpcb *from);

/* ---- tcp_socket.c (the SOCK_STREAM proto_ops) ---- */
void tcp_so_notify(struct stack *s, void *owner, unsigned ev);
/* The socket owner loses its pcb (stack teardown frees it first). */
void tcp_so_orphan(void *owner);
const void *tcp_so_ops(void);

/* ---- tcp_input.c ---- */
/* Frees the reassembly queue (uncharging the stack's count). */
void tcp_reass_free(struct stack *s, struct tcpcb *tp);

#include "stack/stack.h"
static inline uint32_t tcp_ms(const struct stack *s)
{
	return (uint32_t)(s->now / 1000000ull);
}

#endif
