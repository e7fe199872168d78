/**
 * Kafka connection limits on a running broker, over raw sockets (issue 14): a connection with
 * no traffic for connections_max_idle_ms is closed; one that trickles a frame byte by byte
 * (slowloris) is closed after request_timeout_ms although it is never idle; connections
 * beyond max_connections_per_ip are closed at once, with one log line for many; a frame that
 * does not fit in queued_max_request_bytes waits, its client's bytes unread, while small
 * requests of others are still answered, and is read once room is made. Each closure is
 * counted in blink_connections_closed_by_broker_total by reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { useBroker } from './client-suite.js';
import { sleep, waitFor } from './harness.js';
import { RawConnection, apiVersionsRequest, parseApiVersionsV0 } from './raw-kafka.js';

const TEST_TIMEOUT_MS = 60_000;
const IDLE_MS = 3_000;
const REQUEST_TIMEOUT_MS = 1_500;
const PER_IP = 6;
const MIB = 1024 * 1024;

/** One ApiVersions v0 round trip: the connection is served. */
async function served(connection: RawConnection, correlationId: number): Promise<void> {
  connection.write(apiVersionsRequest(0, correlationId));
  assert.equal(parseApiVersionsV0(await connection.readFrame(10_000)).errorCode, 0);
}

async function closedByBroker(restUrl: string, reason: string): Promise<number> {
  const text = await (await fetch(`${restUrl}/prometheus`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`blink_connections_closed_by_broker_total{reason="${reason}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** The broker's open Kafka connections (blink_connections). */
async function openConnections(restUrl: string): Promise<number> {
  const text = await (await fetch(`${restUrl}/prometheus`)).text();
  const line = text.split('\n').find((l) => l.startsWith('blink_connections '));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/**
 * Waits until the broker counts no Kafka connection open. A client's close reaches the broker
 * asynchronously: connections a test has just closed (the previous test's, or the harness's)
 * still hold their per-IP slots for a moment, and on a loaded machine a new connection came
 * in over max_connections_per_ip and was closed unanswered.
 */
async function noConnectionOpen(restUrl: string): Promise<void> {
  await waitFor('no Kafka connection open', 10_000, async () => ((await openConnections(restUrl)) === 0 ? true : undefined));
}

/** Resolves once `socket`'s unsent bytes stop changing for a second; returns them. */
async function settledUnsent(connection: RawConnection): Promise<number> {
  let last = -1;
  return waitFor('unsent bytes settle', 20_000, async () => {
    const now = connection.socket.writableLength;
    const settled = now === last;
    last = now;
    return settled ? now : undefined;
  }, 1_000);
}

describe('connection expiry', () => {
  const broker = useBroker({ CONNECTIONS_MAX_IDLE_MS: String(IDLE_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });

  test('an idle connection is closed after connections_max_idle_ms; one that keeps talking stays', { timeout: TEST_TIMEOUT_MS }, async () => {
    const idle = await RawConnection.open(broker().kafkaPort);
    const talking = await RawConnection.open(broker().kafkaPort);
    const openedAt = Date.now();
    await served(idle, 1);
    let correlationId = 1;
    while (!idle.closed && Date.now() - openedAt < IDLE_MS + 10_000) {
      await served(talking, ++correlationId);
      await sleep(IDLE_MS / 4);
    }
    await idle.waitForClose(1_000);
    assert.ok(Date.now() - openedAt >= IDLE_MS, 'not before connections_max_idle_ms');
    await served(talking, ++correlationId);
    assert.equal(talking.closed, false);
    assert.ok((await closedByBroker(broker().restUrl, 'idle')) >= 1);
    talking.close();
  });

  test('a frame trickled a byte at a time is cut off after request_timeout_ms, though bytes keep coming', { timeout: TEST_TIMEOUT_MS }, async () => {
    const slow = await RawConnection.open(broker().kafkaPort);
    const frame = apiVersionsRequest(0, 1, 'x'.repeat(200));
    const startedAt = Date.now();
    for (let i = 0; i < frame.length && !slow.closed; i++) {
      slow.write(frame.subarray(i, i + 1));
      await sleep(100);
    }
    await slow.waitForClose(REQUEST_TIMEOUT_MS + 5_000);
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs >= REQUEST_TIMEOUT_MS && tookMs < IDLE_MS + 5_000, `closed after ${tookMs} ms`);
    assert.ok((await closedByBroker(broker().restUrl, 'request_timeout')) >= 1);
    assert.match(`${broker().stdout()}${broker().stderr()}`, /a request frame is still incomplete after request_timeout_ms/);
  });
});

describe('connection limits', () => {
  const broker = useBroker({ MAX_CONNECTIONS_PER_IP: String(PER_IP), QUEUED_MAX_REQUEST_BYTES: '100MB' });

  test('connections beyond max_connections_per_ip are closed unanswered, logged once, and a slot frees on close', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    // The harness's readiness check connects too: count from a broker that has seen it close.
    await noConnectionOpen(broker().restUrl);
    const admitted: RawConnection[] = [];
    // Closed even when an assertion fails (the next test then waits until the broker has seen them close).
    t.after(() => {
      for (const connection of admitted) connection.close();
    });
    for (let i = 0; i < PER_IP; i++) {
      const connection = await RawConnection.open(broker().kafkaPort);
      await served(connection, i);
      admitted.push(connection);
    }
    const refused = await Promise.all([1, 2, 3].map(() => RawConnection.open(broker().kafkaPort)));
    for (const connection of refused) {
      connection.write(apiVersionsRequest(0, 99));
      await connection.waitForClose(10_000);
      assert.equal(connection.bufferedBytes, 0, 'no answer');
    }
    // The broker's log reaches its stdout pipe asynchronously: wait for the line, then count.
    const refusals = () => `${broker().stdout()}${broker().stderr()}`.match(/refused a connection from 127\.0\.0\.1/g)?.length ?? 0;
    await waitFor('the refusal logged', 10_000, async () => (refusals() > 0 ? true : undefined));
    assert.equal(refusals(), 1, 'one line for three refusals');
    assert.equal(await closedByBroker(broker().restUrl, 'max_connections_per_ip'), 3);
    admitted.pop()!.close();
    const again = await waitFor('a free slot', 10_000, async () => {
      const connection = await RawConnection.open(broker().kafkaPort);
      connection.write(apiVersionsRequest(0, 7));
      return connection.readFrame(2_000).then(() => connection, () => undefined);
    });
    for (const connection of [...admitted, again]) connection.close();
  });

  test('a frame that does not fit in queued_max_request_bytes waits unread while small requests are served', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Every per-IP slot free again (the previous test's connections closed on the broker's side too).
    await noConnectionOpen(broker().restUrl);
    // Two 60 MiB frames do not fit in 100MB together: whichever size arrives first is read, the other waits.
    const pair = await Promise.all([1, 2].map(() => RawConnection.open(broker().kafkaPort)));
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(60 * MIB);
    for (const connection of pair) connection.write(Buffer.concat([prefix, Buffer.alloc(20 * MIB)]));
    const unsent = [await settledUnsent(pair[0]!), await settledUnsent(pair[1]!)];
    const waiting = unsent[0]! > unsent[1]! ? pair[0]! : pair[1]!;
    const reading = waiting === pair[0] ? pair[1]! : pair[0]!;
    assert.equal(Math.min(...unsent), 0, `one frame is read as it arrives (${unsent.join(', ')} bytes unsent)`);
    assert.ok(Math.max(...unsent) > 10 * MIB, `the broker stopped reading the other (${unsent.join(', ')} bytes unsent)`);
    const small = await RawConnection.open(broker().kafkaPort);
    await served(small, 1);
    reading.close();
    await waitFor('the waiting frame read once room was made', 20_000, async () => (waiting.socket.writableLength === 0 ? true : undefined));
    small.close();
    waiting.close();
  });
});
