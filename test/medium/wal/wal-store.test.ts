/**
 * Medium tests (real temporary directories, no sockets): the WAL store and partition WALs
 * wired to the topic registry as the container wires them. Memory mode offloads the oldest batches across
 * partitions and reads them back through the partition; durable mode brings topics (name,
 * id, partitions, config overrides), offsets and data back after a "restart" (a new store
 * over the same directory, without a clean shutdown).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WalProbe } from '../../../src/wal/wal.probe.js';
import type { PartitionLog, ReadResult } from '../../../src/storage/partition-log.js';
import { offsetForTimestamp, offsetOfMaxTimestamp } from '../../../src/storage/timestamp-index.js';
import { Offloader } from '../../../src/wal/offloader.js';
import { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { WalStore } from '../../../src/wal/wal-store.js';
import { buildBatch } from '../../support/batch-builder.js';
import { walBroker, type WalBroker } from '../../support/wal-broker.js';
import { FaultyFileSystem, withTempDir } from '../../support/wal-fixtures.js';

/** The broker's storage over `dir` (test/support/wal-broker.ts), as these tests use it. */
function broker(dir: string, env: Record<string, string>, fs?: WalFileSystem): WalBroker {
  return walBroker(dir, env, { fs });
}

const noProbe = { offloadStarted: () => undefined } as unknown as WalProbe;

function batchOf(tag: string, records: number, valueBytes: number): Buffer {
  return buildBatch(Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`${tag}-${i}`), value: Buffer.alloc(valueBytes, i) })));
}

async function readAll(log: PartitionLog): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const result: ReadResult = await log.read(offset, 64 * 1024, true);
    assert.ok(result.bytes > 0, `something to read at offset ${offset}`);
    chunks.push(...result.chunks);
    offset = result.nextOffset;
  }
  return Buffer.concat(chunks);
}

describe('WalStore (medium: real files)', () => {
  it('memory mode: offloads the oldest batches across partitions to disk and reads them back byte for byte', async () => {
    await withTempDir(async (dir) => {
      const b = broker(dir, { STORAGE_MODE: 'memory' });
      const topic = b.topics.create('orders', 2);
      const written: Buffer[][] = [[], []];
      for (let i = 0; i < 40; i++) {
        const partition = i % 2;
        const bytes = batchOf(`b${i}`, 3, 500);
        const outcome = b.appender.append(topic, topic.partitions[partition], bytes, 1_000 + i);
        assert.ok(!(outcome instanceof Promise));
        written[partition].push(Buffer.from(bytes));
      }
      const before = b.accountant.storedBytes;
      const freed = await new Offloader(b.topics, b.store, noProbe, b.accountant).relieve(before / 2);
      assert.ok(freed >= before / 2, `freed ${freed} of ${before}`);
      assert.equal(b.accountant.storedBytes, before - freed);
      const [p0, p1] = topic.partitions;
      assert.ok(p0.memoryStartOffset > 0 && p1.memoryStartOffset > 0, 'both partitions gave up their oldest batches');
      assert.ok(Math.abs(p0.memoryStartOffset - p1.memoryStartOffset) <= 3, 'oldest first across partitions');
      assert.equal(p0.logStartOffset, 0, 'offloading does not move the log start');
      assert.ok((await readAll(p0)).equals(Buffer.concat(written[0])));
      assert.ok((await readAll(p1)).equals(Buffer.concat(written[1])));
      assert.ok(b.store.stats().offloadedBatches > 0);
      assert.ok((await readdir(join(dir, 'orders-0'))).includes('00000000000000000000.log'));
      await b.store.onApplicationShutdown();
    });
  });

  it('a pooled batch that leaves memory while the offloader writes it is not reused before it is written', async () => {
    await withTempDir(async (dir) => {
      const b = broker(dir, { STORAGE_MODE: 'memory' });
      const topic = b.topics.create('pooled', 1);
      const log = topic.partitions[0];
      const original = batchOf('p', 4, 1_000);
      const pooled = b.accountant.memory.copyIn([original], original.length);
      assert.ok(b.accountant.memory.owns(pooled));
      assert.ok(!(b.appender.append(topic, log, pooled, 1_000) instanceof Promise));
      const stored = Buffer.from(pooled);
      b.accountant.memory.release(pooled);
      const relieved = new Offloader(b.topics, b.store, noProbe, b.accountant).relieve(original.length);
      // The write is queued: the batch leaves memory meanwhile (as retention would drop it), and
      // new pooled memory is written at once, in the slab the batch came from.
      log.evictThrough(log.highWatermark - 1);
      const scribble = b.accountant.memory.alloc(original.length);
      scribble.fill(0xff);
      await relieved;
      assert.ok((await readAll(log)).equals(stored), 'the WAL holds the batch as it was stored');
      b.accountant.memory.release(scribble);
      await b.store.onApplicationShutdown();
    });
  });

  it('ListOffsets by time finds records in offloaded batches (through the segment time index) and in memory', async () => {
    await withTempDir(async (dir) => {
      const b = broker(dir, { STORAGE_MODE: 'memory' });
      const topic = b.topics.create('clock', 1);
      const log = topic.partitions[0];
      for (let i = 0; i < 50; i++) {
        // Batch i holds offsets 2i, 2i+1 with timestamps 10_000 + 100i and 10_050 + 100i.
        const bytes = buildBatch(
          [{ value: Buffer.alloc(2000, i) }, { value: Buffer.alloc(2000, i), timestampDelta: 50 }],
          { baseTimestamp: 10_000 + 100 * i },
        );
        b.appender.append(topic, log, bytes, 1_000 + i);
      }
      await new Offloader(b.topics, b.store, noProbe, b.accountant).relieve(b.accountant.storedBytes / 2);
      assert.ok(log.memoryStartOffset > 20 && log.memoryStartOffset < 100, `half offloaded (memory from ${log.memoryStartOffset})`);
      assert.deepEqual(await offsetForTimestamp(log, 10_000 + 100 * 5 + 20), { offset: 11, timestamp: 10_550 }, 'on disk: the second record of batch 5');
      assert.deepEqual(await offsetForTimestamp(log, 10_000 + 100 * 45), { offset: 90, timestamp: 14_500 }, 'in memory');
      assert.deepEqual(await offsetForTimestamp(log, 99_999), { offset: -1, timestamp: -1 });
      assert.deepEqual(await offsetOfMaxTimestamp(log), { offset: 99, timestamp: 14_950 });
      await b.store.onApplicationShutdown();
    });
  });

  it('durable mode: topics, ids, config overrides, offsets, log start and data come back after a crash', async () => {
    await withTempDir(async (dir) => {
      const env = { STORAGE_MODE: 'durable', FSYNC: 'always' };
      const first = broker(dir, env);
      await first.store.recover();
      const topic = first.topics.create('payments', 2, new Map([['retention.ms', '3600000']]));
      first.topics.create('audit', 1);
      await first.topics.whenPersisted('payments');
      await first.topics.whenPersisted('audit');
      const written: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        const bytes = batchOf(`p${i}`, 2, 100);
        const outcome = await first.appender.append(topic, topic.partitions[0], bytes, 1_000);
        assert.equal(outcome.baseOffset, i * 2);
        written.push(Buffer.from(bytes));
      }
      first.topics.partition('payments', 0)!.advanceLogStart(4);
      first.topics.delete('audit');
      await first.topics.whenPersisted('audit');
      // The checkpoint timer would save the log start within a second; a clean shutdown saves it at once.
      await first.store.onApplicationShutdown();

      const second = broker(dir, env);
      const report = await second.store.recover();
      assert.deepEqual(report, { topics: 1, partitions: 2, bytes: report.bytes, truncatedPartitions: 0 });
      const restored = second.topics.get('payments');
      assert.ok(restored !== undefined);
      assert.equal(restored.id, topic.id, 'the topic id survives');
      assert.equal(restored.partitions.length, 2);
      assert.equal(restored.configs.get('retention.ms'), '3600000');
      assert.deepEqual([...restored.overrides], ['retention.ms']);
      assert.equal(second.topics.get('audit'), undefined, 'a deleted topic stays deleted');
      const log = restored.partitions[0];
      assert.deepEqual([log.logStartOffset, log.highWatermark], [4, 20]);
      assert.ok((await readAll(log)).equals(Buffer.concat(written.slice(2))));
      const next = await second.appender.append(restored, log, batchOf('after', 1, 10), 2_000);
      assert.equal(next.baseOffset, 20, 'appends continue after the recovered log end');
      await second.store.onApplicationShutdown();
    });
  });

  it('durable mode: a topic whose metadata cannot be saved takes no write until it is saved (no orphaned data)', async () => {
    await withTempDir(async (dir) => {
      const env = { STORAGE_MODE: 'durable', FSYNC: 'never' };
      const fs = new FaultyFileSystem();
      const first = broker(dir, env, fs);
      await first.store.recover();
      fs.failing = 'ENOSPC';
      const topic = first.topics.create('late', 1);
      await assert.rejects(first.topics.whenPersisted('late'), /ENOSPC/);
      const refused = await first.appender.append(topic, topic.partitions[0], batchOf('x', 1, 10), 1_000);
      assert.equal(refused.errorCode, 56, 'KAFKA_STORAGE_ERROR while the topic is not on disk');
      fs.failing = null;
      assert.equal(await first.health.probe(), true);
      const stored = await first.appender.append(topic, topic.partitions[0], batchOf('y', 1, 10), 2_000);
      assert.deepEqual([stored.errorCode, stored.baseOffset], [0, 0]);
      first.health.onApplicationShutdown();
      const second = broker(dir, env);
      await second.store.recover();
      assert.equal(second.topics.get('late')?.partitions[0].highWatermark, 1, 'the topic and its batch are back');
      await first.store.onApplicationShutdown();
      await second.store.onApplicationShutdown();
    });
  });

  it('memory mode: when the WAL cannot write, offloaded batches stay in memory (nothing lost) until it can', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFileSystem();
      const b = broker(dir, { STORAGE_MODE: 'memory' }, fs);
      const topic = b.topics.create('full', 1);
      const written: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        const bytes = batchOf(`f${i}`, 1, 1000);
        b.appender.append(topic, topic.partitions[0], bytes, 1_000 + i);
        written.push(Buffer.from(bytes));
      }
      const offloader = new Offloader(b.topics, b.store, noProbe, b.accountant);
      fs.failing = 'ENOSPC';
      const before = b.accountant.storedBytes;
      assert.equal(await offloader.relieve(before), 0, 'nothing freed');
      assert.match(offloader.lastWriteError?.message ?? '', /ENOSPC/, 'the offloader keeps why (memory relief reports it)');
      assert.equal(b.accountant.storedBytes, before);
      assert.match(b.health.failure?.message ?? '', /ENOSPC/);
      assert.ok((await readAll(topic.partitions[0])).equals(Buffer.concat(written)), 'every batch still readable');
      fs.failing = null;
      assert.equal(await b.health.probe(), true);
      assert.ok((await offloader.relieve(before)) > 0, 'offloading works again');
      assert.equal(offloader.lastWriteError, null);
      assert.ok((await readAll(topic.partitions[0])).equals(Buffer.concat(written)), 'and reads back from disk');
      b.health.onApplicationShutdown();
      await b.store.onApplicationShutdown();
    });
  });
});
