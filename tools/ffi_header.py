#!/usr/bin/env python3
"""Generate include/squall/squall_ffi.h and libsquall.so's export list from
the public headers, so that neither can drift from them.

The FFI header is the public headers after the C preprocessor, for the
configuration libsquall.so is built with: every type and prototype, no
macros, nothing a ctypes or cffi user has to expand. Integer macros
(SQ_P3_BLOCKED, SQ_P3_EVENT_STREAM_READ, ...) become `static const`
integers with their values, and every public type gets a
`static const uint32_t SQ_SIZEOF_<type>` so a ctypes user can allocate it.
What the C compiler does not need to show a binding is left out: `static
inline` helpers (not in the library), `__attribute__`s, and `_Atomic`
(same size and alignment as the plain integer; FFI code does not touch
those fields).

usage: ffi_header.py CC INCLUDE_DIR OUT_HEADER OUT_EXPORTS [-DNAME=VALUE ...]
(the -D flags: the configuration libsquall.so is built with, e.g.
-DSQ_CONFIG_MAX_THREADS=64; the committed header is made without them)
"""
import os
import re
import subprocess
import sys
import tempfile

HEADER_NAME = "squall_ffi.h"
# Headers that are not the library's interface: wasm_guest.h declares the
# wasm imports a guest compiled for wasm32 sees (it #errors elsewhere).
NOT_FFI = {HEADER_NAME, "wasm_guest.h"}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<number>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>=?:;,.(){}\[\]])
""", re.VERBOSE)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def public_headers(include_dir):
    squall = os.path.join(include_dir, "squall")
    return sorted(h for h in os.listdir(squall) if h.endswith(".h") and h not in NOT_FFI)


def squall_lines(cc, include_dir, unit, *flags):
    """The lines of the preprocessor's output that come from the public
    headers (after its line markers), not from system headers."""
    out = run([cc, "-std=c11", "-E", *flags, "-I", include_dir, unit])
    keep, mine = [], False
    squall = os.path.realpath(os.path.join(include_dir, "squall"))
    for line in out.splitlines():
        m = re.match(r'#\s*\d+\s+"([^"]*)"', line)
        if m:
            mine = os.path.dirname(os.path.realpath(m.group(1))) == squall
        elif mine:
            keep.append(line)
    return keep


def tokens(text):
    out, at = [], 0
    while at < len(text):
        m = TOKEN.match(text, at)
        if not m:
            raise SystemExit("ffi_header: cannot read %r" % text[at:at + 40])
        at = m.end()
        if m.lastgroup != "space":
            out.append(m.group())
    return out


OPAQUE = []
# The -D flags of the configuration (see usage).
CONFIG = []


def opaque(decl):
    """typedef struct tag {...} name; with an _Alignas member, which cffi
    cannot lay out, as an incomplete type: FFI code allocates
    SQ_SIZEOF_name bytes aligned to SQ_ALIGNOF_name."""
    OPAQUE.append(decl[-2])
    return decl[:3] + decl[-2:]


def declarations(toks):
    """Split into top-level declarations (lists of tokens), dropping what an
    FFI user cannot use."""
    decls, cur, depth, i = [], [], 0, 0
    while i < len(toks):
        t = toks[i]
        if t == "__attribute__":
            # __attribute__ ( ( ... ) ): skip to the balancing parenthesis.
            level, i = 0, i + 1
            while True:
                level += {"(": 1, ")": -1}.get(toks[i], 0)
                i += 1
                if level == 0:
                    break
            continue
        if t == "_Atomic":
            i += 1
            continue
        cur.append(t)
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
            if depth == 0 and cur[0] == "static" and "inline" in cur:
                cur = []  # a static inline function: not in the library
        elif t == ";" and depth == 0:
            decls.append(opaque(cur) if "_Alignas" in cur else cur)
            cur = []
        i += 1
    return decls


KEYWORDS = {"void", "char", "short", "int", "long", "float", "double", "signed",
            "unsigned", "_Bool", "const", "volatile", "struct", "enum", "union"}


def glue(toks):
    """Tokens back to text, spaced as C is usually written."""
    out, before, prev = "", None, None
    for t in toks:
        if prev is not None and not (
                t in (",", ";", ")", "]") or prev in ("(", "[", "*") or
                t in ("(", "[") and (prev == ")" or re.match(r"\w", prev) and prev not in KEYWORDS)
                or prev == "-" and before in ("=", "(", ",")):
            out += " "
        out += t
        before, prev = prev, t
    return out


def layout(decl):
    """One declaration, struct and enum bodies one member per line."""
    lines, cur, depth = [], [], 0
    for t in decl:
        cur.append(t)
        if t == "{":
            lines.append("    " * depth + glue(cur))
            cur, depth = [], depth + 1
        elif t == "}":
            if cur[:-1]:
                lines.append("    " * depth + glue(cur[:-1]))
            depth -= 1
            cur = ["}"]
        elif t in ";," and depth > 0:
            lines.append("    " * depth + glue(cur))
            cur = []
    if cur:
        lines.append("    " * depth + glue(cur))
    return "\n".join(lines)


def functions(decls):
    names = []
    for d in decls:
        if d[0] in ("typedef", "static", "extern") or d[0] in ("struct", "enum", "union") and \
                d[-2] == "}":
            continue
        depth = 0
        for k, t in enumerate(d):
            if t == "(" and depth == 0 and k > 0 and re.match(r"[A-Za-z_]\w*$", d[k - 1]):
                if k + 1 < len(d) and d[k + 1] != "*":
                    names.append(d[k - 1])
                break
            depth += {"{": 1, "}": -1}.get(t, 0)
    return names


def type_names(decls):
    names = []
    for d in decls:
        if d[0] != "typedef":
            continue
        if d[-2] == ")":
            # A function pointer type, typedef r (*name)(...), has a size;
            # a function type, typedef r name(...), has none.
            k = d.index("(")
            if d[k + 1] == "*":
                names.append(d[k + 2])
        elif d[-2] != "]":
            names.append(d[-2])
    return names


def integer_macros(cc, include_dir, unit):
    """(name, C type, value) of every object-like SQ_ macro of the public
    headers whose value is an integer constant."""
    # Without the configuration's flags: a configured macro's #define is
    # then the header's default, in its place (the probe gives the value).
    names = []
    for line in squall_lines(cc, include_dir, unit, "-dD"):
        m = re.match(r"#define (SQ_\w+)(\(?)", line)
        if m and not m.group(2):
            names.append(m.group(1))
    return names


def probe(cc, include_dir, names, types, aligned):
    """Values of the integer macros among `names` and sizes of `types`,
    from a program compiled and run on this machine (the library's)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        candidates = list(names)
        while True:
            body = ["#include <stdio.h>", "#include \"all.h\"", "int main(void) {"]
            first = len(body) + 1
            for n in candidates:
                body.append('printf("%%s %%d %%llu\\n", "%s", (int)((%s) < 0), '
                            '(unsigned long long)(%s));' % (n, n, n))
            for t in types:
                body.append('printf("SQ_SIZEOF_%s 0 %%zu\\n", sizeof(%s));' % (t, t))
            for t in aligned:
                body.append('printf("SQ_ALIGNOF_%s 0 %%zu\\n", _Alignof(%s));' % (t, t))
            body.append("return 0; }")
            with open(os.path.join(tmp, "all.h"), "w") as f:
                f.write("".join('#include <squall/%s>\n' % h for h in public_headers(include_dir)))
            with open(src, "w") as f:
                f.write("\n".join(body) + "\n")
            r = subprocess.run([cc, "-std=c11", "-w", *CONFIG, "-I", include_dir, "-I", tmp, src,
                                "-o", exe],
                               capture_output=True, text=True)
            if r.returncode == 0:
                break
            bad = {int(m) for m in re.findall(r"probe\.c:(\d+):", r.stderr)}
            kept = [n for k, n in enumerate(candidates) if first + k not in bad]
            if len(kept) == len(candidates):
                raise SystemExit("ffi_header: probe does not compile:\n" + r.stderr)
            candidates = kept
        values = []
        for line in run([exe]).splitlines():
            name, negative, value = line.split()
            v = int(value)
            if negative == "1":
                v -= 1 << 64
                ctype = "int32_t" if v >= -(1 << 31) else "int64_t"
            else:
                ctype = "uint32_t" if v < (1 << 32) else "uint64_t"
            values.append((name, ctype, v))
        return values


def main():
    cc, include_dir, out_header, out_exports = sys.argv[1:5]
    CONFIG.extend(sys.argv[5:])
    with tempfile.TemporaryDirectory() as tmp:
        unit = os.path.join(tmp, "all.c")
        with open(unit, "w") as f:
            f.write("".join('#include <squall/%s>\n' % h for h in public_headers(include_dir)))
        decls = declarations(tokens("\n".join(squall_lines(cc, include_dir, unit, *CONFIG))))
        macros = integer_macros(cc, include_dir, unit)
    types = type_names(decls)
    constants = probe(cc, include_dir, macros, types, OPAQUE)
    funcs = functions(decls)

    text = ["/*",
            " * squall's public API for FFI users (ctypes, cffi, other languages):",
            " * the declarations of the headers in include/squall/ after the C",
            " * preprocessor, for the configuration libsquall.so is built with;",
            " * integer macros as constants; SQ_SIZEOF_<type> for every public type",
            " * (and SQ_ALIGNOF_<type> for the over-aligned ones declared opaque).",
            " * Generated by tools/ffi_header.py (make ffi-header); the build fails",
            " * when this file and the headers differ. Plain C: no macros, no",
            " * attributes, no includes (C code includes <stdint.h> and <stddef.h>",
            " * first; cffi knows their types).",
            " */",
            ""]
    text += ["static const %s %s = %d%s;" % (ctype, name, v, "" if v < 0 else "u")
             for name, ctype, v in constants]
    text.append("")
    text += [layout(d) for d in decls]
    with open(out_header, "w") as f:
        f.write("\n".join(text) + "\n")
    with open(out_exports, "w") as f:
        f.write("{\n  global:\n" + "".join("    %s;\n" % n for n in funcs) +
                "  local:\n    *;\n};\n")


if __name__ == "__main__":
    main()
