/*
 * common/channel.c -- message framing over SOCK_SEQPACKET (see channel.h).
 * Runs in the monitor (root) and in both confined children; needs only
 * read(2) and write(2), so it fits every seccomp filter.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/channel.h"
#include "common/limits.h"

void
msg_init(struct msg *m)
{
	buf_init(&m->b, LB_CHAN_MSG_MAX - 1);
	m->off = 0;
}

void
msg_free(struct msg *m)
{
	buf_free(&m->b);
	m->off = 0;
}

int
msg_put_u32(struct msg *m, uint32_t v)
{
	unsigned char x[4];

	x[0] = (unsigned char)(v >> 24);
	x[1] = (unsigned char)(v >> 16);
	x[2] = (unsigned char)(v >> 8);
	x[3] = (unsigned char)v;
	return buf_append(&m->b, x, 4);
}

int
msg_put_str(struct msg *m, const void *p, size_t len)
{
	if (len > UINT32_MAX || msg_put_u32(m, (uint32_t)len) == -1)
		return -1;
	return buf_append(&m->b, p, len);
}

int
msg_get_u32(struct msg *m, uint32_t *v)
{
	const unsigned char *x;

	if (m->b.len - m->off < 4)
		return -1;
	x = (const unsigned char *)m->b.p + m->off;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
	    (uint32_t)x[2] << 8 | x[3];
	m->off += 4;
	return 0;
}

int
msg_get_str(struct msg *m, const char **p, size_t *len, size_t max)
{
	uint32_t n;

	if (msg_get_u32(m, &n) == -1 || n > max || n > m->b.len - m->off)
		return -1;
	*p = m->b.p + m->off;
	*len = n;
	m->off += n;
	return 0;
}

int
msg_end(const struct msg *m)
{
	return m->off == m->b.len ? 0 : -1;
}

int
chan_send(int fd, int type, const struct msg *m)
{
	unsigned char frame[LB_CHAN_MSG_MAX];
	ssize_t n;

	if (m->b.len + 1 > sizeof(frame)) {
		errno = EMSGSIZE;
		return -1;
	}
	frame[0] = (unsigned char)type;
	if (m->b.len > 0)
		memcpy(frame + 1, m->b.p, m->b.len);
	do
		n = write(fd, frame, m->b.len + 1);
	while (n == -1 && errno == EINTR);
	/* Frames carry passwords: leave no copy on the stack. */
	explicit_bzero(frame, m->b.len + 1);
	if (n != (ssize_t)(m->b.len + 1))
		return -1;
	return 0;
}

int
chan_recv(int fd, int *type, struct msg *m)
{
	unsigned char frame[LB_CHAN_MSG_MAX + 1];
	ssize_t n;

	buf_reset(&m->b);
	m->off = 0;
	do
		n = read(fd, frame, sizeof(frame));
	while (n == -1 && errno == EINTR);
	if (n == 0)
		return 0;
	/* A frame that fills the buffer may have been truncated. */
	if (n < 1 || (size_t)n > LB_CHAN_MSG_MAX) {
		if (n > 0)
			errno = EMSGSIZE;
		return -1;
	}
	*type = frame[0];
	n = buf_append(&m->b, frame + 1, (size_t)n - 1) == -1 ? -1 : 1;
	explicit_bzero(frame, sizeof(frame));
	return (int)n;
}
