# SPDX-License-Identifier: MIT
# Copyright (C) 2026 The sockobj authors.
"""sockobj for Python: libsockobj through ctypes, driven by asyncio.

A Context is one open /dev/sockobj; its descriptor (sockobj_fd()) is put
in the running loop with loop.add_reader(), so that every record of the
kernel, every end of a name lookup and every due attempt of a Happy
Eyeballs race wakes the loop, which hands the records to their objects.
Nothing blocks: names are resolved in a thread of the library and the
connection attempts race in the kernel.

    async with sockobj.Context() as ctx:
        conn = ctx.connection("example.org", 80)
        await conn.connect()
        await conn.send(b"GET / HTTP/1.0\\r\\n\\r\\n")
        data = await conn.recv(65536)
        closed = await conn.close()
        print(closed.reason, closed.description)

The library is loaded by its soname, libsockobj.so.0 (installed), or
from the path in the environment variable SOCKOBJ_LIBRARY (a build tree).
"""

import asyncio
import ctypes
import errno
import os

__all__ = ["Context", "Connection", "Closed", "SockobjError",
           "NameResolutionError", "TemporaryNameError", "ConnectFailed",
           "lib_version"]

# uapi/linux/sockobj.h and sockobj.h: the values this module relies on.
PROTO_TCP = 1
STATE_NAMES = ("CLOSED", "CONNECTING", "ESTABLISHED", "PEER_CLOSING",
               "CLOSING", "RETRY_WAIT", "LISTENING", "PASSIVE_OPENING")
STATE_CLOSED = 0
STATE_ESTABLISHED = 2
STATE_PEER_CLOSING = 3
EV_STATE = 1
EV_READABLE = 2
EV_WRITABLE = 3
OPEN_NONBLOCK = 1
DESTROY_ABORT = 1
ENAME = 4096
ENAMEAGAIN = 4097
RACE_MAX = 64
EVENT_STRLEN = 256
LIB_SONAME = "libsockobj.so.0"


class Addr(ctypes.Structure):
    """struct sockobj_addr"""
    _fields_ = [("family", ctypes.c_uint16), ("port", ctypes.c_uint16),
                ("scope_id", ctypes.c_uint32),
                ("addr", ctypes.c_uint8 * 16)]


class Event(ctypes.Structure):
    """struct sockobj_event"""
    _fields_ = [("id", ctypes.c_uint32), ("type", ctypes.c_uint32),
                ("cookie", ctypes.c_uint64), ("seq", ctypes.c_uint64),
                ("timestamp_ns", ctypes.c_uint64),
                ("state", ctypes.c_uint32), ("prev_state", ctypes.c_uint32),
                ("reason", ctypes.c_uint32), ("phase", ctypes.c_uint32),
                ("error", ctypes.c_int32), ("merged", ctypes.c_uint32),
                ("attempt", ctypes.c_uint32), ("retry_ms", ctypes.c_uint32)]


assert ctypes.sizeof(Addr) == 24 and ctypes.sizeof(Event) == 64

_lib = None


def _load():
    """The library, its functions typed once, on first use."""
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(os.environ.get("SOCKOBJ_LIBRARY") or LIB_SONAME)
    vp, u, i = ctypes.c_void_p, ctypes.c_uint, ctypes.c_int
    sigs = {
        "sockobj_lib_version": (i, []),
        "sockobj_open": (i, [ctypes.POINTER(vp), u]),
        "sockobj_close": (None, [vp]),
        "sockobj_fd": (i, [vp]),
        "sockobj_check_api": (i, [vp]),
        "sockobj_read_events": (i, [vp, ctypes.POINTER(Event), u]),
        "sockobj_send": (i, [vp, u, ctypes.c_char_p, ctypes.c_size_t]),
        "sockobj_recv": (i, [vp, u, vp, ctypes.c_size_t, u, vp]),
        "sockobj_disconnect": (i, [vp, u]),
        "sockobj_abort": (i, [vp, u]),
        "sockobj_destroy": (i, [vp, u, u]),
        "sockobj_race_start_host": (i, [vp, ctypes.c_char_p, u, i, vp,
                                        ctypes.c_uint64, u,
                                        ctypes.POINTER(vp)]),
        "sockobj_race_step": (i, [vp, vp]),
        "sockobj_race_outcomes": (i, [vp, ctypes.POINTER(Addr),
                                      ctypes.POINTER(Event), u]),
        "sockobj_race_free": (None, [vp, vp]),
        "sockobj_addr_format": (i, [ctypes.POINTER(Addr), ctypes.c_char_p,
                                    ctypes.c_size_t]),
        "sockobj_strerror": (ctypes.c_char_p, [i]),
        "sockobj_reason_name": (ctypes.c_char_p, [u]),
        "sockobj_event_describe": (i, [ctypes.POINTER(Event),
                                       ctypes.c_char_p, ctypes.c_size_t]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    _lib = lib
    return lib


def lib_version():
    """(major, minor) of the libsockobj in use."""
    v = _load().sockobj_lib_version()
    return v >> 16, v & 0xFFFF


class SockobjError(OSError):
    """A negative value of a libsockobj function, as an OSError."""

    def __init__(self, err, what=""):
        code = -err if err < 0 else err
        text = _load().sockobj_strerror(code).decode()
        super().__init__(code, f"{what}: {text}" if what else text)


class NameResolutionError(SockobjError):
    """The name does not resolve (SOCKOBJ_ENAME)."""


class TemporaryNameError(NameResolutionError):
    """The resolver failed for now (SOCKOBJ_ENAMEAGAIN): try again."""


class ConnectFailed(SockobjError):
    """Every attempt failed; outcomes holds (address, record) of each."""

    def __init__(self, err, outcomes):
        super().__init__(err, "connect")
        self.outcomes = outcomes


def _error(err, what=""):
    code = -err
    if code == ENAMEAGAIN:
        return TemporaryNameError(err, what)
    if code == ENAME:
        return NameResolutionError(err, what)
    return SockobjError(err, what)


def describe(ev):
    """sockobj_event_describe() of a record."""
    buf = ctypes.create_string_buffer(EVENT_STRLEN)
    _load().sockobj_event_describe(ctypes.byref(ev), buf, len(buf))
    return buf.value.decode()


class Closed:
    """How a connection ended: its CLOSED record, told in words."""

    def __init__(self, ev):
        self.record = ev
        self.reason = _load().sockobj_reason_name(ev.reason).decode()
        self.error = ev.error
        self.description = describe(ev)

    def __repr__(self):
        return f"Closed({self.reason}, error {self.error})"


class Context:
    """One /dev/sockobj, its descriptor watched by the running loop."""

    def __init__(self):
        self._lib = _load()
        self._ctx = ctypes.c_void_p()
        ret = self._lib.sockobj_open(ctypes.byref(self._ctx), OPEN_NONBLOCK)
        if ret < 0:
            raise _error(ret, "sockobj_open")
        ret = self._lib.sockobj_check_api(self._ctx)
        if ret < 0:
            self._lib.sockobj_close(self._ctx)
            raise _error(ret, "sockobj_check_api")
        self._objs = {}     # id -> Connection
        self._races = {}    # race pointer -> Connection connecting
        self._loop = None
        self._evs = (Event * 64)()

    def fileno(self):
        return self._lib.sockobj_fd(self._ctx)

    async def __aenter__(self):
        self.attach()
        return self

    async def __aexit__(self, *exc):
        self.close()

    def attach(self, loop=None):
        """Watch the descriptor in loop (the running one by default)."""
        self._loop = loop or asyncio.get_running_loop()
        self._loop.add_reader(self.fileno(), self._dispatch)

    def close(self):
        """Ends every race, aborts every connection, closes the context."""
        if self._ctx is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(self.fileno())
        for race, conn in list(self._races.items()):
            self._lib.sockobj_race_free(self._ctx, race)
            conn._fail(SockobjError(-errno.ECANCELED, "connect"))
        self._races.clear()
        for conn in list(self._objs.values()):
            conn._fail(SockobjError(-errno.ECANCELED))
        self._lib.sockobj_close(self._ctx)
        self._ctx = None

    def connection(self, host, port, family=0):
        """A TCP connection to be made to host (a name or an address)."""
        return Connection(self, host, port, family)

    def _dispatch(self):
        """The descriptor is readable: races first, then the records."""
        for race, conn in list(self._races.items()):
            ret = self._lib.sockobj_race_step(self._ctx, race)
            if ret:
                del self._races[race]
                conn._race_over(race, ret)
        while True:
            n = self._lib.sockobj_read_events(self._ctx, self._evs,
                                              len(self._evs))
            if n == -errno.EAGAIN:
                return
            if n < 0:
                raise _error(n, "sockobj_read_events")
            for k in range(n):
                ev = Event.from_buffer_copy(self._evs[k])
                conn = self._objs.get(ev.id)
                if conn is not None:
                    conn._record(ev)


class Connection:
    """A TCP connection of a Context, made by connect()."""

    def __init__(self, ctx, host, port, family=0):
        self._ctx = ctx
        self.host, self.port, self.family = host, port, family
        self.id = 0
        self.state = STATE_CLOSED
        self.closed = None          # Closed, once CLOSED
        self.outcomes = []          # (address, record) of each attempt
        self._waiters = []          # futures of the coroutines waiting
        self._error = None

    def _wake(self):
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _fail(self, exc):
        self._error = exc
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                w.set_exception(exc)

    async def _wait(self):
        """Until the next record of the connection (or its failure)."""
        if self._error is not None:
            raise self._error
        w = self._ctx._loop.create_future()
        self._waiters.append(w)
        await w

    def _race_over(self, race, ret):
        lib, c = self._ctx._lib, self._ctx._ctx
        addrs, evs = (Addr * RACE_MAX)(), (Event * RACE_MAX)()
        n = min(lib.sockobj_race_outcomes(race, addrs, evs, RACE_MAX),
                RACE_MAX)
        buf = ctypes.create_string_buffer(72)
        self.outcomes = []
        for k in range(n):
            lib.sockobj_addr_format(ctypes.byref(addrs[k]), buf, len(buf))
            self.outcomes.append((buf.value.decode(),
                                  Event.from_buffer_copy(evs[k])))
        lib.sockobj_race_free(c, race)
        if ret > 0:
            self.id = ret
            self.state = STATE_ESTABLISHED
            self._ctx._objs[ret] = self
            self._wake()
        elif -ret in (ENAME, ENAMEAGAIN):
            self._fail(_error(ret, f"{self.host}"))
        else:
            self._fail(ConnectFailed(ret, self.outcomes))

    def _record(self, ev):
        if ev.type == EV_STATE:
            self.state = ev.state
            if ev.state == STATE_CLOSED:
                self.closed = Closed(ev)
        # Any record may be what the coroutine waits for: it tries again.
        self._wake()

    async def connect(self):
        """Happy Eyeballs v2 to the host's addresses, in the loop."""
        ctx = self._ctx
        race = ctypes.c_void_p()
        ret = ctx._lib.sockobj_race_start_host(
            ctx._ctx, self.host.encode(), self.port, self.family, None, 0,
            0, ctypes.byref(race))
        if ret < 0:
            raise _error(ret, "connect")
        ctx._races[race.value] = self
        # The lookup may already be over: its readiness is not lost, but
        # a step now costs nothing.
        ctx._dispatch()
        if not self.id:
            await self._wait()
        self._error = None
        return self

    def _check_open(self):
        if not self.id:
            raise SockobjError(-errno.ENOTCONN)
        if self.closed is not None:
            raise SockobjError(-(self.closed.error or errno.ENOTCONN))

    async def send(self, data):
        """Sends all of data, waiting for room when the kernel has none."""
        lib, c = self._ctx._lib, self._ctx._ctx
        view = memoryview(bytes(data))
        while view:
            self._check_open()
            ret = lib.sockobj_send(c, self.id, bytes(view[:1 << 20]),
                                   min(len(view), 1 << 20))
            if ret == -errno.EAGAIN:
                await self._wait()
                continue
            if ret < 0:
                raise _error(ret, "send")
            view = view[ret:]

    async def recv(self, size=65536):
        """Up to size bytes, b"" at the end of the peer's data."""
        lib, c = self._ctx._lib, self._ctx._ctx
        buf = ctypes.create_string_buffer(size)
        while True:
            if not self.id:
                raise SockobjError(-errno.ENOTCONN)
            ret = lib.sockobj_recv(c, self.id, buf, size, 0, None)
            if ret >= 0:
                return buf.raw[:ret]
            if ret != -errno.EAGAIN:
                # A connection that ended says why (a reset), not ENOTCONN.
                self._ctx._dispatch()
                if self.closed is not None and self.closed.error:
                    ret = -self.closed.error
                raise _error(ret, "recv")
            await self._wait()

    async def close(self):
        """Disconnects gracefully; returns how the connection ended."""
        lib, c = self._ctx._lib, self._ctx._ctx
        if not self.id:
            return self.closed
        if self.closed is None:
            ret = lib.sockobj_disconnect(c, self.id)
            if ret < 0:
                # Closed meanwhile (a reset): its record may be pending.
                self._ctx._dispatch()
                if self.closed is None:
                    raise _error(ret, "close")
            while self.closed is None:
                await self._wait()
        lib.sockobj_destroy(c, self.id, 0)
        del self._ctx._objs[self.id]
        self.id = 0
        return self.closed

    def abort(self):
        """Resets the connection at once and forgets it."""
        if self.id:
            self._ctx._lib.sockobj_destroy(self._ctx._ctx, self.id,
                                           DESTROY_ABORT)
            del self._ctx._objs[self.id]
            self.id = 0
