/* tls.c — TLS client connections over non-blocking sockets, for probes. */
#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct tls_config {
	SSL_CTX *ctx;
};

struct tls {
	SSL *ssl;
	int dane;		/* TLSA records were given */
	char error[256];
	char alpn[64];
};

struct tls_config *
tls_config_new(const char *ca_file, char **cause)
{
	struct tls_config *c = xcalloc(1, sizeof *c);

	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	/* A probe sees what the peer does and judges it: old protocols and
	 * weak parameters are findings, not reasons to hang up. */
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_VERSION);
	SSL_CTX_set_security_level(c->ctx, 0);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	/* the handshake verifies the chain anyway: its verdict is ours,
	 * with validity periods judged apart (cert_check) */
	X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c->ctx),
	    X509_V_FLAG_NO_CHECK_TIME);
	if ((ca_file != NULL ? SSL_CTX_load_verify_file(c->ctx, ca_file) :
	    SSL_CTX_set_default_verify_paths(c->ctx)) != 1) {
		*cause = xasprintf("cannot load the CA bundle %s",
		    ca_file ? ca_file : "(system store)");
		ERR_clear_error();
		tls_config_free(c);
		return NULL;
	}
	if (SSL_CTX_dane_enable(c->ctx) <= 0)
		goto fail;
	return c;
fail:
	*cause = xstrdup("cannot set up TLS");
	ERR_clear_error();
	tls_config_free(c);
	return NULL;
}

void
tls_config_free(struct tls_config *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

struct tls *
tls_new(struct tls_config *c, int fd, const char *sni, const char *alpn)
{
	struct tls *t = xcalloc(1, sizeof *t);

	if ((t->ssl = SSL_new(c->ctx)) == NULL) {
		ERR_clear_error();
		free(t);
		return NULL;
	}
	SSL_set_fd(t->ssl, fd);
	SSL_set_tlsext_host_name(t->ssl, sni);
	/* DANE, and no name checks by OpenSSL: it knows only DNS-IDs and
	 * CN, while XMPP identities include SRV-ID and XmppAddr (RFC 6125,
	 * RFC 7590). cert_match() judges the names, OpenSSL only the chain
	 * (PKIX) and the TLSA match; DANE-EE needs no names at all (RFC
	 * 7671 §5.1). */
	if (SSL_dane_enable(t->ssl, sni) <= 0 ||
	    SSL_set1_host(t->ssl, NULL) != 1) {
		ERR_clear_error();
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	SSL_dane_set_flags(t->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	if (alpn != NULL) {
		unsigned char proto[64];
		size_t n = strlen(alpn);

		if (n < sizeof proto - 1) {
			proto[0] = (unsigned char)n;
			memcpy(proto + 1, alpn, n);
			SSL_set_alpn_protos(t->ssl, proto, (unsigned)n + 1);
		}
	}
	return t;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

int
tls_add_tlsa(struct tls *t, unsigned usage, unsigned selector,
    unsigned mtype, const unsigned char *data, size_t len)
{
	if (SSL_dane_tlsa_add(t->ssl, (uint8_t)usage, (uint8_t)selector,
	    (uint8_t)mtype, data, len) <= 0) {
		ERR_clear_error();
		return -1;
	}
	t->dane = 1;
	return 0;
}

/* Map an OpenSSL result to what the loop must wait for. */
static enum tls_io
result(struct tls *t, int r, const char *what)
{
	unsigned long e = 0;

	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_NONE:
		return TLS_OK;
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(t->error, sizeof t->error, "the peer closed TLS");
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if ((e = ERR_get_error()) == 0) {
			snprintf(t->error, sizeof t->error, "the peer closed "
			    "the connection during the %s", what);
			return TLS_EOF;
		}
		/* FALLTHROUGH */
	default:
		e = e ? e : ERR_get_error();
		snprintf(t->error, sizeof t->error, "%s failed: %s", what,
		    e ? ERR_reason_error_string(e) : "unknown error");
		ERR_clear_error();
		return TLS_ERROR;
	}
}

enum tls_io
tls_handshake(struct tls *t)
{
	return result(t, SSL_connect(t->ssl), "the TLS handshake");
}

enum tls_io
tls_read(struct tls *t, char *buf, size_t len, size_t *n)
{
	int r = SSL_read(t->ssl, buf, (int)len);

	*n = r > 0 ? (size_t)r : 0;
	return r > 0 ? TLS_OK : result(t, r, "reading");
}

enum tls_io
tls_write(struct tls *t, const char *buf, size_t len, size_t *n)
{
	int r = SSL_write(t->ssl, buf, (int)len);

	*n = r > 0 ? (size_t)r : 0;
	return r > 0 ? TLS_OK : result(t, r, "writing");
}

void
tls_close(struct tls *t)
{
	SSL_shutdown(t->ssl);
	ERR_clear_error();
}

const char *
tls_error(const struct tls *t)
{
	return t->error[0] ? t->error : "TLS failed";
}

const char *
tls_version(const struct tls *t)
{
	return SSL_get_version(t->ssl);
}

int
tls_version_old(const struct tls *t)
{
	return SSL_version(t->ssl) < TLS1_2_VERSION;
}

const char *
tls_cipher(const struct tls *t)
{
	return SSL_get_cipher_name(t->ssl);
}

const char *
tls_alpn(const struct tls *t)
{
	const unsigned char *p = NULL;
	unsigned n = 0;

	SSL_get0_alpn_selected(t->ssl, &p, &n);
	if (p == NULL || n == 0)
		return NULL;
	snprintf(((struct tls *)t)->alpn, sizeof t->alpn, "%.*s", (int)n, p);
	return t->alpn;
}

int
tls_dane(const struct tls *t)
{
	long r;

	if (!t->dane)
		return -1;
	if (SSL_get0_dane_authority(t->ssl, NULL, NULL) >= 0)
		return 1;
	/* a PKIX-TA/PKIX-EE record (usage 0, 1) is judged after the chain:
	 * when the chain fails, whether one matches is not known */
	r = SSL_get_verify_result(t->ssl);
	return r == X509_V_OK || r == X509_V_ERR_DANE_NO_MATCH ? 0 : -2;
}

int
tls_dane_usage(const struct tls *t)
{
	uint8_t usage = 0;

	if (!t->dane || SSL_get0_dane_tlsa(t->ssl, &usage, NULL, NULL, NULL,
	    NULL) < 0)
		return -1;
	return usage;
}

int
tls_chain_verdict(const struct tls *t, const char **why)
{
	long r = SSL_get_verify_result(t->ssl);

	if (r == X509_V_OK)
		return t->dane ? 0 : 1;	/* with DANE, PKIX was not asked */
	if (r == X509_V_ERR_DANE_NO_MATCH)
		return 0;
	*why = X509_verify_cert_error_string(r);
	return 2;
}

struct cert *
tls_peer(const struct tls *t)
{
	return cert_from_ssl_chain(SSL_get_peer_cert_chain(t->ssl));
}

struct cert *
tls_verified(const struct tls *t)
{
	return cert_from_ssl_chain(SSL_get0_verified_chain(t->ssl));
}
