/**
 * The REST admin under the authorizer: with `authorizer_enabled`, every route that reads or
 * changes data is checked against the same ACLs as the Kafka APIs, so the REST port is no
 * back door. The caller is who admin-authentication.ts found (the admin token's
 * `admin_token_principal`, a SASL user through HTTP Basic, else User:ANONYMOUS; that check
 * runs first, so a refused credential never gets here); its host is the client's address.
 *
 * Each route needs what the matching Kafka API needs (Write to produce, Read to fetch,
 * Create / Delete / Alter on a topic, Describe / Delete / Read on a group); listings and
 * broker-wide views need Describe on the cluster (DescribeConfigs for the settings), and
 * broker-wide actions (retention sweep, plugin reload) Alter on the cluster. A route missing
 * from the table is treated as broker-wide (Describe for GET, else Alter), so a new route is
 * never open by omission. Probes, metrics, the dashboard's files and the API documents carry
 * no data and are not checked.
 */
import { Injectable } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { TOKEN_EXEMPT_ROUTES } from './admin-token.js';

/** What a route asks of the authorizer. */
interface RouteRule {
  readonly operation: number;
  readonly resourceType: number;
  /** The resource's name from the request (a topic or group); absent: the cluster. */
  readonly name?: (request: RestRequest) => string | undefined;
}

/** The parts of an HTTP request the rules read. */
export interface RestRequest {
  readonly method: string;
  readonly route: string | undefined;
  readonly params: Record<string, string | undefined>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  /** The principal the request authenticated as (admin-authentication.ts). */
  readonly principal: string;
  readonly ip: string;
}

const fromParam = (key: string) => (request: RestRequest) => request.params[key];
const fromBody = (key: string) => (request: RestRequest) => {
  const value = (request.body as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === 'string' ? value : undefined;
};
const fromQuery = (key: string) => (request: RestRequest) => {
  const value = request.query[key];
  return typeof value === 'string' ? value : undefined;
};
const topic = (operation: number, name: RouteRule['name']): RouteRule => ({ operation, resourceType: ResourceType.TOPIC, name });
const group = (operation: number): RouteRule => ({ operation, resourceType: ResourceType.GROUP, name: fromParam('groupId') });
const cluster = (operation: number): RouteRule => ({ operation, resourceType: ResourceType.CLUSTER });

export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'POST /produce': topic(AclOperation.WRITE, fromBody('topic')),
  'GET /fetch': topic(AclOperation.READ, fromQuery('topic')),
  'POST /api/v1/topics': topic(AclOperation.CREATE, fromBody('name')),
  'GET /api/v1/topics/:topic': topic(AclOperation.DESCRIBE, fromParam('topic')),
  'DELETE /api/v1/topics/:topic': topic(AclOperation.DELETE, fromParam('topic')),
  'POST /api/v1/topics/:topic/partitions': topic(AclOperation.ALTER, fromParam('topic')),
  'PATCH /api/v1/topics/:topic/configs': topic(AclOperation.ALTER_CONFIGS, fromParam('topic')),
  'POST /api/v1/topics/:topic/records': topic(AclOperation.WRITE, fromParam('topic')),
  'GET /api/v1/topics/:topic/partitions/:partition/records': topic(AclOperation.READ, fromParam('topic')),
  'DELETE /api/v1/topics/:topic/partitions/:partition/records': topic(AclOperation.DELETE, fromParam('topic')),
  'GET /api/v1/groups/:groupId': group(AclOperation.DESCRIBE),
  'POST /api/v1/groups/:groupId/offsets/reset': group(AclOperation.READ),
  'DELETE /api/v1/groups/:groupId': group(AclOperation.DELETE),
  'GET /api/v1/broker/config': cluster(AclOperation.DESCRIBE_CONFIGS),
};

/** Routes that carry no data: probes, metrics, the dashboard's files, the API documents. */
function unchecked(route: string | undefined): boolean {
  return route !== undefined && (TOKEN_EXEMPT_ROUTES.has(route) || route === '/docs' || route.startsWith('/docs/') || route.startsWith('/docs-'));
}

/** The rule of a route: its entry, else broker-wide (POST /purge with a topic is DeleteRecords). */
export function ruleFor(request: RestRequest): RouteRule {
  const key = `${request.method} ${request.route ?? ''}`;
  if (request.method === 'POST' && request.route === '/purge' && fromBody('topic')(request) !== undefined) {
    return topic(AclOperation.DELETE, fromBody('topic'));
  }
  return ROUTE_RULES[key] ?? cluster(request.method === 'GET' ? AclOperation.DESCRIBE : AclOperation.ALTER);
}

@Injectable()
export class AdminAuthorization {
  constructor(private readonly authorizer: Authorizer) {}

  /** Null when the request may proceed, else why not (the 403 message). */
  refusal(request: RestRequest): string | null {
    if (!this.authorizer.enabled || unchecked(request.route)) return null;
    const { principal } = request;
    const rule = ruleFor(request);
    const named = rule.name === undefined ? 'kafka-cluster' : rule.name(request);
    // A request that names no resource is left to validation (400), which runs next.
    if (named === undefined) return null;
    if (this.authorizer.authorize({ principal, host: request.ip }, rule.operation, rule.resourceType, named)) return null;
    return `${principal} is not authorized for ${OPERATION_NAMES[rule.operation]} on ${RESOURCE_NAMES[rule.resourceType]} '${named}'`;
  }
}

const OPERATION_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(AclOperation).map(([name, code]) => [code, name]));
const RESOURCE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ResourceType).map(([name, code]) => [code, name]));
