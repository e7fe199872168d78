/**
 * PartitionMirror against the memory tier's pooled memory: the batches it reads are views of
 * slabs until buildOutgoing has copied them into the batch it sends, and a batch offloaded or
 * expired meanwhile must not be written over under it (the mirror pins the memory it reads).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { loadSettings } from '../../../src/config/settings.js';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { PartitionMirror, type MirrorContext } from '../../../src/uplink/partition-mirror.js';
import type { RemoteCluster } from '../../../src/uplink/remote/remote-cluster.js';
import { keyedBatch } from '../../support/compaction.js';
import { FakeClock } from '../../support/fake-clock.js';
import { appendPooled, memoryOnlyRegistry, unlimitedAccountant } from '../../support/storage.js';

Logger.overrideLogger(false);

const BATCHES = 6;
const RECORDS_PER_BATCH = 20;

describe('PartitionMirror: pooled memory', () => {
  it('sends the batches as they were read while they are dropped and their memory is handed out again (pinned)', async () => {
    const clock = new FakeClock();
    const accountant = unlimitedAccountant(clock);
    const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
    const topic = memoryOnlyRegistry(config, accountant).create('t', 1);
    const log = topic.partitions[0];
    const { memory } = accountant;
    for (let batch = 0; batch < BATCHES; batch++) {
      await appendPooled(accountant, topic, log, keyedBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ key: `k${i}`, value: `v${batch}-${i}` })), 'gzip'), clock.nowMs());
    }
    const sent: Buffer[] = [];
    const remote = { produce: async (_topic: string, _partition: number, bytes: Buffer) => (sent.push(bytes), 0) } as unknown as RemoteCluster;
    const context: MirrorContext = {
      remote,
      batchMaxBytes: 1024 * 1024,
      logger: new Logger('test'),
      progressed: () => undefined,
      mirrored: () => undefined,
      unreachable: () => undefined,
      newProducer: async () => ({ producerId: 7, producerEpoch: 0, nextSequence: 0 }),
      nowMs: () => clock.nowMs(),
    };
    const mirror = PartitionMirror.fresh(log, 'remote-t', 0, context);
    // While the mirror decompresses the first batch to merge them, everything is dropped (retention) and the memory written over.
    let overwritten = false;
    setImmediate(() => {
      log.advanceLogStart(log.highWatermark);
      memory.alloc(64 * 1024).fill(0xff);
      overwritten = true;
    });
    await mirror.step();
    assert.ok(overwritten, 'the memory was handed out again while the mirror built its batch');
    assert.equal(mirror.snapshot().lastError, null, 'the batch was built from the bytes read, not from the bytes written over them');
    assert.equal(sent.length, 1);
    assert.equal(new RecordBatchView(sent[0]).recordCount, BATCHES * RECORDS_PER_BATCH, 'every record read is sent');
  });
});
