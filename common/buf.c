/*
 * common/buf.c -- bounded growable buffer (see buf.h).  All growth goes
 * through buf_reserve(), which checks both the caller's bound and size_t
 * overflow before touching memory.  Runs in every role; uses only malloc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

#define BUF_HARD_MAX	((size_t)-1 / 2)

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = (max == 0 || max > BUF_HARD_MAX) ? BUF_HARD_MAX : max;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *np;

	/* +1 keeps room for the terminating NUL of buf_cstr(). */
	if (n > b->max - b->len) {
		errno = E2BIG;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap && b->p != NULL)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > BUF_HARD_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	/* Not realloc(): the old block may hold a password, and realloc
	 * would free it unwiped. */
	if ((np = malloc(ncap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(np, b->p, b->len);
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *d, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_append(b, &ch, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	/* buf_reserve() left room for n bytes plus the NUL. */
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

char *
buf_cstr(struct buf *b)
{
	if (b->p == NULL || b->len + 1 > b->cap) {
		/* Room for the NUL only: reserve(0) still adds the +1. */
		if (buf_reserve(b, 0) == -1)
			return NULL;
	}
	b->p[b->len] = '\0';
	return b->p;
}

long
buf_find(const struct buf *b, int c)
{
	const char *q;

	if (b->len == 0)
		return -1;
	q = memchr(b->p, c, b->len);
	return q == NULL ? -1 : (long)(q - b->p);
}
