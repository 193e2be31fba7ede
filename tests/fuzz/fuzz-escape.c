/* fuzz-escape.c - the escaper, on any bytes. Text output holds no control
 * byte and is valid UTF-8; JSON output is a string a JSON parser accepts and
 * that gives the input back when the input was valid UTF-8; Prometheus
 * label values have every quote and newline escaped and give the input back
 * under the exposition format's unescaping when nothing needed showing as
 * text. */
#include "config.h"

#include <json-c/json.h>

#include "escape.h"
#include "fuzz.h"

/* Unicode's format characters (Cf) and the line and paragraph separators:
 * printable in a sense, yet shown escaped. */
static int invisible(uint32_t cp)
{
	static const uint32_t r[][2] = {
		{ 0xad, 0xad }, { 0x600, 0x605 }, { 0x61c, 0x61c }, { 0x6dd, 0x6dd },
		{ 0x70f, 0x70f }, { 0x890, 0x891 }, { 0x8e2, 0x8e2 }, { 0x180e, 0x180e },
		{ 0x200b, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
		{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
		{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (cp >= r[i][0] && cp <= r[i][1])
			return 1;
	return 0;
}

/* Code points escape_text shows escaped although they are printable
 * (bidi controls, zero-width characters, line separators, BOM): the input
 * holds none of these or controls when the text escaper is expected to pass
 * it through. */
static int plain_text(const char *s, size_t n, int prom)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);

		/* The exposition format escapes these three itself. */
		if (prom && len && (cp == '\\' || cp == '"' || cp == '\n')) {
			i += len;
			continue;
		}
		if (!len || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == '\\' ||
		    invisible(cp))
			return 0;
		i += len;
	}
	return 1;
}

static void check_text(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b);
	escape_text(&b, s, n);
	FUZZ_ASSERT(b.data != NULL || n == 0);
	FUZZ_ASSERT(fuzz_valid_utf8(b.data ? b.data : "", b.len, 0));
	if (plain_text(s, n, 0))
		FUZZ_ASSERT(b.len == n && memcmp(b.data ? b.data : "", s, n) == 0);
	else
		FUZZ_ASSERT(b.len > 0);
	buf_free(&b);
}

static void check_json(const char *s, size_t n)
{
	struct json_tokener *tok;
	struct json_object *o;
	struct buf b;

	buf_init(&b);
	buf_addc(&b, '"');
	escape_json(&b, s, n);
	buf_addc(&b, '"');
	FUZZ_ASSERT(fuzz_valid_utf8(b.data, b.len, 0));
	/* RFC 8259 allows no raw control character in a string. json-c's
	 * JSON_TOKENER_STRICT would check that, but 0.18 (Debian 13) also
	 * rejects every byte above 0x7f with it, valid UTF-8 included (json-c
	 * issues 875 and 892): check controls here, UTF-8 through the parser. */
	for (size_t i = 0; i < b.len; i++)
		FUZZ_ASSERT((unsigned char)b.data[i] >= 0x20 && b.data[i] != 0x7f);
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, b.data, (int)b.len);
	FUZZ_ASSERT(o != NULL && json_object_is_type(o, json_type_string));
	if (fuzz_valid_utf8(s, n, 1)) {
		FUZZ_ASSERT((size_t)json_object_get_string_len(o) == n);
		FUZZ_ASSERT(memcmp(json_object_get_string(o), s, n) == 0);
	}
	json_object_put(o);
	json_tokener_free(tok);
	buf_free(&b);
}

static void check_prom(const char *s, size_t n)
{
	struct buf b, u;

	buf_init(&b);
	escape_prom(&b, s, n);
	FUZZ_ASSERT(fuzz_valid_utf8(b.data ? b.data : "", b.len, 0));
	/* Unescape per the exposition format: \\ \" \n, nothing else. */
	buf_init(&u);
	for (size_t i = 0; i < b.len; i++) {
		if (b.data[i] == '"')
			FUZZ_ASSERT(!"an unescaped quote ends the label value early");
		if (b.data[i] != '\\') {
			buf_addc(&u, b.data[i]);
			continue;
		}
		FUZZ_ASSERT(i + 1 < b.len);
		i++;
		FUZZ_ASSERT(b.data[i] == '\\' || b.data[i] == '"' || b.data[i] == 'n');
		buf_addc(&u, b.data[i] == 'n' ? '\n' : b.data[i]);
	}
	if (plain_text(s, n, 1))
		FUZZ_ASSERT(u.len == n && memcmp(u.data ? u.data : "", s, n) == 0);
	buf_free(&u);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *z;

	check_text(s, size);
	check_json(s, size);
	check_prom(s, size);
	/* The NUL-terminated helpers see the prefix up to the first NUL. */
	z = fuzz_cstr(data, size);
	{
		char *e = text_escaped(z);
		struct buf b;

		FUZZ_ASSERT(e && fuzz_valid_utf8(e, strlen(e), 0));
		free(e);
		buf_init(&b);
		json_str(&b, z);
		FUZZ_ASSERT(b.len >= 2 && b.data[0] == '"' && b.data[b.len - 1] == '"');
		buf_free(&b);
	}
	free(z);
	return 0;
}
