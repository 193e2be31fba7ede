/* escape.h - the one place where untrusted text (process names, paths, unix
 * socket names, user names) is made safe for each output. */
#ifndef FDWATCH_ESCAPE_H
#define FDWATCH_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length
 * (1-4) and stores the code point, or 0 when the bytes are not valid UTF-8
 * (overlong forms, surrogates, > U+10FFFF and truncated sequences included). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Makes escape_text follow the locale's character set (LC_CTYPE, set
 * before): outside UTF-8 it escapes all of non-ASCII. */
void escape_use_locale(void);
/* The same by hand (tests): true escapes all of non-ASCII. */
void escape_set_ascii(bool ascii);

/* For terminals and text logs (vis-style): printable UTF-8 passes through
 * (in a UTF-8 locale; else it is escaped too); C0/C1 controls, DEL, bidi,
 * zero-width and other format characters (Cf), line separators and invalid
 * bytes become \e \n \t \r \xNN or \u{NNNN}; a backslash becomes \\. Output
 * holds no control byte. */
void escape_text(struct buf *out, const char *s, size_t n);

/* For JSON strings (RFC 8259), without the quotes: " \ and controls escaped,
 * format characters as \uNNNN; invalid UTF-8 bytes become U+FFFD (JSON
 * text must be UTF-8). */
void escape_json(struct buf *out, const char *s, size_t n);

/* For Prometheus label values: \ " and newline per the exposition format,
 * other controls vis-escaped as text, invalid UTF-8 as U+FFFD. */
void escape_prom(struct buf *out, const char *s, size_t n);

/* Convenience: appends a quoted JSON string, or null when s is NULL. */
void json_str(struct buf *out, const char *s);

/* Appends a JSON number, or null when v is not finite. */
void json_num(struct buf *out, double v);

/* Escapes into a caller-owned static-free string: returns a new string the
 * caller frees. */
char *text_escaped(const char *s);

#endif
