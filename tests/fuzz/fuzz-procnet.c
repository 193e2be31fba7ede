/* fuzz-procnet.c - /proc/net/{tcp,tcp6,udp,udp6,unix} as the sampler reads
 * them: the whole file through the sampler's own parser (header line
 * skipped, each line parsed or counted as skipped), the rows of one
 * namespace grouped by socktab (directions decided from the listeners
 * among them, duplicate inodes included), then each socket looked up and
 * described as lsof would. The first input byte picks the table, the rest
 * is its text. */
#include "config.h"

#include "escape.h"
#include "procfs.h"
#include "socktab.h"
#include "util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, skipped = 0, lines = 0;
	enum sock_proto proto;
	struct socktab *tab;
	char *text;

	if (size < 1)
		return 0;
	proto = (enum sock_proto)(data[0] % P_NPROTOS);
	text = fuzz_cstr(data + 1, size - 1);
	for (const char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
		lines++; /* data lines after the header */
	socktab_parse_procnet(text, proto, &rows, &n, &cap, &skipped);
	FUZZ_ASSERT(n + skipped == lines);
	FUZZ_ASSERT(n <= cap);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(rows[i].proto == proto);
		if (proto == P_UNIX)
			FUZZ_ASSERT(rows[i].state <= 4);
		else if (proto != P_NETLINK && proto != P_PACKET)
			FUZZ_ASSERT(rows[i].state >= 1 && rows[i].state <= 12 &&
				    tcp_state_name(rows[i].state));
		if (proto != P_UNIX)
			FUZZ_ASSERT(rows[i].path == NULL);
	}

	tab = socktab_new();
	socktab_add_netns(tab, rows, n); /* takes the paths */
	for (size_t i = 0; i < n; i++) {
		const struct sock_key *k = socktab_key(tab, rows[i].inode);
		const struct sock_entry *e = socktab_entry(tab, rows[i].inode);
		char desc[512];

		if (rows[i].inode == 0) /* TIME_WAIT rows are ignored */
			continue;
		FUZZ_ASSERT(k != NULL && e != NULL);
		FUZZ_ASSERT(k->proto != NULL && k->dir < SOCK_NDIRS);
		socktab_describe(tab, e, desc, sizeof(desc));
		FUZZ_ASSERT(memchr(desc, '\0', sizeof(desc)) != NULL);
		if (k->endpoint) {
			struct buf b;

			buf_init(&b);
			escape_text(&b, k->endpoint, strlen(k->endpoint));
			FUZZ_ASSERT(fuzz_valid_utf8(b.data, b.len, 0));
			buf_free(&b);
		}
	}
	FUZZ_ASSERT(socktab_size(tab) <= n);
	socktab_free(tab);
	free(rows);
	free(text);
	return 0;
}
