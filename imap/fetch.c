/*
 * imap/fetch.c -- FETCH and UID FETCH (RFC 3501 sec. 6.4.5, 6.4.8, 7.4.2;
 * the CONDSTORE MODSEQ item and CHANGEDSINCE modifier, RFC 7162 sec.
 * 3.1.4).  Runs in the session child: the user's ids, chrooted into the
 * Maildir, under seccomp; message files are read with md_open(), fstat()
 * and pread() only.
 *
 * A command runs in three steps:
 *  1. parse every item (a BAD is answered before anything is sent);
 *  2. resolve the set, drop the messages CHANGEDSINCE excludes, and set
 *     the implicit \Seen (BODY[...] without .PEEK, RFC822, RFC822.TEXT)
 *     on all of them at once, then md_sync() once so that the new MODSEQs
 *     exist before the responses that report them;
 *  3. one response per message, written as it is built: the message is
 *     opened, read into memory if it is at most LB_FETCH_MEM_MAX bytes,
 *     parsed only if an item needs its structure, and its bodies are
 *     copied window by window (FETCH_CHUNK raw bytes at a time) into the
 *     output, which goes to the client every FETCH_FLUSH bytes.  A FETCH
 *     1:* of a big mailbox so holds one message and about 128 KiB of
 *     output at a time.  A message above LB_FETCH_MEM_MAX is streamed
 *     from its file for the items that need no structure (BODY[],
 *     RFC822, RFC822.SIZE, ...); the others get NO [LIMIT].
 *
 * Races.  A message expunged by another process before we open it gets
 * no response: FETCH by number answers NO [EXPUNGEISSUED] (RFC 5530),
 * UID FETCH skips it silently (RFC 3501 says nothing; Dovecot does the
 * same).  Expunged after md_open(), it is served whole from the open fd.
 *
 * Sizes.  Every literal's size is counted on the bytes we send (the CRLF
 * view of common/mime.h), never taken from a file name.  Should a file
 * change under us anyway (Maildir files never do), the literal is padded
 * with spaces or cut to the announced size, so the connection stays in
 * step, and the command answers NO.  RFC822.SIZE is the engine's vsize
 * when the message is not opened, else our own count, so that it always
 * equals the BODY[] literal of the same response.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/mime.h"
#include "common/num.h"
#include "imap/bodystruct.h"
#include "imap/fetch.h"
#include "imap/imapd.h"
#include "imap/quote.h"
#include "imap/section.h"

#define FETCH_CHUNK	(64 * 1024)	/* raw bytes converted at a time */
#define FETCH_FLUSH	(64 * 1024)	/* output handed to io at this size */
/*
 * One response without its streamed literals.  ENVELOPE, BODYSTRUCTURE
 * and HEADER.FIELDS subsets come from a message of at most
 * LB_FETCH_MEM_MAX bytes, whose CRLF form is at most twice that; the
 * rest is slack for the structures' own syntax (NILs, parentheses).
 */
#define FETCH_OUT_MAX	(2 * LB_FETCH_MEM_MAX + 16UL * 1024 * 1024)

enum fkind {
	FK_UID = 0, FK_FLAGS, FK_INTERNALDATE, FK_SIZE, FK_ENVELOPE, FK_BODY,
	FK_BODYSTRUCTURE, FK_MODSEQ, FK_SECTION
};

struct fitem {
	enum fkind	kind;
	struct imap_section sec;	/* FK_SECTION */
	size_t		fields_off;	/* into fcmd.fields, until fixed */
	int		whole;		/* BODY[]: the message as stored */
	int		partial;
	uint64_t	origin, count;
	size_t		name_off, name_len;	/* response name in names */
};

struct fcmd {
	struct buf	items;		/* struct fitem[] */
	struct buf	fields;		/* struct mime_str[], all lists */
	struct buf	names;		/* response names of sections */
	unsigned int	want;		/* 1 << FK_* of the simple items */
	int		content;	/* open the message file */
	int		parse;		/* and parse it */
	int		seen;		/* an item sets \Seen */
	int		changedsince_set;
	uint64_t	changedsince;
};

/* Per message. */
struct fmsg {
	size_t		 vi;
	const struct md_msg *mm;
	int		 seen_changed;
	int		 fd;
	char		*data;		/* whole message, or NULL (streamed) */
	uint64_t	 len;		/* raw bytes served */
	uint64_t	 size;		/* their CRLF size */
	struct mime_msg	*mime;
};

/* Per command. */
struct fctx {
	struct imap_session *s;
	struct fcmd	*cmd;
	int		 uid;
	struct buf	 out;
	char		*chunk;		/* FETCH_CHUNK bytes for pread */
	int		 sent;		/* bytes of this response written */
	/* Outcome, worst first. */
	int		 fatal, ioerr, toobig, expunged;
};

/* Why a message got no response. */
enum { F_DONE = 0, F_GONE, F_TOOBIG, F_IOERR, F_FATAL };

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

int
imap_date_time(struct buf *out, time_t t)
{
	struct tm tm;
	long off;
	int sign = '+';

	/* An mtime outside 0..9999 AD cannot be written as date-time: the
	 * epoch is the least surprising stand-in (date-time is mandatory). */
	if (localtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		t = 0;
		if (gmtime_r(&t, &tm) == NULL)
			return -1;
	}
	off = tm.tm_gmtoff / 60;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	return buf_printf(out, "\"%2d-%s-%04d %02d:%02d:%02d %c%02ld%02ld\"",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, sign, off / 60 % 100, off % 60);
}

/* --- Parsing the items ---------------------------------------------------- */

static struct fitem *
item_at(struct fcmd *c, size_t i)
{
	return (struct fitem *)(void *)c->items.p + i;
}

static size_t
nitems(const struct fcmd *c)
{
	return c->items.len / sizeof(struct fitem);
}

static int
add_item(struct fcmd *c, const struct fitem *it)
{
	return buf_append(&c->items, it, sizeof(*it));
}

static int
add_simple(struct fcmd *c, enum fkind k)
{
	struct fitem it;

	if (c->want & (1U << k))
		return 0;		/* said once is enough */
	c->want |= 1U << k;
	memset(&it, 0, sizeof(it));
	it.kind = k;
	if (k == FK_ENVELOPE || k == FK_BODY || k == FK_BODYSTRUCTURE)
		c->content = c->parse = 1;
	return add_item(c, &it);
}

/* "<" number "." nz-number ">" (RFC 3501 sec. 9). */
static int
parse_partial(const char *s, size_t len, uint64_t *origin_r,
    uint64_t *count_r)
{
	const char *dot;

	if (len < 5 || s[0] != '<' || s[len - 1] != '>')
		return -1;
	if ((dot = memchr(s + 1, '.', len - 2)) == NULL)
		return -1;
	if (num_parse_u64(s + 1, (size_t)(dot - s - 1), UINT32_MAX,
	    origin_r) == -1)
		return -1;
	if (dot[1] == '0' || num_parse_u64(dot + 1,
	    (size_t)(s + len - 1 - dot - 1), UINT32_MAX, count_r) == -1)
		return -1;
	return 0;
}

/* Upper-case copy of an ASCII keyword into the names buffer. */
static int
put_upper(struct buf *b, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf_putc(b, p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i])
		    == -1)
			return -1;
	return 0;
}

/* A section item; name is set for the RFC822* forms (no partial then). */
static int
add_section(struct fcmd *c, const struct imap_arg *a, const char *alias,
    enum imap_sect_spec aspec, int apeek, const char **why)
{
	struct imap_arg_section as;
	struct fitem it;
	struct mime_str ms;
	const struct imap_arg *l;
	const char *f;
	size_t i, n, flen;
	int peek;

	memset(&it, 0, sizeof(it));
	it.kind = FK_SECTION;
	it.fields_off = c->fields.len / sizeof(struct mime_str);
	it.name_off = c->names.len;
	if (alias != NULL) {
		it.sec.spec = aspec;
		peek = apeek;
		if (buf_puts(&c->names, alias) == -1)
			goto nomem;
		goto done;
	}
	if (imap_arg_get_section(a, &as) == -1) {
		*why = "Bad FETCH item";
		return -1;
	}
	if (as.namelen == 4 && strncasecmp(as.name, "BODY", 4) == 0)
		peek = 0;
	else if (as.namelen == 9 && strncasecmp(as.name, "BODY.PEEK", 9) == 0)
		peek = 1;
	else {
		*why = "Unknown FETCH item (BINARY is not supported)";
		return -1;
	}
	if (buf_puts(&c->names, "BODY[") == -1)
		goto nomem;
	if (as.nspec > 0) {
		if (as.spec[0].type != IMAP_ARG_ATOM ||
		    (as.spec[0].flags & IMAP_ARGF_SECTION) ||
		    imap_section_parse(as.spec[0].str, as.spec[0].len,
		    &it.sec) == -1) {
			*why = "Bad section in FETCH";
			return -1;
		}
		if (put_upper(&c->names, as.spec[0].str, as.spec[0].len) == -1)
			goto nomem;
	}
	if (it.sec.spec == IMAP_SECT_FIELDS ||
	    it.sec.spec == IMAP_SECT_FIELDS_NOT) {
		/* header-list = "(" header-fld-name *(SP header-fld-name) ")" */
		if (as.nspec != 2 || imap_arg_get_list(&as.spec[1], &l, &n)
		    == -1 || n == 0) {
			*why = "HEADER.FIELDS needs a list of field names";
			return -1;
		}
		if (buf_puts(&c->names, " (") == -1)
			goto nomem;
		for (i = 0; i < n; i++) {
			if (imap_arg_get_astring(&l[i], &f, &flen) == -1 ||
			    flen == 0) {
				*why = "Bad header field name in FETCH";
				return -1;
			}
			ms.p = f;
			ms.len = flen;
			if (buf_append(&c->fields, &ms, sizeof(ms)) == -1 ||
			    (i > 0 && buf_putc(&c->names, ' ') == -1) ||
			    imap_put_astring(&c->names, f, flen) == -1)
				goto nomem;
		}
		it.sec.nfields = n;
		if (buf_putc(&c->names, ')') == -1)
			goto nomem;
	} else if (as.nspec > 1) {
		*why = "Bad section in FETCH";
		return -1;
	}
	if (buf_putc(&c->names, ']') == -1)
		goto nomem;
	if (as.suffixlen > 0) {
		if (parse_partial(as.suffix, as.suffixlen, &it.origin,
		    &it.count) == -1) {
			*why = "Bad partial in FETCH (expected <origin.count>)";
			return -1;
		}
		it.partial = 1;
		/* RFC 3501 7.4.2: the response names only the origin. */
		if (buf_printf(&c->names, "<%llu>",
		    (unsigned long long)it.origin) == -1)
			goto nomem;
	}
done:
	it.whole = it.sec.npart == 0 && it.sec.spec == IMAP_SECT_NONE;
	it.name_len = c->names.len - it.name_off;
	c->content = 1;
	if (!it.whole)
		c->parse = 1;
	if (!peek)
		c->seen = 1;
	if (add_item(c, &it) == -1)
		goto nomem;
	return 0;
nomem:
	*why = "Out of memory";
	return -1;
}

static int
parse_item(struct fcmd *c, const struct imap_arg *a, int inlist,
    const char **why)
{
	static const struct {
		const char *name;
		enum fkind kind;
	} simple[] = {
		{ "UID", FK_UID }, { "FLAGS", FK_FLAGS },
		{ "INTERNALDATE", FK_INTERNALDATE }, { "RFC822.SIZE", FK_SIZE },
		{ "ENVELOPE", FK_ENVELOPE }, { "BODY", FK_BODY },
		{ "BODYSTRUCTURE", FK_BODYSTRUCTURE }, { "MODSEQ", FK_MODSEQ },
	};
	static const enum fkind fast[] = { FK_FLAGS, FK_INTERNALDATE,
	    FK_SIZE, FK_ENVELOPE, FK_BODY };
	size_t i, nmacro = 0;

	if (a->type == IMAP_ARG_ATOM && (a->flags & IMAP_ARGF_SECTION))
		return add_section(c, a, NULL, IMAP_SECT_NONE, 0, why);
	if (a->type != IMAP_ARG_ATOM) {
		*why = "Expected FETCH items";
		return -1;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (imap_arg_is_atom(a, simple[i].name)) {
			if (add_simple(c, simple[i].kind) == -1) {
				*why = "Out of memory";
				return -1;
			}
			return 0;
		}
	if (imap_arg_is_atom(a, "RFC822"))
		return add_section(c, a, "RFC822", IMAP_SECT_NONE, 0, why);
	if (imap_arg_is_atom(a, "RFC822.HEADER"))
		return add_section(c, a, "RFC822.HEADER", IMAP_SECT_HEADER, 1,
		    why);
	if (imap_arg_is_atom(a, "RFC822.TEXT"))
		return add_section(c, a, "RFC822.TEXT", IMAP_SECT_TEXT, 0, why);
	/* Macros (RFC 3501 6.4.5) stand alone, never inside a list. */
	if (imap_arg_is_atom(a, "FAST"))
		nmacro = 3;
	else if (imap_arg_is_atom(a, "ALL"))
		nmacro = 4;
	else if (imap_arg_is_atom(a, "FULL"))
		nmacro = 5;
	if (nmacro == 0) {
		*why = "Unknown FETCH item";
		return -1;
	}
	if (inlist) {
		*why = "FETCH macros cannot be used in a list";
		return -1;
	}
	for (i = 0; i < nmacro; i++)
		if (add_simple(c, fast[i]) == -1) {
			*why = "Out of memory";
			return -1;
		}
	return 0;
}

/* fetch-modifiers (RFC 4466 sec. 2.4): only CHANGEDSINCE is known. */
static int
parse_modifiers(struct fcmd *c, const struct imap_arg *a, const char **why)
{
	const struct imap_arg *l;
	size_t i, n;

	if (imap_arg_get_list(a, &l, &n) == -1 || n == 0) {
		*why = "Expected FETCH modifiers in parentheses";
		return -1;
	}
	for (i = 0; i < n; i += 2) {
		if (!imap_arg_is_atom(&l[i], "CHANGEDSINCE")) {
			*why = "Unknown FETCH modifier";
			return -1;
		}
		/* mod-sequence-value (RFC 7162 sec. 7).  0 is accepted: it
		 * selects every message, which is what a client means. */
		if (c->changedsince_set || i + 1 >= n ||
		    imap_arg_get_number64(&l[i + 1], &c->changedsince) == -1) {
			*why = "Bad CHANGEDSINCE value";
			return -1;
		}
		c->changedsince_set = 1;
	}
	return 0;
}

static void
fcmd_free(struct fcmd *c)
{
	buf_free(&c->items);
	buf_free(&c->fields);
	buf_free(&c->names);
}

static int
fcmd_parse(struct fcmd *c, const struct imap_arg *args, size_t nargs,
    const char **why)
{
	const struct imap_arg *l;
	struct fitem *it;
	size_t i, n;

	memset(c, 0, sizeof(*c));
	/* Bounded by the command's arguments (LB_IMAP_ARGS_MAX). */
	buf_init(&c->items, (LB_IMAP_ARGS_MAX + 8) * sizeof(struct fitem));
	buf_init(&c->fields, LB_IMAP_ARGS_MAX * sizeof(struct mime_str));
	buf_init(&c->names, 2 * LB_IMAP_COMMAND_MAX);
	if (nargs < 2 || nargs > 3) {
		*why = "Expected: FETCH sequence-set items [(modifiers)]";
		return -1;
	}
	if (args[1].type == IMAP_ARG_LIST) {
		l = args[1].list;
		n = args[1].count;
		if (n == 0) {
			*why = "Empty FETCH item list";
			return -1;
		}
		for (i = 0; i < n; i++)
			if (parse_item(c, &l[i], 1, why) == -1)
				return -1;
	} else if (parse_item(c, &args[1], 0, why) == -1)
		return -1;
	if (nargs == 3 && parse_modifiers(c, &args[2], why) == -1)
		return -1;
	/* The fields arrays are final now: point the sections at them. */
	for (i = 0; i < nitems(c); i++) {
		it = item_at(c, i);
		if (it->sec.nfields > 0)
			it->sec.fields = (const struct mime_str *)(void *)
			    c->fields.p + it->fields_off;
	}
	return 0;
}

/* --- Output ---------------------------------------------------------------- */

static int
flush(struct fctx *x)
{
	int rc;

	if (x->out.len == 0)
		return 0;
	x->sent = 1;
	rc = imap_write(x->s, x->out.p, x->out.len);
	buf_reset(&x->out);
	return rc == -1 ? -1 : 0;
}

static int
flush_maybe(struct fctx *x)
{
	return x->out.len >= FETCH_FLUSH ? flush(x) : 0;
}

/*
 * The raw bytes of a message come from memory or, for one above
 * LB_FETCH_MEM_MAX, from its file with pread.  A piece never ends with a
 * CR that has more bytes after it in its range, so no CR LF pair is cut
 * in two: common/mime.h counts and converts "an LF preceded by CR" only
 * inside the range it is given, and pieces must add up to the whole.
 */
static size_t
piece(struct fctx *x, struct fmsg *fm, uint64_t off, uint64_t end,
    const char **p_r, int *err)
{
	size_t want, got = 0;
	ssize_t n;

	if (off >= end || off >= fm->len)
		return 0;
	if (end > fm->len)
		end = fm->len;
	want = end - off > FETCH_CHUNK ? FETCH_CHUNK : (size_t)(end - off);
	if (fm->data != NULL) {
		*p_r = fm->data + off;
		got = want;
	} else {
		while (got < want) {
			n = pread(fm->fd, x->chunk + got, want - got,
			    (off_t)(off + got));
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				*err = 1;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		*p_r = x->chunk;
	}
	if (got > 1 && off + got < end && (*p_r)[got - 1] == '\r')
		got--;
	return got;
}

/* CRLF size of raw [off, off + len). */
static int
range_size(struct fctx *x, struct fmsg *fm, uint64_t off, uint64_t len,
    uint64_t *size_r)
{
	uint64_t end = off + len, size = 0;
	const char *p;
	size_t n;
	int err = 0;

	while ((n = piece(x, fm, off, end, &p, &err)) > 0) {
		size += mime_crlf_size(p, n, NULL);
		off += n;
	}
	*size_r = size;
	return err ? -1 : 0;
}

/*
 * Send exactly want octets of the CRLF view of raw [off, off + len),
 * starting at CRLF offset origin.  Pads with spaces if the bytes ran out
 * (the literal's size was announced already).
 */
static int
range_copy(struct fctx *x, struct fmsg *fm, uint64_t off, uint64_t len,
    uint64_t origin, uint64_t want)
{
	static const char pad[64] = "                                "
	    "                                ";
	uint64_t end = off + len, cpos = 0, csz, skip;
	const char *p;
	size_t n, before, k;
	int err = 0;

	while (want > 0 && (n = piece(x, fm, off, end, &p, &err)) > 0) {
		csz = mime_crlf_size(p, n, NULL);
		if (cpos + csz > origin) {
			skip = origin > cpos ? origin - cpos : 0;
			before = x->out.len;
			if (mime_crlf_copy(p, n, skip, want, MIME_COPY_NONUL,
			    &x->out) == -1)
				return -1;
			want -= x->out.len - before;
			if (flush_maybe(x) == -1)
				return -1;
		}
		cpos += csz;
		off += n;
	}
	if (err || want > 0)
		x->ioerr = 1;
	while (want > 0) {
		k = want > sizeof(pad) ? sizeof(pad) : (size_t)want;
		if (buf_append(&x->out, pad, k) == -1 || flush_maybe(x) == -1)
			return -1;
		want -= k;
	}
	return 0;
}

/* The window of a section of size size that an item asks for. */
static void
window(const struct fitem *it, uint64_t size, uint64_t *origin_r,
    uint64_t *n_r)
{
	*origin_r = 0;
	*n_r = size;
	if (!it->partial)
		return;
	*origin_r = it->origin;
	if (it->origin >= size)
		*n_r = 0;	/* RFC 3501 6.4.5: an empty string */
	else if (size - it->origin > it->count)
		*n_r = it->count;
	else
		*n_r = size - it->origin;
}

static int
put_section(struct fctx *x, struct fmsg *fm, const struct fitem *it)
{
	struct imap_range r;
	struct buf tmp;
	uint64_t off, len, size, origin, n;
	size_t tsize;
	int rc;

	if (buf_append(&x->out, x->cmd->names.p + it->name_off,
	    it->name_len) == -1 || buf_putc(&x->out, ' ') == -1)
		return -1;
	if (it->whole) {
		off = 0;
		len = fm->len;
		size = fm->size;
	} else if (it->sec.spec == IMAP_SECT_FIELDS ||
	    it->sec.spec == IMAP_SECT_FIELDS_NOT) {
		/* A subset of one header, bounded by that header's size. */
		buf_init(&tmp, FETCH_OUT_MAX);
		rc = imap_section_fetch(&tmp, fm->mime, &it->sec,
		    it->partial ? it->origin : 0,
		    it->partial ? it->count : UINT64_MAX, &tsize);
		if (rc == 0 && tmp.len > 0)
			rc = imap_put_literal(&x->out, tmp.p, tmp.len);
		else if (rc == 0 || rc == IMAP_SECT_ENOPART)
			rc = buf_puts(&x->out, "\"\"");
		buf_free(&tmp);
		return rc;
	} else {
		if (imap_section_range(fm->mime, &it->sec, &r) != 0)
			return buf_puts(&x->out, "\"\"");
		off = r.off;
		len = r.len;
		size = r.size;
	}
	window(it, size, &origin, &n);
	if (n == 0)
		return buf_puts(&x->out, "\"\"");
	if (buf_printf(&x->out, "{%llu}\r\n", (unsigned long long)n) == -1)
		return -1;
	return range_copy(x, fm, off, len, origin, n);
}

static int
put_flags(struct fctx *x, const struct fmsg *fm)
{
	if (buf_puts(&x->out, "FLAGS ") == -1)
		return -1;
	return imap_flags_format(x->s, fm->mm->flags, fm->mm->keywords,
	    x->s->view[fm->vi].recent, &x->out);
}

/* --- One message ------------------------------------------------------------ */

static int
load(struct fctx *x, struct fmsg *fm)
{
	struct stat st;
	long mdi;
	size_t got;
	ssize_t n;
	int rc;

	if ((mdi = imap_view_mdindex(x->s, fm->vi)) < 0)
		return F_GONE;
	rc = md_open(x->s->f, (size_t)mdi, &fm->fd);
	if (rc == MD_ERR_GONE)
		return F_GONE;
	if (rc != MD_OK)
		return F_IOERR;
	if (fstat(fm->fd, &st) == -1 || st.st_size < 0)
		return F_IOERR;
	if ((uint64_t)st.st_size > LB_MESSAGE_MAX)
		return F_TOOBIG;
	fm->len = (uint64_t)st.st_size;
	if (fm->len > LB_FETCH_MEM_MAX) {
		/* Streamed from the file: no structure. */
		if (x->cmd->parse)
			return F_TOOBIG;
		if (x->chunk == NULL &&
		    (x->chunk = malloc(FETCH_CHUNK)) == NULL)
			return F_IOERR;
	} else {
		if ((fm->data = malloc(fm->len > 0 ? (size_t)fm->len : 1))
		    == NULL)
			return F_IOERR;
		for (got = 0; got < fm->len; got += (size_t)n) {
			n = pread(fm->fd, fm->data + got, (size_t)fm->len - got,
			    (off_t)got);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n == -1)
				return F_IOERR;
			if (n == 0)
				break;		/* it shrank: serve what is */
		}
		fm->len = got;
	}
	if (range_size(x, fm, 0, fm->len, &fm->size) == -1)
		return F_IOERR;
	/* fm->data belongs to fm: unload() frees it on every path (the
	 * analyzer loses it here). */
	/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
	if (x->cmd->parse &&
	    mime_parse(fm->data, (size_t)fm->len, &fm->mime) == -1)
		return F_IOERR;
	return F_DONE;
	/* NOLINTEND(clang-analyzer-unix.Malloc) */
}

static void
unload(struct fmsg *fm)
{
	mime_free(&fm->mime);
	free(fm->data);
	fm->data = NULL;
	if (fm->fd != -1)
		(void)close(fm->fd);
	fm->fd = -1;
}

static int
sep(struct fctx *x, int *first)
{
	if (*first) {
		*first = 0;
		return 0;
	}
	return buf_putc(&x->out, ' ');
}

/* Build and send the response of one message: F_DONE or why not. */
static int
respond(struct fctx *x, struct fmsg *fm)
{
	struct imap_session *s = x->s;
	const struct md_msg *mm = fm->mm;
	const struct fitem *it;
	size_t i;
	int first = 1, did_flags = 0, did_modseq = 0, rc = 0;

	if (buf_printf(&x->out, "* %zu FETCH (", fm->vi + 1) == -1)
		return -1;
	/* UID first: it is what a client matches responses on. */
	if (x->uid || (x->cmd->want & (1U << FK_UID))) {
		first = 0;
		rc = buf_printf(&x->out, "UID %lu", (unsigned long)mm->uid);
	}
	for (i = 0; rc == 0 && i < nitems(x->cmd); i++) {
		it = item_at(x->cmd, i);
		if (it->kind == FK_UID)
			continue;
		if ((rc = sep(x, &first)) == -1)
			break;
		switch (it->kind) {
		case FK_FLAGS:
			rc = put_flags(x, fm);
			did_flags = 1;
			break;
		case FK_INTERNALDATE:
			if ((rc = buf_puts(&x->out, "INTERNALDATE ")) == 0)
				rc = imap_date_time(&x->out, mm->mtime);
			break;
		case FK_SIZE:
			rc = buf_printf(&x->out, "RFC822.SIZE %llu",
			    (unsigned long long)(x->cmd->content ? fm->size :
			    mm->vsize));
			break;
		case FK_ENVELOPE:
			if ((rc = buf_puts(&x->out, "ENVELOPE ")) == 0)
				rc = imap_envelope(&x->out, fm->mime,
				    mime_root(fm->mime));
			break;
		case FK_BODY:
		case FK_BODYSTRUCTURE:
			rc = buf_puts(&x->out, it->kind == FK_BODY ? "BODY " :
			    "BODYSTRUCTURE ");
			if (rc == 0)
				rc = imap_bodystructure(&x->out, fm->mime,
				    mime_root(fm->mime), it->kind != FK_BODY);
			break;
		case FK_MODSEQ:
			rc = buf_printf(&x->out, "MODSEQ (%llu)",
			    (unsigned long long)mm->modseq);
			did_modseq = 1;
			break;
		case FK_SECTION:
			rc = put_section(x, fm, it);
			break;
		case FK_UID:
			break;
		}
		if (rc == 0)
			rc = flush_maybe(x);
	}
	/* RFC 3501 6.4.5: flags changed by the implicit \Seen SHOULD be
	 * included.  RFC 7162 3.1: a CONDSTORE-aware client gets the
	 * MODSEQ with every FLAGS, and CHANGEDSINCE implies MODSEQ. */
	if (rc == 0 && fm->seen_changed && !did_flags) {
		if ((rc = sep(x, &first)) == 0)
			rc = put_flags(x, fm);
		did_flags = 1;
	}
	if (rc == 0 && !did_modseq && (x->cmd->changedsince_set ||
	    (s->condstore && did_flags))) {
		if ((rc = sep(x, &first)) == 0)
			rc = buf_printf(&x->out, "MODSEQ (%llu)",
			    (unsigned long long)mm->modseq);
	}
	if (rc == 0)
		rc = buf_puts(&x->out, ")\r\n");
	if (rc == 0)
		rc = flush(x);
	return rc == 0 ? F_DONE : -1;
}

static int
fetch_one(struct fctx *x, size_t vi, int seen_changed)
{
	struct fmsg fm;
	int rc;

	memset(&fm, 0, sizeof(fm));
	fm.fd = -1;
	fm.vi = vi;
	fm.seen_changed = seen_changed;
	if ((fm.mm = imap_view_msg(x->s, vi)) == NULL)
		return F_GONE;
	x->sent = 0;
	rc = x->cmd->content ? load(x, &fm) : F_DONE;
	if (rc == F_DONE && respond(x, &fm) == -1) {
		/* Once part of the response went out, the client cannot be
		 * told anything sensible any more. */
		rc = x->sent || x->s->io->failed ? F_FATAL : F_IOERR;
		buf_reset(&x->out);
	}
	unload(&fm);
	return rc;
}

/* --- The command --------------------------------------------------------------- */

/* Step 2: CHANGEDSINCE and the implicit \Seen, before any response. */
#define ST_SKIP		0x01
#define ST_SEEN		0x02

static void
prepare(struct fctx *x, const size_t *vis, size_t n, unsigned char *st)
{
	struct imap_session *s = x->s;
	const struct md_msg *mm;
	char nf[sizeof(mm->flags) + 1];
	size_t i, changed = 0;
	long mdi;
	int rc;

	for (i = 0; i < n; i++) {
		if ((mm = imap_view_msg(s, vis[i])) == NULL) {
			st[i] = ST_SKIP;
			x->expunged = 1;
			continue;
		}
		if (x->cmd->changedsince_set &&
		    mm->modseq <= x->cmd->changedsince) {
			st[i] = ST_SKIP;
			continue;
		}
		if (!x->cmd->seen || s->readonly ||
		    strchr(mm->flags, MD_FLAG_SEEN) != NULL)
			continue;
		if ((mdi = imap_view_mdindex(s, vis[i])) < 0)
			continue;
		(void)snprintf(nf, sizeof(nf), "%s%c", mm->flags,
		    MD_FLAG_SEEN);
		rc = md_set_flags(s->f, (size_t)mdi, nf);
		if (rc == MD_OK) {
			st[i] |= ST_SEEN;
			changed++;
		} else if (rc == MD_ERR_GONE) {
			st[i] = ST_SKIP;
			x->expunged = 1;
		}
		/* Other errors: the message is served without \Seen. */
	}
	if (changed == 0)
		return;
	/* Persist the flags and give them their MODSEQs.  A failure leaves
	 * the renamed files, which the next sync records. */
	(void)md_sync(s->f, NULL);
	for (i = 0; i < n; i++)
		if (st[i] & ST_SEEN)
			imap_view_told(s, vis[i]);
}

enum imap_result
imap_cmd_fetch(struct imap_session *s, const struct imap_arg *args,
    size_t nargs, int uid)
{
	struct fcmd cmd;
	struct fctx x;
	const char *why = NULL;
	unsigned char *st = NULL;
	size_t *vis = NULL, n = 0, i;
	enum imap_result res = IMAP_OK;
	int rc;

	if (s->f == NULL) {
		imap_resp(s, NULL, "No mailbox selected.");
		return IMAP_BAD;
	}
	if (fcmd_parse(&cmd, args, nargs, &why) == -1) {
		fcmd_free(&cmd);
		imap_resp(s, NULL, "%s.", why);
		return IMAP_BAD;
	}
	if (imap_seq_resolve(s, &args[0], uid, &vis, &n) == -1) {
		fcmd_free(&cmd);
		/* The text is set: BAD for the set, NO for memory. */
		return strcmp(s->code, "SERVERBUG") == 0 ? IMAP_NO : IMAP_BAD;
	}
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.cmd = &cmd;
	x.uid = uid;
	buf_init(&x.out, FETCH_OUT_MAX);

	/* RFC 7162 3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE, and the
	 * first enabling command with a mailbox selected reports its
	 * HIGHESTMODSEQ. */
	if (!s->condstore &&
	    ((cmd.want & (1U << FK_MODSEQ)) || cmd.changedsince_set)) {
		s->condstore = 1;
		(void)imap_printf(s, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		    (unsigned long long)md_highestmodseq(s->f));
	}

	if (n > 0 && (st = calloc(n, 1)) == NULL) {
		imap_resp(s, "SERVERBUG", "Out of memory.");
		res = IMAP_NO;
		goto out;
	}
	prepare(&x, vis, n, st);
	for (i = 0; i < n && !x.fatal; i++) {
		if (st[i] & ST_SKIP)
			continue;
		rc = fetch_one(&x, vis[i], (st[i] & ST_SEEN) != 0);
		switch (rc) {
		case F_DONE:
			s->n_fetch++;
			break;
		case F_GONE:
			x.expunged = 1;
			break;
		case F_TOOBIG:
			x.toobig = 1;
			break;
		case F_IOERR:
			x.ioerr = 1;
			break;
		default:
			x.fatal = 1;
			break;
		}
	}
	if (x.fatal) {
		imap_resp(s, NULL, "Connection lost while sending FETCH data.");
		res = IMAP_FATAL;
	} else if (x.ioerr) {
		imap_resp(s, "SERVERBUG",
		    "Some messages could not be read.");
		res = IMAP_NO;
	} else if (x.toobig) {
		imap_resp(s, "LIMIT", "Some messages are too large to "
		    "fetch anything but their whole text.");
		res = IMAP_NO;
	} else if (x.expunged && !uid) {
		imap_resp(s, "EXPUNGEISSUED", "Some messages were expunged.");
		res = IMAP_NO;
	} else
		imap_resp(s, NULL, "Fetch completed.");
out:
	free(st);
	free(vis);
	free(x.chunk);
	buf_free(&x.out);
	fcmd_free(&cmd);
	return res;
}
