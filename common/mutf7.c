/*
 * common/mutf7.c -- IMAP modified UTF-7 (RFC 3501 sec. 5.1.3), see
 * mutf7.h.  Runs in the session role (chrooted, seccomp) on client-supplied
 * mailbox names, so the decoder is strict: RFC 3501 asks servers to verify
 * names given to CREATE, and a unique encoding per name means one folder
 * can never be reached under two spellings.
 */
#include <errno.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/decode.h"
#include "common/mutf7.h"
#include "common/utf8.h"

static const char mb64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
mb64_value(unsigned char c)
{
	return b64_digit(c, ',');
}

static int
einval(void)
{
	errno = EINVAL;
	return -1;
}

/* Decode one shift whose base64 starts at in[*ip]; leaves *ip after '-'. */
static int
mutf7_shift(const char *in, size_t len, size_t *ip, struct buf *out)
{
	uint32_t bits = 0, unit, hi = 0;
	unsigned nbits = 0;
	size_t i = *ip;
	int v;

	for (; i < len && in[i] != '-'; i++) {
		if ((v = mb64_value((unsigned char)in[i])) < 0)
			return einval();
		bits = bits << 6 | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = bits >> nbits;
		bits &= (1u << nbits) - 1;
		if (hi != 0) {
			if (unit < 0xDC00 || unit > 0xDFFF)
				return einval();
			unit = 0x10000 + ((hi - 0xD800) << 10) + (unit - 0xDC00);
			hi = 0;
		} else if (unit >= 0xD800 && unit <= 0xDBFF) {
			hi = unit;
			continue;
		} else if (unit >= 0xDC00 && unit <= 0xDFFF)
			return einval();
		else if (unit == 0 || (unit >= 0x20 && unit <= 0x7E))
			/* Printable ASCII must be direct (sec. 5.1.3). */
			return einval();
		if (utf8_put(out, unit) == -1)
			return -1;
	}
	if (i >= len)
		return einval();	/* no shift back to US-ASCII */
	/*
	 * Minimal encoding: the last character may carry only the 2 or 4
	 * bits that pad to a 6-bit boundary, and those must be zero.  Also
	 * catches an empty shift, which cannot happen ("&-" is '&').
	 */
	if (hi != 0 || nbits >= 6 || bits != 0 || i == *ip)
		return einval();
	*ip = i + 1;
	return 0;
}

int
mutf7_to_utf8(const char *in, size_t len, struct buf *out)
{
	size_t i = 0;
	int after_shift = 0;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c > 0x7E)
			return einval();
		if (c != '&') {
			if (buf_putc(out, c) == -1)
				return -1;
			after_shift = 0;
			i++;
			continue;
		}
		if (i + 1 < len && in[i + 1] == '-') {
			if (buf_putc(out, '&') == -1)
				return -1;
			after_shift = 0;
			i += 2;
			continue;
		}
		/* "-&" while in base64 is a null shift (sec. 5.1.3). */
		if (after_shift)
			return einval();
		i++;
		if (mutf7_shift(in, len, &i, out) == -1)
			return -1;
		after_shift = 1;
	}
	return 0;
}

/* Emit the 16-bit unit u into the shift being written. */
static int
mb64_unit(struct buf *out, uint32_t *bits, unsigned *nbits, uint32_t u)
{
	*bits = (*bits << 16 | u) & 0x3FFFFF;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		if (buf_putc(out, mb64_alpha[*bits >> *nbits & 0x3F]) == -1)
			return -1;
	}
	return 0;
}

static int
mb64_close(struct buf *out, uint32_t bits, unsigned nbits)
{
	if (nbits > 0 &&
	    buf_putc(out, mb64_alpha[bits << (6 - nbits) & 0x3F]) == -1)
		return -1;
	return buf_putc(out, '-');
}

int
utf8_to_mutf7(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	uint32_t cp, bits = 0;
	unsigned nbits = 0;
	int shifted = 0;
	size_t i = 0;

	while (i < len) {
		i += utf8_next(p + i, len - i, &cp);
		if (cp == UTF8_INVALID || cp == 0)
			return einval();
		if (cp >= 0x20 && cp <= 0x7E) {
			if (shifted && mb64_close(out, bits, nbits) == -1)
				return -1;
			shifted = 0;
			if (buf_putc(out, (int)cp) == -1 ||
			    (cp == '&' && buf_putc(out, '-') == -1))
				return -1;
			continue;
		}
		if (!shifted) {
			if (buf_putc(out, '&') == -1)
				return -1;
			shifted = 1;
			bits = 0;
			nbits = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if (mb64_unit(out, &bits, &nbits,
			    0xD800 + (cp >> 10)) == -1 ||
			    mb64_unit(out, &bits, &nbits,
			    0xDC00 + (cp & 0x3FF)) == -1)
				return -1;
		} else if (mb64_unit(out, &bits, &nbits, cp) == -1)
			return -1;
	}
	if (shifted && mb64_close(out, bits, nbits) == -1)
		return -1;
	return 0;
}
