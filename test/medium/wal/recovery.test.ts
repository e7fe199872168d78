/**
 * Medium tests (real temporary directories): what recovery does with the last segment of a
 * partition after a crash. Every batch is checked (length, magic, offset continuity,
 * CRC-32C); the first bad one and everything after it is cut, reported, and the log end,
 * index and producer state are rebuilt from what is left.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PartitionWal } from '../../../src/wal/partition-wal.js';
import { segmentFileName } from '../../../src/wal/segment.js';
import { appendAll, dependencies, policy, RecordingHooks, storedBatch, storedBatches, withTempDir } from '../../support/wal-fixtures.js';

const LOG = segmentFileName(0, '.log');

/** Writes `batches` to <dir>/t-0 as a crashed broker would leave them (no clean shutdown). */
async function writeCrashed(dir: string, batches: ReturnType<typeof storedBatches>): Promise<string> {
  const wal = new PartitionWal(join(dir, 't-0'), policy(), new RecordingHooks(), dependencies(), () => Promise.resolve());
  await appendAll(wal, batches);
  await wal.settled();
  return join(dir, 't-0');
}

async function recover(directory: string) {
  const deps = dependencies();
  const recovered = await PartitionWal.recover(directory, policy(), new RecordingHooks(), deps);
  return { ...recovered, warnings: deps.log.warnings };
}

describe('WAL recovery (medium: real files)', () => {
  it('keeps every whole, valid batch: high watermark, segment and reads as before the crash', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 50, 4);
      const directory = await writeCrashed(dir, batches);
      const recovered = await recover(directory);
      assert.equal(recovered.cut, null);
      assert.equal(recovered.highWatermark, 200);
      assert.equal(recovered.firstOffset, 0);
      const read = await recovered.wal.read(101, 1_000_000, true);
      assert.ok(Buffer.concat(read.chunks).equals(Buffer.concat(batches.slice(25).map((b) => b.buffer))));
      await recovered.wal.shutdown();
    });
  });

  it('cuts a truncated last batch (torn write) and appends continue where the valid data ends', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 10, 2);
      const directory = await writeCrashed(dir, batches);
      const full = (await stat(join(directory, LOG))).size;
      await truncate(join(directory, LOG), full - 7);
      const recovered = await recover(directory);
      assert.equal(recovered.highWatermark, 18, 'the last batch (offsets 18-19) is gone');
      assert.ok(recovered.cut !== null);
      assert.equal(recovered.cut.bytes, batches[9].buffer.length - 7);
      assert.match(recovered.cut.reason, /runs past the end of the file/);
      assert.equal((await stat(join(directory, LOG))).size, full - batches[9].buffer.length, 'the file is truncated at the last valid batch');
      assert.deepEqual(await appendAll(recovered.wal, [storedBatch(18, 2)]), [null]);
      const reread = await recover(directory);
      assert.equal(reread.cut, null, 'after the cut and a new append the segment is clean');
      assert.equal(reread.highWatermark, 20);
      await recovered.wal.shutdown();
      await reread.wal.shutdown();
    });
  });

  it('cuts at a batch whose CRC-32C fails (one flipped byte), dropping it and everything after it', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 10, 1, 200);
      const directory = await writeCrashed(dir, batches);
      const file = await readFile(join(directory, LOG));
      const sixth = batches.slice(0, 6).reduce((sum, b) => sum + b.buffer.length, 0);
      file[sixth + 100] ^= 0x40;
      await writeFile(join(directory, LOG), file);
      const recovered = await recover(directory);
      assert.equal(recovered.highWatermark, 6);
      assert.match(recovered.cut?.reason ?? '', /at byte \d+ \(offset 6\): CRC-32C mismatch/);
      assert.equal((await stat(join(directory, LOG))).size, sixth);
      assert.ok(recovered.warnings.length === 0, 'the cut is reported by the caller (WalStore), not hidden');
      await recovered.wal.shutdown();
    });
  });

  it('cuts a tail shorter than a batch header, and a batch whose base offset goes back (a gap forward is what compaction leaves)', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 4);
      const directory = await writeCrashed(dir, batches);
      await appendFile(join(directory, LOG), Buffer.alloc(30, 0xab));
      const short = await recover(directory);
      assert.equal(short.highWatermark, 4);
      assert.match(short.cut?.reason ?? '', /shorter than a batch header/);
      await short.wal.shutdown();
      await appendFile(join(directory, LOG), storedBatch(9, 1).buffer);
      const gap = await recover(directory);
      assert.equal(gap.cut, null, 'a batch after a gap is kept');
      assert.equal(gap.highWatermark, 10);
      await gap.wal.shutdown();
      await appendFile(join(directory, LOG), storedBatch(5, 1).buffer);
      const back = await recover(directory);
      assert.equal(back.highWatermark, 10);
      assert.match(back.cut?.reason ?? '', /base offset 5 where 10 or later was expected/);
      await back.wal.shutdown();
    });
  });

  it('rebuilds idempotent-producer state from the last segment, on top of its snapshot (one saved before timestamps were kept)', async () => {
    await withTempDir(async (dir) => {
      const hooks = new RecordingHooks();
      const wal = new PartitionWal(join(dir, 't-0'), policy({ segmentBytes: 300 }), hooks, dependencies(), () => Promise.resolve());
      const first = storedBatch(0, 2, 100, 1_000, { producerId: 7, producerEpoch: 0, baseSequence: 0 });
      await appendAll(wal, [first]);
      hooks.snapshot = Buffer.from(JSON.stringify([{ producerId: 7, epoch: 0, recent: [{ firstSeq: 0, lastSeq: 1, baseOffset: 0 }] }]));
      await appendAll(wal, [storedBatch(2, 3, 100, 1_000, { producerId: 7, producerEpoch: 0, baseSequence: 2 })]);
      await wal.settled();
      assert.equal(wal.segmentCount, 2, 'the second batch rolled the segment and saved the snapshot');
      const recovered = await recover(join(dir, 't-0'));
      assert.deepEqual(recovered.producers.snapshot(), [
        {
          producerId: 7,
          epoch: 0,
          recent: [
            { firstSeq: 0, lastSeq: 1, baseOffset: 0, timestamp: -1 },
            { firstSeq: 2, lastSeq: 4, baseOffset: 2, timestamp: 1_000 },
          ],
        },
      ]);
      await recovered.wal.shutdown();
    });
  });
});
