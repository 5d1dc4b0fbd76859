/*
 * tests/fuzz/fuzz_config.c -- libFuzzer target for the configuration
 * parser (common/config.c: config_parse, config_print).  The file is read
 * by the root monitor; config_check_file() keeps it root's, but the parser
 * is still bounded and must never overrun.  Built and run by `make fuzz`.
 *
 * Checked beyond "no crash": every error message names the file and line;
 * an accepted file's effective configuration, printed by config_print (the
 * -n flag of the programs) and parsed again, gives the same configuration;
 * and parsing is the same whether the text is NUL-terminated or not.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ASSERT(e) do {							\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e);	\
		abort();						\
	}								\
} while (0)

/* The effective configuration as config_print writes it, malloc'd. */
static char *
printed(const struct config *c, size_t *len)
{
	char *p;
	off_t end;
	int fd;

	fd = memfd_create("conf", MFD_CLOEXEC);
	ASSERT(fd != -1);
	config_print(c, fd);
	end = lseek(fd, 0, SEEK_END);
	ASSERT(end > 0 && end < 1024 * 1024);
	p = malloc((size_t)end);
	ASSERT(p != NULL);
	ASSERT(pread(fd, p, (size_t)end, 0) == end);
	close(fd);
	*len = (size_t)end;
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, c2, c3;
	char err[512], *text, *p1, *p2, *p3;
	const char *prog;
	size_t n1, n2, n3;
	int rc;

	if (size < 1)
		return 0;
	prog = (data[0] & 1) ? "imapd" : "pop3d";
	data++;
	size--;
	/* Exact-size copy: ASan sees any read past the end. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);

	config_defaults(&c, prog);
	err[0] = '\0';
	rc = config_parse(&c, "fuzz.conf", text, size, err, sizeof(err));
	ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		ASSERT(strncmp(err, "fuzz.conf:", 10) == 0);
		free(text);
		return 0;
	}
	ASSERT(c.plaintext_auth >= PT_NEVER && c.plaintext_auth <= PT_ALWAYS);
	ASSERT(strcmp(c.tls_min_version, "1.2") == 0 ||
	    strcmp(c.tls_min_version, "1.3") == 0);

	/* Print the effective configuration and read it back: the same
	 * configuration comes back (string buffers are compared as printed,
	 * not byte for byte). */
	p1 = printed(&c, &n1);
	config_defaults(&c2, prog);
	rc = config_parse(&c2, "printed", p1, n1, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "reparse: %s\n", err);
	ASSERT(rc == 0);
	p2 = printed(&c2, &n2);
	ASSERT(n1 == n2 && memcmp(p1, p2, n1) == 0);

	/* Parsing does not depend on earlier state. */
	config_defaults(&c3, prog);
	ASSERT(config_parse(&c3, "fuzz.conf", text, size, err,
	    sizeof(err)) == 0);
	p3 = printed(&c3, &n3);
	ASSERT(n1 == n3 && memcmp(p1, p3, n1) == 0);
	free(p1);
	free(p2);
	free(p3);
	free(text);
	return 0;
}
