/*
 * pop3/pop3.c -- command parsing and byte-stuffing for pop3d (see pop3.h).
 * Runs in pop3d's network child and session child, both confined; pure
 * computation on memory.
 */
#include <ctype.h>
#include <string.h>

#include "common/num.h"
#include "pop3/pop3.h"

#define POP3_ARG_MAX	40	/* RFC 1939 sec. 3 */

int
pop3_parse(char *line, size_t len, struct pop3_cmd *cmd)
{
	size_t i, kw;
	char *p, *end = line + len;

	memset(cmd, 0, sizeof(*cmd));
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return -1;	/* NUL, CR, control characters */
	for (kw = 0; kw < len && line[kw] != ' '; kw++)
		;
	if (kw < 3 || kw > 4)
		return -1;
	for (i = 0; i < kw; i++) {
		if (!isalpha((unsigned char)line[i]))
			return -1;
		cmd->name[i] = (char)toupper((unsigned char)line[i]);
	}
	cmd->name[kw] = '\0';
	p = line + kw;
	if (p < end) {
		cmd->rest = p + 1;
		cmd->restlen = (size_t)(end - p - 1);
	} else {
		cmd->rest = end;
		cmd->restlen = 0;
	}
	while (p < end) {
		char *a;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		a = p;
		while (p < end && *p != ' ')
			p++;
		/* More arguments than any command takes: counted, not kept,
		 * so the arity check answers (PASS uses `rest`). */
		if (cmd->argc < POP3_ARGS_MAX) {
			cmd->argv[cmd->argc] = a;
			cmd->arglen[cmd->argc] = (size_t)(p - a);
		}
		if (cmd->argc < 100)
			cmd->argc++;
	}
	return 0;
}

int
pop3_msgno(const char *arg, size_t len, size_t max, size_t *out)
{
	uint64_t v;

	if (num_parse_u64(arg, len, UINT64_MAX, &v) == -1 || v == 0 ||
	    v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

void
pop3_stuff_init(struct pop3_stuffer *s, int top, uint64_t lines)
{
	memset(s, 0, sizeof(*s));
	s->bol = 1;
	s->top = top;
	s->lines = lines;
}

int
pop3_stuff(struct pop3_stuffer *s, const char *p, size_t n, struct buf *out)
{
	size_t i, start;
	int empty;

	if (s->done)
		return 1;
	/* Copy runs of ordinary bytes at once; act only at line starts
	 * (dot-stuffing) and line ends (CRLF, TOP counting). */
	for (i = 0, start = 0; i < n; i++) {
		char c = p[i];

		if (s->bol && c == '.') {
			if (buf_append(out, p + start, i - start) == -1 ||
			    buf_putc(out, '.') == -1)
				return -1;
			start = i;
		}
		if (c != '\n') {
			if (c != '\r')
				s->content = 1;
			s->prev_cr = (c == '\r');
			s->bol = 0;
			continue;
		}
		if (buf_append(out, p + start, i - start) == -1 ||
		    (!s->prev_cr && buf_putc(out, '\r') == -1) ||
		    buf_putc(out, '\n') == -1)
			return -1;
		start = i + 1;
		empty = !s->content;
		s->bol = 1;
		s->prev_cr = 0;
		s->content = 0;
		if (!s->top)
			continue;
		if (!s->in_body) {
			if (empty) {
				s->in_body = 1;
				s->done = s->lines == 0;
			}
		} else if (--s->lines == 0)
			s->done = 1;
		if (s->done)
			return 1;
	}
	if (buf_append(out, p + start, n - start) == -1)
		return -1;
	return 0;
}

int
pop3_stuff_end(struct pop3_stuffer *s, struct buf *out)
{
	if (!s->bol && !s->done) {
		if (!s->prev_cr && buf_putc(out, '\r') == -1)
			return -1;
		if (buf_putc(out, '\n') == -1)
			return -1;
	}
	return buf_puts(out, ".\r\n");
}

/* 128-bit digest built from two independent 64-bit FNV-1a style hashes;
 * used only to name messages whose unique part cannot be a UIDL. */
void
pop3_uidl(const char *unique, size_t len, char out[71])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	size_t i;
	int ok = len > 0 && len <= 70, k;

	for (i = 0; ok && i < len; i++)
		if ((unsigned char)unique[i] < 0x21 ||
		    (unsigned char)unique[i] > 0x7e)
			ok = 0;
	if (ok) {
		memcpy(out, unique, len);
		out[len] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		h1 = (h1 ^ (unsigned char)unique[i]) * 0x100000001b3ULL;
		h2 = (h2 ^ (unsigned char)unique[i]) * 0x100000001b3ULL;
		h2 ^= h2 >> 29;
	}
	for (k = 0; k < 16; k++) {
		out[k] = hex[(h1 >> (60 - 4 * k)) & 0xf];
		out[16 + k] = hex[(h2 >> (60 - 4 * k)) & 0xf];
	}
	out[32] = '\0';
}
