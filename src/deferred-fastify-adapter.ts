/**
 * Nest's HTTP adapter for the REST face, whose Fastify is built only when the REST face starts
 * (blink-app.ts), after the Kafka listeners are bound. Fastify and Nest's adapter for it (with
 * find-my-way, avvio, light-my-request, middie, node:http, …) are evaluated and Fastify's instance
 * is built (its hooks, router, content-type parsers) only then: bench/README.md (boot15) has what
 * that took from a boot's first ApiVersions.
 * Nest takes an adapter when the application is created, and its create and init call a few of
 * its methods (RECORDED) before the REST face exists; the stand-in here keeps those calls and
 * makes them, in order, on the real FastifyAdapter once it is built (start()); from then on it
 * forwards everything to it, so that every holder of the stand-in (the application, Nest's
 * HttpAdapterHost, its cross-origin protection) reaches the real one. Anything else asked of it
 * before that throws, naming what was asked: a Nest version that needs more of its adapter
 * before the REST face fails loudly, not silently without it.
 */
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/** The adapter's methods Nest calls during create and init (the REST face not started): kept, and made on the real adapter at start(). */
const RECORDED = new Set(['init', 'initHttpServer', 'registerSecurityHook', 'registerParserMiddleware']);
/**
 * What else Nest reads of its adapter before the REST face starts, and the stand-in's answer:
 * `patch` (NestFactory's test that it was given an adapter), the HTTP server (there is none yet:
 * start() gives the application the real one), the route-matching options (read by Nest's
 * cross-origin protection at init; start() has it read them again from the real adapter), and a
 * close before the REST face started (an embedded broker closed early), which has nothing to close;
 * `disable` (app.useSecurityHeaders calls it if there is one) is Express's, which Fastify's adapter has not.
 */
const ANSWERED: Readonly<Record<string, unknown>> = {
  patch: () => undefined,
  getHttpServer: () => undefined,
  getRouteMatchingOptions: () => undefined,
  beforeClose: async () => undefined,
  close: async () => undefined,
  disable: undefined,
};

/** The stand-in adapter for `NestFactory.create`, and start(), which builds the real one and hands the application over to it. */
export interface DeferredFastifyAdapter {
  readonly adapter: FastifyAdapter;
  start(app: NestFastifyApplication): Promise<void>;
}

/** A stand-in for `new FastifyAdapter(options)` (see the file's comment). */
export function deferredFastifyAdapter(options: object): DeferredFastifyAdapter {
  const calls: { method: string; args: unknown[] }[] = [];
  let real: FastifyAdapter | undefined;
  const early = (key: string | symbol): unknown => {
    // Symbols and `then` (the adapter passed through a promise's resolution, printed) are no adapter methods.
    if (typeof key === 'symbol' || key === 'then') return undefined;
    if (RECORDED.has(key)) return (...args: unknown[]) => void calls.push({ method: key, args });
    if (Object.hasOwn(ANSWERED, key)) return ANSWERED[key];
    throw new Error(`Nest asked its HTTP adapter for ${key} before the REST face started: check src/deferred-fastify-adapter.ts against this Nest version`);
  };
  const adapter = new Proxy(Object.create(null) as FastifyAdapter, {
    get: (_, key) => (real === undefined ? early(key) : Reflect.get(real, key)),
    set: (_, key, value) => {
      if (real === undefined) throw new Error(`Nest set ${String(key)} on its HTTP adapter before the REST face started: check src/deferred-fastify-adapter.ts against this Nest version`);
      return Reflect.set(real, key, value);
    },
    has: (_, key) => (real === undefined ? typeof key === 'string' && (RECORDED.has(key) || ANSWERED[key] !== undefined) : key in real),
    getPrototypeOf: () => (real === undefined ? Object.prototype : Reflect.getPrototypeOf(real)),
  });
  return {
    adapter,
    async start(app) {
      if (real !== undefined) return;
      const { FastifyAdapter } = await import('@nestjs/platform-fastify');
      const built = new FastifyAdapter(options);
      for (const { method, args } of calls.splice(0)) await (built as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
      real = built;
      handOver(app, built);
    },
  };
}

/**
 * What the application took from the stand-in at its creation and init, taken again from the
 * real adapter: its HTTP server (NestApplication keeps it from its constructor, for listen() and
 * getHttpServer()), and the route-matching options its cross-origin protection resolved at init
 * (its security hook's init, which does nothing else). Both are NestApplication's own fields, set
 * beneath Nest's proxies around the application (they forward defineProperty).
 */
function handOver(app: NestFastifyApplication, built: FastifyAdapter): void {
  const server = Reflect.getOwnPropertyDescriptor(app, 'httpServer');
  if (server === undefined || !Reflect.defineProperty(app, 'httpServer', { ...server, value: built.getHttpServer() })) {
    throw new Error('NestApplication has no httpServer to set: check src/deferred-fastify-adapter.ts against this Nest version');
  }
  const { securityHook, config } = app as unknown as { securityHook?: { init(config: unknown): void }; config?: unknown };
  if (securityHook !== undefined) {
    if (typeof securityHook.init !== 'function' || config === undefined) throw new Error('NestApplication has no security hook to initialise: check src/deferred-fastify-adapter.ts against this Nest version');
    securityHook.init(config);
  }
}
