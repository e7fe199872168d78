import { Module } from '@nestjs/common';
import { StorageProbe, storageMetricProviders } from './storage.probe.js';
import { BatchAppender } from './batch-appender.js';
import { MemoryAccountant } from './memory-accountant.js';
import { ProducerIdAllocator } from './producer-ids.js';
import { TopicRegistry } from './topic-registry.js';

@Module({
  providers: [TopicRegistry, MemoryAccountant, BatchAppender, ProducerIdAllocator, StorageProbe, ...storageMetricProviders],
  exports: [TopicRegistry, MemoryAccountant, BatchAppender, ProducerIdAllocator, StorageProbe],
})
export class StorageModule {}
