/**
 * Helpers for the log compaction tests: keyed batches with tombstones in any codec,
 * transaction markers built by hand (attributes 0x30, one control record), a reader of a
 * whole partition, and the model a compacted log must satisfy: for every key, the latest
 * record (by offset) is still there with its offset, and offsets ascend.
 */
import assert from 'node:assert/strict';
import { parseRecords } from '../../src/record-format/records.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { buildBatch, type BatchOptions } from './batch-builder.js';
import { compressBatch, decompressedRecords, type TestCodec } from './compressed-batch.js';
import { seededRandom } from './seeded-random.js';

export interface KeyedValue {
  readonly key: string | null;
  /** null: a tombstone. */
  readonly value: string | null;
}

export interface ReadRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
  readonly control: boolean;
}

export function keyedBatch(records: readonly KeyedValue[], codec: TestCodec = 'none', options: BatchOptions = {}): Buffer {
  const batch = buildBatch(
    records.map((r, i) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestampDelta: i })),
    options,
  );
  return codec === 'none' ? batch : compressBatch(batch, codec);
}

/** A transaction marker of `producerId` (type 0 ABORT, 1 COMMIT), as a coordinator writes it. */
export function markerBatch(producerId: number, commit: boolean, timestampMs = 1_700_000_000_000): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  return buildBatch([{ key, value }], { attributes: 0x30, producerId, producerEpoch: 0, baseSequence: -1, baseTimestamp: timestampMs });
}

/** Every record of the concatenated batches, decompressed with the codec libraries. */
export function recordsOf(chunks: readonly Buffer[]): ReadRecord[] {
  const found: ReadRecord[] = [];
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const size = 12 + chunk.readInt32BE(at + 8);
      const batch = chunk.subarray(at, at + size);
      const base = Number(batch.readBigInt64BE(0));
      const baseTimestamp = Number(batch.readBigInt64BE(27));
      const control = (batch.readInt16BE(21) & 0x20) !== 0;
      for (const record of parseRecords(decompressedRecords(batch), batch.readInt32BE(57))) {
        found.push({
          offset: base + record.offsetDelta,
          key: record.key === null ? null : Buffer.from(record.key).toString(),
          value: record.value === null ? null : Buffer.from(record.value).toString(),
          timestamp: baseTimestamp + record.timestampDelta,
          control,
        });
      }
      at += size;
    }
  }
  return found;
}

/** The whole partition from its log start, as a consumer reading from the beginning sees it. */
export async function readPartition(log: PartitionLog): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const read = await log.read(offset, 1024 * 1024, true);
    if (read.bytes === 0) break;
    records.push(...recordsOf(read.chunks).filter((record) => record.offset >= offset));
    offset = read.nextOffset;
  }
  return records;
}

/** The latest record of each key among `produced` (offset → key/value), tombstones included. */
export function latestByKey(produced: ReadonlyArray<{ offset: number; key: string; value: string | null }>): Map<string, { offset: number; value: string | null }> {
  const latest = new Map<string, { offset: number; value: string | null }>();
  for (const record of produced) latest.set(record.key, { offset: record.offset, value: record.value });
  return latest;
}

/**
 * Kafka's guarantee: offsets ascend, every record read was produced at that offset with that
 * key and value, and the latest value of every key is there (a tombstone may be gone once
 * `tombstonesMayGo`).
 */
export function assertCompactedView(read: readonly ReadRecord[], produced: ReadonlyArray<{ offset: number; key: string; value: string | null }>, tombstonesMayGo: boolean): void {
  const byOffset = new Map(produced.map((record) => [record.offset, record]));
  let previous = -1;
  for (const record of read.filter((r) => !r.control)) {
    assert.ok(record.offset > previous, `offsets ascend: ${record.offset} after ${previous}`);
    previous = record.offset;
    const original = byOffset.get(record.offset);
    assert.ok(original !== undefined, `offset ${record.offset} was produced`);
    assert.deepEqual({ key: record.key, value: record.value }, { key: original.key, value: original.value }, `record at ${record.offset} is unchanged`);
  }
  const seen = new Map(read.filter((r) => !r.control).map((record) => [record.offset, record]));
  for (const [key, latest] of latestByKey(produced)) {
    if (latest.value === null && tombstonesMayGo) continue;
    assert.ok(seen.has(latest.offset), `the latest record of ${key} (offset ${latest.offset}) is still there`);
  }
}

export { seededRandom };
