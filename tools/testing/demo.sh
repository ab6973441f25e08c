#!/bin/sh
# make demo: boot the stock Debian kernel in a VM with the module loaded and
# show it working against real servers started inside the VM
# (tools/testing/demo-guest.sh: python3 http.server, redis-server, socat).
# Only the scenario is shown; the guest's kernel log is kept in
# build/demo/kernel.log and shown too when the run fails or it holds a splat.
# Exit status: that of the scenario, non-zero when one of its checks failed
# (or the VM run itself failed: kernel splat, rmmod, timeout).
set -eu
cd "$(dirname "$0")/../.."
echo "==> Installing missing Debian packages"
tools/testing/deps.sh
echo "==> Building the module for the stock kernel, the library and the sockobj tool"
tools/testing/build-module.sh stock
make -s userlib tools

# The guest's console carries the kernel's boot log (hundreds of lines)
# before the scenario and a few kernel lines during it: they go to a file,
# and the terminal shows the scenario alone. vm-run's own messages (its
# timing line, a splat it found, why it failed) are on stderr and stay
# there. The log is shown when the run fails, which vm-run makes it do for
# any splat, and when it holds the start of a splat anyway.
log=build/demo/kernel.log
mkdir -p build/demo
rm -f "$log" build/demo/status
echo "==> Booting the VM (stock kernel, software emulation: about 10 s), then the scenario (about a minute)"
echo "    (the guest's kernel log goes to $log)"
{
	status=0
	tools/testing/vm-run --kernel stock --timeout 300 -- tools/testing/demo-guest.sh ||
		status=$?
	echo $status >build/demo/status
} | awk -v out="$log" '
	# Between the markers of tools/testing/vm/guest-init.sh, what is not
	# a kernel line (printk time stamp) is the scenario.
	!started && /^vm-guest: running command$/ { started = 1; on = 1; print >out; next }
	on && /^vm-guest: command exited with status / { on = 0; print >out; next }
	on && !/^\[ *[0-9]+\.[0-9]+\] / { print; fflush(); next }
	{ print >out }
'
status=$(cat build/demo/status)
# Every splat prints one of these; vm-run matches more (SPLAT_PATTERNS).
splat=$(grep -c -e '-----\[ cut here \]-----' -e 'Call Trace:' "$log") || :
if [ "$status" -ne 0 ] || [ "$splat" -ne 0 ]; then
	echo "==> The run failed (status $status) or the kernel log holds a splat: the kernel log ($log)"
	cat "$log"
	[ "$status" -ne 0 ] || status=1
else
	echo "==> Kernel log: $log ($(wc -l <"$log") lines, no splat)"
fi
exit "$status"
