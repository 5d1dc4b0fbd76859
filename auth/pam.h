/*
 * auth/pam.h -- Linux-PAM for the monitor (root).  The only user of
 * security/pam_appl.h.  The conversation answers echo-off prompts with the
 * password and nothing else; informational messages are ignored.
 */
#ifndef LB_AUTH_PAM_H
#define LB_AUTH_PAM_H

#include <stddef.h>

struct auth_pam;

enum auth_result {
	AUTH_OK = 0,
	AUTH_FAIL,		/* bad credentials, or account refused */
	AUTH_TEMPFAIL,		/* PAM itself failed: try again later */
};

/* pam_start (with confdir if not empty and supported), PAM_RHOST,
 * pam_authenticate, pam_acct_mgmt.  On AUTH_OK *ap holds the handle and
 * user_r the user name PAM settled on (PAM_USER).  why_r gets a short
 * reason for the log (never the password). */
int	auth_pam_login(const char *service, const char *confdir,
	    const char *user, const char *pass, const char *rhost,
	    struct auth_pam **ap, char *user_r, size_t userlen,
	    char *why_r, size_t whylen);
/* pam_setcred(ESTABLISH) and pam_open_session.  0 or -1 with why_r. */
int	auth_pam_open(struct auth_pam *, char *why_r, size_t whylen);
/* pam_close_session (if opened), pam_setcred(DELETE), pam_end. */
void	auth_pam_close(struct auth_pam **);

#endif
