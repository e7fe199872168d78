/**
 * Kafka 3.9's kafka-transactions tool against Blink (issue 12): an operator finds a
 * transaction that holds read_committed consumers back and aborts it by hand.
 *
 * A kafkajs transactional producer (transaction.timeout.ms ten minutes, so the broker never
 * aborts it during the test) writes two records to partition 0 after a plain one and goes
 * away without ending its transaction. Then, each answer read from the tool's table:
 * - `list` shows its transactional id, Ongoing, with its producer id;
 * - `describe --transactional-id` shows Ongoing, its timeout and the partition it wrote;
 * - `describe-producers` shows the partition's open transaction and its start offset;
 * - `find-hanging --broker-id 1 --max-transaction-timeout 0` takes it as a candidate (open
 *   longer than 0 minutes) but, as Apache Kafka does, reports no row: the coordinator still
 *   lists the partition in the transaction, so it is open, not hanging. A truly hanging
 *   transaction (the coordinator forgot the partition) cannot be made through a client.
 * - `abort --topic --partition 0 --start-offset N` writes the ABORT marker: the last stable
 *   offset reaches the high watermark, describe-producers shows no open transaction, and a
 *   read_committed kafkajs consumer reads the plain records and none of the transaction's.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { kafkajsTransactional } from './clients/kafkajs-txn.js';
import { useBroker } from './client-suite.js';
import { uniqueTopic, waitFor } from './harness.js';
import { kafkaToolOk, tableRows } from './support/kafka-tools.js';
import { createTopic, producePlain, stableOffsets, transactionBrokerEnv } from './transactions-support.js';

const TOOL_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;
/** Long enough that only the tool's abort can end the transaction while the test runs. */
const OPEN_TIMEOUT_MS = 600_000;
const CONSUME_WAIT_MS = 20_000;

const broker = useBroker(transactionBrokerEnv());

const tool = (...args: string[]): Promise<string> =>
  kafkaToolOk('3.9', 'kafka-transactions', ['--bootstrap-server', broker().bootstrap, ...args], { timeoutMs: TOOL_TIMEOUT_MS });

describe('kafka-transactions 3.9: list, describe, find-hanging and abort an open transaction', () => {
  let topic = '';
  let transactionalId = '';
  let startedAt = 0;
  before(async () => {
    startedAt = Date.now();
    topic = uniqueTopic('txn-tool');
    transactionalId = `${topic}-producer`;
    await createTopic(broker(), topic, 1);
    await producePlain(broker(), topic, 0, ['before']);
    await kafkajsTransactional(broker().bootstrap).abandon(topic, transactionalId, OPEN_TIMEOUT_MS, [
      { partition: 0, value: 'open-1' },
      { partition: 0, value: 'open-2' },
    ]);
    await producePlain(broker(), topic, 0, ['after']);
  });

  test('the tool finds the open transaction, aborts it, and read_committed consumers read on without it', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.deepEqual(await stableOffsets(broker(), topic, 1), [{ highWatermark: 4, lastStableOffset: 1 }], 'held at the first record of the open transaction');

    const listed = tableRows(await tool('list'), 'TransactionalId').filter((r) => r['TransactionalId'] === transactionalId);
    assert.equal(listed.length, 1, `listed once: ${JSON.stringify(listed)}`);
    const producerId = listed[0]!['ProducerId']!;
    assert.deepEqual([listed[0]!['Coordinator'], listed[0]!['TransactionState']], ['1', 'Ongoing']);

    const [described, ...moreDescribed] = tableRows(await tool('describe', '--transactional-id', transactionalId), 'CoordinatorId');
    assert.deepEqual(moreDescribed, []);
    assert.deepEqual(
      [described!['CoordinatorId'], described!['TransactionalId'], described!['ProducerId'], described!['TransactionState'], described!['TransactionTimeoutMs'], described!['TopicPartitions']],
      ['1', transactionalId, producerId, 'Ongoing', String(OPEN_TIMEOUT_MS), `${topic}-0`],
    );
    assert.ok(Number(described!['TransactionDurationMs']) >= 0, `a start time and a duration: ${JSON.stringify(described)}`);

    const open = tableRows(await tool('describe-producers', '--topic', topic, '--partition', '0'), 'ProducerId').filter((r) => r['ProducerId'] === producerId);
    assert.deepEqual(open.map((r) => r['CurrentTransactionStartOffset']), ['1'], 'the transaction starts at offset 1, after the plain record');
    // find-hanging takes an open transaction as a candidate when its last write is older than the timeout.
    const lastWrite = Number(open[0]!['LastTimestamp']);
    assert.ok(lastWrite >= startedAt && lastWrite < Date.now(), `last write at ${lastWrite}, during the test`);

    assert.deepEqual(tableRows(await tool('find-hanging', '--broker-id', '1', '--max-transaction-timeout', '0'), 'Topic'), [],
      'open, not hanging: the coordinator still lists the partition in the transaction');

    await tool('abort', '--topic', topic, '--partition', '0', '--start-offset', '1');
    const [released] = await waitFor('the ABORT marker', 10_000, async () => {
      const offsets = await stableOffsets(broker(), topic, 1);
      return offsets[0]!.lastStableOffset === offsets[0]!.highWatermark ? offsets : undefined;
    });
    assert.equal(released!.highWatermark, 5, 'before, open-1, open-2, after, and the ABORT marker');
    const closed = tableRows(await tool('describe-producers', '--topic', topic, '--partition', '0'), 'ProducerId').filter((r) => r['ProducerId'] === producerId);
    assert.deepEqual(closed.map((r) => r['CurrentTransactionStartOffset']), ['None'], 'no transaction open on the partition');

    const read = await kafkajsTransactional(broker().bootstrap).consume(topic, 1, 2, 'read_committed', CONSUME_WAIT_MS);
    assert.deepEqual(read.map((r) => [r.offset, r.value]), [[0, 'before'], [3, 'after']], 'the plain records, none of the aborted ones');
  });
});
