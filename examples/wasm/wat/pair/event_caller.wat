;; A subtask resolved later, its resolution delivered as an event: the
;; async call of a callee that yields is STARTED as subtask 1 (0x11); the
;; caller joins the subtask to a new set (2) and lets the loop run the
;; callee (run returns 255: one loop step, then phase 1), whose task.return
;; writes 42 at the result's place; then poll gives SUBTASK (1) for
;; waitable 1 with RETURNED (2); the subtask is dropped, then the set.
;; run returns 0, 255 (step the loop), or the failed check's number.
(module
  (import "example:wat/callee" "[async-lower]f" (func $f (param i32) (result i32)))
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[subtask-drop]" (func $drop (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (param $phase i32) (result i32)
    (if (i32.eqz (local.get $phase))
      (then
        (if (i32.ne (call $f (i32.const 16)) (i32.const 0x11)) (then (return (i32.const 1))))
        (if (i32.ne (call $set_new) (i32.const 2)) (then (return (i32.const 2))))
        (call $join (i32.const 1) (i32.const 2))
        (if (i32.ne (i32.load (i32.const 16)) (i32.const 0)) (then (return (i32.const 3))))
        (return (i32.const 255))))
    (if (i32.ne (call $poll (i32.const 2) (i32.const 32)) (i32.const 1))
      (then (return (i32.const 4))))
    (if (i32.ne (i32.load (i32.const 32)) (i32.const 1)) (then (return (i32.const 5))))
    (if (i32.ne (i32.load (i32.const 36)) (i32.const 2)) (then (return (i32.const 6))))
    (if (i32.ne (i32.load (i32.const 16)) (i32.const 42)) (then (return (i32.const 7))))
    (call $drop (i32.const 1))
    (call $set_drop (i32.const 2))
    (i32.const 0)))
