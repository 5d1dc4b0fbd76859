/* Unit tests: common/config.c -- defaults, parsing, errors with file:line. */
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "common/config.h"
#include "test.h"

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	config_defaults(c, "pop3d");
	return config_parse(c, "test.conf", text, strlen(text), err, errlen);
}

TEST(defaults)
{
	struct config c;

	config_defaults(&c, "pop3d");
	CHECK_STR(c.pam_service, "pop3");
	CHECK_STR(c.maildir, "Maildir");
	CHECK(c.min_uid == 1000);
	CHECK(c.plaintext_auth == PT_LOOPBACK);
	CHECK_STR(c.unpriv_user, "letterbox");
	CHECK(c.idle_timeout >= 600);	/* RFC 1939: at least 10 minutes */
	config_defaults(&c, "imapd");
	CHECK_STR(c.pam_service, "imap");
	CHECK(c.idle_timeout >= 1800);	/* RFC 3501: at least 30 minutes */
}

TEST(values)
{
	struct config c;
	char err[256];

	CHECK(parse(&c, "# comment\n\n  pam_service = mail # trailing\n"
	    "min_uid=500\r\nplaintext_auth = never\nmaildir_create = yes\n"
	    "tls_min_version = 1.3\n", err, sizeof(err)) == 0);
	CHECK_STR(c.pam_service, "mail");
	CHECK(c.min_uid == 500);
	CHECK(c.plaintext_auth == PT_NEVER);
	CHECK(c.maildir_create == 1);
	CHECK_STR(c.tls_min_version, "1.3");
}

TEST(errors_name_file_and_line)
{
	struct config c;
	char err[256], big[2000];

	CHECK(parse(&c, "\nbogus = 1\n", err, sizeof(err)) == -1);
	CHECK_STR(err, "test.conf:2: unknown key 'bogus'");
	CHECK(parse(&c, "min_uid = 0\n", err, sizeof(err)) == -1);
	CHECK(strncmp(err, "test.conf:1: min_uid: expected a number", 39) == 0);
	CHECK(parse(&c, "min_uid = 12x\n", err, sizeof(err)) == -1);
	CHECK(parse(&c, "min_uid = 99999999999999999999999\n", err,
	    sizeof(err)) == -1);
	CHECK(parse(&c, "plaintext_auth = sometimes\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "expected never, loopback or always") != NULL);
	CHECK(parse(&c, "maildir_create = true\n", err, sizeof(err)) == -1);
	CHECK(parse(&c, "a\nb\nc\njust words\n", err, sizeof(err)) == -1);
	CHECK_STR(err, "test.conf:1: expected key = value");
	CHECK(parse(&c, "tls_min_version = 1.1\n", err, sizeof(err)) == -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(parse(&c, big, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line too long") != NULL);
	/* A NUL byte inside the file. */
	config_defaults(&c, "pop3d");
	CHECK(config_parse(&c, "test.conf", "maildir = a\0b\n", 14, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "NUL") != NULL);
}

TEST(idle_timeout_minimum)
{
	struct config c;
	char err[256];

	CHECK(parse(&c, "idle_timeout = 599\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "at least 600") != NULL);
	CHECK(parse(&c, "idle_timeout = 600\n", err, sizeof(err)) == 0);
	config_defaults(&c, "imapd");
	CHECK(config_parse(&c, "t", "idle_timeout = 900\n", 19, err,
	    sizeof(err)) == -1);
}

TEST(value_too_long)
{
	struct config c;
	char text[600], err[256];

	memset(text, 0, sizeof(text));
	strcpy(text, "maildir = ");
	memset(text + 10, 'm', 400);
	CHECK(parse(&c, text, err, sizeof(err)) == -1);
	CHECK(strstr(err, "value too long") != NULL);
}

TEST(missing_file)
{
	struct config c;
	char err[256];

	config_defaults(&c, "pop3d");
	CHECK(config_load(&c, "/nonexistent/letterbox.conf", 1, 0, err,
	    sizeof(err)) == 0);
	CHECK(config_load(&c, "/nonexistent/letterbox.conf", 0, 0, err,
	    sizeof(err)) == -1);
}

TEST(ownership_checks)
{
	struct config c;
	char path[] = "/tmp/lbconfXXXXXX", err[256];
	int fd = mkstemp(path);

	CHECK(fd != -1);
	CHECK(write(fd, "min_uid = 2000\n", 15) == 15);
	config_defaults(&c, "pop3d");
	if (geteuid() == 0) {
		CHECK(fchmod(fd, 0644) == 0);
		CHECK(config_load(&c, path, 0, 1, err, sizeof(err)) == 0);
		CHECK(c.min_uid == 2000);
		CHECK(fchmod(fd, 0664) == 0);
		CHECK(config_load(&c, path, 0, 1, err, sizeof(err)) == -1);
		CHECK(strstr(err, "refused") != NULL);
		CHECK(fchmod(fd, 0644) == 0);
		CHECK(fchown(fd, 1, 0) == 0);
		CHECK(config_load(&c, path, 0, 1, err, sizeof(err)) == -1);
		/* A secret (key) must not even be readable by others. */
		CHECK(fchown(fd, 0, 0) == 0);
		CHECK(config_check_file(fd, path, 1, err, sizeof(err)) == -1);
		CHECK(fchmod(fd, 0600) == 0);
		CHECK(config_check_file(fd, path, 1, err, sizeof(err)) == 0);
	} else {
		/* Not root: our own file is "not root's". */
		CHECK(config_load(&c, path, 0, 1, err, sizeof(err)) == -1);
	}
	close(fd);
	unlink(path);
}
