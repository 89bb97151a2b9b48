#!/usr/bin/env python3
"""libsquall.so from Python with ctypes alone: every function
squall_ffi.h declares is exported; two instances whose linear memories are
ctypes buffers; a stream between them written and read through the
canonical built-ins, then through the RFC #46 facade; a trap reaching a
Python handler. With cffi installed, also: the header parses as a cdef and
cffi lays out every public type at the size the C compiler gives.

usage: ffi_smoke.py path/to/libsquall.so path/to/squall_ffi.h
"""
import ctypes as C
import re
import sys

lib_path, header_path = sys.argv[1:3]
header = open(header_path).read()
lib = C.CDLL(lib_path)
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


# The header is plain text a binding generator (or a regular expression)
# can read: constants, then declarations.
K = {m.group(1): int(m.group(2))
     for m in re.finditer(r"^static const \w+ (\w+) = (-?\d+)u?;$", header, re.M)}
for body in re.findall(r"enum \w* ?\{(.*?)\}", header, re.S):
    value = -1
    for item in body.replace("\n", " ").split(","):
        name, _, given = item.partition("=")
        value = int(given) if given.strip() else value + 1
        K[name.strip()] = value
functions = re.findall(r"^(?!typedef|static|struct|enum)[^\s(][^(\n]*?\**\b(\w+)\(", header, re.M)
check(len(functions) > 100, "the header declares the API (%d functions)" % len(functions))
missing = [f for f in functions if not hasattr(lib, f)]
check(not missing, "exported: %s missing" % missing)
check(not hasattr(lib, "sq_p3_enter"), "internal functions stay hidden")


class Pool(C.Structure):
    _fields_ = [("items", C.c_void_p), ("count", C.c_uint32), ("stride", C.c_uint32),
                ("free_head", C.c_uint32), ("used", C.c_uint32)]


class Runtime(C.Structure):
    _fields_ = [("channels", Pool), ("sets", Pool), ("errors", Pool),
                ("set_storage", C.c_void_p), ("set_members", C.c_uint32), ("magic", C.c_uint32)]


class Type(C.Structure):
    _fields_ = [("kind", C.c_uint32), ("size", C.c_uint32), ("align", C.c_uint32)]


class WriterReader(C.Structure):
    _fields_ = [("writer", C.c_uint32), ("reader", C.c_uint32)]


class ResultCount(C.Structure):
    _fields_ = [("result", C.c_uint32), ("count", C.c_size_t)]


class WaitResult(C.Structure):
    _fields_ = [("event", C.c_uint32), ("waitable", C.c_uint32), ("payload", C.c_uint32)]


check(C.sizeof(Runtime) == K["SQ_SIZEOF_sq_p3_runtime_t"], "runtime layout")
check(C.sizeof(ResultCount) == K["SQ_SIZEOF_result_and_count_t"], "result_and_count_t layout")


def block(type_name, n=1):
    """Zeroed, 8-aligned memory for n objects of a public type."""
    size = K["SQ_SIZEOF_" + type_name] * n
    return (C.c_uint64 * ((size + 7) // 8))()


u32, ptr = C.c_uint32, C.c_void_p
for name, res, args in [
        ("sq_kernel_init", C.c_int, []),
        ("sq_p3_runtime_init", C.c_int, [ptr]),
        ("sq_p3_instance_init", C.c_int, [ptr, ptr, ptr, u32, ptr, u32]),
        ("sq_p3_instance_trap", C.c_int, [ptr]),
        ("sq_p3_thread_init", C.c_int, [ptr, ptr]),
        ("sq_p3_stream_new", C.c_int, [ptr, ptr, C.POINTER(C.c_uint64)]),
        ("sq_p3_end_transfer", C.c_int, [ptr, ptr, ptr, u32, C.POINTER(u32)]),
        ("sq_p3_stream_write", C.c_int, [ptr, ptr, u32, u32, u32, C.c_bool, C.POINTER(u32)]),
        ("sq_p3_stream_read", C.c_int, [ptr, ptr, u32, u32, u32, C.c_bool, C.POINTER(u32)]),
        ("sq_p3_waitable_set_new", C.c_int, [ptr, C.POINTER(u32)]),
        ("sq_p3_waitable_join", C.c_int, [ptr, u32, u32]),
        ("sq_p3_waitable_set_poll", C.c_int, [ptr, u32, u32, C.POINTER(u32)]),
        ("sq_rfc46_bind", C.c_int, [ptr, u32]),
        ("sq_rfc46_unbind", C.c_int, []),
        ("sq_rfc46_set_trap_handler", None, [ptr]),
        ("sq_rfc46_stream_new", WriterReader, [ptr]),
        ("sq_rfc46_stream_write", ResultCount, [ptr, u32, u32, ptr, C.c_size_t]),
        ("sq_rfc46_stream_read", ResultCount, [ptr, u32, u32, ptr, C.c_size_t]),
        ("waitable_set_new", u32, []),
        ("waitable_join", u32, [u32, u32]),
        ("waitable_set_poll", WaitResult, [u32]),
        ("context0_get", u32, []),
        ("context0_set", None, [u32])]:
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args

OK = K["SQ_OK"]
BLOCKED = K["SQ_P3_BLOCKED"]
MEM, HANDLES, CHANNELS, SETS, MEMBERS, ERRORS = 256, 16, 4, 2, 4, 1

check(lib.sq_kernel_init() == 0, "kernel init")
channels, sets, errors = block("sq_p3_channel_t", CHANNELS), block("sq_p3_wset_t", SETS), \
    block("sq_p3_error_context_t", ERRORS)
storage = (C.c_void_p * (SETS * MEMBERS))()
rt = Runtime(Pool(C.addressof(channels), CHANNELS, K["SQ_SIZEOF_sq_p3_channel_t"], 0, 0),
             Pool(C.addressof(sets), SETS, K["SQ_SIZEOF_sq_p3_wset_t"], 0, 0),
             Pool(C.addressof(errors), ERRORS, K["SQ_SIZEOF_sq_p3_error_context_t"], 0, 0),
             C.addressof(storage), MEMBERS, 0)
check(lib.sq_p3_runtime_init(C.byref(rt)) == OK, "runtime init")

inst, slots, mem, thr = [], [], [], []
for k in range(2):
    inst.append(block("sq_p3_instance_t"))
    slots.append(block("sq_p3_handle_slot_t", HANDLES))
    mem.append((C.c_uint8 * MEM)())
    thr.append(block("sq_p3_thread_t"))
    check(lib.sq_p3_instance_init(inst[k], C.byref(rt), slots[k], HANDLES, mem[k], MEM) == OK,
          "instance %d init" % k)
    check(lib.sq_p3_thread_init(thr[k], inst[k]) == OK, "thread %d init" % k)
a, b = 0, 1
u8 = Type(K["SQ_P3_ELEM_NUMBER"], 1, 1)

# The canonical built-ins: new in a, the readable end moved to b.
packed, moved, res, code = C.c_uint64(), u32(), u32(), u32()
check(lib.sq_p3_stream_new(thr[a], C.byref(u8), C.byref(packed)) == OK, "stream.new")
check(packed.value == 1 | 2 << 32, "stream.new packs readable 1 | writable 2 << 32")
check(lib.sq_p3_end_transfer(thr[a], inst[b], C.byref(u8), 1, C.byref(moved)) == OK, "transfer")
check(moved.value == 1, "the moved end is b's handle 1")
C.memmove(C.addressof(mem[a]) + 16, b"squall!!", 8)
check(lib.sq_p3_stream_write(thr[a], C.byref(u8), 2, 16, 8, True, C.byref(res)) == OK, "write")
check(res.value == BLOCKED, "a write with no reader is BLOCKED")
check(lib.sq_p3_stream_read(thr[b], C.byref(u8), 1, 64, 8, True, C.byref(res)) == OK, "read")
check(res.value == 8 << 4, "the read completes with 8 elements: 0x80")
check(bytes(mem[b][64:72]) == b"squall!!", "bytes copied from a's memory into b's")
s = u32()
check(lib.sq_p3_waitable_set_new(thr[a], C.byref(s)) == OK, "waitable-set.new")
check(lib.sq_p3_waitable_join(thr[a], 2, s.value) == OK, "join")
check(lib.sq_p3_waitable_set_poll(thr[a], s.value, 200, C.byref(code)) == OK, "poll")
check(code.value == K["SQ_P3_EVENT_STREAM_WRITE"], "the writer's event is STREAM_WRITE")
check(bytes(mem[a][200:208]) == (2).to_bytes(4, "little") + (0x80).to_bytes(4, "little"),
      "poll stored (writable index 2, COMPLETED | 8 << 4)")

# The RFC #46 facade, with the Python thread bound to a's guest thread.
check(lib.sq_rfc46_bind(thr[a], MEM - 8) == OK, "bind")
lib.context0_set(7)
check(lib.context0_get() == 7, "context0")
pair = lib.sq_rfc46_stream_new(C.byref(u8))
# a's table: 1 was freed by the transfer and taken by the set, 2 is the
# first writer; the readable end comes first.
check((s.value, pair.reader, pair.writer) == (1, 3, 4), "stream_new: {writer 4, reader 3}")
base = C.addressof(mem[a])
w = lib.sq_rfc46_stream_write(C.byref(u8), pair.writer, 0, base + 16, 4)
check((w.result, w.count) == (BLOCKED, 0), "facade write BLOCKED")
r = lib.sq_rfc46_stream_read(C.byref(u8), pair.reader, 0, base + 100, 8)
check((r.result, r.count) == (0, 4), "facade read COMPLETED, 4")
check(bytes(mem[a][100:104]) == b"squa", "facade copy")
check(lib.waitable_join(pair.writer, s.value) == 0, "join returns 0")
ev = lib.waitable_set_poll(s.value)
check((ev.event, ev.waitable, ev.payload) == (K["SQ_P3_EVENT_STREAM_WRITE"], pair.writer, 4 << 4),
      "facade poll: (STREAM_WRITE, writer, COMPLETED | 4 << 4)")

# A trap reaches a Python handler (which returns: the neutral result).
seen = []
HANDLER = C.CFUNCTYPE(None, C.c_void_p, C.c_int)
handler = HANDLER(lambda i, reason: seen.append((i, reason)))
lib.sq_rfc46_set_trap_handler(C.cast(handler, C.c_void_p))
r = lib.sq_rfc46_stream_read(C.byref(u8), pair.reader, 1, base, 1)
check((r.result, r.count) == (K["SQ_P3_COPY_DROPPED"], 0), "trapped read is {DROPPED, 0}")
check(seen == [(C.addressof(inst[a]), K["SQ_P3_TRAP_BOUNDS"])],
      "handler saw (instance a, BOUNDS): %s" % seen)
check(lib.sq_p3_instance_trap(inst[b]) == K["SQ_P3_TRAP_NONE"], "instance b untouched")
lib.sq_rfc46_set_trap_handler(None)
check(lib.sq_rfc46_unbind() == OK, "unbind")

try:
    import cffi
except ImportError:
    cffi = None
if cffi is not None:
    ffi = cffi.FFI()
    ffi.cdef(header)
    clib = ffi.dlopen(lib_path)
    for name, size in K.items():
        if name.startswith("SQ_SIZEOF_") and "SQ_ALIGNOF_" + name[10:] not in K:
            check(ffi.sizeof(name[10:]) == size, "cffi lays out %s as C does" % name[10:])
    check(clib.SQ_P3_BLOCKED == BLOCKED, "cffi reads the constants")
else:
    print("cffi not installed: header not parsed as a cdef")

print("ffi_smoke: %d functions, %s" % (len(functions), "FAILED" if failures else "passed"))
sys.exit(1 if failures else 0)
