/* fuzz-state.c - the state file reader of check and metrics --state on any
 * bytes, with a round trip: what parses is written back (state_format)
 * and that text must parse again and be written back byte for byte the
 * same, so that a history survives any number of runs unchanged. A damaged
 * file must give a reason, never a crash. */
#include "config.h"

#include <errno.h>

#include "state.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state a, b;
	struct buf t1, t2;
	char why[160];
	int r;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.lock_fd = b.lock_fd = -1;
	why[0] = '\0';
	r = state_parse(&a, (const char *)data, size, why, sizeof(why));
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL && why[0]);
		state_clear(&a);
		return 0;
	}
	FUZZ_ASSERT(r == 0);
	buf_init(&t1);
	buf_init(&t2);
	state_format(&a, &t1);
	r = state_parse(&b, t1.data, t1.len, why, sizeof(why));
	if (r != 0)
		dprintf(2, "the state written back does not parse: %s\n", why);
	FUZZ_ASSERT(r == 0);
	FUZZ_ASSERT(state_count(&a) == state_count(&b));
	state_format(&b, &t2);
	FUZZ_ASSERT(t1.len == t2.len && memcmp(t1.data, t2.data, t1.len) == 0);
	buf_free(&t1);
	buf_free(&t2);
	state_clear(&a);
	state_clear(&b);
	return 0;
}
