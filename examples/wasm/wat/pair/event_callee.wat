;; The callee of event_caller.wat: f yields (YIELD, 1) and, called back
;; with no event (NONE, 0), returns 42 through task.return and exits.
(module
  (import "[export]example:wat/callee" "[task-return]f" (func $return (param i32)))
  (memory (export "memory") 1 1)
  (func (export "[async-lift]example:wat/callee#f") (result i32)
    (i32.const 1))
  (func (export "[callback][async-lift]example:wat/callee#f")
        (param $event i32) (param i32 i32) (result i32)
    (if (i32.ne (local.get $event) (i32.const 0)) (then unreachable))
    (call $return (i32.const 42))
    (i32.const 0)))
