/**
 * kill -9 while a transaction commits (durable mode, FSYNC=always): a transactional producer
 * (kafkajs) commits and aborts transactions of one record per partition (ENDED_BEFORE_KILL of
 * them), then commits, while a second producer holds a transaction open (records sent, never
 * ended, 5 s timeout). The broker runs with the test-only failpoint
 * BLINK_FAILPOINT=stop-after-prepare-commit:N (src/txn/failpoint.ts): at the first commit after
 * the warm-up, once PrepareCommit is journaled and before any marker is written, it stops itself
 * (SIGSTOP); the test sees the process stopped, checks the journal says PrepareCommit, and kills
 * it with SIGKILL: every run hits the window between the decision and the markers (a test that
 * polled the journal and killed on sight used to miss it most runs). The broker restarts on the
 * same directory and port (the same failpoint, which a restarted broker does not reach: it
 * handles no further commit). Checked, as Kafka 3.9 behaves (the coordinator re-sends the
 * markers after a restart from PrepareCommit): the journal reaches CompleteCommit, the last
 * stable offset of every partition reaches its high watermark (the open transaction is aborted
 * by its timeout), and a read_committed consumer (kcat) sees every transaction whose commit was
 * acknowledged, and the one the kill caught prepared, whole and once, and no record of an
 * aborted or the open transaction.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
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
/** The commits among the ENDED_BEFORE_KILL, plus one: the commit the failpoint stops at. */
const STOP_AT_COMMIT = Array.from({ length: ENDED_BEFORE_KILL }, (_, sequence) => sequence % ABORT_EVERY !== ABORT_EVERY - 1).filter(Boolean).length + 1;
const DURABLE_ENV = { STORAGE_MODE: 'durable', FSYNC: 'always', AUTO_CREATE_TOPICS: 'false', BLINK_FAILPOINT: `stop-after-prepare-commit:${STOP_AT_COMMIT}` };
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

/** Whether the last record batch in partition `partition`'s newest WAL segment is a control batch (a marker). */
async function endsWithMarker(storagePath: string, topic: string, partition: number): Promise<boolean> {
  const directory = join(storagePath, `${topic}-${partition}`);
  const newest = (await readdir(directory)).filter((name) => name.endsWith('.log')).sort().at(-1);
  assert.ok(newest !== undefined, `a segment in ${directory}`);
  const bytes = await readFile(join(directory, newest));
  let attributes: number | undefined;
  // Batch header: baseOffset i64, batchLength i32 (from the next field on), ..., attributes i16 at byte 21.
  for (let at = 0; at + 23 <= bytes.length; at += 12 + bytes.readInt32BE(at + 8)) attributes = bytes.readInt16BE(at + 21);
  return attributes !== undefined && (attributes & 0x20) !== 0;
}

/** Whether process `pid` is stopped (state T in /proc/<pid>/stat). */
async function isStopped(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return /^\d+ \(.*\) T /.test(stat);
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
    const producer = producerOf(durable.broker.bootstrap, committing, OPEN_TIMEOUT_MS);
    await producer.connect();
    const loop = (async () => {
      for (let sequence = 0; !killed; sequence++) {
        const label = `t${sequence}`;
        const commit = sequence >= ENDED_BEFORE_KILL || sequence % ABORT_EVERY !== ABORT_EVERY - 1;
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
      const { pid } = durable.broker;
      const said = new RegExp(`BLINK_FAILPOINT: ${committing} journaled PrepareCommit`);
      // It says so on stderr, then stops: both, the line read from the pipe too.
      await waitFor(`the broker stopped by its failpoint (commit ${STOP_AT_COMMIT})`, 20_000, async () => ((await isStopped(pid)) && said.test(durable.broker.stderr()) ? true : undefined), 10);
      stateAtKill = await journaledState(durable.storagePath, committing);
      assert.equal(stateAtKill, 'PrepareCommit', 'stopped between the decision and the markers');
      for (let partition = 0; partition < PARTITIONS; partition++) {
        assert.equal(await endsWithMarker(durable.storagePath, topic, partition), false, `partition ${partition}: no marker of the caught commit written`);
      }
      killed = true;
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
    const caught = `t${ENDED_BEFORE_KILL}`;
    assert.equal([...outcomes.keys()].at(-1), caught, 'the failpoint caught the first commit after the warm-up');
    // Its producer saw the connection die (undecided), unless its EndTxn retry reached the restarted broker (committed).
    assert.ok(undecided.length === 0 || (undecided.length === 1 && undecided[0] === caught), `only ${caught} may be undecided: ${undecided.join(' ')}`);
    assert.equal(await journaledState(durable.storagePath, committing), 'CompleteCommit', 'the restarted coordinator completed the commit');
    for (let partition = 0; partition < PARTITIONS; partition++) {
      assert.equal(await endsWithMarker(durable.storagePath, topic, partition), true, `partition ${partition}: ends with a marker now (the open transaction's abort)`);
    }
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
