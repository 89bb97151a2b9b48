;; Drop of the writable end (docs/P3.md "Copies"). While a read is
;; pending that has taken 2 of its 4: the read's event, through a waitable
;; set, is STREAM_READ with DROPPED | 2 << 4 (0x21), and the end is done
;; (only drop is left). While the reader is idle: its next read returns
;; DROPPED | 0 at once.
;; run returns 0, or the number of the check that failed.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[waitable-set-wait]" (func $wait (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]f" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]f" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]f" (func $drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]f" (func $drop_w (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (local $set i32)
    (local $ends i64)
    (drop (call $new))                        ;; readable 1, writable 2
    (local.set $set (call $set_new))
    (call $join (i32.const 1) (local.get $set))
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 4)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $write (i32.const 2) (i32.const 16) (i32.const 2)) (i32.const 0x20))
      (then (return (i32.const 2))))
    (call $drop_w (i32.const 2))
    (if (i32.ne (call $wait (local.get $set) (i32.const 8)) (i32.const 2))
      (then (return (i32.const 3))))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 1)) (then (return (i32.const 4))))
    (if (i32.ne (i32.load (i32.const 12)) (i32.const 0x21)) (then (return (i32.const 5))))
    (call $drop_r (i32.const 1))
    (call $set_drop (local.get $set))
    (local.set $ends (call $new))
    (call $drop_w (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
    (if (i32.ne (call $read (i32.wrap_i64 (local.get $ends)) (i32.const 64) (i32.const 4))
                (i32.const 0x01))
      (then (return (i32.const 6))))
    (call $drop_r (i32.wrap_i64 (local.get $ends)))
    (i32.const 0)))
