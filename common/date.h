/*
 * common/date.h -- calendar arithmetic and the date syntaxes mail uses:
 * IMAP date ("1-Feb-1994", RFC 3501 sec. 9), IMAP date-time
 * ("17-Jul-1996 02:44:25 -0700", APPEND and INTERNALDATE) and the RFC 5322
 * Date: header with the obsolete forms of sec. 4.3 and the variants seen
 * in real mail.  Pure functions on caller memory: no locale, no tz files
 * (except date_local_days(), which uses localtime_r: the zone must have
 * been loaded with tzset() before chroot).  Used by the session child.
 *
 * Dates are proleptic Gregorian; "days" count from 1970-01-01 (day 0) and
 * may be negative.  Years are limited to 1..9999 (IMAP date-year is
 * 4DIGIT), so no arithmetic here can overflow.
 */
#ifndef LB_DATE_H
#define LB_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest Date: header value looked at; real ones are under 64 bytes,
 * with a zone comment.  Longer input is refused (-1), not cut. */
#define DATE_RFC5322_MAX	256

struct date_tm {
	int	year;		/* 1..9999 */
	int	mon;		/* 1..12 */
	int	mday;		/* 1..days of the month */
	int	hour, min, sec;	/* 0..23, 0..59, 0..59 (a leap second 60
				 * is read as 59) */
	int	tzoff;		/* zone, minutes east of UTC, -5999..5999 */
	int	has_time;	/* a time of day was written */
	int	has_zone;	/* a known zone was written (else tzoff 0) */
};

/* Days since 1970-01-01 of a valid y-m-d (not checked: see
 * date_valid()). */
int64_t	date_days(int year, int mon, int mday);
/* The calendar date of a day number (inverse of date_days()). */
void	date_civil(int64_t days, int *year_r, int *mon_r, int *mday_r);
/* 1 if y-m-d is a real date with year 1..9999, else 0. */
int	date_valid(int year, int mon, int mday);
/* Month number 1..12 of a three-letter English abbreviation (any case),
 * or 0. */
int	date_month(const char *s, size_t len);

/* RFC 3501 date-text: date-day "-" date-month "-" date-year, day 1 or 2
 * digits, exactly len bytes.  0 and *days_r, or -1 (also for 30-Feb). */
int	date_parse_imap(const char *s, size_t len, int64_t *days_r);

/* RFC 3501 date-time without the quotes: "dd-Mon-yyyy hh:mm:ss +zzzz",
 * day possibly " 1" or "1".  0 and *t_r (seconds since the epoch, UTC),
 * or -1. */
int	date_parse_imap_datetime(const char *s, size_t len, int64_t *t_r);

/*
 * RFC 5322 Date: header value (unfolded or not; CFWS anywhere).  Accepts:
 * an optional day name (with or without ','), "day month year" or
 * "month day [time] year" (asctime, as broken mailers write), '-' between
 * day, month and year ("01-Feb-1994"), 2- and 3-digit years (sec. 4.3:
 * < 50 is 20xx, else 19xx; 3 digits add 1900), "hh:mm" or "hh:mm:ss",
 * numeric zones, the obsolete names UT GMT EST EDT CST CDT MST MDT PST PDT
 * and UTC, military letters and unknown names as -0000 (sec. 4.3), or no
 * zone (tzoff 0, has_zone 0); a missing time is 00:00:00.  Trailing
 * garbage after the zone is ignored.  At most DATE_RFC5322_MAX bytes.
 * 0 and *tm_r, or -1 if no valid date is found.
 */
int	date_parse_rfc5322(const char *s, size_t len, struct date_tm *tm_r);
/* The UTC time of a parsed date (its fields minus its zone). */
int64_t	date_tm_utc(const struct date_tm *);

/* Days since 1970-01-01 of time t's date in the local time zone (RFC 3501
 * SEARCH SINCE/ON/BEFORE on INTERNALDATE).  If localtime_r fails, UTC. */
int64_t	date_local_days(time_t t);

#endif
