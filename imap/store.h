/*
 * imap/store.h -- what imap/store.c (STORE, COPY, MOVE, EXPUNGE) offers
 * the IMAP core besides its command handlers (declared in imap/imapd.h).
 * Session child only.
 */
#ifndef LB_IMAP_STORE_H
#define LB_IMAP_STORE_H

struct imap_session;

/*
 * Remove every message of the selected mailbox that has \Deleted (Maildir
 * letter T), after re-reading the folder so that flags changed by other
 * sessions count.  silent (CLOSE, RFC 3501 sec. 6.4.2): no response is
 * written and s->view is left alone (the caller deselects).  Otherwise
 * "* n EXPUNGE" is sent for them (and for messages others expunged) via
 * imap_sync(s, 1).  Does nothing on a read-only (EXAMINE) mailbox.
 * Returns the number of messages removed, or a negative md_err for the
 * first failure (the others are still tried).
 */
int	imap_expunge_deleted(struct imap_session *, int silent);

#endif
