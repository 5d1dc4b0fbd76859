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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/sandbox.h"
#include "test.h"

enum action { A_SOCKET, A_EXECVE, A_OPEN, A_READ_OK, A_OPEN_OUTSIDE,
    A_EXIT, A_ASAN, A_UBSAN, A_LEAK };

static volatile int vol_int = 1;

/* Returns the child's wait status; what it wrote to fd 2 goes to errout
 * (if not NULL, up to errlen - 1 bytes, NUL-terminated). */
static int
in_sandbox_err(enum sandbox_role role, enum action a, const char *jail,
    char *errout, size_t errlen)
{
	char err[256];
	pid_t pid;
	int st, fd, pfd[2];
	size_t got = 0;
	ssize_t n;

	if (errout != NULL && pipe(pfd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		if (errout != NULL && (dup2(pfd[1], 2) == -1 ||
		    close(pfd[0]) == -1 || close(pfd[1]) == -1))
			_exit(92);
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
		case A_EXIT:
			/* exit(3), not _exit: atexit handlers, stdio. */
			exit(3);
		case A_ASAN: {
			char *volatile p = malloc(8);

			if (p != NULL)
				vol_int = p[vol_int + 8];	/* overflow */
			_exit(4);
		}
		case A_UBSAN: {
			int big = 0x7fffffff;

			vol_int = big + vol_int;		/* overflow */
			_exit(4);
		}
		case A_LEAK: {
			void *volatile p = malloc(64);

			p = NULL;
			exit(p == NULL ? 3 : 4);
		}
		}
		_exit(0);
	}
	if (errout != NULL) {
		close(pfd[1]);
		while (got + 1 < errlen &&
		    (n = read(pfd[0], errout + got, errlen - 1 - got)) > 0)
			got += (size_t)n;
		errout[got] = '\0';
		close(pfd[0]);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return st;
}

static int
in_sandbox(enum sandbox_role role, enum action a, const char *jail)
{
	return in_sandbox_err(role, a, jail, NULL, 0);
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

TEST(exit_runs_in_the_sandbox)
{
	/* Normal exit(3) with atexit handlers (and, in sanitizer builds,
	 * the runtime's own teardown) stays inside every filter. */
	int st = in_sandbox(SANDBOX_NET, A_EXIT, NULL);

	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	st = in_sandbox(SANDBOX_SESSION, A_EXIT, NULL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

#ifdef LB_SANITIZE
/* As in the integration environment (tests/integration/lbenv.py): the
 * runtime may not start a symbolizer (clang: a process; gcc: opens the
 * binary) inside a filter, so reports give module+offset. */
const char	*__asan_default_options(void);
const char	*__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "symbolize=0";
}

const char *
__ubsan_default_options(void)
{
	return "symbolize=0";
}

/* Sanitizer builds: a report from inside the filter is written out (not
 * lost to SIGSYS), and a confined child skips the leak check at exit
 * (LeakSanitizer would need clone and ptrace). */
TEST(sanitizer_reports_from_inside_the_sandbox)
{
	static char out[65536];
	int st;

	st = in_sandbox_err(SANDBOX_NET, A_ASAN, NULL, out, sizeof(out));
	CHECK(!killed_by_sigsys(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 4);
	CHECK(strstr(out, "AddressSanitizer: heap-buffer-overflow") != NULL);
	st = in_sandbox_err(SANDBOX_SESSION, A_UBSAN, NULL, out, sizeof(out));
	CHECK(!killed_by_sigsys(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 4);
	CHECK(strstr(out, "signed integer overflow") != NULL);
	st = in_sandbox_err(SANDBOX_SESSION, A_LEAK, NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(strstr(out, "LeakSanitizer") == NULL);
}
#endif
