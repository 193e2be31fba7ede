/* identity.h - what a process belongs to beyond its pid, from the text of
 * /proc/PID/cgroup: its systemd unit and its container (the man page's
 * RECORDS section, "unit" and "container"). Pure: text in, names out. */
#ifndef FDWATCH_IDENTITY_H
#define FDWATCH_IDENTITY_H

/* Finds the unit and container of the cgroup file text (NUL-terminated).
 * The unified hierarchy's line ("0::/path") is read first, else the
 * name=systemd one, else the first line. *unit: the first unit component
 * of the path that is not a slice ("nginx.service", "session-2.scope"),
 * NULL when none. *container: the id of a known runtime's container
 * (docker, containerd/cri, cri-o, podman/libpod) or, for a Kubernetes pod's
 * own cgroup, the pod's uid; NULL when none. Caller frees both. */
void identity_parse(const char *text, char **unit, char **container);

#endif
