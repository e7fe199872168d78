/*
 * The record walk of an uncompressed magic-2 batch that passes every rule, in one loop: a copy of
 * acceptWhole in src/record-format/batch-validator.ts, which stays the source of truth (and the
 * wording of every refusal). accept_records says "accepted, with this largest timestamp" exactly
 * when acceptWhole would, or declines; a declined batch is read again by the JavaScript validator.
 * It also declines what it cannot read exactly as JavaScript numbers do (a timestamp delta
 * varlong of 2^53 or more), so that "accepted" never differs.
 */
#include "records.h"

#define INT32_VARINT_LAST_SHIFT 28
#define INT32_VARINT_LAST_BYTE_MAX 0x0f
#define INT64_VARINT_LAST_SHIFT 63
#define EXACT_DOUBLE_MAX (1ull << 53)

/* An int32 varint's bits (before zigzag) ending before `limit`; 0 when malformed or past it. */
static inline int varint_raw(const uint8_t *s, size_t *at, size_t limit, uint32_t *out) {
  uint32_t raw = 0;
  for (int shift = 0; shift <= INT32_VARINT_LAST_SHIFT; shift += 7) {
    if (*at >= limit) return 0;
    uint8_t byte = s[(*at)++];
    if ((byte & 0x80) == 0) {
      if (shift == INT32_VARINT_LAST_SHIFT && byte > INT32_VARINT_LAST_BYTE_MAX) return 0;
      *out = raw | ((uint32_t)byte << shift);
      return 1;
    }
    raw |= (uint32_t)(byte & 0x7f) << shift;
  }
  return 0;
}

static inline int32_t zigzag32(uint32_t raw) {
  return (int32_t)((raw >> 1) ^ (0u - (raw & 1)));
}

/* A zigzag int32 varint; 0 when malformed. One and two bytes (most fields of most records) inline. */
static inline int varint(const uint8_t *s, size_t *at, size_t limit, int32_t *out) {
  size_t p = *at;
  uint32_t raw;
  if (__builtin_expect(p + 1 < limit, 1)) {
    uint32_t b0 = s[p], b1 = s[p + 1];
    if (b0 < 0x80) {
      *at = p + 1;
      *out = zigzag32(b0);
      return 1;
    }
    if (b1 < 0x80) {
      *at = p + 2;
      *out = zigzag32((b0 & 0x7f) | (b1 << 7));
      return 1;
    }
  }
  if (!varint_raw(s, at, limit, &raw)) return 0;
  *out = zigzag32(raw);
  return 1;
}

/* A zigzag int64 varlong, as batch-validator.ts's wholeVarlong reads it; 0 when malformed, past
 * `limit`, or 2^53 or more before zigzag (where JavaScript's arithmetic rounds). */
static inline int varlong(const uint8_t *s, size_t *at, size_t limit, double *out) {
  if (__builtin_expect(*at < limit && s[*at] < 0x80, 1)) {
    uint32_t raw = s[(*at)++];
    *out = (double)zigzag32(raw);
    return 1;
  }
  uint64_t raw = 0;
  for (int shift = 0; shift <= INT64_VARINT_LAST_SHIFT; shift += 7) {
    if (*at >= limit) return 0;
    uint8_t byte = s[(*at)++];
    uint64_t bits = byte & 0x7f;
    if (bits != 0 && (shift >= 53 || bits >= (EXACT_DOUBLE_MAX >> shift))) return 0;
    raw += bits << shift;
    if (raw >= EXACT_DOUBLE_MAX) return 0;
    if ((byte & 0x80) == 0) {
      *out = raw % 2 == 0 ? (double)(raw / 2) : -(double)((raw + 1) / 2);
      return 1;
    }
  }
  return 0;
}

/* The headers of a record from *at (their count first) within record_end; 0 when malformed. */
static int accept_headers(const uint8_t *s, size_t *at, size_t record_end) {
  int32_t headers;
  if (!varint(s, at, record_end, &headers) || headers < 0 || (size_t)headers > record_end - *at) return 0;
  for (; headers > 0; headers--) {
    int32_t key_length, value_length;
    if (!varint(s, at, record_end, &key_length) || key_length < 0 || (size_t)key_length > record_end - *at) return 0;
    *at += (size_t)key_length;
    if (!varint(s, at, record_end, &value_length) || value_length < -1 || (value_length > 0 && (size_t)value_length > record_end - *at)) return 0;
    if (value_length > 0) *at += (size_t)value_length;
  }
  return 1;
}

int accept_records(const uint8_t *s, size_t end, size_t pos, int64_t count, const struct record_rules *rules, double *max_timestamp) {
  double max = NO_TIMESTAMP;
  for (int64_t index = 0; index < count; index++) {
    int32_t length;
    if (!varint(s, &pos, end, &length)) return 0;
    if (length <= 0 || (size_t)length > end - pos) return 0;
    size_t record_end = pos + (size_t)length;
    pos++; /* attributes */
    double timestamp_delta;
    if (!varlong(s, &pos, record_end, &timestamp_delta)) return 0;
    int32_t offset_delta, key_length, value_length;
    if (!varint(s, &pos, record_end, &offset_delta) || offset_delta != index) return 0;
    if (!varint(s, &pos, record_end, &key_length) || key_length < -1 || (key_length == -1 && rules->key_required)) return 0;
    if (key_length > 0) {
      if ((size_t)key_length > record_end - pos) return 0;
      pos += (size_t)key_length;
    }
    if (!varint(s, &pos, record_end, &value_length) || value_length < -1) return 0;
    if (value_length > 0) {
      if ((size_t)value_length > record_end - pos) return 0;
      pos += (size_t)value_length;
    }
    /* The header count: most records have none (one zero byte, their last). */
    if (pos + 1 == record_end && s[pos] == 0) pos = record_end;
    else if (!accept_headers(s, &pos, record_end)) return 0;
    if (pos != record_end) return 0;
    double timestamp = rules->base_timestamp + timestamp_delta;
    if (rules->check_timestamps && timestamp != NO_TIMESTAMP) {
      if (rules->now_ms - timestamp > rules->before_max_ms || timestamp - rules->now_ms > rules->after_max_ms) return 0;
      if (timestamp > max) max = timestamp;
    }
  }
  if (pos != end) return 0;
  *max_timestamp = max;
  return 1;
}
