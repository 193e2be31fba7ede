/* fuzz-diag.c - the sock_diag reply parser on any bytes: the first byte
 * picks the table (TCP, UDP, unix), the second the sequence number the
 * reply must carry, the rest is the reply as recv() would return it.
 * Messages cut short, lengths that lie, attributes past their message and
 * error replies must give an error or rows, never a read out of bounds;
 * every row has the table's protocol, and a unix name is a C string. */
#include "config.h"

#include <errno.h>

#include "socktab-diag.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sockdiag_table tables[] = { SOCKDIAG_TCP, SOCKDIAG_UDP, SOCKDIAG_UNIX };
	enum sockdiag_table table;
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, len;
	unsigned seq;
	void *buf;
	int r;

	if (size < 2)
		return 0;
	table = tables[data[0] % 3];
	seq = data[1];
	len = size - 2;
	/* recv() fills an aligned buffer; so does this. */
	buf = malloc(len ? len : 1);
	FUZZ_ASSERT(buf);
	if (len)
		memcpy(buf, data + 2, len);
	r = sockdiag_parse(buf, len, seq, table, &rows, &n, &cap);
	FUZZ_ASSERT(r == 0 || r == 1 || (r < 0 && r > -4096));
	/* Each row takes a header and a message at least. */
	FUZZ_ASSERT(n <= len / 16);
	for (size_t i = 0; i < n; i++) {
		if (table == SOCKDIAG_UNIX)
			FUZZ_ASSERT(rows[i].proto == P_UNIX);
		else if (table == SOCKDIAG_TCP)
			FUZZ_ASSERT(rows[i].proto == P_TCP || rows[i].proto == P_TCP6);
		else
			FUZZ_ASSERT(rows[i].proto == P_UDP || rows[i].proto == P_UDP6);
		if (rows[i].path)
			FUZZ_ASSERT(strlen(rows[i].path) < 4096);
		free(rows[i].path);
	}
	free(rows);
	free(buf);
	return 0;
}
