# tests/tests.mk - the unit-test programs (tests/unit/*.c, each linked with
# common/) and the test tools (tests/tools/*.c: raw client, load generator).

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRC))
TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/tools/*.c))

# Chapters' unit tests name their extra objects as UNIT_OBJS_<name>.
.SECONDEXPANSION:
$(UNIT_BINS): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $$(UNIT_OBJS_$$*) $(COMMON_OBJ)
	$(LINK)

$(TOOL_BINS): $(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(UNIT_BINS) $(TOOL_BINS)

# tests/bench/coro_memory.c: make bench's memory per suspended coroutine,
# on chapter 5's coroutines (a bench program, not a test tool: it links a
# chapter). make bench builds it, coro_test (swapcontext's switch cost)
# and the 05-fast-switch solution (the hand-written switch's) too.
BENCH_CORO_MEMORY := $(BUILD)/tests/bench/coro_memory
$(BENCH_CORO_MEMORY): $(BUILD)/tests/bench/coro_memory.o $(CH05_OBJ) \
                      $(CH04_OBJ) $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)
$(BUILD)/tests/bench/coro_memory.o: CPPFLAGS += -Ichapters/05-coroutines \
                                                -Ichapters/03-ioloop
PROGRAMS += $(BENCH_CORO_MEMORY)
bench: $(BENCH_CORO_MEMORY) $(BUILD)/tests/unit/coro_test \
       $(BUILD)/solutions/05-fast-switch/server
