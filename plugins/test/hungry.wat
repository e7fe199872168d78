;; hungry (world record-plugin): on a value that starts with "HUNG", grows its memory 1 MiB
;; (16 pages) at a time, writing to every new 64 KiB page, until the memory cap refuses to
;; grow it, then traps (as an allocator does when memory runs out). Keeps every other record.
;; Test only: the broker must contain it within plugin_max_memory.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))
  (func (export "init") (result i32)
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.const 0))
  (func (export "on-record") (param i32 i32 i32 i32 i32 i32) (param $value i32) (param $value_len i32) (result i32)
    (local $page i32) (local $end i32)
    (if (i32.and (i32.ge_u (local.get $value_len) (i32.const 4))
                 (i32.eq (i32.load (local.get $value)) (i32.const 0x474e5548)))   ;; "HUNG" little-endian
      (then
        (loop $more
          (local.set $page (memory.grow (i32.const 16)))
          (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
          (local.set $end (i32.add (local.get $page) (i32.const 16)))
          (loop $touch
            (i32.store (i32.mul (local.get $page) (i32.const 65536)) (local.get $page))
            (local.set $page (i32.add (local.get $page) (i32.const 1)))
            (br_if $touch (i32.lt_u (local.get $page) (local.get $end))))
          (br $more))))
    (i32.const 1))
  (func (export "cabi_post_on-record") (param i32)
    (global.set $heap (i32.const 1024))))
