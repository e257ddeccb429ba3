/* fuzz_config.c: libFuzzer target for the configuration loader
 * (src/stack/config.c): the INI text and the command line.
 *
 * Input: the INI text up to the first NUL byte; after it, NUL-separated
 * command-line arguments.  Each input is loaded three ways:
 *
 *   1. config_load_string() of the text, then config_validate();
 *   2. when that loaded, config_dump() of the result must load back
 *      (config_load_string of the dump) into a configuration whose own dump
 *      is the same text: config.h promises a dump "loads back into the same
 *      values";
 *   3. config_from_args() with the arguments, the file being the text
 *      (a memfd, read through /proc/self/fd/N): every -c/--conf the input
 *      names is pointed at it, so no other file is ever opened.
 *
 * Errors are expected and fine; what counts is no crash, no sanitizer
 * report, no leak (LeakSanitizer, at the end of each input), an error
 * message that is a terminated string, and the round trip of 2 (abort()
 * otherwise, so that libFuzzer reports it).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *   ninja -C build-fuzz fuzz/fuzz_config
 *   python3 fuzz/make_seeds.py --config corpus-config
 *   build-fuzz/fuzz/fuzz_config -max_total_time=60 corpus-config
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stack/config.h"

#define MAX_ARGS 32
#define NAME "fuzz.ini"

static int memfd = -1;
static char path[64];

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	if (a)
		fprintf(stderr, "--- first:\n%s\n", a);
	if (b)
		fprintf(stderr, "--- second:\n%s\n", b);
	abort();
}

/* cfg as config_dump writes it (caller frees). */
static char *dump(const struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		fail("open_memstream", NULL, NULL);
	config_dump(cfg, f);
	fclose(f);
	return text;
}

static void check_err(const char *err)
{
	if (!memchr(err, '\0', CFG_ERR_LEN))
		fail("error message not terminated", NULL, NULL);
}

static void from_string(const char *text)
{
	struct config *cfg = malloc(sizeof(*cfg)), *back = malloc(sizeof(*back));
	char err[CFG_ERR_LEN] = "";
	char *d1, *d2;

	if (!cfg || !back)
		fail("out of memory", NULL, NULL);
	config_defaults(cfg);
	if (config_load_string(cfg, NAME, text, err, sizeof(err)) < 0) {
		check_err(err);
		goto out;
	}
	config_validate(cfg, err, sizeof(err));
	check_err(err);
	d1 = dump(cfg);
	config_defaults(back);
	if (config_load_string(back, NAME, d1, err, sizeof(err)) < 0)
		fail(err, d1, NULL);
	d2 = dump(back);
	if (strcmp(d1, d2) != 0)
		fail("the dump does not load back into the same configuration", d1, d2);
	free(d1);
	free(d2);
out:
	free(cfg);
	free(back);
}

static void from_args(const uint8_t *p, size_t n)
{
	static char conf_long[80], conf_short[80];
	char *copy = malloc(n + 1), *argv[MAX_ARGS + 3];
	struct config *cfg = malloc(sizeof(*cfg));
	char err[CFG_ERR_LEN] = "";
	int argc = 0;

	if (!copy || !cfg)
		fail("out of memory", NULL, NULL);
	memcpy(copy, p, n);
	copy[n] = '\0';
	snprintf(conf_long, sizeof(conf_long), "--conf=%s", path);
	snprintf(conf_short, sizeof(conf_short), "-c%s", path);
	argv[argc++] = "fuzz";
	argv[argc++] = conf_long;
	for (size_t off = 0; off < n && argc < MAX_ARGS + 2;) {
		char *a = copy + off;
		size_t len = strlen(a);

		/* Every file the input names is the memfd. */
		if (!strcmp(a, "-c") || !strcmp(a, "--conf")) {
			argv[argc++] = conf_long;
			off += len + 1;
			if (off < n)
				off += strlen(copy + off) + 1; /* its argument */
			continue;
		}
		if (!strncmp(a, "--conf=", 7))
			a = conf_long;
		else if (!strncmp(a, "-c", 2))
			a = conf_short;
		argv[argc++] = a;
		off += len + 1;
	}
	argv[argc] = NULL;
	config_defaults(cfg);
	if (config_from_args(cfg, argc, argv, err, sizeof(err)) == 0)
		config_validate(cfg, err, sizeof(err));
	check_err(err);
	free(cfg);
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("fuzz_config", 0);
	if (memfd < 0)
		fail("memfd_create", NULL, NULL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char *text = malloc(tlen + 1);

	if (!text)
		fail("out of memory", NULL, NULL);
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	from_string(text);
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, text, tlen, 0) != (ssize_t)tlen)
		fail("cannot write the memfd", NULL, NULL);
	if (nul)
		from_args(nul + 1, size - tlen - 1);
	else
		from_args((const uint8_t *)"", 0);
	free(text);
	return 0;
}
