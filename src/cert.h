/* cert.h — X.509 certificates: loading, facts, identity and chain checks.
 * The only module besides tls.c that includes OpenSSL. */
#ifndef XMPPCUT_CERT_H
#define XMPPCUT_CERT_H

#include <stddef.h>

/* A certificate chain, leaf first. Opaque. */
struct cert;

/* Load a PEM file (leaf first, then any intermediates). Newly allocated,
 * free with cert_free(); NULL with *cause (free it) on failure. */
struct cert *cert_load_file(const char *path, char **cause);
void cert_free(struct cert *c);

/* SHA-256 of the leaf's SubjectPublicKeyInfo, lowercase hex: the value
 * of a TLSA 3 1 1 record. out must hold 65 bytes. */
void cert_spki_sha256(const struct cert *c, char out[65]);

#endif
