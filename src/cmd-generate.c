/* cmd-generate.c — `xmppcut generate`: the records of a stage of the plan,
 * as a master-file snippet or as an nsupdate script. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert.h"
#include "cmd.h"
#include "nsupdate.h"
#include "render.h"
#include "stage.h"
#include "zonefind.h"

enum { OPT_SERVER = 2000, OPT_TSIG_KEY, OPT_ZONE };

struct gen_opts {
	int have_stage;
	enum stage stage;
	int nsupdate;
	const char *server;
	const char *tsig_key;
	char **zones;
	size_t nzones;
};

static const struct option gen_longopts[] = {
	{ "stage", required_argument, NULL, 's' },
	{ "format", required_argument, NULL, 'f' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "tsig-key", required_argument, NULL, OPT_TSIG_KEY },
	{ "zone", required_argument, NULL, OPT_ZONE },
	{ NULL, 0, NULL, 0 }
};

static int
gen_opt(void *arg, int opt, const char *val)
{
	struct gen_opts *o = arg;

	switch (opt) {
	case 's':
		o->have_stage = 1;
		return cmd_opt_stage("generate", val, &o->stage);
	case 'f':
		if (strcmp(val, "zone") == 0)
			o->nsupdate = 0;
		else if (strcmp(val, "nsupdate") == 0)
			o->nsupdate = 1;
		else
			return cmd_usage_error("generate", "--format %s: "
			    "expected zone or nsupdate", val);
		return 0;
	case OPT_SERVER:
		if (cmd_opt_dns_server("generate", "--server", val) == -1)
			return -1;
		o->server = val;
		return 0;
	case OPT_TSIG_KEY:
		o->tsig_key = val;
		return 0;
	case OPT_ZONE:
		return cmd_opt_zone("generate", val, &o->zones, &o->nzones);
	default:
		return -1;
	}
}

static char *
zone_snippet(const struct plan *p, enum stage s, const struct rrlist *l)
{
	struct buf b = { 0 };
	const char *zone = NULL;
	char *desc = stage_describe(p, s), *line;

	buf_addf(&b, "; xmppcut generate --stage %s --format zone\n; %s.\n",
	    stage_name(s), desc);
	free(desc);
	for (size_t i = 0; i < l->n; i++) {
		if (zone == NULL || strcmp(zone, l->v[i].zone) != 0) {
			zone = l->v[i].zone;
			buf_addf(&b, ";\n; in zone %s.\n", zone);
		}
		line = rr_format(&l->v[i]);
		buf_addf(&b, "%s\n", line);
		free(line);
	}
	for (size_t i = 0; i < p->ngateways; i++)
		if (p->gateways[i].role == stage_role(s) &&
		    p->gateways[i].external)
			buf_addf(&b, ";\n; %s: its A/AAAA are kept outside the "
			    "plan (address = external)\n", p->gateways[i].host);
	return buf_take(&b);
}

/* The TLSA records a stage publishes come from the plan's certs: a cert
 * that does not name the domains, or is out of its dates, is published
 * anyway, but said (as warnings: the records are what the plan says). */
static void
check_certs(struct report *r, const struct plan *p, enum stage s)
{
	struct cert_policy pol;

	memset(&pol, 0, sizeof pol);
	pol.now = time(NULL);
	pol.warn_days = CERT_DEFAULT_WARN_DAYS;
	pol.chain_verdict = 1;	/* trust is cert's and check's question */
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *gw = &p->gateways[i];
		struct findings f = { 0 };
		struct cert_facts *cf;
		struct cert *c;
		char *cause = NULL;

		if (gw->role != stage_role(s) || gw->cert == NULL)
			continue;
		if ((c = cert_load_file(gw->cert, &cause)) == NULL) {
			free(cause);	/* stage_records() says it */
			continue;
		}
		cf = cert_check(c, p->domains, p->ndomains, &pol, gw->cert, &f);
		for (size_t k = 0; k < f.n; k++) {
			if (f.v[k].severity == SEV_INFO)
				continue;
			findings_add(report_findings(r), SEV_WARNING, f.v[k].id,
			    gw->cert, "the TLSA records of %s come from this "
			    "certificate: %s", gw->host, f.v[k].message);
		}
		findings_free(&f);
		cert_facts_free(cf);
		cert_free(c);
	}
}

static void
generate(struct report *r, struct globals *g, const struct plan *p,
    const struct gen_opts *o)
{
	struct zonemap zm = { 0 };
	struct nsupdate_opts no = { o->server, o->tsig_key, &zm };
	struct rrlist recs = { 0 };
	char *cause = NULL, *text;

	if (plan_count_role(p, stage_role(o->stage)) == 0) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "the plan has no old gateway, so stage "
		    "%s has nothing to publish", stage_name(o->stage));
		return;
	}
	if (cmd_find_zones(r, g, p, o->stage, o->zones, o->nzones, o->server, &zm) == -1)
		goto out;
	if (stage_records(p, o->stage, &zm, &recs, &cause) == -1 ||
	    (text = o->nsupdate ? nsupdate_script(p, o->stage, &no, &cause) :
	    zone_snippet(p, o->stage, &recs)) == NULL) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "%s", cause);
		free(cause);
		goto out;
	}
	check_certs(r, p, o->stage);
	report_set_string(r, "stage", stage_name(o->stage));
	report_set_string(r, "format", o->nsupdate ? "nsupdate" : "zone");
	render_records(r, &recs);
	report_set_string(r, o->nsupdate ? "script" : "zone", text);
	report_text(r, "%s", text);
	free(text);
out:
	rrlist_free(&recs);
	zonemap_free(&zm);
}

static int
cmd_generate_exec(struct globals *g, int argc, char **argv)
{
	struct gen_opts o;
	struct cmd_opts co = { "s:f:", gen_longopts, gen_opt, &o };
	struct report *r;
	struct plan *p = NULL;
	char *key = NULL, *cause = NULL;
	int first, status;

	memset(&o, 0, sizeof o);
	first = cmd_parse(&cmd_generate_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("generate", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && !o.have_stage)
		first = cmd_usage_error("generate", "--stage is required");
	else if (first >= 0 && !o.nsupdate && (o.server || o.tsig_key))
		first = cmd_usage_error("generate", "--server and --tsig-key "
		    "go with --format nsupdate");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("generate", g->json);
	report_text_is_data(r);	/* stdout may feed nsupdate: findings
				 * go to stderr */
	if (o.tsig_key != NULL && (key = nsupdate_tsig_key(o.tsig_key,
	    &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_TSIG_KEY_INVALID,
		    o.tsig_key, "%s", without_subject(cause, o.tsig_key));
		report_set_unknown(r);
		free(cause);
	} else if ((p = cmd_load_plan(g, r)) != NULL)
		generate(r, g, p, &o);
	free(key);
	status = report_emit(r, g->quiet);
	plan_free(p);
	report_free(r);
out:
	for (size_t i = 0; i < o.nzones; i++)
		free(o.zones[i]);
	free(o.zones);
	return status;
}

const struct cmd_entry cmd_generate_entry = {
	"generate",
	"--stage pre|cutover|final|rollback [--format zone|nsupdate]",
	"records for a stage of the plan, as zone snippet or nsupdate script",
	"  -s, --stage STAGE          pre, cutover, final or rollback\n"
	"  -f, --format FORMAT        zone (master-file snippet, the default)\n"
	"                             or nsupdate (RFC 2136 script)\n"
	"      --server ADDR[@PORT]   nsupdate: the server to send to\n"
	"                             (default: the zone's SOA primary)\n"
	"      --tsig-key FILE        nsupdate: sign with this TSIG key\n"
	"                             (BIND key file, or ALG:NAME:SECRET)\n"
	"      --zone ZONE            a zone apex, where a gateway host's zone\n"
	"                             is not a plan domain or its parent\n"
	"                             (repeatable)\n",
	cmd_generate_exec,
};
