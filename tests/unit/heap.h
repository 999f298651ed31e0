/* heap.h - how many bytes the heap holds, for tests that check a stream or
 * a connection gives back what it took (iostream_test, httpserver_test).
 *
 *     size_t before = heap_in_use();
 *     ... serve a request, let the connection go idle ...
 *     CHECK_EQ(heap_in_use(), before);
 *
 * Under valgrind, whose malloc mallinfo2() cannot see, it says 0: a test
 * should then skip its heap checks and say so.
 */
#ifndef TESTS_HEAP_H
#define TESTS_HEAP_H

#include <malloc.h>
#include <stddef.h>

#ifdef __SANITIZE_ADDRESS__
/* From libasan (sanitizer/allocator_interface.h, which gcc does not ship):
 * under ASan, mallinfo2() does not see the allocations. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes the allocator has handed out and not had back. */
static inline size_t heap_in_use(void)
{
#ifdef __SANITIZE_ADDRESS__
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

#endif
