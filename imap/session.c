/*
 * imap/session.c -- the IMAP core: the authenticated and selected states
 * of one session (see imapd.h).  Runs in the session child: the user's
 * ids, chrooted into the Maildir (PREAUTH: confined to it), seccomp.
 *
 * It owns the read loop (the resumable parser of imap/parse.c fed from the
 * connection), the command table and the tagged responses, the selected
 * mailbox's view of message numbers, and the commands that are about the
 * session itself: CAPABILITY NOOP CHECK LOGOUT ID ENABLE NAMESPACE SELECT
 * EXAMINE CLOSE UNSELECT IDLE APPEND GETQUOTA GETQUOTAROOT.  The command
 * families live in imap/fetch.c, search.c, store.c and list.c.
 *
 * The view of the selected mailbox and the response helpers are in
 * imap/view.c.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/date.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/num.h"
#include "imap/imapd.h"
#include "imap/quote.h"
#include "imap/session.h"
#include "imap/list.h"
#include "imap/store.h"

/* RFC 2177: clients re-issue IDLE every 29 minutes; we end an IDLE that
 * lasts longer than this (below the 30-minute autologout) with BYE, and
 * say "still here" every few minutes so NAT boxes keep the connection. */
#define IMAP_IDLE_MAX_SEC	(29 * 60)
#define IMAP_IDLE_KEEPALIVE_SEC	120
/* Without inotify (NFS, or the per-user instance limit), poll this often. */
#define IMAP_IDLE_POLL_SEC	5

static const char imap_caps[] =
    "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT "
    "CHILDREN UIDPLUS MOVE SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH "
    "QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE CONDSTORE SEARCHRES";

void
imap_capabilities(struct buf *out)
{
	(void)buf_printf(out, "%s APPENDLIMIT=%lu", imap_caps,
	    (unsigned long)LB_IMAP_APPEND_MAX);
}

/* ------------------------------------------------------------------ */
/* Session-level commands                                               */

/* Commands without arguments: 0, or -1 with the BAD answer set. */
static int
noargs(struct imap_session *s, size_t n, const char *name)
{
	if (n == 0)
		return 0;
	imap_resp(s, NULL, "%s takes no arguments", name);
	return -1;
}

static enum imap_result
cmd_capability(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct buf b;

	if (noargs(s, n, "CAPABILITY") == -1)
		return IMAP_BAD;
	buf_init(&b, 4096);
	(void)buf_puts(&b, "* CAPABILITY ");
	imap_capabilities(&b);
	(void)buf_puts(&b, "\r\n");
	(void)imap_write(s, b.p, b.len);
	buf_free(&b);
	imap_resp(s, NULL, "Capability completed.");
	return IMAP_OK;
}

/* NOOP and CHECK: the core's sync after every command does the work
 * (RFC 3501 sec. 6.1.2, 6.4.1). */
static enum imap_result
cmd_noop(struct imap_session *s, const struct imap_arg *a, size_t n, int uid)
{
	if (noargs(s, n, "NOOP") == -1)
		return IMAP_BAD;
	imap_resp(s, NULL, "NOOP completed.");
	return IMAP_OK;
}

static enum imap_result
cmd_check(struct imap_session *s, const struct imap_arg *a, size_t n, int uid)
{
	if (noargs(s, n, "CHECK") == -1)
		return IMAP_BAD;
	imap_resp(s, NULL, "CHECK completed.");
	return IMAP_OK;
}

static enum imap_result
cmd_logout(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	if (noargs(s, n, "LOGOUT") == -1)
		return IMAP_BAD;
	(void)imap_printf(s, "* BYE Logging out\r\n");
	s->state = IMAP_STATE_LOGOUT;
	imap_resp(s, NULL, "Logout completed.");
	return IMAP_OK;
}

/* RFC 2971: we answer with our name; the client's list is checked for
 * syntax (at most 30 pairs, bounded strings) and logged. */
static enum imap_result
cmd_id(struct imap_session *s, const struct imap_arg *a, size_t n, int uid)
{
	const struct imap_arg *l;
	size_t ln, i;
	const char *str;
	size_t len;

	if (n != 1)
		return imap_resp(s, NULL, "ID takes one argument"), IMAP_BAD;
	if (a[0].type != IMAP_ARG_NIL) {
		if (imap_arg_get_list(&a[0], &l, &ln) == -1 || ln % 2 != 0 ||
		    ln > 60)
			return imap_resp(s, NULL, "Invalid ID list"), IMAP_BAD;
		for (i = 0; i < ln; i++) {
			if (imap_arg_get_nstring(&l[i], &str, &len) == -1 ||
			    len > 1024 || (i % 2 == 0 && str == NULL))
				return imap_resp(s, NULL, "Invalid ID list"),
				    IMAP_BAD;
		}
	}
	(void)imap_printf(s, "* ID (\"name\" \"letterbox\")\r\n");
	imap_resp(s, NULL, "ID completed.");
	return IMAP_OK;
}

/* RFC 5161. */
static enum imap_result
cmd_enable(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	struct buf b;
	const char *cap;
	size_t i;

	if (n == 0)
		return imap_resp(s, NULL, "ENABLE needs arguments"), IMAP_BAD;
	buf_init(&b, 1024);
	(void)buf_puts(&b, "* ENABLED");
	for (i = 0; i < n; i++) {
		if (imap_arg_get_atom(&a[i], &cap) == -1) {
			buf_free(&b);
			return imap_resp(s, NULL, "Invalid capability name"),
			    IMAP_BAD;
		}
		if (strcasecmp(cap, "CONDSTORE") == 0) {
			if (!s->condstore)
				(void)buf_puts(&b, " CONDSTORE");
			s->condstore = 1;
		}
		/* Others (QRESYNC, UTF8=ACCEPT) are not enabled: we do not
		 * advertise them (RFC 5161 sec. 3.1: ignore). */
	}
	(void)buf_puts(&b, "\r\n");
	(void)imap_write(s, b.p, b.len);
	buf_free(&b);
	imap_resp(s, NULL, "Enabled.");
	return IMAP_OK;
}

static enum imap_result
cmd_namespace(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	if (noargs(s, n, "NAMESPACE") == -1)
		return IMAP_BAD;
	/* RFC 2342: one personal namespace, no prefix, "." separator. */
	(void)imap_printf(s, "* NAMESPACE ((\"\" \".\")) NIL NIL\r\n");
	imap_resp(s, NULL, "Namespace completed.");
	return IMAP_OK;
}

static void
imap_close_mailbox(struct imap_session *s)
{
	md_folder_close(&s->f);
	free(s->view);
	s->view = NULL;
	s->nview = s->capview = 0;
	seqset_free(&s->saved);
	s->mbox[0] = s->folder[0] = '\0';
	s->readonly = 0;
	s->state = IMAP_STATE_AUTH;
}

static enum imap_result
imap_select(struct imap_session *s, const struct imap_arg *a, size_t n,
    int readonly)
{
	const char *name, *why;
	char folder[LB_MAILDIR_NAME_MAX + 1];
	size_t len, i, first_unseen = 0;
	const struct imap_arg *opts;
	size_t nopts;
	unsigned k;
	struct buf b;
	int rc, had = s->f != NULL;

	if (n < 1 || n > 2 || imap_arg_get_astring(&a[0], &name, &len) == -1)
		return imap_resp(s, NULL, "Invalid arguments"), IMAP_BAD;
	if (n == 2) {
		/* RFC 7162 sec. 3.1.8: SELECT mailbox (CONDSTORE). */
		if (imap_arg_get_list(&a[1], &opts, &nopts) == -1)
			return imap_resp(s, NULL, "Invalid SELECT parameters"),
			    IMAP_BAD;
		for (i = 0; i < nopts; i++) {
			if (!imap_arg_is_atom(&opts[i], "CONDSTORE"))
				return imap_resp(s, NULL, "Unknown SELECT "
				    "parameter"), IMAP_BAD;
			s->condstore = 1;
		}
	}
	/* A failed SELECT still leaves no mailbox selected (RFC 3501). */
	if (had) {
		imap_close_mailbox(s);
		if (s->condstore)
			(void)imap_printf(s, "* OK [CLOSED] Previous mailbox "
			    "closed.\r\n");
	}
	if (imap_mbox_to_folder(s, name, len, folder, sizeof(folder),
	    &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	/* EXAMINE MUST NOT take \Recent from anyone (RFC 3501 6.3.2). */
	if ((rc = md_folder_open(&s->f, s->rootfd, folder,
	    readonly ? MD_OPEN_KEEP_RECENT : 0)) != MD_OK) {
		if (rc == MD_ERR_NOFOLDER || rc == MD_ERR_BADNAME)
			return imap_resp(s, "NONEXISTENT", "Mailbox doesn't "
			    "exist"), IMAP_NO;
		log_err("user=%s open %s: %s", s->user, folder,
		    md_strerror(rc));
		return imap_resp(s, md_err_temporary(rc) ? "UNAVAILABLE" :
		    "SERVERBUG", "Cannot open the mailbox: %s",
		    md_strerror(rc)), IMAP_NO;
	}
	(void)snprintf(s->folder, sizeof(s->folder), "%s", folder);
	(void)snprintf(s->mbox, sizeof(s->mbox), "%.*s", (int)len, name);
	s->readonly = readonly;
	s->state = IMAP_STATE_SELECTED;
	s->nview = 0;
	for (i = 0; i < md_count(s->f); i++) {
		const struct md_msg *m = md_get(s->f, i);

		if (imap_view_grow(s, s->nview + 1) == -1) {
			imap_close_mailbox(s);
			return imap_resp(s, "SERVERBUG", "Out of memory"),
			    IMAP_NO;
		}
		imap_view_set(&s->view[s->nview++], m);
		if (first_unseen == 0 && strchr(m->flags, 'S') == NULL)
			first_unseen = s->nview;
	}
	buf_init(&b, LB_OUTBUF_MAX);
	(void)buf_puts(&b, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
	    "\\Draft $Forwarded");
	for (k = 0; k < md_keyword_count(s->f); k++)
		(void)buf_printf(&b, " %s", md_keyword(s->f, k));
	(void)buf_puts(&b, ")\r\n");
	if (readonly)
		(void)buf_puts(&b, "* OK [PERMANENTFLAGS ()] Read-only "
		    "mailbox.\r\n");
	else {
		(void)buf_puts(&b, "* OK [PERMANENTFLAGS (\\Answered \\Flagged "
		    "\\Deleted \\Seen \\Draft $Forwarded");
		for (k = 0; k < md_keyword_count(s->f); k++)
			(void)buf_printf(&b, " %s", md_keyword(s->f, k));
		(void)buf_puts(&b, " \\*)] Flags permitted.\r\n");
	}
	(void)buf_printf(&b, "* %zu EXISTS\r\n* %zu RECENT\r\n", s->nview,
	    imap_view_recent(s));
	if (first_unseen)
		(void)buf_printf(&b, "* OK [UNSEEN %zu] First unseen.\r\n",
		    first_unseen);
	(void)buf_printf(&b, "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT %u] Predicted next UID\r\n",
	    md_uidvalidity(s->f), md_uidnext(s->f));
	if (s->condstore)
		(void)buf_printf(&b, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		    (unsigned long long)md_highestmodseq(s->f));
	(void)imap_write(s, b.p, b.len);
	buf_free(&b);
	imap_resp(s, readonly ? "READ-ONLY" : "READ-WRITE", "%s completed.",
	    readonly ? "Examine" : "Select");
	return IMAP_OK;
}

static enum imap_result
cmd_select(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	return imap_select(s, a, n, 0);
}

static enum imap_result
cmd_examine(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	return imap_select(s, a, n, 1);
}

static enum imap_result
cmd_close(struct imap_session *s, const struct imap_arg *a, size_t n, int uid)
{
	if (noargs(s, n, "CLOSE") == -1)
		return IMAP_BAD;
	/* RFC 3501 sec. 6.4.2: expunge silently, unless read-only. */
	if (!s->readonly)
		(void)imap_expunge_deleted(s, 1);
	imap_close_mailbox(s);
	imap_resp(s, NULL, "Close completed.");
	return IMAP_OK;
}

static enum imap_result
cmd_unselect(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	if (noargs(s, n, "UNSELECT") == -1)
		return IMAP_BAD;
	imap_close_mailbox(s);
	imap_resp(s, NULL, "Unselect completed.");
	return IMAP_OK;
}

/* RFC 9208: one quota root "" for the whole Maildir (maildirsize). */
static void
imap_quota_line(struct imap_session *s)
{
	uint64_t lb, lc, ub, uc;
	struct buf b;

	if (md_quota_get(s->rootfd, &lb, &lc, &ub, &uc) != MD_OK ||
	    (lb == 0 && lc == 0)) {
		(void)imap_printf(s, "* QUOTA \"\" ()\r\n");
		return;
	}
	buf_init(&b, 256);
	(void)buf_puts(&b, "* QUOTA \"\" (");
	if (lb)
		(void)buf_printf(&b, "STORAGE %llu %llu",
		    (unsigned long long)((ub + 1023) / 1024),
		    (unsigned long long)(lb / 1024));
	if (lc)
		(void)buf_printf(&b, "%sMESSAGE %llu %llu", lb ? " " : "",
		    (unsigned long long)uc, (unsigned long long)lc);
	(void)buf_puts(&b, ")\r\n");
	(void)imap_write(s, b.p, b.len);
	buf_free(&b);
}

static enum imap_result
cmd_getquota(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	const char *root;
	size_t len;

	if (n != 1 || imap_arg_get_astring(&a[0], &root, &len) == -1)
		return imap_resp(s, NULL, "Invalid arguments"), IMAP_BAD;
	if (len != 0)
		return imap_resp(s, "NONEXISTENT", "No such quota root"),
		    IMAP_NO;
	imap_quota_line(s);
	imap_resp(s, NULL, "Getquota completed.");
	return IMAP_OK;
}

static enum imap_result
cmd_getquotaroot(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	const char *name, *why;
	char folder[LB_MAILDIR_NAME_MAX + 1];
	struct buf b;
	size_t len;

	if (n != 1 || imap_arg_get_astring(&a[0], &name, &len) == -1)
		return imap_resp(s, NULL, "Invalid arguments"), IMAP_BAD;
	if (imap_mbox_to_folder(s, name, len, folder, sizeof(folder),
	    &why) == -1)
		return imap_resp(s, "CANNOT", "%s", why), IMAP_NO;
	buf_init(&b, 2048);
	(void)buf_puts(&b, "* QUOTAROOT ");
	(void)imap_put_astring(&b, name, len);
	(void)buf_puts(&b, " \"\"\r\n");
	(void)imap_write(s, b.p, b.len);
	buf_free(&b);
	imap_quota_line(s);
	imap_resp(s, NULL, "Getquotaroot completed.");
	return IMAP_OK;
}

static enum imap_result
cmd_setquota(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	/* RFC 9208 sec. 4.1.3: quotas are the administrator's. */
	imap_resp(s, "NOPERM", "Quotas are set by the administrator");
	return IMAP_NO;
}

static enum imap_result
cmd_already(struct imap_session *s, const struct imap_arg *a, size_t n,
    int uid)
{
	imap_resp(s, NULL, "Already authenticated");
	return IMAP_BAD;
}

/* ------------------------------------------------------------------ */
/* APPEND (RFC 3501 sec. 6.3.11, RFC 4315 APPENDUID)                    */

struct imap_append {
	struct md_delivery *d;
	char	 folder[LB_MAILDIR_NAME_MAX + 1];
	int	 failed;	/* an error already answered or pending */
	int	 err;		/* md_err of a write */
	int	 started;
	int	 chunks;	/* LITERAL_DATA events of this message */
};

/* Check the mailbox of an APPEND whose message is about to arrive.
 * Returns 0, or -1 after setting the answer (NO [TRYCREATE] etc.). */
static int
imap_append_target(struct imap_session *s, const struct imap_arg *a,
    size_t n, struct imap_append *ap)
{
	const char *name, *why;
	size_t len;
	int rc;

	if (n < 2 || imap_arg_get_astring(&a[0], &name, &len) == -1) {
		imap_resp(s, NULL, "Invalid arguments");
		return -1;
	}
	if (imap_mbox_to_folder(s, name, len, ap->folder, sizeof(ap->folder),
	    &why) == -1) {
		imap_resp(s, "CANNOT", "%s", why);
		return -1;
	}
	if ((rc = md_deliver_begin(&ap->d, s->rootfd, ap->folder, 1)) !=
	    MD_OK) {
		if (rc == MD_ERR_NOFOLDER || rc == MD_ERR_BADNAME)
			imap_resp(s, "TRYCREATE", "Mailbox doesn't exist");
		else
			imap_resp(s, "SERVERBUG", "Cannot store the message: "
			    "%s", md_strerror(rc));
		return -1;
	}
	ap->started = 1;
	return 0;
}

static const char *
imap_append_code(int rc)
{
	switch (rc) {
	case MD_ERR_QUOTA:
		return "OVERQUOTA";
	case MD_ERR_NOSPACE:
		return "OVERQUOTA";
	case MD_ERR_LIMIT:
		return "TOOBIG";
	default:
		return "SERVERBUG";
	}
}

/* The whole command has arrived: flags, date, then commit. */
static enum imap_result
imap_append_finish(struct imap_session *s, const struct imap_arg *a,
    size_t n, struct imap_append *ap)
{
	char flags[27] = "", unique[LB_MAILDIR_NAME_MAX + 1];
	const struct imap_arg *fl = NULL;
	size_t nfl = 0, i, k, ai = 1;
	time_t mtime = 0;
	const char *str;
	size_t len;
	struct md_folder *df = NULL;
	uint64_t kwmask = 0;
	const char *kwnames[64];
	size_t nkw = 0;
	uint32_t newuid = 0, uidv = 0;
	int rc;

	if (ai < n && a[ai].type == IMAP_ARG_LIST) {
		if (imap_arg_get_flag_list(&a[ai], &fl, &nfl) == -1)
			goto bad;
		ai++;
	}
	if (ai < n && a[ai].type == IMAP_ARG_QUOTED) {
		int64_t t;

		if (date_parse_imap_datetime(a[ai].str, a[ai].len, &t) == -1 ||
		    t <= 0) {
			imap_resp(s, NULL, "Invalid date-time");
			goto badq;
		}
		mtime = (time_t)t;
		ai++;
	}
	if (ai + 1 != n || a[ai].type != IMAP_ARG_LITERAL) {
		if (ai < n && a[ai].type == IMAP_ARG_LITERAL)
			imap_resp(s, NULL, "Only one message per APPEND");
		else
			goto bad;
		goto badq;
	}
	for (i = 0; i < nfl; i++) {
		if (imap_arg_get_flag(&fl[i], &str) == -1)
			goto bad;
		for (k = 0; k < IMAP_NSYSFLAGS; k++)
			if (strcasecmp(str, imap_sysflags[k].name) == 0)
				break;
		if (k < IMAP_NSYSFLAGS) {
			if (strchr(flags, imap_sysflags[k].letter) == NULL) {
				len = strlen(flags);
				flags[len] = imap_sysflags[k].letter;
				flags[len + 1] = '\0';
			}
		} else if (strcasecmp(str, "\\Recent") == 0)
			continue;
		else if (str[0] == '\\') {
			imap_resp(s, NULL, "Unknown system flag");
			goto badq;
		} else if (nkw < 64)
			kwnames[nkw++] = str;
	}
	if ((rc = md_deliver_commit(&ap->d, flags, mtime, unique)) != MD_OK) {
		log_notice("user=%s APPEND to %s failed: %s", s->user,
		    ap->folder, md_strerror(rc));
		imap_resp(s, imap_append_code(rc), "Cannot store the message:"
		    " %s", md_strerror(rc));
		return IMAP_NO;
	}
	s->n_append++;
	/* Learn the UID (and set keywords, which live in the UID list). */
	if (md_folder_open(&df, s->rootfd, ap->folder,
	    MD_OPEN_KEEP_RECENT) == MD_OK) {
		for (i = md_count(df); i-- > 0;) {
			const struct md_msg *m = md_get(df, i);

			if (m->unique_len == strlen(unique) &&
			    memcmp(m->unique, unique, m->unique_len) == 0) {
				newuid = m->uid;
				for (k = 0; k < nkw; k++) {
					int idx = md_keyword_index(df,
					    kwnames[k], 1);

					if (idx >= 0)
						kwmask |= (uint64_t)1 << idx;
				}
				if (kwmask != 0 &&
				    md_set_keywords(df, i, kwmask) == MD_OK)
					(void)md_sync(df, NULL);
				break;
			}
		}
		uidv = md_uidvalidity(df);
		md_folder_close(&df);
	}
	if (newuid != 0) {
		char code[64];

		(void)snprintf(code, sizeof(code), "APPENDUID %u %u", uidv,
		    newuid);
		imap_resp(s, code, "Append completed.");
	} else
		imap_resp(s, NULL, "Append completed.");
	return IMAP_OK;
bad:
	imap_resp(s, NULL, "Invalid arguments");
badq:
	md_deliver_abort(&ap->d);
	return IMAP_BAD;
}

/* ------------------------------------------------------------------ */
/* IDLE (RFC 2177)                                                      */

static int
imap_idle_watch(struct imap_session *s)
{
	char path[LB_MAILDIR_NAME_MAX + 8];
	int fd;

	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	if (s->f != NULL) {
		const char *sub[] = { "new", "cur" };
		size_t i;

		for (i = 0; i < 2; i++) {
			/* Relative to the Maildir root: our cwd. */
			if (strcmp(s->folder, "INBOX") == 0)
				(void)snprintf(path, sizeof(path), "%s",
				    sub[i]);
			else
				(void)snprintf(path, sizeof(path), ".%s/%s",
				    s->folder, sub[i]);
			if (inotify_add_watch(fd, path, IN_CREATE |
			    IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
			    IN_ATTRIB) == -1) {
				close(fd);
				return -1;
			}
		}
	}
	return fd;
}

static enum imap_result
cmd_idle(struct imap_session *s, const struct imap_arg *a, size_t n, int uid)
{
	struct pollfd pfd[2];
	time_t start = time(NULL), last_ka = start, now;
	enum imap_parse_result r;
	size_t used, len;
	const char *line;
	int ifd, rc, timeout;
	char evbuf[4096];

	if (noargs(s, n, "IDLE") == -1)
		return IMAP_BAD;
	ifd = imap_idle_watch(s);
	(void)imap_printf(s, "+ idling\r\n");
	(void)io_flush(s->io);
	if (imap_parse_want_line(s->parser) == -1) {
		if (ifd != -1)
			close(ifd);
		return imap_resp(s, NULL, "Internal error"), IMAP_BAD;
	}
	for (;;) {
		/* A DONE may already be buffered. */
		if (s->io->in.len > 0) {
			r = imap_parse_feed(s->parser, s->io->in.p,
			    s->io->in.len, &used);
			buf_consume(&s->io->in, used);
			if (r == IMAP_PARSE_LINE) {
				line = imap_parse_line(s->parser, &len);
				if (ifd != -1)
					close(ifd);
				if (len == 4 && strncasecmp(line, "DONE",
				    4) == 0) {
					imap_resp(s, NULL, "Idle completed.");
					return IMAP_OK;
				}
				imap_resp(s, NULL, "Expected DONE");
				return IMAP_BAD;
			}
			if (r != IMAP_PARSE_NEED_MORE) {
				if (ifd != -1)
					close(ifd);
				(void)imap_printf(s, "* BYE Line too long\r\n");
				return IMAP_FATAL;
			}
		}
		now = time(NULL);
		if (now - start >= IMAP_IDLE_MAX_SEC) {
			if (ifd != -1)
				close(ifd);
			(void)imap_printf(s, "* BYE IDLE lasted too long; "
			    "idle again\r\n");
			return IMAP_QUIET;
		}
		timeout = ifd == -1 ? IMAP_IDLE_POLL_SEC :
		    IMAP_IDLE_KEEPALIVE_SEC;
		pfd[0].fd = s->io->rfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ifd;
		pfd[1].events = POLLIN;
		rc = poll(pfd, ifd == -1 ? 1 : 2, timeout * 1000);
		if (rc == -1 && errno != EINTR)
			break;
		if (rc > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			rc = io_fill(s->io, 0);
			if (rc == IO_EOF || rc == IO_ERR || rc == IO_TOOLONG)
				break;
			continue;
		}
		if (ifd != -1 && rc > 0 && (pfd[1].revents & POLLIN)) {
			while (read(ifd, evbuf, sizeof(evbuf)) > 0)
				;
		}
		if (imap_sync(s, 1) == -1) {
			if (ifd != -1)
				close(ifd);
			(void)imap_printf(s, "* BYE Mailbox UIDVALIDITY "
			    "changed\r\n");
			return IMAP_QUIET;
		}
		now = time(NULL);
		if (now - last_ka >= IMAP_IDLE_KEEPALIVE_SEC) {
			(void)imap_printf(s, "* OK Still here\r\n");
			last_ka = now;
		}
		if (io_flush(s->io) == -1)
			break;
	}
	if (ifd != -1)
		close(ifd);
	s->state = IMAP_STATE_LOGOUT;
	return IMAP_QUIET;
}

/* ------------------------------------------------------------------ */
/* Command table and the loop                                           */

enum { ST_AUTH = 1, ST_SELECTED = 2 };
#define CMD_UID		0x01	/* also as UID <cmd> */
#define CMD_NOEXPUNGE	0x02	/* no EXPUNGE responses after it (7.4.1) */

static const struct imap_cmd {
	const char	*name;
	int		 states;
	int		 flags;
	imap_handler	*fn;
} imap_cmds[] = {
	{ "CAPABILITY",	ST_AUTH | ST_SELECTED, 0, cmd_capability },
	{ "NOOP",	ST_AUTH | ST_SELECTED, 0, cmd_noop },
	{ "LOGOUT",	ST_AUTH | ST_SELECTED, 0, cmd_logout },
	{ "ID",		ST_AUTH | ST_SELECTED, 0, cmd_id },
	{ "ENABLE",	ST_AUTH | ST_SELECTED, 0, cmd_enable },
	{ "NAMESPACE",	ST_AUTH | ST_SELECTED, 0, cmd_namespace },
	{ "SELECT",	ST_AUTH | ST_SELECTED, 0, cmd_select },
	{ "EXAMINE",	ST_AUTH | ST_SELECTED, 0, cmd_examine },
	{ "CREATE",	ST_AUTH | ST_SELECTED, 0, imap_cmd_create },
	{ "DELETE",	ST_AUTH | ST_SELECTED, 0, imap_cmd_delete },
	{ "RENAME",	ST_AUTH | ST_SELECTED, 0, imap_cmd_rename },
	{ "SUBSCRIBE",	ST_AUTH | ST_SELECTED, 0, imap_cmd_subscribe },
	{ "UNSUBSCRIBE", ST_AUTH | ST_SELECTED, 0, imap_cmd_unsubscribe },
	{ "LIST",	ST_AUTH | ST_SELECTED, 0, imap_cmd_list },
	{ "LSUB",	ST_AUTH | ST_SELECTED, 0, imap_cmd_lsub },
	{ "STATUS",	ST_AUTH | ST_SELECTED, 0, imap_cmd_status },
	{ "GETQUOTA",	ST_AUTH | ST_SELECTED, 0, cmd_getquota },
	{ "GETQUOTAROOT", ST_AUTH | ST_SELECTED, 0, cmd_getquotaroot },
	{ "SETQUOTA",	ST_AUTH | ST_SELECTED, 0, cmd_setquota },
	{ "IDLE",	ST_AUTH | ST_SELECTED, 0, cmd_idle },
	{ "CHECK",	ST_SELECTED, 0, cmd_check },
	{ "CLOSE",	ST_SELECTED, 0, cmd_close },
	{ "UNSELECT",	ST_SELECTED, 0, cmd_unselect },
	{ "EXPUNGE",	ST_SELECTED, CMD_UID, imap_cmd_expunge },
	{ "SEARCH",	ST_SELECTED, CMD_UID | CMD_NOEXPUNGE, imap_cmd_search },
	{ "FETCH",	ST_SELECTED, CMD_UID | CMD_NOEXPUNGE, imap_cmd_fetch },
	{ "STORE",	ST_SELECTED, CMD_UID | CMD_NOEXPUNGE, imap_cmd_store },
	{ "COPY",	ST_SELECTED, CMD_UID, imap_cmd_copy },
	{ "MOVE",	ST_SELECTED, CMD_UID, imap_cmd_move },
	{ "LOGIN",	ST_AUTH | ST_SELECTED, 0, cmd_already },
	{ "AUTHENTICATE", ST_AUTH | ST_SELECTED, 0, cmd_already },
	{ "STARTTLS",	ST_AUTH | ST_SELECTED, 0, cmd_already },
};

static const struct imap_cmd *
imap_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(imap_cmds) / sizeof(imap_cmds[0]); i++)
		if (strcmp(imap_cmds[i].name, name) == 0)
			return &imap_cmds[i];
	return NULL;
}

static void
imap_tagged(struct imap_session *s, const char *tag, enum imap_result r)
{
	static const char *const word[] = { "OK", "NO", "BAD" };

	if (r == IMAP_QUIET)
		return;
	if (r == IMAP_FATAL) {
		(void)imap_printf(s, "* BYE %s\r\n", s->text);
		return;
	}
	if (s->code[0] != '\0')
		(void)imap_printf(s, "%s %s [%s] %s\r\n", tag ? tag : "*",
		    word[r], s->code, s->text);
	else
		(void)imap_printf(s, "%s %s %s\r\n", tag ? tag : "*", word[r],
		    s->text);
}

/* Run one parsed command. */
static enum imap_result
imap_dispatch(struct imap_session *s, const char *name,
    const struct imap_arg *a, size_t n)
{
	const struct imap_cmd *c;
	int uid = 0, st;
	enum imap_result r;
	const char *sub;

	s->code[0] = s->text[0] = '\0';
	if (name == NULL)	/* the parser always gives one; never trust */
		return imap_resp(s, NULL, "Missing command"), IMAP_BAD;
	if (strcmp(name, "UID") == 0) {
		if (n < 1 || imap_arg_get_atom(&a[0], &sub) == -1)
			return imap_resp(s, NULL, "UID needs a command"),
			    IMAP_BAD;
		uid = 1;
		name = sub;
		a++;
		n--;
	}
	if ((c = imap_cmd_find(name)) == NULL && uid) {
		char up[32];
		size_t i;

		for (i = 0; i + 1 < sizeof(up) && name[i]; i++)
			up[i] = (char)((name[i] >= 'a' && name[i] <= 'z') ?
			    name[i] - 32 : name[i]);
		up[i] = '\0';
		c = imap_cmd_find(up);
	}
	if (c == NULL || (uid && !(c->flags & CMD_UID)))
		return imap_resp(s, NULL, "Unknown command"), IMAP_BAD;
	st = s->state == IMAP_STATE_SELECTED ? ST_SELECTED : ST_AUTH;
	if (!(c->states & st))
		return imap_resp(s, NULL, "No mailbox selected"), IMAP_BAD;
	r = c->fn(s, a, n, uid);
	buf_reset(&s->scratch);
	/* Report what changed meanwhile before the tagged answer; never
	 * EXPUNGE after FETCH, STORE or SEARCH by number (RFC 3501 sec.
	 * 7.4.1). */
	if (s->state == IMAP_STATE_SELECTED && r != IMAP_FATAL &&
	    r != IMAP_QUIET &&
	    imap_sync(s, uid || !(c->flags & CMD_NOEXPUNGE)) == -1) {
		imap_resp(s, NULL, "Mailbox UIDVALIDITY changed; please "
		    "reconnect");
		return IMAP_FATAL;
	}
	return r;
}

/* A command whose literal is an APPEND message streamed to tmp/. */
static int
imap_is_append(struct imap_session *s)
{
	const char *cmd = imap_parse_command(s->parser);

	return cmd != NULL && strcmp(cmd, "APPEND") == 0;
}

int
imap_session_run(struct io *io, const struct imap_start *st)
{
	struct imap_session sess, *s = &sess;
	struct imap_parse_limits lim;
	struct imap_append ap;
	const struct imap_arg *a;
	const struct imap_parse_chunk *ch;
	enum imap_parse_result r;
	enum imap_result res;
	const char *tag, *cmd, *err;
	char tagbuf[LB_IMAP_TAG_MAX + 1];
	struct buf caps;
	size_t used, n;
	int fatal, rc, status = 0;

	memset(s, 0, sizeof(*s));
	memset(&ap, 0, sizeof(ap));
	s->io = io;
	s->conf = st->conf;
	s->user = st->user;
	s->rip = st->rip;
	s->rootfd = st->rootfd;
	s->tls = st->tls;
	s->preauth = st->tag == NULL;
	s->state = IMAP_STATE_AUTH;
	buf_init(&s->scratch, LB_OUTBUF_MAX);
	imap_parse_limits_default(&lim);
	lim.stream_append = 1;
	/* LITERAL+ after login: {N+} up to the literal bounds. */
	lim.nonsync_max = 0;
	if ((s->parser = imap_parse_new(&lim)) == NULL) {
		(void)imap_printf(s, "* BYE Out of memory\r\n");
		return 1;
	}
	(void)imap_special_create(s);
	buf_init(&caps, 4096);
	imap_capabilities(&caps);
	(void)buf_cstr(&caps);
	if (s->preauth)
		(void)imap_printf(s, "* PREAUTH [CAPABILITY %s] Logged in as "
		    "%s\r\n", caps.p, s->user);
	else
		(void)imap_printf(s, "%s OK [CAPABILITY %s] Logged in\r\n",
		    st->tag, caps.p);
	buf_free(&caps);

	for (;;) {
		if (io->in.len == 0) {
			if (io_flush(io) == -1)
				break;
			rc = io_fill(io, (int)s->conf->idle_timeout);
			if (rc == IO_TIMEOUT) {
				(void)imap_printf(s, "* BYE Autologout; idle "
				    "for too long\r\n");
				break;
			}
			if (rc != IO_OK)
				break;
		}
		r = imap_parse_feed(s->parser, io->in.p, io->in.len, &used);
		if (r == IMAP_PARSE_LITERAL_DATA) {
			ch = imap_parse_chunk(s->parser);
			if (ch->offset == 0 && !ap.started && !ap.failed) {
				a = imap_parse_args(s->parser, &n);
				if (imap_append_target(s, a, n, &ap) == -1) {
					/* RFC 7888 sec. 4: refuse now; the
					 * parser discards the rest. */
					(void)imap_parse_literal_reject(
					    s->parser);
					imap_tagged(s, imap_parse_tag(
					    s->parser), IMAP_NO);
					ap.failed = 0;
					buf_consume(&io->in, used);
					continue;
				}
			} else if (ch->offset == 0 && ap.chunks > 0) {
				/* A second message: MULTIAPPEND. */
				md_deliver_abort(&ap.d);
				(void)imap_parse_literal_reject(s->parser);
				imap_resp(s, NULL, "Only one message per "
				    "APPEND");
				imap_tagged(s, imap_parse_tag(s->parser),
				    IMAP_BAD);
				memset(&ap, 0, sizeof(ap));
				buf_consume(&io->in, used);
				continue;
			}
			ap.chunks++;
			if (ap.d != NULL && ap.err == 0 && ch->len > 0 &&
			    (rc = md_deliver_write(ap.d, ch->data,
			    ch->len)) != MD_OK)
				ap.err = rc;
			buf_consume(&io->in, used);
			continue;
		}
		buf_consume(&io->in, used);
		switch (r) {
		case IMAP_PARSE_NEED_MORE:
			continue;
		case IMAP_PARSE_LITERAL_CONTINUE:
			if (imap_is_append(s) && !ap.started) {
				a = imap_parse_args(s->parser, &n);
				if (imap_append_target(s, a, n, &ap) == -1) {
					(void)imap_parse_literal_reject(
					    s->parser);
					imap_tagged(s, imap_parse_tag(
					    s->parser), IMAP_NO);
					continue;
				}
			}
			(void)imap_printf(s, "+ Ready for literal data\r\n");
			(void)io_flush(io);
			continue;
		case IMAP_PARSE_LITERAL_TOO_BIG:
			err = imap_parse_error(s->parser, &fatal);
			md_deliver_abort(&ap.d);
			memset(&ap, 0, sizeof(ap));
			if (fatal) {
				(void)imap_printf(s, "* BYE %s\r\n", err);
				goto out;
			}
			imap_resp(s, "TOOBIG", "%s", err);
			imap_tagged(s, imap_parse_tag(s->parser),
			    imap_is_append(s) ? IMAP_NO : IMAP_BAD);
			continue;
		case IMAP_PARSE_ERROR:
			err = imap_parse_error(s->parser, &fatal);
			md_deliver_abort(&ap.d);
			memset(&ap, 0, sizeof(ap));
			if (fatal) {
				(void)imap_printf(s, "* BYE %s\r\n", err);
				goto out;
			}
			imap_resp(s, "CLIENTBUG", "%s", err);
			s->code[0] = '\0';
			imap_tagged(s, imap_parse_tag(s->parser), IMAP_BAD);
			continue;
		case IMAP_PARSE_LINE:
			/* Only IDLE asks for raw lines; it reads its own. */
			continue;
		case IMAP_PARSE_DONE:
			break;
		default:
			continue;
		}
		/* Our copy: IDLE reads raw lines, reusing parser memory. */
		(void)snprintf(tagbuf, sizeof(tagbuf), "%s",
		    imap_parse_tag(s->parser) ? imap_parse_tag(s->parser) : "*");
		tag = tagbuf;
		cmd = imap_parse_command(s->parser);
		a = imap_parse_args(s->parser, &n);
		if (cmd != NULL && strcmp(cmd, "APPEND") == 0) {
			s->code[0] = s->text[0] = '\0';
			if (!ap.started) {
				/* No message literal arrived. */
				if (imap_append_target(s, a, n, &ap) == 0) {
					md_deliver_abort(&ap.d);
					imap_resp(s, NULL, "APPEND needs a "
					    "message");
				}
				res = IMAP_BAD;
			} else if (ap.err != 0) {
				md_deliver_abort(&ap.d);
				imap_resp(s, imap_append_code(ap.err), "Cannot"
				    " store the message: %s",
				    md_strerror(ap.err));
				res = IMAP_NO;
			} else
				res = imap_append_finish(s, a, n, &ap);
			memset(&ap, 0, sizeof(ap));
			if (s->state == IMAP_STATE_SELECTED &&
			    imap_sync(s, 1) == -1) {
				imap_resp(s, NULL, "UIDVALIDITY changed");
				res = IMAP_FATAL;
			}
		} else
			res = imap_dispatch(s, cmd, a, n);
		imap_tagged(s, tag, res);
		if (res == IMAP_FATAL || s->state == IMAP_STATE_LOGOUT)
			break;
	}
out:
	(void)io_flush(io);
	md_deliver_abort(&ap.d);
	log_info("logout: user=%s rip=%s append=%llu in=%llu out=%llu",
	    s->user, s->rip, (unsigned long long)s->n_append,
	    (unsigned long long)io->bytes_in,
	    (unsigned long long)io->bytes_out);
	imap_close_mailbox(s);
	imap_parse_free(&s->parser);
	buf_free(&s->scratch);
	return status;
}
