/*
 * tests/fuzz/fuzz_uidlist.c -- libFuzzer target for the UID list reader
 * (maildir/uidlist.c: md_ul_read_fd) on corrupt and truncated files.  The
 * list lives in the Maildir, so the user (or any tool writing there) can
 * put anything in it.  Built and run by `make fuzz`.
 *
 * The input is written to a memfd and read through the real entry point.
 * Checked beyond "no crash":
 *  - a refused list is left empty;
 *  - an accepted list keeps the reader's promises (UIDs strictly increase
 *    and stay below NEXTUID, MODSEQs within HIGHESTMODSEQ, keyword bits
 *    within the K table, unique names without separators);
 *  - every proper prefix of an accepted list that ends at a line boundary
 *    is refused (the E trailer makes truncation visible);
 *  - writing an accepted list with md_ul_store and reading it back gives
 *    the same list (in a scratch folder under /dev/shm or $TMPDIR).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir/md_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

static int folderfd = -1;

static void
setup_folder(void)
{
	char path[256];
	const char *base;

	if (folderfd != -1)
		return;
	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	(void)snprintf(path, sizeof(path), "%s/fuzz_uidlist.XXXXXX", base);
	ASSERT(mkdtemp(path) != NULL);
	folderfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT(folderfd != -1);
	ASSERT(mkdirat(folderfd, "tmp", 0700) == 0);
	/* The directory is left behind for inspection only if we crash. */
}

static int
read_buf(const uint8_t *d, size_t n, struct md_ul *ul)
{
	int fd, rc;

	fd = memfd_create("uidlist", MFD_CLOEXEC);
	ASSERT(fd != -1);
	ASSERT(n == 0 || write(fd, d, n) == (ssize_t)n);
	ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	rc = md_ul_read_fd(fd, ul);
	close(fd);
	return rc;
}

static void
check_list(const struct md_ul *ul)
{
	size_t i;
	const struct md_rec *r;

	ASSERT(ul->uidvalidity != 0 && ul->nextuid != 0);
	ASSERT(ul->recent_from >= 1 && ul->recent_from <= ul->nextuid);
	ASSERT(ul->nkw <= LB_FOLDER_KEYWORDS_MAX);
	for (i = 0; i < ul->nkw; i++)
		ASSERT(ul->kw[i] != NULL && md_keyword_valid(ul->kw[i]));
	for (i = 0; i < ul->nrecs; i++) {
		r = &ul->recs[i];
		ASSERT(r->uid > 0 && r->uid < ul->nextuid);
		ASSERT(i == 0 || r->uid > ul->recs[i - 1].uid);
		ASSERT(r->modseq <= ul->highestmodseq);
		ASSERT(r->vsize >= r->size && r->mtime >= 0);
		ASSERT(ul->nkw == 64 || (r->kw >> ul->nkw) == 0);
		ASSERT(r->unique != NULL && r->unique_len > 0 &&
		    strlen(r->unique) == r->unique_len);
		ASSERT(strcspn(r->unique, "/:, ") == r->unique_len &&
		    r->unique[0] != '.');
	}
}

static void
same_list(const struct md_ul *a, const struct md_ul *b)
{
	size_t i;

	ASSERT(a->uidvalidity == b->uidvalidity && a->nextuid == b->nextuid &&
	    a->recent_from == b->recent_from &&
	    a->highestmodseq == b->highestmodseq && a->nkw == b->nkw &&
	    a->nrecs == b->nrecs);
	for (i = 0; i < a->nkw; i++)
		ASSERT(strcmp(a->kw[i], b->kw[i]) == 0);
	for (i = 0; i < a->nrecs; i++) {
		const struct md_rec *x = &a->recs[i], *y = &b->recs[i];

		ASSERT(x->uid == y->uid && x->modseq == y->modseq &&
		    x->size == y->size && x->vsize == y->vsize &&
		    x->mtime == y->mtime && x->kw == y->kw &&
		    strcmp(x->flags, y->flags) == 0 &&
		    strcmp(x->unique, y->unique) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_ul ul, ul2;
	size_t i;
	int rc;

	rc = read_buf(data, size, &ul);
	if (rc != MD_OK) {
		ASSERT(ul.nrecs == 0 && ul.nkw == 0 && ul.recs == NULL);
		return 0;
	}
	check_list(&ul);

	/* Truncated at any earlier line end: refused. */
	for (i = 0; i + 1 < size; i++) {
		if (data[i] != '\n')
			continue;
		ASSERT(read_buf(data, i + 1, &ul2) != MD_OK);
	}

	setup_folder();
	ASSERT(md_ul_store(folderfd, &ul) == MD_OK);
	ASSERT(md_ul_load(folderfd, &ul2, NULL) == MD_OK);
	same_list(&ul, &ul2);
	md_ul_free(&ul2);
	md_ul_free(&ul);
	return 0;
}
