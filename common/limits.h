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
/* IMAP tag length (RFC 3501 tag is an atom; we cap it). */
#define LB_TAG_MAX		64
/* Failed logins before the connection is closed (issue 2: after 3). */
#define LB_AUTH_FAILS_MAX	3
/* Idle time before login: RFC 1939 sec. 3 requires >= 10 min after login
 * only; before login we are stricter to shed idle scanners. */
#define LB_PRELOGIN_IDLE_SEC	60
/* Before login a client gets this many commands and this much time in
 * all, however busy it keeps the idle timer (slow-drip clients would
 * otherwise hold a root monitor and a network child forever). */
#define LB_PRELOGIN_CMDS_MAX	100
#define LB_PRELOGIN_TOTAL_SEC	300	/* default of prelogin_total */
/* POP3 autologout timer, RFC 1939 sec. 3: at least 10 minutes. */
#define LB_POP3_IDLE_SEC	600
/* A client that does not read its output for this long is dropped. */
#define LB_WRITE_TIMEOUT_SEC	120	/* default of write_timeout */
/* One framed message between processes (auth/monitor channel). */
#define LB_CHAN_MSG_MAX		(LB_INBUF_MAX + 4096)
/* Lines a confined child may log per connection (a flood is cut). */
#define LB_CHILD_LOG_MAX	10000
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
/* Keywords: one 64-bit mask per message in memory; Dovecot's Maildir can
 * name only 26 per folder, so 64 is generous.  A keyword is an IMAP atom. */
#define LB_FOLDER_KEYWORDS_MAX	64
#define LB_KEYWORD_MAX		64	/* bytes in one keyword name */
/* Maildir++ spec: recalculate when maildirsize grows over 5120 bytes, or
 * when it says "over quota" and is older than 15 minutes. */
#define LB_MAILDIRSIZE_RECALC	5120
#define LB_QUOTA_RECALC_AGE_SEC	(15 * 60)
/* Entries of tmp/ looked at per delivery for the 36 h clean-up. */
#define LB_TMP_SWEEP_MAX	256
/* Bytes of the (escaped) host name in unique names. */
#define LB_UNIQUE_HOST_MAX	64
/* Directory scans repeated when the directory changed while we read it. */
#define LB_SCAN_RETRIES		4
/* maildir-deliver: bytes of one header field kept for the Delivered-To
 * loop check (a longer field cannot match an address of LB_ADDRESS_MAX). */
#define LB_ADDRESS_MAX		512
#define LB_HEADER_FIELD_MAX	(LB_ADDRESS_MAX + 64)

/* Folders of one Maildir (".Name" directories at the root) that LIST,
 * RENAME and quota recalculation will look at: far above any real user
 * (Thunderbird users with a few hundred are "many"), low enough that a LIST
 * with implied parents and STATUS stays within the session's memory. */
#define LB_FOLDERS_MAX		5000
/* Names in the subscriptions file; the file itself is read whole, so it
 * is bounded by that many names of at most NAME_MAX bytes each. */
#define LB_SUBSCRIPTIONS_MAX	LB_FOLDERS_MAX
#define LB_SUBSCRIPTIONS_FILE_MAX (LB_SUBSCRIPTIONS_MAX * (LB_MAILDIR_NAME_MAX + 8))
/* Directory nesting removed by DELETE inside one folder (Maildir has two
 * levels: tmp/new/cur and their files; Courier/Dovecot add one more). */
#define LB_RMTREE_DEPTH		8
/* Names one LIST considers: folders, subscriptions, and the implied
 * parents of both (a folder "a.b.c" implies "a" and "a.b"). */
#define LB_LIST_NAMES_MAX	65536
/* Patterns in one LIST (RFC 5258 sec. 3: "(p1 p2 ...)"). */
#define LB_LIST_PATTERNS_MAX	64

/* Text decoding (common/charset.c, common/decode.c) */
/* A charset name (MIME parameter, RFC 2047 word, SEARCH CHARSET); the IANA
 * registry's longest name is 45 characters. */
#define LB_CHARSET_NAME_MAX	64

/* Config file */
#define LB_CONF_LINE_MAX	1024
#define LB_CONF_SIZE_MAX	(64 * 1024)

/*
 * Message/MIME parser (common/mime.c) and FETCH data (imap/bodystruct.c,
 * imap/section.c).  A stored message is served byte for byte whatever its
 * shape: these bounds cap the work spent *interpreting* it (and the stack),
 * never the bytes served.  Crossing one makes the part opaque (served as
 * application/octet-stream) or the field uninterpreted, never truncated.
 */
/* Nesting of multipart and message/rfc822 levels that we interpret; a part
 * deeper than this is an opaque leaf.  BODYSTRUCTURE output recurses once
 * per level, so this also bounds that recursion. */
#define LB_MIME_DEPTH_MAX	32
/* Parts (tree nodes, the message itself included) per message. */
#define LB_MIME_PARTS_MAX	10000
/* Header fields per part that are looked at for Content-* and ENVELOPE;
 * fields beyond are still served by BODY[HEADER] and HEADER.FIELDS. */
#define LB_MIME_FIELDS_MAX	10000
/* One header field (unfolded) that is interpreted: a longer Content-*,
 * Subject or address field is treated as absent.  The line itself may be
 * any length: the parser never copies a line, it only scans it. */
#define LB_MIME_FIELD_MAX	(256 * 1024)
/* Parameters kept per Content-Type or Content-Disposition field, counting
 * RFC 2231 continuation segments before they are joined. */
#define LB_MIME_PARAMS_MAX	128
/* RFC 2046 sec. 5.1.1 allows 70 characters; we accept longer ones seen in
 * the wild, up to this. */
#define LB_MIME_BOUNDARY_MAX	256
/* Addresses per ENVELOPE field (From, To, ...): the rest are dropped. */
#define LB_ENVELOPE_ADDRS_MAX	10000
/* Part numbers in one FETCH section spec ("1.2.3"): each level of nesting
 * takes at most two (a message/rfc822 part, then part 1 of its
 * non-multipart body). */
#define LB_IMAP_SECTION_PARTS_MAX (2 * (LB_MIME_DEPTH_MAX + 1))

/* SEARCH (imap/search.c).  Keys nest through NOT, OR and parentheses;
 * clients build OR chains one level per alternative ("OR OR OR a b c d"),
 * so this is above the parser's parenthesis bound, yet keeps the
 * recursive parse and evaluation shallow. */
#define LB_SEARCH_DEPTH_MAX	256
/* Bytes of one message read for header, BODY and TEXT keys: text parts
 * after the first 16 MiB of a message are not searched, so one huge
 * message cannot stall the session (nor cost more memory than this). */
#define LB_SEARCH_READ_MAX	(16UL * 1024 * 1024)

/* FETCH (imap/fetch.c): a message is read into memory (and parsed) only
 * up to this size; a bigger one is still served whole (BODY[], RFC822,
 * RFC822.SIZE) by streaming it from its file, but items that need its
 * MIME structure get NO [LIMIT].  64 MiB keeps a session, with its parse
 * and one response, well inside the default session_memory_mb (512). */
#define LB_FETCH_MEM_MAX	(64UL * 1024 * 1024)

_Static_assert(LB_POP3_LINE_MAX <= LB_INBUF_MAX, "a POP3 line must fit the input buffer");
_Static_assert(LB_IMAP_LINE_MAX <= LB_INBUF_MAX, "an IMAP line must fit the input buffer");
_Static_assert(LB_INBUF_MAX + 64 <= LB_CHAN_MSG_MAX, "leftover input must fit one channel message");
_Static_assert(LB_INBUF_MAX + LB_TAG_MAX + LB_USER_MAX + LB_MAILDIR_PATH_MAX + 64 <= LB_CHAN_MSG_MAX,
    "the session start message (leftover, tag, user, home) must fit one channel message");
_Static_assert(LB_MAILDIRSIZE_RECALC <= LB_MAILDIRSIZE_MAX, "maildirsize is read whole before the recalculation test");
_Static_assert(LB_FOLDER_KEYWORDS_MAX <= 64, "keywords are a uint64_t mask");
_Static_assert(LB_UNIQUE_HOST_MAX + 128 <= LB_MAILDIR_NAME_MAX, "a unique name plus S=, W= and flags must fit NAME_MAX");
_Static_assert(LB_SASL_MAX <= LB_IMAP_LINE_MAX, "a SASL response must fit an IMAP line");
_Static_assert(LB_MIME_DEPTH_MAX < LB_MIME_PARTS_MAX, "every nesting level needs a part");
_Static_assert(LB_MIME_BOUNDARY_MAX + 4 < LB_MIME_FIELD_MAX, "a boundary comes from an interpreted field");

_Static_assert(2 * LB_FOLDERS_MAX <= LB_LIST_NAMES_MAX, "every folder and subscription fits one LIST");
_Static_assert(LB_IMAP_LINE_MAX <= LB_IMAP_COMMAND_MAX, "a command holds at least one full line");
_Static_assert(LB_IMAP_LITERAL_MAX <= LB_IMAP_COMMAND_MAX, "a literal must fit the command it belongs to");
_Static_assert(LB_IMAP_NONSYNC_MAX <= LB_IMAP_LITERAL_MAX, "LITERAL- bound is below the literal bound");
_Static_assert(LB_IMAP_TAG_MAX + LB_IMAP_CMDNAME_MAX + 2 < LB_IMAP_LINE_MAX, "tag and command fit a line");
_Static_assert(LB_IMAP_APPEND_MAX <= LB_FETCH_MEM_MAX, "every APPENDed message can be parsed by FETCH");
_Static_assert(LB_FETCH_MEM_MAX <= LB_MESSAGE_MAX, "FETCH memory bound is below the message bound");
_Static_assert(LB_IMAP_APPEND_MAX <= LB_MESSAGE_MAX, "APPENDLIMIT is below the message bound");
_Static_assert(LB_IMAP_APPEND_MAX <= LB_IMAP_SWALLOW_MAX, "an oversized {N+} APPEND near the limit is swallowed, not BYE");
_Static_assert(LB_SEARCH_DEPTH_MAX >= LB_IMAP_DEPTH_MAX, "every parenthesised search the parser accepts can be evaluated");
_Static_assert(LB_SEARCH_READ_MAX <= LB_MESSAGE_MAX, "a search reads at most one message");
_Static_assert(LB_IMAP_ARGS_MAX < 0x7fffffff && LB_IMAP_DEPTH_MAX < 256, "parser node indexes are int32_t");

#endif
