/*
 * common/sasl.c -- SASL PLAIN decoding (see sasl.h).  Runs in the network
 * child (unprivileged, seccomp); the decoded password only travels on to
 * the monitor and is wiped here.
 */
#include <string.h>

#include "common/buf.h"
#include "common/decode.h"

#include "common/sasl.h"

int
sasl_plain_decode(const char *b64, size_t len, struct sasl_plain *out)
{
	struct buf raw;
	const unsigned char *z, *c, *p, *end;
	size_t rawlen, zlen, clen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&raw, LB_USER_MAX * 2 + LB_PASS_MAX + 2);
	if (len == 0 || b64_decode_strict(b64, len, &raw) == -1)
		goto done;
	rawlen = raw.len;
	z = (const unsigned char *)raw.p;
	end = z + rawlen;
	if ((c = memchr(z, '\0', rawlen)) == NULL)
		goto done;
	zlen = (size_t)(c - z);
	c++;
	if ((p = memchr(c, '\0', (size_t)(end - c))) == NULL)
		goto done;
	clen = (size_t)(p - c);
	p++;
	/* RFC 4616 sec. 2: authcid and passwd are 1 to 255 octets. */
	if (clen == 0 || clen > LB_USER_MAX || p == end ||
	    (size_t)(end - p) > LB_PASS_MAX ||
	    memchr(p, '\0', (size_t)(end - p)) != NULL)
		goto done;
	if (zlen != 0 && (zlen != clen || memcmp(z, c, clen) != 0))
		goto done;
	memcpy(out->user, c, clen);
	out->ulen = clen;
	memcpy(out->pass, p, (size_t)(end - p));
	out->plen = (size_t)(end - p);
	rc = 0;
done:
	buf_free(&raw);		/* wipes */
	if (rc == -1)
		explicit_bzero(out, sizeof(*out));
	return rc;
}
