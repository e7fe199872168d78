/**
 * Medium tests (the whole AppModule on a temporary directory, no sockets) of what a node
 * says about itself through the cluster-admin services:
 * - partition sizes are the bytes produced, whether memory holds them, the WAL took them
 *   under memory pressure (memory mode), or a restart left them only on disk (durable);
 * - finalized feature levels and the metadata offset are saved in durable mode and come
 *   back after a restart; memory mode starts each run from the initial levels.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { AppModule } from '../../../src/app.module.js';
import { ClusterMetadataLog } from '../../../src/cluster-admin/cluster-metadata-log.js';
import { FeatureUpdatesService, UpgradeType } from '../../../src/cluster-admin/feature-updates.service.js';
import { LogDirsService } from '../../../src/cluster-admin/log-dirs.service.js';
import { FinalizedFeatures, GROUP_VERSION } from '../../../src/cluster/features.js';
import { loadSettings } from '../../../src/config/settings.js';
import { ProduceService } from '../../../src/produce/produce.service.js';
import { StorageRecovery } from '../../../src/recovery/storage-recovery.js';
import { TopicsService } from '../../../src/topics/topics.service.js';
import { Offloader } from '../../../src/wal/offloader.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

async function compile(dir: string, env: Record<string, string>): Promise<TestingModule> {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, LOG_LEVEL: 'error', MAX_MEMORY: '64MB', ...env }, cwd: dir });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  await moduleRef.init();
  await moduleRef.get(StorageRecovery).completed();
  return moduleRef;
}

async function close(moduleRef: TestingModule): Promise<void> {
  await moduleRef.close();
  register.clear();
}

/** Produces `batches` to orders-`partition` and returns their total size. */
async function produce(app: TestingModule, partition: number, batches: Buffer[]): Promise<number> {
  for (const records of batches) {
    const [outcome] = await app.get(ProduceService).produce([{ topic: 'orders', partition, records }], 1_000, Date.now());
    assert.equal(outcome!.errorCode, 0, JSON.stringify(outcome));
  }
  return batches.reduce((sum, batch) => sum + batch.length, 0);
}

async function sizes(app: TestingModule): Promise<number[]> {
  const dir = await app.get(LogDirsService).describe([{ topic: 'orders', partitions: [0, 1] }]);
  return dir.topics[0]!.partitions.map((p) => p.sizeBytes);
}

const batchesOf = (count: number, recordsEach: number): Buffer[] => Array.from({ length: count }, (_, i) => buildBatch(values(recordsEach, `b${i}-`)));

describe('cluster-admin services on a real data directory', () => {
  it('memory mode: sizes count each batch once, in memory or offloaded to the WAL; levels start anew each run', async () => {
    await withTempDir(async (dir) => {
      const app = await compile(dir, { STORAGE_MODE: 'memory' });
      try {
        await app.get(TopicsService).create({ name: 'orders', partitionCount: 2, replicationFactor: 1, assignments: [], configs: [] }, false);
        const expected = [await produce(app, 0, batchesOf(6, 20)), await produce(app, 1, batchesOf(1, 3))];
        assert.deepEqual(await sizes(app), expected, 'all in memory');
        const freed = await app.get(Offloader).relieve(expected[0]! / 2);
        assert.ok(freed > 0, 'some batches went to the WAL');
        assert.deepEqual(await sizes(app), expected, 'part in the WAL, the rest in memory');
        const described = await app.get(LogDirsService).describe(null);
        assert.equal(described.path, dir);
        assert.ok(described.totalBytes > 0 && described.usableBytes > 0 && described.usableBytes <= described.totalBytes);
        await app.get(FeatureUpdatesService).update([{ feature: GROUP_VERSION, level: 0, upgradeType: UpgradeType.SAFE_DOWNGRADE }], false);
      } finally {
        await close(app);
      }
      const again = await compile(dir, { STORAGE_MODE: 'memory' });
      try {
        assert.equal(again.get(FinalizedFeatures).level(GROUP_VERSION), 1, 'memory mode keeps nothing');
      } finally {
        await close(again);
      }
    });
  });

  it('durable mode: sizes come from the segments, before and after a restart; levels and the metadata offset are saved', async () => {
    await withTempDir(async (dir) => {
      const env = { STORAGE_MODE: 'durable', FSYNC: 'never' };
      const first = await compile(dir, env);
      let expected: number[];
      let offsetBefore: number;
      try {
        await first.get(TopicsService).create({ name: 'orders', partitionCount: 2, replicationFactor: 1, assignments: [], configs: [] }, false);
        expected = [await produce(first, 0, batchesOf(4, 10)), 0];
        assert.deepEqual(await sizes(first), expected);
        const results = await first.get(FeatureUpdatesService).update([{ feature: GROUP_VERSION, level: 0, upgradeType: UpgradeType.SAFE_DOWNGRADE }], false);
        assert.deepEqual(results.map((r) => r.errorCode), [0]);
        offsetBefore = first.get(ClusterMetadataLog).lastOffset;
        assert.ok(offsetBefore >= 3, `boot, topic creation and the update are metadata changes: ${offsetBefore}`);
      } finally {
        await close(first);
      }
      const saved = JSON.parse(await readFile(join(dir, '__cluster_metadata', 'metadata.json'), 'utf8'));
      assert.equal(saved.features[GROUP_VERSION], 0);

      const second = await compile(dir, env);
      try {
        assert.deepEqual(await sizes(second), expected, 'memory is empty after the restart: the segments hold it all');
        const features = second.get(FinalizedFeatures);
        assert.equal(features.level(GROUP_VERSION), 0);
        assert.equal(features.epoch, saved.featuresEpoch);
        assert.ok(second.get(ClusterMetadataLog).lastOffset > offsetBefore, 'the offset never goes back: the restart is one more change');
      } finally {
        await close(second);
      }
    });
  });
});
