/**
 * Who sent a Kafka request, for the authorizer: the principal of its connection
 * (User:ANONYMOUS until the connection authenticates) and the client's address.
 */
import type { Session } from '../../authorizer/acl-decision.js';
import { ResourceType } from '../../authorizer/acl.js';
import type { Authorizer } from '../../authorizer/authorizer.js';
import { principalText, type KafkaPrincipal } from '../../common/kafka-principal.js';
import type { ApiCodec } from '../../wire/api-codec.js';
import { ErrorCode } from '../../wire/error-codes.js';
import type { ConnectionContext } from './connection-context.js';
import type { KafkaRequest } from './kafka-request.js';

/** Each connection's last Session, reused while its principal and host stay the same: every produce and fetch asks for it. */
const sessions = new WeakMap<ConnectionContext, Session>();
/**
 * Each principal's text, made once: principals are shared (ANONYMOUS, one per SASL user), so are
 * their texts, and a connection's cached Session is still its principal's while the text is the
 * same string (a login that changes the principal changes it).
 */
const texts = new WeakMap<KafkaPrincipal, string>();

export function sessionOf(request: KafkaRequest<unknown>): Session {
  const { connection, clientHost } = request;
  const principal = textOf(connection.principal);
  const cached = sessions.get(connection);
  if (cached !== undefined && cached.principal === principal && cached.host === clientHost) return cached;
  const session = { principal, host: clientHost };
  sessions.set(connection, session);
  return session;
}

function textOf(principal: KafkaPrincipal): string {
  let text = texts.get(principal);
  if (text === undefined) texts.set(principal, (text = principalText(principal)));
  return text;
}

/** May the sender of `request` perform `operation` on the resource? (Always, with the authorizer off.) */
export function authorized(authorizer: Authorizer, request: KafkaRequest<unknown>, operation: number, resourceType: number, name: string): boolean {
  return authorizer.authorize(sessionOf(request), operation, resourceType, name);
}

/**
 * For the APIs Kafka guards with one operation on the cluster: null when the caller may
 * perform it, else the codec's error answer with CLUSTER_AUTHORIZATION_FAILED in every error
 * field (top level and each item), as Kafka's getErrorResponse builds it.
 */
export function clusterRefusal<Request, Response>(
  authorizer: Authorizer,
  request: KafkaRequest<Request>,
  operation: number,
  codec: ApiCodec<Request, Response>,
): Response | null {
  if (authorizer.authorizeCluster(sessionOf(request), operation)) return null;
  return codec.errorResponse(request.body, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
}

/** Kafka's ConfigResource types whose configs live on a topic, or on the cluster (broker, broker logger, client metrics). */
const CONFIG_TOPIC = 2;
const CONFIG_CLUSTER_TYPES: ReadonlySet<number> = new Set([4, 8, 16]);

/**
 * The configs APIs' check (Kafka's KafkaApis): `operation` (DescribeConfigs, AlterConfigs) on
 * the topic, or on the cluster for a broker resource; null when allowed (or another type,
 * which the configs service refuses itself), else the error for that resource.
 */
export function configRefusal(
  authorizer: Authorizer,
  request: KafkaRequest<unknown>,
  operation: number,
  resource: { readonly resourceType: number; readonly resourceName: string },
): { errorCode: number; errorMessage: string } | null {
  if (resource.resourceType === CONFIG_TOPIC) {
    if (authorized(authorizer, request, operation, ResourceType.TOPIC, resource.resourceName)) return null;
    return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
  }
  if (CONFIG_CLUSTER_TYPES.has(resource.resourceType) && !authorizer.authorizeCluster(sessionOf(request), operation)) {
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
  }
  return null;
}
