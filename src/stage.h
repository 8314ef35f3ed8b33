/* stage.h — the stages of a gateway move and the records each publishes.
 *
 *   current   (not a stage one generates: the old gateways, ttl) — what the
 *             zone holds before the move starts
 *   pre       old gateways, cutover-ttl
 *   cutover   new gateways, cutover-ttl
 *   final     new gateways, ttl
 *   rollback  old gateways, cutover-ttl
 *
 * Records per plan domain: _xmpp-server._tcp SRV, _xmpps-server._tcp SRV
 * for gateways with a direct-tls-port; per gateway host: A, AAAA, and
 * TLSA 3 1 1 at _PORT._tcp.HOST for each of its ports when it has a cert. */
#ifndef XMPPCUT_STAGE_H
#define XMPPCUT_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "rrset.h"

enum stage { STAGE_CURRENT, STAGE_PRE, STAGE_CUTOVER, STAGE_FINAL,
	STAGE_ROLLBACK };

struct rr {
	char *zone;	/* the zone the record belongs in, no trailing dot */
	char *owner;	/* no trailing dot */
	uint32_t ttl;
	enum rrtype type;
	char *rdata;	/* presentation form, names absolute */
	char *key;	/* sort key */
};

struct rrlist {
	struct rr *v;
	size_t n, cap;
};

/* 0 and *s set when name is pre, cutover, final or rollback; else -1. */
int stage_parse(const char *name, enum stage *s);
const char *stage_name(enum stage s);
enum role stage_role(enum stage s);
uint32_t stage_ttl(const struct plan *p, enum stage s);
/* The stage whose records a stage expects to find in the zone. */
enum stage stage_previous(enum stage s);
/* One sentence describing what the stage publishes. Newly allocated. */
char *stage_describe(const struct plan *p, enum stage s);

struct zonemap;

/* Append the records stage s publishes to out, sorted by zone, then plan
 * domains' SRV, then hosts. zones: the zone of every plan domain and
 * gateway host (zonefind.h), or NULL when zones do not matter (r->zone is
 * then ""). 0 on success; -1 with *cause set when a cert cannot be read
 * or a name's zone is not known. */
int stage_records(const struct plan *p, enum stage s,
    const struct zonemap *zones, struct rrlist *out, char **cause);

void rrlist_free(struct rrlist *l);
/* "OWNER. TTL IN TYPE RDATA" with tabs, as in a master file. Newly
 * allocated. */
char *rr_format(const struct rr *r);

#endif
