/* unit-procfs.c - the /proc text parsers on fixture strings. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procfs.h"

static void test_classify_links(void **state)
{
	static const struct {
		const char *link;
		enum fd_type type;
		unsigned long inode;
	} cases[] = {
		{ "socket:[39591]", FD_SOCKET, 39591 },
		{ "pipe:[39533]", FD_PIPE, 39533 },
		{ "/srv/data/app.log", FD_FILE, 0 },
		{ "/srv/data/old.log (deleted)", FD_FILE, 0 },
		{ "/memfd:mybuf (deleted)", FD_FILE, 0 },
		{ "/dev/pts/0", FD_FILE, 0 },
		{ "anon_inode:[eventpoll]", FD_ANON, 0 },
		{ "anon_inode:[eventfd]", FD_ANON, 0 },
		{ "anon_inode:[timerfd]", FD_ANON, 0 },
		{ "anon_inode:[signalfd]", FD_ANON, 0 },
		{ "anon_inode:inotify", FD_ANON, 0 },
		{ "anon_inode:[fanotify]", FD_ANON, 0 },
		{ "anon_inode:[pidfd]", FD_ANON, 0 },
		{ "anon_inode:[io_uring]", FD_ANON, 0 },
		{ "net:[4026532177]", FD_OTHER, 0 },
		{ "mnt:[4026531841]", FD_OTHER, 0 },
		{ "socket:[12", FD_OTHER, 0 },
		{ "socket:[]", FD_OTHER, 0 },
		{ "socket:[12]x", FD_OTHER, 0 },
		{ "socket:12", FD_OTHER, 0 },
		{ "pipe:[", FD_OTHER, 0 },
		{ "", FD_OTHER, 0 },
		{ "relative/path", FD_OTHER, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long inode = 99;

		assert_int_equal(procfs_classify_link(cases[i].link, &inode), cases[i].type);
		assert_int_equal(inode, cases[i].inode);
	}
	assert_int_equal(procfs_classify_link("socket:[1]", NULL), FD_SOCKET);
}

static const char limits_text[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max file size             unlimited            unlimited            bytes     \n"
	"Max data size             unlimited            unlimited            bytes     \n"
	"Max stack size            8388608              unlimited            bytes     \n"
	"Max core file size        0                    unlimited            bytes     \n"
	"Max resident set          unlimited            unlimited            bytes     \n"
	"Max processes             95532                95532                processes \n"
	"Max open files            1024                 524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

static void test_limits(void **state)
{
	long soft = 0;

	(void)state;
	assert_int_equal(procfs_parse_limits(limits_text, &soft), 0);
	assert_int_equal(soft, 1024);
	assert_int_equal(procfs_parse_limits(
		"Max open files            unlimited            unlimited            files\n", &soft), 0);
	assert_int_equal(soft, -1);
	assert_int_equal(procfs_parse_limits(
		"Max open files            20000                unlimited            files\n", &soft), 0);
	assert_int_equal(soft, 20000);
	/* Missing, truncated, garbage. */
	soft = 7;
	assert_int_equal(procfs_parse_limits("Max processes 1 1 processes\n", &soft), -EINVAL);
	assert_int_equal(procfs_parse_limits("Max open files\n", &soft), -EINVAL);
	assert_int_equal(procfs_parse_limits("Max open files            12", &soft), -EINVAL);
	assert_int_equal(procfs_parse_limits("Max open files            x y files\n", &soft), -EINVAL);
	assert_int_equal(procfs_parse_limits("", &soft), -EINVAL);
	assert_int_equal(soft, 7);
}

static void test_stat(void **state)
{
	struct proc_stat st;
	/* A comm may hold spaces and parentheses; field 22 is the start. */
	const char *text = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			   "123456 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

	(void)state;
	assert_int_equal(procfs_parse_stat(text, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "a) b (c");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.start, 123456);
	assert_int_equal(procfs_parse_stat("4242 (x) S 1 2 3\n", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat("4242 no parens\n", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat("", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat(")(", &st), -EINVAL);
}

static void test_status_uid(void **state)
{
	long uid = -5;

	(void)state;
	assert_int_equal(procfs_parse_status_uid("Name:\tx\nUid:\t1000\t1001\t1002\t1003\n", &uid), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(procfs_parse_status_uid("Uid:\t0\t0\t0\t0\n", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(procfs_parse_status_uid("Name:\tx\n", &uid), -EINVAL);
	assert_int_equal(procfs_parse_status_uid("Name:\tx\nUid:\tabc\n", &uid), -EINVAL);
}

/* Formats the local and remote endpoints of a parsed line. */
static void endpoints(const struct sock_entry *e, bool v6, char *l, char *r)
{
	sock_format_addr(l, 64, v6, e->laddr, e->lport);
	sock_format_addr(r, 64, v6, e->raddr, e->rport);
}

static void test_tcp4_every_state(void **state)
{
	static const char *const names[] = {
		NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
		"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
	};
	(void)state;
	for (unsigned st = 1; st <= 12; st++) {
		char line[256], l[64], r[64];
		struct sock_entry e;

		snprintf(line, sizeof(line),
			 "   %u: 0100007F:15B3 22D8B85D:01BB %02X 00000000:00000000 00:00000000 "
			 "00000000  1000        0 %u 1 0000000000000000 20 4 30 10 -1", st, st, 40000 + st);
		assert_int_equal(procfs_parse_inet_line(line, 4, &e), 0);
		assert_int_equal(e.state, st);
		assert_string_equal(tcp_state_name(e.state), names[st]);
		assert_int_equal(e.inode, 40000 + st);
		endpoints(&e, false, l, r);
		assert_string_equal(l, "127.0.0.1:5555");
		assert_string_equal(r, "93.184.216.34:443");
	}
	assert_null(tcp_state_name(0));
	assert_null(tcp_state_name(13));
}

static void test_tcp6(void **state)
{
	struct sock_entry e;
	char l[64], r[64];

	(void)state;
	/* 2001:db8::1 as the kernel prints it; ::1 and ::ffff:127.0.0.1. */
	assert_int_equal(procfs_parse_inet_line(
		"  0: B80D0120000000000000000001000000:0050 00000000000000000000000001000000:A3C1 "
		"01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 0 10 -1",
		6, &e), 0);
	endpoints(&e, true, l, r);
	assert_string_equal(l, "[2001:db8::1]:80");
	assert_string_equal(r, "[::1]:41921");
	assert_int_equal(e.inode, 777);
	assert_int_equal(procfs_parse_inet_line(
		"  1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 "
		"08 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 20 4 0 10 -1",
		6, &e), 0);
	endpoints(&e, true, l, r);
	assert_string_equal(l, "[::ffff:127.0.0.1]:8080");
	assert_string_equal(r, "[::ffff:127.0.0.1]:54321");
	assert_string_equal(tcp_state_name(e.state), "CLOSE_WAIT");
	/* A v4 line read as v6 and the reverse do not parse. */
	assert_int_equal(procfs_parse_inet_line(
		"   0: 0100007F:15B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1", 6, &e),
		-EINVAL);
}

static void test_udp(void **state)
{
	struct sock_entry e;
	char l[64], r[64];

	(void)state;
	/* udp has a drops column; a bound, unconnected socket is st 07. */
	assert_int_equal(procfs_parse_inet_line(
		"  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 "
		"15090 2 0000000000000000 0", 4, &e), 0);
	endpoints(&e, false, l, r);
	assert_string_equal(l, "0.0.0.0:68");
	assert_int_equal(e.rport, 0);
	assert_int_equal(e.inode, 15090);
	assert_int_equal(procfs_parse_inet_line(
		"  124: 0100007F:A001 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 "
		"15091 2 0000000000000000 0", 4, &e), 0);
	endpoints(&e, false, l, r);
	assert_string_equal(r, "127.0.0.1:53");
}

static void test_inet_garbage(void **state)
{
	static const char *const bad[] = {
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
		"",
		"   0: 0100007F:15B3",
		"   0: 0100007F:15B3 00000000:0000",
		"   0: 0100007G:15B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1",
		"   0: 0100007F:15B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1",
		"   0: 0100007F:15B3 00000000:0000 00 00000000:00000000 00:00000000 00000000 0 0 5 1",
		"   0: 0100007F:15B3 00000000:0000 0D 00000000:00000000 00:00000000 00000000 0 0 5 1",
		"   0: 0100007F:15B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0",
		"x: 0100007F:15B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1",
	};
	struct sock_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(procfs_parse_inet_line(bad[i], 4, &e), -EINVAL);
}

static void test_unix(void **state)
{
	struct sock_entry e;

	(void)state;
	/* Listening (flags 00010000), named. */
	assert_int_equal(procfs_parse_unix_line(
		"0000000000000000: 00000002 00000000 00010000 0001 01 20314 /run/app.sock", &e), 0);
	assert_true(e.listening);
	assert_int_equal(e.inode, 20314);
	assert_string_equal(e.path, "/run/app.sock");
	free(e.path);
	/* Connected, unnamed. */
	assert_int_equal(procfs_parse_unix_line(
		"0000000000000000: 00000003 00000000 00000000 0001 03 20315", &e), 0);
	assert_false(e.listening);
	assert_int_equal(e.state, 3);
	assert_null(e.path);
	/* Abstract names show as @; a path may hold spaces. */
	assert_int_equal(procfs_parse_unix_line(
		"ffff8880044c3c00: 00000002 00000000 00000000 0002 01 20316 @/tmp/.X11 unix/X0", &e), 0);
	assert_string_equal(e.path, "@/tmp/.X11 unix/X0");
	assert_int_equal(e.state, 1);
	free(e.path);
	/* Garbage. */
	assert_int_equal(procfs_parse_unix_line("Num       RefCount Protocol Flags    Type St Inode Path", &e),
			 -EINVAL);
	assert_int_equal(procfs_parse_unix_line("0000000000000000: 00000002 00000000", &e), -EINVAL);
	assert_int_equal(procfs_parse_unix_line(
		"0000000000000000: 00000002 00000000 00000000 0001 09 20315", &e), -EINVAL);
	assert_int_equal(procfs_parse_unix_line("", &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_links),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_status_uid),
		cmocka_unit_test(test_tcp4_every_state),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_inet_garbage),
		cmocka_unit_test(test_unix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
