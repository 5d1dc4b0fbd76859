/*
 * maildir/maildir.h -- the Maildir++ engine: folders, scan, UID list,
 * flags, quota and delivery.  It knows nothing of IMAP or POP3 syntax.
 *
 * Every path is relative to a directory fd for the Maildir root (the
 * session child is chrooted into the Maildir, so its root fd is "/";
 * maildir-deliver opens ~/Maildir).  Only *at(2) system calls are used, so
 * the code runs unchanged inside the session seccomp filter.  Functions
 * return 0 or a negative enum md_err; they never exit and never log
 * message contents.
 */
#ifndef LB_MAILDIR_H
#define LB_MAILDIR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum md_err {
	MD_OK = 0,
	MD_ERR_IO = -1,		/* system call failed: errno is kept */
	MD_ERR_NOFOLDER = -2,	/* folder does not exist */
	MD_ERR_QUOTA = -3,	/* Maildir++ quota exceeded */
	MD_ERR_LOCKED = -4,	/* UID list lock not obtained in time */
	MD_ERR_LIMIT = -5,	/* a letterbox bound was crossed */
	MD_ERR_GONE = -6,	/* the message was expunged meanwhile */
	MD_ERR_BADNAME = -7,	/* invalid folder or file name */
	MD_ERR_EXISTS = -8,	/* folder already exists */
	MD_ERR_NOSPACE = -9,	/* disk full (ENOSPC/EDQUOT) */
	MD_ERR_CORRUPT = -10,	/* our own state file failed its checks */
};

/* A short English text for an md_err (and errno for MD_ERR_IO). */
const char *md_strerror(int err);
/* Nonzero if the error is temporary (retrying later may work). */
int	md_err_temporary(int err);

/* --- File names: <unique>[,S=<size>][,W=<crlf size>][:2,<flags>] ----- */

struct md_name {
	const char *unique;	/* points into the parsed name */
	size_t	unique_len;
	uint64_t size;		/* S=, if has_size */
	uint64_t vsize;		/* W=, if has_vsize */
	int	has_size, has_vsize;
	int	has_info;	/* ":2," present */
	char	flags[27];	/* ASCII letters after ":2,", sorted, NUL-terminated */
};

/* Parse a file name from new/ or cur/.  -1 for names that are not
 * messages (dot files, empty, over-long, NUL or '/' inside). */
int	md_name_parse(const char *name, struct md_name *out);

/* --- Folders and messages -------------------------------------------- */

/* System flag letters in info (Maildir spec). */
#define MD_FLAG_DRAFT	'D'
#define MD_FLAG_FLAGGED	'F'
#define MD_FLAG_PASSED	'P'
#define MD_FLAG_REPLIED	'R'
#define MD_FLAG_SEEN	'S'
#define MD_FLAG_TRASHED	'T'	/* IMAP \Deleted */

struct md_msg {
	uint32_t uid;
	uint64_t modseq;
	char	*name;		/* current file name, without directory */
	int	 in_new;	/* the file is in new/ (else cur/) */
	char	 flags[27];	/* system flag letters, sorted */
	uint64_t size;		/* bytes on disk (LF line ends) */
	uint64_t vsize;		/* bytes when served with CRLF line ends */
	time_t	 mtime;		/* INTERNALDATE */
	int	 recent;	/* first seen by this session (IMAP \Recent) */
};

struct md_folder;		/* opaque */

/* Open folder name ("INBOX" = the Maildir root, or a Maildir++ folder name
 * without its leading dot, e.g. "Sent" or "A.B") under rootfd and run a
 * first sync.  read_only: never rename or assign UIDs that must persist. */
int	md_folder_open(struct md_folder **fp, int rootfd, const char *name,
	    int read_only);
void	md_folder_close(struct md_folder **fp);

/* Bring the in-memory view up to date with the file system: rescan new/
 * and cur/ if their mtime changed, move new/ to cur/ (unless read-only),
 * assign UIDs to unknown names under the UID list lock, drop messages whose
 * files are gone.  *expunged_r (may be NULL) counts the dropped ones. */
int	md_sync(struct md_folder *, size_t *expunged_r);

size_t	md_count(const struct md_folder *);
/* Message i, 0 <= i < md_count(), in UID order. */
const struct md_msg *md_get(const struct md_folder *, size_t i);
uint32_t md_uidvalidity(const struct md_folder *);
uint32_t md_uidnext(const struct md_folder *);

/* Open message i for reading (O_RDONLY); finds the file again if another
 * process renamed it.  MD_ERR_GONE if it was expunged. */
int	md_open(struct md_folder *, size_t i, int *fd_r);
/* Replace the system flags of message i with flags (letters, any order). */
int	md_set_flags(struct md_folder *, size_t i, const char *flags);
/* Delete message i's file (and update maildirsize).  The message stays in
 * the view until the next md_sync(). */
int	md_expunge(struct md_folder *, size_t i);

/* --- Delivery (maildir-deliver, IMAP APPEND and COPY) ------------------ */

struct md_delivery;		/* opaque: a file being written in tmp/ */

/* Start a new message in folder name's tmp/.  crlf_to_lf: store CRLF input
 * as LF.  */
int	md_deliver_begin(struct md_delivery **dp, int rootfd, const char *name,
	    int crlf_to_lf);
int	md_deliver_write(struct md_delivery *, const void *, size_t);
/* fsync the file, check quota, move it into new/ (flags == NULL) or cur/
 * with flags, fsync the directory, update maildirsize.  mtime != 0 sets
 * INTERNALDATE.  On success the final name's unique part is copied to
 * unique_r (if not NULL, size LB_MAILDIR_NAME_MAX + 1).  On any failure
 * the tmp/ file is removed and nothing appears in new/ or cur/. */
int	md_deliver_commit(struct md_delivery **dp, const char *flags,
	    time_t mtime, char *unique_r);
/* Abandon: remove the tmp/ file. */
void	md_deliver_abort(struct md_delivery **dp);

/* Create folder name (with maildirfolder); parents are not created. */
int	md_folder_create(int rootfd, const char *name);
/* Create a Maildir (tmp, new, cur) at path relative to dirfd. */
int	md_maildir_create(int dirfd, const char *path, int mode);

#endif
