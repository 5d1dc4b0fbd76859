/*
 * tests/unit/test_bodystruct.c -- imap/quote.c, imap/bodystruct.c and
 * imap/section.c: ENVELOPE, BODY and BODYSTRUCTURE of the samples in
 * tests/data/mime (expected strings checked by hand against RFC 3501 sec.
 * 7.4.2 and 9, and in form against Dovecot's), FETCH sections with
 * partials, and hostile input.  Run from the top of the tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/mime.h"
#include "imap/bodystruct.h"
#include "imap/quote.h"
#include "imap/section.h"
#include "tests/unit/test.h"

static char *
slurp(const char *name, size_t *len_r)
{
	char path[512];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "tests/data/mime/%s", name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
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

/* Buffer contents as a C string (the harness compares with strcmp). */
static const char *
s(struct buf *b)
{
	const char *r = buf_cstr(b);

	return r != NULL ? r : "(no memory)";
}

struct expect {
	const char	*file;
	const char	*envelope;
	const char	*body;
	const char	*bodystructure;
};

static const struct expect expected[] = {
	{ "simple.eml",
	    "(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting"
	    "\" ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) "
	    "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) (("
	    "\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((NIL"
	    " NIL \"mooch\" \"owatagu.siam.example\")) NIL NIL NIL \"<B2739"
	    "7-0100000@Blurdybloop.example>\")",
	    "(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit"
	    "\" 63 3)",
	    "(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit"
	    "\" 63 3 NIL NIL NIL NIL)" },
	{ "alternative.eml",
	    "(\"Tue, 1 Mar 2022 10:00:00 +0000\" \"Lunch\" ((\"Bob Example"
	    "\" NIL \"bob\" \"example.com\")) ((\"Bob Example\" NIL \"bob\""
	    " \"example.com\")) ((\"Bob Example\" NIL \"bob\" \"example.com"
	    "\")) ((\"Alice\" NIL \"alice\" \"example.net\")(NIL NIL \"caro"
	    "l\" \"example.net\")) ((\"Dave, Jr.\" NIL \"dave\" \"example.o"
	    "rg\")) NIL \"<prev@example.net>\" \"<alt1@example.com>\")",
	    "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" "
	    "14 0)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quot"
	    "ed-printable\" 47 0) \"alternative\")",
	    "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" "
	    "14 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\""
	    ") NIL NIL \"quoted-printable\" 47 0 NIL NIL NIL NIL) \"alterna"
	    "tive\" (\"boundary\" \"==alt==\") NIL NIL NIL)" },
	{ "mixed-attach.eml",
	    "(\"Wed, 2 Mar 2022 11:00:00 +0100\" \"report\" ((NIL NIL \"ali"
	    "ce\" \"example.org\")) ((NIL NIL \"alice\" \"example.org\")) ("
	    "(NIL NIL \"alice\" \"example.org\")) ((NIL NIL \"bob\" \"examp"
	    "le.com\")) NIL NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 15 1)(\"application\" \"pdf\" (\"name\" \"report.pdf\") \"<"
	    "part2@example.org>\" \"The report\" \"base64\" 1050) \"mixed\""
	    ")",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 15 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"r"
	    "eport.pdf\") \"<part2@example.org>\" \"The report\" \"base64\""
	    " 1050 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename"
	    "\" \"report.pdf\" \"size\" \"768\")) (\"en\" \"de\") \"http://"
	    "example.org/report.pdf\") \"mixed\" (\"boundary\" \"XyZ\") NIL"
	    " NIL NIL)" },
	{ "nested.eml",
	    "(NIL \"nested\" ((NIL NIL \"alice\" \"example.org\")) ((NIL NI"
	    "L \"alice\" \"example.org\")) ((NIL NIL \"alice\" \"example.or"
	    "g\")) ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL NIL)",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bi"
	    "t\" 5 0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 11 0) \"alternative\")(\"image\" \"gif\" NIL NIL NIL "
	    "\"base64\" 20) \"mixed\")",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bi"
	    "t\" 5 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-a"
	    "scii\") NIL NIL \"7bit\" 11 0 NIL NIL NIL NIL) \"alternative\""
	    " (\"boundary\" \"inner\") NIL NIL NIL)(\"image\" \"gif\" NIL N"
	    "IL NIL \"base64\" 20 NIL (\"inline\" NIL) NIL NIL) \"mixed\" ("
	    "\"boundary\" \"outer\") NIL NIL NIL)" },
	{ "rfc822-attach.eml",
	    "(NIL \"Fwd: hello\" ((NIL NIL \"alice\" \"example.org\")) ((NI"
	    "L NIL \"alice\" \"example.org\")) ((NIL NIL \"alice\" \"exampl"
	    "e.org\")) ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 24 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 304 (\"Th"
	    "u, 3 Mar 2022 12:00:00 +0000\" \"hello\" ((\"Carol\" NIL \"car"
	    "ol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net"
	    "\")) ((\"Carol\" NIL \"carol\" \"example.net\")) ((NIL NIL \"a"
	    "lice\" \"example.org\")) NIL NIL NIL \"<inner@example.net>\") "
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 2 0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 9 0) \"alternative\") 16) \"mixed\")",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 24 0 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \""
	    "7bit\" 304 (\"Thu, 3 Mar 2022 12:00:00 +0000\" \"hello\" ((\"C"
	    "arol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol"
	    "\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\""
	    ")) ((NIL NIL \"alice\" \"example.org\")) NIL NIL NIL \"<inner@"
	    "example.net>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\""
	    ") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"c"
	    "harset\" \"us-ascii\") NIL NIL \"7bit\" 9 0 NIL NIL NIL NIL) "
	    "\"alternative\" (\"boundary\" \"b2\") NIL NIL NIL) 16 NIL (\"a"
	    "ttachment\" NIL) NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL "
	    "NIL NIL)" },
	{ "koi8r.eml",
	    "(\"Fri, 4 Mar 2022 09:00:00 +0300\" \"=?koi8-r?B?8NLJ18XULCDNy"
	    "dI=?=\" ((\"=?koi8-r?B?6dfBzg==?=\" NIL \"ivan\" \"example.ru"
	    "\")) ((\"=?koi8-r?B?6dfBzg==?=\" NIL \"ivan\" \"example.ru\"))"
	    " ((\"=?koi8-r?B?6dfBzg==?=\" NIL \"ivan\" \"example.ru\")) ((N"
	    "IL NIL \"petr\" \"example.ru\")) NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"koi8-r\") NIL NIL \"quoted-"
	    "printable\" 56 1)",
	    "(\"text\" \"plain\" (\"charset\" \"koi8-r\") NIL NIL \"quoted-"
	    "printable\" 56 1 NIL NIL NIL NIL)" },
	{ "broken-boundary.eml",
	    "(NIL \"broken\" ((NIL NIL \"x\" \"example.org\")) ((NIL NIL \""
	    "x\" \"example.org\")) ((NIL NIL \"x\" \"example.org\")) NIL NI"
	    "L NIL NIL NIL)",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bi"
	    "t\" 23 0) \"alternative\")(\"text\" \"plain\" (\"charset\" \"u"
	    "s-ascii\") NIL NIL \"7bit\" 55 2) \"mixed\")",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bi"
	    "t\" 23 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"B\")"
	    " NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NI"
	    "L NIL \"7bit\" 55 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" "
	    "\"A\") NIL NIL NIL)" },
	{ "no-separator.eml",
	    "(\"Sat, 5 Mar 2022 10:00:00 +0000\" \"no body\" ((NIL NIL \"x"
	    "\" \"example.org\")) ((NIL NIL \"x\" \"example.org\")) ((NIL N"
	    "IL \"x\" \"example.org\")) NIL NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 0 0)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 0 0 NIL NIL NIL NIL)" },
	{ "groups.eml",
	    "(\"Thu, 13 Feb 1969 23:32:54 -0330\" \"groups\" ((\"Pete\" NIL"
	    " \"pete\" \"silly.test\")) ((\"Pete\" NIL \"pete\" \"silly.tes"
	    "t\")) ((\"Pete\" NIL \"pete\" \"silly.test\")) ((NIL NIL \"und"
	    "isclosed-recipients\" NIL)(NIL NIL NIL NIL)) ((NIL NIL \"A Gro"
	    "up\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" "
	    "\"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NI"
	    "L NIL)(\"Mary Smith\" \"@machine.tld\" \"mary\" \"example.net"
	    "\")) ((NIL NIL \"user\" \"MISSING_DOMAIN\")(NIL NIL \"quoted l"
	    "ocal\" \"example.com\")(\"John Doe\" NIL \"jdoe\" \"example.or"
	    "g\")(NIL NIL \"\" \"\")) NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 10 1)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 10 1 NIL NIL NIL NIL)" },
	{ "crlf.eml",
	    "(NIL \"crlf\" ((NIL NIL \"c\" \"example.org\")) ((NIL NIL \"c"
	    "\" \"example.org\")) ((NIL NIL \"c\" \"example.org\")) NIL NIL"
	    " NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 18 1)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
	    " \"7bit\" 11 1) \"mixed\")",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 18 1 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-"
	    "ascii\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL) \"mixed\" (\"b"
	    "oundary\" \"c\") NIL NIL NIL)" },
	{ "rfc2231.eml",
	    "(NIL \"2231\" ((NIL NIL \"a\" \"example.org\")) ((NIL NIL \"a"
	    "\" \"example.org\")) ((NIL NIL \"a\" \"example.org\")) NIL NIL"
	    " NIL NIL NIL)",
	    "(\"application\" \"x-stuff\" (\"title*\" \"us-ascii'en'This%20"
	    "is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!\") NI"
	    "L NIL \"7bit\" 6)",
	    "(\"application\" \"x-stuff\" (\"title*\" \"us-ascii'en'This%20"
	    "is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!\") NI"
	    "L NIL \"7bit\" 6 NIL (\"attachment\" (\"filename\" \"long file"
	    " name.txt\")) NIL NIL)" },
	{ "digest.eml",
	    "(NIL \"digest\" ((NIL NIL \"list\" \"example.org\")) ((NIL NIL"
	    " \"list\" \"example.org\")) ((NIL NIL \"list\" \"example.org\""
	    ")) NIL NIL NIL NIL NIL)",
	    "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 44 (NIL \"first"
	    "\" ((NIL NIL \"one\" \"example.org\")) ((NIL NIL \"one\" \"exa"
	    "mple.org\")) ((NIL NIL \"one\" \"example.org\")) NIL NIL NIL N"
	    "IL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
	    " \"7bit\" 3 0) 3)(\"text\" \"plain\" (\"charset\" \"us-ascii\""
	    ") NIL NIL \"7bit\" 13 0) \"digest\")",
	    "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 44 (NIL \"first"
	    "\" ((NIL NIL \"one\" \"example.org\")) ((NIL NIL \"one\" \"exa"
	    "mple.org\")) ((NIL NIL \"one\" \"example.org\")) NIL NIL NIL N"
	    "IL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
	    " \"7bit\" 3 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"text\" \"p"
	    "lain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NI"
	    "L NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)" },
	{ "header-8bit.eml",
	    "(NIL {17}\r\nGr\xfc""\xdf""e aus M\xfc""nchen (({13}\r\nJ"
	    "\xfc""rgen M\xfc""ller NIL \"juergen\" \"example.de\")) (({13}"
	    "\r\nJ\xfc""rgen M\xfc""ller NIL \"juergen\" \"example.de\")) ("
	    "({13}\r\nJ\xfc""rgen M\xfc""ller NIL \"juergen\" \"example.de"
	    "\")) ((NIL NIL \"a\" \"example.org\")) NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 7 1)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit"
	    "\" 7 1 NIL NIL NIL NIL)" },
};

TEST(samples_envelope_body_bodystructure)
{
	struct mime_msg *m;
	struct buf b;
	size_t i, len;
	char *d;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if ((d = slurp(expected[i].file, &len)) == NULL) {
			CHECK(!"sample missing");
			continue;
		}
		CHECK(mime_parse(d, len, &m) == 0);
		if (m == NULL) {
			free(d);
			continue;
		}
		buf_reset(&b);
		CHECK(imap_envelope(&b, m, mime_root(m)) == 0);
		CHECK_STR(s(&b), expected[i].envelope);
		buf_reset(&b);
		CHECK(imap_bodystructure(&b, m, mime_root(m), 0) == 0);
		CHECK_STR(s(&b), expected[i].body);
		buf_reset(&b);
		CHECK(imap_bodystructure(&b, m, mime_root(m), 1) == 0);
		CHECK_STR(s(&b), expected[i].bodystructure);
		mime_free(&m);
		free(d);
	}
	buf_free(&b);
}

TEST(quote_strings)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK(imap_put_nstring(&b, NULL, 0) == 0);
	CHECK_STR(s(&b), "NIL");
	buf_reset(&b);
	imap_put_nstring(&b, "", 0);
	CHECK_STR(s(&b), "\"\"");
	buf_reset(&b);
	imap_put_string(&b, "a\"b\\c", 5);
	CHECK_STR(s(&b), "\"a\\\"b\\\\c\"");
	buf_reset(&b);
	imap_put_string(&b, "a\r\nb", 4);
	CHECK_STR(s(&b), "{4}\r\na\r\nb");
	buf_reset(&b);
	/* 8-bit goes out as a literal (no UTF8=ACCEPT). */
	imap_put_string(&b, "\xd0\x9f", 2);
	CHECK_STR(s(&b), "{2}\r\n\xd0\x9f");
	buf_reset(&b);
	/* NUL never goes out, the literal size counts what is sent. */
	imap_put_string(&b, "a\0b", 3);
	CHECK_STR(s(&b), "\"ab\"");
	buf_reset(&b);
	imap_put_string(&b, "\xff\0\n", 3);
	CHECK(b.len == 7 && memcmp(b.p, "{2}\r\n\xff\n", 7) == 0);
	buf_reset(&b);
	imap_put_astring(&b, "INBOX.a]b", 9);
	CHECK_STR(s(&b), "INBOX.a]b");
	buf_reset(&b);
	imap_put_astring(&b, "a b", 3);
	CHECK_STR(s(&b), "\"a b\"");
	buf_reset(&b);
	imap_put_astring(&b, "nil", 3);
	CHECK_STR(s(&b), "\"nil\"");
	buf_reset(&b);
	imap_put_astring(&b, "", 0);
	CHECK_STR(s(&b), "\"\"");
	buf_reset(&b);
	imap_put_astring(&b, "a%", 2);
	CHECK_STR(s(&b), "\"a%\"");
	buf_reset(&b);
	{
		char big[IMAP_QUOTED_MAX + 1];

		memset(big, 'x', sizeof(big));
		imap_put_string(&b, big, sizeof(big));
		CHECK(b.len > 8 && memcmp(b.p, "{1025}\r\n", 8) == 0);
	}
	buf_free(&b);
	/* A full buffer is reported. */
	buf_init(&b, 4);
	CHECK(imap_put_string(&b, "abcdef", 6) == -1);
	buf_free(&b);
}

TEST(section_parse)
{
	struct imap_section sec;
	char many[4 * LB_IMAP_SECTION_PARTS_MAX + 8];
	size_t i;

	CHECK(imap_section_parse("", 0, &sec) == 0 && sec.npart == 0 &&
	    sec.spec == IMAP_SECT_NONE);
	CHECK(imap_section_parse("1.2.3", 5, &sec) == 0 && sec.npart == 3 &&
	    sec.part[2] == 3);
	CHECK(imap_section_parse("4.2.header.fields.NOT", 21, &sec) == 0 &&
	    sec.npart == 2 && sec.spec == IMAP_SECT_FIELDS_NOT);
	CHECK(imap_section_parse("1.MIME", 6, &sec) == 0 &&
	    sec.spec == IMAP_SECT_MIME);
	CHECK(imap_section_parse("TEXT", 4, &sec) == 0 &&
	    sec.spec == IMAP_SECT_TEXT);
	CHECK(imap_section_parse("4294967295", 10, &sec) == 0);
	/* Syntax errors. */
	CHECK(imap_section_parse("MIME", 4, &sec) == -1);
	CHECK(imap_section_parse("0", 1, &sec) == -1);
	CHECK(imap_section_parse("01", 2, &sec) == -1);
	CHECK(imap_section_parse("1.", 2, &sec) == -1);
	CHECK(imap_section_parse(".1", 2, &sec) == -1);
	CHECK(imap_section_parse("1..2", 4, &sec) == -1);
	CHECK(imap_section_parse("TEXTX", 5, &sec) == -1);
	CHECK(imap_section_parse("HEADER.", 7, &sec) == -1);
	CHECK(imap_section_parse("4294967296", 10, &sec) == -1);
	for (i = 0; i <= LB_IMAP_SECTION_PARTS_MAX; i++)
		memcpy(many + 2 * i, "1.", 2);
	CHECK(imap_section_parse(many, 2 * LB_IMAP_SECTION_PARTS_MAX - 1,
	    &sec) == 0);
	CHECK(imap_section_parse(many, 2 * LB_IMAP_SECTION_PARTS_MAX + 1,
	    &sec) == -1);
}

/* Fetch section spec (with optional field list) into b; returns rc. */
static int
fetch(struct buf *b, const struct mime_msg *m, const char *spec,
    const char *const *fields, uint64_t origin, uint64_t count,
    size_t *size_r)
{
	struct imap_section sec;
	struct mime_str f[8];
	size_t n = 0, sz;

	buf_reset(b);
	if (imap_section_parse(spec, strlen(spec), &sec) == -1)
		return -99;
	for (; fields != NULL && fields[n] != NULL && n < 8; n++) {
		f[n].p = fields[n];
		f[n].len = strlen(fields[n]);
	}
	sec.fields = f;
	sec.nfields = n;
	return imap_section_fetch(b, m, &sec, origin, count,
	    size_r != NULL ? size_r : &sz);
}

#define ALL	UINT64_MAX

TEST(sections_rfc822_attachment)
{
	static const char *const subj_from[] = { "SUBJECT", "from", NULL };
	static const char *const not4[] = { "Subject", "FROM",
	    "mime-version", "content-type", NULL };
	static const char *const subj[] = { "subject", NULL };
	struct mime_msg *m;
	struct buf b;
	size_t len, sz, i, o;
	char *d, *ref;

	if ((d = slurp("rfc822-attach.eml", &len)) == NULL ||
	    mime_parse(d, len, &m) == -1) {
		CHECK(!"sample");
		free(d);
		return;
	}
	buf_init(&b, 0);
	CHECK(fetch(&b, m, "1", NULL, 0, ALL, &sz) == 0);
	CHECK_STR(s(&b), "Forwarded message below.");
	CHECK(sz == 24);
	CHECK(fetch(&b, m, "2.1", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "hi");
	CHECK(fetch(&b, m, "2.2", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "<p>hi</p>");
	CHECK(fetch(&b, m, "2.1.MIME", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "Content-Type: text/plain\r\n\r\n");
	CHECK(fetch(&b, m, "2.MIME", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "Content-Type: message/rfc822\r\n"
	    "Content-Disposition: attachment\r\n\r\n");
	CHECK(fetch(&b, m, "2", NULL, 0, ALL, &sz) == 0);
	CHECK(sz == 304 && b.len == 304);
	CHECK(memcmp(b.p, "From: Carol <carol@example.net>\r\n", 33) == 0);
	CHECK(fetch(&b, m, "2.HEADER", NULL, 0, ALL, NULL) == 0);
	CHECK(b.len > 4 && memcmp(b.p, "From: Carol", 11) == 0 &&
	    memcmp(b.p + b.len - 4, "\r\n\r\n", 4) == 0);
	CHECK(fetch(&b, m, "2.TEXT", NULL, 0, ALL, NULL) == 0);
	CHECK(memcmp(b.p, "--b2\r\n", 6) == 0);
	CHECK(fetch(&b, m, "2.HEADER.FIELDS", subj, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "Subject: hello\r\n\r\n");
	CHECK(fetch(&b, m, "HEADER.FIELDS", subj_from, 0, ALL, &sz) == 0);
	CHECK_STR(s(&b), "From: alice@example.org\r\nSubject: Fwd: hello\r\n"
	    "\r\n");
	CHECK(sz == b.len);
	/* RFC 3501 6.4.5: the partial applies after subsetting. */
	CHECK(fetch(&b, m, "HEADER.FIELDS", subj_from, 6, 5, &sz) == 0);
	CHECK_STR(s(&b), "alice");
	CHECK(sz == 48);
	CHECK(fetch(&b, m, "HEADER.FIELDS.NOT", not4, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "To: bob@example.com\r\n\r\n");
	/* Nonexistent or invalid sections. */
	CHECK(fetch(&b, m, "3", NULL, 0, ALL, &sz) == IMAP_SECT_ENOPART);
	CHECK(b.len == 0 && sz == 0);
	CHECK(fetch(&b, m, "2.3", NULL, 0, ALL, NULL) == IMAP_SECT_ENOPART);
	CHECK(fetch(&b, m, "2.1.1", NULL, 0, ALL, NULL) ==
	    IMAP_SECT_ENOPART);
	CHECK(fetch(&b, m, "1.HEADER", NULL, 0, ALL, NULL) ==
	    IMAP_SECT_ENOPART);
	CHECK(fetch(&b, m, "1.TEXT", NULL, 0, ALL, NULL) ==
	    IMAP_SECT_ENOPART);

	/* BODY[] and every window of it against a naive conversion. */
	ref = malloc(2 * len + 1);
	for (i = o = 0; i < len; i++) {
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			ref[o++] = '\r';
		ref[o++] = d[i];
	}
	CHECK(imap_rfc822_size(m) == o);
	CHECK(fetch(&b, m, "", NULL, 0, ALL, &sz) == 0);
	CHECK(sz == o && b.len == o && memcmp(b.p, ref, o) == 0);
	for (i = 0; i < o + 3; i += 7) {
		size_t want = i >= o ? 0 : (o - i < 13 ? o - i : 13);

		CHECK(fetch(&b, m, "", NULL, i, 13, &sz) == 0);
		CHECK(b.len == want && memcmp(b.p, ref + i, want) == 0);
	}
	free(ref);
	buf_free(&b);
	mime_free(&m);
	free(d);
}

TEST(sections_single_part_and_no_body)
{
	static const char *const subj[] = { "subject", NULL };
	struct mime_msg *m;
	struct buf b;
	size_t len;
	char *d;

	buf_init(&b, 0);
	if ((d = slurp("simple.eml", &len)) != NULL &&
	    mime_parse(d, len, &m) == 0) {
		/* Part 1 of a non-multipart message is its body. */
		CHECK(fetch(&b, m, "1", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 63 && memcmp(b.p, "Hello Joe", 9) == 0);
		CHECK(fetch(&b, m, "TEXT", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 63);
		CHECK(fetch(&b, m, "HEADER", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 301 && memcmp(b.p + 297, "\r\n\r\n", 4)
		    == 0);
		CHECK(fetch(&b, m, "1.MIME", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 301);
		CHECK(fetch(&b, m, "2", NULL, 0, ALL, NULL) ==
		    IMAP_SECT_ENOPART);
		CHECK(fetch(&b, m, "1.1", NULL, 0, ALL, NULL) ==
		    IMAP_SECT_ENOPART);
		/* A window starting past the end is empty. */
		CHECK(fetch(&b, m, "TEXT", NULL, 1000, 10, NULL) == 0);
		CHECK(b.len == 0);
		mime_free(&m);
	} else
		CHECK(!"sample");
	free(d);

	if ((d = slurp("no-separator.eml", &len)) != NULL &&
	    mime_parse(d, len, &m) == 0) {
		/* No body and no blank line: none is added (RFC 3501). */
		CHECK(fetch(&b, m, "HEADER.FIELDS", subj, 0, ALL, NULL) == 0);
		CHECK_STR(s(&b), "Subject: no body\r\n");
		CHECK(fetch(&b, m, "HEADER", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 75);
		CHECK(fetch(&b, m, "TEXT", NULL, 0, ALL, NULL) == 0);
		CHECK(b.len == 0);
		mime_free(&m);
	} else
		CHECK(!"sample");
	free(d);
	buf_free(&b);
}

TEST(sections_nested_multipart)
{
	struct mime_msg *m;
	struct buf b;
	size_t len;
	char *d;

	if ((d = slurp("nested.eml", &len)) == NULL ||
	    mime_parse(d, len, &m) == -1) {
		CHECK(!"sample");
		free(d);
		return;
	}
	buf_init(&b, 0);
	CHECK(fetch(&b, m, "1.2", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "<b>html</b>");
	CHECK(fetch(&b, m, "2", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "R0lGODlhAQABAAAAACw=");
	CHECK(fetch(&b, m, "1", NULL, 0, ALL, NULL) == 0);
	CHECK(memcmp(b.p, "--inner\r\n", 9) == 0);
	/* HEADER needs a message/rfc822 part. */
	CHECK(fetch(&b, m, "2.HEADER", NULL, 0, ALL, NULL) ==
	    IMAP_SECT_ENOPART);
	CHECK(fetch(&b, m, "1.3", NULL, 0, ALL, NULL) == IMAP_SECT_ENOPART);
	buf_free(&b);
	mime_free(&m);
	free(d);
}

TEST(sections_top_level_rfc822)
{
	static const char msg[] =
	    "Content-Type: message/rfc822\n\nSubject: in\n\nbody\n";
	struct mime_msg *m;
	struct buf b;

	if (mime_parse(msg, sizeof(msg) - 1, &m) == -1) {
		CHECK(!"parse");
		return;
	}
	buf_init(&b, 0);
	/* Part 1 is the body (the whole inner message); its numbers and
	 * HEADER/TEXT refer into the inner message. */
	CHECK(fetch(&b, m, "1", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "Subject: in\r\n\r\nbody\r\n");
	CHECK(fetch(&b, m, "1.HEADER", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "Subject: in\r\n\r\n");
	CHECK(fetch(&b, m, "1.1", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "body\r\n");
	CHECK(fetch(&b, m, "1.TEXT", NULL, 0, ALL, NULL) == 0);
	CHECK_STR(s(&b), "body\r\n");
	CHECK(fetch(&b, m, "1.1.1", NULL, 0, ALL, NULL) ==
	    IMAP_SECT_ENOPART);
	buf_reset(&b);
	CHECK(imap_bodystructure(&b, m, mime_root(m), 0) == 0);
	CHECK_STR(s(&b), "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 21 "
	    "(NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" "
	    "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1) 3)");
	buf_free(&b);
	mime_free(&m);
}

TEST(envelope_edge_cases)
{
	static const char msg[] =
	    "From: \"Joe Q. Public\" <john.q.public@example.com>\n"
	    "Sender: Mary Smith <mary@x.test>, jdoe@example.org\n"
	    "To: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
	    "<sysservices@example.net>\n"
	    "Cc: a@b.c (A) , , broken@, @nolocal.test\n"
	    "Subject:\n"
	    "Message-ID:   <1234@local.machine.example>  \n"
	    "Date: Fri, 21 Nov 1997 09:55:06\n -0600\n"
	    "\nbody\n";
	struct mime_msg *m;
	struct buf b;

	if (mime_parse(msg, sizeof(msg) - 1, &m) == -1) {
		CHECK(!"parse");
		return;
	}
	buf_init(&b, 0);
	CHECK(imap_envelope(&b, m, mime_root(m)) == 0);
	CHECK_STR(s(&b), "(\"Fri, 21 Nov 1997 09:55:06 -0600\" \"\" "
	    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
	    "((\"Mary Smith\" NIL \"mary\" \"x.test\")"
	    "(NIL NIL \"jdoe\" \"example.org\")) "
	    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
	    "((NIL NIL \"boss\" \"nil.test\")"
	    "(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\")) "
	    "((\"A\" NIL \"a\" \"b.c\")(NIL NIL \"broken\" \"MISSING_DOMAIN\")"
	    "(NIL NIL \"MISSING_MAILBOX\" \"nolocal.test\")) "
	    "NIL NIL \"<1234@local.machine.example>\")");
	buf_free(&b);
	mime_free(&m);
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

static size_t
count(const struct buf *b, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	const char *p = b->p, *e = b->p + b->len, *q;

	while ((q = memmem(p, (size_t)(e - p), needle, l)) != NULL) {
		n++;
		p = q + l;
	}
	return n;
}

TEST(hostile_bodystructures)
{
	struct imap_section sec;
	struct mime_msg *m;
	struct buf b, in;
	size_t len, i, sz;
	char *d;

	buf_init(&b, 0);
	d = deep_multipart(10000, &len);
	if (mime_parse(d, len, &m) == 0) {
		CHECK(imap_bodystructure(&b, m, mime_root(m), 1) == 0);
		CHECK(count(&b, "\"mixed\"") == LB_MIME_DEPTH_MAX);
		CHECK(count(&b, "\"application\" \"octet-stream\" NIL") == 1);
		buf_reset(&b);
		CHECK(imap_bodystructure(&b, m, mime_root(m), 0) == 0);
		/* The deepest part we know: 1.1.1...1 (32 times). */
		buf_init(&in, 0);
		for (i = 0; i < LB_MIME_DEPTH_MAX; i++)
			buf_puts(&in, i ? ".1" : "1");
		CHECK(imap_section_parse(in.p, in.len, &sec) == 0);
		CHECK(imap_section_fetch(&b, m, &sec, 0, ALL, &sz) == 0);
		buf_puts(&in, ".1");
		CHECK(imap_section_parse(in.p, in.len, &sec) == 0);
		CHECK(imap_section_fetch(&b, m, &sec, 0, ALL, &sz) ==
		    IMAP_SECT_ENOPART);
		buf_free(&in);
		mime_free(&m);
	} else
		CHECK(!"parse");
	free(d);

	/* A 1 MB Subject: too long to interpret, so NIL; no crash. */
	buf_init(&in, 0);
	buf_puts(&in, "Subject: ");
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\nFrom: a@b\n\nbody\n");
	if (mime_parse(in.p, in.len, &m) == 0) {
		buf_reset(&b);
		CHECK(imap_envelope(&b, m, mime_root(m)) == 0);
		CHECK(b.len > 8 && memcmp(b.p, "(NIL NIL ((NIL NIL \"a\"", 22)
		    == 0);
		mime_free(&m);
	}
	/* 100,000 fields and an unterminated base64 part. */
	buf_reset(&in);
	for (i = 0; i < 100000; i++)
		buf_printf(&in, "To: u%zu@example.org\n", i);
	buf_puts(&in, "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	    "Content-Transfer-Encoding: base64\n\nAAAA\nAA");
	if (mime_parse(in.p, in.len, &m) == 0) {
		buf_reset(&b);
		CHECK(imap_envelope(&b, m, mime_root(m)) == 0);
		/* Only the first To field counts. */
		CHECK(count(&b, "example.org") == 1);
		buf_reset(&b);
		CHECK(imap_bodystructure(&b, m, mime_root(m), 1) == 0);
		/* The Content-Type came after LB_MIME_FIELDS_MAX fields. */
		CHECK_STR(s(&b), "(\"text\" \"plain\" (\"charset\" "
		    "\"us-ascii\") NIL NIL \"7bit\" 50 4 NIL NIL NIL NIL)");
		mime_free(&m);
	}
	buf_free(&in);
	/* An output bound is an error, not a truncation. */
	if ((d = slurp("rfc822-attach.eml", &len)) != NULL &&
	    mime_parse(d, len, &m) == 0) {
		buf_free(&b);
		buf_init(&b, 100);
		CHECK(imap_bodystructure(&b, m, mime_root(m), 1) == -1);
		mime_free(&m);
	}
	free(d);
	buf_free(&b);
}
