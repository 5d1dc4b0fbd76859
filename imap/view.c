/*
 * imap/view.c -- the IMAP core's shared helpers (see imapd.h): responses,
 * flag lists, and the client's view of the selected mailbox (message
 * numbers, untagged updates, sequence sets).  Runs in the session child
 * (the user's ids, chrooted into the Maildir, seccomp).
 *
 * Untagged updates and RFC 3501 sec. 7.4.1.  The client's message numbers
 * change only when we send EXPUNGE, which we may not do while a FETCH,
 * STORE or SEARCH (by number) runs.  So the session keeps its own list of
 * the UIDs it has announced (s->view); imap_sync() compares it with the
 * Maildir engine's after each command and reports new messages (EXISTS,
 * RECENT), flag changes made by others (FETCH) and, where allowed,
 * expunges (EXPUNGE, highest number first so that every number sent is
 * right when the client reads it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "imap/imapd.h"

/* ------------------------------------------------------------------ */
/* Output                                                               */

void
imap_resp(struct imap_session *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	(void)snprintf(s->code, sizeof(s->code), "%s", code ? code : "");
	va_start(ap, fmt);
	(void)vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
}

int
imap_write(struct imap_session *s, const void *p, size_t n)
{
	return io_write(s->io, p, n);
}

int
imap_printf(struct imap_session *s, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int r;

	buf_init(&b, LB_OUTBUF_MAX);
	va_start(ap, fmt);
	r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = io_write(s->io, b.p, b.len);
	buf_free(&b);
	return r;
}

/* System flag letters and their IMAP names, in the order we list them. */
const struct imap_sysflag imap_sysflags[IMAP_NSYSFLAGS] = {
	{ 'R', "\\Answered" },
	{ 'F', "\\Flagged" },
	{ 'T', "\\Deleted" },
	{ 'S', "\\Seen" },
	{ 'D', "\\Draft" },
	{ 'P', "$Forwarded" },	/* Maildir "passed"; a keyword in IMAP */
};

int
imap_flags_format(const struct imap_session *s, const char *flags,
    uint64_t keywords, int recent, struct buf *out)
{
	size_t i, n = 0;
	unsigned k;
	const char *kw;

	if (buf_putc(out, '(') == -1)
		return -1;
	for (i = 0; i < IMAP_NSYSFLAGS; i++) {
		if (strchr(flags, imap_sysflags[i].letter) == NULL)
			continue;
		if ((n++ > 0 && buf_putc(out, ' ') == -1) ||
		    buf_puts(out, imap_sysflags[i].name) == -1)
			return -1;
	}
	if (recent && ((n++ > 0 && buf_putc(out, ' ') == -1) ||
	    buf_puts(out, "\\Recent") == -1))
		return -1;
	for (k = 0; k < 64 && s->f != NULL; k++) {
		if (!(keywords & ((uint64_t)1 << k)) ||
		    (kw = md_keyword(s->f, k)) == NULL)
			continue;
		if ((n++ > 0 && buf_putc(out, ' ') == -1) ||
		    buf_puts(out, kw) == -1)
			return -1;
	}
	return buf_putc(out, ')');
}

/* ------------------------------------------------------------------ */
/* The view of the selected mailbox                                     */

const struct md_msg *
imap_view_msg(struct imap_session *s, size_t vi)
{
	long i = imap_view_mdindex(s, vi);

	return i < 0 ? NULL : md_get(s->f, (size_t)i);
}

long
imap_view_mdindex(struct imap_session *s, size_t vi)
{
	if (s->f == NULL || vi >= s->nview || s->view[vi].gone)
		return -1;
	return md_find_uid(s->f, s->view[vi].uid);
}

void
imap_view_told(struct imap_session *s, size_t vi)
{
	const struct md_msg *m = imap_view_msg(s, vi);

	if (m == NULL)
		return;
	(void)snprintf(s->view[vi].flags, sizeof(s->view[vi].flags), "%s",
	    m->flags);
	s->view[vi].keywords = m->keywords;
	s->view[vi].modseq = m->modseq;
}

int
imap_view_grow(struct imap_session *s, size_t need)
{
	struct imap_vmsg *nv;
	size_t ncap;

	if (need <= s->capview)
		return 0;
	ncap = s->capview ? s->capview : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > LB_FOLDER_MSGS_MAX + 1)
		ncap = LB_FOLDER_MSGS_MAX + 1;
	if (need > ncap ||
	    (nv = reallocarray(s->view, ncap, sizeof(*nv))) == NULL)
		return -1;
	s->view = nv;
	s->capview = ncap;
	return 0;
}

void
imap_view_set(struct imap_vmsg *v, const struct md_msg *m)
{
	memset(v, 0, sizeof(*v));
	v->uid = m->uid;
	v->modseq = m->modseq;
	v->keywords = m->keywords;
	(void)snprintf(v->flags, sizeof(v->flags), "%s", m->flags);
	v->recent = m->recent ? 1 : 0;
}

size_t
imap_view_recent(const struct imap_session *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nview; i++)
		n += s->view[i].recent;
	return n;
}

/* "* n FETCH (FLAGS (...) [UID u] [MODSEQ (m)])" for view index vi. */
static int
imap_send_flags(struct imap_session *s, size_t vi, int with_uid)
{
	const struct imap_vmsg *v = &s->view[vi];
	struct buf b;
	int r;

	buf_init(&b, LB_OUTBUF_MAX);
	r = buf_printf(&b, "* %zu FETCH (FLAGS ", vi + 1);
	if (r == 0)
		r = imap_flags_format(s, v->flags, v->keywords, v->recent, &b);
	if (r == 0 && with_uid)
		r = buf_printf(&b, " UID %u", v->uid);
	if (r == 0 && s->condstore)
		r = buf_printf(&b, " MODSEQ (%llu)",
		    (unsigned long long)v->modseq);
	if (r == 0)
		r = buf_puts(&b, ")\r\n");
	if (r == 0)
		r = io_write(s->io, b.p, b.len);
	buf_free(&b);
	return r;
}

int
imap_sync(struct imap_session *s, int allow_expunge)
{
	uint32_t uidv, lastuid;
	size_t vi, j, mdn, old, w;
	const struct md_msg *m;
	int rc;

	if (s->f == NULL)
		return 0;
	uidv = md_uidvalidity(s->f);
	if ((rc = md_sync(s->f, NULL)) != MD_OK) {
		/* A lock held too long or an I/O error: keep the old view
		 * and try again after the next command. */
		log_warnx("user=%s sync %s: %s", s->user, s->folder,
		    md_strerror(rc));
		return 0;
	}
	if (md_uidvalidity(s->f) != uidv)
		return -1;
	/* Walk both lists in UID order. */
	mdn = md_count(s->f);
	for (vi = 0, j = 0; vi < s->nview; vi++) {
		struct imap_vmsg *v = &s->view[vi];

		if (v->gone)
			continue;
		while (j < mdn && md_get(s->f, j)->uid < v->uid)
			j++;
		if (j == mdn || (m = md_get(s->f, j))->uid != v->uid) {
			v->gone = 1;
			continue;
		}
		if (strcmp(v->flags, m->flags) != 0 ||
		    v->keywords != m->keywords ||
		    (s->condstore && v->modseq != m->modseq)) {
			(void)snprintf(v->flags, sizeof(v->flags), "%s",
			    m->flags);
			v->keywords = m->keywords;
			v->modseq = m->modseq;
			(void)imap_send_flags(s, vi, 1);
		}
	}
	if (allow_expunge) {
		for (vi = s->nview; vi-- > 0;)
			if (s->view[vi].gone)
				(void)imap_printf(s, "* %zu EXPUNGE\r\n", vi + 1);
		for (vi = 0, w = 0; vi < s->nview; vi++)
			if (!s->view[vi].gone)
				s->view[w++] = s->view[vi];
		s->nview = w;
	}
	/* New messages: every UID above the last one we announced. */
	old = s->nview;
	lastuid = s->nview ? s->view[s->nview - 1].uid : 0;
	for (j = 0; j < mdn; j++) {
		m = md_get(s->f, j);
		if (m->uid <= lastuid)
			continue;
		if (imap_view_grow(s, s->nview + 1) == -1) {
			log_err("user=%s view of %s: out of memory", s->user,
			    s->folder);
			break;
		}
		imap_view_set(&s->view[s->nview++], m);
	}
	if (s->nview != old) {
		(void)imap_printf(s, "* %zu EXISTS\r\n", s->nview);
		(void)imap_printf(s, "* %zu RECENT\r\n", imap_view_recent(s));
	}
	return 0;
}

/* Binary search: first view index whose UID is >= uid. */
static size_t
imap_view_lower(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = s->nview, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->view[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
imap_seq_resolve(struct imap_session *s, const struct imap_arg *arg,
    int uid, size_t **vis_r, size_t *n_r)
{
	struct seqset *set = NULL;
	struct seqset_iter it;
	size_t *vis = NULL, n = 0, cap = 0, vi, k;
	uint32_t lo, hi, max;
	const char *str;

	*vis_r = NULL;
	*n_r = 0;
	/* Not imap_arg_get_atom(): "*" is no ATOM-CHAR, but "1:*" is one
	 * atom on the wire; seqset_parse() judges the syntax. */
	if (arg == NULL || arg->type != IMAP_ARG_ATOM || arg->str == NULL ||
	    (str = arg->str, seqset_parse(str, arg->len, SEQSET_ALLOW_DOLLAR,
	    &set) == -1)) {
		imap_resp(s, NULL, "Invalid sequence set");
		return -1;
	}
	if (seqset_has_dollar(set)) {
		/* "$" is the saved search result, kept as UIDs (RFC 5182
		 * sec. 2.1); it names the same messages in FETCH and in
		 * UID FETCH.  An empty or missing result names nothing. */
		seqset_free(&set);
		if (s->saved == NULL || s->nview == 0)
			return 0;
		for (vi = 0; vi < s->nview; vi++) {
			if (!seqset_contains(s->saved, s->view[vi].uid,
			    s->view[s->nview - 1].uid))
				continue;
			if (n == cap) {
				size_t *nv;

				cap = cap ? cap * 2 : 64;
				if ((nv = reallocarray(vis, cap,
				    sizeof(*vis))) == NULL) {
					free(vis);
					imap_resp(s, "SERVERBUG", "Out of memory");
					return -1;
				}
				vis = nv;
			}
			vis[n++] = vi;
		}
		*vis_r = vis;
		*n_r = n;
		return 0;
	}
	if (uid)
		max = s->nview ? s->view[s->nview - 1].uid : 0;
	else {
		max = (uint32_t)s->nview;
		/* RFC 3501 sec. 9: a number above the message count is
		 * invalid; "*" alone in an empty mailbox names nothing. */
		if (seqset_highest(set) > max) {
			seqset_free(&set);
			imap_resp(s, NULL, "Invalid message sequence number "
			    "(the mailbox has %zu messages)", s->nview);
			return -1;
		}
	}
	seqset_iter_init(&it, set, max);
	while (max > 0 && seqset_iter_next(&it, &lo, &hi)) {
		if (uid) {
			vi = imap_view_lower(s, lo);
			k = imap_view_lower(s, hi == UINT32_MAX ? hi : hi + 1);
			if (hi == UINT32_MAX)
				k = s->nview;
		} else {
			vi = lo - 1;
			k = hi;
		}
		for (; vi < k; vi++) {
			if (n == cap) {
				size_t *nv;

				cap = cap ? cap * 2 : 64;
				if ((nv = reallocarray(vis, cap,
				    sizeof(*vis))) == NULL) {
					free(vis);
					seqset_free(&set);
					imap_resp(s, "SERVERBUG", "Out of memory");
					return -1;
				}
				vis = nv;
			}
			vis[n++] = vi;
		}
	}
	seqset_free(&set);
	*vis_r = vis;
	*n_r = n;
	return 0;
}

