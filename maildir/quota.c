/*
 * maildir/quota.c -- Maildir++ quota: the "maildirsize" file at the Maildir
 * root.  Runs in the session child (chrooted, seccomp: *at calls only) for
 * IMAP QUOTA, APPEND, COPY and EXPUNGE, and in maildir-deliver as the user.
 *
 * Format (Maildir++ spec, as Courier and Dovecot write it): the first line
 * is the quota definition, "<bytes>S,<count>C" (either part optional); each
 * further line is "<bytes> <count>", a signed change.  The sum of the lines
 * is the usage.  Writers append one line with O_APPEND in a single write(2),
 * so concurrent appends never interleave.  The file is recalculated from a
 * scan of every folder's new/ and cur/ when it is larger than 5120 bytes,
 * when a line does not parse, or when it says "over quota" and is older
 * than 15 minutes (the spec's rules); the recalculated file replaces the old
 * one by rename, so a crash leaves one of the two.  Appends racing with a
 * recalculation may be lost; the spec accepts that imprecision, and the
 * next recalculation corrects it.  No maildirsize file means no quota: we
 * never create one (that is the administrator's choice, e.g. maildirmake -q).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/num.h"
#include "maildir/md_int.h"

#define MD_MAILDIRSIZE	"maildirsize"

int
md_quota_def_parse(const char *s, size_t len, uint64_t *bytes_r,
    uint64_t *count_r)
{
	const char *p = s, *end = s + len, *q;
	uint64_t v;
	int have_s = 0, have_c = 0;

	*bytes_r = *count_r = 0;
	if (len == 0)
		return -1;
	while (p < end) {
		q = memchr(p, ',', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (q - p < 2 || num_parse_u64(p, (size_t)(q - p - 1),
		    INT64_MAX, &v) == -1)
			return -1;
		switch (q[-1]) {
		case 'S':
			if (have_s++)
				return -1;
			*bytes_r = v;
			break;
		case 'C':
			if (have_c++)
				return -1;
			*count_r = v;
			break;
		default:
			return -1;
		}
		p = q < end ? q + 1 : q;
		if (q < end && p == end)
			return -1;	/* trailing comma */
	}
	return 0;
}

/* Parse an optionally negative number of exactly len bytes. */
static int
snum(const char *s, size_t len, int64_t *out)
{
	uint64_t v;
	int neg = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	if (num_parse_u64(s, len, INT64_MAX, &v) == -1)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
add_ovf(int64_t *acc, int64_t v)
{
	if ((v > 0 && *acc > INT64_MAX - v) || (v < 0 && *acc < INT64_MIN - v))
		return -1;
	*acc += v;
	return 0;
}

int
md_quota_parse(const char *buf, size_t len, struct md_quota *q)
{
	const char *p, *end = buf + len, *nl, *sp, *a;
	int64_t b, c;
	int need = 0;

	memset(q, 0, sizeof(*q));
	nl = memchr(buf, '\n', len);
	if (nl == NULL)
		return -1;
	if (md_quota_def_parse(buf, (size_t)(nl - buf), &q->limit_bytes,
	    &q->limit_count) == -1)
		return -1;
	if (len > LB_MAILDIRSIZE_RECALC)
		need = 1;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return 1;	/* a cut line: count again */
		/* "bytes count", with any number of blanks between. */
		for (a = p; a < nl && *a == ' '; a++)
			;
		sp = memchr(a, ' ', (size_t)(nl - a));
		if (sp == NULL || snum(a, (size_t)(sp - a), &b) == -1)
			return 1;
		while (sp < nl && *sp == ' ')
			sp++;
		if (snum(sp, (size_t)(nl - sp), &c) == -1 ||
		    add_ovf(&q->used_bytes, b) == -1 ||
		    add_ovf(&q->used_count, c) == -1)
			return 1;
		q->lines++;
	}
	if (q->used_bytes < 0 || q->used_count < 0)
		return 1;
	return need;
}

int
md_quota_over(const struct md_quota *q, uint64_t add_bytes, uint64_t add_count)
{
	uint64_t ub = q->used_bytes < 0 ? 0 : (uint64_t)q->used_bytes;
	uint64_t uc = q->used_count < 0 ? 0 : (uint64_t)q->used_count;

	if (q->limit_bytes != 0 &&
	    (add_bytes > q->limit_bytes || ub > q->limit_bytes - add_bytes))
		return 1;
	if (q->limit_count != 0 &&
	    (add_count > q->limit_count || uc > q->limit_count - add_count))
		return 1;
	return 0;
}

/* Add up new/ and cur/ of the folder directory at path. */
static int
count_folder(int rootfd, const char *path, struct md_quota *q)
{
	static const char *const subs[2] = { "new", "cur" };
	char sub[LB_MAILDIR_NAME_MAX + 8];
	struct md_name mn;
	struct dirent *de;
	struct stat st;
	uint64_t sz;
	DIR *d;
	int i, fd;

	for (i = 0; i < 2; i++) {
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, subs[i]);
		fd = openat(rootfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return md_errno();
		}
		if ((d = fdopendir(fd)) == NULL) {
			(void)close(fd);
			return MD_ERR_IO;
		}
		while ((de = readdir(d)) != NULL) {
			if (md_name_parse(de->d_name, &mn) == -1)
				continue;
			/* The spec counts S= where present, else the file. */
			if (mn.has_size)
				sz = mn.size;
			else if (fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				sz = (uint64_t)st.st_size;
			else
				continue;	/* gone meanwhile */
			if (sz > INT64_MAX || add_ovf(&q->used_bytes,
			    (int64_t)sz) == -1 || add_ovf(&q->used_count, 1))
				q->used_bytes = INT64_MAX;
		}
		(void)closedir(d);
	}
	return MD_OK;
}

int
md_quota_recalc(int rootfd, const char *def, size_t deflen,
    struct md_quota *q)
{
	char tmpname[LB_MAILDIR_NAME_MAX + 8], uniq[LB_MAILDIR_NAME_MAX + 1];
	char line[64];
	struct dirent *de;
	DIR *d;
	int fd, err, n;
	size_t folders = 0;

	q->used_bytes = q->used_count = 0;
	if ((err = count_folder(rootfd, ".", q)) != MD_OK)
		return err;
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return md_errno();
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++folders > LB_FOLDER_MSGS_MAX)
			break;
		if ((err = count_folder(rootfd, de->d_name, q)) != MD_OK) {
			(void)closedir(d);
			return err;
		}
	}
	(void)closedir(d);
	/* Write "def\nbytes count\n" to tmp/ and rename it over the old. */
	if (md_unique_new(uniq, sizeof(uniq)) == -1)
		return MD_ERR_LIMIT;
	(void)snprintf(tmpname, sizeof(tmpname), "tmp/%.*s", 200, uniq);
	fd = openat(rootfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return md_errno();
	n = snprintf(line, sizeof(line), "%lld %lld\n",
	    (long long)q->used_bytes, (long long)q->used_count);
	if (md_write_all(fd, def, deflen) == -1 ||
	    md_write_all(fd, "\n", 1) == -1 ||
	    md_write_all(fd, line, (size_t)n) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		err = md_errno();
		(void)close(fd);	/* EBADF if already closed: harmless */
		(void)unlinkat(rootfd, tmpname, 0);
		return err;
	}
	if (renameat(rootfd, tmpname, rootfd, MD_MAILDIRSIZE) == -1) {
		err = md_errno();
		(void)unlinkat(rootfd, tmpname, 0);
		return err;
	}
	q->lines = 1;
	return MD_OK;
}

/* Read maildirsize into q, recalculating it when the rules say so.
 * MD_ERR_NOFOLDER if there is no file (no quota). */
static int
quota_read(int rootfd, struct md_quota *q, uint64_t add_bytes,
    uint64_t add_count)
{
	char *buf;
	struct stat st;
	ssize_t n = 0;
	size_t len = 0;
	const char *nl;
	int fd, r, err;

	memset(q, 0, sizeof(*q));
	fd = openat(rootfd, MD_MAILDIRSIZE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	if (fstat(fd, &st) == -1 || (buf = malloc(LB_MAILDIRSIZE_MAX +
	    1)) == NULL) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	while (len <= LB_MAILDIRSIZE_MAX) {
		n = read(fd, buf + len, LB_MAILDIRSIZE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	if (n == -1) {
		free(buf);
		return MD_ERR_IO;
	}
	/* Over our own bound: only the definition line is trusted. */
	if (len > LB_MAILDIRSIZE_MAX) {
		r = (nl = memchr(buf, '\n', len)) != NULL &&
		    md_quota_def_parse(buf, (size_t)(nl - buf),
		    &q->limit_bytes, &q->limit_count) == 0 ? 1 : -1;
	} else
		r = md_quota_parse(buf, len, q);
	if (r == -1) {
		free(buf);
		return MD_ERR_CORRUPT;
	}
	if (r == 0 && md_quota_over(q, add_bytes, add_count) &&
	    md_now_ns() / 1000000000 - st.st_mtim.tv_sec >
	    LB_QUOTA_RECALC_AGE_SEC)
		r = 1;
	if (r == 1) {
		nl = memchr(buf, '\n', len);
		err = md_quota_recalc(rootfd, buf, (size_t)(nl - buf), q);
		free(buf);
		return err;
	}
	free(buf);
	return MD_OK;
}

int
md_quota_get(int rootfd, uint64_t *limit_bytes, uint64_t *limit_count,
    uint64_t *used_bytes, uint64_t *used_count)
{
	struct md_quota q;
	int err;

	*limit_bytes = *limit_count = *used_bytes = *used_count = 0;
	err = quota_read(rootfd, &q, 0, 0);
	if (err == MD_ERR_NOFOLDER)
		return MD_OK;
	if (err != MD_OK)
		return err;
	*limit_bytes = q.limit_bytes;
	*limit_count = q.limit_count;
	*used_bytes = q.used_bytes < 0 ? 0 : (uint64_t)q.used_bytes;
	*used_count = q.used_count < 0 ? 0 : (uint64_t)q.used_count;
	return MD_OK;
}

int
md_quota_check(int rootfd, uint64_t add_bytes, uint64_t add_count)
{
	struct md_quota q;
	int err;

	err = quota_read(rootfd, &q, add_bytes, add_count);
	if (err == MD_ERR_NOFOLDER || err == MD_ERR_CORRUPT)
		return MD_OK;	/* no quota, or none we can read: deliver */
	if (err != MD_OK)
		return err;
	return md_quota_over(&q, add_bytes, add_count) ? MD_ERR_QUOTA : MD_OK;
}

int
md_quota_update(int rootfd, int64_t bytes, int64_t count)
{
	char line[64];
	int fd, n, err = MD_OK;

	fd = openat(rootfd, MD_MAILDIRSIZE, O_WRONLY | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? MD_OK : md_errno();
	n = snprintf(line, sizeof(line), "%lld %lld\n", (long long)bytes,
	    (long long)count);
	/* One write(2) with O_APPEND: lines never interleave. */
	if (write(fd, line, (size_t)n) != n)
		err = md_errno();
	(void)close(fd);
	return err;
}
