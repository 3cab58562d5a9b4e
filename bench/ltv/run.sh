#!/usr/bin/env bash
# bench/ltv: fit times (CDNOW, 1M simulated customers) and prediction throughput over 1M customers
# against the same closed form written in plain SQL, in one run; then the iterated fits (c360.*_train) against
# the fit aggregates on 100,000 continuous summaries, without and with 2 parallel workers (medians of 3).
#   bash bench/ltv/run.sh [customers]          (default 1,000,000)
source "$(dirname "$0")/../../scripts/lib.sh"
customers=${1:-1000000}
start_bench_cluster bench-ltv "-c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers=4 -c jit=off"
log "bench/ltv: CDNOW and $customers simulated customers ($(nproc) cores)"
cp "$C360_ROOT/data/cdnow/CDNOW_sample.txt" "$dir/"
is_root && chown "$C360_OS_USER" "$dir/CDNOW_sample.txt"
psql_c360 -v customers="$customers" -v sample_file="$dir/CDNOW_sample.txt" -f "$(stage_file bench/ltv/bench.sql "$dir")"
