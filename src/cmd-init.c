/* cmd-init.c — `xmppcut init DOMAIN...`: the plan of today's live records.
 *
 * The domains are looked up as `check` looks them up (dnslive.c, in survey
 * mode: no plan gateways to compare, TTLs as the zones' servers give
 * them; the zones of the domains and of the hosts their SRV records name
 * come from the same walk), and initplan.c turns the records into a
 * plan. Any error in today's DNS (no
 * SRV, an alias as target, a failed or bogus lookup, ...) or in what a
 * plan can say (plan-inexpressible) means no plan: a plan from broken
 * records would have stage pre republish them. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "dname.h"
#include "dnslive.h"
#include "initplan.h"
#include "render.h"

/* The answer at name/type among a domain's records, or NULL. */
static const struct dns_answer *
record(const struct dnslive_domain *d, const char *name, enum rrtype type)
{
	for (size_t i = 0; i < d->nrecords; i++)
		if (d->records[i]->type == type &&
		    strcmp(d->records[i]->name, name) == 0)
			return d->records[i];
	return NULL;
}

static const struct rrset *
data(const struct dns_answer *a)
{
	return a != NULL && a->status == DNS_OK && a->rrset != NULL &&
	    a->rrset->n > 0 ? a->rrset : NULL;
}

/* What initplan needs, pointing into the live result: one entry per
 * domain, one per SRV target (first seen). */
struct survey {
	struct initplan_in in;
	struct initplan_domain *domains;
	struct initplan_host *hosts;
	size_t nhosts;
	struct strlist owned;	/* strings the entries point to */
};

/* The host an SRV record names, added on first sight with its
 * addresses. */
static struct initplan_host *
survey_host(struct survey *s, const struct dnslive_domain *d,
    const char *name)
{
	struct initplan_host *h;
	const struct dns_answer *a;

	for (size_t i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return &s->hosts[i];
	s->hosts = xreallocarray(s->hosts, s->nhosts + 1, sizeof *s->hosts);
	h = &s->hosts[s->nhosts++];
	memset(h, 0, sizeof *h);
	h->name = name;
	for (int k = 0; k < 2; k++) {
		a = record(d, name, k ? RR_AAAA : RR_A);
		if ((h->addr[k] = data(a)) != NULL)
			h->dnssec = dnssec_name(a->dnssec);
	}
	return h;
}

/* A target of an SRV record: its host, and the TLSA records of that
 * port when it has some. */
static void
survey_target(struct survey *s, const struct dnslive_domain *d,
    const struct srv_rdata *r)
{
	struct initplan_host *h;
	char *owner;

	if (r->target[0] == '\0')
		return;
	h = survey_host(s, d, r->target);
	owner = xasprintf("_%u._tcp.%s", r->port, r->target);
	if (data(record(d, owner, RR_TLSA)) == NULL || h->tlsa[1] != NULL ||
	    (h->tlsa[0] != NULL && strcmp(h->tlsa[0], owner) == 0)) {
		free(owner);
		return;
	}
	h->tlsa[h->tlsa[0] != NULL] = owner;
	strlist_take(&s->owned, owner);
}

static void
survey_from(struct survey *s, const struct dnslive_result *dns)
{
	memset(s, 0, sizeof *s);
	s->domains = xcalloc(dns->n ? dns->n : 1, sizeof *s->domains);
	for (size_t i = 0; i < dns->n; i++) {
		const struct dnslive_domain *d = &dns->v[i];
		struct initplan_domain *id = &s->domains[i];

		id->name = d->domain;
		id->zone = d->zone;
		for (int svc = 0; svc < 2; svc++) {
			char *owner = xasprintf("%s._tcp.%s", svc ?
			    "_xmpps-server" : "_xmpp-server", d->domain);
			const struct dns_answer *a = record(d, owner, RR_SRV);

			id->srv[svc] = data(a);
			id->alias[svc] = a != NULL ? a->canonname : NULL;
			if (a != NULL)
				id->dnssec[svc] = dnssec_name(a->dnssec);
			for (size_t k = 0; id->srv[svc] != NULL &&
			    k < id->srv[svc]->n; k++)
				survey_target(s, d, &id->srv[svc]->srv[k]);
			free(owner);
		}
	}
	s->in.domains = s->domains;
	s->in.ndomains = dns->n;
	s->in.hosts = s->hosts;
	s->in.nhosts = s->nhosts;
}

static void
survey_free(struct survey *s)
{
	free(s->domains);
	free(s->hosts);
	strlist_free(&s->owned);
}

/* The zones of the domains and gateway hosts, as the lookups found them,
 * as zone keys (domains' first), and each host's zone for its comment.
 * -1 when one is unknown (zone-unknown, in the report). */
static int
plan_zones(struct report *r, struct plan *p, struct survey *s,
    const struct zonemap *zm)
{
	struct strlist zones = { 0 };

	if (cmd_zones_unknown(r, NULL, zm) == -1)
		return -1;
	for (size_t i = 0; i < zm->n; i++)
		if (!strlist_has(&zones, zm->apexes[i]))
			strlist_add(&zones, zm->apexes[i]);
	p->zones = zones.v;
	p->nzones = zones.n;
	for (size_t i = 0; i < s->nhosts; i++)
		s->hosts[i].zone = zonemap_get(zm, s->hosts[i].name);
	for (size_t i = 0; i < s->in.ndomains; i++)
		s->domains[i].zone = zonemap_get(zm, s->domains[i].name);
	return 0;
}

static void
init(struct report *r, struct globals *g, char **domains, size_t n)
{
	struct plan survey_plan, *p = NULL;
	struct resolver_opts ro;
	struct dnslive_opts dl;
	struct dnslive_result dns = { 0 };
	struct survey s;
	struct buf cmdline = { 0 };
	char *cause = NULL, *text;

	memset(&survey_plan, 0, sizeof survey_plan);
	survey_plan.domains = domains;
	survey_plan.ndomains = n;
	survey_plan.ttl = PLAN_DEFAULT_TTL;
	survey_plan.cutover_ttl = PLAN_DEFAULT_CUTOVER_TTL;
	resolver_opts_from(&ro, g);
	cmd_trust_anchor(r, &ro);
	memset(&dl, 0, sizeof dl);
	dl.ro = &ro;
	dl.plan = &survey_plan;
	dl.stage = STAGE_CURRENT;
	dl.family = g->family;
	dl.survey = 1;
	if (dnslive_check(&dl, report_findings(r), &dns, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		return;
	}
	if (report_wants_json(r))
		render_dns(r, &dns);
	survey_from(&s, &dns);
	buf_add(&cmdline, "xmppcut init");
	for (size_t i = 0; i < n; i++)
		buf_addf(&cmdline, " %s", domains[i]);
	s.in.command = cmdline.s;
	s.in.now = time(NULL);
	/* no plan from records with errors: stage pre would republish them */
	if (report_status(r) < XC_EXIT_CRITICAL &&
	    (p = initplan_build(&s.in, report_findings(r))) != NULL &&
	    plan_zones(r, p, &s, &dns.zones) == 0) {
		text = initplan_text(&s.in, p);
		render_init_plan(r, p, text);
		report_text(r, "%s", text);
		free(text);
	}
	plan_free(p);
	survey_free(&s);
	buf_free(&cmdline);
	dnslive_result_free(&dns);
}

static int
cmd_init_exec(struct globals *g, int argc, char **argv)
{
	struct cmd_opts co = { NULL, NULL, NULL, NULL };
	struct report *r;
	struct strlist domains = { 0 };
	const char *why;
	int first, status;

	first = cmd_parse(&cmd_init_entry, g, argc, argv, &co);
	if (first >= 0 && first == argc)
		first = cmd_usage_error("init", "give the XMPP domains: "
		    "xmppcut init DOMAIN...");
	for (int i = first; first >= 0 && i < argc; i++) {
		char *d;

		if (dname_check(argv[i], &why) == -1) {
			first = cmd_usage_error("init", "%s: %s", argv[i],
			    why);
			break;
		}
		/* as the plan reader: a federated domain has two labels */
		d = dname_normalize(argv[i]);
		if (strchr(d, '.') == NULL)
			first = cmd_usage_error("init", "%s has one label: "
			    "partners find a federated domain by its SRV "
			    "records under a name of two labels or more",
			    argv[i]);
		free(d);
	}
	if (first < 0)
		return cmd_parse_status(first);
	for (int i = first; i < argc; i++) {
		char *d = dname_normalize(argv[i]);

		if (strlist_has(&domains, d))
			free(d);
		else
			strlist_take(&domains, d);
	}
	r = report_new("init", g->json);
	report_text_is_data(r);	/* stdout is the plan: findings go to
				 * stderr */
	init(r, g, domains.v, domains.n);
	status = report_emit(r, g->quiet);
	report_free(r);
	strlist_free(&domains);
	return status;
}

const struct cmd_entry cmd_init_entry = {
	"init",
	"DOMAIN...",
	"write a plan from today's live DNS records of the given domains",
	NULL,		/* no options of its own: the plan goes to stdout,
			 * the findings to stderr (xmppcut(1)) */
	cmd_init_exec,
};
