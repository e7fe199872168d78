/**
 * Who sent a Kafka request, for the authorizer: the principal and the client's address.
 * Until the connection authenticates (SASL, mTLS: issue 11's authentication half) every
 * client is Kafka's `User:ANONYMOUS`; this is the one place that reads it.
 */
import type { Session } from '../../authorizer/acl-decision.js';
import { ANONYMOUS_PRINCIPAL } from '../../authorizer/authorizer.js';
import type { KafkaRequest } from './kafka-request.js';

export function sessionOf(request: KafkaRequest<unknown>): Session {
  return { principal: ANONYMOUS_PRINCIPAL, host: request.clientHost };
}
