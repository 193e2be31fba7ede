# Diagnosis without history: idle times and peers of socket groups, the
# HTML picture of a report or a replay.
TESTS += tests/diag-peers.py tests/diag-html.py
EXTRA_DIST += tests/diag-peers.py tests/diag-html.py tests/lib/leakpair.py
libfdwatch_a_SOURCES += src/html.c src/html.h
