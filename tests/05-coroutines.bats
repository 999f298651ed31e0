#!/usr/bin/env bats
# tests/05-coroutines.bats - chapter 5 (in progress): the coro module's unit
# cases (tests/unit/coro_test.c). The chapter has no server yet, so
# tests/run skips the demo-app suite for it.

load helpers

# ---- tests/unit/coro_test.c ----

@test "ch05 coro: resume and yield play ping-pong, a value going each way through a shared struct" {
    unit coro_test ping_pong
}

@test "ch05 coro: a coroutine is suspended when made, running inside, suspended in a yield, dead after its entry returns" {
    unit coro_test status_transitions
}

@test "ch05 coro: resuming a dead or running coroutine, yielding outside one, freeing a running one: EINVAL, no crash" {
    unit coro_test errors_are_einval
}

@test "ch05 coro: a coroutine resuming another is normal meanwhile, and each goes back to whoever resumed it last" {
    unit coro_test nested_resume
}

@test "ch05 coro: a freed coroutine's stack, dead or suspended, is pooled and the next one gets it without a new mmap" {
    unit coro_test freed_suspended_stack_is_reused
}

@test "ch05 coro: the stack pool keeps at most its bound and unmaps the rest" {
    unit coro_test pool_is_bounded
}

@test "ch05 coro: the stack size is settable in whole pages; 48 KiB of locals fit in the default 64 KiB" {
    unit coro_test stack_size_is_settable
}

@test "ch05 coro: 10,000 coroutines alive at once, each suspended, then all finished and freed" {
    unit coro_test ten_thousand_alive
}

@test "ch05 coro: 1,000 stacks with madvise guards add at most one VMA each, with mprotect guards two" {
    unit coro_test guard_pages_cost_vmas
}

@test "ch05 coro: a stack overflow kills the process with SIGSEGV after naming the coroutine on stderr" {
    unit coro_test stack_overflow_names_the_coroutine
}

@test "ch05 coro: any other fault in a coroutine goes to the previous SIGSEGV handler, not reported as an overflow" {
    unit coro_test other_fault_is_a_plain_segv
}

@test "ch05 coro: the current coroutine is per thread: NULL in main while another thread runs one" {
    unit coro_test current_is_per_thread
}

@test "ch05 coro: a stack overflow in a second thread is reported too, from that thread's own alternate signal stack" {
    unit coro_test stack_overflow_in_a_thread
}

# ---- tests/unit/gen_test.c: futures and the runner ----

@test "ch05 future: done-callbacks run in the order added, on the loop's next turn, never inside set_result; on a done future, at once" {
    unit gen_test future_callbacks
}

@test "ch05 future: setting twice is EINVAL, cancel works only while pending, a removed callback never runs" {
    unit gen_test future_states
}

@test "ch05 future: a failed future freed unread logs 'Future exception was never retrieved'; a read one does not" {
    unit gen_test future_never_retrieved
    [[ "$output" == *"Future exception was never retrieved: Numerical argument out of domain"* ]]
    [[ "$output" != *"out of range"* ]]
}

@test "ch05 gen: a spawned coroutine starts on the next turn, and resumes the turn after what it awaits is resolved" {
    unit gen_test spawn_and_await
}

@test "ch05 gen: awaiting a done future returns at once, without a turn of the loop" {
    unit gen_test await_done_future
}

@test "ch05 gen: gen_await, gen_sleep and gen_moment outside a coroutine are EPERM with a clear message, not a crash" {
    unit gen_test await_outside
    [[ "$output" == *"gen_await: not inside a coroutine"* ]]
}

@test "ch05 gen: sleepers wake in deadline order" {
    unit gen_test sleep_order
}

@test "ch05 gen: gen_moment lets two coroutines take turns" {
    unit gen_test moment_interleaves
}

@test "ch05 gen: multi waits for all; the first error in list order wins and the other is logged" {
    unit gen_test multi_first_error_in_list_order
    [[ "$output" == *"Multiple exceptions in yield list: Numerical result out of range"* ]]
}

@test "ch05 gen: with_timeout fails at its deadline and leaves the future it waits for running" {
    unit gen_test with_timeout_leaves_future_running
}

@test "ch05 gen: run_sync returns the result; on its timeout it cancels the coroutine and answers ETIMEDOUT; in a running loop, EBUSY" {
    unit gen_test run_sync
}

@test "ch05 gen: cancelling a coroutine cancels the sleep it waits in, or, before it starts, its whole body" {
    unit gen_test cancel_a_coroutine
}

@test "ch05 gen: 10,000 coroutines sleep at once and all wake" {
    unit gen_test ten_thousand_sleepers
}
