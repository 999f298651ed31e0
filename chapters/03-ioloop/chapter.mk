# chapters/03-ioloop/chapter.mk - the IOLoop, its backends, and its programs.
CH03 := $(BUILD)/chapters/03-ioloop
CH03_OBJ := $(CH03)/ioloop.o $(CH03)/timer_heap.o $(CH03)/poller_epoll.o \
            $(CH03)/poller_select.o
# The server reuses chapter 2's connection state machine as it is.
$(CH03)/server.o: CPPFLAGS += -Ichapters/02-select

$(CH03)/server: $(CH03)/server.o $(CH03_OBJ) $(CH02)/conn.o $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH03)/server
