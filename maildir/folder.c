/*
 * maildir/folder.c -- one open folder: scanning new/ and cur/, syncing the
 * in-memory view with the UID list, flags, keywords, expunge, and folder
 * creation.  Runs in the session child, as the user, chrooted into the
 * Maildir under seccomp: *at(2) calls, getdents64 through fdopendir, and
 * nothing else.  maildir-deliver uses only md_folder_create() from here.
 *
 * Races and the decisions taken (the MTA, other sessions, mutt and mbsync
 * change the folder at any time; the file system is the truth):
 *
 * - A directory listing is not atomic: a file renamed inside cur/ while we
 *   read it may be returned under both names or under neither.  A scan is
 *   therefore repeated (up to LB_SCAN_RETRIES) while the directory's mtime
 *   changes under it; and when a message we know is missing from a scan,
 *   the folder is scanned once more before we believe it was expunged.
 *   new/ is read before cur/: a file moved new -> cur in between is seen
 *   twice (we keep the cur/ entry), never zero times.
 * - Directory mtimes have a coarse clock: two changes in one tick leave the
 *   same mtime.  A directory whose mtime is within MD_DIRTY_NS of the time
 *   we read it is rescanned at the next sync even if the mtime did not
 *   change (Dovecot does the same).
 * - UIDs are assigned only under the UID list lock, after re-reading the
 *   list and re-scanning the directories, in (mtime, name) order, so two
 *   sessions can never give different UIDs to one message, and UIDs are
 *   never reused: NEXTUID only grows, and a record leaves the list only
 *   when a stable scan under the lock shows its file is gone.
 * - Flags live in the file name; the list keeps the flags last seen so that
 *   a change by anyone (including mutt) gets a new MODSEQ at the next sync.
 *   Keywords live only in the list.
 * - A file renamed by someone else (flag change) keeps its unique part: we
 *   find it again by that (md_open, md_set_flags, md_expunge retry).
 * - Moving new/ -> cur/ needs no lock: rename(2) is atomic and the loser
 *   gets ENOENT, which only means someone else did it.
 * - A genuine duplicate (two files, one unique part, in a stable scan) gets
 *   a fresh unique name (read-write only), as Dovecot does, so that no
 *   message is ever hidden.
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

#include "common/limits.h"
#include "maildir/md_int.h"

/* Rescan a directory whose mtime is this close to the time we read it. */
#define MD_DIRTY_NS	(2LL * 1000000000)

/* One file seen by the last scan. */
struct md_file {
	char	*name;
	size_t	 unique_len;
	int	 in_new;
	int	 gone;		/* vanished since the scan */
	int	 have_info;	/* size, vsize, mtime known */
	uint64_t size, vsize;
	int64_t	 mtime;
	uint32_t prov_uid;	/* read-only: provisional UID */
	char	 flags[27];
};

struct md_hash {
	uint32_t *slot;		/* index + 1; 0 = empty */
	size_t	 mask;
};

struct md_pend {		/* md_set_keywords() not yet persisted */
	uint32_t uid;
	uint64_t kw;
};

enum { UL_OK, UL_MISSING, UL_CORRUPT };

struct md_folder {
	int	 rootfd, dirfd;
	int	 read_only;
	struct md_ul ul;	/* the list as last read or written */
	int	 ul_state;
	struct stat ul_st;	/* identity of the file ul was read from */
	int	 ul_seen;	/* ul_st is valid */
	struct md_hash rh;	/* unique -> ul.recs index */
	struct md_file *files;
	size_t	 nfiles;
	struct md_hash fh;	/* unique -> files index */
	/* The scan msgs[] points into (names): kept alive until the next
	 * view is built, so a sync failing half-way (lock timeout, I/O)
	 * leaves the caller's view valid. */
	struct md_file *view_files;
	size_t	 nview_files;
	int	 scanned, dirty;
	struct timespec new_mtim, cur_mtim;
	struct md_msg *msgs;
	size_t	 nmsgs;
	struct md_pend *pend;
	size_t	 npend;
	uint32_t recent_lo, recent_hi;	/* [lo, hi) claimed by last sync */
	int	 claim_recent;	/* a SELECT: take \Recent (MD_OPEN_KEEP_RECENT) */
	uint32_t prov_next;
	int	 touched;	/* md_set_flags/keywords since the last sync */
	int	 reloaded;	/* ul_refresh() read a new list */
	int	 vanished;	/* files gone between scan and use */
};

/* --- hash of unique names --------------------------------------------- */

typedef void (*keyfn)(const void *ctx, size_t i, const char **k, size_t *n);

static uint64_t
hstr(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static long
hash_find(const struct md_hash *h, const char *k, size_t n, keyfn fn,
    const void *ctx)
{
	size_t j;
	const char *ok;
	size_t on;

	if (h->slot == NULL)
		return -1;
	for (j = (size_t)hstr(k, n) & h->mask; h->slot[j] != 0;
	    j = (j + 1) & h->mask) {
		fn(ctx, h->slot[j] - 1, &ok, &on);
		if (on == n && memcmp(ok, k, n) == 0)
			return (long)h->slot[j] - 1;
	}
	return -1;
}

/* Build a table over n items.  Returns -1 on ENOMEM; *dup_r (if set) gets
 * the number of items whose key was already present (not inserted). */
static int
hash_build(struct md_hash *h, size_t n, keyfn fn, const void *ctx,
    size_t *dup_r)
{
	size_t cap = 16, i, j, on;
	const char *k;

	free(h->slot);
	h->slot = NULL;
	while (cap < n * 2)
		cap *= 2;
	if ((h->slot = calloc(cap, sizeof(*h->slot))) == NULL)
		return -1;
	h->mask = cap - 1;
	if (dup_r != NULL)
		*dup_r = 0;
	for (i = 0; i < n; i++) {
		fn(ctx, i, &k, &on);
		if (hash_find(h, k, on, fn, ctx) != -1) {
			if (dup_r != NULL)
				(*dup_r)++;
			continue;
		}
		for (j = (size_t)hstr(k, on) & h->mask; h->slot[j] != 0;
		    j = (j + 1) & h->mask)
			;
		h->slot[j] = (uint32_t)i + 1;
	}
	return 0;
}

static void
rec_key(const void *ctx, size_t i, const char **k, size_t *n)
{
	const struct md_ul *ul = ctx;

	*k = ul->recs[i].unique;
	*n = ul->recs[i].unique_len;
}

static void
file_key(const void *ctx, size_t i, const char **k, size_t *n)
{
	const struct md_file *files = ctx;

	*k = files[i].name;
	*n = files[i].unique_len;
}

static long
rec_find(const struct md_folder *f, const char *k, size_t n)
{
	return hash_find(&f->rh, k, n, rec_key, &f->ul);
}

static long
file_find(const struct md_folder *f, const char *k, size_t n)
{
	return hash_find(&f->fh, k, n, file_key, f->files);
}

/* --- the UID list in memory ------------------------------------------- */

/* Keep keyword names this session added, and pending masks, valid across
 * a reload: map old indices to the new table (appending our own names). */
static void
kw_remap(struct md_folder *f, struct md_ul *nu)
{
	int map[LB_FOLDER_KEYWORDS_MAX];
	unsigned i, j;
	size_t p;
	uint64_t m;

	for (i = 0; i < f->ul.nkw; i++) {
		map[i] = -1;
		for (j = 0; j < nu->nkw; j++)
			if (strcasecmp(f->ul.kw[i], nu->kw[j]) == 0)
				break;
		if (j == nu->nkw && j < LB_FOLDER_KEYWORDS_MAX &&
		    (nu->kw[j] = strdup(f->ul.kw[i])) != NULL)
			nu->nkw++;
		if (j < nu->nkw)
			map[i] = (int)j;
	}
	for (p = 0; p < f->npend; p++) {
		m = 0;
		for (i = 0; i < f->ul.nkw; i++)
			if ((f->pend[p].kw & ((uint64_t)1 << i)) && map[i] >= 0)
				m |= (uint64_t)1 << map[i];
		f->pend[p].kw = m;
	}
}

/* Adopt nu as the list (takes ownership). */
static int
ul_adopt(struct md_folder *f, struct md_ul *nu)
{
	size_t dups;

	kw_remap(f, nu);
	md_ul_free(&f->ul);
	f->ul = *nu;
	md_ul_init(nu);
	if (hash_build(&f->rh, f->ul.nrecs, rec_key, &f->ul, &dups) == -1)
		return MD_ERR_IO;
	/* One unique part under two UIDs: not something we wrote. */
	if (dups != 0)
		return MD_ERR_CORRUPT;
	return MD_OK;
}

/* Re-read the list if the file changed since we read it.  Sets ul_state;
 * on a corrupt or missing file the old list stays in memory (the view
 * keeps its UIDs until a writer rebuilds it). */
static int
ul_refresh(struct md_folder *f)
{
	struct stat st;
	struct md_ul nu;
	int err;

	if (fstatat(f->dirfd, MD_UIDLIST, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT)
			return md_errno();
		if (f->ul_state != UL_MISSING)
			f->reloaded = 1;
		f->ul_state = UL_MISSING;
		f->ul_seen = 0;
		return MD_OK;
	}
	if (f->ul_seen && st.st_dev == f->ul_st.st_dev &&
	    st.st_ino == f->ul_st.st_ino && st.st_size == f->ul_st.st_size &&
	    st.st_mtim.tv_sec == f->ul_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == f->ul_st.st_mtim.tv_nsec)
		return MD_OK;
	err = md_ul_load(f->dirfd, &nu, &st);
	if (err == MD_ERR_NOFOLDER) {
		f->ul_state = UL_MISSING;
		f->ul_seen = 0;
		return MD_OK;
	}
	f->reloaded = 1;
	f->ul_st = st;
	f->ul_seen = 1;
	if (err == MD_ERR_CORRUPT) {
		f->ul_state = UL_CORRUPT;
		return MD_OK;
	}
	if (err != MD_OK)
		return err;
	err = ul_adopt(f, &nu);
	if (err == MD_ERR_CORRUPT) {
		f->ul_state = UL_CORRUPT;
		return MD_OK;
	}
	if (err == MD_OK)
		f->ul_state = UL_OK;
	return err;
}

/* A fresh, empty list replacing a lost or corrupt one.  UIDVALIDITY is the
 * time, and always greater than the one we knew (RFC 3501 sec. 2.3.1.1:
 * it must change whenever UIDs may have). */
static int
ul_fresh(struct md_folder *f)
{
	struct md_ul nu;
	uint32_t v = (uint32_t)(md_now_ns() / 1000000000);

	uint32_t old = md_ul_peek_validity(f->dirfd);

	md_ul_init(&nu);
	if (old < f->ul.uidvalidity)
		old = f->ul.uidvalidity;
	if (old != 0 && v <= old)
		v = old + 1;
	if (v == 0)
		v = 1;
	nu.uidvalidity = v;
	nu.nextuid = 1;
	nu.highestmodseq = 1;
	nu.recent_from = 1;	/* everything is new to every session */
	f->ul_state = UL_OK;
	f->ul_seen = 0;
	return ul_adopt(f, &nu);
}

/* --- scanning ---------------------------------------------------------- */

static void
files_free(struct md_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

struct scan {
	struct md_file *files;
	size_t	 n, cap;
};

static int
scan_add(struct md_folder *f, struct scan *s, const char *name, int in_new)
{
	struct md_name mn;
	struct md_file *e, *nf;
	size_t ncap;
	long old;

	if (md_name_parse(name, &mn) == -1)
		return MD_OK;	/* not a message: dot file, over-long */
	if (s->n == s->cap) {
		if (s->cap >= LB_FOLDER_MSGS_MAX)
			return MD_ERR_LIMIT;
		ncap = s->cap ? s->cap * 2 : 256;
		if (ncap > LB_FOLDER_MSGS_MAX)
			ncap = LB_FOLDER_MSGS_MAX;
		if ((nf = reallocarray(s->files, ncap, sizeof(*nf))) == NULL)
			return MD_ERR_IO;
		s->files = nf;
		s->cap = ncap;
	}
	e = &s->files[s->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return MD_ERR_IO;
	e->unique_len = mn.unique_len;
	e->in_new = in_new;
	memcpy(e->flags, mn.flags, sizeof(e->flags));
	/* Sizes and mtime do not change with renames: keep what we know. */
	old = file_find(f, name, mn.unique_len);
	if (old != -1 && f->files[old].have_info) {
		e->have_info = 1;
		e->size = f->files[old].size;
		e->vsize = f->files[old].vsize;
		e->mtime = f->files[old].mtime;
		e->prov_uid = f->files[old].prov_uid;
	}
	s->n++;
	return MD_OK;
}

/* Read one of new/ or cur/.  *stable_r is cleared when the directory
 * changed while we read it; *mtim_r gets its mtime before reading. */
static int
scan_dir(struct md_folder *f, struct scan *s, const char *sub, int in_new,
    struct timespec *mtim_r, int *stable_r)
{
	struct stat before, after;
	struct dirent *de;
	DIR *d;
	int fd, err = MD_OK;

	fd = openat(f->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	if (fstat(fd, &before) == -1 || (d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	*mtim_r = before.st_mtim;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				err = MD_ERR_IO;
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if ((err = scan_add(f, s, de->d_name, in_new)) != MD_OK)
			break;
	}
	if (err == MD_OK && fstatat(f->dirfd, sub, &after, 0) == 0 &&
	    (after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec))
		*stable_r = 0;
	(void)closedir(d);
	return err;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Give the file at files[i] (in cur/ or new/) a fresh unique name, keeping
 * the rest of its name; the next scan picks it up. */
static void
rename_duplicate(struct md_folder *f, const struct md_file *e)
{
	char uniq[LB_MAILDIR_NAME_MAX + 1], from[LB_MAILDIR_NAME_MAX + 8];
	char to[LB_MAILDIR_NAME_MAX + 8];
	const char *sub = e->in_new ? "new/" : "cur/";
	int n;

	if (md_unique_new(uniq, sizeof(uniq)) == -1)
		return;
	n = snprintf(to, sizeof(to), "%s%s%s", sub, uniq,
	    e->name + e->unique_len);
	if (n < 0 || (size_t)n >= sizeof(to) ||
	    strlen(to) - 4 > LB_MAILDIR_NAME_MAX)
		return;
	(void)snprintf(from, sizeof(from), "%s%s", sub, e->name);
	(void)renameat(f->dirfd, from, f->dirfd, to);
}

/* One scan of new/ then cur/ (see the top of the file), replacing files. */
static int
scan_once(struct md_folder *f, int *stable_r)
{
	struct scan s = { NULL, 0, 0 };
	struct md_hash h = { NULL, 0 };
	struct timespec nm = { 0, 0 }, cm = { 0, 0 };
	size_t i, j, keep;
	long other;
	int err, stable = 1;

	if ((err = scan_dir(f, &s, "new", 1, &nm, &stable)) != MD_OK ||
	    (err = scan_dir(f, &s, "cur", 0, &cm, &stable)) != MD_OK)
		goto fail;
	/* Duplicates: keep one entry per unique part, preferring cur/. */
	if (hash_build(&h, s.n, file_key, s.files, NULL) == -1) {
		err = MD_ERR_IO;
		goto fail;
	}
	for (i = 0, keep = 0; i < s.n; i++) {
		other = hash_find(&h, s.files[i].name, s.files[i].unique_len,
		    file_key, s.files);
		if ((size_t)other != i) {
			/* files[other] came first; if it is in new/ and
			 * this one in cur/, it moved while we read. */
			if (s.files[other].in_new && !s.files[i].in_new) {
				s.files[other].gone = 1;
			} else {
				if (stable && !f->read_only &&
				    s.files[other].in_new == s.files[i].in_new)
					rename_duplicate(f, &s.files[i]);
				s.files[i].gone = 1;
			}
		}
	}
	for (i = 0, j = 0; i < s.n; i++) {
		if (s.files[i].gone) {
			free(s.files[i].name);
			continue;
		}
		s.files[j++] = s.files[i];
	}
	keep = j;
	free(h.slot);
	if (f->files != f->view_files)
		files_free(f->files, f->nfiles);
	f->files = s.files;
	f->nfiles = keep;
	if (hash_build(&f->fh, f->nfiles, file_key, f->files, NULL) == -1)
		return MD_ERR_IO;
	f->new_mtim = nm;
	f->cur_mtim = cm;
	f->scanned = 1;
	f->dirty = md_now_ns() - ts_ns(&nm) < MD_DIRTY_NS ||
	    md_now_ns() - ts_ns(&cm) < MD_DIRTY_NS;
	*stable_r = stable;
	return MD_OK;
fail:
	free(h.slot);
	files_free(s.files, s.n);
	return err;
}

/* Nonzero if a message of the list has no file in the last scan. */
static int
recs_missing(const struct md_folder *f)
{
	size_t i;

	for (i = 0; i < f->ul.nrecs; i++)
		if (file_find(f, f->ul.recs[i].unique,
		    f->ul.recs[i].unique_len) == -1)
			return 1;
	return 0;
}

static int
scan(struct md_folder *f)
{
	int err, stable = 0, tries;

	for (tries = 0; tries < LB_SCAN_RETRIES && !stable; tries++)
		if ((err = scan_once(f, &stable)) != MD_OK)
			return err;
	/* A file renamed while we read the directory can be missed even when
	 * the mtime looks unchanged (same clock tick): look once more before
	 * believing an expunge. */
	if (f->ul_state == UL_OK && recs_missing(f))
		if ((err = scan_once(f, &stable)) != MD_OK)
			return err;
	return MD_OK;
}

/* Size, CRLF size and mtime of a file without them. */
static int
file_info(struct md_folder *f, struct md_file *e)
{
	char path[LB_MAILDIR_NAME_MAX + 8];
	struct md_name mn;
	struct stat st;
	int fd, err;

	if (e->have_info || e->gone)
		return MD_OK;
	(void)snprintf(path, sizeof(path), "%s/%s", e->in_new ? "new" : "cur",
	    e->name);
	fd = openat(f->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT) {
			e->gone = 1;	/* moved or expunged: rescan */
			f->vanished++;
			return MD_OK;
		}
		return md_errno();
	}
	if (fstat(fd, &st) == -1) {
		(void)close(fd);
		return MD_ERR_IO;
	}
	e->mtime = st.st_mtim.tv_sec;
	e->size = (uint64_t)st.st_size;
	(void)md_name_parse(e->name, &mn);
	/* S= and W= are hints: W= is believed only if S= is right. */
	if (mn.has_size && mn.has_vsize && mn.size == e->size &&
	    mn.vsize >= mn.size) {
		e->vsize = mn.vsize;
		err = MD_OK;
	} else
		err = md_count_vsize(fd, &e->size, &e->vsize);
	(void)close(fd);
	if (err == MD_OK)
		e->have_info = 1;
	return err;
}

/* --- syncing ----------------------------------------------------------- */

static int
move_new(struct md_folder *f)
{
	char from[LB_MAILDIR_NAME_MAX + 8], to[LB_MAILDIR_NAME_MAX + 8];
	char *nn;
	struct md_file *e;
	size_t i, len;
	int has_info;

	for (i = 0; i < f->nfiles; i++) {
		e = &f->files[i];
		if (!e->in_new || e->gone)
			continue;
		has_info = strchr(e->name, ':') != NULL;
		len = strlen(e->name) + (has_info ? 0 : 3);
		if (len > LB_MAILDIR_NAME_MAX)
			continue;	/* leave it in new/, still visible */
		(void)snprintf(from, sizeof(from), "new/%s", e->name);
		(void)snprintf(to, sizeof(to), "cur/%s%s", e->name,
		    has_info ? "" : ":2,");
		if (renameat(f->dirfd, from, f->dirfd, to) == -1) {
			if (errno == ENOENT) {
				e->gone = 1;	/* someone else moved it */
				f->vanished++;
				continue;
			}
			return md_errno();
		}
		if ((nn = strdup(to + 4)) == NULL)
			return MD_ERR_IO;
		free(e->name);
		e->name = nn;
		e->in_new = 0;
	}
	return MD_OK;
}

static int
need_write(const struct md_folder *f)
{
	size_t i;
	long r;

	if (f->ul_state != UL_OK || f->npend > 0)
		return 1;
	/* Messages others gave UIDs (COPY, APPEND) that no session has
	 * had as \Recent yet: ours to claim. */
	if (f->claim_recent && f->ul.recent_from < f->ul.nextuid)
		return 1;
	for (i = 0; i < f->nfiles; i++) {
		if (f->files[i].gone)
			continue;
		r = rec_find(f, f->files[i].name, f->files[i].unique_len);
		if (r == -1 || strcmp(f->ul.recs[r].flags,
		    f->files[i].flags) != 0)
			return 1;
	}
	return recs_missing(f);
}

static int
newcmp(const void *a, const void *b, void *ctx)
{
	const struct md_file *files = ctx;
	const struct md_file *x = &files[*(const size_t *)a];
	const struct md_file *y = &files[*(const size_t *)b];

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const struct md_pend *
pend_find(const struct md_folder *f, uint32_t uid)
{
	size_t i;

	for (i = 0; i < f->npend; i++)
		if (f->pend[i].uid == uid)
			return &f->pend[i];
	return NULL;
}

/* Unknown files (no record), sorted by (mtime, name).  *n_r gets the
 * count; NULL with *n_r == 0 if none. */
static int
unknown_files(struct md_folder *f, size_t **idx_r, size_t *n_r)
{
	size_t *idx = NULL, n = 0, i;

	*idx_r = NULL;
	*n_r = 0;
	for (i = 0; i < f->nfiles; i++) {
		if (f->files[i].gone || rec_find(f, f->files[i].name,
		    f->files[i].unique_len) != -1)
			continue;
		if (idx == NULL && (idx = calloc(f->nfiles,
		    sizeof(*idx))) == NULL)
			return MD_ERR_IO;
		idx[n++] = i;
	}
	if (n > 1)
		qsort_r(idx, n, sizeof(*idx), newcmp, f->files);
	*idx_r = idx;
	*n_r = n;
	return MD_OK;
}

/* Fill in sizes of unknown files, touching the lock now and then. */
static int
unknown_info(struct md_folder *f, int locked)
{
	size_t i, done = 0;
	int err;

	for (i = 0; i < f->nfiles; i++) {
		if (f->files[i].have_info || f->files[i].gone ||
		    rec_find(f, f->files[i].name,
		    f->files[i].unique_len) != -1)
			continue;
		if ((err = file_info(f, &f->files[i])) != MD_OK)
			return err;
		if (locked && ++done % 256 == 0)
			md_ul_lock_touch(f->dirfd);
	}
	return MD_OK;
}

/* Under the lock: merge the file system into the list and write it. */
static int
locked_update(struct md_folder *f)
{
	struct md_ul nu;
	struct md_rec rec;
	const struct md_rec *r;
	const struct md_pend *p;
	struct md_file *e;
	size_t i, n, *idx = NULL;
	long fi;
	int err, changed = 0, expunged = 0, tries, claimed = 0;
	uint32_t claim_lo = 0;

	if ((err = md_ul_lock(f->dirfd)) != MD_OK)
		return err;
	if ((err = ul_refresh(f)) != MD_OK)
		goto out;
	if (f->ul_state != UL_OK) {
		if ((err = ul_fresh(f)) != MD_OK)
			goto out;
		changed = 1;
	}
	/* Under the lock nobody assigns UIDs, but files still move from new/
	 * to cur/ (that needs no lock): rescan until what we saw holds. */
	for (tries = 0; tries < LB_SCAN_RETRIES; tries++) {
		f->vanished = 0;
		if ((err = scan(f)) != MD_OK ||
		    (err = unknown_info(f, 1)) != MD_OK)
			goto out;
		if (f->vanished == 0)
			break;
	}
	/* Build the new list: surviving records, updated, then new ones. */
	md_ul_init(&nu);
	nu.uidvalidity = f->ul.uidvalidity;
	nu.nextuid = f->ul.nextuid;
	nu.highestmodseq = f->ul.highestmodseq;
	nu.recent_from = f->ul.recent_from;
	for (i = 0; i < f->ul.nkw; i++) {
		if ((nu.kw[i] = strdup(f->ul.kw[i])) == NULL) {
			err = MD_ERR_IO;
			goto outfree;
		}
		nu.nkw++;
	}
	for (i = 0; i < f->ul.nrecs; i++) {
		r = &f->ul.recs[i];
		fi = file_find(f, r->unique, r->unique_len);
		if (fi == -1 || f->files[fi].gone) {
			expunged = changed = 1;
			continue;
		}
		rec = *r;
		p = pend_find(f, r->uid);
		if (strcmp(rec.flags, f->files[fi].flags) != 0 ||
		    (p != NULL && p->kw != rec.kw)) {
			memcpy(rec.flags, f->files[fi].flags,
			    sizeof(rec.flags));
			if (p != NULL)
				rec.kw = p->kw;
			rec.modseq = ++nu.highestmodseq;
			changed = 1;
		}
		if (md_ul_append(&nu, &rec) == -1) {
			err = MD_ERR_IO;
			goto outfree;
		}
	}
	/* Expunges move HIGHESTMODSEQ too (RFC 7162 sec. 3.2.10.2). */
	if (expunged)
		nu.highestmodseq++;
	if ((err = unknown_files(f, &idx, &n)) != MD_OK)
		goto outfree;
	for (i = 0; i < n; i++) {
		e = &f->files[idx[i]];
		if (nu.nextuid > MD_UID_MAX) {
			/* UIDs exhausted: only a new UIDVALIDITY helps,
			 * which an administrator must decide. */
			err = MD_ERR_LIMIT;
			goto outfree;
		}
		memset(&rec, 0, sizeof(rec));
		rec.uid = nu.nextuid++;
		rec.modseq = ++nu.highestmodseq;
		rec.size = e->size;
		rec.vsize = e->vsize;
		rec.mtime = e->mtime;
		memcpy(rec.flags, e->flags, sizeof(rec.flags));
		rec.unique = e->name;
		rec.unique_len = e->unique_len;
		if (md_ul_append(&nu, &rec) == -1) {
			err = MD_ERR_IO;
			goto outfree;
		}
		changed = 1;
	}
	/* \Recent (RFC 3501 sec. 2.3.2): a SELECT takes every message no
	 * session has been told of yet, the ones it just numbered and the
	 * ones COPY or APPEND numbered while nobody had the folder open. */
	if (f->claim_recent && nu.recent_from < nu.nextuid) {
		claim_lo = nu.recent_from;
		nu.recent_from = nu.nextuid;
		claimed = changed = 1;
	}
	if (changed) {
		if ((err = md_ul_store(f->dirfd, &nu)) != MD_OK)
			goto outfree;
		/* We wrote it: remember its identity to skip a re-read. */
		if (fstatat(f->dirfd, MD_UIDLIST, &f->ul_st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			f->ul_seen = 1;
		if ((err = ul_adopt(f, &nu)) != MD_OK)
			goto outfree;
		if (claimed) {
			f->recent_lo = claim_lo;
			f->recent_hi = f->ul.nextuid;
		}
	}
	free(f->pend);
	f->pend = NULL;
	f->npend = 0;
outfree:
	md_ul_free(&nu);
	free(idx);
out:
	md_ul_unlock(f->dirfd);
	return err;
}

/* Read-only: UIDs for files the list does not know yet, in memory. */
static int
provisional(struct md_folder *f)
{
	size_t i, n, *idx;
	uint32_t next;
	int err;

	if (f->ul_state != UL_OK && f->ul.uidvalidity == 0) {
		if ((err = ul_fresh(f)) != MD_OK)
			return err;
		f->ul_state = UL_CORRUPT;	/* still not on disk */
	}
	if ((err = unknown_info(f, 0)) != MD_OK ||
	    (err = unknown_files(f, &idx, &n)) != MD_OK)
		return err;
	next = f->prov_next > f->ul.nextuid ? f->prov_next : f->ul.nextuid;
	for (i = 0; i < n; i++) {
		struct md_file *e = &f->files[idx[i]];

		/* Keep a provisional UID while the list has not overtaken
		 * it; otherwise (a writer used that UID) give a new one. */
		if (e->prov_uid < f->ul.nextuid) {
			if (next > MD_UID_MAX) {
				free(idx);
				return MD_ERR_LIMIT;
			}
			e->prov_uid = next++;
		}
	}
	f->prov_next = next;
	free(idx);
	return MD_OK;
}

static int
provcmp(const void *a, const void *b)
{
	const struct md_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Rebuild msgs from the list and the scan; count what disappeared. */
static int
build_view(struct md_folder *f, size_t *expunged_r)
{
	struct md_msg *m, *msgs;
	const struct md_rec *r;
	const struct md_pend *p;
	struct md_file *e;
	size_t i, j = 0, n = 0, o, gone = 0, nprov = 0;
	long fi;

	if ((msgs = calloc(f->nfiles + 1, sizeof(*msgs))) == NULL)
		return MD_ERR_IO;
	for (i = 0; i < f->ul.nrecs; i++) {
		r = &f->ul.recs[i];
		/* A file that vanished under move_new() was most likely
		 * moved by someone else: keep it; md_open() finds it again
		 * and the next sync (dirty) decides. */
		fi = file_find(f, r->unique, r->unique_len);
		if (fi == -1)
			continue;
		e = &f->files[fi];
		m = &msgs[n++];
		m->uid = r->uid;
		m->modseq = r->modseq;
		m->size = r->size;
		m->vsize = r->vsize;
		m->mtime = (time_t)r->mtime;
		m->keywords = r->kw;
		if ((p = pend_find(f, r->uid)) != NULL)
			m->keywords = p->kw;
		/* Recent: assigned by this session's last sync, or recent
		 * in the previous view (both lists are sorted by UID). */
		while (j < f->nmsgs && f->msgs[j].uid < r->uid)
			j++;
		m->recent = !f->read_only && ((r->uid >= f->recent_lo &&
		    r->uid < f->recent_hi) || (j < f->nmsgs &&
		    f->msgs[j].uid == r->uid && f->msgs[j].recent));
		m->name = e->name;
		m->unique = e->name;
		m->unique_len = e->unique_len;
		m->in_new = e->in_new;
		memcpy(m->flags, e->flags, sizeof(m->flags));
	}
	if (f->read_only) {
		o = n;
		for (i = 0; i < f->nfiles; i++) {
			e = &f->files[i];
			if (e->gone || !e->have_info ||
			    rec_find(f, e->name, e->unique_len) != -1)
				continue;
			m = &msgs[n++];
			m->uid = e->prov_uid;
			m->modseq = f->ul.highestmodseq;
			m->size = e->size;
			m->vsize = e->vsize;
			m->mtime = (time_t)e->mtime;
			m->name = e->name;
			m->unique = e->name;
			m->unique_len = e->unique_len;
			m->in_new = e->in_new;
			memcpy(m->flags, e->flags, sizeof(m->flags));
			nprov++;
		}
		qsort(msgs + o, nprov, sizeof(*msgs), provcmp);
	}
	/* Expunged: UIDs of the old view missing from the new (both sorted). */
	for (i = 0, o = 0; i < f->nmsgs; i++) {
		while (o < n && msgs[o].uid < f->msgs[i].uid)
			o++;
		if (o == n || msgs[o].uid != f->msgs[i].uid)
			gone++;
	}
	free(f->msgs);
	f->msgs = msgs;
	f->nmsgs = n;
	if (f->view_files != f->files)
		files_free(f->view_files, f->nview_files);
	f->view_files = f->files;
	f->nview_files = f->nfiles;
	if (expunged_r != NULL)
		*expunged_r = gone;
	return MD_OK;
}

static int
same_ts(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int
md_sync(struct md_folder *f, size_t *expunged_r)
{
	struct stat sn, sc;
	int err, rescan, tries;

	if (expunged_r != NULL)
		*expunged_r = 0;
	if (fstatat(f->dirfd, "new", &sn, 0) == -1 ||
	    fstatat(f->dirfd, "cur", &sc, 0) == -1)
		return errno == ENOENT ? MD_ERR_NOFOLDER : md_errno();
	rescan = !f->scanned || f->dirty || !same_ts(&sn.st_mtim,
	    &f->new_mtim) || !same_ts(&sc.st_mtim, &f->cur_mtim);
	f->reloaded = 0;
	if ((err = ul_refresh(f)) != MD_OK)
		return err;
	/* Nothing changed on disk or by us: the view stands. */
	if (!rescan && !f->reloaded && !f->touched && f->ul_state == UL_OK)
		return MD_OK;
	/* Scan, move new/ to cur/, size the unknown files (outside the
	 * lock: reading new mail can take a while).  A file that vanished
	 * meanwhile was moved or expunged by someone else: look again. */
	for (tries = 0; tries < LB_SCAN_RETRIES; tries++) {
		f->vanished = 0;
		if (rescan && (err = scan(f)) != MD_OK)
			return err;
		if (!f->read_only && (err = move_new(f)) != MD_OK)
			return err;
		if ((err = unknown_info(f, 0)) != MD_OK)
			return err;
		if (f->vanished == 0)
			break;
		rescan = 1;
	}
	if (!f->read_only) {
		if (need_write(f) && (err = locked_update(f)) != MD_OK)
			return err;
	} else if ((err = provisional(f)) != MD_OK)
		return err;
	if ((err = build_view(f, expunged_r)) == MD_OK)
		f->touched = 0;
	return err;
}

/* --- public: open, close, accessors ------------------------------------ */

int
md_folder_open(struct md_folder **fp, int rootfd, const char *name,
    int how)
{
	struct md_folder *f;
	int err;

	*fp = NULL;
	if (strcasecmp(name, "INBOX") != 0 &&
	    md_folder_name_check(name) != MD_OK)
		return MD_ERR_BADNAME;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return MD_ERR_IO;
	f->rootfd = rootfd;
	f->read_only = (how & MD_OPEN_RO) != 0;
	f->claim_recent = !f->read_only && (how & MD_OPEN_KEEP_RECENT) == 0;
	md_ul_init(&f->ul);
	f->ul_state = UL_MISSING;
	if ((f->dirfd = md_folder_dirfd(rootfd, name)) == -1) {
		err = errno == ENOENT || errno == ENOTDIR ? MD_ERR_NOFOLDER :
		    md_errno();
		free(f);
		return err;
	}
	if ((err = md_sync(f, NULL)) != MD_OK) {
		md_folder_close(&f);
		return err;
	}
	*fp = f;
	return MD_OK;
}

void
md_folder_close(struct md_folder **fp)
{
	struct md_folder *f = *fp;

	if (f == NULL)
		return;
	md_ul_free(&f->ul);
	free(f->rh.slot);
	free(f->fh.slot);
	if (f->view_files != f->files)
		files_free(f->view_files, f->nview_files);
	files_free(f->files, f->nfiles);
	free(f->msgs);
	free(f->pend);
	(void)close(f->dirfd);
	free(f);
	*fp = NULL;
}

size_t
md_count(const struct md_folder *f)
{
	return f->nmsgs;
}

const struct md_msg *
md_get(const struct md_folder *f, size_t i)
{
	return i < f->nmsgs ? &f->msgs[i] : NULL;
}

uint32_t
md_uidvalidity(const struct md_folder *f)
{
	return f->ul.uidvalidity;
}

uint32_t
md_recent_from(const struct md_folder *f)
{
	/* Provisional UIDs (read-only) start at NEXTUID, at or above it. */
	return f->ul.recent_from;
}

uint32_t
md_uidnext(const struct md_folder *f)
{
	if (f->read_only && f->prov_next > f->ul.nextuid)
		return f->prov_next;
	return f->ul.nextuid;
}

uint64_t
md_highestmodseq(const struct md_folder *f)
{
	return f->ul.highestmodseq;
}

long
md_find_uid(const struct md_folder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->nmsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->msgs[mid].uid == uid)
			return (long)mid;
		if (f->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* --- keywords ---------------------------------------------------------- */

unsigned
md_keyword_count(const struct md_folder *f)
{
	return f->ul.nkw;
}

const char *
md_keyword(const struct md_folder *f, unsigned k)
{
	return k < f->ul.nkw ? f->ul.kw[k] : NULL;
}

int
md_keyword_index(struct md_folder *f, const char *name, int create)
{
	unsigned k;

	if (!md_keyword_valid(name))
		return MD_ERR_BADNAME;
	for (k = 0; k < f->ul.nkw; k++)
		if (strcasecmp(f->ul.kw[k], name) == 0)
			return (int)k;
	if (!create)
		return -1;
	if (f->ul.nkw >= LB_FOLDER_KEYWORDS_MAX)
		return MD_ERR_LIMIT;
	if ((f->ul.kw[f->ul.nkw] = strdup(name)) == NULL)
		return MD_ERR_IO;
	return (int)f->ul.nkw++;
}

int
md_set_keywords(struct md_folder *f, size_t i, uint64_t mask)
{
	struct md_pend *np;
	size_t p;

	if (i >= f->nmsgs)
		return MD_ERR_GONE;
	if (f->ul.nkw < 64 && (mask >> f->ul.nkw) != 0)
		return MD_ERR_BADNAME;
	if (f->read_only) {
		errno = EROFS;
		return MD_ERR_IO;
	}
	for (p = 0; p < f->npend; p++)
		if (f->pend[p].uid == f->msgs[i].uid)
			break;
	if (p == f->npend) {
		if (f->npend >= LB_FOLDER_MSGS_MAX)
			return MD_ERR_LIMIT;
		np = reallocarray(f->pend, f->npend + 1, sizeof(*np));
		if (np == NULL)
			return MD_ERR_IO;
		f->pend = np;
		f->npend++;
	}
	f->pend[p].uid = f->msgs[i].uid;
	f->pend[p].kw = mask;
	f->msgs[i].keywords = mask;
	f->touched = 1;
	return MD_OK;
}

/* --- per-message file operations -------------------------------------- */

/* Find message i's file again by its unique part after a rename by
 * someone else.  MD_ERR_GONE if no file carries it any more. */
static int
relocate(struct md_folder *f, size_t i)
{
	static const char *const subs[2] = { "cur", "new" };
	struct md_msg *m = &f->msgs[i];
	struct md_name mn;
	struct dirent *de;
	DIR *d;
	char *nn = NULL;
	long fi;
	int s, fd, in_new = 0;

	for (s = 0; s < 2 && nn == NULL; s++) {
		fd = openat(f->dirfd, subs[s], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1)
			return md_errno();
		if ((d = fdopendir(fd)) == NULL) {
			(void)close(fd);
			return MD_ERR_IO;
		}
		while ((de = readdir(d)) != NULL) {
			if (md_name_parse(de->d_name, &mn) == -1 ||
			    mn.unique_len != m->unique_len ||
			    memcmp(de->d_name, m->unique, m->unique_len) != 0)
				continue;
			nn = strdup(de->d_name);
			in_new = s == 1;
			if (nn == NULL) {
				(void)closedir(d);
				return MD_ERR_IO;
			}
			memcpy(m->flags, mn.flags, sizeof(m->flags));
			break;
		}
		(void)closedir(d);
	}
	if (nn == NULL)
		return MD_ERR_GONE;
	fi = file_find(f, m->unique, m->unique_len);
	if (fi == -1) {		/* cannot happen: the view comes from files */
		free(nn);
		return MD_ERR_GONE;
	}
	free(f->files[fi].name);
	f->files[fi].name = nn;
	f->files[fi].in_new = in_new;
	memcpy(f->files[fi].flags, m->flags, sizeof(m->flags));
	m->name = nn;
	m->unique = nn;
	m->in_new = in_new;
	return MD_OK;
}

static void
msg_path(const struct md_msg *m, char *path, size_t len)
{
	(void)snprintf(path, len, "%s/%s", m->in_new ? "new" : "cur", m->name);
}

int
md_open(struct md_folder *f, size_t i, int *fd_r)
{
	char path[LB_MAILDIR_NAME_MAX + 8];
	int tries, err, fd;

	*fd_r = -1;
	if (i >= f->nmsgs)
		return MD_ERR_GONE;
	for (tries = 0; tries < 3; tries++) {
		msg_path(&f->msgs[i], path, sizeof(path));
		fd = openat(f->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != -1) {
			*fd_r = fd;
			return MD_OK;
		}
		if (errno != ENOENT)
			return md_errno();
		if ((err = relocate(f, i)) != MD_OK)
			return err;
	}
	return MD_ERR_GONE;
}

int
md_set_flags(struct md_folder *f, size_t i, const char *flags)
{
	char norm[27], from[LB_MAILDIR_NAME_MAX + 8];
	char to[LB_MAILDIR_NAME_MAX + 8], keep[LB_MAILDIR_NAME_MAX + 1];
	struct md_msg *m;
	const char *colon, *q;
	char *nn;
	size_t k;
	long fi;
	int n, tries, err;

	if (i >= f->nmsgs)
		return MD_ERR_GONE;
	if (md_flags_norm(flags, norm) == -1)
		return MD_ERR_BADNAME;
	if (f->read_only) {
		errno = EROFS;
		return MD_ERR_IO;
	}
	m = &f->msgs[i];
	for (tries = 0; tries < 3; tries++) {
		if (!m->in_new && strcmp(m->flags, norm) == 0)
			return MD_OK;
		/* Keep the base (unique, S=, W=) and any info characters
		 * that are not system flags (e.g. Dovecot keyword letters). */
		colon = strchr(m->name, ':');
		k = 0;
		if (colon != NULL && strncmp(colon, ":2,", 3) == 0)
			for (q = colon + 3; *q != '\0'; q++)
				if (*q < 'A' || *q > 'Z')
					keep[k++] = *q;
		keep[k] = '\0';
		n = snprintf(to, sizeof(to), "cur/%.*s:2,%s%s",
		    (int)(colon ? (size_t)(colon - m->name) : strlen(m->name)),
		    m->name, norm, keep);
		if (n < 0 || (size_t)n >= sizeof(to) ||
		    (size_t)n - 4 > LB_MAILDIR_NAME_MAX)
			return MD_ERR_LIMIT;
		msg_path(m, from, sizeof(from));
		if (renameat(f->dirfd, from, f->dirfd, to) == 0)
			break;
		if (errno != ENOENT)
			return md_errno();
		if ((err = relocate(f, i)) != MD_OK)
			return err;
	}
	if (tries == 3)
		return MD_ERR_GONE;
	memcpy(m->flags, norm, sizeof(norm));
	f->touched = 1;
	fi = file_find(f, m->unique, m->unique_len);
	/* Not in the last scan (a sync failed half-way): m->name is stale,
	 * and md_open() finds the file again by its unique part. */
	if (fi == -1 || (nn = strdup(to + 4)) == NULL)
		return MD_OK;
	free(f->files[fi].name);
	f->files[fi].name = nn;
	f->files[fi].in_new = 0;
	memcpy(f->files[fi].flags, norm, sizeof(norm));
	m->name = nn;
	m->unique = nn;
	m->in_new = 0;
	return MD_OK;
}

int
md_expunge(struct md_folder *f, size_t i)
{
	char path[LB_MAILDIR_NAME_MAX + 8];
	int tries, err;

	if (i >= f->nmsgs)
		return MD_ERR_GONE;
	if (f->read_only) {
		errno = EROFS;
		return MD_ERR_IO;
	}
	for (tries = 0; tries < 3; tries++) {
		msg_path(&f->msgs[i], path, sizeof(path));
		if (unlinkat(f->dirfd, path, 0) == 0) {
			/* Maildir++: the remover appends a negative line. */
			(void)md_quota_update(f->rootfd,
			    -(int64_t)f->msgs[i].size, -1);
			return MD_OK;
		}
		if (errno != ENOENT)
			return md_errno();
		if ((err = relocate(f, i)) != MD_OK)
			return err;
	}
	return MD_ERR_GONE;
}

/* --- creation ---------------------------------------------------------- */

int
md_maildir_create(int dirfd, const char *path, int mode)
{
	static const char *const subs[3] = { "tmp", "new", "cur" };
	int fd, i;

	if (mkdirat(dirfd, path, (mode_t)mode) == -1 && errno != EEXIST)
		return md_errno();
	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return md_errno();
	for (i = 0; i < 3; i++)
		if (mkdirat(fd, subs[i], (mode_t)mode) == -1 &&
		    errno != EEXIST) {
			(void)close(fd);
			return md_errno();
		}
	if (fsync(fd) == -1) {
		(void)close(fd);
		return md_errno();
	}
	(void)close(fd);
	return MD_OK;
}

int
md_folder_create(int rootfd, const char *name)
{
	char build[LB_MAILDIR_NAME_MAX + 8], uniq[LB_MAILDIR_NAME_MAX + 1];
	char dst[LB_MAILDIR_NAME_MAX + 2], path[LB_MAILDIR_NAME_MAX + 32];
	static const char *const subs[3] = { "tmp", "new", "cur" };
	struct stat st;
	int i, fd, err, saved;

	if (md_folder_name_check(name) != MD_OK)
		return MD_ERR_BADNAME;
	(void)snprintf(dst, sizeof(dst), ".%s", name);
	if (fstatat(rootfd, dst, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return MD_ERR_EXISTS;
	/* Build it complete in tmp/, then rename it into place: a crash
	 * leaves a tmp/ directory, never a half folder. */
	if (md_unique_new(uniq, sizeof(uniq)) == -1)
		return MD_ERR_LIMIT;
	(void)snprintf(build, sizeof(build), "tmp/%.*s", LB_MAILDIR_NAME_MAX,
	    uniq);
	if (mkdirat(rootfd, build, 0700) == -1)
		return md_errno();
	for (i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", build, subs[i]);
		if (mkdirat(rootfd, path, 0700) == -1)
			goto fail;
	}
	(void)snprintf(path, sizeof(path), "%s/maildirfolder", build);
	fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	(void)close(fd);
	if (md_fsync_dir(rootfd, build) == -1)
		goto fail;
	/* renameat onto an existing non-empty directory fails (ENOTEMPTY or
	 * EEXIST); onto an empty one it would replace it, so we checked. */
	if (renameat(rootfd, build, rootfd, dst) == -1) {
		saved = errno;
		err = (saved == ENOTEMPTY || saved == EEXIST) ?
		    MD_ERR_EXISTS : md_errno();
		goto cleanup;
	}
	if (fsync(rootfd) == -1)
		return md_errno();
	return MD_OK;
fail:
	saved = errno;
	err = md_errno();
cleanup:
	(void)snprintf(path, sizeof(path), "%s/maildirfolder", build);
	(void)unlinkat(rootfd, path, 0);
	for (i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", build, subs[i]);
		(void)unlinkat(rootfd, path, AT_REMOVEDIR);
	}
	(void)unlinkat(rootfd, build, AT_REMOVEDIR);
	errno = saved;
	return err;
}

/* --- for maildir/copy.c (declared in md_int.h) ------------------------- */

int
md_folder_dir(const struct md_folder *f)
{
	return f->dirfd;
}

long
md_folder_find_unique(const struct md_folder *f, const char *unique,
    size_t len)
{
	const struct md_msg *m;
	long r, fi, mi = -1;

	/* The list knows the UID of every message a writable sync saw;
	 * read-only views also have provisional UIDs on the scan's files. */
	if ((r = rec_find(f, unique, len)) != -1)
		mi = md_find_uid(f, f->ul.recs[r].uid);
	else if (f->read_only && (fi = file_find(f, unique, len)) != -1)
		mi = md_find_uid(f, f->files[fi].prov_uid);
	if (mi == -1)
		return -1;
	/* The list may be newer than the view: make sure it is the one. */
	m = &f->msgs[mi];
	if (m->unique_len != len || memcmp(m->unique, unique, len) != 0)
		return -1;
	return mi;
}
