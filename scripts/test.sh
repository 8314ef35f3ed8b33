#!/bin/bash
# scripts/test.sh — set up everything and run every test:
#   1. make check on the normal build (unit tests, integration tests
#      against real servers)
#   2. make distcheck, its build with AddressSanitizer and UBSan: the
#      tarball builds out of its read-only tree, passes every test again
#      (a file missing from the tarball fails here), installs and
#      uninstalls cleanly
#   3. the main paths under valgrind (tests/valgrind.sh)
#   4. each fuzzer for FUZZ_SECONDS (default 6; scripts/fuzz.sh for long
#      runs)
# Prints each step's results and time and a closing line "N passed, N
# failed". QUICK=1 runs step 1 only.
set -u
cd "$(dirname "$0")/.."
# warnings are errors here (not in a packager's default build)
export CONFIGURE_FLAGS="--enable-werror ${CONFIGURE_FLAGS:-}"
[ -f config.status ] && ! grep -q -- --enable-werror config.status &&
    rm -f config.status
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
# results LABEL LOG: one result per test from automake's lines in LOG.
results() {
	local label=$1 log=$2 r name n=0
	while read -r r name; do
		n=$((n + 1))
		case "$r" in
		PASS:) result PASS "$label $name" ;;
		SKIP:) result SKIP "$label $name" ;;
		*) result FAIL "$label $name" ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL): ' "$log")
	[ "$n" -gt 0 ] || result FAIL "$label (no test ran)"
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
	make -j2 distcheck DISTCHECK_CONFIGURE_FLAGS="--enable-werror \
	    --enable-sanitizers" >build-asan/distcheck.log 2>&1
	st=$?
	results asan build-asan/distcheck.log
	if [ "$st" -eq 0 ]; then
		result PASS "distcheck (tarball, read-only tree, install)"
	else
		result FAIL distcheck
		grep -E '^(FAIL|ERROR):' build-asan/distcheck.log |
		    while read -r _ t; do
			for d in xmppcut-*/_build/sub; do
				tail -n 40 "$d/${t%.sh}.log" 2>/dev/null
			done
		done | sed 's/^/    /'
		tail -20 build-asan/distcheck.log | sed 's/^/    /'
	fi
	rm -f xmppcut-*.tar.gz
	timed "make distcheck with ASan and UBSan"

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
