/**
 * KafkaTransport: a custom Nest microservice transport that speaks the Kafka wire protocol
 * on every port of `broker_ports`. It collects the @KafkaApi handlers into the ApiRegistry
 * (so ApiVersions advertises exactly what is handled) and hands each socket to a
 * KafkaConnection. Hot APIs (Produce, Fetch: see HotPath) are dispatched straight to their
 * controller's method, which Nest built and wired like every other; the rest go through
 * Nest's RPC pipeline. Every second it closes the connections that have been quiet for
 * connections_max_idle_ms or take longer than request_timeout_ms to send one frame
 * (KafkaConnection.expiry), and, while the memory held for unread Fetch answers is past its
 * bound, the readers that leave theirs unread, those holding the most first (closeSlowReaders). A new connection over max_connections or max_connections_per_ip
 * is closed at once (ConnectionGate), logged at most once a minute per limit, and counted. close() stops accepting, answers parked fetches, waits (bounded) for
 * in-flight requests, then closes every socket.
 */
import * as nodeNet from 'node:net';
import { createServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Clock, type Timer } from '../../common/clock.js';
import { ListenerStatus } from '../../cluster/listener-status.js';
import { BLINK_CONFIG, type BlinkConfig, type ListenerConfig } from '../../config/settings.js';
import { SOCKET_REQUEST_MAX_BYTES } from '../../config/settings.dto.js';
import { SaslMechanisms } from '../../authentication/sasl-servers.js';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../../common/kafka-principal.js';
import { KafkaProbe } from '../kafka.probe.js';
import { FetchParking } from '../../fetch/fetch-parking.js';
import { MemoryAccountant } from '../../storage/memory-accountant.js';
import { ApiRegistry } from './api-registry.js';
import { clientAddress, ConnectionGate, type GateRefusal } from './connection-gate.js';
import { type DirectHandler, disabledFeature, FEATURE_REFUSAL_ERRORS, KAFKA_PATTERN_PREFIX, type KafkaApiRegistration } from './kafka-api.decorator.js';
import { type ConnectionLimits, type ExpiryReason, KafkaConnection, READER_STALL_MS } from './kafka-connection.js';
import { installOwnBufferReads } from './own-buffer-reads.js';
import { RateLimitedLog } from '../../common/rate-limited-log.js';
import { RequestBudget } from './request-budget.js';
import type { KafkaRequest } from './kafka-request.js';
import { SaslGate } from './sasl-gate.js';
import { TlsCertificates } from './tls-listener.js';

/** Kafka's socket.request.max.bytes default. */
export const MAX_FRAME_BYTES = SOCKET_REQUEST_MAX_BYTES;
/** Pipelined request bytes buffered per connection before the socket is paused. */
export const MAX_BUFFERED_BYTES_PER_CONNECTION = 1 * 1024 * 1024;
/** How long close() waits for in-flight requests before closing sockets. */
export const SHUTDOWN_GRACE_MS = 5_000;
/** How often connections are checked for expiry (connections_max_idle_ms). */
export const EXPIRY_SWEEP_MS = 1_000;
/**
 * The share of max_memory that pooled memory held back for unflushed Fetch answers
 * (BatchMemory.heldBackBytes: the slabs and regions they alone hold) may reach before the
 * connections that leave such answers unread are closed, those holding the most first. An
 * answer holds only the slabs its batches are in, so what it holds is bounded by what was
 * stored when it was made (a 16 MB answer in a 32 MB tier: 16 MiB, test/e2e/slow-reader), and a
 * connection has at most one answer past its socket's buffer (it waits for the drain before it
 * handles the next request). Held slabs stay in the pool's bound (max_memory + 8 MiB): the
 * tier then stores into one-off regions, which the tier's own bound limits; past max_memory
 * held, readers alone would have the broker hold twice what max_memory says.
 */
export const HELD_BACK_SHARE_OF_MAX_MEMORY = 1;
/** While memory is held back past that, the sweep also runs on reads, at most this often. */
export const HELD_BACK_SWEEP_MS = 50;
/**
 * The buffer every connection's socket reads into (each read is copied out into pooled frames
 * before the next read anywhere can happen: libuv reads one socket at a time, on this thread).
 */
export const SHARED_READ_BUFFER_BYTES = 64 * 1024;
/** Logged once when sockets cannot read into the transport's own buffers (own-buffer-reads.ts). */
export const OWN_READS_FALLBACK_WARNING = "Kafka connections read through 'data' events";

/** A connection whose Fetch answers wait on its reader, and the pooled memory they hold. */
interface StalledReader {
  readonly connection: KafkaConnection;
  readonly held: number;
}

@Injectable()
export class KafkaTransport extends Server implements CustomTransportStrategy {
  private readonly servers: NetServer[] = [];
  private readonly connections = new Set<KafkaConnection>();
  private readonly log = new Logger('KafkaTransport');
  private readonly sharedReadBuffer = Buffer.allocUnsafeSlow(SHARED_READ_BUFFER_BYTES);
  private warnedReadFallback = false;
  private readonly noise: RateLimitedLog;
  private expirySweep: Timer | undefined;
  private readonly gate: ConnectionGate;
  private readonly requestBudget: RequestBudget;
  /** Every connection's limits (one object for all of them). */
  private readonly limits: ConnectionLimits;
  private tls: TlsCertificates | null = null;
  /** When the last sweep ran, and whether one is on its way (see HELD_BACK_SWEEP_MS). */
  private lastSweepMs = 0;
  private sweepPending = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly registry: ApiRegistry,
    private readonly parking: FetchParking,
    private readonly probe: KafkaProbe,
    private readonly listenerStatus: ListenerStatus,
    private readonly clock: Clock,
    private readonly accountant: MemoryAccountant,
    private readonly moduleRef: ModuleRef,
    private readonly mechanisms: SaslMechanisms,
  ) {
    super();
    this.noise = new RateLimitedLog(this.log, clock);
    this.gate = new ConnectionGate(config);
    this.requestBudget = new RequestBudget(config.queuedMaxRequestBytes);
    this.limits = {
      maxFrameBytes: MAX_FRAME_BYTES,
      maxBufferedBytes: MAX_BUFFERED_BYTES_PER_CONNECTION,
      requestBudget: this.requestBudget,
      heldBackBytesMax: config.maxMemoryBytes * HELD_BACK_SHARE_OF_MAX_MEMORY,
      memoryHeldBack: () => this.sweepSoon(),
    };
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      this.registerHandlers();
      for (const listener of this.config.listeners) this.servers.push(await this.bind(listener));
      this.listenerStatus.listening(this.servers.map(boundPort));
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    this.listenerStatus.closed();
    this.expirySweep?.cancel();
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
          disabled !== null
            ? (request) => registration.refuse((request as KafkaRequest<unknown>).body, FEATURE_REFUSAL_ERRORS[disabled])
            : registration.direct !== undefined
              ? this.directInvoker(registration.direct)
              : async (request) => {
                  const result = await handler(request);
                  return isObservable(result) ? lastValueFrom(result) : result;
                },
      });
    }
  }

  /** The controller's method, bound to the instance Nest built (no RPC pipeline, no Observable). */
  private directInvoker(direct: DirectHandler): (request: unknown) => unknown {
    const instance = this.moduleRef.get(direct.type, { strict: false }) as Record<string | symbol, unknown>;
    const method = instance[direct.method];
    if (typeof method !== 'function') throw new Error(`${direct.type.name}.${String(direct.method)} is not a method`);
    return method.bind(instance) as (request: unknown) => unknown;
  }

  private bind(listener: ListenerConfig): Promise<NetServer> {
    const { name, securityProtocol, host, port } = listener;
    return new Promise((resolve, reject) => {
      // Plain TCP: paused until accept() has pointed the socket's reads at the transport's buffers.
      const server = securityProtocol.endsWith('SSL')
        ? this.tlsCertificates().createServer((socket, principal) => this.accept(socket, listener, principal))
        : createServer({ pauseOnConnect: true }, (socket) => this.accept(socket, listener, null));
      const refused = (err: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      server.once('error', refused);
      const listening = () => {
        this.log.log(`Kafka listener ${name} (${securityProtocol}) on ${host}:${boundPort(server)}`);
        resolve(server);
      };
      let bound: nodeNet.BoundSocket | undefined;
      try {
        bound = boundAtOnce(host, port);
      } catch (err) {
        refused(err as Error);
        return;
      }
      if (bound === undefined) server.listen(port, host, listening);
      else server.listen(bound, listening);
    });
  }

  /** A connection over a limit: closed before a byte is read, as Kafka refuses one over max.connections.per.ip. */
  private refuse(socket: Socket, address: string, limit: GateRefusal): void {
    const allowed = limit === 'max_connections' ? this.config.maxConnections : this.gate.limitFor(address);
    const scope = limit === 'max_connections' ? 'the broker already has' : `${address} already has`;
    this.noise.warn(limit, `refused a connection from ${address}: ${scope} the configured maximum of ${allowed} connections (${limit})`);
    this.probe.connectionClosedByBroker(limit);
    socket.destroy();
  }

  private tlsCertificates(): TlsCertificates {
    this.tls ??= new TlsCertificates(this.config.ssl, this.log);
    return this.tls;
  }

  /**
   * Closes every connection past its time: idle ones quietly (Kafka logs them at debug), slow
   * senders with a bounded warning; then, while the pooled memory held back for unflushed Fetch
   * answers is past HELD_BACK_SHARE_OF_MAX_MEMORY, slow readers (closeSlowReaders).
   */
  private closeExpired(): void {
    const nowMs = this.clock.nowMs();
    this.lastSweepMs = nowMs;
    const limits = { idleMs: this.config.connectionsMaxIdleMs, requestTimeoutMs: this.config.requestTimeoutMs };
    let stalled: StalledReader[] | null = null;
    for (const connection of this.connections) {
      const held = connection.stalledAnswerBytes(nowMs, limits.requestTimeoutMs);
      const reason = connection.expiry(nowMs, limits);
      if (reason === null) {
        if (held > 0) (stalled ??= []).push({ connection, held });
        continue;
      }
      if (reason === 'idle') this.log.debug(`closing connection ${connection.peer}: no bytes in or out for connections_max_idle_ms (${limits.idleMs} ms)`);
      else this.noise.warn('request-timeout', `closing connection ${connection.peer}: a request frame is still incomplete after request_timeout_ms (${limits.requestTimeoutMs} ms)`);
      this.closeBecause(connection, reason);
    }
    if (stalled !== null) this.closeSlowReaders(stalled);
  }

  /**
   * While the memory held back for unflushed Fetch answers is past its bound, closes the
   * readers that leave theirs unread (none of their bytes left for READER_STALL_MS, or not all
   * after request_timeout_ms), those holding the most first, until what they held brings it
   * under: a reader that pauses while holding little is left alone.
   */
  private closeSlowReaders(stalled: StalledReader[]): void {
    const heldBackBytes = this.accountant.memory.heldBackBytes;
    const heldBackMax = this.limits.heldBackBytesMax ?? Number.POSITIVE_INFINITY;
    let excess = heldBackBytes - heldBackMax;
    if (excess <= 0) return;
    stalled.sort((a, b) => b.held - a.held);
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    for (const { connection, held } of stalled) {
      if (excess <= 0) return;
      excess -= held;
      this.noise.warn('slow-reader', `closing connection ${connection.peer}: it does not read its Fetch answers (none of their bytes left for ${READER_STALL_MS} ms, or not all after request_timeout_ms), which hold ${mib(held)} MiB of pooled memory, while the memory held for unread answers, ${mib(heldBackBytes)} MiB, is past its bound (${mib(heldBackMax)} MiB, max_memory)`);
      this.closeBecause(connection, 'slow_reader');
    }
  }

  private closeBecause(connection: KafkaConnection, reason: ExpiryReason): void {
    this.probe.connectionClosedByBroker(reason);
    connection.destroy();
  }

  /** A read while memory is held back past its bound: a sweep once this read is over, unless one ran within HELD_BACK_SWEEP_MS. */
  private sweepSoon(): void {
    if (this.sweepPending || this.clock.nowMs() - this.lastSweepMs < HELD_BACK_SWEEP_MS) return;
    this.sweepPending = true;
    setImmediate(() => {
      this.sweepPending = false;
      this.closeExpired();
    });
  }

  /**
   * Hands the socket to a connection and starts reading: into the shared read buffer and the
   * frames' pooled memory when Node lets us (own-buffer-reads.ts), else through 'data' events.
   */
  private accept(socket: Socket, listener: ListenerConfig, certificatePrincipal: KafkaPrincipal | null): void {
    const address = clientAddress(socket.remoteAddress);
    const refused = this.gate.admit(address);
    if (refused !== null) {
      this.refuse(socket, address, refused);
      return;
    }
    const identity = { principal: certificatePrincipal ?? ANONYMOUS_PRINCIPAL, listenerName: listener.name, securityProtocol: listener.securityProtocol };
    const gate = listener.securityProtocol.startsWith('SASL') ? new SaslGate(this.config.sasl, this.mechanisms, this.clock) : undefined;
    const connection = new KafkaConnection(
      socket,
      this.registry,
      this.limits,
      this.log,
      this.probe,
      this.clock,
      this.accountant.memory,
      { noise: this.noise, identity, gate, wakes: this.parking },
    );
    this.connections.add(connection);
    this.expirySweep ??= this.clock.every(EXPIRY_SWEEP_MS, () => this.closeExpired());
    this.probe.connectionOpened();
    // 'on', not 'once': a socket closes once, and 'once' wraps the listener (two more objects per connection).
    socket.on('close', () => {
      this.gate.leave(address);
      this.connections.delete(connection);
      this.probe.connectionClosed();
    });
    // TLS sockets deliver decrypted bytes through 'data' events only.
    if (listener.securityProtocol.endsWith('SSL')) return;
    const shared = this.sharedReadBuffer;
    if (!installOwnBufferReads(socket, shared, connection) && !this.warnedReadFallback) {
      this.warnedReadFallback = true;
      this.log.warn(`${OWN_READS_FALLBACK_WARNING}: this Node version lays sockets out differently, so every read allocates a buffer the garbage collector frees`);
    }
    socket.resume();
  }
}

/** The port a listening server holds (the OS's pick when `broker_ports` lists 0). */
function boundPort(server: NetServer): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a Kafka listener has no TCP address');
  return address.port;
}

/**
 * A listener's socket, bound at once, when its host is an IP address (kafka_hostname's default,
 * 0.0.0.0, is): server.listen(port, host) looks any host up through node:dns (loading it), then
 * runs Node's IPv6 regular expression over the answer, whose first run compiles it: ~3.5 ms of
 * the main thread between the Kafka bind and the first accept (bench/README.md, boot18). The
 * socket is bound exactly as listen() binds it (bind(2) on the address, no flags); a bind that
 * fails (EADDRINUSE) throws here. Undefined for a host name, or on a Node.js without
 * net.BoundSocket (before 24.19): looked up and bound by listen() as before.
 */
function boundAtOnce(host: string, port: number): nodeNet.BoundSocket | undefined {
  const { BoundSocket } = nodeNet as Partial<typeof nodeNet>;
  if (BoundSocket === undefined || isIP(host) === 0) return undefined;
  return new BoundSocket({ host, port });
}
