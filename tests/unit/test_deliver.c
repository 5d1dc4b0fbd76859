/*
 * tests/unit/test_deliver.c -- delivery into tmp/ then new/ or cur/:
 * CRLF to LF (also split across writes), lone CRs, sizes in the name,
 * flags and mtime, abort, failures leave nothing, stale tmp/ clean-up,
 * folder creation.
 */
#include <errno.h>
#include <stdint.h>

#include "common/limits.h"
#include "maildir/md_int.h"
#include "tests/unit/mdtest.h"
#include "tests/unit/test.h"

/* The single file in rootfd/sub: its name into name, contents into buf. */
static long
only_file(int rootfd, const char *sub, char *name, char *buf, size_t len)
{
	DIR *d;
	struct dirent *de;
	char path[600];
	int fd = openat(rootfd, sub, O_RDONLY | O_DIRECTORY), n = 0;

	if (fd == -1)
		return -1;
	d = fdopendir(fd);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(name, 300, "%s", de->d_name);
			n++;
		}
	closedir(d);
	if (n != 1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", sub, name);
	return get_file(rootfd, path, buf, len);
}

TEST(crlf_to_lf)
{
	char dir[64], name[300], buf[256], u[256], want[300];
	int rootfd = md_tmp(dir);
	struct md_delivery *d;
	static const char *parts[] = { "Subject: a\r", "\n\r", "\nbo\rdy\r\r",
	    "\nend\r" };
	size_t i;

	CHECK(md_deliver_begin(&d, rootfd, "INBOX", 1) == MD_OK);
	for (i = 0; i < 4; i++)
		CHECK(md_deliver_write(d, parts[i], strlen(parts[i])) == MD_OK);
	CHECK(md_deliver_commit(&d, NULL, 0, u) == MD_OK);
	CHECK(d == NULL);
	CHECK(only_file(rootfd, "new", name, buf, sizeof(buf)) == 23);
	/* CRLF became LF; a lone CR and a CR before CRLF stay. */
	CHECK(memcmp(buf, "Subject: a\n\nbo\rdy\r\nend\r", 23) == 0);
	/* vsize: the 2 bare LFs count 2 each, the kept CRLF counts 2. */
	snprintf(want, sizeof(want), "%s,S=23,W=25", u);
	CHECK_STR(name, want);
	CHECK(count_dir(rootfd, "tmp") == 0);
	close(rootfd);
	rm_rf(dir);
}

TEST(keep_crlf_flags_mtime)
{
	char dir[64], name[300], buf[256], u[256], want[300];
	int rootfd = md_tmp(dir);
	struct md_delivery *d;
	struct stat st;
	char path[400];

	CHECK(md_deliver_begin(&d, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_deliver_write(d, "a\r\nb\n", 5) == MD_OK);
	CHECK(md_deliver_size(d) == 5 && md_deliver_vsize(d) == 6);
	CHECK(md_deliver_commit(&d, "SF", 1000000000, u) == MD_OK);
	CHECK(count_dir(rootfd, "new") == 0);
	CHECK(only_file(rootfd, "cur", name, buf, sizeof(buf)) == 5);
	snprintf(want, sizeof(want), "%s,S=5,W=6:2,FS", u);
	CHECK_STR(name, want);
	snprintf(path, sizeof(path), "cur/%s", name);
	CHECK(fstatat(rootfd, path, &st, 0) == 0);
	CHECK(st.st_mtime == 1000000000);
	CHECK((st.st_mode & 0777) == 0600);
	/* Bad flags: refused, nothing left. */
	CHECK(md_deliver_begin(&d, rootfd, "INBOX", 0) == MD_OK);
	CHECK(md_deliver_commit(&d, "s", 0, NULL) == MD_ERR_BADNAME);
	CHECK(d == NULL);
	CHECK(count_dir(rootfd, "cur") == 1 && count_dir(rootfd, "tmp") == 0);
	close(rootfd);
	rm_rf(dir);
}

TEST(abort_and_errors)
{
	char dir[64];
	int rootfd = md_tmp(dir);
	struct md_delivery *d;

	CHECK(md_deliver_begin(&d, rootfd, "INBOX", 1) == MD_OK);
	CHECK(count_dir(rootfd, "tmp") == 1);
	CHECK(md_deliver_write(d, "abc", 3) == MD_OK);
	md_deliver_abort(&d);
	CHECK(d == NULL);
	md_deliver_abort(&d);	/* harmless */
	CHECK(count_dir(rootfd, "tmp") == 0 && count_dir(rootfd, "new") == 0);
	CHECK(md_deliver_begin(&d, rootfd, "Nope", 1) == MD_ERR_NOFOLDER);
	CHECK(md_deliver_begin(&d, rootfd, "../etc", 1) == MD_ERR_BADNAME);
	CHECK(md_deliver_begin(&d, rootfd, "a/b", 1) == MD_ERR_BADNAME);
	/* new/ missing: the commit fails and the tmp/ file goes. */
	CHECK(md_deliver_begin(&d, rootfd, "INBOX", 1) == MD_OK);
	CHECK(md_deliver_write(d, "abc\n", 4) == MD_OK);
	CHECK(unlinkat(rootfd, "new", AT_REMOVEDIR) == 0);
	CHECK(md_deliver_commit(&d, NULL, 0, NULL) == MD_ERR_NOFOLDER);
	CHECK(count_dir(rootfd, "tmp") == 0);
	close(rootfd);
	rm_rf(dir);
}

TEST(stale_tmp_sweep)
{
	char dir[64];
	int rootfd = md_tmp(dir);
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };

	CHECK(put_file(rootfd, "tmp/old.1", "x") == 0);
	CHECK(put_file(rootfd, "tmp/young.1", "x") == 0);
	CHECK(utimensat(rootfd, "tmp/old.1", old, 0) == 0);
	CHECK(deliver(rootfd, "INBOX", "m\n", NULL) == MD_OK);
	CHECK(faccessat(rootfd, "tmp/old.1", F_OK, 0) == -1);
	CHECK(faccessat(rootfd, "tmp/young.1", F_OK, 0) == 0);
	close(rootfd);
	rm_rf(dir);
}

TEST(many_unique)
{
	char dir[64], u[256], prev[256] = "";
	int rootfd = md_tmp(dir), i, same = 0;

	for (i = 0; i < 200; i++) {
		CHECK(deliver(rootfd, "INBOX", "m\n", u) == MD_OK);
		if (strcmp(u, prev) == 0)
			same++;
		strcpy(prev, u);
	}
	CHECK(same == 0);
	CHECK(count_dir(rootfd, "new") == 200);
	close(rootfd);
	rm_rf(dir);
}

TEST(maildir_create)
{
	char dir[64];
	int rootfd = md_tmp(dir);

	/* Idempotent, and creates missing parts of an existing one. */
	CHECK(md_maildir_create(rootfd, "sub", 0700) == MD_OK);
	CHECK(unlinkat(rootfd, "sub/cur", AT_REMOVEDIR) == 0);
	CHECK(md_maildir_create(rootfd, "sub", 0700) == MD_OK);
	CHECK(faccessat(rootfd, "sub/cur", F_OK, 0) == 0);
	CHECK(md_maildir_create(rootfd, "no/such/parent", 0700) == MD_ERR_IO);
	close(rootfd);
	rm_rf(dir);
}
