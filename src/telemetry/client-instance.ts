/**
 * One client instance as Kafka 3.9's ClientMetricsManager tracks it (ClientMetricsInstance):
 * what it is matched on, the subscription computed for it from the CLIENT_METRICS resources
 * it matches (metric prefixes merged, the shortest interval, "*" when any asks for all), and
 * the timing rules of KIP-714:
 * - a GetTelemetrySubscriptions within the push interval of its last request is too early
 *   (THROTTLING_QUOTA_EXCEEDED), unless the subscriptions changed since (a fresh instance) or
 *   its last push was refused for its subscription id or compression type: then the client
 *   needs the new subscription now. Kafka 3.9 means this too but its check (`a != X || a != Y`,
 *   always true) throttles that request, so its clients wait a push interval for it;
 * - a push within the push interval of the last request is too early, except the first push
 *   after a GetTelemetrySubscriptions (clients add jitter to the interval) and a terminating
 *   push; after a terminating push, nothing more is accepted.
 * The subscription id is CRC-32C of the metrics and interval, XOR a hash of the instance id
 * (as Kafka computes it), so it changes with the subscription and is the same for the same
 * subscription after a restart.
 */
import { randomBytes } from 'node:crypto';
import { crc32c } from '../record-format/crc32c.js';
import { ErrorCode } from '../wire/error-codes.js';
import { ALL_METRICS, type ClientMetadata, DEFAULT_INTERVAL_MS, matches, type Subscription } from './client-metrics-config.js';

export class ClientInstance {
  lastGetMs = 0;
  lastPushMs = 0;
  lastRequestMs = 0;
  terminating = false;
  /** The error of the last push (ErrorCode.NONE when it was accepted). */
  lastPushError = 0;

  constructor(
    readonly id: string,
    readonly metadata: ClientMetadata,
    readonly subscriptionVersion: number,
    readonly metrics: readonly string[],
    readonly pushIntervalMs: number,
    readonly subscriptionId: number,
  ) {}

  /** A GetTelemetrySubscriptions at `nowMs`: false when it is too early (the instance is left as it was). */
  acceptGet(nowMs: number): boolean {
    const needsNewSubscription = this.lastPushError === ErrorCode.UNKNOWN_SUBSCRIPTION_ID || this.lastPushError === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    if (!needsNewSubscription && nowMs - Math.max(this.lastGetMs, this.lastPushMs) < this.pushIntervalMs) return false;
    this.lastPushError = ErrorCode.NONE;
    this.lastGetMs = nowMs;
    return true;
  }

  /** A push at `nowMs`: false when it is too early (terminating pushes are never too early). */
  acceptPush(nowMs: number, terminating: boolean): boolean {
    const firstAfterGet = this.lastGetMs > this.lastPushMs;
    const accepted = firstAfterGet || terminating || nowMs - Math.max(this.lastGetMs, this.lastPushMs) >= this.pushIntervalMs;
    if (accepted) this.lastPushMs = nowMs;
    return accepted;
  }
}

/** The instance `id` as the subscriptions in force at `version` see it. */
export function instanceFor(id: string, metadata: ClientMetadata, subscriptions: Iterable<Subscription>, version: number): ClientInstance {
  const metrics = new Set<string>();
  let all = false;
  let intervalMs = DEFAULT_INTERVAL_MS;
  for (const subscription of subscriptions) {
    if (!matches(subscription, metadata)) continue;
    for (const metric of subscription.metrics) metrics.add(metric);
    all ||= subscription.metrics.includes(ALL_METRICS);
    intervalMs = Math.min(intervalMs, subscription.intervalMs);
  }
  const requested = all ? [ALL_METRICS] : [...metrics].sort();
  return new ClientInstance(id, metadata, version, requested, intervalMs, subscriptionId(requested, intervalMs, id));
}

function subscriptionId(metrics: readonly string[], intervalMs: number, instanceId: string): number {
  const crc = crc32c(Buffer.from(`[${metrics.join(', ')}]${intervalMs}`, 'utf8'));
  const bytes = Buffer.from(instanceId.replaceAll('-', ''), 'hex');
  // Kafka's Uuid.hashCode: the two 64-bit halves XORed, then the 32-bit halves of that.
  const hash = bytes.readInt32BE(0) ^ bytes.readInt32BE(4) ^ bytes.readInt32BE(8) ^ bytes.readInt32BE(12);
  return (crc ^ hash) | 0;
}

/** Kafka's text form of a Uuid (Uuid.toString: URL-safe base64, no padding), as clients print instance ids. */
export function uuidText(id: string): string {
  return Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url');
}

/** A new client instance id, as Kafka's Uuid.randomUuid picks one: never the reserved ids, never text starting with "-". */
export function newInstanceId(): string {
  for (;;) {
    const hex = randomBytes(16).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    if (!isReservedInstanceId(id) && !uuidText(id).startsWith('-')) return id;
  }
}

/** Kafka's Uuid.RESERVED: the zero id and the metadata topic's id. */
export function isReservedInstanceId(id: string): boolean {
  return id === '00000000-0000-0000-0000-000000000000' || id === '00000000-0000-0000-0000-000000000001';
}
