#!/usr/bin/env bash
# `make fuzz`: the libFuzzer targets of tests/fuzz (clang, address and undefined sanitizers, src/core
# only), each for FUZZ_SECONDS (30) from its seed corpus tests/fuzz/corpus/<target minus fuzz_>/,
# then a long sqlsmith run (scripts/sqlsmith.sh: SQLSMITH_QUERIES (15000) queries for each of
# SQLSMITH_SEEDS (2 to 11)). FUZZ_TARGETS="fuzz_utf8 ..." runs only those targets; SQLSMITH_SEEDS=none
# skips sqlsmith. Fails when a target crashes (its input is kept in build/fuzz/artifacts/: reproduce
# with build/fuzz/<target> <file>) or sqlsmith fails.
source "$(dirname "$0")/lib.sh"
cd "$C360_ROOT"
# libFuzzer and the sanitizer runtimes come with Debian's libclang-rt-14-dev
bash scripts/deps.sh clang libclang-rt-14-dev
seconds=${FUZZ_SECONDS:-30}
build=$C360_ROOT/build/fuzz
log "libFuzzer targets: configure and build ($build, clang++)"
cmake -S "$C360_ROOT" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DC360_BUILD_TESTS=OFF -DC360_BUILD_BENCH=OFF -DC360_BUILD_FUZZ=ON >/dev/null
cmake --build "$build" -j"$JOBS" >/dev/null
targets=${FUZZ_TARGETS:-$(find "$build" -maxdepth 1 -name 'fuzz_*' -type f -executable -printf '%f\n' | sort)}
mkdir -p "$build/artifacts" "$build/logs"
fuzz_failed=0
for t in $targets; do
    corpus=$build/corpus/$t # the working corpus grows here; the committed seeds stay as they are
    mkdir -p "$corpus"
    set +e
    "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$t-" "$corpus" "$C360_ROOT/tests/fuzz/corpus/${t#fuzz_}" \
        >"$build/logs/$t.log" 2>&1
    status=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log" | tail -n1)
    if [ "$status" -eq 0 ]; then
        printf '%-24s %3s s  %10s executions  ok\n' "$t" "$seconds" "${execs:-?}"
    else
        printf '%-24s %3s s  %10s executions  FAILED (exit %s)\n' "$t" "$seconds" "${execs:-?}" "$status"
        { grep -E -A1 'c360 fuzz finding|ERROR: |SUMMARY|Test unit written|runtime error' "$build/logs/$t.log" || true; } | head -n 12
        fuzz_failed=$((fuzz_failed + 1))
    fi
done
echo "libFuzzer: $fuzz_failed of $(echo $targets | wc -w) targets failed"

sqlsmith_status=0
if [ "${SQLSMITH_SEEDS:-}" != none ]; then
    take_install_lock
    build_and_install
    SQLSMITH_SEEDS=${SQLSMITH_SEEDS:-2 3 4 5 6 7 8 9 10 11} bash scripts/sqlsmith.sh "${SQLSMITH_QUERIES:-15000}" \
        || sqlsmith_status=1
fi
[ "$fuzz_failed" -eq 0 ] && [ "$sqlsmith_status" -eq 0 ]
