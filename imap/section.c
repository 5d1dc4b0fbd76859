/*
 * imap/section.c -- FETCH BODY[section]<partial> (RFC 3501 sec. 6.4.5):
 * which bytes a section names, and their CRLF form.  Runs in the session
 * child.  Sections are resolved on the tree of common/mime.c; big bodies
 * are copied window by window from the stored bytes, never converted
 * whole.
 */
#include <string.h>
#include <strings.h>

#include "common/num.h"
#include "imap/section.h"

static int
kw(const char *s, size_t len, const char *k)
{
	return len == strlen(k) && strncasecmp(s, k, len) == 0;
}

int
imap_section_parse(const char *s, size_t len, struct imap_section *sec)
{
	size_t i = 0, d;
	uint64_t v;

	memset(sec, 0, sizeof(*sec));
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		/* nz-number */
		if (s[i] == '0' || sec->npart == LB_IMAP_SECTION_PARTS_MAX)
			return -1;
		d = num_scan_u64(s + i, s + len, UINT32_MAX, &v);
		if (d == 0)
			return -1;
		sec->part[sec->npart++] = (uint32_t)v;
		i += d;
		if (i == len)
			return 0;
		if (s[i] != '.' || ++i == len)
			return -1;
	}
	s += i;
	len -= i;
	if (len == 0)
		sec->spec = IMAP_SECT_NONE;
	else if (kw(s, len, "HEADER"))
		sec->spec = IMAP_SECT_HEADER;
	else if (kw(s, len, "HEADER.FIELDS"))
		sec->spec = IMAP_SECT_FIELDS;
	else if (kw(s, len, "HEADER.FIELDS.NOT"))
		sec->spec = IMAP_SECT_FIELDS_NOT;
	else if (kw(s, len, "TEXT"))
		sec->spec = IMAP_SECT_TEXT;
	else if (kw(s, len, "MIME") && sec->npart > 0)
		sec->spec = IMAP_SECT_MIME;
	else
		return -1;
	return 0;
}

static const struct mime_part *
nth_child(const struct mime_part *p, uint32_t n)
{
	const struct mime_part *c;

	if (n == 0 || n > p->nchildren)
		return NULL;
	for (c = p->child; c != NULL && --n > 0; c = c->next)
		;
	return c;
}

/* Walk the part numbers.  *msgctx_r: the result is a message taken as a
 * whole (no number yet), not a numbered part. */
static const struct mime_part *
walk(const struct mime_msg *m, const struct imap_section *sec,
    int *msgctx_r)
{
	const struct mime_part *p = mime_root(m);
	int msgctx = 1;
	size_t i;

	for (i = 0; i < sec->npart; i++) {
		/* A numbered message/rfc822 part: go into its message. */
		if (!msgctx && p->kind == MIME_MESSAGE) {
			p = p->child;
			msgctx = 1;
		}
		if (p->kind == MIME_MULTIPART) {
			if ((p = nth_child(p, sec->part[i])) == NULL)
				return NULL;
		} else if (!msgctx || sec->part[i] != 1)
			return NULL;
		/* else: part 1 of a non-multipart message is the message's
		 * own body part (RFC 3501 6.4.5). */
		msgctx = 0;
	}
	*msgctx_r = msgctx;
	return p;
}

static void
set_range(struct imap_range *r, size_t off, size_t len, size_t size)
{
	r->off = off;
	r->len = len;
	r->size = size;
}

int
imap_section_range(const struct mime_msg *m, const struct imap_section *sec,
    struct imap_range *r)
{
	const struct mime_part *p;
	int msgctx;

	memset(r, 0, sizeof(*r));
	if ((p = walk(m, sec, &msgctx)) == NULL)
		return IMAP_SECT_ENOPART;
	switch (sec->spec) {
	case IMAP_SECT_NONE:
		if (msgctx)
			set_range(r, 0, mime_len(m), mime_size(m));
		else
			set_range(r, p->body_off, p->body_len, p->body_size);
		return 0;
	case IMAP_SECT_MIME:
		if (msgctx)
			return IMAP_SECT_ENOPART;
		set_range(r, p->hdr_off, p->hdr_len, p->hdr_size);
		return 0;
	case IMAP_SECT_HEADER:
	case IMAP_SECT_FIELDS:
	case IMAP_SECT_FIELDS_NOT:
	case IMAP_SECT_TEXT:
		if (!msgctx) {
			/* Only a message/rfc822 part has a message header. */
			if (p->kind != MIME_MESSAGE || p->child == NULL)
				return IMAP_SECT_ENOPART;
			p = p->child;
		}
		if (sec->spec == IMAP_SECT_TEXT)
			set_range(r, p->body_off, p->body_len, p->body_size);
		else
			set_range(r, p->hdr_off, p->hdr_len, p->hdr_size);
		return 0;
	}
	return IMAP_SECT_ENOPART;
}

static int
listed(const struct imap_section *sec, const struct mime_str *name)
{
	size_t i;

	for (i = 0; i < sec->nfields; i++)
		if (sec->fields[i].len == name->len && name->len > 0 &&
		    strncasecmp(sec->fields[i].p, name->p, name->len) == 0)
			return 1;
	return 0;
}

/* The subset of the header at r, CRLF converted, into tmp. */
static int
subset(const struct mime_msg *m, const struct imap_section *sec,
    const struct imap_range *r, struct buf *tmp)
{
	const char *h = mime_data(m) + r->off;
	struct mime_hdr_iter it;
	struct mime_field f;
	int want = sec->spec == IMAP_SECT_FIELDS;

	mime_hdr_init(&it, h, r->len);
	while (mime_hdr_next(&it, &f))
		if (listed(sec, &f.name) == want &&
		    mime_crlf_copy(f.raw.p, f.raw.len, 0, UINT64_MAX,
		    MIME_COPY_NONUL, tmp) == -1)
			return -1;
	/* The blank line is part of every header fetch (RFC 3501 6.4.5),
	 * unless the header had none. */
	if (it.pos < r->len && buf_puts(tmp, "\r\n") == -1)
		return -1;
	return 0;
}

int
imap_section_fetch(struct buf *out, const struct mime_msg *m,
    const struct imap_section *sec, uint64_t origin, uint64_t count,
    size_t *size_r)
{
	struct imap_range r;
	struct buf tmp;
	uint64_t take;
	int rc;

	*size_r = 0;
	if ((rc = imap_section_range(m, sec, &r)) != 0)
		return rc;
	if (sec->spec != IMAP_SECT_FIELDS && sec->spec != IMAP_SECT_FIELDS_NOT) {
		*size_r = r.size;
		return mime_crlf_copy(mime_data(m) + r.off, r.len, origin,
		    count, MIME_COPY_NONUL, out);
	}
	/* A subset is no larger than its header's CRLF form. */
	buf_init(&tmp, r.size + 2);
	rc = subset(m, sec, &r, &tmp);
	if (rc == 0) {
		*size_r = tmp.len;
		if (origin < tmp.len) {
			take = tmp.len - origin;
			if (take > count)
				take = count;
			rc = buf_append(out, tmp.p + origin, (size_t)take);
		}
	}
	buf_free(&tmp);
	return rc;
}

size_t
imap_rfc822_size(const struct mime_msg *m)
{
	return mime_size(m);
}
