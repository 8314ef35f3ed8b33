#!/bin/bash
# scripts/fuzz.sh — build the fuzzers (clang, libFuzzer, ASan, UBSan) and
# run each for SECONDS (default 60), keeping the corpora in build-fuzz/
# between runs. Prints, per fuzzer, executions, coverage and corpus size;
# exits 1 on a crash, leak or timeout (the input is in build-fuzz/crashes).
#
#   scripts/fuzz.sh [SECONDS] [plan|zone|xmpp|cert|report ...]
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
shift 2>/dev/null || true
fuzzers=${*:-plan zone xmpp cert report}
b=$PWD/build-fuzz

# Build from the distribution files, out of the source tree.
[ -f Makefile ] || scripts/setup.sh >/dev/null || exit 1
rm -rf "$b/src"
mkdir -p "$b/crashes"
make -s distdir distdir="$b/src" >/dev/null || exit 1
(cd "$b/src" && CC=clang ./configure -q --enable-fuzzing &&
    make -s -j"$(nproc)" $(printf 'tests/fuzz/fuzz-%s ' $fuzzers)) >"$b/build.log" 2>&1 ||
    { tail -20 "$b/build.log"; exit 1; }

# Seeds: the committed ones and the tests' own data.
seeds() {
	case $1 in
	plan) echo "tests/plans zones" ;;
	zone) echo "tests/zones/lint zones" ;;
	*) echo "" ;;
	esac
}
status=0
printf '%-8s %10s %8s %8s %8s %s\n' fuzzer execs exec/s cov features corpus
for f in $fuzzers; do
	mkdir -p "$b/corpus/$f"
	# shellcheck disable=SC2046
	dict=""
	[ -f "tests/fuzz/$f.dict" ] && dict="-dict=tests/fuzz/$f.dict"
	# shellcheck disable=SC2086
	"$b/src/tests/fuzz/fuzz-$f" $dict -max_total_time="$secs" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$b/crashes/$f-" \
	    "$b/corpus/$f" "tests/fuzz/corpus/$f" $(seeds "$f") >"$b/$f.log" 2>&1
	rc=$?
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$b/$f.log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/$f.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$b/$f.log")
	cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$done_line" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
	printf '%-8s %10s %8s %8s %8s %s\n' "$f" "${execs:-?}" "${rate:-?}" \
	    "${cov:-?}" "${ft:-?}" "${corp:-?}"
	if [ "$rc" -ne 0 ]; then
		echo "fuzz-$f FAILED (exit $rc):"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$b/$f.log" | head -20
		status=1
	fi
done
exit "$status"
