#!/bin/sh
# Install the Debian 12 packages the sockobj project needs (build, VM tests).
# Idempotent: when everything is already installed it prints nothing and
# does not touch apt. Must run as root (or via sudo); never reads stdin.
set -eu

PKGS="qemu-system-x86 qemu-utils busybox-static linux-image-amd64
linux-headers-amd64 linux-image-rt-amd64 linux-headers-rt-amd64
linux-source-6.1 bc flex bison libelf-dev libssl-dev
dwarves cpio xz-utils kmod iproute2 socat sparse python3 nftables rsync
zstd pkg-config gcc make libc6-dev dkms redis-server
liburing-dev python3-matplotlib linux-perf shellcheck pyflakes3"

missing=
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -n "$0" "$@"
    fi
    echo "deps.sh: need root to install:$missing" >&2
    exit 1
fi

echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
