/*
 * auth/sandbox.h -- seccomp allow-lists, one per confined role.  The only
 * user of seccomp.h.  A forbidden system call kills the process (SIGSYS);
 * libseccomp also kills foreign-architecture calls and sets NO_NEW_PRIVS.
 */
#ifndef LB_AUTH_SANDBOX_H
#define LB_AUTH_SANDBOX_H

#include <stddef.h>

enum sandbox_role {
	SANDBOX_NET,		/* TLS and pre-login protocol */
	SANDBOX_SESSION,	/* one user's Maildir */
	SANDBOX_PREAUTH,	/* the same, syslogging itself (no monitor) */
};

/* Install the filter for role.  0, or -1 with a message in err (the
 * caller must exit: never fail open). */
int	sandbox_apply(enum sandbox_role, char *err, size_t errlen);

#endif
