/**
 * CLIENT_METRICS config resources (KIP-714, config resource type 16): named subscriptions,
 * each with Kafka 3.9's three configs (ClientMetricsConfigs):
 * - `metrics`: metric name prefixes the matching clients should push ("*": all; empty: none);
 * - `interval.ms`: how often they push (100 ms to 1 h; 5 min when not set);
 * - `match`: `selector=regex` pairs, all of which a client must match (whole-value RE2
 *   matches, Kafka uses java.util.regex) on client_instance_id, client_id,
 *   client_software_name, client_software_version, client_source_address,
 *   client_source_port; no pairs match every client.
 * A resource holds only the configs set on it; one whose last config is deleted is gone.
 * Checks as Kafka's: an empty name, an unknown config or an interval out of range is
 * INVALID_REQUEST; a malformed match pair, an unknown selector or a bad regex is INVALID_CONFIG.
 */
import { RE2JS } from 're2js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

/** Kafka's ConfigResource.Type.CLIENT_METRICS. */
export const CLIENT_METRICS_RESOURCE = 16;

export const METRICS = 'metrics';
export const INTERVAL_MS = 'interval.ms';
export const MATCH = 'match';
const CONFIG_NAMES: ReadonlySet<string> = new Set([METRICS, INTERVAL_MS, MATCH]);

/** Kafka's ConfigDef types of the configs, as DescribeConfigs v3+ reports them (7 LIST, 3 INT). */
export const CONFIG_TYPES: Readonly<Record<string, number>> = { [METRICS]: 7, [INTERVAL_MS]: 3, [MATCH]: 7 };

/** Every metric: Kafka's ALL_SUBSCRIBED_METRICS_CONFIG. */
export const ALL_METRICS = '*';
export const DEFAULT_INTERVAL_MS = 300_000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

export const MATCH_SELECTORS = [
  'client_instance_id',
  'client_id',
  'client_software_name',
  'client_software_version',
  'client_source_address',
  'client_source_port',
] as const;
export type MatchSelector = (typeof MATCH_SELECTORS)[number];

/** What a client instance is matched on. */
export type ClientMetadata = Readonly<Record<MatchSelector, string>>;

export interface ConfigProblem {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string;
}

/** One resource, parsed: what the subscription asks of the clients it matches. */
export interface Subscription {
  readonly name: string;
  /** The configs as set (DescribeConfigs shows these). */
  readonly configs: ReadonlyMap<string, string>;
  readonly metrics: readonly string[];
  readonly intervalMs: number;
  readonly match: ReadonlyMap<MatchSelector, RE2JS>;
}

/** IncrementalAlterConfigs operations that apply to these configs. */
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const LIST_CONFIGS: ReadonlySet<string> = new Set([METRICS, MATCH]);

export interface ConfigOperation {
  readonly name: string;
  readonly operation: number;
  readonly value: string | null;
}

/** The resource's configs after `operations` (IncrementalAlterConfigs), or the refusal. */
export function incremented(current: ReadonlyMap<string, string>, operations: readonly ConfigOperation[]): Map<string, string> | ConfigProblem {
  const configs = new Map(current);
  const named = new Set<string>();
  for (const { name, operation, value } of operations) {
    if (named.has(name)) return invalid(`Config ${name} is named more than once`);
    named.add(name);
    if (!CONFIG_NAMES.has(name)) return invalid(`Unknown client metrics configuration: ${name}`);
    const next = applied(configs.get(name), name, operation, value);
    if (typeof next === 'object' && next !== null) return next;
    if (next === null) configs.delete(name);
    else configs.set(name, next);
  }
  return configs;
}

/** A resource whose configs pass Kafka's checks, parsed; or the refusal. */
export function subscription(name: string, configs: ReadonlyMap<string, string>): Subscription | ConfigProblem {
  if (name === '') return invalid('Resource name must not be empty');
  for (const key of configs.keys()) if (!CONFIG_NAMES.has(key)) return invalid(`Unknown client metrics configuration: ${key}`);
  const intervalMs = parseInterval(configs.get(INTERVAL_MS));
  if (typeof intervalMs !== 'number') return intervalMs;
  const match = parseMatch(listItems(configs.get(MATCH)));
  if ('errorCode' in match) return match;
  return { name, configs, metrics: listItems(configs.get(METRICS)), intervalMs, match };
}

/** Does the client match every pair of the subscription's `match`? */
export function matches(subscriptionOf: Pick<Subscription, 'match'>, client: ClientMetadata): boolean {
  for (const [selector, pattern] of subscriptionOf.match) {
    if (!pattern.matches(client[selector])) return false;
  }
  return true;
}

function applied(current: string | undefined, name: string, operation: number, value: string | null): string | null | ConfigProblem {
  switch (operation) {
    case SET:
      return value ?? '';
    case DELETE:
      return null;
    case APPEND:
    case SUBTRACT: {
      if (!LIST_CONFIGS.has(name)) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config ${name} is not a list: APPEND and SUBTRACT apply to metrics and match` };
      const items = listItems(current);
      const change = listItems(value ?? '');
      const next = operation === APPEND ? [...items, ...change.filter((item) => !items.includes(item))] : items.filter((item) => !change.includes(item));
      return next.join(',');
    }
    default:
      return invalid(`Unknown config operation ${operation} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`);
  }
}

/** Kafka's LIST type: comma separated, items trimmed, blanks dropped. */
function listItems(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function parseInterval(value: string | undefined): number | ConfigProblem {
  if (value === undefined) return DEFAULT_INTERVAL_MS;
  const trimmed = value.trim();
  if (!/^-?\d+$/.test(trimmed)) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Invalid value ${value} for configuration ${INTERVAL_MS}: Not a number of type INT` };
  const intervalMs = Number(trimmed);
  if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    return invalid(`Invalid value ${intervalMs} for ${INTERVAL_MS}, interval must be between 100 and 3600000 (1 hour)`);
  }
  return intervalMs;
}

function parseMatch(pairs: readonly string[]): Map<MatchSelector, RE2JS> | ConfigProblem {
  const match = new Map<MatchSelector, RE2JS>();
  for (const pair of pairs) {
    const parts = pair.split('=');
    if (parts.length !== 2) return badConfig(`Illegal client matching pattern: ${pair}`);
    const selector = parts[0].trim();
    if (!(MATCH_SELECTORS as readonly string[]).includes(selector)) return badConfig(`Invalid client matching criteria: ${selector}`);
    try {
      match.set(selector as MatchSelector, RE2JS.compile(parts[1].trim()));
    } catch {
      return badConfig(`Illegal regular expression in client matching pattern: ${pair}`);
    }
  }
  return match;
}

function invalid(errorMessage: string): ConfigProblem {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function badConfig(errorMessage: string): ConfigProblem {
  return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage };
}
