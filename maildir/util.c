/*
 * maildir/util.c -- small helpers shared by the engine: errno mapping,
 * full writes, directory fsync, clocks, name checks.  Runs in the session
 * child (chrooted, seccomp) and in maildir-deliver; *at(2) calls only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "maildir/md_int.h"

int
md_errno(void)
{
	if (errno == ENOSPC || errno == EDQUOT)
		return MD_ERR_NOSPACE;
	return MD_ERR_IO;
}

int
md_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
md_fsync_dir(int dirfd, const char *path)
{
	int fd, r, saved;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return r;
}

int64_t
md_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
md_sleep_ms(int ms)
{
	/* poll(2) rather than nanosleep: poll is in every seccomp list. */
	(void)poll(NULL, 0, ms);
}

int
md_folder_name_check(const char *name)
{
	size_t len, i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return MD_ERR_BADNAME;
	len = strnlen(name, LB_MAILDIR_NAME_MAX);
	/* On disk the name gets a leading '.', and must fit NAME_MAX. */
	if (len > LB_MAILDIR_NAME_MAX - 1)
		return MD_ERR_BADNAME;
	if (name[len - 1] == '.' || strstr(name, "..") != NULL ||
	    strchr(name, '/') != NULL || strcasecmp(name, "INBOX") == 0)
		return MD_ERR_BADNAME;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return MD_ERR_BADNAME;
	return MD_OK;
}

int
md_folder_dirfd(int rootfd, const char *name)
{
	char path[LB_MAILDIR_NAME_MAX + 2];
	int n;

	if (strcasecmp(name, "INBOX") == 0)
		return openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (md_folder_name_check(name) != MD_OK) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(path, sizeof(path), ".%s", name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A folder may be a symlink (shared folders); inside the chroot it
	 * cannot lead out, and maildir-deliver runs as the user. */
	return openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
md_keyword_valid(const char *name)
{
	size_t i, len = strnlen(name, LB_KEYWORD_MAX + 1);

	if (len == 0 || len > LB_KEYWORD_MAX)
		return 0;
	/* RFC 3501 sec. 9: atom-char, minus ']' is fine but we keep the
	 * list strict: no atom-specials, no '\' (system flags are not
	 * keywords), no '%' '*'. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return 0;
	}
	return 1;
}
