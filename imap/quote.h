/*
 * imap/quote.h -- IMAP string output (RFC 3501 sec. 4.3, 9): atom, quoted
 * string or literal, chosen by content.  Used by the session child when it
 * writes responses into a struct buf.
 */
#ifndef LB_IMAP_QUOTE_H
#define LB_IMAP_QUOTE_H

#include <stddef.h>

#include "common/buf.h"

/* Strings longer than this go out as literals even when they could be
 * quoted: a quoted string must fit on one response line. */
#define IMAP_QUOTED_MAX	1024

/*
 * Every function appends to out and returns 0, or -1 when out is full
 * (errno from buf; out may then hold a prefix).  NUL bytes are left out:
 * RFC 3501 sec. 9 rule 3 forbids NUL everywhere, literals included.
 * 8-bit bytes, CR and LF force a literal (no UTF8=ACCEPT assumed).
 */
/* string = quoted / literal. */
int	imap_put_string(struct buf *out, const char *p, size_t len);
/* Same thing, by the name the callers know it by. */
#define imap_put_quoted_or_literal imap_put_string
/* nstring: NIL when p is NULL, else a string. */
int	imap_put_nstring(struct buf *out, const char *p, size_t len);
/* astring: a bare atom when possible (never for "" or "NIL"). */
int	imap_put_astring(struct buf *out, const char *p, size_t len);
/* A literal {N}CRLF + octets, whatever the content. */
int	imap_put_literal(struct buf *out, const char *p, size_t len);
/* 1 if p[0..len) can be sent as a quoted string. */
int	imap_quotable(const char *p, size_t len);

#endif
