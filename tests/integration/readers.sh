#!/bin/bash
# The readers of saved reports and state files (diff, monitor --state)
# against hundreds of mutants of real ones (tests/tools/mutate: wrong
# types, nulls, huge numbers, missing and stray members, cut short): each
# gives an honest comparison or a clear error (exit 3 with report-invalid),
# never a crash, a hang or a garbled report.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
: "${MUTATE:=$top_builddir/tests/tools/mutate}"
[ -x "$MUTATE" ] || skip "tests/tools/mutate is not built (make check builds it)"
corpus=$top_srcdir/tests/fuzz/corpus/report
N=${READERS_MUTANTS:-100}

compared=0 refused=0 bad=0
for base in monitor-observations.json probe-two-targets.json state-endpoints.json; do
	for seed in $(seq 1 "$N"); do
		m=$T/mutant.json
		"$MUTATE" "$seed" <"$corpus/$base" >"$m" || { bad=$((bad + 1)); continue; }
		for order in 1 2; do
			if [ $order = 1 ]; then a=$corpus/$base b=$m; else a=$m b=$corpus/$base; fi
			timeout 10 "$XMPPCUT" --json diff "$a" "$b" >"$T/out" 2>"$T/err"
			rc=$?
			# the exit status is one of the four, and the report says
			# the same; a refusal names the file and why
			if [ $rc -gt 3 ] ||
			    ! jq -e --argjson rc $rc '.summary.exit == $rc' "$T/out" >/dev/null 2>&1; then
				bad=$((bad + 1))
				cp "$m" "$T/bad-$base-$seed.json"
				echo "# $base seed $seed order $order: exit $rc"
				head -5 "$T/err" | sed 's/^/#   /'
			elif [ $rc -eq 3 ]; then
				if jq -e '[.findings[].id] | . == ["report-invalid"]' "$T/out" >/dev/null; then
					refused=$((refused + 1))
				else
					bad=$((bad + 1))
					echo "# $base seed $seed: exit 3 without report-invalid"
				fi
			else
				compared=$((compared + 1))
			fi
		done
	done
done
check "$((compared + refused + bad)) diff runs over $((3 * N)) mutants: $compared compared, $refused refused with report-invalid, $bad bad" test "$bad" -eq 0
check "both ways were seen (some mutants are still valid, some are not)" test "$compared" -gt 0 -a "$refused" -gt 0

# The text report of a mutant: one line per change or finding, nothing
# the mutant says can forge a line.
"$MUTATE" 7 <"$corpus/state-endpoints.json" >"$T/m7.json"
"$XMPPCUT" diff "$corpus/state-endpoints.json" "$T/m7.json" >"$T/out" 2>&1
check "text: no forged line" sh -c "! grep -q '^XMPPCUT' '$T/out'"

# State files as monitor reads them: the same reader (obsfile.c); monitor
# in the lab tests (monitor.sh) covers empty, truncated, garbage and
# foreign state files.
expect_status 0 "a state file against itself" "$XMPPCUT" diff "$corpus/state-endpoints.json" "$corpus/state-endpoints.json"
check "no change" grep -q '^no change$' "$T/out"
done_testing
