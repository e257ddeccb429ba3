/* ff_config.h: present so that F-Stack programs, which include it beside
 * ff_api.h, build unchanged.
 *
 * F-Stack's struct ff_config and its global ff_global_cfg are not provided:
 * fastack's configuration (the same INI file, docs/config.md) is parsed by
 * ff_init and held per stack, not in a process-wide struct.  What a running
 * program may read or change is reached by name through the knobs
 * (ff_sysctl_knob in ff_api.h) and the counters (ff_stats_get).
 */
#ifndef FASTACK_FF_CONFIG_H
#define FASTACK_FF_CONFIG_H

#include "ff_api.h"

#endif
