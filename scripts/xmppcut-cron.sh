#!/bin/sh
# scripts/xmppcut-cron.sh — xmppcut monitor from cron: quiet while nothing
# changes, so cron mails only news.
#
#   xmppcut-cron.sh DIR [xmppcut options and monitor options...]
#
# Runs `xmppcut --json monitor --state DIR/state.json --prom
# DIR/xmppcut.prom OPTIONS...` (so -c, --expect, --stage, --max-time and
# every global option pass through), keeps its JSON report in
# DIR/last.json, its standard error in DIR/stderr.log, and appends its
# Nagios line to DIR/monitor.log. It prints the line (and cron mails it)
# only when the status differs from the last run's or the report holds
# news (a `changed` or `reachability-lost` finding, read from the JSON
# report with jq); it exits with monitor's status. Diagnostics never mix
# into the line. Example crontab line:
#
#   */5 * * * * /usr/share/xmppcut/xmppcut-cron.sh /var/lib/xmppcut -c /etc/xmppcut.conf --expect new
#
# XMPPCUT names the binary (default: xmppcut on PATH, else ./xmppcut
# next to this script's folder). Needs jq and flock. Runs in one DIR do
# not overlap: one that finds the last still working is skipped, said in
# DIR/monitor.log only -- unless no run has finished for an hour, which
# it says as an UNKNOWN line.
set -u
[ $# -ge 1 ] || { echo "usage: xmppcut-cron.sh DIR [options...]" >&2; exit 3; }
dir=$1
shift
mkdir -p "$dir" || exit 3
command -v jq >/dev/null 2>&1 || { echo "xmppcut-cron.sh: jq is missing" >&2; exit 3; }
command -v flock >/dev/null 2>&1 || { echo "XMPPCUT UNKNOWN - xmppcut-cron.sh: flock is missing"; exit 3; }
x=${XMPPCUT:-$(command -v xmppcut || echo "$(dirname "$0")/../xmppcut")}

# One run at a time in DIR: a run that starts while the last one still
# works (a slow partner, a short cron period) leaves it alone and says
# so in the log only -- no mail, no metrics or report overwritten.
exec 9>"$dir/.lock" || exit 3
if ! flock -n 9; then
	printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	    "skipped: the previous run still works in $dir" >>"$dir/monitor.log"
	# a run stuck for long (an hour without one finishing) is news
	if [ -z "$(find "$dir/last-status" -mmin -60 2>/dev/null)" ]; then
		echo "XMPPCUT UNKNOWN - no run has finished in $dir for an hour: one still holds it (see $dir/monitor.log)"
	fi
	exit 3
fi

"$x" --json monitor --state "$dir/state.json" --prom "$dir/xmppcut.prom" \
    "$@" >"$dir/last.json.tmp" 2>"$dir/stderr.log"
status=$?
mv "$dir/last.json.tmp" "$dir/last.json"
line=$(jq -r '.line // empty' "$dir/last.json" 2>/dev/null)
news=$(jq -r '[.findings[]? | select(.id == "changed" or .id == "reachability-lost")] | length' \
    "$dir/last.json" 2>/dev/null)
if [ -z "$line" ]; then
	# no report at all (a usage error, say): the first line of stderr
	why=$(head -n 1 "$dir/stderr.log" | tr -d '\r')
	line="XMPPCUT UNKNOWN - no report: ${why:-exit $status} (see $dir/stderr.log)"
	[ "$status" -eq 0 ] && status=3
fi
last=$(cat "$dir/last-status" 2>/dev/null || echo none)
printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$line" >>"$dir/monitor.log"
printf '%s\n' "$status" >"$dir/last-status.tmp" && mv "$dir/last-status.tmp" "$dir/last-status"
if [ "$status" != "$last" ] || [ "${news:-0}" -gt 0 ]; then
	printf '%s\n' "$line"
fi
exit "$status"
