/* config_file.c: the INI reader: config_load_file() and
 * config_load_string(), through libinih with our own line reader (config.c,
 * "Line numbers").  Every key goes through cfg_apply().
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

#include <ini.h>

#include "base/compiler.h"
#include "base/log.h"
#include "stack/config_priv.h"

/* ---- the file ---- */

struct parse {
	struct config *cfg;
	const char *name; /* for messages */
	char *err;
	size_t errlen;
	int rc; /* first error */

	FILE *f;          /* source: a file, */
	const char *text; /* or a string */
	char *buf;        /* getline's buffer */
	size_t bufcap;

	uint32_t lineno;
	struct sect sect; /* the section being read */
	struct seen seen;
};

static int parse_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_fail(struct parse *p, const char *fmt, ...)
{
	struct where w = { .file = p->name, .line = p->lineno };
	char msg[CFG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->rc = cfg_fail(p->err, p->errlen, &w, "%s", msg);
	return p->rc;
}

/* The next raw line (without its newline) or NULL at the end. */
static const char *next_line(struct parse *p, size_t *len)
{
	if (p->f) {
		ssize_t n = getline(&p->buf, &p->bufcap, p->f);

		if (n < 0) {
			if (ferror(p->f)) {
				int e = errno ? errno : EIO;
				struct where w = { .file = p->name };

				cfg_fail(p->err, p->errlen, &w, "%s", strerror(e));
				p->rc = -e;
			}
			return NULL;
		}
		*len = (size_t)n;
		if (*len && p->buf[*len - 1] == '\n')
			(*len)--;
		return p->buf;
	} else {
		const char *s = p->text, *nl;

		if (!*s)
			return NULL;
		nl = strchr(s, '\n');
		*len = nl ? (size_t)(nl - s) : strlen(s);
		p->text = nl ? nl + 1 : s + *len;
		return s;
	}
}

/* A section header line "[name]" (comment allowed after it). */
static int read_section(struct parse *p, const char *line)
{
	const char *close = strchr(line, ']'), *after;
	char name[128], why[256];
	size_t n;

	if (!close)
		return parse_fail(p, "%s: missing ] in section header", line);
	for (after = close + 1; *after == ' ' || *after == '\t'; after++)
		;
	if (*after && *after != ';' && *after != '#')
		return parse_fail(p, "%s: text after ] in section header", line);
	line++;
	while (*line == ' ' || *line == '\t')
		line++;
	n = (size_t)(close - line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, line, n);
	name[n] = '\0';
	if (cfg_sect_resolve(name, &p->sect, why, sizeof(why)) < 0) {
		p->sect.kind = SEC_NONE;
		return parse_fail(p, "[%s]: %s", name, why);
	}
	cfg_sect_enter(p->cfg, p->sect, p->lineno);
	return 0;
}

/* inih's reader: one line per call, checked and counted (see the top). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *line;
	size_t len;

	if (p->rc)
		return NULL;
	line = next_line(p, &len);
	if (!line)
		return NULL;
	p->lineno++;
	if (len && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len)) {
		parse_fail(p, "NUL byte in line");
		return NULL;
	}
	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3; /* UTF-8 byte order mark */
		len -= 3;
	}
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len >= (size_t)num) {
		parse_fail(p, "line longer than %d characters", num - 1);
		return NULL;
	}
	memcpy(str, line, len);
	str[len] = '\0';

	if (str[0] == '\0' || str[0] == ';' || str[0] == '#')
		return str;
	if (str[0] == '[') {
		if (read_section(p, str) < 0)
			return NULL;
		return str;
	}
	len = strcspn(str, "=:");
	if (!str[len]) {
		char lbuf[24];
		const char *label = cfg_sect_label(p->sect, lbuf, sizeof(lbuf));

		parse_fail(p, "%s%s'%s': expected key=value, [section] or a comment", label,
		           label[0] ? " " : "", str);
		return NULL;
	}
	if (len == 0) {
		parse_fail(p, "'%s': missing key before '%c'", str, str[0]);
		return NULL;
	}
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct where w = { .file = p->name, .line = p->lineno };

	(void)section; /* p->sect, resolved by the reader */
	if (p->rc)
		return 0;
	if (p->sect.kind == SEC_NONE) {
		parse_fail(p, "%s: key outside any section", name);
		return 0;
	}
	p->rc = cfg_apply(p->cfg, p->sect, name, value, &w, &p->seen, p->err, p->errlen);
	return p->rc == 0;
}

static int parse_run(struct parse *p)
{
	int r;

	if (p->err && p->errlen)
		p->err[0] = '\0';
	snprintf(p->cfg->file, sizeof(p->cfg->file), "%s", p->name);
	r = ini_parse_stream(reader, p, handler, p);
	free(p->buf);
	p->buf = NULL;
	if (p->rc)
		return p->rc;
	if (r != 0) {
		/* The reader catches what inih rejects; this is a safety net. */
		p->lineno = r > 0 ? (uint32_t)r : 0;
		parse_fail(p, "%s", r == -2 ? "out of memory" : "syntax error");
		return r == -2 ? -ENOMEM : -EINVAL;
	}
	cfg_derive(p->cfg);
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	p->f = fopen(path, "r");
	if (!p->f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(p);
		return rc;
	}
	p->cfg = cfg;
	p->name = path;
	p->err = err;
	p->errlen = errlen;
	rc = parse_run(p);
	fclose(p->f);
	free(p);
	return rc;
}

int config_load_string(struct config *cfg, const char *name, const char *text, char *err,
                       size_t errlen)
{
	struct parse *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	p->text = text;
	p->cfg = cfg;
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	rc = parse_run(p);
	free(p);
	return rc;
}
