#!/bin/sh
# make demo: boot the stock Debian kernel in a VM with the module loaded and
# show it working against real servers started inside the VM.
set -eu
cd "$(dirname "$0")/.."
echo "==> Installing missing Debian packages"
tools/deps.sh
echo "==> Building the module for the stock kernel, the library and the sockobj tool"
tools/build-module.sh stock
make -s userlib tools
echo "==> Booting the VM (stock kernel, software emulation: a few seconds)"
exec tools/vm-run --kernel stock --timeout 600 -- tools/demo-guest.sh
