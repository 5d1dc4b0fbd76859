/*
 * tests/unit/test_quota.c -- Maildir++ quota: definition and maildirsize
 * parsing with bounds, the arithmetic, delivery refused over quota,
 * expunge lines, recalculation.
 */
#include <stdint.h>

#include "common/limits.h"
#include "maildir/md_int.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

static int
def(const char *s, uint64_t *b, uint64_t *c)
{
	return md_quota_def_parse(s, strlen(s), b, c);
}

TEST(definition)
{
	uint64_t b, c;

	CHECK(def("1000000S,1000C", &b, &c) == 0 && b == 1000000 && c == 1000);
	CHECK(def("1000C,5S", &b, &c) == 0 && b == 5 && c == 1000);
	CHECK(def("1000C", &b, &c) == 0 && b == 0 && c == 1000);
	CHECK(def("77S", &b, &c) == 0 && b == 77 && c == 0);
	CHECK(def("", &b, &c) == -1);
	CHECK(def("S", &b, &c) == -1);
	CHECK(def("1000X", &b, &c) == -1);
	CHECK(def("1000", &b, &c) == -1);
	CHECK(def("10S,20S", &b, &c) == -1);
	CHECK(def("10S,", &b, &c) == -1);
	CHECK(def(",10S", &b, &c) == -1);
	CHECK(def("-5S", &b, &c) == -1);
	CHECK(def("99999999999999999999S", &b, &c) == -1);
	CHECK(def("9223372036854775808S", &b, &c) == -1);
	CHECK(def("9223372036854775807S", &b, &c) == 0);
	CHECK(def("10 S", &b, &c) == -1);
}

static int
parse(const char *s, struct md_quota *q)
{
	return md_quota_parse(s, strlen(s), q);
}

TEST(file_parse)
{
	struct md_quota q;
	static char big[LB_MAILDIRSIZE_RECALC + 100];
	size_t o;

	CHECK(parse("100S,10C\n50 1\n-20 -1\n  7   2\n", &q) == 0);
	CHECK(q.limit_bytes == 100 && q.limit_count == 10);
	CHECK(q.used_bytes == 37 && q.used_count == 2 && q.lines == 3);
	CHECK(parse("100S,10C\n", &q) == 0 && q.used_bytes == 0);
	/* Definition bad: -1; no newline at all: -1. */
	CHECK(parse("100Q\n1 1\n", &q) == -1);
	CHECK(parse("100S", &q) == -1);
	/* Deltas bad: recalculate. */
	CHECK(parse("100S\n1 1\nx y\n", &q) == 1);
	CHECK(parse("100S\n1 1\n5\n", &q) == 1);
	CHECK(parse("100S\n1 1\n5 1", &q) == 1);	/* cut line */
	CHECK(parse("100S\n1 1\n-5 -1\n", &q) == 1);	/* negative */
	CHECK(parse("100S\n9223372036854775807 1\n1 1\n", &q) == 1);
	CHECK(parse("100S\n99999999999999999999 1\n", &q) == 1);
	/* Over 5120 bytes: recalculate (the spec's rule). */
	o = (size_t)snprintf(big, sizeof(big), "100S\n");
	while (o + 4 < sizeof(big) - 1) {
		memcpy(big + o, "1 0\n", 4);
		o += 4;
	}
	big[o] = '\0';
	CHECK(parse(big, &q) == 1);
}

TEST(arithmetic)
{
	struct md_quota q;

	memset(&q, 0, sizeof(q));
	CHECK(!md_quota_over(&q, UINT64_MAX, UINT64_MAX));	/* no limit */
	q.limit_bytes = 100;
	q.used_bytes = 60;
	CHECK(!md_quota_over(&q, 40, 1));
	CHECK(md_quota_over(&q, 41, 1));
	CHECK(md_quota_over(&q, UINT64_MAX, 0));
	q.limit_count = 2;
	q.used_count = 1;
	CHECK(!md_quota_over(&q, 0, 1));
	CHECK(md_quota_over(&q, 0, 2));
	q.used_count = -5;	/* treated as 0 */
	CHECK(!md_quota_over(&q, 0, 2));
}

TEST(delivery_and_expunge)
{
	char dir[64], text[512];
	int rootfd = md_tmp(dir);
	uint64_t lb, lc, ub, uc;
	struct md_folder *f;

	/* No maildirsize: no quota, nothing counted, delivery works. */
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(lb == 0 && lc == 0 && ub == 0 && uc == 0);
	CHECK(deliver(rootfd, "INBOX", "0123456789\n", NULL) == MD_OK);
	CHECK(faccessat(rootfd, "maildirsize", F_OK, 0) == -1);
	/* 30 bytes, 2 messages, 11 bytes already used by 1. */
	CHECK(put_file(rootfd, "maildirsize", "30S,2C\n11 1\n") == 0);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(lb == 30 && lc == 2 && ub == 11 && uc == 1);
	CHECK(deliver(rootfd, "INBOX", "abcdefghij\n", NULL) == MD_OK);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(ub == 22 && uc == 2);
	CHECK(get_file(rootfd, "maildirsize", text, sizeof(text)) > 0);
	CHECK_STR(text, "30S,2C\n11 1\n11 1\n");
	/* Over the count (and bytes): refused, nothing left anywhere. */
	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_ERR_QUOTA);
	CHECK(count_dir(rootfd, "new") == 2);
	CHECK(count_dir(rootfd, "tmp") == 0);
	/* Expunge appends a negative line; then it fits again. */
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_expunge(f, 0) == MD_OK);
	md_folder_close(&f);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(ub == 11 && uc == 1);
	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	/* A bad definition: reported, but delivery is not blocked. */
	CHECK(put_file(rootfd, "maildirsize", "lots\n") == 0);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_ERR_CORRUPT);
	CHECK(deliver(rootfd, "INBOX", "y\n", NULL) == MD_OK);
	close(rootfd);
	rm_rf(dir);
}

TEST(recalculation)
{
	char dir[64], text[8192];
	int rootfd = md_tmp(dir), i;
	uint64_t lb, lc, ub, uc;
	size_t o;

	CHECK(deliver(rootfd, "INBOX", "12345\n", NULL) == MD_OK);
	CHECK(md_folder_create(rootfd, "Sent") == MD_OK);
	CHECK(deliver(rootfd, "Sent", "123\n", NULL) == MD_OK);
	CHECK(put_file(rootfd, "cur/1.x.h:2,S", "1234567") == 0); /* no S= */
	/* A garbage line forces a recount of every folder. */
	CHECK(put_file(rootfd, "maildirsize", "1000S\n5 1\nxx\n") == 0);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(lb == 1000 && ub == 6 + 4 + 7 && uc == 3);
	CHECK(get_file(rootfd, "maildirsize", text, sizeof(text)) > 0);
	CHECK_STR(text, "1000S\n17 3\n");
	/* Grown past 5120 bytes: recounted and rewritten short. */
	o = (size_t)snprintf(text, sizeof(text), "1000S\n");
	for (i = 0; i < 1500; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "1 0\n");
	CHECK(put_file(rootfd, "maildirsize", text) == 0);
	CHECK(md_quota_get(rootfd, &lb, &lc, &ub, &uc) == MD_OK);
	CHECK(ub == 17 && uc == 3);
	CHECK(get_file(rootfd, "maildirsize", text, sizeof(text)) > 0);
	CHECK_STR(text, "1000S\n17 3\n");
	CHECK(count_dir(rootfd, "tmp") == 0);
	/* Over quota and older than 15 minutes: recounted before refusing. */
	{
		struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };

		CHECK(put_file(rootfd, "maildirsize", "20S\n500 3\n") == 0);
		CHECK(utimensat(rootfd, "maildirsize", old, 0) == 0);
		CHECK(md_quota_check(rootfd, 2, 1) == MD_OK);
		CHECK(md_quota_check(rootfd, 4, 1) == MD_ERR_QUOTA);
	}
	close(rootfd);
	rm_rf(dir);
}
