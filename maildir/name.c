/*
 * maildir/name.c -- Maildir file names: parsing "<unique>[,S=n][,W=n]:2,FL",
 * making new unique names, flag letters, and counting a message's CRLF
 * size.  Runs in the session child (chrooted, seccomp: only pread, getpid,
 * getrandom, clock_gettime here) and in maildir-deliver as the user.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/num.h"
#include "maildir/md_int.h"

/* Escaped host name, set before the chroot (uname(2) is not allowed in
 * the session filter, and the chroot has no /etc/hostname). */
static char	md_host[LB_UNIQUE_HOST_MAX + 1] = "localhost";
static uint32_t	md_counter;

const char *
md_strerror(int err)
{
	switch (err) {
	case MD_OK:		return "success";
	case MD_ERR_IO:		return strerror(errno);
	case MD_ERR_NOFOLDER:	return "no such folder";
	case MD_ERR_QUOTA:	return "quota exceeded";
	case MD_ERR_LOCKED:	return "UID list locked by another process";
	case MD_ERR_LIMIT:	return "limit exceeded";
	case MD_ERR_GONE:	return "message was expunged";
	case MD_ERR_BADNAME:	return "invalid name";
	case MD_ERR_EXISTS:	return "folder already exists";
	case MD_ERR_NOSPACE:	return "no space left on device";
	case MD_ERR_CORRUPT:	return "state file corrupt";
	}
	return "unknown error";
}

int
md_err_temporary(int err)
{
	switch (err) {
	case MD_ERR_IO:
	case MD_ERR_LOCKED:
	case MD_ERR_NOSPACE:
	case MD_ERR_QUOTA:	/* the user may delete mail */
	case MD_ERR_GONE:
	case MD_ERR_CORRUPT:
		return 1;
	}
	return 0;
}

int
md_flags_norm(const char *in, char out[27])
{
	unsigned char seen[26];
	size_t i, n = 0;

	memset(seen, 0, sizeof(seen));
	for (; *in != '\0'; in++) {
		if (*in < 'A' || *in > 'Z')
			return -1;
		seen[*in - 'A'] = 1;
	}
	/* Maildir spec: flags "must be stored in ASCII order". */
	for (i = 0; i < 26; i++)
		if (seen[i])
			out[n++] = (char)('A' + i);
	out[n] = '\0';
	return 0;
}

/* Parse a ",S=<n>" style value; a bad number is ignored (hint only). */
static void
name_field(const char *f, size_t len, struct md_name *out)
{
	uint64_t v;

	if (len < 3 || f[1] != '=')
		return;
	if (num_parse_u64(f + 2, len - 2, UINT64_MAX, &v) == -1)
		return;
	if (f[0] == 'S' && !out->has_size) {
		out->size = v;
		out->has_size = 1;
	} else if (f[0] == 'W' && !out->has_vsize) {
		out->vsize = v;
		out->has_vsize = 1;
	}
}

int
md_name_parse(const char *name, struct md_name *out)
{
	const char *colon, *p, *end, *q;
	size_t len;
	unsigned char seen[26];
	int i, n;

	memset(out, 0, sizeof(*out));
	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return -1;
	len = strnlen(name, LB_MAILDIR_NAME_MAX + 1);
	if (len > LB_MAILDIR_NAME_MAX || memchr(name, '/', len) != NULL)
		return -1;
	colon = memchr(name, ':', len);
	end = colon ? colon : name + len;
	out->unique = name;
	out->unique_len = strcspn(name, ",:");
	if (out->unique_len == 0)
		return -1;
	/* Fields between the unique part and the info: ",S=123,W=130". */
	for (p = name + out->unique_len; p < end; p = q) {
		p++;			/* the ',' */
		q = memchr(p, ',', (size_t)(end - p));
		if (q == NULL)
			q = end;
		name_field(p, (size_t)(q - p), out);
	}
	if (colon == NULL || strncmp(colon, ":2,", 3) != 0)
		return 0;
	out->has_info = 1;
	memset(seen, 0, sizeof(seen));
	for (p = colon + 3; p < name + len; p++)
		if (*p >= 'A' && *p <= 'Z')
			seen[*p - 'A'] = 1;
	for (i = 0, n = 0; i < 26; i++)
		if (seen[i])
			out->flags[n++] = (char)('A' + i);
	out->flags[n] = '\0';
	return 0;
}

const char *
md_hostname(void)
{
	return md_host;
}

void
md_set_hostname(const char *host)
{
	size_t o = 0;
	const char *esc;

	for (; *host != '\0'; host++) {
		/* Maildir spec: '/' and ':' as octal escapes; ',' too,
		 * because it ends the unique part for us. */
		esc = *host == '/' ? "\\057" : *host == ':' ? "\\072" :
		    *host == ',' ? "\\054" : NULL;
		if (esc != NULL) {
			if (o + 4 > LB_UNIQUE_HOST_MAX)
				break;
			memcpy(md_host + o, esc, 4);
			o += 4;
		} else if ((unsigned char)*host > 0x20 &&
		    (unsigned char)*host < 0x7f) {
			if (o + 1 > LB_UNIQUE_HOST_MAX)
				break;
			md_host[o++] = *host;
		}
	}
	if (o == 0) {
		(void)strcpy(md_host, "localhost");
		return;
	}
	md_host[o] = '\0';
}

int
md_unique_new(char *buf, size_t len)
{
	struct timespec ts;
	unsigned char rnd[8];
	char hex[17];
	size_t i;
	int n;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	/* The random part keeps names unique across hosts sharing NFS and
	 * across pid reuse within one microsecond; if the pool is not ready
	 * time, pid and counter still make collisions unlikely, and the
	 * O_EXCL open catches the rest. */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	n = snprintf(buf, len, "%lld.M%06ldP%ldQ%luR%s.%s",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
	    (unsigned long)++md_counter, hex, md_host);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
md_count_vsize(int fd, uint64_t *size_r, uint64_t *vsize_r)
{
	char b[65536];
	ssize_t n, i;
	uint64_t size = 0, bare = 0;
	off_t off = 0;
	int prev = 0;

	for (;;) {
		n = pread(fd, b, sizeof(b), off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return MD_ERR_IO;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (b[i] == '\n' && prev != '\r')
				bare++;
			prev = (unsigned char)b[i];
		}
		size += (uint64_t)n;
		off += n;
	}
	*size_r = size;
	*vsize_r = size + bare;
	return MD_OK;
}
