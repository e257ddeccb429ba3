/* api.h: the api layer's interface to the rest of the library and to tests.
 *
 * ff_init() = the configuration (config_from_args, config_validate,
 * config_check_runnable) + api_proc_start().  Tests that run what the
 * configuration check still refuses (several lcores: multi-core is not done)
 * call api_proc_start() on a configuration they built themselves.
 */
#ifndef FASTACK_API_API_H
#define FASTACK_API_API_H

#include "stack/config.h"

/* Starts the EAL on the lcores of cfg's mask, the pools, the ports (N
 * queues) and one stack per lcore, and installs the process context
 * (stack/proc.h); the calling thread runs stack 0.  cfg must outlive the
 * process (the context points at it).  0, or -1 with errno and one line on
 * stderr. */
int api_proc_start(const struct config *cfg);

#endif
