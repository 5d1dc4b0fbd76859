/*
 * maildir/folders.h -- the folder tree of a Maildir++: enumeration,
 * deletion, renaming (RENAME INBOX included), subscriptions, and folder
 * status without a session.  Part of the Maildir++ engine (maildir.h's
 * conventions: paths relative to rootfd, *at(2) calls only, md_err
 * results, no IMAP syntax).  Folder names are as on disk, without the
 * leading dot ("Sent", "A.B", mUTF-7); "INBOX" is the Maildir root.
 */
#ifndef LB_MAILDIR_FOLDERS_H
#define LB_MAILDIR_FOLDERS_H

#include <stddef.h>
#include <stdint.h>

#include "maildir/maildir.h"

/* A list of names, sorted bytewise, without duplicates.  Free with
 * md_names_free(). */
struct md_names {
	char	**v;
	size_t	 n, cap;
};

void	md_names_free(struct md_names *);
/* Index of name in the (sorted) list, or -1. */
long	md_names_find(const struct md_names *, const char *name);

/* Every folder of the Maildir at rootfd: the entries ".Name" of the root
 * that are directories (or symlinks to directories: shared folders), with
 * a valid folder name (md_folder_name_check()); a missing maildirfolder
 * file does not matter.  INBOX is not in the list.  MD_ERR_LIMIT above
 * LB_FOLDERS_MAX folders, MD_ERR_IO. */
int	md_folders_list(int rootfd, struct md_names *out);

/* 1 if folder name exists (a directory), 0 if not, or an md_err.  INBOX
 * always exists. */
int	md_folder_exists(int rootfd, const char *name);

/* Delete folder name (not its children: ".A.B" is a folder of its own).
 * The directory is first renamed into the root's tmp/ (so it vanishes
 * from every listing at once), then its messages are subtracted from
 * maildirsize and its contents removed (LB_RMTREE_DEPTH levels).  A
 * symlinked folder loses only the link.  MD_ERR_BADNAME for INBOX or a bad
 * name, MD_ERR_NOFOLDER, MD_ERR_IO. */
int	md_folder_delete(int rootfd, const char *name);

/* Rename folder from and every folder below it (".from.x" becomes
 * ".to.x").  from itself may be absent if it has children (an implied
 * parent).  Subscriptions of the renamed names follow them.  Not atomic
 * over several directories: a failure half-way renames back what was
 * done.  MD_ERR_NOFOLDER (nothing to rename), MD_ERR_EXISTS (to or one of
 * the new names exists), MD_ERR_BADNAME (bad name, INBOX on either side,
 * to inside from's tree, a new name too long), MD_ERR_IO. */
int	md_folder_rename(int rootfd, const char *from, const char *to);

/* RENAME INBOX (RFC 3501 sec. 6.3.5): create folder to and move every
 * message file of INBOX's new/ and cur/ into it by rename(2), names (and
 * so flags) kept.  INBOX stays, empty; its folders are not touched.  The
 * new folder gets a new UID list (new UIDVALIDITY) at its first open.
 * MD_ERR_EXISTS, MD_ERR_BADNAME, MD_ERR_LIMIT (over LB_FOLDER_MSGS_MAX
 * files), MD_ERR_IO (some messages may have moved). */
int	md_inbox_move(int rootfd, const char *to);

/* --- Subscriptions ------------------------------------------------------- */

/* The subscribed names: our "subscriptions" file at the root (one name per
 * line, as Dovecot's Maildir++ layout writes it; a "V\t2" header line and
 * '\t' separators of newer Dovecot files are understood), or, while that
 * file does not exist, Courier's "courierimapsubscribed" ("INBOX."
 * prefixes removed; the first change writes ours with them).  Names
 * that are not valid folder names (or "INBOX") are skipped.  MD_ERR_LIMIT
 * above LB_SUBSCRIPTIONS_MAX names or LB_SUBSCRIPTIONS_FILE_MAX bytes. */
int	md_subs_read(int rootfd, struct md_names *out);
/* Add (on != 0) or remove name; rewrites "subscriptions" through tmp/,
 * fsync, rename (under the INBOX UID list lock so concurrent sessions do
 * not lose each other's changes).  Removing an absent name is not an
 * error. */
int	md_subs_set(int rootfd, const char *name, int on);

/* --- Status of a folder that is not open --------------------------------- */

struct md_status {
	uint32_t messages;
	uint32_t recent;	/* md_folder_status: what the next SELECT
				 * would see as \Recent; md_folder_status_of:
				 * recent for that session */
	uint32_t unseen;	/* messages without S */
	uint32_t deleted;	/* messages with T */
	uint32_t uidnext, uidvalidity;
	uint64_t highestmodseq;
	uint64_t size;		/* sum of the CRLF sizes (RFC 8438 SIZE) */
};

/* Open folder name read-only (nothing renamed, no UIDs persisted: messages
 * not in the UID list yet count with provisional UIDs) and fill st.
 * md_folder_open()'s errors. */
int	md_folder_status(int rootfd, const char *name, struct md_status *st);
/* The same figures from an open folder as it is now (no sync); recent
 * counts the messages recent for that session. */
void	md_folder_status_of(const struct md_folder *, struct md_status *st);

#endif
