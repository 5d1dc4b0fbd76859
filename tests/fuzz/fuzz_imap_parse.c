/*
 * tests/fuzz/fuzz_imap_parse.c -- libFuzzer target for imap/parse.c and
 * imap/seqset.c.  Not built by the Makefile:
 *
 *	clang -g -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	    tests/fuzz/fuzz_imap_parse.c imap/parse.c imap/seqset.c \
 *	    common/buf.c common/num.c \
 *	    -o /tmp/f && /tmp/f -max_total_time=120 tests/fuzz/corpus/imap_parse
 *
 * Input: byte 0 chooses the limits and the caller's behaviour (streaming,
 * LITERAL+ or LITERAL-, rejecting literals, raw lines), byte 1 seeds the
 * packet splits, the rest is what the client sends.  The input is parsed
 * twice, in one piece and in random pieces; both runs must give the same
 * transcript of results (a resumable parser must not depend on how bytes
 * arrive), and every result must keep the API's promises.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap/parse.h"
#include "imap/seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

struct run {
	struct buf	 t;		/* transcript */
	uint64_t	 lit_off;	/* streamed literal: next offset */
	uint64_t	 lit_hash;
	unsigned	 nconts, ncmds;
	int		 in_stream;
};

static void
tput(struct run *r, const void *d, size_t n)
{
	(void)buf_append(&r->t, d, n);
}

static void
tputs(struct run *r, const char *s)
{
	tput(r, s, strlen(s));
}

static void
check_arg(struct run *r, const struct imap_arg *a, int depth)
{
	const struct imap_arg *l;
	struct imap_arg_section sec;
	struct seqset *set;
	struct seqset_iter it;
	const char *s;
	size_t n, i;
	uint32_t u, lo, hi, prev;
	uint64_t u64;
	char tmp[64];

	ASSERT(depth <= 70);
	snprintf(tmp, sizeof(tmp), "<%d:%x:%zu:", (int)a->type, a->flags,
	    a->len);
	tputs(r, tmp);
	if (a->str != NULL) {
		ASSERT(a->str[a->len] == '\0');
		tput(r, a->str, a->len);
	}
	/* The helpers must not crash and must agree with the type. */
	if (imap_arg_get_astring(a, &s, &n) == 0)
		ASSERT(s != NULL && n == a->len && memchr(s, 0, n) == NULL);
	if (imap_arg_get_nstring(a, &s, &n) == 0)
		ASSERT(a->type != IMAP_ARG_ATOM);
	if (imap_arg_get_atom(a, &s) == 0)
		ASSERT(a->len > 0 && !(a->flags & IMAP_ARGF_8BIT));
	(void)imap_arg_get_flag(a, &s);
	(void)imap_arg_get_number(a, &u);
	if (imap_arg_get_nz_number(a, &u) == 0)
		ASSERT(u > 0);
	(void)imap_arg_get_number64(a, &u64);
	(void)imap_arg_get_flag_list(a, &l, &n);
	(void)imap_arg_is_atom(a, "NIL");
	if (imap_arg_get_section(a, &sec) == 0)
		ASSERT(sec.namelen + sec.suffixlen < a->len);
	if (a->type == IMAP_ARG_ATOM && a->str != NULL &&
	    seqset_parse(a->str, a->len, SEQSET_ALLOW_DOLLAR, &set) == 0) {
		/* Iteration is ascending, disjoint, within [1, max], and
		 * agrees with membership at the edges. */
		uint32_t max = (uint32_t)(a->len * 7);

		seqset_iter_init(&it, set, max);
		prev = 0;
		u64 = 0;
		while (seqset_iter_next(&it, &lo, &hi)) {
			ASSERT(lo >= 1 && lo <= hi && hi <= max);
			ASSERT(prev == 0 || lo > prev + 1);
			ASSERT(seqset_contains(set, lo, max));
			ASSERT(seqset_contains(set, hi, max));
			if (lo > 1)
				ASSERT(!seqset_contains(set, lo - 1, max));
			u64 += (uint64_t)hi - lo + 1;
			prev = hi;
		}
		ASSERT(u64 == seqset_count(set, max));
		ASSERT(!seqset_contains(set, max + 1, max));
		seqset_free(&set);
	}
	if (a->type == IMAP_ARG_LIST || (a->flags & IMAP_ARGF_SECTION)) {
		ASSERT(a->count == 0 || a->list != NULL);
		tputs(r, "(");
		for (i = 0; i < a->count; i++)
			check_arg(r, &a->list[i], depth + 1);
		tputs(r, ")");
	}
	tputs(r, ">");
}

static void
record_cmd(struct run *r, struct imap_parser *p)
{
	const struct imap_arg *a;
	const char *t = imap_parse_tag(p), *c = imap_parse_command(p);
	size_t n, i;

	tputs(r, t ? t : "-");
	tputs(r, " ");
	tputs(r, c ? c : "-");
	a = imap_parse_args(p, &n);
	ASSERT(n == 0 || a != NULL);
	for (i = 0; i < n; i++)
		check_arg(r, &a[i], 0);
	tputs(r, "\n");
}

/* Act on one result like imapd would.  0: go on, -1: connection closed. */
static int
handle(struct run *r, struct imap_parser *p, int res, unsigned mode)
{
	const struct imap_parse_chunk *c;
	const char *msg, *line;
	char tmp[64];
	size_t n;
	int fatal = 0;

	/* Chunks depend on the splits: only whole literals are logged. */
	if (res != IMAP_PARSE_LITERAL_DATA) {
		snprintf(tmp, sizeof(tmp), "#%d ", res);
		tputs(r, tmp);
	}
	switch (res) {
	case IMAP_PARSE_DONE:
		record_cmd(r, p);
		ASSERT(!r->in_stream);
		r->ncmds++;
		if ((mode & 0x40) && r->ncmds % 3 == 0)
			ASSERT(imap_parse_want_line(p) == 0);
		return 0;
	case IMAP_PARSE_ERROR:
	case IMAP_PARSE_LITERAL_TOO_BIG:
		msg = imap_parse_error(p, &fatal);
		ASSERT(msg != NULL);
		tputs(r, msg);
		record_cmd(r, p);
		r->in_stream = 0;
		return fatal ? -1 : 0;
	case IMAP_PARSE_LITERAL_CONTINUE:
		record_cmd(r, p);
		if ((mode & 0x10) && (r->nconts++ % 2) == 1) {
			ASSERT(imap_parse_literal_reject(p) == 0);
			tputs(r, "rejected\n");
		}
		return 0;
	case IMAP_PARSE_LITERAL_DATA:
		c = imap_parse_chunk(p);
		ASSERT(c->offset == r->lit_off);
		ASSERT(c->len <= c->size - c->offset);
		ASSERT(c->last == (c->offset + c->len == c->size));
		ASSERT(c->len > 0 || c->last);
		if (c->offset == 0) {
			r->in_stream = 1;
			r->lit_hash = 1469598103934665603ULL;
			if ((mode & 0x20) && c->size % 3 == 0) {
				ASSERT(imap_parse_literal_reject(p) == 0);
				tputs(r, "rejected\n");
				r->lit_off = 0;
				r->in_stream = 0;
				return 0;
			}
		}
		for (n = 0; n < c->len; n++)
			r->lit_hash = (r->lit_hash ^ (uint8_t)c->data[n]) *
			    1099511628211ULL;
		r->lit_off += c->len;
		if (c->last) {
			snprintf(tmp, sizeof(tmp), "data %llu %llx\n",
			    (unsigned long long)c->size,
			    (unsigned long long)r->lit_hash);
			tputs(r, tmp);
			r->lit_off = 0;
			r->in_stream = 0;
		}
		return 0;
	case IMAP_PARSE_LINE:
		line = imap_parse_line(p, &n);
		ASSERT(line[n] == '\0');
		tput(r, line, n);
		tputs(r, "\n");
		return 0;
	default:
		ASSERT(0);
	}
	return -1;
}

static void
parse(struct run *r, const uint8_t *d, size_t len, unsigned mode,
    unsigned seed)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	size_t pos = 0, end, step, used;
	uint32_t rnd = seed * 2654435761u + 1;
	int res;

	imap_parse_limits_default(&l);
	l.literal_max = 64;
	l.append_max = 300;
	l.nonsync_max = (mode & 1) ? 0 : 40;
	l.swallow_max = (mode & 2) ? 100 : 5000;
	l.command_max = (mode & 4) ? 200 : 4096;
	l.stream_append = (mode & 8) != 0;
	p = imap_parse_new(&l);
	ASSERT(p != NULL);
	buf_init(&r->t, 0);
	while (pos < len) {
		if (seed == 0)
			step = len - pos;
		else {
			rnd = rnd * 1103515245u + 12345u;
			step = 1 + (rnd >> 16) % ((rnd & 0x80) ? 3 : 40);
		}
		end = pos + step > len ? len : pos + step;
		for (;;) {
			res = imap_parse_feed(p, (const char *)d + pos,
			    end - pos, &used);
			ASSERT(used <= end - pos);
			pos += used;
			if (res == IMAP_PARSE_NEED_MORE) {
				ASSERT(pos == end);
				break;
			}
			if (handle(r, p, res, mode) == -1) {
				/* Closed: later feeds say the same. */
				ASSERT((int)imap_parse_feed(p, "x", 1, &used) ==
				    res && used == 0);
				goto out;
			}
		}
	}
out:
	imap_parse_free(&p);
	ASSERT(p == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run a, b;
	unsigned mode, seed;

	if (size < 2)
		return 0;
	mode = data[0];
	seed = data[1] | 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	parse(&a, data + 2, size - 2, mode, 0);
	parse(&b, data + 2, size - 2, mode, seed);
	if (a.t.len != b.t.len ||
	    (a.t.len > 0 && memcmp(a.t.p, b.t.p, a.t.len) != 0)) {
		fprintf(stderr, "transcripts differ:\n--- whole\n%.*s\n"
		    "--- split\n%.*s\n", (int)a.t.len, a.t.p ? a.t.p : "",
		    (int)b.t.len, b.t.p ? b.t.p : "");
		abort();
	}
	buf_free(&a.t);
	buf_free(&b.t);
	return 0;
}
