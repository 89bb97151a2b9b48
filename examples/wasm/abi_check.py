#!/usr/bin/env python3
"""The imports and exports of a wasm module as `import MODULE FIELD TYPE`
and `export NAME TYPE` lines, from `wasm-objdump -x`, compared with an
expected file (CTest wasm_guest_abi: wasm_guest.h against guest-abi.md).
usage: abi_check.py WASM_OBJDUMP MODULE.wasm EXPECTED"""
import re
import subprocess
import sys

objdump, module, expected = sys.argv[1:4]
dump = subprocess.run([objdump, "-x", module], check=True, capture_output=True, text=True).stdout
types = dict(re.findall(r"^ - type\[(\d+)\] (.*)$", dump, re.M))
funcs = {}
for idx, sig in re.findall(r"^ - func\[(\d+)\] sig=(\d+)", dump, re.M):
    funcs[idx] = types[sig]
lines = ["import %s %s %s" % (mod, field, types[sig]) for sig, mod, field in
         re.findall(r"^ - func\[\d+\] sig=(\d+) <[^>]*> <- (.*?)\.(\[.*)$", dump, re.M)]
lines += ["export %s %s" % (name, funcs[idx]) for idx, name in
          re.findall(r"^ - func\[(\d+)\] <[^>]*> -> \"(.*)\"$", dump, re.M)]
got = "\n".join(lines) + "\n"
want = open(expected).read()
if got != want:
    sys.stdout.write("got:\n" + got + "expected:\n" + want)
    sys.exit(1)
