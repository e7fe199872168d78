/**
 * The decision of Kafka's StandardAuthorizer (3.9), as a pure function of the ACLs: may this
 * principal, from this host, perform this operation on this resource?
 *
 *  1. A super user may do anything.
 *  2. The ACLs that apply are those whose pattern covers the resource (the literal name, the
 *     literal wildcard `*`, or a prefix of the name), whose principal is the caller's or
 *     `User:*`, and whose host is the caller's or `*`.
 *  3. Any applying DENY for the operation (or for ALL) refuses: deny wins.
 *  4. Any applying ALLOW for the operation, for ALL, or for an operation that implies it
 *     (Read, Write, Delete and Alter imply Describe; AlterConfigs implies DescribeConfigs)
 *     grants.
 *  5. Otherwise, when no ACL at all names the resource (whoever it is for), the answer is
 *     `allow_everyone_if_no_acl_found`; else refused.
 */
import {
  type AclBinding,
  AclOperation,
  patternApplies,
  PermissionType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
} from './acl.js';

/** Who is asking: the authenticated principal (`User:alice`) and the client's address. */
export interface Session {
  readonly principal: string;
  readonly host: string;
}

export interface AuthorizerPolicy {
  readonly superUsers: ReadonlySet<string>;
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Operations an ALLOW of the key also grants (Kafka's AclEntry implied operations). */
const IMPLIED_BY: Readonly<Record<number, readonly number[]>> = {
  [AclOperation.DESCRIBE]: [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER],
  [AclOperation.DESCRIBE_CONFIGS]: [AclOperation.ALTER_CONFIGS],
};

function appliesTo(binding: AclBinding, session: Session): boolean {
  return (
    (binding.principal === session.principal || binding.principal === WILDCARD_PRINCIPAL) &&
    (binding.host === session.host || binding.host === WILDCARD_HOST)
  );
}

function grants(binding: AclBinding, operation: number): boolean {
  return binding.operation === operation || binding.operation === AclOperation.ALL || (IMPLIED_BY[operation] ?? []).includes(binding.operation);
}

/** The decision for one resource; `acls` are the bindings for the resource's type. */
export function decide(
  acls: readonly AclBinding[],
  policy: AuthorizerPolicy,
  session: Session,
  operation: number,
  resourceName: string,
): boolean {
  if (policy.superUsers.has(session.principal)) return true;
  const onResource = acls.filter((acl) => patternApplies(acl.patternType, acl.resourceName, resourceName));
  if (onResource.length === 0) return policy.allowEveryoneIfNoAclFound;
  const applying = onResource.filter((acl) => appliesTo(acl, session));
  const denied = applying.some(
    (acl) => acl.permissionType === PermissionType.DENY && (acl.operation === operation || acl.operation === AclOperation.ALL),
  );
  if (denied) return false;
  return applying.some((acl) => acl.permissionType === PermissionType.ALLOW && grants(acl, operation));
}

/**
 * Kafka's authorizeByResourceType (KIP-679: an idempotent producer needs Write on some
 * topic, not IdempotentWrite on the cluster): may the principal perform `operation` on at
 * least one resource of the type? Yes for a super user; yes when some applying ALLOW for it
 * exists that no applying DENY of the same or a wider pattern (a literal wildcard, or a
 * prefix of it) cancels; and, with no ACL of the type at all, `allow_everyone_if_no_acl_found`.
 */
export function decideForAnyResource(acls: readonly AclBinding[], policy: AuthorizerPolicy, session: Session, operation: number): boolean {
  if (policy.superUsers.has(session.principal)) return true;
  if (acls.length === 0) return policy.allowEveryoneIfNoAclFound;
  const applying = acls.filter((acl) => appliesTo(acl, session));
  const denies = applying.filter(
    (acl) => acl.permissionType === PermissionType.DENY && (acl.operation === operation || acl.operation === AclOperation.ALL),
  );
  return applying.some(
    (allow) =>
      allow.permissionType === PermissionType.ALLOW &&
      grants(allow, operation) &&
      !denies.some((deny) => patternApplies(deny.patternType, deny.resourceName, allow.resourceName)),
  );
}

