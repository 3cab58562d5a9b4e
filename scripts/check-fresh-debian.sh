#!/usr/bin/env bash
# Developer check (not part of CI): runs the README's commands in a pristine Debian (minbase)
# chroot, as root with nothing installed, on a clean clone of this checkout's HEAD.
#   bash scripts/check-fresh-debian.sh [test|demo] [bookworm|trixie|forky]   (root; needs Debian's mirrors)
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
is_root || die "run as root (debootstrap and chroot)"
root=${C360_CHROOT:-$default_root}
if [ ! -x "$root/bin/bash" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
    log "debootstrap $release (minbase) into $root"
    debootstrap --variant=minbase "$release" "$root" >/dev/null
    [ "$release" != bookworm ] || cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
mountpoint -q "$root/tmp" || mount -t tmpfs tmpfs "$root/tmp"
rm -rf "$root/root/customer360"
git clone -q "$C360_ROOT" "$root/root/customer360"
log "bash scripts/$what.sh inside the $release chroot (checkout in /root, no ../shared)"
env -u PG_MAJOR -u PG_CONFIG -u C360_OWN_SERVER chroot "$root" /bin/bash -lc "cd /root/customer360 && bash scripts/$what.sh"
