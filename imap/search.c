/*
 * imap/search.c -- SEARCH / UID SEARCH: the search program is parsed into
 * a tree of keys, then evaluated message by message over the client's
 * view.  Runs in the session child (the user's ids, chrooted into the
 * Maildir, seccomp): it only opens message files through md_open() and
 * reads them.  See imap/search.h for the matching rules and bounds.
 *
 * Evaluation is two-pass per message: first with what the engine knows
 * (flags, UID, size, INTERNALDATE, MODSEQ), content keys answering
 * "maybe"; only if the answer is still open is the file read, the
 * content keys computed together in one scan, and the tree evaluated
 * again.  Both the parse and the evaluation recurse at most
 * LB_SEARCH_DEPTH_MAX levels.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/charset.h"
#include "common/date.h"
#include "common/decode.h"
#include "common/limits.h"
#include "common/mime.h"
#include "common/utf8.h"
#include "imap/imapd.h"
#include "imap/parse.h"
#include "imap/quote.h"
#include "imap/search.h"
#include "imap/seqset.h"
#include "maildir/maildir.h"

#define NONE		SIZE_MAX
/* Raw bytes fed to a transfer decoder at a time, and the longest decoded
 * line held before it is cut anyway (text without line breaks). */
#define SEARCH_CHUNK	(64 * 1024)
#define SEARCH_LINE_MAX	(256 * 1024)
/* Scratch buffers: bounded by the chunking above (a cut of at most
 * SEARCH_LINE_MAX + SEARCH_CHUNK decoded bytes is 3x that in UTF-8 and 4x
 * again casefolded), and for header fields by LB_MIME_FIELD_MAX. */
#define SEARCH_DEC_MAX	(SEARCH_LINE_MAX + 2 * SEARCH_CHUNK)
#define SEARCH_U8_MAX	(3 * (SEARCH_DEC_MAX + LB_MIME_FIELD_MAX) + 1024)
#define SEARCH_FOLD_MAX	(4 * SEARCH_U8_MAX + LB_IMAP_LITERAL_MAX * 16)

enum sk {
	SK_AND, SK_OR, SK_NOT, SK_ALL,
	SK_FLAG,		/* system flag letter set */
	SK_KEYWORD,		/* keyword bit (or $Forwarded = P) */
	SK_RECENT, SK_NEW, SK_OLD,
	SK_SET,			/* view indices (sequence set, UID set) */
	SK_SAVED,		/* "$": UID in s->saved */
	SK_LARGER, SK_SMALLER,
	SK_BEFORE, SK_ON, SK_SINCE,
	SK_MODSEQ,
	/* content keys: need the file */
	SK_SENTBEFORE, SK_SENTON, SK_SENTSINCE,
	SK_HEADER, SK_BODY, SK_TEXT,
};

struct snode {
	enum sk		 type;
	size_t		 first, next;	/* children; next sibling */
	uint64_t	 num;		/* LARGER, SMALLER, MODSEQ */
	int64_t		 days;		/* date keys */
	char		 letter;	/* FLAG; KEYWORD $Forwarded: 'P' */
	int		 kw;		/* KEYWORD: bit, or -1 */
	struct seqset	*set;		/* SET */
	int		 uid;		/* SET of UIDs (else numbers) */
	uint32_t	 max;		/* SET: what "*" is */
	char		*name;		/* HEADER field name */
	char		*needle;	/* casefolded key (HEADER BODY TEXT) */
	size_t		 nl;
	int		 hit;		/* content result, current message */
};

enum { NEED_NONE = 0, NEED_HDR, NEED_FULL };
enum { R_NO = 0, R_YES = 1, R_MAYBE = 2 };

struct sprog {
	struct imap_session *s;
	struct snode	*n;
	size_t		 count, cap;
	size_t		 root;
	int		 cs;		/* strings' charset, -1 default */
	int		 need;
	int		 modseq;	/* a MODSEQ key was used */
	int		 ntext;		/* BODY + TEXT keys */
	size_t		 maxnl;		/* longest BODY/TEXT needle */
	enum imap_result rc;		/* when parsing fails */

	/* per message */
	int		 sent_ok;
	int64_t		 sent_days;
	int		 text_left;	/* BODY/TEXT keys not hit yet */
	struct buf	 file, dec, u8, fold;
};

/* ------------------------------------------------------------------ */
/* Parsing                                                              */

static int
bad(struct sprog *P, const char *msg)
{
	imap_resp(P->s, NULL, "%s", msg);
	P->rc = IMAP_BAD;
	return -1;
}

static int
oom(struct sprog *P)
{
	imap_resp(P->s, "SERVERBUG", "Out of memory");
	P->rc = IMAP_NO;
	return -1;
}

static int
node_new(struct sprog *P, enum sk type, size_t *idx_r)
{
	struct snode *nn;
	size_t ncap;

	if (P->count == P->cap) {
		/* Every node comes from at least one argument. */
		if (P->cap >= 4 * (size_t)LB_IMAP_ARGS_MAX + 16)
			return bad(P, "Search program too large");
		ncap = P->cap ? P->cap * 2 : 32;
		if ((nn = reallocarray(P->n, ncap, sizeof(*nn))) == NULL)
			return oom(P);
		P->n = nn;
		P->cap = ncap;
	}
	memset(&P->n[P->count], 0, sizeof(P->n[0]));
	P->n[P->count].type = type;
	P->n[P->count].first = NONE;
	P->n[P->count].next = NONE;
	P->n[P->count].kw = -1;
	*idx_r = P->count++;
	return 0;
}

/* The casefolded key of a search string given in P->cs. */
static int
make_needle(struct sprog *P, size_t idx, const struct imap_arg *a)
{
	struct buf u8, fold;
	const char *str;
	size_t len;
	int cs = P->cs;

	if (imap_arg_get_astring(a, &str, &len) == -1)
		return bad(P, "Invalid search string");
	if (cs < 0 || cs == CHARSET_ASCII)
		cs = utf8_valid(str, len) ? CHARSET_UTF8 : CHARSET_ISO8859_1;
	buf_init(&u8, 3 * len + 16);
	buf_init(&fold, 4 * (3 * len + 16));
	if (charset_to_utf8(cs, str, len, &u8) == -1 ||
	    utf8_casefold(u8.p, u8.len, &fold) == -1 ||
	    buf_cstr(&fold) == NULL) {
		buf_free(&u8);
		buf_free(&fold);
		return oom(P);
	}
	buf_free(&u8);
	P->n[idx].needle = fold.p;	/* ownership moves to the node */
	P->n[idx].nl = fold.len;
	return 0;
}

static int
is_seqset_atom(const struct imap_arg *a)
{
	if (a->type != IMAP_ARG_ATOM || a->len == 0)
		return 0;
	return (a->str[0] >= '0' && a->str[0] <= '9') || a->str[0] == '*' ||
	    a->str[0] == '$';
}

/* A sequence set key (message numbers) or the argument of UID, kept as
 * a set and tested per message (no list of the matches is built). */
static int
parse_set(struct sprog *P, const struct imap_arg *a, int uid, size_t *idx_r)
{
	struct imap_session *s = P->s;
	struct snode *k;
	size_t idx;

	if (a->type == IMAP_ARG_ATOM && a->len == 1 && a->str[0] == '$') {
		/* RFC 5182: "$" is the saved result, whatever the
		 * command; it holds UIDs here. */
		if (node_new(P, SK_SAVED, &idx) == -1)
			return -1;
		*idx_r = idx;
		return 0;
	}
	if (node_new(P, SK_SET, &idx) == -1)
		return -1;
	k = &P->n[idx];
	if (a->type != IMAP_ARG_ATOM ||
	    seqset_parse(a->str, a->len, 0, &k->set) == -1)
		return errno == ENOMEM ? oom(P) :
		    bad(P, "Invalid sequence set");
	k->uid = uid;
	if (uid)
		k->max = s->nview ? s->view[s->nview - 1].uid : 0;
	else {
		/* RFC 3501 sec. 9: a number above the message count is
		 * invalid ("*" is fine, even in an empty mailbox). */
		if (seqset_highest(k->set) > s->nview) {
			imap_resp(s, NULL, "Invalid message sequence number "
			    "(the mailbox has %zu messages)", s->nview);
			P->rc = IMAP_BAD;
			return -1;
		}
		k->max = (uint32_t)s->nview;
	}
	*idx_r = idx;
	return 0;
}

static int
parse_date(struct sprog *P, const struct imap_arg *a, int64_t *days_r)
{
	const char *str;
	size_t len;

	if (imap_arg_get_astring(a, &str, &len) == -1 ||
	    date_parse_imap(str, len, days_r) == -1)
		return bad(P, "Invalid date (expected e.g. 1-Feb-1994)");
	return 0;
}

static int parse_key(struct sprog *, const struct imap_arg *, size_t,
    size_t *, unsigned, size_t *);

/* Keys a[0..n) ANDed into one node. */
static int
parse_list(struct sprog *P, const struct imap_arg *a, size_t n,
    unsigned depth, size_t *idx_r)
{
	size_t i = 0, idx, child, last = NONE;

	if (n == 0)
		return bad(P, "Empty search key list");
	if (node_new(P, SK_AND, &idx) == -1)
		return -1;
	while (i < n) {
		if (parse_key(P, a, n, &i, depth, &child) == -1)
			return -1;
		if (last == NONE)
			P->n[idx].first = child;
		else
			P->n[last].next = child;
		last = child;
	}
	*idx_r = idx;
	return 0;
}

static const struct {
	const char	*name;
	enum sk		 type;
	char		 letter;
	int		 neg;		/* UN...: NOT of the flag */
} simple_keys[] = {
	{ "ALL", SK_ALL, 0, 0 },
	{ "ANSWERED", SK_FLAG, MD_FLAG_REPLIED, 0 },
	{ "DELETED", SK_FLAG, MD_FLAG_TRASHED, 0 },
	{ "DRAFT", SK_FLAG, MD_FLAG_DRAFT, 0 },
	{ "FLAGGED", SK_FLAG, MD_FLAG_FLAGGED, 0 },
	{ "SEEN", SK_FLAG, MD_FLAG_SEEN, 0 },
	{ "UNANSWERED", SK_FLAG, MD_FLAG_REPLIED, 1 },
	{ "UNDELETED", SK_FLAG, MD_FLAG_TRASHED, 1 },
	{ "UNDRAFT", SK_FLAG, MD_FLAG_DRAFT, 1 },
	{ "UNFLAGGED", SK_FLAG, MD_FLAG_FLAGGED, 1 },
	{ "UNSEEN", SK_FLAG, MD_FLAG_SEEN, 1 },
	{ "RECENT", SK_RECENT, 0, 0 },
	{ "NEW", SK_NEW, 0, 0 },
	{ "OLD", SK_OLD, 0, 0 },
};

static const struct {
	const char	*name;
	const char	*field;		/* NULL: the next argument */
	enum sk		 type;
} text_keys[] = {
	{ "FROM", "From", SK_HEADER },
	{ "TO", "To", SK_HEADER },
	{ "CC", "Cc", SK_HEADER },
	{ "BCC", "Bcc", SK_HEADER },
	{ "SUBJECT", "Subject", SK_HEADER },
	{ "HEADER", NULL, SK_HEADER },
	{ "BODY", NULL, SK_BODY },
	{ "TEXT", NULL, SK_TEXT },
};

static const struct {
	const char	*name;
	enum sk		 type;
} date_keys[] = {
	{ "BEFORE", SK_BEFORE }, { "ON", SK_ON }, { "SINCE", SK_SINCE },
	{ "SENTBEFORE", SK_SENTBEFORE }, { "SENTON", SK_SENTON },
	{ "SENTSINCE", SK_SENTSINCE },
};

/* Wrap node child into a NOT node. */
static int
negate(struct sprog *P, size_t child, size_t *idx_r)
{
	size_t idx;

	if (node_new(P, SK_NOT, &idx) == -1)
		return -1;
	P->n[idx].first = child;
	*idx_r = idx;
	return 0;
}

static int
parse_modseq(struct sprog *P, const struct imap_arg *a, size_t n,
    size_t *ip, size_t *idx_r)
{
	const char *str;
	size_t len, i = *ip, idx;
	uint64_t v;

	/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer: we keep
	 * one MODSEQ per message, so the entry is checked and ignored
	 * (RFC 7162 sec. 3.1.5). */
	if (i < n && a[i].type != IMAP_ARG_ATOM) {
		if (imap_arg_get_string(&a[i], &str, &len) == -1 ||
		    len < 7 || strncasecmp(str, "/flags/", 7) != 0)
			return bad(P, "Invalid MODSEQ entry name");
		i++;
		if (i >= n || (!imap_arg_is_atom(&a[i], "priv") &&
		    !imap_arg_is_atom(&a[i], "shared") &&
		    !imap_arg_is_atom(&a[i], "all")))
			return bad(P, "Invalid MODSEQ entry type");
		i++;
	}
	if (i >= n || imap_arg_get_number64(&a[i], &v) == -1)
		return bad(P, "Invalid MODSEQ value");
	i++;
	if (node_new(P, SK_MODSEQ, &idx) == -1)
		return -1;
	P->n[idx].num = v;
	P->modseq = 1;
	*ip = i;
	*idx_r = idx;
	return 0;
}

static int
parse_key(struct sprog *P, const struct imap_arg *a, size_t n, size_t *ip,
    unsigned depth, size_t *idx_r)
{
	const struct imap_arg *k = &a[*ip], *list;
	size_t i = *ip + 1, idx, c1, c2, count, j;
	const char *str;
	size_t len;
	int64_t days;
	uint64_t v;
	int kw;

	if (depth >= LB_SEARCH_DEPTH_MAX)
		return bad(P, "Search keys nested too deeply");
	if (k->type == IMAP_ARG_LIST) {
		if (imap_arg_get_list(k, &list, &count) == -1 ||
		    parse_list(P, list, count, depth + 1, idx_r) == -1)
			return -1;
		*ip = i;
		return 0;
	}
	if (is_seqset_atom(k)) {
		if (parse_set(P, k, 0, idx_r) == -1)
			return -1;
		*ip = i;
		return 0;
	}
	if (k->type != IMAP_ARG_ATOM)
		return bad(P, "Invalid search key");

	for (j = 0; j < sizeof(simple_keys) / sizeof(simple_keys[0]); j++) {
		if (!imap_arg_is_atom(k, simple_keys[j].name))
			continue;
		if (node_new(P, simple_keys[j].type, &idx) == -1)
			return -1;
		P->n[idx].letter = simple_keys[j].letter;
		if (simple_keys[j].neg && negate(P, idx, &idx) == -1)
			return -1;
		*ip = i;
		*idx_r = idx;
		return 0;
	}
	for (j = 0; j < sizeof(text_keys) / sizeof(text_keys[0]); j++) {
		if (!imap_arg_is_atom(k, text_keys[j].name))
			continue;
		if (node_new(P, text_keys[j].type, &idx) == -1)
			return -1;
		if (text_keys[j].type == SK_HEADER) {
			if (text_keys[j].field != NULL)
				str = text_keys[j].field;
			else if (i >= n || imap_arg_get_astring(&a[i], &str,
			    &len) == -1 || len == 0 || len > 255 ||
			    memchr(str, ':', len) != NULL)
				return bad(P, "Invalid header field name");
			else
				i++;
			if ((P->n[idx].name = strdup(str)) == NULL)
				return oom(P);
			if (P->need < NEED_HDR)
				P->need = NEED_HDR;
		} else {
			P->need = NEED_FULL;
			P->ntext++;
		}
		if (i >= n)
			return bad(P, "Missing search string");
		if (make_needle(P, idx, &a[i]) == -1)
			return -1;
		if (text_keys[j].type != SK_HEADER && P->n[idx].nl > P->maxnl)
			P->maxnl = P->n[idx].nl;
		*ip = i + 1;
		*idx_r = idx;
		return 0;
	}
	for (j = 0; j < sizeof(date_keys) / sizeof(date_keys[0]); j++) {
		if (!imap_arg_is_atom(k, date_keys[j].name))
			continue;
		if (i >= n)
			return bad(P, "Missing date");
		if (parse_date(P, &a[i], &days) == -1 ||
		    node_new(P, date_keys[j].type, &idx) == -1)
			return -1;
		P->n[idx].days = days;
		if (date_keys[j].type >= SK_SENTBEFORE && P->need < NEED_HDR)
			P->need = NEED_HDR;
		*ip = i + 1;
		*idx_r = idx;
		return 0;
	}
	if (imap_arg_is_atom(k, "LARGER") || imap_arg_is_atom(k, "SMALLER")) {
		/* number64 (RFC 9051) includes RFC 3501's number */
		if (i >= n || imap_arg_get_number64(&a[i], &v) == -1)
			return bad(P, "Invalid size");
		if (node_new(P, imap_arg_is_atom(k, "LARGER") ? SK_LARGER :
		    SK_SMALLER, &idx) == -1)
			return -1;
		P->n[idx].num = v;
		*ip = i + 1;
		*idx_r = idx;
		return 0;
	}
	if (imap_arg_is_atom(k, "KEYWORD") || imap_arg_is_atom(k, "UNKEYWORD")) {
		if (i >= n || imap_arg_get_atom(&a[i], &str) == -1)
			return bad(P, "Invalid keyword");
		if (node_new(P, SK_KEYWORD, &idx) == -1)
			return -1;
		kw = md_keyword_index(P->s->f, str, 0);
		P->n[idx].kw = kw >= 0 ? kw : -1;
		/* Maildir's P (passed) is served as $Forwarded */
		if (strcasecmp(str, "$Forwarded") == 0)
			P->n[idx].letter = MD_FLAG_PASSED;
		if (imap_arg_is_atom(k, "UNKEYWORD") &&
		    negate(P, idx, &idx) == -1)
			return -1;
		*ip = i + 1;
		*idx_r = idx;
		return 0;
	}
	if (imap_arg_is_atom(k, "UID")) {
		if (i >= n || !is_seqset_atom(&a[i]))
			return bad(P, "Invalid UID set");
		if (parse_set(P, &a[i], 1, idx_r) == -1)
			return -1;
		*ip = i + 1;
		return 0;
	}
	if (imap_arg_is_atom(k, "NOT")) {
		if (i >= n)
			return bad(P, "NOT needs a search key");
		if (parse_key(P, a, n, &i, depth + 1, &c1) == -1 ||
		    negate(P, c1, idx_r) == -1)
			return -1;
		*ip = i;
		return 0;
	}
	if (imap_arg_is_atom(k, "OR")) {
		if (i >= n)
			return bad(P, "OR needs two search keys");
		if (parse_key(P, a, n, &i, depth + 1, &c1) == -1)
			return -1;
		if (i >= n)
			return bad(P, "OR needs two search keys");
		if (parse_key(P, a, n, &i, depth + 1, &c2) == -1 ||
		    node_new(P, SK_OR, &idx) == -1)
			return -1;
		P->n[idx].first = c1;
		P->n[c1].next = c2;
		*ip = i;
		*idx_r = idx;
		return 0;
	}
	if (imap_arg_is_atom(k, "MODSEQ")) {
		if (parse_modseq(P, a, n, &i, idx_r) == -1)
			return -1;
		*ip = i;
		return 0;
	}
	return bad(P, "Unknown search key");
}

static void
prog_free(struct sprog *P)
{
	size_t i;

	for (i = 0; i < P->count; i++) {
		seqset_free(&P->n[i].set);
		free(P->n[i].name);
		free(P->n[i].needle);
	}
	free(P->n);
	P->n = NULL;
	P->count = P->cap = 0;
	buf_free(&P->file);
	buf_free(&P->dec);
	buf_free(&P->u8);
	buf_free(&P->fold);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                           */

static int
has_flag(const struct md_msg *m, char c)
{
	return c != 0 && strchr(m->flags, c) != NULL;
}

static int
sent_cmp(const struct sprog *P, const struct snode *k)
{
	if (!P->sent_ok)
		return R_NO;	/* no usable Date: field matches nothing */
	switch (k->type) {
	case SK_SENTBEFORE:
		return P->sent_days < k->days;
	case SK_SENTON:
		return P->sent_days == k->days;
	default:
		return P->sent_days >= k->days;
	}
}

/* Tri-state: R_MAYBE only while content keys are unknown (!content). */
static int
eval(struct sprog *P, size_t idx, size_t vi, const struct md_msg *m,
    int content)
{
	struct snode *k = &P->n[idx];
	struct imap_session *s = P->s;
	size_t c;
	int r, any_maybe;
	int64_t d;

	switch (k->type) {
	case SK_AND:
		any_maybe = 0;
		for (c = k->first; c != NONE; c = P->n[c].next) {
			r = eval(P, c, vi, m, content);
			if (r == R_NO)
				return R_NO;
			if (r == R_MAYBE)
				any_maybe = 1;
		}
		return any_maybe ? R_MAYBE : R_YES;
	case SK_OR:
		any_maybe = 0;
		for (c = k->first; c != NONE; c = P->n[c].next) {
			r = eval(P, c, vi, m, content);
			if (r == R_YES)
				return R_YES;
			if (r == R_MAYBE)
				any_maybe = 1;
		}
		return any_maybe ? R_MAYBE : R_NO;
	case SK_NOT:
		r = eval(P, k->first, vi, m, content);
		return r == R_MAYBE ? R_MAYBE : !r;
	case SK_ALL:
		return R_YES;
	case SK_FLAG:
		return has_flag(m, k->letter);
	case SK_KEYWORD:
		return (k->kw >= 0 && (m->keywords & ((uint64_t)1 << k->kw))) ||
		    has_flag(m, k->letter);
	case SK_RECENT:
		return s->view[vi].recent;
	case SK_NEW:
		return s->view[vi].recent && !has_flag(m, MD_FLAG_SEEN);
	case SK_OLD:
		return !s->view[vi].recent;
	case SK_SET:
		return seqset_contains(k->set, k->uid ? m->uid :
		    (uint32_t)(vi + 1), k->max);
	case SK_SAVED:
		return s->saved != NULL &&
		    seqset_contains(s->saved, m->uid, UINT32_MAX);
	case SK_LARGER:
		return m->vsize > k->num;
	case SK_SMALLER:
		return m->vsize < k->num;
	case SK_BEFORE:
	case SK_ON:
	case SK_SINCE:
		/* INTERNALDATE, disregarding time and timezone: its date
		 * in the server's zone (RFC 3501 sec. 6.4.4). */
		d = date_local_days(m->mtime);
		if (k->type == SK_BEFORE)
			return d < k->days;
		if (k->type == SK_ON)
			return d == k->days;
		return d >= k->days;
	case SK_MODSEQ:
		return m->modseq >= k->num;
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
		return content ? sent_cmp(P, k) : R_MAYBE;
	case SK_HEADER:
	case SK_BODY:
	case SK_TEXT:
		return content ? k->hit : R_MAYBE;
	}
	return R_NO;
}

/* ------------------------------------------------------------------ */
/* Content                                                              */

/* Read the message: all of it up to LB_SEARCH_READ_MAX, or (NEED_HDR)
 * until the blank line that ends the header. */
static int
load(struct sprog *P, size_t vi)
{
	long mi = imap_view_mdindex(P->s, vi);
	size_t want, scan;
	ssize_t r;
	int fd;

	buf_reset(&P->file);
	if (mi < 0 || md_open(P->s->f, (size_t)mi, &fd) != MD_OK)
		return -1;
	for (;;) {
		want = SEARCH_CHUNK;
		if (want > LB_SEARCH_READ_MAX - P->file.len)
			want = LB_SEARCH_READ_MAX - P->file.len;
		if (want == 0 || buf_reserve(&P->file, want) == -1)
			break;
		r = read(fd, P->file.p + P->file.len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		scan = P->file.len > 2 ? P->file.len - 2 : 0;
		P->file.len += (size_t)r;
		if (P->need == NEED_HDR && P->file.len - scan >= 2 &&
		    (memmem(P->file.p + scan, P->file.len - scan, "\n\n",
		    2) != NULL || memmem(P->file.p + scan,
		    P->file.len - scan, "\n\r\n", 3) != NULL))
			break;
		if (scan == 0 && P->need == NEED_HDR && P->file.len >= 1 &&
		    (P->file.p[0] == '\n' || P->file.p[0] == '\r'))
			break;
	}
	close(fd);
	return 0;
}

/* Test the BODY/TEXT needles (text only: TEXT) on the folded text. */
static void
match_text(struct sprog *P, const char *f, size_t fl, int text_only)
{
	size_t i;
	struct snode *k;

	for (i = 0; i < P->count && P->text_left > 0; i++) {
		k = &P->n[i];
		if (k->hit || (k->type != SK_TEXT &&
		    (text_only || k->type != SK_BODY)))
			continue;
		if (utf8_ci_contains(f, fl, k->needle, k->nl)) {
			k->hit = 1;
			P->text_left--;
		}
	}
}

/* Is field fn worth decoding: for an unhit HEADER key or TEXT key (top),
 * for any unhit BODY or TEXT key (attached message)? */
static int
field_wanted(struct sprog *P, const struct mime_str *fn, int top)
{
	size_t i;

	if (!top)
		return P->text_left > 0;
	if (P->text_left > 0)
		for (i = 0; i < P->count; i++)
			if (P->n[i].type == SK_TEXT && !P->n[i].hit)
				return 1;
	for (i = 0; i < P->count; i++)
		if (P->n[i].type == SK_HEADER && !P->n[i].hit &&
		    mime_name_eq(fn, P->n[i].name))
			return 1;
	return 0;
}

/*
 * The fields of a header.  top: the message's own header (HEADER keys,
 * Date: and TEXT); else the header of an attached message/rfc822, which
 * is part of the body (BODY and TEXT).  Each field is searched as "name:
 * decoded value"; HEADER keys see only the value.
 */
static void
scan_header(struct sprog *P, const char *hdr, size_t len, int top)
{
	struct mime_hdr_iter it;
	struct mime_field f;
	struct date_tm tm;
	size_t nf = 0, vo, vlen, i;
	int date_seen = 0;
	struct snode *k;

	mime_hdr_init(&it, hdr, len);
	while (nf++ < LB_MIME_FIELDS_MAX && mime_hdr_next(&it, &f)) {
		vlen = f.value.len;
		if (vlen > LB_MIME_FIELD_MAX)
			vlen = LB_MIME_FIELD_MAX;
		if (top && !date_seen && mime_name_eq(&f.name, "Date")) {
			date_seen = 1;
			if (date_parse_rfc5322(f.value.p, vlen, &tm) == 0) {
				/* the date as written: time and zone
				 * disregarded (RFC 3501 sec. 6.4.4) */
				P->sent_ok = 1;
				P->sent_days = date_days(tm.year, tm.mon,
				    tm.mday);
			}
		}
		if (!field_wanted(P, &f.name, top))
			continue;
		buf_reset(&P->u8);
		buf_reset(&P->fold);
		if (buf_append(&P->u8, f.name.p, f.name.len) == -1 ||
		    buf_puts(&P->u8, ": ") == -1 ||
		    utf8_casefold(P->u8.p, P->u8.len, &P->fold) == -1)
			continue;
		vo = P->fold.len;
		buf_reset(&P->u8);
		/* On E2BIG the buffers hold a prefix: search that. */
		(void)rfc2047_decode(f.value.p, vlen, -1, &P->u8);
		(void)utf8_casefold(P->u8.p, P->u8.len, &P->fold);
		for (i = 0; top && i < P->count; i++) {
			k = &P->n[i];
			if (k->type != SK_HEADER || k->hit ||
			    !mime_name_eq(&f.name, k->name))
				continue;
			/* RFC 3501: an empty string matches every message
			 * that has the field. */
			if (utf8_ci_contains(P->fold.p + vo, P->fold.len - vo,
			    k->needle, k->nl))
				k->hit = 1;
		}
		match_text(P, P->fold.p, P->fold.len, top);
	}
}

/* Convert, fold and match dec[0..cut); keep a tail of the folded text so
 * that a needle across two chunks is found. */
static void
flush_text(struct sprog *P, int cs, size_t cut)
{
	size_t keep;
	int c = cs;

	if (cut == 0)
		return;
	if (c < 0)
		c = utf8_valid(P->dec.p, cut) ? CHARSET_UTF8 :
		    CHARSET_ISO8859_1;
	buf_reset(&P->u8);
	(void)charset_to_utf8(c, P->dec.p, cut, &P->u8);
	(void)utf8_casefold(P->u8.p, P->u8.len, &P->fold);
	match_text(P, P->fold.p, P->fold.len, 0);
	keep = P->maxnl > 0 ? P->maxnl - 1 : 0;
	if (P->fold.len > keep)
		buf_consume(&P->fold, P->fold.len - keep);
	buf_consume(&P->dec, cut);
}

/* Where to cut the decoded text: after its last line break; a line
 * longer than SEARCH_LINE_MAX is cut anyway (in UTF-8, not inside a
 * character).  0: wait for more. */
static size_t
cut_point(const struct buf *d, int cs, int final)
{
	const char *lf;
	size_t cut, i, n = 0;
	unsigned char lead;

	if (final || d->len == 0)
		return d->len;
	if ((lf = memrchr(d->p, '\n', d->len)) != NULL)
		return (size_t)(lf - d->p) + 1;
	if (d->len < SEARCH_LINE_MAX)
		return 0;
	cut = d->len;
	if (cs >= 0 && cs != CHARSET_UTF8)
		return cut;
	i = d->len;
	while (i > 0 && n < 3 && ((unsigned char)d->p[i - 1] & 0xC0) == 0x80) {
		i--;
		n++;
	}
	if (i > 0 && ((lead = (unsigned char)d->p[i - 1]) & 0x80)) {
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

		if (d->len - (i - 1) < need)
			cut = i - 1;
	}
	return cut;
}

enum { ENC_NONE, ENC_B64, ENC_QP };

/* One text leaf (text/plain, text/html...): decode, convert and match in chunks. */
static void
scan_part(struct sprog *P, const struct mime_part *p, const char *data)
{
	const struct mime_param *cp;
	struct b64_state b64;
	struct qp_state qp;
	const char *body = data + p->body_off;
	size_t off = 0, k;
	int enc = ENC_NONE, cs = -1, r = 0;

	if (p->encoding.p != NULL && p->encoding.len == 6 &&
	    memcmp(p->encoding.p, "base64", 6) == 0)
		enc = ENC_B64;
	else if (p->encoding.p != NULL && p->encoding.len == 16 &&
	    memcmp(p->encoding.p, "quoted-printable", 16) == 0)
		enc = ENC_QP;
	if ((cp = mime_param(p, "charset")) != NULL && cp->value.p != NULL &&
	    (cs = charset_lookup(cp->value.p, cp->value.len)) == CHARSET_ASCII)
		cs = -1;	/* undeclared 8-bit is mostly UTF-8 */
	b64_decode_init(&b64);
	qp_decode_init(&qp);
	buf_reset(&P->dec);
	buf_reset(&P->fold);
	while (off < p->body_len && P->text_left > 0 && r == 0) {
		k = p->body_len - off;
		if (k > SEARCH_CHUNK)
			k = SEARCH_CHUNK;
		if (enc == ENC_B64)
			r = b64_decode_update(&b64, body + off, k, &P->dec);
		else if (enc == ENC_QP)
			r = qp_decode_update(&qp, body + off, k, &P->dec);
		else
			r = buf_append(&P->dec, body + off, k);
		off += k;
		flush_text(P, cs, cut_point(&P->dec, cs, 0));
	}
	if (P->text_left == 0)
		return;
	if (enc == ENC_B64)
		(void)b64_decode_final(&b64, &P->dec);
	else if (enc == ENC_QP)
		(void)qp_decode_final(&qp, &P->dec);
	flush_text(P, cs, cut_point(&P->dec, cs, 1));
}

static int
is_text_leaf(const struct mime_part *p)
{
	return p->kind == MIME_LEAF && !(p->flags & MIME_F_OPAQUE) &&
	    p->type.len == 4 && memcmp(p->type.p, "text", 4) == 0;
}

/* Compute every content key for the message in P->file. */
static int
scan(struct sprog *P)
{
	struct mime_msg *mm = NULL;
	const struct mime_part *root, *p;
	const char *data = P->file.p;
	size_t i;

	P->sent_ok = 0;
	P->text_left = P->ntext;
	for (i = 0; i < P->count; i++) {
		P->n[i].hit = 0;
		/* every text contains the empty string */
		if ((P->n[i].type == SK_BODY || P->n[i].type == SK_TEXT) &&
		    P->n[i].nl == 0) {
			P->n[i].hit = 1;
			P->text_left--;
		}
	}
	if (P->need < NEED_FULL) {
		scan_header(P, data, P->file.len, 1);
		return 0;
	}
	if (mime_parse(data, P->file.len, &mm) == -1)
		return -1;
	root = mime_root(mm);
	scan_header(P, data + root->hdr_off, root->hdr_len, 1);
	/* Depth first without recursion: child, else next sibling, else
	 * the next sibling of the nearest ancestor that has one. */
	p = root;
	while (p != NULL && P->text_left > 0) {
		if (p != root && (p->flags & MIME_F_ISMSG))
			scan_header(P, data + p->hdr_off, p->hdr_len, 0);
		if (is_text_leaf(p))
			scan_part(P, p, data);
		if (p->child != NULL) {
			p = p->child;
			continue;
		}
		while (p != NULL && p != root && p->next == NULL)
			p = p->parent;
		p = (p == NULL || p == root) ? NULL : p->next;
	}
	mime_free(&mm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The search                                                           */

enum imap_result
imap_search_select(struct imap_session *s, const struct imap_arg *args,
    size_t nargs, int charset, size_t **vis_r, size_t *n_r,
    uint64_t *modseq_r)
{
	struct sprog P;
	const struct md_msg *m;
	size_t vi, *vis = NULL, n = 0, cap = 0, *nv;
	uint64_t hm = 0;
	int r;

	*vis_r = NULL;
	*n_r = 0;
	if (modseq_r != NULL)
		*modseq_r = 0;
	memset(&P, 0, sizeof(P));
	P.s = s;
	P.cs = charset;
	P.rc = IMAP_BAD;
	if (s->f == NULL) {
		imap_resp(s, NULL, "No mailbox selected");
		return IMAP_BAD;
	}
	if (nargs == 0) {
		imap_resp(s, NULL, "Missing search keys");
		return IMAP_BAD;
	}
	if (parse_list(&P, args, nargs, 0, &P.root) == -1) {
		prog_free(&P);
		return P.rc;
	}
	buf_init(&P.file, LB_SEARCH_READ_MAX);
	buf_init(&P.dec, SEARCH_DEC_MAX);
	buf_init(&P.u8, SEARCH_U8_MAX);
	buf_init(&P.fold, SEARCH_FOLD_MAX);

	if (P.modseq && !s->condstore) {
		/* A MODSEQ key enables CONDSTORE (RFC 7162 sec. 3.1). */
		s->condstore = 1;
		(void)imap_printf(s, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		    (unsigned long long)md_highestmodseq(s->f));
	}
	for (vi = 0; vi < s->nview; vi++) {
		/* Messages expunged elsewhere never match. */
		if ((m = imap_view_msg(s, vi)) == NULL)
			continue;
		r = eval(&P, P.root, vi, m, 0);
		if (r == R_MAYBE) {
			if (load(&P, vi) == -1 ||
			    (m = imap_view_msg(s, vi)) == NULL ||
			    scan(&P) == -1)
				continue;	/* unreadable: no match */
			r = eval(&P, P.root, vi, m, 1);
		}
		if (r != R_YES)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(vis, cap, sizeof(*vis))) == NULL) {
				free(vis);
				prog_free(&P);
				imap_resp(s, "SERVERBUG", "Out of memory");
				return IMAP_NO;
			}
			vis = nv;
		}
		vis[n++] = vi;
		if (m->modseq > hm)
			hm = m->modseq;
	}
	if (modseq_r != NULL && P.modseq)
		*modseq_r = hm;
	prog_free(&P);
	*vis_r = vis;
	*n_r = n;
	return IMAP_OK;
}

/* ------------------------------------------------------------------ */
/* The command                                                          */

#define RET_MIN		0x01
#define RET_MAX		0x02
#define RET_ALL		0x04
#define RET_COUNT	0x08
#define RET_SAVE	0x10

/* Append the numbers of vis[0..n) (UIDs if uid) as a compressed
 * sequence set to out, writing out to the client past 64 KiB. */
static int
put_set(struct imap_session *s, const size_t *vis, size_t n, int uid,
    struct buf *out)
{
	size_t i = 0, j;
	uint32_t a, b;

	while (i < n) {
		a = uid ? s->view[vis[i]].uid : (uint32_t)(vis[i] + 1);
		b = a;
		for (j = i + 1; j < n; j++) {
			uint32_t c = uid ? s->view[vis[j]].uid :
			    (uint32_t)(vis[j] + 1);

			if (c != b + 1)
				break;
			b = c;
		}
		if (i > 0 && buf_putc(out, ',') == -1)
			return -1;
		if ((a == b ? buf_printf(out, "%u", a) :
		    buf_printf(out, "%u:%u", a, b)) == -1)
			return -1;
		if (out->len > 65536) {
			if (imap_write(s, out->p, out->len) == -1)
				return -1;
			buf_reset(out);
		}
		i = j;
	}
	return 0;
}

/* The saved result (UIDs), built from pieces that seqset_parse() takes
 * (a line at most) and merged pairwise, so a large result costs
 * O(n log^2 n) rather than a sort per range. */
static struct seqset *
make_saved(struct imap_session *s, const size_t *vis, size_t n)
{
	struct seqset **parts = NULL, **np, *set;
	size_t nparts = 0, cap = 0, i = 0, j, step;
	struct buf b;

	buf_init(&b, LB_IMAP_LINE_MAX);
	while (i < n) {
		buf_reset(&b);
		j = i;
		/* at most 11 bytes per UID: stay well below the bound */
		while (j < n && b.len < LB_IMAP_LINE_MAX - 64) {
			if (j > i && buf_putc(&b, ',') == -1)
				break;
			if (buf_printf(&b, "%u", s->view[vis[j]].uid) == -1)
				break;
			j++;
		}
		if (nparts == cap) {
			cap = cap ? 2 * cap : 8;
			/* An array of pointers: sizeof(*np) is meant. */
			/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
			if ((np = reallocarray(parts, cap, sizeof(*np))) ==
			    NULL)
				goto fail;
			parts = np;
		}
		if (seqset_parse(b.p, b.len, 0, &parts[nparts]) == -1)
			goto fail;
		nparts++;
		i = j;
	}
	for (step = 1; step < nparts; step *= 2)
		for (i = 0; i + step < nparts; i += 2 * step) {
			if (seqset_merge(parts[i], parts[i + step]) == -1)
				goto fail;
			seqset_free(&parts[i + step]);
		}
	set = nparts > 0 ? parts[0] : seqset_new();
	free(parts);
	buf_free(&b);
	return set;
fail:
	for (i = 0; i < nparts; i++)
		seqset_free(&parts[i]);
	free(parts);
	buf_free(&b);
	return NULL;
}

/* The larger of cur and view index vi's MODSEQ. */
static uint64_t
vis_modseq(struct imap_session *s, size_t vi, uint64_t cur)
{
	const struct md_msg *m = imap_view_msg(s, vi);

	return m != NULL && m->modseq > cur ? m->modseq : cur;
}

static void
set_saved(struct imap_session *s, struct seqset *set)
{
	seqset_free(&s->saved);
	s->saved = set;
}

/* BADCHARSET lists what charset.c converts, as much as fits the code. */
static void
badcharset(struct imap_session *s)
{
	static const int first[] = {
		CHARSET_UTF8, CHARSET_ASCII, CHARSET_KOI8R, CHARSET_WIN1251,
		CHARSET_ISO8859_1, CHARSET_WIN1252, CHARSET_ISO8859_2,
		CHARSET_ISO8859_5, CHARSET_ISO8859_15, CHARSET_KOI8U,
	};
	char code[sizeof(s->code)];
	const char *nm;
	size_t len, i, j, k;
	int id, dup;

	len = (size_t)snprintf(code, sizeof(code), "BADCHARSET (");
	for (i = 0; i < sizeof(first) / sizeof(first[0]) + CHARSET_COUNT;
	    i++) {
		id = i < sizeof(first) / sizeof(first[0]) ? first[i] :
		    (int)(i - sizeof(first) / sizeof(first[0]));
		dup = 0;
		for (j = 0; j < sizeof(first) / sizeof(first[0]) &&
		    i >= sizeof(first) / sizeof(first[0]); j++)
			if (first[j] == id)
				dup = 1;
		if (dup || id == CHARSET_UTF7 ||
		    (nm = charset_name(id)) == NULL)
			continue;
		if (len + strlen(nm) + 3 > sizeof(code))
			break;
		if (code[len - 1] != '(')
			code[len++] = ' ';
		for (k = 0; nm[k] != '\0'; k++)
			code[len++] = (nm[k] >= 'a' && nm[k] <= 'z') ?
			    (char)(nm[k] - 32) : nm[k];
	}
	code[len++] = ')';
	code[len] = '\0';
	imap_resp(s, code, "Unsupported charset");
}

enum imap_result
imap_cmd_search(struct imap_session *s, const struct imap_arg *args,
    size_t nargs, int uid)
{
	const struct imap_arg *list;
	size_t i = 0, count, j, *vis = NULL, n = 0;
	unsigned ret = 0;
	int esearch = 0, cs = -1;
	const char *str, *tag;
	uint64_t hm = 0;
	enum imap_result r;
	struct seqset *set;
	struct buf out;

	/* search-return-opts (RFC 4466 sec. 2.6) */
	if (i < nargs && imap_arg_is_atom(&args[i], "RETURN")) {
		if (i + 1 >= nargs ||
		    imap_arg_get_list(&args[i + 1], &list, &count) == -1)
			return imap_resp(s, NULL, "RETURN needs a list"),
			    IMAP_BAD;
		for (j = 0; j < count; j++) {
			if (imap_arg_is_atom(&list[j], "MIN"))
				ret |= RET_MIN;
			else if (imap_arg_is_atom(&list[j], "MAX"))
				ret |= RET_MAX;
			else if (imap_arg_is_atom(&list[j], "ALL"))
				ret |= RET_ALL;
			else if (imap_arg_is_atom(&list[j], "COUNT"))
				ret |= RET_COUNT;
			else if (imap_arg_is_atom(&list[j], "SAVE"))
				ret |= RET_SAVE;
			else
				return imap_resp(s, NULL, "Unknown RETURN "
				    "option"), IMAP_BAD;
		}
		if (ret == 0)
			ret = RET_ALL;	/* RFC 4731 sec. 3.1: () is (ALL) */
		esearch = 1;
		i += 2;
	}
	if (i < nargs && imap_arg_is_atom(&args[i], "CHARSET")) {
		size_t len;

		if (i + 1 >= nargs ||
		    imap_arg_get_astring(&args[i + 1], &str, &len) == -1)
			return imap_resp(s, NULL, "Invalid CHARSET"), IMAP_BAD;
		cs = charset_lookup(str, len);
		if (s->utf8 && cs != CHARSET_UTF8)
			/* RFC 6855 sec. 3 */
			return imap_resp(s, NULL, "CHARSET conflicts with "
			    "UTF8=ACCEPT"), IMAP_BAD;
		if (cs < 0) {
			badcharset(s);
			if (ret & RET_SAVE)	/* RFC 5182 sec. 2.1 */
				set_saved(s, seqset_new());
			return IMAP_NO;
		}
		i += 2;
	}
	r = imap_search_select(s, args + i, nargs - i, cs, &vis, &n, &hm);
	if (r != IMAP_OK) {
		if (r == IMAP_NO && (ret & RET_SAVE))
			set_saved(s, seqset_new());
		return r;
	}

	buf_init(&out, 2 * 65536 + 1024);
	if (!esearch) {
		(void)buf_puts(&out, "* SEARCH");
		for (j = 0; j < n; j++) {
			(void)buf_printf(&out, " %u", uid ?
			    s->view[vis[j]].uid : (unsigned)(vis[j] + 1));
			if (out.len > 65536) {
				(void)imap_write(s, out.p, out.len);
				buf_reset(&out);
			}
		}
		/* RFC 7162 sec. 3.1.5: only for a non-empty result */
		if (hm > 0 && n > 0)
			(void)buf_printf(&out, " (MODSEQ %llu)",
			    (unsigned long long)hm);
		(void)buf_puts(&out, "\r\n");
	} else if (ret != RET_SAVE) {
		tag = imap_parse_tag(s->parser);
		(void)buf_puts(&out, "* ESEARCH (TAG ");
		(void)imap_put_string(&out, tag ? tag : "", tag ?
		    strlen(tag) : 0);
		(void)buf_putc(&out, ')');
		if (uid)
			(void)buf_puts(&out, " UID");
		if (n > 0 && (ret & RET_MIN))
			(void)buf_printf(&out, " MIN %u", uid ?
			    s->view[vis[0]].uid : (unsigned)(vis[0] + 1));
		if (n > 0 && (ret & RET_MAX))
			(void)buf_printf(&out, " MAX %u", uid ?
			    s->view[vis[n - 1]].uid : (unsigned)(vis[n - 1] + 1));
		if (ret & RET_COUNT)
			(void)buf_printf(&out, " COUNT %zu", n);
		if (n > 0 && (ret & RET_ALL)) {
			(void)buf_puts(&out, " ALL ");
			(void)put_set(s, vis, n, uid, &out);
		}
		if (n > 0 && hm > 0) {
			/* RFC 4731 sec. 3.2: MIN and/or MAX alone report
			 * the MODSEQ of their own messages */
			if (!(ret & (RET_ALL | RET_COUNT)) &&
			    (ret & (RET_MIN | RET_MAX))) {
				hm = 0;
				if (ret & RET_MIN)
					hm = vis_modseq(s, vis[0], hm);
				if (ret & RET_MAX)
					hm = vis_modseq(s, vis[n - 1], hm);
			}
			(void)buf_printf(&out, " MODSEQ %llu",
			    (unsigned long long)hm);
		}
		(void)buf_puts(&out, "\r\n");
	}
	if (out.len > 0)
		(void)imap_write(s, out.p, out.len);
	buf_free(&out);

	if (ret & RET_SAVE) {
		/* RFC 5182 sec. 2.4: with MIN and/or MAX only, "$" holds
		 * just those */
		if (n > 0 && !(ret & (RET_ALL | RET_COUNT)) &&
		    (ret & (RET_MIN | RET_MAX))) {
			size_t pick[2], np = 0;

			if (ret & RET_MIN)
				pick[np++] = vis[0];
			if ((ret & RET_MAX) && (np == 0 || vis[n - 1] != vis[0]))
				pick[np++] = vis[n - 1];
			set = make_saved(s, pick, np);
		} else
			set = make_saved(s, vis, n);
		if (set == NULL) {
			free(vis);
			set_saved(s, seqset_new());
			return imap_resp(s, "SERVERBUG", "Out of memory"),
			    IMAP_NO;
		}
		set_saved(s, set);
	}
	free(vis);
	imap_resp(s, NULL, "%s completed (%zu %s)", uid ? "UID SEARCH" :
	    "SEARCH", n, n == 1 ? "match" : "matches");
	return IMAP_OK;
}
