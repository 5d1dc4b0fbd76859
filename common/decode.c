/*
 * common/decode.c -- base64, quoted-printable and RFC 2047 decoding (see
 * decode.h).  Runs in the session role (chrooted, seccomp) on message
 * content, and in the pre-auth roles on SASL responses: all input is
 * hostile.  State machines only, no recursion; every output byte goes
 * through buf_append(), which enforces the caller's bound.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/charset.h"
#include "common/decode.h"
#include "common/limits.h"
#include "common/utf8.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
b64_digit(unsigned char c, unsigned char c63)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == c63)
		return 63;
	return -1;
}

static int
b64_val(unsigned char c)
{
	return b64_digit(c, '/');
}

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	/* RFC 2045 wants upper case; robust decoders take lower case too. */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* --- base64, tolerant --------------------------------------------------- */

void
b64_decode_init(struct b64_state *st)
{
	memset(st, 0, sizeof(*st));
}

/* Emit the whole bytes of a quantum of n characters (2, 3 or 4). */
static int
b64_flush(struct b64_state *st, struct buf *out)
{
	unsigned char b[3];
	uint32_t v = st->bits;
	size_t n;

	switch (st->n) {
	case 4:
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		n = 3;
		break;
	case 3:
		b[0] = (unsigned char)(v >> 10);
		b[1] = (unsigned char)(v >> 2);
		n = 2;
		break;
	case 2:
		b[0] = (unsigned char)(v >> 4);
		n = 1;
		break;
	default:
		n = 0;
		break;
	}
	st->bits = 0;
	st->n = 0;
	return buf_append(out, b, n);
}

int
b64_decode_update(struct b64_state *st, const void *in, size_t len,
    struct buf *out)
{
	const unsigned char *p = in;
	size_t i;
	int v;

	for (i = 0; i < len; i++) {
		if (st->done) {
			if (!is_lwsp(p[i]) && p[i] != '=')
				st->warn |= DECODE_W_GARBAGE;
			continue;
		}
		if ((v = b64_val(p[i])) >= 0) {
			st->bits = st->bits << 6 | (uint32_t)v;
			if (++st->n == 4 && b64_flush(st, out) == -1)
				return -1;
		} else if (p[i] == '=') {
			/* RFC 2045 sec. 6.8: '=' is the end of the data. */
			if (st->n == 1)
				st->warn |= DECODE_W_TRUNCATED;
			if (b64_flush(st, out) == -1)
				return -1;
			st->done = 1;
		} else if (!is_lwsp(p[i]))
			st->warn |= DECODE_W_GARBAGE;	/* skipped, sec. 6.8 */
	}
	return 0;
}

int
b64_decode_final(struct b64_state *st, struct buf *out)
{
	if (st->n != 0)
		st->warn |= DECODE_W_TRUNCATED;
	return b64_flush(st, out);
}

int
b64_decode(const void *in, size_t len, struct buf *out, unsigned *warn_r)
{
	struct b64_state st;
	int r;

	b64_decode_init(&st);
	r = b64_decode_update(&st, in, len, out);
	if (r == 0)
		r = b64_decode_final(&st, out);
	if (warn_r != NULL)
		*warn_r = st.warn;
	return r;
}

/* --- base64, strict (SASL) and encoder ---------------------------------- */

static int
b64_strict_fail(struct buf *out, size_t start, int err)
{
	/* Leave no partial secret behind. */
	if (out->len > start)
		explicit_bzero(out->p + start, out->len - start);
	out->len = start;
	errno = err;
	return -1;
}

int
b64_decode_strict(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	unsigned char b[3];
	size_t i, start = out->len, n;
	int v[4], k;

	if (len % 4 != 0)
		return b64_strict_fail(out, start, EINVAL);
	for (i = 0; i < len; i += 4) {
		n = 3;
		for (k = 0; k < 4; k++) {
			v[k] = b64_val(p[i + k]);
			if (v[k] >= 0)
				continue;
			/* '=' only in the last quantum, as "xx==" or "xxx=". */
			if (p[i + k] != '=' || i + 4 != len || k < 2 ||
			    (k == 2 && p[i + 3] != '='))
				return b64_strict_fail(out, start, EINVAL);
			if (n == 3)
				n = (size_t)k - 1;
			v[k] = 0;
		}
		/* The bits below the last whole byte must be zero. */
		if ((n == 1 && (v[1] & 0x0F) != 0) ||
		    (n == 2 && (v[2] & 0x03) != 0))
			return b64_strict_fail(out, start, EINVAL);
		b[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		b[1] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		b[2] = (unsigned char)(v[2] << 6 | v[3]);
		if (buf_append(out, b, n) == -1)
			return b64_strict_fail(out, start, errno);
	}
	return 0;
}

int
b64_encode(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	char q[4];
	uint32_t v;
	size_t i;

	/* 4 * ceil(len / 3), checked before anything is written. */
	if (len / 3 >= ((size_t)-1 / 2) / 4 - 1) {
		errno = E2BIG;
		return -1;
	}
	if (buf_reserve(out, (len / 3 + 1) * 4) == -1)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		q[0] = b64_alpha[v >> 18];
		q[1] = b64_alpha[v >> 12 & 0x3F];
		q[2] = b64_alpha[v >> 6 & 0x3F];
		q[3] = b64_alpha[v & 0x3F];
		if (buf_append(out, q, 4) == -1)
			return -1;
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64_alpha[v >> 18];
		q[1] = b64_alpha[v >> 12 & 0x3F];
		q[2] = i + 1 < len ? b64_alpha[v >> 6 & 0x3F] : '=';
		q[3] = '=';
		if (buf_append(out, q, 4) == -1)
			return -1;
	}
	return 0;
}

/* --- quoted-printable --------------------------------------------------- */

enum {
	QP_TEXT,	/* pend: whitespace that may be trailing */
	QP_CR,		/* pend: whitespace, then a CR was seen */
	QP_EQ,		/* '=' seen */
	QP_EQ1,		/* '=' and one hex digit (in hi, as written) */
	QP_EQWS,	/* '=' then whitespace (in pend) */
	QP_EQWSCR	/* '=', maybe whitespace, then CR */
};

void
qp_decode_init(struct qp_state *st)
{
	memset(st, 0, sizeof(*st));
	st->st = QP_TEXT;
}

static int
qp_flush_pend(struct qp_state *st, struct buf *out)
{
	size_t n = st->npend;

	st->npend = 0;
	return buf_append(out, st->pend, n);
}

/* A '=' that turned out not to start an escape or soft break. */
static int
qp_literal_eq(struct qp_state *st, struct buf *out, int cr)
{
	st->warn |= DECODE_W_BADESCAPE;
	if (buf_putc(out, '=') == -1 || qp_flush_pend(st, out) == -1)
		return -1;
	if (cr && buf_putc(out, '\r') == -1)
		return -1;
	st->st = QP_TEXT;
	return 0;
}

int
qp_decode_update(struct qp_state *st, const void *in, size_t len,
    struct buf *out)
{
	const unsigned char *p = in;
	unsigned char c;
	size_t i;
	int v;

	for (i = 0; i < len; i++) {
		c = p[i];
again:
		switch (st->st) {
		case QP_TEXT:
			if (c == ' ' || c == '\t') {
				if (st->npend == QP_PEND_MAX &&
				    qp_flush_pend(st, out) == -1)
					return -1;
				st->pend[st->npend++] = c;
			} else if (c == '\r')
				st->st = QP_CR;
			else if (c == '\n') {
				/* Rule 3: trailing whitespace is padding. */
				st->npend = 0;
				if (buf_putc(out, '\n') == -1)
					return -1;
			} else {
				if (qp_flush_pend(st, out) == -1)
					return -1;
				if (c == '=')
					st->st = QP_EQ;
				else if (buf_putc(out, c) == -1)
					return -1;
			}
			break;
		case QP_CR:
			st->st = QP_TEXT;
			if (c == '\n') {
				st->npend = 0;
				if (buf_append(out, "\r\n", 2) == -1)
					return -1;
				break;
			}
			/* A bare CR is an ordinary character. */
			if (qp_flush_pend(st, out) == -1 ||
			    buf_putc(out, '\r') == -1)
				return -1;
			goto again;
		case QP_EQ:
			if ((v = hex_val(c)) >= 0) {
				st->hi = c;
				st->st = QP_EQ1;
			} else if (c == '\n')
				st->st = QP_TEXT;	/* soft line break */
			else if (c == '\r')
				st->st = QP_EQWSCR;
			else if (c == ' ' || c == '\t') {
				st->pend[st->npend++] = c;
				st->st = QP_EQWS;
			} else {
				if (qp_literal_eq(st, out, 0) == -1)
					return -1;
				goto again;
			}
			break;
		case QP_EQ1:
			st->st = QP_TEXT;
			if ((v = hex_val(c)) >= 0) {
				if (buf_putc(out, hex_val((unsigned char)st->hi)
				    << 4 | v) == -1)
					return -1;
				break;
			}
			st->warn |= DECODE_W_BADESCAPE;
			if (buf_putc(out, '=') == -1 ||
			    buf_putc(out, (int)st->hi) == -1)
				return -1;
			goto again;
		case QP_EQWS:
			if ((c == ' ' || c == '\t') &&
			    st->npend < QP_PEND_MAX)
				st->pend[st->npend++] = c;
			else if (c == '\r')
				st->st = QP_EQWSCR;
			else if (c == '\n') {
				/* "=  \n": soft break with padding. */
				st->npend = 0;
				st->st = QP_TEXT;
			} else {
				if (qp_literal_eq(st, out, 0) == -1)
					return -1;
				goto again;
			}
			break;
		case QP_EQWSCR:
			if (c == '\n') {
				st->npend = 0;
				st->st = QP_TEXT;
				break;
			}
			if (qp_literal_eq(st, out, 1) == -1)
				return -1;
			goto again;
		}
	}
	return 0;
}

int
qp_decode_final(struct qp_state *st, struct buf *out)
{
	int r = 0;

	switch (st->st) {
	case QP_TEXT:
		/* Trailing whitespace of the last line is padding too. */
		st->npend = 0;
		break;
	case QP_CR:
		if (qp_flush_pend(st, out) == -1 || buf_putc(out, '\r') == -1)
			r = -1;
		break;
	case QP_EQ:
	case QP_EQWS:
		/* A soft break whose line break was lost: nothing to add. */
		st->warn |= DECODE_W_TRUNCATED;
		st->npend = 0;
		break;
	case QP_EQ1:
		st->warn |= DECODE_W_TRUNCATED | DECODE_W_BADESCAPE;
		if (buf_putc(out, '=') == -1 || buf_putc(out, (int)st->hi) == -1)
			r = -1;
		break;
	case QP_EQWSCR:
		r = qp_literal_eq(st, out, 1);
		break;
	}
	st->st = QP_TEXT;
	st->npend = 0;
	return r;
}

int
qp_decode(const void *in, size_t len, struct buf *out, unsigned *warn_r)
{
	struct qp_state st;
	int r;

	qp_decode_init(&st);
	r = qp_decode_update(&st, in, len, out);
	if (r == 0)
		r = qp_decode_final(&st, out);
	if (warn_r != NULL)
		*warn_r = st.warn;
	return r;
}

/* --- RFC 2047 encoded words ----------------------------------------------- */

/* A charset token with an RFC 2231 language ("koi8-r*ru") may be longer
 * than a charset name; this bounds the scan. */
#define EW_TOKEN_MAX	(2 * LB_CHARSET_NAME_MAX)

struct ew {
	size_t	 end;		/* index after "?=" */
	int	 cs;		/* charset id */
	int	 enc;		/* 'B' or 'Q' */
	size_t	 text;		/* encoded text: in[text .. text + tlen) */
	size_t	 tlen;
};

/*
 * Parse "=?charset?E?text?=" at in[q] (in[q..q+1] is "=?").  1 if it is a
 * word we can decode, 0 if malformed or in an unknown charset (kept as
 * text then).  Scans only up to the first '?' after the text, so the
 * caller's search for the next "=?" never goes over the same bytes twice.
 */
static int
ew_parse(const char *in, size_t len, size_t q, struct ew *w)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = q + 2, cs0 = i, cslen, j;

	while (i < len && p[i] != '?' && p[i] > 0x20 && p[i] < 0x7F &&
	    i - cs0 <= EW_TOKEN_MAX)
		i++;
	if (i >= len || p[i] != '?' || i == cs0)
		return 0;
	/* RFC 2231 sec. 5: "charset*language". */
	for (cslen = 0; cs0 + cslen < i && p[cs0 + cslen] != '*'; cslen++)
		;
	if (i + 2 >= len || p[i + 2] != '?')
		return 0;
	switch (p[i + 1]) {
	case 'B': case 'b':
		w->enc = 'B';
		break;
	case 'Q': case 'q':
		w->enc = 'Q';
		break;
	default:
		return 0;
	}
	w->text = i + 3;
	for (j = w->text; j < len && p[j] != '?' && p[j] > 0x20 &&
	    p[j] < 0x7F; j++)
		if (w->enc == 'B' && b64_val(p[j]) < 0 && p[j] != '=')
			return 0;
	if (j + 1 >= len || p[j] != '?' || p[j + 1] != '=')
		return 0;
	w->tlen = j - w->text;
	w->end = j + 2;
	if ((w->cs = charset_lookup(in + cs0, cslen)) < 0)
		return 0;
	return 1;
}

/* RFC 2047 sec. 4.2: the Q encoding. */
static int
q_decode(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (p[i] == '_') {
			if (buf_putc(out, ' ') == -1)
				return -1;
		} else if (p[i] == '=' && i + 2 < len &&
		    (hi = hex_val(p[i + 1])) >= 0 &&
		    (lo = hex_val(p[i + 2])) >= 0) {
			if (buf_putc(out, hi << 4 | lo) == -1)
				return -1;
			i += 2;
		} else if (buf_putc(out, p[i]) == -1)
			return -1;	/* a bad '=' is kept literally */
	}
	return 0;
}

/* Text outside words, CR and LF removed (unfolding). */
static int
ew_text(const char *in, size_t len, int fallback, struct buf *out)
{
	size_t i, run;
	int utf8 = utf8_valid(in, len);

	for (i = 0; i < len;) {
		for (run = i; i < len && in[i] != '\r' && in[i] != '\n'; i++)
			;
		if (utf8) {
			if (buf_append(out, in + run, i - run) == -1)
				return -1;
		} else if (charset_to_utf8(fallback, in + run, i - run,
		    out) == -1)
			return -1;
		while (i < len && (in[i] == '\r' || in[i] == '\n'))
			i++;
	}
	return 0;
}

static int
all_lwsp(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_lwsp((unsigned char)s[i]))
			return 0;
	return 1;
}

int
rfc2047_decode(const char *in, size_t len, int fallback_cs, struct buf *out)
{
	struct buf raw;		/* decoded bytes of adjacent words */
	struct ew w;
	const char *hit;
	size_t pos = 0, text = 0;
	int pend_cs = -1, r = -1;

	if (len == 0)
		return 0;
	if (fallback_cs < 0 || charset_name(fallback_cs) == NULL)
		fallback_cs = CHARSET_ISO8859_1;
	buf_init(&raw, out->max);
	while (pos + 1 < len &&
	    (hit = memmem(in + pos, len - pos, "=?", 2)) != NULL) {
		pos = (size_t)(hit - in);
		if (!ew_parse(in, len, pos, &w)) {
			pos += 2;
			continue;
		}
		/* Sec. 6.2: only whitespace between two words vanishes. */
		if (pend_cs < 0 || !all_lwsp(in + text, pos - text) ||
		    pend_cs != w.cs) {
			if (pend_cs >= 0 && charset_to_utf8(pend_cs, raw.p,
			    raw.len, out) == -1)
				goto done;
			buf_reset(&raw);
			if (pend_cs < 0 || !all_lwsp(in + text, pos - text)) {
				if (ew_text(in + text, pos - text, fallback_cs,
				    out) == -1)
					goto done;
			}
		}
		pend_cs = w.cs;
		if (w.enc == 'B') {
			if (b64_decode(in + w.text, w.tlen, &raw, NULL) == -1)
				goto done;
		} else if (q_decode((const unsigned char *)in + w.text,
		    w.tlen, &raw) == -1)
			goto done;
		pos = text = w.end;
	}
	if (pend_cs >= 0 &&
	    charset_to_utf8(pend_cs, raw.p, raw.len, out) == -1)
		goto done;
	if (ew_text(in + text, len - text, fallback_cs, out) == -1)
		goto done;
	r = 0;
done:
	buf_free(&raw);
	return r;
}
