/*
 * common/io.c -- see io.h.  Runs in the network child (with TLS) and in the
 * session child (plain fds), both confined: it needs read, write, poll
 * and, for TLS, what OpenSSL needs.  fcntl(2) is used once, in io_init(),
 * which runs before the seccomp filter is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/io.h"
#include "common/limits.h"
#include "common/tls.h"

#define IO_READ_CHUNK	16384
#define IO_FLUSH_AT	(64 * 1024)

void
io_init(struct io *io, int rfd, int wfd, size_t inmax)
{
	int fl;

	memset(io, 0, sizeof(*io));
	io->rfd = rfd;
	io->wfd = wfd;
	buf_init(&io->in, inmax);
	buf_init(&io->out, LB_OUTBUF_MAX);
	io->write_timeout = LB_WRITE_TIMEOUT_SEC;
	if ((fl = fcntl(rfd, F_GETFL)) != -1)
		(void)fcntl(rfd, F_SETFL, fl | O_NONBLOCK);
	if (wfd != rfd && (fl = fcntl(wfd, F_GETFL)) != -1)
		(void)fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
}

void
io_free(struct io *io)
{
	buf_free(&io->in);
	buf_free(&io->out);
}

void
io_set_tls(struct io *io, struct tls_conn *tls)
{
	io->tls = tls;
}

int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r == -1 && errno == EINTR);
	if (r > 0 && (pfd.revents & POLLNVAL))
		return -1;
	return r;
}

static int
remaining_ms(time_t deadline)
{
	time_t now = time(NULL);

	return now >= deadline ? 0 : (int)(deadline - now) * 1000;
}

int
io_fill(struct io *io, int timeout_sec)
{
	time_t deadline = time(NULL) + timeout_sec;
	ssize_t n;
	size_t room;
	short ev = POLLIN;
	int r;

	for (;;) {
		room = io->in.max - io->in.len;
		if (room == 0)
			return IO_TOOLONG;
		if (room > IO_READ_CHUNK)
			room = IO_READ_CHUNK;
		if (buf_reserve(&io->in, room) == -1)
			return IO_ERR;
		if (io->tls != NULL)
			n = tls_read(io->tls, io->in.p + io->in.len, room);
		else {
			n = read(io->rfd, io->in.p + io->in.len, room);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				n = TLS_WANT_READ;
		}
		if (n > 0) {
			io->in.len += (size_t)n;
			io->bytes_in += (uint64_t)n;
			return IO_OK;
		}
		if (n == 0)
			return IO_EOF;
		if (n == TLS_WANT_READ)
			ev = POLLIN;
		else if (n == TLS_WANT_WRITE)
			ev = POLLOUT;
		else
			return IO_ERR;
		/* Flush before blocking: a pipelining client may be
		 * waiting for our answers before it sends more. */
		if (io->out.len > 0 && io_flush(io) == -1)
			return IO_ERR;
		r = io_wait(ev == POLLIN ? io->rfd : io->wfd, ev,
		    remaining_ms(deadline));
		if (r == 0)
			return IO_TIMEOUT;
		if (r < 0)
			return IO_ERR;
	}
}

size_t
io_line(const struct io *io)
{
	long i = buf_find(&io->in, '\n');

	return i < 0 ? 0 : (size_t)i + 1;
}

long
io_getline(struct io *io, size_t max, int timeout_sec)
{
	size_t n;
	int r;

	for (;;) {
		if ((n = io_line(io)) > 0)
			return n > max ? IO_TOOLONG : (long)n;
		if (io->in.len > max)
			return IO_TOOLONG;
		if ((r = io_fill(io, timeout_sec)) != IO_OK)
			return r;
	}
}

int
io_write_all(int fd, const void *p, size_t n, int timeout_sec)
{
	const char *s = p;
	time_t deadline = time(NULL) + timeout_sec;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (io_wait(fd, POLLOUT, remaining_ms(deadline)) <= 0)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

int
io_flush(struct io *io)
{
	time_t deadline = time(NULL) + io->write_timeout;
	size_t off = 0;
	ssize_t n;
	int r;

	if (io->failed)
		return -1;
	while (off < io->out.len) {
		if (io->tls != NULL)
			n = tls_write(io->tls, io->out.p + off,
			    io->out.len - off);
		else {
			n = write(io->wfd, io->out.p + off, io->out.len - off);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				n = TLS_WANT_WRITE;
		}
		if (n > 0) {
			off += (size_t)n;
			io->bytes_out += (uint64_t)n;
			continue;
		}
		if (n == TLS_WANT_WRITE || n == TLS_WANT_READ) {
			r = io_wait(n == TLS_WANT_WRITE ? io->wfd : io->rfd,
			    n == TLS_WANT_WRITE ? POLLOUT : POLLIN,
			    remaining_ms(deadline));
			if (r > 0)
				continue;
		}
		io->failed = 1;
		buf_reset(&io->out);
		return -1;
	}
	buf_reset(&io->out);
	return 0;
}

int
io_write(struct io *io, const void *p, size_t n)
{
	const char *s = p;
	size_t chunk;

	if (io->failed)
		return -1;
	while (n > 0) {
		if (io->out.len >= IO_FLUSH_AT && io_flush(io) == -1)
			return -1;
		chunk = io->out.max - io->out.len;
		if (chunk > n)
			chunk = n;
		if (chunk == 0) {
			if (io_flush(io) == -1)
				return -1;
			continue;
		}
		if (buf_append(&io->out, s, chunk) == -1)
			return -1;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

int
io_puts(struct io *io, const char *s)
{
	return io_write(io, s, strlen(s));
}

int
io_printf(struct io *io, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (io->failed)
		return -1;
	if (io->out.len >= IO_FLUSH_AT && io_flush(io) == -1)
		return -1;
	va_start(ap, fmt);
	r = buf_vprintf(&io->out, fmt, ap);
	va_end(ap);
	return r;
}
