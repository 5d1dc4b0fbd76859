/*
 * tests/helpers/attack.c -- confinement seen from the attacker's side.
 * Run as root by tests/integration/test_faults.py.  It rebuilds one
 * confined role exactly as auth/monitor.c does (drop_limits, drop_net or
 * drop_session with a real passwd entry, sandbox_apply) and then tries
 * one thing a compromised child would try.
 *
 *   attack net     USER EMPTYDIR ACTION [ARG]
 *   attack session USER MAILDIR  ACTION [ARG]
 *   attack preauth USER MAILDIR  ACTION [ARG]
 *
 * preauth is imapd started by the user over ssh: run it as that user
 * (the test uses setpriv); it applies drop_preauth (Landlock beneath the
 * Maildir), the PREAUTH limits and SANDBOX_PREAUTH, as preauth_main does.
 * Exit 3 when the kernel has no usable Landlock.
 *
 * ACTION: open PATH (read), create PATH (write), readdir PATH,
 * connect PORT (127.0.0.1), execve PATH, ptrace PID, setuid0, chmod PATH.
 *
 * Exit: 0 and "denied: ..." when the attempt failed with an error; killed
 * by SIGSYS when seccomp stopped it; 1 and "SUCCEEDED" when it worked (a
 * hole); 2 when the set-up itself failed.
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/drop.h"
#include "auth/sandbox.h"
#include "common/num.h"

static int
denied(const char *what)
{
	printf("denied: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 0;
}

static int
succeeded(const char *what)
{
	printf("SUCCEEDED: %s\n", what);
	fflush(stdout);
	return 1;
}

static int
number(const char *s, uint64_t max, uint64_t *v)
{
	if (s == NULL || num_parse_str(s, max, v) == -1) {
		fprintf(stderr, "attack: bad number\n");
		return -1;
	}
	return 0;
}

static int
attack(const char *action, const char *arg)
{
	uint64_t v;
	int fd;

	/* Output goes through a pipe to the test: make sure stdio has its
	 * buffer before the filter is in place is not needed (write(2) is
	 * allowed in every role), but flush what is pending. */
	if (strcmp(action, "open") == 0 && arg != NULL) {
		if ((fd = open(arg, O_RDONLY)) == -1)
			return denied("open");
		return succeeded("open");
	}
	if (strcmp(action, "create") == 0 && arg != NULL) {
		if ((fd = open(arg, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
			return denied("create");
		return succeeded("create");
	}
	if (strcmp(action, "readdir") == 0 && arg != NULL) {
		DIR *d;

		if ((d = opendir(arg)) == NULL)
			return denied("opendir");
		if (readdir(d) == NULL)
			return denied("readdir");
		return succeeded("readdir");
	}
	if (strcmp(action, "connect") == 0) {
		struct sockaddr_in sin;

		if (number(arg, 65535, &v) == -1)
			return 2;
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return denied("socket");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)v);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			return denied("connect");
		return succeeded("connect");
	}
	if (strcmp(action, "execve") == 0 && arg != NULL) {
		char *const argv[] = { (char *)arg, NULL };
		char *const envp[] = { NULL };

		(void)execve(arg, argv, envp);
		return denied("execve");
	}
	if (strcmp(action, "ptrace") == 0) {
		if (number(arg, 4194304, &v) == -1)
			return 2;
		if (ptrace(PTRACE_ATTACH, (pid_t)v, NULL, NULL) == -1)
			return denied("ptrace");
		return succeeded("ptrace");
	}
	if (strcmp(action, "setuid0") == 0) {
		if (setuid(0) == -1)
			return denied("setuid");
		if (getuid() != 0 && geteuid() != 0) {
			errno = EPERM;
			return denied("setuid (ids unchanged)");
		}
		return succeeded("setuid");
	}
	if (strcmp(action, "chmod") == 0 && arg != NULL) {
		if (chmod(arg, 04777) == -1)
			return denied("chmod");
		return succeeded("chmod");
	}
	fprintf(stderr, "attack: unknown action %s\n", action);
	return 2;
}

static int
preauth(const char *user, const char *dir, const char *action,
    const char *arg)
{
	struct passwd *pw;
	char err[512];
	int ll;

	if ((pw = getpwuid(getuid())) == NULL ||
	    strcmp(pw->pw_name, user) != 0 || getuid() == 0) {
		fprintf(stderr, "attack: preauth must run as %s\n", user);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if ((ll = drop_preauth(dir, err, sizeof(err))) == -1 ||
	    drop_limits(DROP_PREAUTH, 512, err, sizeof(err)) == -1 ||
	    sandbox_apply(SANDBOX_PREAUTH, err, sizeof(err)) == -1) {
		fprintf(stderr, "attack: set-up: %s\n", err);
		return 2;
	}
	if (ll == 0) {
		fprintf(stderr, "attack: no Landlock in this kernel\n");
		return 3;
	}
	return attack(action, arg);
}

int
main(int argc, char *argv[])
{
	struct passwd *pw;
	char err[512];
	int net;

	if (argc < 5) {
		fprintf(stderr, "usage: attack net|session|preauth USER DIR ACTION "
		    "[ARG]\n");
		return 2;
	}
	net = strcmp(argv[1], "net") == 0;
	if (strcmp(argv[1], "preauth") == 0)
		return preauth(argv[2], argv[3], argv[4],
		    argc > 5 ? argv[5] : NULL);
	if (!net && strcmp(argv[1], "session") != 0)
		return 2;
	if ((pw = getpwnam(argv[2])) == NULL) {
		fprintf(stderr, "attack: no user %s\n", argv[2]);
		return 2;
	}
	/* Unbuffered from here: stdio must not need to allocate or fstat
	 * once the filter is on. */
	setvbuf(stdout, NULL, _IONBF, 0);
	if (net) {
		if (drop_limits(DROP_NET, 0, err, sizeof(err)) == -1 ||
		    drop_net(argv[3], pw, err, sizeof(err)) == -1 ||
		    sandbox_apply(SANDBOX_NET, err, sizeof(err)) == -1) {
			fprintf(stderr, "attack: set-up: %s\n", err);
			return 2;
		}
	} else {
		if (drop_limits(DROP_SESSION, 512, err, sizeof(err)) == -1 ||
		    drop_session(argv[3], pw, err, sizeof(err)) == -1 ||
		    sandbox_apply(SANDBOX_SESSION, err, sizeof(err)) == -1) {
			fprintf(stderr, "attack: set-up: %s\n", err);
			return 2;
		}
	}
	return attack(argv[4], argc > 5 ? argv[5] : NULL);
}
