# The live view: a curses-free view model (unit-tested) and the one file
# that talks to the terminal.
libfdwatch_a_SOURCES += \
	src/topview.c src/topview.h src/topview-int.h \
	src/topview-text.c src/topview-screen.c src/topview-keys.c \
	src/topview-table.c src/topview-detail.c \
	src/cmd-top.c

# The one file that includes curses, in a library of its own so that only it
# is compiled with the curses flags; only the fdwatch binary links it.
noinst_LIBRARIES += libfdwatch-tui.a
libfdwatch_tui_a_SOURCES = src/tui.c src/tui.h
libfdwatch_tui_a_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit-topview
TESTS += tests/unit-topview
tests_unit_topview_SOURCES = tests/unit-topview.c
tests_unit_topview_LDADD = $(UNIT_LIBS)
tests_unit_topview_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
endif

# The live view in a real terminal, driven through tmux.
TESTS += tests/top-live.py
EXTRA_DIST += tests/top-live.py
