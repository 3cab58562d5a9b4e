#!/usr/bin/env bash
# bench/rfm: 10 million synthetic orders over 1 million customers in a throwaway cluster.
#   bash bench/rfm/run.sh [orders] [customers] [reps]     (make bench)
# Prints the time ratios of c360.rfm against the built-in floor and the plain-SQL RFM.
source "$(dirname "$0")/../../scripts/lib.sh"
orders=${1:-10000000}
customers=${2:-1000000}
reps=${3:-3}
# enough work_mem that no plan spills 1M groups to disk; the same settings for every query
start_bench_cluster bench "-c shared_buffers=2GB -c work_mem=1GB -c max_parallel_workers=4 -c jit=off"
log "bench/rfm: $orders orders, $customers customers, median of $reps runs ($(nproc) cores)"
psql_c360 -v orders="$orders" -v customers="$customers" -v reps="$reps" -f "$(stage_file bench/rfm/bench.sql "$dir")"
