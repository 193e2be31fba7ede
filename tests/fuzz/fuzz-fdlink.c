/* fuzz-fdlink.c - the classifier of /proc/PID/fd/N link texts. Whatever the
 * text, the type is one of the five of a record's "types" and an inode is only ever reported
 * for a well-formed "socket:[N]" or "pipe:[N]"; the kind is in the registry,
 * counts under the same type, and its name is made of [a-z0-9_-] only. */
#include "config.h"

#include "escape.h"
#include "kinds.h"
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
	if (t != FD_SOCKET) {
		int k = t == FD_FILE ? kind_of_file(link, NULL, NULL) :
			t == FD_PIPE ? KIND_PIPE : t == FD_ANON ? kind_of_anon(link) : kind_of_other(link);
		const char *name = kind_name(k);

		FUZZ_ASSERT(k >= 0 && k < KIND_MAX);
		FUZZ_ASSERT(kind_type(k) == t);
		FUZZ_ASSERT(*name && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(name));
	}
	FUZZ_ASSERT(kind_type(kind_of_protoname(link)) == FD_SOCKET);
	/* A NULL inode pointer is allowed too. */
	FUZZ_ASSERT(procfs_classify_link(link, NULL) == t);
	free(link);
	return 0;
}
