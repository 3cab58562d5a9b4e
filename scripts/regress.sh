#!/usr/bin/env bash
# Runs the pg_regress suite against a temporary instance, as the unprivileged server account.
#   scripts/regress.sh serial     default planner settings
#   scripts/regress.sh parallel   parallel query forced (force_parallel_mode / debug_parallel_query = regress, zero
#                                 parallel costs): same expected output, different plans
# C360_TESTS="a b" runs only those tests.
# The extension must be installed (make install). Prints pg_regress's counts; exits non-zero
# on any failure and shows the diffs.
source "$(dirname "$0")/lib.sh"
mode=${1:-serial}
pg_regress=$($PG_CONFIG --pgxs | sed 's|/src/makefiles/pgxs.mk$||')/src/test/regress/pg_regress
[ -x "$pg_regress" ] || die "pg_regress not found under $($PG_CONFIG --pgxs) (Debian: is postgresql-server-dev-$PG_MAJOR installed?)"

work=$(server_tmpdir "regress-$mode")
trap 'rm -rf "$work"' EXIT
cp -r "$C360_ROOT/sql" "$C360_ROOT/expected" "$C360_ROOT/data" "$work/"
mkdir -p "$work/out"
{
    echo "max_parallel_workers = 8"
    echo "max_worker_processes = 16"
    if [ "$mode" = parallel ]; then
        # renamed debug_parallel_query in PostgreSQL 16
        if [ "$PG_MAJOR" -ge 16 ]; then echo "debug_parallel_query = regress"; else echo "force_parallel_mode = regress"; fi
        echo "parallel_setup_cost = 0"
        echo "parallel_tuple_cost = 0"
        echo "min_parallel_table_scan_size = 0"
        echo "min_parallel_index_scan_size = 0"
        echo "max_parallel_workers_per_gather = 2"
    fi
} >"$work/temp.conf"
is_root && chown -R "$C360_OS_USER" "$work"

# sql/schedule lists every test in order; C360_TESTS="a b" runs only those.
if [ -n "${C360_TESTS:-}" ]; then
    tests=$C360_TESTS
else
    tests="--schedule=$work/sql/schedule"
fi
log "pg_regress ($mode): $tests"
set +e
cd "$work"
as_server_user "$pg_regress" \
    --temp-instance="$work/instance" --temp-config="$work/temp.conf" \
    --inputdir="$work" --outputdir="$work/out" --bindir="$PG_BIN" \
    --load-extension=customer360 --no-locale --encoding=UTF8 \
    $tests 2>&1 | tee "$work/pg_regress.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    # keep what the tests printed, for review (build/results-<mode>/)
    rm -rf "$C360_ROOT/build/results-$mode"
    mkdir -p "$C360_ROOT/build/results-$mode"
    cp "$work"/out/results/*.out "$C360_ROOT/build/results-$mode/" 2>/dev/null || true
    if [ -f "$work/out/regression.diffs" ]; then
        echo "---- regression.diffs ($mode) ----"
        head -n 300 "$work/out/regression.diffs"
        mkdir -p "$C360_ROOT/build"
        cp "$work/out/regression.diffs" "$C360_ROOT/build/regression-$mode.diffs"
        echo "(full diffs kept in build/regression-$mode.diffs)"
    fi
    exit 1
fi
