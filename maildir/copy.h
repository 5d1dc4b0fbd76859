/*
 * maildir/copy.h -- copying a message into another folder (IMAP COPY and
 * MOVE), undoing such copies, finding a message by its unique part, and
 * carrying keywords across folders by name.  Like the rest of maildir/ it
 * knows nothing of IMAP: it runs in the session child, chrooted into the
 * Maildir, under seccomp (*at(2) calls only).
 */
#ifndef LB_MAILDIR_COPY_H
#define LB_MAILDIR_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "maildir/maildir.h"

/* md_copy_opt() options. */
#define MD_COPY_NOQUOTA	0x01	/* no quota check (MOVE: the source's
				 * expunge gives the space back; RFC 6851
				 * sec. 4.1).  maildirsize is still updated. */

/*
 * Copy message i of folder src into folder dest_folder (Maildir++ name
 * without its leading dot, or "INBOX") of the Maildir at rootfd, as a NEW
 * message: a fresh unique part (never the source's, so POP3 UIDLs and
 * our UID list never see two messages with one name), the name
 * "<unique>,S=<size>,W=<vsize>:2,<flags>" in the destination's cur/.
 * flags are the system flag letters to give the copy (NULL: the source's).
 * The file is hard-linked (same inode: INTERNALDATE is kept); where the
 * file system refuses (EXDEV, EPERM, EMLINK, ENOSYS, EOPNOTSUPP) its bytes
 * are copied through the destination's tmp/ with the source's mtime.
 * Checks the quota first (unless MD_COPY_NOQUOTA; the byte-copy fallback
 * always checks it, through md_deliver_commit), fsyncs the destination
 * directory before returning success, then adds the size to maildirsize.
 * unique_r (size LB_MAILDIR_NAME_MAX + 1) gets the copy's unique part.
 * The copy gets its UID at the destination's next md_sync().
 * Errors: MD_ERR_GONE (source expunged), MD_ERR_NOFOLDER, MD_ERR_QUOTA,
 * MD_ERR_NOSPACE, MD_ERR_BADNAME (flags), MD_ERR_LIMIT, MD_ERR_IO.  On
 * error nothing was added to the destination.
 */
int	md_copy(struct md_folder *src, size_t i, int rootfd,
	    const char *dest_folder, const char *flags, char *unique_r);
int	md_copy_opt(struct md_folder *src, size_t i, int rootfd,
	    const char *dest_folder, const char *flags, unsigned opts,
	    char *unique_r);

/*
 * Remove copies made by md_copy() that no md_sync() has given a UID yet
 * (a COPY failing half-way, to stay all-or-nothing): the files in
 * dest_folder's cur/ (and new/) whose unique part is one of uniques[0..n),
 * with maildirsize updated.  One pass over each directory.  Returns the
 * number removed, or a negative md_err (some may have been removed).
 */
int	md_copy_undo(int rootfd, const char *dest_folder,
	    char *const *uniques, size_t n);

/* Index of the message of f whose unique part is unique[0..len) in the
 * current view (after the md_sync() that saw it), or -1. */
long	md_find_unique(const struct md_folder *f, const char *unique,
	    size_t len);

/*
 * Map keyword mask (bits of md_keyword(src, k)) to dest's keyword table
 * by name, adding names dest lacks.  *mask_r gets the mask for dest.
 * MD_ERR_LIMIT if dest's table is full (the keywords that fit are still
 * in *mask_r); MD_ERR_IO on ENOMEM.  src == dest is allowed.
 */
int	md_copy_keywords(const struct md_folder *src, uint64_t mask,
	    struct md_folder *dest, uint64_t *mask_r);

#endif
