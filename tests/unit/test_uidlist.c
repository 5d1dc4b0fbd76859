/*
 * tests/unit/test_uidlist.c -- the UID list and folder sync: round trip,
 * strict reading, rebuild on corruption, UIDs never reused, flags and
 * keywords with MODSEQ, renames by others, recent, read-only, concurrent
 * processes, crashes at random instants, and the stale lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "common/limits.h"
#include "maildir/md_int.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

static struct md_rec
mkrec(uint32_t uid, uint64_t modseq, const char *flags, uint64_t kw,
    const char *unique)
{
	struct md_rec r;

	memset(&r, 0, sizeof(r));
	r.uid = uid;
	r.modseq = modseq;
	r.size = 100 + uid;
	r.vsize = 110 + uid;
	r.mtime = 1700000000 + uid;
	r.kw = kw;
	strcpy(r.flags, flags);
	r.unique = (char *)unique;
	r.unique_len = strlen(unique);
	return r;
}

TEST(round_trip)
{
	char dir[64];
	int rootfd = md_tmp(dir);
	struct md_ul ul, back;
	struct md_rec r;

	md_ul_init(&ul);
	ul.uidvalidity = 1234;
	ul.nextuid = 10;
	ul.highestmodseq = 50;
	ul.recent_from = 7;
	ul.kw[0] = strdup("$Forwarded");
	ul.kw[1] = strdup("Junk");
	ul.nkw = 2;
	r = mkrec(3, 7, "RS", 0, "1.a.host");
	CHECK(md_ul_append(&ul, &r) == 0);
	r = mkrec(9, 50, "", 3, "2.b.host");
	CHECK(md_ul_append(&ul, &r) == 0);
	CHECK(md_ul_store(rootfd, &ul) == MD_OK);
	CHECK(md_ul_load(rootfd, &back, NULL) == MD_OK);
	CHECK(back.uidvalidity == 1234 && back.nextuid == 10 &&
	    back.highestmodseq == 50 && back.recent_from == 7);
	CHECK(back.nkw == 2 && strcmp(back.kw[1], "Junk") == 0);
	CHECK(back.nrecs == 2);
	CHECK(back.recs[0].uid == 3 && back.recs[0].modseq == 7 &&
	    strcmp(back.recs[0].flags, "RS") == 0 &&
	    strcmp(back.recs[0].unique, "1.a.host") == 0 &&
	    back.recs[0].size == 103 && back.recs[0].vsize == 113 &&
	    back.recs[0].mtime == 1700000003);
	CHECK(back.recs[1].kw == 3 && back.recs[1].flags[0] == '\0');
	/* No temporary file is left behind. */
	CHECK(count_dir(rootfd, "tmp") == 0);
	md_ul_free(&ul);
	md_ul_free(&back);
	close(rootfd);
	rm_rf(dir);
}

static uint32_t parsed_recent_from;

static int
parse_text(const char *text)
{
	char path[] = "/tmp/lbul.XXXXXX";
	struct md_ul ul;
	int fd = mkstemp(path), err;

	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -99;
	lseek(fd, 0, SEEK_SET);
	err = md_ul_read_fd(fd, &ul);
	parsed_recent_from = ul.recent_from;
	md_ul_free(&ul);
	close(fd);
	unlink(path);
	return err;
}

#define HDR "letterbox-uidlist 1\nV 5\nN 10\nM 9\n"

TEST(strict_reader)
{
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a.b\nR 2 2 5 6 7 - - c.d\nE 2\n")
	    == MD_OK);
	CHECK(parse_text(HDR "E 0\n") == MD_OK);
	/* C (first UID not yet recent): optional, once, right after M,
	 * 1..NEXTUID. */
	CHECK(parse_text(HDR "E 0\n") == MD_OK && parsed_recent_from == 10);
	CHECK(parse_text(HDR "C 4\nE 0\n") == MD_OK && parsed_recent_from == 4);
	CHECK(parse_text(HDR "C 10\nE 0\n") == MD_OK);
	CHECK(parse_text(HDR "C 1\nK $Junk\nE 0\n") == MD_OK);
	CHECK(parse_text(HDR "C 0\nE 0\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "C 11\nE 0\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "C 3\nC 3\nE 0\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "K $Junk\nC 3\nE 0\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "C 3\n") == MD_ERR_CORRUPT);
	/* Truncated: no trailer, cut line, empty file, count mismatch. */
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a.b\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a.b\nE 1") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a.b\nE 2\n") == MD_ERR_CORRUPT);
	CHECK(parse_text("") == MD_ERR_CORRUPT);
	CHECK(parse_text("letterbox-uidlist 1\nV 5\n") == MD_ERR_CORRUPT);
	/* UIDs not strictly increasing, equal, zero, at or over NEXTUID. */
	CHECK(parse_text(HDR "R 2 1 5 6 7 S - a.b\nR 1 1 5 6 7 S - c.d\nE 2\n")
	    == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 2 1 5 6 7 S - a.b\nR 2 1 5 6 7 S - c.d\nE 2\n")
	    == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 0 1 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 10 1 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	/* NEXTUID and UIDs bounded by 2^32-1. */
	CHECK(parse_text("letterbox-uidlist 1\nV 5\nN 4294967295\nM 1\n"
	    "R 4294967294 1 5 6 7 - - a.b\nE 1\n") == MD_OK);
	CHECK(parse_text("letterbox-uidlist 1\nV 5\nN 4294967296\nM 1\nE 0\n")
	    == MD_ERR_CORRUPT);
	CHECK(parse_text("letterbox-uidlist 1\nV 0\nN 1\nM 1\nE 0\n")
	    == MD_ERR_CORRUPT);
	/* Garbage numbers. */
	CHECK(parse_text(HDR "R 1x 1 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 -1 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 99999999999999999999999 6 7 S - a.b\nE 1\n")
	    == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1  1 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text("letterbox-uidlist 1\nV 5\nN +10\nM 9\nE 0\n")
	    == MD_ERR_CORRUPT);
	/* modseq over HIGHESTMODSEQ, vsize under size. */
	CHECK(parse_text(HDR "R 1 10 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	/* ... also when HIGHESTMODSEQ is below 9 (fuzz find). */
	CHECK(parse_text("letterbox-uidlist 1\nV 5\nN 10\nM 0\n"
	    "R 1 3 5 6 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text("letterbox-uidlist 1\nV 5\nN 10\nM 2\n"
	    "R 1 2 5 6 7 S - a.b\nE 1\n") == MD_OK);
	CHECK(parse_text(HDR "R 1 1 5 4 7 S - a.b\nE 1\n") == MD_ERR_CORRUPT);
	/* Flags unsorted or odd, keyword index out of range. */
	CHECK(parse_text(HDR "R 1 1 5 6 7 SR - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 s - a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 S 0 a.b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "K Junk\nR 1 1 5 6 7 S 0 a.b\nE 1\n") == MD_OK);
	CHECK(parse_text(HDR "K Junk\nK junk\nE 0\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "K a b\nE 0\n") == MD_ERR_CORRUPT);
	/* Unique names: no '/', ':' or ','. */
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a/b\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 S - a:2,S\nE 1\n") == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "R 1 1 5 6 7 S -\nE 1\n") == MD_ERR_CORRUPT);
	/* Wrong version, data after the trailer. */
	CHECK(parse_text("letterbox-uidlist 2\nV 5\nN 1\nM 1\nE 0\n")
	    == MD_ERR_CORRUPT);
	CHECK(parse_text(HDR "E 0\nR 1 1 5 6 7 S - a.b\n") == MD_ERR_CORRUPT);
}

TEST(assign_and_persist)
{
	char dir[64], u[3][256];
	int rootfd = md_tmp(dir), i;
	struct md_folder *f, *g;
	uint32_t v;

	for (i = 0; i < 3; i++)
		CHECK(deliver(rootfd, "INBOX", "Subject: x\r\n\r\nbody\r\n",
		    u[i]) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 3);
	v = md_uidvalidity(f);
	CHECK(v != 0);
	CHECK(md_uidnext(f) == 4);
	for (i = 0; i < 3; i++) {
		const struct md_msg *m = md_get(f, (size_t)i);

		CHECK(m->uid == (uint32_t)i + 1);
		CHECK(m->recent);
		CHECK(!m->in_new);
		CHECK(m->size == 17 && m->vsize == 20);
		CHECK(m->unique_len == strlen(u[i]) &&
		    memcmp(m->unique, u[i], m->unique_len) == 0);
	}
	/* Moved to cur/ with ":2,". */
	CHECK(count_dir(rootfd, "new") == 0 && count_dir(rootfd, "cur") == 3);
	/* Recent stays recent for this session across syncs. */
	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK(md_count(f) == 4 && md_get(f, 0)->recent && md_get(f, 3)->recent);
	/* A second session sees the same UIDs, none recent. */
	CHECK(md_folder_open(&g, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(g) == 4 && md_uidvalidity(g) == v);
	CHECK(md_get(g, 2)->uid == 3 && !md_get(g, 2)->recent);
	CHECK(md_find_uid(g, 2) == 1 && md_find_uid(g, 9) == -1);
	md_folder_close(&g);
	CHECK(g == NULL);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

TEST(corrupt_rebuilds)
{
	char dir[64];
	int rootfd = md_tmp(dir), i;
	struct md_folder *f;
	uint32_t v;

	for (i = 0; i < 3; i++)
		CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	v = md_uidvalidity(f);
	md_folder_close(&f);
	/* Non-increasing UIDs written by someone else: rebuilt, new
	 * UIDVALIDITY, every message gets a UID again. */
	{
		char text[256];

		snprintf(text, sizeof(text), "letterbox-uidlist 1\nV %u\n"
		    "N 10\nM 9\nR 2 1 1 1 1 - - a\nR 1 1 1 1 1 - - b\nE 2\n",
		    v);
		CHECK(put_file(rootfd, "letterbox-uidlist", text) == 0);
	}
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_uidvalidity(f) > v);
	CHECK(md_count(f) == 3 && md_get(f, 0)->uid == 1 &&
	    md_get(f, 2)->uid == 3);
	v = md_uidvalidity(f);
	md_folder_close(&f);
	/* Truncated (cut in the middle): rebuilt, and the new UIDVALIDITY
	 * is above the old one even within the same second. */
	{
		char text[4096];
		long n = get_file(rootfd, "letterbox-uidlist", text,
		    sizeof(text));

		CHECK(n > 40);
		text[n / 2] = '\0';
		CHECK(put_file(rootfd, "letterbox-uidlist", text) == 0);
	}
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_uidvalidity(f) > v);
	CHECK(md_count(f) == 3);
	md_folder_close(&f);
	/* Lost: a new list, new UIDVALIDITY. */
	v = 0;
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	v = md_uidvalidity(f);
	md_folder_close(&f);
	CHECK(unlinkat(rootfd, "letterbox-uidlist", 0) == 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_uidvalidity(f) != 0 && md_count(f) == 3);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

TEST(never_reused)
{
	char dir[64];
	int rootfd = md_tmp(dir), i;
	struct md_folder *f;
	size_t gone;

	for (i = 0; i < 3; i++)
		CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_expunge(f, 2) == MD_OK);
	CHECK(md_expunge(f, 2) == MD_ERR_GONE);	/* already gone */
	CHECK(md_count(f) == 3);	/* stays until the next sync */
	CHECK(md_sync(f, &gone) == MD_OK);
	CHECK(gone == 1 && md_count(f) == 2);
	md_folder_close(&f);
	/* Reopen: NEXTUID stayed; a new message gets 4, not 3. */
	CHECK(deliver(rootfd, "INBOX", "y\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 3);
	CHECK(md_get(f, 2)->uid == 4 && md_uidnext(f) == 5);
	/* Someone else deletes a file: the next sync drops it. */
	{
		char path[300];

		snprintf(path, sizeof(path), "cur/%s", md_get(f, 0)->name);
		CHECK(unlinkat(rootfd, path, 0) == 0);
	}
	CHECK(md_sync(f, &gone) == MD_OK);
	CHECK(gone == 1 && md_count(f) == 2 && md_get(f, 0)->uid == 2);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

TEST(flags_modseq_keywords)
{
	char dir[64];
	int rootfd = md_tmp(dir), k, fd;
	struct md_folder *f, *g;
	uint64_t ms, hms;
	char path[300];

	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(deliver(rootfd, "INBOX", "y\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	ms = md_get(f, 0)->modseq;
	hms = md_highestmodseq(f);
	CHECK(md_set_flags(f, 0, "ST") == MD_OK);
	CHECK(md_set_flags(f, 0, "s") == MD_ERR_BADNAME);
	CHECK_STR(md_get(f, 0)->flags, "ST");
	CHECK(strstr(md_get(f, 0)->name, ":2,ST") != NULL);
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK(md_get(f, 0)->modseq > ms && md_get(f, 0)->modseq > hms);
	CHECK(md_highestmodseq(f) == md_get(f, 0)->modseq);
	/* Keywords, persisted by name. */
	k = md_keyword_index(f, "Junk", 1);
	CHECK(k == 0);
	CHECK(md_keyword_index(f, "junk", 0) == 0);
	CHECK(md_keyword_index(f, "Other", 0) == -1);
	CHECK(md_keyword_index(f, "bad word", 1) == MD_ERR_BADNAME);
	CHECK(md_keyword_index(f, "\\Seen", 1) == MD_ERR_BADNAME);
	CHECK(md_set_keywords(f, 1, 1) == MD_OK);
	CHECK(md_set_keywords(f, 1, 2) == MD_ERR_BADNAME);
	ms = md_get(f, 1)->modseq;
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK(md_get(f, 1)->keywords == 1 && md_get(f, 1)->modseq > ms);
	/* Another session sees flags and keywords. */
	CHECK(md_folder_open(&g, rootfd, "INBOX", 0) == MD_OK);
	CHECK_STR(md_get(g, 0)->flags, "ST");
	CHECK(md_keyword_count(g) == 1 && strcmp(md_keyword(g, 0), "Junk") == 0);
	CHECK(md_keyword(g, 1) == NULL);
	CHECK(md_get(g, 1)->keywords == 1);
	/* g renames the file behind f's back: f finds it by unique name. */
	CHECK(md_set_flags(g, 1, "F") == MD_OK);
	CHECK(md_open(f, 1, &fd) == MD_OK);
	{
		char b[8];

		CHECK(read(fd, b, sizeof(b)) == 2 && b[0] == 'y');
	}
	close(fd);
	CHECK(strstr(md_get(f, 1)->name, ":2,F") != NULL);
	/* f's sync notices g's change (a rename by mutt would do too). */
	ms = md_get(f, 1)->modseq;
	CHECK(md_sync(g, NULL) == MD_OK);
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK_STR(md_get(f, 1)->flags, "F");
	CHECK(md_get(f, 1)->modseq > ms);
	/* An outside rename (mutt): picked up with a new MODSEQ. */
	snprintf(path, sizeof(path), "cur/%s", md_get(f, 1)->name);
	{
		char to[320];

		snprintf(to, sizeof(to), "cur/%.*s:2,FR",
		    (int)(strchr(md_get(f, 1)->name, ':') - md_get(f, 1)->name),
		    md_get(f, 1)->name);
		CHECK(renameat(rootfd, path, rootfd, to) == 0);
	}
	ms = md_get(f, 1)->modseq;
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK_STR(md_get(f, 1)->flags, "FR");
	CHECK(md_get(f, 1)->modseq > ms);
	/* Expunged by g: f's md_open says GONE. */
	CHECK(md_expunge(g, 1) == MD_OK);
	CHECK(md_open(f, 1, &fd) == MD_ERR_GONE);
	CHECK(md_set_flags(f, 1, "S") == MD_ERR_GONE);
	md_folder_close(&g);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

TEST(read_only_and_folders)
{
	char dir[64];
	int rootfd = md_tmp(dir);
	struct md_folder *f;

	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 1) == MD_OK);
	CHECK(md_count(f) == 1 && md_get(f, 0)->uid == 1 &&
	    !md_get(f, 0)->recent && md_get(f, 0)->in_new);
	CHECK(md_set_flags(f, 0, "S") == MD_ERR_IO);
	CHECK(md_expunge(f, 0) == MD_ERR_IO);
	CHECK(md_sync(f, NULL) == MD_OK && md_get(f, 0)->uid == 1);
	md_folder_close(&f);
	/* Nothing written, nothing moved. */
	CHECK(faccessat(rootfd, "letterbox-uidlist", F_OK, 0) == -1);
	CHECK(count_dir(rootfd, "new") == 1);
	/* Folders. */
	CHECK(md_folder_open(&f, rootfd, "Nope", 0) == MD_ERR_NOFOLDER);
	CHECK(md_folder_open(&f, rootfd, "../x", 0) == MD_ERR_BADNAME);
	CHECK(md_folder_create(rootfd, "Sent") == MD_OK);
	CHECK(md_folder_create(rootfd, "Sent") == MD_ERR_EXISTS);
	CHECK(md_folder_create(rootfd, "A..B") == MD_ERR_BADNAME);
	CHECK(md_folder_create(rootfd, "INBOX") == MD_ERR_BADNAME);
	CHECK(faccessat(rootfd, ".Sent/maildirfolder", F_OK, 0) == 0);
	CHECK(faccessat(rootfd, ".Sent/tmp", F_OK, 0) == 0);
	CHECK(count_dir(rootfd, "tmp") == 0);
	CHECK(deliver(rootfd, "Sent", "s\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "Sent", 0) == MD_OK);
	CHECK(md_count(f) == 1);
	CHECK(faccessat(rootfd, ".Sent/letterbox-uidlist", F_OK, 0) == 0);
	md_folder_close(&f);
	CHECK(md_folder_open(&f, rootfd, "inbox", 0) == MD_OK);
	CHECK(md_count(f) == 1);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

TEST(size_hints)
{
	char dir[64];
	int rootfd = md_tmp(dir);
	struct md_folder *f;

	/* A lying S=: counted from the file; W= of a right S= is used. */
	CHECK(put_file(rootfd, "new/1.a.h,S=999,W=5", "a\nb\n") == 0);
	CHECK(put_file(rootfd, "new/2.b.h,S=4,W=77:2,S", "a\nb\n") == 0);
	CHECK(put_file(rootfd, "new/3.c.h", "a\r\nb\n") == 0);
	CHECK(put_file(rootfd, "new/.hidden", "x") == 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 3);
	/* Same mtime second: UID order falls back to the name. */
	{
		size_t i;

		for (i = 0; i < md_count(f); i++) {
			const struct md_msg *m = md_get(f, i);

			if (m->unique[0] == '1')
				CHECK(m->size == 4 && m->vsize == 6);
			else if (m->unique[0] == '2')
				CHECK(m->size == 4 && m->vsize == 77 &&
				    strcmp(m->flags, "S") == 0);
			else
				CHECK(m->size == 5 && m->vsize == 6);
		}
	}
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

/* --- several processes ------------------------------------------------- */

#define KIDS	8
#define PER	50

TEST(concurrent_processes)
{
	char dir[64], line[512];
	int rootfd = md_tmp(dir), k, i, st, pfd[2], bad = 0, seen = 0;
	pid_t pid[KIDS];
	struct md_folder *f;
	FILE *in;

	CHECK(pipe(pfd) == 0);
	for (k = 0; k < KIDS; k++) {
		if ((pid[k] = fork()) == 0) {
			struct md_folder *g = NULL;
			char u[256], out[512];
			uint32_t last = 0;
			long at;

			close(pfd[0]);
			for (i = 0; i < PER; i++) {
				if (deliver(rootfd, "INBOX", "m\n", u) != MD_OK)
					_exit(3);
				if (g == NULL) {
					if (md_folder_open(&g, rootfd, "INBOX",
					    0) != MD_OK)
						_exit(4);
				} else if (md_sync(g, NULL) != MD_OK)
					_exit(5);
				/* UIDs only grow in one view. */
				if (md_count(g) > 0) {
					if (md_get(g, md_count(g) - 1)->uid <
					    last)
						_exit(6);
					last = md_get(g, md_count(g) - 1)->uid;
				}
				for (at = (long)md_count(g) - 1; at >= 0; at--)
					if (strncmp(md_get(g, (size_t)at)->unique,
					    u, strlen(u)) == 0)
						break;
				if (at < 0)
					_exit(7);	/* own mail missing */
				snprintf(out, sizeof(out), "%u %s\n",
				    md_get(g, (size_t)at)->uid, u);
				if (write(pfd[1], out, strlen(out)) < 0)
					_exit(8);
			}
			md_folder_close(&g);
			_exit(0);
		}
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	for (k = 0; k < KIDS; k++) {
		CHECK(waitpid(pid[k], &st, 0) == pid[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fprintf(stderr, "  child %d: status %#x\n", k, st);
	}
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == KIDS * PER);
	for (i = 1; i < (int)md_count(f); i++)
		if (md_get(f, (size_t)i)->uid <= md_get(f, (size_t)i - 1)->uid)
			bad++;
	CHECK(bad == 0);
	CHECK(md_get(f, md_count(f) - 1)->uid == KIDS * PER);
	/* Every UID a child saw is the UID the message has now. */
	while (fgets(line, sizeof(line), in) != NULL) {
		unsigned uid;
		char u[300];
		long at;

		seen++;
		if (sscanf(line, "%u %299s", &uid, u) != 2) {
			bad++;
			continue;
		}
		at = md_find_uid(f, uid);
		if (at < 0 || strncmp(md_get(f, (size_t)at)->unique, u,
		    strlen(u)) != 0)
			bad++;
	}
	CHECK(seen == KIDS * PER);
	CHECK(bad == 0);
	fclose(in);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}

/* --- crashes and stale locks ------------------------------------------- */

TEST(crash_at_random_instants)
{
	char dir[64];
	int rootfd = md_tmp(dir), t, st, bad = 0, fd;
	struct md_folder *f;
	struct md_ul ul;
	uint32_t v;
	pid_t pid;
	struct timespec ts;
	struct timespec old[2] = { { 1, 0 }, { 1, 0 } };

	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	v = md_uidvalidity(f);
	md_folder_close(&f);
	srand(42);
	for (t = 0; t < 200; t++) {
		if ((pid = fork()) == 0) {
			struct md_folder *g;

			md_uidlist_set_lock_times(1, 30);
			for (;;) {
				(void)deliver(rootfd, "INBOX", "y\n", NULL);
				if (md_folder_open(&g, rootfd, "INBOX", 0) ==
				    MD_OK) {
					if (md_count(g) > 0)
						(void)md_set_flags(g, 0,
						    (rand() & 1) ? "S" : "");
					(void)md_sync(g, NULL);
					md_folder_close(&g);
				}
			}
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (rand() % 4000) * 1000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		/* The list always parses, with the same UIDVALIDITY. */
		if (md_ul_load(rootfd, &ul, NULL) != MD_OK ||
		    ul.uidvalidity != v)
			bad++;
		md_ul_free(&ul);
	}
	CHECK(bad == 0);
	/* A lock of unknown origin (empty: no pid and host to judge it by;
	 * the last child's own lock, if any, is replaced): refused while
	 * fresh, broken once older than the stale age. */
	fd = openat(rootfd, "letterbox-uidlist.lock", O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);
	CHECK(fd != -1);
	close(fd);
	CHECK(deliver(rootfd, "INBOX", "z\n", NULL) == MD_OK);
	md_uidlist_set_lock_times(100, 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_ERR_LOCKED);
	CHECK(utimensat(rootfd, "letterbox-uidlist.lock", old, 0) == 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_uidvalidity(f) == v);
	CHECK(faccessat(rootfd, "letterbox-uidlist.lock", F_OK, 0) == -1);
	md_folder_close(&f);
	/* And with a short stale age, a fresh stale lock goes after it. */
	fd = openat(rootfd, "letterbox-uidlist.lock", O_WRONLY | O_CREAT, 0600);
	close(fd);
	CHECK(deliver(rootfd, "INBOX", "z\n", NULL) == MD_OK);
	md_uidlist_set_lock_times(1, 5);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	md_folder_close(&f);
	md_uidlist_set_lock_times(0, -1);
	close(rootfd);
	rm_rf(dir);
}

TEST(killed_holder_on_this_host)
{
	char dir[64], c;
	int rootfd = md_tmp(dir), st, pfd[2], fd;
	struct md_folder *f;
	pid_t pid;

	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(pipe(pfd) == 0);
	if ((pid = fork()) == 0) {
		if (md_ul_lock(rootfd) != MD_OK)
			_exit(1);
		if (write(pfd[1], "L", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(pfd[0], &c, 1) == 1);
	/* A live holder is waited for, however long... */
	md_uidlist_set_lock_times(100, 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_ERR_LOCKED);
	/* ... a killed one is noticed at once, not after the stale age. */
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(faccessat(rootfd, "letterbox-uidlist.lock", F_OK, 0) == 0);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 1);
	md_folder_close(&f);
	/* Another host's lock is not judged by our fcntl locks. */
	fd = openat(rootfd, "letterbox-uidlist.lock", O_WRONLY | O_CREAT, 0600);
	CHECK(fd != -1);
	CHECK(write(fd, "123 otherhost\n", 14) == 14);
	close(fd);
	CHECK(deliver(rootfd, "INBOX", "y\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_ERR_LOCKED);
	CHECK(unlinkat(rootfd, "letterbox-uidlist.lock", 0) == 0);
	md_uidlist_set_lock_times(0, -1);
	close(pfd[0]);
	close(pfd[1]);
	close(rootfd);
	rm_rf(dir);
}

TEST(failed_sync_keeps_view)
{
	char dir[64];
	int rootfd = md_tmp(dir), fd;
	struct md_folder *f;

	CHECK(deliver(rootfd, "INBOX", "x\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_set_flags(f, 0, "S") == MD_OK);
	CHECK(deliver(rootfd, "INBOX", "y\n", NULL) == MD_OK);
	fd = openat(rootfd, "letterbox-uidlist.lock", O_WRONLY | O_CREAT, 0600);
	close(fd);
	md_uidlist_set_lock_times(100, 0);
	/* The scan happened, the lock did not: the old view stays usable. */
	CHECK(md_sync(f, NULL) == MD_ERR_LOCKED);
	CHECK(md_count(f) == 1 && strstr(md_get(f, 0)->name, ":2,S") != NULL);
	CHECK(md_set_flags(f, 0, "RS") == MD_OK);
	CHECK(md_open(f, 0, &fd) == MD_OK);
	close(fd);
	CHECK(unlinkat(rootfd, "letterbox-uidlist.lock", 0) == 0);
	md_uidlist_set_lock_times(0, -1);
	CHECK(md_sync(f, NULL) == MD_OK);
	CHECK(md_count(f) == 2 && strcmp(md_get(f, 0)->flags, "RS") == 0);
	md_folder_close(&f);
	close(rootfd);
	rm_rf(dir);
}
