/* stage.c — the stages of a gateway move and the records each publishes. */
#include "stage.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "dname.h"
#include "util.h"
#include "zonefind.h"

static const char *const stage_names[] = {
	[STAGE_CURRENT] = "current",
	[STAGE_PRE] = "pre",
	[STAGE_CUTOVER] = "cutover",
	[STAGE_FINAL] = "final",
	[STAGE_ROLLBACK] = "rollback",
};

int
stage_parse(const char *name, enum stage *s)
{
	for (int i = STAGE_PRE; i <= STAGE_ROLLBACK; i++) {
		if (strcmp(name, stage_names[i]) == 0) {
			*s = (enum stage)i;
			return 0;
		}
	}
	return -1;
}

const char *
stage_name(enum stage s)
{
	return stage_names[s];
}

enum role
stage_role(enum stage s)
{
	return s == STAGE_CUTOVER || s == STAGE_FINAL ? ROLE_NEW : ROLE_OLD;
}

uint32_t
stage_ttl(const struct plan *p, enum stage s)
{
	return s == STAGE_CURRENT || s == STAGE_FINAL ? p->ttl :
	    p->cutover_ttl;
}

enum stage
stage_previous(enum stage s)
{
	switch (s) {
	case STAGE_PRE:
		return STAGE_CURRENT;
	case STAGE_CUTOVER:
		return STAGE_PRE;
	case STAGE_FINAL:
	case STAGE_ROLLBACK:
		return STAGE_CUTOVER;
	default:
		return STAGE_CURRENT;
	}
}

char *
stage_describe(const struct plan *p, enum stage s)
{
	switch (s) {
	case STAGE_PRE:
		/* the plan's ttl is the final one: today's records may
		 * carry longer (apply measures what it replaces) */
		return xasprintf("today's records (the old gateways) with "
		    "TTLs lowered to cutover-ttl %u; publish them at least "
		    "one old TTL before the cutover: the longest TTL today's "
		    "records carry (the plan's ttl is %u s; apply holds "
		    "cutover until what pre replaced has expired)",
		    p->cutover_ttl, p->ttl);
	case STAGE_CUTOVER:
		return xasprintf("the new gateways' records with cutover-ttl "
		    "%u", p->cutover_ttl);
	case STAGE_FINAL:
		return xasprintf("the new gateways' records with ttl %u",
		    p->ttl);
	case STAGE_ROLLBACK:
		return xasprintf("the old gateways' records with cutover-ttl "
		    "%u", p->cutover_ttl);
	default:
		return xasprintf("the old gateways' records with ttl %u",
		    p->ttl);
	}
}

/* The zone of name, "" when zones do not matter; NULL with *cause when
 * it is not known. */
static const char *
zone_of(const struct zonemap *zones, const char *name, char **cause)
{
	const char *z;

	if (zones == NULL)
		return "";
	if ((z = zonemap_get(zones, name)) == NULL)
		*cause = xasprintf("the zone of %s is not known", name);
	return z;
}

/* group: 0 for a domain's SRV, 1 for a host's records; base: the domain
 * or host the record belongs to; rkey: rdata in an order-preserving form.
 * Separators below every printable character keep prefixes in order. */
static void
add(struct rrlist *l, const char *zone, int group, const char *base,
    const char *owner, uint32_t ttl, enum rrtype type, char *rdata,
    const char *rkey)
{
	struct rr *r;

	grow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	r = &l->v[l->n++];
	r->zone = xstrdup(zone);
	r->owner = xstrdup(owner);
	r->ttl = ttl;
	r->type = type;
	r->rdata = rdata;
	r->key = xasprintf("%s\001%d\001%s\001%d\001%s\001%s", zone, group,
	    base, (int)type, owner, rkey);
}

static void
add_srv(struct rrlist *l, const char *zone, const char *domain,
    const char *service, const struct gateway *g, unsigned port,
    uint32_t ttl)
{
	char *owner = xasprintf("%s._tcp.%s", service, domain);
	char *rkey = xasprintf("%05u%05u%05u%s", g->priority, g->weight, port,
	    g->host);

	add(l, zone, 0, domain, owner, ttl, RR_SRV, xasprintf("%u %u %u %s.",
	    g->priority, g->weight, port, g->host), rkey);
	free(rkey);
	free(owner);
}

static void
add_host(struct rrlist *l, const char *zone, const struct gateway *g,
    uint32_t ttl, const char *spki)
{
	unsigned char bin[16];
	char hex[33];
	char *owner;
	size_t n;

	for (size_t i = 0; i < g->naddrs; i++) {
		const struct plan_addr *a = &g->addrs[i];

		inet_pton(a->family, a->text, bin);
		n = a->family == AF_INET ? 4 : 16;
		for (size_t k = 0; k < n; k++)
			snprintf(hex + 2 * k, 3, "%02x", bin[k]);
		add(l, zone, 1, g->host, g->host, ttl,
		    a->family == AF_INET ? RR_A : RR_AAAA, xstrdup(a->text),
		    hex);
	}
	if (spki == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		unsigned port = i == 0 ? g->port : g->direct_tls_port;

		if (port == 0)
			continue;
		owner = xasprintf("_%u._tcp.%s", port, g->host);
		add(l, zone, 1, g->host, owner, ttl, RR_TLSA,
		    xasprintf("3 1 1 %s", spki), spki);
		free(owner);
	}
}

static int
rr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rr *)a)->key, ((const struct rr *)b)->key);
}

int
stage_records(const struct plan *p, enum stage s,
    const struct zonemap *zones, struct rrlist *out, char **cause)
{
	enum role role = stage_role(s);
	uint32_t ttl = stage_ttl(p, s);
	size_t first = out->n;
	const char *zone;
	char spki[65];

	for (size_t d = 0; d < p->ndomains; d++) {
		if ((zone = zone_of(zones, p->domains[d], cause)) == NULL)
			return -1;
		for (size_t i = 0; i < p->ngateways; i++) {
			const struct gateway *g = &p->gateways[i];

			if (g->role != role)
				continue;
			add_srv(out, zone, p->domains[d], "_xmpp-server", g,
			    g->port, ttl);
			if (g->direct_tls_port != 0)
				add_srv(out, zone, p->domains[d],
				    "_xmpps-server", g, g->direct_tls_port,
				    ttl);
		}
	}
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *g = &p->gateways[i];
		struct cert *c = NULL;

		if (g->role != role)
			continue;
		if ((zone = zone_of(zones, g->host, cause)) == NULL)
			return -1;
		if (g->cert != NULL) {
			if ((c = cert_load_file(g->cert, cause)) == NULL)
				return -1;
			cert_spki_sha256(c, spki);
			cert_free(c);
		}
		add_host(out, zone, g, ttl, g->cert != NULL ? spki : NULL);
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof *out->v, rr_cmp);
	return 0;
}

void
rrlist_free(struct rrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].zone);
		free(l->v[i].owner);
		free(l->v[i].rdata);
		free(l->v[i].key);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

char *
rr_format(const struct rr *r)
{
	return xasprintf("%s.\t%u\tIN\t%s\t%s", r->owner, r->ttl,
	    rrtype_name(r->type), r->rdata);
}
