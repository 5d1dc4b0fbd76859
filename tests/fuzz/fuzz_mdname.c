/*
 * tests/fuzz/fuzz_mdname.c -- libFuzzer target for Maildir file names
 * (maildir/name.c: md_name_parse, md_flags_norm) and the POP3 UIDL made
 * from their unique part.  File names come from the directory, so anyone
 * who can write into the Maildir (the MTA, other tools, the user) chooses
 * them.  Built and run by `make fuzz`.
 *
 * Checked beyond "no crash": the unique part is a non-empty prefix of the
 * name without ',' ':' '/'; S=/W= are only reported when the name has
 * them; flags are sorted, distinct upper-case letters that occur after
 * ":2,"; md_flags_norm is idempotent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildir/maildir.h"
#include "pop3/pop3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_name mn;
	char *name, norm[27], norm2[27], uidl[71];
	const char *colon;
	size_t i, len;

	if ((name = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(name, data, size);
	name[size] = '\0';
	len = strlen(name);

	if (md_name_parse(name, &mn) == 0) {
		ASSERT(len > 0 && name[0] != '.' && len <= 255);
		ASSERT(memchr(name, '/', len) == NULL);
		ASSERT(mn.unique == name);
		ASSERT(mn.unique_len > 0 && mn.unique_len <= len);
		ASSERT(strcspn(name, ",:") == mn.unique_len);
		colon = strchr(name, ':');
		if (mn.has_size)
			ASSERT(strstr(name, ",S=") != NULL);
		if (mn.has_vsize)
			ASSERT(strstr(name, ",W=") != NULL);
		ASSERT(mn.has_info == (colon != NULL &&
		    strncmp(colon, ":2,", 3) == 0));
		ASSERT(strlen(mn.flags) <= 26);
		for (i = 0; mn.flags[i] != '\0'; i++) {
			ASSERT(mn.flags[i] >= 'A' && mn.flags[i] <= 'Z');
			ASSERT(i == 0 || mn.flags[i] > mn.flags[i - 1]);
			ASSERT(mn.has_info &&
			    strchr(colon + 3, mn.flags[i]) != NULL);
		}
		pop3_uidl(mn.unique, mn.unique_len, uidl);
		ASSERT(strlen(uidl) >= 1 && strlen(uidl) <= 70);
	}

	if (md_flags_norm(name, norm) == 0) {
		ASSERT(md_flags_norm(norm, norm2) == 0);
		ASSERT(strcmp(norm, norm2) == 0);
		for (i = 0; norm[i] != '\0'; i++)
			ASSERT(strchr(name, norm[i]) != NULL ||
			    strchr(name, norm[i] | 0x20) != NULL);
	}
	free(name);
	return 0;
}
