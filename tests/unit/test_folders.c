/*
 * tests/unit/test_folders.c -- maildir/folders.c: enumeration, delete,
 * rename with children, RENAME INBOX, subscriptions, status.
 */
#include <errno.h>
#include <sys/stat.h>

#include "maildir/folders.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

static int
exists(int rootfd, const char *path)
{
	struct stat st;

	return fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The folder list joined with spaces. */
static const char *
joined(int rootfd)
{
	static char out[1024];
	struct md_names l;
	size_t i;

	out[0] = '\0';
	if (md_folders_list(rootfd, &l) != MD_OK)
		return "(error)";
	for (i = 0; i < l.n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, l.v[i]);
	}
	md_names_free(&l);
	return out;
}

static const char *
subs_joined(int rootfd)
{
	static char out[1024];
	struct md_names l;
	size_t i;

	out[0] = '\0';
	if (md_subs_read(rootfd, &l) != MD_OK)
		return "(error)";
	for (i = 0; i < l.n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, l.v[i]);
	}
	md_names_free(&l);
	return out;
}

TEST(enumerate)
{
	char dir[64];
	int fd = md_tmp(dir);

	CHECK_STR(joined(fd), "");
	CHECK(md_folder_create(fd, "Sent") == MD_OK);
	CHECK(md_folder_create(fd, "A.B") == MD_OK);
	CHECK(md_folder_create(fd, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-") ==
	    MD_OK);
	/* Not folders: a dot file, "..x", a dir without a valid name, a
	 * bare directory without maildirfolder (that one is listed). */
	CHECK(put_file(fd, ".qmail", "x\n") == 0);
	CHECK(mkdirat(fd, "..hidden", 0700) == 0);
	CHECK(mkdirat(fd, ".trail.", 0700) == 0);
	CHECK(mkdirat(fd, ".Bare", 0700) == 0);
	CHECK(symlinkat(".Sent", fd, ".Link") == 0);
	CHECK_STR(joined(fd),
	    "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1- A.B Bare Link Sent");
	CHECK(md_folder_exists(fd, "Sent") == 1);
	CHECK(md_folder_exists(fd, "inbox") == 1);
	CHECK(md_folder_exists(fd, "A") == 0);
	CHECK(md_folder_exists(fd, "a/b") == MD_ERR_BADNAME);
	close(fd);
	rm_rf(dir);
}

TEST(delete_keeps_children_and_quota)
{
	char dir[64], buf[256];
	int fd = md_tmp(dir);

	CHECK(md_folder_create(fd, "A") == MD_OK);
	CHECK(md_folder_create(fd, "A.B") == MD_OK);
	CHECK(put_file(fd, "maildirsize", "1000000S\n0 0\n") == 0);
	CHECK(deliver(fd, "A", "Subject: x\n\nhello\n", NULL) == MD_OK);
	CHECK(deliver(fd, "A", "Subject: y\n\nhello\n", NULL) == MD_OK);
	CHECK(md_folder_delete(fd, "A") == MD_OK);
	CHECK(!exists(fd, ".A"));
	CHECK(exists(fd, ".A.B"));
	CHECK_STR(joined(fd), "A.B");
	/* Nothing left in tmp/: the trash directory was removed. */
	CHECK(count_dir(fd, "tmp") == 0);
	CHECK(get_file(fd, "maildirsize", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "-36 -2\n") != NULL);
	CHECK(md_folder_delete(fd, "A") == MD_ERR_NOFOLDER);
	CHECK(md_folder_delete(fd, "INBOX") == MD_ERR_BADNAME);
	CHECK(md_folder_delete(fd, "../x") == MD_ERR_BADNAME);
	close(fd);
	rm_rf(dir);
}

TEST(delete_symlink_keeps_target)
{
	char dir[64];
	int fd = md_tmp(dir);

	CHECK(md_folder_create(fd, "Shared") == MD_OK);
	CHECK(symlinkat(".Shared", fd, ".Link") == 0);
	CHECK(md_folder_delete(fd, "Link") == MD_OK);
	CHECK(!exists(fd, ".Link"));
	CHECK(exists(fd, ".Shared/cur"));
	close(fd);
	rm_rf(dir);
}

TEST(rename_tree)
{
	char dir[64];
	int fd = md_tmp(dir);

	CHECK(md_folder_create(fd, "A") == MD_OK);
	CHECK(md_folder_create(fd, "A.x") == MD_OK);
	CHECK(md_folder_create(fd, "A.x.y") == MD_OK);
	CHECK(md_folder_create(fd, "AB") == MD_OK);
	CHECK(md_subs_set(fd, "A.x", 1) == MD_OK);
	CHECK(md_subs_set(fd, "AB", 1) == MD_OK);
	CHECK(md_folder_rename(fd, "A", "C") == MD_OK);
	CHECK_STR(joined(fd), "AB C C.x C.x.y");
	CHECK_STR(subs_joined(fd), "AB C.x");
	/* Targets that exist; into itself; INBOX; missing source. */
	CHECK(md_folder_rename(fd, "C", "AB") == MD_ERR_EXISTS);
	CHECK(md_folder_create(fd, "D.x") == MD_OK);
	CHECK(md_folder_rename(fd, "C", "D") == MD_ERR_EXISTS);
	CHECK(md_folder_rename(fd, "C", "C.z") == MD_ERR_BADNAME);
	CHECK(md_folder_rename(fd, "C", "INBOX") == MD_ERR_BADNAME);
	CHECK(md_folder_rename(fd, "Nope", "E") == MD_ERR_NOFOLDER);
	CHECK_STR(joined(fd), "AB C C.x C.x.y D.x");
	/* An implied parent (no ".D") can be renamed: its children move. */
	CHECK(md_folder_rename(fd, "D", "E") == MD_OK);
	CHECK_STR(joined(fd), "AB C C.x C.x.y E.x");
	close(fd);
	rm_rf(dir);
}

TEST(inbox_move)
{
	char dir[64];
	struct md_folder *f;
	int fd = md_tmp(dir);

	CHECK(deliver(fd, "INBOX", "Subject: 1\n\none\n", NULL) == MD_OK);
	CHECK(deliver(fd, "INBOX", "Subject: 2\n\ntwo\n", NULL) == MD_OK);
	CHECK(md_folder_open(&f, fd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 2);
	CHECK(md_set_flags(f, 0, "S") == MD_OK);
	md_folder_close(&f);
	CHECK(md_inbox_move(fd, "Old") == MD_OK);
	CHECK(count_dir(fd, "cur") == 0 && count_dir(fd, "new") == 0);
	CHECK(count_dir(fd, ".Old/cur") == 2);
	CHECK(md_folder_open(&f, fd, "Old", 0) == MD_OK);
	CHECK(md_count(f) == 2);
	CHECK(f != NULL && strcmp(md_get(f, 0)->flags, "S") == 0);
	md_folder_close(&f);
	CHECK(md_folder_open(&f, fd, "INBOX", 0) == MD_OK);
	CHECK(md_count(f) == 0);
	md_folder_close(&f);
	CHECK(md_inbox_move(fd, "Old") == MD_ERR_EXISTS);
	close(fd);
	rm_rf(dir);
}

TEST(subscriptions)
{
	char dir[64], buf[256];
	int fd = md_tmp(dir);

	CHECK_STR(subs_joined(fd), "");
	CHECK(md_subs_set(fd, "Sent", 1) == MD_OK);
	CHECK(md_subs_set(fd, "inbox", 1) == MD_OK);
	CHECK(md_subs_set(fd, "Sent", 1) == MD_OK);
	CHECK(md_subs_set(fd, "Gone", 1) == MD_OK);
	CHECK(get_file(fd, "subscriptions", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "Gone\nINBOX\nSent\n");
	CHECK(md_subs_set(fd, "Gone", 0) == MD_OK);
	CHECK(md_subs_set(fd, "Never", 0) == MD_OK);
	CHECK_STR(subs_joined(fd), "INBOX Sent");
	CHECK(md_subs_set(fd, "a..b", 1) == MD_ERR_BADNAME);
	/* The lock is released. */
	CHECK(!exists(fd, "letterbox-uidlist.lock"));
	/* Dovecot v2 headers are understood; Courier's file is ignored
	 * once ours exists. */
	CHECK(put_file(fd, "courierimapsubscribed",
	    "INBOX\nINBOX.Archive\nshared.x\n") == 0);
	CHECK(put_file(fd, "subscriptions", "V\t2\n\nSent\nA\tB\n../x\n") ==
	    0);
	CHECK_STR(subs_joined(fd), "A.B Sent");
	/* Courier's alone is imported at the first change. */
	CHECK(unlinkat(fd, "subscriptions", 0) == 0);
	CHECK_STR(subs_joined(fd), "Archive INBOX");
	CHECK(md_subs_set(fd, "INBOX", 0) == MD_OK);
	CHECK(get_file(fd, "subscriptions", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "Archive\n");
	CHECK_STR(subs_joined(fd), "Archive");
	close(fd);
	rm_rf(dir);
}

/* \Recent (RFC 3501 2.3.2): one SELECT gets each message, whoever gave
 * it its UID; COPY/APPEND (MD_OPEN_KEEP_RECENT), EXAMINE, STATUS and
 * read-only opens take nothing. */
TEST(recent_once)
{
	char dir[64];
	struct md_status st;
	struct md_folder *a, *b, *c;
	int fd = md_tmp(dir);

	CHECK(md_folder_create(fd, "F") == MD_OK);
	CHECK(deliver(fd, "F", "Subject: 1\n\none\n", NULL) == MD_OK);
	CHECK(deliver(fd, "F", "Subject: 2\n\ntwo\n", NULL) == MD_OK);
	/* The COPY/APPEND side numbers them but leaves them recent. */
	CHECK(md_folder_open(&c, fd, "F", MD_OPEN_KEEP_RECENT) == MD_OK);
	CHECK(md_count(c) == 2 && !md_get(c, 0)->recent &&
	    !md_get(c, 1)->recent && md_get(c, 1)->uid == 2);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 2);
	CHECK(md_folder_open(&b, fd, "F", MD_OPEN_RO) == MD_OK);
	CHECK(!md_get(b, 0)->recent);
	md_folder_close(&b);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 2);
	/* The first SELECT takes both; the next one gets none. */
	CHECK(md_folder_open(&a, fd, "F", 0) == MD_OK);
	CHECK(md_get(a, 0)->recent && md_get(a, 1)->recent);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 0);
	CHECK(md_folder_open(&b, fd, "F", 0) == MD_OK);
	CHECK(md_count(b) == 2 && !md_get(b, 0)->recent);
	md_folder_close(&b);
	/* A message numbered by the COPY side while a is selected: a's next
	 * sync takes it, and keeps the two it had. */
	CHECK(deliver(fd, "F", "Subject: 3\n\nthree\n", NULL) == MD_OK);
	CHECK(md_sync(c, NULL) == MD_OK && md_count(c) == 3 &&
	    md_get(c, 2)->uid == 3 && !md_get(c, 2)->recent);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 1);
	CHECK(md_sync(a, NULL) == MD_OK && md_count(a) == 3);
	CHECK(md_get(a, 0)->recent && md_get(a, 2)->recent);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 0);
	/* A message a numbers itself is a's as before. */
	CHECK(deliver(fd, "F", "Subject: 4\n\nfour\n", NULL) == MD_OK);
	CHECK(md_sync(a, NULL) == MD_OK && md_count(a) == 4 &&
	    md_get(a, 3)->recent);
	CHECK(md_sync(c, NULL) == MD_OK && !md_get(c, 3)->recent);
	md_folder_close(&a);
	md_folder_close(&c);
	close(fd);
	rm_rf(dir);
}

TEST(status)
{
	char dir[64];
	struct md_status st, st2;
	struct md_folder *f;
	int fd = md_tmp(dir);

	CHECK(md_folder_create(fd, "F") == MD_OK);
	CHECK(deliver(fd, "F", "Subject: 1\n\none\n", NULL) == MD_OK);
	CHECK(deliver(fd, "F", "Subject: 2\n\ntwo\n", NULL) == MD_OK);
	CHECK(md_folder_status(fd, "F", &st) == MD_OK);
	CHECK(st.messages == 2 && st.unseen == 2 && st.uidnext == 3);
	CHECK(st.recent == 2 && st.uidvalidity != 0);
	CHECK(st.size == 2 * strlen("Subject: 1\r\n\r\none\r\n"));
	/* The UID list now exists: the same UIDVALIDITY later. */
	CHECK(deliver(fd, "F", "Subject: 3\n\nthree\n", NULL) == MD_OK);
	CHECK(md_folder_status(fd, "F", &st2) == MD_OK);
	CHECK(st2.uidvalidity == st.uidvalidity && st2.messages == 3);
	CHECK(st2.uidnext == 4 && st2.recent == 3);
	CHECK(md_folder_open(&f, fd, "F", 0) == MD_OK);
	CHECK(md_set_flags(f, 0, "ST") == MD_OK);
	CHECK(md_sync(f, NULL) == MD_OK);
	md_folder_status_of(f, &st);
	CHECK(st.unseen == 2 && st.deleted == 1 && st.messages == 3);
	md_folder_close(&f);
	/* That open was a SELECT: it took all three. */
	CHECK(md_folder_status(fd, "F", &st) == MD_OK && st.recent == 0);
	CHECK(md_folder_status(fd, "Nope", &st) == MD_ERR_NOFOLDER);
	close(fd);
	rm_rf(dir);
}
