/*
 * imap/imapd.h -- the IMAP session (authenticated and selected states) as
 * the command modules see it.  Runs in the session child: the user's ids,
 * chrooted into the Maildir, seccomp.  The core (imap/session.c) owns the
 * read loop, the command table, the tagged responses and the selected
 * mailbox's view; the command modules (imap/fetch.c, imap/search.c,
 * imap/list.c, imap/store.c, ...) implement one command family each.
 *
 * Handlers follow STYLE 2.7: they get the parsed arguments, write untagged
 * responses with imap_printf()/imap_write(), set the tagged answer's text
 * and response code with imap_resp(), and return an enum imap_result.  They
 * never write the tagged line themselves.
 *
 * Message numbers.  The client's view of the selected mailbox is
 * s->view[]: index vi (0-based) is message sequence number vi + 1.  The
 * Maildir engine's view (md_get) may be newer (messages added or expunged
 * by other processes); the core reconciles the two only where RFC 3501
 * sec. 7.4.1 allows EXPUNGE responses (imap_sync()).  A message expunged
 * elsewhere stays in s->view[] with `gone` set until then; handlers treat
 * it as described at imap_view_msg().
 */
#ifndef LB_IMAP_IMAPD_H
#define LB_IMAP_IMAPD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/io.h"
#include "common/limits.h"
#include "imap/parse.h"
#include "imap/seqset.h"
#include "maildir/maildir.h"

struct config;

enum imap_result {
	IMAP_OK = 0,		/* tag OK text */
	IMAP_NO,		/* tag NO text */
	IMAP_BAD,		/* tag BAD text */
	IMAP_QUIET,		/* handler wrote everything (LOGOUT, IDLE) */
	IMAP_FATAL,		/* "* BYE text", then close */
};

enum imap_state {
	IMAP_STATE_AUTH,	/* authenticated, no mailbox selected */
	IMAP_STATE_SELECTED,
	IMAP_STATE_LOGOUT,
};

/* One message as the client knows it. */
struct imap_vmsg {
	uint32_t uid;
	uint64_t modseq;	/* last reported (CONDSTORE) */
	uint64_t keywords;	/* last reported keyword mask */
	char	 flags[27];	/* last reported system flag letters */
	unsigned gone:1;	/* expunged elsewhere, EXPUNGE not sent yet */
	unsigned recent:1;	/* \Recent for this session */
};

#define IMAP_MBOX_MAX	1024	/* mailbox name as sent (mUTF-7 or UTF-8) */

struct imap_session {
	struct io	*io;
	const struct config *conf;
	const char	*user;
	const char	*rip;
	int		 rootfd;	/* the Maildir root */
	int		 tls;		/* connection is encrypted */
	int		 preauth;	/* PREAUTH mode (ssh tunnel) */
	enum imap_state	 state;
	struct imap_parser *parser;

	/* Enabled with ENABLE (RFC 5161). */
	unsigned	 condstore:1, qresync:1, utf8:1;

	/* The selected mailbox. */
	struct md_folder *f;
	char		 mbox[IMAP_MBOX_MAX + 1];	/* its IMAP name */
	char		 folder[LB_MAILDIR_NAME_MAX + 1];	/* on disk */
	int		 readonly;	/* EXAMINE */
	struct imap_vmsg *view;
	size_t		 nview, capview;
	struct seqset	*saved;		/* SEARCHRES "$" (RFC 5182) */

	/* The tagged answer being prepared by the handler. */
	char		 code[16384];	/* response code, without brackets (COPYUID sets can be long) */
	char		 text[512];
	struct buf	 scratch;	/* per-command scratch, reset by the core */

	/* Counters for the logout line. */
	uint64_t	 n_fetch, n_append, n_expunge;
};

/* --- Output -------------------------------------------------------------- */

/* Set the tagged answer: code may be NULL; text is printf-style. */
void	imap_resp(struct imap_session *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Write raw bytes / formatted text to the client (untagged responses are
 * complete lines: "* ...\r\n").  -1 once the connection is broken. */
int	imap_write(struct imap_session *, const void *, size_t);
int	imap_printf(struct imap_session *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append the IMAP flag list of message m, e.g. "(\Seen $Forwarded kw)",
 * to out (system flags: D \Draft, F \Flagged, R \Answered, S \Seen,
 * T \Deleted, P the keyword $Forwarded; recent adds \Recent). */
int	imap_flags_format(const struct imap_session *, const char *flags,
	    uint64_t keywords, int recent, struct buf *out);

/* The system flags: Maildir letter and IMAP name (P is the keyword
 * $Forwarded in IMAP). */
struct imap_sysflag {
	char		 letter;
	const char	*name;
};
#define IMAP_NSYSFLAGS	6
extern const struct imap_sysflag imap_sysflags[IMAP_NSYSFLAGS];

/* --- The selected mailbox ----------------------------------------------- */

/* The engine's message for view index vi, or NULL if it was expunged by
 * another process (then: FETCH answers NO [EXPUNGEISSUED] for
 * non-UID commands and skips it for UID commands; STORE skips it). */
const struct md_msg *imap_view_msg(struct imap_session *, size_t vi);
/* The engine's index (for md_open, md_set_flags...), or -1 if gone. */
long	imap_view_mdindex(struct imap_session *, size_t vi);
/* Resolve a sequence set argument (message numbers, or UIDs if uid) into
 * the ascending list of view indices it names, in s->scratch-independent
 * memory the caller frees.  Message numbers above the message count are
 * an error (BAD, already set with imap_resp()); UIDs that do not exist
 * are ignored (RFC 3501 sec. 6.4.8).  "$" uses s->saved.  Returns 0 or
 * -1. */
int	imap_seq_resolve(struct imap_session *, const struct imap_arg *set,
	    int uid, size_t **vis_r, size_t *n_r);
/* Re-read the mailbox and report what changed to the client: EXISTS and
 * RECENT for new messages, FETCH FLAGS for flag changes made elsewhere,
 * and, if allow_expunge, EXPUNGE for messages gone (RFC 3501 sec. 7.4.1
 * forbids them during FETCH, STORE and SEARCH).  Returns 0, or -1 if the
 * mailbox became unusable (UIDVALIDITY changed: the core sends BYE). */
int	imap_sync(struct imap_session *, int allow_expunge);
/* View maintenance for the core (SELECT) and for EXPUNGE/MOVE: grow the
 * array to hold need entries (0 or -1), fill an entry from the engine's
 * message, count \Recent entries. */
int	imap_view_grow(struct imap_session *, size_t need);
void	imap_view_set(struct imap_vmsg *, const struct md_msg *);
size_t	imap_view_recent(const struct imap_session *);
/* After the session itself changed flags of view index vi (STORE): the
 * view's copy is updated so imap_sync() does not report it again. */
void	imap_view_told(struct imap_session *, size_t vi);

/* --- Mailbox names -------------------------------------------------------- */

/* Map an IMAP mailbox name (mUTF-7 on the wire, or UTF-8 after ENABLE
 * UTF8=ACCEPT) to the on-disk Maildir++ folder name ("INBOX" for the
 * inbox, any case; else the mUTF-7 name with the hierarchy separator '.').
 * Refuses bad mUTF-7, "..", '/', a leading or trailing '.', empty levels
 * and control characters, with a reason in why (for "NO [CANNOT] ...").
 * 0 or -1. */
int	imap_mbox_to_folder(const struct imap_session *, const char *name,
	    size_t len, char *folder, size_t folderlen, const char **why_r);

/* --- Command handlers: args are the command's arguments after the name
 * (after "UID <cmd>" for UID commands, with uid set). --------------------- */

typedef enum imap_result imap_handler(struct imap_session *,
    const struct imap_arg *args, size_t nargs, int uid);

imap_handler imap_cmd_fetch;	/* FETCH, UID FETCH (imap/fetch.c) */
imap_handler imap_cmd_search;	/* SEARCH, UID SEARCH, ESEARCH (imap/search.c) */
imap_handler imap_cmd_store;	/* STORE, UID STORE (imap/store.c) */
imap_handler imap_cmd_copy;	/* COPY, UID COPY (imap/store.c) */
imap_handler imap_cmd_move;	/* MOVE, UID MOVE (imap/store.c) */
imap_handler imap_cmd_expunge;	/* EXPUNGE, UID EXPUNGE (imap/store.c) */
imap_handler imap_cmd_append;	/* APPEND (imap/append.c, see the core) */
imap_handler imap_cmd_list;	/* LIST (imap/list.c) */
imap_handler imap_cmd_lsub;	/* LSUB */
imap_handler imap_cmd_create;	/* CREATE */
imap_handler imap_cmd_delete;	/* DELETE */
imap_handler imap_cmd_rename;	/* RENAME */
imap_handler imap_cmd_subscribe; /* SUBSCRIBE */
imap_handler imap_cmd_unsubscribe; /* UNSUBSCRIBE */
imap_handler imap_cmd_status;	/* STATUS */

#endif
