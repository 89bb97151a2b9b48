#!/usr/bin/env python3
"""tools/wasm_glue.py on a wabt >= 1.0.33 header (w2c_fixture.h) and on
wrong input: the glue calls the right built-ins under the header's names,
and an unknown import or a wrong core type stops it.
usage: wasm_glue_test.py GLUE_PY FIXTURE_H WORKDIR"""
import os
import subprocess
import sys

glue, fixture, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)


def run(header, *extra):
    out = os.path.join(work, "w2c_glue.c")
    r = subprocess.run([sys.executable, glue, out, header, *extra], capture_output=True, text=True)
    return r.returncode, r.stderr, (open(out).read() if r.returncode == 0 else ""), \
        (open(out[:-2] + ".h").read() if r.returncode == 0 else "")


failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


rc, err, c, h = run(fixture, "--type", "open:0=reading_type")
expect(rc == 0, "w2c header refused: " + err)
expect("u32 w2c_0x24root_0x5Bwaitable0x2Dset0x2Dnew0x5D(struct w2c_0x24root *inst)\n" in c and
       "CALL(sq_p3_waitable_set_new(t, &out));" in c, "waitable-set-new glue")
expect("CALL(sq_p3_waitable_set_wait(t, a0, a1, &out));" in c, "waitable-set-wait glue")
expect("CALL(sq_p3_stream_write(t, &reading_type, a0, a1, a2, true, &out));" in c,
       "async stream write glue")
expect("CALL(sq_p3_stream_new(t, &reading_type, &out));" in c, "stream new glue")
expect("wasm2c_sensor_instantiate(m, (struct w2c_0x24root *)(void *)g, "
       "(struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource *)(void *)g);" in c,
       "instantiate helper")
expect("typedef w2c_sensor sq_wasm_sensor_t;" in h and
       "#define sq_wasm_sensor_example_sensor_source_open "
       "w2c_sensor_example0x3Asensor0x2Fsource0x23open" in h, "export names")

# No element type for open:0: refused.
rc, err, _, _ = run(fixture)
expect(rc != 0 and "--type open:0" in err, "missing --type accepted")

# A wrong core type, and an import that is no built-in: refused.
text = open(fixture).read()
for bad, why in ((text.replace("(struct w2c_0x24root*, u32, u32);", "(struct w2c_0x24root*, u32);"),
                  "has core type"),
                 (text.replace("'[waitable-set-new]'", "'[waitable-set-old]'"), "not a built-in")):
    path = os.path.join(work, "bad.h")
    open(path, "w").write(bad)
    rc, err, _, _ = run(path, "--type", "open:0=reading_type")
    expect(rc != 0 and why in err, "accepted: " + why)

# Calls and task.return: an async lower of a world-level import `fetch(s:
# stream<reading>, n: u32) -> u32` and `[task-return]open` (its stream).
calls = text + """
/* import: '$root' '[async-lower]fetch' */
u32 w2c_0x24root_0x5Basync0x2Dlower0x5Dfetch(struct w2c_0x24root*, u32, u32, u32);

/* import: '[export]example:sensor/source' '[task-return]open' */
void w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource_0x5Btask0x2Dreturn0x5Dopen(struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource*, u32);
"""
calls += """
/* export: '[async-lift]example:sensor/source#go' */
u32 w2c_sensor_0x5Basync0x2Dlift0x5Dexample0x3Asensor0x2Fsource0x23go(w2c_sensor*, u32);

/* export: '[callback][async-lift]example:sensor/source#go' */
u32 w2c_sensor_0x5Bcallback0x5D0x5Basync0x2Dlift0x5Dexample0x3Asensor0x2Fsource0x23go(w2c_sensor*, u32, u32, u32);

/* export: 'cabi_realloc' */
u32 w2c_sensor_cabi_realloc(w2c_sensor*, u32, u32, u32, u32);
"""
path = os.path.join(work, "calls.h")
open(path, "w").write(calls)
bound = ("--type", "open:0=reading_type", "--call", "fetch=fetch_export:ret:0=reading_type",
         "--return", "open=open_result:0=reading_type")
rc, err, c, _ = run(path, *bound)
expect(rc == 0, "calls refused: " + err)
expect("u32 w2c_0x24root_0x5Basync0x2Dlower0x5Dfetch(struct w2c_0x24root *inst, u32 a0, u32 a1, "
       "u32 a2)\n{\n    static const sq_p3_type_t *const ends[] = {&reading_type, NULL};\n"
       "    const uint32_t flat[] = {a0, a1};\n"
       "    return sq_wasm_async_lower(sq_wasm_guest_of(inst), &fetch_export, flat, ends, 2u, a2);"
       in c, "async lower glue")
expect("    sq_wasm_task_return(sq_wasm_guest_of(inst), &open_result, flat, ends, 1u);" in c and
       "extern const sq_p3_export_t fetch_export;" in c and
       "extern const sq_p3_type_t open_result;" in c, "task.return glue")
# The callee's side: the async export's core function and callback entry,
# the realloc hook, declared in the header.
rc, err, c, h = run(path, *bound)
expect("e->result = w2c_sensor_0x5Basync0x2Dlift0x5Dexample0x3Asensor0x2Fsource0x23go("
       "(w2c_sensor *)e->module, e->a[0]);" in c and
       "    return sq_wasm_core_entry(ctx, task, args, 1u, sq_wasm_sensor_go_enter);" in c and
       "    return sq_wasm_callback_entry(ctx, ev, sq_wasm_sensor_go_enter_callback);" in c and
       "e->result = w2c_sensor_cabi_realloc((w2c_sensor *)e->module, e->a[0], e->a[1], e->a[2], "
       "e->a[3]);" in c, "callee side")
expect("uint32_t sq_wasm_sensor_go_core(void *ctx, sq_p3_task_t *task, uint32_t args);" in h and
       "uint32_t sq_wasm_sensor_go_on_event(void *ctx, const sq_wait_event_t *ev);" in h and
       "uint32_t sq_wasm_sensor_realloc(" in h, "callee side declared")
for drop, why in ((2, "needs --call fetch=EXPORT"), (4, "needs --return open=RESULT")):
    rc, err, _, _ = run(path, *(bound[:drop] + bound[drop + 2:]))
    expect(rc != 0 and why in err, "accepted without: " + why)
rc, err, _, _ = run(path, *(bound[:3] + ("fetch=fetch_export:ret:2=reading_type",) + bound[4:]))
expect(rc != 0 and "end at position 2 of 2" in err, "an end past the flat values accepted")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
