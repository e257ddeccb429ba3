/* api.h: the api layer's interface to the rest of the library and to tests.
 *
 * ff_init() = the configuration (config_from_args, config_validate,
 * config_check_runnable) + api_proc_start().  Tests that run what the
 * configuration check still refuses (several lcores: multi-core is not done)
 * call api_proc_start() on a configuration they built themselves.
 */
#ifndef FASTACK_API_API_H
#define FASTACK_API_API_H

#include <stdbool.h>
#include <sys/types.h>

#include "stack/config.h"

/* Starts the EAL on the lcores of cfg's mask, the pools, the ports (N
 * queues) and one stack per lcore, and installs the process context
 * (stack/proc.h); the calling thread runs stack 0.  cfg must outlive the
 * process (the context points at it).  0, or -1 with errno and one line on
 * stderr. */
int api_proc_start(const struct config *cfg);

/* Fills ff_global_cfg (include/ff_config.h) from cfg and, with [dpdk]
 * fstack_log_level set, opens F-Stack's log file (ff_log_open_set), as
 * F-Stack's ff_init does (ff_compat_config.c). */
void api_compat_config_fill(const struct config *cfg);

/* ff_write's zero-copy case (ff_compat_zc.c): if buf is the head of a chain
 * ff_zc_mbuf_get gave the calling thread's stack, queues it on fd without a
 * copy, sets *out to what ff_write returns (errno set) and returns true;
 * otherwise returns false (an ordinary buffer). */
bool api_zc_write(int fd, const void *buf, size_t nbytes, ssize_t *out);

#endif
