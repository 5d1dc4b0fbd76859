/*
 * tests/unit/test_date.c -- common/date.c: calendar arithmetic, IMAP date
 * and date-time, RFC 5322 Date: headers with obsolete and broken forms.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
#include "test.h"

static int64_t
imapd(const char *s)
{
	int64_t d;

	if (date_parse_imap(s, strlen(s), &d) == -1)
		return -999999;
	return d;
}

static int
p5322(const char *s, struct date_tm *tm)
{
	return date_parse_rfc5322(s, strlen(s), tm);
}

TEST(days_roundtrip)
{
	int64_t d;
	int y, m, md;

	CHECK(date_days(1970, 1, 1) == 0);
	CHECK(date_days(1970, 1, 2) == 1);
	CHECK(date_days(1969, 12, 31) == -1);
	CHECK(date_days(2000, 3, 1) == 11017);
	CHECK(date_days(1994, 2, 1) == 8797);
	for (d = -719000; d < 2900000; d += 997) {
		date_civil(d, &y, &m, &md);
		CHECK(date_valid(y, m, md));
		CHECK(date_days(y, m, md) == d);
	}
	CHECK(date_valid(2000, 2, 29));
	CHECK(!date_valid(1900, 2, 29));
	CHECK(!date_valid(2023, 2, 29));
	CHECK(date_valid(2024, 2, 29));
	CHECK(!date_valid(2023, 4, 31));
	CHECK(!date_valid(0, 1, 1));
	CHECK(!date_valid(10000, 1, 1));
	CHECK(!date_valid(2023, 13, 1));
	CHECK(!date_valid(2023, 1, 0));
}

TEST(imap_date)
{
	CHECK(imapd("1-Feb-1994") == 8797);
	CHECK(imapd("01-Feb-1994") == 8797);
	CHECK(imapd("01-fEB-1994") == 8797);
	CHECK(imapd("31-Dec-1969") == -1);
	CHECK(imapd("001-Feb-1994") == -999999);
	CHECK(imapd("1-Feb-94") == -999999);
	CHECK(imapd("30-Feb-1994") == -999999);
	CHECK(imapd("0-Feb-1994") == -999999);
	CHECK(imapd("1-Foo-1994") == -999999);
	CHECK(imapd("1 Feb 1994") == -999999);
	CHECK(imapd("") == -999999);
	CHECK(imapd("1-Feb-1994 ") == -999999);
	CHECK(imapd("a1-Feb-199") == -999999);
}

TEST(imap_datetime)
{
	int64_t t;

	CHECK(date_parse_imap_datetime("17-Jul-1996 02:44:25 -0700", 26,
	    &t) == 0);
	CHECK(t == date_days(1996, 7, 17) * 86400 + 9 * 3600 + 44 * 60 + 25);
	CHECK(date_parse_imap_datetime(" 7-Jul-1996 02:44:25 +0000", 26,
	    &t) == 0);
	CHECK(t == date_days(1996, 7, 7) * 86400 + 2 * 3600 + 44 * 60 + 25);
	CHECK(date_parse_imap_datetime("7-Jul-1996 02:44:25 +0130", 25,
	    &t) == 0);
	CHECK(t == date_days(1996, 7, 7) * 86400 + 1 * 3600 + 14 * 60 + 25);
	CHECK(date_parse_imap_datetime("17-Jul-1996 24:44:25 -0700", 26,
	    &t) == -1);
	CHECK(date_parse_imap_datetime("17-Jul-1996 02:44:25 -0760", 26,
	    &t) == -1);
	CHECK(date_parse_imap_datetime("17-Jul-1996 02:44:25 0700", 25,
	    &t) == -1);
	CHECK(date_parse_imap_datetime("17-Jul-1996", 11, &t) == -1);
}

TEST(rfc5322_standard)
{
	struct date_tm tm;

	CHECK(p5322("Tue, 1 Feb 1994 23:10:05 -0800", &tm) == 0);
	CHECK(tm.year == 1994 && tm.mon == 2 && tm.mday == 1);
	CHECK(tm.hour == 23 && tm.min == 10 && tm.sec == 5);
	CHECK(tm.tzoff == -480 && tm.has_zone && tm.has_time);
	/* 23:10 -0800 is the next day in UTC */
	CHECK(date_tm_utc(&tm) == date_days(1994, 2, 2) * 86400 + 7 * 3600 +
	    10 * 60 + 5);

	CHECK(p5322("  Fri, 21 Nov 1997 09:55:06 +0600 (Some Zone)", &tm)
	    == 0);
	CHECK(tm.year == 1997 && tm.mon == 11 && tm.mday == 21);
	CHECK(tm.tzoff == 360);

	CHECK(p5322("1 Jan 2000 00:00 +0000", &tm) == 0);
	CHECK(tm.sec == 0 && tm.min == 0 && date_tm_utc(&tm) == 946684800);
}

TEST(rfc5322_obsolete)
{
	struct date_tm tm;

	CHECK(p5322("Thu,\r\n 13\r\n  Feb\r\n   1969\r\n 23:32\r\n"
	    "  -0330 (Newfoundland Time)", &tm) == 0);
	CHECK(tm.year == 1969 && tm.mon == 2 && tm.mday == 13);
	CHECK(tm.hour == 23 && tm.min == 32 && tm.tzoff == -210);

	CHECK(p5322("21 Nov 97 09:55:06 GMT", &tm) == 0);
	CHECK(tm.year == 1997 && tm.has_zone && tm.tzoff == 0);
	CHECK(p5322("21 Nov 03 09:55:06 EST", &tm) == 0);
	CHECK(tm.year == 2003 && tm.tzoff == -300);
	CHECK(p5322("21 Nov 103 09:55:06 PDT", &tm) == 0);
	CHECK(tm.year == 2003 && tm.tzoff == -420);
	CHECK(p5322("21 Nov 1997 09:55:06 A", &tm) == 0);
	CHECK(tm.tzoff == 0 && !tm.has_zone);
	CHECK(p5322("21 Nov 1997 09:55:06 CET", &tm) == 0);
	CHECK(tm.tzoff == 0 && !tm.has_zone);
	CHECK(p5322("Fri, 21 Nov 1997 09:55:06", &tm) == 0);
	CHECK(tm.has_time && !tm.has_zone);
	CHECK(p5322("Fri (comment (nested)) , 21 Nov 1997 (x) 09:55:60 UT",
	    &tm) == 0);
	CHECK(tm.mday == 21 && tm.sec == 59);
}

TEST(rfc5322_variants)
{
	struct date_tm tm;

	/* asctime, as some mailers write */
	CHECK(p5322("Tue Feb  1 10:11:12 1994", &tm) == 0);
	CHECK(tm.year == 1994 && tm.mon == 2 && tm.mday == 1 &&
	    tm.hour == 10);
	CHECK(p5322("Tue Feb  1 10:11:12 PST 1994", &tm) == 0);
	CHECK(tm.year == 1994 && tm.tzoff == -480);
	CHECK(p5322("Tue, 01-Feb-1994 10:11:12 +0100", &tm) == 0);
	CHECK(tm.year == 1994 && tm.mday == 1 && tm.tzoff == 60);
	CHECK(p5322("1 Feb 1994", &tm) == 0);
	CHECK(!tm.has_time && tm.hour == 0);
	CHECK(p5322("1 Feb 1994 10:11:12-0130", &tm) == 0);
	CHECK(tm.tzoff == -90);
}

TEST(rfc5322_bad)
{
	struct date_tm tm;
	char big[DATE_RFC5322_MAX + 2];

	CHECK(p5322("", &tm) == -1);
	CHECK(p5322("yesterday", &tm) == -1);
	CHECK(p5322("30 Feb 1994 10:00 +0000", &tm) == -1);
	CHECK(p5322("1 Feb 10:00 +0000", &tm) == -1);
	CHECK(p5322("1 Feb 19945 10:00 +0000", &tm) == -1);
	CHECK(p5322("1 Feb 1994 25:00 +0000", &tm) == -1);
	CHECK(p5322("1 Feb 1994 10:61 +0000", &tm) == -1);
	CHECK(p5322("((((((((((", &tm) == -1);
	CHECK(p5322("1 Feb 1994 10:", &tm) == 0 && !tm.has_time);
	CHECK(p5322("1 Feb 1994 1", &tm) == 0);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(p5322(big, &tm) == -1);
	/* random bytes never crash */
	{
		unsigned seed = 1;
		char r[64];
		size_t i, k;

		for (k = 0; k < 20000; k++) {
			for (i = 0; i < sizeof(r); i++) {
				seed = seed * 1103515245 + 12345;
				r[i] = " 0123456789:+-(),JanFebGMTx\\"
				    [(seed >> 16) % 29];
			}
			(void)date_parse_rfc5322(r, (seed >> 8) % 64, &tm);
		}
	}
}

TEST(local_days)
{
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK(date_local_days(0) == 0);
	CHECK(date_local_days(86399) == 0);
	CHECK(date_local_days(86400) == 1);
	setenv("TZ", "EST5", 1);
	tzset();
	CHECK(date_local_days(86400) == 0);
	CHECK(date_local_days(86400 + 5 * 3600) == 1);
}
