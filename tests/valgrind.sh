#!/bin/bash
# The main paths under valgrind, against the lab: generate, lint, cert,
# check and probe (and monitor, diff, init, apply). No errors, no definite
# leaks.
# Run by scripts/test.sh on the normal build (not under make check: the
# sanitizer build runs make check too, and valgrind does not mix with ASan).
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$top_srcdir
XMPPCUT=$top_builddir/xmppcut
. "$top_srcdir/tests/lib.sh"
need valgrind jq
lab_start
vg() { # vg NAME ARGS...: xmppcut under valgrind, exit codes 0-3 accepted
	local name=$1 rc
	shift
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --log-file="$T/vg-$name.log" "$XMPPCUT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -le 3 ] && ! grep -q 'definitely lost\|Invalid \|uninitialised' "$T/vg-$name.log"; then
		ok "valgrind: $name (exit $rc)"
	else
		not_ok "valgrind: $name (exit $rc)"
		head -40 "$T/vg-$name.log" | sed 's/^/#   /'
	fi
}
# shellcheck disable=SC2086
o=$LAB_OPTS
vg generate-zone -c "$LAB_PLAN" generate --stage cutover
vg generate-nsupdate -c "$LAB_PLAN" generate --stage final --format nsupdate --server "$LAB_NS1" --tsig-key "$LAB_TSIG"
vg lint -c "$top_srcdir/tests/zones/lint/plan.conf" lint --stage cutover "$top_srcdir/tests/zones/lint/plan-combo.zone"
vg lint-signed lint "$LAB_DIR/zones/tampered.test.zone"
vg cert -c "$LAB_PLAN" --ca "$LAB_CA" cert
# shellcheck disable=SC2086
vg check -c "$LAB_PLAN" $o --timeout 30 check --expect old --connect "$LAB_NEW"
# shellcheck disable=SC2086
vg probe -c "$LAB_PLAN" $o --timeout 30 --json probe --partners tampered.test broken.test
cp "$T/out" "$T/probe.json"
# shellcheck disable=SC2086
vg monitor -c "$LAB_PLAN" $o --timeout 30 monitor --expect old --state "$T/state.json" --prom "$T/m.prom"
vg diff diff "$T/probe.json" "$T/probe.json"
# shellcheck disable=SC2086
vg init $o --timeout 30 --json init example.test
# shellcheck disable=SC2086
vg init-refused $o --timeout 30 init example.test partner-a.test broken.test
# shellcheck disable=SC2086
vg apply-dry-run -c "$LAB_PLAN" $o --timeout 30 apply --stage pre --dry-run --tsig-key "$LAB_TSIG"
# shellcheck disable=SC2086
vg apply -c "$LAB_PLAN" $o --timeout 30 apply --stage pre --server "$LAB_NS1" --tsig-key "$LAB_TSIG" --wait 3
done_testing
