/*
 * common/io.h -- buffered line I/O on the client connection with poll(2)
 * deadlines, over a plain fd pair or a TLS connection.  Used by the network
 * child (pre-login, TLS) and by the session child (plain fds: a socket or
 * the socketpair to the TLS relay).  Input is bounded: a client that sends
 * more than the bound without a line end gets an error, not a buffer.
 */
#ifndef LB_IO_H
#define LB_IO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct tls_conn;

enum io_status {
	IO_OK = 1,
	IO_EOF = 0,
	IO_ERR = -1,		/* read/write error or TLS failure */
	IO_TIMEOUT = -2,	/* deadline passed */
	IO_TOOLONG = -3,	/* input bound reached without a line end */
};

struct io {
	int	 rfd, wfd;
	struct tls_conn *tls;
	struct buf in;
	struct buf out;
	uint64_t bytes_in, bytes_out;
	int	 write_timeout;	/* seconds */
	int	 failed;	/* a write failed: drop further output */
};

/* rfd/wfd are made non-blocking. */
void	io_init(struct io *, int rfd, int wfd, size_t inmax);
void	io_free(struct io *);
void	io_set_tls(struct io *, struct tls_conn *);
/* Read what is available (waiting up to timeout_sec for the first byte)
 * and append it to io->in.  IO_OK, IO_EOF, IO_ERR, IO_TIMEOUT, IO_TOOLONG. */
int	io_fill(struct io *, int timeout_sec);
/* Find a complete line in io->in: returns its length including the LF
 * (the caller consumes it with buf_consume), or 0 if none yet. */
size_t	io_line(const struct io *);
/* Wait for and return the length of the next complete line, reading as
 * needed; a line longer than max is IO_TOOLONG (the caller answers and
 * usually closes).  Returns > 0 or an io_status <= 0. */
long	io_getline(struct io *, size_t max, int timeout_sec);
/* Queue output; flushes when the queue is large.  -1 once a write has
 * failed (the session should end). */
int	io_write(struct io *, const void *, size_t);
int	io_puts(struct io *, const char *);
int	io_printf(struct io *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Write all queued output, waiting at most write_timeout. */
int	io_flush(struct io *);
/* Write directly to the fd, bypassing TLS (the relay uses it). */
int	io_write_all(int fd, const void *, size_t, int timeout_sec);
/* Wait for fd to become readable; 1 ready, 0 timeout, -1 error. */
int	io_wait(int fd, short events, int timeout_ms);

#endif
