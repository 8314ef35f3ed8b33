/* cert.c — X.509 certificates: loading, facts, identity and chain checks,
 * TLSA matching. */
#include "cert.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dname.h"
#include "util.h"

/* The largest certificate file we read: a long chain is a few KiB. */
#define CERT_FILE_MAX (1024 * 1024)
#define OID_SRV "1.3.6.1.5.5.7.8.7"
#define OID_XMPPADDR "1.3.6.1.5.5.7.8.5"

struct cert {
	X509 *leaf;
	STACK_OF(X509) *chain;	/* the certificates after the leaf */
};

static char *
ssl_cause(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_clear_error();
	if (e == 0)
		return xstrdup(what);
	ERR_error_string_n(e, buf, sizeof buf);
	return xasprintf("%s (%s)", what, buf);
}

struct cert *
cert_load_pem(const char *data, size_t len, const char *name, char **cause)
{
	struct cert *c;
	BIO *bio;
	X509 *x;
	char *why;

	if (len > CERT_FILE_MAX ||
	    (bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		*cause = xasprintf("%s: too large", name);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->chain = sk_X509_new_null();
	if ((c->leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		why = ssl_cause("no PEM certificate");
		*cause = xasprintf("%s: %s", name, why);
		free(why);
		cert_free(c);
		BIO_free(bio);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(c->chain, x);
	ERR_clear_error();	/* the end of the data ends the loop */
	BIO_free(bio);
	return c;
}

struct cert *
cert_load_file(const char *path, char **cause)
{
	struct cert *c;
	size_t len;
	char *data;

	if ((data = file_read(path, CERT_FILE_MAX, &len, cause)) == NULL)
		return NULL;
	c = cert_load_pem(data, len, path, cause);
	free(data);
	return c;
}

struct cert *
cert_load_der(const unsigned char *der, size_t len, char **cause)
{
	const unsigned char *p = der;
	struct cert *c;
	X509 *x;

	if (len > CERT_FILE_MAX || (x = d2i_X509(NULL, &p, (long)len)) ==
	    NULL) {
		*cause = ssl_cause("not a DER certificate");
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->leaf = x;
	c->chain = sk_X509_new_null();
	return c;
}

struct cert *
cert_from_ssl_chain(STACK_OF(X509) *chain)
{
	struct cert *c;

	if (chain == NULL || sk_X509_num(chain) == 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->leaf = sk_X509_value(chain, 0);
	X509_up_ref(c->leaf);
	c->chain = sk_X509_new_null();
	for (int i = 1; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		X509_up_ref(x);
		sk_X509_push(c->chain, x);
	}
	return c;
}

void
cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->leaf);
	sk_X509_pop_free(c->chain, X509_free);
	free(c);
}

static int
digest(const EVP_MD *md, const unsigned char *in, size_t len,
    unsigned char *out, unsigned *outlen)
{
	return EVP_Digest(in, len, out, outlen, md, NULL) == 1 ? 0 : -1;
}

static void
hex(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
	out[2 * len] = '\0';
}

void
cert_spki_sha256(const struct cert *c, char out[65])
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int len;

	out[0] = '\0';
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->leaf), &der);
	if (len <= 0)
		return;
	if (digest(EVP_sha256(), der, (size_t)len, md, &mdlen) == 0 &&
	    mdlen == 32)
		hex(md, 32, out);
	OPENSSL_free(der);
}

const char *
cert_id_name(enum cert_id id)
{
	switch (id) {
	case CERT_ID_DNS:
		return "DNS-ID";
	case CERT_ID_SRV:
		return "SRV-ID";
	case CERT_ID_XMPPADDR:
		return "XmppAddr";
	case CERT_ID_CN:
		return "CN";
	default:
		return "none";
	}
}

int
cert_dns_id_matches(const char *pattern, const char *name)
{
	const char *rest;

	if (strcasecmp(pattern, name) == 0)
		return 1;
	if (strncmp(pattern, "*.", 2) != 0)
		return 0;
	/* "*" is the whole left-most label and stands for one label; the
	 * rest must have at least two labels (no "*.com"). */
	rest = strchr(name, '.');
	if (rest == NULL || strchr(pattern + 2, '.') == NULL ||
	    rest == name)
		return 0;
	return strcasecmp(pattern + 2, rest + 1) == 0;
}

/* An ASN1 string as a C string, lowercased, without a trailing dot; NULL
 * when it holds a NUL byte (a forged name) or is empty. */
static char *
asn1_name(const ASN1_STRING *s)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int len = ASN1_STRING_length(s);
	char *raw, *out;

	if (d == NULL || len <= 0 || memchr(d, '\0', (size_t)len) != NULL)
		return NULL;
	raw = xstrndup((const char *)d, (size_t)len);
	out = dname_normalize(raw);
	free(raw);
	return str_utf8_clean(out);	/* facts end up in JSON */
}

static int
oid_is(const ASN1_OBJECT *o, const char *oid)
{
	char buf[64];

	return OBJ_obj2txt(buf, sizeof buf, o, 1) > 0 &&
	    strcmp(buf, oid) == 0;
}

/* The value of an otherName of the given OID and ASN.1 type, or NULL. */
static char *
othername_value(const GENERAL_NAME *g, const char *oid, int type)
{
	const OTHERNAME *on;

	if (g->type != GEN_OTHERNAME)
		return NULL;
	on = g->d.otherName;
	if (!oid_is(on->type_id, oid) || on->value == NULL ||
	    on->value->type != type)
		return NULL;
	return asn1_name(on->value->value.asn1_string);
}

/* Call fn for each XMPP-relevant identity of the leaf (DNS-ID, SRV-ID,
 * XmppAddr); stops when fn returns non-zero and returns that. */
static int
each_identity(X509 *x, int (*fn)(void *, enum cert_id, const char *),
    void *arg)
{
	GENERAL_NAMES *gens;
	int r = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; r == 0 && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		enum cert_id id = CERT_ID_NONE;
		char *v = NULL;

		if (g->type == GEN_DNS) {
			v = asn1_name(g->d.dNSName);
			id = CERT_ID_DNS;
		} else if ((v = othername_value(g, OID_SRV,
		    V_ASN1_IA5STRING)) != NULL)
			id = CERT_ID_SRV;
		else if ((v = othername_value(g, OID_XMPPADDR,
		    V_ASN1_UTF8STRING)) != NULL)
			id = CERT_ID_XMPPADDR;
		if (v != NULL)
			r = fn(arg, id, v);
		free(v);
	}
	GENERAL_NAMES_free(gens);
	return r;
}

struct match_arg {
	const char *domain;
	int direct;
	enum cert_id found;
	char *matched;
};

static int
match_one(void *arg, enum cert_id id, const char *v)
{
	struct match_arg *m = arg;
	int hit = 0;

	switch (id) {
	case CERT_ID_DNS:
		hit = cert_dns_id_matches(v, m->domain);
		break;
	case CERT_ID_SRV:
		/* _xmpp-server.DOMAIN (RFC 6120 §13.7.1.2.1); on a XEP-0368
		 * direct TLS endpoint _xmpps-server.DOMAIN too -- not under
		 * STARTTLS, whose service is xmpp-server (RFC 6125 §6.5.1;
		 * Prosody refuses it there) */
		if (strncmp(v, "_xmpp-server.", 13) == 0)
			hit = strcmp(v + 13, m->domain) == 0;
		else if (m->direct && strncmp(v, "_xmpps-server.", 14) == 0)
			hit = strcmp(v + 14, m->domain) == 0;
		break;
	case CERT_ID_XMPPADDR:
		hit = strcmp(v, m->domain) == 0;
		break;
	default:
		break;
	}
	if (hit) {
		m->found = id;
		m->matched = xstrdup(v);
	}
	return hit;
}

static int
any_identity(void *arg, enum cert_id id, const char *v)
{
	(void)arg;
	(void)id;
	(void)v;
	return 1;
}

/* The subject's last CN, normalised, or NULL. */
static char *
subject_cn(X509 *x)
{
	X509_NAME *n = X509_get_subject_name(x);
	int i = -1, last = -1;

	while ((i = X509_NAME_get_index_by_NID(n, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0)
		return NULL;
	return asn1_name(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n,
	    last)));
}

/* 1 when the leaf presents a URI-ID. */
static int
has_uri_id(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	int r = 0;

	for (int i = 0; !r && i < sk_GENERAL_NAME_num(gens); i++)
		r = sk_GENERAL_NAME_value(gens, i)->type == GEN_URI;
	GENERAL_NAMES_free(gens);
	return r;
}

enum cert_id
cert_match(const struct cert *c, const char *domain, int direct,
    char **matched)
{
	struct match_arg m = { domain, direct, CERT_ID_NONE, NULL };
	char *cn;

	if (each_identity(c->leaf, match_one, &m) == 0 &&
	    each_identity(c->leaf, any_identity, NULL) == 0 &&
	    !has_uri_id(c->leaf) && (cn = subject_cn(c->leaf)) != NULL) {
		/* CN only when there is no DNS-ID, SRV-ID, URI-ID or
		 * XmppAddr (RFC 6125 §6.4.4) */
		if (cert_dns_id_matches(cn, domain)) {
			m.found = CERT_ID_CN;
			m.matched = cn;
			cn = NULL;
		}
		free(cn);
	}
	if (matched != NULL)
		*matched = m.matched;
	else
		free(m.matched);
	return m.found;
}

/* Facts. */

static char *
name_string(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *out;
	long len;

	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &data);
	/* an empty name leaves data NULL */
	out = len > 0 && data != NULL ? xstrndup(data, (size_t)len) :
	    xstrdup("");
	BIO_free(b);
	return str_utf8_clean(out);
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

void
cert_iso_time(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long
cert_seconds_left(const struct cert *c, time_t now)
{
	return (long long)asn1_time(X509_get0_notAfter(c->leaf)) -
	    (long long)now;
}

static void
sans(X509 *x, struct cert_facts *cf)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	char ip[INET6_ADDRSTRLEN], *v;

	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_OCTET_STRING *os;

		switch (g->type) {
		case GEN_DNS:
			if ((v = asn1_name(g->d.dNSName)) != NULL)
				strlist_take(&cf->san_dns, v);
			break;
		case GEN_IPADD:
			os = g->d.iPAddress;
			if (os->length == 4 || os->length == 16) {
				inet_ntop(os->length == 4 ? AF_INET : AF_INET6,
				    os->data, ip, sizeof ip);
				strlist_add(&cf->san_ip, ip);
			}
			break;
		case GEN_URI:
			if ((v = asn1_name(g->d.uniformResourceIdentifier)))
				strlist_take(&cf->san_uri, v);
			break;
		case GEN_EMAIL:
			if ((v = asn1_name(g->d.rfc822Name)) != NULL)
				strlist_take(&cf->san_email, v);
			break;
		case GEN_OTHERNAME:
			if ((v = othername_value(g, OID_SRV,
			    V_ASN1_IA5STRING)) != NULL)
				strlist_take(&cf->san_srv, v);
			else if ((v = othername_value(g, OID_XMPPADDR,
			    V_ASN1_UTF8STRING)) != NULL)
				strlist_take(&cf->san_xmppaddr, v);
			else
				cf->san_other++;
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

static void
ekus(X509 *x, struct cert_facts *cf)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL,
	    NULL);
	char buf[80];

	if (eku == NULL)
		return;		/* no EKU: any use */
	cf->has_eku = 1;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);

		if (nid != NID_undef)
			strlist_add(&cf->eku, OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(buf, sizeof buf, o, 1) > 0)
			strlist_add(&cf->eku, buf);
	}
	EXTENDED_KEY_USAGE_free(eku);
}

static const char *
sig_digest(X509 *x)
{
	int md = NID_undef, pk = NID_undef;

	if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) ||
	    md == NID_undef)
		return "none";
	return OBJ_nid2sn(md);
}

static int
weak_digest(X509 *x)
{
	const char *d = sig_digest(x);

	return strcmp(d, "SHA1") == 0 || strcmp(d, "MD5") == 0;
}

/* Whole days in seconds, rounded towards the past: -1 a second after an
 * end. */
static long long
whole_days(long long seconds)
{
	return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
}

struct cert_facts *
cert_facts(const struct cert *c, time_t now)
{
	struct cert_facts *cf = xcalloc(1, sizeof *cf);
	X509 *x = c->leaf;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x), NULL);
	char *serial_hex = bn ? BN_bn2hex(bn) : NULL;
	long long left = cert_seconds_left(c, now);

	cf->subject = name_string(X509_get_subject_name(x));
	cf->issuer = name_string(X509_get_issuer_name(x));
	cf->serial = xstrdup(serial_hex ? serial_hex : "");
	sans(x, cf);
	cf->not_before = asn1_time(X509_get0_notBefore(x));
	cf->not_after = asn1_time(X509_get0_notAfter(x));
	cf->days_left = whole_days(left);
	cf->key_type = xstrdup(pk ? EVP_PKEY_get0_type_name(pk) : "unknown");
	cf->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	cf->sig_algorithm = xstrdup(OBJ_nid2ln(X509_get_signature_nid(x)));
	cf->sig_digest = xstrdup(sig_digest(x));
	ekus(x, cf);
	cert_spki_sha256(c, cf->spki_sha256);
	cf->chain_length = 1 + sk_X509_num(c->chain);
	cf->self_signed = X509_check_issued(x, x) == X509_V_OK;
	OPENSSL_free(serial_hex);
	BN_free(bn);
	return cf;
}

void
cert_facts_free(struct cert_facts *cf)
{
	if (cf == NULL)
		return;
	free(cf->subject);
	free(cf->issuer);
	free(cf->serial);
	strlist_free(&cf->san_dns);
	strlist_free(&cf->san_ip);
	strlist_free(&cf->san_uri);
	strlist_free(&cf->san_email);
	strlist_free(&cf->san_srv);
	strlist_free(&cf->san_xmppaddr);
	free(cf->key_type);
	free(cf->sig_algorithm);
	free(cf->sig_digest);
	strlist_free(&cf->eku);
	for (size_t i = 0; i < cf->nids; i++) {
		free(cf->ids[i].domain);
		free(cf->ids[i].identity);
	}
	free(cf->ids);
	free(cf);
}

/* Checks. */

/* The severity of a finding DANE may have made moot, and the words that
 * say so. */
static enum severity
moot(const struct cert_policy *pol, int applies_under_ta, enum severity sev,
    const char **why)
{
	if (pol->dane == CERT_DANE_EE ||
	    (pol->dane == CERT_DANE_TA && !applies_under_ta)) {
		*why = pol->dane == CERT_DANE_EE ? " (DANE-EE authenticated "
		    "the key: this matters only to partners without DANE, "
		    "RFC 7671 5.1)" : " (DANE-TA authenticated the chain: "
		    "this matters only to partners without DANE)";
		return SEV_INFO;
	}
	*why = "";
	return sev;
}

/* "the certificate", or "the intermediate CN=..." / "the root CA=...":
 * which element of the chain a finding is about; newly allocated. */
static char *
element_name(X509 *x, int leaf)
{
	char *n, *out;

	if (leaf)
		return xstrdup("the certificate");
	n = name_string(X509_get_subject_name(x));
	out = xasprintf("the %s %s", X509_check_issued(x, x) == X509_V_OK ?
	    "root" : "intermediate", n);
	free(n);
	return out;
}

/* The validity period of one element of the chain. */
static void
check_dates(X509 *x, int leaf, const struct cert_policy *pol,
    const char *subject, struct findings *f)
{
	time_t nb = asn1_time(X509_get0_notBefore(x));
	time_t na = asn1_time(X509_get0_notAfter(x));
	char when[32], *which;
	struct tm tm;
	const char *why;
	enum severity sev;

	if (pol->now <= na && pol->now >= nb &&
	    na - pol->now >= (time_t)pol->warn_days * 86400)
		return;
	which = element_name(x, leaf == 1);
	if (leaf == 2) {
		/* in the file, but not on the path to the trust anchor (a
		 * cross-signed root, say): a hint, not a verdict */
		if (pol->now > na || pol->now < nb)
			findings_add(f, SEV_WARNING, pol->now > na ?
			    F_CERT_EXPIRED : F_CERT_NOT_YET_VALID, subject,
			    "%s is outside its dates, but the chain to the "
			    "trust anchor does not need it: drop it from the "
			    "file (some partners build their path through "
			    "it)", which);
		free(which);
		return;
	}
	if (pol->now > na) {
		gmtime_r(&na, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		sev = moot(pol, 1, SEV_ERROR, &why);
		findings_add(f, sev, F_CERT_EXPIRED, subject, "%s expired on %s; "
		    "install a renewed one%s", which, when, why);
	} else if (pol->now < nb) {
		gmtime_r(&nb, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		sev = moot(pol, 1, SEV_ERROR, &why);
		findings_add(f, sev, F_CERT_NOT_YET_VALID, subject, "%s is "
		    "valid only from %s; check the clocks or wait%s", which,
		    when, why);
	} else {
		sev = moot(pol, 1, SEV_WARNING, &why);
		findings_add(f, sev, F_CERT_EXPIRES_SOON, subject, "%s expires "
		    "in %lld days (under %u); renew it%s", which,
		    (long long)(na - pol->now) / 86400, pol->warn_days, why);
	}
	free(which);
}

/* The dates of the certificates that matter: the path the chain was
 * built along (leaf to trust anchor) when it is known, each named, and
 * the file's other certificates as hints; else the file's certificates. */
static time_t
earlier(time_t t, X509 *x)
{
	time_t na = asn1_time(X509_get0_notAfter(x));

	return na < t ? na : t;
}

/* ... and the earliest end among them (the hints aside): when the chain
 * stops verifying. */
static time_t
check_validity(const struct cert *c, STACK_OF(X509) *path,
    const struct cert_policy *pol, const char *subject, struct findings *f)
{
	time_t end = asn1_time(X509_get0_notAfter(c->leaf));
	int steps = sk_X509_num(c->chain) + 1;

	check_dates(c->leaf, 1, pol, subject, f);
	for (int i = 1; path != NULL && i < sk_X509_num(path); i++) {
		check_dates(sk_X509_value(path, i), 0, pol, subject, f);
		end = earlier(end, sk_X509_value(path, i));
	}
	for (int i = 0; i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);
		int on_path = path == NULL;

		for (int k = 0; !on_path && k < sk_X509_num(path); k++)
			on_path = X509_cmp(x, sk_X509_value(path, k)) == 0;
		if (X509_cmp(x, c->leaf) != 0 && (path == NULL || !on_path))
			check_dates(x, path == NULL ? 0 : 2, pol, subject, f);
	}
	/* no path known: the issuers up from the leaf, as sent (a stray
	 * certificate in the file does not end the chain) */
	for (X509 *cur = c->leaf, *next; path == NULL && cur != NULL &&
	    steps-- > 0; cur = next) {
		next = NULL;

		for (int i = 0; next == NULL && i < sk_X509_num(c->chain);
		    i++) {
			X509 *x = sk_X509_value(c->chain, i);

			if (X509_cmp(x, cur) != 0 && X509_cmp(x, c->leaf) != 0 &&
			    X509_check_issued(x, cur) == X509_V_OK)
				next = x;
		}
		if (next != NULL)
			end = earlier(end, next);
		/* a self-signed issuer ends it; steps bound a loop of
		 * certificates issuing each other */
		if (next != NULL && X509_check_issued(next, next) == X509_V_OK)
			next = NULL;
	}
	return end;
}

static void
untrusted(const struct cert_policy *pol, const char *subject,
    const char *reason, struct findings *f)
{
	const char *why;
	enum severity sev = moot(pol, 0, SEV_ERROR, &why);

	findings_add(f, sev, F_CERT_UNTRUSTED, subject, "the chain does not "
	    "verify against %s: %s; %s%s", pol->ca_file ? pol->ca_file :
	    "the system store", reason, strstr(reason, "purpose") != NULL ?
	    "a certificate of the chain does not allow TLS servers (its "
	    "key usage or extended key usage): get one whose whole chain "
	    "allows serverAuth and whose own key usage, if any, allows "
	    "digitalSignature" :
	    "serve the intermediates and a certificate from a CA partners "
	    "trust", why);
}

/* PKIX: the chain against the CA store, for a TLS server (validity
 * periods are judged per element, apart; a missing serverAuth is its own
 * finding). *path: the chain it was built along, leaf to trust anchor
 * (sk_X509_pop_free), or NULL. */
/* 1 when the leaf's EKU is there and lacks serverAuth. */
static int
leaf_lacks_server(const struct cert *c)
{
	return (X509_get_extension_flags(c->leaf) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(c->leaf) & XKU_SSL_SERVER);
}

/* One verification store per run and CA source: loading the system
 * bundle (~140 roots) costs ~14 ms, which per certificate was most of the
 * CPU of a DANE probe and of cert over many files. Read-only once built;
 * cert_cleanup() frees it. */
static struct {
	X509_STORE *store;
	char *ca_file;		/* NULL: the system store */
} stores;

static X509_STORE *
verify_store(const char *ca_file)
{
	X509_STORE *s;

	if (stores.store != NULL && (ca_file == NULL ? stores.ca_file == NULL :
	    stores.ca_file != NULL && strcmp(ca_file, stores.ca_file) == 0))
		return stores.store;
	if ((s = X509_STORE_new()) == NULL)
		return NULL;
	if ((ca_file != NULL ? X509_STORE_load_file(s, ca_file) :
	    X509_STORE_set_default_paths(s)) != 1) {
		ERR_clear_error();
		X509_STORE_free(s);
		return NULL;
	}
	cert_cleanup();
	stores.store = s;
	stores.ca_file = ca_file ? xstrdup(ca_file) : NULL;
	return s;
}

void
cert_cleanup(void)
{
	X509_STORE_free(stores.store);
	free(stores.ca_file);
	memset(&stores, 0, sizeof stores);
}

static void
check_chain(const struct cert *c, const struct cert_policy *pol,
    const char *subject, struct findings *f, STACK_OF(X509) **path)
{
	X509_STORE *store = verify_store(pol->ca_file);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	const char *why = NULL;
	int err;

	*path = NULL;
	if (ctx == NULL) {
		why = "out of memory";
		goto out;
	}
	if (store == NULL) {
		findings_add(f, SEV_ERROR, F_CA_UNREADABLE, pol->ca_file,
		    "cannot load the CA bundle %s: the chain is not judged",
		    pol->ca_file ? pol->ca_file : "(system store)");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, c->leaf, c->chain) != 1) {
		why = "cannot set up the verification";
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		/* the leaf's EKU without serverAuth is said on its own */
		if (err != X509_V_ERR_INVALID_PURPOSE || !leaf_lacks_server(c))
			why = X509_verify_cert_error_string(err);
	} else
		*path = X509_STORE_CTX_get1_chain(ctx);
out:
	if (why != NULL)
		untrusted(pol, subject, why, f);
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
}

/* Keys too small for their algorithm (RSA below 2048 bits, EC below
 * P-256), DSA (not usable with TLS 1.3), weak signature digests. */
static void
check_key(X509 *x, const char *which, const char *subject,
    struct findings *f)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int id = pk ? EVP_PKEY_get_base_id(pk) : 0, bits = pk ?
	    EVP_PKEY_get_bits(pk) : 0, sig_pk = 0;

	if ((id == EVP_PKEY_RSA && bits < 2048) ||
	    (id == EVP_PKEY_EC && bits < 256))
		findings_add(f, SEV_WARNING, F_CERT_WEAK_KEY, subject,
		    "the %s has a %d-bit %s key; use RSA of 2048 bits or more, "
		    "or ECDSA P-256 or larger", which, bits,
		    EVP_PKEY_get0_type_name(pk));
	else if (id == EVP_PKEY_DSA)
		findings_add(f, SEV_WARNING, F_CERT_WEAK_KEY, subject,
		    "the %s has a DSA key (%d bits): TLS 1.3 does not use DSA "
		    "and many partners refuse it; use ECDSA or RSA", which,
		    bits);
	if (weak_digest(x))
		findings_add(f, SEV_WARNING, F_CERT_WEAK_KEY, subject,
		    "the %s is signed with %s; partners may reject it: reissue "
		    "it with SHA-256", which, sig_digest(x));
	else if (OBJ_find_sigid_algs(X509_get_signature_nid(x), NULL, &sig_pk)
	    == 1 && sig_pk == NID_dsa)
		findings_add(f, SEV_WARNING, F_CERT_WEAK_KEY, subject,
		    "the %s is signed with DSA (by a DSA issuer): TLS 1.3 and "
		    "many partners refuse DSA; reissue it from an ECDSA or RSA "
		    "CA", which);
}

/* The first certificate of the file is a CA while a later one is not:
 * the leaf is not first. */
static void
check_order(const struct cert *c, const char *subject, struct findings *f)
{
	if (X509_check_ca(c->leaf) == 0)
		return;
	for (int i = 0; i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);

		if (X509_check_ca(x) == 0) {
			char *n = name_string(X509_get_subject_name(x));

			findings_add(f, SEV_WARNING, F_CERT_CHAIN_ORDER, subject,
			    "the file starts with a CA certificate, and %s "
			    "comes later: the server's own certificate must "
			    "come first, then its intermediates", n);
			free(n);
			return;
		}
	}
}

/* The names a certificate gives, for a message: its DNS-IDs, SRV-IDs and
 * XmppAddrs (the first four), else its subject. Newly allocated. */
static char *
names_given(const struct cert_facts *facts)
{
	const struct strlist *l[] = { &facts->san_dns, &facts->san_srv,
		&facts->san_xmppaddr };
	struct buf b = { 0 };
	size_t shown = 0, total = 0;

	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < l[k]->n; i++, total++)
			if (shown < 4)
				buf_addf(&b, "%s%s", shown++ ? ", " : "",
				    l[k]->v[i]);
	}
	if (total > shown)
		buf_addf(&b, " and %zu more", total - shown);
	if (total == 0)
		buf_addf(&b, "only the subject %s", facts->subject ?
		    facts->subject : "(none)");
	return buf_take(&b);
}

struct cert_facts *
cert_check(const struct cert *c, char *const *domains, size_t ndomains,
    const struct cert_policy *pol, const char *subject, struct findings *f)
{
	struct cert_facts *facts = cert_facts(c, pol->now);
	STACK_OF(X509) *path = NULL;
	const char *why = "";
	uint32_t xku;

	facts->ids = xcalloc(ndomains, sizeof *facts->ids);
	for (size_t i = 0; i < ndomains; i++) {
		char *matched = NULL;
		enum cert_id id = cert_match(c, domains[i], pol->direct,
		    &matched);

		facts->ids[facts->nids++] = (struct cert_identity){
		    xstrdup(domains[i]), id, matched };
		if (id == CERT_ID_NONE) {
			enum severity sev = moot(pol, 1, SEV_ERROR, &why);
			char *names = names_given(facts);

			findings_add(f, sev, F_CERT_NAME_MISMATCH, subject,
			    "the certificate is not valid for the XMPP domain "
			    "%s (no DNS-ID, SRV-ID or XmppAddr matches; it "
			    "names %s): it must name the domain itself, "
			    "whichever host serves it%s", domains[i], names,
			    why);
			free(names);
		}
	}
	check_order(c, subject, f);
	if (pol->chain_verdict == 2 && !(leaf_lacks_server(c) &&
	    pol->chain_error != NULL && strstr(pol->chain_error, "purpose")))
		untrusted(pol, subject, pol->chain_error ? pol->chain_error :
		    "untrusted", f);
	else if (pol->chain_verdict == 0)
		check_chain(c, pol, subject, f, &path);
	if (path == NULL && pol->chain_verdict == 1 && pol->verified != NULL &&
	    (path = sk_X509_new_null()) != NULL) {
		/* the path the handshake verified, leaf first */
		X509_up_ref(pol->verified->leaf);
		sk_X509_push(path, pol->verified->leaf);
		for (int i = 0; i < sk_X509_num(pol->verified->chain); i++) {
			X509 *x = sk_X509_value(pol->verified->chain, i);

			X509_up_ref(x);
			sk_X509_push(path, x);
		}
	}
	facts->chain_not_after = check_validity(c, path, pol, subject, f);
	facts->chain_days_left = whole_days((long long)(facts->chain_not_after -
	    pol->now));
	sk_X509_pop_free(path, X509_free);
	if (leaf_lacks_server(c)) {
		enum severity sev = moot(pol, 0, SEV_ERROR, &why);

		findings_add(f, sev, F_CERT_NO_SERVER_AUTH, subject, "the "
		    "extended key usage lacks serverAuth: partners verifying a "
		    "TLS server refuse it (unsuitable certificate purpose); "
		    "reissue it with serverAuth%s", why);
	}
	xku = X509_get_extended_key_usage(c->leaf);
	if ((X509_get_extension_flags(c->leaf) & EXFLAG_XKUSAGE) &&
	    !(xku & XKU_SSL_CLIENT))
		findings_add(f, SEV_WARNING, F_CERT_NO_CLIENT_AUTH, subject,
		    "the extended key usage lacks clientAuth: partners using "
		    "SASL EXTERNAL or strict dialback reject it when this "
		    "gateway connects to them");
	check_key(c->leaf, "certificate", subject, f);
	for (int i = 0; i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);

		if (X509_check_issued(x, x) != X509_V_OK)	/* not a root */
			check_key(x, "intermediate", subject, f);
	}
	return facts;
}

/* TLSA. */

static int
tlsa_one(X509 *x, unsigned selector, unsigned mtype,
    const unsigned char *data, size_t len)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int dlen, hit = 0;

	dlen = selector == 0 ? i2d_X509(x, &der) :
	    i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (dlen <= 0)
		return 0;
	if (mtype == 0)
		hit = (size_t)dlen == len && memcmp(der, data, len) == 0;
	else if (digest(mtype == 1 ? EVP_sha256() : EVP_sha512(), der,
	    (size_t)dlen, md, &mdlen) == 0)
		hit = mdlen == len && memcmp(md, data, len) == 0;
	OPENSSL_free(der);
	return hit;
}

int
cert_tlsa_match(const struct cert *c, unsigned usage, unsigned selector,
    unsigned mtype, const unsigned char *data, size_t len)
{
	if (usage > 3 || selector > 1 || mtype > 2)
		return 0;
	if (usage == 1 || usage == 3)
		return tlsa_one(c->leaf, selector, mtype, data, len);
	for (int i = 0; i < sk_X509_num(c->chain); i++)
		if (tlsa_one(sk_X509_value(c->chain, i), selector, mtype,
		    data, len))
			return 1;
	return 0;
}
