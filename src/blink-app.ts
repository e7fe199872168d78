/**
 * The broker as one Nest application, built and started the same way by the server
 * (main.ts) and by an embedded broker (embed.ts): create the app, bind the REST port
 * (probes answer while storage recovers), wait for storage recovery, then bind the Kafka
 * listeners, so no client sees a half-recovered log. Ports of 0 are the OS's pick; the
 * bound ones are returned (and advertised by Metadata through ListenerStatus).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
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

/** REST first, then storage recovery, then the Kafka listeners; resolves with the bound ports. */
export async function listenBlinkApp(app: NestFastifyApplication, config: BlinkConfig): Promise<BoundPorts> {
  await app.listen(config.restPort, config.kafkaHostname);
  await app.get(StorageRecovery).completed();
  await app.startAllMicroservices();
  const restPort = (app.getHttpServer().address() as AddressInfo).port;
  return { kafkaPorts: app.get(ListenerStatus).boundPorts, restPort };
}
