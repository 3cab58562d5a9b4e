#!/usr/bin/env bash
# The test command (`make test`, called by .ci/run): set-up, build, install, then every suite.
# Each suite runs even when an earlier one failed; the last line sums them up.
source "$(dirname "$0")/lib.sh"
cd "$C360_ROOT"
bash scripts/deps.sh
take_install_lock
build_and_install

mkdir -p build
passed=0
failed=0
suite() { # name, command...
    local name=$1; shift
    local out=build/suite-$name.log
    set +e
    "$@" 2>&1 | tee "$out"
    local status=${PIPESTATUS[0]}
    set -e
    local p f
    case $name in
    sqlsmith) # one run per seed: `sqlsmith: P passed, F failed`
        p=$(sed -n 's/^sqlsmith: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" | tail -n1)
        if [ -n "$p" ]; then f=${p#* }; p=${p% *}; else p=0; f=1; fi ;;
    unit)
        p=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' "$out" | tail -n1)
        if [ -n "$p" ]; then f=${p#* }; p=$(( ${p% *} - f )); else p=0; f=1; fi ;;
    *)
        if grep -q 'All [0-9]* tests passed' "$out"; then
            p=$(sed -n 's/.*All \([0-9]*\) tests passed.*/\1/p' "$out" | tail -n1); f=0
        else
            f=$(sed -n 's/.* \([0-9]*\) of \([0-9]*\) tests failed.*/\1/p' "$out" | tail -n1)
            t=$(sed -n 's/.* \([0-9]*\) of \([0-9]*\) tests failed.*/\2/p' "$out" | tail -n1)
            if [ -n "$f" ]; then p=$(( t - f )); else p=0; f=1; fi
        fi ;;
    esac
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    printf '%s: %d passed, %d failed\n' "$name" "$p" "$f"
    passed=$(( passed + p ))
    failed=$(( failed + f ))
}
suite unit bash scripts/unit.sh
suite regress-serial bash scripts/regress.sh serial
suite regress-parallel bash scripts/regress.sh parallel
suite isolation bash scripts/isolation.sh
suite sqlsmith bash scripts/sqlsmith.sh

echo
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
