/*
 * imap/list.c -- the mailbox-list commands: LIST (RFC 3501 sec. 6.3.8,
 * LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, CHILDREN RFC 3348,
 * SPECIAL-USE RFC 6154), LSUB, CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE and STATUS.  Runs in the session child (the user's ids,
 * chrooted into the Maildir, seccomp); every file operation goes through
 * maildir/folders.h.
 *
 * How LIST works.  The candidates are INBOX, every folder on disk, the
 * subscriptions (when the command needs them), and the implied parents of
 * all of these: Maildir++ folder "A.B" needs no "A", and IMAP shows "A"
 * as a \Noselect (LIST-EXTENDED: \NonExistent) parent with \HasChildren.
 * They are sorted by their name on disk (INBOX first), so the descendants
 * of a name are one contiguous run found by binary search.  Patterns are
 * matched in UTF-8 (a pattern that is not valid mUTF-7, e.g. one with a
 * wildcard inside a base64 run, is matched against the mUTF-7 names as
 * sent), with a dynamic-programming matcher: O(pattern x name) per name,
 * no backtracking blow-up whatever the client sends.
 *
 * Which names are answered, for an extended LIST (RFC 5258 sec. 3.3):
 * those matching a pattern that meet the selection criteria (they exist;
 * or they are subscribed with SUBSCRIBED; and they have a special use with
 * SPECIAL-USE), plus, with RECURSIVEMATCH, those with a descendant that
 * meets them but matches no pattern (CHILDINFO, suppressed when redundant
 * as sec. 3.5 says), plus implied parents whose existing descendants match
 * no pattern, as "\NonExistent \HasChildren" (sec. 3.5, example 11).  A
 * plain LIST answers every matching name that exists or is an implied
 * parent, with \HasChildren/\HasNoChildren always (CHILDREN) and special-
 * use attributes always (RFC 6154 sec. 2 allows both).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/mutf7.h"
#include "imap/imapd.h"
#include "imap/list.h"
#include "imap/quote.h"
#include "maildir/folders.h"

/* One canonical pattern (reference + pattern) is at most this long; a
 * longer one cannot match a folder name and is ignored (RFC 5258 sec. 3
 * lets a server ignore patterns it does not accept). */
#define LIST_PATTERN_MAX	(2 * IMAP_MBOX_MAX)
/* Names (UTF-8) we match: on disk at most NAME_MAX bytes of mUTF-7, which
 * decode to at most 9/8 of that plus a little. */
#define LIST_NAME_U8_MAX	(2 * LB_MAILDIR_NAME_MAX)

/* ------------------------------------------------------------------ */
/* Response helpers                                                     */

/* Append an IMAP name as an astring-compatible string: quoted when it
 * can be; after UTF8=ACCEPT 8-bit UTF-8 may be quoted (RFC 6855 sec. 3),
 * otherwise imap/quote.c chooses (a literal for anything odd). */
static int
put_mbox(const struct imap_session *s, struct buf *out, const char *name,
    size_t len)
{
	size_t i;

	if (s->utf8 && len < IMAP_QUOTED_MAX) {
		for (i = 0; i < len; i++)
			if (name[i] == '\r' || name[i] == '\n' ||
			    name[i] == '\0')
				break;
		if (i == len) {
			if (buf_putc(out, '"') == -1)
				return -1;
			for (i = 0; i < len; i++)
				if (((name[i] == '"' || name[i] == '\\') &&
				    buf_putc(out, '\\') == -1) ||
				    buf_putc(out, name[i]) == -1)
					return -1;
			return buf_putc(out, '"');
		}
	}
	return imap_put_string(out, name, len);
}

/* Map an engine error of a mailbox operation to a tagged NO. */
static enum imap_result
md_fail(struct imap_session *s, int err, const char *what)
{
	switch (err) {
	case MD_ERR_NOFOLDER:
		imap_resp(s, "NONEXISTENT", "Mailbox doesn't exist");
		break;
	case MD_ERR_EXISTS:
		imap_resp(s, "ALREADYEXISTS", "Mailbox already exists");
		break;
	case MD_ERR_BADNAME:
		imap_resp(s, "CANNOT", "Invalid mailbox name");
		break;
	case MD_ERR_LIMIT:
		imap_resp(s, "LIMIT", "%s: %s", what, md_strerror(err));
		break;
	case MD_ERR_NOSPACE:
		imap_resp(s, "OVERQUOTA", "%s: %s", what, md_strerror(err));
		break;
	case MD_ERR_LOCKED:
		imap_resp(s, "INUSE", "%s: %s", what, md_strerror(err));
		break;
	default:
		log_err("user=%s %s: %s", s->user ? s->user : "-", what,
		    md_strerror(err));
		imap_resp(s, md_err_temporary(err) ? "UNAVAILABLE" :
		    "SERVERBUG", "%s: %s", what, md_strerror(err));
		break;
	}
	return IMAP_NO;
}

/* The mailbox argument: astring, mapped to the folder on disk.  NO with
 * [CANNOT] (bad name) is set on failure. */
static int
arg_mbox(struct imap_session *s, const struct imap_arg *a, char *folder,
    size_t len, enum imap_result *res_r)
{
	const char *name, *why;
	size_t nlen;

	if (imap_arg_get_astring(a, &name, &nlen) == -1) {
		imap_resp(s, NULL, "Invalid mailbox name argument");
		*res_r = IMAP_BAD;
		return -1;
	}
	if (imap_mbox_to_folder(s, name, nlen, folder, len, &why) == -1) {
		imap_resp(s, "CANNOT", "%s", why);
		*res_r = IMAP_NO;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Special use                                                          */

static const struct {
	size_t	 off;
	const char *attr;
} specials[] = {
	{ offsetof(struct config, special_sent),	"\\Sent" },
	{ offsetof(struct config, special_drafts),	"\\Drafts" },
	{ offsetof(struct config, special_trash),	"\\Trash" },
	{ offsetof(struct config, special_junk),	"\\Junk" },
	{ offsetof(struct config, special_archive),	"\\Archive" },
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/* The folder (on disk) configured for special k, or NULL. */
static const char *
special_folder(const struct imap_session *s, size_t k, char *folder,
    size_t len)
{
	const char *v, *why;
	struct imap_session u8s;

	if (s->conf == NULL)
		return NULL;
	v = (const char *)s->conf + specials[k].off;
	if (*v == '\0')
		return NULL;
	/* The configuration is UTF-8 whatever the client enabled. */
	memset(&u8s, 0, sizeof(u8s));
	u8s.utf8 = 1;
	if (imap_mbox_to_folder(&u8s, v, strlen(v), folder, len, &why) == -1)
		return NULL;
	return folder;
}

const char *
imap_special_use(const struct imap_session *s, const char *folder)
{
	static char attrs[64];
	char f[LB_MAILDIR_NAME_MAX + 1];
	size_t k;

	attrs[0] = '\0';
	for (k = 0; k < NSPECIALS; k++) {
		if (special_folder(s, k, f, sizeof(f)) == NULL ||
		    strcmp(f, folder) != 0)
			continue;
		/* All five attributes with spaces take 41 of the 64 bytes. */
		if (attrs[0] != '\0')
			(void)strcat(attrs, " "); /* NOLINT(clang-analyzer-security.insecureAPI.strcpy) */
		(void)strcat(attrs, specials[k].attr); /* NOLINT(clang-analyzer-security.insecureAPI.strcpy) */
	}
	return attrs;
}

int
imap_special_create(struct imap_session *s)
{
	char f[LB_MAILDIR_NAME_MAX + 1];
	size_t k;
	int err, r = 0;

	if (s->conf == NULL || !s->conf->create_special)
		return 0;
	for (k = 0; k < NSPECIALS; k++) {
		if (special_folder(s, k, f, sizeof(f)) == NULL ||
		    strcmp(f, "INBOX") == 0 ||
		    md_folder_exists(s->rootfd, f) != 0)
			continue;
		err = md_folder_create(s->rootfd, f);
		if (err == MD_OK)
			err = md_subs_set(s->rootfd, f, 1);
		if (err != MD_OK && err != MD_ERR_EXISTS) {
			log_err("user=%s create %s: %s", s->user ? s->user :
			    "-", f, md_strerror(err));
			r = -1;
		}
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* STATUS data                                                          */

enum st_item {
	ST_MESSAGES, ST_RECENT, ST_UIDNEXT, ST_UIDVALIDITY, ST_UNSEEN,
	ST_DELETED, ST_SIZE, ST_HIGHESTMODSEQ, ST_APPENDLIMIT, ST_NITEMS
};
static const char *const st_names[ST_NITEMS] = {
	"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
	"DELETED", "SIZE", "HIGHESTMODSEQ", "APPENDLIMIT",
};

struct st_req {
	enum st_item item[ST_NITEMS];
	size_t	 n;
};

/* Parse "(MESSAGES UNSEEN ...)": -1 on an empty list or an unknown item
 * (BAD).  A repeated item is answered once. */
static int
st_parse(struct imap_session *s, const struct imap_arg *a, struct st_req *r)
{
	const struct imap_arg *l;
	size_t n, i, k, j;

	r->n = 0;
	if (imap_arg_get_list(a, &l, &n) == -1 || n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < ST_NITEMS; k++)
			if (imap_arg_is_atom(&l[i], st_names[k]))
				break;
		if (k == ST_NITEMS)
			return -1;
		for (j = 0; j < r->n; j++)
			if (r->item[j] == (enum st_item)k)
				break;
		if (j == r->n)
			r->item[r->n++] = (enum st_item)k;
		/* RFC 7162 sec. 3.1: STATUS (HIGHESTMODSEQ) enables
		 * CONDSTORE. */
		if (k == ST_HIGHESTMODSEQ)
			s->condstore = 1;
	}
	return 0;
}

/* Get the status of folder; the selected mailbox from its open folder
 * (no sync: STATUS must not report EXPUNGE). */
static int
st_get(struct imap_session *s, const char *folder, struct md_status *st)
{
	if (s->state == IMAP_STATE_SELECTED && s->f != NULL &&
	    strcmp(s->folder, folder) == 0) {
		md_folder_status_of(s->f, st);
		return MD_OK;
	}
	return md_folder_status(s->rootfd, folder, st);
}

/* Append "* STATUS name (...)\r\n" to out. */
static int
st_format(const struct imap_session *s, struct buf *out, const char *name,
    size_t len, const struct st_req *r, const struct md_status *st)
{
	size_t i;
	unsigned long long v = 0;

	if (buf_puts(out, "* STATUS ") == -1 ||
	    put_mbox(s, out, name, len) == -1 || buf_puts(out, " (") == -1)
		return -1;
	for (i = 0; i < r->n; i++) {
		switch (r->item[i]) {
		case ST_MESSAGES:	v = st->messages; break;
		case ST_RECENT:		v = st->recent; break;
		case ST_UIDNEXT:	v = st->uidnext; break;
		case ST_UIDVALIDITY:	v = st->uidvalidity; break;
		case ST_UNSEEN:		v = st->unseen; break;
		case ST_DELETED:	v = st->deleted; break;
		case ST_SIZE:		v = st->size; break;
		case ST_HIGHESTMODSEQ:	v = st->highestmodseq; break;
		case ST_APPENDLIMIT:	v = LB_IMAP_APPEND_MAX; break;
		case ST_NITEMS:		continue;	/* not an item */
		}
		if (buf_printf(out, "%s%s %llu", i ? " " : "",
		    st_names[r->item[i]], v) == -1)
			return -1;
	}
	return buf_puts(out, ")\r\n");
}

/* ------------------------------------------------------------------ */
/* The candidate names                                                  */

struct lent {
	char	*folder;	/* on disk; "INBOX" for the inbox */
	char	*wire;		/* as sent to the client (NULL: unnamed) */
	char	*u8;		/* UTF-8, for matching */
	unsigned exists:1;	/* a folder (or INBOX) */
	unsigned subscribed:1;
	unsigned children:1;	/* an existing descendant */
	unsigned subchild:1;	/* a subscribed descendant */
	unsigned matched:1;	/* matches a pattern */
};

struct lset {
	struct lent *v;
	size_t	 n, cap;
};

static int
lent_cmp(const void *a, const void *b)
{
	const struct lent *x = a, *y = b;
	int xi = strcmp(x->folder, "INBOX") == 0;
	int yi = strcmp(y->folder, "INBOX") == 0;

	if (xi || yi)
		return yi - xi;
	return strcmp(x->folder, y->folder);
}

static void
lset_free(struct lset *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].folder);
		free(l->v[i].wire);
		free(l->v[i].u8);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
lset_add(struct lset *l, const char *folder, size_t len, unsigned exists,
    unsigned subscribed, unsigned children, unsigned subchild)
{
	struct lent *nv, *e;
	size_t ncap;

	if (l->n >= LB_LIST_NAMES_MAX)
		return MD_ERR_LIMIT;
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 64;
		if ((nv = reallocarray(l->v, ncap, sizeof(*nv))) == NULL)
			return MD_ERR_IO;
		l->v = nv;
		l->cap = ncap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if ((e->folder = strndup(folder, len)) == NULL)
		return MD_ERR_IO;
	e->exists = exists;
	e->subscribed = subscribed;
	e->children = children;
	e->subchild = subchild;
	l->n++;
	return MD_OK;
}

/* Sort, and merge duplicates (their flags add up). */
static void
lset_merge(struct lset *l)
{
	size_t i, j;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), lent_cmp);
	for (i = 1, j = 0; i < l->n; i++) {
		if (strcmp(l->v[i].folder, l->v[j].folder) == 0) {
			l->v[j].exists |= l->v[i].exists;
			l->v[j].subscribed |= l->v[i].subscribed;
			l->v[j].children |= l->v[i].children;
			l->v[j].subchild |= l->v[i].subchild;
			free(l->v[i].folder);
			continue;
		}
		l->v[++j] = l->v[i];
	}
	l->n = j + 1;
}

/* Build the candidates: INBOX, folders, subscriptions (if subs), and the
 * implied parents of each, with their names for matching and output. */
static int
lset_build(struct imap_session *s, int subs, struct lset *l)
{
	struct md_names f = { NULL, 0, 0 }, sb = { NULL, 0, 0 };
	struct buf b;
	size_t i, n0, k;
	const char *name;
	int err;

	memset(l, 0, sizeof(*l));
	if ((err = md_folders_list(s->rootfd, &f)) != MD_OK)
		return err;
	if (subs && (err = md_subs_read(s->rootfd, &sb)) != MD_OK)
		goto out;
	if ((err = lset_add(l, "INBOX", 5, 1, 0, 0, 0)) != MD_OK)
		goto out;
	for (i = 0; i < f.n && err == MD_OK; i++)
		err = lset_add(l, f.v[i], strlen(f.v[i]), 1, 0, 0, 0);
	for (i = 0; i < sb.n && err == MD_OK; i++)
		err = lset_add(l, sb.v[i], strlen(sb.v[i]), 0, 1, 0, 0);
	if (err != MD_OK)
		goto out;
	lset_merge(l);
	/* Implied parents: every proper prefix ending before a '.'. */
	n0 = l->n;
	for (i = 0; i < n0 && err == MD_OK; i++) {
		name = l->v[i].folder;
		for (k = 1; name[k] != '\0' && err == MD_OK; k++) {
			if (name[k] != IMAP_SEP)
				continue;
			err = lset_add(l, name, k, 0, 0, l->v[i].exists,
			    l->v[i].subscribed);
			name = l->v[i].folder;	/* l->v may have moved */
		}
	}
	if (err != MD_OK)
		goto out;
	lset_merge(l);
	/* Names for matching and for the wire.  A folder whose name is not
	 * valid mUTF-7 on disk cannot be named by a client: it stays
	 * unnamed and is never listed. */
	buf_init(&b, 4 * LB_MAILDIR_NAME_MAX);
	for (i = 0; i < l->n; i++) {
		struct imap_session u8s;

		buf_reset(&b);
		if (imap_folder_to_mbox(s, l->v[i].folder, &b) == -1 ||
		    buf_cstr(&b) == NULL)
			continue;
		if ((l->v[i].wire = strdup(b.p)) == NULL) {
			err = MD_ERR_IO;
			break;
		}
		memset(&u8s, 0, sizeof(u8s));
		u8s.utf8 = 1;
		buf_reset(&b);
		if (imap_folder_to_mbox(&u8s, l->v[i].folder, &b) == -1 ||
		    buf_cstr(&b) == NULL ||
		    (l->v[i].u8 = strdup(b.p)) == NULL) {
			free(l->v[i].wire);
			l->v[i].wire = NULL;
		}
	}
	buf_free(&b);
out:
	md_names_free(&f);
	md_names_free(&sb);
	if (err != MD_OK)
		lset_free(l);
	return err;
}

/* The run of l->v holding the descendants of entry i: [*lo, *hi). */
static void
lset_desc(const struct lset *l, size_t i, size_t *lo_r, size_t *hi_r)
{
	const char *p = l->v[i].folder;
	size_t plen = strlen(p), lo = i + 1, hi = l->n, mid;

	/* Entries sort by strcmp (INBOX first, and it has no ancestor):
	 * every "p." name lies after p; find the first one >= "p.". */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(l->v[mid].folder, p, plen) < 0 ||
		    (strncmp(l->v[mid].folder, p, plen) == 0 &&
		    (unsigned char)l->v[mid].folder[plen] < IMAP_SEP))
			lo = mid + 1;
		else
			hi = mid;
	}
	*lo_r = lo;
	for (hi = lo; hi < l->n && strncmp(l->v[hi].folder, p, plen) == 0 &&
	    l->v[hi].folder[plen] == IMAP_SEP; hi++)
		;
	*hi_r = hi;
}

/* ------------------------------------------------------------------ */
/* Patterns                                                             */

struct lpat {
	char	*p;
	size_t	 len;
	int	 raw;		/* match against wire names, not UTF-8 */
};

struct lpats {
	struct lpat v[LB_LIST_PATTERNS_MAX];
	size_t	 n;
};

static void
lpats_free(struct lpats *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].p);
	ps->n = 0;
}

static int
eqc(unsigned char a, unsigned char b, int ci)
{
	if (ci && a >= 'a' && a <= 'z')
		a -= 32;
	if (ci && b >= 'a' && b <= 'z')
		b -= 32;
	return a == b;
}

/*
 * RFC 3501 sec. 6.3.8: '*' matches anything, '%' anything but the
 * hierarchy separator.  row[j]: the pattern so far matches name[0..j).
 */
static int
pmatch(const char *p, size_t plen, const char *name, int ci)
{
	unsigned char row[LIST_NAME_U8_MAX + 1];
	size_t nlen = strlen(name), i, j;
	int run;

	if (nlen > LIST_NAME_U8_MAX)
		return 0;
	memset(row, 0, nlen + 1);
	row[0] = 1;
	for (i = 0; i < plen; i++) {
		if (p[i] == '*') {
			for (j = 1; j <= nlen; j++)
				row[j] |= row[j - 1];
		} else if (p[i] == '%') {
			run = 0;
			for (j = 0; j <= nlen; j++) {
				if (j > 0 && name[j - 1] == IMAP_SEP)
					run = 0;
				run |= row[j];
				row[j] = (unsigned char)run;
			}
		} else {
			for (j = nlen; j > 0; j--)
				row[j] = row[j - 1] && eqc((unsigned char)
				    name[j - 1], (unsigned char)p[i], ci);
			row[0] = 0;
		}
	}
	return row[nlen];
}

/* Add reference + pattern, canonical: "inbox" as a first level is INBOX;
 * a valid mUTF-7 pattern is matched in UTF-8. */
static int
lpats_add(const struct imap_session *s, struct lpats *ps, const char *ref,
    size_t rlen, const char *pat, size_t plen)
{
	struct buf b, u;
	struct lpat *lp;

	if (ps->n >= LB_LIST_PATTERNS_MAX)
		return -1;
	buf_init(&b, LIST_PATTERN_MAX);
	if (buf_append(&b, ref, rlen) == -1 ||
	    buf_append(&b, pat, plen) == -1 || buf_cstr(&b) == NULL ||
	    memchr(b.p, '\0', b.len) != NULL) {
		buf_free(&b);
		return 0;	/* ignored: it can match nothing */
	}
	if (strncasecmp(b.p, "INBOX", 5) == 0 &&
	    (b.p[5] == '\0' || b.p[5] == IMAP_SEP))
		memcpy(b.p, "INBOX", 5);
	lp = &ps->v[ps->n];
	lp->raw = 0;
	if (!s->utf8) {
		buf_init(&u, 4 * LIST_PATTERN_MAX);
		if (mutf7_to_utf8(b.p, b.len, &u) == 0 &&
		    buf_cstr(&u) != NULL) {
			buf_free(&b);
			b = u;
		} else {
			buf_free(&u);
			lp->raw = 1;
		}
	}
	lp->p = strndup(b.p, b.len);
	lp->len = b.len;
	buf_free(&b);
	if (lp->p == NULL)
		return -1;
	ps->n++;
	return 0;
}

static int
lpats_match(const struct lpats *ps, const struct lent *e)
{
	size_t i;
	int ci = strcmp(e->folder, "INBOX") == 0;
	const char *name;

	if (e->wire == NULL)
		return 0;
	for (i = 0; i < ps->n; i++) {
		name = ps->v[i].raw ? e->wire : e->u8;
		if (pmatch(ps->v[i].p, ps->v[i].len, name, ci))
			return 1;
	}
	return 0;
}

/* A list-mailbox argument: atom (with wildcards), quoted or literal. */
static int
arg_pattern(const struct imap_arg *a, const char **p_r, size_t *len_r)
{
	if (a == NULL || (a->type != IMAP_ARG_ATOM &&
	    a->type != IMAP_ARG_QUOTED && a->type != IMAP_ARG_LITERAL &&
	    a->type != IMAP_ARG_NIL) || a->str == NULL ||
	    (a->flags & IMAP_ARGF_NUL) || (a->flags & IMAP_ARGF_SECTION))
		return -1;
	*p_r = a->str;
	*len_r = a->len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* LIST and LSUB                                                        */

struct lopts {
	int	 extended;
	int	 sel_subscribed, sel_recursive, sel_special;
	int	 ret_subscribed, ret_children, ret_special, ret_status;
	int	 lsub;
	struct st_req st;
};

/* Does a descendant of entry i meet the criteria and match no pattern?
 * subscribed: the criterion is "subscribed", else "exists". */
static int
desc_unmatched(const struct lset *l, size_t i, int subscribed)
{
	size_t lo, hi, j;

	lset_desc(l, i, &lo, &hi);
	for (j = lo; j < hi; j++)
		if ((subscribed ? l->v[j].subscribed : l->v[j].exists) &&
		    !l->v[j].matched)
			return 1;
	return 0;
}

static int
attr(struct buf *b, const char *a)
{
	if (b->len > 0 && buf_putc(b, ' ') == -1)
		return -1;
	return buf_puts(b, a);
}

/* Answer one entry; *sent_r is set if a LIST/LSUB line was written. */
static int
list_one(struct imap_session *s, const struct lopts *o, const struct lset *l,
    size_t i, struct buf *line)
{
	const struct lent *e = &l->v[i];
	struct buf at;
	struct md_status st;
	const char *sp;
	int meets, childinfo = 0, nonexist_parent = 0, status = 0, r = -1;

	if (o->lsub) {
		/* RFC 3501 sec. 6.3.9: a name that is not subscribed is
		 * answered (\Noselect) only for its subscribed children
		 * the pattern does not reach ("%"). */
		meets = e->subscribed;
		if (!meets && !(e->subchild && desc_unmatched(l, i, 1)))
			return 0;
	} else if (!o->extended) {
		meets = e->exists;
		if (!meets && !e->children)
			return 0;
	} else {
		meets = o->sel_subscribed ? e->subscribed : e->exists;
		if (o->sel_special)
			meets = meets && e->exists &&
			    *imap_special_use(s, e->folder) != '\0';
		if (o->sel_recursive && (o->sel_subscribed ? e->subchild :
		    e->children) && desc_unmatched(l, i, o->sel_subscribed))
			childinfo = 1;
		if (!meets && !childinfo) {
			if (o->sel_subscribed || o->sel_special ||
			    e->exists || !e->children ||
			    !desc_unmatched(l, i, 0))
				return 0;
			nonexist_parent = 1;
		}
	}
	buf_init(&at, 1024);
	if (o->lsub) {
		if (!meets && attr(&at, "\\Noselect") == -1)
			goto out;
	} else {
		if (!e->exists && attr(&at, o->extended ? "\\NonExistent" :
		    "\\Noselect") == -1)
			goto out;
		if (!o->extended || o->ret_children || nonexist_parent) {
			if (attr(&at, e->children ? "\\HasChildren" :
			    "\\HasNoChildren") == -1)
				goto out;
		}
		if ((o->ret_subscribed || o->sel_subscribed) &&
		    e->subscribed && attr(&at, "\\Subscribed") == -1)
			goto out;
		if (e->exists && *(sp = imap_special_use(s, e->folder)) !=
		    '\0' && attr(&at, sp) == -1)
			goto out;
	}
	/* RFC 5819 sec. 2: STATUS for selectable names that meet the
	 * criteria; when it fails, \Noselect and no STATUS. */
	if (o->ret_status && meets && e->exists) {
		if (st_get(s, e->folder, &st) == MD_OK)
			status = 1;
		else if (attr(&at, "\\Noselect") == -1)
			goto out;
	}
	if (buf_cstr(&at) == NULL)
		goto out;
	buf_reset(line);
	if (buf_printf(line, "* %s (%s) \"%c\" ", o->lsub ? "LSUB" : "LIST",
	    at.p, IMAP_SEP) == -1 ||
	    put_mbox(s, line, e->wire, strlen(e->wire)) == -1)
		goto out;
	if (childinfo && buf_puts(line, " (\"CHILDINFO\" (\"SUBSCRIBED\"))") ==
	    -1)
		goto out;
	if (buf_puts(line, "\r\n") == -1)
		goto out;
	if (status && st_format(s, line, e->wire, strlen(e->wire), &o->st,
	    &st) == -1)
		goto out;
	r = imap_write(s, line->p, line->len);
out:
	buf_free(&at);
	return r;
}

static enum imap_result
list_run(struct imap_session *s, const struct lopts *o, const char *ref,
    size_t rlen, const struct imap_arg *pats, size_t npats)
{
	struct lpats ps;
	struct lset l;
	struct buf line;
	const char *p;
	size_t plen, i;
	int err;

	ps.n = 0;
	for (i = 0; i < npats; i++) {
		if (arg_pattern(&pats[i], &p, &plen) == -1) {
			lpats_free(&ps);
			imap_resp(s, NULL, "Invalid mailbox pattern");
			return IMAP_BAD;
		}
		/* RFC 5258 sec. 3: an extended LIST ignores "". */
		if (plen == 0 && o->extended)
			continue;
		if (lpats_add(s, &ps, ref, rlen, p, plen) == -1) {
			lpats_free(&ps);
			imap_resp(s, NULL, "Too many mailbox patterns");
			return IMAP_BAD;
		}
	}
	if (ps.n == 0) {
		imap_resp(s, NULL, "%s completed.", o->lsub ? "LSUB" : "LIST");
		return IMAP_OK;
	}
	err = lset_build(s, o->lsub || o->sel_subscribed || o->ret_subscribed,
	    &l);
	if (err != MD_OK) {
		lpats_free(&ps);
		return md_fail(s, err, "Cannot list mailboxes");
	}
	for (i = 0; i < l.n; i++)
		l.v[i].matched = lpats_match(&ps, &l.v[i]);
	buf_init(&line, LB_OUTBUF_MAX);
	for (i = 0; i < l.n; i++) {
		if (!l.v[i].matched)
			continue;
		if (list_one(s, o, &l, i, &line) == -1)
			break;
	}
	buf_free(&line);
	lset_free(&l);
	lpats_free(&ps);
	imap_resp(s, NULL, "%s completed.", o->lsub ? "LSUB" : "LIST");
	return IMAP_OK;
}

/* Selection options (RFC 5258 sec. 3.1, RFC 6154 sec. 2). */
static int
list_selopts(struct imap_session *s, const struct imap_arg *a,
    struct lopts *o)
{
	const struct imap_arg *l;
	size_t n, i;

	if (imap_arg_get_list(a, &l, &n) == -1)
		return imap_resp(s, NULL, "Invalid LIST selection options"),
		    -1;
	for (i = 0; i < n; i++) {
		if (imap_arg_is_atom(&l[i], "SUBSCRIBED"))
			o->sel_subscribed = 1;
		else if (imap_arg_is_atom(&l[i], "REMOTE"))
			;	/* no remote mailboxes here */
		else if (imap_arg_is_atom(&l[i], "RECURSIVEMATCH"))
			o->sel_recursive = 1;
		else if (imap_arg_is_atom(&l[i], "SPECIAL-USE"))
			o->sel_special = 1;
		else
			return imap_resp(s, NULL, "Unknown LIST selection "
			    "option"), -1;
	}
	/* RECURSIVEMATCH alone (or with REMOTE) is BAD (sec. 3.1). */
	if (o->sel_recursive && !o->sel_subscribed && !o->sel_special)
		return imap_resp(s, NULL, "RECURSIVEMATCH needs another "
		    "selection option"), -1;
	/* Without SUBSCRIBED, the criterion CHILDINFO names does not
	 * apply; we report CHILDINFO only for SUBSCRIBED. */
	if (o->sel_recursive && !o->sel_subscribed)
		o->sel_recursive = 0;
	return 0;
}

/* Return options (RFC 5258 sec. 3.2, RFC 5819, RFC 6154). */
static int
list_retopts(struct imap_session *s, const struct imap_arg *a,
    struct lopts *o)
{
	const struct imap_arg *l;
	size_t n, i;

	if (imap_arg_get_list(a, &l, &n) == -1)
		return imap_resp(s, NULL, "Invalid LIST return options"), -1;
	for (i = 0; i < n; i++) {
		if (imap_arg_is_atom(&l[i], "SUBSCRIBED"))
			o->ret_subscribed = 1;
		else if (imap_arg_is_atom(&l[i], "CHILDREN"))
			o->ret_children = 1;
		else if (imap_arg_is_atom(&l[i], "SPECIAL-USE"))
			o->ret_special = 1;
		else if (imap_arg_is_atom(&l[i], "STATUS") && i + 1 < n &&
		    st_parse(s, &l[i + 1], &o->st) == 0) {
			o->ret_status = 1;
			i++;
		} else
			return imap_resp(s, NULL, "Unknown or invalid LIST "
			    "return option"), -1;
	}
	return 0;
}

enum imap_result
imap_cmd_list(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct lopts o;
	const struct imap_arg *pats;
	const char *ref;
	size_t rlen, npats, k = 0;

	memset(&o, 0, sizeof(o));
	if (n > 0 && a[0].type == IMAP_ARG_LIST) {
		o.extended = 1;
		if (list_selopts(s, &a[0], &o) == -1)
			return IMAP_BAD;
		k = 1;
	}
	if (n < k + 2 || arg_pattern(&a[k], &ref, &rlen) == -1)
		return imap_resp(s, NULL, "LIST needs a reference and a "
		    "mailbox pattern"), IMAP_BAD;
	if (a[k + 1].type == IMAP_ARG_LIST) {
		o.extended = 1;
		pats = a[k + 1].list;
		npats = a[k + 1].count;
	} else {
		pats = &a[k + 1];
		npats = 1;
	}
	k += 2;
	if (n > k) {
		if (n != k + 2 || !imap_arg_is_atom(&a[k], "RETURN"))
			return imap_resp(s, NULL, "Invalid LIST arguments"),
			    IMAP_BAD;
		if (list_retopts(s, &a[k + 1], &o) == -1)
			return IMAP_BAD;
		o.extended = 1;
	}
	/* RFC 3501 sec. 6.3.8: LIST "" "" asks for the separator and the
	 * root of the reference (ours is "": one namespace, no prefix). */
	if (!o.extended && npats == 1 && pats[0].str != NULL &&
	    pats[0].len == 0 && pats[0].type != IMAP_ARG_LIST) {
		(void)imap_printf(s, "* LIST (\\Noselect) \"%c\" \"\"\r\n",
		    IMAP_SEP);
		imap_resp(s, NULL, "LIST completed.");
		return IMAP_OK;
	}
	return list_run(s, &o, ref, rlen, pats, npats);
}

enum imap_result
imap_cmd_lsub(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct lopts o;
	const char *ref;
	size_t rlen;

	memset(&o, 0, sizeof(o));
	o.lsub = 1;
	if (n != 2 || arg_pattern(&a[0], &ref, &rlen) == -1 ||
	    a[1].type == IMAP_ARG_LIST)
		return imap_resp(s, NULL, "LSUB needs a reference and a "
		    "mailbox pattern"), IMAP_BAD;
	return list_run(s, &o, ref, rlen, &a[1], 1);
}

/* ------------------------------------------------------------------ */
/* CREATE DELETE RENAME                                                 */

enum imap_result
imap_cmd_create(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	char folder[LB_MAILDIR_NAME_MAX + 1];
	const char *name, *why;
	size_t len;
	int err;

	/* RFC 6154 CREATE-SPECIAL-USE is not offered: one argument. */
	if (n != 1 || imap_arg_get_astring(&a[0], &name, &len) == -1)
		return imap_resp(s, NULL, "CREATE needs one mailbox name"),
		    IMAP_BAD;
	/* RFC 3501 sec. 6.3.3: a trailing separator declares a parent of
	 * names to come; Maildir++ needs none, so "A." creates folder A. */
	if (len > 1 && name[len - 1] == IMAP_SEP)
		len--;
	if (imap_mbox_to_folder(s, name, len, folder, sizeof(folder),
	    &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	if (strcmp(folder, "INBOX") == 0)
		return imap_resp(s, "ALREADYEXISTS", "INBOX always exists"),
		    IMAP_NO;
	if (imap_folder_creatable(folder, &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	if ((err = md_folder_create(s->rootfd, folder)) != MD_OK)
		return md_fail(s, err, "Cannot create the mailbox");
	imap_resp(s, NULL, "CREATE completed.");
	return IMAP_OK;
}

enum imap_result
imap_cmd_delete(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	char folder[LB_MAILDIR_NAME_MAX + 1];
	enum imap_result res;
	int err;

	if (n != 1)
		return imap_resp(s, NULL, "DELETE needs one mailbox name"),
		    IMAP_BAD;
	if (arg_mbox(s, &a[0], folder, sizeof(folder), &res) == -1)
		return res;
	if (strcmp(folder, "INBOX") == 0)
		return imap_resp(s, "CANNOT", "INBOX cannot be deleted"),
		    IMAP_NO;
	/* Our open folder would lose its directory under us. */
	if (s->state == IMAP_STATE_SELECTED && strcmp(s->folder, folder) ==
	    0)
		return imap_resp(s, "CANNOT", "The mailbox is selected: "
		    "CLOSE or select another one first"), IMAP_NO;
	err = md_folder_delete(s->rootfd, folder);
	/* RFC 3501 sec. 6.3.4: a name with inferiors and \Noselect cannot
	 * be deleted; it has no directory, which says the same. */
	if (err != MD_OK)
		return md_fail(s, err, "Cannot delete the mailbox");
	imap_resp(s, NULL, "DELETE completed.");
	return IMAP_OK;
}

/* After a RENAME of folder from to to: keep the selected mailbox's names
 * right if it was in the renamed tree. */
static void
rename_selected(struct imap_session *s, const char *from, const char *to)
{
	char nf[LB_MAILDIR_NAME_MAX + 1];
	struct buf b;
	size_t flen = strlen(from);
	int r;

	if (s->state != IMAP_STATE_SELECTED ||
	    strncmp(s->folder, from, flen) != 0 ||
	    (s->folder[flen] != '\0' && s->folder[flen] != IMAP_SEP))
		return;
	r = snprintf(nf, sizeof(nf), "%s%s", to, s->folder + flen);
	if (r < 0 || (size_t)r >= sizeof(nf))
		return;
	buf_init(&b, IMAP_MBOX_MAX);
	if (imap_folder_to_mbox(s, nf, &b) == 0 && buf_cstr(&b) != NULL) {
		(void)snprintf(s->folder, sizeof(s->folder), "%s", nf);
		(void)snprintf(s->mbox, sizeof(s->mbox), "%s", b.p);
	}
	buf_free(&b);
}

enum imap_result
imap_cmd_rename(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	char from[LB_MAILDIR_NAME_MAX + 1], to[LB_MAILDIR_NAME_MAX + 1];
	enum imap_result res;
	const char *why;
	int err;

	if (n != 2)
		return imap_resp(s, NULL, "RENAME needs two mailbox names"),
		    IMAP_BAD;
	if (arg_mbox(s, &a[0], from, sizeof(from), &res) == -1 ||
	    arg_mbox(s, &a[1], to, sizeof(to), &res) == -1)
		return res;
	if (strcmp(to, "INBOX") == 0)
		return imap_resp(s, "ALREADYEXISTS", "INBOX always exists"),
		    IMAP_NO;
	if (imap_folder_creatable(to, &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	if (strcmp(from, "INBOX") == 0) {
		/* RFC 3501 sec. 6.3.5: move INBOX's messages to a new
		 * folder; INBOX stays, empty; its inferiors stay. */
		if ((err = md_inbox_move(s->rootfd, to)) != MD_OK)
			return md_fail(s, err, "Cannot rename INBOX");
		imap_resp(s, NULL, "RENAME completed.");
		return IMAP_OK;
	}
	if (strcmp(from, to) == 0)
		return imap_resp(s, "ALREADYEXISTS", "Mailbox already "
		    "exists"), IMAP_NO;
	err = md_folder_rename(s->rootfd, from, to);
	if (err == MD_ERR_BADNAME)
		return imap_resp(s, "CANNOT", "Cannot rename a mailbox into "
		    "itself or to that name"), IMAP_NO;
	if (err != MD_OK)
		return md_fail(s, err, "Cannot rename the mailbox");
	rename_selected(s, from, to);
	imap_resp(s, NULL, "RENAME completed.");
	return IMAP_OK;
}

/* ------------------------------------------------------------------ */
/* SUBSCRIBE UNSUBSCRIBE STATUS                                         */

static enum imap_result
subscribe(struct imap_session *s, const struct imap_arg *a, size_t n, int on)
{
	char folder[LB_MAILDIR_NAME_MAX + 1];
	enum imap_result res;
	int err;

	if (n != 1)
		return imap_resp(s, NULL, "%s needs one mailbox name",
		    on ? "SUBSCRIBE" : "UNSUBSCRIBE"), IMAP_BAD;
	if (arg_mbox(s, &a[0], folder, sizeof(folder), &res) == -1)
		return res;
	/* RFC 3501 sec. 6.3.6: a server MAY refuse names that do not
	 * exist; clients subscribe right after CREATE, so any valid name
	 * is accepted (LIST (SUBSCRIBED) reports it \NonExistent). */
	if ((err = md_subs_set(s->rootfd, folder, on)) != MD_OK)
		return md_fail(s, err, on ? "Cannot subscribe" :
		    "Cannot unsubscribe");
	imap_resp(s, NULL, "%s completed.", on ? "SUBSCRIBE" : "UNSUBSCRIBE");
	return IMAP_OK;
}

enum imap_result
imap_cmd_subscribe(struct imap_session *s, const struct imap_arg *a,
    size_t n, int uid)
{
	return subscribe(s, a, n, 1);
}

enum imap_result
imap_cmd_unsubscribe(struct imap_session *s, const struct imap_arg *a,
    size_t n, int uid)
{
	return subscribe(s, a, n, 0);
}

enum imap_result
imap_cmd_status(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	char folder[LB_MAILDIR_NAME_MAX + 1];
	struct md_status st;
	struct st_req r;
	enum imap_result res;
	struct buf b;
	int err;

	if (n != 2)
		return imap_resp(s, NULL, "STATUS needs a mailbox name and a "
		    "list of items"), IMAP_BAD;
	if (st_parse(s, &a[1], &r) == -1)
		return imap_resp(s, NULL, "Invalid STATUS items"), IMAP_BAD;
	if (arg_mbox(s, &a[0], folder, sizeof(folder), &res) == -1)
		return res;
	if ((err = st_get(s, folder, &st)) != MD_OK)
		return md_fail(s, err, "Cannot read the mailbox status");
	buf_init(&b, LB_OUTBUF_MAX);
	if (imap_folder_to_mbox(s, folder, &b) == -1 || buf_cstr(&b) == NULL) {
		buf_free(&b);
		return imap_resp(s, "CANNOT", "Invalid mailbox name"), IMAP_NO;
	}
	{
		struct buf line;

		buf_init(&line, LB_OUTBUF_MAX);
		if (st_format(s, &line, b.p, b.len, &r, &st) == 0)
			(void)imap_write(s, line.p, line.len);
		buf_free(&line);
	}
	buf_free(&b);
	imap_resp(s, NULL, "STATUS completed.");
	return IMAP_OK;
}
