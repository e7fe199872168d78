/**
 * Medium test of src/blink-app.ts (the real application as main.ts and embed.ts build it, on
 * loopback ports the OS picks and a temporary directory): the Kafka microservice is connected
 * with deferred initialisation (so its global interceptor is registered before its handlers),
 * and its deferred set-up at startAllMicroservices must not run the modules' lifecycle hooks
 * a second time — every provider's onModuleInit and onApplicationBootstrap runs exactly once.
 * The container keys its modules by reference (random ids), not by a SHA-256 of each module's
 * serialized metadata ('deep-hash', which would hash the whole config at every boot). The REST
 * face, which joins the application after the Kafka listeners bind (Nest's LazyModuleLoader runs
 * no lifecycle hook), still has each of its hooks run once, the shutdown ones by app.close().
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ModulesContainer } from '@nestjs/core';
import { register } from 'prom-client';
import { HttpRouteTable } from '../../../src/admin/http/route-table.js';
import { createBlinkApp, listenBlinkApp } from '../../../src/blink-app.js';
import type { BlinkConfig } from '../../../src/config/settings.js';
import { loopbackMemoryConfig } from '../../support/app-harness.js';
import { withTempDir } from '../../support/wal-fixtures.js';

const HOOKS = ['onModuleInit', 'onApplicationBootstrap'] as const;

/**
 * Wraps every hook of every provider, controller and injectable instance of the application
 * (each instance once, as Nest calls them: aliases are the same instance) with a counter that
 * calls through; the counts are keyed `<token>.<hook>`.
 */
function countHooks(app: NestFastifyApplication): Map<string, number> {
  const counts = new Map<string, number>();
  const wrapped = new Set<object>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    const wrappers = [...module.getNonAliasProviders().map(([, wrapper]) => wrapper), ...module.controllers.values(), ...module.injectables.values()];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (instance === null || typeof instance !== 'object' || wrapped.has(instance)) continue;
      wrapped.add(instance);
      for (const hook of HOOKS) {
        const original = instance[hook];
        if (typeof original !== 'function') continue;
        const key = `${String(wrapper.name)}.${hook}`;
        counts.set(key, 0);
        instance[hook] = function counted(this: unknown, ...args: unknown[]): unknown {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return (original as (...a: unknown[]) => unknown).apply(this, args);
        };
      }
    }
  }
  return counts;
}

const memoryConfig = (dir: string): BlinkConfig => loopbackMemoryConfig(dir, 'blink-app-hooks test');

const ALL_HOOKS = ['onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;

describe('createBlinkApp + listenBlinkApp (medium: the real application on loopback)', () => {
  it('runs the lifecycle hooks of the REST face, loaded after the Kafka listeners bind, once each, the shutdown ones at app.close()', async () => {
    // A provider of the REST face (AdminModule's route table) given every hook for the test, on its prototype: Nest sees them as its own.
    const prototype = HttpRouteTable.prototype as unknown as Record<string, unknown>;
    const calls: string[] = [];
    for (const hook of ALL_HOOKS) {
      assert.equal(prototype[hook], undefined, `HttpRouteTable has no ${hook} of its own`);
      prototype[hook] = () => void calls.push(hook);
    }
    try {
      await withTempDir(async (dir) => {
        const config = memoryConfig(dir);
        const app = await createBlinkApp(config, { silent: true, processMetrics: false });
        try {
          assert.deepEqual(calls, [], 'the REST face is not built with the application');
          await listenBlinkApp(app, config);
          assert.deepEqual(calls, ['onModuleInit', 'onApplicationBootstrap']);
          assert.ok(app.get(HttpRouteTable) instanceof HttpRouteTable, 'app.get() finds the providers of the REST face');
        } finally {
          await app.close();
        }
        assert.deepEqual(calls, [...ALL_HOOKS]);
      });
    } finally {
      for (const hook of ALL_HOOKS) delete prototype[hook];
    }
  });


  it('runs every onModuleInit and onApplicationBootstrap once, though the Kafka microservice initialises later', async () => {
    await withTempDir(async (dir) => {
      const config = memoryConfig(dir);
      const app = await createBlinkApp(config, { silent: true });
      try {
        // Before the REST face joins: a second broker created meanwhile in this process must see them (embed.ts).
        assert.notEqual(register.getSingleMetric('process_cpu_user_seconds_total'), undefined, "prom-client's process metrics are registered with the application");
        const tokens = [...app.get(ModulesContainer, { strict: false }).keys()];
        assert.ok(tokens.length > 20, `the container holds the broker's modules: ${tokens.length}`);
        assert.deepEqual(tokens.filter((token) => /^[0-9a-f]{64}$/.test(token)), [], 'no module token is a deep hash of its metadata');
        const counts = countHooks(app);
        assert.ok(counts.has('StorageRecovery.onApplicationBootstrap'), `the counters see the broker's hooks: ${[...counts.keys()].join(', ')}`);
        assert.ok(counts.has('TransactionSweeper.onModuleInit'), `the counters see the broker's hooks: ${[...counts.keys()].join(', ')}`);
        const ports = await listenBlinkApp(app, config);
        assert.ok(ports !== null, 'not stopped');
        assert.equal(ports.kafkaPorts.length, 1, 'the Kafka listener is bound: the microservice has started');
        const notOnce = [...counts].filter(([, count]) => count !== 1);
        assert.deepEqual(notOnce, [], 'every lifecycle hook ran exactly once');
      } finally {
        await app.close();
      }
    });
  });
});
