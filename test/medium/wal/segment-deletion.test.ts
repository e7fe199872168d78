/**
 * Medium tests (real temporary directories, a file system that refuses deletions on demand) of
 * PartitionWal.deleteBelow, what durable retention waits for before it moves a log start: a
 * refused deletion answers with the error, fails the WAL (reported once), leaves every segment
 * listed, readable and on disk and the log start the WAL saves where it was; nothing is deleted
 * while the WAL is failed; once it is resumed the same call deletes. Calls made while one waits
 * in the queue join it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PartitionWal } from '../../../src/wal/partition-wal.js';
import { segmentFileName } from '../../../src/wal/segment.js';
import { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { appendAll, dependencies, policy, RecordingHooks, storedBatches, withTempDir } from '../../support/wal-fixtures.js';

/** The real file system, but deleteFile fails with EPERM (a directory that refuses it) while `refusing` is set; counts the deletions asked for. */
class RefusingDeletes extends WalFileSystem {
  refusing = false;
  deletions = 0;

  override async deleteFile(path: string): Promise<void> {
    this.deletions++;
    if (this.refusing) throw Object.assign(new Error(`EPERM: operation not permitted, unlink '${path}'`), { code: 'EPERM' });
    return super.deleteFile(path);
  }
}

/** A WAL of six one-batch segments (offsets 0-5) in `dir`. */
async function sixSegments(dir: string, fs: WalFileSystem, hooks = new RecordingHooks()): Promise<PartitionWal> {
  const wal = new PartitionWal(join(dir, 't-0'), policy({ segmentBytes: 1 }), hooks, dependencies(fs), () => Promise.resolve());
  assert.deepEqual(await appendAll(wal, storedBatches(0, 6)), [null, null, null, null, null, null]);
  assert.equal(wal.segmentCount, 6);
  return wal;
}

const logFile = (dir: string, base: number): string => join(dir, 't-0', segmentFileName(base, '.log'));

describe('PartitionWal.deleteBelow (medium: real files, refused deletions)', () => {
  it('a refused deletion answers with its error and changes nothing; none is tried while failed; after resume the call deletes', async () => {
    await withTempDir(async (dir) => {
      const fs = new RefusingDeletes();
      const hooks = new RecordingHooks();
      const wal = await sixSegments(dir, fs, hooks);
      fs.refusing = true;
      const error = await wal.deleteBelow(3);
      assert.match(String(error?.message), /EPERM/);
      assert.equal(hooks.failures.length, 1, 'the WAL is failed (reported)');
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [0, 1, 2, 3, 4, 5], 'every segment still listed');
      assert.equal(wal.logStartOffset, 0, 'the log start the WAL saves has not moved');
      assert.ok(existsSync(logFile(dir, 0)), 'the data is on disk');
      const read = await wal.read(0, 1 << 20, true);
      assert.equal(read.nextOffset, 1, 'the oldest segment is still readable (its file was not closed)');
      const tried = fs.deletions;
      assert.equal(await wal.deleteBelow(3), error, 'failed: answered with the failure');
      assert.equal(fs.deletions, tried, 'no deletion tried while failed');
      fs.refusing = false;
      await wal.resume();
      assert.equal(await wal.deleteBelow(3), null);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [3, 4, 5]);
      assert.equal(existsSync(logFile(dir, 0)), false, 'deleted');
      assert.equal(wal.logStartOffset, 0, 'deleteBelow never moves the log start: the partition does (releaseBelow)');
      await wal.shutdown();
    });
  });

  it('calls made while a deletion waits in the queue join it, up to the highest offset', async () => {
    await withTempDir(async (dir) => {
      const wal = await sixSegments(dir, new WalFileSystem());
      const first = wal.deleteBelow(2);
      const second = wal.deleteBelow(4);
      assert.equal(second, first, 'one deletion queued');
      assert.equal(await first, null);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [4, 5]);
      await wal.shutdown();
    });
  });
});
