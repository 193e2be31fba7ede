/* fuzz.h - shared pieces of the libFuzzer targets: a NUL-terminated copy of
 * the input, and a check that aborts (so the fuzzer reports the input) when
 * an invariant of the code under test is broken. */
#ifndef FDWATCH_FUZZ_H
#define FDWATCH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (caller frees). Inner NULs are kept, so
 * string functions see a prefix, as they would of a /proc file. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			dprintf(2, "%s:%d: invariant broken: %s\n",            \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* True when s[0..n) is valid UTF-8 (per the project's own decoder). */
static inline int fuzz_valid_utf8(const char *s, size_t n, int allow_controls)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);

		if (!len)
			return 0;
		if (!allow_controls && (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)))
			return 0;
		i += len;
	}
	return 1;
}

#endif
