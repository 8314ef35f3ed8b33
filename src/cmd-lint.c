/* cmd-lint.c — `xmppcut lint`: offline check of zone files against the
 * RFCs and, with a plan and a stage, against the plan. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dname.h"
#include "dnscheck.h"
#include "render.h"
#include "zonefile.h"

enum { OPT_ORIGIN = 2000, OPT_NOW };

struct lint_opts {
	char *origin;
	int have_stage;
	enum stage stage;
	time_t now;
};

static const struct option lint_longopts[] = {
	{ "origin", required_argument, NULL, OPT_ORIGIN },
	{ "stage", required_argument, NULL, 's' },
	{ "now", required_argument, NULL, OPT_NOW },
	{ NULL, 0, NULL, 0 }
};

static int
lint_opt(void *arg, int opt, const char *val)
{
	struct lint_opts *o = arg;
	const char *why;

	switch (opt) {
	case OPT_ORIGIN:
		if (dname_check(val, &why) == -1)
			return cmd_usage_error("lint", "--origin %s: %s",
			    val, why);
		free(o->origin);
		o->origin = dname_normalize(val);
		return 0;
	case 's':
		o->have_stage = 1;
		return cmd_opt_stage("lint", val, &o->stage);
	case OPT_NOW:
		return cmd_opt_now("lint", val, &o->now);
	default:
		return -1;
	}
}

/* With a plan, lint compares the zones with it: when no name of the
 * plan lies in any of them (another zone, or an origin guessed from a
 * file name such as example.com.fwd), nothing was compared. */
static void
plan_in_scope(struct report *r, const struct plan *p,
    const struct rrsource *src, struct zoneset *z)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < p->ndomains; i++)
		if (src->in_scope(z, p->domains[i]))
			return;
	for (size_t i = 0; i < p->ngateways; i++)
		if (src->in_scope(z, p->gateways[i].host))
			return;
	for (size_t i = 0; i < zoneset_nfiles(z); i++) {
		struct zonefile_facts zf;

		zoneset_file_facts(z, i, &zf);
		buf_addf(&b, "%s%s", i ? ", " : "", zf.apex ? zf.apex : "?");
	}
	findings_add(report_findings(r), SEV_ERROR, F_ZONE_UNKNOWN, NULL,
	    "no name of the plan (%s%s) lies in the zones given (%s): nothing "
	    "was compared with it; give the plan's zone files, or --origin "
	    "when the file name does not say the zone", p->domains[0],
	    p->ndomains > 1 ? ", ..." : "", b.s ? b.s : "");
	report_set_unknown(r);
	buf_free(&b);
}

static void
lint(struct report *r, const struct plan *p, const struct lint_opts *o,
    char *const *files, size_t nfiles)
{
	struct zoneset_opts zo = { o->origin, NULL, 0, o->now };
	char **hosts = NULL;
	struct dnscheck dc;
	struct rrsource src;
	struct zoneset *z;
	const char **domains = NULL;
	char *cause = NULL;
	size_t nd;
	int unreadable;

	if (p != NULL) {
		hosts = xcalloc(p->ngateways, sizeof *hosts);
		for (size_t i = 0; i < p->ngateways; i++)
			hosts[i] = p->gateways[i].host;
		zo.hosts = hosts;
		zo.nhosts = p->ngateways;
	}
	z = zoneset_read(files, nfiles, &zo, report_findings(r), &unreadable);
	free(hosts);
	if (unreadable)
		report_set_unknown(r);
	zoneset_source(z, &src);
	if (p != NULL && !unreadable)
		plan_in_scope(r, p, &src, z);
	memset(&dc, 0, sizeof dc);
	dc.src = &src;
	dc.plan = p;
	dc.have_stage = o->have_stage;
	dc.stage = o->stage;
	dc.ttl_limit = o->have_stage && o->stage != STAGE_FINAL;
	dc.f = report_findings(r);

	nd = zoneset_domains(z, &domains);
	for (size_t i = 0; p != NULL && i < p->ndomains; i++) {
		size_t k;

		for (k = 0; k < nd; k++)
			if (strcmp(domains[k], p->domains[i]) == 0)
				break;
		if (k == nd && src.in_scope(z, p->domains[i])) {
			domains = xreallocarray(domains, nd + 1,
			    sizeof *domains);
			domains[nd++] = p->domains[i];
		}
	}
	for (size_t i = 0; i < nd; i++)
		dnscheck_domain(&dc, domains[i]);
	report_set_strings(r, "domains", (char *const *)domains, nd);
	free(domains);
	if (dnscheck_gateways(&dc, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_FILE_UNREADABLE,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
	}

	render_zonefiles(r, z);
	if (o->have_stage)
		report_set_string(r, "stage", stage_name(o->stage));
	zoneset_free(z);
}

static int
cmd_lint_exec(struct globals *g, int argc, char **argv)
{
	struct lint_opts o;
	struct cmd_opts co = { "s:", lint_longopts, lint_opt, &o };
	struct report *r = NULL;
	struct plan *p = NULL;
	int first, status;

	memset(&o, 0, sizeof o);
	o.now = time(NULL);
	first = cmd_parse(&cmd_lint_entry, g, argc, argv, &co);
	if (first >= 0 && first == argc)
		first = cmd_usage_error("lint", "no zone file given");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("lint", g->json);
	/* The plan is read when asked for (-c) or needed (--stage). */
	if ((g->plan_given || o.have_stage) &&
	    (p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	lint(r, p, &o, argv + first, (size_t)(argc - first));
	findings_sort(report_findings(r));
emit:
	status = report_emit(r, g->quiet);
out:
	report_free(r);
	plan_free(p);
	free(o.origin);
	return status;
}

const struct cmd_entry cmd_lint_entry = {
	"lint",
	"ZONEFILE... [--origin ZONE] [--stage STAGE] [--now TIME]",
	"offline check of zone files against the RFCs and the plan",
	"      --origin ZONE          origin of relative names (default: the\n"
	"                             file's $ORIGIN, else its name, as in\n"
	"                             example.com.zone)\n"
	"  -s, --stage STAGE          compare with the records of this stage\n"
	"                             of the plan (pre, cutover, final,\n"
	"                             rollback); reads the plan\n"
	"      --now TIME             check RRSIG validity as of TIME:\n"
	"                             YYYY-MM-DD[THH:MM:SS] (UTC),\n"
	"                             YYYYMMDDHHMMSS or @EPOCH (default: now)\n",
	cmd_lint_exec,
};
