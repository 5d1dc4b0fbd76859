/*
 * imap/quote.c -- IMAP string output: quoted strings, literals, atoms
 * (RFC 3501 sec. 4.3 and the formal syntax of sec. 9).  Runs in the
 * session child; the strings come from mail, so nothing is assumed about
 * their bytes.
 */
#include <string.h>
#include <strings.h>

#include "imap/quote.h"

int
imap_quotable(const char *p, size_t len)
{
	size_t i;
	unsigned char ch;

	if (len > IMAP_QUOTED_MAX)
		return 0;
	/* QUOTED-CHAR: 7-bit TEXT-CHAR, no CR or LF (NULs are dropped). */
	for (i = 0; i < len; i++) {
		ch = (unsigned char)p[i];
		if (ch >= 0x80 || ch == '\r' || ch == '\n')
			return 0;
	}
	return 1;
}

int
imap_put_literal(struct buf *out, const char *p, size_t len)
{
	size_t i, n = len, run;

	for (i = 0; i < len; i++)
		if (p[i] == '\0')
			n--;
	if (buf_printf(out, "{%zu}\r\n", n) == -1 || buf_reserve(out, n) == -1)
		return -1;
	for (i = 0; i < len; i += run) {
		if (p[i] == '\0') {
			run = 1;
			continue;
		}
		for (run = 0; i + run < len && p[i + run] != '\0'; run++)
			;
		if (buf_append(out, p + i, run) == -1)
			return -1;
	}
	return 0;
}

int
imap_put_string(struct buf *out, const char *p, size_t len)
{
	size_t i;

	if (!imap_quotable(p, len))
		return imap_put_literal(out, p, len);
	/* Worst case every byte escaped, plus the two quotes. */
	if (buf_reserve(out, 2 * len + 2) == -1)
		return -1;
	out->p[out->len++] = '"';
	for (i = 0; i < len; i++) {
		if (p[i] == '\0')
			continue;
		if (p[i] == '"' || p[i] == '\\')
			out->p[out->len++] = '\\';
		out->p[out->len++] = p[i];
	}
	out->p[out->len++] = '"';
	return 0;
}

int
imap_put_nstring(struct buf *out, const char *p, size_t len)
{
	if (p == NULL)
		return buf_puts(out, "NIL");
	return imap_put_string(out, p, len);
}

/* ATOM-CHAR or "]" (ASTRING-CHAR). */
static int
is_astring_char(unsigned char ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return 0;
	return strchr("(){%*\"\\", ch) == NULL;
}

int
imap_put_astring(struct buf *out, const char *p, size_t len)
{
	size_t i;

	if (len == 0 || (len == 3 && strncasecmp(p, "NIL", 3) == 0))
		return imap_put_string(out, p, len);
	for (i = 0; i < len; i++)
		if (!is_astring_char((unsigned char)p[i]))
			return imap_put_string(out, p, len);
	return buf_append(out, p, len);
}
