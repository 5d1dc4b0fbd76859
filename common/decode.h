/*
 * common/decode.h -- MIME transfer decodings and RFC 2047 header words:
 * base64 (tolerant for mail bodies, strict for SASL, and an encoder),
 * quoted-printable, and encoded-word decoding into UTF-8.  Used by the
 * session role (SEARCH/SORT on bodies and headers) and by the pre-auth
 * roles (SASL).  Nothing here allocates except through the caller's
 * struct buf (and rfc2047_decode()'s one scratch buf); nothing recurses.
 *
 * Body decoders are incremental: init a state, feed any number of chunks
 * (down to single bytes; the output is the same however the input is cut),
 * then call the final function once.  The one-shot wrappers do all three.
 * Every output function appends to out and returns 0, or -1 with errno
 * E2BIG/ENOMEM when out's bound is reached (out then holds a prefix).
 */
#ifndef LB_DECODE_H
#define LB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Oddities noticed while decoding (bit set in the state's warn). */
#define DECODE_W_GARBAGE	0x01	/* bytes outside the alphabet */
#define DECODE_W_TRUNCATED	0x02	/* input ended mid-quantum/escape */
#define DECODE_W_BADESCAPE	0x04	/* QP "=XY" that is not hex */

/*
 * Tolerant base64 for MIME bodies (RFC 2045 sec. 6.8).  Whitespace and
 * line breaks are skipped; any other byte outside the alphabet is skipped
 * too, as sec. 6.8 says, and noted (DECODE_W_GARBAGE).  '=' padding ends
 * the data: the rest of the input is ignored (also noted if not
 * whitespace or more '=').  Input that ends mid-quantum yields the whole
 * bytes it holds (2 or 3 characters: 1 or 2 bytes) and is noted
 * (DECODE_W_TRUNCATED); a lone trailing character yields nothing.
 */
struct b64_state {
	uint32_t	bits;	/* pending 6-bit groups */
	unsigned	n;	/* characters in the current quantum, 0-3 */
	unsigned	done;	/* padding seen: ignore the rest */
	unsigned	warn;	/* DECODE_W_* */
};

void	b64_decode_init(struct b64_state *);
int	b64_decode_update(struct b64_state *, const void *in, size_t len,
	    struct buf *out);
int	b64_decode_final(struct b64_state *, struct buf *out);
/* One shot.  warn_r may be NULL. */
int	b64_decode(const void *in, size_t len, struct buf *out,
	    unsigned *warn_r);

/*
 * Strict base64 for SASL (RFC 4648 sec. 4; RFC 4422 wants exactly one
 * encoding): no whitespace, length a multiple of 4, '=' only as final
 * padding, and the padding bits zero.  The empty input decodes to nothing.
 * Returns 0, or -1 with errno EINVAL (out is then reset to its length on
 * entry, so no partial secret is left in it) or E2BIG/ENOMEM.
 */
int	b64_decode_strict(const void *in, size_t len, struct buf *out);

/* Value 0..63 of one base64 digit, -1 if outside the alphabet; c63 is the
 * 64th digit: '/' in RFC 4648 base64, ',' in IMAP's modified UTF-7 and
 * '/' in UTF-7.  The one digit table of the tree. */
int	b64_digit(unsigned char c, unsigned char c63);

/* Encode in as base64 with padding and without line breaks. */
int	b64_encode(const void *in, size_t len, struct buf *out);

/*
 * Quoted-printable (RFC 2045 sec. 6.7).  "=XY" (hex, upper or lower case)
 * is the byte XY; '=' before a line break, possibly with spaces or tabs in
 * between, is a soft line break and vanishes; spaces and tabs at the end
 * of a line are transport padding and vanish (rule 3).  A bad escape
 * ("=G1", "=4" then a line break) is kept literally (DECODE_W_BADESCAPE);
 * a '=' that ends the input is dropped (a soft break whose line break was
 * lost).  Line breaks (CRLF or bare LF; a bare CR is ordinary) are kept
 * as they were.  A whitespace run longer than QP_PEND_MAX is flushed
 * unstripped: lines that long are not RFC 2045 anyway.
 */
#define QP_PEND_MAX	128
struct qp_state {
	int		st;
	unsigned	hi;			/* first hex digit after '=' */
	size_t		npend;
	unsigned char	pend[QP_PEND_MAX];	/* held whitespace, maybe '=' */
	unsigned	warn;
};

void	qp_decode_init(struct qp_state *);
int	qp_decode_update(struct qp_state *, const void *in, size_t len,
	    struct buf *out);
int	qp_decode_final(struct qp_state *, struct buf *out);
int	qp_decode(const void *in, size_t len, struct buf *out,
	    unsigned *warn_r);

/*
 * Decode the RFC 2047 encoded words of a header value (len bytes, after
 * the colon; folding line breaks may be present) and append it to out as
 * UTF-8.
 *  - "=?charset?B?...?=" and "=?charset?Q?...?=" (either case) in charsets
 *    that charset_lookup() knows; RFC 2231 language suffixes
 *    ("=?koi8-r*ru?B?...?=") are ignored.  Words are recognised anywhere,
 *    not only between whitespace, as mailers expect.
 *  - Linear whitespace between two decoded words is dropped (sec. 6.2).
 *    Adjacent words in the same charset are converted together, so a
 *    character split across two words (common, though sec. 5 forbids it)
 *    comes out whole.
 *  - A word in an unknown charset, or malformed (bad encoding letter,
 *    base64 with bytes outside the alphabet, no "?=", a space inside, a
 *    charset name longer than LB_CHARSET_NAME_MAX), is kept as it is.
 *  - Text outside words: CR and LF are dropped (unfolding, RFC 5322 sec.
 *    2.2.3); each run of it is kept if valid UTF-8 (RFC 6532), else
 *    converted from fallback_cs (a charset id; -1 means ISO-8859-1, which
 *    charset.c decodes as windows-1252).
 * Decoded bytes are not filtered: a Q word may yield control characters.
 * Returns 0, or -1 with errno E2BIG/ENOMEM when out's bound is reached.
 * Uses one scratch buffer bounded by out->max.  Linear time.
 */
int	rfc2047_decode(const char *in, size_t len, int fallback_cs,
	    struct buf *out);

#endif
