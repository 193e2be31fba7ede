/* fuzz-fdlink.c - the classifier of /proc/PID/fd/N link texts. Whatever the
 * text, the type is one of the five of a record's "types" and an inode is only ever reported
 * for a well-formed "socket:[N]" or "pipe:[N]". */
#include "config.h"

#include "escape.h"
#include "procfs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *link = fuzz_cstr(data, size);
	unsigned long inode = 12345;
	enum fd_type t = procfs_classify_link(link, &inode);

	FUZZ_ASSERT(t >= FD_FILE && t < FD_NTYPES);
	FUZZ_ASSERT(fd_type_name(t) != NULL);
	if (t == FD_SOCKET)
		FUZZ_ASSERT(strncmp(link, "socket:[", 8) == 0 && link[strlen(link) - 1] == ']');
	else if (t == FD_PIPE)
		FUZZ_ASSERT(strncmp(link, "pipe:[", 6) == 0 && link[strlen(link) - 1] == ']');
	else
		FUZZ_ASSERT(inode == 0);
	if (t == FD_FILE)
		FUZZ_ASSERT(link[0] == '/');
	/* A NULL inode pointer is allowed too. */
	FUZZ_ASSERT(procfs_classify_link(link, NULL) == t);
	free(link);
	return 0;
}
