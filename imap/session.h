/*
 * imap/session.h -- entry points of the IMAP core (imap/session.c) for
 * imapd.c: the authenticated/selected session loop, the capability list
 * and the pre-login helpers shared with the network child.
 */
#ifndef LB_IMAP_SESSION_H
#define LB_IMAP_SESSION_H

#include "common/buf.h"
#include "common/io.h"

struct config;

/* How the session started. */
struct imap_start {
	const struct config *conf;
	const char	*user;
	const char	*rip;
	const char	*tag;		/* the login command's tag, or NULL
					 * for PREAUTH */
	int		 tls;
	int		 rootfd;	/* the Maildir root */
};

/* Run the session until LOGOUT, timeout or disconnect; returns the exit
 * status.  Sends the login's tagged OK (or the PREAUTH greeting) first. */
int	imap_session_run(struct io *, const struct imap_start *);
/* The capability list after login (space separated, no "CAPABILITY"). */
void	imap_capabilities(struct buf *out);

#endif
