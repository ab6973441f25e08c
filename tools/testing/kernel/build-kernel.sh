#!/bin/bash
# Build one of the newer test kernels from Debian's linux-source package,
# once, and cache it outside the checkout.
#
#   tools/testing/kernel/build-kernel.sh 6.12|7.2   -> prints the tree's path
#
# 6.12 is linux-source-6.12 of Debian 13 (trixie), 7.2 linux-source-7.2 of
# sid. Both come from the Debian mirror bookworm uses, through a private apt
# configuration in the cache (its own sources.list, lists and package
# cache): the system's apt configuration is neither read for sources nor
# changed, and nothing is installed.
#
# Why from source and not Debian's binary images: their headers were built
# with gcc 14 (6.12) or newer, and their configuration carries what that
# compiler supports (e.g. CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT, hence
# -fmin-function-alignment=16 in every module's flags), which bookworm's
# gcc 12 rejects; building the module with other flags than the kernel's
# would not test what users load. From source, the kernel and the module
# share gcc 12.
#
# Configuration: make tinyconfig + debug.config (the debug kernel's
# fragment) + newer.config (KASAN and kmemleak off) + newer-<ver>.config if
# present + olddefconfig; then every option the fragments set must be in the
# .config as asked (an option the tree does not have at all is only noted).
#
# Cache directory:
#   ${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}/
#       apt/<suite>/                 the private apt configuration and the .deb
#       kernel-<ver>-<Debian version>-<sha256(fragments + recipe):12>/
#           linux/   build.log   .built (written after a successful build)
#
# A built tree of the same fragments and script is used as it is, whatever
# the mirror now has: a second run neither builds nor touches the network.
# stdout carries exactly one line, the tree path; progress goes to stderr.
# Concurrent invocations serialise on a flock. The compiler runs under
# nice -n 10 with -j(number of CPUs).
set -euo pipefail

exec 3>&1 1>&2   # keep stdout clean for the final path

prog=build-kernel
die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mirror=${SOCKOBJ_DEBIAN_MIRROR:-http://deb.debian.org/debian}

ver=${1:-}
case $ver in
6.12) suite=trixie ;;
7.2) suite=sid ;;
*) die "usage: build-kernel.sh 6.12|7.2" ;;
esac
pkg=linux-source-$ver
# debug.config, newer.config, and newer-<ver>.config when there is one
frags=("$here/debug.config" "$here/newer.config")
if [ -f "$here/newer-$ver.config" ]; then frags+=("$here/newer-$ver.config"); fi

for f in "${frags[@]}"; do
    [ -r "$f" ] || die "missing config fragment $f"
done
# The cache key: the fragments and the recipe version below, which any
# change to how the tree is extracted, configured or built must bump.
recipe=1
key=$( (cat "${frags[@]}"; echo "recipe $recipe") | sha256sum | cut -c1-12)
cache=${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}
mkdir -p "$cache"

built() { [ -f "$1/.built" ] && [ -f "$1/linux/arch/x86/boot/bzImage" ] && [ -f "$1/linux/Module.symvers" ]; }
newest_built() {
    local d best=
    for d in "$cache"/kernel-"$ver"-*-"$key"; do
        if built "$d"; then best=$d; fi
    done
    # versions sort as strings here, which is enough to pick one
    [ -n "$best" ] && echo "$best"
}

if d=$(newest_built); then
    echo "$d/linux" >&3
    exit 0
fi

missing=()
for c in gcc make flex bison bc tar xz perl apt-get dpkg-deb; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ -e /usr/include/gelf.h ] || missing+=("libelf-dev")
[ -e /usr/include/openssl/opensslv.h ] || missing+=("libssl-dev")
[ ${#missing[@]} -eq 0 ] || die "missing build tools: ${missing[*]} (run tools/testing/deps.sh as root)"

# --- the source package, through the private apt configuration ---
aptdir=$cache/apt/$suite
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/debs"
exec 8>"$aptdir/.lock"
flock 8
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$aptdir/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache"
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -q)
say "fetching the $suite package lists (private apt configuration in $aptdir)"
apt-get "${aptopts[@]}" update >"$aptdir/update.log" 2>&1 \
    || { tail -n 5 "$aptdir/update.log" >&2; die "apt-get update for $suite failed"; }
debver=$(apt-cache "${aptopts[@]}" show "$pkg" 2>/dev/null \
    | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$debver" ] || die "$pkg not found in $suite"
deb=$aptdir/debs/${pkg}_${debver}_all.deb
if [ ! -s "$deb" ]; then
    say "downloading $pkg $debver"
    (cd "$aptdir/debs" && apt-get "${aptopts[@]}" download "$pkg=$debver") >&2 \
        || die "apt-get download $pkg=$debver failed"
    f=$(find "$aptdir/debs" -maxdepth 1 -name "${pkg}_*${debver#*:}*_all.deb" | head -n 1)
    [ -n "$f" ] || die "the download of $pkg left no .deb in $aptdir/debs"
    [ "$f" = "$deb" ] || mv "$f" "$deb"
fi
exec 8>&-

srcver=${debver//[^A-Za-z0-9._+-]/_}
dir=$cache/kernel-$ver-$srcver-$key
tree=$dir/linux
mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
    say "another build of $dir is running; waiting for it"
    flock 9
fi
if built "$dir"; then
    echo "$tree" >&3
    exit 0
fi
rm -f "$dir/.built"

start=$(date +%s)
say "building Linux $ver ($pkg $debver) in $dir"
say "about 10 minutes on 2 cores, plus 3 to extract (once; later runs reuse the cache)"

# 1. Extract (atomically: unpack into a scratch dir, then rename).
if [ ! -f "$tree/.sockobj-extracted" ]; then
    rm -rf "$tree" "$dir/extract.tmp"
    mkdir -p "$dir/extract.tmp"
    say "extracting $pkg $debver"
    dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" \
        | tar -xJ -C "$dir/extract.tmp"
    top=$(find "$dir/extract.tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
    if [ -z "$top" ] || [ ! -f "$top/Makefile" ]; then die "unexpected layout in $deb"; fi
    touch "$top/.sockobj-extracted"
    mv "$top" "$tree"
    rm -rf "$dir/extract.tmp"
fi

log=$dir/build.log
: >"$log"

# 2. Configure, then check the result against the fragments (the last
# setting of an option wins, as in merge_config.sh).
if [ ! -f "$tree/.sockobj-configured" ]; then
    say "configuring: tinyconfig + $(for f in "${frags[@]}"; do printf '%s + ' "$(basename "$f")"; done)olddefconfig"
    {
        make -C "$tree" tinyconfig
        (cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config "${frags[@]}")
        make -C "$tree" olddefconfig
    } >>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "configuration failed (log: $log)"; }

    declare -A want=()
    while IFS= read -r line; do
        case $line in
        CONFIG_*=*) want[${line%%=*}]=${line#*=} ;;
        "# CONFIG_"*" is not set") opt=${line#\# }; want[${opt%% *}]=n ;;
        esac
    done < <(sed -e 's/[[:space:]]*$//' "${frags[@]}")
    bad=()
    for opt in "${!want[@]}"; do
        # an option this kernel no longer has (e.g. BASE_FULL) is only noted
        if ! grep -rqE --include='Kconfig*' "^(menu)?config ${opt#CONFIG_}[[:space:]]*\$" "$tree"; then
            say "note: $opt does not exist in Linux $ver"
            continue
        fi
        if [ "${want[$opt]}" != n ]; then
            grep -qx "$opt=${want[$opt]}" "$tree/.config" \
                || bad+=("$opt (wanted ${want[$opt]}, got: $(grep -E "^$opt=|^# $opt is not set" "$tree/.config" || echo 'absent'))")
        elif grep -qx "$opt=y" "$tree/.config"; then
            bad+=("$opt (wanted not set, got y)")
        fi
    done
    if [ ${#bad[@]} -ne 0 ]; then
        say "the resulting .config of Linux $ver does not honour the fragments:"
        printf '  %s\n' "${bad[@]}" >&2
        die "${#bad[@]} option(s) dropped by olddefconfig (renamed or missing dependencies?)"
    fi
    touch "$tree/.sockobj-configured"
fi

# 3. Build, with a progress line every 30 s instead of the make output.
# `modules` compiles nothing (everything is =y) but writes Module.symvers.
jobs=$(nproc)
say "compiling with nice -n 10 make -j$jobs bzImage modules_prepare modules (log: $log)"
nice -n 10 make -C "$tree" -j"$jobs" bzImage modules_prepare modules >>"$log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null; exit 130' INT TERM
(
    while sleep 30; do
        n=$(grep -c '^  CC ' "$log" || true)
        el=$(( $(date +%s) - start ))
        printf '%s: Linux %s: %d objects compiled, %dm%02ds elapsed\n' "$prog" "$ver" "$n" $((el / 60)) $((el % 60)) >&2
    done
) &
ppid_=$!
rc=0
wait $mpid || rc=$?
kill $ppid_ 2>/dev/null || true
wait $ppid_ 2>/dev/null || true
trap - INT TERM
if [ $rc -ne 0 ]; then
    grep -E 'error|Error' "$log" | tail -n 20 >&2 || true
    tail -n 20 "$log" >&2
    die "kernel build failed (exit $rc; full log: $log)"
fi
[ -f "$tree/arch/x86/boot/bzImage" ] || die "build finished but no bzImage in $tree"
[ -f "$tree/Module.symvers" ] || die "build finished but no Module.symvers in $tree"

el=$(( $(date +%s) - start ))
date -u +%FT%TZ >"$dir/.built"
say "Linux $ver done in $((el / 60))m$((el % 60))s"
echo "$tree" >&3
