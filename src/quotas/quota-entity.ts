/**
 * Client quota entities and keys as Kafka 3.9 names and checks them (KIP-55, KIP-546).
 *
 * An entity is a user, a client id, or both; each part names one user or client id, or the
 * default (null on the wire, `<default>` in kafka-configs). Keys: producer_byte_rate and
 * consumer_byte_rate (whole bytes per second), request_percentage (a share of one request
 * thread, in percent). Kafka's IP entities (connection_creation_rate) and
 * controller_mutation_rate are not served here: a single node has no controller mutations to
 * pace, and connection quotas are another feature; both are refused with INVALID_REQUEST.
 *
 * Precedence (Kafka's DefaultQuotaCallback): for each quota type, the most specific entity
 * with a value for that type applies, in this order:
 *   user + client-id, user + default client-id, user, default user + client-id,
 *   default user + default client-id, default user, client-id, default client-id.
 * The clients an entity covers share one rate: a user quota is shared by all of the user's
 * client ids, a client-id quota by every user with that client id.
 */
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
const IP = 'ip';

/** One part of an entity: a name, or the default (null). */
export type EntityName = string | null;

export interface QuotaEntity {
  /** Absent: the entity has no user part. */
  readonly user?: EntityName;
  /** Absent: the entity has no client-id part. */
  readonly clientId?: EntityName;
}

export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** What a quota limits: the quota manager of each key (Kafka's ClientQuotaType). */
export type QuotaType = 'produce' | 'fetch' | 'request';

export const QUOTA_TYPE_OF_KEY: Readonly<Record<QuotaKey, QuotaType>> = {
  producer_byte_rate: 'produce',
  consumer_byte_rate: 'fetch',
  request_percentage: 'request',
};

/** Kafka's types for the keys: the byte rates are LONG (whole numbers), the percentage DOUBLE. */
const WHOLE_KEYS: ReadonlySet<QuotaKey> = new Set(['producer_byte_rate', 'consumer_byte_rate']);
const LONG_MAX = 2 ** 63 - 1;
/** Kafka's tolerance when checking that a LONG quota is whole. */
const FRACTION_TOLERANCE = 1e-6;

export interface EntityProblem {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string;
}

/** A stable map key for an entity (absent, default and named parts kept apart). */
export function entityKey(entity: QuotaEntity): string {
  return JSON.stringify([entity.user === undefined ? 0 : entity.user, entity.clientId === undefined ? 0 : entity.clientId]);
}

/** kafka-configs' way of writing an entity: user 'alice', default client-id. */
export function describeEntity(entity: QuotaEntity): string {
  const part = (type: string, name: EntityName | undefined) => (name === undefined ? [] : [name === null ? `default ${type}` : `${type} '${name}'`]);
  return [...part(USER, entity.user), ...part(CLIENT_ID, entity.clientId)].join(', ');
}

/** An entity from a request's (type, name) pairs, or Kafka's refusal of it (ClientQuotaControlManager.validateEntity). */
export function entityFromParts(parts: ReadonlyArray<{ entityType: string; entityName: EntityName }>): QuotaEntity | EntityProblem {
  if (parts.length === 0) return invalid('Invalid empty client quota entity');
  const seen = new Set<string>();
  let user: EntityName | undefined;
  let clientId: EntityName | undefined;
  for (const { entityType, entityName } of parts) {
    if (seen.has(entityType)) return invalid(`Invalid empty client quota entity, duplicate entity entry ${entityType}`);
    seen.add(entityType);
    if (entityType === IP) return invalid('ip quotas (connection_creation_rate) are not supported by Blink');
    if (entityType !== USER && entityType !== CLIENT_ID) {
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unhandled client quota entity type: ${entityType}` };
    }
    if (entityName === '') return invalid(`Empty ${entityType} not supported`);
    if (entityType === USER) user = entityName;
    else clientId = entityName;
  }
  return { ...(user !== undefined && { user }), ...(clientId !== undefined && { clientId }) };
}

/** The entity as (type, name) pairs, user first, as Kafka lists them. */
export function entityParts(entity: QuotaEntity): Array<{ entityType: string; entityName: EntityName }> {
  const parts: Array<{ entityType: string; entityName: EntityName }> = [];
  if (entity.user !== undefined) parts.push({ entityType: USER, entityName: entity.user });
  if (entity.clientId !== undefined) parts.push({ entityType: CLIENT_ID, entityName: entity.clientId });
  return parts;
}

export function isQuotaKey(key: string): key is QuotaKey {
  return (QUOTA_KEYS as readonly string[]).includes(key);
}

/** Kafka's check of one value (ClientQuotaControlManager.validateQuotaKeyValue), or null when it is fine. */
export function quotaValueProblem(key: string, value: number): EntityProblem | null {
  if (key === 'controller_mutation_rate') return invalid('controller_mutation_rate is not supported by Blink (a single node has no controller mutations to pace)');
  if (!isQuotaKey(key)) return invalid(`Invalid configuration key ${key}`);
  if (!Number.isFinite(value) || value <= 0) return invalid(`Quota ${key} must be greater than 0`);
  if (WHOLE_KEYS.has(key)) {
    if (value > LONG_MAX) return invalid(`Proposed value for ${key} is too large for a LONG.`);
    if (Math.abs(value % 1) > FRACTION_TOLERANCE) return invalid(`${key} cannot be a fractional value.`);
  }
  return null;
}

/**
 * The entities that may set a client's quota, most specific first (Kafka's precedence).
 * Each comes with the client's share key: who shares the rate that entity limits.
 */
export function entitiesByPrecedence(user: string, clientId: string): ReadonlyArray<{ entity: QuotaEntity; shared: SharedBy }> {
  const both = { user, clientId };
  return [
    { entity: { user, clientId }, shared: both },
    { entity: { user, clientId: null }, shared: both },
    { entity: { user }, shared: { user, clientId: '' } },
    { entity: { user: null, clientId }, shared: both },
    { entity: { user: null, clientId: null }, shared: both },
    { entity: { user: null }, shared: { user, clientId: '' } },
    { entity: { clientId }, shared: { user: '', clientId } },
    { entity: { clientId: null }, shared: { user: '', clientId } },
  ];
}

/** Kafka's quota metric tags: the clients with the same tags share one rate ('' = any). */
export interface SharedBy {
  readonly user: string;
  readonly clientId: string;
}

function invalid(errorMessage: string): EntityProblem {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}
