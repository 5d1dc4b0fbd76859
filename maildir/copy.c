/*
 * maildir/copy.c -- copying messages between folders (IMAP COPY and MOVE)
 * and undoing copies.  Runs in the session child, as the user, chrooted
 * into the Maildir, under seccomp: linkat, openat, unlinkat, fsync, pread,
 * getdents through fdopendir; nothing outside the session list.
 *
 * Decisions, and why:
 *
 * - A copy is a new message with a fresh unique part.  Reusing the
 *   source's unique part would make two messages of one Maildir share a
 *   POP3 UIDL (when copied into INBOX) and would make a later copy back
 *   into the source folder look like a duplicate to the scanner.
 * - The file is hard-linked: no byte is copied, the copy is instantly
 *   complete, and the shared inode keeps the mtime, which is INTERNALDATE
 *   (RFC 3501 sec. 6.4.7 says the copy SHOULD keep it).  Maildir files
 *   are never changed in place by anyone, so sharing the inode is safe;
 *   Dovecot copies the same way.  link(2) never replaces an existing name
 *   (EEXIST: pick another unique part), and it goes straight into cur/:
 *   the message is complete, and cur/ carries the flags.
 * - Where links are refused (another file system under the folder,
 *   EPERM on some FUSE/network file systems, EMLINK on a file with too
 *   many links) the bytes are copied by the ordinary delivery path
 *   (tmp/, fsync, link or rename, fsync), with the source's mtime.
 * - The destination directory is fsynced before success is reported,
 *   as for delivery.  maildirsize gets "+size 1" per copy (Maildir++
 *   counts every name, linked or not), after the quota check.
 * - The source may be renamed (flag change) by someone else while we
 *   copy: md_open() finds it again by its unique part, and a link that
 *   fails with ENOENT tries once more after that.
 * - Copies have no UID until the destination's next md_sync().  A COPY
 *   that fails half-way removes the copies it made before that sync
 *   (md_copy_undo), so no other session can have seen a UID for them.
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
#include "maildir/copy.h"
#include "maildir/md_int.h"

/* Copy the bytes of fd into dest_folder through tmp/ (no hard links). */
static int
copy_bytes(int fd, int rootfd, const char *dest_folder, const char *flags,
    time_t mtime, char *unique_r)
{
	struct md_delivery *d;
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int err;

	if ((err = md_deliver_begin(&d, rootfd, dest_folder, 0)) != MD_OK)
		return err;
	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err = md_errno();
			md_deliver_abort(&d);
			return err;
		}
		if (n == 0)
			break;
		if ((err = md_deliver_write(d, buf, (size_t)n)) != MD_OK) {
			md_deliver_abort(&d);
			return err;
		}
		off += n;
	}
	/* md_deliver_commit checks the quota (always) and updates it. */
	return md_deliver_commit(&d, flags, mtime, unique_r);
}

static int
link_refused(int e)
{
	return e == EXDEV || e == EPERM || e == EMLINK || e == ENOSYS ||
	    e == EOPNOTSUPP;
}

int
md_copy(struct md_folder *src, size_t i, int rootfd, const char *dest_folder,
    const char *flags, char *unique_r)
{
	return md_copy_opt(src, i, rootfd, dest_folder, flags, 0, unique_r);
}

int
md_copy_opt(struct md_folder *src, size_t i, int rootfd,
    const char *dest_folder, const char *flags, unsigned opts,
    char *unique_r)
{
	char norm[27], uniq[LB_MAILDIR_NAME_MAX + 1];
	char from[LB_MAILDIR_NAME_MAX + 8], name[LB_MAILDIR_NAME_MAX + 1];
	const struct md_msg *m;
	struct stat st;
	uint64_t size, vsize;
	int fd = -1, destfd = -1, curfd = -1, err, n, tries, relocated = 0;

	if ((m = md_get(src, i)) == NULL)
		return MD_ERR_GONE;
	if (md_flags_norm(flags != NULL ? flags : m->flags, norm) == -1)
		return MD_ERR_BADNAME;
	/* Opening finds the file again if it was renamed meanwhile. */
	if ((err = md_open(src, i, &fd)) != MD_OK)
		return err;
	if (fstat(fd, &st) == -1) {
		err = md_errno();
		goto out;
	}
	/* Sizes from the file, never from its name (STYLE 5.4). */
	size = (uint64_t)st.st_size;
	m = md_get(src, i);
	if (m->size == size && m->vsize >= size)
		vsize = m->vsize;
	else if ((err = md_count_vsize(fd, &size, &vsize)) != MD_OK)
		goto out;
	if (!(opts & MD_COPY_NOQUOTA) &&
	    (err = md_quota_check(rootfd, size, 1)) != MD_OK)
		goto out;
	if ((destfd = md_folder_dirfd(rootfd, dest_folder)) == -1) {
		err = errno == EINVAL ? MD_ERR_BADNAME :
		    (errno == ENOENT || errno == ENOTDIR) ? MD_ERR_NOFOLDER :
		    md_errno();
		goto out;
	}
	curfd = openat(destfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (curfd == -1) {
		err = errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
		goto out;
	}
	for (tries = 0; tries < LB_DELIVER_TMP_TRIES; tries++) {
		if (md_unique_new(uniq, sizeof(uniq)) == -1) {
			err = MD_ERR_LIMIT;
			goto out;
		}
		n = snprintf(name, sizeof(name), "%s,S=%llu,W=%llu:2,%s", uniq,
		    (unsigned long long)size, (unsigned long long)vsize, norm);
		if (n < 0 || (size_t)n >= sizeof(name)) {
			err = MD_ERR_LIMIT;
			goto out;
		}
		m = md_get(src, i);
		n = snprintf(from, sizeof(from), "%s/%s",
		    m->in_new ? "new" : "cur", m->name);
		if (n < 0 || (size_t)n >= sizeof(from)) {
			err = MD_ERR_LIMIT;
			goto out;
		}
		if (linkat(md_folder_dir(src), from, curfd, name, 0) == 0)
			break;
		if (errno == EEXIST)
			continue;	/* our new name is taken: another */
		if (errno == ENOENT && !relocated) {
			/* Renamed since we opened it: find it again. */
			relocated = 1;
			(void)close(fd);
			if ((err = md_open(src, i, &fd)) != MD_OK)
				goto out;
			continue;
		}
		if (link_refused(errno)) {
			err = copy_bytes(fd, rootfd, dest_folder, norm,
			    st.st_mtim.tv_sec, unique_r);
			goto out;
		}
		err = md_errno();
		goto out;
	}
	if (tries == LB_DELIVER_TMP_TRIES) {
		errno = EEXIST;
		err = MD_ERR_IO;
		goto out;
	}
	/* Durable only once the directory is (as for delivery). */
	if (fsync(curfd) == -1) {
		err = md_errno();
		(void)unlinkat(curfd, name, 0);
		goto out;
	}
	(void)md_quota_update(rootfd, (int64_t)size, 1);
	if (unique_r != NULL)
		(void)snprintf(unique_r, LB_MAILDIR_NAME_MAX + 1, "%s", uniq);
	err = MD_OK;
out:
	if (fd != -1)
		(void)close(fd);
	if (curfd != -1)
		(void)close(curfd);
	if (destfd != -1)
		(void)close(destfd);
	return err;
}

static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove the entries of dirfd/sub whose unique part is in sorted[]. */
static int
undo_dir(int rootfd, int dirfd, const char *sub, char **sorted, size_t n,
    int *removed)
{
	char key[LB_MAILDIR_NAME_MAX + 1];
	struct md_name mn;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, subfd, err = MD_OK, any = 0;
	const char *kp = key;

	if ((subfd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? MD_OK : md_errno();
	/* A second descriptor for fdopendir, which takes it over. */
	if ((fd = openat(subfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (d = fdopendir(fd)) == NULL) {
		err = md_errno();
		if (fd != -1)
			(void)close(fd);
		(void)close(subfd);
		return err;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				err = MD_ERR_IO;
			break;
		}
		if (de->d_name[0] == '.' ||
		    md_name_parse(de->d_name, &mn) == -1 ||
		    mn.unique_len >= sizeof(key))
			continue;
		memcpy(key, mn.unique, mn.unique_len);
		key[mn.unique_len] = '\0';
		if (bsearch(&kp, sorted, n, sizeof(*sorted), strpcmp) == NULL)
			continue;
		if (fstatat(subfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (unlinkat(subfd, de->d_name, 0) == -1) {
			if (errno != ENOENT)
				err = md_errno();
			continue;
		}
		(void)md_quota_update(rootfd, -(int64_t)st.st_size, -1);
		(*removed)++;
		any = 1;
	}
	(void)closedir(d);
	if (any && fsync(subfd) == -1 && err == MD_OK)
		err = md_errno();
	(void)close(subfd);
	return err;
}

int
md_copy_undo(int rootfd, const char *dest_folder, char *const *uniques,
    size_t n)
{
	char **sorted;
	int dirfd, err, err2, removed = 0;

	if (n == 0)
		return 0;
	if ((sorted = calloc(n, sizeof(*sorted))) == NULL)
		return MD_ERR_IO;
	memcpy(sorted, uniques, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), strpcmp);
	if ((dirfd = md_folder_dirfd(rootfd, dest_folder)) == -1) {
		err = errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
		free(sorted);
		return err;
	}
	/* cur/ is where md_copy puts them; new/ only if someone moved one
	 * back (nobody does, but then it is not left behind). */
	err = undo_dir(rootfd, dirfd, "cur", sorted, n, &removed);
	err2 = undo_dir(rootfd, dirfd, "new", sorted, n, &removed);
	(void)close(dirfd);
	free(sorted);
	if (err != MD_OK)
		return err;
	if (err2 != MD_OK)
		return err2;
	return removed;
}

long
md_find_unique(const struct md_folder *f, const char *unique, size_t len)
{
	return md_folder_find_unique(f, unique, len);
}

int
md_copy_keywords(const struct md_folder *src, uint64_t mask,
    struct md_folder *dest, uint64_t *mask_r)
{
	const char *name;
	unsigned k;
	int idx, err = MD_OK;

	*mask_r = 0;
	for (k = 0; k < 64 && (mask >> k) != 0; k++) {
		if (!(mask & ((uint64_t)1 << k)) ||
		    (name = md_keyword(src, k)) == NULL)
			continue;
		idx = md_keyword_index(dest, name, 1);
		if (idx == MD_ERR_LIMIT) {
			err = MD_ERR_LIMIT;
			continue;
		}
		if (idx < 0 || idx >= 64) {
			if (idx == MD_ERR_IO)
				return MD_ERR_IO;
			continue;	/* not a valid keyword: drop it */
		}
		*mask_r |= (uint64_t)1 << idx;
	}
	return err;
}
