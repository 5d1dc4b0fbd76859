/*
 * common/tls.h -- TLS for the network child: the only interface to
 * OpenSSL/LibreSSL.  The context (certificate chain, private key, ticket
 * key) is built while the network child is still root; handshakes and
 * record I/O happen after it has chrooted, dropped privileges and installed
 * its seccomp filter.  The monitor and the session child never hold a key.
 */
#ifndef LB_TLS_H
#define LB_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct config;
struct tls_ctx;
struct tls_conn;

/* Initialise the library (loads openssl.cnf now, not lazily inside the
 * sandbox), build a server context: TLS >= c->tls_min_version, the chain
 * and key from the config (the key and ticket key files must be root's and
 * unreadable by others), session tickets from c->tls_ticket_key if set.
 * alpn is our RFC 7301 protocol id ("imap", "pop3"): a client that offers
 * ALPN without it is refused (ALPACA).
 * 0, or -1 with a message in err. */
int	tls_ctx_new(struct tls_ctx **, const struct config *c,
	    const char *alpn, char *err, size_t errlen);
void	tls_ctx_free(struct tls_ctx **);

/* Handshake on rfd/wfd (non-blocking fds), giving up after timeout_sec.
 * 0, or -1 with a message in err. */
int	tls_accept(struct tls_ctx *, int rfd, int wfd, int timeout_sec,
	    struct tls_conn **, char *err, size_t errlen);

/* Record I/O.  Return bytes, 0 on a clean close by the peer, -1 on error,
 * TLS_WANT_READ / TLS_WANT_WRITE when the caller must poll and retry. */
#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)
ssize_t	tls_read(struct tls_conn *, void *, size_t);
ssize_t	tls_write(struct tls_conn *, const void *, size_t);
/* Decrypted bytes buffered inside the TLS layer. */
int	tls_pending(struct tls_conn *);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
const char *tls_info(struct tls_conn *);
/* Send close_notify (best effort) and free. */
void	tls_close(struct tls_conn **);

#endif
