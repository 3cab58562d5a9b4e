#!/usr/bin/env bash
# bench/match: the single customer view at scale, against what an analyst would otherwise use.
#   bash bench/match/run.sh [records] [random_pairs]      (defaults 1,000,000 and 1,000,000)
#   C360_MATCH_PARTS=strings bash bench/match/run.sh      only steps 1 and 2
#   C360_PAIRS_OUT=file.csv: also writes every string pair with c360's answers (a, b, levenshtein,
#   osa_distance, jaro, jaro_winkler), checked by bench/match/strings_check.cpp
# 1. generate.sql: synthetic customers with known true persons (French/English names, typos,
#    swapped fields, missing values, accents; see the file).
# 2. strings.sql: c360.levenshtein vs fuzzystrmatch.levenshtein and c360.jaro_winkler vs
#    pg_similarity's jarowinkler over the same pairs (one per record), ratios in the same run.
# 3. dedup.sql: the docs/match.md recipe end to end (clean, train, score, cluster, golden
#    records), timed per step, with pairwise precision / recall / F1 against the truth and the
#    backend's peak resident memory.
source "$(dirname "$0")/../../scripts/lib.sh"
records=${1:-1000000}
random_pairs=${2:-1000000}
bash "$C360_ROOT/scripts/deps.sh" "postgresql-$PG_MAJOR-similarity"   # the pg_similarity peer
start_bench_cluster bench-match "-c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers=4 -c jit=off"
psql_c360 -q -c "CREATE EXTENSION customer360"
log "bench/match: generating $records customer records ($(nproc) cores)"
t0=$(date +%s)
psql_c360 -v records="$records" -f "$(stage_file bench/match/generate.sql "$dir")"
echo "generated in $(( $(date +%s) - t0 )) s"
log "string similarity over the same pairs (one per record)"
psql_c360 -f "$(stage_file bench/match/strings.sql "$dir")"
if [ -n "${C360_PAIRS_OUT:-}" ]; then
    psql_c360 -q -c "\\copy (SELECT a, b, c360.levenshtein(a, b), c360.osa_distance(a, b), c360.jaro(a, b), c360.jaro_winkler(a, b) FROM string_pairs) TO '$dir/pairs.csv' CSV"
    cp "$dir/pairs.csv" "$C360_PAIRS_OUT"
fi
[ "${C360_MATCH_PARTS:-strings dedup}" != strings ] || exit 0
log "deduplication end to end (docs/match.md recipe, random_pairs => $random_pairs)"
psql_c360 -v random_pairs="$random_pairs" -f "$(stage_file bench/match/dedup.sql "$dir")"
