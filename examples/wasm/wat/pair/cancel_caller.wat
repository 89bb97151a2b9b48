;; cancel-subtask.wast's rule, guest to guest: an async call of a callee
;; that waits in the loop is STARTED as subtask 1 (0x11); an async
;; subtask.cancel runs the callee's callback with TASK_CANCELLED at once,
;; the callee calls task.cancel, and the cancel returns
;; CANCELLED_BEFORE_RETURNED (4); the result's place is untouched; the
;; subtask is then dropped. run returns 0, or the failed check's number.
(module
  (import "example:wat/callee" "[async-lower]f" (func $f (param i32) (result i32)))
  (import "$root" "[async-lower][subtask-cancel]" (func $cancel (param i32) (result i32)))
  (import "$root" "[subtask-drop]" (func $drop (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (param $phase i32) (result i32)
    (i32.store (i32.const 16) (i32.const 7))
    (if (i32.ne (call $f (i32.const 16)) (i32.const 0x11)) (then (return (i32.const 1))))
    (if (i32.ne (call $cancel (i32.const 1)) (i32.const 4)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load (i32.const 16)) (i32.const 7)) (then (return (i32.const 3))))
    (call $drop (i32.const 1))
    (i32.const 0)))
