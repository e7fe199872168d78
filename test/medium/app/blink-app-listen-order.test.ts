/**
 * Medium test of listenBlinkApp's order (src/blink-app.ts, the real application on loopback
 * ports the OS picks): the Kafka listeners are bound before the REST port when storage
 * recovery is quick (a boot's first ApiVersions does not wait for Fastify's start, for Nest's
 * registration of the REST routes, nor for the REST face's modules, loaded into the application
 * after the Kafka listeners bind: a client connecting as they bind is answered before any of it),
 * and the REST port is bound while a long recovery runs, its readiness probe down, the Kafka
 * listeners not yet bound. Fastify itself is built with the REST face (deferred-fastify-adapter.ts):
 * until then the application has no HTTP server.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createBlinkApp, listenBlinkApp } from '../../../src/blink-app.js';
import { ModulesContainer } from '@nestjs/core';
import { AdminModule } from '../../../src/admin/admin.module.js';
import { HttpRouteTable } from '../../../src/admin/http/route-table.js';
import { HealthModule } from '../../../src/health/health.module.js';
import { RestFaceModule } from '../../../src/rest-face.module.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import type { BlinkConfig } from '../../../src/config/settings.js';
import { StorageRecovery } from '../../../src/recovery/storage-recovery.js';
import { loopbackMemoryConfig } from '../../support/app-harness.js';
import { withTempDir } from '../../support/wal-fixtures.js';

const memoryConfig = (dir: string): BlinkConfig => loopbackMemoryConfig(dir, 'blink-app-listen-order test');

async function withApp(body: (app: NestFastifyApplication, config: BlinkConfig) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const config = memoryConfig(dir);
    // Two brokers in one process (one per case): prom-client's process metrics go in its process-wide registry once.
    const app = await createBlinkApp(config, { silent: true, processMetrics: register.getSingleMetric('process_cpu_user_seconds_total') === undefined });
    try {
      await body(app, config);
    } finally {
      await app.close();
    }
  });
}

async function readinessStatus(server: Server): Promise<number> {
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
  await response.arrayBuffer();
  return response.status;
}

/** ApiVersions v0 (size 10 | api_key 18 | api_version 0 | correlation_id 7 | client_id ""): the correlation id and error code of its answer. */
async function apiVersionsV0(port: number): Promise<{ correlationId: number; errorCode: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    socket.write(Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 7, 0, 0]));
    let received = Buffer.alloc(0);
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) return { correlationId: received.readInt32BE(4), errorCode: received.readInt16BE(8) };
    }
    throw new Error(`the connection closed after ${received.length} bytes`);
  } finally {
    socket.destroy();
  }
}

/** The recovery the init hooks start (and listenBlinkApp waits for) lasts until the returned function lets it finish. */
function holdRecovery(app: NestFastifyApplication): () => void {
  const recovery = app.get(StorageRecovery);
  const recover = recovery.completed.bind(recovery);
  let finishRecovery!: () => void;
  const recoveryMayFinish = new Promise<void>((resolve) => {
    finishRecovery = resolve;
  });
  let held: Promise<void> | undefined;
  recovery.completed = () => (held ??= recoveryMayFinish.then(recover));
  return finishRecovery;
}

/** Runs `then` with the ports as soon as the Kafka listeners are bound (ListenerStatus hears of it). */
function onKafkaBound(app: NestFastifyApplication, then: (ports: readonly number[]) => void): void {
  const listeners = app.get(ListenerStatus);
  const listening = listeners.listening.bind(listeners);
  listeners.listening = (ports) => {
    listening(ports);
    then(ports);
  };
}

/**
 * Settles when the application's REST port listens (its app.listen, which listenBlinkApp calls once,
 * resolved): its HTTP server, and whether the Kafka listeners were bound when app.listen was called.
 * app.listen is shadowed on the application as blink-app.ts shadows its router steps (an own
 * property beneath Nest's proxies, which call it with the application itself as `this`).
 */
function restListening(app: NestFastifyApplication): Promise<{ server: Server; kafkaBound: boolean }> {
  const nest = Object.getPrototypeOf(app) as { listen(this: unknown, ...args: unknown[]): Promise<Server> };
  return new Promise((resolve, reject) => {
    Object.defineProperty(app, 'listen', {
      configurable: true,
      async value(this: unknown, ...args: unknown[]): Promise<Server> {
        const kafkaBound = app.get(ListenerStatus).isListening;
        try {
          const server = await nest.listen.apply(this, args);
          resolve({ server, kafkaBound });
          return server;
        } catch (err) {
          reject(err as Error);
          throw err;
        }
      },
    });
  });
}

/** The names of the REST face's modules the application holds (none until it is loaded). */
function loadedRestFace(app: NestFastifyApplication): string[] {
  const restFace = [RestFaceModule, HealthModule, AdminModule];
  return [...app.get(ModulesContainer).values()].filter((module) => restFace.includes(module.metatype as never)).map((module) => module.metatype.name);
}

describe('listenBlinkApp (medium: the real application on loopback)', () => {
  it('answers a Kafka client that connects as the listeners bind before the REST face is loaded, its routes registered and the port started', async () => {
    await withApp(async (app, config) => {
      const bound = new Promise<readonly number[]>((resolve) => onKafkaBound(app, resolve));
      // REST starts 1.5 s after the Kafka listeners here (10 ms in a server): room for a loaded machine.
      const started = listenBlinkApp(app, config, { restWaitsMs: 30_000, restAfterKafkaMs: 1_500 });
      const [kafkaPort] = await bound;
      assert.deepEqual(await apiVersionsV0(kafkaPort!), { correlationId: 7, errorCode: 0 });
      assert.equal(app.getHttpServer(), undefined, 'the first ApiVersions was answered before Fastify and its HTTP server were built');
      assert.deepEqual(loadedRestFace(app), [], 'the REST face joins the application after the Kafka listeners bind');
      assert.throws(() => app.get(HttpRouteTable), /HttpRouteTable/, 'its providers are not built yet');
      const ports = await started;
      assert.ok(ports !== null, 'not stopped');
      const server = app.getHttpServer() as Server;
      assert.equal(server.listening, true);
      assert.deepEqual(loadedRestFace(app).sort(), ['AdminModule', 'HealthModule', 'RestFaceModule']);
      // The route table records every route Fastify is given (its onRoute hook, set with the REST face), Nest's controllers' as they are registered.
      assert.ok(app.get(HttpRouteTable).list().some((route) => route.method === 'GET' && route.url === '/health/ready'), 'the routes of the REST face are registered');
      assert.deepEqual(ports.kafkaPorts, [kafkaPort]);
      assert.equal(await readinessStatus(server), 200);
    });
  });

  it('binds the Kafka listeners before the REST port when storage recovery is quick', async () => {
    await withApp(async (app, config) => {
      const rest = restListening(app);
      // A loaded machine may take longer than the server's 100 ms to recover an empty memory tier: here REST waits up to 30 s.
      const ports = await listenBlinkApp(app, config, { restWaitsMs: 30_000 });
      assert.ok(ports !== null, 'not stopped');
      const { server, kafkaBound } = await rest;
      assert.equal(kafkaBound, true, 'the Kafka listeners were bound when the REST port started listening');
      assert.equal(ports.kafkaPorts.length, 1);
      assert.equal(await readinessStatus(server), 200);
    });
  });

  it('binds the REST port during a long storage recovery (probe down, Kafka not bound), and the Kafka listeners once it is done', async () => {
    await withApp(async (app, config) => {
      const finishRecovery = holdRecovery(app);
      // Bounded: a REST port that waited for the recovery would never listen here.
      const listening = Promise.race([restListening(app), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the REST port did not listen within 10 s')), 10_000).unref())]);
      const started = listenBlinkApp(app, config);
      let server: Server;
      try {
        ({ server } = await listening);
        assert.equal(app.get(ListenerStatus).isListening, false, 'no Kafka listener before storage is recovered');
        assert.equal(await readinessStatus(server), 503, 'not ready while storage recovers');
      } finally {
        finishRecovery();
      }
      const ports = await started;
      assert.ok(ports !== null, 'not stopped');
      assert.equal(ports.kafkaPorts.length, 1);
      assert.equal(await readinessStatus(server), 200);
    });
  });

  it('stop aborted as the Kafka listeners bind: the REST face is neither loaded, routed nor started, it resolves with null, and the application closes', async () => {
    await withApp(async (app, config) => {
      const stop = new AbortController();
      onKafkaBound(app, () => stop.abort());
      const ports = await listenBlinkApp(app, config, { stop: stop.signal, restWaitsMs: 30_000, restAfterKafkaMs: 0 });
      assert.equal(stop.signal.aborted, true, 'the Kafka listeners were bound');
      assert.equal(ports, null);
      assert.equal(app.getHttpServer(), undefined, 'no REST port: Fastify was not even built');
      assert.deepEqual(loadedRestFace(app), [], 'the REST face was not loaded');
      // withApp closes the application: that must not fail on a half-started REST face.
    });
  });

  it('stop aborted during a long storage recovery: resolves with null at once, no Kafka listener bound', async () => {
    await withApp(async (app, config) => {
      const finishRecovery = holdRecovery(app);
      const stop = new AbortController();
      try {
        const started = listenBlinkApp(app, config, { stop: stop.signal, restWaitsMs: 30_000 });
        setImmediate(() => stop.abort());
        // Bounded: a boot that waited for the recovery would still be waiting.
        const outcome = await Promise.race([started, delay(10_000, 'still waiting for the recovery', { ref: false })]);
        assert.equal(outcome, null);
        assert.equal(app.get(ListenerStatus).isListening, false, 'no Kafka listener');
      } finally {
        finishRecovery();
      }
    });
  });
});
