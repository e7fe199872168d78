/**
 * KafkaTransport: a custom Nest microservice transport that speaks the Kafka wire protocol
 * on every listener (`listeners`, or each port of `broker_ports` as PLAINTEXT); SSL and
 * SASL_SSL listeners run TLS, SASL_* listeners put a SaslGate in front of the handlers. It collects the @KafkaApi handlers into the ApiRegistry
 * (so ApiVersions advertises exactly what is handled) and hands each socket to a
 * KafkaConnection. close() stops accepting, answers parked fetches, waits (bounded) for
 * in-flight requests, then closes every socket.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Clock, type Timer } from '../../common/clock.js';
import { ListenerStatus } from '../../cluster/listener-status.js';
import { BLINK_CONFIG, type BlinkConfig, type ListenerConfig } from '../../config/settings.js';
import { ScramCredentialStore } from '../../authentication/scram-credential-store.js';
import { ANONYMOUS_PRINCIPAL } from '../../common/connection-context.js';
import { KafkaProbe } from '../kafka.probe.js';
import { FetchParking } from '../../fetch/fetch-parking.js';
import { ApiRegistry } from './api-registry.js';
import { disabledFeature, FEATURE_REFUSAL_ERRORS, KAFKA_PATTERN_PREFIX, type KafkaApiRegistration } from './kafka-api.decorator.js';
import { KafkaConnection } from './kafka-connection.js';
import type { KafkaRequest } from './kafka-request.js';
import { SaslGate } from './sasl-gate.js';
import { TlsCertificates } from './tls-listener.js';

/** Kafka's socket.request.max.bytes default. */
export const MAX_FRAME_BYTES = 100 * 1024 * 1024;
/** Pipelined request bytes buffered per connection before the socket is paused. */
export const MAX_BUFFERED_BYTES_PER_CONNECTION = 16 * 1024 * 1024;
export const MAX_CONNECTIONS_PER_LISTENER = 10_000;
/** How long close() waits for in-flight requests before closing sockets. */
export const SHUTDOWN_GRACE_MS = 5_000;

@Injectable()
export class KafkaTransport extends Server implements CustomTransportStrategy {
  private readonly servers: NetServer[] = [];
  private readonly connections = new Set<KafkaConnection>();
  private readonly log = new Logger('KafkaTransport');
  private tls: TlsCertificates | null = null;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly registry: ApiRegistry,
    private readonly parking: FetchParking,
    private readonly probe: KafkaProbe,
    private readonly listenerStatus: ListenerStatus,
    private readonly clock: Clock,
    private readonly credentials: ScramCredentialStore,
  ) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      this.registerHandlers();
      for (const listener of this.config.listeners) this.servers.push(await this.bind(listener));
      this.listenerStatus.listening();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    this.listenerStatus.closed();
    for (const server of this.servers) server.close();
    this.tls?.close();
    this.parking.releaseAll();
    const idle = Promise.all([...this.connections].map((c) => c.idle()));
    let grace: Timer | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (grace = this.clock.schedule(SHUTDOWN_GRACE_MS, resolve)))]);
    grace?.cancel();
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
  }

  on(): never {
    throw new Error('KafkaTransport has no events');
  }

  unwrap<T>(): T {
    return this.servers as T;
  }

  private registerHandlers(): void {
    for (const [pattern, handler] of this.messageHandlers) {
      if (!pattern.startsWith(KAFKA_PATTERN_PREFIX)) continue;
      const registration = handler.extras?.kafka as KafkaApiRegistration | undefined;
      if (registration === undefined) throw new Error(`handler ${pattern} lacks its @KafkaApi registration`);
      const disabled = disabledFeature(registration, this.config);
      this.registry.register({
        ...registration,
        advertised: disabled === null,
        invoke:
          disabled === null
            ? async (request) => {
                const result = await handler(request);
                return isObservable(result) ? lastValueFrom(result) : result;
              }
            : async (request) => registration.refuse((request as KafkaRequest<unknown>).body, FEATURE_REFUSAL_ERRORS[disabled]),
      });
    }
  }

  private bind(listener: ListenerConfig): Promise<NetServer> {
    const { name, securityProtocol, host, port } = listener;
    return new Promise((resolve, reject) => {
      const server = securityProtocol.endsWith('SSL')
        ? this.tlsCertificates().createServer((socket, principal) => this.accept(socket, listener, principal))
        : createServer((socket) => this.accept(socket, listener, null));
      server.maxConnections = MAX_CONNECTIONS_PER_LISTENER;
      server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`)));
      server.listen(port, host, () => {
        this.log.log(`Kafka listener ${name} (${securityProtocol}) on ${host}:${port}`);
        resolve(server);
      });
    });
  }

  private tlsCertificates(): TlsCertificates {
    this.tls ??= new TlsCertificates(this.config.ssl, this.log);
    return this.tls;
  }

  private accept(socket: Socket, listener: ListenerConfig, certificatePrincipal: string | null): void {
    const host = socket.remoteAddress ?? '';
    const context = { principal: certificatePrincipal ?? ANONYMOUS_PRINCIPAL, listenerName: listener.name, securityProtocol: listener.securityProtocol, host };
    const gate = listener.securityProtocol.startsWith('SASL') ? new SaslGate(this.config.sasl, this.credentials, this.clock) : undefined;
    const connection = new KafkaConnection(
      socket,
      this.registry,
      { maxFrameBytes: MAX_FRAME_BYTES, maxBufferedBytes: MAX_BUFFERED_BYTES_PER_CONNECTION },
      this.log,
      this.probe,
      this.clock,
      context,
      gate,
    );
    this.connections.add(connection);
    this.probe.connectionOpened();
    socket.once('close', () => {
      this.connections.delete(connection);
      this.probe.connectionClosed();
    });
  }
}
