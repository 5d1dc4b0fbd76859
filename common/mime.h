/*
 * common/mime.h -- RFC 5322 / MIME message parser over a message held in
 * memory, and the LF->CRLF view that IMAP serves.  No file I/O: the caller
 * (imapd's session child, unprivileged and confined) maps or reads the
 * file and keeps it alive while the parse result is used.
 *
 * Offsets ("raw") index the stored bytes.  Messages are stored with LF line
 * ends but may hold CRLF; IMAP sees every line end as CRLF, so each range
 * also has its size in that view ("crlf" size: a bare LF counts 2).
 */
#ifndef LB_MIME_H
#define LB_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A string inside the parse result or the message.  p == NULL: absent. */
struct mime_str {
	const char	*p;
	size_t		 len;
};

/* One Content-Type or Content-Disposition parameter.  attr is lowercased;
 * value is unquoted.  RFC 2231 continuations (name*0, name*1*, ...) are
 * joined into one parameter: "name" if no segment was extended, else
 * "name*" whose value stays charset'language'%-encoded for the client. */
struct mime_param {
	struct mime_str	 attr;
	struct mime_str	 value;
};

enum mime_kind {
	MIME_LEAF = 0,		/* a body: text, image, ..., or opaque */
	MIME_MULTIPART,		/* children are the body parts */
	MIME_MESSAGE		/* message/rfc822: one child, the message */
};

/* flags */
#define MIME_F_BLANK	0x01	/* header ended with a blank line */
#define MIME_F_OPAQUE	0x02	/* multipart or message/rfc822 not looked
				 * into (depth or part bound, no boundary,
				 * no part found, encoded message): served
				 * as application/octet-stream */
#define MIME_F_ISMSG	0x04	/* its header is an RFC 5322 message header:
				 * the root, or the child of a MIME_MESSAGE */

/*
 * One node of the tree.  Read-only for callers; every pointer stays valid
 * until mime_free().  The header range includes the blank line that ends
 * it; body_off == hdr_off + hdr_len.
 */
struct mime_part {
	const struct mime_part	*parent;	/* NULL for the root */
	const struct mime_part	*child;		/* first child or NULL */
	const struct mime_part	*next;		/* next sibling or NULL */
	size_t		 nchildren;
	unsigned int	 depth;			/* root 0 */
	enum mime_kind	 kind;
	unsigned int	 flags;

	size_t		 hdr_off, hdr_len;	/* raw */
	size_t		 body_off, body_len;	/* raw */
	size_t		 hdr_size, body_size;	/* CRLF octets */
	size_t		 body_lines;		/* LFs in the body */

	struct mime_str	 type, subtype;		/* lowercased, never NULL */
	const struct mime_param *params;
	size_t		 nparams;
	struct mime_str	 id, description, encoding /* lowercased */;
	struct mime_str	 disposition;		/* lowercased type */
	const struct mime_param *disp_params;
	size_t		 ndisp_params;
	struct mime_str	 language;	/* tags, comma separated, no spaces */
	struct mime_str	 location, md5;
	struct mime_str	 boundary;	/* multipart only */
};

struct mime_msg;

/*
 * Parse len bytes at data.  data is not copied: it must outlive the
 * result.  Never fails on malformed mail (it is parsed as well as it can
 * be, within the bounds of common/limits.h).  Returns 0 and sets *msg_r,
 * or -1 with errno ENOMEM, or EFBIG if len > LB_MESSAGE_MAX.
 */
int	mime_parse(const char *data, size_t len, struct mime_msg **msg_r);
/* Free the result and NULL the pointer. */
void	mime_free(struct mime_msg **);

const struct mime_part *mime_root(const struct mime_msg *);
size_t	mime_nparts(const struct mime_msg *);
/* The message bytes given to mime_parse(), and their raw length. */
const char *mime_data(const struct mime_msg *);
size_t	mime_len(const struct mime_msg *);
/* RFC822.SIZE: the whole message in CRLF octets. */
size_t	mime_size(const struct mime_msg *);
/* The parameter attr (case-insensitive) of a part's Content-Type, or
 * NULL. */
const struct mime_param *mime_param(const struct mime_part *,
	    const char *attr);

/*
 * CRLF view.  Each bare LF counts (and is sent) as CR LF; an LF already
 * preceded by CR inside the range is left alone.  Bare CRs are kept.
 */
/* Size of p[0..len) in CRLF octets; *lines_r (may be NULL) gets the
 * number of lines, counted as LFs (a last line without one does not
 * count, as in Dovecot). */
size_t	mime_crlf_size(const char *p, size_t len, size_t *lines_r);
#define MIME_COPY_NONUL	0x01	/* send NUL as 0x80: RFC 3501 sec. 9 rule 3
				 * forbids NUL, also inside literals */
/*
 * Append to out the octets [origin, origin + count) of the CRLF view of
 * p[0..len), converting as it goes: the part is never converted whole.
 * A window past the end yields fewer (or no) octets; count UINT64_MAX
 * means "to the end".  Returns 0, or -1 (errno E2BIG/ENOMEM from buf),
 * out then possibly holding a prefix of the window.
 */
int	mime_crlf_copy(const char *p, size_t len, uint64_t origin,
	    uint64_t count, unsigned int flags, struct buf *out);

/*
 * Header fields.  A field is its first line and the continuation lines
 * (starting with SP or HT) after it.  A line without ':' is a field with
 * an empty value whose name is the whole line.
 */
struct mime_field {
	struct mime_str	 name;	/* without trailing blanks before ':' */
	struct mime_str	 value;	/* after ':', still folded, with the line
				 * breaks; leading blanks skipped */
	struct mime_str	 raw;	/* the whole field, its final line end
				 * included when present */
};
struct mime_hdr_iter {
	const char	*p;
	size_t		 len, pos;
};
/* Iterate the fields of the header hdr[0..len); iteration ends at the
 * blank line (if any) or at len. */
void	mime_hdr_init(struct mime_hdr_iter *, const char *hdr, size_t len);
/* 1 and *f_r filled, or 0 at the end. */
int	mime_hdr_next(struct mime_hdr_iter *, struct mime_field *f_r);
/* Find the first of at most LB_MIME_FIELDS_MAX fields named name
 * (case-insensitive); 1 and *f_r, or 0. */
int	mime_hdr_find(const char *hdr, size_t len, const char *name,
	    struct mime_field *f_r);
/* Case-insensitive compare of a field name with name (NUL-terminated). */
int	mime_name_eq(const struct mime_str *, const char *name);
/* Append value unfolded: line breaks (CRLF or LF) removed, leading and
 * trailing blanks trimmed.  0, or -1 if out is full. */
int	mime_unfold(const char *v, size_t len, struct buf *out);

#endif
