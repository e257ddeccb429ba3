/* co_switch.S: the coroutine context switch (x86-64, System V ABI).
 *
 *   void co_switch(void **save_sp, void *new_sp);
 *
 * Pushes the callee-saved registers (rbp, rbx, r12..r15) and the SSE and
 * x87 control words (callee-saved too, System V ABI 3.2.1) on the current
 * stack, stores the stack pointer in
 * *save_sp, loads new_sp and pops the same frame from it; the ret then
 * continues where that stack last called co_switch.  Caller-saved
 * registers need no saving: co_switch is an ordinary call to the compiler.
 * No system call, no signal mask (which is what makes swapcontext slow).
 *
 * A new stack is given a frame (src/co/co.c, co_stack_frame) whose ret
 * lands in co_trampoline with the entry function in r12 and its argument
 * in r13, and the stack pointer 16-byte aligned, as a call needs.
 */
	.text
	.globl	co_switch
	.hidden	co_switch
	.type	co_switch, @function
	.p2align 4
co_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	/* Loading a control word stalls the pipeline: only when the saved one
	 * differs from the current (control bits of MXCSR, 6..15; its flag
	 * bits 0..5 are caller-saved).  The red zone below rsp is scratch. */
	stmxcsr	-8(%rsp)
	movl	-8(%rsp), %eax
	xorl	(%rsp), %eax
	testl	$0xffc0, %eax
	jz	1f
	ldmxcsr	(%rsp)
1:	fnstcw	-8(%rsp)
	movzwl	-8(%rsp), %eax
	cmpw	4(%rsp), %ax
	je	2f
	fldcw	4(%rsp)
2:	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	co_switch, .-co_switch

	.globl	co_trampoline
	.hidden	co_trampoline
	.type	co_trampoline, @function
	.p2align 4
co_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	co_trampoline, .-co_trampoline

	.section .note.GNU-stack, "", @progbits
