/* fuzz-procfile.c - the parsers of whole per-process files: limits, stat
 * and status. The first input byte picks the parser, the rest is the file.
 * A parser either fails with -EINVAL and leaves its outputs alone, or
 * succeeds with values a renderer can print (comm NUL-terminated within
 * its array, limits -1 or non-negative). */
#include "config.h"

#include <errno.h>

#include "escape.h"
#include "procfs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	int r;

	if (size < 1)
		return 0;
	text = fuzz_cstr(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		long soft = -42;

		r = procfs_parse_limits(text, &soft);
		FUZZ_ASSERT(r == 0 || r == -EINVAL);
		if (r == 0)
			FUZZ_ASSERT(soft >= -1);
		else
			FUZZ_ASSERT(soft == -42);
		break;
	}
	case 1: {
		struct proc_stat st;

		memset(&st, 0xa5, sizeof(st));
		r = procfs_parse_stat(text, &st);
		FUZZ_ASSERT(r == 0 || r == -EINVAL);
		if (r == 0) {
			struct buf b;

			FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
			/* What a renderer does with it next. */
			buf_init(&b);
			escape_text(&b, st.comm, strlen(st.comm));
			FUZZ_ASSERT(fuzz_valid_utf8(b.data, b.len, 0));
			buf_free(&b);
		}
		break;
	}
	default: {
		long uid = -42;

		r = procfs_parse_status_uid(text, &uid);
		FUZZ_ASSERT(r == 0 || r == -EINVAL);
		FUZZ_ASSERT(r == 0 ? uid >= 0 : uid == -42);
		break;
	}
	}
	free(text);
	return 0;
}
