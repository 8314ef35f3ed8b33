/* dnslive.h — the DNS half of `check`: the plan's domains in the live DNS,
 * DNSSEC-validated, compared with the plan, and the zone's authoritative
 * servers asked one by one (propagation). */
#ifndef XMPPCUT_DNSLIVE_H
#define XMPPCUT_DNSLIVE_H

#include "finding.h"
#include "plan.h"
#include "resolver.h"
#include "stage.h"
#include "zonefind.h"

struct dnslive_opts {
	const struct resolver_opts *ro;
	const struct plan *plan;
	enum stage stage;	/* the records expected (STAGE_CURRENT: the
				 * old gateways) */
	int ttl_limit;		/* TTLs above cutover-ttl are findings */
	int family;		/* name servers asked over: 0 both, 4, 6 */
	int survey;		/* (init) today's records as they are: the
				 * plan's gateways are not compared (it has
				 * none yet), and the records in the result
				 * carry the TTLs the zone's servers give
				 * where they serve the same values */
};

/* One authoritative server of a domain's zone. */
struct dnslive_server {
	char *name, *addr;
	int answered;		/* its SOA came back */
	unsigned long serial;
};

/* What the live DNS says of one plan domain. */
struct dnslive_domain {
	char *domain;
	char *zone;		/* the apex, or NULL when not found */
	struct dns_answer **records;	/* SRV (both services), the TLSA of
					 * each SRV target port, the targets'
					 * A and AAAA: as answered */
	size_t nrecords;
	struct dnslive_server *servers;
	size_t nservers;
	int srv_usable;		/* the _xmpp-server answer is usable:
				 * probing a domain whose lookup failed
				 * or was bogus would only say it again */
};

struct dnslive_result {
	struct dnslive_domain *v;	/* one per plan domain, in order */
	size_t n;
	struct zonemap zones;	/* the zone of each name walked: the
				 * domains, in survey mode also the hosts
				 * their SRV records name */
};

void dnslive_result_free(struct dnslive_result *r);

/* Check every plan domain: SRV (both services), the targets' addresses
 * and TLSA, the gateways of the expected role; then each authoritative
 * server of each domain's zone. Findings go to f, what was seen to *out.
 * -1 with *cause when no resolver can be set up. */
int dnslive_check(const struct dnslive_opts *o, struct findings *f,
    struct dnslive_result *out, char **cause);

#endif
