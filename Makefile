# Makefile - one non-recursive make for every chapter, tool, test and exercise.
# All output goes under build/ (build/san/ with SAN=1). `make help` lists the
# targets. Each chapter adds its programs in chapters/NN-name/chapter.mk.

CC ?= cc
ifeq ($(CC),)
CC := cc
endif
CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -g -MMD -MP
CPPFLAGS := -Icommon
LDLIBS := -lpthread

ifeq ($(SAN),1)
BUILD := build/san
CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
          -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD := build
CFLAGS += -O2
endif
ifeq ($(WERROR),1)
CFLAGS += -Werror
endif

CHAPTERS := $(sort $(notdir $(wildcard chapters/[0-9][0-9]-*)))
# The newest chapter that has a server yet: a chapter under construction
# builds and tests its modules before its server.c exists.
NEWEST := $(lastword $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard chapters/*/server.c))))))
COMMON_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
PROGRAMS :=

# Objects depend on the flags they were built with: switching WERROR=1 on
# rebuilds everything instead of trusting objects built without -Werror.
FLAGS_FILE := $(BUILD)/.cflags
$(shell mkdir -p $(BUILD) && echo '$(CC) $(CFLAGS)' | cmp -s - $(FLAGS_FILE) || \
        echo '$(CC) $(CFLAGS)' > $(FLAGS_FILE))

# A file's own folder is on its include path, so a chapter finds its headers.
# Quiet by default ("CC file"); V=1 shows the whole commands.
Q := $(if $(filter 1,$(V)),,@)
$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC    $<")
	$(Q)$(CC) $(CPPFLAGS) -I$(<D) $(CFLAGS) -c $< -o $@

LINK = @mkdir -p $(@D); $(if $(Q),echo "  LINK  $@";) \
       $(CC) $(LDFLAGS) $(filter %.o,$^) $(LDLIBS) -o $@

include $(wildcard chapters/*/chapter.mk)
include tests/tests.mk
include tests/exercises/exercises.mk

.DEFAULT_GOAL := all
.PHONY: all run test check progress help clean bench
all: $(PROGRAMS)

run: all
	@echo "Starting chapter $(NEWEST)'s server. In another terminal, try:"
	@echo "    curl http://127.0.0.1:8888/"
	@echo "    curl http://127.0.0.1:8888/sleep/2"
	@echo "Stop it with Ctrl-C."
	@exec $(BUILD)/chapters/$(NEWEST)/server --port 8888

test: all
	@BUILD=$(BUILD) tests/run all

test-%: all
	@BUILD=$(BUILD) tests/run $*

# The benchmark needs only the servers and the load generator, built -O2.
BENCH_BINS := $(BUILD)/tests/tools/loadgen \
              $(filter $(CHAPTERS:%=$(BUILD)/chapters/%/server),$(PROGRAMS))
bench: $(BENCH_BINS)
	@BUILD=$(BUILD) tests/bench/run all

bench-%: $(BENCH_BINS)
	@BUILD=$(BUILD) tests/bench/run $*

check: all
	@BUILD=$(BUILD) tests/run check "$(EX)"

progress: all
	@BUILD=$(BUILD) tests/run progress

help:
	@echo "make                 build every chapter, tool and exercise into $(BUILD)/"
	@echo "make run             start the newest chapter's server ($(NEWEST)) on 127.0.0.1:8888"
	@echo "make test            run every test suite; the last line is 'N passed, N failed'"
	@echo "make test-NN         run one chapter's suites, e.g. make test-02"
	@echo "make test-common     run the common/ unit tests"
	@echo "make test-exercises  check every solution passes and every starter fails"
	@echo "make bench           every chapter's server beside nginx and Tornado under the same"
	@echo "                     load (about 3 min); writes tests/bench/results/bench.md and .svg"
	@echo "make bench-NN        the same for one chapter, e.g. make bench-03 (into $(BUILD)/bench/)"
	@echo "make check EX=NN-topic   check your work on one exercise"
	@echo "make progress        the table of your exercises, done or not"
	@echo "make clean           remove build/"
	@echo "make V=1             show the full compiler commands"
	@echo "switches: SAN=1 (AddressSanitizer + UBSan, into build/san/), WERROR=1"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
