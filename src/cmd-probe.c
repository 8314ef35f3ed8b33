/* cmd-probe.c — `xmppcut probe`: can a server federate with these
 * domains? DOMAIN... or the plan's partners. */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cmd.h"
#include "dname.h"
#include "probe.h"

enum { OPT_PARTNERS = 2000, OPT_FROM, OPT_NOW, OPT_WARN_DAYS };

struct probe_cmd_opts {
	int partners;
	char *from;
	time_t now;
	unsigned warn_days;
};

static const struct option probe_longopts[] = {
	{ "partners", no_argument, NULL, OPT_PARTNERS },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "warn-days", required_argument, NULL, OPT_WARN_DAYS },
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
	default:
		return -1;
	}
}

void
probe_describe(struct report *r, const json_t *d)
{
	const json_t *by = json_object_get(d, "answered_by");
	const json_t *tls = json_object_get(d, "tls");
	const json_t *cert = json_object_get(d, "certificate");
	const json_t *feat = json_object_get(d, "features");
	const json_t *id = NULL;
	struct buf b = { 0 };
	size_t i;
	json_t *v;

	if (cert != NULL)
		id = json_array_get(json_object_get(cert, "identities"), 0);
	if (!json_is_true(json_object_get(d, "reachable"))) {
		report_text(r, "%s: unreachable (%zu attempt%s)\n",
		    json_str(d, "domain"), json_array_size(json_object_get(d,
		    "attempts")), json_array_size(json_object_get(d,
		    "attempts")) == 1 ? "" : "s");
		return;
	}
	buf_addf(&b, "%s: reachable via %s:%lld", json_str(d, "domain"),
	    json_str(by, "target"),
	    (long long)json_integer_value(json_object_get(by, "port")));
	if (strcmp(json_str(by, "target"), json_str(by, "address")) != 0)
		buf_addf(&b, " (%s)", json_str(by, "address"));
	buf_addf(&b, ", %s, %s %s", strcmp(json_str(tls, "mode"), "direct-tls") ==
	    0 ? "direct TLS" : "STARTTLS", json_str(tls, "version"),
	    json_str(tls, "cipher"));
	if (id != NULL)
		buf_addf(&b, ", certificate %s%s%s", json_str(id, "matched"),
		    strcmp(json_str(id, "matched"), "none") ? " " : "",
		    json_str(id, "identity"));
	if (json_is_true(json_object_get(json_object_get(d, "dane"), "used")))
		buf_addf(&b, ", DANE %s", json_is_true(json_object_get(
		    json_object_get(d, "dane"), "matched")) ? "ok" :
		    "mismatch");
	if (json_is_true(json_object_get(feat, "dialback")))
		buf_add(&b, ", dialback");
	json_array_foreach(json_object_get(feat, "sasl"), i, v)
		buf_addf(&b, ", SASL %s", json_string_value(v));
	report_text(r, "%s, %lld ms\n", b.s, (long long)json_integer_value(
	    json_object_get(d, "ms")));
	buf_free(&b);
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
probe_opts_from(struct probe_opts *po, struct resolver_opts *ro,
    const struct globals *g)
{
	resolver_opts_from(ro, g);
	memset(po, 0, sizeof *po);
	po->ro = ro;
	po->timeout_ms = g->timeout * 1000;
	po->jobs = g->jobs;
	po->ca_file = g->ca;
	po->now = time(NULL);
	po->warn_days = CERT_DEFAULT_WARN_DAYS;
}

/* Probe the requests; findings and descriptions into the report; the
 * observations as JSON, newly allocated. NULL when the engine cannot
 * start (a finding, and exit 3). */
json_t *
probe_into_report(struct report *r, const struct probe_opts *po,
    const struct probe_request *reqs, size_t n)
{
	struct probe_result *res = xcalloc(n ? n : 1, sizeof *res);
	char *cause = NULL;
	json_t *list;

	if (probe_run(po, reqs, n, res, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_DNS_FAILURE,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		free(res);
		return NULL;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		probe_describe(r, res[i].json);
		findings_move(report_findings(r), &res[i].findings);
		json_array_append_new(list, res[i].json);
	}
	free(res);
	return list;
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
	char **domains = NULL;
	size_t n = 0, reachable = 0;
	const char *why;
	json_t *list, *d;
	int first, status;

	memset(&o, 0, sizeof o);
	o.now = time(NULL);
	o.warn_days = CERT_DEFAULT_WARN_DAYS;
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
	if ((list = probe_into_report(r, &po, reqs, n)) == NULL)
		goto emit;
	json_array_foreach(list, n, d)
		reachable += json_is_true(json_object_get(d, "reachable"));
	report_set(r, "reachable", json_integer((json_int_t)reachable));
	report_set(r, "domains", list);
emit:
	status = report_emit(r, g->quiet);
out:
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
	"                             within N days (default 21)\n",
	cmd_probe_exec,
};
