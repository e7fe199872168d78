import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceedsRetentionBytes, isExpired, isFullyConsumed, retainedBytes, retentionUnits } from '../../../src/retention/retention-policy.js';
import type { ColdSegmentInfo, ColdTier } from '../../../src/storage/cold-tier.js';
import type { StoredBatch } from '../../../src/storage/stored-batch.js';
import { partitionOn } from '../../support/storage.js';

function batchAt(baseOffset: number, count: number, appendTimeMs: number): StoredBatch {
  return { baseOffset, lastOffset: baseOffset + count - 1, buffer: Buffer.alloc(100), appendTimeMs };
}

/** A cold tier that only reports its segments (retention reads nothing else). */
function coldWith(segments: ColdSegmentInfo[]): ColdTier {
  return {
    segments: () => segments,
    read: () => Promise.reject(new Error('not read here')),
    append: (_batch, done) => done(null),
    releaseBelow: () => Promise.resolve(),
    deleteBelow: () => Promise.resolve(null),
    findBatchByTimestamp: () => Promise.resolve(null),
    deleteFiles: () => Promise.resolve(),
  };
}

const segment = (baseOffset: number, nextOffset: number, lastAppendTimeMs: number): ColdSegmentInfo => ({
  baseOffset,
  nextOffset,
  sizeBytes: 1_000,
  batchCount: nextOffset - baseOffset,
  lastAppendTimeMs,
  maxTimestamp: lastAppendTimeMs,
});

describe('retention rules', () => {
  it('isExpired: strictly older than retention.ms; -1 keeps forever', () => {
    const unit = { lastOffset: 0, sizeBytes: 1, lastAppendTimeMs: 1_000 };
    assert.equal(isExpired(unit, 500, 1_500), false);
    assert.equal(isExpired(unit, 500, 1_501), true);
    assert.equal(isExpired(unit, -1, 1e12), false);
  });

  it('exceedsRetentionBytes: over the limit; -1 = no limit', () => {
    assert.equal(exceedsRetentionBytes(101, 100), true);
    assert.equal(exceedsRetentionBytes(100, 100), false);
    assert.equal(exceedsRetentionBytes(1e12, -1), false);
  });

  it('isFullyConsumed: every offset of the unit was returned by a Fetch', () => {
    assert.equal(isFullyConsumed({ lastOffset: 9, sizeBytes: 1, lastAppendTimeMs: 0 }, 10), true);
    assert.equal(isFullyConsumed({ lastOffset: 10, sizeBytes: 1, lastAppendTimeMs: 0 }, 10), false);
  });

  it('memory mode: offloaded segments (clipped below the memory tier), then memory batches, from the log start', () => {
    const log = partitionOn(coldWith([segment(0, 10, 100), segment(10, 20, 200)]), false, { logStartOffset: 5, highWatermark: 20 });
    log.append(batchAt(20, 5, 300));
    log.append(batchAt(25, 5, 400));
    assert.deepEqual(
      Array.from(retentionUnits(log), (u) => [u.lastOffset, u.lastAppendTimeMs]),
      [[9, 100], [19, 200], [24, 300], [29, 400]],
    );
    assert.equal(retainedBytes(log), 2_000 + 200);
  });

  it('durable mode: whole segments only (memory is a copy), counted once', () => {
    const log = partitionOn(coldWith([segment(0, 10, 100), segment(10, 30, 200)]), true, { logStartOffset: 12, highWatermark: 30 });
    assert.deepEqual(Array.from(retentionUnits(log), (u) => u.lastOffset), [29], 'segment 0-9 lies below the log start');
    assert.equal(retainedBytes(log), 2_000);
  });
});
