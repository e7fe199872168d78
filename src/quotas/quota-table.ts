/**
 * The client quotas set with AlterClientQuotas, as Kafka 3.9's broker keeps them
 * (ClientQuotaControlManager for changes, ClientQuotasImage for DescribeClientQuotas), in
 * memory; ClientQuotas persists them. An entity whose last value is removed is gone.
 *
 * Changes are per entity and all or nothing: an entity named twice in one request, a key
 * named twice for one entity, an unknown key or a bad value refuses that entity's whole
 * change (INVALID_REQUEST), the other entities of the request still apply.
 */
import { ErrorCode } from '../wire/error-codes.js';
import {
  describeEntity,
  entityFromParts,
  entityKey,
  type EntityName,
  type EntityProblem,
  isQuotaKey,
  QUOTA_KEYS,
  QUOTA_TYPE_OF_KEY,
  type QuotaEntity,
  type QuotaKey,
  type QuotaType,
  quotaValueProblem,
} from './quota-entity.js';

export interface QuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: ReadonlyMap<QuotaKey, number>;
}

export interface EntityPart {
  readonly entityType: string;
  readonly entityName: EntityName;
}

/** One entity's change: values to set, and keys to remove (remove = true). */
export interface QuotaAlteration {
  readonly entity: readonly EntityPart[];
  readonly ops: ReadonlyArray<{ key: string; value: number; remove: boolean }>;
}

export interface AlterationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** DescribeClientQuotas filter components: 0 exact name, 1 the default, 2 any specified name. */
export interface QuotaFilterComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;
const FILTER_TYPES: ReadonlySet<string> = new Set(['user', 'client-id', 'ip']);

interface PlannedChange {
  readonly key: string;
  readonly entity: QuotaEntity;
  readonly values: Map<QuotaKey, number>;
}

export class QuotaTable {
  private readonly entries = new Map<string, QuotaEntry>();
  /** How many entities set a value of each type: a type nobody limits costs nothing on the request path. */
  private readonly typeCounts = new Map<QuotaType, number>();
  private changes = 0;

  /** Bumped on every change, so callers can tell a cached resolution is stale. */
  get version(): number {
    return this.changes;
  }

  hasType(type: QuotaType): boolean {
    return (this.typeCounts.get(type) ?? 0) > 0;
  }

  value(entity: QuotaEntity, key: QuotaKey): number | undefined {
    return this.entries.get(entityKey(entity))?.values.get(key);
  }

  all(): QuotaEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Checks every alteration and applies those that pass unless `validateOnly`; one result
   * per alteration, in order.
   */
  alter(alterations: readonly QuotaAlteration[], validateOnly: boolean): AlterationResult[] {
    const seen = new Set<string>();
    return alterations.map((alteration) => {
      const planned = this.plan(alteration);
      if ('errorCode' in planned) return { errorCode: planned.errorCode, errorMessage: planned.errorMessage };
      if (seen.has(planned.key)) return refused(`Ignoring duplicate entity ${describeEntity(planned.entity)}`);
      seen.add(planned.key);
      if (!validateOnly) this.replace(planned);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    });
  }

  /** DescribeClientQuotas: the entities the filter matches, or the request's refusal. */
  describe(components: readonly QuotaFilterComponent[], strict: boolean): QuotaEntry[] | EntityProblem {
    const exact = new Map<string, string | null>();
    const specified = new Set<string>();
    for (const { entityType, matchType, match } of components) {
      if (entityType === '') return refused('Invalid empty entity type.');
      if (exact.has(entityType) || specified.has(entityType)) return refused(`Entity type ${entityType} cannot appear more than once in the filter.`);
      if (!FILTER_TYPES.has(entityType)) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unsupported entity type ${entityType}` };
      const problem = addFilter(exact, specified, entityType, matchType, match);
      if (problem !== null) return problem;
    }
    if ((exact.has('ip') || specified.has('ip')) && (exact.size + specified.size > 1)) {
      return refused('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
    }
    return this.all().filter(({ entity }) => matches(entity, exact, specified, strict));
  }

  /** Puts back entries read from the quota file at boot (each checked as AlterClientQuotas would). */
  restore(entries: readonly QuotaEntry[]): void {
    for (const { entity, values } of entries) this.replace({ key: entityKey(entity), entity, values: new Map(values) });
  }

  private plan(alteration: QuotaAlteration): PlannedChange | EntityProblem {
    const entity = entityFromParts(alteration.entity);
    if ('errorCode' in entity) return entity;
    const key = entityKey(entity);
    const values = new Map(this.entries.get(key)?.values ?? []);
    const named = new Set<string>();
    for (const op of alteration.ops) {
      if (named.has(op.key)) return refused(`Duplicate quota key ${op.key} not updating quota for this entity ${describeEntity(entity)}`);
      named.add(op.key);
      if (op.remove) {
        if (isQuotaKey(op.key)) values.delete(op.key);
        continue;
      }
      const problem = quotaValueProblem(op.key, op.value);
      if (problem !== null) return problem;
      values.set(op.key as QuotaKey, op.value);
    }
    return { key, entity, values };
  }

  private replace({ key, entity, values }: PlannedChange): void {
    this.count(this.entries.get(key)?.values, -1);
    if (values.size === 0) this.entries.delete(key);
    else this.entries.set(key, { entity, values });
    this.count(values.size === 0 ? undefined : values, 1);
    this.changes++;
  }

  private count(values: ReadonlyMap<QuotaKey, number> | undefined, delta: number): void {
    for (const key of QUOTA_KEYS) {
      if (!values?.has(key)) continue;
      const type = QUOTA_TYPE_OF_KEY[key];
      this.typeCounts.set(type, (this.typeCounts.get(type) ?? 0) + delta);
    }
  }
}

function addFilter(exact: Map<string, string | null>, specified: Set<string>, entityType: string, matchType: number, match: string | null): EntityProblem | null {
  switch (matchType) {
    case MATCH_EXACT:
      if (match === null) return refused('Request specified MATCH_TYPE_EXACT, but set match string to null.');
      exact.set(entityType, match);
      return null;
    case MATCH_DEFAULT:
      if (match !== null) return refused('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
      exact.set(entityType, null);
      return null;
    case MATCH_SPECIFIED:
      if (match !== null) return refused('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
      specified.add(entityType);
      return null;
    default:
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unknown match type ${matchType}` };
  }
}

/** ClientQuotasImage.matches: exact names (or the default), specified names, and with `strict` nothing more. */
function matches(entity: QuotaEntity, exact: ReadonlyMap<string, string | null>, specified: ReadonlySet<string>, strict: boolean): boolean {
  const parts = new Map<string, EntityName>();
  if (entity.user !== undefined) parts.set('user', entity.user);
  if (entity.clientId !== undefined) parts.set('client-id', entity.clientId);
  if (strict && parts.size !== exact.size + specified.size) return false;
  for (const [type, name] of exact) {
    if (!parts.has(type) || parts.get(type) !== name) return false;
  }
  for (const type of specified) {
    if (!parts.has(type) || parts.get(type) === null) return false;
  }
  return true;
}

function refused(errorMessage: string): EntityProblem {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}
