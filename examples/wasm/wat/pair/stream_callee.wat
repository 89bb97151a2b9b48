;; The callee of stream_caller.wat: f(s: stream<u8>) gets the moved
;; readable end as its index 1, joins it to its set (2), posts an async
;; read of 8 bytes at 100 (BLOCKED) and waits; called back with the read's
;; STREAM_READ (2) event on end 1, COMPLETED | 4 (0x40), "abcd" at 100, it
;; returns 0x40 through task.return, drops its end and set and exits.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "[export]example:wat/callee" "[async-lower][stream-read-0]f"
    (func $read (param i32 i32 i32) (result i32)))
  (import "[export]example:wat/callee" "[stream-drop-readable-0]f" (func $drop_r (param i32)))
  (import "[export]example:wat/callee" "[task-return]f" (func $return (param i32)))
  (memory (export "memory") 1 1)
  (global $set (mut i32) (i32.const 0))
  (func (export "[async-lift]example:wat/callee#f") (param $s i32) (result i32)
    (if (i32.ne (local.get $s) (i32.const 1)) (then unreachable))
    (global.set $set (call $set_new))
    (call $join (i32.const 1) (global.get $set))
    (if (i32.ne (call $read (i32.const 1) (i32.const 100) (i32.const 8)) (i32.const -1))
      (then unreachable))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]example:wat/callee#f")
        (param $event i32) (param $end i32) (param $payload i32) (result i32)
    (if (i32.ne (local.get $event) (i32.const 2)) (then unreachable))
    (if (i32.ne (local.get $end) (i32.const 1)) (then unreachable))
    (if (i32.ne (local.get $payload) (i32.const 0x40)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 100)) (i32.const 0x64636261)) (then unreachable))
    (call $return (local.get $payload))
    (call $drop_r (i32.const 1))
    (call $set_drop (global.get $set))
    (i32.const 0))
  ;; The parameter block's place (one call).
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (i32.const 512)))
