/*
 * tests/unit/test_imap_list.c -- imap/list.c and imap/mboxname.c: LIST
 * (plain, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE), LSUB, CREATE, DELETE,
 * RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS on a temporary Maildir, with a
 * real session struct (output through common/io over a pipe) and commands
 * parsed by the real parser.  The tagged line is written as the core does
 * ("tag OK [CODE] text").
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/config.h"
#include "imap/imapd.h"
#include "imap/list.h"
#include "maildir/folders.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

struct fx {
	char	 dir[64];
	int	 pipefd[2];
	struct io io;
	struct config conf;
	struct imap_session s;
	struct imap_parser *p;
};

static void
fx_open(struct fx *x)
{
	struct imap_parse_limits lim;

	memset(x, 0, sizeof(*x));
	x->s.rootfd = md_tmp(x->dir);
	if (pipe(x->pipefd) == -1)
		exit(2);
	io_init(&x->io, x->pipefd[0], x->pipefd[1], LB_INBUF_MAX);
	config_defaults(&x->conf, "imapd");
	x->s.io = &x->io;
	x->s.conf = &x->conf;
	x->s.user = "test";
	x->s.state = IMAP_STATE_AUTH;
	buf_init(&x->s.scratch, 1 << 20);
	imap_parse_limits_default(&lim);
	x->p = imap_parse_new(&lim);
}

static void
fx_close(struct fx *x)
{
	if (x->s.f != NULL)
		md_folder_close(&x->s.f);
	imap_parse_free(&x->p);
	buf_free(&x->s.scratch);
	io_free(&x->io);
	close(x->pipefd[0]);
	close(x->pipefd[1]);
	close(x->s.rootfd);
	rm_rf(x->dir);
}

static const struct {
	const char *name;
	imap_handler *fn;
} cmds[] = {
	{ "LIST", imap_cmd_list }, { "LSUB", imap_cmd_lsub },
	{ "CREATE", imap_cmd_create }, { "DELETE", imap_cmd_delete },
	{ "RENAME", imap_cmd_rename }, { "SUBSCRIBE", imap_cmd_subscribe },
	{ "UNSUBSCRIBE", imap_cmd_unsubscribe },
	{ "STATUS", imap_cmd_status },
};

/* Run one command line (tag "A" added) and return everything written. */
static const char *
run(struct fx *x, const char *line)
{
	static char out[65536];
	static const char *const word[] = { "OK", "NO", "BAD" };
	char in[4096];
	const struct imap_arg *args;
	enum imap_parse_result pr;
	enum imap_result r = IMAP_BAD;
	size_t used, n, i, off = 0, len;
	const char *name;
	ssize_t got;

	len = (size_t)snprintf(in, sizeof(in), "A %s\r\n", line);
	for (;;) {
		pr = imap_parse_feed(x->p, in + off, len - off, &used);
		off += used;
		if (pr != IMAP_PARSE_NEED_MORE &&
		    pr != IMAP_PARSE_LITERAL_CONTINUE)
			break;
		if (off == len && pr == IMAP_PARSE_NEED_MORE)
			return "(parser wants more)";
	}
	if (pr != IMAP_PARSE_DONE)
		return "(parse error)";
	name = imap_parse_command(x->p);
	args = imap_parse_args(x->p, &n);
	x->s.code[0] = x->s.text[0] = '\0';
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			r = cmds[i].fn(&x->s, args, n, 0);
	if (x->s.code[0] != '\0')
		(void)imap_printf(&x->s, "A %s [%s] %s\r\n", word[r],
		    x->s.code, x->s.text);
	else
		(void)imap_printf(&x->s, "A %s %s\r\n", word[r], x->s.text);
	(void)io_flush(&x->io);
	got = read(x->pipefd[0], out, sizeof(out) - 1);
	out[got > 0 ? got : 0] = '\0';
	return out;
}

#define CRLF "\r\n"

static void
mk(struct fx *x, const char *folder)
{
	CHECK(md_folder_create(x->s.rootfd, folder) == MD_OK);
}

/* ------------------------------------------------------------------ */

TEST(mbox_mapping)
{
	struct fx x;
	char f[256];
	const char *why;

	fx_open(&x);
#define MAP(n) imap_mbox_to_folder(&x.s, n, strlen(n), f, sizeof(f), &why)
	CHECK(MAP("inbox") == 0);
	CHECK_STR(f, "INBOX");
	CHECK(MAP("Inbox.Sub") == 0);
	CHECK_STR(f, "INBOX.Sub");
	CHECK(MAP("&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-") == 0);
	CHECK_STR(f, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
	CHECK(MAP("&Jjo") == -1);		/* unterminated */
	CHECK(strstr(why, "modified UTF-7") != NULL);
	CHECK(MAP("&AGE-") == -1);		/* ASCII 'a' in base64 */
	CHECK(MAP("a..b") == -1);
	CHECK(strstr(why, "..") != NULL);
	CHECK(MAP("a/b") == -1);
	CHECK(MAP(".a") == -1);
	CHECK(MAP("a.") == -1);
	CHECK(MAP("") == -1);
	CHECK(MAP("a\tb") == -1);
	CHECK(MAP("&AAE-") == -1);		/* U+0001 hidden in base64 */
	CHECK(MAP("caf\xc3\xa9") == -1);	/* 8-bit without UTF8=ACCEPT */
	x.s.utf8 = 1;
	CHECK(MAP("Отправленные") == 0);
	CHECK_STR(f, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
	CHECK(MAP("R&D") == 0);
	CHECK_STR(f, "R&-D");
	CHECK(MAP("bad\xff") == -1);
#undef MAP
	fx_close(&x);
}

TEST(create_list_basic)
{
	struct fx x;

	fx_open(&x);
	CHECK_STR(run(&x, "LIST \"\" \"\""),
	    "* LIST (\\Noselect) \".\" \"\"" CRLF "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "CREATE Work"), "A OK CREATE completed." CRLF);
	CHECK_STR(run(&x, "CREATE Work.2024"), "A OK CREATE completed." CRLF);
	CHECK_STR(run(&x, "CREATE Work"),
	    "A NO [ALREADYEXISTS] Mailbox already exists" CRLF);
	CHECK_STR(run(&x, "CREATE inbox"),
	    "A NO [ALREADYEXISTS] INBOX always exists" CRLF);
	/* Trailing separator: the folder itself is created. */
	CHECK_STR(run(&x, "CREATE Proj."), "A OK CREATE completed." CRLF);
	/* A.B without A: only .A.B; A is an implied parent. */
	CHECK_STR(run(&x, "CREATE Lists.debian"),
	    "A OK CREATE completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\Noselect \\HasChildren) \".\" \"Lists\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Lists.debian\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Proj\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"Work\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Work.2024\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" %"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\Noselect \\HasChildren) \".\" \"Lists\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Proj\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"Work\"" CRLF
	    "A OK LIST completed." CRLF);
	/* Reference + pattern, and case-insensitive INBOX. */
	CHECK_STR(run(&x, "LIST Work. %"),
	    "* LIST (\\HasNoChildren) \".\" \"Work.2024\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" inBOX"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" W*4"),
	    "* LIST (\\HasNoChildren) \".\" \"Work.2024\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" W%4"), "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" nothing*"), "A OK LIST completed." CRLF);
	fx_close(&x);
}

TEST(create_bad_names)
{
	struct fx x;

	fx_open(&x);
	CHECK_STR(run(&x, "CREATE &Jjo"), "A NO [CANNOT] Invalid modified "
	    "UTF-7 in mailbox name (RFC 3501 sec. 5.1.3)" CRLF);
	CHECK(strncmp(run(&x, "CREATE &AGE-"), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE a..b"), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE a/b"), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE .hidden"), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE \"a\tb\""), "A NO [CANNOT] ", 14) ==
	    0);
	CHECK(strncmp(run(&x, "CREATE {3}\r\na\001b"), "A NO [CANNOT] ", 14)
	    == 0);
	CHECK(strncmp(run(&x, "CREATE \"a%\""), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE \"a*b\""), "A NO [CANNOT] ", 14) == 0);
	CHECK(strncmp(run(&x, "CREATE"), "A BAD ", 6) == 0);
	/* Nothing was created by any of them. */
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "A OK LIST completed." CRLF);
	fx_close(&x);
}

TEST(cyrillic_roundtrip)
{
	struct fx x;
	struct md_folder *f;
	char folder[256];
	const char *why;

	fx_open(&x);
	CHECK_STR(run(&x, "CREATE &BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
	    "A OK CREATE completed." CRLF);
	/* «Черновики» created by a UTF8=ACCEPT client. */
	x.s.utf8 = 1;
	CHECK_STR(run(&x, "CREATE \"Черновики\""),
	    "A OK CREATE completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Отправленные\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Черновики\"" CRLF
	    "A OK LIST completed." CRLF);
	/* A UTF-8 pattern. */
	CHECK_STR(run(&x, "LIST \"\" \"Ч*\""),
	    "* LIST (\\HasNoChildren) \".\" \"Черновики\"" CRLF
	    "A OK LIST completed." CRLF);
	x.s.utf8 = 0;
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" "
	    "\"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"&BCcENQRABD0EPgQyBDgEOgQ4-\""
	    CRLF "A OK LIST completed." CRLF);
	/* A mUTF-7 pattern with a wildcard after a whole character. */
	CHECK_STR(run(&x, "LIST \"\" &BCc-*"),
	    "* LIST (\\HasNoChildren) \".\" \"&BCcENQRABD0EPgQyBDgEOgQ4-\""
	    CRLF "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "RENAME &BCcENQRABD0EPgQyBDgEOgQ4- "
	    "&BCcENQRABD0EPgQyBDgEOgQ4-.2024"),
	    "A NO [CANNOT] Cannot rename a mailbox into itself or to that "
	    "name" CRLF);
	CHECK_STR(run(&x, "RENAME &BCcENQRABD0EPgQyBDgEOgQ4- Drafts"),
	    "A OK RENAME completed." CRLF);
	CHECK_STR(run(&x, "RENAME Drafts &BCcENQRABD0EPgQyBDgEOgQ4-"),
	    "A OK RENAME completed." CRLF);
	/* What SELECT does with the name: map, then open. */
	CHECK(imap_mbox_to_folder(&x.s, "&BCcENQRABD0EPgQyBDgEOgQ4-", 26,
	    folder, sizeof(folder), &why) == 0);
	CHECK(md_folder_open(&f, x.s.rootfd, folder, 0) == MD_OK);
	md_folder_close(&f);
	CHECK_STR(run(&x, "STATUS &BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1- "
	    "(MESSAGES)"),
	    "* STATUS \"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\" (MESSAGES 0)"
	    CRLF "A OK STATUS completed." CRLF);
	fx_close(&x);
}

TEST(delete_and_rename)
{
	struct fx x;

	fx_open(&x);
	mk(&x, "A");
	mk(&x, "A.B");
	mk(&x, "A.B.C");
	CHECK_STR(run(&x, "DELETE INBOX"),
	    "A NO [CANNOT] INBOX cannot be deleted" CRLF);
	CHECK_STR(run(&x, "DELETE Nope"),
	    "A NO [NONEXISTENT] Mailbox doesn't exist" CRLF);
	CHECK_STR(run(&x, "DELETE A"), "A OK DELETE completed." CRLF);
	/* The parent is gone; its children stay under a \Noselect A. */
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\Noselect \\HasChildren) \".\" \"A\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"A.B\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"A.B.C\"" CRLF
	    "A OK LIST completed." CRLF);
	/* RFC 3501 6.3.4: \Noselect with inferiors cannot be deleted. */
	CHECK_STR(run(&x, "DELETE A"),
	    "A NO [NONEXISTENT] Mailbox doesn't exist" CRLF);
	CHECK_STR(run(&x, "RENAME A.B X"), "A OK RENAME completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"X\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"X.C\"" CRLF
	    "A OK LIST completed." CRLF);
	mk(&x, "Y");
	CHECK_STR(run(&x, "RENAME X Y"),
	    "A NO [ALREADYEXISTS] Mailbox already exists" CRLF);
	CHECK_STR(run(&x, "RENAME Nope Z"),
	    "A NO [NONEXISTENT] Mailbox doesn't exist" CRLF);
	CHECK_STR(run(&x, "RENAME X INBOX"),
	    "A NO [ALREADYEXISTS] INBOX always exists" CRLF);
	CHECK(strncmp(run(&x, "RENAME X \"Z*\""), "A NO [CANNOT] ", 14) ==
	    0);
	CHECK(strncmp(run(&x, "RENAME X a..b"), "A NO [CANNOT] ", 14) == 0);
	fx_close(&x);
}

TEST(rename_inbox)
{
	struct fx x;

	fx_open(&x);
	CHECK(deliver(x.s.rootfd, "INBOX", "Subject: 1\n\none\n", NULL) ==
	    MD_OK);
	CHECK(deliver(x.s.rootfd, "INBOX", "Subject: 2\n\ntwo\n", NULL) ==
	    MD_OK);
	mk(&x, "INBOX.Sub");
	CHECK_STR(run(&x, "RENAME inbox Old"), "A OK RENAME completed." CRLF);
	CHECK_STR(run(&x, "STATUS Old (MESSAGES UNSEEN UIDNEXT)"),
	    "* STATUS \"Old\" (MESSAGES 2 UNSEEN 2 UIDNEXT 3)" CRLF
	    "A OK STATUS completed." CRLF);
	CHECK_STR(run(&x, "STATUS INBOX (MESSAGES)"),
	    "* STATUS \"INBOX\" (MESSAGES 0)" CRLF
	    "A OK STATUS completed." CRLF);
	/* INBOX's inferiors are unaffected. */
	CHECK_STR(run(&x, "LIST \"\" *"),
	    "* LIST (\\HasChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"INBOX.Sub\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Old\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "RENAME INBOX Old"),
	    "A NO [ALREADYEXISTS] Mailbox already exists" CRLF);
	fx_close(&x);
}

TEST(subscribe_lsub)
{
	struct fx x;

	fx_open(&x);
	mk(&x, "Foo");
	mk(&x, "Foo.Bar");
	mk(&x, "Moo");
	CHECK_STR(run(&x, "SUBSCRIBE Foo.Bar"),
	    "A OK SUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "SUBSCRIBE Gone.Away"),
	    "A OK SUBSCRIBE completed." CRLF);
	CHECK(strncmp(run(&x, "SUBSCRIBE &Jjo"), "A NO [CANNOT] ", 14) == 0);
	CHECK_STR(run(&x, "LSUB \"\" *"),
	    "* LSUB () \".\" \"Foo.Bar\"" CRLF
	    "* LSUB () \".\" \"Gone.Away\"" CRLF
	    "A OK LSUB completed." CRLF);
	/* RFC 3501 6.3.9: "%" shows unsubscribed parents as \Noselect. */
	CHECK_STR(run(&x, "LSUB \"\" %"),
	    "* LSUB (\\Noselect) \".\" \"Foo\"" CRLF
	    "* LSUB (\\Noselect) \".\" \"Gone\"" CRLF
	    "A OK LSUB completed." CRLF);
	CHECK_STR(run(&x, "UNSUBSCRIBE Gone.Away"),
	    "A OK UNSUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "UNSUBSCRIBE Gone.Away"),
	    "A OK UNSUBSCRIBE completed." CRLF);
	/* Subscriptions follow a RENAME. */
	CHECK_STR(run(&x, "RENAME Foo Fu"), "A OK RENAME completed." CRLF);
	CHECK_STR(run(&x, "LSUB \"\" *"),
	    "* LSUB () \".\" \"Fu.Bar\"" CRLF "A OK LSUB completed." CRLF);
	fx_close(&x);
}

/* RFC 5258 sec. 5, examples 1-3, 8 and 10 on our separator. */
TEST(list_extended_rfc_examples)
{
	struct fx x;

	fx_open(&x);
	mk(&x, "Fruit");
	mk(&x, "Fruit.Apple");
	mk(&x, "Fruit.Banana");
	mk(&x, "Tofu");
	mk(&x, "Vegetable");
	mk(&x, "Vegetable.Broccoli");
	mk(&x, "Vegetable.Corn");
	CHECK_STR(run(&x, "SUBSCRIBE INBOX"), "A OK SUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "SUBSCRIBE Fruit.Banana"),
	    "A OK SUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "SUBSCRIBE Fruit.Peach"),
	    "A OK SUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "SUBSCRIBE Vegetable"),
	    "A OK SUBSCRIBE completed." CRLF);
	CHECK_STR(run(&x, "SUBSCRIBE Vegetable.Broccoli"),
	    "A OK SUBSCRIBE completed." CRLF);
	/* Example 2. */
	CHECK_STR(run(&x, "LIST (SUBSCRIBED) \"\" \"*\""),
	    "* LIST (\\Subscribed) \".\" \"INBOX\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Fruit.Banana\"" CRLF
	    "* LIST (\\NonExistent \\Subscribed) \".\" \"Fruit.Peach\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Vegetable\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Vegetable.Broccoli\"" CRLF
	    "A OK LIST completed." CRLF);
	/* Example 3. */
	CHECK_STR(run(&x, "LIST () \"\" \"%\" RETURN (CHILDREN)"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"Fruit\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Tofu\"" CRLF
	    "* LIST (\\HasChildren) \".\" \"Vegetable\"" CRLF
	    "A OK LIST completed." CRLF);
	/* Example 6 (REMOTE is accepted and changes nothing). */
	CHECK_STR(run(&x, "LIST (REMOTE) \"\" \"*\" RETURN (SUBSCRIBED)"),
	    "* LIST (\\Subscribed) \".\" \"INBOX\"" CRLF
	    "* LIST () \".\" \"Fruit\"" CRLF
	    "* LIST () \".\" \"Fruit.Apple\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Fruit.Banana\"" CRLF
	    "* LIST () \".\" \"Tofu\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Vegetable\"" CRLF
	    "* LIST (\\Subscribed) \".\" \"Vegetable.Broccoli\"" CRLF
	    "* LIST () \".\" \"Vegetable.Corn\"" CRLF
	    "A OK LIST completed." CRLF);
	/* Example 7: several patterns. */
	CHECK_STR(run(&x, "LIST \"\" (\"INBOX\" \"Tofu\" \"Fruit.%\")"),
	    "* LIST () \".\" \"INBOX\"" CRLF
	    "* LIST () \".\" \"Fruit.Apple\"" CRLF
	    "* LIST () \".\" \"Fruit.Banana\"" CRLF
	    "* LIST () \".\" \"Tofu\"" CRLF
	    "A OK LIST completed." CRLF);
	/* Example 8 (C04): RECURSIVEMATCH gives CHILDINFO. */
	CHECK_STR(run(&x, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\""),
	    "* LIST (\\Subscribed) \".\" \"INBOX\"" CRLF
	    "* LIST () \".\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))" CRLF
	    "* LIST (\\Subscribed) \".\" \"Vegetable\" (\"CHILDINFO\" "
	    "(\"SUBSCRIBED\"))" CRLF
	    "A OK LIST completed." CRLF);
	CHECK(strncmp(run(&x, "LIST (RECURSIVEMATCH) \"\" \"%\""), "A BAD ",
	    6) == 0);
	CHECK(strncmp(run(&x, "LIST (BOGUS) \"\" \"%\""), "A BAD ", 6) == 0);
	CHECK(strncmp(run(&x, "LIST \"\" \"%\" RETURN (BOGUS)"), "A BAD ",
	    6) == 0);
	/* An extended LIST ignores "" (no separator answer). */
	CHECK_STR(run(&x, "LIST \"\" (\"\")"), "A OK LIST completed." CRLF);
	fx_close(&x);
}

/* RFC 5258 example 11: missing parents under an extended LIST. */
TEST(list_extended_nonexistent_parent)
{
	struct fx x;

	fx_open(&x);
	mk(&x, "music.rock");
	CHECK_STR(run(&x, "LIST () \"\" %"),
	    "* LIST () \".\" \"INBOX\"" CRLF
	    "* LIST (\\NonExistent \\HasChildren) \".\" \"music\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LIST \"\" (% music.rock)"),
	    "* LIST () \".\" \"INBOX\"" CRLF
	    "* LIST () \".\" \"music.rock\"" CRLF
	    "A OK LIST completed." CRLF);
	fx_close(&x);
}

/* RFC 5819 sec. 3, example A01 (and STATUS after each LIST). */
TEST(list_status)
{
	struct fx x;

	fx_open(&x);
	mk(&x, "foo");
	mk(&x, "bar.baz");
	CHECK(deliver(x.s.rootfd, "INBOX", "Subject: 1\n\none\n", NULL) ==
	    MD_OK);
	CHECK(deliver(x.s.rootfd, "foo", "Subject: 1\n\none\n", NULL) ==
	    MD_OK);
	CHECK(deliver(x.s.rootfd, "foo", "Subject: 2\n\ntwo\n", NULL) ==
	    MD_OK);
	CHECK_STR(run(&x, "LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))"),
	    "* LIST () \".\" \"INBOX\"" CRLF
	    "* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 1)" CRLF
	    "* LIST (\\NonExistent \\HasChildren) \".\" \"bar\"" CRLF
	    "* LIST () \".\" \"foo\"" CRLF
	    "* STATUS \"foo\" (MESSAGES 2 UNSEEN 2)" CRLF
	    "A OK LIST completed." CRLF);
	CHECK(strncmp(run(&x, "LIST \"\" % RETURN (STATUS (BOGUS))"),
	    "A BAD ", 6) == 0);
	CHECK(strncmp(run(&x, "LIST \"\" % RETURN (STATUS)"), "A BAD ", 6)
	    == 0);
	fx_close(&x);
}

TEST(status_cmd)
{
	struct fx x;
	const char *r;

	fx_open(&x);
	mk(&x, "F");
	CHECK(deliver(x.s.rootfd, "F", "Subject: 1\n\none\n", NULL) == MD_OK);
	r = run(&x, "STATUS F (MESSAGES RECENT UIDNEXT UNSEEN DELETED SIZE "
	    "MESSAGES)");
	CHECK_STR(r, "* STATUS \"F\" (MESSAGES 1 RECENT 1 UIDNEXT 2 UNSEEN 1 "
	    "DELETED 0 SIZE 19)" CRLF "A OK STATUS completed." CRLF);
	r = run(&x, "STATUS F (UIDVALIDITY HIGHESTMODSEQ)");
	CHECK(strncmp(r, "* STATUS \"F\" (UIDVALIDITY ", 26) == 0);
	CHECK(strstr(r, " HIGHESTMODSEQ ") != NULL);
	CHECK(x.s.condstore == 1);
	CHECK_STR(run(&x, "STATUS Nope (MESSAGES)"),
	    "A NO [NONEXISTENT] Mailbox doesn't exist" CRLF);
	CHECK(strncmp(run(&x, "STATUS F (BOGUS)"), "A BAD ", 6) == 0);
	CHECK(strncmp(run(&x, "STATUS F ()"), "A BAD ", 6) == 0);
	CHECK(strncmp(run(&x, "STATUS F"), "A BAD ", 6) == 0);
	/* The selected mailbox: from the open folder, \Recent included
	 * (the SELECT took message 1, which STATUS had left recent). */
	CHECK(md_folder_open(&x.s.f, x.s.rootfd, "F", 0) == MD_OK);
	CHECK(deliver(x.s.rootfd, "F", "Subject: 2\n\ntwo\n", NULL) == MD_OK);
	CHECK(md_sync(x.s.f, NULL) == MD_OK);
	(void)snprintf(x.s.folder, sizeof(x.s.folder), "F");
	x.s.state = IMAP_STATE_SELECTED;
	CHECK_STR(run(&x, "STATUS F (MESSAGES RECENT)"),
	    "* STATUS \"F\" (MESSAGES 2 RECENT 2)" CRLF
	    "A OK STATUS completed." CRLF);
	/* A selected mailbox is not deleted under the session. */
	CHECK(strncmp(run(&x, "DELETE F"), "A NO [CANNOT] ", 14) == 0);
	/* Renamed: the session's names follow. */
	CHECK_STR(run(&x, "RENAME F G"), "A OK RENAME completed." CRLF);
	CHECK_STR(x.s.folder, "G");
	CHECK_STR(x.s.mbox, "G");
	fx_close(&x);
}

TEST(special_use)
{
	struct fx x;

	fx_open(&x);
	(void)snprintf(x.conf.special_sent, sizeof(x.conf.special_sent),
	    "Отправленные");
	x.conf.special_junk[0] = '\0';
	mk(&x, "Drafts");
	mk(&x, "Other");
	CHECK(imap_special_create(&x.s) == 0);	/* create_special = no */
	CHECK_STR(run(&x, "LIST \"\" %"),
	    "* LIST (\\HasNoChildren) \".\" \"INBOX\"" CRLF
	    "* LIST (\\HasNoChildren \\Drafts) \".\" \"Drafts\"" CRLF
	    "* LIST (\\HasNoChildren) \".\" \"Other\"" CRLF
	    "A OK LIST completed." CRLF);
	x.conf.create_special = 1;
	CHECK(imap_special_create(&x.s) == 0);
	CHECK_STR(run(&x, "LIST (SPECIAL-USE) \"\" *"),
	    "* LIST (\\Sent) \".\" \"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\"" CRLF
	    "* LIST (\\Archive) \".\" \"Archive\"" CRLF
	    "* LIST (\\Drafts) \".\" \"Drafts\"" CRLF
	    "* LIST (\\Trash) \".\" \"Trash\"" CRLF
	    "A OK LIST completed." CRLF);
	CHECK_STR(run(&x, "LSUB \"\" *"),
	    "* LSUB () \".\" \"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\"" CRLF
	    "* LSUB () \".\" \"Archive\"" CRLF
	    "* LSUB () \".\" \"Trash\"" CRLF
	    "A OK LSUB completed." CRLF);
	fx_close(&x);
}
