#!/bin/bash
# The command line: help, version, usage errors, exit codes, global options
# before and after the command word, --help and the man page agreeing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
plan=$top_srcdir/zones/example.conf
man=$top_srcdir/doc/xmppcut.1

expect_status 0 "--help" "$XMPPCUT" --help
check "--help prints usage on stdout" grep -q '^usage: xmppcut' "$T/out"
check "--help prints nothing on stderr" test ! -s "$T/err"
expect_status 0 "-h" "$XMPPCUT" -h
expect_status 0 "--version" "$XMPPCUT" --version
check "--version names the tool" grep -Eq '^xmppcut [0-9]+\.[0-9]+' "$T/out"
expect_status 3 "no command" "$XMPPCUT"
check "no command: usage on stderr" grep -q '^usage:' "$T/err"
expect_status 3 "unknown command" "$XMPPCUT" frobnicate
check "unknown command is named" grep -q "unknown command 'frobnicate'" "$T/err"
expect_status 3 "ambiguous prefix" "$XMPPCUT" c
check "ambiguous prefix lists the candidates" grep -q "could be cert, check" "$T/err"
expect_status 3 "bad global option" "$XMPPCUT" --frobnicate generate
expect_status 3 "--timeout 0 is refused" "$XMPPCUT" --timeout 0 generate --stage pre
expect_status 3 "--jobs x is refused" "$XMPPCUT" -j x generate --stage pre
expect_status 0 "generate --help" "$XMPPCUT" generate --help
check "generate --help shows its options" grep -q -- '--tsig-key' "$T/out"
expect_status 3 "generate without --stage" "$XMPPCUT" -c "$plan" generate
expect_status 3 "generate --stage middle" "$XMPPCUT" -c "$plan" generate --stage middle
expect_status 3 "generate --format xml" "$XMPPCUT" -c "$plan" generate --stage pre --format xml
expect_status 3 "generate with an operand" "$XMPPCUT" -c "$plan" generate --stage pre extra
expect_status 3 "generate --server without nsupdate" "$XMPPCUT" -c "$plan" generate --stage pre --server 127.0.0.1
expect_status 3 "generate --server with a bad port" "$XMPPCUT" -c "$plan" generate --stage pre -f nsupdate --server 127.0.0.1@0
# One syntax for a DNS server's address: ADDR[@PORT].
expect_status 3 "generate --server ADDR:PORT (the port goes after @)" "$XMPPCUT" -c "$plan" generate --stage pre -f nsupdate --server 192.0.2.53:53
check "... says the syntax" grep -q 'expected ADDR\[@PORT\]' "$T/err"
expect_status 3 "--server with a name" "$XMPPCUT" -c "$plan" generate --stage pre -f nsupdate --server ns1.example.com
expect_status 3 "--resolver with a name" "$XMPPCUT" --resolver dns.example.net probe example.com
expect_status 3 "--stub with a bad port" "$XMPPCUT" --stub example.com=192.0.2.1@0 probe example.com
expect_status 0 "--server [IPv6]@PORT is IPv6 without brackets" "$XMPPCUT" -c "$plan" generate --stage pre -f nsupdate --server 2001:DB8::53@5353
check "... normal form in the script" grep -q '^server 2001:db8::53 5353$' "$T/out"
# The TSIG secret never reaches an output: the script names the file.
printf 'key "k." {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0c2VjcmV0c2VjcmV0";\n};\n' >"$T/k.key"
expect_status 0 "generate --tsig-key" "$XMPPCUT" -c "$plan" --json generate --stage pre -f nsupdate --tsig-key "$T/k.key"
check "... no secret in the JSON or the script" sh -c "! grep -q c2VjcmV0 '$T/out'"
json_ok "... the script says nsupdate -k FILE" ".script | contains(\"nsupdate -k $T/k.key\")"
expect_status 3 "generate --zone with a bad name" "$XMPPCUT" -c "$plan" generate --stage pre --zone 'a b'
expect_status 0 "a unique prefix runs the command" "$XMPPCUT" -c "$plan" gen --stage pre
expect_status 0 "global options after the command word" "$XMPPCUT" generate --stage cutover -c "$plan" --json
json_ok "JSON: command, version, summary" '.command == "generate" and (.version|type) == "string" and .summary.exit == 0 and .summary.status == "OK"'
json_ok "JSON: the cutover records" '.stage == "cutover" and (.records | length) == 8 and ([.records[] | select(.type == "SRV")] | length) == 4'
json_ok "JSON: the zone snippet" '.zone | startswith("; xmppcut generate --stage cutover")'
# A failed write to stdout (a full disk, a closed pipe) is exit 3, never a
# status that says the output is whole.
"$XMPPCUT" -c "$plan" generate --stage cutover -f nsupdate >/dev/full 2>"$T/err"
check "generate >/dev/full: exit 3" test $? -eq 3
check "... and says why on stderr" grep -q 'cannot write the output' "$T/err"
"$XMPPCUT" --json -c "$plan" generate --stage cutover >/dev/full 2>/dev/null
check "generate --json >/dev/full: exit 3" test $? -eq 3
"$XMPPCUT" --help >/dev/full 2>/dev/null
check "--help >/dev/full: exit 3" test $? -eq 3
# -q: only warnings and errors; data that is the output is still printed.
expect_status 0 "-q lint of a clean zone" "$XMPPCUT" -q lint "$top_srcdir/tests/zones/lint/clean.zone"
check "-q: nothing at all on stdout" test ! -s "$T/out"
expect_status 1 "-q lint of a zone with a warning" "$XMPPCUT" -q lint "$top_srcdir/tests/zones/lint/port-unexpected.zone"
check "-q: the warning, and nothing else" sh -c "test \$(wc -l <'$T/out') -eq 1 && grep -q 'warning: \[srv-port-unexpected\]' '$T/out'"
expect_status 0 "-q generate still prints the snippet" "$XMPPCUT" -q -c "$plan" generate --stage cutover
check "-q: the snippet is there" grep -q '^_xmpp-server._tcp.example.com.' "$T/out"
expect_status 3 "a missing plan is exit 3" "$XMPPCUT" -c "$T/none.conf" generate --stage pre
check "a missing plan: plan-invalid on stderr, stdout empty" \
    sh -c "grep -q 'plan-invalid' '$T/err' && test ! -s '$T/out'"
expect_status 3 "a missing plan, JSON" "$XMPPCUT" -c "$T/none.conf" --json generate --stage pre
json_ok "JSON: plan-invalid and UNKNOWN" '.findings[0].id == "plan-invalid" and .summary.status == "UNKNOWN" and .summary.exit == 3'
mkdir "$T/cwd"
cp "$plan" "$T/cwd/xmppcut.conf"
cp "$top_srcdir/zones/edge.example.com.pem" "$T/cwd/"
( cd "$T/cwd" && "$XMPPCUT" generate --stage final >/dev/null 2>&1 )
check "the plan defaults to ./xmppcut.conf" test $? -eq 0
for cmd in lint cert check probe monitor diff; do
	expect_status 3 "$cmd without what it needs is exit 3" "$XMPPCUT" -c "$T/none.conf" "$cmd"
done
expect_status 3 "pre with no old gateway" "$XMPPCUT" -c "$top_srcdir/tests/plans/good-indented.conf" generate --stage pre
check "pre with no old gateway: explained" grep -q 'no old gateway' "$T/err"

# --help and the man page name the same options.
"$XMPPCUT" --help >"$T/help"
for cmd in init generate lint cert check probe monitor diff apply; do
	"$XMPPCUT" "$cmd" --help >>"$T/help"
done
grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u >"$T/help-opts"
grep -o -- 'Fl -[a-z][a-z-]*' "$man" | sed 's/^Fl -/--/' | sort -u >"$T/man-opts"
same_file "--help and xmppcut(1) name the same long options" "$T/help-opts" "$T/man-opts"
for cmd in init generate lint cert check probe monitor diff apply; do
	check "xmppcut(1) documents $cmd" grep -q "^\.It Cm $cmd" "$man"
done

# The finding ids: the table in the code (--list-findings) and the man
# page's FINDINGS list name the same ids with the same severities.
expect_status 0 "--list-findings" "$XMPPCUT" --list-findings
check "--list-findings: id TAB severities TAB meaning" \
    awk -F'\t' 'NF != 3 || $1 !~ /^[a-z0-9]+(-[a-z0-9]+)*$/ || $2 !~ /^(error|warning|info)(,(warning|info))*$/ { bad = 1 } END { exit bad }' "$T/out"
cut -f1,2 "$T/out" | sort >"$T/ids-code"
sed -n '/^\.Sh FINDINGS/,/^\.Sh /p' "$man" | sed -n 's/^\.It Li //p' |
    awk '{ sev = $0; sub(/.* Pq /, "", sev); gsub(/ , /, ",", sev);
	   ids = $0; sub(/ Pq .*/, "", ids); n = split(ids, a, / , /);
	   for (i = 1; i <= n; i++) print a[i] "\t" sev }' | sort >"$T/ids-man"
same_file "xmppcut(1) FINDINGS and --list-findings agree" "$T/ids-code" "$T/ids-man"
# A gateway under a special-use name (RFC 6761: home.arpa, onion,
# localhost, invalid): libunbound answers an SOA for it itself, which is
# no zone a server holds. zone-unknown, exit 3 -- not a script for zone
# home.arpa and exit 0 (user trial, helper-17).
printf '[plan]\ndomain = example.com\nzone = example.com\n[gateway old.example.com]\nrole = old\naddress = 192.0.2.1\n[gateway gw.corp.home.arpa]\nrole = new\naddress = 192.0.2.9\n' >"$T/home-arpa.conf"
for name in gw.corp.home.arpa gw.x.onion gw.nowhere.localhost gw.nowhere.invalid; do
	sed "s/gw.corp.home.arpa/$name/" "$T/home-arpa.conf" >"$T/special.conf"
	expect_status 3 "generate with a gateway $name" "$XMPPCUT" -c "$T/special.conf" \
	    --stub "example.com=127.0.0.1@1" --timeout 2 generate --stage cutover --format nsupdate
	check "... zone-unknown: a special-use name" grep -q "\[zone-unknown\] $name: .*is a special-use name" "$T/err"
done

# Every id the code reports is in the table: no bare literal id.
check "no finding id is a bare string in the sources" sh -c \
    "! grep -nE 'findings_add(_at)?\\([^,]+, *SEV_[A-Z]+, *\"' '$top_srcdir'/src/*.c"

done_testing
