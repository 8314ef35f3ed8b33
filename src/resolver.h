/* resolver.h — DNS lookups with DNSSEC validation: the only module that
 * includes libunbound. Asynchronous (ub_resolve_async, ub_fd, ub_process)
 * inside the caller's event loop; every query has its own deadline. */
#ifndef XMPPCUT_RESOLVER_H
#define XMPPCUT_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "rrset.h"

#define DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"

struct resolver;

struct resolver_opts {
	const char *forward;	/* ADDR[@PORT], or NULL */
	char *const *stubs;	/* ZONE=ADDR[@PORT], repeatable per zone */
	size_t nstubs;
	const char *trust_anchor; /* NULL: DEFAULT_TRUST_ANCHOR if present */
	unsigned timeout_ms;	/* each query as a whole */
};

/* A validating resolver: forwarding (opts->forward), stubs, or else the
 * system's resolv.conf. Special-use names (.test, .example, .invalid, ...)
 * resolve when a stub or forwarder is given for them. Newly allocated;
 * NULL with *cause (free it) when it cannot be set up. */
struct resolver *resolver_new(struct loop *l, const struct resolver_opts *o,
    char **cause);

/* The trust anchor these options give (opts->trust_anchor, else
 * DEFAULT_TRUST_ANCHOR when it exists), or NULL ("none", or no default):
 * then no answer can be DNSSEC-secure. */
const char *resolver_trust_anchor(const struct resolver_opts *o);

/* No query of r may run past this moment (now_ms() clock): later ones
 * time out at once. 0 lifts it. */
void resolver_set_deadline(struct resolver *r, uint64_t at_ms);

/* 1 when nothing answered at all: every query so far timed out, and so
 * do the questions the resolver must be able to answer (the SOA of each
 * --stub zone, else of the root). Then the tool cannot judge
 * (resolver-failed), rather than every domain failing. Runs the loop for
 * that question: call it when the loop is otherwise idle. */
int resolver_is_dead(struct resolver *r);

/* 1 when name is under a special-use zone (RFC 6761: test, invalid,
 * onion, home.arpa, localhost, ...) that no --stub or --resolver opened:
 * libunbound answers for it itself, and no DNS server holds it. */
int resolver_answers_itself(const struct resolver *r, const char *name);

/* Cancels what is pending (no callbacks) and frees. */
void resolver_free(struct resolver *r);

enum dns_status {
	DNS_OK,			/* an answer: data, no data, or no such name */
	DNS_FAILURE,		/* SERVFAIL, REFUSED, ... */
	DNS_TIMEOUT,		/* no answer within the deadline */
};

enum dnssec_state { DNSSEC_INSECURE, DNSSEC_SECURE, DNSSEC_BOGUS };

struct dns_answer {
	char *name;		/* as asked, normalised */
	enum rrtype type;
	enum dns_status status;
	char *error;		/* for DNS_FAILURE/DNS_TIMEOUT: what happened */
	int nxdomain;
	enum dnssec_state dnssec;
	char *why_bogus;	/* the validator's reason, or NULL */
	char *canonname;	/* NULL unless name is an alias */
	struct rrset *rrset;	/* the data (at canonname), or NULL */
	uint64_t ms;		/* how long it took */
	int lame;		/* (nsquery) the server answered, but not for
				 * the zone: REFUSED, SERVFAIL, NOTAUTH or no
				 * authority */
	int rrsig;		/* (nsquery) an RRSIG over the data came along */
};

/* Called once per query; the answer is the callee's (dns_answer_free). */
typedef void (*resolver_fn)(void *arg, struct dns_answer *a);

/* Ask for name/type; fn is called from the loop, never from here. */
void resolver_query(struct resolver *r, const char *name, enum rrtype type,
    resolver_fn fn, void *arg);

void dns_answer_free(struct dns_answer *a);
/* A copy, newly allocated. */
struct dns_answer *dns_answer_dup(const struct dns_answer *a);
/* "ok", "nodata", "nxdomain", "failure" or "timeout". */
const char *dns_answer_status(const struct dns_answer *a);
const char *dnssec_name(enum dnssec_state s);

#endif
