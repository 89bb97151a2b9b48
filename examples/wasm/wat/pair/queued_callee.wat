;; The callee of queued_caller.wat: f raises backpressure and waits in the
;; loop; told TASK_CANCELLED (6) it lowers backpressure, drops its set,
;; calls task.cancel and exits.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[backpressure-inc]" (func $bp_inc))
  (import "$root" "[backpressure-dec]" (func $bp_dec))
  (import "[export]example:wat/callee" "[task-cancel]" (func $task_cancel))
  (memory (export "memory") 1 1)
  (global $set (mut i32) (i32.const 0))
  (func (export "[async-lift]example:wat/callee#f") (result i32)
    (call $bp_inc)
    (global.set $set (call $set_new))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]example:wat/callee#f")
        (param $event i32) (param i32 i32) (result i32)
    (if (i32.ne (local.get $event) (i32.const 6)) (then unreachable))
    (call $bp_dec)
    (call $set_drop (global.get $set))
    (call $task_cancel)
    (i32.const 0)))
