/*
 * common/limits.h -- every bound on untrusted input, in one place, with the
 * reason for its value.  Included by all programs and every process role.
 * Where one limit depends on another, _Static_assert says so.
 */
#ifndef LB_LIMITS_H
#define LB_LIMITS_H

/* POP3: RFC 2449 sec. 4 allows 255 octets for a command line; we accept a
 * little more for AUTH PLAIN initial responses (RFC 5034 lines can be long). */
#define LB_POP3_LINE_MAX	2048
/* IMAP command line, literals excluded (RFC 7162 sec. 4 recommends >= 8192). */
#define LB_IMAP_LINE_MAX	65536
/* Bytes a client may send us that we have not consumed yet (input buffer). */
#define LB_INBUF_MAX		(LB_IMAP_LINE_MAX + 4096)
/* Output we buffer before we insist the client reads (write timeout applies). */
#define LB_OUTBUF_MAX		(256 * 1024)
/* User names and passwords accepted at login (PAM gets nothing longer). */
#define LB_USER_MAX		128
#define LB_PASS_MAX		512
/* SASL PLAIN: authzid NUL authcid NUL passwd, base64 encoded (RFC 4616). */
#define LB_SASL_MAX		(4 * ((LB_USER_MAX * 2 + LB_PASS_MAX + 2 + 2) / 3) + 4)
/* Failed logins before the connection is closed (issue 2: after 3). */
#define LB_AUTH_FAILS_MAX	3
/* Idle time before login: RFC 1939 sec. 3 requires >= 10 min after login
 * only; before login we are stricter to shed idle scanners. */
#define LB_PRELOGIN_IDLE_SEC	60
/* POP3 autologout timer, RFC 1939 sec. 3: at least 10 minutes. */
#define LB_POP3_IDLE_SEC	600
/* A client that does not read its output for this long is dropped. */
#define LB_WRITE_TIMEOUT_SEC	120
/* One framed message between processes (auth/monitor channel). */
#define LB_CHAN_MSG_MAX		(LB_INBUF_MAX + 1024)
/* Log lines: untrusted text is escaped and cut at this length. */
#define LB_LOG_LINE_MAX		1024

/* IMAP command parser (imap/parse.c).  A command is its lines (literals
 * excluded) plus the literals it holds in memory. */
/* Tags are echoed in every response; RFC 3501 sets no bound, clients use
 * short counters ("A0042") or at most a UUID. */
#define LB_IMAP_TAG_MAX		128
/* Longest command name we know is 12 ("AUTHENTICATE", "GETQUOTAROOT");
 * anything longer is surely not a command. */
#define LB_IMAP_CMDNAME_MAX	32
/* Arguments of one command, every atom, string and list counted (nested
 * ones too).  A sequence set is one atom, bounded by the line length. */
#define LB_IMAP_ARGS_MAX	10000
/* Nesting of ( and [ in one command.  SEARCH with NOT/OR parentheses is the
 * deepest real client use (a handful); deeper is an attack on recursion. */
#define LB_IMAP_DEPTH_MAX	64
/* One literal outside an APPEND message: passwords, mailbox names, SEARCH
 * strings.  Also the default for APPEND before login. */
#define LB_IMAP_LITERAL_MAX	(64 * 1024)
/* RFC 7888 sec. 5 (LITERAL-): a non-synchronizing literal is at most 4096. */
#define LB_IMAP_NONSYNC_MAX	4096
/* One APPEND message (the APPENDLIMIT we advertise, RFC 7889). */
#define LB_IMAP_APPEND_MAX	(50UL * 1024 * 1024)
/* Bytes of oversized {N+} literals we read and throw away in one command
 * (RFC 7888 sec. 4, choice 1) before we prefer BYE (choice 2). */
#define LB_IMAP_SWALLOW_MAX	(64UL * 1024 * 1024)
/* One command held in memory: all its lines plus its in-memory literals
 * (an APPEND message streamed to disk does not count). */
#define LB_IMAP_COMMAND_MAX	(1024 * 1024)

/* Maildir */
#define LB_MAILDIR_NAME_MAX	255	/* one file name (NAME_MAX) */
#define LB_MAILDIR_PATH_MAX	1024
#define LB_FOLDER_MSGS_MAX	1000000	/* messages in one folder */
#define LB_MESSAGE_MAX		(256UL * 1024 * 1024) /* one message, bytes */
#define LB_UIDLIST_LINE_MAX	4096
#define LB_UIDLIST_LOCK_STALE_SEC 120	/* lock older than this is broken */
#define LB_UIDLIST_LOCK_WAIT_SEC  30	/* give up waiting for the lock */
#define LB_MAILDIRSIZE_MAX	(64 * 1024) /* Maildir++ recalculates above 5120 */
#define LB_DELIVER_TMP_TRIES	10	/* unique tmp/ name attempts */
#define LB_TMP_STALE_SEC	(36 * 3600) /* qmail: tmp/ files older than 36 h */

/* Config file */
#define LB_CONF_LINE_MAX	1024
#define LB_CONF_SIZE_MAX	(64 * 1024)

_Static_assert(LB_POP3_LINE_MAX <= LB_INBUF_MAX, "a POP3 line must fit the input buffer");
_Static_assert(LB_IMAP_LINE_MAX <= LB_INBUF_MAX, "an IMAP line must fit the input buffer");
_Static_assert(LB_INBUF_MAX + 64 <= LB_CHAN_MSG_MAX, "leftover input must fit one channel message");
_Static_assert(LB_SASL_MAX <= LB_IMAP_LINE_MAX, "a SASL response must fit an IMAP line");

_Static_assert(LB_IMAP_LINE_MAX <= LB_IMAP_COMMAND_MAX, "a command holds at least one full line");
_Static_assert(LB_IMAP_LITERAL_MAX <= LB_IMAP_COMMAND_MAX, "a literal must fit the command it belongs to");
_Static_assert(LB_IMAP_NONSYNC_MAX <= LB_IMAP_LITERAL_MAX, "LITERAL- bound is below the literal bound");
_Static_assert(LB_IMAP_TAG_MAX + LB_IMAP_CMDNAME_MAX + 2 < LB_IMAP_LINE_MAX, "tag and command fit a line");
_Static_assert(LB_IMAP_APPEND_MAX <= LB_MESSAGE_MAX, "APPENDLIMIT is below the message bound");
_Static_assert(LB_IMAP_APPEND_MAX <= LB_IMAP_SWALLOW_MAX, "an oversized {N+} APPEND near the limit is swallowed, not BYE");
_Static_assert(LB_IMAP_ARGS_MAX < 0x7fffffff && LB_IMAP_DEPTH_MAX < 256, "parser node indexes are int32_t");

#endif
