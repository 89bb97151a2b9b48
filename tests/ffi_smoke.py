#!/usr/bin/env python3
"""libsquall.so from Python with ctypes alone, as an embedder drives it:
no struct layout is written here. Objects are blocks of SQ_SIZEOF_<type>
bytes that the library's init functions fill (sq_p3_runtime_setup,
sq_p3_type_init, sq_p3_instance_init, sq_thread_init, ...); what an end
is doing is asked of the library (sq_p3_end_type, _state, _pending); the
few structs the RFC #46 facade returns by value are read from
squall_ffi.h's own declarations.

Checked: every function squall_ffi.h declares is exported; a stream
between two instances whose linear memories are ctypes buffers, through
the canonical built-ins and then the RFC #46 facade; a trap reaching a
Python handler; then the kernel: a run stopped by sq_kernel_stop while a
thread is blocked in a P3 read, and a second run in the same process
(the same thread blocks started again, a stream between two kernel
threads, the thread table filled to SQ_CONFIG_MAX_THREADS), and a run on
a Python thread stopped from the main thread. With cffi
installed, also: the header parses as a cdef and cffi lays out every
public type at the size the C compiler gives.

usage: ffi_smoke.py path/to/libsquall.so path/to/squall_ffi.h
"""
import ctypes as C
import re
import sys
import threading
import time

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

SCALARS = {"uint32_t": C.c_uint32, "int32_t": C.c_int32, "uint64_t": C.c_uint64,
           "size_t": C.c_size_t, "_Bool": C.c_bool}


def declared_struct(name):
    """A ctypes Structure for `name` as squall_ffi.h declares it (only
    scalar members: the structs the RFC #46 facade returns by value)."""
    body = re.search(r"typedef struct \{\n([^{}]*)\n\} %s;" % name, header).group(1)
    fields = [(m.group(2), SCALARS[m.group(1)])
              for m in re.finditer(r"^\s+(\w+) (\w+);$", body, re.M)]
    cls = type(name, (C.Structure,), {"_fields_": fields})
    check(C.sizeof(cls) == K["SQ_SIZEOF_" + name], "%s as declared" % name)
    return cls


WaitResult = declared_struct("wait_result_t")
WriterReader = declared_struct("writer_reader_pair_t")
ResultCount = declared_struct("result_and_count_t")


def block(type_name, n=1):
    """Zeroed memory for n objects of a public type, aligned as it needs
    (8 bytes, or its SQ_ALIGNOF_ when the header gives one)."""
    size = K["SQ_SIZEOF_" + type_name] * n
    align = K.get("SQ_ALIGNOF_" + type_name, 8)
    raw = (C.c_uint8 * (size + align))()
    at = -C.addressof(raw) % align
    return (C.c_uint8 * size).from_buffer(raw, at)


u32, u64, ptr = C.c_uint32, C.c_uint64, C.c_void_p
ENTRY = C.CFUNCTYPE(None, C.c_void_p)
for name, res, args in [
        ("sq_kernel_init", C.c_int, []),
        ("sq_kernel_run", C.c_int, []),
        ("sq_kernel_stop", C.c_int, []),
        ("sq_thread_init", C.c_int, [ptr, ptr, C.c_size_t]),
        ("sq_thread_start", C.c_int, [ptr, ENTRY, ptr, u32, u32]),
        ("sq_thread_state", C.c_int, [ptr]),
        ("sq_thread_count", u32, []),
        ("sq_p3_runtime_setup", C.c_int, [ptr, ptr, u32, ptr, u32, ptr, u32, ptr, u32]),
        ("sq_p3_type_init", C.c_int, [ptr, C.c_int, u32, u32]),
        ("sq_p3_instance_init", C.c_int, [ptr, ptr, ptr, u32, ptr, u32]),
        ("sq_p3_instance_trap", C.c_int, [ptr]),
        ("sq_p3_thread_init", C.c_int, [ptr, ptr]),
        ("sq_p3_end_type", C.c_int, [ptr, u32, C.POINTER(ptr)]),
        ("sq_p3_end_state", C.c_int, [ptr, u32, C.POINTER(u32)]),
        ("sq_p3_end_pending", C.c_int, [ptr, u32, C.POINTER(u32)]),
        ("sq_p3_stream_new", C.c_int, [ptr, ptr, C.POINTER(u64)]),
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
IDLE, COPYING = K["SQ_P3_END_IDLE"], K["SQ_P3_END_COPYING"]
MEM, HANDLES, CHANNELS, SETS, MEMBERS, ERRORS = 256, 16, 4, 2, 4, 1


def runtime():
    """A runtime over fresh pools (the storage lives as long as it)."""
    rt = block("sq_p3_runtime_t")
    rt.pools = (block("sq_p3_channel_t", CHANNELS), block("sq_p3_wset_t", SETS),
                (C.c_void_p * (SETS * MEMBERS))(), block("sq_p3_error_context_t", ERRORS))
    ch, sets, storage, errors = rt.pools
    check(lib.sq_p3_runtime_setup(rt, ch, CHANNELS, sets, SETS, storage, MEMBERS,
                                  errors, ERRORS) == OK, "runtime setup")
    return rt


def instance(rt):
    """An instance with its table, linear memory and one guest thread."""
    inst = block("sq_p3_instance_t")
    inst.slots, inst.mem, inst.thread = block("sq_p3_handle_slot_t", HANDLES), \
        (C.c_uint8 * MEM)(), block("sq_p3_thread_t")
    check(lib.sq_p3_instance_init(inst, rt, inst.slots, HANDLES, inst.mem, MEM) == OK,
          "instance init")
    check(lib.sq_p3_thread_init(inst.thread, inst) == OK, "guest thread init")
    return inst


def end_info(inst, end):
    """(type descriptor address, state, pending count) of an end, asked of
    the library."""
    t, state, pending = C.c_void_p(), u32(), u32()
    check(lib.sq_p3_end_type(inst, end, C.byref(t)) == OK, "end_type %d" % end)
    check(lib.sq_p3_end_state(inst, end, C.byref(state)) == OK, "end_state %d" % end)
    check(lib.sq_p3_end_pending(inst, end, C.byref(pending)) == OK, "end_pending %d" % end)
    return t.value, state.value, pending.value


check(lib.sq_kernel_init() == 0, "kernel init")
rt = runtime()
pools = rt.pools
check(lib.sq_p3_runtime_setup(rt, pools[0], CHANNELS, pools[1], 0, pools[2], MEMBERS, pools[3],
                              ERRORS) == K["SQ_ERR_INVALID"], "runtime setup refuses 0 sets")
inst = [instance(rt), instance(rt)]
a, b = 0, 1
u8 = block("sq_p3_type_t")
check(lib.sq_p3_type_init(u8, K["SQ_P3_ELEM_NUMBER"], 1, 1) == OK, "type init")
refused = block("sq_p3_type_t")
check(lib.sq_p3_type_init(refused, K["SQ_P3_ELEM_STRING"], 8, 4) == K["SQ_ERR_UNSUPPORTED"],
      "type init refuses strings as stream.new does")
check(lib.sq_p3_type_init(refused, K["SQ_P3_ELEM_NUMBER"], 4, 3) == K["SQ_ERR_INVALID"],
      "type init refuses an alignment that is no power of two")

# The canonical built-ins: new in a, the readable end moved to b. b's side
# learns the end's type from the library, not from a shadow copy.
packed, moved, res, code = u64(), u32(), u32(), u32()
thr = [i.thread for i in inst]
check(lib.sq_p3_stream_new(thr[a], u8, C.byref(packed)) == OK, "stream.new")
check(packed.value == 1 | 2 << 32, "stream.new packs readable 1 | writable 2 << 32")
check(end_info(inst[a], 2) == (C.addressof(u8), IDLE, 0), "a new end: its type, idle, 0")
check(lib.sq_p3_end_transfer(thr[a], inst[b], u8, 1, C.byref(moved)) == OK, "transfer")
check(moved.value == 1, "the moved end is b's handle 1")
state = u32()
check(lib.sq_p3_end_state(inst[a], 1, C.byref(state)) == K["SQ_ERR_NOT_FOUND"],
      "a's index 1 is free after the transfer")
check(lib.sq_p3_end_state(inst[a], 0, C.byref(state)) == K["SQ_ERR_RANGE"], "index 0")
b_type = end_info(inst[b], 1)[0]
check(b_type == C.addressof(u8), "b's end has the descriptor it was made with")
C.memmove(C.addressof(inst[a].mem) + 16, b"squall!!", 8)
check(lib.sq_p3_stream_write(thr[a], u8, 2, 16, 8, True, C.byref(res)) == OK, "write")
check(res.value == BLOCKED, "a write with no reader is BLOCKED")
check(end_info(inst[a], 2)[1:] == (COPYING, 0), "the blocked writer: copying, 0 moved")
check(lib.sq_p3_stream_read(thr[b], b_type, 1, 64, 8, True, C.byref(res)) == OK, "read")
check(res.value == 8 << 4, "the read completes with 8 elements: 0x80")
check(bytes(inst[b].mem[64:72]) == b"squall!!", "bytes copied from a's memory into b's")
check(end_info(inst[a], 2)[1:] == (COPYING, 8), "the writer's event is pending with 8")
s = u32()
check(lib.sq_p3_waitable_set_new(thr[a], C.byref(s)) == OK, "waitable-set.new")
check(lib.sq_p3_end_state(inst[a], s.value, C.byref(state)) == K["SQ_ERR_INVALID"],
      "a set is no end")
check(lib.sq_p3_waitable_join(thr[a], 2, s.value) == OK, "join")
check(lib.sq_p3_waitable_set_poll(thr[a], s.value, 200, C.byref(code)) == OK, "poll")
check(code.value == K["SQ_P3_EVENT_STREAM_WRITE"], "the writer's event is STREAM_WRITE")
check(bytes(inst[a].mem[200:208]) == (2).to_bytes(4, "little") + (0x80).to_bytes(4, "little"),
      "poll stored (writable index 2, COMPLETED | 8 << 4)")
check(end_info(inst[a], 2)[1:] == (IDLE, 0), "delivered: idle again")

# The RFC #46 facade, with the Python thread bound to a's guest thread.
check(lib.sq_rfc46_bind(thr[a], MEM - 8) == OK, "bind")
lib.context0_set(7)
check(lib.context0_get() == 7, "context0")
pair = lib.sq_rfc46_stream_new(u8)
# a's table: 1 was freed by the transfer and taken by the set, 2 is the
# first writer; the readable end comes first.
check((s.value, pair.reader, pair.writer) == (1, 3, 4), "stream_new: {writer 4, reader 3}")
base = C.addressof(inst[a].mem)
w = lib.sq_rfc46_stream_write(u8, pair.writer, 0, base + 16, 4)
check((w.result, w.count) == (BLOCKED, 0), "facade write BLOCKED")
r = lib.sq_rfc46_stream_read(u8, pair.reader, 0, base + 100, 8)
check((r.result, r.count) == (0, 4), "facade read COMPLETED, 4")
check(bytes(inst[a].mem[100:104]) == b"squa", "facade copy")
check(lib.waitable_join(pair.writer, s.value) == 0, "join returns 0")
ev = lib.waitable_set_poll(s.value)
check((ev.event, ev.waitable, ev.payload) == (K["SQ_P3_EVENT_STREAM_WRITE"], pair.writer, 4 << 4),
      "facade poll: (STREAM_WRITE, writer, COMPLETED | 4 << 4)")

# A trap reaches a Python handler (which returns: the neutral result).
seen = []
HANDLER = C.CFUNCTYPE(None, C.c_void_p, C.c_int)
handler = HANDLER(lambda i, reason: seen.append((i, reason)))
lib.sq_rfc46_set_trap_handler(C.cast(handler, C.c_void_p))
r = lib.sq_rfc46_stream_read(u8, pair.reader, 1, base, 1)
check((r.result, r.count) == (K["SQ_P3_COPY_DROPPED"], 0), "trapped read is {DROPPED, 0}")
check(seen == [(C.addressof(inst[a]), K["SQ_P3_TRAP_BOUNDS"])],
      "handler saw (instance a, BOUNDS): %s" % seen)
check(lib.sq_p3_instance_trap(inst[b]) == K["SQ_P3_TRAP_NONE"], "instance b untouched")
check(end_info(inst[a], pair.reader)[1] == IDLE, "the getters answer on a trapped instance")
lib.sq_rfc46_set_trap_handler(None)
check(lib.sq_rfc46_unbind() == OK, "unbind")
check(lib.sq_p3_runtime_setup(rt, pools[0], CHANNELS, pools[1], SETS, pools[2], MEMBERS, pools[3],
                              ERRORS) == K["SQ_ERR_BUSY"], "runtime setup refuses a runtime in use")

# ---- The kernel: kernel threads whose entries are Python functions ----
STACK = 4096
THREADS = K["SQ_CONFIG_MAX_THREADS"] - 1   # the idle thread is the last
kthreads = [block("sq_thread_t") for _ in range(THREADS)]
stacks = [(C.c_uint64 * (STACK // 8))() for _ in range(THREADS)]
log = []


def start(k, fn, prio):
    check(lib.sq_thread_init(kthreads[k], stacks[k], STACK) == OK, "thread %d init" % k)
    check(lib.sq_thread_start(kthreads[k], fn, None, prio, 0) == OK, "thread %d start" % k)


def state_of(k):
    return lib.sq_thread_state(kthreads[k])


# Run 1: the reader blocks in a synchronous P3 read nobody will answer; a
# lower-priority thread (it runs only once the reader waits) looks at the
# reader and the end, then stops the kernel.
check(lib.sq_kernel_stop() == K["SQ_ERR_STATE"], "stop outside a run: SQ_ERR_STATE")


def run_setup(run):
    """A new kernel run: a fresh runtime with two instances and a stream
    whose readable end is moved to the second. Returns the runtime (kept
    alive: its memory is ctypes buffers), the instances and the end."""
    check(lib.sq_kernel_init() == OK, "kernel init, run %d" % run)
    rt = runtime()
    insts = [instance(rt), instance(rt)]
    check(lib.sq_p3_stream_new(insts[0].thread, u8, C.byref(packed)) == OK,
          "run %d: stream.new" % run)
    check(lib.sq_p3_end_transfer(insts[0].thread, insts[1], u8, 1, C.byref(moved)) == OK,
          "run %d: the readable end to the other instance" % run)
    return rt, insts, moved.value


rt1, p3, reader_end = run_setup(1)


@ENTRY
def blocked_reader(arg):
    log.append("reader waits")
    rtype = C.c_void_p()
    lib.sq_p3_end_type(p3[1], reader_end, C.byref(rtype))
    out = u32()
    st = lib.sq_p3_stream_read(p3[1].thread, rtype, reader_end, 0, 4, False, C.byref(out))
    log.append("reader returned %d" % st)


@ENTRY
def stopper(arg):
    log.append(("reader", state_of(0), end_info(p3[1], reader_end)[1:]))
    st = lib.sq_kernel_stop()
    log.append("stop returned %d" % st)


start(0, blocked_reader, 5)
start(1, stopper, 10)
check(lib.sq_thread_count() == 3, "run 1: two threads and idle")
check(lib.sq_kernel_run() == OK, "run 1 returns after the stop")
check(log == ["reader waits", ("reader", K["SQ_THREAD_PENDING"], (COPYING, 0))],
      "run 1: the reader waited in its read, the stopper saw it, neither call returned: %s"
      % log)
check((state_of(0), state_of(1)) == (K["SQ_THREAD_DEAD"],) * 2, "run 1: both threads dead")
check(lib.sq_thread_count() == 1, "run 1: only idle left")
check(end_info(p3[1], reader_end)[1] == COPYING,
      "the abandoned read's end is left as it was (re-initialise before reuse)")

# Run 2, same process, same thread blocks: a synchronous writer and reader
# on two kernel threads, and the thread table filled to its limit.
del log[:]
rt2, p3, reader_end = run_setup(2)
C.memmove(p3[0].mem, b"abcd", 4)


@ENTRY
def writer(arg):
    wtype = C.c_void_p()
    lib.sq_p3_end_type(p3[0], 2, C.byref(wtype))
    out = u32()
    st = lib.sq_p3_stream_write(p3[0].thread, wtype, 2, 0, 4, False, C.byref(out))
    log.append(("writer", st, out.value))


@ENTRY
def reader(arg):
    rtype = C.c_void_p()
    lib.sq_p3_end_type(p3[1], reader_end, C.byref(rtype))
    out = u32()
    st = lib.sq_p3_stream_read(p3[1].thread, rtype, reader_end, 32, 4, False, C.byref(out))
    log.append(("reader", st, out.value))


@ENTRY
def nothing(arg):
    pass


start(0, writer, 5)
start(1, reader, 6)
for k in range(2, THREADS):
    start(k, nothing, 20)
check(lib.sq_thread_count() == K["SQ_CONFIG_MAX_THREADS"], "run 2: the table is full")
extra, extra_stack = block("sq_thread_t"), (C.c_uint64 * (STACK // 8))()
check(lib.sq_thread_init(extra, extra_stack, STACK) == OK, "one thread more: init")
check(lib.sq_thread_start(extra, nothing, None, 20, 0) == K["SQ_ERR_FULL"],
      "one thread more than SQ_CONFIG_MAX_THREADS: SQ_ERR_FULL")
check(lib.sq_thread_init(kthreads[0], stacks[0], STACK) == K["SQ_ERR_STATE"],
      "init of a started thread: SQ_ERR_STATE")
check(lib.sq_kernel_run() == OK, "run 2 returns")
check(sorted(log) == [("reader", OK, 4 << 4), ("writer", OK, 4 << 4)],
      "run 2: both synchronous copies completed with 4: %s" % log)
check(bytes(p3[1].mem[32:36]) == b"abcd", "run 2: bytes arrived")
check(all(state_of(k) == K["SQ_THREAD_DEAD"] for k in range(THREADS)), "run 2: all ended")

# Run 3: the embedder's shape: sq_kernel_run on a Python thread of its
# own, stopped from the main thread once the reader waits in the kernel
# (not while it runs Python code: an ended pthread would take the GIL).
del log[:]
rt3, p3, reader_end = run_setup(3)
start(0, blocked_reader, 5)
ran = []
runner = threading.Thread(target=lambda: ran.append(lib.sq_kernel_run()))
runner.start()
for _ in range(500):
    if state_of(0) == K["SQ_THREAD_PENDING"]:
        break
    time.sleep(0.01)
check(state_of(0) == K["SQ_THREAD_PENDING"], "run 3: the reader waits")
check(lib.sq_kernel_stop() == OK, "run 3: stop from outside the kernel's threads")
runner.join(10)
check(not runner.is_alive() and ran == [OK], "run 3: sq_kernel_run returned SQ_OK: %s" % ran)
check(log == ["reader waits"] and state_of(0) == K["SQ_THREAD_DEAD"],
      "run 3: the read never returned, the reader is dead: %s" % log)

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
