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
 * messages (dot files, empty, over-long, NUL or '/' inside).  The unique
 * part ends at the first ',' or ':'.  S= and W= are hints: a value that is
 * not a valid number below 2^64 is ignored (has_size/has_vsize stay 0).
 * Only an info part that starts ":2," sets has_info; its upper-case
 * letters, de-duplicated and sorted, are the flags (others are ignored
 * here and kept when md_set_flags() renames the file). */
int	md_name_parse(const char *name, struct md_name *out);

/* Host name used in new unique names ('/' ':' ',' are escaped as \057
 * \072 \054, cut to LB_UNIQUE_HOST_MAX).  Call before any chroot; the
 * engine never asks the system (no uname(2) under seccomp).  Default
 * "localhost". */
void	md_set_hostname(const char *host);
/* Write a fresh unique name "<sec>.M<usec>P<pid>Q<n>R<hex>.<host>" into
 * buf.  0, or -1 if len is too small. */
int	md_unique_new(char *buf, size_t len);
/* Count size (bytes) and vsize (bytes with every bare LF served as CRLF)
 * of the open file fd, reading it once from offset 0 with pread.  0 or
 * MD_ERR_IO. */
int	md_count_vsize(int fd, uint64_t *size_r, uint64_t *vsize_r);
/* Normalise flag letters: upper-case A-Z only, de-duplicated, sorted into
 * out.  -1 on any other byte. */
int	md_flags_norm(const char *in, char out[27]);

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
	const char *unique;	/* points into name: the part that never
				 * changes (POP3 UIDL, COPYUID logging) */
	size_t	 unique_len;
	uint64_t keywords;	/* bit k set: md_keyword(f, k) is set */
};

struct md_folder;		/* opaque */

/* \Recent (RFC 3501 sec. 2.3.2): a message is recent for the one session
 * that first synced it with a folder opened to claim \Recent (an IMAP
 * SELECT: neither MD_OPEN_RO nor MD_OPEN_KEEP_RECENT).  Opens for COPY,
 * APPEND, STATUS, EXAMINE and POP3 leave it to the next SELECT. */
#define MD_OPEN_RO		1	/* see md_folder_open() */
#define MD_OPEN_KEEP_RECENT	2	/* do not take \Recent */

/* Open folder name ("INBOX" = the Maildir root, or a Maildir++ folder name
 * without its leading dot, e.g. "Sent" or "A.B") under rootfd and run a
 * first sync.  how: MD_OPEN_* bits, 0 for an IMAP SELECT.  MD_OPEN_RO:
 * never rename or assign UIDs that must persist:
 * messages not yet in the UID list get provisional UIDs from NEXTUID on,
 * in memory only (for a Maildir that cannot be written; IMAP EXAMINE
 * should open read-write and just not change flags).  rootfd must stay
 * open while the folder is open.  Errors: MD_ERR_NOFOLDER, MD_ERR_BADNAME,
 * MD_ERR_LOCKED, MD_ERR_LIMIT (over LB_FOLDER_MSGS_MAX messages, or UIDs
 * exhausted), MD_ERR_IO. */
int	md_folder_open(struct md_folder **fp, int rootfd, const char *name,
	    int how);
void	md_folder_close(struct md_folder **fp);

/* Bring the in-memory view up to date with the file system: rescan new/
 * and cur/ if their mtime changed, move new/ to cur/ (unless read-only),
 * assign UIDs to unknown names under the UID list lock, drop messages whose
 * files are gone.  *expunged_r (may be NULL) counts the dropped ones.
 * Also persists, under the lock, what md_set_flags() and md_set_keywords()
 * changed since the last sync, giving those messages a new MODSEQ: call it
 * once after a batch of changes (STORE), before reporting MODSEQs.  If the
 * UID list was lost and rebuilt meanwhile, md_uidvalidity() changes: the
 * caller must then drop every UID it holds (IMAP: BYE).  Indices from
 * md_get() are invalid after md_sync(). */
int	md_sync(struct md_folder *, size_t *expunged_r);

size_t	md_count(const struct md_folder *);
/* Message i, 0 <= i < md_count(), in UID order. */
const struct md_msg *md_get(const struct md_folder *, size_t i);
uint32_t md_uidvalidity(const struct md_folder *);
uint32_t md_uidnext(const struct md_folder *);
uint64_t md_highestmodseq(const struct md_folder *);
/* Index of the message with this UID, or -1 (binary search). */
long	md_find_uid(const struct md_folder *, uint32_t uid);

/* Keywords (IMAP: any atom; kept in the UID list, one table per folder). */
unsigned md_keyword_count(const struct md_folder *);
/* Name of keyword k, or NULL if k >= md_keyword_count(). */
const char *md_keyword(const struct md_folder *, unsigned k);
/* Index of keyword name (compared case-insensitively, RFC 3501 sec. 2.3.2
 * leaves case to us: we keep the first spelling), adding it when create
 * is nonzero.  Returns the index, -1 if absent and !create, MD_ERR_LIMIT
 * when LB_FOLDER_KEYWORDS_MAX are in use, MD_ERR_BADNAME if name is not
 * an atom of 1..LB_KEYWORD_MAX bytes. */
int	md_keyword_index(struct md_folder *, const char *name, int create);
/* Replace the keywords of message i with mask (bits of md_keyword()
 * indices).  Persisted with a new MODSEQ by the next md_sync(). */
int	md_set_keywords(struct md_folder *, size_t i, uint64_t mask);

/* Open message i for reading (O_RDONLY); finds the file again if another
 * process renamed it.  MD_ERR_GONE if it was expunged. */
int	md_open(struct md_folder *, size_t i, int *fd_r);
/* Replace the system flags of message i with flags (letters, any order):
 * renames the file (into cur/ if it was in new/), keeping any other info
 * characters.  The new MODSEQ is assigned by the next md_sync().
 * MD_ERR_BADNAME for letters outside A-Z, MD_ERR_GONE if expunged. */
int	md_set_flags(struct md_folder *, size_t i, const char *flags);
/* Delete message i's file (and update maildirsize).  The message stays in
 * the view until the next md_sync().  MD_ERR_GONE if another process
 * removed it first. */
int	md_expunge(struct md_folder *, size_t i);

/* --- Delivery (maildir-deliver, IMAP APPEND and COPY) ------------------ */

struct md_delivery;		/* opaque: a file being written in tmp/ */

/* Start a new message in folder name's tmp/.  crlf_to_lf: store CRLF input
 * as LF (a lone CR stays).  rootfd must stay open until commit or abort.
 * Also removes tmp/ files older than LB_TMP_STALE_SEC (a few per call).
 * MD_ERR_NOFOLDER if the folder does not exist. */
int	md_deliver_begin(struct md_delivery **dp, int rootfd, const char *name,
	    int crlf_to_lf);
/* Append bytes.  MD_ERR_LIMIT past LB_MESSAGE_MAX stored bytes,
 * MD_ERR_NOSPACE on ENOSPC/EDQUOT.  After an error only abort is allowed. */
int	md_deliver_write(struct md_delivery *, const void *, size_t);
/* Bytes stored so far and their CRLF size. */
uint64_t md_deliver_size(const struct md_delivery *);
uint64_t md_deliver_vsize(const struct md_delivery *);
/* fsync the file, check quota, move it into new/ (flags == NULL) or cur/
 * with flags, fsync the directory, update maildirsize.  mtime != 0 sets
 * INTERNALDATE.  On success the final name's unique part is copied to
 * unique_r (if not NULL, size LB_MAILDIR_NAME_MAX + 1).  On any failure
 * the tmp/ file is removed and nothing appears in new/ or cur/.  *dp is
 * freed and set to NULL in every case.  MD_ERR_QUOTA if the message does
 * not fit the Maildir++ quota, MD_ERR_BADNAME for bad flags. */
int	md_deliver_commit(struct md_delivery **dp, const char *flags,
	    time_t mtime, char *unique_r);
/* Abandon: remove the tmp/ file. */
void	md_deliver_abort(struct md_delivery **dp);

/* Create folder name (with maildirfolder); parents are not created.  The
 * folder is built in tmp/ and renamed into place, so it appears complete
 * or not at all.  MD_ERR_BADNAME, MD_ERR_EXISTS, MD_ERR_IO. */
int	md_folder_create(int rootfd, const char *name);
/* Create a Maildir (tmp, new, cur) at path relative to dirfd; existing
 * directories are kept (only the last component of path is created). */
int	md_maildir_create(int dirfd, const char *path, int mode);
/* 0 if name is a valid Maildir++ folder name (without its leading dot):
 * no '/', no "..", no leading or trailing '.', no control characters,
 * at most LB_MAILDIR_NAME_MAX - 1 bytes, not "INBOX".  MD_ERR_BADNAME. */
int	md_folder_name_check(const char *name);

/* --- UID list lock tuning (tests, and very slow NFS) ------------------- */

/* Locks older than stale_sec are broken; md_sync() gives up with
 * MD_ERR_LOCKED after wait_sec.  Defaults LB_UIDLIST_LOCK_STALE_SEC and
 * LB_UIDLIST_LOCK_WAIT_SEC. */
void	md_uidlist_set_lock_times(int stale_sec, int wait_sec);

/* --- Quota (Maildir++ maildirsize at the Maildir root) ----------------- */

/* Quota of the Maildir at rootfd.  Limits are 0 when there is none (no
 * maildirsize file: nothing is counted then and used is 0).  Recalculates
 * the file when the Maildir++ rules say so.  MD_ERR_CORRUPT if the quota
 * definition line cannot be parsed (delivery then ignores the quota). */
int	md_quota_get(int rootfd, uint64_t *limit_bytes, uint64_t *limit_count,
	    uint64_t *used_bytes, uint64_t *used_count);
/* MD_OK if add_bytes in add_count more messages fit, else MD_ERR_QUOTA. */
int	md_quota_check(int rootfd, uint64_t add_bytes, uint64_t add_count);
/* Append a "bytes count" line (negative for removal) in one O_APPEND
 * write, if maildirsize exists. */
int	md_quota_update(int rootfd, int64_t bytes, int64_t count);

#endif
