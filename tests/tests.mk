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
