/* cmd-probe.c — `xmppcut probe`: can a server federate with these
 * domains? DOMAIN... or the plan's partners. */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cmd.h"
#include "dname.h"
#include "observe.h"
#include "probe.h"
#include "render.h"

enum { OPT_PARTNERS = 2000, OPT_FROM, OPT_NOW, OPT_WARN_DAYS,
	OPT_MAX_TIME };

struct probe_cmd_opts {
	int partners;
	char *from;
	time_t now;
	unsigned warn_days;
	unsigned max_time;
};

static const struct option probe_longopts[] = {
	{ "partners", no_argument, NULL, OPT_PARTNERS },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "warn-days", required_argument, NULL, OPT_WARN_DAYS },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ NULL, 0, NULL, 0 }
};

static int
probe_opt(void *arg, int opt, const char *val)
{
	struct probe_cmd_opts *o = arg;
	const char *why;

	switch (opt) {
	case OPT_PARTNERS:
		o->partners = 1;
		return 0;
	case OPT_FROM:
		if (dname_check(val, &why) == -1)
			return cmd_usage_error("probe", "--from %s: %s",
			    val, why);
		free(o->from);
		o->from = dname_normalize(val);
		return 0;
	case OPT_NOW:
		return cmd_opt_now("probe", val, &o->now);
	case OPT_WARN_DAYS:
		return cmd_opt_warn_days("probe", val, &o->warn_days);
	case OPT_MAX_TIME:
		return cmd_opt_max_time("probe", val, &o->max_time);
	default:
		return -1;
	}
}

void
resolver_opts_from(struct resolver_opts *ro, const struct globals *g)
{
	memset(ro, 0, sizeof *ro);
	ro->forward = g->resolver;
	ro->stubs = g->stubs;
	ro->nstubs = g->nstubs;
	ro->trust_anchor = g->trust_anchor;
	ro->timeout_ms = g->timeout * 1000;
}

void
cmd_trust_anchor(struct report *r, const struct resolver_opts *ro)
{
	if (resolver_trust_anchor(ro) == NULL)
		findings_add(report_findings(r), SEV_WARNING,
		    F_TRUST_ANCHOR_MISSING, NULL, "no DNSSEC trust anchor (%s): "
		    "no answer can be judged secure and DANE cannot apply; "
		    "install dns-root-data or give --trust-anchor FILE",
		    ro->trust_anchor ? "--trust-anchor none" :
		    DEFAULT_TRUST_ANCHOR " is missing");
}

void
probe_opts_from(struct probe_opts *po, struct resolver_opts *ro,
    const struct globals *g)
{
	resolver_opts_from(ro, g);
	memset(po, 0, sizeof *po);
	po->ro = ro;
	po->timeout_ms = g->timeout * 1000;
	po->jobs = g->jobs;
	po->family = g->family;
	po->ca_file = g->ca;
	po->now = time(NULL);
	po->warn_days = CERT_DEFAULT_WARN_DAYS;
}

struct probe_result *
probe_into_report(struct report *r, const struct probe_opts *po,
    const struct probe_request *reqs, size_t n)
{
	struct probe_result *res = xcalloc(n ? n : 1, sizeof *res);
	char *cause = NULL;
	enum probe_setup why;

	if ((why = probe_run(po, reqs, n, res, &cause)) != PROBE_SETUP_OK) {
		findings_add(report_findings(r), SEV_ERROR, why ==
		    PROBE_SETUP_CA ? F_CA_UNREADABLE : why ==
		    PROBE_SETUP_RESOLVER ? F_RESOLVER_FAILED : F_TOOL_FAILED,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		free(res);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		findings_move(report_findings(r), &res[i].findings);
	return res;
}

void
probe_results_free(struct probe_result *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		probe_result_free(&v[i]);
	free(v);
}

static int
cmd_probe_exec(struct globals *g, int argc, char **argv)
{
	struct probe_cmd_opts o;
	struct cmd_opts co = { "", probe_longopts, probe_opt, &o };
	struct probe_request *reqs = NULL;
	struct resolver_opts ro;
	struct probe_opts po;
	struct report *r = NULL;
	struct plan *p = NULL;
	struct probe_result *res = NULL;
	struct observations obs = { 0 };
	char **domains = NULL;
	size_t n = 0, reachable = 0;
	const char *why;
	int first, status;

	memset(&o, 0, sizeof o);
	o.now = time(NULL);
	o.warn_days = CERT_DEFAULT_WARN_DAYS;
	o.max_time = DEFAULT_MAX_TIME;
	first = cmd_parse(&cmd_probe_entry, g, argc, argv, &co);
	if (first >= 0 && first == argc && !o.partners)
		first = cmd_usage_error("probe", "give DOMAIN... or "
		    "--partners");
	for (int i = first; first >= 0 && i < argc; i++)
		if (dname_check(argv[i], &why) == -1)
			first = cmd_usage_error("probe", "%s: %s", argv[i],
			    why);
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("probe", g->json);
	if ((o.partners || g->plan_given) && (p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	for (int i = first; i < argc; i++) {
		domains = xreallocarray(domains, n + 1, sizeof *domains);
		domains[n++] = dname_normalize(argv[i]);
	}
	for (size_t i = 0; o.partners && i < p->npartners; i++) {
		domains = xreallocarray(domains, n + 1, sizeof *domains);
		domains[n++] = xstrdup(p->partners[i]);
	}
	reqs = xcalloc(n ? n : 1, sizeof *reqs);
	for (size_t i = 0; i < n; i++) {
		reqs[i].domain = domains[i];
		reqs[i].from = o.from ? o.from : p ? p->from : NULL;
	}
	probe_opts_from(&po, &ro, g);
	po.now = o.now;
	po.warn_days = o.warn_days;
	po.deadline_ms = now_ms() + (uint64_t)o.max_time * 1000;
	if (n > 0)
		cmd_trust_anchor(r, &ro);
	if ((res = probe_into_report(r, &po, reqs, n)) == NULL)
		goto emit;
	for (size_t i = 0; i < n; i++)
		reachable += res[i].reachable;
	render_probes(r, "domains", res, n);
	report_set_int(r, "reachable", (long long)reachable);
	observe_probes(&obs, res, n, OBS_PROBE);
	render_observations(r, "observations", &obs);
emit:
	status = report_emit(r, g->quiet);
out:
	probe_results_free(res, n);
	observations_free(&obs);
	for (size_t i = 0; domains != NULL && i < n; i++)
		free(domains[i]);
	free(domains);
	free(reqs);
	free(o.from);
	report_free(r);
	plan_free(p);
	return status;
}

const struct cmd_entry cmd_probe_entry = {
	"probe",
	"DOMAIN... | --partners [--from DOMAIN]",
	"live federation reachability of partner domains",
	"      --partners             the plan's [partner] domains\n"
	"      --from DOMAIN          the stream's 'from' (default: the\n"
	"                             plan's from, else none)\n"
	"      --now TIME             judge certificates as of TIME\n"
	"      --warn-days N          warn when a certificate expires\n"
	"                             within N days (default 21)\n"
	"      --max-time SECONDS     the whole run's bound (default 60)\n",
	cmd_probe_exec,
};
