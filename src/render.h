/* render.h — the report writer's half that knows the results: each
 * command hands its typed results here, and they become the text lines
 * of text mode and the members of the JSON document. Values from outside
 * (certificate names, a peer's words) are escaped in text. */
#ifndef XMPPCUT_RENDER_H
#define XMPPCUT_RENDER_H

#include <stddef.h>

#include "cert.h"
#include "dnslive.h"
#include "observe.h"
#include "probe.h"
#include "report.h"
#include "stage.h"
#include "zonefile.h"

/* generate: the records, as "records". */
void render_records(struct report *r, const struct rrlist *l);

/* lint: one line per file, and "files". */
void render_zonefiles(struct report *r, const struct zoneset *z);

/* cert: a certificate's facts (lines, and one more member of
 * "certificates"); file and gateway may be NULL. */
void render_cert(struct report *r, const char *label, const char *file,
    const char *gateway, const struct cert_facts *cf);

/* check, monitor: the DNS part, per domain (lines, and "domains"). */
void render_dns(struct report *r, const struct dnslive_result *d);

/* probe, check, monitor: one line per probe, and the list under key. */
void render_probes(struct report *r, const char *key,
    const struct probe_result *v, size_t n);

/* apply: one zone (a line, and one member of "zones"). */
struct apply_zone_view {
	const char *zone;
	const char *part;	/* "all", or "hosts"/"srv" for a zone whose
				 * message is split (nsupdate.h) */
	const char *primary;	/* address, or NULL when not found */
	const char *primary_name;	/* the SOA MNAME or the --server */
	const char *state;	/* unread, at-stage, ready, unexpected */
	const char *why;	/* unread, unexpected: what; or NULL */
	const char *message;	/* the update, as nsupdate statements */
	int dry_run;
	int sent;		/* the zone holds the stage after the update */
	int answered;		/* rcode is the server's answer */
	int rcode;
	unsigned long serial_before, serial_after;
};
void render_apply_zone(struct report *r, const struct apply_zone_view *v);

/* check, probe, monitor, diff: observations under key ("observations";
 * diff: "before", "after"). */
void render_observations(struct report *r, const char *key,
    const struct observations *o);

/* monitor, diff: the changes, as "changes"; with text, a line each (or
 * "no change"). */
void render_changes(struct report *r, const struct changes *c, int text);

/* init: the plan, as "plan" (domains, zones, ttl, cutover_ttl, gateways)
 * and "text" (the plan file). */
void render_init_plan(struct report *r, const struct plan *p,
    const char *text);

#endif
