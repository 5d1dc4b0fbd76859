/*
 * common/tls.c -- OpenSSL/LibreSSL glue (see tls.h).  Runs only in the
 * network child: tls_ctx_new() while it is still root (it reads the key),
 * everything else after chroot, setuid and seccomp, where OpenSSL needs
 * only read, write, getrandom, getpid, brk/mmap and friends
 * (SANDBOX-NOTES sec. 3).
 *
 * LibreSSL compatibility: no OpenSSL-3-only API without a fallback.  The
 * session ticket callback is the one place that differs: OpenSSL 3 has
 * the EVP_MAC variant; LibreSSL (and OpenSSL 1.1) only the HMAC_CTX one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && !defined(LIBRESSL_VERSION_NUMBER)
#include <openssl/core_names.h>
#define LB_TICKET_EVP 1
#endif

#include "common/config.h"
#include "common/tls.h"

/* Ticket key file: 16-byte name, 32-byte HMAC key, 32-byte AES key. */
#define TICKET_KEY_LEN	80

struct tls_ctx {
	SSL_CTX		*ctx;
	char		 alpn[16];	/* "imap" or "pop3" (RFC 7301 ids) */
	unsigned char	 tk[TICKET_KEY_LEN];
	int		 have_tk;
};

struct tls_conn {
	SSL		*ssl;
	char		 info[96];
};

/* The one context of this process, for the ticket callback. */
static struct tls_ctx *tls_current;

static void
tls_errstr(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char es[256];

	if (e != 0) {
		ERR_error_string_n(e, es, sizeof(es));
		(void)snprintf(err, errlen, "%s: %s", what, es);
	} else
		(void)snprintf(err, errlen, "%s", what);
	ERR_clear_error();
}

/* Refuse a key file that is not root's or that others can read. */
static int
tls_check_secret(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		(void)snprintf(err, errlen, "%s: refused: must be a regular "
		    "file owned by root and not accessible to others", path);
		return -1;
	}
	return 0;
}

static int
tls_read_ticket_key(struct tls_ctx *t, const char *path, char *err,
    size_t errlen)
{
	ssize_t n;
	int fd;

	if (tls_check_secret(path, err, errlen) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, t->tk, sizeof(t->tk));
	close(fd);
	if (n != TICKET_KEY_LEN) {
		(void)snprintf(err, errlen, "%s: must hold exactly %d bytes",
		    path, TICKET_KEY_LEN);
		return -1;
	}
	t->have_tk = 1;
	return 0;
}

#ifdef LB_TICKET_EVP
static int
tls_ticket_cb(SSL *s, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_ctx *t = tls_current;
	OSSL_PARAM params[3];

	(void)s;
	if (t == NULL || !t->have_tk)
		return 0;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    t->tk + 16, 32);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (enc) {
		memcpy(name, t->tk, 16);
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) <= 0 ||
		    !EVP_EncryptInit_ex(ectx, EVP_aes_256_cbc(), NULL,
		    t->tk + 48, iv) || !EVP_MAC_CTX_set_params(hctx, params))
			return -1;
		return 1;
	}
	if (memcmp(name, t->tk, 16) != 0)
		return 0;	/* unknown key: full handshake */
	if (!EVP_MAC_CTX_set_params(hctx, params) ||
	    !EVP_DecryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, t->tk + 48, iv))
		return -1;
	/* 2 = accept and issue a new ticket (TLS 1.3 tickets are
	 * single-use for clients; SANDBOX-NOTES sec. 3). */
	return 2;
}
#else
static int
tls_ticket_cb(SSL *s, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, HMAC_CTX *hctx, int enc)
{
	struct tls_ctx *t = tls_current;

	(void)s;
	if (t == NULL || !t->have_tk)
		return 0;
	if (enc) {
		memcpy(name, t->tk, 16);
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) <= 0 ||
		    !EVP_EncryptInit_ex(ectx, EVP_aes_256_cbc(), NULL,
		    t->tk + 48, iv) ||
		    !HMAC_Init_ex(hctx, t->tk + 16, 32, EVP_sha256(), NULL))
			return -1;
		return 1;
	}
	if (memcmp(name, t->tk, 16) != 0)
		return 0;
	if (!HMAC_Init_ex(hctx, t->tk + 16, 32, EVP_sha256(), NULL) ||
	    !EVP_DecryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, t->tk + 48, iv))
		return -1;
	return 2;
}
#endif

/* RFC 7301: select our protocol if offered; refuse any other list. */
static int
tls_alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tls_ctx *t = arg;
	size_t ours = strlen(t->alpn);
	unsigned int i = 0, l;

	(void)s;
	while (i < inlen) {
		l = in[i];
		if (l == 0 || i + 1 + l > inlen)
			break;
		if (l == ours && memcmp(in + i + 1, t->alpn, l) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)l;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int
tls_ctx_new(struct tls_ctx **tp, const struct config *c, const char *alpn,
    char *err, size_t errlen)
{
	struct tls_ctx *t;
	unsigned char warm[32];

	*tp = NULL;
	/* Load openssl.cnf (and any providers it names) now, before the
	 * chroot: lazily it would happen inside the sandbox. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) {
		tls_errstr(err, errlen, "OPENSSL_init_ssl");
		return -1;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((t->ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_errstr(err, errlen, "SSL_CTX_new");
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(t->ctx,
	    strcmp(c->tls_min_version, "1.3") == 0 ? TLS1_3_VERSION :
	    TLS1_2_VERSION)) {
		tls_errstr(err, errlen, "SSL_CTX_set_min_proto_version");
		goto fail;
	}
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_NO_RENEGOTIATION
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
#elif defined(SSL_OP_NO_CLIENT_RENEGOTIATION)
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);	/* LibreSSL */
#endif
	/* ALPACA (cross-protocol attacks): a client that names an
	 * application protocol must name ours. */
	(void)snprintf(t->alpn, sizeof(t->alpn), "%s", alpn);
	SSL_CTX_set_alpn_select_cb(t->ctx, tls_alpn_cb, t);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, c->tls_cert) != 1) {
		tls_errstr(err, errlen, c->tls_cert);
		goto fail;
	}
	if (tls_check_secret(c->tls_key, err, errlen) == -1)
		goto fail;
	if (SSL_CTX_use_PrivateKey_file(t->ctx, c->tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(t->ctx) != 1) {
		tls_errstr(err, errlen, c->tls_key);
		goto fail;
	}
	/* No server-side session cache: each connection is its own
	 * process.  Resumption works through tickets with a shared key. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	if (c->tls_ticket_key[0] != '\0') {
		if (tls_read_ticket_key(t, c->tls_ticket_key, err, errlen) == -1)
			goto fail;
		tls_current = t;
#ifdef LB_TICKET_EVP
		SSL_CTX_set_tlsext_ticket_key_evp_cb(t->ctx, tls_ticket_cb);
#else
		SSL_CTX_set_tlsext_ticket_key_cb(t->ctx, tls_ticket_cb);
#endif
	} else
		SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
	/* Seed the DRBG now; after fork it reseeds through getrandom(2). */
	if (RAND_bytes(warm, sizeof(warm)) != 1) {
		tls_errstr(err, errlen, "RAND_bytes");
		goto fail;
	}
	explicit_bzero(warm, sizeof(warm));
	*tp = t;
	return 0;
fail:
	tls_ctx_free(&t);
	return -1;
}

void
tls_ctx_free(struct tls_ctx **tp)
{
	struct tls_ctx *t = *tp;

	if (t == NULL)
		return;
	if (tls_current == t)
		tls_current = NULL;
	SSL_CTX_free(t->ctx);
	explicit_bzero(t->tk, sizeof(t->tk));
	free(t);
	*tp = NULL;
}

static int
tls_wait(int fd, short ev, time_t deadline)
{
	struct pollfd pfd;
	time_t now = time(NULL);
	int r;

	if (now >= deadline)
		return -1;
	pfd.fd = fd;
	pfd.events = ev;
	do
		r = poll(&pfd, 1, (int)(deadline - now) * 1000);
	while (r == -1 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

int
tls_accept(struct tls_ctx *t, int rfd, int wfd, int timeout_sec,
    struct tls_conn **cp, char *err, size_t errlen)
{
	struct tls_conn *c;
	time_t deadline = time(NULL) + timeout_sec;
	int r, e;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->ssl = SSL_new(t->ctx)) == NULL ||
	    !SSL_set_rfd(c->ssl, rfd) || !SSL_set_wfd(c->ssl, wfd)) {
		tls_errstr(err, errlen, "SSL_new");
		goto fail;
	}
	for (;;) {
		r = SSL_accept(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ && tls_wait(rfd, POLLIN,
		    deadline) == 0)
			continue;
		if (e == SSL_ERROR_WANT_WRITE && tls_wait(wfd, POLLOUT,
		    deadline) == 0)
			continue;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			(void)snprintf(err, errlen, "handshake timed out");
		else
			tls_errstr(err, errlen, "handshake failed");
		goto fail;
	}
	(void)snprintf(c->info, sizeof(c->info), "%s %s",
	    SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
	*cp = c;
	return 0;
fail:
	if (c != NULL)
		SSL_free(c->ssl);
	free(c);
	return -1;
}

static ssize_t
tls_result(struct tls_conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

ssize_t
tls_read(struct tls_conn *c, void *p, size_t n)
{
	int r;

	if (n > INT32_MAX)
		n = INT32_MAX;
	r = SSL_read(c->ssl, p, (int)n);
	return r > 0 ? r : tls_result(c, r);
}

ssize_t
tls_write(struct tls_conn *c, const void *p, size_t n)
{
	int r;

	if (n > INT32_MAX)
		n = INT32_MAX;
	r = SSL_write(c->ssl, p, (int)n);
	return r > 0 ? r : tls_result(c, r);
}

int
tls_pending(struct tls_conn *c)
{
	return SSL_pending(c->ssl);
}

const char *
tls_info(struct tls_conn *c)
{
	return c->info;
}

void
tls_close(struct tls_conn **cp)
{
	struct tls_conn *c = *cp;

	if (c == NULL)
		return;
	(void)SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	free(c);
	*cp = NULL;
}
