#!/bin/bash
# Every zone under tests/zones/lint/ is linted and must give exactly the
# findings it declares: "; <- ID..." on the line a finding is at, and
# "; expect: ID..." for findings without a line; "; args:" are extra
# arguments and "; exit:" the exit status. Clean zones declare none.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq

cd "$top_srcdir/tests/zones/lint"
n=0
for z in *.zone; do
	args=$(sed -n 's/^; args: //p' "$z")
	want_exit=$(sed -n 's/^; exit: //p' "$z")
	{
		grep -n '; <- ' "$z" | while IFS=: read -r line rest; do
			for id in ${rest##*; <- }; do echo "$id $line"; done
		done
		sed -n 's/^; expect: //p' "$z" | tr ' ' '\n' | sed '/^$/d; s/$/ 0/'
	} | sort >"$T/want"
	# shellcheck disable=SC2086
	expect_status "$want_exit" "$z" "$XMPPCUT" --json lint $args "$z"
	jq -r '.findings[] | "\(.id) \(.line // 0)"' "$T/out" | sort >"$T/have"
	same_file "$z: findings and lines" "$T/want" "$T/have"
	n=$((n + 1))
done
check "at least 25 zones in the corpus ($n)" test "$n" -ge 25

# Where named-checkzone has an opinion, it agrees.
if command -v named-checkzone >/dev/null 2>&1; then
	named-checkzone example.com srv-port-range.zone >"$T/ncz" 2>&1
	check "named-checkzone refuses the SRV port 99999 too" test $? -ne 0
	named-checkzone example.com class-before-ttl.zone >"$T/ncz" 2>&1
	check "named-checkzone loads a class before the TTL too" test $? -eq 0
	for z in wildcard-txt-owner wildcard-txt-ent wildcard-ent wildcard-cut; do
		named-checkzone example.com "$z.zone" >"$T/ncz" 2>&1
		check "named-checkzone: $z's targets have no address either" \
		    test "$(grep -c 'has no address records' "$T/ncz")" -eq "$(grep -o 'srv-target-no-address' "$z.zone" | wc -l)"
	done
	"$XMPPCUT" lint generate.zone >"$T/out" 2>&1
	check "\$GENERATE: said clearly" grep -q 'GENERATE (a BIND extension) is not read here' "$T/out"
fi

# A class before the TTL: both SRV records read, the one without an owner
# as the previous line's (ldns alone refused both lines).
"$XMPPCUT" --json lint class-before-ttl.zone >"$T/out" 2>&1
json_ok "class before TTL: both SRV records read" '.files[0].xmpp_srv_records == 2 and .files[0].records == 8'
if command -v kzonecheck >/dev/null 2>&1; then
	kzonecheck -o example.com class-before-ttl.zone >"$T/kzc" 2>&1
	check "kzonecheck loads a class before the TTL too" test $? -eq 0
fi

# A class-first record whose text ends past the first 4 KiB that ldns
# read for it (comments before it): read again in full, not cut short
# (review, helper-19: the target was read as the relative "xmpp.ex").
{
	sed -n '/^\$ORIGIN/,/^ns1/p' clean.zone
	for _ in $(seq 1 70); do printf '; %060d\n' 0; done
	printf '_xmpp-server._tcp IN 300 SRV 0 0 5269 xmpp.example.com.\n'
	printf 'xmpp IN 300 A 192.0.2.1\n'
} >"$T/long-comments.zone"
expect_status 0 "class before TTL after 4 KiB of comments" "$XMPPCUT" --json lint "$T/long-comments.zone"
json_ok "... the SRV and its target read whole" '.findings == [] and .files[0].xmpp_srv_records == 1'

# Lower-case directives as named reads them: the SRV below "$origin
# im.example.com." is im.example.com's, and named agrees on the file
# without its two refused lines.
"$XMPPCUT" --json lint directives-case.zone >"$T/out" 2>&1
json_ok "lower-case \$origin moves the SRV below it" '.domains == ["im.example.com"]'
if command -v named-checkzone >/dev/null 2>&1; then
	head -n 15 directives-case.zone >"$T/dirs.zone"
	named-checkzone -D -o - example.com "$T/dirs.zone" >"$T/ncz" 2>&1
	check "named-checkzone: the SRV at im.example.com, TTL 300 from \$ttl" \
	    grep -Eq '^_xmpp-server\._tcp\.im\.example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SRV' "$T/ncz"
	for z in numbers-hidden ttl-not-ttl directives-case parens-stray parens-unclosed; do
		named-checkzone example.com "$z.zone" >"$T/ncz" 2>&1
		check "named-checkzone refuses $z too" test $? -ne 0
	done
fi

# CR LF line ends: ldns, named and NSD read the file, Knot refuses it; the
# file's summary says so (no finding: the zone is valid DNS). Only the CR
# LF of a blank line here, at the end of has_crlf's first 16 KiB read:
# a CR as the last byte of one block and its LF the first of the next.
{
	for _ in $(seq 1 162); do printf ';%099d\n' 0; done
	printf '%*s\r\n' $((16383 - 162 * 101)) ''
	cat clean.zone
} >"$T/crlf.zone"
check "the CR is the last byte of the first 16 KiB" test "$(head -c 16385 "$T/crlf.zone" | tail -c 2 | od -An -c | tr -d ' ')" = '\r\n'
expect_status 0 "CRLF line ends" "$XMPPCUT" --json lint "$T/crlf.zone"
json_ok "CRLF line ends: a fact of the file" '.files[0].crlf_line_ends == true and .findings == []'
expect_status 0 "LF line ends" "$XMPPCUT" --json lint clean.zone
json_ok "LF line ends: no CRLF" '.files[0].crlf_line_ends == false'
sed 's/^\(ns1 .*\)$/\1 ; a comment\r/' clean.zone >"$T/crlf-comment.zone"
expect_status 0 "CR LF at the end of a comment only" "$XMPPCUT" --json lint "$T/crlf-comment.zone"
json_ok "... is no CRLF line end (Knot reads it as part of the comment)" '.files[0].crlf_line_ends == false'
if command -v kzonecheck >/dev/null 2>&1; then
	kzonecheck -o example.com "$T/crlf-comment.zone" >"$T/kzc" 2>&1
	check "kzonecheck loads a CR at the end of a comment" test $? -eq 0
fi
sed 's/$/\r/' clean.zone >"$T/crlf-all.zone"
expect_status 0 "CRLF on every line" "$XMPPCUT" lint "$T/crlf-all.zone"
check "the text summary names CRLF and Knot" grep -q 'CRLF line ends (named and NSD read them, Knot refuses to load the file)' "$T/out"
if command -v kzonecheck >/dev/null 2>&1; then
	kzonecheck -o example.com "$T/crlf-all.zone" >"$T/kzc" 2>&1
	check "kzonecheck refuses CRLF line ends, as the summary says" test $? -ne 0
fi
if command -v named-checkzone >/dev/null 2>&1; then
	named-checkzone example.com "$T/crlf-all.zone" >"$T/ncz" 2>&1
	check "named-checkzone loads CRLF line ends, as the summary says" test $? -eq 0
fi

# SRV records below a DNAME (or a delegation): srv-missing says they are
# there but never served, not "no SRV record".
"$XMPPCUT" lint -c plan-dname.conf dname-above-domain.zone >"$T/out" 2>&1
check "srv-missing for SRV records below a DNAME says why" grep -q 'SRV records lie below a delegation or a DNAME' "$T/out"

# Text output: FILE:LINE: severity: [id] subject: message, one per line.
expect_status 2 "text output" "$XMPPCUT" lint cname-target.zone
check "text finding line" grep -q '^cname-target.zone:7: error: \[srv-target-cname\] _xmpp-server._tcp.example.com: target xmpp.example.com is an alias' "$T/out"
check "text summary line" grep -q '^lint: 1 error, 0 warnings, 0 info — CRITICAL$' "$T/out"

# Several files are one set of zones: a target in the other file resolves.
cat >"$T/example.org.zone" <<'ZONE'
$ORIGIN example.org.
@ SOA ns1.example.com. hostmaster 1 3600 600 86400 300
@ NS ns1.example.com.
_xmpp-server._tcp SRV 0 0 5269 xmpp1.example.com.
ZONE
expect_status 0 "two zones, target in the other one" "$XMPPCUT" lint clean.zone "$T/example.org.zone"
expect_status 2 "target in the other zone without address" "$XMPPCUT" --json lint empty.zone "$T/example.org.zone"
json_ok "srv-target-no-address is an error across files" '[.findings[] | select(.id == "srv-target-no-address" and .severity == "error")] | length == 1'

# srv-missing for an aliased SRV owner says so, not "fall back".
"$XMPPCUT" lint -c plan.conf --stage pre plan-srv-alias.zone >"$T/out" 2>&1
check "srv-missing: the owner is an alias, partners follow it" grep -q 'srv-missing\] example.com: _xmpp-server._tcp.example.com is an alias (CNAME): partners follow it' "$T/out"

# A plan none of whose names lies in the zones given: nothing compared,
# said (exit 3): here the origin was guessed from a file name that does not
# say the zone (user trial, helper-21: a clean OK).
grep -v '^\$ORIGIN' clean.zone >"$T/example.com.fwd"
expect_status 3 "a plan, and a zone guessed from the file name (example.com.fwd)" \
    "$XMPPCUT" --json lint -c plan.conf --stage final "$T/example.com.fwd"
json_ok "... zone-unknown names the plan's domain and the zone read" '[.findings[] | select(.id == "zone-unknown") | .message | contains("no name of the plan (example.com) lies in the zones given (example.com.fwd)")] == [true]'
expect_status 2 "... with --origin, compared" "$XMPPCUT" lint -c plan.conf --stage final --origin example.com "$T/example.com.fwd"

# A snippet's zone (--origin) is known from its first record: a
# delegation in it and data outside the zone are judged as in a whole
# zone file (user trial, helper-21: the occluded address was taken and
# example.org listed as a domain of this example.com snippet).
printf 'sub NS ns.other.net.\nxmpp.sub A 192.0.2.5\n_xmpp-server._tcp SRV 0 0 5269 xmpp.sub\n_xmpp-server._tcp.example.org. SRV 0 0 5269 nohost.example.org.\n' >"$T/snippet"
expect_status 0 "a snippet with a delegation and out-of-zone data" "$XMPPCUT" --json lint --origin example.com "$T/snippet"
json_ok "... the target below the cut is not the zone's, example.org is not in it" '([.findings[].id] == ["srv-target-out-of-zone"]) and .domains == ["example.com"]'

# ... and a file's SOA, wherever it stands, says its zone over --origin:
# the apex NS before it is no delegation (review, helper-22).
printf '$ORIGIN im.example.com.\n@ NS ns1.example.com.\n@ SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n_xmpp-server._tcp SRV 0 0 5269 xmpp\nxmpp A 192.0.2.5\n' >"$T/im.zone"
expect_status 0 "--origin example.com, the file's SOA im.example.com after its NS" "$XMPPCUT" --json lint --origin example.com "$T/im.zone"
json_ok "... zone im.example.com, its SRV read" '.files[0].zone == "im.example.com" and .files[0].xmpp_srv_records == 1 and .findings == []'

# A pipe cannot be read twice (signatures, wildcards): said, exit 3
# (the byte order mark check ate its first bytes before).
expect_status 3 "a pipe" sh -c "cat clean.zone | '$XMPPCUT' lint /dev/stdin"
check "... not a regular file, give a file" grep -q 'not a regular file (a directory, a pipe).*give a file' "$T/out"
expect_status 3 "a directory" "$XMPPCUT" lint "$T"
expect_status 0 "/dev/stdin from a file" sh -c "'$XMPPCUT' lint /dev/stdin <clean.zone"

# --origin for a file without $ORIGIN and SOA; the name of a file.
printf '_xmpp-server._tcp 3600 IN SRV 0 0 5269 edge\nedge 3600 IN A 192.0.2.10\n' >"$T/snippet"
expect_status 0 "--origin for relative names" "$XMPPCUT" --json lint --origin example.com "$T/snippet"
json_ok "--origin gives the zone" '.files[0].zone == "example.com" and .domains == ["example.com"]'
cp "$T/snippet" "$T/example.net.zone"
expect_status 3 "a snippet without SOA needs --origin (a file name is not a zone)" "$XMPPCUT" --json lint "$T/example.net.zone"
json_ok "... and says so" '[.findings[] | select(.id == "file-unreadable" and (.message | contains("--origin")))] | length == 1'
# Empty input (an AXFR the ACL refused) is not a clean zone.
: >"$T/empty.zone"
expect_status 3 "an empty file" "$XMPPCUT" --json lint "$T/empty.zone"
json_ok "... file-unreadable: no record" '.findings[0].id == "file-unreadable" and (.findings[0].message | contains("no record"))'
printf '; only comments\n\n' >"$T/comments.zone"
expect_status 3 "only comments" "$XMPPCUT" lint "$T/comments.zone"

# Usage and files.
expect_status 3 "no file" "$XMPPCUT" lint
expect_status 3 "a missing file" "$XMPPCUT" --json lint "$T/none.zone"
json_ok "file-unreadable" '.findings[0].id == "file-unreadable" and .summary.exit == 3'
expect_status 3 "--stage without a plan" "$XMPPCUT" -c "$T/none.conf" lint --stage cutover clean.zone
expect_status 3 "--stage middle" "$XMPPCUT" lint --stage middle clean.zone
expect_status 3 "--now garbage" "$XMPPCUT" lint --now yesterday clean.zone
expect_status 3 "binary garbage: no record, never a crash" "$XMPPCUT" lint "$XMPPCUT"
done_testing
