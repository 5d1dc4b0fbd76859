/*
 * tests/fuzz/fuzz_sasl.c -- libFuzzer target for SASL PLAIN
 * (common/sasl.c: sasl_plain_decode), which the network child runs on the
 * client's AUTHENTICATE/AUTH response before login.  Built and run by
 * `make fuzz`.
 *
 * Checked beyond "no crash": an accepted response gives a non-empty user
 * and a password within their bounds, NUL-free and NUL-terminated; encoding
 * "\0user\0pass" and "user\0user\0pass" back gives responses that decode to
 * the same; a refused response leaves the output wiped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/decode.h"
#include "common/sasl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

static int
zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
reencode(const struct sasl_plain *s, int authzid)
{
	struct buf raw, enc;
	struct sasl_plain t;

	buf_init(&raw, 0);
	buf_init(&enc, 0);
	if (authzid)
		ASSERT(buf_append(&raw, s->user, s->ulen) == 0);
	ASSERT(buf_putc(&raw, 0) == 0);
	ASSERT(buf_append(&raw, s->user, s->ulen) == 0);
	ASSERT(buf_putc(&raw, 0) == 0);
	ASSERT(buf_append(&raw, s->pass, s->plen) == 0);
	ASSERT(b64_encode(raw.p, raw.len, &enc) == 0);
	ASSERT(sasl_plain_decode(enc.p, enc.len, &t) == 0);
	ASSERT(t.ulen == s->ulen && t.plen == s->plen &&
	    memcmp(t.user, s->user, s->ulen) == 0 &&
	    memcmp(t.pass, s->pass, s->plen) == 0);
	buf_free(&raw);
	buf_free(&enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_plain s;
	char *copy;

	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (sasl_plain_decode(copy, size, &s) == 0) {
		ASSERT(s.ulen >= 1 && s.ulen <= LB_USER_MAX);
		ASSERT(s.plen >= 1 && s.plen <= LB_PASS_MAX);
		ASSERT(s.user[s.ulen] == '\0' && s.pass[s.plen] == '\0');
		ASSERT(memchr(s.user, 0, s.ulen) == NULL &&
		    memchr(s.pass, 0, s.plen) == NULL);
		reencode(&s, 0);
		reencode(&s, 1);
	} else
		ASSERT(zero(&s, sizeof(s)));
	free(copy);
	return 0;
}
