/* Fuzz the zone reader of lint (ldns record by record, the index, the
 * second pass of signed zones) and the checks on what it keeps. */
#include <stdlib.h>

#include "dnscheck.h"
#include "fuzz.h"
#include "zonefile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zoneset_opts o = { "example.com", NULL, 0, 1800000000 };
	char *hosts[] = { (char *)"edge.example.com" };
	struct findings f = { 0 };
	struct rrsource src;
	struct dnscheck dc = { 0 };
	struct zoneset *z;
	const char **domains;
	char path[64], *files[1];
	size_t n;
	int fd, unreadable;

	if (size > 256 * 1024 || (fd = fuzz_file(data, size, path)) == -1)
		return 0;
	o.hosts = hosts;
	o.nhosts = 1;
	files[0] = path;
	z = zoneset_read(files, 1, &o, &f, &unreadable);
	zoneset_source(z, &src);
	dc.src = &src;
	dc.f = &f;
	n = zoneset_domains(z, &domains);
	for (size_t i = 0; i < n; i++)
		dnscheck_domain(&dc, domains[i]);
	free(domains);
	zoneset_free(z);
	findings_free(&f);
	close(fd);
	return 0;
}
