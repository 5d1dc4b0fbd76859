/*
 * common/sasl.c -- SASL PLAIN decoding (see sasl.h).  Runs in the network
 * child (unprivileged, seccomp); the decoded password only travels on to
 * the monitor and is wiped here.
 */
#include <string.h>

#include "common/sasl.h"

/* Strict base64 (RFC 4648 sec. 4): no white space, padding required. */
static int
sasl_b64(const char *in, size_t len, unsigned char *out, size_t max,
    size_t *outlen)
{
	unsigned v = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0, d;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		char ch = in[i];

		if (ch == '=') {
			if (i < len - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad > 0)
			return -1;
		if (ch >= 'A' && ch <= 'Z')
			d = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			d = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			d = ch - '0' + 52;
		else if (ch == '+')
			d = 62;
		else if (ch == '/')
			d = 63;
		else
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				return -1;
			out[o++] = (unsigned char)(v >> bits);
			v &= (1U << bits) - 1;
		}
	}
	/* Leftover bits must be zero (canonical encoding). */
	if (v != 0)
		return -1;
	*outlen = o;
	return 0;
}

int
sasl_plain_decode(const char *b64, size_t len, struct sasl_plain *out)
{
	unsigned char raw[LB_USER_MAX * 2 + LB_PASS_MAX + 3];
	const unsigned char *z, *c, *p, *end;
	size_t rawlen, zlen, clen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sasl_b64(b64, len, raw, sizeof(raw), &rawlen) == -1)
		goto done;
	end = raw + rawlen;
	z = raw;
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
	explicit_bzero(raw, sizeof(raw));
	if (rc == -1)
		explicit_bzero(out, sizeof(*out));
	return rc;
}
