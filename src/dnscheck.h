/* dnscheck.h — the XMPP records of a domain checked against the RFCs
 * (RFC 2782, RFC 6120 §3.2, XEP-0368) and against the plan's stage,
 * whatever their source: zone files (lint) or the live DNS (check). */
#ifndef XMPPCUT_DNSCHECK_H
#define XMPPCUT_DNSCHECK_H

#include "finding.h"
#include "plan.h"
#include "rrset.h"
#include "stage.h"

struct dnscheck {
	const struct rrsource *src;
	const struct plan *plan;	/* NULL: RFC rules only */
	int have_stage;			/* compare with the records of stage */
	enum stage stage;
	int ttl_limit;			/* warn when a TTL is above cutover-ttl */
	int live;			/* the live DNS: srv-points-old */
	int survey;			/* (init) the records are what the
					 * plan will say: no port is
					 * unexpected */
	struct findings *f;
};

/* Check the _xmpp-server and _xmpps-server SRV RRsets of domain and their
 * targets: srv-missing (plan domains), srv-target-dot, srv-target-cname,
 * srv-target-no-address, srv-port-unexpected, ttl-inconsistent,
 * xmpps-inconsistent, and with a stage srv-plan-mismatch (srv-points-old
 * when live) and ttl-above-cutover. */
void dnscheck_domain(const struct dnscheck *c, const char *domain);

/* With a plan and a stage: the stage's gateway hosts in scope —
 * address-plan-mismatch, tlsa-missing, tlsa-mismatch, ttl-above-cutover.
 * -1 with *cause when a plan certificate cannot be read. */
int dnscheck_gateways(const struct dnscheck *c, char **cause);

#endif
