/*
 * maildir/md_int.h -- private to maildir/ (and its unit tests): the UID
 * list in memory, the lock, and small helpers shared by the engine files.
 */
#ifndef LB_MD_INT_H
#define LB_MD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/limits.h"
#include "maildir/maildir.h"

#define MD_UIDLIST	"letterbox-uidlist"
#define MD_UIDLIST_LOCK	"letterbox-uidlist.lock"
#define MD_UIDLIST_VERSION 1
/* Largest UID: RFC 3501 sec. 2.3.1.1 UIDs are 32-bit; NEXTUID must stay
 * representable, so the last usable UID is 2^32-2. */
#define MD_UID_MAX	(UINT32_MAX - 1)

/* One message of the UID list. */
struct md_rec {
	uint32_t uid;
	uint64_t modseq;
	uint64_t size, vsize;
	int64_t	 mtime;
	uint64_t kw;
	char	 flags[27];	/* as last seen in the file name */
	char	*unique;	/* malloc'd, NUL-terminated */
	size_t	 unique_len;
};

/* The UID list of one folder, as read from or written to disk. */
struct md_ul {
	uint32_t uidvalidity;
	uint32_t nextuid;
	uint64_t highestmodseq;
	uint32_t recent_from;	/* first UID no session has had as \Recent */
	unsigned nkw;
	char	*kw[LB_FOLDER_KEYWORDS_MAX];
	struct md_rec *recs;	/* strictly increasing uid */
	size_t	 nrecs, caprecs;
};

/* Map errno after a failed system call: ENOSPC/EDQUOT -> MD_ERR_NOSPACE,
 * ENOENT -> given default, anything else MD_ERR_IO. */
int	md_errno(void);

/* The first UID that no session has had as \Recent (uidlist.c's C). */
uint32_t md_recent_from(const struct md_folder *);
/* Open folder name's directory under rootfd (INBOX = ".").  -1/errno. */
int	md_folder_dirfd(int rootfd, const char *name);
/* write(2) all of it; -1 on error (errno kept). */
int	md_write_all(int fd, const void *, size_t);
/* fsync a directory given relative to dirfd. */
int	md_fsync_dir(int dirfd, const char *path);
/* Wall clock in nanoseconds since the epoch. */
int64_t	md_now_ns(void);
/* The escaped host name set by md_set_hostname() (name.c). */
const char *md_hostname(void);
/* Sleep ms milliseconds (poll(2): in the session seccomp list). */
void	md_sleep_ms(int ms);
int	md_keyword_valid(const char *name);

/* UID list (uidlist.c). */
void	md_ul_init(struct md_ul *);
void	md_ul_free(struct md_ul *);
/* Parse the list from fd (read from its current offset to EOF).
 * MD_ERR_CORRUPT on any failed check; *ul is then empty. */
int	md_ul_read_fd(int fd, struct md_ul *);
/* Read folderfd/letterbox-uidlist.  MD_ERR_NOFOLDER (errno ENOENT) if it
 * does not exist; st_r (may be NULL) gets its fstat. */
int	md_ul_load(int folderfd, struct md_ul *, struct stat *st_r);
/* The UIDVALIDITY of a list that failed its checks, if its header still
 * shows one (0 if not): only to make sure a rebuilt list gets a greater
 * one, never to keep using it. */
uint32_t md_ul_peek_validity(int folderfd);
/* Serialise into a new file in tmp/, fsync, rename over the list, fsync
 * the folder directory.  Must hold the lock. */
int	md_ul_store(int folderfd, const struct md_ul *);
/* Append a record (uid must exceed the last one).  -1 on ENOMEM. */
int	md_ul_append(struct md_ul *, const struct md_rec *);
/* Take the folder's lock file (O_CREAT|O_EXCL), breaking a stale one.
 * MD_OK, MD_ERR_LOCKED after the wait time, MD_ERR_IO. */
int	md_ul_lock(int folderfd);
/* Refresh the lock's mtime (long work under the lock). */
void	md_ul_lock_touch(int folderfd);
/* Remove the lock if it is still ours. */
void	md_ul_unlock(int folderfd);

/* Quota (quota.c): pure parts, unit-tested. */
struct md_quota {
	uint64_t limit_bytes, limit_count;	/* 0: no limit */
	int64_t	 used_bytes, used_count;
	size_t	 lines;
};
/* Parse "NS,NC" (either part optional, in any order).  -1 if invalid. */
int	md_quota_def_parse(const char *s, size_t len, uint64_t *bytes_r,
	    uint64_t *count_r);
/* Parse a whole maildirsize file.  0 ok, 1 valid definition but the deltas
 * need a recalculation (bad line, overflow, negative total, too big),
 * -1 if the definition itself is bad. */
int	md_quota_parse(const char *buf, size_t len, struct md_quota *);
/* Nonzero if adding add_bytes/add_count would exceed the limits. */
int	md_quota_over(const struct md_quota *, uint64_t add_bytes,
	    uint64_t add_count);
/* Recount every folder and rewrite maildirsize with definition def. */
int	md_quota_recalc(int rootfd, const char *def, size_t deflen,
	    struct md_quota *);

/* Folder internals for copy.c (folder.c). */
/* The folder's directory fd (owned by the folder: do not close). */
int	md_folder_dir(const struct md_folder *);
/* Index of the message whose unique part is unique[0..len), or -1. */
long	md_folder_find_unique(const struct md_folder *, const char *unique,
	    size_t len);

#endif
