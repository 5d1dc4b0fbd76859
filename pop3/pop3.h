/*
 * pop3/pop3.h -- POP3 pieces that need no process context, so they can be
 * unit-tested: the command line parser and the byte-stuffing writer of
 * multi-line responses (RFC 1939 sec. 3).  Used by pop3d's network child
 * (parser) and session child (both).
 */
#ifndef LB_POP3_H
#define LB_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define POP3_ARGS_MAX	2	/* TOP msg n; AUTH mech initial */

struct pop3_cmd {
	char	 name[5];		/* upper-cased keyword, 3-4 letters */
	int	 argc;
	const char *argv[POP3_ARGS_MAX]; /* point into the line */
	size_t	 arglen[POP3_ARGS_MAX];
	const char *rest;		/* everything after "KEYWORD " (PASS) */
	size_t	 restlen;
};

/* Parse one command line (line end already removed).  Arguments are
 * (pointer, length) pairs into the line, which is left intact (the
 * caller's buffer still holds the line end and what follows).  RFC 1939 sec. 3: a keyword of
 * 3 or 4 printable characters, arguments separated by single spaces, each
 * up to 40 characters; we accept runs of spaces and refuse NUL and control
 * characters.  0, or -1 for a malformed line. */
int	pop3_parse(char *line, size_t len, struct pop3_cmd *cmd);

/* Strict message number: 1..max, decimal digits only (RFC 1939 sec. 3;
 * "LIST 4294967297" is not "LIST 1"). 0 or -1. */
int	pop3_msgno(const char *arg, size_t len, size_t max, size_t *out);

/* Byte-stuffing converter for a message body sent in a multi-line
 * response: LF line ends become CRLF (an existing CRLF stays), a line
 * starting with '.' gets another '.', a bare CR is sent as is (so the
 * octet count equals the CRLF size of the message).  For TOP, only the
 * header, the blank line and `lines` body lines are sent. */
struct pop3_stuffer {
	int	 bol;		/* at the beginning of a line */
	int	 prev_cr;	/* last byte written was CR */
	int	 in_body;	/* past the blank line after the header */
	int	 top;		/* TOP mode */
	uint64_t lines;		/* TOP: body lines still to send */
	int	 content;	/* the current line has a byte other than CR */
	int	 done;		/* TOP limit reached */
};

void	pop3_stuff_init(struct pop3_stuffer *, int top, uint64_t lines);
/* Convert n bytes into out.  Returns 1 when TOP needs no more input,
 * 0 to continue, -1 if out is full. */
int	pop3_stuff(struct pop3_stuffer *, const char *p, size_t n,
	    struct buf *out);
/* Finish the response: a CRLF if the message did not end with one, then
 * the terminating ".\r\n". */
int	pop3_stuff_end(struct pop3_stuffer *, struct buf *out);

/* The UIDL of a Maildir unique name: the unique part itself when it is
 * 1..70 characters in 0x21..0x7E (RFC 1939 sec. 7), else a stable
 * 32-hex-digit digest of it.  out must hold 71 bytes. */
void	pop3_uidl(const char *unique, size_t len, char out[71]);

#endif
