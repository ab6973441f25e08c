#!/bin/bash
# Build the sockobj debug kernel (KASAN, lockdep, kmemleak, KUnit, fault
# injection, ...) from the Debian linux-source package, once, and cache it
# outside the checkout.
#
#   tools/kernel/build-debug.sh        -> prints the absolute path of the tree
#
# Build out-of-tree modules against it with `make -C <tree> M=<dir>`.
#
# Cache directory:
#   ${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}/
#       debug-<linux-source version>-<sha256(debug.config + this script):12>/
#           linux/         the configured and built kernel tree
#           build.log      full make output
#           .built         stamp, written only after a successful build
#
# stdout carries exactly one line, the tree path; everything else goes to
# stderr. With the stamp present the script returns at once. Concurrent
# invocations serialise on a flock; the second one reuses the first's result.
# An interrupted build is resumed (make is incremental; an interrupted
# extraction or configuration is redone from scratch).
#
# The only change made to the Debian source is a one-word edit of
# arch/x86/mm/kasan_init_64.c (see below) that keeps kmemleak from scanning
# the KASAN shadow memory.
set -euo pipefail

exec 3>&1 1>&2   # keep stdout clean for the final path

prog=build-debug
die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
frag=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz

[ -r "$frag" ] || die "missing config fragment $frag"
[ -r "$tarball" ] || die "missing $tarball (install linux-source-6.1: tools/deps.sh)"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] || srcver=$(stat -c %s-%Y "$tarball")
srcver=${srcver//[^A-Za-z0-9._+-]/_}
key=$(cat "$frag" "$self" | sha256sum | cut -c1-12)
cache=${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}
dir=$cache/debug-$srcver-$key
tree=$dir/linux
stamp=$dir/.built

done_() { echo "$tree" >&3; exit 0; }

[ -f "$stamp" ] && [ -f "$tree/arch/x86/boot/bzImage" ] && [ -f "$tree/Module.symvers" ] && done_

missing=()
for c in gcc make flex bison bc tar xz perl; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ -e /usr/include/gelf.h ] || missing+=("libelf-dev")
[ -e /usr/include/openssl/opensslv.h ] || missing+=("libssl-dev")
[ ${#missing[@]} -eq 0 ] || die "missing build tools: ${missing[*]} (run tools/deps.sh as root)"

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
    say "another build of $dir is running; waiting for it"
    flock 9
fi
# The other invocation may have finished while we waited.
[ -f "$stamp" ] && [ -f "$tree/arch/x86/boot/bzImage" ] && [ -f "$tree/Module.symvers" ] && done_
rm -f "$stamp"

start=$(date +%s)
say "building the debug kernel in $dir"
say "this takes about 8 minutes on 2 cores (once; later runs reuse the cache)"

# 1. Extract (atomically: unpack into a scratch dir, then rename).
if [ ! -f "$tree/.sockobj-extracted" ]; then
    rm -rf "$tree" "$dir/extract.tmp"
    mkdir -p "$dir/extract.tmp"
    say "extracting $tarball"
    tar -xf "$tarball" -C "$dir/extract.tmp"
    top=$(find "$dir/extract.tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
    [ -n "$top" ] && [ -f "$top/Makefile" ] || die "unexpected layout in $tarball"
    # kmemleak scans every memblock allocation, including the KASAN shadow
    # (1/8 of RAM, and never holding pointers): that doubled the time of a
    # kmemleak scan under TCG. Allocate the shadow the way arm64 does, with
    # MEMBLOCK_ALLOC_NOLEAKTRACE, which memblock provides for exactly this
    # ("Skip kmemleak for those places like kasan_init()").
    f=$top/arch/x86/mm/kasan_init_64.c
    if grep -q '__pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_ACCESSIBLE, nid)' "$f"; then
        sed -i 's/__pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_ACCESSIBLE, nid)/__pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_NOLEAKTRACE, nid)/' "$f"
    else
        say "warning: $f changed; not excluding the KASAN shadow from kmemleak scans (slower scans)"
    fi
    touch "$top/.sockobj-extracted"
    mv "$top" "$tree"
    rm -rf "$dir/extract.tmp"
fi

jobs=$(( $(nproc) + 1 ))
log=$dir/build.log
: >"$log"

# 2. Configure (always redone unless already verified: cheap, a few seconds).
if [ ! -f "$tree/.sockobj-configured" ]; then
    say "configuring: tinyconfig + $(basename "$frag") + olddefconfig"
    {
        make -C "$tree" tinyconfig
        (cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config "$frag")
        make -C "$tree" olddefconfig
    } >>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "configuration failed (log: $log)"; }

    # Verify: every option the fragment sets to y must be y, every option it
    # disables must not be y. Kconfig silently drops options whose
    # dependencies are missing.
    bad=()
    while IFS= read -r line; do
        case $line in
            CONFIG_*=y)
                opt=${line%%=*}
                grep -qx "$opt=y" "$tree/.config" || bad+=("$opt (wanted y, got: $(grep -E "^$opt=|^# $opt is not set" "$tree/.config" || echo 'absent'))")
                ;;
            "# CONFIG_"*" is not set")
                opt=${line#\# }; opt=${opt%% *}
                if grep -qx "$opt=y" "$tree/.config"; then bad+=("$opt (wanted not set, got y)"); fi
                ;;
        esac
    done < <(sed -e 's/[[:space:]]*$//' "$frag")
    if [ ${#bad[@]} -ne 0 ]; then
        say "the resulting .config does not honour $frag:"
        printf '  %s\n' "${bad[@]}" >&2
        die "${#bad[@]} option(s) dropped by olddefconfig (missing dependencies?); fix the fragment"
    fi
    touch "$tree/.sockobj-configured"
fi

# 3. Build, with a progress line every 30 s instead of the make output.
# `modules` compiles nothing (everything is =y) but writes Module.symvers;
# without it every out-of-tree module build warns that all kernel symbols
# are undefined, which would hide a real unresolved symbol.
say "compiling with make -j$jobs bzImage modules_prepare modules (log: $log)"
make -C "$tree" -j"$jobs" bzImage modules_prepare modules >>"$log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null; exit 130' INT TERM
(
    while sleep 30; do
        n=$(grep -c '^  CC ' "$log" || true)
        el=$(( $(date +%s) - start ))
        printf '%s: %d objects compiled, %dm%02ds elapsed\n' "$prog" "$n" $((el / 60)) $((el % 60)) >&2
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
date -u +%FT%TZ >"$stamp"
say "done in $((el / 60))m$((el % 60))s"
done_
