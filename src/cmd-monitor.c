/* cmd-monitor.c — `xmppcut monitor`: cron mode. check and probe of the
 * partners in one run within a total time bound, one Nagios/Icinga line,
 * state kept between runs (what changed), Prometheus metrics. */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cmd.h"
#include "dnslive.h"
#include "observe.h"
#include "observe.h"
#include "probe.h"
#include "prom.h"
#include "render.h"
#include "state.h"

enum { OPT_EXPECT = 2000, OPT_STATE, OPT_PROM, OPT_MAX_TIME, OPT_WARN_DAYS };

struct monitor_opts {
	int expect_given, stage_given;
	enum role expect;
	enum stage stage;
	const char *state;
	const char *prom;
	unsigned max_time;
	unsigned warn_days;
};

static const struct option monitor_longopts[] = {
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "stage", required_argument, NULL, 's' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "warn-days", required_argument, NULL, OPT_WARN_DAYS },
	{ NULL, 0, NULL, 0 }
};

static int
monitor_opt(void *arg, int opt, const char *val)
{
	struct monitor_opts *o = arg;

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
		return cmd_opt_max_time("monitor", val, &o->max_time);
	case OPT_WARN_DAYS:
		return cmd_opt_warn_days("monitor", val, &o->warn_days);
	default:
		return -1;
	}
}

/* What one run found, for the line, the metrics and the report. */
struct monitor_run {
	struct dnslive_result dns;
	struct probe_result *res;	/* own, then partners */
	size_t nown, npartners;
	struct observations obs;
	struct changes changes;
};

/* The probes: the plan's domains (no 'from': the gateway serves them)
 * whose DNS answered, and the partners (from the plan's 'from'). */
static void
run_probes(struct report *r, struct globals *g, const struct plan *p,
    const struct monitor_opts *o, uint64_t deadline, struct monitor_run *m)
{
	struct probe_request *reqs = xcalloc(p->ndomains + p->npartners + 1,
	    sizeof *reqs);
	struct resolver_opts ro;
	struct probe_opts po;
	size_t n = 0;

	for (size_t k = 0; k < m->dns.n; k++) {
		if (m->dns.v[k].srv_usable) {
			reqs[n].every = 1;	/* every endpoint matters */
			reqs[n++].domain = m->dns.v[k].domain;
		}
	}
	m->nown = n;
	for (size_t k = 0; k < p->npartners; k++) {
		reqs[n].domain = p->partners[k];
		reqs[n++].from = p->from;
	}
	probe_opts_from(&po, &ro, g);
	po.stable = 1;
	po.deadline_ms = deadline;
	po.warn_days = o->warn_days;
	if ((m->res = probe_into_report(r, &po, reqs, n)) != NULL)
		m->npartners = n - m->nown;
	else
		m->nown = 0;
	free(reqs);
}

/* The state: compare with the last run, then keep this one, with the
 * endpoints this run did not try carried over. */
static void
keep_state(struct report *r, struct state *st, struct monitor_run *m)
{
	struct findings *f = report_findings(r);
	struct observations last = { 0 }, keep = { 0 };
	char *why = NULL;
	enum state_read how = state_read(st, &last, &why);

	if (how == STATE_UNREADABLE) {
		/* not ours to overwrite: someone must look at it */
		findings_add(f, SEV_ERROR, F_STATE_WRITE_FAILED, NULL, "cannot "
		    "read the state: %s; it is left as it is", why);
		free(why);
		return;
	}
	if (how == STATE_MISSING)
		findings_add(f, SEV_INFO, F_STATE_RESET, NULL, "no state file "
		    "yet: this run is the baseline");
	else if (how == STATE_BAD)
		findings_add(f, SEV_WARNING, F_STATE_RESET, NULL, "%s: a fresh "
		    "baseline was written", why);
	else
		observe_compare(&last, &m->obs, &m->changes, f);
	free(why);
	why = NULL;
	observe_copy(&keep, &m->obs);
	observe_carry(&keep, &last);
	if (state_write(st, &keep, &why) == -1) {
		findings_add(f, SEV_ERROR, F_STATE_WRITE_FAILED, NULL, "cannot "
		    "write the state: %s", why);
		free(why);
	}
	observations_free(&keep);
	observations_free(&last);
}

/* Reachable domains and partners, how many were not probed (unprobed:
 * NULL, not counted), and the fewest days a certificate or its chain has
 * left (negative once expired; *seen 0: none seen). */
static void
count_reach(const struct probe_result *v, size_t n, size_t *reach,
    long long *days, int *seen, size_t *unprobed)
{
	for (size_t i = 0; i < n; i++) {
		const struct probe_attempt *a = probe_tls_attempt(&v[i]);

		if (unprobed != NULL)
			*unprobed += v[i].not_started != 0;
		*reach += v[i].reachable != 0;
		/* the whole chain: an intermediate may end first */
		if (a != NULL && a->cert != NULL && (!*seen ||
		    a->cert->chain_days_left < *days)) {
			*days = a->cert->chain_days_left;
			*seen = 1;
		}
	}
}

static int
same_place(const struct finding *a, const struct finding *b)
{
	return a->id == b->id && ((a->subject == NULL &&
	    b->subject == NULL) || (a->subject != NULL && b->subject != NULL &&
	    strcmp(a->subject, b->subject) == 0));
}

/* The first three distinct "[id] subject", errors first. */
static void
worst(struct buf *b, const struct findings *f)
{
	size_t shown = 0;

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
			buf_addf(b, "%s [%s] %s", shown ? ";" : "",
			    finding_name(f->v[i].id), f->v[i].subject ?
			    f->v[i].subject : "");
			if (same > 1)
				buf_addf(b, " (%zu)", same);
			shown++;
		}
	}
	if (shown == 3)
		buf_addf(b, "; ...");
}

/* XMPPCUT STATUS - summary | perfdata (the Nagios plugin convention:
 * thresholds in range syntax, cert_days=N;WARN:;CRIT:). The report
 * escapes it when it prints it. */
static char *
nagios_line(struct report *r, const struct plan *p,
    const struct monitor_run *m, unsigned warn_days, double secs)
{
	const struct findings *f = report_findings(r);
	size_t reach_d = 0, reach_p = 0, unprobed = 0, e, w;
	size_t ndomains = p ? p->ndomains : 0, npartners = p ? p->npartners :
	    0;
	long long days = 0;
	int status = report_status(r), seen = 0;
	struct buf b = { 0 };

	count_reach(m->res, m->nown, &reach_d, &days, &seen, NULL);
	count_reach(m->res ? m->res + m->nown : NULL, m->npartners, &reach_p,
	    &days, &seen, &unprobed);
	e = findings_count(f, SEV_ERROR);
	w = findings_count(f, SEV_WARNING);
	buf_addf(&b, "XMPPCUT %s - ", report_status_name(status));
	if (status == XC_EXIT_UNKNOWN) {
		/* what kept the run from its job */
		for (size_t i = 0; i < f->n; i++) {
			if (!finding_kinds[f->v[i].id].unknown)
				continue;
			/* in Nagios the line is all the admin sees: where */
			buf_addf(&b, "[%s] ", finding_name(f->v[i].id));
			if (f->v[i].file != NULL && f->v[i].line > 0)
				buf_addf(&b, "%s:%u: ", f->v[i].file,
				    f->v[i].line);
			else if (f->v[i].file != NULL)
				buf_addf(&b, "%s: ", f->v[i].file);
			buf_addf(&b, "%s%s%s", f->v[i].subject ?
			    f->v[i].subject : "", f->v[i].subject ? ": " : "",
			    f->v[i].message);
			break;
		}
	} else if (e + w == 0) {
		buf_addf(&b, "%zu/%zu domains and %zu/%zu partners reachable",
		    reach_d, ndomains, reach_p, npartners);
		if (seen)
			buf_addf(&b, ", certificates valid %lld+ days", days);
	} else {
		buf_addf(&b, "%zu error%s, %zu warning%s:", e, e == 1 ? "" :
		    "s", w, w == 1 ? "" : "s");
		worst(&b, f);
		buf_addf(&b, "; %zu/%zu partners reachable", reach_p,
		    npartners);
		if (unprobed > 0)
			buf_addf(&b, " (%zu not probed before --max-time)",
			    unprobed);
	}
	/* what was not measured (a run stopped before probing) is left
	 * out, not graphed as zero */
	buf_addf(&b, " |");
	if (m->res != NULL)
		buf_addf(&b, " domains=%zu domains_reachable=%zu partners=%zu "
		    "partners_reachable=%zu", ndomains, reach_d, npartners,
		    reach_p);
	if (seen)
		buf_addf(&b, " cert_days=%lld;%u:;0:", days, warn_days);
	buf_addf(&b, " errors=%zu warnings=%zu duration=%.3fs", e, w, secs);
	return buf_take(&b);
}

/* The metrics file, whatever the run reached: xmppcut_up 0 on UNKNOWN
 * (unknown: the run is UNKNOWN whatever the report says). */
static void
write_metrics(struct report *r, const char *path, const struct monitor_run *m,
    double secs, int unknown)
{
	const struct findings *f = report_findings(r);
	struct prom_run pr;
	char *metrics, *cause = NULL;

	memset(&pr, 0, sizeof pr);
	pr.status = unknown ? XC_EXIT_UNKNOWN : report_status(r);
	pr.seconds = secs;
	pr.errors = findings_count(f, SEV_ERROR);
	pr.warnings = findings_count(f, SEV_WARNING);
	pr.info = findings_count(f, SEV_INFO);
	pr.dns = &m->dns;
	pr.own = m->res;
	pr.nown = m->nown;
	pr.partners = m->res ? m->res + m->nown : NULL;
	pr.npartners = m->npartners;
	/* a failed write makes the run UNKNOWN: say that in the file too */
	for (int round = 0; round < 2; round++) {
		metrics = prom_metrics(&pr);
		if (file_write_atomic(path, metrics, strlen(metrics), &cause)
		    == 0) {
			free(metrics);
			return;
		}
		free(metrics);
		if (round == 0) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_METRICS_WRITE_FAILED, path, "cannot write the "
			    "metrics: %s", cause);
			pr.status = XC_EXIT_UNKNOWN;
		}
		free(cause);
		cause = NULL;
	}
}

/* Check, probes, state: as far as the run gets. */
static void
monitor(struct report *r, struct globals *g, const struct monitor_opts *o,
    const struct plan *p, struct state *st, uint64_t start,
    struct monitor_run *m)
{
	struct resolver_opts ro;
	struct dnslive_opts dl;
	char *cause = NULL;

	resolver_opts_from(&ro, g);
	cmd_trust_anchor(r, &ro);
	memset(&dl, 0, sizeof dl);
	dl.ro = &ro;
	dl.plan = p;
	dl.family = g->family;
	dl.stage = o->stage_given ? o->stage : o->expect_given &&
	    o->expect == ROLE_OLD ? STAGE_CURRENT : STAGE_FINAL;
	dl.ttl_limit = o->stage_given && o->stage != STAGE_FINAL;
	if (dnslive_check(&dl, report_findings(r), &m->dns, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "%s", cause);
		free(cause);
		return;
	}
	run_probes(r, g, p, o, start + (uint64_t)o->max_time * 1000, m);
	render_dns(r, &m->dns);
	render_probes(r, "probes", m->res, m->nown);
	render_probes(r, "partners", m->res ? m->res + m->nown : NULL,
	    m->npartners);
	observe_dns(&m->obs, &m->dns);
	observe_probes(&m->obs, m->res, m->nown, OBS_DOMAIN);
	observe_probes(&m->obs, m->res ? m->res + m->nown : NULL,
	    m->npartners, OBS_PARTNER);
	/* a run that could not do its job would leave a false baseline */
	if (st != NULL && report_status(r) != XC_EXIT_UNKNOWN)
		keep_state(r, st, m);
	render_observations(r, "observations", &m->obs);
	if (st != NULL)
		render_changes(r, &m->changes, 0);
}

static int
cmd_monitor_exec(struct globals *g, int argc, char **argv)
{
	struct monitor_opts o;
	struct cmd_opts co = { "s:", monitor_longopts, monitor_opt, &o };
	uint64_t start = now_ms();
	struct monitor_run m;
	struct report *r = NULL;
	struct plan *p = NULL;
	struct state *st = NULL;
	char *cause = NULL, *line;
	int first, status, busy;
	double secs;

	memset(&o, 0, sizeof o);
	memset(&m, 0, sizeof m);
	o.max_time = DEFAULT_MAX_TIME;
	o.warn_days = CERT_DEFAULT_WARN_DAYS;
	first = cmd_parse(&cmd_monitor_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("monitor", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && o.expect_given && o.stage_given)
		first = cmd_usage_error("monitor", "give --expect or --stage, "
		    "not both");
	if (first < 0)
		return cmd_parse_status(first);
	r = report_new("monitor", g->json);
	/* cron may start a run while the last one still works */
	if (o.state != NULL && (st = state_open(o.state, &busy, &cause)) ==
	    NULL) {
		findings_add(report_findings(r), SEV_ERROR, busy ?
		    F_STATE_LOCKED : F_STATE_WRITE_FAILED, o.state, "%s",
		    cause);
		free(cause);
	} else if ((p = cmd_load_plan(g, r)) != NULL) {
		monitor(r, g, &o, p, st, start, &m);
	}
	secs = (double)(now_ms() - start) / 1000.0;
	if (o.prom != NULL)
		write_metrics(r, o.prom, &m, secs, 0);
	line = nagios_line(r, p, &m, o.warn_days, secs);
	report_set_string(r, "line", line);	/* for the cron wrapper */
	report_set_line(r, line);
	free(line);
	status = report_emit(r, g->quiet);
	/* the line did not reach stdout (main makes it exit 3): the metrics
	 * must not say the run was OK */
	if (o.prom != NULL && ferror(stdout))
		write_metrics(r, o.prom, &m, secs, 1);
	dnslive_result_free(&m.dns);
	probe_results_free(m.res, m.nown + m.npartners);
	observations_free(&m.obs);
	changes_free(&m.changes);
	state_close(st);
	report_free(r);
	plan_free(p);
	return status;
}

const struct cmd_entry cmd_monitor_entry = {
	"monitor",
	"[--expect old|new | --stage STAGE] [--state FILE] [--prom FILE]\n       [--warn-days N]",
	"cron mode: check + probe, one status line, state kept between runs",
	"      --expect old|new       which gateways the records must name\n"
	"                             (default: new)\n"
	"  -s, --stage STAGE          the records of this stage, TTLs included\n"
	"      --state FILE           keep the observations here; what moved\n"
	"                             since the last run is a 'changed' finding\n"
	"                             (FILE.lock keeps two runs apart)\n"
	"      --prom FILE            write Prometheus metrics here (textfile\n"
	"                             collector), atomically\n"
	"      --warn-days N          warn when a certificate expires within\n"
	"                             N days (default 21; also the cert_days\n"
	"                             warning threshold in the perfdata)\n"
	"      --max-time SECONDS     the whole run's bound (default 60)\n",
	cmd_monitor_exec,
};
