/* CRC-32C (crc32c.c). */
#ifndef BLINK_CRC32C_H
#define BLINK_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* The CRC of the bytes: the crc32 instruction's three streams where the CPU has it, else tables. */
uint32_t crc32c(const uint8_t *p, size_t n);
/* The same through the table code always (the tests check it on CPUs that have the instruction). */
uint32_t crc32c_portable(const uint8_t *p, size_t n);
/* Whether crc32c() uses the instruction. */
int crc32c_accelerated(void);
#endif
