/*
 * common/sasl.h -- SASL PLAIN (RFC 4616) message decoding, shared by the
 * POP3 and IMAP pre-login code in the network child.
 */
#ifndef LB_SASL_H
#define LB_SASL_H

#include <stddef.h>

#include "common/limits.h"

struct sasl_plain {
	char	user[LB_USER_MAX + 1];	/* authcid */
	char	pass[LB_PASS_MAX + 1];
	size_t	ulen, plen;
};

/* Decode a base64 PLAIN response: [authzid] NUL authcid NUL passwd.
 * An authzid other than empty or the authcid is refused (we do not proxy
 * users).  0, or -1 (malformed, too long, NUL in a field).  The caller
 * wipes *out with explicit_bzero after use. */
int	sasl_plain_decode(const char *b64, size_t len, struct sasl_plain *out);

#endif
