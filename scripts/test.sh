#!/bin/bash
# scripts/test.sh — set up everything and run every test:
#   1. make check on the normal build (unit tests, integration tests
#      against real servers)
#   2. make check again on a build with AddressSanitizer and UBSan, made
#      from `make distdir` (so a file missing from the tarball fails too)
#   3. the main paths under valgrind (tests/valgrind.sh)
#   4. each fuzzer for FUZZ_SECONDS (default 6; scripts/fuzz.sh for long
#      runs)
# Prints each step's results and time and a closing line "N passed, N
# failed". QUICK=1 runs step 1 only.
set -u
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed (setup)"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0 fail=0 skip=0
result() { # result PASS|FAIL|SKIP NAME
	printf '%-6s %s\n' "$1" "$2"
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
}
# suite DIR LABEL: make check in DIR, one result per test.
suite() {
	local dir=$1 label=$2 trs r log
	(cd "$dir" && make -s check -j2 >/dev/null 2>&1)
	for trs in "$dir"/tests/*/*.trs; do
		[ -f "$trs" ] || continue
		r=$(sed -n 's/^:test-result: //p' "$trs" | head -1)
		log=${trs%.trs}.log
		case "$r" in
		PASS) result PASS "$label ${trs#"$dir"/}" ;;
		SKIP) result SKIP "$label ${trs#"$dir"/}" ;;
		*) result FAIL "$label ${trs#"$dir"/}"
		   tail -n 60 "$log" | sed 's/^/    /' ;;
		esac
	done
	[ -n "$(ls "$dir"/tests/*/*.trs 2>/dev/null)" ] ||
	    result FAIL "$label (no test ran)"
}
timed() { # timed LABEL: prints the seconds since the last call
	local now
	now=$(date +%s)
	printf '       (%s: %d s)\n' "$1" "$((now - ${t0:-now}))"
	t0=$now
}

t0=$(date +%s)
start=$t0
rm -f tests/*/*.trs
suite . build
timed "make check"

if [ -z "${QUICK:-}" ]; then
	rm -rf build-asan
	mkdir -p build-asan
	if make -s distdir distdir=build-asan/src >/dev/null 2>&1 &&
	    (cd build-asan/src && ./configure -q --enable-sanitizers &&
	    make -s -j2) >build-asan/build.log 2>&1; then
		suite build-asan/src asan
	else
		result FAIL "asan build"
		tail -20 build-asan/build.log | sed 's/^/    /'
	fi
	timed "make check with ASan and UBSan"

	if bash tests/valgrind.sh >build-asan/valgrind.log 2>&1; then
		result PASS "valgrind (main paths: $(grep -c '^ok' build-asan/valgrind.log) runs)"
	else
		result FAIL valgrind
		grep -v '^ok' build-asan/valgrind.log | head -40 | sed 's/^/    /'
	fi
	timed valgrind

	if scripts/fuzz.sh "${FUZZ_SECONDS:-6}" >build-asan/fuzz.log 2>&1; then
		result PASS "fuzz (${FUZZ_SECONDS:-6} s each)"
	else
		result FAIL fuzz
	fi
	sed 's/^/    /' build-asan/fuzz.log | tail -8
	timed fuzzing
fi

printf '       (all: %d s)\n' "$(( $(date +%s) - start ))"
echo "$skip skipped (a skip means a missing tool)"
# In CI every tool is installed: a skip there is a failure.
[ -z "${XMPPCUT_NO_SKIP:-}" ] || fail=$((fail + skip))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
