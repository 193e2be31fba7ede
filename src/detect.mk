# Detection: per-process history, the growth detector, alert events, and the
# commands built on them (log, record, replay).
libfdwatch_a_SOURCES += \
	src/history.c src/history.h \
	src/detect.c src/detect.h \
	src/track.c src/track.h \
	src/alert.c src/alert.h \
	src/cmd-log.c src/cmd-record.c src/cmd-replay.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit-detect
TESTS += tests/unit-detect
tests_unit_detect_SOURCES = tests/unit-detect.c
tests_unit_detect_LDADD = $(UNIT_LIBS)
tests_unit_detect_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
endif

# Script tests: real leaks end to end, replay and record on hand-made input,
# and the score on the labelled corpus (tests/corpus.py generates it).
TESTS += tests/detect-live.py tests/replay-cli.py tests/detect-corpus.py tests/detect-syslog.py \
	tests/detect-saturation.py tests/detect-adaptive.py tests/detect-source.py
EXTRA_DIST += tests/detect-live.py tests/replay-cli.py tests/detect-corpus.py tests/corpus.py \
	tests/detect-syslog.py tests/detect-saturation.py tests/detect-adaptive.py tests/detect-source.py \
	tests/corpus-record.py tests/live-lead.py \
	tests/corpus/nginx-keepalive.jsonl tests/corpus/warm-up.jsonl tests/corpus/gc-floor.jsonl \
	tests/corpus/gc-refill.jsonl tests/corpus/at-limit.jsonl
