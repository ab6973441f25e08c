#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (C) 2026 The sockobj authors.
"""Tests of the Python binding (sockobj.py) against real servers.

Each case runs an asyncio server of python3's own (kernel TCP sockets) in
the same loop as the sockobj connection, so that the bytes are checked on
both sides:
  echo          256 KiB sent (more than the send buffer: WRITABLE waits),
                echoed and checked, the server's digest of what it got
                checked; our close ends LOCAL_CLOSED
  peer_closes   the server's line, then EOF; the close ends PEER_CLOSED
  reset         the server resets (SO_LINGER 0): recv raises ECONNRESET,
                the close says RESET
  refused       a closed port: ConnectFailed, the attempt REFUSED
  by_name       "localhost" resolved by the library's thread, connected
  happy_eyeballs a name with an IPv6 and an IPv4 address (a hosts file of
                this mount namespace), IPv6 refused: IPv4 wins, both
                outcomes reported
Needs root and the sockobj module; runs in network and mount namespaces
of its own (unshare, as examples/run.sh). Uses the library of the tree
(../userlib) unless SOCKOBJ_LIBRARY or an installed one is asked for with
SOCKOBJ_INSTALLED=1. One line per case, then
"python: N passed, N failed, N skipped"; exit status 0 when none failed.
"""

import asyncio
import ctypes
import errno
import hashlib
import os
import socket
import struct
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TREE_LIB = os.path.join(HERE, "..", "userlib", "libsockobj.so.0")
if os.environ.get("SOCKOBJ_INSTALLED") != "1":
    sys.path.insert(0, HERE)
    if "SOCKOBJ_LIBRARY" not in os.environ and os.path.exists(TREE_LIB):
        os.environ["SOCKOBJ_LIBRARY"] = TREE_LIB

import sockobj  # noqa: E402

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_BIND = 4096
TIMEOUT = 10


def isolate():
    """Network and mount namespaces of our own, lo up, a hosts file."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET | CLONE_NEWNS) < 0:
        raise OSError(ctypes.get_errno(), "unshare")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong,
                                                   ctypes.c_void_p]
    # MS_REC | MS_PRIVATE: our bind mount stays ours.
    if libc.mount(None, b"/", None, 0x4000 | 0x40000, None) < 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
    fd, path = tempfile.mkstemp()
    os.write(fd, b"127.0.0.1 localhost\n::1 both.sockobj.test\n"
                 b"127.0.0.1 both.sockobj.test\n")
    os.close(fd)
    if libc.mount(path.encode(), b"/etc/hosts", None, MS_BIND, None) < 0:
        raise OSError(ctypes.get_errno(), "bind mount /etc/hosts")
    os.unlink(path)


async def serve(handler, family=socket.AF_INET, host="127.0.0.1"):
    """A server on an ephemeral port; returns it and the port."""
    server = await asyncio.start_server(handler, host, 0, family=family)
    return server, server.sockets[0].getsockname()[1]


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


async def case_echo(ctx):
    data = os.urandom(256 * 1024)
    got = {}

    async def handler(reader, writer):
        h, n = hashlib.sha256(), 0
        while n < len(data):
            chunk = await reader.read(65536)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
            writer.write(chunk)
            await writer.drain()
        got["digest"] = h.hexdigest()
        writer.write(b"digest " + h.hexdigest().encode() + b"\n")
        await writer.drain()
        got["eof"] = await reader.read(1) == b""
        writer.close()

    server, port = await serve(handler)
    conn = ctx.connection("127.0.0.1", port)
    await asyncio.wait_for(conn.connect(), TIMEOUT)
    expect(conn.id > 0, "no object")
    sender = asyncio.ensure_future(conn.send(data))
    echoed = b""
    want = len(data) + len("digest ") + 64 + 1
    while len(echoed) < want:
        chunk = await asyncio.wait_for(conn.recv(), TIMEOUT)
        expect(chunk, f"EOF after {len(echoed)} bytes")
        echoed += chunk
    await sender
    expect(echoed[:len(data)] == data, "the echo differs from what we sent")
    digest = hashlib.sha256(data).hexdigest()
    expect(got["digest"] == digest, "the server got other bytes")
    expect(echoed[len(data):] == f"digest {digest}\n".encode(),
           "the server's digest line")
    closed = await asyncio.wait_for(conn.close(), TIMEOUT)
    print(f"    {closed.description}")
    expect(closed.reason == "LOCAL_CLOSED", f"reason {closed.reason}")
    expect(got["eof"], "the server saw no EOF")
    server.close()


async def case_peer_closes(ctx):
    async def handler(reader, writer):
        writer.write(b"bye\n")
        await writer.drain()
        writer.close()

    server, port = await serve(handler)
    conn = await asyncio.wait_for(ctx.connection("127.0.0.1", port).connect(),
                                  TIMEOUT)
    data = b""
    while True:
        chunk = await asyncio.wait_for(conn.recv(), TIMEOUT)
        if not chunk:
            break
        data += chunk
    expect(data == b"bye\n", f"got {data!r}")
    closed = await asyncio.wait_for(conn.close(), TIMEOUT)
    print(f"    {closed.description}")
    expect(closed.reason == "PEER_CLOSED", f"reason {closed.reason}")
    server.close()


async def case_reset(ctx):
    async def handler(reader, writer):
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        writer.transport.abort()

    server, port = await serve(handler)
    conn = await asyncio.wait_for(ctx.connection("127.0.0.1", port).connect(),
                                  TIMEOUT)
    try:
        while await asyncio.wait_for(conn.recv(), TIMEOUT):
            pass
        raise AssertionError("EOF instead of the reset")
    except sockobj.SockobjError as e:
        print(f"    recv: {e}")
        expect(e.errno == errno.ECONNRESET, f"errno {e.errno}")
    closed = await asyncio.wait_for(conn.close(), TIMEOUT)
    print(f"    {closed.description}")
    expect(closed.reason == "RESET", f"reason {closed.reason}")
    server.close()


async def case_refused(ctx):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]   # bound, not listening: refused
    try:
        await asyncio.wait_for(ctx.connection("127.0.0.1", port).connect(),
                               TIMEOUT)
        raise AssertionError("connected to a closed port")
    except sockobj.ConnectFailed as e:
        print(f"    {e}")
        expect(len(e.outcomes) == 1, f"{len(e.outcomes)} outcomes")
        addr, ev = e.outcomes[0]
        expect(addr == f"127.0.0.1:{port}", addr)
        expect(sockobj.Closed(ev).reason == "REFUSED", sockobj.describe(ev))
    finally:
        s.close()


async def case_by_name(ctx):
    async def handler(reader, writer):
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    server, port = await serve(handler)
    conn = await asyncio.wait_for(ctx.connection("localhost", port).connect(),
                                  TIMEOUT)
    await conn.send(b"hello\n")
    expect(await asyncio.wait_for(conn.recv(), TIMEOUT) == b"HELLO\n",
           "the answer")
    await asyncio.wait_for(conn.close(), TIMEOUT)
    server.close()


async def case_happy_eyeballs(ctx):
    async def handler(reader, writer):
        writer.write(b"v4\n")
        await writer.drain()
        writer.close()

    server, port = await serve(handler)   # IPv4 only: [::1] refuses
    conn = await asyncio.wait_for(
        ctx.connection("both.sockobj.test", port).connect(), TIMEOUT)
    outcomes = {a: sockobj.describe(ev) for a, ev in conn.outcomes}
    for a, d in outcomes.items():
        print(f"    {a}: {d}")
    expect(len(outcomes) == 2, f"{len(outcomes)} outcomes")
    expect("REFUSED" in outcomes[f"[::1]:{port}"], "IPv6 not refused")
    expect("ESTABLISHED" in outcomes[f"127.0.0.1:{port}"], "IPv4 lost")
    expect(await asyncio.wait_for(conn.recv(), TIMEOUT) == b"v4\n",
           "the answer")
    await asyncio.wait_for(conn.close(), TIMEOUT)
    server.close()


CASES = [("echo", case_echo), ("peer_closes", case_peer_closes),
         ("reset", case_reset), ("refused", case_refused),
         ("by_name", case_by_name), ("happy_eyeballs", case_happy_eyeballs)]


async def run():
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    async with sockobj.Context() as ctx:
        print(f"    libsockobj {'.'.join(map(str, sockobj.lib_version()))}")
        for name, fn in CASES:
            try:
                await fn(ctx)
                print(f"ok   {name}")
                counts["passed"] += 1
            except Exception as e:  # one case's failure, told, not fatal
                traceback.print_exc(file=sys.stdout)
                print(f"FAIL {name}: {e!r}")
                counts["failed"] += 1
    return counts


def main():
    if not os.path.exists("/dev/sockobj"):
        print("skip python: /dev/sockobj is absent (sockobj not loaded)")
        print("python: 0 passed, 0 failed, 1 skipped")
        return 0
    isolate()
    counts = asyncio.run(run())
    print("python: {passed} passed, {failed} failed, {skipped} skipped"
          .format(**counts))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
