# chapters/06-forking/chapter.mk - supervised workers (process.c), the
# thread pool (executor.c), and the demo server on chapters 3 to 5.
CH06 := $(BUILD)/chapters/06-forking
CH06_OBJ := $(CH06)/process.o $(CH06)/executor.o $(CH06)/watchdog.o
# The chapter's files include chapter 5's, 4's and 3's headers; programs
# link $(CH06_OBJ) $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ) $(COMMON_OBJ).
$(CH06)/%.o: CPPFLAGS += -Ichapters/05-coroutines -Ichapters/04-iostream \
                         -Ichapters/03-ioloop

# The demo server: --procs, --threads, --reuseport, --exclusive, /stats.
$(CH06)/server: $(CH06)/server.o $(CH06_OBJ) $(CH05_OBJ) $(CH04_OBJ) \
                $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)
PROGRAMS += $(CH06)/server

# tests/unit/executor_test.c: results on the loop's thread, cancel before
# start, shutdown waits, a full queue, threads in parallel.
UNIT_OBJS_executor_test := $(CH06_OBJ) $(CH05_OBJ) $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/executor_test.o: CPPFLAGS += -Ichapters/06-forking \
                                                 -Ichapters/05-coroutines \
                                                 -Ichapters/03-ioloop

# tests/unit/process_test.c: process_fork's scenarios, one per run.
UNIT_OBJS_process_test := $(CH06)/process.o
$(BUILD)/tests/unit/process_test.o: CPPFLAGS += -Ichapters/06-forking
