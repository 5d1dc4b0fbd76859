/*
 * common/charset.h -- conversion from the charsets mail uses into UTF-8,
 * for SEARCH (CHARSET argument, RFC 2047 words, MIME parts) and SORT.
 * No iconv: the session is chrooted under seccomp, so every table is
 * compiled in (common/charset_tables.h, from tools/gen-charset-tables.py).
 *
 * Supported: UTF-8, US-ASCII, ISO-8859-1 ... -16 (not 12), windows-1250 ...
 * -1258, windows-874 (TIS-620), KOI8-R, KOI8-U, CP866, x-mac-cyrillic and
 * UTF-7 (RFC 2152, decoding only).  Not supported (charset_lookup() says
 * -1, so SEARCH answers BADCHARSET): multi-byte CJK charsets (GB2312, GBK,
 * Big5, Shift_JIS, EUC-JP, EUC-KR, ISO-2022-*), UTF-16/32.
 */
#ifndef LB_CHARSET_H
#define LB_CHARSET_H

#include <stddef.h>

#include "common/buf.h"
#include "common/utf8.h"

/* Charset identifiers (the order matters only inside charset.c). */
enum charset_id {
	CHARSET_UTF8 = 0,
	CHARSET_UTF7,
	CHARSET_ASCII,
	CHARSET_ISO8859_1,
	CHARSET_WIN1252,
	CHARSET_ISO8859_2,
	CHARSET_ISO8859_3,
	CHARSET_ISO8859_4,
	CHARSET_ISO8859_5,
	CHARSET_ISO8859_6,
	CHARSET_ISO8859_7,
	CHARSET_ISO8859_8,
	CHARSET_ISO8859_9,
	CHARSET_ISO8859_10,
	CHARSET_ISO8859_13,
	CHARSET_ISO8859_14,
	CHARSET_ISO8859_15,
	CHARSET_ISO8859_16,
	CHARSET_WIN1250,
	CHARSET_WIN1251,
	CHARSET_WIN1253,
	CHARSET_WIN1254,
	CHARSET_WIN1255,
	CHARSET_WIN1256,
	CHARSET_WIN1257,
	CHARSET_WIN1258,
	CHARSET_WIN874,
	CHARSET_KOI8R,
	CHARSET_KOI8U,
	CHARSET_CP866,
	CHARSET_MACCYR,
	CHARSET_COUNT
};

/*
 * Look a charset name up (len bytes, not NUL-terminated, at most
 * LB_CHARSET_NAME_MAX).  Case-insensitive; '-', '_', '.', ':' and spaces
 * are ignored, so "ISO_8859-1", "iso8859-1" and "ISO-8859-1" are one name;
 * the common aliases are known ("latin1", "cp1251", "ibm866", ...).
 * Returns a charset id, or -1 for an unknown or overlong name.
 */
int	charset_lookup(const char *name, size_t len);

/* The preferred MIME name of id ("windows-1251"), or NULL if id is not a
 * charset id.  A static string. */
const char *charset_name(int id);

/*
 * Append in (len bytes in charset id) to out as UTF-8.  Never fails on
 * content: ill-formed input (invalid UTF-8, bytes a charset leaves
 * undefined, 8-bit bytes in UTF-7) becomes U+FFFD.
 *
 * Decisions (WHATWG Encoding Standard, because mail mislabels): US-ASCII
 * and ISO-8859-1 are decoded as windows-1252, whose five undefined bytes
 * become the C1 controls of the same value; so 0x80 is the euro sign.
 * Other undefined bytes become U+FFFD.
 *
 * Returns 0, or -1 with errno E2BIG/ENOMEM when out's bound is reached
 * (out then holds a prefix), or errno EINVAL for an unknown id.  At most
 * 3 output bytes per input byte.
 */
int	charset_to_utf8(int id, const void *in, size_t len, struct buf *out);

#endif
