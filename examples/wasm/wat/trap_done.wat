;; trap-if-done.wast: after a future's rendezvous both ends are done, and
;; any use but drop traps DONE. run traps at its second read.
(module
  (import "$root" "[future-new-0]g" (func $new (result i64)))
  (import "$root" "[async-lower][future-read-0]g" (func $read (param i32 i32) (result i32)))
  (import "$root" "[async-lower][future-write-0]g" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (if (i32.ne (call $write (i32.const 2) (i32.const 16)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $read (i32.const 1) (i32.const 32)) (i32.const 0))
      (then (return (i32.const 2))))
    (drop (call $read (i32.const 1) (i32.const 32)))
    (i32.const 3)))
