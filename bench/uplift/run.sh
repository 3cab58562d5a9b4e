#!/usr/bin/env bash
# bench/uplift: the full lift report (conversion + spend, both arms) over N rows, c360 aggregates
# against the plain-SQL floor an analyst writes (count / avg / stddev with FILTER), same run.
#   bash bench/uplift/run.sh [rows]          (default 10,000,000)
source "$(dirname "$0")/../../scripts/lib.sh"
rows=${1:-10000000}
start_bench_cluster bench-uplift "-c shared_buffers=2GB -c work_mem=256MB -c max_parallel_workers=4 -c jit=off"
log "bench/uplift: $rows rows ($(nproc) cores)"
psql_c360 -v rows="$rows" -f "$(stage_file bench/uplift/bench.sql "$dir")"
