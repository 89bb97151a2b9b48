;; drop-stream.wast: dropping a readable end whose read has an undelivered
;; partial copy traps BUSY. run traps at the drop.
(module
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]f" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]f" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]f" (func $drop_r (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 4)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $write (i32.const 2) (i32.const 16) (i32.const 2)) (i32.const 0x20))
      (then (return (i32.const 2))))
    (call $drop_r (i32.const 1))
    (i32.const 3)))
