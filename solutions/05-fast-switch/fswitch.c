/* fswitch.c - exercise 05-fast-switch (a solution): a context switch in
 * twenty instructions and no system call. The task and hints are in
 * README.md; the contract is in fswitch.h.
 *
 * What the System V ABI says a called function must give back as it found
 * it: rsp, the callee-saved rbx, rbp, r12-r15, and the control bits of
 * the SSE and x87 units (mxcsr, the x87 control word). Everything else a
 * caller of fswitch() expects to lose, as across any call. So the switch
 * pushes those on the old stack, keeps the stack pointer in from->sp,
 * loads to->sp, and pops them in the opposite order; its `ret` then
 * returns to whoever called fswitch() on the new stack (hint 1). */
#include "fswitch.h"

#include <stdint.h>
#include <string.h>

/* The saved frame, lowest address first: as fswitch leaves it on a stack,
 * and as fswitch_init builds the first one (hint 2). */
struct frame {
    uint32_t mxcsr;
    uint16_t x87_cw, pad;
    uint64_t r15, r14, r13, r12, rbx, rbp;
    void *ret; /* where fswitch's ret goes */
};

void fswitch_start(void);

__asm__(".text\n"
        ".globl fswitch\n"
        ".type fswitch, @function\n"
        "fswitch:\n"                  /* rdi = from, rsi = to */
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"     /* from->sp: sp is the first field */
        "    movq (%rsi), %rsp\n"     /* to->sp: now on the other stack */
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size fswitch, .-fswitch\n"
        /* A new context's first "return" lands here, with fn in r13 and
         * arg in r12 (callee-saved, so fswitch restored them), and rsp a
         * multiple of 16, as a call instruction wants (hint 3). */
        ".globl fswitch_start\n"
        ".type fswitch_start, @function\n"
        "fswitch_start:\n"
        "    movq %r12, %rdi\n"
        "    callq *%r13\n"
        "    ud2\n"                   /* fn returned: there is no caller */
        ".size fswitch_start, .-fswitch_start\n");

void fswitch_init(struct fswitch_ctx *ctx, void *stack, size_t size,
                  void (*fn)(void *), void *arg)
{
    /* The top of the stack, 16-aligned; the frame's ret slot 8 below it,
     * so that rsp is 16-aligned once ret has popped it (hint 3). */
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    struct frame *f = (struct frame *)(top - 8 - offsetof(struct frame, ret));

    memset(f, 0, sizeof *f);
    f->mxcsr = 0x1f80;  /* the ABI's initial state: all exceptions masked, */
    f->x87_cw = 0x037f; /* round to nearest (hint 4) */
    f->r12 = (uint64_t)(uintptr_t)arg;
    f->r13 = (uint64_t)(uintptr_t)fn;
    f->ret = (void *)fswitch_start;
    ctx->sp = f;
}
