/**
 * The part of the REST face's HTTP set-up that the application needs before Nest's init, hence
 * at boot (blink-app.ts): the Fastify adapter's options, and Nest's security hook (security
 * headers, cross-origin protection), which Nest accepts only before app.init() and which runs
 * first on every request. The rest (the REST face's own hooks, validation, errors, Swagger UI:
 * admin-http.ts) is set up with the REST face, after the Kafka listeners bind (rest-face.ts).
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BlinkConfig } from '../../config/settings.js';
import { ADMIN_FASTIFY_OPTIONS } from './limits.js';
import { restTlsOptions } from './rest-tls.js';

/** The Fastify options of the REST listener: limits, and HTTPS with `rest_ssl_enabled` (read at boot). */
export function adminFastifyOptions(config: BlinkConfig) {
  return config.restSslEnabled ? { ...ADMIN_FASTIFY_OPTIONS, https: restTlsOptions(config.ssl) } : ADMIN_FASTIFY_OPTIONS;
}

/**
 * Nest's security hook: security headers, and cross-origin protection that refuses
 * browser-forged state changes (a form POST to /produce from another site). Before app.init().
 */
export function configureAdminSecurity(app: NestFastifyApplication): void {
  app.useSecurityHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }, strictTransportSecurity: false });
  app.enableCsrfProtection();
}
