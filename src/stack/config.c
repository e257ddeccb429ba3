/* config.c: the configuration file (INI, F-Stack's sections and keys, format
 * in config.h) and the command line, into struct config.
 *
 * Files: config.c (this one: messages, applying one key, derived values,
 * defaults), config_keys.c (the key tables, values, dump, documentation),
 * config_file.c (the INI reader), config_args.c (the command line),
 * config_validate.c (cross-checks); config_priv.h between them.
 *
 * Call order (ff_init):
 *
 *     config_defaults(cfg)                every key and knob at its default
 *     config_from_args(cfg, argc, argv)   options -> config_load_file(--conf)
 *                                         -> each --set, in order -> derived
 *                                         values -> proc-id check
 *     config_validate(cfg)                cross-checks between keys
 *     config_check_runnable(cfg)          what this build cannot run yet
 *     cfg->warn[]                         logged by ff_init
 *
 * F-Stack's own config.ini loads.  The rule for every key:
 *
 *   - a key fastack understands is honoured (cfg_keys[], the knob table);
 *   - an F-Stack key, or a FreeBSD tunable or sysctl that F-Stack users set,
 *     that has no effect here is accepted when its value asks for nothing
 *     fastack lacks (nb_vdev=0, tso=0, net.inet.ip.forwarding=0, hz=100,
 *     table sizes in [freebsd.boot]), with one warning
 *     "file:line: [section] key: ignored: why" in cfg->warn;
 *   - the same key with a value that asks for something fastack does not do
 *     (nb_bond=1, vip_addr=..., [kni] enable=1, net.inet.ip.forwarding=1) is an
 *     error that says what is missing;
 *   - any other name is an error, with a "did you mean" when one is close.
 *
 * The known names are listed one by one (cfg_foreign[]), never by prefix: a
 * misspelt sysctl is an error, not a silently ignored line.
 *
 * One table (cfg_keys[], STYLE habit 8) describes every key of [dpdk],
 * [pcap], [portN] and [vlanN]: name, type, where it is stored, range,
 * default, unit and description.  The parser, the defaults (each default is a
 * string that goes through the same parser), config_dump() and docs/knobs.md
 * (config_key_info()) all come from it; [freebsd.sysctl] uses the knob table
 * of knobs.h the same way, and cfg_foreign[] documents itself too.
 *
 * Line numbers.  Debian's libinih is built without line numbers in the
 * handler, so the file is fed through ini_parse_stream() by our own reader,
 * which counts lines, and also checks what inih would skip or misread:
 * section headers (so that an empty unknown section is still an error, and
 * reported at its own line), lines without '=', over-long lines (inih cuts
 * lines at INI_MAX_LINE), and leading white space (stripped, so inih never
 * takes an indented line for the continuation of the previous value).  The
 * first error stops the parse: the reader then reports end of input.
 *
 * Provenance.  Every key set records where it came from (key_line[] in
 * config.h: a line, or --set), so config_validate() can name the line of,
 * e.g., a gateway outside its network, and so "unset" (broadcast derived
 * from addr and netmask, prefix_len required with addr6) is known.
 */
#include "stack/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/log.h"
#include "stack/config_priv.h"

/* ---- messages ---- */

/* Writes "<where>: <message>" into buf. */
static void where_vfmt(char *buf, size_t len, const struct where *w, const char *fmt, va_list ap)
{
	size_t n = 0;
	int r;

	if (w && w->set)
		r = snprintf(buf, len, "--set %s: ", w->set);
	else if (w && w->line == CFG_LINE_SET)
		r = snprintf(buf, len, "--set: ");
	else if (w && w->file && w->file[0] && w->line)
		r = snprintf(buf, len, "%s:%u: ", w->file, w->line);
	else if (w && w->file && w->file[0])
		r = snprintf(buf, len, "%s: ", w->file);
	else
		r = 0;
	if (r > 0)
		n = (size_t)r < len ? (size_t)r : len - 1;
	vsnprintf(buf + n, len - n, fmt, ap);
}

/* Writes "<where>: <message>" into err; returns -EINVAL. */
int cfg_fail(char *err, size_t errlen, const struct where *w, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	where_vfmt(err, errlen, w, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Adds "<where>: <message>" to cfg->warn (or counts it when full). */
__attribute__((format(printf, 3, 4))) static void warn(struct config *cfg, const struct where *w,
                                                       const char *fmt, ...)
{
	va_list ap;

	if (cfg->nb_warn >= CFG_WARN_MAX) {
		cfg->warn_lost++;
		return;
	}
	va_start(ap, fmt);
	where_vfmt(cfg->warn[cfg->nb_warn++], sizeof(cfg->warn[0]), w, fmt, ap);
	va_end(ap);
}

/* ---- applying one key ---- */

static bool scope_in(enum cfg_scope scope, enum sec_kind kind)
{
	switch (kind) {
	case SEC_DPDK:
		return scope == SC_DPDK;
	case SEC_PORT:
		return scope == SC_PORT || scope == SC_IFA;
	case SEC_VLAN:
		return scope == SC_VLAN || scope == SC_IFA;
	case SEC_PCAP:
		return scope == SC_PCAP;
	default:
		return false;
	}
}

/* Marks a port or VLAN section as given (line: of its header, or 0). */
void cfg_sect_enter(struct config *cfg, struct sect sc, uint32_t line)
{
	if (sc.kind == SEC_PORT) {
		struct port_cfg *pc = &cfg->ports[sc.idx];

		pc->present = true;
		if (!pc->line)
			pc->line = line;
	} else if (sc.kind == SEC_VLAN) {
		struct vlan_cfg *vc = &cfg->vlans[sc.idx];

		vc->present = true;
		if (!vc->line)
			vc->line = line;
		if (cfg->nb_vlans < sc.idx + 1)
			cfg->nb_vlans = sc.idx + 1;
	}
}

/* Reports a value knob id refused (rc from knob_parse) under key name. */
static int knob_fail(char *err, size_t errlen, const struct where *w, const char *label,
                     const char *name, enum knob_id id, const char *value, int rc)
{
	const struct knob_desc *kd = &knob_table[id];
	char range[64];

	knob_range_str(id, range, sizeof(range));
	if (strcmp(kd->unit, "name") == 0)
		return cfg_fail(err, errlen, w, "%s %s: '%s' is not one of %s", label, name, value,
		                range);
	if (rc == -ERANGE)
		return cfg_fail(err, errlen, w, "%s %s: '%s' is out of range %s (%s)", label, name,
		                value, range, kd->unit);
	return cfg_fail(err, errlen, w, "%s %s: '%s' is not %s", label, name, value,
	                strcmp(kd->unit, "bool") == 0
	                    ? "a boolean (0/1, yes/no, on/off, true/false)"
	                    : "a number");
}

static int apply_knob(struct config *cfg, enum knob_id id, const char *value, const struct where *w,
                      struct seen *seen, char *err, size_t errlen)
{
	const char *name = knob_table[id].name;
	int64_t v;
	int rc;

	if (seen) {
		if (seen->knob[id])
			return cfg_fail(err, errlen, w,
			                "[freebsd.sysctl] %s: key given twice, first at line %u",
			                name, seen->knob[id]);
		seen->knob[id] = w->line;
	}
	rc = knob_parse(id, value, &v);
	if (rc < 0)
		return knob_fail(err, errlen, w, "[freebsd.sysctl]", name, id, value, rc);
	cfg->knob[id] = v;
	return 0;
}

/* Whether value is one of f->ok (in the form of f->type: "off" is "0"). */
static bool foreign_value_ok(const struct cfg_foreign *f, const char *value)
{
	const char *ok = f->ok;

	for (;;) {
		size_t n = strcspn(ok, "|");
		char one[32];
		uint64_t a, b;
		bool x, y;

		snprintf(one, sizeof(one), "%.*s", (int)n, ok);
		if (strcmp(one, value) == 0)
			return true;
		if (f->type == FV_BOOL && cfg_parse_bool(one, &x) == 0 &&
		    cfg_parse_bool(value, &y) == 0 && x == y)
			return true;
		if (f->type == FV_UINT && cfg_parse_u64(one, &a) == 0 &&
		    cfg_parse_u64(value, &b) == 0 && a == b)
			return true;
		if (!ok[n])
			return false;
		ok += n + 1;
	}
}

/* "0", "0 or off", "an empty value": f->ok for messages and docs. */
const char *cfg_foreign_ok_str(const struct cfg_foreign *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!f->ok[0]) {
		snprintf(buf, len, "an empty value");
		return buf;
	}
	for (const char *o = f->ok; *o && n + 5 < len; o++) {
		if (*o == '|')
			n += (size_t)snprintf(buf + n, len - n, " or ");
		else
			buf[n++] = *o;
	}
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

/* A key of cfg_foreign[]: honoured under another name, ignored with a
 * warning, or refused (see the table). */
static int apply_foreign(struct config *cfg, const struct cfg_foreign *f, const char *label,
                         const char *value, const struct where *w, struct seen *seen, char *err,
                         size_t errlen)
{
	char okbuf[64];
	uint64_t u;
	bool b;

	if (f->type == FV_BOOL && cfg_parse_bool(value, &b) < 0)
		return cfg_fail(err, errlen, w,
		                "%s %s: '%s' is not a boolean (0/1, yes/no, on/off, true/false)",
		                label, f->name, value);
	if (f->type == FV_UINT && cfg_parse_u64(value, &u) < 0)
		return cfg_fail(err, errlen, w, "%s %s: '%s' is not a number", label, f->name,
		                value);
	if (f->sets) {
		enum knob_id id = (enum knob_id)knob_find(f->sets);
		int64_t v;
		int rc;

		/* The knob's own name, given in this file, wins wherever it is. */
		if (seen && seen->knob[id]) {
			warn(cfg, w, "%s %s: ignored: %s is given at line %u", label, f->name,
			     f->sets, seen->knob[id]);
			return 0;
		}
		rc = knob_parse(id, value, &v);
		if (rc < 0)
			return knob_fail(err, errlen, w, label, f->name, id, value, rc);
		cfg->knob[id] = v;
		return 0;
	}
	if (!f->ignored)
		return cfg_fail(err, errlen, w, "%s %s: not supported by fastack (%s)", label,
		                f->name, f->refused);
	if (f->ok && !foreign_value_ok(f, value))
		return cfg_fail(err, errlen, w,
		                "%s %s: '%s' is not supported by fastack (%s; only %s is accepted)",
		                label, f->name, value, f->refused,
		                cfg_foreign_ok_str(f, okbuf, sizeof(okbuf)));
	warn(cfg, w, "%s %s: ignored: %s", label, f->name, f->ignored);
	return 0;
}

static const struct cfg_foreign *foreign_find(enum sec_kind kind, const char *name)
{
	for (unsigned i = 0; i < cfg_nforeign; i++)
		if ((cfg_foreign[i].in & IN_(kind)) && strcmp(cfg_foreign[i].name, name) == 0)
			return &cfg_foreign[i];
	return NULL;
}

/* The error for a name nothing in section sc knows, with the closest name
 * the section takes. */
static int unknown_key(struct sect sc, const char *label, const char *name, const struct where *w,
                       char *err, size_t errlen)
{
	const char *what = sc.kind == SEC_SYSCTL ? "knob" : sc.kind == SEC_BOOT ? "tunable" : "key";
	struct cfg_suggest sg;

	cfg_suggest_begin(&sg, name);
	for (unsigned i = 0; i < K_COUNT; i++)
		if (scope_in(cfg_keys[i].scope, sc.kind))
			cfg_suggest_offer(&sg, cfg_keys[i].name);
	for (unsigned i = 0; sc.kind == SEC_SYSCTL && i < KNOB_COUNT; i++)
		cfg_suggest_offer(&sg, knob_table[i].name);
	for (unsigned i = 0; i < cfg_nforeign; i++)
		if (cfg_foreign[i].in & IN_(sc.kind))
			cfg_suggest_offer(&sg, cfg_foreign[i].name);
	if (sg.best)
		return cfg_fail(err, errlen, w, "%s %s: unknown %s (did you mean %s?)", label, name,
		                what, sg.best);
	return cfg_fail(err, errlen, w, "%s %s: unknown %s (see docs/knobs.md)", label, name, what);
}

/* Sets key name of section sc to value.  seen (NULL for --set) catches
 * duplicates within one file. */
int cfg_apply(struct config *cfg, struct sect sc, const char *name, const char *value,
              const struct where *w, struct seen *seen, char *err, size_t errlen)
{
	char lbuf[24], why[256];
	const char *label = cfg_sect_label(sc, lbuf, sizeof(lbuf));
	const struct cfg_foreign *f;
	const struct cfg_key *k = NULL;
	uint32_t *key_line, *seen_line = NULL;
	unsigned id;
	char *base;
	int rc, kid;

	kid = knob_find(name);
	if (sc.kind == SEC_SYSCTL && kid >= 0)
		return apply_knob(cfg, (enum knob_id)kid, value, w, seen, err, errlen);
	for (id = 0; id < K_COUNT; id++) {
		if (scope_in(cfg_keys[id].scope, sc.kind) && strcmp(cfg_keys[id].name, name) == 0) {
			k = &cfg_keys[id];
			break;
		}
	}
	if (!k) {
		f = foreign_find(sc.kind, name);
		if (f)
			return apply_foreign(cfg, f, label, value, w, seen, err, errlen);
		if (sc.kind == SEC_BOOT && kid >= 0)
			return cfg_fail(err, errlen, w,
			                "%s %s: a run-time knob: set it in [freebsd.sysctl]", label,
			                name);
		return unknown_key(sc, label, name, w, err, errlen);
	}

	switch (sc.kind) {
	case SEC_DPDK:
	case SEC_PCAP:
		base = (char *)cfg;
		key_line = cfg->dpdk_key_line;
		if (seen)
			seen_line = &seen->dpdk[id];
		break;
	case SEC_PORT:
		base = k->scope == SC_IFA ? (char *)&cfg->ports[sc.idx].ifa
		                          : (char *)&cfg->ports[sc.idx];
		key_line = cfg->ports[sc.idx].key_line;
		if (seen)
			seen_line = &seen->port[sc.idx][id];
		break;
	default: /* SEC_VLAN */
		base = k->scope == SC_IFA ? (char *)&cfg->vlans[sc.idx].ifa
		                          : (char *)&cfg->vlans[sc.idx];
		key_line = cfg->vlans[sc.idx].key_line;
		if (seen)
			seen_line = &seen->vlan[sc.idx][id];
		break;
	}
	if (seen_line) {
		if (*seen_line)
			return cfg_fail(err, errlen, w, "%s %s: key given twice, first at line %u",
			                label, name, *seen_line);
		*seen_line = w->line;
	}
	rc = cfg_parse_value(k, value, k->type == CT_PORTLIST ? (void *)cfg : base + k->off, why,
	                     sizeof(why));
	if (rc < 0)
		return cfg_fail(err, errlen, w, "%s %s: %s", label, name, why);
	key_line[id] = w->line;
	cfg_sect_enter(cfg, sc, 0);
	return 0;
}

/* Values that follow from others unless given: broadcast = addr | ~netmask. */
static void ifa_derive(struct ifaddr_cfg *ifa, const uint32_t *key_line)
{
	if (!key_line[K_BROADCAST] && ifa->addr.family == AF_INET && ifa->netmask.family == AF_INET)
		ifa->broadcast = ip_addr_v4(ifa->addr.v4 | ~ifa->netmask.v4);
}

void cfg_derive(struct config *cfg)
{
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++)
		ifa_derive(&cfg->ports[i].ifa, cfg->ports[i].key_line);
	for (unsigned i = 0; i < CFG_MAX_VLANS; i++)
		ifa_derive(&cfg->vlans[i].ifa, cfg->vlans[i].key_line);
}

/* ---- defaults ---- */

/* Applies the defaults of scope's keys to obj (and of the address keys to ifa,
 * when given). */
static void defaults_apply(struct config *cfg, void *obj, struct ifaddr_cfg *ifa,
                           enum cfg_scope scope)
{
	char why[128];

	for (unsigned id = 0; id < K_COUNT; id++) {
		const struct cfg_key *k = &cfg_keys[id];
		void *dst;

		if (!k->def || (k->scope != scope && !(k->scope == SC_IFA && ifa)))
			continue;
		if (k->type == CT_PORTLIST)
			dst = cfg;
		else
			dst = (k->scope == SC_IFA ? (char *)ifa : (char *)obj) + k->off;
		if (cfg_parse_value(k, k->def, dst, why, sizeof(why)) < 0)
			LOG_ERR("config: default of %s: %s", k->name, why); /* a table bug */
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	defaults_apply(cfg, cfg, NULL, SC_DPDK);
	defaults_apply(cfg, cfg, NULL, SC_PCAP);
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++) {
		cfg->ports[i].id = (uint16_t)i;
		defaults_apply(cfg, &cfg->ports[i], &cfg->ports[i].ifa, SC_PORT);
	}
	for (unsigned i = 0; i < CFG_MAX_VLANS; i++)
		defaults_apply(cfg, &cfg->vlans[i], &cfg->vlans[i].ifa, SC_VLAN);
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		cfg->knob[i] = knob_table[i].def;
	cfg->proc_type = PROC_PRIMARY;
	cfg->proc_id = 0;
}
