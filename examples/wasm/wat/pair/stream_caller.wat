;; A stream end passed in a call, copied across the pair: the caller's
;; stream<u8> is readable 1, writable 2; the call f(1) moves end 1 into
;; the callee, whose subtask then takes the freed index 1: STARTED | 1 << 4
;; (0x11); the callee's read is pending, so the caller's write of "abcd"
;; completes at once, COMPLETED | 4 (0x40); after one loop step (the
;; callee's STREAM_READ callback) poll on set 3 gives SUBTASK (1) for
;; subtask 1 with RETURNED (2), and the callee's result, 0x40, is at the
;; result's place. run returns 0, 255 (step the loop), or the failed
;; check's number.
(module
  (import "example:wat/callee" "[async-lower]f" (func $f (param i32 i32) (result i32)))
  (import "example:wat/callee" "[stream-new-0]f" (func $new (result i64)))
  (import "example:wat/callee" "[async-lower][stream-write-0]f"
    (func $write (param i32 i32 i32) (result i32)))
  (import "example:wat/callee" "[stream-drop-writable-0]f" (func $drop_w (param i32)))
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[subtask-drop]" (func $drop (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 32) "abcd")
  (func (export "run") (param $phase i32) (result i32)
    (if (i32.eqz (local.get $phase))
      (then
        (if (i64.ne (call $new) (i64.const 0x0000000200000001)) (then (return (i32.const 1))))
        (if (i32.ne (call $f (i32.const 1) (i32.const 16)) (i32.const 0x11))
          (then (return (i32.const 2))))
        (if (i32.ne (call $write (i32.const 2) (i32.const 32) (i32.const 4)) (i32.const 0x40))
          (then (return (i32.const 3))))
        (if (i32.ne (call $set_new) (i32.const 3)) (then (return (i32.const 4))))
        (call $join (i32.const 1) (i32.const 3))
        (return (i32.const 255))))
    (if (i32.ne (call $poll (i32.const 3) (i32.const 48)) (i32.const 1))
      (then (return (i32.const 5))))
    (if (i32.ne (i32.load (i32.const 48)) (i32.const 1)) (then (return (i32.const 6))))
    (if (i32.ne (i32.load (i32.const 52)) (i32.const 2)) (then (return (i32.const 7))))
    (if (i32.ne (i32.load (i32.const 16)) (i32.const 0x40)) (then (return (i32.const 8))))
    (call $drop (i32.const 1))
    (call $drop_w (i32.const 2))
    (call $set_drop (i32.const 3))
    (i32.const 0)))
