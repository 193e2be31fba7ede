/* fuzz-trace.c - `fdwatch replay` on any input: the trace-record parser
 * (JSON Lines through json-c), the ordering of records by time, the
 * tracker, the history and the detector, exactly as the command runs them.
 * Damaged records must be skipped with a file:line message, never crash;
 * the exit status is 0, or 1 when no record was usable. */
#include "config.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "escape.h"
#include "options.h"
#include "fuzz.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char prog[] = "fdwatch", cmd[] = "replay";
	char *argv[] = { prog, cmd, path, NULL };
	struct options o;
	int status;

	if (memfd < 0) {
		/* The command's messages and alerts are not what is tested here;
		 * sanitizer reports go to fd 2 directly and still show. */
		FILE *null = fopen("/dev/null", "w");

		memfd = memfd_create("fuzz-trace", 0);
		FUZZ_ASSERT(memfd >= 0 && null);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
		stdout = null;
		stderr = null;
	}
	FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
	FUZZ_ASSERT(pwrite(memfd, data, size, 0) == (ssize_t)size);
	status = options_parse(&o, 3, argv);
	FUZZ_ASSERT(status < 0);
	status = cmd_replay(&o);
	FUZZ_ASSERT(status == 0 || status == 1);
	options_free(&o);
	return 0;
}
