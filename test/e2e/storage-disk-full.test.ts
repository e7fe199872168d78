/**
 * Durable mode on a disk that fills up: the WAL directory is a 3 MiB tmpfs (mounted by the
 * test: it needs root with CAP_SYS_ADMIN, which tools/test-deps/ensure.mjs checks before the
 * e2e tests run; where mounting fails anyway, the test fails saying so). Producing until the
 * disk is full must end in KAFKA_STORAGE_ERROR (56), /health/ready must go down (503), every
 * batch acknowledged before must still read back whole (same offset, same size), and once the tmpfs is
 * grown (remount) readiness comes back and produce continues at the next offset.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildBatch } from '../support/batch-builder.js';
import { describeRun, freePorts, run, startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { rawFetch, rawProduce } from './raw-kafka.js';
import { createTopic, readyStatus } from './storage-support.js';

const NONE = 0;
const KAFKA_STORAGE_ERROR = 56;
const BATCH_VALUE_BYTES = 100 * 1024;
const TEST_TIMEOUT_MS = 60_000;

async function mountTmpfs(dir: string, size: string): Promise<void> {
  const result = await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { timeoutMs: 10_000 });
  assert.equal(result.code, 0, `cannot mount a tmpfs here: this test needs root with CAP_SYS_ADMIN (run as root: sudo npm run test:e2e)\n${describeRun('mount', result)}`);
}

describe('durable mode: disk full (a 3 MiB tmpfs)', () => {
  let broker: BrokerHandle | undefined;
  let mountPoint: string;
  let mounted = false;

  before(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'blink-disk-full-'));
    await mountTmpfs(mountPoint, '3m');
    mounted = true;
    const [kafkaPort, restPort] = (await freePorts(2)) as [number, number];
    broker = await startBroker({
      env: { STORAGE_MODE: 'durable', FSYNC: 'always', SEGMENT_BYTES: '512KB', MESSAGE_MAX_BYTES: '1MB', RETENTION: '1h' },
      reuse: { storagePath: mountPoint, kafkaPort, restPort },
    });
  });

  after(async () => {
    await broker?.stop();
    if (mounted) await run('umount', ['-l', mountPoint], { timeoutMs: 10_000 });
    await rm(mountPoint, { recursive: true, force: true });
  });

  test('KAFKA_STORAGE_ERROR and readiness down when full, nothing stored damaged, back when space returns', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(broker !== undefined, 'the broker started on the tmpfs (see the before hook failure)');
    const b = broker;
    const topic = uniqueTopic('disk-full');
    await createTopic(b.bootstrap, topic, 1);
    const acknowledged: Buffer[] = [];
    let refusal: number | null = null;
    for (let i = 0; i < 100 && refusal === null; i++) {
      const batch = buildBatch([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(BATCH_VALUE_BYTES, i + 1) }]);
      const answer = await rawProduce(b.kafkaPort, { topic, partition: 0, records: Buffer.from(batch), acks: -1 });
      if (answer.errorCode === NONE) {
        assert.equal(answer.baseOffset, acknowledged.length, 'offsets stay contiguous');
        acknowledged.push(batch);
      } else {
        refusal = answer.errorCode;
      }
    }
    assert.equal(refusal, KAFKA_STORAGE_ERROR, 'a full disk answers KAFKA_STORAGE_ERROR');
    assert.ok(acknowledged.length >= 10, `${acknowledged.length} batches fit before the disk was full`);
    await waitFor('readiness to go down', 5_000, async () => ((await readyStatus(b.restUrl)) === 503 ? true : undefined));
    const again = await rawProduce(b.kafkaPort, { topic, partition: 0, records: buildBatch([{ value: Buffer.from('small') }]), acks: -1 });
    assert.equal(again.errorCode, KAFKA_STORAGE_ERROR, 'still refused while the disk is full');

    const readBack = async (): Promise<void> => {
      for (let offset = 0; offset < acknowledged.length; offset++) {
        const fetched = await rawFetch(b.kafkaPort, { topic, partition: 0, offset, maxWaitMs: 0, minBytes: 0, maxBytes: 1, partitionMaxBytes: 1 });
        assert.equal(fetched.errorCode, NONE);
        assert.deepEqual(fetched.batches.map((x) => [x.baseOffset, x.sizeBytes]), [[offset, acknowledged[offset].length]], `batch ${offset} intact`);
      }
    };
    await readBack();

    const grown = await run('mount', ['-o', 'remount,size=64m', mountPoint], { timeoutMs: 10_000 });
    assert.equal(grown.code, 0, grown.stderr);
    await waitFor('readiness to come back', 10_000, async () => ((await readyStatus(b.restUrl)) === 200 ? true : undefined));
    const resumed = await rawProduce(b.kafkaPort, { topic, partition: 0, records: buildBatch([{ value: Buffer.alloc(BATCH_VALUE_BYTES, 0xee) }]), acks: -1 });
    assert.deepEqual([resumed.errorCode, resumed.baseOffset], [NONE, acknowledged.length], 'produce continues at the next offset');
    await readBack();
  });
});
