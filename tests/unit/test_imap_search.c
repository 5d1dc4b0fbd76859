/*
 * tests/unit/test_imap_search.c -- SEARCH / UID SEARCH end to end: a real
 * Maildir with real messages, the real command parser, the core's view
 * (imap_sync) and imap_cmd_search(), comparing the exact output.
 *
 * The mailbox (UID 1 was expunged, so UIDs are message numbers + 1):
 *  1 uid 2  \Seen          plain ASCII, Date 1 Feb 1994 23:10 -0800
 *  2 uid 3  \Flagged \Answered  KOI8-R quoted-printable "привет"
 *  3 uid 4  \Draft         windows-1251 B subject, multipart, base64 UTF-8
 *  4 uid 5  \Deleted $Junk \Recent  message/rfc822 inside, large
 *  5 uid 6  $Forwarded \Recent  text/html ISO-8859-1 QP "Café"
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/date.h"
#include "common/decode.h"
#include "common/io.h"
#include "imap/imapd.h"
#include "imap/parse.h"
#include "imap/search.h"
#include "mdtest.h"
#include "test.h"

static const char M0[] =
    "From: gone@example.com\nSubject: expunged\n\nbye\n";

static const char M1[] =
    "From: Alice Example <alice@example.com>\n"
    "To: Bob <bob@example.org>\n"
    "Subject: Hello world\n"
    "Date: Tue, 1 Feb 1994 23:10:05 -0800\n"
    "Message-ID: <m1@example.com>\n"
    "\n"
    "The quick brown fox\n"
    "jumps over the lazy dog.\n";

static const char M2[] =
    "From: carol@example.net\n"
    "To: bob@example.org\n"
    "Cc: Dave <dave@example.org>\n"
    "Subject: Report\n"
    "Date: Wed, 2 Feb 1994 01:00:00 +0300\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=koi8-r\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "=D0=D2=C9=\n"
    "=D7=C5=D4, Bob!\n";

static const char M3[] =
    "From: =?utf-8?Q?J=C3=BCrgen?= <juergen@example.de>\n"
    "To: bob@example.org\n"
    "Bcc: eve@example.com\n"
    "Subject: =?windows-1251?B?7/Do4uXy?= and more\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "preamble\n"
    "--XX\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "R3LDvMOfZSBhdXMgTcO8bmNoZW4sINCf0KDQmNCS0JXQoiDQvNC40YAK\n"
    "--XX\n"
    "Content-Type: application/octet-stream\n"
    "\n"
    "secretword\n"
    "--XX--\n";

static const char M4_HEAD[] =
    "From: Zed <zed@example.com>\n"
    "To: bob@example.org\n"
    "Subject: Fwd: nested\n"
    "Date: 21 Nov 97 09:55:06 GMT\n"
    "X-Spam-Flag: YES\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"B1\"\n"
    "\n"
    "--B1\n"
    "Content-Type: text/plain\n"
    "\n"
    "See attached.\n";
static const char M4_TAIL[] =
    "--B1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@example.com\n"
    "Subject: Inner subject zebra\n"
    "\n"
    "nested giraffe\n"
    "--B1--\n";

static const char M5[] =
    "From: Bob <bob@example.org>\n"
    "To: alice@example.com\n"
    "Subject: caf=?iso-8859-1?q?=E9?= menu\n"
    "Date: Sat, 5 Feb 1994 00:30:00 +1400\n"
    "Content-Type: text/html; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "<p>Caf=E9 cr=E8me</p>\n";

static char dir[64];
static int rootfd = -1;
static struct imap_session S;
static struct io IO;
static struct imap_parser *PP;
static char result[65536];

static void
put_msg(const char *name, const char *text, time_t mtime)
{
	struct timespec ts[2];
	char path[128];

	(void)snprintf(path, sizeof(path), "cur/%s", name);
	if (put_file(rootfd, path, text) == -1)
		exit(2);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	(void)utimensat(rootfd, path, ts, 0);
}

static time_t
at(int y, int m, int d, int hh, int mm)
{
	return (time_t)(date_days(y, m, d) * 86400 + hh * 3600 + mm * 60);
}

static void
setup(void)
{
	struct md_folder *f;
	struct imap_parse_limits lim;
	char *m4;
	size_t i, n;
	int k, p[2];

	if (rootfd != -1)
		return;
	setenv("TZ", "UTC", 1);
	tzset();
	rootfd = md_tmp(dir);
	put_msg("1000.a:2,", M0, at(1994, 1, 31, 12, 0));
	put_msg("1001.b:2,S", M1, at(1994, 2, 1, 12, 0));
	put_msg("1002.c:2,FR", M2, at(1994, 2, 2, 12, 0));
	put_msg("1003.d:2,D", M3, at(1994, 2, 3, 12, 0));
	/* The first open assigns UIDs 1-4 and makes them non-recent for
	 * the next session. */
	if (md_folder_open(&f, rootfd, "INBOX", 0) != MD_OK)
		exit(2);
	md_folder_close(&f);
	if (unlinkat(rootfd, "cur/1000.a:2,", 0) == -1)
		exit(2);
	/* message 4: over 2000 bytes */
	n = strlen(M4_HEAD) + strlen(M4_TAIL) + 30 * 81 + 1;
	if ((m4 = malloc(n)) == NULL)
		exit(2);
	strcpy(m4, M4_HEAD);
	for (i = 0; i < 30; i++)
		strcat(m4, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	strcat(m4, M4_TAIL);
	put_msg("1004.e:2,T", m4, at(1994, 2, 4, 0, 30));
	free(m4);
	put_msg("1005.f:2,P", M5, at(1994, 2, 5, 12, 0));

	memset(&S, 0, sizeof(S));
	if (md_folder_open(&S.f, rootfd, "INBOX", 0) != MD_OK)
		exit(2);
	k = md_keyword_index(S.f, "$Junk", 1);
	if (k < 0 || md_find_uid(S.f, 5) < 0 ||
	    md_set_keywords(S.f, (size_t)md_find_uid(S.f, 5),
	    (uint64_t)1 << k) != MD_OK || md_sync(S.f, NULL) != MD_OK)
		exit(2);
	if (pipe(p) == -1)
		exit(2);
	io_init(&IO, p[0], p[1], LB_INBUF_MAX);
	S.io = &IO;
	S.user = "test";
	S.rootfd = rootfd;
	S.state = IMAP_STATE_SELECTED;
	(void)snprintf(S.mbox, sizeof(S.mbox), "INBOX");
	(void)snprintf(S.folder, sizeof(S.folder), "INBOX");
	imap_parse_limits_default(&lim);
	if ((PP = imap_parse_new(&lim)) == NULL)
		exit(2);
	S.parser = PP;
	buf_init(&S.scratch, 65536);
	if (imap_sync(&S, 1) == -1 || S.nview != 5)
		exit(2);
	buf_reset(&IO.out);
}

/* Run one command line (without CRLF); its output, then OK/NO/BAD and
 * the response code. */
static const char *
run(const char *line)
{
	char in[8192];
	size_t len, off = 0, used, n;
	enum imap_parse_result pr = IMAP_PARSE_NEED_MORE;
	const struct imap_arg *a;
	const char *cmd;
	enum imap_result r;
	int uid = 0;

	setup();
	len = (size_t)snprintf(in, sizeof(in), "%s\r\n", line);
	while (off < len) {
		pr = imap_parse_feed(PP, in + off, len - off, &used);
		off += used;
		if (pr != IMAP_PARSE_NEED_MORE)
			break;
	}
	if (pr != IMAP_PARSE_DONE)
		return "PARSE ERROR";
	cmd = imap_parse_command(PP);
	a = imap_parse_args(PP, &n);
	if (strcmp(cmd, "UID") == 0) {
		uid = 1;
		a++;
		n--;
	}
	buf_reset(&IO.out);
	S.code[0] = S.text[0] = '\0';
	r = imap_cmd_search(&S, a, n, uid);
	(void)snprintf(result, sizeof(result), "%.*s%s%s%s%s",
	    (int)IO.out.len, IO.out.p,
	    r == IMAP_OK ? "OK" : r == IMAP_NO ? "NO" : r == IMAP_BAD ? "BAD" :
	    "OTHER", S.code[0] ? " [" : "", S.code, S.code[0] ? "]" : "");
	buf_reset(&IO.out);
	return result;
}

#define SEARCH(cmd, expect) CHECK_STR(run(cmd), expect)

TEST(flags)
{
	SEARCH("a SEARCH ALL", "* SEARCH 1 2 3 4 5\r\nOK");
	SEARCH("a UID SEARCH ALL", "* SEARCH 2 3 4 5 6\r\nOK");
	SEARCH("a SEARCH SEEN", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH UNSEEN", "* SEARCH 2 3 4 5\r\nOK");
	SEARCH("a SEARCH ANSWERED", "* SEARCH 2\r\nOK");
	SEARCH("a SEARCH UNANSWERED", "* SEARCH 1 3 4 5\r\nOK");
	SEARCH("a SEARCH flagged", "* SEARCH 2\r\nOK");
	SEARCH("a SEARCH UNFLAGGED", "* SEARCH 1 3 4 5\r\nOK");
	SEARCH("a SEARCH DRAFT", "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH UNDRAFT", "* SEARCH 1 2 4 5\r\nOK");
	SEARCH("a SEARCH DELETED", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH UNDELETED", "* SEARCH 1 2 3 5\r\nOK");
	SEARCH("a SEARCH RECENT", "* SEARCH 4 5\r\nOK");
	SEARCH("a SEARCH NEW", "* SEARCH 4 5\r\nOK");
	SEARCH("a SEARCH OLD", "* SEARCH 1 2 3\r\nOK");
	SEARCH("a SEARCH KEYWORD $Junk", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH KEYWORD $junk", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH UNKEYWORD $Junk", "* SEARCH 1 2 3 5\r\nOK");
	SEARCH("a SEARCH KEYWORD nosuch", "* SEARCH\r\nOK");
	SEARCH("a SEARCH UNKEYWORD nosuch", "* SEARCH 1 2 3 4 5\r\nOK");
	SEARCH("a SEARCH KEYWORD $Forwarded", "* SEARCH 5\r\nOK");
	SEARCH("a UID SEARCH SEEN", "* SEARCH 2\r\nOK");
}

TEST(sets_and_uids)
{
	SEARCH("a SEARCH 2:4", "* SEARCH 2 3 4\r\nOK");
	SEARCH("a SEARCH 2,4:*", "* SEARCH 2 4 5\r\nOK");
	SEARCH("a SEARCH *", "* SEARCH 5\r\nOK");
	SEARCH("a SEARCH 6", "BAD");
	SEARCH("a SEARCH UID 3:5", "* SEARCH 2 3 4\r\nOK");
	SEARCH("a SEARCH UID 1", "* SEARCH\r\nOK");
	SEARCH("a SEARCH UID 6:*", "* SEARCH 5\r\nOK");
	SEARCH("a UID SEARCH 2:3", "* SEARCH 3 4\r\nOK");
	SEARCH("a UID SEARCH 1:2 SEEN", "* SEARCH 2\r\nOK");
	SEARCH("a UID SEARCH UID 4:100", "* SEARCH 4 5 6\r\nOK");
	SEARCH("a SEARCH UID x", "BAD");
	SEARCH("a SEARCH 1:x", "BAD");
	SEARCH("a SEARCH 0", "BAD");
	SEARCH("a UID SEARCH 1:5000", "BAD");
}

TEST(sizes_and_dates)
{
	SEARCH("a SEARCH LARGER 2000", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH SMALLER 2000", "* SEARCH 1 2 3 5\r\nOK");
	SEARCH("a SEARCH LARGER 99999999999", "* SEARCH\r\nOK");
	SEARCH("a SEARCH ON 4-Feb-1994", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH ON \"04-Feb-1994\"", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH BEFORE 3-Feb-1994", "* SEARCH 1 2\r\nOK");
	SEARCH("a SEARCH SINCE 3-Feb-1994", "* SEARCH 3 4 5\r\nOK");
	/* the Date: header's own date, time and zone disregarded */
	SEARCH("a SEARCH SENTON 1-Feb-1994", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH SENTON 2-Feb-1994", "* SEARCH 2\r\nOK");
	SEARCH("a SEARCH SENTON 5-Feb-1994", "* SEARCH 5\r\nOK");
	SEARCH("a SEARCH SENTON 4-Feb-1994", "* SEARCH\r\nOK");
	SEARCH("a SEARCH SENTBEFORE 2-Feb-1994", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH SENTSINCE 2-Feb-1994", "* SEARCH 2 4 5\r\nOK");
	SEARCH("a SEARCH SENTON 21-Nov-1997", "* SEARCH 4\r\nOK");
	/* no Date: field: no SENT* key matches */
	SEARCH("a SEARCH NOT SENTBEFORE 1-Jan-2100", "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH BEFORE 30-Feb-1994", "BAD");
	SEARCH("a SEARCH SINCE 1994-02-01", "BAD");
	SEARCH("a SEARCH SENTON", "BAD");
}

TEST(dates_local_zone)
{
	setup();
	/* INTERNALDATE of message 4 is 4-Feb-1994 00:30 UTC: the 3rd in
	 * New York */
	setenv("TZ", "EST5", 1);
	tzset();
	SEARCH("a SEARCH ON 3-Feb-1994", "* SEARCH 3 4\r\nOK");
	SEARCH("a SEARCH SENTON 1-Feb-1994", "* SEARCH 1\r\nOK");
	setenv("TZ", "UTC", 1);
	tzset();
	SEARCH("a SEARCH ON 3-Feb-1994", "* SEARCH 3\r\nOK");
}

TEST(headers)
{
	SEARCH("a SEARCH FROM alice", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH FROM \"ALICE example\"", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH FROM \"J\xc3\xbcrgen\"", "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH CHARSET UTF-8 FROM \"J\xc3\x9cRGEN\"",
	    "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH TO alice", "* SEARCH 5\r\nOK");
	SEARCH("a SEARCH CC dave", "* SEARCH 2\r\nOK");
	SEARCH("a SEARCH BCC eve", "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH SUBJECT \"hello WORLD\"", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH SUBJECT \"caf\xc3\xa9 menu\"", "* SEARCH 5\r\nOK");
	SEARCH("a SEARCH SUBJECT zebra", "* SEARCH\r\nOK");
	SEARCH("a SEARCH HEADER X-Spam-Flag yes", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH HEADER x-spam-flag \"\"", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH HEADER Message-ID \"\"", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH HEADER X-Nothing \"\"", "* SEARCH\r\nOK");
	SEARCH("a SEARCH HEADER Subject report", "* SEARCH 2\r\nOK");
	/* the field name is not part of what HEADER searches */
	SEARCH("a SEARCH HEADER Subject subject", "* SEARCH\r\nOK");
	SEARCH("a SEARCH HEADER", "BAD");
	SEARCH("a SEARCH HEADER Subject", "BAD");
	SEARCH("a SEARCH FROM", "BAD");
}

TEST(cyrillic)
{
	/* windows-1251 B-encoded subject */
	SEARCH("a SEARCH CHARSET UTF-8 SUBJECT "
	    "\"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\"",
	    "* SEARCH 3\r\nOK");
	/* KOI8-R quoted-printable body (split by a soft line break) and a
	 * base64 UTF-8 part in upper case */
	SEARCH("a SEARCH CHARSET UTF-8 BODY "
	    "\"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\"",
	    "* SEARCH 2 3\r\nOK");
	SEARCH("a SEARCH BODY "
	    "\"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2, bob\"",
	    "* SEARCH 2\r\nOK");
	/* the search string in KOI8-R, as a literal */
	SEARCH("a SEARCH CHARSET KOI8-R TEXT {6+}\r\n"
	    "\xd0\xd2\xc9\xd7\xc5\xd4",
	    "* SEARCH 2 3\r\nOK");
	SEARCH("a SEARCH CHARSET koi8-r SUBJECT \"\xd0\xd2\xc9\xd7\xc5\xd4\"",
	    "* SEARCH 3\r\nOK");
}

TEST(bodies)
{
	SEARCH("a SEARCH BODY \"quick BROWN\"", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH BODY alice", "* SEARCH\r\nOK");
	SEARCH("a SEARCH TEXT alice", "* SEARCH 1 5\r\nOK");
	SEARCH("a SEARCH TEXT \"subject: hello\"", "* SEARCH 1\r\nOK");
	SEARCH("a SEARCH BODY \"gr\xc3\xbc\xc3\x9f" "e aus\"",
	    "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH BODY \"CAF\xc3\x89\"", "* SEARCH 5\r\nOK");
	SEARCH("a SEARCH BODY \"caf\xc3\xa9 cr\xc3\xa8me\"", "* SEARCH 5\r\nOK");
	/* accent-sensitive */
	SEARCH("a SEARCH BODY cafe", "* SEARCH\r\nOK");
	/* non-text parts are not searched */
	SEARCH("a SEARCH TEXT secretword", "* SEARCH\r\nOK");
	/* an attached message: its body and header are in the body */
	SEARCH("a SEARCH BODY giraffe", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH TEXT giraffe", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH BODY zebra", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH TEXT \"inner subject ZEBRA\"", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH BODY \"\"", "* SEARCH 1 2 3 4 5\r\nOK");
	SEARCH("a SEARCH BODY", "BAD");
	SEARCH("a SEARCH BODY giraffe BODY attached", "* SEARCH 4\r\nOK");
	SEARCH("a SEARCH BODY giraffe BODY quick", "* SEARCH\r\nOK");
}

TEST(logic)
{
	SEARCH("a SEARCH OR SEEN FLAGGED", "* SEARCH 1 2\r\nOK");
	SEARCH("a SEARCH NOT OR SEEN FLAGGED", "* SEARCH 3 4 5\r\nOK");
	SEARCH("a SEARCH (OR SEEN (FLAGGED ANSWERED)) NOT DELETED",
	    "* SEARCH 1 2\r\nOK");
	SEARCH("a SEARCH OR (BODY giraffe) OR SUBJECT hello TO alice",
	    "* SEARCH 1 4 5\r\nOK");
	SEARCH("a SEARCH NOT NOT NOT SEEN", "* SEARCH 2 3 4 5\r\nOK");
	SEARCH("a SEARCH OR OR OR FROM alice FROM carol FROM zed 3",
	    "* SEARCH 1 2 3 4\r\nOK");
	SEARCH("a SEARCH NOT (SEEN)", "* SEARCH 2 3 4 5\r\nOK");
	SEARCH("a SEARCH UNSEEN NOT BODY giraffe SMALLER 2000",
	    "* SEARCH 2 3 5\r\nOK");
	SEARCH("a SEARCH 1:3 NOT 2", "* SEARCH 1 3\r\nOK");
	SEARCH("a SEARCH OR SEEN", "BAD");
	SEARCH("a SEARCH NOT", "BAD");
	SEARCH("a SEARCH ()", "BAD");
}

TEST(deep_nesting)
{
	char line[4096];
	size_t i, len;

	len = (size_t)snprintf(line, sizeof(line), "a SEARCH");
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " NOT");
	(void)snprintf(line + len, sizeof(line) - len, " SEEN");
	SEARCH(line, "* SEARCH 1\r\nOK");
	len = (size_t)snprintf(line, sizeof(line), "a SEARCH");
	for (i = 0; i < LB_SEARCH_DEPTH_MAX + 10; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " NOT");
	(void)snprintf(line + len, sizeof(line) - len, " SEEN");
	SEARCH(line, "BAD");
	CHECK_STR(S.text, "Search keys nested too deeply");
	len = (size_t)snprintf(line, sizeof(line), "a SEARCH");
	for (i = 0; i < 400; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " OR");
	for (i = 0; i < 401; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " 1");
	SEARCH(line, "BAD");
}

TEST(errors)
{
	SEARCH("a SEARCH", "BAD");
	SEARCH("a SEARCH FOO", "BAD");
	CHECK_STR(S.text, "Unknown search key");
	SEARCH("a SEARCH LARGER x", "BAD");
	SEARCH("a SEARCH KEYWORD", "BAD");
	SEARCH("a SEARCH CHARSET", "BAD");
	SEARCH("a SEARCH RETURN (FOO) ALL", "BAD");
	SEARCH("a SEARCH RETURN ALL", "BAD");
	SEARCH("a SEARCH CHARSET X-UNKNOWN BODY a",
	    "NO [BADCHARSET (UTF-8 US-ASCII KOI8-R WINDOWS-1251 ISO-8859-1 "
	    "WINDOWS-1252 ISO-8859-2 ISO-8859-5 ISO-8859-15 KOI8-U ISO-8859-3 "
	    "ISO-8859-4 ISO-8859-6 ISO-8859-7 ISO-8859-8 ISO-8859-9 "
	    "ISO-8859-10 ISO-8859-13 ISO-8859-14 ISO-8859-16 WINDOWS-1250 "
	    "WINDOWS-1253 WINDOWS-1254 WINDOWS-1255 WINDOWS-1256 WINDOWS-1257 "
	    "WINDOWS-1258 WINDOWS-874 IBM866 X-MAC-CYRILLIC)]");
	CHECK(strlen(S.code) < sizeof(S.code));
}

TEST(esearch)
{
	SEARCH("a SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN",
	    "* ESEARCH (TAG \"a\") MIN 2 MAX 5 COUNT 4 ALL 2:5\r\nOK");
	SEARCH("a UID SEARCH RETURN (ALL COUNT) NOT FLAGGED",
	    "* ESEARCH (TAG \"a\") UID COUNT 4 ALL 2,4:6\r\nOK");
	SEARCH("a SEARCH RETURN () OR SEEN DRAFT",
	    "* ESEARCH (TAG \"a\") ALL 1,3\r\nOK");
	SEARCH("a SEARCH RETURN (MIN COUNT) KEYWORD nosuch",
	    "* ESEARCH (TAG \"a\") COUNT 0\r\nOK");
	SEARCH("a SEARCH RETURN (MAX) KEYWORD nosuch",
	    "* ESEARCH (TAG \"a\")\r\nOK");
	SEARCH("a UID SEARCH RETURN (min max) UID 1:5000",
	    "* ESEARCH (TAG \"a\") UID MIN 2 MAX 6\r\nOK");
	SEARCH("a SEARCH RETURN (COUNT) CHARSET UTF-8 BODY giraffe",
	    "* ESEARCH (TAG \"a\") COUNT 1\r\nOK");
}

TEST(searchres)
{
	SEARCH("a SEARCH RETURN (SAVE) FLAGGED", "OK");
	SEARCH("a SEARCH $", "* SEARCH 2\r\nOK");
	SEARCH("a UID SEARCH UID $", "* SEARCH 3\r\nOK");
	SEARCH("a SEARCH OR $ SEEN", "* SEARCH 1 2\r\nOK");
	SEARCH("a UID SEARCH RETURN (SAVE MIN) UNSEEN",
	    "* ESEARCH (TAG \"a\") UID MIN 3\r\nOK");
	SEARCH("a SEARCH $", "* SEARCH 2\r\nOK");
	SEARCH("a SEARCH RETURN (SAVE MAX MIN) UNSEEN",
	    "* ESEARCH (TAG \"a\") MIN 2 MAX 5\r\nOK");
	SEARCH("a SEARCH $", "* SEARCH 2 5\r\nOK");
	SEARCH("a SEARCH RETURN (SAVE COUNT MIN) UNSEEN",
	    "* ESEARCH (TAG \"a\") MIN 2 COUNT 4\r\nOK");
	SEARCH("a SEARCH $", "* SEARCH 2 3 4 5\r\nOK");
	/* a BAD search leaves it alone, a NO one empties it */
	SEARCH("a SEARCH RETURN (SAVE) FOO", "BAD");
	SEARCH("a SEARCH $", "* SEARCH 2 3 4 5\r\nOK");
	SEARCH("a SEARCH RETURN (SAVE) CHARSET X-UNKNOWN BODY a",
	    "NO [BADCHARSET (UTF-8 US-ASCII KOI8-R WINDOWS-1251 ISO-8859-1 "
	    "WINDOWS-1252 ISO-8859-2 ISO-8859-5 ISO-8859-15 KOI8-U ISO-8859-3 "
	    "ISO-8859-4 ISO-8859-6 ISO-8859-7 ISO-8859-8 ISO-8859-9 "
	    "ISO-8859-10 ISO-8859-13 ISO-8859-14 ISO-8859-16 WINDOWS-1250 "
	    "WINDOWS-1253 WINDOWS-1254 WINDOWS-1255 WINDOWS-1256 WINDOWS-1257 "
	    "WINDOWS-1258 WINDOWS-874 IBM866 X-MAC-CYRILLIC)]");
	SEARCH("a SEARCH $", "* SEARCH\r\nOK");
	SEARCH("a SEARCH RETURN (SAVE) KEYWORD nosuch", "OK");
	SEARCH("a SEARCH $", "* SEARCH\r\nOK");
}

TEST(modseq)
{
	char want[512];
	uint64_t hi = 0, m3 = 0;
	size_t vi;
	const struct md_msg *m;

	setup();
	for (vi = 0; vi < S.nview; vi++) {
		m = imap_view_msg(&S, vi);
		if (m->modseq > hi)
			hi = m->modseq;
		if (vi == 2)
			m3 = m->modseq;
	}
	CHECK(hi > 0);
	S.condstore = 0;
	/* the first MODSEQ key enables CONDSTORE (RFC 7162 sec. 3.1) */
	(void)snprintf(want, sizeof(want), "* OK [HIGHESTMODSEQ %llu] "
	    "Highest\r\n* SEARCH 1 2 3 4 5 (MODSEQ %llu)\r\nOK",
	    (unsigned long long)md_highestmodseq(S.f),
	    (unsigned long long)hi);
	SEARCH("a SEARCH MODSEQ 1", want);
	CHECK(S.condstore);
	(void)snprintf(want, sizeof(want), "* SEARCH 3 (MODSEQ %llu)\r\nOK",
	    (unsigned long long)m3);
	SEARCH("a SEARCH MODSEQ \"/flags/\\\\draft\" all 0 DRAFT", want);
	SEARCH("a SEARCH MODSEQ 99999999999", "* SEARCH\r\nOK");
	SEARCH("a SEARCH OR NOT MODSEQ 1 LARGER 50000", "* SEARCH\r\nOK");
	(void)snprintf(want, sizeof(want),
	    "* ESEARCH (TAG \"a\") MIN 3 MODSEQ %llu\r\nOK",
	    (unsigned long long)m3);
	SEARCH("a SEARCH RETURN (MIN) MODSEQ 0 DRAFT", want);
	SEARCH("a SEARCH MODSEQ x", "BAD");
	SEARCH("a SEARCH MODSEQ \"/flags/\\\\draft\" nope 1", "BAD");
	SEARCH("a SEARCH MODSEQ \"/other\" all 1", "BAD");
	S.condstore = 0;
}

/* Random programs from key fragments: never a crash, always an answer. */
TEST(random_programs)
{
	static const char *tok[] = {
		"ALL", "NOT", "OR", "(", ")", "SEEN", "BODY", "TEXT", "fox",
		"\"\"", "HEADER", "Subject", "UID", "1:*", "2", "$", "*",
		"SENTON", "1-Feb-1994", "LARGER", "10", "KEYWORD", "$Junk",
		"MODSEQ", "0", "CHARSET", "UTF-8", "RETURN", "(MIN)", "()",
		"FROM", "{3+}\r\nabc", "\"\xd0\xbf\"", "NEW", "UNSEEN",
	};
	char line[1024];
	const char *r;
	unsigned seed = 7;
	size_t len, i, k, nt;
	int depth;

	setup();
	for (k = 0; k < 3000; k++) {
		seed = seed * 1103515245 + 12345;
		nt = 1 + (seed >> 16) % 10;
		len = (size_t)snprintf(line, sizeof(line), "a %sSEARCH",
		    (seed >> 8) & 1 ? "UID " : "");
		depth = 0;
		for (i = 0; i < nt; i++) {
			const char *t;

			seed = seed * 1103515245 + 12345;
			t = tok[(seed >> 16) % (sizeof(tok) / sizeof(tok[0]))];
			if (strcmp(t, ")") == 0 && depth == 0)
				continue;
			depth += strcmp(t, "(") == 0;
			depth -= strcmp(t, ")") == 0;
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s", strcmp(t, ")") == 0 ||
			    line[len - 1] == '(' ? "" : " ", t);
		}
		while (depth-- > 0)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    ")");
		r = run(line);
		CHECK(strstr(r, "OTHER") == NULL);
		CHECK(strcmp(r, "PARSE ERROR") != 0 || strstr(line, "()"));
	}
	S.condstore = 0;
	seqset_free(&S.saved);
}

/* Long text: needles across decoder chunks and across the cut of a line
 * without line breaks; text after LB_SEARCH_READ_MAX is not searched. */
TEST(zy_big)
{
	struct buf b;
	size_t i;
	char *b64in;
	struct buf enc;

	setup();
	buf_init(&b, 0);
	buf_init(&enc, 0);
	(void)buf_puts(&b, "From: big@example.com\nSubject: big\n"
	    "Content-Type: multipart/mixed; boundary=\"Q\"\n\n--Q\n"
	    "Content-Type: text/plain\n\n");
	/* one line of 300000 bytes; "zigzag" across the forced cut at
	 * 256 KiB */
	for (i = 0; i < 300000; i++)
		(void)buf_putc(&b, i == 262141 ? 'z' : i == 262142 ? 'i' :
		    i == 262143 ? 'g' : i == 262144 ? 'z' : i == 262145 ? 'a' :
		    i == 262146 ? 'g' : 'y');
	(void)buf_puts(&b, "\n--Q\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\n");
	/* base64 text whose "wombat" spans the first 64 KiB of raw data */
	if ((b64in = malloc(60001)) == NULL)
		exit(2);
	memset(b64in, 'c', 60000);
	memcpy(b64in + 49150, "wombat", 6);
	b64in[59999] = '\n';
	(void)b64_encode(b64in, 60000, &enc);
	free(b64in);
	for (i = 0; i < enc.len; i += 76) {
		(void)buf_append(&b, enc.p + i, enc.len - i < 76 ?
		    enc.len - i : 76);
		(void)buf_putc(&b, '\n');
	}
	(void)buf_puts(&b, "--Q--\n");
	(void)buf_cstr(&b);
	put_msg("1006.g:2,S", b.p, at(1994, 2, 6, 12, 0));
	buf_reset(&b);
	/* message 7: a text body longer than the read bound */
	(void)buf_puts(&b, "From: huge@example.com\n\nearlyneedle\n");
	while (b.len < LB_SEARCH_READ_MAX + 4096)
		(void)buf_puts(&b, "filler filler filler filler filler filler\n");
	(void)buf_puts(&b, "lateneedle\n");
	(void)buf_cstr(&b);
	put_msg("1007.h:2,S", b.p, at(1994, 2, 7, 12, 0));
	buf_free(&b);
	buf_free(&enc);
	CHECK(imap_sync(&S, 0) == 0 && S.nview == 7);
	buf_reset(&IO.out);

	SEARCH("a SEARCH BODY zigzag", "* SEARCH 6\r\nOK");
	SEARCH("a SEARCH BODY yzigzagy", "* SEARCH 6\r\nOK");
	SEARCH("a SEARCH BODY wombat", "* SEARCH 6\r\nOK");
	SEARCH("a SEARCH BODY cwombatc", "* SEARCH 6\r\nOK");
	SEARCH("a SEARCH TEXT earlyneedle", "* SEARCH 7\r\nOK");
	SEARCH("a SEARCH TEXT lateneedle", "* SEARCH\r\nOK");
	SEARCH("a SEARCH LARGER 16000000", "* SEARCH 7\r\nOK");
}

/* Last: changes the mailbox behind the view. */
TEST(zz_gone)
{
	setup();
	/* message 2 expunged by another process: it stays in the view
	 * (no EXPUNGE during SEARCH) but never matches */
	CHECK(unlinkat(rootfd, "cur/1002.c:2,FR", 0) == 0);
	CHECK(md_sync(S.f, NULL) == MD_OK);
	SEARCH("a SEARCH 1:5", "* SEARCH 1 3 4 5\r\nOK");
	SEARCH("a SEARCH NOT SEEN", "* SEARCH 3 4 5\r\nOK");
	SEARCH("a SEARCH 1:5 NOT BODY nothing-like-this",
	    "* SEARCH 1 3 4 5\r\nOK");
	CHECK(S.nview == 7);
	imap_parse_free(&PP);
	md_folder_close(&S.f);
	free(S.view);
	seqset_free(&S.saved);
	buf_free(&S.scratch);
	io_free(&IO);
	close(rootfd);
	rm_rf(dir);
}
