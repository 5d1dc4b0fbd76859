/*
 * maildir-deliver.c -- deliver one message from stdin into a Maildir++
 * folder.  Started by the MTA (Postfix mailbox_command, a sendmail local
 * mailer, a .forward pipe).
 *
 * Who runs what:
 *   as root (only with -d USER): argument checks, getpwnam(), then
 *       drop_to_user() -- before any byte of stdin is read and before the
 *       Maildir is touched, so a hostile message or Maildir never meets
 *       root;
 *   as the user: everything else.  Running set-uid or set-gid is refused:
 *       the program trusts its arguments and environment.
 *
 * Exit status (sysexits, so that the MTA retries what is temporary):
 *   0 delivered (the file and new/ are fsynced); 64 usage; 65 mail loop
 *   (our Delivered-To: already present) or message over LB_MESSAGE_MAX;
 *   67 unknown user; 75 anything temporary (disk full, quota unless -Q,
 *   I/O, missing home); 77 over quota with -Q; 78 configuration error
 *   (set-uid, -d without root).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <unistd.h>

#include "auth/drop.h"
#include "common/limits.h"
#include "common/log.h"
#include "maildir/maildir.h"

/* State of the header scan: the From_ line, the Delivered-To loop check. */
struct hdr {
	int	 body;		/* past the blank line ending the header */
	int	 first;		/* the next line is the first one */
	int	 overlong;	/* passing an over-long line through */
	int	 loop;		/* our Delivered-To: was found */
	size_t	 len;
	char	 line[LB_HEADER_FIELD_MAX];
	size_t	 flen;		/* current field (unfolded), 0 = none */
	int	 fbad;		/* the field outgrew field[] */
	char	 field[LB_HEADER_FIELD_MAX];
	const char *addr;	/* -a ADDRESS without <>, or NULL */
	size_t	 addrlen;
};

static const char *user_for_log = "?";
static const char *folder_for_log = "INBOX";
static int debug;

static void __attribute__((noreturn))
usage(void)
{
	(void)fprintf(stderr, "usage: maildir-deliver [-cDQv] [-a address] "
	    "[-d user] [-f sender] [-M maildir] [-m folder]\n");
	exit(EX_USAGE);
}

/* Log the failure (syslog, or stderr with -D), tell the MTA on stderr
 * (it includes this in its bounce or log), and exit. */
static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	char text[LB_LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_msg(status == EX_TEMPFAIL ? LOG_WARNING : LOG_ERR,
	    "failed user=%s folder=%s status=%d: %s", user_for_log,
	    folder_for_log, status, text);
	if (!debug)
		(void)fprintf(stderr, "maildir-deliver: %s\n", text);
	exit(status);
}

/* Header values must not smuggle in lines or NULs. */
static int
clean_value(const char *s)
{
	return strlen(s) <= LB_ADDRESS_MAX && strpbrk(s, "\r\n") == NULL;
}

/* "<a@b>" -> "a@b" (pointer and length into s). */
static void
strip_angle(const char *s, size_t n, const char **p, size_t *len)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	*p = s;
	*len = n;
}

/* The field just completed: is it our Delivered-To? */
static void
check_field(struct hdr *h)
{
	static const char name[] = "Delivered-To";
	const char *p, *v;
	size_t n, vlen;

	if (h->addr == NULL || h->flen == 0 || h->fbad)
		goto done;
	if (h->flen <= sizeof(name) - 1 ||
	    strncasecmp(h->field, name, sizeof(name) - 1) != 0)
		goto done;
	p = h->field + sizeof(name) - 1;
	n = h->flen - (sizeof(name) - 1);
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n == 0 || *p != ':')
		goto done;
	strip_angle(p + 1, n - 1, &v, &vlen);
	/* Addresses compare case-insensitively here: the local part is
	 * case-sensitive in theory, but a loop is what we must not miss. */
	if (vlen == h->addrlen && strncasecmp(v, h->addr, vlen) == 0)
		h->loop = 1;
done:
	h->flen = 0;
	h->fbad = 0;
}

/* Append the (unfolded) line to the current field. */
static void
field_add(struct hdr *h, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n > sizeof(h->field) - h->flen) {
		h->fbad = 1;
		return;
	}
	memcpy(h->field + h->flen, s, n);
	h->flen += n;
}

static void
put(struct md_delivery *d, const void *p, size_t n)
{
	int err;

	if ((err = md_deliver_write(d, p, n)) == MD_OK)
		return;
	md_deliver_abort(&d);
	if (err == MD_ERR_LIMIT)
		fail(EX_DATAERR, "message larger than %lu bytes",
		    (unsigned long)LB_MESSAGE_MAX);
	fail(EX_TEMPFAIL, "writing: %s", md_strerror(err));
}

/* A complete header line (with its LF) is in h->line. */
static void
header_line(struct md_delivery *d, struct hdr *h)
{
	const char *l = h->line;
	size_t n = h->len;
	int blank = (n == 1) || (n == 2 && l[0] == '\r');

	h->len = 0;
	if (h->first) {
		h->first = 0;
		/* An mbox envelope line ("From sender date") does not belong
		 * in a Maildir message. */
		if (n >= 5 && memcmp(l, "From ", 5) == 0)
			return;
	}
	if (blank) {
		check_field(h);
		h->body = 1;
	} else if (l[0] == ' ' || l[0] == '\t') {
		if (h->flen > 0)
			field_add(h, l, n);	/* folded (RFC 5322 2.2.3) */
	} else {
		check_field(h);
		field_add(h, l, n);
	}
	put(d, l, n);
}

/* Feed input: header lines go through header_line(), the body straight. */
static void
feed(struct md_delivery *d, struct hdr *h, const char *p, size_t n)
{
	const char *nl;
	size_t take;
	char c0;

	while (n > 0) {
		if (h->body) {
			put(d, p, n);
			return;
		}
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) + 1 : n;
		if (h->overlong) {
			put(d, p, take);
			if (nl != NULL)
				h->overlong = 0;
			p += take;
			n -= take;
			continue;
		}
		if (take > sizeof(h->line) - h->len) {
			/* An over-long header line is passed through: it can
			 * be neither our Delivered-To nor a From_ line.  It
			 * still ends the previous field, unless folded. */
			c0 = h->len > 0 ? h->line[0] : p[0];
			if (c0 != ' ' && c0 != '\t')
				check_field(h);
			h->fbad = 1;
			h->first = 0;
			if (h->len > 0)
				put(d, h->line, h->len);
			h->len = 0;
			h->overlong = 1;
			continue;
		}
		memcpy(h->line + h->len, p, take);
		h->len += take;
		p += take;
		n -= take;
		if (nl != NULL)
			header_line(d, h);
	}
}

/* -M: relative, no "..", bounded. */
static int
path_ok(const char *p)
{
	const char *c;
	size_t n;

	if (p[0] == '\0' || p[0] == '/' || strlen(p) > LB_MAILDIR_PATH_MAX)
		return 0;
	for (c = p; *c != '\0'; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	static struct hdr h;
	struct md_delivery *d = NULL;
	struct passwd *pw;
	struct utsname un;
	char buf[65536], uniq[LB_MAILDIR_NAME_MAX + 1], esc[LB_ADDRESS_MAX], errbuf[256];
	const char *user = NULL, *folder = NULL, *sender = NULL, *addr = NULL;
	const char *mpath = "Maildir", *home, *env;
	char *pw_name, *pw_dir;
	int ch, create = 0, quota_perm = 0, homefd, rootfd, err, fd;
	ssize_t n;
	size_t alen;
	uint64_t size;

	/* fds 0-2 must exist, or a file we open could become "stderr". */
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		(void)close(fd);
	while ((ch = getopt(argc, argv, "a:cd:Df:m:M:Qv")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'c': create = 1; break;
		case 'd': user = optarg; break;
		case 'D': case 'v': debug = 1; break;
		case 'f': sender = optarg; break;
		case 'm': folder = optarg; break;
		case 'M': mpath = optarg; break;
		case 'Q': quota_perm = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_open("maildir-deliver", debug);
	log_set_fatal_status(EX_TEMPFAIL);
	umask(077);
	/* A write past RLIMIT_FSIZE must fail with EFBIG, not kill us. */
	(void)signal(SIGXFSZ, SIG_IGN);
	if (folder != NULL)
		folder_for_log = folder;
	if (getuid() != geteuid() || getgid() != getegid())
		fail(EX_CONFIG, "refusing to run set-uid or set-gid");
	if ((addr != NULL && !clean_value(addr)) ||
	    (sender != NULL && !clean_value(sender)))
		fail(EX_USAGE, "address too long or with line breaks");
	if (folder != NULL && strcasecmp(folder, "INBOX") != 0 &&
	    md_folder_name_check(folder) != MD_OK)
		fail(EX_USAGE, "invalid folder name");
	if (mpath == NULL || !path_ok(mpath))
		fail(EX_USAGE, "-M needs a relative path without \"..\"");

	if (user != NULL) {
		user_for_log = user;
		if (geteuid() != 0)
			fail(EX_CONFIG, "-d needs root");
		if (strlen(user) > LB_USER_MAX)
			fail(EX_NOUSER, "user name too long");
		errno = 0;
		if ((pw = getpwnam(user)) == NULL) {
			/* glibc: 0, ENOENT, ESRCH, EBADF, EPERM = not found;
			 * anything else is NSS trouble: retry later. */
			if (errno == 0 || errno == ENOENT || errno == ESRCH ||
			    errno == EBADF || errno == EPERM)
				fail(EX_NOUSER, "unknown user");
			fail(EX_TEMPFAIL, "user lookup: %s", strerror(errno));
		}
		home = pw->pw_dir;
	} else {
		errno = 0;
		if ((pw = getpwuid(getuid())) == NULL)
			fail(errno == 0 || errno == ENOENT ? EX_NOUSER :
			    EX_TEMPFAIL, "no passwd entry for uid %lu",
			    (unsigned long)getuid());
		env = getenv("HOME");
		home = env != NULL && env[0] == '/' ? env : pw->pw_dir;
	}
	/* Mail is never written with root's ids: a root Maildir would be
	 * served by nobody (imapd and pop3d refuse uid 0) and root-owned
	 * files in a user's tree break it.  Alias root to a user. */
	if (pw->pw_uid == 0 || (geteuid() == 0 && user == NULL))
		fail(EX_NOPERM, "refusing to deliver as root; alias root to a "
		    "user, or use -d USER");
	if ((pw_name = strdup(pw->pw_name)) == NULL ||
	    (pw_dir = strdup(home)) == NULL)
		fail(EX_TEMPFAIL, "out of memory");
	user_for_log = pw_name;
	if (uname(&un) == 0)
		md_set_hostname(un.nodename);
	if (user != NULL && drop_to_user(pw, errbuf, sizeof(errbuf)) == -1)
		fail(EX_TEMPFAIL, "dropping privileges: %s", errbuf);

	/* From here on we are the user. */
	if ((homefd = open(pw_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fail(EX_TEMPFAIL, "home directory: %s", strerror(errno));
	/* Postfix and sendmail users expect a missing Maildir to appear. */
	if ((err = md_maildir_create(homefd, mpath, 0700)) != MD_OK)
		fail(EX_TEMPFAIL, "creating Maildir: %s", md_strerror(err));
	rootfd = openat(homefd, mpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1)
		fail(EX_TEMPFAIL, "opening Maildir: %s", strerror(errno));
	if (folder == NULL || strcasecmp(folder, "INBOX") == 0)
		folder = "INBOX";
	err = md_deliver_begin(&d, rootfd, folder, 1);
	if (err == MD_ERR_NOFOLDER && strcmp(folder, "INBOX") != 0) {
		if (create) {
			err = md_folder_create(rootfd, folder);
			if (err != MD_OK && err != MD_ERR_EXISTS)
				fail(EX_TEMPFAIL, "creating folder: %s",
				    md_strerror(err));
		} else {
			/* Like Dovecot's LDA: mail is not refused because a
			 * filter names a folder that is gone. */
			log_notice("user=%s folder=%s does not exist, "
			    "delivering to INBOX", pw_name, folder);
			folder = folder_for_log = "INBOX";
		}
		err = md_deliver_begin(&d, rootfd, folder, 1);
	}
	if (err != MD_OK)
		fail(EX_TEMPFAIL, "starting delivery: %s", md_strerror(err));

	memset(&h, 0, sizeof(h));
	h.first = 1;
	if (addr != NULL) {
		strip_angle(addr, strlen(addr), &h.addr, &alen);
		h.addrlen = alen;
	}
	if (sender != NULL) {
		n = snprintf(buf, sizeof(buf), "Return-Path: <%s>\n", sender);
		put(d, buf, (size_t)n);
	}
	if (addr != NULL) {
		n = snprintf(buf, sizeof(buf), "Delivered-To: %.*s\n",
		    (int)h.addrlen, h.addr);
		put(d, buf, (size_t)n);
	}
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			md_deliver_abort(&d);
			fail(EX_TEMPFAIL, "reading stdin: %s", strerror(errno));
		}
		if (n == 0)
			break;
		feed(d, &h, buf, (size_t)n);
		if (h.loop)
			break;
	}
	if (!h.body && !h.overlong && h.len > 0)	/* no final LF */
		header_line(d, &h);
	if (!h.body)
		check_field(&h);
	if (h.loop) {
		md_deliver_abort(&d);
		fail(EX_DATAERR, "mail loop: Delivered-To: %s already present",
		    log_escape(esc, sizeof(esc), h.addr, h.addrlen));
	}
	size = md_deliver_size(d);
	err = md_deliver_commit(&d, NULL, 0, uniq);
	if (err == MD_ERR_QUOTA)
		fail(quota_perm ? EX_NOPERM : EX_TEMPFAIL, "over quota");
	if (err != MD_OK)
		fail(EX_TEMPFAIL, "delivering: %s", md_strerror(err));
	log_info("delivered user=%s folder=%s size=%llu unique=%s", pw_name,
	    folder, (unsigned long long)size, uniq);
	free(pw_name);
	free(pw_dir);
	return EX_OK;
}
