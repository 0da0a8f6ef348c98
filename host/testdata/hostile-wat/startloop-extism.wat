;; startloop.wat on the Extism binding, which the Extism SDK instantiates as
;; it is.
(module
  (import "extism:host/env" "input_length" (func (result i64)))
  (memory (export "memory") 1)
  (func (export "gatehouse_abi_v1"))
  (func (export "gatehouse_describe") (result i32) (i32.const 0))
  (func $spin (loop $forever (br $forever)))
  (start $spin)
)
