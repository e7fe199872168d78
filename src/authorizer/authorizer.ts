/**
 * The broker's authorizer: what every face asks before it acts (Kafka's Authorizer
 * interface, `authorizer.class.name=StandardAuthorizer`). Off by default
 * (`authorizer_enabled: false`): then everything is allowed and the ACL APIs answer
 * SECURITY_DISABLED, as Kafka does without an authorizer. On: the decision of
 * acl-decision.ts over the stored ACLs, with `super_users` and
 * `allow_everyone_if_no_acl_found`.
 */
import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { CLUSTER_NAME, ResourceType, SUPPORTED_OPERATIONS } from './acl.js';
import { type AuthorizerPolicy, decide, decideForAnyResource, type Session } from './acl-decision.js';
import { AclStore } from './acl-store.js';

@Injectable()
export class Authorizer {
  private readonly policy: AuthorizerPolicy;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly store: AclStore,
  ) {
    this.policy = { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound };
  }

  get enabled(): boolean {
    return this.config.authorizerEnabled;
  }

  /** May `session` perform `operation` on the resource? Always, while the authorizer is off. */
  authorize(session: Session, operation: number, resourceType: number, resourceName: string): boolean {
    if (!this.enabled) return true;
    return decide(this.store.ofType(resourceType), this.policy, session, operation, resourceName);
  }

  /** The one CLUSTER resource (`kafka-cluster`). */
  authorizeCluster(session: Session, operation: number): boolean {
    return this.authorize(session, operation, ResourceType.CLUSTER, CLUSTER_NAME);
  }

  /**
   * The operations of its type `session` may perform on the resource, as a bitfield of
   * operation codes (bit n set: operation n allowed), as Kafka's AuthHelper.authorizedOperations
   * computes it: every supported operation while the authorizer is off.
   */
  authorizedOperations(session: Session, resourceType: number, resourceName: string): number {
    return (SUPPORTED_OPERATIONS[resourceType] ?? [])
      .filter((operation) => this.authorize(session, operation, resourceType, resourceName))
      .reduce((bits, operation) => bits | (1 << operation), 0);
  }

  /** May `session` perform `operation` on some resource of the type (KIP-679)? */
  authorizeAny(session: Session, operation: number, resourceType: number): boolean {
    if (!this.enabled) return true;
    return decideForAnyResource(this.store.ofType(resourceType), this.policy, session, operation);
  }
}
