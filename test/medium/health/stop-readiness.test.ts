/**
 * Medium tests of readiness during a stop (src/health/stop-request.ts), on the real application
 * in this process (loopback ports the OS picks, memory mode):
 * - every close asks: app.close() (what an embedded broker's stop() runs) with a Fetch parked
 *   for 30 s on a raw Kafka connection: as the Kafka transport's drain begins, the fetch still
 *   parked, the readiness check answers 503 with 'shutdown' down. (Before the close asked, it
 *   answered 503 there too, from Terminus's own beforeApplicationShutdown, but with 'shutdown'
 *   up.) The REST port is closed by then (Nest closes Fastify before the Kafka transport), so
 *   the check is the controller's, called as the route calls it.
 * - an embedded start called off (startBlink's signal) while the REST port is starting to
 *   listen, the step the close waits for: /health/ready, asked over HTTP before the start is
 *   over, answers 503 with 'shutdown' down (it answered 200, every check up, before
 *   listenBlinkApp asked on the abort).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBlinkApp, listenBlinkApp } from '../../../src/blink-app.js';
import { startBlink } from '../../../src/embed.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import { HealthController } from '../../../src/health/health.controller.js';
import { KafkaTransport } from '../../../src/kafka/transport/kafka-transport.js';
import { rawCreateTopic, rawFetch } from '../../e2e/raw-kafka.js';
import type { BlinkConfig } from '../../../src/config/settings.js';
import { loopbackMemoryConfig } from '../../support/app-harness.js';
import { withTempDir } from '../../support/wal-fixtures.js';

/** A readiness answer: the HTTP status and the body's details. */
interface Readiness {
  status: number;
  details: Record<string, { status: string; message?: string }>;
}

/** The readiness check as the /health/ready route runs it (Terminus answers 503 by throwing its exception). */
async function controllerReadiness(app: NestFastifyApplication): Promise<Readiness> {
  try {
    const result = (await app.get(HealthController).ready()) as { details: Readiness['details'] };
    return { status: 200, details: result.details };
  } catch (error) {
    const { getStatus, getResponse } = error as { getStatus?: () => number; getResponse?: () => { details: Readiness['details'] } };
    if (getStatus === undefined || getResponse === undefined) throw error;
    return { status: getStatus.call(error), details: getResponse.call(error).details };
  }
}

/** GET /health/ready on a connection of its own. */
function httpReadiness(port: number): Promise<Readiness> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health/ready', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, details: (JSON.parse(body) as Pick<Readiness, 'details'>).details }));
      })
      .on('error', reject);
  });
}

const memoryConfig = (dir: string): BlinkConfig => loopbackMemoryConfig(dir, 'stop-readiness test');

describe('readiness during a stop (medium: the real application on loopback)', () => {
  it('app.close() with a fetch parked: readiness is 503, shutdown down, as the Kafka transport starts draining', async () => {
    await withTempDir(async (dir) => {
      const config = memoryConfig(dir);
      const app = await createBlinkApp(config, { silent: true, processMetrics: false });
      let closing: Promise<void> | undefined;
      try {
        const ports = await listenBlinkApp(app, config);
        assert.ok(ports !== null);
        const port = ports.kafkaPorts[0]!;
        assert.equal((await rawCreateTopic(port, 'idle', 1)).errorCode, 0);
        const before = await controllerReadiness(app);
        assert.equal(before.status, 200, JSON.stringify(before));
        assert.equal(await httpReadiness(ports.restPort).then((answer) => answer.status), 200);
        // The fetch's parking, and the start of the Kafka transport's drain, seen from their own methods.
        const parking = app.get(FetchParking);
        const parked = new Promise<void>((resolve) => {
          const park = parking.park;
          parking.park = function (this: FetchParking, ...args: Parameters<FetchParking['park']>) {
            parking.park = park;
            resolve();
            return park.apply(this, args);
          } as FetchParking['park'];
        });
        let answered = false;
        const fetched = rawFetch(port, { topic: 'idle', partition: 0, offset: 0, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 }).finally(() => (answered = true));
        await parked;
        const transport = app.get(KafkaTransport);
        const drain = transport.close;
        let atDrain: { parked: number; answered: boolean; readiness: Promise<Readiness> } | undefined;
        transport.close = function (this: KafkaTransport) {
          transport.close = drain;
          atDrain = { parked: parking.parkedCount, answered, readiness: controllerReadiness(app) };
          return drain.call(this);
        };
        closing = app.close();
        const result = await fetched;
        assert.ok(atDrain !== undefined, 'the close drained the Kafka transport');
        assert.deepEqual({ parked: atDrain.parked, answered: atDrain.answered }, { parked: 1, answered: false }, 'the fetch was still parked when the drain began');
        const during = await atDrain.readiness;
        assert.equal(during.status, 503, JSON.stringify(during));
        assert.deepEqual(during.details.shutdown, { status: 'down', message: 'shutting down' }, JSON.stringify(during));
        assert.equal(result.errorCode, 0, 'the parked fetch was answered by the drain');
        await closing;
      } finally {
        await (closing ?? app.close());
      }
    });
  });

  it('an embedded start called off as its REST port starts listening: /health/ready answers 503, shutdown down, before the start is over', async () => {
    const stop = new AbortController();
    let answer: Promise<Readiness> | undefined;
    let started = false;
    const listen = net.Server.prototype.listen;
    // The REST port takes connections once bound; app.listen is not over until 'listening' is emitted: held until readiness has answered.
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      if (this instanceof http.Server) {
        net.Server.prototype.listen = listen;
        const server = this;
        const original = server.emit;
        const emit = original.bind(server) as (event: string | symbol, ...rest: unknown[]) => boolean;
        server.emit = function (event: string | symbol, ...rest: unknown[]): boolean {
          if (event !== 'listening') return emit(event, ...rest);
          server.emit = original;
          stop.abort();
          answer = httpReadiness((server.address() as net.AddressInfo).port);
          void answer.finally(() => emit('listening', ...rest));
          return true;
        };
      }
      return (listen as (...a: unknown[]) => net.Server).apply(this, args);
    } as typeof listen;
    try {
      const start = startBlink({}, { signal: stop.signal }).then(() => void (started = true));
      await assert.rejects(start, { name: 'AbortError' });
    } finally {
      net.Server.prototype.listen = listen;
    }
    assert.equal(started, false);
    assert.ok(answer !== undefined, 'the REST port started listening');
    const readiness = await answer;
    assert.equal(readiness.status, 503, JSON.stringify(readiness));
    assert.deepEqual(readiness.details.shutdown, { status: 'down', message: 'shutting down' }, JSON.stringify(readiness));
  });
});
