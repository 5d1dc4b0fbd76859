/*
 * auth/sandbox.c -- seccomp filters (see sandbox.h).  Runs in each confined
 * child right after the privilege drop.  The lists below are the whole
 * kernel surface of a confined process; each entry says why it is there.
 * Where glibc uses a *at or newer variant on some architectures, both
 * names are listed (libseccomp silently ignores names that do not exist on
 * the build architecture; SANDBOX-NOTES sec. 1).
 *
 * Not allowed anywhere: socket, connect, execve, ptrace, clone/fork,
 * set*id, chroot, mount, unshare, setns, kill.  The sessions reach the
 * monitor only through inherited fds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <seccomp.h>

#include "auth/sandbox.h"

#ifdef LB_SANITIZE
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#include <sys/ioctl.h>

/*
 * Sanitizer builds only (make SANITIZE=1, -DLB_SANITIZE; never a release
 * build).  The ASan/UBSan runtime makes a few system calls of its own in
 * a confined child: when a thread ends (_exit, exit) and when it writes a
 * report.  Without them a sanitizer build would die of SIGSYS where the
 * release build works, or lose the report.  Nothing else changes: every
 * call below stays forbidden in release builds, and the tests that expect
 * SIGSYS (socket, execve, open in the network child) still get it.
 * Reports from inside a filter need symbolize=0 in ASAN_OPTIONS and
 * UBSAN_OPTIONS (tests/integration/lbenv.py sets it): symbolizing opens the
 * binary (gcc) or starts llvm-symbolizer (clang); tools/symbolize-report.sh
 * does it afterwards.
 */
static const char *const sb_sanitizer[] = {
	"sigaltstack",				/* ASan: thread teardown */
	"readlink", "readlinkat",		/* report: /proc/self/exe */
};

/*
 * LeakSanitizer's check at exit stops the process with a clone(2)d
 * tracer and ptrace(2): a confined child must never be allowed those, so
 * it skips the check (LSan calls this hook before every check).  Leaks are
 * still checked in the unconfined processes: the monitor (explicitly,
 * before it exits), maildir-deliver, and every unit test.
 */
static int sb_confined;

int
__lsan_is_turned_off(void)
{
	return sb_confined;
}
#endif

/* Both roles: memory, basic I/O on inherited fds, time, exit. */
static const char *const sb_common[] = {
	"read", "write", "readv", "writev",	/* client and channel I/O */
	"close",				/* finished files, TLS teardown */
	"poll", "ppoll",			/* deadlines on every read/write */
	"brk", "mmap", "munmap", "mremap",	/* malloc, realloc of buffers */
	"madvise",				/* glibc free() of large chunks */
	"getrandom",				/* OpenSSL DRBG, unique names */
	"getpid",				/* OpenSSL fork check, names */
	"clock_gettime", "gettimeofday", "time", /* vDSO fallbacks */
	"clock_nanosleep", "nanosleep",		/* lock back-off */
	"rt_sigreturn",				/* return from SIGXFSZ etc. */
	"exit_group", "exit",			/* the end */
	"fstat", "newfstatat", "statx",		/* stdio, OpenSSL, fstat */
	"lseek",				/* stdio on files */
	"futex",				/* glibc locks (uncontended) */
	"sysinfo",				/* glibc qsort() of large arrays
						 * sizes its buffer by RAM */
};

/* The network child: the TLS relay tells the session the client left. */
static const char *const sb_net[] = {
	"shutdown",
};

/* The session child: its Maildir (the chroot) and nothing else. */
static const char *const sb_session[] = {
	"openat", "open",			/* messages, UID list */
	"stat", "lstat",			/* older glibc names */
	"getdents64", "getdents",		/* scanning new/ and cur/ */
	"fsync", "fdatasync",			/* durable APPEND, UID list */
	"link", "linkat",			/* tmp/ -> new/ delivery */
	"unlink", "unlinkat",			/* EXPUNGE, tmp cleanup */
	"rename", "renameat", "renameat2",	/* flags, UID list update */
	"mkdir", "mkdirat", "rmdir",		/* CREATE/DELETE folders */
	"ftruncate", "pread64", "pwrite64",	/* state files */
	"utimensat",				/* APPEND INTERNALDATE */
	"fcntl",				/* O_NONBLOCK checks, locks */
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch", /* IDLE */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
};

static int
sb_add(scmp_filter_ctx ctx, const char *const *names, size_t n, char *err,
    size_t errlen)
{
	size_t i;
	int nr, rc;

	for (i = 0; i < n; i++) {
		nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
			(void)snprintf(err, errlen, "seccomp_rule_add %s: %s",
			    names[i], strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int
sandbox_apply(enum sandbox_role role, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		(void)snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	if (sb_add(ctx, sb_common, sizeof(sb_common) / sizeof(sb_common[0]),
	    err, errlen) == -1)
		goto fail;
	if (role == SANDBOX_NET && sb_add(ctx, sb_net,
	    sizeof(sb_net) / sizeof(sb_net[0]), err, errlen) == -1)
		goto fail;
	if (role != SANDBOX_NET && sb_add(ctx, sb_session,
	    sizeof(sb_session) / sizeof(sb_session[0]), err, errlen) == -1)
		goto fail;
	if (role == SANDBOX_PREAUTH) {
		/* No monitor to relay the log: syslog(3) itself sends on
		 * the socket opened before the filter; when /dev/log was
		 * missing it retries socket(2) and connect(2) each time,
		 * which fail harmlessly here instead of killing us. */
		if (sb_add(ctx, (const char *const[]){ "sendto" }, 1, err,
		    errlen) == -1 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(socket), 0) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(connect), 0) < 0) {
			(void)snprintf(err, errlen, "seccomp_rule_add failed");
			goto fail;
		}
	}
#ifdef LB_SANITIZE
	if (sb_add(ctx, sb_sanitizer, sizeof(sb_sanitizer) /
	    sizeof(sb_sanitizer[0]), err, errlen) == -1)
		goto fail;
	/* Reports list the loaded modules from /proc/self/maps, which the
	 * network child may not open: have the runtime read them now. */
	{
		char mod[256];
		void *off;

		(void)__sanitizer_get_module_and_offset_for_pc(
		    (void *)sandbox_apply, mod, sizeof(mod), &off);
	}
	/* Reports: isatty(2) picks colours; only that ioctl. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, TCGETS, 0))) < 0) {
		(void)snprintf(err, errlen, "seccomp_rule_add ioctl: %s",
		    strerror(-rc));
		goto fail;
	}
	sb_confined = 1;
#endif
	if ((rc = seccomp_load(ctx)) < 0) {
		(void)snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
