/*
 * tests/unit/test_mutf7.c -- common/mutf7.c.  Expected encodings were
 * computed with a reference written from RFC 3501 sec. 5.1.3 in Python:
 * each run of non-printable-ASCII characters becomes
 * "&" + base64(run.encode("utf-16-be")).rstrip("=").replace("/", ",") + "-",
 * and "&" becomes "&-"; the first was checked by hand ("BB4E" = 000001
 * 000001 111000 000100 = U+041E, О).
 */
#include <errno.h>
#include <string.h>

#include "common/buf.h"
#include "common/mutf7.h"
#include "tests/unit/test.h"

static char res[1024];

static const char *
dec(const char *s)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	if (mutf7_to_utf8(s, strlen(s), &b) == -1) {
		buf_free(&b);
		return errno == EINVAL ? "(EINVAL)" : "(error)";
	}
	if (b.len > 0)
		memcpy(res, b.p, b.len);
	res[b.len] = '\0';
	buf_free(&b);
	return res;
}

static const char *
enc_n(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, sizeof(res) - 1);
	if (utf8_to_mutf7(s, len, &b) == -1) {
		buf_free(&b);
		return errno == EINVAL ? "(EINVAL)" : "(error)";
	}
	if (b.len > 0)
		memcpy(res, b.p, b.len);
	res[b.len] = '\0';
	buf_free(&b);
	return res;
}
#define enc(s)	enc_n((s), strlen(s))

/* Both directions, and the result decodes back. */
static int
pair(const char *utf8, const char *mutf7)
{
	char e[1024];

	strcpy(e, enc(utf8));
	if (strcmp(e, mutf7) != 0) {
		fprintf(stderr, "  encode \"%s\": got \"%s\" want \"%s\"\n",
		    utf8, e, mutf7);
		return 0;
	}
	if (strcmp(dec(mutf7), utf8) != 0) {
		fprintf(stderr, "  decode \"%s\": got \"%s\"\n", mutf7, res);
		return 0;
	}
	return 1;
}

TEST(cyrillic_folders)
{
	CHECK(pair("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"));
	CHECK(pair("Черновики", "&BCcENQRABD0EPgQyBDgEOgQ4-"));
	CHECK(pair("Входящие", "&BBIERQQ+BDQETwRJBDgENQ-"));
	CHECK(pair("Корзина", "&BBoEPgRABDcEOAQ9BDA-"));
	CHECK(pair("Спам", "&BCEEPwQwBDw-"));
	CHECK(pair("Отправленные/Черновики",
	    "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-/&BCcENQRABD0EPgQyBDgEOgQ4-"));
}

TEST(rfc3501_example_and_ascii)
{
	/* RFC 3501 sec. 5.1.3. */
	CHECK(pair("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"));
	CHECK(pair("&", "&-"));
	CHECK(pair("a&b", "a&-b"));
	CHECK(pair("&&", "&-&-"));
	CHECK(pair("", ""));
	CHECK(pair("INBOX.Sent Items", "INBOX.Sent Items"));
	CHECK(pair("a-b+c,d/e\\f~", "a-b+c,d/e\\f~"));
	CHECK(pair("é", "&AOk-"));
	CHECK(pair("日本", "&ZeVnLA-"));
	CHECK(pair("é-", "&AOk--"));		/* '-' right after a shift */
	CHECK(pair("é&", "&AOk-&-"));		/* "&-" after a shift is ok */
	/* Non-BMP: a surrogate pair. */
	CHECK(pair("\xf0\x9f\x98\x80", "&2D3eAA-"));
	CHECK(pair("x\xf0\x9f\x98\x80y", "x&2D3eAA-y"));
	/* Controls and DEL are not printable: they are shifted. */
	CHECK(pair("a\tb", "a&AAk-b"));
	CHECK(pair("\x7f", "&AH8-"));
}

TEST(decode_rejects)
{
	/* Unterminated shifts (RFC 3501: "&Jjo!" is invalid). */
	CHECK_STR(dec("&Jjo!"), "(EINVAL)");
	CHECK_STR(dec("&Jjo"), "(EINVAL)");
	CHECK_STR(dec("&"), "(EINVAL)");
	CHECK_STR(dec("abc&"), "(EINVAL)");
	CHECK_STR(dec("&Jjo-!"), "☺!");
	/* '&' followed by neither '-' nor base64. */
	CHECK_STR(dec("&!"), "(EINVAL)");
	CHECK_STR(dec("&=-"), "(EINVAL)");
	/* Standard base64 '/' and padding are not modified base64. */
	CHECK_STR(dec("&BB4EQgQ/-"), "(EINVAL)");
	CHECK_STR(dec("&AOk=-"), "(EINVAL)");
	/* Printable ASCII encoded: 'a', '&', ' ', '~'. */
	CHECK_STR(dec("&AGE-"), "(EINVAL)");
	CHECK_STR(dec("&ACY-"), "(EINVAL)");
	CHECK_STR(dec("&ACA-"), "(EINVAL)");
	CHECK_STR(dec("&AH4-"), "(EINVAL)");
	CHECK_STR(dec("&AOkAYQ-"), "(EINVAL)");	/* é then 'a' */
	/* U+0000. */
	CHECK_STR(dec("&AAA-"), "(EINVAL)");
	/* Null shift: two shifts back to back. */
	CHECK_STR(dec("&AOk-&AOk-"), "(EINVAL)");
	CHECK_STR(dec("&AOkA6Q-"), "éé");	/* the minimal form */
	/* Superfluous characters, non-zero padding bits. */
	CHECK_STR(dec("&AOkA-"), "(EINVAL)");	/* 30 bits: 14 left over */
	CHECK_STR(dec("&AOkAA-"), "(EINVAL)");
	CHECK_STR(dec("&AOl-"), "(EINVAL)");	/* leftover bits 01 */
	CHECK_STR(dec("&AOm-"), "(EINVAL)");
	CHECK_STR(dec("&A-"), "(EINVAL)");
	CHECK_STR(dec("&AO-"), "(EINVAL)");
	/* Surrogates: lone high, lone low, high then non-low, swapped. */
	CHECK_STR(dec("&2D0-"), "(EINVAL)");
	CHECK_STR(dec("&3gA-"), "(EINVAL)");
	CHECK_STR(dec("&2D0A6Q-"), "(EINVAL)");	/* D83D 00E9 */
	CHECK_STR(dec("&3gDYPQ-"), "(EINVAL)");
	CHECK_STR(dec("&2D0-&3gA-"), "(EINVAL)");	/* split pair */
	/* Bytes outside 0x20-0x7E, raw UTF-8 included. */
	CHECK_STR(dec("Отправленные"), "(EINVAL)");
	CHECK_STR(dec("a\tb"), "(EINVAL)");
	CHECK_STR(dec("a\x7f"), "(EINVAL)");
	CHECK_STR(dec("&AOk\x80-"), "(EINVAL)");
}

TEST(decode_rejects_nul)
{
	struct buf b;

	buf_init(&b, 64);
	errno = 0;
	CHECK(mutf7_to_utf8("a\0b", 3, &b) == -1);
	CHECK(errno == EINVAL);
	buf_free(&b);
}

TEST(encode_rejects)
{
	CHECK_STR(enc("\xff"), "(EINVAL)");
	CHECK_STR(enc("abc\xd0"), "(EINVAL)");		/* truncated */
	CHECK_STR(enc("\xc0\xaf"), "(EINVAL)");		/* overlong */
	CHECK_STR(enc("\xed\xa0\x80"), "(EINVAL)");	/* surrogate */
	CHECK_STR(enc("\xf4\x90\x80\x80"), "(EINVAL)");
	CHECK_STR(enc_n("a\0b", 3), "(EINVAL)");
	CHECK_STR(enc("\xef\xf0\xe8\xe2\xe5\xf2"), "(EINVAL)");	/* cp1251 */
}

TEST(bounds)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK(utf8_to_mutf7("Спам", strlen("Спам"), &b) == -1);
	CHECK(errno == E2BIG);
	CHECK(b.len <= 8);
	buf_reset(&b);
	CHECK(mutf7_to_utf8("&BCEEPwQwBDw-", 13, &b) == 0);
	CHECK(b.len == 8);
	buf_reset(&b);
	CHECK(mutf7_to_utf8("abcdefghi", 9, &b) == -1);
	CHECK(errno == E2BIG);
	buf_free(&b);
}

TEST(appends)
{
	struct buf b;

	buf_init(&b, 64);
	CHECK(buf_puts(&b, "INBOX/") == 0);
	CHECK(mutf7_to_utf8("&BCEEPwQwBDw-", 13, &b) == 0);
	CHECK(b.len == 6 + 8 && memcmp(b.p, "INBOX/Спам", b.len) == 0);
	buf_free(&b);
}
