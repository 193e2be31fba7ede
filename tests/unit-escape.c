/* unit-escape.c - the escaper against hostile strings. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

/* Escapes s (n bytes) with fn and compares with want. */
static void expect(void (*fn)(struct buf *, const char *, size_t), const char *s, size_t n,
		   const char *want)
{
	struct buf b;

	buf_init(&b);
	fn(&b, s, n);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

#define EXPECT(fn, lit, want) expect(fn, lit, sizeof(lit) - 1, want)

/* No byte below 0x20, DEL, or C1 control may survive terminal escaping. */
static void assert_terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		assert_true(len > 0);
		assert_true(cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f));
		i += len;
	}
}

static void test_utf8_decode(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(utf8_decode((const unsigned char *)"a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x96\x81", 3, &cp), 3);
	assert_int_equal(cp, 0x2581);
	assert_int_equal(utf8_decode((const unsigned char *)"\xf0\x9f\x94\xa5", 4, &cp), 4);
	assert_int_equal(cp, 0x1f525);
	/* Invalid: lone continuation, overlong, surrogate, > U+10FFFF, truncated, 0xff. */
	assert_int_equal(utf8_decode((const unsigned char *)"\x80", 1, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x96", 2, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xff", 1, &cp), 0);
}

static void test_text(void **state)
{
	(void)state;
	EXPECT(escape_text, "nginx", "nginx");
	EXPECT(escape_text, "\x1b[2J\nEVIL\xff", "\\e[2J\\nEVIL\\xff");
	EXPECT(escape_text, "a\tb\rc\x07", "a\\tb\\rc\\x07");
	EXPECT(escape_text, "back\\slash", "back\\\\slash");
	EXPECT(escape_text, "caf\xc3\xa9", "caf\xc3\xa9");
	EXPECT(escape_text, "\xc2\x9b" "31m", "\\x9b31m");          /* C1 CSI */
	EXPECT(escape_text, "x\xe2\x80\xaey", "x\\u{202e}y");        /* RLO */
	EXPECT(escape_text, "\x7f", "\\x7f");
	EXPECT(escape_text, "a\0b", "a\\x00b");
	EXPECT(escape_text, "\xc3", "\\xc3");
	assert_terminal_safe("plain");
	{
		const char *hostile[] = { "\x1b]0;pwned\x07", "\x1b[2J\nEVIL\xff", "\xc2\x9b" "2J",
					  "\r\r\r", "\xe2\x80\xae" "abc", "\xed\xa0\x80" };
		for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			struct buf b;

			buf_init(&b);
			escape_text(&b, hostile[i], strlen(hostile[i]));
			assert_terminal_safe(b.data);
			buf_free(&b);
		}
	}
}

/* Format characters (Cf) and separators are invisible yet reorder or hide
 * text: the bidi ones (U+202E, the isolates U+2066, the Arabic letter mark
 * U+061C), zero-width ones (U+200B, U+2060, U+FEFF), a tag (U+E0041) and a
 * soft hyphen are escaped in text, JSON and Prometheus alike; letters and
 * symbols around them are not. */
static void test_format_chars(void **state)
{
	(void)state;
	EXPECT(escape_text, "a\xe2\x81\xa6" "b", "a\\u{2066}b");
	EXPECT(escape_text, "a\xd8\x9c" "b", "a\\u{061c}b");
	EXPECT(escape_text, "a\xe2\x80\x8b" "b", "a\\u{200b}b");
	EXPECT(escape_text, "a\xe2\x81\xa0" "b", "a\\u{2060}b");
	EXPECT(escape_text, "\xef\xbb\xbf" "x", "\\u{feff}x");
	EXPECT(escape_text, "\xf3\xa0\x81\x81", "\\u{e0041}");
	EXPECT(escape_text, "soft\xc2\xad" "hyphen", "soft\\xadhyphen");
	EXPECT(escape_text, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x82\xac",
	       "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x82\xac");
	EXPECT(escape_json, "a\xe2\x80\xae" "b\xe2\x80\x8b", "a\\u202eb\\u200b");
	EXPECT(escape_json, "\xf3\xa0\x81\x81", "\\udb40\\udc41");
	EXPECT(escape_prom, "a\xe2\x81\xa6" "b", "a\\\\u{2066}b");
}

/* Outside a UTF-8 locale the terminal reads bytes: valid UTF-8 can carry
 * 0x9b (an 8-bit CSI) as its second byte, so all of non-ASCII is escaped. */
static void test_ascii_locale(void **state)
{
	(void)state;
	escape_set_ascii(true);
	EXPECT(escape_text, "caf\xc3\xa9", "caf\\u{00e9}");
	EXPECT(escape_text, "\xe2\x9b\x94", "\\u{26d4}");
	EXPECT(escape_text, "\xff", "\\xff");
	EXPECT(escape_text, "plain", "plain");
	/* JSON is UTF-8 whatever the locale. */
	EXPECT(escape_json, "caf\xc3\xa9", "caf\xc3\xa9");
	escape_set_ascii(false);
	EXPECT(escape_text, "caf\xc3\xa9", "caf\xc3\xa9");
}

static void test_json(void **state)
{
	struct buf b;

	(void)state;
	EXPECT(escape_json, "a\"b\\c", "a\\\"b\\\\c");
	EXPECT(escape_json, "\x1b[2J\nEVIL\xff", "\\u001b[2J\\nEVIL\xef\xbf\xbd");
	EXPECT(escape_json, "\t\r\b\f\x01", "\\t\\r\\b\\f\\u0001");
	EXPECT(escape_json, "caf\xc3\xa9 \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xf0\x9f\x94\xa5");
	EXPECT(escape_json, "\xc2\x85 \xe2\x80\xa8", "\\u0085 \\u2028");
	EXPECT(escape_json, "a\0b", "a\\u0000b");
	buf_init(&b);
	json_str(&b, NULL);
	json_str(&b, "x");
	assert_string_equal(b.data, "null\"x\"");
	buf_free(&b);
}

static void test_prom(void **state)
{
	(void)state;
	EXPECT(escape_prom, "a\"b\\c\nd", "a\\\"b\\\\c\\nd");
	EXPECT(escape_prom, "\x1b[2J", "\\\\x1b[2J");
	EXPECT(escape_prom, "x\xff", "x\xef\xbf\xbd");
	EXPECT(escape_prom, "caf\xc3\xa9", "caf\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_format_chars),
		cmocka_unit_test(test_ascii_locale),
		cmocka_unit_test(test_prom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
