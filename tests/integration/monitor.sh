#!/bin/bash
# monitor and diff against the lab: a Nagios line, Prometheus metrics that
# promtool accepts, changes between runs (records moved, certificate
# replaced) and none without, every way the state file can be broken,
# two runs at once, the cron wrapper; diff of reports around a cutover.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq promtool
lab_start
: "${HOSTILE:=$top_builddir/tests/tools/hostile}"
S=$T/state.json
P=$T/xmppcut.prom
# shellcheck disable=SC2086
xm() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS "$@"; }
ids() { jq -r '[.findings[].id] | unique | join(" ")' "$T/out"; }

expect_status 0 "first run, no state yet" xm monitor --expect old --state "$S" --prom "$P"
check "one Nagios line: status - summary | perfdata" \
    grep -Eq '^XMPPCUT OK - 1/1 domains and 3/3 partners reachable, certificates valid [0-9]+\+ days \| domains=1 domains_reachable=1 partners=3 partners_reachable=3 cert_days=[0-9]+;21:;0: errors=0 warnings=0 duration=[0-9.]+s$' "$T/out"
check "exactly one line" test "$(wc -l <"$T/out")" -eq 1
# --warn-days: the warning and the perfdata's threshold (the lab's
# certificates are good for 30 days: 29 or 30 left, by the second the lab
# made them, so the thresholds stay clear of both)
expect_status 1 "--warn-days 40: the certificates expire within it" \
    xm monitor --expect old --warn-days 40
check "... WARNING, cert-expires-soon, threshold 40 in the perfdata" \
    grep -Eq "^XMPPCUT WARNING - 0 errors, [0-9]+ warnings?: \[cert-expires-soon\].* cert_days=(29|30);40:;0: " "$T/out"
expect_status 0 "--warn-days 20: not within it" xm monitor --expect old --warn-days 20
check "... the perfdata's threshold is 20" grep -Eq " cert_days=(29|30);20:;0: " "$T/out"
jq_file "the state is JSON with observations" '.version == 1 and (.observations | has("example.test") and has("partner-a.test"))' "$S"
check "promtool accepts the metrics" promtool check metrics <"$P"
check "metrics: reachability, DNSSEC, certificate expiry" sh -c \
    "grep -q '^xmppcut_reachable{kind=\"partner\",name=\"partner-a.test\"} 1$' '$P' && grep -q '^xmppcut_dnssec_secure{domain=\"example.test\"} 1$' '$P' && grep -q '^xmppcut_cert_expiry_timestamp_seconds{kind=\"domain\",name=\"example.test\"} [0-9.e+]*$' '$P' && grep -q '^xmppcut_status 0$' '$P'"
# the expiry to the second (it was printed with %.6g: rounded by up to
# 5,000 s, so an expired certificate could still read valid; user
# trial, helper-16)
# (the chain's earliest end: the lab's leaf and root are made within a
# second of each other)
end=$(for c in old root; do date -u -d "$(openssl x509 -in "$LAB_DIR/ca/$c.pem" -noout -enddate | cut -d= -f2)" +%s; done | sort -n | head -n 1)
check "metrics: the certificate's (chain's) expiry to the second ($end)" \
    grep -q "^xmppcut_cert_expiry_timestamp_seconds{kind=\"domain\",name=\"example.test\"} $end\$" "$P"
# The line cannot be written (a full disk): exit 3, and the metrics say
# the run was not up, not OK (user trial, helper-16).
xm monitor --expect old --state "$T/full.json" --prom "$T/full.prom" >/dev/full 2>"$T/err"
check "stdout full: exit 3" test $? -eq 3
check "... the metrics say UNKNOWN" sh -c "grep -q '^xmppcut_up 0$' '$T/full.prom' && grep -q '^xmppcut_status 3$' '$T/full.prom'"
expect_status 0 "first run, JSON" xm --json monitor --expect old --state "$T/s2.json"
check "a missing state file is an info state-reset" test "$(ids)" = state-reset
json_ok "state-reset is info" '.findings[0].severity == "info"'
json_ok "the full report: DNS, probes, partners, observations" 'has("domains") and has("probes") and (.partners | length) == 3 and (.observations | length) == 4'

expect_status 0 "second run, nothing moved" xm --json monitor --expect old --state "$S" --prom "$P"
check "unchanged: no findings at all" test "$(ids)" = ""
json_ok "unchanged: an empty change list" '.changes == []'

# A partner with two SRV targets of equal priority and weight: each run
# picks one at random (RFC 2782; the seed makes both come up here). What
# is compared is per endpoint, so no run raises `changed`.
cp "$LAB_PLAN" "$LAB_DIR/twin.conf"
printf '[partner twin.test]\n' >>"$LAB_DIR/twin.conf"
picked=""
for seed in 1 2 3 4 5 6; do
	# shellcheck disable=SC2086
	expect_status 0 "twin.test, run $seed" env XMPPCUT_RANDOM_SEED=$seed \
	    "$XMPPCUT" -c "$LAB_DIR/twin.conf" $LAB_OPTS --json monitor --expect old --state "$T/twin.json"
	json_ok "twin.test, run $seed: no changed" '[.findings[] | select(.id == "changed")] == []'
	picked="$picked $(jq -r '.partners[] | select(.domain == "twin.test") | .answered_by.target' "$T/out")"
done
check "both targets answered over the six runs:$picked" test "$(printf '%s\n' $picked | sort -u | wc -l)" -eq 2
jq_file "the state keeps both endpoints" '.observations["twin.test"].endpoints | keys == ["a.twin.test:5269 starttls", "b.twin.test:5269 starttls"]' "$T/twin.json"

# Without a seed, monitor's weighted choice is the same every run for a
# domain: with one of the twins dead, the status does not come and go
# at random (user trial, helper-16: OK and WARNING in turn, a mail on
# each flip, and a certificate near expiry seen one run in ten).
check "b.twin.test dead (nothing listens at .49)" lab_nsupdate_both 'zone twin.test.' \
    'update delete b.twin.test. A' "update add b.twin.test. 300 A ${LAB_NS1%.*}.49"
statuses="" picked=""
for run in 1 2 3 4 5 6; do
	# shellcheck disable=SC2086
	"$XMPPCUT" -c "$LAB_DIR/twin.conf" $LAB_OPTS --json monitor --expect old --state "$T/twin2.json" >"$T/out" 2>/dev/null
	statuses="$statuses $?"
	picked="$picked $(jq -r '[.partners[] | select(.domain == "twin.test") | .attempts[0].target] | first' "$T/out")"
done
check "six runs, one status:$statuses" test "$(printf '%s\n' $statuses | sort -u | wc -l)" -eq 1
check "... the same target tried first each run:$picked" test "$(printf '%s\n' $picked | sort -u | wc -l)" -eq 1
check "b.twin.test back" lab_nsupdate_both 'zone twin.test.' \
    'update delete b.twin.test. A' "update add b.twin.test. 3600 A $LAB_PARTNERS"

# The cutover moves the records and the certificate (the new gateway's).
check "pre and cutover applied" lab_update pre "$LAB_NS1" "$LAB_NS2"
check "cutover applied" lab_update cutover "$LAB_NS1" "$LAB_NS2"
expect_status 1 "after the cutover" xm --json monitor --state "$S" --prom "$P"
check "after the cutover: only changed findings" test "$(ids)" = changed
json_ok "changed names the SRV, addresses and the certificate (the targets moved: the domain as a whole)" \
    '[.changes[] | select(.name == "example.test") | .what] | (. - ["certificate not_after"]) | sort == ["addresses", "certificate spki_sha256", "srv"]'
json_ok "the SRV change says from what to what" '.changes[] | select(.what == "srv") | (.before | tostring | contains("old.example.test")) and (.after | tostring | contains("new.example.test"))'
check "promtool still accepts the metrics" promtool check metrics <"$P"
expect_status 0 "and then nothing moves" xm monitor --state "$S"
check "text: WARNING gone, OK again" grep -q '^XMPPCUT OK' "$T/out"

# Broken state files: a warning and a fresh baseline, never a crash.
for kind in empty truncated garbage foreign; do
	case $kind in
	empty) : >"$S" ;;
	truncated) head -c 60 "$T/s2.json" >"$S" ;;
	garbage) head -c 500 /dev/urandom >"$S" ;;
	foreign) echo '{"observations": 3}' >"$S" ;;
	esac
	expect_status 1 "state file $kind" xm --json monitor --state "$S"
	check "state file $kind: state-reset (warning)" sh -c "jq -e '[.findings[] | select(.id == \"state-reset\" and .severity == \"warning\")] | length == 1' '$T/out' >/dev/null"
	jq_file "state file $kind: a fresh baseline was written" '.version == 1' "$S"
done
expect_status 3 "a state folder that does not exist" xm --json monitor --state "$T/none/state.json"
json_ok "state-write-failed, UNKNOWN" '([.findings[].id] | index("state-write-failed") != null) and .summary.status == "UNKNOWN"'
mkdir "$T/isdir"
expect_status 3 "a state path that is a folder" xm monitor --state "$T/isdir"
check "the line says UNKNOWN" grep -q '^XMPPCUT UNKNOWN' "$T/out"
expect_status 3 "a metrics path that cannot be written" xm monitor --state "$S" --prom "$T/none/x.prom"
check "... still one UNKNOWN line, naming why" grep -q '^XMPPCUT UNKNOWN - \[metrics-write-failed\]' "$T/out"
# A run that cannot do its job still prints its line and rewrites the
# metrics, with xmppcut_up 0.
# shellcheck disable=SC2086
expect_status 3 "a plan that does not exist" "$XMPPCUT" -c "$T/none.conf" $LAB_OPTS monitor --prom "$P"
check "the line: UNKNOWN and why, naming the file (all Nagios shows)" grep -q "^XMPPCUT UNKNOWN - \[plan-invalid\] $T/none.conf: cannot read the plan" "$T/out"
check "exactly one line" test "$(wc -l <"$T/out")" -eq 1
check "... no counts it never measured in the perfdata (user trial, helper-16)" \
    sh -c "! grep -q 'partners=\|domains=' '$T/out' && grep -q '| errors=1 warnings=0 duration=' '$T/out'"
check "the metrics say the run was not up" sh -c "grep -q '^xmppcut_up 0$' '$P' && grep -q '^xmppcut_status 3$' '$P'"
check "promtool accepts them" promtool check metrics <"$P"
# shellcheck disable=SC2086
expect_status 3 "a dead resolver" "$XMPPCUT" -c "$LAB_PLAN" --trust-anchor "$T/none.key" --resolver 127.0.0.1@1 monitor --prom "$P"
check "the line names resolver-failed" grep -q '^XMPPCUT UNKNOWN - \[resolver-failed\]' "$T/out"
check "... no partners_reachable=0 for partners never probed" sh -c "! grep -q 'partners_reachable' '$T/out'"

# Two runs at once: a slow partner keeps the first busy.
silent=""
for e in $LAB_HOSTILE; do [ "${e%%=*}" = silent ] && silent=${e#*=}; done
start_bg h_silent "$HOSTILE" "$silent:5269=silent"
sleep 0.3
cp "$LAB_PLAN" "$LAB_DIR/slow.conf"	# beside it: cert is plan-relative
printf '[partner silent.hostile.test]\n' >>"$LAB_DIR/slow.conf"
# shellcheck disable=SC2086
"$XMPPCUT" -c "$LAB_DIR/slow.conf" $LAB_OPTS --timeout 2 monitor --state "$S" >"$T/first" 2>&1 &
first=$!
sleep 0.5
start=$(date +%s%N)
# shellcheck disable=SC2086
expect_status 3 "a second run while the first holds the lock" "$XMPPCUT" -c "$LAB_DIR/slow.conf" $LAB_OPTS --timeout 2 monitor --state "$S"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "the second run says so at once ($elapsed ms)" test "$elapsed" -lt 1000
check "... in its line" grep -q 'another monitor run holds' "$T/out"
wait "$first"
check "the first run finished its job (exit 2: the silent partner)" test $? -eq 2
jq_file "the state file is whole JSON" '.observations | has("silent.hostile.test")' "$S"

# --max-time runs out while the silent partner (listed first, one probe
# at a time) holds the run: the partners never started are not reported
# unreachable in the metrics, and the line says they were not probed
# (user trial, helper-16: xmppcut_reachable 0 for healthy partners).
awk '/^\[partner / && !done { print "[partner silent.hostile.test]"; done = 1 } { print }' \
    "$LAB_PLAN" >"$LAB_DIR/first-silent.conf"
# shellcheck disable=SC2086
expect_status 2 "--max-time 2 with a silent partner first, -j 1" "$XMPPCUT" -c "$LAB_DIR/first-silent.conf" $LAB_OPTS \
    --timeout 10 -j 1 monitor --expect old --max-time 2 --prom "$T/max.prom"
check "... the line says how many were not probed" grep -q 'partners reachable ([0-9]* not probed before --max-time)' "$T/out"
check "... no reachable series for a partner never started" sh -c "! grep -q '^xmppcut_reachable{kind=\"partner\",name=\"partner-c.test\"}' '$T/max.prom'"
check "... the silent one, tried, is there" grep -q '^xmppcut_reachable{kind="partner",name="silent.hostile.test"} 0$' "$T/max.prom"

# The cron wrapper: quiet while nothing changes.
cron() { XMPPCUT=$XMPPCUT "$top_srcdir/scripts/xmppcut-cron.sh" "$T/cron" -c "$LAB_PLAN" $LAB_OPTS; }
cron >"$T/cron1"
check "cron: the first run speaks" grep -q '^XMPPCUT OK' "$T/cron1"
cron >"$T/cron2"
check "cron: an unchanged run is silent" test ! -s "$T/cron2"
check "cron: every run is logged" test "$(wc -l <"$T/cron/monitor.log")" -eq 2

# diff: reports around a change, and reports that are not reports.
xm --json probe --partners >"$T/before.json"
while read -r pid name; do [ "$name" = prosody-partners ] && kill "$pid"; done <"$LAB_DIR/pids"
sleep 0.5
xm --json --timeout 2 probe --partners >"$T/after.json"
expect_status 2 "diff: partners unreachable after" "$XMPPCUT" --json diff "$T/before.json" "$T/after.json"
json_ok "reachability-lost for each partner" '[.findings[] | select(.id == "reachability-lost") | .subject] | sort == ["partner-a.test", "partner-b.test", "partner-c.test"]'
expect_status 0 "diff: a report against itself" "$XMPPCUT" diff "$T/before.json" "$T/before.json"
check "diff: no change" grep -q '^no change$' "$T/out"
head -c 300 /dev/urandom >"$T/garbage.json"
expect_status 3 "diff: garbage" "$XMPPCUT" diff "$T/garbage.json" "$T/before.json"
echo '{"some": "json"}' >"$T/other.json"
expect_status 3 "diff: JSON that is not a report" "$XMPPCUT" diff "$T/before.json" "$T/other.json"
"$XMPPCUT" -c "$LAB_PLAN" --json generate --stage pre >"$T/gen.json"
expect_status 3 "diff: a report of generate" "$XMPPCUT" diff "$T/gen.json" "$T/before.json"
expect_status 3 "diff: one file" "$XMPPCUT" diff "$T/before.json"
expect_status 3 "diff: a missing file" "$XMPPCUT" diff "$T/before.json" "$T/nope.json"
done_testing
