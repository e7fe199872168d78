/**
 * Medium tests (real temporary directories, a file system that refuses deletions on demand) of
 * PartitionWal.deleteBelow, what durable retention waits for before it moves a log start: a
 * refused deletion answers with the error and leaves every segment listed, readable and on disk
 * and the log start the WAL saves where it was, but does not fail the WAL: appends go on, and
 * WalHealth says nothing however often the deletion is retried (it used to log a failed/writable
 * pair, and refuse produce, at each retry). The same for releaseBelow (the log start moved: memory
 * mode's retention, purge_on_fetch, DeleteRecords): one warning, not a failure. A WAL failed by a
 * write deletes nothing; once it is resumed the same call deletes. Calls made while one waits in
 * the queue join it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PartitionWal, type PartitionWalHooks, type WalDependencies } from '../../../src/wal/partition-wal.js';
import { segmentFileName } from '../../../src/wal/segment.js';
import { appendAll, dependencies, FaultyFileSystem, policy, RecordingHooks, storedBatches, withTempDir, withWalHealth } from '../../support/wal-fixtures.js';

/**
 * The real file system, but deleteFile fails with EPERM (a directory that refuses it) while
 * `refusing` is set, and writes with ENOSPC while `failingWrites` is; counts the deletions asked for.
 */
class RefusingDeletes extends FaultyFileSystem {
  refusing = false;
  deletions = 0;

  set failingWrites(failing: boolean) {
    this.failing = failing ? 'ENOSPC' : null;
  }

  override async deleteFile(path: string): Promise<void> {
    this.deletions++;
    if (this.refusing) throw Object.assign(new Error(`EPERM: operation not permitted, unlink '${path}'`), { code: 'EPERM' });
    return super.deleteFile(path);
  }
}

/** A WAL of six one-batch segments (offsets 0-5) in `dir`. */
async function sixSegments(dir: string, deps: WalDependencies, hooks: PartitionWalHooks = new RecordingHooks()): Promise<PartitionWal> {
  const wal = new PartitionWal(join(dir, 't-0'), policy({ segmentBytes: 1 }), hooks, deps, () => Promise.resolve());
  assert.deepEqual(await appendAll(wal, storedBatches(0, 6)), [null, null, null, null, null, null]);
  assert.equal(wal.segmentCount, 6);
  return wal;
}

/** What withRefusingWal gives its body. */
interface RefusingWal {
  readonly dir: string;
  readonly wal: PartitionWal;
  readonly fs: RefusingDeletes;
  readonly hooks: RecordingHooks;
  readonly deps: ReturnType<typeof dependencies>;
}

/** Six segments (sixSegments) on a RefusingDeletes file system in a temporary directory, shut down after `body`. */
async function withRefusingWal(body: (setup: RefusingWal) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const fs = new RefusingDeletes();
    const hooks = new RecordingHooks();
    const deps = dependencies(fs);
    const wal = await sixSegments(dir, deps, hooks);
    await body({ dir, wal, fs, hooks, deps });
    await wal.shutdown();
  });
}

const logFile = (dir: string, base: number): string => join(dir, 't-0', segmentFileName(base, '.log'));

describe('PartitionWal.deleteBelow (medium: real files, refused deletions)', () => {
  it('a refused deletion answers with its error and changes nothing, and the WAL still takes appends; once the directory lets go the call deletes', async () => {
    await withRefusingWal(async ({ dir, wal, fs, hooks }) => {
      fs.refusing = true;
      const error = await wal.deleteBelow(3);
      assert.match(String(error?.message), /EPERM/);
      assert.deepEqual(hooks.failures, [], 'the WAL is not failed: no write is at risk');
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [0, 1, 2, 3, 4, 5], 'every segment still listed');
      assert.equal(wal.logStartOffset, 0, 'the log start the WAL saves has not moved');
      assert.ok(existsSync(logFile(dir, 0)), 'the data is on disk');
      const read = await wal.read(0, 1 << 20, true);
      assert.equal(read.nextOffset, 1, 'the oldest segment is still readable (its file was not closed)');
      assert.deepEqual(await appendAll(wal, storedBatches(6, 1)), [null], 'appends go on');
      assert.match(String((await wal.deleteBelow(3))?.message), /EPERM/, 'asked again: refused again');
      fs.refusing = false;
      assert.equal(await wal.deleteBelow(3), null);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [3, 4, 5, 6]);
      assert.equal(existsSync(logFile(dir, 0)), false, 'deleted');
      assert.equal(wal.logStartOffset, 0, 'deleteBelow never moves the log start: the partition does (releaseBelow)');
      assert.deepEqual(hooks.failures, []);
    });
  });

  it('WalHealth logs nothing and stays writable while retried deletions are refused', async () => {
    await withTempDir(async (dir) => {
      const fs = new RefusingDeletes();
      await withWalHealth(dir, fs, async (health, hooks, lines) => {
        const wal = await sixSegments(dir, dependencies(fs), hooks);
        fs.refusing = true;
        const seen: Array<{ deletion: string; failed: boolean; appended: Array<Error | null> }> = [];
        for (let retry = 0; retry < 3; retry++) {
          const deletion = String((await wal.deleteBelow(3))?.message);
          const failed = health.failure !== null;
          // What WalHealth's timer runs between two retries (it resumes the WAL if it was failed).
          await health.probe();
          seen.push({ deletion, failed, appended: await appendAll(wal, storedBatches(6 + retry, 1)) });
        }
        assert.deepEqual(lines, [], 'no failed/writable pair per retry');
        for (const { deletion, failed, appended } of seen) {
          assert.match(deletion, /EPERM/);
          assert.deepEqual([failed, appended], [false, [null]], 'the WAL is not failed; appends go on');
        }
        await wal.shutdown();
      });
    });
  });

  it('a WAL failed by a write deletes nothing (answers with its failure); after resume the call deletes', async () => {
    await withRefusingWal(async ({ wal, fs, hooks }) => {
      fs.failingWrites = true;
      const [writeError] = await appendAll(wal, storedBatches(6, 1));
      assert.match(String(writeError?.message), /ENOSPC/);
      assert.equal(hooks.failures.length, 1, 'the failed write fails the WAL');
      const tried = fs.deletions;
      assert.equal(await wal.deleteBelow(3), hooks.failures[0], 'failed: answered with the failure');
      assert.equal(fs.deletions, tried, 'no deletion tried while failed');
      fs.failingWrites = false;
      await wal.resume();
      assert.equal(await wal.deleteBelow(3), null);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [3, 4, 5]);
    });
  });

  it('releaseBelow (the log start moved): a refused deletion is one warning however often, not a failure; a later release deletes, with one line', async () => {
    await withRefusingWal(async ({ dir, wal, fs, hooks, deps }) => {
      fs.refusing = true;
      for (const offset of [2, 3, 4]) await wal.releaseBelow(offset);
      assert.deepEqual(hooks.failures, [], 'not a failed WAL');
      assert.equal(deps.log.warnings.length, 1, deps.log.warnings.join(' | '));
      assert.match(deps.log.warnings[0]!, /t-0: could not delete a segment file below offset 2 \(EPERM.*\): it stays/);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [0, 1, 2, 3, 4, 5], 'every segment still listed');
      assert.deepEqual(await appendAll(wal, storedBatches(6, 1)), [null], 'appends go on');
      fs.refusing = false;
      await wal.releaseBelow(5);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [5, 6]);
      assert.deepEqual(deps.log.logs.filter((line) => /deleted now/.test(line)), [`${join(dir, 't-0')}: the segment files below offset 5 are deleted now`]);
      assert.equal(deps.log.warnings.length, 1);
    });
  });

  it('calls made while a deletion waits in the queue join it, up to the highest offset', async () => {
    await withTempDir(async (dir) => {
      const wal = await sixSegments(dir, dependencies());
      const first = wal.deleteBelow(2);
      const second = wal.deleteBelow(4);
      assert.equal(second, first, 'one deletion queued');
      assert.equal(await first, null);
      assert.deepEqual(wal.segments().map((segment) => segment.baseOffset), [4, 5]);
      await wal.shutdown();
    });
  });
});
