/* prom.c — Prometheus metrics of a monitor run. */
#include "prom.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* A label value, escaped as the exposition format wants. */
static void
label(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			buf_addf(b, "\\%c", *v);
		else if (*v == '\n')
			buf_add(b, "\\n");
		else
			buf_addf(b, "%c", *v);
	}
}

static void
family(struct buf *b, const char *name, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample per probe of a list: name{kind="...",name="..."} value. */
static void
per_probe(struct buf *b, const char *metric, const struct probe_result *v,
    size_t n, const char *kind, double (*value)(const struct probe_result *,
    int *))
{
	for (size_t i = 0; i < n; i++) {
		int ok = 1;
		double x;

		/* --max-time came before it started: nothing is known of
		 * it, and no series says otherwise */
		if (v[i].not_started)
			continue;
		x = value(&v[i], &ok);
		if (!ok)
			continue;
		buf_addf(b, "%s{kind=\"%s\",name=\"", metric, kind);
		label(b, v[i].domain);
		/* whole numbers (timestamps) in full: %.6g rounded a
		 * certificate's expiry by up to 5,000 s */
		if (x > -1e15 && x < 1e15 && (double)(long long)x == x)
			buf_addf(b, "\"} %lld\n", (long long)x);
		else
			buf_addf(b, "\"} %.6g\n", x);
	}
}

static double
reachable(const struct probe_result *p, int *ok)
{
	(void)ok;
	return p->reachable;
}

static double
duration(const struct probe_result *p, int *ok)
{
	(void)ok;
	return (double)p->ms / 1000.0;
}

static double
cert_expiry(const struct probe_result *p, int *ok)
{
	const struct probe_attempt *a = probe_tls_attempt(p);

	if (a == NULL || a->cert == NULL) {
		*ok = 0;
		return 0;
	}
	return (double)a->cert->chain_not_after;
}

static double
dane_ok(const struct probe_result *p, int *ok)
{
	const struct probe_attempt *a = probe_tls_attempt(p);

	if (a == NULL || !a->dane_used) {
		*ok = 0;
		return 0;
	}
	return a->dane_matched;
}

/* Each metric over the plan's domains and over the partners. */
static void
both(struct buf *b, const struct prom_run *run, const char *metric,
    double (*value)(const struct probe_result *, int *))
{
	per_probe(b, metric, run->own, run->nown, "domain", value);
	per_probe(b, metric, run->partners, run->npartners, "partner", value);
}

char *
prom_metrics(const struct prom_run *run)
{
	struct buf b = { 0 };
	const size_t counts[] = { run->errors, run->warnings, run->info };
	const char *const sev[] = { "errors", "warnings", "info" };

	family(&b, "xmppcut_up", "1 when the run could do its job (its "
	    "status is not UNKNOWN).");
	buf_addf(&b, "xmppcut_up %d\n", run->status != 3);
	family(&b, "xmppcut_status", "The run's exit status: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.");
	buf_addf(&b, "xmppcut_status %d\n", run->status);
	family(&b, "xmppcut_findings", "Findings of the run, by severity.");
	for (int i = 0; i < 3; i++)
		buf_addf(&b, "xmppcut_findings{severity=\"%s\"} %zu\n", sev[i],
		    counts[i]);
	family(&b, "xmppcut_reachable", "1 when a probe reached the stream "
	    "features after TLS.");
	both(&b, run, "xmppcut_reachable", reachable);
	family(&b, "xmppcut_probe_duration_seconds", "How long the probe "
	    "took.");
	both(&b, run, "xmppcut_probe_duration_seconds", duration);
	family(&b, "xmppcut_cert_expiry_timestamp_seconds", "When the "
	    "certificate presented or the chain it verifies along first "
	    "expires (Unix time).");
	both(&b, run, "xmppcut_cert_expiry_timestamp_seconds", cert_expiry);
	family(&b, "xmppcut_dane_matched", "1 when DANE applied and a TLSA "
	    "record matched.");
	both(&b, run, "xmppcut_dane_matched", dane_ok);
	family(&b, "xmppcut_dnssec_secure", "1 when the domain's SRV answer "
	    "was DNSSEC-secure, 0 insecure, -1 bogus.");
	for (size_t i = 0; run->dns != NULL && i < run->dns->n; i++) {
		const struct dnslive_domain *d = &run->dns->v[i];

		for (size_t k = 0; k < d->nrecords; k++) {
			const struct dns_answer *a = d->records[k];

			if (a->type != RR_SRV ||
			    strncmp(a->name, "_xmpp-server.", 13) != 0)
				continue;
			buf_add(&b, "xmppcut_dnssec_secure{domain=\"");
			label(&b, d->domain);
			buf_addf(&b, "\"} %d\n", a->dnssec == DNSSEC_SECURE ?
			    1 : a->dnssec == DNSSEC_BOGUS ? -1 : 0);
			break;
		}
	}
	family(&b, "xmppcut_run_duration_seconds", "How long the run took.");
	buf_addf(&b, "xmppcut_run_duration_seconds %.3f\n", run->seconds);
	family(&b, "xmppcut_last_run_timestamp_seconds", "When the run ended "
	    "(Unix time).");
	buf_addf(&b, "xmppcut_last_run_timestamp_seconds %lld\n",
	    (long long)time(NULL));
	return buf_take(&b);
}
