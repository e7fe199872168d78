/**
 * Transactions with kafkajs 2.2.4 (in process): the scenarios of transactions-support.ts,
 * and one of its own: a long transaction aborted at its timeout after shorter ones that
 * began after it ended. Its ABORT marker comes last, so Kafka (TransactionIndex, marker
 * order) lists it after them in a read_committed Fetch; kafkajs (filterAbortedMessages)
 * assumes the list is in first-offset order, and would hand out the long transaction's
 * record. Blink sorts the list by first offset (the protocol leaves its order open; the
 * Java consumer and librdkafka order it themselves), and the Java consumer checks that the
 * records are the same.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { closeJavaDrivers, runJavaOp } from './clients/java.js';
import { kafkajsTransactional } from './clients/kafkajs-txn.js';
import { TXN_OP_TIMEOUT_MS, type TxnRecord } from './clients/transactional.js';
import { useBroker } from './client-suite.js';
import { uniqueTopic, waitFor } from './harness.js';
import { rawFetchPartitions } from './raw-kafka.js';
import { ABANDONED_TIMEOUT_MS, createTopic, producePlain, registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

/** How long a consumer may take to see what it expects. */
const CONSUME_WAIT_MS = 20_000;

describe('transactions: kafkajs', () => {
  const broker = useBroker(transactionBrokerEnv());
  after(closeJavaDrivers);
  registerTransactionScenarios(broker, kafkajsTransactional);

  it('a long transaction aborted at its timeout after shorter ones: read_committed drops its record (kafkajs and the Java consumer)', async () => {
    const b = broker();
    const client = kafkajsTransactional(b.bootstrap);
    const topic = uniqueTopic('txn-long-abort-kafkajs');
    await createTopic(b, topic, 1);
    await client.abandon(topic, `${topic}-long`, ABANDONED_TIMEOUT_MS, [{ partition: 0, value: 'long' }]);
    await client.runTransactions(topic, `${topic}-short-abort`, [{ commit: false, messages: [{ partition: 0, value: 'short-abort' }] }]);
    await client.runTransactions(topic, `${topic}-short-commit`, [{ commit: true, messages: [{ partition: 0, value: 'short-commit' }] }]);
    await producePlain(b, topic, 0, ['after']);

    const fetched = await waitFor('the long transaction aborted at its timeout', ABANDONED_TIMEOUT_MS + 10_000, async () => {
      const request = { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1 as const, partitions: [{ topic, partition: 0, offset: 0, partitionMaxBytes: 1 << 20 }] };
      const [p] = (await rawFetchPartitions(b.kafkaPort, request)).partitions;
      return p !== undefined && p.lastStableOffset === p.highWatermark ? p : undefined;
    });
    const values = (records: readonly TxnRecord[]): string[] => [...records].sort((x, y) => x.offset - y.offset).map((r) => r.value);
    assert.deepEqual(values(await client.consume(topic, 1, 2, 'read_committed', CONSUME_WAIT_MS)), ['short-commit', 'after'], 'kafkajs read_committed');
    const java = await runJavaOp<{ records: TxnRecord[] }>('3.9', b.bootstrap, 'txn_consume', { topic, partitions: 1, count: 2, isolation: 'read_committed', wait_ms: CONSUME_WAIT_MS }, TXN_OP_TIMEOUT_MS);
    assert.deepEqual(values(java.records), ['short-commit', 'after'], 'the Java consumer read_committed');
    const [long, shortAbort] = fetched.batches;
    assert.deepEqual(
      fetched.abortedTransactions,
      [{ producerId: long!.producerId, firstOffset: 0 }, { producerId: shortAbort!.producerId, firstOffset: 1 }],
      'both aborted transactions, by first offset (Kafka lists the long one last: its marker is last)',
    );
  });
});
