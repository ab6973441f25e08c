# SPDX-License-Identifier: GPL-2.0
#
#   make            build the module (against KDIR), the library, the tools
#                   and the selftests
#   make check      install what is missing, build for the stock and the
#                   debug kernel, run KUnit and the selftests in VMs
#   make demo       boot a VM with the module and show it working
#
# KDIR defaults to the running kernel's build directory, else the newest in
# /lib/modules. KSRC is a kernel source tree for the kselftest harness.

KDIR ?= $(shell tools/kernel/kdir.sh)
KSRC ?= $(shell tools/kernel/ksrc.sh)

all: kmod userlib tools selftests

kmod:
	@test -n "$(KDIR)" || exit 1
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod modules

userlib:
	$(MAKE) -C userlib

tools: userlib
	$(MAKE) -C tools

selftests: userlib
	@test -n "$(KSRC)" || exit 1
	$(MAKE) -C selftests KSRC=$(KSRC)

check:
	tools/check.sh

demo:
	tools/demo.sh

clean:
	-test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	$(MAKE) -C userlib clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all kmod userlib tools selftests check demo clean
