/*
 * common/channel.h -- framed, typed, capped messages between the processes
 * of one connection (monitor <-> network child, monitor <-> session child).
 * A channel is one end of a SOCK_SEQPACKET socketpair: one datagram is one
 * message, so a frame can never be split or merged.  Payloads are built and
 * read with the msg_* helpers; a reader that meets short, oversized or
 * trailing data gets -1 and must treat it as a trust-boundary violation.
 */
#ifndef LB_CHANNEL_H
#define LB_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum chan_type {
	CHAN_LOG = 1,		/* child -> monitor: u32 prio, str line */
	CHAN_AUTH,		/* net -> monitor: str user, str pass */
	CHAN_VERDICT,		/* monitor -> net: u32 verdict, str message */
	CHAN_HANDOFF,		/* net -> monitor: u32 tls, str tag, str leftover */
	CHAN_START,		/* monitor -> session: u32 tls, str tag,
				 * str leftover, str user, u32 uid, u32 gid,
				 * str home */
	CHAN_TLSINFO,		/* net -> monitor: str protocol/cipher */
};

enum verdict {
	VERDICT_OK = 0,		/* authenticated; session follows */
	VERDICT_FAIL,		/* wrong credentials: try again */
	VERDICT_TEMPFAIL,	/* PAM or system trouble: try later */
	VERDICT_CLOSE,		/* too many failures: close the connection */
};

struct msg {
	struct buf b;		/* payload being built or read */
	size_t	off;		/* read position */
};

void	msg_init(struct msg *);
void	msg_free(struct msg *);
int	msg_put_u32(struct msg *, uint32_t);
int	msg_put_str(struct msg *, const void *, size_t);
int	msg_get_u32(struct msg *, uint32_t *);
/* Points *p into the message (not NUL-terminated unless the sender sent a
 * NUL); *len is its length.  max bounds the length. */
int	msg_get_str(struct msg *, const char **p, size_t *len, size_t max);
/* -1 unless every byte was read. */
int	msg_end(const struct msg *);

/* Send one message.  -1 with errno on failure. */
int	chan_send(int fd, int type, const struct msg *);
/* Receive one message into m (reset first) and its type.  Returns 1, 0 on
 * EOF, -1 on error or a malformed frame.  Blocks. */
int	chan_recv(int fd, int *type, struct msg *);

#endif
