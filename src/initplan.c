/* initplan.c — the plan of today's records (initplan.h). */
#include "initplan.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SVC(i) ((i) ? "_xmpps-server" : "_xmpp-server")

/* The longest name the plan reader takes in a section header (plan.c
 * hands inih a marker line "\001section = gateway NAME" of at most
 * INITPLAN_LINE_MAX characters); domain and key lines hold more. */
#define NAME_MAX_IN_PLAN 180

/* A gateway as one domain's SRV records name it. */
struct gw {
	const char *host;
	unsigned port, priority, weight, dtls;
};

struct gwlist {
	struct gw *v;
	size_t n;
};

static struct gw *
gw_find(const struct gwlist *l, const char *host)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].host, host) == 0)
			return &l->v[i];
	return NULL;
}

static int
gw_cmp(const void *a, const void *b)
{
	const struct gw *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* "host port P, priority Q, weight W[, direct TLS N]; ..." */
static char *
gw_describe(const struct gwlist *l)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < l->n; i++) {
		const struct gw *g = &l->v[i];

		buf_addf(&b, "%s%s port %u priority %u weight %u", i ? "; " :
		    "", g->host, g->port, g->priority, g->weight);
		if (g->dtls)
			buf_addf(&b, " direct-tls-port %u", g->dtls);
	}
	if (l->n == 0)
		buf_add(&b, "none");
	return buf_take(&b);
}

static int
gw_equal(const struct gwlist *a, const struct gwlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct gw *x = &a->v[i], *y = gw_find(b, x->host);

		if (y == NULL || x->port != y->port ||
		    x->priority != y->priority || x->weight != y->weight ||
		    x->dtls != y->dtls)
			return 0;
	}
	return 1;
}

static void inexpressible(struct findings *, const char *, const char *, ...)
    PRINTFLIKE(3, 4);

static void
inexpressible(struct findings *f, const char *subject, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	findings_add(f, SEV_ERROR, F_PLAN_INEXPRESSIBLE, subject, "%s", msg);
	free(msg);
}

/* One record of _xmpp-server: a gateway of its own. */
static int
add_starttls(const char *owner, const struct srv_rdata *r, struct gwlist *l,
    struct findings *f)
{
	const struct gw *g = gw_find(l, r->target);

	if (g != NULL) {
		inexpressible(f, owner, "%s names %s twice (port %u priority "
		    "%u weight %u, and port %u priority %u weight %u): a "
		    "gateway of the plan has one port, priority and weight; "
		    "write this plan by hand", owner, r->target, g->port,
		    g->priority, g->weight, r->port, r->priority, r->weight);
		return -1;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n].host = r->target;
	l->v[l->n].port = r->port;
	l->v[l->n].priority = r->priority;
	l->v[l->n].weight = r->weight;
	l->v[l->n++].dtls = 0;
	return 0;
}

/* One record of _xmpps-server: the direct TLS port of a gateway that
 * _xmpp-server names with the same priority and weight (the stages
 * publish both records from one gateway section). */
static int
add_direct(const char *owner, const char *domain, const struct srv_rdata *r,
    struct gwlist *l, struct findings *f)
{
	struct gw *g = gw_find(l, r->target);

	if (g == NULL)
		inexpressible(f, owner, "%s names %s, which "
		    "_xmpp-server._tcp.%s does not: a gateway of the plan "
		    "offers direct TLS (direct-tls-port) beside STARTTLS, "
		    "never alone", owner, r->target, domain);
	else if (g->dtls != 0)
		inexpressible(f, owner, "%s names %s twice (ports %u and "
		    "%u): a gateway of the plan has one direct-tls-port",
		    owner, r->target, g->dtls, r->port);
	else if (g->priority != r->priority || g->weight != r->weight)
		inexpressible(f, owner, "%s names %s with priority %u weight "
		    "%u, _xmpp-server._tcp.%s with priority %u weight %u: the "
		    "plan publishes both records of a gateway with its one "
		    "priority and weight", owner, r->target, r->priority,
		    r->weight, domain, g->priority, g->weight);
	else if (r->port == g->port)
		inexpressible(f, owner, "%s names %s on port %u, the port "
		    "_xmpp-server._tcp.%s gives it for STARTTLS: the plan's "
		    "direct-tls-port is another port", owner, r->target,
		    r->port, domain);
	else {
		g->dtls = r->port;
		return 0;
	}
	return -1;
}

/* The gateways one domain's SRV records name; -1 with findings when
 * they cannot be one plan's. */
static int
domain_gateways(const struct initplan_domain *d, struct gwlist *l,
    struct findings *f)
{
	int bad = 0;

	/* _xmpps-server is judged against _xmpp-server's gateways: not
	 * when there are none to judge it by */
	for (int svc = 0; svc < 2 && !bad; svc++) {
		const struct rrset *s = d->srv[svc];
		char *owner = xasprintf("%s._tcp.%s", SVC(svc), d->name);

		if (d->alias[svc] != NULL) {
			inexpressible(f, owner, "%s is an alias of %s: the "
			    "stages publish SRV records at %s itself (and "
			    "require that no alias is there); move the records "
			    "there first, or write this plan by hand", owner,
			    d->alias[svc], owner);
			bad = 1;
		} else if (svc == 0 && (s == NULL || s->n == 0)) {
			inexpressible(f, d->name, "%s has no SRV records: "
			    "partners reach %s by its own A/AAAA records, and "
			    "there is no gateway to describe", owner, d->name);
			bad = 1;
		}
		for (size_t i = 0; d->alias[svc] == NULL && s != NULL &&
		    i < s->n; i++) {
			const struct srv_rdata *r = &s->srv[i];

			if (r->target[0] == '\0') {
				inexpressible(f, owner, "%s says the service is "
				    "not available (target \".\"): no plan "
				    "stage publishes that; remove the record "
				    "or write this plan by hand", owner);
				bad = 1;
			} else if (strlen(r->target) > NAME_MAX_IN_PLAN) {
				inexpressible(f, owner, "%s names a target of "
				    "%zu characters: the plan reader takes "
				    "gateway names of up to %d", owner,
				    strlen(r->target), NAME_MAX_IN_PLAN);
				bad = 1;
			} else if (r->port == 0) {
				inexpressible(f, owner, "%s names %s on port "
				    "0: a plan's ports are 1 to 65535", owner,
				    r->target);
				bad = 1;
			} else if (svc == 0)
				bad |= add_starttls(owner, r, l, f) == -1;
			else
				bad |= add_direct(owner, d->name, r, l, f) == -1;
		}
		free(owner);
	}
	return bad ? -1 : 0;
}

static const struct initplan_host *
host_find(const struct initplan_in *in, const char *name)
{
	for (size_t i = 0; i < in->nhosts; i++)
		if (strcmp(in->hosts[i].name, name) == 0)
			return &in->hosts[i];
	return NULL;
}

/* The addresses of a host into g; -1 when it has none. */
static int
gateway_addrs(struct gateway *g, const struct initplan_host *h)
{
	for (int k = 0; h != NULL && k < 2; k++) {
		const struct rrset *s = h->addr[k];
		int af = k ? AF_INET6 : AF_INET;
		unsigned char bin[16];

		for (size_t i = 0; s != NULL && s->rdata != NULL && i < s->n;
		    i++) {
			struct plan_addr *a;

			if (inet_pton(af, s->rdata[i], bin) != 1)
				continue;
			g->addrs = xreallocarray(g->addrs, g->naddrs + 1,
			    sizeof *g->addrs);
			a = &g->addrs[g->naddrs++];
			a->family = af;
			inet_ntop(af, bin, a->text, sizeof a->text);
		}
	}
	return g->naddrs > 0 ? 0 : -1;
}

/* The longest and the shortest TTL of today's records. */
struct ttls {
	uint32_t max, min;
	int any;
};

static void
ttls_add(struct ttls *t, const struct rrset *s)
{
	if (s == NULL)
		return;
	if (!t->any || s->ttl_max > t->max)
		t->max = s->ttl_max;
	if (!t->any || s->ttl < t->min)
		t->min = s->ttl;
	t->any = 1;
}

uint32_t
initplan_cutover_ttl(uint32_t shortest)
{
	return shortest < PLAN_DEFAULT_CUTOVER_TTL ? shortest :
	    PLAN_DEFAULT_CUTOVER_TTL;
}

struct plan *
initplan_build(const struct initplan_in *in, struct findings *f)
{
	struct gwlist *l = xcalloc(in->ndomains ? in->ndomains : 1,
	    sizeof *l);
	struct plan *p = NULL;
	struct ttls ttl = { 0, 0, 0 };
	int bad = 0;

	for (size_t d = 0; d < in->ndomains; d++) {
		if (strlen(in->domains[d].name) > NAME_MAX_IN_PLAN) {
			inexpressible(f, in->domains[d].name, "the domain has "
			    "%zu characters: the plan reader takes names of up "
			    "to %d", strlen(in->domains[d].name),
			    NAME_MAX_IN_PLAN);
			bad = 1;
		}
		bad |= domain_gateways(&in->domains[d], &l[d], f) == -1;
	}
	/* every gateway serves every domain of a plan */
	for (size_t d = 1; !bad && d < in->ndomains; d++) {
		char *a, *b;

		if (gw_equal(&l[0], &l[d]))
			continue;
		a = gw_describe(&l[0]);
		b = gw_describe(&l[d]);
		inexpressible(f, in->domains[d].name, "%s names other "
		    "gateways (%s) than %s (%s): a plan gives every domain "
		    "the same gateways; run init for each group of domains "
		    "that share theirs", in->domains[d].name, b,
		    in->domains[0].name, a);
		free(a);
		free(b);
		bad = 1;
	}
	if (bad || in->ndomains == 0)
		goto out;

	p = xcalloc(1, sizeof *p);
	p->domains = xcalloc(in->ndomains, sizeof *p->domains);
	for (size_t d = 0; d < in->ndomains; d++) {
		p->domains[p->ndomains++] = xstrdup(in->domains[d].name);
		for (int svc = 0; svc < 2; svc++)
			ttls_add(&ttl, in->domains[d].srv[svc]);
	}
	qsort(l[0].v, l[0].n, sizeof *l[0].v, gw_cmp);
	p->gateways = xcalloc(l[0].n, sizeof *p->gateways);
	for (size_t i = 0; i < l[0].n; i++) {
		const struct gw *w = &l[0].v[i];
		const struct initplan_host *h = host_find(in, w->host);
		struct gateway *g = &p->gateways[p->ngateways++];

		g->host = xstrdup(w->host);
		g->role = ROLE_OLD;
		g->port = w->port;
		g->priority = w->priority;
		g->weight = w->weight;
		g->direct_tls_port = w->dtls;
		if (gateway_addrs(g, h) == -1) {
			inexpressible(f, w->host, "%s, a target of the SRV "
			    "records, has no A or AAAA record: the plan "
			    "republishes a gateway's addresses, and there are "
			    "none", w->host);
			bad = 1;
		}
		for (int k = 0; h != NULL && k < 2; k++)
			ttls_add(&ttl, h->addr[k]);
	}
	if (bad) {
		plan_free(p);
		p = NULL;
		goto out;
	}
	p->ttl = ttl.max;
	p->cutover_ttl = initplan_cutover_ttl(ttl.min);
out:
	for (size_t d = 0; d < in->ndomains; d++)
		free(l[d].v);
	free(l);
	return p;
}

/* The text */

/* One line of the plan file. A comment longer than the plan reader
 * takes is cut (it is only a comment); a key line with a trailing
 * comment loses the comment. Key lines are short by initplan_build. */
static void put(struct buf *, const char *, ...) PRINTFLIKE(2, 3);

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s, *semi;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (strlen(s) > INITPLAN_LINE_MAX) {
		if (s[0] != '#' && s[0] != ';' &&
		    (semi = strstr(s, " ;")) != NULL) {
			while (semi > s && semi[-1] == ' ')
				semi--;
			*semi = '\0';
		} else
			memcpy(s + INITPLAN_LINE_MAX - 3, "...", 4);
	}
	buf_addf(b, "%s\n", s);
	free(s);
}

/* "key = value", then "; comment" at column 32 when there is one. */
static void
put_key(struct buf *b, const char *prefix, const char *key, const char *value,
    const char *comment)
{
	char *kv = xasprintf("%s%s = %s", prefix, key, value);

	if (comment != NULL)
		put(b, "%-31s ; %s", kv, comment);
	else
		put(b, "%s", kv);
	free(kv);
}

static void
put_rrset(struct buf *b, const char *owner, const struct rrset *s,
    const char *zone, const char *dnssec)
{
	if (s == NULL || s->rdata == NULL)
		return;
	put(b, "#   %s (zone %s, DNSSEC %s)", owner, zone ? zone : "unknown",
	    dnssec ? dnssec : "unknown");
	for (size_t i = 0; i < s->n; i++) {
		if (s->ttl_mixed)
			put(b, "#     TTL %u..%u %s %s", s->ttl, s->ttl_max,
			    rrtype_name(s->type), s->rdata[i]);
		else
			put(b, "#     TTL %u %s %s", s->ttl,
			    rrtype_name(s->type), s->rdata[i]);
	}
}

static void
text_header(struct buf *b, const struct initplan_in *in, const struct plan *p)
{
	char when[64];
	struct tm tm;

	gmtime_r(&in->now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	put(b, "# xmppcut plan, written by `%s` on %s", in->command ?
	    in->command : "xmppcut init", when);
	put(b, "# from the live DNS. Today's records (TTLs as the zones' own "
	    "servers give them):");
	put(b, "#");
	for (size_t d = 0; d < in->ndomains; d++) {
		const struct initplan_domain *dom = &in->domains[d];

		for (int svc = 0; svc < 2; svc++) {
			char *owner = xasprintf("%s._tcp.%s", SVC(svc),
			    dom->name);

			put_rrset(b, owner, dom->srv[svc], dom->zone,
			    dom->dnssec[svc]);
			free(owner);
		}
	}
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct initplan_host *h = host_find(in, p->gateways[i].host);

		for (int k = 0; h != NULL && k < 2; k++)
			put_rrset(b, h->name, h->addr[k], h->zone, h->dnssec);
	}
	put(b, "#");
	put(b, "# Stage pre republishes exactly these records with "
	    "cutover-ttl. Next:");
	put(b, "#   1. fill in the new gateway at the end of this file;");
	put(b, "#   2. xmppcut -c PLAN check --expect old    (today's "
	    "records, as this plan says)");
	put(b, "#   3. xmppcut -c PLAN generate --stage pre  (the first "
	    "change: today's records, TTL lowered)");
}

static void
text_gateway(struct buf *b, const struct initplan_in *in,
    const struct gateway *g)
{
	const struct initplan_host *h = host_find(in, g->host);
	char num[16];
	int other_zone = 1;

	put(b, "%s", "");
	put(b, "[gateway %s]", g->host);
	put_key(b, "", "role", "old", "today's gateway: stages pre and "
	    "rollback publish it");
	for (size_t i = 0; i < g->naddrs; i++)
		put_key(b, "", "address", g->addrs[i].text, NULL);
	snprintf(num, sizeof num, "%u", g->port);
	put_key(b, "", "port", num, NULL);
	snprintf(num, sizeof num, "%u", g->priority);
	put_key(b, "", "priority", num, NULL);
	snprintf(num, sizeof num, "%u", g->weight);
	put_key(b, "", "weight", num, NULL);
	if (g->direct_tls_port != 0) {
		snprintf(num, sizeof num, "%u", g->direct_tls_port);
		put_key(b, "", "direct-tls-port", num, "_xmpps-server "
		    "(XEP-0368)");
	}
	for (int k = 0; h != NULL && k < 2; k++)
		if (h->tlsa[k] != NULL)
			put(b, "; %s holds TLSA records today: the stages "
			    "publish TLSA only from a certificate; add cert = "
			    "FILE (the one this gateway serves) to have them "
			    "republished", h->tlsa[k]);
	for (size_t d = 0; h != NULL && h->zone != NULL && d < in->ndomains;
	    d++)
		if (in->domains[d].zone != NULL &&
		    strcmp(in->domains[d].zone, h->zone) == 0)
			other_zone = 0;
	if (h != NULL && h->zone != NULL && other_zone)
		put(b, "; %s is in zone %s, not in a zone of the domains: if "
		    "you do not manage that zone, replace the addresses with "
		    "address = external", g->host, h->zone);
}

static void
text_template(struct buf *b, const struct plan *p)
{
	int dtls = 0;
	const char *zone = p->nzones > 0 ? p->zones[0] : p->domains[0];
	char *name = xasprintf("NEW-GATEWAY.%s", zone);
	char prio[16];

	for (size_t i = 0; i < p->ngateways; i++)
		dtls |= p->gateways[i].direct_tls_port != 0;
	put(b, "%s", "");
	put(b, "# The gateway to move to: give its name and addresses, "
	    "then remove the ';'");
	put(b, "# at the start of its lines. Port, priority and weight are "
	    "yours to choose;");
	put(b, "# its certificate must be valid for %s%s.", p->domains[0],
	    p->ndomains > 1 ? " and the other domains" : "");
	put(b, ";[gateway %s]", strlen(name) <= NAME_MAX_IN_PLAN ? name :
	    "NEW-GATEWAY");
	put_key(b, ";", "role", "new", NULL);
	put_key(b, ";", "address", "192.0.2.10", "its IPv4 and IPv6 "
	    "addresses, one per line");
	put_key(b, ";", "port", "5269", NULL);
	snprintf(prio, sizeof prio, "%u", p->ngateways > 0 ?
	    p->gateways[0].priority : 0);
	put_key(b, ";", "priority", prio, NULL);
	put_key(b, ";", "weight", "0", "required when there is more than "
	    "one new gateway");
	if (dtls)
		put_key(b, ";", "direct-tls-port", "5270", "today's gateways "
		    "offer direct TLS (XEP-0368)");
	put_key(b, ";", "cert", "new-gateway.pem", "the certificate it "
	    "will serve: cert checks, TLSA 3 1 1");
	put(b, "%s", "");
	put(b, "# Partners to probe before and after the cutover (probe, "
	    "monitor), one section each:");
	put(b, ";[partner jabber.org]");
	free(name);
}

char *
initplan_text(const struct initplan_in *in, const struct plan *p)
{
	struct buf b = { 0 };
	char num[16];

	text_header(&b, in, p);
	put(&b, "%s", "");
	put(&b, "[plan]");
	for (size_t d = 0; d < p->ndomains; d++)
		put_key(&b, "", "domain", p->domains[d], NULL);
	for (size_t z = 0; z < p->nzones; z++)
		put_key(&b, "", "zone", p->zones[z], z == 0 ? "the zones "
		    "that hold these records" : NULL);
	snprintf(num, sizeof num, "%u", p->ttl);
	put_key(&b, "", "ttl", num, "the longest TTL of today's SRV and address records");
	snprintf(num, sizeof num, "%u", p->cutover_ttl);
	put_key(&b, "", "cutover-ttl", num, "around the cutover: 300, or "
	    "today's shortest TTL");
	put_key(&b, ";", "from", p->domains[0], "our domain, sent as the "
	    "stream's 'from' in probes");
	for (size_t i = 0; i < p->ngateways; i++)
		text_gateway(&b, in, &p->gateways[i]);
	text_template(&b, p);
	return buf_take(&b);
}
