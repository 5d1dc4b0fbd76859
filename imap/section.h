/*
 * imap/section.h -- FETCH BODY[section]<partial> (RFC 3501 sec. 6.4.5):
 * section spec parsing, resolution on a common/mime.h parse, and the
 * CRLF bytes to send.  Used by the session child.
 */
#ifndef LB_IMAP_SECTION_H
#define LB_IMAP_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/mime.h"

enum imap_sect_spec {
	IMAP_SECT_NONE = 0,	/* BODY[] or BODY[1.2] */
	IMAP_SECT_HEADER,
	IMAP_SECT_FIELDS,	/* HEADER.FIELDS (list) */
	IMAP_SECT_FIELDS_NOT,	/* HEADER.FIELDS.NOT (list) */
	IMAP_SECT_TEXT,
	IMAP_SECT_MIME
};

struct imap_section {
	uint32_t		 part[LB_IMAP_SECTION_PARTS_MAX];
	size_t			 npart;
	enum imap_sect_spec	 spec;
	/* Field names for IMAP_SECT_FIELDS[_NOT]; set by the caller from
	 * the header-list (the command parser owns that syntax). */
	const struct mime_str	*fields;
	size_t			 nfields;
};

/* The section does not exist in this message.  RFC 3501 leaves the
 * answer open (the syntax allows nstring); we answer with the empty
 * string "", as UW imapd does: every client accepts an empty string,
 * some mishandle NIL in BODY[]. */
#define IMAP_SECT_ENOPART	(-2)

/*
 * Parse the text between "[" and "]" without the header-list:
 * "", "1.2.3", "HEADER", "1.HEADER.FIELDS.NOT", "2.MIME", ... (keywords
 * case-insensitive).  Part numbers are nz-number, at most
 * LB_IMAP_SECTION_PARTS_MAX of them; MIME needs a part number.  Returns 0
 * with *sec_r filled (fields NULL), or -1 for a syntax error (BAD).
 */
int	imap_section_parse(const char *s, size_t len,
	    struct imap_section *sec_r);

/* Where a section lies: the raw bytes and their CRLF size. */
struct imap_range {
	size_t	off, len;	/* raw, in mime_data() */
	size_t	size;		/* CRLF octets */
};

/*
 * Resolve a section that is a plain byte range (every spec but
 * HEADER.FIELDS[.NOT]; for those the header range is returned, to be
 * filtered).  Rules: on a message/rfc822 part, numbers refer into the
 * encapsulated message's body; part 1 of a non-multipart message is its
 * body; HEADER, HEADER.FIELDS and TEXT need no part number or a
 * message/rfc822 part; MIME is the part's own header.  Returns 0, or
 * IMAP_SECT_ENOPART.
 */
int	imap_section_range(const struct mime_msg *,
	    const struct imap_section *, struct imap_range *r);

/*
 * Append to out the CRLF octets [origin, origin + count) of the section
 * (count UINT64_MAX: no <partial>); *size_r gets the size of the whole
 * section, before the partial window.  For HEADER.FIELDS[.NOT] the
 * selected fields, then the blank line if the header had one (RFC 3501
 * 6.4.5: the window applies after subsetting).  NUL octets are sent as
 * 0x80.  Returns 0, IMAP_SECT_ENOPART (nothing appended, *size_r 0), or
 * -1 if out is full.
 */
int	imap_section_fetch(struct buf *out, const struct mime_msg *,
	    const struct imap_section *, uint64_t origin, uint64_t count,
	    size_t *size_r);

/* RFC822.SIZE: the message in CRLF octets. */
size_t	imap_rfc822_size(const struct mime_msg *);

#endif
