/* observe.h — what is worth watching in the results of check, probe or
 * monitor, per domain and partner, and what changed between two runs.
 * `monitor` keeps these observations as its state; `diff` compares the
 * observations of two saved reports.
 *
 * Observations are stable facts, never "whichever target answered this
 * time": the SRV records and addresses a domain publishes, whether it is
 * reachable, and per endpoint (target, port, STARTTLS or direct TLS) what
 * it serves: the outcome of the attempt, TLS version, authentication
 * methods, certificate. A partner's server picks among equal-priority
 * targets at random (RFC 2782), so one run sees some endpoints and the
 * next run others: only endpoints seen in both runs are compared, and
 * monitor carries the endpoints a run did not try over from the state. */
#ifndef XMPPCUT_OBSERVE_H
#define XMPPCUT_OBSERVE_H

#include <stddef.h>

#include "dnslive.h"
#include "finding.h"
#include "probe.h"
#include "util.h"

enum obs_kind { OBS_DOMAIN, OBS_PARTNER, OBS_PROBE };

/* "domain", "partner", "probe"; -1 from obs_kind_parse when unknown. */
const char *obs_kind_name(enum obs_kind k);
int obs_kind_parse(const char *s, enum obs_kind *out);

/* What one endpoint served. */
struct obs_endpoint {
	char *key;		/* "TARGET:PORT starttls|direct-tls" */
	char *outcome;		/* "ok", "no-address" or a finding id */
	char *tls;		/* TLS version, or NULL */
	char *auth;		/* "dialback, SASL EXTERNAL", or NULL */
	char *spki, *issuer, *not_after;	/* the certificate, or NULL */
};

struct observation {
	char *name;
	enum obs_kind kind;
	int has_srv;
	struct strlist srv;	/* "_xmpp-server PRIO WEIGHT PORT TARGET.",
				 * sorted */
	int has_addresses;
	struct strlist addresses;	/* the targets' A/AAAA, sorted */
	int has_reachable, reachable;
	struct obs_endpoint *ends;	/* sorted by key */
	size_t nends;
};

struct observations {
	struct observation *v;	/* sorted by name */
	size_t n;
};

/* Add what the live DNS showed of the plan's domains (kind domain). */
void observe_dns(struct observations *o, const struct dnslive_result *d);
/* Add what probes showed (probes of fixed addresses are skipped). */
void observe_probes(struct observations *o, const struct probe_result *r,
    size_t n, enum obs_kind kind);
/* The observation of name, or NULL. */
const struct observation *observe_find(const struct observations *o,
    const char *name);
/* Take over the endpoints of last that now did not try, while their
 * target is still published (monitor's state between runs). */
void observe_carry(struct observations *now, const struct observations *last);
/* A copy of src added to dst (which is empty). */
void observe_copy(struct observations *dst, const struct observations *src);
/* Add an observation as read back (obsfile.c); takes it over (its
 * endpoints are sorted here; a second one of the same name is dropped). */
void observe_add(struct observations *o, struct observation *x);
void observations_free(struct observations *o);
/* Free what one observation holds (not x itself). */
void observation_free(struct observation *x);

/* One fact that moved. before/after are empty when there was none. */
struct change {
	char *name;
	char *what;		/* "srv", "reachable", "ENDPOINT tls", ... */
	int list;		/* the fact is a list (srv, addresses) */
	struct strlist before, after;
};

struct changes {
	struct change *v;
	size_t n;
};

/* Compare two observation sets: a `changed` finding (warning) for each
 * fact that moved, `reachability-lost` (error) for a name reachable
 * before and not after; the changes are appended to out. */
void observe_compare(const struct observations *before,
    const struct observations *after, struct changes *out,
    struct findings *f);
void changes_free(struct changes *c);

#endif
