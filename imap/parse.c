/*
 * imap/parse.c -- resumable IMAP command parser (see parse.h).  Runs in the
 * unprivileged, chrooted session process on client bytes; holds no secret
 * beyond what the client sent (LOGIN passwords: the buffers are wiped by
 * buf_free() when released).
 *
 * How it works.  A command is a sequence of "segments": a line up to LF,
 * then, when the line ends with a literal announcement, the literal's bytes,
 * then the next segment, and so on (RFC 3501 sec. 4.3, RFC 7888 sec. 3).
 * Each segment is collected whole (bounded by LB_IMAP_LINE_MAX for all the
 * lines of a command) and then tokenized in one pass without recursion: the
 * open lists live on an explicit stack of LB_IMAP_DEPTH_MAX entries, so
 * 10,000 '(' cost one BAD, not 10,000 stack frames.  The only state that
 * crosses a segment boundary is that stack, the phase (tag, command, args)
 * and what may come next (a token, a close or a separator).
 *
 * Arguments become nodes in one array, their bytes go into a per-command
 * arena (struct buf), both referenced by index, never by pointer, because
 * both may move when they grow.  The public tree of struct imap_arg is built
 * from them on request in O(n) and stays valid until the next feed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/num.h"
#include "imap/parse.h"

/* RFC 9051 number64; a literal size is never bigger. */
#define NUMBER64_MAX	((uint64_t)INT64_MAX)

enum pstate {
	ST_LINE,	/* collecting a segment of the command */
	ST_LITERAL,	/* reading a literal into the arena */
	ST_STREAM,	/* handing a literal out in chunks */
	ST_SWALLOW,	/* discarding skip_left bytes of a literal */
	ST_SKIPLINE,	/* discarding a line of a command being skipped */
	ST_FATAL,	/* the connection must close */
};

enum phase { PH_TAG, PH_ARGS };

enum want {
	W_TOKEN,	/* after SP: an argument must follow */
	W_TOKEN_OR_CLOSE, /* after ( or [ */
	W_SEP,		/* after an argument: SP, ), ] or end of line */
};

enum seg { SEG_END, SEG_LITERAL, SEG_ERROR, SEG_FATAL };

/* Internal pseudo-result: keep going in the feed loop. */
#define RES_LOOP	(-1)

struct node {
	uint8_t		type;		/* enum imap_arg_type */
	uint8_t		flags;		/* IMAP_ARGF_* */
	uint8_t		has_str;
	int32_t		parent;		/* -1: top level */
	uint32_t	nkids;
	uint32_t	slot;		/* view building: first child's slot */
	uint32_t	fill;		/* view building: children placed */
	size_t		off;		/* bytes in the arena */
	size_t		len;
};

struct lit {
	uint64_t	size;
	int		nonsync;
	int		lit8;
};

struct imap_parser {
	struct imap_parse_limits lim;
	enum pstate	state;
	int		terminal;	/* last result ended the command */
	int		line_mode;	/* next line is raw (want_line) */
	int		may_reject;	/* literal_reject() allowed now */
	int		cont_out;	/* LITERAL_CONTINUE was the last result */

	struct buf	line;		/* the segment being collected */
	struct buf	arena;		/* bytes of the arguments */
	struct node	*nodes;
	size_t		nnodes, nodecap;
	struct imap_arg	*view;
	size_t		viewcap;
	int		view_ok;
	size_t		ntop;		/* top-level arguments */

	int32_t		stack[LB_IMAP_DEPTH_MAX];
	size_t		depth;
	int32_t		section;	/* open [ node, or -1 */
	size_t		sect_start;	/* its first byte in the segment */
	enum phase	phase;
	enum want	want;

	char		tag[LB_IMAP_TAG_MAX + 1];
	char		cmd[LB_IMAP_CMDNAME_MAX + 1];
	int		has_tag, has_cmd;
	int		is_append, is_fetch, is_uid, uid_fetch;

	uint64_t	linebytes;	/* lines of this command so far */
	uint64_t	cmdbytes;	/* lines + in-memory literals */
	uint64_t	swallowed;	/* oversize {N+} bytes discarded */

	int32_t		lit_node;	/* literal being read */
	uint64_t	lit_size, lit_done;
	int		lit_sync;
	uint64_t	skip_left;	/* ST_SWALLOW */
	int		pending;	/* result when the skip ends; RES_LOOP:
					 * silent (rejected by the caller) */
	const char	*errmsg;
	int		fatal;
	enum imap_parse_result fatal_res;
	struct imap_parse_chunk chunk;
};

void
imap_parse_limits_default(struct imap_parse_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->literal_max = LB_IMAP_LITERAL_MAX;
	l->append_max = LB_IMAP_APPEND_MAX;
	l->nonsync_max = LB_IMAP_NONSYNC_MAX;
	l->swallow_max = LB_IMAP_SWALLOW_MAX;
	l->command_max = LB_IMAP_COMMAND_MAX;
	l->stream_append = 0;
}

/*
 * The arena holds each token once, NUL-terminated, plus the raw text of
 * FETCH sections (whose members are copied too): at most twice the command
 * plus one NUL per argument.
 */
static size_t
arena_bound(const struct imap_parse_limits *l)
{
	uint64_t b = l->command_max;

	if (b > ((uint64_t)-1 / 4))
		b = (uint64_t)-1 / 4;
	b = 2 * b + 2 * (uint64_t)LB_IMAP_ARGS_MAX + 64;
	return b > (size_t)-1 / 2 ? (size_t)-1 / 2 : (size_t)b;
}

static void
cmd_reset(struct imap_parser *p)
{
	/* Keep the memory of an ordinary command; give back a big one. */
	if (p->arena.cap > 2 * (size_t)LB_IMAP_LINE_MAX)
		buf_free(&p->arena);
	else if (p->arena.p != NULL)
		explicit_bzero(p->arena.p, p->arena.len);
	buf_reset(&p->arena);
	p->arena.max = arena_bound(&p->lim);
	if (p->line.p != NULL)
		explicit_bzero(p->line.p, p->line.len);
	buf_reset(&p->line);
	if (p->nodecap > 1024) {
		free(p->nodes);
		p->nodes = NULL;
		p->nodecap = 0;
		free(p->view);
		p->view = NULL;
		p->viewcap = 0;
	}
	p->nnodes = p->ntop = 0;
	p->view_ok = 0;
	p->depth = 0;
	p->section = -1;
	p->phase = PH_TAG;
	p->want = W_TOKEN;
	p->has_tag = p->has_cmd = 0;
	p->tag[0] = p->cmd[0] = '\0';
	p->is_append = p->is_fetch = p->is_uid = p->uid_fetch = 0;
	p->linebytes = p->cmdbytes = p->swallowed = 0;
	p->lit_node = -1;
	p->lit_size = p->lit_done = 0;
	p->skip_left = 0;
	p->pending = RES_LOOP;
	p->errmsg = NULL;
	p->terminal = 0;
	p->state = ST_LINE;
}

struct imap_parser *
imap_parse_new(const struct imap_parse_limits *lim)
{
	struct imap_parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	else
		imap_parse_limits_default(&p->lim);
	buf_init(&p->line, LB_IMAP_LINE_MAX);
	buf_init(&p->arena, arena_bound(&p->lim));
	cmd_reset(p);
	return p;
}

void
imap_parse_set_limits(struct imap_parser *p, const struct imap_parse_limits *l)
{
	p->lim = *l;
	if (p->arena.len == 0)
		p->arena.max = arena_bound(&p->lim);
	else if (p->arena.max < arena_bound(&p->lim))
		p->arena.max = arena_bound(&p->lim);
}

void
imap_parse_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	buf_free(&p->line);
	buf_free(&p->arena);
	free(p->nodes);
	free(p->view);
	explicit_bzero(p, sizeof(*p));
	free(p);
	*pp = NULL;
}

/* --- character classes (RFC 3501 sec. 9) --- */

/* ATOM-CHAR: any CHAR except atom-specials. */
static int
atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){%*\"\\]", c) == NULL;
}

/* ASTRING-CHAR = ATOM-CHAR / resp-specials. */
static int
astring_char(unsigned char c)
{
	return c == ']' || atom_char(c);
}

/*
 * What the tokenizer takes into an atom-like token: everything but SP, CTL,
 * parentheses, '{' and DQUOTE.  This is wider than ATOM-CHAR on purpose:
 * "\Seen", list wildcards "%" and "*", "1:*", "]" and 8-bit bytes (UTF8=
 * ACCEPT) all arrive as atoms, and the imap_arg_get_*() helpers apply the
 * exact rule of the grammar the command expects.
 */
static int
token_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return c != '(' && c != ')' && c != '{' && c != '"';
}

/* --- nodes and the arena --- */

static int
fetch_mode(const struct imap_parser *p)
{
	return p->is_fetch || p->uid_fetch;
}

/* A new node under the innermost open list; -1 with errmsg set. */
static int32_t
node_new(struct imap_parser *p, enum imap_arg_type type)
{
	struct node *n, *nn;
	size_t ncap;
	int32_t parent;

	if (p->nnodes >= LB_IMAP_ARGS_MAX) {
		p->errmsg = "Too many arguments";
		return -1;
	}
	if (p->nnodes == p->nodecap) {
		ncap = p->nodecap ? p->nodecap * 2 : 32;
		if (ncap > LB_IMAP_ARGS_MAX)
			ncap = LB_IMAP_ARGS_MAX;
		/* ncap <= LB_IMAP_ARGS_MAX: the product cannot overflow. */
		if ((nn = realloc(p->nodes, ncap * sizeof(*nn))) == NULL) {
			p->errmsg = "Out of memory";
			p->fatal = 1;
			return -1;
		}
		p->nodes = nn;
		p->nodecap = ncap;
	}
	parent = p->depth ? p->stack[p->depth - 1] : -1;
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->parent = parent;
	if (parent >= 0)
		p->nodes[parent].nkids++;
	else
		p->ntop++;
	p->view_ok = 0;
	return (int32_t)p->nnodes++;
}

static int
arena_put(struct imap_parser *p, const void *d, size_t n)
{
	if (buf_append(&p->arena, d, n) == -1) {
		p->errmsg = "Out of memory";
		p->fatal = 1;
		return -1;
	}
	return 0;
}

/* Terminate the string of node i that began at its off. */
static int
node_end_str(struct imap_parser *p, int32_t i)
{
	struct node *n = &p->nodes[i];

	n->len = p->arena.len - n->off;
	n->has_str = 1;
	return arena_put(p, "", 1);
}

static int
push(struct imap_parser *p, int32_t i)
{
	if (p->depth >= LB_IMAP_DEPTH_MAX) {
		p->errmsg = "Too deeply nested";
		return -1;
	}
	p->stack[p->depth++] = i;
	return 0;
}

/* --- tokenizer --- */

static enum seg
seg_error(struct imap_parser *p, const char *msg)
{
	if (p->fatal)
		return SEG_FATAL;
	if (msg != NULL)
		p->errmsg = msg;
	return SEG_ERROR;
}

static enum seg
parse_quoted(struct imap_parser *p, const unsigned char *s, size_t n,
    size_t *ip)
{
	size_t i = *ip + 1, run;
	int32_t ni;
	unsigned char c;

	if ((ni = node_new(p, IMAP_ARG_QUOTED)) == -1)
		return seg_error(p, NULL);
	p->nodes[ni].off = p->arena.len;
	for (;;) {
		/* Copy the run of ordinary characters in one go. */
		for (run = i; run < n; run++) {
			c = s[run];
			if (c == '"' || c == '\\' || c == '\0' || c == '\r' ||
			    c == '\n')
				break;
			if (c & 0x80)
				p->nodes[ni].flags |= IMAP_ARGF_8BIT;
		}
		if (arena_put(p, s + i, run - i) == -1)
			return SEG_FATAL;
		i = run;
		if (i >= n)
			return seg_error(p, "Unterminated quoted string");
		c = s[i];
		if (c == '"')
			break;
		if (c != '\\')
			/* QUOTED-CHAR is a TEXT-CHAR: no CR, LF or NUL. */
			return seg_error(p, "Invalid character in quoted string");
		if (i + 1 >= n || (s[i + 1] != '"' && s[i + 1] != '\\'))
			return seg_error(p, "Invalid escape in quoted string");
		if (arena_put(p, s + i + 1, 1) == -1)
			return SEG_FATAL;
		i += 2;
	}
	if (node_end_str(p, ni) == -1)
		return SEG_FATAL;
	*ip = i + 1;
	return SEG_END;
}

/*
 * An atom from s[st] to s[i]; NIL becomes IMAP_ARG_NIL.  The first argument
 * of UID decides whether FETCH sections are parsed.
 */
static enum seg
make_atom(struct imap_parser *p, const unsigned char *s, size_t st, size_t i)
{
	int32_t ni;
	size_t k;

	if ((ni = node_new(p, IMAP_ARG_ATOM)) == -1)
		return seg_error(p, NULL);
	p->nodes[ni].off = p->arena.len;
	for (k = st; k < i; k++)
		if (s[k] & 0x80)
			p->nodes[ni].flags |= IMAP_ARGF_8BIT;
	if (arena_put(p, s + st, i - st) == -1 || node_end_str(p, ni) == -1)
		return SEG_FATAL;
	if (i - st == 3 && strncasecmp((const char *)s + st, "NIL", 3) == 0)
		p->nodes[ni].type = IMAP_ARG_NIL;
	if (p->is_uid && p->ntop == 1 && p->depth == 0 && i - st == 5 &&
	    strncasecmp((const char *)s + st, "FETCH", 5) == 0)
		p->uid_fetch = 1;
	return SEG_END;
}

/* After the ']' of a section: the partial suffix, then the raw text. */
static enum seg
close_section(struct imap_parser *p, const unsigned char *s, size_t n,
    size_t *ip)
{
	size_t i = *ip + 1;
	int32_t si = p->section;

	while (i < n && token_char(s[i]) && s[i] != '[' && s[i] != ']')
		i++;
	p->depth--;
	p->section = -1;
	p->nodes[si].off = p->arena.len;
	if (arena_put(p, s + p->sect_start, i - p->sect_start) == -1 ||
	    node_end_str(p, si) == -1)
		return SEG_FATAL;
	p->view_ok = 0;
	*ip = i;
	return SEG_END;
}

static enum seg
tag_and_command(struct imap_parser *p, const unsigned char *s, size_t n,
    size_t *ip)
{
	size_t i = 0, st, k;

	if (n == 0)
		return seg_error(p, "Empty command line");
	/* tag = 1*<any ASTRING-CHAR except "+"> */
	while (i < n && s[i] != ' ')
		i++;
	if (i > LB_IMAP_TAG_MAX)
		return seg_error(p, "Tag too long");
	for (k = 0; k < i; k++)
		if (!astring_char(s[k]) || s[k] == '+')
			return seg_error(p, "Invalid tag");
	if (i == 0)
		return seg_error(p, "Invalid tag");
	memcpy(p->tag, s, i);
	p->tag[i] = '\0';
	p->has_tag = 1;
	if (i == n || ++i == n)
		return seg_error(p, "Missing command");
	/* The command name: an atom, compared without case. */
	st = i;
	while (i < n && s[i] != ' ')
		i++;
	if (i == st)
		return seg_error(p, "Missing command");
	if (i - st > LB_IMAP_CMDNAME_MAX)
		return seg_error(p, "Unknown command");
	for (k = st; k < i; k++) {
		if (!atom_char(s[k]))
			return seg_error(p, "Invalid command name");
		p->cmd[k - st] = (s[k] >= 'a' && s[k] <= 'z') ?
		    (char)(s[k] - 'a' + 'A') : (char)s[k];
	}
	p->cmd[i - st] = '\0';
	p->has_cmd = 1;
	p->is_append = strcmp(p->cmd, "APPEND") == 0;
	p->is_fetch = strcmp(p->cmd, "FETCH") == 0;
	p->is_uid = strcmp(p->cmd, "UID") == 0;
	p->phase = PH_ARGS;
	p->want = W_SEP;
	*ip = i;
	return SEG_END;
}

/*
 * Tokenize one segment (a line without its CRLF).  SEG_END: the command is
 * complete; SEG_LITERAL: the line ends with a literal announcement, in *lit;
 * SEG_ERROR / SEG_FATAL: p->errmsg says why.
 */
static enum seg
parse_segment(struct imap_parser *p, const unsigned char *s, size_t n,
    struct lit *lit)
{
	size_t i = 0, st;
	int32_t ni;
	enum seg r;
	unsigned char c;

	if (p->phase == PH_TAG &&
	    (r = tag_and_command(p, s, n, &i)) != SEG_END)
		return r;
	for (;;) {
		if (i == n) {
			if (p->want != W_SEP)
				return seg_error(p, p->want == W_TOKEN ?
				    "Missing argument" : "Unclosed list");
			if (p->section >= 0)
				return seg_error(p, "Missing ]");
			if (p->depth > 0)
				return seg_error(p, "Missing )");
			return SEG_END;
		}
		c = s[i];
		if (p->want == W_SEP) {
			if (c == ' ') {
				p->want = W_TOKEN;
				i++;
			} else if (c == ')' && p->depth > 0 &&
			    p->stack[p->depth - 1] != p->section) {
				p->depth--;
				i++;
			} else if (c == ']' && p->section >= 0 &&
			    p->stack[p->depth - 1] == p->section) {
				if ((r = close_section(p, s, n, &i)) != SEG_END)
					return r;
			} else
				return seg_error(p, c == ')' ? "Unexpected )" :
				    "Missing space");
			continue;
		}
		/* A token starts here, or an empty list or section ends. */
		if (p->want == W_TOKEN_OR_CLOSE && p->depth > 0) {
			if (c == ')' && p->stack[p->depth - 1] != p->section) {
				p->depth--;
				p->want = W_SEP;
				i++;
				continue;
			}
			if (c == ']' && p->stack[p->depth - 1] == p->section) {
				if ((r = close_section(p, s, n, &i)) != SEG_END)
					return r;
				p->want = W_SEP;
				continue;
			}
		}
		if (c == '(') {
			if ((ni = node_new(p, IMAP_ARG_LIST)) == -1 ||
			    push(p, ni) == -1)
				return seg_error(p, NULL);
			p->want = W_TOKEN_OR_CLOSE;
			i++;
			continue;
		}
		if (c == '"') {
			if ((r = parse_quoted(p, s, n, &i)) != SEG_END)
				return r;
			p->want = W_SEP;
			continue;
		}
		if (c == '{' || (c == '~' && i + 1 < n && s[i + 1] == '{')) {
			memset(lit, 0, sizeof(*lit));
			if (c == '~') {
				lit->lit8 = 1;
				i++;
			}
			i++;
			st = num_scan_u64((const char *)s + i,
			    (const char *)s + n, NUMBER64_MAX, &lit->size);
			if (st == 0)
				return seg_error(p, "Invalid literal size");
			i += st;
			if (i < n && s[i] == '+') {
				lit->nonsync = 1;
				i++;
			}
			if (i >= n || s[i] != '}')
				return seg_error(p, "Invalid literal");
			if (++i != n)
				return seg_error(p, "Literal must end the line");
			if (p->section >= 0)
				return seg_error(p, "Literal inside [ ]");
			return SEG_LITERAL;
		}
		if (!token_char(c) || (c == ']' && p->section >= 0))
			return seg_error(p, c == ' ' ? "Extra space" :
			    "Invalid character");
		st = i;
		while (i < n && token_char(s[i]) &&
		    !(s[i] == ']' && p->section >= 0) &&
		    !(s[i] == '[' && fetch_mode(p)))
			i++;
		if (i < n && s[i] == '[' && fetch_mode(p)) {
			/* BODY[...]: see parse.h, "FETCH sections". */
			if (p->section >= 0)
				return seg_error(p, "Nested [");
			if ((ni = node_new(p, IMAP_ARG_ATOM)) == -1 ||
			    push(p, ni) == -1)
				return seg_error(p, NULL);
			p->nodes[ni].flags |= IMAP_ARGF_SECTION;
			p->section = ni;
			p->sect_start = st;
			p->want = W_TOKEN_OR_CLOSE;
			i++;
			continue;
		}
		/* The atom ends at SP, parentheses, ']' in a section or the
		 * end; DQUOTE, '{' and CTL are atom-specials, not ends. */
		if (i < n && s[i] != ' ' && s[i] != ')' && s[i] != '(' &&
		    !(s[i] == ']' && p->section >= 0))
			return seg_error(p, "Invalid character in atom");
		if ((r = make_atom(p, s, st, i)) != SEG_END)
			return r;
		p->want = W_SEP;
	}
}

/*
 * RFC 7888 sec. 3: a line that ends with "{" number ["+"] "}" announces a
 * literal, whatever came before it.  Used to skip the rest of a bad
 * command.  1 found, 0 none, -1 the size does not parse (too many digits).
 */
static int
tail_literal(const char *s, size_t n, uint64_t *size, int *nonsync)
{
	size_t e, d;

	if (n < 3 || s[n - 1] != '}')
		return 0;
	e = n - 1;
	*nonsync = 0;
	if (s[e - 1] == '+') {
		*nonsync = 1;
		e--;
	}
	for (d = e; d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9'; d--)
		;
	if (d == e || d == 0 || s[d - 1] != '{')
		return 0;
	if (num_parse_u64(s + d, e - d, NUMBER64_MAX, size) == -1)
		return -1;
	return 1;
}

/* --- the feed loop --- */

static enum imap_parse_result
go_fatal(struct imap_parser *p, enum imap_parse_result res, const char *msg)
{
	p->state = ST_FATAL;
	p->fatal = 1;
	p->fatal_res = res;
	if (msg != NULL)
		p->errmsg = msg;
	p->may_reject = 0;
	return res;
}

/* The command is over: report res (or, when silent, go on with the next). */
static int
command_over(struct imap_parser *p, int res)
{
	if (res == RES_LOOP) {
		cmd_reset(p);
		return RES_LOOP;
	}
	p->terminal = 1;
	p->state = ST_LINE;
	return res;
}

/* Start discarding size bytes of an unwanted {N+}, then the rest of the
 * command; the skip ends with p->pending. */
static int
swallow(struct imap_parser *p, uint64_t size)
{
	if (p->swallowed > p->lim.swallow_max ||
	    size > p->lim.swallow_max - p->swallowed)
		return go_fatal(p, IMAP_PARSE_LITERAL_TOO_BIG,
		    "Literal too big");
	p->swallowed += size;
	p->skip_left = size;
	p->state = ST_SWALLOW;
	return RES_LOOP;
}

/* A line of a command being skipped ended (s, n without CRLF). */
static int
skip_tail(struct imap_parser *p, const char *s, size_t n)
{
	uint64_t size;
	int nonsync, r;

	r = tail_literal(s, n, &size, &nonsync);
	if (r == -1)
		return go_fatal(p, IMAP_PARSE_ERROR, "Invalid literal size");
	buf_reset(&p->line);
	if (r == 1 && nonsync)
		return swallow(p, size);
	/* No literal, or {N}: the client waits for "+" and gets our answer. */
	return command_over(p, p->pending);
}

static int
literal_announced(struct imap_parser *p, const struct lit *lit)
{
	uint64_t max, room;
	int msg, stream;
	int32_t ni;

	/* An APPEND message: top level, not the mailbox (first argument). */
	msg = p->is_append && p->depth == 0 && p->ntop >= 1;
	stream = msg && p->lim.stream_append;
	max = msg ? p->lim.append_max : p->lim.literal_max;
	if (!stream) {
		room = p->cmdbytes >= p->lim.command_max ? 0 :
		    p->lim.command_max - p->cmdbytes;
		if (max > room)
			max = room;
	}
	if (lit->size > max ||
	    (lit->nonsync && p->lim.nonsync_max != 0 &&
	    lit->size > p->lim.nonsync_max)) {
		p->errmsg = "Literal too big";
		if (!lit->nonsync)
			/* RFC 7888 sec. 4 / RFC 4469: refuse before "+". */
			return command_over(p, IMAP_PARSE_LITERAL_TOO_BIG);
		p->pending = IMAP_PARSE_LITERAL_TOO_BIG;
		return swallow(p, lit->size);
	}
	if ((ni = node_new(p, IMAP_ARG_LITERAL)) == -1) {
		if (p->fatal)
			return go_fatal(p, IMAP_PARSE_ERROR, NULL);
		p->pending = IMAP_PARSE_ERROR;
		if (!lit->nonsync)
			return command_over(p, IMAP_PARSE_ERROR);
		return swallow(p, lit->size);
	}
	p->nodes[ni].flags = IMAP_ARGF_PENDING |
	    (lit->nonsync ? IMAP_ARGF_NONSYNC : 0) |
	    (lit->lit8 ? IMAP_ARGF_LITERAL8 : 0) |
	    (stream ? IMAP_ARGF_STREAMED : 0);
	p->nodes[ni].len = (size_t)lit->size;
	p->nodes[ni].off = p->arena.len;
	p->lit_node = ni;
	p->lit_size = lit->size;
	p->lit_done = 0;
	p->lit_sync = !lit->nonsync;
	p->want = W_SEP;
	if (stream)
		p->state = ST_STREAM;
	else {
		p->cmdbytes += lit->size;
		p->state = ST_LITERAL;
	}
	if (!lit->nonsync) {
		p->cont_out = 1;
		p->may_reject = 1;
		return IMAP_PARSE_LITERAL_CONTINUE;
	}
	return RES_LOOP;
}

static void
literal_done(struct imap_parser *p)
{
	struct node *n = &p->nodes[p->lit_node];

	n->flags &= (uint8_t)~IMAP_ARGF_PENDING;
	if (!(n->flags & IMAP_ARGF_STREAMED)) {
		n->has_str = 1;
		n->len = p->arena.len - n->off;
		(void)arena_put(p, "", 1);
	}
	p->view_ok = 0;
	p->lit_node = -1;
	p->state = ST_LINE;
}

/* A whole segment is in p->line. */
static int
line_done(struct imap_parser *p)
{
	size_t n = p->line.len;
	struct lit lit;
	enum seg r;
	char *s;

	/* Accept CRLF and a bare LF. */
	if ((s = buf_cstr(&p->line)) == NULL)
		return go_fatal(p, IMAP_PARSE_ERROR, "Out of memory");
	n--;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->state == ST_SKIPLINE)
		return skip_tail(p, s, n);
	p->linebytes += p->line.len;
	p->cmdbytes += p->line.len;
	if (p->line_mode) {
		p->line_mode = 0;
		p->line.len = n;
		(void)buf_cstr(&p->line);
		p->terminal = 1;
		return IMAP_PARSE_LINE;
	}
	r = parse_segment(p, (const unsigned char *)s, n, &lit);
	switch (r) {
	case SEG_END:
		buf_reset(&p->line);
		return command_over(p, IMAP_PARSE_DONE);
	case SEG_LITERAL:
		buf_reset(&p->line);
		return literal_announced(p, &lit);
	case SEG_ERROR:
		p->pending = IMAP_PARSE_ERROR;
		return skip_tail(p, s, n);
	case SEG_FATAL:
	default:
		return go_fatal(p, IMAP_PARSE_ERROR, NULL);
	}
}

/*
 * Move bytes up to and including the next LF into p->line.  1: the line is
 * complete; 0: data ran out; -1: too long (fatal, STYLE 2.4).
 */
static int
take_line(struct imap_parser *p, const char *data, size_t len, size_t *pos)
{
	const char *q;
	size_t avail = len - *pos, n;
	uint64_t used;

	q = memchr(data + *pos, '\n', avail);
	n = q != NULL ? (size_t)(q - (data + *pos)) + 1 : avail;
	/* All lines of a command count, except when skipping one. */
	used = p->state == ST_SKIPLINE ? 0 : p->linebytes;
	if (n > LB_IMAP_LINE_MAX - p->line.len ||
	    used > (uint64_t)LB_IMAP_LINE_MAX - p->line.len - n)
		return -1;
	if (buf_append(&p->line, data + *pos, n) == -1)
		return -1;
	*pos += n;
	return q != NULL;
}

enum imap_parse_result
imap_parse_feed(struct imap_parser *p, const char *data, size_t len,
    size_t *used_r)
{
	size_t pos = 0, n;
	uint64_t left;
	int r;

	*used_r = 0;
	if (p->state == ST_FATAL)
		return p->fatal_res;
	if (p->terminal) {
		int lm = p->line_mode;

		cmd_reset(p);
		p->line_mode = lm;
	}
	p->may_reject = 0;
	p->cont_out = 0;
	for (;;) {
		switch (p->state) {
		case ST_LINE:
		case ST_SKIPLINE:
			r = take_line(p, data, len, &pos);
			if (r == -1) {
				*used_r = pos;
				return go_fatal(p, IMAP_PARSE_ERROR,
				    "Line too long");
			}
			if (r == 0) {
				*used_r = pos;
				return IMAP_PARSE_NEED_MORE;
			}
			r = line_done(p);
			break;
		case ST_LITERAL:
			left = p->lit_size - p->lit_done;
			n = len - pos;
			if (n > left)
				n = (size_t)left;
			if (n > 0) {
				struct node *nd = &p->nodes[p->lit_node];
				size_t k;

				if (memchr(data + pos, '\0', n) != NULL)
					nd->flags |= IMAP_ARGF_NUL;
				for (k = 0; k < n; k++)
					if (data[pos + k] & 0x80) {
						nd->flags |= IMAP_ARGF_8BIT;
						break;
					}
				if (arena_put(p, data + pos, n) == -1) {
					*used_r = pos;
					return go_fatal(p, IMAP_PARSE_ERROR,
					    NULL);
				}
				pos += n;
				p->lit_done += n;
			}
			if (p->lit_done < p->lit_size) {
				*used_r = pos;
				return IMAP_PARSE_NEED_MORE;
			}
			literal_done(p);
			if (p->fatal) {
				*used_r = pos;
				return go_fatal(p, IMAP_PARSE_ERROR, NULL);
			}
			r = RES_LOOP;
			break;
		case ST_STREAM:
			left = p->lit_size - p->lit_done;
			n = len - pos;
			if (n > left)
				n = (size_t)left;
			if (n == 0 && left > 0) {
				*used_r = pos;
				return IMAP_PARSE_NEED_MORE;
			}
			p->chunk.data = data + pos;
			p->chunk.len = n;
			p->chunk.offset = p->lit_done;
			p->chunk.size = p->lit_size;
			p->chunk.last = (n == left);
			pos += n;
			p->lit_done += n;
			if (p->chunk.last)
				literal_done(p);
			p->may_reject = 1;
			*used_r = pos;
			return IMAP_PARSE_LITERAL_DATA;
		case ST_SWALLOW:
			n = len - pos;
			if (n > p->skip_left)
				n = (size_t)p->skip_left;
			pos += n;
			p->skip_left -= n;
			if (p->skip_left > 0) {
				*used_r = pos;
				return IMAP_PARSE_NEED_MORE;
			}
			buf_reset(&p->line);
			p->state = ST_SKIPLINE;
			r = RES_LOOP;
			break;
		case ST_FATAL:
		default:
			*used_r = pos;
			return p->fatal_res;
		}
		if (r != RES_LOOP) {
			*used_r = pos;
			return (enum imap_parse_result)r;
		}
	}
}

/* --- accessors --- */

const char *
imap_parse_tag(const struct imap_parser *p)
{
	return p->has_tag ? p->tag : NULL;
}

const char *
imap_parse_command(const struct imap_parser *p)
{
	return p->has_cmd ? p->cmd : NULL;
}

const char *
imap_parse_error(const struct imap_parser *p, int *fatal_r)
{
	if (fatal_r != NULL)
		*fatal_r = p->fatal;
	return p->errmsg;
}

const struct imap_parse_chunk *
imap_parse_chunk(const struct imap_parser *p)
{
	return &p->chunk;
}

const char *
imap_parse_line(const struct imap_parser *p, size_t *len_r)
{
	*len_r = p->line.len;
	return p->line.p != NULL ? p->line.p : "";
}

int
imap_parse_want_line(struct imap_parser *p)
{
	if (p->state == ST_FATAL)
		return -1;
	if (!p->terminal && !(p->state == ST_LINE && p->phase == PH_TAG &&
	    p->line.len == 0 && p->linebytes == 0))
		return -1;
	p->line_mode = 1;
	return 0;
}

int
imap_parse_literal_reject(struct imap_parser *p)
{
	if (!p->may_reject)
		return -1;
	p->may_reject = 0;
	p->pending = RES_LOOP;
	if (p->cont_out) {
		/* "+" was not sent: the client sends nothing more. */
		p->cont_out = 0;
		p->terminal = 1;
		p->state = ST_LINE;
		return 0;
	}
	if (p->state == ST_STREAM || p->state == ST_LITERAL) {
		/* Discard the rest of the literal, then of the command.  The
		 * literal is over for the caller: report it the same whether
		 * the refusal came with its last chunk or an earlier one
		 * (found by tests/fuzz/fuzz_imap_parse.c). */
		p->nodes[p->lit_node].flags &= (uint8_t)~IMAP_ARGF_PENDING;
		p->lit_node = -1;
		p->view_ok = 0;
		p->skip_left = p->lit_size - p->lit_done;
		p->state = ST_SWALLOW;
	} else {
		buf_reset(&p->line);
		p->state = ST_SKIPLINE;
	}
	return 0;
}

/*
 * Build the public tree: top-level arguments in slots [0, ntop), the
 * members of each list (in node order) in one contiguous block after them.
 */
const struct imap_arg *
imap_parse_args(struct imap_parser *p, size_t *count_r)
{
	struct imap_arg *v, *nv;
	struct node *nd;
	size_t i, next, topfill = 0, pos;

	*count_r = 0;
	if (p->nnodes == 0)
		return NULL;
	if (!p->view_ok) {
		if (p->viewcap < p->nnodes) {
			/* nnodes <= LB_IMAP_ARGS_MAX: no overflow. */
			nv = realloc(p->view, p->nodecap * sizeof(*nv));
			if (nv == NULL)
				return NULL;
			p->view = nv;
			p->viewcap = p->nodecap;
		}
		next = p->ntop;
		for (i = 0; i < p->nnodes; i++) {
			nd = &p->nodes[i];
			nd->fill = 0;
			if (nd->type == IMAP_ARG_LIST ||
			    (nd->flags & IMAP_ARGF_SECTION)) {
				nd->slot = (uint32_t)next;
				next += nd->nkids;
			}
		}
		for (i = 0; i < p->nnodes; i++) {
			nd = &p->nodes[i];
			if (nd->parent < 0)
				pos = topfill++;
			else
				pos = p->nodes[nd->parent].slot +
				    p->nodes[nd->parent].fill++;
			v = &p->view[pos];
			v->type = (enum imap_arg_type)nd->type;
			v->flags = nd->flags;
			v->str = nd->has_str ? p->arena.p + nd->off : NULL;
			v->len = nd->len;
			if (nd->type == IMAP_ARG_LIST ||
			    (nd->flags & IMAP_ARGF_SECTION)) {
				v->list = &p->view[nd->slot];
				v->count = nd->nkids;
			} else {
				v->list = NULL;
				v->count = 0;
			}
		}
		p->view_ok = 1;
	}
	*count_r = p->ntop;
	return p->ntop ? p->view : NULL;
}

/* --- argument helpers --- */

static int
is_plain_atom(const struct imap_arg *a)
{
	return a != NULL && (a->type == IMAP_ARG_ATOM ||
	    a->type == IMAP_ARG_NIL) && !(a->flags & IMAP_ARGF_SECTION) &&
	    a->str != NULL;
}

int
imap_arg_is_atom(const struct imap_arg *a, const char *word)
{
	return is_plain_atom(a) && strlen(word) == a->len &&
	    strncasecmp(a->str, word, a->len) == 0;
}

int
imap_arg_get_atom(const struct imap_arg *a, const char **s_r)
{
	size_t i;

	if (!is_plain_atom(a) || a->len == 0)
		return -1;
	for (i = 0; i < a->len; i++)
		if (!atom_char((unsigned char)a->str[i]))
			return -1;
	*s_r = a->str;
	return 0;
}

int
imap_arg_get_string(const struct imap_arg *a, const char **s_r,
    size_t *len_r)
{
	if (a == NULL || a->str == NULL)
		return -1;
	if (a->type == IMAP_ARG_LITERAL && (a->flags & IMAP_ARGF_NUL))
		return -1;
	if (a->type != IMAP_ARG_QUOTED && a->type != IMAP_ARG_LITERAL)
		return -1;
	*s_r = a->str;
	*len_r = a->len;
	return 0;
}

int
imap_arg_get_astring(const struct imap_arg *a, const char **s_r,
    size_t *len_r)
{
	size_t i;
	unsigned char c;

	if (!is_plain_atom(a))
		return imap_arg_get_string(a, s_r, len_r);
	if (a->len == 0)
		return -1;
	for (i = 0; i < a->len; i++) {
		c = (unsigned char)a->str[i];
		if (!astring_char(c) && c < 0x80)
			return -1;
	}
	*s_r = a->str;
	*len_r = a->len;
	return 0;
}

int
imap_arg_get_nstring(const struct imap_arg *a, const char **s_r,
    size_t *len_r)
{
	if (a != NULL && a->type == IMAP_ARG_NIL) {
		*s_r = NULL;
		*len_r = 0;
		return 0;
	}
	return imap_arg_get_string(a, s_r, len_r);
}

int
imap_arg_get_number(const struct imap_arg *a, uint32_t *n_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM || a->str == NULL ||
	    (a->flags & IMAP_ARGF_SECTION))
		return -1;
	return num_parse_u32(a->str, a->len, n_r);
}

int
imap_arg_get_nz_number(const struct imap_arg *a, uint32_t *n_r)
{
	uint32_t n;

	/* nz-number = digit-nz *DIGIT: no leading zero. */
	if (imap_arg_get_number(a, &n) == -1 || a->str[0] == '0')
		return -1;
	*n_r = n;
	return 0;
}

int
imap_arg_get_number64(const struct imap_arg *a, uint64_t *n_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM || a->str == NULL ||
	    (a->flags & IMAP_ARGF_SECTION))
		return -1;
	return num_parse_u64(a->str, a->len, NUMBER64_MAX, n_r);
}

int
imap_arg_get_list(const struct imap_arg *a, const struct imap_arg **list_r,
    size_t *count_r)
{
	if (a == NULL || a->type != IMAP_ARG_LIST)
		return -1;
	*list_r = a->list;
	*count_r = a->count;
	return 0;
}

int
imap_arg_get_flag(const struct imap_arg *a, const char **s_r)
{
	size_t i = 0;

	if (!is_plain_atom(a) || a->len == 0)
		return -1;
	/* flag-extension = "\" atom; flag-keyword = atom. */
	if (a->str[0] == '\\') {
		if (a->len == 1)
			return -1;
		i = 1;
	}
	for (; i < a->len; i++)
		if (!atom_char((unsigned char)a->str[i]))
			return -1;
	*s_r = a->str;
	return 0;
}

int
imap_arg_get_flag_list(const struct imap_arg *a,
    const struct imap_arg **list_r, size_t *count_r)
{
	const char *f;
	size_t i;

	if (a == NULL || a->type != IMAP_ARG_LIST)
		return -1;
	for (i = 0; i < a->count; i++)
		if (imap_arg_get_flag(&a->list[i], &f) == -1)
			return -1;
	*list_r = a->list;
	*count_r = a->count;
	return 0;
}

int
imap_arg_get_section(const struct imap_arg *a, struct imap_arg_section *sec)
{
	const char *open, *close;

	if (a == NULL || a->type != IMAP_ARG_ATOM || a->str == NULL ||
	    !(a->flags & IMAP_ARGF_SECTION))
		return -1;
	/* The name has no '[' and the suffix no ']' (close_section()). */
	open = memchr(a->str, '[', a->len);
	close = memrchr(a->str, ']', a->len);
	if (open == NULL || close == NULL || close < open)
		return -1;
	sec->name = a->str;
	sec->namelen = (size_t)(open - a->str);
	sec->spec = a->list;
	sec->nspec = a->count;
	sec->suffix = close + 1;
	sec->suffixlen = a->len - (size_t)(close + 1 - a->str);
	return 0;
}
