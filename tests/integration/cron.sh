#!/bin/bash
# The cron wrapper (scripts/xmppcut-cron.sh) with a stand-in for xmppcut
# that prints prepared reports: options pass through to monitor, news is
# read from the JSON report (not by grepping the line), stderr never mixes
# into the one line, a run without a report still gives one line and exit
# 3. The real monitor under the wrapper is in monitor.sh.
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
done_testing
