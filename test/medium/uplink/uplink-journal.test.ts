/**
 * Medium tests (real temporary directories): the uplink's journal brings back each
 * partition's position, offset map and producer state, the remote cluster id and a cut-over
 * in progress after a restart; forgets deleted topics; cuts a torn tail; compacts to the
 * live state; and writes nothing in memory mode.
 */
import assert from 'node:assert/strict';
import { appendFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { OffsetMap } from '../../../src/uplink/offset-map.js';
import { COMPACT_MIN_BYTES, UplinkJournal, type SavedPartition } from '../../../src/uplink/uplink-journal.js';
import { UPLINK_DIRECTORY, WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { FakeClock } from '../../support/fake-clock.js';
import { withTempDir } from '../../support/wal-fixtures.js';

function journal(dir: string, env: Record<string, string> = {}): { journal: UplinkJournal; clock: FakeClock } {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, STORAGE_MODE: 'durable', FSYNC: 'interval', FSYNC_INTERVAL: '200ms', ...env }, cwd: dir });
  const clock = new FakeClock();
  return { journal: new UplinkJournal(config, new WalFileSystem(), clock), clock };
}

const producer = { producerId: 7, producerEpoch: 0, nextSequence: 12 };

describe('UplinkJournal (medium: real files)', () => {
  it('brings back positions, offset maps, producer state, the cluster id and the cut-over after a restart', async () => {
    await withTempDir(async (dir) => {
      const { journal: first } = journal(dir);
      assert.deepEqual(await first.load(), { clusterId: null, fenced: false, partitions: [] });
      first.clusterBound('cluster-A');
      first.progressed({ topic: 'orders', partition: 0, newRuns: [], blinkNext: 5, remoteNext: 0, producer: null });
      first.progressed({ topic: 'orders', partition: 0, newRuns: [{ blinkStart: 5, remoteStart: 0, count: 3 }], blinkNext: 8, remoteNext: 3, producer: { ...producer, nextSequence: 3 } });
      first.progressed({ topic: 'orders', partition: 0, newRuns: [{ blinkStart: 10, remoteStart: 3, count: 2 }], blinkNext: 12, remoteNext: 5, producer: { ...producer, nextSequence: 5 } });
      first.progressed({ topic: 'gone', partition: 0, newRuns: [{ blinkStart: 0, remoteStart: 0, count: 1 }], blinkNext: 1, remoteNext: 1, producer });
      first.topicForgotten('gone');
      first.fenceChanged(true);
      // No clean shutdown: every record is already in the file.
      const { journal: second } = journal(dir);
      const state = await second.load();
      assert.equal(state.clusterId, 'cluster-A');
      assert.equal(state.fenced, true);
      assert.equal(state.partitions.length, 1, 'the forgotten topic is gone');
      const [orders] = state.partitions as SavedPartition[];
      assert.deepEqual(orders.producer, { ...producer, nextSequence: 5 });
      assert.deepEqual([orders.map.blinkNext, orders.map.remoteNext, orders.map.originRemote], [12, 5, 0]);
      const map = OffsetMap.restore(orders.map);
      assert.deepEqual([map.translate(6, 5), map.translate(9, 5), map.translate(11, 5), map.translate(12, 5)], [1, 3, 4, 5]);
      first.onApplicationShutdown();
      second.onApplicationShutdown();
    });
  });

  it('cuts a torn last record and keeps everything before it', async () => {
    await withTempDir(async (dir) => {
      const { journal: first } = journal(dir);
      await first.load();
      first.progressed({ topic: 't', partition: 2, newRuns: [{ blinkStart: 0, remoteStart: 0, count: 4 }], blinkNext: 4, remoteNext: 4, producer });
      first.onApplicationShutdown();
      const path = join(dir, UPLINK_DIRECTORY, 'state.log');
      const whole = (await stat(path)).size;
      await appendFile(path, Buffer.from([0, 0, 0, 80, 9, 9, 9, 9, 0x7b]));
      const { journal: second } = journal(dir);
      const state = await second.load();
      assert.deepEqual(state.partitions.map((p) => [p.topic, p.partition, p.map.blinkNext]), [['t', 2, 4]]);
      assert.equal((await stat(path)).size, whole, 'the torn record is gone');
      second.onApplicationShutdown();
    });
  });

  it('compacts to the live state once it passes COMPACT_MIN_BYTES', async () => {
    await withTempDir(async (dir) => {
      const { journal: first } = journal(dir, { FSYNC: 'never' });
      await first.load();
      const map = new OffsetMap(0, 0);
      first.describeLiveState(() => ({ clusterId: 'c', fenced: false, partitions: [{ topic: 't', partition: 0, map: map.state(), producer }] }));
      const records = Math.ceil(COMPACT_MIN_BYTES / 90) + 10;
      for (let i = 0; i < records; i++) {
        map.advance([{ blinkStart: i, remoteStart: i, count: 1 }], i + 1, i + 1);
        first.progressed({ topic: 't', partition: 0, newRuns: [{ blinkStart: i, remoteStart: i, count: 1 }], blinkNext: i + 1, remoteNext: i + 1, producer });
      }
      const size = (await stat(join(dir, UPLINK_DIRECTORY, 'state.log'))).size;
      assert.ok(size < COMPACT_MIN_BYTES, `compacted: ${size} bytes`);
      first.onApplicationShutdown();
      const { journal: second } = journal(dir);
      const [saved] = (await second.load()).partitions;
      assert.equal(saved?.map.blinkNext, records);
      assert.equal(saved?.map.runs.length, 1, 'consecutive runs are one');
      assert.equal(OffsetMap.restore(saved.map).translate(records - 1, 0), records - 1);
      second.onApplicationShutdown();
    });
  });

  it('syncs on the fsync interval and stops its timer at shutdown', async () => {
    await withTempDir(async (dir) => {
      const { journal: first, clock } = journal(dir);
      await first.load();
      assert.equal(clock.pendingTimers, 1);
      first.onApplicationShutdown();
      assert.equal(clock.pendingTimers, 0);
    });
  });

  it('memory mode: starts empty and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const { journal: memory } = journal(dir, { STORAGE_MODE: 'memory' });
      assert.deepEqual(await memory.load(), { clusterId: null, fenced: false, partitions: [] });
      memory.progressed({ topic: 't', partition: 0, newRuns: [], blinkNext: 1, remoteNext: 1, producer: null });
      memory.onApplicationShutdown();
      assert.deepEqual(await readdir(dir), []);
    });
  });
});
