/*
 * auth/drop.c -- privilege drop (see drop.h).  Runs as root in
 * maildir-deliver -d (and later in the monitor's session child), just
 * before the process touches anything the user owns.
 */
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "auth/drop.h"

int
drop_to_user(const struct passwd *pw)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (pw == NULL || pw->pw_name == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Groups first, while we may still change them; then gid; uid last. */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return -1;
	/* Verify instead of trusting the return values (openssh uidswap). */
	if (getresgid(&rg, &eg, &sg) == -1 || getresuid(&ru, &eu, &su) == -1)
		return -1;
	if (rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid ||
	    ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid) {
		errno = EPERM;
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}
