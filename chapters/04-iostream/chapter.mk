# chapters/04-iostream/chapter.mk - IOStream and TCPServer on chapter 3's
# IOLoop. No server.c yet: the chapter builds and tests its modules first.
CH04 := $(BUILD)/chapters/04-iostream
CH04_OBJ := $(CH04)/iostream.o $(CH04)/tcpserver.o
# The chapter's modules include chapter 3's ioloop.h; programs built on them
# link $(CH04_OBJ) $(CH03_OBJ) $(COMMON_OBJ).
$(CH04)/%.o: CPPFLAGS += -Ichapters/03-ioloop

# tests/unit/iostream_test.c drives IOStreams over socketpairs, on both
# backends.
UNIT_OBJS_iostream_test := $(CH04)/iostream.o $(CH03_OBJ)
$(BUILD)/tests/unit/iostream_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                                 -Ichapters/03-ioloop

# tests/unit/tcpserver_test.c: listening, accepting, running out of fds.
UNIT_OBJS_tcpserver_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/tcpserver_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                                  -Ichapters/03-ioloop

# The HTTP server: httpserver.c (the server, the response writer) and
# http1connection.c (one connection: heads, bodies, deadlines).
CH04_OBJ += $(CH04)/httpserver.o $(CH04)/http1connection.o

# tests/unit/httpserver_test.c: unit cases, and a server of a few handlers
# (--port 0 ...) for the black-box tests.
UNIT_OBJS_httpserver_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/httpserver_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                                   -Ichapters/03-ioloop
