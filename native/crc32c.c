/*
 * CRC-32C (Castagnoli), the Kafka record batch's checksum, as a Node-API addon:
 *
 *   crc32c(buffer) -> the CRC of the bytes as an unsigned 32-bit number
 *   crc32cPortable(buffer) -> the same, always through the table code (for the tests)
 *   accelerated -> true when crc32c uses the CPU's crc32 instruction
 *
 * On x86-64 with SSE4.2 (found at load time) the instruction runs on three independent streams
 * at once: one crc32 has a latency of three cycles and the CPU starts one per cycle, so a single
 * dependent chain (what one stream is) uses a third of it. The buffer goes in blocks of three
 * equal parts, a CRC each, the first two then "shifted" over the length of the parts that follow
 * them and combined by XOR, since a CRC's register is linear in its input:
 *   crc(r, A || B) = crc(r, |B| zero bytes) ^ crc(0, B)
 * The shift over a fixed length is a linear map of the 32-bit register, kept as four tables of
 * 256 entries (one per register byte), built at load time from the instruction itself.
 * Elsewhere: slicing-by-8 tables in plain C (src/record-format/crc32c.ts then keeps
 * @node-rs/crc32, which has its own hardware paths). Built by tools/build-native.mjs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>

/* The Castagnoli polynomial, bit-reflected (CRC-32C processes the least significant bit first). */
#define POLY 0x82f63b78u

/* ---- portable: slicing-by-8 ---- */

static uint32_t slice[8][256];

static void init_slices(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = n;
    for (int k = 0; k < 8; k++) crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
    slice[0][n] = crc;
  }
  for (uint32_t n = 0; n < 256; n++) {
    for (int k = 1; k < 8; k++) slice[k][n] = (slice[k - 1][n] >> 8) ^ slice[0][slice[k - 1][n] & 0xff];
  }
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t word;
  memcpy(&word, p, 8);
  return word;
}

/* The register after the bytes (no initial or final inversion here: the callers do them). */
static uint32_t crc_portable(uint32_t crc, const uint8_t *p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    /* Little-endian byte order assumed for the word; big-endian CPUs take the byte loop. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t word = load64(p) ^ crc;
    crc = slice[7][word & 0xff] ^ slice[6][(word >> 8) & 0xff] ^ slice[5][(word >> 16) & 0xff] ^ slice[4][(word >> 24) & 0xff] ^
          slice[3][(word >> 32) & 0xff] ^ slice[2][(word >> 40) & 0xff] ^ slice[1][(word >> 48) & 0xff] ^ slice[0][word >> 56];
#else
    for (int k = 0; k < 8; k++) crc = (crc >> 8) ^ slice[0][(crc ^ p[k]) & 0xff];
#endif
  }
  for (; n > 0; p++, n--) crc = (crc >> 8) ^ slice[0][(crc ^ *p) & 0xff];
  return crc;
}

/* ---- x86-64 with SSE4.2: three crc32 streams ---- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define HAVE_HW 1
#define HW __attribute__((target("sse4.2")))

/* The part lengths: LONG for big buffers (the produce path's batches are ~1 MB), SHORT for the
 * rest; each a multiple of 8. A block costs two shifts (eight table reads) on top of its bytes. */
#define LONG 8192
#define SHORT 256

/* shift_long[k][b]: the register after LONG zero bytes from the register b << 8k (likewise SHORT). */
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

HW static uint32_t zeros_hw(uint32_t crc, size_t n) {
  uint64_t c = crc;
  for (size_t i = 0; i < n; i += 8) c = _mm_crc32_u64(c, 0);
  return (uint32_t)c;
}

static void init_shift(uint32_t table[4][256], size_t n) {
  uint32_t bit[32];
  for (int i = 0; i < 32; i++) bit[i] = zeros_hw(1u << i, n);
  for (int k = 0; k < 4; k++) {
    for (uint32_t b = 0; b < 256; b++) {
      uint32_t crc = 0;
      for (int i = 0; i < 8; i++) if (b & (1u << i)) crc ^= bit[8 * k + i];
      table[k][b] = crc;
    }
  }
}

static inline uint32_t shift(uint32_t table[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^ table[3][crc >> 24];
}

/* Three parts of `part` bytes from p: the register after all of them. */
#define THREE_STREAMS(part, table)                                        \
  while (n >= 3 * (part)) {                                               \
    uint64_t c1 = 0, c2 = 0;                                              \
    const uint8_t *end = p + (part);                                      \
    do {                                                                  \
      c0 = _mm_crc32_u64(c0, load64(p));                                  \
      c1 = _mm_crc32_u64(c1, load64(p + (part)));                         \
      c2 = _mm_crc32_u64(c2, load64(p + 2 * (part)));                     \
      p += 8;                                                             \
    } while (p < end);                                                    \
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;                       \
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;                       \
    p += 2 * (part);                                                      \
    n -= 3 * (part);                                                      \
  }

HW static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n) {
  for (; n > 0 && ((uintptr_t)p & 7) != 0; p++, n--) crc = _mm_crc32_u8(crc, *p);
  uint64_t c0 = crc;
  THREE_STREAMS(LONG, shift_long)
  THREE_STREAMS(SHORT, shift_short)
  for (; n >= 8; p += 8, n -= 8) c0 = _mm_crc32_u64(c0, load64(p));
  crc = (uint32_t)c0;
  for (; n > 0; p++, n--) crc = _mm_crc32_u8(crc, *p);
  return crc;
}
#endif

static int accelerated = 0;

static uint32_t crc32c(const uint8_t *p, size_t n) {
#ifdef HAVE_HW
  if (accelerated) return ~crc_hw(0xffffffffu, p, n);
#endif
  return ~crc_portable(0xffffffffu, p, n);
}

/* ---- Node-API ---- */

/* The one Buffer (or Uint8Array) argument's bytes, or NULL with a TypeError thrown. */
static const uint8_t *bytes_of(napi_env env, napi_callback_info info, size_t *length) {
  size_t argc = 1;
  napi_value arg;
  bool is_buffer = false;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_is_buffer(env, arg, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, arg, &data, length) != napi_ok) {
    napi_throw_type_error(env, NULL, "crc32c: the argument must be a Buffer");
    return NULL;
  }
  /* An empty buffer may have no storage at all. */
  return *length == 0 || data == NULL ? (const uint8_t *)"" : data;
}

static napi_value to_uint32(napi_env env, uint32_t value) {
  napi_value result = NULL;
  napi_create_uint32(env, value, &result);
  return result;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t length = 0;
  const uint8_t *data = bytes_of(env, info, &length);
  return data == NULL ? NULL : to_uint32(env, crc32c(data, length));
}

static napi_value js_crc32c_portable(napi_env env, napi_callback_info info) {
  size_t length = 0;
  const uint8_t *data = bytes_of(env, info, &length);
  return data == NULL ? NULL : to_uint32(env, ~crc_portable(0xffffffffu, data, length));
}

/* The tables, once per process at dlopen (NAPI_MODULE_INIT runs again in each worker thread). */
__attribute__((constructor)) static void init_tables(void) {
  init_slices();
#ifdef HAVE_HW
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) {
    init_shift(shift_long, LONG);
    init_shift(shift_short, SHORT);
    accelerated = 1;
  }
#endif
}

NAPI_MODULE_INIT() {
  napi_value fn, flag;
  if (napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, js_crc32c, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "crc32c", fn) != napi_ok ||
      napi_create_function(env, "crc32cPortable", NAPI_AUTO_LENGTH, js_crc32c_portable, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "crc32cPortable", fn) != napi_ok ||
      napi_get_boolean(env, accelerated, &flag) != napi_ok ||
      napi_set_named_property(env, exports, "accelerated", flag) != napi_ok) {
    return NULL;
  }
  return exports;
}
