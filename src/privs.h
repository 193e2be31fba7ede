/* privs.h - what a copy of fdwatch given capabilities (setcap, the man
 * page's PRIVILEGES) or a setuid bit does with them: it uses them to read
 * /proc, and for nothing its caller asks by name. Files the caller names
 * (--state, -o, --textfile) are opened with the caller's own rights, a
 * --proc tree or a replay needs no privilege and gets none, run's command
 * gets none, and the terminal database comes from the system only.
 *
 * Run by root or by an ordinary user without capabilities, every call here
 * is a no-op: root keeps writing wherever it is told to. */
#ifndef FDWATCH_PRIVS_H
#define FDWATCH_PRIVS_H

#include <stdbool.h>

/* Called once at startup, before anything reads the environment: notes
 * whether the process holds privileges its real user does not, and if so
 * removes TERMINFO, TERMINFO_DIRS and TERMCAP from the environment. */
void privs_init(void);

/* Does the process hold privileges its real user does not (capabilities
 * in its effective or permitted set with a non-root real uid, or a
 * setuid/setgid bit)? */
bool privs_elevated(void);

/* Around the opening of a file the caller named: lowers the effective
 * capabilities (and, setuid, the filesystem uid and gid) to the real
 * user's. Calls nest; each begin that returns 0 needs its end. Returns 0,
 * or -errno after printing why (then the file must not be opened). */
int privs_user_begin(void);
void privs_user_end(void);

/* Drops every privilege for good: all capability sets cleared, the real
 * uid and gid made the effective and saved ones. For commands that need
 * none (replay, a --proc fixture tree) and for run's command before exec.
 * Returns 0 or -errno (nothing printed: it may run in a child). */
int privs_drop_all(void);

#endif
