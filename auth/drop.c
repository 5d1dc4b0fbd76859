/*
 * auth/drop.c -- chroot, set*id and rlimits (see drop.h).  Runs as root in
 * a freshly forked child, just before that child becomes unprivileged.
 * Order matters: group list and gid before uid (after setuid we could no
 * longer change them), chroot before setuid (chroot needs root).  After
 * the drop we prove the old ids cannot be regained (OpenSSH does the same
 * in permanently_set_uid()).
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "auth/drop.h"
#include "common/limits.h"

static int
drop_ids(const struct passwd *pw, char *err, size_t errlen)
{
	uid_t r, e, s;

	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1) {
		(void)snprintf(err, errlen, "setresgid(%lu): %s",
		    (unsigned long)pw->pw_gid, strerror(errno));
		return -1;
	}
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		(void)snprintf(err, errlen, "setresuid(%lu): %s",
		    (unsigned long)pw->pw_uid, strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) == -1 || r != pw->pw_uid ||
	    e != pw->pw_uid || s != pw->pw_uid) {
		(void)snprintf(err, errlen, "uid not dropped");
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		(void)snprintf(err, errlen, "could regain root after drop");
		return -1;
	}
	return 0;
}

static int
drop_chroot(const char *dir, char *err, size_t errlen)
{
	if (chroot(dir) == -1 || chdir("/") == -1) {
		(void)snprintf(err, errlen, "chroot %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
drop_net(const char *dir, const struct passwd *pw, char *err, size_t errlen)
{
	struct stat st;

	if (pw->pw_uid == 0) {
		(void)snprintf(err, errlen, "unpriv_user must not be root");
		return -1;
	}
	/* The empty directory is the network child's whole world: it must
	 * not be writable by that child or anyone else but root. */
	if (stat(dir, &st) == -1) {
		(void)snprintf(err, errlen, "empty_dir %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		(void)snprintf(err, errlen, "empty_dir %s: must be a directory"
		    " owned by root and writable by nobody else", dir);
		return -1;
	}
	if (setgroups(0, NULL) == -1) {
		(void)snprintf(err, errlen, "setgroups: %s", strerror(errno));
		return -1;
	}
	if (drop_chroot(dir, err, errlen) == -1)
		return -1;
	return drop_ids(pw, err, errlen);
}

int
drop_session(const char *dir, const struct passwd *pw, char *err,
    size_t errlen)
{
	/* NSS is reachable only before the chroot (SANDBOX-NOTES sec. 1). */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1) {
		(void)snprintf(err, errlen, "initgroups: %s", strerror(errno));
		return -1;
	}
	if (drop_chroot(dir, err, errlen) == -1)
		return -1;
	return drop_ids(pw, err, errlen);
}

int
drop_to_user(const struct passwd *pw, char *err, size_t errlen)
{
	if (initgroups(pw->pw_name, pw->pw_gid) == -1) {
		(void)snprintf(err, errlen, "initgroups: %s", strerror(errno));
		return -1;
	}
	return drop_ids(pw, err, errlen);
}

int
drop_create_maildir_as(const char *dir, const struct passwd *pw, char *err,
    size_t errlen)
{
	static const char *sub[] = { "", "/tmp", "/new", "/cur" };
	char path[LB_MAILDIR_PATH_MAX];
	size_t i;
	int rc = 0;

	/* Take the user's effective ids so the directories are theirs and
	 * every permission check is the user's, then come back. */
	if (setegid(pw->pw_gid) == -1 || seteuid(pw->pw_uid) == -1) {
		(void)snprintf(err, errlen, "seteuid: %s", strerror(errno));
		if (seteuid(0) == -1 || setegid(0) == -1)
			(void)snprintf(err, errlen, "cannot return to root");
		return -1;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", dir, sub[i]) >=
		    sizeof(path) || (mkdir(path, 0700) == -1 &&
		    errno != EEXIST)) {
			(void)snprintf(err, errlen, "mkdir %s: %s", path,
			    strerror(errno));
			rc = -1;
			break;
		}
	}
	if (seteuid(0) == -1 || setegid(0) == -1) {
		(void)snprintf(err, errlen, "cannot return to root");
		return -1;
	}
	return rc;
}

int
drop_preauth(const char *dir, char *err, size_t errlen)
{
#if defined(SYS_landlock_create_ruleset) && defined(LANDLOCK_ACCESS_FS_REFER)
	struct landlock_ruleset_attr ra;
	struct landlock_path_beneath_attr pb;
	uint64_t all;
	long abi;
	int rfd, dfd;

	if (chdir(dir) == -1) {
		(void)snprintf(err, errlen, "chdir %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	/* ABI 1 cannot link or rename across directories: Maildir needs
	 * that (tmp/ -> new/ -> cur/), so it is no use to us. */
	if (abi < 2)
		return 0;
	all = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER;
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = all;
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra),
	    0)) == -1) {
		(void)snprintf(err, errlen, "landlock_create_ruleset: %s",
		    strerror(errno));
		return -1;
	}
	if ((dfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "open %s: %s", dir,
		    strerror(errno));
		close(rfd);
		return -1;
	}
	memset(&pb, 0, sizeof(pb));
	/* Everything beneath the Maildir except running programs. */
	pb.allowed_access = all & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE &
	    ~(uint64_t)(LANDLOCK_ACCESS_FS_MAKE_CHAR |
	    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM);
	pb.parent_fd = dfd;
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		(void)snprintf(err, errlen, "landlock: %s", strerror(errno));
		close(dfd);
		close(rfd);
		return -1;
	}
	close(dfd);
	close(rfd);
	return 1;
#else
	if (chdir(dir) == -1) {
		(void)snprintf(err, errlen, "chdir %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
#endif
}

static int
setlim(int res, rlim_t v, const char *name, char *err, size_t errlen)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = v;
	if (setrlimit(res, &rl) == -1) {
		(void)snprintf(err, errlen, "setrlimit %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
drop_limits(enum drop_role role, unsigned long memory_mb, char *err,
    size_t errlen)
{
	/* No cores: they could hold passwords, keys or mail. */
	if (setlim(RLIMIT_CORE, 0, "CORE", err, errlen) == -1)
		return -1;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#ifndef LB_SANITIZE
	/* No new processes (seccomp refuses clone too: defence in depth).
	 * Sanitizer runtimes start helper threads at exit, so not there.
	 * Not in PREAUTH: the limit counts all of the user's processes. */
	if (role != DROP_PREAUTH &&
	    setlim(RLIMIT_NPROC, 0, "NPROC", err, errlen) == -1)
		return -1;
#endif
	if (role == DROP_NET)
		return setlim(RLIMIT_NOFILE, 32, "NOFILE", err, errlen);
	if (setlim(RLIMIT_NOFILE, 256, "NOFILE", err, errlen) == -1)
		return -1;
#ifndef LB_SANITIZE
	/* ASan reserves terabytes of shadow address space. */
	if (setlim(RLIMIT_DATA, (rlim_t)memory_mb * 1024 * 1024, "DATA", err,
	    errlen) == -1)
		return -1;
#endif
	/* A message being appended may not exceed this; writes beyond fail
	 * with EFBIG instead of killing us with SIGXFSZ. */
	(void)signal(SIGXFSZ, SIG_IGN);
	return setlim(RLIMIT_FSIZE, (rlim_t)LB_MESSAGE_MAX + 1024 * 1024,
	    "FSIZE", err, errlen);
}
