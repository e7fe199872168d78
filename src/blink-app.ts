/**
 * The broker as one Nest application, built and started the same way by the server
 * (main.ts) and by an embedded broker (embed.ts): create the app from the broker's core
 * (core.module.ts), run the modules' init hooks (storage recovery starts in one), bind the Kafka
 * listeners once storage is recovered, so no client sees a half-recovered log, and start the
 * REST face REST_AFTER_KAFKA_MS after they are bound, or REST_WAITS_FOR_RECOVERY_MS after the
 * hooks if recovery takes longer (its probes answer while a long recovery runs: /health/ready is
 * down until it is done): Fastify is built (the application's HTTP adapter was a stand-in until
 * then: deferred-fastify-adapter.ts), the REST face's modules (rest-face.module.ts) join the
 * application through Nest's LazyModuleLoader, then Nest registers the REST routes and Fastify
 * starts (its plugins, its port), which holds the event loop for one long turn. A boot with little
 * to recover so answers Kafka clients before any of the REST face, Fastify included, is evaluated,
 * built or started. Ports of 0 are the OS's pick; the bound ones are returned (and advertised by
 * Metadata through ListenerStatus).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { aborted } from 'node:util';
import { LazyModuleLoader, ModulesContainer, NestFactory } from '@nestjs/core';
import { callModuleBootstrapHook, callModuleInitHook } from '@nestjs/core/hooks/index.js';
import type { Module as NestModule } from '@nestjs/core/injector/module.js';
import type { NestMicroservice } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { adminFastifyOptions, configureAdminSecurity } from './admin/http/admin-http-boot.js';
import { type AppOptions, BrokerCoreModule } from './core.module.js';
import { ListenerStatus } from './cluster/listener-status.js';
import type { BlinkConfig } from './config/settings.js';
import { type DeferredFastifyAdapter, deferredFastifyAdapter } from './deferred-fastify-adapter.js';
import { StopRequest } from './health/stop-request.js';
import { RequestQuotaInterceptor } from './kafka/request-quota.interceptor.js';
import { KafkaTransport } from './kafka/transport/kafka-transport.js';
import { StorageRecovery } from './recovery/storage-recovery.js';

/**
 * Emitted on `process` right before the Kafka listeners bind (storage recovered), at most once per
 * listenBlinkApp: start.ts flushes Node's compile cache and switches V8's compiling tiers back on then.
 */
export const KAFKA_LISTEN_EVENT = 'blink:kafka-listen';
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

/** The stand-in HTTP adapter of each application createBlinkApp made, which listenBlinkApp starts with the REST face. */
const restAdapters = new WeakMap<NestFastifyApplication, DeferredFastifyAdapter>();

/**
 * Builds the application (the broker's core; its REST face joins in listenBlinkApp); nothing is
 * bound yet, and its HTTP adapter is a stand-in whose Fastify is built with the REST face
 * (deferred-fastify-adapter.ts): until then app.getHttpServer() is undefined.
 */
export async function createBlinkApp(config: BlinkConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const http = deferredFastifyAdapter(adminFastifyOptions(config));
  const app = await NestFactory.create<NestFastifyApplication>(BrokerCoreModule.forRoot(config, options), http.adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Module tokens by reference (Nest 12's default, pinned): 'deep-hash' serializes and hashes
    // each dynamic module's metadata, the whole config included (~2-5 ms more CPU per boot,
    // bench/README.md Results, boot8).
    moduleIdGeneratorAlgorithm: 'reference',
  });
  app.useLogger(app.get(Logger));
  // Nest takes its security hook before init only; the rest of the REST face's set-up comes with it (loadRestFace).
  configureAdminSecurity(app);
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
  restAdapters.set(app, http);
  return app;
}

/** How listenBlinkApp runs: `stop` ends a boot (see listenBlinkApp); the two delays are for tests. */
export interface ListenOptions {
  /** Aborted when the application is to close (a signal, an embedded start called off). */
  readonly stop?: AbortSignal;
  /** How long the REST port waits for storage recovery and the Kafka listeners before it binds anyway. */
  readonly restWaitsMs?: number;
  /** How long after the Kafka listeners bind the REST port starts. */
  readonly restAfterKafkaMs?: number;
}

/**
 * Init hooks, then the Kafka listeners (after storage recovery) and the REST face, routes and port (`restAfterKafkaMs`
 * after the listeners, or `restWaitsMs` after the hooks: tests set both); resolves with the bound
 * ports. Both sides settle before it resolves or rejects (with the first failure, Kafka's first):
 * a failure on one side never leaves the other still starting behind the caller's close.
 * Once `stop` is aborted no further step starts (the wait for storage recovery ends at once; the
 * Kafka listeners, the REST face's load, its routes and its port are skipped if not begun) and,
 * once the step under way is over, it resolves with null (so it does whenever `stop` is aborted
 * before it is done): the caller then closes an application no boot step is still changing (a
 * close under a step makes the step fail: Fastify's start on a closed instance, "already listening").
 * /health/ready answers 503 from the abort on (StopRequest), while the step under way finishes.
 */
export async function listenBlinkApp(
  app: NestFastifyApplication,
  config: BlinkConfig,
  { stop, restWaitsMs = REST_WAITS_FOR_RECOVERY_MS, restAfterKafkaMs = REST_AFTER_KAFKA_MS }: ListenOptions = {},
): Promise<BoundPorts | null> {
  // A stop asked during the boot: /health/ready answers 503 at once, not only once the close (which waits for the step under way) begins.
  const stopRequest = app.get(StopRequest);
  const askStop = () => stopRequest.ask();
  if (stop?.aborted === true) askStop();
  stop?.addEventListener('abort', askStop, { once: true });
  try {
    return await bootSteps(app, config, stop, restWaitsMs, restAfterKafkaMs);
  } finally {
    stop?.removeEventListener('abort', askStop);
  }
}

/** listenBlinkApp's steps. */
async function bootSteps(app: NestFastifyApplication, config: BlinkConfig, stop: AbortSignal | undefined, restWaitsMs: number, restAfterKafkaMs: number): Promise<BoundPorts | null> {
  const stopped = new Error('the boot was stopped');
  /** `next`, unless `stop` was aborted meanwhile: then the boot's remaining steps are skipped. */
  const unlessStopped =
    <T>(next: () => T | Promise<T>) =>
    (): T | Promise<T> => {
      if (stop?.aborted === true) throw stopped;
      return next();
    };
  const registerRoutes = deferRestRoutes(app);
  await app.init();
  const recovered = app.get(StorageRecovery).completed();
  const kafka = (stop === undefined ? recovered : Promise.race([recovered, aborted(stop, app)])).then(
    unlessStopped(() => {
      // start.ts switches V8's compiling tiers back on here: no Kafka request may run under their hold.
      (process as NodeJS.EventEmitter).emit(KAFKA_LISTEN_EVENT);
      return app.startAllMicroservices();
    }),
  );
  // app.listen skips the init it has already had.
  const http = restAdapters.get(app);
  if (http === undefined) throw new Error('listenBlinkApp: an application createBlinkApp did not make');
  const rest = restTurn(kafka, restWaitsMs, restAfterKafkaMs)
    .then(unlessStopped(() => http.start(app)))
    .then(() => nextTurn())
    .then(unlessStopped(() => loadRestFace(app)))
    .then(() => nextTurn())
    .then(unlessStopped(registerRoutes))
    .then(() => nextTurn())
    .then(unlessStopped(() => app.listen(config.restPort, config.kafkaHostname)));
  const outcomes = await Promise.allSettled([kafka, rest]);
  for (const outcome of outcomes) if (outcome.status === 'rejected' && outcome.reason !== stopped) throw outcome.reason;
  if (stop?.aborted === true) return null;
  const restPort = (app.getHttpServer().address() as AddressInfo).port;
  return { kafkaPorts: app.get(ListenerStatus).boundPorts, restPort };
}

/**
 * The REST face (rest-face.module.ts) joins the running application: its code is evaluated
 * now (import()), its modules are scanned and built by Nest's LazyModuleLoader into the same
 * container (their providers inject the core's), their onModuleInit and onApplicationBootstrap
 * hooks run (the LazyModuleLoader runs none), and Nest's caches of the container's modules are
 * dropped (CONTAINER_CACHES) so that app.close() and app.get() reach them too. Then their HTTP set-up
 * (admin-http.ts). Their controllers' routes are registered next, with the rest (deferRestRoutes).
 * Each step (Fastify's build before it, the evaluation, Nest's build, then the routes and
 * Fastify's start: 10-20 ms each) is a turn of the event loop of its own (nextTurn), so a Kafka client connecting meanwhile is
 * answered between them rather than after the whole REST start.
 */
async function loadRestFace(app: NestFastifyApplication): Promise<void> {
  const { RestFaceModule, configureAdminHttp } = await import('./rest-face.module.js');
  await nextTurn();
  const modules = app.get(ModulesContainer);
  const before = new Set(modules.values());
  await app.get(LazyModuleLoader).load(() => RestFaceModule);
  await nextTurn();
  const loaded = [...modules.values()].filter((module) => !before.has(module)).sort((a: NestModule, b: NestModule) => b.distance - a.distance);
  for (const module of loaded) await callModuleInitHook(module);
  for (const module of loaded) await callModuleBootstrapHook(module);
  for (const cache of CONTAINER_CACHES) {
    // Defined, not set: Nest's proxies around the application trap property writes, not definitions.
    const own = Reflect.getOwnPropertyDescriptor(app, cache);
    if (own === undefined || !Reflect.defineProperty(app, cache, { ...own, value: undefined })) throw new Error(`NestApplication has no ${cache} to drop: check blink-app.ts against this Nest version`);
  }
  configureAdminHttp(app);
}

/**
 * What NestApplicationContext caches of its container's modules the first time it needs them:
 * the modules its lifecycle hooks visit, by distance (filled by init), and the providers app.get()
 * finds (filled by its first call). Both are built again, the REST face included, once dropped.
 */
const CONTAINER_CACHES = ['_moduleRefsForHooksByDistance', '_instanceLinksHost'] as const;

/**
 * Nest's init registers the REST routes (its RoutesResolver: every controller method's guards,
 * pipes and interceptors, ~10 ms of a boot) before the modules' init hooks, hence before the
 * Kafka side can start, and then its router hooks (the not-found and error handlers, which take
 * the global exception filters as they are then: the REST face sets its own, with
 * configureAdminHttp); both are needed only once the REST port listens, with the REST face
 * loaded. The application's own registerRouter and registerRouterHooks are shadowed for its init
 * (own properties of the NestApplication beneath Nest's proxies, which forward defineProperty and
 * deleteProperty to it) by ones that keep the call; the returned function makes both, once, in
 * Nest's order, and lifts the shadows. Nest calls them from init alone.
 */
function deferRestRoutes(app: NestFastifyApplication): () => Promise<void> {
  const nest = Object.getPrototypeOf(app) as Record<(typeof DEFERRED_INIT_STEPS)[number], (this: unknown) => Promise<void>>;
  const pending = new Map<string, () => Promise<void>>();
  for (const step of DEFERRED_INIT_STEPS) {
    if (typeof nest[step] !== 'function') throw new Error(`NestApplication has no ${step}: check blink-app.ts against this Nest version`);
    Object.defineProperty(app, step, {
      configurable: true,
      value(this: unknown): Promise<void> {
        pending.set(step, () => nest[step].call(this));
        return Promise.resolve();
      },
    });
  }
  return async () => {
    for (const step of DEFERRED_INIT_STEPS) Reflect.deleteProperty(app, step);
    const steps = DEFERRED_INIT_STEPS.map((step) => pending.get(step));
    pending.clear();
    if (steps.some((step) => step === undefined)) throw new Error('Nest did not register the REST routes during init: check blink-app.ts against this Nest version');
    for (const step of steps) await step!();
  };
}

/** The steps of Nest's init that wait for the REST face (deferRestRoutes), in Nest's order. */
const DEFERRED_INIT_STEPS = ['registerRouter', 'registerRouterHooks'] as const;

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
