#!/bin/bash
# The JSON reports of every command against doc/xmppcut-report.schema.json
# (draft 2020-12, with python3-jsonschema): reports that pass and reports
# that fail, offline (generate, lint, cert, diff, and each command's
# UNKNOWN report) and, as root, against the lab (check, probe, hostile
# peers, monitor with changes, diff around a cutover, apply). The schema
# must be valid, know every finding id and command, and reject a report
# with a misspelt id, a missing summary, a wrong type or an unknown key.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
SCHEMA=$top_srcdir/doc/xmppcut-report.schema.json
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'from jsonschema import Draft202012Validator' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || skip "python3-jsonschema (Draft202012Validator) is not installed"

# validate.py SCHEMA [REPORT...]: with no report, checks the schema
# itself; else each report against it, printing every failing path and
# message (and for anyOf/oneOf, the closest branch's). Exit 1 on any.
cat >"$T/validate.py" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

def where(path):
    return "$" + "".join("[%d]" % p if isinstance(p, int) else "." + str(p)
                         for p in path)

with open(sys.argv[1]) as f:
    schema = json.load(f)
try:
    Draft202012Validator.check_schema(schema)
except SchemaError as e:
    print("the schema: %s: %s" % (where(e.absolute_path), e.message))
    sys.exit(1)
v = Draft202012Validator(schema)
bad = 0
for name in sys.argv[2:]:
    try:
        with open(name) as f:
            doc = json.load(f)
    except ValueError as e:
        print("%s: not JSON: %s" % (name, e))
        bad += 1
        continue
    errors = sorted(v.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    for e in errors[:20]:
        msg = e.message if len(e.message) <= 200 else e.message[:200] + "..."
        if e.validator == "unevaluatedProperties" and len(errors) > 1:
            msg += " (members that hold another error below are listed here too)"
        print("%s: %s: %s" % (name, where(e.absolute_path), msg))
        if e.context:
            b = best_match(e.context)
            print("%s:   closest: %s: %s" % (name, where(b.absolute_path), b.message))
    bad += len(errors) > 0
sys.exit(1 if bad else 0)
PY

# valid DESCRIPTION FILE: the report in FILE passes.
valid() {
	if "$PY" "$T/validate.py" "$SCHEMA" "$2" >"$T/why" 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$T/why" | head -20
	fi
}

# invalid DESCRIPTION FILE TEXT: FILE fails, and the messages hold TEXT
# (the path and what is wrong).
invalid() {
	if "$PY" "$T/validate.py" "$SCHEMA" "$2" >"$T/why" 2>&1; then
		not_ok "$1: accepted"
	elif grep -qF -- "$3" "$T/why"; then
		ok "$1"
	else
		not_ok "$1: no \"$3\" in the messages"
		sed 's/^/#   /' "$T/why" | head -20
	fi
}

# report EXIT DESCRIPTION COMMAND...: run it (stdout in $T/out), keep the
# report under $T/reports, and validate it.
mkdir "$T/reports"
N=0
report() {
	local want=$1 desc=$2
	shift 2
	expect_status "$want" "$desc" "$@"
	N=$((N + 1))
	cp "$T/out" "$T/reports/$N.json"
	valid "$desc: valid" "$T/out"
}

# The schema itself.
check "the schema is valid draft 2020-12 (check_schema)" "$PY" "$T/validate.py" "$SCHEMA"
jq_file "the schema says draft 2020-12, with \$id, title and description" \
    '."$schema" == "https://json-schema.org/draft/2020-12/schema" and (."$id" | length > 0) and (.title | length > 0) and (.description | length > 0)' "$SCHEMA"
"$XMPPCUT" --list-findings | cut -f1 | sort >"$T/ids-code"
jq -r '."$defs"."finding-id".enum[]' "$SCHEMA" | sort >"$T/ids-schema"
same_file "the schema's finding ids are those of --list-findings" "$T/ids-code" "$T/ids-schema"
"$XMPPCUT" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort >"$T/cmds-code"
jq -r '.properties.command.enum[]' "$SCHEMA" | sort >"$T/cmds-schema"
same_file "the schema's commands are those of --help" "$T/cmds-code" "$T/cmds-schema"

cd "$top_srcdir"
xc() { "$XMPPCUT" --json "$@"; }
EX=zones/example.conf

# generate: every stage in both formats, with --server and a key, and its
# UNKNOWN reports (every bad plan, no plan, a bad key).
for s in pre cutover final rollback; do
	for f in zone nsupdate; do
		report 0 "generate --stage $s --format $f" xc -c "$EX" generate --stage "$s" --format "$f"
		json_ok "generate $s $f: schema 1, records, the $f text" \
		    ".schema == 1 and (.records | length > 0) and (if \"$f\" == \"zone\" then .zone else .script end | length > 0)"
	done
done
echo 'hmac-sha256:xmppcut-test:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' >"$T/test.key"
report 0 "generate nsupdate, --server and --tsig-key" \
    xc -c "$EX" generate --stage cutover --format nsupdate --server 192.0.2.53 --tsig-key "$T/test.key"
report 3 "generate, a TSIG key that cannot be read" \
    xc -c "$EX" generate --stage pre --format nsupdate --tsig-key "$T/none.key"
json_ok "... tsig-key-invalid, UNKNOWN, no records" '.findings[0].id == "tsig-key-invalid" and .summary.status == "UNKNOWN" and (has("records") | not)'
report 3 "generate, no plan file" xc -c "$T/none.conf" generate --stage pre
for p in tests/plans/bad-*.conf; do
	report 3 "generate, $p" xc -c "$p" generate --stage pre
	json_ok "$p: plan-invalid or file-unreadable, with file and line" \
	    '[.findings[] | select(.id == "plan-invalid" or .id == "file-unreadable") | has("file") and has("line")] | length > 0 and all'
done

# lint: every zone of the corpus with its own arguments, all of them at
# once against the plan, and a missing file.
cd tests/zones/lint
for z in *.zone; do
	args=$(sed -n 's/^; args: //p' "$z")
	want=$(sed -n 's/^; exit: //p' "$z")
	# shellcheck disable=SC2086
	report "${want:-0}" "lint $z" xc lint $args "$z"
done
report 2 "lint of every zone, against the plan's cutover" xc -c plan.conf lint --stage cutover ./*.zone
json_ok "... files, domains, stage" '(.files | length > 25) and (.domains | length > 0) and .stage == "cutover"'
report 3 "lint, a file that does not exist" xc lint "$T/none.zone"
cd "$top_srcdir"

# cert: files, the plan's gateway, a CA that vouches, certificates of
# every SAN kind, and UNKNOWN reports.
report 2 "cert of a file" xc -c "$EX" cert zones/edge.example.com.pem
cp "$T/out" "$T/cert.json"
report 2 "cert of the plan's new gateway" xc -c "$EX" cert
json_ok "... names the gateway" '.certificates[0].gateway == "edge.example.com"'
report 0 "cert, --ca that vouches for it" xc -c "$EX" --ca zones/edge.example.com.pem cert
report 2 "cert of every test certificate, --domain" xc cert --domain example.test --domain other.test tests/unit/certs/*.pem
json_ok "... every identity kind and none" '[.certificates[].identities[].matched] | unique == ["CN", "DNS-ID", "SRV-ID", "XmppAddr", "none"]'
report 3 "cert, a file that does not exist" xc -c "$EX" cert "$T/none.pem"
report 3 "cert, a plan without a cert" xc -c tests/plans/good-two-new.conf cert

# check, probe, monitor, apply: what they say when they cannot start.
report 3 "check, a bad plan" xc -c tests/plans/bad-role.conf check
report 3 "check, a trust anchor that cannot be read" xc -c "$EX" --trust-anchor "$T/none.key" check
report 3 "probe, a CA bundle that cannot be read" xc --ca "$T/none.pem" probe example.com
report 3 "probe --partners, a bad plan" xc -c tests/plans/bad-syntax.conf probe --partners
report 3 "monitor, a state folder that does not exist" xc -c "$EX" monitor --state "$T/none/state.json"
json_ok "... still the Nagios line" '.line | startswith("XMPPCUT UNKNOWN - [state-write-failed]")'
report 3 "monitor, a bad plan" xc -c tests/plans/bad-address.conf monitor
report 3 "apply, a bad plan" xc -c tests/plans/bad-no-domain.conf apply --stage pre --dry-run
report 3 "apply, a TSIG key that cannot be read" xc -c "$EX" apply --stage pre --tsig-key "$T/none.key"

# diff of two monitor state files (a partner moved and went away), of a
# file and itself, of a missing file and of a report it cannot read.
cat >"$T/state-before.json" <<'JSON'
{"version": 1, "written": "2026-01-01T00:00:00Z", "observations": {
 "a.test": {"kind": "partner", "reachable": true,
  "srv": ["_xmpp-server 0 0 5269 x.a.test."], "addresses": ["192.0.2.1"],
  "endpoints": {"x.a.test:5269 starttls": {"outcome": "ok", "tls": "TLSv1.3",
   "auth": "dialback", "certificate": {"spki_sha256": "aa", "issuer": "CN=CA",
   "not_after": "2027-01-01T00:00:00Z"}}}},
 "gone.test": {"kind": "partner", "reachable": true, "endpoints": {}}}}
JSON
cat >"$T/state-after.json" <<'JSON'
{"version": 1, "written": "2026-01-02T00:00:00Z", "observations": {
 "a.test": {"kind": "partner", "reachable": false,
  "srv": ["_xmpp-server 0 0 5269 x.a.test."], "addresses": ["192.0.2.2"],
  "endpoints": {"x.a.test:5269 starttls": {"outcome": "tls-failed",
   "tls": "TLSv1.2", "auth": null, "certificate": null}}},
 "new.test": {"kind": "partner", "endpoints": {}}}}
JSON
report 2 "diff of two state files" xc diff "$T/state-before.json" "$T/state-after.json"
json_ok "... presence, reachable, addresses, an endpoint's facts" \
    '[.changes[].what] | contains(["presence", "reachable", "addresses", "x.a.test:5269 starttls outcome", "x.a.test:5269 starttls tls"])'
report 0 "diff of a state file and itself" xc diff "$T/state-before.json" "$T/state-before.json"
report 3 "diff, a file that does not exist" xc diff "$T/state-before.json" "$T/none.json"
report 3 "diff, a report of generate" xc diff "$T/reports/1.json" "$T/state-after.json"
json_ok "... report-invalid" '.findings[0].id == "report-invalid"'

# A usage error prints no report: stdout stays empty (exit 3).
expect_status 3 "a usage error" xc generate
check "... prints no JSON on stdout" test ! -s "$T/out"

# The schema rejects what it must: mutants of a real report (the cert
# report above has a finding, a certificate and its facts).
mutant() { jq "$1" "$T/cert.json" >"$T/mutant.json"; }
mutant '.findings[0].id = "cert-untrustd"'
invalid "rejected: a misspelt finding id" "$T/mutant.json" '$.findings[0].id: '"'cert-untrustd'"' is not one of'
mutant 'del(.summary)'
invalid "rejected: no summary" "$T/mutant.json" "'summary' is a required property"
mutant '.summary.exit = "2"'
invalid "rejected: exit as a string" "$T/mutant.json" "\$.summary.exit: '2' is not of type 'integer'"
mutant '.summary.status = "OK"'
invalid "rejected: a status that is not the exit's" "$T/mutant.json" '$.summary: '
mutant '.schema = 2'
invalid "rejected: another schema version" "$T/mutant.json" '$.schema: 1 was expected'
mutant '. + {"extra": true}'
invalid "rejected: an unknown top-level key" "$T/mutant.json" "('extra' was unexpected)"
mutant '. + {"records": []}'
invalid "rejected: a key of another command" "$T/mutant.json" "('records' was unexpected)"
mutant '.findings[0].hint = "x"'
invalid "rejected: an unknown key in a finding" "$T/mutant.json" "\$.findings[0]: Additional properties are not allowed ('hint' was unexpected)"
mutant '.findings[0].file = "x.pem"'
invalid "rejected: a file without a line" "$T/mutant.json" "'line' is a dependency of 'file'"
mutant '.certificates[0].spki = .certificates[0].spki_sha256 | del(.certificates[0].spki_sha256)'
invalid "rejected: a renamed certificate member" "$T/mutant.json" "'spki_sha256' is a required property"
mutant '.certificates[0].days_left = 1.5'
invalid "rejected: a fraction where an integer belongs" "$T/mutant.json" "\$.certificates[0].days_left: 1.5 is not of type 'integer'"
mutant '.command = "restore"'
invalid "rejected: a command that makes no report" "$T/mutant.json" '$.command: '"'restore'"' is not one of'

# init offline: a resolver that answers nothing (UNKNOWN).
report 3 "init, a resolver that answers nothing" xc --resolver "127.0.0.1@$(free_port)" --timeout 1 init example.test
json_ok "... resolver-failed, no plan" '.findings[-1].id == "resolver-failed" and (has("plan") | not)'

# every_command: reports of every command were made, and all pass.
every_command() {
	for f in "$T"/reports/*.json; do jq -r .command "$f"; done | sort -u >"$T/cmds-seen"
	same_file "reports of every command were validated ($N)" "$T/cmds-code" "$T/cmds-seen"
	check "... all $N of them at once" "$PY" "$T/validate.py" "$SCHEMA" "$T"/reports/*.json
}

# Against the lab (root): the live commands' full reports.
if [ "$(id -u)" -ne 0 ]; then
	echo "# not root: the lab's reports (check, probe, monitor, diff, apply, init) are not validated"
	every_command
	done_testing
fi
lab_start
: "${HOSTILE:=$top_builddir/tests/tools/hostile}"
# shellcheck disable=SC2086
xl() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json "$@"; }
S=$T/state.json

report 0 "check --expect old" xl check --expect old
cp "$T/out" "$T/before.json"
json_ok "... DNS, probes, observations" '(.domains | length) == 1 and (.probes | length) == 1 and (.observations | has("example.test"))'
report 0 "check --connect the new gateway (STARTTLS and direct TLS)" xl check --expect old --connect "$LAB_NEW"
json_ok "... connect: both modes" '[.connect[].attempts[].mode] | sort == ["direct-tls", "starttls"]'
report 1 "check --dns-only --stage pre (today's TTLs are too long)" xl check --dns-only --stage pre
json_ok "... stage, expect, no probes" '.stage == "pre" and .expect == "old" and (has("probes") | not)'
report 0 "probe --partners" xl probe --partners
report 2 "probe of broken, bogus, plain and fallback domains" \
    xl probe broken.test noaddr.broken.test tampered.test bogus-addr.test bogus-tlsa.test plain.test chat.plain.test
json_ok "... no-address, failed and fallback attempts" \
    '([.domains[].attempts[].outcome] | index("no-address") != null) and ([.domains[].fallback] | any)'
report 0 "generate, zones found through the lab's SOA" xl generate --stage cutover --format nsupdate --server "$LAB_NS1"
report 0 "init example.test" xl init example.test
json_ok "... the plan as data and as text" '.plan.gateways[0].host == "old.example.test" and (.text | length > 0) and (.domains | length) == 1'
jq '.plan.gateways[0].weight = "0"' "$T/out" >"$T/mutant.json"
invalid "rejected: a weight that is a string" "$T/mutant.json" "is not of type 'integer'"
jq 'del(.text)' "$T/out" >"$T/mutant.json"
invalid "rejected: a plan without its text" "$T/mutant.json" "'text' is a required property"
report 2 "init of a domain without SRV and of an alias as target" xl init chat.plain.test broken.test
json_ok "... no plan" '(has("plan") | not) and (has("text") | not)'

# Hostile peers: attempts that end in every step, and bad certificates.
if [ -x "$HOSTILE" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/self.key" \
	    -out "$T/self.pem" -days 30 -subj "/CN=self-signed.hostile.test" \
	    -addext "subjectAltName=DNS:self-signed.hostile.test" >/dev/null 2>&1
	plain=""
	for m in silent garbage host-unknown tls-failure no-starttls tls-garbage close-mid forge; do
		plain="$plain $(lab_addr "$m"):5269=$m"
	done
	# shellcheck disable=SC2086
	hostile h_plain $plain
	hostile h_self --cert "$T/self.pem" --key "$T/self.key" "$(lab_addr self-signed):5269=tls"
	report 2 "probe of hostile peers" xl --timeout 1 probe refused.hostile.test silent.hostile.test \
	    garbage.hostile.test host-unknown.hostile.test tls-failure.hostile.test no-starttls.hostile.test \
	    tls-garbage.hostile.test close-mid.hostile.test forge.hostile.test self-signed.hostile.test
	json_ok "... attempts that stopped before and after TLS" \
	    '([.domains[].attempts[] | select(.tls | type == "object")] | length > 0) and ([.domains[].attempts[] | select(.outcome != "ok" and (.tls | type) != "object")] | length > 0)'
else
	echo "# tests/tools/hostile is not built: no hostile peers"
fi

report 0 "monitor, the first run (baseline)" xl monitor --expect old --state "$S" --prom "$T/xmppcut.prom"
json_ok "... state-reset, no change yet" '.findings[0].id == "state-reset" and .changes == []'
report 0 "monitor without --state" xl monitor --expect old

report 0 "apply --stage pre --dry-run" xl apply --stage pre --dry-run
json_ok "... ready, nothing sent" '.mode == "dry-run" and ([.zones[] | .state == "ready" and .sent == false] | all)'
report 2 "apply --stage final --dry-run before pre (unexpected)" xl apply --stage final --dry-run
report 0 "apply --stage pre at ns1, TSIG-signed" xl apply --stage pre --server "$LAB_NS1" --tsig-key "$LAB_TSIG"
json_ok "... sent, NOERROR, caches_until" '([.zones[] | .sent and .rcode == "NOERROR"] | all) and has("caches_until")'
report 0 "apply --stage pre again: at the stage" xl apply --stage pre --server "$LAB_NS1" --tsig-key "$LAB_TSIG"
json_ok "... at-stage, nothing sent" '[.zones[] | .state == "at-stage" and .sent == false] | all'

# The cutover: monitor and diff see the records and the certificate move.
check "pre at ns2" lab_update pre "$LAB_NS2"
check "cutover at both" lab_update cutover "$LAB_NS1" "$LAB_NS2"
report 1 "monitor after the cutover: changes" xl monitor --state "$S"
json_ok "... srv and addresses as lists, the certificate as values" \
    '([.changes[] | select(.what == "srv" or .what == "addresses") | (.before | type) == "array"] | length == 2) and ([.changes[] | select(.what | startswith("certificate")) | (.after | type) == "string"] | length > 0)'
report 0 "check after the cutover" xl check
cp "$T/out" "$T/after.json"
report 1 "diff of the reports around the cutover" xl diff "$T/before.json" "$T/after.json"
json_ok "... before and after" '(.before | has("example.test")) and (.after | has("example.test")) and (.changes | length > 0)'
report 1 "diff of a check report and a monitor state" xl diff "$T/before.json" "$S"

every_command
done_testing
