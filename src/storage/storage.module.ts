import { Module } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { StorageProbe, storageMetricProviders } from './storage.probe.js';
import { BatchAppender } from './batch-appender.js';
import { MEMORY_LET_GO, MemoryAccountant, memoryLimitsFor } from './memory-accountant.js';
import { ProducerIdAllocator } from './producer-ids.js';
import { TopicEvents } from './topic-events.js';
import { TopicRegistry } from './topic-registry.js';

/**
 * The memory tier: topics, partitions, memory accounting. The cold tier of each partition
 * comes from the ColdTierFactory the WAL module provides (a global module, so storage never
 * imports it); the memory limits come from `max_memory`. What the process does once the batch
 * pool lets memory go is MEMORY_LET_GO, when the application provides it (the server does:
 * app.module.ts, main.ts).
 */
@Module({
  providers: [
    TopicEvents,
    TopicRegistry,
    {
      provide: MemoryAccountant,
      inject: [BLINK_CONFIG, Clock, { token: MEMORY_LET_GO, optional: true }],
      useFactory: (config: BlinkConfig, clock: Clock, onLetGo: (() => void) | null | undefined) =>
        new MemoryAccountant(memoryLimitsFor(config.maxMemoryBytes), clock, onLetGo ?? null),
    },
    BatchAppender,
    ProducerIdAllocator,
    StorageProbe,
    ...storageMetricProviders,
  ],
  exports: [TopicEvents, TopicRegistry, MemoryAccountant, BatchAppender, ProducerIdAllocator, StorageProbe],
})
export class StorageModule {}
