;; key-enforcer (world record-plugin): on topics whose name starts with "sensitive.",
;; refuses every record without a key (a null or empty key); other topics pass untouched.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "key-enforcer ready")                           ;; 18 bytes
  (data (i32.const 48) "sensitive.")                                   ;; 10
  (data (i32.const 64) "refused a record without a key")             ;; 30

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))

  ;; 1 if the string at $s (length $len) starts with the 10 bytes "sensitive.".
  (func $is_sensitive (param $s i32) (param $len i32) (result i32)
    (local $i i32)
    (if (i32.lt_u (local.get $len) (i32.const 10)) (then (return (i32.const 0))))
    (block $differs
      (loop $next
        (if (i32.eq (local.get $i) (i32.const 10)) (then (return (i32.const 1))))
        (br_if $differs (i32.ne (i32.load8_u (i32.add (local.get $s) (local.get $i)))
                                (i32.load8_u (i32.add (i32.const 48) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  (func (export "init") (result i32)
    (call $log (i32.const 2) (i32.const 16) (i32.const 18))   ;; info
    (i32.store8 (i32.const 0) (i32.const 0))                   ;; none
    (i32.const 0))

  (func (export "on-record") (param $topic i32) (param $topic_len i32) (param $partition i32)
                             (param $key_set i32) (param $key i32) (param $key_len i32)
                             (param $value i32) (param $value_len i32) (result i32)
    (if (i32.eqz (call $is_sensitive (local.get $topic) (local.get $topic_len))) (then (return (i32.const 1))))
    (if (i32.and (local.get $key_set) (i32.ne (local.get $key_len) (i32.const 0))) (then (return (i32.const 1))))
    (call $log (i32.const 1) (i32.const 64) (i32.const 30))   ;; debug
    (i32.const 0))

  (func (export "cabi_post_on-record") (param i32)
    (global.set $heap (i32.const 1024))))
