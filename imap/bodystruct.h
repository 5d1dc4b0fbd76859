/*
 * imap/bodystruct.h -- FETCH ENVELOPE, BODY and BODYSTRUCTURE data (RFC
 * 3501 sec. 7.4.2 and 9) built from a common/mime.h parse.  Used by the
 * session child.
 */
#ifndef LB_IMAP_BODYSTRUCT_H
#define LB_IMAP_BODYSTRUCT_H

#include "common/buf.h"
#include "common/mime.h"

/*
 * Append the ENVELOPE of msg, a part with MIME_F_ISMSG (mime_root(), or
 * the child of a MIME_MESSAGE part), as "(date subject from sender
 * reply-to to cc bcc in-reply-to message-id)".  The first of repeated
 * fields counts; an absent Date/Subject/In-Reply-To/Message-ID is NIL,
 * an empty one "".  Sender and Reply-To default to From.  Addresses are
 * parsed per RFC 5322 best-effort: groups become start/end markers, a
 * missing local part or domain becomes "MISSING_MAILBOX"/"MISSING_DOMAIN"
 * (NIL would read as a group marker), "<>" gives "" "".  Fields longer
 * than LB_MIME_FIELD_MAX count as absent; at most LB_ENVELOPE_ADDRS_MAX
 * addresses per field.  Returns 0, or -1 if out is full.
 */
int	imap_envelope(struct buf *out, const struct mime_msg *,
	    const struct mime_part *msg);

/*
 * Append the BODY (extended == 0) or BODYSTRUCTURE (extended != 0) of
 * part (mime_root() for the message).  Strings come out as the parser
 * stored them: type, subtype, parameter names, encoding and disposition
 * lowercased, values as written.  Opaque parts (MIME_F_OPAQUE) are
 * "application" "octet-stream".  Recursion is bounded by
 * LB_MIME_DEPTH_MAX.  Returns 0, or -1 if out is full.
 */
int	imap_bodystructure(struct buf *out, const struct mime_msg *,
	    const struct mime_part *part, int extended);

#endif
