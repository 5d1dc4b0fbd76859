/*
 * common/buf.h -- the one bounded, growable byte buffer.  Every size
 * computation on it is overflow-checked here, so callers never do pointer
 * arithmetic of their own.  Used by every process role.
 */
#ifndef LB_BUF_H
#define LB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*p;	/* data, NUL-terminated after buf_cstr() */
	size_t	 len;	/* bytes used */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* hard bound on len; 0 means SIZE_MAX/2 */
};

/* Initialise an empty buffer that will never hold more than max bytes. */
void	buf_init(struct buf *, size_t max);
/* Make room for n more bytes.  -1 (errno E2BIG or ENOMEM) if it would
 * exceed max or memory is short; the contents are unchanged then. */
int	buf_reserve(struct buf *, size_t n);
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_putc(struct buf *, int);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Drop n bytes from the front (n <= len). */
void	buf_consume(struct buf *, size_t n);
/* Forget the contents, keep the memory. */
void	buf_reset(struct buf *);
/* Wipe the contents (for secrets) and free. */
void	buf_free(struct buf *);
/* NUL-terminate (not counted in len) and return p; NULL if no room. */
char	*buf_cstr(struct buf *);
/* Find byte c in the first len bytes; index or -1. */
long	buf_find(const struct buf *, int c);

#endif
