;; trap-if-sync-and-waitable-set.wast: a synchronous stream.read (the
;; import without [async-lower]) on an end that is in a waitable set
;; traps SYNC_IN_SET, before anything blocks. run traps at the read.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[stream-new-0]f" (func $new (result i64)))
  (import "$root" "[stream-read-0]f" (func $read_sync (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (call $join (i32.const 1) (call $set_new))
    (drop (call $read_sync (i32.const 1) (i32.const 64) (i32.const 4)))
    (i32.const 1)))
