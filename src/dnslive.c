/* dnslive.c — the DNS half of `check`.
 *
 * Queries go out level by level, every query of a level at once in the
 * one loop: the SRV records; then targets, TLSA and gateway hosts; then
 * the zone apex (SOA, walking up), its NS and their addresses; then each
 * authoritative server directly. A dead server costs one --timeout per
 * level that has something to ask, not one per query. */
#include "dnslive.h"

#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "dnscheck.h"
#include "log.h"
#include "nsquery.h"
#include "util.h"

/* Answers of one resolver, and what was asked of it. */
struct answers {
	struct resolver *res;		/* the validating resolver, or */
	struct nsserver *ns;		/* one server asked alone */
	struct dns_answer **v;
	size_t n, cap;
	char **asked;
	size_t nasked, capasked;
};

struct server {
	char *name, *addr;
	struct answers a;
	int dead;		/* unreachable or lame: not compared */
};

struct zone {
	char *apex;		/* NULL until found */
	char *cur;		/* where the SOA walk stands */
	int failed;
	struct server *servers;
	size_t nservers;
};

static void
on_answer(void *arg, struct dns_answer *a)
{
	struct answers *s = arg;

	grow(&s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = a;
}

static void
ask(struct answers *s, const char *name, enum rrtype type)
{
	char *key = xasprintf("%s/%s", name, rrtype_name(type));

	for (size_t i = 0; i < s->nasked; i++) {
		if (strcmp(s->asked[i], key) == 0) {
			free(key);
			return;
		}
	}
	grow(&s->asked, &s->capasked, s->nasked + 1, sizeof *s->asked);
	s->asked[s->nasked++] = key;
	if (s->ns != NULL)
		nsserver_query(s->ns, name, type, on_answer, s);
	else
		resolver_query(s->res, name, type, on_answer, s);
}

static struct dns_answer *
found(const struct answers *s, const char *name, enum rrtype type)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->type == type && strcmp(s->v[i]->name, name) == 0)
			return s->v[i];
	return NULL;
}

static void
answers_free(struct answers *s)
{
	for (size_t i = 0; i < s->n; i++)
		dns_answer_free(s->v[i]);
	for (size_t i = 0; i < s->nasked; i++)
		free(s->asked[i]);
	free(s->v);
	free(s->asked);
	resolver_free(s->res);
	nsserver_free(s->ns);
}

/* The answer's data, "none" when there is none; newly allocated. */
static char *
answer_values(const struct dns_answer *a)
{
	struct buf b = { 0 };
	char **v;

	if (a == NULL)
		return xstrdup("no answer");
	if (a->status != DNS_OK)
		return xstrdup(a->error ? a->error : "failure");
	if (a->rrset == NULL || a->rrset->rdata == NULL)
		return xstrdup(a->nxdomain ? "NXDOMAIN" : "none");
	v = xcalloc(a->rrset->n, sizeof *v);
	memcpy(v, a->rrset->rdata, a->rrset->n * sizeof *v);
	sort_strings(v, a->rrset->n);
	for (size_t i = 0; i < a->rrset->n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", v[i]);
	free(v);
	return buf_take(&b);
}

/* The record source of dnscheck: the validating resolver's answers, with
 * the TTLs that the zone's authoritative servers give (a resolver's cached
 * TTL counts down; ttl-above-cutover is about the TTL the zone publishes).
 * An alias answers A/AAAA through its canonical name: to dnscheck it has
 * a CNAME and no address of its own. */
struct live {
	struct answers *m;
	const struct zone *z;	/* per plan domain */
	size_t nz;
};

/* How many live servers of z serve the values v (answer_values) at
 * name/type; with ttl non-NULL, the largest TTL they give and whether one
 * gives mixed TTLs (*ttl and *mixed are only raised: start them at 0). */
static size_t
serving(const struct zone *z, const char *name, enum rrtype type,
    const char *v, uint32_t *ttl, int *mixed)
{
	size_t n = 0;

	for (size_t i = 0; i < z->nservers; i++) {
		const struct dns_answer *a = found(&z->servers[i].a, name,
		    type);
		char *w;

		if (z->servers[i].dead || a == NULL || a->status != DNS_OK)
			continue;
		w = answer_values(a);
		if (strcmp(v, w) == 0) {
			if (ttl != NULL && a->rrset != NULL) {
				if (a->rrset->ttl > *ttl)
					*ttl = a->rrset->ttl;
				*mixed |= a->rrset->ttl_mixed;
			}
			n++;
		}
		free(w);
	}
	return n;
}

/* The TTL a cache may be given for owner/type: the largest of those that
 * the zone's live servers serving the values v give (v: the resolver's).
 * 0 when no server serves them. */
static int
authoritative_ttl(const struct live *lv, const char *owner, enum rrtype type,
    const char *v, uint32_t *ttl, int *mixed)
{
	size_t n = 0;

	for (size_t i = 0; i < lv->nz; i++)
		if (lv->z[i].apex != NULL &&
		    dname_is_under(owner, lv->z[i].apex))
			n += serving(&lv->z[i], owner, type, v, ttl, mixed);
	return n > 0;
}

static struct rrset *
live_get(void *ctx, const char *owner, enum rrtype type)
{
	struct live *lv = ctx;
	struct dns_answer *a;
	struct rrset *s;
	uint32_t ttl = 0;
	int mixed = 0;
	char *v;

	if (type == RR_CNAME) {
		if ((a = found(lv->m, owner, RR_A)) == NULL ||
		    a->canonname == NULL)
			a = found(lv->m, owner, RR_AAAA);
		if (a == NULL || a->canonname == NULL)
			return NULL;
		s = rrset_new(owner, RR_CNAME, NULL, 0);
		rrset_add(s, 0, a->canonname);
		return s;
	}
	a = found(lv->m, owner, type);
	if (a == NULL || a->status != DNS_OK || a->rrset == NULL)
		return NULL;
	if ((type == RR_A || type == RR_AAAA) && a->canonname != NULL)
		return NULL;
	s = rrset_clone(a->rrset);
	v = answer_values(a);
	if (authoritative_ttl(lv, owner, type, v, &ttl, &mixed)) {
		s->ttl = ttl;
		s->ttl_mixed = mixed;
	}
	free(v);
	return s;
}

static int
live_in_scope(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return 1;
}

static int
live_failed(void *ctx, const char *owner, enum rrtype type)
{
	struct dns_answer *a = found(((struct live *)ctx)->m, owner, type);

	return a == NULL || a->status != DNS_OK;
}

static int
live_insecure(void *ctx, const char *owner, enum rrtype type)
{
	struct dns_answer *a = found(((struct live *)ctx)->m, owner, type);

	return a != NULL && a->status == DNS_OK &&
	    a->dnssec == DNSSEC_INSECURE;
}

/* The SRV targets of a domain, from the main answers (not "."). */
static size_t
targets(const struct answers *m, const char *domain, char ***out)
{
	size_t n = 0;

	*out = NULL;
	for (int svc = 0; svc < 2; svc++) {
		char *owner = xasprintf("%s._tcp.%s", svc ? "_xmpps-server" :
		    "_xmpp-server", domain);
		struct dns_answer *a = found(m, owner, RR_SRV);

		for (size_t i = 0; a != NULL && a->status == DNS_OK &&
		    a->rrset != NULL && i < a->rrset->n; i++) {
			const struct srv_rdata *r = &a->rrset->srv[i];
			size_t k;

			if (r->target[0] == '\0')
				continue;
			for (k = 0; k < n; k++)
				if (strcmp((*out)[k], r->target) == 0)
					break;
			if (k < n)
				continue;
			*out = xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = r->target;
		}
		free(owner);
	}
	return n;
}

static void
ask_tlsa(struct answers *m, const struct dns_answer *srv)
{
	for (size_t i = 0; srv != NULL && srv->rrset != NULL &&
	    i < srv->rrset->n; i++) {
		const struct srv_rdata *r = &srv->rrset->srv[i];
		char *owner;

		if (r->target[0] == '\0')
			continue;
		owner = xasprintf("_%u._tcp.%s", r->port, r->target);
		ask(m, owner, RR_TLSA);
		free(owner);
	}
}

/* Level 2: what the SRV records name, and the expected gateways. */
static void
ask_targets(struct answers *m, const struct dnslive_opts *o)
{
	const struct plan *p = o->plan;

	for (size_t d = 0; d < p->ndomains; d++) {
		char **t;
		size_t n = targets(m, p->domains[d], &t);

		for (size_t i = 0; i < n; i++) {
			ask(m, t[i], RR_A);
			ask(m, t[i], RR_AAAA);
		}
		free(t);
		for (int svc = 0; svc < 2; svc++) {
			char *owner = xasprintf("%s._tcp.%s", svc ?
			    "_xmpps-server" : "_xmpp-server", p->domains[d]);

			ask_tlsa(m, found(m, owner, RR_SRV));
			free(owner);
		}
	}
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *g = &p->gateways[i];

		if (g->role != stage_role(o->stage))
			continue;
		ask(m, g->host, RR_A);
		ask(m, g->host, RR_AAAA);
		for (int k = 0; g->cert != NULL && k < 2; k++) {
			unsigned port = k ? g->direct_tls_port : g->port;
			char *owner;

			if (port == 0)
				continue;
			owner = xasprintf("_%u._tcp.%s", port, g->host);
			ask(m, owner, RR_TLSA);
			free(owner);
		}
	}
}

/* Level 3: the zone apex of each domain, walking up with SOA queries. */
static void
find_apexes(struct loop *l, struct answers *m, struct zone *z, size_t nz)
{
	for (int round = 0; round < 127; round++) {
		int more = 0;

		for (size_t i = 0; i < nz; i++) {
			struct dns_answer *a;

			if (z[i].apex != NULL || z[i].failed)
				continue;
			a = found(m, z[i].cur, RR_SOA);
			if (a == NULL || a->status != DNS_OK) {
				z[i].failed = 1;
			} else if (a->rrset != NULL && a->canonname == NULL) {
				z[i].apex = xstrdup(z[i].cur);
			} else if (z[i].cur[0] == '\0') {
				z[i].failed = 1;
			} else {
				char *up = xstrdup(dname_parent(z[i].cur));

				free(z[i].cur);
				z[i].cur = up;
				ask(m, up, RR_SOA);
				more = 1;
			}
		}
		if (!more)
			return;
		loop_run(l);
	}
}

/* 1 when addr is of the family asked for (0: any, 4, 6). */
static int
family_ok(const char *addr, int family)
{
	int v6 = strchr(addr, ':') != NULL;

	return family == 0 || (family == 6) == v6;
}

/* A server for one address of a name server: 0, or -1 with *cause. */
static int
add_server(struct loop *l, struct zone *z, const char *name,
    const char *addr, const struct dnslive_opts *o, char **cause)
{
	struct server *s;
	struct nsserver *ns = nsserver_new(l, addr, 53, o->ro->timeout_ms,
	    cause);

	if (ns == NULL)
		return -1;
	z->servers = xreallocarray(z->servers, z->nservers + 1,
	    sizeof *z->servers);
	s = &z->servers[z->nservers++];
	memset(s, 0, sizeof *s);
	s->a.ns = ns;
	s->name = xstrdup(name);
	s->addr = xstrdup(addr);
	return 0;
}

/* The servers of a name server: one per address of the family asked
 * for. A name that gives none is one ns-unreachable finding; an address
 * this host cannot send to while another of the same name works is only
 * a diagnostic (an IPv4-only host, say). */
static void
add_servers(struct loop *l, struct answers *m, struct zone *z,
    const char *name, const struct dnslive_opts *o, struct findings *f)
{
	size_t before = z->nservers, seen = 0, skipped = 0;
	char *why = NULL;

	for (int t = 0; t < 2; t++) {
		struct dns_answer *a = found(m, name, t ? RR_AAAA : RR_A);

		for (size_t k = 0; a != NULL && a->status == DNS_OK &&
		    a->rrset != NULL && k < a->rrset->n; k++) {
			char *cause = NULL;

			seen++;
			if (!family_ok(a->rrset->rdata[k], o->family)) {
				skipped++;
				continue;
			}
			if (add_server(l, z, name, a->rrset->rdata[k], o,
			    &cause) == -1) {
				log_info("cannot ask %s: %s", name, cause);
				free(why);
				why = cause;
			}
		}
	}
	if (z->nservers > before)
		;	/* asked at some address */
	else if (seen == 0)
		findings_add(f, SEV_WARNING, F_NS_UNREACHABLE, name, "name "
		    "server %s of zone %s has no address: resolvers cannot ask "
		    "it, and propagation is not verified there", name, z->apex);
	else if (skipped == seen)
		findings_add(f, SEV_WARNING, F_NS_UNREACHABLE, name, "name "
		    "server %s of zone %s has no IPv%d address: propagation is "
		    "not verified there", name, z->apex, o->family);
	else
		findings_add(f, SEV_WARNING, F_NS_UNREACHABLE, name, "cannot "
		    "ask %s for zone %s (%s): propagation is not verified "
		    "there", name, z->apex, why ? why : "no socket");
	free(why);
}

/* The most specific zone found that holds name, or NULL. */
static const char *
zone_of(const struct zone *zs, size_t nz, const char *name)
{
	const char *best = NULL;

	for (size_t i = 0; i < nz; i++)
		if (zs[i].apex != NULL && dname_is_under(name, zs[i].apex) &&
		    (best == NULL || strlen(zs[i].apex) > strlen(best)))
			best = zs[i].apex;
	return best;
}

/* A question for the zone's servers when name is this zone's own data
 * (a name in a child zone is another zone's: its servers are asked). */
static void
ask_own(struct answers *sa, const struct zone *z, const struct zone *zs,
    size_t nz, const char *name, enum rrtype type)
{
	const char *zone = zone_of(zs, nz, name);

	if (zone != NULL && strcmp(zone, z->apex) == 0)
		ask(sa, name, type);
}

/* The TLSA records of a domain's SRV targets, of a server. */
static void
ask_server_tlsa(struct answers *sa, const struct answers *m,
    const struct zone *z, const struct zone *zs, size_t nz,
    const char *domain)
{
	for (int svc = 0; svc < 2; svc++) {
		char *owner = xasprintf("%s._tcp.%s", svc ? "_xmpps-server" :
		    "_xmpp-server", domain);
		struct dns_answer *a = found(m, owner, RR_SRV);

		for (size_t i = 0; a != NULL && a->rrset != NULL &&
		    i < a->rrset->n; i++) {
			const struct srv_rdata *r = &a->rrset->srv[i];
			char *tl;

			if (r->target[0] == '\0')
				continue;
			tl = xasprintf("_%u._tcp.%s", r->port, r->target);
			ask_own(sa, z, zs, nz, tl, RR_TLSA);
			free(tl);
		}
		free(owner);
	}
}

/* Levels 4 and 5: the apex's NS and their addresses; each server is
 * asked for the SOA alone (RD=0, no referral followed): one that does
 * not answer is ns-unreachable, one that answers but not for the zone
 * ns-lame, once each; the others are asked the rest, for the names that
 * are this zone's own data. */
static void
ask_servers(struct loop *l, struct answers *m, struct zone *z,
    const struct zone *zs, size_t nz, const struct dnslive_opts *o,
    struct findings *f)
{
	struct dns_answer *ns = found(m, z->apex, RR_NS);
	const struct plan *p = o->plan;
	struct strlist names = { 0 };

	/* by name: the same order every run, whatever order the resolver
	 * gives (reports compare; verdicts do not hang on the first) */
	for (size_t i = 0; ns != NULL && ns->rrset != NULL &&
	    i < ns->rrset->n; i++)
		strlist_take(&names, xstrndup(ns->rrset->rdata[i],
		    strlen(ns->rrset->rdata[i]) - 1));
	strlist_sort_unique(&names);
	for (size_t i = 0; i < names.n; i++)
		add_servers(l, m, z, names.v[i], o, f);
	strlist_free(&names);
	for (size_t i = 0; i < z->nservers; i++)
		ask(&z->servers[i].a, z->apex, RR_SOA);
	loop_run(l);
	for (size_t i = 0; i < z->nservers; i++) {
		struct server *s = &z->servers[i];
		struct dns_answer *soa = found(&s->a, z->apex, RR_SOA);

		if (soa != NULL && soa->status == DNS_OK &&
		    soa->rrset != NULL)
			continue;
		s->dead = 1;
		/* an answer without the zone's SOA: it does not serve it */
		if (soa != NULL && (soa->lame || soa->status == DNS_OK))
			findings_add(f, SEV_ERROR, F_NS_LAME, s->name, "%s "
			    "(%s) is named by the NS records of zone %s but "
			    "does not serve it (%s): resolvers that ask it "
			    "fail or retry elsewhere; load the zone there or "
			    "remove the NS record", s->name, s->addr, z->apex,
			    soa->error ? soa->error : "no SOA at the apex");
		else
			findings_add(f, SEV_WARNING, F_NS_UNREACHABLE, s->name,
			    "%s (%s), a name server of zone %s, does not "
			    "answer (%s): propagation is not verified there",
			    s->name, s->addr, z->apex, soa && soa->error ?
			    soa->error : "no answer");
	}
	for (size_t i = 0; i < z->nservers; i++) {
		struct answers *sa = &z->servers[i].a;

		if (z->servers[i].dead)
			continue;
		for (size_t d = 0; d < p->ndomains; d++) {
			char **t;
			size_t n;

			for (int svc = 0; svc < 2; svc++) {
				char *owner = xasprintf("%s._tcp.%s", svc ?
				    "_xmpps-server" : "_xmpp-server",
				    p->domains[d]);

				ask_own(sa, z, zs, nz, owner, RR_SRV);
				free(owner);
			}
			n = targets(m, p->domains[d], &t);
			for (size_t k = 0; k < n; k++) {
				ask_own(sa, z, zs, nz, t[k], RR_A);
				ask_own(sa, z, zs, nz, t[k], RR_AAAA);
			}
			free(t);
			ask_server_tlsa(sa, m, z, zs, nz, p->domains[d]);
		}
		/* the expected gateways' addresses, as the plan names them */
		for (size_t g = 0; g < p->ngateways; g++) {
			const struct gateway *gw = &p->gateways[g];

			if (gw->role != stage_role(o->stage))
				continue;
			ask_own(sa, z, zs, nz, gw->host, RR_A);
			ask_own(sa, z, zs, nz, gw->host, RR_AAAA);
		}
	}
	loop_run(l);
}

/* Where the validating resolver found name/type DNSSEC-secure, a server
 * that serves the records without an RRSIG (a secondary fed the unsigned
 * zone, a signer that stopped): resolvers that ask it fail validation,
 * and partners fail at random -- the resolver that found the others
 * hides it. */
static void
unsigned_servers(const struct answers *m, const struct zone *z,
    const char *name, enum rrtype type, struct findings *f)
{
	const struct dns_answer *r = found(m, name, type);

	if (r == NULL || r->status != DNS_OK || r->dnssec != DNSSEC_SECURE ||
	    r->canonname != NULL)
		return;
	for (size_t i = 0; i < z->nservers; i++) {
		const struct server *s = &z->servers[i];
		const struct dns_answer *a = found(&s->a, name, type);

		if (!s->dead && a != NULL && a->status == DNS_OK &&
		    a->rrset != NULL && !a->rrsig)
			findings_add(f, SEV_ERROR, F_NS_INCONSISTENT, name,
			    "%s (%s) serves the %s records of the signed zone "
			    "%s without their signatures (no RRSIG): resolvers "
			    "that ask it cannot validate them and fail "
			    "(SERVFAIL); sign the zone there, or fix its "
			    "transfer", s->name, s->addr, rrtype_name(type),
			    z->apex);
	}
}

/* What the servers of a zone serve, compared question by question among
 * those that answer for the zone: the reference for a question is the
 * first server that answered it. A server that did not answer some is
 * one ns-unreachable warning; a question that every server answers with
 * a referral is another zone's (a delegation the walk did not see) and
 * not compared. */
static void
compare_servers(const struct answers *m, const struct zone *z,
    struct findings *f)
{
	size_t *missed = xcalloc(z->nservers ? z->nservers : 1,
	    sizeof *missed);
	char **first_miss = xcalloc(z->nservers ? z->nservers : 1,
	    sizeof *first_miss);
	struct strlist questions = { 0 };

	for (size_t i = 0; i < z->nservers; i++)
		for (size_t q = 0; !z->servers[i].dead &&
		    q < z->servers[i].a.nasked; q++)
			strlist_add(&questions, z->servers[i].a.asked[q]);
	strlist_sort_unique(&questions);
	for (size_t q = 0; q < questions.n; q++) {
		char *name = xstrdup(questions.v[q]), *slash;
		const struct server *ref = NULL;
		struct dns_answer *ra = NULL;
		enum rrtype type = RR_SRV;
		char *v0;

		slash = strrchr(name, '/');
		*slash = '\0';
		for (int t = RR_SRV; t <= RR_SOA; t++)
			if (strcmp(slash + 1, rrtype_name((enum rrtype)t)) == 0)
				type = (enum rrtype)t;
		for (size_t i = 0; ref == NULL && i < z->nservers; i++) {
			struct dns_answer *a = found(&z->servers[i].a, name,
			    type);

			if (!z->servers[i].dead && a != NULL &&
			    a->status == DNS_OK) {
				ref = &z->servers[i];
				ra = a;
			}
		}
		/* serials may differ (data matters) */
		if (type == RR_SOA) {
			free(name);
			continue;
		}
		/* nobody answered: referrals (another zone's data) are not
		 * this zone's business; other failures are */
		for (size_t i = 0; ref == NULL && i < z->nservers; i++) {
			struct dns_answer *a = found(&z->servers[i].a, name,
			    type);

			if (z->servers[i].dead || (a != NULL && a->lame))
				continue;
			if (missed[i]++ == 0)
				first_miss[i] = xasprintf("%s %s: %s", name,
				    rrtype_name(type), a && a->error ?
				    a->error : "no answer");
		}
		if (ref == NULL) {
			free(name);
			continue;
		}
		v0 = answer_values(ra);
		unsigned_servers(m, z, name, type, f);
		for (size_t i = 0; i < z->nservers; i++) {
			const struct server *s = &z->servers[i];
			struct dns_answer *a = found(&s->a, name, type);
			char *v;

			if (s->dead || s == ref)
				continue;
			if (a == NULL || a->status != DNS_OK) {
				if (missed[i]++ == 0)
					first_miss[i] = xasprintf("%s %s: %s",
					    name, rrtype_name(type), a &&
					    a->error ? a->error : "no answer");
				continue;
			}
			v = answer_values(a);
			if (strcmp(v, v0) != 0)
				findings_add(f, SEV_ERROR, F_NS_INCONSISTENT,
				    name, "the zone's servers disagree on the "
				    "%s records: %s (%s) serves %s, %s (%s) "
				    "serves %s; wait for the change to reach "
				    "every server, or fix the one behind",
				    rrtype_name(type), ref->name, ref->addr, v0,
				    s->name, s->addr, v);
			else if (ra->rrset != NULL && a->rrset != NULL &&
			    ra->rrset->ttl != a->rrset->ttl)
				/* partners get the same records either way:
				 * one RRset with two TTLs (RFC 2181 §5.2);
				 * the largest counts for a cache, and
				 * ttl-above-cutover judges it */
				findings_add(f, SEV_WARNING, F_TTL_INCONSISTENT,
				    name, "the zone's servers disagree on the "
				    "%s records' TTL: %s (%s) serves TTL %u, "
				    "%s (%s) TTL %u (the same %s); wait for "
				    "the change to reach every server, or fix "
				    "the one behind", rrtype_name(type),
				    ref->name, ref->addr, ra->rrset->ttl,
				    s->name, s->addr, a->rrset->ttl, v);
			free(v);
		}
		free(v0);
		free(name);
	}
	for (size_t i = 0; i < z->nservers; i++) {
		if (missed[i] > 0)
			findings_add(f, SEV_WARNING, F_NS_UNREACHABLE,
			    z->servers[i].name, "%s (%s) gave no answer to %zu "
			    "question%s (%s): propagation is not verified "
			    "there for %s", z->servers[i].name,
			    z->servers[i].addr, missed[i], missed[i] == 1 ?
			    "" : "s", first_miss[i], missed[i] == 1 ? "it" :
			    "them");
		free(first_miss[i]);
	}
	strlist_free(&questions);
	free(first_miss);
	free(missed);
}

/* Where the validating resolver answers other records than the zone's
 * servers serve, its answer came from a cache: say so, and until when a
 * cache may hold it. (Where one server serves what it answers, the
 * servers disagree: that is ns-inconsistent, not a cache.) */
static void
stale_cache(const struct answers *m, const struct zone *z, int survey,
    struct findings *f)
{
	const struct server *ref = NULL;

	for (size_t i = 0; ref == NULL && i < z->nservers; i++)
		if (!z->servers[i].dead)
			ref = &z->servers[i];
	for (size_t i = 0; ref != NULL && i < ref->a.n; i++) {
		const struct dns_answer *auth = ref->a.v[i], *c;
		char *va, *vc, when[32];
		time_t until;
		struct tm tm;

		/* an alias: the resolver followed it, the server did not */
		if (auth->type == RR_SOA || auth->status != DNS_OK ||
		    (c = found(m, auth->name, auth->type)) == NULL ||
		    c->status != DNS_OK || c->canonname != NULL ||
		    (c->rrset == NULL && auth->rrset == NULL))
			continue;
		va = answer_values(auth);
		vc = answer_values(c);
		if (strcmp(va, vc) != 0 && serving(z, auth->name,
		    auth->type, vc, NULL, NULL) > 0)
			;	/* fresh, from another server */
		else if (strcmp(va, vc) != 0 && c->rrset == NULL) {
			/* a negative answer: cached for the zone's negative
			 * TTL (RFC 2308), which the resolver does not say */
			findings_add(f, survey ? SEV_ERROR : SEV_INFO,
			    F_CACHE_STALE, auth->name, "the resolver still "
			    "answers %s for the %s records (from its cache) "
			    "where the zone's servers serve %s: caches that "
			    "hold the negative answer keep it for the zone's "
			    "negative TTL (its SOA minimum)%s", vc,
			    rrtype_name(auth->type), va, survey ? "; init "
			    "writes no plan from what the servers no longer "
			    "say: run it again then, or ask the servers "
			    "themselves (--stub ZONE=ADDR)" : "");
		} else if (strcmp(va, vc) != 0) {
			until = time(NULL) + (time_t)c->rrset->ttl;
			gmtime_r(&until, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC",
			    &tm);
			findings_add(f, survey ? SEV_ERROR : SEV_INFO,
			    F_CACHE_STALE, auth->name, "the resolver still "
			    "answers %s for the %s records (from its cache, "
			    "%lu s left) where the zone's servers serve %s: "
			    "caches that hold the old answer keep it until "
			    "%s%s", vc, rrtype_name(auth->type),
			    (unsigned long)c->rrset->ttl, va, when, survey ?
			    "; init writes no plan from records the servers "
			    "no longer serve: run it again then, or ask the "
			    "servers themselves (--stub ZONE=ADDR)" : "");
		}
		free(va);
		free(vc);
	}
}

/* A failed or bogus answer as a finding; 1 when it was one. */
static int
answer_problem(const struct dns_answer *a, struct findings *f)
{
	if (a == NULL || (a->status == DNS_OK && a->dnssec != DNSSEC_BOGUS))
		return 0;
	if (a->status != DNS_OK)
		findings_add(f, SEV_ERROR, F_DNS_FAILURE, a->name, "no %s "
		    "answer: %s; partners cannot resolve it either",
		    rrtype_name(a->type), a->error);
	else
		findings_add(f, SEV_ERROR, F_DNSSEC_BOGUS, a->name, "the %s "
		    "answer fails DNSSEC validation (%s): validating "
		    "resolvers answer SERVFAIL", rrtype_name(a->type),
		    a->why_bogus ? a->why_bogus : "no reason given");
	return 1;
}

static void
problem_once(const struct answers *m, const char *name, enum rrtype type,
    char ***seen, size_t *nseen, struct findings *f)
{
	char *key = xasprintf("%s/%s", name, rrtype_name(type));

	for (size_t i = 0; i < *nseen; i++) {
		if (strcmp((*seen)[i], key) == 0) {
			free(key);
			return;
		}
	}
	*seen = xreallocarray(*seen, *nseen + 1, sizeof **seen);
	(*seen)[(*nseen)++] = key;
	answer_problem(found(m, name, type), f);
}

/* DNSSEC and failures of the records that matter, once each. A domain
 * whose SRV answer failed says so once: what hangs below it would only
 * repeat the cause. The zone walk's own lookups are not findings. */
static void
answer_findings(const struct answers *m, const struct dnslive_opts *o,
    struct findings *f)
{
	const struct plan *p = o->plan;
	char **seen = NULL, **t;
	size_t nseen = 0, n;
	int anybad = 0;

	for (size_t d = 0; d < p->ndomains; d++) {
		int bad = 0;

		for (int svc = 0; svc < 2; svc++) {
			char *owner = xasprintf("%s._tcp.%s", svc ?
			    "_xmpps-server" : "_xmpp-server", p->domains[d]);
			struct dns_answer *a = found(m, owner, RR_SRV);

			bad |= answer_problem(a, f);
			if (svc == 0 && a != NULL && a->status == DNS_OK &&
			    a->dnssec == DNSSEC_INSECURE)
				findings_add(f, SEV_INFO, F_DNSSEC_INSECURE,
				    p->domains[d], "the SRV answer is not "
				    "signed: DANE cannot apply and a forged "
				    "answer cannot be told from a real one");
			for (size_t i = 0; !bad && a != NULL && a->rrset &&
			    i < a->rrset->n; i++) {
				char *tl = xasprintf("_%u._tcp.%s",
				    a->rrset->srv[i].port,
				    a->rrset->srv[i].target);

				problem_once(m, tl, RR_TLSA, &seen, &nseen, f);
				free(tl);
			}
			free(owner);
		}
		anybad |= bad;
		if (bad)
			continue;
		n = targets(m, p->domains[d], &t);
		for (size_t i = 0; i < n; i++) {
			problem_once(m, t[i], RR_A, &seen, &nseen, f);
			problem_once(m, t[i], RR_AAAA, &seen, &nseen, f);
		}
		free(t);
	}
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *g = &p->gateways[i];

		if (anybad || g->role != stage_role(o->stage))
			continue;
		problem_once(m, g->host, RR_A, &seen, &nseen, f);
		problem_once(m, g->host, RR_AAAA, &seen, &nseen, f);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

/* The first name (domain, or in survey mode host) whose zone is that
 * of name d. */
static size_t
first_of_zone(const struct zone *z, size_t d)
{
	for (size_t e = 0; e < d && z[d].apex != NULL; e++)
		if (z[e].apex != NULL && strcmp(z[e].apex, z[d].apex) == 0)
			return e;
	return d;
}

/* (survey) The TTLs of a's records as the zone's servers give them: of
 * the servers that serve the same values, the longest (servers that
 * disagree on a TTL: caches may hold the records that long). Unchanged
 * when no server serves those values (cache-stale says so). */
static void
servers_ttl(const struct live *lv, struct dns_answer *a)
{
	char *va = answer_values(a);
	int seen = 0;

	for (size_t i = 0; i < lv->nz; i++) {
		const struct zone *z = &lv->z[i];

		if (z->apex == NULL || first_of_zone(lv->z, i) != i ||
		    !dname_is_under(a->name, z->apex))
			continue;
		for (size_t k = 0; k < z->nservers; k++) {
			const struct dns_answer *au;
			char *vs;

			if (z->servers[k].dead || (au = found(&z->servers[k].a,
			    a->name, a->type)) == NULL || au->status != DNS_OK ||
			    au->rrset == NULL)
				continue;
			vs = answer_values(au);
			if (strcmp(va, vs) == 0 && (!seen ||
			    au->rrset->ttl_max > a->rrset->ttl_max)) {
				a->rrset->ttl = au->rrset->ttl;
				a->rrset->ttl_mixed = au->rrset->ttl_mixed;
				a->rrset->ttl_max = au->rrset->ttl_max;
				seen = 1;
			}
			free(vs);
		}
	}
	free(va);
}

/* The answer at name/type, as the resolver gave it; with auth (survey),
 * with the TTLs the zone's servers give when they serve the same values
 * (a resolver's cached TTL counts down). */
static void
push_answer(struct dnslive_domain *d, const struct answers *m,
    const struct live *auth, const char *name, enum rrtype type)
{
	struct dns_answer *a = found(m, name, type), *copy;

	if (a == NULL)
		return;
	copy = dns_answer_dup(a);
	if (auth != NULL && copy->rrset != NULL && copy->canonname == NULL)
		servers_ttl(auth, copy);
	d->records = xreallocarray(d->records, d->nrecords + 1,
	    sizeof *d->records);
	d->records[d->nrecords++] = copy;
}

static void
domain_facts(struct dnslive_domain *d, const struct answers *m,
    const struct live *auth, const char *domain, const struct zone *z)
{
	struct dns_answer *srv;
	char **t;
	size_t n;

	d->domain = xstrdup(domain);
	d->zone = z->apex ? xstrdup(z->apex) : NULL;
	for (int svc = 0; svc < 2; svc++) {
		char *owner = xasprintf("%s._tcp.%s", svc ? "_xmpps-server" :
		    "_xmpp-server", domain);
		struct dns_answer *a = found(m, owner, RR_SRV);

		push_answer(d, m, auth, owner, RR_SRV);
		for (size_t i = 0; a != NULL && a->rrset != NULL &&
		    i < a->rrset->n; i++) {
			char *tl = xasprintf("_%u._tcp.%s",
			    a->rrset->srv[i].port, a->rrset->srv[i].target);

			push_answer(d, m, auth, tl, RR_TLSA);
			free(tl);
		}
		free(owner);
	}
	n = targets(m, domain, &t);
	for (size_t i = 0; i < n; i++) {
		push_answer(d, m, auth, t[i], RR_A);
		push_answer(d, m, auth, t[i], RR_AAAA);
	}
	free(t);
	d->servers = xcalloc(z->nservers, sizeof *d->servers);
	for (size_t i = 0; i < z->nservers; i++) {
		struct dns_answer *soa = found(&z->servers[i].a, z->apex,
		    RR_SOA);
		struct dnslive_server *s = &d->servers[d->nservers++];

		s->name = xstrdup(z->servers[i].name);
		s->addr = xstrdup(z->servers[i].addr);
		s->answered = soa != NULL && soa->rrset != NULL;
		s->serial = s->answered ? soa->rrset->serial : 0;
	}
	{
		char *owner = xasprintf("_xmpp-server._tcp.%s", domain);

		srv = found(m, owner, RR_SRV);
		free(owner);
	}
	d->srv_usable = srv != NULL && srv->status == DNS_OK &&
	    srv->dnssec != DNSSEC_BOGUS;
}

void
dnslive_result_free(struct dnslive_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct dnslive_domain *d = &r->v[i];

		for (size_t k = 0; k < d->nrecords; k++)
			dns_answer_free(d->records[k]);
		for (size_t k = 0; k < d->nservers; k++) {
			free(d->servers[k].name);
			free(d->servers[k].addr);
		}
		free(d->records);
		free(d->servers);
		free(d->domain);
		free(d->zone);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
	zonemap_free(&r->zones);
}

/* The names whose zones are walked and whose servers are asked: the plan
 * domains, and in survey mode (init) also the hosts their SRV records
 * name, so that a host in another zone has its TTLs from that zone's
 * servers too (their SOA is asked here: the walk starts there). */
static struct zone *
zones_to_walk(struct answers *m, const struct dnslive_opts *o, size_t *nz)
{
	const struct plan *p = o->plan;
	struct zone *z = xcalloc(p->ndomains ? p->ndomains : 1, sizeof *z);
	char **t;
	size_t n, k;

	*nz = p->ndomains;
	for (size_t d = 0; d < p->ndomains; d++)
		z[d].cur = xstrdup(p->domains[d]);
	for (size_t d = 0; o->survey && d < p->ndomains; d++) {
		n = targets(m, p->domains[d], &t);
		for (size_t i = 0; i < n; i++) {
			for (k = 0; k < *nz; k++)
				if (strcmp(z[k].cur, t[i]) == 0)
					break;
			if (k < *nz)
				continue;
			z = xreallocarray(z, *nz + 1, sizeof *z);
			memset(&z[*nz], 0, sizeof *z);
			z[(*nz)++].cur = xstrdup(t[i]);
			ask(m, t[i], RR_SOA);	/* where the walk starts */
		}
		free(t);
	}
	return z;
}

int
dnslive_check(const struct dnslive_opts *o, struct findings *f,
    struct dnslive_result *out, char **cause)
{
	const struct plan *p = o->plan;
	struct loop *l;
	struct answers m;
	struct zone *z;
	struct live lv = { 0 };
	struct rrsource src = { live_get, live_in_scope, live_failed, &lv,
	    live_insecure, NULL };
	size_t nz;
	struct dnscheck dc;
	char *err = NULL;

	memset(out, 0, sizeof *out);
	memset(&m, 0, sizeof m);
	if ((l = loop_new(cause)) == NULL)
		return -1;
	if ((m.res = resolver_new(l, o->ro, cause)) == NULL) {
		loop_free(l);
		return -1;
	}
	/* --timeout bounds the lookups as a whole, level after level; the
	 * servers of each zone get a --timeout of their own afterwards */
	resolver_set_deadline(m.res, now_ms() + o->ro->timeout_ms);
	/* Level 1: the SRV records, and the SOA of each domain. */
	for (size_t d = 0; d < p->ndomains; d++) {
		for (int svc = 0; svc < 2; svc++) {
			char *owner = xasprintf("%s._tcp.%s", svc ?
			    "_xmpps-server" : "_xmpp-server", p->domains[d]);

			ask(&m, owner, RR_SRV);
			free(owner);
		}
		ask(&m, p->domains[d], RR_SOA);
	}
	loop_run(l);
	if (resolver_is_dead(m.res)) {
		*cause = xstrdup("nothing answered any question within "
		    "--timeout, not even the resolver's own zone: the "
		    "resolver (--resolver, --stub, or resolv.conf's) is dead "
		    "or unreachable, and no verdict can be given");
		answers_free(&m);
		loop_free(l);
		return -1;
	}
	ask_targets(&m, o);
	loop_run(l);

	z = zones_to_walk(&m, o, &nz);
	out->zones.n = nz;
	out->zones.names = xcalloc(nz, sizeof *out->zones.names);
	out->zones.apexes = xcalloc(nz, sizeof *out->zones.apexes);
	out->zones.why = xcalloc(nz, sizeof *out->zones.why);
	for (size_t d = 0; d < nz; d++)
		out->zones.names[d] = xstrdup(z[d].cur);
	loop_run(l);
	find_apexes(l, &m, z, nz);
	for (size_t d = 0; d < nz; d++) {
		if (z[d].apex != NULL)
			out->zones.apexes[d] = xstrdup(z[d].apex);
		else
			out->zones.why[d] = xstrdup("the resolver answers no "
			    "SOA for it or a name above it");
	}
	for (size_t d = 0; d < nz; d++)
		if (z[d].apex != NULL)
			ask(&m, z[d].apex, RR_NS);
	loop_run(l);
	for (size_t d = 0; d < nz; d++) {
		struct dns_answer *ns = z[d].apex ? found(&m, z[d].apex,
		    RR_NS) : NULL;

		for (size_t i = 0; ns != NULL && ns->rrset != NULL &&
		    i < ns->rrset->n; i++) {
			char *name = xstrndup(ns->rrset->rdata[i],
			    strlen(ns->rrset->rdata[i]) - 1);

			ask(&m, name, RR_A);
			ask(&m, name, RR_AAAA);
			free(name);
		}
	}
	loop_run(l);

	/* One zone's servers are asked once, for its first domain; then the
	 * records are judged, with the TTLs the servers give. */
	for (size_t d = 0; d < nz; d++) {
		if (z[d].apex != NULL && first_of_zone(z, d) == d) {
			ask_servers(l, &m, &z[d], z, nz, o, f);
			compare_servers(&m, &z[d], f);
			stale_cache(&m, &z[d], o->survey, f);
		}
	}
	lv.m = &m;
	lv.z = z;
	lv.nz = nz;
	memset(&dc, 0, sizeof dc);
	dc.src = &src;
	dc.plan = p;
	dc.have_stage = !o->survey;
	dc.stage = o->stage;
	dc.ttl_limit = o->ttl_limit;
	dc.live = 1;
	dc.survey = o->survey;
	dc.f = f;
	answer_findings(&m, o, f);
	for (size_t d = 0; d < p->ndomains; d++) {
		char *owner = xasprintf("_xmpp-server._tcp.%s", p->domains[d]);
		struct dns_answer *a = found(&m, owner, RR_SRV);

		/* a failed or bogus SRV answer is its own finding */
		if (a != NULL && a->status == DNS_OK &&
		    a->dnssec != DNSSEC_BOGUS)
			dnscheck_domain(&dc, p->domains[d]);
		free(owner);
	}
	if (dnscheck_gateways(&dc, &err) == -1) {
		findings_add(f, SEV_ERROR, F_FILE_UNREADABLE, NULL, "%s", err);
		free(err);
	}

	out->v = xcalloc(p->ndomains, sizeof *out->v);
	out->n = p->ndomains;
	for (size_t d = 0; d < p->ndomains; d++)
		domain_facts(&out->v[d], &m, o->survey ? &lv : NULL,
		    p->domains[d], &z[first_of_zone(z, d)]);

	for (size_t d = 0; d < nz; d++) {
		for (size_t i = 0; i < z[d].nservers; i++) {
			answers_free(&z[d].servers[i].a);
			free(z[d].servers[i].name);
			free(z[d].servers[i].addr);
		}
		free(z[d].servers);
		free(z[d].apex);
		free(z[d].cur);
	}
	free(z);
	answers_free(&m);
	loop_free(l);
	return 0;
}
