# chapters/01-blocking/chapter.mk - the blocking server.
CH01 := $(BUILD)/chapters/01-blocking
CH01_OBJ := $(CH01)/connection.o

$(CH01)/server: $(CH01)/server.o $(CH01_OBJ) $(COMMON_OBJ)
	$(LINK)

PROGRAMS += $(CH01)/server
