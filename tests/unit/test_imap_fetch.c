/*
 * tests/unit/test_imap_fetch.c -- FETCH and UID FETCH (imap/fetch.c) on a
 * real Maildir: messages delivered with maildir/ (or written as files),
 * commands parsed by imap/parse.c, output read back from the other end
 * of a socketpair by a reader thread and compared byte for byte.  The
 * session's view and responses are the core's own (imap/view.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "mdtest.h"

#include "common/io.h"
#include "common/limits.h"
#include "imap/fetch.h"
#include "imap/imapd.h"
#include "imap/parse.h"

/* --------------------------------------------------------------------- */
/* Fixture.                                                               */

static char dir[64];
static int rootfd = -1;
static struct imap_session S;
static enum imap_result last_res;

/* What SELECT does: the view holds every message of the engine.  keep
 * \Recent only if asked (it lengthens every expected FLAGS). */
static void
fill_view(int recent)
{
	size_t i;

	S.nview = 0;
	if (imap_view_grow(&S, md_count(S.f) + 1) == -1)
		exit(2);
	for (i = 0; i < md_count(S.f); i++) {
		imap_view_set(&S.view[i], md_get(S.f, i));
		if (!recent)
			S.view[i].recent = 0;
	}
	S.nview = md_count(S.f);
}

static char *
slurp(const char *name, size_t *len_r)
{
	char path[256];
	FILE *f;
	char *p = malloc(1 << 16);
	size_t n;

	(void)snprintf(path, sizeof(path), "tests/data/mime/%s", name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	n = fread(p, 1, (1 << 16) - 1, f);
	fclose(f);
	p[n] = '\0';
	*len_r = n;
	return p;
}

/* Deliver a sample, with a fixed INTERNALDATE. */
static void
deliver_file(const char *name, time_t mtime)
{
	struct md_delivery *d;
	size_t len;
	char *p = slurp(name, &len);

	if (md_deliver_begin(&d, rootfd, "INBOX", 0) != MD_OK ||
	    md_deliver_write(d, p, len) != MD_OK ||
	    md_deliver_commit(&d, NULL, mtime, NULL) != MD_OK) {
		fprintf(stderr, "deliver %s failed\n", name);
		exit(2);
	}
	free(p);
}

/* Write a message file directly into cur/ (bytes kept as given). */
static void
write_cur(const char *fname, const char *data, size_t len, time_t mtime)
{
	char path[300];
	struct timespec ts[2];
	int fd;

	(void)snprintf(path, sizeof(path), "cur/%s", fname);
	fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data, len) != (ssize_t)len)
		exit(2);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	(void)futimens(fd, ts);
	close(fd);
}

static void
open_box_recent(int recent)
{
	if (S.f != NULL)
		md_folder_close(&S.f);
	if (md_folder_open(&S.f, rootfd, "INBOX", 0) != MD_OK) {
		fprintf(stderr, "md_folder_open failed\n");
		exit(2);
	}
	fill_view(recent);
}

static void
open_box(void)
{
	open_box_recent(0);
}

static void
setup(void)
{
	memset(&S, 0, sizeof(S));
	rootfd = md_tmp(dir);
	S.rootfd = rootfd;
	S.state = IMAP_STATE_SELECTED;
	buf_init(&S.scratch, 65536);
}

static void
teardown(void)
{
	md_folder_close(&S.f);
	free(S.view);
	S.view = NULL;
	S.nview = S.capview = 0;
	buf_free(&S.scratch);
	close(rootfd);
	rm_rf(dir);
}

/* The reader: everything the other end of the socketpair receives. */
struct reader {
	int	fd;
	char	*p;
	size_t	len, cap, total;
	size_t	keep;		/* bytes stored at most */
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	char b[65536];
	ssize_t n;
	size_t take;

	for (;;) {
		n = read(r->fd, b, sizeof(b));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->total += (size_t)n;
		take = (size_t)n;
		if (r->len + take > r->keep)
			take = r->keep - r->len;
		if (r->len + take + 1 > r->cap) {
			r->cap = (r->len + take + 1) * 2;
			r->p = realloc(r->p, r->cap);
		}
		memcpy(r->p + r->len, b, take);
		r->len += take;
		r->p[r->len] = '\0';
	}
	return NULL;
}

/*
 * Run one command line through the parser and imap_cmd_fetch; returns the
 * untagged output followed by the tagged line the core would write
 * (malloc'd).  *total_r (may be NULL) gets the byte count received, which
 * exceeds the string when more than keep bytes came.
 */
static char *
run_keep(const char *line, size_t keep, size_t *total_r)
{
	struct imap_parse_limits lim;
	struct imap_parser *p;
	const struct imap_arg *args;
	const char *cmd, *tag;
	struct reader r;
	struct io io;
	pthread_t th;
	size_t nargs, used;
	int sv[2], uid = 0;
	char tl[1024];
	static const char *const res[] = { "OK", "NO", "BAD", "", "BYE" };

	imap_parse_limits_default(&lim);
	p = imap_parse_new(&lim);
	if (imap_parse_feed(p, line, strlen(line), &used) != IMAP_PARSE_DONE) {
		/* The core answers BAD for what the parser refuses. */
		imap_parse_free(&p);
		last_res = IMAP_BAD;
		if (total_r != NULL)
			*total_r = 0;
		return strdup("a BAD (parser)\r\n");
	}
	cmd = imap_parse_command(p);
	tag = imap_parse_tag(p);
	args = imap_parse_args(p, &nargs);
	if (strcmp(cmd, "UID") == 0) {
		uid = 1;
		args++;
		nargs--;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	memset(&r, 0, sizeof(r));
	r.fd = sv[1];
	r.keep = keep;
	r.p = calloc(1, 1);
	r.cap = 1;
	pthread_create(&th, NULL, reader_main, &r);
	io_init(&io, sv[0], sv[0], LB_INBUF_MAX);
	S.io = &io;
	S.code[0] = S.text[0] = '\0';
	last_res = imap_cmd_fetch(&S, args, nargs, uid);
	if (S.code[0] != '\0')
		(void)snprintf(tl, sizeof(tl), "%s %s [%.64s] %.512s\r\n",
		    tag, res[last_res], S.code, S.text);
	else
		(void)snprintf(tl, sizeof(tl), "%s %s %.512s\r\n", tag,
		    res[last_res], S.text);
	(void)io_write(&io, tl, strlen(tl));
	(void)io_flush(&io);
	close(sv[0]);
	pthread_join(th, NULL);
	close(sv[1]);
	io_free(&io);
	S.io = NULL;
	imap_parse_free(&p);
	if (total_r != NULL)
		*total_r = r.total;
	return r.p;
}

static char *
run(const char *line)
{
	return run_keep(line, 64 * 1024 * 1024, NULL);
}

#define CHECK_RUN(line, want) do {					\
	char *got_ = run(line);						\
	CHECK_STR(got_, want);						\
	free(got_);							\
} while (0)

/* The literal after the first occurrence of key ("BODY[] "): its size
 * (or -1) and, in *p_r, where its bytes start. */
static long
literal_after(const char *out, const char *key, const char **p_r)
{
	const char *k = strstr(out, key);
	char *end;
	long n;

	if (k == NULL || k[strlen(key)] != '{')
		return -1;
	n = strtol(k + strlen(key) + 1, &end, 10);
	if (end[0] != '}' || end[1] != '\r' || end[2] != '\n')
		return -1;
	*p_r = end + 3;
	return n;
}

/* The LF -> CRLF form of s[0..len) as IMAP serves it. */
static char *
crlf(const char *s, size_t len, size_t *n_r)
{
	char *o = malloc(2 * len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			o[n++] = '\r';
		o[n++] = s[i];
	}
	o[n] = '\0';
	*n_r = n;
	return o;
}

/* 7-Feb-1994 21:52:25 UTC */
#define T1	((time_t)760657945)

/* --------------------------------------------------------------------- */

TEST(simple_items)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	setup();
	deliver_file("simple.eml", T1);
	open_box();
	CHECK_RUN("a FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE)\r\n",
	    "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 364 "
	    "INTERNALDATE \" 7-Feb-1994 21:52:25 +0000\")\r\n"
	    "a OK Fetch completed.\r\n");
	/* Items come in the order asked, UID first; repeated ones once. */
	CHECK_RUN("a FETCH 1 (FLAGS UID FLAGS)\r\n",
	    "* 1 FETCH (UID 1 FLAGS ())\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1:* FLAGS\r\n",
	    "* 1 FETCH (FLAGS ())\r\n"
	    "a OK Fetch completed.\r\n");
	/* Macros. */
	CHECK_RUN("a FETCH 1 FAST\r\n",
	    "* 1 FETCH (FLAGS () INTERNALDATE \" 7-Feb-1994 21:52:25 +0000\" "
	    "RFC822.SIZE 364)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 ALL\r\n",
	    "* 1 FETCH (FLAGS () INTERNALDATE \" 7-Feb-1994 21:52:25 +0000\" "
	    "RFC822.SIZE 364 ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800 "
	    "(PST)\" \"afternoon meeting\" ((\"Fred Foobar\" NIL \"foobar\" "
	    "\"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" "
	    "\"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" "
	    "\"Blurdybloop.example\")) ((NIL NIL \"mooch\" "
	    "\"owatagu.siam.example\")) NIL NIL NIL "
	    "\"<B27397-0100000@Blurdybloop.example>\"))\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 (BODY BODYSTRUCTURE)\r\n",
	    "* 1 FETCH (BODY (\"text\" \"plain\" (\"charset\" \"US-ASCII\") "
	    "NIL NIL \"7bit\" 63 3) BODYSTRUCTURE (\"text\" \"plain\" "
	    "(\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 63 3 NIL NIL NIL "
	    "NIL))\r\n"
	    "a OK Fetch completed.\r\n");
	teardown();
}

TEST(recent_and_keywords)
{
	int k;

	setup();
	deliver_file("simple.eml", T1);
	open_box_recent(1);
	CHECK_RUN("a FETCH 1 FLAGS\r\n",
	    "* 1 FETCH (FLAGS (\\Recent))\r\n"
	    "a OK Fetch completed.\r\n");
	k = md_keyword_index(S.f, "$Junk", 1);
	CHECK(k >= 0);
	CHECK(md_set_keywords(S.f, 0, (uint64_t)1 << k) == MD_OK);
	CHECK(md_set_flags(S.f, 0, "FR") == MD_OK);
	CHECK(md_sync(S.f, NULL) == MD_OK);
	CHECK_RUN("a FETCH 1 FLAGS\r\n",
	    "* 1 FETCH (FLAGS (\\Answered \\Flagged \\Recent $Junk))\r\n"
	    "a OK Fetch completed.\r\n");
	/* The implicit \Seen keeps the other flags and keywords. */
	CHECK_RUN("a FETCH 1 BODY[]<0.1>\r\n",
	    "* 1 FETCH (BODY[]<0> {1}\r\nR FLAGS (\\Answered \\Flagged "
	    "\\Seen \\Recent $Junk))\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_STR(md_get(S.f, 0)->flags, "FRS");
	teardown();
}

TEST(internaldate_zone)
{
	setenv("TZ", "EST5", 1);
	tzset();
	setup();
	deliver_file("simple.eml", T1);
	open_box();
	CHECK_RUN("a FETCH 1 INTERNALDATE\r\n",
	    "* 1 FETCH (INTERNALDATE \" 7-Feb-1994 16:52:25 -0500\")\r\n"
	    "a OK Fetch completed.\r\n");
	setenv("TZ", "IST-5:30", 1);
	tzset();
	CHECK_RUN("a FETCH 1 INTERNALDATE\r\n",
	    "* 1 FETCH (INTERNALDATE \" 8-Feb-1994 03:22:25 +0530\")\r\n"
	    "a OK Fetch completed.\r\n");
	setenv("TZ", "UTC0", 1);
	tzset();
	teardown();
}

TEST(sections_and_partials)
{
	size_t len, clen;
	char *raw, *want, *got;
	const char *lit;
	long n;

	setup();
	deliver_file("simple.eml", T1);
	deliver_file("mixed-attach.eml", T1);
	open_box();
	raw = slurp("simple.eml", &len);
	want = crlf(raw, len, &clen);
	CHECK(clen == 364);

	got = run("a FETCH 1 BODY.PEEK[]\r\n");
	n = literal_after(got, "BODY[] ", &lit);
	CHECK(n == 364);
	CHECK(n > 0 && memcmp(lit, want, clen) == 0);
	CHECK(n > 0 && strcmp(lit + n, ")\r\na OK Fetch completed.\r\n") == 0);
	free(got);

	CHECK_RUN("a FETCH 1 BODY.PEEK[]<0.10>\r\n",
	    "* 1 FETCH (BODY[]<0> {10}\r\nReturn-Pat)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 BODY.PEEK[]<30.12>\r\n",
	    "* 1 FETCH (BODY[]<30> {12}\r\ng>\r\nDate: Mo)\r\n"
	    "a OK Fetch completed.\r\n");
	/* A window past the end is cut; one starting past it is "". */
	CHECK_RUN("a FETCH 1 BODY.PEEK[]<360.100>\r\n",
	    "* 1 FETCH (BODY[]<360> {4}\r\ned\r\n)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 BODY.PEEK[]<364.1>\r\n",
	    "* 1 FETCH (BODY[]<364> \"\")\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 BODY.PEEK[]<4294967295.1>\r\n",
	    "* 1 FETCH (BODY[]<4294967295> \"\")\r\n"
	    "a OK Fetch completed.\r\n");
	/* Header subsets: the names as the client wrote them. */
	CHECK_RUN("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)])\r\n",
	    "* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {30}\r\n"
	    "Subject: afternoon meeting\r\n\r\n)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 body.peek[header.fields (SUBJECT \"To\")]<9.8>\r\n",
	    "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT To)]<9> {8}\r\n"
	    "afternoo)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Return-Path Date "
	    "From Subject To Message-Id MIME-Version)]\r\n",
	    "* 1 FETCH (BODY[HEADER.FIELDS.NOT (Return-Path Date From "
	    "Subject To Message-Id MIME-Version)] {46}\r\n"
	    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n)\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a FETCH 1 BODY.PEEK[TEXT]\r\n",
	    "* 1 FETCH (BODY[TEXT] {63}\r\n"
	    "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n\r\n"
	    "Fred\r\n)\r\n"
	    "a OK Fetch completed.\r\n");
	/* Part 1 of a non-multipart message is its body. */
	CHECK_RUN("a FETCH 1 BODY.PEEK[1]<0.5>\r\n",
	    "* 1 FETCH (BODY[1]<0> {5}\r\nHello)\r\n"
	    "a OK Fetch completed.\r\n");
	/* A part that does not exist is "" (imap/section.h); 1.MIME of a
	 * single-part message is its header (imap/section.c). */
	CHECK_RUN("a FETCH 1 (BODY.PEEK[2] BODY.PEEK[2.MIME] "
	    "BODY.PEEK[1.1])\r\n",
	    "* 1 FETCH (BODY[2] \"\" BODY[2.MIME] \"\" BODY[1.1] \"\")\r\n"
	    "a OK Fetch completed.\r\n");
	got = run("a FETCH 1 BODY.PEEK[1.MIME]\r\n");
	CHECK(literal_after(got, "BODY[1.MIME] ", &lit) == 364 - 63);
	free(got);
	/* Multipart: MIME header of part 1, text of part 1, a window of
	 * part 2. */
	CHECK_RUN("a FETCH 2 (BODY.PEEK[1.MIME] BODY.PEEK[1] "
	    "BODY.PEEK[2]<0.12>)\r\n",
	    "* 2 FETCH (BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n "
	    "BODY[1] {15}\r\nSee attached.\r\n BODY[2]<0> {12}\r\n"
	    "AAECAwQFBgcI)\r\n"
	    "a OK Fetch completed.\r\n");
	/* The RFC822 forms; HEADER is RFC822.HEADER's twin. */
	got = run("a FETCH 1 (RFC822.HEADER BODY.PEEK[HEADER])\r\n");
	n = literal_after(got, "RFC822.HEADER ", &lit);
	CHECK(n == 364 - 63);
	CHECK(n > 0 && memcmp(lit, want, (size_t)n) == 0);
	CHECK(literal_after(got, "BODY[HEADER] ", &lit) == n);
	free(got);
	/* Still unseen: PEEK and RFC822.HEADER do not set \Seen. */
	CHECK_RUN("a FETCH 1 FLAGS\r\n",
	    "* 1 FETCH (FLAGS ())\r\n"
	    "a OK Fetch completed.\r\n");
	free(raw);
	free(want);
	teardown();
}

TEST(implicit_seen)
{
	char *got;
	const char *lit;

	setup();
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	open_box();
	/* BODY[TEXT] sets \Seen and reports it. */
	CHECK_RUN("a FETCH 1 BODY[TEXT]<0.5>\r\n",
	    "* 1 FETCH (BODY[TEXT]<0> {5}\r\nHello FLAGS (\\Seen))\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK(strchr(md_get(S.f, 0)->flags, 'S') != NULL);
	CHECK(strchr(S.view[0].flags, 'S') != NULL);	/* told the view */
	CHECK(count_dir(rootfd, "cur") == 3);
	/* Already seen: no FLAGS again. */
	CHECK_RUN("a FETCH 1 BODY[TEXT]<0.5>\r\n",
	    "* 1 FETCH (BODY[TEXT]<0> {5}\r\nHello)\r\n"
	    "a OK Fetch completed.\r\n");
	/* FLAGS asked for: reported once, in its place. */
	CHECK_RUN("a FETCH 2 (FLAGS RFC822.TEXT)\r\n",
	    "* 2 FETCH (FLAGS (\\Seen) RFC822.TEXT {63}\r\n"
	    "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n\r\n"
	    "Fred\r\n)\r\n"
	    "a OK Fetch completed.\r\n");
	/* EXAMINE: nothing changes. */
	S.readonly = 1;
	got = run("a FETCH 3 RFC822\r\n");
	CHECK(literal_after(got, "RFC822 ", &lit) == 364);
	CHECK(strstr(got, "FLAGS") == NULL);
	free(got);
	CHECK(strchr(md_get(S.f, 2)->flags, 'S') == NULL);
	S.readonly = 0;
	got = run("a FETCH 3 RFC822\r\n");
	CHECK(literal_after(got, "RFC822 ", &lit) == 364);
	CHECK(strstr(got, "Fred\r\n FLAGS (\\Seen))\r\na OK") != NULL);
	free(got);
	CHECK(strchr(md_get(S.f, 2)->flags, 'S') != NULL);
	/* The change reached the disk: a fresh open sees it. */
	open_box();
	CHECK(strchr(md_get(S.f, 0)->flags, 'S') != NULL);
	CHECK(strchr(md_get(S.f, 1)->flags, 'S') != NULL);
	CHECK(strchr(md_get(S.f, 2)->flags, 'S') != NULL);
	teardown();
}

/* RFC822.SIZE always equals the BODY[] literal, whatever the line ends. */
static void
size_matches(const char *data, size_t len, size_t want)
{
	char *got, *exp;
	const char *lit, *sz;
	size_t elen;
	long n;

	setup();
	write_cur("1000.M1P1.test:2,", data, len, T1);
	open_box();
	got = run("a FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n");
	sz = strstr(got, "RFC822.SIZE ");
	n = literal_after(got, "BODY[] ", &lit);
	CHECK(sz != NULL && n >= 0 && strtol(sz + 12, NULL, 10) == n);
	CHECK(n == (long)want);
	if (n != (long)want)
		fprintf(stderr, "  got %ld want %zu: %s\n", n, want, got);
	exp = crlf(data, len, &elen);
	CHECK(elen == want && n == (long)want && memcmp(lit, exp, elen) == 0);
	free(exp);
	free(got);
	/* Without opening the file, the engine's count says the same. */
	got = run("a FETCH 1 RFC822.SIZE\r\n");
	sz = strstr(got, "RFC822.SIZE ");
	CHECK(sz != NULL && strtol(sz + 12, NULL, 10) == (long)want);
	free(got);
	teardown();
}

TEST(size_equals_literal)
{
	static const char lf[] = "Subject: x\n\nbody\n";
	static const char crlfd[] = "Subject: x\r\n\r\nbody\r\n";
	static const char mixed[] = "Subject: x\r\n\nbody\nno newline";
	static const char cr[] = "Subject: x\n\nlone\rcr\r";
	size_t len;
	char *p;

	size_matches(lf, sizeof(lf) - 1, sizeof(lf) - 1 + 3);
	size_matches(crlfd, sizeof(crlfd) - 1, sizeof(crlfd) - 1);
	size_matches(mixed, sizeof(mixed) - 1, sizeof(mixed) - 1 + 2);
	size_matches(cr, sizeof(cr) - 1, sizeof(cr) - 1 + 2);
	p = slurp("no-separator.eml", &len);
	CHECK(len > 0 && p[len - 1] != '\n');
	size_matches(p, len, len + 2);
	free(p);
	/* Stored with CRLF, one bare LF inside. */
	p = slurp("crlf.eml", &len);
	CHECK(len == 207 && memmem(p, len, "\r\n", 2) != NULL);
	size_matches(p, len, len + 1);
	free(p);
}

/* A CR LF pair across the 64 KiB conversion window stays one line end. */
TEST(crlf_across_window)
{
	size_t len = 200000, i, elen;
	char *p = malloc(len), *got, *exp;
	const char *lit;
	long n;

	memcpy(p, "Subject: w\r\n\r\n", 14);
	for (i = 14; i < len; i++)
		p[i] = 'a' + (char)(i % 26);
	/* CR at the last byte of the first window, and LF-only lines. */
	p[65535] = '\r';
	p[65536] = '\n';
	p[131071] = '\n';
	p[131072] = '\r';
	p[131073] = '\n';
	setup();
	write_cur("2000.M1P1.test:2,", p, len, T1);
	open_box();
	exp = crlf(p, len, &elen);
	CHECK(elen == len + 1);
	got = run("a FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n");
	n = literal_after(got, "BODY[] ", &lit);
	CHECK(n == (long)elen && memcmp(lit, exp, elen) == 0);
	CHECK(strstr(got, "RFC822.SIZE 200001 ") != NULL);
	free(got);
	/* A window that starts inside the second chunk. */
	got = run("a FETCH 1 BODY.PEEK[]<65534.5>\r\n");
	n = literal_after(got, "BODY[]<65534> ", &lit);
	CHECK(n == 5 && memcmp(lit, exp + 65534, 5) == 0);
	free(got);
	free(exp);
	free(p);
	teardown();
}

TEST(envelope_charsets)
{
	char *got;

	setup();
	deliver_file("koi8r.eml", T1);
	deliver_file("header-8bit.eml", T1);
	open_box();
	/* Encoded words go out as they are, quoted. */
	got = run("a FETCH 1 ENVELOPE\r\n");
	CHECK(strstr(got, " \"=?koi8-r?B?8NLJ18XULCDNydI=?=\" ") != NULL);
	CHECK(strstr(got, "((\"=?koi8-r?B?6dfBzg==?=\" NIL \"ivan\" "
	    "\"example.ru\"))") != NULL);
	CHECK(strstr(got, "a OK Fetch completed.\r\n") != NULL);
	free(got);
	/* Raw 8-bit bytes force a literal (no UTF8=ACCEPT). */
	got = run("a FETCH 2 ENVELOPE\r\n");
	CHECK(strstr(got, " {17}\r\nGr\xfc\xdf" "e aus M\xfcnchen ") != NULL);
	CHECK(strstr(got, "(({13}\r\nJ\xfcrgen M\xfcller NIL \"juergen\" "
	    "\"example.de\"))") != NULL);
	free(got);
	teardown();
}

TEST(uid_fetch)
{
	char *got;

	setup();
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	open_box();
	CHECK_RUN("a UID FETCH 2:* FLAGS\r\n",
	    "* 2 FETCH (UID 2 FLAGS ())\r\n"
	    "* 3 FETCH (UID 3 FLAGS ())\r\n"
	    "a OK Fetch completed.\r\n");
	CHECK_RUN("a UID FETCH 1:4294967295 RFC822.SIZE\r\n",
	    "* 1 FETCH (UID 1 RFC822.SIZE 364)\r\n"
	    "* 2 FETCH (UID 2 RFC822.SIZE 364)\r\n"
	    "* 3 FETCH (UID 3 RFC822.SIZE 364)\r\n"
	    "a OK Fetch completed.\r\n");
	/* UIDs that do not exist: nothing, OK. */
	CHECK_RUN("a UID FETCH 7:9 FLAGS\r\n", "a OK Fetch completed.\r\n");
	CHECK_RUN("a UID FETCH 3,1 UID\r\n",
	    "* 1 FETCH (UID 1)\r\n"
	    "* 3 FETCH (UID 3)\r\n"
	    "a OK Fetch completed.\r\n");
	/* Message numbers above the count are BAD (the core's rule). */
	got = run("a FETCH 1:4 FLAGS\r\n");
	CHECK(last_res == IMAP_BAD && strncmp(got, "a BAD", 5) == 0);
	free(got);
	teardown();
}

TEST(gone_messages)
{
	const struct md_msg *m;
	char path[300];

	setup();
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	open_box();
	/* Another process expunges message 2; the engine notices, the
	 * client's view keeps it until EXPUNGE may be sent. */
	m = md_get(S.f, 1);
	(void)snprintf(path, sizeof(path), "%s/%s", m->in_new ? "new" : "cur",
	    m->name);
	CHECK(unlinkat(rootfd, path, 0) == 0);
	CHECK(md_sync(S.f, NULL) == MD_OK);
	CHECK(md_count(S.f) == 2 && S.nview == 3);
	CHECK_RUN("a FETCH 1:3 (UID BODY.PEEK[HEADER.FIELDS (Subject)])\r\n",
	    "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (Subject)] {30}\r\n"
	    "Subject: afternoon meeting\r\n\r\n)\r\n"
	    "* 3 FETCH (UID 3 BODY[HEADER.FIELDS (Subject)] {30}\r\n"
	    "Subject: afternoon meeting\r\n\r\n)\r\n"
	    "a NO [EXPUNGEISSUED] Some messages were expunged.\r\n");
	CHECK(last_res == IMAP_NO);
	CHECK_RUN("a FETCH 2 BODY[]\r\n",
	    "a NO [EXPUNGEISSUED] Some messages were expunged.\r\n");
	/* UID FETCH is silent about it. */
	CHECK_RUN("a UID FETCH 1:* FLAGS\r\n",
	    "* 1 FETCH (UID 1 FLAGS ())\r\n"
	    "* 3 FETCH (UID 3 FLAGS ())\r\n"
	    "a OK Fetch completed.\r\n");
	teardown();
}

TEST(condstore)
{
	char *got, want[256];
	uint64_t hms, ms1;

	setup();
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	deliver_file("simple.eml", T1);
	open_box();
	hms = md_highestmodseq(S.f);
	CHECK(!S.condstore);
	/* Without CONDSTORE, an implicit \Seen reports FLAGS only. */
	CHECK_RUN("a FETCH 1 BODY[]<0.1>\r\n",
	    "* 1 FETCH (BODY[]<0> {1}\r\nR FLAGS (\\Seen))\r\n"
	    "a OK Fetch completed.\r\n");
	ms1 = md_get(S.f, 0)->modseq;
	CHECK(ms1 > hms);
	/* MODSEQ enables CONDSTORE and reports HIGHESTMODSEQ once. */
	got = run("a FETCH 1 MODSEQ\r\n");
	(void)snprintf(want, sizeof(want), "* OK [HIGHESTMODSEQ %llu] "
	    "Highest\r\n* 1 FETCH (MODSEQ (%llu))\r\na OK Fetch completed.\r\n",
	    (unsigned long long)md_highestmodseq(S.f),
	    (unsigned long long)ms1);
	CHECK_STR(got, want);
	free(got);
	CHECK(S.condstore);
	/* CHANGEDSINCE: only message 1 changed since hms; MODSEQ implied. */
	(void)snprintf(want, sizeof(want), "a UID FETCH 1:* (FLAGS) "
	    "(CHANGEDSINCE %llu)\r\n", (unsigned long long)hms);
	got = run(want);
	(void)snprintf(want, sizeof(want), "* 1 FETCH (UID 1 FLAGS (\\Seen) "
	    "MODSEQ (%llu))\r\na OK Fetch completed.\r\n",
	    (unsigned long long)ms1);
	CHECK_STR(got, want);
	free(got);
	(void)snprintf(want, sizeof(want), "a FETCH 1:* (UID) "
	    "(CHANGEDSINCE %llu)\r\n", (unsigned long long)ms1);
	got = run(want);
	CHECK_STR(got, "a OK Fetch completed.\r\n");
	free(got);
	/* With CONDSTORE on, an implicit \Seen carries its new MODSEQ. */
	got = run("a FETCH 2 BODY[]<0.1>\r\n");
	(void)snprintf(want, sizeof(want), "* 2 FETCH (BODY[]<0> {1}\r\nR "
	    "FLAGS (\\Seen) MODSEQ (%llu))\r\na OK Fetch completed.\r\n",
	    (unsigned long long)md_get(S.f, 1)->modseq);
	CHECK_STR(got, want);
	free(got);
	CHECK(md_get(S.f, 1)->modseq > ms1);
	CHECK(S.view[1].modseq == md_get(S.f, 1)->modseq);
	teardown();
}

TEST(bad_syntax)
{
	static const char *const bad[] = {
		"a FETCH 1 FOO\r\n",
		"a FETCH 1 (FLAGS FOO)\r\n",
		"a FETCH 1 (ALL)\r\n",
		"a FETCH 1 (FLAGS FAST)\r\n",
		"a FETCH 1 ()\r\n",
		"a FETCH 1 \"FLAGS\"\r\n",
		"a FETCH 1 BODY[HEADER.FIELDS]\r\n",
		"a FETCH 1 BODY[HEADER.FIELDS ()]\r\n",
		"a FETCH 1 BODY[TEXT (a)]\r\n",
		"a FETCH 1 BODY[0]\r\n",
		"a FETCH 1 BODY[1.]\r\n",
		"a FETCH 1 BODY[MIME]\r\n",
		"a FETCH 1 BODY[FOO]\r\n",
		"a FETCH 1 BODY[]<0.0>\r\n",
		"a FETCH 1 BODY[]<0>\r\n",
		"a FETCH 1 BODY[]<x.1>\r\n",
		"a FETCH 1 BODY[]<1.01>\r\n",
		"a FETCH 1 BODY[]<4294967296.1>\r\n",
		"a FETCH 1 BODY.PEAK[]\r\n",
		"a FETCH 1 BINARY[1]\r\n",
		"a FETCH 1 FLAGS (FOO 1)\r\n",
		"a FETCH 1 FLAGS (CHANGEDSINCE)\r\n",
		"a FETCH 1 FLAGS (CHANGEDSINCE x)\r\n",
		"a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)\r\n",
		"a FETCH 1 FLAGS ()\r\n",
		"a FETCH 1 FLAGS FOO\r\n",
		"a FETCH 1 FLAGS (CHANGEDSINCE 1) x\r\n",
		"a FETCH 1\r\n",
		"a FETCH x FLAGS\r\n",
		"a FETCH 2 FLAGS\r\n",
	};
	size_t i;
	char *got;

	setup();
	deliver_file("simple.eml", T1);
	open_box();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = run(bad[i]);
		CHECK(last_res == IMAP_BAD);
		CHECK(strncmp(got, "a BAD ", 6) == 0);
		if (last_res != IMAP_BAD)
			fprintf(stderr, "  not BAD: %s", bad[i]);
		free(got);
	}
	/* Nothing was changed or enabled by a bad command. */
	CHECK(!S.condstore);
	CHECK(strchr(md_get(S.f, 0)->flags, 'S') == NULL);
	teardown();
}

TEST(date_time)
{
	struct buf b;

	setenv("TZ", "UTC0", 1);
	tzset();
	buf_init(&b, 256);
	CHECK(imap_date_time(&b, 0) == 0);
	CHECK(imap_date_time(&b, (time_t)1700000000) == 0);
	CHECK(buf_cstr(&b) != NULL);
	CHECK_STR(b.p, "\" 1-Jan-1970 00:00:00 +0000\""
	    "\"14-Nov-2023 22:13:20 +0000\"");
	buf_free(&b);
	buf_init(&b, 10);
	CHECK(imap_date_time(&b, 0) == -1);
	buf_free(&b);
}

/*
 * A message above LB_FETCH_MEM_MAX: served whole by streaming it from its
 * file; items that need its structure get NO [LIMIT].
 */
TEST(big_message)
{
	size_t len = LB_FETCH_MEM_MAX + 100000, i, total, lines = 0;
	char *p = malloc(len), *got, hdr[128];
	const char *lit;
	long n;
	int k;

	memcpy(p, "Subject: big\n\n", 14);
	for (i = 14; i < len; i++) {
		p[i] = (i % 100 == 99) ? '\n' : 'x';
	}
	for (i = 0; i < len; i++)
		lines += p[i] == '\n';
	setup();
	write_cur("3000.M1P1.test:2,", p, len, T1);
	open_box();
	got = run_keep("a FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n", 4096,
	    &total);
	k = snprintf(hdr, sizeof(hdr), "* 1 FETCH (RFC822.SIZE %zu "
	    "BODY[] {%zu}\r\nSubject: big\r\n\r\nxx", len + lines,
	    len + lines);
	CHECK(strncmp(got, hdr, (size_t)k) == 0);
	CHECK(total == (size_t)k - 18 + len + lines +
	    strlen(")\r\na OK Fetch completed.\r\n"));
	free(got);
	/* A window deep inside. */
	got = run("a FETCH 1 BODY.PEEK[]<67108800.12>\r\n");
	n = literal_after(got, "BODY[]<67108800> ", &lit);
	CHECK(n == 12);
	/* The same window of the CRLF view, computed here. */
	for (i = 0, total = 0, k = 0; i < len && k < 12; i++) {
		if (p[i] == '\n') {
			if (total >= 67108800 && k < 12)
				hdr[k++] = '\r';
			total++;
		}
		if (total >= 67108800 && k < 12)
			hdr[k++] = p[i];
		total++;
	}
	CHECK(n == 12 && k == 12 && memcmp(lit, hdr, 12) == 0);
	free(got);
	got = run("a FETCH 1 (UID ENVELOPE)\r\n");
	CHECK_STR(got, "a NO [LIMIT] Some messages are too large to fetch "
	    "anything but their whole text.\r\n");
	free(got);
	free(p);
	teardown();
}
