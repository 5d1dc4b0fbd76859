/*
 * tests/unit/test_maildir_name.c -- Maildir file names: parsing (sizes,
 * info, flags, bad names), unique names, flag normalisation, CRLF size
 * counting, folder name checks.
 */
#include <stdint.h>

#include "common/limits.h"
#include "maildir/md_int.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

static int
uniq_is(const struct md_name *n, const char *want)
{
	return n->unique_len == strlen(want) &&
	    memcmp(n->unique, want, n->unique_len) == 0;
}

TEST(parse_full)
{
	struct md_name n;

	CHECK(md_name_parse("1700000000.M1P2Q3Rab.host,S=100,W=103:2,SR",
	    &n) == 0);
	CHECK(uniq_is(&n, "1700000000.M1P2Q3Rab.host"));
	CHECK(n.has_size && n.size == 100);
	CHECK(n.has_vsize && n.vsize == 103);
	CHECK(n.has_info);
	CHECK_STR(n.flags, "RS");
}

TEST(parse_no_info)
{
	struct md_name n;

	CHECK(md_name_parse("123.abc.host", &n) == 0);
	CHECK(uniq_is(&n, "123.abc.host"));
	CHECK(!n.has_size && !n.has_vsize && !n.has_info);
	CHECK_STR(n.flags, "");
	/* Experimental info ":1," is not flags. */
	CHECK(md_name_parse("123.host:1,SR", &n) == 0);
	CHECK(!n.has_info);
	CHECK_STR(n.flags, "");
	CHECK(uniq_is(&n, "123.host"));
	/* Empty flags. */
	CHECK(md_name_parse("123.host:2,", &n) == 0);
	CHECK(n.has_info);
	CHECK_STR(n.flags, "");
}

TEST(parse_sizes_are_hints)
{
	struct md_name n;

	CHECK(md_name_parse("1.h,S=18446744073709551615:2,", &n) == 0);
	CHECK(n.has_size && n.size == UINT64_MAX);
	/* Over 2^64-1, garbage, empty, negative: ignored, name still valid. */
	CHECK(md_name_parse("1.h,S=18446744073709551616:2,S", &n) == 0);
	CHECK(!n.has_size);
	CHECK_STR(n.flags, "S");
	CHECK(md_name_parse("1.h,S=99999999999999999999999999", &n) == 0);
	CHECK(!n.has_size);
	CHECK(md_name_parse("1.h,S=12x,W=", &n) == 0);
	CHECK(!n.has_size && !n.has_vsize);
	CHECK(md_name_parse("1.h,S=-5", &n) == 0);
	CHECK(!n.has_size);
	CHECK(md_name_parse("1.h,W=7,X=1,S=5", &n) == 0);
	CHECK(n.has_size && n.size == 5 && n.has_vsize && n.vsize == 7);
	CHECK(uniq_is(&n, "1.h"));
	/* The first S= counts. */
	CHECK(md_name_parse("1.h,S=5,S=6", &n) == 0);
	CHECK(n.size == 5);
}

TEST(parse_flags)
{
	struct md_name n;

	CHECK(md_name_parse("1.h:2,TSRSDF", &n) == 0);
	CHECK_STR(n.flags, "DFRST");
	/* Unknown letters: lower case (Dovecot keywords), digits, commas
	 * are not system flags; other upper-case letters are kept. */
	CHECK(md_name_parse("1.h:2,abcZ,S9", &n) == 0);
	CHECK_STR(n.flags, "SZ");
	CHECK(md_name_parse("1.h:2,ABCDEFGHIJKLMNOPQRSTUVWXYZZ", &n) == 0);
	CHECK_STR(n.flags, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

TEST(parse_bad)
{
	struct md_name n;
	char big[LB_MAILDIR_NAME_MAX + 2];

	CHECK(md_name_parse("", &n) == -1);
	CHECK(md_name_parse(NULL, &n) == -1);
	CHECK(md_name_parse(".hidden", &n) == -1);
	CHECK(md_name_parse("..", &n) == -1);
	CHECK(md_name_parse("a/b", &n) == -1);
	CHECK(md_name_parse(",S=1", &n) == -1);
	CHECK(md_name_parse(":2,S", &n) == -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(md_name_parse(big, &n) == -1);
	big[LB_MAILDIR_NAME_MAX] = '\0';	/* exactly 255 */
	CHECK(md_name_parse(big, &n) == 0);
}

TEST(flags_norm)
{
	char out[27];

	CHECK(md_flags_norm("TSD", out) == 0);
	CHECK_STR(out, "DST");
	CHECK(md_flags_norm("", out) == 0);
	CHECK_STR(out, "");
	CHECK(md_flags_norm("SS", out) == 0);
	CHECK_STR(out, "S");
	CHECK(md_flags_norm("a", out) == -1);
	CHECK(md_flags_norm("S ", out) == -1);
}

TEST(unique_names)
{
	char a[256], b[256], small[8];
	long long sec;
	int usec, used = 0;

	md_set_hostname("mail/x:y,z");
	CHECK(md_unique_new(a, sizeof(a)) == 0);
	CHECK(md_unique_new(b, sizeof(b)) == 0);
	CHECK(strcmp(a, b) != 0);
	CHECK(sscanf(a, "%lld.M%6dP%*dQ%*uR%*[0-9a-f].%n", &sec, &usec,
	    &used) == 2);
	CHECK(used > 0 && strcmp(a + used, "mail\\057x\\072y\\054z") == 0);
	CHECK(strchr(a, '/') == NULL && strchr(a, ':') == NULL &&
	    strchr(a, ',') == NULL);
	CHECK(md_unique_new(small, sizeof(small)) == -1);
	/* Over-long host names are cut, never overflow. */
	memset(b, 'h', 200);
	b[200] = '\0';
	md_set_hostname(b);
	CHECK(md_unique_new(a, sizeof(a)) == 0);
	CHECK(strlen(a) < 160);
	md_set_hostname("");
	CHECK(md_unique_new(a, sizeof(a)) == 0);
	CHECK(strstr(a, ".localhost") != NULL);
}

TEST(vsize_count)
{
	char path[] = "/tmp/lbvs.XXXXXX";
	static char big[70000];
	uint64_t size, vsize;
	int fd = mkstemp(path);

	CHECK(fd != -1);
	CHECK(write(fd, "a\nb\r\nc\r", 7) == 7);
	CHECK(md_count_vsize(fd, &size, &vsize) == MD_OK);
	CHECK(size == 7 && vsize == 8);
	/* A CRLF split across the 64 KiB read boundary is not bare. */
	CHECK(ftruncate(fd, 0) == 0);
	memset(big, 'x', sizeof(big));
	big[65535] = '\r';
	big[65536] = '\n';
	big[69999] = '\n';
	CHECK(pwrite(fd, big, sizeof(big), 0) == (ssize_t)sizeof(big));
	CHECK(md_count_vsize(fd, &size, &vsize) == MD_OK);
	CHECK(size == sizeof(big) && vsize == sizeof(big) + 1);
	close(fd);
	unlink(path);
}

TEST(folder_names)
{
	char big[LB_MAILDIR_NAME_MAX + 1];

	CHECK(md_folder_name_check("Sent") == MD_OK);
	CHECK(md_folder_name_check("A.B") == MD_OK);
	CHECK(md_folder_name_check("Entw&APw-rfe") == MD_OK);
	CHECK(md_folder_name_check("") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check(".A") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("A.") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("A..B") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("A/B") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("A\tB") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("A\x7f") == MD_ERR_BADNAME);
	CHECK(md_folder_name_check("inbox") == MD_ERR_BADNAME);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(md_folder_name_check(big) == MD_ERR_BADNAME);
	big[LB_MAILDIR_NAME_MAX - 1] = '\0';
	CHECK(md_folder_name_check(big) == MD_OK);
}

TEST(errors)
{
	CHECK(md_err_temporary(MD_ERR_NOSPACE));
	CHECK(md_err_temporary(MD_ERR_LOCKED));
	CHECK(!md_err_temporary(MD_ERR_BADNAME));
	CHECK(!md_err_temporary(MD_ERR_LIMIT));
	CHECK(strcmp(md_strerror(MD_ERR_QUOTA), "quota exceeded") == 0);
	CHECK(md_strerror(12345) != NULL);
}
