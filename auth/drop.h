/*
 * auth/drop.h -- giving up root for good.  The only place in the tree that
 * calls initgroups, setgroups, setresgid and setresuid (checked by
 * tools/layering.sh).
 */
#ifndef LB_DROP_H
#define LB_DROP_H

#include <pwd.h>

/* Become pw's user for good: initgroups(pw_name, pw_gid), setresgid,
 * setresuid, then prove that neither the old uid/gid nor root can be
 * regained.  Returns 0, or -1 with errno set (the caller must exit: a
 * half-dropped process must not go on).  Called as root only. */
int	drop_to_user(const struct passwd *pw);

#endif
