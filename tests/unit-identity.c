/* unit-identity.c - the unit and container of a process from the text of
 * /proc/PID/cgroup, as systemd, docker, containerd, cri-o, podman and the
 * kubelet write it, and paths that must name neither. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "identity.h"

#define ID "4c5a0e7b8d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912a3b"

static void expect(const char *text, const char *unit, const char *container)
{
	char *u, *c;

	identity_parse(text, &u, &c);
	if (unit)
		assert_string_equal(u, unit);
	else
		assert_null(u);
	if (container)
		assert_string_equal(c, container);
	else
		assert_null(c);
	free(u);
	free(c);
}

static void test_systemd(void **state)
{
	(void)state;
	expect("0::/system.slice/nginx.service\n", "nginx.service", NULL);
	expect("0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
	       "user@1000.service", NULL);
	expect("0::/user.slice/user-1000.slice/session-2.scope\n", "session-2.scope", NULL);
	/* hybrid: the unified line is the root, name=systemd has the path */
	expect("12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n0::/\n",
	       "cron.service", NULL);
	/* v1 without systemd: any controller's path */
	expect("4:memory:/\n3:cpu,cpuacct:/system.slice/ssh.service\n", "ssh.service", NULL);
	expect("0::/\n", NULL, NULL);
	expect("0::/init.scope\n", "init.scope", NULL);
	expect("", NULL, NULL);
	expect("garbage without colons\n", NULL, NULL);
	/* a slice alone is no unit; neither is a bare suffix */
	expect("0::/system.slice\n", NULL, NULL);
	expect("0::/.service\n", NULL, NULL);
}

static void test_containers(void **state)
{
	(void)state;
	expect("0::/system.slice/docker-" ID ".scope\n", NULL, ID);
	expect("12:memory:/docker/" ID "\n", NULL, ID);
	expect("0::/machine.slice/libpod-" ID ".scope/container\n", NULL, ID);
	expect("0::/libpod_parent/libpod-" ID "\n", NULL, ID);
	expect("0::/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/"
	       "cri-containerd-" ID ".scope\n", NULL, ID);
	expect("0::/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/crio-" ID ".scope\n",
	       NULL, ID);
	expect("11:pids:/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/" ID "\n",
	       NULL, ID);
	/* a pod's own cgroup: the pod uid */
	expect("11:pids:/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901\n",
	       NULL, "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901");
	/* an arbitrary hex component is not a container, nor a short id */
	expect("0::/mygroup/" ID "\n", NULL, NULL);
	expect("0::/system.slice/docker-abc123.scope\n", "docker-abc123.scope", NULL);
	expect("0::/docker/" ID "x\n", NULL, NULL);
	/* podman's conmon is not the container */
	expect("0::/machine.slice/libpod-conmon-" ID ".scope\n", "libpod-conmon-" ID ".scope", NULL);
}

/* Hostile and broken cgroup text (a container's root names its own
 * cgroups): no crash, no read past the text, nothing invented. */
static void test_hostile(void **state)
{
	char *big = malloc(200002), *u, *c;

	(void)state;
	expect("0::", NULL, NULL);
	expect("0::/", NULL, NULL);
	expect("0::/docker", NULL, NULL);
	expect("0::/docker/", NULL, NULL);
	expect("0::///a.service//", "a.service", NULL);
	expect("0::/x\n0::/y.service", NULL, NULL); /* the first unified line */
	expect("::::::\n:\n", NULL, NULL);
	expect("0::/kubepods/pod\n", NULL, NULL);
	expect("0::/kubepods/podzz-not-hex-at-all\n", NULL, NULL);
	expect("0::/kubepods-pod.slice\n", NULL, NULL);
	expect("0::/docker-" ID ".scope.service\n", "docker-" ID ".scope.service", NULL);
	/* a path of 100000 components, the last a service */
	for (int i = 0; i < 100000; i++)
		memcpy(big + 2 * i, "a/", 2);
	memcpy(big + 199990, "b.service", 10);
	memcpy(big, "0::/", 4);
	identity_parse(big, &u, &c);
	assert_string_equal(u, "b.service");
	assert_null(c);
	free(u);
	free(big);
	identity_parse(NULL, &u, &c);
	assert_null(u);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
