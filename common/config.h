/*
 * common/config.h -- the configuration file of pop3d and imapd
 * (letterbox.conf(5)): `key = value` lines, `#` comments.  Read by the
 * monitor as root before anything else; the children inherit the parsed
 * struct.  Unknown keys and bad values are errors naming file and line.
 */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stddef.h>

#define LB_CONF_DEFAULT	"/etc/letterbox.conf"
#define LB_CONF_STR	256

enum plaintext_auth {
	PT_NEVER,	/* passwords only over TLS */
	PT_LOOPBACK,	/* ... or from 127.0.0.0/8 and ::1 */
	PT_ALWAYS,	/* anywhere (not recommended) */
};

struct config {
	char	pam_service[LB_CONF_STR];
	char	maildir[LB_CONF_STR];	/* relative to the home directory */
	int	maildir_create;		/* create a missing Maildir at login */
	char	tls_cert[LB_CONF_STR];	/* chain, PEM */
	char	tls_key[LB_CONF_STR];	/* PEM, root-only */
	char	tls_ticket_key[LB_CONF_STR]; /* 80 bytes, optional */
	char	tls_min_version[8];	/* "1.2" or "1.3" */
	unsigned long min_uid;
	char	unpriv_user[LB_CONF_STR];
	char	empty_dir[LB_CONF_STR];
	int	plaintext_auth;		/* enum plaintext_auth */
	char	pam_confdir[LB_CONF_STR]; /* "" = the system's /etc/pam.d */
	unsigned long login_fail_delay;	/* seconds; grows with each failure */
	unsigned long prelogin_timeout;	/* seconds */
	unsigned long prelogin_total;	/* seconds, the whole pre-login phase */
	unsigned long write_timeout;	/* seconds a client may not read */
	unsigned long idle_timeout;	/* seconds, after login */
	unsigned long idle_min;		/* the RFC's minimum for it (not a key) */
	int	pop3_mark_seen;		/* RETR sets \Seen */
	unsigned long session_memory_mb; /* RLIMIT_DATA of the session */
	/* SPECIAL-USE folders (RFC 6154), UTF-8 names ("" = none). */
	char	special_sent[LB_CONF_STR];
	char	special_drafts[LB_CONF_STR];
	char	special_trash[LB_CONF_STR];
	char	special_junk[LB_CONF_STR];
	char	special_archive[LB_CONF_STR];
	int	create_special;		/* create the missing ones at login */
};

/* Fill in the defaults for program prog ("pop3d" or "imapd"). */
void	config_defaults(struct config *, const char *prog);
/* Parse path into c (which holds the defaults).  A missing file is not an
 * error when missing_ok is set.  check_owner: refuse a file that anyone
 * but root can write.  Returns 0, or -1 with a message in err. */
int	config_load(struct config *c, const char *path, int missing_ok,
	    int check_owner, char *err, size_t errlen);
/* Parse a buffer (the file's contents); name is used in messages. */
int	config_parse(struct config *c, const char *name, const char *text,
	    size_t len, char *err, size_t errlen);
/* Write the effective configuration in file syntax to fd. */
void	config_print(const struct config *, int fd);
/* Refuse a file that is not root's or that others can write (and, if
 * secret, that others can read).  0 or -1 with a message. */
int	config_check_file(int fd, const char *path, int secret, char *err,
	    size_t errlen);

#endif
