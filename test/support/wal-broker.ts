/**
 * The WAL store and partition WALs wired to the topic registry as the container wires them
 * (no sockets, a fake clock), for medium tests of the storage and WAL layers.
 */
import { loadSettings, type BlinkConfig } from '../../src/config/settings.js';
import { BatchAppender } from '../../src/storage/batch-appender.js';
import type { MemoryAccountant } from '../../src/storage/memory-accountant.js';
import { ProducerIdAllocator } from '../../src/storage/producer-ids.js';
import { TopicEvents } from '../../src/storage/topic-events.js';
import { TopicRegistry } from '../../src/storage/topic-registry.js';
import { DiskReadLimiter } from '../../src/wal/disk-read-limiter.js';
import { PartitionWals } from '../../src/wal/partition-wals.js';
import { TopicCatalog } from '../../src/wal/topic-catalog.js';
import { WalFileSystem } from '../../src/wal/wal-file-system.js';
import { WalHealth } from '../../src/wal/wal-health.js';
import { WalStore } from '../../src/wal/wal-store.js';
import { FakeClock } from './fake-clock.js';
import { unlimitedAccountant } from './storage.js';

export interface WalBroker {
  readonly config: BlinkConfig;
  readonly clock: FakeClock;
  readonly health: WalHealth;
  readonly topics: TopicRegistry;
  readonly store: WalStore;
  readonly accountant: MemoryAccountant;
  readonly appender: BatchAppender;
}

export interface WalBrokerParts {
  readonly fs?: WalFileSystem;
  readonly clock?: FakeClock;
  /** Made on the broker's clock; an unlimited one when not given. */
  readonly accountant?: (clock: FakeClock) => MemoryAccountant;
}

/** A broker's storage over `dir` with these settings (environment names), its WAL store started. */
export function walBroker(dir: string, env: Record<string, string>, parts: WalBrokerParts = {}): WalBroker {
  const fs = parts.fs ?? new WalFileSystem();
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, ...env }, cwd: dir });
  const clock = parts.clock ?? new FakeClock();
  const accountant = parts.accountant?.(clock) ?? unlimitedAccountant(clock);
  const events = new TopicEvents();
  const catalog = new TopicCatalog(config, fs);
  const health = new WalHealth(config, fs, clock);
  const wals = new PartitionWals(config, fs, catalog, health, new ProducerIdAllocator(), new DiskReadLimiter(), clock, events);
  const topics = new TopicRegistry(config, accountant, events, wals);
  const store = new WalStore(config, fs, topics, catalog, wals, clock);
  store.onModuleInit();
  return { config, clock, health, topics, store, accountant, appender: new BatchAppender() };
}
