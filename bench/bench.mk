# Performance: the netlink sock_diag fast path, the benchmark and its tests.
libfdwatch_a_SOURCES += \
	src/socktab-diag.c src/socktab-diag.h
