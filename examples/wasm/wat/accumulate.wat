;; A pending read keeps accumulating (docs/P3.md "Copies"), within one
;; instance on a stream<u8>: an async read of 8 blocks; writes of 3 and 3
;; complete at once (COMPLETED | 3 << 4 = 0x30 each); the read's event,
;; delivered through a waitable set, says STREAM_READ (2) on readable end 1
;; with COMPLETED | 6 << 4 = 0x60, and the 6 bytes are where the read
;; asked. Then, with no read pending, a zero-length write is a readiness
;; probe that waits (BLOCKED), and its cancel returns CANCELLED | 0 (2).
;; run returns 0, or the number of the check that failed.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[waitable-set-wait]" (func $wait (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]f" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]f" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-cancel-write-0]f" (func $cancel_write (param i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]f" (func $drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]f" (func $drop_w (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 16) "abcdef")
  (func (export "run") (result i32)
    (local $set i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (local.set $set (call $set_new))          ;; 3
    (call $join (i32.const 1) (local.get $set))
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 8)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $write (i32.const 2) (i32.const 16) (i32.const 3)) (i32.const 0x30))
      (then (return (i32.const 2))))
    (if (i32.ne (call $write (i32.const 2) (i32.const 19) (i32.const 3)) (i32.const 0x30))
      (then (return (i32.const 3))))
    (if (i32.ne (call $wait (local.get $set) (i32.const 8)) (i32.const 2))
      (then (return (i32.const 4))))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 1)) (then (return (i32.const 5))))
    (if (i32.ne (i32.load (i32.const 12)) (i32.const 0x60)) (then (return (i32.const 6))))
    (if (i64.ne (i64.load (i32.const 64)) (i64.load (i32.const 16)))
      (then (return (i32.const 7))))
    ;; Nobody reads now: a zero-length write is a probe that waits.
    (if (i32.ne (call $write (i32.const 2) (i32.const 16) (i32.const 0)) (i32.const -1))
      (then (return (i32.const 8))))
    (if (i32.ne (call $cancel_write (i32.const 2)) (i32.const 2))
      (then (return (i32.const 9))))
    (call $drop_r (i32.const 1))
    (call $drop_w (i32.const 2))
    (call $set_drop (local.get $set))
    (i32.const 0)))
