/*
 * imap/parse.h -- resumable parser of one IMAP client command (RFC 3501
 * sec. 9, RFC 9051, LITERAL+/LITERAL- of RFC 7888) into a tree of
 * arguments.  No I/O: the caller feeds the bytes it received and sends the
 * responses the results ask for.  Runs in the unprivileged session process.
 *
 * Use:
 *
 *	for (;;) {
 *		r = imap_parse_feed(p, in.p, in.len, &used);
 *		buf_consume(&in, used);	(after using any LITERAL_DATA chunk)
 *		switch (r) {
 *		case IMAP_PARSE_NEED_MORE: read more into in; break;
 *		case IMAP_PARSE_LITERAL_CONTINUE: send "+ Ready"; break;
 *		case IMAP_PARSE_LITERAL_DATA: write imap_parse_chunk(p); break;
 *		case IMAP_PARSE_DONE: run imap_parse_command(p); break;
 *		...
 *
 * NEED_MORE always consumes everything it was given (a partial line is
 * copied inside the parser, bounded by LB_IMAP_LINE_MAX).  DONE, ERROR and
 * LITERAL_TOO_BIG (non-fatal) are returned exactly at the end of a command:
 * `used` then tells where the next command starts, and the parser holds
 * no byte of it (STARTTLS checks the caller's leftover, STYLE 2.6).
 *
 * Errors in the middle of a command: the parser skips to its end first
 * (swallowing the non-synchronizing literals announced at the end of the
 * bad line and of the lines that follow them, RFC 7888 sec. 3) and then
 * reports the error, so that the response comes in order and the next
 * bytes are a new command.  A synchronizing literal {N} announced in a bad
 * line ends the command there: the client waits for "+" and gets BAD.
 *
 * FETCH sections.  In FETCH and UID FETCH only, an atom that contains '['
 * takes everything up to the matching ']' and the atom characters after it
 * ("<0.1024>"): BODY.PEEK[HEADER.FIELDS (From To)]<0.1024> is one ATOM
 * argument with IMAP_ARGF_SECTION whose str is the raw text as sent and
 * whose list holds the arguments inside the brackets (here the atom
 * HEADER.FIELDS and the list (From To)).  imap_arg_get_section() splits it.
 * Literals inside brackets are refused (no client sends them).  In every
 * other command '[' and ']' are plain atom characters ("[Gmail]/Sent").
 */
#ifndef LB_IMAP_PARSE_H
#define LB_IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct imap_parser;

enum imap_parse_result {
	/* Everything given was consumed; feed more bytes. */
	IMAP_PARSE_NEED_MORE = 0,
	/* A whole command is available (tag, command, args). */
	IMAP_PARSE_DONE,
	/* The command was bad.  imap_parse_error() says why and whether the
	 * connection must be closed (then: "* BYE", close; every later feed
	 * returns the same).  Otherwise answer "tag BAD msg" (or "* BAD msg"
	 * when imap_parse_tag() is NULL). */
	IMAP_PARSE_ERROR,
	/* A synchronizing literal {N} was announced and fits the limits.
	 * Send "+ Ready for literal data" (or call imap_parse_literal_reject()
	 * and answer NO/BAD), then keep feeding.  The args so far and the
	 * announced literal (last arg, str NULL) can be inspected now. */
	IMAP_PARSE_LITERAL_CONTINUE,
	/* A literal exceeded its limit.  Synchronizing: nothing was sent by
	 * the client, do not send "+"; the command is over.  Non-synchronizing:
	 * its bytes and the rest of the command were read and discarded.
	 * Answer "tag NO [TOOBIG]" (APPEND) or "tag BAD [TOOBIG]".  Fatal (see
	 * imap_parse_error()) when a {N+} was above the swallow limit. */
	IMAP_PARSE_LITERAL_TOO_BIG,
	/* A chunk of a streamed APPEND literal: see imap_parse_chunk().  The
	 * chunk points into the caller's data, consumed already. */
	IMAP_PARSE_LITERAL_DATA,
	/* After imap_parse_want_line(): one raw line is available. */
	IMAP_PARSE_LINE,
};

struct imap_parse_limits {
	uint64_t literal_max;	/* one literal other than an APPEND message */
	uint64_t append_max;	/* one APPEND message literal (APPENDLIMIT) */
	uint64_t nonsync_max;	/* one {N+}: 4096 for LITERAL-, 0: no extra
				 * bound beyond the above (LITERAL+) */
	uint64_t swallow_max;	/* {N+} bytes discarded per command before
				 * the error becomes fatal */
	uint64_t command_max;	/* lines + in-memory literals of a command */
	int	 stream_append;	/* APPEND messages as LITERAL_DATA events */
};

/*
 * An APPEND message literal is a literal at the top level of APPEND that
 * is not its first argument (the mailbox): MULTIAPPEND sends several.  It
 * gets append_max instead of literal_max; with stream_append it is not
 * stored but handed out in chunks, and its arg has IMAP_ARGF_STREAMED.
 */

enum imap_arg_type {
	IMAP_ARG_ATOM = 1,	/* also numbers, sequence sets, \Flags */
	IMAP_ARG_NIL,		/* the atom NIL, any case; str keeps it */
	IMAP_ARG_QUOTED,	/* "..." with the escapes removed */
	IMAP_ARG_LITERAL,	/* {N} {N+} ~{N} ~{N+} */
	IMAP_ARG_LIST,		/* ( ... ) */
};

#define IMAP_ARGF_8BIT		0x01	/* a byte >= 0x80 (UTF8=ACCEPT) */
#define IMAP_ARGF_NUL		0x02	/* literal contains NUL */
#define IMAP_ARGF_NONSYNC	0x04	/* literal was {N+} */
#define IMAP_ARGF_LITERAL8	0x08	/* literal was ~{N} (RFC 3516) */
#define IMAP_ARGF_STREAMED	0x10	/* literal content went to chunks */
#define IMAP_ARGF_SECTION	0x20	/* FETCH atom with [...]: see above */
#define IMAP_ARGF_PENDING	0x40	/* literal content not all here yet */

struct imap_arg {
	enum imap_arg_type	 type;
	unsigned int		 flags;		/* IMAP_ARGF_* */
	/* ATOM, NIL, QUOTED, LITERAL: the bytes, NUL-terminated (a literal
	 * may also contain NULs: use len).  NULL for a streamed or pending
	 * literal.  LIST: NULL. */
	const char		*str;
	size_t			 len;		/* literal: its size, always */
	/* LIST and SECTION atoms: the members. */
	const struct imap_arg	*list;
	size_t			 count;
};

/* Fill in the defaults of common/limits.h (stream_append off). */
void	imap_parse_limits_default(struct imap_parse_limits *);

/* A new parser; NULL on ENOMEM.  The limits are copied. */
struct imap_parser *imap_parse_new(const struct imap_parse_limits *);
/* Change the limits (after login: APPENDLIMIT, LITERAL+); they apply to the
 * next literal announced. */
void	imap_parse_set_limits(struct imap_parser *,
	    const struct imap_parse_limits *);
/* Free the parser and everything it holds; *pp becomes NULL. */
void	imap_parse_free(struct imap_parser **pp);

/*
 * Feed len bytes received from the client.  *used_r is set to how many
 * were consumed; feed the rest again (after acting on the result).  Results
 * as in enum imap_parse_result.  Everything the accessors below return
 * stays valid until the next call of imap_parse_feed().
 */
enum imap_parse_result imap_parse_feed(struct imap_parser *,
	    const char *data, size_t len, size_t *used_r);

/* The tag, NULL if the command had none that was valid. */
const char *imap_parse_tag(const struct imap_parser *);
/* The command name in upper case, NULL if not reached.  "UID FETCH" is the
 * command UID with first argument FETCH. */
const char *imap_parse_command(const struct imap_parser *);
/* The arguments after the command name: *count_r of them.  Available after
 * DONE, and after LITERAL_CONTINUE / LITERAL_DATA for the part parsed so
 * far.  NULL (count 0) if there are none or memory is short. */
const struct imap_arg *imap_parse_args(struct imap_parser *, size_t *count_r);
/* After ERROR or LITERAL_TOO_BIG: a short English message (static, no
 * client bytes in it); *fatal_r (may be NULL) is 1 if the connection must
 * close.  NULL if there is no error. */
const char *imap_parse_error(const struct imap_parser *, int *fatal_r);

struct imap_parse_chunk {
	const char	*data;		/* into the data given to feed */
	size_t		 len;		/* may be 0 (for an empty literal) */
	uint64_t	 offset;	/* of data within the literal */
	uint64_t	 size;		/* the literal's announced size */
	int		 last;		/* 1 on the last chunk of the literal */
};
/* After LITERAL_DATA: the chunk.  offset 0 comes first: open the file. */
const struct imap_parse_chunk *imap_parse_chunk(const struct imap_parser *);

/*
 * After LITERAL_CONTINUE or LITERAL_DATA: refuse the literal.  The caller
 * answers the command itself (now: RFC 7888 sec. 4 allows a response before
 * a {N+} has arrived); the parser discards what the client still sends of
 * this command (nothing for a synchronizing literal not yet accepted with
 * "+") and reports nothing more for it.  0, or -1 in any other state.
 */
int	imap_parse_literal_reject(struct imap_parser *);

/*
 * At a command boundary: treat the next line as raw text (AUTHENTICATE
 * responses, IDLE's DONE), returned as IMAP_PARSE_LINE.  Bounded by
 * LB_IMAP_LINE_MAX; no literal processing.  0, or -1 if mid-command.
 */
int	imap_parse_want_line(struct imap_parser *);
/* After LINE: the line without CRLF/LF, NUL-terminated; *len_r its length
 * (it may contain NULs). */
const char *imap_parse_line(const struct imap_parser *, size_t *len_r);

/*
 * Argument helpers for command handlers.  All return 0 on success and -1 if
 * the argument (which may be NULL) does not have that syntax.
 */
/* 1 if arg is an atom equal to word (ASCII case-insensitive), else 0. */
int	imap_arg_is_atom(const struct imap_arg *, const char *word);
/* atom = 1*ATOM-CHAR (7-bit, no atom-specials); NIL counts as an atom. */
int	imap_arg_get_atom(const struct imap_arg *, const char **s_r);
/* astring = 1*ASTRING-CHAR / string.  8-bit bytes are accepted (check
 * IMAP_ARGF_8BIT if UTF8=ACCEPT is off); NUL never. */
int	imap_arg_get_astring(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
/* string = quoted / literal (no NUL). */
int	imap_arg_get_string(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
/* nstring = string / NIL; NIL gives *s_r NULL and *len_r 0. */
int	imap_arg_get_nstring(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
/* number (0..4294967295), nz-number (1..), number64 (0..2^63-1). */
int	imap_arg_get_number(const struct imap_arg *, uint32_t *);
int	imap_arg_get_nz_number(const struct imap_arg *, uint32_t *);
int	imap_arg_get_number64(const struct imap_arg *, uint64_t *);
/* A parenthesised list (possibly empty). */
int	imap_arg_get_list(const struct imap_arg *,
	    const struct imap_arg **list_r, size_t *count_r);
/* flag = "\" atom / atom (keyword).  "\*" and a lone "\" are refused. */
int	imap_arg_get_flag(const struct imap_arg *, const char **s_r);
/* flag-list = "(" [flag *(SP flag)] ")". */
int	imap_arg_get_flag_list(const struct imap_arg *,
	    const struct imap_arg **list_r, size_t *count_r);

struct imap_arg_section {
	const char		*name;		/* "BODY.PEEK" (not terminated) */
	size_t			 namelen;
	const struct imap_arg	*spec;		/* args inside [ ] */
	size_t			 nspec;
	const char		*suffix;	/* after ']': "<0.1024>" or "" */
	size_t			 suffixlen;
};
/* Split a SECTION atom (FETCH only). */
int	imap_arg_get_section(const struct imap_arg *, struct imap_arg_section *);

#endif
