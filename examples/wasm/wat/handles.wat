;; Handle indices in a fresh instance (the numbers the spec's async tests
;; hard-code; docs/P3.md "Handle tables"): the first stream is readable 1,
;; writable 2; after freeing 1 and then 2, future.new gives readable 2,
;; writable 1. run returns 0, or the number of the check that failed.
(module
  (import "$root" "[stream-new-0]f" (func $stream_new (result i64)))
  (import "$root" "[stream-drop-readable-0]f" (func $stream_drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]f" (func $stream_drop_w (param i32)))
  (import "$root" "[future-new-0]g" (func $future_new (result i64)))
  (import "$root" "[future-drop-readable-0]g" (func $future_drop_r (param i32)))
  (import "$root" "[async-lower][future-write-0]g" (func $future_write (param i32 i32) (result i32)))
  (import "$root" "[future-drop-writable-0]g" (func $future_drop_w (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (local $ends i64)
    (local.set $ends (call $stream_new))
    (if (i64.ne (local.get $ends) (i64.const 0x0000000200000001)) (then (return (i32.const 1))))
    (call $stream_drop_r (i32.const 1))
    (call $stream_drop_w (i32.const 2))
    (local.set $ends (call $future_new))
    (if (i64.ne (local.get $ends) (i64.const 0x0000000100000002)) (then (return (i32.const 2))))
    ;; The reader goes first, so the write sees DROPPED (1) and the
    ;; writable end may then be dropped.
    (call $future_drop_r (i32.const 2))
    (if (i32.ne (call $future_write (i32.const 1) (i32.const 0)) (i32.const 1))
      (then (return (i32.const 3))))
    (call $future_drop_w (i32.const 1))
    (i32.const 0)))
