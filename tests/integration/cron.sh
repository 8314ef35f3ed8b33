#!/bin/bash
# The cron wrapper (scripts/xmppcut-cron.sh) with a stand-in for xmppcut
# that prints prepared reports: options pass through to monitor, news is
# read from the JSON report (not by grepping the line), stderr never mixes
# into the one line, a run without a report still gives one line and exit
# 3, runs in one folder do not overlap. The real monitor under the
# wrapper is in monitor.sh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
W=$top_srcdir/scripts/xmppcut-cron.sh
D=$T/cron

# The stand-in: records its arguments, says something on stderr, prints
# $T/next.json and exits with $T/next.status.
cat >"$T/fake" <<FAKE
#!/bin/sh
printf '%s\n' "\$*" >"$T/args"
echo "diagnostics the line must not carry" >&2
[ -s "$T/next.json" ] && cat "$T/next.json"
exit \$(cat "$T/next.status")
FAKE
chmod +x "$T/fake"
report() { # report STATUS LINE [FINDING-ID]
	printf '%s\n' "$1" >"$T/next.status"
	jq -n --arg line "$2" --arg id "${3:-}" --argjson exit "$1" \
	    '{command: "monitor", findings: (if $id == "" then [] else [{id: $id, severity: "warning"}] end), summary: {exit: $exit}, line: $line}' >"$T/next.json"
}
cron() { XMPPCUT=$T/fake "$W" "$D" "$@" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"; }

report 0 "XMPPCUT OK - all fine | errors=0"
cron -c /etc/x.conf --expect old --max-time 30
check "options pass through, after monitor" grep -q -- '--json monitor --state .* --prom .* -c /etc/x.conf --expect old --max-time 30' "$T/args"
check "the first run speaks: the line" test "$(cat "$T/out")" = "XMPPCUT OK - all fine | errors=0"
check "stderr stays out of the line" test ! -s "$T/err"
check "... and is kept" grep -q 'diagnostics' "$D/stderr.log"
check "exit 0" test "$(cat "$T/rc")" -eq 0
cron
check "the same status, no news: silent" test ! -s "$T/out"

report 1 "XMPPCUT WARNING - 0 errors, 1 warning: [changed] example.test" changed
cron
check "a change: speaks, exit 1" sh -c "test -s '$T/out' && test \$(cat '$T/rc') -eq 1"
cron
check "another change, same status: speaks (news from the JSON report)" test -s "$T/out"
report 1 "XMPPCUT WARNING - 0 errors, 1 warning: [ttl-inconsistent] [changed].example.test" ttl-inconsistent
cron
check "'[changed]' only in the line's text, same status: silent" test ! -s "$T/out"

: >"$T/next.json"
echo 3 >"$T/next.status"
cron --frobnicate
check "no report: one UNKNOWN line with the reason" grep -q '^XMPPCUT UNKNOWN - no report: diagnostics the line must not carry' "$T/out"
check "... one line" test "$(wc -l <"$T/out")" -eq 1
check "... exit 3" test "$(cat "$T/rc")" -eq 3
check "every run is logged" test "$(wc -l <"$D/monitor.log")" -eq 6

# Two runs at once in one DIR (a slow run, a short cron period): the
# second is skipped -- no mail, nothing of the first overwritten, said in
# the log (user trial, helper-16: it mailed an UNKNOWN, and the two
# shared last.json.tmp).
report 0 "XMPPCUT OK - all fine | errors=0"
cat >"$T/slow" <<SLOW
#!/bin/sh
sleep 2
exec "$T/fake" "\$@"
SLOW
chmod +x "$T/slow"
XMPPCUT=$T/slow "$W" "$D" >"$T/out1" 2>"$T/err1" &
first=$!
sleep 0.5
cron
check "the second run: silent" test ! -s "$T/out"
check "... no stray error" test ! -s "$T/err"
check "... skipped, said in the log" grep -q 'skipped: the previous run still works' "$D/monitor.log"
wait $first
# ... but a run that holds the folder for long is news: with no run
# finished for an hour, the skipped one says so (review, helper-18: a
# hung run silenced the wrapper for good).
XMPPCUT=$T/slow "$W" "$D" >"$T/out3" 2>"$T/err3" &
third=$!
sleep 0.5
touch -d '2 hours ago' "$D/last-status"
cron
check "no run finished for an hour: the skipped run says UNKNOWN" grep -q '^XMPPCUT UNKNOWN - no run has finished in .* for an hour' "$T/out"
wait $third
check "the runs finish as usual, the last one last in the log" sh -c "tail -n 1 '$D/monitor.log' | grep -q ' XMPPCUT OK - all fine' && test ! -e '$D/last.json.tmp'"
done_testing
