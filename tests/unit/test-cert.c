/* Unit tests of the one identity judge (cert_match, RFC 6125 / RFC 7590),
 * with certificates of each shape (tests/unit/certs/README): the XMPP
 * domain, never the gateway host, is the reference identity; an SRV-ID
 * counts only for _xmpp-server; the CN only when there is no
 * subjectAltName of those kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cert.h"

static enum cert_id
match(const char *file, const char *domain, int direct, char **matched)
{
	const char *top = getenv("top_srcdir");
	char *path, *cause = NULL;
	struct cert *c;
	enum cert_id id;

	if (asprintf(&path, "%s/tests/unit/certs/%s.pem", top ? top : ".",
	    file) < 0)
		fail();
	if ((c = cert_load_file(path, &cause)) == NULL)
		fail_msg("%s: %s", path, cause);
	id = cert_match(c, domain, direct, matched);
	cert_free(c);
	free(path);
	return id;
}

#define ID_AT(file, domain, direct, want) do {				\
	char *m_ = NULL;						\
	enum cert_id got_ = match(file, domain, direct, &m_);		\
	if (got_ != (want))						\
		fail_msg("%s for %s: %s, want %s", file, domain,	\
		    cert_id_name(got_), cert_id_name(want));		\
	free(m_);							\
} while (0)
/* under STARTTLS */
#define ID(file, domain, want) ID_AT(file, domain, 0, want)

static void
test_identities(void **state)
{
	char *m = NULL;

	(void)state;
	ID("srv-only", "example.test", CERT_ID_SRV);
	ID("srv-only", "gw.example.net", CERT_ID_NONE);
	ID("srv-other-service", "example.test", CERT_ID_NONE);
	ID("xmppaddr-only", "example.test", CERT_ID_XMPPADDR);
	ID("host-only", "example.test", CERT_ID_NONE);
	ID("cn-only", "example.test", CERT_ID_CN);
	ID("cn-and-san", "example.test", CERT_ID_NONE);
	ID("cn-and-san", "other.test", CERT_ID_DNS);
	ID("wildcard", "chat.example.test", CERT_ID_DNS);
	ID("wildcard", "example.test", CERT_ID_NONE);
	ID("wildcard", "a.chat.example.test", CERT_ID_NONE);
	/* a URI-ID present: the CN does not count (RFC 6125 §6.4.4) */
	ID("cn-and-uri", "example.test", CERT_ID_NONE);
	/* _xmpps-server names the direct TLS service: not under STARTTLS */
	ID("srv-xmpps-only", "example.test", CERT_ID_NONE);
	ID_AT("srv-xmpps-only", "example.test", 1, CERT_ID_SRV);
	ID_AT("srv-only", "example.test", 1, CERT_ID_SRV);
	assert_int_equal(match("srv-only", "example.test", 0, &m), CERT_ID_SRV);
	assert_string_equal(m, "_xmpp-server.example.test");
	free(m);
}

static void
test_facts(void **state)
{
	const char *top = getenv("top_srcdir");
	char *path, *cause = NULL;
	struct cert *c;
	struct cert_facts *cf;
	char d1[] = "example.test", d2[] = "other.test";
	char *const domains[] = { d1, d2 };
	struct cert_policy pol = { 0 };
	struct findings f = { 0 };

	(void)state;
	assert_true(asprintf(&path, "%s/tests/unit/certs/cn-and-san.pem",
	    top ? top : ".") > 0);
	c = cert_load_file(path, &cause);
	assert_non_null(c);
	pol.now = time(NULL);
	pol.warn_days = 21;
	pol.chain_verdict = 1;
	cf = cert_check(c, domains, 2, &pol, "x", &f);
	assert_string_equal(cf->subject, "CN=example.test");
	assert_int_equal(cf->san_dns.n, 1);
	assert_string_equal(cf->san_dns.v[0], "other.test");
	assert_int_equal(cf->nids, 2);
	assert_int_equal(cf->ids[0].matched, CERT_ID_NONE);
	assert_int_equal(cf->ids[1].matched, CERT_ID_DNS);
	assert_string_equal(cf->key_type, "EC");
	assert_int_equal(cf->key_bits, 256);
	assert_int_equal(strlen(cf->spki_sha256), 64);
	assert_true(cf->self_signed);
	/* one finding: the domain that no identity names */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].id, F_CERT_NAME_MISMATCH);
	assert_non_null(strstr(f.v[0].message, "example.test"));
	findings_free(&f);
	cert_facts_free(cf);
	cert_free(c);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
