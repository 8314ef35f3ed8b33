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
per_probe(struct buf *b, const char *metric, const json_t *list,
    const char *kind, double (*value)(const json_t *, int *))
{
	const json_t *p;
	size_t i;

	json_array_foreach(list, i, p) {
		int ok = 1;
		double v = value(p, &ok);

		if (!ok)
			continue;
		buf_addf(b, "%s{kind=\"%s\",name=\"", metric, kind);
		label(b, json_string_value(json_object_get(p, "domain")));
		buf_addf(b, "\"} %.6g\n", v);
	}
}

static double
reachable(const json_t *p, int *ok)
{
	(void)ok;
	return json_is_true(json_object_get(p, "reachable"));
}

static double
duration(const json_t *p, int *ok)
{
	(void)ok;
	return (double)json_integer_value(json_object_get(p, "ms")) / 1000.0;
}

static double
cert_expiry(const json_t *p, int *ok)
{
	const json_t *c = json_object_get(p, "certificate");
	const char *na = json_string_value(json_object_get(c, "not_after"));
	time_t t;

	if (na == NULL || parse_time(na, &t) == -1) {
		*ok = 0;
		return 0;
	}
	return (double)t;
}

static double
dane_ok(const json_t *p, int *ok)
{
	const json_t *d = json_object_get(p, "dane");

	if (!json_is_true(json_object_get(d, "used"))) {
		*ok = 0;
		return 0;
	}
	return json_is_true(json_object_get(d, "matched"));
}

char *
prom_metrics(const json_t *report, int status, double seconds)
{
	const json_t *probes = json_object_get(report, "probes");
	const json_t *partners = json_object_get(report, "partners");
	const json_t *summary = json_object_get(report, "summary");
	const json_t *d, *rec;
	struct buf b = { 0 };
	size_t i, k;

	family(&b, "xmppcut_up", "1 when the run could do its job (its "
	    "status is not UNKNOWN).");
	buf_addf(&b, "xmppcut_up %d\n", status != 3);
	family(&b, "xmppcut_status", "The run's exit status: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.");
	buf_addf(&b, "xmppcut_status %d\n", status);
	family(&b, "xmppcut_findings", "Findings of the run, by severity.");
	for (const char *const *s = (const char *const[]){ "errors",
	    "warnings", "info", NULL }; *s != NULL; s++)
		buf_addf(&b, "xmppcut_findings{severity=\"%s\"} %lld\n", *s,
		    (long long)json_integer_value(json_object_get(summary,
		    *s)));
	family(&b, "xmppcut_reachable", "1 when a probe reached the stream "
	    "features after TLS.");
	per_probe(&b, "xmppcut_reachable", probes, "domain", reachable);
	per_probe(&b, "xmppcut_reachable", partners, "partner", reachable);
	family(&b, "xmppcut_probe_duration_seconds", "How long the probe "
	    "took.");
	per_probe(&b, "xmppcut_probe_duration_seconds", probes, "domain",
	    duration);
	per_probe(&b, "xmppcut_probe_duration_seconds", partners, "partner",
	    duration);
	family(&b, "xmppcut_cert_expiry_timestamp_seconds", "When the "
	    "certificate presented expires (Unix time).");
	per_probe(&b, "xmppcut_cert_expiry_timestamp_seconds", probes,
	    "domain", cert_expiry);
	per_probe(&b, "xmppcut_cert_expiry_timestamp_seconds", partners,
	    "partner", cert_expiry);
	family(&b, "xmppcut_dane_matched", "1 when DANE applied and a TLSA "
	    "record matched.");
	per_probe(&b, "xmppcut_dane_matched", probes, "domain", dane_ok);
	per_probe(&b, "xmppcut_dane_matched", partners, "partner", dane_ok);
	family(&b, "xmppcut_dnssec_secure", "1 when the domain's SRV answer "
	    "was DNSSEC-secure, 0 insecure, -1 bogus.");
	json_array_foreach(json_object_get(report, "domains"), i, d) {
		json_array_foreach(json_object_get(d, "records"), k, rec) {
			const char *sec = json_string_value(json_object_get(
			    rec, "dnssec"));
			const char *name = json_string_value(json_object_get(
			    rec, "name"));

			if (strncmp(name, "_xmpp-server.", 13) != 0)
				continue;
			buf_add(&b, "xmppcut_dnssec_secure{domain=\"");
			label(&b, json_string_value(json_object_get(d,
			    "domain")));
			buf_addf(&b, "\"} %d\n", strcmp(sec, "secure") == 0 ?
			    1 : strcmp(sec, "bogus") == 0 ? -1 : 0);
			break;
		}
	}
	family(&b, "xmppcut_run_duration_seconds", "How long the run took.");
	buf_addf(&b, "xmppcut_run_duration_seconds %.3f\n", seconds);
	family(&b, "xmppcut_last_run_timestamp_seconds", "When the run ended "
	    "(Unix time).");
	buf_addf(&b, "xmppcut_last_run_timestamp_seconds %lld\n",
	    (long long)time(NULL));
	return buf_take(&b);
}
