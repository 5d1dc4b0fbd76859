/*
 * common/mutf7.h -- IMAP modified UTF-7 mailbox names (RFC 3501 sec.
 * 5.1.3) to and from UTF-8.  Used by the session role for LIST, CREATE,
 * RENAME, SELECT... on Maildir++ folder names.  Pure functions on caller
 * memory; output into a bounded struct buf.
 */
#ifndef LB_MUTF7_H
#define LB_MUTF7_H

#include <stddef.h>

#include "common/buf.h"

/*
 * Decode the modified UTF-7 name in (len bytes) and append it to out as
 * UTF-8.  Strict: there is exactly one encoding of every name, so a name
 * that decodes round-trips byte for byte through utf8_to_mutf7().
 * Rejected (-1, errno EINVAL; out may hold a partial result):
 *  - any byte outside 0x20-0x7E (8-bit, controls, NUL);
 *  - '&' not followed by '-' or modified base64 ("+", "," as 62, 63);
 *  - a shift not ended by '-' (unterminated, "&Jjo!");
 *  - base64 encoding a printable US-ASCII character (it must be direct),
 *    '&' included (it must be "&-"), and U+0000;
 *  - null shifts: a shift starting right after another ended ("-&...");
 *  - superfluous base64 characters (6 or more leftover bits) or non-zero
 *    leftover bits: non-minimal encodings;
 *  - a high surrogate not followed by a low one, a lone low surrogate.
 * Returns 0, or -1 with errno EINVAL as above or E2BIG/ENOMEM when out's
 * bound is reached.
 */
int	mutf7_to_utf8(const char *in, size_t len, struct buf *out);

/*
 * Encode the UTF-8 name in (len bytes) as modified UTF-7, appending to
 * out.  Printable US-ASCII stays itself, '&' becomes "&-", everything
 * else is shifted into modified base64 of UTF-16BE, one shift per run.
 * Returns 0, or -1 with errno EINVAL for ill-formed UTF-8 or U+0000, or
 * E2BIG/ENOMEM when out's bound is reached.  The output is at most
 * about 8/3 the input length plus 2 per run (4 UTF-8 bytes -> 6 chars).
 */
int	utf8_to_mutf7(const char *in, size_t len, struct buf *out);

#endif
