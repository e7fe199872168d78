/*
 * Blink's Node-API addon (built by tools/build-native.mjs into dist/native/blink.node, loaded by
 * src/record-format/native-addon.ts on first use):
 *
 *   crc32c(buffer) -> the CRC-32C of the bytes, an unsigned 32-bit number (crc32c.c)
 *   crc32cPortable(buffer) -> the same through the table code always (for the tests)
 *   accelerated -> true when crc32c uses the CPU's crc32 instruction
 *   acceptRecords(section, start, count, baseTimestamp, checkTimestamps, nowMs, beforeMaxMs,
 *                 afterMaxMs, keyRequired) -> the records' largest timestamp when the `count`
 *                 records of section[start..] pass every rule, else undefined (records.c)
 */
#include <node_api.h>
#include "crc32c.h"
#include "records.h"

/* A Buffer's (or Uint8Array's) bytes, or NULL with a TypeError thrown. */
static const uint8_t *bytes_of(napi_env env, napi_value value, size_t *length) {
  bool is_buffer = false;
  void *data = NULL;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, value, &data, length) != napi_ok) {
    napi_throw_type_error(env, NULL, "the argument must be a Buffer");
    return NULL;
  }
  /* An empty buffer may have no storage at all. */
  return *length == 0 || data == NULL ? (const uint8_t *)"" : data;
}

/* The callback's arguments (missing ones are undefined). */
static int arguments(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

static napi_value to_uint32(napi_env env, uint32_t value) {
  napi_value result = NULL;
  napi_create_uint32(env, value, &result);
  return result;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  napi_value arg;
  size_t length = 0;
  const uint8_t *data = arguments(env, info, 1, &arg) ? bytes_of(env, arg, &length) : NULL;
  return data == NULL ? NULL : to_uint32(env, crc32c(data, length));
}

static napi_value js_crc32c_portable(napi_env env, napi_callback_info info) {
  napi_value arg;
  size_t length = 0;
  const uint8_t *data = arguments(env, info, 1, &arg) ? bytes_of(env, arg, &length) : NULL;
  return data == NULL ? NULL : to_uint32(env, crc32c_portable(data, length));
}

static int number_of(napi_env env, napi_value value, double *out) {
  if (napi_get_value_double(env, value, out) == napi_ok) return 1;
  napi_throw_type_error(env, NULL, "acceptRecords: a number was expected");
  return 0;
}

static int boolean_of(napi_env env, napi_value value, int *out) {
  bool flag = false;
  if (napi_get_value_bool(env, value, &flag) != napi_ok) {
    napi_throw_type_error(env, NULL, "acceptRecords: a boolean was expected");
    return 0;
  }
  *out = flag;
  return 1;
}

static napi_value js_accept_records(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  size_t length = 0;
  double start, count, max_timestamp;
  struct record_rules rules;
  if (!arguments(env, info, 9, argv)) return NULL;
  const uint8_t *section = bytes_of(env, argv[0], &length);
  if (section == NULL || !number_of(env, argv[1], &start) || !number_of(env, argv[2], &count) || !number_of(env, argv[3], &rules.base_timestamp) ||
      !boolean_of(env, argv[4], &rules.check_timestamps) || !number_of(env, argv[5], &rules.now_ms) || !number_of(env, argv[6], &rules.before_max_ms) ||
      !number_of(env, argv[7], &rules.after_max_ms) || !boolean_of(env, argv[8], &rules.key_required)) {
    return NULL;
  }
  if (!(start >= 0 && start <= (double)length && start == (double)(size_t)start) || !(count >= -2147483648.0 && count <= 2147483647.0)) {
    napi_throw_range_error(env, NULL, "acceptRecords: start must be an offset within the section, count an int32");
    return NULL;
  }
  napi_value result = NULL;
  if (accept_records(section, length, (size_t)start, (int64_t)count, &rules, &max_timestamp)) napi_create_double(env, max_timestamp, &result);
  else napi_get_undefined(env, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value value;
  if (napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, js_crc32c, NULL, &value) != napi_ok ||
      napi_set_named_property(env, exports, "crc32c", value) != napi_ok ||
      napi_create_function(env, "crc32cPortable", NAPI_AUTO_LENGTH, js_crc32c_portable, NULL, &value) != napi_ok ||
      napi_set_named_property(env, exports, "crc32cPortable", value) != napi_ok ||
      napi_get_boolean(env, crc32c_accelerated(), &value) != napi_ok ||
      napi_set_named_property(env, exports, "accelerated", value) != napi_ok ||
      napi_create_function(env, "acceptRecords", NAPI_AUTO_LENGTH, js_accept_records, NULL, &value) != napi_ok ||
      napi_set_named_property(env, exports, "acceptRecords", value) != napi_ok) {
    return NULL;
  }
  return exports;
}
