/*
 * imap/list.h -- mailbox names and the mailbox-list commands (imap/list.c,
 * imap/mboxname.c) beyond what imap/imapd.h declares: the reverse name
 * mapping, the check for names that may be created, and the special-use
 * folders.  Runs in the session child (user ids, chroot, seccomp).
 */
#ifndef LB_IMAP_LIST_H
#define LB_IMAP_LIST_H

#include <stddef.h>

#include "common/buf.h"
#include "imap/imapd.h"

/* The hierarchy separator of the personal namespace "" (Maildir++). */
#define IMAP_SEP	'.'

/* Append the IMAP name of on-disk folder name ("INBOX" or a Maildir++
 * name without its dot) to out, bare (unquoted): mUTF-7 as on disk, or
 * UTF-8 after ENABLE UTF8=ACCEPT (s->utf8).  -1 if the name on disk is not
 * valid modified UTF-7 (such a folder cannot be named by a client, so it
 * is not listed) or out is full. */
int	imap_folder_to_mbox(const struct imap_session *, const char *folder,
	    struct buf *out);

/* 0 if on-disk folder name (from imap_mbox_to_folder()) may be created or
 * be a RENAME target: not INBOX, no '%' or '*' (LIST wildcards).  -1 with
 * a reason in *why_r otherwise. */
int	imap_folder_creatable(const char *folder, const char **why_r);

/* The special-use attributes (RFC 6154) of on-disk folder name, from the
 * special_* configuration keys, e.g. "\\Sent", space separated if more
 * than one; "" if none.  Static storage, valid until the next call. */
const char *imap_special_use(const struct imap_session *, const char *folder);

/* After login (called by the core): with create_special = yes, create the
 * configured special-use folders that do not exist and subscribe to them.
 * 0, or -1 if one could not be created (the session goes on). */
int	imap_special_create(struct imap_session *);

#endif
