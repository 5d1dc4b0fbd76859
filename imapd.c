/*
 * imapd.c -- the IMAP server (RFC 3501 and the extensions in
 * imap/session.c's capability list).  main() hands over to the monitor
 * (auth/monitor.c), which runs:
 *   imap_prelogin()  in the network child: unprivileged, chrooted to an
 *                    empty directory, seccomp; TLS; the not-authenticated
 *                    state (CAPABILITY NOOP LOGOUT ID STARTTLS LOGIN
 *                    AUTHENTICATE).
 *   imap_session()   in the session child: the user's ids, chrooted into
 *                    the Maildir, seccomp; everything after login.
 * Started by a non-root user (ssh tunnel), it serves that user's own
 * Maildir in PREAUTH mode, confined with Landlock (or a private mount
 * namespace) and the same seccomp filter (auth/drop.c, auth/sandbox.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "auth/drop.h"
#include "auth/monitor.h"
#include "auth/sandbox.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/decode.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/sasl.h"
#include "imap/parse.h"
#include "imap/quote.h"
#include "imap/session.h"
#include "maildir/maildir.h"

/* ------------------------------------------------------------------ */
/* Not-authenticated state (network child)                              */

struct pre {
	struct net_ctx		*n;
	struct imap_parser	*p;
	const char		*tag;		/* points to tagbuf */
	/* Our copy: raw lines read later reuse the parser's memory. */
	char			 tagbuf[LB_IMAP_TAG_MAX + 1];
};

static void
pre_caps(struct pre *pr, struct buf *b)
{
	struct net_ctx *n = pr->n;

	(void)buf_puts(b, "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE");
	if (n->tlsctx != NULL && !n->tls_active)
		(void)buf_puts(b, " STARTTLS");
	if (net_plaintext_ok(n))
		(void)buf_puts(b, " AUTH=PLAIN AUTH=LOGIN");
	else
		(void)buf_puts(b, " LOGINDISABLED");
}

#define pre_send(pr, ...)	io_printf(&(pr)->n->io, __VA_ARGS__)

/* Read one raw line (AUTHENTICATE responses).  Returns its length, or -1
 * when the connection must end. */
static long
pre_line(struct pre *pr, const char **line)
{
	enum imap_parse_result r;
	size_t used, len;
	int rc;

	if (imap_parse_want_line(pr->p) == -1)
		return -1;
	for (;;) {
		if (pr->n->io.in.len == 0) {
			if (io_flush(&pr->n->io) == -1)
				return -1;
			rc = io_fill(&pr->n->io,
			    net_read_timeout(pr->n));
			if (rc != IO_OK)
				return -1;
		}
		r = imap_parse_feed(pr->p, pr->n->io.in.p, pr->n->io.in.len,
		    &used);
		buf_consume(&pr->n->io.in, used);
		if (r == IMAP_PARSE_LINE) {
			*line = imap_parse_line(pr->p, &len);
			return (long)len;
		}
		if (r != IMAP_PARSE_NEED_MORE)
			return -1;
	}
}

/* Answer a verdict; returns 1 on success (handoff), 0 to go on, -1 to
 * close. */
static int
pre_verdict(struct pre *pr, int v)
{
	switch (v) {
	case VERDICT_OK:
		net_handoff(pr->n, pr->tag);
	case VERDICT_FAIL:
		pre_send(pr, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.\r\n", pr->tag);
		return 0;
	case VERDICT_TEMPFAIL:
		pre_send(pr, "%s NO [UNAVAILABLE] Temporary authentication "
		    "failure, try again later.\r\n", pr->tag);
		return 0;
	default:
		pre_send(pr, "* BYE Too many authentication failures\r\n"
		    "%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
		    pr->tag);
		return -1;
	}
}

static int
pre_authenticate(struct pre *pr, const struct imap_arg *a, size_t n)
{
	struct sasl_plain sp;
	struct buf user, pass;
	const char *mech, *line;
	long len;
	int v;

	if (n < 1 || n > 2 || imap_arg_get_atom(&a[0], &mech) == -1) {
		pre_send(pr, "%s BAD Invalid arguments\r\n", pr->tag);
		return 0;
	}
	if (!net_plaintext_ok(pr->n)) {
		pre_send(pr, "%s NO [PRIVACYREQUIRED] Plain-text "
		    "authentication is disabled without TLS; use STARTTLS\r\n",
		    pr->tag);
		return 0;
	}
	if (strcasecmp(mech, "PLAIN") == 0) {
		if (n == 2) {
			/* RFC 4959: "=" is an empty initial response. */
			if (a[1].type != IMAP_ARG_ATOM) {
				pre_send(pr, "%s BAD Invalid initial response"
				    "\r\n", pr->tag);
				return 0;
			}
			line = a[1].str;
			len = (long)a[1].len;
			if (len == 1 && line[0] == '=')
				len = 0;
		} else {
			pre_send(pr, "+ \r\n");
			if ((len = pre_line(pr, &line)) < 0)
				return -1;
		}
		if (len == 1 && line[0] == '*') {
			pre_send(pr, "%s BAD Authentication cancelled\r\n",
			    pr->tag);
			return 0;
		}
		if (sasl_plain_decode(line, (size_t)len, &sp) == -1) {
			pre_send(pr, "%s NO [AUTHENTICATIONFAILED] Invalid "
			    "SASL PLAIN response\r\n", pr->tag);
			return 0;
		}
		v = net_login(pr->n, sp.user, sp.ulen, sp.pass, sp.plen);
		explicit_bzero(&sp, sizeof(sp));
		return pre_verdict(pr, v);
	}
	if (strcasecmp(mech, "LOGIN") == 0 && n == 1) {
		/* The old draft mechanism Outlook still uses. */
		buf_init(&user, LB_USER_MAX);
		buf_init(&pass, LB_PASS_MAX);
		pre_send(pr, "+ VXNlcm5hbWU6\r\n");
		if ((len = pre_line(pr, &line)) < 0)
			return -1;
		if ((len == 1 && line[0] == '*') ||
		    b64_decode_strict(line, (size_t)len, &user) == -1) {
			pre_send(pr, "%s BAD Authentication cancelled or "
			    "invalid\r\n", pr->tag);
			return 0;
		}
		pre_send(pr, "+ UGFzc3dvcmQ6\r\n");
		if ((len = pre_line(pr, &line)) < 0) {
			buf_free(&user);
			return -1;
		}
		if ((len == 1 && line[0] == '*') ||
		    b64_decode_strict(line, (size_t)len, &pass) == -1 ||
		    user.len == 0 || pass.len == 0) {
			buf_free(&user);
			buf_free(&pass);
			pre_send(pr, "%s BAD Authentication cancelled or "
			    "invalid\r\n", pr->tag);
			return 0;
		}
		v = net_login(pr->n, user.p, user.len, pass.p, pass.len);
		buf_free(&user);
		buf_free(&pass);	/* wipes */
		return pre_verdict(pr, v);
	}
	pre_send(pr, "%s NO Unsupported authentication mechanism\r\n", pr->tag);
	return 0;
}

static int
pre_command(struct pre *pr, const char *cmd, const struct imap_arg *a,
    size_t n)
{
	struct buf b;
	const char *u, *pw;
	size_t ulen, plen;
	int v;

	if (strcmp(cmd, "CAPABILITY") == 0 && n == 0) {
		buf_init(&b, 1024);
		(void)buf_puts(&b, "* CAPABILITY ");
		pre_caps(pr, &b);
		(void)buf_cstr(&b);
		pre_send(pr, "%s\r\n%s OK Capability completed.\r\n", b.p,
		    pr->tag);
		buf_free(&b);
	} else if (strcmp(cmd, "NOOP") == 0 && n == 0) {
		pre_send(pr, "%s OK NOOP completed.\r\n", pr->tag);
	} else if (strcmp(cmd, "LOGOUT") == 0 && n == 0) {
		pre_send(pr, "* BYE Logging out\r\n%s OK Logout completed.\r\n",
		    pr->tag);
		return -1;
	} else if (strcmp(cmd, "ID") == 0 && n == 1) {
		pre_send(pr, "* ID (\"name\" \"letterbox\")\r\n%s OK ID "
		    "completed.\r\n", pr->tag);
	} else if (strcmp(cmd, "STARTTLS") == 0 && n == 0) {
		if (pr->n->tls_active || pr->n->tlsctx == NULL) {
			pre_send(pr, "%s BAD TLS is %s\r\n", pr->tag,
			    pr->n->tls_active ? "already active" :
			    "not available");
			return 0;
		}
		pre_send(pr, "%s OK Begin TLS negotiation now.\r\n", pr->tag);
		if (net_starttls(pr->n) == -1)
			return -1;
	} else if (strcmp(cmd, "LOGIN") == 0 && n == 2) {
		if (!net_plaintext_ok(pr->n)) {
			pre_send(pr, "%s NO [PRIVACYREQUIRED] Plain-text "
			    "authentication is disabled without TLS; use "
			    "STARTTLS\r\n", pr->tag);
			return 0;
		}
		if (imap_arg_get_astring(&a[0], &u, &ulen) == -1 ||
		    imap_arg_get_astring(&a[1], &pw, &plen) == -1) {
			pre_send(pr, "%s BAD Invalid arguments\r\n", pr->tag);
			return 0;
		}
		v = net_login(pr->n, u, ulen, pw, plen);
		return pre_verdict(pr, v);
	} else if (strcmp(cmd, "AUTHENTICATE") == 0) {
		return pre_authenticate(pr, a, n);
	} else if (strcmp(cmd, "CAPABILITY") == 0 || strcmp(cmd, "NOOP") == 0 ||
	    strcmp(cmd, "LOGOUT") == 0 || strcmp(cmd, "STARTTLS") == 0 ||
	    strcmp(cmd, "LOGIN") == 0 || strcmp(cmd, "ID") == 0) {
		pre_send(pr, "%s BAD Wrong number of arguments\r\n", pr->tag);
	} else
		pre_send(pr, "%s BAD Log in first\r\n", pr->tag);
	return 0;
}

static void
imap_prelogin(struct net_ctx *n)
{
	struct imap_parse_limits lim;
	struct pre pr;
	enum imap_parse_result r;
	const struct imap_arg *a;
	const char *cmd, *err;
	struct buf b;
	size_t used, na;
	int rc, fatal;

	memset(&pr, 0, sizeof(pr));
	pr.n = n;
	imap_parse_limits_default(&lim);
	/* Before login only names and passwords travel in literals. */
	lim.literal_max = LB_PASS_MAX;
	lim.append_max = 0;
	lim.nonsync_max = LB_PASS_MAX;
	lim.swallow_max = 64 * 1024;
	if ((pr.p = imap_parse_new(&lim)) == NULL)
		return;
	buf_init(&b, 1024);
	(void)buf_puts(&b, "* OK [CAPABILITY ");
	pre_caps(&pr, &b);
	(void)buf_puts(&b, "] letterbox IMAP server ready\r\n");
	(void)io_write(&n->io, b.p, b.len);
	buf_free(&b);
	for (;;) {
		if (n->io.in.len == 0) {
			if (io_flush(&n->io) == -1)
				break;
			rc = io_fill(&n->io, net_read_timeout(n));
			if (rc == IO_TIMEOUT) {
				io_puts(&n->io, "* BYE Autologout; idle for "
				    "too long\r\n");
				break;
			}
			if (rc != IO_OK)
				break;
		}
		r = imap_parse_feed(pr.p, n->io.in.p, n->io.in.len, &used);
		buf_consume(&n->io.in, used);
		if (r == IMAP_PARSE_NEED_MORE)
			continue;
		if (r == IMAP_PARSE_LITERAL_CONTINUE) {
			io_puts(&n->io, "+ Ready for literal data\r\n");
			continue;
		}
		(void)snprintf(pr.tagbuf, sizeof(pr.tagbuf), "%s",
		    imap_parse_tag(pr.p) ? imap_parse_tag(pr.p) : "*");
		pr.tag = pr.tagbuf;
		if (r == IMAP_PARSE_ERROR || r == IMAP_PARSE_LITERAL_TOO_BIG) {
			err = imap_parse_error(pr.p, &fatal);
			if (!fatal && net_command(n) == -1) {
				io_puts(&n->io, "* BYE Too many commands before "
				    "login\r\n");
				break;
			}
			if (fatal) {
				io_printf(&n->io, "* BYE %s\r\n", err);
				break;
			}
			io_printf(&n->io, "%s BAD %s\r\n", pr.tag, err);
			continue;
		}
		if (r != IMAP_PARSE_DONE)
			continue;
		if (net_command(n) == -1) {
			io_puts(&n->io, "* BYE Too many commands before login\r\n");
			break;
		}
		cmd = imap_parse_command(pr.p);
		a = imap_parse_args(pr.p, &na);
		if (pre_command(&pr, cmd, a, na) == -1)
			break;
	}
	(void)io_flush(&n->io);
	imap_parse_free(&pr.p);
}

/* ------------------------------------------------------------------ */
/* Session child                                                        */

static int
imap_session(struct io *io, const struct session_info *si)
{
	struct imap_start st;

	memset(&st, 0, sizeof(st));
	st.conf = si->conf;
	st.user = si->user;
	st.rip = si->rip;
	st.tag = si->tag;
	st.tls = si->tls;
	st.rootfd = si->rootfd;
	return imap_session_run(io, &st);
}

static void
imap_session_fail(struct io *io, const struct session_info *si,
    const char *why)
{
	io_printf(io, "* BYE %s\r\n%s NO [UNAVAILABLE] %s\r\n", why, si->tag,
	    why);
}

static int
imap_preauth(struct io *io, const struct session_info *si)
{
	struct imap_start st;

	memset(&st, 0, sizeof(st));
	st.conf = si->conf;
	st.user = si->user;
	st.rip = si->rip;
	st.tag = NULL;		/* greet with PREAUTH */
	st.rootfd = si->rootfd;
	return imap_session_run(io, &st);
}

static const struct proto imap_proto = {
	.name = "imapd",
	.prelogin = imap_prelogin,
	.session = imap_session,
	.session_fail = imap_session_fail,
	.preauth = imap_preauth,
};

int
main(int argc, char **argv)
{
	monitor_main(&imap_proto, argc, argv);
}
