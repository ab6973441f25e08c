#!/bin/sh
# Print a kernel source tree holding the kselftest harness, lib.mk and
# runner, and the scripts lint runs (checkpatch.pl with its data files,
# kernel-doc): the cached debug kernel tree when it is built, else those
# alone (and the Makefiles the kselftest install reads) extracted (once)
# from Debian's linux-source package into the cache, so that neither the
# selftests nor lint wait for a kernel build. Nothing is copied into the
# repository.
set -eu
cache=${SOCKOBJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sockobj}
for t in "$cache"/debug-*/linux; do
	if [ -f "$t/../.built" ] && [ -f "$t/tools/testing/selftests/kselftest_harness.h" ] &&
		[ -x "$t/scripts/checkpatch.pl" ]; then
		echo "$t"
		exit 0
	fi
done
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "sockobj: no kernel source for the kselftest harness: install linux-source-6.1 (tools/testing/deps.sh)" >&2
	exit 1
fi
dest=$cache/ksrc-harness
if [ ! -f "$dest/.done-ksft-scripts" ]; then
	mkdir -p "$dest"
	tar -C "$dest" --strip-components=1 -xJf "$tarball" \
		--wildcards 'linux-source-6.1/tools/testing/selftests/kselftest*' \
		linux-source-6.1/tools/testing/selftests/lib.mk \
		linux-source-6.1/tools/testing/selftests/Makefile \
		linux-source-6.1/tools/testing/selftests/run_kselftest.sh \
		linux-source-6.1/scripts/subarch.include linux-source-6.1/Makefile \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/scripts/kernel-doc >&2
	touch "$dest/.done-ksft-scripts"
fi
echo "$dest"
