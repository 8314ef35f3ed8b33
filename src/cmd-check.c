/* cmd-check.c — `xmppcut check`: the live state of the plan's own domains:
 * the DNS part (dnslive.c), then the TLS and XMPP stream part (probe.c),
 * through the live SRV records and through --connect addresses. */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "cert.h"
#include "cmd.h"
#include "dnslive.h"
#include "observe.h"
#include "probe.h"
#include "render.h"

enum { OPT_EXPECT = 2000, OPT_DNS_ONLY, OPT_CONNECT, OPT_MAX_TIME,
    OPT_WARN_DAYS };

struct check_opts {
	int expect_given, stage_given;
	enum role expect;
	enum stage stage;
	int dns_only;
	struct probe_fixed *connect;	/* as given; ports 0 = the plan's */
	size_t nconnect;
	unsigned max_time;
	unsigned warn_days;
	uint64_t start;
};

static const struct option check_longopts[] = {
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "stage", required_argument, NULL, 's' },
	{ "dns-only", no_argument, NULL, OPT_DNS_ONLY },
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "warn-days", required_argument, NULL, OPT_WARN_DAYS },
	{ NULL, 0, NULL, 0 }
};

static int
check_opt(void *arg, int opt, const char *val)
{
	struct check_opts *o = arg;

	switch (opt) {
	case OPT_EXPECT:
		o->expect_given = 1;
		return cmd_opt_expect("check", val, &o->expect);
	case 's':
		o->stage_given = 1;
		return cmd_opt_stage("check", val, &o->stage);
	case OPT_DNS_ONLY:
		o->dns_only = 1;
		return 0;
	case OPT_MAX_TIME:
		return cmd_opt_max_time("check", val, &o->max_time);
	case OPT_WARN_DAYS:
		return cmd_opt_warn_days("check", val, &o->warn_days);
	case OPT_CONNECT: {
		unsigned port = 0;
		char *host;

		if (parse_endpoint(val, ':', &host, &port) == -1)
			return cmd_usage_error("check", "--connect %s: "
			    "expected ADDR[:PORT] ([ADDR]:PORT for IPv6)",
			    val);
		o->connect = xreallocarray(o->connect, o->nconnect + 1,
		    sizeof *o->connect);
		o->connect[o->nconnect++] = (struct probe_fixed){ host, port,
		    0, NULL, NULL };
		return 0;
	}
	default:
		return -1;
	}
}

/* The plan's gateway of this role with this address, or NULL. */
static const struct gateway *
gateway_at(const struct plan *p, const char *addr, enum role role)
{
	for (size_t k = 0; k < p->ngateways; k++)
		for (size_t a = 0; p->gateways[k].role == role &&
		    a < p->gateways[k].naddrs; a++)
			if (strcmp(p->gateways[k].addrs[a].text, addr) == 0)
				return &p->gateways[k];
	return NULL;
}

/* --connect is the test of a new gateway before DNS points at it: say
 * when the place is not one (the old gateway, an address or port the plan
 * does not publish), since what the plan ties to the gateway (its key,
 * its direct-TLS port) is then not checked. */
static void
not_planned(struct report *r, const struct probe_fixed *c,
    const struct gateway *g)
{
	struct findings *f = report_findings(r);

	if (g == NULL)
		findings_add(f, SEV_WARNING, F_CONNECT_NOT_PLANNED, c->addr,
		    "no gateway of the plan has this address: its cert's key "
		    "and its direct-TLS port were not checked; if the plan's "
		    "address is mistyped, the stages would publish it");
	else if (g->role != ROLE_NEW)
		findings_add(f, SEV_WARNING, F_CONNECT_NOT_PLANNED, c->addr,
		    "this is the old gateway %s: --connect tests the new "
		    "gateway before DNS points at it; give a new gateway's "
		    "address", g->host);
	else if (c->port != 0 && c->port != g->port &&
	    c->port != g->direct_tls_port)
		findings_add(f, SEV_WARNING, F_CONNECT_NOT_PLANNED, c->addr,
		    "port %u is not one the plan publishes for %s (%u%s%.0u): "
		    "partners will be sent there, not here", c->port, g->host,
		    g->port, g->direct_tls_port ? ", direct TLS " : "",
		    g->direct_tls_port);
}

/* The places --connect names: with a port, that port (direct TLS when it
 * is the plan's direct-tls-port of the gateway at that address), else
 * STARTTLS on the gateway's port (5269 without one) and direct TLS on
 * its direct-tls-port. A gateway with a cert must serve its key. Newly
 * allocated; spki holds the keys (one per gateway). */
static size_t
connect_targets(const struct check_opts *o, const struct plan *p,
    struct probe_fixed **out, struct strlist *spki, struct report *r)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < o->nconnect; i++) {
		const struct probe_fixed *c = &o->connect[i];
		const struct gateway *g = NULL;
		const char *key = NULL;
		char *cause = NULL;
		unsigned port;

		/* a new gateway's address first: an old one may share it */
		if ((g = gateway_at(p, c->addr, ROLE_NEW)) == NULL)
			g = gateway_at(p, c->addr, ROLE_OLD);
		not_planned(r, c, g);
		if (g != NULL && g->cert != NULL) {
			struct cert *ct = cert_load_file(g->cert, &cause);
			char hex[65];

			if (ct == NULL) {
				findings_add(report_findings(r), SEV_ERROR,
				    F_FILE_UNREADABLE, g->cert, "%s", cause);
				free(cause);
			} else {
				cert_spki_sha256(ct, hex);
				strlist_add(spki, hex);
				key = spki->v[spki->n - 1];
				cert_free(ct);
			}
		}
		*out = xreallocarray(*out, n + 2, sizeof **out);
		port = c->port ? c->port : g ? g->port : 5269;
		(*out)[n++] = (struct probe_fixed){ c->addr, port, g != NULL &&
		    g->direct_tls_port != 0 && port == g->direct_tls_port, key,
		    g ? g->cert : NULL };
		if (c->port == 0 && g != NULL && g->direct_tls_port != 0)
			(*out)[n++] = (struct probe_fixed){ c->addr,
			    g->direct_tls_port, 1, key, g->cert };
	}
	return n;
}

/* The TLS and XMPP part: each domain through the live SRV records, and
 * through the --connect addresses. */
static void
check_streams(struct report *r, struct globals *g, const struct plan *p,
    const struct check_opts *o, const struct dnslive_result *dns,
    struct observations *obs)
{
	struct probe_fixed *fixed;
	struct strlist spki = { 0 };
	size_t nfixed = connect_targets(o, p, &fixed, &spki, r), n = 0, nlive;
	struct probe_request *reqs = xcalloc(p->ndomains * (1 + nfixed),
	    sizeof *reqs);
	struct probe_result *res;
	struct resolver_opts ro;
	struct probe_opts po;

	/* our own domains: every published endpoint matters */
	for (size_t k = 0; k < dns->n; k++) {
		if (dns->v[k].srv_usable) {
			reqs[n].every = 1;
			reqs[n].records_judged = 1;
			reqs[n++].domain = dns->v[k].domain;
		}
	}
	nlive = n;
	/* each --connect place on its own: STARTTLS and direct TLS both */
	for (size_t k = 0; k < p->ndomains; k++) {
		for (size_t f = 0; f < nfixed; f++) {
			reqs[n].domain = p->domains[k];
			reqs[n].fixed = &fixed[f];
			reqs[n++].nfixed = 1;
		}
	}
	/* our own domains: no 'from' (the gateway serves them) */
	probe_opts_from(&po, &ro, g);
	po.deadline_ms = o->start + (uint64_t)o->max_time * 1000;
	po.warn_days = o->warn_days;
	if ((res = probe_into_report(r, &po, reqs, n)) != NULL) {
		render_probes(r, "probes", res, nlive);
		if (nfixed > 0)
			render_probes(r, "connect", res + nlive, n - nlive);
		observe_probes(obs, res, nlive, OBS_DOMAIN);
		probe_results_free(res, n);
	}
	free(fixed);
	free(reqs);
	strlist_free(&spki);
}

static int
cmd_check_exec(struct globals *g, int argc, char **argv)
{
	struct check_opts o;
	struct cmd_opts co = { "s:", check_longopts, check_opt, &o };
	struct resolver_opts ro;
	struct dnslive_opts dl;
	struct report *r = NULL;
	struct plan *p = NULL;
	struct dnslive_result dns = { 0 };
	struct observations obs = { 0 };
	char *cause = NULL;
	int first, status;

	memset(&o, 0, sizeof o);
	o.expect = ROLE_NEW;
	o.max_time = DEFAULT_MAX_TIME;
	o.warn_days = CERT_DEFAULT_WARN_DAYS;
	o.start = now_ms();
	first = cmd_parse(&cmd_check_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("check", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && o.expect_given && o.stage_given)
		first = cmd_usage_error("check", "give --expect or --stage, "
		    "not both");
	else if (first >= 0 && o.dns_only && o.nconnect > 0)
		first = cmd_usage_error("check", "--dns-only makes no "
		    "connection: give it or --connect, not both");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("check", g->json);
	if ((p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	resolver_opts_from(&ro, g);
	cmd_trust_anchor(r, &ro);
	memset(&dl, 0, sizeof dl);
	dl.ro = &ro;
	dl.plan = p;
	dl.family = g->family;
	if (o.stage_given) {
		dl.stage = o.stage;
		dl.ttl_limit = o.stage != STAGE_FINAL;
	} else {
		dl.stage = o.expect == ROLE_NEW ? STAGE_FINAL : STAGE_CURRENT;
		dl.ttl_limit = 0;
	}
	report_set_string(r, "expect", role_name(stage_role(dl.stage)));
	if (o.stage_given)
		report_set_string(r, "stage", stage_name(o.stage));
	if (dnslive_check(&dl, report_findings(r), &dns, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		goto emit;
	}
	render_dns(r, &dns);
	observe_dns(&obs, &dns);
	if (!o.dns_only)
		check_streams(r, g, p, &o, &dns, &obs);
	render_observations(r, "observations", &obs);
emit:
	status = report_emit(r, g->quiet);
out:
	dnslive_result_free(&dns);
	observations_free(&obs);
	report_free(r);
	plan_free(p);
	for (size_t k = 0; k < o.nconnect; k++)
		free(o.connect[k].addr);
	free(o.connect);
	return status;
}

const struct cmd_entry cmd_check_entry = {
	"check",
	"[--expect old|new | --stage STAGE] [--dns-only] [--connect ADDR]...\n       [--warn-days N]",
	"live check of the plan's own domains (DNS, TLS, XMPP stream)",
	"      --expect old|new       which gateways the live records must\n"
	"                             name (default: new)\n"
	"  -s, --stage STAGE          the records of this stage, TTLs\n"
	"                             included (pre, cutover, final,\n"
	"                             rollback)\n"
	"      --dns-only             only the DNS part: no connection\n"
	"      --connect ADDR[:PORT]  also probe this address while\n"
	"                             presenting the plan's domains: test a\n"
	"                             gateway before DNS points at it\n"
	"                             (repeatable; [ADDR]:PORT for IPv6)\n"
	"      --warn-days N          warn when a gateway's certificate expires\n"
	"                             within N days (default 21)\n"
	"      --max-time SECONDS     the whole run's bound (default 60)\n",
	cmd_check_exec,
};
