/* unit-kinds.c - the rules that name an fd's kind from its link text, its
 * stat, its filesystem and its socket's protocol name, and the registry's
 * bounds. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "kinds.h"

static void assert_kind(int k, const char *name, enum fd_type t)
{
	assert_true(k >= 0);
	assert_string_equal(kind_name(k), name);
	assert_int_equal(kind_type(k), t);
}

static void test_anon(void **state)
{
	(void)state;
	assert_kind(kind_of_anon("anon_inode:[eventfd]"), "eventfd", FD_ANON);
	assert_kind(kind_of_anon("anon_inode:[eventpoll]"), "eventpoll", FD_ANON);
	assert_kind(kind_of_anon("anon_inode:inotify"), "inotify", FD_ANON);
	assert_kind(kind_of_anon("anon_inode:bpf-map"), "bpf-map", FD_ANON);
	assert_kind(kind_of_anon("anon_inode:[pidfd]"), "pidfd", FD_ANON);
	/* one kind for every vcpu */
	assert_int_equal(kind_of_anon("anon_inode:[kvm-vcpu:0]"), kind_of_anon("anon_inode:[kvm-vcpu:7]"));
	assert_kind(kind_of_anon("anon_inode:[kvm-vcpu:3]"), "kvm-vcpu", FD_ANON);
	/* what is not a kind name is anon-other, never a new kind */
	assert_int_equal(kind_of_anon("anon_inode:[Weird Name]"), KIND_ANON_OTHER);
	assert_int_equal(kind_of_anon("anon_inode:[\x1b[31m]"), KIND_ANON_OTHER);
	assert_int_equal(kind_of_anon("anon_inode:[unterminated"), KIND_ANON_OTHER);
	assert_int_equal(kind_of_anon("anon_inode:[]"), KIND_ANON_OTHER);
	assert_int_equal(kind_of_anon("anon_inode:"), KIND_ANON_OTHER);
	/* a name taken by a kind of another type is not reused for anon */
	assert_int_equal(kind_of_anon("anon_inode:[tcp]"), KIND_ANON_OTHER);
}

static void test_other(void **state)
{
	(void)state;
	assert_int_equal(kind_of_other("net:[4026531840]"), KIND_NSFS);
	assert_int_equal(kind_of_other("mnt:[4026531841]"), KIND_NSFS);
	assert_int_equal(kind_of_other("pid_for_children:[4026531836]"), KIND_NSFS);
	assert_int_equal(kind_of_other("net:[4026531840]x"), KIND_UNKNOWN);
	assert_int_equal(kind_of_other("bogus:[1]"), KIND_UNKNOWN);
	assert_int_equal(kind_of_other("weird"), KIND_UNKNOWN);
	assert_int_equal(kind_type(KIND_NSFS), FD_OTHER);
}

static struct stat st_of(mode_t mode, nlink_t nlink)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_nlink = nlink;
	return st;
}

static void test_files(void **state)
{
	struct stat reg = st_of(S_IFREG | 0644, 1), gone = st_of(S_IFREG | 0644, 0);
	struct stat dir = st_of(S_IFDIR | 0755, 2), chr = st_of(S_IFCHR | 0666, 1);
	struct stat blk = st_of(S_IFBLK | 0660, 1), fifo = st_of(S_IFIFO | 0600, 1);
	struct stat sock = st_of(S_IFSOCK | 0600, 1);

	(void)state;
	assert_int_equal(kind_of_file("/var/log/app.log", &reg, "ext4"), KIND_REGULAR);
	assert_int_equal(kind_of_file("/var/log/app.log (deleted)", &gone, "ext4"), KIND_DELETED);
	/* a file whose own name ends in " (deleted)", still linked */
	assert_int_equal(kind_of_file("/tmp/x (deleted)", &reg, "tmpfs"), KIND_REGULAR);
	assert_int_equal(kind_of_file("/memfd:cache (deleted)", &gone, "tmpfs"), KIND_MEMFD);
	assert_int_equal(kind_of_file("/memfd:cache (deleted)", NULL, NULL), KIND_MEMFD);
	assert_int_equal(kind_of_file("/srv", &dir, "ext4"), KIND_DIRECTORY);
	assert_int_equal(kind_of_file("/dev/null", &chr, "devtmpfs"), KIND_CHARDEV);
	assert_int_equal(kind_of_file("/dev/loop0", &blk, "devtmpfs"), KIND_BLOCKDEV);
	assert_int_equal(kind_of_file("/run/fifo", &fifo, "tmpfs"), KIND_FIFO);
	assert_int_equal(kind_of_file("/run/app.sock", &sock, "tmpfs"), KIND_FILE_OTHER);
	assert_int_equal(kind_of_file("/proc/1/stat", &reg, "proc"), KIND_PROCFS);
	assert_int_equal(kind_of_file("/proc/1", &dir, "proc"), KIND_PROCFS);
	assert_int_equal(kind_of_file("/queue (deleted)", &gone, "mqueue"), KIND_MQUEUE);
	assert_int_equal(kind_of_file("/secretmem (deleted)", &gone, "secretmem"), KIND_SECRETMEM);
	/* no stat (a fixture tree): only what the text tells */
	assert_int_equal(kind_of_file("/var/log/app.log", NULL, NULL), KIND_FILE_OTHER);
	for (int k = KIND_REGULAR; k <= KIND_FILE_OTHER; k++)
		assert_int_equal(kind_type(k), FD_FILE);
}

static void test_protonames(void **state)
{
	static const struct {
		const char *name, *kind;
	} cases[] = {
		{ "TCP", "tcp" }, { "TCPv6", "tcp6" }, { "UDP", "udp" }, { "UDPv6", "udp6" },
		{ "UDP-Lite", "udplite" }, { "UDPLITEv6", "udplite6" }, { "RAW", "raw" },
		{ "RAWv6", "raw6" }, { "PING", "icmp" }, { "PINGv6", "icmp6" },
		{ "UNIX", "unix" }, { "UNIX-STREAM", "unix" }, { "NETLINK", "netlink" },
		{ "PACKET", "packet" }, { "AF_VSOCK", "vsock" }, { "SCTP", "sctp" },
		{ "SCTPv6", "sctp" }, { "MPTCP", "mptcp" }, { "MPTCPv6", "mptcp" },
		{ "XDP", "xdp" }, { "KCM", "socket-other" }, { "", "socket-other" },
		{ "TCPX", "socket-other" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_kind(kind_of_protoname(cases[i].name), cases[i].kind, FD_SOCKET);
}

static void test_netlink(void **state)
{
	(void)state;
	assert_kind(kind_of_netlink(0), "netlink-route", FD_SOCKET);
	assert_kind(kind_of_netlink(4), "netlink-sock_diag", FD_SOCKET);
	assert_kind(kind_of_netlink(15), "netlink-kobject_uevent", FD_SOCKET);
	assert_int_equal(kind_of_netlink(17), KIND_NETLINK); /* no name */
	assert_int_equal(kind_of_netlink(999), KIND_NETLINK);
	assert_string_equal(netlink_proto_name(9), "audit");
	assert_null(netlink_proto_name(17));
}

static void test_registry_bounded(void **state)
{
	char name[32];
	int last = -1;

	(void)state;
	assert_int_equal(kind_intern("regular", FD_ANON), KIND_REGULAR); /* found, not re-typed */
	assert_int_equal(kind_type(KIND_REGULAR), FD_FILE);
	assert_int_equal(kind_intern("", FD_ANON), -1);
	assert_int_equal(kind_intern("this-name-is-far-too-long-for-a-kind", FD_ANON), -1);
	for (int i = 0; i < 2 * KIND_MAX; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		int k = kind_intern(name, FD_ANON);

		if (k < 0)
			break;
		assert_true(k < KIND_MAX);
		last = k;
	}
	assert_int_equal(last, KIND_MAX - 1);
	assert_int_equal(kind_intern("one-more", FD_ANON), -1);
	/* a full registry names new anon inodes anon-other */
	assert_int_equal(kind_of_anon("anon_inode:[newkind]"), KIND_ANON_OTHER);
	assert_int_equal(kind_of_anon("anon_inode:[k3]"), kind_intern("k3", FD_ANON));
}

static void test_counts(void **state)
{
	struct kind_count *v = NULL;
	size_t n = 0;

	(void)state;
	kind_counts_add(&v, &n, KIND_PIPE, 2);
	kind_counts_add(&v, &n, KIND_TCP, 5);
	kind_counts_add(&v, &n, KIND_PIPE, 1);
	kind_counts_add(&v, &n, KIND_REGULAR, 0); /* zero adds nothing */
	kind_counts_add(&v, &n, KIND_CHARDEV, 3);
	assert_int_equal(n, 3);
	kind_counts_sort(v, n);
	assert_int_equal(v[0].kind, KIND_TCP);
	assert_int_equal(v[0].count, 5);
	/* equal counts by name: chardev before pipe */
	assert_int_equal(v[1].kind, KIND_CHARDEV);
	assert_int_equal(v[2].kind, KIND_PIPE);
	assert_int_equal(v[2].count, 3);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_protonames),
		cmocka_unit_test(test_netlink),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_registry_bounded), /* last: it fills the registry */
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
