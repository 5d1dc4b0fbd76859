/*
 * imap/store.c -- the commands that change messages: STORE and UID STORE
 * (RFC 3501 sec. 6.4.6, CONDSTORE's UNCHANGEDSINCE of RFC 7162 sec.
 * 3.1.3), COPY and UID COPY (sec. 6.4.7, COPYUID of RFC 4315), MOVE and
 * UID MOVE (RFC 6851), EXPUNGE and UID EXPUNGE (sec. 6.4.3, RFC 4315
 * sec. 2.1), and the silent expunge of CLOSE.  Runs in the session child:
 * the user's ids, chrooted into the Maildir, seccomp; everything on disk
 * goes through maildir/.
 *
 * Decisions, and why:
 *
 * - System flags are Maildir info letters (\Seen S, \Answered R,
 *   \Flagged F, \Deleted T, \Draft D, and the keyword $Forwarded P, the
 *   table imap_sysflags[] of the core); other keywords live in the
 *   folder's keyword table.  \Recent cannot be stored (RFC 3501 sec.
 *   2.3.2) and is ignored in a STORE; an unknown "\Word" is a BAD, since
 *   it could never be stored (PERMANENTFLAGS does not list it).
 * - STORE changes every message first (renames), then calls md_sync()
 *   once, which gives the changed messages their new MODSEQs, and only
 *   then reports, so the MODSEQ in a FETCH is the one on disk.  Flags
 *   another session changed at the same time are reported with the
 *   answer even for .SILENT (RFC 3501 sec. 6.4.6 SHOULD), by comparing
 *   the result with what the client asked for.
 * - UNCHANGEDSINCE compares the message's single MODSEQ (the engine keeps
 *   one per message, RFC 7162 sec. 3.1.12 allows that).  Messages that
 *   fail are reported with their current FLAGS and MODSEQ, so the client
 *   need not fetch them again (sec. 3.1.3, example 6).
 * - A message another session expunged is skipped; a STORE, COPY or MOVE
 *   by sequence number that names one answers NO [EXPUNGEISSUED] (RFC
 *   5530; RFC 2180 sec. 4.2.3 and 4.4.1 allow this), a UID command just
 *   ignores it.  COPY and MOVE by number then copy nothing.
 * - COPY is all or nothing as the client sees it: the quota is checked
 *   for the whole set first, and if a copy fails half-way the copies
 *   already made are removed before the destination's UID list ever sees
 *   them (md_copy_undo).  Only then does md_sync() give them UIDs, which
 *   we find again by their unique parts for COPYUID.
 * - Keywords travel by name: a snapshot of the source's keyword names is
 *   taken before copying (a sync may renumber the table), and each name
 *   is looked up, or added, in the destination's table.
 * - MOVE = the same copy, then expunge of the sources (RFC 6851): the
 *   COPYUID comes in an untagged OK before the EXPUNGEs (sec. 4.3).  The
 *   quota is not checked for a MOVE (sec. 4.1): the expunge gives the
 *   space back, and a user over quota must still be able to move mail to
 *   Trash.  A source that cannot be removed stays in both mailboxes (never
 *   in neither) and the answer is NO.
 * - EXPUNGE re-reads the folder first, so that a \Deleted set or cleared
 *   by another session counts as it is now, then removes, then lets
 *   imap_sync() send "* n EXPUNGE" (highest number first) and update the
 *   view.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/log.h"
#include "imap/imapd.h"
#include "imap/store.h"
#include "maildir/copy.h"

enum store_op { OP_SET, OP_ADD, OP_DEL };

/* The flags of a STORE: system letters and keyword bits of s->f. */
struct store_flags {
	char	 letters[27];
	uint64_t kw;
};

/* Letter of a system flag name (or $Forwarded), 0 if it is none. */
static char
store_letter(const char *name)
{
	size_t i;

	for (i = 0; i < IMAP_NSYSFLAGS; i++)
		if (strcasecmp(name, imap_sysflags[i].name) == 0)
			return imap_sysflags[i].letter;
	return 0;
}

/* Nonzero if letter is one IMAP shows (so FLAGS replaces it). */
static int
store_managed(char letter)
{
	size_t i;

	for (i = 0; i < IMAP_NSYSFLAGS; i++)
		if (imap_sysflags[i].letter == letter)
			return 1;
	return 0;
}

/* Map a maildir/ error to a tagged NO with the RFC 5530 code. */
static enum imap_result
store_mderr(struct imap_session *s, int err, const char *what)
{
	switch (err) {
	case MD_ERR_QUOTA:
		imap_resp(s, "OVERQUOTA", "%s: quota exceeded", what);
		break;
	case MD_ERR_NOSPACE:
		imap_resp(s, "OVERQUOTA", "%s: not enough disk space", what);
		break;
	case MD_ERR_NOFOLDER:
		imap_resp(s, "TRYCREATE", "%s: mailbox does not exist", what);
		break;
	case MD_ERR_LOCKED:
		imap_resp(s, "INUSE", "%s: mailbox busy, try again", what);
		break;
	case MD_ERR_LIMIT:
		imap_resp(s, "LIMIT", "%s: a server limit was reached", what);
		break;
	case MD_ERR_GONE:
		imap_resp(s, "EXPUNGEISSUED", "%s: some of the messages were "
		    "expunged", what);
		break;
	case MD_ERR_BADNAME:
		imap_resp(s, "CANNOT", "%s: invalid name", what);
		break;
	default:
		log_warnx("user=%s %s in %s: %s", s->user, what, s->folder,
		    md_strerror(err));
		imap_resp(s, "SERVERBUG", "%s failed: %s", what,
		    md_strerror(err));
		break;
	}
	return IMAP_NO;
}

/* After imap_seq_resolve() failed: it set the answer (a code means NO). */
static enum imap_result
store_seq_failed(struct imap_session *s)
{
	return s->code[0] != '\0' ? IMAP_NO : IMAP_BAD;
}

/* A sync of the selected folder by this module: imap_sync() notices a
 * new UIDVALIDITY only across its own md_sync(), so we check here. */
#define STORE_LOST	1	/* UIDVALIDITY changed: the session ends */

static int
store_sync(struct imap_session *s)
{
	uint32_t uidv = md_uidvalidity(s->f);
	int rc;

	if ((rc = md_sync(s->f, NULL)) != MD_OK)
		return rc;
	return md_uidvalidity(s->f) != uidv ? STORE_LOST : MD_OK;
}

static enum imap_result
store_lost(struct imap_session *s)
{
	imap_resp(s, NULL, "Mailbox UIDVALIDITY changed; please reconnect");
	return IMAP_FATAL;
}

/* Append a list of numbers as a sequence set, in the given order, with
 * runs of consecutive ascending numbers as ranges (RFC 4315: "12:10" would
 * mean 10,11,12, so only ascending runs are ranges). */
static int
store_put_set(struct buf *b, const uint32_t *u, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && u[j] < UINT32_MAX &&
		    u[j + 1] == u[j] + 1; j++)
			;
		if ((i > 0 && buf_putc(b, ',') == -1) ||
		    (j == i && buf_printf(b, "%u", u[i]) == -1) ||
		    (j > i && buf_printf(b, "%u:%u", u[i], u[j]) == -1))
			return -1;
		i = j + 1;
	}
	return 0;
}

/* --- STORE --------------------------------------------------------------- */

/* Check the syntax of every flag (nothing is created for a BAD). */
static enum imap_result
store_flags_check(struct imap_session *s, const struct imap_arg *a, size_t n)
{
	const char *fl;
	size_t i;

	for (i = 0; i < n; i++) {
		if (imap_arg_get_flag(&a[i], &fl) == -1)
			return imap_resp(s, NULL, "Invalid flag"), IMAP_BAD;
		if (fl[0] == '\\' && strcasecmp(fl, "\\Recent") != 0 &&
		    store_letter(fl) == 0)
			return imap_resp(s, NULL, "Unknown system flag"),
			    IMAP_BAD;
	}
	return IMAP_OK;
}

/* Resolve checked flags; keywords are added to the folder if create. */
static enum imap_result
store_flags_get(struct imap_session *s, const struct imap_arg *a, size_t n,
    int create, struct store_flags *fs)
{
	char tmp[IMAP_NSYSFLAGS + 1] = "", c;
	const char *fl;
	size_t i, nl = 0;
	int k;

	memset(fs, 0, sizeof(*fs));
	for (i = 0; i < n; i++) {
		(void)imap_arg_get_flag(&a[i], &fl);
		/* RFC 3501 sec. 2.3.2: \Recent cannot be altered. */
		if (strcasecmp(fl, "\\Recent") == 0)
			continue;
		if ((c = store_letter(fl)) != 0) {
			if (strchr(tmp, c) == NULL) {
				tmp[nl++] = c;
				tmp[nl] = '\0';
			}
			continue;
		}
		k = md_keyword_index(s->f, fl, create);
		if (k == -1)
			continue;	/* removing a keyword nobody has */
		if (k == MD_ERR_LIMIT)
			return imap_resp(s, "LIMIT", "Too many keywords in "
			    "this mailbox (at most %d)",
			    LB_FOLDER_KEYWORDS_MAX), IMAP_NO;
		if (k == MD_ERR_BADNAME)
			return imap_resp(s, "LIMIT", "Keyword too long (at "
			    "most %d bytes)", LB_KEYWORD_MAX), IMAP_NO;
		if (k < 0 || k >= 64)
			return store_mderr(s, k, "STORE");
		fs->kw |= (uint64_t)1 << k;
	}
	tmp[nl] = '\0';
	(void)md_flags_norm(tmp, fs->letters);
	return IMAP_OK;
}

/* The flags a message gets from op applied to cur/curkw. */
static void
store_apply(enum store_op op, const struct store_flags *fs, const char *cur,
    uint64_t curkw, char out[27], uint64_t *kw_r)
{
	char tmp[27 + IMAP_NSYSFLAGS + 1];
	size_t n = 0;
	const char *p;

	for (p = cur; *p != '\0' && n < 26; p++) {
		if (op == OP_SET && store_managed(*p))
			continue;	/* replaced (others are kept) */
		if (op == OP_DEL && strchr(fs->letters, *p) != NULL)
			continue;
		tmp[n++] = *p;
	}
	if (op != OP_DEL)
		for (p = fs->letters; *p != '\0'; p++)
			tmp[n++] = *p;
	tmp[n] = '\0';
	if (md_flags_norm(tmp, out) == -1)
		out[0] = '\0';	/* cannot happen: letters only */
	*kw_r = op == OP_SET ? fs->kw : op == OP_ADD ? (curkw | fs->kw) :
	    (curkw & ~fs->kw);
}

/* "* n FETCH (FLAGS (...) UID u MODSEQ (m))", each part optional. */
static int
store_fetch(struct imap_session *s, size_t vi, const struct md_msg *m,
    int flags, int uid, int modseq)
{
	struct buf b;
	int r;

	buf_init(&b, LB_OUTBUF_MAX);
	r = buf_printf(&b, "* %zu FETCH (", vi + 1);
	if (r == 0 && flags) {
		r = buf_puts(&b, "FLAGS ");
		if (r == 0)
			r = imap_flags_format(s, m->flags, m->keywords,
			    s->view[vi].recent, &b);
	}
	if (r == 0 && uid)
		r = buf_printf(&b, "%sUID %u", flags ? " " : "", m->uid);
	if (r == 0 && modseq)
		r = buf_printf(&b, "%sMODSEQ (%llu)", flags || uid ? " " : "",
		    (unsigned long long)m->modseq);
	if (r == 0)
		r = buf_puts(&b, ")\r\n");
	if (r == 0)
		r = imap_write(s, b.p, b.len);
	buf_free(&b);
	return r;
}

/* Parse "[+|-]FLAGS[.SILENT]". */
static int
store_item(const char *item, enum store_op *op_r, int *silent_r)
{
	*op_r = OP_SET;
	if (*item == '+' || *item == '-')
		*op_r = *item++ == '+' ? OP_ADD : OP_DEL;
	if (strncasecmp(item, "FLAGS", 5) != 0)
		return -1;
	item += 5;
	*silent_r = strcasecmp(item, ".SILENT") == 0;
	return *item == '\0' || *silent_r ? 0 : -1;
}

enum {
	ST_SKIP = 0,		/* gone, or nothing done */
	ST_DONE,		/* stored (or already as asked) */
	ST_FAILED,		/* failed UNCHANGEDSINCE */
};

enum imap_result
imap_cmd_store(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	const struct imap_arg *fl;
	const struct md_msg *m;
	struct store_flags fs;
	struct imap_vmsg *v;
	struct buf mod;
	enum store_op op;
	enum imap_result r;
	unsigned char *st = NULL;
	uint32_t *failed = NULL;
	size_t ai = 1, nfl, i, *vis = NULL, nvis, gone = 0, nfailed = 0;
	uint64_t unch = 0, kw;
	const char *item;
	char nf[27];
	int has_unch = 0, silent, changed = 0, err = MD_OK, rc, other;
	long mi;

	if (n < 3)
		return imap_resp(s, NULL, "STORE needs a message set, an item "
		    "and flags"), IMAP_BAD;
	/* RFC 4466 sec. 2.5 store-modifiers; RFC 7162 UNCHANGEDSINCE. */
	if (a[1].type == IMAP_ARG_LIST) {
		if (a[1].count != 2 ||
		    !imap_arg_is_atom(&a[1].list[0], "UNCHANGEDSINCE") ||
		    imap_arg_get_number64(&a[1].list[1], &unch) == -1)
			return imap_resp(s, NULL, "Invalid STORE modifier"),
			    IMAP_BAD;
		has_unch = 1;
		ai = 2;
	}
	if (n < ai + 2 || imap_arg_get_atom(&a[ai], &item) == -1 ||
	    store_item(item, &op, &silent) == -1)
		return imap_resp(s, NULL, "Invalid STORE item (FLAGS, +FLAGS "
		    "or -FLAGS, with .SILENT)"), IMAP_BAD;
	/* store-att-flags: a flag list, or flags without parentheses. */
	if (n == ai + 2 && a[ai + 1].type == IMAP_ARG_LIST) {
		fl = a[ai + 1].list;
		nfl = a[ai + 1].count;
	} else {
		fl = &a[ai + 1];
		nfl = n - ai - 1;
	}
	if ((r = store_flags_check(s, fl, nfl)) != IMAP_OK)
		return r;
	if (imap_seq_resolve(s, &a[0], uid, &vis, &nvis) == -1)
		return store_seq_failed(s);
	if (s->readonly) {
		free(vis);
		return imap_resp(s, "READ-ONLY", "Mailbox is read-only"),
		    IMAP_NO;
	}
	/* RFC 7162 sec. 3.1: UNCHANGEDSINCE enables CONDSTORE. */
	if (has_unch && !s->condstore) {
		s->condstore = 1;
		(void)imap_printf(s, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		    (unsigned long long)md_highestmodseq(s->f));
	}
	/* Flags and MODSEQs as they are now: a change is computed from
	 * them, and UNCHANGEDSINCE compares them. */
	if ((rc = store_sync(s)) != MD_OK) {
		free(vis);
		return rc == STORE_LOST ? store_lost(s) :
		    store_mderr(s, rc, "STORE");
	}
	if ((r = store_flags_get(s, fl, nfl, op != OP_DEL, &fs)) != IMAP_OK) {
		free(vis);
		return r;
	}
	if (nvis > 0 && ((st = calloc(nvis, 1)) == NULL ||
	    (failed = calloc(nvis, sizeof(*failed))) == NULL)) {
		free(vis);
		free(st);
		return store_mderr(s, MD_ERR_IO, "STORE");
	}
	/* Change every message first ... */
	for (i = 0; i < nvis && err == MD_OK; i++) {
		if ((mi = imap_view_mdindex(s, vis[i])) < 0 ||
		    (m = md_get(s->f, (size_t)mi)) == NULL) {
			gone++;
			continue;
		}
		if (has_unch && m->modseq > unch) {
			st[i] = ST_FAILED;
			failed[nfailed++] = uid ? m->uid : (uint32_t)vis[i] + 1;
			continue;
		}
		store_apply(op, &fs, m->flags, m->keywords, nf, &kw);
		rc = MD_OK;
		if (strcmp(nf, m->flags) != 0 &&
		    (rc = md_set_flags(s->f, (size_t)mi, nf)) == MD_OK)
			changed = 1;
		if (rc == MD_OK && kw != m->keywords &&
		    (rc = md_set_keywords(s->f, (size_t)mi, kw)) == MD_OK)
			changed = 1;
		if (rc == MD_ERR_GONE) {
			gone++;
			continue;
		}
		if (rc != MD_OK)
			err = rc;
		st[i] = ST_DONE;
	}
	/* ... then one sync gives them their MODSEQs ... */
	if (changed && (rc = store_sync(s)) != MD_OK) {
		/* The renames are done; imap_sync() reports them later. */
		free(vis);
		free(st);
		free(failed);
		return rc == STORE_LOST ? store_lost(s) :
		    store_mderr(s, rc, "STORE");
	}
	/* ... and only then report. */
	for (i = 0; i < nvis; i++) {
		if (st[i] == ST_SKIP)
			continue;
		v = &s->view[vis[i]];
		if ((mi = md_find_uid(s->f, v->uid)) < 0) {
			gone++;		/* expunged by the sync just now */
			continue;
		}
		m = md_get(s->f, (size_t)mi);
		if (st[i] == ST_FAILED) {
			/* Tell the current state (RFC 7162 example 6). */
			rc = store_fetch(s, vis[i], m, 1, uid, 1);
		} else {
			/* What the client expects from its view; anything
			 * else was changed by someone else meanwhile. */
			store_apply(op, &fs, v->flags, v->keywords, nf, &kw);
			other = strcmp(nf, m->flags) != 0 || kw != m->keywords;
			rc = 0;
			if (!silent || other || (s->condstore &&
			    m->modseq != v->modseq))
				rc = store_fetch(s, vis[i], m, !silent || other,
				    uid, s->condstore);
		}
		if (rc == -1)
			break;
		imap_view_told(s, vis[i]);
	}
	free(vis);
	free(st);
	if (err != MD_OK) {
		free(failed);
		return store_mderr(s, err, "STORE");
	}
	if (nfailed > 0) {
		/* RFC 7162 sec. 3.1.3: MODIFIED, even with a NO. */
		buf_init(&mod, LB_OUTBUF_MAX);
		if (buf_puts(&mod, "MODIFIED ") == -1 ||
		    store_put_set(&mod, failed, nfailed) == -1 ||
		    buf_cstr(&mod) == NULL || mod.len >= sizeof(s->code)) {
			/* Longer than a response code can be here: the
			 * FETCHes above told every failed message. */
			buf_reset(&mod);
			(void)buf_puts(&mod, "MODIFIED");
			(void)buf_cstr(&mod);
		}
		free(failed);
		if (gone > 0 && !uid) {
			imap_resp(s, mod.p, "Some of the messages no longer "
			    "exist");
			buf_free(&mod);
			return IMAP_NO;
		}
		imap_resp(s, mod.p, "Conditional STORE failed");
		buf_free(&mod);
		return IMAP_OK;
	}
	free(failed);
	if (gone > 0 && !uid)
		return imap_resp(s, "EXPUNGEISSUED", "Some of the messages "
		    "were expunged"), IMAP_NO;
	imap_resp(s, NULL, "Store completed");
	return IMAP_OK;
}

/* --- COPY and MOVE ------------------------------------------------------ */

struct copy_item {
	size_t	 vi;		/* view index of the source */
	uint32_t src_uid;
	uint32_t dst_uid;	/* 0 until learned */
	uint64_t kw;		/* source keywords (bits of the snapshot) */
	char	*unique;	/* the copy's unique part; NULL: skipped */
};

struct copy_job {
	struct copy_item *it;
	size_t	 n;
	char	*kwnames[LB_FOLDER_KEYWORDS_MAX];
	unsigned nkw;
	char	 folder[LB_MAILDIR_NAME_MAX + 1];
	struct md_folder *df;	/* the destination (s->f if self) */
	int	 self;
};

static void
copy_job_free(struct copy_job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		free(j->it[i].unique);
	free(j->it);
	for (i = 0; i < j->nkw; i++)
		free(j->kwnames[i]);
	j->it = NULL;
	j->n = j->nkw = 0;
}

/* Remove the copies made so far (no UID list has seen them). */
static void
copy_undo(struct imap_session *s, struct copy_job *j)
{
	char **u;
	size_t i, k = 0;

	if ((u = calloc(j->n + 1, sizeof(*u))) == NULL)
		return;
	for (i = 0; i < j->n; i++)
		if (j->it[i].unique != NULL)
			u[k++] = j->it[i].unique;
	if (md_copy_undo(s->rootfd, j->folder, u, k) < 0)
		log_warnx("user=%s COPY to %s: could not remove partial "
		    "copies", s->user, j->folder);
	free(u);
}

/* Give the copies their keywords in the destination, by name. */
static void
copy_keywords(struct copy_job *j, const struct copy_item *it, long di)
{
	uint64_t mask = 0;
	unsigned k;
	int idx;

	for (k = 0; k < j->nkw; k++) {
		if (!(it->kw & ((uint64_t)1 << k)))
			continue;
		idx = md_keyword_index(j->df, j->kwnames[k], 1);
		if (idx >= 0 && idx < 64)
			mask |= (uint64_t)1 << idx;
		/* A full table at the destination drops the keyword:
		 * the message itself is copied, which matters more. */
	}
	if (mask != 0)
		(void)md_set_keywords(j->df, (size_t)di, mask);
}

/*
 * The common part of COPY and MOVE: check, copy everything, give the
 * copies their UIDs (and keywords).  On success the job holds the source
 * and destination UIDs and *uidv_r the destination's UIDVALIDITY;
 * IMAP_OK with j->n == 0 means nothing to do (the answer is set).
 */
static enum imap_result
copy_prepare(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid, int move, struct copy_job *j, uint32_t *uidv_r)
{
	const char *what = move ? "MOVE" : "COPY", *name, *why, *kn;
	const struct md_msg *m;
	size_t len, i, *vis = NULL, nvis, k;
	uint64_t total = 0;
	long mi, di;
	int err, kwsync = 0;
	char uniq[LB_MAILDIR_NAME_MAX + 1];

	if (n != 2 || imap_arg_get_astring(&a[1], &name, &len) == -1)
		return imap_resp(s, NULL, "%s needs a message set and a "
		    "mailbox", what), IMAP_BAD;
	if (imap_mbox_to_folder(s, name, len, j->folder, sizeof(j->folder),
	    &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	if (imap_seq_resolve(s, &a[0], uid, &vis, &nvis) == -1)
		return store_seq_failed(s);
	/* MOVE expunges: not on a mailbox selected with EXAMINE. */
	if (move && s->readonly) {
		free(vis);
		return imap_resp(s, "READ-ONLY", "Mailbox is read-only"),
		    IMAP_NO;
	}
	if (nvis > 0 && (j->it = calloc(nvis, sizeof(*j->it))) == NULL) {
		free(vis);
		return store_mderr(s, MD_ERR_IO, what);
	}
	for (i = 0; i < nvis; i++) {
		if ((m = imap_view_msg(s, vis[i])) == NULL) {
			if (uid)
				continue;	/* RFC 3501 sec. 6.4.8 */
			free(vis);
			return imap_resp(s, "EXPUNGEISSUED", "Some of the "
			    "messages were expunged"), IMAP_NO;
		}
		j->it[j->n].vi = vis[i];
		j->it[j->n].src_uid = m->uid;
		j->it[j->n].kw = m->keywords;
		j->n++;
		total += m->size;
	}
	free(vis);
	/* The destination first: TRYCREATE even for an empty set. */
	j->self = strcmp(j->folder, s->folder) == 0 ||
	    (strcasecmp(j->folder, "INBOX") == 0 &&
	    strcasecmp(s->folder, "INBOX") == 0);
	if (j->self)
		j->df = s->f;
	else if ((err = md_folder_open(&j->df, s->rootfd, j->folder,
	    MD_OPEN_KEEP_RECENT)) != MD_OK) {
		if (err == MD_ERR_NOFOLDER)
			return imap_resp(s, "TRYCREATE", "Mailbox does not "
			    "exist"), IMAP_NO;
		return store_mderr(s, err, what);
	}
	if (j->n == 0) {
		imap_resp(s, NULL, "No messages to %s", move ? "move" : "copy");
		return IMAP_OK;
	}
	if (!move && (err = md_quota_check(s->rootfd, total, j->n)) != MD_OK)
		return store_mderr(s, err, what);
	/* Keyword names now: the sync below may renumber s->f's table. */
	for (k = 0; k < md_keyword_count(s->f) && k < LB_FOLDER_KEYWORDS_MAX;
	    k++) {
		kn = md_keyword(s->f, (unsigned)k);
		if ((j->kwnames[j->nkw] = strdup(kn ? kn : "")) == NULL)
			return store_mderr(s, MD_ERR_IO, what);
		/* The job owns the name; copy_close() frees it. */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		j->nkw++;
	}
	for (i = 0; i < j->n; i++) {
		mi = imap_view_mdindex(s, j->it[i].vi);
		m = mi < 0 ? NULL : md_get(s->f, (size_t)mi);
		err = m == NULL ? MD_ERR_GONE : md_copy_opt(s->f, (size_t)mi,
		    s->rootfd, j->folder, m->flags, move ? MD_COPY_NOQUOTA : 0,
		    uniq);
		if (err == MD_ERR_GONE && uid)
			continue;	/* expunged meanwhile: as if absent */
		if (err == MD_OK && (j->it[i].unique = strdup(uniq)) == NULL) {
			char *one[1] = { uniq };

			(void)md_copy_undo(s->rootfd, j->folder, one, 1);
			err = MD_ERR_IO;
		}
		if (err != MD_OK) {
			copy_undo(s, j);
			return store_mderr(s, err, what);
		}
	}
	/* Now the copies get UIDs. */
	err = j->self ? store_sync(s) : md_sync(j->df, NULL);
	if (err == STORE_LOST)
		return store_lost(s);
	if (err != MD_OK) {
		copy_undo(s, j);
		return store_mderr(s, err, what);
	}
	for (i = 0; i < j->n; i++) {
		if (j->it[i].unique == NULL)
			continue;
		di = md_find_unique(j->df, j->it[i].unique,
		    strlen(j->it[i].unique));
		if (di < 0)
			continue;	/* gone already: no COPYUID */
		j->it[i].dst_uid = md_get(j->df, (size_t)di)->uid;
		/* The job owns its strings; copy_close() frees them (the
		 * analyzer loses them here). */
		/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
		if (j->it[i].kw != 0) {
			copy_keywords(j, &j->it[i], di);
			kwsync = 1;
		}
		/* NOLINTEND(clang-analyzer-unix.Malloc) */
	}
	/* Keywords are kept by the sync (a failure leaves them pending;
	 * for s->f the next sync retries). */
	if (kwsync)
		(void)md_sync(j->df, NULL);
	*uidv_r = md_uidvalidity(j->df);
	return IMAP_OK;
}

/* "COPYUID v src dst" into b; -1 if a copy has no known UID. */
static int
copy_uid_code(const struct copy_job *j, uint32_t uidv, struct buf *b)
{
	uint32_t *src, *dst;
	size_t i, k = 0;
	int r = -1;

	if ((src = calloc(j->n + 1, sizeof(*src))) == NULL ||
	    (dst = calloc(j->n + 1, sizeof(*dst))) == NULL) {
		free(src);
		return -1;
	}
	for (i = 0; i < j->n; i++) {
		if (j->it[i].unique == NULL)
			continue;	/* skipped source */
		if (j->it[i].dst_uid == 0)
			goto out;
		src[k] = j->it[i].src_uid;
		dst[k++] = j->it[i].dst_uid;
	}
	if (k > 0 && buf_printf(b, "COPYUID %u ", uidv) == 0 &&
	    store_put_set(b, src, k) == 0 && buf_putc(b, ' ') == 0 &&
	    store_put_set(b, dst, k) == 0 && buf_cstr(b) != NULL)
		r = 0;
out:
	free(src);
	free(dst);
	return r;
}

static void
copy_close(struct copy_job *j)
{
	if (!j->self)
		md_folder_close(&j->df);
	j->df = NULL;
	copy_job_free(j);
}

enum imap_result
imap_cmd_copy(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct copy_job j;
	struct buf b;
	enum imap_result r;
	uint32_t uidv = 0;

	memset(&j, 0, sizeof(j));
	r = copy_prepare(s, a, n, uid, 0, &j, &uidv);
	if (r != IMAP_OK || j.n == 0) {
		copy_close(&j);
		return r;
	}
	buf_init(&b, LB_OUTBUF_MAX);
	imap_resp(s, NULL, "Copy completed");
	if (copy_uid_code(&j, uidv, &b) == 0) {
		if (b.len < sizeof(s->code))
			imap_resp(s, b.p, "Copy completed");
		else
			/* Too long for the tagged line's response code:
			 * untagged, as MOVE sends it (RFC 6851 sec. 4.3). */
			(void)imap_printf(s, "* OK [%s] Copied\r\n", b.p);
	}
	buf_free(&b);
	copy_close(&j);
	return IMAP_OK;
}

enum imap_result
imap_cmd_move(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct copy_job j;
	struct buf b;
	enum imap_result r;
	uint32_t uidv = 0;
	size_t i;
	long mi;
	int rc, first = MD_OK;
	uint64_t moved = 0;

	memset(&j, 0, sizeof(j));
	r = copy_prepare(s, a, n, uid, 1, &j, &uidv);
	if (r != IMAP_OK || j.n == 0) {
		copy_close(&j);
		return r;
	}
	/* RFC 6851 sec. 4.3: COPYUID before the EXPUNGEs. */
	buf_init(&b, LB_OUTBUF_MAX);
	if (copy_uid_code(&j, uidv, &b) == 0)
		(void)imap_printf(s, "* OK [%s] Moved\r\n", b.p);
	buf_free(&b);
	for (i = 0; i < j.n; i++) {
		if (j.it[i].unique == NULL ||
		    (mi = md_find_uid(s->f, j.it[i].src_uid)) < 0)
			continue;
		rc = md_expunge(s->f, (size_t)mi);
		if (rc == MD_OK)
			moved++;
		else if (rc != MD_ERR_GONE && first == MD_OK)
			first = rc;
	}
	copy_close(&j);
	s->n_expunge += moved;
	if (imap_sync(s, 1) == -1)
		return store_lost(s);
	if (first != MD_OK) {
		/* Copied but not removed: in both mailboxes, never in
		 * neither (RFC 6851 sec. 3.3). */
		log_warnx("user=%s MOVE from %s: %s", s->user, s->folder,
		    md_strerror(first));
		return imap_resp(s, "SERVERBUG", "Some messages were copied "
		    "but could not be removed"), IMAP_NO;
	}
	imap_resp(s, NULL, "Move completed");
	return IMAP_OK;
}

/* --- EXPUNGE ------------------------------------------------------------- */

static int
uidcmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Remove the \Deleted messages (only those in uids[0..nu) if filter).
 * Returns the count or a negative md_err; *fatal_r is set if the mailbox
 * became unusable (UIDVALIDITY changed).
 */
static int
expunge_run(struct imap_session *s, const uint32_t *uids, size_t nu,
    int filter, int silent, int *fatal_r)
{
	const struct md_msg *m;
	size_t i;
	int rc, first = MD_OK, count = 0;

	*fatal_r = 0;
	/* Flags as they are now, not as they were at the last sync. */
	if ((rc = store_sync(s)) != MD_OK) {
		if (rc == STORE_LOST)
			*fatal_r = 1;
		return rc == STORE_LOST ? MD_ERR_CORRUPT : rc;
	}
	for (i = 0; i < md_count(s->f); i++) {
		m = md_get(s->f, i);
		if (strchr(m->flags, MD_FLAG_TRASHED) == NULL)
			continue;
		if (filter && bsearch(&m->uid, uids, nu, sizeof(*uids),
		    uidcmp) == NULL)
			continue;
		rc = md_expunge(s->f, i);
		if (rc == MD_OK)
			count++;
		else if (rc != MD_ERR_GONE && first == MD_OK)
			first = rc;
	}
	s->n_expunge += (uint64_t)count;
	if (silent)
		(void)md_sync(s->f, NULL);	/* drop them from the list */
	else if (imap_sync(s, 1) == -1)
		*fatal_r = 1;
	return first != MD_OK ? first : count;
}

int
imap_expunge_deleted(struct imap_session *s, int silent)
{
	int fatal;

	/* RFC 3501 sec. 6.4.2: nothing is removed when read-only. */
	if (s->f == NULL || s->readonly)
		return 0;
	return expunge_run(s, NULL, 0, 0, silent, &fatal);
}

enum imap_result
imap_cmd_expunge(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	uint32_t *uids = NULL;
	size_t *vis = NULL, nvis = 0, i;
	int rc, fatal;

	if (uid ? n != 1 : n != 0)
		return imap_resp(s, NULL, uid ? "UID EXPUNGE needs a UID set" :
		    "EXPUNGE takes no arguments"), IMAP_BAD;
	if (uid && imap_seq_resolve(s, &a[0], 1, &vis, &nvis) == -1)
		return store_seq_failed(s);
	if (s->readonly) {
		free(vis);
		return imap_resp(s, "READ-ONLY", "Mailbox is read-only"),
		    IMAP_NO;
	}
	if (uid) {
		/* The UIDs now: the view changes under the sync. */
		if (nvis == 0) {
			free(vis);
			imap_resp(s, NULL, "UID EXPUNGE completed");
			return IMAP_OK;
		}
		if ((uids = calloc(nvis, sizeof(*uids))) == NULL) {
			free(vis);
			return store_mderr(s, MD_ERR_IO, "EXPUNGE");
		}
		for (i = 0; i < nvis; i++)
			uids[i] = s->view[vis[i]].uid;	/* ascending */
		free(vis);
	}
	rc = expunge_run(s, uids, nvis, uid, 0, &fatal);
	free(uids);
	if (fatal)
		return store_lost(s);
	if (rc < 0)
		return store_mderr(s, rc, "EXPUNGE");
	imap_resp(s, NULL, "%sEXPUNGE completed", uid ? "UID " : "");
	return IMAP_OK;
}
