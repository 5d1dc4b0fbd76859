/*
 * auth/monitor.h -- one connection, three processes (DESIGN.md): the
 * monitor (root: config, PAM, forks), the network child (TLS and the
 * not-authenticated protocol state, confined in an empty directory) and the
 * session child (the user's Maildir, confined).  A protocol (pop3d.c,
 * imapd.c) plugs in its pre-login and session code through struct proto.
 */
#ifndef LB_AUTH_MONITOR_H
#define LB_AUTH_MONITOR_H

#include <stddef.h>
#include <time.h>

#include "common/config.h"
#include "common/io.h"

struct tls_ctx;

/* What the network child's protocol code works with. */
struct net_ctx {
	const struct config *conf;
	struct io	 io;		/* the client, plain or TLS */
	struct tls_ctx	*tlsctx;	/* NULL: TLS not available */
	int		 tls_active;	/* the connection is encrypted now */
	const char	*tls_info;	/* protocol and cipher, or "none" */
	const char	*rip;		/* client address, printable */
	int		 loopback;	/* client is on 127.0.0.0/8 or ::1 */
	int		 monfd;		/* channel to the monitor */
	int		 sessfd;	/* relay end towards the session */
	time_t		 start;		/* of the connection */
	unsigned	 ncmds;		/* commands before login */
};

/* What the session child's protocol code works with, once confined. */
struct session_info {
	const struct config *conf;
	const char	*user;
	const char	*rip;
	const char	*tag;		/* IMAP tag of the login command */
	int		 tls;		/* the connection is encrypted */
	int		 rootfd;	/* the Maildir ("/" after chroot) */
};

struct proto {
	const char	*name;		/* "pop3d", "imapd" */
	/* Pre-login dialogue in the network child; it calls net_login()
	 * and, on success, net_handoff() (which does not return). */
	void	(*prelogin)(struct net_ctx *);
	/* The mailbox session, confined.  Sends the login's success
	 * answer first.  Returns the process exit status. */
	int	(*session)(struct io *, const struct session_info *);
	/* Confinement or Maildir failed after a successful login: say so
	 * to the client (e.g. "-ERR [SYS/TEMP] ..."). */
	void	(*session_fail)(struct io *, const struct session_info *,
		    const char *why);
	/* Started by an ordinary user (ssh tunnel): serve that user's own
	 * Maildir without login.  NULL: refuse to run without root. */
	int	(*preauth)(struct io *, const struct session_info *);
};

/* The program's main: options, config, forks.  Does not return. */
void	monitor_main(const struct proto *, int argc, char **argv)
	    __attribute__((noreturn));

/* --- For the network child's protocol code --------------------------- */

/* Call once per command before login: -1 when the client has used up
 * its pre-login budget (LB_PRELOGIN_CMDS_MAX commands or prelogin_total
 * seconds, LB_PRELOGIN_TOTAL_SEC by default, whatever the idle timeout
 * says); the
 * caller then says goodbye and ends the connection. */
int	net_command(struct net_ctx *);
/* Seconds to wait for client bytes before login: the idle timeout, cut
 * to what is left of the prelogin_total budget (0 once it is used up), so
 * that a client dripping one byte at a time into a never-finished line is
 * bounded too. */
int	net_read_timeout(const struct net_ctx *);
/* May a password be sent on this connection now (TLS, or plaintext_auth
 * allows it from this address)? */
int	net_plaintext_ok(const struct net_ctx *);
/* STARTTLS/STLS: discard every byte already buffered in plain text
 * (STARTTLS command injection), then do the handshake.  0, or -1 (the
 * connection is unusable; the caller exits). */
int	net_starttls(struct net_ctx *);
/* Ask the monitor to authenticate.  Returns an enum verdict. */
int	net_login(struct net_ctx *, const char *user, size_t ulen,
	    const char *pass, size_t plen);
/* After VERDICT_OK: hand the connection to the session child (bytes
 * already read are passed along) and relay TLS if active.  tag is the
 * IMAP tag to answer ("" for POP3). */
void	net_handoff(struct net_ctx *, const char *tag)
	    __attribute__((noreturn));

#endif
