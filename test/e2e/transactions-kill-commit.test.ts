/**
 * kill -9 while a transaction commits (durable mode, FSYNC=always, so every marker is synced
 * and the commit takes a while): a transactional producer (kafkajs) commits and aborts
 * transactions of one record per partition in a loop, while a second one holds a transaction
 * open (records sent, never ended). Once ENDED_BEFORE_KILL transactions are ended, the test reads the coordinator's journal
 * (`__transaction_state/transactions.log`) and kills the broker with SIGKILL the moment it
 * says PrepareCommit for the committing id: EndTxn is decided, its markers are being written.
 * The broker restarts on the same directory and port. Checked: the last stable offset of every
 * partition reaches its high watermark (the open transaction is aborted by its timeout), and a
 * read_committed consumer sees every transaction whose commit was acknowledged, and the one
 * the kill caught prepared, whole, once, and no record of an aborted or the open transaction
 * (read with kcat, isolation.level=read_committed).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import { run, uniqueTopic, waitFor } from './harness.js';
import { createTopic, restartableBroker } from './storage-support.js';
import { stableOffsets } from './transactions-support.js';

const { Kafka, logLevel } = kafkajs;

const PARTITIONS = 4;
/** One transaction in ABORT_EVERY is aborted on purpose. */
const ABORT_EVERY = 3;
/** The open transaction's timeout: short, so that the restarted broker aborts it soon. */
const OPEN_TIMEOUT_MS = 5_000;
/** Transactions committed or aborted before the test looks for the moment to kill. */
const ENDED_BEFORE_KILL = 10;
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', AUTO_CREATE_TOPICS: 'false' };
const TEST_TIMEOUT_MS = 60_000;

/** The last state the coordinator's journal holds for `transactionalId` (records: length u32 BE, CRC-32C u32, JSON). */
async function journaledState(storagePath: string, transactionalId: string): Promise<string | undefined> {
  const bytes = await readFile(join(storagePath, '__transaction_state', 'transactions.log')).catch(() => Buffer.alloc(0));
  let state: string | undefined;
  for (let at = 0; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    if (at + 8 + length > bytes.length) break;
    const record = JSON.parse(bytes.subarray(at + 8, at + 8 + length).toString('utf8')) as { k: string; t?: { transactionalId: string; state: string } };
    if (record.k === 't' && record.t?.transactionalId === transactionalId) state = record.t.state;
    at += 8 + length;
  }
  return state;
}

/**
 * One partition's values as a read_committed consumer sees them, via kcat (librdkafka) from the
 * beginning. (kafkajs 2.2.4's read_committed consumer returned the records of a transaction the
 * broker had aborted by its timeout, which librdkafka, given the same Fetch answers, drops.)
 */
async function readCommitted(bootstrap: string, topic: string, partition: number): Promise<string[]> {
  const args = ['-b', bootstrap, '-X', 'isolation.level=read_committed', '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%s\n'];
  const result = await run('kcat', args, { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '');
}

function producerOf(bootstrap: string, transactionalId: string, transactionTimeout: number): Producer {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: `e2e-${transactionalId}`, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 } });
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
}

describe('durable mode: kill -9 between EndTxn and its markers', () => {
  const durable = restartableBroker('kill-commit', DURABLE_ENV);

  test('after the restart, read_committed sees every committed transaction and the prepared one whole, nothing aborted or open', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('kill-commit');
    await createTopic(durable.broker.bootstrap, topic, PARTITIONS);
    const committing = `${topic}-committing`;
    const values = (label: string): string[] => Array.from({ length: PARTITIONS }, (_, p) => `${label}-p${p}`);
    const send = (txn: Awaited<ReturnType<Producer['transaction']>>, label: string) =>
      txn.send({ topic, messages: values(label).map((value, partition) => ({ value, partition })) });

    const holder = producerOf(durable.broker.bootstrap, `${topic}-open`, OPEN_TIMEOUT_MS);
    await holder.connect();
    await send(await holder.transaction(), 'open');

    const outcomes = new Map<string, 'committed' | 'aborted' | 'undecided'>();
    let killed = false;
    const producer = producerOf(durable.broker.bootstrap, committing, 60_000);
    await producer.connect();
    const loop = (async () => {
      for (let sequence = 0; !killed; sequence++) {
        const label = `t${sequence}`;
        const commit = sequence % ABORT_EVERY !== ABORT_EVERY - 1;
        outcomes.set(label, 'undecided');
        try {
          const txn = await producer.transaction();
          await send(txn, label);
          await (commit ? txn.commit() : txn.abort());
          outcomes.set(label, commit ? 'committed' : 'aborted');
        } catch {
          return;
        }
      }
    })();
    let stateAtKill: string | undefined;
    try {
      const ended = (): number => [...outcomes.values()].filter((outcome) => outcome !== 'undecided').length;
      await waitFor(`${ENDED_BEFORE_KILL} transactions ended`, 20_000, async () => (ended() >= ENDED_BEFORE_KILL ? true : undefined), 10);
      await waitFor('PrepareCommit in the journal', 20_000, async () => ((await journaledState(durable.storagePath, committing)) === 'PrepareCommit' ? true : undefined), 0);
      await durable.broker.kill();
      killed = true;
      stateAtKill = await journaledState(durable.storagePath, committing);
      await durable.restart();
      await loop;
    } finally {
      killed = true;
      await producer.disconnect().catch(() => undefined);
      await holder.disconnect().catch(() => undefined);
    }

    const settled = await waitFor('every last stable offset at its high watermark (the open transaction aborted)', 30_000, async () => {
      const offsets = await stableOffsets(durable.broker, topic, PARTITIONS);
      return offsets.every((o) => o.lastStableOffset === o.highWatermark) ? offsets : undefined;
    }, 200);
    const committed = [...outcomes].filter(([, outcome]) => outcome === 'committed').map(([label]) => label);
    const undecided = [...outcomes].filter(([, outcome]) => outcome === 'undecided').map(([label]) => label);
    assert.ok(undecided.length <= 1, `at most the transaction being ended at the kill is undecided: ${undecided.join(' ')}`);
    // The journal said PrepareCommit before the kill: the decision is made, recovery must finish it.
    const expected = [...committed, ...undecided].flatMap(values).sort();
    const read: string[] = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      for (const value of await readCommitted(durable.broker.bootstrap, topic, partition)) {
        assert.ok(value.endsWith(`-p${partition}`), `${value} read from partition ${partition}`);
        read.push(value);
      }
    }
    assert.deepEqual(read.sort(), expected, 'read_committed: every committed transaction and the prepared one, whole and once; nothing aborted or open');
    console.log(
      `kill commit: killed with ${stateAtKill} journaled; ${committed.length} committed, ${undecided.length} undecided, ${outcomes.size - committed.length - undecided.length} aborted; log ends ${settled.map((o) => o.highWatermark).join(',')}`,
    );
  });
});
