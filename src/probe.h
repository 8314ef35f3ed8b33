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

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cert.h"
#include "finding.h"
#include "resolver.h"

struct probe_opts {
	const struct resolver_opts *ro;	/* NULL when every request is fixed */
	unsigned timeout_ms;		/* each step as a whole */
	int family;			/* 4 or 6: only those addresses;
					 * 0: both */
	unsigned jobs;
	const char *ca_file;		/* NULL: the system store */
	time_t now;
	unsigned warn_days;
	uint64_t deadline_ms;		/* now_ms() clock: every probe ends by
					 * then (0: no bound) */
	int stable;			/* (monitor) the weighted choice among
					 * SRV targets of one priority is the
					 * same every run for a domain: a dead
					 * one does not come and go at random */
};

/* An address to try without DNS (check --connect). */
struct probe_fixed {
	char *addr;
	unsigned port;
	int direct_tls;
	const char *spki;	/* the key it must serve (SPKI SHA-256, hex:
				 * the plan's cert, whose TLSA records are
				 * about to be published), or NULL */
	const char *spki_from;	/* where spki comes from, for messages */
};

struct probe_request {
	const char *domain;
	const char *from;			/* stream 'from', or NULL */
	const struct probe_fixed *fixed;	/* NULL: find targets in DNS */
	size_t nfixed;
	int every;	/* try every endpoint (target, address, port of both
			 * services), not only until one answers: our own
			 * domains, whose every published endpoint matters */
	int records_judged;	/* (check) the DNS part says what is wrong
				 * with the records (an alias as SRV target):
				 * the probe does not say it again */
};

enum probe_step { STEP_IDLE, STEP_CONNECT, STEP_STREAM, STEP_STARTTLS,
	STEP_TLS, STEP_FEATURES, STEP_COUNT };

/* "connect", "stream", ... */
const char *probe_step_name(enum probe_step s);

enum probe_outcome {
	OUTCOME_OK,		/* reached the stream features after TLS */
	OUTCOME_NO_ADDRESS,	/* the target has no A or AAAA record */
	OUTCOME_FAILED,		/* the attempt's failure says why */
};

/* What a TLS handshake showed. */
struct probe_tls {
	char *version, *cipher;
	char *alpn;		/* NULL when none was negotiated */
};

/* One place tried: a target's address and port. */
struct probe_attempt {
	char *target;
	unsigned port;
	int direct;			/* direct TLS (XEP-0368) */
	char *address;			/* NULL with OUTCOME_NO_ADDRESS */
	enum probe_outcome outcome;
	enum finding_id failure;	/* with OUTCOME_FAILED */
	char *error;			/* what happened, or NULL */
	enum probe_step step;		/* the last step reached */
	long step_ms[STEP_COUNT];	/* per step; -1: not reached */
	uint64_t ms;
	/* after a TLS handshake (else NULL / 0): */
	struct probe_tls *tls;
	struct cert_facts *cert;	/* the peer's certificate */
	int dane_used, dane_matched;
	/* after the features following TLS: */
	int has_features;
	int dialback;
	struct strlist sasl;		/* mechanisms, as offered */
};

/* What a probe of one domain found. */
struct probe_result {
	struct findings findings;	/* subject: the domain */
	char *domain;
	int fixed;			/* given addresses: no DNS */
	int every;			/* every endpoint was tried */
	int not_started;		/* --max-time came first: nothing
					 * is known of it */
	int reachable;			/* an attempt reached the features
					 * after TLS */
	int srv_answered[2];		/* _xmpp-server, _xmpps-server */
	struct strlist srv[2];		/* their values, as answered */
	enum dnssec_state dnssec;	/* of the _xmpp-server answer */
	int fallback;			/* no SRV: the domain on 5269 */
	struct probe_attempt *attempts;
	size_t nattempts;
	long answered;			/* the attempt that reached the
					 * features, or -1 */
	uint64_t ms;
};

/* The attempt that answered, or NULL. */
const struct probe_attempt *probe_answer(const struct probe_result *r);
/* The attempt whose TLS facts stand for the probe: the one that answered,
 * else the last that got through a TLS handshake; NULL when none did. */
const struct probe_attempt *probe_tls_attempt(const struct probe_result *r);
void probe_result_free(struct probe_result *r);

/* Why probe_run could not start. */
enum probe_setup { PROBE_SETUP_OK, PROBE_SETUP_RESOLVER, PROBE_SETUP_CA,
	PROBE_SETUP_LOCAL };

/* Probe every request; results[i] is for reqs[i] (free each with
 * probe_result_free()). PROBE_SETUP_OK, or what could not be set up (the
 * resolver, the CA bundle, a local resource) with *cause (free it). */
enum probe_setup probe_run(const struct probe_opts *o,
    const struct probe_request *reqs, size_t n,
    struct probe_result *results, char **cause);

#endif
