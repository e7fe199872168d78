/**
 * Client quotas, once for the broker: the quotas set with AlterClientQuotas (QuotaTable,
 * saved to `__configs/client-quotas.json` in durable mode and read back at boot), and their
 * enforcement as Kafka 3.9's ClientQuotaManager does it:
 * - each request records its bytes (Produce: the request's record bytes; Fetch: the
 *   response's) or its handling time (request_percentage: percent of one thread) into the
 *   rate of the client's quota, shared by every client the applying entity covers
 *   (quota-entity.ts: precedence), measured over quota_window_num × quota_window_size;
 * - over the quota, the answer is the throttle time that brings the rate back within it
 *   (rate-sensor.ts), which the Kafka face puts in throttle_time_ms and mutes the connection
 *   for. Kafka bounds a request_percentage throttle by one window; a byte-rate throttle is
 *   bounded here by the whole quota window (Kafka leaves it unbounded, but a rate forgets
 *   what is older than that, so a longer mute only idles the client).
 * A quota type (produce, fetch, request) that no entity sets costs nothing per request:
 * nothing is recorded, as Kafka records nothing until a quota of the type exists.
 * Rates live in sensors, one per shared rate; a sensor unused for an hour is dropped (Kafka's
 * inactive sensor expiry) and at most SENSORS_MAX exist (the least recently used goes).
 */
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { DynamicConfigFiles } from '../wal/dynamic-config-file.js';
import { ErrorCode } from '../wire/error-codes.js';
import {
  entitiesByPrecedence,
  entityFromParts,
  entityParts,
  type EntityProblem,
  isQuotaKey,
  type QuotaEntity,
  type QuotaKey,
  type QuotaType,
  quotaValueProblem,
  type SharedBy,
} from './quota-entity.js';
import { type AlterationResult, type QuotaAlteration, type QuotaEntry, type QuotaFilterComponent, QuotaTable } from './quota-table.js';
import { RateSensor } from './rate-sensor.js';

/** Who a request comes from, as quotas see it: the principal's name and the request's client id. */
export interface QuotaClient {
  readonly user: string;
  readonly clientId: string;
}

/** One shared rate, as the metrics read it. */
export interface QuotaReading {
  readonly type: QuotaType;
  readonly shared: SharedBy;
  /** Bytes per second (produce, fetch) or percent of a thread (request). */
  readonly rate: number;
  readonly limit: number | null;
  readonly throttleMsTotal: number;
  readonly throttledResponses: number;
}

const FILE_NAME = 'client-quotas';
const KEY_OF_TYPE: Readonly<Record<QuotaType, QuotaKey>> = { produce: 'producer_byte_rate', fetch: 'consumer_byte_rate', request: 'request_percentage' };
/** Kafka's ClientQuotaManagerConfig.InactiveSensorExpirationTimeSeconds. */
export const SENSOR_EXPIRY_MS = 3_600_000;
export const SENSORS_MAX = 10_000;
/** request_percentage: one second of handling time is 100 (percent of one thread for a second). */
const PERCENT_PER_MS = 100 / 1000;

interface Sensor {
  readonly type: QuotaType;
  readonly shared: SharedBy;
  readonly rate: RateSensor;
  limit: number | null;
  lastUsedMs: number;
  throttleMsTotal: number;
  throttledResponses: number;
}

@Injectable()
export class ClientQuotas {
  private readonly table = new QuotaTable();
  private readonly sensors = new Map<string, Sensor>();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly clock: Clock,
    private readonly files: DynamicConfigFiles,
  ) {}

  /** DescribeClientQuotas. */
  describe(components: readonly QuotaFilterComponent[], strict: boolean): QuotaEntry[] | EntityProblem {
    return this.table.describe(components, strict);
  }

  /** AlterClientQuotas; in durable mode answers once the quotas are on disk (else KAFKA_STORAGE_ERROR for the applied ones). */
  async alter(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterationResult[]> {
    const before = this.table.version;
    const results = this.table.alter(alterations, validateOnly);
    if (this.table.version === before || this.config.storageMode !== 'durable') return results;
    try {
      await this.files.save(FILE_NAME, this.table.all().map(toFileEntry));
      return results;
    } catch (error) {
      const failed = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `client quotas could not be saved: ${(error as Error).message}` };
      return results.map((result) => (result.errorCode === ErrorCode.NONE ? failed : result));
    }
  }

  /** Durable mode at boot: the saved quotas back in force; a bad file stops the boot. Returns the entities read. */
  async recover(): Promise<number> {
    const entries = (await this.files.load(FILE_NAME)).map(fromFileEntry);
    this.table.restore(entries);
    return entries.length;
  }

  /** Produce: the request's bytes; Fetch: the response's; request: its handling time in ms. Returns the throttle time (0: within quota). */
  record(type: QuotaType, client: QuotaClient, amount: number): number {
    if (!this.table.hasType(type)) return 0;
    const nowMs = this.clock.nowMs();
    const sensor = this.sensorFor(type, client, nowMs);
    sensor.rate.record(type === 'request' ? amount * PERCENT_PER_MS : amount, nowMs);
    if (sensor.limit === null) return 0;
    return Math.min(sensor.rate.throttleMs(sensor.limit, nowMs), this.throttleBoundMs(type));
  }

  /** Takes back bytes recorded for a response that was not sent (a throttled fetch answers empty, as in Kafka). */
  unrecord(type: QuotaType, client: QuotaClient, amount: number): void {
    if (!this.table.hasType(type)) return;
    const nowMs = this.clock.nowMs();
    this.sensorFor(type, client, nowMs).rate.record(-amount, nowMs);
  }

  /** The client was throttled `throttleMs` because of its `type` quota (counted for the metrics). */
  throttled(type: QuotaType, client: QuotaClient, throttleMs: number): void {
    if (throttleMs <= 0 || !this.table.hasType(type)) return;
    const sensor = this.sensorFor(type, client, this.clock.nowMs());
    sensor.throttleMsTotal += throttleMs;
    sensor.throttledResponses += 1;
  }

  /**
   * The most one response may carry without being throttled for certain (Kafka's
   * getMaxValueInQuotaWindow: the quota × (samples − 1) windows); Infinity without a quota.
   * Fetch caps its max_bytes with it.
   */
  maxBytesInWindow(type: 'produce' | 'fetch', client: QuotaClient): number {
    if (!this.table.hasType(type)) return Infinity;
    const limit = this.resolve(type, client).limit;
    if (limit === null) return Infinity;
    return Math.floor((limit * Math.max(1, this.config.quotaWindowNum - 1) * this.config.quotaWindowSizeMs) / 1000);
  }

  /** Every live rate, in creation order (the metrics read them at scrape time). */
  readings(): QuotaReading[] {
    const nowMs = this.clock.nowMs();
    this.dropExpired(nowMs);
    return [...this.sensors.values()].map((sensor) => ({
      type: sensor.type,
      shared: sensor.shared,
      rate: sensor.rate.ratePerSecond(nowMs),
      limit: sensor.limit,
      throttleMsTotal: sensor.throttleMsTotal,
      throttledResponses: sensor.throttledResponses,
    }));
  }

  private throttleBoundMs(type: QuotaType): number {
    return type === 'request' ? this.config.quotaWindowSizeMs : this.config.quotaWindowSizeMs * this.config.quotaWindowNum;
  }

  /** The entity that sets the client's quota of `type`, and who shares the rate (Kafka's quotaMetricTags and quotaLimit). */
  private resolve(type: QuotaType, client: QuotaClient): { shared: SharedBy; limit: number | null } {
    const key = KEY_OF_TYPE[type];
    for (const { entity, shared } of entitiesByPrecedence(client.user, client.clientId)) {
      const limit = this.table.value(entity, key);
      if (limit !== undefined) return { shared, limit };
    }
    return { shared: { user: '', clientId: client.clientId }, limit: null };
  }

  private sensorFor(type: QuotaType, client: QuotaClient, nowMs: number): Sensor {
    const { shared, limit } = this.resolve(type, client);
    const key = `${type}\u0000${JSON.stringify([shared.user, shared.clientId])}`;
    let sensor = this.sensors.get(key);
    if (sensor === undefined) {
      this.makeRoom(nowMs);
      sensor = { type, shared, rate: new RateSensor(this.config.quotaWindowSizeMs, this.config.quotaWindowNum), limit, lastUsedMs: nowMs, throttleMsTotal: 0, throttledResponses: 0 };
      this.sensors.set(key, sensor);
    }
    sensor.limit = limit;
    sensor.lastUsedMs = nowMs;
    return sensor;
  }

  private makeRoom(nowMs: number): void {
    if (this.sensors.size < SENSORS_MAX) return;
    this.dropExpired(nowMs);
    if (this.sensors.size < SENSORS_MAX) return;
    let oldestKey: string | undefined;
    let oldestMs = Infinity;
    for (const [key, sensor] of this.sensors) {
      if (sensor.lastUsedMs < oldestMs) {
        oldestMs = sensor.lastUsedMs;
        oldestKey = key;
      }
    }
    if (oldestKey !== undefined) this.sensors.delete(oldestKey);
  }

  private dropExpired(nowMs: number): void {
    for (const [key, sensor] of this.sensors) {
      if (nowMs - sensor.lastUsedMs >= SENSOR_EXPIRY_MS) this.sensors.delete(key);
    }
  }
}

interface QuotaFileEntry {
  entity: Array<{ entityType: string; entityName: string | null }>;
  values: Record<string, number>;
}

function toFileEntry({ entity, values }: QuotaEntry): QuotaFileEntry {
  return { entity: entityParts(entity), values: Object.fromEntries(values) };
}

/** An entry of the quota file, checked as AlterClientQuotas checks a request. */
function fromFileEntry(raw: unknown): QuotaEntry {
  const entry = raw as Partial<QuotaFileEntry> | null;
  if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.entity) || typeof entry.values !== 'object' || entry.values === null) {
    throw new Error(`client quota file entry ${JSON.stringify(raw)} is not {entity, values}`);
  }
  const entity: QuotaEntity | EntityProblem = entityFromParts(entry.entity);
  if ('errorCode' in entity) throw new Error(`client quota file entry ${JSON.stringify(raw)}: ${entity.errorMessage}`);
  const values = new Map<QuotaKey, number>();
  for (const [key, value] of Object.entries(entry.values)) {
    const problem = quotaValueProblem(key, value);
    if (problem !== null || !isQuotaKey(key)) throw new Error(`client quota file entry ${JSON.stringify(raw)}: ${problem?.errorMessage ?? key}`);
    values.set(key, value);
  }
  return { entity, values };
}
