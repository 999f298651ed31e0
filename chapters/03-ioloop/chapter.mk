# chapters/03-ioloop/chapter.mk - the IOLoop, its backends, and its programs.
CH03 := $(BUILD)/chapters/03-ioloop
CH03_OBJ := $(CH03)/ioloop.o $(CH03)/timer_heap.o $(CH03)/poller_epoll.o \
            $(CH03)/poller_select.o
# The server reuses chapter 2's connection state machine as it is.
$(CH03)/server.o: CPPFLAGS += -Ichapters/02-select

$(CH03)/server: $(CH03)/server.o $(CH03_OBJ) $(CH02)/conn.o $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH03)/server

# The subprocess demo: commands with timeouts on the IOLoop (subprocess.c).
$(CH03)/subprocess: $(CH03)/subprocess_demo.o $(CH03)/subprocess.o $(CH03_OBJ) \
                    $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH03)/subprocess

# tests/unit/subprocess_test.c: no zombie, no leaked descriptor, the results.
UNIT_OBJS_subprocess_test := $(CH03)/subprocess.o $(CH03_OBJ)
$(BUILD)/tests/unit/subprocess_test.o: CPPFLAGS += -Ichapters/03-ioloop

# tests/unit/ioloop_test.c runs the loop on both backends;
# tests/unit/timer_heap_test.c drives the heap alone.
UNIT_OBJS_ioloop_test := $(CH03_OBJ)
UNIT_OBJS_timer_heap_test := $(CH03)/timer_heap.o
$(BUILD)/tests/unit/ioloop_test.o: CPPFLAGS += -Ichapters/03-ioloop
$(BUILD)/tests/unit/timer_heap_test.o: CPPFLAGS += -Ichapters/03-ioloop
