/*
 * auth/drop.h -- the only place that changes root directories, user and
 * group ids, and resource limits.  Every step is checked; a failure is
 * returned to the caller, which must exit (never fail open).
 */
#ifndef LB_AUTH_DROP_H
#define LB_AUTH_DROP_H

#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

enum drop_role { DROP_NET, DROP_SESSION, DROP_PREAUTH };

/* Network child: chroot to dir (which must be root's and not writable by
 * others), chdir("/"), no supplementary groups, setresgid/setresuid to pw,
 * then prove root cannot be regained.  0 or -1 with err. */
int	drop_net(const char *dir, const struct passwd *pw, char *err,
	    size_t errlen);
/* Session child: initgroups, chroot into dir (the user's Maildir),
 * setresgid/setresuid to pw, prove root cannot be regained. */
int	drop_session(const char *dir, const struct passwd *pw, char *err,
	    size_t errlen);
/* Create dir (a Maildir with tmp, new, cur) as the user pw, temporarily
 * taking the user's effective ids.  0 or -1 with err. */
int	drop_create_maildir_as(const char *dir, const struct passwd *pw,
	    char *err, size_t errlen);
/* Plain privilege drop without chroot (maildir-deliver -d USER). */
int	drop_to_user(const struct passwd *pw, char *err, size_t errlen);
/* PREAUTH mode (imapd started by the user over ssh): no ids to change;
 * confine the process to dir with Landlock (ABI 2 or later, which can
 * link and rename between directories) and chdir into it.  Returns 1 if
 * Landlock confines us, 0 if the kernel lacks it (seccomp alone then; the
 * caller logs it), -1 with err on failure. */
int	drop_preauth(const char *dir, char *err, size_t errlen);
/* Resource limits and non-dumpability for a confined role. */
int	drop_limits(enum drop_role, unsigned long memory_mb, char *err,
	    size_t errlen);

#endif
