#!/bin/sh
# Build the selftests against one of the newer kernels' own kselftest
# harness, in build/<kernel>/selftests/ (a copy of selftests/ and uapi/, so
# the in-place build against the 6.1 harness stays as it is).
#   tools/testing/build-selftests.sh 6.12|7.2   -> prints the directory
# Run them with: tools/testing/vm-run --kernel <kernel> -- <dir>/run.sh
# (SOCKOBJ_CMD=tools/sockobj/sockobj for cmd_test.sh, which otherwise looks
# for the command next to the copy).
set -eu
cd "$(dirname "$0")/../.."
repo=$PWD
kernel=${1:?usage: build-selftests.sh 6.12|7.2}
case $kernel in
6.12 | 7.2) ksrc=$(tools/testing/kernel/build-kernel.sh "$kernel") ;;
*) echo "build-selftests.sh: unknown kernel '$kernel'" >&2; exit 2 ;;
esac
dir=$repo/build/$kernel
mkdir -p "$dir"
exec 9>"$repo/build/.$kernel-selftests.lock"
flock 9
# the sources only: the copy's objects and programs are kept (excluded
# files are not deleted), make rebuilds what changed
rsync -a --delete --exclude '*.o' --exclude '*.a' --exclude '*_test' \
	--exclude fuzz_ioctl --exclude fault_inject --exclude stress \
	"$repo/selftests" "$repo/uapi" "$dir/"
make -s -C "$dir/selftests" KSRC="$ksrc" >&2
echo "$dir/selftests"
