#!/usr/bin/env bash
# bench/scoring: logistic regression training and scoring in a throwaway cluster.
#   bash bench/scoring/run.sh [training_rows] [features] [scoring_rows]
# Prints the times of c360.logit_fit, c360.logit_train, the "floor" (passes x one parallel scan
# computing the same sums with built-in aggregates), and scoring with c360.logit_predict against
# the same dot product written in plain SQL.
source "$(dirname "$0")/../../scripts/lib.sh"
rows=${1:-1000000}
features=${2:-20}
score_rows=${3:-10000000}
start_bench_cluster bench-scoring "-c shared_buffers=2GB -c work_mem=1GB -c max_parallel_workers=4 -c jit=off"
log "bench/scoring: $rows rows x $features features, scoring $score_rows rows ($(nproc) cores)"
psql_c360 -v rows="$rows" -v features="$features" -v score_rows="$score_rows" -f "$(stage_file bench/scoring/bench.sql "$dir")"
