/**
 * Issue 14 item 1 through the produce service (validation, decompression, the append), as
 * both faces call it: every golden bad batch is refused with Blink's code, names its records
 * where Kafka does, and stores nothing, so the batch produced next is at offset 0 and
 * readable; good batches in every codec are stored; a compressed batch does not lose its
 * place to a later one that needs no decompression (acks=0 order).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatchView } from '../../../src/record-format/record-batch.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { batchOf, GOLDEN_BAD_BATCHES, goodBatch, rawRecord, recordBody } from '../../support/bad-batches.js';
import { compressBatch } from '../../support/compressed-batch.js';
import { domain } from '../topics/support.js';

const NOW = Date.now();

const topicSpec = (name: string, configs: Readonly<Record<string, string>> = {}) => ({
  name,
  partitionCount: 1,
  replicationFactor: -1,
  assignments: [],
  configs: Object.entries(configs),
});

async function produceOne(services: ReturnType<typeof domain>, topic: string, records: Buffer) {
  const [outcome] = await services.producer.produce([{ topic, partition: 0, records }], 0, NOW);
  return outcome;
}

describe('produce validation of every record (issue 14, item 1)', () => {
  for (const golden of GOLDEN_BAD_BATCHES) {
    it(`refuses "${golden.name}" with ${golden.errorCode}, stores nothing, and the next batch is at offset 0`, async () => {
      const services = domain();
      await services.topics.create(topicSpec('t', golden.topicConfigs), false);
      const outcome = await produceOne(services, 't', golden.build(NOW));
      assert.equal(outcome.errorCode, golden.errorCode, outcome.errorMessage ?? '');
      assert.ok(outcome.errorMessage, 'a refusal says why');
      assert.deepEqual(outcome.recordErrors.map((e) => e.batchIndex), golden.recordErrors ?? []);
      const log = services.registry.get('t')!.partitions[0];
      assert.equal(log.highWatermark, 0, 'nothing stored');
      const next = await produceOne(services, 't', buildBatch(values(2), { baseTimestamp: NOW }));
      assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, 0]);
    });
  }

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`stores a good ${codec} batch as produced`, async () => {
      const services = domain();
      const batch = goodBatch(codec, NOW, 5);
      const outcome = await produceOne(services, 'good', batch);
      assert.deepEqual([outcome.errorCode, outcome.baseOffset, outcome.recordsAppended], [ErrorCode.NONE, 0, 5]);
    });
  }

  it('sets a CreateTime batch maxTimestamp to its largest record timestamp, with a fresh CRC, as Kafka does', async () => {
    const services = domain();
    const section = Buffer.concat([rawRecord(recordBody(0, { timestampDelta: 50 })), rawRecord(recordBody(1, { timestampDelta: 10 }))]);
    const batch = batchOf(section, 2, { baseTimestamp: NOW, maxTimestamp: NOW + 999_999 });
    assert.equal((await produceOne(services, 'ts', batch)).errorCode, ErrorCode.NONE);
    const stored = new RecordBatchView(batch);
    assert.deepEqual([stored.maxTimestamp, stored.hasValidCrc()], [NOW + 50, true]);
  });

  it('keeps the produce order of a compressed batch and an uncompressed one started after it (acks=0 does not await)', async () => {
    const services = domain();
    await services.topics.create(topicSpec('order'), false);
    const compressed = compressBatch(buildBatch(values(400, 'compressed-'), { baseTimestamp: NOW }), 'gzip');
    const plain = buildBatch(values(1, 'plain-'), { baseTimestamp: NOW });
    const first = services.producer.start([{ topic: 'order', partition: 0, records: compressed }], 0, NOW);
    const firstOutcomes = await first;
    const secondOutcomes = await services.producer.start([{ topic: 'order', partition: 0, records: plain }], 0, NOW);
    const [a, b] = [await firstOutcomes[0], await secondOutcomes[0]];
    assert.deepEqual([a.baseOffset, b.baseOffset], [0, 400]);
  });
});
