/**
 * kafkajs 2.2.4's transactions, in process, as the transaction scenarios ask for them
 * (clients/transactional.ts). kafkajs speaks the transactional APIs at v0-v1, initialises
 * its producer id on the first transaction(), and reads only through a consumer group
 * (readUncommitted: false is read_committed), so each read uses a group of its own.
 * Disconnecting a producer does not end its transaction: that is how one is abandoned.
 */
import { randomUUID } from 'node:crypto';

import kafkajs from 'kafkajs';
import type { Kafka as KafkaClient, Producer } from 'kafkajs';

import { withTimeout } from '../harness.js';
import { TXN_OP_TIMEOUT_MS, type TransactionalClient, type TxnMessage, type TxnRecord } from './transactional.js';

const { Kafka, logLevel } = kafkajs;

/** After the expected count, how long a read goes on so that an extra record would show. */
const DRAIN_MS = 500;
const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

function client(bootstrap: string): KafkaClient {
  return new Kafka({
    clientId: 'e2e-kafkajs-txn',
    brokers: [bootstrap],
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
}

function producer(kafka: KafkaClient, transactionalId: string, transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT_MS): Producer {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
}

function toKafkajs(messages: readonly TxnMessage[]) {
  return messages.map((m) => ({ value: m.value, partition: m.partition }));
}

/**
 * Hands `onRecord` the records a fresh member of `groupId` reads from the beginning, until
 * `onRecord` calls its `finish` or `waitMs` passes.
 */
async function readAsMember(
  kafka: KafkaClient,
  topic: string,
  groupId: string,
  readUncommitted: boolean,
  waitMs: number,
  onRecord: (record: TxnRecord, finish: () => void) => void,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, waitMs);
      const finish = (): void => {
        clearTimeout(deadline);
        resolve();
      };
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          onRecord({ partition, offset: Number(message.offset), value: message.value?.toString('utf8') ?? '' }, finish);
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

export function kafkajsTransactional(bootstrap: string): TransactionalClient {
  const kafka = client(bootstrap);
  return {
    name: 'kafkajs',

    async runTransactions(topic, transactionalId, transactions) {
      const p = producer(kafka, transactionalId);
      await p.connect();
      try {
        for (const planned of transactions) {
          const txn = await p.transaction();
          await txn.send({ topic, messages: toKafkajs(planned.messages) });
          await (planned.commit ? txn.commit() : txn.abort());
        }
      } finally {
        await p.disconnect();
      }
    },

    async consume(topic, _partitions, count, isolation, waitMs) {
      const records: TxnRecord[] = [];
      await readAsMember(kafka, topic, `e2e-kafkajs-read-${randomUUID()}`, isolation === 'read_uncommitted', waitMs, (record, finish) => {
        records.push(record);
        if (records.length === count) setTimeout(finish, DRAIN_MS);
      });
      return records;
    },

    async copy(input, output, group, transactionalId, count) {
      const consumed: TxnRecord[] = [];
      await readAsMember(kafka, input, group, false, TXN_OP_TIMEOUT_MS, (record, finish) => {
        consumed.push(record);
        if (consumed.length === count) finish();
      });
      const p = producer(kafka, transactionalId);
      await p.connect();
      try {
        const txn = await p.transaction();
        await txn.send({ topic: output, messages: consumed.map((r) => ({ value: `${r.value}!`, partition: r.partition })) });
        const next = new Map<number, number>();
        for (const r of consumed) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
        await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })) }] });
        await txn.commit();
      } finally {
        await p.disconnect();
      }
    },

    async zombie(topic, transactionalId) {
      const zombie = producer(kafka, transactionalId);
      const fresh = producer(kafka, transactionalId);
      await zombie.connect();
      await fresh.connect();
      try {
        const old = await zombie.transaction();
        await old.send({ topic, messages: [{ value: 'zombie', partition: 0 }] });
        const current = await fresh.transaction();
        await current.send({ topic, messages: [{ value: 'fresh', partition: 0 }] });
        await current.commit();
        return await withTimeout(
          old.commit().then(
            () => null,
            (error: Error & { type?: string }) => `${error.type ?? error.name}: ${error.message}`,
          ),
          TXN_OP_TIMEOUT_MS,
          'kafkajs zombie commit',
        );
      } finally {
        await zombie.disconnect();
        await fresh.disconnect();
      }
    },

    async abandon(topic, transactionalId, timeoutMs, messages) {
      const p = producer(kafka, transactionalId, timeoutMs);
      await p.connect();
      const txn = await p.transaction();
      await txn.send({ topic, messages: toKafkajs(messages) });
      await p.disconnect();
    },
  };
}
