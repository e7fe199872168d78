/**
 * Medium tests (the whole AppModule on a temporary directory; the remote cluster is a
 * closed port, so it never answers): with the uplink on, retention keeps what the uplink has
 * not copied (uplink_unmirrored: keep) or drops it and counts it (drop); a cut-over closes
 * produce on the mirrored topics only, stays closed across a restart (durable mode) until it
 * is abandoned; the status says the remote does not answer; and closing the application
 * cancels every timer and leaves no socket or file open.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { ProduceService } from '../../../src/produce/produce.service.js';
import { RetentionService } from '../../../src/retention/retention.service.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { UplinkService } from '../../../src/uplink/uplink.service.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { activeResources, closeAndCheck, compileApp, CountingClock } from '../../support/app-harness.js';
import { withTempDir } from '../../support/wal-fixtures.js';
import { createServer } from 'node:net';

Logger.overrideLogger(false);

/** A port nothing listens on: the kernel's pick for port 0, released at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const compile = (dir: string, remotePort: number, env: Record<string, string>, clock: CountingClock) =>
  compileApp(dir, { UPLINK_BOOTSTRAP_SERVERS: `127.0.0.1:${remotePort}`, UPLINK_TOPICS: 'mirrored.*', ...env }, clock);
const close = closeAndCheck;

/** One batch of `count` records appended to partition 0 (as a producer would send it). */
async function produce(app: TestingModule, topic: string, count = 3) {
  const [outcome] = await app.get(ProduceService).produce([{ topic, partition: 0, records: buildBatch(values(count)) }], 0, Date.now());
  return outcome;
}

async function droppedOffsets(): Promise<number> {
  const metric = await register.getSingleMetric('blink_uplink_unmirrored_dropped_offsets_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('the uplink in the application (medium: remote cluster unreachable)', () => {
  it('keep: retention stops at the uplink position on mirrored topics only; the status says the remote is not answering', async () => {
    await withTempDir(async (dir) => {
      const port = await freePort();
      const before = activeResources();
      const clock = new CountingClock();
      const app = await compile(dir, port, { UPLINK_UNMIRRORED: 'keep' }, clock);
      const topics = app.get(TopicRegistry);
      topics.create('mirrored-a', 1, new Map([['retention.ms', '1']]));
      topics.create('other', 1, new Map([['retention.ms', '1']]));
      assert.equal((await produce(app, 'mirrored-a')).errorCode, ErrorCode.NONE);
      assert.equal((await produce(app, 'other')).errorCode, ErrorCode.NONE);
      app.get(RetentionService).sweep(Date.now() + 60_000);
      assert.equal(topics.partition('mirrored-a', 0)?.logStartOffset, 0, 'not mirrored yet: kept');
      assert.equal(topics.partition('other', 0)?.logStartOffset, 3, 'not mirrored at all: retention as usual');
      const status = app.get(UplinkService).status();
      assert.equal(status.enabled, true);
      assert.equal(status.remoteReachable, false);
      assert.ok(['connecting', 'starting'].includes(status.state), status.state);
      await close(app, clock, before);
    });
  });

  it('drop: retention removes unmirrored data and counts every offset it removed', async () => {
    await withTempDir(async (dir) => {
      const port = await freePort();
      const before = activeResources();
      const clock = new CountingClock();
      const app = await compile(dir, port, { UPLINK_UNMIRRORED: 'drop' }, clock);
      app.get(TopicRegistry).create('mirrored-b', 1, new Map([['retention.ms', '1']]));
      await produce(app, 'mirrored-b', 4);
      app.get(RetentionService).sweep(Date.now() + 60_000);
      assert.equal(app.get(TopicRegistry).partition('mirrored-b', 0)?.logStartOffset, 4);
      assert.equal(await droppedOffsets(), 4);
      await close(app, clock, before);
    });
  });

  it('durable: a cut-over closes produce on mirrored topics, stays closed after a restart, and opens when abandoned', async () => {
    await withTempDir(async (dir) => {
      const env = { STORAGE_MODE: 'durable' };
      const port = await freePort();
      const before = activeResources();
      const firstClock = new CountingClock();
      const first = await compile(dir, port, env, firstClock);
      first.get(TopicRegistry).create('mirrored-c', 1);
      const status = await first.get(UplinkService).cutover(0);
      assert.equal(status.cutover.state, 'draining', 'the remote does not answer: not ready');
      assert.ok(status.cutover.waitingFor.some((why) => why.startsWith('the remote cluster')), status.cutover.waitingFor.join('; '));
      const refused = await produce(first, 'mirrored-c');
      assert.equal(refused.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.match(refused.errorMessage ?? '', /has moved to the Kafka cluster at 127\.0\.0\.1:\d+/);
      assert.equal((await produce(first, 'unmirrored')).errorCode, ErrorCode.NONE, 'other topics take produce');
      await close(first, firstClock, before);

      const secondClock = new CountingClock();
      const second = await compile(dir, port, env, secondClock);
      assert.equal((await produce(second, 'mirrored-c')).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'still closed after the restart');
      assert.equal(second.get(UplinkService).abortCutover().cutover.state, 'none');
      assert.equal((await produce(second, 'mirrored-c')).errorCode, ErrorCode.NONE);
      await close(second, secondClock, before);

      const thirdClock = new CountingClock();
      const third = await compile(dir, port, env, thirdClock);
      assert.equal((await produce(third, 'mirrored-c')).errorCode, ErrorCode.NONE, 'the abandonment is durable too');
      await close(third, thirdClock, before);
    });
  });
});
