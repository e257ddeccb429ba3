/* ff_log.c: F-Stack's logging calls (include/ff_log.h) on DPDK's log
 * (rte_log), as F-Stack has them: same levels, same types, same stream.
 *
 * The stream is process-wide (DPDK has one); ff_log_close forgets a stream
 * the application gave, so a later message never touches a FILE * the
 * application has since closed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <rte_log.h>

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

void ff_log_close(void)
{
	rte_openlog_stream(NULL);
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
