/* report.c — the one writer of stdout. */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The version of the JSON report format, "schema" in every report
 * (doc/xmppcut-report.schema.json describes it). Within one version keys
 * are only ever added; a key renamed or removed, or a changed type, makes
 * a new version. */
#define REPORT_SCHEMA 1

struct report {
	char *command;
	struct findings findings;
	json_t *obs;		/* observations, merged into the document */
	struct buf text;
	int text_is_data;
	int unknown;
	int json;
	char *line;
};

struct report *
report_new(const char *command, int json)
{
	struct report *r = xcalloc(1, sizeof *r);

	r->json = json;
	r->command = xstrdup(command);
	r->obs = json_object();
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->command);
	free(r->line);
	findings_free(&r->findings);
	json_decref(r->obs);
	buf_free(&r->text);
	free(r);
}

struct findings *
report_findings(struct report *r)
{
	return &r->findings;
}

void
report_set_unknown(struct report *r)
{
	r->unknown = 1;
}

int
report_is_unknown(const struct report *r)
{
	return r->unknown;
}

int
report_wants_json(const struct report *r)
{
	return r->json;
}

/* Observations are only ever printed as JSON: a text report drops them
 * (a zone's 200,000 domain names cost lint a third of its memory). */
void
report_set_json(struct report *r, const char *key, json_t *v)
{
	if (!r->json) {
		json_decref(v);
		return;
	}
	json_object_set_new(r->obs, key, v);
}

void
report_push_json(struct report *r, const char *key, json_t *v)
{
	json_t *a = json_object_get(r->obs, key);

	if (!r->json) {
		json_decref(v);
		return;
	}
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(r->obs, key, a);
	}
	json_array_append_new(a, v);
}

void
report_set_string(struct report *r, const char *key, const char *v)
{
	report_set_json(r, key, v ? json_string(v) : json_null());
}

void
report_set_int(struct report *r, const char *key, long long v)
{
	report_set_json(r, key, json_integer((json_int_t)v));
}

void
report_set_strings(struct report *r, const char *key, char *const *v,
    size_t n)
{
	json_t *a;

	if (!r->json)
		return;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	report_set_json(r, key, a);
}

void
report_text(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->json)	/* a JSON report has no text */
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_add(&r->text, s);
	free(s);
}

void
report_set_line(struct report *r, const char *line)
{
	free(r->line);
	r->line = xstrdup(line);
}

void
report_text_is_data(struct report *r)
{
	r->text_is_data = 1;
}

int
report_status(const struct report *r)
{
	if (r->unknown)
		return XC_EXIT_UNKNOWN;
	for (size_t i = 0; i < r->findings.n; i++)
		if (finding_kinds[r->findings.v[i].id].unknown)
			return XC_EXIT_UNKNOWN;
	if (findings_count(&r->findings, SEV_ERROR) > 0)
		return XC_EXIT_CRITICAL;
	if (findings_count(&r->findings, SEV_WARNING) > 0)
		return XC_EXIT_WARNING;
	return XC_EXIT_OK;
}

const char *
report_status_name(int status)
{
	switch (status) {
	case XC_EXIT_OK:
		return "OK";
	case XC_EXIT_WARNING:
		return "WARNING";
	case XC_EXIT_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

static json_t *
finding_json(const struct finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(finding_name(f->id)));
	json_object_set_new(o, "severity",
	    json_string(severity_name(f->severity)));
	json_object_set_new(o, "subject",
	    f->subject ? json_string(f->subject) : json_null());
	json_object_set_new(o, "message", json_string(f->message));
	if (f->file != NULL) {
		json_object_set_new(o, "file", json_string(f->file));
		json_object_set_new(o, "line", json_integer(f->line));
	}
	return o;
}

static json_t *
summary_json(const struct report *r, int status)
{
	json_t *o = json_object();

	json_object_set_new(o, "errors",
	    json_integer((json_int_t)findings_count(&r->findings, SEV_ERROR)));
	json_object_set_new(o, "warnings", json_integer(
	    (json_int_t)findings_count(&r->findings, SEV_WARNING)));
	json_object_set_new(o, "info",
	    json_integer((json_int_t)findings_count(&r->findings, SEV_INFO)));
	json_object_set_new(o, "status",
	    json_string(report_status_name(status)));
	json_object_set_new(o, "exit", json_integer(status));
	return o;
}

static void
emit_json(struct report *r, int status)
{
	json_t *doc = json_object(), *list = json_array();
	char *s;

	json_object_set_new(doc, "command", json_string(r->command));
	json_object_set_new(doc, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(doc, "schema", json_integer(REPORT_SCHEMA));
	for (size_t i = 0; i < r->findings.n; i++)
		json_array_append_new(list, finding_json(&r->findings.v[i]));
	json_object_set_new(doc, "findings", list);
	json_object_set_new(doc, "summary", summary_json(r, status));
	json_object_update(doc, r->obs);
	s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	free(s);
	json_decref(doc);
}

/* s escaped (str_escape) on out. */
static void
put_safe(FILE *out, const char *s)
{
	char *e = str_escape(s);

	fputs(e, out);
	free(e);
}

/* FILE:LINE: severity: [id] subject: message — one finding per line,
 * in the shape editors and grep already understand. Subject and message
 * may hold what a peer sent: escaped, so that they stay on their line. */
static void
emit_finding_text(FILE *out, const struct finding *f)
{
	if (f->file != NULL) {
		put_safe(out, f->file);
		if (f->line > 0)
			fprintf(out, ":%u", f->line);
		fputs(": ", out);
	}
	fprintf(out, "%s: [%s] ", severity_name(f->severity),
	    finding_name(f->id));
	if (f->subject != NULL) {
		put_safe(out, f->subject);
		fputs(": ", out);
	}
	put_safe(out, f->message);
	fputc('\n', out);
}

static void
emit_text(struct report *r, int status, int quiet)
{
	FILE *out = r->text_is_data ? stderr : stdout;
	size_t e, w, i;

	if (r->line != NULL) {
		put_safe(stdout, r->line);
		fputc('\n', stdout);
		return;
	}
	/* -q: only warnings and errors; data (a script) is printed anyway */
	if (r->text.len > 0 && (!quiet || r->text_is_data))
		fputs(r->text.s, stdout);
	for (size_t k = 0; k < r->findings.n; k++) {
		if (quiet && r->findings.v[k].severity == SEV_INFO)
			continue;
		emit_finding_text(out, &r->findings.v[k]);
	}
	if (quiet || (r->text_is_data && r->findings.n == 0))
		return;
	e = findings_count(&r->findings, SEV_ERROR);
	w = findings_count(&r->findings, SEV_WARNING);
	i = findings_count(&r->findings, SEV_INFO);
	fprintf(out, "%s: %zu error%s, %zu warning%s, %zu info — %s\n",
	    r->command, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s", i,
	    report_status_name(status));
}

int
report_emit(struct report *r, int quiet)
{
	int status = report_status(r);

	if (r->json)
		emit_json(r, status);
	else
		emit_text(r, status, quiet);
	fflush(stdout);
	return status;
}
