;; Cancel of a read with undelivered progress (cancel-stream.wast's rule,
;; docs/P3.md "Copies"): a pending read of 8 takes a write of 3, and
;; stream.cancel-read returns CANCELLED | 3 << 4 (0x32) at once; the
;; bytes are there. A cancel with nothing copied returns CANCELLED | 0.
;; run returns 0, or the number of the check that failed.
(module
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]f" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]f" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-cancel-read-0]f" (func $cancel_read (param i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]f" (func $drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]f" (func $drop_w (param i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 16) "xyz")
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 8)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $write (i32.const 2) (i32.const 16) (i32.const 3)) (i32.const 0x30))
      (then (return (i32.const 2))))
    (if (i32.ne (call $cancel_read (i32.const 1)) (i32.const 0x32))
      (then (return (i32.const 3))))
    (if (i32.ne (i32.load8_u (i32.const 66)) (i32.const 0x7a)) (then (return (i32.const 4))))
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 8)) (i32.const -1))
      (then (return (i32.const 5))))
    (if (i32.ne (call $cancel_read (i32.const 1)) (i32.const 2))
      (then (return (i32.const 6))))
    (call $drop_r (i32.const 1))
    (call $drop_w (i32.const 2))
    (i32.const 0)))
