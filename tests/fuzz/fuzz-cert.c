/* Fuzz certificate identity extraction and the checks on a DER
 * certificate: matching, facts (every SAN type), TLSA matching. */
#include <stdlib.h>

#include "cert.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_policy pol = { NULL, 1800000000, 21, 1, NULL };
	char *domains[] = { (char *)"example.com", (char *)"a.example.org" };
	struct findings f = { 0 };
	char *cause = NULL, *matched = NULL, spki[65];
	struct cert *c;
	struct cert_facts *facts;

	if (size > 64 * 1024)
		return 0;
	if ((c = cert_load_der(data, size, &cause)) == NULL) {
		free(cause);
		return 0;
	}
	cert_match(c, "example.com", data[0] & 1, &matched);
	free(matched);
	cert_spki_sha256(c, spki);
	facts = cert_check(c, domains, 2, &pol, "fuzz", &f);
	cert_facts_free(facts);
	cert_tlsa_match(c, 3, 1, 1, data, size < 32 ? size : 32);
	cert_tlsa_match(c, 3, 0, 0, data, size);
	cert_free(c);
	findings_free(&f);
	return 0;
}
