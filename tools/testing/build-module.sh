#!/bin/sh
# Build the module for one of the test kernels, in build/<flavor>/ (a copy of
# kmod/ and uapi/, so both flavors can coexist with an in-place `make`).
#   tools/testing/build-module.sh stock|debug|rt|6.12|7.2
# (rt: Debian's 6.1 PREEMPT_RT kernel; 6.12, 7.2: tools/testing/kernel/build-kernel.sh)
set -eu
cd "$(dirname "$0")/../.."
repo=$PWD
flavor=${1:?usage: build-module.sh stock|debug|rt|6.12|7.2}
case $flavor in
stock) kdir=$(tools/testing/kernel/stock.sh build) ;;
debug) kdir=$(tools/testing/kernel/build-debug.sh) ;;
rt) kdir=$(tools/testing/kernel/stock.sh rt build) ;;
6.12 | 7.2) kdir=$(tools/testing/kernel/build-kernel.sh "$flavor") ;;
*) echo "build-module.sh: unknown kernel '$flavor'" >&2; exit 2 ;;
esac
dir=$repo/build/$flavor
mkdir -p "$dir"
# Builds of one flavor share the directory: one at a time.
exec 9>"$repo/build/.$flavor.lock"
flock 9
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod*' --exclude 'Module.symvers' --exclude 'modules.order' \
	"$repo/kmod" "$repo/uapi" "$dir/"
cp "$repo/VERSION" "$dir/VERSION"
make -s -C "$kdir" M="$dir/kmod" modules
