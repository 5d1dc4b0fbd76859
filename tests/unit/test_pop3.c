/* Unit tests: pop3/pop3.c -- command parsing, byte-stuffing, sizes, UIDLs. */
#include "pop3/pop3.h"
#include "test.h"

static char *
stuff(const char *in, size_t len, int top, uint64_t lines, size_t chunk)
{
	static char res[8192];
	struct pop3_stuffer st;
	struct buf out;
	size_t i, n;
	int r = 0;

	buf_init(&out, 0);
	pop3_stuff_init(&st, top, lines);
	for (i = 0; i < len && r == 0; i += n) {
		n = len - i < chunk ? len - i : chunk;
		r = pop3_stuff(&st, in + i, n, &out);
	}
	pop3_stuff_end(&st, &out);
	snprintf(res, sizeof(res), "%.*s", (int)out.len, out.p);
	buf_free(&out);
	return res;
}

TEST(parse)
{
	struct pop3_cmd c;
	char l1[] = "retr 12", l2[] = "TOP  1   5", l3[] = "PASS my secret pw";
	char l4[] = "XX", l5[] = "LIST\t1", l6[] = "RETRR 1", l7[] = "A B C D";
	char l8[] = "US\0ER";

	CHECK(pop3_parse(l1, strlen(l1), &c) == 0);
	CHECK_STR(c.name, "RETR");
	CHECK(c.argc == 1 && strcmp(c.argv[0], "12") == 0);
	CHECK(pop3_parse(l2, strlen(l2), &c) == 0);
	CHECK(c.argc == 2 && c.arglen[0] == 1 && c.argv[0][0] == '1');
	CHECK(c.arglen[1] == 1 && c.argv[1][0] == '5');
	CHECK(pop3_parse(l3, strlen(l3), &c) == 0);
	CHECK(c.restlen == 12 && memcmp(c.rest, "my secret pw", 12) == 0);
	CHECK(pop3_parse(l4, strlen(l4), &c) == -1);
	CHECK(pop3_parse(l5, strlen(l5), &c) == -1);	/* control char */
	CHECK(pop3_parse(l6, strlen(l6), &c) == -1);	/* 5-letter keyword */
	CHECK(pop3_parse(l7, strlen(l7), &c) == -1);	/* 1-letter keyword */
	{
		char l9[] = "LIST 1 2 3 4";

		CHECK(pop3_parse(l9, strlen(l9), &c) == 0 && c.argc == 4);
	}
	CHECK(pop3_parse(l8, 5, &c) == -1);		/* NUL */
}

TEST(msgno)
{
	size_t n;

	CHECK(pop3_msgno("1", 1, 3, &n) == 0 && n == 1);
	CHECK(pop3_msgno("3", 1, 3, &n) == 0 && n == 3);
	CHECK(pop3_msgno("4", 1, 3, &n) == -1);
	CHECK(pop3_msgno("0", 1, 3, &n) == -1);
	CHECK(pop3_msgno("4294967297", 10, 3, &n) == -1);
	CHECK(pop3_msgno("99999999999999999999999", 23, 3, &n) == -1);
	CHECK(pop3_msgno("+1", 2, 3, &n) == -1);
	CHECK(pop3_msgno("", 0, 3, &n) == -1);
}

TEST(stuffing)
{
	const char *m = "Subject: x\n\n.dot\n..two\nplain\n.\n";
	size_t chunk;

	for (chunk = 1; chunk <= 40; chunk++)
		CHECK_STR(stuff(m, strlen(m), 0, 0, chunk),
		    "Subject: x\r\n\r\n..dot\r\n...two\r\nplain\r\n..\r\n.\r\n");
	/* CRLF stays CRLF, bare CR is passed through, no final newline. */
	CHECK_STR(stuff("a\r\nb\rc\n.x", 9, 0, 0, 3),
	    "a\r\nb\rc\r\n..x\r\n.\r\n");
	CHECK_STR(stuff("", 0, 0, 0, 1), ".\r\n");
}

TEST(sizes_match_crlf_count)
{
	/* The octets sent (before stuffing and without the terminator)
	 * equal the CRLF size that LIST reports: bare LF counts 2. */
	const char *m = "A: b\n\nline\r\nx\ry\n";
	const char *s = stuff(m, strlen(m), 0, 0, 4);

	CHECK(strlen(s) - 3 == strlen(m) + 3);	/* three bare LFs gained CRs */
}

TEST(top)
{
	const char *m = "H: 1\nH2: 2\n\nb1\n.b2\nb3\n";
	size_t chunk;

	for (chunk = 1; chunk <= 30; chunk++) {
		CHECK_STR(stuff(m, strlen(m), 1, 0, chunk),
		    "H: 1\r\nH2: 2\r\n\r\n.\r\n");
		CHECK_STR(stuff(m, strlen(m), 1, 2, chunk),
		    "H: 1\r\nH2: 2\r\n\r\nb1\r\n..b2\r\n.\r\n");
		CHECK_STR(stuff(m, strlen(m), 1, 99, chunk),
		    "H: 1\r\nH2: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n");
	}
	/* A CRLF blank line ends the header too. */
	CHECK_STR(stuff("H: 1\r\n\r\nb\r\n", 11, 1, 0, 2), "H: 1\r\n\r\n.\r\n");
	/* No body at all. */
	CHECK_STR(stuff("H: 1\n", 5, 1, 5, 1), "H: 1\r\n.\r\n");
}

TEST(uidl)
{
	char out[71];
	char longname[200];

	pop3_uidl("1700000000.M1P2.host", 20, out);
	CHECK_STR(out, "1700000000.M1P2.host");
	memset(longname, 'a', sizeof(longname));
	pop3_uidl(longname, sizeof(longname), out);
	CHECK(strlen(out) == 32);
	pop3_uidl("with space", 10, out);
	CHECK(strlen(out) == 32);
	{
		char out2[71];

		pop3_uidl("with spacf", 10, out2);
		CHECK(strcmp(out, out2) != 0);
	}
}
