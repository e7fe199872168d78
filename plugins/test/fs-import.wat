;; fs-import (world fs-import, wit plugins/test/fs-import.wit): a record-plugin that imports
;; wasi:filesystem/preopens. Test only: the broker must refuse to load it.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func $get_directories (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (global.get $heap))
  (func (export "init") (result i32)
    (drop (call $get_directories))
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.const 0))
  (func (export "on-record") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 1)))
