/* initplan.h — the plan `init` writes from today's records: the domains'
 * SRV records grouped into gateway sections, the TTL and a cutover-ttl
 * suggestion, and the commented plan file. Pure logic: the records come
 * from the caller (the live DNS in cmd-init.c, literals in the unit
 * tests).
 *
 * The plan's stage pre must republish today's records as they are, so
 * what a plan cannot say is a plan-inexpressible finding, never a guess:
 * a gateway has one port, priority and weight (a host named twice in one
 * RRset, or with another priority or weight in _xmpps-server, cannot be
 * one), direct TLS only beside _xmpp-server (direct-tls-port, another
 * port than port), no "." target, SRV records at the owner itself (not
 * behind an alias), and every gateway serves every domain of the plan
 * (domains that name different gateways need a plan each). */
#ifndef XMPPCUT_INITPLAN_H
#define XMPPCUT_INITPLAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "finding.h"
#include "plan.h"
#include "rrset.h"

/* What the DNS says of one domain. */
struct initplan_domain {
	const char *name;		/* normalised */
	const struct rrset *srv[2];	/* _xmpp-server, _xmpps-server SRV;
					 * NULL: none */
	const char *alias[2];		/* the SRV owner is an alias of this
					 * name, or NULL */
	const char *dnssec[2];		/* each SRV answer's DNSSEC state,
					 * or NULL */
	const char *zone;		/* its zone's apex, or NULL */
};

/* What the DNS says of one host that an SRV record names. */
struct initplan_host {
	const char *name;		/* normalised */
	const struct rrset *addr[2];	/* A, AAAA; NULL: none */
	const char *dnssec;		/* of its address answers, or NULL */
	const char *zone;		/* its zone's apex, or NULL */
	const char *tlsa[2];		/* _PORT._tcp.NAME owners of its
					 * ports that hold TLSA today, or
					 * NULL */
};

struct initplan_in {
	const struct initplan_domain *domains;
	size_t ndomains;
	const struct initplan_host *hosts;
	size_t nhosts;
	const char *command;		/* the command line, for the header */
	time_t now;
};

/* The longest line the plan reader takes (plan.c: inih's buffer less the
 * line break and the NUL). */
#define INITPLAN_LINE_MAX 198

/* The plan of today's records: the domains, every gateway their SRV
 * records name (role old, in order of priority, then name, with port,
 * priority, weight, direct-tls-port and addresses), ttl (the longest TTL
 * of those records, 0 included) and cutover-ttl (initplan_cutover_ttl()
 * of the shortest); no zone
 * keys (the caller adds them), no new gateway. Newly allocated (free with
 * plan_free()), or NULL with plan-inexpressible findings in f. */
struct plan *initplan_build(const struct initplan_in *in, struct findings *f);

/* The cutover-ttl suggested when today's shortest TTL is shortest: 300
 * s, or shortest when it is lower, so that stage pre never raises a TTL
 * (and cutover-ttl never exceeds ttl, the longest). */
uint32_t initplan_cutover_ttl(uint32_t shortest);

/* The plan as a commented plan file (what `xmppcut init` prints): a
 * header with today's records, [plan] with domain, zone (p->zones), ttl
 * and cutover-ttl keys, a [gateway] section per old gateway, a commented
 * template of the new gateway and of partners. Every line fits the plan
 * reader. Newly allocated. */
char *initplan_text(const struct initplan_in *in, const struct plan *p);

#endif
