/*
 * pop3d.c -- the POP3 server (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS,
 * RFC 5034 SASL).  main() hands over to the monitor (auth/monitor.c),
 * which runs:
 *   pop3_prelogin()  in the network child: unprivileged, chrooted to an
 *                    empty directory, seccomp; TLS; AUTHORIZATION state.
 *   pop3_session()   in the session child: the user's ids, chrooted into
 *                    the Maildir, seccomp; TRANSACTION and UPDATE states.
 * POP3 serves INBOX only.  Deletions happen only at QUIT (UPDATE state); a
 * dropped connection or an autologout deletes nothing (RFC 1939 sec. 6).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/monitor.h"
#include "common/channel.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/num.h"
#include "common/sasl.h"
#include "maildir/maildir.h"
#include "pop3/pop3.h"

#define GREETING	"+OK letterbox POP3 server ready\r\n"

/* ------------------------------------------------------------------ */
/* AUTHORIZATION state (network child)                                  */

static void
pop3_capa(struct io *io, int prelogin, int plain_ok, int stls)
{
	io_puts(io, "+OK Capability list follows\r\n");
	io_puts(io, "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
	    "PIPELINING\r\n");
	if (prelogin && plain_ok)
		io_puts(io, "USER\r\nSASL PLAIN\r\n");
	if (prelogin && stls)
		io_puts(io, "STLS\r\n");
	io_puts(io, "IMPLEMENTATION letterbox\r\n.\r\n");
}

/* Read one line for the AUTHORIZATION state; returns its length without
 * the line end, or -1 if the session must end (after answering). */
static long
pop3_readline(struct io *io, int timeout, char **line)
{
	long n = io_getline(io, LB_POP3_LINE_MAX, timeout);

	if (n == IO_TOOLONG) {
		io_puts(io, "-ERR Line too long\r\n");
		log_notice("line too long; closing");
		return -1;
	}
	if (n == IO_TIMEOUT) {
		io_puts(io, "-ERR Autologout; idle for too long\r\n");
		return -1;
	}
	if (n <= 0)
		return -1;
	*line = io->in.p;
	/* Strip LF or CRLF. */
	n--;
	if (n > 0 && io->in.p[n - 1] == '\r')
		n--;
	return n;
}

/* Answer a verdict.  Returns 1 if the login succeeded (handoff follows),
 * 0 to go on, -1 to close. */
static int
pop3_verdict(struct net_ctx *n, int v)
{
	switch (v) {
	case VERDICT_OK:
		return 1;
	case VERDICT_FAIL:
		io_puts(&n->io, "-ERR [AUTH] Authentication failed\r\n");
		return 0;
	case VERDICT_TEMPFAIL:
		io_puts(&n->io, "-ERR [SYS/TEMP] Temporary authentication "
		    "failure, try again later\r\n");
		return 0;
	default:
		io_puts(&n->io, "-ERR [AUTH] Authentication failed; too many "
		    "failures, closing\r\n");
		return -1;
	}
}

/* AUTH PLAIN [initial-response] (RFC 5034).  Consumes its command line
 * (and the continuation line) on every path. */
static int
pop3_auth(struct net_ctx *n, struct pop3_cmd *cmd)
{
	struct sasl_plain sp;
	size_t linelen = io_line(&n->io);
	char *line;
	long len;
	int v;

	if (cmd->argc == 0) {
		/* RFC 1734-style mechanism list, still used by clients. */
		buf_consume(&n->io.in, linelen);
		io_puts(&n->io, "+OK Supported mechanisms follow\r\n");
		if (net_plaintext_ok(n))
			io_puts(&n->io, "PLAIN\r\n");
		io_puts(&n->io, ".\r\n");
		return 0;
	}
	if (cmd->argc > 2) {
		explicit_bzero(n->io.in.p, linelen);
		buf_consume(&n->io.in, linelen);
		io_puts(&n->io, "-ERR Wrong number of arguments\r\n");
		return 0;
	}
	if (cmd->arglen[0] != 5 || strncasecmp(cmd->argv[0], "PLAIN", 5) != 0) {
		explicit_bzero(n->io.in.p, linelen);
		buf_consume(&n->io.in, linelen);
		io_puts(&n->io, "-ERR Unsupported authentication mechanism\r\n");
		return 0;
	}
	if (!net_plaintext_ok(n)) {
		explicit_bzero(n->io.in.p, linelen);
		buf_consume(&n->io.in, linelen);
		io_puts(&n->io, "-ERR [AUTH] Plain-text authentication is "
		    "disabled without TLS; use STLS\r\n");
		return 0;
	}
	if (cmd->argc == 2) {
		size_t rlen = cmd->arglen[1];

		if (rlen == 1 && cmd->argv[1][0] == '=')
			rlen = 0;	/* RFC 5034 sec. 4: empty response */
		v = sasl_plain_decode(cmd->argv[1], rlen, &sp);
		explicit_bzero(n->io.in.p, linelen);
		buf_consume(&n->io.in, linelen);
	} else {
		buf_consume(&n->io.in, linelen);
		io_puts(&n->io, "+ \r\n");
		if ((len = pop3_readline(&n->io, net_read_timeout(n),
		    &line)) < 0)
			return -1;
		linelen = io_line(&n->io);
		if (len == 1 && line[0] == '*') {
			buf_consume(&n->io.in, linelen);
			io_puts(&n->io, "-ERR Authentication cancelled\r\n");
			return 0;
		}
		v = sasl_plain_decode(line, (size_t)len, &sp);
		explicit_bzero(line, linelen);
		buf_consume(&n->io.in, linelen);
	}
	if (v == -1) {
		io_puts(&n->io, "-ERR [AUTH] Invalid SASL PLAIN response\r\n");
		return 0;
	}
	v = net_login(n, sp.user, sp.ulen, sp.pass, sp.plen);
	explicit_bzero(&sp, sizeof(sp));
	return pop3_verdict(n, v);
}

static void
pop3_prelogin(struct net_ctx *n)
{
	struct pop3_cmd cmd;
	char user[LB_USER_MAX + 1] = "", *line;
	size_t ulen = 0;
	long len;
	int r;

	io_puts(&n->io, GREETING);
	for (;;) {
		if ((len = pop3_readline(&n->io, net_read_timeout(n),
		    &line)) < 0)
			return;
		if (net_command(n) == -1) {
			io_puts(&n->io, "-ERR Too many commands before login; "
			    "closing\r\n");
			return;
		}
		if (pop3_parse(line, (size_t)len, &cmd) == -1) {
			buf_consume(&n->io.in, io_line(&n->io));
			io_puts(&n->io, "-ERR Invalid command\r\n");
			continue;
		}
		r = 0;
		if (strcmp(cmd.name, "AUTH") == 0) {
			/* pop3_auth() consumes the line(s) itself. */
			if ((r = pop3_auth(n, &cmd)) == 1)
				net_handoff(n, "");
			if (r == -1)
				return;
			continue;
		}
		if (strcmp(cmd.name, "PASS") == 0) {
			if (ulen == 0)
				io_puts(&n->io, "-ERR USER first\r\n");
			else if (cmd.restlen == 0 ||
			    cmd.restlen > LB_PASS_MAX)
				io_puts(&n->io, "-ERR [AUTH] Invalid "
				    "password\r\n");
			else {
				size_t ll = io_line(&n->io);

				r = net_login(n, user, ulen, cmd.rest,
				    cmd.restlen);
				explicit_bzero(line, ll);
				buf_consume(&n->io.in, ll);
				ulen = 0;
				if ((r = pop3_verdict(n, r)) == 1)
					net_handoff(n, "");
				if (r == -1)
					return;
				continue;
			}
			{
				size_t ll = io_line(&n->io);

				explicit_bzero(line, ll);
				buf_consume(&n->io.in, ll);
			}
			ulen = 0;
			continue;
		}
		if (strcmp(cmd.name, "CAPA") == 0 && cmd.argc == 0)
			pop3_capa(&n->io, 1, net_plaintext_ok(n),
			    n->tlsctx != NULL && !n->tls_active);
		else if (strcmp(cmd.name, "USER") == 0 && cmd.argc == 1) {
			if (!net_plaintext_ok(n))
				io_puts(&n->io, "-ERR [AUTH] Plain-text "
				    "authentication is disabled without TLS; "
				    "use STLS\r\n");
			else if (cmd.arglen[0] > LB_USER_MAX)
				io_puts(&n->io, "-ERR [AUTH] User name too "
				    "long\r\n");
			else {
				memcpy(user, cmd.argv[0], cmd.arglen[0]);
				ulen = cmd.arglen[0];
				io_puts(&n->io, "+OK Send your password\r\n");
			}
		} else if (strcmp(cmd.name, "STLS") == 0 && cmd.argc == 0) {
			if (n->tls_active)
				io_puts(&n->io, "-ERR Already using TLS\r\n");
			else if (n->tlsctx == NULL)
				io_puts(&n->io, "-ERR TLS is not available\r\n");
			else {
				buf_consume(&n->io.in, io_line(&n->io));
				io_puts(&n->io, "+OK Begin TLS negotiation\r\n");
				if (net_starttls(n) == -1)
					return;
				ulen = 0;
				continue;
			}
		} else if (strcmp(cmd.name, "QUIT") == 0 && cmd.argc == 0) {
			io_puts(&n->io, "+OK letterbox POP3 server signing "
			    "off\r\n");
			return;
		} else if (strcmp(cmd.name, "CAPA") == 0 ||
		    strcmp(cmd.name, "USER") == 0 ||
		    strcmp(cmd.name, "STLS") == 0 ||
		    strcmp(cmd.name, "QUIT") == 0)
			io_puts(&n->io, "-ERR Wrong number of arguments\r\n");
		else
			io_puts(&n->io, "-ERR Command not valid before "
			    "login\r\n");
		buf_consume(&n->io.in, io_line(&n->io));
	}
}

/* ------------------------------------------------------------------ */
/* TRANSACTION and UPDATE states (session child)                        */

struct pop3 {
	struct io	*io;
	const struct session_info *si;
	struct md_folder *f;
	size_t		 n;		/* messages at login */
	unsigned char	*deleted;	/* DELE marks, per message */
	unsigned	 retr, top, dele, removed;
	uint64_t	 retr_bytes;
};

/* The message named by arg, or -1 after answering -ERR. */
static long
pop3_msg(struct pop3 *p, const char *arg, size_t len)
{
	size_t i;

	if (pop3_msgno(arg, len, p->n, &i) == -1) {
		io_puts(p->io, "-ERR No such message\r\n");
		return -1;
	}
	if (p->deleted[i - 1]) {
		io_printf(p->io, "-ERR Message %zu already deleted\r\n", i);
		return -1;
	}
	return (long)(i - 1);
}

static void
pop3_stat(struct pop3 *p, size_t *count, uint64_t *octets)
{
	size_t i;

	*count = 0;
	*octets = 0;
	for (i = 0; i < p->n; i++) {
		if (p->deleted[i])
			continue;
		(*count)++;
		*octets += md_get(p->f, i)->vsize;
	}
}

static void
pop3_uidl_line(struct pop3 *p, size_t i, int multi)
{
	struct md_name nm;
	char uidl[71];

	if (md_name_parse(md_get(p->f, i)->name, &nm) == -1)
		pop3_uidl("", 0, uidl);
	else
		pop3_uidl(nm.unique, nm.unique_len, uidl);
	io_printf(p->io, "%s%zu %s\r\n", multi ? "" : "+OK ", i + 1, uidl);
}

/* RETR and TOP: stream the message through the byte-stuffer. */
static int
pop3_send(struct pop3 *p, size_t i, int top, uint64_t lines)
{
	const struct md_msg *mm = md_get(p->f, i);
	struct pop3_stuffer st;
	struct buf out;
	char chunk[32768];
	ssize_t r;
	int fd, rc;

	if ((rc = md_open(p->f, i, &fd)) != 0) {
		if (rc == MD_ERR_GONE)
			io_printf(p->io, "-ERR Message %zu was deleted by "
			    "another session\r\n", i + 1);
		else {
			log_err("user=%s open message %zu: %s", p->si->user,
			    i + 1, md_strerror(rc));
			io_puts(p->io, "-ERR [SYS/TEMP] Cannot read the "
			    "message\r\n");
		}
		return -1;
	}
	if (top)
		io_puts(p->io, "+OK Top of message follows\r\n");
	else
		io_printf(p->io, "+OK %llu octets\r\n",
		    (unsigned long long)mm->vsize);
	pop3_stuff_init(&st, top, lines);
	buf_init(&out, 0);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_reset(&out);
		rc = pop3_stuff(&st, chunk, (size_t)r, &out);
		if (rc == -1 || io_write(p->io, out.p, out.len) == -1)
			break;
		if (rc == 1)
			break;
	}
	close(fd);
	if (r == -1)
		log_err("user=%s read message %zu: %s", p->si->user, i + 1,
		    strerror(errno));
	buf_reset(&out);
	/* The response must end; a read error mid-way cannot be taken
	 * back (the client sees a short message, the log says why). */
	(void)pop3_stuff_end(&st, &out);
	(void)io_write(p->io, out.p, out.len);
	buf_free(&out);
	return 0;
}

static void
pop3_mark_seen(struct pop3 *p, size_t i)
{
	const struct md_msg *mm = md_get(p->f, i);
	char flags[sizeof(mm->flags) + 1];
	int rc;

	if (strchr(mm->flags, MD_FLAG_SEEN) != NULL)
		return;
	(void)snprintf(flags, sizeof(flags), "%s%c", mm->flags, MD_FLAG_SEEN);
	if ((rc = md_set_flags(p->f, i, flags)) != 0 && rc != MD_ERR_GONE)
		log_warnx("user=%s cannot mark message %zu seen: %s",
		    p->si->user, i + 1, md_strerror(rc));
}

/* UPDATE state (RFC 1939 sec. 6). */
static int
pop3_update(struct pop3 *p)
{
	size_t i;
	int rc, failed = 0;

	for (i = 0; i < p->n; i++) {
		if (!p->deleted[i])
			continue;
		rc = md_expunge(p->f, i);
		if (rc == 0 || rc == MD_ERR_GONE)
			p->removed++;
		else {
			failed++;
			log_err("user=%s cannot delete message %zu: %s",
			    p->si->user, i + 1, md_strerror(rc));
		}
	}
	return failed;
}

static void
pop3_session_fail(struct io *io, const struct session_info *si,
    const char *why)
{
	(void)si;
	io_printf(io, "-ERR [SYS/TEMP] %s\r\n", why);
}

static void
pop3_logout(struct pop3 *p, const char *how)
{
	log_info("logout: user=%s rip=%s %s retr=%u/%llu top=%u dele=%u "
	    "removed=%u in=%llu out=%llu", p->si->user, p->si->rip, how,
	    p->retr, (unsigned long long)p->retr_bytes, p->top, p->dele,
	    p->removed, (unsigned long long)p->io->bytes_in,
	    (unsigned long long)p->io->bytes_out);
}

static int
pop3_session(struct io *io, const struct session_info *si)
{
	struct pop3 p;
	struct pop3_cmd cmd;
	size_t count, i;
	uint64_t octets, nlines;
	char *line;
	long len, m;
	int rc;

	memset(&p, 0, sizeof(p));
	p.io = io;
	p.si = si;
	if ((rc = md_folder_open(&p.f, si->rootfd, "INBOX",
	    MD_OPEN_KEEP_RECENT)) != 0) {
		log_err("user=%s cannot open INBOX: %s", si->user,
		    md_strerror(rc));
		io_puts(io, rc == MD_ERR_LOCKED ? "-ERR [IN-USE] Mailbox is "
		    "locked, try again later\r\n" : "-ERR [SYS/TEMP] Cannot "
		    "open the mailbox\r\n");
		return 1;
	}
	p.n = md_count(p.f);
	if ((p.deleted = calloc(p.n + 1, 1)) == NULL) {
		io_puts(io, "-ERR [SYS/TEMP] Out of memory\r\n");
		rc = 1;
		goto out;
	}
	pop3_stat(&p, &count, &octets);
	io_printf(io, "+OK Logged in; %zu messages (%llu octets)\r\n", count,
	    (unsigned long long)octets);

	for (;;) {
		len = io_getline(io, LB_POP3_LINE_MAX, (int)si->conf->idle_timeout);
		if (len == IO_TOOLONG) {
			io_puts(io, "-ERR Line too long\r\n");
			pop3_logout(&p, "toolong");
			rc = 1;
			goto out;
		}
		if (len == IO_TIMEOUT) {
			/* RFC 1939 sec. 3: autologout does not enter the
			 * UPDATE state: nothing is deleted. */
			io_puts(io, "-ERR Autologout; idle for too long\r\n");
			pop3_logout(&p, "autologout");
			rc = 0;
			goto out;
		}
		if (len <= 0) {
			pop3_logout(&p, "disconnected");
			rc = 0;
			goto out;
		}
		line = io->in.p;
		len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (pop3_parse(line, (size_t)len, &cmd) == -1) {
			io_puts(io, "-ERR Invalid command\r\n");
			goto next;
		}
		if (strcmp(cmd.name, "STAT") == 0 && cmd.argc == 0) {
			pop3_stat(&p, &count, &octets);
			io_printf(io, "+OK %zu %llu\r\n", count,
			    (unsigned long long)octets);
		} else if ((strcmp(cmd.name, "LIST") == 0 ||
		    strcmp(cmd.name, "UIDL") == 0) && cmd.argc <= 1) {
			int uidl = cmd.name[0] == 'U';

			if (cmd.argc == 1) {
				if ((m = pop3_msg(&p, cmd.argv[0],
				    cmd.arglen[0])) < 0)
					goto next;
				if (uidl)
					pop3_uidl_line(&p, (size_t)m, 0);
				else
					io_printf(io, "+OK %ld %llu\r\n", m + 1,
					    (unsigned long long)
					    md_get(p.f, (size_t)m)->vsize);
				goto next;
			}
			io_puts(io, uidl ? "+OK Unique-ID listing follows\r\n"
			    : "+OK Scan listing follows\r\n");
			for (i = 0; i < p.n; i++) {
				if (p.deleted[i])
					continue;
				if (uidl)
					pop3_uidl_line(&p, i, 1);
				else
					io_printf(io, "%zu %llu\r\n", i + 1,
					    (unsigned long long)
					    md_get(p.f, i)->vsize);
			}
			io_puts(io, ".\r\n");
		} else if (strcmp(cmd.name, "RETR") == 0 && cmd.argc == 1) {
			if ((m = pop3_msg(&p, cmd.argv[0], cmd.arglen[0])) < 0)
				goto next;
			if (pop3_send(&p, (size_t)m, 0, 0) == 0) {
				p.retr++;
				p.retr_bytes += md_get(p.f, (size_t)m)->vsize;
				if (si->conf->pop3_mark_seen)
					pop3_mark_seen(&p, (size_t)m);
			}
		} else if (strcmp(cmd.name, "TOP") == 0 && cmd.argc == 2) {
			if ((m = pop3_msg(&p, cmd.argv[0], cmd.arglen[0])) < 0)
				goto next;
			if (num_parse_u64(cmd.argv[1], cmd.arglen[1],
			    UINT64_MAX, &nlines) == -1) {
				io_puts(io, "-ERR Invalid number of lines\r\n");
				goto next;
			}
			if (pop3_send(&p, (size_t)m, 1, nlines) == 0)
				p.top++;
		} else if (strcmp(cmd.name, "DELE") == 0 && cmd.argc == 1) {
			if ((m = pop3_msg(&p, cmd.argv[0], cmd.arglen[0])) < 0)
				goto next;
			p.deleted[m] = 1;
			p.dele++;
			io_printf(io, "+OK Message %ld deleted\r\n", m + 1);
		} else if (strcmp(cmd.name, "RSET") == 0 && cmd.argc == 0) {
			memset(p.deleted, 0, p.n);
			p.dele = 0;
			pop3_stat(&p, &count, &octets);
			io_printf(io, "+OK %zu messages (%llu octets)\r\n",
			    count, (unsigned long long)octets);
		} else if (strcmp(cmd.name, "NOOP") == 0 && cmd.argc == 0) {
			io_puts(io, "+OK\r\n");
		} else if (strcmp(cmd.name, "CAPA") == 0 && cmd.argc == 0) {
			pop3_capa(io, 0, 0, 0);
		} else if (strcmp(cmd.name, "QUIT") == 0 && cmd.argc == 0) {
			if (pop3_update(&p) > 0)
				io_puts(io, "-ERR [SYS/TEMP] Some deleted "
				    "messages were not removed\r\n");
			else
				io_printf(io, "+OK letterbox POP3 server "
				    "signing off (%u messages deleted)\r\n",
				    p.removed);
			pop3_logout(&p, "quit");
			(void)io_flush(io);
			rc = 0;
			goto out;
		} else if (strcmp(cmd.name, "USER") == 0 ||
		    strcmp(cmd.name, "PASS") == 0 ||
		    strcmp(cmd.name, "AUTH") == 0 ||
		    strcmp(cmd.name, "STLS") == 0) {
			io_puts(io, "-ERR Already logged in\r\n");
		} else if (strcmp(cmd.name, "STAT") == 0 ||
		    strcmp(cmd.name, "LIST") == 0 ||
		    strcmp(cmd.name, "UIDL") == 0 ||
		    strcmp(cmd.name, "RETR") == 0 ||
		    strcmp(cmd.name, "TOP") == 0 ||
		    strcmp(cmd.name, "DELE") == 0 ||
		    strcmp(cmd.name, "RSET") == 0 ||
		    strcmp(cmd.name, "NOOP") == 0 ||
		    strcmp(cmd.name, "CAPA") == 0 ||
		    strcmp(cmd.name, "QUIT") == 0) {
			io_puts(io, "-ERR Wrong number of arguments\r\n");
		} else
			io_puts(io, "-ERR Unknown command\r\n");
next:
		buf_consume(&io->in, io_line(io));
		if (io_line(io) == 0 && io_flush(io) == -1) {
			pop3_logout(&p, "write-error");
			rc = 1;
			goto out;
		}
	}
out:
	/* Every way out releases the folder (clang-tidy: p.deleted leaked
	 * on all but QUIT). */
	md_folder_close(&p.f);
	free(p.deleted);
	return rc;
}

static const struct proto pop3_proto = {
	.name = "pop3d",
	.prelogin = pop3_prelogin,
	.session = pop3_session,
	.session_fail = pop3_session_fail,
};

int
main(int argc, char **argv)
{
	monitor_main(&pop3_proto, argc, argv);
}
