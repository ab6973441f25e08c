# SPDX-License-Identifier: GPL-2.0
#
#   make            build the module (against KDIR), the library, the tools,
#                   the selftests and the examples (examples/, needs libssl-dev)
#   make lib        build the library and the sockobj command only: no
#                   kernel headers nor sources needed
#   make install-lib
#                   install what make lib builds (library, headers,
#                   pkg-config file, man pages, the command) and the
#                   Python binding; make uninstall-lib
#   make check      install what is missing, build for the five kernels
#                   tested, run KUnit and the selftests in VMs (three lanes
#                   at once: kernel builds, stock, debug; two VMs at most)
#   make demo       boot a VM with the module and show it working
#   make bench      build and run the benchmark (tools/bench) in a stock-kernel
#                   VM in cost mode (one vCPU, guest time counts instructions);
#                   about 17 minutes with BENCH_ARGS=--quick; not part of check.
#                   BENCH_ARGS are passed to tools/bench/run.sh (e.g. --quick,
#                   --wall for the wall-clock mode)
#   make install    install the library, headers, pkg-config file, man pages,
#                   the sockobj tool, the Python binding, the udev/sysusers/modules-load files
#                   and the module (for KDIR's kernel); make uninstall
#   make dkms-install / dkms-uninstall
#                   register the module source with DKMS and build and
#                   install it for KDIR's kernel (or remove it everywhere)
#   make dkms-source
#                   only stage the DKMS source tree (honours DESTDIR)
#   make lint       checkpatch, sparse, kernel-doc, uapi header, W=1 build,
#                   shellcheck and pyflakes3 over the scripts
#
# KDIR defaults to the running kernel's build directory, else the newest in
# /lib/modules. KSRC is a kernel source tree for the kselftest harness.

KDIR ?= $(shell tools/testing/kernel/kdir.sh)
KSRC ?= $(shell tools/testing/kernel/ksrc.sh)

all: kmod userlib tools selftests examples

lib: userlib tools

kmod:
	@test -n "$(KDIR)" || exit 1
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod modules

userlib:
	$(MAKE) -C userlib

tools: userlib
	$(MAKE) -C tools/sockobj

examples: userlib
	$(MAKE) -C examples

# the kselftest target drivers/sockobj, built in place and installed with
# KSRC's runner in build/kselftest/<version>/install (selftests/run.sh)
selftests: userlib
	@test -n "$(KSRC)" || exit 1
	tools/testing/build-selftests.sh --ksrc $(KSRC) >/dev/null

check:
	tools/testing/check.sh

demo:
	tools/testing/demo.sh

bench:
	tools/bench/run.sh $(BENCH_ARGS)

clean:
	-test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	$(MAKE) -C userlib clean
	$(MAKE) -C tools/sockobj clean
	$(MAKE) -C examples clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all lib kmod userlib tools examples selftests check demo bench clean

# ---------------------------------------------------------------------------
# Installation. GNU conventions: PREFIX (default /usr/local; packagers pass
# PREFIX=/usr) and DESTDIR (a staging root, applied at install time only).
# Every directory below can be overridden on the command line.
#
# UDEVDIR, SYSUSERSDIR and MODULESLOADDIR: with PREFIX=/usr they are those
# of the system (pkg-config variables of udev.pc and systemd.pc, with the
# usual fallbacks); with any other prefix they are $(PREFIX)/lib/..., which
# udevd, systemd-sysusers and systemd-modules-load of Debian 12 also read
# for PREFIX=/usr/local (/usr/local/lib/udev/rules.d, ...).
#
# The module is installed for the kernel of KDIR, in
# $(DESTDIR)/lib/modules/$(KERNELRELEASE)/updates; depmod, ldconfig,
# systemd-sysusers and a udev rules reload run only when DESTDIR is empty.
#
# install-lib installs the userspace part alone (the library, its headers,
# sockobj.pc, the man pages, the command, the Python binding): it needs
# neither KDIR nor KSRC.
# install is install-lib plus the packaging files and the module.

VERSION := $(shell cat VERSION)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# The Python binding (python/sockobj.py) goes where Debian's python3 looks:
# /usr/lib/python3/dist-packages for PREFIX=/usr, otherwise
# $(PREFIX)/lib/python3.X/dist-packages (on sys.path for /usr/local).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PREFIX),/usr)
PYTHONDIR ?= $(PREFIX)/lib/python3/dist-packages
else
PYTHONDIR ?= $(PREFIX)/lib/python$(or $(PYTHON_VERSION),3)/dist-packages
endif

pc-var = $(or $(shell pkg-config --variable=$(1) $(2) 2>/dev/null),$(3))
ifeq ($(PREFIX),/usr)
UDEVDIR ?= $(call pc-var,udevdir,udev,/usr/lib/udev)
SYSUSERSDIR ?= $(call pc-var,sysusersdir,systemd,/usr/lib/sysusers.d)
MODULESLOADDIR ?= $(call pc-var,modulesloaddir,systemd,/usr/lib/modules-load.d)
else
UDEVDIR ?= $(PREFIX)/lib/udev
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
endif
UDEVRULESDIR ?= $(UDEVDIR)/rules.d

# The release the module is built for: UTS_RELEASE, as in its vermagic
# (Debian's headers override kbuild's include/config/kernel.release).
KERNELRELEASE ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# modules_install signs the module when the kernel's build directory holds
# its signing key (a self-built kernel); distribution headers do not ship
# the key, so signing is skipped there instead of failing noisily.
MODULE_SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
MODULE_SIG_KEY_FILE = $(firstword $(wildcard $(MODULE_SIG_KEY) $(KDIR)/$(MODULE_SIG_KEY)))

INSTALL ?= install
DEPMOD ?= depmod

# The shared library's names, as userlib/Makefile derives them from
# VERSION (whose MAJOR.MINOR `make -C userlib check-version` proves to be
# sockobj.h's).
LIB_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
LIB_MINOR := $(word 2,$(subst ., ,$(VERSION)))
LIB_SONAME := libsockobj.so.$(LIB_MAJOR)
LIB_SHLIB := libsockobj.so.$(LIB_MAJOR).$(LIB_MINOR)

MAN3 := $(notdir $(wildcard userlib/man/*.3))
MAN7 := $(notdir $(wildcard userlib/man/*.7))

# The installed pkg-config file: userlib/sockobj.pc.in with the install
# paths and the project VERSION, as userlib's own sockobj.pc (for
# /usr/local) and sockobj-uninstalled.pc (for the build tree) carry it.
build/install/sockobj.pc: userlib/sockobj.pc.in VERSION FORCE
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    $< > $@

install-lib: lib build/install/sockobj.pc
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBDIR)" \
		"$(DESTDIR)$(PKGCONFIGDIR)" "$(DESTDIR)$(INCLUDEDIR)/sockobj/linux" \
		"$(DESTDIR)$(MANDIR)/man3" "$(DESTDIR)$(MANDIR)/man7" \
		"$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(PYTHONDIR)"
	$(INSTALL) -m 0755 tools/sockobj/sockobj "$(DESTDIR)$(BINDIR)/sockobj"
	$(INSTALL) -m 0644 userlib/libsockobj.a "$(DESTDIR)$(LIBDIR)/libsockobj.a"
	$(INSTALL) -m 0755 userlib/$(LIB_SHLIB) "$(DESTDIR)$(LIBDIR)/$(LIB_SHLIB)"
	ln -sf $(LIB_SHLIB) "$(DESTDIR)$(LIBDIR)/$(LIB_SONAME)"
	ln -sf $(LIB_SONAME) "$(DESTDIR)$(LIBDIR)/libsockobj.so"
	$(INSTALL) -m 0644 userlib/sockobj.h "$(DESTDIR)$(INCLUDEDIR)/sockobj/sockobj.h"
	$(INSTALL) -m 0644 uapi/linux/sockobj.h "$(DESTDIR)$(INCLUDEDIR)/sockobj/linux/sockobj.h"
	$(INSTALL) -m 0644 build/install/sockobj.pc "$(DESTDIR)$(PKGCONFIGDIR)/sockobj.pc"
	$(INSTALL) -m 0644 $(addprefix userlib/man/,$(MAN3)) "$(DESTDIR)$(MANDIR)/man3"
	$(INSTALL) -m 0644 $(addprefix userlib/man/,$(MAN7)) "$(DESTDIR)$(MANDIR)/man7"
	$(INSTALL) -m 0644 tools/sockobj/sockobj.8 "$(DESTDIR)$(MANDIR)/man8/sockobj.8"
	$(INSTALL) -m 0644 python/sockobj.py "$(DESTDIR)$(PYTHONDIR)/sockobj.py"
ifeq ($(DESTDIR),)
	-ldconfig
endif

install-kernel-release:
	@test -n "$(KERNELRELEASE)" || { echo "install: no kernel release in $(KDIR)" >&2; exit 1; }

install: install-kernel-release kmod install-lib
	$(INSTALL) -d "$(DESTDIR)$(UDEVRULESDIR)" "$(DESTDIR)$(SYSUSERSDIR)" \
		"$(DESTDIR)$(MODULESLOADDIR)"
	$(INSTALL) -m 0644 packaging/60-sockobj.rules "$(DESTDIR)$(UDEVRULESDIR)/60-sockobj.rules"
	$(INSTALL) -m 0644 packaging/sockobj.sysusers "$(DESTDIR)$(SYSUSERSDIR)/sockobj.conf"
	$(INSTALL) -m 0644 packaging/sockobj-modules-load.conf "$(DESTDIR)$(MODULESLOADDIR)/sockobj.conf"
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod modules_install \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates DEPMOD=true \
		$(if $(MODULE_SIG_KEY_FILE),,CONFIG_MODULE_SIG_ALL=)
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KERNELRELEASE)
	if command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers "$(SYSUSERSDIR)/sockobj.conf"; fi
	-if command -v udevadm >/dev/null; then udevadm control --reload; fi
endif

uninstall-lib:
	rm -f "$(DESTDIR)$(BINDIR)/sockobj"
	rm -f "$(DESTDIR)$(LIBDIR)/libsockobj.a" "$(DESTDIR)$(LIBDIR)/$(LIB_SHLIB)" \
		"$(DESTDIR)$(LIBDIR)/$(LIB_SONAME)" "$(DESTDIR)$(LIBDIR)/libsockobj.so"
	rm -f "$(DESTDIR)$(INCLUDEDIR)/sockobj/sockobj.h" \
		"$(DESTDIR)$(INCLUDEDIR)/sockobj/linux/sockobj.h"
	-rmdir --ignore-fail-on-non-empty "$(DESTDIR)$(INCLUDEDIR)/sockobj/linux" \
		"$(DESTDIR)$(INCLUDEDIR)/sockobj"
	rm -f "$(DESTDIR)$(PKGCONFIGDIR)/sockobj.pc"
	for f in $(MAN3); do rm -f "$(DESTDIR)$(MANDIR)/man3/$$f"; done
	for f in $(MAN7); do rm -f "$(DESTDIR)$(MANDIR)/man7/$$f"; done
	rm -f "$(DESTDIR)$(MANDIR)/man8/sockobj.8"
	rm -f "$(DESTDIR)$(PYTHONDIR)/sockobj.py" "$(DESTDIR)$(PYTHONDIR)/__pycache__/sockobj."*.pyc
ifeq ($(DESTDIR),)
	-ldconfig
endif

uninstall: uninstall-lib
	rm -f "$(DESTDIR)$(UDEVRULESDIR)/60-sockobj.rules" \
		"$(DESTDIR)$(SYSUSERSDIR)/sockobj.conf" \
		"$(DESTDIR)$(MODULESLOADDIR)/sockobj.conf"
	@test -n "$(KERNELRELEASE)" || { echo "uninstall: no kernel release in $(KDIR)" >&2; exit 1; }
	rm -f "$(DESTDIR)/lib/modules/$(KERNELRELEASE)/updates/sockobj.ko"* \
		"$(DESTDIR)/lib/modules/$(KERNELRELEASE)/updates/sockobj_kunit.ko"*
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KERNELRELEASE)
endif

# ---------------------------------------------------------------------------
# DKMS. dkms-source stages /usr/src/sockobj-$(VERSION) (kmod/ without build
# products, uapi/, VERSION and dkms.conf from packaging/dkms.conf.in) under
# DESTDIR, for packages. dkms-install works on this system (DESTDIR must be
# empty): it removes a previous registration of this version, stages the
# source, then runs dkms add, build and install for KERNELRELEASE (that of
# KDIR; pass KDIR=/lib/modules/<release>/build for another kernel).
# dkms-uninstall removes this version from every kernel and its source.

DKMS ?= dkms
DKMS_SRC := /usr/src/sockobj-$(VERSION)
DKMS_KMOD := Kbuild Makefile $(notdir $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h))

dkms-source:
	rm -rf "$(DESTDIR)$(DKMS_SRC)"
	$(INSTALL) -d "$(DESTDIR)$(DKMS_SRC)/kmod" "$(DESTDIR)$(DKMS_SRC)/uapi/linux"
	$(INSTALL) -m 0644 $(addprefix kmod/,$(DKMS_KMOD)) "$(DESTDIR)$(DKMS_SRC)/kmod"
	$(INSTALL) -m 0644 uapi/linux/sockobj.h "$(DESTDIR)$(DKMS_SRC)/uapi/linux/sockobj.h"
	$(INSTALL) -m 0644 VERSION "$(DESTDIR)$(DKMS_SRC)/VERSION"
	sed -e 's|@VERSION@|$(VERSION)|g' packaging/dkms.conf.in > "$(DESTDIR)$(DKMS_SRC)/dkms.conf"

dkms-install:
	@test -z "$(DESTDIR)" || { echo "dkms-install: DESTDIR is for dkms-source" >&2; exit 1; }
	@test -n "$(KERNELRELEASE)" || { echo "dkms-install: no kernel release in $(KDIR)" >&2; exit 1; }
	if [ -n "$$($(DKMS) status -m sockobj -v $(VERSION))" ]; then \
		$(DKMS) remove -m sockobj -v $(VERSION) --all; fi
	$(MAKE) dkms-source DESTDIR=
	$(DKMS) add -m sockobj -v $(VERSION)
	$(DKMS) build -m sockobj -v $(VERSION) -k $(KERNELRELEASE)
	$(DKMS) install -m sockobj -v $(VERSION) -k $(KERNELRELEASE)

dkms-uninstall:
	@test -z "$(DESTDIR)" || { echo "dkms-uninstall: DESTDIR is not supported" >&2; exit 1; }
	if [ -n "$$($(DKMS) status -m sockobj -v $(VERSION))" ]; then \
		$(DKMS) remove -m sockobj -v $(VERSION) --all; fi
	rm -rf "$(DKMS_SRC)"

lint:
	tools/testing/lint.sh

FORCE:

.PHONY: install install-lib install-kernel-release uninstall uninstall-lib dkms-source dkms-install dkms-uninstall lint FORCE
