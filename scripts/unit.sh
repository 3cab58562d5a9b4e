#!/usr/bin/env bash
# Builds src/core with CMake and runs its GoogleTest unit tests through CTest.
source "$(dirname "$0")/lib.sh"
build=$C360_ROOT/build/core
log "C++ core: configure and build ($build)"
cmake -S "$C360_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC360_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$JOBS" >/dev/null
log "C++ core: unit tests (ctest)"
cd "$build"
ctest --output-on-failure -j"$JOBS" 2>&1 | tee "$build/ctest.log"
