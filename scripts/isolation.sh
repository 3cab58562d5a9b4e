#!/usr/bin/env bash
# Runs the isolation tests (specs/*.spec, expected/<name>.out) with PostgreSQL's isolation tester
# against a temporary instance, as the unprivileged server account: concurrent sessions in fixed
# interleavings (one holding an uncommitted change while the other writes).
# The extension must be installed (make install). C360_ISOLATION="a b" runs only those specs.
source "$(dirname "$0")/lib.sh"
pgxs_dir=$($PG_CONFIG --pgxs | sed 's|/src/makefiles/pgxs.mk$||')
iso=$pgxs_dir/src/test/isolation/pg_isolation_regress
[ -x "$iso" ] || die "pg_isolation_regress not found under $pgxs_dir (Debian: postgresql-server-dev-$PG_MAJOR)"
work=$(server_tmpdir isolation)
trap 'rm -rf "$work"' EXIT
cp -r "$C360_ROOT/specs" "$C360_ROOT/expected" "$work/"
mkdir -p "$work/out"
is_root && chown -R "$C360_OS_USER" "$work"
specs=${C360_ISOLATION:-$(cd "$C360_ROOT/specs" && ls *.spec | sed 's/\.spec$//' | tr '\n' ' ')}
log "isolation: $specs"
set +e
cd "$work"
as_server_user "$iso" --temp-instance="$work/instance" --inputdir="$work" --outputdir="$work/out" \
    --bindir="$PG_BIN" --load-extension=customer360 --no-locale --encoding=UTF8 $specs 2>&1 | tee "$work/iso.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] && [ -f "$work/out/regression.diffs" ]; then
    mkdir -p "$C360_ROOT/build/results-isolation"
    cp "$work"/out/results/*.out "$C360_ROOT/build/results-isolation/" 2>/dev/null || true
    head -n 200 "$work/out/regression.diffs"
    cp "$work/out/regression.diffs" "$C360_ROOT/build/regression-isolation.diffs"
fi
exit "$status"
