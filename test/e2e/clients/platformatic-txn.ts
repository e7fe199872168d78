/**
 * @platformatic/kafka 2.x's transactions, in process, as the transaction scenarios ask for
 * them (clients/transactional.ts). It speaks InitProducerId v3-5, AddPartitionsToTxn v3-5,
 * EndTxn v3-4 and TxnOffsetCommit v3-4 (with the consumer's member id and generation,
 * KIP-447); its group consumer drops aborted records at read_committed.
 * Two of its defaults matter here: the producer's `timeout` is also the
 * transaction.timeout.ms it asks for, and without producerId/producerEpoch options it sends
 * InitProducerId with producer id 0 and epoch 0, which Kafka (and Blink) read as "I am
 * producer 0" (KIP-360) and fence once the transactional id has another producer: these
 * producers say -1/-1, "no producer yet". Closing a producer does not end its transaction.
 */
import { randomUUID } from 'node:crypto';

import { Consumer, Producer, type Message } from '@platformatic/kafka';

import { withTimeout } from '../harness.js';
import { TXN_OP_TIMEOUT_MS, type TransactionalClient, type TxnMessage, type TxnRecord } from './transactional.js';

const REQUEST_TIMEOUT_MS = 15_000;
/** After the expected count, how long a read goes on so that an extra record would show. */
const DRAIN_MS = 500;

function base(bootstrap: string, role: string) {
  return { clientId: `e2e-platformatic-txn-${role}`, bootstrapBrokers: [bootstrap], connectTimeout: 5_000, retries: 3, retryDelay: 200 };
}

function producer(bootstrap: string, transactionalId: string, transactionTimeoutMs = REQUEST_TIMEOUT_MS): Producer {
  return new Producer({ ...base(bootstrap, 'producer'), timeout: transactionTimeoutMs, idempotent: true, transactionalId, producerId: -1n, producerEpoch: -1 });
}

function consumer(bootstrap: string, groupId: string, readCommitted: boolean): Consumer {
  return new Consumer({ ...base(bootstrap, 'consumer'), timeout: REQUEST_TIMEOUT_MS, groupId, isolationLevel: readCommitted ? 1 : 0, maxWaitTime: 500 });
}

function toPlatformatic(topic: string, messages: readonly TxnMessage[]) {
  return messages.map((m) => ({ topic, partition: m.partition, value: Buffer.from(m.value) }));
}

/**
 * Hands `onMessage` what a fresh member of `groupId` reads from the beginning, until it
 * calls its `finish` or `waitMs` passes; closes the stream and the consumer after `whileOpen`.
 */
async function readAsMember(
  c: Consumer,
  topic: string,
  waitMs: number,
  onMessage: (message: Message, finish: () => void) => void,
  whileOpen: () => Promise<void> = async () => undefined,
): Promise<void> {
  try {
    const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(resolve, waitMs);
      const finish = (): void => {
        clearTimeout(deadline);
        resolve();
      };
      stream.on('data', (message: Message) => onMessage(message, finish));
      stream.once('error', reject);
    });
    await whileOpen();
    await stream.close();
  } finally {
    await c.close(true);
  }
}

/** The messages and Kafka error names (apiId) of an error and the errors it aggregates. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 5) return;
    const { message, apiId, errors } = node as { message?: string; apiId?: string; errors?: unknown[] };
    parts.push([apiId, message].filter(Boolean).join(': '));
    for (const child of errors ?? []) visit(child, depth + 1);
  };
  visit(error, 0);
  return parts.join('; ');
}

const asRecord = (message: Message): TxnRecord => ({ partition: message.partition, offset: Number(message.offset), value: message.value.toString('utf8') });

export function platformaticTransactional(bootstrap: string): TransactionalClient {
  return {
    name: 'platformatic',

    async runTransactions(topic, transactionalId, transactions) {
      const p = producer(bootstrap, transactionalId);
      try {
        for (const planned of transactions) {
          const txn = await p.beginTransaction();
          await txn.send({ messages: toPlatformatic(topic, planned.messages) });
          await (planned.commit ? txn.commit() : txn.abort());
        }
      } finally {
        await p.close();
      }
    },

    async consume(topic, _partitions, count, isolation, waitMs) {
      const records: TxnRecord[] = [];
      await readAsMember(consumer(bootstrap, `e2e-platformatic-read-${randomUUID()}`, isolation === 'read_committed'), topic, waitMs, (message, finish) => {
        records.push(asRecord(message));
        if (records.length === count) setTimeout(finish, DRAIN_MS);
      });
      return records;
    },

    async copy(input, output, group, transactionalId, count) {
      const c = consumer(bootstrap, group, true);
      const p = producer(bootstrap, transactionalId);
      const consumed: Message[] = [];
      try {
        await readAsMember(
          c,
          input,
          TXN_OP_TIMEOUT_MS,
          (message, finish) => {
            consumed.push(message);
            if (consumed.length === count) finish();
          },
          async () => {
            // Committed while the member is still in the group: TxnOffsetCommit carries its member id and generation.
            const txn = await p.beginTransaction();
            await txn.send({ messages: consumed.map((m) => ({ topic: output, partition: m.partition, value: Buffer.concat([m.value, Buffer.from('!')]) })) });
            await txn.addConsumer(c);
            const last = new Map<number, Message>();
            for (const m of consumed) last.set(m.partition, m);
            for (const m of last.values()) await txn.addOffset(m);
            await txn.commit();
          },
        );
      } finally {
        await p.close();
      }
    },

    async zombie(topic, transactionalId) {
      const zombie = producer(bootstrap, transactionalId);
      const fresh = producer(bootstrap, transactionalId);
      try {
        const old = await zombie.beginTransaction();
        await old.send({ messages: toPlatformatic(topic, [{ partition: 0, value: 'zombie' }]) });
        const current = await fresh.beginTransaction();
        await current.send({ messages: toPlatformatic(topic, [{ partition: 0, value: 'fresh' }]) });
        await current.commit();
        return await withTimeout(
          old.commit().then(
            () => null,
            (error: unknown) => describeError(error),
          ),
          TXN_OP_TIMEOUT_MS,
          'platformatic zombie commit',
        );
      } finally {
        await zombie.close(true);
        await fresh.close(true);
      }
    },

    async abandon(topic, transactionalId, timeoutMs, messages) {
      const p = producer(bootstrap, transactionalId, timeoutMs);
      const txn = await p.beginTransaction();
      await txn.send({ messages: toPlatformatic(topic, messages) });
      await p.close(true);
    },
  };
}
