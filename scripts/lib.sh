# Shared helpers for the project's scripts (sourced, not run).
set -euo pipefail

C360_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The PostgreSQL server to build against and test with:
#  - PG_CONFIG=/path/to/pg_config: a server installed by hand (e.g. built from its source under /opt);
#    its version and binaries are taken from it, and no Debian server package is installed;
#  - otherwise Debian's postgresql-$PG_MAJOR, PG_MAJOR defaulting to the one the Debian release
#    ships (12 bookworm: 15, 13 trixie: 17, 14 forky: 18).
case ${PG_CONFIG:-} in
/usr/lib/postgresql/*/bin/pg_config) PG_MAJOR=${PG_CONFIG#/usr/lib/postgresql/}; PG_MAJOR=${PG_MAJOR%%/*}; PG_CONFIG= ;;
esac
if [ -n "${PG_CONFIG:-}" ]; then
    [ -x "$PG_CONFIG" ] || { echo "error: PG_CONFIG=$PG_CONFIG is not an executable pg_config" >&2; exit 1; }
    PG_BIN=$("$PG_CONFIG" --bindir)
    PG_MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
    C360_OWN_SERVER=1
else
    if [ -z "${PG_MAJOR:-}" ]; then
        case $(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}") in
        trixie) PG_MAJOR=17 ;;
        forky) PG_MAJOR=18 ;;
        *) PG_MAJOR=15 ;;
        esac
    fi
    PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
    PG_CONFIG=$PG_BIN/pg_config
    C360_OWN_SERVER=0
fi
export PG_MAJOR PG_CONFIG C360_OWN_SERVER
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# PostgreSQL refuses to run as root: servers run as this unprivileged account.
C360_OS_USER=${C360_OS_USER:-postgres}

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the unprivileged server account (root), or as the caller (non-root).
as_server_user() {
    if is_root; then
        runuser -u "$C360_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# A temporary directory the server account can write to.
server_tmpdir() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/c360-$1.XXXXXX")
    chmod 755 "$dir"
    if is_root; then
        chown "$C360_OS_USER" "$dir"
    fi
    printf '%s\n' "$dir"
}

# Serialises "install into the system PostgreSQL, then test against it" between concurrent runs
# (several checkouts on one machine). Held until the calling script exits; top-level scripts only.
take_install_lock() {
    # a server installed by hand (PG_CONFIG) has its own lock: nothing else installs there
    local lock=${TMPDIR:-/tmp}/customer360-install.lock
    [ "$C360_OWN_SERVER" = 0 ] || lock=${TMPDIR:-/tmp}/customer360-install-$(printf '%s' "$PG_CONFIG" | md5sum | cut -c1-12).lock
    exec 9>"$lock"
    if ! flock -n 9; then
        echo "waiting for another customer360 install/test run to finish..."
        flock 9
    fi
}

# Builds and installs the extension into the system PostgreSQL.
build_and_install() {
    log "building the extension (make -j$JOBS)"
    make -C "$C360_ROOT" -s -j"$JOBS"
    log "installing into $($PG_CONFIG --pkglibdir) and $($PG_CONFIG --sharedir)/extension"
    if is_root; then
        make -C "$C360_ROOT" -s install
    else
        sudo -n make -C "$C360_ROOT" -s install || die "make install needs root (run as root or allow sudo)"
    fi
}

# Starts a throwaway cluster in $1 (unix socket only, no TCP); sets PGHOST/PGPORT.
start_temp_cluster() {
    local dir=$1
    export PGHOST=$dir PGPORT=${C360_PORT:-54329} PGUSER=$C360_OS_USER PGDATABASE=postgres
    is_root || PGUSER=$(id -un)
    as_server_user "$PG_BIN/initdb" -D "$dir/data" -U "$PGUSER" --no-locale -E UTF8 -A trust >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log"; die "initdb failed"; }
    as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -c listen_addresses='' -p $PGPORT -c max_parallel_workers_per_gather=2 ${C360_SERVER_OPTS:-}" \
        start >/dev/null || { cat "$dir/server.log"; die "the temporary server did not start"; }
}

stop_temp_cluster() {
    local dir=$1
    if [ -d "$dir/data" ]; then
        as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# Runs psql as the server account, from a directory it can enter (the checkout may be private,
# e.g. under /root): SQL files must be copied to a server_tmpdir first.
psql_c360() {
    cd "$PGHOST"
    as_server_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGDATABASE="$PGDATABASE" \
        "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 "$@"
    cd - >/dev/null
}

# Copies a file into a server_tmpdir, readable by the server account; prints the new path.
stage_file() {
    local src=$1 dir=$2
    cp "$src" "$dir/"
    is_root && chown "$C360_OS_USER" "$dir/$(basename "$src")"
    printf '%s
' "$dir/$(basename "$src")"
}

# Set-up shared by the benchmarks: packages, build, install (under the lock), then a throwaway
# cluster in $dir (removed on exit) started with the given server options.
#   start_bench_cluster <name> "<postgres -c options>"
start_bench_cluster() {
    cd "$C360_ROOT"
    bash scripts/deps.sh
    take_install_lock
    build_and_install
    dir=$(server_tmpdir "$1")
    trap 'stop_temp_cluster "$dir"; rm -rf "$dir"' EXIT
    C360_SERVER_OPTS="$2" start_temp_cluster "$dir"
}
