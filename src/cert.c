/* cert.c — X.509 certificates: loading, facts, identity and chain checks. */
#include "cert.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* The largest certificate file we read: a long chain is a few KiB. */
#define CERT_FILE_MAX (1024 * 1024)

struct cert {
	X509 *leaf;
	STACK_OF(X509) *chain;	/* intermediates, maybe empty */
};

static char *
ssl_cause(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e == 0)
		return xstrdup(what);
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return xasprintf("%s (%s)", what, buf);
}

struct cert *
cert_load_file(const char *path, char **cause)
{
	struct cert *c = NULL;
	size_t len;
	char *data, *why;
	BIO *bio = NULL;
	X509 *x;

	if ((data = file_read(path, CERT_FILE_MAX, &len, cause)) == NULL)
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL) {
		*cause = ssl_cause("out of memory");
		goto out;
	}
	c = xcalloc(1, sizeof *c);
	c->chain = sk_X509_new_null();
	if ((c->leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		why = ssl_cause("no PEM certificate");
		*cause = xasprintf("%s: %s", path, why);
		free(why);
		cert_free(c);
		c = NULL;
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(c->chain, x);
	ERR_clear_error();	/* the end of the file ends the loop */
out:
	BIO_free(bio);
	free(data);
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

void
cert_spki_sha256(const struct cert *c, char out[65])
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len;

	out[0] = '\0';
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->leaf), &der);
	if (len <= 0)
		return;
	if (EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1)
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	OPENSSL_free(der);
}
