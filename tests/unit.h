/* unit.h - what the cmocka unit tests share beyond cmocka itself. Include
 * after <cmocka.h>. */
#ifndef FDWATCH_TESTS_UNIT_H
#define FDWATCH_TESTS_UNIT_H

#include <math.h>

/* Asserts that two doubles are the same number, exactly: for values the
 * code under test must carry through unchanged (a parsed "0.25", a
 * record's time), never for computed ones. NAN is never the same. */
#define assert_same_double(a, b) \
	assert_true(!isnan((double)(a)) && !isnan((double)(b)) && \
		    !islessgreater((double)(a), (double)(b)))

#endif
