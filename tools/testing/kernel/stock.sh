#!/bin/sh
# Information about the stock Debian kernel (the newest installed 6.1 amd64),
# or with "rt" first, Debian's 6.1 PREEMPT_RT kernel (linux-image-rt-amd64).
#   tools/testing/kernel/stock.sh [rt] vmlinuz   -> /boot/vmlinuz-<release>
#   tools/testing/kernel/stock.sh [rt] release   -> <release>, e.g. 6.1.0-56-amd64
#   tools/testing/kernel/stock.sh [rt] build     -> /lib/modules/<release>/build
set -eu

die() { echo "stock.sh: $*" >&2; exit 1; }

flavour=
pkg=amd64
if [ $# -eq 2 ] && [ "$1" = rt ]; then
    flavour=rt-
    pkg=rt-amd64
    shift
fi
[ $# -eq 1 ] || die "usage: stock.sh [rt] vmlinuz|release|build"

rel=$(for f in /boot/vmlinuz-6.1.*-"$flavour"amd64; do echo "${f#/boot/vmlinuz-}"; done \
      | grep -E "^6\.1\.[0-9]+-[0-9]+-${flavour}amd64\$" | sort -V | tail -n 1)
[ -n "$rel" ] || die "no /boot/vmlinuz-6.1.*-${flavour}amd64: install linux-image-$pkg (tools/testing/deps.sh)"

case $1 in
    vmlinuz)
        [ -r "/boot/vmlinuz-$rel" ] || die "/boot/vmlinuz-$rel is not readable"
        [ -d "/lib/modules/$rel/kernel" ] || die "/lib/modules/$rel missing: reinstall linux-image-$pkg"
        echo "/boot/vmlinuz-$rel" ;;
    release)
        echo "$rel" ;;
    build)
        [ -f "/lib/modules/$rel/build/Makefile" ] \
            || die "no /lib/modules/$rel/build: install linux-headers-$pkg (tools/testing/deps.sh)"
        echo "/lib/modules/$rel/build" ;;
    *)
        die "unknown query '$1' (want vmlinuz, release or build)" ;;
esac
