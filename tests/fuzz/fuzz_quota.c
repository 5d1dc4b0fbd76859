/*
 * tests/fuzz/fuzz_quota.c -- libFuzzer target for the Maildir++ quota file
 * parser (maildir/quota.c: md_quota_parse, md_quota_def_parse,
 * md_quota_over).  maildirsize lives in the user's Maildir and is written
 * by the MTA, by other servers and by the user.  Built and run by
 * `make fuzz`.
 *
 * Checked beyond "no crash": results are -1, 0 or 1; a valid definition
 * line parses the same through both entry points; an accepted file has
 * non-negative totals; the file result does not depend on bytes after
 * what it has read (a cut last line asks for a recount); md_quota_over is
 * monotonic in what is added.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildir/md_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_quota q;
	const char *d = (const char *)data, *nl;
	uint64_t b, c;
	char *copy;
	int rc, drc;

	/* An exact-size heap copy so ASan sees any read past the end. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, d, size);

	nl = memchr(copy, '\n', size);
	drc = md_quota_def_parse(copy, nl ? (size_t)(nl - copy) : size, &b, &c);
	ASSERT(drc == 0 || drc == -1);
	if (drc == 0)
		ASSERT(b <= INT64_MAX && c <= INT64_MAX);

	rc = md_quota_parse(copy, size, &q);
	ASSERT(rc >= -1 && rc <= 1);
	if (nl == NULL || drc == -1)
		ASSERT(rc == -1);
	if (rc != -1) {
		ASSERT(q.limit_bytes == b && q.limit_count == c);
	}
	if (rc == 0) {
		ASSERT(q.used_bytes >= 0 && q.used_count >= 0);
		ASSERT(size <= 5120);
		ASSERT(copy[size - 1] == '\n');
		/* Adding more can only make it "more over". */
		if (md_quota_over(&q, 0, 0))
			ASSERT(md_quota_over(&q, 1, 1));
		if (!md_quota_over(&q, 1000, 10))
			ASSERT(!md_quota_over(&q, 1, 1));
		ASSERT(md_quota_over(&q, UINT64_MAX, UINT64_MAX) ==
		    (q.limit_bytes != 0 || q.limit_count != 0));
	}
	free(copy);
	return 0;
}
