/*
 * common/date.c -- calendar arithmetic and the IMAP / RFC 5322 date
 * syntaxes (see date.h).  Runs in the session child (SEARCH, APPEND) and
 * wherever a date is parsed; touches no file and no global state except
 * localtime_r's zone, loaded before chroot.
 *
 * The RFC 5322 parser is a small tokenizer followed by a tolerant
 * interpretation: Date: headers in the wild break the grammar in every
 * possible way, and SEARCH SENTBEFORE should still find them.  Everything
 * is bounded by DATE_RFC5322_MAX input bytes and DATE_TOKENS_MAX tokens;
 * nothing recurses.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/date.h"

static const char months[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Howard Hinnant's days_from_civil (public algorithm, written anew). */
int64_t
date_days(int year, int mon, int mday)
{
	int64_t y = (int64_t)year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
date_civil(int64_t days, int *year_r, int *mon_r, int *mday_r)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	*year_r = (int)y;
	*mon_r = (int)m;
	*mday_r = (int)d;
}

static int
mdays(int year, int mon)
{
	static const int n[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 ? 28 + leap : n[mon - 1];
}

int
date_valid(int year, int mon, int mday)
{
	if (year < 1 || year > 9999 || mon < 1 || mon > 12 || mday < 1)
		return 0;
	return mday <= mdays(year, mon);
}

int
date_month(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (lc((unsigned char)s[0]) == months[i][0] &&
		    lc((unsigned char)s[1]) == months[i][1] &&
		    lc((unsigned char)s[2]) == months[i][2])
			return i + 1;
	return 0;
}

/* n digits at s (all digits) as a number; -1 if any is not a digit. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
date_parse_imap(const char *s, size_t len, int64_t *days_r)
{
	size_t dl;
	int d, m, y;

	/* date-day "-" date-month "-" date-year: 1*2DIGIT "-" 3ALPHA "-"
	 * 4DIGIT, so 10 or 11 bytes. */
	if (len == 10)
		dl = 1;
	else if (len == 11)
		dl = 2;
	else
		return -1;
	if ((d = digits(s, dl)) < 0 || s[dl] != '-' || s[dl + 4] != '-')
		return -1;
	if ((m = date_month(s + dl + 1, 3)) == 0)
		return -1;
	if ((y = digits(s + dl + 5, 4)) < 0 || !date_valid(y, m, d))
		return -1;
	*days_r = date_days(y, m, d);
	return 0;
}

int
date_parse_imap_datetime(const char *s, size_t len, int64_t *t_r)
{
	int64_t days;
	int h, mi, se, zh, zm, sign;
	const char *t;

	/* date-day-fixed "-" date-month "-" date-year SP time SP zone:
	 * 26 bytes; we also take a one-digit day without the space (25). */
	if (len == 26 && s[0] == ' ') {
		s++;
		len--;
	}
	if (len != 25 && len != 26)
		return -1;
	if (date_parse_imap(s, len - 15, &days) == -1)
		return -1;
	t = s + len - 15;
	if (t[0] != ' ' || t[3] != ':' || t[6] != ':' || t[9] != ' ')
		return -1;
	if ((h = digits(t + 1, 2)) < 0 || (mi = digits(t + 4, 2)) < 0 ||
	    (se = digits(t + 7, 2)) < 0)
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	if (se == 60)
		se = 59;
	if (t[10] == '+')
		sign = 1;
	else if (t[10] == '-')
		sign = -1;
	else
		return -1;
	if ((zh = digits(t + 11, 2)) < 0 || (zm = digits(t + 13, 2)) < 0 ||
	    zm > 59)
		return -1;
	*t_r = days * 86400 + h * 3600 + mi * 60 + se -
	    sign * (zh * 60 + zm) * 60;
	return 0;
}

/* --- RFC 5322 ------------------------------------------------------------ */

#define DATE_TOKENS_MAX	16

enum tok_type { T_NUM, T_ALPHA, T_TIME, T_ZONE };

struct tok {
	enum tok_type	 type;
	const char	*p;
	size_t		 len;
	int		 v[3];		/* TIME: h m s; ZONE: minutes east */
};

/* Obsolete zone names (RFC 5322 sec. 4.3) and UTC; minutes east. */
static int
zone_name(const char *p, size_t len, int *off_r)
{
	static const struct { const char *n; int off; } z[] = {
		{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
		{ "est", -300 }, { "edt", -240 }, { "cst", -360 },
		{ "cdt", -300 }, { "mst", -420 }, { "mdt", -360 },
		{ "pst", -480 }, { "pdt", -420 },
	};
	size_t i, j;

	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		if (strlen(z[i].n) != len)
			continue;
		for (j = 0; j < len; j++)
			if (lc((unsigned char)p[j]) != z[i].n[j])
				break;
		if (j == len) {
			*off_r = z[i].off;
			return 1;
		}
	}
	return 0;
}

/* Split s into tokens; comments are skipped (nesting counted, no
 * recursion).  Returns the number of tokens (at most DATE_TOKENS_MAX; the
 * rest of the input is ignored). */
static size_t
tokenize(const char *s, size_t len, struct tok *t)
{
	size_t i = 0, n = 0, j, k;
	int depth, seen_time = 0;
	unsigned char c;

	while (i < len && n < DATE_TOKENS_MAX) {
		c = (unsigned char)s[i];
		if (c == '(') {
			depth = 0;
			for (; i < len; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			i++;
			continue;
		}
		memset(&t[n], 0, sizeof(t[n]));
		if (is_digit(c)) {
			for (j = i; j < len && is_digit((unsigned char)s[j]);)
				j++;
			t[n].type = T_NUM;
			t[n].p = s + i;
			t[n].len = j - i;
			/* hh:mm[:ss] */
			if (j < len && s[j] == ':' && j - i <= 2) {
				int h = digits(s + i, j - i), m, sec = 0;

				if (j + 3 > len || (m = digits(s + j + 1, 2)) < 0)
					return n;
				k = j + 3;
				if (k < len && s[k] == ':') {
					if (k + 3 > len ||
					    (sec = digits(s + k + 1, 2)) < 0)
						return n;
					k += 3;
				}
				if (k < len && is_digit((unsigned char)s[k]))
					return n;
				t[n].type = T_TIME;
				t[n].v[0] = h;
				t[n].v[1] = m;
				t[n].v[2] = sec;
				t[n].len = k - i;
				j = k;
				seen_time = 1;
			}
			n++;
			i = j;
			continue;
		}
		if (is_alpha(c)) {
			for (j = i; j < len && is_alpha((unsigned char)s[j]);)
				j++;
			t[n].type = T_ALPHA;
			t[n].p = s + i;
			t[n].len = j - i;
			n++;
			i = j;
			continue;
		}
		/* A sign with four digits is a zone once the time is known;
		 * before it, '-' separates "01-Feb-1994". */
		if ((c == '+' || c == '-') && seen_time && i + 5 <= len &&
		    digits(s + i + 1, 4) >= 0 &&
		    (i + 5 == len || !is_digit((unsigned char)s[i + 5]))) {
			int zh = digits(s + i + 1, 2), zm = digits(s + i + 3, 2);

			t[n].type = T_ZONE;
			t[n].p = s + i;
			t[n].len = 5;
			t[n].v[0] = (c == '-' ? -1 : 1) * (zh * 60 + zm);
			if (zm > 59)
				t[n].v[0] = 0;	/* nonsense zone: -0000 */
			n++;
			i += 5;
			continue;
		}
		i++;		/* blank, ',', '.', '-', anything else */
	}
	return n;
}

int
date_parse_rfc5322(const char *s, size_t len, struct date_tm *tm)
{
	struct tok t[DATE_TOKENS_MAX];
	size_t n, i, mpos = DATE_TOKENS_MAX, dpos = DATE_TOKENS_MAX,
	    ypos = DATE_TOKENS_MAX, tpos = DATE_TOKENS_MAX;
	int year, off;

	if (len > DATE_RFC5322_MAX)
		return -1;
	memset(tm, 0, sizeof(*tm));
	n = tokenize(s, len, t);

	/* The month: the first alphabetic token naming one. */
	for (i = 0; i < n; i++)
		if (t[i].type == T_ALPHA && date_month(t[i].p, t[i].len)) {
			mpos = i;
			break;
		}
	if (mpos == DATE_TOKENS_MAX)
		return -1;
	/* The day: the number right before the month ("1 Feb 1994"), else
	 * the first one after it ("Feb 1 10:00:00 1994").  The year: the
	 * first unused number after the month. */
	if (mpos > 0 && t[mpos - 1].type == T_NUM && t[mpos - 1].len <= 2)
		dpos = mpos - 1;
	for (i = mpos + 1; i < n; i++) {
		if (t[i].type == T_TIME && tpos == DATE_TOKENS_MAX)
			tpos = i;
		if (t[i].type != T_NUM)
			continue;
		if (dpos == DATE_TOKENS_MAX && t[i].len <= 2 &&
		    tpos == DATE_TOKENS_MAX)
			dpos = i;
		else if (ypos == DATE_TOKENS_MAX)
			ypos = i;
	}
	if (dpos == DATE_TOKENS_MAX || ypos == DATE_TOKENS_MAX)
		return -1;
	tm->mon = date_month(t[mpos].p, t[mpos].len);
	tm->mday = digits(t[dpos].p, t[dpos].len);
	if (t[ypos].len > 4)
		return -1;
	year = digits(t[ypos].p, t[ypos].len);
	if (t[ypos].len == 2)		/* sec. 4.3 obs-year */
		year += year < 50 ? 2000 : 1900;
	else if (t[ypos].len == 3)
		year += 1900;
	else if (t[ypos].len == 1)
		return -1;
	tm->year = year;
	if (!date_valid(tm->year, tm->mon, tm->mday))
		return -1;

	if (tpos != DATE_TOKENS_MAX) {
		if (t[tpos].v[0] > 23 || t[tpos].v[1] > 59 ||
		    t[tpos].v[2] > 60)
			return -1;
		tm->hour = t[tpos].v[0];
		tm->min = t[tpos].v[1];
		tm->sec = t[tpos].v[2] == 60 ? 59 : t[tpos].v[2];
		tm->has_time = 1;
		/* The zone: the first zone-like token after the time. */
		for (i = tpos + 1; i < n; i++) {
			if (t[i].type == T_ZONE) {
				tm->tzoff = t[i].v[0];
				tm->has_zone = 1;
				break;
			}
			if (t[i].type == T_ALPHA) {
				if (zone_name(t[i].p, t[i].len, &off)) {
					tm->tzoff = off;
					tm->has_zone = 1;
				}
				/* military letters and unknown names:
				 * -0000, sec. 4.3 */
				break;
			}
		}
	}
	return 0;
}

int64_t
date_tm_utc(const struct date_tm *tm)
{
	return date_days(tm->year, tm->mon, tm->mday) * 86400 +
	    tm->hour * 3600 + tm->min * 60 + tm->sec - (int64_t)tm->tzoff * 60;
}

int64_t
date_local_days(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL && gmtime_r(&t, &tm) == NULL)
		return (int64_t)t / 86400;
	return date_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
