import { Injectable } from '@nestjs/common';

/** One HTTP route as Fastify registered it: method and path pattern (`/api/v1/topics/:topic`). */
export interface HttpRoute {
  readonly method: string;
  readonly url: string;
}

/**
 * Every route the REST listener serves, recorded from Fastify's onRoute hook (admin-http.ts)
 * as it is registered: the Nest controllers and what plugins add directly (Swagger UI).
 * Fastify's implicit HEAD twins of GET routes are left out. Served by GET /api/v1/broker/routes,
 * which the e2e test compares with the OpenAPI document.
 */
@Injectable()
export class HttpRouteTable {
  private readonly routes = new Map<string, HttpRoute>();
  /** Each path pattern as a regular expression over request paths, and its methods (built on first use). */
  private matchers: Array<{ pattern: RegExp; methods: string[] }> | null = null;

  record(methods: string | readonly string[], url: string): void {
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      if (method === 'HEAD') continue;
      this.routes.set(`${method} ${url}`, { method, url });
    }
    this.matchers = null;
  }

  /**
   * The methods a request path is served with (HEAD with GET, as Fastify adds it), for the
   * 405 answer's Allow header; empty when no route has this path.
   */
  allowedMethods(path: string): string[] {
    this.matchers ??= this.buildMatchers();
    const methods = new Set(this.matchers.filter((matcher) => matcher.pattern.test(path)).flatMap((matcher) => matcher.methods));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }

  private buildMatchers(): Array<{ pattern: RegExp; methods: string[] }> {
    const byUrl = new Map<string, string[]>();
    for (const { method, url } of this.routes.values()) byUrl.set(url, [...(byUrl.get(url) ?? []), method]);
    return [...byUrl].map(([url, methods]) => ({ pattern: pathPattern(url), methods }));
  }

  list(): HttpRoute[] {
    return [...this.routes.values()].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  }
}

/** `/api/v1/topics/:topic` → a regular expression matching `/api/v1/topics/orders`; `*` matches the rest. */
function pathPattern(url: string): RegExp {
  const parts = url.split('/').map((part) => {
    if (part === '*') return '.*';
    if (part.startsWith(':')) return '[^/]+';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}/?$`);
}
