#!/bin/bash
# scripts/test.sh — set up everything and run every test (make check).
# Prints the automake summary and a closing line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed (setup)"; exit 1; }

make -s check -j2 >/dev/null 2>&1
status=$?
for log in tests/*/*.log; do
	[ -f "$log" ] || continue
	case "$log" in *test-suite.log) continue ;; esac
	trs=${log%.log}.trs
	result=$(sed -n 's/^:test-result: //p' "$trs" 2>/dev/null | head -1)
	case "$result" in
	PASS|SKIP) ;;
	*) echo "=== $log ($result)"; tail -n 60 "$log" ;;
	esac
done
pass=$(cat tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS')
fail=$(cat tests/*/*.trs 2>/dev/null | grep -Ec '^:test-result: (FAIL|ERROR|XPASS)')
skip=$(cat tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP')
for trs in tests/*/*.trs; do
	printf '%-6s %s\n' "$(sed -n 's/^:test-result: //p' "$trs" | head -1)" \
	    "${trs%.trs}"
done
[ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$skip skipped (a skip means a missing tool)"
# In CI every tool is installed: a skip there is a failure.
[ -z "${XMPPCUT_NO_SKIP:-}" ] || fail=$((fail + skip))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
