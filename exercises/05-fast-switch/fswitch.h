/* fswitch.h - exercise 05-fast-switch: switching from one stack to
 * another, the one operation under every coroutine (coro.c does it with
 * ucontext's swapcontext). x86-64 Linux, the System V ABI.
 *
 *     static struct fswitch_ctx main_ctx, co_ctx;
 *
 *     static void co(void *arg)              // runs on its own stack
 *     {
 *         for (;;)
 *             fswitch(&co_ctx, &main_ctx);   // back; resumed here later
 *     }
 *
 *     fswitch_init(&co_ctx, stack, size, co, NULL);
 *     fswitch(&main_ctx, &co_ctx);           // runs co until it switches back
 *
 * A context is saved by fswitch(from, ...) and resumed by a later
 * fswitch(..., to) with the same struct; fswitch_init() makes one that
 * starts fn(arg) at its first resume. fn must never return (there is
 * nowhere to return to): it switches away for the last time instead.
 */
#ifndef EX05_FSWITCH_H
#define EX05_FSWITCH_H

#include <stddef.h>
#include <ucontext.h>

struct fswitch_ctx {
    void *sp; /* the saved stack pointer: all a hand-written switch needs */
    /* The starter's, for swapcontext and makecontext: */
    ucontext_t uc;
    void (*fn)(void *);
    void *arg;
};

/* Make ctx start fn(arg) on the stack [stack, stack + size) when it is
 * first switched to. */
void fswitch_init(struct fswitch_ctx *ctx, void *stack, size_t size,
                  void (*fn)(void *), void *arg);

/* Save the running context into from, and go on where to was saved (or
 * start it). Returns when something switches back to from. */
void fswitch(struct fswitch_ctx *from, struct fswitch_ctx *to);

#endif
