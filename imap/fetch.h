/*
 * imap/fetch.h -- helpers of the FETCH command (imap/fetch.c) that other
 * command modules share.  The handler itself, imap_cmd_fetch(), is
 * declared in imap/imapd.h.  Used by the session child.
 */
#ifndef LB_IMAP_FETCH_H
#define LB_IMAP_FETCH_H

#include <time.h>

#include "common/buf.h"

/*
 * Append t as an RFC 3501 date-time in the server's local time zone,
 * quoted: "dd-Mon-yyyy hh:mm:ss +zzzz" (the day padded with a space,
 * English month names whatever the locale).  Uses localtime_r(), which
 * works after chroot because the session pins TZ before it.  Returns 0,
 * or -1 if out is full or the time cannot be represented (a year outside
 * 0..9999).
 */
int	imap_date_time(struct buf *out, time_t t);

#endif
