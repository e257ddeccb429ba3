/* proc.c: the process context (proc.h). */
#include "stack/proc.h"

#include <errno.h>
#include <string.h>

static struct proc the_proc; /* read-only while any stack runs: proc.h */

const struct proc *proc_get(void)
{
	return &the_proc;
}

int proc_set(const struct proc *p)
{
	if (the_proc.nstacks)
		return -EBUSY;
	if (!p || p->nstacks == 0 || p->nstacks > PROC_MAX_STACKS)
		return -EINVAL;
	for (unsigned i = 0; i < p->nstacks; i++)
		if (!p->stacks[i] || p->stacks[i]->id != i)
			return -EINVAL;
	the_proc = *p;
	return 0;
}

void proc_clear(void)
{
	memset(&the_proc, 0, sizeof(the_proc));
}

int proc_stack_index(const struct stack *s)
{
	if (s && s->id < the_proc.nstacks && the_proc.stacks[s->id] == s)
		return (int)s->id;
	return -1;
}
