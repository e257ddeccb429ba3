/* proc.h: the process context, what is per process as opposed to per lcore
 * (DESIGN.md "Process and lcore").
 *
 *   per process (set up once, by ff_init)    per lcore (one struct stack each)
 *   ---------------------------------------  ----------------------------------
 *   the EAL, the configuration               its queue i on every port
 *   ports, configured with N queues          its packet pool (named by i)
 *   the list of the N stacks and their lcore tables, sockets, timers, counters
 *
 * Stack i runs on the i-th lcore of the mask and owns queue i of every port.
 * The context is the one piece of process-wide state besides the log level
 * (base/log.h): written by ff_init (or a test's fixture) before any stack
 * runs, read-only afterwards, so the threads read it without locks.  Nothing
 * on the data path reads it: a stack reaches only its own state; ff_run,
 * ff_stop_run, ff_stack_count and the ff_stats_total_* aggregate do.
 *
 * Call order: proc_set() (ff_init, fixtures) -> proc_get() any number of
 * times -> proc_clear() (fixtures, at teardown; ff_init's context lives as
 * long as the process).
 */
#ifndef FASTACK_STACK_PROC_H
#define FASTACK_STACK_PROC_H

#include <stdbool.h>

#include "stack/config.h"
#include "stack/stack.h"

#define PROC_MAX_STACKS 64 /* one per bit of lcore_mask */

struct proc {
	const struct config *cfg; /* NULL when a test built the stacks */
	unsigned nstacks;
	struct stack *stacks[PROC_MAX_STACKS]; /* stack i: id i, queue i */
	unsigned lcore[PROC_MAX_STACKS];       /* the EAL lcore that runs stack i */
};

/* The process context (nstacks 0 before proc_set). */
const struct proc *proc_get(void);
/* Installs the context (copied).  -EINVAL if it holds no stack, more than
 * PROC_MAX_STACKS, or stack i whose id is not i; -EBUSY if one is set. */
int proc_set(const struct proc *p);
/* Forgets the context (the stacks are the caller's to destroy). */
void proc_clear(void);
/* Index of s in the context, or -1 if s is not one of its stacks. */
int proc_stack_index(const struct stack *s);

#endif
