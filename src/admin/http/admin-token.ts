import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';

/**
 * Routes that answer without the admin token: the probes an orchestrator calls, the
 * Prometheus scrape, and the dashboard's script and style files, which carry no secrets and
 * must work with no credentials configured (the page asks for the token, then reads the API).
 * Matched against the route Fastify resolved, not the raw URL, so no spelling of a path
 * (`//health`, `/health/../api`, encodings) can reach another route through the exemption.
 */
export const TOKEN_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready', '/prometheus', '/dashboard/:asset']);

const BEARER = /^Bearer +(\S+) *$/i;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The optional `admin_token` check (RFC 6750 bearer token). Tokens are compared as SHA-256
 * digests with timingSafeEqual, so the comparison takes the same time whatever the guess.
 */
@Injectable()
export class AdminTokenCheck {
  private readonly expected: Buffer | null;

  constructor(@Inject(BLINK_CONFIG) config: BlinkConfig) {
    this.expected = config.adminToken === null ? null : digest(config.adminToken);
  }

  get required(): boolean {
    return this.expected !== null;
  }

  /** True when the request may proceed: no token configured, an exempt route, or the right bearer token. */
  allows(matchedRoute: string | undefined, authorization: string | undefined): boolean {
    if (this.expected === null) return true;
    if (matchedRoute !== undefined && TOKEN_EXEMPT_ROUTES.has(matchedRoute)) return true;
    const presented = BEARER.exec(authorization ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), this.expected);
  }
}
