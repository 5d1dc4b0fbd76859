/*
 * common/config.c -- letterbox.conf parser (see config.h).  Runs in the
 * monitor as root before any client byte is read.  The file is hostile
 * only to the degree that a non-root user could have written it, which
 * config_check_file() refuses; still, every line and value is bounded.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/limits.h"
#include "common/num.h"

enum ktype { K_STR, K_UINT, K_BOOL, K_PTAUTH, K_TLSVER };

struct key {
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	size_t		 size;		/* K_STR: buffer size */
	unsigned long	 min, max;	/* K_UINT */
};

#define STR(f)	K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0
#define UINT(f, lo, hi)	K_UINT, offsetof(struct config, f), 0, lo, hi
#define BOOL(f)	K_BOOL, offsetof(struct config, f), 0, 0, 0

static const struct key keys[] = {
	{ "pam_service",	STR(pam_service) },
	{ "maildir",		STR(maildir) },
	{ "maildir_create",	BOOL(maildir_create) },
	{ "tls_cert",		STR(tls_cert) },
	{ "tls_key",		STR(tls_key) },
	{ "tls_ticket_key",	STR(tls_ticket_key) },
	{ "tls_min_version",	K_TLSVER, offsetof(struct config, tls_min_version),
	    sizeof(((struct config *)0)->tls_min_version), 0, 0 },
	{ "min_uid",		UINT(min_uid, 1, 4294967294UL) },
	{ "unpriv_user",	STR(unpriv_user) },
	{ "empty_dir",		STR(empty_dir) },
	{ "plaintext_auth",	K_PTAUTH, offsetof(struct config, plaintext_auth), 0, 0, 0 },
	{ "pam_confdir",	STR(pam_confdir) },
	{ "login_fail_delay",	UINT(login_fail_delay, 0, 60) },
	{ "prelogin_timeout",	UINT(prelogin_timeout, 5, 3600) },
	{ "prelogin_total",	UINT(prelogin_total, 5, 3600) },
	{ "write_timeout",	UINT(write_timeout, 5, 3600) },
	{ "idle_timeout",	UINT(idle_timeout, 60, 86400) },
	{ "pop3_mark_seen",	BOOL(pop3_mark_seen) },
	{ "session_memory_mb",	UINT(session_memory_mb, 16, 65536) },
	{ "special_sent",	STR(special_sent) },
	{ "special_drafts",	STR(special_drafts) },
	{ "special_trash",	STR(special_trash) },
	{ "special_junk",	STR(special_junk) },
	{ "special_archive",	STR(special_archive) },
	{ "create_special",	BOOL(create_special) },
};

static void
setstr(char *dst, size_t size, const char *s)
{
	(void)snprintf(dst, size, "%s", s);
}

void
config_defaults(struct config *c, const char *prog)
{
	int imap = strcmp(prog, "imapd") == 0;

	memset(c, 0, sizeof(*c));
	setstr(c->pam_service, sizeof(c->pam_service), imap ? "imap" : "pop3");
	setstr(c->maildir, sizeof(c->maildir), "Maildir");
	setstr(c->tls_cert, sizeof(c->tls_cert),
	    "/etc/letterbox/tls/cert.pem");
	setstr(c->tls_key, sizeof(c->tls_key), "/etc/letterbox/tls/key.pem");
	setstr(c->tls_min_version, sizeof(c->tls_min_version), "1.2");
	c->min_uid = 1000;
	setstr(c->unpriv_user, sizeof(c->unpriv_user), "letterbox");
	setstr(c->empty_dir, sizeof(c->empty_dir), "/var/lib/letterbox/empty");
	c->plaintext_auth = PT_LOOPBACK;
	c->login_fail_delay = 2;
	c->prelogin_timeout = LB_PRELOGIN_IDLE_SEC;
	c->prelogin_total = LB_PRELOGIN_TOTAL_SEC;
	c->write_timeout = LB_WRITE_TIMEOUT_SEC;
	/* RFC 1939 sec. 3: >= 10 minutes; RFC 3501 sec. 5.4: >= 30. */
	c->idle_timeout = imap ? 1800 : LB_POP3_IDLE_SEC;
	c->idle_min = c->idle_timeout;
	c->pop3_mark_seen = 1;
	c->session_memory_mb = 512;
	/* The names Thunderbird, K-9 and Apple Mail use when a server does
	 * not tell them (RFC 6154 is how we tell them). */
	setstr(c->special_sent, sizeof(c->special_sent), "Sent");
	setstr(c->special_drafts, sizeof(c->special_drafts), "Drafts");
	setstr(c->special_trash, sizeof(c->special_trash), "Trash");
	setstr(c->special_junk, sizeof(c->special_junk), "Junk");
	setstr(c->special_archive, sizeof(c->special_archive), "Archive");
	c->create_special = 0;
}

static int
set_value(struct config *c, const struct key *k, const char *v, char *why,
    size_t whylen)
{
	char *base = (char *)c;
	uint64_t n;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size) {
			(void)snprintf(why, whylen, "value too long");
			return -1;
		}
		setstr(base + k->off, k->size, v);
		return 0;
	case K_UINT:
		if (num_parse_str(v, UINT64_MAX, &n) == -1 || n < k->min ||
		    n > k->max) {
			(void)snprintf(why, whylen,
			    "expected a number from %lu to %lu", k->min, k->max);
			return -1;
		}
		*(unsigned long *)(void *)(base + k->off) = (unsigned long)n;
		return 0;
	case K_BOOL:
		if (strcmp(v, "yes") == 0)
			*(int *)(void *)(base + k->off) = 1;
		else if (strcmp(v, "no") == 0)
			*(int *)(void *)(base + k->off) = 0;
		else {
			(void)snprintf(why, whylen, "expected yes or no");
			return -1;
		}
		return 0;
	case K_PTAUTH:
		if (strcmp(v, "never") == 0)
			c->plaintext_auth = PT_NEVER;
		else if (strcmp(v, "loopback") == 0)
			c->plaintext_auth = PT_LOOPBACK;
		else if (strcmp(v, "always") == 0)
			c->plaintext_auth = PT_ALWAYS;
		else {
			(void)snprintf(why, whylen,
			    "expected never, loopback or always");
			return -1;
		}
		return 0;
	case K_TLSVER:
		if (strcmp(v, "1.2") != 0 && strcmp(v, "1.3") != 0) {
			(void)snprintf(why, whylen, "expected 1.2 or 1.3");
			return -1;
		}
		setstr(base + k->off, k->size, v);
		return 0;
	}
	return -1;
}

static char *
trim(char *s, char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

int
config_parse(struct config *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	char line[LB_CONF_LINE_MAX + 1], why[128], *k, *v, *eq, *hash;
	const char *p = text, *end = text + len, *nl;
	unsigned long lineno = 0;
	size_t i, n;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n > LB_CONF_LINE_MAX) {
			(void)snprintf(err, errlen, "%s:%lu: line too long",
			    name, lineno);
			return -1;
		}
		if (memchr(p, '\0', n) != NULL) {
			(void)snprintf(err, errlen, "%s:%lu: NUL byte",
			    name, lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		k = trim(line, line + strlen(line));
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			(void)snprintf(err, errlen, "%s:%lu: expected key = value",
			    name, lineno);
			return -1;
		}
		v = trim(eq + 1, eq + 1 + strlen(eq + 1));
		k = trim(k, eq);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, k) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			(void)snprintf(err, errlen, "%s:%lu: unknown key '%.64s'",
			    name, lineno, k);
			return -1;
		}
		if (set_value(c, &keys[i], v, why, sizeof(why)) == -1) {
			(void)snprintf(err, errlen, "%s:%lu: %s: %s", name,
			    lineno, k, why);
			return -1;
		}
		if (c->idle_timeout < c->idle_min) {
			(void)snprintf(err, errlen, "%s:%lu: idle_timeout: at "
			    "least %lu seconds (RFC 1939 sec. 3, RFC 3501 sec. "
			    "5.4)", name, lineno, c->idle_min);
			return -1;
		}
	}
	return 0;
}

int
config_check_file(int fd, const char *path, int secret, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (secret ? 077 : 022)) != 0) {
		(void)snprintf(err, errlen, "%s: refused: must be owned by root"
		    " and not %s by others", path,
		    secret ? "readable" : "writable");
		return -1;
	}
	return 0;
}

int
config_load(struct config *c, const char *path, int missing_ok,
    int check_owner, char *err, size_t errlen)
{
	char text[LB_CONF_SIZE_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && missing_ok)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (check_owner && config_check_file(fd, path, 0, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	for (;;) {
		n = read(fd, text + len, sizeof(text) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)snprintf(err, errlen, "%s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > LB_CONF_SIZE_MAX) {
			(void)snprintf(err, errlen, "%s: file too large", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return config_parse(c, path, text, len, err, errlen);
}

void
config_print(const struct config *c, int fd)
{
	static const char *pt[] = { "never", "loopback", "always" };
	const char *base = (const char *)c;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];

		switch (k->type) {
		case K_STR:
		case K_TLSVER:
			dprintf(fd, "%s = %s\n", k->name, base + k->off);
			break;
		case K_UINT:
			dprintf(fd, "%s = %lu\n", k->name,
			    *(const unsigned long *)(const void *)(base + k->off));
			break;
		case K_BOOL:
			dprintf(fd, "%s = %s\n", k->name,
			    *(const int *)(const void *)(base + k->off) ? "yes" : "no");
			break;
		case K_PTAUTH:
			dprintf(fd, "%s = %s\n", k->name, pt[c->plaintext_auth]);
			break;
		}
	}
}
