/**
 * Medium tests (a real temporary directory, no sockets): the whole AppModule compiled by the
 * Nest container, as main.ts builds it, in memory and durable mode. The key providers
 * resolve and are wired to each other (partitions get their cold tier from the WAL, memory
 * limits from max_memory, the one Clock everywhere); storage recovery runs; closing the
 * application cancels every timer it started and leaves no active handle behind. The batch
 * pool tells what the application was given as onMemoryLetGo (the server's idle collection),
 * and nothing when it was given none (an embedded broker).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { register } from 'prom-client';
import { Clock } from '../../../src/common/clock.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import { KafkaTransport } from '../../../src/kafka/transport/kafka-transport.js';
import { MemoryPressure } from '../../../src/retention/memory-pressure.js';
import { RetentionService } from '../../../src/retention/retention.service.js';
import { ColdTierFactory } from '../../../src/storage/cold-tier.js';
import { SLAB_BYTES, SPARE_DECAY_MS, SPARE_SLABS } from '../../../src/storage/batch-memory.js';
import { HIGH_WATER_RATIO, LOW_WATER_RATIO, MEMORY_LET_GO, MemoryAccountant, STORED_BATCH_HEAP_BYTES } from '../../../src/storage/memory-accountant.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { PartitionWals } from '../../../src/wal/partition-wals.js';
import { WalStore } from '../../../src/wal/wal-store.js';
import { activeResources, closeAndCheck, compileApp, CountingClock } from '../../support/app-harness.js';
import { FakeClock } from '../../support/fake-clock.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

const compile = (dir: string, env: Record<string, string>, clock: CountingClock) => compileApp(dir, { MAX_MEMORY: '64MB', ...env }, clock);

describe('AppModule (medium: the whole container on a temporary directory)', () => {
  it('memory mode: resolves the providers, wires the cold tier and the limits, and shuts down clean', async () => {
    await withTempDir(async (dir) => {
      const before = activeResources();
      const clock = new CountingClock();
      const app = await compile(dir, { STORAGE_MODE: 'memory' }, clock);
      for (const token of [KafkaTransport, RetentionService, MemoryPressure, FetchParking, WalStore]) assert.ok(app.get(token), `${token.name} resolves`);
      assert.ok(app.get(ColdTierFactory) instanceof PartitionWals, 'storage gets its cold tier from the WAL module');
      assert.equal(app.get(Clock), clock, 'one Clock for the whole broker');
      const maxBytes = 64 * 1024 * 1024;
      const limits = { maxBytes, highWaterBytes: Math.floor(maxBytes * HIGH_WATER_RATIO), lowWaterBytes: Math.floor(maxBytes * LOW_WATER_RATIO), batchHeapBytes: STORED_BATCH_HEAP_BYTES };
      assert.deepEqual(app.get(MemoryAccountant).memoryLimits, limits, 'the limits come from max_memory, and each batch counts its heap');
      const topic = app.get(TopicRegistry).create('orders', 2);
      assert.ok(topic.partitions.every((log) => log.cold !== null && !log.isDurable), 'memory mode: every partition has a cold tier for offload');
      assert.ok(clock.live.size > 0, 'the broker runs timers (retention sweep) while up');
      await closeAndCheck(app, clock, before);
    });
  });

  it('durable mode: partitions are written through the WAL, come back after a restart, and shutdown releases everything', async () => {
    await withTempDir(async (dir) => {
      const env = { STORAGE_MODE: 'durable', FSYNC: 'interval' };
      const before = activeResources();
      const firstClock = new CountingClock();
      const first = await compile(dir, env, firstClock);
      const topics = first.get(TopicRegistry);
      const topic = topics.create('payments', 3, new Map([['retention.ms', '60000']]));
      await topics.whenPersisted('payments');
      assert.ok(topic.partitions.every((log) => log.isDurable && log.cold !== null));
      assert.ok((await readdir(dir)).includes('payments-2'), 'each partition has its directory from the start');
      topics.delete('payments');
      topics.create('audit', 1);
      await topics.whenPersisted('payments');
      await topics.whenPersisted('audit');
      await closeAndCheck(first, firstClock, before);

      const secondClock = new CountingClock();
      const second = await compile(dir, env, secondClock);
      const restored = second.get(TopicRegistry);
      assert.equal(restored.get('payments'), undefined, 'a deleted topic stays deleted');
      assert.equal(restored.get('audit')?.partitions[0].isDurable, true, 'a restored partition is built with its cold tier');
      assert.ok(!(await readdir(dir)).includes('payments-0'), 'its files are gone');
      await closeAndCheck(second, secondClock, before);
    });
  });

  it('the batch pool calls the onMemoryLetGo the application was given once it lets slabs go; without one, none is provided', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      let letGo = 0;
      const app = await compileApp(dir, { STORAGE_MODE: 'memory', MAX_MEMORY: '64MB' }, clock, { onMemoryLetGo: () => letGo++ });
      try {
        const memory = app.get(MemoryAccountant).memory;
        // More slabs than SPARE_SLABS taken, then emptied, then no slab taken for two periods.
        const held = Array.from({ length: 2 * SPARE_SLABS + 4 }, () => memory.alloc(SLAB_BYTES));
        for (const buffer of held) memory.release(buffer);
        clock.advance(2 * SPARE_DECAY_MS);
        assert.equal(letGo, 1, `told once (${JSON.stringify(memory.stats())})`);
      } finally {
        await app.close();
        register.clear();
      }
    });
    await withTempDir(async (dir) => {
      const app = await compileApp(dir, { STORAGE_MODE: 'memory' }, new CountingClock());
      try {
        assert.throws(() => app.get(MEMORY_LET_GO, { strict: false }), 'not provided');
      } finally {
        await app.close();
        register.clear();
      }
    });
  });
});
