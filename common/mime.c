/*
 * common/mime.c -- RFC 5322 / MIME (RFC 2045, 2046, 2183, 2231) parser over
 * a message in memory, header field helpers, and the LF->CRLF view.  Runs
 * in imapd's session child (the user, chrooted, seccomp-filtered) on mail
 * that anyone on the Internet may have written: nothing here trusts a
 * byte of it.
 *
 * The parse is one forward scan with an explicit stack of open parts (no
 * recursion), so a message of 10,000 nested multiparts costs one stack
 * entry per interpreted level, at most LB_MIME_DEPTH_MAX + 1.  Deeper
 * parts, and parts past LB_MIME_PARTS_MAX, are opaque leaves.
 *
 * Boundaries (RFC 2046 sec. 5.1.1): a delimiter is "--" boundary at the
 * start of a line, then optional "--" (close delimiter), then only
 * transport padding (SP, HT; a CR before the LF too).  The line break
 * before it belongs to the delimiter, not to the part that ends there.
 * Every still-open multipart's boundary is looked for, innermost first,
 * so a delimiter of an outer multipart ends all parts opened inside it
 * (a missing inner close delimiter is the common breakage).  After its
 * close delimiter a multipart's boundary is dead: the epilogue runs to
 * the next delimiter of an enclosing multipart, or to the end.
 *
 * Storage: nodes, parameters and decoded strings live in growable arrays
 * indexed by offset while parsing; pointers are made once, at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/mime.h"
#include "common/num.h"

#define NONE	((size_t)-1)

/* Parsing states of a node on the open stack. */
enum {
	ST_HDR = 0,	/* reading its header */
	ST_BODY,	/* leaf body, or a message/rfc822 whose child is open */
	ST_MP,		/* multipart: boundary active */
	ST_EPI,		/* multipart after its close delimiter */
	ST_DONE
};

/* A string: a literal, or bytes in the pool (offset, because the pool
 * moves while it grows). */
struct sref {
	const char	*lit;
	size_t		 off, len;
	int		 set;
};

struct iparam {
	struct sref	 attr, value;
};

struct node {
	size_t		 parent, first, last, next, nchildren;
	unsigned int	 depth, kind, flags, state;
	size_t		 hdr_off, hdr_end, body_off, end;
	struct sref	 type, subtype, id, desc, enc, disp, lang, loc, md5;
	struct sref	 boundary;
	size_t		 pfirst, pcount, dfirst, dcount;
};

struct mime_msg {
	const char		*data;
	size_t			 len;
	struct mime_part	*parts;
	size_t			 nparts;
	struct mime_param	*params;
	char			*pool;
	size_t			 size;	/* CRLF octets */
};

struct ctx {
	const char	*d;
	size_t		 n;
	struct buf	 nodes;		/* struct node[] */
	struct buf	 params;	/* struct iparam[] */
	struct buf	 pool;		/* decoded strings */
	struct buf	 tmp;		/* one unfolded field value */
	size_t		 stack[LB_MIME_DEPTH_MAX + 1];
	size_t		 sp;
	size_t		 active;	/* multiparts in ST_MP */
};

#define NODES(c)	((struct node *)(void *)(c)->nodes.p)
#define NNODES(c)	((c)->nodes.len / sizeof(struct node))
#define IPARAMS(c)	((struct iparam *)(void *)(c)->params.p)
#define NIPARAMS(c)	((c)->params.len / sizeof(struct iparam))

static const struct sref S_TEXT = { "text", 0, 4, 1 };
static const struct sref S_PLAIN = { "plain", 0, 5, 1 };
static const struct sref S_MESSAGE = { "message", 0, 7, 1 };
static const struct sref S_RFC822 = { "rfc822", 0, 6, 1 };
static const struct sref S_CHARSET = { "charset", 0, 7, 1 };
static const struct sref S_USASCII = { "us-ascii", 0, 8, 1 };

/*
 * CRLF view
 */

size_t
mime_crlf_size(const char *p, size_t len, size_t *lines_r)
{
	size_t i = 0, bare = 0, lfs = 0;
	const char *lf;

	while (i < len && (lf = memchr(p + i, '\n', len - i)) != NULL) {
		size_t at = (size_t)(lf - p);

		lfs++;
		if (at == 0 || p[at - 1] != '\r')
			bare++;
		i = at + 1;
	}
	/* Lines are LFs: a last line without one is not counted, as
	 * Dovecot counts (a part's last line break belongs to the next
	 * boundary, RFC 2046 5.1.1, so "hi" before "\n--b" has 0 lines). */
	if (lines_r != NULL)
		*lines_r = lfs;
	/* len <= LB_MESSAGE_MAX, so len + bare <= 2 * len cannot wrap. */
	return len + bare;
}

/* Append the part of src[0..l), sitting at *cpos of the view, that falls
 * in the window [from, to); advance *cpos. */
static int
emit(struct buf *out, const char *src, size_t l, uint64_t *cpos,
    uint64_t from, uint64_t to, unsigned int flags)
{
	uint64_t at = *cpos, skip, take;
	size_t start;
	char *q, *e;

	*cpos = at + l;
	if (at + l <= from || at >= to)
		return 0;
	skip = from > at ? from - at : 0;
	take = l - skip;
	if (take > to - (at + skip))
		take = to - (at + skip);
	start = out->len;
	if (buf_append(out, src + skip, (size_t)take) == -1)
		return -1;
	if (flags & MIME_COPY_NONUL) {
		q = out->p + start;
		e = out->p + out->len;
		while ((q = memchr(q, '\0', (size_t)(e - q))) != NULL)
			*q++ = (char)0x80;
	}
	return 0;
}

int
mime_crlf_copy(const char *p, size_t len, uint64_t origin, uint64_t count,
    unsigned int flags, struct buf *out)
{
	uint64_t cpos = 0, to;
	size_t i = 0, at;
	const char *lf;

	to = count > UINT64_MAX - origin ? UINT64_MAX : origin + count;
	while (i < len && cpos < to) {
		lf = memchr(p + i, '\n', len - i);
		at = lf != NULL ? (size_t)(lf - p) : len;
		if (emit(out, p + i, at - i, &cpos, origin, to, flags) == -1)
			return -1;
		if (lf == NULL)
			break;
		if (at > 0 && p[at - 1] == '\r') {
			if (emit(out, "\n", 1, &cpos, origin, to, 0) == -1)
				return -1;
		} else if (emit(out, "\r\n", 2, &cpos, origin, to, 0) == -1)
			return -1;
		i = at + 1;
	}
	return 0;
}

/*
 * Header fields
 */

void
mime_hdr_init(struct mime_hdr_iter *it, const char *hdr, size_t len)
{
	it->p = hdr;
	it->len = len;
	it->pos = 0;
}

/* Index just past the line starting at s (past its LF, or len). */
static size_t
line_next(const char *p, size_t len, size_t s)
{
	const char *lf = memchr(p + s, '\n', len - s);

	return lf != NULL ? (size_t)(lf - p) + 1 : len;
}

static int
is_blank_line(const char *p, size_t len, size_t s)
{
	if (s >= len)
		return 0;
	if (p[s] == '\n')
		return 1;
	return p[s] == '\r' && (s + 1 == len || p[s + 1] == '\n');
}

int
mime_hdr_next(struct mime_hdr_iter *it, struct mime_field *f)
{
	const char *p = it->p, *colon;
	size_t len = it->len, s = it->pos, first, e, fl, v, ve;

	if (s >= len || is_blank_line(p, len, s))
		return 0;
	first = e = line_next(p, len, s);
	while (e < len && (p[e] == ' ' || p[e] == '\t'))
		e = line_next(p, len, e);
	it->pos = e;
	f->raw.p = p + s;
	f->raw.len = e - s;

	/* The first line without its line end. */
	fl = first - s;
	if (fl > 0 && p[s + fl - 1] == '\n')
		fl--;
	if (fl > 0 && p[s + fl - 1] == '\r')
		fl--;
	colon = memchr(p + s, ':', fl);
	if (colon == NULL) {
		f->name.p = p + s;
		f->name.len = fl;
		f->value.p = p + s + fl;
		f->value.len = 0;
		return 1;
	}
	f->name.p = p + s;
	f->name.len = (size_t)(colon - (p + s));
	/* RFC 5322 sec. 4.5.1 (obsolete): blanks before the colon. */
	while (f->name.len > 0 && (f->name.p[f->name.len - 1] == ' ' ||
	    f->name.p[f->name.len - 1] == '\t'))
		f->name.len--;
	v = (size_t)(colon - p) + 1;
	while (v < e && (p[v] == ' ' || p[v] == '\t'))
		v++;
	ve = e;
	if (ve > v && p[ve - 1] == '\n')
		ve--;
	if (ve > v && p[ve - 1] == '\r')
		ve--;
	f->value.p = p + v;
	f->value.len = ve - v;
	return 1;
}

int
mime_name_eq(const struct mime_str *s, const char *name)
{
	size_t l = strlen(name);

	return s->len == l && strncasecmp(s->p, name, l) == 0;
}

int
mime_hdr_find(const char *hdr, size_t len, const char *name,
    struct mime_field *f_r)
{
	struct mime_hdr_iter it;
	size_t i;

	mime_hdr_init(&it, hdr, len);
	for (i = 0; i < LB_MIME_FIELDS_MAX && mime_hdr_next(&it, f_r); i++)
		if (mime_name_eq(&f_r->name, name))
			return 1;
	return 0;
}

static int
is_fws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int
mime_unfold(const char *v, size_t len, struct buf *out)
{
	size_t s = 0, e = len, i, run;

	while (s < e && is_fws(v[s]))
		s++;
	while (e > s && is_fws(v[e - 1]))
		e--;
	if (buf_reserve(out, e - s) == -1)
		return -1;
	for (i = s; i < e; i += run) {
		if (v[i] == '\r' || v[i] == '\n') {
			run = 1;
			continue;
		}
		for (run = 0; i + run < e && v[i + run] != '\r' &&
		    v[i + run] != '\n'; run++)
			;
		memcpy(out->p + out->len, v + i, run);
		out->len += run;
	}
	return 0;
}

/*
 * Lexing of structured MIME field values (RFC 2045 sec. 5.1, RFC 822
 * comments).  All on the unfolded value.
 */

static void
skip_cfws(const char *s, size_t n, size_t *ip)
{
	size_t i = *ip, depth;

	for (;;) {
		while (i < n && is_fws(s[i]))
			i++;
		if (i >= n || s[i] != '(')
			break;
		/* A counter, not recursion: any nesting costs nothing. */
		for (depth = 0; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
	*ip = i;
}

/* RFC 2045 token character; 8-bit bytes are let in (seen in the wild). */
static int
is_tchar(unsigned char ch)
{
	if (ch <= 0x20 || ch == 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

static size_t
token_len(const char *s, size_t n, size_t i)
{
	size_t j = i;

	while (j < n && is_tchar((unsigned char)s[j]))
		j++;
	return j - i;
}

static int
pool_lit(struct ctx *c, const char *p, size_t len, int lower,
    struct sref *r)
{
	size_t i;

	r->lit = NULL;
	r->off = c->pool.len;
	r->len = len;
	r->set = 1;
	if (buf_append(&c->pool, p, len) == -1)
		return -1;
	if (lower)
		for (i = r->off; i < c->pool.len; i++)
			if (c->pool.p[i] >= 'A' && c->pool.p[i] <= 'Z')
				c->pool.p[i] = (char)(c->pool.p[i] + 32);
	return 0;
}

/* A quoted-string at s[*ip] == '"', unquoted into the pool. */
static int
pool_quoted(struct ctx *c, const char *s, size_t n, size_t *ip,
    struct sref *r)
{
	size_t i = *ip + 1;

	r->lit = NULL;
	r->off = c->pool.len;
	r->set = 1;
	for (; i < n && s[i] != '"'; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		if (buf_putc(&c->pool, s[i]) == -1)
			return -1;
	}
	if (i < n)
		i++;
	r->len = c->pool.len - r->off;
	*ip = i;
	return 0;
}

static const char *
sref_ptr(const struct ctx *c, const struct sref *r)
{
	return r->lit != NULL ? r->lit : c->pool.p + r->off;
}

static int
sref_is(const struct ctx *c, const struct sref *r, const char *lit)
{
	size_t l = strlen(lit);

	return r->set && r->len == l && memcmp(sref_ptr(c, r), lit, l) == 0;
}

/* One raw parameter before RFC 2231 joining. */
struct rparam {
	struct sref	 attr, value;
	int		 used;
};

static int
add_param(struct ctx *c, const struct sref *attr, const struct sref *value)
{
	struct iparam ip;

	ip.attr = *attr;
	ip.value = *value;
	return buf_append(&c->params, &ip, sizeof(ip));
}

/* Split an attribute "name*N" or "name*N*" (RFC 2231 sec. 3, 4).  Returns
 * 1 with the base length, section and extended flag, or 0 if it is not a
 * continuation segment. */
static int
split_231(const char *a, size_t l, size_t *base_r, uint32_t *sect_r,
    int *ext_r)
{
	const char *star = memchr(a, '*', l);
	size_t b, dl;

	if (star == NULL)
		return 0;
	b = (size_t)(star - a);
	dl = l - b - 1;
	*ext_r = 0;
	if (dl > 0 && a[l - 1] == '*') {
		*ext_r = 1;
		dl--;
	}
	if (dl == 0 || num_parse_u32(star + 1, dl, sect_r) == -1)
		return 0;
	*base_r = b;
	return 1;
}

/* Append a copy of pool or literal string r (first len bytes) to the
 * pool.  Room is made first: r may point into the pool itself. */
static int
pool_copy(struct ctx *c, const struct sref *r, size_t len)
{
	if (buf_reserve(&c->pool, len) == -1)
		return -1;
	memcpy(c->pool.p + c->pool.len, sref_ptr(c, r), len);
	c->pool.len += len;
	return 0;
}

/* Append a non-extended segment to an extended value: RFC 2231 sec. 4
 * needs every octet outside attribute-char %-encoded. */
static int
pool_pct(struct ctx *c, const struct sref *r)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;
	const char *v;
	size_t i;

	/* Reserve the worst case so that v stays valid. */
	if (r->len > (SIZE_MAX - 1) / 3 ||
	    buf_reserve(&c->pool, 3 * r->len) == -1)
		return -1;
	v = sref_ptr(c, r);
	for (i = 0; i < r->len; i++) {
		ch = (unsigned char)v[i];
		if (is_tchar(ch) && ch < 0x80 && ch != '*' && ch != '\'' &&
		    ch != '%')
			c->pool.p[c->pool.len++] = (char)ch;
		else {
			c->pool.p[c->pool.len++] = '%';
			c->pool.p[c->pool.len++] = hex[ch >> 4];
			c->pool.p[c->pool.len++] = hex[ch & 15];
		}
	}
	return 0;
}

/* Is r[s] an unused segment number want of the base name that r[i]'s
 * attribute starts with (base bytes)?  *ext_r: extended segment. */
static int
is_seg(const struct ctx *c, const struct rparam *r, size_t i, size_t s,
    size_t base, uint32_t want, int *ext_r)
{
	size_t b2;
	uint32_t sect;

	if (r[s].used || !split_231(sref_ptr(c, &r[s].attr), r[s].attr.len,
	    &b2, &sect, ext_r))
		return 0;
	return b2 == base && sect == want &&
	    memcmp(sref_ptr(c, &r[s].attr), sref_ptr(c, &r[i].attr),
	    base) == 0;
}

/* Find segment want of r[i]'s base name among r[0..k); k if none. */
static size_t
find_seg(const struct ctx *c, const struct rparam *r, size_t k, size_t i,
    size_t base, uint32_t want, int *ext_r)
{
	size_t s;

	for (s = 0; s < k; s++)
		if (is_seg(c, r, i, s, base, want, ext_r))
			return s;
	return k;
}

/* Join RFC 2231 continuations of r[0..k) and add the results.  Segments
 * are joined from 0 up to the first missing number; leftovers (no
 * segment 0, duplicates, gaps) are kept as they came. */
static int
join_params(struct ctx *c, struct rparam *r, size_t k)
{
	size_t i, s, base;
	uint32_t sect, want;
	int ext, ext_any;
	struct sref attr, value;

	for (i = 0; i < k; i++) {
		/* r[0..k) are set by parse_params (cppcheck assumes not). */
		/* cppcheck-suppress uninitvar */
		if (r[i].used)
			continue;
		if (!split_231(sref_ptr(c, &r[i].attr), r[i].attr.len, &base,
		    &sect, &ext) || find_seg(c, r, k, i, base, 0, &ext) == k) {
			r[i].used = 1;
			if (add_param(c, &r[i].attr, &r[i].value) == -1)
				return -1;
			continue;
		}
		/* Which consecutive segments are there; any extended?  At
		 * most k of them, so want cannot wrap. */
		ext_any = 0;
		for (want = 0; find_seg(c, r, k, i, base, want, &ext) < k;
		    want++)
			ext_any |= ext;
		attr.lit = NULL;
		attr.off = c->pool.len;
		attr.set = 1;
		if (pool_copy(c, &r[i].attr, base) == -1 ||
		    (ext_any && buf_putc(&c->pool, '*') == -1))
			return -1;
		attr.len = c->pool.len - attr.off;
		value.lit = NULL;
		value.off = c->pool.len;
		value.set = 1;
		/* r[i] is marked used last: is_seg() reads its name. */
		for (want = 0; (s = find_seg(c, r, k, i, base, want, &ext)) <
		    k; want++) {
			if (s != i)
				r[s].used = 1;
			/* A plain first segment has no charset'language'. */
			if (want == 0 && ext_any && !ext &&
			    buf_puts(&c->pool, "''") == -1)
				return -1;
			if (ext_any && !ext) {
				if (pool_pct(c, &r[s].value) == -1)
					return -1;
			} else if (pool_copy(c, &r[s].value,
			    r[s].value.len) == -1)
				return -1;
		}
		r[i].used = 1;
		value.len = c->pool.len - value.off;
		if (add_param(c, &attr, &value) == -1)
			return -1;
	}
	return 0;
}

/*
 * Parameters after a type: *(";" attribute "=" value), lenient: a bad
 * parameter is skipped up to the next ';'.  Adds the joined parameters to
 * c->params and sets *first_r, *count_r.
 */
static int
parse_params(struct ctx *c, const char *s, size_t n, size_t i,
    size_t *first_r, size_t *count_r)
{
	struct rparam r[LB_MIME_PARAMS_MAX];
	size_t k = 0, tl, vs;

	*first_r = NIPARAMS(c);
	while (i < n && k < LB_MIME_PARAMS_MAX) {
		skip_cfws(s, n, &i);
		if (i >= n)
			break;
		if (s[i] != ';') {
			/* Junk: resynchronise on the next ';'. */
			while (i < n && s[i] != ';')
				i++;
			continue;
		}
		i++;
		skip_cfws(s, n, &i);
		tl = token_len(s, n, i);
		if (tl == 0)
			continue;
		r[k].used = 0;
		if (pool_lit(c, s + i, tl, 1, &r[k].attr) == -1)
			return -1;
		i += tl;
		skip_cfws(s, n, &i);
		if (i >= n || s[i] != '=')
			continue;
		i++;
		skip_cfws(s, n, &i);
		if (i < n && s[i] == '"') {
			if (pool_quoted(c, s, n, &i, &r[k].value) == -1)
				return -1;
		} else {
			/* Lenient token: "name=a/b.txt" is common. */
			for (vs = i; i < n && s[i] != ';' && s[i] != '(' &&
			    s[i] != '"' && !is_fws(s[i]); i++)
				;
			if (pool_lit(c, s + vs, i - vs, 0, &r[k].value) == -1)
				return -1;
		}
		k++;
	}
	if (join_params(c, r, k) == -1)
		return -1;
	*count_r = NIPARAMS(c) - *first_r;
	return 0;
}

static int
parse_ctype(struct ctx *c, size_t idx, const char *s, size_t n)
{
	size_t i = 0, tl, sl, ts, ss, pf, pc;
	struct node *t;
	struct sref ty, st;

	skip_cfws(s, n, &i);
	ts = i;
	tl = token_len(s, n, i);
	i += tl;
	skip_cfws(s, n, &i);
	if (tl == 0 || i >= n || s[i] != '/')
		return 0;	/* invalid: defaults apply (RFC 2045 5.2) */
	i++;
	skip_cfws(s, n, &i);
	ss = i;
	sl = token_len(s, n, i);
	if (sl == 0)
		return 0;
	i += sl;
	if (pool_lit(c, s + ts, tl, 1, &ty) == -1 ||
	    pool_lit(c, s + ss, sl, 1, &st) == -1 ||
	    parse_params(c, s, n, i, &pf, &pc) == -1)
		return -1;
	t = &NODES(c)[idx];
	t->type = ty;
	t->subtype = st;
	t->pfirst = pf;
	t->pcount = pc;
	return 0;
}

static int
parse_disp(struct ctx *c, size_t idx, const char *s, size_t n)
{
	size_t i = 0, tl, ts, pf, pc;
	struct sref dt;
	struct node *t;

	skip_cfws(s, n, &i);
	ts = i;
	tl = token_len(s, n, i);
	if (tl == 0)
		return 0;
	i += tl;
	if (pool_lit(c, s + ts, tl, 1, &dt) == -1 ||
	    parse_params(c, s, n, i, &pf, &pc) == -1)
		return -1;
	t = &NODES(c)[idx];
	t->disp = dt;
	t->dfirst = pf;
	t->dcount = pc;
	return 0;
}

/* Content-Language (RFC 3282): tags separated by commas, with CFWS. */
static int
parse_lang(struct ctx *c, size_t idx, const char *s, size_t n)
{
	size_t i = 0, tl, off = c->pool.len;
	struct node *t;

	while (i < n) {
		skip_cfws(s, n, &i);
		tl = token_len(s, n, i);
		if (tl > 0) {
			if ((c->pool.len > off && buf_putc(&c->pool, ',') ==
			    -1) || buf_append(&c->pool, s + i, tl) == -1)
				return -1;
			i += tl;
			continue;
		}
		if (i < n)
			i++;	/* ',' or junk */
	}
	if (c->pool.len == off)
		return 0;
	t = &NODES(c)[idx];
	t->lang.lit = NULL;
	t->lang.off = off;
	t->lang.len = c->pool.len - off;
	t->lang.set = 1;
	return 0;
}

static int
find_param(const struct ctx *c, size_t first, size_t count, const char *a,
    size_t *at_r)
{
	size_t i;

	for (i = first; i < first + count; i++)
		if (sref_is(c, &IPARAMS(c)[i].attr, a)) {
			*at_r = i;
			return 1;
		}
	return 0;
}

/*
 * Read the Content-* fields of node idx (RFC 2045 sec. 5-8, RFC 2183,
 * RFC 3282, RFC 2557, RFC 1864) and apply the defaults of RFC 2045 sec.
 * 5.2 and RFC 2046 sec. 5.1.5 (digest).  The first of repeated fields
 * wins.
 */
static int
interpret(struct ctx *c, size_t idx)
{
	struct mime_hdr_iter it;
	struct mime_field f;
	struct node *t = &NODES(c)[idx];
	struct sref *dst;
	size_t nf, par = t->parent, at, vl;
	unsigned int seen = 0, bit;
	const char *v;
	int digest = 0;

	if (par != NONE && NODES(c)[par].kind == MIME_MULTIPART &&
	    sref_is(c, &NODES(c)[par].subtype, "digest"))
		digest = 1;
	mime_hdr_init(&it, c->d + t->hdr_off, t->hdr_end - t->hdr_off);
	for (nf = 0; nf < LB_MIME_FIELDS_MAX && mime_hdr_next(&it, &f); nf++) {
		if (f.name.len < 9 || strncasecmp(f.name.p, "content-", 8) != 0)
			continue;
		bit = 0;
		if (mime_name_eq(&f.name, "content-type"))
			bit = 1;
		else if (mime_name_eq(&f.name, "content-transfer-encoding"))
			bit = 2;
		else if (mime_name_eq(&f.name, "content-id"))
			bit = 4;
		else if (mime_name_eq(&f.name, "content-description"))
			bit = 8;
		else if (mime_name_eq(&f.name, "content-disposition"))
			bit = 16;
		else if (mime_name_eq(&f.name, "content-language"))
			bit = 32;
		else if (mime_name_eq(&f.name, "content-location"))
			bit = 64;
		else if (mime_name_eq(&f.name, "content-md5"))
			bit = 128;
		if (bit == 0 || (seen & bit))
			continue;
		seen |= bit;
		if (f.value.len > LB_MIME_FIELD_MAX)
			continue;	/* uninterpreted, see limits.h */
		buf_reset(&c->tmp);
		if (mime_unfold(f.value.p, f.value.len, &c->tmp) == -1)
			return -1;
		v = c->tmp.p != NULL ? c->tmp.p : "";
		vl = c->tmp.len;
		dst = NULL;
		switch (bit) {
		case 1:
			if (parse_ctype(c, idx, v, vl) == -1)
				return -1;
			break;
		case 2:
			at = 0;
			skip_cfws(v, vl, &at);
			if (token_len(v, vl, at) > 0 && pool_lit(c, v + at,
			    token_len(v, vl, at), 1, &NODES(c)[idx].enc) == -1)
				return -1;
			break;
		case 16:
			if (parse_disp(c, idx, v, vl) == -1)
				return -1;
			break;
		case 32:
			if (parse_lang(c, idx, v, vl) == -1)
				return -1;
			break;
		case 4:
			dst = &NODES(c)[idx].id;
			break;
		case 8:
			dst = &NODES(c)[idx].desc;
			break;
		case 64:
			dst = &NODES(c)[idx].loc;
			break;
		case 128:
			dst = &NODES(c)[idx].md5;
			break;
		}
		if (dst != NULL) {
			struct sref tmp;

			if (pool_lit(c, v, vl, 0, &tmp) == -1)
				return -1;
			*dst = tmp;
		}
	}
	t = &NODES(c)[idx];
	/* The analyzer loses c->nodes across the buf calls above; idx is a
	 * live node. */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	if (!t->type.set) {
		t->type = digest ? S_MESSAGE : S_TEXT;
		t->subtype = digest ? S_RFC822 : S_PLAIN;
		t->pfirst = NIPARAMS(c);
		t->pcount = 0;
	}
	/* RFC 2046 sec. 4.1.2: text without charset is US-ASCII. */
	if (sref_is(c, &t->type, "text") &&
	    !find_param(c, t->pfirst, t->pcount, "charset", &at)) {
		struct iparam ip = { S_CHARSET, S_USASCII };
		size_t i, pf = t->pfirst, pc = t->pcount;

		/* The part's parameters must stay contiguous: copy them
		 * behind the default if others were added since. */
		if (pf + pc != NIPARAMS(c)) {
			for (i = 0; i < pc; i++) {
				/* Copy out first: the array may move. */
				struct iparam cp = IPARAMS(c)[pf + i];

				if (buf_append(&c->params, &cp,
				    sizeof(cp)) == -1)
					return -1;
			}
			t = &NODES(c)[idx];
			t->pfirst = NIPARAMS(c) - pc;
		}
		if (buf_append(&c->params, &ip, sizeof(ip)) == -1)
			return -1;
		t = &NODES(c)[idx];
		t->pcount++;
	}
	if (sref_is(c, &t->type, "multipart") &&
	    find_param(c, t->pfirst, t->pcount, "boundary", &at)) {
		struct sref b = IPARAMS(c)[at].value;

		if (b.len > 0 && b.len <= LB_MIME_BOUNDARY_MAX)
			t->boundary = b;
	}
	return 0;
}

/*
 * The tree
 */

static int
new_node(struct ctx *c, size_t parent, size_t hdr_off, size_t *idx_r)
{
	struct node nd, *p;
	size_t idx = NNODES(c);

	memset(&nd, 0, sizeof(nd));
	nd.parent = parent;
	nd.first = nd.last = nd.next = NONE;
	nd.hdr_off = nd.hdr_end = nd.body_off = nd.end = hdr_off;
	nd.state = ST_HDR;
	if (parent != NONE) {
		p = &NODES(c)[parent];
		nd.depth = p->depth + 1;
		if (p->kind == MIME_MESSAGE)
			nd.flags |= MIME_F_ISMSG;
	} else
		nd.flags |= MIME_F_ISMSG;
	if (buf_append(&c->nodes, &nd, sizeof(nd)) == -1)
		return -1;
	if (parent != NONE) {
		p = &NODES(c)[parent];
		if (p->last != NONE)
			NODES(c)[p->last].next = idx;
		else
			p->first = idx;
		p->last = idx;
		p->nchildren++;
	}
	/* The stack holds at most one node per depth 0..LB_MIME_DEPTH_MAX. */
	c->stack[c->sp++] = idx;
	*idx_r = idx;
	return 0;
}

static int
can_descend(const struct ctx *c, const struct node *t)
{
	return t->depth < LB_MIME_DEPTH_MAX && NNODES(c) < LB_MIME_PARTS_MAX;
}

/* The header of the top node ended (blank line) at raw offset body. */
static int
header_done(struct ctx *c, size_t idx, size_t body)
{
	struct node *t;
	size_t child;

	t = &NODES(c)[idx];
	t->hdr_end = t->body_off = body;
	t->flags |= MIME_F_BLANK;
	if (interpret(c, idx) == -1)
		return -1;
	t = &NODES(c)[idx];
	t->state = ST_BODY;
	if (sref_is(c, &t->type, "multipart")) {
		if (t->boundary.set && can_descend(c, t)) {
			t->kind = MIME_MULTIPART;
			t->state = ST_MP;
			c->active++;
		} else
			t->flags |= MIME_F_OPAQUE;
	} else if (sref_is(c, &t->type, "message") &&
	    sref_is(c, &t->subtype, "rfc822")) {
		/* An encoded message/rfc822 (RFC 2046 5.2.1 forbids it)
		 * cannot be parsed in place. */
		if ((!t->enc.set || sref_is(c, &t->enc, "7bit") ||
		    sref_is(c, &t->enc, "8bit") ||
		    sref_is(c, &t->enc, "binary")) && can_descend(c, t)) {
			t->kind = MIME_MESSAGE;
			if (new_node(c, idx, body, &child) == -1)
				return -1;
		} else
			t->flags |= MIME_F_OPAQUE;
	}
	return 0;
}

/* Close node idx: its part ends at raw offset end. */
static int
close_node(struct ctx *c, size_t idx, size_t end)
{
	struct node *t = &NODES(c)[idx];

	/*
	 * The line break before a delimiter belongs to the delimiter, so
	 * end may lie before the part's start (an empty part right after
	 * the previous delimiter) or inside its blank line: the part is
	 * then squeezed to end, as every enclosing part ends there too.
	 */
	if (end < t->hdr_off)
		t->hdr_off = end;
	if (t->state == ST_HDR) {
		/* No blank line: the header runs to the end of the part. */
		t->hdr_end = t->body_off = end;
		if (interpret(c, idx) == -1)
			return -1;
		t = &NODES(c)[idx];
		if (sref_is(c, &t->type, "multipart") ||
		    (sref_is(c, &t->type, "message") &&
		    sref_is(c, &t->subtype, "rfc822")))
			t->flags |= MIME_F_OPAQUE;
	}
	if (end < t->body_off) {
		t->hdr_end = t->body_off = end;
		t->flags &= ~MIME_F_BLANK;
	}
	t->end = end;
	if (t->state == ST_MP)
		c->active--;
	if (t->kind == MIME_MULTIPART && t->nchildren == 0) {
		t->kind = MIME_LEAF;
		t->flags |= MIME_F_OPAQUE;
	}
	t->state = ST_DONE;
	return 0;
}

/*
 * Does the line at L start with a delimiter of an active multipart?
 * Innermost first.  Returns the stack index, or NONE; *close_r set.
 */
static size_t
match_boundary(const struct ctx *c, size_t L, int *close_r)
{
	const char *d = c->d, *b;
	size_t n = c->n, k, i, bl, r;
	const struct node *t;

	if (L + 2 > n || d[L] != '-' || d[L + 1] != '-')
		return NONE;
	for (k = c->sp; k-- > 0;) {
		t = &NODES(c)[c->stack[k]];
		if (t->state != ST_MP)
			continue;
		b = sref_ptr(c, &t->boundary);
		bl = t->boundary.len;
		if (bl > n - L - 2 || memcmp(d + L + 2, b, bl) != 0)
			continue;
		i = L + 2 + bl;
		*close_r = 0;
		for (r = 0; r < 2; r++) {
			size_t j = i;

			if (r == 0) {
				if (n - j < 2 || d[j] != '-' || d[j + 1] != '-')
					continue;
				j += 2;
			}
			while (j < n && (d[j] == ' ' || d[j] == '\t' ||
			    d[j] == '\r'))
				j++;
			if (j == n || d[j] == '\n') {
				*close_r = r == 0;
				return k;
			}
		}
	}
	return NONE;
}

/* A delimiter of stack entry k at line L; the next line starts at next. */
static int
on_boundary(struct ctx *c, size_t k, size_t L, size_t next, int close)
{
	size_t end = L, mp, child;

	/* RFC 2046 sec. 5.1.1: the line break before belongs to it. */
	if (end > 0 && c->d[end - 1] == '\n') {
		end--;
		if (end > 0 && c->d[end - 1] == '\r')
			end--;
	}
	while (c->sp - 1 > k)
		if (close_node(c, c->stack[--c->sp], end) == -1)
			return -1;
	mp = c->stack[k];
	if (close) {
		NODES(c)[mp].state = ST_EPI;
		c->active--;
	} else if (NNODES(c) < LB_MIME_PARTS_MAX) {
		if (new_node(c, mp, next, &child) == -1)
			return -1;
	}
	/* Past the part bound, the delimiter only ends the previous part. */
	return 0;
}

static int
scan(struct ctx *c)
{
	const char *d = c->d, *f;
	size_t n = c->n, pos = 0, next, L, k, root;
	struct node *t;
	int close;

	if (new_node(c, NONE, 0, &root) == -1)
		return -1;
	while (c->sp > 0 && pos < n) {
		t = &NODES(c)[c->stack[c->sp - 1]];
		if (t->state == ST_HDR) {
			/* pos is at the start of a header line. */
			next = line_next(d, n, pos);
			if (c->active > 0 &&
			    (k = match_boundary(c, pos, &close)) != NONE) {
				if (on_boundary(c, k, pos, next, close) == -1)
					return -1;
			} else if (is_blank_line(d, n, pos)) {
				if (header_done(c, c->stack[c->sp - 1],
				    next) == -1)
					return -1;
			}
			pos = next;
			continue;
		}
		/* In a body: only delimiters matter. */
		if (c->active == 0)
			break;
		if ((pos == 0 || d[pos - 1] == '\n') && n - pos >= 2 &&
		    d[pos] == '-' && d[pos + 1] == '-')
			L = pos;
		else if ((f = memmem(d + pos, n - pos, "\n--", 3)) != NULL)
			L = (size_t)(f - d) + 1;
		else
			break;
		if ((k = match_boundary(c, L, &close)) != NONE) {
			next = line_next(d, n, L);
			if (on_boundary(c, k, L, next, close) == -1)
				return -1;
			pos = next;
		} else
			pos = L + 2;
	}
	while (c->sp > 0)
		if (close_node(c, c->stack[--c->sp], n) == -1)
			return -1;
	return 0;
}

static struct mime_str
mkstr(const struct ctx *c, const struct sref *r)
{
	struct mime_str s = { NULL, 0 };

	if (!r->set)
		return s;
	s.len = r->len;
	if (r->lit != NULL)
		s.p = r->lit;
	else
		s.p = c->pool.p != NULL ? c->pool.p + r->off : "";
	return s;
}

/* Make the public tree.  The pool no longer grows. */
static int
finish(struct ctx *c, struct mime_msg *m)
{
	size_t i, nn = NNODES(c), np = NIPARAMS(c);
	const struct node *t;
	struct mime_part *p;

	m->parts = calloc(nn, sizeof(*m->parts));
	m->params = calloc(np > 0 ? np : 1, sizeof(*m->params));
	if (m->parts == NULL || m->params == NULL)
		return -1;
	m->nparts = nn;
	for (i = 0; i < np; i++) {
		m->params[i].attr = mkstr(c, &IPARAMS(c)[i].attr);
		m->params[i].value = mkstr(c, &IPARAMS(c)[i].value);
	}
	for (i = 0; i < nn; i++) {
		t = &NODES(c)[i];
		p = &m->parts[i];
		p->parent = t->parent != NONE ? &m->parts[t->parent] : NULL;
		p->child = t->first != NONE ? &m->parts[t->first] : NULL;
		p->next = t->next != NONE ? &m->parts[t->next] : NULL;
		p->nchildren = t->nchildren;
		p->depth = t->depth;
		p->kind = (enum mime_kind)t->kind;
		p->flags = t->flags;
		p->hdr_off = t->hdr_off;
		p->hdr_len = t->hdr_end - t->hdr_off;
		p->body_off = t->body_off;
		p->body_len = t->end - t->body_off;
		p->hdr_size = mime_crlf_size(c->d + p->hdr_off, p->hdr_len,
		    NULL);
		p->body_size = mime_crlf_size(c->d + p->body_off, p->body_len,
		    &p->body_lines);
		p->type = mkstr(c, &t->type);
		p->subtype = mkstr(c, &t->subtype);
		p->params = &m->params[t->pfirst];
		p->nparams = t->pcount;
		p->id = mkstr(c, &t->id);
		p->description = mkstr(c, &t->desc);
		p->encoding = mkstr(c, &t->enc);
		p->disposition = mkstr(c, &t->disp);
		p->disp_params = &m->params[t->dfirst];
		p->ndisp_params = t->disp.set ? t->dcount : 0;
		p->language = mkstr(c, &t->lang);
		p->location = mkstr(c, &t->loc);
		p->md5 = mkstr(c, &t->md5);
		p->boundary = mkstr(c, &t->boundary);
	}
	return 0;
}

int
mime_parse(const char *data, size_t len, struct mime_msg **msg_r)
{
	struct ctx c;
	struct mime_msg *m;
	int r = -1;

	*msg_r = NULL;
	if (len > LB_MESSAGE_MAX) {
		errno = EFBIG;
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	memset(&c, 0, sizeof(c));
	c.d = data != NULL ? data : "";
	c.n = data != NULL ? len : 0;
	buf_init(&c.nodes, LB_MIME_PARTS_MAX * sizeof(struct node));
	/* Per part: Content-Type and -Disposition parameters, joined ones
	 * and the default charset.  The +1 covers copies made by interpret
	 * when it moves a part's parameters. */
	buf_init(&c.params, (size_t)LB_MIME_PARTS_MAX *
	    (4 * LB_MIME_PARAMS_MAX + 2) * sizeof(struct iparam));
	/* Decoded strings never outgrow their source except by RFC 2231
	 * %-encoding (x3) of plain segments joined to extended ones. */
	buf_init(&c.pool, 3 * c.n + 4096);
	buf_init(&c.tmp, LB_MIME_FIELD_MAX);
	m->data = c.d;
	m->len = c.n;
	m->size = mime_crlf_size(c.d, c.n, NULL);
	if (scan(&c) == 0 && finish(&c, m) == 0) {
		/* The pool is handed over, not freed. */
		m->pool = c.pool.p;
		c.pool.p = NULL;
		r = 0;
	}
	buf_free(&c.nodes);
	buf_free(&c.params);
	buf_free(&c.pool);
	buf_free(&c.tmp);
	if (r == -1) {
		if (errno != E2BIG)
			errno = ENOMEM;
		mime_free(&m);
		return -1;
	}
	*msg_r = m;
	return 0;
}

void
mime_free(struct mime_msg **mp)
{
	struct mime_msg *m = *mp;

	if (m == NULL)
		return;
	free(m->parts);
	free(m->params);
	free(m->pool);
	free(m);
	*mp = NULL;
}

const struct mime_part *
mime_root(const struct mime_msg *m)
{
	return &m->parts[0];
}

size_t
mime_nparts(const struct mime_msg *m)
{
	return m->nparts;
}

const char *
mime_data(const struct mime_msg *m)
{
	return m->data;
}

size_t
mime_len(const struct mime_msg *m)
{
	return m->len;
}

size_t
mime_size(const struct mime_msg *m)
{
	return m->size;
}

const struct mime_param *
mime_param(const struct mime_part *p, const char *attr)
{
	size_t i;

	for (i = 0; i < p->nparams; i++)
		if (mime_name_eq(&p->params[i].attr, attr))
			return &p->params[i];
	return NULL;
}
