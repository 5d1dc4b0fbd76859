/*
 * tests/unit/test_imap_parse.c -- the IMAP command parser: byte-at-a-time
 * feeding, pipelining, strings, literals (sync, LITERAL+, too big, streamed),
 * bounds (depth, line length, arguments) and FETCH sections.
 */
#include <stdint.h>

#include "common/limits.h"
#include "imap/parse.h"
#include "imap/seqset.h"
#include "tests/unit/test.h"

/* --- helpers --- */

static char dumpbuf[8192];
static size_t dumplen;

static void
dput(const char *s, size_t n)
{
	if (n > sizeof(dumpbuf) - 1 - dumplen)
		n = sizeof(dumpbuf) - 1 - dumplen;
	memcpy(dumpbuf + dumplen, s, n);
	dumplen += n;
	dumpbuf[dumplen] = '\0';
}

static void
dump_args(const struct imap_arg *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			dput(" ", 1);
		switch (a[i].type) {
		case IMAP_ARG_ATOM:
			if (a[i].flags & IMAP_ARGF_SECTION) {
				dput("s<", 2);
				dput(a[i].str, a[i].len);
				dput(">[", 2);
				dump_args(a[i].list, a[i].count);
				dput("]", 1);
			} else {
				dput("a:", 2);
				dput(a[i].str, a[i].len);
			}
			break;
		case IMAP_ARG_NIL:
			dput("NIL", 3);
			break;
		case IMAP_ARG_QUOTED:
			dput("q:", 2);
			dput(a[i].str, a[i].len);
			break;
		case IMAP_ARG_LITERAL:
			dput("l:", 2);
			if (a[i].str != NULL)
				dput(a[i].str, a[i].len);
			else
				dput("<none>", 6);
			break;
		case IMAP_ARG_LIST:
			dput("(", 1);
			dump_args(a[i].list, a[i].count);
			dput(")", 1);
			break;
		}
	}
}

/* "TAG CMD | args" of the current command. */
static const char *
dump(struct imap_parser *p)
{
	const struct imap_arg *a;
	size_t n;
	const char *t = imap_parse_tag(p), *c = imap_parse_command(p);

	dumplen = 0;
	dumpbuf[0] = '\0';
	dput(t ? t : "-", strlen(t ? t : "-"));
	dput(" ", 1);
	dput(c ? c : "-", strlen(c ? c : "-"));
	a = imap_parse_args(p, &n);
	if (n > 0) {
		dput(" | ", 3);
		dump_args(a, n);
	}
	return dumpbuf;
}

/*
 * Feed in[*pos..len) step bytes at a time until a result other than
 * NEED_MORE; check that NEED_MORE consumed everything it was given.
 */
static int
run(struct imap_parser *p, const char *in, size_t len, size_t step,
    size_t *pos)
{
	size_t n, used;
	int r;

	for (;;) {
		n = len - *pos < step ? len - *pos : step;
		r = imap_parse_feed(p, in + *pos, n, &used);
		CHECK(used <= n);
		*pos += used;
		if (r != IMAP_PARSE_NEED_MORE)
			return r;
		CHECK(used == n);
		if (*pos == len)
			return r;
	}
}

static struct imap_parser *
newp(void)
{
	struct imap_parse_limits l;

	imap_parse_limits_default(&l);
	return imap_parse_new(&l);
}

/* Parse one whole command given at once; returns the result. */
static int
one(struct imap_parser *p, const char *s)
{
	size_t pos = 0;

	return run(p, s, strlen(s), strlen(s) + 1, &pos);
}

/* --- tests --- */

TEST(simple)
{
	struct imap_parser *p = newp();

	CHECK(one(p, "a1 noop\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "a1 NOOP");
	CHECK(one(p, "a2 LOGIN fred \"pass word\"\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "a2 LOGIN | a:fred q:pass word");
	/* Bare LF is accepted. */
	CHECK(one(p, "a3 Select INBOX\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "a3 SELECT | a:INBOX");
	imap_parse_free(&p);
	CHECK(p == NULL);
}

TEST(byte_at_a_time)
{
	static const char in[] =
	    "x7 LOGIN {4+}\r\nfr\0d \"a\\\"b\" (\\Seen $Junk) {3}\r\nxyz\r\n";
	size_t len = sizeof(in) - 1, pos = 0, used;
	struct imap_parser *p = newp();
	int r, conts = 0;

	while (pos < len) {
		r = imap_parse_feed(p, in + pos, 1, &used);
		CHECK(used == 1);
		pos += used;
		if (r == IMAP_PARSE_LITERAL_CONTINUE) {
			conts++;
			/* Announced right after the LF of "{3}\r\n". */
			CHECK(in[pos - 1] == '\n' && in[pos - 3] == '}');
			continue;
		}
		if (pos < len)
			CHECK(r == IMAP_PARSE_NEED_MORE);
		else
			CHECK(r == IMAP_PARSE_DONE);
	}
	CHECK(conts == 1);
	CHECK_STR(dump(p), "x7 LOGIN | l:fr");	/* the NUL cuts the dump */
	{
		const struct imap_arg *a;
		const char *s;
		size_t n, sl;

		a = imap_parse_args(p, &n);
		CHECK(n == 4);
		CHECK(a[0].type == IMAP_ARG_LITERAL && a[0].len == 4);
		CHECK(memcmp(a[0].str, "fr\0d", 4) == 0);
		CHECK(a[0].flags & IMAP_ARGF_NUL);
		CHECK(a[0].flags & IMAP_ARGF_NONSYNC);
		CHECK(imap_arg_get_astring(&a[0], &s, &sl) == -1);
		CHECK(imap_arg_get_astring(&a[1], &s, &sl) == 0);
		CHECK(sl == 3 && memcmp(s, "a\"b", 3) == 0);
		CHECK(imap_arg_get_flag_list(&a[2], &a, &n) == 0 && n == 2);
	}
	imap_parse_free(&p);
}

TEST(pipelined)
{
	static const char in[] =
	    "a NOOP\r\nb CAPABILITY\nc LOGIN {2+}\r\nhi x\r\nd LOGOUT\r\ne NO";
	size_t len = sizeof(in) - 1, pos = 0;
	struct imap_parser *p = newp();

	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK(pos == 8);
	CHECK_STR(dump(p), "a NOOP");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b CAPABILITY");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "c LOGIN | l:hi a:x");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "d LOGOUT");
	CHECK(strncmp(in + pos, "e NO", 4) == 0);
	/* The partial next command is taken in and held. */
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_NEED_MORE);
	CHECK(pos == len);
	CHECK(one(p, "OP\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "e NOOP");
	imap_parse_free(&p);
}

TEST(quoted)
{
	struct imap_parser *p = newp();
	const struct imap_arg *a;
	const char *s;
	size_t n, sl;

	CHECK(one(p, "t X \"a\\\\b\\\"c\" \"\" \"caf\xc3\xa9\"\r\n") ==
	    IMAP_PARSE_DONE);
	a = imap_parse_args(p, &n);
	CHECK(n == 3);
	CHECK(a[0].type == IMAP_ARG_QUOTED && a[0].len == 5);
	CHECK_STR(a[0].str, "a\\b\"c");
	CHECK(a[1].type == IMAP_ARG_QUOTED && a[1].len == 0);
	CHECK_STR(a[1].str, "");
	CHECK(imap_arg_get_string(&a[1], &s, &sl) == 0 && sl == 0);
	CHECK(!(a[0].flags & IMAP_ARGF_8BIT));
	CHECK(a[2].flags & IMAP_ARGF_8BIT);
	/* Only \" and \\ are escapes. */
	CHECK(one(p, "t X \"a\\nb\"\r\n") == IMAP_PARSE_ERROR);
	CHECK_STR(imap_parse_tag(p), "t");
	CHECK(one(p, "t X \"abc\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X \"a\rb\"\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X \"ok\"\r\n") == IMAP_PARSE_DONE);
	imap_parse_free(&p);
}

TEST(nul_in_quoted)
{
	static const char in[] = "t1 LOGIN \"a\0b\" c\r\nt2 NOOP\r\n";
	size_t len = sizeof(in) - 1, pos = 0;
	struct imap_parser *p = newp();
	int fatal = -1;

	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, &fatal) != NULL);
	CHECK(fatal == 0);
	CHECK_STR(imap_parse_tag(p), "t1");
	CHECK(pos == 18);
	/* Ready for the next command. */
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "t2 NOOP");
	CHECK(pos == len);
	/* NUL in an atom too. */
	CHECK(run(p, "t3 X a\0b\r\n", 10, 10, &(size_t){0}) ==
	    IMAP_PARSE_ERROR);
	imap_parse_free(&p);
}

TEST(nil_and_helpers)
{
	struct imap_parser *p = newp();
	const struct imap_arg *a, *l;
	const char *s;
	size_t n, sl;
	uint32_t u;
	uint64_t u64;

	CHECK(one(p, "t X nil NIL \"NIL\" 0 007 4294967295 4294967296 "
	    "9223372036854775807 (\\Seen \\* foo) \\\r\n") == IMAP_PARSE_DONE);
	a = imap_parse_args(p, &n);
	CHECK(n == 10);
	CHECK(a[0].type == IMAP_ARG_NIL && a[1].type == IMAP_ARG_NIL);
	CHECK(a[2].type == IMAP_ARG_QUOTED);
	CHECK(imap_arg_get_nstring(&a[0], &s, &sl) == 0 && s == NULL);
	CHECK(imap_arg_get_nstring(&a[2], &s, &sl) == 0 && sl == 3);
	/* NIL is also a valid astring: a mailbox named "nil". */
	CHECK(imap_arg_get_astring(&a[0], &s, &sl) == 0);
	CHECK_STR(s, "nil");
	CHECK(imap_arg_is_atom(&a[1], "nil"));
	CHECK(!imap_arg_is_atom(&a[2], "nil"));
	CHECK(imap_arg_get_number(&a[3], &u) == 0 && u == 0);
	CHECK(imap_arg_get_nz_number(&a[3], &u) == -1);
	CHECK(imap_arg_get_number(&a[4], &u) == 0 && u == 7);
	CHECK(imap_arg_get_nz_number(&a[4], &u) == -1);
	CHECK(imap_arg_get_nz_number(&a[5], &u) == 0 && u == 4294967295U);
	CHECK(imap_arg_get_number(&a[6], &u) == -1);
	CHECK(imap_arg_get_number64(&a[6], &u64) == 0 &&
	    u64 == 4294967296ULL);
	CHECK(imap_arg_get_number64(&a[7], &u64) == 0 &&
	    u64 == 9223372036854775807ULL);
	CHECK(imap_arg_get_number(&a[2], &u) == -1);
	CHECK(imap_arg_get_list(&a[8], &l, &n) == 0 && n == 3);
	CHECK(imap_arg_get_flag(&l[0], &s) == 0);
	CHECK(imap_arg_get_flag(&l[1], &s) == -1);
	CHECK(imap_arg_get_flag(&l[2], &s) == 0);
	CHECK(imap_arg_get_flag_list(&a[8], &l, &n) == -1);
	CHECK(imap_arg_get_flag(&a[9], &s) == -1);
	CHECK(imap_arg_get_atom(&a[9], &s) == -1);
	CHECK(imap_arg_get_list(&a[0], &l, &n) == -1);
	CHECK(imap_arg_get_atom(NULL, &s) == -1);
	imap_parse_free(&p);
}

TEST(atom_specials)
{
	struct imap_parser *p = newp();
	const struct imap_arg *a;
	const char *s;
	size_t n, sl;

	CHECK(one(p, "t SELECT a\"b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t SELECT a{b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t SELECT a\x01" "b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t SELECT a\x7f" "b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t SELECT a\tb\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t NOOP(\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X a(b)\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X (a)(b)\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X (a)b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X \"a\"b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X a)\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X (a\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X ( a)\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X (a )\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t  NOOP\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t NOOP \r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X a  b\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t X {3}x\r\n") == IMAP_PARSE_ERROR);
	/* Tags: no "+", "*", "%", "\", "("; ']' is fine. */
	CHECK(one(p, "+t NOOP\r\n") == IMAP_PARSE_ERROR);
	CHECK(imap_parse_tag(p) == NULL);
	CHECK(one(p, "* NOOP\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "a\\b NOOP\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t] NOOP\r\n") == IMAP_PARSE_DONE);
	CHECK(one(p, "\r\n") == IMAP_PARSE_ERROR);
	CHECK(imap_parse_tag(p) == NULL);
	CHECK(one(p, "tagonly\r\n") == IMAP_PARSE_ERROR);
	CHECK_STR(imap_parse_tag(p), "tagonly");
	CHECK(imap_parse_command(p) == NULL);
	CHECK(one(p, "t \"NOOP\"\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "t NO*OP\r\n") == IMAP_PARSE_ERROR);
	/* Accepted: wildcards, flags, ']' and '[' in ordinary commands. */
	CHECK(one(p, "t LIST \"\" %/*\r\n") == IMAP_PARSE_DONE);
	CHECK(one(p, "t SELECT [Gmail]/Sent\r\n") == IMAP_PARSE_DONE);
	a = imap_parse_args(p, &n);
	CHECK(n == 1 && !(a[0].flags & IMAP_ARGF_SECTION));
	CHECK(imap_arg_get_astring(&a[0], &s, &sl) == 0);
	CHECK_STR(s, "[Gmail]/Sent");
	CHECK(imap_arg_get_atom(&a[0], &s) == -1);	/* ']' */
	CHECK(one(p, "t X ()\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "t X | ()");
	CHECK(one(p, "t X ((a) (b c)) d\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "t X | ((a:a) (a:b a:c)) a:d");
	/* Everything after a bad line still works. */
	CHECK(one(p, "t NOOP\r\n") == IMAP_PARSE_DONE);
	imap_parse_free(&p);
}

TEST(sync_literal)
{
	static const char in[] = "a LOGIN {4}\r\nfred {6}\r\nsecret\r\n";
	size_t len = sizeof(in) - 1, pos = 0;
	struct imap_parser *p = newp();
	const struct imap_arg *a;
	size_t n;

	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_CONTINUE);
	CHECK(pos == 13);
	/* The announced literal is visible, without content yet. */
	a = imap_parse_args(p, &n);
	CHECK(n == 1 && a[0].type == IMAP_ARG_LITERAL && a[0].str == NULL);
	CHECK(a[0].len == 4 && (a[0].flags & IMAP_ARGF_PENDING));
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_CONTINUE);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK(pos == len);
	CHECK_STR(dump(p), "a LOGIN | l:fred l:secret");
	/* A literal in a list, and the command going on after it. */
	CHECK(one(p, "b X (a {1+}\r\nb c) d\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b X | (a:a l:b a:c) a:d");
	/* Empty literal, literal8. */
	{
		static const char l8[] = "c X {0+}\r\n ~{2+}\r\n\0\1\r\n";

		pos = 0;
		CHECK(run(p, l8, sizeof(l8) - 1, 100, &pos) ==
		    IMAP_PARSE_DONE);
	}
	a = imap_parse_args(p, &n);
	CHECK(n == 2 && a[0].len == 0 && a[0].str != NULL);
	CHECK(a[1].len == 2 && (a[1].flags & IMAP_ARGF_LITERAL8));
	CHECK(a[1].str[0] == 0 && a[1].str[1] == 1);
	/* A literal must be followed by SP, ')' or the end. */
	CHECK(one(p, "d X {1+}\r\nab\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "e NOOP\r\n") == IMAP_PARSE_DONE);
	imap_parse_free(&p);
}

TEST(literal_reject)
{
	static const char in[] = "a APPEND nobox {10}\r\nb NOOP\r\n";
	size_t len = sizeof(in) - 1, pos = 0;
	struct imap_parser *p = newp();

	CHECK(imap_parse_literal_reject(p) == -1);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_CONTINUE);
	CHECK(imap_parse_literal_reject(p) == 0);
	CHECK(imap_parse_literal_reject(p) == -1);
	/* The tag is still there to answer with. */
	CHECK_STR(imap_parse_tag(p), "a");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	imap_parse_free(&p);
}

TEST(literal_too_big_sync)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	char in[128];
	size_t pos = 0, len;
	int fatal = -1;

	imap_parse_limits_default(&l);
	l.literal_max = 100;
	l.append_max = 1000;
	p = imap_parse_new(&l);
	len = (size_t)snprintf(in, sizeof(in),
	    "a LOGIN {101}\r\nb APPEND box {1001}\r\nc APPEND box {1000}\r\n");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 0);
	CHECK_STR(imap_parse_tag(p), "a");
	CHECK(pos == 15);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK_STR(imap_parse_command(p), "APPEND");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_CONTINUE);
	CHECK(pos == len);
	imap_parse_free(&p);
}

/* RFC 7888 sec. 4: an oversized {N+} is read and discarded exactly. */
TEST(literal_too_big_nonsync)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	static char in[20000];
	size_t pos, len, off, step;
	int fatal = -1, r;

	imap_parse_limits_default(&l);
	l.swallow_max = 10000;
	p = imap_parse_new(&l);
	/* LITERAL-: a {N+} above 4096 is too big, whatever the command.
	 * The discarded bytes look like commands and a literal; they must
	 * not be taken as such. */
	off = (size_t)snprintf(in, sizeof(in), "a APPEND box {5000+}\r\n");
	memset(in + off, 'x', 5000);
	memcpy(in + off, "z NOOP {9+}\r\n", 13);
	off += 5000;
	off += (size_t)snprintf(in + off, sizeof(in) - off,
	    " more {3+}\r\nabc\r\nb NOOP\r\n");
	len = off;
	for (step = 1; step <= len; step = step * 7 + 1) {
		pos = 0;
		r = run(p, in, len, step, &pos);
		CHECK(r == IMAP_PARSE_LITERAL_TOO_BIG);
		CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 0);
		CHECK_STR(imap_parse_tag(p), "a");
		CHECK(strncmp(in + pos, "b NOOP", 6) == 0);
		CHECK(run(p, in, len, step, &pos) == IMAP_PARSE_DONE);
		CHECK_STR(dump(p), "b NOOP");
		CHECK(pos == len);
	}
	/* Beyond the swallow limit: BYE. */
	CHECK(one(p, "c APPEND box {10001+}\r\n") ==
	    IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 1);
	CHECK(one(p, "d NOOP\r\n") == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(imap_parse_want_line(p) == -1);
	imap_parse_free(&p);

	/* Several oversized {N+} in one command: their sum is bounded. */
	p = imap_parse_new(&l);
	pos = 0;
	off = (size_t)snprintf(in, sizeof(in), "a X {6000+}\r\n");
	memset(in + off, 'y', 6000);
	off += 6000;
	off += (size_t)snprintf(in + off, sizeof(in) - off, " {6000+}\r\n");
	CHECK(run(p, in, off, off, &pos) == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 1);
	imap_parse_free(&p);
}

/* A bad line that announces {N+} is skipped with its literal. */
TEST(error_skips_nonsync_literal)
{
	static const char in[] =
	    "a X (\"bad\0\" {5+}\r\nab\r\nc {2+}\r\n\r\n\r\nb NOOP\r\n";
	static const char in2[] = "a X ((( {3}\r\nb NOOP\r\n";
	size_t len = sizeof(in) - 1, pos = 0;
	struct imap_parser *p = newp();
	size_t step;

	for (step = 1; step <= len; step++) {
		pos = 0;
		CHECK(run(p, in, len, step, &pos) == IMAP_PARSE_ERROR);
		CHECK_STR(imap_parse_tag(p), "a");
		CHECK(strcmp(in + pos, "b NOOP\r\n") == 0);
		CHECK(run(p, in, len, step, &pos) == IMAP_PARSE_DONE);
	}
	/* A synchronizing one: the client waits for our BAD instead. */
	pos = 0;
	len = sizeof(in2) - 1;
	CHECK(run(p, in2, len, len, &pos) == IMAP_PARSE_ERROR);
	CHECK(run(p, in2, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	/* A size that cannot be parsed cannot be skipped: BYE. */
	CHECK(one(p, "a X \" {99999999999999999999+}\r\n") ==
	    IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, NULL) != NULL);
	{
		int fatal = 0;

		(void)imap_parse_error(p, &fatal);
		CHECK(fatal == 1);
	}
	imap_parse_free(&p);
}

TEST(deep_nesting)
{
	static char in[10000 + 64];
	size_t pos = 0, len;
	struct imap_parser *p = newp();
	int fatal = -1;

	len = (size_t)snprintf(in, sizeof(in), "a SEARCH ");
	memset(in + len, '(', 10000);
	len += 10000;
	memcpy(in + len, "\r\nb NOOP\r\n", 10);
	len += 10;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 0);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	/* Exactly LB_IMAP_DEPTH_MAX is fine. */
	pos = (size_t)snprintf(in, sizeof(in), "a X ");
	memset(in + pos, '(', LB_IMAP_DEPTH_MAX);
	memset(in + pos + LB_IMAP_DEPTH_MAX, ')', LB_IMAP_DEPTH_MAX);
	memcpy(in + pos + 2 * LB_IMAP_DEPTH_MAX, "\r\n", 3);
	CHECK(one(p, in) == IMAP_PARSE_DONE);
	memset(in + pos, '(', LB_IMAP_DEPTH_MAX + 1);
	memset(in + pos + LB_IMAP_DEPTH_MAX + 1, ')', LB_IMAP_DEPTH_MAX + 1);
	memcpy(in + pos + 2 * LB_IMAP_DEPTH_MAX + 2, "\r\n", 3);
	CHECK(one(p, in) == IMAP_PARSE_ERROR);
	CHECK_STR(imap_parse_error(p, NULL), "Too deeply nested");
	imap_parse_free(&p);
}

TEST(long_line)
{
	static char in[100 * 1024 + 16];
	size_t pos = 0, len = sizeof(in) - 1;
	struct imap_parser *p = newp();
	int fatal = 0;

	memcpy(in, "a X ", 4);
	memset(in + 4, 'a', len - 4);
	in[len - 2] = '\r';
	in[len - 1] = '\n';
	/* Fatal as soon as the bound is crossed, without waiting for LF. */
	CHECK(run(p, in, len, 1000, &pos) == IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 1);
	CHECK(pos <= LB_IMAP_LINE_MAX);
	CHECK(one(p, "b NOOP\r\n") == IMAP_PARSE_ERROR);
	imap_parse_free(&p);

	/* A line of exactly LB_IMAP_LINE_MAX bytes (CRLF included) is OK;
	 * all the lines of one command share the bound. */
	p = newp();
	len = LB_IMAP_LINE_MAX;
	in[len - 2] = '\r';
	in[len - 1] = '\n';
	pos = 0;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	pos = 0;
	memcpy(in + len - 8, " {1+}\r\n", 7);
	in[len - 1] = 'x';
	memcpy(in + len, "\r\n", 2);
	CHECK(run(p, in, len + 2, len + 2, &pos) == IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 1);
	imap_parse_free(&p);
}

TEST(too_many_args)
{
	static char in[3 * LB_IMAP_ARGS_MAX + 64];
	size_t pos, len, i;
	struct imap_parser *p = newp();
	const struct imap_arg *a;
	size_t n;

	pos = (size_t)snprintf(in, sizeof(in), "a X");
	for (i = 0; i < LB_IMAP_ARGS_MAX; i++) {
		memcpy(in + pos, " a", 2);
		pos += 2;
	}
	memcpy(in + pos, "\r\n", 3);
	CHECK(one(p, in) == IMAP_PARSE_DONE);
	a = imap_parse_args(p, &n);
	CHECK(n == LB_IMAP_ARGS_MAX && a[n - 1].type == IMAP_ARG_ATOM);
	memcpy(in + pos, " b\r\n", 5);
	CHECK(one(p, in) == IMAP_PARSE_ERROR);
	CHECK_STR(imap_parse_error(p, NULL), "Too many arguments");
	/* One literal too many: refused, and a {N+} is still skipped. */
	memcpy(in + pos, " {3+}\r\nabc\r\nb NOOP\r\n", 21);
	len = pos + 20;
	pos = 0;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_ERROR);
	CHECK_STR(imap_parse_error(p, NULL), "Too many arguments");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	memcpy(in + len - 20, " {3}\r\n", 7);
	CHECK(one(p, in) == IMAP_PARSE_ERROR);
	/* Lists count too. */
	len = (size_t)snprintf(in, sizeof(in), "a X ");
	for (i = 0; i < LB_IMAP_ARGS_MAX / 2 + 1; i++) {
		memcpy(in + len, "() ", 3);
		len += 3;
	}
	memcpy(in + len - 1, "\r\n", 3);
	CHECK(one(p, in) == IMAP_PARSE_DONE);
	imap_parse_free(&p);
}

TEST(fetch_sections)
{
	struct imap_parser *p = newp();
	const struct imap_arg *a, *l;
	struct imap_arg_section sec;
	size_t n, cnt;
	uint32_t u;
	struct seqset *set;

	CHECK(one(p, "f1 FETCH 1:4294967295 (FLAGS "
	    "BODY.PEEK[HEADER.FIELDS (From To)]<0.1024> BODY[] "
	    "BINARY[1.2]<5.10> BODY[1.MIME])\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "f1 FETCH | a:1:4294967295 (a:FLAGS "
	    "s<BODY.PEEK[HEADER.FIELDS (From To)]<0.1024>>"
	    "[a:HEADER.FIELDS (a:From a:To)] s<BODY[]>[] "
	    "s<BINARY[1.2]<5.10>>[a:1.2] s<BODY[1.MIME]>[a:1.MIME])");
	a = imap_parse_args(p, &n);
	CHECK(n == 2);
	CHECK(seqset_parse(a[0].str, a[0].len, 0, &set) == 0);
	CHECK(seqset_contains(set, 4294967295U, 4294967295U));
	CHECK(seqset_count(set, 4294967295U) == 4294967295ULL);
	seqset_free(&set);
	CHECK(imap_arg_get_list(&a[1], &l, &cnt) == 0 && cnt == 5);
	CHECK(imap_arg_get_section(&l[0], &sec) == -1);
	CHECK(imap_arg_get_section(&l[1], &sec) == 0);
	CHECK(sec.namelen == 9 && memcmp(sec.name, "BODY.PEEK", 9) == 0);
	CHECK(sec.nspec == 2);
	CHECK(imap_arg_is_atom(&sec.spec[0], "header.fields"));
	CHECK(sec.spec[1].type == IMAP_ARG_LIST && sec.spec[1].count == 2);
	CHECK(sec.suffixlen == 8 && memcmp(sec.suffix, "<0.1024>", 8) == 0);
	CHECK(imap_arg_get_section(&l[2], &sec) == 0);
	CHECK(sec.nspec == 0 && sec.suffixlen == 0 && sec.namelen == 4);
	/* A section atom is not an atom, astring or number. */
	CHECK(imap_arg_get_astring(&l[1], &sec.name, &cnt) == -1);
	CHECK(imap_arg_get_number(&l[1], &u) == -1);

	/* UID FETCH, quoted header names, single fetch-att. */
	CHECK(one(p, "f2 uid fetch 1:* BODY[HEADER.FIELDS.NOT (\"X-A\" b)]"
	    "\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "f2 UID | a:fetch a:1:* s<BODY[HEADER.FIELDS.NOT "
	    "(\"X-A\" b)]>[a:HEADER.FIELDS.NOT (q:X-A a:b)]");
	/* Errors inside sections. */
	CHECK(one(p, "f3 FETCH 1 BODY[HEADER\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[[1]]\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[ 1]\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[1 ]\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[(a]\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[(a])\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[1]<0>x[\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 BODY[1]\"\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f3 FETCH 1 (BODY[1] BODY[2])\r\n") == IMAP_PARSE_DONE);
	CHECK(one(p, "f3 FETCH 1 BODY[HEADER.FIELDS {4+}\r\n"
	    "From)]\r\nf4 NOOP\r\n") == IMAP_PARSE_ERROR);
	CHECK(one(p, "f4 NOOP\r\n") == IMAP_PARSE_DONE);
	imap_parse_free(&p);
}

TEST(seqset_million_ranges)
{
	struct imap_parser *p = newp();
	struct seqset *set = NULL;
	const struct imap_arg *a;
	char *in;
	size_t len = 0, pos = 0, n, i, cap = 8 * 1000000 + 64;
	int fatal = 0;

	/* "1,3,5,...,1999999": a million ranges, ~6.9 MB: over the line
	 * bound, so rejected cleanly (BYE) by both. */
	in = malloc(cap);
	CHECK(in != NULL);
	if (in == NULL)
		return;
	len = (size_t)snprintf(in, cap, "a FETCH ");
	for (i = 0; i < 1000000; i++)
		len += (size_t)snprintf(in + len, cap - len, "%zu,",
		    2 * i + 1);
	in[len - 1] = ' ';
	len += (size_t)snprintf(in + len, cap - len, "FLAGS\r\n");
	CHECK(run(p, in, len, 65536, &pos) == IMAP_PARSE_ERROR);
	CHECK(imap_parse_error(p, &fatal) != NULL && fatal == 1);
	CHECK(seqset_parse(in + 8, len - 8 - 8, 0, &set) == -1);
	CHECK(set == NULL);
	imap_parse_free(&p);

	/* A 60 KB one fits and parses. */
	p = newp();
	len = (size_t)snprintf(in, cap, "a FETCH ");
	for (i = 0; len < 60 * 1024; i++)
		len += (size_t)snprintf(in + len, cap - len, "%zu,",
		    2 * i + 1);
	in[len - 1] = ' ';
	len += (size_t)snprintf(in + len, cap - len, "FLAGS\r\n");
	pos = 0;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	a = imap_parse_args(p, &n);
	CHECK(n == 2);
	CHECK(seqset_parse(a[0].str, a[0].len, 0, &set) == 0);
	if (set != NULL) {
		CHECK(seqset_nranges(set) == i);
		CHECK(seqset_count(set, UINT32_MAX) == i);
		CHECK(seqset_contains(set, 1, UINT32_MAX));
		CHECK(!seqset_contains(set, 2, UINT32_MAX));
		CHECK(seqset_contains(set, (uint32_t)(2 * i - 1), UINT32_MAX));
		CHECK(!seqset_contains(set, (uint32_t)(2 * i + 1),
		    UINT32_MAX));
		CHECK(seqset_count(set, 100) == 50);
		seqset_free(&set);
	}
	imap_parse_free(&p);
	free(in);
}

/* APPEND message literals handed out in chunks. */
TEST(stream_append)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	static const char in[] =
	    "a APPEND {5+}\r\nINBOX (\\Seen) {12}\r\nHello\0World! {3+}\r\n"
	    "abc\r\nb NOOP\r\n";
	size_t len = sizeof(in) - 1, pos, step, used, n;
	char got[64];
	size_t gotlen;
	const struct imap_parse_chunk *c;
	const struct imap_arg *a;
	int r, conts, dones, firsts;

	imap_parse_limits_default(&l);
	l.stream_append = 1;
	l.append_max = 12;
	p = imap_parse_new(&l);
	for (step = 1; step <= len; step++) {
		pos = 0;
		gotlen = 0;
		conts = dones = firsts = 0;
		while (pos < len && dones < 2) {
			n = len - pos < step ? len - pos : step;
			r = imap_parse_feed(p, in + pos, n, &used);
			pos += used;
			switch (r) {
			case IMAP_PARSE_LITERAL_CONTINUE:
				conts++;
				a = imap_parse_args(p, &n);
				CHECK(n == 3 && a[2].len == 12);
				CHECK(a[2].flags & IMAP_ARGF_STREAMED);
				CHECK(a[0].type == IMAP_ARG_LITERAL &&
				    strcmp(a[0].str, "INBOX") == 0);
				break;
			case IMAP_PARSE_LITERAL_DATA:
				c = imap_parse_chunk(p);
				CHECK(c->offset == 0 || gotlen > 0);
				if (c->offset == 0)
					firsts++;
				CHECK(c->len <= step);
				CHECK(c->len + gotlen < sizeof(got));
				if (c->len + gotlen < sizeof(got)) {
					memcpy(got + gotlen, c->data, c->len);
					gotlen += c->len;
				}
				break;
			case IMAP_PARSE_DONE:
				dones++;
				break;
			case IMAP_PARSE_NEED_MORE:
				CHECK(used == n);
				break;
			default:
				CHECK(0);
				dones = 2;
			}
			if (dones == 1) {
				CHECK_STR(dump(p), "a APPEND | l:INBOX "
				    "(a:\\Seen) l:<none> l:<none>");
				a = imap_parse_args(p, &n);
				CHECK(n == 4 && a[3].len == 3 &&
				    !(a[3].flags & IMAP_ARGF_PENDING));
				dones++;
				CHECK(strncmp(in + pos, "b NOOP", 6) == 0);
			}
		}
		CHECK(conts == 1 && firsts == 2);
		CHECK(gotlen == 15 &&
		    memcmp(got, "Hello\0World!abc", 15) == 0);
		pos = len - 8;
		CHECK(run(p, in, len, step, &pos) == IMAP_PARSE_DONE);
	}
	imap_parse_free(&p);
}

TEST(stream_reject_midway)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	static const char in[] =
	    "a APPEND box {10+}\r\n0123456789 {4+}\r\nabcd\r\nb NOOP\r\n";
	size_t len = sizeof(in) - 1, pos = 0, used;
	int r;

	imap_parse_limits_default(&l);
	l.stream_append = 1;
	p = imap_parse_new(&l);
	r = imap_parse_feed(p, in, 24, &used);
	pos = used;
	CHECK(r == IMAP_PARSE_LITERAL_DATA);
	CHECK(imap_parse_chunk(p)->offset == 0 &&
	    imap_parse_chunk(p)->len == 4);
	CHECK(imap_parse_literal_reject(p) == 0);
	/* The rest of the command disappears silently. */
	CHECK(run(p, in, len, 3, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	/* Empty streamed literal: one empty, last chunk. */
	CHECK(one(p, "c APPEND box {0+}\r\n\r\n") == IMAP_PARSE_LITERAL_DATA);
	CHECK(imap_parse_chunk(p)->len == 0 && imap_parse_chunk(p)->last);
	CHECK(one(p, "\r\n") == IMAP_PARSE_DONE);
	CHECK_STR(imap_parse_tag(p), "c");
	imap_parse_free(&p);
}

/* Refusing a streamed literal before its last chunk leaves it as "no
 * longer pending", as when the refusal comes with the last chunk; the
 * error of the rest of the command reports it so (fuzz find). */
TEST(stream_reject_midway_not_pending)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	const struct imap_arg *a;
	static const char in[] = "a APPEND x {3}\nab\002{250+}\n";
	size_t n, used, pos;
	int r;

	imap_parse_limits_default(&l);
	l.stream_append = 1;
	l.swallow_max = 100;
	p = imap_parse_new(&l);
	r = imap_parse_feed(p, in, 15, &used);
	CHECK(r == IMAP_PARSE_LITERAL_CONTINUE);
	pos = used;
	r = imap_parse_feed(p, in + pos, 1, &used);
	pos += used;
	CHECK(r == IMAP_PARSE_LITERAL_DATA);
	CHECK(imap_parse_chunk(p)->len == 1 && !imap_parse_chunk(p)->last);
	CHECK(imap_parse_literal_reject(p) == 0);
	r = imap_parse_feed(p, in + pos, sizeof(in) - 1 - pos, &used);
	CHECK(r == IMAP_PARSE_LITERAL_TOO_BIG);
	a = imap_parse_args(p, &n);
	CHECK(n == 2 && a != NULL);
	if (n == 2)
		CHECK(a[1].flags == IMAP_ARGF_STREAMED);
	imap_parse_free(&p);
}

TEST(command_bound)
{
	struct imap_parse_limits l;
	struct imap_parser *p;
	static char in[4096];
	size_t pos = 0, len;

	/* In-memory literals share the command bound. */
	imap_parse_limits_default(&l);
	l.command_max = 1000;
	l.literal_max = 600;
	p = imap_parse_new(&l);
	len = (size_t)snprintf(in, sizeof(in), "a X {600+}\r\n");
	memset(in + len, 'q', 600);
	len += 600;
	len += (size_t)snprintf(in + len, sizeof(in) - len,
	    " {600}\r\nb NOOP\r\n");
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK_STR(dump(p), "b NOOP");
	/* Without streaming an APPEND message is held: same bound. */
	CHECK(one(p, "c APPEND box {2000}\r\n") ==
	    IMAP_PARSE_LITERAL_TOO_BIG);
	imap_parse_free(&p);
}

TEST(raw_line)
{
	static const char in[] = "a AUTHENTICATE PLAIN\r\nAGZyZWQA\r\nDONE\n";
	size_t len = sizeof(in) - 1, pos = 0, n;
	struct imap_parser *p = newp();
	const char *s;

	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK(imap_parse_want_line(p) == 0);
	CHECK(run(p, in, len, 1, &pos) == IMAP_PARSE_LINE);
	s = imap_parse_line(p, &n);
	CHECK(n == 8 && strcmp(s, "AGZyZWQA") == 0);
	CHECK(imap_parse_want_line(p) == 0);
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LINE);
	s = imap_parse_line(p, &n);
	CHECK(n == 4 && strcmp(s, "DONE") == 0);
	CHECK(pos == len);
	/* Not in the middle of a command. */
	CHECK(one(p, "b LOGIN {3}\r\n") == IMAP_PARSE_LITERAL_CONTINUE);
	CHECK(imap_parse_want_line(p) == -1);
	imap_parse_free(&p);
}

TEST(set_limits)
{
	struct imap_parse_limits l;
	struct imap_parser *p = newp();
	static char in[6000];
	size_t len, pos = 0;

	/* LITERAL- by default: a {5000+} is too big, even for LOGIN. */
	len = (size_t)snprintf(in, sizeof(in), "a LOGIN {5000+}\r\n");
	memset(in + len, 'p', 5000);
	len += 5000;
	memcpy(in + len, " x\r\n", 4);
	len += 4;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_LITERAL_TOO_BIG);
	CHECK(pos == len);
	/* LITERAL+ (no extra bound on {N+}), set on a live parser. */
	imap_parse_limits_default(&l);
	l.nonsync_max = 0;
	imap_parse_set_limits(p, &l);
	pos = 0;
	CHECK(run(p, in, len, len, &pos) == IMAP_PARSE_DONE);
	CHECK(pos == len);
	imap_parse_free(&p);
	imap_parse_free(&p);	/* NULL is fine */
}
