/*
 * tests/fuzz/fuzz_mime.c -- libFuzzer target for common/mime.c,
 * imap/bodystruct.c, imap/section.c and imap/quote.c: parse, ENVELOPE of
 * every message node, BODY and BODYSTRUCTURE, a few sections with
 * partials, and the invariants the server relies on (sizes add up, the
 * tree nests).  Not built by the Makefile; by hand:
 *
 *	clang -g -O1 -std=c11 -D_GNU_SOURCE -I. \
 *	    -fsanitize=fuzzer,address,undefined \
 *	    -o fuzz_mime tests/fuzz/fuzz_mime.c common/mime.c common/buf.c \
 *	    common/num.c imap/quote.c imap/bodystruct.c imap/section.c
 *	./fuzz_mime -max_total_time=120 tests/fuzz/corpus/mime
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mime.h"
#include "imap/bodystruct.h"
#include "imap/section.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const specs[] = {
	"", "1", "2", "1.1", "1.2.1", "2.1", "HEADER", "TEXT", "1.MIME",
	"2.MIME", "2.HEADER", "2.TEXT", "1.1.MIME", "HEADER.FIELDS",
	"HEADER.FIELDS.NOT", "2.HEADER.FIELDS"
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mime_str fields[] = {
		{ "From", 4 }, { "subject", 7 }, { "Content-Type", 12 }
	};
	const char *d = (const char *)data;
	const struct mime_part *p, *r;
	struct imap_section sec;
	struct mime_msg *m;
	struct buf b;
	size_t i, sz, n;

	if (mime_parse(d, size, &m) == -1)
		return 0;
	r = mime_root(m);
	check(mime_size(m) == mime_crlf_size(d, size, NULL));
	buf_init(&b, 64 * 1024 * 1024);
	n = mime_nparts(m);
	for (i = 0; i < n; i++) {
		p = &r[i];
		check(p->body_off == p->hdr_off + p->hdr_len);
		check(p->body_off + p->body_len <= size);
		if (p->parent != NULL)
			check(p->hdr_off >= p->parent->body_off &&
			    p->body_off + p->body_len <= p->parent->body_off +
			    p->parent->body_len);
		if (p->flags & MIME_F_ISMSG) {
			buf_reset(&b);
			check(imap_envelope(&b, m, p) == 0);
		}
	}
	buf_reset(&b);
	check(imap_bodystructure(&b, m, r, 0) == 0);
	buf_reset(&b);
	check(imap_bodystructure(&b, m, r, 1) == 0);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		check(imap_section_parse(specs[i], strlen(specs[i]), &sec) ==
		    0);
		sec.fields = fields;
		sec.nfields = 3;
		buf_reset(&b);
		if (imap_section_fetch(&b, m, &sec, 0, UINT64_MAX, &sz) == 0)
			check(b.len == sz);
		buf_reset(&b);
		if (imap_section_fetch(&b, m, &sec, size / 3, size / 2 + 1,
		    &sz) == 0)
			check(b.len <= size / 2 + 1);
	}
	buf_free(&b);
	mime_free(&m);
	return 0;
}
