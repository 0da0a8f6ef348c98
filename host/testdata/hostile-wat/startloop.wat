;; A native-binding plugin whose start function loops forever: unless the
;; host can stop it, its instantiation never ends. It never gets as far as
;; describing itself.
(module
  (memory (export "memory") 1)
  (func (export "gatehouse_abi_v1"))
  (func (export "gatehouse_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "gatehouse_free") (param i32 i32))
  (func (export "gatehouse_describe") (param i32 i32) (result i64) (i64.const 0))
  (func $spin (loop $forever (br $forever)))
  (start $spin)
)
