/**
 * The broker as one Nest application, built and started the same way by the server
 * (main.ts) and by an embedded broker (embed.ts): create the app, run the modules' init hooks
 * (storage recovery starts in one), bind the Kafka listeners once storage is recovered, so no
 * client sees a half-recovered log, and the REST port REST_AFTER_KAFKA_MS after they are
 * bound, or REST_WAITS_FOR_RECOVERY_MS after the hooks if recovery takes longer (its probes
 * answer while a long recovery runs: /health/ready is down until it is done). A boot with
 * little to recover so answers Kafka clients before Nest registers the REST routes and before
 * Fastify's start (its plugins, its port), which holds the event loop for one long turn. Ports
 * of 0 are the OS's pick; the bound ones are returned (and advertised by Metadata through
 * ListenerStatus).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import type { NestMicroservice } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { adminFastifyOptions, configureAdminHttp } from './admin/admin-http.js';
import { AppModule, type AppOptions } from './app.module.js';
import { ListenerStatus } from './cluster/listener-status.js';
import type { BlinkConfig } from './config/settings.js';
import { RequestQuotaInterceptor } from './kafka/request-quota.interceptor.js';
import { KafkaTransport } from './kafka/transport/kafka-transport.js';
import { StorageRecovery } from './recovery/storage-recovery.js';

/** How long the REST port waits for storage recovery and the Kafka listeners before it binds anyway. */
const REST_WAITS_FOR_RECOVERY_MS = 100;
/**
 * How long after the Kafka listeners bind the REST port starts, when they bound first: Fastify's
 * start (its plugins, the route table, the bind: 10-15 ms) runs as one turn of the event loop,
 * so clients already knocking at the Kafka port (reconnecting after a restart) would wait for
 * it; this lets them connect and have their first requests answered first (their ApiVersions
 * takes 2-5 ms from the connect). /health/ready is unaffected: it answers once REST listens,
 * and only 200 once the Kafka side serves. bench/README.md (Results, boot7) has the figures.
 */
const REST_AFTER_KAFKA_MS = 10;

/** The ports a started broker holds. */
export interface BoundPorts {
  readonly kafkaPorts: readonly number[];
  readonly restPort: number;
}

/** Builds the application and its REST configuration; nothing is bound yet. */
export async function createBlinkApp(config: BlinkConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), new FastifyAdapter(adminFastifyOptions(config)), {
    bufferLogs: true,
    abortOnError: false,
    // Module tokens by reference (Nest 12's default, pinned): 'deep-hash' serializes and hashes
    // each dynamic module's metadata, the whole config included (~2-5 ms more CPU per boot,
    // bench/README.md Results, boot8).
    moduleIdGeneratorAlgorithm: 'reference',
  });
  app.useLogger(app.get(Logger));
  configureAdminHttp(app);
  // The app's global pipe and filter are for the REST face (admin-http.ts): Kafka handlers
  // take decoded codec structs and answer errors with Kafka error codes, so they inherit none.
  // The Kafka face's one interceptor: request_percentage quotas for every API (request-quota.interceptor.ts).
  // It must be registered before the microservice sets up its handlers, which connectMicroservice
  // does at once unless deferred (the interceptor was silently left out); the deferred set-up
  // runs at startAllMicroservices, and must not run the modules' init hooks a second time
  // (app.listen runs them). Nest 12 has no option for that: connectMicroservice's interface
  // type hides setIsInitHookCalled, a public method of the NestMicroservice class it returns
  // (what it calls itself when not deferring). test/medium/app/blink-app-hooks.test.ts
  // fails if the hooks run twice.
  const kafka = app.connectMicroservice({ strategy: app.get(KafkaTransport) }, { inheritAppConfig: false, deferInitialization: true }) as NestMicroservice;
  kafka.setIsInitHookCalled(true);
  kafka.useGlobalInterceptors(app.get(RequestQuotaInterceptor));
  return app;
}

/**
 * Init hooks, then the Kafka listeners (after storage recovery) and the REST routes and port (`restAfterKafkaMs`
 * after the listeners, or `restWaitsMs` after the hooks: tests set both); resolves with the bound
 * ports. Both sides settle before it resolves or rejects (with the first failure, Kafka's first):
 * a failure on one side never leaves the other still starting behind the caller's close.
 */
export async function listenBlinkApp(
  app: NestFastifyApplication,
  config: BlinkConfig,
  restWaitsMs = REST_WAITS_FOR_RECOVERY_MS,
  restAfterKafkaMs = REST_AFTER_KAFKA_MS,
): Promise<BoundPorts> {
  const registerRoutes = deferRestRoutes(app);
  await app.init();
  const kafka = app.get(StorageRecovery).completed().then(() => app.startAllMicroservices());
  // app.listen skips the init it has already had.
  const rest = restTurn(kafka, restWaitsMs, restAfterKafkaMs)
    .then(registerRoutes)
    .then(() => app.listen(config.restPort, config.kafkaHostname));
  for (const outcome of await Promise.allSettled([kafka, rest])) if (outcome.status === 'rejected') throw outcome.reason;
  const restPort = (app.getHttpServer().address() as AddressInfo).port;
  return { kafkaPorts: app.get(ListenerStatus).boundPorts, restPort };
}

/**
 * Nest's init registers the REST routes (its RoutesResolver: every controller method's guards,
 * pipes and interceptors, ~10 ms of a boot) before the modules' init hooks, hence before the
 * Kafka side can start; they are needed only once the REST port listens. The application's own
 * registerRouter is shadowed for its init (an own property of the NestApplication beneath
 * Nest's proxies, which forward defineProperty and deleteProperty to it) by one that keeps the
 * call; the returned function makes it, once, and lifts the shadow. Nest calls registerRouter
 * from init alone.
 */
function deferRestRoutes(app: NestFastifyApplication): () => Promise<void> {
  const nest = Object.getPrototypeOf(app) as { registerRouter(this: unknown): Promise<void> };
  if (typeof nest.registerRouter !== 'function') throw new Error('NestApplication has no registerRouter: check blink-app.ts against this Nest version');
  let register: (() => Promise<void>) | null = null;
  Object.defineProperty(app, 'registerRouter', {
    configurable: true,
    value(this: unknown): Promise<void> {
      register = () => nest.registerRouter.call(this);
      return Promise.resolve();
    },
  });
  return async () => {
    Reflect.deleteProperty(app, 'registerRouter');
    const pending = register;
    register = null;
    if (pending === null) throw new Error('Nest did not register the REST routes during init: check blink-app.ts against this Nest version');
    await pending();
  };
}

/**
 * Settles `afterMs` after the Kafka side is up (rejects at once if it failed), or fulfils
 * `waitMs` after the call if that is sooner (a long recovery: the probes answer meanwhile);
 * the timers go with it.
 */
function restTurn(kafka: Promise<unknown>, waitMs: number, afterMs: number): Promise<unknown> {
  const timers = new AbortController();
  // Aborted when waitMs came first: the REST port is already starting.
  const pause = () => delay(afterMs, undefined, { signal: timers.signal }).catch(() => undefined);
  return Promise.race([kafka.then(pause), delay(waitMs, undefined, { signal: timers.signal })]).finally(() => timers.abort());
}
