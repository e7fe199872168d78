/**
 * kill -9 while a transaction commits (durable mode, FSYNC=always, so every marker is synced
 * and a commit takes a while): a transactional producer (kafkajs) commits and aborts
 * transactions of one record per partition (ENDED_BEFORE_KILL of them), then only commits,
 * one at a time, while a second producer holds a transaction open (records sent, never ended,
 * 5 s timeout). The test reads the coordinator's journal (`__transaction_state/transactions.log`)
 * and kills the broker with SIGKILL the moment it says PrepareCommit: EndTxn is decided and
 * its markers are being written (each commit waits for the next journal read, so the
 * transaction caught is the last one). The broker restarts on the same directory and port.
 * Checked: the last stable offset of every partition reaches its high watermark (the open
 * transaction is aborted by its timeout), and a read_committed consumer (kcat) sees every
 * transaction whose commit was acknowledged, and the one the kill caught prepared, whole and
 * once, and no record of an aborted or the open transaction.
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
    /** Journal reads by the watcher: after warm-up, each transaction waits for one after its commit, so the one the kill catches is the last. */
    let polls = 0;
    const producer = producerOf(durable.broker.bootstrap, committing, OPEN_TIMEOUT_MS);
    await producer.connect();
    const loop = (async () => {
      for (let sequence = 0; !killed; sequence++) {
        const label = `t${sequence}`;
        const warmUp = sequence < ENDED_BEFORE_KILL;
        const commit = !warmUp || sequence % ABORT_EVERY !== ABORT_EVERY - 1;
        outcomes.set(label, 'undecided');
        try {
          const txn = await producer.transaction();
          await send(txn, label);
          await (commit ? txn.commit() : txn.abort());
          outcomes.set(label, commit ? 'committed' : 'aborted');
        } catch {
          return;
        }
        if (!warmUp) {
          const seen = polls;
          await waitFor('the watcher to read the journal after a commit', 10_000, async () => (killed || polls > seen + 1 ? true : undefined), 1);
        }
      }
    })();
    let stateAtKill: string | undefined;
    try {
      await waitFor(`${ENDED_BEFORE_KILL} transactions ended`, 20_000, async () => (outcomes.size > ENDED_BEFORE_KILL ? true : undefined), 10);
      // Only commits from here on: the PrepareCommit seen is the transaction in progress, which waits for the next read.
      await waitFor('PrepareCommit in the journal', 20_000, async () => {
        const state = await journaledState(durable.storagePath, committing);
        polls++;
        if (state === 'PrepareCommit') return true;
        return undefined;
      }, 0);
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
    const last = [...outcomes.keys()].at(-1);
    assert.ok(undecided.length === 0 || (undecided.length === 1 && undecided[0] === last), `only the last transaction (${last}) may be undecided: ${undecided.join(' ')}`);
    // The journal said PrepareCommit for the last transaction before the kill: recovery must finish its commit.
    const expected = [...new Set([...committed, ...undecided])].flatMap(values).sort();
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
