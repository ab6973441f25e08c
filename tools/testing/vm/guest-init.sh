#!/bin/sh
# PID 1 of the sockobj test VM, started by the initramfs of tools/testing/vm-run after
# switch_root into the host's root file system (shared read-only over 9p).
#
# The per-run directory (a writable 9p export of the host) is mounted at
# /run/sockobj-vm and holds what tools/testing/vm-run prepared:
#   guest.env     SOCKOBJ_KERNEL, SOCKOBJ_KERNEL_RELEASE
#   modules.list  "<name> <path>" per line, loaded in order with insmod
#   cmd.sh        cd + environment + exec of the command
# and receives what this script records:
#   status        the command's exit status (written right after it ends)
#   insmod_failed / rmmod_failed / setup_error   messages, when that happened
#   teardown_stuck   the teardown ran past TEARDOWN_S (stacks in the log)
#   kmemleak      the kmemleak report (debug kernel)
#   dmesg         the full kernel log at the end
#   done          written last: the teardown completed
#
# This script must never exit: PID 1 exiting panics the kernel. It ends with
# `busybox reboot -f` (no ACPI: qemu -no-reboot turns the reset into an exit).

RUN=/run/sockobj-vm
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
BB=$(command -v busybox 2>/dev/null || echo /bin/busybox)
KMEMLEAK=/sys/kernel/debug/kmemleak

say() { echo "vm-guest: $*"; }
kmsg() { echo "vm-guest: $*" >/dev/kmsg 2>/dev/null; }

finish() {
    dmesg >"$RUN/dmesg" 2>/dev/null || $BB dmesg >"$RUN/dmesg"
    sync
    : >"$RUN/done"
    sync
    $BB reboot -f
    while :; do $BB sleep 3600; done
}

fatal() {
    say "FATAL: $*"
    echo "$*" >>"$RUN/setup_error"
    finish
}

kmsg "guest init started"
[ -r "$RUN/guest.env" ] || fatal "no $RUN/guest.env"
# shellcheck source=/dev/null # written by vm-run for each run
. "$RUN/guest.env"

# What udev or systemd would have made: devtmpfs has no /dev/fd nor
# /dev/std*, and a script writing to /dev/stdout (the kselftest runner
# does) would create a file there.
for f in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
    [ -e "/dev/${f%%:*}" ] || [ -L "/dev/${f%%:*}" ] || ln -s "${f#*:}" "/dev/${f%%:*}"
done

$BB hostname sockobj-vm
# Every SysRq function (Debian's default leaves out the dumps): vm-run
# presses Alt+SysRq+w and +l through QEMU's monitor before it kills a
# guest that ran out of time, so a hang leaves its stacks in the log.
echo 1 >/proc/sys/kernel/sysrq 2>/dev/null
ip link set lo up 2>/dev/null || $BB ip link set lo up || fatal "cannot bring lo up"

# Load the modules.
loaded=""
ok=1
while read -r name path; do
    [ -n "$name" ] || continue
    say "insmod $name"
    if out=$(insmod "$path" 2>&1); then
        loaded="$name $loaded"          # reverse order for unloading
    else
        say "insmod $name failed: $out"
        echo "insmod $name: $out" >>"$RUN/insmod_failed"
        ok=0
        break
    fi
done <"$RUN/modules.list"

if [ $ok = 1 ]; then
    # Forget any leak kmemleak already reported (the debug kernel has no
    # background scans, so normally there is none).
    [ -w $KMEMLEAK ] && echo clear >$KMEMLEAK 2>/dev/null
    kmsg "command starting"
    say "running command"
    # A clean environment (PID 1 inherits stray kernel parameters such as
    # acpi=off as variables); cmd.sh exports PATH, HOME, SOCKOBJ_* etc.
    env -i SOCKOBJ_VM=1 SOCKOBJ_KERNEL="$SOCKOBJ_KERNEL" /bin/sh "$RUN/cmd.sh" </dev/null
    st=$?
    echo "$st" >"$RUN/status"
    sync
    say "command exited with status $st"
    kmsg "command exited with status $st"
fi

# Whatever the command left running would hold the modules: end it.
kill -TERM -1 2>/dev/null && $BB sleep 0.3
kill -KILL -1 2>/dev/null && $BB sleep 0.2

# The teardown takes seconds (kmemleak's scan up to a minute under TCG).
# When it has not ended after TEARDOWN_S, the kernel's stacks of blocked
# tasks and of every CPU go to the log, so a hang says where it is rather
# than only running into vm-run's --timeout; the run fails on it.
TEARDOWN_S=300
(
    $BB sleep $TEARDOWN_S
    say "teardown still running after $TEARDOWN_S s: blocked tasks and CPUs follow"
    echo "teardown still running after $TEARDOWN_S s" >>"$RUN/teardown_stuck"
    echo w >/proc/sysrq-trigger 2>/dev/null
    echo l >/proc/sysrq-trigger 2>/dev/null
) &
watchdog=$!

# Unload in reverse order. Sockets may drop their module reference a moment
# after their last close (RCU), so a busy module gets a few retries.
for name in $loaded; do
    tries=0
    say "rmmod $name"
    until out=$(rmmod "$name" 2>&1); do
        tries=$((tries + 1))
        if [ $tries -ge 20 ]; then
            say "rmmod $name failed: $out"
            echo "rmmod $name: $out" >>"$RUN/rmmod_failed"
            break
        fi
        $BB sleep 0.25
    done
done

# Leak check (debug kernel). kmemleak only reports objects that were older
# than 5 s when the scan started, hence the pause. A scan takes 10-20 s under
# TCG, so the second scan, which drops transient false positives (pointers
# that were only in registers), is only run when the first one found
# something; the report is read after it.
if [ -w $KMEMLEAK ]; then
    say "kmemleak scan"
    echo scan=off >$KMEMLEAK 2>/dev/null
    $BB sleep 5
    echo scan >$KMEMLEAK 2>/dev/null
    if [ -n "$(cat $KMEMLEAK 2>/dev/null | head -c 1)" ]; then
        say "kmemleak: suspects found; scanning again to confirm"
        $BB sleep 1
        echo scan >$KMEMLEAK 2>/dev/null
    fi
    cat $KMEMLEAK >"$RUN/kmemleak" 2>/dev/null
fi
# How full lockdep's tables got (lockdep kernels): a full table turns it off.
[ -r /proc/lockdep_stats ] && cat /proc/lockdep_stats >"$RUN/lockdep_stats" 2>/dev/null
kill "$watchdog" 2>/dev/null

finish
