/**
 * The one log directory of a node (LogDirsService, partitionSizeBytes), without disk: a
 * partition's size is its segments' bytes plus the memory batches past their end, each
 * batch counted once (memory mode before and after an offload, durable mode where memory
 * only caches what the segments hold); the selection rules of DescribeLogDirs and the one
 * directory AlterReplicaLogDirs accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogDirsService, partitionSizeBytes } from '../../../src/cluster-admin/log-dirs.service.js';
import type { ColdSegmentInfo, ColdTier } from '../../../src/storage/cold-tier.js';
import type { StoredBatch } from '../../../src/storage/stored-batch.js';
import type { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { partitionOn } from '../../support/storage.js';
import { storedBatch } from '../../support/wal-fixtures.js';
import { domain } from '../topics/support.js';

/** A cold tier that only reports the segments it is given. */
function coldTier(segments: ColdSegmentInfo[]): ColdTier {
  const unused = (): never => {
    throw new Error('not used by the size');
  };
  return { segments: () => segments, read: unused, append: unused, releaseBelow: unused, deleteBelow: unused, findBatchByTimestamp: unused, deleteFiles: unused };
}

function segmentOf(batches: readonly StoredBatch[]): ColdSegmentInfo {
  return {
    baseOffset: batches[0]!.baseOffset,
    nextOffset: batches.at(-1)!.lastOffset + 1,
    sizeBytes: batches.reduce((sum, b) => sum + b.buffer.length, 0),
    batchCount: batches.length,
    lastAppendTimeMs: 0,
    maxTimestamp: -1,
  };
}

const bytesOf = (batches: readonly StoredBatch[]): number => batches.reduce((sum, b) => sum + b.buffer.length, 0);

describe('partition size', () => {
  const batches = [storedBatch(0, 3, 100), storedBatch(3, 2, 50), storedBatch(5, 1, 700)];

  it('memory mode, nothing offloaded: the memory batches', () => {
    const log = partitionOn(coldTier([]), false);
    for (const batch of batches) log.append(batch);
    assert.equal(partitionSizeBytes(log), bytesOf(batches));
  });

  it('memory mode, the oldest batches offloaded and still cached: each counted once', () => {
    const log = partitionOn(coldTier([segmentOf(batches.slice(0, 2))]), false);
    for (const batch of batches) log.append(batch);
    assert.equal(partitionSizeBytes(log), bytesOf(batches));
    log.evictThrough(4);
    assert.equal(partitionSizeBytes(log), bytesOf(batches), 'evicted from memory: still on disk');
  });

  it('durable mode: the segments hold everything memory holds', () => {
    const log = partitionOn(coldTier([segmentOf(batches.slice(0, 1)), segmentOf(batches.slice(1))]), true, { logStartOffset: 0, highWatermark: 3 });
    for (const batch of batches.slice(1)) log.append({ ...batch });
    assert.equal(partitionSizeBytes(log), bytesOf(batches));
  });
});

describe('the log directory', () => {
  function service() {
    const { registry, topics, config } = domain({ RECORD_STORAGE_PATH: '/var/blink' });
    const fs = { space: async () => ({ capacityBytes: 1_000, freeBytes: 400 }) } as unknown as WalFileSystem;
    registry.create('alpha', 2);
    registry.create('beta', 1);
    registry.get('alpha')!.partitions[1]!.append(storedBatch(0, 2, 64));
    return { dirs: new LogDirsService(config, registry, topics, fs), size: storedBatch(0, 2, 64).buffer.length };
  }

  it('is record_storage_path, with the volume and every partition', async () => {
    const { dirs, size } = service();
    assert.deepEqual(await dirs.describe(null), {
      path: '/var/blink',
      totalBytes: 1_000,
      usableBytes: 400,
      topics: [
        { name: 'alpha', partitions: [{ partition: 0, sizeBytes: 0 }, { partition: 1, sizeBytes: size }] },
        { name: 'beta', partitions: [{ partition: 0, sizeBytes: 0 }] },
      ],
    });
  });

  it('lists the named partitions that exist, each once; a topic with none is left out', async () => {
    const { dirs, size } = service();
    const described = await dirs.describe([
      { topic: 'alpha', partitions: [1, 7, 1] },
      { topic: 'nope', partitions: [0] },
      { topic: 'beta', partitions: [3] },
      { topic: 'alpha', partitions: [0] },
    ]);
    assert.deepEqual(described.topics, [{ name: 'alpha', partitions: [{ partition: 1, sizeBytes: size }, { partition: 0, sizeBytes: 0 }] }]);
    assert.deepEqual((await dirs.describe([])).topics, []);
  });

  it('takes a replica "moved" to itself (relative or trailing-slash paths resolved); any other path is LOG_DIR_NOT_FOUND', () => {
    const { dirs } = service();
    const partitions = [{ topic: 'alpha', partition: 0 }, { topic: 'alpha', partition: 5 }, { topic: 'nope', partition: 0 }];
    assert.deepEqual(dirs.moveReplicas('/var/blink/', partitions).map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.deepEqual(dirs.moveReplicas('/var/other', partitions).map((m) => m.errorCode), [ErrorCode.LOG_DIR_NOT_FOUND, ErrorCode.LOG_DIR_NOT_FOUND, ErrorCode.LOG_DIR_NOT_FOUND]);
  });
});
