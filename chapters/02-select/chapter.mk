# chapters/02-select/chapter.mk - the select() server.
CH02 := $(BUILD)/chapters/02-select

$(CH02)/server: $(CH02)/server.o $(CH02)/conn.o $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH02)/server

# tests/unit/conn_test.c drives conn.c by hand.
UNIT_OBJS_conn_test := $(CH02)/conn.o
$(BUILD)/tests/unit/conn_test.o: CPPFLAGS += -Ichapters/02-select
