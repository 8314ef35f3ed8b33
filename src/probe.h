/* probe.h — the federation probe engine: can a server reach this domain?
 *
 * For each domain, as a partner's server would (RFC 6120 §3.2, RFC 2782,
 * XEP-0368): the _xmpp-server and _xmpps-server SRV records mixed by
 * priority and weight (A/AAAA on 5269 only without any SRV answer); every
 * address of a target (IPv6, then IPv4) before the next target; TCP, the
 * stream, STARTTLS (or direct TLS with ALPN xmpp-server), the certificate
 * checked against the domain (and DANE when SRV, addresses and TLSA are
 * DNSSEC-secure), the stream again, its features. Everything runs in one
 * event loop, at most `jobs` domains at once; every step has a deadline. */
#ifndef XMPPCUT_PROBE_H
#define XMPPCUT_PROBE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "finding.h"
#include "resolver.h"

struct probe_opts {
	const struct resolver_opts *ro;	/* NULL when every request is fixed */
	unsigned timeout_ms;		/* each step as a whole */
	unsigned jobs;
	const char *ca_file;		/* NULL: the system store */
	time_t now;
	unsigned warn_days;
	uint64_t deadline_ms;		/* now_ms() clock: every probe ends by
					 * then (0: no bound) */
};

/* An address to try without DNS (check --connect). */
struct probe_fixed {
	char *addr;
	unsigned port;
	int direct_tls;
};

struct probe_request {
	const char *domain;
	const char *from;			/* stream 'from', or NULL */
	const struct probe_fixed *fixed;	/* NULL: find targets in DNS */
	size_t nfixed;
};

struct probe_result {
	struct findings findings;	/* subject: the domain */
	json_t *json;			/* the observations of the domain */
	int reachable;			/* an attempt reached the features
					 * after TLS */
};

/* Probe every request; results[i] is for reqs[i] (free its findings and
 * json). 0, or -1 with *cause when no resolver or TLS can be set up. */
int probe_run(const struct probe_opts *o, const struct probe_request *reqs,
    size_t n, struct probe_result *results, char **cause);

#endif
