/*
 * tests/fuzz/fuzz_pop3.c -- libFuzzer target for pop3/pop3.c: the command
 * line parser (pop3_parse, pop3_msgno), the byte-stuffing writer of
 * multi-line responses (pop3_stuff, pop3_stuff_end) and pop3_uidl.
 * Built and run by `make fuzz` (see tests/fuzz/README.md).
 *
 * Input: byte 0 picks TOP mode and its line count, byte 1 a split point,
 * the rest is a command line and a message body.  Checked beyond "no
 * crash":
 *  - the parser's results point into the line, which it leaves intact
 *    (the caller's buffer goes on with the line end), keywords are 3-4
 *    upper-case letters, arguments hold no space and are exactly the
 *    space-separated words of the line;
 *  - stuffing gives the same bytes however the input is split, every LF is
 *    preceded by CR, and removing the stuffed dots gives back the input
 *    with bare LF turned into CRLF (for TOP: a prefix of it, cut at a line
 *    end);
 *  - a UIDL is 1..70 printable characters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "pop3/pop3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

static void
check_parse(const uint8_t *d, size_t n)
{
	struct pop3_cmd cmd;
	char *line;
	size_t i, w, start, msg;
	int k;

	if ((line = malloc(n + 1)) == NULL)
		return;
	if (n > 0)
		memcpy(line, d, n);
	line[n] = '\r';	/* the caller's line end: must stay */
	if (pop3_parse(line, n, &cmd) == 0) {
		ASSERT(line[n] == '\r');
		k = (int)strlen(cmd.name);
		ASSERT(k == 3 || k == 4);
		ASSERT(memcmp(line, d, n) == 0);
		for (i = 0; i < (size_t)k; i++) {
			ASSERT(cmd.name[i] >= 'A' && cmd.name[i] <= 'Z');
			ASSERT((d[i] | 0x20) == (cmd.name[i] | 0x20));
			ASSERT(d[i] >= 0x20 && d[i] != 0x7f);
		}
		ASSERT(cmd.rest >= line && cmd.rest + cmd.restlen == line + n);
		ASSERT(cmd.argc >= 0 && cmd.argc <= 100);
		/* Re-split the words after the keyword independently. */
		w = 0;
		for (i = (size_t)k; i < n; ) {
			while (i < n && line[i] == ' ')
				i++;
			if (i == n)
				break;
			start = i;
			while (i < n && line[i] != ' ')
				i++;
			if (w < POP3_ARGS_MAX) {
				ASSERT(cmd.argv[w] == line + start);
				ASSERT(cmd.arglen[w] == i - start);
				if (pop3_msgno(cmd.argv[w], cmd.arglen[w], 1000,
				    &msg) == 0)
					ASSERT(msg >= 1 && msg <= 1000);
			}
			w++;
		}
		ASSERT((size_t)cmd.argc == (w > 100 ? 100 : w));
	}
	free(line);
}

/* What the client must read back: input with bare LF as CRLF, ending in
 * a line end. */
static void
expected(const uint8_t *d, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			ASSERT(buf_putc(out, '\r') == 0);
		ASSERT(buf_putc(out, d[i]) == 0);
	}
	if (n > 0 && d[n - 1] != '\n') {
		if (d[n - 1] != '\r')
			ASSERT(buf_putc(out, '\r') == 0);
		ASSERT(buf_putc(out, '\n') == 0);
	}
}

static int
stuff(const uint8_t *d, size_t n, size_t cut, int top, unsigned lines,
    struct buf *out)
{
	struct pop3_stuffer s;
	int rc;

	pop3_stuff_init(&s, top, lines);
	rc = pop3_stuff(&s, (const char *)d, cut, out);
	ASSERT(rc == 0 || rc == 1);
	if (rc == 0)
		rc = pop3_stuff(&s, (const char *)d + cut, n - cut, out);
	ASSERT(rc == 0 || rc == 1);
	/* Once done, further input is ignored. */
	if (rc == 1)
		ASSERT(pop3_stuff(&s, "x\n", 2, out) == 1);
	ASSERT(pop3_stuff_end(&s, out) == 0);
	return rc;
}

static void
check_stuff(const uint8_t *d, size_t n, size_t cut, int top, unsigned lines)
{
	struct buf a, b, e, u;
	size_t i, body;
	int bol;

	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_init(&e, 0);
	buf_init(&u, 0);
	(void)stuff(d, n, n, top, lines, &a);
	(void)stuff(d, n, cut, top, lines, &b);
	ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0));

	ASSERT(a.len >= 3 && memcmp(a.p + a.len - 3, ".\r\n", 3) == 0);
	body = a.len - 3;
	ASSERT(body == 0 || (body >= 2 && a.p[body - 2] == '\r' &&
	    a.p[body - 1] == '\n'));
	for (i = 0, bol = 1; i < body; i++) {
		if (a.p[i] == '\n')
			ASSERT(i > 0 && a.p[i - 1] == '\r');
		if (bol && a.p[i] == '.') {
			/* a stuffed dot: the next byte is the real one */
			ASSERT(i + 1 < body && a.p[i + 1] == '.');
			i++;
		}
		ASSERT(buf_putc(&u, a.p[i]) == 0);
		bol = a.p[i] == '\n';
	}
	expected(d, n, &e);
	if (!top)
		ASSERT(u.len == e.len &&
		    (u.len == 0 || memcmp(u.p, e.p, u.len) == 0));
	else
		ASSERT(u.len <= e.len &&
		    (u.len == 0 || memcmp(u.p, e.p, u.len) == 0));
	buf_free(&a);
	buf_free(&b);
	buf_free(&e);
	buf_free(&u);
}

static void
check_uidl(const uint8_t *d, size_t n)
{
	char out[71];
	size_t i, len;

	pop3_uidl((const char *)d, n, out);
	len = strlen(out);
	ASSERT(len >= 1 && len <= 70);
	for (i = 0; i < len; i++)
		ASSERT(out[i] >= 0x21 && out[i] <= 0x7e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *d, *nl;
	size_t n, cut, linelen;
	int top;
	unsigned lines;

	if (size < 2)
		return 0;
	top = data[0] & 1;
	lines = data[0] >> 1;
	d = data + 2;
	n = size - 2;
	cut = n ? data[1] % (n + 1) : 0;

	/* The first line is a command, as pop3d would see it without its
	 * line end. */
	nl = memchr(d, '\n', n);
	linelen = nl ? (size_t)(nl - d) : n;
	if (linelen > 0 && d[linelen - 1] == '\r')
		check_parse(d, linelen - 1);
	else
		check_parse(d, linelen);
	check_stuff(d, n, cut, top, lines);
	check_uidl(d, linelen);
	return 0;
}
