/* per_stack.h: an example on every lcore of lcore_mask (threads mode).
 *
 * With several lcores, ff_run calls the loop function on every stack's
 * thread, and descriptors belong to the stack that made them.  So a program
 * keeps one state per stack (indexed by ff_stack_index()), sets up its
 * sockets on each stack's first pass, on that stack's thread, and, when
 * asked to stop, lets every stack close its own and report before the loops
 * end:
 *
 *   struct app apps[PER_STACK_MAX];
 *   loop(arg): a = &apps[ff_stack_index()];
 *              if (!a->up) { setup(a) or per_stack_fail(); a->up = true; }
 *              if (stop_requested) { if (!a->done) { close and report;
 *                                   a->done = true; per_stack_finished(); }
 *                                   return 0; }
 *
 * per_stack_finished() counts the stacks that are done and stops every loop
 * (ff_stop_run) when the last one is; until then the finished stacks keep
 * passing, so what they closed still leaves.  per_stack_lock() /
 * per_stack_unlock() keep one stack's report in one piece on stdout.
 * Header-only, like accept_pause.h.
 */
#ifndef FASTACK_EXAMPLES_PER_STACK_H
#define FASTACK_EXAMPLES_PER_STACK_H

#include <stdbool.h>
#include <stdio.h>

#include "ff_api.h"

#define PER_STACK_MAX 64

static unsigned per_stack_done;   /* stacks finished (atomic) */
static volatile int per_stack_rc; /* the exit code: set to 1 by a failure */

/* This stack has closed what it had: the last one stops every loop. */
static inline void per_stack_finished(void)
{
	if (__atomic_add_fetch(&per_stack_done, 1, __ATOMIC_ACQ_REL) >= (unsigned)ff_stack_count())
		ff_stop_run();
}

/* A stack could not set up: the program stops and exits 1. */
static inline void per_stack_fail(void)
{
	per_stack_rc = 1;
	ff_stop_run();
}

static inline void per_stack_lock(void)
{
	flockfile(stdout);
}

static inline void per_stack_unlock(void)
{
	fflush(stdout);
	funlockfile(stdout);
}

/* "name: " with one stack, "name[i]: " with several. */
static inline void per_stack_prefix(const char *name)
{
	if (ff_stack_count() > 1)
		printf("%s[%d]: ", name, ff_stack_index());
	else
		printf("%s: ", name);
}

#endif
