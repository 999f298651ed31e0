# tests/exercises/exercises.mk - build every exercise twice: the reader's
# starter (exercises/NAME/server) and the reference (solutions/NAME/server).
# An exercise holds only the files the reader changes; the rest is linked
# from its chapter, so for each NAME we say which chapter objects it links
# (EX_OBJS_NAME) and whose headers it includes (EX_INC_NAME).

EX_OBJS_01-fork-per-conn := $(CH01)/connection.o
EX_INC_01-fork-per-conn := chapters/01-blocking
EX_OBJS_01-thread-per-conn := $(CH01)/connection.o
EX_INC_01-thread-per-conn := chapters/01-blocking
EX_OBJS_02-poll-backend := $(CH02)/conn.o
EX_INC_02-poll-backend := chapters/02-select
EX_OBJS_02-idle-timeout := $(CH02)/server.o
EX_INC_02-idle-timeout := chapters/02-select

EXERCISES := $(notdir $(wildcard solutions/[0-9][0-9]-*))

# exercise_server FOLDER NAME: FOLDER/NAME/*.c + the chapter's objects.
# $(call) fills in $1 and $2 first; $$ defers the rest to $(eval).
define exercise_server
$(patsubst %.c,$(BUILD)/%.o,$(wildcard $1/$2/*.c)): CPPFLAGS += -I$(EX_INC_$2)
$(BUILD)/$1/$2/server: $(patsubst %.c,$(BUILD)/%.o,$(wildcard $1/$2/*.c)) \
		$(EX_OBJS_$2) $(COMMON_OBJ)
	$$(LINK)
PROGRAMS += $(BUILD)/$1/$2/server
endef

$(foreach f,exercises solutions,\
  $(foreach n,$(EXERCISES),$(eval $(call exercise_server,$f,$n))))
