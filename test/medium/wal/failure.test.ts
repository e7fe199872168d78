/**
 * Medium tests (real temporary directories, a file system that fails on demand): a disk
 * that fills up fails the write in flight and everything queued behind it, damages nothing
 * already written, and the WAL takes appends again once resumed, at the right offset. WalHealth
 * probes where the failure is: a partition directory that keeps refusing new files keeps the WAL
 * failed, with one line when it starts and one when it ends (it used to probe only
 * record_storage_path, resume, fail at the next roll: a failed/writable pair every second).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PartitionWal } from '../../../src/wal/partition-wal.js';
import { segmentFileName } from '../../../src/wal/segment.js';
import { type WalFile, WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { partitionOn } from '../../support/storage.js';
import { appendAll, dependencies, FaultyFileSystem, policy, RecordingHooks, storedBatch, storedBatches, withTempDir, withWalHealth } from '../../support/wal-fixtures.js';

describe('WAL write failures (medium: real files, injected ENOSPC)', () => {
  it('fails the failed write and every append queued behind it, in order, and keeps the written data intact', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFileSystem();
      const hooks = new RecordingHooks();
      const wal = new PartitionWal(join(dir, 't-0'), policy(), hooks, dependencies(fs), () => Promise.resolve());
      const good = storedBatches(0, 3);
      await appendAll(wal, good);
      fs.failing = 'ENOSPC';
      const outcomes = await appendAll(wal, storedBatches(3, 4));
      assert.ok(outcomes.every((outcome) => outcome !== null && /ENOSPC/.test(outcome.message)), String(outcomes));
      assert.equal(hooks.failures.length, 1, 'reported once');
      assert.match(String((await appendAll(wal, [storedBatch(3, 1)]))[0]), /ENOSPC/, 'later appends fail at once');
      fs.failing = null;
      await wal.resume();
      assert.deepEqual(await appendAll(wal, storedBatches(3, 2)), [null, null], 'writable again, continuing at offset 3');
      const file = await readFile(join(dir, 't-0', segmentFileName(0, '.log')));
      const expected = Buffer.concat([...good, ...storedBatches(3, 2)].map((b) => b.buffer));
      assert.ok(file.equals(expected), 'the partial write was cut and overwritten; nothing written before was touched');
      await wal.shutdown();
    });
  });

  it('durable partition: a failed write answers the producer with an error, nothing becomes visible, offsets are reused', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFileSystem();
      const wal = new PartitionWal(join(dir, 't-0'), policy(), new RecordingHooks(), dependencies(fs), () => Promise.resolve());
      const log = partitionOn(wal, true);
      await log.appendDurably(storedBatch(0, 2), () => undefined);
      fs.failing = 'ENOSPC';
      const failed = [log.appendDurably(storedBatch(2, 1), () => undefined), log.appendDurably(storedBatch(3, 1), () => undefined)];
      for (const attempt of failed) await assert.rejects(attempt, /ENOSPC/);
      assert.equal(log.highWatermark, 2);
      assert.equal(log.logEndOffset, 2, 'the offsets of failed appends are handed out again');
      fs.failing = null;
      await wal.resume();
      await log.appendDurably(storedBatch(2, 1), () => undefined);
      assert.equal(log.highWatermark, 3);
      await wal.shutdown();
    });
  });

  it('WalHealth: a reported failure stays until the directory takes writes again, then resumes the failed partitions', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFileSystem();
      await withWalHealth(dir, fs, async (health, hooks) => {
        const wal = new PartitionWal(join(dir, 't-0'), policy(), hooks, dependencies(fs), () => Promise.resolve());
        fs.failing = 'EROFS';
        await appendAll(wal, storedBatches(0, 1));
        assert.match(health.failure?.message ?? '', /EROFS/);
        assert.equal(await health.probe(), false, 'still read-only');
        fs.failing = null;
        assert.equal(await health.probe(), true);
        assert.equal(health.failure, null);
        assert.deepEqual(await appendAll(wal, storedBatches(0, 1)), [null]);
        await wal.shutdown();
      });
    });
  });

  it('WalHealth: a partition directory that refuses new files keeps the WAL failed (one line), rolls refused, until it takes them again (one line)', async () => {
    await withTempDir(async (dir) => {
      const fs = new RefusingDirectory();
      await withWalHealth(dir, fs, async (health, hooks, lines) => {
        // One batch a segment: every append rolls, which creates a file in the partition directory.
        const wal = new PartitionWal(join(dir, 't-0'), policy({ segmentBytes: 1 }), hooks, dependencies(fs), () => Promise.resolve());
        assert.deepEqual(await appendAll(wal, storedBatches(0, 1)), [null]);
        fs.refused = join(dir, 't-0');
        const outcomes: Array<Error | null> = [];
        const probes: boolean[] = [];
        for (let second = 0; second < 3; second++) {
          outcomes.push(...(await appendAll(wal, storedBatches(1, 1))));
          // What WalHealth's timer runs every second while failed.
          probes.push(await health.probe());
        }
        assert.equal(lines.length, 1, `one line while the directory refuses: ${lines.join(' | ')}`);
        assert.match(lines[0]!, /write-ahead log failed.*EPERM/);
        assert.deepEqual(probes, [false, false, false], 'the directory that failed is the one probed');
        assert.ok(outcomes.every((outcome) => outcome !== null && /EPERM/.test(outcome.message)), String(outcomes));
        fs.refused = null;
        assert.equal(await health.probe(), true);
        assert.deepEqual(lines.slice(1).filter((line) => /write-ahead log/.test(line)), ['write-ahead log writable again']);
        assert.deepEqual(await appendAll(wal, storedBatches(1, 1)), [null], 'appends again, at offset 1');
        await wal.shutdown();
      });
    });
  });
});

/** The real file system, but no file can be opened or written below `refused` (a directory made immutable) while it is set. */
class RefusingDirectory extends WalFileSystem {
  refused: string | null = null;

  private check(path: string): void {
    if (this.refused !== null && path.startsWith(`${this.refused}/`)) throw Object.assign(new Error(`EPERM: operation not permitted, open '${path}'`), { code: 'EPERM' });
  }

  override async openFile(path: string): Promise<WalFile> {
    this.check(path);
    return super.openFile(path);
  }

  override async writeAtomically(path: string, data: Buffer, sync: boolean): Promise<void> {
    this.check(path);
    return super.writeAtomically(path, data, sync);
  }

  override async probeWritable(directory: string, bytes: number): Promise<void> {
    this.check(`${directory}/.blink-write-probe`);
    return super.probeWritable(directory, bytes);
  }
}
