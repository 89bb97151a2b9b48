;; A call that waits to enter: the first call is STARTED as subtask 1
;; (0x11) and the callee raises backpressure; a second call waits,
;; STARTING as subtask 2 (0x20); cancelling it takes it off the queue
;; never entered, CANCELLED_BEFORE_STARTED (3) at once; cancelling the
;; first returns CANCELLED_BEFORE_RETURNED (4); both subtasks dropped.
;; run returns 0, or the failed check's number.
(module
  (import "example:wat/callee" "[async-lower]f" (func $f (param i32) (result i32)))
  (import "$root" "[async-lower][subtask-cancel]" (func $cancel (param i32) (result i32)))
  (import "$root" "[subtask-drop]" (func $drop (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (param $phase i32) (result i32)
    (if (i32.ne (call $f (i32.const 16)) (i32.const 0x11)) (then (return (i32.const 1))))
    (if (i32.ne (call $f (i32.const 20)) (i32.const 0x20)) (then (return (i32.const 2))))
    (if (i32.ne (call $cancel (i32.const 2)) (i32.const 3)) (then (return (i32.const 3))))
    (call $drop (i32.const 2))
    (if (i32.ne (call $cancel (i32.const 1)) (i32.const 4)) (then (return (i32.const 4))))
    (call $drop (i32.const 1))
    (i32.const 0)))
