# tests/exercises/exercises.mk - build every exercise twice: the reader's
# starter (exercises/NAME/server) and the reference (solutions/NAME/server).
# An exercise holds only the files the reader changes; the rest is linked
# from its chapter, so for each NAME we say which chapter objects it links
# (EX_OBJS_NAME) and whose headers it includes (EX_INC_NAME, one folder or
# more).
#
# An exercise on a module rather than on a server (03-periodic: a
# PeriodicCallback) is checked by a test driver, tests/exercises/NAME_driver.c,
# kept out of the reader's folder: it is compiled once per folder against
# that folder's headers and linked in, so "server" is then the driver, run
# with a case name as the unit tests are. EX_LDLIBS_NAME adds libraries.

EX_OBJS_01-fork-per-conn := $(CH01)/connection.o
EX_INC_01-fork-per-conn := chapters/01-blocking
EX_OBJS_01-thread-per-conn := $(CH01)/connection.o
EX_INC_01-thread-per-conn := chapters/01-blocking
EX_OBJS_02-poll-backend := $(CH02)/conn.o
EX_INC_02-poll-backend := chapters/02-select
EX_OBJS_02-idle-timeout := $(CH02)/server.o
EX_INC_02-idle-timeout := chapters/02-select
EX_OBJS_03-periodic := $(CH03_OBJ)
EX_INC_03-periodic := chapters/03-ioloop
EX_LDLIBS_03-periodic := -lm
EX_OBJS_03-poll-backend := $(CH03_OBJ)
EX_INC_03-poll-backend := chapters/03-ioloop
EX_OBJS_04-read-until-regex := $(CH04)/iostream.o $(CH03_OBJ)
EX_INC_04-read-until-regex := chapters/04-iostream chapters/03-ioloop
# The driver counts regcomp() and regfree() calls (every regex compiled is
# freed once, however the read ended), and steers regexec() around ASan's
# interceptor, which ignores REG_STARTEND: see the driver's __wrap_ functions.
EX_LDLIBS_04-read-until-regex := -Wl,--wrap=regcomp -Wl,--wrap=regfree \
                                 -Wl,--wrap=regexec
# The reader's static.c replaces the chapter's: the demo server (with
# --static) and every other chapter 4 object are linked as they are.
EX_OBJS_04-byte-ranges := $(CH04)/server.o \
                          $(filter-out $(CH04)/static.o,$(CH04_OBJ)) $(CH03_OBJ)
EX_INC_04-byte-ranges := chapters/04-iostream chapters/03-ioloop
# Chapter 5's exercises link the chapter's core (not its streams and web
# handlers, which would want chapter 4): coroutines, futures, the runner
# and the waiters list. Their names (with_timeout, sema_*, fswitch_*) are
# not the chapter's, so nothing clashes with gen.o or locks.o.
EX05_CORE := $(CH05)/coro.o $(CH05)/coro_stack.o $(CH05)/future.o \
             $(CH05)/gen.o $(CH05)/waiters.o
EX_OBJS_05-with-timeout := $(EX05_CORE) $(CH03_OBJ)
EX_INC_05-with-timeout := chapters/05-coroutines chapters/03-ioloop
# The driver counts the loop's timeouts: added, removed, fired.
EX_LDLIBS_05-with-timeout := -Wl,--wrap=ioloop_add_timeout \
                             -Wl,--wrap=ioloop_call_later \
                             -Wl,--wrap=ioloop_remove_timeout
EX_OBJS_05-semaphore := $(EX05_CORE) $(CH03_OBJ)
EX_INC_05-semaphore := chapters/05-coroutines chapters/03-ioloop
# A fetch with retries, on the chapter's whole HTTP client; the driver
# serves its scripted answers with chapter 4's web framework on the same
# loop, and counts httpclient_response_free() calls (every response but
# the last is freed by retry_fetch).
EX_OBJS_05-retry := $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ)
EX_INC_05-retry := chapters/05-coroutines chapters/04-iostream \
                   chapters/03-ioloop
EX_LDLIBS_05-retry := -Wl,--wrap=httpclient_response_free
# The reader's switch is the whole exercise: no chapter object is linked.
EX_OBJS_05-fast-switch :=
EX_INC_05-fast-switch := chapters/05-coroutines

EXERCISES := $(notdir $(wildcard solutions/[0-9][0-9]-*))

# ex_driver NAME: the driver's source, if NAME has one.
ex_driver = $(wildcard tests/exercises/$1_driver.c)

# exercise_server FOLDER NAME: FOLDER/NAME/*.c + the driver, if any + the
# chapter's objects. $(call) fills in $1 and $2 first; $$ defers the rest
# to $(eval).
define exercise_server
$(patsubst %.c,$(BUILD)/%.o,$(wildcard $1/$2/*.c)): CPPFLAGS += $(addprefix -I,$(EX_INC_$2))
$(BUILD)/$1/$2/server: LDLIBS += $(EX_LDLIBS_$2)
$(BUILD)/$1/$2/server: $(patsubst %.c,$(BUILD)/%.o,$(wildcard $1/$2/*.c)) \
		$(if $(call ex_driver,$2),$(BUILD)/$1/$2/$2_driver.o) \
		$(EX_OBJS_$2) $(COMMON_OBJ)
	$$(LINK)
PROGRAMS += $(BUILD)/$1/$2/server
endef

# exercise_driver FOLDER NAME: the driver, built against FOLDER/NAME's
# headers (the folder first), the chapter's, and tests/unit/check.h.
define exercise_driver
$(BUILD)/$1/$2/$2_driver.o: CPPFLAGS += -I$1/$2 $(addprefix -I,$(EX_INC_$2)) \
                                         -Itests/unit
$(BUILD)/$1/$2/$2_driver.o: $(call ex_driver,$2) $(FLAGS_FILE)
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  CC    $$<")
	$$(Q)$$(CC) $$(CPPFLAGS) $$(CFLAGS) -c $$< -o $$@
endef

$(foreach f,exercises solutions,\
  $(foreach n,$(EXERCISES),$(eval $(call exercise_server,$f,$n))\
    $(if $(call ex_driver,$n),$(eval $(call exercise_driver,$f,$n)))))
