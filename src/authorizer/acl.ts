/**
 * Kafka's ACL model as the wire carries it (Apache Kafka 3.9 `org.apache.kafka.common.acl`
 * and `.resource`): the byte codes of resource types, pattern types, operations and
 * permission types, an ACL binding (a resource pattern plus an access-control entry), a
 * binding filter (DescribeAcls, DeleteAcls) and the rules that decide which bindings a
 * filter matches and which bindings CreateAcls may store. The codes are Kafka's, so the
 * stored file and the wire speak the same numbers.
 */

export const ResourceType = {
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

export const PatternType = {
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;

export const AclOperation = {
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

export const PermissionType = {
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;

/**
 * The operations each resource type supports (Kafka's AclEntry.supportedOperations): what an
 * "authorized operations" field of Metadata, DescribeGroups, DescribeCluster or
 * DescribeTopicPartitions is computed over.
 */
export const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE],
  [ResourceType.CLUSTER]: [
    AclOperation.CREATE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
  ],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
  [ResourceType.DELEGATION_TOKEN]: [AclOperation.DESCRIBE],
  [ResourceType.USER]: [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
};

/** Kafka's "not computed" value of an authorized-operations field (INT32_MIN: the client did not ask). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** The resource name that matches every name of its type (Kafka's ResourcePattern.WILDCARD_RESOURCE). */
export const WILDCARD_RESOURCE = '*';
/** The principal and host of an ACL that apply to everyone, everywhere. */
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';
/** The only name a CLUSTER resource has. */
export const CLUSTER_NAME = 'kafka-cluster';

/** One stored ACL: who (principal, host) may or may not do what (operation) to which resources. */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** DescribeAcls / DeleteAcls: null strings and the ANY codes match anything; MATCH as Kafka defines it. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

const CONCRETE_RESOURCE_TYPES: ReadonlySet<number> = new Set([
  ResourceType.TOPIC,
  ResourceType.GROUP,
  ResourceType.CLUSTER,
  ResourceType.TRANSACTIONAL_ID,
  ResourceType.DELEGATION_TOKEN,
  ResourceType.USER,
]);

function isCode(value: number, codes: Record<string, number>): boolean {
  return Object.values(codes).includes(value);
}

/** A principal as Kafka parses it: `<type>:<name>`, both parts non-empty. */
export function isPrincipal(principal: string): boolean {
  const colon = principal.indexOf(':');
  return colon > 0 && colon < principal.length - 1;
}

/** Why CreateAcls must refuse `binding` (Kafka answers INVALID_REQUEST with this), or null when it may be stored. */
export function bindingProblem(binding: AclBinding): string | null {
  if (!CONCRETE_RESOURCE_TYPES.has(binding.resourceType)) return `resource type ${binding.resourceType} is not a concrete resource type`;
  if (binding.patternType !== PatternType.LITERAL && binding.patternType !== PatternType.PREFIXED) {
    return `pattern type ${binding.patternType} is not LITERAL (3) or PREFIXED (4)`;
  }
  if (binding.resourceName === '') return 'the resource name must not be empty';
  if (binding.resourceType === ResourceType.CLUSTER && binding.resourceName !== CLUSTER_NAME) {
    return `a CLUSTER resource is named '${CLUSTER_NAME}'`;
  }
  if (!isCode(binding.operation, AclOperation) || binding.operation === AclOperation.ANY) return `operation ${binding.operation} is not a concrete operation`;
  if (binding.permissionType !== PermissionType.ALLOW && binding.permissionType !== PermissionType.DENY) {
    return `permission type ${binding.permissionType} is not ALLOW (3) or DENY (2)`;
  }
  if (!isPrincipal(binding.principal)) return `'${binding.principal}' is not a principal of the form Type:name`;
  if (binding.host === '') return 'the host must not be empty (use * for every host)';
  return null;
}

/** Why a DescribeAcls / DeleteAcls filter is malformed (INVALID_REQUEST), or null. */
export function filterProblem(filter: AclBindingFilter): string | null {
  if (!isCode(filter.resourceType, ResourceType)) return `unknown resource type ${filter.resourceType}`;
  if (!isCode(filter.patternType, PatternType)) return `unknown pattern type ${filter.patternType}`;
  if (!isCode(filter.operation, AclOperation)) return `unknown operation ${filter.operation}`;
  if (!isCode(filter.permissionType, PermissionType)) return `unknown permission type ${filter.permissionType}`;
  if (filter.principal !== null && filter.principal !== '' && !isPrincipal(filter.principal)) {
    return `'${filter.principal}' is not a principal of the form Type:name`;
  }
  return null;
}

/**
 * Does the filter's resource part match the binding's pattern? Kafka's ResourcePatternFilter:
 * ANY = every pattern type; LITERAL / PREFIXED = that type with exactly that name; MATCH = the
 * patterns that would apply to a resource of that name (the literal name, the wildcard, and
 * every prefix of it).
 */
function resourceMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== binding.resourceType) return false;
  if (filter.patternType === PatternType.MATCH) {
    if (filter.resourceName === null) return true;
    return patternApplies(binding.patternType, binding.resourceName, filter.resourceName);
  }
  if (filter.patternType !== PatternType.ANY && filter.patternType !== binding.patternType) return false;
  return filter.resourceName === null || filter.resourceName === binding.resourceName;
}

/** Does a pattern (type + name) cover the resource named `name`? */
export function patternApplies(patternType: number, patternName: string, name: string): boolean {
  if (patternType === PatternType.LITERAL) return patternName === name || patternName === WILDCARD_RESOURCE;
  if (patternType === PatternType.PREFIXED) return name.startsWith(patternName);
  return false;
}

export function filterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  return (
    resourceMatches(filter, binding) &&
    (filter.principal === null || filter.principal === binding.principal) &&
    (filter.host === null || filter.host === binding.host) &&
    (filter.operation === AclOperation.ANY || filter.operation === binding.operation) &&
    (filter.permissionType === PermissionType.ANY || filter.permissionType === binding.permissionType)
  );
}

/** A binding's identity, for de-duplication (Kafka stores each binding once). */
export function bindingKey(binding: AclBinding): string {
  return JSON.stringify([
    binding.resourceType,
    binding.resourceName,
    binding.patternType,
    binding.principal,
    binding.host,
    binding.operation,
    binding.permissionType,
  ]);
}
