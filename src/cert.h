/* cert.h — X.509 certificates: loading, facts, identity and chain checks,
 * TLSA matching. Shared by `cert` (a file) and the live TLS checks (what a
 * gateway presents). The only module besides tls.c that includes OpenSSL. */
#ifndef XMPPCUT_CERT_H
#define XMPPCUT_CERT_H

#include <stddef.h>
#include <time.h>

#include "finding.h"

/* A certificate chain, leaf first. Opaque. */
struct cert;

/* Load a PEM file (leaf first, then any intermediates). Newly allocated,
 * free with cert_free(); NULL with *cause (free it) on failure. */
struct cert *cert_load_file(const char *path, char **cause);
/* The same from memory; name is used in messages. */
struct cert *cert_load_pem(const char *data, size_t len, const char *name,
    char **cause);
/* One DER certificate (no chain). */
struct cert *cert_load_der(const unsigned char *der, size_t len,
    char **cause);
void cert_free(struct cert *c);
/* Frees what the module keeps for the run (the verification store). */
void cert_cleanup(void);

/* For tls.c: the chain an OpenSSL connection presented (STACK_OF(X509),
 * leaf first), taken by reference. Newly allocated, or NULL when empty. */
struct stack_st_X509;
struct cert *cert_from_ssl_chain(struct stack_st_X509 *chain);

/* SHA-256 of the leaf's SubjectPublicKeyInfo, lowercase hex: the value
 * of a TLSA 3 1 1 record. out must hold 65 bytes. */
void cert_spki_sha256(const struct cert *c, char out[65]);

/* The reference identities of RFC 6120 §13.7.1.2 / RFC 6125. */
enum cert_id {
	CERT_ID_NONE,
	CERT_ID_DNS,		/* subjectAltName dNSName, wildcard allowed */
	CERT_ID_SRV,		/* otherName id-on-dnsSRV _xmpp-server.D */
	CERT_ID_XMPPADDR,	/* otherName id-on-xmppAddr */
	CERT_ID_CN,		/* subject CN, only without any of those */
};
const char *cert_id_name(enum cert_id id);

/* Which identity of the leaf matches the XMPP domain (normalised), for
 * server-to-server XMPP: SRV-ID _xmpp-server.DOMAIN, and with direct
 * (XEP-0368 direct TLS) _xmpps-server.DOMAIN too. When one does and
 * matched is not NULL, *matched is the presented identity, newly
 * allocated. */
enum cert_id cert_match(const struct cert *c, const char *domain,
    int direct, char **matched);

/* 1 when a DNS-ID pattern matches a name (both lowercase, no trailing
 * dot): exact, or "*." as the whole left-most label standing for exactly
 * one label. */
int cert_dns_id_matches(const char *pattern, const char *name);

struct cert_policy {
	const char *ca_file;	/* NULL: the system store */
	time_t now;
	unsigned warn_days;
	/* The chain was verified already (by the TLS handshake): 0 = not,
	 * verify it here; 1 = trusted; 2 = not trusted, chain_error says
	 * why. */
	int chain_verdict;
	const char *chain_error;
	/* chain_verdict 1: the path it was verified along, leaf to trust
	 * anchor, whose dates are judged (NULL: not known) */
	const struct cert *verified;
	/* What a DNSSEC-secure TLSA record authenticated. DANE-EE (usage
	 * 3): names, validity and PKIX do not apply (RFC 7671 §5.1);
	 * DANE-TA (2): PKIX does not. Their findings are then info, for
	 * partners that do not use DANE. */
	enum cert_dane { CERT_DANE_NONE, CERT_DANE_TA, CERT_DANE_EE } dane;
	/* presented on a direct TLS endpoint (XEP-0368): an SRV-ID for
	 * _xmpps-server counts too */
	int direct;
};

#define CERT_DEFAULT_WARN_DAYS 21

/* Which identity matched one XMPP domain. */
struct cert_identity {
	char *domain;
	enum cert_id matched;	/* CERT_ID_NONE: none */
	char *identity;		/* the presented identity, or NULL */
};

/* What a certificate (the leaf of a chain) says. */
struct cert_facts {
	char *subject, *issuer;	/* RFC 2253, as printed by OpenSSL */
	char *serial;		/* hex */
	/* subjectAltName, by type */
	struct strlist san_dns, san_ip, san_uri, san_email, san_srv,
	    san_xmppaddr;
	size_t san_other;	/* otherNames of other kinds */
	time_t not_before, not_after;
	long long days_left;	/* at the policy's now; negative once
				 * expired */
	time_t chain_not_after;	/* (cert_check) the earliest end of the
				 * leaf and the chain it verifies along:
				 * when it stops verifying */
	long long chain_days_left;	/* the same, in days */
	char *key_type;		/* "RSA", "EC", ... */
	int key_bits;
	char *sig_algorithm, *sig_digest;
	int has_eku;		/* 0: no EKU extension (any use) */
	struct strlist eku;	/* short names, or OIDs */
	char spki_sha256[65];	/* TLSA 3 1 1 */
	int chain_length;	/* the leaf and what was sent after it */
	int self_signed;
	struct cert_identity *ids;	/* one per domain checked */
	size_t nids;
};

/* Check a certificate for the XMPP domains: identity (cert-name-mismatch),
 * validity (cert-expired, cert-not-yet-valid, cert-expires-soon), chain
 * (cert-untrusted), EKU (cert-no-client-auth) and key (cert-weak-key).
 * pol->dane says which of them DANE made moot (info findings).
 * Findings get subject as their subject. Returns the certificate's facts
 * with one identity per domain; newly allocated, free with
 * cert_facts_free(). */
struct cert_facts *cert_check(const struct cert *c, char *const *domains,
    size_t ndomains, const struct cert_policy *pol, const char *subject,
    struct findings *f);

/* The certificate's facts at now, without identities. Newly allocated. */
struct cert_facts *cert_facts(const struct cert *c, time_t now);
void cert_facts_free(struct cert_facts *cf);

/* "2026-11-24T00:00:00Z"; out must hold 21 bytes. */
void cert_iso_time(time_t t, char out[21]);

/* Seconds from now until the leaf expires (negative once expired). */
long long cert_seconds_left(const struct cert *c, time_t now);

/* 1 when the chain matches one TLSA record (RFC 6698: usage 0-3, selector
 * 0 full certificate / 1 SPKI, matching type 0 exact / 1 SHA-256 /
 * 2 SHA-512); usages 1 and 3 match the leaf, 0 and 2 any certificate of
 * the chain after it. */
int cert_tlsa_match(const struct cert *c, unsigned usage, unsigned selector,
    unsigned mtype, const unsigned char *data, size_t len);

#endif
