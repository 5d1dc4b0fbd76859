/*
 * auth/pam.c -- see pam.h.  Runs in the monitor, as root, with input that
 * the monitor has already length- and character-checked.  The password
 * lives in a buffer owned by this file for the duration of the
 * conversation and is wiped on every path out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "auth/pam.h"

struct auth_pam {
	pam_handle_t	*pamh;
	int		 cred, opened;
	char		*pass;		/* only during pam_authenticate */
};

static int
auth_pam_conv(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct auth_pam *a = data;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			/* Only a password prompt gets the password, and
			 * only while authenticating. */
			if (a->pass == NULL ||
			    (r[i].resp = strdup(a->pass)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			/* Echo-on prompts (a user name, a new password)
			 * have no honest answer here. */
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static int
auth_pam_class(int rc)
{
	switch (rc) {
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT:
	case PAM_ACCT_EXPIRED:
	case PAM_PERM_DENIED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED:
	case PAM_CONV_ERR:
		return AUTH_FAIL;
	default:
		return AUTH_TEMPFAIL;
	}
}

int
auth_pam_login(const char *service, const char *confdir, const char *user,
    const char *pass, const char *rhost, struct auth_pam **ap, char *user_r,
    size_t userlen, char *why_r, size_t whylen)
{
	struct pam_conv conv;
	struct auth_pam *a;
	const void *item;
	int rc, res;

	*ap = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		(void)snprintf(why_r, whylen, "out of memory");
		return AUTH_TEMPFAIL;
	}
	conv.conv = auth_pam_conv;
	conv.appdata_ptr = a;
	if (confdir != NULL && confdir[0] != '\0') {
#ifdef HAVE_PAM_START_CONFDIR
		rc = pam_start_confdir(service, user, &conv, confdir, &a->pamh);
#else
		(void)snprintf(why_r, whylen, "pam_confdir is not supported "
		    "by this Linux-PAM");
		free(a);
		return AUTH_TEMPFAIL;
#endif
	} else
		rc = pam_start(service, user, &conv, &a->pamh);
	if (rc != PAM_SUCCESS) {
		(void)snprintf(why_r, whylen, "pam_start: %s",
		    pam_strerror(NULL, rc));
		free(a);
		return AUTH_TEMPFAIL;
	}
	(void)pam_set_item(a->pamh, PAM_RHOST, rhost);
	if ((a->pass = strdup(pass)) == NULL) {
		rc = PAM_BUF_ERR;
		goto fail;
	}
	rc = pam_authenticate(a->pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	explicit_bzero(a->pass, strlen(a->pass));
	free(a->pass);
	a->pass = NULL;
	/* Modules keep the password as PAM_AUTHTOK; we need it no more. */
	(void)pam_set_item(a->pamh, PAM_AUTHTOK, NULL);
	if (rc != PAM_SUCCESS)
		goto fail;
	/* Expired or locked accounts are refused here. */
	if ((rc = pam_acct_mgmt(a->pamh, PAM_SILENT |
	    PAM_DISALLOW_NULL_AUTHTOK)) != PAM_SUCCESS)
		goto fail;
	/* A module may have mapped the name: re-read it (STYLE 1.4). */
	if ((rc = pam_get_item(a->pamh, PAM_USER, &item)) != PAM_SUCCESS ||
	    item == NULL) {
		rc = PAM_USER_UNKNOWN;
		goto fail;
	}
	if ((size_t)snprintf(user_r, userlen, "%s", (const char *)item) >=
	    userlen) {
		rc = PAM_USER_UNKNOWN;
		goto fail;
	}
	*ap = a;
	return AUTH_OK;
fail:
	(void)snprintf(why_r, whylen, "%s", pam_strerror(a->pamh, rc));
	res = auth_pam_class(rc);
	pam_end(a->pamh, rc);
	free(a);
	return res;
}

int
auth_pam_open(struct auth_pam *a, char *why_r, size_t whylen)
{
	int rc;

	if ((rc = pam_setcred(a->pamh, PAM_ESTABLISH_CRED | PAM_SILENT)) !=
	    PAM_SUCCESS) {
		(void)snprintf(why_r, whylen, "pam_setcred: %s",
		    pam_strerror(a->pamh, rc));
		return -1;
	}
	a->cred = 1;
	if ((rc = pam_open_session(a->pamh, PAM_SILENT)) != PAM_SUCCESS) {
		(void)snprintf(why_r, whylen, "pam_open_session: %s",
		    pam_strerror(a->pamh, rc));
		return -1;
	}
	a->opened = 1;
	return 0;
}

void
auth_pam_close(struct auth_pam **ap)
{
	struct auth_pam *a = *ap;
	int rc = PAM_SUCCESS;

	if (a == NULL)
		return;
	if (a->opened)
		rc = pam_close_session(a->pamh, PAM_SILENT);
	if (a->cred)
		(void)pam_setcred(a->pamh, PAM_DELETE_CRED | PAM_SILENT);
	pam_end(a->pamh, rc);
	free(a);
	*ap = NULL;
}
