/**
 * Client telemetry (KIP-714) as Kafka 3.9's ClientMetricsManager serves it, with Blink as
 * the receiver: the CLIENT_METRICS subscriptions (IncrementalAlterConfigs, AlterConfigs,
 * DescribeConfigs, ListClientMetricsResources; saved to `__configs/client-metrics.json` in
 * durable mode), the client instances, and what they push, decoded (otlp-metrics.ts) into
 * Prometheus series (client-series.ts).
 *
 * GetTelemetrySubscriptions: a zero instance id gets a new one; the instance's subscription
 * is recomputed when the subscriptions changed since it was made (new subscription id, and
 * its next request is not too early). PushTelemetry, checked in Kafka's order: a zero or
 * reserved instance id or a push after a terminating one is INVALID_REQUEST, a push too early
 * THROTTLING_QUOTA_EXCEEDED, a stale subscription id UNKNOWN_SUBSCRIPTION_ID, an unknown
 * compression type UNSUPPORTED_COMPRESSION_TYPE, a payload over telemetry_max_bytes
 * TELEMETRY_TOO_LARGE; a payload that does not decompress or decode is INVALID_RECORD.
 *
 * Bounds: at most INSTANCES_MAX instances (the least recently seen go first, as Kafka's LRU
 * cache); an instance and its series go after max(60 s, 3 push intervals) without a request;
 * a payload decompresses to at most DECOMPRESSED_FACTOR × telemetry_max_bytes; series are
 * capped by ClientSeries.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { decompress } from '../record-format/compression.js';
import type { Compression } from '../record-format/record-batch.js';
import { DynamicConfigFiles } from '../wal/dynamic-config-file.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { ClientInstance, instanceFor, isReservedInstanceId, newInstanceId, uuidText } from './client-instance.js';
import { type ClientMetadata, type ConfigOperation, type ConfigProblem, incremented, type Subscription, subscription } from './client-metrics-config.js';
import { ClientSeries } from './client-series.js';
import { decodeMetrics } from './otlp-metrics.js';

/** Who sent a telemetry request: what subscriptions match on besides the instance id. */
export interface TelemetryClient {
  readonly clientId: string;
  readonly softwareName: string;
  readonly softwareVersion: string;
  readonly sourceAddress: string;
  readonly sourcePort: number;
}

export interface SubscriptionAnswer {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage?: string;
  readonly instanceId: string;
  readonly subscriptionId: number;
  readonly pushIntervalMs: number;
  readonly requestedMetrics: readonly string[];
}

export interface PushRequest {
  readonly instanceId: string;
  readonly subscriptionId: number;
  readonly terminating: boolean;
  readonly compressionType: number;
  readonly metrics: Buffer;
}

/** A client that pushes, for the dashboard. */
export interface PushingClientSummary {
  readonly clientId: string;
  readonly clientInstanceId: string;
  readonly softwareName: string;
  readonly softwareVersion: string;
  readonly sourceAddress: string;
  readonly lastPushMs: number;
  readonly pushIntervalMs: number;
  readonly series: number;
  readonly keyMetrics: Readonly<Record<string, number>>;
}

/** Kafka's accepted compression types, in its order of preference: zstd, lz4, gzip, snappy. */
export const ACCEPTED_COMPRESSION_TYPES: readonly number[] = [4, 3, 1, 2];
const NONE = 0;
const FILE_NAME = 'client-metrics';
/** Kafka's CLIENT_METRICS_CACHE_SIZE. */
export const INSTANCES_MAX = 16_384;
/** Kafka's DEFAULT_CACHE_EXPIRY_MS. */
const INSTANCE_EXPIRY_MIN_MS = 60_000;
const DECOMPRESSED_FACTOR = 32;
const SWEEP_INTERVAL_MS = 10_000;
/** Shown on the dashboard when a client pushes them (the largest value over the series: e.g. the slowest node). */
const KEY_METRICS: ReadonlyArray<readonly [string, string]> = [
  ['request latency avg (ms)', 'org.apache.kafka.producer.node.request.latency.avg'],
  ['record queue time avg (ms)', 'org.apache.kafka.producer.record.queue.time.avg'],
  ['produce throttle avg (ms)', 'org.apache.kafka.producer.produce.throttle.time.avg'],
  ['fetch latency avg (ms)', 'org.apache.kafka.consumer.fetch.manager.fetch.latency.avg'],
  ['poll idle ratio', 'org.apache.kafka.consumer.poll.idle.ratio.avg'],
  ['commit latency avg (ms)', 'org.apache.kafka.consumer.coordinator.commit.latency.avg'],
];

@Injectable()
export class ClientMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('ClientMetrics');
  private readonly subscriptions = new Map<string, Subscription>();
  private version = 0;
  /** Least recently seen first. */
  private readonly instances = new Map<string, ClientInstance>();
  readonly series: ClientSeries;
  private sweepTimer: Timer | null = null;
  private readonly pushes = { accepted: 0, refused: 0 };
  private readonly seriesListeners: Array<() => void> = [];

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly clock: Clock,
    private readonly files: DynamicConfigFiles,
  ) {
    this.series = new ClientSeries(config.metricsMaxEntities, config.clientMetricsMaxSeries);
  }

  onModuleInit(): void {
    this.sweepTimer = this.clock.every(SWEEP_INTERVAL_MS, () => this.expire(this.clock.nowMs(), true));
  }

  onApplicationShutdown(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
  }

  get pushCounts(): Readonly<{ accepted: number; refused: number }> {
    return this.pushes;
  }

  // ---- CLIENT_METRICS resources ----

  names(): string[] {
    return [...this.subscriptions.keys()].sort();
  }

  /** The configs set on the resource (none when it does not exist, as Kafka answers). */
  configsOf(name: string): ReadonlyMap<string, string> | ConfigProblem {
    if (name === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Client metrics subscription name must not be empty' };
    return this.subscriptions.get(name)?.configs ?? new Map();
  }

  /** IncrementalAlterConfigs of one resource. */
  increment(name: string, operations: readonly ConfigOperation[], validateOnly: boolean): Promise<ConfigProblem | null> {
    const configs = incremented(this.subscriptions.get(name)?.configs ?? new Map(), operations);
    if ('errorCode' in configs) return Promise.resolve(configs);
    return this.replace(name, configs, validateOnly);
  }

  /** AlterConfigs of one resource: its configs become exactly `configs`. */
  async replace(name: string, configs: ReadonlyMap<string, string>, validateOnly: boolean): Promise<ConfigProblem | null> {
    const parsed = subscription(name, configs);
    if ('errorCode' in parsed) return parsed;
    if (validateOnly) return null;
    if (configs.size === 0) this.subscriptions.delete(name);
    else this.subscriptions.set(name, parsed);
    this.version++;
    return this.save();
  }

  /** Durable mode at boot: the saved subscriptions back; a bad file stops the boot. Returns how many. */
  async recover(): Promise<number> {
    for (const raw of await this.files.load(FILE_NAME)) {
      const entry = raw as { name?: unknown; configs?: unknown } | null;
      const configs = new Map(Object.entries((entry?.configs ?? {}) as Record<string, string>));
      const parsed = subscription(typeof entry?.name === 'string' ? entry.name : '', configs);
      if ('errorCode' in parsed) throw new Error(`client metrics file entry ${JSON.stringify(raw)}: ${parsed.errorMessage}`);
      this.subscriptions.set(parsed.name, parsed);
    }
    this.version++;
    return this.subscriptions.size;
  }

  // ---- KIP-714 requests ----

  getSubscriptions(requestedId: string, client: TelemetryClient): SubscriptionAnswer {
    const nowMs = this.clock.nowMs();
    const id = isReservedInstanceId(requestedId) ? newInstanceId() : requestedId;
    const instance = this.instance(id, client, nowMs);
    const answer = { instanceId: id, subscriptionId: instance.subscriptionId, pushIntervalMs: instance.pushIntervalMs, requestedMetrics: instance.metrics };
    if (!instance.acceptGet(nowMs)) {
      return { ...answer, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: `Request from the client [${uuidText(id)}] arrived before the next push interval time` };
    }
    return { ...answer, errorCode: ErrorCode.NONE };
  }

  async push(request: PushRequest, client: TelemetryClient): Promise<{ errorCode: ErrorCodeValue; errorMessage: string | null }> {
    const refused = (errorCode: ErrorCodeValue, errorMessage: string) => {
      this.pushes.refused++;
      return { errorCode, errorMessage };
    };
    if (isReservedInstanceId(request.instanceId)) return refused(ErrorCode.INVALID_REQUEST, 'Invalid request from the client: invalid client instance id');
    const nowMs = this.clock.nowMs();
    const instance = this.instance(request.instanceId, client, nowMs);
    const problem = this.pushProblem(instance, request, nowMs);
    instance.terminating ||= request.terminating;
    instance.lastPushError = problem?.errorCode ?? ErrorCode.NONE;
    if (problem !== null) return refused(problem.errorCode, problem.errorMessage);
    if (request.metrics.length > 0) {
      const decoded = await this.decode(request);
      if (typeof decoded === 'string') return refused(ErrorCode.INVALID_RECORD, decoded);
      this.series.record({ instanceId: uuidText(instance.id), clientId: client.clientId }, decoded);
      this.seriesChanged();
    }
    this.pushes.accepted++;
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /** The clients that pushed metrics, most recent first, at most `limit`. */
  pushingClients(limit: number): PushingClientSummary[] {
    return [...this.instances.values()]
      .filter((instance) => instance.lastPushMs > 0)
      .sort((a, b) => b.lastPushMs - a.lastPushMs)
      .slice(0, limit)
      .map((instance) => this.summary(instance));
  }

  private pushProblem(instance: ClientInstance, request: PushRequest, nowMs: number): ConfigProblem | null {
    const text = uuidText(instance.id);
    if (instance.terminating) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Client [${text}] sent the previous request with state terminating to TRUE, can not accept any requests after that` };
    if (!instance.acceptPush(nowMs, request.terminating)) return { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: `Request from the client [${text}] arrived before the next push interval time` };
    if (request.subscriptionId !== instance.subscriptionId) return { errorCode: ErrorCode.UNKNOWN_SUBSCRIPTION_ID, errorMessage: `Unknown client subscription id for the client [${text}]` };
    if (request.compressionType !== NONE && !ACCEPTED_COMPRESSION_TYPES.includes(request.compressionType)) {
      return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: `Unknown compression type [${request.compressionType}] is received in telemetry request from [${text}]` };
    }
    if (request.metrics.length > this.config.telemetryMaxBytes) {
      return { errorCode: ErrorCode.TELEMETRY_TOO_LARGE, errorMessage: `Telemetry request from [${text}] is larger than the maximum allowed size [${this.config.telemetryMaxBytes}]` };
    }
    return null;
  }

  /** The payload's points, or why it cannot be read. */
  private async decode(request: PushRequest): Promise<ReturnType<typeof decodeMetrics> | string> {
    try {
      const payload = request.compressionType === NONE ? request.metrics : (await decompress(request.compressionType as Compression, request.metrics, this.config.telemetryMaxBytes * DECOMPRESSED_FACTOR)).data;
      return decodeMetrics(payload);
    } catch (error) {
      this.log.debug?.(`telemetry push refused: ${(error as Error).message}`);
      return (error as Error).message;
    }
  }

  /** The instance, made or remade when it is new or the subscriptions changed; marked as just seen. */
  private instance(id: string, client: TelemetryClient, nowMs: number): ClientInstance {
    let instance = this.instances.get(id);
    if (instance === undefined || instance.subscriptionVersion !== this.version) {
      const metadata = instance?.metadata ?? metadataOf(id, client);
      const previous = instance;
      instance = instanceFor(id, metadata, this.subscriptions.values(), this.version);
      instance.terminating = previous?.terminating ?? false;
    }
    this.instances.delete(id);
    this.instances.set(id, instance);
    instance.lastRequestMs = nowMs;
    this.expire(nowMs);
    return instance;
  }

  /**
   * Drops instances (and their series) not seen for their expiry, and the least recently seen
   * beyond INSTANCES_MAX. On the request path (`full` false) it stops at the first instance it
   * keeps (they are in the order last seen); the sweep timer looks at them all.
   */
  private expire(nowMs: number, full = false): void {
    for (const [id, instance] of this.instances) {
      const expired = nowMs - instance.lastRequestMs >= Math.max(INSTANCE_EXPIRY_MIN_MS, 3 * instance.pushIntervalMs);
      if (!expired && this.instances.size <= INSTANCES_MAX) {
        if (full) continue;
        return;
      }
      this.instances.delete(id);
      const hadSeries = this.series.seriesOf(uuidText(id)) > 0;
      this.series.forget(uuidText(id));
      if (hadSeries) this.seriesChanged();
    }
  }

  /** Called after the set of pushed metrics may have changed (the probe registers and removes their Prometheus metrics). */
  onSeriesChanged(listener: () => void): void {
    this.seriesListeners.push(listener);
  }

  private seriesChanged(): void {
    for (const listener of this.seriesListeners) listener();
  }

  private summary(instance: ClientInstance): PushingClientSummary {
    const text = uuidText(instance.id);
    const keyMetrics: Record<string, number> = {};
    for (const [label, name] of KEY_METRICS) {
      const values = this.series.valuesOf(text, name, 'gauge');
      if (values.length > 0) keyMetrics[label] = Math.max(...values);
    }
    return {
      clientId: instance.metadata.client_id,
      clientInstanceId: text,
      softwareName: instance.metadata.client_software_name,
      softwareVersion: instance.metadata.client_software_version,
      sourceAddress: `${instance.metadata.client_source_address}:${instance.metadata.client_source_port}`,
      lastPushMs: instance.lastPushMs,
      pushIntervalMs: instance.pushIntervalMs,
      series: this.series.seriesOf(text),
      keyMetrics,
    };
  }

  private async save(): Promise<ConfigProblem | null> {
    if (this.config.storageMode !== 'durable') return null;
    const entries = [...this.subscriptions.values()].map((s) => ({ name: s.name, configs: Object.fromEntries(s.configs) }));
    try {
      await this.files.save(FILE_NAME, entries);
      return null;
    } catch (error) {
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `client metrics subscriptions could not be saved: ${(error as Error).message}` };
    }
  }
}

function metadataOf(id: string, client: TelemetryClient): ClientMetadata {
  return {
    client_instance_id: uuidText(id),
    client_id: client.clientId,
    client_software_name: client.softwareName,
    client_software_version: client.softwareVersion,
    client_source_address: client.sourceAddress,
    client_source_port: String(client.sourcePort),
  };
}
