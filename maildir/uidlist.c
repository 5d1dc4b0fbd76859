/*
 * maildir/uidlist.c -- letterbox's UID list of one folder: the file format,
 * its strict reader, its durable writer, and the NFS-safe lock file.  Runs
 * in the session child (chrooted into the Maildir, seccomp) and in
 * maildir-deliver; only *at(2) calls, poll(2) for sleeping.
 *
 * File "letterbox-uidlist" in the folder directory (INBOX: the root):
 *
 *	letterbox-uidlist 1
 *	V <uidvalidity>
 *	N <nextuid>
 *	M <highestmodseq>
 *	C <uid>				first UID not yet \Recent in any session
 *	K <keyword>			0..LB_FOLDER_KEYWORDS_MAX, index = order
 *	R <uid> <modseq> <size> <vsize> <mtime> <flags|-> <kw,kw|-> <unique>
 *	E <number of R lines>
 *
 * C (RFC 3501 sec. 2.3.2): the messages from this UID on arrived after the
 * last session that claims \Recent (SELECT) looked; UIDs given by COPY or
 * APPEND into a folder nobody has selected stay below NEXTUID and above C,
 * so the next SELECT sees them as recent.  A list without a C line (written
 * before it existed) reads as C = NEXTUID: nothing recent.
 *
 * Every line ends in LF.  The E trailer makes a file cut at a line boundary
 * fail the checks: a list is either complete or corrupt, and a corrupt list
 * is never repaired by guessing -- the caller rebuilds it with a new
 * UIDVALIDITY (dovecot:maildir-uidlist.c makes the same choice).
 *
 * Durability: the writer holds "letterbox-uidlist.lock", writes a new file
 * in tmp/ (so a crash leaves only a tmp/ file, removed after 36 h by
 * delivery), fsyncs it, renames it over the list and fsyncs the folder
 * directory.  rename(2) is atomic, so readers (who take no lock) and a
 * crash at any instant see the old list or the new one.
 *
 * Lock: created with O_CREAT|O_EXCL, which is atomic on local file systems
 * and NFSv3+.  A lock whose mtime is older than the stale age is broken: it
 * is renamed away first and removed only if it is still the same inode, so
 * two breakers cannot both remove a fresh lock.  A holder refreshes the
 * mtime during long work (md_ul_lock_touch).  Unlock removes the lock only
 * if it is still ours (same inode).
 *
 * A holder killed on this host (SIGKILL, OOM, power loss of a process, not
 * of the machine) must not block the folder for the whole stale age: the
 * holder keeps the lock file open with an OFD write lock (fcntl(2)) and
 * writes "<pid> <host>" into it only after taking that lock.  A waiter that
 * finds our own host name in the file and no OFD lock on it knows the
 * holder is gone (the kernel drops the lock with the last descriptor) and
 * breaks the lock at once.  Another host's lock (NFS without lockd would
 * not show its fcntl locks here) and an empty file (a holder between
 * O_EXCL and writing) still wait for the stale age.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/num.h"
#include "maildir/md_int.h"

static int	lock_stale_sec = LB_UIDLIST_LOCK_STALE_SEC;
static int	lock_wait_sec = LB_UIDLIST_LOCK_WAIT_SEC;
/* The lock we hold (one at a time: the engine is single-threaded). */
static dev_t	lock_dev;
static ino_t	lock_ino;
static int	lock_held;
static int	lock_fd = -1;	/* open while held: carries the OFD lock */

void
md_uidlist_set_lock_times(int stale_sec, int wait_sec)
{
	lock_stale_sec = stale_sec > 0 ? stale_sec : LB_UIDLIST_LOCK_STALE_SEC;
	lock_wait_sec = wait_sec >= 0 ? wait_sec : LB_UIDLIST_LOCK_WAIT_SEC;
}

void
md_ul_init(struct md_ul *ul)
{
	memset(ul, 0, sizeof(*ul));
}

void
md_ul_free(struct md_ul *ul)
{
	size_t i;

	for (i = 0; i < ul->nrecs; i++)
		free(ul->recs[i].unique);
	for (i = 0; i < ul->nkw; i++)
		free(ul->kw[i]);
	free(ul->recs);
	md_ul_init(ul);
}

int
md_ul_append(struct md_ul *ul, const struct md_rec *r)
{
	struct md_rec *nr;
	size_t ncap;

	if (ul->nrecs == ul->caprecs) {
		if (ul->caprecs >= LB_FOLDER_MSGS_MAX) {
			errno = E2BIG;
			return -1;
		}
		ncap = ul->caprecs ? ul->caprecs * 2 : 64;
		if (ncap > LB_FOLDER_MSGS_MAX)
			ncap = LB_FOLDER_MSGS_MAX;
		nr = reallocarray(ul->recs, ncap, sizeof(*nr));
		if (nr == NULL)
			return -1;
		ul->recs = nr;
		ul->caprecs = ncap;
	}
	ul->recs[ul->nrecs] = *r;
	if ((ul->recs[ul->nrecs].unique = strndup(r->unique,
	    r->unique_len)) == NULL)
		return -1;
	ul->nrecs++;
	return 0;
}

/* --- reading ----------------------------------------------------------- */

struct lreader {
	int	 fd;
	char	 b[65536];
	size_t	 off, len;
	int	 eof;
};

/* Next line without its LF into *line, *len.  1 line, 0 clean EOF, -1 error
 * (I/O, over-long line, or data after the last LF). */
static int
lr_next(struct lreader *r, char **line, size_t *len)
{
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(r->b + r->off, '\n', r->len - r->off);
		if (nl != NULL) {
			*line = r->b + r->off;
			*len = (size_t)(nl - (r->b + r->off));
			r->off += *len + 1;
			return 1;
		}
		if (r->len - r->off >= LB_UIDLIST_LINE_MAX)
			return -1;
		if (r->eof)
			return r->len == r->off ? 0 : -1;
		memmove(r->b, r->b + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
		n = read(r->fd, r->b + r->len, sizeof(r->b) - r->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
}

/* Split the next space-separated field off *p (len *n). */
static int
field(char **p, size_t *n, const char **f, size_t *flen)
{
	char *sp;

	if (*n == 0)
		return -1;
	*f = *p;
	sp = memchr(*p, ' ', *n);
	if (sp == NULL) {
		*flen = *n;
		*p += *n;
		*n = 0;
	} else {
		*flen = (size_t)(sp - *p);
		*n -= *flen + 1;
		*p = sp + 1;
	}
	return *flen == 0 ? -1 : 0;
}

/* "<tag> <number>" with number <= max. */
static int
tagged_num(const char *line, size_t len, char tag, uint64_t max, uint64_t *v)
{
	if (len < 3 || line[0] != tag || line[1] != ' ')
		return -1;
	return num_parse_u64(line + 2, len - 2, max, v);
}

static int
parse_rec(struct md_ul *ul, char *p, size_t n, struct md_rec *r)
{
	const char *f, *q, *end;
	size_t flen;
	uint64_t v;
	uint32_t k;
	char tmp[27];

	memset(r, 0, sizeof(*r));
	if (field(&p, &n, &f, &flen) == -1 || flen != 1 || f[0] != 'R')
		return -1;
	if (field(&p, &n, &f, &flen) == -1 ||
	    num_parse_u64(f, flen, MD_UID_MAX, &v) == -1 || v == 0)
		return -1;
	r->uid = (uint32_t)v;
	if (field(&p, &n, &f, &flen) == -1 ||
	    num_parse_u64(f, flen, ul->highestmodseq, &r->modseq) == -1)
		return -1;
	if (field(&p, &n, &f, &flen) == -1 ||
	    num_parse_u64(f, flen, UINT64_MAX, &r->size) == -1)
		return -1;
	if (field(&p, &n, &f, &flen) == -1 ||
	    num_parse_u64(f, flen, UINT64_MAX, &r->vsize) == -1 ||
	    r->vsize < r->size)
		return -1;
	if (field(&p, &n, &f, &flen) == -1 ||
	    num_parse_u64(f, flen, INT64_MAX, &v) == -1)
		return -1;
	r->mtime = (int64_t)v;
	/* Flags: "-" or letters already normalised. */
	if (field(&p, &n, &f, &flen) == -1 || flen > 26)
		return -1;
	if (!(flen == 1 && f[0] == '-')) {
		memcpy(tmp, f, flen);
		tmp[flen] = '\0';
		if (md_flags_norm(tmp, r->flags) == -1 ||
		    strcmp(tmp, r->flags) != 0)
			return -1;
	}
	/* Keywords: "-" or comma-separated indices into the K table. */
	if (field(&p, &n, &f, &flen) == -1)
		return -1;
	if (!(flen == 1 && f[0] == '-')) {
		for (end = f + flen; f < end; f = q + 1) {
			q = memchr(f, ',', (size_t)(end - f));
			if (q == NULL)
				q = end;
			if (num_parse_u32(f, (size_t)(q - f), &k) == -1 ||
			    k >= ul->nkw)
				return -1;
			r->kw |= (uint64_t)1 << k;
			if (q == end)
				break;
		}
	}
	/* The unique part is the rest: no separators, no '/'. */
	if (n == 0 || n > LB_MAILDIR_NAME_MAX || p[0] == '.' ||
	    memchr(p, '/', n) != NULL || memchr(p, ':', n) != NULL ||
	    memchr(p, ',', n) != NULL || memchr(p, ' ', n) != NULL ||
	    memchr(p, '\0', n) != NULL)
		return -1;
	r->unique = p;
	r->unique_len = n;
	return 0;
}

int
md_ul_read_fd(int fd, struct md_ul *ul)
{
	struct lreader *r;
	struct md_rec rec;
	char *line, hdr[64];
	size_t len;
	uint64_t v;
	unsigned i;
	int st, state = 0, err = MD_ERR_CORRUPT;

	md_ul_init(ul);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MD_ERR_IO;
	r->fd = fd;
	(void)snprintf(hdr, sizeof(hdr), "letterbox-uidlist %d",
	    MD_UIDLIST_VERSION);
	while ((st = lr_next(r, &line, &len)) == 1) {
		if (memchr(line, '\0', len) != NULL)
			goto bad;
		switch (state) {
		case 0:		/* version header */
			if (len != strlen(hdr) || memcmp(line, hdr, len) != 0)
				goto bad;
			state = 1;
			break;
		case 1:
			if (tagged_num(line, len, 'V', UINT32_MAX, &v) == -1 ||
			    v == 0)
				goto bad;
			ul->uidvalidity = (uint32_t)v;
			state = 2;
			break;
		case 2:
			if (tagged_num(line, len, 'N', MD_UID_MAX + 1ULL,
			    &v) == -1 || v == 0)
				goto bad;
			ul->nextuid = (uint32_t)v;
			state = 3;
			break;
		case 3:
			if (tagged_num(line, len, 'M', UINT64_MAX,
			    &ul->highestmodseq) == -1)
				goto bad;
			ul->recent_from = ul->nextuid;
			state = 4;
			break;
		case 4:		/* optional C, K lines, R lines, then E */
			state = 7;
			if (len >= 2 && line[0] == 'C' && line[1] == ' ') {
				if (tagged_num(line, len, 'C', ul->nextuid,
				    &v) == -1 || v == 0)
					goto bad;
				ul->recent_from = (uint32_t)v;
				break;
			}
			/* FALLTHROUGH */
		case 7:		/* after C: K lines, then R lines, then E */
			if (len >= 2 && line[0] == 'K' && line[1] == ' ') {
				if (ul->nkw >= LB_FOLDER_KEYWORDS_MAX ||
				    len - 2 > LB_KEYWORD_MAX)
					goto bad;
				line[len] = '\0';
				if (!md_keyword_valid(line + 2))
					goto bad;
				for (i = 0; i < ul->nkw; i++)
					if (strcasecmp(ul->kw[i], line + 2) == 0)
						goto bad;
				if ((ul->kw[ul->nkw] = strdup(line + 2)) ==
				    NULL) {
					err = MD_ERR_IO;
					goto bad;
				}
				ul->nkw++;
				break;
			}
			state = 5;
			/* FALLTHROUGH */
		case 5:
			if (len >= 2 && line[0] == 'R') {
				if (parse_rec(ul, line, len, &rec) == -1)
					goto bad;
				/* UIDs strictly increase, stay below NEXTUID. */
				if (rec.uid >= ul->nextuid || (ul->nrecs > 0 &&
				    rec.uid <= ul->recs[ul->nrecs - 1].uid))
					goto bad;
				if (ul->nrecs >= LB_FOLDER_MSGS_MAX)
					goto bad;
				if (md_ul_append(ul, &rec) == -1) {
					err = MD_ERR_IO;
					goto bad;
				}
				break;
			}
			if (tagged_num(line, len, 'E', LB_FOLDER_MSGS_MAX,
			    &v) == -1 || v != ul->nrecs)
				goto bad;
			state = 6;
			break;
		default:	/* anything after E */
			goto bad;
		}
	}
	if (st != 0 || state != 6)
		goto bad;
	free(r);
	return MD_OK;
bad:
	free(r);
	md_ul_free(ul);
	return err;
}

uint32_t
md_ul_peek_validity(int folderfd)
{
	char b[128];
	ssize_t n;
	uint64_t v;
	const char *p, *e;
	int fd;

	fd = openat(folderfd, MD_UIDLIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = read(fd, b, sizeof(b) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	if ((p = strstr(b, "\nV ")) == NULL)
		return 0;
	p += 3;
	e = strchr(p, '\n');
	if (e == NULL || num_parse_u64(p, (size_t)(e - p), UINT32_MAX,
	    &v) == -1)
		return 0;
	return (uint32_t)v;
}

int
md_ul_load(int folderfd, struct md_ul *ul, struct stat *st_r)
{
	int fd, err;

	md_ul_init(ul);
	fd = openat(folderfd, MD_UIDLIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : MD_ERR_IO;
	if (st_r != NULL && fstat(fd, st_r) == -1) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	err = md_ul_read_fd(fd, ul);
	(void)close(fd);
	return err;
}

/* --- writing ----------------------------------------------------------- */

struct lwriter {
	int	 fd;
	int	 failed;
	size_t	 len;
	char	 b[65536];
};

static void
lw_flush(struct lwriter *w)
{
	if (!w->failed && w->len > 0 && md_write_all(w->fd, w->b, w->len) == -1)
		w->failed = 1;
	w->len = 0;
}

static void
lw_printf(struct lwriter *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lw_printf(struct lwriter *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sizeof(w->b) - w->len < LB_UIDLIST_LINE_MAX + 64)
		lw_flush(w);
	va_start(ap, fmt);
	n = vsnprintf(w->b + w->len, sizeof(w->b) - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(w->b) - w->len) {
		w->failed = 1;
		errno = E2BIG;
		return;
	}
	w->len += (size_t)n;
}

int
md_ul_store(int folderfd, const struct md_ul *ul)
{
	struct lwriter *w;
	char tmpname[LB_MAILDIR_NAME_MAX + 1], uniq[LB_MAILDIR_NAME_MAX + 1];
	char kws[LB_FOLDER_KEYWORDS_MAX * 3 + 1];
	const struct md_rec *r;
	size_t i, o;
	unsigned k;
	int saved, err;

	if (md_unique_new(uniq, sizeof(uniq)) == -1 ||
	    snprintf(tmpname, sizeof(tmpname), "tmp/%s.uidlist", uniq) >=
	    (int)sizeof(tmpname))
		return MD_ERR_LIMIT;
	if ((w = malloc(sizeof(*w))) == NULL)
		return MD_ERR_IO;
	w->failed = 0;
	w->len = 0;
	w->fd = openat(folderfd, tmpname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd == -1) {
		err = md_errno();
		free(w);
		return err;
	}
	lw_printf(w, "letterbox-uidlist %d\nV %lu\nN %lu\nM %llu\nC %lu\n",
	    MD_UIDLIST_VERSION, (unsigned long)ul->uidvalidity,
	    (unsigned long)ul->nextuid,
	    (unsigned long long)ul->highestmodseq,
	    (unsigned long)(ul->recent_from >= 1 &&
	    ul->recent_from <= ul->nextuid ? ul->recent_from : ul->nextuid));
	for (k = 0; k < ul->nkw; k++)
		lw_printf(w, "K %s\n", ul->kw[k]);
	for (i = 0; i < ul->nrecs; i++) {
		r = &ul->recs[i];
		o = 0;
		for (k = 0; k < ul->nkw; k++)
			if (r->kw & ((uint64_t)1 << k))
				o += (size_t)snprintf(kws + o, sizeof(kws) - o,
				    "%s%u", o ? "," : "", k);
		lw_printf(w, "R %lu %llu %llu %llu %lld %s %s %s\n",
		    (unsigned long)r->uid, (unsigned long long)r->modseq,
		    (unsigned long long)r->size,
		    (unsigned long long)r->vsize,
		    (long long)(r->mtime < 0 ? 0 : r->mtime),
		    r->flags[0] ? r->flags : "-", o ? kws : "-", r->unique);
	}
	lw_printf(w, "E %zu\n", ul->nrecs);
	lw_flush(w);
	if (w->failed || fsync(w->fd) == -1)
		goto fail;
	if (close(w->fd) == -1) {
		w->fd = -1;
		goto fail;
	}
	w->fd = -1;
	if (renameat(folderfd, tmpname, folderfd, MD_UIDLIST) == -1)
		goto fail;
	free(w);
	/* The rename is durable only once the directory is. */
	if (fsync(folderfd) == -1)
		return md_errno();
	return MD_OK;
fail:
	saved = errno;
	err = md_errno();
	if (w->fd != -1)
		(void)close(w->fd);
	(void)unlinkat(folderfd, tmpname, 0);
	free(w);
	errno = saved;
	return err;
}

/* --- lock -------------------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
st_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Break the stale lock described by old (see the comment at the top). */
static void
break_stale(int folderfd, const struct stat *old)
{
	char away[LB_MAILDIR_NAME_MAX + 1], uniq[LB_MAILDIR_NAME_MAX + 1];
	struct stat st;

	if (md_unique_new(uniq, sizeof(uniq)) == -1 ||
	    snprintf(away, sizeof(away), "tmp/%s.stalelock", uniq) >=
	    (int)sizeof(away))
		return;
	if (renameat(folderfd, MD_UIDLIST_LOCK, folderfd, away) == -1)
		return;
	if (fstatat(folderfd, away, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (st.st_dev != old->st_dev || st.st_ino != old->st_ino)) {
		/* We took a fresh lock that replaced the stale one between
		 * our stat and our rename: give it back unless a third
		 * process already made a new one. */
		int r = linkat(folderfd, away, folderfd, MD_UIDLIST_LOCK, 0);

		(void)r;	/* EEXIST: a third process locked meanwhile */
	}
	(void)unlinkat(folderfd, away, 0);
}

/* Is the lock file (stat st) left by a dead holder on this host?  See the
 * comment at the top. */
static int
holder_dead(int folderfd, const struct stat *st)
{
	char text[64 + LB_UNIQUE_HOST_MAX], want[LB_UNIQUE_HOST_MAX + 3];
	struct flock fl;
	struct stat fst;
	const char *sp;
	ssize_t n;
	int fd, dead = 0;

	fd = openat(folderfd, MD_UIDLIST_LOCK, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return 0;
	if (fstat(fd, &fst) == -1 || fst.st_dev != st->st_dev ||
	    fst.st_ino != st->st_ino)
		goto out;
	if ((n = pread(fd, text, sizeof(text) - 1, 0)) <= 0)
		goto out;
	text[n] = '\0';
	if ((sp = strchr(text, ' ')) == NULL ||
	    snprintf(want, sizeof(want), " %s\n", md_hostname()) >=
	    (int)sizeof(want) || strcmp(sp, want) != 0)
		goto out;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	/* Unlocked, and the name still this file afterwards: a holder that
	 * let go normally unlinked the name before closing (md_ul_unlock),
	 * so only a killed holder leaves both. */
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK &&
	    fstatat(folderfd, MD_UIDLIST_LOCK, &fst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fst.st_dev == st->st_dev && fst.st_ino == st->st_ino)
		dead = 1;
out:
	(void)close(fd);
	return dead;
}

int
md_ul_lock(int folderfd)
{
	char text[64 + LB_UNIQUE_HOST_MAX], uniq[LB_MAILDIR_NAME_MAX + 1];
	char tmpname[LB_MAILDIR_NAME_MAX + 1];
	struct stat st;
	int64_t deadline = mono_ms() + (int64_t)lock_wait_sec * 1000;
	unsigned tries = 0;
	struct flock fl;
	int fd, n, err;

	/* The lock is made complete in tmp/ -- OFD lock taken, then the
	 * text that tells waiters to look at it (holder_dead()) -- and
	 * link(2)ed into place, so that no instant shows a lock file without
	 * both: a holder killed between O_EXCL and a write would otherwise
	 * leave an empty lock that blocks the folder for the stale age.
	 * Without the OFD lock (a file system that refuses it) no text is
	 * written, and waiters then wait for the stale age. */
	if (md_unique_new(uniq, sizeof(uniq)) == -1 ||
	    snprintf(tmpname, sizeof(tmpname), "tmp/%s.lock", uniq) >=
	    (int)sizeof(tmpname))
		return MD_ERR_IO;
	fd = openat(folderfd, tmpname, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return md_errno();
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
		n = snprintf(text, sizeof(text), "%ld %s\n", (long)getpid(),
		    md_hostname());
		if (n > 0 && (size_t)n < sizeof(text) &&
		    md_write_all(fd, text, (size_t)n) == -1) {
			err = md_errno();
			goto fail;
		}
	}
	if (fstat(fd, &st) == -1) {
		err = MD_ERR_IO;
		goto fail;
	}
	lock_dev = st.st_dev;
	lock_ino = st.st_ino;
	for (;;) {
		if (linkat(folderfd, tmpname, folderfd, MD_UIDLIST_LOCK,
		    0) == 0)
			break;
		if (errno != EEXIST) {
			err = md_errno();
			goto fail;
		}
		if (fstatat(folderfd, MD_UIDLIST_LOCK, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* just released: retry now */
			err = md_errno();
			goto fail;
		}
		if (st.st_dev == lock_dev && st.st_ino == lock_ino)
			break;		/* NFS: link(2) worked, reply lost */
		if (md_now_ns() - st_mtime_ns(&st) >
		    (int64_t)lock_stale_sec * 1000000000 ||
		    holder_dead(folderfd, &st)) {
			break_stale(folderfd, &st);
			continue;
		}
		if (mono_ms() >= deadline) {
			err = MD_ERR_LOCKED;
			goto fail;
		}
		/* Back off 5..40 ms, a little longer with each try. */
		md_sleep_ms(5 + (int)(tries < 7 ? tries * 5 : 35));
		tries++;
	}
	(void)unlinkat(folderfd, tmpname, 0);
	lock_held = 1;
	lock_fd = fd;
	return MD_OK;
fail:
	(void)unlinkat(folderfd, tmpname, 0);
	(void)close(fd);
	return err;
}

/* Refresh the lock's mtime so that long work does not look stale. */
void
md_ul_lock_touch(int folderfd)
{
	if (lock_held)
		(void)utimensat(folderfd, MD_UIDLIST_LOCK, NULL,
		    AT_SYMLINK_NOFOLLOW);
}

void
md_ul_unlock(int folderfd)
{
	struct stat st;

	if (!lock_held)
		return;
	lock_held = 0;
	/* If our lock was broken as stale, the file is someone else's. */
	if (fstatat(folderfd, MD_UIDLIST_LOCK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == lock_dev && st.st_ino == lock_ino)
		(void)unlinkat(folderfd, MD_UIDLIST_LOCK, 0);
	/* Close after the unlink: a waiter that saw the file with our text
	 * must still see our OFD lock until the name is gone. */
	if (lock_fd != -1) {
		(void)close(lock_fd);
		lock_fd = -1;
	}
}
