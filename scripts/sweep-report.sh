#!/usr/bin/env bash
# Prints the figures of the bad-input sweep (sql/common_bad_input.sql) for a release note: functions and
# aggregates called, calls, SQLSTATE histogram, slowest calls, time. The test itself compares only stable
# booleans; with C360_SWEEP_REPORT=1 it shows its NOTICEs, so its output differs from the expected file and
# pg_regress keeps it in build/results-<mode>/common_bad_input.out, read here.
#   scripts/sweep-report.sh [serial|parallel]
# It tests whatever is installed: build and install this checkout under the same hold of the install lock
# (another checkout may have installed its build since), as for scripts/regress.sh:
#   flock /tmp/customer360-install.lock bash -c 'make -s -j2 && make -s install && bash scripts/sweep-report.sh parallel'
source "$(dirname "$0")/lib.sh"
mode=${1:-serial}
start=$(date +%s.%N)
C360_SWEEP_REPORT=1 C360_TESTS=common_bad_input bash "$C360_ROOT/scripts/regress.sh" "$mode" >/dev/null 2>&1 || true
end=$(date +%s.%N)
out=$C360_ROOT/build/results-$mode/common_bad_input.out
[ -f "$out" ] || die "no output in $out (did the test run? try C360_TESTS=common_bad_input bash scripts/regress.sh $mode)"
echo "bad-input sweep, $mode mode (PostgreSQL $PG_MAJOR):"
sed -n 's/^.*NOTICE:  sweep: /  /p; s/^sweep seconds: /  sweep seconds: /p' "$out"
printf '  pg_regress wall time (instance start included): %.1f s\n' "$(echo "$end - $start" | bc)"
if grep -q 'server closed the connection' "$out"; then echo "  BACKEND CRASH (see $out)"; exit 1; fi
