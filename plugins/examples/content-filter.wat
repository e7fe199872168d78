;; content-filter (world record-plugin): refuses every record whose value contains
;; "SSN:" or "password" (case-sensitive), and logs a warning naming the topic.
;;
;; Canonical ABI of the world (see docs/PLUGINS.md): the broker places each string argument
;; in this module's memory with cabi_realloc before the call; cabi_post_on-record runs after
;; the broker has read the result, and resets the bump allocator.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  ;; 0..15: init's result; 16..: constant strings; 256..511: a log message being built;
  ;; 1024..: the bump heap for the broker's arguments.
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "content-filter ready")           ;; 20 bytes
  (data (i32.const 48) "SSN:")                           ;; 4
  (data (i32.const 64) "password")                       ;; 8
  (data (i32.const 80) "refused a record on topic ")     ;; 26

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))

  ;; 1 if the needle occurs in the haystack.
  (func $contains (param $hay i32) (param $hay_len i32) (param $needle i32) (param $needle_len i32) (result i32)
    (local $i i32) (local $j i32)
    (if (i32.gt_u (local.get $needle_len) (local.get $hay_len)) (then (return (i32.const 0))))
    (block $not_found
      (loop $next_start
        (br_if $not_found (i32.gt_u (local.get $i) (i32.sub (local.get $hay_len) (local.get $needle_len))))
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $next_byte
            (if (i32.eq (local.get $j) (local.get $needle_len)) (then (return (i32.const 1))))
            (br_if $mismatch (i32.ne (i32.load8_u (i32.add (local.get $hay) (i32.add (local.get $i) (local.get $j))))
                                     (i32.load8_u (i32.add (local.get $needle) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_byte)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_start)))
    (i32.const 0))

  (func (export "init") (result i32)
    (call $log (i32.const 2) (i32.const 16) (i32.const 20))   ;; info
    (i32.store8 (i32.const 0) (i32.const 0))                   ;; none
    (i32.const 0))

  ;; (topic ptr/len, partition, key discriminant/ptr/len, value ptr/len) -> bool
  (func (export "on-record") (param $topic i32) (param $topic_len i32) (param $partition i32)
                             (param $key_set i32) (param $key i32) (param $key_len i32)
                             (param $value i32) (param $value_len i32) (result i32)
    (local $topic_shown i32)
    (if (i32.eqz (i32.or (call $contains (local.get $value) (local.get $value_len) (i32.const 48) (i32.const 4))
                         (call $contains (local.get $value) (local.get $value_len) (i32.const 64) (i32.const 8))))
      (then (return (i32.const 1))))
    ;; "refused a record on topic <topic>", the topic cut to fit the 256-byte buffer.
    (local.set $topic_shown (select (local.get $topic_len) (i32.const 200) (i32.lt_u (local.get $topic_len) (i32.const 200))))
    (memory.copy (i32.const 256) (i32.const 80) (i32.const 26))
    (memory.copy (i32.const 282) (local.get $topic) (local.get $topic_shown))
    (call $log (i32.const 3) (i32.const 256) (i32.add (i32.const 26) (local.get $topic_shown)))   ;; warn
    (i32.const 0))

  (func (export "cabi_post_on-record") (param i32)
    (global.set $heap (i32.const 1024))))
