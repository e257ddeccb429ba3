/* fastack: the operator's command.  Finds the running fastack processes by
 * their control sockets (src/ctl/ctl.h), sends requests in the framing of
 * src/ctl/ctl_proto.h and prints the records that come back as the
 * familiar tools print them, or as JSON (--json).
 *
 * Order: options -> the processes (socket files in the control directory,
 * -p choosing by DPDK file prefix) -> the subcommand, which sends one or
 * more requests to each process and prints.  Every failure is one line on
 * stderr and a non-zero exit: 2 for a usage error, 1 for anything else.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"

#define DEFAULT_DIR "/run/fastack"
#define MAX_PROCS 64
#define MAX_FIELDS 48

static const char usage_text[] =
    "Usage: fastack [-p PREFIX] [-d DIR] [--json] COMMAND [ARGS...]\n"
    "\n"
    "Looks inside running fastack stacks through their control sockets\n"
    "(DIR/<file-prefix>.<proc-id>.sock, DIR " DEFAULT_DIR " unless -d or\n"
    "FASTACK_CTL_DIR).  Without -p every running process is asked; set\n"
    "commands then need exactly one.  Each process answers for all its\n"
    "stacks (threads mode: one per lcore); records carry their stack number.\n"
    "\n"
    "Options:\n"
    "  -p, --prefix PREFIX  the process(es) started with --file-prefix=PREFIX\n"
    "                       (PREFIX.N: proc-id N only)\n"
    "  -d, --dir DIR        where the control sockets are\n"
    "  -j, --json           JSON: one object per process, an array per record\n"
    "                       type (see RECORDS); counters also summed in \"totals\"\n"
    "  -h, --help           this text\n"
    "\n"
    "Commands:\n"
    "  ps                   the processes: socket, pid, stacks\n"
    "  ifconfig             interfaces: MAC, MTU, IPv4 address, offloads, and the\n"
    "                       stacks' frame counters (RX/TX packets, bytes, drops)\n"
    "  ifconfig IF mtu N    set the IP MTU of IF (portN or portN.VLAN), 68..link MTU\n"
    "  ifconfig IF addr A/N replace IF's IPv4 address and its connected route\n"
    "  route                the IPv4 routing table\n"
    "  route add DST/N GW   add (or replace) a route via GW, which must be on a\n"
    "                       connected network (ff_route_ctl semantics)\n"
    "  route del DST/N      delete a route\n"
    "  route get A          the route, next hop and interface for A\n"
    "  arp [-a]             the neighbour cache of every stack, with states\n"
    "  arp -d A             delete A's entry in every stack\n"
    "  netstat -an          TCP and UDP endpoints and connection states\n"
    "  netstat -s [-s]      protocol statistics by protocol (-ss: non-zero only)\n"
    "  netstat -i           interfaces with packet counters\n"
    "  ss [-t] [-u] [-a|-l] [-i]\n"
    "                       sockets as Linux ss: -t TCP, -u UDP, -a all, -l\n"
    "                       listening only, -i TCP internals (RTT/RTTVAR, RTO,\n"
    "                       cwnd, ssthresh, retransmissions, SACK/ECN/wscale/ts, CC)\n"
    "  sysctl -a | NAME...  knobs and values (-d: with description, range, default)\n"
    "  sysctl NAME=VALUE    set a knob in every stack, live; out-of-range values\n"
    "                       and knobs that size tables at start are refused\n"
    "  stat [-z]            every counter, summed over stacks, with its\n"
    "                       description (-z: non-zero only)\n"
    "  top [-b] [-n N] [-d S]\n"
    "                       per stack each S seconds (1): packets and bytes in and\n"
    "                       out, connections opened and closed, drops by reason,\n"
    "                       busy-loop share; -b plain text for scripts (the default\n"
    "                       when stdout is not a terminal), -n N refreshes then exit\n"
    "  capture [-i PORT] -w FILE|- [-c N] [-s SNAPLEN] [FILTER]\n"
    "                       live capture from a running stack: every frame it\n"
    "                       receives and sends (all its stacks), in pcapng to FILE\n"
    "                       or stdout (fastack capture -w - | tcpdump -r -), kept if\n"
    "                       it matches FILTER (a tcpdump expression, libpcap); until\n"
    "                       N packets, ^C, or the reader goes away.  A capture costs\n"
    "                       the stack a copy of each frame; none, one branch a burst\n"
    "  metrics [--listen ADDR:PORT] [--once]\n"
    "                       Prometheus text exposition of every counter and gauge of\n"
    "                       every process found, labelled process= and stack=, served\n"
    "                       at http://ADDR:PORT/metrics (default 127.0.0.1:9477, the\n"
    "                       loopback); each scrape asks the stacks afresh; --once\n"
    "                       prints it once to stdout\n"
    "\n"
    "RECORDS (--json arrays): if, ifstat, route, arp, tcp, udp, counter, gauge,\n"
    "knob, stack, proc; each field of the text output is a key.\n"
    "\n"
    "Exit status: 0 done, 1 a process refused or could not be reached (the reason\n"
    "on stderr: stale socket, permission, unknown knob, out of range, ...), 2 bad\n"
    "usage.\n";

static bool json;
static const char *json_expect; /* record types always present, "a,b" */
static const char *opt_dir, *opt_prefix;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fastack: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

/* ---- records ---- */

struct rec {
	char *type;
	unsigned n;
	char *k[MAX_FIELDS], *v[MAX_FIELDS];
};

struct answer {
	char *body;
	struct rec *r;
	unsigned n;
};

static const char *get(const struct rec *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->k[i], key) == 0)
			return r->v[i];
	return "";
}

static uint64_t getu(const struct rec *r, const char *key)
{
	return strtoull(get(r, key), NULL, 10);
}

/* Splits body (after the status line) into records, in place. */
static void parse_records(struct answer *a, char *p)
{
	size_t cap = 0;

	while (*p) {
		char *nl = strchr(p, '\n');
		struct rec r = { 0 };
		char *save = NULL, *tok;

		if (nl)
			*nl = '\0';
		for (tok = strtok_r(p, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
			char *eq = strchr(tok, '=');

			if (!r.type) {
				r.type = tok;
				continue;
			}
			if (!eq || r.n == MAX_FIELDS)
				continue;
			*eq = '\0';
			r.k[r.n] = tok;
			r.v[r.n++] = eq + 1;
		}
		if (r.type) {
			if (a->n == cap) {
				cap = cap ? cap * 2 : 64;
				a->r = realloc(a->r, cap * sizeof(*a->r));
				if (!a->r)
					die(1, "out of memory");
			}
			a->r[a->n++] = r;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* ---- processes ---- */

struct proc {
	char name[256];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static struct proc procs[MAX_PROCS];
static unsigned nprocs;

static int proc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct proc *)a)->name, ((const struct proc *)b)->name);
}

/* Connects to p; on failure a one-line reason in err. */
static int proc_connect(const struct proc *p, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == ECONNREFUSED)
			snprintf(err, len, "%s: stale control socket %s (its process is gone)",
			         p->name, p->path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, len,
			         "%s: permission denied on %s (run as its owner or "
			         "in [dpdk] ctl_group)",
			         p->name, p->path);
		else
			snprintf(err, len, "%s: %s: %s", p->name, p->path, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

static void find_procs(void)
{
	const char *dir = opt_dir ? opt_dir : getenv("FASTACK_CTL_DIR");
	char err[512] = "", first_err[512] = "";
	struct dirent *de;
	unsigned stale = 0;
	DIR *d;

	if (!dir || !*dir)
		dir = DEFAULT_DIR;
	d = opendir(dir);
	if (!d)
		die(1, "no running fastack process (%s: %s)", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		struct proc p;
		int fd;

		if (l < 6 || strcmp(de->d_name + l - 5, ".sock") != 0)
			continue;
		snprintf(p.name, sizeof(p.name), "%.*s", (int)(l - 5), de->d_name);
		if (opt_prefix) {
			size_t pl = strlen(opt_prefix);
			/* PREFIX matches PREFIX.N; PREFIX.N matches itself */
			if (strcmp(p.name, opt_prefix) != 0 &&
			    !(strncmp(p.name, opt_prefix, pl) == 0 && p.name[pl] == '.' &&
			      strchr(p.name + pl + 1, '.') == NULL))
				continue;
		}
		if ((size_t)snprintf(p.path, sizeof(p.path), "%s/%s", dir, de->d_name) >=
		    sizeof(p.path))
			continue;
		fd = proc_connect(&p, err, sizeof(err));
		if (fd < 0) {
			stale++;
			if (!first_err[0])
				snprintf(first_err, sizeof(first_err), "%s", err);
			continue;
		}
		close(fd);
		if (nprocs < MAX_PROCS)
			procs[nprocs++] = p;
	}
	closedir(d);
	if (nprocs == 0) {
		if (first_err[0] && (opt_prefix || stale == 1))
			die(1, "%s", first_err);
		if (opt_prefix)
			die(1, "no running fastack process with prefix '%s' in %s", opt_prefix,
			    dir);
		die(1, "no running fastack process in %s%s", dir,
		    stale ? " (only stale sockets)" : "");
	}
	qsort(procs, nprocs, sizeof(procs[0]), proc_cmp);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

/* One request to p.  0 with the records in a; -1 with the reason in err
 * (a refusal from the stack, or the channel's failure). */
static int request(const struct proc *p, const char *req, struct answer *a, char *err,
                   size_t errlen)
{
	uint8_t hdr[CTL_HDR];
	size_t rl = strlen(req);
	uint8_t out[CTL_HDR + CTL_REQ_MAX];
	uint32_t blen;
	char *nl;
	int fd, rc;

	memset(a, 0, sizeof(*a));
	if (rl == 0 || rl > CTL_REQ_MAX) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	fd = proc_connect(p, err, errlen);
	if (fd < 0)
		return -1;
	ctl_hdr_put(out, (uint32_t)rl);
	memcpy(out + CTL_HDR, req, rl);
	if (write(fd, out, CTL_HDR + rl) != (ssize_t)(CTL_HDR + rl) ||
	    (rc = read_full(fd, hdr, CTL_HDR)) < 0) {
		snprintf(err, errlen, "%s: the channel failed: %s", p->name, strerror(errno));
		close(fd);
		return -1;
	}
	blen = ctl_hdr_get(hdr);
	if (blen > CTL_ANS_MAX + 4096 || !(a->body = malloc(blen + 1))) {
		snprintf(err, errlen, "%s: answer of %u bytes", p->name, blen);
		close(fd);
		return -1;
	}
	rc = read_full(fd, a->body, blen);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: the channel failed: %s", p->name, strerror(-rc));
		return -1;
	}
	a->body[blen] = '\0';
	nl = strchr(a->body, '\n');
	if (!nl) {
		snprintf(err, errlen, "%s: malformed answer", p->name);
		return -1;
	}
	*nl = '\0';
	if (strncmp(a->body, "error ", 6) == 0) {
		snprintf(err, errlen, "%s", a->body + 6);
		return -1;
	}
	parse_records(a, nl + 1);
	return 0;
}

static void answer_free(struct answer *a)
{
	free(a->body);
	free(a->r);
	memset(a, 0, sizeof(*a));
}

/* A request that must succeed. */
static void request_or_die(const struct proc *p, const char *req, struct answer *a)
{
	char err[512];

	if (request(p, req, a, err, sizeof(err)) < 0)
		die(1, "%s", err);
}

/* ---- JSON ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static bool is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void json_val(const char *v)
{
	if (is_int(v))
		fputs(v, stdout);
	else
		json_str(v);
}

/* One object for p: {"process":..,"socket":..,"TYPE":[{..}],...,"totals":{..}}. */
static void json_answer(const struct proc *p, const struct answer *a)
{
	const char *types[32];
	unsigned nt = 0;
	bool totals = false;

	printf("{\"process\":");
	json_str(p->name);
	printf(",\"socket\":");
	json_str(p->path);
	/* the command's record types first, as empty arrays if none came */
	static char expect[128];
	snprintf(expect, sizeof(expect), "%s", json_expect ? json_expect : "");
	for (char *save = NULL, *e = strtok_r(expect, ",", &save); e && nt < 32;
	     e = strtok_r(NULL, ",", &save))
		types[nt++] = e;
	for (unsigned i = 0; i < a->n; i++) {
		unsigned t;

		for (t = 0; t < nt; t++)
			if (strcmp(types[t], a->r[i].type) == 0)
				break;
		if (t == nt && nt < 32)
			types[nt++] = a->r[i].type;
		if (strcmp(a->r[i].type, "counter") == 0 || strcmp(a->r[i].type, "gauge") == 0)
			totals = true;
	}
	for (unsigned t = 0; t < nt; t++) {
		bool first = true;

		printf(",");
		json_str(types[t]);
		printf(":[");
		for (unsigned i = 0; i < a->n; i++) {
			const struct rec *r = &a->r[i];

			if (strcmp(r->type, types[t]) != 0)
				continue;
			printf("%s{", first ? "" : ",");
			first = false;
			for (unsigned f = 0; f < r->n; f++) {
				printf("%s", f ? "," : "");
				json_str(r->k[f]);
				putchar(':');
				json_val(r->v[f]);
			}
			printf("}");
		}
		printf("]");
	}
	if (totals) {
		/* counters and gauges summed over stacks, by name, in first-seen order */
		bool first = true;

		printf(",\"totals\":{");
		for (unsigned i = 0; i < a->n; i++) {
			const struct rec *r = &a->r[i];
			uint64_t sum = 0;
			bool seen = false;

			if (strcmp(r->type, "counter") != 0 && strcmp(r->type, "gauge") != 0)
				continue;
			for (unsigned j = 0; j < i && !seen; j++)
				seen = strcmp(a->r[j].type, r->type) == 0 &&
				       strcmp(get(&a->r[j], "name"), get(r, "name")) == 0;
			if (seen)
				continue;
			for (unsigned j = i; j < a->n; j++)
				if (strcmp(a->r[j].type, r->type) == 0 &&
				    strcmp(get(&a->r[j], "name"), get(r, "name")) == 0)
					sum += getu(&a->r[j], "value");
			printf("%s", first ? "" : ",");
			first = false;
			json_str(get(r, "name"));
			printf(":%" PRIu64, sum);
		}
		printf("}");
	}
	printf("}\n");
}

/* ---- output helpers ---- */

static bool is_type(const struct rec *r, const char *t)
{
	return strcmp(r->type, t) == 0;
}

/* Sum of a field over every record of a type. */
static uint64_t sum_field(const struct answer *a, const char *type, const char *key)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], type))
			s += getu(&a->r[i], key);
	return s;
}

static uint64_t count_type(const struct answer *a, const char *type)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < a->n; i++)
		n += is_type(&a->r[i], type);
	return n;
}

/* Records (counter or gauge) named name. */
static unsigned count_named(const struct answer *a, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->n; i++)
		n += (is_type(&a->r[i], "counter") || is_type(&a->r[i], "gauge")) &&
		     strcmp(get(&a->r[i], "name"), name) == 0;
	return n;
}

/* Sum of counter name over the stacks (sum_counter) and its description. */
static uint64_t sum_counter(const struct answer *a, const char *name, const char **desc)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < a->n; i++)
		if ((is_type(&a->r[i], "counter") || is_type(&a->r[i], "gauge")) &&
		    strcmp(get(&a->r[i], "name"), name) == 0) {
			s += getu(&a->r[i], "value");
			if (desc)
				*desc = get(&a->r[i], "desc");
		}
	return s;
}

static bool first_stack(const struct rec *r)
{
	return strcmp(get(r, "stack"), "0") == 0;
}

static void header(const struct proc *p)
{
	if (nprocs > 1 && !json)
		printf("== %s ==\n", p->name);
}

/* ---- subcommands ---- */

struct cmd_ctx {
	int argc;
	char **argv;
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fastack: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (fastack --help)\n");
	exit(2);
}

/* Flags of a command: letters in allowed, each may be repeated; returns
 * counts; non-flag words go to words[]. */
static unsigned parse_flags(const struct cmd_ctx *c, const char *cmd, const char *allowed,
                            unsigned counts[128], char **words, unsigned maxw)
{
	unsigned nw = 0;

	memset(counts, 0, 128 * sizeof(unsigned));
	for (int i = 0; i < c->argc; i++) {
		const char *w = c->argv[i];

		if (w[0] == '-' && w[1] && !(w[1] >= '0' && w[1] <= '9')) {
			for (const char *f = w + 1; *f; f++) {
				if (!strchr(allowed, *f) || (unsigned char)*f >= 128)
					usage_error("%s: unknown option '-%c'", cmd, *f);
				counts[(unsigned char)*f]++;
			}
			continue;
		}
		if (nw == maxw)
			usage_error("%s: unexpected argument '%s'", cmd, w);
		words[nw++] = c->argv[i];
	}
	return nw;
}

/* The record types a request's answer is made of (ctl_stack.c). */
static const char *types_of(const char *req)
{
	static const struct {
		const char *verb, *types;
	} t[] = {
		{ "info", "proc,stack" }, { "ifconfig", "if,ifstat" }, { "route", "route" },
		{ "arp", "arp" },         { "sockets", "tcp,udp" },    { "stat", "counter,gauge" },
		{ "sysctl", "knob" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strncmp(req, t[i].verb, strlen(t[i].verb)) == 0)
			return t[i].types;
	return NULL;
}

static void for_each_proc(const char *req,
                          void (*show)(const struct proc *, struct answer *, const void *),
                          const void *arg)
{
	json_expect = types_of(req);
	for (unsigned i = 0; i < nprocs; i++) {
		struct answer a;

		request_or_die(&procs[i], req, &a);
		if (json) {
			json_answer(&procs[i], &a);
		} else {
			header(&procs[i]);
			show(&procs[i], &a, arg);
		}
		answer_free(&a);
	}
}

static const struct proc *the_proc(const char *what)
{
	if (nprocs > 1)
		die(1, "%s: %u processes are running: choose one with -p", what, nprocs);
	return &procs[0];
}

/* A request that changes something: one process only; nothing printed. */
static int change(const char *what, const char *req)
{
	struct answer a;

	request_or_die(the_proc(what), req, &a);
	answer_free(&a);
	return 0;
}

static void show_ps(const struct proc *p, struct answer *a, const void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], "proc"))
			printf("%-24s pid %-8s stacks %-3s %s\n", p->name, get(&a->r[i], "pid"),
			       get(&a->r[i], "stacks"), get(&a->r[i], "socket"));
}

static void show_ifconfig(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];

		if (!is_type(r, "if") || !first_stack(r))
			continue;
		printf("%s: mtu %s (link %s) device %s%s%s\n", get(r, "name"), get(r, "mtu"),
		       get(r, "link_mtu"), get(r, "device"),
		       strcmp(get(r, "vlan"), "0") ? " vlan " : "",
		       strcmp(get(r, "vlan"), "0") ? get(r, "vlan") : "");
		printf("\tether %s\n", get(r, "mac"));
		if (*get(r, "inet"))
			printf("\tinet %s netmask %s broadcast %s\n", get(r, "inet"),
			       get(r, "netmask"), get(r, "broadcast"));
		printf("\toffloads %s\n", get(r, "offloads"));
	}
	printf("all interfaces, %" PRIu64 " stack(s):\n", count_type(a, "ifstat"));
	printf("\tRX packets %" PRIu64 " bytes %" PRIu64 " dropped %" PRIu64 "\n",
	       sum_field(a, "ifstat", "rx_packets"), sum_field(a, "ifstat", "rx_bytes"),
	       sum_field(a, "ifstat", "rx_dropped"));
	printf("\tTX packets %" PRIu64 " bytes %" PRIu64 " dropped %" PRIu64 "\n",
	       sum_field(a, "ifstat", "tx_packets"), sum_field(a, "ifstat", "tx_bytes"),
	       sum_field(a, "ifstat", "tx_dropped"));
}

static void show_netstat_i(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	printf("%-10s %5s %-18s %-17s %12s %12s %8s %8s\n", "Name", "Mtu", "Network", "Address",
	       "Ipkts", "Opkts", "Idrop", "Odrop");
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];
		char net[40];

		if (!is_type(r, "if") || !first_stack(r))
			continue;
		snprintf(net, sizeof(net), "%s/%s", *get(r, "inet") ? get(r, "inet") : "-",
		         get(r, "prefixlen"));
		printf("%-10s %5s %-18s %-17s %12" PRIu64 " %12" PRIu64 " %8" PRIu64 " %8" PRIu64
		       "\n",
		       get(r, "name"), get(r, "mtu"), net, get(r, "mac"),
		       sum_field(a, "ifstat", "rx_packets"), sum_field(a, "ifstat", "tx_packets"),
		       sum_field(a, "ifstat", "rx_dropped"), sum_field(a, "ifstat", "tx_dropped"));
	}
}

static int cmd_ifconfig(const struct cmd_ctx *c)
{
	char req[256];

	if (c->argc == 0) {
		for_each_proc("ifconfig", show_ifconfig, NULL);
		return 0;
	}
	if (c->argc == 2 && (strcmp(c->argv[1], "up") == 0 || strcmp(c->argv[1], "down") == 0))
		die(1,
		    "ifconfig %s %s: not supported yet (a port cannot be taken down while "
		    "the stack runs)",
		    c->argv[0], c->argv[1]);
	if (c->argc != 3 || (strcmp(c->argv[1], "mtu") != 0 && strcmp(c->argv[1], "addr") != 0))
		usage_error("ifconfig: expected IF mtu N | IF addr A/N");
	snprintf(req, sizeof(req), "ifconfig %s %s %s", c->argv[0], c->argv[1], c->argv[2]);
	return change("ifconfig", req);
}

static void show_route(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	printf("%-20s %-16s %-10s\n", "Destination", "Gateway", "Interface");
	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], "route") && first_stack(&a->r[i]))
			printf("%-20s %-16s %-10s\n", get(&a->r[i], "destination"),
			       get(&a->r[i], "gateway"), get(&a->r[i], "interface"));
}

static void show_route_get(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], "route") && first_stack(&a->r[i]))
			printf("   route to: %s\n    nexthop: %s\n  interface: %s\n",
			       get(&a->r[i], "destination"), get(&a->r[i], "nexthop"),
			       get(&a->r[i], "interface"));
}

static int cmd_route(const struct cmd_ctx *c)
{
	char req[256];

	if (c->argc == 0) {
		for_each_proc("route", show_route, NULL);
		return 0;
	}
	if (strcmp(c->argv[0], "get") == 0 && c->argc == 2) {
		snprintf(req, sizeof(req), "route get %s", c->argv[1]);
		for_each_proc(req, show_route_get, NULL);
		return 0;
	}
	if (strcmp(c->argv[0], "add") == 0 && c->argc == 3)
		snprintf(req, sizeof(req), "route add %.64s %.64s", c->argv[1], c->argv[2]);
	else if (strcmp(c->argv[0], "del") == 0 && c->argc == 2)
		snprintf(req, sizeof(req), "route del %.64s", c->argv[1]);
	else
		usage_error("route: expected add DST/N GW | del DST/N | get A");
	return change("route", req);
}

static void show_arp(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	printf("%-5s %-16s %-18s %-11s %-10s %s\n", "Stack", "Address", "HWaddress", "State",
	       "Interface", "Expires");
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];

		if (!is_type(r, "arp"))
			continue;
		printf("%-5s %-16s %-18s %-11s %-10s ", get(r, "stack"), get(r, "address"),
		       get(r, "mac"), get(r, "state"), get(r, "interface"));
		if (strcmp(get(r, "permanent"), "1") == 0)
			printf("never\n");
		else
			printf("%.1f s\n", (double)strtoll(get(r, "expires_ms"), NULL, 10) / 1000);
	}
}

static int cmd_arp(const struct cmd_ctx *c)
{
	unsigned f[128];
	char *w[2], req[128];
	unsigned nw = parse_flags(c, "arp", "ad", f, w, 2);

	if (f['d']) {
		if (nw != 1)
			usage_error("arp -d: expected one address");
		snprintf(req, sizeof(req), "arp del %.64s", w[0]);
		return change("arp -d", req);
	}
	if (nw)
		usage_error("arp: unexpected argument '%s'", w[0]);
	for_each_proc("arp", show_arp, NULL);
	return 0;
}

struct sock_flags {
	bool tcp, udp, all, listen, info;
};

static void ss_info(const struct rec *r)
{
	printf("\t %s", get(r, "cc"));
	if (strcmp(get(r, "wscale"), "1") == 0)
		printf(" wscale:%s,%s", get(r, "snd_wscale"), get(r, "rcv_wscale"));
	if (strcmp(get(r, "ts"), "1") == 0)
		printf(" ts");
	if (strcmp(get(r, "sack"), "1") == 0)
		printf(" sack");
	if (strcmp(get(r, "ecn"), "1") == 0)
		printf(" ecn");
	printf(" rto:%s rtt:%.3f/%.3f mss:%s advmss:%s cwnd:%s", get(r, "rto_ms"),
	       (double)getu(r, "rtt_us") / 1000, (double)getu(r, "rttvar_us") / 1000, get(r, "mss"),
	       get(r, "advmss"), get(r, "cwnd"));
	/* ssthresh starts "infinite" (2^30 bytes, in segments here): not shown,
	 * as Linux does not show its initial one */
	if (getu(r, "ssthresh") * (getu(r, "mss") ? getu(r, "mss") : 1) + getu(r, "mss") <
	    (1ull << 30))
		printf(" ssthresh:%s", get(r, "ssthresh"));
	printf(" bytes_acked:%s bytes_received:%s retrans:%s/%s unacked:%s snd_wnd:%s "
	       "rcv_wnd:%s",
	       get(r, "bytes_acked"), get(r, "bytes_received"), get(r, "retrans"),
	       get(r, "total_retrans"), get(r, "unacked"), get(r, "snd_wnd"), get(r, "rcv_wnd"));
	if (getu(r, "backoff"))
		printf(" backoff:%s", get(r, "backoff"));
	if (getu(r, "rcv_ooo"))
		printf(" rcv_ooo:%s", get(r, "rcv_ooo"));
	printf(" stack:%s\n", get(r, "stack"));
}

static void show_ss(const struct proc *p, struct answer *a, const void *arg)
{
	const struct sock_flags *sf = arg;

	(void)p;
	printf("%-6s %-12s %-7s %-7s %-24s %-24s\n", "Netid", "State", "Recv-Q", "Send-Q",
	       "Local Address:Port", "Peer Address:Port");
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];
		bool tcp = is_type(r, "tcp"), listening;

		if (!tcp && !is_type(r, "udp"))
			continue;
		if ((tcp && !sf->tcp) || (!tcp && !sf->udp))
			continue;
		listening = tcp ? strcmp(get(r, "state"), "LISTEN") == 0 ||
		                      strcmp(get(r, "state"), "CLOSED") == 0
		                : true;
		if ((sf->listen && !listening) || (!sf->listen && !sf->all && listening))
			continue;
		printf("%-6s %-12s %-7s %-7s %-24s %-24s\n", tcp ? "tcp" : "udp",
		       tcp ? get(r, "state") : "UNCONN", get(r, "recvq"), get(r, "sendq"),
		       get(r, "local"), get(r, "foreign"));
		if (tcp && sf->info && !listening)
			ss_info(r);
	}
}

static void show_netstat_an(const struct proc *p, struct answer *a, const void *arg)
{
	(void)p;
	(void)arg;
	printf("Active Internet connections (including servers)\n");
	printf("%-5s %6s %6s %-23s %-23s %-12s %s\n", "Proto", "Recv-Q", "Send-Q", "Local Address",
	       "Foreign Address", "(state)", "Stack");
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];
		bool tcp = is_type(r, "tcp");

		if (!tcp && !is_type(r, "udp"))
			continue;
		printf("%-5s %6s %6s %-23s %-23s %-12s %s\n", tcp ? "tcp4" : "udp4",
		       get(r, "recvq"), get(r, "sendq"), get(r, "local"), get(r, "foreign"),
		       tcp ? get(r, "state") : "", get(r, "stack"));
	}
}

static void show_stat(const struct proc *p, struct answer *a, const void *arg)
{
	const unsigned *mode = arg; /* 0 all, 1 non-zero, 2 netstat -s (by group) */
	char group[32] = "";

	(void)p;
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];
		const char *name = get(r, "name"), *desc = "";
		uint64_t v;

		if ((!is_type(r, "counter") && !is_type(r, "gauge")) || !first_stack(r))
			continue;
		v = sum_counter(a, name, &desc);
		if (mode[0] == 1 && v == 0)
			continue;
		if (mode[0] >= 2) {
			const char *dot = strchr(name, '.');
			size_t gl = dot ? (size_t)(dot - name) : 0;

			if (mode[0] == 3 && v == 0)
				continue;
			if (strlen(group) != gl || strncmp(group, name, gl) != 0) {
				snprintf(group, sizeof(group), "%.*s", (int)gl, name);
				printf("%s:\n", group);
			}
			printf("\t%" PRIu64 " %s (%s)\n", v, desc, dot ? dot + 1 : name);
			continue;
		}
		printf("%-36s %14" PRIu64 "  %s\n", name, v, desc);
	}
}

static int cmd_netstat(const struct cmd_ctx *c)
{
	unsigned f[128], mode;
	char *w[1];

	if (parse_flags(c, "netstat", "ansi", f, w, 0))
		usage_error("netstat: unexpected argument");
	if (f['s']) {
		mode = f['s'] > 1 ? 3 : 2;
		for_each_proc("stat", show_stat, &mode);
	} else if (f['i']) {
		for_each_proc("ifconfig", show_netstat_i, NULL);
	} else if (f['a'] || f['n']) {
		for_each_proc("sockets", show_netstat_an, NULL);
	} else {
		usage_error("netstat: expected -an, -s or -i");
	}
	return 0;
}

static int cmd_ss(const struct cmd_ctx *c)
{
	unsigned f[128];
	char *w[1];
	struct sock_flags sf;

	if (parse_flags(c, "ss", "tualin", f, w, 0))
		usage_error("ss: unexpected argument");
	sf = (struct sock_flags){ .tcp = f['t'] || !f['u'],
		                  .udp = f['u'] || (!f['t'] && !f['u']),
		                  .all = f['a'],
		                  .listen = f['l'],
		                  .info = f['i'] };
	for_each_proc("sockets", show_ss, &sf);
	return 0;
}

static int cmd_stat(const struct cmd_ctx *c)
{
	unsigned f[128], mode;
	char *w[1];

	if (parse_flags(c, "stat", "z", f, w, 0))
		usage_error("stat: unexpected argument");
	mode = f['z'] ? 1 : 0;
	for_each_proc("stat", show_stat, &mode);
	return 0;
}

static void show_knobs(const struct proc *p, struct answer *a, const void *arg)
{
	const unsigned *verbose = arg;

	(void)p;
	for (unsigned i = 0; i < a->n; i++) {
		const struct rec *r = &a->r[i];

		if (!is_type(r, "knob") || !first_stack(r))
			continue;
		if (*verbose)
			printf("%s: %s %s\n\t%s; range %s, default %s%s\n", get(r, "name"),
			       get(r, "value"),
			       strcmp(get(r, "unit"), "bool") ? get(r, "unit") : "", get(r, "desc"),
			       get(r, "range"), get(r, "default"),
			       strcmp(get(r, "writable"), "1") ? "; set at start only" : "");
		else
			printf("%s: %s\n", get(r, "name"), get(r, "value"));
	}
}

static int cmd_sysctl(const struct cmd_ctx *c)
{
	unsigned f[128];
	char *w[CTL_REQ_WORDS], req[CTL_REQ_MAX + 1];
	unsigned nw = parse_flags(c, "sysctl", "adn", f, w, CTL_REQ_WORDS), verbose;

	verbose = f['d'];
	if (nw == 0) {
		if (!f['a'])
			usage_error("sysctl: expected -a, NAME or NAME=VALUE");
		for_each_proc("sysctl", show_knobs, &verbose);
		return 0;
	}
	for (unsigned i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		struct answer a, b;
		char err[512];
		const struct proc *p;

		if (!eq) {
			if (strchr(w[i], ' ') || !*w[i])
				usage_error("sysctl: bad name '%s'", w[i]);
			snprintf(req, sizeof(req), "sysctl %.900s", w[i]);
			for_each_proc(req, show_knobs, &verbose);
			continue;
		}
		*eq = '\0';
		if (!*w[i] || !eq[1] || strchr(w[i], ' ') || strchr(eq + 1, ' '))
			usage_error("sysctl: expected NAME=VALUE");
		p = the_proc("sysctl NAME=VALUE");
		snprintf(req, sizeof(req), "sysctl %.500s", w[i]);
		if (request(p, req, &a, err, sizeof(err)) < 0)
			die(1, "%s", err);
		snprintf(req, sizeof(req), "sysctl %.500s %.500s", w[i], eq + 1);
		if (request(p, req, &b, err, sizeof(err)) < 0)
			die(1, "%s", err);
		if (json) {
			json_expect = types_of("sysctl");
			json_answer(p, &b);
		} else {
			for (unsigned k = 0; k < b.n; k++)
				if (is_type(&b.r[k], "knob") && first_stack(&b.r[k]))
					printf("%s: %s -> %s\n", w[i],
					       a.n ? get(&a.r[0], "value") : "?",
					       get(&b.r[k], "value"));
		}
		answer_free(&a);
		answer_free(&b);
	}
	return 0;
}

/* ---- capture: pcapng from a running stack ---- */

static volatile sig_atomic_t cap_stop_flag;

static void cap_on_signal(int sig)
{
	(void)sig;
	cap_stop_flag = 1;
}

/* A pcapng block: type, total length, body (padded to 4), total length. */
static void pcapng_block(FILE *f, uint32_t type, const void *body, size_t len)
{
	static const uint8_t pad[4];
	uint32_t total = (uint32_t)(12 + ((len + 3) & ~(size_t)3));

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, len, f);
	fwrite(pad, 1, ((len + 3) & ~(size_t)3) - len, f);
	fwrite(&total, 4, 1, f);
}

/* Section header, then one Ethernet interface per (stack, port) seen, named
 * after them, with nanosecond timestamps (if_tsresol 9). */
static void pcapng_header(FILE *f)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int64_t section_len;
	} shb = { 0x1a2b3c4d, 1, 0, -1 };

	pcapng_block(f, 0x0a0d0d0a, &shb, sizeof(shb));
}

static void pcapng_interface(FILE *f, const char *name, uint32_t snaplen)
{
	uint8_t b[96] = { 0 };
	size_t n = 8, nl = strlen(name);
	uint16_t linktype = 1, code, len;

	if (nl > 48)
		nl = 48;
	memcpy(b, &linktype, 2);
	memcpy(b + 4, &snaplen, 4);
	code = 2; /* if_name */
	len = (uint16_t)nl;
	memcpy(b + n, &code, 2);
	memcpy(b + n + 2, &len, 2);
	memcpy(b + n + 4, name, nl);
	n += 4 + ((nl + 3) & ~(size_t)3);
	code = 9; /* if_tsresol: 10^-9 */
	len = 1;
	memcpy(b + n, &code, 2);
	memcpy(b + n + 2, &len, 2);
	b[n + 4] = 9;
	n += 8;
	n += 4; /* opt_endofopt */
	pcapng_block(f, 1, b, n);
}

static void pcapng_packet(FILE *f, uint32_t ifid, uint64_t ts_ns, const uint8_t *data,
                          uint32_t caplen, uint32_t len, bool out)
{
	uint8_t *b = malloc(28 + ((caplen + 3) & ~3u) + 12);
	uint32_t hi = (uint32_t)(ts_ns >> 32), lo = (uint32_t)ts_ns, flags = out ? 2 : 1;
	uint16_t code = 2, olen = 4; /* epb_flags: inbound 1, outbound 2 */
	size_t n;

	if (!b)
		die(1, "out of memory");
	memcpy(b, &ifid, 4);
	memcpy(b + 4, &hi, 4);
	memcpy(b + 8, &lo, 4);
	memcpy(b + 12, &caplen, 4);
	memcpy(b + 16, &len, 4);
	memcpy(b + 20, data, caplen);
	n = 20 + ((caplen + 3) & ~3u);
	memset(b + 20 + caplen, 0, n - 20 - caplen);
	memcpy(b + n, &code, 2);
	memcpy(b + n + 2, &olen, 2);
	memcpy(b + n + 4, &flags, 4);
	n += 8;
	memset(b + n, 0, 4);
	n += 4;
	pcapng_block(f, 6, b, n);
	free(b);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static uint64_t clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmd_capture(const struct cmd_ctx *c)
{
	const char *file = NULL, *iface = NULL;
	char filter[1024] = "", req[64], err[512];
	unsigned long count = 0, written = 0, snaplen = 262144;
	struct bpf_program prog;
	const struct proc *p;
	pcap_t *dead;
	FILE *f;
	int ifids[64][8]; /* [stack][port] -> pcapng interface id, -1 none */
	int nif = 0;
	uint64_t offset, dropped = 0, dropped_st[64] = { 0 };

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (strcmp(a, "-w") == 0 && i + 1 < c->argc)
			file = c->argv[++i];
		else if (strcmp(a, "-i") == 0 && i + 1 < c->argc)
			iface = c->argv[++i];
		else if (strcmp(a, "-c") == 0 && i + 1 < c->argc && is_int(c->argv[i + 1]))
			count = strtoul(c->argv[++i], NULL, 10);
		else if (strcmp(a, "-s") == 0 && i + 1 < c->argc && is_int(c->argv[i + 1]))
			snaplen = strtoul(c->argv[++i], NULL, 10);
		else if (a[0] == '-')
			usage_error("capture: bad option '%s'", a);
		else if (strlen(filter) + strlen(a) + 2 < sizeof(filter))
			snprintf(filter + strlen(filter), sizeof(filter) - strlen(filter), "%s%s",
			         filter[0] ? " " : "", a);
		else
			usage_error("capture: filter too long");
	}
	if (!file)
		usage_error("capture: -w FILE or -w - (stdout) is required");
	if (snaplen == 0 || snaplen > 65535)
		snaplen = 65535;
	if (iface && (strncmp(iface, "port", 4) != 0 || !is_int(iface + 4)))
		usage_error("capture: -i takes portN");
	dead = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!dead || pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		die(1, "capture: bad filter '%s': %s", filter,
		    dead ? pcap_geterr(dead) : "libpcap");
	p = the_proc("capture");
	f = strcmp(file, "-") == 0 ? stdout : fopen(file, "wb");
	if (!f)
		die(1, "capture: %s: %s", file, strerror(errno));
	snprintf(req, sizeof(req), "capture start %lu", snaplen);
	{
		struct answer a;

		if (request(p, req, &a, err, sizeof(err)) < 0)
			die(1, "capture: %s", err);
		answer_free(&a);
	}
	fprintf(stderr, "fastack: capturing on %s\n", p->name);
	signal(SIGINT, cap_on_signal);
	signal(SIGTERM, cap_on_signal);
	signal(SIGPIPE, SIG_IGN);
	memset(ifids, -1, sizeof(ifids));
	pcapng_header(f);
	/* the stacks' clock is CLOCK_MONOTONIC: to wall-clock time */
	offset = clock_of(CLOCK_REALTIME) - clock_of(CLOCK_MONOTONIC);
	while (!cap_stop_flag && (!count || written < count)) {
		struct answer a;

		usleep(100000);
		if (request(p, "capture read", &a, err, sizeof(err)) < 0) {
			fprintf(stderr, "fastack: capture: %s\n", err);
			break;
		}
		for (unsigned i = 0; i < a.n && (!count || written < count); i++) {
			const struct rec *r = &a.r[i];
			unsigned st = (unsigned)getu(r, "stack"), port = (unsigned)getu(r, "port");
			const char *hex = get(r, "data");
			size_t caplen = strlen(hex) / 2;
			uint8_t *data;
			struct pcap_pkthdr ph;
			char name[32];

			if (is_type(r, "capture")) {
				if (st < 64)
					dropped_st[st] = getu(r, "dropped");
				continue;
			}
			if (!is_type(r, "frame") || st >= 64 || port >= 8)
				continue;
			snprintf(name, sizeof(name), "port%u", port);
			if (iface && strcmp(iface, name) != 0)
				continue;
			data = malloc(caplen + 1);
			if (!data)
				die(1, "out of memory");
			for (size_t k = 0; k < caplen; k++)
				data[k] =
				    (uint8_t)(hexval(hex[2 * k]) << 4 | hexval(hex[2 * k + 1]));
			ph.caplen = (bpf_u_int32)caplen;
			ph.len = (bpf_u_int32)getu(r, "len");
			if (pcap_offline_filter(&prog, &ph, data)) {
				if (ifids[st][port] < 0) {
					snprintf(name, sizeof(name), "stack%u-port%u", st, port);
					pcapng_interface(f, name, (uint32_t)snaplen);
					ifids[st][port] = nif++;
				}
				pcapng_packet(f, (uint32_t)ifids[st][port],
				              getu(r, "ts_ns") + offset, data, (uint32_t)caplen,
				              ph.len, strcmp(get(r, "dir"), "out") == 0);
				written++;
			}
			free(data);
		}
		answer_free(&a);
		if (fflush(f) != 0 || ferror(f))
			break; /* the reader went away */
	}
	{
		struct answer a;

		if (request(p, "capture stop", &a, err, sizeof(err)) == 0)
			answer_free(&a);
	}
	if (f != stdout)
		fclose(f);
	pcap_freecode(&prog);
	pcap_close(dead);
	for (unsigned s = 0; s < 64; s++)
		dropped += dropped_st[s];
	fprintf(stderr, "fastack: %lu packets captured, %" PRIu64 " dropped by the stack\n",
	        written, dropped);
	return 0;
}

/* ---- metrics: Prometheus text exposition ---- */

/* A metric name from a counter name: fastack_<group>_<name>, [a-zA-Z0-9_]. */
static void metric_name(const char *name, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "fastack_");

	for (; *name && n + 1 < len; name++)
		buf[n++] = (isalnum((unsigned char)*name) || *name == '_') ? *name : '_';
	buf[n] = '\0';
	if (n > 3 && strcmp(buf + n - 3, "_ns") == 0) /* Prometheus wants base units */
		snprintf(buf + n - 3, len - (n - 3), "_seconds");
}

/* A sample's value: nanosecond counters in seconds (metric_name). */
static void prom_value(FILE *f, const char *name, const char *v)
{
	size_t n = strlen(name);

	if (n > 3 && strcmp(name + n - 3, "_ns") == 0)
		fprintf(f, "%.9f", (double)strtoull(v, NULL, 10) / 1e9);
	else
		fputs(v, f);
}

static void prom_escape(FILE *f, const char *s, bool label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (label && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* Every counter and gauge of every process, one family per name (HELP and
 * TYPE once, then a sample per process and stack). */
static void metrics_write(FILE *f)
{
	struct answer a[MAX_PROCS];
	char err[512], name[160];

	for (unsigned p = 0; p < nprocs; p++)
		if (request(&procs[p], "stat", &a[p], err, sizeof(err)) < 0) {
			fprintf(stderr, "fastack: metrics: %s\n", err);
			memset(&a[p], 0, sizeof(a[p]));
		}
	for (unsigned p = 0; p < nprocs; p++) {
		for (unsigned i = 0; i < a[p].n; i++) {
			const struct rec *r = &a[p].r[i];
			bool counter = is_type(r, "counter"), seen = false;

			if ((!counter && !is_type(r, "gauge")) || !first_stack(r))
				continue;
			/* a family first met in an earlier process is written already */
			for (unsigned q = 0; q < p && !seen; q++)
				seen = count_named(&a[q], get(r, "name")) > 0;
			if (seen)
				continue;
			metric_name(get(r, "name"), name, sizeof(name));
			fprintf(f, "# HELP %s%s ", name, counter ? "_total" : "");
			prom_escape(f, get(r, "desc"), false);
			fprintf(f, "\n# TYPE %s%s %s\n", name, counter ? "_total" : "",
			        counter ? "counter" : "gauge");
			for (unsigned q = p; q < nprocs; q++)
				for (unsigned j = 0; j < a[q].n; j++) {
					const struct rec *s = &a[q].r[j];

					if (strcmp(s->type, r->type) != 0 ||
					    strcmp(get(s, "name"), get(r, "name")) != 0)
						continue;
					fprintf(f, "%s%s{process=\"", name,
					        counter ? "_total" : "");
					prom_escape(f, procs[q].name, true);
					fprintf(f, "\",stack=\"%s\"} ", get(s, "stack"));
					prom_value(f, get(s, "name"), get(s, "value"));
					fputc('\n', f);
				}
		}
	}
	for (unsigned p = 0; p < nprocs; p++)
		answer_free(&a[p]);
}

/* One HTTP exchange on fd: GET /metrics gets the exposition. */
static void metrics_serve(int fd)
{
	char req[4096], *body = NULL;
	size_t got = 0, blen = 0;
	FILE *f;
	struct timeval tv = { .tv_sec = 5 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	if (strncmp(req, "GET /metrics ", 13) != 0 && strncmp(req, "GET / ", 6) != 0) {
		dprintf(fd, "HTTP/1.0 404 Not Found\r\nContent-Length: 10\r\n"
		            "Connection: close\r\n\r\nnot found\n");
		return;
	}
	f = open_memstream(&body, &blen);
	if (!f)
		return;
	metrics_write(f);
	fclose(f);
	dprintf(fd,
	        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	        "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	        blen);
	for (size_t off = 0; off < blen;) {
		ssize_t n = write(fd, body + off, blen - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(body);
}

static int cmd_metrics(const struct cmd_ctx *c)
{
	const char *listen_at = "127.0.0.1:9477";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	const char *colon;
	unsigned port = 0;
	bool once = false;
	int lfd, one = 1;

	for (int i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--once") == 0)
			once = true;
		else if ((strcmp(c->argv[i], "--listen") == 0 || strcmp(c->argv[i], "-l") == 0) &&
		         i + 1 < c->argc)
			listen_at = c->argv[++i];
		else
			usage_error("metrics: unexpected argument '%s'", c->argv[i]);
	}
	if (once) {
		metrics_write(stdout);
		return 0;
	}
	colon = strrchr(listen_at, ':');
	if (!colon || (size_t)(colon - listen_at) >= sizeof(host) || !is_int(colon + 1) ||
	    (port = (unsigned)atoi(colon + 1)) == 0 || port > 65535)
		die(1, "metrics: bad address '%s' (ADDR:PORT)", listen_at);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_at), listen_at);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die(1, "metrics: bad address '%s' (an IPv4 address:PORT)", listen_at);
	sa.sin_port = htons((uint16_t)port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0)
		die(1, "metrics: cannot listen on %s: %s", listen_at, strerror(errno));
	fprintf(stderr, "fastack: metrics on http://%s/metrics\n", listen_at);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die(1, "metrics: accept: %s", strerror(errno));
		}
		metrics_serve(fd);
		close(fd);
	}
}

static int cmd_ps(const struct cmd_ctx *c)
{
	if (c->argc)
		usage_error("ps: unexpected argument '%s'", c->argv[0]);
	for (unsigned i = 0; i < nprocs; i++) {
		struct answer a;

		request_or_die(&procs[i], "info", &a);
		json_expect = types_of("info");
		if (json)
			json_answer(&procs[i], &a);
		else
			show_ps(&procs[i], &a, NULL);
		answer_free(&a);
	}
	return 0;
}

/* ---- top ---- */

struct top_stack {
	uint64_t rx_p, rx_b, tx_p, tx_b, opened, closed, busy_ns, idle_ns, drops;
};

static uint64_t stack_counter(const struct answer *a, unsigned st, const char *name)
{
	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], "counter") && getu(&a->r[i], "stack") == st &&
		    strcmp(get(&a->r[i], "name"), name) == 0)
			return getu(&a->r[i], "value");
	return 0;
}

static bool is_drop(const struct rec *r)
{
	return strncmp(get(r, "desc"), "dropped", 7) == 0;
}

static void top_sample(const struct answer *a, struct top_stack *ts, unsigned nst)
{
	for (unsigned s = 0; s < nst; s++) {
		ts[s] = (struct top_stack){
			.rx_p = stack_counter(a, s, "port.rx_packets"),
			.rx_b = stack_counter(a, s, "port.rx_bytes"),
			.tx_p = stack_counter(a, s, "port.tx_packets"),
			.tx_b = stack_counter(a, s, "port.tx_bytes"),
			.opened = stack_counter(a, s, "tcp.tcps_accepts") +
			          stack_counter(a, s, "tcp.tcps_connects"),
			.closed = stack_counter(a, s, "tcp.tcps_closed"),
			.busy_ns = stack_counter(a, s, "loop.loop_busy_ns"),
			.idle_ns = stack_counter(a, s, "loop.loop_idle_ns"),
		};
	}
	for (unsigned i = 0; i < a->n; i++)
		if (is_type(&a->r[i], "counter") && is_drop(&a->r[i]) &&
		    getu(&a->r[i], "stack") < nst)
			ts[getu(&a->r[i], "stack")].drops += getu(&a->r[i], "value");
}

static int cmd_top(const struct cmd_ctx *c)
{
	unsigned f[128], iters = 0, delay = 1, nst = 0;
	char *w[4];
	unsigned nw = parse_flags(c, "top", "bnd", f, w, 4), wi = 0;
	bool batch = f['b'] || !isatty(STDOUT_FILENO) || json;
	const struct proc *p = the_proc("top");
	struct answer prev = { 0 }, cur;
	struct top_stack *a0, *a1;

	if (f['n']) {
		if (wi >= nw || !is_int(w[wi]) || (iters = (unsigned)atoi(w[wi])) == 0)
			usage_error("top: -n takes a positive count");
		wi++;
	}
	if (f['d']) {
		if (wi >= nw || !is_int(w[wi]) || (delay = (unsigned)atoi(w[wi])) == 0)
			usage_error("top: -d takes a positive number of seconds");
		wi++;
	}
	if (wi != nw)
		usage_error("top: unexpected argument '%s'", w[wi]);
	request_or_die(p, "stat", &prev);
	for (unsigned i = 0; i < prev.n; i++)
		if (getu(&prev.r[i], "stack") + 1 > nst)
			nst = (unsigned)getu(&prev.r[i], "stack") + 1;
	a0 = calloc(nst, sizeof(*a0));
	a1 = calloc(nst, sizeof(*a1));
	if (!a0 || !a1)
		die(1, "out of memory");
	top_sample(&prev, a0, nst);
	for (unsigned it = 0; !iters || it < iters; it++) {
		sleep(delay);
		request_or_die(p, "stat", &cur);
		top_sample(&cur, a1, nst);
		if (!batch)
			printf("\033[H\033[2J");
		if (!json)
			printf("fastack top: %s, %u stack(s), every %u s\n%-5s %10s %10s %10s %10s "
			       "%8s %8s %8s %6s\n",
			       p->name, nst, delay, "stack", "rx pkt/s", "rx Mbit/s", "tx pkt/s",
			       "tx Mbit/s", "opened/s", "closed/s", "drops/s", "busy%");
		for (unsigned s = 0; s < nst; s++) {
			double d = delay;
			uint64_t busy = a1[s].busy_ns - a0[s].busy_ns;
			uint64_t all = busy + (a1[s].idle_ns - a0[s].idle_ns);
			double pct = all ? 100.0 * (double)busy / (double)all : 0;

			double rx_p = (double)(a1[s].rx_p - a0[s].rx_p) / d;
			double rx_b = 8.0 * (double)(a1[s].rx_b - a0[s].rx_b) / d;
			double tx_p = (double)(a1[s].tx_p - a0[s].tx_p) / d;
			double tx_b = 8.0 * (double)(a1[s].tx_b - a0[s].tx_b) / d;
			double opened = (double)(a1[s].opened - a0[s].opened) / d;
			double closed = (double)(a1[s].closed - a0[s].closed) / d;
			double drops = (double)(a1[s].drops - a0[s].drops) / d;

			if (json) {
				printf("{\"process\":");
				json_str(p->name);
				printf(
				    ",\"stack\":%u,\"rx_pps\":%.0f,\"rx_bps\":%.0f,\"tx_pps\":%.0f,"
				    "\"tx_bps\":%.0f,\"opened_ps\":%.0f,\"closed_ps\":%.0f,"
				    "\"drops_ps\":%.0f,\"busy_pct\":%.1f}\n",
				    s, rx_p, rx_b, tx_p, tx_b, opened, closed, drops, pct);
			} else {
				printf("%-5u %10.0f %10.2f %10.0f %10.2f %8.0f %8.0f %8.0f %6.1f\n",
				       s, rx_p, rx_b * 1e-6, tx_p, tx_b * 1e-6, opened, closed,
				       drops, pct);
			}
		}
		if (!json) {
			/* drops by reason, this interval, over every stack */
			for (unsigned i = 0; i < cur.n; i++) {
				const struct rec *r = &cur.r[i];
				uint64_t now_v, then_v;

				if (!is_type(r, "counter") || !first_stack(r) || !is_drop(r))
					continue;
				now_v = sum_counter(&cur, get(r, "name"), NULL);
				then_v = sum_counter(&prev, get(r, "name"), NULL);
				if (now_v > then_v)
					printf("  drop %-32s %8.0f/s  %s\n", get(r, "name"),
					       (double)(now_v - then_v) / delay, get(r, "desc"));
			}
		}
		fflush(stdout);
		answer_free(&prev);
		prev = cur;
		memcpy(a0, a1, nst * sizeof(*a0));
	}
	answer_free(&prev);
	free(a0);
	free(a1);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const struct cmd_ctx *c);
} cmds[] = {
	{ "capture", cmd_capture },   { "metrics", cmd_metrics }, { "ps", cmd_ps },
	{ "ifconfig", cmd_ifconfig }, { "route", cmd_route },     { "arp", cmd_arp },
	{ "netstat", cmd_netstat },   { "ss", cmd_ss },           { "sysctl", cmd_sysctl },
	{ "stat", cmd_stat },         { "top", cmd_top },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char **rest; /* the arguments without --json (reachable until exit) */
	struct cmd_ctx c;
	int opt, n = 0;

	/* --json anywhere: take it out before the subcommand sees its flags */
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest)
		die(1, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && i > 0)
			json = true;
		else
			rest[n++] = argv[i];
	}
	argc = n;
	argv = rest;
	opterr = 0; /* one line of our own */
	while ((opt = getopt_long(argc, argv, "+:p:d:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			opt_prefix = optarg;
			break;
		case 'd':
			opt_dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt && opt == '?')
				usage_error("bad option '-%c'", optopt);
			usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_error("no command");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) != 0)
			continue;
		c.argc = argc - optind - 1;
		c.argv = argv + optind + 1;
		for (int k = 0; k < c.argc; k++)
			if (strcmp(c.argv[k], "--help") == 0 || strcmp(c.argv[k], "-h") == 0) {
				fputs(usage_text, stdout);
				return 0;
			}
		find_procs();
		return cmds[i].fn(&c);
	}
	usage_error("unknown command '%s'", argv[optind]);
}
