/**
 * The walks over a whole memory tier that read its columns and headers in place (no view per
 * batch): ListOffsets by time and -3 (MemoryBatches `indexOfMaxTimestampAtLeast` /
 * `indexOfLargestMaxTimestamp`, PartitionLog `memoryBatchWithTimestampAtLeast` /
 * `memoryBatchWithLargestTimestamp`, timestamp-index.ts), retention's units, the log-dirs size
 * and the offloader's candidates, each checked against the walk through a view of every batch
 * (over `memoryBatchesFrom(0)`, a view per batch, as they were written before) on seeded random partitions: several memories
 * (slabs, a batch's own buffer), multi-record batches with CreateTime timestamps out of order,
 * LogAppendTime and compressed batches, batches without timestamps (-1), heads trimmed by the
 * log start (inside a batch too) and by eviction after an offload, batches the log cleaner
 * removed (gaps) or rewrote (replaced bytes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionSizeBytes } from '../../../src/cluster-admin/log-dirs.service.js';
import { ATTR_TIMESTAMP_LOG_APPEND, Compression, maxTimestampOf, RecordBatchView, recordPositions } from '../../../src/record-format/record-batch.js';
import { retentionUnits, type RetentionUnit } from '../../../src/retention/retention-policy.js';
import type { ColdSegmentInfo, ColdTier } from '../../../src/storage/cold-tier.js';
import { MemoryBatches } from '../../../src/storage/memory-batches.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { NOT_FOUND, offsetForTimestamp, offsetOfMaxTimestamp, type OffsetAndTimestamp } from '../../../src/storage/timestamp-index.js';
import { buildBatch } from '../../support/batch-builder.js';
import { seededRandom } from '../../support/seeded-random.js';
import { partitionOn } from '../../support/storage.js';

const T0 = 1_700_000_000_000;
const GZIP = 1;
const SEEDS = Array.from({ length: 40 }, (_, i) => 1_000 + i);

/** Memory for batches: mostly carved from shared slabs (as the pool does), sometimes a buffer of their own. */
function memorySource(random: () => number): (bytes: Buffer) => Buffer {
  let slab = Buffer.alloc(4_096);
  let used = 0;
  return (bytes) => {
    if (random() < 0.15) return Buffer.from(bytes);
    if (used + bytes.length > slab.length || random() < 0.05) {
      slab = Buffer.alloc(Math.max(4_096, bytes.length));
      used = 0;
    }
    const place = slab.subarray(used, used + bytes.length);
    bytes.copy(place);
    used += bytes.length;
    return place;
  };
}

type Kind = 'create' | 'log-append' | 'compressed' | 'no-timestamp';

/** A batch of 1-`countMax` records at `baseOffset`: CreateTime around `aroundMs` (out of order across batches), or as `kind` says. */
function randomBatch(random: () => number, baseOffset: number, aroundMs: number, appendTimeMs: number, kind: Kind, countMax = 4): Buffer {
  const count = 1 + Math.floor(random() * countMax);
  // Coarse timestamps: batches and records share them (ties: the first holder is the answer).
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${baseOffset + i}`), timestampDelta: 10 * Math.floor(random() * 4) }));
  const batch = buildBatch(records, { baseTimestamp: aroundMs - (aroundMs % 10) + 50 * (Math.floor(random() * 13) - 6) });
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  if (kind === 'log-append') {
    batch.writeInt16BE(batch.readInt16BE(21) | ATTR_TIMESTAMP_LOG_APPEND, 21);
    batch.writeBigInt64BE(BigInt(appendTimeMs), 35);
  } else if (kind === 'compressed') {
    // Only the codec bits: the walks never decompress (a compressed batch answers its base offset).
    batch.writeInt16BE(batch.readInt16BE(21) | GZIP, 21);
  } else if (kind === 'no-timestamp') {
    batch.writeBigInt64BE(-1n, 27);
    batch.writeBigInt64BE(-1n, 35);
  }
  return batch;
}

function randomKind(random: () => number): Kind {
  const r = random();
  return r < 0.7 ? 'create' : r < 0.82 ? 'log-append' : r < 0.94 ? 'compressed' : 'no-timestamp';
}

/** A cold tier holding nothing the walks find (the look-ups fall through to memory); its segments as set. */
function coldTier(segments: () => ColdSegmentInfo[]): ColdTier {
  const unused = (): never => {
    throw new Error('not used by the walks');
  };
  return { segments, read: unused, append: unused, releaseBelow: () => Promise.resolve(), deleteBelow: unused, findBatchByTimestamp: () => Promise.resolve(null), deleteFiles: unused };
}

/** A memory-mode partition of random batches, then trimmed, evicted, compacted and rewritten at random. */
function randomPartition(seed: number): { log: PartitionLog; segments: ColdSegmentInfo[] } {
  const random = seededRandom(seed);
  const segments: ColdSegmentInfo[] = [];
  const log = partitionOn(coldTier(() => segments), false);
  const place = memorySource(random);
  const batchCount = 1 + Math.floor(random() * 300);
  for (let k = 0; k < batchCount; k++) {
    const bytes = place(randomBatch(random, log.highWatermark, T0 + k * 10, T0 + k, randomKind(random)));
    const view = new RecordBatchView(bytes);
    log.append({ baseOffset: log.highWatermark, lastOffset: log.highWatermark + view.lastOffsetDelta, buffer: bytes, appendTimeMs: T0 + k });
  }
  // Offloaded and evicted head: a segment reports the offsets below the memory tier (and maybe a few cached above them).
  if (random() < 0.4) {
    const evictThrough = Math.floor(random() * log.highWatermark * 0.3);
    log.evictThrough(evictThrough);
    const cachedUpTo = Math.min(log.highWatermark, log.memoryStartOffset + Math.floor(random() * 20));
    segments.push({ baseOffset: 0, nextOffset: cachedUpTo, sizeBytes: 1_000 + Math.floor(random() * 1_000), batchCount: 1, lastAppendTimeMs: T0, maxTimestamp: -1 });
  }
  // Log start moved by retention or DeleteRecords, maybe into the middle of a batch.
  if (random() < 0.5) log.advanceLogStart(log.logStartOffset + Math.floor(random() * (log.highWatermark - log.logStartOffset) * 0.4));
  const live = [...log.memoryBatchesFrom(0)];
  // The log cleaner: batches removed (gaps) and batches rewritten with other timestamps.
  if (random() < 0.5 && live.length > 2) log.dropMemoryBatches(live.filter(() => random() < 0.2));
  if (random() < 0.5) {
    for (const batch of [...log.memoryBatchesFrom(0)].filter(() => random() < 0.2)) {
      const span = batch.lastOffset - batch.baseOffset + 1;
      const bytes = place(randomBatch(random, batch.baseOffset, T0 + Math.floor(random() * 3_000), batch.appendTimeMs, randomKind(random), span));
      // The rewrite spans the original's offsets (a compacted batch may hold fewer records: its last delta says where it ends).
      bytes.writeInt32BE(batch.lastOffset - batch.baseOffset, 23);
      log.replaceMemoryBatch(batch, { ...batch, buffer: bytes });
    }
  }
  return { log, segments };
}

/** The answers as the walk through a view of every batch found them (timestamp-index.ts before the in-place walks). */
function offsetForTimestampByViews(log: PartitionLog, timestamp: number): OffsetAndTimestamp {
  for (const stored of log.memoryBatchesFrom(0)) {
    if (maxTimestampOf(stored.buffer) < timestamp) continue;
    const batch = new RecordBatchView(stored.buffer);
    if (stored.lastOffset < log.logStartOffset) continue;
    if (batch.compression !== Compression.None) return { offset: Math.max(stored.baseOffset, log.logStartOffset), timestamp: batch.maxTimestamp };
    for (const record of recordPositions(batch)) {
      const offset = stored.baseOffset + record.offsetDelta;
      if (record.timestamp >= timestamp && offset >= log.logStartOffset) return { offset, timestamp: record.timestamp };
    }
  }
  return NOT_FOUND;
}

function offsetOfMaxTimestampByViews(log: PartitionLog): OffsetAndTimestamp {
  let best: OffsetAndTimestamp = NOT_FOUND;
  for (const stored of log.memoryBatchesFrom(0)) {
    if (maxTimestampOf(stored.buffer) <= best.timestamp) continue;
    const batch = new RecordBatchView(stored.buffer);
    best = { offset: batch.baseOffset + batch.lastOffsetDelta, timestamp: batch.maxTimestamp };
    if (batch.compression === Compression.None) {
      for (const record of recordPositions(batch)) {
        if (record.timestamp === batch.maxTimestamp) {
          best = { offset: batch.baseOffset + record.offsetDelta, timestamp: record.timestamp };
          break;
        }
      }
    }
  }
  return best;
}

function now<T>(answer: T | Promise<T>): T {
  assert.ok(!(answer instanceof Promise), 'a look-up that reaches no segment answers synchronously');
  return answer;
}

/** Every max timestamp held, each minus one and plus one, and some beyond. */
function probes(log: PartitionLog): number[] {
  const timestamps = [...log.memoryBatchesFrom(0)].map((b) => maxTimestampOf(b.buffer));
  return [...new Set([0, 1, T0 - 1_000, T0 + 1e9, ...timestamps.flatMap((t) => [t - 1, t, t + 1])])].filter((t) => t >= 0);
}

describe('walks over the memory tier without a view per batch', () => {
  it('MemoryBatches: the first batch from an index with max timestamp >= T, and the first with the largest, as read through views', () => {
    for (const seed of SEEDS) {
      const random = seededRandom(seed);
      const place = memorySource(random);
      const batches = new MemoryBatches();
      const n = 1 + Math.floor(random() * 200);
      for (let k = 0; k < n; k++) batches.push(k, k, place(randomBatch(random, k, T0 + k * 10, T0 + k, randomKind(random))), T0 + k);
      for (let k = Math.floor(random() * n * 0.3); k > 0; k--) batches.shift();
      batches.settle();
      batches.remove(Array.from({ length: batches.count }, (_, i) => i).filter(() => random() < 0.1));
      for (let i = 0; i < batches.count; i++) if (random() < 0.1) batches.replace(i, place(randomBatch(random, i, T0 + Math.floor(random() * 2_000), T0, randomKind(random))));
      const maxTimestamps = Array.from({ length: batches.count }, (_, i) => maxTimestampOf(batches.view(i)));
      const largest = Math.max(...maxTimestamps);
      assert.equal(batches.indexOfLargestMaxTimestamp(), batches.count === 0 ? -1 : maxTimestamps.indexOf(largest), `seed ${seed}`);
      for (const t of [-1, 0, ...maxTimestamps.flatMap((m) => [m - 1, m, m + 1])]) {
        for (const from of [0, Math.floor(batches.count / 3), batches.count - 1, batches.count]) {
          const expected = maxTimestamps.findIndex((m, i) => i >= from && m >= t);
          assert.equal(batches.indexOfMaxTimestampAtLeast(t, from), expected < 0 ? batches.count : expected, `seed ${seed}, T ${t}, from ${from}`);
        }
      }
    }
  });

  it('MemoryBatches: the max-timestamp summary follows appends, drops from the head, removals and rewrites between look-ups', () => {
    for (const seed of SEEDS.slice(0, 12)) {
      const random = seededRandom(seed);
      const place = memorySource(random);
      const batches = new MemoryBatches();
      let next = 0;
      const push = (count: number): void => {
        for (let k = 0; k < count; k++, next++) {
          const bytes = place(randomBatch(random, next, T0 + next * 10, T0 + next, randomKind(random)));
          // A few batches far in the future, in several blocks: the largest is held more than once.
          if (random() < 0.005) bytes.writeBigInt64BE(BigInt(T0 + 1e9), 35);
          batches.push(next, next, bytes, T0 + next);
        }
      };
      const check = (step: string): void => {
        const maxTimestamps = Array.from({ length: batches.count }, (_, i) => maxTimestampOf(batches.view(i)));
        const largest = Math.max(...maxTimestamps);
        assert.equal(batches.indexOfLargestMaxTimestamp(), batches.count === 0 ? -1 : maxTimestamps.indexOf(largest), `seed ${seed}, ${step}: largest`);
        for (let q = 0; q < 25; q++) {
          const t = maxTimestamps.length > 0 && random() < 0.8 ? maxTimestamps[Math.floor(random() * maxTimestamps.length)]! + Math.floor(random() * 3) - 1 : T0 + Math.floor(random() * next * 10);
          const from = Math.floor(random() * (batches.count + 1));
          const expected = maxTimestamps.findIndex((m, i) => i >= from && m >= t);
          assert.equal(batches.indexOfMaxTimestampAtLeast(t, from), expected < 0 ? batches.count : expected, `seed ${seed}, ${step}: T ${t}, from ${from}`);
        }
      };
      push(1_000 + Math.floor(random() * 1_000));
      for (let round = 0; round < 25; round++) {
        const op = random();
        if (op < 0.35) push(Math.floor(random() * 700));
        else if (op < 0.7) {
          for (let k = Math.floor(random() * Math.min(batches.count, 600)); k > 0; k--) batches.shift();
          batches.settle();
        } else if (op < 0.85) batches.remove(Array.from({ length: batches.count }, (_, i) => i).filter(() => random() < 0.05));
        else for (let i = 0; i < batches.count; i++) if (random() < 0.02) batches.replace(i, place(randomBatch(random, i, T0 + Math.floor(random() * next * 12), T0, randomKind(random))));
        check(`round ${round}`);
      }
    }
  });

  it('MemoryBatches: max timestamps compared as int64 across the 2^31 and 2^32 edges of their halves', () => {
    const edges = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 2 ** 31 - 1, 2 ** 32 + 2 ** 31, 2 ** 40 + 5, 2 ** 53 - 1, -1, T0];
    for (const seed of SEEDS.slice(0, 10)) {
      const random = seededRandom(seed);
      const order = [...edges, ...edges].sort(() => random() - 0.5);
      const holding = (maxTimestamps: readonly number[]): MemoryBatches => {
        const batches = new MemoryBatches();
        const slab = Buffer.alloc(maxTimestamps.length * 64);
        maxTimestamps.forEach((maxTimestamp, k) => {
          const bytes = slab.subarray(k * 64, k * 64 + 64);
          bytes.writeBigInt64BE(BigInt(maxTimestamp), 35);
          batches.push(k, k, bytes, T0 + k);
        });
        return batches;
      };
      for (const cap of edges) {
        const below = order.filter((m) => m <= cap);
        assert.equal(holding(below).indexOfLargestMaxTimestamp(), below.indexOf(cap), `seed ${seed}, largest ${cap}`);
      }
      const batches = holding(order);
      for (const t of edges.flatMap((e) => [e - 1, e, e + 1, e + 0.5])) {
        for (const from of [0, 5, order.length - 1]) {
          const expected = order.findIndex((m, i) => i >= from && m >= t);
          assert.equal(batches.indexOfMaxTimestampAtLeast(t, from), expected < 0 ? order.length : expected, `seed ${seed}, T ${t}, from ${from}`);
        }
      }
    }
  });

  it('ListOffsets by time and -3 answer as the walk through views did', async () => {
    for (const seed of SEEDS) {
      const { log } = randomPartition(seed);
      for (const timestamp of probes(log)) {
        // Through the cold tier's look-up (which finds nothing) when the head was evicted.
        assert.deepEqual(await offsetForTimestamp(log, timestamp), offsetForTimestampByViews(log, timestamp), `seed ${seed}, timestamp ${timestamp}`);
      }
      assert.deepEqual(await offsetOfMaxTimestamp(log), offsetOfMaxTimestampByViews(log), `seed ${seed}, max timestamp`);
    }
  });

  it('the first batch with max timestamp >= T is found past a batch straddling the log start whose records there are older', () => {
    const segments: ColdSegmentInfo[] = [];
    const log = partitionOn(coldTier(() => segments), false);
    // Offsets 0-1: timestamps 5,000 then 1,000; offset 2: 3,000.
    log.append({ baseOffset: 0, lastOffset: 1, buffer: buildBatch([{ value: null, timestampDelta: 4_000 }, { value: null }], { baseTimestamp: 1_000 }), appendTimeMs: T0 });
    const second = buildBatch([{ value: null }], { baseTimestamp: 3_000 });
    second.writeBigInt64BE(2n, 0);
    log.append({ baseOffset: 2, lastOffset: 2, buffer: second, appendTimeMs: T0 + 1 });
    // The first batch's max timestamp (5,000) is at offset 0; the log start moves past it.
    log.advanceLogStart(1);
    assert.deepEqual(now(offsetForTimestamp(log, 2_000)), { offset: 2, timestamp: 3_000 });
    assert.deepEqual(now(offsetForTimestamp(log, 1_000)), { offset: 1, timestamp: 1_000 });
    assert.deepEqual(now(offsetForTimestamp(log, 4_000)), { offset: NOT_FOUND.offset, timestamp: NOT_FOUND.timestamp });
  });

  it('retention walks the same units, log-dirs counts the same bytes, the offloader is offered the same batches', () => {
    for (const seed of SEEDS) {
      const { log, segments } = randomPartition(seed);
      const live = [...log.memoryBatchesFrom(0)];
      const memoryUnits: RetentionUnit[] = live.map((b) => ({ lastOffset: b.lastOffset, sizeBytes: b.buffer.length, lastAppendTimeMs: b.appendTimeMs }));
      const units = Array.from(retentionUnits(log), (u) => ({ ...u }));
      assert.deepEqual(units.slice(units.length - memoryUnits.length), memoryUnits, `seed ${seed}: the memory units`);
      const coldEnd = segments.at(-1)?.nextOffset ?? 0;
      const cached = live.filter((b) => b.baseOffset < coldEnd).reduce((sum, b) => sum + b.buffer.length, 0);
      const segmentBytes = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
      assert.equal(partitionSizeBytes(log), segmentBytes + log.storedBytes - cached, `seed ${seed}: size`);
      for (const from of [0, log.memoryStartOffset, ...live.map((b) => b.baseOffset + 1), log.highWatermark]) {
        const offered = [...log.memoryBatchesFrom(from)].map((b) => [b.baseOffset, b.lastOffset, b.buffer.length]);
        assert.deepEqual(offered, live.filter((b) => b.baseOffset >= from).map((b) => [b.baseOffset, b.lastOffset, b.buffer.length]), `seed ${seed}: from ${from}`);
      }
    }
  });
});
