;; The callee of cancel_caller.wat: f parks itself in the callback loop
;; (WAIT on a set that never gets an event); told TASK_CANCELLED (6) it
;; drops its set, calls task.cancel and exits.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "[export]example:wat/callee" "[task-cancel]" (func $task_cancel))
  (memory (export "memory") 1 1)
  (global $set (mut i32) (i32.const 0))
  (func (export "[async-lift]example:wat/callee#f") (result i32)
    (global.set $set (call $set_new))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]example:wat/callee#f")
        (param $event i32) (param i32 i32) (result i32)
    (if (i32.ne (local.get $event) (i32.const 6)) (then unreachable))
    (call $set_drop (global.get $set))
    (call $task_cancel)
    (i32.const 0)))
