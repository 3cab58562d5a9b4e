#!/usr/bin/env bash
# Installs the Debian packages the project needs (only the missing ones): Debian's PostgreSQL
# server and development files unless PG_CONFIG names a server installed by hand.
#   bash scripts/deps.sh [extra packages...]     (a benchmark adds the peers it measures)
source "$(dirname "$0")/lib.sh"

packages=()
[ "$C360_OWN_SERVER" = 1 ] || packages+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR")
packages+=(
    g++ make cmake
    libeigen3-dev libboost-math-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    sqlsmith
    "$@"
)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#packages[@]} Debian packages present"
    exit 0
fi
is_root || die "missing Debian packages: ${missing[*]} (run 'make deps' as root, or install them)"
log "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"
