/* cmd-cert.c — `xmppcut cert`: offline check of certificate files for the
 * XMPP domains (identity, validity, chain, EKU, key). */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cmd.h"
#include "dname.h"
#include "render.h"

enum { OPT_DOMAIN = 2000, OPT_NOW, OPT_WARN_DAYS };

struct cert_opts {
	char **domains;
	size_t ndomains;
	time_t now;
	unsigned warn_days;
};

static const struct option cert_longopts[] = {
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "warn-days", required_argument, NULL, OPT_WARN_DAYS },
	{ NULL, 0, NULL, 0 }
};

static int
cert_opt(void *arg, int opt, const char *val)
{
	struct cert_opts *o = arg;
	const char *why;

	switch (opt) {
	case OPT_DOMAIN:
		if (dname_check(val, &why) == -1)
			return cmd_usage_error("cert", "--domain %s: %s",
			    val, why);
		o->domains = xreallocarray(o->domains, o->ndomains + 1,
		    sizeof *o->domains);
		o->domains[o->ndomains++] = dname_normalize(val);
		return 0;
	case OPT_NOW:
		return cmd_opt_now("cert", val, &o->now);
	case OPT_WARN_DAYS:
		return cmd_opt_warn_days("cert", val, &o->warn_days);
	default:
		return -1;
	}
}

static void
check_file(struct report *r, const char *path, const char *gateway,
    char *const *domains, size_t n, const struct cert_policy *pol)
{
	char *cause = NULL, *label;
	struct cert *c;
	struct cert_facts *facts;

	if ((c = cert_load_file(path, &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_FILE_UNREADABLE,
		    path, "%s", cause);
		report_set_unknown(r);
		free(cause);
		return;
	}
	label = gateway ? xasprintf("%s (gateway %s)", path, gateway) :
	    xstrdup(path);
	facts = cert_check(c, domains, n, pol, label, report_findings(r));
	render_cert(r, label, path, gateway, facts);
	cert_facts_free(facts);
	free(label);
	cert_free(c);
}

static int
cmd_cert_exec(struct globals *g, int argc, char **argv)
{
	struct cert_opts o;
	struct cmd_opts co = { "", cert_longopts, cert_opt, &o };
	struct cert_policy pol;
	struct report *r = NULL;
	struct plan *p = NULL;
	char *const *domains;
	size_t ndomains, checked = 0;
	int first, status;

	memset(&o, 0, sizeof o);
	o.now = time(NULL);
	o.warn_days = CERT_DEFAULT_WARN_DAYS;
	first = cmd_parse(&cmd_cert_entry, g, argc, argv, &co);
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("cert", g->json);
	/* The plan gives the domains unless --domain does, and the
	 * certificates unless files are named. */
	if ((o.ndomains == 0 || first == argc) &&
	    (p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	domains = o.ndomains ? o.domains : p->domains;
	ndomains = o.ndomains ? o.ndomains : p->ndomains;
	memset(&pol, 0, sizeof pol);
	pol.ca_file = g->ca;
	pol.now = o.now;
	pol.warn_days = o.warn_days;
	for (int i = first; i < argc; i++, checked++)
		check_file(r, argv[i], NULL, domains, ndomains, &pol);
	for (size_t i = 0; first == argc && i < p->ngateways; i++) {
		const struct gateway *gw = &p->gateways[i];

		if (gw->role == ROLE_NEW && gw->cert != NULL) {
			check_file(r, gw->cert, gw->host, domains, ndomains,
			    &pol);
			checked++;
		}
	}
	report_set_strings(r, "domains", domains, ndomains);
	if (checked == 0) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "no CERTFILE given and no new gateway of "
		    "the plan has a cert");
		report_set_unknown(r);
	}
emit:
	status = report_emit(r, g->quiet);
out:
	report_free(r);
	plan_free(p);
	for (size_t i = 0; i < o.ndomains; i++)
		free(o.domains[i]);
	free(o.domains);
	return status;
}

const struct cmd_entry cmd_cert_entry = {
	"cert",
	"[CERTFILE...] [--domain DOMAIN]... [--now TIME] [--warn-days N]",
	"offline check of a certificate file for the plan's domains",
	"      --domain DOMAIN        an XMPP domain the certificate must be\n"
	"                             valid for (repeatable; default: the\n"
	"                             plan's domains)\n"
	"      --now TIME             check as of TIME: YYYY-MM-DD[THH:MM:SS]\n"
	"                             (UTC) or @EPOCH (default: now)\n"
	"      --warn-days N          warn when the certificate expires\n"
	"                             within N days (default 21)\n"
	"  CERTFILE                   PEM, leaf first, then intermediates\n"
	"                             (default: the new gateways' cert)\n",
	cmd_cert_exec,
};
