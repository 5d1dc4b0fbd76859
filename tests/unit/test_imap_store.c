/*
 * tests/unit/test_imap_store.c -- STORE, COPY, MOVE and EXPUNGE (imap/
 * store.c) and the engine's copy (maildir/copy.c) on a temporary Maildir,
 * with a session built from the real core helpers (imap/view.c: view,
 * imap_sync, responses) and commands parsed by the real parser.  The
 * tagged line and the post-command sync imitate imap/session.c's
 * dispatcher.  Output is compared exactly; flags are checked on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/test.h"
#include "tests/unit/mdtest.h"

#include "auth/sandbox.h"
#include "common/io.h"
#include "common/limits.h"
#include "imap/imapd.h"
#include "imap/parse.h"
#include "imap/store.h"
#include "maildir/copy.h"

struct fx {
	char	 dir[64];
	int	 rootfd;
	int	 nullfd;
	struct io io;
	struct imap_session s;
	struct imap_parser *p;
	char	 out[65536];
};

/* A Maildir with n messages in INBOX (UIDs 1..n, not \Recent any more),
 * an "Archive" folder, and INBOX selected (read-only if ro). */
static void
fx_init(struct fx *x, int n, int ro)
{
	struct imap_parse_limits lim;
	struct md_folder *f;
	char text[128];
	int i;

	memset(x, 0, sizeof(*x));
	x->rootfd = md_tmp(x->dir);
	for (i = 1; i <= n; i++) {
		(void)snprintf(text, sizeof(text), "Subject: m%d\n\nbody %d\n",
		    i, i);
		if (deliver(x->rootfd, "INBOX", text, NULL) != MD_OK)
			exit(2);
	}
	if (md_folder_create(x->rootfd, "Archive") != MD_OK)
		exit(2);
	/* A first session assigns the UIDs (and takes \Recent). */
	if (md_folder_open(&f, x->rootfd, "INBOX", 0) != MD_OK)
		exit(2);
	md_folder_close(&f);
	x->nullfd = open("/dev/null", O_RDWR);
	io_init(&x->io, x->nullfd, x->nullfd, LB_INBUF_MAX);
	x->s.io = &x->io;
	x->s.user = "test";
	x->s.rootfd = x->rootfd;
	x->s.state = IMAP_STATE_SELECTED;
	x->s.readonly = ro;
	buf_init(&x->s.scratch, LB_OUTBUF_MAX);
	if (md_folder_open(&x->s.f, x->rootfd, "INBOX", 0) != MD_OK)
		exit(2);
	(void)snprintf(x->s.folder, sizeof(x->s.folder), "INBOX");
	(void)snprintf(x->s.mbox, sizeof(x->s.mbox), "INBOX");
	if (imap_view_grow(&x->s, md_count(x->s.f) + 1) == -1)
		exit(2);
	for (i = 0; (size_t)i < md_count(x->s.f); i++)
		imap_view_set(&x->s.view[i], md_get(x->s.f, (size_t)i));
	x->s.nview = md_count(x->s.f);
	imap_parse_limits_default(&lim);
	if ((x->p = imap_parse_new(&lim)) == NULL)
		exit(2);
}

static void
fx_free(struct fx *x)
{
	md_folder_close(&x->s.f);
	free(x->s.view);
	seqset_free(&x->s.saved);
	buf_free(&x->s.scratch);
	imap_parse_free(&x->p);
	io_free(&x->io);
	(void)close(x->nullfd);
	(void)close(x->rootfd);
	rm_rf(x->dir);
}

/* Run one command line (without CRLF); returns everything written, the
 * tagged line included, as the core's dispatcher would. */
static const char *
run(struct fx *x, const char *line)
{
	static const char *const word[] = { "OK", "NO", "BAD" };
	struct imap_session *s = &x->s;
	const struct imap_arg *a;
	const char *cmd, *tag, *sub;
	char in[8192];
	size_t n, used;
	int uid = 0, noexp;
	enum imap_result r;
	imap_handler *fn;

	(void)snprintf(in, sizeof(in), "%s\r\n", line);
	if (imap_parse_feed(x->p, in, strlen(in), &used) != IMAP_PARSE_DONE) {
		(void)snprintf(x->out, sizeof(x->out), "(parse error)");
		return x->out;
	}
	tag = imap_parse_tag(x->p);
	cmd = imap_parse_command(x->p);
	a = imap_parse_args(x->p, &n);
	s->code[0] = s->text[0] = '\0';
	if (strcmp(cmd, "UID") == 0) {
		(void)imap_arg_get_atom(&a[0], &sub);
		cmd = sub;
		uid = 1;
		a++;
		n--;
	}
	noexp = strcasecmp(cmd, "STORE") == 0;
	fn = strcasecmp(cmd, "STORE") == 0 ? imap_cmd_store :
	    strcasecmp(cmd, "COPY") == 0 ? imap_cmd_copy :
	    strcasecmp(cmd, "MOVE") == 0 ? imap_cmd_move : imap_cmd_expunge;
	r = fn(s, a, n, uid);
	buf_reset(&s->scratch);
	if (r != IMAP_FATAL && r != IMAP_QUIET)
		(void)imap_sync(s, uid || !noexp);
	if (r == IMAP_FATAL)
		(void)imap_printf(s, "* BYE %s\r\n", s->text);
	else if (s->code[0] != '\0')
		(void)imap_printf(s, "%s %s [%s] %s\r\n", tag, word[r],
		    s->code, s->text);
	else
		(void)imap_printf(s, "%s %s %s\r\n", tag, word[r], s->text);
	n = x->io.out.len < sizeof(x->out) - 1 ? x->io.out.len :
	    sizeof(x->out) - 1;
	memcpy(x->out, x->io.out.p, n);
	x->out[n] = '\0';
	buf_reset(&x->io.out);
	return x->out;
}

/* The current file name of the message with this UID in the selected
 * folder, checked to exist in cur/. */
static const char *
disk_name(struct fx *x, uint32_t uid)
{
	static char path[LB_MAILDIR_NAME_MAX + 8];
	struct stat st;
	long mi = md_find_uid(x->s.f, uid);

	if (mi < 0)
		return "(no such uid)";
	(void)snprintf(path, sizeof(path), "cur/%s",
	    md_get(x->s.f, (size_t)mi)->name);
	if (fstatat(x->rootfd, path, &st, 0) == -1)
		return "(not on disk)";
	return path;
}

/* Info part (after ":2,") of the message's file on disk. */
static const char *
disk_flags(struct fx *x, uint32_t uid)
{
	const char *p = strstr(disk_name(x, uid), ":2,");

	return p ? p + 3 : "(none)";
}

TEST(store_flags_variants)
{
	struct fx x;

	fx_init(&x, 3, 0);
	CHECK_STR(run(&x, "a STORE 1 +FLAGS (\\Seen)"),
	    "* 1 FETCH (FLAGS (\\Seen))\r\na OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 1), "S");
	CHECK_STR(run(&x, "b STORE 1:2 FLAGS.SILENT (\\Flagged \\Deleted)"),
	    "b OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 1), "FT");
	CHECK_STR(disk_flags(&x, 2), "FT");
	CHECK_STR(run(&x, "c UID STORE 2 -FLAGS (\\Deleted)"),
	    "* 2 FETCH (FLAGS (\\Flagged) UID 2)\r\nc OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 2), "F");
	/* Flags without parentheses; $Forwarded is P on disk. */
	CHECK_STR(run(&x, "d STORE 3 +FLAGS \\Answered $Forwarded"),
	    "* 3 FETCH (FLAGS (\\Answered $Forwarded))\r\nd OK Store "
	    "completed\r\n");
	CHECK_STR(disk_flags(&x, 3), "PR");
	CHECK_STR(run(&x, "e STORE 3 -FLAGS.SILENT ($forwarded)"),
	    "e OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 3), "R");
	/* FLAGS replaces; the empty list clears. */
	CHECK_STR(run(&x, "f STORE 1 FLAGS (\\Draft)"),
	    "* 1 FETCH (FLAGS (\\Draft))\r\nf OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 1), "D");
	CHECK_STR(run(&x, "g STORE 1 FLAGS ()"),
	    "* 1 FETCH (FLAGS ())\r\ng OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 1), "");
	/* \Recent cannot be stored: ignored. */
	CHECK_STR(run(&x, "h STORE 2 +FLAGS (\\Recent \\Seen)"),
	    "* 2 FETCH (FLAGS (\\Flagged \\Seen))\r\nh OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 2), "FS");
	/* UID STORE of a UID that does not exist: nothing, OK. */
	CHECK_STR(run(&x, "i UID STORE 99 +FLAGS (\\Seen)"),
	    "i OK Store completed\r\n");
	/* Another session's change to the same message is reported even
	 * with .SILENT (RFC 3501 sec. 6.4.6). */
	{
		struct md_folder *o;

		CHECK(md_folder_open(&o, x.rootfd, "INBOX", 0) == MD_OK);
		CHECK(md_set_flags(o, 2, "D") == MD_OK);	/* UID 3 */
		CHECK(md_sync(o, NULL) == MD_OK);
		md_folder_close(&o);
	}
	CHECK_STR(run(&x, "j STORE 3 +FLAGS.SILENT (\\Seen)"),
	    "* 3 FETCH (FLAGS (\\Seen \\Draft))\r\nj OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 3), "DS");
	/* "*" and ranges up to it. */
	CHECK_STR(run(&x, "k STORE 2:* +FLAGS.SILENT (\\Seen)"),
	    "k OK Store completed\r\n");
	CHECK_STR(disk_flags(&x, 2), "FS");
	CHECK_STR(run(&x, "l UID STORE * -FLAGS (\\Seen)"),
	    "* 3 FETCH (FLAGS (\\Draft) UID 3)\r\nl OK Store completed\r\n");
	fx_free(&x);
}

TEST(store_bad_and_refused)
{
	struct fx x;

	fx_init(&x, 2, 0);
	CHECK_STR(run(&x, "a STORE 1 +FLAGS (\\Foo)"),
	    "a BAD Unknown system flag\r\n");
	CHECK_STR(run(&x, "b STORE 1 FOO (\\Seen)"),
	    "b BAD Invalid STORE item (FLAGS, +FLAGS or -FLAGS, with "
	    ".SILENT)\r\n");
	CHECK_STR(run(&x, "c STORE 1 +FLAGS.LOUD (\\Seen)"),
	    "c BAD Invalid STORE item (FLAGS, +FLAGS or -FLAGS, with "
	    ".SILENT)\r\n");
	CHECK_STR(run(&x, "d STORE 3 +FLAGS (\\Seen)"),
	    "d BAD Invalid message sequence number (the mailbox has 2 "
	    "messages)\r\n");
	CHECK_STR(run(&x, "e STORE 1 +FLAGS"),
	    "e BAD STORE needs a message set, an item and flags\r\n");
	CHECK_STR(run(&x, "f STORE 1 (FOO 1) +FLAGS (\\Seen)"),
	    "f BAD Invalid STORE modifier\r\n");
	CHECK_STR(run(&x, "g STORE 1 +FLAGS (\"quoted\")"),
	    "g BAD Invalid flag\r\n");
	CHECK_STR(disk_flags(&x, 1), "");
	CHECK(md_keyword_count(x.s.f) == 0);
	fx_free(&x);

	fx_init(&x, 2, 1);
	CHECK_STR(run(&x, "a STORE 1 +FLAGS (\\Seen)"),
	    "a NO [READ-ONLY] Mailbox is read-only\r\n");
	CHECK_STR(disk_flags(&x, 1), "");
	CHECK_STR(run(&x, "b EXPUNGE"),
	    "b NO [READ-ONLY] Mailbox is read-only\r\n");
	CHECK_STR(run(&x, "c MOVE 1 Archive"),
	    "c NO [READ-ONLY] Mailbox is read-only\r\n");
	CHECK_STR(run(&x, "d UID EXPUNGE 1"),
	    "d NO [READ-ONLY] Mailbox is read-only\r\n");
	/* COPY from a read-only mailbox is fine. */
	CHECK(strstr(run(&x, "e COPY 1 Archive"),
	    "e OK [COPYUID ") != NULL);
	/* CLOSE on EXAMINE removes nothing. */
	CHECK(imap_expunge_deleted(&x.s, 1) == 0);
	fx_free(&x);
}

TEST(store_keywords)
{
	struct fx x;
	struct md_folder *f;
	char line[2048];
	size_t len;
	int i;

	fx_init(&x, 2, 0);
	CHECK_STR(run(&x, "a STORE 1 +FLAGS (\\Seen Junk $Label1)"),
	    "* 1 FETCH (FLAGS (\\Seen Junk $Label1))\r\na OK Store "
	    "completed\r\n");
	CHECK(md_keyword_count(x.s.f) == 2);
	/* Keywords compare without case; the first spelling stays. */
	CHECK_STR(run(&x, "b STORE 1:2 +FLAGS (junk)"),
	    "* 1 FETCH (FLAGS (\\Seen Junk $Label1))\r\n"
	    "* 2 FETCH (FLAGS (Junk))\r\nb OK Store completed\r\n");
	CHECK_STR(run(&x, "c STORE 1 -FLAGS (JUNK Unknown)"),
	    "* 1 FETCH (FLAGS (\\Seen $Label1))\r\nc OK Store completed\r\n");
	/* -FLAGS does not add names to the table. */
	CHECK(md_keyword_count(x.s.f) == 2);
	/* Keywords persist in the UID list. */
	CHECK(md_folder_open(&f, x.rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_get(f, 0)->keywords == 2);	/* $Label1 */
	CHECK(md_get(f, 1)->keywords == 1);	/* Junk */
	CHECK_STR(md_keyword(f, 1), "$Label1");
	md_folder_close(&f);
	/* The table is bounded: NO [LIMIT], and no message changes. */
	len = (size_t)snprintf(line, sizeof(line), "d STORE 2 +FLAGS (");
	for (i = 0; i < LB_FOLDER_KEYWORDS_MAX; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "%skw%d", i ? " " : "", i);
	(void)snprintf(line + len, sizeof(line) - len, ")");
	CHECK_STR(run(&x, line), "d NO [LIMIT] Too many keywords in this "
	    "mailbox (at most 64)\r\n");
	CHECK(md_get(x.s.f, 1)->keywords == 1);
	/* A keyword over LB_KEYWORD_MAX bytes. */
	len = (size_t)snprintf(line, sizeof(line), "e STORE 2 +FLAGS (");
	for (i = 0; i < LB_KEYWORD_MAX + 1; i++)
		line[len++] = 'k';
	(void)snprintf(line + len, sizeof(line) - len, ")");
	CHECK_STR(run(&x, line), "e NO [LIMIT] Keyword too long (at most "
	    "64 bytes)\r\n");
	fx_free(&x);
}

TEST(store_unchangedsince)
{
	struct fx x;
	char want[1024], cmd[128];
	uint64_t m1, m2, m3, hm;

	fx_init(&x, 3, 0);
	/* Give message 3 a higher MODSEQ than 1 and 2. */
	(void)run(&x, "a STORE 3 +FLAGS.SILENT (\\Answered)");
	m1 = md_get(x.s.f, 0)->modseq;
	m2 = md_get(x.s.f, 1)->modseq;
	m3 = md_get(x.s.f, 2)->modseq;
	hm = md_highestmodseq(x.s.f);
	CHECK(m3 > m2 && m3 > m1 && m3 == hm);
	(void)snprintf(cmd, sizeof(cmd), "b STORE 1:3 (UNCHANGEDSINCE %llu) "
	    "+FLAGS.SILENT (\\Seen)", (unsigned long long)(m3 - 1));
	/* 1 and 2 change and get MODSEQ hm+1, hm+2 (.SILENT still sends
	 * them); 3 fails and is reported as it is. */
	(void)snprintf(want, sizeof(want),
	    "* OK [HIGHESTMODSEQ %llu] Highest\r\n"
	    "* 1 FETCH (MODSEQ (%llu))\r\n"
	    "* 2 FETCH (MODSEQ (%llu))\r\n"
	    "* 3 FETCH (FLAGS (\\Answered) MODSEQ (%llu))\r\n"
	    "b OK [MODIFIED 3] Conditional STORE failed\r\n",
	    (unsigned long long)hm, (unsigned long long)hm + 1,
	    (unsigned long long)hm + 2, (unsigned long long)m3);
	CHECK_STR(run(&x, cmd), want);
	CHECK(x.s.condstore == 1);
	CHECK_STR(disk_flags(&x, 1), "S");
	CHECK_STR(disk_flags(&x, 3), "R");
	/* UID STORE lists UIDs; 0 always fails (a system flag always
	 * exists, RFC 7162 sec. 3.1.3). */
	(void)snprintf(want, sizeof(want),
	    "* 1 FETCH (FLAGS (\\Seen) UID 1 MODSEQ (%llu))\r\n"
	    "* 2 FETCH (FLAGS (\\Seen) UID 2 MODSEQ (%llu))\r\n"
	    "c OK [MODIFIED 1:2] Conditional STORE failed\r\n",
	    (unsigned long long)hm + 1, (unsigned long long)hm + 2);
	CHECK_STR(run(&x, "c UID STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS "
	    "(\\Flagged)"), want);
	CHECK_STR(disk_flags(&x, 1), "S");
	/* With CONDSTORE on, a normal STORE shows MODSEQ. */
	(void)snprintf(want, sizeof(want),
	    "* 2 FETCH (FLAGS (\\Flagged \\Seen) MODSEQ (%llu))\r\n"
	    "d OK Store completed\r\n", (unsigned long long)hm + 3);
	CHECK_STR(run(&x, "d STORE 2 +FLAGS (\\Flagged)"), want);
	fx_free(&x);
}

TEST(expunge_numbering)
{
	struct fx x;

	fx_init(&x, 5, 0);
	CHECK_STR(run(&x, "a STORE 2:3,5 +FLAGS.SILENT (\\Deleted)"),
	    "a OK Store completed\r\n");
	CHECK_STR(run(&x, "b EXPUNGE"),
	    "* 5 EXPUNGE\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nb OK EXPUNGE "
	    "completed\r\n");
	CHECK(x.s.nview == 2);
	CHECK(x.s.view[0].uid == 1 && x.s.view[1].uid == 4);
	CHECK(count_dir(x.rootfd, "cur") == 2);
	CHECK(x.s.n_expunge == 3);
	CHECK_STR(run(&x, "c EXPUNGE"), "c OK EXPUNGE completed\r\n");
	CHECK_STR(run(&x, "d EXPUNGE 1"),
	    "d BAD EXPUNGE takes no arguments\r\n");
	/* \Deleted set by another session counts. */
	{
		struct md_folder *o;

		CHECK(md_folder_open(&o, x.rootfd, "INBOX", 0) == MD_OK);
		CHECK(md_set_flags(o, 1, "T") == MD_OK);	/* UID 4 */
		CHECK(md_sync(o, NULL) == MD_OK);
		md_folder_close(&o);
	}
	CHECK_STR(run(&x, "e EXPUNGE"),
	    "* 2 EXPUNGE\r\ne OK EXPUNGE completed\r\n");
	CHECK(count_dir(x.rootfd, "cur") == 1);
	fx_free(&x);
}

TEST(uid_expunge_subset)
{
	struct fx x;

	fx_init(&x, 4, 0);
	(void)run(&x, "a STORE 1:3 +FLAGS.SILENT (\\Deleted)");
	CHECK_STR(run(&x, "b UID EXPUNGE 2:4"),
	    "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nb OK UID EXPUNGE completed\r\n");
	CHECK(x.s.nview == 2);
	CHECK(x.s.view[0].uid == 1 && x.s.view[1].uid == 4);
	CHECK_STR(disk_flags(&x, 1), "T");
	CHECK_STR(run(&x, "c UID EXPUNGE 100:*"),
	    "c OK UID EXPUNGE completed\r\n");
	CHECK_STR(run(&x, "d UID EXPUNGE"),
	    "d BAD UID EXPUNGE needs a UID set\r\n");
	/* CLOSE's silent expunge: nothing written, count returned. */
	CHECK(imap_expunge_deleted(&x.s, 1) == 1);
	CHECK(x.io.out.len == 0);
	CHECK(count_dir(x.rootfd, "cur") == 1);
	fx_free(&x);
}

/* The message of folder name with this UID: its file name. */
static int
folder_msg(int rootfd, const char *name, uint32_t uid, char *fname,
    uint64_t *kw_r, char *kwname, size_t kwlen)
{
	struct md_folder *f;
	long i;

	if (md_folder_open(&f, rootfd, name, 0) != MD_OK)
		return -1;
	if ((i = md_find_uid(f, uid)) < 0) {
		md_folder_close(&f);
		return -1;
	}
	(void)snprintf(fname, LB_MAILDIR_NAME_MAX + 1, "%s",
	    md_get(f, (size_t)i)->name);
	*kw_r = md_get(f, (size_t)i)->keywords;
	if (kwname != NULL)
		(void)snprintf(kwname, kwlen, "%s",
		    md_keyword(f, 0) ? md_keyword(f, 0) : "");
	md_folder_close(&f);
	return 0;
}

TEST(copy_copyuid)
{
	struct fx x;
	char want[256], fname[LB_MAILDIR_NAME_MAX + 1], kwn[64], path[300];
	struct md_name src, dst;
	struct stat st;
	uint32_t uidv;
	uint64_t kw;
	struct md_folder *a;

	fx_init(&x, 5, 0);
	(void)run(&x, "a STORE 4 +FLAGS.SILENT (\\Seen \\Flagged Work)");
	CHECK(md_folder_open(&a, x.rootfd, "Archive", 0) == MD_OK);
	uidv = md_uidvalidity(a);
	md_folder_close(&a);
	(void)snprintf(want, sizeof(want), "b OK [COPYUID %u 1:2,4 1:3] Copy "
	    "completed\r\n", uidv);
	CHECK_STR(run(&x, "b COPY 1:2,4 Archive"), want);
	/* On disk: three new messages in Archive's cur/, new unique parts,
	 * same flags, keywords by name, sizes in the name, hard links. */
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 3);
	CHECK(folder_msg(x.rootfd, "Archive", 3, fname, &kw, kwn,
	    sizeof(kwn)) == 0);
	CHECK(md_name_parse(fname, &dst) == 0);
	CHECK(md_name_parse(md_get(x.s.f, 3)->name, &src) == 0);
	CHECK(dst.unique_len != src.unique_len ||
	    memcmp(dst.unique, src.unique, src.unique_len) != 0);
	CHECK_STR(dst.flags, "FS");
	CHECK(dst.has_size && dst.has_vsize && dst.size == src.size);
	CHECK(kw == 1);
	CHECK_STR(kwn, "Work");
	(void)snprintf(path, sizeof(path), ".Archive/cur/%s", fname);
	CHECK(fstatat(x.rootfd, path, &st, 0) == 0 && st.st_nlink == 2);
	/* UID COPY: UIDs that do not exist are ignored. */
	(void)snprintf(want, sizeof(want), "c OK [COPYUID %u 5 4] Copy "
	    "completed\r\n", uidv);
	CHECK_STR(run(&x, "c UID COPY 5:9 Archive"), want);
	CHECK_STR(run(&x, "d UID COPY 50:60 Archive"),
	    "d OK No messages to copy\r\n");
	/* Missing destination. */
	CHECK_STR(run(&x, "e COPY 1 Nope"),
	    "e NO [TRYCREATE] Mailbox does not exist\r\n");
	CHECK_STR(run(&x, "f UID COPY 50 Nope"),
	    "f NO [TRYCREATE] Mailbox does not exist\r\n");
	CHECK_STR(run(&x, "g COPY 1 bad..name"),
	    "g NO [CANNOT] Empty hierarchy level (\"..\") in mailbox "
	    "name\r\n");
	CHECK_STR(run(&x, "h COPY 9 Archive"),
	    "h BAD Invalid message sequence number (the mailbox has 5 "
	    "messages)\r\n");
	CHECK_STR(run(&x, "i COPY 1"),
	    "i BAD COPY needs a message set and a mailbox\r\n");
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 4);
	/* Into the selected mailbox itself: EXISTS and RECENT follow. */
	(void)snprintf(want, sizeof(want), "* 6 EXISTS\r\n* 1 RECENT\r\n"
	    "j OK [COPYUID %u 4 6] Copy completed\r\n",
	    md_uidvalidity(x.s.f));
	CHECK_STR(run(&x, "j COPY 4 INBOX"), want);
	CHECK(x.s.nview == 6 && x.s.view[5].uid == 6);
	CHECK(md_get(x.s.f, 5)->keywords == md_get(x.s.f, 3)->keywords);
	CHECK_STR(disk_flags(&x, 6), "FS");
	fx_free(&x);
}

TEST(copyuid_long)
{
	struct fx x;
	char cmd[1024], *p;
	size_t len;
	int i;

	/* Every other message: a long COPYUID still rides on the tagged
	 * line (the untagged fallback is for sets beyond the code buffer). */
	fx_init(&x, 200, 0);
	len = (size_t)snprintf(cmd, sizeof(cmd), "a COPY ");
	for (i = 1; i <= 200; i += 2)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%d",
		    i > 1 ? "," : "", i);
	(void)snprintf(cmd + len, sizeof(cmd) - len, " Archive");
	p = (char *)run(&x, cmd);
	CHECK(strncmp(p, "a OK [COPYUID ", 14) == 0);
	CHECK(strstr(p, ",199 1:100] Copy completed\r\n") != NULL);
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 100);
	fx_free(&x);
}

TEST(copy_atomic)
{
	struct fx x;
	char path[300];

	/* Quota: the set does not fit; nothing is copied. */
	fx_init(&x, 3, 0);
	CHECK(put_file(x.rootfd, "maildirsize", "50S\n0 0\n") == 0);
	CHECK_STR(run(&x, "a COPY 1:3 Archive"),
	    "a NO [OVERQUOTA] COPY: quota exceeded\r\n");
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 0);
	CHECK(count_dir(x.rootfd, ".Archive/tmp") == 0);
	/* MOVE is not refused for quota (RFC 6851 sec. 4.1). */
	CHECK(strstr(run(&x, "b MOVE 1 Archive"), "b OK Move completed") !=
	    NULL);
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 1);
	fx_free(&x);

	/* A message gone half-way: the copies made are removed again. */
	fx_init(&x, 3, 0);
	CHECK(put_file(x.rootfd, "maildirsize", "100000S\n0 0\n") == 0);
	(void)snprintf(path, sizeof(path), "cur/%s",
	    md_get(x.s.f, 2)->name);
	CHECK(unlinkat(x.rootfd, path, 0) == 0);
	CHECK_STR(run(&x, "c COPY 1:3 Archive"),
	    "* 3 EXPUNGE\r\nc NO [EXPUNGEISSUED] COPY: some of the messages were "
	    "expunged\r\n");
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 0);
	/* maildirsize: two copies added, two removed. */
	{
		char buf[512];
		uint64_t lb, lc, ub, uc;

		CHECK(get_file(x.rootfd, "maildirsize", buf, sizeof(buf)) > 0);
		CHECK(md_quota_get(x.rootfd, &lb, &lc, &ub, &uc) == MD_OK);
		CHECK(uc == 0 && ub == 0);
	}
	/* The UID list of Archive never saw them. */
	{
		struct md_folder *a;

		CHECK(md_folder_open(&a, x.rootfd, "Archive", 0) == MD_OK);
		CHECK(md_count(a) == 0 && md_uidnext(a) == 1);
		md_folder_close(&a);
	}
	fx_free(&x);
}

TEST(move)
{
	struct fx x;
	char want[512];
	uint32_t uidv;
	struct md_folder *a;

	fx_init(&x, 4, 0);
	CHECK(md_folder_open(&a, x.rootfd, "Archive", 0) == MD_OK);
	uidv = md_uidvalidity(a);
	md_folder_close(&a);
	(void)run(&x, "a STORE 3 +FLAGS.SILENT (\\Seen)");
	(void)snprintf(want, sizeof(want),
	    "* OK [COPYUID %u 2:3 1:2] Moved\r\n"
	    "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nb OK Move completed\r\n", uidv);
	CHECK_STR(run(&x, "b MOVE 2:3 Archive"), want);
	CHECK(x.s.nview == 2 && x.s.view[1].uid == 4);
	CHECK(count_dir(x.rootfd, "cur") == 2);
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 2);
	CHECK(x.s.n_expunge == 2);
	/* The moved message keeps its flags and is not \Deleted. */
	{
		char fname[LB_MAILDIR_NAME_MAX + 1];
		uint64_t kw;

		CHECK(folder_msg(x.rootfd, "Archive", 2, fname, &kw, NULL,
		    0) == 0);
		CHECK(strstr(fname, ":2,S") != NULL &&
		    strchr(fname + strlen(fname) - 2, 'T') == NULL);
	}
	(void)snprintf(want, sizeof(want),
	    "* OK [COPYUID %u 4 3] Moved\r\n"
	    "* 2 EXPUNGE\r\nc OK Move completed\r\n", uidv);
	CHECK_STR(run(&x, "c UID MOVE 4 Archive"), want);
	CHECK_STR(run(&x, "d MOVE 1 Nope"),
	    "d NO [TRYCREATE] Mailbox does not exist\r\n");
	CHECK(x.s.nview == 1);
	/* MOVE into the selected mailbox: a new UID, the old one goes. */
	(void)snprintf(want, sizeof(want),
	    "* OK [COPYUID %u 1 5] Moved\r\n* 1 EXPUNGE\r\n* 1 EXISTS\r\n"
	    "* 1 RECENT\r\ne OK Move completed\r\n", md_uidvalidity(x.s.f));
	CHECK_STR(run(&x, "e MOVE 1 INBOX"), want);
	CHECK(x.s.nview == 1 && x.s.view[0].uid == 5);
	fx_free(&x);
}

TEST(expunged_elsewhere)
{
	struct fx x;
	struct md_folder *o;

	fx_init(&x, 3, 0);
	/* Another session expunges message 2. */
	CHECK(md_folder_open(&o, x.rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_expunge(o, 1) == MD_OK);
	CHECK(md_sync(o, NULL) == MD_OK);
	md_folder_close(&o);
	/* STORE by number: the others change, NO [EXPUNGEISSUED]; no
	 * EXPUNGE response during STORE (RFC 3501 sec. 7.4.1). */
	CHECK_STR(run(&x, "a STORE 1:3 +FLAGS (\\Seen)"),
	    "* 1 FETCH (FLAGS (\\Seen))\r\n* 3 FETCH (FLAGS (\\Seen))\r\n"
	    "a NO [EXPUNGEISSUED] Some of the messages were expunged\r\n");
	CHECK(x.s.nview == 3 && x.s.view[1].gone);
	/* COPY by number copies nothing; EXPUNGE may follow it. */
	CHECK_STR(run(&x, "b COPY 1:3 Archive"),
	    "* 2 EXPUNGE\r\n"
	    "b NO [EXPUNGEISSUED] Some of the messages were expunged\r\n");
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 0);
	CHECK(x.s.nview == 2);
	/* A UID command just skips UIDs that are gone. */
	CHECK(md_folder_open(&o, x.rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_expunge(o, 1) == MD_OK);	/* UID 3 */
	CHECK(md_sync(o, NULL) == MD_OK);
	md_folder_close(&o);
	CHECK_STR(run(&x, "c UID STORE 1:3 +FLAGS (\\Flagged)"),
	    "* 1 FETCH (FLAGS (\\Flagged \\Seen) UID 1)\r\n"
	    "* 2 EXPUNGE\r\nc OK Store completed\r\n");
	fx_free(&x);
}

TEST(md_copy_engine)
{
	char dir[64], u1[LB_MAILDIR_NAME_MAX + 1], u2[LB_MAILDIR_NAME_MAX + 1];
	char *list[2];
	struct md_folder *src, *dst;
	uint64_t mask;
	long i;
	int rootfd = md_tmp(dir);

	CHECK(deliver(rootfd, "INBOX", "Subject: x\n\nhello\n", NULL) ==
	    MD_OK);
	CHECK(md_folder_create(rootfd, "B") == MD_OK);
	CHECK(md_folder_open(&src, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_copy(src, 0, rootfd, "B", "SF", u1) == MD_OK);
	CHECK(md_copy(src, 0, rootfd, "B", NULL, u2) == MD_OK);
	CHECK(strcmp(u1, u2) != 0);
	CHECK(md_copy(src, 0, rootfd, "Missing", NULL, u2) ==
	    MD_ERR_NOFOLDER);
	CHECK(md_copy(src, 5, rootfd, "B", NULL, u2) == MD_ERR_GONE);
	CHECK(md_copy(src, 0, rootfd, "B", "s!", u2) == MD_ERR_BADNAME);
	CHECK(md_folder_open(&dst, rootfd, "B", 0) == MD_OK);
	CHECK(md_count(dst) == 2);
	i = md_find_unique(dst, u1, strlen(u1));
	CHECK(i >= 0 && strcmp(md_get(dst, (size_t)i)->flags, "FS") == 0);
	CHECK(md_get(dst, (size_t)i)->mtime == md_get(src, 0)->mtime);
	CHECK(md_find_unique(dst, "nosuch", 6) == -1);
	/* Keywords by name. */
	CHECK(md_keyword_index(src, "zeta", 1) == 0);
	CHECK(md_keyword_index(src, "alpha", 1) == 1);
	CHECK(md_keyword_index(dst, "alpha", 1) == 0);
	CHECK(md_copy_keywords(src, 3, dst, &mask) == MD_OK);
	CHECK(mask == 3 && strcmp(md_keyword(dst, 1), "zeta") == 0);
	md_folder_close(&dst);
	/* Undo removes exactly the named copies. */
	CHECK(md_copy(src, 0, rootfd, "B", NULL, u2) == MD_OK);
	list[0] = u2;
	list[1] = u1;
	CHECK(md_copy_undo(rootfd, "B", list, 2) == 2);
	CHECK(count_dir(rootfd, ".B/cur") == 1);
	CHECK(md_copy_undo(rootfd, "B", list, 2) == 0);
	/* A folder on another file system (a symlink to /dev/shm): link()
	 * fails with EXDEV and the bytes are copied instead. */
	{
		char shm[64], path[400], body[256];
		struct stat a, b, c;
		long nb;

		(void)snprintf(shm, sizeof(shm), "/dev/shm/lbtest.XXXXXX");
		if (stat("/dev/shm", &a) == 0 && fstat(rootfd, &b) == 0 &&
		    a.st_dev != b.st_dev && mkdtemp(shm) != NULL) {
			CHECK(md_maildir_create(AT_FDCWD, shm, 0700) == MD_OK);
			CHECK(symlinkat(shm, rootfd, ".Shm") == 0);
			CHECK(md_copy(src, 0, rootfd, "Shm", "R", u1) == MD_OK);
			CHECK(md_folder_open(&dst, rootfd, "Shm", 0) == MD_OK);
			CHECK(md_count(dst) == 1);
			CHECK_STR(md_get(dst, 0)->flags, "R");
			CHECK(md_get(dst, 0)->mtime == md_get(src, 0)->mtime);
			CHECK(md_get(dst, 0)->size == md_get(src, 0)->size);
			(void)snprintf(path, sizeof(path), ".Shm/cur/%s",
			    md_get(dst, 0)->name);
			CHECK(fstatat(rootfd, path, &c, 0) == 0 &&
			    c.st_nlink == 1);
			nb = get_file(rootfd, path, body, sizeof(body));
			CHECK(nb > 0 && strcmp(body, "Subject: x\n\nhello\n") ==
			    0);
			md_folder_close(&dst);
			rm_rf(shm);
		}
	}
	md_folder_close(&src);
	(void)close(rootfd);
	rm_rf(dir);
}

/* Everything above under the session's seccomp filter: a forbidden call
 * would kill the child with SIGSYS.  (ASan needs calls of its own.) */
TEST(runs_under_session_seccomp)
{
#ifndef LB_SANITIZE
	struct fx x;
	char err[256];
	pid_t pid;
	int st;

	fx_init(&x, 4, 0);
	if ((pid = fork()) == 0) {
		if (sandbox_apply(SANDBOX_SESSION, err, sizeof(err)) == -1)
			_exit(91);
		if (strstr(run(&x, "a STORE 1:2 +FLAGS (\\Deleted Junk)"),
		    "a OK") == NULL ||
		    strstr(run(&x, "b COPY 1:3 Archive"), "b OK [COPYUID") ==
		    NULL ||
		    strstr(run(&x, "c MOVE 3 Archive"), "c OK") == NULL ||
		    strstr(run(&x, "d UID EXPUNGE 1"), "d OK") == NULL ||
		    strstr(run(&x, "e EXPUNGE"), "e OK") == NULL ||
		    strstr(run(&x, "f COPY 1 Nope"), "TRYCREATE") == NULL)
			_exit(1);
		_exit(x.s.nview == 1 ? 0 : 2);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(count_dir(x.rootfd, ".Archive/cur") == 4);
	fx_free(&x);
#endif
}
