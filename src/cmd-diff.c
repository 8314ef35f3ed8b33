/* cmd-diff.c — `xmppcut diff`: what changed between two saved JSON
 * reports of check, probe or monitor (before and after the cutover), or
 * monitor's state files. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "obsfile.h"
#include "observe.h"
#include "render.h"

/* The observations of a saved report: 0, or -1 with a finding (exit 3). */
static int
load(struct report *r, const char *path, struct observations *o)
{
	char *why = NULL;
	int unreadable;

	if (obsfile_read(path, OBSFILE_ANY, o, &unreadable, &why) == 0)
		return 0;
	if (unreadable)
		findings_add_at(report_findings(r), SEV_ERROR,
		    F_FILE_UNREADABLE, path, 0, NULL, "%s", why);
	else
		findings_add_at(report_findings(r), SEV_ERROR,
		    F_REPORT_INVALID, path, 0, NULL, "%s: save one with "
		    "xmppcut check|probe|monitor --json, or give a monitor "
		    "--state file", why);
	free(why);
	return -1;
}

static int
cmd_diff_exec(struct globals *g, int argc, char **argv)
{
	struct cmd_opts co = { NULL, NULL, NULL, NULL };
	struct observations before = { 0 }, after = { 0 };
	struct changes changes = { 0 };
	struct report *r = NULL;
	int first, status, bad;

	first = cmd_parse(&cmd_diff_entry, g, argc, argv, &co);
	if (first >= 0 && argc - first != 2)
		first = cmd_usage_error("diff", "give two reports: BEFORE.json "
		    "AFTER.json");
	if (first < 0)
		return cmd_parse_status(first);
	r = report_new("diff", g->json);
	bad = load(r, argv[first], &before);
	bad |= load(r, argv[first + 1], &after);
	if (bad) {
		report_set_unknown(r);
		goto emit;
	}
	observe_compare(&before, &after, &changes, report_findings(r));
	render_changes(r, &changes, 1);
	render_observations(r, "before", &before);
	render_observations(r, "after", &after);
emit:
	status = report_emit(r, g->quiet);
	changes_free(&changes);
	observations_free(&before);
	observations_free(&after);
	report_free(r);
	return status;
}

const struct cmd_entry cmd_diff_entry = {
	"diff",
	"BEFORE.json AFTER.json",
	"compare two saved JSON reports (before/after the cutover)",
	"  BEFORE.json AFTER.json\n"
	"                             reports of check, probe or monitor\n"
	"                             (--json), or monitor --state files\n",
	cmd_diff_exec,
};
