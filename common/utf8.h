/*
 * common/utf8.h -- UTF-8 primitives and the i;unicode-casemap comparator
 * (RFC 5051) used by SEARCH, SORT and THREAD.  Pure functions on caller
 * memory; output goes into a bounded struct buf.  Used in the session role
 * (chrooted, seccomp): no locale, no iconv, tables are compiled in.
 */
#ifndef LB_UTF8_H
#define LB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* What utf8_next() stores for an ill-formed sequence. */
#define UTF8_INVALID	0xFFFFFFFFu
#define UTF8_REPLACEMENT 0xFFFDu

/*
 * Decode the code point at s (len >= 1 bytes available).  Returns the
 * number of bytes consumed (1-4, never 0) and stores the code point, or
 * UTF8_INVALID for an ill-formed sequence; then the return value is the
 * length of its maximal subpart (Unicode 14 sec. 3.9, "U+FFFD substitution
 * of maximal subparts", the same as Python's errors="replace").  Overlong
 * forms, surrogates and values above U+10FFFF are ill-formed.
 */
size_t	utf8_next(const void *s, size_t len, uint32_t *cp_r);

/* 1 if the len bytes are well-formed UTF-8 (no overlongs, surrogates or
 * values above U+10FFFF), else 0.  The empty string is valid. */
int	utf8_valid(const void *s, size_t len);

/* Append cp as UTF-8.  A surrogate or a value above U+10FFFF is written as
 * U+FFFD.  0, or -1 (errno E2BIG/ENOMEM) when out's bound is reached. */
int	utf8_put(struct buf *out, uint32_t cp);

/*
 * Append the i;unicode-casemap key of in (RFC 5051 sec. 2) to out: each
 * code point is replaced by its simple titlecase mapping (UnicodeData.txt),
 * then fully compatibility-decomposed (NFKD).  Two strings are equal under
 * the comparator when their keys are equal bytewise, and memcmp() on keys
 * gives the comparator's order (RFC 5256 SORT).
 *
 * Coverage (tables from tools/gen-charset-tables.py, Unicode 14): the
 * titlecase step covers all of Unicode; decomposition covers all of
 * Unicode except the blocks listed in common/casemap_tables.h (CJK and
 * Arabic compatibility forms, math alphanumerics, and Hangul syllables,
 * which stay precomposed).  Not done: canonical reordering of combining
 * marks that arrive in non-canonical order in the input.
 *
 * in should be UTF-8 (convert with charset_to_utf8() first); each
 * ill-formed sequence becomes U+FFFD.  Returns 0, or -1 (errno E2BIG or
 * ENOMEM) when out's bound is reached; out then holds a prefix of the key.
 * A key is at most 4 times as long as its input in bytes (worst cases:
 * U+2057, U+2A0C; an invalid byte gives 3), so a bound of 4 * len always
 * suffices.
 */
int	utf8_casefold(const void *in, size_t len, struct buf *out);

/*
 * 1 if the key needle (nl bytes) occurs in the key hay (hl bytes), else 0.
 * Both must come from utf8_casefold().  The empty needle matches.  Unlike
 * plain i;octet substring, an occurrence that ends right before a
 * combining mark (canonical combining class != 0) does not count: it would
 * match "e" in the key of "\u00e9" (e + U+0301) or Cyrillic "и" in "й",
 * so searches stay accent-sensitive.  Linear in hl * nl at worst (memmem).
 */
int	utf8_ci_contains(const char *hay, size_t hl, const char *needle,
	    size_t nl);

#endif
