;; wasi-random (world wasi-random, wit plugins/test/wasi-random.wit): a record-plugin that
;; imports wasi:random/random and keeps every record; init returns some(1) once it has
;; drawn a random number. Test only: the broker must load it with a WASI shim.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (import "wasi:random/random@0.2.0" "get-random-u64" (func $random (result i64)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (global.get $heap))
  (func (export "init") (result i32)
    (drop (call $random))
    (i32.store8 (i32.const 0) (i32.const 1))
    (i32.store16 (i32.const 2) (i32.const 1))
    (i32.const 0))
  (func (export "on-record") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 1)))
