/* cmd-monitor.c — `xmppcut monitor`: cron mode. check and probe of the
 * partners in one run within a total time bound, one Nagios/Icinga line,
 * state kept between runs (what changed), Prometheus metrics. */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cmd.h"
#include "dnslive.h"
#include "observe.h"
#include "probe.h"
#include "prom.h"
#include "state.h"

enum { OPT_EXPECT = 2000, OPT_STATE, OPT_PROM, OPT_MAX_TIME };

struct monitor_opts {
	int expect_given, stage_given;
	enum role expect;
	enum stage stage;
	const char *state;
	const char *prom;
	unsigned max_time;
};

static const struct option monitor_longopts[] = {
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "stage", required_argument, NULL, 's' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ NULL, 0, NULL, 0 }
};

static int
monitor_opt(void *arg, int opt, const char *val)
{
	struct monitor_opts *o = arg;
	uint64_t v;

	switch (opt) {
	case OPT_EXPECT:
		o->expect_given = 1;
		return cmd_opt_expect("monitor", val, &o->expect);
	case 's':
		o->stage_given = 1;
		return cmd_opt_stage("monitor", val, &o->stage);
	case OPT_STATE:
		o->state = val;
		return 0;
	case OPT_PROM:
		o->prom = val;
		return 0;
	case OPT_MAX_TIME:
		if (parse_uint(val, 1, 86400, &v) == -1)
			return cmd_usage_error("monitor", "--max-time %s: "
			    "expected seconds from 1 to 86400", val);
		o->max_time = (unsigned)v;
		return 0;
	default:
		return -1;
	}
}

/* The probes: the plan's domains (no 'from': the gateway serves them)
 * whose DNS answered, and the partners (from the plan's 'from'). */
static void
run_probes(struct report *r, struct globals *g, const struct plan *p,
    json_t *dns, uint64_t deadline, json_t **own, json_t **partners)
{
	struct probe_request *reqs = xcalloc(p->ndomains + p->npartners + 1,
	    sizeof *reqs);
	struct resolver_opts ro;
	struct probe_opts po;
	size_t n = 0, nown;
	json_t *list, *d;
	size_t i;

	for (size_t k = 0; k < p->ndomains; k++)
		if (dnslive_srv_usable(dns, p->domains[k]))
			reqs[n++].domain = p->domains[k];
	nown = n;
	for (size_t k = 0; k < p->npartners; k++) {
		reqs[n].domain = p->partners[k];
		reqs[n++].from = p->from;
	}
	probe_opts_from(&po, &ro, g);
	po.deadline_ms = deadline;
	*own = json_array();
	*partners = json_array();
	if ((list = probe_into_report(r, &po, reqs, n)) != NULL) {
		json_array_foreach(list, i, d)
			json_array_append(i < nown ? *own : *partners, d);
		json_decref(list);
	}
	free(reqs);
}

/* The state: compare with the last run, then keep this one. */
static void
keep_state(struct report *r, struct state *st, json_t *obs)
{
	struct findings *f = report_findings(r);
	enum state_read how;
	char *why = NULL;
	json_t *last = state_read(st, &how, &why);

	if (how == STATE_MISSING)
		findings_add(f, SEV_INFO, F_STATE_RESET, NULL, "no state file "
		    "yet: this run is the baseline");
	else if (how == STATE_BAD)
		findings_add(f, SEV_WARNING, F_STATE_RESET, NULL, "%s: a fresh "
		    "baseline was written", why);
	else
		report_set(r, "changes", observe_compare(last, obs, f));
	free(why);
	json_decref(last);
	if (state_write(st, obs, &why) == -1) {
		findings_add(f, SEV_ERROR, F_STATE_WRITE_FAILED, NULL, "cannot "
		    "write the state: %s", why);
		report_set_unknown(r);
		free(why);
	}
}

static void
count_reach(const json_t *list, size_t *reach, long long *days)
{
	const json_t *p;
	size_t i;

	json_array_foreach(list, i, p) {
		const json_t *c = json_object_get(p, "certificate");

		*reach += json_is_true(json_object_get(p, "reachable"));
		if (json_is_integer(json_object_get(c, "days_left")) &&
		    (*days < 0 || json_integer_value(json_object_get(c,
		    "days_left")) < *days))
			*days = json_integer_value(json_object_get(c,
			    "days_left"));
	}
}

static int
same_place(const struct finding *a, const struct finding *b)
{
	return a->id == b->id && ((a->subject == NULL &&
	    b->subject == NULL) || (a->subject != NULL && b->subject != NULL &&
	    strcmp(a->subject, b->subject) == 0));
}

/* XMPPCUT STATUS - summary | perfdata (the Nagios plugin convention). */
static char *
nagios_line(struct report *r, const struct plan *p, const json_t *own,
    const json_t *partners, double secs)
{
	const struct findings *f = report_findings(r);
	size_t reach_d = 0, reach_p = 0, e, w, shown = 0;
	long long days = -1;
	int status = report_status(r);
	struct buf b = { 0 };

	count_reach(own, &reach_d, &days);
	count_reach(partners, &reach_p, &days);
	e = findings_count(f, SEV_ERROR);
	w = findings_count(f, SEV_WARNING);
	buf_addf(&b, "XMPPCUT %s - ", report_status_name(status));
	if (e + w == 0) {
		buf_addf(&b, "%zu/%zu domains and %zu/%zu partners reachable",
		    reach_d, p->ndomains, reach_p, p->npartners);
		if (days >= 0)
			buf_addf(&b, ", certificates valid %lld+ days", days);
	} else {
		buf_addf(&b, "%zu error%s, %zu warning%s:", e, e == 1 ? "" :
		    "s", w, w == 1 ? "" : "s");
		/* the first three distinct [id] subject, errors first */
		for (int sev = SEV_ERROR; sev >= SEV_WARNING; sev--) {
			for (size_t i = 0; i < f->n && shown < 3; i++) {
				size_t same = 0, k;

				if ((int)f->v[i].severity != sev)
					continue;
				for (k = 0; k < i; k++)
					if (same_place(&f->v[k], &f->v[i]))
						break;
				if (k < i)
					continue;	/* counted already */
				for (k = i; k < f->n; k++)
					same += same_place(&f->v[k], &f->v[i]);
				buf_addf(&b, "%s [%s] %s", shown ? ";" : "",
				    finding_name(f->v[i].id), f->v[i].subject ?
				    f->v[i].subject : "");
				if (same > 1)
					buf_addf(&b, " (%zu)", same);
				shown++;
			}
		}
		if (shown == 3)
			buf_addf(&b, "; ...");
		buf_addf(&b, "; %zu/%zu partners reachable", reach_p,
		    p->npartners);
	}
	buf_addf(&b, " | domains=%zu domains_reachable=%zu partners=%zu "
	    "partners_reachable=%zu", p->ndomains, reach_d, p->npartners,
	    reach_p);
	if (days >= 0)
		buf_addf(&b, " cert_days=%lld;%d;0", days,
		    CERT_DEFAULT_WARN_DAYS);
	buf_addf(&b, " errors=%zu warnings=%zu duration=%.3fs", e, w, secs);
	return buf_take(&b);
}

static int
cmd_monitor_exec(struct globals *g, int argc, char **argv)
{
	struct monitor_opts o;
	struct cmd_opts co = { "s:", monitor_longopts, monitor_opt, &o };
	uint64_t start = now_ms();
	struct resolver_opts ro;
	struct dnslive_opts dl;
	struct report *r = NULL;
	struct plan *p = NULL;
	struct state *st = NULL;
	json_t *dns = NULL, *own = NULL, *partners = NULL, *doc, *obs;
	char *cause = NULL, *line, *metrics;
	const char *why;
	int first, status, busy;

	memset(&o, 0, sizeof o);
	o.max_time = 60;
	first = cmd_parse(&cmd_monitor_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("monitor", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && o.expect_given && o.stage_given)
		first = cmd_usage_error("monitor", "give --expect or --stage, "
		    "not both");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("monitor", g->json);
	/* cron may start a run while the last one still works */
	if (o.state != NULL && (st = state_open(o.state, &busy, &cause)) ==
	    NULL) {
		findings_add(report_findings(r), SEV_ERROR, busy ?
		    F_STATE_LOCKED : F_STATE_WRITE_FAILED, o.state, "%s",
		    cause);
		report_set_unknown(r);
		free(cause);
		report_set_line(r, busy ? "XMPPCUT UNKNOWN - another monitor "
		    "run holds the state file's lock" : "XMPPCUT UNKNOWN - "
		    "cannot lock the state file");
		goto emit;
	}
	if ((p = cmd_load_plan(g, r)) == NULL) {
		report_set_line(r, "XMPPCUT UNKNOWN - the plan cannot be used");
		goto emit;
	}
	resolver_opts_from(&ro, g);
	dl.ro = &ro;
	dl.plan = p;
	dl.stage = o.stage_given ? o.stage : o.expect_given &&
	    o.expect == ROLE_OLD ? STAGE_CURRENT : STAGE_FINAL;
	dl.ttl_limit = o.stage_given && o.stage != STAGE_FINAL;
	if (dnslive_check(&dl, report_findings(r), &dns, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_DNS_FAILURE,
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		report_set_line(r, "XMPPCUT UNKNOWN - no resolver");
		goto emit;
	}
	run_probes(r, g, p, dns, start + (uint64_t)o.max_time * 1000, &own,
	    &partners);
	report_set(r, "domains", json_incref(dns));
	report_set(r, "probes", json_incref(own));
	report_set(r, "partners", json_incref(partners));
	doc = json_pack("{s:s, s:[], s:O, s:O, s:O}", "command", "monitor",
	    "findings", "domains", dns, "probes", own, "partners", partners);
	obs = observe_report(doc, &why);
	if (st != NULL && obs != NULL)
		keep_state(r, st, obs);
	report_set(r, "observations", obs);
	if (o.prom != NULL) {
		json_object_set_new(doc, "summary", json_pack("{s:I, s:I, s:I}",
		    "errors", (json_int_t)findings_count(report_findings(r),
		    SEV_ERROR), "warnings", (json_int_t)findings_count(
		    report_findings(r), SEV_WARNING), "info", (json_int_t)
		    findings_count(report_findings(r), SEV_INFO)));
		metrics = prom_metrics(doc, report_status(r),
		    (double)(now_ms() - start) / 1000.0);
		if (file_write_atomic(o.prom, metrics, strlen(metrics),
		    &cause) == -1) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_METRICS_WRITE_FAILED, o.prom, "cannot write the "
			    "metrics: %s", cause);
			report_set_unknown(r);
			free(cause);
		}
		free(metrics);
	}
	json_decref(doc);
	line = nagios_line(r, p, own, partners,
	    (double)(now_ms() - start) / 1000.0);
	report_set_line(r, line);
	free(line);
emit:
	status = report_emit(r, g->quiet);
out:
	json_decref(dns);
	json_decref(own);
	json_decref(partners);
	state_close(st);
	report_free(r);
	plan_free(p);
	return status;
}

const struct cmd_entry cmd_monitor_entry = {
	"monitor",
	"[--expect old|new | --stage STAGE] [--state FILE] [--prom FILE]",
	"cron mode: check + probe, one status line, state kept between runs",
	"      --expect old|new       which gateways the records must name\n"
	"                             (default: new)\n"
	"  -s, --stage STAGE          the records of this stage, TTLs included\n"
	"      --state FILE           keep the observations here; what moved\n"
	"                             since the last run is a 'changed' finding\n"
	"                             (FILE.lock keeps two runs apart)\n"
	"      --prom FILE            write Prometheus metrics here (textfile\n"
	"                             collector), atomically\n"
	"      --max-time SECONDS     the whole run's bound (default 60)\n",
	cmd_monitor_exec,
};
