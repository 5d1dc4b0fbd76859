/*
 * maildir/folders.c -- the folder tree of a Maildir++ (see folders.h):
 * listing the ".Name" directories of the root, deleting and renaming
 * folders, RENAME INBOX, the subscriptions file, and STATUS figures of a
 * folder that is not open.  Runs in the session child, as the user,
 * chrooted into the Maildir under seccomp: openat, getdents64 (fdopendir),
 * mkdirat, renameat(2), unlinkat (AT_REMOVEDIR), fsync and fstatat only.
 *
 * Races and the decisions taken:
 *
 * - Maildir++ folders are independent directories: ".A.B" needs no ".A".
 *   Deleting ".A" leaves ".A.B" alone (IMAP then shows A as a \Noselect
 *   parent); renaming A renames every ".A.*" directory, one rename(2) each.
 *   That is not atomic: a delivery racing a RENAME lands in the old or the
 *   new directory (both are complete folders), and a failure half-way is
 *   rolled back by renaming back what was done.
 * - DELETE first renames the directory into the root's tmp/ (same file
 *   system, so rename(2) is atomic): other sessions and the MTA see the
 *   folder gone at once and no reader ever sees it half-removed.  Only
 *   then are its messages counted (for maildirsize) and its files removed.
 *   A crash in between leaves a "<unique>.deleted" directory in tmp/,
 *   invisible to every Maildir reader.
 * - Renames use renameat2(RENAME_NOREPLACE) where the file system has it:
 *   plain rename(2) would silently replace an empty directory created by
 *   someone else between our check and the rename.
 * - The subscriptions file is rewritten whole (tmp/, fsync, rename) under
 *   INBOX's UID list lock, so two sessions subscribing at once do not lose
 *   one of the changes; readers never see a partial file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "maildir/folders.h"
#include "maildir/md_int.h"

#define SUBS_FILE	"subscriptions"
#define COURIER_SUBS	"courierimapsubscribed"

/* --- name lists ---------------------------------------------------------- */

void
md_names_free(struct md_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int
names_add(struct md_names *l, const char *s, size_t len, size_t max)
{
	char **nv, *c;
	size_t ncap;

	if (l->n >= max)
		return MD_ERR_LIMIT;
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 32;
		if ((nv = reallocarray(l->v, ncap, sizeof(*nv))) == NULL)
			return MD_ERR_IO;
		l->v = nv;
		l->cap = ncap;
	}
	if ((c = strndup(s, len)) == NULL)
		return MD_ERR_IO;
	l->v[l->n++] = c;
	return MD_OK;
}

static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void
names_sort(struct md_names *l)
{
	size_t i, j;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), strpcmp);
	for (i = 1, j = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[j - 1]) == 0) {
			free(l->v[i]);
			continue;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
}

long
md_names_find(const struct md_names *l, const char *name)
{
	size_t lo = 0, hi = l->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(l->v[mid], name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* --- enumeration --------------------------------------------------------- */

int
md_folders_list(int rootfd, struct md_names *out)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, err = MD_OK;

	memset(out, 0, sizeof(*out));
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return md_errno();
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				err = MD_ERR_IO;
			break;
		}
		/* ".", "..", "..x" and names that are not folder names
		 * (".INBOX", trailing dot, control characters) are not
		 * folders; neither are dot files (".qmail", ".lock"). */
		if (de->d_name[0] != '.' ||
		    md_folder_name_check(de->d_name + 1) != MD_OK)
			continue;
		if (de->d_type != DT_DIR) {
			if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(rootfd, de->d_name, &st, 0) == -1 ||
			    !S_ISDIR(st.st_mode))
				continue;
		}
		err = names_add(out, de->d_name + 1, strlen(de->d_name + 1),
		    LB_FOLDERS_MAX);
		if (err != MD_OK)
			break;
	}
	(void)closedir(d);
	if (err != MD_OK) {
		md_names_free(out);
		return err;
	}
	names_sort(out);
	return MD_OK;
}

static int
dotname(char *buf, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (n + 2 > len)
		return -1;
	buf[0] = '.';
	memcpy(buf + 1, name, n + 1);
	return 0;
}

int
md_folder_exists(int rootfd, const char *name)
{
	char path[LB_MAILDIR_NAME_MAX + 2];
	struct stat st;

	if (strcasecmp(name, "INBOX") == 0)
		return 1;
	if (md_folder_name_check(name) != MD_OK ||
	    dotname(path, sizeof(path), name) == -1)
		return MD_ERR_BADNAME;
	if (fstatat(rootfd, path, &st, 0) == -1)
		return errno == ENOENT || errno == ENOTDIR ? 0 : md_errno();
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

/* --- deletion ------------------------------------------------------------ */

/* Bytes and count of the message files in dirfd/sub (S= if present, else
 * the file's size), for maildirsize. */
static void
count_msgs(int dfd, const char *sub, int64_t *bytes, int64_t *count)
{
	struct md_name mn;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, sfd;

	if ((fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	sfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (md_name_parse(de->d_name, &mn) == -1)
			continue;
		if (mn.has_size && mn.size < INT64_MAX / 2)
			*bytes += (int64_t)mn.size;
		else if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0)
			*bytes += st.st_size;
		(*count)++;
	}
	(void)closedir(d);
}

/* Remove everything inside directory fd (which is consumed), depth levels
 * deep at most.  0 or -1. */
static int
rm_contents(int fd, int depth)
{
	struct dirent *de;
	DIR *d;
	int pass, any, cfd, r = 0;

	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	/* Entries removed while reading may make readdir skip others:
	 * read again until a pass removes nothing. */
	for (pass = 0; pass < 4; pass++) {
		any = 0;
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
				any = 1;
				continue;
			}
			if (errno != EISDIR && errno != EPERM)
				continue;
			if (depth <= 1) {
				r = -1;
				continue;
			}
			cfd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd == -1 || rm_contents(cfd, depth - 1) == -1)
				r = -1;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
				any = 1;
			else
				r = -1;
		}
		if (!any)
			break;
		r = 0;
	}
	(void)closedir(d);
	return r;
}

int
md_folder_delete(int rootfd, const char *name)
{
	char path[LB_MAILDIR_NAME_MAX + 2], uniq[LB_MAILDIR_NAME_MAX + 1];
	char trash[LB_MAILDIR_NAME_MAX + 16];
	int64_t bytes = 0, count = 0;
	struct stat st;
	int fd, r;

	if (md_folder_name_check(name) != MD_OK ||
	    dotname(path, sizeof(path), name) == -1)
		return MD_ERR_BADNAME;
	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	if (S_ISLNK(st.st_mode)) {
		/* A shared folder: remove our link, never its mail. */
		if (unlinkat(rootfd, path, 0) == -1)
			return md_errno();
		(void)fsync(rootfd);
		return MD_OK;
	}
	if (!S_ISDIR(st.st_mode))
		return MD_ERR_NOFOLDER;
	if (md_unique_new(uniq, sizeof(uniq)) == -1)
		return MD_ERR_LIMIT;
	r = snprintf(trash, sizeof(trash), "tmp/%.200s.deleted", uniq);
	if (r < 0 || (size_t)r >= sizeof(trash))
		return MD_ERR_LIMIT;
	if (renameat(rootfd, path, rootfd, trash) == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	(void)fsync(rootfd);
	if ((fd = openat(rootfd, trash, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return MD_OK;	/* gone from view; the leftover is harmless */
	count_msgs(fd, "new", &bytes, &count);
	count_msgs(fd, "cur", &bytes, &count);
	if (count > 0)
		(void)md_quota_update(rootfd, -bytes, -count);
	if (rm_contents(fd, LB_RMTREE_DEPTH) == 0)
		(void)unlinkat(rootfd, trash, AT_REMOVEDIR);
	return MD_OK;
}

/* --- renaming ------------------------------------------------------------ */

/* rename(2) that never replaces an existing target. */
static int
rename_noreplace(int fd, const char *from, const char *to)
{
	struct stat st;

	if (renameat2(fd, from, fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* No RENAME_NOREPLACE here (some NFS): check, then rename; the
	 * window is the one md_folder_create() accepts too. */
	if (fstatat(fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(fd, from, fd, to);
}

/* The folders of list that are name or below it (name + "."). */
static int
in_tree(const char *f, const char *name, size_t nlen)
{
	return strncmp(f, name, nlen) == 0 && (f[nlen] == '\0' ||
	    f[nlen] == '.');
}

static int
subs_rename(int rootfd, const char *from, const char *to);

int
md_folder_rename(int rootfd, const char *from, const char *to)
{
	struct md_names all, olds = { NULL, 0, 0 }, news = { NULL, 0, 0 };
	char a[LB_MAILDIR_NAME_MAX + 2], b[LB_MAILDIR_NAME_MAX + 2];
	char nn[LB_MAILDIR_NAME_MAX + 2];
	size_t flen = strlen(from), i, done;
	struct stat st;
	int err, n, saved;

	if (md_folder_name_check(from) != MD_OK ||
	    md_folder_name_check(to) != MD_OK)
		return MD_ERR_BADNAME;
	/* A folder cannot move into its own tree. */
	if (in_tree(to, from, flen))
		return MD_ERR_BADNAME;
	if ((err = md_folders_list(rootfd, &all)) != MD_OK)
		return err;
	for (i = 0; i < all.n; i++) {
		if (!in_tree(all.v[i], from, flen))
			continue;
		n = snprintf(nn, sizeof(nn), "%s%s", to, all.v[i] + flen);
		if (n < 0 || (size_t)n >= sizeof(nn) ||
		    md_folder_name_check(nn) != MD_OK) {
			err = MD_ERR_BADNAME;
			goto out;
		}
		if ((err = names_add(&olds, all.v[i], strlen(all.v[i]),
		    LB_FOLDERS_MAX)) != MD_OK ||
		    (err = names_add(&news, nn, (size_t)n, LB_FOLDERS_MAX)) !=
		    MD_OK)
			goto out;
		(void)dotname(b, sizeof(b), nn);
		if (fstatat(rootfd, b, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			err = MD_ERR_EXISTS;
			goto out;
		}
	}
	if (olds.n == 0) {
		err = MD_ERR_NOFOLDER;
		goto out;
	}
	(void)dotname(b, sizeof(b), to);
	if (fstatat(rootfd, b, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		err = MD_ERR_EXISTS;
		goto out;
	}
	for (done = 0; done < olds.n; done++) {
		(void)dotname(a, sizeof(a), olds.v[done]);
		(void)dotname(b, sizeof(b), news.v[done]);
		if (rename_noreplace(rootfd, a, b) == -1)
			break;
	}
	if (done < olds.n) {
		saved = errno;
		err = saved == EEXIST || saved == ENOTEMPTY ? MD_ERR_EXISTS :
		    saved == ENOENT ? MD_ERR_NOFOLDER : md_errno();
		while (done-- > 0) {
			(void)dotname(a, sizeof(a), olds.v[done]);
			(void)dotname(b, sizeof(b), news.v[done]);
			(void)renameat(rootfd, b, rootfd, a);
		}
		(void)fsync(rootfd);
		errno = saved;
		goto out;
	}
	(void)fsync(rootfd);
	/* The mail moved; subscriptions follow on a best-effort basis. */
	(void)subs_rename(rootfd, from, to);
	err = MD_OK;
out:
	md_names_free(&all);
	md_names_free(&olds);
	md_names_free(&news);
	return err;
}

int
md_inbox_move(int rootfd, const char *to)
{
	static const char *const subs[2] = { "new", "cur" };
	char dst[LB_MAILDIR_NAME_MAX + 16], src[LB_MAILDIR_NAME_MAX + 8];
	struct md_name mn;
	struct dirent *de;
	size_t moved = 0;
	DIR *d;
	int s, fd, err = MD_OK, n;

	if (md_folder_name_check(to) != MD_OK)
		return MD_ERR_BADNAME;
	if ((err = md_folder_create(rootfd, to)) != MD_OK)
		return err;
	for (s = 0; s < 2 && err == MD_OK; s++) {
		fd = openat(rootfd, subs[s], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1)
			return md_errno();
		if ((d = fdopendir(fd)) == NULL) {
			(void)close(fd);
			return MD_ERR_IO;
		}
		while ((de = readdir(d)) != NULL) {
			if (md_name_parse(de->d_name, &mn) == -1)
				continue;
			if (moved++ >= LB_FOLDER_MSGS_MAX) {
				err = MD_ERR_LIMIT;
				break;
			}
			(void)snprintf(src, sizeof(src), "%s/%s", subs[s],
			    de->d_name);
			n = snprintf(dst, sizeof(dst), ".%s/%s/%s", to,
			    subs[s], de->d_name);
			if (n < 0 || (size_t)n >= sizeof(dst)) {
				err = MD_ERR_LIMIT;
				break;
			}
			/* ENOENT: expunged or moved by someone meanwhile. */
			if (renameat(rootfd, src, rootfd, dst) == -1 &&
			    errno != ENOENT) {
				err = md_errno();
				break;
			}
		}
		(void)closedir(d);
		(void)snprintf(dst, sizeof(dst), ".%s/%s", to, subs[s]);
		(void)md_fsync_dir(rootfd, dst);
		(void)md_fsync_dir(rootfd, subs[s]);
	}
	return err;
}

/* --- subscriptions ------------------------------------------------------- */

/* Read a whole small file; *buf_r malloc'd (NUL-terminated).  ENOENT is
 * MD_ERR_NOFOLDER. */
static int
read_small(int rootfd, const char *path, char **buf_r, size_t *len_r)
{
	struct stat st;
	char *b;
	size_t len = 0;
	ssize_t r = 0;
	int fd;

	*buf_r = NULL;
	fd = openat(rootfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	if (st.st_size > LB_SUBSCRIPTIONS_FILE_MAX) {
		(void)close(fd);
		return MD_ERR_LIMIT;
	}
	if ((b = malloc((size_t)st.st_size + 2)) == NULL) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	/* Read one byte more than the size: a file that grew is refused
	 * rather than cut. */
	while (len < (size_t)st.st_size + 1) {
		r = read(fd, b + len, (size_t)st.st_size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	if (r == -1 || len > (size_t)st.st_size) {
		free(b);
		return r == -1 ? MD_ERR_IO : MD_ERR_LIMIT;
	}
	b[len] = '\0';
	*buf_r = b;
	*len_r = len;
	return MD_OK;
}

/* Add the names of one file.  courier: lines carry "INBOX." prefixes. */
static int
subs_parse(const char *b, size_t len, int courier, struct md_names *out)
{
	char name[LB_MAILDIR_NAME_MAX + 1];
	const char *p = b, *end = b + len, *nl;
	size_t n, i;
	int err, first = 1;

	for (; p < end; p = nl + 1, first = 0) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* Dovecot >= 2.3 writes a "V\t2" header line. */
		if (first && n >= 2 && p[0] == 'V' && p[1] == '\t')
			continue;
		if (n == 0 || n > LB_MAILDIR_NAME_MAX)
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		for (i = 0; i < n; i++)
			if (name[i] == '\t')	/* Dovecot v2 separator */
				name[i] = '.';
		if (courier) {
			if (strcasecmp(name, "INBOX") == 0)
				;
			else if (strncasecmp(name, "INBOX.", 6) == 0)
				memmove(name, name + 6, n - 6 + 1);
			else
				continue;	/* another namespace */
		}
		if (strcasecmp(name, "INBOX") == 0)
			(void)snprintf(name, sizeof(name), "INBOX");
		else if (md_folder_name_check(name) != MD_OK)
			continue;
		if ((err = names_add(out, name, strlen(name),
		    LB_SUBSCRIPTIONS_MAX)) != MD_OK)
			return err;
	}
	return MD_OK;
}

int
md_subs_read(int rootfd, struct md_names *out)
{
	static const char *const files[2] = { SUBS_FILE, COURIER_SUBS };
	char *b;
	size_t len = 0;
	int i, err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < 2; i++) {
		err = read_small(rootfd, files[i], &b, &len);
		if (err == MD_ERR_NOFOLDER)
			continue;
		if (err == MD_OK) {
			err = subs_parse(b, len, i == 1, out);
			free(b);
		}
		if (err != MD_OK) {
			md_names_free(out);
			return err;
		}
		/* Courier's file is read only until we have written ours
		 * (the first change imports it): otherwise a name that
		 * only Courier's file lists could never be unsubscribed. */
		break;
	}
	names_sort(out);
	return MD_OK;
}

/* Write list as the new subscriptions file (caller holds the lock). */
static int
subs_write(int rootfd, const struct md_names *l)
{
	char tmp[LB_MAILDIR_NAME_MAX + 8], uniq[LB_MAILDIR_NAME_MAX + 1];
	struct buf w;
	size_t i;
	int fd, err = MD_OK;

	buf_init(&w, LB_SUBSCRIPTIONS_FILE_MAX);
	for (i = 0; i < l->n; i++)
		if (buf_puts(&w, l->v[i]) == -1 || buf_putc(&w, '\n') == -1) {
			buf_free(&w);
			return errno == E2BIG ? MD_ERR_LIMIT : MD_ERR_IO;
		}
	if (md_unique_new(uniq, sizeof(uniq)) == -1) {
		buf_free(&w);
		return MD_ERR_LIMIT;
	}
	(void)snprintf(tmp, sizeof(tmp), "tmp/%.240s", uniq);
	fd = openat(rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		buf_free(&w);
		return md_errno();
	}
	if (md_write_all(fd, w.p, w.len) == -1 || fsync(fd) == -1)
		err = md_errno();
	if (close(fd) == -1 && err == MD_OK)
		err = md_errno();
	buf_free(&w);
	if (err == MD_OK && renameat(rootfd, tmp, rootfd, SUBS_FILE) == -1)
		err = md_errno();
	if (err != MD_OK) {
		(void)unlinkat(rootfd, tmp, 0);
		return err;
	}
	(void)fsync(rootfd);
	return MD_OK;
}

/* Apply one change to the subscriptions under the lock.  op: 1 add name,
 * 0 remove name, 2 rename the tree name to to. */
static int
subs_change(int rootfd, const char *name, int op, const char *to)
{
	struct md_names l, nl = { NULL, 0, 0 };
	char nn[LB_MAILDIR_NAME_MAX + 2];
	size_t i, nlen = strlen(name);
	long at;
	int err, changed = 0, n;

	if ((err = md_ul_lock(rootfd)) != MD_OK)
		return err;
	if ((err = md_subs_read(rootfd, &l)) != MD_OK)
		goto out;
	at = md_names_find(&l, name);
	if (op == 1 && at == -1) {
		err = names_add(&l, name, nlen, LB_SUBSCRIPTIONS_MAX);
		changed = 1;
	} else if (op == 0 && at != -1) {
		free(l.v[at]);
		memmove(&l.v[at], &l.v[at + 1], (l.n - (size_t)at - 1) *
		    sizeof(*l.v));
		l.n--;
		changed = 1;
	} else if (op == 2) {
		for (i = 0; i < l.n && err == MD_OK; i++) {
			if (!in_tree(l.v[i], name, nlen)) {
				err = names_add(&nl, l.v[i], strlen(l.v[i]),
				    LB_SUBSCRIPTIONS_MAX);
				continue;
			}
			n = snprintf(nn, sizeof(nn), "%s%s", to, l.v[i] + nlen);
			if (n < 0 || (size_t)n >= sizeof(nn))
				continue;
			err = names_add(&nl, nn, (size_t)n,
			    LB_SUBSCRIPTIONS_MAX);
			changed = 1;
		}
		md_names_free(&l);
		l = nl;
	}
	if (err == MD_OK && changed) {
		names_sort(&l);
		err = subs_write(rootfd, &l);
	}
	md_names_free(&l);
out:
	md_ul_unlock(rootfd);
	return err;
}

int
md_subs_set(int rootfd, const char *name, int on)
{
	if (strcasecmp(name, "INBOX") == 0)
		name = "INBOX";
	else if (md_folder_name_check(name) != MD_OK)
		return MD_ERR_BADNAME;
	return subs_change(rootfd, name, on ? 1 : 0, NULL);
}

static int
subs_rename(int rootfd, const char *from, const char *to)
{
	return subs_change(rootfd, from, 2, to);
}

/* --- status -------------------------------------------------------------- */

void
md_folder_status_of(const struct md_folder *f, struct md_status *st)
{
	const struct md_msg *m;
	size_t i, n = md_count(f);

	memset(st, 0, sizeof(*st));
	st->messages = (uint32_t)n;
	for (i = 0; i < n; i++) {
		m = md_get(f, i);
		if (strchr(m->flags, MD_FLAG_SEEN) == NULL)
			st->unseen++;
		if (strchr(m->flags, MD_FLAG_TRASHED) != NULL)
			st->deleted++;
		if (m->recent)
			st->recent++;
		st->size += m->vsize;
	}
	st->uidnext = md_uidnext(f);
	st->uidvalidity = md_uidvalidity(f);
	st->highestmodseq = md_highestmodseq(f);
}

int
md_folder_status(int rootfd, const char *name, struct md_status *st)
{
	struct md_folder *f;
	struct stat sb;
	size_t i;
	int dfd, err, ro = 1;

	/* A folder without a UID list yet: a read-only open would make up
	 * a UIDVALIDITY that the first real open replaces, and the client
	 * would throw its cache away.  Create the list now instead (it
	 * takes no \Recent: its messages stay recent for the next SELECT). */
	if ((dfd = md_folder_dirfd(rootfd, name)) == -1)
		return errno == ENOENT || errno == ENOTDIR ? MD_ERR_NOFOLDER :
		    errno == EINVAL ? MD_ERR_BADNAME : md_errno();
	if (fstatat(dfd, MD_UIDLIST, &sb, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT)
		ro = 0;
	(void)close(dfd);
	if ((err = md_folder_open(&f, rootfd, name,
	    ro ? MD_OPEN_RO : MD_OPEN_KEEP_RECENT)) != MD_OK)
		return err;
	md_folder_status_of(f, st);
	/* RECENT: what the next SELECT would see as \Recent. */
	st->recent = 0;
	for (i = 0; i < md_count(f); i++)
		if (md_get(f, i)->uid >= md_recent_from(f))
			st->recent++;
	md_folder_close(&f);
	return MD_OK;
}
