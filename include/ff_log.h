/* ff_log.h: F-Stack's logging calls, for F-Stack programs that log through
 * the stack (ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_APP, ...)).
 *
 * The levels and log types are DPDK's (rte_log.h), as in F-Stack: a level
 * is 1 (emergency) .. 8 (debug), a log type 0..31 is one of DPDK's static
 * types (24..29 are free for applications).  Messages go to the DPDK log
 * stream, stderr unless ff_log_reset_stream() names another FILE *.  A
 * message is written when its level is at most both the global level and
 * its type's level.
 */
#ifndef FASTACK_FF_LOG_H
#define FASTACK_FF_LOG_H

#include <stdarg.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Levels (DPDK's RTE_LOG_*). */
#define FF_LOG_EMERG 1U
#define FF_LOG_ALERT 2U
#define FF_LOG_CRIT 3U
#define FF_LOG_ERR 4U
#define FF_LOG_WARNING 5U
#define FF_LOG_NOTICE 6U
#define FF_LOG_INFO 7U
#define FF_LOG_DEBUG 8U
#define FF_LOG_MAX FF_LOG_DEBUG

/* Log types (DPDK's static RTE_LOGTYPE_*). */
#define FF_LOGTYPE_EAL 0
#define FF_LOGTYPE_MALLOC 1
#define FF_LOGTYPE_RING 2
#define FF_LOGTYPE_MEMPOOL 3
#define FF_LOGTYPE_TIMER 4
#define FF_LOGTYPE_PMD 5
#define FF_LOGTYPE_HASH 6
#define FF_LOGTYPE_LPM 7
#define FF_LOGTYPE_KNI 8
#define FF_LOGTYPE_ACL 9
#define FF_LOGTYPE_POWER 10
#define FF_LOGTYPE_METER 11
#define FF_LOGTYPE_SCHED 12
#define FF_LOGTYPE_PORT 13
#define FF_LOGTYPE_TABLE 14
#define FF_LOGTYPE_PIPELINE 15
#define FF_LOGTYPE_MBUF 16
#define FF_LOGTYPE_CRYPTODEV 17
#define FF_LOGTYPE_EFD 18
#define FF_LOGTYPE_EVENTDEV 19
#define FF_LOGTYPE_GSO 20
#define FF_LOGTYPE_USER1 24 /* 24..29: for applications */
#define FF_LOGTYPE_USER2 25
#define FF_LOGTYPE_USER3 26
#define FF_LOGTYPE_USER4 27
#define FF_LOGTYPE_USER5 28
#define FF_LOGTYPE_USER6 29
#define FF_LOGTYPE_USER7 30 /* the stack's own */
#define FF_LOGTYPE_USER8 31
#define FF_LOGTYPE_FIRST_EXT_ID 32

#define FF_LOGTYPE_FSTACK_APP FF_LOGTYPE_USER1
#define FF_LOGTYPE_FSTACK_LIB FF_LOGTYPE_USER7
#define FF_LOGTYPE_FSTACK_FREEBSD FF_LOGTYPE_USER8

/* Writes a message (printf format).  0, or -1 when it could not be written
 * (level or type out of range, stream error). */
int ff_log(uint32_t level, uint32_t logtype, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int ff_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Sends messages to f (a FILE * the application owns); NULL: back to
 * stderr.  0 or -1. */
int ff_log_reset_stream(void *f);
/* The same, F-Stack's older name. */
int ff_openlog_stream(void *f);
/* Opens F-Stack's log file, <[dpdk] fstack_log_file_prefix><proc-id>.log
 * (appending), and makes it the stream, with the library's types
 * (FF_LOGTYPE_FSTACK_LIB, _FREEBSD) at [dpdk] fstack_log_level.  ff_init
 * calls it when fstack_log_level is above 0.  0, or -1 with errno (EINVAL
 * before ff_init). */
int ff_log_open_set(void);
/* Closes the file ff_log_open_set opened (nothing if none).  A stream the
 * application gave with ff_log_reset_stream stays the stream (it is the
 * application's to close); if the closed file was the stream, messages go
 * to stderr again. */
void ff_log_close(void);

/* The global level: messages above it are not written. */
void ff_log_set_global_level(uint32_t level);
/* One type's level.  0, or -1 for a type or level out of range. */
int ff_log_set_level(uint32_t logtype, uint32_t level);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
