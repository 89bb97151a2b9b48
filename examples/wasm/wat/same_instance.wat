;; same-component-stream-future.wast: within one instance only unit and
;; number elements may be copied; a stream of records (plain data, not a
;; number) traps SAME_INSTANCE at the rendezvous. run traps at the write.
(module
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]f" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]f" (func $write (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (if (i32.ne (call $read (i32.const 1) (i32.const 64) (i32.const 1)) (i32.const -1))
      (then (return (i32.const 1))))
    (drop (call $write (i32.const 2) (i32.const 16) (i32.const 1)))
    (i32.const 2)))
