/**
 * Medium tests (real temporary directories) of the log cleaner on the WAL: a durable
 * partition's sealed segments are rewritten and swapped in (the active segment untouched),
 * what a consumer reads matches the latest-value-per-key model, the result survives a
 * restart, and a crash at every step of the swap (the file system failing there, the WAL
 * abandoned as a killed process leaves it) loses nothing and leaves no duplicate after
 * recovery.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compactionConfigOf } from '../../../src/compaction/cleaner-rules.js';
import { PartitionCleaner, Stepper } from '../../../src/compaction/partition-cleaner.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { PartitionWal } from '../../../src/wal/partition-wal.js';
import { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { assertCompactedView, keyedBatch, readPartition } from '../../support/compaction.js';
import { FakeClock } from '../../support/fake-clock.js';
import { partitionOn } from '../../support/storage.js';
import { dependencies, policy, RecordingHooks, withTempDir } from '../../support/wal-fixtures.js';

const CONFIGS = new Map([
  ['min.cleanable.dirty.ratio', '0.01'],
  ['min.compaction.lag.ms', '0'],
  ['max.compaction.lag.ms', '9223372036854775807'],
  ['delete.retention.ms', '86400000'],
  ['segment.bytes', String(4096)],
]);

/** A file system that throws once its `countdown` of renames, deletes and atomic writes runs out (a crash there). */
class CrashingFileSystem extends WalFileSystem {
  countdown = Number.POSITIVE_INFINITY;
  private tick(what: string): void {
    if (this.countdown-- <= 0) throw new Error(`simulated crash before ${what}`);
  }
  override async rename(from: string, to: string): Promise<void> {
    this.tick(`rename ${from}`);
    return super.rename(from, to);
  }
  override async deleteFile(path: string): Promise<void> {
    this.tick(`delete ${path}`);
    return super.deleteFile(path);
  }
  override async writeAtomically(path: string, data: Buffer, sync: boolean): Promise<void> {
    this.tick(`write ${path}`);
    return super.writeAtomically(path, data, sync);
  }
}

/** A durable partition in `dir` with 40 batches of 5 records over 10 keys (segments of ~4 KiB), the last batch alone in the active segment. */
async function durablePartition(dir: string, fs: WalFileSystem) {
  const clock = new FakeClock();
  const wal = new PartitionWal(join(dir, 't-0'), policy({ segmentBytes: 4096 }), new RecordingHooks(), dependencies(fs, clock), () => Promise.resolve());
  await wal.createFirstSegment(0);
  const log = partitionOn(wal, true);
  const produced: Array<{ offset: number; key: string; value: string | null }> = [];
  for (let b = 0; b < 40; b++) {
    const records = Array.from({ length: 5 }, (_, i) => ({ key: `k${(b * 5 + i) % 10}`, value: (b * 5 + i) % 17 === 0 ? null : `value-${b}-${i}-${'x'.repeat(60)}` }));
    const buffer = keyedBatch(records, b % 2 === 0 ? 'none' : 'lz4');
    const view = new RecordBatchView(buffer);
    view.assignOffsets(log.logEndOffset, 0);
    const base = log.logEndOffset;
    await log.appendDurably({ baseOffset: base, lastOffset: base + 4, buffer, appendTimeMs: clock.nowMs() }, () => undefined);
    records.forEach((r, i) => produced.push({ offset: base + i, key: r.key, value: r.value }));
  }
  return { clock, wal, log, produced };
}

async function cleanOnce(log: ReturnType<typeof partitionOn>, nowMs: number) {
  const state = { cleanedUpTo: log.logStartOffset, lastCleanMs: null, earliestHorizonMs: null, failedUntilMs: 0 };
  return new PartitionCleaner({ firstUnstableOffset: () => null, abortedBetween: () => [] }).clean(log, compactionConfigOf(CONFIGS), state, nowMs, new Stepper(() => false));
}

async function recovered(dir: string) {
  const result = await PartitionWal.recover(join(dir, 't-0'), policy({ segmentBytes: 4096 }), new RecordingHooks(), dependencies());
  return { wal: result.wal, log: partitionOn(result.wal, true, { logStartOffset: result.firstOffset, highWatermark: result.highWatermark }) };
}

describe('log cleaner on the WAL (medium: real files)', () => {
  it('rewrites the sealed segments, keeps the active one, and the compacted log survives a restart', async () => {
    await withTempDir(async (dir) => {
      const { clock, wal, log, produced } = await durablePartition(dir, new WalFileSystem());
      const segmentsBefore = wal.segmentCount;
      const activeBase = wal.segments().at(-1)!.baseOffset;
      const bytesBefore = wal.sizeBytes;
      const stats = await cleanOnce(log, clock.nowMs());
      assert.ok(stats.segmentsSwapped >= 2, `segments swapped: ${stats.segmentsSwapped} of ${segmentsBefore}`);
      assert.ok(wal.sizeBytes < bytesBefore / 2, `the WAL shrank: ${bytesBefore} -> ${wal.sizeBytes}`);
      assert.equal(wal.segments().at(-1)!.baseOffset, activeBase, 'the active segment is untouched');
      const read = await readPartition(log);
      assertCompactedView(read, produced, false);
      assert.ok(read.filter((r) => r.offset < activeBase).length <= 10, 'below the head: one record per key at most');
      await wal.shutdown();
      const after = await recovered(dir);
      assert.deepEqual(await readPartition(after.log), read, 'the same records after a restart');
      assert.equal(after.log.highWatermark, 200);
      await after.wal.shutdown();
    });
  });

  for (let step = 0; step < 9; step++) {
    it(`a crash at file operation ${step} of the swap loses nothing and leaves no duplicate after recovery`, async () => {
      await withTempDir(async (dir) => {
        const fs = new CrashingFileSystem();
        const { clock, log, produced } = await durablePartition(dir, fs);
        const before = await readPartition(log);
        fs.countdown = step;
        await cleanOnce(log, clock.nowMs()).catch(() => undefined);
        // The process is gone: nothing is shut down or closed; recovery reads what is on disk.
        const after = await recovered(dir);
        const names = await readdir(join(dir, 't-0'));
        assert.deepEqual(names.filter((name) => name.endsWith('.cleaned') || name.endsWith('.swap')), [], 'no rewrite is left half done');
        const read = await readPartition(after.log);
        assertCompactedView(read, produced, false);
        assert.equal(after.log.highWatermark, 200, 'the log end is where it was');
        assert.ok(read.length <= before.length, 'never more records than before the pass');
        await after.wal.shutdown();
      });
    });
  }
});
