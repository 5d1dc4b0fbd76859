/*
 * tests/unit/test_mime.c -- common/mime.c: the part tree, offsets and CRLF
 * sizes of the sample messages in tests/data/mime, the CRLF window copier,
 * header helpers, RFC 2231, boundary rules and hostile inputs.  Run from
 * the top of the tree (make unit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/mime.h"
#include "tests/unit/test.h"

static char *
slurp(const char *name, size_t *len_r)
{
	char path[512];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "tests/data/mime/%s", name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "  cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	*len_r = (size_t)n;
	return p;
}

/* The reference: convert naively, the whole thing at once. */
static size_t
naive_crlf(const char *p, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) {
			if (out)
				out[o] = '\r';
			o++;
		}
		if (out)
			out[o] = p[i];
		o++;
	}
	return o;
}

static size_t checked_parts;

/* Every part's sizes against the naive conversion of its raw range, and
 * the tree's invariants. */
static void
check_tree(const struct mime_part *p, const char *d, size_t len)
{
	const struct mime_part *c;
	size_t n = 0;

	checked_parts++;
	CHECK(p->hdr_off + p->hdr_len == p->body_off);
	CHECK(p->body_off + p->body_len <= len);
	CHECK(p->hdr_size == naive_crlf(d + p->hdr_off, p->hdr_len, NULL));
	CHECK(p->body_size == naive_crlf(d + p->body_off, p->body_len, NULL));
	CHECK(p->type.p != NULL && p->subtype.p != NULL);
	for (c = p->child; c != NULL; c = c->next) {
		n++;
		CHECK(c->parent == p);
		CHECK(c->depth == p->depth + 1);
		CHECK(c->hdr_off >= p->body_off);
		CHECK(c->body_off + c->body_len <= p->body_off + p->body_len);
		check_tree(c, d, len);
	}
	CHECK(n == p->nchildren);
	if (p->kind == MIME_MESSAGE) {
		CHECK(n == 1);
		CHECK(p->child->flags & MIME_F_ISMSG);
		/* The encapsulated message is exactly the part's body. */
		CHECK(p->child->hdr_off == p->body_off);
		CHECK(p->child->body_off + p->child->body_len ==
		    p->body_off + p->body_len);
	}
	if (p->kind == MIME_LEAF)
		CHECK(n == 0);
	CHECK(p->depth <= LB_MIME_DEPTH_MAX);
}

static struct mime_msg *
parse_file(const char *name, char **data_r)
{
	struct mime_msg *m = NULL;
	size_t len;
	char *d;

	*data_r = NULL;
	if ((d = slurp(name, &len)) == NULL) {
		CHECK(!"sample missing");
		return NULL;
	}
	CHECK(mime_parse(d, len, &m) == 0);
	if (m == NULL) {
		free(d);
		return NULL;
	}
	CHECK(mime_size(m) == naive_crlf(d, len, NULL));
	CHECK(mime_len(m) == len);
	checked_parts = 0;
	check_tree(mime_root(m), d, len);
	CHECK(checked_parts == mime_nparts(m));
	*data_r = d;
	return m;
}

static int
str_is(const struct mime_str *s, const char *v)
{
	return s->p != NULL && s->len == strlen(v) && memcmp(s->p, v, s->len)
	    == 0;
}

static const char *samples[] = {
	"simple.eml", "alternative.eml", "mixed-attach.eml", "nested.eml",
	"rfc822-attach.eml", "koi8r.eml", "broken-boundary.eml",
	"no-separator.eml", "header-8bit.eml", "groups.eml", "crlf.eml",
	"rfc2231.eml", "digest.eml"
};

TEST(samples_sizes_match_naive_conversion)
{
	struct mime_msg *m;
	char *d;
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		m = parse_file(samples[i], &d);
		mime_free(&m);
		CHECK(m == NULL);
		free(d);
	}
}

TEST(simple_text)
{
	const struct mime_part *r;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("simple.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	CHECK(mime_nparts(m) == 1);
	CHECK(r->kind == MIME_LEAF);
	CHECK(r->flags & MIME_F_BLANK);
	CHECK(r->flags & MIME_F_ISMSG);
	/* "TEXT/PLAIN; CHARSET=US-ASCII": names lowercased, value kept. */
	CHECK(str_is(&r->type, "text") && str_is(&r->subtype, "plain"));
	CHECK(r->nparams == 1 && str_is(&r->params[0].attr, "charset") &&
	    str_is(&r->params[0].value, "US-ASCII"));
	CHECK(memcmp(d + r->body_off, "Hello Joe", 9) == 0);
	CHECK(r->body_lines == 3);
	CHECK(r->encoding.p == NULL);
	mime_free(&m);
	free(d);
}

TEST(multipart_alternative)
{
	const struct mime_part *r, *a, *b;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("alternative.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	CHECK(r->kind == MIME_MULTIPART && r->nchildren == 2);
	CHECK(str_is(&r->boundary, "==alt=="));
	a = r->child;
	b = a->next;
	CHECK(str_is(&a->subtype, "plain") && str_is(&b->subtype, "html"));
	/* The LF before "--==alt==" belongs to the delimiter. */
	CHECK(a->body_len == 14 && memcmp(d + a->body_off,
	    "Lunch at noon?", 14) == 0);
	CHECK(str_is(&a->encoding, "7bit"));
	CHECK(str_is(&b->encoding, "quoted-printable"));
	CHECK(b->next == NULL);
	mime_free(&m);
	free(d);
}

TEST(mixed_attachment_fields)
{
	const struct mime_part *r, *t, *a;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("mixed-attach.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	t = r->child;
	a = t->next;
	CHECK(str_is(&t->type, "text"));
	/* RFC 2046 4.1.2 default charset added for text parts. */
	CHECK(mime_param(t, "charset") != NULL &&
	    str_is(&mime_param(t, "charset")->value, "us-ascii"));
	CHECK(str_is(&a->type, "application") && str_is(&a->subtype, "pdf"));
	CHECK(str_is(&mime_param(a, "name")->value, "report.pdf"));
	CHECK(str_is(&a->encoding, "base64"));
	CHECK(str_is(&a->disposition, "attachment"));
	CHECK(a->ndisp_params == 2 &&
	    str_is(&a->disp_params[0].attr, "filename") &&
	    str_is(&a->disp_params[0].value, "report.pdf") &&
	    str_is(&a->disp_params[1].value, "768"));
	CHECK(str_is(&a->description, "The report"));
	CHECK(str_is(&a->id, "<part2@example.org>"));
	CHECK(str_is(&a->language, "en,de"));
	CHECK(str_is(&a->location, "http://example.org/report.pdf"));
	CHECK(str_is(&a->md5, "Q2hlY2sgSW50ZWdyaXR5IQ=="));
	/* 768 bytes of base64: 1024 characters in 14 lines of 76; the
	 * last LF belongs to the close delimiter, so 13 LFs. */
	CHECK(a->body_lines == 13);
	mime_free(&m);
	free(d);
}

TEST(nested_and_rfc822)
{
	const struct mime_part *r, *p, *msg;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("nested.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	CHECK(mime_nparts(m) == 5);
	CHECK(r->nchildren == 2 && r->child->kind == MIME_MULTIPART);
	CHECK(r->child->nchildren == 2);
	CHECK(str_is(&r->child->next->type, "image"));
	mime_free(&m);
	free(d);

	if ((m = parse_file("rfc822-attach.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	p = r->child->next;
	CHECK(p->kind == MIME_MESSAGE);
	msg = p->child;
	CHECK(msg->flags & MIME_F_ISMSG);
	CHECK(msg->kind == MIME_MULTIPART && msg->nchildren == 2);
	CHECK(memcmp(d + msg->hdr_off, "From: Carol", 11) == 0);
	CHECK(msg->depth == 2 && msg->child->depth == 3);
	mime_free(&m);
	free(d);
}

TEST(broken_boundaries)
{
	const struct mime_part *r, *inner, *second;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("broken-boundary.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	/* The inner multipart is never closed: the outer "--A" ends it. */
	CHECK(r->nchildren == 2);
	inner = r->child;
	CHECK(inner->kind == MIME_MULTIPART && inner->nchildren == 1);
	CHECK(inner->child->body_len == 23);
	second = inner->next;
	/* "--Axyz" is not a delimiter of "A" (RFC 2046: only padding may
	 * follow), so it stays in the text. */
	CHECK(memmem(d + second->body_off, second->body_len, "--Axyz", 6)
	    != NULL);
	mime_free(&m);
	free(d);
}

TEST(no_separator_and_crlf)
{
	const struct mime_part *r;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("no-separator.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	CHECK(!(r->flags & MIME_F_BLANK));
	CHECK(r->hdr_len == mime_len(m) && r->body_len == 0);
	mime_free(&m);
	free(d);

	if ((m = parse_file("crlf.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	CHECK(r->nchildren == 2);
	/* "\r\n--c": CR and LF both go with the delimiter. */
	CHECK(r->child->body_len == 18);
	CHECK(r->child->body_size == 18);
	/* "mixed\nends": a bare LF inside a CRLF file. */
	CHECK(r->child->next->body_size == r->child->next->body_len + 1);
	CHECK(mime_size(m) == mime_len(m) + 1);
	mime_free(&m);
	free(d);
}

TEST(rfc2231_and_digest)
{
	const struct mime_part *r, *c;
	const struct mime_param *t, *f;
	struct mime_msg *m;
	char *d;

	if ((m = parse_file("rfc2231.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	t = mime_param(r, "title*");
	CHECK(t != NULL && str_is(&t->value, "us-ascii'en'This%20is%20even"
	    "%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!"));
	CHECK(r->nparams == 1);
	CHECK(r->ndisp_params == 1);
	f = &r->disp_params[0];
	CHECK(str_is(&f->attr, "filename") &&
	    str_is(&f->value, "long file name.txt"));
	mime_free(&m);
	free(d);

	if ((m = parse_file("digest.eml", &d)) == NULL)
		return;
	r = mime_root(m);
	c = r->child;
	/* RFC 2046 5.1.5: in a digest the default is message/rfc822. */
	CHECK(str_is(&c->type, "message") && str_is(&c->subtype, "rfc822"));
	CHECK(c->kind == MIME_MESSAGE);
	CHECK(str_is(&c->next->type, "text"));
	mime_free(&m);
	free(d);
}

TEST(crlf_copy_windows)
{
	static const char *in[] = {
		"", "\n", "\r\n", "a\nb\r\nc\n", "\n\n\r\r\n", "abc",
		"x\r", "\nstart", "a\0b\nc"
	};
	static const size_t inlen[] = { 0, 1, 2, 7, 5, 3, 2, 6, 5 };
	char ref[64];
	struct buf b;
	size_t i, n;
	uint64_t o, c;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		n = naive_crlf(in[i], inlen[i], ref);
		CHECK(mime_crlf_size(in[i], inlen[i], NULL) == n);
		for (o = 0; o <= n + 1; o++)
			for (c = 0; c <= n + 1; c++) {
				size_t want = o >= n ? 0 :
				    (c < n - o ? c : n - o);

				buf_reset(&b);
				CHECK(mime_crlf_copy(in[i], inlen[i], o, c, 0,
				    &b) == 0);
				CHECK(b.len == want);
				CHECK(want == 0 ||
				    memcmp(b.p, ref + o, want) == 0);
			}
		buf_reset(&b);
		CHECK(mime_crlf_copy(in[i], inlen[i], 0, UINT64_MAX, 0,
		    &b) == 0 && b.len == n);
	}
	/* NUL becomes 0x80 when asked, size unchanged. */
	buf_reset(&b);
	CHECK(mime_crlf_copy("a\0b", 3, 0, UINT64_MAX, MIME_COPY_NONUL,
	    &b) == 0);
	CHECK(b.len == 3 && (unsigned char)b.p[1] == 0x80);
	/* A full buffer is an error, not a silent truncation. */
	buf_free(&b);
	buf_init(&b, 4);
	CHECK(mime_crlf_copy("a\nb\nc\n", 6, 0, UINT64_MAX, 0, &b) == -1);
	buf_free(&b);
}

TEST(lines_count_lfs)
{
	size_t lines;

	mime_crlf_size("a\nb\n", 4, &lines);
	CHECK(lines == 2);
	mime_crlf_size("a\nb", 3, &lines);
	CHECK(lines == 1);
	mime_crlf_size("", 0, &lines);
	CHECK(lines == 0);
}

TEST(header_helpers)
{
	static const char h[] =
	    "Subject: one\r\n two\r\n"
	    "X-Empty:\n"
	    "Odd line without colon\n"
	    "To : a@b\n"
	    "\n"
	    "Body: not a header\n";
	struct mime_hdr_iter it;
	struct mime_field f;
	struct buf b;
	int n = 0;

	mime_hdr_init(&it, h, sizeof(h) - 1);
	while (mime_hdr_next(&it, &f))
		n++;
	CHECK(n == 4);
	CHECK(mime_hdr_find(h, sizeof(h) - 1, "SUBJECT", &f) == 1);
	CHECK(f.raw.len == 20);
	buf_init(&b, 0);
	CHECK(mime_unfold(f.value.p, f.value.len, &b) == 0);
	CHECK(b.len == 7 && memcmp(b.p, "one two", 7) == 0);
	buf_reset(&b);
	/* Unfolding keeps the blank of the continuation line. */
	CHECK(mime_unfold(" one\r\n two \n", 12, &b) == 0);
	CHECK(b.len == 7 && memcmp(b.p, "one two", 7) == 0);
	buf_free(&b);
	CHECK(mime_hdr_find(h, sizeof(h) - 1, "to", &f) == 1);
	CHECK(f.value.len == 3 && memcmp(f.value.p, "a@b", 3) == 0);
	CHECK(mime_hdr_find(h, sizeof(h) - 1, "x-empty", &f) == 1);
	CHECK(f.value.len == 0);
	/* Fields after the blank line are body. */
	CHECK(mime_hdr_find(h, sizeof(h) - 1, "body", &f) == 0);
}

static struct mime_msg *
parse_str(const char *s, size_t len)
{
	struct mime_msg *m = NULL;

	CHECK(mime_parse(s, len, &m) == 0);
	if (m != NULL) {
		CHECK(mime_size(m) == naive_crlf(s, len, NULL));
		checked_parts = 0;
		check_tree(mime_root(m), s, len);
		CHECK(checked_parts == mime_nparts(m));
	}
	return m;
}

TEST(boundary_rules)
{
	/* Transport padding after the delimiter, a close delimiter with
	 * padding, a line that only starts like the boundary. */
	static const char s[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b \t\n\npart1\n--bb\n--b\n\npart2\n--b--  \nepilogue\n--b\n";
	const struct mime_part *r;
	struct mime_msg *m;

	if ((m = parse_str(s, sizeof(s) - 1)) == NULL)
		return;
	r = mime_root(m);
	CHECK(r->nchildren == 2);
	CHECK(r->child->body_len == 10);	/* "part1\n--bb" */
	CHECK(r->child->next->body_len == 5);
	/* After the close delimiter the boundary is dead: the last "--b"
	 * is epilogue. */
	mime_free(&m);
}

TEST(empty_parts_before_delimiters)
{
	/* An outer delimiter right after an inner one, and two delimiters
	 * in a row: the empty parts must still nest (found by fuzzing). */
	static const char s1[] =
	    "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n--a--\n";
	static const char s2[] =
	    "Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n"
	    "Content-Type: text/plain\n\n--a--\n";
	struct mime_msg *m;

	if ((m = parse_str(s1, sizeof(s1) - 1)) != NULL) {
		const struct mime_part *in = mime_root(m)->child;

		CHECK(in->kind == MIME_MULTIPART && in->nchildren == 1);
		CHECK(in->child->hdr_len == 0 && in->child->body_len == 0);
		mime_free(&m);
	}
	if ((m = parse_str(s2, sizeof(s2) - 1)) != NULL) {
		const struct mime_part *c = mime_root(m)->child;

		CHECK(mime_root(m)->nchildren == 2);
		CHECK(c->hdr_len == 0 && c->body_len == 0);
		/* Its blank line was the delimiter's line break. */
		CHECK(!(c->next->flags & MIME_F_BLANK));
		CHECK(c->next->body_len == 0);
		mime_free(&m);
	}
}

TEST(malformed_multiparts_are_opaque)
{
	static const char nob[] =
	    "Content-Type: multipart/mixed\n\nno boundary here\n";
	static const char none[] =
	    "Content-Type: multipart/mixed; boundary=zz\n\nnever found\n";
	static const char enc[] =
	    "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64"
	    "\n\nRnJvbTogYUBiCgpoaQo=\n";
	static const char hdrend[] =
	    "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	    "Content-Type: multipart/mixed; boundary=r\n--q--\n";
	struct mime_msg *m;

	if ((m = parse_str(nob, sizeof(nob) - 1)) != NULL) {
		CHECK(mime_root(m)->flags & MIME_F_OPAQUE);
		CHECK(mime_root(m)->kind == MIME_LEAF);
		mime_free(&m);
	}
	if ((m = parse_str(none, sizeof(none) - 1)) != NULL) {
		CHECK(mime_root(m)->flags & MIME_F_OPAQUE);
		CHECK(mime_root(m)->nchildren == 0);
		mime_free(&m);
	}
	if ((m = parse_str(enc, sizeof(enc) - 1)) != NULL) {
		CHECK(mime_root(m)->flags & MIME_F_OPAQUE);
		mime_free(&m);
	}
	/* A part whose header is cut by the next delimiter. */
	if ((m = parse_str(hdrend, sizeof(hdrend) - 1)) != NULL) {
		const struct mime_part *c = mime_root(m)->child;

		CHECK(c != NULL && (c->flags & MIME_F_OPAQUE) &&
		    !(c->flags & MIME_F_BLANK) && c->body_len == 0);
		mime_free(&m);
	}
}

TEST(nul_bare_cr_8bit)
{
	static const char s[] =
	    "Subject: a\0b\rc\xff\n"
	    "Content-Type: multipart/mixed; boundary=\"x\0y\"\n\n"
	    "--x\0y\n\n\0\0\r\r\n--x\0y--\n";
	struct mime_msg *m;

	if ((m = parse_str(s, sizeof(s) - 1)) != NULL) {
		CHECK(mime_root(m)->nchildren == 1);
		CHECK(mime_root(m)->child->body_len == 3);
		mime_free(&m);
	}
}

/* n nested multiparts, each with its own boundary. */
static char *
deep_multipart(size_t n, size_t *len_r)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%zu\n"
		    "\n--b%zu\n", i, i);
	buf_puts(&b, "\ninnermost\n");
	for (i = n; i-- > 0;)
		buf_printf(&b, "--b%zu--\n", i);
	*len_r = b.len;
	return b.p;
}

TEST(hostile_deep_nesting)
{
	const struct mime_part *p;
	struct mime_msg *m;
	size_t len, depth = 0;
	char *s;

	s = deep_multipart(10000, &len);
	if ((m = parse_str(s, len)) != NULL) {
		/* Levels 0..LB_MIME_DEPTH_MAX are parts; the one at the
		 * bound is an opaque leaf holding the rest. */
		for (p = mime_root(m); p->child != NULL; p = p->child)
			depth++;
		CHECK(depth == LB_MIME_DEPTH_MAX);
		CHECK(p->flags & MIME_F_OPAQUE);
		CHECK(mime_nparts(m) == LB_MIME_DEPTH_MAX + 1);
		mime_free(&m);
	}
	free(s);

	/* 10,000 nested message/rfc822. */
	{
		struct buf b;
		size_t i;

		buf_init(&b, 0);
		for (i = 0; i < 10000; i++)
			buf_puts(&b, "Content-Type: message/rfc822\n\n");
		buf_puts(&b, "Subject: deep\n\nbody\n");
		if ((m = parse_str(b.p, b.len)) != NULL) {
			CHECK(mime_nparts(m) == LB_MIME_DEPTH_MAX + 1);
			mime_free(&m);
		}
		buf_free(&b);
	}
}

TEST(hostile_many_parts)
{
	struct buf b;
	struct mime_msg *m;
	size_t i;

	buf_init(&b, 0);
	buf_puts(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < LB_MIME_PARTS_MAX + 50; i++)
		buf_puts(&b, "--p\n\nx\n");
	buf_puts(&b, "--p--\n");
	if ((m = parse_str(b.p, b.len)) != NULL) {
		CHECK(mime_nparts(m) == LB_MIME_PARTS_MAX);
		CHECK(mime_root(m)->nchildren == LB_MIME_PARTS_MAX - 1);
		mime_free(&m);
	}
	buf_free(&b);
}

TEST(hostile_long_line_and_many_fields)
{
	struct buf b;
	struct mime_msg *m;
	size_t i;

	/* A 1 MB header line: just a long header (and too long to be
	 * interpreted, so the type stays the default). */
	buf_init(&b, 0);
	buf_puts(&b, "Content-Type: text/html; x=");
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&b, 'a' + (int)(i % 26));
	buf_puts(&b, "\nSubject: s\n\nbody\n");
	if ((m = parse_str(b.p, b.len)) != NULL) {
		CHECK(mime_root(m)->hdr_len == b.len - 5);
		CHECK(str_is(&mime_root(m)->subtype, "plain"));
		mime_free(&m);
	}
	buf_reset(&b);

	/* 100,000 fields; the Content-Type after the interpretation bound
	 * is ignored, the bytes are all header. */
	for (i = 0; i < 100000; i++)
		buf_printf(&b, "X-F%zu: v\n", i);
	buf_puts(&b, "Content-Type: text/html\n\nbody\n");
	if ((m = parse_str(b.p, b.len)) != NULL) {
		CHECK(mime_root(m)->body_len == 5);
		CHECK(str_is(&mime_root(m)->subtype, "plain"));
		mime_free(&m);
	}
	buf_free(&b);
}

TEST(hostile_unterminated)
{
	static const char s[] =
	    "Content-Type: multipart/mixed; boundary=u\n\n--u\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\nAAAA\nAAA";
	static const char hdr[] = "Subject: cut (no end of line";
	struct mime_msg *m;

	if ((m = parse_str(s, sizeof(s) - 1)) != NULL) {
		CHECK(mime_root(m)->nchildren == 1);
		CHECK(mime_root(m)->child->body_len == 8);
		mime_free(&m);
	}
	if ((m = parse_str(hdr, sizeof(hdr) - 1)) != NULL) {
		CHECK(mime_root(m)->hdr_len == sizeof(hdr) - 1);
		mime_free(&m);
	}
	if ((m = parse_str("", 0)) != NULL) {
		CHECK(mime_size(m) == 0);
		mime_free(&m);
	}
}
