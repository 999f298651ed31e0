# chapters/04-iostream/chapter.mk - IOStream, TCPServer, the HTTP server
# and the web layer on chapter 3's IOLoop, and the demo server on them.
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

# The HTTP server, one layer per file, each calling only those below it:
# httpserver.c (the server), http1connection.c (one connection's cycle:
# heads, bodies, deadlines), httpresponse.c (the answer a handler writes)
# and httprequest.c (a request's fields from its head).
CH04_OBJ += $(CH04)/httpserver.o $(CH04)/http1connection.o $(CH04)/http1body.o \
            $(CH04)/httpresponse.o $(CH04)/httprequest.o

# tests/unit/httpserver_test.c: unit cases, and a server of a few handlers
# (--port 0 ...) for the black-box tests.
UNIT_OBJS_httpserver_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/httpserver_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                                   -Ichapters/03-ioloop

# tests/unit/stream_body_test.c: request bodies a handler reads as they
# come (httpserver_options.stream_body, http_request_read_body).
UNIT_OBJS_stream_body_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/stream_body_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                                    -Ichapters/03-ioloop

# The web framework (web.c: Application, RequestHandler; web_response.c:
# what a handler answers; httputil.c: the parsing and formatting it needs;
# static.c: StaticFileHandler) and the chapter's demo server on it.
CH04_OBJ += $(CH04)/httputil.o $(CH04)/web.o $(CH04)/web_response.o \
            $(CH04)/static.o

$(CH04)/server: $(CH04)/server.o $(CH04_OBJ) $(CH03_OBJ) $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH04)/server

# tests/unit/web_test.c: the framework's unit cases, and a server of
# test-only handlers (arguments, cookies, failures, write_error).
UNIT_OBJS_web_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/web_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                            -Ichapters/03-ioloop

# tests/unit/static_test.c: httputil.c's parsers and dates, the static
# handler's content types, and a server of handlers that set a
# Content-Length (fixed-length streaming, for tests/04-static.bats).
UNIT_OBJS_static_test := $(CH04_OBJ) $(CH03_OBJ)
$(BUILD)/tests/unit/static_test.o: CPPFLAGS += -Ichapters/04-iostream \
                                               -Ichapters/03-ioloop
