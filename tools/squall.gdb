# squall's GDB commands (docs/KERNEL.md, "Debugging"): `source tools/squall.gdb`
# in a session on an image or program linked with squall, built with debug
# information (-g), then
#
#   squall-threads    the kernel's threads (sq_kernel.threads[0 ..
#                     thread_count-1], idle first): the control block's
#                     address, name, state, priority, stack size and bytes
#                     used (the stack scanned from its bottom for the fill
#                     pattern, as sq_thread_stack_used does), run time, and
#                     `*` on the current one. A thread without a name shows
#                     the symbol of its control block in <>.
#
# Works on a Cortex-M target (gdb-multiarch, arm-none-eabi-gdb, over QEMU's
# gdbstub or a probe) and on the host port alike: it reads only the
# kernel's variables and the stacks' memory. Fields an older squall lacks
# (name, run_time) print as "-".
python
import gdb

# src/kernel/port.h: SQ_PORT_STACK_FILL.
SQUALL_STACK_FILL = 0xA5
SQUALL_STATES = ["NEW", "READY", "PENDING", "SLEEPING", "SUSPENDED", "DEAD"]


def _squall_field(value, name):
    """value[name], or None when the struct has no such field."""
    try:
        return value[name]
    except gdb.error:
        return None


def _squall_name(t, address):
    """The thread's name; without one, <the symbol of its control block>."""
    name = _squall_field(t, "name")
    if name is not None and int(name) != 0:
        try:
            return name.string(length=48)
        except gdb.error:
            return "?"
    symbol = gdb.execute("info symbol 0x%x" % address, to_string=True)
    if symbol.startswith("No symbol"):
        return "-"
    return "<%s>" % symbol.split(" in section")[0].strip()


def _squall_stack_used(t):
    """Bytes of the stack written at least once, or None without one."""
    stack = int(t["stack"])
    size = int(t["stack_size"])
    if stack == 0 or size == 0:
        return None
    try:
        data = bytes(gdb.selected_inferior().read_memory(stack, size))
    except gdb.MemoryError:
        return None
    untouched = 0
    while untouched < size and data[untouched] == SQUALL_STACK_FILL:
        untouched += 1
    return size - untouched


class SquallThreads(gdb.Command):
    """List squall's kernel threads: squall-threads."""

    def __init__(self):
        super().__init__("squall-threads", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        kernel = gdb.parse_and_eval("sq_kernel")
        count = int(kernel["thread_count"])
        current = int(kernel["current"])
        rows = []
        for i in range(count):
            t = kernel["threads"][i].dereference()
            address = int(kernel["threads"][i])
            state = int(t["state"])
            state_name = SQUALL_STATES[state] if state < len(SQUALL_STATES) else str(state)
            used = _squall_stack_used(t)
            run_time = _squall_field(t, "run_time")
            rows.append((
                "*" if address == current else " ",
                "0x%08x" % address,
                _squall_name(t, address),
                state_name,
                str(int(t["prio"])),
                str(int(t["stack_size"])) if int(t["stack"]) != 0 else "-",
                str(used) if used is not None else "-",
                str(int(run_time)) if run_time is not None else "-",
            ))
        header = (" ", "thread", "name", "state", "prio", "stack", "used", "run_time")
        widths = [max(len(r[c]) for r in rows + [header]) for c in range(len(header))]
        for r in [header] + rows:
            gdb.write("  ".join(r[c].ljust(widths[c]) for c in range(len(r))).rstrip() + "\n")
        gdb.write("%d thread%s\n" % (count, "" if count == 1 else "s"))


SquallThreads()
end
