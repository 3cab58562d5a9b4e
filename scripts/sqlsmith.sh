#!/usr/bin/env bash
# Random SQL against the extension (sqlsmith, Debian package): a throwaway cluster run by the
# unprivileged server account, a database holding the extension and small tables of every state and
# model type (tests/sqlsmith/setup.sql), sqlsmith connected as a role that is not superuser and that
# sees only c360's routines (plus a few of pg_catalog's) when sqlsmith reads the catalog.
#   scripts/sqlsmith.sh [queries [seed...]]    default: 15000 queries, seed 1 (the test command)
#   make fuzz                                   10 x 15000 queries: seeds 2 to 11 (SQLSMITH_SEEDS)
# Fails when a backend crashes (server log: terminated by signal, PANIC, abnormal exit; sqlsmith's
# broken-connection report) or sqlsmith itself fails. Prints, for each seed, the queries run, the time
# and the errors by SQLSTATE and message, then one line `sqlsmith: P passed, F failed` (one run per seed).
# Reproduce: the server log and sqlsmith's output of a failed run are kept in build/sqlsmith-<seed>/.
# The extension must be installed (make install).
source "$(dirname "$0")/lib.sh"
queries=${1:-${SQLSMITH_QUERIES:-15000}}
shift || true
seeds=${*:-${SQLSMITH_SEEDS:-1}}
command -v sqlsmith >/dev/null || die "sqlsmith not found (Debian package sqlsmith: bash scripts/deps.sh)"

dir=$(server_tmpdir sqlsmith)
trap 'stop_temp_cluster "$dir"; rm -rf "$dir"' EXIT
# every error logged with its SQLSTATE (counted below); a crash is logged by the postmaster
start_temp_cluster "$dir"
psql_c360 -q -c "ALTER SYSTEM SET log_line_prefix = '%e '" -c "ALTER SYSTEM SET log_min_error_statement = panic" \
    -c "SELECT pg_catalog.pg_reload_conf()" >/dev/null
as_server_user "$PG_BIN/createdb" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" smith
PGDATABASE=smith psql_c360 -q -f "$(stage_file "$C360_ROOT/tests/sqlsmith/setup.sql" "$dir")"

passed=0
failed=0
for seed in $seeds; do
    log "sqlsmith $(sqlsmith --version 2>&1 | head -n1 | sed 's/^SQLsmith //'): seed $seed, $queries queries"
    : >"$dir/server.log.mark"
    start_line=$(wc -l <"$dir/server.log")
    t0=$(date +%s.%N)
    set +e
    (cd "$dir" && as_server_user timeout $(( queries / 10 + 120 )) sqlsmith --verbose --exclude-catalog --seed="$seed" \
        --max-queries="$queries" --target="host=$PGHOST port=$PGPORT dbname=smith user=smith") \
        >"$dir/sqlsmith-$seed.out" 2>&1
    status=$?
    set -e
    t1=$(date +%s.%N)
    tail -n +"$((start_line + 1))" "$dir/server.log" >"$dir/server-$seed.log"
    crashes=$(grep -c -E 'terminated by signal|was terminated by|exited with exit code [1-9]|PANIC:|server process .* was terminated' \
        "$dir/server-$seed.log" || true)
    # sqlsmith's progress line: one character per query, C for a broken connection (a crashed backend)
    broken=$( (grep -E '^[.a-zA-Z]+$' "$dir/sqlsmith-$seed.out" || true) | grep -v -E '^[A-Za-z]{2,}' | tr -cd 'C' | wc -c || true)
    errors=$(grep -c ' ERROR:  ' "$dir/server-$seed.log" || true)
    printf 'seed %s: %s queries in %.1f s, sqlsmith exit %s, %s errors, %s crashes logged, %s broken connections\n' \
        "$seed" "$queries" "$(awk "BEGIN { print $t1 - $t0 }")" "$status" "$errors" "$crashes" "$broken"
    echo "errors by SQLSTATE and message (server log):"
    awk '$2 == "ERROR:" { code = $1; $1 = ""; $2 = ""; m = substr($0, 3);
            gsub(/"[^"]*"/, "\"…\"", m); gsub(/ at character [0-9]+/, "", m); gsub(/ [-+]?[0-9][0-9.e+-]*/, " N", m);
            print code " " substr(m, 1, 90) }' "$dir/server-$seed.log" | sort | uniq -c | sort -rn >"$dir/errors-$seed.txt"
    head -n 15 "$dir/errors-$seed.txt"
    echo "errors raised by the extension (message starting with c360.):"
    grep -E '^ *[0-9]+ [0-9A-Z]{5} c360\.' "$dir/errors-$seed.txt" | head -n 40 || true
    if [ "$crashes" -gt 0 ] || [ "$broken" -gt 0 ] || [ "$status" -ne 0 ]; then
        echo "FAILED: seed $seed"
        grep -E -B2 -A3 'terminated by signal|was terminated by|exited with exit code [1-9]|PANIC:' "$dir/server-$seed.log" | head -n 40 || true
        tail -n 30 "$dir/sqlsmith-$seed.out"
        rm -rf "$C360_ROOT/build/sqlsmith-$seed"
        mkdir -p "$C360_ROOT/build/sqlsmith-$seed"
        cp "$dir/server-$seed.log" "$dir/sqlsmith-$seed.out" "$dir/errors-$seed.txt" "$C360_ROOT/build/sqlsmith-$seed/"
        echo "(kept in build/sqlsmith-$seed/)"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "sqlsmith: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
