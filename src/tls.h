/* tls.h — TLS client connections over non-blocking sockets, for probes:
 * SNI, ALPN, DANE (OpenSSL's DANE API), and the peer's chain for the
 * certificate checks of cert.c. With cert.c, the only OpenSSL users. */
#ifndef XMPPCUT_TLS_H
#define XMPPCUT_TLS_H

#include <stddef.h>

#include "cert.h"

struct tls_config;
struct tls;

/* Shared by all connections. ca_file: for DANE's PKIX usages (NULL: the
 * system store). Newly allocated; NULL with *cause on failure. */
struct tls_config *tls_config_new(const char *ca_file, char **cause);
void tls_config_free(struct tls_config *c);

/* A client on connected socket fd (not owned), SNI sni, ALPN alpn (NULL
 * for none). Newly allocated; free with tls_free(). NULL when OpenSSL
 * has no memory for it. */
struct tls *tls_new(struct tls_config *c, int fd, const char *sni,
    const char *alpn);
void tls_free(struct tls *t);

/* Authenticate the peer with these (DNSSEC-secure) TLSA records too;
 * before the handshake. 0, or -1 when OpenSSL refuses the record. */
int tls_add_tlsa(struct tls *t, unsigned usage, unsigned selector,
    unsigned mtype, const unsigned char *data, size_t len);

enum tls_io { TLS_OK, TLS_WANT_READ, TLS_WANT_WRITE, TLS_EOF, TLS_ERROR };

enum tls_io tls_handshake(struct tls *t);
/* *n is how much was read or written when TLS_OK. */
enum tls_io tls_read(struct tls *t, char *buf, size_t len, size_t *n);
enum tls_io tls_write(struct tls *t, const char *buf, size_t len, size_t *n);
/* Say goodbye (close_notify), best effort. */
void tls_close(struct tls *t);

/* What went wrong last, as a sentence fragment. */
const char *tls_error(const struct tls *t);

/* After the handshake: */
const char *tls_version(const struct tls *t);	/* "TLSv1.3" */
int tls_version_old(const struct tls *t);	/* below TLS 1.2 */
const char *tls_cipher(const struct tls *t);
const char *tls_alpn(const struct tls *t);	/* NULL when none */
/* -1 without TLSA records, 0 when none matched, 1 when one did, -2 when
 * the chain failed PKIX before the records could be judged. */
int tls_dane(const struct tls *t);
/* The usage of the TLSA record that matched (0-3), or -1. */
int tls_dane_usage(const struct tls *t);
/* The handshake's verdict on the peer's chain against the CA store,
 * validity periods and names aside (cert_policy.chain_verdict): 1
 * trusted, 2 not (*why says why), 0 when it cannot say (DANE decided
 * instead). */
int tls_chain_verdict(const struct tls *t, const char **why);
/* The peer's chain, leaf first; newly allocated, or NULL. */
struct cert *tls_peer(const struct tls *t);
/* The path the handshake verified the peer's chain along, leaf to trust
 * anchor (often a root from the CA store that the peer does not send),
 * newly allocated (cert_free), or NULL. */
struct cert *tls_verified(const struct tls *t);

#endif
