/* zonefile.h — zone files read for lint, with ldns, record by record.
 *
 * Memory does not grow with records that do not matter to XMPP: kept in
 * full are the SRV records at _xmpp-server/_xmpps-server owners, TLSA
 * records and the records of the plan's gateway hosts; every other owner
 * of A, AAAA or CNAME records is only indexed (a 64-bit hash, which types
 * it has and their TTLs), which is all the checks need of SRV targets. A
 * signed file is read a second time to verify the RRSIGs of the RRsets
 * that matter. */
#ifndef XMPPCUT_ZONEFILE_H
#define XMPPCUT_ZONEFILE_H

#include <stddef.h>
#include <time.h>

#include "finding.h"
#include "rrset.h"

struct zoneset;

struct zoneset_opts {
	const char *origin;	/* for relative names; NULL: $ORIGIN, else
				 * the file name (example.com.zone) */
	char *const *hosts;	/* names whose A/AAAA/CNAME to keep in full */
	size_t nhosts;
	time_t now;		/* for RRSIG validity */
};

/* Read the files. Problems in them are findings (zone-parse-error,
 * srv-owner-malformed, dnssec-signature-invalid); a file that cannot be
 * opened is a file-unreadable finding and *unreadable is set. Newly
 * allocated; free with zoneset_free(). */
struct zoneset *zoneset_read(char *const *files, size_t nfiles,
    const struct zoneset_opts *o, struct findings *f, int *unreadable);
void zoneset_free(struct zoneset *z);

/* The domains with records at _xmpp-server._tcp or _xmpps-server._tcp,
 * sorted; the array is newly allocated (free it), the names live as long
 * as z. */
size_t zoneset_domains(struct zoneset *z, const char ***out);

/* A record source over the files for dnscheck; valid while z lives. */
void zoneset_source(struct zoneset *z, struct rrsource *out);

/* What was read from one file. */
struct zonefile_facts {
	const char *path;
	const char *apex;	/* NULL: unknown (no SOA, no --origin) */
	unsigned long records, xmpp_srv_records, parse_errors;
	int is_signed;		/* it holds DNSKEY records */
	int crlf;		/* its lines end in CR LF: named and NSD read
				 * it, Knot refuses to load it */
};

size_t zoneset_nfiles(const struct zoneset *z);
/* The facts of file i (< zoneset_nfiles()); valid while z lives. */
void zoneset_file_facts(const struct zoneset *z, size_t i,
    struct zonefile_facts *out);

#endif
