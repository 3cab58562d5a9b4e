#!/usr/bin/env bash
# Developer check (not part of CI): runs the README's commands in a pristine Debian 12 (minbase)
# chroot, as root with nothing installed, on a clean clone of this checkout's HEAD.
#   bash scripts/check-fresh-debian.sh [test|demo]    (root; needs network access to Debian's mirrors)
source "$(dirname "$0")/lib.sh"
what=${1:-test}
is_root || die "run as root (debootstrap and chroot)"
root=${C360_CHROOT:-/srv/c360-deb12}
if [ ! -x "$root/bin/bash" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
    log "debootstrap bookworm (minbase) into $root"
    debootstrap --variant=minbase bookworm "$root" >/dev/null
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
mountpoint -q "$root/tmp" || mount -t tmpfs tmpfs "$root/tmp"
rm -rf "$root/root/customer360"
git clone -q "$C360_ROOT" "$root/root/customer360"
log "bash scripts/$what.sh inside the chroot (checkout in /root, no ../shared)"
chroot "$root" /bin/bash -lc "cd /root/customer360 && bash scripts/$what.sh"
