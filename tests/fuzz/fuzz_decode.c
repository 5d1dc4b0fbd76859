/*
 * tests/fuzz/fuzz_decode.c -- libFuzzer target for common/decode.c,
 * common/charset.c and common/utf8.c.  The first input byte picks a
 * charset and a split point; the rest is fed to every decoder.  Checked
 * beyond "no crash":
 *  - incremental base64/QP give the same output and warnings however the
 *    input is split;
 *  - strict base64 accepts only the canonical encoding (decode then
 *    encode gives the input back), and encode then strict decode is the
 *    identity;
 *  - charset_to_utf8(), rfc2047_decode() and utf8_casefold() always
 *    produce well-formed UTF-8; case folding is idempotent; a key
 *    contains itself.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_decode.c common/[a-z]*.c -o fuzz_decode
 *   ./fuzz_decode tests/fuzz/corpus/decode
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/charset.h"
#include "common/decode.h"
#include "common/utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void
check_b64(const uint8_t *d, size_t n, size_t cut)
{
	struct b64_state st;
	struct buf a, b;
	unsigned w;

	buf_init(&a, 0);
	buf_init(&b, 0);
	if (b64_decode(d, n, &a, &w) != 0)
		abort();
	b64_decode_init(&st);
	if (b64_decode_update(&st, d, cut, &b) != 0 ||
	    b64_decode_update(&st, d + cut, n - cut, &b) != 0 ||
	    b64_decode_final(&st, &b) != 0)
		abort();
	if (!same(&a, &b) || st.warn != w || a.len > n)
		abort();

	buf_reset(&a);
	buf_reset(&b);
	if (b64_decode_strict(d, n, &a) == 0) {
		if (b64_encode(a.p, a.len, &b) != 0 || b.len != n ||
		    (n > 0 && memcmp(b.p, d, n) != 0))
			abort();
	} else if (a.len != 0)
		abort();	/* a failed strict decode leaves nothing */

	buf_reset(&a);
	buf_reset(&b);
	if (b64_encode(d, n, &a) != 0 || b64_decode_strict(a.p, a.len, &b) != 0 ||
	    b.len != n || (n > 0 && memcmp(b.p, d, n) != 0))
		abort();
	buf_free(&a);
	buf_free(&b);
}

static void
check_qp(const uint8_t *d, size_t n, size_t cut)
{
	struct qp_state st;
	struct buf a, b;
	size_t i;
	unsigned w;

	buf_init(&a, 0);
	buf_init(&b, 0);
	if (qp_decode(d, n, &a, &w) != 0)
		abort();
	qp_decode_init(&st);
	if (qp_decode_update(&st, d, cut, &b) != 0 ||
	    qp_decode_update(&st, d + cut, n - cut, &b) != 0 ||
	    qp_decode_final(&st, &b) != 0)
		abort();
	if (!same(&a, &b) || st.warn != w || a.len > n)
		abort();
	/* And byte at a time, for short inputs. */
	if (n <= 64) {
		buf_reset(&b);
		qp_decode_init(&st);
		for (i = 0; i < n; i++)
			if (qp_decode_update(&st, d + i, 1, &b) != 0)
				abort();
		if (qp_decode_final(&st, &b) != 0 || !same(&a, &b) ||
		    st.warn != w)
			abort();
	}
	buf_free(&a);
	buf_free(&b);
}

static void
check_text(int cs, const uint8_t *d, size_t n)
{
	struct buf a, k1, k2;

	buf_init(&a, 0);
	buf_init(&k1, 0);
	buf_init(&k2, 0);
	if (charset_to_utf8(cs, d, n, &a) != 0 || !utf8_valid(a.p, a.len))
		abort();
	buf_reset(&a);
	if (rfc2047_decode((const char *)d, n, cs, &a) != 0 ||
	    !utf8_valid(a.p, a.len))
		abort();
	if (utf8_casefold(a.p, a.len, &k1) != 0 ||
	    !utf8_valid(k1.p, k1.len))
		abort();
	if (utf8_casefold(k1.p, k1.len, &k2) != 0 || !same(&k1, &k2))
		abort();
	if (!utf8_ci_contains(k1.p, k1.len, k1.p, k1.len))
		abort();
	/* A bounded output stops cleanly. */
	buf_free(&a);
	buf_init(&a, n / 2 + 1);	/* 0 would mean "no bound" */
	(void)rfc2047_decode((const char *)d, n, cs, &a);
	if (a.len > n / 2 + 1)
		abort();
	buf_free(&a);
	buf_free(&k1);
	buf_free(&k2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut;
	int cs;

	if (size < 1)
		return 0;
	cs = data[0] % CHARSET_COUNT;
	data++;
	size--;
	cut = size == 0 ? 0 : (size_t)cs * 7919 % (size + 1);
	check_b64(data, size, cut);
	check_qp(data, size, cut);
	check_text(cs, data, size);
	return 0;
}
