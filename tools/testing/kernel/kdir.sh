#!/bin/sh
# Print the kernel build directory to build the module against: the running
# kernel's when it has one, else the newest installed; fail in one line.
rel=$(uname -r)
if [ -d "/lib/modules/$rel/build" ]; then
	echo "/lib/modules/$rel/build"
	exit 0
fi
newest=$(for d in /lib/modules/*/build; do
		if [ -e "$d" ] || [ -L "$d" ]; then echo "$d"; fi
	done | sort -V | tail -n 1)
if [ -n "$newest" ]; then
	echo "$newest"
	exit 0
fi
echo "sockobj: no kernel build directory in /lib/modules: install linux-headers-amd64 (or set KDIR=)" >&2
exit 1
