/* unit-util.c - buffers, number parsing and duration formatting. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "util.h"

static void test_buf_growth(void **state)
{
	struct buf b;
	char big[5000];

	(void)state;
	buf_init(&b);
	memset(big, 'x', sizeof(big));
	buf_add(&b, big, sizeof(big));
	buf_addf(&b, "%d-%s", 42, "y");
	assert_int_equal(b.len, sizeof(big) + 4);
	assert_string_equal(b.data + sizeof(big), "42-y");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

/* A zeroed or freed buffer is usable again (it used to spin forever). */
static void test_buf_reuse_after_free(void **state)
{
	struct buf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	buf_adds(&b, "zeroed");
	assert_string_equal(b.data, "zeroed");
	buf_free(&b);
	buf_reset(&b);
	buf_addc(&b, 'a');
	buf_addf(&b, "%s", "gain");
	assert_string_equal(b.data, "again");
	buf_free(&b);
}

static void test_parse_seconds(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(parse_seconds("0.25", &v), 0);
	assert_same_double(v, 0.25);
	assert_int_equal(parse_seconds("60", &v), 0);
	assert_same_double(v, 60);
	assert_int_equal(parse_seconds("", &v), -EINVAL);
	assert_int_equal(parse_seconds("-1", &v), -EINVAL);
	assert_int_equal(parse_seconds("+1", &v), -EINVAL);
	assert_int_equal(parse_seconds("1s", &v), -EINVAL);
	assert_int_equal(parse_seconds("nan", &v), -EINVAL);
	assert_int_equal(parse_seconds("inf", &v), -EINVAL);
	assert_int_equal(parse_seconds("1e999", &v), -EINVAL);
	assert_same_double(v, 60);
}

static void test_parse_long(void **state)
{
	long v = 7;

	(void)state;
	assert_int_equal(parse_long("10", 1, 100, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_long("0", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_long("101", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_long("99999999999999999999999", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_long("1x", 1, 100, &v), -EINVAL);
	assert_int_equal(parse_long("", 1, 100, &v), -EINVAL);
	assert_int_equal(v, 10);
}

static void test_fmt_duration(void **state)
{
	char d[16];

	(void)state;
	assert_string_equal(fmt_duration(d, sizeof(d), 0), "0s");
	assert_string_equal(fmt_duration(d, sizeof(d), 59.4), "59s");
	assert_string_equal(fmt_duration(d, sizeof(d), 85), "1m25s");
	assert_string_equal(fmt_duration(d, sizeof(d), 3 * 3600 + 120), "3h02m");
	assert_string_equal(fmt_duration(d, sizeof(d), 2 * 86400 + 4 * 3600), "2d04h");
	assert_string_equal(fmt_duration(d, sizeof(d), 1e12), ">999d");
	assert_string_equal(fmt_duration(d, sizeof(d), NAN), "-");
	assert_string_equal(fmt_duration(d, sizeof(d), -5), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_reuse_after_free),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_fmt_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
