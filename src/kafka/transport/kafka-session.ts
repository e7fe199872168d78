/**
 * Who sent a Kafka request, for the authorizer: the principal and the client's address of
 * the connection's context (User:ANONYMOUS until the connection authenticates).
 */
import type { Session } from '../../authorizer/acl-decision.js';
import type { Authorizer } from '../../authorizer/authorizer.js';
import type { KafkaRequest } from './kafka-request.js';

export function sessionOf(request: KafkaRequest<unknown>): Session {
  return request.context;
}

/** May the sender of `request` perform `operation` on the resource? (Always, with the authorizer off.) */
export function authorized(authorizer: Authorizer, request: KafkaRequest<unknown>, operation: number, resourceType: number, name: string): boolean {
  return authorizer.authorize(request.context, operation, resourceType, name);
}
