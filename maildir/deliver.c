/*
 * maildir/deliver.c -- writing one new message into a folder: used by
 * maildir-deliver (as the user, not chrooted) and by IMAP APPEND/COPY (in
 * the session child, chrooted into the Maildir, seccomp: *at calls only).
 *
 * Order, and why (qmail-local and Dovecot's maildir-save do the same):
 *
 *  1. Open tmp/<unique> with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600.  O_EXCL
 *     makes two writers with the same name impossible (also on NFSv3+);
 *     O_NOFOLLOW refuses a planted symlink.  A collision (EEXIST) only
 *     means "pick another name": up to LB_DELIVER_TMP_TRIES times.
 *  2. Write with full-write loops through a buffer, converting CRLF to LF
 *     if asked (a CR not followed by LF is kept), counting the stored size
 *     and the CRLF size (vsize) as we go, bounded by LB_MESSAGE_MAX.
 *  3. Set the mtime (INTERNALDATE) if given, then fsync the file: its data
 *     must be on disk before any name for it appears in new/ or cur/.
 *  4. Check the Maildir++ quota with the exact size.
 *  5. link() tmp/ -> new/<unique>,S=<size>,W=<vsize> (or cur/ with
 *     ":2,<flags>").  link() fails with EEXIST instead of replacing an
 *     existing file, so a name collision cannot destroy another message.
 *     File systems without hard links (EPERM, EXDEV, ENOSYS, EOPNOTSUPP:
 *     some FUSE and network file systems) get rename(), which does replace;
 *     there the random unique part is what protects us.
 *  6. unlink the tmp/ name (a failure leaves only a second name of the
 *     same, complete file in tmp/, removed after 36 h).
 *  7. fsync new/ (or cur/).  Only now is the message durable, and only now
 *     does commit return success.  If this fsync fails, the new name is
 *     removed again and we fail: the MTA retries, and a duplicate is better
 *     avoided than a message reported delivered that a crash may lose.
 *  8. Append "+size 1" to maildirsize (if it exists).
 *
 * On any failure before step 5 the tmp/ file is removed, so new/ and cur/
 * only ever hold complete, fsynced messages.  A crash between 1 and 6
 * leaves a tmp/ file: every delivery removes tmp/ files older than 36 h
 * (LB_TMP_STALE_SEC, qmail's rule), looking at a few entries each time.
 * Readers never look into tmp/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "maildir/md_int.h"

#define MD_WBUF	65536

struct md_delivery {
	int	 rootfd;
	int	 dirfd;		/* the folder */
	int	 tmpfd;		/* its tmp/ */
	int	 fd;		/* the message */
	int	 crlf_to_lf;
	int	 pending_cr;	/* a CR waiting to see if LF follows */
	int	 last;		/* last byte stored */
	int	 err;		/* sticky error of write */
	uint64_t size, vsize;
	size_t	 blen;
	char	 unique[LB_MAILDIR_NAME_MAX + 1];
	char	 buf[MD_WBUF];
};

/* Remove a few tmp/ files older than LB_TMP_STALE_SEC (cheap: bounded). */
static void
sweep_tmp(int tmpfd)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, seen = 0;
	int64_t now = md_now_ns() / 1000000000;

	/* A second descriptor for fdopendir (which takes it over); openat
	 * rather than dup(2), which the session filter does not allow. */
	if ((fd = openat(tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL && seen++ < LB_TMP_SWEEP_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) &&
		    now - st.st_mtim.tv_sec > LB_TMP_STALE_SEC &&
		    now - st.st_atim.tv_sec > LB_TMP_STALE_SEC)
			(void)unlinkat(tmpfd, de->d_name, 0);
	}
	(void)closedir(d);
}

static void
d_free(struct md_delivery *d)
{
	if (d->fd != -1)
		(void)close(d->fd);
	if (d->tmpfd != -1)
		(void)close(d->tmpfd);
	if (d->dirfd != -1)
		(void)close(d->dirfd);
	explicit_bzero(d->buf, sizeof(d->buf));
	free(d);
}

int
md_deliver_begin(struct md_delivery **dp, int rootfd, const char *name,
    int crlf_to_lf)
{
	struct md_delivery *d;
	int tries, err;

	*dp = NULL;
	if ((d = malloc(sizeof(*d))) == NULL)
		return MD_ERR_IO;
	memset(d, 0, offsetof(struct md_delivery, buf));
	d->rootfd = rootfd;
	d->fd = d->tmpfd = -1;
	d->crlf_to_lf = crlf_to_lf;
	if ((d->dirfd = md_folder_dirfd(rootfd, name)) == -1) {
		err = errno == EINVAL ? MD_ERR_BADNAME :
		    (errno == ENOENT || errno == ENOTDIR) ? MD_ERR_NOFOLDER :
		    md_errno();
		d_free(d);
		return err;
	}
	d->tmpfd = openat(d->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->tmpfd == -1) {
		err = errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
		d_free(d);
		return err;
	}
	sweep_tmp(d->tmpfd);
	for (tries = 0; tries < LB_DELIVER_TMP_TRIES; tries++) {
		if (md_unique_new(d->unique, sizeof(d->unique)) == -1) {
			d_free(d);
			return MD_ERR_LIMIT;
		}
		d->fd = openat(d->tmpfd, d->unique, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d->fd != -1)
			break;
		if (errno != EEXIST) {
			err = md_errno();
			d_free(d);
			return err;
		}
	}
	if (d->fd == -1) {
		d_free(d);
		errno = EEXIST;
		return MD_ERR_IO;
	}
	*dp = d;
	return MD_OK;
}

static int
d_flush(struct md_delivery *d)
{
	if (d->blen > 0 && md_write_all(d->fd, d->buf, d->blen) == -1)
		return d->err = md_errno();
	d->blen = 0;
	return MD_OK;
}

/* Store one byte, counting size and vsize (a bare LF is served as CRLF). */
static int
d_put(struct md_delivery *d, int c)
{
	if (d->size >= LB_MESSAGE_MAX)
		return d->err = MD_ERR_LIMIT;
	if (d->blen == sizeof(d->buf) && d_flush(d) != MD_OK)
		return d->err;
	d->buf[d->blen++] = (char)c;
	d->size++;
	d->vsize += (c == '\n' && d->last != '\r') ? 2 : 1;
	d->last = c;
	return MD_OK;
}

int
md_deliver_write(struct md_delivery *d, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	if (d->err != MD_OK)
		return d->err;
	for (i = 0; i < n; i++) {
		if (!d->crlf_to_lf) {
			if (d_put(d, s[i]) != MD_OK)
				return d->err;
			continue;
		}
		if (d->pending_cr) {
			d->pending_cr = 0;
			if (s[i] == '\n') {
				if (d_put(d, '\n') != MD_OK)
					return d->err;
				continue;
			}
			if (d_put(d, '\r') != MD_OK)
				return d->err;
		}
		if (s[i] == '\r')
			d->pending_cr = 1;
		else if (d_put(d, s[i]) != MD_OK)
			return d->err;
	}
	return MD_OK;
}

uint64_t
md_deliver_size(const struct md_delivery *d)
{
	return d->size;
}

uint64_t
md_deliver_vsize(const struct md_delivery *d)
{
	return d->vsize;
}

void
md_deliver_abort(struct md_delivery **dp)
{
	struct md_delivery *d = *dp;
	int saved = errno;

	if (d == NULL)
		return;
	(void)unlinkat(d->tmpfd, d->unique, 0);
	d_free(d);
	*dp = NULL;
	errno = saved;
}

/* Fail: remove the tmp/ file, keep errno, free. */
static int
d_fail(struct md_delivery **dp, int err)
{
	md_deliver_abort(dp);
	return err;
}

int
md_deliver_commit(struct md_delivery **dp, const char *flags, time_t mtime,
    char *unique_r)
{
	struct md_delivery *d = *dp;
	struct timespec ts[2];
	char norm[27], final[LB_MAILDIR_NAME_MAX + 1];
	const char *dest = flags != NULL ? "cur" : "new";
	int destfd = -1, err, n, tries, linked = 0;

	*dp = NULL;
	if (d == NULL)
		return MD_ERR_IO;
	*dp = d;
	if (d->err != MD_OK)
		return d_fail(dp, d->err);
	if (flags != NULL && md_flags_norm(flags, norm) == -1)
		return d_fail(dp, MD_ERR_BADNAME);
	if (d->pending_cr) {
		d->pending_cr = 0;
		if (d_put(d, '\r') != MD_OK)
			return d_fail(dp, d->err);
	}
	if (d_flush(d) != MD_OK)
		return d_fail(dp, d->err);
	if (mtime != 0) {
		ts[0].tv_sec = ts[1].tv_sec = mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(d->fd, ts) == -1)
			return d_fail(dp, md_errno());
	}
	/* The data must be on disk before any name for it is. */
	if (fsync(d->fd) == -1 || close(d->fd) == -1) {
		err = md_errno();
		d->fd = -1;
		return d_fail(dp, err);
	}
	d->fd = -1;
	if ((err = md_quota_check(d->rootfd, d->size, 1)) != MD_OK)
		return d_fail(dp, err);
	destfd = openat(d->dirfd, dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (destfd == -1)
		return d_fail(dp, errno == ENOENT ? MD_ERR_NOFOLDER : md_errno());
	for (tries = 0; tries < LB_DELIVER_TMP_TRIES; tries++) {
		n = snprintf(final, sizeof(final), "%s,S=%llu,W=%llu%s%s",
		    d->unique, (unsigned long long)d->size,
		    (unsigned long long)d->vsize, flags ? ":2," : "",
		    flags ? norm : "");
		if (n < 0 || (size_t)n >= sizeof(final)) {
			err = MD_ERR_LIMIT;
			goto fail;
		}
		if (linkat(d->tmpfd, d->unique, destfd, final, 0) == 0) {
			linked = 1;
			break;
		}
		if (errno == EEXIST) {
			/* Someone has our final name: a new unique part
			 * (the tmp/ name keeps the old one). */
			char old[sizeof(d->unique)];

			memcpy(old, d->unique, sizeof(old));
			if (md_unique_new(d->unique, sizeof(d->unique)) == -1 ||
			    renameat(d->tmpfd, old, d->tmpfd, d->unique) == -1) {
				memcpy(d->unique, old, sizeof(old));
				err = md_errno();
				goto fail;
			}
			continue;
		}
		if (errno == EPERM || errno == EXDEV || errno == ENOSYS ||
		    errno == EOPNOTSUPP) {
			if (renameat(d->tmpfd, d->unique, destfd, final) == -1) {
				err = md_errno();
				goto fail;
			}
			break;
		}
		err = md_errno();
		goto fail;
	}
	if (tries == LB_DELIVER_TMP_TRIES) {
		errno = EEXIST;
		err = MD_ERR_IO;
		goto fail;
	}
	if (linked)
		(void)unlinkat(d->tmpfd, d->unique, 0);
	/* Durable only once the directory is: before that, no success. */
	if (fsync(destfd) == -1) {
		err = md_errno();
		(void)unlinkat(destfd, final, 0);
		goto fail;
	}
	(void)close(destfd);
	(void)md_quota_update(d->rootfd, (int64_t)d->size, 1);
	if (unique_r != NULL)
		(void)snprintf(unique_r, LB_MAILDIR_NAME_MAX + 1, "%s",
		    d->unique);
	d_free(d);
	*dp = NULL;
	return MD_OK;
fail:
	if (destfd != -1)
		(void)close(destfd);
	return d_fail(dp, err);
}
