/*
 * tests/unit/test_charset.c -- common/charset.c and common/utf8.c.
 * Expected bytes were produced with Python's codecs (3.11, Unicode 14),
 * e.g. "привет".encode("koi8-r"), b"...".decode("utf-8", "replace").
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/charset.h"
#include "common/utf8.h"
#include "tests/unit/test.h"

static char conv_out[4096];

/* Convert and return a NUL-terminated copy, or "(error)". */
static const char *
conv(int id, const char *in, size_t len)
{
	struct buf b;

	buf_init(&b, sizeof(conv_out) - 1);
	if (charset_to_utf8(id, in, len, &b) == -1) {
		buf_free(&b);
		return "(error)";
	}
	if (b.len > 0)
		memcpy(conv_out, b.p, b.len);
	conv_out[b.len] = '\0';
	buf_free(&b);
	return conv_out;
}
#define CONV(id, lit)	conv((id), (lit), sizeof(lit) - 1)

static char fold_out[4096];

static const char *
fold(const char *s)
{
	struct buf b;

	buf_init(&b, sizeof(fold_out) - 1);
	if (utf8_casefold(s, strlen(s), &b) == -1) {
		buf_free(&b);
		return "(error)";
	}
	if (b.len > 0)
		memcpy(fold_out, b.p, b.len);
	fold_out[b.len] = '\0';
	buf_free(&b);
	return fold_out;
}

/* Fold both and compare. */
static int
fold_eq(const char *a, const char *b)
{
	char ka[4096];

	strcpy(ka, fold(a));
	return strcmp(ka, fold(b)) == 0;
}

static int
contains(const char *hay, const char *needle)
{
	char kh[4096];
	const char *kn;

	strcpy(kh, fold(hay));
	kn = fold(needle);
	return utf8_ci_contains(kh, strlen(kh), kn, strlen(kn));
}

TEST(lookup_names)
{
	CHECK(charset_lookup("koi8-r", 6) == CHARSET_KOI8R);
	CHECK(charset_lookup("KOI8-R", 6) == CHARSET_KOI8R);
	CHECK(charset_lookup("koi8r", 5) == CHARSET_KOI8R);
	CHECK(charset_lookup("cp1251", 6) == CHARSET_WIN1251);
	CHECK(charset_lookup("Windows-1251", 12) == CHARSET_WIN1251);
	CHECK(charset_lookup("x-cp1251", 8) == CHARSET_WIN1251);
	CHECK(charset_lookup("ISO-8859-1", 10) == CHARSET_ISO8859_1);
	CHECK(charset_lookup("iso_8859-1", 10) == CHARSET_ISO8859_1);
	CHECK(charset_lookup("ISO_8859-1:1987", 15) == CHARSET_ISO8859_1);
	CHECK(charset_lookup("latin1", 6) == CHARSET_ISO8859_1);
	CHECK(charset_lookup("US-ASCII", 8) == CHARSET_ASCII);
	CHECK(charset_lookup("ascii", 5) == CHARSET_ASCII);
	CHECK(charset_lookup("UTF-8", 5) == CHARSET_UTF8);
	CHECK(charset_lookup("utf8", 4) == CHARSET_UTF8);
	CHECK(charset_lookup("iso-8859-2", 10) == CHARSET_ISO8859_2);
	CHECK(charset_lookup("iso-8859-5", 10) == CHARSET_ISO8859_5);
	CHECK(charset_lookup("iso-8859-15", 11) == CHARSET_ISO8859_15);
	CHECK(charset_lookup("koi8-u", 6) == CHARSET_KOI8U);
	CHECK(charset_lookup("cp866", 5) == CHARSET_CP866);
	CHECK(charset_lookup("IBM866", 6) == CHARSET_CP866);
	CHECK(charset_lookup("windows-1252", 12) == CHARSET_WIN1252);
	CHECK(charset_lookup("utf-7", 5) == CHARSET_UTF7);
	/* The length is honoured: no NUL needed, trailing bytes ignored. */
	CHECK(charset_lookup("utf-8XYZ", 5) == CHARSET_UTF8);
}

TEST(lookup_unknown)
{
	char longname[200];

	CHECK(charset_lookup("", 0) == -1);
	CHECK(charset_lookup("gb2312", 6) == -1);
	CHECK(charset_lookup("koi8-rr", 7) == -1);
	CHECK(charset_lookup("utf-8\"", 6) == -1);
	CHECK(charset_lookup("utf\0-8", 6) == -1);
	CHECK(charset_lookup("\xd1\x83tf-8", 6) == -1);
	memset(longname, '-', sizeof(longname));
	memcpy(longname + sizeof(longname) - 4, "utf8", 4);
	CHECK(charset_lookup(longname, sizeof(longname)) == -1);
	CHECK(charset_name(CHARSET_KOI8R) != NULL);
	CHECK_STR(charset_name(CHARSET_WIN1251), "windows-1251");
	CHECK(charset_name(-1) == NULL);
	CHECK(charset_name(CHARSET_COUNT) == NULL);
}

TEST(cyrillic_single_byte)
{
	/* "привет" and "Привет" */
	CHECK_STR(CONV(CHARSET_KOI8R, "\xd0\xd2\xc9\xd7\xc5\xd4"),
	    "привет");
	CHECK_STR(CONV(CHARSET_KOI8R, "\xf0\xd2\xc9\xd7\xc5\xd4"),
	    "Привет");
	CHECK_STR(CONV(CHARSET_WIN1251, "\xef\xf0\xe8\xe2\xe5\xf2"),
	    "привет");
	CHECK_STR(CONV(CHARSET_WIN1251, "\xcf\xf0\xe8\xe2\xe5\xf2"),
	    "Привет");
	CHECK_STR(CONV(CHARSET_KOI8R, "\xb3\xa3"), "Ёё");
	CHECK_STR(CONV(CHARSET_WIN1251, "\xa8\xb8"), "Ёё");
	CHECK_STR(CONV(CHARSET_KOI8U, "\xa4\xb4\xa6\xb6\xa7\xb7\xad\xbd"),
	    "єЄіІїЇґҐ");
	CHECK_STR(CONV(CHARSET_CP866, "\x80\x9f\xa0\xaf\xe0\xef\xf0\xf1"),
	    "АЯапряЁё");
	CHECK_STR(CONV(CHARSET_ISO8859_5, "\xbf\xe0\xd8\xd2\xd5\xe2"),
	    "Привет");
	/* ASCII passes through, mixed with 8-bit bytes. */
	CHECK_STR(CONV(CHARSET_KOI8R, "a\xd0 b\xd2!"), "aп bр!");
}

TEST(latin_single_byte)
{
	CHECK_STR(CONV(CHARSET_ISO8859_15, "\xa4"), "€");
	CHECK_STR(CONV(CHARSET_ISO8859_2, "\xb1\xe6"), "ąć");
	CHECK_STR(CONV(CHARSET_WIN1252, "\x80\x93\x94"), "€“”");
	/* WHATWG: ISO-8859-1 and US-ASCII decode as windows-1252, whose
	 * holes (0x81 ...) are the C1 controls. */
	CHECK_STR(CONV(CHARSET_ISO8859_1, "caf\xe9 \x80"), "café €");
	CHECK_STR(CONV(CHARSET_ASCII, "\xe9"), "é");
	CHECK_STR(CONV(CHARSET_ISO8859_1, "\x81"), "\xc2\x81");
	/* An undefined byte elsewhere is U+FFFD (0xA5 in ISO-8859-3). */
	CHECK_STR(CONV(CHARSET_ISO8859_3, "a\xa5z"), "a\xef\xbf\xbdz");
	/* NUL bytes are carried, not cut. */
	CHECK(memcmp(CONV(CHARSET_ISO8859_1, "a\0b"), "a\0b", 4) == 0);
}

TEST(utf8_passthrough_and_repair)
{
	/* Python: b"...".decode("utf-8", "replace"), maximal subparts. */
	CHECK_STR(CONV(CHARSET_UTF8, "привет €"), "привет €");
	CHECK_STR(CONV(CHARSET_UTF8, "\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
	CHECK_STR(CONV(CHARSET_UTF8, "\xc0\xaf"),
	    "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xe0\x80\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xed\xa0\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xf4\x90\x80\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xe2\x82"), "\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "a\xf0\x9f\x98"), "a\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xff\xfe"), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xe2\x82\xac\x80"),
	    "\xe2\x82\xac\xef\xbf\xbd");
	CHECK_STR(CONV(CHARSET_UTF8, "\xc2"), "\xef\xbf\xbd");
}

TEST(utf7)
{
	/* Python: "...".encode().decode("utf-7") */
	CHECK_STR(CONV(CHARSET_UTF7, "+BB8EQAQ4BDIENQRC-"), "Привет");
	CHECK_STR(CONV(CHARSET_UTF7, "Hi Mom -+Jjo--!"), "Hi Mom -☺-!");
	CHECK_STR(CONV(CHARSET_UTF7, "1 +- 1"), "1 + 1");
	CHECK_STR(CONV(CHARSET_UTF7, "+2D3eAA-"), "\xf0\x9f\x98\x80");
	/* Implicit end of the shift at a non-base64 byte. */
	CHECK_STR(CONV(CHARSET_UTF7, "+BB8.x"), "П.x");
	/* Lone surrogate, 8-bit byte. */
	CHECK_STR(CONV(CHARSET_UTF7, "+2D0-a\xff"),
	    "\xef\xbf\xbd" "a\xef\xbf\xbd");
}

TEST(convert_bounds)
{
	struct buf b;

	buf_init(&b, 5);
	CHECK(charset_to_utf8(CHARSET_KOI8R, "\xd0\xd2\xc9", 3, &b) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len <= 5);
	buf_reset(&b);
	CHECK(charset_to_utf8(CHARSET_KOI8R, "\xd0\xd2", 2, &b) == 0);
	CHECK(b.len == 4);
	CHECK(charset_to_utf8(CHARSET_COUNT, "a", 1, &b) == -1);
	CHECK(errno == EINVAL);
	CHECK(charset_to_utf8(-1, "a", 1, &b) == -1);
	buf_free(&b);
}

TEST(utf8_validity)
{
	CHECK(utf8_valid("", 0));
	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("привет", strlen("привет")));
	CHECK(utf8_valid("\xf0\x9f\x98\x80", 4));
	CHECK(utf8_valid("\xef\xbf\xbf", 3));		/* U+FFFF */
	CHECK(utf8_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	CHECK(!utf8_valid("\xc0\x80", 2));		/* overlong NUL */
	CHECK(!utf8_valid("\xe0\x9f\xbf", 3));		/* overlong */
	CHECK(!utf8_valid("\xed\xb0\x80", 3));		/* surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	CHECK(!utf8_valid("\xf8\x88\x80\x80\x80", 5));
	CHECK(!utf8_valid("\x80", 1));
	CHECK(!utf8_valid("ab\xd0", 3));		/* truncated */
	CHECK(!utf8_valid("\xd0\xd2", 2));		/* KOI8-R text */
}

TEST(utf8_put_and_next)
{
	struct buf b;
	uint32_t cp;

	buf_init(&b, 64);
	CHECK(utf8_put(&b, 0x41) == 0);
	CHECK(utf8_put(&b, 0x451) == 0);
	CHECK(utf8_put(&b, 0x20AC) == 0);
	CHECK(utf8_put(&b, 0x1F600) == 0);
	CHECK(utf8_put(&b, 0xD800) == 0);	/* becomes U+FFFD */
	CHECK(utf8_put(&b, 0x110000) == 0);	/* becomes U+FFFD */
	CHECK(b.len == 1 + 2 + 3 + 4 + 3 + 3);
	CHECK(memcmp(b.p, "Aё€\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd",
	    b.len) == 0);
	CHECK(utf8_next(b.p + 1, b.len - 1, &cp) == 2 && cp == 0x451);
	CHECK(utf8_next(b.p + 6, b.len - 6, &cp) == 4 && cp == 0x1F600);
	CHECK(utf8_next("\xe2\x82", 2, &cp) == 2 && cp == UTF8_INVALID);
	CHECK(utf8_next("\xe2\x41", 2, &cp) == 1 && cp == UTF8_INVALID);
	buf_free(&b);
}

TEST(casefold_cyrillic)
{
	CHECK_STR(fold("привет"), "ПРИВЕТ");
	CHECK(fold_eq("ПРИВЕТ", "привет"));
	CHECK(fold_eq("Привет, Мир", "пРИВЕТ, мИР"));
	/* Ё/ё fold together, to Е + U+0308 (NFKD). */
	CHECK(fold_eq("Ёлка", "ёлка"));
	CHECK_STR(fold("ё"), "Е\xcc\x88");
	CHECK(fold_eq("ЁЛКА", "Е\xcc\x88лка"));	/* decomposed input */
	/* Ukrainian and Belarusian letters. */
	CHECK(fold_eq("їжак ґанок єдність ірис ўсё",
	    "ЇЖАК ҐАНОК ЄДНІСТЬ ІРИС ЎСЁ"));
	CHECK(!fold_eq("е", "ё"));
	CHECK(!fold_eq("и", "й"));
}

TEST(casefold_latin_greek)
{
	CHECK(fold_eq("É", "é"));
	CHECK_STR(fold("é"), "E\xcc\x81");
	CHECK(fold_eq("é", "e\xcc\x81"));	/* NFC and NFD agree */
	CHECK(fold_eq("ÅÆØ Ÿ Ł Ő Č", "åæø ÿ ł ő č"));
	CHECK(!fold_eq("é", "e"));
	CHECK(fold_eq("ΣΊΣΥΦΟΣ", "σίσυφος"));
	CHECK(fold_eq("σ", "ς"));		/* final sigma */
	/* RFC 5051: titlecase of dotless i is I. */
	CHECK_STR(fold("ı"), "I");
	CHECK_STR(fold("İ"), "I\xcc\x87");
	/* ß has no simple titlecase: stays, unlike full case folding. */
	CHECK_STR(fold("Straße"), "STRAßE");
	CHECK(!fold_eq("Straße", "STRASSE"));
	/* Compatibility forms: RFC 5051's NFKD, then titlecase again. */
	CHECK_STR(fold("\xef\xac\x81le"), "FILE");		/* fi ligature */
	CHECK_STR(fold("Ａｂｃ"), "ABC");		/* full-width */
	CHECK_STR(fold("ǆ"), "DZ\xcc\x8c");
	CHECK(fold_eq("Ǆ", "dž"));
	CHECK_STR(fold("½"), "1\xe2\x81\x84" "2");
	/* Left alone: Hangul syllables, CJK, ASCII punctuation. */
	CHECK_STR(fold("한국 日本 [x]_{y}"), "한국 日本 [X]_{Y}");
	/* Non-BMP letters fold too (Deseret). */
	CHECK_STR(fold("\xf0\x90\x90\xa8"), "\xf0\x90\x90\x80");
}

TEST(casefold_invalid_and_bounds)
{
	struct buf b;

	/* Ill-formed input becomes U+FFFD, as in charset_to_utf8(). */
	CHECK_STR(fold("a\xff" "b"), "A\xef\xbf\xbd" "B");
	CHECK_STR(fold("\xd0"), "\xef\xbf\xbd");
	buf_init(&b, 3);
	CHECK(utf8_casefold("abcd", 4, &b) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len == 3 && memcmp(b.p, "ABC", 3) == 0);
	buf_reset(&b);
	/* The key of ё is 4 bytes: the key may outgrow the input. */
	CHECK(utf8_casefold("ё", 2, &b) == -1);
	buf_free(&b);
	buf_init(&b, 4);
	CHECK(utf8_casefold("ё", 2, &b) == 0);
	CHECK(utf8_casefold("a", 1, &b) == -1);
	buf_free(&b);
	/* The documented worst case: 4 times the input (U+2057). */
	buf_init(&b, 12);
	CHECK(utf8_casefold("\xe2\x81\x97", 3, &b) == 0);
	CHECK(b.len == 12);
	buf_free(&b);
}

TEST(ci_contains)
{
	CHECK(contains("Re: Привет, как дела?", "ПРИВЕТ"));
	CHECK(contains("Re: Привет, как дела?", "как"));
	CHECK(contains("ёлка", "ЁЛ"));
	CHECK(contains("Café au lait", "CAFÉ"));
	CHECK(contains("abc", ""));
	CHECK(contains("", ""));
	CHECK(!contains("", "a"));
	CHECK(!contains("ab", "abc"));
	CHECK(!contains("Привет", "пока"));
	/* A match may not end inside a decomposed letter. */
	CHECK(!contains("Café", "cafe"));
	CHECK(!contains("мой", "мои"));
	CHECK(!contains("ёлка", "е"));
	CHECK(contains("мои мой", "мои"));	/* later occurrence ok */
	CHECK(contains("мой мои", "мои"));	/* retried after a reject */
	CHECK(contains("мой", "мой"));
	CHECK(!utf8_ci_contains(NULL, 0, "a", 1));
	CHECK(utf8_ci_contains(NULL, 0, NULL, 0));
	/* Without folding it is plain memmem. */
	CHECK(utf8_ci_contains("abc", 3, "bc", 2));
	CHECK(!utf8_ci_contains("abc", 3, "cb", 2));
}
