/**
 * Who sent a Kafka request, for the authorizer: the principal and the client's address of
 * the connection's context (User:ANONYMOUS until the connection authenticates).
 */
import type { Session } from '../../authorizer/acl-decision.js';
import type { KafkaRequest } from './kafka-request.js';

export function sessionOf(request: KafkaRequest<unknown>): Session {
  return request.context;
}
