/* ff_log.c: F-Stack's logging calls (include/ff_log.h) on DPDK's log
 * (rte_log), as F-Stack has them: same levels, same types, same stream.
 *
 * The stream is process-wide (DPDK has one).  F-Stack's own log file
 * ([dpdk] fstack_log_level > 0: <fstack_log_file_prefix><proc-id>.log) is
 * opened by ff_log_open_set, which ff_init calls, and closed by
 * ff_log_close.  A program that gives its own stream first
 * (ff_log_reset_stream) and then calls ff_log_close, as F-Stack's main.c
 * does, keeps its stream: ff_log_close closes the library's file only,
 * and sends messages back to stderr only if that file was the stream.
 */
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "ff_config.h"
#include "ff_log.h"

static bool level_ok(uint32_t level)
{
	return level >= FF_LOG_EMERG && level <= FF_LOG_MAX;
}

int ff_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	if (!level_ok(level) || logtype >= FF_LOGTYPE_FIRST_EXT_ID || !format)
		return -1;
	return rte_vlog(level, logtype, format, ap) < 0 ? -1 : 0;
}

int ff_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = ff_vlog(level, logtype, format, ap);
	va_end(ap);
	return rc;
}

int ff_log_reset_stream(void *f)
{
	return rte_openlog_stream((FILE *)f) < 0 ? -1 : 0;
}

int ff_openlog_stream(void *f)
{
	return ff_log_reset_stream(f);
}

int ff_log_open_set(void)
{
	char path[PATH_MAX + 16];
	FILE *f;

	if (ff_global_cfg.log.f)
		return 0; /* open already */
	if (!ff_global_cfg.log.dir) {
		errno = EINVAL; /* before ff_init: no configuration to follow */
		return -1;
	}
	snprintf(path, sizeof(path), "%s%d.log", ff_global_cfg.log.dir, ff_global_cfg.dpdk.proc_id);
	f = fopen(path, "a+");
	if (!f) {
		int e = errno;

		ff_log(FF_LOG_WARNING, FF_LOGTYPE_FSTACK_LIB, "cannot open log file %s: %s\n", path,
		       strerror(e));
		errno = e;
		return -1;
	}
	ff_global_cfg.log.f = f;
	rte_openlog_stream(f);
	if (level_ok((uint32_t)ff_global_cfg.log.level)) {
		rte_log_set_level(FF_LOGTYPE_FSTACK_LIB, (uint32_t)ff_global_cfg.log.level);
		rte_log_set_level(FF_LOGTYPE_FSTACK_FREEBSD, (uint32_t)ff_global_cfg.log.level);
	}
	return 0;
}

void ff_log_close(void)
{
	FILE *f = ff_global_cfg.log.f;

	if (!f)
		return;
	if (rte_log_get_stream() == f)
		rte_openlog_stream(NULL);
	ff_global_cfg.log.f = NULL;
	fclose(f);
}

void ff_log_set_global_level(uint32_t level)
{
	if (level_ok(level))
		rte_log_set_global_level(level);
}

int ff_log_set_level(uint32_t logtype, uint32_t level)
{
	if (!level_ok(level) || logtype >= FF_LOGTYPE_FIRST_EXT_ID)
		return -1;
	return rte_log_set_level(logtype, level) < 0 ? -1 : 0;
}
