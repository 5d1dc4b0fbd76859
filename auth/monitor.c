/*
 * auth/monitor.c -- the process model of one connection (see monitor.h and
 * DESIGN.md "One connection, three processes").
 *
 *   monitor (root)     config, syslog, PAM, forks; never reads a client
 *                      byte: it reads only framed, length-checked messages
 *                      from the network child over a SOCK_SEQPACKET channel.
 *   network child      loads the TLS key while root, then chroot(empty_dir),
 *                      unpriv_user, seccomp; pre-login protocol; after a
 *                      login: hands the plain connection over and exits, or
 *                      stays as the TLS relay.
 *   session child      initgroups, chroot(Maildir), the user's ids, rlimits,
 *                      seccomp; then the mailbox protocol.
 *
 * The monitor keeps its own count of failed logins and applies the growing
 * delay itself, so a compromised network child cannot brute-force faster.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/drop.h"
#include "auth/monitor.h"
#include "auth/pam.h"
#include "auth/sandbox.h"
#include "common/channel.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/tls.h"
#include "maildir/maildir.h"

#ifdef LB_SANITIZE
#include <sanitizer/lsan_interface.h>
#endif

#define FD_CHAN		3	/* child's channel to the monitor */
#define FD_RELAY	4	/* net <-> session stream (TLS relay) */

struct mon {
	const struct proto *proto;
	struct config	 conf;
	int		 implicit_tls;
	int		 debug;
	char		 rip[INET6_ADDRSTRLEN + 8];
	int		 loopback;
	char		 tlsinfo[96];
	char		 user[LB_USER_MAX + 1];
	struct passwd	 pw;		/* copy of the user's entry */
	char		 pw_name[LB_USER_MAX + 1];
	char		 pw_dir[LB_MAILDIR_PATH_MAX];
	struct auth_pam	*pam;
	int		 fails;
	unsigned	 nlog[2];	/* lines relayed: net, session */
	pid_t		 net_pid, sess_pid;
	time_t		 start;
};

static void
usage(const char *prog)
{
	dprintf(1, "usage: %s [-dnT] [-f file]\n", prog);
	_exit(64);
}

/* Put a child's two inherited fds at FD_CHAN and FD_RELAY, whatever
 * numbers they had, without one clobbering the other. */
static void
fd_place(int chan, int relay)
{
	int hc, hr;

	if ((hc = fcntl(chan, F_DUPFD, 64)) == -1 ||
	    (hr = fcntl(relay, F_DUPFD, 64)) == -1)
		fatal("dup");
	close(chan);
	close(relay);
	if (dup2(hc, FD_CHAN) == -1 || dup2(hr, FD_RELAY) == -1)
		fatal("dup2");
	close(hc);
	close(hr);
}

/* Keep fds 0..keep_max, close the rest (PAM modules and syslog may have
 * opened some; a child must inherit only what it needs). */
static void
fd_close_from(int from)
{
	if (close_range((unsigned)from, ~0U, 0) == -1) {
		int fd;

		for (fd = from; fd < 1024; fd++)
			(void)close(fd);
	}
}

static void
devnull_onto(int fd)
{
	int n = open("/dev/null", O_RDWR);

	if (n == -1)
		fatal("/dev/null");
	if (n != fd) {
		if (dup2(n, fd) == -1)
			fatal("dup2");
		close(n);
	}
}

/*
 * fd 2 of the whole process tree.  Release builds: /dev/null (inetd may
 * have put the client socket there).  Sanitizer builds (make SANITIZE=1
 * only) append to the file named by LB_SANITIZER_LOG if it is set, so
 * that ASan/UBSan/LSan reports of the monitor and of the confined children
 * (who inherit the descriptor and cannot open anything) reach the tests.
 */
static void
stderr_setup(void)
{
#ifdef LB_SANITIZE
	const char *p = getenv("LB_SANITIZER_LOG");
	int fd;

	if (p != NULL && p[0] == '/' && (fd = open(p, O_WRONLY | O_APPEND |
	    O_CREAT | O_NOFOLLOW, 0600)) != -1) {
		if (fd != 2) {
			(void)dup2(fd, 2);
			close(fd);
		}
		return;
	}
#endif
	devnull_onto(2);
}

/*
 * The monitor's own end.  Sanitizer builds check for leaks here: _exit(2)
 * skips LeakSanitizer's check at exit, and the monitor, unconfined, is the
 * process of a connection that can run it (the children are confined:
 * auth/sandbox.c turns the check off there).
 */
static void __attribute__((noreturn))
mon_exit(int rc)
{
#ifdef LB_SANITIZE
	__lsan_do_leak_check();
#endif
	_exit(rc);
}

static void
client_address(struct mon *m)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *env;
	struct in6_addr a6;
	struct in_addr a4;

	(void)snprintf(m->rip, sizeof(m->rip), "unknown");
	m->loopback = 0;
	/* The kernel writes only len bytes (2 for an unnamed AF_UNIX peer). */
	memset(&ss, 0, sizeof(ss));
	if (getpeername(0, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (void *)&ss;

			(void)inet_ntop(AF_INET, &s4->sin_addr, m->rip,
			    sizeof(m->rip));
			m->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
			return;
		}
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (void *)&ss;

			if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
				memcpy(&a4, &s6->sin6_addr.s6_addr[12], 4);
				(void)inet_ntop(AF_INET, &a4, m->rip,
				    sizeof(m->rip));
				m->loopback = (ntohl(a4.s_addr) >> 24) == 127;
			} else {
				(void)inet_ntop(AF_INET6, &s6->sin6_addr,
				    m->rip, sizeof(m->rip));
				m->loopback =
				    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
			}
			return;
		}
		if (ss.ss_family == AF_UNIX) {
			(void)snprintf(m->rip, sizeof(m->rip), "local");
			return;
		}
	}
	/* Not a socket we can ask: trust what the superserver set
	 * (ucspi-tcp's TCPREMOTEIP, xinetd's REMOTE_HOST). */
	if ((env = getenv("TCPREMOTEIP")) == NULL)
		env = getenv("REMOTE_HOST");
	if (env == NULL)
		return;
	if (inet_pton(AF_INET, env, &a4) == 1) {
		(void)inet_ntop(AF_INET, &a4, m->rip, sizeof(m->rip));
		m->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, env, &a6) == 1) {
		(void)inet_ntop(AF_INET6, &a6, m->rip, sizeof(m->rip));
		m->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	}
}

/* ------------------------------------------------------------------ */
/* Network child                                                        */

static void
net_child(struct mon *m, int chan, int relay) __attribute__((noreturn));

static void
net_child(struct mon *m, int chan, int relay)
{
	struct net_ctx n;
	struct passwd *pw;
	char err[512];
	struct stat st;
	int fl;

	closelog();
	fd_place(chan, relay);
	fd_close_from(FD_RELAY + 1);
	log_to_channel(FD_CHAN);
	log_role("net");

	memset(&n, 0, sizeof(n));
	n.conf = &m->conf;
	n.rip = m->rip;
	n.loopback = m->loopback;
	n.monfd = FD_CHAN;
	n.sessfd = FD_RELAY;
	n.tls_info = "none";
	n.start = time(NULL);

	/* TLS: certificate and key are loaded here, while still root,
	 * and never in the monitor (so the session child, forked from the
	 * monitor, never holds the key). */
	if (m->implicit_tls || stat(m->conf.tls_cert, &st) == 0) {
		if (tls_ctx_new(&n.tlsctx, &m->conf,
		    strcmp(m->proto->name, "imapd") == 0 ? "imap" : "pop3",
		    err, sizeof(err)) == -1) {
			if (m->implicit_tls)
				fatalx("TLS unavailable: %s", err);
			log_warnx("STARTTLS disabled: %s", err);
		}
	}
	if ((pw = getpwnam(m->conf.unpriv_user)) == NULL)
		fatalx("unpriv_user '%s' does not exist (make install creates "
		    "it)", m->conf.unpriv_user);
	io_init(&n.io, 0, 1, LB_INBUF_MAX);
	n.io.write_timeout = (int)m->conf.write_timeout;
	/* The relay end is non-blocking too; fcntl(2) is not in the
	 * network child's filter, so set it now. */
	if ((fl = fcntl(FD_RELAY, F_GETFL)) == -1 ||
	    fcntl(FD_RELAY, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("fcntl");
	if (drop_limits(DROP_NET, 0, err, sizeof(err)) == -1 ||
	    drop_net(m->conf.empty_dir, pw, err, sizeof(err)) == -1 ||
	    sandbox_apply(SANDBOX_NET, err, sizeof(err)) == -1)
		fatalx("confinement failed: %s", err);

	if (m->implicit_tls) {
		struct tls_conn *tc;

		if (tls_accept(n.tlsctx, 0, 1, (int)m->conf.prelogin_timeout,
		    &tc, err, sizeof(err)) == -1) {
			log_notice("TLS handshake failed: rip=%s: %s", m->rip,
			    err);
			_exit(0);
		}
		io_set_tls(&n.io, tc);
		n.tls_active = 1;
		n.tls_info = tls_info(tc);
		{
			struct msg msg;

			msg_init(&msg);
			if (msg_put_str(&msg, n.tls_info,
			    strlen(n.tls_info)) == 0)
				(void)chan_send(FD_CHAN, CHAN_TLSINFO, &msg);
			msg_free(&msg);
		}
	}
	m->proto->prelogin(&n);
	(void)io_flush(&n.io);
	_exit(0);
}

int
net_command(struct net_ctx *n)
{
	if (++n->ncmds > LB_PRELOGIN_CMDS_MAX ||
	    time(NULL) - n->start > (time_t)n->conf->prelogin_total) {
		log_notice("pre-login budget used up: rip=%s commands=%u",
		    n->rip, n->ncmds);
		return -1;
	}
	return 0;
}

int
net_read_timeout(const struct net_ctx *n)
{
	time_t left = n->start + (time_t)n->conf->prelogin_total - time(NULL);

	if (left <= 0)
		return 0;
	if ((unsigned long)left < n->conf->prelogin_timeout)
		return (int)left;
	return (int)n->conf->prelogin_timeout;
}

int
net_plaintext_ok(const struct net_ctx *n)
{
	if (n->tls_active)
		return 1;
	switch (n->conf->plaintext_auth) {
	case PT_ALWAYS:
		return 1;
	case PT_LOOPBACK:
		return n->loopback;
	default:
		return 0;
	}
}

int
net_starttls(struct net_ctx *n)
{
	struct tls_conn *tc;
	struct msg msg;
	char err[256];

	if (n->tlsctx == NULL || n->tls_active)
		return -1;
	if (io_flush(&n->io) == -1)
		return -1;
	/* STARTTLS command injection (CVE-2011-0411 and kin): nothing a
	 * client sent in plain text after the command may be read as if
	 * it had come through TLS. */
	if (n->io.in.len > 0) {
		log_notice("discarding %zu bytes sent in plain text after "
		    "STARTTLS: rip=%s", n->io.in.len, n->rip);
		buf_reset(&n->io.in);
	}
	if (tls_accept(n->tlsctx, n->io.rfd, n->io.wfd,
	    (int)n->conf->prelogin_timeout, &tc, err, sizeof(err)) == -1) {
		log_notice("TLS handshake failed: rip=%s: %s", n->rip, err);
		return -1;
	}
	io_set_tls(&n->io, tc);
	n->tls_active = 1;
	n->tls_info = tls_info(tc);
	msg_init(&msg);
	if (msg_put_str(&msg, n->tls_info, strlen(n->tls_info)) == 0)
		(void)chan_send(n->monfd, CHAN_TLSINFO, &msg);
	msg_free(&msg);
	return 0;
}

int
net_login(struct net_ctx *n, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	struct msg msg;
	uint32_t v;
	int type, r;

	msg_init(&msg);
	if (msg_put_str(&msg, user, ulen) == -1 ||
	    msg_put_str(&msg, pass, plen) == -1 ||
	    chan_send(n->monfd, CHAN_AUTH, &msg) == -1)
		fatal("cannot reach the monitor");
	msg_free(&msg);
	msg_init(&msg);
	r = chan_recv(n->monfd, &type, &msg);
	if (r != 1 || type != CHAN_VERDICT || msg_get_u32(&msg, &v) == -1 ||
	    msg_end(&msg) == -1 || v > VERDICT_CLOSE)
		fatalx("bad answer from the monitor");
	msg_free(&msg);
	return (int)v;
}

/*
 * TLS relay between the client and the session child, until the session
 * ends.  A non-blocking pump with one bounded buffer per direction: a side
 * is read only while its buffer has room, so neither direction can block
 * the other (a client that pipelines many commands while reading slowly
 * would otherwise deadlock us against the session child).  The session
 * child enforces the idle timeouts; when the client goes away we shut the
 * session's input, and end once the session has closed its output.  A
 * client that stops reading is the relay's own business: once output for it
 * has waited write_timeout seconds without a byte taken, the relay ends (the
 * session child, blocked on the full socketpair, would otherwise time out
 * and leave us waiting for the client for ever).
 */
#define RELAY_BUF	(64 * 1024)

static void
net_relay(struct net_ctx *n) __attribute__((noreturn));

static void
net_relay(struct net_ctx *n)
{
	struct buf c2s, s2c;
	struct pollfd pfd[3];
	size_t tls_wlen = 0;	/* a TLS write to retry with this length */
	time_t out_since = 0;	/* output for the client waiting since */
	int client_eof = 0, sess_eof = 0, shut = 0, progress, np, rc, tmo;
	int want_cin, want_cout, want_sin, want_sout;
	ssize_t r;

	buf_init(&c2s, RELAY_BUF);
	buf_init(&s2c, RELAY_BUF);
	if (buf_reserve(&c2s, RELAY_BUF) == -1 ||
	    buf_reserve(&s2c, RELAY_BUF) == -1)
		_exit(1);
	for (;;) {
		progress = want_cin = want_cout = want_sin = want_sout = 0;
		/* Client -> c2s. */
		if (!client_eof && c2s.len < RELAY_BUF) {
			r = tls_read(n->io.tls, c2s.p + c2s.len,
			    RELAY_BUF - c2s.len);
			if (r > 0) {
				c2s.len += (size_t)r;
				progress = 1;
			} else if (r == 0 || r == -1)
				client_eof = 1;
			else if (r == TLS_WANT_READ)
				want_cin = 1;
			else
				want_cout = 1;
		}
		/* c2s -> session. */
		if (c2s.len > 0) {
			r = write(n->sessfd, c2s.p, c2s.len);
			if (r > 0) {
				buf_consume(&c2s, (size_t)r);
				progress = 1;
			} else if (r == -1 && (errno == EAGAIN ||
			    errno == EINTR))
				want_sout = 1;
			else
				break;
		} else if (client_eof && !shut) {
			(void)shutdown(n->sessfd, SHUT_WR);
			shut = 1;
		}
		/* Session -> s2c. */
		if (!sess_eof && s2c.len < RELAY_BUF) {
			r = read(n->sessfd, s2c.p + s2c.len,
			    RELAY_BUF - s2c.len);
			if (r > 0) {
				s2c.len += (size_t)r;
				progress = 1;
			} else if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR))
				sess_eof = 1;
			else
				want_sin = 1;
		}
		/* s2c -> client.  OpenSSL wants a retried write repeated
		 * with the same length. */
		if (s2c.len > 0 && !client_eof) {
			size_t len = tls_wlen ? tls_wlen : s2c.len;

			r = tls_write(n->io.tls, s2c.p, len);
			if (r > 0) {
				buf_consume(&s2c, (size_t)r);
				tls_wlen = 0;
				out_since = 0;
				progress = 1;
			} else if (r == TLS_WANT_WRITE) {
				tls_wlen = len;
				want_cout = 1;
			} else if (r == TLS_WANT_READ) {
				tls_wlen = len;
				want_cin = 1;
			} else
				break;
		} else if (client_eof)
			buf_reset(&s2c);	/* nobody to read it */
		if (sess_eof && s2c.len == 0)
			break;
		if (progress)
			continue;
		np = 0;
		if (want_cin || want_cout) {
			pfd[np].fd = n->io.rfd;
			pfd[np].events = (short)((want_cin ? POLLIN : 0) |
			    (want_cout ? POLLOUT : 0));
			np++;
		}
		if (want_sin || want_sout) {
			pfd[np].fd = n->sessfd;
			pfd[np].events = (short)((want_sin ? POLLIN : 0) |
			    (want_sout ? POLLOUT : 0));
			np++;
		}
		if (np == 0)
			break;
		tmo = -1;
		if (s2c.len > 0 && !client_eof) {
			time_t now = time(NULL);

			if (out_since == 0)
				out_since = now;
			if (now - out_since >= n->io.write_timeout) {
				log_info("client took no output for %d s: "
				    "closing", n->io.write_timeout);
				break;
			}
			tmo = (int)(n->io.write_timeout - (now - out_since)) *
			    1000;
		}
		do
			rc = poll(pfd, (nfds_t)np, tmo);
		while (rc == -1 && errno == EINTR);
		if (rc == -1)
			break;
	}
	if (!client_eof)
		tls_close(&n->io.tls);
	buf_free(&c2s);
	buf_free(&s2c);
	_exit(0);
}

void
net_handoff(struct net_ctx *n, const char *tag)
{
	struct msg msg;

	if (io_flush(&n->io) == -1)
		_exit(0);
	msg_init(&msg);
	if (msg_put_u32(&msg, (uint32_t)n->tls_active) == -1 ||
	    msg_put_str(&msg, tag, strlen(tag)) == -1 ||
	    msg_put_str(&msg, n->io.in.p, n->io.in.len) == -1 ||
	    chan_send(n->monfd, CHAN_HANDOFF, &msg) == -1)
		fatal("handoff");
	msg_free(&msg);
	buf_reset(&n->io.in);
	if (!n->tls_active) {
		/* The session child reads the socket from now on. */
		_exit(0);
	}
	net_relay(n);
}

/* ------------------------------------------------------------------ */
/* Session child                                                        */

static void
session_child(struct mon *m, int logfd, int relay) __attribute__((noreturn));

/*
 * The session child is forked before any PAM call, so it never holds what
 * PAM modules leave in the monitor's memory (other users' password hashes,
 * the password itself).  It waits, still root, for the monitor's START
 * message with the user's passwd entry and the bytes already read, or for
 * the end of the channel when nobody logged in.
 */
static void
session_child(struct mon *m, int logfd, int relay)
{
	struct session_info si;
	struct io io;
	struct msg msg;
	char path[LB_MAILDIR_PATH_MAX], err[512], tag[LB_TAG_MAX + 1];
	char user[LB_USER_MAX + 1], home[LB_MAILDIR_PATH_MAX];
	const char *p_tag, *left, *p_user, *p_home;
	size_t taglen, leftlen, ulen, hlen;
	uint32_t tls, uid, gid;
	struct stat st;
	int rootfd, rc, type;

	closelog();
	fd_place(logfd, relay);
	fd_close_from(FD_RELAY + 1);
	log_to_channel(FD_CHAN);
	log_role("session");

	msg_init(&msg);
	if ((rc = chan_recv(FD_CHAN, &type, &msg)) == 0)
		_exit(0);		/* no login */
	if (rc != 1 || type != CHAN_START ||
	    msg_get_u32(&msg, &tls) == -1 || tls > 1 ||
	    msg_get_str(&msg, &p_tag, &taglen, LB_TAG_MAX) == -1 ||
	    msg_get_str(&msg, &left, &leftlen, LB_INBUF_MAX) == -1 ||
	    msg_get_str(&msg, &p_user, &ulen, LB_USER_MAX) == -1 ||
	    msg_get_u32(&msg, &uid) == -1 || msg_get_u32(&msg, &gid) == -1 ||
	    msg_get_str(&msg, &p_home, &hlen, sizeof(home) - 1) == -1 ||
	    msg_end(&msg) == -1)
		fatalx("malformed START message");
	memcpy(tag, p_tag, taglen);
	tag[taglen] = '\0';
	memcpy(user, p_user, ulen);
	user[ulen] = '\0';
	memcpy(home, p_home, hlen);
	home[hlen] = '\0';
	memset(&m->pw, 0, sizeof(m->pw));
	m->pw.pw_name = user;
	m->pw.pw_dir = home;
	m->pw.pw_uid = (uid_t)uid;
	m->pw.pw_gid = (gid_t)gid;

	if (tls) {
		/* The plain socket is the relay's business. */
		devnull_onto(0);
		devnull_onto(1);
		io_init(&io, FD_RELAY, FD_RELAY, LB_INBUF_MAX);
	} else {
		close(FD_RELAY);
		io_init(&io, 0, 1, LB_INBUF_MAX);
	}
	io.write_timeout = (int)m->conf.write_timeout;
	if (buf_append(&io.in, left, leftlen) == -1)
		fatalx("leftover input too large");
	msg_free(&msg);

	memset(&si, 0, sizeof(si));
	si.conf = &m->conf;
	si.user = m->pw.pw_name;
	si.rip = m->rip;
	si.tag = tag;
	si.tls = tls;
	si.rootfd = -1;

	if (m->conf.maildir[0] == '/')
		rc = snprintf(path, sizeof(path), "%s", m->conf.maildir);
	else
		rc = snprintf(path, sizeof(path), "%s/%s", m->pw.pw_dir,
		    m->conf.maildir);
	if (rc < 0 || (size_t)rc >= sizeof(path)) {
		(void)snprintf(err, sizeof(err), "Maildir path too long");
		goto fail;
	}
	if (stat(path, &st) == -1) {
		if (errno != ENOENT || !m->conf.maildir_create) {
			log_err("user=%s Maildir %s: %s", si.user, path,
			    strerror(errno));
			(void)snprintf(err, sizeof(err), "Your mailbox (%s) is "
			    "missing", m->conf.maildir);
			goto fail;
		}
		if (drop_create_maildir_as(path, &m->pw, err,
		    sizeof(err)) == -1) {
			log_err("user=%s cannot create Maildir: %s", si.user,
			    err);
			(void)snprintf(err, sizeof(err), "Cannot create your "
			    "mailbox");
			goto fail;
		}
		log_info("user=%s created %s", si.user, path);
	} else if (!S_ISDIR(st.st_mode)) {
		log_err("user=%s Maildir %s is not a directory", si.user, path);
		(void)snprintf(err, sizeof(err), "Your mailbox is not a "
		    "directory");
		goto fail;
	}
	if (drop_limits(DROP_SESSION, m->conf.session_memory_mb, err,
	    sizeof(err)) == -1 ||
	    drop_session(path, &m->pw, err, sizeof(err)) == -1) {
		log_err("user=%s confinement failed: %s", si.user, err);
		(void)snprintf(err, sizeof(err), "Internal error");
		goto fail;
	}
	if ((rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_err("user=%s open Maildir: %s", si.user, strerror(errno));
		(void)snprintf(err, sizeof(err), "Cannot open your mailbox");
		goto fail;
	}
	if (sandbox_apply(SANDBOX_SESSION, err, sizeof(err)) == -1) {
		log_err("user=%s sandbox failed: %s", si.user, err);
		(void)snprintf(err, sizeof(err), "Internal error");
		goto fail;
	}
	si.rootfd = rootfd;
	rc = m->proto->session(&io, &si);
	(void)io_flush(&io);
	_exit(rc);
fail:
	m->proto->session_fail(&io, &si, err);
	(void)io_flush(&io);
	_exit(1);
}

/* ------------------------------------------------------------------ */
/* PREAUTH: an ordinary user runs us over ssh                           */

static void
preauth_main(struct mon *m) __attribute__((noreturn));

static void
preauth_main(struct mon *m)
{
	struct session_info si;
	struct passwd *pw;
	struct io io;
	char path[LB_MAILDIR_PATH_MAX], err[512];
	struct utsname un;
	int rootfd, rc, ll;

	log_role("preauth");
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 1);
	tzset();
	(void)signal(SIGPIPE, SIG_IGN);
	if (uname(&un) == 0)
		md_set_hostname(un.nodename);
	if ((pw = getpwuid(getuid())) == NULL)
		fatalx("no passwd entry for uid %lu", (unsigned long)getuid());
	(void)snprintf(m->pw_name, sizeof(m->pw_name), "%s", pw->pw_name);
	(void)snprintf(m->rip, sizeof(m->rip), "preauth");
	if (m->conf.maildir[0] == '/')
		rc = snprintf(path, sizeof(path), "%s", m->conf.maildir);
	else
		rc = snprintf(path, sizeof(path), "%s/%s", pw->pw_dir,
		    m->conf.maildir);
	if (rc < 0 || (size_t)rc >= sizeof(path))
		fatalx("Maildir path too long");
	memset(&si, 0, sizeof(si));
	si.conf = &m->conf;
	si.user = m->pw_name;
	si.rip = m->rip;
	io_init(&io, 0, 1, LB_INBUF_MAX);
	if (m->conf.maildir_create && md_maildir_create(AT_FDCWD, path,
	    0700) != MD_OK)
		log_err("user=%s cannot create %s", si.user, path);
	if ((ll = drop_preauth(path, err, sizeof(err))) == -1 ||
	    (rootfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    drop_limits(DROP_PREAUTH, m->conf.session_memory_mb, err,
	    sizeof(err)) == -1 ||
	    sandbox_apply(SANDBOX_PREAUTH, err, sizeof(err)) == -1) {
		log_err("user=%s PREAUTH confinement failed: %s", si.user, err);
		io_printf(&io, "* BYE Cannot open your mailbox\r\n");
		(void)io_flush(&io);
		_exit(1);
	}
	if (ll == 0)
		log_warnx("user=%s PREAUTH: no Landlock in this kernel; "
		    "confined by seccomp only", si.user);
	si.rootfd = rootfd;
	rc = m->proto->preauth(&io, &si);
	(void)io_flush(&io);
	_exit(rc);
}

/* ------------------------------------------------------------------ */
/* Monitor                                                              */

static void
mon_verdict(int fd, enum verdict v)
{
	struct msg msg;

	msg_init(&msg);
	if (msg_put_u32(&msg, (uint32_t)v) == -1 ||
	    chan_send(fd, CHAN_VERDICT, &msg) == -1)
		fatal("send verdict");
	msg_free(&msg);
}

static int
mon_user_ok(const char *u, size_t len)
{
	size_t i;

	if (len == 0 || len > LB_USER_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)u[i] < 0x21 || u[i] == 0x7f)
			return 0;
	return 1;
}

/* One AUTH request.  Returns the verdict sent. */
static enum verdict
mon_auth(struct mon *m, int fd, struct msg *msg)
{
	const char *u, *p;
	size_t ulen, plen;
	char user[LB_USER_MAX + 1], pass[LB_PASS_MAX + 1], why[256];
	char safe[LB_USER_MAX * 4 + 1];
	struct passwd *pw;
	enum verdict v;
	int r;

	if (msg_get_str(msg, &u, &ulen, LB_USER_MAX * 4) == -1 ||
	    msg_get_str(msg, &p, &plen, LB_PASS_MAX * 4) == -1 ||
	    msg_end(msg) == -1)
		fatalx("malformed AUTH request from the network child");
	(void)log_escape(safe, sizeof(safe), u, ulen);
	/* Re-check everything the network child claims (STYLE 1.3). */
	if (!mon_user_ok(u, ulen) || plen == 0 || plen > LB_PASS_MAX ||
	    memchr(p, '\0', plen) != NULL) {
		(void)snprintf(why, sizeof(why), "invalid user name or "
		    "password syntax");
		r = AUTH_FAIL;
	} else {
		memcpy(user, u, ulen);
		user[ulen] = '\0';
		memcpy(pass, p, plen);
		pass[plen] = '\0';
		r = auth_pam_login(m->conf.pam_service, m->conf.pam_confdir,
		    user, pass, m->rip, &m->pam, m->user, sizeof(m->user),
		    why, sizeof(why));
		explicit_bzero(pass, sizeof(pass));
	}
	explicit_bzero(msg->b.p, msg->b.len);
	if (r == AUTH_OK) {
		if ((pw = getpwnam(m->user)) == NULL) {
			(void)snprintf(why, sizeof(why), "no passwd entry");
			r = AUTH_FAIL;
		} else if (pw->pw_uid == 0 || pw->pw_uid < m->conf.min_uid ||
		    pw->pw_gid == 0) {
			(void)snprintf(why, sizeof(why), "uid %lu gid %lu "
			    "refused (root, or uid below min_uid %lu)",
			    (unsigned long)pw->pw_uid,
			    (unsigned long)pw->pw_gid, m->conf.min_uid);
			r = AUTH_FAIL;
		} else if (strlen(pw->pw_name) >= sizeof(m->pw_name) ||
		    strlen(pw->pw_dir) >= sizeof(m->pw_dir)) {
			(void)snprintf(why, sizeof(why), "passwd entry too long");
			r = AUTH_FAIL;
		} else {
			m->pw = *pw;
			(void)snprintf(m->pw_name, sizeof(m->pw_name), "%s",
			    pw->pw_name);
			(void)snprintf(m->pw_dir, sizeof(m->pw_dir), "%s",
			    pw->pw_dir);
			m->pw.pw_name = m->pw_name;
			m->pw.pw_dir = m->pw_dir;
			m->pw.pw_passwd = NULL;
			m->pw.pw_gecos = NULL;
			m->pw.pw_shell = NULL;
			if (auth_pam_open(m->pam, why, sizeof(why)) == -1)
				r = AUTH_TEMPFAIL;
		}
		if (r != AUTH_OK)
			auth_pam_close(&m->pam);
	}
	if (r == AUTH_OK) {
		log_info("login: user=%s rip=%s tls=%s", m->pw_name, m->rip,
		    m->tlsinfo);
		mon_verdict(fd, VERDICT_OK);
		return VERDICT_OK;
	}
	/* Every refusal counts and waits, temporary ones too: a client must
	 * not hammer a PAM back end that is already failing. */
	m->fails++;
	if (r == AUTH_TEMPFAIL)
		log_err("auth error: user=%s rip=%s attempt=%d: %s", safe,
		    m->rip, m->fails, why);
	else
		log_notice("auth failed: user=%s rip=%s attempt=%d: %s", safe,
		    m->rip, m->fails, why);
	/* The growing delay is the monitor's, not the child's. */
	if (m->conf.login_fail_delay > 0)
		(void)sleep((unsigned)(m->conf.login_fail_delay *
		    (unsigned long)m->fails));
	if (m->fails >= LB_AUTH_FAILS_MAX)
		v = VERDICT_CLOSE;
	else
		v = r == AUTH_TEMPFAIL ? VERDICT_TEMPFAIL : VERDICT_FAIL;
	mon_verdict(fd, v);
	return v;
}

/*
 * A child's log line.  A compromised child must not be able to pass for
 * the monitor (whose "auth failed" lines log watchers act on), to shout at
 * LOG_EMERG, or to flood the log: the monitor names the child itself,
 * clamps the priority to LOG_ERR..LOG_DEBUG, escapes the text again and
 * relays at most LB_CHILD_LOG_MAX lines per child.
 */
static void
mon_relay_log(struct msg *msg, const char *who, unsigned *count)
{
	const char *line;
	size_t len;
	uint32_t prio;
	char text[LB_LOG_LINE_MAX + 1], out[LB_LOG_LINE_MAX + 32];

	if (msg_get_u32(msg, &prio) == -1 || prio > LOG_DEBUG ||
	    msg_get_str(msg, &line, &len, LB_LOG_LINE_MAX + 64) == -1 ||
	    msg_end(msg) == -1)
		fatalx("malformed log message from the %s child", who);
	if (++*count > LB_CHILD_LOG_MAX) {
		if (*count == LB_CHILD_LOG_MAX + 1)
			log_warnx("%s child logs too much; dropping its lines",
			    who);
		return;
	}
	if (prio < LOG_ERR)
		prio = LOG_ERR;
	(void)log_escape(text, sizeof(text), line, len);
	(void)snprintf(out, sizeof(out), "%s: %s", who, text);
	log_relay((int)prio, out);
}

static void
mon_reap(struct mon *m, pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return;
	if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) == SIGSYS)
			log_err("%s child killed by seccomp (sandbox "
			    "violation): user=%s rip=%s", what,
			    m->user[0] ? m->user : "-", m->rip);
		else
			log_err("%s child killed by signal %d", what,
			    WTERMSIG(st));
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_debug("%s child exited with %d", what, WEXITSTATUS(st));
}

/* After the handoff: relay the children's log lines until both are done. */
static void
mon_wait_children(struct mon *m, int netfd, int sesslog)
{
	struct pollfd pfd[2];
	struct msg msg;
	int type, r, open_n = 0, i;

	pfd[0].fd = netfd;
	pfd[1].fd = sesslog;
	for (i = 0; i < 2; i++) {
		pfd[i].events = POLLIN;
		if (pfd[i].fd != -1)
			open_n++;
	}
	msg_init(&msg);
	while (open_n > 0) {
		r = poll(pfd, 2, -1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			r = chan_recv(pfd[i].fd, &type, &msg);
			if (r == 1 && type == CHAN_LOG) {
				mon_relay_log(&msg, i == 0 ? "net" : "session",
				    &m->nlog[i]);
				continue;
			}
			if (r == 1)
				log_err("unexpected message %d after login",
				    type);
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open_n--;
		}
	}
	msg_free(&msg);
}

void
monitor_main(const struct proto *proto, int argc, char **argv)
{
	static struct mon mon;
	struct mon *m = &mon;
	struct msg msg;
	const char *conffile = LB_CONF_DEFAULT, *tag, *left;
	char err[512], tagbuf[LB_TAG_MAX + 1];
	size_t taglen, leftlen;
	int ch, printconf = 0, explicit_conf = 0, one = 1, type, r;
	int mn[2], ns[2], sl[2];
	uint32_t tls;

	m->proto = proto;
	m->start = time(NULL);
	config_defaults(&m->conf, proto->name);
	while ((ch = getopt(argc, argv, "df:nT")) != -1) {
		switch (ch) {
		case 'd':
			m->debug = 1;
			break;
		case 'f':
			conffile = optarg;
			explicit_conf = 1;
			break;
		case 'n':
			printconf = 1;
			break;
		case 'T':
			m->implicit_tls = 1;
			break;
		default:
			usage(proto->name);
		}
	}
	if (optind != argc)
		usage(proto->name);
	/* Never write to fd 2 unless debugging: inetd may have put the
	 * client socket there. */
	if (!m->debug && !printconf)
		stderr_setup();
	fd_close_from(3);
	log_open(proto->name, m->debug);
	log_role("monitor");
	if (config_load(&m->conf, conffile, !explicit_conf, getuid() == 0,
	    err, sizeof(err)) == -1) {
		if (printconf)
			dprintf(2, "%s: %s\n", proto->name, err);
		fatalx("config: %s", err);
	}
	if (printconf) {
		config_print(&m->conf, 1);
		_exit(0);
	}
	if (getuid() != 0 || geteuid() != 0) {
		if (proto->preauth != NULL && getuid() == geteuid())
			preauth_main(m);
		fatalx("must be started as root (by inetd, xinetd, systemd or "
		    "tcpserver)");
	}
	/* Pin the time zone before any chroot (SANDBOX-NOTES sec. 1). */
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 1);
	tzset();
	(void)signal(SIGPIPE, SIG_IGN);
	/* Unique names of new messages carry the host name; the session
	 * cannot call uname(2) from inside its filter. */
	{
		struct utsname un;

		if (uname(&un) == 0)
			md_set_hostname(un.nodename);
	}
	/* Small TLS records + Nagle + delayed ACK cost 40 ms per round
	 * trip (SANDBOX-NOTES sec. 3). */
	(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	client_address(m);
	(void)snprintf(m->tlsinfo, sizeof(m->tlsinfo), "none");

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mn) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ns) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sl) == -1)
		fatal("socketpair");
	if ((m->net_pid = fork()) == -1)
		fatal("fork");
	if (m->net_pid == 0) {
		close(mn[0]);
		close(ns[1]);
		close(sl[0]);
		close(sl[1]);
		net_child(m, mn[1], ns[0]);
	}
	/* The session child, before PAM has touched this process. */
	if ((m->sess_pid = fork()) == -1)
		fatal("fork");
	if (m->sess_pid == 0) {
		close(mn[0]);
		close(mn[1]);
		close(ns[0]);
		close(sl[0]);
		session_child(m, sl[1], ns[1]);
	}
	close(mn[1]);
	close(ns[0]);
	close(ns[1]);
	close(sl[1]);

	/* Pre-login: serve the network child's requests. */
	msg_init(&msg);
	for (;;) {
		r = chan_recv(mn[0], &type, &msg);
		if (r == 0) {
			/* The client left (or was sent away) before login:
			 * the waiting session child sees its channel end. */
			close(sl[0]);
			mon_reap(m, m->net_pid, "network");
			mon_reap(m, m->sess_pid, "session");
			mon_exit(0);
		}
		if (r == -1)
			fatal("channel");
		if (type == CHAN_LOG) {
			mon_relay_log(&msg, "net", &m->nlog[0]);
		} else if (type == CHAN_TLSINFO) {
			const char *s;
			size_t len;

			if (msg_get_str(&msg, &s, &len, 90) == -1 ||
			    msg_end(&msg) == -1)
				fatalx("malformed TLSINFO");
			(void)log_escape(m->tlsinfo, sizeof(m->tlsinfo), s, len);
		} else if (type == CHAN_AUTH && m->pam == NULL &&
		    m->fails < LB_AUTH_FAILS_MAX) {
			(void)mon_auth(m, mn[0], &msg);
		} else if (type == CHAN_HANDOFF && m->pam != NULL) {
			break;
		} else {
			/* A request out of order is a compromised or buggy
			 * child: end the connection (STYLE 1.2). */
			log_err("protocol violation by the network child "
			    "(message %d): rip=%s", type, m->rip);
			(void)kill(m->net_pid, SIGKILL);
			mon_reap(m, m->net_pid, "network");
			mon_exit(1);
		}
	}
	if (msg_get_u32(&msg, &tls) == -1 || tls > 1 ||
	    msg_get_str(&msg, &tag, &taglen, LB_TAG_MAX) == -1 ||
	    msg_get_str(&msg, &left, &leftlen, LB_INBUF_MAX) == -1 ||
	    msg_end(&msg) == -1)
		fatalx("malformed HANDOFF");
	memcpy(tagbuf, tag, taglen);
	tagbuf[taglen] = '\0';
	if (!tls) {
		/* The network child exits right after a plain handoff; wait
		 * so that only one process ever reads the socket. */
		close(mn[0]);
		mn[0] = -1;
		mon_reap(m, m->net_pid, "network");
		m->net_pid = -1;
	}
	{
		struct msg st;

		msg_init(&st);
		if (msg_put_u32(&st, tls) == -1 ||
		    msg_put_str(&st, tagbuf, taglen) == -1 ||
		    msg_put_str(&st, left, leftlen) == -1 ||
		    msg_put_str(&st, m->pw_name, strlen(m->pw_name)) == -1 ||
		    msg_put_u32(&st, (uint32_t)m->pw.pw_uid) == -1 ||
		    msg_put_u32(&st, (uint32_t)m->pw.pw_gid) == -1 ||
		    msg_put_str(&st, m->pw_dir, strlen(m->pw_dir)) == -1 ||
		    chan_send(sl[0], CHAN_START, &st) == -1)
			fatal("cannot start the session");
		msg_free(&st);
	}
	msg_free(&msg);
	devnull_onto(0);
	devnull_onto(1);
	mon_wait_children(m, mn[0], sl[0]);
	mon_reap(m, m->sess_pid, "session");
	if (m->net_pid > 0)
		mon_reap(m, m->net_pid, "network");
	auth_pam_close(&m->pam);
	log_info("disconnect: user=%s rip=%s duration=%lds", m->pw_name,
	    m->rip, (long)(time(NULL) - m->start));
	mon_exit(0);
}
