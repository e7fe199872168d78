/**
 * Medium tests (real temporary directories): a partition's WAL writes batches into segment
 * files exactly as stored, reads them back by offset, rolls by size and by age, and opens
 * sealed segments from their index.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ReadResult } from '../../../src/storage/partition-log.js';
import { PartitionWal, shouldRoll } from '../../../src/wal/partition-wal.js';
import { parseSegmentFileName, segmentFileName } from '../../../src/wal/segment.js';
import { FakeClock } from '../../support/fake-clock.js';
import { appendAll, dependencies, policy, RecordingHooks, storedBatch, storedBatches, withTempDir } from '../../support/wal-fixtures.js';

function newWal(dir: string, options: Parameters<typeof policy>[0] = {}, clock?: FakeClock): PartitionWal {
  return new PartitionWal(join(dir, 't-0'), policy(options), new RecordingHooks(), dependencies(undefined, clock), () => Promise.resolve());
}

function bytesOf(result: ReadResult): Buffer {
  return Buffer.concat(result.chunks);
}

describe('WAL segments (medium: real files)', () => {
  it('names segments by their 20-digit base offset', () => {
    assert.equal(segmentFileName(1234, '.log'), '00000000000000001234.log');
    assert.equal(parseSegmentFileName('00000000000000001234.log'), 1234);
    assert.equal(parseSegmentFileName('00000000000000001234.index'), null);
    assert.equal(parseSegmentFileName('1234.log'), null);
  });

  it('writes the batches exactly as stored, one after the other, in <dir>/<topic>-<partition>/<base>.log', async () => {
    await withTempDir(async (dir) => {
      const wal = newWal(dir);
      const batches = storedBatches(0, 20, 3);
      assert.deepEqual(await appendAll(wal, batches), batches.map(() => null));
      const file = await readFile(join(dir, 't-0', '00000000000000000000.log'));
      assert.ok(file.equals(Buffer.concat(batches.map((b) => b.buffer))), 'the log file is the concatenated batches');
      assert.equal(wal.nextOffset, 60);
      assert.equal(wal.batchCount, 20);
      await wal.shutdown();
    });
  });

  it('reads whole batches from the one holding an offset, up to max bytes, and the first one even when oversized', async () => {
    await withTempDir(async (dir) => {
      const wal = newWal(dir);
      const batches = storedBatches(0, 200, 5, 300);
      await appendAll(wal, batches);
      const size = batches[0].buffer.length;
      const middle = await wal.read(502, size * 3, false);
      assert.ok(bytesOf(middle).equals(Buffer.concat(batches.slice(100, 103).map((b) => b.buffer))), 'batches 100..102, from the one holding offset 502');
      assert.equal(middle.nextOffset, 515);
      const tooSmall = await wal.read(502, size - 1, false);
      assert.equal(tooSmall.bytes, 0, 'nothing fits and no oversized first batch was asked for');
      const oversized = await wal.read(502, size - 1, true);
      assert.ok(bytesOf(oversized).equals(batches[100].buffer), 'KIP-74: the first batch alone');
      assert.equal((await wal.read(1000, 1_000_000, true)).bytes, 0, 'nothing at the log end');
      await wal.shutdown();
    });
  });

  it('reads every offset back correctly through the sparse index (batches of mixed sizes)', async () => {
    await withTempDir(async (dir) => {
      const wal = newWal(dir);
      const batches = Array.from({ length: 300 }, (_, i) => storedBatch(i * 2, 2, [10, 3000, 200, 9000][i % 4]));
      await appendAll(wal, batches);
      for (let offset = 0; offset < 600; offset += 7) {
        const result = await wal.read(offset, 1, true);
        assert.ok(bytesOf(result).equals(batches[Math.floor(offset / 2)].buffer), `offset ${offset}`);
      }
      await wal.shutdown();
    });
  });

  it('rolls to a new segment when a write would pass segment.bytes, and reads across segments', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 40, 1, 1000);
      const size = batches[0].buffer.length;
      const wal = newWal(dir, { segmentBytes: size * 10 });
      for (const batch of batches) await appendAll(wal, [batch]);
      const logs = (await readdir(join(dir, 't-0'))).filter((name) => name.endsWith('.log')).sort();
      assert.deepEqual(logs, [0, 10, 20, 30].map((base) => segmentFileName(base, '.log')));
      for (const name of logs) assert.equal((await stat(join(dir, 't-0', name))).size, size * 10, `${name} holds 10 batches`);
      assert.ok(bytesOf(await wal.read(25, size * 2, false)).equals(Buffer.concat([batches[25].buffer, batches[26].buffer])));
      const sealed = (await readdir(join(dir, 't-0'))).filter((name) => name.endsWith('.index')).sort();
      assert.deepEqual(sealed, [0, 10, 20].map((base) => segmentFileName(base, '.index')), 'rolled segments are sealed with their index');
      await wal.shutdown();
    });
  });

  it('rolls when the active segment is older than segment.ms', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const wal = newWal(dir, { segmentMs: 500 }, clock);
      await appendAll(wal, storedBatches(0, 3));
      clock.advance(499);
      await appendAll(wal, storedBatches(3, 1));
      clock.advance(1);
      await appendAll(wal, storedBatches(4, 1));
      assert.deepEqual(wal.segments().map((s) => s.baseOffset), [0, 4]);
      await wal.shutdown();
    });
  });

  it('shouldRoll: never an empty segment; by size and by age otherwise', async () => {
    await withTempDir(async (dir) => {
      const wal = newWal(dir);
      await appendAll(wal, storedBatches(0, 1, 1, 100));
      const [segment] = wal.segments() as Parameters<typeof shouldRoll>[0][];
      const size = segment.sizeBytes;
      assert.equal(shouldRoll(segment, 10, size + 10, 1_000, segment.createdAtMs), false);
      assert.equal(shouldRoll(segment, 11, size + 10, 1_000, segment.createdAtMs), true);
      assert.equal(shouldRoll(segment, 1, size + 10, 1_000, segment.createdAtMs + 1_000), true);
      await wal.shutdown();
    });
  });

  it('continues the segment after a gap (data purged or compacted in between), and reads across it', async () => {
    await withTempDir(async (dir) => {
      const wal = newWal(dir, { keepLastSegment: false });
      await appendAll(wal, storedBatches(0, 5));
      await appendAll(wal, storedBatches(50, 5));
      assert.deepEqual(wal.segments().map((s) => [s.baseOffset, s.nextOffset]), [[0, 55]]);
      assert.equal((await wal.read(3, 1_000_000, true)).nextOffset, 55, 'a read goes on past the gap');
      const inGap = await wal.read(7, 1_000_000, true);
      assert.equal(inGap.chunks.length, 1, 'an offset in the gap reads the batches after it');
      assert.equal(inGap.nextOffset, 55);
      const refused = await appendAll(wal, storedBatches(52, 1));
      assert.match(String(refused[0]), /already in the WAL/);
      await wal.shutdown();
    });
  });

  it('deletes whole segments below the log start; durable mode rolls past the last one instead of deleting it', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 30, 1, 1000);
      const wal = newWal(dir, { segmentBytes: batches[0].buffer.length * 10 });
      for (const batch of batches) await appendAll(wal, [batch]);
      wal.releaseBelow(15);
      await wal.settled();
      assert.deepEqual(wal.segments().map((s) => s.baseOffset), [10, 20], 'only segment 0-9 lies wholly below 15');
      wal.releaseBelow(30);
      await wal.settled();
      assert.deepEqual(wal.segments().map((s) => [s.baseOffset, s.sizeBytes]), [[30, 0]], 'an empty segment at the log end keeps it');
      const names = await readdir(join(dir, 't-0'));
      assert.ok(!names.some((name) => name.startsWith(segmentFileName(0, ''))), 'deleted segment files are gone');
      await wal.shutdown();
    });
  });

  it('opens sealed segments from their index, and rebuilds an index that does not match its log', async () => {
    await withTempDir(async (dir) => {
      const batches = storedBatches(0, 30, 1, 1000);
      const wal = newWal(dir, { segmentBytes: batches[0].buffer.length * 10 });
      for (const batch of batches) await appendAll(wal, [batch]);
      await wal.shutdown();
      await writeFile(join(dir, 't-0', segmentFileName(10, '.index')), 'not an index');
      const deps = dependencies();
      const recovered = await PartitionWal.recover(join(dir, 't-0'), policy(), new RecordingHooks(), deps);
      assert.equal(recovered.highWatermark, 30);
      assert.equal(recovered.cut, null);
      assert.deepEqual(recovered.wal.segments().map((s) => [s.baseOffset, s.nextOffset, s.batchCount]), [[0, 10, 10], [10, 20, 10], [20, 30, 10]]);
      assert.ok(deps.log.warnings.some((w) => w.includes('00000000000000000010.log: index missing or stale')), deps.log.warnings.join('\n'));
      for (let offset = 0; offset < 30; offset++) {
        assert.ok(bytesOf(await recovered.wal.read(offset, 1, true)).equals(batches[offset].buffer), `offset ${offset} after restart`);
      }
      await recovered.wal.shutdown();
    });
  });
});
