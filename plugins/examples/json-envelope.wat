;; json-envelope (world record-transformer): wraps every JSON-object value in an envelope,
;;   {"envelope":"blink","payload":<the original value>}
;; and adds the header `x-blink-envelope: 1`; the key and the other headers are kept.
;; Values that do not start with '{' are dropped (refused); null values (tombstones) are kept.
;; Only the first byte is checked: parsing JSON in WAT is out of scope for an example, and
;; the broker never looks inside values, so a non-JSON value that starts with '{' is wrapped
;; as it is.
;;
;; Canonical ABI of on-records (see docs/PLUGINS.md): params (topic ptr, topic len,
;; partition, records ptr, records len); records are 32-byte elements
;;   +0 key: option<list<u8>> (u8 discriminant, +4 ptr, +8 len)
;;   +12 value: option<list<u8>> (u8 discriminant, +16 ptr, +20 len)
;;   +24 headers: list<header> (ptr, +28 len); a header is 20 bytes: key string (ptr, len),
;;       +8 value option<list<u8>> (discriminant, +12 ptr, +16 len)
;; The result list<verdict> is returned through memory: the function returns a pointer to
;; (verdicts ptr, count), and each verdict is 36 bytes: u8 case (0 keep, 1 drop,
;; 2 replace) and, for replace, a record at +4.
(module
  (import "$root" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "json-envelope ready")
  (data (i32.const 64) "{\"envelope\":\"blink\",\"payload\":")
  (data (i32.const 128) "x-blink-envelope")
  (data (i32.const 160) "1")

  (func $alloc (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (call $alloc (local.get $align) (local.get $size)))

  (func (export "init") (result i32)
    (call $log (i32.const 2) (i32.const 16) (i32.const 19))   ;; info
    (i32.store8 (i32.const 0) (i32.const 0))                    ;; none
    (i32.const 0))

  ;; Writes the replacement of the record at $rec into the verdict at $out.
  (func $wrap (param $rec i32) (param $out i32)
    (local $value i32) (local $value_len i32) (local $new_value i32) (local $new_len i32)
    (local $headers i32) (local $count i32) (local $new_headers i32) (local $added i32)
    (local.set $value (i32.load offset=16 (local.get $rec)))
    (local.set $value_len (i32.load offset=20 (local.get $rec)))
    ;; prefix + value + "}"
    (local.set $new_len (i32.add (local.get $value_len) (i32.const 31)))
    (local.set $new_value (call $alloc (i32.const 1) (local.get $new_len)))
    (memory.copy (local.get $new_value) (i32.const 64) (i32.const 30))
    (memory.copy (i32.add (local.get $new_value) (i32.const 30)) (local.get $value) (local.get $value_len))
    (i32.store8 (i32.add (local.get $new_value) (i32.sub (local.get $new_len) (i32.const 1))) (i32.const 125))
    ;; the old headers, then x-blink-envelope: 1
    (local.set $headers (i32.load offset=24 (local.get $rec)))
    (local.set $count (i32.load offset=28 (local.get $rec)))
    (local.set $new_headers (call $alloc (i32.const 4) (i32.mul (i32.add (local.get $count) (i32.const 1)) (i32.const 20))))
    (memory.copy (local.get $new_headers) (local.get $headers) (i32.mul (local.get $count) (i32.const 20)))
    (local.set $added (i32.add (local.get $new_headers) (i32.mul (local.get $count) (i32.const 20))))
    (i32.store offset=0 (local.get $added) (i32.const 128))
    (i32.store offset=4 (local.get $added) (i32.const 16))
    (i32.store8 offset=8 (local.get $added) (i32.const 1))
    (i32.store offset=12 (local.get $added) (i32.const 160))
    (i32.store offset=16 (local.get $added) (i32.const 1))
    ;; verdict: replace(record { key (copied), value, headers })
    (i32.store8 (local.get $out) (i32.const 2))
    (memory.copy (i32.add (local.get $out) (i32.const 4)) (local.get $rec) (i32.const 12))
    (i32.store8 offset=16 (local.get $out) (i32.const 1))
    (i32.store offset=20 (local.get $out) (local.get $new_value))
    (i32.store offset=24 (local.get $out) (local.get $new_len))
    (i32.store offset=28 (local.get $out) (local.get $new_headers))
    (i32.store offset=32 (local.get $out) (i32.add (local.get $count) (i32.const 1))))

  (func (export "on-records") (param $topic i32) (param $topic_len i32) (param $partition i32)
                              (param $records i32) (param $count i32) (result i32)
    (local $verdicts i32) (local $ret i32) (local $i i32) (local $rec i32) (local $out i32)
    (local.set $verdicts (call $alloc (i32.const 4) (i32.mul (local.get $count) (i32.const 36))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $rec (i32.add (local.get $records) (i32.mul (local.get $i) (i32.const 32))))
        (local.set $out (i32.add (local.get $verdicts) (i32.mul (local.get $i) (i32.const 36))))
        (if (i32.eqz (i32.load8_u offset=12 (local.get $rec)))
          (then (i32.store8 (local.get $out) (i32.const 0)))            ;; null value: keep
          (else
            (if (i32.and (i32.ne (i32.load offset=20 (local.get $rec)) (i32.const 0))
                         (i32.eq (i32.load8_u (i32.load offset=16 (local.get $rec))) (i32.const 123)))
              (then (call $wrap (local.get $rec) (local.get $out)))       ;; '{': replace
              (else (i32.store8 (local.get $out) (i32.const 1))))))       ;; anything else: drop
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $ret (call $alloc (i32.const 4) (i32.const 8)))
    (i32.store offset=0 (local.get $ret) (local.get $verdicts))
    (i32.store offset=4 (local.get $ret) (local.get $count))
    (local.get $ret))

  (func (export "cabi_post_on-records") (param i32)
    (global.set $heap (i32.const 1024))))
