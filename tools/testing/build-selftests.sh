#!/bin/sh
# Build the selftests as the kselftest target drivers/sockobj of a kernel
# tree and install them with that tree's runner, the way any kselftest is
# installed:
#
#   make -C tools/testing/selftests TARGETS=drivers/sockobj install
#
#   tools/testing/build-selftests.sh [stock|debug|rt|6.1|6.12|7.2]
#   tools/testing/build-selftests.sh --ksrc TREE
#
# stock, debug, rt and 6.1 (the default) share the 6.1 tree
# (tools/testing/kernel/ksrc.sh); 6.12 and 7.2 are their own trees
# (tools/testing/kernel/build-kernel.sh); --ksrc takes any tree. Prints the
# installed tree, build/kselftest/<VERSION.PATCHLEVEL>/install/: run_kselftest.sh,
# kselftest-list.txt, the tree's kselftest/ (runner.sh...) and
# drivers/sockobj/ (the programs, cmd_test.sh, config, settings).
# selftests/run.sh runs it in a VM: tools/testing/vm-run --kernel K --
# selftests/run.sh [PROG...].
#
# The kernel tree is never written to: its tools/testing/selftests/Makefile
# runs in build/kselftest/<v>/src/, links to the tree's kselftest files
# plus drivers/sockobj -> selftests/. With a kernel name of 6.1 or --ksrc
# the programs are built in place in selftests/ (as make -C selftests
# KSRC=TREE builds them); 6.12 and 7.2 build in build/kselftest/<v>/obj/
# (O=), beside the 6.1 build.
set -eu
cd "$(dirname "$0")/../.."
repo=$PWD
usage() {
	echo "usage: tools/testing/build-selftests.sh [stock|debug|rt|6.1|6.12|7.2] | --ksrc TREE" >&2
	exit 2
}
inplace=1
case ${1:-6.1} in
--ksrc) [ $# -eq 2 ] || usage; ksrc=$(cd "$2" && pwd) ;;
stock | debug | rt | 6.1) [ $# -le 1 ] || usage; ksrc=$(tools/testing/kernel/ksrc.sh) ;;
6.12 | 7.2) [ $# -eq 1 ] || usage; ksrc=$(tools/testing/kernel/build-kernel.sh "$1"); inplace=0 ;;
*) usage ;;
esac
ksft=$ksrc/tools/testing/selftests
for f in Makefile lib.mk run_kselftest.sh kselftest/runner.sh kselftest_harness.h; do
	if [ ! -f "$ksft/$f" ]; then
		echo "build-selftests.sh: $ksft/$f is missing: not a kernel tree with kselftest" >&2
		exit 1
	fi
done
ver=$(sed -n 's/^VERSION = \([0-9]*\)$/\1/p' "$ksrc/Makefile").$(sed -n 's/^PATCHLEVEL = \([0-9]*\)$/\1/p' "$ksrc/Makefile")
case $ver in
[0-9]*.[0-9]*) ;;
*) echo "build-selftests.sh: no VERSION/PATCHLEVEL in $ksrc/Makefile" >&2; exit 1 ;;
esac

dir=$repo/build/kselftest/$ver
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

# The tree's selftests directory, as links, with this repository's
# selftests as its target drivers/sockobj.
src=$dir/src
rm -rf "$src"
mkdir -p "$src/drivers"
for f in "$ksft"/*; do
	[ "${f##*/}" = drivers ] || ln -s "$f" "$src/"
done
ln -s "$repo/selftests" "$src/drivers/sockobj"

# The Makefile of a link farm: top_srcdir (for scripts/subarch.include)
# and KSRC (for drivers/sockobj/Makefile: its directory is selftests/, not
# in the tree) are the tree.
set -- top_srcdir="$ksrc" KSRC="$ksrc" TARGETS=drivers/sockobj \
	KSFT_INSTALL_PATH="$dir/install" FORCE_TARGETS=1
[ "$inplace" = 1 ] || set -- "$@" O="$dir/obj"
rm -rf "$dir/install"
# stdout: the install's progress; the caller reads the directory printed
make -s -C "$src" "$@" install >&2
if [ ! -x "$dir/install/run_kselftest.sh" ] || [ ! -s "$dir/install/kselftest-list.txt" ]; then
	echo "build-selftests.sh: the install in $dir/install has no run_kselftest.sh or test list" >&2
	exit 1
fi
echo "$dir/install"
