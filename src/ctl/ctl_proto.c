/* ctl_proto.c: request parsing for the control channel (ctl_proto.h).
 *
 * Order: the body is checked for size and characters, split into words,
 * the verb looked up in verbs[], the argument count checked, then each
 * argument parsed by the verb's own rule.  Nothing is allocated.
 */
#include "ctl/ctl_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "stack/knobs.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int ctl_parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

int ctl_parse_prefix(const char *s, uint32_t *addr, uint8_t *depth)
{
	char buf[20];
	const char *slash = strchr(s, '/');
	unsigned d = 0;
	size_t n;

	if (!slash || (n = (size_t)(slash - s)) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ctl_parse_ip4(buf, addr) < 0)
		return -EINVAL;
	slash++;
	if (!*slash || strlen(slash) > 2 || (slash[0] == '0' && slash[1]))
		return -EINVAL;
	for (; *slash; slash++) {
		if (*slash < '0' || *slash > '9')
			return -EINVAL;
		d = d * 10 + (unsigned)(*slash - '0');
	}
	if (d > 32)
		return -EINVAL;
	*depth = (uint8_t)d;
	return 0;
}

/* "portN" or "portN.VLAN", N and VLAN decimal without leading zeros. */
static int parse_ifname(const char *s, struct ctl_req *req)
{
	const char *p = s + 4;
	unsigned digits = 0, dots = 0;

	if (strncmp(s, "port", 4) != 0 || strlen(s) >= sizeof(req->ifname))
		return -EINVAL;
	for (; *p; p++) {
		if (*p == '.') {
			if (!digits || dots++)
				return -EINVAL;
			digits = 0;
		} else if (*p >= '0' && *p <= '9') {
			if (digits == 0 && *p == '0' && p[1] >= '0' && p[1] <= '9')
				return -EINVAL;
			digits++;
		} else {
			return -EINVAL;
		}
	}
	if (!digits)
		return -EINVAL;
	snprintf(req->ifname, sizeof(req->ifname), "%s", s);
	return 0;
}

static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 10)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* A request's words after the verb (w[0]) are checked by its rule. */
static int parse_args(char **w, unsigned n, struct ctl_req *req, char *err, size_t errlen)
{
	char range[64];
	int rc;

	switch (req->verb) {
	case CTL_IF_MTU:
		if (parse_ifname(w[1], req) < 0)
			return fail(err, errlen, "bad interface name '%s' (portN or portN.VLAN)",
			            w[1]);
		if (parse_uint(w[3], 65535, &req->mtu) < 0 || req->mtu < 68)
			return fail(err, errlen, "bad MTU '%s' (68..65535)", w[3]);
		return 0;
	case CTL_IF_ADDR:
		if (parse_ifname(w[1], req) < 0)
			return fail(err, errlen, "bad interface name '%s' (portN or portN.VLAN)",
			            w[1]);
		if (ctl_parse_prefix(w[3], &req->addr, &req->depth) < 0 || req->depth == 0 ||
		    req->depth > 31)
			return fail(err, errlen, "bad address '%s' (A.B.C.D/N, N 1..31)", w[3]);
		return 0;
	case CTL_ROUTE_ADD:
		if (ctl_parse_prefix(w[2], &req->addr, &req->depth) < 0)
			return fail(err, errlen, "bad destination '%s' (A.B.C.D/N)", w[2]);
		if (req->depth < 32 && (ntohl(req->addr) & (0xffffffffu >> req->depth)))
			return fail(err, errlen, "destination '%s' has host bits set", w[2]);
		if (ctl_parse_ip4(w[3], &req->gateway) < 0 || req->gateway == 0)
			return fail(err, errlen, "bad gateway '%s'", w[3]);
		return 0;
	case CTL_ROUTE_DEL:
		if (ctl_parse_prefix(w[2], &req->addr, &req->depth) < 0)
			return fail(err, errlen, "bad destination '%s' (A.B.C.D/N)", w[2]);
		return 0;
	case CTL_CAP_START:
		if (parse_uint(w[2], 65535, &req->snaplen) < 0 || req->snaplen == 0)
			return fail(err, errlen, "bad snaplen '%s' (1..65535)", w[2]);
		return 0;
	case CTL_ROUTE_GET:
	case CTL_ARP_DEL:
		if (ctl_parse_ip4(w[2], &req->addr) < 0)
			return fail(err, errlen, "bad address '%s'", w[2]);
		return 0;
	case CTL_SYSCTL:
		req->knob = -1;
		if (n == 1)
			return 0;
		/* fall through */
	case CTL_SYSCTL_SET:
		rc = knob_find(w[1]);
		if (rc < 0)
			return fail(err, errlen, "unknown knob '%s'", w[1]);
		req->knob = rc;
		if (req->verb == CTL_SYSCTL)
			return 0;
		rc = knob_parse((enum knob_id)req->knob, w[2], &req->value);
		if (rc < 0)
			return fail(err, errlen, "%s: %s '%s' (accepts %s)", w[1],
			            rc == -ERANGE ? "out of range:" : "bad value", w[2],
			            knob_range_str((enum knob_id)req->knob, range, sizeof(range)));
		return 0;
	default:
		return 0;
	}
}

/* verb words, argument counts (words after the first) and the verb. */
static const struct {
	const char *w0, *w1, *w2; /* NULL: any word there */
	unsigned nmin, nmax;      /* words in all */
	enum ctl_verb verb;
} verbs[] = {
	{ "info", NULL, NULL, 1, 1, CTL_INFO },
	{ "ifconfig", NULL, NULL, 1, 1, CTL_IFCONFIG },
	{ "ifconfig", NULL, "mtu", 4, 4, CTL_IF_MTU },
	{ "ifconfig", NULL, "addr", 4, 4, CTL_IF_ADDR },
	{ "route", NULL, NULL, 1, 1, CTL_ROUTE },
	{ "route", "add", NULL, 4, 4, CTL_ROUTE_ADD },
	{ "route", "del", NULL, 3, 3, CTL_ROUTE_DEL },
	{ "route", "get", NULL, 3, 3, CTL_ROUTE_GET },
	{ "arp", NULL, NULL, 1, 1, CTL_ARP },
	{ "arp", "del", NULL, 3, 3, CTL_ARP_DEL },
	{ "sockets", NULL, NULL, 1, 1, CTL_SOCKETS },
	{ "stat", NULL, NULL, 1, 1, CTL_STAT },
	{ "sysctl", NULL, NULL, 1, 2, CTL_SYSCTL },
	{ "sysctl", NULL, NULL, 3, 3, CTL_SYSCTL_SET },
	{ "capture", "start", NULL, 3, 3, CTL_CAP_START },
	{ "capture", "read", NULL, 2, 2, CTL_CAP_READ },
	{ "capture", "stop", NULL, 2, 2, CTL_CAP_STOP },
};

int ctl_req_parse(const char *body, size_t len, struct ctl_req *req, char *err, size_t errlen)
{
	char buf[CTL_REQ_MAX + 1];
	char *w[CTL_REQ_WORDS];
	unsigned n = 0;
	bool known = false;

	memset(req, 0, sizeof(*req));
	if (len == 0 || len > CTL_REQ_MAX)
		return fail(err, errlen, "request of %zu bytes (1..%u)", len, CTL_REQ_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)body[i] < 0x20 || (unsigned char)body[i] > 0x7e)
			return fail(err, errlen,
			            "request holds a byte 0x%02x that is not printable",
			            (unsigned char)body[i]);
	memcpy(buf, body, len);
	buf[len] = '\0';
	for (char *p = buf; *p;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == CTL_REQ_WORDS)
			return fail(err, errlen, "more than %u words", CTL_REQ_WORDS);
		w[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	if (n == 0)
		return fail(err, errlen, "empty request");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].w0, w[0]) != 0)
			continue;
		known = true;
		if (n < verbs[i].nmin || n > verbs[i].nmax)
			continue;
		if (verbs[i].w1 && strcmp(verbs[i].w1, w[1]) != 0)
			continue;
		if (verbs[i].w2 && strcmp(verbs[i].w2, w[2]) != 0)
			continue;
		req->verb = verbs[i].verb;
		return parse_args(w, n, req, err, errlen);
	}
	if (!known)
		return fail(err, errlen, "unknown request '%.32s'", w[0]);
	return fail(err, errlen, "bad arguments to '%.32s'", w[0]);
}
