# Diagnosis without history: idle times and peers of socket groups, the
# HTML picture of a report or a replay.
TESTS += tests/diag-peers.py tests/diag-html.py
EXTRA_DIST += tests/diag-peers.py tests/diag-html.py tests/lib/leakpair.py doc/replay-leak.png
libfdwatch_a_SOURCES += src/html.c src/html.h

# The records' new fields, numbers, the trace header and the HTML escaper.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit-record
TESTS += tests/unit-record
tests_unit_record_SOURCES = tests/unit-record.c
tests_unit_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_record_LDADD = $(UNIT_LIBS)
endif
