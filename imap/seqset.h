/*
 * imap/seqset.h -- IMAP sequence sets (RFC 3501 sec. 9 sequence-set,
 * RFC 5182 "$").  Parsed once into sorted, merged ranges; "*" stays
 * symbolic until evaluation against the current maximum (the number of
 * messages, or the highest UID).  Runs in the session process.
 *
 * Semantics against a maximum M (RFC 3501 seq-range): "a:b" is every
 * number between a and b in either order; "*" is M; "n:*" is every number
 * between n and M, so "3291:*" holds M even when M < 3291.  Members are
 * always clipped to [1, M]: with M == 0 the set is empty.
 */
#ifndef LB_IMAP_SEQSET_H
#define LB_IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

struct seqset;

#define SEQSET_ALLOW_DOLLAR	0x01	/* accept "$" (SEARCHRES) */

/*
 * Parse s[0..len) (not NUL-terminated).  0 and *set_r, or -1 (errno EINVAL
 * on bad syntax, zero or a number above 4294967295; E2BIG if len exceeds
 * LB_IMAP_LINE_MAX; ENOMEM).  O(n log n) in the number of ranges.
 */
int	seqset_parse(const char *s, size_t len, unsigned int flags,
	    struct seqset **set_r);
/* An empty set, for seqset_add(); NULL on ENOMEM. */
struct seqset *seqset_new(void);
/* Add lo:hi (either order, both >= 1) to a set; 0 or -1 (EINVAL/ENOMEM).
 * Adding keeps the set sorted and merged (O(n) per call). */
int	seqset_add(struct seqset *, uint32_t lo, uint32_t hi);
/* Add every concrete range and the "*" part of src to dst (to substitute
 * "$" with the saved search result); 0 or -1 (ENOMEM). */
int	seqset_merge(struct seqset *dst, const struct seqset *src);
void	seqset_free(struct seqset **);

/* 1 if n is in the set evaluated against max, else 0.  O(log n). */
int	seqset_contains(const struct seqset *, uint32_t n, uint32_t max);
/* Members of the set evaluated against max (up to 4294967295). */
uint64_t seqset_count(const struct seqset *, uint32_t max);
/* The largest number written in the set, "*" excluded (0 if none): a
 * message sequence number above the message count is a BAD. */
uint32_t seqset_highest(const struct seqset *);
/* 1 if "*" (or "n:*") occurs; 1 if "$" occurs. */
int	seqset_has_star(const struct seqset *);
int	seqset_has_dollar(const struct seqset *);
/* Number of merged concrete ranges (for tests and bounds). */
size_t	seqset_nranges(const struct seqset *);

/*
 * Iterate over the members within [1, max] as ascending, disjoint,
 * non-adjacent ranges, without enumerating single numbers:
 *
 *	seqset_iter_init(&it, set, max);
 *	while (seqset_iter_next(&it, &lo, &hi))
 *		for each n in lo..hi ...
 */
struct seqset_iter {
	const struct seqset *set;	/* private */
	uint32_t	max;
	uint32_t	star_lo;	/* first number of the "*" part, or 0 */
	size_t		i;
	int		done;
};
void	seqset_iter_init(struct seqset_iter *, const struct seqset *,
	    uint32_t max);
/* 1 and the next range in *lo_r..*hi_r, or 0 at the end. */
int	seqset_iter_next(struct seqset_iter *, uint32_t *lo_r, uint32_t *hi_r);

#endif
