/* cmd-diff.c — `xmppcut diff`: what changed between two saved JSON
 * reports of check, probe or monitor (before and after the cutover). */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "observe.h"

#define REPORT_MAX (64 * 1024 * 1024)

static const struct option diff_longopts[] = {
	{ NULL, 0, NULL, 0 }
};

static int
diff_opt(void *arg, int opt, const char *val)
{
	(void)arg;
	(void)opt;
	(void)val;
	return -1;
}

/* The observations of a saved report; NULL with a finding (exit 3). */
static json_t *
load(struct report *r, const char *path)
{
	json_error_t err;
	char *data, *cause = NULL;
	const char *why;
	json_t *doc, *obs;
	size_t len;

	if ((data = file_read(path, REPORT_MAX, &len, &cause)) == NULL) {
		findings_add_at(report_findings(r), SEV_ERROR,
		    F_FILE_UNREADABLE, path, 0, NULL, "%s", cause);
		free(cause);
		return NULL;
	}
	doc = json_loadb(data, len, 0, &err);
	free(data);
	if (doc == NULL) {
		findings_add_at(report_findings(r), SEV_ERROR,
		    F_REPORT_INVALID, path, (unsigned)err.line, NULL,
		    "not JSON: %s", err.text);
		return NULL;
	}
	if ((obs = observe_report(doc, &why)) == NULL)
		findings_add_at(report_findings(r), SEV_ERROR,
		    F_REPORT_INVALID, path, 0, NULL, "%s: save one with "
		    "xmppcut check|probe|monitor --json", why);
	json_decref(doc);
	return obs;
}

static int
cmd_diff_exec(struct globals *g, int argc, char **argv)
{
	struct cmd_opts co = { "", diff_longopts, diff_opt, NULL };
	struct report *r = NULL;
	json_t *before = NULL, *after = NULL, *changes, *c;
	int first, status;
	size_t i;

	first = cmd_parse(&cmd_diff_entry, g, argc, argv, &co);
	if (first >= 0 && argc - first != 2)
		first = cmd_usage_error("diff", "give two reports: BEFORE.json "
		    "AFTER.json");
	if (first < 0)
		return cmd_parse_status(first);
	r = report_new("diff", g->json);
	before = load(r, argv[first]);
	after = load(r, argv[first + 1]);
	if (before == NULL || after == NULL) {
		report_set_unknown(r);
		goto emit;
	}
	changes = observe_compare(before, after, report_findings(r));
	json_array_foreach(changes, i, c) {
		char *b = json_dumps(json_object_get(c, "before"),
		    JSON_COMPACT | JSON_ENCODE_ANY);
		char *a = json_dumps(json_object_get(c, "after"),
		    JSON_COMPACT | JSON_ENCODE_ANY);

		report_text(r, "%s: %s: %s -> %s\n", json_string_value(
		    json_object_get(c, "name")), json_string_value(
		    json_object_get(c, "what")), b ? b : "null", a ? a : "null");
		free(b);
		free(a);
	}
	if (json_array_size(changes) == 0)
		report_text(r, "no change\n");
	report_set(r, "changes", changes);
	report_set(r, "before", json_incref(before));
	report_set(r, "after", json_incref(after));
emit:
	status = report_emit(r, g->quiet);
	json_decref(before);
	json_decref(after);
	report_free(r);
	return status;
}

const struct cmd_entry cmd_diff_entry = {
	"diff",
	"BEFORE.json AFTER.json",
	"compare two saved JSON reports (before/after the cutover)",
	NULL,
	cmd_diff_exec,
};
