#!/usr/bin/env bash
# bench/match/run_fr.sh [records] [random_pairs] [threshold] [holdout] [multi]: persons and households on the generated
# French multi-source base (data/generate_french_base.sql), quality against its truth, time per step; then
# identification as records arrive: the last [holdout] records (a multiple of 16) left out of the clusters
# (bench/match/resolve_fr.sql), then resolved one a transaction by pgbench (resolve_client.sql), the first half
# by one client, the second by 8; bench/match/resolve_report.sql prints the latencies and the differences
# from the batch.
source "$(dirname "$0")/../../scripts/lib.sh"
records=${1:-100000}
random_pairs=${2:-1000000}
threshold=${3:-0.8}
holdout=${4:-200}
multi=${5:-0.18}   # share of multi-person households (data/generate_french_base.sql)
start_bench_cluster bench-match-fr "-c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers=4 -c jit=off"
psql_c360 -q -c "CREATE EXTENSION customer360"
log "bench/match/run_fr: generating $records French customer records ($(nproc) cores)"
t0=$(date +%s)
psql_c360 -v records="$records" -v multi="$multi" -f "$(stage_file data/generate_french_base.sql "$dir")"
echo "generated in $(( $(date +%s) - t0 )) s"
# the household key: the normalised delivery point (c360.address_key_fr when the extension has it)
if [ "$(psql_c360 -Atc "SELECT to_regprocedure('c360.address_key_fr(text,text,text)') IS NOT NULL")" = t ]; then
    key="c360.address_key_fr(address, postcode, city)"
else
    key="nullif(postcode || ' ' || regexp_replace(regexp_replace(regexp_replace(c360.normalize_name(regexp_replace(address, '^appt [0-9]+ - ', '', 'i')), '^([0-9]+) ?(bis|b)? ', '\\1\\2 '), ' (avenue|av) ', ' av '), ' (rue|r) ', ' rue '), postcode || ' ')"
fi
stage_file bench/match/quality.sql "$dir" >/dev/null
plain=$([ "$records" -le 100000 ] && echo on || echo off)
psql_c360 -v random_pairs="$random_pairs" -v threshold="$threshold" -v address_key="$key" -v plain="$plain" -f "$(stage_file bench/match/dedup_fr.sql "$dir")"
holdout=$(( (holdout + 15) / 16 * 16 ))
half=$(( holdout / 2 ))
log "bench/match/run_fr: resolving the last $holdout records one by one (c360.match_resolve): $half with 1 client, $half with 8"
psql_c360 -v holdout="$holdout" -v half="$half" -f "$(stage_file bench/match/resolve_fr.sql "$dir")"
client=$(stage_file bench/match/resolve_client.sql "$dir")
for clients in 1 8; do
    (cd "$dir" && as_server_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGDATABASE="$PGDATABASE" \
        "$PG_BIN/pgbench" -n -c $clients -j $(( clients < 2 ? 1 : 2 )) -t $(( half / clients )) -f "$client" \
        -l --log-prefix="$dir/resolve$clients" 2>&1 | grep -E "error|abort|failed|latency average|tps" || true)
    # pgbench log: client, transaction, latency (us), script, end time (s, us)
    cat "$dir"/resolve$clients.* | awk -v c=$clients '{print c "," $1 "," $2 "," $3 "," $5 "," $6}' >>"$dir/latencies.csv"
done
psql_c360 -q -c "CREATE TABLE latencies (clients int, client int, txn int, us bigint, end_s bigint, end_us bigint)" \
    -c "\\copy latencies FROM '$dir/latencies.csv' CSV"
psql_c360 -f "$(stage_file bench/match/resolve_report.sql "$dir")"
