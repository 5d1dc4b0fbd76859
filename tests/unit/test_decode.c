/*
 * tests/unit/test_decode.c -- common/decode.c.  Reference values from
 * Python 3.11: binascii.a2b_base64, base64.b64encode, quopri, and
 * email.header.decode_header for RFC 2047 (where our documented rules
 * differ from Python's, the test says so).
 */
#include <errno.h>
#include <string.h>

#include "common/buf.h"
#include "common/charset.h"
#include "common/decode.h"
#include "tests/unit/test.h"

static char res[4096];
static unsigned res_warn;

static const char *
take(struct buf *b, int r)
{
	if (r == -1) {
		buf_free(b);
		return errno == EINVAL ? "(EINVAL)" : "(error)";
	}
	if (b->len > 0)
		memcpy(res, b->p, b->len);
	res[b->len] = '\0';
	buf_free(b);
	return res;
}

static const char *
b64(const char *s)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	return take(&b, b64_decode(s, strlen(s), &b, &res_warn));
}

static const char *
b64s(const char *s)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	return take(&b, b64_decode_strict(s, strlen(s), &b));
}

static const char *
b64e_n(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	return take(&b, b64_encode(s, len, &b));
}

static const char *
qp(const char *s)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	return take(&b, qp_decode(s, strlen(s), &b, &res_warn));
}

static const char *
hdr(const char *s, int fallback)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	return take(&b, rfc2047_decode(s, strlen(s), fallback, &b));
}

/* Decode s one byte at a time; 1 if the output equals the one-shot's. */
static int
b64_bytewise_same(const char *s)
{
	struct b64_state st;
	struct buf b;
	size_t i;
	int ok;
	const char *one;

	one = b64(s);
	buf_init(&b, sizeof(res) - 1);
	b64_decode_init(&st);
	for (i = 0; s[i] != '\0'; i++)
		if (b64_decode_update(&st, s + i, 1, &b) == -1)
			return 0;
	if (b64_decode_final(&st, &b) == -1)
		return 0;
	ok = b.len == strlen(one) &&
	    (b.len == 0 || memcmp(b.p, one, b.len) == 0) &&
	    st.warn == res_warn;
	buf_free(&b);
	return ok;
}

static int
qp_bytewise_same(const char *s)
{
	char one[4096];
	struct qp_state st;
	struct buf b;
	size_t i;
	unsigned w;
	int ok;

	strcpy(one, qp(s));
	w = res_warn;
	buf_init(&b, sizeof(res) - 1);
	qp_decode_init(&st);
	for (i = 0; s[i] != '\0'; i++)
		if (qp_decode_update(&st, s + i, 1, &b) == -1)
			return 0;
	if (qp_decode_final(&st, &b) == -1)
		return 0;
	ok = b.len == strlen(one) &&
	    (b.len == 0 || memcmp(b.p, one, b.len) == 0) &&
	    st.warn == w;
	buf_free(&b);
	return ok;
}

TEST(base64_tolerant)
{
	CHECK_STR(b64("SGVsbG8s\r\nIHdvcmxk\r\nIQ=="), "Hello, world!");
	CHECK(res_warn == 0);
	CHECK_STR(b64("  SGVs\tbG8s IHdv\n\ncmxkIQ==\r\n"), "Hello, world!");
	CHECK_STR(b64(""), "");
	CHECK_STR(b64("0J/RgNC40LLQtdGC"), "Привет");
	/* Unterminated: the whole bytes it holds. */
	CHECK_STR(b64("SGVsbG8"), "Hello");
	CHECK(res_warn == DECODE_W_TRUNCATED);
	CHECK_STR(b64("SGVsbA"), "Hell");
	CHECK_STR(b64("SGVsb"), "Hel");			/* lone character */
	CHECK(res_warn == DECODE_W_TRUNCATED);
	/* Garbage is skipped (RFC 2045 sec. 6.8) and noted. */
	CHECK_STR(b64("SGV*sbG8="), "Hello");
	CHECK(res_warn == DECODE_W_GARBAGE);
	CHECK_STR(b64("\x80\xffSG\x01Vs\0bG8="), "Hel");	/* strlen cuts */
	/* '=' ends the data; what follows is ignored. */
	CHECK_STR(b64("SGVsbG8=garbage"), "Hello");
	CHECK(res_warn == DECODE_W_GARBAGE);
	CHECK_STR(b64("SGVsbG8=\r\n\r\n"), "Hello");
	CHECK(res_warn == 0);
	CHECK_STR(b64("SGVsbA==SGVsbA=="), "Hell");
	CHECK_STR(b64("S===="), "");
	CHECK(res_warn & DECODE_W_TRUNCATED);
	CHECK_STR(b64("====="), "");
	CHECK_STR(b64("-_.!"), "");
}

TEST(base64_bytewise)
{
	CHECK(b64_bytewise_same("SGVsbG8s\r\nIHdvcmxk\r\nIQ=="));
	CHECK(b64_bytewise_same("SGVsbG8"));
	CHECK(b64_bytewise_same("SGV*sbG8=garbage"));
	CHECK(b64_bytewise_same("0J/RgNC40LLQtdGC"));
	CHECK(b64_bytewise_same("S"));
}

TEST(base64_strict)
{
	CHECK_STR(b64s("AHVzZXIAcGFzcw=="), "");	/* "\0user\0pass" */
	CHECK(memcmp(res, "\0user\0pass", 11) == 0);
	CHECK_STR(b64s("SGVsbG8="), "Hello");
	CHECK_STR(b64s("SGVsbA=="), "Hell");
	CHECK_STR(b64s("SGVs"), "Hel");
	CHECK_STR(b64s(""), "");
	CHECK_STR(b64s("SGVsbG8"), "(EINVAL)");		/* length */
	CHECK_STR(b64s("SGVs\r\nbG8="), "(EINVAL)");	/* whitespace */
	CHECK_STR(b64s("SGVs bG8="), "(EINVAL)");
	CHECK_STR(b64s("SGVsbG8=SGVs"), "(EINVAL)");	/* '=' inside */
	CHECK_STR(b64s("SG=sbG8="), "(EINVAL)");
	CHECK_STR(b64s("S==="), "(EINVAL)");
	CHECK_STR(b64s("===="), "(EINVAL)");
	CHECK_STR(b64s("SGV=sbG8"), "(EINVAL)");
	CHECK_STR(b64s("SGVsbA=x"), "(EINVAL)");
	CHECK_STR(b64s("SGVsbG9="), "(EINVAL)");	/* padding bits */
	CHECK_STR(b64s("SGVsbB=="), "(EINVAL)");
	CHECK_STR(b64s("SGVs*G8="), "(EINVAL)");
	CHECK_STR(b64s("SGVs-_8="), "(EINVAL)");	/* URL alphabet */
}

TEST(base64_strict_leaves_no_secret)
{
	struct buf b;

	buf_init(&b, 64);
	CHECK(buf_puts(&b, "keep") == 0);
	/* Decodes "Hel" "lo" before failing on the third quantum. */
	CHECK(b64_decode_strict("SGVsbG8hSGVs*A==", 16, &b) == -1);
	CHECK(errno == EINVAL);
	CHECK(b.len == 4 && memcmp(b.p, "keep", 4) == 0);
	CHECK(memchr(b.p, 'H', b.cap) == NULL);
	buf_free(&b);
	buf_init(&b, 2);
	CHECK(b64_decode_strict("SGVs", 4, &b) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len == 0);
	buf_free(&b);
}

TEST(base64_encode)
{
	CHECK_STR(b64e_n("", 0), "");
	CHECK_STR(b64e_n("H", 1), "SA==");
	CHECK_STR(b64e_n("He", 2), "SGU=");
	CHECK_STR(b64e_n("Hel", 3), "SGVs");
	CHECK_STR(b64e_n("Hello", 5), "SGVsbG8=");
	CHECK_STR(b64e_n("\0user\0pass", 10), "AHVzZXIAcGFzcw==");
	CHECK_STR(b64e_n("Привет", strlen("Привет")), "0J/RgNC40LLQtdGC");
	CHECK_STR(b64e_n("\xff\xfe\xfd", 3), "//79");
	CHECK_STR(b64s(b64e_n("round\xfftrip", 10)), "round\xfftrip");
}

TEST(base64_bounds)
{
	struct buf b;

	buf_init(&b, 7);
	CHECK(b64_encode("Hello", 5, &b) == -1);	/* needs 8 */
	CHECK(errno == E2BIG);
	buf_free(&b);
	buf_init(&b, 4);
	CHECK(b64_decode("SGVsbG8=", 8, &b, NULL) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len <= 4);
	buf_free(&b);
}

TEST(quoted_printable)
{
	/* Soft line breaks, CRLF and bare LF. */
	CHECK_STR(qp("foo=\r\nbar"), "foobar");
	CHECK_STR(qp("foo=\nbar"), "foobar");
	CHECK_STR(qp("=\r\n"), "");
	CHECK(res_warn == 0);
	CHECK_STR(qp("foo= \t\r\nbar"), "foobar");	/* padded soft break */
	CHECK_STR(qp("end=C3=A9 =3D=3d"), "endé ==");
	CHECK_STR(qp("=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82"), "Привет");
	/* Hard line breaks are kept as written. */
	CHECK_STR(qp("a\r\nb\nc"), "a\r\nb\nc");
	/* Trailing whitespace is transport padding (rule 3); Python's
	 * quopri keeps it, RFC 2045 says to delete it. */
	CHECK_STR(qp("trail   \r\nnext\t\nx  "), "trail\r\nnext\nx");
	CHECK_STR(qp("a b\tc"), "a b\tc");
	CHECK_STR(qp("a  =\r\nb"), "a  b");		/* not trailing */
	/* A bare CR is ordinary. */
	CHECK_STR(qp("a \rb"), "a \rb");
	CHECK_STR(qp("a \r"), "a \r");
}

TEST(quoted_printable_bad)
{
	CHECK_STR(qp("=G1 x"), "=G1 x");
	CHECK(res_warn == DECODE_W_BADESCAPE);
	CHECK_STR(qp("=4\nx"), "=4\nx");
	CHECK_STR(qp("a=4"), "a=4");
	CHECK(res_warn == (DECODE_W_BADESCAPE | DECODE_W_TRUNCATED));
	CHECK_STR(qp("a==41"), "a=A");
	CHECK_STR(qp("= x"), "= x");
	CHECK_STR(qp("=\rx"), "=\rx");
	CHECK_STR(qp("=  \rx"), "=  \rx");
	CHECK_STR(qp("x="), "x");
	CHECK(res_warn == DECODE_W_TRUNCATED);
	CHECK_STR(qp("x=  "), "x");
	CHECK_STR(qp("x=\r"), "x=\r");
	CHECK_STR(qp("=\xff\x80"), "=\xff\x80");
}

TEST(quoted_printable_long_whitespace)
{
	char in[400], want[400];

	/* 300 spaces then text: flushed unstripped, nothing lost. */
	memset(in, ' ', 300);
	strcpy(in + 300, "x");
	CHECK_STR(qp(in), in);
	/* 300 trailing spaces: only the last QP_PEND_MAX or fewer go. */
	strcpy(in + 300, "\n");
	CHECK(strlen(qp(in)) < 300 && res[strlen(res) - 1] == '\n');
	/* "=" then 300 spaces is not a soft break. */
	in[0] = '=';
	strcpy(in + 300, "y");
	memcpy(want, in, 301);
	want[301] = '\0';
	CHECK_STR(qp(in), want);
	CHECK(res_warn & DECODE_W_BADESCAPE);
}

TEST(quoted_printable_bytewise)
{
	CHECK(qp_bytewise_same("foo=\r\nbar =3D baz=20=\nq  \r\nend=C3=A9"));
	CHECK(qp_bytewise_same("=G1 =4\n x="));
	CHECK(qp_bytewise_same("a= \t\r\nb=  \rc= x=\r\n"));
	CHECK(qp_bytewise_same("trail \t \r\n\r\r\n"));
	CHECK(qp_bytewise_same("x=4"));
	CHECK(qp_bytewise_same("x=  \r"));
}

TEST(rfc2047_basic)
{
	CHECK_STR(hdr("=?windows-1251?B?z/Do4uXy?=", -1), "Привет");
	CHECK_STR(hdr("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=", -1), "Привет");
	CHECK_STR(hdr("=?KOI8-R?q?=f0=d2=c9=d7=c5=d4?=", -1), "Привет");
	CHECK_STR(hdr("=?UTF-8?B?0J/RgNC40LLQtdGC?=", -1), "Привет");
	CHECK_STR(hdr("Re: =?utf-8?Q?caf=C3=A9?= ok", -1), "Re: café ok");
	/* Q: underscore is a space. */
	CHECK_STR(hdr("=?utf-8?Q?a_b_c?=", -1), "a b c");
	CHECK_STR(hdr("=?iso-8859-1?Q?=5F_?=", -1), "_ ");
	/* RFC 2231 language suffix. */
	CHECK_STR(hdr("=?koi8-r*ru?B?8NLJ18XU?=", -1), "Привет");
	CHECK_STR(hdr("=?utf-8*en-US?Q?hi?=", -1), "hi");
	/* Empty text. */
	CHECK_STR(hdr("a=?utf-8?Q?\?=b", -1), "ab");
	CHECK_STR(hdr("", -1), "");
	CHECK_STR(hdr("plain text", -1), "plain text");
}

TEST(rfc2047_adjacent)
{
	/* Sec. 6.2: whitespace between words vanishes (Python agrees). */
	CHECK_STR(hdr("=?utf-8?Q?a_b?= =?utf-8?Q?c?=", -1), "a bc");
	CHECK_STR(hdr("=?ISO-8859-1?Q?a?=  \r\n =?ISO-8859-2?Q?b?=", -1),
	    "ab");
	CHECK_STR(hdr("=?utf-8?B?0J8=?= =?utf-8?B?0YDQuA==?=", -1), "При");
	/* ... but not between a word and text. */
	CHECK_STR(hdr("=?utf-8?Q?a?= b =?utf-8?Q?c?=", -1), "a b c");
	CHECK_STR(hdr("x =?utf-8?Q?a?=", -1), "x a");
	CHECK_STR(hdr("=?utf-8?Q?a?= ", -1), "a ");
	/* A character split over two words comes out whole. */
	CHECK_STR(hdr("=?utf-8?B?0J/R?= =?utf-8?B?gNC40LLQtdGC?=", -1),
	    "Привет");
	CHECK_STR(hdr("=?utf-8?Q?=D0?==?utf-8?Q?=9F?=", -1), "П");
	/* Different charsets next to each other. */
	CHECK_STR(hdr("=?koi8-r?Q?=F0?= =?windows-1251?Q?=F0?=", -1), "Пр");
}

TEST(rfc2047_kept_as_is)
{
	/* Unknown charset: the word stays, and so does the space. */
	CHECK_STR(hdr("=?x-unknown?Q?abc?=", -1), "=?x-unknown?Q?abc?=");
	CHECK_STR(hdr("=?utf-8?Q?a?= =?gb2312?B?xOO6ww==?=", -1),
	    "a =?gb2312?B?xOO6ww==?=");
	/* Malformed words. */
	CHECK_STR(hdr("=?utf-8?X?abc?=", -1), "=?utf-8?X?abc?=");
	CHECK_STR(hdr("=?utf-8?Q?abc", -1), "=?utf-8?Q?abc");
	CHECK_STR(hdr("=?utf-8?Q?a b?=", -1), "=?utf-8?Q?a b?=");
	CHECK_STR(hdr("=?utf-8?B?0J*R?=", -1), "=?utf-8?B?0J*R?=");
	CHECK_STR(hdr("=??Q?abc?=", -1), "=??Q?abc?=");
	CHECK_STR(hdr("=?utf-8?Q?abc?", -1), "=?utf-8?Q?abc?");
	CHECK_STR(hdr("=?utf-8??abc?=", -1), "=?utf-8??abc?=");
	CHECK_STR(hdr("=?", -1), "=?");
	CHECK_STR(hdr("=?=?=?", -1), "=?=?=?");
	CHECK_STR(hdr("?= =? ?=", -1), "?= =? ?=");
	/* A bad Q escape inside a good word is kept literally. */
	CHECK_STR(hdr("=?utf-8?Q?100=Z?=", -1), "100=Z");
	/* A malformed word, then a good one. */
	CHECK_STR(hdr("=?utf-8?Q?a b?= =?utf-8?Q?c?=", -1),
	    "=?utf-8?Q?a b?= c");
	CHECK_STR(hdr("=?utf-8?Q=?utf-8?Q?c?=", -1), "=?utf-8?Qc");
	/* Overlong charset name. */
	CHECK_STR(hdr("=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa?Q?x?=", -1), "=?aaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?Q?x?=");
}

TEST(rfc2047_raw_8bit_and_folding)
{
	/* Valid UTF-8 outside words is kept (RFC 6532). */
	CHECK_STR(hdr("Привет =?utf-8?Q?x?=", -1), "Привет x");
	/* Otherwise the fallback charset; default ISO-8859-1. */
	CHECK_STR(hdr("caf\xe9", -1), "café");
	CHECK_STR(hdr("\xef\xf0\xe8\xe2\xe5\xf2", CHARSET_WIN1251), "привет");
	CHECK_STR(hdr("\xd0\xd2\xc9\xd7\xc5\xd4", CHARSET_KOI8R), "привет");
	CHECK_STR(hdr("caf\xe9", 9999), "café");	/* bad id: default */
	/* Folding line breaks are removed. */
	CHECK_STR(hdr("a very\r\n long\n\tsubject", -1),
	    "a very long\tsubject");
	/* Decoded control characters are not filtered (documented). */
	CHECK_STR(hdr("=?utf-8?Q?a=0D=0Ab?=", -1), "a\r\nb");
}

TEST(rfc2047_bounds)
{
	struct buf b;

	buf_init(&b, 5);
	CHECK(rfc2047_decode("=?utf-8?Q?abcdef?=", 18, -1, &b) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len <= 5);
	buf_free(&b);
	buf_init(&b, 6);
	CHECK(rfc2047_decode("=?utf-8?Q?abc?= =?utf-8?Q?def?=", 31, -1,
	    &b) == 0);
	CHECK(b.len == 6 && memcmp(b.p, "abcdef", 6) == 0);
	buf_free(&b);
}
