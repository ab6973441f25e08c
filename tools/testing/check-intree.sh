#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build sockobj as part of a kernel tree, the way an in-tree driver is
# built: drivers/sockobj/ holds this repository's Kconfig, VERSION, kmod/
# and uapi/, drivers/Kconfig sources drivers/sockobj/Kconfig,
# drivers/Makefile has "obj-$(CONFIG_SOCKOBJ) += sockobj/kmod/", the
# configuration is the debug kernel's plus CONFIG_SOCKOBJ=m and
# CONFIG_SOCKOBJ_KUNIT_TEST=m (set through Kconfig, olddefconfig), and
# "make modules" of the kernel tree, with no M=, builds both modules. The
# selftests are the kselftest target tools/testing/selftests/drivers/sockobj
# (in the tree's TARGETS list), built by the tree's lib.mk and installed
# with its runner: make -C tools/testing/selftests TARGETS=drivers/sockobj
# install. Then the debug kernel boots in a VM with the in-tree modules
# loaded: the tool talks to the in-tree module, the KUnit suites pass, and
# the tree's run_kselftest.sh runs INTREE_SELFTESTS below from that install.
#
#   tools/testing/check-intree.sh [--no-vm]
#
# The cached debug kernel tree (tools/testing/kernel/build-debug.sh) is never
# written to: its configuration is copied, and its vmlinux.o is linked for
# modpost (the vmlinux of this configuration: CONFIG_SOCKOBJ only adds
# modules). The kernel source is a separate pristine extraction of the same
# linux-source-6.1 tarball, kept in
#   ${SOCKOBJ_CACHE:-~/.cache/sockobj}/intree-<version>/linux   (about 1.3 GB)
# with the two hook lines added once (and TARGETS += drivers/sockobj in
# tools/testing/selftests/Makefile, selftests/ copied to
# tools/testing/selftests/drivers/sockobj/), and the build output goes to
#   .../intree-<version>/out-<debug tree key>/   (O=, kept between runs)
# The selftests are installed in build/intree/kselftest/ of the repository,
# which the VM sees.
# Measured on 2 cores: the first run takes about 1 min (extraction 30 s,
# modules_prepare with objtool 15 s, the module) plus 40 s of VM; later
# runs rebuild only what changed (5 s) plus the VM.
#
# One count per check; the last line is "intree: N passed, N failed, N
# skipped" and the exit status is non-zero when a check failed.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
PROG=intree
do_vm=1
for a in "$@"; do
	case $a in
	--no-vm) do_vm=0 ;;
	*) echo "usage: tools/testing/check-intree.sh [--no-vm]" >&2; exit 2 ;;
	esac
done

# The selftest programs the VM runs: short ones, the debug kernel being slow
INTREE_SELFTESTS=(device_test trace_test)

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "$PROG: $1: ok"; }
fail() {
	failed=$((failed + 1))
	echo "$PROG: $1: FAILED${2:+: $2}"
}
skip() { skipped=$((skipped + 1)); echo "$PROG: $1: skipped${2:+ ($2)}"; }
finish() {
	echo "$PROG: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}
say() { echo "$PROG: $*"; }

VERSION=$(cat VERSION)
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { fail "kernel source" "no $tarball (tools/testing/deps.sh)"; finish; }
DEBUG_TREE=$(tools/testing/kernel/build-debug.sh) || { fail "debug kernel tree" "tools/testing/kernel/build-debug.sh failed"; finish; }
DEBUG_REL=$(cat "$DEBUG_TREE/include/config/kernel.release")

cache=${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %s-%Y "$tarball")
srcver=${srcver//[^A-Za-z0-9._+-]/_}
base=$cache/intree-$srcver
SRC=$base/linux
OUT=$base/out-$(basename "$(dirname "$DEBUG_TREE")")
LOG=$base/build.log
mkdir -p "$base"
exec 9>"$base/.lock"
if ! flock -n 9; then
	say "another check-intree.sh is using $base; waiting"
	flock 9
fi

# 1. The kernel source, extracted once, with the two hook lines ------------
if [ ! -f "$SRC/.sockobj-intree-ready" ]; then
	say "extracting $tarball into $base (once)"
	rm -rf "$SRC" "$base/extract.tmp"
	mkdir -p "$base/extract.tmp"
	if tar -xf "$tarball" -C "$base/extract.tmp" &&
		top=$(find "$base/extract.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1) &&
		[ -f "$top/drivers/Kconfig" ] && mv "$top" "$SRC"; then
		rm -rf "$base/extract.tmp"
		# drivers/Kconfig ends with the "Device Drivers" endmenu.
		k=$SRC/drivers/Kconfig
		if [ "$(tail -n 1 "$k")" = endmenu ]; then
			{ head -n -1 "$k"; printf '%s\n\n%s\n' 'source "drivers/sockobj/Kconfig"' endmenu; } >"$k.new" &&
				mv "$k.new" "$k"
		fi
		# shellcheck disable=SC2016 # a make variable, literally
		echo 'obj-$(CONFIG_SOCKOBJ)		+= sockobj/kmod/' >>"$SRC/drivers/Makefile"
		if grep -qx 'source "drivers/sockobj/Kconfig"' "$SRC/drivers/Kconfig" &&
			grep -q 'sockobj/kmod/' "$SRC/drivers/Makefile"; then
			touch "$SRC/.sockobj-intree-ready"
		fi
	fi
fi
if [ -f "$SRC/.sockobj-intree-ready" ]; then
	ok "kernel source $SRC: drivers/Kconfig sources drivers/sockobj/Kconfig, drivers/Makefile descends into sockobj/kmod/"
else
	fail "kernel source" "extraction or hooks failed in $base"
	finish
fi

# The repository as drivers/sockobj (sources only). Modification times are
# not copied: a changed file gets a new one (and is rebuilt, even when the
# repository's copy is older, as after a checkout); unchanged ones are kept.
mkdir -p "$SRC/drivers/sockobj"
if rsync -rlp --checksum --delete --delete-excluded --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod' --exclude '*.mod.c' --exclude 'Module.symvers' \
	--exclude 'modules.order' --exclude '*.a' \
	Kconfig VERSION kmod uapi "$SRC/drivers/sockobj/"; then
	ok "repository copied to drivers/sockobj (Kconfig, VERSION, kmod/, uapi/)"
else
	fail "repository copied to drivers/sockobj"
	finish
fi

# The selftests as the tree's kselftest target drivers/sockobj: in the
# TARGETS list (after drivers/net/bonding, before the list is filtered),
# their sources copied (not the programs of an in-place build: those
# selftests/.gitignore lists).
ksmk=$SRC/tools/testing/selftests/Makefile
if ! grep -qx 'TARGETS += drivers/sockobj' "$ksmk"; then
	sed -i '/^TARGETS += drivers\/net\/bonding$/a TARGETS += drivers/sockobj' "$ksmk"
fi
kst=$SRC/tools/testing/selftests/drivers/sockobj
mkdir -p "$kst"
if grep -qx 'TARGETS += drivers/sockobj' "$ksmk" &&
	rsync -rlp --checksum --delete --delete-excluded --exclude '*.o' --exclude '*.a' \
		--exclude-from=selftests/.gitignore selftests/ "$kst/"; then
	ok "selftests copied to tools/testing/selftests/drivers/sockobj, a target of the tree's kselftest Makefile"
else
	fail "selftests copied to tools/testing/selftests/drivers/sockobj"
	finish
fi

# 2. The debug kernel's configuration plus sockobj, through Kconfig --------
mkdir -p "$OUT"
cp "$DEBUG_TREE/.config" "$OUT/.config.debug"
cp "$DEBUG_TREE/.config" "$OUT/.config"
"$SRC/scripts/config" --file "$OUT/.config" -m SOCKOBJ -m SOCKOBJ_KUNIT_TEST
if make -s -C "$SRC" O="$OUT" olddefconfig >"$LOG" 2>&1 &&
	grep -qx 'CONFIG_SOCKOBJ=m' "$OUT/.config" &&
	grep -qx 'CONFIG_SOCKOBJ_KUNIT_TEST=m' "$OUT/.config"; then
	ok "Kconfig: CONFIG_SOCKOBJ=m, CONFIG_SOCKOBJ_KUNIT_TEST=m"
else
	fail "Kconfig: CONFIG_SOCKOBJ=m, CONFIG_SOCKOBJ_KUNIT_TEST=m" \
		"$(grep -E 'SOCKOBJ' "$OUT/.config" | tr '\n' ' ')"
	tail -n 20 "$LOG" | sed 's/^/    /'
	finish
fi
diffs=$(diff <(grep -v SOCKOBJ "$OUT/.config.debug" | grep -v '^#' | sort) \
	<(grep -v SOCKOBJ "$OUT/.config" | grep -v '^#' | sort))
if [ -z "$diffs" ]; then
	ok "the rest of the configuration is the debug kernel's ($DEBUG_REL)"
else
	fail "the rest of the configuration is the debug kernel's" "$(echo "$diffs" | head -n 10 | tr '\n' ' ')"
fi

# 3. make modules of the kernel tree ---------------------------------------
# modpost takes vmlinux's symbols from vmlinux.o: that of the debug tree
# (same configuration), linked read-only.
ln -sfn "$DEBUG_TREE/vmlinux.o" "$OUT/vmlinux.o"
jobs=$(($(nproc) + 1))
say "make -C $SRC O=$OUT -j$jobs modules"
SECONDS=0
make -C "$SRC" O="$OUT" -j"$jobs" modules >>"$LOG" 2>&1
rc=$?
el=$SECONDS
ko=$OUT/drivers/sockobj/kmod/sockobj.ko
kunit_ko=$OUT/drivers/sockobj/kmod/sockobj_kunit.ko
warn=$(grep -E 'warning:|WARNING:|error:' "$LOG")
if [ "$rc" -eq 0 ] && [ -f "$ko" ] && [ -f "$kunit_ko" ] && [ -z "$warn" ]; then
	ok "make modules built drivers/sockobj/kmod/sockobj.ko and sockobj_kunit.ko without a warning (${el}s)"
else
	fail "make modules" "exit $rc after ${el}s; log $LOG"
	{ [ -n "$warn" ] && echo "$warn"; tail -n 15 "$LOG"; } | head -n 30 | sed 's/^/    /'
	finish
fi
if grep -qx 'drivers/sockobj/kmod/sockobj.ko' "$OUT/modules.order" &&
	grep -qx 'drivers/sockobj/kmod/sockobj_kunit.ko' "$OUT/modules.order"; then
	ok "modules.order of the tree lists drivers/sockobj/kmod/sockobj.ko and sockobj_kunit.ko"
else
	fail "modules.order of the tree lists the sockobj modules" "$(tr '\n' ' ' <"$OUT/modules.order")"
fi
mi() { modinfo -F "$1" "$2" 2>/dev/null; }
if [ "$(mi intree "$ko")" = Y ] && [ "$(mi version "$ko")" = "$VERSION" ] &&
	[ "$(mi vermagic "$ko" | cut -d' ' -f1)" = "$DEBUG_REL" ] &&
	[ "$(mi intree "$kunit_ko")" = Y ] && [ "$(mi depends "$kunit_ko")" = sockobj ]; then
	ok "modinfo: intree Y, version $VERSION, vermagic $DEBUG_REL; sockobj_kunit intree, depends on sockobj"
else
	fail "modinfo of the in-tree modules" \
		"intree '$(mi intree "$ko")' version '$(mi version "$ko")' vermagic '$(mi vermagic "$ko")' kunit intree '$(mi intree "$kunit_ko")' depends '$(mi depends "$kunit_ko")'"
fi

# The selftests built by the tree's lib.mk (KSRC= so that none from the
# environment is taken: in the tree, the Makefile finds ../../lib.mk) and
# installed with its run_kselftest.sh.
KSFT_INSTALL=$PWD/build/intree/kselftest
rm -rf "$KSFT_INSTALL"
say "make -C tools/testing/selftests O=$OUT TARGETS=drivers/sockobj install"
SECONDS=0
make -s -C "$SRC/tools/testing/selftests" O="$OUT" KSRC= TARGETS=drivers/sockobj \
	KSFT_INSTALL_PATH="$KSFT_INSTALL" FORCE_TARGETS=1 install >>"$LOG" 2>&1
rc=$?
el=$SECONDS
if [ "$rc" -eq 0 ] && [ -x "$KSFT_INSTALL/run_kselftest.sh" ] &&
	[ -x "$OUT/kselftest/drivers/sockobj/device_test" ] &&
	[ "$(grep -c '^drivers/sockobj:' "$KSFT_INSTALL/kselftest-list.txt")" -ge 15 ]; then
	ok "kselftest install: drivers/sockobj built in $OUT/kselftest, $(grep -c '^drivers/sockobj:' "$KSFT_INSTALL/kselftest-list.txt") tests in kselftest-list.txt of run_kselftest.sh (${el}s)"
else
	fail "kselftest install of drivers/sockobj" "exit $rc after ${el}s; log $LOG"
	tail -n 15 "$LOG" | sed 's/^/    /'
	finish
fi

# 4. The in-tree modules in the debug kernel --------------------------------
if [ "$do_vm" = 0 ]; then
	skip "VM: in-tree modules on the debug kernel" "--no-vm"
	finish
fi
if ! make -s userlib tools >>"$LOG" 2>&1; then
	fail "build of tools/sockobj/sockobj" "see $LOG"
	finish
fi
vmlog=$base/vm.log
vmout=$PWD/build/intree/out
rm -rf "$vmout"
mkdir -p "$vmout"
say "booting the debug kernel $DEBUG_REL in a VM with the in-tree modules"
# shellcheck disable=SC2016 # the guest's script
SOCKOBJ_KSFT_DIR=$KSFT_INSTALL tools/testing/vm-run --kernel debug --no-module \
	--module "$ko" --module "$kunit_ko" --out "$vmout" -- sh -c '
	tools/sockobj/sockobj api >/dev/null && echo "intree-guest: api ok"
	r=$(cat /sys/kernel/debug/kunit/sockobj*/results)
	echo "intree-guest: kunit suites ok $(printf "%s\n" "$r" | grep -c "^ok ")" \
		"not-ok $(printf "%s\n" "$r" | grep -c "not ok ")"
	selftests/run.sh "$@" || true
	' sh "${INTREE_SELFTESTS[@]}" >"$vmlog" 2>&1
vm_rc=$?
if grep -aq '^intree-guest: api ok' "$vmlog"; then
	ok "VM: tools/sockobj/sockobj api talks to the in-tree sockobj.ko"
else
	fail "VM: tools/sockobj/sockobj api talks to the in-tree sockobj.ko" "see $vmlog"
fi
kl=$(grep -a '^intree-guest: kunit' "$vmlog")
kok=$(sed -n 's/.*suites ok \([0-9]*\).*/\1/p' <<<"$kl")
knok=$(sed -n 's/.*not-ok \([0-9]*\).*/\1/p' <<<"$kl")
if [ "${kok:-0}" -gt 0 ] && [ "${knok:-1}" -eq 0 ]; then
	ok "VM: the in-tree sockobj_kunit.ko ran $kok KUnit suites, none failed"
else
	fail "VM: the in-tree sockobj_kunit.ko KUnit suites" "${kl:-no result}; see $vmlog"
fi
if [ -s "$vmout/kselftest.tap" ] &&
	kc=$(awk -f tools/testing/ksft-count.awk "$vmout/kselftest.tap" | tail -n 1) &&
	[[ $kc =~ ^selftests:\ ([0-9]+)\ passed,\ 0\ failed ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
	ok "VM: the tree's run_kselftest.sh ran ${INTREE_SELFTESTS[*]} from its install: ${kc#selftests: }"
else
	fail "VM: the tree's run_kselftest.sh on ${INTREE_SELFTESTS[*]}" "${kc:-no TAP}; see $vmlog"
fi
if [ "$vm_rc" -eq 0 ]; then
	ok "VM run clean (no kernel splat, modules unloaded)"
else
	fail "VM run" "exit $vm_rc; see $vmlog"
	grep -aE 'vm-run:|WARNING|BUG|Oops' "$vmlog" | tail -n 10 | sed 's/^/    /'
fi
finish
