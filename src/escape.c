/* escape.c - escaping of untrusted text for terminals, JSON and Prometheus. */
#include "config.h"

#include "escape.h"

#include <langinfo.h>
#include <math.h>
#include <string.h>
#include <strings.h>

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Outside a UTF-8 locale the terminal reads bytes, not characters: a valid
 * UTF-8 sequence can hold an 8-bit CSI (0x9b). Then all of non-ASCII is
 * escaped, as the live view does. */
static bool ascii_only;

void escape_use_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	ascii_only = !cs || (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "utf8") != 0);
}

void escape_set_ascii(bool ascii)
{
	ascii_only = ascii;
}

/* The format characters (general category Cf: bidi controls and isolates,
 * zero-width characters, invisible operators, tags) and the line and
 * paragraph separators: invisible, yet they reorder or hide the text
 * around them. Sorted ranges, Unicode 15. */
static const struct { uint32_t lo, hi; } invisible[] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 }, { 0x180e, 0x180e },
	{ 0x200b, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
	{ 0xe0020, 0xe007f },
};

/* Code points that a terminal may act on or that reorder or hide the line. */
static int is_dangerous(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(invisible) / sizeof(invisible[0]);

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return 1;
	if (cp < invisible[0].lo)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < invisible[mid].lo)
			hi = mid;
		else if (cp > invisible[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

void escape_text(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0) {
			buf_addf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (cp == '\\') {
			buf_adds(out, "\\\\");
		} else if (!is_dangerous(cp) && (cp < 0x80 || !ascii_only)) {
			buf_add(out, p + i, len);
		} else if (cp == '\n') {
			buf_adds(out, "\\n");
		} else if (cp == '\t') {
			buf_adds(out, "\\t");
		} else if (cp == '\r') {
			buf_adds(out, "\\r");
		} else if (cp == 0x1b) {
			buf_adds(out, "\\e");
		} else if (cp < 0x100 && is_dangerous(cp)) {
			buf_addf(out, "\\x%02x", cp);
		} else {
			/* also printable non-ASCII outside a UTF-8 locale */
			buf_addf(out, "\\u{%04x}", cp);
		}
		i += len;
	}
}

void escape_json(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0) {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		switch (cp) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\f': buf_adds(out, "\\f"); break;
		default:
			/* C1 controls and line separators are legal JSON but break
			 * naive line-oriented consumers and JavaScript; bidi and
			 * other format characters would reorder a JSON line shown
			 * raw. The escapes keep the value. */
			if (cp >= 0x10000 && is_dangerous(cp))
				buf_addf(out, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
					 0xdc00 + ((cp - 0x10000) & 0x3ff));
			else if (is_dangerous(cp))
				buf_addf(out, "\\u%04x", cp);
			else
				buf_add(out, p + i, len);
		}
		i += len;
	}
}

void escape_prom(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0) {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
		} else if (cp == '\\') {
			buf_adds(out, "\\\\");
			i++;
		} else if (cp == '"') {
			buf_adds(out, "\\\"");
			i++;
		} else if (cp == '\n') {
			buf_adds(out, "\\n");
			i++;
		} else if (is_dangerous(cp)) {
			/* The format has no escape for these: show them as text,
			 * with the backslash itself escaped. */
			if (cp < 0x100)
				buf_addf(out, "\\\\x%02x", cp);
			else
				buf_addf(out, "\\\\u{%04x}", cp);
			i += len;
		} else {
			buf_add(out, p + i, len);
			i += len;
		}
	}
}

void json_str(struct buf *out, const char *s)
{
	if (!s) {
		buf_adds(out, "null");
		return;
	}
	buf_addc(out, '"');
	escape_json(out, s, strlen(s));
	buf_addc(out, '"');
}

void json_num(struct buf *out, double v)
{
	if (!isfinite(v))
		buf_adds(out, "null");
	else if (!islessgreater(v, floor(v)) && fabs(v) < 1e15)
		buf_addf(out, "%.0f", v);
	else
		buf_addf(out, "%.17g", v);
}

char *text_escaped(const char *s)
{
	struct buf b;

	buf_init(&b);
	escape_text(&b, s, strlen(s));
	return b.data;
}
