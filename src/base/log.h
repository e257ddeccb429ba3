/* log.h: leveled logging to stderr.
 *
 * The level is a process-wide setting, the one piece of shared state outside
 * struct stack (DESIGN.md principle 2 admits no mutable globals: this one is
 * fixed while any stack runs).  It is set at start-up before any stack
 * exists (ff_init, from [dpdk] log_level), as F-Stack's ff_log_open sets
 * its log levels once before the lcores start; from the first stack_create
 * until the last stack_destroy log_set_level refuses (-EBUSY), so stacks on
 * several threads read it without a lock and never see it change.
 */
#ifndef FASTACK_BASE_LOG_H
#define FASTACK_BASE_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* 0, or -EBUSY while a stack exists (the level is then unchanged). */
int log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* stack_create / stack_destroy: the level is fixed while any stack lives. */
void log_level_hold(void);
void log_level_release(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_ERR(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
