/* dnscheck.c — the XMPP records of a domain checked against the RFCs and
 * against the plan's stage. */
#include "dnscheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "util.h"

#define PORT_XMPP_SERVER 5269
#define PORT_XMPPS_SERVER 5270

static struct rrset *
get(const struct dnscheck *c, const char *owner, enum rrtype type)
{
	return c->src->get(c->src->ctx, owner, type);
}

/* 1 when domain's _xmpp-server SRV records are in the source but not
 * served (below a delegation or a DNAME). */
static int
hidden(const struct dnscheck *c, const char *domain)
{
	char *owner;
	int h;

	if (c->src->hidden == NULL)
		return 0;
	owner = xasprintf("_xmpp-server._tcp.%s", domain);
	h = c->src->hidden(c->src->ctx, owner, RR_SRV);
	free(owner);
	return h;
}

static int
insecure(const struct dnscheck *c, const char *owner, enum rrtype type)
{
	return c->src->insecure != NULL && c->src->insecure(c->src->ctx,
	    owner, type);
}

static int
in_scope(const struct dnscheck *c, const char *name)
{
	return c->src->in_scope(c->src->ctx, name);
}

static int
failed(const struct dnscheck *c, const char *owner, enum rrtype type)
{
	return c->src->failed != NULL && c->src->failed(c->src->ctx, owner,
	    type);
}

/* A finding about a record set: at its file and line when it has them. */
#define SET_FINDING(c, s, sev, id, subject, ...) \
	findings_add_at((c)->f, sev, id, (s) ? (s)->file : NULL, \
	    (s) ? (s)->line : 0, subject, __VA_ARGS__)

/* The plan's gateway at host, of role r when there is one (a host name
 * may be both an old and a new gateway: a name moving to a new
 * address), else of any role; NULL when none. */
static const struct gateway *
plan_gateway_role(const struct plan *p, const char *host, int r)
{
	const struct gateway *any = NULL;

	for (size_t i = 0; p != NULL && i < p->ngateways; i++) {
		if (strcmp(p->gateways[i].host, host) != 0)
			continue;
		if ((int)p->gateways[i].role == r)
			return &p->gateways[i];
		if (any == NULL)
			any = &p->gateways[i];
	}
	return any;
}

static int
plan_has_domain(const struct plan *p, const char *domain)
{
	for (size_t i = 0; p != NULL && i < p->ndomains; i++)
		if (strcmp(p->domains[i], domain) == 0)
			return 1;
	return 0;
}

static void
check_ttl_mixed(const struct dnscheck *c, const struct rrset *s)
{
	if (s != NULL && s->ttl_mixed)
		SET_FINDING(c, s, SEV_WARNING, F_TTL_INCONSISTENT, s->owner,
		    "the %s RRset has records with different TTLs (RFC 2181 "
		    "§5.2); give them one TTL", rrtype_name(s->type));
}

static void
check_ttl_limit(const struct dnscheck *c, const struct rrset *s)
{
	if (s != NULL && c->ttl_limit && c->plan != NULL &&
	    s->ttl > c->plan->cutover_ttl)
		SET_FINDING(c, s, SEV_WARNING, F_TTL_ABOVE_CUTOVER, s->owner,
		    "the %s TTL is %u, above cutover-ttl %u: resolvers may "
		    "keep the old answer that long after the change",
		    rrtype_name(s->type), s->ttl, c->plan->cutover_ttl);
}

/* One target of an SRV RRset: port, then whether it resolves. */
static void
check_target(const struct dnscheck *c, const struct rrset *srv,
    const struct srv_rdata *r, int xmpps)
{
	const struct gateway *g = plan_gateway_role(c->plan, r->target,
	    c->have_stage ? (int)stage_role(c->stage) : -1);
	unsigned want = xmpps ? PORT_XMPPS_SERVER : PORT_XMPP_SERVER;
	struct rrset *cname, *a, *aaaa;

	if (g != NULL)
		want = xmpps ? g->direct_tls_port : g->port;
	if (r->port != want && !c->survey) {
		if (g != NULL && want == 0)
			SET_FINDING(c, srv, SEV_WARNING, F_SRV_PORT_UNEXPECTED,
			    srv->owner, "port %u on %s, but the plan gives "
			    "that gateway no direct-tls-port", r->port,
			    r->target);
		else
			SET_FINDING(c, srv, SEV_WARNING, F_SRV_PORT_UNEXPECTED,
			    srv->owner, "port %u on %s, expected %u%s",
			    r->port, r->target, want, g ? " (the plan's)" :
			    "");
	}
	if (!in_scope(c, r->target)) {
		SET_FINDING(c, srv, SEV_INFO, F_SRV_TARGET_OUT_OF_ZONE,
		    srv->owner, "target %s is outside the zones given: its "
		    "addresses cannot be checked offline", r->target);
		return;
	}
	if (failed(c, r->target, RR_A) || failed(c, r->target, RR_AAAA))
		return;		/* the failed lookup is its own finding */
	a = get(c, r->target, RR_A);
	aaaa = get(c, r->target, RR_AAAA);
	/* An alias has no address of its own (RFC 1034 §3.6.2): ask for the
	 * CNAME only when there is none. */
	if (a == NULL && aaaa == NULL &&
	    (cname = get(c, r->target, RR_CNAME)) != NULL) {
		SET_FINDING(c, srv, SEV_ERROR, F_SRV_TARGET_CNAME, srv->owner,
		    "target %s is an alias (CNAME%s%s); RFC 2782 requires the "
		    "canonical name: point the SRV at the host itself",
		    r->target, cname->target ? " to " : "",
		    cname->target ? cname->target : "");
		rrset_free(cname);
		return;
	}
	if (a == NULL && aaaa == NULL)
		SET_FINDING(c, srv, SEV_ERROR, F_SRV_TARGET_NO_ADDRESS,
		    srv->owner, "target %s has no A or AAAA record: partners "
		    "cannot connect; add its addresses", r->target);
	check_ttl_mixed(c, a);
	check_ttl_mixed(c, aaaa);
	rrset_free(a);
	rrset_free(aaaa);
}

static void
check_srvset(const struct dnscheck *c, const struct rrset *s, int xmpps)
{
	int dot = 0;

	check_ttl_mixed(c, s);
	for (size_t i = 0; i < s->n; i++)
		if (s->srv[i].target[0] == '\0')
			dot = 1;
	if (dot) {
		SET_FINDING(c, s, SEV_WARNING, F_SRV_TARGET_DOT, s->owner,
		    s->n == 1 ? "the SRV target is \".\": the service is "
		    "decidedly not available (RFC 2782); partners will not "
		    "federate with this domain" : "a \".\" target stands "
		    "among other targets; \".\" must be the only record "
		    "(RFC 2782)");
		if (s->n == 1)
			return;
	}
	for (size_t i = 0; i < s->n; i++) {
		int seen = 0;

		if (s->srv[i].target[0] == '\0')
			continue;
		for (size_t k = 0; k < i; k++)
			if (strcmp(s->srv[k].target, s->srv[i].target) == 0)
				seen = 1;
		if (!seen)
			check_target(c, s, &s->srv[i], xmpps);
	}
}

/* Sorted ", "-joined values, for messages; newly allocated. */
static char *
joined(char **v, size_t n)
{
	struct buf b = { 0 };
	char **copy;

	if (n == 0)
		return xstrdup("none");
	copy = xreallocarray(NULL, n, sizeof *copy);
	memcpy(copy, v, n * sizeof *copy);
	sort_strings(copy, n);
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", copy[i]);
	free(copy);
	return buf_take(&b);
}

static int
contains(char **v, size_t n, const char *x)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], x) == 0)
			return 1;
	return 0;
}

/* 1 when the two lists hold the same values, as sets. */
static int
same_set(char **a, size_t na, char **b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (!contains(b, nb, a[i]))
			return 0;
	for (size_t i = 0; i < nb; i++)
		if (!contains(a, na, b[i]))
			return 0;
	return 1;
}

/* The values the stage expects at owner/type, pointers into l. */
static size_t
expected(const struct rrlist *l, const char *owner, enum rrtype type,
    char ***out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].type == type && strcmp(l->v[i].owner, owner) == 0) {
			*out = xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = l->v[i].rdata;
		}
	}
	return n;
}

/* 1 when an SRV set names a gateway of the other role than expected. */
static int
names_other_role(const struct dnscheck *c, const struct rrset *s)
{
	enum role want = stage_role(c->stage);

	for (size_t i = 0; i < s->n; i++) {
		const struct gateway *g = plan_gateway_role(c->plan,
		    s->srv[i].target, (int)want);

		if (g != NULL && g->role != want)
			return 1;
	}
	return 0;
}

/* "stage cutover of the plan expects", or for the live DNS checked
 * against a role, "the plan's new gateways give". Newly allocated. */
static char *
expectation(const struct dnscheck *c)
{
	if (c->live && !c->ttl_limit && (c->stage == STAGE_FINAL ||
	    c->stage == STAGE_CURRENT))
		return xasprintf("the plan's %s gateways give",
		    role_name(stage_role(c->stage)));
	return xasprintf("stage %s of the plan expects",
	    stage_name(c->stage));
}

static void
compare_srv(const struct dnscheck *c, const struct rrlist *want,
    const char *domain, const char *service, const struct rrset *s)
{
	char *owner = xasprintf("%s._tcp.%s", service, domain);
	char **exp, *e, *h, *w;
	size_t nexp = expected(want, owner, RR_SRV, &exp);

	if (s == NULL && nexp == 0)
		goto out;
	if (s != NULL && same_set(s->rdata, s->n, exp, nexp)) {
		check_ttl_limit(c, s);
		goto out;
	}
	e = joined(exp, nexp);
	h = s ? joined(s->rdata, s->n) : xstrdup("none");
	w = expectation(c);
	if (c->live && s != NULL && names_other_role(c, s))
		SET_FINDING(c, s, SEV_ERROR, F_SRV_POINTS_OLD, owner,
		    "the SRV still names the %s gateway (%s); %s %s",
		    role_name(stage_role(c->stage) == ROLE_NEW ? ROLE_OLD :
		    ROLE_NEW), h, w, e);
	else
		SET_FINDING(c, s, SEV_ERROR, F_SRV_PLAN_MISMATCH, owner,
		    "the SRV holds %s; %s %s", h, w, e);
	free(w);
	free(e);
	free(h);
out:
	free(exp);
	free(owner);
}

void
dnscheck_domain(const struct dnscheck *c, const char *domain)
{
	char *o1 = xasprintf("_xmpp-server._tcp.%s", domain);
	char *o2 = xasprintf("_xmpps-server._tcp.%s", domain);
	struct rrset *s1 = get(c, o1, RR_SRV), *s2 = get(c, o2, RR_SRV);
	struct rrset *alias = NULL;
	struct rrlist want = { 0 };
	char *cause = NULL;

	if (s1 == NULL && plan_has_domain(c->plan, domain) &&
	    hidden(c, domain))
		findings_add(c->f, SEV_ERROR, F_SRV_MISSING, domain,
		    "the _xmpp-server._tcp SRV records lie below a delegation "
		    "or a DNAME: servers never answer with them (the child "
		    "zone or the DNAME's target does), partners never see "
		    "them; publish them there");
	else if (s1 == NULL && plan_has_domain(c->plan, domain) &&
	    (alias = get(c, o1, RR_CNAME)) != NULL)
		findings_add(c->f, SEV_ERROR, F_SRV_MISSING, domain,
		    "_xmpp-server._tcp.%s is an alias (CNAME%s%s): partners "
		    "follow it and get whatever SRV records are there, which "
		    "are not the plan's and cannot be updated here; publish "
		    "the SRV records at the name itself", domain,
		    alias->target ? " to " : "", alias->target ?
		    alias->target : "");
	else if (s1 == NULL && plan_has_domain(c->plan, domain))
		findings_add(c->f, SEV_ERROR, F_SRV_MISSING, domain,
		    "no _xmpp-server._tcp SRV record: partners fall back to "
		    "the domain's own A/AAAA on port 5269; publish the SRV");
	rrset_free(alias);
	if (s1 != NULL)
		check_srvset(c, s1, 0);
	if (s2 != NULL) {
		check_srvset(c, s2, 1);
		if (s1 == NULL)
			SET_FINDING(c, s2, SEV_WARNING, F_XMPPS_INCONSISTENT,
			    o2, "_xmpps-server exists without _xmpp-server: "
			    "partners without XEP-0368 cannot reach %s",
			    domain);
	}
	/* Different targets in the two RRsets are fine: XEP-0368 (3, rule
	 * 1) mixes them into one list by priority and weight, so a gateway
	 * may offer STARTTLS, direct TLS or both -- as generate writes when
	 * only some gateways have a direct-tls-port. */
	if (c->have_stage && plan_has_domain(c->plan, domain) &&
	    stage_records(c->plan, c->stage, NULL, &want, &cause) == 0) {
		if (s1 != NULL)
			compare_srv(c, &want, domain, "_xmpp-server", s1);
		compare_srv(c, &want, domain, "_xmpps-server", s2);
	}
	free(cause);
	rrlist_free(&want);
	rrset_free(s1);
	rrset_free(s2);
	free(o1);
	free(o2);
}

/* 1 when one record of the TLSA set matches the certificate. */
static int
tlsa_matches(const struct rrset *s, const struct cert *crt)
{
	for (size_t i = 0; s->rdata != NULL && i < s->n; i++) {
		unsigned char data[1024];
		unsigned u, sel, m;
		long len = tlsa_parse(s->rdata[i], &u, &sel, &m, data,
		    sizeof data);

		if (len >= 0 && cert_tlsa_match(crt, u, sel, m, data,
		    (size_t)len))
			return 1;
	}
	return 0;
}

static void
check_gateway_tlsa(const struct dnscheck *c, const struct gateway *g,
    const struct cert *crt)
{
	for (int k = 0; k < 2; k++) {
		unsigned port = k == 0 ? g->port : g->direct_tls_port;
		char *owner;
		struct rrset *s;

		if (port == 0)
			continue;
		owner = xasprintf("_%u._tcp.%s", port, g->host);
		if (failed(c, owner, RR_TLSA))
			s = NULL;
		else if ((s = get(c, owner, RR_TLSA)) == NULL)
			findings_add(c->f, SEV_WARNING, F_TLSA_MISSING, owner,
			    "no TLSA record for the plan's certificate: DANE "
			    "partners cannot authenticate %s; publish "
			    "the stage's TLSA 3 1 1", g->host);
		else if (!tlsa_matches(s, crt))
			SET_FINDING(c, s, SEV_ERROR, F_TLSA_MISMATCH, owner,
			    "no TLSA record matches the plan's certificate %s: "
			    "DANE partners %s; publish the stage's TLSA 3 1 1",
			    g->cert, insecure(c, owner, RR_TLSA) ? "ignore the "
			    "record today, its zone not being DNSSEC-signed "
			    "(RFC 7673), but will refuse the gateway once it "
			    "is" : "will refuse the gateway");
		check_ttl_mixed(c, s);
		check_ttl_limit(c, s);
		rrset_free(s);
		free(owner);
	}
}

int
dnscheck_gateways(const struct dnscheck *c, char **cause)
{
	enum role role;

	if (c->plan == NULL || !c->have_stage)
		return 0;
	role = stage_role(c->stage);
	for (size_t i = 0; i < c->plan->ngateways; i++) {
		const struct gateway *g = &c->plan->gateways[i];
		struct rrset *a, *aaaa;
		char **exp = NULL, **have = NULL, *e, *h;
		size_t nexp = 0, nhave = 0;
		struct cert *crt;

		if (g->role != role || !in_scope(c, g->host) ||
		    failed(c, g->host, RR_A) || failed(c, g->host, RR_AAAA))
			continue;
		a = get(c, g->host, RR_A);
		aaaa = get(c, g->host, RR_AAAA);
		for (int t = 0; t < 2; t++) {
			struct rrset *s = t == 0 ? a : aaaa;

			for (size_t k = 0; s != NULL && s->rdata != NULL &&
			    k < s->n; k++) {
				have = xreallocarray(have, nhave + 1,
				    sizeof *have);
				have[nhave++] = s->rdata[k];
			}
		}
		for (size_t k = 0; k < g->naddrs; k++) {
			exp = xreallocarray(exp, nexp + 1, sizeof *exp);
			exp[nexp++] = (char *)g->addrs[k].text;
		}
		/* addresses kept outside the plan are not compared */
		if (!g->external && !same_set(have, nhave, exp, nexp)) {
			e = joined(exp, nexp);
			h = joined(have, nhave);
			SET_FINDING(c, a ? a : aaaa, SEV_ERROR,
			    F_ADDRESS_PLAN_MISMATCH, g->host, "the addresses "
			    "are %s; the plan says %s", h, e);
			free(e);
			free(h);
		}
		check_ttl_limit(c, a);
		check_ttl_limit(c, aaaa);
		free(exp);
		free(have);
		rrset_free(a);
		rrset_free(aaaa);
		if (g->cert != NULL) {
			if ((crt = cert_load_file(g->cert, cause)) == NULL)
				return -1;
			check_gateway_tlsa(c, g, crt);
			cert_free(crt);
		}
	}
	return 0;
}
