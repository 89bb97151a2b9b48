#!/usr/bin/env python3
"""Generate the host glue between a wasm2c-translated guest and squall's P3
built-ins (docs/WASM.md).

Reads the headers wasm2c wrote for the modules and writes a C file with, for
each import the module has, the function wasm2c calls: it finds the calling
guest (sq_wasm_guest_t, src/wasm/wasm_host.h) from the import's instance
pointer and calls the built-in as the P3 thread the guest runs for
(g->current, set by sq_wasm_call_as); a built-in that does
not return SQ_OK unwinds the guest (sq_wasm_fail). It also writes
`<module>_instantiate_guest(module_instance, guest)`, which instantiates
the module with the guest as every import's instance.

Both of wasm2c's manglings are read: wabt 1.0.32's (`Z_` + name, bytes
outside [A-Za-z0-9_] and `Z` as `Z%02X`, module and field joined by `Z_`;
`struct Z_<module>_instance_t`, `Z_<name>_instantiate`) and wabt >= 1.0.33's
(`w2c_` + name, bytes outside [A-Za-z0-9_] as `0x%02X`, module and field
joined by `_`; `struct w2c_<module>`, `wasm2c_<name>_instantiate`). The
C names are taken from the header, never typed by hand; the wasm names
from the `/* import: 'module' 'field' */` and `/* export: 'name' */`
comment wasm2c writes above each declaration in both versions (a `w2c_`
name alone cannot be split: `_` joins module and field and may also be in
either).

Stream and future built-ins need the element type, which the core module
does not carry: `--type FN:N=SYMBOL` names the `const sq_p3_type_t` (defined
by the embedder) of position N of function FN. An import the script does
not know, or whose core signature is not the one the ABI gives, is an error.

Calls and task.return (docs/WASM.md "Calls between guests"):
`--call FN=EXPORT[:ret][:I=SYMBOL]...` binds every `[async-lower]FN` import
to the callee's `const sq_p3_export_t EXPORT` (the embedder's): `ret` when
the function has a result (the last core parameter is then its place in
the caller's memory), `I=SYMBOL` for a parameter I that is a stream<T> or
future<T> end (T's sq_p3_type_t), moved into the callee. `--return
FN=RESULT[:I=SYMBOL]...` gives `[task-return]FN` the result's
`sq_p3_type_t` (task.return's type immediate) and the ends among the flat
results, moved into the caller. Both lower the flat i32 values into the
guest's scratch block (sq_wasm_guest_set_scratch), as one word each: squall
takes parameters and results in memory.

usage: wasm_glue.py OUT.c HEADER... [--type FN:N=SYMBOL]... [--call ...]... [--return ...]...

One output for all the modules linked into one image: wasm2c's import
symbols are global, so two modules importing the same `$root` built-in
share its glue function.
"""
import argparse
import re
import sys


IMPORT_NOTE = re.compile(r"^/\* import: '(.*)' '(.*)' \*/$")
EXPORT_NOTE = re.compile(r"^/\* export: '(.*)' \*/$")


def module_name(prefix):
    """The module's own name from its prefix (Z_sensor, wasm2c_sensor)."""
    for head, esc in (("Z_", r"Z([0-9A-F]{2})"), ("wasm2c_", r"0x([0-9A-F]{2})")):
        if prefix.startswith(head):
            return re.sub(esc, lambda m: chr(int(m.group(1), 16)), prefix[len(head):])
    return prefix


PROTO = re.compile(r"^(u32|u64|void)\s+(\w+)\(struct (\w+)\*((?:,\s*(?:u32|u64))*)\);$")
EXPORT = re.compile(r"^(\w+)\s+(\w+)\((\w+)\*((?:,\s*\w+)*)\);$")
INIT = re.compile(r"^void\s+(\w+_init_module)\(void\);$")
INSTANTIATE = re.compile(r"^void\s+(\w+?)_instantiate\((\w+)\*((?:,\s*struct \w+\*)*)\);$")

# $root built-ins: field -> (params, result, body). The body's names: t the
# guest's thread, a0.. the arguments, out the result; CALL(x) checks x.
ROOT = {
    "[waitable-set-new]": ("", "u32", "CALL(sq_p3_waitable_set_new(t, &out));"),
    "[waitable-set-wait]": ("u32 u32", "u32", "CALL(sq_p3_waitable_set_wait(t, a0, a1, &out));"),
    "[waitable-set-poll]": ("u32 u32", "u32", "CALL(sq_p3_waitable_set_poll(t, a0, a1, &out));"),
    "[cancellable][waitable-set-wait]":
        ("u32 u32", "u32", "CALL(sq_p3_waitable_set_wait_cancellable(t, a0, a1, &out));"),
    "[cancellable][waitable-set-poll]":
        ("u32 u32", "u32", "CALL(sq_p3_waitable_set_poll_cancellable(t, a0, a1, &out));"),
    "[waitable-set-drop]": ("u32", "void", "CALL(sq_p3_waitable_set_drop(t, a0));"),
    "[waitable-join]": ("u32 u32", "void", "CALL(sq_p3_waitable_join(t, a0, a1));"),
    "[subtask-drop]": ("u32", "void", "CALL(sq_p3_subtask_drop(t, a0));"),
    "[subtask-cancel]": ("u32", "u32", "CALL(sq_p3_subtask_cancel(t, a0, false, &out));"),
    "[async-lower][subtask-cancel]":
        ("u32", "u32", "CALL(sq_p3_subtask_cancel(t, a0, true, &out));"),
    "[backpressure-inc]": ("", "void", "CALL(sq_p3_backpressure_inc(t));"),
    "[backpressure-dec]": ("", "void", "CALL(sq_p3_backpressure_dec(t));"),
    "[thread-yield]": ("", "u32", "CALL(sq_p3_thread_yield(t, false, &out));"),
    "[cancellable][thread-yield]": ("", "u32", "CALL(sq_p3_thread_yield(t, true, &out));"),
    "[error-context-new-utf8]":
        ("u32 u32", "u32", "CALL(sq_p3_error_context_new(t, a0, a1, &out));"),
    "[error-context-debug-message-utf8]":
        ("u32 u32", "void", "CALL(sq_p3_error_context_debug_message(t, a0, a1));"),
    "[error-context-drop]": ("u32", "void", "CALL(sq_p3_error_context_drop(t, a0));"),
}
for _i in (0, 1):
    ROOT["[context-get-%d]" % _i] = ("", "u32", "CALL(sq_p3_context_get(t, %d, &out));" % _i)
    ROOT["[context-set-%d]" % _i] = ("u32", "void", "CALL(sq_p3_context_set(t, %d, a0));" % _i)

# Built-ins of an exported interface's module (`[export]<iface>`).
EXPORTED = {
    "[task-cancel]": ("", "void", "CALL(sq_p3_task_cancel(t));"),
}

# Stream and future built-ins of any module: pattern -> (params, result,
# body); TYPE is the element type's symbol.
COPY = re.compile(r"^(\[async-lower\])?\[(stream|future)-(new|read|write|cancel-read|cancel-write|"
                  r"drop-readable|drop-writable)-(\d+)\](.+)$")


def copy_builtin(field, types):
    m = COPY.match(field)
    if not m:
        return None
    lower, kind, op, n, fn = m.groups()
    key = "%s:%s" % (fn, n)
    if key not in types:
        sys.exit("wasm_glue: %s needs --type %s=SYMBOL" % (field, key))
    ty = "&" + types[key]
    is_async = "true" if lower else "false"
    if lower and op not in ("read", "write", "cancel-read", "cancel-write"):
        return None
    f = "sq_p3_%s_%s" % (kind, op.replace("-", "_"))
    if op == "new":
        return ("", "u64", "CALL(%s(t, %s, &out));" % (f, ty))
    if op in ("read", "write"):
        if kind == "stream":
            return ("u32 u32 u32", "u32",
                    "CALL(%s(t, %s, a0, a1, a2, %s, &out));" % (f, ty, is_async))
        return ("u32 u32", "u32", "CALL(%s(t, %s, a0, a1, %s, &out));" % (f, ty, is_async))
    if op.startswith("cancel"):
        return ("u32", "u32", "CALL(%s(t, %s, a0, %s, &out));" % (f, ty, is_async))
    return ("u32", "void", "CALL(%s(t, %s, a0));" % (f, ty))


def binding(spec):
    """FN=SYMBOL[:ret][:I=SYMBOL]... -> (FN, (SYMBOL, has_ret, {I: SYMBOL}))."""
    fn, rest = spec.split("=", 1)
    parts = rest.split(":")
    ends = dict((int(i), sym) for i, sym in (p.split("=", 1) for p in parts[1:] if "=" in p))
    return fn, (parts[0], "ret" in parts[1:], ends)


def flat_call(params, ends, n, call):
    """The body lowering a0..a(n-1) (ends at their positions) into `call`."""
    if n == 0:
        return ["    " + call % ("NULL", "NULL")]
    if any(p != "u32" for p in params[:n]):
        sys.exit("wasm_glue: %s: flat values other than i32 are not lowered" % call.split("(")[0])
    for i in ends:
        if i >= n:
            sys.exit("wasm_glue: end at position %d of %d flat values" % (i, n))
    types = ", ".join(("&" + ends[i]) if i in ends else "NULL" for i in range(n))
    return ["    static const sq_p3_type_t *const ends[] = {%s};" % types,
            "    const uint32_t flat[] = {%s};" % ", ".join("a%d" % i for i in range(n)),
            "    " + call % ("flat", "ends")]


def call_builtin(module, field, params, ret, calls, returns):
    """[async-lower]FN of an imported function, [task-return]FN of an
    exported one: (params, result, body lines), or None."""
    if module.startswith("[export]") and field.startswith("[task-return]"):
        fn = field[len("[task-return]"):]
        if fn not in returns and params:
            sys.exit("wasm_glue: %s needs --return %s=RESULT" % (field, fn))
        result, _, ends = returns.get(fn, ("NULL", False, {}))
        result = result if result == "NULL" else "&" + result
        body = flat_call(params, ends, len(params),
                         "sq_wasm_task_return(sq_wasm_guest_of(inst), %s, %%s, %%s, %du);"
                         % (result, len(params)))
        return (" ".join(params), "void", body)
    if field.startswith("[async-lower]") and not module.startswith("[export]") and \
            not COPY.match(field) and field != "[async-lower][subtask-cancel]":
        fn = field[len("[async-lower]"):]
        if fn not in calls:
            sys.exit("wasm_glue: %s needs --call %s=EXPORT" % (field, fn))
        export, has_ret, ends = calls[fn]
        n = len(params) - (1 if has_ret else 0)
        retptr = "a%d" % n if has_ret else "0u"
        body = flat_call(params, ends, n,
                         "return sq_wasm_async_lower(sq_wasm_guest_of(inst), &%s, %%s, %%s, %du, %s);"
                         % (export, n, retptr))
        return (" ".join(["u32"] * len(params)), "u32", body)
    return None


def trampoline(name, mtype, sym, n):
    """body(entry) calling export `sym` with n words of the entry."""
    actuals = "".join(", e->a[%d]" % i for i in range(n))
    return ["static void %s(void *entry)" % name,
            "{",
            "    sq_wasm_entry_t *e = entry;",
            "    e->result = %s((%s *)e->module%s);" % (sym, mtype, actuals),
            "}", ""]


def callee_side(c, mtype, exports):
    """The control plane's entries into module `c`: for each callback-lifted
    export `[async-lift]I#F` with i32 parameters (and its callback), the
    core function sq_wasm_<c>_<F>_core and the callback entry
    sq_wasm_<c>_<F>_on_event; for `cabi_realloc`, the realloc hook
    sq_wasm_<c>_realloc. (code, header declarations)."""
    by_name = dict((export, (sym, ret, params)) for sym, export, ret, params in exports)
    code, decls = [], []
    for export, (sym, ret, params) in sorted(by_name.items()):
        if not export.startswith("[async-lift]") or "#" not in export:
            continue
        cb = by_name.get("[callback]" + export)
        if cb is None or ret != "u32" or cb[1:] != ("u32", ["u32"] * 3) or \
                any(p != "u32" for p in params) or len(params) > 16:
            continue
        f = re.sub(r"\W+", "_", export.rsplit("#", 1)[1]).strip("_")
        base = "sq_wasm_%s_%s" % (c, f)
        code += ["/* %s: the control plane's core function and callback entry */" % export]
        code += trampoline(base + "_enter", mtype, sym, len(params))
        code += trampoline(base + "_enter_callback", mtype, cb[0], 3)
        code += ["uint32_t %s_core(void *ctx, sq_p3_task_t *task, uint32_t args)" % base,
                 "{",
                 "    return sq_wasm_core_entry(ctx, task, args, %du, %s_enter);"
                 % (len(params), base),
                 "}", "",
                 "uint32_t %s_on_event(void *ctx, const sq_wait_event_t *ev)" % base,
                 "{",
                 "    return sq_wasm_callback_entry(ctx, ev, %s_enter_callback);" % base,
                 "}", ""]
        decls += ["uint32_t %s_core(void *ctx, sq_p3_task_t *task, uint32_t args);" % base,
                  "uint32_t %s_on_event(void *ctx, const sq_wait_event_t *ev);" % base]
    if by_name.get("cabi_realloc", (None, None, None))[1:] == ("u32", ["u32"] * 4):
        base = "sq_wasm_%s_realloc" % c
        code += ["/* cabi_realloc: the instance's realloc hook (ctx: the guest) */"]
        code += trampoline(base + "_enter", mtype, by_name["cabi_realloc"][0], 4)
        code += ["uint32_t %s(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,"
                 % base,
                 "    uint32_t new_size)",
                 "{",
                 "    return sq_wasm_realloc_entry(ctx, old_ptr, old_size, align, new_size, "
                 "%s_enter);" % base,
                 "}", ""]
        decls += ["uint32_t %s(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,"
                  " uint32_t new_size);" % base]
    return code, decls + ([""] if decls else [])


def read_header(path):
    """The module's (prefix, type, import structs, init, exports) and its
    imports (ret, name, struct, params, (module, field))."""
    inst, imports, exports, init = None, [], [], None
    lines = [l.strip() for l in open(path)]
    for line in lines:
        m = INIT.match(line)
        if m:
            init = m.group(1)
        m = INSTANTIATE.match(line)
        if m:
            inst = (m.group(1), m.group(2), re.findall(r"struct (\w+)\*", m.group(3)))
    if inst is None:
        sys.exit("wasm_glue: no _instantiate in %s: not a wasm2c header?" % path)
    for note, line in zip(lines, lines[1:]):
        m = IMPORT_NOTE.match(note)
        if m:
            p = PROTO.match(line)
            if p is None:
                sys.exit("wasm_glue: import %r %r: unexpected declaration %r"
                         % (m.group(1), m.group(2), line))
            ret, name, struct, params = p.groups()
            imports.append((ret, name, struct, params.replace(",", " ").split(), m.groups()))
            continue
        m = EXPORT_NOTE.match(note)
        e = EXPORT.match(line)
        if m and e and e.group(3) == inst[1]:
            exports.append((e.group(2), m.group(1), e.group(1),
                            e.group(4).replace(",", " ").split()))
    return inst + (init, exports), imports


def glue_function(ret, name, struct, params, module, field, types, calls, returns):
    formals = "".join(", %s a%d" % (p, i) for i, p in enumerate(params))
    head = ["/* %s %s */" % (module, field),
            "%s %s(struct %s *inst%s)" % (ret, name, struct, formals),
            "{"]
    spec = call_builtin(module, field, params, ret, calls, returns)
    if spec is not None:
        if spec[0].split() != params or spec[1] != ret:
            sys.exit("wasm_glue: import %r %r has core type (%s) -> %s, not i32 values%s"
                     % (module, field, ", ".join(params), ret,
                        " returning i32" if spec[1] == "u32" else ""))
        return head + spec[2] + ["}", ""]
    spec = ROOT.get(field) if module == "$root" else None
    spec = spec or (EXPORTED.get(field) if module.startswith("[export]") else None)
    spec = spec or copy_builtin(field, types)
    if spec is None:
        sys.exit("wasm_glue: import %r %r is not a built-in this glue knows" % (module, field))
    want_params, want_ret, body = spec
    if want_params.split() != params or want_ret != ret:
        sys.exit("wasm_glue: import %r %r has core type (%s) -> %s, the ABI's is (%s) -> %s"
                 % (module, field, ", ".join(params), ret, ", ".join(want_params.split()),
                    want_ret))
    out = head + ["    sq_wasm_guest_t *g = sq_wasm_guest_of(inst);",
                  "    sq_p3_thread_t *t = g->current;"]
    if ret != "void":
        out.append("    %s out = 0;" % ("uint64_t" if ret == "u64" else "uint32_t"))
    out.append("    " + body)
    if ret != "void":
        out.append("    return out;")
    return out + ["}", ""]


def main():
    ap = argparse.ArgumentParser(description="one glue file for the modules linked together")
    ap.add_argument("out")
    ap.add_argument("headers", nargs="+")
    ap.add_argument("--type", action="append", default=[], metavar="FN:N=SYMBOL")
    ap.add_argument("--call", action="append", default=[], metavar="FN=EXPORT[:ret][:I=SYMBOL]")
    ap.add_argument("--return", dest="returns", action="append", default=[],
                    metavar="FN=RESULT[:I=SYMBOL]")
    args = ap.parse_args()
    types = dict(t.split("=", 1) for t in args.type)
    calls = dict(binding(c) for c in args.call)
    returns = dict(binding(r) for r in args.returns)

    out = ["/* Generated by tools/wasm_glue.py: do not edit. */"]
    out += ['#include "%s"' % h.rsplit("/", 1)[-1] for h in args.headers]
    out += ['#include "wasm_host.h"', ""]
    out += ['#include "%s.h"' % args.out.rsplit("/", 1)[-1].rsplit(".", 1)[0]]
    syms = set(types.values())
    for fn, (first, _, ends) in returns.items():
        syms |= set(ends.values()) | ({first} - {"NULL"})
    syms |= set(sym for _, _, ends in calls.values() for sym in ends.values())
    out += ["extern const sq_p3_type_t %s;" % sym for sym in sorted(syms)]
    out += ["extern const sq_p3_export_t %s;" % sym
            for sym in sorted(set(c[0] for c in calls.values()))]
    out += ["",
            "#define CALL(x) do { sq_status_t st_ = (x); if (st_ != SQ_OK) { sq_wasm_fail(g, st_); } } while (0)",
            ""]
    # wasm2c's import symbols are global: modules importing the same
    # (module, field) share one function, which must then mean the same.
    done = {}
    modules = []
    for path in args.headers:
        inst, imports = read_header(path)
        modules.append(inst)
        for ret, name, struct, params, (module, field) in imports:
            if name in done:
                if done[name] != (ret, params):
                    sys.exit("wasm_glue: %s imported with two core types" % name)
                continue
            done[name] = (ret, params)
            out += glue_function(ret, name, struct, params, module, field, types, calls,
                                 returns)
    hdr = ["/* Generated by tools/wasm_glue.py: do not edit. The embedder's names",
           " * for the modules, whatever wasm2c's mangling. */",
           "#ifndef SQ_WASM_GLUE_H", "#define SQ_WASM_GLUE_H"]
    hdr += ['#include "%s"' % h.rsplit("/", 1)[-1] for h in args.headers]
    hdr += ['#include "wasm_host.h"', ""]
    for prefix, mtype, structs, init, exports in modules:
        c = re.sub(r"\W", "_", module_name(prefix))
        hdr += ["typedef %s sq_wasm_%s_t;" % (mtype, c),
                "#define sq_wasm_%s_init_module() %s" % (c, init + "()" if init else "((void)0)"),
                "#define sq_wasm_%s_instantiate %s_instantiate_guest" % (c, prefix),
                "void %s_instantiate_guest(%s *m, sq_wasm_guest_t *g);" % (prefix, mtype)]
        for sym, export, _, _ in exports:
            if export == "memory":
                continue
            hdr.append("#define sq_wasm_%s_%s %s" % (c, re.sub(r"\W+", "_", export).strip("_"), sym))
        hdr.append("")
    hdr.append("#endif")
    hdr_callee = []
    for prefix, mtype, structs, init, exports in modules:
        actuals = "".join(", (struct %s *)(void *)g" % s for s in structs)
        out += ["/* Instantiate with `g` as the instance of every import module. */",
                "void %s_instantiate_guest(%s *m, sq_wasm_guest_t *g)" % (prefix, mtype),
                "{",
                "    g->module = m;",
                "    %s_instantiate(m%s);" % (prefix, actuals),
                "}", ""]
        c = re.sub(r"\W", "_", module_name(prefix))
        code, decls = callee_side(c, mtype, exports)
        out += code
        hdr_callee += decls
    with open(args.out.rsplit(".", 1)[0] + ".h", "w") as f:
        f.write("\n".join(hdr[:-1] + hdr_callee + hdr[-1:]) + "\n")
    with open(args.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
