/**
 * FetchService: the fetch step both faces take (Kafka Fetch, the REST read), each
 * partition's answer with the Kafka error code a client gets: whole stored batches within
 * partition_max_bytes and max_bytes (KIP-74: the first batch whole), a disk read reserving
 * its share of the budget, parking until min_bytes or max_wait_ms, and purge_on_fetch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchSpec, PartitionFetchRequest, PartitionFetched } from '../../../src/fetch/fetch.service.js';
import { randomUUID } from 'node:crypto';
import type { ColdTier, ColdTierFactory } from '../../../src/storage/cold-tier.js';
import type { ReadResult } from '../../../src/storage/partition-log.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { compressBatch } from '../../support/compressed-batch.js';
import { legacyMessageSet, parseLegacyMessageSet } from '../../support/legacy-messages.js';
import { domain } from '../topics/support.js';

/** Long enough that a test finishing early proves the wait was cut short. */
const LONG_WAIT_MS = 30_000;
const MB = 1024 * 1024;

const partition = (topic: string, index: number, fetchOffset: number, partitionMaxBytes = MB): PartitionFetchRequest => ({ topic, partition: index, fetchOffset, partitionMaxBytes });

function spec(partitions: PartitionFetchRequest[], overrides: Partial<FetchSpec> = {}): FetchSpec {
  return { partitions, maxBytes: 50 * MB, minBytes: 1, maxWaitMs: 0, firstBatchWhole: true, consuming: true, ...overrides };
}

/** A topic `t` with two partitions; partition 0 holds `batches` batches of 2 records each. */
async function withData(batches: number, env: Record<string, string> = {}) {
  const d = domain(env);
  d.registry.create('t', 2);
  const sizes: number[] = [];
  for (let i = 0; i < batches; i++) {
    const records = buildBatch(values(2, `batch${i}-`));
    sizes.push(records.length);
    await d.producer.produce([{ topic: 't', partition: 0, records }], 0, 0);
  }
  return { ...d, sizes };
}

/** A WAL stand-in (no disk): answers reads asynchronously with `batch`, as PartitionWal does. */
function coldTierHolding(batch: Buffer, nextOffset: number): ColdTier {
  return {
    read: async (): Promise<ReadResult> => ({ chunks: [batch], bytes: batch.length, nextOffset }),
    append: () => undefined,
    releaseBelow: () => Promise.resolve(),
    deleteBelow: () => Promise.resolve(null),
    findBatchByTimestamp: async () => null,
    segments: () => [],
    deleteFiles: async () => undefined,
  };
}

/** Recovery finds partition 0 of a restored topic on `cold`, its log ending at `highWatermark`; partition 1 in memory. */
function recoveringOnto(cold: ColdTier, highWatermark: number): ColdTierFactory {
  return {
    durable: false,
    openPartitions: () => ({ tiers: [], persisted: undefined }),
    recoverPartitions: async () => [{ cold, logStartOffset: 0, highWatermark }],
  };
}

describe('FetchService', () => {
  it('answers in the call itself from the memory tier when min_bytes is met or max_wait is 0, and with a promise when it parks', async () => {
    const { fetcher, sizes } = await withData(2);
    const now = fetcher.fetch(spec([partition('t', 0, 0)], { minBytes: 1, maxWaitMs: LONG_WAIT_MS }));
    assert.ok(Array.isArray(now), 'min_bytes met: the answer, not a promise');
    assert.equal(now[0].bytes, sizes[0] + sizes[1]);
    const empty = fetcher.fetch(spec([partition('t', 1, 0)], { minBytes: 1, maxWaitMs: 0 }));
    assert.ok(Array.isArray(empty), 'max_wait 0: answered at once, empty');
    assert.equal(empty[0].bytes, 0);
    const parked = fetcher.fetch(spec([partition('t', 1, 0)], { minBytes: 1, maxWaitMs: 20 }));
    assert.ok(parked instanceof Promise, 'too few bytes: it waits');
    assert.equal((await parked)[0].bytes, 0);
  });

  it('returns whole batches from the one holding the fetch offset, with the partition offsets', async () => {
    const { fetcher, sizes } = await withData(3);
    const [fetched] = await fetcher.fetch(spec([partition('t', 0, 3)]));
    assert.deepEqual([fetched.errorCode, fetched.highWatermark, fetched.logStartOffset, fetched.nextOffset], [ErrorCode.NONE, 6, 0, 6]);
    assert.deepEqual(fetched.records?.map((b) => b.length), [sizes[1], sizes[2]], 'offset 3 lies in the second batch: it comes whole');
    assert.equal(fetched.bytes, sizes[1] + sizes[2]);
  });

  it('refuses unknown topics and partitions, and offsets out of range, at once even with max_wait', async () => {
    const { fetcher, topics, registry } = await withData(2);
    topics.deleteRecords(registry.partition('t', 0)!, 2);
    const started = performance.now();
    const fetched = await fetcher.fetch(
      spec([partition('absent', 0, 0), partition('t', 9, 0), partition('t', 0, 0), partition('t', 0, 5), partition('t', 1, 0)], { maxWaitMs: LONG_WAIT_MS }),
    );
    assert.ok(performance.now() - started < LONG_WAIT_MS / 2, 'an error answers without parking');
    assert.deepEqual(fetched.map((f) => [f.errorCode, f.highWatermark, f.logStartOffset, f.records === null]), [
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1, true],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1, true],
      [ErrorCode.OFFSET_OUT_OF_RANGE, 4, 2, true],
      [ErrorCode.OFFSET_OUT_OF_RANGE, 4, 2, true],
      [ErrorCode.NONE, 0, 0, false],
    ]);
    assert.deepEqual([fetched[0].missing, fetched[1].missing], ['topic', 'partition']);
    assert.match(fetched[2].errorMessage ?? '', /offset 0 is out of range: t-0 holds offsets 2 to 3 \(high watermark 4\)/);
  });

  it('partition_max_bytes bounds each partition, max_bytes the whole answer, and the first batch comes whole (KIP-74)', async () => {
    const { fetcher, producer, sizes } = await withData(3);
    await producer.produce([{ topic: 't', partition: 1, records: buildBatch(values(2)) }], 0, 0);
    const [onePartition] = await fetcher.fetch(spec([partition('t', 0, 0, sizes[0] + sizes[1])]));
    assert.equal(onePartition.records?.length, 2, 'partition_max_bytes holds two batches');
    const [oversized] = await fetcher.fetch(spec([partition('t', 0, 0, 1)]));
    assert.deepEqual([oversized.records?.length, oversized.nextOffset], [1, 2], 'the first batch whole beyond partition_max_bytes');
    const both = await fetcher.fetch(spec([partition('t', 0, 0), partition('t', 1, 0)], { maxBytes: sizes[0] + sizes[1] }));
    assert.deepEqual(both.map((f) => f.records?.length), [2, 0], 'max_bytes is spent by the first partition');
    const tiny = await fetcher.fetch(spec([partition('t', 0, 0), partition('t', 1, 0)], { maxBytes: 1 }));
    assert.deepEqual(tiny.map((f) => f.records?.length), [1, 0], 'only the first batch of the answer may exceed max_bytes');
    const strict = await fetcher.fetch(spec([partition('t', 0, 0, 1)], { firstBatchWhole: false }));
    assert.deepEqual(strict.map((f) => [f.records?.length, f.nextOffset]), [[0, 0]], 'without KIP-74 (the REST read after its first read) nothing oversized');
  });

  it('a partition read from disk reserves its share of max_bytes before the partitions after it are read', async () => {
    const coldBatch = buildBatch(values(2));
    const d = domain({}, undefined, recoveringOnto(coldTierHolding(coldBatch, 2), 2));
    await d.registry.restore({ name: 't', id: randomUUID(), partitionCount: 2, overrides: new Map() });
    const memoryBatch = buildBatch(values(2));
    await d.producer.produce([{ topic: 't', partition: 1, records: memoryBatch }], 0, 0);
    const share = 10 * memoryBatch.length;
    const fetched = await d.fetcher.fetch(spec([partition('t', 0, 0, share), partition('t', 1, 0, share)], { maxBytes: share + memoryBatch.length - 1 }));
    assert.deepEqual(fetched.map((f) => f.bytes), [coldBatch.length, 0], 'the disk read took its whole share: no room left for partition 1');
    const roomy = await d.fetcher.fetch(spec([partition('t', 0, 0, share), partition('t', 1, 0, share)], { maxBytes: share + memoryBatch.length }));
    assert.deepEqual(roomy.map((f) => f.bytes), [coldBatch.length, memoryBatch.length]);
  });

  it('a failed disk read fails the fetch only once the other disk reads have settled (they may be writing into memory its pin lends)', async () => {
    const batch = buildBatch(values(2));
    let finishSlow = (): void => undefined;
    const failing: ColdTier = { ...coldTierHolding(batch, 2), read: () => Promise.reject(new Error('EIO on segment')) };
    const slow: ColdTier = {
      ...coldTierHolding(batch, 2),
      read: () => new Promise<ReadResult>((resolve) => (finishSlow = () => resolve({ chunks: [batch], bytes: batch.length, nextOffset: 2 }))),
    };
    const d = domain({}, undefined, {
      durable: false,
      openPartitions: () => ({ tiers: [], persisted: undefined }),
      recoverPartitions: async () => [failing, slow].map((cold) => ({ cold, logStartOffset: 0, highWatermark: 2 })),
    });
    await d.registry.restore({ name: 't', id: randomUUID(), partitionCount: 2, overrides: new Map() });
    let settled = false;
    const fetched = Promise.resolve(d.fetcher.fetch(spec([partition('t', 0, 0), partition('t', 1, 0)]))).finally(() => (settled = true));
    fetched.catch(() => undefined);
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'partition 1 is still being read: the fetch has not failed yet');
    finishSlow();
    await assert.rejects(fetched, /EIO on segment/);
  });

  it('parks below min_bytes until an append brings enough, then answers with it', async () => {
    const { fetcher, producer, parking } = await withData(1);
    const started = performance.now();
    const parked = fetcher.fetch(spec([partition('t', 0, 2), partition('t', 1, 0)], { maxWaitMs: LONG_WAIT_MS, minBytes: 1 }));
    await waitFor(() => parking.parkedCount === 1);
    await producer.produce([{ topic: 't', partition: 1, records: buildBatch(values(1)) }], 0, 0);
    const fetched = await parked;
    assert.ok(performance.now() - started < LONG_WAIT_MS / 2, 'woken by the append, not by max_wait_ms');
    assert.deepEqual(fetched.map((f) => [f.errorCode, f.records?.length]), [[ErrorCode.NONE, 0], [ErrorCode.NONE, 1]]);
    assert.equal(parking.parkedCount, 0);
  });

  it('a fetch at the head of every partition parks without a first read, and reads once when woken', async () => {
    const { fetcher, producer, parking, registry } = await withData(1);
    const logs = [registry.partition('t', 0)!, registry.partition('t', 1)!];
    let reads = 0;
    for (const log of logs) {
      const read = log.read.bind(log);
      log.read = (...args: Parameters<typeof log.read>) => {
        reads++;
        return read(...args);
      };
    }
    const parked = fetcher.fetch(spec([partition('t', 0, 2), partition('t', 1, 0)], { maxWaitMs: LONG_WAIT_MS, minBytes: 1 }));
    assert.ok(parked instanceof Promise);
    assert.equal(parking.parkedCount, 1);
    assert.equal(reads, 0, 'nothing past the high watermark to read: parked at once');
    await producer.produce([{ topic: 't', partition: 1, records: buildBatch(values(1)) }], 0, 0);
    const fetched = await parked;
    assert.deepEqual(fetched.map((f) => [f.errorCode, f.records?.length, f.nextOffset]), [[ErrorCode.NONE, 0, 2], [ErrorCode.NONE, 1, 1]]);
    assert.equal(reads, 2, 'one read of each partition, after the wake-up');
    const behind = fetcher.fetch(spec([partition('t', 0, 0), partition('t', 1, 1)], { maxWaitMs: LONG_WAIT_MS, minBytes: 1 }));
    assert.ok(Array.isArray(behind), 'a partition with bytes to read: answered from the first read');
    assert.equal(reads, 4);
  });

  it("returns its answer builder's answer, made once from the partitions, whether it answers at once or after a park", async () => {
    const { fetcher, producer, parking } = await withData(1);
    const built: number[][] = [];
    const answer = { build: (fetched: PartitionFetched[]) => built.push(fetched.map((f) => f.nextOffset)) };
    const now = fetcher.fetch({ ...spec([partition('t', 0, 0)], { maxWaitMs: LONG_WAIT_MS }), answer });
    assert.equal(now, 1, 'the builder gave the answer, in the call');
    const parked = fetcher.fetch({ ...spec([partition('t', 0, 2), partition('t', 1, 0)], { maxWaitMs: LONG_WAIT_MS }), answer });
    assert.ok(parked instanceof Promise);
    assert.equal(parking.parkedCount, 1);
    await producer.produce([{ topic: 't', partition: 1, records: buildBatch(values(1)) }], 0, 0);
    assert.equal(await parked, 2);
    assert.deepEqual(built, [[2], [2, 1]]);
  });

  it('answers with what it has once max_wait_ms passes', async () => {
    const { fetcher, parking } = await withData(1);
    const waitMs = 30;
    const started = performance.now();
    const [fetched] = await fetcher.fetch(spec([partition('t', 0, 2)], { maxWaitMs: waitMs, minBytes: 1 }));
    assert.ok(performance.now() - started >= waitMs - 5, 'it waited');
    assert.deepEqual([fetched.errorCode, fetched.bytes, fetched.nextOffset], [ErrorCode.NONE, 0, 2]);
    assert.equal(parking.parkedCount, 0);
  });

  it('purge_on_fetch: a consuming fetch removes the batches it returned whole; a REST read does not', async () => {
    const { fetcher, registry, sizes } = await withData(3, { PURGE_ON_FETCH: 'true' });
    const log = registry.partition('t', 0)!;
    await fetcher.fetch(spec([partition('t', 0, 0, sizes[0] + sizes[1])], { consuming: false }));
    assert.deepEqual([log.logStartOffset, log.fetchedUpTo], [0, 0], 'an inspection is not a consumption');
    await fetcher.fetch(spec([partition('t', 0, 0, sizes[0] + sizes[1])]));
    assert.deepEqual([log.logStartOffset, log.fetchedUpTo, log.batchCount], [4, 4, 1]);
  });

  describe('legacy message sets (Kafka Fetch v0-3)', () => {
    /** Every message of the partition's answer: [offset, magic, key, value]. */
    const messagesOf = (records: Buffer[] | null) =>
      parseLegacyMessageSet(Buffer.concat(records ?? [])).map((m) => [m.offset, m.magic, m.key?.toString() ?? null, m.value?.toString() ?? null]);

    it('answers magic-1 messages from the fetch offset on, across batches', async () => {
      const { fetcher } = await withData(2);
      const [answer] = await fetcher.fetch(spec([partition('t', 0, 1)], { messageFormat: 1 }));
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.deepEqual(messagesOf(answer.records), [
        [1, 1, 'k1', 'batch0-1'],
        [2, 1, 'k0', 'batch1-0'],
        [3, 1, 'k1', 'batch1-1'],
      ]);
      assert.deepEqual([answer.bytes, answer.nextOffset], [Buffer.concat(answer.records!).length, 4]);
    });

    it('answers magic-0 messages from a compressed batch', async () => {
      const d = domain();
      d.registry.create('t', 1);
      await d.producer.produce([{ topic: 't', partition: 0, records: compressBatch(buildBatch(values(3)), 'lz4') }], 0, 0);
      const [answer] = await d.fetcher.fetch(spec([partition('t', 0, 0)], { messageFormat: 0 }));
      assert.deepEqual(messagesOf(answer.records), [[0, 0, 'k0', 'v0'], [1, 0, 'k1', 'v1'], [2, 0, 'k2', 'v2']]);
    });

    it('partition_max_bytes bounds the converted messages, the first one coming whole (KIP-74)', async () => {
      const { fetcher } = await withData(2);
      const one = legacyMessageSet(1, [{ key: Buffer.from('k0'), value: Buffer.from('batch0-0') }]).length;
      const [two] = await fetcher.fetch(spec([partition('t', 0, 0, 2 * one + 1)], { messageFormat: 1 }));
      assert.deepEqual(messagesOf(two.records).map(([offset]) => offset), [0, 1]);
      assert.equal(two.nextOffset, 2);
      const [first] = await fetcher.fetch(spec([partition('t', 0, 0, 10)], { messageFormat: 1 }));
      assert.deepEqual(messagesOf(first.records).map(([offset]) => offset), [0]);
    });

    it('answers the same converted bytes to a second old consumer (the conversion is cached)', async () => {
      const { fetcher } = await withData(1);
      const [a] = await fetcher.fetch(spec([partition('t', 0, 0)], { messageFormat: 1 }));
      const [b] = await fetcher.fetch(spec([partition('t', 0, 0)], { messageFormat: 1 }));
      assert.equal(a.records![0].buffer, b.records![0].buffer);
      const [v0] = await fetcher.fetch(spec([partition('t', 0, 0)], { messageFormat: 0 }));
      assert.notEqual(v0.records![0].buffer, a.records![0].buffer, 'magic 0 is another conversion');
    });

    it('reads on past batches that convert to nothing (transaction markers)', async () => {
      const d = domain();
      d.registry.create('t', 1);
      const log = d.registry.partition('t', 0)!;
      const marker = buildBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { attributes: 0x20 });
      log.append({ baseOffset: 0, lastOffset: 0, buffer: marker, appendTimeMs: 0 });
      const data = buildBatch(values(1));
      new RecordBatchView(data).assignOffsets(1, 0);
      log.append({ baseOffset: 1, lastOffset: 1, buffer: data, appendTimeMs: 0 });
      const [answer] = await d.fetcher.fetch(spec([partition('t', 0, 0, marker.length)], { messageFormat: 1 }));
      assert.deepEqual(messagesOf(answer.records), [[1, 1, 'k0', 'v0']]);
    });

    it('answers UNKNOWN_SERVER_ERROR with the reason for a stored batch that cannot be converted', async () => {
      const d = domain();
      d.registry.create('t', 1);
      const broken = buildBatch(values(1));
      broken.writeInt32BE(5, 57);
      d.registry.partition('t', 0)!.append({ baseOffset: 0, lastOffset: 0, buffer: broken, appendTimeMs: 0 });
      const [old] = await d.fetcher.fetch(spec([partition('t', 0, 0)], { messageFormat: 1 }));
      assert.equal(old.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
      assert.match(old.errorMessage ?? '', /cannot down-convert t-0 from offset 0/);
    });

    it('answers UNSUPPORTED_VERSION where the topic sets message.downconversion.enable=false', async () => {
      const d = domain();
      d.registry.create('closed', 1, new Map([['message.downconversion.enable', 'FALSE']]));
      await d.producer.produce([{ topic: 'closed', partition: 0, records: buildBatch(values(1)) }], 0, 0);
      const [old] = await d.fetcher.fetch(spec([partition('closed', 0, 0)], { messageFormat: 1 }));
      assert.equal(old.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.match(old.errorMessage ?? '', /message.downconversion.enable/);
      const [modern] = await d.fetcher.fetch(spec([partition('closed', 0, 0)]));
      assert.equal(modern.errorCode, ErrorCode.NONE);
    });
  });
});

/** Polls `condition` every millisecond, for at most 5 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
