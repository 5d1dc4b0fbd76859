/*
 * tests/unit/test_seqset.c -- IMAP sequence sets: syntax, "*" against a
 * maximum (empty mailbox included), reversed ranges, merging, iteration
 * without enumeration, the 32-bit edge and "$".
 */
#include <errno.h>
#include <stdint.h>

#include "common/limits.h"
#include "imap/seqset.h"
#include "tests/unit/test.h"

static struct seqset *
ps(const char *s)
{
	struct seqset *set = NULL;

	if (seqset_parse(s, strlen(s), SEQSET_ALLOW_DOLLAR, &set) == -1)
		return NULL;
	return set;
}

static int
bad(const char *s, unsigned int flags)
{
	struct seqset *set = (struct seqset *)1;
	int r;

	r = seqset_parse(s, strlen(s), flags, &set);
	return r == -1 && set == NULL && errno == EINVAL;
}

/* The ranges of the set evaluated against max, as "a-b,c-d". */
static char out[4096];

static const char *
ranges(const struct seqset *set, uint32_t max)
{
	struct seqset_iter it;
	uint32_t lo, hi;
	size_t n = 0;

	out[0] = '\0';
	seqset_iter_init(&it, set, max);
	while (seqset_iter_next(&it, &lo, &hi) && n < sizeof(out) - 32)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%u-%u",
		    n ? "," : "", lo, hi);
	return out;
}

TEST(syntax)
{
	CHECK(bad("", 0));
	CHECK(bad("0", 0));
	CHECK(bad("01", 0));
	CHECK(bad("1:0", 0));
	CHECK(bad("4294967296", 0));
	CHECK(bad("1,", 0));
	CHECK(bad(",1", 0));
	CHECK(bad("1,,2", 0));
	CHECK(bad("1:", 0));
	CHECK(bad(":1", 0));
	CHECK(bad("1:2:3", 0));
	CHECK(bad("1 ", 0));
	CHECK(bad("-1", 0));
	CHECK(bad("**", 0));
	CHECK(bad("$", 0));
	CHECK(bad("$:1", SEQSET_ALLOW_DOLLAR));
	CHECK(bad("1:$", SEQSET_ALLOW_DOLLAR));
	CHECK(bad("$$", SEQSET_ALLOW_DOLLAR));
	{
		struct seqset *set = NULL;

		CHECK(seqset_parse("1", LB_IMAP_LINE_MAX + 1, 0, &set) == -1);
		CHECK(errno == E2BIG && set == NULL);
		/* Not NUL-terminated: only len bytes count. */
		CHECK(seqset_parse("12x", 2, 0, &set) == 0);
		CHECK(set != NULL && seqset_contains(set, 12, 100));
		seqset_free(&set);
		CHECK(set == NULL);
		seqset_free(&set);
	}
}

TEST(basic)
{
	struct seqset *s = ps("1,3:5,7:*,*");

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_STR(ranges(s, 10), "1-1,3-5,7-10");
	CHECK(seqset_count(s, 10) == 8);
	CHECK(seqset_contains(s, 1, 10));
	CHECK(!seqset_contains(s, 2, 10));
	CHECK(seqset_contains(s, 4, 10));
	CHECK(!seqset_contains(s, 6, 10));
	CHECK(seqset_contains(s, 10, 10));
	CHECK(!seqset_contains(s, 11, 10));
	CHECK(!seqset_contains(s, 0, 10));
	CHECK(seqset_has_star(s) && !seqset_has_dollar(s));
	CHECK(seqset_highest(s) == 7);
	/* Fewer messages than the numbers written. */
	CHECK_STR(ranges(s, 4), "1-1,3-4");
	CHECK(seqset_contains(s, 4, 4) && !seqset_contains(s, 5, 4));
	/* RFC 3501: "7:*" with max 6 means 6:7, clipped to 6. */
	CHECK_STR(ranges(s, 6), "1-1,3-6");
	/* Empty mailbox: "*" matches nothing. */
	CHECK_STR(ranges(s, 0), "");
	CHECK(seqset_count(s, 0) == 0);
	CHECK(!seqset_contains(s, 1, 0));
	seqset_free(&s);
}

TEST(reversed_and_merged)
{
	struct seqset *s = ps("5:3,9,8,10:12,2,20:15,14");

	CHECK(s != NULL);
	if (s == NULL)
		return;
	/* 2..5, 8..12 and 14..20 (adjacent ranges merge). */
	CHECK(seqset_nranges(s) == 3);
	CHECK_STR(ranges(s, 100), "2-5,8-12,14-20");
	CHECK(seqset_count(s, 100) == 16);
	CHECK(!seqset_has_star(s));
	CHECK(seqset_highest(s) == 20);
	seqset_free(&s);
	s = ps("*:4,5:7");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	/* RFC 3501's example with 10 messages. */
	CHECK_STR(ranges(s, 10), "4-10");
	CHECK_STR(ranges(s, 2), "2-2");
	CHECK_STR(ranges(s, 5), "4-5");
	seqset_free(&s);
}

TEST(star_merges_with_ranges)
{
	struct seqset *s = ps("1:3,5:8,12,20:*");

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_STR(ranges(s, 30), "1-3,5-8,12-12,20-30");
	/* max 10: "20:*" is 10:20 clipped to 10; "12" is out. */
	CHECK_STR(ranges(s, 10), "1-3,5-8,10-10");
	/* max 9: the star part (9) touches 5:8 and merges with it. */
	CHECK_STR(ranges(s, 9), "1-3,5-9");
	CHECK_STR(ranges(s, 6), "1-3,5-6");
	CHECK_STR(ranges(s, 4), "1-4");
	CHECK_STR(ranges(s, 1), "1-1");
	CHECK(seqset_count(s, 9) == 8);
	CHECK(seqset_contains(s, 9, 9) && seqset_contains(s, 9, 30) == 0);
	seqset_free(&s);
	s = ps("4:*,2");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_STR(ranges(s, 3), "2-3");
	CHECK_STR(ranges(s, 100), "2-2,4-100");
	seqset_free(&s);
}

TEST(full_32bit_range)
{
	struct seqset *s = ps("1:4294967295");
	struct seqset_iter it;
	uint32_t lo, hi;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(seqset_count(s, UINT32_MAX) == 4294967295ULL);
	CHECK(seqset_contains(s, UINT32_MAX, UINT32_MAX));
	CHECK_STR(ranges(s, 7), "1-7");
	seqset_iter_init(&it, s, UINT32_MAX);
	CHECK(seqset_iter_next(&it, &lo, &hi) && lo == 1 && hi == UINT32_MAX);
	CHECK(!seqset_iter_next(&it, &lo, &hi));
	seqset_free(&s);
	/* Adjacent at the top of the range: no overflow when merging. */
	s = ps("4294967295,4294967294,1:*");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(seqset_nranges(s) == 1);
	CHECK_STR(ranges(s, UINT32_MAX), "1-4294967295");
	seqset_free(&s);
}

TEST(dollar_and_merge)
{
	struct seqset *s = ps("$"), *saved = ps("3,7:9"), *t;

	CHECK(s != NULL && saved != NULL);
	if (s == NULL || saved == NULL)
		return;
	CHECK(seqset_has_dollar(s) && seqset_nranges(s) == 0);
	CHECK_STR(ranges(s, 100), "");
	CHECK(seqset_merge(s, saved) == 0);
	CHECK_STR(ranges(s, 100), "3-3,7-9");
	t = ps("1,$");
	CHECK(t != NULL && seqset_has_dollar(t));
	seqset_free(&t);
	t = seqset_new();
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK(seqset_add(t, 5, 2) == 0);
		CHECK(seqset_add(t, 6, 6) == 0);
		CHECK(seqset_add(t, 0, 6) == -1);
		CHECK_STR(ranges(t, 100), "2-6");
		CHECK(seqset_merge(t, s) == 0);
		CHECK_STR(ranges(t, 100), "2-9");
		seqset_free(&t);
	}
	seqset_free(&s);
	seqset_free(&saved);
}

/* A worst case within the line bound: every other number, shuffled, so
 * that sorting and merging matter; membership checked everywhere. */
TEST(many_ranges)
{
	static char in[LB_IMAP_LINE_MAX + 32];
	struct seqset *s = NULL;
	size_t len = 0;
	uint32_t i, k, n = 0;

	for (i = 0; len < LB_IMAP_LINE_MAX - 24; i++) {
		/* A permutation of 0..8191 (odd multiplier mod 2^13). */
		k = (i * 4093u + 17u) % 8192u;
		len += (size_t)snprintf(in + len, sizeof(in) - len, "%s%u",
		    len ? "," : "", 2 * k + 1);
		n++;
		if (n == 8192)
			break;
	}
	CHECK(seqset_parse(in, len, 0, &s) == 0);
	if (s == NULL)
		return;
	CHECK(seqset_nranges(s) == n);
	CHECK(seqset_count(s, UINT32_MAX) == n);
	for (i = 1; i <= 2 * n + 2; i++)
		CHECK(seqset_contains(s, i, UINT32_MAX) == (i % 2 == 1 &&
		    i <= 2 * n - 1));
	seqset_free(&s);
}
