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

  record(methods: string | readonly string[], url: string): void {
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      if (method === 'HEAD') continue;
      this.routes.set(`${method} ${url}`, { method, url });
    }
  }

  list(): HttpRoute[] {
    return [...this.routes.values()].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  }
}
