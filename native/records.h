/* The record walk of an uncompressed batch (records.c). */
#ifndef BLINK_RECORDS_H
#define BLINK_RECORDS_H
#include <stddef.h>
#include <stdint.h>

/* Kafka's RecordBatch.NO_TIMESTAMP. */
#define NO_TIMESTAMP (-1.0)

/* RecordRules of batch-validator.ts, and the batch's base timestamp (JavaScript numbers). */
struct record_rules {
  double base_timestamp;
  int check_timestamps; /* CreateTime topic: !rules.logAppendTime */
  double now_ms;
  double before_max_ms; /* may be infinite */
  double after_max_ms;
  int key_required;
};

/* 1 with *max_timestamp set when the `count` records of s[pos, end) pass every rule (as
 * batch-validator.ts's acceptWhole accepts them), else 0: the JavaScript validator decides. */
int accept_records(const uint8_t *s, size_t end, size_t pos, int64_t count, const struct record_rules *rules, double *max_timestamp);
#endif
