/**
 * The HTTP-only configuration of the REST face, applied with it (rest-face.ts) once the Kafka
 * listeners are bound, before its routes are registered and the port listens; Nest's security
 * hook, which must precede app.init(), is set at boot (http/admin-http-boot.ts). None of it
 * reaches the Kafka transport: blink-app.ts connects the microservice without inheriting the
 * app's global pipes and filters.
 *
 * Order of a request: Nest's security hook (security headers; cross-origin protection that
 * refuses browser-forged state changes, e.g. a form POST to /produce from another site),
 * the Referer check for browsers that send no Origin (referer-check.ts, 403),
 * then authentication (admin token or, under the authorizer, HTTP Basic with a SASL user:
 * 401 before the body is read, admin-authentication.ts), the bound on bodies held at once
 * (body-budget.ts: 429 before the body is read), Fastify's body limit (413),
 * the body's shape bounds (json-bounds.ts: depth, array length, object count; 400 before
 * any DTO work), the ACL check under the authorizer (403, admin-acl.ts), the ValidationPipe
 * (400 listing every problem), the handler; every failure becomes a
 * JSON `ErrorBody`. CORS stays off: no Access-Control-* headers are ever sent.
 */
import type { Server as TlsServer } from 'node:tls';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminProbe } from './admin.probe.js';
import { acceptsHtml } from './dashboard/accepts-html.js';
import { DASHBOARD_HTML, sendDashboardHeaders } from './dashboard/dashboard-page.js';
import { AdminAuthorization } from './http/admin-acl.js';
import { AdminAuthentication } from './http/admin-authentication.js';
import { openApiDocument } from './http/api-docs.js';
import { AdminExceptionFilter, adminValidationPipe, errorBody } from './http/errors.js';
import { ADMIN_JSON_BOUNDS, jsonBoundsProblem } from './http/json-bounds.js';
import { crossSiteRefererProblem } from './http/referer-check.js';
import { ADMIN_BODY_LIMIT_BYTES } from './http/limits.js';
import { bodyBudgetHook } from './http/body-budget.js';
import { reloadRestCertificate } from './http/rest-tls.js';
import { HttpRouteTable } from './http/route-table.js';
import { RuntimeInfo } from './services/runtime-info.js';
import { Clock } from '../common/clock.js';
import { ANONYMOUS_PRINCIPAL, principalText } from '../common/kafka-principal.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';

/** The principal each request authenticated as, from the authentication hook to the ACL hook. */
const principals = new WeakMap<FastifyRequest, string>();

/** The dashboard's route: a browser without the token still gets the page (which asks for it), with status 401. */
const DASHBOARD_ROUTE = '/';

export function configureAdminHttp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const routes = app.get(HttpRouteTable);
  fastify.addHook('onRoute', (route) => routes.record(route.method, route.url));
  // Bodies are JSON or form fields (Nest registers both parsers); plain text is refused with 415.
  fastify.removeContentTypeParser('text/plain');

  // Nest's security hook (headers, cross-origin protection) was set before init: http/admin-http-boot.ts.
  fastify.addHook('onRequest', refererHook);
  fastify.addHook('onRequest', authenticationHook(app.get(AdminAuthentication)));
  fastify.addHook('onRequest', methodHook(routes));
  fastify.addHook('onRequest', bodyBudgetHook().hook);
  fastify.addHook('preValidation', bodyBoundsHook);
  fastify.addHook('preHandler', aclHook(app.get(AdminAuthorization)));
  fastify.addHook('onResponse', metricsHook(app.get(AdminProbe)));

  watchCertificate(app);

  app.useGlobalPipes(adminValidationPipe());
  app.useGlobalFilters(new AdminExceptionFilter(ADMIN_BODY_LIMIT_BYTES, app.get(Clock)));

  // Built on the first request for it, not at boot (scanning every route takes ~100 ms).
  const document = () => SwaggerModule.createDocument(app, openApiDocument(app.get(RuntimeInfo).identity.version));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml', customSiteTitle: 'Blink admin API' });
}

/** With rest_ssl_enabled, a renewed certificate reaches new HTTPS handshakes without a restart. */
function watchCertificate(app: NestFastifyApplication): void {
  const config = app.get<BlinkConfig>(BLINK_CONFIG);
  if (!config.restSslEnabled) return;
  const fastify = app.getHttpAdapter().getInstance();
  // adminFastifyOptions gave the adapter https options, so its server is an https.Server (a tls.Server).
  const server = fastify.server as unknown as TlsServer;
  const stop = reloadRestCertificate(server, config.ssl, new Logger('RestTls'));
  fastify.addHook('onClose', async () => stop());
}

function authenticationHook(authentication: AdminAuthentication) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const route = request.routeOptions.url;
    const identity = authentication.authenticate({ route, authorization: request.headers.authorization, secure: request.protocol === 'https' });
    if ('principal' in identity) {
      principals.set(request, identity.principal);
      return;
    }
    void reply.code(401);
    if (route === DASHBOARD_ROUTE && request.method === 'GET' && acceptsHtml(request.headers.accept)) {
      // Bearer only: a Basic challenge would make the browser prompt before the page that asks for the token.
      void reply.header('www-authenticate', identity.challenges[0]);
      sendDashboardHeaders(reply);
      return reply.send(DASHBOARD_HTML);
    }
    void reply.header('www-authenticate', [...identity.challenges]);
    return reply.send(errorBody(401, identity.refusal));
  };
}

/**
 * A request no route takes: when its path is served with other methods, 405 with the Allow
 * header (RFC 9110) instead of Fastify's 404 — also for methods Fastify would refuse with
 * 400 before routing (QUERY without a body type).
 */
function methodHook(routes: HttpRouteTable) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.url !== undefined) return;
    const allowed = routes.allowedMethods(request.url.split('?', 1)[0] ?? '/');
    if (allowed.length === 0) return;
    void reply.code(405).header('allow', allowed.join(', '));
    return reply.send(errorBody(405, `${request.method} is not served on this path; it takes ${allowed.join(', ')}`));
  };
}

/** After the body is parsed (a produce names its topic there), before validation and the handler: 403 when the ACLs refuse. */
function aclHook(authorization: AdminAuthorization) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const refusal = authorization.refusal({
      method: request.method,
      route: request.routeOptions.url,
      params: request.params as Record<string, string | undefined>,
      query: (request.query ?? {}) as Record<string, unknown>,
      body: request.body,
      principal: principals.get(request) ?? principalText(ANONYMOUS_PRINCIPAL),
      ip: request.ip,
    });
    if (refusal === null) return;
    return reply.code(403).send(errorBody(403, refusal));
  };
}

async function refererHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const problem = crossSiteRefererProblem({
    method: request.method,
    host: header('host'),
    origin: header('origin'),
    secFetchSite: header('sec-fetch-site'),
    referer: header('referer'),
  });
  if (problem === null) return;
  return reply.code(403).send(errorBody(403, problem));
}

async function bodyBoundsHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const problem = jsonBoundsProblem(request.body, ADMIN_JSON_BOUNDS);
  if (problem === null) return;
  return reply.code(400).send(errorBody(400, `request body refused before validation: ${problem}`));
}

function metricsHook(probe: AdminProbe) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    probe.requestAnswered(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
  };
}
