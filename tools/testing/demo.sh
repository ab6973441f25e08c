#!/bin/sh
# make demo: boot the stock Debian kernel in a VM with the module loaded and
# show it working against real servers started inside the VM
# (tools/testing/demo-guest.sh: python3 http.server, redis-server, socat).
# Exit status: that of the scenario, non-zero when one of its checks failed
# (or the VM run itself failed: kernel splat, rmmod, timeout).
set -eu
cd "$(dirname "$0")/../.."
echo "==> Installing missing Debian packages"
tools/testing/deps.sh
echo "==> Building the module for the stock kernel, the library and the sockobj tool"
tools/testing/build-module.sh stock
make -s userlib tools
echo "==> Booting the VM (stock kernel, software emulation: about 10 s), then the scenario (about a minute)"
exec tools/testing/vm-run --kernel stock --timeout 300 -- tools/testing/demo-guest.sh
