/* ctl_proto.h: the control channel's wire protocol, shared by the server
 * (ctl.c, in every process that runs a stack) and the `fastack` command
 * (tools/fastack.c).  Pure functions: no I/O, no state.
 *
 * Over a Unix stream socket, the client sends one framed request at a time
 * and reads one framed answer:
 *
 *     frame    = length body          length: 4 bytes, big-endian, of body
 *     request  = word *(" " word)     printable ASCII, at most CTL_REQ_MAX
 *                                     bytes and CTL_REQ_WORDS words
 *     answer   = status "\n" *record  at most CTL_ANS_MAX bytes
 *     status   = "ok" | "error " message
 *     record   = type *("\t" key "=" value) "\n"
 *
 * Records are one per line, values never hold a tab or a newline; the client
 * prints them as tables or as JSON (one array per record type).  Every stack
 * of the process answers its part, its records carrying stack=N, and the
 * server concatenates the parts in stack order (ctl.c).
 *
 * ctl_req_parse() checks a request completely (the verb, the number of
 * arguments, addresses, prefix lengths, knob names and values in range)
 * before any stack sees it, so a stack only ever runs a valid request; the
 * fuzz target fuzz/fuzz_ctl.c exercises it.
 */
#ifndef FASTACK_CTL_CTL_PROTO_H
#define FASTACK_CTL_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_REQ_MAX 1024        /* bytes of a request body */
#define CTL_REQ_WORDS 16        /* words of a request */
#define CTL_ANS_MAX (64u << 20) /* bytes of an answer body */
#define CTL_ERR_LEN 160         /* an error message */
#define CTL_HDR 4               /* the length prefix */

enum ctl_verb {
	CTL_INFO,       /* info: the process (pid, stacks, prefix) */
	CTL_IFCONFIG,   /* ifconfig: interfaces and their counters */
	CTL_IF_MTU,     /* ifconfig IF mtu N */
	CTL_IF_ADDR,    /* ifconfig IF addr A/N */
	CTL_ROUTE,      /* route: the table */
	CTL_ROUTE_ADD,  /* route add DST/N GW */
	CTL_ROUTE_DEL,  /* route del DST/N */
	CTL_ROUTE_GET,  /* route get A */
	CTL_ARP,        /* arp: the neighbour cache */
	CTL_ARP_DEL,    /* arp del A */
	CTL_SOCKETS,    /* sockets: TCP and UDP endpoints, TCP internals */
	CTL_STAT,       /* stat: every counter */
	CTL_SYSCTL,     /* sysctl [NAME]: knobs */
	CTL_SYSCTL_SET, /* sysctl NAME VALUE */
	CTL_CAP_START,  /* capture start SNAPLEN: every port, both ways */
	CTL_CAP_READ,   /* capture read: the frames since the last read */
	CTL_CAP_STOP,   /* capture stop */
	CTL_VERB_COUNT
};

/* A parsed request: the verb and its arguments, checked. */
struct ctl_req {
	enum ctl_verb verb;
	char ifname[32];  /* CTL_IF_*: "portN" or "portN.VLAN" */
	uint32_t addr;    /* network order: CTL_IF_ADDR, CTL_ROUTE_*, CTL_ARP_DEL */
	uint8_t depth;    /* prefix length: CTL_IF_ADDR, CTL_ROUTE_ADD/DEL */
	uint32_t gateway; /* network order: CTL_ROUTE_ADD */
	uint32_t mtu;     /* CTL_IF_MTU */
	int knob;         /* CTL_SYSCTL (-1: all), CTL_SYSCTL_SET */
	int64_t value;    /* CTL_SYSCTL_SET */
	uint32_t snaplen; /* CTL_CAP_START: bytes kept of each frame, 1..65535 */
};

/* Parses and checks a request body of len bytes.  0, or -EINVAL with a
 * one-line reason in err. */
int ctl_req_parse(const char *body, size_t len, struct ctl_req *req, char *err, size_t errlen);

/* The 4-byte length prefix. */
static inline void ctl_hdr_put(uint8_t *p, uint32_t len)
{
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
}

static inline uint32_t ctl_hdr_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parses "a.b.c.d" (network order out) and "a.b.c.d/N"; 0 or -EINVAL. */
int ctl_parse_ip4(const char *s, uint32_t *out);
int ctl_parse_prefix(const char *s, uint32_t *addr, uint8_t *depth);

#endif
