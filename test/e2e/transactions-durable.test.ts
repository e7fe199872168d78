/**
 * Transactions across a crash (durable mode): transactional producers (kafkajs, in process)
 * commit and abort transactions in a loop while the broker is killed with SIGKILL and started
 * again on the same data. Afterwards a read_committed consumer (the Java client, reading up
 * to the last stable offsets) sees every record of every transaction whose commit was
 * acknowledged exactly once, no record of one whose abort was acknowledged, each transaction
 * that the crash left undecided either whole or not at all, and no record twice; no
 * transaction stays open (every partition's last stable offset reaches its high watermark).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';

import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';

import { closeJavaDrivers, runJavaOp } from './clients/java.js';
import { startBroker, uniqueTopic, waitFor, type BrokerHandle } from './harness.js';
import { createTopic, stableOffsets } from './transactions-support.js';

const { Kafka, logLevel } = kafkajs;

const PARTITIONS = 3;
const WORKERS = 3;
const RECORDS_PER_TRANSACTION = 12;
/** One transaction in ABORT_EVERY is aborted on purpose. */
const ABORT_EVERY = 3;
/** Short, so that transactions the crash left open are aborted soon after the restart. */
const TRANSACTION_TIMEOUT_MS = 5_000;
const LOAD_BEFORE_KILL_MS = 3_000;
const LOAD_AFTER_RESTART_MS = 3_000;
const SETTLE_TIMEOUT_MS = 30_000;

type Outcome = 'committed' | 'aborted' | 'undecided';

interface Ledger {
  /** Transaction id ("worker:sequence") → what its producer was told. */
  readonly outcomes: Map<string, Outcome>;
}

function durableEnv(): Record<string, string> {
  return { STORAGE_MODE: 'durable', AUTO_CREATE_TOPICS: 'false', FSYNC: 'interval' };
}

/**
 * One worker: transactions of RECORDS_PER_TRANSACTION records over every partition, each
 * committed or aborted, until `running()` is false. A failed call (the broker is gone) marks
 * the transaction undecided and starts a new producer of the same transactional id, whose
 * InitProducerId fences the old one and aborts what it left open.
 */
async function runWorker(bootstrap: string, topic: string, worker: number, ledger: Ledger, running: () => boolean): Promise<void> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: `e2e-txn-load-${worker}`, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 } });
  let producer: Producer | null = null;
  for (let sequence = 0; running(); sequence++) {
    const id = `${worker}:${sequence}`;
    const commit = sequence % ABORT_EVERY !== ABORT_EVERY - 1;
    try {
      producer ??= kafka.producer({ transactionalId: `${topic}-w${worker}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: TRANSACTION_TIMEOUT_MS });
      await producer.connect();
      const txn = await producer.transaction();
      ledger.outcomes.set(id, 'undecided');
      const messages = Array.from({ length: RECORDS_PER_TRANSACTION }, (_, i) => ({ value: `${id}:${i}`, partition: i % PARTITIONS }));
      await txn.send({ topic, messages });
      await (commit ? txn.commit() : txn.abort());
      ledger.outcomes.set(id, commit ? 'committed' : 'aborted');
    } catch {
      await producer?.disconnect().catch(() => undefined);
      producer = null;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await producer?.disconnect().catch(() => undefined);
}

describe('transactions in durable mode across kill -9', () => {
  after(closeJavaDrivers);

  it('keeps every committed record exactly once and no aborted one, with the broker killed under load', async () => {
    let broker: BrokerHandle = await startBroker({ env: durableEnv() });
    const reuse = { storagePath: broker.storagePath, kafkaPort: broker.kafkaPort, restPort: broker.restPort };
    const topic = uniqueTopic('txn-durable');
    const ledger: Ledger = { outcomes: new Map() };
    let load = true;
    try {
      await createTopic(broker, topic, PARTITIONS);
      const workers = Array.from({ length: WORKERS }, (_, w) => runWorker(broker.bootstrap, topic, w, ledger, () => load));
      await waitFor('transactions before the crash', 30_000, async () => ([...ledger.outcomes.values()].filter((o) => o === 'committed').length >= 5 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS));
      await broker.kill();
      const committedBeforeCrash = [...ledger.outcomes.values()].filter((o) => o === 'committed').length;
      broker = await startBroker({ env: durableEnv(), reuse, readyTimeoutMs: 60_000 });
      await waitFor('transactions after the restart', 30_000, async () => ([...ledger.outcomes.values()].filter((o) => o === 'committed').length > committedBeforeCrash ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, LOAD_AFTER_RESTART_MS));
      load = false;
      await Promise.all(workers);

      const b = broker;
      await waitFor('no transaction left open', SETTLE_TIMEOUT_MS, async () => {
        const offsets = await stableOffsets(b, topic, PARTITIONS);
        return offsets.every((p) => p.lastStableOffset === p.highWatermark) ? true : undefined;
      });
      const read = await runJavaOp<{ records: { value: string }[] }>('3.9', b.bootstrap, 'txn_read_all', { topic, partitions: PARTITIONS, isolation: 'read_committed' });
      verify(ledger, read.records.map((r) => r.value));
    } finally {
      load = false;
      await broker.stop();
      await rm(reuse.storagePath, { recursive: true, force: true });
    }
  });
});

function verify(ledger: Ledger, values: readonly string[]): void {
  const seen = new Set<string>();
  const perTransaction = new Map<string, number>();
  for (const value of values) {
    assert.ok(!seen.has(value), `record ${value} was read twice`);
    seen.add(value);
    const id = value.split(':').slice(0, 2).join(':');
    perTransaction.set(id, (perTransaction.get(id) ?? 0) + 1);
  }
  const counts = { committed: 0, aborted: 0, undecided: 0 };
  for (const [id, outcome] of ledger.outcomes) {
    counts[outcome]++;
    const found = perTransaction.get(id) ?? 0;
    if (outcome === 'committed') assert.equal(found, RECORDS_PER_TRANSACTION, `committed transaction ${id}: ${found} records`);
    if (outcome === 'aborted') assert.equal(found, 0, `aborted transaction ${id} is visible`);
    if (outcome === 'undecided') assert.ok(found === 0 || found === RECORDS_PER_TRANSACTION, `transaction ${id} left undecided by the crash is partly visible (${found})`);
  }
  for (const id of perTransaction.keys()) assert.ok(ledger.outcomes.has(id), `records of a transaction never begun: ${id}`);
  assert.ok(counts.committed > 10 && counts.aborted > 2, `enough load: ${JSON.stringify(counts)}`);
}
