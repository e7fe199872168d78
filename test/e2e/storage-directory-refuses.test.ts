/**
 * A durable broker whose partition directory refuses changes for real: it is made immutable
 * (chattr +i: even root can neither create nor unlink a file in it). Needs chattr and the right
 * to set the attribute (root on ext4, as here): without them the tests are skipped, saying so.
 * - Retention: the sweep that wants the expired segments gone fails to delete them. The log
 *   start (ListOffsets earliest) must stay where it was, as the files do (it used to move anyway,
 *   so that a kill -9 before the next sweep brought the records back), with one error line, the
 *   attempts counted, the WAL not failed and readiness up; once the directory takes deletions
 *   again, a later sweep deletes the files and moves it.
 * - REST produce: a write that needs a new segment fails, the WAL is failed, and the REST API
 *   answers 503 (KAFKA_STORAGE_ERROR), logged as one warning for a burst of them (README, "REST
 *   admin API": at most one line a minute, clients retry a 503); once the directory takes files
 *   again the WAL resumes (its probe writes there), with one failure line in all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { DELETE_RETRY_MS } from '../../src/retention/retention.service.js';
import { rest } from './admin-support.js';
import { uniqueTopic, waitFor } from './harness.js';
import { createTopic, kafkajsAdmin, offsetsOf, restartableBroker } from './storage-support.js';

const TEST_TIMEOUT_MS = 60_000;
const run = promisify(execFile);

/** Sets (`+i`) or clears (`-i`) the immutable attribute of `path`; false when this system cannot. */
async function chattr(flag: '+i' | '-i', path: string): Promise<boolean> {
  try {
    await run('chattr', [flag, path]);
    return true;
  } catch {
    return false;
  }
}

/** Runs `body` with `directory` immutable (the attribute cleared after); false when this system cannot set it. */
async function whileImmutable(directory: string, body: () => Promise<void>): Promise<boolean> {
  if (!(await chattr('+i', directory))) return false;
  try {
    await body();
  } finally {
    assert.ok(await chattr('-i', directory), `chattr -i ${directory}`);
  }
  return true;
}

const NO_CHATTR = 'chattr +i is not available here (needs chattr and CAP_LINUX_IMMUTABLE on a file system that has the attribute)';

describe('a durable partition directory that refuses changes (chattr +i)', () => {
  const durable = restartableBroker('directory-refuses', { STORAGE_MODE: 'durable', FSYNC: 'interval', RETENTION: '1h', LOG_LEVEL: 'info' });

  test('the log start stays while the deletion is refused (one error line), and moves once the files can go', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const { broker } = durable;
    const topic = uniqueTopic('refused');
    const directory = join(durable.storagePath, `${topic}-0`);
    const segmentFiles = async () => (await readdir(directory)).filter((name) => name.endsWith('.log')).sort();
    // ~1.2 KB batches, 4 per 5000-byte segment: segments at 0, 4 and 8.
    await createTopic(broker.bootstrap, topic, 1, { 'segment.bytes': '5000' });
    const producer = new Kafka({ clientId: 'refused-e2e', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      for (let i = 0; i < 12; i++) await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: `k${i}`, value: Buffer.alloc(1100, i) }] });
    } finally {
      await producer.disconnect();
    }
    const before = await segmentFiles();
    assert.deepEqual(before.slice(0, 3), ['00000000000000000000.log', '00000000000000000004.log', '00000000000000000008.log']);
    const refused = new RegExp(`${topic}-0: could not delete the segment files below offset \\d+ \\(.*EPERM.*\\): the log start stays at 0`);
    const immutable = await whileImmutable(directory, async () => {
      const admin = kafkajsAdmin(broker.bootstrap);
      await admin.connect();
      try {
        // AlterConfigs replaces the whole set: segment.bytes again, and every batch expired.
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'segment.bytes', value: '5000' }, { name: 'retention.ms', value: '1' }] }] });
      } finally {
        await admin.disconnect();
      }
      await waitFor('the refused deletion to be logged', 10_000, async () => (refused.test(broker.stdout()) ? true : undefined));
      // Past the first retry (DELETE_RETRY_MS after the failure; sweeps run every second), which fails
      // again: the log start never moves, and the lasting failure is said once. A wait for something
      // not to happen: no signal to wait for.
      await new Promise((resolve) => setTimeout(resolve, DELETE_RETRY_MS + 1_500));
      assert.deepEqual(await offsetsOf(broker.bootstrap, topic), [{ partition: 0, earliest: 0, latest: 12 }], 'the log start stays with the files');
      assert.deepEqual((await segmentFiles()).slice(0, 3), before.slice(0, 3), 'the files are all there');
      assert.equal(broker.stdout().split('\n').filter((line) => refused.test(line)).length, 1, 'one error line for the lasting failure');
      // A refused deletion puts no write at risk: the WAL is not failed (it used to be, with a
      // failed/writable pair of lines, and produce refused, at each retry), readiness stays up.
      assert.doesNotMatch(broker.stdout(), /write-ahead log failed/);
      assert.equal((await rest(broker, 'GET', '/health/ready')).status, 200);
      const failures = (await rest<string>(broker, 'GET', '/prometheus')).text.match(/^blink_segment_deletion_failures_total (\d+)/m);
      assert.ok(Number(failures?.[1]) >= 2, `the first attempt and its retry counted: ${failures?.[0]}`);
    });
    if (!immutable) return t.skip(NO_CHATTR);
    // The retries back off (5 s, then 10 s): the next one comes within DELETE_RETRY_MS * 3.
    await waitFor('the deletion to succeed and the log start to move', DELETE_RETRY_MS * 3 + 10_000, async () => {
      const [offsets] = await offsetsOf(broker.bootstrap, topic);
      return offsets!.earliest === 12 ? true : undefined;
    });
    assert.ok(!(await segmentFiles()).includes('00000000000000000000.log'), 'the expired segments are deleted');
    assert.match(broker.stdout(), new RegExp(`${topic}-0: the segment files below offset 12 are deleted now`));
  });
  test('REST produce while the WAL cannot write (no new segment): every request 503, one warning line for the burst', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const { broker } = durable;
    const topic = uniqueTopic('refused-rest');
    await createTopic(broker.bootstrap, topic, 1, { 'segment.bytes': '5000' });
    const produce = async () => (await rest(broker, 'POST', `/api/v1/topics/${topic}/records`, { json: { partition: 0, records: [{ value: 'x'.repeat(6_000) }] } })).status;
    // The first record fills the first segment (an empty segment is never rolled): the next needs a new one.
    assert.equal(await produce(), 201);
    const warning = /a REST request was refused with 503/;
    const warningsBefore = broker.stdout().split('\n').filter((line) => warning.test(line)).length;
    const statuses: number[] = [];
    const immutable = await whileImmutable(join(durable.storagePath, `${topic}-0`), async () => {
      for (let i = 0; i < 5; i++) statuses.push(await produce());
    });
    if (!immutable) return t.skip(NO_CHATTR);
    assert.deepEqual(statuses, [503, 503, 503, 503, 503]);
    const warnings = broker.stdout().split('\n').filter((line) => warning.test(line));
    assert.equal(warnings.length - warningsBefore, 1, `one line for five refusals:\n${warnings.join('\n')}`);
    // The probe writes in the partition's directory too: once it takes files again, the WAL resumes.
    await waitFor('the WAL writable again', 10_000, async () => ((await rest(broker, 'GET', '/health/ready')).status === 200 ? true : undefined));
    assert.equal(await produce(), 201);
    assert.equal(broker.stdout().split('\n').filter((line) => /write-ahead log failed/.test(line)).length, 1, 'one failure line: the refusing directory was probed, not resumed into the next failure');
  });
});
