/*
 * tests/fuzz/fuzz_mutf7.c -- libFuzzer target for common/mutf7.c.
 * Beyond "no crash": modified UTF-7 has one encoding per name, so every
 * accepted input must round-trip byte for byte, and every well-formed
 * UTF-8 name without NUL must encode and decode back.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_mutf7.c common/[a-z]*.c -o fuzz_mutf7
 *   ./fuzz_mutf7 tests/fuzz/corpus/mutf7
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mutf7.h"
#include "common/utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same(const struct buf *b, const uint8_t *d, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, d, n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	const char *in = (const char *)data;

	/* Bounds well above what these inputs can need: 3 bytes of UTF-8
	 * per input byte, 8/3 * 4 bytes of mUTF-7 per UTF-8 byte. */
	buf_init(&a, 4 * size + 16);
	buf_init(&b, 12 * size + 16);

	if (mutf7_to_utf8(in, size, &a) == 0) {
		if (!utf8_valid(a.p, a.len) ||
		    (a.len > 0 && memchr(a.p, 0, a.len) != NULL))
			abort();
		if (utf8_to_mutf7(a.p, a.len, &b) != 0 || !same(&b, data, size))
			abort();
	}
	buf_reset(&a);
	buf_reset(&b);

	if (utf8_to_mutf7(in, size, &a) == 0) {
		if (!utf8_valid(data, size) ||
		    (size > 0 && memchr(data, 0, size) != NULL))
			abort();
		if (mutf7_to_utf8(a.p, a.len, &b) != 0 || !same(&b, data, size))
			abort();
	} else if (utf8_valid(data, size) &&
	    (size == 0 || memchr(data, 0, size) == NULL))
		abort();	/* a valid name must encode */

	buf_free(&a);
	buf_free(&b);
	return 0;
}
