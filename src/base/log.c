/* log.c: see log.h.
 *
 * The level and the count of living stacks are the process-wide setting
 * log.h describes: written only while no stack exists, read-only while
 * stacks run.  The count is atomic because stacks on several threads of one
 * process are created and destroyed concurrently; the level needs no
 * atomics, since no stack reads it while it can change.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static enum log_level log_level = LOG_LVL_WARN;
static unsigned log_holders; /* stacks alive (atomic) */

int log_set_level(enum log_level lvl)
{
	if (__atomic_load_n(&log_holders, __ATOMIC_ACQUIRE) != 0)
		return -EBUSY;
	log_level = lvl;
	return 0;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_level_hold(void)
{
	__atomic_fetch_add(&log_holders, 1, __ATOMIC_ACQ_REL);
}

void log_level_release(void)
{
	__atomic_fetch_sub(&log_holders, 1, __ATOMIC_ACQ_REL);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (lvl > log_level)
		return;
	fprintf(stderr, "fastack: %s: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
