/* dnslive.h — the DNS half of `check`: the plan's domains in the live DNS,
 * DNSSEC-validated, compared with the plan, and the zone's authoritative
 * servers asked one by one (propagation). */
#ifndef XMPPCUT_DNSLIVE_H
#define XMPPCUT_DNSLIVE_H

#include <jansson.h>

#include "finding.h"
#include "plan.h"
#include "resolver.h"
#include "stage.h"

struct dnslive_opts {
	const struct resolver_opts *ro;
	const struct plan *plan;
	enum stage stage;	/* the records expected (STAGE_CURRENT: the
				 * old gateways) */
	int ttl_limit;		/* TTLs above cutover-ttl are findings */
};

/* Check every plan domain: SRV (both services), the targets' addresses
 * and TLSA, the gateways of the expected role; then each authoritative
 * server of each domain's zone. Findings go to f; *obs is an array with
 * one object per domain (records seen with TTL and DNSSEC state, zone,
 * servers). -1 with *cause when no resolver can be set up. */
int dnslive_check(const struct dnslive_opts *o, struct findings *f,
    json_t **obs, char **cause);

/* 1 when, in dnslive_check()'s observations, the domain's _xmpp-server
 * answer is usable: probing a domain whose lookup failed or was bogus
 * would only say it again. */
int dnslive_srv_usable(const json_t *obs, const char *domain);

#endif
