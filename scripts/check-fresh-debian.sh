#!/usr/bin/env bash
# Developer check (not part of CI): runs the README's commands in a pristine Debian (minbase)
# chroot, as root with nothing installed, on a clean clone of this checkout's HEAD.
#   bash scripts/check-fresh-debian.sh [test|demo|probe] [bookworm|trixie|forky]   (root; needs Debian's mirrors)
# bookworm (Debian 12) tests PostgreSQL 15, trixie (Debian 13) PostgreSQL 17 (`make test-pg17`),
# forky (Debian 14, testing at the time of writing) PostgreSQL 18 (`make test-pg18`).
source "$(dirname "$0")/lib.sh"
what=${1:-test}
release=${2:-bookworm}
case $release in
bookworm) default_root=/srv/c360-deb12 ;;
trixie) default_root=/srv/c360-deb13 ;;
forky) default_root=/srv/c360-deb14 ;;
*) die "release must be bookworm, trixie or forky" ;;
esac
root=${C360_CHROOT:-$default_root}
# probe: can this machine build and enter the chroot (CI uses it before the second suite)?
if [ "$what" = probe ]; then
    is_root || { echo "probe: not root"; exit 1; }
    curl_ok=1
    command -v debootstrap >/dev/null || [ -x "$root/bin/bash" ] || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1; } || curl_ok=0
    [ "$curl_ok" = 1 ] || { echo "probe: debootstrap cannot be installed"; exit 1; }
    t=$(mktemp -d)
    if ! mount -t tmpfs tmpfs "$t" 2>/dev/null; then rmdir "$t"; echo "probe: mount not permitted"; exit 1; fi
    umount "$t"; rmdir "$t"
    echo "probe: $release chroot possible"
    exit 0
fi
is_root || die "run as root (debootstrap and chroot)"
if [ ! -x "$root/bin/bash" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
    log "debootstrap $release (minbase) into $root"
    # debootstrap releases older than forky have no script of its own: forky is bootstrapped like sid
    script=/usr/share/debootstrap/scripts/$release
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    debootstrap --variant=minbase "$release" "$root" http://deb.debian.org/debian "$script" >/dev/null
    [ "$release" != bookworm ] || cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
fi
# a testing release's Release file can be past its Valid-Until on a mirror or cache that lags: accept it
[ "$release" != forky ] || echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99c360-testing"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
mountpoint -q "$root/tmp" || mount -t tmpfs tmpfs "$root/tmp"
rm -rf "$root/root/customer360"
if git -C "$C360_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git clone -q "$C360_ROOT" "$root/root/customer360"     # HEAD: what is committed
else
    mkdir -p "$root/root/customer360"                      # not a git checkout: the tree without build output
    tar -C "$C360_ROOT" --exclude=./build --exclude='*.o' --exclude='*.so' --exclude='*.d' -cf - . | tar -C "$root/root/customer360" -xf -
fi
log "bash scripts/$what.sh inside the $release chroot (checkout in /root, no ../shared)"
env -u PG_MAJOR -u PG_CONFIG -u C360_OWN_SERVER chroot "$root" /bin/bash -lc "cd /root/customer360 && bash scripts/$what.sh"
