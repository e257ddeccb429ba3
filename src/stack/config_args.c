/* config_args.c: F-Stack's command line (config_from_args): -c/--conf,
 * -t/--proc-type, -p/--proc-id and --set SECTION.KEY=VALUE, in two passes
 * (options and the file, then each --set in order on top of it).
 *
 * Not getopt_long(3): its state is process-wide (optind, and glibc's
 * position inside a grouped argument), which ff_init would leave changed
 * under an application that parses its own options with getopt afterwards,
 * and it takes abbreviations (--co for --conf) that fastack has always
 * refused.  The forms taken are getopt_long's otherwise: -cFILE, -c FILE,
 * --conf FILE, --conf=FILE, and "--" ends the options.  As F-Stack's
 * getopt_long (which permutes), an argument that is no option (redis's
 * "redis.conf" after F-Stack's options, "-" alone) is the application's and
 * is skipped wherever it stands; an unknown option is an error, as in
 * F-Stack.
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

/* ---- the command line ---- */

enum cli_opt { OPT_CONF, OPT_PROC_TYPE, OPT_PROC_ID, OPT_SET };

static const struct {
	char short_name; /* 0: none */
	const char *long_name;
} cli_opts[] = {
	[OPT_CONF] = { 'c', "conf" },
	[OPT_PROC_TYPE] = { 't', "proc-type" },
	[OPT_PROC_ID] = { 'p', "proc-id" },
	[OPT_SET] = { 0, "set" },
};

#define CLI_USAGE                                                                            \
	"fastack takes -c/--conf FILE, -t/--proc-type primary|secondary|auto, -p/--proc-id " \
	"N and --set SECTION.KEY=VALUE"

#define OPT_END 100   /* "--": the rest belongs to the application */
#define OPT_OTHER 101 /* not an option: the application's, skipped */

/* Reads the option at argv[*i] (advancing *i past its argument).  Returns
 * an enum cli_opt, OPT_END, OPT_OTHER, or -EINVAL with err. */
static int next_opt(int argc, char *const argv[], int *i, const char **val, char *err,
                    size_t errlen)
{
	const char *a = argv[*i], *eq = NULL;
	int opt = -1;

	if (strcmp(a, "--") == 0)
		return OPT_END;
	if (a[0] == '-' && a[1] == '-') {
		size_t n;

		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		for (unsigned o = 0; o < ARRAY_SIZE(cli_opts); o++)
			if (strlen(cli_opts[o].long_name) == n &&
			    strncmp(cli_opts[o].long_name, a + 2, n) == 0)
				opt = (int)o;
		if (opt >= 0 && eq) {
			*val = eq + 1;
			return opt;
		}
	} else if (a[0] == '-' && a[1]) {
		for (unsigned o = 0; o < ARRAY_SIZE(cli_opts); o++)
			if (cli_opts[o].short_name && cli_opts[o].short_name == a[1])
				opt = (int)o;
		if (opt >= 0 && a[2]) {
			*val = a + 2;
			return opt;
		}
	} else {
		return OPT_OTHER;
	}
	if (opt < 0)
		return cfg_fail(err, errlen, NULL, "unknown option '%s' (%s)", a, CLI_USAGE);
	if (*i + 1 >= argc)
		return cfg_fail(err, errlen, NULL, "%s: missing its argument", a);
	*val = argv[++*i];
	return opt;
}

/* proc-id N runs on the Nth set bit of lcore_mask (as in F-Stack). */
int cfg_check_proc_id(const struct config *cfg, char *err, size_t errlen)
{
	unsigned n = (unsigned)__builtin_popcountll(cfg->lcore_mask);

	if (cfg->proc_id < n)
		return 0;
	return cfg_fail(err, errlen, NULL,
	                "--proc-id %u: lcore_mask 0x%" PRIx64
	                " has %u lcore%s, so proc-id must be 0..%u",
	                cfg->proc_id, cfg->lcore_mask, n, n == 1 ? "" : "s", n ? n - 1 : 0);
}

/* One --set SECTION.KEY=VALUE. */
static int apply_set(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	struct where w = { .line = CFG_LINE_SET, .set = arg };
	char lhs[256], why[256];
	const char *eq = strchr(arg, '='), *key;
	struct sect sc;
	size_t n;

	n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || n == 0 || n >= sizeof(lhs))
		return cfg_fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
	memcpy(lhs, arg, n);
	lhs[n] = '\0';
	if (cfg_has_prefix(lhs, "freebsd.sysctl.")) {
		lhs[strlen("freebsd.sysctl")] = '\0';
		key = lhs + strlen("freebsd.sysctl") + 1;
	} else {
		char *dot = strchr(lhs, '.');

		if (!dot)
			return cfg_fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
		*dot = '\0';
		key = dot + 1;
	}
	if (!*key)
		return cfg_fail(err, errlen, &w, "expected SECTION.KEY=VALUE");
	if (cfg_sect_resolve(lhs, &sc, why, sizeof(why)) < 0)
		return cfg_fail(err, errlen, &w, "[%s]: %s", lhs, why);
	return cfg_apply(cfg, sc, key, eq + 1, &w, NULL, err, errlen);
}

int config_from_args(struct config *cfg, int argc, char *const argv[], char *err, size_t errlen)
{
	const char *conf = "config.ini", *val;
	uint64_t u;
	int i, opt, rc;

	if (err && errlen)
		err[0] = '\0';
	/* Pass 1: options, the file. */
	for (i = 1; i < argc; i++) {
		opt = next_opt(argc, argv, &i, &val, err, errlen);
		if (opt < 0)
			return opt;
		if (opt == OPT_END)
			break;
		switch (opt) {
		case OPT_OTHER:
			break;
		case OPT_CONF:
			conf = val;
			break;
		case OPT_PROC_TYPE:
			if (strcmp(val, "primary") == 0)
				cfg->proc_type = PROC_PRIMARY;
			else if (strcmp(val, "secondary") == 0)
				cfg->proc_type = PROC_SECONDARY;
			else if (strcmp(val, "auto") == 0)
				cfg->proc_type = PROC_AUTO;
			else
				return cfg_fail(
				    err, errlen, NULL,
				    "--proc-type '%s': expected primary, secondary or auto", val);
			break;
		case OPT_PROC_ID:
			rc = cfg_parse_u64(val, &u);
			if (rc < 0 || u > 63)
				return cfg_fail(err, errlen, NULL,
				                "--proc-id '%s': expected a number 0..63", val);
			cfg->proc_id = (unsigned)u;
			break;
		case OPT_SET:
			break; /* pass 2 */
		}
	}
	rc = config_load_file(cfg, conf, err, errlen);
	if (rc < 0)
		return rc;
	/* Pass 2: --set overrides, in order, on top of the file. */
	for (i = 1; i < argc; i++) {
		opt = next_opt(argc, argv, &i, &val, err, errlen);
		if (opt == OPT_END)
			break;
		if (opt == OPT_SET) {
			rc = apply_set(cfg, val, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	cfg_derive(cfg);
	return cfg_check_proc_id(cfg, err, errlen);
}
