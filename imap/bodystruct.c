/*
 * imap/bodystruct.c -- ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 sec.
 * 7.4.2) from a parsed message, with an RFC 5322 address-list parser
 * that accepts whatever mailers write.  Runs in the session child.
 *
 * The output follows the formal syntax of RFC 3501 sec. 9 exactly; the
 * choices left open there are Dovecot's (so that clients moving over see
 * the same strings): lowercase media types and "7bit" for an absent
 * encoding, a text part's charset defaulted to "us-ascii", all four
 * extension fields always present in BODYSTRUCTURE, and a multipart
 * without parts (the parser makes those opaque) shown with one empty
 * text/plain part.
 */
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "imap/bodystruct.h"
#include "imap/quote.h"

#define PUT(e)	do { if ((e) == -1) return -1; } while (0)

static int
put_str(struct buf *out, const struct mime_str *s)
{
	return imap_put_nstring(out, s->p, s->len);
}

/*
 * Addresses
 */

enum { T_END, T_WORD, T_QSTR, T_DLIT, T_SPECIAL };

struct lex {
	const char	*s;
	size_t		 n, i;
	const char	*comment;	/* last comment seen, inside ( ) */
	size_t		 comment_len;
};

struct tok {
	int		 type;
	const char	*p;		/* T_WORD, T_DLIT: raw; T_QSTR: the
					 * inside, still escaped */
	size_t		 len;
	char		 ch;		/* T_SPECIAL */
};

static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void
lex_skip(struct lex *lx)
{
	size_t depth, start;

	for (;;) {
		while (lx->i < lx->n && is_ws(lx->s[lx->i]))
			lx->i++;
		if (lx->i >= lx->n || lx->s[lx->i] != '(')
			return;
		start = lx->i + 1;
		for (depth = 0; lx->i < lx->n; lx->i++) {
			if (lx->s[lx->i] == '\\' && lx->i + 1 < lx->n)
				lx->i++;
			else if (lx->s[lx->i] == '(')
				depth++;
			else if (lx->s[lx->i] == ')' && --depth == 0)
				break;
		}
		lx->comment = lx->s + start;
		lx->comment_len = (lx->i < lx->n ? lx->i : lx->n) - start;
		if (lx->i < lx->n)
			lx->i++;
	}
}

/* RFC 5322 specials, without '.', which we keep inside words (dot-atom,
 * obs-phrase "John Q. Public"). */
static int
is_special(char ch)
{
	return ch != '\0' && strchr("()<>[]:;@\\,\"", ch) != NULL;
}

static struct tok
lex_next(struct lex *lx)
{
	struct tok t = { T_END, NULL, 0, 0 };
	size_t j;

	lex_skip(lx);
	if (lx->i >= lx->n)
		return t;
	j = lx->i;
	if (lx->s[j] == '"') {
		for (j++; j < lx->n && lx->s[j] != '"'; j++)
			if (lx->s[j] == '\\' && j + 1 < lx->n)
				j++;
		t.type = T_QSTR;
		t.p = lx->s + lx->i + 1;
		t.len = (j < lx->n ? j : lx->n) - lx->i - 1;
		lx->i = j < lx->n ? j + 1 : lx->n;
	} else if (lx->s[j] == '[') {
		while (j < lx->n && lx->s[j] != ']')
			j++;
		if (j < lx->n)
			j++;
		t.type = T_DLIT;
		t.p = lx->s + lx->i;
		t.len = j - lx->i;
		lx->i = j;
	} else if (is_special(lx->s[j])) {
		t.type = T_SPECIAL;
		t.ch = lx->s[j];
		t.p = lx->s + j;
		t.len = 1;
		lx->i = j + 1;
	} else {
		while (j < lx->n && !is_special(lx->s[j]) && !is_ws(lx->s[j]))
			j++;
		t.type = T_WORD;
		t.p = lx->s + lx->i;
		t.len = j - lx->i;
		lx->i = j;
	}
	return t;
}

/* Append a word, unquoting a quoted string. */
static int
put_word(struct buf *b, const struct tok *t)
{
	size_t i;

	if (t->type != T_QSTR)
		return buf_append(b, t->p, t->len);
	for (i = 0; i < t->len; i++) {
		if (t->p[i] == '\\' && i + 1 < t->len)
			i++;
		if (buf_putc(b, t->p[i]) == -1)
			return -1;
	}
	return 0;
}

struct addrs {
	struct buf	*out;
	size_t		 count;
	struct buf	 name, route, local, domain;
};

static int
emit_addr(struct addrs *a, const struct mime_str *name, int route,
    const char *mbox, size_t mlen, const char *host, size_t hlen)
{
	if (a->count >= LB_ENVELOPE_ADDRS_MAX)
		return 0;
	if (a->count++ == 0)
		PUT(buf_putc(a->out, '('));
	PUT(buf_putc(a->out, '('));
	PUT(imap_put_nstring(a->out, name->p, name->len));
	PUT(buf_putc(a->out, ' '));
	PUT(imap_put_nstring(a->out, route ? a->route.p : NULL,
	    a->route.len));
	PUT(buf_putc(a->out, ' '));
	PUT(imap_put_nstring(a->out, mbox, mlen));
	PUT(buf_putc(a->out, ' '));
	PUT(imap_put_nstring(a->out, host, hlen));
	return buf_putc(a->out, ')');
}

/* Emit a mailbox from the collected local part and domain. */
static int
emit_mailbox(struct addrs *a, const struct mime_str *name, int angle)
{
	const char *mb = a->local.p, *host = a->domain.p;
	size_t ml = a->local.len, hl = a->domain.len;

	if (angle && ml == 0 && hl == 0) {
		/* "<>", the null reverse-path */
		mb = host = "";
	} else {
		if (ml == 0) {
			mb = "MISSING_MAILBOX";
			ml = strlen(mb);
		}
		if (hl == 0) {
			host = "MISSING_DOMAIN";
			hl = strlen(host);
		}
	}
	if (mb == NULL)
		mb = "";
	if (host == NULL)
		host = "";
	return emit_addr(a, name, a->route.len > 0, mb, ml, host, hl);
}

static struct mime_str
bufstr(const struct buf *b)
{
	struct mime_str s = { NULL, 0 };

	if (b->len > 0) {
		s.p = b->p;
		s.len = b->len;
	}
	return s;
}

/* The rest of an angle-addr after '<': [route ":"] local "@" domain ">" */
static int
parse_angle(struct addrs *a, struct lex *lx)
{
	struct tok t;
	int at = 0;

	t = lex_next(lx);
	if (t.type == T_SPECIAL && t.ch == '@') {
		/* obs-route: "@a,@b:" kept as "@a,@b" (RFC 3501 addr-adl) */
		while (t.type != T_END && !(t.type == T_SPECIAL &&
		    (t.ch == ':' || t.ch == '>'))) {
			PUT(put_word(&a->route, &t));
			t = lex_next(lx);
		}
		if (t.type == T_SPECIAL && t.ch == ':')
			t = lex_next(lx);
	}
	for (; t.type != T_END; t = lex_next(lx)) {
		if (t.type == T_SPECIAL && t.ch == '>')
			break;
		if (t.type == T_SPECIAL && t.ch == '@' && !at) {
			at = 1;
			continue;
		}
		if (t.type == T_SPECIAL && t.ch != '.')
			continue;
		PUT(put_word(at ? &a->domain : &a->local, &t));
	}
	return 0;
}

static void
addr_reset(struct addrs *a, struct lex *lx)
{
	buf_reset(&a->name);
	buf_reset(&a->route);
	buf_reset(&a->local);
	buf_reset(&a->domain);
	lx->comment = NULL;
	lx->comment_len = 0;
}

/* Words seen but no '@' and no '<': a local part without domain. */
static int
flush_words(struct addrs *a, struct lex *lx, int words)
{
	struct mime_str none = { NULL, 0 };

	if (words && emit_mailbox(a, &none, 0) == -1)
		return -1;
	addr_reset(a, lx);
	return 0;
}

/* Write the address list in s[0..n) (unfolded) into a->out: "(" 1*address
 * ")" or nothing at all if there is no address. */
static int
parse_addresses(struct addrs *a, const char *s, size_t n)
{
	struct lex lx = { s, n, 0, NULL, 0 };
	struct mime_str name, none = { NULL, 0 };
	struct tok t;
	int words = 0, in_group = 0;

	addr_reset(a, &lx);
	for (;;) {
		t = lex_next(&lx);
		if (t.type == T_WORD || t.type == T_QSTR ||
		    t.type == T_DLIT) {
			if (a->name.len > 0)
				PUT(buf_putc(&a->name, ' '));
			PUT(put_word(&a->name, &t));
			PUT(put_word(&a->local, &t));
			words = 1;
			continue;
		}
		if (t.type == T_END)
			break;
		switch (t.ch) {
		case '<':
			name = bufstr(&a->name);
			buf_reset(&a->local);
			PUT(parse_angle(a, &lx));
			PUT(emit_mailbox(a, &name, 1));
			addr_reset(a, &lx);
			words = 0;
			break;
		case '@':
			/* addr-spec: the words were the local part. */
			while ((t = lex_next(&lx)).type != T_END &&
			    !(t.type == T_SPECIAL && (t.ch == ',' ||
			    t.ch == ';' || t.ch == '<' || t.ch == '@')))
				PUT(put_word(&a->domain, &t));
			name.p = lx.comment;
			name.len = lx.comment_len;
			if (!words)
				buf_reset(&a->local);
			PUT(emit_mailbox(a, &name, 0));
			addr_reset(a, &lx);
			words = 0;
			/* The token that ended the domain is handled as if
			 * it came next: put it back. */
			if (t.type == T_SPECIAL)
				lx.i = (size_t)(t.p - s);
			break;
		case ':':
			if (in_group)
				break;
			/* group start: (NIL NIL "name" NIL) */
			PUT(emit_addr(a, &none, 0, a->name.p ? a->name.p : "",
			    a->name.len, NULL, 0));
			addr_reset(a, &lx);
			words = 0;
			in_group = 1;
			break;
		case ';':
			PUT(flush_words(a, &lx, words));
			words = 0;
			if (in_group)
				PUT(emit_addr(a, &none, 0, NULL, 0, NULL, 0));
			in_group = 0;
			break;
		case ',':
			PUT(flush_words(a, &lx, words));
			words = 0;
			break;
		default:
			break;	/* stray '>' and such */
		}
	}
	PUT(flush_words(a, &lx, words));
	if (in_group)
		PUT(emit_addr(a, &none, 0, NULL, 0, NULL, 0));
	if (a->count > 0)
		PUT(buf_putc(a->out, ')'));
	return 0;
}

/*
 * ENVELOPE
 */

enum { E_DATE, E_SUBJECT, E_FROM, E_SENDER, E_REPLYTO, E_TO, E_CC, E_BCC,
	E_IRT, E_MSGID, E_N };
static const char *const env_names[E_N] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id"
};

/* Append the address list of field value v (folded) to out, or NIL. */
static int
put_addr_field(struct buf *out, const struct mime_str *v, struct buf *tmp)
{
	struct addrs a;
	int r;

	if (v->p == NULL)
		return buf_puts(out, "NIL");
	buf_reset(tmp);
	if (mime_unfold(v->p, v->len, tmp) == -1)
		return -1;
	memset(&a, 0, sizeof(a));
	a.out = out;
	buf_init(&a.name, LB_MIME_FIELD_MAX);
	buf_init(&a.route, LB_MIME_FIELD_MAX);
	buf_init(&a.local, LB_MIME_FIELD_MAX);
	buf_init(&a.domain, LB_MIME_FIELD_MAX);
	r = parse_addresses(&a, tmp->p != NULL ? tmp->p : "", tmp->len);
	buf_free(&a.name);
	buf_free(&a.route);
	buf_free(&a.local);
	buf_free(&a.domain);
	if (r == 0 && a.count == 0)
		r = buf_puts(out, "NIL");
	return r;
}

static int
put_text_field(struct buf *out, const struct mime_str *v, struct buf *tmp)
{
	if (v->p == NULL)
		return buf_puts(out, "NIL");
	buf_reset(tmp);
	if (mime_unfold(v->p, v->len, tmp) == -1)
		return -1;
	return imap_put_string(out, tmp->p != NULL ? tmp->p : "", tmp->len);
}

static int
envelope(struct buf *out, const struct mime_msg *m,
    const struct mime_part *msg, struct buf *tmp)
{
	struct mime_str v[E_N];
	struct mime_hdr_iter it;
	struct mime_field f;
	size_t nf, i, from_at, from_len;
	int e;

	memset(v, 0, sizeof(v));
	mime_hdr_init(&it, mime_data(m) + msg->hdr_off, msg->hdr_len);
	for (nf = 0; nf < LB_MIME_FIELDS_MAX && mime_hdr_next(&it, &f); nf++)
		for (e = 0; e < E_N; e++)
			if (v[e].p == NULL && mime_name_eq(&f.name,
			    env_names[e])) {
				/* Too long to interpret: as if absent. */
				if (f.value.len <= LB_MIME_FIELD_MAX)
					v[e] = f.value;
				break;
			}
	PUT(buf_putc(out, '('));
	PUT(put_text_field(out, &v[E_DATE], tmp));
	PUT(buf_putc(out, ' '));
	PUT(put_text_field(out, &v[E_SUBJECT], tmp));
	PUT(buf_putc(out, ' '));
	from_at = out->len;
	PUT(put_addr_field(out, &v[E_FROM], tmp));
	from_len = out->len - from_at;
	for (e = E_SENDER; e <= E_REPLYTO; e++) {
		PUT(buf_putc(out, ' '));
		i = out->len;
		PUT(put_addr_field(out, &v[e], tmp));
		/* RFC 3501 7.4.2: absent or empty Sender and Reply-To are
		 * the From list. */
		if (out->len - i == 3 && memcmp(out->p + i, "NIL", 3) == 0) {
			out->len = i;
			PUT(buf_reserve(out, from_len));
			memcpy(out->p + out->len, out->p + from_at, from_len);
			out->len += from_len;
		}
	}
	for (e = E_TO; e <= E_BCC; e++) {
		PUT(buf_putc(out, ' '));
		PUT(put_addr_field(out, &v[e], tmp));
	}
	PUT(buf_putc(out, ' '));
	PUT(put_text_field(out, &v[E_IRT], tmp));
	PUT(buf_putc(out, ' '));
	PUT(put_text_field(out, &v[E_MSGID], tmp));
	return buf_putc(out, ')');
}

int
imap_envelope(struct buf *out, const struct mime_msg *m,
    const struct mime_part *msg)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, LB_MIME_FIELD_MAX);
	r = envelope(out, m, msg, &tmp);
	buf_free(&tmp);
	return r;
}

/*
 * BODY / BODYSTRUCTURE
 */

static int
put_params(struct buf *out, const struct mime_param *p, size_t n)
{
	size_t i;

	if (n == 0)
		return buf_puts(out, "NIL");
	PUT(buf_putc(out, '('));
	for (i = 0; i < n; i++) {
		if (i > 0)
			PUT(buf_putc(out, ' '));
		PUT(imap_put_string(out, p[i].attr.p, p[i].attr.len));
		PUT(buf_putc(out, ' '));
		PUT(imap_put_string(out, p[i].value.p, p[i].value.len));
	}
	return buf_putc(out, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static int
put_ext_common(struct buf *out, const struct mime_part *p)
{
	const char *l, *e, *c;

	PUT(buf_putc(out, ' '));
	if (p->disposition.p == NULL)
		PUT(buf_puts(out, "NIL"));
	else {
		PUT(buf_putc(out, '('));
		PUT(put_str(out, &p->disposition));
		PUT(buf_putc(out, ' '));
		PUT(put_params(out, p->disp_params, p->ndisp_params));
		PUT(buf_putc(out, ')'));
	}
	PUT(buf_putc(out, ' '));
	if (p->language.p == NULL)
		PUT(buf_puts(out, "NIL"));
	else if (memchr(p->language.p, ',', p->language.len) == NULL)
		PUT(put_str(out, &p->language));
	else {
		/* The parser joined the tags with ','. */
		l = p->language.p;
		e = l + p->language.len;
		PUT(buf_putc(out, '('));
		while (l < e) {
			if ((c = memchr(l, ',', (size_t)(e - l))) == NULL)
				c = e;
			if (l != p->language.p)
				PUT(buf_putc(out, ' '));
			PUT(imap_put_string(out, l, (size_t)(c - l)));
			l = c + 1;
		}
		PUT(buf_putc(out, ')'));
	}
	PUT(buf_putc(out, ' '));
	return put_str(out, &p->location);
}

static int
is_text(const struct mime_part *p)
{
	return p->type.len == 4 && memcmp(p->type.p, "text", 4) == 0;
}

static int body(struct buf *, const struct mime_msg *,
    const struct mime_part *, int, struct buf *);

static int
body_multipart(struct buf *out, const struct mime_msg *m,
    const struct mime_part *p, int ext, struct buf *tmp)
{
	const struct mime_part *c;

	PUT(buf_putc(out, '('));
	for (c = p->child; c != NULL; c = c->next)
		PUT(body(out, m, c, ext, tmp));
	if (p->child == NULL)
		/* 1*body: never reached, the parser makes these opaque. */
		PUT(buf_puts(out, ext ? "(\"text\" \"plain\" (\"charset\" "
		    "\"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)" :
		    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		    "\"7bit\" 0 0)"));
	PUT(buf_putc(out, ' '));
	PUT(put_str(out, &p->subtype));
	if (ext) {
		PUT(buf_putc(out, ' '));
		PUT(put_params(out, p->params, p->nparams));
		PUT(put_ext_common(out, p));
	}
	return buf_putc(out, ')');
}

static int
body(struct buf *out, const struct mime_msg *m, const struct mime_part *p,
    int ext, struct buf *tmp)
{
	int opaque = (p->flags & MIME_F_OPAQUE) != 0;

	if (p->kind == MIME_MULTIPART)
		return body_multipart(out, m, p, ext, tmp);
	PUT(buf_putc(out, '('));
	if (opaque)
		PUT(buf_puts(out, "\"application\" \"octet-stream\" NIL"));
	else {
		PUT(put_str(out, &p->type));
		PUT(buf_putc(out, ' '));
		PUT(put_str(out, &p->subtype));
		PUT(buf_putc(out, ' '));
		PUT(put_params(out, p->params, p->nparams));
	}
	PUT(buf_putc(out, ' '));
	PUT(put_str(out, &p->id));
	PUT(buf_putc(out, ' '));
	PUT(put_str(out, &p->description));
	PUT(buf_putc(out, ' '));
	if (p->encoding.p == NULL)
		PUT(buf_puts(out, "\"7bit\""));
	else
		PUT(put_str(out, &p->encoding));
	PUT(buf_printf(out, " %zu", p->body_size));
	if (!opaque && p->kind == MIME_MESSAGE && p->child != NULL) {
		/* body-type-msg: envelope, body, lines */
		PUT(buf_putc(out, ' '));
		PUT(envelope(out, m, p->child, tmp));
		PUT(buf_putc(out, ' '));
		PUT(body(out, m, p->child, ext, tmp));
		PUT(buf_printf(out, " %zu", p->body_lines));
	} else if (!opaque && is_text(p))
		PUT(buf_printf(out, " %zu", p->body_lines));
	if (ext) {
		PUT(buf_putc(out, ' '));
		PUT(put_str(out, &p->md5));
		PUT(put_ext_common(out, p));
	}
	return buf_putc(out, ')');
}

int
imap_bodystructure(struct buf *out, const struct mime_msg *m,
    const struct mime_part *part, int extended)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, LB_MIME_FIELD_MAX);
	r = body(out, m, part, extended, &tmp);
	buf_free(&tmp);
	return r;
}
