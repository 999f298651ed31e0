# chapters/05-coroutines/chapter.mk - coroutines, futures, gen, queues and
# locks, coroutine streams and handlers, the demo server and the demos.
CH05 := $(BUILD)/chapters/05-coroutines
CH05_OBJ := $(CH05)/coro.o $(CH05)/coro_stack.o $(CH05)/future.o \
            $(CH05)/gen.o
# The chapter's modules will include chapter 4's and 3's headers; coro.c
# needs neither. Programs built on them link $(CH05_OBJ) $(CH04_OBJ)
# $(CH03_OBJ) $(COMMON_OBJ).
$(CH05)/%.o: CPPFLAGS += -Ichapters/04-iostream -Ichapters/03-ioloop

# tests/unit/coro_test.c: switching, states, errors, the pool, the guards,
# 10,000 coroutines, and a stack overflow in a child process.
UNIT_OBJS_coro_test := $(CH05)/coro.o $(CH05)/coro_stack.o
$(BUILD)/tests/unit/coro_test.o: CPPFLAGS += -Ichapters/05-coroutines

# tests/unit/gen_test.c: futures (callbacks, references, errors) and the
# runner (spawn, await, sleep, moment, multi, with_timeout, run_sync).
UNIT_OBJS_gen_test := $(CH05_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/gen_test.o: CPPFLAGS += -Ichapters/05-coroutines \
                                            -Ichapters/03-ioloop

# ---- queues and locks (queues.c, locks.c) and their two demos ----
# waiters.c: the line of waiting futures with deadlines that the queue and
# every lock share; locks.c on it; queues.c on both (join is an event).
CH05_OBJ += $(CH05)/waiters.o $(CH05)/locks.o $(CH05)/queues.o

# tests/unit/queues_test.c, tests/unit/locks_test.c: errors, deadlines,
# FIFO order, skipped waiters, task_done and join, freeing with waiters.
UNIT_OBJS_queues_test := $(CH05_OBJ) $(CH03_OBJ)
UNIT_OBJS_locks_test := $(CH05_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/queues_test.o $(BUILD)/tests/unit/locks_test.o: \
    CPPFLAGS += -Ichapters/05-coroutines -Ichapters/03-ioloop

# The demos of tests/tornado/queue_demo.py and condition_demo.py.
$(CH05)/queue_demo: $(CH05)/queue_demo.o $(CH05_OBJ) $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)
$(CH05)/condition_demo: $(CH05)/condition_demo.o $(CH05_OBJ) $(CH03_OBJ) \
                        $(COMMON_OBJ)
	$(LINK)
PROGRAMS += $(CH05)/queue_demo $(CH05)/condition_demo

# The book's experiment, "Why done-callbacks go through the loop": the same
# queue demo on a future.o built with -DFUTURE_CALLBACKS_AT_ONCE, whose
# done-callbacks run inside set_result. Only tests/05-book.bats runs it.
$(CH05)/at_once/future.o: chapters/05-coroutines/future.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC    $< (at once)")
	$(Q)$(CC) $(CPPFLAGS) -Ichapters/05-coroutines -Ichapters/03-ioloop \
	    -DFUTURE_CALLBACKS_AT_ONCE $(CFLAGS) -c $< -o $@
$(CH05)/queue_demo_at_once: $(CH05)/queue_demo.o $(CH05)/at_once/future.o \
    $(filter-out $(CH05)/future.o,$(CH05_OBJ)) $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)
PROGRAMS += $(CH05)/queue_demo_at_once

# ---- coroutine streams and handlers, and the demo server ----
# gen_stream.c: chapter 4's IOStream read and written from a coroutine.
CH05_OBJ += $(CH05)/gen_stream.o

# gen_web.c: handler methods that are coroutines, on chapter 4's web.c.
CH05_OBJ += $(CH05)/gen_web.o

# The HTTP client (issue 11; the section at the end of this file):
# resolver.c, getaddrinfo on threads, answers back through the loop;
# httpclient_url.c, URLs and Locations; httpclient_response.c, the
# responses; httpclient_request.c, requests checked and written;
# httpclient_conn.c, one connection's exchanges; httpclient_pool.c, the
# idle ones; httpclient.c, fetch, the queue, timeouts, redirects.
CH05_OBJ += $(CH05)/resolver.o $(CH05)/httpclient_url.o \
            $(CH05)/httpclient_response.o $(CH05)/httpclient_request.o \
            $(CH05)/httpclient_pool.o \
            $(CH05)/httpclient_conn.o $(CH05)/httpclient.o

# tests/unit/gen_stream_test.c: coroutine streams over socketpairs.
UNIT_OBJS_gen_stream_test := $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/gen_stream_test.o: CPPFLAGS += -Ichapters/05-coroutines \
                                                   -Ichapters/04-iostream \
                                                   -Ichapters/03-ioloop

# tests/unit/gen_web_test.c: a server of coroutine handlers for the tests.
UNIT_OBJS_gen_web_test := $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/gen_web_test.o: CPPFLAGS += -Ichapters/05-coroutines \
                                                -Ichapters/04-iostream \
                                                -Ichapters/03-ioloop

# The chapter's demo server: the demo app, every route a coroutine handler
# (demo_handlers.c: the routes, which chapter 6's server links too).
CH05_OBJ += $(CH05)/demo_handlers.o
$(CH05)/server: $(CH05)/server.o $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ) \
                $(COMMON_OBJ)
	$(LINK)
PROGRAMS += $(CH05)/server

# ---- the C side of tests/tornado/ ----
# Each tests/tornado/*.c is a program of scenarios that print the same
# traces as Tornado 6.2 does for semantics.py and the demos (README.md).
TORNADO_BINS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/tornado/*.c))
$(TORNADO_BINS): $(BUILD)/tests/tornado/%: $(BUILD)/tests/tornado/%.o \
                 $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)
$(BUILD)/tests/tornado/%.o: CPPFLAGS += -Ichapters/05-coroutines \
                                        -Ichapters/03-ioloop -Itests/tornado
PROGRAMS += $(TORNADO_BINS)

# ---- the HTTP client (issue 11) ----
# (Its objects join CH05_OBJ above, before the server's rule, whose
# prerequisites make reads at once.)

# fetch: URLs fetched at once on one loop, a status line each.
$(CH05)/fetch: $(CH05)/fetch.o $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ) \
               $(COMMON_OBJ)
	$(LINK)
PROGRAMS += $(CH05)/fetch

# tests/unit/httpclient_test.c: the client's unit cases, and with --port a
# server of test routes (redirects, chunks, a peer's port) for
# tests/05-httpclient.bats.
UNIT_OBJS_httpclient_test := $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/httpclient_test.o: CPPFLAGS += -Ichapters/05-coroutines \
                                                   -Ichapters/04-iostream \
                                                   -Ichapters/03-ioloop
