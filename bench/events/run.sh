#!/usr/bin/env bash
# bench/events: cost of c360.track_orders on INSERT under load.
#   bash bench/events/run.sh [seconds] [clients]      (defaults 60 s, 8 clients)
# pgbench inserts single orders into a plain table and into a tracked one (rules: welcome,
# spend threshold, order count, segment transition; customers from 1..120,000, so ~1/6 new),
# then checks that the incremental state equals a full recomputation.
source "$(dirname "$0")/../../scripts/lib.sh"
seconds=${1:-60}
clients=${2:-8}
start_bench_cluster bench-events "-c shared_buffers=1GB -c max_connections=50"
log "bench/events: setup (300,000 orders of 100,000 customers in each table)"
psql_c360 -q -f "$(stage_file bench/events/setup.sql "$dir")" >/dev/null
run() { # name script
    as_server_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
        "$PG_BIN/pgbench" -n -c "$clients" -j 2 -T "$half" -f "$(stage_file "$2" "$dir")" postgres 2>&1 \
        | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
# alternate plain and tracked rounds (the machine's speed drifts between runs): 4 rounds of seconds/2 each
half=$(( seconds / 2 > 5 ? seconds / 2 : 5 ))
ratios=()
for round in 1 2 3 4; do
    [ $(( round % 2 )) -eq 1 ] && order="plain tracked" || order="tracked plain"
    for kind in $order; do
        tps=$(run "$kind" "bench/events/$kind.pgbench")
        eval "tps_$kind=$tps"
    done
    ratio=$(awk -v p="$tps_plain" -v t="$tps_tracked" 'BEGIN { printf "%.2f", p / t }')
    ratios+=("$ratio")
    echo "round $round ($half s each, $clients clients): plain $tps_plain tps, tracked $tps_tracked tps, ratio $ratio"
done
psql_c360 -q -At -c "SELECT 'events queued: ' || count(*) FROM c360.event_queue" \
           -c "SELECT 'orders inserted into the tracked table: ' || count(*) - 300000 FROM orders_tracked" \
           -c "SELECT 'customers whose incremental state differs from a full recomputation: ' || c360.verify_customer_state('orders_tracked')"
# the mix: inserts, updates, deletes and multi-order transactions on overlapping customers; the
# state must equal a full recomputation and no transaction may deadlock
log "bench/events: mix of inserts, updates, deletes and 3-order transactions ($seconds s, $clients clients)"
mix=$(as_server_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
    "$PG_BIN/pgbench" -n -c "$clients" -j 2 -T "$seconds" --max-tries=1 --failures-detailed \
    -f "$(stage_file bench/events/mix.pgbench "$dir")" postgres 2>&1)
echo "$mix" | grep -E '^(tps|number of (transactions actually processed|failed|serialization|deadlock))' || echo "$mix" | tail -n 20
psql_c360 -q -At -c "SELECT 'mix: customers whose incremental state differs from a full recomputation: ' || c360.verify_customer_state('orders_tracked')"
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", (a[2] + a[3]) / 2 }')
echo "cost ratio tracked/plain (time per insert), median of 4 rounds: $median (target < 2)"
