#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The installation, end to end:
#   1. make install DESTDIR=<scratch> for the stock kernel; the installed
#      set must be exactly the expected one (listed), with the right
#      contents (pkg-config Version = VERSION, module version, soname...);
#      the sysusers.d file is applied to a copy of /etc's user database;
#   2. a program outside the tree (tools/testing/pkgconfig-consumer.c) is built
#      against the scratch install with only what pkg-config says, and run;
#   3. make dkms-install for the stock kernel on this host, then in a VM of
#      that kernel: modprobe loads the DKMS-built module, the installed tool
#      talks to it, the installed modules-load.d file loads it through
#      systemd-modules-load, and the installed udev rule gives /dev/sockobj
#      group sockobj (the group the sysusers.d file created) and mode 0660;
#      DKMS also builds the module for the 6.12 LTS tree (the one
#      check-kernels.sh tests), and a 6.12 VM loads that build;
#   4. make dkms-uninstall leaves the host as it was; make uninstall
#      DESTDIR=<scratch> removes every installed file.
#
#   tools/testing/check-install.sh [--no-dkms] [--no-vm] [--keep]
#
# --no-dkms skips 3 and the DKMS half of 4 (nothing is then changed outside
# the checkout); --no-vm skips only the VM run. DKMS steps are also skipped
# when sockobj is already registered with DKMS on this host (a real
# installation is never touched). Needs root for DKMS (tools/testing/deps.sh
# installs dkms). The scratch directory is build/install-check/ (the VM
# sees it; kept with --keep or on failure).
#
# One count per check; the last line is "install: N passed, N failed, N
# skipped" and the exit status is non-zero when a check failed.
# The bash -c scripts of the checks take their values as arguments ($1...):
# shellcheck disable=SC2016
set -uo pipefail

# --------------------------------------------------------------------------
# Guest side: run by tools/testing/vm-run inside the stock-kernel VM.
#   check-install.sh --guest <install root> <sysusers root>
guest() {
	local sysroot=$2 pfx=$1/usr/local out
	gok() { echo "guest: ok: $1"; }
	gfail() { echo "guest: FAILED: $1: $2"; }

	if modprobe sockobj; then
		out=$(modinfo -F filename sockobj)
		case $out in
		*/updates/dkms/sockobj.ko*) gok "modprobe loads the DKMS module ($out)" ;;
		*) gfail "modprobe loads the DKMS module" "modprobe picked $out" ;;
		esac
		if [ -c /dev/sockobj ]; then
			gok "/dev/sockobj exists: $(ls -l /dev/sockobj)"
		else
			gfail "/dev/sockobj exists" "no character device"
		fi
		if out=$("$pfx/bin/sockobj" api 2>&1); then
			gok "installed sockobj tool talks to the module: $(echo "$out" | tr '\n' ' ')"
		else
			gfail "installed sockobj tool talks to the module" "$out"
		fi
		rmmod sockobj || gfail "rmmod after modprobe" "rmmod failed"
	else
		gfail "modprobe loads the DKMS module" "modprobe sockobj failed"
	fi

	# systemd-modules-load with the installed modules-load.d file.
	if out=$(/lib/systemd/systemd-modules-load "$pfx/lib/modules-load.d/sockobj.conf" 2>&1) &&
	   grep -q '^sockobj ' /proc/modules; then
		gok "systemd-modules-load loads sockobj from the installed modules-load.d file"
	else
		gfail "systemd-modules-load loads sockobj from the installed modules-load.d file" "$out"
	fi

	# The installed udev rule, with the group the sysusers.d file made.
	if [ -c /dev/sockobj ]; then
		mount --bind "$sysroot/etc/group" /etc/group &&
		mkdir -p /run/udev/rules.d &&
		cp "$pfx/lib/udev/rules.d/60-sockobj.rules" /run/udev/rules.d/ &&
		udevadm test --action=add /sys/class/misc/sockobj >/run/udevtest.log 2>&1
		out=$(stat -c '%G %a' /dev/sockobj)
		if [ "$out" = "sockobj 660" ]; then
			gok "udev rule: /dev/sockobj is group sockobj, mode 0660"
		else
			gfail "udev rule: /dev/sockobj is group sockobj, mode 0660" \
				"got '$out'; $(grep -i 'sockobj.rules' /run/udevtest.log | tr '\n' ' ')"
		fi
		rmmod sockobj || gfail "rmmod after systemd-modules-load" "rmmod failed"
	else
		gfail "udev rule: /dev/sockobj is group sockobj, mode 0660" "no /dev/sockobj"
	fi
	echo "guest: done"
}

if [ "${1:-}" = --guest ]; then
	shift
	guest "$@"
	exit 0
fi

# --------------------------------------------------------------------------
# Host side.
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
PROG=install
do_dkms=1
do_vm=1
keep=0
for a in "$@"; do
	case $a in
	--no-dkms) do_dkms=0 ;;
	--no-vm) do_vm=0 ;;
	--keep) keep=1 ;;
	*) echo "usage: tools/testing/check-install.sh [--no-dkms] [--no-vm] [--keep]" >&2; exit 2 ;;
	esac
done

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "$PROG: $1: ok"; }
fail() { failed=$((failed + 1)); echo "$PROG: $1: FAILED${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); echo "$PROG: $1: skipped${2:+ ($2)}"; }
# check NAME CMD...: one check, its output shown only when it fails.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	fi
}
finish() {
	echo "$PROG: $passed passed, $failed failed, $skipped skipped"
	if [ "$failed" -eq 0 ] && [ "$keep" -eq 0 ]; then
		rm -rf "$SCRATCH"
	else
		echo "$PROG: scratch kept in ${SCRATCH#"$REPO"/}"
	fi
	[ "$failed" -eq 0 ]
	exit
}

VERSION=$(cat VERSION)
API=$(sed -n 's/^#define SOCKOBJ_API_VERSION[[:space:]]*\([0-9]*\)$/\1/p' uapi/linux/sockobj.h)
KDIR=$(tools/testing/kernel/stock.sh build) || { fail "stock kernel headers"; finish; }
KREL=$(tools/testing/kernel/stock.sh release) || { fail "stock kernel release"; finish; }
SCRATCH=$REPO/build/install-check
ROOT=$SCRATCH/root
PFX=/usr/local
SYSROOT=$SCRATCH/sysusers-root
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"

# Where make install puts the Python binding for Debian's python3 (the
# Makefile's PYTHONDIR for PREFIX=/usr/local).
PYV=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYDIR=$PFX/lib/python$PYV/dist-packages

LIB_MAJOR=$(sed -n 's/^#define SOCKOBJ_LIB_VERSION_MAJOR[[:space:]]*//p' userlib/sockobj.h)
LIB_MINOR=$(sed -n 's/^#define SOCKOBJ_LIB_VERSION_MINOR[[:space:]]*//p' userlib/sockobj.h)

# 1. make install into the scratch root -----------------------------------
if make -s install DESTDIR="$ROOT" KDIR="$KDIR" >"$SCRATCH/install.log" 2>&1; then
	ok "make install DESTDIR=${ROOT#"$REPO"/} (kernel $KREL)"
else
	fail "make install DESTDIR=${ROOT#"$REPO"/}" "see ${SCRATCH#"$REPO"/}/install.log"
	tail -n 30 "$SCRATCH/install.log" | sed 's/^/    /'
	finish
fi

# What must be installed, exactly (files and symlinks).
{
	echo "$PFX/bin/sockobj"
	echo "$PFX/include/sockobj/sockobj.h"
	echo "$PFX/include/sockobj/linux/sockobj.h"
	echo "$PFX/lib/libsockobj.a"
	echo "$PFX/lib/libsockobj.so"
	echo "$PFX/lib/libsockobj.so.$LIB_MAJOR"
	echo "$PFX/lib/libsockobj.so.$LIB_MAJOR.$LIB_MINOR"
	echo "$PFX/lib/pkgconfig/sockobj.pc"
	echo "$PFX/lib/udev/rules.d/60-sockobj.rules"
	echo "$PFX/lib/sysusers.d/sockobj.conf"
	echo "$PFX/lib/modules-load.d/sockobj.conf"
	for m in userlib/man/*.3; do echo "$PFX/share/man/man3/${m##*/}"; done
	for m in userlib/man/*.7; do echo "$PFX/share/man/man7/${m##*/}"; done
	echo "$PFX/share/man/man8/sockobj.8"
	echo "$PYDIR/sockobj.py"
	echo "/lib/modules/$KREL/updates/sockobj.ko"
} | sort >"$SCRATCH/expected"
(cd "$ROOT" && find . ! -type d | sed 's|^\.||' | sort) >"$SCRATCH/installed"
echo "$PROG: installed under ${ROOT#"$REPO"/}:"
(cd "$ROOT" && find . ! -type d \( -type l -printf '    %M %8s /%P -> %l\n' \
	-o -printf '    %M %8s /%P\n' \) | sort -k3)
check "the installed files are exactly the expected $(wc -l <"$SCRATCH/expected")" \
	diff -u "$SCRATCH/expected" "$SCRATCH/installed"

check "nothing installed into the system's linux/ headers" \
	test ! -e "$ROOT$PFX/include/linux"

check "libsockobj.so -> libsockobj.so.$LIB_MAJOR -> libsockobj.so.$LIB_MAJOR.$LIB_MINOR, soname libsockobj.so.$LIB_MAJOR" \
	bash -c '[ "$(readlink "$1/libsockobj.so")" = "libsockobj.so.$2" ] &&
		[ "$(readlink "$1/libsockobj.so.$2")" = "libsockobj.so.$2.$3" ] &&
		readelf -d "$1/libsockobj.so.$2.$3" | grep -q "(SONAME).*\[libsockobj.so.$2\]"' \
	sh "$ROOT$PFX/lib" "$LIB_MAJOR" "$LIB_MINOR"

check "headers are the repository's (userlib/sockobj.h, uapi/linux/sockobj.h)" \
	bash -c 'cmp userlib/sockobj.h "$1/sockobj.h" && cmp uapi/linux/sockobj.h "$1/linux/sockobj.h"' \
	sh "$ROOT$PFX/include/sockobj"

# pkg-config reads the staged file; PKG_CONFIG_SYSROOT_DIR maps the
# installed paths (/usr/local/...) into the scratch root, as for any DESTDIR
# staging.
PCENV=(env PKG_CONFIG_PATH="$ROOT$PFX/lib/pkgconfig" PKG_CONFIG_LIBDIR=/nonexistent
	PKG_CONFIG_SYSROOT_DIR="$ROOT")
check "pkg-config: Version $VERSION (from VERSION), prefix $PFX, libdir $PFX/lib, includedir $PFX/include" \
	env V="$VERSION" P="$PFX" PC="$ROOT$PFX/lib/pkgconfig/sockobj.pc" bash -c '
		[ "$("$@" pkg-config --modversion sockobj)" = "$V" ] &&
		grep -qx "prefix=$P" "$PC" && grep -qx "libdir=$P/lib" "$PC" &&
		grep -qx "includedir=$P/include" "$PC" &&
		"$@" pkg-config --validate sockobj' \
	sh "${PCENV[@]}"

check "module: version $VERSION, vermagic $KREL" \
	bash -c 'ko=$1/lib/modules/$2/updates/sockobj.ko
		[ "$(modinfo -F version "$ko")" = "$3" ] &&
		modinfo -F vermagic "$ko" | grep -q "^$2 "' \
	sh "$ROOT" "$KREL" "$VERSION"

check "packaging files installed verbatim (udev rule, sysusers.d, modules-load.d)" \
	bash -c 'cmp packaging/60-sockobj.rules "$1/udev/rules.d/60-sockobj.rules" &&
		cmp packaging/sockobj.sysusers "$1/sysusers.d/sockobj.conf" &&
		cmp packaging/sockobj-modules-load.conf "$1/modules-load.d/sockobj.conf" &&
		grep -qx "SUBSYSTEM==\"misc\", KERNEL==\"sockobj\", GROUP=\"sockobj\", MODE=\"0660\"" \
			"$1/udev/rules.d/60-sockobj.rules"' \
	sh "$ROOT$PFX/lib"

check "man pages render: man3 and man7 (.so links resolved in the installed tree)" \
	bash -c 'cd "$1" && for f in man3/*.3 man7/*.7; do
		out=$(man --warnings -l -E UTF-8 "$f" 2>&1 >/dev/null) || exit 1
		[ -z "$out" ] || { echo "$f: $out"; exit 1; }; done' \
	sh "$ROOT$PFX/share/man"

# The binding is found by the system's python3 without a path of ours
# (PYDIR is on its sys.path), and loads the installed library by soname.
check "Python binding: $PYDIR is on python3's path; the installed sockobj.py imports and loads the installed libsockobj $LIB_MAJOR.$LIB_MINOR" \
	bash -c '/usr/bin/python3 -c "import sys; sys.exit(\"$1\" not in sys.path)" &&
		cmp python/sockobj.py "$2$1/sockobj.py" &&
		[ "$(PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$2$1 LD_LIBRARY_PATH=$2$3/lib \
			/usr/bin/python3 -c "import sockobj; assert sockobj.__file__ == \"$2$1/sockobj.py\"
print(\"%d.%d\" % sockobj.lib_version())")" = "$4" ]' \
	sh "$PYDIR" "$ROOT" "$PFX" "$LIB_MAJOR.$LIB_MINOR"

# systemd-sysusers applied to a copy of this host's user database.
mkdir -p "$SYSROOT/etc"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$SYSROOT/etc/" 2>/dev/null
check "sysusers.d file creates group sockobj (systemd-sysusers --root)" \
	bash -c 'systemd-sysusers --root="$1" "$2" && grep -q "^sockobj:x:[0-9]*:" "$1/etc/group"' \
	sh "$SYSROOT" "$ROOT$PFX/lib/sysusers.d/sockobj.conf"

# 2. a program built against the installed library, through pkg-config ---
CONSUMER=$SCRATCH/consumer
mkdir -p "$CONSUMER"
cp tools/testing/pkgconfig-consumer.c "$CONSUMER/"
if flags=$("${PCENV[@]}" pkg-config --cflags --libs sockobj); then
	ok "pkg-config --cflags --libs sockobj: $flags"
else
	fail "pkg-config --cflags --libs sockobj"
	flags=
fi
# One gcc command, compile and link, with no flag but the pkg-config ones
# (and warnings); the dependency list proves which headers it used.
# shellcheck disable=SC2086
check "consumer builds with only those flags" \
	bash -c 'cd "$1" && shift && gcc -std=c99 -Wall -Wextra -Werror -MD -MF deps \
		-o consumer pkgconfig-consumer.c "$@"' sh "$CONSUMER" $flags
check "consumer used the installed <sockobj/sockobj.h> and <linux/sockobj.h>" \
	bash -c 'grep -q "$1/include/sockobj/sockobj.h" "$2/deps" &&
		grep -q "$1/include/sockobj/linux/sockobj.h" "$2/deps" &&
		! grep -qE "$3/(userlib|uapi)/" "$2/deps"' sh "$ROOT$PFX" "$CONSUMER" "$REPO"
check "consumer runs with the installed libsockobj.so.$LIB_MAJOR" \
	bash -c 'export LD_LIBRARY_PATH=$2; ldd "$1/consumer" | grep -q "libsockobj.so.[0-9]* => $2/" &&
		"$1/consumer"' sh "$CONSUMER" "$ROOT$PFX/lib"
LD_LIBRARY_PATH=$ROOT$PFX/lib "$CONSUMER/consumer" 2>&1 | sed 's/^/    consumer: /'

# 3. DKMS on this host, then modprobe in a VM ------------------------------
dkms_state() {
	local r=()
	[ -z "$(dkms status -m sockobj 2>/dev/null)" ] || r+=("registered with dkms")
	[ ! -e "/usr/src/sockobj-$VERSION" ] || r+=("/usr/src/sockobj-$VERSION exists")
	[ ! -e "/var/lib/dkms/sockobj" ] || r+=("/var/lib/dkms/sockobj exists")
	ls /lib/modules/"$KREL"/updates/dkms/sockobj.ko* >/dev/null 2>&1 &&
		r+=("/lib/modules/$KREL/updates/dkms/sockobj.ko exists")
	grep -q 'sockobj' "/lib/modules/$KREL/modules.dep" 2>/dev/null &&
		r+=("sockobj in /lib/modules/$KREL/modules.dep")
	printf '%s\n' "${r[@]}"
}
# Called from the EXIT trap.
# shellcheck disable=SC2317
dkms_cleanup() {
	make -s dkms-uninstall KDIR="$KDIR" >>"$SCRATCH/dkms.log" 2>&1
	# dkms made a module signing key on first use: remove the one we caused.
	if [ "$mok_created" = 1 ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
}
mok_created=0
dkms_installed=0
if [ "$do_dkms" = 0 ]; then
	skip "DKMS install, VM modprobe, DKMS uninstall" "--no-dkms"
elif ! command -v dkms >/dev/null; then
	fail "DKMS" "dkms is not installed (tools/testing/deps.sh)"
elif [ "$(id -u)" -ne 0 ]; then
	skip "DKMS install, VM modprobe, DKMS uninstall" "needs root"
elif [ -n "$(dkms_state)" ]; then
	skip "DKMS install, VM modprobe, DKMS uninstall" \
		"sockobj is already installed with DKMS here: $(dkms_state | tr '\n' ';')"
else
	[ -e /var/lib/dkms/mok.key ] || [ -e /var/lib/dkms/mok.pub ] || mok_created=1
	trap 'if [ "$dkms_installed" = 1 ]; then dkms_cleanup; fi' EXIT
	trap 'exit 130' INT TERM
	dkms_installed=1
	if make -s dkms-install KDIR="$KDIR" >"$SCRATCH/dkms.log" 2>&1; then
		ok "make dkms-install (dkms add, build -k $KREL, install)"
	else
		fail "make dkms-install" "see ${SCRATCH#"$REPO"/}/dkms.log"
		tail -n 30 "$SCRATCH/dkms.log" | sed 's/^/    /'
	fi
	check "dkms status: sockobj/$VERSION installed for $KREL" \
		bash -c 'dkms status -m sockobj -v "$1" -k "$2" | grep -q ": installed"' sh "$VERSION" "$KREL"
	check "DKMS module in /lib/modules/$KREL/updates/dkms, version $VERSION, in modules.dep" \
		bash -c 'ko=/lib/modules/$1/updates/dkms/sockobj.ko
			[ "$(modinfo -F version "$ko")" = "$2" ] &&
			grep -q "^updates/dkms/sockobj.ko:" "/lib/modules/$1/modules.dep"' sh "$KREL" "$VERSION"
	check "DKMS source tree: kmod/ without build products, uapi/, VERSION, dkms.conf" \
		bash -c 'd=/usr/src/sockobj-$1; [ -f $d/dkms.conf ] && [ -f $d/VERSION ] &&
			[ -f $d/uapi/linux/sockobj.h ] && [ -f $d/kmod/Kbuild ] &&
			grep -qx "PACKAGE_VERSION=\"$1\"" $d/dkms.conf &&
			! ls $d/kmod | grep -E "\.(o|ko|mod|mod\.c|cmd)$|^Module\.symvers$"' sh "$VERSION"

	if [ "$do_vm" = 0 ]; then
		skip "VM: modprobe, modules-load.d, udev rule" "--no-vm"
	else
		echo "$PROG: booting the stock kernel $KREL in a VM"
		tools/testing/vm-run --kernel stock --no-module -- \
			tools/testing/check-install.sh --guest "$ROOT" "$SYSROOT" >"$SCRATCH/vm.log" 2>&1
		vm_rc=$?
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			case $line in
			"guest: ok: "*) ok "VM: ${line#guest: ok: }" ;;
			*) fail "VM: ${line#guest: FAILED: }" ;;
			esac
		done < <(grep -aE '^guest: (ok|FAILED): ' "$SCRATCH/vm.log")
		if [ "$vm_rc" -ne 0 ] || ! grep -aq '^guest: done' "$SCRATCH/vm.log" || [ "$n" -lt 5 ]; then
			fail "VM run" "exit $vm_rc, $n guest checks; see ${SCRATCH#"$REPO"/}/vm.log"
			grep -aE 'vm-run:|WARNING|BUG|Oops' "$SCRATCH/vm.log" | tail -n 10 | sed 's/^/    /'
		else
			ok "VM run clean (no kernel splat, module unloaded)"
		fi
	fi

	# A newer kernel through the same registration: dkms builds for the
	# 6.12 LTS tree check-kernels.sh tests (built and cached here on a
	# fresh machine, then reused there), and that kernel loads the result.
	if [ "$do_vm" = 0 ]; then
		skip "DKMS build for 6.12 and its VM run" "--no-vm"
	elif ! ntree=$(tools/testing/kernel/build-kernel.sh 6.12 2>>"$SCRATCH/dkms.log"); then
		fail "DKMS build for 6.12" "the 6.12 tree did not build; see ${SCRATCH#"$REPO"/}/dkms.log"
	else
		nrel=$(cat "$ntree/include/config/kernel.release")
		if dkms build -m sockobj -v "$VERSION" -k "$nrel" \
			--kernelsourcedir "$ntree" >>"$SCRATCH/dkms.log" 2>&1; then
			ok "dkms build -k $nrel (6.12 LTS tree)"
		else
			fail "dkms build -k $nrel" "see ${SCRATCH#"$REPO"/}/dkms.log"
		fi
		nko=$(find "/var/lib/dkms/sockobj/$VERSION/$nrel" -name 'sockobj.ko*' 2>/dev/null | head -n 1)
		if [ -z "$nko" ]; then
			fail "DKMS module for $nrel" "no sockobj.ko under /var/lib/dkms/sockobj/$VERSION/$nrel"
		else
			echo "$PROG: booting 6.12 with the DKMS-built module"
			# vm-run loads it, checks the kernel log and unloads it.
			tools/testing/vm-run --kernel 6.12 --no-module --module "$nko" -- \
				tools/sockobj/sockobj api --json >"$SCRATCH/vm612.log" 2>&1
			vm612_rc=$?
			check "VM 6.12: the DKMS-built module loads, answers (API $API), unloads clean" \
				bash -c '[ "$1" = 0 ] && grep -aq "\"api_version\":$2[,}]" "$3"' \
				sh "$vm612_rc" "$API" "$SCRATCH/vm612.log"
		fi
	fi

	if make -s dkms-uninstall KDIR="$KDIR" >>"$SCRATCH/dkms.log" 2>&1; then
		ok "make dkms-uninstall"
	else
		fail "make dkms-uninstall" "see ${SCRATCH#"$REPO"/}/dkms.log"
	fi
	dkms_installed=0
	if [ "$mok_created" = 1 ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	trap - EXIT INT TERM
	left=$(dkms_state)
	if [ -z "$left" ]; then
		ok "host clean after dkms-uninstall (no registration, source, module or modules.dep entry)"
	else
		fail "host clean after dkms-uninstall" "$(echo "$left" | tr '\n' ';')"
	fi
fi

# 4. make uninstall ---------------------------------------------------------
if make -s uninstall DESTDIR="$ROOT" KDIR="$KDIR" >"$SCRATCH/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR=${ROOT#"$REPO"/}"
else
	fail "make uninstall DESTDIR=${ROOT#"$REPO"/}" "see ${SCRATCH#"$REPO"/}/uninstall.log"
fi
check "nothing left after make uninstall" \
	bash -c 'left=$(cd "$1" && find . ! -type d); [ -z "$left" ] || { echo "$left"; exit 1; }' sh "$ROOT"

finish
