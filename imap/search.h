/*
 * imap/search.h -- SEARCH and UID SEARCH (RFC 3501 sec. 6.4.4), with
 * ESEARCH result options (RFC 4731), SEARCHRES (RFC 5182) and the MODSEQ
 * criterion (RFC 7162 sec. 3.1.5).  Runs in the session child, confined:
 * it reads message files through the Maildir engine (md_open, read,
 * fstat) and nothing else.  The handler itself, imap_cmd_search(), is
 * declared in imap/imapd.h.
 *
 * Matching (i;unicode-casemap, RFC 5051): search strings are converted
 * from the CHARSET (default: UTF-8 if valid, RFC 6855 style) to UTF-8 and
 * casefolded; header fields are unfolded, RFC 2047-decoded and casefolded;
 * text body parts (also inside message/rfc822) are transfer-decoded
 * (base64, quoted-printable), converted from their charset parameter
 * (absent, us-ascii or unknown: UTF-8 if valid, else windows-1252) and
 * casefolded, one line-aligned chunk at a time.  A substring match wins.
 *
 * Bounds: at most LB_SEARCH_READ_MAX bytes of a message are read for
 * header, BODY and TEXT keys (text after that is not searched); one field
 * is searched in its first LB_MIME_FIELD_MAX bytes; NOT/OR/parentheses
 * nest at most LB_SEARCH_DEPTH_MAX deep.  Nothing is cached between
 * commands.
 *
 * s->saved (SEARCHRES "$") holds UIDs, never message numbers: "$" in a
 * SEARCH key names the messages whose UID is in it, in both SEARCH and
 * UID SEARCH.
 */
#ifndef LB_IMAP_SEARCH_H
#define LB_IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "imap/imapd.h"

/*
 * Evaluate the search program args[0..nargs) (the keys, after any
 * CHARSET; several keys are ANDed) against the selected mailbox's view,
 * for SEARCH and for SORT/THREAD (RFC 5256).  charset is a charset_lookup()
 * id for the strings, or -1 for the default.  On IMAP_OK, *vis_r is the
 * ascending list of matching view indices (free() it; NULL when *n_r is
 * 0) and *modseq_r (may be NULL) the highest MODSEQ among them if a
 * MODSEQ key was used, else 0.  Otherwise IMAP_BAD or IMAP_NO with the
 * answer set by imap_resp().  Writes nothing to the client except the
 * HIGHESTMODSEQ notice when a MODSEQ key enables CONDSTORE (RFC 7162
 * sec. 3.1).
 */
enum imap_result imap_search_select(struct imap_session *,
	    const struct imap_arg *args, size_t nargs, int charset,
	    size_t **vis_r, size_t *n_r, uint64_t *modseq_r);

#endif
