/*
 * auth/drop.h -- giving up root for good.  auth/drop.c is the only file in
 * the tree that changes groups, gids and uids (tools/layering.sh checks).
 */
#ifndef LB_DROP_H
#define LB_DROP_H

#include <pwd.h>

/* Become pw's user for good: supplementary groups of pw_name, then the gid,
 * then the uid (real, effective and saved), then prove that neither the
 * old ids nor root can be regained.  Returns 0, or -1 with errno set (the
 * caller must exit: a half-dropped process must not go on).  As root only. */
int	drop_to_user(const struct passwd *pw);

#endif
