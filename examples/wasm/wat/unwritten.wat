;; futures-must-write.wast: dropping a writable future end before it has
;; written traps FUTURE_UNWRITTEN. run traps at the drop.
(module
  (import "$root" "[future-new-0]g" (func $new (result i64)))
  (import "$root" "[future-drop-writable-0]g" (func $drop_w (param i32)))
  (memory (export "memory") 1 1)
  (func (export "run") (result i32)
    (drop (call $new))                        ;; readable 1, writable 2
    (call $drop_w (i32.const 2))
    (i32.const 1)))
