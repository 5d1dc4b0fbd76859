/*
 * Unit tests: auth/sandbox.c -- a forked child installs a filter and tries
 * what an attacker would: socket(), execve(), opening files.  It must be
 * killed (SIGSYS) or refused.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "auth/sandbox.h"
#include "test.h"

enum action { A_SOCKET, A_EXECVE, A_OPEN, A_READ_OK, A_OPEN_OUTSIDE };

/* Returns the child's wait status. */
static int
in_sandbox(enum sandbox_role role, enum action a, const char *jail)
{
	char err[256];
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == 0) {
		if (jail != NULL && (chroot(jail) == -1 || chdir("/") == -1))
			_exit(90);
		if (sandbox_apply(role, err, sizeof(err)) == -1)
			_exit(91);
		switch (a) {
		case A_SOCKET:
			(void)socket(AF_INET, SOCK_STREAM, 0);
			_exit(0);
		case A_EXECVE: {
			char *argv[] = { "/bin/true", NULL };

			execve("/bin/true", argv, NULL);
			_exit(0);
		}
		case A_OPEN:
			(void)open("/etc/passwd", O_RDONLY);
			_exit(0);
		case A_READ_OK:
			_exit(write(-1, "", 0) == -1 ? 7 : 8);
		case A_OPEN_OUTSIDE:
			fd = open("/etc/passwd", O_RDONLY);
			_exit(fd == -1 && errno == ENOENT ? 5 : 6);
		}
		_exit(0);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return st;
}

static int
killed_by_sigsys(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

TEST(session_kills_socket_and_execve)
{
	CHECK(killed_by_sigsys(in_sandbox(SANDBOX_SESSION, A_SOCKET, NULL)));
	CHECK(killed_by_sigsys(in_sandbox(SANDBOX_SESSION, A_EXECVE, NULL)));
}

TEST(net_kills_open_socket_execve)
{
	CHECK(killed_by_sigsys(in_sandbox(SANDBOX_NET, A_OPEN, NULL)));
	CHECK(killed_by_sigsys(in_sandbox(SANDBOX_NET, A_SOCKET, NULL)));
	CHECK(killed_by_sigsys(in_sandbox(SANDBOX_NET, A_EXECVE, NULL)));
}

TEST(allowed_calls_work)
{
	int st = in_sandbox(SANDBOX_NET, A_READ_OK, NULL);

	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

TEST(session_cannot_open_outside_its_root)
{
	char jail[] = "/tmp/lbjailXXXXXX";
	int st;

	if (geteuid() != 0)
		return;		/* chroot needs root; integration covers it */
	CHECK(mkdtemp(jail) != NULL);
	st = in_sandbox(SANDBOX_SESSION, A_OPEN_OUTSIDE, jail);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	rmdir(jail);
}
