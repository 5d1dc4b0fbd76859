/*
 * imap/seqset.c -- IMAP sequence sets (see seqset.h).  Runs in the session
 * process on client text.  The input is bounded by the command line
 * (LB_IMAP_LINE_MAX), so a set has at most about 32768 ranges; they are
 * sorted and merged once (O(n log n)), membership is a binary search and
 * iteration walks ranges, never single numbers, so "1:4294967295" costs
 * the same as "1".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/num.h"
#include "imap/seqset.h"

struct range {
	uint32_t	lo, hi;		/* lo <= hi, both >= 1 */
};

struct seqset {
	struct range	*r;
	size_t		 n, cap;
	int		 has_star, has_dollar;
	/* The "*" part is [min(star_lo, M), M]; a bare "*" is "4294967295:*"
	 * since min(4294967295, M) == M. */
	uint32_t	 star_lo;
	uint32_t	 highest;
};

struct seqset *
seqset_new(void)
{
	return calloc(1, sizeof(struct seqset));
}

void
seqset_free(struct seqset **sp)
{
	if (*sp == NULL)
		return;
	free((*sp)->r);
	free(*sp);
	*sp = NULL;
}

static int
reserve(struct seqset *s, size_t more)
{
	struct range *nr;
	size_t ncap;

	if (more <= s->cap - s->n)
		return 0;
	if (more > SIZE_MAX / sizeof(*nr) - s->n) {
		errno = ENOMEM;
		return -1;
	}
	ncap = s->cap ? s->cap : 8;
	while (ncap < s->n + more)
		ncap = ncap > SIZE_MAX / sizeof(*nr) / 2 ?
		    s->n + more : ncap * 2;
	if ((nr = realloc(s->r, ncap * sizeof(*nr))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->r = nr;
	s->cap = ncap;
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges (RFC 3501: servers MAY
 * coalesce; we always do, so lookups can bisect). */
static void
normalize(struct seqset *s)
{
	size_t i, out = 0;

	if (s->n < 2)
		return;
	qsort(s->r, s->n, sizeof(*s->r), cmp_range);
	for (i = 0; i < s->n; i++) {
		if (out > 0 &&
		    (uint64_t)s->r[i].lo <= (uint64_t)s->r[out - 1].hi + 1) {
			if (s->r[i].hi > s->r[out - 1].hi)
				s->r[out - 1].hi = s->r[i].hi;
		} else
			s->r[out++] = s->r[i];
	}
	s->n = out;
}

static void
push_range(struct seqset *s, uint32_t a, uint32_t b)
{
	s->r[s->n].lo = a < b ? a : b;
	s->r[s->n].hi = a < b ? b : a;
	s->n++;
	if (s->r[s->n - 1].hi > s->highest)
		s->highest = s->r[s->n - 1].hi;
}

int
seqset_add(struct seqset *s, uint32_t lo, uint32_t hi)
{
	if (lo == 0 || hi == 0) {
		errno = EINVAL;
		return -1;
	}
	if (reserve(s, 1) == -1)
		return -1;
	push_range(s, lo, hi);
	normalize(s);
	return 0;
}

int
seqset_merge(struct seqset *dst, const struct seqset *src)
{
	size_t i;

	if (reserve(dst, src->n) == -1)
		return -1;
	for (i = 0; i < src->n; i++)
		push_range(dst, src->r[i].lo, src->r[i].hi);
	if (src->has_star) {
		if (!dst->has_star || src->star_lo < dst->star_lo)
			dst->star_lo = src->star_lo;
		dst->has_star = 1;
	}
	normalize(dst);
	return 0;
}

/*
 * seq-number = nz-number / "*".  Returns bytes used (0 on error), *v the
 * number, *star 1 for "*".
 */
static size_t
seq_number(const char *p, const char *end, uint32_t *v, int *star)
{
	uint64_t n;
	size_t k;

	*star = 0;
	if (p < end && *p == '*') {
		*star = 1;
		*v = UINT32_MAX;
		return 1;
	}
	/* nz-number = digit-nz *DIGIT: zero and leading zeros are invalid. */
	if (p >= end || *p < '1' || *p > '9')
		return 0;
	if ((k = num_scan_u64(p, end, UINT32_MAX, &n)) == 0)
		return 0;
	*v = (uint32_t)n;
	return k;
}

int
seqset_parse(const char *str, size_t len, unsigned int flags,
    struct seqset **set_r)
{
	const char *p = str, *end = str + len;
	struct seqset *s;
	size_t k, commas = 0, i;
	uint32_t a, b;
	int sa, sb;

	*set_r = NULL;
	if (len > LB_IMAP_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < len; i++)
		if (str[i] == ',')
			commas++;
	if ((s = seqset_new()) == NULL)
		return -1;
	if (reserve(s, commas + 1) == -1) {
		seqset_free(&s);
		return -1;
	}
	for (;;) {
		if ((flags & SEQSET_ALLOW_DOLLAR) && p < end && *p == '$') {
			/* RFC 5182: "$" is a whole seq element of its own. */
			s->has_dollar = 1;
			p++;
		} else {
			if ((k = seq_number(p, end, &a, &sa)) == 0)
				goto bad;
			p += k;
			b = a;
			sb = sa;
			if (p < end && *p == ':') {
				p++;
				if ((k = seq_number(p, end, &b, &sb)) == 0)
					goto bad;
				p += k;
			}
			if (sa || sb) {
				/* "n:*", "*:n", "*": [min(n, M), M]. */
				uint32_t n = sa ? b : a;

				if (!s->has_star || n < s->star_lo)
					s->star_lo = n;
				s->has_star = 1;
				if (!(sa && sb) && n > s->highest)
					s->highest = n;
			} else
				push_range(s, a, b);
		}
		if (p == end)
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	normalize(s);
	*set_r = s;
	return 0;
bad:
	seqset_free(&s);
	errno = EINVAL;
	return -1;
}

/* First number of the "*" part against max, 0 if there is none. */
static uint32_t
star_from(const struct seqset *s, uint32_t max)
{
	if (!s->has_star || max == 0)
		return 0;
	return s->star_lo < max ? s->star_lo : max;
}

int
seqset_contains(const struct seqset *s, uint32_t n, uint32_t max)
{
	size_t lo = 0, hi = s->n, mid;
	uint32_t st;

	if (n == 0 || n > max)
		return 0;
	st = star_from(s, max);
	if (st != 0 && n >= st)
		return 1;
	/* Find the last range with r.lo <= n. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->r[mid].lo <= n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && n <= s->r[lo - 1].hi;
}

void
seqset_iter_init(struct seqset_iter *it, const struct seqset *s, uint32_t max)
{
	it->set = s;
	it->max = max;
	it->star_lo = star_from(s, max);
	it->i = 0;
	it->done = (max == 0);
}

int
seqset_iter_next(struct seqset_iter *it, uint32_t *lo_r, uint32_t *hi_r)
{
	const struct seqset *s = it->set;
	const struct range *r;
	uint32_t lo;

	if (it->done)
		return 0;
	if (it->i < s->n) {
		r = &s->r[it->i];
		/* Ranges that end before the "*" part (with a gap), within
		 * max, come out as they are (clipped). */
		if (r->lo <= it->max && (it->star_lo == 0 ||
		    (uint64_t)r->hi + 1 < it->star_lo)) {
			it->i++;
			*lo_r = r->lo;
			*hi_r = r->hi < it->max ? r->hi : it->max;
			return 1;
		}
	}
	it->done = 1;
	if (it->star_lo == 0)
		return 0;
	/* The rest is one range up to max; a concrete range touching the
	 * "*" part may start it earlier. */
	lo = it->star_lo;
	if (it->i < s->n && s->r[it->i].lo < lo)
		lo = s->r[it->i].lo;
	*lo_r = lo;
	*hi_r = it->max;
	return 1;
}

uint64_t
seqset_count(const struct seqset *s, uint32_t max)
{
	struct seqset_iter it;
	uint32_t lo, hi;
	uint64_t c = 0;

	seqset_iter_init(&it, s, max);
	while (seqset_iter_next(&it, &lo, &hi))
		c += (uint64_t)hi - lo + 1;
	return c;
}

uint32_t
seqset_highest(const struct seqset *s)
{
	return s->highest;
}

int
seqset_has_star(const struct seqset *s)
{
	return s->has_star;
}

int
seqset_has_dollar(const struct seqset *s)
{
	return s->has_dollar;
}

size_t
seqset_nranges(const struct seqset *s)
{
	return s->n;
}
