/* sampler-select.h - which processes the sampler reads: pids, users and a
 * regex of process names, built from the command line (the man page's
 * "Selecting processes"). */
#ifndef FDWATCH_SAMPLER_SELECT_H
#define FDWATCH_SAMPLER_SELECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/* Empty lists and has_comm false select everything. The lists are owned;
 * comm is compiled from comm_pattern (owned), so that a copy can compile
 * its own. */
struct selection {
	int *pids;
	size_t npids;
	long *uids;
	size_t nuids;
	bool has_comm;
	regex_t comm;
	char *comm_pattern;
};

/* Builds selection pieces from command-line text. Each returns 0 or a
 * negative errno and leaves an explanation in *why (static). */
int selection_add_pids(struct selection *sel, const char *list, const char **why);
int selection_add_user(struct selection *sel, const char *user, const char **why);
int selection_set_comm(struct selection *sel, const char *regex, const char **why);
/* Replaces the pid list with a copy of pids[0..n) (n == 0: any pid). */
void selection_set_pids(struct selection *sel, const int *pids, size_t n);
/* Makes dst (uninitialised) an independent deep copy of src; dst is
 * released with selection_free. */
void selection_copy(struct selection *dst, const struct selection *src);
/* Does the pid list, the uid list, or all three (pid, uid, comm) admit a
 * process? A NULL selection admits every process. */
bool selection_has_pid(const struct selection *sel, int pid);
bool selection_has_uid(const struct selection *sel, long uid);
bool selection_match(const struct selection *sel, int pid, long uid, const char *comm);
/* Releases what sel owns and empties it. */
void selection_free(struct selection *sel);

#endif
