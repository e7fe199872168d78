/**
 * src/deferred-fastify-adapter.ts: the stand-in Nest takes as its HTTP adapter until the REST face
 * starts. Before start() it keeps the calls Nest makes during create and init, answers the few
 * reads it knows, and throws on anything else, naming it (a Nest version that needs more of its
 * adapter before the REST face fails loudly); start() builds the real FastifyAdapter, makes the
 * kept calls on it in order, gives the application its HTTP server, and from then on the stand-in
 * forwards to it. The application here is a plain object with NestApplication's own `httpServer`
 * field (the medium tests run the real one: test/medium/app/blink-app-listen-order.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { deferredFastifyAdapter } from '../../../src/deferred-fastify-adapter.js';

test('before start(): Nest\'s create and init calls are kept, known reads answered, anything else throws naming it', () => {
  const { adapter } = deferredFastifyAdapter({ bodyLimit: 1024 });
  const open = adapter as unknown as Record<string, unknown>;
  assert.equal(typeof open.patch, 'function', "NestFactory's test for an adapter");
  assert.equal(adapter.getHttpServer(), undefined);
  assert.equal(adapter.initHttpServer({}), undefined);
  assert.equal('init' in adapter, true);
  assert.equal('disable' in adapter, false, "Fastify's adapter has no disable (Express's)");
  assert.equal(open.then, undefined, 'not a thenable');
  assert.throws(() => open.listen, /asked its HTTP adapter for listen before the REST face started/);
  assert.throws(() => adapter.getInstance(), /asked its HTTP adapter for getInstance before the REST face started/);
  assert.throws(() => {
    open.instance = {};
  }, /set instance on its HTTP adapter before the REST face started/);
});

test('start(): the kept calls are made on the real adapter in order, the application gets its HTTP server, and the stand-in forwards', async () => {
  const rest = deferredFastifyAdapter({ bodyLimit: 1024 });
  const hooked: string[] = [];
  rest.adapter.initHttpServer({});
  rest.adapter.registerSecurityHook?.(() => {
    hooked.push('security hook');
    return undefined;
  });
  const app = { httpServer: undefined } as unknown as NestFastifyApplication & { httpServer: unknown };
  await rest.start(app);
  const instance = rest.adapter.getInstance();
  assert.equal(typeof instance.route, 'function', 'a Fastify instance');
  assert.equal(app.httpServer, instance.server, 'the application has the HTTP server of the Fastify that was built');
  assert.equal(rest.adapter.getHttpServer(), instance.server, 'initHttpServer was made on the real adapter');
  instance.get('/probe', async () => 'ok');
  const response = await instance.inject({ method: 'GET', url: '/probe' });
  assert.equal(response.body, 'ok');
  assert.deepEqual(hooked, ['security hook'], 'the security hook was registered on the real adapter and runs on a request');
  await rest.adapter.close();
});
