/*
 * imap/mboxname.c -- IMAP mailbox names <-> Maildir++ folder names.  Runs
 * in the session child (user ids, chroot, seccomp); pure string work.
 *
 * On disk a folder is named in modified UTF-7 (RFC 3501 sec. 5.1.3), as
 * Courier and Dovecot store it, so a Maildir moves between servers.  On
 * the wire the name is the same mUTF-7 text, or UTF-8 once the client
 * enabled UTF8=ACCEPT (RFC 6855 sec. 3).  The personal namespace is ""
 * with the separator '.', which is also the Maildir++ separator, so the
 * mapping is the identity on ASCII names.
 *
 * A name is checked in both forms: the mUTF-7 form must be the one strict
 * encoding (mutf7_to_utf8() refuses every other spelling, so two wire
 * names never reach one folder), and the decoded form must hold no
 * control characters (mUTF-7 could smuggle them in base64).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/mutf7.h"
#include "imap/imapd.h"
#include "imap/list.h"

/* Check the levels of a (mUTF-7 or UTF-8) name; why on failure. */
static int
check_levels(const char *p, size_t len, const char **why_r)
{
	size_t i;

	if (len == 0)
		return *why_r = "Empty mailbox name", -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			return *why_r = "Control characters are not allowed "
			    "in mailbox names", -1;
		if (c == '/')
			return *why_r = "'/' is not allowed in mailbox "
			    "names (the hierarchy separator is '.')", -1;
	}
	if (p[0] == IMAP_SEP || p[len - 1] == IMAP_SEP)
		return *why_r = "Mailbox name begins or ends with the "
		    "hierarchy separator '.'", -1;
	for (i = 0; i + 1 < len; i++)
		if (p[i] == IMAP_SEP && p[i + 1] == IMAP_SEP)
			return *why_r = "Empty hierarchy level (\"..\") in "
			    "mailbox name", -1;
	return 0;
}

int
imap_mbox_to_folder(const struct imap_session *s, const char *name,
    size_t len, char *folder, size_t folderlen, const char **why_r)
{
	struct buf u8, m7;
	const char *disk;
	size_t i, dlen;
	int eightbit = 0, r = -1;

	*why_r = "Invalid mailbox name";
	if (len == 0)
		return *why_r = "Empty mailbox name", -1;
	if (len > IMAP_MBOX_MAX)
		return *why_r = "Mailbox name too long", -1;
	if (memchr(name, '\0', len) != NULL)
		return *why_r = "NUL in mailbox name", -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			eightbit = 1;
	buf_init(&u8, 4 * IMAP_MBOX_MAX);
	buf_init(&m7, 4 * IMAP_MBOX_MAX);
	if (s->utf8) {
		/* RFC 6855 sec. 3: the name is UTF-8; '&' is itself. */
		if (buf_append(&u8, name, len) == -1 ||
		    utf8_to_mutf7(name, len, &m7) == -1) {
			*why_r = errno == EINVAL ? "Invalid UTF-8 in mailbox "
			    "name" : "Mailbox name too long";
			goto out;
		}
	} else {
		if (eightbit) {
			*why_r = "8-bit mailbox name: use modified UTF-7 "
			    "(RFC 3501 sec. 5.1.3) or ENABLE UTF8=ACCEPT";
			goto out;
		}
		if (mutf7_to_utf8(name, len, &u8) == -1) {
			*why_r = errno == EINVAL ? "Invalid modified UTF-7 in "
			    "mailbox name (RFC 3501 sec. 5.1.3)" :
			    "Mailbox name too long";
			goto out;
		}
		if (buf_append(&m7, name, len) == -1)
			goto out;
	}
	if (check_levels(u8.p, u8.len, why_r) == -1 ||
	    check_levels(m7.p, m7.len, why_r) == -1)
		goto out;
	disk = m7.p;
	dlen = m7.len;
	if (dlen + 1 > folderlen || dlen > LB_MAILDIR_NAME_MAX - 1) {
		*why_r = "Mailbox name too long";
		goto out;
	}
	memcpy(folder, disk, dlen);
	folder[dlen] = '\0';
	/* INBOX is case-insensitive (RFC 3501 sec. 5.1), also as the first
	 * level of a name: "inbox.x" is the folder "INBOX.x". */
	if (strncasecmp(folder, "INBOX", 5) == 0 &&
	    (folder[5] == '\0' || folder[5] == IMAP_SEP))
		memcpy(folder, "INBOX", 5);
	r = 0;
out:
	buf_free(&u8);
	buf_free(&m7);
	return r;
}

int
imap_folder_to_mbox(const struct imap_session *s, const char *folder,
    struct buf *out)
{
	struct buf tmp;
	size_t len = strlen(folder);
	int r;

	if (strcmp(folder, "INBOX") == 0)
		return buf_puts(out, "INBOX");
	if (s->utf8)
		return mutf7_to_utf8(folder, len, out);
	/* As on disk, if it is the one valid spelling of a name. */
	buf_init(&tmp, 4 * LB_MAILDIR_NAME_MAX);
	r = mutf7_to_utf8(folder, len, &tmp);
	buf_free(&tmp);
	if (r == -1)
		return -1;
	return buf_append(out, folder, len);
}

int
imap_folder_creatable(const char *folder, const char **why_r)
{
	if (strcasecmp(folder, "INBOX") == 0)
		return *why_r = "INBOX always exists", -1;
	if (strpbrk(folder, "%*") != NULL)
		return *why_r = "'%' and '*' are LIST wildcards, not allowed "
		    "in mailbox names", -1;
	return 0;
}
