/* fuzz-procnet.c - /proc/net/{tcp,tcp6,udp,udp6,unix} as the sampler reads
 * them: every line parsed, the rows of one namespace grouped by socktab
 * (directions decided from the listeners among them, duplicate inodes
 * included), then each socket looked up and described as lsof would. The
 * first input byte picks the table, the rest is its text. */
#include "config.h"

#include <errno.h>

#include "escape.h"
#include "procfs.h"
#include "socktab.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_entry *rows = NULL;
	size_t n = 0, cap = 0, skipped = 0;
	enum sock_proto proto;
	struct socktab *tab;
	char *text, *line, *next;

	if (size < 1)
		return 0;
	proto = (enum sock_proto)(data[0] % P_NPROTOS);
	text = fuzz_cstr(data + 1, size - 1);
	for (line = text; line && *line; line = next) {
		struct sock_entry e;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (proto == P_UNIX)
			r = procfs_parse_unix_line(line, &e);
		else
			r = procfs_parse_inet_line(line, proto == P_TCP6 || proto == P_UDP6 ? 6 : 4, &e);
		FUZZ_ASSERT(r == 0 || r == -EINVAL);
		if (r < 0) {
			FUZZ_ASSERT(e.path == NULL);
			skipped++;
			continue;
		}
		if (proto != P_UNIX)
			FUZZ_ASSERT(e.state >= 1 && e.state <= 12 && tcp_state_name(e.state));
		else
			FUZZ_ASSERT(e.state <= 4);
		e.proto = (uint8_t)proto;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		rows[n++] = e;
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
		socktab_describe(e, desc, sizeof(desc));
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
