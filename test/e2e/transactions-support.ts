/**
 * The transaction scenarios every client family proves once against Blink (one test file
 * per family registers them on its own broker):
 * 1. one producer commits, aborts and commits again: a read_committed consumer sees exactly
 *    the committed records, in order per partition; a read_uncommitted one sees the aborted
 *    records too; no transaction is left open (last stable offset = high watermark);
 * 2. consume-transform-produce: the copied records and the consumed offsets commit together;
 * 3. a zombie producer is fenced by a new producer of its transactional id: its commit fails,
 *    its record never reaches a read_committed consumer;
 * 4. a transaction abandoned without its end holds read_committed consumers back (the last
 *    stable offset stays at its first record, as the REST overview shows too) until the
 *    broker aborts it at its transaction.timeout.ms; then they read on, without the
 *    abandoned record.
 * Topics are created and plain records written with hand-built requests (raw-kafka.ts), and
 * offsets and committed group offsets are read the same way or with kafkajs's admin, so each
 * scenario depends only on the client under test.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';

import { buildBatch } from '../support/batch-builder.js';
import type { Isolation, TransactionalClient, TxnRecord } from './clients/transactional.js';
import { type BrokerHandle, uniqueTopic, waitFor } from './harness.js';
import { rawCreateTopic, rawFetchPartitions, rawProduce } from './raw-kafka.js';

/**
 * transaction.timeout.ms of the abandoned transaction: short, so the scenario is quick, and
 * long enough that the test sees it still open on a busy machine.
 */
export const ABANDONED_TIMEOUT_MS = 6_000;
/** How long a consumer may take to see what it expects (a broker abort included). */
const CONSUME_WAIT_MS = 20_000;

/** The broker settings of a transaction test file. */
export function transactionBrokerEnv(): Record<string, string> {
  return { AUTO_CREATE_TOPICS: 'false', MESSAGE_MAX_BYTES: '2MB' };
}

export async function createTopic(broker: BrokerHandle, topic: string, partitions: number): Promise<void> {
  const created = await rawCreateTopic(broker.kafkaPort, topic, partitions);
  assert.equal(created.errorCode, 0, `create ${topic}: ${created.errorMessage}`);
}

/** Writes plain (non-transactional) records, one batch per value. */
export async function producePlain(broker: BrokerHandle, topic: string, partition: number, values: readonly string[]): Promise<void> {
  for (const value of values) {
    const answer = await rawProduce(broker.kafkaPort, { topic, partition, records: buildBatch([{ key: null, value: Buffer.from(value) }]) });
    assert.equal(answer.errorCode, 0, `produce to ${topic}-${partition}`);
  }
}

/** High watermark and last stable offset of each partition 0..partitions-1. */
export async function stableOffsets(broker: BrokerHandle, topic: string, partitions: number): Promise<{ highWatermark: number; lastStableOffset: number }[]> {
  const requested = Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0, partitionMaxBytes: 1 }));
  const fetched = await rawFetchPartitions(broker.kafkaPort, { maxWaitMs: 0, minBytes: 0, maxBytes: 1, partitions: requested });
  return fetched.partitions.map((p) => ({ highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset }));
}

/** Values per partition, in offset order. */
function byPartition(records: readonly TxnRecord[], partitions: number): string[][] {
  const result = Array.from({ length: partitions }, (): string[] => []);
  for (const record of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) result[record.partition]!.push(record.value);
  return result;
}

async function committedOffsets(broker: BrokerHandle, group: string, topic: string): Promise<number[]> {
  const admin = new Kafka({ brokers: [broker.bootstrap], clientId: 'e2e-txn-check', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return [...fetched!.partitions].sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

interface Overview {
  transactions: { open: number; committed: number; aborted: number; timedOut: number };
  topics: { name: string; partitions: { lastStableOffset: number; highWatermark: number }[] }[];
}

async function restOverview(broker: BrokerHandle): Promise<Overview> {
  const response = await fetch(`${broker.restUrl}/api/v1/overview`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  return (await response.json()) as Overview;
}

async function read(client: TransactionalClient, topic: string, partitions: number, count: number, isolation: Isolation): Promise<string[][]> {
  return byPartition(await client.consume(topic, partitions, count, isolation, CONSUME_WAIT_MS), partitions);
}

export function registerTransactionScenarios(broker: () => BrokerHandle, clientFor: (bootstrap: string) => TransactionalClient): void {
  it('commits and aborts: read_committed sees exactly the committed records in order, read_uncommitted the aborted ones too', async () => {
    const b = broker();
    const client = clientFor(b.bootstrap);
    const topic = uniqueTopic(`txn-${client.name}`);
    await createTopic(b, topic, 2);
    await client.runTransactions(topic, `${topic}-producer`, [
      { commit: true, messages: [{ partition: 0, value: 'c1' }, { partition: 1, value: 'c2' }, { partition: 0, value: 'c3' }] },
      { commit: false, messages: [{ partition: 0, value: 'a1' }, { partition: 1, value: 'a2' }] },
      { commit: true, messages: [{ partition: 1, value: 'c4' }, { partition: 0, value: 'c5' }] },
    ]);
    assert.deepEqual(await read(client, topic, 2, 5, 'read_committed'), [
      ['c1', 'c3', 'c5'],
      ['c2', 'c4'],
    ]);
    assert.deepEqual(await read(client, topic, 2, 7, 'read_uncommitted'), [
      ['c1', 'c3', 'a1', 'c5'],
      ['c2', 'a2', 'c4'],
    ]);
    for (const p of await stableOffsets(b, topic, 2)) assert.equal(p.lastStableOffset, p.highWatermark, 'no transaction left open');
  });

  it('consume-transform-produce: the copied records and the consumed offsets commit together', async () => {
    const b = broker();
    const client = clientFor(b.bootstrap);
    const input = uniqueTopic(`txn-in-${client.name}`);
    const output = uniqueTopic(`txn-out-${client.name}`);
    await createTopic(b, input, 2);
    await createTopic(b, output, 2);
    await producePlain(b, input, 0, ['x0', 'x1', 'x2']);
    await producePlain(b, input, 1, ['y0', 'y1']);
    await client.copy(input, output, `${input}-group`, `${input}-copier`, 5);
    assert.deepEqual(await read(client, output, 2, 5, 'read_committed'), [
      ['x0!', 'x1!', 'x2!'],
      ['y0!', 'y1!'],
    ]);
    assert.deepEqual(await committedOffsets(b, `${input}-group`, input), [3, 2]);
  });

  it('fences a zombie producer: its commit fails and its record never reaches read_committed consumers', async () => {
    const b = broker();
    const client = clientFor(b.bootstrap);
    const topic = uniqueTopic(`txn-zombie-${client.name}`);
    await createTopic(b, topic, 1);
    const error = await client.zombie(topic, `${topic}-producer`);
    assert.match(error ?? 'no error', /fenc|epoch/i, 'the zombie is told it was fenced');
    assert.deepEqual(await read(client, topic, 1, 1, 'read_committed'), [['fresh']]);
    assert.deepEqual(await read(client, topic, 1, 2, 'read_uncommitted'), [['zombie', 'fresh']]);
  });

  it('aborts an abandoned transaction at its timeout, which unblocks read_committed consumers', async () => {
    const b = broker();
    const client = clientFor(b.bootstrap);
    const topic = uniqueTopic(`txn-abandoned-${client.name}`);
    await createTopic(b, topic, 1);
    await client.abandon(topic, `${topic}-producer`, ABANDONED_TIMEOUT_MS, [{ partition: 0, value: 'hang' }]);
    await producePlain(b, topic, 0, ['after']);
    const [held] = await stableOffsets(b, topic, 1);
    assert.deepEqual(held, { highWatermark: 2, lastStableOffset: 0 }, 'read_committed consumers are held before the open transaction');
    const overview = await restOverview(b);
    assert.ok(overview.transactions.open >= 1, `the REST overview counts the open transaction: ${JSON.stringify(overview.transactions)}`);
    assert.equal(overview.topics.find((t) => t.name === topic)?.partitions[0]?.lastStableOffset, 0, 'and shows the partition held back');
    assert.deepEqual(await read(client, topic, 1, 1, 'read_committed'), [['after']], 'after the abort: the next record, never the abandoned one');
    const [released] = await waitFor('the abort marker', 5_000, async () => {
      const offsets = await stableOffsets(b, topic, 1);
      return offsets[0]!.lastStableOffset === offsets[0]!.highWatermark ? offsets : undefined;
    });
    assert.equal(released!.highWatermark, 3, 'hang, after, and the ABORT marker');
  });
}
